/* Programs resolved for a (writer, reader) pair, cached on the writer's
 * cache entry: built once per reader generation by whichever decoder needs
 * it first, shared by every decoder of the client, freed with the entry.
 *
 * The entry's `resolved` slot (a cf_ext, so the cache need not know this
 * part) holds a list published with compare-and-swap: nodes are only ever
 * pushed at its head and never removed until the entry is freed, so a
 * reader of the list needs no lock. Two decoders that build the same pair at
 * once both compile; the second to publish frees its copy and uses the
 * first's. The list grows by one node per reader generation the entry meets
 * (a new registry version, a decoder's own reader.schema).
 *
 * An incompatible pair is remembered as a node without a program, carrying
 * the resolver's error (CFAVRO_E_INCOMPATIBLE and the path of the first
 * mismatch), so every message of that writer fails with it at the cost of a
 * copy, not a resolve. */
#ifndef CFAVRO_RESOLVED_INTERNAL_H
#define CFAVRO_RESOLVED_INTERNAL_H

#include <stdint.h>

#include "cache_internal.h"
#include "cfavro.h"
#include "reader_internal.h"
#include "schema_internal.h"
#include "schema_resolve_internal.h"

typedef struct cf_resolved {
    uint64_t reader_generation;
    cf_schema *program;       /* owned; NULL: the pair does not resolve */
    cfavro_error error;       /* program NULL: why (schema_id left unset) */
    cf_reader *reader;        /* a reference: the reader outlives its programs */
    struct cf_resolved *next; /* older nodes */
} cf_resolved;

/* The node for (writer entry `e`, reader `r`), building and publishing it
 * if there is none. Fails (nothing cached) only when out of memory; an
 * incompatible pair succeeds with a node whose program is NULL. */
int cf_resolved_get(cf_cache_entry *e, cf_reader *r, const cf_schema_limits *limits,
                    const cf_resolved **out, cfavro_error *err);

#endif
