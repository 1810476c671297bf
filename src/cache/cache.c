/* Lock-free-read hash table of compiled schemas; see cache_internal.h. */
#include "cache_internal.h"

#include "alloc_internal.h"

enum { INITIAL_CAPACITY = 16 };

static uint32_t hash_id(int32_t id)
{
    /* Ids are small sequential integers: mix them so they spread. */
    uint32_t h = (uint32_t)id * 0x9E3779B1u;
    return h ^ (h >> 16);
}

static cf_cache_slots *slots_new(uint32_t capacity)
{
    cf_cache_slots *s = cf_calloc(1, sizeof *s + (size_t)capacity * sizeof s->slot[0]);
    if (s != NULL) {
        s->mask = capacity - 1;
        for (uint32_t i = 0; i < capacity; i++) {
            atomic_init(&s->slot[i], NULL);
        }
    }
    return s;
}

int cf_cache_init(cf_cache *t)
{
    cf_cache_slots *s = slots_new(INITIAL_CAPACITY);
    if (s == NULL) {
        return CFAVRO_E_NOMEM;
    }
    atomic_init(&t->slots, s);
    t->count = 0;
    return CFAVRO_OK;
}

void cf_cache_free(cf_cache *t)
{
    cf_cache_slots *s = atomic_load_explicit(&t->slots, memory_order_relaxed);
    if (s == NULL) {
        return;
    }
    for (uint32_t i = 0; i <= s->mask; i++) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[i], memory_order_relaxed);
        if (e != NULL) {
            cf_schema_free(e->schema);
            cf_free(e);
        }
    }
    while (s != NULL) {
        cf_cache_slots *older = s->retired;
        cf_free(s);
        s = older;
    }
    atomic_store_explicit(&t->slots, NULL, memory_order_relaxed);
}

const cf_schema *cf_cache_get(const cf_cache *t, int32_t id)
{
    cf_cache_slots *s = atomic_load_explicit(&t->slots, memory_order_acquire);
    for (uint32_t i = hash_id(id) & s->mask;; i = (i + 1) & s->mask) {
        cf_cache_entry *e = atomic_load_explicit(&s->slot[i], memory_order_acquire);
        if (e == NULL) {
            return NULL;
        }
        if (e->id == id) {
            return e->schema;
        }
    }
}

static void place(cf_cache_slots *s, cf_cache_entry *e)
{
    uint32_t i = hash_id(e->id) & s->mask;
    while (atomic_load_explicit(&s->slot[i], memory_order_relaxed) != NULL) {
        i = (i + 1) & s->mask;
    }
    atomic_store_explicit(&s->slot[i], e, memory_order_release);
}

int cf_cache_put(cf_cache *t, int32_t id, cf_schema *schema)
{
    cf_cache_slots *s = atomic_load_explicit(&t->slots, memory_order_relaxed);
    /* Keep the load under one half so probes stay short and a free slot
     * always ends a lookup. */
    if ((t->count + 1) * 2 > s->mask + 1) {
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
        atomic_store_explicit(&t->slots, bigger, memory_order_release);
        s = bigger;
    }
    cf_cache_entry *e = cf_malloc(sizeof *e);
    if (e == NULL) {
        return CFAVRO_E_NOMEM;
    }
    e->id = id;
    e->schema = schema;
    place(s, e);
    t->count++;
    return CFAVRO_OK;
}
