/* The walker's avro-c entry point (the walker instantiated with the avro-c
 * emitter, src/emit/emit_avro.h): fills an avro_value_t through avro-c's
 * setters. Built only with the bridge (-Davro_bridge). */
#ifndef CFAVRO_WALK_AVRO_INTERNAL_H
#define CFAVRO_WALK_AVRO_INTERNAL_H

#include <avro.h>

#include "walk_internal.h"

/* Memory the avro-c emitter reuses from walk to walk, owned by the caller
 * (a decoder keeps one): the containers being filled and a text buffer
 * (avro-c takes strings and map keys NUL-terminated, payload text is not).
 * Start it zeroed ({0}), free it with cf_avro_scratch_free. One walk at a
 * time. Grows geometrically, so a warm caller allocates nothing here. */
typedef struct cf_avro_scratch {
    avro_value_t *stack; /* the records, arrays and maps open in the walk */
    size_t stack_cap;
    char *text;
    size_t text_cap;
} cf_avro_scratch;

void cf_avro_scratch_free(cf_avro_scratch *scratch);

/* Decode payload[0..len) as one value of `schema` into `out`, a value of
 * avro-c's class for that schema (avro_shape_internal.h: its fields,
 * branches and symbols in the schema's order). Rules, key scratch, map keys,
 * top-level bytes and failure as for cf_walk_validate (walk_internal.h).
 * Arrays and maps are emptied before their items are added, everything else
 * is overwritten, so `out` need not be reset first. On failure `out` is
 * reset (avro_value_reset: arrays and maps empty, other values as avro-c's
 * reset leaves them). avro-c never sees a payload byte: strings, bytes and
 * fixed are copied in by its setters. */
int cf_walk_avro(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                 cf_avro_scratch *scratch, avro_value_t *out, const uint8_t *payload, size_t len,
                 size_t msg_offset, cfavro_error *err);

#endif
