/* The walker's JSON entry point (the walker instantiated with the JSON
 * emitter, src/emit/emit_json.h). */
#ifndef CFAVRO_WALK_JSON_INTERNAL_H
#define CFAVRO_WALK_JSON_INTERNAL_H

#include "json_options_internal.h"
#include "json_write_internal.h"
#include "walk_internal.h"

/* Decode payload[0..len) as one value of `schema` and append it to `out` as
 * JSON text rendered per `opt`. Rules, key scratch, map keys, top-level
 * bytes and failure as for cf_walk_validate (walk_internal.h); on failure
 * `out` is restored to its previous length. */
int cf_walk_json(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                 const cf_json_options *opt, const uint8_t *payload, size_t len,
                 size_t msg_offset, cf_buf *out, cfavro_error *err);

#endif
