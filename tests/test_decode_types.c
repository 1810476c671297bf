/* Decoding every Avro type and logical type to JSON, with the exact text
 * expected, and every json.* output option. Each case builds its own client
 * and decoder so options never leak from one case into the next. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "test_support.h"

/* ---- the decode-and-compare helper -------------------------------------- */

#define SCHEMA_ID 4242

/*
 * Decode payload[0..n) (framed here with SCHEMA_ID) written with `schema`,
 * with decoder options opts = {key, value, ..., NULL} (may be NULL), and
 * check the JSON text is exactly `expected`. Also checks validate agrees
 * and that the unprefixed-payload call gives the same text.
 */
static void expect_json_opts(const char *schema, const char *const *opts, const uint8_t *payload,
                             size_t n, const char *expected)
{
    cfavro_client *client = client_with_schema(SCHEMA_ID, schema, strlen(schema));
    cfavro_decoder *dec = decoder_with_options(client, opts);
    uint8_t header[5];
    assert_int_equal(cfavro_frame_write_v0(SCHEMA_ID, header, sizeof header), CFAVRO_OK);
    bb m = {0};
    bb_raw(&m, header, sizeof header);
    bb_raw(&m, payload, n);
    const uint8_t *msg = m.d;
    const char *json = NULL;
    size_t json_len = 0;
    int rc = cfavro_decode_json(dec, msg, n + 5, &json, &json_len);
    if (rc != CFAVRO_OK) {
        const cfavro_error *e = cfavro_decoder_error(dec);
        fail_msg("decode failed (%d) at %llu [%s]: %s\nexpected %s", rc,
                 (unsigned long long)e->offset, e->path, e->message, expected);
    }
    assert_non_null(json);
    if (strcmp(json, expected) != 0) {
        fail_msg("JSON differs\n  got:      %s\n  expected: %s", json, expected);
    }
    assert_int_equal(json_len, strlen(expected));
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);

    assert_int_equal(cfavro_validate(dec, msg, n + 5), CFAVRO_OK);

    rc = cfavro_decode_payload_json(dec, SCHEMA_ID, n > 0 ? msg + 5 : NULL, n, &json, &json_len);
    assert_int_equal(rc, CFAVRO_OK);
    assert_string_equal(json, expected);

    bb_free(&m);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

static void expect_json(const char *schema, const uint8_t *payload, size_t n,
                        const char *expected)
{
    expect_json_opts(schema, NULL, payload, n, expected);
}

/* expect_json() on the bytes built in b, then release b. */
static void expect_json_bb(const char *schema, bb *b, const char *expected)
{
    expect_json(schema, b->d, b->n, expected);
    bb_free(b);
}

/* uuid on fixed(16) (Avro 1.12): the canonical 8-4-4-4-12 text. */
static void test_uuid_fixed(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"fixed\",\"name\":\"U\",\"size\":16,\"logicalType\":\"uuid\"}";
    uint8_t raw[16];
    for (int i = 0; i < 16; i++) {
        raw[i] = (uint8_t)(i * 17);
    }
    expect_json(schema, raw, 16, "\"00112233-4455-6677-8899-aabbccddeeff\"");
    expect_json_opts(schema, OPTS("json.logical", "false", "json.bytes", "hex"), raw, 16,
                     "\"00112233445566778899aabbccddeeff\"");
}

/* ---- primitives --------------------------------------------------------- */

static void test_null(void **state)
{
    (void)state;
    /* The 5-byte message: header only. */
    expect_json("\"null\"", NULL, 0, "null");
    expect_json("{\"type\":\"null\"}", NULL, 0, "null");
}

static void test_boolean(void **state)
{
    (void)state;
    expect_json("\"boolean\"", BYTES(0x01), "true");
    expect_json("\"boolean\"", BYTES(0x00), "false");
}

static void test_int(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, "0"},         {-1, "-1"},       {1, "1"},
        {63, "63"},       {-64, "-64"},     {64, "64"},
        {-65, "-65"},     {300, "300"},     {INT32_MAX, "2147483647"},
        {INT32_MIN, "-2147483648"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb b = {0};
        bb_long(&b, cases[i].v);
        expect_json_bb("\"int\"", &b, cases[i].text);
    }
    /* Avro allows non-minimal varints: 0 in 5 bytes. */
    expect_json("\"int\"", BYTES(0x80, 0x80, 0x80, 0x80, 0x00), "0");
    /* 5 bytes, all 32 bits: zig-zag 0xffffffff is INT32_MIN. */
    expect_json("\"int\"", BYTES(0xff, 0xff, 0xff, 0xff, 0x0f), "-2147483648");
}

static void test_long(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {-1, "-1"},
        {1234567890123LL, "1234567890123"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
        {(int64_t)INT32_MAX + 1, "2147483648"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb b = {0};
        bb_long(&b, cases[i].v);
        expect_json_bb("\"long\"", &b, cases[i].text);
    }
    /* Ten bytes with only bit 63 in the last: zig-zag 2^63 = INT64_MIN. */
    expect_json("\"long\"", BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                "-9223372036854775808");
}

static void test_double(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {1.0, "1.0"},
        {0.1, "0.1"},
        {-2.5, "-2.5"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {1.5e-5, "1.5e-05"},
        {1e-4, "0.0001"},
        {0.1 + 0.2, "0.30000000000000004"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123456789012345680.0, "1.2345678901234568e+17"},
        {1e22, "1e+22"},
        {42.125, "42.125"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb b = {0};
        bb_double(&b, cases[i].v);
        expect_json_bb("\"double\"", &b, cases[i].text);
    }
}

static void test_float(void **state)
{
    (void)state;
    static const struct {
        float v;
        const char *text;
    } cases[] = {
        {1.0f, "1.0"},
        {0.1f, "0.1"},
        {-2.5f, "-2.5"},
        {-0.0f, "-0.0"},
        {3.4028235e38f, "3.4028235e+38"},
        {1e-5f, "1e-05"},
        {16777216.0f, "16777216.0"},
        {1e16f, "1e+16"},
        {1.401298464e-45f, "1e-45"},
        {0.3f, "0.3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb b = {0};
        bb_float(&b, cases[i].v);
        expect_json_bb("\"float\"", &b, cases[i].text);
    }
}

static void test_nonfinite(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                         "{\"name\":\"a\",\"type\":\"double\"},{\"name\":\"b\",\"type\":\"double\"},"
                         "{\"name\":\"c\",\"type\":\"double\"},{\"name\":\"d\",\"type\":\"float\"},"
                         "{\"name\":\"e\",\"type\":\"float\"},{\"name\":\"f\",\"type\":\"float\"}]}";
    bb b = {0};
    bb_double(&b, (double)NAN);
    bb_double(&b, (double)INFINITY);
    bb_double(&b, -(double)INFINITY);
    bb_float(&b, NAN);
    bb_float(&b, INFINITY);
    bb_float(&b, -INFINITY);
    expect_json(schema, b.d, b.n,
                "{\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":\"NaN\","
                "\"e\":\"Infinity\",\"f\":\"-Infinity\"}");
    expect_json_opts(schema, OPTS("json.nonfinite", "string"), b.d, b.n,
                     "{\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":\"NaN\","
                     "\"e\":\"Infinity\",\"f\":\"-Infinity\"}");
    expect_json_opts(schema, OPTS("json.nonfinite", "null"), b.d, b.n,
                     "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,\"f\":null}");
    /* A NaN with payload bits and the sign set is still NaN. */
    expect_json("\"double\"", BYTES(0x01, 0, 0, 0, 0, 0, 0xf8, 0xff), "\"NaN\"");
    bb_free(&b);
}

static void test_string(void **state)
{
    (void)state;
    bb b = {0};
    bb_str(&b, "hello");
    expect_json("\"string\"", b.d, b.n, "\"hello\"");
    expect_json("\"string\"", BYTES(0x00), "\"\"");

    /* Every escape: quote, backslash, the short forms, other controls as
     * \u00XX; DEL and '/' stay as they are. */
    b.n = 0;
    bb_str(&b, "q\"b\\n\nt\tr\rb\bf\f\x01\x1f\x7f/");
    expect_json("\"string\"", b.d, b.n,
                "\"q\\\"b\\\\n\\nt\\tr\\rb\\bf\\f\\u0001\\u001f\x7f/\"");
    /* An embedded NUL. */
    expect_json("\"string\"", BYTES(0x06, 'a', 0x00, 'b'), "\"a\\u0000b\"");

    /* Valid multi-byte UTF-8 is copied unchanged: 2, 3 and 4-byte forms and
     * the largest code point. */
    b.n = 0;
    bb_str(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    expect_json("\"string\"", b.d, b.n,
                "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");

    /* A long string with escapes past the 8-byte fast path boundaries. */
    char longs[301];
    char expected[700];
    size_t k = 0;
    expected[k++] = '"';
    for (int i = 0; i < 300; i++) {
        longs[i] = (i % 37 == 36) ? '"' : (char)('a' + i % 26);
        if (longs[i] == '"') {
            expected[k++] = '\\';
        }
        expected[k++] = longs[i];
    }
    longs[300] = '\0';
    expected[k++] = '"';
    expected[k] = '\0';
    b.n = 0;
    bb_str(&b, longs);
    expect_json("\"string\"", b.d, b.n, expected);
    bb_free(&b);
}

static void test_uuid(void **state)
{
    (void)state;
    bb b = {0};
    bb_str(&b, "123e4567-e89b-12d3-a456-426614174000");
    expect_json("{\"type\":\"string\",\"logicalType\":\"uuid\"}", b.d, b.n,
                "\"123e4567-e89b-12d3-a456-426614174000\"");
    expect_json_opts("{\"type\":\"string\",\"logicalType\":\"uuid\"}",
                     OPTS("json.logical", "false"), b.d, b.n,
                     "\"123e4567-e89b-12d3-a456-426614174000\"");
    bb_free(&b);
}

/* bytes inside a record (length-prefixed); a top-level "bytes" schema is the
 * raw payload, tested below. */
#define BREC "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"bytes\"}]}"

static void test_bytes(void **state)
{
    (void)state;
    /* 00 'A' 7f 80 ff '"' '\\' 0a */
    const uint8_t *p;
    bb b = {0};
    bb_long(&b, 8);
    bb_raw(&b, "\x00\x41\x7f\x80\xff\"\\\n", 8);
    p = b.d;
    expect_json(BREC, p, b.n, "{\"b\":\"\\u0000A\x7f\xc2\x80\xc3\xbf\\\"\\\\\\n\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "avro"), p, b.n,
                     "{\"b\":\"\\u0000A\x7f\xc2\x80\xc3\xbf\\\"\\\\\\n\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "hex"), p, b.n, "{\"b\":\"00417f80ff225c0a\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "base64"), p, b.n, "{\"b\":\"AEF/gP8iXAo=\"}");
    /* Base64 padding for each remainder. */
    expect_json_opts(BREC, OPTS("json.bytes", "base64"), BYTES(0x02, 0xfb), "{\"b\":\"+w==\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "base64"), BYTES(0x04, 0xfb, 0xff),
                     "{\"b\":\"+/8=\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "base64"), BYTES(0x06, 'a', 'b', 'c'),
                     "{\"b\":\"YWJj\"}");
    /* Empty bytes in every mode. */
    expect_json(BREC, BYTES(0x00), "{\"b\":\"\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "hex"), BYTES(0x00), "{\"b\":\"\"}");
    expect_json_opts(BREC, OPTS("json.bytes", "base64"), BYTES(0x00), "{\"b\":\"\"}");
    bb_free(&b);
}

/* Confluent's serializers write a top-level "bytes" value raw, without an
 * Avro length prefix: the value is the whole payload. */
static void test_bytes_top_level_raw(void **state)
{
    (void)state;
    expect_json("\"bytes\"", BYTES(0x00, 0x41, 0xff), "\"\\u0000A\xc3\xbf\"");
    expect_json_opts("\"bytes\"", OPTS("json.bytes", "hex"), BYTES(0x08, 'a'), "\"0861\"");
    expect_json("{\"type\":\"bytes\"}", BYTES('x'), "\"x\"");
}

static void test_fixed(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}";
    expect_json(schema, BYTES(0x00, 0x61, 0xe9, 0x0a), "\"\\u0000a\xc3\xa9\\n\"");
    expect_json_opts(schema, OPTS("json.bytes", "hex"), BYTES(0x00, 0x61, 0xe9, 0x0a),
                     "\"0061e90a\"");
    expect_json_opts(schema, OPTS("json.bytes", "base64"), BYTES(0x00, 0x61, 0xe9, 0x0a),
                     "\"AGHpCg==\"");
    /* A zero-size fixed takes no bytes. */
    expect_json("{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}", NULL, 0, "\"\"");
}

static void test_enum(void **state)
{
    (void)state;
    const char *schema =
        "{\"type\":\"enum\",\"name\":\"Side\",\"namespace\":\"com.example\","
        "\"symbols\":[\"BUY\",\"SELL\",\"_x9\"]}";
    expect_json(schema, BYTES(0x00), "\"BUY\"");
    expect_json(schema, BYTES(0x02), "\"SELL\"");
    expect_json(schema, BYTES(0x04), "\"_x9\"");
}

/* ---- complex types ------------------------------------------------------ */

static void test_array(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"array\",\"items\":\"int\"}";
    expect_json(schema, BYTES(0x00), "[]");
    expect_json(schema, BYTES(0x06, 0x02, 0x04, 0x7f, 0x00), "[1,2,-64]");
    /* Several blocks, one with a negative count and its byte size. */
    expect_json(schema, BYTES(0x02, 0x02, 0x03, 0x04, 0x04, 0x06, 0x02, 0x08, 0x00), "[1,2,3,4]");
    /* Nested arrays. */
    expect_json("{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"string\"}}",
                BYTES(0x04, 0x02, 0x02, 'a', 0x00, 0x00, 0x00), "[[\"a\"],[]]");
    /* Array of null: items take no bytes. */
    expect_json("{\"type\":\"array\",\"items\":\"null\"}", BYTES(0x06, 0x00), "[null,null,null]");
}

static void test_map(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"map\",\"values\":\"long\"}";
    expect_json(schema, BYTES(0x00), "{}");
    expect_json(schema, BYTES(0x04, 0x02, 'a', 0x02, 0x02, 'b', 0x03, 0x00),
                "{\"a\":1,\"b\":-2}");
    /* Keys are escaped like strings; negative block count with size. */
    expect_json(schema, BYTES(0x01, 0x0a, 0x06, 'q', '"', '\n', 0x54, 0x00),
                "{\"q\\\"\\n\":42}");
    /* Map of maps, map of records. */
    expect_json("{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":\"boolean\"}}",
                BYTES(0x02, 0x02, 'x', 0x02, 0x02, 'y', 0x01, 0x00, 0x00),
                "{\"x\":{\"y\":true}}");
}

static void test_record(void **state)
{
    (void)state;
    expect_json("{\"type\":\"record\",\"name\":\"Empty\",\"fields\":[]}", NULL, 0, "{}");
    const char *schema =
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"n.s\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
        "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"e\",\"type\":{\"type\":\"record\","
        "\"name\":\"E\",\"fields\":[]}}]}},"
        "{\"name\":\"again\",\"type\":\"Inner\"},"
        "{\"name\":\"n\",\"type\":\"null\"}]}";
    expect_json(schema, BYTES(0x54, 0x02, 'x', 0x00), "{\"id\":42,\"inner\":{\"s\":\"x\",\"e\":{}},"
                                                      "\"again\":{\"s\":\"\",\"e\":{}},\"n\":null}");
}

static void test_recursive(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"record\",\"name\":\"List\",\"fields\":["
                         "{\"name\":\"v\",\"type\":\"int\"},"
                         "{\"name\":\"next\",\"type\":[\"null\",\"List\"]}]}";
    expect_json(schema, BYTES(0x02, 0x02, 0x04, 0x02, 0x06, 0x00),
                "{\"v\":1,\"next\":{\"List\":{\"v\":2,\"next\":{\"List\":{\"v\":3,\"next\":null}}}}}");
    expect_json_opts(schema, OPTS("json.union", "plain"), BYTES(0x02, 0x02, 0x04, 0x02, 0x06, 0x00),
                     "{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":3,\"next\":null}}}");
}

/* ---- unions ------------------------------------------------------------- */

static const char *k_union_schema =
    "{\"type\":\"record\",\"name\":\"U\",\"namespace\":\"com.example\",\"fields\":[{\"name\":\"u\","
    "\"type\":[\"null\",\"boolean\",\"int\",\"long\",\"float\",\"double\",\"bytes\",\"string\","
    "{\"type\":\"enum\",\"name\":\"Side\",\"symbols\":[\"BUY\",\"SELL\"]},"
    "{\"type\":\"fixed\",\"name\":\"F2\",\"namespace\":\"other\",\"size\":2},"
    "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]},"
    "{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"map\",\"values\":\"int\"}]}]}";

static void test_union_avro(void **state)
{
    (void)state;
    static const struct {
        uint8_t payload[12];
        size_t n;
        const char *avro;
        const char *plain;
    } cases[] = {
        {{0x00}, 1, "{\"u\":null}", "{\"u\":null}"},
        {{0x02, 0x01}, 2, "{\"u\":{\"boolean\":true}}", "{\"u\":true}"},
        {{0x04, 0x03}, 2, "{\"u\":{\"int\":-2}}", "{\"u\":-2}"},
        {{0x06, 0x04}, 2, "{\"u\":{\"long\":2}}", "{\"u\":2}"},
        {{0x08, 0x00, 0x00, 0xc0, 0x3f}, 5, "{\"u\":{\"float\":1.5}}", "{\"u\":1.5}"},
        {{0x0a, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, 9, "{\"u\":{\"double\":1.0}}", "{\"u\":1.0}"},
        {{0x0c, 0x02, 0xff}, 3, "{\"u\":{\"bytes\":\"\xc3\xbf\"}}", "{\"u\":\"\xc3\xbf\"}"},
        {{0x0e, 0x02, 'x'}, 3, "{\"u\":{\"string\":\"x\"}}", "{\"u\":\"x\"}"},
        {{0x10, 0x02}, 2, "{\"u\":{\"com.example.Side\":\"SELL\"}}", "{\"u\":\"SELL\"}"},
        {{0x12, 'h', 'i'}, 3, "{\"u\":{\"other.F2\":\"hi\"}}", "{\"u\":\"hi\"}"},
        {{0x14, 0x0e}, 2, "{\"u\":{\"com.example.P\":{\"x\":7}}}", "{\"u\":{\"x\":7}}"},
        {{0x16, 0x02, 0x02, 0x00}, 4, "{\"u\":{\"array\":[1]}}", "{\"u\":[1]}"},
        {{0x18, 0x02, 0x02, 'k', 0x02, 0x00}, 6, "{\"u\":{\"map\":{\"k\":1}}}",
         "{\"u\":{\"k\":1}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_json(k_union_schema, cases[i].payload, cases[i].n, cases[i].avro);
        expect_json_opts(k_union_schema, OPTS("json.union", "avro"), cases[i].payload, cases[i].n,
                         cases[i].avro);
        expect_json_opts(k_union_schema, OPTS("json.union", "plain"), cases[i].payload,
                         cases[i].n, cases[i].plain);
    }
}

static void test_union_top_level_and_logical(void **state)
{
    (void)state;
    expect_json("[\"null\",\"string\"]", BYTES(0x00), "null");
    expect_json("[\"null\",\"string\"]", BYTES(0x02, 0x02, 'z'), "{\"string\":\"z\"}");
    /* Null need not be first. */
    expect_json("[\"string\",\"null\"]", BYTES(0x02), "null");
    /* A logical type inside a union is wrapped by its underlying type name. */
    const char *ts = "[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]";
    expect_json(ts, BYTES(0x02, 0x00), "{\"long\":\"1970-01-01T00:00:00.000Z\"}");
    expect_json_opts(ts, OPTS("json.union", "plain"), BYTES(0x02, 0x00),
                     "\"1970-01-01T00:00:00.000Z\"");
    const char *dec = "[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,"
                      "\"scale\":2}]";
    expect_json(dec, BYTES(0x02, 0x04, 0x30, 0x39), "{\"bytes\":\"123.45\"}");
}

/* ---- logical types ------------------------------------------------------ */

/* A top-level bytes decimal is the raw payload (no length prefix), like
 * every top-level bytes schema; inside a record it is length-prefixed. */
static void test_decimal_bytes(void **state)
{
    (void)state;
    const char *s2 = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}";
    expect_json(s2, BYTES(0x30, 0x39), "\"123.45\"");
    expect_json(s2, BYTES(0xcf, 0xc7), "\"-123.45\"");
    expect_json(s2, BYTES(0x05), "\"0.05\"");
    expect_json(s2, BYTES(0xff), "\"-0.01\"");
    expect_json(s2, BYTES(0x00), "\"0.00\"");
    expect_json(s2, NULL, 0, "\"0.00\"");
    expect_json(s2, BYTES(0x64), "\"1.00\"");
    /* Redundant sign bytes. */
    expect_json(s2, BYTES(0x00, 0x00, 0x30, 0x39), "\"123.45\"");
    expect_json(s2, BYTES(0xff, 0xff, 0x85), "\"-1.23\"");
    expect_json(s2, BYTES(0x80), "\"-1.28\"");
    expect_json_opts(s2, OPTS("json.decimal", "number"), BYTES(0xcf, 0xc7), "-123.45");
    expect_json_opts(s2, OPTS("json.decimal", "string"), BYTES(0xcf, 0xc7), "\"-123.45\"");
    /* json.logical=false: the raw bytes. */
    expect_json_opts(s2, OPTS("json.logical", "false"), BYTES(0x30, 0x39), "\"09\"");
    expect_json_opts(s2, OPTS("json.logical", "false", "json.bytes", "hex"), BYTES(0x30, 0x39),
                     "\"3039\"");

    const char *s0 = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4}";
    expect_json(s0, BYTES(0x30, 0x39), "\"12345\"");
    const char *s5 = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":5}";
    expect_json(s5, BYTES(0x07), "\"0.00007\"");
    /* 2^127 - 1 and -2^127: 16-byte magnitudes, all digits exact. */
    const char *s10 = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":40,\"scale\":10}";
    expect_json(s10,
                BYTES(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0xff, 0xff),
                "\"17014118346046923173168730371.5884105727\"");
    expect_json(s10, BYTES(0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                "\"-17014118346046923173168730371.5884105728\"");

    /* Inside a record: length-prefixed. */
    const char *rec = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"d\",\"type\":"
                      "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,"
                      "\"scale\":2}}]}";
    expect_json(rec, BYTES(0x04, 0x30, 0x39), "{\"d\":\"123.45\"}");
    expect_json(rec, BYTES(0x04, 0xcf, 0xc7), "{\"d\":\"-123.45\"}");
    expect_json(rec, BYTES(0x00), "{\"d\":\"0.00\"}");
    expect_json(rec, BYTES(0x08, 0x00, 0x00, 0x30, 0x39), "{\"d\":\"123.45\"}");
}

static void test_decimal_fixed(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"fixed\",\"name\":\"Money\",\"size\":8,"
                         "\"logicalType\":\"decimal\",\"precision\":18,\"scale\":4}";
    expect_json(schema, BYTES(0, 0, 0, 0, 0, 0x01, 0xe2, 0x40), "\"12.3456\"");
    expect_json(schema, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x1d, 0xc0), "\"-12.3456\"");
    expect_json_opts(schema, OPTS("json.decimal", "number"),
                     BYTES(0, 0, 0, 0, 0, 0x01, 0xe2, 0x40), "12.3456");
    expect_json_opts(schema, OPTS("json.logical", "false", "json.bytes", "hex"),
                     BYTES(0, 0, 0, 0, 0, 0x01, 0xe2, 0x40), "\"000000000001e240\"");
}

static void test_date_time(void **state)
{
    (void)state;
    const char *date = "{\"type\":\"int\",\"logicalType\":\"date\"}";
    bb b = {0};
    bb_long(&b, 19724);
    expect_json(date, b.d, b.n, "\"2024-01-02\"");
    expect_json_opts(date, OPTS("json.time", "epoch"), b.d, b.n, "19724");
    expect_json_opts(date, OPTS("json.time", "iso8601"), b.d, b.n, "\"2024-01-02\"");
    expect_json_opts(date, OPTS("json.logical", "false"), b.d, b.n, "19724");
    expect_json(date, BYTES(0x00), "\"1970-01-01\"");
    expect_json(date, BYTES(0x01), "\"1969-12-31\"");
    b.n = 0;
    bb_long(&b, 11016);
    expect_json(date, b.d, b.n, "\"2000-02-29\"");
    /* Extremes of an int day count: years beyond 9999 get a sign. */
    b.n = 0;
    bb_long(&b, INT32_MAX);
    expect_json(date, b.d, b.n, "\"+5881580-07-11\"");
    b.n = 0;
    bb_long(&b, INT32_MIN);
    expect_json(date, b.d, b.n, "\"-5877641-06-23\"");

    const char *tm = "{\"type\":\"int\",\"logicalType\":\"time-millis\"}";
    b.n = 0;
    bb_long(&b, 49530123);
    expect_json(tm, b.d, b.n, "\"13:45:30.123\"");
    expect_json_opts(tm, OPTS("json.time", "epoch"), b.d, b.n, "49530123");
    expect_json(tm, BYTES(0x00), "\"00:00:00.000\"");

    const char *tu = "{\"type\":\"long\",\"logicalType\":\"time-micros\"}";
    b.n = 0;
    bb_long(&b, 49530123456LL);
    expect_json(tu, b.d, b.n, "\"13:45:30.123456\"");
    expect_json_opts(tu, OPTS("json.time", "epoch"), b.d, b.n, "49530123456");
    b.n = 0;
    bb_long(&b, 86399999999LL);
    expect_json(tu, b.d, b.n, "\"23:59:59.999999\"");

    /* Outside [0, 24 h) a value is not a time of day: its number, never a
     * pseudo-time such as "-00:00:00.001" or "24:00:00.000". */
    expect_json(tm, BYTES(0x01), "-1");
    b.n = 0;
    bb_long(&b, 86400000);
    expect_json(tm, b.d, b.n, "86400000");
    b.n = 0;
    bb_long(&b, 86399999);
    expect_json(tm, b.d, b.n, "\"23:59:59.999\"");
    b.n = 0;
    bb_long(&b, 86400000000LL);
    expect_json(tu, b.d, b.n, "86400000000");
    b.n = 0;
    bb_long(&b, INT64_MIN);
    expect_json(tu, b.d, b.n, "-9223372036854775808");
    /* ... also inside a union wrapper, which still names the Avro type. */
    const char *otm = "[\"null\",{\"type\":\"int\",\"logicalType\":\"time-millis\"}]";
    expect_json(otm, BYTES(0x02, 0x01), "{\"int\":-1}");
    expect_json(otm, BYTES(0x02, 0x00), "{\"int\":\"00:00:00.000\"}");
    bb_free(&b);
}

static void test_timestamps_nanos(void **state)
{
    (void)state;
    const char *tsn = "{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}";
    const char *ltn = "{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}";
    bb b = {0};
    bb_long(&b, 1704164645123456789LL);
    expect_json(tsn, b.d, b.n, "\"2024-01-02T03:04:05.123456789Z\"");
    expect_json(ltn, b.d, b.n, "\"2024-01-02T03:04:05.123456789\"");
    expect_json_opts(tsn, OPTS("json.time", "epoch"), b.d, b.n, "1704164645123456789");
    expect_json_opts(ltn, OPTS("json.logical", "false"), b.d, b.n, "1704164645123456789");
    expect_json(tsn, BYTES(0x01), "\"1969-12-31T23:59:59.999999999Z\"");
    b.n = 0;
    bb_long(&b, INT64_MIN);
    expect_json(tsn, b.d, b.n, "\"1677-09-21T00:12:43.145224192Z\"");
    b.n = 0;
    bb_long(&b, INT64_MAX);
    expect_json(ltn, b.d, b.n, "\"2262-04-11T23:47:16.854775807\"");
    bb_free(&b);
}

static void test_timestamps(void **state)
{
    (void)state;
    bb ms = {0};
    bb_long(&ms, 1704164645123LL);
    bb us = {0};
    bb_long(&us, 1704164645123456LL);
    const char *tsm = "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}";
    const char *tsu = "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}";
    const char *ltm = "{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}";
    const char *ltu = "{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}";
    expect_json(tsm, ms.d, ms.n, "\"2024-01-02T03:04:05.123Z\"");
    expect_json(tsu, us.d, us.n, "\"2024-01-02T03:04:05.123456Z\"");
    expect_json(ltm, ms.d, ms.n, "\"2024-01-02T03:04:05.123\"");
    expect_json(ltu, us.d, us.n, "\"2024-01-02T03:04:05.123456\"");
    expect_json_opts(tsm, OPTS("json.time", "epoch"), ms.d, ms.n, "1704164645123");
    expect_json_opts(tsu, OPTS("json.time", "epoch"), us.d, us.n, "1704164645123456");
    expect_json_opts(ltm, OPTS("json.time", "epoch"), ms.d, ms.n, "1704164645123");
    expect_json_opts(ltu, OPTS("json.logical", "false"), us.d, us.n, "1704164645123456");
    /* Before the epoch: floor, not truncation. */
    expect_json(tsm, BYTES(0x01), "\"1969-12-31T23:59:59.999Z\"");
    expect_json(tsu, BYTES(0x01), "\"1969-12-31T23:59:59.999999Z\"");
    expect_json(tsm, BYTES(0x00), "\"1970-01-01T00:00:00.000Z\"");
    /* The whole int64 range prints without overflow. */
    bb b = {0};
    bb_long(&b, INT64_MIN);
    expect_json(tsm, b.d, b.n, "\"-292275055-05-16T16:47:04.192Z\"");
    b.n = 0;
    bb_long(&b, INT64_MAX);
    expect_json(tsu, b.d, b.n, "\"+294247-01-10T04:00:54.775807Z\"");
    bb_free(&b);
    bb_free(&ms);
    bb_free(&us);
}

static void test_duration(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"fixed\",\"name\":\"D\",\"size\":12,\"logicalType\":\"duration\"}";
    expect_json(schema, BYTES(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0),
                "{\"months\":1,\"days\":2,\"millis\":3}");
    /* Each field is an unsigned 32-bit little-endian number. */
    expect_json(schema, BYTES(0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0, 0, 0x10, 0x27, 0, 0),
                "{\"months\":4294967295,\"days\":256,\"millis\":10000}");
    expect_json_opts(schema, OPTS("json.logical", "false", "json.bytes", "hex"),
                     BYTES(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0), "\"010000000200000003000000\"");
    /* json.time does not apply to durations. */
    expect_json_opts(schema, OPTS("json.time", "epoch"), BYTES(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0),
                     "{\"months\":1,\"days\":2,\"millis\":3}");
}

static void test_unknown_or_misplaced_logical(void **state)
{
    (void)state;
    /* Unknown logical types and ones on the wrong underlying type are
     * ignored (Avro spec): the value decodes as its underlying type. */
    expect_json("{\"type\":\"int\",\"logicalType\":\"no-such-thing\"}", BYTES(0x54), "42");
    expect_json("{\"type\":\"string\",\"logicalType\":\"date\"}", BYTES(0x02, 'x'), "\"x\"");
    expect_json("{\"type\":\"long\",\"logicalType\":\"date\"}", BYTES(0x54), "42");
    expect_json("{\"type\":\"fixed\",\"name\":\"D5\",\"size\":5,\"logicalType\":\"duration\"}",
                BYTES('a', 'b', 'c', 'd', 'e'), "\"abcde\"");
}

/* ---- a realistic record with every option at once ----------------------- */

static const char *k_trade_schema =
    "{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"com.example.crypto\",\"fields\":["
    "{\"name\":\"exchange\",\"type\":\"string\"},{\"name\":\"symbol\",\"type\":\"string\"},"
    "{\"name\":\"trade_id\",\"type\":\"long\"},{\"name\":\"price\",\"type\":\"double\"},"
    "{\"name\":\"quantity\",\"type\":\"double\"},"
    "{\"name\":\"timestamp\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"side\",\"type\":{\"type\":\"enum\",\"name\":\"Side\",\"symbols\":[\"BUY\","
    "\"SELL\"]}},{\"name\":\"is_buyer_maker\",\"type\":\"boolean\"},"
    "{\"name\":\"sequence_id\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"extra\",\"type\":{\"type\":\"map\",\"values\":\"string\"}}]}";

static void trade_payload(bb *b)
{
    b->n = 0;
    bb_str(b, "binance");
    bb_str(b, "BTCUSDT");
    bb_long(b, 123456789);
    bb_double(b, 42000.5);
    bb_double(b, 0.001);
    bb_long(b, 1704164645123LL);
    bb_long(b, 1);
    bb_byte(b, 1);
    bb_long(b, 1);
    bb_str(b, "s-1");
    bb_long(b, 1);
    bb_str(b, "fee");
    bb_str(b, "0.1");
    bb_long(b, 0);
}

static void test_trade(void **state)
{
    (void)state;
    bb b = {0};
    trade_payload(&b);
    expect_json(k_trade_schema, b.d, b.n,
                "{\"exchange\":\"binance\",\"symbol\":\"BTCUSDT\",\"trade_id\":123456789,"
                "\"price\":42000.5,\"quantity\":0.001,\"timestamp\":\"2024-01-02T03:04:05.123Z\","
                "\"side\":\"SELL\",\"is_buyer_maker\":true,\"sequence_id\":{\"string\":\"s-1\"},"
                "\"extra\":{\"fee\":\"0.1\"}}");
    expect_json_opts(k_trade_schema, OPTS("json.union", "plain", "json.time", "epoch"), b.d, b.n,
                     "{\"exchange\":\"binance\",\"symbol\":\"BTCUSDT\",\"trade_id\":123456789,"
                     "\"price\":42000.5,\"quantity\":0.001,\"timestamp\":1704164645123,"
                     "\"side\":\"SELL\",\"is_buyer_maker\":true,\"sequence_id\":\"s-1\","
                     "\"extra\":{\"fee\":\"0.1\"}}");
    bb_free(&b);
}

/* Options set on the client's config become every decoder's defaults, and a
 * decoder may override them. */
static void test_options_from_config(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    assert_int_equal(cfavro_config_set(cfg, "json.union", "plain", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "json.time", "epoch", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "json.bytes", "hex", &err), CFAVRO_OK);
    cfavro_client *client = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    assert_non_null(client);
    const char *schema = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                         "{\"name\":\"t\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":"
                         "\"date\"}]},{\"name\":\"b\",\"type\":\"bytes\"}]}";
    assert_int_equal(cfavro_client_add_schema(client, 7, schema, strlen(schema), &err), CFAVRO_OK);
    cfavro_decoder *d1 = cfavro_decoder_new(client, &err);
    cfavro_decoder *d2 = cfavro_decoder_new(client, &err);
    assert_non_null(d1);
    assert_non_null(d2);
    assert_int_equal(cfavro_decoder_set(d2, "json.union", "avro", &err), CFAVRO_OK);
    assert_int_equal(cfavro_decoder_set(d2, "json.time", "iso8601", &err), CFAVRO_OK);
    const uint8_t msg[] = {0, 0, 0, 0, 7, 0x02, 0x02, 0x02, 0xab};
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(d1, msg, sizeof msg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"t\":1,\"b\":\"ab\"}");
    assert_int_equal(cfavro_decode_json(d2, msg, sizeof msg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"t\":{\"int\":\"1970-01-02\"},\"b\":\"ab\"}");
    /* d1 is not affected by d2's overrides. */
    assert_int_equal(cfavro_decode_json(d1, msg, sizeof msg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"t\":1,\"b\":\"ab\"}");
    cfavro_decoder_free(d1);
    cfavro_decoder_free(d2);
    cfavro_client_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_boolean),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_bytes_top_level_raw),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_recursive),
        cmocka_unit_test(test_union_avro),
        cmocka_unit_test(test_union_top_level_and_logical),
        cmocka_unit_test(test_decimal_bytes),
        cmocka_unit_test(test_decimal_fixed),
        cmocka_unit_test(test_uuid_fixed),
        cmocka_unit_test(test_date_time),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_timestamps_nanos),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_unknown_or_misplaced_logical),
        cmocka_unit_test(test_trade),
        cmocka_unit_test(test_options_from_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
