/*
 * Helpers for the schema compiler (schema_compile.c): the arena that owns a
 * compiled schema's memory, a string-keyed hash table for name lookups and
 * duplicate detection, Avro name validation and JSON escaping.
 */
#ifndef CFAVRO_SCHEMA_NAMES_INTERNAL_H
#define CFAVRO_SCHEMA_NAMES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema_internal.h"

/* ---- arena: a few large blocks, freed all at once ---------------------- */

typedef struct cf_arena_block cf_arena_block;

typedef struct cf_arena {
    cf_arena_block *head; /* block being carved; all blocks chain from here */
    size_t next_size;     /* size of the next ordinary block */
} cf_arena;

/* `first_size` is a hint for the first block (e.g. proportional to the
 * schema text), so small schemas need a single block. */
void cf_arena_init(cf_arena *a, size_t first_size);
/* Uninitialised memory aligned for any object; NULL when out of memory or
 * when size is absurd. */
void *cf_arena_alloc(cf_arena *a, size_t size);
/* Zeroed array of n elements of `size` bytes; NULL on overflow/no memory. */
void *cf_arena_calloc(cf_arena *a, size_t n, size_t size);
/* s[0..len) copied with a terminating NUL. */
int cf_arena_str(cf_arena *a, const char *s, size_t len, cf_str *out);
/* pre + JSON-escaped s[0..len) + post, e.g. ("\"", "price", "\":") gives
 * "price":  — the escaping is complete even though Avro names never need it. */
int cf_arena_json_wrap(cf_arena *a, const char *pre, const char *s, size_t len,
                       const char *post, cf_str *out);
/* Free every block chained from `head` (a cf_arena's head). NULL is a no-op. */
void cf_arena_release(cf_arena_block *head);

/* ---- string table ------------------------------------------------------ */

/*
 * Open addressing, keys borrowed (they must outlive their entries). A key is
 * a byte string within a numbered space: the schema compiler keys named
 * types by (namespace number, short name), so a lookup hashes and compares
 * only the short name however long the namespace is; every other use takes
 * space 0. A per-process seed keeps crafted colliding names from turning
 * lookups quadratic. cf_strtab_reset empties the table in O(1) (generation
 * stamp), so one scratch table serves every duplicate check of a compile.
 */
typedef struct cf_strtab_entry {
    const char *key;
    uint32_t len;
    uint32_t space;
    uint32_t value;
    uint32_t gen; /* live iff equal to the table's gen */
} cf_strtab_entry;

typedef struct cf_strtab {
    cf_strtab_entry *slots;
    uint32_t cap;   /* 0 or a power of two */
    uint32_t count; /* live entries */
    uint32_t gen;
} cf_strtab;

#define CF_STRTAB_MISSING UINT32_MAX

void cf_strtab_init(cf_strtab *t);
void cf_strtab_free(cf_strtab *t);
void cf_strtab_reset(cf_strtab *t);
/* The value stored for (space, key), or CF_STRTAB_MISSING. */
uint32_t cf_strtab_get_in(const cf_strtab *t, uint32_t space, const char *key, size_t len);
/* Insert (space, key) -> value unless present. Returns 0 and sets *existing
 * to CF_STRTAB_MISSING when inserted, or 0 and the old value when the key was
 * already there (nothing changed); -1 when out of memory. */
int cf_strtab_put_in(cf_strtab *t, uint32_t space, const char *key, size_t len, uint32_t value,
                     uint32_t *existing);
/* The same in space 0. */
uint32_t cf_strtab_get(const cf_strtab *t, const char *key, size_t len);
int cf_strtab_put(cf_strtab *t, const char *key, size_t len, uint32_t value,
                  uint32_t *existing);

/* ---- names ------------------------------------------------------------- */

/* [A-Za-z_][A-Za-z0-9_]* — Avro names, field names and enum symbols. */
bool cf_avro_name_valid(const char *s, size_t len);
/* One or more valid names joined by single dots (an empty namespace is the
 * null namespace and is handled by the caller). */
bool cf_avro_namespace_valid(const char *s, size_t len);
/* The cf_kind of a primitive type name (null ... string), or -1. */
int cf_avro_primitive_kind(const char *s, size_t len);

/* A printable, truncated copy of untrusted text for an error message:
 * non-printable bytes become '?', long text ends in "...". */
const char *cf_msg_text(char *buf, size_t cap, const char *s, size_t len);

#endif
