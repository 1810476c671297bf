/* Getting a schema out of the cache, loading it on a miss: single flight
 * (one load per key however many threads miss it; the rest wait with no lock
 * held), failures about the schema itself remembered for a TTL, and
 * everything else (a registry outage) handed to the threads that waited for
 * that load and then forgotten. */
#ifndef CFAVRO_CACHE_LOAD_INTERNAL_H
#define CFAVRO_CACHE_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cache_internal.h"

/* What a loader produces for a key. */
typedef struct cf_load_result {
    cf_schema *schema; /* compiled; ownership passes to the cache */
    char *note;        /* optional (cf_malloc'd; ownership passes): what a data
                          failure with this schema may really mean */
    uint8_t origin;    /* cf_entry_origin */
} cf_load_result;

/* Fetch and compile `key`. Runs with no cache lock held, in the thread that
 * missed first. CFAVRO_OK with *out filled, or a failure with `err` filled. */
typedef int (*cf_cache_loader)(void *ctx, const cf_schema_key *key, cf_load_result *out,
                               cfavro_error *err);

typedef struct cf_cache_policy {
    cf_cache_loader load;
    void *ctx;
    uint64_t negative_ttl_ms; /* 0: remember no failure */
} cf_cache_policy;

/* The READY entry for `key`, with a reference for the caller (drop it with
 * cf_cache_release), loading it with policy->load on a miss. On failure
 * returns the status with `err` filled (a remembered failure returns the
 * error it was remembered with) and *out NULL. Thread-safe. */
int cf_cache_get(cf_cache *c, const cf_schema_key *key, const cf_cache_policy *policy,
                 cf_cache_entry **out, cfavro_error *err);

/* How a lookup was answered, for cfavro_client_stats. The cache does not
 * count lookups itself: the caller does, in counters it owns (a decoder's
 * own), so a hit writes no memory other threads share. */
typedef enum cf_cache_answer {
    CF_CACHE_HIT = 0,     /* a READY entry was there: no load, no wait */
    CF_CACHE_MISS = 1,    /* nothing usable: loaded it, or waited for the thread
                             loading it, whatever that load gave */
    CF_CACHE_NEGATIVE = 2 /* a remembered failure answered (within its TTL) */
} cf_cache_answer;

/* cf_cache_get, also saying how it answered (*answer always set). */
int cf_cache_get_counted(cf_cache *c, const cf_schema_key *key, const cf_cache_policy *policy,
                         cf_cache_entry **out, cfavro_error *err, cf_cache_answer *answer);

/* Put an already compiled schema in (cfavro_client_add_schema): waits out a
 * load of the same key, replaces a remembered failure; an existing READY
 * entry is kept, and a different text for it fails with CFAVRO_E_ARGUMENT.
 * Takes ownership of `schema` in every case. */
int cf_cache_put_ready(cf_cache *c, const cf_schema_key *key, cf_schema *schema, uint8_t origin,
                       cfavro_error *err);

/* Failures that say something about the schema itself (not found, does not
 * compile, unsupported type, over a schema limit): remembered for the TTL. */
bool cf_cache_failure_is_remembered(int status);

/* A monotonic clock in milliseconds. */
uint64_t cf_monotonic_ms(void);

#endif
