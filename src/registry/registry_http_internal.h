/* The registry client's HTTP transport (libcurl): ONE GET attempt against one
 * of the configured base URLs, returning the raw outcome (transport result,
 * HTTP status, body, the headers the retry layer reads). Parsing bodies and
 * mapping statuses (registry_response.c) and retrying (registry_retry.c) are
 * layers above; nothing here retries, follows redirects or interprets JSON.
 *
 * Thread safety. A transport is made once per client and is read-only
 * afterwards: any number of threads may call cf_registry_http_get on it at
 * once. libcurl easy handles must not be shared between threads, so each
 * call uses the easy handle kept in its `result` (made on first use, reset
 * and reused by later calls with the same result and transport, which keeps
 * the connection and TLS session alive; a call with another transport starts
 * a new handle, so no connection made with one client's credentials serves
 * another): a result belongs to one thread at a time.
 * curl_global_init runs once per process, under pthread_once, the first time
 * a transport is made; it is never undone (curl_global_cleanup is not
 * thread-safe and other code in the process may use libcurl too). libcurl
 * >= 7.84 also makes curl_global_init itself thread-safe
 * (CURL_VERSION_THREADSAFE), which matters only when other code in the
 * process calls it concurrently; Debian 12 ships 7.88.1.
 *
 * Credentials never appear in an error message: URLs are shown without their
 * user info, no Authorization value is ever formatted, and libcurl's error
 * text is scrubbed of every configured secret and of any URL user info. */
#ifndef CFAVRO_REGISTRY_HTTP_INTERNAL_H
#define CFAVRO_REGISTRY_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* Where basic-auth credentials come from (basic.auth.credentials.source;
 * the values are the settings table's choice values). */
typedef enum cf_http_basic_source {
    CF_HTTP_BASIC_URL = 0,      /* the user info of each URL, if it has one */
    CF_HTTP_BASIC_USER_INFO = 1 /* basic.auth.user.info (required then) */
} cf_http_basic_source;

/* The values a transport is made from, one field per settings-table row
 * (named next to each field). Strings are borrowed for the duration of
 * cf_registry_http_new only (the transport copies what it keeps); NULL means
 * the key is unset. Numbers are the settings' values (their defaults when
 * unset). Zero-initialise, then fill. */
typedef struct cf_registry_http_settings {
    const char *urls;                   /* schema.registry.url: comma-separated,
                                           required; a path prefix is kept */
    uint8_t basic_source;               /* basic.auth.credentials.source
                                           (cf_http_basic_source) */
    const char *basic_user_info;        /* basic.auth.user.info: USER:PASSWORD */
    const char *bearer_token;           /* bearer.auth.token (bearer.auth.
                                           credentials.source STATIC_TOKEN is the
                                           only source): set = bearer auth */
    const char *bearer_logical_cluster; /* bearer.auth.logical.cluster */
    const char *bearer_identity_pool;   /* bearer.auth.identity.pool.id */
    const char *ssl_ca_location;        /* ssl.ca.location (NULL: system CAs) */
    const char *ssl_certificate_location; /* ssl.certificate.location */
    const char *ssl_key_location;       /* ssl.key.location */
    const char *ssl_key_password;       /* ssl.key.password */
    bool verify_host;                   /* ssl.endpoint.identification.algorithm:
                                           "https" (true) or "" (false: the
                                           certificate chain is still verified) */
    uint64_t connect_timeout_ms;        /* cfavro.registry.connect.timeout.ms */
    uint64_t request_timeout_ms;        /* request.timeout.ms: the whole GET */
    uint64_t max_response_bytes;        /* cfavro.registry.response.max.bytes */
    const char *proxy;                  /* proxy (NULL: libcurl's environment,
                                           http_proxy / https_proxy / no_proxy) */
} cf_registry_http_settings;

/* How one GET ended. Only CF_HTTP_OK has an HTTP status; the retry layer
 * decides what is worth retrying. */
typedef enum cf_http_outcome {
    CF_HTTP_OK = 0,              /* a complete response: see status */
    CF_HTTP_CONNECT_FAILED = 1,  /* could not resolve or connect (nothing sent) */
    CF_HTTP_TIMED_OUT = 2,       /* connect or total timeout reached */
    CF_HTTP_TLS_FAILED = 3,      /* handshake or certificate verification failed */
    CF_HTTP_TOO_LARGE = 4,       /* body longer than max_response_bytes; the
                                    transfer was aborted, not read to its end */
    CF_HTTP_TRANSPORT_ERROR = 5, /* any other network failure (reset, empty or
                                    cut reply, ...) */
    CF_HTTP_LOCAL_ERROR = 6      /* nothing was sent: out of memory, a bad
                                    url_index, libcurl refusing an option */
} cf_http_outcome;

/* Bounded copies of response headers: a value that does not fit (or is
 * absent) is "" — a cut number or date would mean something else. */
#define CF_HTTP_HEADER_VALUE_MAX 64
#define CF_HTTP_CONTENT_TYPE_MAX 128

/* The outcome of one GET, and the per-thread state reused between GETs (the
 * body buffer and the libcurl easy handle). Zero-initialise (or
 * cf_http_result_init), pass to any number of calls from one thread at a
 * time, then cf_http_result_free. */
typedef struct cf_http_result {
    cf_http_outcome outcome;
    long status;            /* HTTP status when outcome is CF_HTTP_OK, else 0 */
    char *body;             /* owned; body_len bytes plus a NUL; NULL before
                               the first body; reused by the next call */
    size_t body_len;
    size_t body_cap;
    char content_type[CF_HTTP_CONTENT_TYPE_MAX];
    char retry_after[CF_HTTP_HEADER_VALUE_MAX];           /* seconds or an HTTP date */
    char ratelimit_limit[CF_HTTP_HEADER_VALUE_MAX];       /* X-RateLimit-Limit */
    char ratelimit_remaining[CF_HTTP_HEADER_VALUE_MAX];   /* X-RateLimit-Remaining */
    char ratelimit_reset[CF_HTTP_HEADER_VALUE_MAX];       /* X-RateLimit-Reset (seconds) */
    uint64_t timeout_ms;    /* in: this call's total deadline when > 0 and shorter
                               than request.timeout.ms (a lookup's retries share
                               one deadline); connecting is bounded by it too */
    uint64_t elapsed_ms;    /* wall time of the attempt */
    void *easy;             /* the libcurl easy handle (CURL *), made on first use */
    uint64_t easy_owner;    /* internal: the transport that last used it */
    size_t cap;             /* internal: the body cap of the current call */
    bool over_cap;          /* internal: the write callback stopped the transfer */
    bool no_memory;         /* internal: the body buffer could not grow */
} cf_http_result;

typedef struct cf_registry_http cf_registry_http;

void cf_http_result_init(cf_http_result *result);
/* Frees the body and the easy handle; leaves *result zeroed. NULL: no-op. */
void cf_http_result_free(cf_http_result *result);

/* Make a transport from `settings`. CFAVRO_E_CONFIG for an unusable URL list
 * or auth combination (the message names the key, never a value of a secret
 * one), CFAVRO_E_NOMEM, or CFAVRO_E_INTERNAL when libcurl cannot initialise.
 * Free with cf_registry_http_free (NULL: no-op). */
int cf_registry_http_new(const cf_registry_http_settings *settings, cf_registry_http **out,
                         cfavro_error *err);
void cf_registry_http_free(cf_registry_http *transport);

/* How many base URLs the transport has (>= 1), for failover. */
size_t cf_registry_http_url_count(const cf_registry_http *transport);

/* Base URL #index as messages may show it: without user info. */
const char *cf_registry_http_url_display(const cf_registry_http *transport, size_t index);

/* Remove from `text` (NUL-terminated, edited in place, never lengthened)
 * every secret the transport holds (basic user info and its halves, URL
 * user info, the token, the key password, the proxy's user info) and the
 * user info of any scheme://user:pass@host in it: for text from elsewhere
 * (libcurl, a server's reply) that goes into a message. */
void cf_registry_http_scrub(const cf_registry_http *transport, char *text);

/* One GET of base URL #url_index joined with `path_and_query` (exactly one '/'
 * between them; the base URL's own path, e.g. /contexts/.ctx, is kept). The
 * caller percent-encodes path segments. Fills *result and returns its
 * outcome. For every outcome but CF_HTTP_OK `err` says what happened
 * (status CFAVRO_E_REGISTRY_UNAVAILABLE for network outcomes,
 * CFAVRO_E_REGISTRY_PROTOCOL for CF_HTTP_TOO_LARGE, CFAVRO_E_NOMEM /
 * CFAVRO_E_ARGUMENT / CFAVRO_E_INTERNAL for CF_HTTP_LOCAL_ERROR); for
 * CF_HTTP_OK it is cleared, whatever the HTTP status. No redirect is
 * followed (a 3xx comes back as it is): a redirect could carry the
 * credentials to another host, and the registry API has none for GETs. */
cf_http_outcome cf_registry_http_get(const cf_registry_http *transport, size_t url_index,
                                     const char *path_and_query, cf_http_result *result,
                                     cfavro_error *err);

#endif
