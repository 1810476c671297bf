/* Random Avro binary values generated from cfavro's compiled program
 * (independently of every decoder), and the comparison of avro-c's JSON
 * (avro_value_to_json) with cfavro's Avro JSON: shared by the avro-c
 * bridge test and the cross-check with avro-c's resolver. */
#include "test_avro_values.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* ---- random numbers (splitmix64, fixed seed) ------------------------------ */

static uint64_t g_seed = 0x243f6a8885a308d3u;

uint64_t tv_next_random(void)
{
    uint64_t z = (g_seed += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t tv_below(uint64_t n)
{
    return tv_next_random() % n;
}

/* ---- random messages from the compiled program ---------------------------- */

/* Text of n code points, valid UTF-8 without U+0000 (avro-c's JSON writer
 * stops at a NUL): ASCII with quotes and controls, 2-, 3- and 4-byte. */
static void gen_text(bb *b, size_t n)
{
    uint8_t buf[4 * 24];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = 1 + (uint32_t)tv_below(0x7f);
        if (tv_below(4) == 0) {
            cp = tv_below(2) ? 0x80 + (uint32_t)tv_below(0x700) : 0x10000 + (uint32_t)tv_below(0xfffff);
        } else if (tv_below(8) == 0) {
            cp = 0xe000 + (uint32_t)tv_below(0x1000);
        }
        if (cp < 0x80) {
            buf[k++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            buf[k++] = (uint8_t)(0xc0 | cp >> 6);
            buf[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            buf[k++] = (uint8_t)(0xe0 | cp >> 12);
            buf[k++] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            buf[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else {
            buf[k++] = (uint8_t)(0xf0 | cp >> 18);
            buf[k++] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
            buf[k++] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            buf[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        }
    }
    bb_long(b, (int64_t)k);
    bb_raw(b, buf, k);
}

static int64_t gen_integer(int bits)
{
    switch (tv_below(4)) {
    case 0: return (int64_t)tv_below(200) - 100;
    case 1: return bits == 32 ? (tv_below(2) ? INT32_MIN : INT32_MAX) : (tv_below(2) ? INT64_MIN : INT64_MAX);
    default: {
        uint64_t u = tv_next_random() >> tv_below(bits);
        return bits == 32 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
    }
    }
}

/* Array and map items in one or two blocks (the second with its byte size,
 * as writers that buffer blocks write them). */
static void gen_blocks(bb *b, const cf_schema *s, const cf_node *n, int depth)
{
    uint64_t count = depth > 3 ? 0 : tv_below(4);
    uint64_t key = 0;
    for (int block = 0; block < 2 && count > 0; block++) {
        bool sized = block == 1;
        bb items = {0};
        for (uint64_t i = 0; i < count; i++) {
            if (n->kind == CF_MAP) {
                char k[16];
                snprintf(k, sizeof k, "k%llu", (unsigned long long)key++);
                bb_str(&items, k);
            }
            tv_gen_value(&items, s, n->child, depth + 1);
        }
        bb_long(b, sized ? -(int64_t)count : (int64_t)count);
        if (sized) {
            bb_long(b, (int64_t)items.n);
        }
        bb_raw(b, items.d, items.n);
        bb_free(&items);
        count = tv_below(3);
    }
    bb_long(b, 0);
}

void tv_gen_value(bb *b, const cf_schema *s, uint32_t index, int depth)
{
    const cf_node *n = &s->nodes[index];
    switch ((cf_kind)n->kind) {
    case CF_NULL: break;
    case CF_BOOLEAN: bb_byte(b, (uint8_t)tv_below(2)); break;
    case CF_INT: bb_long(b, gen_integer(32)); break;
    case CF_LONG: bb_long(b, gen_integer(64)); break;
    case CF_FLOAT: bb_float(b, (float)gen_integer(32) / 64.0f); break;
    case CF_DOUBLE: bb_double(b, tv_below(2) ? (double)gen_integer(64) / 3.0 : 1.0 / (1 + (double)tv_below(999))); break;
    case CF_STRING: gen_text(b, tv_below(12)); break;
    case CF_RESOLVED: fail_msg("writer schemas have no resolved nodes"); break;
    case CF_BYTES:
    case CF_FIXED: {
        size_t len = n->kind == CF_FIXED ? n->count : tv_below(20);
        if (n->kind == CF_BYTES) {
            bb_long(b, (int64_t)len);
        }
        for (size_t i = 0; i < len; i++) {
            bb_byte(b, (uint8_t)tv_next_random());
        }
        break;
    }
    case CF_ENUM: bb_long(b, (int64_t)tv_below(n->count)); break;
    case CF_RECORD:
        for (uint32_t i = 0; i < n->count; i++) {
            tv_gen_value(b, s, n->fields[i].type, depth + 1);
        }
        break;
    case CF_ARRAY:
    case CF_MAP: gen_blocks(b, s, n, depth); break;
    case CF_UNION: {
        /* Deep down, the null branch (if any) ends recursive types. */
        uint32_t pick = (uint32_t)tv_below(n->count);
        for (uint32_t i = 0; depth > 4 && i < n->count; i++) {
            if (s->nodes[n->branches[i].type].kind == CF_NULL) {
                pick = i;
            }
        }
        bb_long(b, pick);
        tv_gen_value(b, s, n->branches[pick].type, depth + 1);
        break;
    }
    }
}

/* ---- comparing avro-c's JSON with cfavro's --------------------------------- */

static const char *short_name(const char *full)
{
    const char *dot = strrchr(full, '.');
    return dot != NULL ? dot + 1 : full;
}

/* a: avro_value_to_json's, c: cfavro's. avro-c names a union's named branch
 * by its short name (cfavro, as the spec says, by its full name), writes a
 * float widened to double and cuts bytes at a zero byte (its text is a C
 * string); everything else must be identical. */
bool tv_same_json(json_t *a, json_t *c)
{
    if (json_is_string(a) && json_is_string(c)) {
        size_t n = json_string_length(a);
        return n <= json_string_length(c) &&
               memcmp(json_string_value(a), json_string_value(c), n) == 0 &&
               (n == json_string_length(c) || json_string_value(c)[n] == '\0');
    }
    if (json_is_real(a) && json_is_real(c)) {
        double x = json_real_value(a), y = json_real_value(c);
        return x == y || (float)x == (float)y;
    }
    if (json_is_object(a) && json_is_object(c) && json_object_size(a) == 1 &&
        json_object_size(c) == 1) {
        const char *ka = json_object_iter_key(json_object_iter(a));
        const char *kc = json_object_iter_key(json_object_iter(c));
        if (strcmp(ka, kc) != 0 && strcmp(ka, short_name(kc)) == 0) {
            return tv_same_json(json_object_iter_value(json_object_iter(a)),
                                json_object_iter_value(json_object_iter(c)));
        }
    }
    if (json_is_object(a) && json_is_object(c)) {
        if (json_object_size(a) != json_object_size(c)) {
            return false;
        }
        const char *key;
        json_t *va;
        json_object_foreach(a, key, va) {
            json_t *vc = json_object_get(c, key);
            if (vc == NULL || !tv_same_json(va, vc)) {
                return false;
            }
        }
        return true;
    }
    if (json_is_array(a) && json_is_array(c)) {
        if (json_array_size(a) != json_array_size(c)) {
            return false;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!tv_same_json(json_array_get(a, i), json_array_get(c, i))) {
                return false;
            }
        }
        return true;
    }
    return json_equal(a, c);
}

json_t *tv_parse_json(const char *text, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (doc == NULL) {
        fail_msg("unparseable JSON (%s): %.*s", jerr.text, (int)len, text);
    }
    return doc;
}
