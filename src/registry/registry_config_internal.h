/* The schema-registry client's settings as the settings table stores them
 * (CF_TARGET_REGISTRY rows, settings_table.c): one field per row, named
 * beside it. The client zero-initialises one, points a cf_settings_target's
 * `registry` member at it, applies the defaults and the config's rows, reads
 * it, then frees it with cf_registry_config_free.
 *
 * The struct exists in every build: cache.capacity,
 * cfavro.registry.negative.ttl.ms and cfavro.registry.persist.dir govern the
 * client's schema cache whatever the source; the HTTP rows are AVAILABLE (and
 * so ever set) only in builds with the registry client (CF_HAVE_REGISTRY). */
#ifndef CFAVRO_REGISTRY_CONFIG_INTERNAL_H
#define CFAVRO_REGISTRY_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strings are owned (NUL-terminated copies made by the settings code; a
 * later row for the same key replaces and frees the earlier copy); NULL
 * means unset. Not thread-safe: filled and read by one thread while a
 * client is made. */
typedef struct cf_registry_config {
    char *urls;                     /* schema.registry.url */
    char *context;                  /* schema.registry.context, e.g. ".ctx1" */
    uint8_t basic_source;           /* basic.auth.credentials.source: 0 URL, 1 USER_INFO
                                       (cf_http_basic_source) */
    char *basic_user_info;          /* basic.auth.user.info (secret) */
    char *bearer_token;             /* bearer.auth.token (secret) */
    char *bearer_logical_cluster;   /* bearer.auth.logical.cluster */
    char *bearer_identity_pool;     /* bearer.auth.identity.pool.id */
    char *ssl_ca_location;          /* ssl.ca.location */
    char *ssl_certificate_location; /* ssl.certificate.location */
    char *ssl_key_location;         /* ssl.key.location */
    char *ssl_key_password;         /* ssl.key.password (secret) */
    bool verify_host;               /* ssl.endpoint.identification.algorithm: https = true */
    uint64_t request_timeout_ms;    /* request.timeout.ms: one lookup, retries included */
    uint64_t connect_timeout_ms;    /* cfavro.registry.connect.timeout.ms */
    uint64_t max_response_bytes;    /* cfavro.registry.response.max.bytes */
    uint32_t max_retries;           /* max.retries */
    uint64_t retries_wait_ms;       /* retries.wait.ms */
    uint64_t retries_max_wait_ms;   /* retries.max.wait.ms */
    uint32_t cache_capacity;        /* cache.capacity (every build) */
    uint64_t negative_ttl_ms;       /* cfavro.registry.negative.ttl.ms (every build) */
    char *proxy;                    /* proxy (may hold user info: wiped like a secret) */
    char *persist_dir;              /* cfavro.registry.persist.dir (every build) */
} cf_registry_config;

/* Free every string of `cfg` (secrets and the proxy, which may carry user
 * info, overwritten first) and leave *cfg zeroed. NULL: no-op. */
void cf_registry_config_free(cf_registry_config *cfg);

/* Overwrite s[0..strlen(s)) with zeros in a way the compiler may not drop
 * as a dead store (the memory is about to be freed). NULL: no-op. */
void cf_wipe_text(char *s);

/* cf_wipe_text, then cf_free. NULL: no-op. */
void cf_free_secret(char *s);

#endif
