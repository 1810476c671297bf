/* Reader schemas: the schema every message is resolved to (reader.schema,
 * or a subject's version in the registry, followed as it changes).
 *
 * A cf_reader is one compiled reader schema, immutable and refcounted, with
 * a generation number unique in the process (never 0): resolved programs are
 * cached per (writer entry, reader generation), so a new reader never meets
 * a program compiled for an older one.
 *
 * A cf_reader_source says where a client's (or one decoder's) reader comes
 * from and holds the current one:
 *   - fixed (reader.schema): compiled when the setting is applied, never
 *     changes;
 *   - registry (use.latest.version or cfavro.reader.version with
 *     cfavro.reader.subject): fetched on first use; with use.latest.version
 *     fetched again by the first decode after latest.cache.ttl.sec has
 *     passed. One refresh at a time (a flag taken with a compare-and-swap);
 *     the other decoders keep decoding with the current reader meanwhile. A
 *     new reader is published by swapping the pointer and its generation
 *     under `lock`, which no decoder takes except once after a change, to
 *     take a reference to the new reader: the decode path is a load and a
 *     compare. A refresh that fails keeps the current reader and retries
 *     after the TTL; with no reader yet, decoding fails with the fetch's
 *     error, retried at most every CF_READER_RETRY_MS.
 *
 * A cf_reader_binding is a decoder's view: its source (the client's, its
 * own, or none) and a reference to the reader it decodes with. */
#ifndef CFAVRO_READER_INTERNAL_H
#define CFAVRO_READER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfavro.h"
#include "compiler_internal.h"
#include "ext_internal.h"
#include "schema_internal.h"

/* With no reader yet, a failed fetch is tried again after this long at most
 * (the TTL when shorter): a registry outage at start-up is not asked once
 * per message. */
#define CF_READER_RETRY_MS 1000u

typedef struct cf_reader {
    _Atomic uint32_t refs;
    uint64_t generation; /* unique in the process, never 0 */
    cf_schema *schema;   /* owned */
    int32_t id;          /* the registry's schema id, or -1 */
    int32_t version;     /* the subject's version, or 0 */
    /* Optional, built on first use and freed with the reader: the avro-c
     * bridge's shape of `schema` (the class its values have), published
     * with a compare-and-swap like a cache entry's avro slot. */
    _Atomic(cf_ext *) avro;
} cf_reader;

/* A new reader owning `schema` (one reference for the caller). NULL when out
 * of memory (`schema` is then freed). */
cf_reader *cf_reader_new(cf_schema *schema, int32_t id, int32_t version);
void cf_reader_retain(cf_reader *r);
/* Drop one reference; the last frees the reader. NULL: no-op. */
void cf_reader_release(cf_reader *r);

/* What a registry fetch hands back. */
typedef struct cf_reader_fetched {
    cf_schema *schema; /* compiled, owned by the receiver */
    int32_t id;
    int32_t version;
} cf_reader_fetched;

/* Fetch and compile the reader: `version` >= 1 or CF_REG_VERSION_LATEST.
 * Runs with no lock held. */
typedef int (*cf_reader_fetch_fn)(void *ctx, const char *subject, int32_t version,
                                  cf_reader_fetched *out, cfavro_error *err);

typedef struct cf_reader_source {
    _Atomic uint64_t generation; /* of `current`; 0 while there is none */
    _Atomic uint64_t due_ms;     /* registry: next fetch at this monotonic time */
    _Atomic bool refreshing;     /* registry: a refresh is under way */
    bool follows;                /* registry with use.latest.version: refreshed */
    bool from_registry;
    pthread_mutex_t lock;        /* `current` and `failure` */
    cf_reader *current;          /* NULL only for a registry source not yet fetched */
    cfavro_error failure;        /* registry, no reader yet: why (status 0: none) */
    /* registry only */
    char *subject;               /* owned */
    int32_t version;             /* >= 1, or CF_REG_VERSION_LATEST */
    uint64_t ttl_ms;
    cf_reader_fetch_fn fetch;
    void *fetch_ctx;
} cf_reader_source;

/* A fixed source from reader schema text (reader.schema): compiled now with
 * `limits`. A text that does not compile fails with the compiler's status
 * (CFAVRO_E_SCHEMA_INVALID, CFAVRO_E_LIMIT_SCHEMA) and a message starting
 * "config reader.schema: ". *out NULL on failure. */
int cf_reader_source_new_text(const char *text, const cf_schema_limits *limits,
                              cf_reader_source **out, cfavro_error *err);

/* A registry source for `subject` (copied) at `version` (>= 1, or
 * CF_REG_VERSION_LATEST: followed, refetched every ttl_ms). Nothing is
 * fetched yet. */
int cf_reader_source_new_registry(const char *subject, int32_t version, uint64_t ttl_ms,
                                  cf_reader_fetch_fn fetch, void *fetch_ctx,
                                  cf_reader_source **out, cfavro_error *err);

/* Free the source and drop its reference to its reader (decoders may still
 * hold theirs). No thread may use the source. NULL: no-op. */
void cf_reader_source_free(cf_reader_source *s);

/* A decoder's reader. */
typedef struct cf_reader_binding {
    cf_reader_source *source; /* NULL: no reader schema (the common case) */
    cf_reader_source *owned;  /* the decoder's own (set with cfavro_decoder_set),
                                 or NULL; `source` points to it when set */
    cf_reader *held;          /* a reference to the reader in use, or NULL */
} cf_reader_binding;

/* Release the binding's reference and owned source. */
void cf_reader_binding_clear(cf_reader_binding *b);

/* The slow path of cf_reader_binding_get: refresh when due, take the current
 * reader. */
int cf_reader_binding_update(cf_reader_binding *b, cfavro_error *err);

/* The reader to decode with (b->source must be set): *out borrows the
 * binding's reference, valid until the next call. Fails only for a registry
 * source that has no reader yet (the fetch's error, in err). */
static CF_ALWAYS_INLINE int cf_reader_binding_get(cf_reader_binding *b, cf_reader **out,
                                                 cfavro_error *err)
{
    cf_reader_source *s = b->source;
    if (CF_UNLIKELY(s->follows || b->held == NULL ||
                    atomic_load_explicit(&s->generation, memory_order_acquire) !=
                        b->held->generation)) {
        int rc = cf_reader_binding_update(b, err);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    *out = b->held;
    return CFAVRO_OK;
}

#endif
