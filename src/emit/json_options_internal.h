/* How the JSON emitter renders values: the json.* settings and
 * limit.output.bytes. Nothing here changes what the walker accepts. */
#ifndef CFAVRO_JSON_OPTIONS_INTERNAL_H
#define CFAVRO_JSON_OPTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

typedef enum cf_bytes_mode {
    CF_BYTES_AVRO = 0, /* Avro JSON: a string of code points U+0000..U+00FF */
    CF_BYTES_BASE64 = 1,
    CF_BYTES_HEX = 2
} cf_bytes_mode;

typedef struct cf_json_options {
    uint8_t union_style; /* cf_union_style */
    uint8_t bytes_mode;  /* cf_bytes_mode */
    bool logical;        /* render logical types at all */
    uint8_t time_style;  /* cf_time_style */
    bool decimal_quoted; /* decimal as "1.50" (true) or 1.50 */
    uint8_t nonfinite;   /* cf_nonfinite_style */
    size_t max_output;   /* JSON bytes per call */
} cf_json_options;

void cf_json_options_default(cf_json_options *opt);

#endif
