/*
 * The client's table of compiled schemas by id. Readers (every decode) take
 * no lock: they load the current slot array and probe it with acquire loads.
 * Writers (a schema being added) are serialised by the caller's mutex. Entries
 * are immutable once published and live until the table is freed, and a
 * replaced slot array is kept until then too, so a reader never touches freed
 * memory. (Bounding the table, with eviction and refcounts, is a later step.)
 */
#ifndef CFAVRO_CACHE_INTERNAL_H
#define CFAVRO_CACHE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "schema_internal.h"

typedef struct cf_cache_entry {
    int32_t id;
    cf_schema *schema; /* owned by the table */
} cf_cache_entry;

typedef struct cf_cache_slots {
    uint32_t mask;                          /* capacity - 1 (power of two) */
    struct cf_cache_slots *retired;         /* older array, kept for readers */
    _Atomic(cf_cache_entry *) slot[];
} cf_cache_slots;

typedef struct cf_cache {
    _Atomic(cf_cache_slots *) slots;
    uint32_t count; /* writers only */
} cf_cache;

int cf_cache_init(cf_cache *t);
void cf_cache_free(cf_cache *t);

/* Lock-free lookup; NULL when absent. Safe concurrently with cf_cache_put. */
const cf_schema *cf_cache_get(const cf_cache *t, int32_t id);

/* Insert `schema` under `id` (absent: callers check under their lock). Takes
 * ownership of `schema` on success only. Caller holds the writers' lock. */
int cf_cache_put(cf_cache *t, int32_t id, cf_schema *schema);

#endif
