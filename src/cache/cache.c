/* The schema cache's table, entry pool and eviction; see cache_internal.h.
 * Single-flight loading on top of it is cache_load.c. */
#include "cache_internal.h"

#include <string.h>

#include "alloc_internal.h"

enum {
    INITIAL_SLOTS = 16,
    CHUNK_ENTRIES = 32 /* entries per pool chunk: small caches stay small */
};

/* ---- slot arrays ----------------------------------------------------------- */

static cf_cache_slots *slots_new(uint32_t count)
{
    cf_cache_slots *s = cf_calloc(1, sizeof *s + (size_t)count * sizeof s->slot[0]);
    if (s != NULL) {
        s->mask = count - 1;
        for (uint32_t i = 0; i < count; i++) {
            atomic_init(&s->slot[i], NULL);
        }
    }
    return s;
}

static void entry_key(const cf_cache_entry *e, cf_schema_key *out, memory_order order)
{
    for (int i = 0; i < 3; i++) {
        out->w[i] = atomic_load_explicit(&((cf_cache_entry *)e)->key[i], order);
    }
}

static uint32_t entry_hash(const cf_cache_entry *e)
{
    cf_schema_key k;
    entry_key(e, &k, memory_order_relaxed);
    return cf_key_hash(&k);
}

/* Linear probing; the caller made room. */
static void place(cf_cache_slots *s, cf_cache_entry *e)
{
    uint32_t i = entry_hash(e) & s->mask;
    while (atomic_load_explicit(&s->slot[i], memory_order_relaxed) != NULL) {
        i = (i + 1) & s->mask;
    }
    atomic_store_explicit(&s->slot[i], e, memory_order_release);
}

/* Keep the load at most one half (short probes, and an empty slot always ends
 * a lookup). The array reaches twice the capacity, and past that only while
 * loads in progress hold the cache over capacity (at most one per loading
 * thread). */
static int reserve_slot(cf_cache *c)
{
    cf_cache_slots *s = atomic_load_explicit(&c->slots, memory_order_relaxed);
    if ((uint64_t)(c->linked + 1) * 2 <= (uint64_t)s->mask + 1) {
        return CFAVRO_OK;
    }
    if (s->mask >= UINT32_MAX / 4) {
        return CFAVRO_E_NOMEM;
    }
    cf_cache_slots *bigger = slots_new((s->mask + 1) * 2);
    if (bigger == NULL) {
        return CFAVRO_E_NOMEM;
    }
    for (uint32_t i = 0; i <= s->mask; i++) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[i], memory_order_relaxed);
        if (e != NULL) {
            place(bigger, e);
        }
    }
    bigger->retired = s;
    atomic_store_explicit(&c->slots, bigger, memory_order_release);
    return CFAVRO_OK;
}

/* Remove slot i and shift later entries of its probe run back, so no empty
 * slot splits a run (a reader racing this may miss an entry; see the header). */
static void remove_slot(cf_cache_slots *s, uint32_t i)
{
    atomic_store_explicit(&s->slot[i], NULL, memory_order_release);
    for (uint32_t j = (i + 1) & s->mask;; j = (j + 1) & s->mask) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[j], memory_order_relaxed);
        if (e == NULL) {
            return;
        }
        uint32_t home = entry_hash(e) & s->mask;
        /* e may move to the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            atomic_store_explicit(&s->slot[i], e, memory_order_release);
            atomic_store_explicit(&s->slot[j], NULL, memory_order_release);
            i = j;
        }
    }
}

/* ---- the cache --------------------------------------------------------------- */

int cf_cache_init(cf_cache *c, uint32_t capacity)
{
    memset(c, 0, sizeof *c);
    c->capacity = capacity > 0 ? capacity : 1;
    cf_cache_slots *s = slots_new(INITIAL_SLOTS);
    if (s == NULL) {
        return CFAVRO_E_NOMEM;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        cf_free(s);
        return CFAVRO_E_INTERNAL;
    }
    if (pthread_cond_init(&c->loaded, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        cf_free(s);
        return CFAVRO_E_INTERNAL;
    }
    /* Published last: cf_cache_free frees only a cache whose init finished. */
    atomic_init(&c->slots, s);
    return CFAVRO_OK;
}

static void entry_clear(cf_cache_entry *e)
{
    cf_ext_free(atomic_exchange_explicit(&e->avro, NULL, memory_order_acquire));
    cf_ext_free(atomic_exchange_explicit(&e->resolved, NULL, memory_order_acquire));
    cf_schema_free(e->schema);
    cf_free(e->note);
    e->schema = NULL;
    e->note = NULL;
    e->origin = CF_ORIGIN_NONE;
    e->expires_ms = 0;
    memset(&e->error, 0, sizeof e->error);
}

void cf_cache_free(cf_cache *c)
{
    cf_cache_slots *s = atomic_load_explicit(&c->slots, memory_order_relaxed);
    if (s == NULL) {
        return;
    }
    for (uint32_t k = 0; k < c->chunk_count; k++) {
        for (uint32_t i = 0; i < CHUNK_ENTRIES; i++) {
            entry_clear(&c->chunks[k][i]);
        }
        cf_free(c->chunks[k]);
    }
    cf_free(c->chunks);
    while (s != NULL) {
        cf_cache_slots *older = s->retired;
        cf_free(s);
        s = older;
    }
    pthread_cond_destroy(&c->loaded);
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof *c);
}

static bool entry_has_key(cf_cache_entry *e, const cf_schema_key *key, memory_order order)
{
    cf_schema_key k;
    entry_key(e, &k, order);
    return cf_key_equal(&k, key);
}

/* One reference more, unless the entry is free (0): it may be mid-recycling. */
static bool try_ref(cf_cache_entry *e)
{
    uint32_t r = atomic_load_explicit(&e->refs, memory_order_relaxed);
    while (r != 0) {
        if (atomic_compare_exchange_weak_explicit(&e->refs, &r, r + 1, memory_order_acquire,
                                                  memory_order_relaxed)) {
            return true;
        }
    }
    return false;
}

cf_cache_entry *cf_cache_find(cf_cache *c, const cf_schema_key *key)
{
    cf_cache_slots *s = atomic_load_explicit(&c->slots, memory_order_acquire);
    uint32_t i = cf_key_hash(key) & s->mask;
    /* At most one pass: writers may be moving entries under us. */
    for (uint32_t n = 0; n <= s->mask; n++, i = (i + 1) & s->mask) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[i], memory_order_acquire);
        if (e == NULL) {
            return NULL;
        }
        if (!entry_has_key(e, key, memory_order_relaxed)) {
            continue;
        }
        if (!try_ref(e)) {
            return NULL;
        }
        /* Recycled for another key between the compare and the reference? */
        if (!entry_has_key(e, key, memory_order_acquire)) {
            cf_cache_release(e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* Give a free entry back to the pool. Lock held. */
static void recycle_locked(cf_cache *c, cf_cache_entry *e)
{
    entry_clear(e);
    atomic_store_explicit(&e->state, CF_ENTRY_FREE, memory_order_relaxed);
    e->next_free = c->free_list;
    c->free_list = e;
}

void cf_cache_release(cf_cache_entry *e)
{
    if (e == NULL) {
        return;
    }
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        /* The last reference of an unlinked entry: nobody else can reach it
         * except readers whose try_ref will now fail. */
        cf_cache *c = e->owner;
        pthread_mutex_lock(&c->lock);
        recycle_locked(c, e);
        pthread_mutex_unlock(&c->lock);
    }
}

/* ---- with the lock held ----------------------------------------------------- */

cf_cache_entry *cf_cache_lookup_locked(cf_cache *c, const cf_schema_key *key)
{
    cf_cache_slots *s = atomic_load_explicit(&c->slots, memory_order_relaxed);
    for (uint32_t i = cf_key_hash(key) & s->mask;; i = (i + 1) & s->mask) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[i], memory_order_relaxed);
        if (e == NULL) {
            return NULL;
        }
        if (entry_has_key(e, key, memory_order_relaxed)) {
            return e;
        }
    }
}

void cf_cache_unlink_locked(cf_cache *c, cf_cache_entry *e)
{
    cf_cache_slots *s = atomic_load_explicit(&c->slots, memory_order_relaxed);
    for (uint32_t i = entry_hash(e) & s->mask;; i = (i + 1) & s->mask) {
        cf_cache_entry *at = atomic_load_explicit(&s->slot[i], memory_order_relaxed);
        if (at == e) {
            remove_slot(s, i);
            break;
        }
        if (at == NULL) {
            return; /* not linked: nothing to drop */
        }
    }
    e->linked = false;
    c->linked--;
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        recycle_locked(c, e);
    }
}

static cf_cache_entry *pool_entry(cf_cache *c, uint64_t index)
{
    return &c->chunks[index / CHUNK_ENTRIES][index % CHUNK_ENTRIES];
}

/* CLOCK: sweep the pool from the hand; a used entry loses its bit and is
 * passed over once, an unused one is evicted. Entries being loaded are never
 * evicted (their loader and waiters rely on the link). Two full turns find a
 * victim unless every linked entry is loading. */
static bool evict_one_locked(cf_cache *c)
{
    uint64_t pool = (uint64_t)c->chunk_count * CHUNK_ENTRIES;
    for (uint64_t step = 0; step < 2 * pool; step++) {
        cf_cache_entry *e = pool_entry(c, c->hand % pool);
        c->hand++;
        if (!e->linked ||
            atomic_load_explicit(&e->state, memory_order_relaxed) == CF_ENTRY_LOADING) {
            continue;
        }
        if (atomic_load_explicit(&e->recent, memory_order_relaxed)) {
            atomic_store_explicit(&e->recent, 0, memory_order_relaxed);
            continue;
        }
        cf_cache_unlink_locked(c, e);
        cf_counter_add_shared(&c->evictions, 1);
        return true;
    }
    return false;
}

static bool grow_pool_locked(cf_cache *c)
{
    if (c->chunk_count == c->chunk_cap) {
        uint32_t cap = c->chunk_cap ? c->chunk_cap * 2 : 4;
        cf_cache_entry **chunks = cf_realloc(c->chunks, (size_t)cap * sizeof *chunks);
        if (chunks == NULL) {
            return false;
        }
        c->chunks = chunks;
        c->chunk_cap = cap;
    }
    cf_cache_entry *chunk = cf_calloc(CHUNK_ENTRIES, sizeof *chunk);
    if (chunk == NULL) {
        return false;
    }
    c->chunks[c->chunk_count++] = chunk;
    for (uint32_t i = CHUNK_ENTRIES; i-- > 0;) {
        cf_cache_entry *e = &chunk[i];
        atomic_init(&e->refs, 0);
        atomic_init(&e->state, CF_ENTRY_FREE);
        atomic_init(&e->recent, 0);
        for (int w = 0; w < 3; w++) {
            atomic_init(&e->key[w], 0);
        }
        e->owner = c;
        e->next_free = c->free_list;
        c->free_list = e;
    }
    return true;
}

cf_cache_entry *cf_cache_insert_locked(cf_cache *c, const cf_schema_key *key,
                                       cf_entry_state state, uint32_t extra_refs,
                                       int *status)
{
    /* Full: make room. When every linked entry is loading there is none to
     * make; the cache then goes over capacity by this entry until a load
     * finishes (cf_cache_finish_locked trims it back), rather than turn the
     * caller away. */
    if (c->linked >= c->capacity) {
        (void)evict_one_locked(c);
    }
    if (reserve_slot(c) != CFAVRO_OK || (c->free_list == NULL && !grow_pool_locked(c))) {
        *status = CFAVRO_E_NOMEM;
        return NULL;
    }
    cf_cache_entry *e = c->free_list;
    c->free_list = e->next_free;
    e->next_free = NULL;
    /* The key and state are written while refs is 0 (stale readers cannot
     * take a reference), then published by the release store of refs. */
    for (int w = 0; w < 3; w++) {
        atomic_store_explicit(&e->key[w], key->w[w], memory_order_relaxed);
    }
    atomic_store_explicit(&e->state, (uint8_t)state, memory_order_relaxed);
    /* Not marked used: its load is not a second use. Marked, every entry of a
     * burst of new keys would look as used as a hot one, and the sweep, finding
     * all bits set, would clear them all and evict in pool order, hot key
     * included. */
    atomic_store_explicit(&e->recent, 0, memory_order_relaxed);
    atomic_store_explicit(&e->refs, 1 + extra_refs, memory_order_release);
    e->linked = true;
    c->linked++;
    place(atomic_load_explicit(&c->slots, memory_order_relaxed), e);
    return e;
}

void cf_cache_finish_locked(cf_cache *c, cf_cache_entry *e, cf_entry_state state)
{
    atomic_store_explicit(&e->state, (uint8_t)state, memory_order_release);
    if (state == CF_ENTRY_TRANSIENT && e->linked) {
        cf_cache_unlink_locked(c, e); /* the caller's reference keeps it */
    }
    /* Back within capacity after loads held it over (see insert). */
    while (c->linked > c->capacity && evict_one_locked(c)) {
    }
    pthread_cond_broadcast(&c->loaded);
}

uint64_t cf_cache_entry_count(cf_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->linked;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void cf_cache_each_locked(cf_cache *c, int (*fn)(void *arg, const cf_cache_entry *e), void *arg)
{
    uint64_t pool = (uint64_t)c->chunk_count * CHUNK_ENTRIES;
    for (uint64_t i = 0; i < pool; i++) {
        cf_cache_entry *e = pool_entry(c, i);
        if (e->linked && fn(arg, e) != 0) {
            return;
        }
    }
}
