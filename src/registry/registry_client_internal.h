/* The schema-registry client object (built with CF_HAVE_REGISTRY only): one
 * lookup = one GET path, driven through the transport (registry_http.c)
 * with the retry policy and the client-wide circuit breaker
 * (registry_retry.c), the reply mapped (registry_status.c) and parsed
 * (registry_response.c). No caching here: the schema cache above calls these
 * on a miss.
 *
 * A lookup has ONE deadline, request.timeout.ms, for every attempt and every
 * wait. A transport failure (refused, timed out, reset) on one URL of
 * schema.registry.url moves on to the next at once; only when every URL has
 * failed does the round count as one failed attempt, which the breaker sees
 * and after which the lookup waits (server hint or full-jitter backoff) and
 * retries. The first URL tried is the one that last answered. 401/403/404
 * and other 4xx are answers, never retried.
 *
 * Thread safety: cf_registry_new/free on one thread, before and after any
 * use; every other call is safe from any number of threads at once. No lock
 * is held across a request or a wait: each lookup takes a transfer state
 * (libcurl handle, body buffer) from a small mutex-guarded pool and gives it
 * back, so connections are reused across lookups without two threads ever
 * sharing a handle.
 *
 * Error messages name the URL (without user info) and the request path;
 * registry and libcurl text in them is scrubbed of every configured secret. */
#ifndef CFAVRO_REGISTRY_CLIENT_INTERNAL_H
#define CFAVRO_REGISTRY_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "registry_config_internal.h"
#include "registry_response_internal.h"

typedef struct cf_registry cf_registry;

/* Make a client from `cfg` (borrowed for the call only; strings are copied).
 * CFAVRO_E_CONFIG (no or bad schema.registry.url, conflicting auth: the
 * message names the key, never a secret's value), CFAVRO_E_NOMEM or
 * CFAVRO_E_INTERNAL; *out is NULL then. Free with cf_registry_free. */
int cf_registry_new(const cf_registry_config *cfg, cf_registry **out, cfavro_error *err);

/* NULL: no-op. No lookup may be running. */
void cf_registry_free(cf_registry *r);

/* The lookups. Each returns CFAVRO_OK with *out parsed (owned: free with
 * cf_reg_schema_free), or one of these with *out empty (nothing to free;
 * out->type still names an unsupported schemaType):
 *   CFAVRO_E_SCHEMA_NOT_FOUND      the registry's 404 (40401/40402/40403)
 *   CFAVRO_E_SCHEMA_UNSUPPORTED    PROTOBUF / JSON / another schemaType
 *   CFAVRO_E_REGISTRY_AUTH         401 / 403 (not retried)
 *   CFAVRO_E_REGISTRY_UNAVAILABLE  transport failures, 408, 5xx after retries
 *                                  or the deadline; refused by the breaker
 *   CFAVRO_E_REGISTRY_RATE_LIMITED 429 after retries (or breaker opened by it)
 *   CFAVRO_E_REGISTRY_PROTOCOL     not a registry reply (HTML, invalid JSON,
 *                                  oversized body, other statuses)
 *   CFAVRO_E_ARGUMENT / CFAVRO_E_NOMEM / CFAVRO_E_INTERNAL
 * err (may be NULL) carries CFAVRO_NO_OFFSET. */

/* GET /schemas/ids/{id}; with schema.registry.context set,
 * ?subject=%3A<context>%3A (":<context>:" percent-encoded) so the id
 * resolves in that context. id must be >= 0. */
int cf_registry_get_id(cf_registry *r, int32_t id, cf_reg_schema *out, cfavro_error *err);

/* GET /schemas/guids/{guid as 8-4-4-4-12 lower-case hex} (GUIDs are global:
 * no context). */
int cf_registry_get_guid(cf_registry *r, const uint8_t guid[CFAVRO_GUID_SIZE],
                         cf_reg_schema *out, cfavro_error *err);

/* GET /subjects/{subject, percent-encoded}/versions/{version}?deleted=true,
 * version >= 1 or CF_REG_VERSION_LATEST ("latest"); for references, so a
 * soft-deleted version still resolves. subject[0..subject_len) is used as
 * given (a context-qualified ":.ctx:name" stays qualified). */
int cf_registry_get_version(cf_registry *r, const char *subject, size_t subject_len,
                            int32_t version, cf_reg_schema *out, cfavro_error *err);

/* The same without ?deleted=true: "latest" is the newest version not
 * soft-deleted, as Confluent's serializers' use.latest.version reads it. */
int cf_registry_get_live_version(cf_registry *r, const char *subject, size_t subject_len,
                                 int32_t version, cf_reg_schema *out, cfavro_error *err);

/* What the client has done since it was made (cfavro_client_stats; the
 * terms are cfavro.h's "Counters for monitoring"). */
typedef struct cf_registry_stats {
    uint64_t lookups;  /* the calls above */
    uint64_t requests; /* HTTP requests sent, to any URL */
    uint64_t retries;  /* attempts after a retryable failure and its wait */
    uint64_t failures; /* lookups that ended with a CFAVRO_CLASS_REGISTRY status */
    uint64_t latency_us_sum;
    uint64_t latency_us_max;
    uint64_t latency_buckets[CFAVRO_STATS_LATENCY_BUCKETS];
} cf_registry_stats;

/* Read the counters (each whole; thread-safe, lock-free). */
void cf_registry_stats_read(const cf_registry *r, cf_registry_stats *out);

/* The bucket of a request that took `us` microseconds. */
unsigned cf_registry_latency_bucket(uint64_t us);

/* The configured base URLs (>= 1), as messages show them: no user info.
 * The string lives as long as `r`; an index out of range gives "". */
/* request.timeout.ms as the client was made with it: the deadline of one
 * lookup, also given to a schema's references as a whole. */
uint64_t cf_registry_request_timeout_ms(const cf_registry *r);

size_t cf_registry_url_count(const cf_registry *r);
const char *cf_registry_url_display(const cf_registry *r, size_t index);

#endif
