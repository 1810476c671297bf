/*
 * Reader field defaults: the JSON a schema gives as a field's "default",
 * encoded once, when a (writer, reader) pair is resolved, into Avro binary
 * of the field's type. The walker then reads those bytes exactly as it reads
 * a payload, so every emitter renders a default the way it renders the same
 * value sent by a writer, with no default-specific code in any of them.
 *
 * The JSON form of each type is the specification's table for defaults:
 * null, true/false, integers for int and long, any number for float and
 * double, strings for string (any text, U+0000 included), bytes and fixed as
 * strings whose code points 0-255 are the bytes, an enum's symbol, arrays,
 * objects for maps (keys any text) and records (a missing field takes its
 * own default), and a union's default as its first branch. U+0000 in a map
 * key reaches here as \u0000 in the default's text; jansson holds it as a
 * stand-in (schema_nul_keys_internal.h), turned back into a zero byte as
 * the key is encoded.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "error_internal.h"
#include "schema_json_internal.h"
#include "schema_nul_keys_internal.h"
#include "schema_resolve_internal.h"

typedef struct cf_dflt {
    const cf_schema *schema;
    uint8_t *buf;
    size_t len;
    size_t cap;
    size_t *budget;
    uint32_t max_depth;
    cfavro_error *err;
    uint32_t nul_stand_in; /* of the JSON being encoded, or 0 */
} cf_dflt;

static int over_budget(cf_dflt *d)
{
    return cf_error_set(d->err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                        "reader defaults take more than limit.schema.bytes to encode");
}

static int put(cf_dflt *d, const void *p, size_t n)
{
    if (n > *d->budget) {
        return over_budget(d);
    }
    *d->budget -= n;
    if (n > d->cap - d->len) {
        size_t cap = d->cap < 64 ? 64 : d->cap;
        while (cap - d->len < n) {
            cap *= 2; /* n and len are within the budget: no overflow */
        }
        uint8_t *b = cf_realloc(d->buf, cap);
        if (b == NULL) {
            return cf_error_set(d->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                                "out of memory encoding a reader default");
        }
        d->buf = b;
        d->cap = cap;
    }
    if (n > 0) {
        memcpy(d->buf + d->len, p, n);
    }
    d->len += n;
    return CFAVRO_OK;
}

/* Avro long/int: zig-zag varint. */
static int put_long(cf_dflt *d, int64_t v)
{
    uint8_t tmp[10];
    size_t k = 0;
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        tmp[k++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    tmp[k++] = (uint8_t)u;
    return put(d, tmp, k);
}

static int put_le(cf_dflt *d, uint64_t bits, size_t width)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < width; i++) {
        tmp[i] = (uint8_t)(bits >> (8 * i));
    }
    return put(d, tmp, width);
}

/* A map key: length, then its text, with U+0000 where the JSON had it. */
static int put_key(cf_dflt *d, const char *key, size_t klen)
{
    if (d->nul_stand_in == 0) {
        int rc = put_long(d, (int64_t)klen);
        return rc != CFAVRO_OK ? rc : put(d, key, klen);
    }
    static const char zero[1] = {0};
    size_t n = cf_nul_stand_in_replace(key, klen, d->nul_stand_in, zero, 1, NULL);
    char *text = cf_malloc(n > 0 ? n : 1);
    if (text == NULL) {
        return cf_error_set(d->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory encoding a reader default");
    }
    cf_nul_stand_in_replace(key, klen, d->nul_stand_in, zero, 1, text);
    int rc = put_long(d, (int64_t)n);
    if (rc == CFAVRO_OK) {
        rc = put(d, text, n);
    }
    cf_free(text);
    return rc;
}

/* A default's JSON text (a field's default_json), parsed; U+0000 in keys
 * held as *nul_stand_in. NULL only when out of memory: the text is
 * jansson's own rendering of a value it parsed. */
static json_t *load_default(const char *json, size_t len, uint32_t *nul_stand_in)
{
    json_error_t jerr;
    return cf_json_load_nul_keys(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr,
                                 nul_stand_in);
}

static int mismatch(cf_dflt *d, const json_t *v, const cf_node *n, const char *why)
{
    return cf_error_set(d->err, CFAVRO_E_SCHEMA_INVALID, CFAVRO_NO_OFFSET,
                        "default %s is not a valid %s%s", cf_json_kind(v), n->name.ptr, why);
}

/* bytes/fixed: a string whose code points (each <= U+00FF) are the bytes.
 * jansson hands over valid UTF-8, so a code point is one or two bytes here
 * (anything longer is above U+00FF). Writes the bytes (with the length
 * prefix for bytes) and checks a fixed's size. */
static int put_octets(cf_dflt *d, const json_t *v, const cf_node *n)
{
    const uint8_t *s = (const uint8_t *)json_string_value(v);
    size_t len = json_string_length(v);
    size_t count = 0;
    for (size_t i = 0; i < len; i++) {
        count += (s[i] & 0xC0) != 0x80; /* lead bytes */
        if (s[i] > 0xC3) {
            return mismatch(d, v, n, " (a code point above U+00FF)");
        }
    }
    if (n->kind == CF_FIXED && count != n->count) {
        char why[64];
        snprintf(why, sizeof why, " (%zu bytes for a fixed of %u)", count, n->count);
        return mismatch(d, v, n, why);
    }
    if (n->kind == CF_BYTES) {
        int rc = put_long(d, (int64_t)count);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t b = s[i];
        if (b >= 0xC0) { /* 110000xx 10xxxxxx */
            b = (uint8_t)(((b & 0x03) << 6) | (s[++i] & 0x3F));
        }
        int rc = put(d, &b, 1);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    return CFAVRO_OK;
}

static int encode(cf_dflt *d, uint32_t type, const json_t *v, uint32_t depth);

/* A record's default: each field from the object, or its own default. */
static int encode_record(cf_dflt *d, const cf_node *n, uint32_t type, const json_t *v,
                         uint32_t depth)
{
    if (!json_is_object(v)) {
        return mismatch(d, v, n, "");
    }
    const cf_field_meta *fm = d->schema->meta != NULL ? d->schema->meta[type].fields : NULL;
    for (uint32_t i = 0; i < n->count; i++) {
        const cf_field *f = &n->fields[i];
        const json_t *fv = json_object_getn(v, f->name.ptr, f->name.len);
        int rc;
        if (fv != NULL) {
            rc = encode(d, f->type, fv, depth + 1);
        } else if (fm != NULL && fm[i].default_json.ptr != NULL) {
            uint32_t outer = d->nul_stand_in;
            json_t *own = load_default(fm[i].default_json.ptr, fm[i].default_json.len,
                                       &d->nul_stand_in);
            if (own == NULL) {
                return cf_error_set(d->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                                    "out of memory reading a reader default");
            }
            rc = encode(d, f->type, own, depth + 1);
            json_decref(own);
            d->nul_stand_in = outer;
        } else {
            return cf_error_set(d->err, CFAVRO_E_SCHEMA_INVALID, CFAVRO_NO_OFFSET,
                                "default of record %s has no field \"%s\" and the field has "
                                "no default",
                                n->name.ptr, f->name.ptr);
        }
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    return CFAVRO_OK;
}

static int encode(cf_dflt *d, uint32_t type, const json_t *v, uint32_t depth)
{
    const cf_node *n = &d->schema->nodes[type];
    if (depth > d->max_depth) {
        return cf_error_set(d->err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "a reader default nests deeper than limit.schema.depth (%u)",
                            d->max_depth);
    }
    if (*d->budget == 0) {
        return over_budget(d);
    }
    (*d->budget)--; /* every value costs, even one that takes no bytes */
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        return json_is_null(v) ? CFAVRO_OK : mismatch(d, v, n, "");
    case CF_BOOLEAN: {
        if (!json_is_boolean(v)) {
            return mismatch(d, v, n, "");
        }
        uint8_t b = json_is_true(v) ? 1 : 0;
        return put(d, &b, 1);
    }
    case CF_INT:
        if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
            json_integer_value(v) > INT32_MAX) {
            return mismatch(d, v, n, json_is_integer(v) ? " (outside 32 bits)" : "");
        }
        return put_long(d, (int64_t)json_integer_value(v));
    case CF_LONG:
        if (!json_is_integer(v)) {
            return mismatch(d, v, n, "");
        }
        return put_long(d, (int64_t)json_integer_value(v));
    case CF_FLOAT: {
        if (!json_is_number(v)) {
            return mismatch(d, v, n, "");
        }
        float f = (float)json_number_value(v);
        uint32_t bits;
        memcpy(&bits, &f, 4);
        return put_le(d, bits, 4);
    }
    case CF_DOUBLE:
        if (!json_is_number(v)) {
            return mismatch(d, v, n, "");
        }
        return put_le(d, cf_bits_from_double(json_number_value(v)), 8);
    case CF_STRING: {
        if (!json_is_string(v)) {
            return mismatch(d, v, n, "");
        }
        size_t len = json_string_length(v);
        int rc = put_long(d, (int64_t)len);
        return rc != CFAVRO_OK ? rc : put(d, json_string_value(v), len);
    }
    case CF_BYTES:
    case CF_FIXED:
        return json_is_string(v) ? put_octets(d, v, n) : mismatch(d, v, n, "");
    case CF_ENUM:
        if (json_is_string(v)) {
            for (uint32_t i = 0; i < n->count; i++) {
                if (n->symbol_names[i].len == json_string_length(v) &&
                    memcmp(n->symbol_names[i].ptr, json_string_value(v), n->symbol_names[i].len) ==
                        0) {
                    return put_long(d, i);
                }
            }
            return mismatch(d, v, n, " (not one of its symbols)");
        }
        return mismatch(d, v, n, "");
    case CF_ARRAY: {
        if (!json_is_array(v)) {
            return mismatch(d, v, n, "");
        }
        size_t count = json_array_size(v);
        if (count > 0) {
            int rc = put_long(d, (int64_t)count);
            for (size_t i = 0; rc == CFAVRO_OK && i < count; i++) {
                rc = encode(d, n->child, json_array_get(v, i), depth + 1);
            }
            if (rc != CFAVRO_OK) {
                return rc;
            }
        }
        return put_long(d, 0);
    }
    case CF_MAP: {
        if (!json_is_object(v)) {
            return mismatch(d, v, n, "");
        }
        size_t count = json_object_size(v);
        if (count > 0) {
            int rc = put_long(d, (int64_t)count);
            const char *key;
            size_t klen; /* keys may hold U+0000 */
            const json_t *item;
            json_object_keylen_foreach((json_t *)v, key, klen, item) {
                if (rc == CFAVRO_OK) {
                    rc = put_key(d, key, klen);
                }
                if (rc == CFAVRO_OK) {
                    rc = encode(d, n->child, item, depth + 1);
                }
            }
            if (rc != CFAVRO_OK) {
                return rc;
            }
        }
        return put_long(d, 0);
    }
    case CF_RECORD:
        return encode_record(d, n, type, v, depth);
    case CF_UNION: {
        /* The specification: a union's default is of its first branch. */
        int rc = put_long(d, 0);
        return rc != CFAVRO_OK ? rc : encode(d, n->branches[0].type, v, depth + 1);
    }
    case CF_RESOLVED:
        break;
    }
    return cf_error_set(d->err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                        "internal: default for node kind %d", n->kind);
}

int cf_schema_encode_default(const cf_schema *schema, uint32_t type, const char *json,
                             size_t len, uint32_t max_depth, size_t *budget, uint8_t **buf,
                             size_t *len_io, size_t *cap_io, cfavro_error *err)
{
    cf_dflt d = {schema, *buf, *len_io, *cap_io, budget, max_depth, err, 0};
    json_t *v = load_default(json, len, &d.nul_stand_in);
    if (v == NULL) {
        /* The text is jansson's own rendering of a value it parsed. */
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory reading a reader default");
    }
    int rc = encode(&d, type, v, 0);
    json_decref(v);
    *buf = d.buf;
    *len_io = d.len;
    *cap_io = d.cap;
    return rc;
}
