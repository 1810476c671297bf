/* What every walk enforces, whatever the output: nesting and zero-byte item
 * limits, the UTF-8 policy and trailing bytes (the decode.* and limit.*
 * settings apart from limit.output.bytes, which belongs to the JSON output). */
#ifndef CFAVRO_WALK_LIMITS_INTERNAL_H
#define CFAVRO_WALK_LIMITS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

typedef enum cf_utf8_mode {
    CF_UTF8_ERROR = 0,  /* invalid UTF-8 fails with CFAVRO_E_DATA_UTF8 */
    CF_UTF8_REPLACE = 1 /* each invalid sequence becomes U+FFFD in text output */
} cf_utf8_mode;

typedef struct cf_walk_limits {
    uint8_t utf8;        /* cf_utf8_mode */
    bool allow_trailing; /* bytes after the value are ignored instead of an error */
    uint32_t max_depth;  /* nesting of records/arrays/maps */
    uint64_t max_items;  /* values that take no input bytes, per message */
} cf_walk_limits;

void cf_walk_limits_default(cf_walk_limits *limits);

#endif
