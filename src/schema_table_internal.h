/*
 * The client's table of compiled schemas by id. Readers (every decode) take
 * no lock: they load the current slot array and probe it with acquire loads.
 * Writers (a schema being added) are serialised by the caller's mutex. Entries
 * are immutable once published and live until the table is freed, and a
 * replaced slot array is kept until then too, so a reader never touches freed
 * memory. (Bounding the table, with eviction and refcounts, is a later step.)
 */
#ifndef CFAVRO_SCHEMA_TABLE_INTERNAL_H
#define CFAVRO_SCHEMA_TABLE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "schema_internal.h"

typedef struct cf_table_entry {
    int32_t id;
    cf_schema *schema; /* owned by the table */
} cf_table_entry;

typedef struct cf_table_slots {
    uint32_t mask;                          /* capacity - 1 (power of two) */
    struct cf_table_slots *retired;         /* older array, kept for readers */
    _Atomic(cf_table_entry *) slot[];
} cf_table_slots;

typedef struct cf_table {
    _Atomic(cf_table_slots *) slots;
    uint32_t count; /* writers only */
} cf_table;

int cf_table_init(cf_table *t);
void cf_table_free(cf_table *t);

/* Lock-free lookup; NULL when absent. Safe concurrently with cf_table_put. */
const cf_schema *cf_table_get(const cf_table *t, int32_t id);

/* Insert `schema` under `id` (absent: callers check under their lock). Takes
 * ownership of `schema` on success only. Caller holds the writers' lock. */
int cf_table_put(cf_table *t, int32_t id, cf_schema *schema);

#endif
