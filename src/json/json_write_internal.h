/*
 * JSON text output: a growable output buffer and the formatting primitives
 * the walker's JSON emitter calls. All output is valid RFC 8259 JSON.
 *
 * The buffer grows geometrically and is kept between messages, so once warm
 * the per-message path allocates nothing. Growth beyond `limit` fails with
 * CFAVRO_E_LIMIT_OUTPUT rather than allocating.
 */
#ifndef CFAVRO_JSON_WRITE_INTERNAL_H
#define CFAVRO_JSON_WRITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cfavro.h"
#include "json_options_internal.h"
#include "utf8_internal.h"
#include "walk_limits_internal.h"

typedef struct cf_buf {
    char *data;   /* owned; NULL until first growth */
    size_t len;   /* bytes written */
    size_t cap;   /* bytes allocated */
    size_t limit; /* maximum len; growth past it fails with CFAVRO_E_LIMIT_OUTPUT */
} cf_buf;

/* Slow path: make room for `extra` more bytes. Returns CFAVRO_OK,
 * CFAVRO_E_NOMEM or CFAVRO_E_LIMIT_OUTPUT. */
int cf_buf_grow(cf_buf *b, size_t extra);
void cf_buf_free(cf_buf *b);

static inline int cf_buf_reserve(cf_buf *b, size_t extra)
{
    return (b->cap - b->len >= extra) ? CFAVRO_OK : cf_buf_grow(b, extra);
}

/* Copy n <= 16 bytes with fixed-size (overlapping) moves: JSON keys, union
 * wrappers and short values are this size, and a variable-length memcpy call
 * costs more than the copy itself. */
static inline void cf_copy_small(char *d, const void *src, size_t n)
{
    const char *s = src;
    if (n >= 8) {
        uint64_t a, z;
        memcpy(&a, s, 8);
        memcpy(&z, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &z, 8);
    } else if (n >= 4) {
        uint32_t a, z;
        memcpy(&a, s, 4);
        memcpy(&z, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &z, 4);
    } else {
        for (size_t i = 0; i < n; i++) {
            d[i] = s[i];
        }
    }
}

static inline int cf_buf_put(cf_buf *b, const void *p, size_t n)
{
    int rc = cf_buf_reserve(b, n);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    if (n <= 16) {
        cf_copy_small(b->data + b->len, p, n);
    } else {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    return CFAVRO_OK;
}

static inline int cf_buf_putc(cf_buf *b, char c)
{
    int rc = cf_buf_reserve(b, 1);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    b->data[b->len++] = c;
    return CFAVRO_OK;
}

/* ---- numbers: write into dst, return the number of bytes written ------- */
#define CF_FMT_INT_MAX 21    /* "-9223372036854775808" */
#define CF_FMT_DOUBLE_MAX 32 /* "-1.2345678901234567e-308" and friends */

size_t cf_fmt_i64(char *dst, int64_t v);
size_t cf_fmt_u64(char *dst, uint64_t v);
/* Finite doubles only: the shortest text that parses back (strtod) to exactly
 * `v`, laid out like Python's repr(float): "1.0", "0.1", "-0.0", "1e+16",
 * "1.5e-05". */
size_t cf_fmt_double(char *dst, double v);
/* Finite floats only: the shortest text that parses back to exactly `v` when
 * read as a float (strtof); written as a JSON number. */
size_t cf_fmt_float(char *dst, float v);

/* ---- strings ------------------------------------------------------------ */

/* Append s[0..n) as a quoted JSON string: escapes '"', '\\' and control
 * characters (\n \t etc., others \u00XX); valid UTF-8 is copied as is. On
 * invalid UTF-8 in CF_UTF8_ERROR mode returns CFAVRO_E_DATA_UTF8 and sets
 * *bad_at to the index of the first offending byte (the buffer may then hold
 * a partial string; the caller discards it). */
int cf_json_string(cf_buf *b, const uint8_t *s, size_t n, cf_utf8_mode mode, size_t *bad_at);

/* ---- bytes and fixed ---------------------------------------------------- */

/* Append s[0..n) as a quoted JSON string in `mode`. */
int cf_json_bytes(cf_buf *b, const uint8_t *s, size_t n, cf_bytes_mode mode);

/* ---- logical types ------------------------------------------------------ */

/* Append the decimal whose unscaled value is the big-endian two's-complement
 * integer s[0..n) (any n, including 0 = zero), with `scale` digits after the
 * point (scale may be 0), e.g. bytes 0x30 0x39 scale 2 -> 123.45, exact.
 * Quoted as a JSON string when `quoted`, else written as a JSON number.
 * Allocates nothing but the output buffer's growth, at any length.
 *
 * Values of more than CF_JSON_DECIMAL_MAX_BYTES significant bytes (leading
 * sign-extension bytes not counted) return CF_JSON_DECIMAL_TOO_LONG having
 * written nothing; the caller writes their bytes instead, which costs a
 * constant per byte. The limit is where conversion stops being cheap per
 * byte: no known method turns binary into decimal in linear time, and this
 * one (schoolbook, 19 digits per 64-bit division step; json_logical.c)
 * costs about n^2 / 126 division steps for n bytes on top of ~30
 * instructions per byte of digit output. Measured (bench/bench_decimal.c,
 * bench/callgrind_decimal.sh; gcc 12 -O2, x86-64 Xeon) in instructions and
 * ns per input byte: 64 bytes 33 (3.5 ns), 128 bytes 43 (4.5 ns), 256 bytes
 * 62 (6 ns), 512 bytes 101 (8 ns), 1024 bytes 181 (15 ns). 128 bytes keeps
 * every converted length within a few ns per byte and holds 308 digits:
 * more than any SQL engine's decimal except PostgreSQL's numeric (1000),
 * four times BigQuery's BIGNUMERIC and eight times DECIMAL(38). */
#define CF_JSON_DECIMAL_MAX_BYTES 128
/* Private signal of cf_json_decimal, never a public status: the caller
 * renders the value another way. */
#define CF_JSON_DECIMAL_TOO_LONG (-2)
int cf_json_decimal(cf_buf *b, const uint8_t *s, size_t n, int32_t scale, bool quoted);

/* Time units. */
typedef enum cf_time_unit {
    CF_UNIT_MILLIS = 0,
    CF_UNIT_MICROS = 1,
    CF_UNIT_NANOS = 2
} cf_time_unit;

#define CF_FMT_TIME_MAX 48
/* ISO-8601 date "1970-01-01" from days since the epoch (proleptic Gregorian;
 * years outside 0000..9999 written with a sign and at least 4 digits, e.g.
 * "+10000-01-01", "-0001-12-31"). */
size_t cf_fmt_date(char *dst, int64_t days);
/* Time of day "13:45:30.123" (time-millis) or "13:45:30.123456" (time-micros)
 * for 0 <= v < one day (86400000 ms, 86400000000 us). Any other value is not
 * a time of day: returns 0 and writes nothing, and the caller writes v as a
 * plain JSON number instead (nothing is lost, and no pseudo-time such as
 * "-00:00:00.001" or "100:00:00.000" is invented). Never CF_UNIT_NANOS (Avro
 * has no time-nanos). */
size_t cf_fmt_time_of_day(char *dst, int64_t v, cf_time_unit unit);
/* Timestamp "2024-01-02T03:04:05.123Z" (millis), ".123456Z" (micros) or
 * ".123456789Z" (nanos); with utc false the trailing 'Z' is omitted
 * (local-timestamp-*). Full int64 range in every unit. */
size_t cf_fmt_timestamp(char *dst, int64_t v, cf_time_unit unit, bool utc);

#endif
