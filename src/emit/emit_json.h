/*
 * The JSON emitter: hooks that write each value as JSON text into a cf_buf,
 * rendered per the json.* options (cf_json_options). Its instantiation of
 * the walker is walk/walk_json.c; hooks per walk_template.h.
 *
 * Strings are checked for UTF-8 while they are escaped (cf_json_string), one
 * pass over the text, so this emitter applies the UTF-8 policy itself
 * (CF_EMIT_CHECKS_UTF8 1). Output errors (no memory, limit.output.bytes) are
 * recorded at the read position where they happen.
 */
#ifndef CFAVRO_EMIT_JSON_H
#define CFAVRO_EMIT_JSON_H

#include "bytes_internal.h"
#include "json_write_internal.h"
#include "walk_internal.h"
#include "walk_json_internal.h"
#include "walk_read_internal.h"

typedef struct cf_json_emitter {
    cf_walk core;
    cf_buf *out;
    const cf_json_options *opt;
    size_t mark; /* out->len when the walk began: where a failure rolls back to */
} cf_json_emitter;

#define CF_EMITTER cf_json_emitter
#define CF_WALK_NAME(x) x##_json
#define CF_EMIT(hook) cf_json_emit_##hook
#define CF_EMIT_CHECKS_UTF8 1

/* ---- writing ------------------------------------------------------------- */

/* A write failed (rc: CFAVRO_E_NOMEM or CFAVRO_E_LIMIT_OUTPUT): record it. */
static CF_NOINLINE int emit_json_fail(cf_json_emitter *e, int rc)
{
    return cf_walk_fail(&e->core, rc, e->core.p, "%s",
                        rc == CFAVRO_E_NOMEM ? "out of memory writing JSON"
                                             : "JSON output exceeds limit.output.bytes");
}

static CF_ALWAYS_INLINE int emit_json_put(cf_json_emitter *e, const void *p, size_t n)
{
    int rc = cf_buf_put(e->out, p, n);
    return CF_LIKELY(rc == CFAVRO_OK) ? CFAVRO_OK : emit_json_fail(e, rc);
}

static CF_ALWAYS_INLINE int emit_json_putc(cf_json_emitter *e, char c)
{
    int rc = cf_buf_putc(e->out, c);
    return CF_LIKELY(rc == CFAVRO_OK) ? CFAVRO_OK : emit_json_fail(e, rc);
}

/* A write whose status is a plain output status. */
static CF_ALWAYS_INLINE int emit_json_check(cf_json_emitter *e, int rc)
{
    return CF_LIKELY(rc == CFAVRO_OK) ? CFAVRO_OK : emit_json_fail(e, rc);
}

/* ---- numbers ------------------------------------------------------------- */

/* Numbers are formatted straight into the buffer when it has room for the
 * longest; otherwise into a scratch copy, so output that fits exactly under
 * limit.output.bytes is never refused for a pessimistic reservation. */
static inline int emit_json_i64(cf_json_emitter *e, int64_t v)
{
    cf_buf *out = e->out;
    if (CF_LIKELY(out->cap - out->len >= CF_FMT_INT_MAX)) {
        out->len += cf_fmt_i64(out->data + out->len, v);
        return CFAVRO_OK;
    }
    char tmp[CF_FMT_INT_MAX];
    size_t len = cf_fmt_i64(tmp, v);
    return emit_json_put(e, tmp, len);
}

/* Integers that carry a logical type: dates and times as ISO-8601 strings
 * unless the caller asked for epoch numbers. */
static int emit_json_integer(cf_json_emitter *e, const cf_node *n, int64_t v)
{
    char tmp[CF_FMT_TIME_MAX + 2];
    size_t len;
    if (n->logical == CF_LT_NONE || !e->opt->logical || e->opt->time_style == CF_TIME_EPOCH) {
        return emit_json_i64(e, v);
    }
    tmp[0] = '"';
    switch ((cf_logical)n->logical) {
    case CF_LT_DATE: len = cf_fmt_date(tmp + 1, v); break;
    case CF_LT_TIME_MILLIS: len = cf_fmt_time_of_day(tmp + 1, v, CF_UNIT_MILLIS); break;
    case CF_LT_TIME_MICROS: len = cf_fmt_time_of_day(tmp + 1, v, CF_UNIT_MICROS); break;
    case CF_LT_TIMESTAMP_MILLIS: len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_MILLIS, true); break;
    case CF_LT_TIMESTAMP_MICROS: len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_MICROS, true); break;
    case CF_LT_LOCAL_TIMESTAMP_MILLIS:
        len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_MILLIS, false);
        break;
    case CF_LT_LOCAL_TIMESTAMP_MICROS:
        len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_MICROS, false);
        break;
    case CF_LT_TIMESTAMP_NANOS: len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_NANOS, true); break;
    case CF_LT_LOCAL_TIMESTAMP_NANOS:
        len = cf_fmt_timestamp(tmp + 1, v, CF_UNIT_NANOS, false);
        break;
    default:
        return emit_json_i64(e, v);
    }
    if (CF_UNLIKELY(len == 0)) {
        /* A time-millis/-micros outside [0, 24 h) is not a time of day: its
         * number, rather than a pseudo-time such as "-00:00:00.001". */
        return emit_json_i64(e, v);
    }
    tmp[len + 1] = '"';
    return emit_json_put(e, tmp, len + 2);
}

static int emit_json_real(cf_json_emitter *e, double v, bool is_float)
{
    if (CF_UNLIKELY(v != v || v - v != 0)) { /* NaN or infinity: not JSON numbers */
        if (e->opt->nonfinite == CF_NONFINITE_NULL) {
            return emit_json_put(e, "null", 4);
        }
        if (v != v) {
            return emit_json_put(e, "\"NaN\"", 5);
        }
        return v > 0 ? emit_json_put(e, "\"Infinity\"", 10) : emit_json_put(e, "\"-Infinity\"", 11);
    }
    cf_buf *out = e->out;
    if (CF_LIKELY(out->cap - out->len >= CF_FMT_DOUBLE_MAX)) {
        char *d = out->data + out->len;
        out->len += is_float ? cf_fmt_float(d, (float)v) : cf_fmt_double(d, v);
        return CFAVRO_OK;
    }
    char tmp[CF_FMT_DOUBLE_MAX];
    size_t len = is_float ? cf_fmt_float(tmp, (float)v) : cf_fmt_double(tmp, v);
    return emit_json_put(e, tmp, len);
}

/* ---- bytes and fixed ----------------------------------------------------- */

/* Bytes and fixed contents: decimals as exact numbers, durations as objects,
 * anything else per json.bytes. */
static int emit_json_binary(cf_json_emitter *e, const cf_node *n, const uint8_t *s, size_t len)
{
    const cf_json_options *opt = e->opt;
    if (opt->logical && n->logical == CF_LT_DECIMAL) {
        int rc = cf_json_decimal(e->out, s, len, n->scale, opt->decimal_quoted);
        /* A decimal too long to convert is written as its bytes instead. */
        if (rc != CF_JSON_DECIMAL_TOO_LONG) {
            return emit_json_check(e, rc);
        }
    }
    if (opt->logical && n->logical == CF_LT_UUID && len == 16) {
        /* uuid on fixed(16): the canonical 8-4-4-4-12 text. */
        const char *hex = cf_hex_digits;
        char tmp[38];
        size_t k = 0;
        tmp[k++] = '"';
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                tmp[k++] = '-';
            }
            tmp[k++] = hex[s[i] >> 4];
            tmp[k++] = hex[s[i] & 15];
        }
        tmp[k++] = '"';
        return emit_json_put(e, tmp, k);
    }
    if (opt->logical && n->logical == CF_LT_DURATION && len == 12) {
        char tmp[3 * CF_FMT_INT_MAX + 40];
        size_t k = 0;
        memcpy(tmp + k, "{\"months\":", 10);
        k += 10;
        k += cf_fmt_u64(tmp + k, cf_load_le32(s));
        memcpy(tmp + k, ",\"days\":", 8);
        k += 8;
        k += cf_fmt_u64(tmp + k, cf_load_le32(s + 4));
        memcpy(tmp + k, ",\"millis\":", 10);
        k += 10;
        k += cf_fmt_u64(tmp + k, cf_load_le32(s + 8));
        tmp[k++] = '}';
        return emit_json_put(e, tmp, k);
    }
    return emit_json_check(e, cf_json_bytes(e->out, s, len, (cf_bytes_mode)opt->bytes_mode));
}

/* ---- the hooks ----------------------------------------------------------- */

static CF_ALWAYS_INLINE int cf_json_emit_null(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_put(e, "null", 4);
}

static CF_ALWAYS_INLINE int cf_json_emit_boolean(cf_json_emitter *e, const cf_node *n, bool v)
{
    return v ? emit_json_put(e, "true", 4) : emit_json_put(e, "false", 5);
}

static CF_ALWAYS_INLINE int cf_json_emit_int(cf_json_emitter *e, const cf_node *n, int32_t v)
{
    return emit_json_integer(e, n, v);
}

static CF_ALWAYS_INLINE int cf_json_emit_long(cf_json_emitter *e, const cf_node *n, int64_t v)
{
    return emit_json_integer(e, n, v);
}

static CF_ALWAYS_INLINE int cf_json_emit_float(cf_json_emitter *e, const cf_node *n, float v)
{
    return emit_json_real(e, v, true);
}

static CF_ALWAYS_INLINE int cf_json_emit_double(cf_json_emitter *e, const cf_node *n, double v)
{
    return emit_json_real(e, v, false);
}

/* Escaping and the UTF-8 check in one pass; an invalid byte goes back to
 * the walker unrecorded (see CF_EMIT_CHECKS_UTF8). */
static CF_ALWAYS_INLINE int cf_json_emit_string(cf_json_emitter *e, const cf_node *n,
                                                const uint8_t *s, size_t len, size_t *bad_at)
{
    int rc = cf_json_string(e->out, s, len, (cf_utf8_mode)e->core.limits->utf8, bad_at);
    if (CF_LIKELY(rc == CFAVRO_OK)) {
        return CFAVRO_OK;
    }
    return rc == CFAVRO_E_DATA_UTF8 ? rc : emit_json_fail(e, rc);
}

static CF_ALWAYS_INLINE int cf_json_emit_bytes(cf_json_emitter *e, const cf_node *n,
                                               const uint8_t *s, size_t len)
{
    return emit_json_binary(e, n, s, len);
}

static CF_ALWAYS_INLINE int cf_json_emit_fixed(cf_json_emitter *e, const cf_node *n,
                                               const uint8_t *s, size_t len)
{
    return emit_json_binary(e, n, s, len);
}

/* Symbols are stored quoted and escaped. */
static CF_ALWAYS_INLINE int cf_json_emit_enum(cf_json_emitter *e, const cf_node *n,
                                              uint32_t index)
{
    return emit_json_put(e, n->symbols[index].ptr, n->symbols[index].len);
}

/* Each field's key carries the punctuation before it ({"a": or ,"b":), so
 * a record with fields opens with its first key. */
static CF_ALWAYS_INLINE int cf_json_emit_record_begin(cf_json_emitter *e, const cf_node *n)
{
    return CF_UNLIKELY(n->count == 0) ? emit_json_putc(e, '{') : CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_json_emit_field(cf_json_emitter *e, const cf_node *n, uint32_t i)
{
    return emit_json_put(e, n->fields[i].json_key.ptr, n->fields[i].json_key.len);
}

static CF_ALWAYS_INLINE int cf_json_emit_record_end(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_putc(e, '}');
}

static CF_ALWAYS_INLINE int cf_json_emit_array_begin(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_putc(e, '[');
}

static CF_ALWAYS_INLINE int cf_json_emit_map_begin(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_putc(e, '{');
}

static CF_ALWAYS_INLINE int cf_json_emit_item(cf_json_emitter *e, const cf_node *n,
                                              uint64_t index)
{
    return index > 0 ? emit_json_putc(e, ',') : CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_json_emit_map_key(cf_json_emitter *e, const cf_node *n,
                                                 const uint8_t *s, size_t len, size_t *bad_at)
{
    int rc = cf_json_emit_string(e, n, s, len, bad_at);
    return CF_LIKELY(rc == CFAVRO_OK) ? emit_json_putc(e, ':') : rc;
}

static CF_ALWAYS_INLINE int cf_json_emit_array_end(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_putc(e, ']');
}

static CF_ALWAYS_INLINE int cf_json_emit_map_end(cf_json_emitter *e, const cf_node *n)
{
    return emit_json_putc(e, '}');
}

/* Avro's JSON encoding wraps a non-null branch as {"type name": value};
 * json.union=plain writes the value alone. */
static CF_ALWAYS_INLINE bool emit_json_branch_wrapped(const cf_json_emitter *e, const cf_node *n,
                                                 uint32_t b)
{
    return e->opt->union_style == CF_UNION_AVRO &&
           e->core.nodes[n->branches[b].type].kind != CF_NULL;
}

static CF_ALWAYS_INLINE int cf_json_emit_branch_begin(cf_json_emitter *e, const cf_node *n,
                                                      uint32_t b)
{
    const cf_str *open = &n->branches[b].json_open;
    return emit_json_branch_wrapped(e, n, b) ? emit_json_put(e, open->ptr, open->len) : CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_json_emit_branch_end(cf_json_emitter *e, const cf_node *n,
                                                    uint32_t b)
{
    return emit_json_branch_wrapped(e, n, b) ? emit_json_putc(e, '}') : CFAVRO_OK;
}

static CF_ALWAYS_INLINE void cf_json_emit_mark(cf_json_emitter *e)
{
    e->mark = e->out->len;
}

static CF_ALWAYS_INLINE void cf_json_emit_rollback(cf_json_emitter *e)
{
    e->out->len = e->mark;
}

#endif
