/* Decoding and output options: the json.*, decode.* and limit.* settings a
 * client hands to its decoders as defaults and a decoder may override. */
#ifndef CFAVRO_OPTIONS_INTERNAL_H
#define CFAVRO_OPTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "json_options_internal.h"
#include "walk_limits_internal.h"

/* A decoder's options: what the walk enforces and how JSON is rendered. */
typedef struct cf_options {
    cf_walk_limits walk;
    cf_json_options json;
} cf_options;

void cf_options_default(cf_options *opt);

/* Apply one setting. Returns CFAVRO_OK, CFAVRO_E_CONFIG (bad value; message
 * names the key and the accepted values) or -1 when `key` is not an option
 * key at all (so the caller can try its own keys); err untouched then. */
int cf_options_set(cf_options *opt, const char *key, const char *value, cfavro_error *err);

/* Parse a non-negative decimal integer setting (no sign, no junk, <= max). */
bool cf_parse_u64(const char *value, uint64_t max, uint64_t *out);

#endif
