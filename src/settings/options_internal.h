/* Decoding and output options: the json.*, decode.* and limit.* settings a
 * client hands to its decoders as defaults and a decoder may override. */
#ifndef CFAVRO_OPTIONS_INTERNAL_H
#define CFAVRO_OPTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

typedef enum cf_union_style {
    CF_UNION_AVRO = 0, /* Avro JSON encoding: {"string":"x"}, null stays null */
    CF_UNION_PLAIN = 1 /* just the branch's value */
} cf_union_style;

typedef enum cf_time_style {
    CF_TIME_ISO8601 = 0, /* date/time/timestamp logical types as ISO-8601 strings */
    CF_TIME_EPOCH = 1    /* their underlying numbers */
} cf_time_style;

typedef enum cf_nonfinite_style {
    CF_NONFINITE_STRING = 0, /* "NaN", "Infinity", "-Infinity" */
    CF_NONFINITE_NULL = 1
} cf_nonfinite_style;

typedef struct cf_options {
    uint8_t union_style;  /* cf_union_style */
    uint8_t bytes_mode;   /* cf_bytes_mode (json_write_internal.h) */
    bool logical;         /* render logical types at all */
    uint8_t time_style;   /* cf_time_style */
    bool decimal_quoted;  /* decimal as "1.50" (true) or 1.50 */
    uint8_t nonfinite;    /* cf_nonfinite_style */
    uint8_t utf8;         /* cf_utf8_mode */
    bool allow_trailing;  /* bytes after the value are ignored instead of an error */
    uint32_t max_depth;   /* nesting of records/arrays/maps */
    uint64_t max_items;   /* array/map items that take no input bytes, per message */
    size_t max_output;    /* JSON bytes per call */
} cf_options;

void cf_options_default(cf_options *opt);

/* Apply one setting. Returns CFAVRO_OK, CFAVRO_E_CONFIG (bad value; message
 * names the key and the accepted values) or -1 when `key` is not an option
 * key at all (so the caller can try its own keys); err untouched then. */
int cf_options_set(cf_options *opt, const char *key, const char *value, cfavro_error *err);

/* Parse a non-negative decimal integer setting (no sign, no junk, <= max). */
bool cf_parse_u64(const char *value, uint64_t max, uint64_t *out);

#endif
