/*
 * The client's schema cache: compiled schemas (and remembered failures) by
 * key, shared by every decoder of a client, bounded by cache.capacity.
 *
 * Entries. Each is refcounted: the table holds one reference while the entry
 * is linked, and whoever uses it (a decoder's memo, a lookup in progress)
 * holds one more. Eviction unlinks an entry and drops the table's reference;
 * the schema is freed when the last reference goes, so eviction never frees a
 * schema a decoder still uses. Entry memory comes from chunks that live as
 * long as the cache and is recycled through a free list, never returned to
 * the allocator: a reader that loaded a pointer to an entry that was evicted
 * and reused meanwhile still reads valid memory, and notices (the reference
 * count was 0, or the key changed) and retries under the lock.
 *
 * States. LOADING while one thread fetches and compiles (everyone else who
 * wants that key waits on the cache's condition variable, with the mutex
 * released: single flight, and no lock held across I/O or compilation);
 * READY with a schema; NEGATIVE with the error it failed with (not found, or
 * a schema that does not compile), until `expires_ms`; TRANSIENT for a
 * failure that is not remembered (registry unavailable, auth): the entry is
 * unlinked at once and only the threads already waiting read its error.
 *
 * Reads. cf_cache_find takes no lock: it probes the slot array with acquire
 * loads, compares keys with relaxed loads, and takes a reference with one
 * compare-and-swap. That CAS is the only shared write, and a decoder makes it
 * only when its own memo (memo_internal.h) misses; a decoder decoding one id
 * again and again touches no atomics at all. A reader may miss an entry that
 * a writer is moving (deletion shifts entries back); the slow path rechecks
 * under the mutex, so a false miss only costs time.
 *
 * Writes (insert, evict, state changes) hold `lock`. The slot array grows by
 * doubling to twice the number of linked entries; replaced arrays are kept
 * until the cache is freed (readers may still be probing them), which is at
 * most the size of the final array again.
 *
 * Capacity. At most `capacity` entries stay linked. The one exception: when
 * every linked entry is being loaded, a new key is still admitted (the cache
 * goes over by one entry per loading thread) and the excess is evicted as
 * loads finish, so a cache smaller than the number of loading threads slows
 * down rather than turns lookups away.
 */
#ifndef CFAVRO_CACHE_INTERNAL_H
#define CFAVRO_CACHE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache_key_internal.h"
#include "counter_internal.h"
#include "ext_internal.h"
#include "schema_internal.h"

typedef enum cf_entry_state {
    CF_ENTRY_FREE = 0,
    CF_ENTRY_LOADING = 1,
    CF_ENTRY_READY = 2,
    CF_ENTRY_NEGATIVE = 3,
    CF_ENTRY_TRANSIENT = 4
} cf_entry_state;

/* Where a READY entry's schema text came from (for the cache listing). */
typedef enum cf_entry_origin {
    CF_ORIGIN_NONE = 0,
    CF_ORIGIN_MEMORY = 1,   /* cfavro_client_add_schema */
    CF_ORIGIN_DIRECTORY = 2, /* schema.dir */
    CF_ORIGIN_PERSISTED = 3, /* cfavro.registry.persist.dir */
    CF_ORIGIN_REGISTRY = 4   /* schema.registry.url */
} cf_entry_origin;

typedef struct cf_cache cf_cache;

typedef struct cf_cache_entry {
    _Atomic uint32_t refs;   /* 0: free (on the free list or being recycled) */
    _Atomic uint8_t state;   /* cf_entry_state */
    _Atomic uint8_t recent;  /* CLOCK's reference bit: set on use, cleared by
                                the eviction hand; written only when it changes */
    _Atomic uint64_t key[3]; /* cf_schema_key words (see cache_key_internal.h) */
    /* Written before the state leaves LOADING (release), read after it is
     * seen (acquire); immutable afterwards until the entry is recycled. */
    cf_schema *schema;       /* READY: owned */
    char *note;              /* READY, optional, owned: why data failures may not
                                mean malformed data (an encryption rule) */
    uint8_t origin;          /* cf_entry_origin */
    uint64_t expires_ms;     /* NEGATIVE: forgotten at this monotonic time */
    cfavro_error error;      /* NEGATIVE, TRANSIENT: what the load failed with */
    /* READY, optional: the avro-c bridge's schema and value class for
     * `schema` (src/avro/avro_shape_internal.h), built on first use and
     * published once with a compare-and-swap; freed with the schema. */
    _Atomic(cf_ext *) avro;
    /* READY, optional: the programs resolved from `schema` to reader
     * schemas, one per reader (src/reader/resolved_internal.h), each built
     * once and published with a compare-and-swap; freed with the schema. */
    _Atomic(cf_ext *) resolved;
    /* Under the cache's lock only. */
    bool linked;             /* in the slot array (holds the table's reference) */
    cf_cache *owner;
    struct cf_cache_entry *next_free;
} cf_cache_entry;

typedef struct cf_cache_slots {
    uint32_t mask;                  /* capacity - 1 (power of two) */
    struct cf_cache_slots *retired; /* older array, kept for readers */
    _Atomic(cf_cache_entry *) slot[];
} cf_cache_slots;

struct cf_cache {
    _Atomic(cf_cache_slots *) slots;
    pthread_mutex_t lock;   /* every write; never held by a hit */
    pthread_cond_t loaded;  /* broadcast whenever an entry leaves LOADING */
    uint32_t capacity;      /* most linked entries (cache.capacity) */
    uint32_t linked;        /* entries in the slot array */
    /* The entry pool: chunks of entries, the free list, CLOCK's hand. */
    cf_cache_entry **chunks;
    uint32_t chunk_count;
    uint32_t chunk_cap;
    cf_cache_entry *free_list;
    uint64_t hand;
    /* Entries evicted to stay within capacity (written under the lock,
     * read without it by cfavro_client_stats). */
    cf_counter evictions;
};

/* Make an empty cache holding at most `capacity` (>= 1) entries. CFAVRO_OK,
 * CFAVRO_E_NOMEM or CFAVRO_E_INTERNAL (no mutex). */
int cf_cache_init(cf_cache *c, uint32_t capacity);

/* Free everything. No reference may be outstanding and no thread may use the
 * cache. */
void cf_cache_free(cf_cache *c);

/* Lock-free lookup. Returns the entry for `key` with a reference the caller
 * must drop with cf_cache_release, whatever its state, or NULL when the key
 * is absent (or the reader raced a writer: take the slow path). */
cf_cache_entry *cf_cache_find(cf_cache *c, const cf_schema_key *key);

/* Drop one reference. The last one (an evicted entry) frees the schema and
 * recycles the entry; that takes the lock, so never call this with it held
 * unless the entry is known to keep another reference. NULL: no-op. */
void cf_cache_release(cf_cache_entry *e);

/* Mark `e` used, for eviction. Writes only when the bit is clear, so hot
 * entries are not written on every hit. */
static inline void cf_cache_touch(cf_cache_entry *e)
{
    if (!atomic_load_explicit(&e->recent, memory_order_relaxed)) {
        atomic_store_explicit(&e->recent, 1, memory_order_relaxed);
    }
}

/* Linked entries now (takes the lock: for cfavro_client_stats, not for a
 * decode path). */
uint64_t cf_cache_entry_count(cf_cache *c);

/* ---- with c->lock held ---------------------------------------------------- */

/* The linked entry for `key`, or NULL. No reference is taken. */
cf_cache_entry *cf_cache_lookup_locked(cf_cache *c, const cf_schema_key *key);

/* Link a new entry for `key` (absent: the caller checked) in state `state`,
 * evicting a not recently used entry first when the cache is full (see
 * Capacity above). The entry has the table's reference plus `extra_refs` for
 * the caller. NULL only when memory runs out (*status CFAVRO_E_NOMEM). */
cf_cache_entry *cf_cache_insert_locked(cf_cache *c, const cf_schema_key *key,
                                       cf_entry_state state, uint32_t extra_refs,
                                       int *status);

/* Unlink `e` and drop the table's reference. The caller must hold another
 * reference, or know the entry has none besides the table's: then it is
 * recycled here. */
void cf_cache_unlink_locked(cf_cache *c, cf_cache_entry *e);

/* Publish the end of a load: set the state (READY, NEGATIVE or TRANSIENT;
 * fields already written) with release order and wake every waiter. A
 * TRANSIENT entry is unlinked, and entries beyond the capacity are evicted.
 * The caller holds a reference. */
void cf_cache_finish_locked(cf_cache *c, cf_cache_entry *e, cf_entry_state state);

/* Visit every linked entry (for the listing). `fn` runs with the lock held
 * and must not call back into the cache; it returns non-zero to stop. */
void cf_cache_each_locked(cf_cache *c, int (*fn)(void *arg, const cf_cache_entry *e),
                          void *arg);

#endif
