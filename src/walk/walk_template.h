/*
 * The walker body, instantiated twice by walk.c: once with CF_WALK_EMIT 0
 * (validate only) and once with CF_WALK_EMIT 1 (JSON). Writing it once keeps
 * the two modes from drifting apart; instantiating it twice keeps the
 * validate path free of output branches. Not a normal header: no guard.
 *
 * Requires: CF_WALK_EMIT (0/1) and CF_WALK_NAME(x) (mangles names per mode).
 */

#if CF_WALK_EMIT
#define EMIT_TRY(expr)                                                                      \
    do {                                                                                    \
        int emit_rc_ = (expr);                                                              \
        if (CF_UNLIKELY(emit_rc_ != CFAVRO_OK)) {                                           \
            return cf_walk_fail(w, emit_rc_, w->p, "%s",                                    \
                                emit_rc_ == CFAVRO_E_NOMEM ? "out of memory writing JSON"   \
                                                           : "JSON output exceeds "         \
                                                             "limit.output.bytes");         \
        }                                                                                   \
    } while (0)
#define EMIT_C(c) EMIT_TRY(cf_buf_putc(w->out, (c)))
#define EMIT_S(ptr, n) EMIT_TRY(cf_buf_put(w->out, (ptr), (n)))
#else
#define EMIT_TRY(expr) ((void)0)
#define EMIT_C(c) ((void)0)
#define EMIT_S(ptr, n) ((void)0)
#endif

#define TRY(expr)                                                                           \
    do {                                                                                    \
        int try_rc_ = (expr);                                                               \
        if (CF_UNLIKELY(try_rc_ != CFAVRO_OK)) {                                            \
            return try_rc_;                                                                 \
        }                                                                                   \
    } while (0)

int CF_WALK_NAME(cf_walk_value)(cf_walk *w, uint32_t node);
static CF_NOINLINE int CF_WALK_NAME(nested)(cf_walk *w, const cf_node *n);
static CF_ALWAYS_INLINE int CF_WALK_NAME(value_body)(cf_walk *w, const cf_node *n);

/* A string or bytes value: length prefix, then that many bytes. On success
 * *data points at the bytes inside the payload. */
static inline int CF_WALK_NAME(read_span)(cf_walk *w, const char *what, const uint8_t **data,
                                          size_t *len)
{
    const uint8_t *at = w->p;
    int64_t n;
    TRY(cf_read_long(w, &n));
    if (CF_UNLIKELY(n < 0)) {
        return cf_walk_fail(w, CFAVRO_E_DATA_NEGATIVE_LENGTH, at, "%s length is negative (%lld)",
                            what, (long long)n);
    }
    if (CF_UNLIKELY((uint64_t)n > cf_remaining(w))) {
        return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, at,
                            "%s length %lld is beyond the end of the data (%zu bytes remain)",
                            what, (long long)n, cf_remaining(w));
    }
    *data = w->p;
    *len = (size_t)n;
    w->p += n;
    return CFAVRO_OK;
}

/* UTF-8 text of a string or map key: checked in both modes (unless invalid
 * text is to be replaced), written quoted in JSON mode. */
static inline int CF_WALK_NAME(text)(cf_walk *w, const uint8_t *s, size_t n)
{
    size_t bad = 0;
#if CF_WALK_EMIT
    int rc = cf_json_string(w->out, s, n, (cf_utf8_mode)w->opt->walk.utf8, &bad);
    if (CF_LIKELY(rc == CFAVRO_OK)) {
        return CFAVRO_OK;
    }
    if (rc != CFAVRO_E_DATA_UTF8) {
        EMIT_TRY(rc);
    }
#else
    if (w->opt->walk.utf8 != CF_UTF8_ERROR || CF_LIKELY(cf_utf8_valid(s, n, &bad))) {
        return CFAVRO_OK;
    }
#endif
    return cf_walk_fail(w, CFAVRO_E_DATA_UTF8, s + bad,
                        "invalid UTF-8 in string (byte 0x%02x at index %zu of %zu)", s[bad], bad,
                        n);
}

static int CF_WALK_NAME(record)(cf_walk *w, const cf_node *n)
{
    /* Fields whose type can take no input bytes (null, records of nulls)
     * cost work the input length does not bound: charge them to
     * limit.items, like zero-byte array items, so a tiny message against a
     * wide schema cannot demand unbounded work. */
    if (CF_UNLIKELY(n->zero_fields > 0)) {
        if (CF_UNLIKELY(w->zero_items_left < n->zero_fields)) {
            return cf_walk_fail(w, CFAVRO_E_LIMIT_ITEMS, w->p,
                                "more than limit.items (%llu) values that take no input bytes",
                                (unsigned long long)w->opt->walk.max_items);
        }
        w->zero_items_left -= n->zero_fields;
    }
#if CF_WALK_EMIT
    if (CF_UNLIKELY(n->count == 0)) {
        EMIT_S("{}", 2);
        return CFAVRO_OK;
    }
#endif
    for (uint32_t i = 0; i < n->count; i++) {
        const cf_field *f = &n->fields[i];
        const cf_node *type = &w->nodes[f->type];
        /* The key carries its punctuation ({"a": or ,"b":): one write. */
        EMIT_S(f->json_key.ptr, f->json_key.len);
        /* Fields are inlined here rather than called: most are primitives,
         * and a call per field would cost more than reading it. */
        int rc = CF_WALK_NAME(value_body)(w, type);
        if (CF_UNLIKELY(rc != CFAVRO_OK)) {
            cf_walk_push_seg(w, (cf_path_seg){CF_SEG_FIELD, f->name.len, f->name.ptr, 0});
            return rc;
        }
    }
    EMIT_C('}');
    return CFAVRO_OK;
}

/* Arrays and maps: a sequence of blocks, each a count (negative: followed by
 * the block's byte size), ended by a zero count. */
static int CF_WALK_NAME(blocks)(cf_walk *w, const cf_node *n, bool is_map)
{
    const cf_node *item = &w->nodes[n->child];
    /* A map item is at least a key length byte plus the value. */
    uint64_t item_min = (uint64_t)item->min_size + (is_map ? 1 : 0);
    uint64_t index = 0;
    EMIT_C(is_map ? '{' : '[');
    for (;;) {
        const uint8_t *at = w->p;
        int64_t count;
        TRY(cf_read_long(w, &count));
        if (count == 0) {
            break;
        }
        const uint8_t *block_end = NULL;
        if (count < 0) {
            if (CF_UNLIKELY(count == INT64_MIN)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, at,
                                    "block count -2^63 cannot be negated");
            }
            count = -count;
            const uint8_t *size_at = w->p;
            int64_t size;
            TRY(cf_read_long(w, &size));
            if (CF_UNLIKELY(size < 0)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, size_at,
                                    "block byte size is negative (%lld)", (long long)size);
            }
            if (CF_UNLIKELY((uint64_t)size > cf_remaining(w))) {
                return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, size_at,
                                    "block byte size %lld is beyond the end of the data "
                                    "(%zu bytes remain)",
                                    (long long)size, cf_remaining(w));
            }
            block_end = w->p + size;
        }
        const uint8_t *items_start = w->p;
        /* A count costs no input, so bound it before looping: by the bytes
         * that remain, or, for items that may take no bytes, by the limit. */
        if (item_min > 0) {
            if (CF_UNLIKELY((uint64_t)count > cf_remaining(w) / item_min)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, at,
                                    "block of %lld items needs at least %llu bytes but %zu "
                                    "remain",
                                    (long long)count,
                                    (unsigned long long)((uint64_t)count > UINT64_MAX / item_min
                                                             ? UINT64_MAX
                                                             : (uint64_t)count * item_min),
                                    cf_remaining(w));
            }
        } else {
            if (CF_UNLIKELY((uint64_t)count > w->zero_items_left)) {
                return cf_walk_fail(w, CFAVRO_E_LIMIT_ITEMS, at,
                                    "block of %lld items exceeds limit.items (%llu)",
                                    (long long)count, (unsigned long long)w->opt->walk.max_items);
            }
            w->zero_items_left -= (uint64_t)count;
        }
        for (int64_t i = 0; i < count; i++, index++) {
#if CF_WALK_EMIT
            if (index > 0) {
                EMIT_C(',');
            }
#endif
            cf_path_seg seg = {CF_SEG_INDEX, 0, NULL, index};
            if (is_map) {
                const uint8_t *key = NULL;
                size_t key_len = 0;
                int krc = CF_WALK_NAME(read_span)(w, "map key", &key, &key_len);
                if (krc == CFAVRO_OK) {
                    krc = CF_WALK_NAME(text)(w, key, key_len);
                }
                if (CF_UNLIKELY(krc != CFAVRO_OK)) {
                    cf_walk_push_seg(w, seg); /* a bad key: name the entry by position */
                    return krc;
                }
                EMIT_C(':');
                seg = (cf_path_seg){CF_SEG_KEY, (uint32_t)(key_len > UINT32_MAX ? UINT32_MAX
                                                                                 : key_len),
                                    (const char *)key, 0};
            }
            int rc = CF_WALK_NAME(value_body)(w, item);
            if (CF_UNLIKELY(rc != CFAVRO_OK)) {
                cf_walk_push_seg(w, seg);
                return rc;
            }
        }
        if (CF_UNLIKELY(block_end != NULL && w->p != block_end)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, at,
                                "block byte size says %lld bytes but its items took %lld",
                                (long long)(block_end - items_start),
                                (long long)(w->p - items_start));
        }
    }
    EMIT_C(is_map ? '}' : ']');
    return CFAVRO_OK;
}

/* Nesting is bounded where it can recurse: records, arrays and maps. Kept
 * out of line so the inlined value bodies stay small. */
static CF_NOINLINE int CF_WALK_NAME(nested)(cf_walk *w, const cf_node *n)
{
    if (CF_UNLIKELY(w->depth_left == 0)) {
        return cf_walk_fail(w, CFAVRO_E_LIMIT_DEPTH, w->p, "nesting deeper than limit.depth (%u)",
                            w->opt->walk.max_depth);
    }
    w->depth_left--;
    int rc = n->kind == CF_RECORD ? CF_WALK_NAME(record)(w, n)
                                  : CF_WALK_NAME(blocks)(w, n, n->kind == CF_MAP);
    w->depth_left++;
    return rc;
}

#if CF_WALK_EMIT
/* Numbers are formatted straight into the buffer when it has room for the
 * longest; otherwise into a scratch copy, so output that fits exactly under
 * limit.output.bytes is never refused for a pessimistic reservation. */
static inline int CF_WALK_NAME(emit_i64)(cf_walk *w, int64_t v)
{
    if (CF_LIKELY(w->out->cap - w->out->len >= CF_FMT_INT_MAX)) {
        w->out->len += cf_fmt_i64(w->out->data + w->out->len, v);
        return CFAVRO_OK;
    }
    char tmp[CF_FMT_INT_MAX];
    size_t len = cf_fmt_i64(tmp, v);
    EMIT_S(tmp, len);
    return CFAVRO_OK;
}

/* Integers that carry a logical type: dates and times as ISO-8601 strings
 * unless the caller asked for epoch numbers. */
static int CF_WALK_NAME(emit_integer)(cf_walk *w, const cf_node *n, int64_t v)
{
    char tmp[CF_FMT_TIME_MAX + 2];
    size_t len;
    if (n->logical == CF_LT_NONE || !w->opt->json.logical || w->opt->json.time_style == CF_TIME_EPOCH) {
        return CF_WALK_NAME(emit_i64)(w, v);
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
    default:
        return CF_WALK_NAME(emit_i64)(w, v);
    }
    tmp[len + 1] = '"';
    EMIT_S(tmp, len + 2);
    return CFAVRO_OK;
}

static int CF_WALK_NAME(emit_real)(cf_walk *w, double v, bool is_float)
{
    if (CF_UNLIKELY(v != v || v - v != 0)) { /* NaN or infinity: not JSON numbers */
        if (w->opt->json.nonfinite == CF_NONFINITE_NULL) {
            EMIT_S("null", 4);
        } else if (v != v) {
            EMIT_S("\"NaN\"", 5);
        } else if (v > 0) {
            EMIT_S("\"Infinity\"", 10);
        } else {
            EMIT_S("\"-Infinity\"", 11);
        }
        return CFAVRO_OK;
    }
    if (CF_LIKELY(w->out->cap - w->out->len >= CF_FMT_DOUBLE_MAX)) {
        char *d = w->out->data + w->out->len;
        w->out->len += is_float ? cf_fmt_float(d, (float)v) : cf_fmt_double(d, v);
        return CFAVRO_OK;
    }
    char tmp[CF_FMT_DOUBLE_MAX];
    size_t len = is_float ? cf_fmt_float(tmp, (float)v) : cf_fmt_double(tmp, v);
    EMIT_S(tmp, len);
    return CFAVRO_OK;
}

/* Bytes and fixed contents: decimals as exact numbers, durations as objects,
 * anything else per json.bytes. */
static int CF_WALK_NAME(emit_binary)(cf_walk *w, const cf_node *n, const uint8_t *s, size_t len)
{
    if (w->opt->json.logical && n->logical == CF_LT_DECIMAL) {
        int rc = cf_json_decimal(w->out, s, len, n->scale, w->opt->json.decimal_quoted);
        /* A decimal too long to convert is written as its bytes instead. */
        if (rc != CF_JSON_DECIMAL_TOO_LONG) {
            EMIT_TRY(rc);
            return CFAVRO_OK;
        }
    }
    if (w->opt->json.logical && n->logical == CF_LT_UUID && len == 16) {
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
        EMIT_S(tmp, k);
        return CFAVRO_OK;
    }
    if (w->opt->json.logical && n->logical == CF_LT_DURATION && len == 12) {
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
        EMIT_S(tmp, k);
        return CFAVRO_OK;
    }
    EMIT_TRY(cf_json_bytes(w->out, s, len, (cf_bytes_mode)w->opt->json.bytes_mode));
    return CFAVRO_OK;
}
#endif

int CF_WALK_NAME(cf_walk_value)(cf_walk *w, uint32_t node)
{
    return CF_WALK_NAME(value_body)(w, &w->nodes[node]);
}

static CF_ALWAYS_INLINE int CF_WALK_NAME(value_body)(cf_walk *w, const cf_node *n)
{
    const uint8_t *at = w->p;
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        EMIT_S("null", 4);
        return CFAVRO_OK;
    case CF_BOOLEAN:
        if (CF_UNLIKELY(w->p >= w->end)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at, "data ends inside a boolean");
        }
        if (CF_UNLIKELY(*w->p > 1)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_BOOLEAN, at,
                                "boolean byte is 0x%02x (must be 0 or 1)", *w->p);
        }
#if CF_WALK_EMIT
        if (*w->p) {
            EMIT_S("true", 4);
        } else {
            EMIT_S("false", 5);
        }
#endif
        w->p++;
        return CFAVRO_OK;
    case CF_INT: {
        int32_t v;
        TRY(cf_read_int(w, &v));
#if CF_WALK_EMIT
        return CF_WALK_NAME(emit_integer)(w, n, v);
#else
        return CFAVRO_OK;
#endif
    }
    case CF_LONG: {
        int64_t v;
        TRY(cf_read_long(w, &v));
#if CF_WALK_EMIT
        return CF_WALK_NAME(emit_integer)(w, n, v);
#else
        return CFAVRO_OK;
#endif
    }
    case CF_FLOAT:
        if (CF_UNLIKELY(cf_remaining(w) < 4)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside a float (%zu of 4 bytes)", cf_remaining(w));
        }
#if CF_WALK_EMIT
        TRY(CF_WALK_NAME(emit_real)(w, cf_float_from_bits(cf_load_le32(w->p)), true));
#endif
        w->p += 4;
        return CFAVRO_OK;
    case CF_DOUBLE:
        if (CF_UNLIKELY(cf_remaining(w) < 8)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside a double (%zu of 8 bytes)", cf_remaining(w));
        }
#if CF_WALK_EMIT
        TRY(CF_WALK_NAME(emit_real)(w, cf_double_from_bits(cf_load_le64(w->p)), false));
#endif
        w->p += 8;
        return CFAVRO_OK;
    case CF_STRING: {
        const uint8_t *s = NULL;
        size_t len = 0;
        TRY(CF_WALK_NAME(read_span)(w, "string", &s, &len));
        return CF_WALK_NAME(text)(w, s, len);
    }
    case CF_BYTES: {
        const uint8_t *s = NULL;
        size_t len = 0;
        TRY(CF_WALK_NAME(read_span)(w, "bytes", &s, &len));
#if CF_WALK_EMIT
        return CF_WALK_NAME(emit_binary)(w, n, s, len);
#else
        return CFAVRO_OK;
#endif
    }
    case CF_FIXED:
        if (CF_UNLIKELY(cf_remaining(w) < n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside fixed %s (%zu of %u bytes)", n->name.ptr,
                                cf_remaining(w), n->count);
        }
        w->p += n->count;
#if CF_WALK_EMIT
        return CF_WALK_NAME(emit_binary)(w, n, at, n->count);
#else
        return CFAVRO_OK;
#endif
    case CF_ENUM: {
        int32_t i;
        TRY(cf_read_int(w, &i));
        if (CF_UNLIKELY(i < 0 || (uint32_t)i >= n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_ENUM_INDEX, at,
                                "enum %s index %d out of range (%u symbols)", n->name.ptr, (int)i,
                                n->count);
        }
        EMIT_S(n->symbols[i].ptr, n->symbols[i].len);
        return CFAVRO_OK;
    }
    case CF_UNION: {
        int32_t b; /* the spec encodes the branch index as an int */
        TRY(cf_read_int(w, &b));
        if (CF_UNLIKELY(b < 0 || (uint32_t)b >= n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_UNION_INDEX, at,
                                "union branch index %d out of range (%u branches)", (int)b,
                                n->count);
        }
        const cf_branch *br = &n->branches[b];
#if CF_WALK_EMIT
        if (w->opt->json.union_style == CF_UNION_AVRO && w->nodes[br->type].kind != CF_NULL) {
            EMIT_S(br->json_open.ptr, br->json_open.len);
            TRY(CF_WALK_NAME(cf_walk_value)(w, br->type));
            EMIT_C('}');
            return CFAVRO_OK;
        }
#endif
        return CF_WALK_NAME(cf_walk_value)(w, br->type);
    }
    case CF_RECORD:
    case CF_ARRAY:
    case CF_MAP:
        return CF_WALK_NAME(nested)(w, n);
    }
    return cf_walk_fail(w, CFAVRO_E_INTERNAL, at, "internal: unknown node kind %d", n->kind);
}

/* A top-level bytes schema: Confluent's serializers write the raw bytes
 * with no Avro length prefix, so the value is the whole payload. */
int CF_WALK_NAME(cf_walk_raw_bytes)(cf_walk *w, uint32_t node)
{
    const uint8_t *s = w->p;
    size_t len = cf_remaining(w);
    w->p = w->end;
#if CF_WALK_EMIT
    return CF_WALK_NAME(emit_binary)(w, &w->nodes[node], s, len);
#else
    (void)s;
    (void)len;
    (void)node;
    return CFAVRO_OK;
#endif
}

#undef EMIT_TRY
#undef EMIT_C
#undef EMIT_S
#undef TRY
