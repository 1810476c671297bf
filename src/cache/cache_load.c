/* Single-flight loading on top of the cache table: one load per missing key
 * however many threads want it, with the lock released while the loader
 * fetches and compiles. See cache_internal.h for the states. */
#include "cache_load_internal.h"

#include <string.h>
#include <time.h>

#include "error_internal.h"

uint64_t cf_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool cf_cache_failure_is_remembered(int status)
{
    /* Answers about the schema itself: the registry will say the same next
     * time, so asking again per message would only load it. Everything else
     * (the registry down, rate limited, refusing our credentials, out of
     * memory) may pass, and is not remembered. */
    return status == CFAVRO_E_SCHEMA_NOT_FOUND || status == CFAVRO_E_SCHEMA_INVALID ||
           status == CFAVRO_E_SCHEMA_UNSUPPORTED || status == CFAVRO_E_LIMIT_SCHEMA;
}

/* A remembered failure, as the caller sees it. */
static int failure_of(const cf_cache_entry *e, cfavro_error *err)
{
    if (err != NULL) {
        *err = e->error;
    }
    return e->error.status;
}

/* What to do with a linked entry found under the lock. */
typedef enum found_action { FOUND_READY, FOUND_FAILED, FOUND_ABSENT } found_action;

/* Wait out a load in progress (mutex released while waiting), then judge the
 * entry. The caller took a reference, so the entry stays ours to read even if
 * a TRANSIENT result unlinked it. */
static found_action judge_locked(cf_cache *c, cf_cache_entry *e, uint64_t now_ms)
{
    cf_entry_state st;
    while ((st = atomic_load_explicit(&e->state, memory_order_acquire)) == CF_ENTRY_LOADING) {
        pthread_cond_wait(&c->loaded, &c->lock);
    }
    if (st == CF_ENTRY_READY) {
        return FOUND_READY;
    }
    if (st == CF_ENTRY_NEGATIVE && now_ms >= e->expires_ms && e->linked) {
        return FOUND_ABSENT; /* expired: ask the sources again */
    }
    return FOUND_FAILED;
}

/* Run the loader for a new LOADING entry `e` (the caller holds a reference
 * and NOT the lock), then publish what it produced. */
static int load_entry(cf_cache *c, cf_cache_entry *e, const cf_schema_key *key,
                      const cf_cache_policy *policy, cfavro_error *err)
{
    cf_load_result res = {0};
    cfavro_error lerr;
    cf_error_clear(&lerr);
    int rc = policy->load(policy->ctx, key, &res, &lerr);
    pthread_mutex_lock(&c->lock);
    if (rc == CFAVRO_OK) {
        e->schema = res.schema;
        e->note = res.note;
        e->origin = res.origin;
        cf_cache_finish_locked(c, e, CF_ENTRY_READY);
        pthread_mutex_unlock(&c->lock);
        return CFAVRO_OK;
    }
    e->error = lerr;
    e->error.status = rc;
    if (cf_cache_failure_is_remembered(rc) && policy->negative_ttl_ms > 0) {
        e->expires_ms = cf_monotonic_ms() + policy->negative_ttl_ms;
        cf_cache_finish_locked(c, e, CF_ENTRY_NEGATIVE);
    } else {
        cf_cache_finish_locked(c, e, CF_ENTRY_TRANSIENT);
    }
    pthread_mutex_unlock(&c->lock);
    rc = failure_of(e, err);
    cf_cache_release(e);
    return rc;
}

int cf_cache_get_counted(cf_cache *c, const cf_schema_key *key, const cf_cache_policy *policy,
                         cf_cache_entry **out, cfavro_error *err, cf_cache_answer *answer)
{
    *out = NULL;
    *answer = CF_CACHE_HIT;
    cf_cache_entry *e = cf_cache_find(c, key);
    if (e != NULL) {
        cf_entry_state st = atomic_load_explicit(&e->state, memory_order_acquire);
        if (st == CF_ENTRY_READY) {
            cf_cache_touch(e);
            *out = e;
            return CFAVRO_OK;
        }
        if (st == CF_ENTRY_NEGATIVE && cf_monotonic_ms() < e->expires_ms) {
            *answer = CF_CACHE_NEGATIVE;
            int rc = failure_of(e, err);
            cf_cache_release(e);
            return rc;
        }
        cf_cache_release(e); /* loading or expired: decide under the lock */
    }

    pthread_mutex_lock(&c->lock);
    for (;;) {
        e = cf_cache_lookup_locked(c, key);
        if (e == NULL) {
            break;
        }
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); /* linked: >= 1 */
        /* Waiting for another thread's load is a miss, whatever it gives. */
        bool waits = atomic_load_explicit(&e->state, memory_order_relaxed) == CF_ENTRY_LOADING;
        found_action act = judge_locked(c, e, cf_monotonic_ms());
        if (act == FOUND_READY) {
            cf_cache_touch(e);
            pthread_mutex_unlock(&c->lock);
            *answer = waits ? CF_CACHE_MISS : CF_CACHE_HIT;
            *out = e;
            return CFAVRO_OK;
        }
        if (act == FOUND_FAILED) {
            pthread_mutex_unlock(&c->lock);
            *answer = waits ? CF_CACHE_MISS : CF_CACHE_NEGATIVE;
            int rc = failure_of(e, err);
            cf_cache_release(e);
            return rc;
        }
        /* Expired: forget it (our reference keeps the memory until we drop
         * it below, with the lock released first) and look again. */
        cf_cache_unlink_locked(c, e);
        pthread_mutex_unlock(&c->lock);
        cf_cache_release(e);
        pthread_mutex_lock(&c->lock);
    }
    *answer = CF_CACHE_MISS;
    int status = CFAVRO_OK;
    e = cf_cache_insert_locked(c, key, CF_ENTRY_LOADING, 1, &status);
    pthread_mutex_unlock(&c->lock);
    if (e == NULL) {
        return cf_error_set(err, status, CFAVRO_NO_OFFSET, "out of memory");
    }
    int rc = load_entry(c, e, key, policy, err);
    if (rc == CFAVRO_OK) {
        *out = e;
    }
    return rc;
}

int cf_cache_get(cf_cache *c, const cf_schema_key *key, const cf_cache_policy *policy,
                 cf_cache_entry **out, cfavro_error *err)
{
    cf_cache_answer ignored;
    return cf_cache_get_counted(c, key, policy, out, err, &ignored);
}

int cf_cache_put_ready(cf_cache *c, const cf_schema_key *key, cf_schema *schema, uint8_t origin,
                       cfavro_error *err)
{
    pthread_mutex_lock(&c->lock);
    cf_cache_entry *e;
    for (;;) {
        e = cf_cache_lookup_locked(c, key);
        if (e == NULL) {
            break;
        }
        cf_entry_state st = atomic_load_explicit(&e->state, memory_order_relaxed);
        if (st == CF_ENTRY_LOADING) {
            pthread_cond_wait(&c->loaded, &c->lock); /* then look again */
            continue;
        }
        if (st == CF_ENTRY_READY) {
            /* Already compiled, from any source: the same text is a no-op,
             * other text is refused (an id names one schema forever). */
            bool same = e->schema->json.len == schema->json.len &&
                        memcmp(e->schema->json.ptr, schema->json.ptr, schema->json.len) == 0;
            pthread_mutex_unlock(&c->lock);
            cf_schema_free(schema);
            if (same) {
                return CFAVRO_OK;
            }
            char what[CF_KEY_TEXT_SIZE];
            cf_key_describe(key, what);
            return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                                "%s is already known with a different schema", what);
        }
        /* A remembered failure the new schema answers: replace it. No one
         * else holds the lock, and the table's reference is the one dropped;
         * readers holding their own keep the memory until they let go. */
        cf_cache_unlink_locked(c, e);
    }
    int status = CFAVRO_OK;
    e = cf_cache_insert_locked(c, key, CF_ENTRY_LOADING, 0, &status);
    if (e != NULL) {
        e->schema = schema;
        e->origin = origin;
        cf_cache_finish_locked(c, e, CF_ENTRY_READY);
    }
    pthread_mutex_unlock(&c->lock);
    if (e == NULL) {
        cf_schema_free(schema);
        return cf_error_set(err, status, CFAVRO_NO_OFFSET, "out of memory");
    }
    return CFAVRO_OK;
}
