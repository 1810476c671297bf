/* Reader schemas and where they come from (see reader_internal.h). */
#include <string.h>

#include "alloc_internal.h"
#include "cache_load_internal.h"
#include "error_internal.h"
#include "reader_internal.h"
#include "registry_response_internal.h"

/* Process-wide, so a generation names one reader whichever client or
 * decoder made it. */
static _Atomic uint64_t next_generation = 1;

cf_reader *cf_reader_new(cf_schema *schema, int32_t id, int32_t version)
{
    cf_reader *r = cf_calloc(1, sizeof *r);
    if (r == NULL) {
        cf_schema_free(schema);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    atomic_init(&r->avro, NULL);
    r->generation = atomic_fetch_add_explicit(&next_generation, 1, memory_order_relaxed);
    r->schema = schema;
    r->id = id;
    r->version = version;
    return r;
}

void cf_reader_retain(cf_reader *r)
{
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
}

void cf_reader_release(cf_reader *r)
{
    if (r != NULL && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        cf_ext_free(atomic_load_explicit(&r->avro, memory_order_acquire));
        cf_schema_free(r->schema);
        cf_free(r);
    }
}

static cf_reader_source *source_alloc(cfavro_error *err)
{
    cf_reader_source *s = cf_calloc(1, sizeof *s);
    if (s == NULL) {
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        cf_free(s);
        cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET, "cannot create a mutex");
        return NULL;
    }
    return s;
}

/* Make `r` (whose reference passes to the source) the current reader; the
 * caller holds s->lock. The old one lives on in the decoders that hold it. */
static void publish_locked(cf_reader_source *s, cf_reader *r)
{
    cf_reader *old = s->current;
    s->current = r;
    atomic_store_explicit(&s->generation, r->generation, memory_order_release);
    cf_reader_release(old);
}

int cf_reader_source_new_text(const char *text, const cf_schema_limits *limits,
                              cf_reader_source **out, cfavro_error *err)
{
    *out = NULL;
    cf_schema *schema = NULL;
    int rc = cf_schema_compile(text, strlen(text), limits, &schema, err);
    if (rc != CFAVRO_OK) {
        cf_error_prepend(err, "config reader.schema: ");
        return rc;
    }
    cf_reader *r = cf_reader_new(schema, -1, 0);
    if (r == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    cf_reader_source *s = source_alloc(err);
    if (s == NULL) {
        cf_reader_release(r);
        return err != NULL ? err->status : CFAVRO_E_NOMEM;
    }
    publish_locked(s, r); /* not shared yet: no lock needed */
    atomic_init(&s->due_ms, UINT64_MAX);
    *out = s;
    return CFAVRO_OK;
}

int cf_reader_source_new_registry(const char *subject, int32_t version, uint64_t ttl_ms,
                                  cf_reader_fetch_fn fetch, void *fetch_ctx,
                                  cf_reader_source **out, cfavro_error *err)
{
    *out = NULL;
    cf_reader_source *s = source_alloc(err);
    if (s == NULL) {
        return err != NULL ? err->status : CFAVRO_E_NOMEM;
    }
    s->subject = cf_strndup(subject, strlen(subject));
    if (s->subject == NULL) {
        cf_reader_source_free(s);
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    s->from_registry = true;
    s->follows = version == CF_REG_VERSION_LATEST;
    s->version = version;
    s->ttl_ms = ttl_ms;
    s->fetch = fetch;
    s->fetch_ctx = fetch_ctx;
    atomic_init(&s->due_ms, 0); /* fetched by the first decode */
    *out = s;
    return CFAVRO_OK;
}

void cf_reader_source_free(cf_reader_source *s)
{
    if (s == NULL) {
        return;
    }
    cf_reader_release(s->current);
    cf_free(s->subject);
    pthread_mutex_destroy(&s->lock);
    cf_free(s);
}

/* Fetch the source's subject version and compile it. On failure the error
 * names the subject and version before the registry's (or compiler's) own
 * words. */
static int fetch_reader(cf_reader_source *s, cf_reader_fetched *got, cfavro_error *err)
{
    memset(got, 0, sizeof *got);
    cf_error_clear(err);
    int rc = s->fetch(s->fetch_ctx, s->subject, s->version, got, err);
    if (rc != CFAVRO_OK) {
        if (s->version == CF_REG_VERSION_LATEST) {
            cf_error_prepend(err, "reader schema (subject \"%s\", latest version): ", s->subject);
        } else {
            cf_error_prepend(err, "reader schema (subject \"%s\", version %d): ", s->subject,
                             (int)s->version);
        }
    }
    return rc;
}

/* When to fetch next after a fetch at `now`. */
static uint64_t next_due(const cf_reader_source *s, uint64_t now, bool have_reader)
{
    if (!have_reader) {
        uint64_t retry = s->ttl_ms < CF_READER_RETRY_MS ? s->ttl_ms : CF_READER_RETRY_MS;
        return now + retry;
    }
    return s->follows ? now + s->ttl_ms : UINT64_MAX;
}

/* A registry source with a reader, refresh due: fetch without any lock
 * held; publish only a reader with a different schema id. A failure keeps
 * the current reader. The caller holds the `refreshing` flag. */
static void refresh(cf_reader_source *s, uint64_t now)
{
    cf_reader_fetched got;
    cfavro_error ferr;
    int rc = fetch_reader(s, &got, &ferr);
    cf_reader *fresh = NULL;
    if (rc == CFAVRO_OK) {
        /* Only this thread publishes (it holds the flag): current is stable. */
        if (got.id == s->current->id) {
            cf_schema_free(got.schema);
        } else {
            fresh = cf_reader_new(got.schema, got.id, got.version);
        }
    }
    if (fresh != NULL) {
        pthread_mutex_lock(&s->lock);
        publish_locked(s, fresh);
        pthread_mutex_unlock(&s->lock);
    }
    /* A failed refresh (or no memory for the new reader) retries after the
     * TTL, like a successful one: the current reader stays good. */
    atomic_store_explicit(&s->due_ms, next_due(s, now, true), memory_order_relaxed);
}

/* No reader yet: fetch it under the lock, so every decoder that needs it
 * waits for this one fetch (there is nothing else they could decode with).
 * Returns with the lock held. */
static void first_fetch_locked(cf_reader_source *s, uint64_t now)
{
    if (s->current != NULL || now < atomic_load_explicit(&s->due_ms, memory_order_relaxed)) {
        return; /* another decoder fetched it, or failed just now */
    }
    cf_reader_fetched got;
    cfavro_error ferr;
    int rc = fetch_reader(s, &got, &ferr);
    if (rc == CFAVRO_OK) {
        cf_reader *r = cf_reader_new(got.schema, got.id, got.version);
        if (r != NULL) {
            publish_locked(s, r);
            cf_error_clear(&s->failure);
        } else {
            cf_error_set(&s->failure, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                         "out of memory for the reader schema");
        }
    } else {
        s->failure = ferr;
    }
    atomic_store_explicit(&s->due_ms, next_due(s, now, s->current != NULL), memory_order_relaxed);
}

int cf_reader_binding_update(cf_reader_binding *b, cfavro_error *err)
{
    cf_reader_source *s = b->source;
    if (s->from_registry) {
        uint64_t now = cf_monotonic_ms();
        bool due = now >= atomic_load_explicit(&s->due_ms, memory_order_relaxed);
        if (due && atomic_load_explicit(&s->generation, memory_order_acquire) != 0) {
            bool idle = false;
            if (atomic_compare_exchange_strong_explicit(&s->refreshing, &idle, true,
                                                        memory_order_acquire,
                                                        memory_order_relaxed)) {
                if (now >= atomic_load_explicit(&s->due_ms, memory_order_relaxed)) {
                    refresh(s, now);
                }
                atomic_store_explicit(&s->refreshing, false, memory_order_release);
            }
        } else if (due) {
            pthread_mutex_lock(&s->lock);
            first_fetch_locked(s, now);
            pthread_mutex_unlock(&s->lock);
        }
    }
    if (b->held != NULL &&
        atomic_load_explicit(&s->generation, memory_order_acquire) == b->held->generation) {
        return CFAVRO_OK;
    }
    pthread_mutex_lock(&s->lock);
    cf_reader *r = s->current;
    if (r != NULL) {
        cf_reader_retain(r);
    } else if (err != NULL) {
        *err = s->failure;
    }
    int rc = r != NULL ? CFAVRO_OK : s->failure.status;
    pthread_mutex_unlock(&s->lock);
    if (r == NULL) {
        return rc != CFAVRO_OK ? rc : CFAVRO_E_INTERNAL;
    }
    cf_reader_release(b->held);
    b->held = r;
    return CFAVRO_OK;
}

void cf_reader_binding_clear(cf_reader_binding *b)
{
    cf_reader_release(b->held);
    cf_reader_source_free(b->owned);
    b->held = NULL;
    b->owned = NULL;
    b->source = NULL;
}
