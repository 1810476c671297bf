/* One HTTP GET to the schema registry over libcurl (see
 * registry_http_internal.h for the contract). */
#include "registry_http_internal.h"
#include "registry_config_internal.h"
#include "registry_text_internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "alloc_internal.h"
#include "error_internal.h"

#define ACCEPT_HEADER                                                                         \
    "Accept: application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, "  \
    "application/json"

/* One base URL, split so that the user info never reaches a message. */
typedef struct http_base {
    char *url;      /* scheme://host[:port][/prefix], no user info, no trailing '/' */
    char *user;     /* percent-decoded user info (basic source URL), or NULL */
    char *password;
} http_base;

/* User names are scrubbed from libcurl's text only from this length on: a
 * shorter one cannot be hidden without mangling every word that holds it,
 * and it is not the secret half (a Confluent Cloud API key, 16 characters,
 * is scrubbed). Passwords and tokens are scrubbed whatever their length. */
#define MIN_SCRUBBED_USER_NAME 4

/* Most secrets scrubbed from libcurl's error text: user info, its two
 * halves, the token, the key password, the proxy's user info. */
#define MAX_FIXED_SECRETS 8

struct cf_registry_http {
    http_base *bases;
    size_t nbases;
    char *user_info;         /* basic.auth.user.info, or NULL */
    struct curl_slist *headers; /* Accept, unknown properties, User-Agent, bearer */
    char *ca, *cert, *key, *key_password, *proxy;
    bool verify_host;
    long connect_timeout_ms, total_timeout_ms;
    size_t max_body;
    const char *secrets[MAX_FIXED_SECRETS]; /* borrowed from the fields above */
    size_t nsecrets;
    char *secret_copies[3];  /* user-info halves and proxy user info, owned */
    uint64_t serial;         /* unique per transport: see cf_registry_http_get */
};

static atomic_uint_fast64_t next_serial;

/* ---- process-wide libcurl initialisation ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_status = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- small text helpers ---- */

/* Replace, in place, every occurrence of `secret` in `text` with "***" (never
 * longer than the secret when it is 3 bytes or more; shorter secrets are
 * replaced byte by byte with '*'). */
static void scrub_secret(char *text, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n == 0) return;
    char *hit;
    while ((hit = strstr(text, secret)) != NULL) {
        size_t keep = n < 3 ? n : 3;
        memset(hit, '*', keep);
        memmove(hit + keep, hit + n, strlen(hit + n) + 1);
    }
}

/* Remove the user info of every "scheme://user:pass@host" in `text`. */
static void scrub_url_user_info(char *text)
{
    char *p = text;
    while ((p = strstr(p, "://")) != NULL) {
        p += 3;
        size_t span = strcspn(p, "/?# \t\"'");
        char *at = memchr(p, '@', span);
        if (at) {
            char *last_at = at;
            while ((at = memchr(last_at + 1, '@', span - (size_t)(last_at + 1 - p))) != NULL)
                last_at = at;
            memmove(p, last_at + 1, strlen(last_at + 1) + 1);
        }
    }
}

void cf_registry_http_scrub(const cf_registry_http *t, char *text)
{
    scrub_url_user_info(text);
    for (size_t i = 0; i < t->nsecrets; i++) scrub_secret(text, t->secrets[i]);
    for (size_t i = 0; i < t->nbases; i++) {
        if (t->bases[i].user && strlen(t->bases[i].user) >= MIN_SCRUBBED_USER_NAME)
            scrub_secret(text, t->bases[i].user);
        scrub_secret(text, t->bases[i].password);
    }
}

/* ---- making the transport ---- */

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s) return NULL;
    char *copy = cf_strndup(s, strlen(s));
    if (!copy) *failed = true;
    return copy;
}

/* Split one URL (s[0..n), spaces around it trimmed) into *base. */
static int parse_base(const char *s, size_t n, size_t index, http_base *base, cfavro_error *err)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    const char *sep = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "://", 3) == 0) { sep = s + i; break; }
    if (n == 0 || !sep)
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema.registry.url: URL #%zu is not scheme://host[/path]", index + 1);
    size_t scheme_len = (size_t)(sep - s);
    const char *auth = sep + 3;
    size_t rest = n - scheme_len - 3;
    size_t auth_len = 0;
    while (auth_len < rest && auth[auth_len] != '/' && auth[auth_len] != '?' &&
           auth[auth_len] != '#')
        auth_len++;
    for (size_t i = auth_len; i < rest; i++)
        if (auth[i] == '?' || auth[i] == '#')
            return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                                "schema.registry.url: URL #%zu has a query or fragment; "
                                "only a path prefix may follow the host", index + 1);
    /* An '@' after the host is user info whose password holds an unencoded
     * '/' (Confluent Cloud secrets may): taken as a path it would be part of
     * the URL every message shows, secret included. */
    if (memchr(auth + auth_len, '@', rest - auth_len) != NULL)
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema.registry.url: URL #%zu has '@' after the host; "
                            "percent-encode '/' in user info (the URL is not shown: it may "
                            "hold a secret)", index + 1);
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@') at = auth + i;
    const char *host = at ? at + 1 : auth;
    size_t tail_len = (size_t)(s + n - host);
    while (tail_len > 0 && host[tail_len - 1] == '/') tail_len--;
    if (tail_len == 0 || host[0] == '/' || host[0] == ':')
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema.registry.url: URL #%zu has no host", index + 1);
    base->url = cf_malloc(scheme_len + 3 + tail_len + 1);
    if (!base->url) goto nomem;
    memcpy(base->url, s, scheme_len + 3);
    memcpy(base->url + scheme_len + 3, host, tail_len);
    base->url[scheme_len + 3 + tail_len] = '\0';
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        size_t user_len = colon ? (size_t)(colon - auth) : (size_t)(at - auth);
        base->user = cf_percent_decode(auth, user_len);
        base->password = colon ? cf_percent_decode(colon + 1, (size_t)(at - colon - 1))
                               : cf_percent_decode("", 0);
        if (!base->user || !base->password) goto nomem;
    }
    return CFAVRO_OK;
nomem:
    return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                        "out of memory reading schema.registry.url");
}

static int parse_urls(cf_registry_http *t, const char *urls, cfavro_error *err)
{
    if (!urls || !*urls)
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema.registry.url is not set");
    size_t count = 1;
    for (const char *p = urls; *p; p++) count += *p == ',';
    t->bases = cf_calloc(count, sizeof *t->bases);
    if (!t->bases)
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory reading schema.registry.url");
    const char *p = urls;
    for (size_t i = 0; i < count; i++) {
        size_t len = strcspn(p, ",");
        t->nbases = i + 1; /* so cf_registry_http_free frees a partial entry */
        int rc = parse_base(p, len, i, &t->bases[i], err);
        if (rc != CFAVRO_OK) return rc;
        p += len + (p[len] == ',');
    }
    return CFAVRO_OK;
}

static bool add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*list, line);
    if (!grown) return false;
    *list = grown;
    return true;
}

/* "Name: value" appended to the header list (value borrowed). */
static bool add_header_value(struct curl_slist **list, const char *name, const char *value)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    char *line = cf_malloc(nlen + 2 + vlen + 1);
    if (!line) return false;
    memcpy(line, name, nlen);
    memcpy(line + nlen, ": ", 2);
    memcpy(line + nlen + 2, value, vlen + 1);
    bool ok = add_header(list, line);
    cf_wipe_text(line); /* it may hold the token */
    cf_free(line);
    return ok;
}

static int build_headers(cf_registry_http *t, const cf_registry_http_settings *s,
                         cfavro_error *err)
{
    bool ok = add_header(&t->headers, ACCEPT_HEADER) &&
              add_header(&t->headers, "Confluent-Accept-Unknown-Properties: true") &&
              add_header(&t->headers, "User-Agent: cfavro/" CFAVRO_VERSION_STRING);
    if (ok && s->bearer_token) {
        char *value = cf_malloc(strlen("Bearer ") + strlen(s->bearer_token) + 1);
        ok = value != NULL;
        if (ok) {
            memcpy(value, "Bearer ", 7);
            memcpy(value + 7, s->bearer_token, strlen(s->bearer_token) + 1);
            ok = add_header_value(&t->headers, "Authorization", value);
            cf_wipe_text(value);
            cf_free(value);
        }
        if (ok && s->bearer_logical_cluster)
            ok = add_header_value(&t->headers, "target-sr-cluster", s->bearer_logical_cluster);
        if (ok && s->bearer_identity_pool)
            ok = add_header_value(&t->headers, "Confluent-Identity-Pool-Id",
                                  s->bearer_identity_pool);
    }
    return ok ? CFAVRO_OK
              : cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                             "out of memory building registry request headers");
}

static int check_auth(const cf_registry_http *t, const cf_registry_http_settings *s,
                      cfavro_error *err)
{
    bool url_user_info = false;
    for (size_t i = 0; i < t->nbases; i++) url_user_info |= t->bases[i].user != NULL;
    if (s->basic_source == CF_HTTP_BASIC_USER_INFO && !s->basic_user_info)
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "basic.auth.credentials.source USER_INFO needs basic.auth.user.info");
    bool basic = s->basic_source == CF_HTTP_BASIC_USER_INFO ||
                 (s->basic_source == CF_HTTP_BASIC_URL && url_user_info);
    if (basic && s->bearer_token)
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "bearer.auth.token and basic-auth credentials (%s) are both set; "
                            "choose one",
                            s->basic_source == CF_HTTP_BASIC_URL ? "user info in "
                                                                   "schema.registry.url"
                                                                 : "basic.auth.user.info");
    return CFAVRO_OK;
}

static void add_secret(cf_registry_http *t, const char *secret)
{
    if (secret && *secret && t->nsecrets < MAX_FIXED_SECRETS) t->secrets[t->nsecrets++] = secret;
}

/* The user info of the proxy URL, if it has one (owned copy or NULL). */
static char *proxy_user_info(const char *proxy, bool *failed)
{
    const char *sep = proxy ? strstr(proxy, "://") : NULL;
    if (!sep) return NULL;
    const char *host = sep + 3;
    size_t span = strcspn(host, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < span; i++)
        if (host[i] == '@') at = host + i;
    if (!at) return NULL;
    char *copy = cf_strndup(host, (size_t)(at - host));
    if (!copy) *failed = true;
    return copy;
}

int cf_registry_http_new(const cf_registry_http_settings *s, cf_registry_http **out,
                         cfavro_error *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_status != CURLE_OK)
        return cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                            "libcurl could not be initialised (curl_global_init: %d)",
                            (int)global_status);
    cf_registry_http *t = cf_calloc(1, sizeof *t);
    if (!t)
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory making the registry transport");
    int rc = parse_urls(t, s->urls, err);
    if (rc == CFAVRO_OK) rc = check_auth(t, s, err);
    if (rc == CFAVRO_OK) rc = build_headers(t, s, err);
    if (rc == CFAVRO_OK) {
        bool failed = false;
        if (s->basic_source == CF_HTTP_BASIC_USER_INFO)
            t->user_info = dup_or_null(s->basic_user_info, &failed);
        t->ca = dup_or_null(s->ssl_ca_location, &failed);
        t->cert = dup_or_null(s->ssl_certificate_location, &failed);
        t->key = dup_or_null(s->ssl_key_location, &failed);
        t->key_password = dup_or_null(s->ssl_key_password, &failed);
        t->proxy = dup_or_null(s->proxy, &failed);
        if (s->bearer_token) t->secret_copies[0] = dup_or_null(s->bearer_token, &failed);
        if (t->user_info) {
            const char *colon = strchr(t->user_info, ':');
            size_t ulen = colon ? (size_t)(colon - t->user_info) : strlen(t->user_info);
            t->secret_copies[1] = cf_strndup(t->user_info, ulen);
            if (!t->secret_copies[1]) failed = true;
        }
        t->secret_copies[2] = proxy_user_info(t->proxy, &failed);
        if (failed)
            rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                              "out of memory making the registry transport");
    }
    if (rc != CFAVRO_OK) {
        cf_registry_http_free(t);
        return rc;
    }
    /* Wholes before their parts (user info before its halves), so a secret
     * holding another is scrubbed whole. */
    add_secret(t, t->user_info);
    add_secret(t, t->secret_copies[2]);
    add_secret(t, t->secret_copies[0]);
    add_secret(t, t->key_password);
    if (t->user_info && strchr(t->user_info, ':')) add_secret(t, strchr(t->user_info, ':') + 1);
    if (t->secret_copies[1] && strlen(t->secret_copies[1]) >= MIN_SCRUBBED_USER_NAME)
        add_secret(t, t->secret_copies[1]);
    t->serial = (uint64_t)atomic_fetch_add(&next_serial, 1) + 1;
    t->verify_host = s->verify_host;
    t->connect_timeout_ms = (long)(s->connect_timeout_ms ? s->connect_timeout_ms : 10000);
    t->total_timeout_ms = (long)(s->request_timeout_ms ? s->request_timeout_ms : 10000);
    t->max_body = (size_t)(s->max_response_bytes ? s->max_response_bytes : 8388608);
    *out = t;
    cf_error_clear(err);
    return CFAVRO_OK;
}

void cf_registry_http_free(cf_registry_http *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nbases; i++) {
        cf_free(t->bases[i].url);
        cf_free_secret(t->bases[i].user);
        cf_free_secret(t->bases[i].password);
    }
    cf_free(t->bases);
    cf_free_secret(t->user_info);
    curl_slist_free_all(t->headers);
    cf_free(t->ca);
    cf_free(t->cert);
    cf_free(t->key);
    cf_free_secret(t->key_password);
    cf_free_secret(t->proxy);
    for (size_t i = 0; i < 3; i++) cf_free_secret(t->secret_copies[i]);
    cf_free(t);
}

size_t cf_registry_http_url_count(const cf_registry_http *t)
{
    return t->nbases;
}

const char *cf_registry_http_url_display(const cf_registry_http *t, size_t index)
{
    return index < t->nbases ? t->bases[index].url : "";
}

/* ---- the result ---- */

void cf_http_result_init(cf_http_result *result)
{
    memset(result, 0, sizeof *result);
}

void cf_http_result_free(cf_http_result *result)
{
    if (!result) return;
    cf_free(result->body);
    if (result->easy) curl_easy_cleanup(result->easy);
    memset(result, 0, sizeof *result);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    cf_http_result *r = user;
    size_t n = size * nmemb;
    if (n > r->cap - r->body_len) {
        r->over_cap = true;
        return 0; /* not n: libcurl aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t want = r->body_cap ? r->body_cap : 4096;
        while (want < r->body_len + n + 1) want *= 2;
        if (want > r->cap + 1) want = r->cap + 1;
        char *grown = cf_realloc(r->body, want);
        if (!grown) {
            r->no_memory = true;
            return 0;
        }
        r->body = grown;
        r->body_cap = want;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

/* Copy a header's value (spaces trimmed) when it fits in `cap`; else "". */
static void copy_header_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n > 0 && (*v == ' ' || *v == '\t')) v++, n--;
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= cap) n = 0;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static void clear_headers(cf_http_result *r)
{
    r->content_type[0] = r->retry_after[0] = r->ratelimit_limit[0] = '\0';
    r->ratelimit_remaining[0] = r->ratelimit_reset[0] = '\0';
}

static bool header_is(const char *line, size_t n, const char *name, size_t *value_at)
{
    size_t len = strlen(name);
    if (n <= len || line[len] != ':') return false;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        char d = name[i];
        if (d >= 'A' && d <= 'Z') d = (char)(d - 'A' + 'a');
        if (c != d) return false;
    }
    *value_at = len + 1;
    return true;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *user)
{
    cf_http_result *r = user;
    size_t n = size * nmemb, at;
    /* A new status line (an interim 1xx, a proxy's CONNECT reply) starts a
     * new header block: keep only the final response's headers. */
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) clear_headers(r);
    else if (header_is(line, n, "Content-Type", &at))
        copy_header_value(r->content_type, sizeof r->content_type, line + at, n - at);
    else if (header_is(line, n, "Retry-After", &at))
        copy_header_value(r->retry_after, sizeof r->retry_after, line + at, n - at);
    else if (header_is(line, n, "X-RateLimit-Limit", &at))
        copy_header_value(r->ratelimit_limit, sizeof r->ratelimit_limit, line + at, n - at);
    else if (header_is(line, n, "X-RateLimit-Remaining", &at))
        copy_header_value(r->ratelimit_remaining, sizeof r->ratelimit_remaining, line + at,
                          n - at);
    else if (header_is(line, n, "X-RateLimit-Reset", &at))
        copy_header_value(r->ratelimit_reset, sizeof r->ratelimit_reset, line + at, n - at);
    return n;
}

/* ---- one GET ---- */

static char *join_url(const char *base, const char *path)
{
    while (*path == '/') path++;
    size_t blen = strlen(base), plen = strlen(path);
    char *url = cf_malloc(blen + 1 + plen + 1);
    if (!url) return NULL;
    memcpy(url, base, blen);
    url[blen] = '/';
    memcpy(url + blen + 1, path, plen + 1);
    return url;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Every option of one request; the first one libcurl refuses is returned. */
static CURLcode set_options(const cf_registry_http *t, const http_base *base, CURL *h,
                            const char *url, cf_http_result *r, char *errbuf)
{
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                         \
    do {                                                                                      \
        if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val);                               \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, url);
    SET(CURLOPT_HTTPGET, 1L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    long total_ms = t->total_timeout_ms;
    if (r->timeout_ms > 0 && r->timeout_ms < (uint64_t)total_ms) total_ms = (long)r->timeout_ms;
    SET(CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms < total_ms ? t->connect_timeout_ms
                                                                    : total_ms);
    SET(CURLOPT_TIMEOUT_MS, total_ms);
    SET(CURLOPT_HTTPHEADER, t->headers);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_body);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, r);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, t->verify_host ? 2L : 0L);
    if (t->ca) SET(CURLOPT_CAINFO, t->ca);
    if (t->cert) SET(CURLOPT_SSLCERT, t->cert);
    if (t->key) SET(CURLOPT_SSLKEY, t->key);
    if (t->key_password) SET(CURLOPT_KEYPASSWD, t->key_password);
    if (t->proxy) SET(CURLOPT_PROXY, t->proxy);
    if (t->user_info) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERPWD, t->user_info);
    } else if (base->user) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, base->user);
        SET(CURLOPT_PASSWORD, base->password);
    }
#undef SET
    return rc;
}

static cf_http_outcome classify(CURLcode code, const cf_http_result *r)
{
    if (r->over_cap || code == CURLE_FILESIZE_EXCEEDED) return CF_HTTP_TOO_LARGE;
    if (r->no_memory) return CF_HTTP_LOCAL_ERROR;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return CF_HTTP_CONNECT_FAILED;
    case CURLE_OPERATION_TIMEDOUT:
        return CF_HTTP_TIMED_OUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return CF_HTTP_TLS_FAILED;
    case CURLE_OUT_OF_MEMORY:
        return CF_HTTP_LOCAL_ERROR;
    default:
        return CF_HTTP_TRANSPORT_ERROR;
    }
}

static const char *outcome_words(cf_http_outcome outcome)
{
    switch (outcome) {
    case CF_HTTP_OK: return "ok";
    case CF_HTTP_CONNECT_FAILED: return "could not connect";
    case CF_HTTP_TIMED_OUT: return "timed out";
    case CF_HTTP_TLS_FAILED: return "TLS failed";
    case CF_HTTP_TOO_LARGE: return "response too large";
    case CF_HTTP_TRANSPORT_ERROR: return "transport error";
    case CF_HTTP_LOCAL_ERROR: return "request not made";
    }
    return "transport error";
}

static void report_failure(const cf_registry_http *t, const char *url, CURLcode code,
                           const cf_http_result *r, char *errbuf, cfavro_error *err)
{
    if (r->outcome == CF_HTTP_TOO_LARGE) {
        cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                     "GET %s: response larger than cfavro.registry.response.max.bytes (%zu)",
                     url, t->max_body);
        return;
    }
    if (r->outcome == CF_HTTP_LOCAL_ERROR) {
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "GET %s: out of memory", url);
        return;
    }
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
    char text[CURL_ERROR_SIZE];
    size_t n = strlen(detail);
    if (n >= sizeof text) n = sizeof text - 1;
    memcpy(text, detail, n);
    text[n] = '\0';
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = '\0';
    cf_registry_http_scrub(t, text);
    int status = CFAVRO_E_REGISTRY_UNAVAILABLE;
    if (r->outcome == CF_HTTP_TIMED_OUT)
        cf_error_set(err, status, CFAVRO_NO_OFFSET, "GET %s: timed out after %llu ms (%s)", url,
                     (unsigned long long)r->elapsed_ms, text);
    else
        cf_error_set(err, status, CFAVRO_NO_OFFSET, "GET %s: %s%s (%s)", url,
                     outcome_words(r->outcome), t->proxy ? " through the proxy" : "", text);
}

static cf_http_outcome local_failure(cf_http_result *r, cfavro_error *err, int status,
                                     const char *what)
{
    r->outcome = CF_HTTP_LOCAL_ERROR;
    cf_error_set(err, status, CFAVRO_NO_OFFSET, "registry request not made: %s", what);
    return r->outcome;
}

cf_http_outcome cf_registry_http_get(const cf_registry_http *t, size_t url_index,
                                     const char *path_and_query, cf_http_result *r,
                                     cfavro_error *err)
{
    r->status = 0;
    r->body_len = 0;
    if (r->body) r->body[0] = '\0';
    r->over_cap = false;
    r->no_memory = false;
    r->cap = t->max_body;
    r->elapsed_ms = 0;
    clear_headers(r);
    if (url_index >= t->nbases || !path_and_query)
        return local_failure(r, err, CFAVRO_E_ARGUMENT, "no such URL index or no path");
    /* A handle keeps its connections (and TLS sessions) for the next call.
     * libcurl reuses a connection without comparing the client key or its
     * password, so a handle last used by another transport (another client,
     * perhaps other credentials) is dropped rather than reset. */
    if (r->easy && r->easy_owner != t->serial) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    if (!r->easy) r->easy = curl_easy_init();
    else curl_easy_reset(r->easy);
    r->easy_owner = t->serial;
    if (!r->easy) return local_failure(r, err, CFAVRO_E_NOMEM, "out of memory (curl handle)");
    const http_base *base = &t->bases[url_index];
    char *url = join_url(base->url, path_and_query);
    if (!url) return local_failure(r, err, CFAVRO_E_NOMEM, "out of memory (URL)");
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    CURLcode code = set_options(t, base, r->easy, url, r, errbuf);
    if (code != CURLE_OK) {
        cf_free(url);
        return local_failure(r, err, CFAVRO_E_INTERNAL, "libcurl refused an option");
    }
    uint64_t start = now_ms();
    code = curl_easy_perform(r->easy);
    r->elapsed_ms = now_ms() - start;
    /* The handle keeps pointers to errbuf and url until its next reset. */
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, NULL);
    if (code == CURLE_OK) {
        r->outcome = CF_HTTP_OK;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
        cf_error_clear(err);
    } else {
        r->outcome = classify(code, r);
        clear_headers(r);
        r->body_len = 0; /* a cut body is no body */
        if (r->body) r->body[0] = '\0';
        report_failure(t, url, code, r, errbuf, err);
    }
    cf_free(url);
    return r->outcome;
}
