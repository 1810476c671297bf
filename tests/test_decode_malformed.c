/* Malformed input: every class the walker rejects, each with its status, the
 * byte offset (counted in the whole message, header included) and the field
 * path asserted, in both JSON and validate-only modes; truncation at every
 * byte of a record that uses every type; the depth limit; framing errors;
 * invalid UTF-8; trailing bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "test_support.h"

#define NO_PATH NULL

/* ---- fixture: one client, a decoder per case ---------------------------- */

#define ID 77

typedef struct fx {
    cfavro_client *client;
    cfavro_decoder *dec;
} fx;

static fx make(const char *schema, const char *const *opts)
{
    fx f;
    f.client = client_with_schema(ID, schema, strlen(schema));
    f.dec = decoder_with_options(f.client, opts);
    return f;
}

/* The framed message: header with schema id ID, then payload[0..n). */
static void framed(bb *m, const uint8_t *payload, size_t n)
{
    bb_header(m, ID);
    bb_raw(m, payload, n);
}

static void unmake(fx *f)
{
    cfavro_decoder_free(f->dec);
    cfavro_client_free(f->client);
}

static void check_error(const cfavro_error *e, int status, uint64_t offset, const char *path,
                        const char *mode)
{
    if (e->status != status || e->offset != offset ||
        (path != NULL && strcmp(e->path, path) != 0)) {
        fail_msg("%s: expected status %d at %llu path \"%s\"; got %d at %llu path \"%s\": %s",
                 mode, status, (unsigned long long)offset, path ? path : "(any)", e->status,
                 (unsigned long long)e->offset, e->path, e->message);
    }
    assert_true(e->message[0] != '\0');
}

/* Decode the framed message (schema id ID + payload) and expect a failure
 * with exactly `status`, `offset` (message offset) and `path` (NULL: not
 * checked), in JSON and in validate mode; returns the JSON-mode message in
 * `msg_out` (if non-NULL) for further checks. */
static void expect_fail_opts(const char *schema, const char *const *opts, const uint8_t *payload,
                             size_t n, int status, uint64_t offset, const char *path,
                             char *msg_out)
{
    fx f = make(schema, opts);
    bb m = {0};
    framed(&m, payload, n);
    const char *json = "sentinel";
    size_t json_len = 99;
    int rc = cfavro_decode_json(f.dec, m.d, m.n, &json, &json_len);
    const cfavro_error *e = cfavro_decoder_error(f.dec);
    if (rc == CFAVRO_OK) {
        fail_msg("expected failure %d, decoded: %s", status, json);
    }
    assert_int_equal(rc, e->status);
    assert_null(json);
    assert_int_equal(json_len, 0);
    check_error(e, status, offset, path, "json");
    assert_true(e->schema_id == ID);
    if (msg_out != NULL) {
        strcpy(msg_out, e->message);
    }
    char first_path[CFAVRO_ERROR_PATH_MAX];
    strcpy(first_path, e->path);

    if (status != CFAVRO_E_LIMIT_OUTPUT) {
        rc = cfavro_validate(f.dec, m.d, m.n);
        assert_int_equal(rc, status);
        check_error(cfavro_decoder_error(f.dec), status, offset, first_path, "validate");
    }
    bb_free(&m);
    unmake(&f);
}

static void expect_fail(const char *schema, const uint8_t *payload, size_t n, int status,
                        uint64_t offset, const char *path)
{
    expect_fail_opts(schema, NULL, payload, n, status, offset, path, NULL);
}

static void expect_ok_opts(const char *schema, const char *const *opts, const uint8_t *payload,
                           size_t n, const char *expected)
{
    fx f = make(schema, opts);
    bb m = {0};
    framed(&m, payload, n);
    const char *json = NULL;
    size_t json_len = 0;
    int rc = cfavro_decode_json(f.dec, m.d, m.n, &json, &json_len);
    if (rc != CFAVRO_OK) {
        const cfavro_error *e = cfavro_decoder_error(f.dec);
        fail_msg("expected success, got %d at %llu [%s]: %s", rc, (unsigned long long)e->offset,
                 e->path, e->message);
    }
    if (expected != NULL) {
        assert_string_equal(json, expected);
    }
    assert_int_equal(cfavro_validate(f.dec, m.d, m.n), CFAVRO_OK);
    bb_free(&m);
    unmake(&f);
}

static const char *S_INT = "\"int\"";
static const char *S_LONG = "\"long\"";
static const char *S_STR = "\"string\"";
/* bytes inside a record: a top-level "bytes" schema takes the raw payload. */
static const char *S_BYTES = "{\"type\":\"record\",\"name\":\"B\",\"fields\":["
                             "{\"name\":\"b\",\"type\":\"bytes\"}]}";
static const char *S_BOOL = "\"boolean\"";
static const char *S_ARR_LONG = "{\"type\":\"array\",\"items\":\"long\"}";
static const char *S_ARR_NULL = "{\"type\":\"array\",\"items\":\"null\"}";
static const char *S_MAP_INT = "{\"type\":\"map\",\"values\":\"int\"}";
static const char *S_MAP_NULL = "{\"type\":\"map\",\"values\":\"null\"}";
static const char *S_ENUM = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}";
static const char *S_UNION = "[\"null\",\"string\"]";
static const char *S_REC_IS = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                              "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"}]}";

/* ---- lengths ------------------------------------------------------------ */

static void test_negative_length(void **state)
{
    (void)state;
    expect_fail(S_STR, BYTES(0x01), CFAVRO_E_DATA_NEGATIVE_LENGTH, 5, "");
    expect_fail(S_BYTES, BYTES(0x03, 'a', 'b'), CFAVRO_E_DATA_NEGATIVE_LENGTH, 5, "B.b");
    /* INT64_MIN as a length. */
    expect_fail(S_STR, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                CFAVRO_E_DATA_NEGATIVE_LENGTH, 5, "");
    expect_fail(S_REC_IS, BYTES(0x02, 0x01), CFAVRO_E_DATA_NEGATIVE_LENGTH, 6, "R.s");
    /* A map key. */
    expect_fail(S_MAP_INT, BYTES(0x02, 0x05, 'k', 0x00), CFAVRO_E_DATA_NEGATIVE_LENGTH, 6, "[0]");
}

static void test_length_beyond_input(void **state)
{
    (void)state;
    expect_fail(S_STR, BYTES(0x14, 'a', 'b', 'c'), CFAVRO_E_DATA_LENGTH, 5, "");
    expect_fail(S_BYTES, BYTES(0x08, 'a', 'b', 'c'), CFAVRO_E_DATA_LENGTH, 5, "B.b");
    /* 2^62: must be refused before anything is allocated for it. */
    expect_fail(S_STR, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                CFAVRO_E_DATA_LENGTH, 5, "");
    expect_fail(S_REC_IS, BYTES(0x02, 0x04, 'x'), CFAVRO_E_DATA_LENGTH, 6, "R.s");
    /* Exactly the remaining bytes is fine; one more is not. */
    expect_ok_opts(S_STR, NULL, BYTES(0x06, 'a', 'b', 'c'), "\"abc\"");
    expect_fail(S_STR, BYTES(0x08, 'a', 'b', 'c'), CFAVRO_E_DATA_LENGTH, 5, "");
}

/* ---- varints ------------------------------------------------------------ */

static void test_overlong_varint(void **state)
{
    (void)state;
    /* int: at most 5 bytes, even when the value would be 0. */
    expect_fail(S_INT, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), CFAVRO_E_DATA_VARINT, 5, "");
    expect_ok_opts(S_INT, NULL, BYTES(0x80, 0x80, 0x80, 0x80, 0x00), "0");
    /* long: at most 10 bytes; the 10th may only hold bit 63. */
    expect_fail(S_LONG, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_LONG, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02),
                CFAVRO_E_DATA_VARINT, 5, "");
    expect_ok_opts(S_LONG, NULL,
                   BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), "0");
    /* Lengths, block counts, enum and union indexes are varints too. */
    expect_fail(S_STR, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_ENUM, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_UNION, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_ARR_LONG,
                BYTES(0x02, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                CFAVRO_E_DATA_VARINT, 7, "");
    /* Inside a record the path names the field. */
    expect_fail(S_REC_IS, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0x00), CFAVRO_E_DATA_VARINT, 5,
                "R.a");
}

/* An overlong int varint with more bytes after it: at least 8 bytes remain
 * where it starts, so the walker's word-at-a-time varint path reads it
 * (the portable build, -Dsimd=disabled, reads it byte by byte), and the
 * bytes after it must not make it acceptable or move the offset. */
static void test_overlong_int_varint_before_data(void **state)
{
    (void)state;
    /* Six bytes (the stop bit in the 6th), then a valid int and more. */
    expect_fail(S_INT, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x02, 0x04, 0x06),
                CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_INT, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x00),
                CFAVRO_E_DATA_VARINT, 5, "");
    /* No stop bit in the first 8 bytes at all. */
    expect_fail(S_INT, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x02),
                CFAVRO_E_DATA_VARINT, 5, "");
    /* Stop bit in the 8th byte, exactly the word's last. */
    expect_fail(S_INT, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x02),
                CFAVRO_E_DATA_VARINT, 5, "");
    /* Even with trailing bytes allowed, the varint itself is refused. */
    static const char *const allow_trailing[] = {"decode.trailing.bytes", "allow", NULL};
    expect_fail_opts(S_INT, allow_trailing,
                     BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x02, 0x04, 0x06),
                     CFAVRO_E_DATA_VARINT, 5, "", NULL);
    /* A record field followed by the next field's bytes: offset and path
     * are the varint's. */
    expect_fail(S_REC_IS, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x06, 'a', 'b', 'c'),
                CFAVRO_E_DATA_VARINT, 5, "R.a");
    /* Not at the start of the payload: an array item after a valid one. */
    static const char *S_ARR_INT = "{\"type\":\"array\",\"items\":\"int\"}";
    expect_fail(S_ARR_INT,
                BYTES(0x04, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00),
                CFAVRO_E_DATA_VARINT, 7, "[1]");
    /* A five-byte varint in the same place is fine (8 bytes from its
     * start to the end: the same word-at-a-time path). */
    expect_ok_opts(S_ARR_INT, NULL,
                   BYTES(0x08, 0x02, 0x80, 0x80, 0x80, 0x80, 0x00, 0x04, 0x06, 0x00),
                   "[1,0,2,3]");
}

static void test_int_range(void **state)
{
    (void)state;
    /* 5 bytes can carry 35 bits: anything past 32 is out of range. */
    expect_fail(S_INT, BYTES(0xff, 0xff, 0xff, 0xff, 0x1f), CFAVRO_E_DATA_INT_RANGE, 5, "");
    expect_fail(S_INT, BYTES(0x80, 0x80, 0x80, 0x80, 0x10), CFAVRO_E_DATA_INT_RANGE, 5, "");
    expect_ok_opts(S_INT, NULL, BYTES(0xfe, 0xff, 0xff, 0xff, 0x0f), "2147483647");
    expect_fail("{\"type\":\"int\",\"logicalType\":\"date\"}", BYTES(0x80, 0x80, 0x80, 0x80, 0x10),
                CFAVRO_E_DATA_INT_RANGE, 5, "");
    expect_fail(S_ENUM, BYTES(0x80, 0x80, 0x80, 0x80, 0x10), CFAVRO_E_DATA_INT_RANGE, 5, "");
    expect_fail(S_REC_IS, BYTES(0x80, 0x80, 0x80, 0x80, 0x10), CFAVRO_E_DATA_INT_RANGE, 5,
                "R.a");
}

/* ---- blocks ------------------------------------------------------------- */

static void test_block_count_int64_min(void **state)
{
    (void)state;
    expect_fail(S_ARR_LONG, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                CFAVRO_E_DATA_BLOCK_COUNT, 5, "");
    expect_fail(S_MAP_INT, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                CFAVRO_E_DATA_BLOCK_COUNT, 5, "");
    expect_fail(S_ARR_NULL, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                CFAVRO_E_DATA_BLOCK_COUNT, 5, "");
    /* In a second block. */
    expect_fail(S_ARR_LONG,
                BYTES(0x02, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                CFAVRO_E_DATA_BLOCK_COUNT, 7, "");
}

static void test_block_sizes(void **state)
{
    (void)state;
    /* Negative count, then a negative byte size. */
    expect_fail(S_ARR_LONG, BYTES(0x01, 0x01, 0x02), CFAVRO_E_DATA_BLOCK_COUNT, 6, "");
    /* Byte size beyond the input. */
    expect_fail(S_ARR_LONG, BYTES(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x02, 0x00),
                CFAVRO_E_DATA_LENGTH, 6, "");
    /* Byte size that disagrees with what the items took. */
    expect_fail(S_ARR_LONG, BYTES(0x03, 0x06, 0x02, 0x04, 0x00, 0x00), CFAVRO_E_DATA_BLOCK_COUNT,
                5, "");
    /* And one that agrees. */
    expect_ok_opts(S_ARR_LONG, NULL, BYTES(0x03, 0x04, 0x02, 0x04, 0x00), "[1,2]");
}

static void test_huge_block_counts(void **state)
{
    (void)state;
    /* Items of at least one byte: bounded by the remaining input. */
    expect_fail(S_ARR_LONG, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                CFAVRO_E_DATA_LENGTH, 5, "");
    expect_fail(S_ARR_LONG, BYTES(0x08, 0x02, 0x02, 0x02), CFAVRO_E_DATA_LENGTH, 5, "");
    /* A map item is at least a key length byte even when the value is null. */
    expect_fail(S_MAP_NULL, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                CFAVRO_E_DATA_LENGTH, 5, "");
    /* Negative count: its magnitude is bounded too. */
    expect_fail(S_ARR_LONG, BYTES(0xfd, 0xff, 0xff, 0xff, 0x0f, 0x02, 0x02, 0x02, 0x00),
                CFAVRO_E_DATA_LENGTH, 5, "");
    /* Fixed items: count * size must fit. */
    expect_fail("{\"type\":\"array\",\"items\":{\"type\":\"fixed\",\"name\":\"F8\",\"size\":8}}",
                BYTES(0x04, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), CFAVRO_E_DATA_LENGTH,
                5, "");
    /* Records of two longs: at least 2 bytes each. */
    expect_fail("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"P\",\"fields\":["
                "{\"name\":\"x\",\"type\":\"long\"},{\"name\":\"y\",\"type\":\"long\"}]}}",
                BYTES(0x06, 0, 0, 0, 0, 0), CFAVRO_E_DATA_LENGTH, 5, "");
}

static void test_zero_byte_items(void **state)
{
    (void)state;
    /* 2^62 nulls in 10 bytes: refused by limit.items (default 1e6). */
    expect_fail(S_ARR_NULL, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00),
                CFAVRO_E_LIMIT_ITEMS, 5, "");
    const char *empty_rec = "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\","
                            "\"fields\":[]}}";
    const char *null_rec = "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"N\","
                           "\"fields\":[{\"name\":\"z\",\"type\":\"null\"}]}}";
    /* At the limit passes, one over fails. */
    bb p = {0};
    bb_long(&p, 1000);
    bb_long(&p, 0);
    char expected[4100];
    size_t k = 0;
    expected[k++] = '[';
    for (int i = 0; i < 1000; i++) {
        if (i > 0) {
            expected[k++] = ',';
        }
        expected[k++] = '{';
        expected[k++] = '}';
    }
    expected[k++] = ']';
    expected[k] = '\0';
    expect_ok_opts(empty_rec, OPTS("limit.items", "1000"), p.d, p.n, expected);
    p.n = 0;
    bb_long(&p, 1001);
    bb_long(&p, 0);
    expect_fail_opts(empty_rec, OPTS("limit.items", "1000"), p.d, p.n, CFAVRO_E_LIMIT_ITEMS, 5,
                     "", NULL);
    expect_fail_opts(null_rec, OPTS("limit.items", "1000"), p.d, p.n, CFAVRO_E_LIMIT_ITEMS, 5,
                     "", NULL);
    /* The limit counts per message across blocks and nested arrays:
     * [[null x3], [null x3]] with limit 5 fails at the second inner count. */
    const char *nested = "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"null\"}}";
    expect_fail_opts(nested, OPTS("limit.items", "5"), BYTES(0x04, 0x06, 0x00, 0x06, 0x00, 0x00),
                     CFAVRO_E_LIMIT_ITEMS, 8, "[1]", NULL);
    expect_ok_opts(nested, OPTS("limit.items", "6"), BYTES(0x04, 0x06, 0x00, 0x06, 0x00, 0x00),
                   "[[null,null,null],[null,null,null]]");
    /* Two blocks of the same array. */
    expect_fail_opts(S_ARR_NULL, OPTS("limit.items", "5"), BYTES(0x06, 0x06, 0x00),
                     CFAVRO_E_LIMIT_ITEMS, 6, "", NULL);
    /* limit.items=0 allows empty arrays only. */
    expect_ok_opts(S_ARR_NULL, OPTS("limit.items", "0"), BYTES(0x00), "[]");
    expect_fail_opts(S_ARR_NULL, OPTS("limit.items", "0"), BYTES(0x02, 0x00),
                     CFAVRO_E_LIMIT_ITEMS, 5, "", NULL);
    /* The budget is per message: the same decoder decodes it again. */
    fx f = make(S_ARR_NULL, OPTS("limit.items", "3"));
    const uint8_t msg[] = {0, 0, 0, 0, ID, 0x06, 0x00};
    for (int i = 0; i < 3; i++) {
        const char *json;
        size_t len;
        assert_int_equal(cfavro_decode_json(f.dec, msg, sizeof msg, &json, &len), CFAVRO_OK);
        assert_string_equal(json, "[null,null,null]");
    }
    unmake(&f);
    bb_free(&p);
}

/* ---- indexes and booleans ----------------------------------------------- */

static void test_union_index(void **state)
{
    (void)state;
    expect_fail(S_UNION, BYTES(0x04), CFAVRO_E_DATA_UNION_INDEX, 5, "");
    expect_fail(S_UNION, BYTES(0x01), CFAVRO_E_DATA_UNION_INDEX, 5, "");
    /* The branch index is an Avro int (the spec; Java reads it so): longer
     * than 5 bytes is an overlong varint, beyond 32 bits out of range. */
    expect_fail(S_UNION, BYTES(0xfe, 0xff, 0xff, 0xff, 0x0f), CFAVRO_E_DATA_UNION_INDEX, 5, "");
    expect_fail(S_UNION, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_UNION, BYTES(0x82, 0x80, 0x80, 0x80, 0x80, 0x00), CFAVRO_E_DATA_VARINT, 5, "");
    expect_fail(S_UNION, BYTES(0x80, 0x80, 0x80, 0x80, 0x10), CFAVRO_E_DATA_INT_RANGE, 5, "");
    const char *rec = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"int\"},{\"name\":\"u\",\"type\":[\"null\",\"long\",\"string\"]}]}";
    expect_fail(rec, BYTES(0x02, 0x06), CFAVRO_E_DATA_UNION_INDEX, 6, "R.u");
    expect_ok_opts(rec, NULL, BYTES(0x02, 0x04, 0x00), "{\"a\":1,\"u\":{\"string\":\"\"}}");
}

static void test_enum_index(void **state)
{
    (void)state;
    expect_fail(S_ENUM, BYTES(0x06), CFAVRO_E_DATA_ENUM_INDEX, 5, "");
    expect_fail(S_ENUM, BYTES(0x01), CFAVRO_E_DATA_ENUM_INDEX, 5, "");
    expect_fail(S_ENUM, BYTES(0xfe, 0xff, 0xff, 0xff, 0x0f), CFAVRO_E_DATA_ENUM_INDEX, 5, "");
    expect_ok_opts(S_ENUM, NULL, BYTES(0x04), "\"C\"");
    const char *arr = "{\"type\":\"array\",\"items\":{\"type\":\"enum\",\"name\":\"E\","
                      "\"symbols\":[\"A\"]}}";
    expect_fail(arr, BYTES(0x06, 0x00, 0x00, 0x02, 0x00), CFAVRO_E_DATA_ENUM_INDEX, 8, "[2]");
}

static void test_boolean_byte(void **state)
{
    (void)state;
    expect_fail(S_BOOL, BYTES(0x02), CFAVRO_E_DATA_BOOLEAN, 5, "");
    expect_fail(S_BOOL, BYTES(0xff), CFAVRO_E_DATA_BOOLEAN, 5, "");
    expect_fail(S_BOOL, BYTES(0x80), CFAVRO_E_DATA_BOOLEAN, 5, "");
    const char *rec = "{\"type\":\"record\",\"name\":\"Flags\",\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"boolean\"},{\"name\":\"b\",\"type\":\"boolean\"}]}";
    expect_fail(rec, BYTES(0x01, 0x02), CFAVRO_E_DATA_BOOLEAN, 6, "Flags.b");
}

/* ---- truncation --------------------------------------------------------- */

static void test_truncated_primitives(void **state)
{
    (void)state;
    expect_fail(S_INT, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_INT, BYTES(0x80, 0x80), CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_LONG, BYTES(0xff), CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_BOOL, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail("\"float\"", BYTES(0, 0, 0), CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail("\"double\"", BYTES(0, 0, 0, 0, 0, 0, 0), CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail("{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}", BYTES(1, 2),
                CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_STR, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_ARR_LONG, BYTES(0x02, 0x02), CFAVRO_E_DATA_TRUNCATED, 7, "");
    expect_fail(S_MAP_INT, BYTES(0x02, 0x02, 'k'), CFAVRO_E_DATA_TRUNCATED, 8, "[\"k\"]");
}

/* Field boundaries of the every-type payload, in message offsets. */
typedef struct mark {
    const char *name;
    size_t start;
    size_t end;
} mark;

enum { NFIELDS = 29 };

/* Message (header + payload) for tests/data/decode_every_type.avsc, with
 * the field boundaries recorded in marks[]. */
static void every_type_message(bb *m, mark *marks)
{
    size_t k = 0;
#define FIELD(nm, code)                                                                        \
    do {                                                                                       \
        marks[k].name = nm;                                                                    \
        marks[k].start = m->n;                                                                 \
        code;                                                                                  \
        marks[k].end = m->n;                                                                   \
        k++;                                                                                   \
    } while (0)
    bb_header(m, ID);
    FIELD("n", (void)0);
    FIELD("b", bb_byte(m, 1));
    FIELD("i", bb_long(m, -123456));
    FIELD("l", bb_long(m, 1234567890123LL));
    FIELD("f", bb_le(m, 0x3fc00000u, 4));
    FIELD("d", bb_le(m, 0x400921fb54442d18u, 8));
    FIELD("by", (bb_long(m, 3), bb_raw(m, "\x00\xff\x41", 3)));
    FIELD("s", bb_str(m, "h\xc3\xa9llo"));
    FIELD("fx", bb_raw(m, "xyz", 3));
    FIELD("e", bb_long(m, 2));
    FIELD("a", (bb_long(m, 2), bb_long(m, 300), bb_long(m, -1), bb_long(m, -1), bb_long(m, 1),
                bb_long(m, 5), bb_long(m, 0)));
    FIELD("m", (bb_long(m, 2), bb_str(m, "k1"), bb_str(m, "v1"), bb_str(m, "k2"), bb_str(m, ""),
                bb_long(m, 0)));
    FIELD("u", (bb_long(m, 2), bb_long(m, -1)));
    FIELD("r", (bb_long(m, -5), bb_long(m, 1), bb_str(m, "t"), bb_long(m, 0)));
    FIELD("ra", (bb_long(m, 2), bb_long(m, -1), bb_long(m, 0), bb_long(m, 1), bb_long(m, 2),
                 bb_str(m, "a"), bb_str(m, "bc"), bb_long(m, 0), bb_long(m, 0)));
    FIELD("mu", (bb_long(m, 2), bb_str(m, "p"), bb_long(m, 1), bb_le(m, 0x3ff0000000000000u, 8),
                 bb_str(m, "q"), bb_long(m, 0), bb_long(m, 0)));
    FIELD("dec", (bb_long(m, 2), bb_raw(m, "\x30\x39", 2)));
    FIELD("decf", bb_raw(m, "\x00\x00\x00\x01\xe2\x40", 6));
    FIELD("uuid", bb_str(m, "123e4567-e89b-12d3-a456-426614174000"));
    FIELD("date", bb_long(m, 19724));
    FIELD("tm", bb_long(m, 49530123));
    FIELD("tu", bb_long(m, 49530123456LL));
    FIELD("tsm", bb_long(m, 1704164645123LL));
    FIELD("tsu", bb_long(m, 1704164645123456LL));
    FIELD("ltm", bb_long(m, 1704164645123LL));
    FIELD("ltu", bb_long(m, 1704164645123456LL));
    FIELD("dur", bb_raw(m, "\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00", 12));
    FIELD("opt", (bb_long(m, 1), bb_long(m, -2), bb_long(m, 0)));
    FIELD("last", bb_str(m, "end"));
#undef FIELD
    assert_int_equal(k, NFIELDS);
}

static const char *k_every_json =
    "{\"n\":null,\"b\":true,\"i\":-123456,\"l\":1234567890123,\"f\":1.5,"
    "\"d\":3.141592653589793,\"by\":\"\\u0000\xc3\xbf" "A\",\"s\":\"h\xc3\xa9llo\",\"fx\":\"xyz\","
    "\"e\":\"BLUE\",\"a\":[300,-1,5],\"m\":{\"k1\":\"v1\",\"k2\":\"\"},"
    "\"u\":{\"long\":-1},\"r\":{\"x\":-5,\"tags\":[\"t\"]},"
    "\"ra\":[{\"x\":-1,\"tags\":[]},{\"x\":1,\"tags\":[\"a\",\"bc\"]}],"
    "\"mu\":{\"p\":{\"double\":1.0},\"q\":null},\"dec\":\"123.45\",\"decf\":\"123.456\","
    "\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\",\"date\":\"2024-01-02\","
    "\"tm\":\"13:45:30.123\",\"tu\":\"13:45:30.123456\",\"tsm\":\"2024-01-02T03:04:05.123Z\","
    "\"tsu\":\"2024-01-02T03:04:05.123456Z\",\"ltm\":\"2024-01-02T03:04:05.123\","
    "\"ltu\":\"2024-01-02T03:04:05.123456\",\"dur\":{\"months\":1,\"days\":2,\"millis\":3},"
    "\"opt\":{\"test.decode.Inner\":{\"x\":-2,\"tags\":[]}},\"last\":\"end\"}";

static void test_truncation_every_offset(void **state)
{
    (void)state;
    size_t slen;
    char *schema = read_data_file("decode_every_type.avsc", &slen);
    cfavro_client *client = client_with_schema(ID, schema, slen);
    free(schema);
    cfavro_decoder *dec = decoder_with_options(client, NULL);

    bb m = {0};
    mark marks[NFIELDS];
    every_type_message(&m, marks);
    const char *json;
    size_t json_len;
    int rc = cfavro_decode_json(dec, m.d, m.n, &json, &json_len);
    if (rc != CFAVRO_OK) {
        fail_msg("full message: %d at %llu [%s] %s", rc,
                 (unsigned long long)cfavro_decoder_error(dec)->offset,
                 cfavro_decoder_error(dec)->path, cfavro_decoder_error(dec)->message);
    }
    assert_string_equal(json, k_every_json);

    /* Each prefix is a copy in its own allocation, so ASan/valgrind catch
     * any read past its end. */
    for (size_t len = 0; len < m.n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, m.d, len);
        for (int mode = 0; mode < 2; mode++) {
            rc = mode == 0 ? cfavro_decode_json(dec, copy, len, &json, &json_len)
                           : cfavro_validate(dec, copy, len);
            const cfavro_error *e = cfavro_decoder_error(dec);
            if (len < 5) {
                assert_int_equal(rc, CFAVRO_E_FRAME_SHORT);
                assert_int_equal(e->offset, len);
                continue;
            }
            if (rc != CFAVRO_E_DATA_TRUNCATED && rc != CFAVRO_E_DATA_LENGTH) {
                fail_msg("prefix of %zu bytes: status %d (%s) at %llu", len, rc, e->message,
                         (unsigned long long)e->offset);
            }
            /* The field being read when the data ran out. */
            const mark *fm = &marks[NFIELDS - 1]; /* ends at m.n > len */
            for (size_t i = 0; i < NFIELDS; i++) {
                if (marks[i].end > len) {
                    fm = &marks[i];
                    break;
                }
            }
            if (e->offset < fm->start || e->offset > len) {
                fail_msg("prefix of %zu bytes: offset %llu outside field %s [%zu, %zu]", len,
                         (unsigned long long)e->offset, fm->name, fm->start, len);
            }
            char want[64];
            snprintf(want, sizeof want, "Everything.%s", fm->name);
            size_t wl = strlen(want);
            if (strncmp(e->path, want, wl) != 0 ||
                (e->path[wl] != '\0' && e->path[wl] != '.' && e->path[wl] != '[')) {
                fail_msg("prefix of %zu bytes: path \"%s\", expected under %s", len, e->path,
                         want);
            }
            assert_true(e->schema_id == ID);
        }
        free(copy);
    }

    /* One byte more is a trailing-bytes error at the end of the value. */
    bb_byte(&m, 0x00);
    rc = cfavro_decode_json(dec, m.d, m.n, &json, &json_len);
    assert_int_equal(rc, CFAVRO_E_TRAILING_BYTES);
    assert_int_equal(cfavro_decoder_error(dec)->offset, m.n - 1);
    assert_string_equal(cfavro_decoder_error(dec)->path, "");
    bb_free(&m);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* Specific field paths through arrays, maps, nested records and unions. */
static void test_paths(void **state)
{
    (void)state;
    const char *order =
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"items\",\"type\":{\"type\":\"array\","
        "\"items\":{\"type\":\"record\",\"name\":\"Item\",\"fields\":["
        "{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"price\",\"type\":[\"null\","
        "\"double\"]}]}}}]}";
    bb p = {0};
    bb_long(&p, 1);
    bb_long(&p, 2); /* block 1: items 0, 1 */
    for (int i = 0; i < 2; i++) {
        bb_str(&p, "a");
        bb_long(&p, 0);
    }
    bb_long(&p, 2); /* block 2: items 2, 3 */
    bb_str(&p, "b");
    bb_long(&p, 0);
    bb_str(&p, "c");
    size_t bad = p.n;
    bb_long(&p, 5); /* item 3's price: branch 5 of 2 */
    bb_long(&p, 0);
    expect_fail(order, p.d, p.n, CFAVRO_E_DATA_UNION_INDEX, 5 + bad, "Order.items[3].price");
    /* Truncated inside item 3's double. */
    p.n = bad;
    bb_long(&p, 1);
    bb_raw(&p, "\x00\x00", 2);
    expect_fail(order, p.d, p.n, CFAVRO_E_DATA_TRUNCATED, 5 + bad + 1, "Order.items[3].price");

    const char *trade = "{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"com.example\","
                        "\"fields\":[{\"name\":\"extra\",\"type\":{\"type\":\"map\",\"values\":"
                        "[\"null\",\"double\"]}}]}";
    p.n = 0;
    bb_long(&p, 2);
    bb_str(&p, "tax");
    bb_long(&p, 0);
    bb_str(&p, "fee");
    bad = p.n;
    bb_long(&p, 7);
    bb_long(&p, 0);
    expect_fail(trade, p.d, p.n, CFAVRO_E_DATA_UNION_INDEX, 5 + bad, "Trade.extra[\"fee\"]");
    /* Keys that are not printable ASCII are shown escaped. */
    p.n = 0;
    bb_long(&p, 1);
    bb_str(&p, "a\"b\\\n\xc3\xa9");
    bad = p.n;
    bb_long(&p, 9);
    bb_long(&p, 0);
    expect_fail(trade, p.d, p.n, CFAVRO_E_DATA_UNION_INDEX, 5 + bad,
                "Trade.extra[\"a\\x22b\\x5c\\x0a\\xc3\\xa9\"]");
    /* Arrays of maps of arrays. */
    const char *amz = "{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":{\"type\":"
                      "\"array\",\"items\":\"boolean\"}}}";
    expect_fail(amz, BYTES(0x02, 0x02, 0x02, 'k', 0x04, 0x00, 0x07), CFAVRO_E_DATA_BOOLEAN, 11,
                "[0][\"k\"][1]");
    bb_free(&p);
}

/* ---- depth -------------------------------------------------------------- */

static const char *k_list_schema = "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                                   "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";

/* `levels` nested Node records: levels-1 union branch-1 bytes then a null. */
static void list_payload(bb *p, size_t levels)
{
    p->n = 0;
    for (size_t i = 1; i < levels; i++) {
        bb_byte(p, 0x02);
    }
    bb_byte(p, 0x00);
}

static void test_depth_limit(void **state)
{
    (void)state;
    bb p = {0};
    char path[CFAVRO_ERROR_PATH_MAX];
    /* limit.depth=10: 10 records pass, 11 fail where the 11th starts. */
    list_payload(&p, 10);
    expect_ok_opts(k_list_schema, OPTS("limit.depth", "10"), p.d, p.n, NULL);
    list_payload(&p, 11);
    strcpy(path, "Node");
    for (int i = 0; i < 10; i++) {
        strcat(path, ".next");
    }
    expect_fail_opts(k_list_schema, OPTS("limit.depth", "10"), p.d, p.n, CFAVRO_E_LIMIT_DEPTH,
                     5 + 10, path, NULL);

    /* The default (128). */
    list_payload(&p, 128);
    expect_ok_opts(k_list_schema, NULL, p.d, p.n, NULL);
    list_payload(&p, 129);
    expect_fail(k_list_schema, p.d, p.n, CFAVRO_E_LIMIT_DEPTH, 5 + 128, NO_PATH);
    /* Deeper than the path keeps: the outer segments are elided. */
    fx f = make(k_list_schema, NULL);
    bb m = {0};
    framed(&m, p.d, p.n);
    assert_int_equal(cfavro_validate(f.dec, m.d, m.n), CFAVRO_E_LIMIT_DEPTH);
    const char *got = cfavro_decoder_error(f.dec)->path;
    assert_true(strncmp(got, "...", 3) == 0);
    assert_true(got[3] != '.'); /* "...next.next", not "....next" */
    assert_true(strlen(got) >= 3 + 5 * 32 - 5 && strlen(got) < 3 + 5 * 33);
    bb_free(&m);
    unmake(&f);

    /* 100k levels (a stack overflow for naive recursion) fail fast. */
    list_payload(&p, 100000);
    expect_fail(k_list_schema, p.d, p.n, CFAVRO_E_LIMIT_DEPTH, 5 + 128, NO_PATH);

    /* Arrays nest too: limit.depth=3 allows [[[1]]] but not [[[[1]]]]. */
    const char *a3 = "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":"
                     "\"array\",\"items\":\"int\"}}}";
    const char *a4 = "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":"
                     "\"array\",\"items\":{\"type\":\"array\",\"items\":\"int\"}}}}";
    expect_ok_opts(a3, OPTS("limit.depth", "3"), BYTES(0x02, 0x02, 0x02, 0x02, 0, 0, 0),
                   "[[[1]]]");
    expect_fail_opts(a4, OPTS("limit.depth", "3"), BYTES(0x02, 0x02, 0x02, 0x02, 0x02, 0, 0, 0, 0),
                     CFAVRO_E_LIMIT_DEPTH, 8, "[0][0][0]", NULL);

    bb_free(&p);
}

/* The largest accepted limit with input that deep. The walker recurses, so
 * this needs more stack than the default thread has under ASan (measured:
 * ~300 bytes per level at -O2, several times that with sanitizers); run it
 * on a thread with a generous stack. cmocka asserts are not thread-safe, so
 * the thread only records results. */
typedef struct deep_result {
    int ok_rc;
    int fail_rc;
    uint64_t fail_offset;
} deep_result;

static void *deep_thread(void *arg)
{
    deep_result *r = arg;
    cfavro_client *client = cfavro_client_new(NULL, NULL);
    cfavro_client_add_schema(client, ID, k_list_schema, strlen(k_list_schema), NULL);
    cfavro_decoder *dec = cfavro_decoder_new(client, NULL);
    cfavro_decoder_set(dec, "limit.depth", "10000", NULL);
    size_t n = 5 + 10001;
    uint8_t *m = calloc(n, 1);
    m[4] = ID;
    for (size_t i = 5; i < n - 1; i++) {
        m[i] = 0x02;
    }
    const char *json;
    size_t len;
    /* 10000 levels: the first 9999 bytes say "next", the 10000th is null. */
    m[5 + 9999] = 0x00;
    r->ok_rc = cfavro_decode_json(dec, m, 5 + 10000, &json, &len);
    if (r->ok_rc == CFAVRO_OK) {
        r->ok_rc = cfavro_validate(dec, m, 5 + 10000);
    }
    m[5 + 9999] = 0x02;
    r->fail_rc = cfavro_decode_json(dec, m, n, &json, &len);
    r->fail_offset = cfavro_decoder_error(dec)->offset;
    free(m);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    return NULL;
}

static void test_depth_limit_max(void **state)
{
    (void)state;
    deep_result r = {-1, -1, 0};
    pthread_attr_t attr;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, (size_t)256 << 20), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &attr, deep_thread, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(r.ok_rc, CFAVRO_OK);
    assert_int_equal(r.fail_rc, CFAVRO_E_LIMIT_DEPTH);
    assert_int_equal(r.fail_offset, 5 + 10000);
}

/* ---- trailing bytes ----------------------------------------------------- */

static void test_trailing_bytes(void **state)
{
    (void)state;
    expect_fail(S_INT, BYTES(0x02, 0x00), CFAVRO_E_TRAILING_BYTES, 6, "");
    expect_fail("\"null\"", BYTES(0x00), CFAVRO_E_TRAILING_BYTES, 5, "");
    expect_fail(S_REC_IS, BYTES(0x02, 0x02, 'x', 'y', 'z'), CFAVRO_E_TRAILING_BYTES, 8, "");
    expect_fail_opts(S_INT, OPTS("decode.trailing.bytes", "error"), BYTES(0x02, 0x00),
                     CFAVRO_E_TRAILING_BYTES, 6, "", NULL);
    expect_ok_opts(S_INT, OPTS("decode.trailing.bytes", "allow"), BYTES(0x02, 0x00, 0xff), "1");
    expect_ok_opts("\"null\"", OPTS("decode.trailing.bytes", "allow"), BYTES(0x00), "null");
    /* Allowing trailing bytes does not excuse malformed data before them. */
    expect_fail_opts(S_BOOL, OPTS("decode.trailing.bytes", "allow"), BYTES(0x03, 0x00),
                     CFAVRO_E_DATA_BOOLEAN, 5, "", NULL);
}

/* ---- framing and schema lookup ------------------------------------------ */

static void test_framing(void **state)
{
    (void)state;
    fx f = make(S_INT, NULL);
    const char *json = "x";
    size_t len = 1;
    const cfavro_error *e = cfavro_decoder_error(f.dec);

    assert_int_equal(cfavro_decode_json(f.dec, "", 0, &json, &len), CFAVRO_E_FRAME_SHORT);
    assert_null(json);
    assert_int_equal(e->offset, 0);
    assert_true(e->schema_id == CFAVRO_NO_SCHEMA_ID);
    assert_int_equal(cfavro_decode_json(f.dec, NULL, 0, &json, &len), CFAVRO_E_FRAME_SHORT);
    for (size_t n = 1; n < 5; n++) {
        assert_int_equal(cfavro_decode_json(f.dec, "\0\0\0\0", n, &json, &len),
                         CFAVRO_E_FRAME_SHORT);
        assert_int_equal(e->offset, n);
        assert_int_equal(cfavro_validate(f.dec, "\0\0\0\0", n), CFAVRO_E_FRAME_SHORT);
    }
    const char *text = "{\"price\":1}";
    assert_int_equal(cfavro_decode_json(f.dec, text, strlen(text), &json, &len),
                     CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(e->offset, 0);
    assert_contains(e->message, "JSON");
    /* Raw Avro without the header. */
    assert_int_equal(cfavro_validate(f.dec, "\x06" "abc", 4), CFAVRO_E_FRAME_MAGIC);
    assert_contains(e->message, "without the 5-byte");

    /* V1 (GUID) frames with no source that knows the GUID: not found. */
    uint8_t v1[CFAVRO_HEADER_V1_SIZE + 1];
    const uint8_t guid[CFAVRO_GUID_SIZE] = {0xde, 0xad, 0xbe, 0xef, 1, 2,  3,  4,
                                            5,    6,    7,    8,    9, 10, 11, 12};
    assert_int_equal(cfavro_frame_write_v1(guid, v1, sizeof v1), CFAVRO_OK);
    v1[CFAVRO_HEADER_V1_SIZE] = 0x02;
    assert_int_equal(cfavro_decode_json(f.dec, v1, sizeof v1, &json, &len),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_null(json);
    assert_true(e->offset == CFAVRO_NO_OFFSET);
    assert_contains(e->message, "deadbeef-0102-0304-0506-0708090a0b0c");
    assert_contains(e->message, "schema.registry.url");
    assert_int_equal(cfavro_validate(f.dec, v1, sizeof v1), CFAVRO_E_SCHEMA_NOT_FOUND);
    /* A short V1 frame. */
    assert_int_equal(cfavro_validate(f.dec, v1, 10), CFAVRO_E_FRAME_SHORT);
    assert_int_equal(e->offset, 10);

    /* Unknown schema id: not found, id reported, no offset. */
    const uint8_t unknown[] = {0, 0, 0, 0x03, 0xe7, 0x02};
    assert_int_equal(cfavro_decode_json(f.dec, unknown, sizeof unknown, &json, &len),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(e->schema_id == 999);
    assert_true(e->offset == CFAVRO_NO_OFFSET);
    assert_contains(e->message, "999");
    assert_int_equal(cfavro_validate(f.dec, unknown, sizeof unknown), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(e->schema_id == 999);
    /* Negative ids are just ids. */
    const uint8_t neg[] = {0, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(cfavro_validate(f.dec, neg, sizeof neg), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(e->schema_id == -1);

    /* The decoder still works. */
    const uint8_t good[] = {0, 0, 0, 0, ID, 0x54};
    assert_int_equal(cfavro_decode_json(f.dec, good, sizeof good, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "42");
    assert_int_equal(e->status, CFAVRO_OK);
    unmake(&f);
}

static void test_five_byte_message(void **state)
{
    (void)state;
    expect_ok_opts("\"null\"", NULL, NULL, 0, "null");
    expect_ok_opts("{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}", NULL, NULL, 0, "{}");
    expect_ok_opts("{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"a\",\"type\":"
                   "\"null\"},{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":\"E\","
                   "\"fields\":[]}}]}",
                   NULL, NULL, 0, "{\"a\":null,\"b\":{}}");
    expect_ok_opts("{\"type\":\"fixed\",\"name\":\"Z\",\"size\":0}", NULL, NULL, 0, "\"\"");
    /* Anything that needs a byte is truncated at offset 5. */
    expect_fail(S_INT, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_UNION, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_ARR_LONG, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "");
    expect_fail(S_REC_IS, NULL, 0, CFAVRO_E_DATA_TRUNCATED, 5, "R.a");
}

/* cfavro_decode_payload_json on a message that still has its header. */
static void test_unstripped_header_hint(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"sym\","
                         "\"type\":\"string\"},{\"name\":\"px\",\"type\":\"double\"}]}";
    fx f = make(schema, NULL);
    bb m = {0};
    bb_header(&m, ID);
    bb_str(&m, "abc");
    bb_le(&m, 0x4045000000000000u, 8);
    const char *json = "x";
    size_t len = 1;
    /* Framed: fine. */
    assert_int_equal(cfavro_decode_json(f.dec, m.d, m.n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"abc\",\"px\":42.0}");
    /* The same bytes as a payload: the header is read as data, and the
     * error says what happened. */
    int rc = cfavro_decode_payload_json(f.dec, ID, m.d, m.n, &json, &len);
    const cfavro_error *e = cfavro_decoder_error(f.dec);
    assert_int_not_equal(rc, CFAVRO_OK);
    assert_null(json);
    assert_int_equal(e->status, rc);
    assert_int_equal(rc, CFAVRO_E_TRAILING_BYTES);
    assert_int_equal(e->offset, 9);
    assert_true(e->schema_id == ID);
    assert_contains(e->message, "not stripped");
    assert_contains(e->message, "schema id 77");
    /* The stripped payload decodes, offsets count from the payload. */
    assert_int_equal(cfavro_decode_payload_json(f.dec, ID, m.d + 5, m.n - 5, &json, &len),
                     CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"abc\",\"px\":42.0}");
    assert_int_equal(cfavro_decode_payload_json(f.dec, ID, m.d + 5, 3, &json, &len),
                     CFAVRO_E_DATA_LENGTH);
    assert_int_equal(e->offset, 0);
    assert_string_equal(e->path, "T.sym");
    /* No hint when the payload does not start like a frame. */
    const uint8_t bad[] = {0x02, 'a', 0x00};
    assert_int_equal(cfavro_decode_payload_json(f.dec, ID, bad, sizeof bad, &json, &len),
                     CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(e->offset, 2);
    assert_null(strstr(e->message, "not stripped"));
    /* Unknown id through the payload call. */
    assert_int_equal(cfavro_decode_payload_json(f.dec, 5, bad, sizeof bad, &json, &len),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(e->schema_id == 5);
    bb_free(&m);
    unmake(&f);
}

/* ---- UTF-8 -------------------------------------------------------------- */

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        uint8_t s[8];
        size_t n;
        size_t bad;           /* index of the first offending byte */
        const char *replaced; /* JSON with U+FFFD per maximal subpart */
    } cases[] = {
        {"a\xff" "b", 3, 1, "\"a\xef\xbf\xbd" "b\""},
        {"\xc0\xaf", 2, 0, "\"\xef\xbf\xbd\xef\xbf\xbd\""},          /* overlong '/' */
        {"x\xed\xa0\x80", 4, 1, "\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* surrogate */
        {"ab\xe2\x82", 4, 2, "\"ab\xef\xbf\xbd\""},                  /* cut short */
        {"\x80", 1, 0, "\"\xef\xbf\xbd\""},                          /* stray continuation */
        {"\xf4\x90\x80\x80", 4, 0, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"ok\xf0\x9f\x98z", 6, 2, "\"ok\xef\xbf\xbdz\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb p = {0};
        bb_long(&p, (int64_t)cases[i].n);
        bb_raw(&p, cases[i].s, cases[i].n);
        size_t at = 5 + 1 + cases[i].bad;
        expect_fail(S_STR, p.d, p.n, CFAVRO_E_DATA_UTF8, at, "");
        expect_fail_opts(S_STR, OPTS("json.invalid.utf8", "error"), p.d, p.n, CFAVRO_E_DATA_UTF8,
                         at, "", NULL);
        expect_ok_opts(S_STR, OPTS("json.invalid.utf8", "replace"), p.d, p.n, cases[i].replaced);
        bb_free(&p);
    }
    /* In a record field, a map key and a map value. */
    expect_fail(S_REC_IS, BYTES(0x02, 0x04, 'o', 0xfe), CFAVRO_E_DATA_UTF8, 8, "R.s");
    const char *map = "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"m\",\"type\":"
                      "{\"type\":\"map\",\"values\":\"string\"}}]}";
    expect_fail(map, BYTES(0x02, 0x02, 0xc3, 0x02, 'v', 0x00), CFAVRO_E_DATA_UTF8, 7, "M.m[0]");
    expect_fail(map, BYTES(0x02, 0x02, 'k', 0x02, 0xc3, 0x00), CFAVRO_E_DATA_UTF8, 9,
                "M.m[\"k\"]");
    expect_ok_opts(map, OPTS("json.invalid.utf8", "replace"),
                   BYTES(0x02, 0x02, 0xc3, 0x02, 0xc3, 0x00),
                   "{\"m\":{\"\xef\xbf\xbd\":\"\xef\xbf\xbd\"}}");
    /* Bytes are not text: any byte is fine there. */
    expect_ok_opts(S_BYTES, NULL, BYTES(0x02, 0xff), "{\"b\":\"\xc3\xbf\"}");
}

/* ---- output limit and oversized decimals -------------------------------- */

static void test_output_limit(void **state)
{
    (void)state;
    bb p = {0};
    bb_str(&p, "0123456789abcdefghij");
    char msg[CFAVRO_ERROR_MESSAGE_MAX];
    expect_fail_opts(S_STR, OPTS("limit.output.bytes", "10"), p.d, p.n, CFAVRO_E_LIMIT_OUTPUT,
                     26, "", msg);
    assert_contains(msg, "limit.output.bytes");
    /* Exactly fitting output (22 bytes) passes. */
    expect_ok_opts(S_STR, OPTS("limit.output.bytes", "22"), p.d, p.n,
                   "\"0123456789abcdefghij\"");
    expect_fail_opts(S_STR, OPTS("limit.output.bytes", "21"), p.d, p.n, CFAVRO_E_LIMIT_OUTPUT,
                     CFAVRO_NO_OFFSET, "", NULL);
    /* Validation produces no output, so the limit does not apply. */
    fx f = make(S_STR, OPTS("limit.output.bytes", "1"));
    bb m = {0};
    framed(&m, p.d, p.n);
    assert_int_equal(cfavro_validate(f.dec, m.d, m.n), CFAVRO_OK);
    bb_free(&m);
    unmake(&f);
    bb_free(&p);
}

/* Output that fits the limit exactly is accepted whatever its last value
 * is: numbers must not be refused because of a worst-case reservation
 * (21 bytes for an integer, 32 for a double) near the limit. */
static void test_output_limit_exact_fit_numbers(void **state)
{
    (void)state;
    const char *rec = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"s\","
                      "\"type\":\"string\"},{\"name\":\"x\",\"type\":\"long\"},{\"name\":"
                      "\"d\",\"type\":\"double\"}]}";
    /* {"s":"abc","x":1,"d":1.5} is 25 bytes. */
    const char *want = "{\"s\":\"abc\",\"x\":1,\"d\":1.5}";
    bb p = {0};
    bb_str(&p, "abc");
    bb_long(&p, 1);
    bb_le(&p, 0x3ff8000000000000u, 8);
    assert_int_equal(strlen(want), 25);
    expect_ok_opts(rec, OPTS("limit.output.bytes", "25"), p.d, p.n, want);
    expect_fail_opts(rec, OPTS("limit.output.bytes", "24"), p.d, p.n, CFAVRO_E_LIMIT_OUTPUT,
                     CFAVRO_NO_OFFSET, "", NULL);
    expect_ok_opts(S_LONG, OPTS("limit.output.bytes", "1"), BYTES(0x02), "1");
    expect_ok_opts("\"double\"", OPTS("limit.output.bytes", "3"),
                   BYTES(0, 0, 0, 0, 0, 0, 0xf8, 0x3f), "1.5");
    bb_free(&p);
}

/* Build {"type":"record","name":"<name>","fields":[<n> fields]}: the first
 * field's type is `def`, the others `ref` (a named type is defined once). */
static char *wide_record(const char *name, int n, const char *def, const char *ref)
{
    size_t cap = 64 + strlen(def) + (size_t)n * (strlen(ref) + 32);
    char *s = malloc(cap);
    assert_non_null(s);
    size_t k = (size_t)snprintf(s, cap, "{\"type\":\"record\",\"name\":\"%s\",\"fields\":[", name);
    for (int i = 0; i < n; i++) {
        k += (size_t)snprintf(s + k, cap - k, "%s{\"name\":\"f%d\",\"type\":%s}", i ? "," : "",
                              i, i ? ref : def);
    }
    snprintf(s + k, cap - k, "]}");
    return s;
}

/* Values that take no input bytes are charged to limit.items wherever they
 * are: a tiny message against a wide schema of nulls cannot demand
 * unbounded work (DESIGN: work bounded by input length + limits). */
static void test_zero_byte_fields_budget(void **state)
{
    (void)state;
    /* Three levels of 200 fields, nulls at the bottom: 8 million null
     * visits for a 5-byte message. */
    char *l3 = wide_record("L3", 200, "\"null\"", "\"null\"");
    char *l2 = wide_record("L2", 200, l3, "\"L3\"");
    char *l1 = wide_record("L1", 200, l2, "\"L2\"");
    expect_fail(l1, NULL, 0, CFAVRO_E_LIMIT_ITEMS, 5, NO_PATH);
    /* Within the limit it decodes. */
    expect_ok_opts(l2, OPTS("limit.items", "40200"), NULL, 0, NULL);
    expect_fail_opts(l2, OPTS("limit.items", "40199"), NULL, 0, CFAVRO_E_LIMIT_ITEMS, 5,
                     "L2.f199", NULL);
    /* An array whose items take one byte (an int) but carry 999 null
     * fields: the input bounds the items, the limit bounds the nulls. */
    char *item = wide_record("I", 1000, "\"int\"", "\"null\"");
    char *arr = malloc(strlen(item) + 64);
    assert_non_null(arr);
    sprintf(arr, "{\"type\":\"array\",\"items\":%s}", item);
    bb p = {0};
    bb_long(&p, 2000);
    for (int i = 0; i < 2000; i++) {
        bb_byte(&p, 0);
    }
    bb_long(&p, 0);
    fx f = make(arr, NULL);
    bb m = {0};
    framed(&m, p.d, p.n);
    for (int mode = 0; mode < 2; mode++) {
        const char *json;
        size_t len;
        int rc = mode ? cfavro_validate(f.dec, m.d, m.n)
                      : cfavro_decode_json(f.dec, m.d, m.n, &json, &len);
        assert_int_equal(rc, CFAVRO_E_LIMIT_ITEMS);
        /* Items 0..1000 use 999,999 of the 1,000,000; item 1001 cannot
         * have its 999 (charged when the record starts). */
        assert_string_equal(cfavro_decoder_error(f.dec)->path, "[1001]");
        assert_int_equal(cfavro_decoder_error(f.dec)->offset, 5 + 2 + 1001);
    }
    bb_free(&m);
    unmake(&f);
    bb_free(&p);
    free(arr);
    free(item);
    free(l1);
    free(l2);
    free(l3);
}

static void test_oversized_decimal(void **state)
{
    (void)state;
    /* More than 1 KiB of significant decimal bytes is not converted
     * (quadratic): it is written as its bytes instead, in both modes OK.
     * (Top-level bytes: the payload is the value, no length prefix.) */
    const char *schema = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5000,"
                         "\"scale\":0}";
    bb p = {0};
    for (int i = 0; i < 2000; i++) {
        bb_byte(&p, 0x41);
    }
    fx f = make(schema, NULL);
    bb m = {0};
    framed(&m, p.d, p.n);
    const char *json;
    size_t len;
    int rc = cfavro_decode_json(f.dec, m.d, m.n, &json, &len);
    assert_int_equal(rc, CFAVRO_OK);
    assert_int_equal(len, 2 + 2000);
    assert_int_equal(json[0], '"');
    assert_int_equal(json[1], 'A');
    assert_int_equal(json[2000], 'A');
    /* Validation does not format it. */
    assert_int_equal(cfavro_validate(f.dec, m.d, m.n), CFAVRO_OK);
    /* As plain bytes it is fine. */
    assert_int_equal(cfavro_decoder_set(f.dec, "json.logical", "false", NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_json(f.dec, m.d, m.n, &json, &len), CFAVRO_OK);
    assert_int_equal(len, 2 + 2000);
    bb_free(&m);
    bb_free(&p);
    unmake(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_length),
        cmocka_unit_test(test_length_beyond_input),
        cmocka_unit_test(test_overlong_varint),
        cmocka_unit_test(test_overlong_int_varint_before_data),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_block_count_int64_min),
        cmocka_unit_test(test_block_sizes),
        cmocka_unit_test(test_huge_block_counts),
        cmocka_unit_test(test_zero_byte_items),
        cmocka_unit_test(test_union_index),
        cmocka_unit_test(test_enum_index),
        cmocka_unit_test(test_boolean_byte),
        cmocka_unit_test(test_truncated_primitives),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_limit_max),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_five_byte_message),
        cmocka_unit_test(test_unstripped_header_hint),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_output_limit_exact_fit_numbers),
        cmocka_unit_test(test_oversized_decimal),
        cmocka_unit_test(test_zero_byte_fields_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
