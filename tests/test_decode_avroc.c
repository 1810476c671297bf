/* Cross-check with avro-c's own writer: random values of a schema that uses
 * every Avro type (tests/data/decode_every_type.avsc) are built as avro-c
 * generic values, written with avro_value_write, framed, decoded by cfavro
 * to JSON, parsed with jansson and compared with the avro-c value field by
 * field. Fixed seed, so failures reproduce. Logical types are compared raw
 * (json.logical=false): their rendering has its own exact-text tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <cmocka.h>
#include <jansson.h>

#include "cfavro.h"
#include "test_support.h"

#define ID 31
#define RECORDS 300

/* ---- random numbers (xorshift64*, fixed seed) ----------------------------- */

static uint64_t g_rng = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(uint64_t n)
{
    return rnd() % n;
}

/* Integers: often small (1-byte varints), sometimes the extremes, else any. */
static int64_t rnd_long(void)
{
    switch (rnd_below(6)) {
    case 0: return (int64_t)rnd_below(128) - 64;
    case 1: return INT64_MIN + (int64_t)rnd_below(2);
    case 2: return INT64_MAX - (int64_t)rnd_below(2);
    case 3: return (int64_t)(rnd() >> rnd_below(63));
    default: return (int64_t)rnd();
    }
}

static int32_t rnd_int(void)
{
    switch (rnd_below(5)) {
    case 0: return (int32_t)rnd_below(128) - 64;
    case 1: return INT32_MIN + (int32_t)rnd_below(2);
    case 2: return INT32_MAX - (int32_t)rnd_below(2);
    default: return (int32_t)(uint32_t)rnd();
    }
}

/* Doubles: random bit patterns (NaNs, infinities, subnormals included) and
 * short decimals like real prices. */
static double rnd_double(void)
{
    uint64_t u = rnd();
    double d;
    switch (rnd_below(4)) {
    case 0:
        memcpy(&d, &u, sizeof d);
        return d;
    case 1: return (double)(int64_t)rnd_below(2000000) / 100.0;
    case 2: return (double)(int64_t)(rnd_below(2000) - 1000) * 1e-7;
    default: return (double)(int64_t)u / 3.0;
    }
}

static float rnd_float(void)
{
    uint32_t u = (uint32_t)rnd();
    float f;
    if (rnd_below(2) == 0) {
        memcpy(&f, &u, sizeof f);
        return f;
    }
    return (float)(int64_t)rnd_below(200000) / 100.0f;
}

/* Valid UTF-8 of n code points: ASCII (controls, quotes, backslash and NUL
 * when allowed), 2-, 3- (no surrogates) and 4-byte sequences. */
static size_t rnd_utf8(char *dst, size_t n, int allow_nul)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp;
        switch (rnd_below(5)) {
        case 0: cp = (uint32_t)rnd_below(0x20); break;
        case 1: cp = 0x20 + (uint32_t)rnd_below(0x60); break;
        case 2: cp = 0x80 + (uint32_t)rnd_below(0x780); break;
        case 3:
            cp = 0x800 + (uint32_t)rnd_below(0x10000 - 0x800);
            if (cp >= 0xd800 && cp <= 0xdfff) {
                cp = 0xe000;
            }
            break;
        default: cp = 0x10000 + (uint32_t)rnd_below(0x100000); break;
        }
        if (cp == 0 && !allow_nul) {
            cp = '"';
        }
        if (cp < 0x80) {
            dst[k++] = (char)cp;
        } else if (cp < 0x800) {
            dst[k++] = (char)(0xc0 | (cp >> 6));
            dst[k++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            dst[k++] = (char)(0xe0 | (cp >> 12));
            dst[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            dst[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            dst[k++] = (char)(0xf0 | (cp >> 18));
            dst[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            dst[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            dst[k++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    dst[k] = '\0';
    return k;
}

/* ---- filling avro-c values ----------------------------------------------- */

static void fill(avro_value_t *v, int depth);

static void fill_child_container(avro_value_t *v, int depth, int is_map)
{
    size_t n = rnd_below(depth > 2 ? 2 : 5);
    for (size_t i = 0; i < n; i++) {
        avro_value_t child;
        if (is_map) {
            char key[64];
            rnd_utf8(key, rnd_below(6), 0);
            int is_new;
            assert_int_equal(avro_value_add(v, key, &child, NULL, &is_new), 0);
        } else {
            assert_int_equal(avro_value_append(v, &child, NULL), 0);
        }
        fill(&child, depth + 1);
    }
}

static void fill(avro_value_t *v, int depth)
{
    avro_schema_t s = avro_value_get_schema(v);
    char buf[256];
    switch (avro_value_get_type(v)) {
    case AVRO_NULL: assert_int_equal(avro_value_set_null(v), 0); break;
    case AVRO_BOOLEAN: assert_int_equal(avro_value_set_boolean(v, (int)rnd_below(2)), 0); break;
    case AVRO_INT32: assert_int_equal(avro_value_set_int(v, rnd_int()), 0); break;
    case AVRO_INT64: assert_int_equal(avro_value_set_long(v, rnd_long()), 0); break;
    case AVRO_FLOAT: assert_int_equal(avro_value_set_float(v, rnd_float()), 0); break;
    case AVRO_DOUBLE: assert_int_equal(avro_value_set_double(v, rnd_double()), 0); break;
    case AVRO_BYTES: {
        size_t n = rnd_below(40);
        for (size_t i = 0; i < n; i++) {
            buf[i] = (char)rnd();
        }
        assert_int_equal(avro_value_set_bytes(v, buf, n), 0);
        break;
    }
    case AVRO_STRING: {
        size_t n = rnd_utf8(buf, rnd_below(30), 1);
        /* The size includes the terminating NUL. */
        assert_int_equal(avro_value_set_string_len(v, buf, n + 1), 0);
        break;
    }
    case AVRO_FIXED: {
        size_t n = (size_t)avro_schema_fixed_size(s);
        for (size_t i = 0; i < n; i++) {
            buf[i] = (char)rnd();
        }
        assert_int_equal(avro_value_set_fixed(v, buf, n), 0);
        break;
    }
    case AVRO_ENUM:
        assert_int_equal(avro_value_set_enum(v, (int)rnd_below((uint64_t)
                                                     avro_schema_enum_number_of_symbols(s))),
                         0);
        break;
    case AVRO_RECORD: {
        size_t n = 0;
        assert_int_equal(avro_value_get_size(v, &n), 0);
        for (size_t i = 0; i < n; i++) {
            avro_value_t field;
            assert_int_equal(avro_value_get_by_index(v, i, &field, NULL), 0);
            fill(&field, depth + 1);
        }
        break;
    }
    case AVRO_ARRAY: fill_child_container(v, depth, 0); break;
    case AVRO_MAP: fill_child_container(v, depth, 1); break;
    case AVRO_UNION: {
        avro_value_t branch;
        int b = (int)rnd_below(avro_schema_union_size(s));
        assert_int_equal(avro_value_set_branch(v, b, &branch), 0);
        fill(&branch, depth + 1);
        break;
    }
    default: fail_msg("unexpected avro-c type %d", avro_value_get_type(v));
    }
}

/* ---- comparing ------------------------------------------------------------ */

static char g_path[512];

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            char detail_[512];                                                             \
            snprintf(detail_, sizeof detail_, __VA_ARGS__);                                \
            fail_msg("record %d, %s: %s", g_record, g_path, detail_);                      \
        }                                                                                  \
    } while (0)

static int g_record;

/* JSON string of code points U+0000..U+00FF back to bytes. */
static size_t avro_json_bytes(const char *s, size_t n, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x80) {
            out[k++] = c;
        } else {
            CHECK(c == 0xc2 || c == 0xc3, "bytes text has code point above U+00FF");
            CHECK(i + 1 < n, "bytes text ends inside a character");
            out[k++] = (uint8_t)(((c & 0x03) << 6) | ((uint8_t)s[i + 1] & 0x3f));
            i++;
        }
    }
    return k;
}

static void check_real(json_t *j, double want, int is_float)
{
    if (want != want || want - want != 0) {
        CHECK(json_is_string(j), "non-finite should be a string");
        const char *t = json_string_value(j);
        const char *expect = want != want ? "NaN" : (want > 0 ? "Infinity" : "-Infinity");
        CHECK(strcmp(t, expect) == 0, "got %s, want %s", t, expect);
        return;
    }
    CHECK(json_is_real(j), "number should be written with a point or exponent");
    double got = json_real_value(j);
    if (is_float) {
        float gf = (float)got;
        float wf = (float)want;
        CHECK(memcmp(&gf, &wf, sizeof gf) == 0, "float %.9g read back as %.9g", (double)wf,
              (double)gf);
    } else {
        CHECK(memcmp(&got, &want, sizeof got) == 0, "double %.17g read back as %.17g", want, got);
    }
}

static void compare(avro_value_t *v, json_t *j);

static void compare_named_branch_key(avro_schema_t bs, const char *key)
{
    char want[128];
    if (is_avro_link(bs)) {
        bs = avro_schema_link_target(bs); /* a named type referenced by name */
    }
    if (is_avro_named_type(bs)) {
        const char *ns = avro_schema_namespace(bs);
        snprintf(want, sizeof want, "%s%s%s", ns && *ns ? ns : "", ns && *ns ? "." : "",
                 avro_schema_name(bs));
    } else {
        snprintf(want, sizeof want, "%s", avro_schema_type_name(bs));
    }
    CHECK(strcmp(key, want) == 0, "union branch key \"%s\", want \"%s\"", key, want);
}

static void compare(avro_value_t *v, json_t *j);

/* A record's fields or a map's entries: the JSON object has as many members,
 * each under the field name or map key, with an equal value. */
static void compare_members(avro_value_t *v, json_t *j, size_t plen, int is_map)
{
    size_t n = 0;
    avro_value_get_size(v, &n);
    CHECK(json_is_object(j) && json_object_size(j) == n, "%s",
          is_map ? "map size differs" : "record field count differs");
    for (size_t i = 0; i < n; i++) {
        avro_value_t member;
        const char *name = NULL;
        avro_value_get_by_index(v, i, &member, &name);
        if (is_map) {
            snprintf(g_path + plen, sizeof g_path - plen, "[\"%s\"]", name);
        } else {
            snprintf(g_path + plen, sizeof g_path - plen, ".%s", name);
        }
        json_t *jm = json_object_get(j, name);
        CHECK(jm != NULL, "%s", is_map ? "map key missing" : "field missing");
        compare(&member, jm);
    }
}

static void compare(avro_value_t *v, json_t *j)
{
    size_t plen = strlen(g_path);
    switch (avro_value_get_type(v)) {
    case AVRO_NULL: CHECK(json_is_null(j), "want null"); break;
    case AVRO_BOOLEAN: {
        int b = 0;
        avro_value_get_boolean(v, &b);
        CHECK(json_is_boolean(j) && json_is_true(j) == (b != 0), "boolean differs");
        break;
    }
    case AVRO_INT32: {
        int32_t x = 0;
        avro_value_get_int(v, &x);
        CHECK(json_is_integer(j) && json_integer_value(j) == x, "int %d differs", (int)x);
        break;
    }
    case AVRO_INT64: {
        int64_t x = 0;
        avro_value_get_long(v, &x);
        CHECK(json_is_integer(j) && json_integer_value(j) == x, "long %lld differs",
              (long long)x);
        break;
    }
    case AVRO_FLOAT: {
        float x = 0;
        avro_value_get_float(v, &x);
        check_real(j, (double)x, 1);
        break;
    }
    case AVRO_DOUBLE: {
        double x = 0;
        avro_value_get_double(v, &x);
        check_real(j, x, 0);
        break;
    }
    case AVRO_BYTES:
    case AVRO_FIXED: {
        const void *p = NULL;
        size_t n = 0;
        if (avro_value_get_type(v) == AVRO_BYTES) {
            avro_value_get_bytes(v, &p, &n);
        } else {
            avro_value_get_fixed(v, &p, &n);
        }
        CHECK(json_is_string(j), "bytes should be a string");
        uint8_t back[512];
        size_t bn = avro_json_bytes(json_string_value(j), json_string_length(j), back);
        CHECK(bn == n && (n == 0 || memcmp(back, p, n) == 0), "bytes differ (%zu vs %zu)", bn,
              n);
        break;
    }
    case AVRO_STRING: {
        const char *s = NULL;
        size_t n = 0; /* includes the NUL */
        avro_value_get_string(v, &s, &n);
        CHECK(json_is_string(j), "want a string");
        CHECK(json_string_length(j) == n - 1 && memcmp(json_string_value(j), s, n - 1) == 0,
              "string differs");
        break;
    }
    case AVRO_ENUM: {
        int e = 0;
        avro_value_get_enum(v, &e);
        const char *sym = avro_schema_enum_get(avro_value_get_schema(v), e);
        CHECK(json_is_string(j) && strcmp(json_string_value(j), sym) == 0, "enum differs");
        break;
    }
    case AVRO_RECORD: compare_members(v, j, plen, 0); break;
    case AVRO_ARRAY: {
        size_t n = 0;
        avro_value_get_size(v, &n);
        CHECK(json_is_array(j) && json_array_size(j) == n, "array size differs");
        for (size_t i = 0; i < n; i++) {
            avro_value_t item;
            avro_value_get_by_index(v, i, &item, NULL);
            snprintf(g_path + plen, sizeof g_path - plen, "[%zu]", i);
            compare(&item, json_array_get(j, i));
        }
        break;
    }
    case AVRO_MAP: compare_members(v, j, plen, 1); break;
    case AVRO_UNION: {
        int disc = 0;
        avro_value_t branch;
        avro_value_get_discriminant(v, &disc);
        avro_value_get_current_branch(v, &branch);
        avro_schema_t bs = avro_schema_union_branch(avro_value_get_schema(v), disc);
        if (avro_value_get_type(&branch) == AVRO_NULL) {
            CHECK(json_is_null(j), "null branch should be plain null");
            break;
        }
        CHECK(json_is_object(j) && json_object_size(j) == 1, "union should be {\"type\": v}");
        const char *key = json_object_iter_key(json_object_iter(j));
        compare_named_branch_key(bs, key);
        snprintf(g_path + plen, sizeof g_path - plen, "<%s>", key);
        compare(&branch, json_object_get(j, key));
        break;
    }
    default: fail_msg("unexpected avro-c type");
    }
    g_path[plen] = '\0';
}

/* ---- the test -------------------------------------------------------------- */

static void test_avroc_written_data(void **state)
{
    (void)state;
    size_t slen;
    char *text = read_data_file("decode_every_type.avsc", &slen);
    avro_schema_t schema;
    if (avro_schema_from_json_length(text, slen, &schema) != 0) {
        fail_msg("avro-c rejects the schema: %s", avro_strerror());
    }
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    assert_non_null(iface);

    cfavro_client *client = client_with_schema(ID, text, slen);
    free(text);
    cfavro_decoder *dec = decoder_with_options(client, OPTS("json.logical", "false"));

    static char buf[1 << 16];
    size_t total_bytes = 0;
    for (g_record = 0; g_record < RECORDS; g_record++) {
        avro_value_t value;
        assert_int_equal(avro_generic_value_new(iface, &value), 0);
        fill(&value, 0);

        size_t size;
        assert_int_equal(avro_value_sizeof(&value, &size), 0);
        assert_true(size + 5 <= sizeof buf);
        assert_int_equal(cfavro_frame_write_v0(ID, buf, 5), CFAVRO_OK);
        avro_writer_t w = avro_writer_memory(buf + 5, (int64_t)(sizeof buf - 5));
        assert_int_equal(avro_value_write(w, &value), 0);
        size_t written = (size_t)avro_writer_tell(w);
        avro_writer_free(w);
        assert_int_equal(written, size);
        total_bytes += written;

        assert_int_equal(cfavro_validate(dec, buf, written + 5), CFAVRO_OK);
        const char *json;
        size_t json_len;
        int rc = cfavro_decode_json(dec, buf, written + 5, &json, &json_len);
        if (rc != CFAVRO_OK) {
            const cfavro_error *e = cfavro_decoder_error(dec);
            fail_msg("record %d: cfavro failed %d at %llu [%s]: %s", g_record, rc,
                     (unsigned long long)e->offset, e->path, e->message);
        }
        json_error_t jerr;
        json_t *doc = json_loadb(json, json_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (doc == NULL) {
            fail_msg("record %d: jansson rejects cfavro's JSON at %d: %s\n%s", g_record,
                     jerr.position, jerr.text, json);
        }
        strcpy(g_path, "Everything");
        compare(&value, doc);
        json_decref(doc);

        /* One byte short must fail; one byte more must be trailing. */
        assert_int_not_equal(cfavro_validate(dec, buf, written + 4), CFAVRO_OK);
        buf[written + 5] = 0;
        assert_int_equal(cfavro_validate(dec, buf, written + 6), CFAVRO_E_TRAILING_BYTES);
        assert_int_equal(cfavro_decoder_error(dec)->offset, written + 5);
        avro_value_decref(&value);
    }
    /* The random values really were varied (not all empty). */
    assert_true(total_bytes > RECORDS * 150);

    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avroc_written_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
