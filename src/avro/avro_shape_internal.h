/* The avro-c side of a compiled schema, for the avro_value_t bridge
 * (include/cfavro_avro.h): an avro_schema_t with the same structure as the
 * program the walker executes, and its generic value class
 * (avro_value_iface_t). Built once per compiled schema, never per message,
 * and kept where that schema is kept (a cache entry's `avro` slot), so every
 * decoder of a client shares one.
 *
 * The avro-c schema is built from the compiled nodes, not parsed from the
 * schema text: names are already resolved (references to other registry
 * subjects included, which avro-c's parser cannot follow), and fields,
 * branches and symbols come in exactly the order the walker reports them by
 * index. Logical types are dropped: avro-c 1.11 has none, so values carry
 * their underlying type. */
#ifndef CFAVRO_AVRO_SHAPE_INTERNAL_H
#define CFAVRO_AVRO_SHAPE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include <avro.h>

#include "cfavro.h"
#include "ext_internal.h"
#include "schema_internal.h"

typedef struct cf_avro_shape {
    cf_ext ext;                /* first: the owner frees the shape as a cf_ext */
    avro_schema_t schema;      /* one reference, owned */
    avro_value_iface_t *iface; /* one reference, owned */
} cf_avro_shape;

/*
 * The shape of `schema`, published in *slot: the one already there, else a
 * new one built now and installed with a compare-and-swap (threads racing
 * on the first use may each build one; one is kept, the others are freed at
 * once). The shape lives until the slot's owner frees it (with the schema);
 * callers that keep a value or class beyond that take their own avro-c
 * references. CFAVRO_OK, or CFAVRO_E_NOMEM / CFAVRO_E_INTERNAL with `err`
 * filled (avro-c's message copied in). Thread-safe.
 */
int cf_avro_shape_get(_Atomic(cf_ext *) *slot, const cf_schema *schema,
                      const cf_avro_shape **out, cfavro_error *err);

/* Shapes built since the process started (tests check that a schema's
 * shape is built once, not per message). */
uint64_t cf_avro_shape_builds(void);

#endif
