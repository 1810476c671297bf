/* Framing (src/frame.c), status strings and version: every accepted shape of
 * the Confluent wire header and every way it can be rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "frame_internal.h"
#include "test_support.h"

/* A GUID with no zero bytes and no repeats, so a swapped or shifted copy
 * cannot pass. */
static const uint8_t GUID[CFAVRO_GUID_SIZE] = {
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x0f,
};

/* An error struct filled with junk, so tests can see what a call wrote. */
static void poison(cfavro_error *err)
{
    memset(err, 0x5a, sizeof *err);
    err->message[sizeof err->message - 1] = '\0';
    err->path[sizeof err->path - 1] = '\0';
}

static void poison_frame(cfavro_frame *f)
{
    memset(f, 0xa5, sizeof *f);
}

static void assert_cleared(const cfavro_error *err)
{
    assert_int_equal(err->status, CFAVRO_OK);
    assert_true(err->offset == CFAVRO_NO_OFFSET);
    assert_true(err->schema_id == CFAVRO_NO_SCHEMA_ID);
    assert_string_equal(err->message, "");
    assert_string_equal(err->path, "");
}

static void assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) != NULL) {
        fail_msg("did not expect \"%s\" in \"%s\"", needle, haystack);
    }
}

static void assert_guid_zero(const cfavro_frame *f)
{
    for (size_t i = 0; i < CFAVRO_GUID_SIZE; i++) {
        assert_int_equal(f->guid[i], 0);
    }
}

/* A V1 header (magic 1 and GUID) in buf[0..17). */
static void put_v1_header(uint8_t *buf)
{
    buf[0] = 0x01;
    memcpy(buf + 1, GUID, sizeof GUID);
}

/* Whole-message parse into a poisoned *f that must succeed and clear err. */
static void parse_ok(const uint8_t *msg, size_t len, cfavro_frame *f)
{
    cfavro_error err;
    poison_frame(f);
    poison(&err);
    assert_int_equal(cfavro_frame_parse(msg, len, f, &err), CFAVRO_OK);
    assert_cleared(&err);
}

/* Header-mode parse into a poisoned *f that must succeed and clear err. */
static void parse_header_ok(const uint8_t *hdr, size_t hdr_len, const uint8_t *payload,
                            size_t payload_len, cfavro_frame *f)
{
    cfavro_error err;
    poison_frame(f);
    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(hdr, hdr_len, payload, payload_len, f, &err),
                     CFAVRO_OK);
    assert_cleared(&err);
}

/* Every field of a parsed frame but the GUID. */
static void assert_frame(const cfavro_frame *f, int kind, int32_t schema_id, size_t header_size,
                         const uint8_t *payload, size_t payload_size)
{
    assert_int_equal(f->kind, kind);
    assert_int_equal(f->schema_id, schema_id);
    assert_int_equal(f->header_size, header_size);
    assert_ptr_equal(f->payload, payload);
    assert_int_equal(f->payload_size, payload_size);
}

/* Parse a V0 message whose id bytes are b1..b4 and check every field. */
static void check_v0(uint8_t b1, uint8_t b2, uint8_t b3, uint8_t b4, int32_t want)
{
    const uint8_t msg[] = {0x00, b1, b2, b3, b4, 0x02, 0x61};
    cfavro_frame f;
    parse_ok(msg, sizeof msg, &f);
    assert_frame(&f, CFAVRO_FRAME_V0, want, CFAVRO_HEADER_V0_SIZE, msg + 5, 2);
    assert_guid_zero(&f);
}

/* ---------------------------------------------------------------- V0 ---- */

static void v0_ids(void **state)
{
    (void)state;
    check_v0(0x00, 0x00, 0x00, 0x00, 0);
    check_v0(0x00, 0x00, 0x00, 0x01, 1);
    check_v0(0x00, 0x00, 0x01, 0x00, 256);
    check_v0(0x01, 0x02, 0x03, 0x04, 0x01020304);
    check_v0(0x7f, 0xff, 0xff, 0xff, INT32_MAX);
    /* The id is a signed int32 on the wire: high bit set means negative. */
    check_v0(0x80, 0x00, 0x00, 0x00, INT32_MIN);
    check_v0(0xff, 0xff, 0xff, 0xff, -1);
    check_v0(0xff, 0xff, 0xff, 0xfe, -2);
}

static void v0_header_only_is_legal(void **state)
{
    (void)state;
    const uint8_t msg[] = {0x00, 0x00, 0x00, 0x00, 0x2a};
    cfavro_frame f;
    parse_ok(msg, sizeof msg, &f);
    assert_frame(&f, CFAVRO_FRAME_V0, 42, 5, msg + 5, 0);
}

/* ---------------------------------------------------------------- V1 ---- */

static void v1_guid(void **state)
{
    (void)state;
    uint8_t msg[CFAVRO_HEADER_V1_SIZE + 3];
    put_v1_header(msg);
    msg[17] = 0x06;
    msg[18] = 0x07;
    msg[19] = 0x08;
    cfavro_frame f;
    parse_ok(msg, sizeof msg, &f);
    assert_frame(&f, CFAVRO_FRAME_V1, 0, CFAVRO_HEADER_V1_SIZE, msg + 17, 3);
    assert_memory_equal(f.guid, GUID, sizeof GUID);
    assert_int_equal(f.payload[0], 0x06);
}

static void v1_header_only_is_legal(void **state)
{
    (void)state;
    uint8_t msg[CFAVRO_HEADER_V1_SIZE];
    put_v1_header(msg);
    cfavro_frame f;
    poison_frame(&f);
    /* err == NULL is accepted on success too. */
    assert_int_equal(cfavro_frame_parse(msg, sizeof msg, &f, NULL), CFAVRO_OK);
    assert_int_equal(f.kind, CFAVRO_FRAME_V1);
    assert_memory_equal(f.guid, GUID, sizeof GUID);
    assert_int_equal(f.header_size, 17);
    assert_ptr_equal(f.payload, msg + 17);
    assert_int_equal(f.payload_size, 0);
}

/* ------------------------------------------------------- short inputs ---- */

/* Every length from 0 up to (not including) each header size fails with
 * FRAME_SHORT, and the offset is where the input ended. */
static void short_inputs(void **state)
{
    (void)state;
    uint8_t v0[CFAVRO_HEADER_V0_SIZE] = {0x00, 0x00, 0x00, 0x00, 0x07};
    uint8_t v1[CFAVRO_HEADER_V1_SIZE];
    put_v1_header(v1);

    for (size_t len = 1; len < sizeof v0; len++) {
        cfavro_frame f;
        cfavro_error err;
        poison(&err);
        assert_int_equal(cfavro_frame_parse(v0, len, &f, &err), CFAVRO_E_FRAME_SHORT);
        assert_int_equal(err.status, CFAVRO_E_FRAME_SHORT);
        assert_true(err.offset == len);
        assert_string_equal(err.path, "");
        char want[64];
        snprintf(want, sizeof want, "is %zu bytes", len);
        assert_contains(err.message, want);
        assert_contains(err.message, "V0");
        assert_contains(err.message, "needs 5");
        /* NULL err: same status, nothing to write to. */
        assert_int_equal(cfavro_frame_parse(v0, len, &f, NULL), CFAVRO_E_FRAME_SHORT);
    }
    for (size_t len = 1; len < sizeof v1; len++) {
        cfavro_frame f;
        cfavro_error err;
        poison(&err);
        assert_int_equal(cfavro_frame_parse(v1, len, &f, &err), CFAVRO_E_FRAME_SHORT);
        assert_int_equal(err.status, CFAVRO_E_FRAME_SHORT);
        assert_true(err.offset == len);
        char want[64];
        snprintf(want, sizeof want, "is %zu bytes", len);
        assert_contains(err.message, want);
        assert_contains(err.message, "V1");
        assert_contains(err.message, "needs 17");
        assert_contains(err.message, "GUID");
        assert_int_equal(cfavro_frame_parse(v1, len, &f, NULL), CFAVRO_E_FRAME_SHORT);
    }
}

static void empty_input(void **state)
{
    (void)state;
    const uint8_t one = 0x00;
    cfavro_frame f;
    cfavro_error err;

    /* Zero length with a valid pointer, and with NULL (legal when len == 0). */
    poison(&err);
    assert_int_equal(cfavro_frame_parse(&one, 0, &f, &err), CFAVRO_E_FRAME_SHORT);
    assert_int_equal(err.status, CFAVRO_E_FRAME_SHORT);
    assert_true(err.offset == 0);
    assert_contains(err.message, "empty message");

    poison(&err);
    assert_int_equal(cfavro_frame_parse(NULL, 0, &f, &err), CFAVRO_E_FRAME_SHORT);
    assert_int_equal(err.status, CFAVRO_E_FRAME_SHORT);
    assert_contains(err.message, "empty");

    assert_int_equal(cfavro_frame_parse(NULL, 0, &f, NULL), CFAVRO_E_FRAME_SHORT);
}

/* ------------------------------------------------------- unknown magic ---- */

static void parse_magic_error(const void *msg, size_t len, cfavro_error *err)
{
    cfavro_frame f;
    poison(err);
    assert_int_equal(cfavro_frame_parse(msg, len, &f, err), CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(err->status, CFAVRO_E_FRAME_MAGIC);
    assert_true(err->offset == 0);
    assert_string_equal(err->path, "");
    assert_int_equal(cfavro_frame_parse(msg, len, &f, NULL), CFAVRO_E_FRAME_MAGIC);
}

/* A message that is not a frame, and what the error message must and must
 * not say about it. */
typedef struct magic_case {
    const char *msg;
    size_t len;
    const char *has[3];
    const char *lacks[2];
} magic_case;

#define MSG(lit) lit, sizeof(lit) - 1

static void check_magic_cases(const magic_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cfavro_error err;
        parse_magic_error(cases[i].msg, cases[i].len, &err);
        for (size_t k = 0; k < 3 && cases[i].has[k] != NULL; k++) {
            assert_contains(err.message, cases[i].has[k]);
        }
        for (size_t k = 0; k < 2 && cases[i].lacks[k] != NULL; k++) {
            assert_not_contains(err.message, cases[i].lacks[k]);
        }
    }
}

static void magic_json(void **state)
{
    (void)state;
    static const magic_case cases[] = {
        /* The first eight bytes in hex, then an ellipsis for the rest. */
        {MSG("{\"id\": 1, \"name\": \"x\"}"), {"JSON text", "0x7b", "7b 22 69 64 22 3a 20 31 ..."},
         {"raw Avro"}},
        /* Five bytes: nothing left to elide. */
        {MSG("[1,2]"), {"JSON text", "5b 31 2c 32 5d"}, {"..."}},
    };
    check_magic_cases(cases, sizeof cases / sizeof cases[0]);
}

static void magic_plain_text(void **state)
{
    (void)state;
    static const magic_case cases[] = {
        {MSG("hello world"), {"plain text", "0x68", "68 65 6c 6c 6f 20 77 6f ..."},
         {"JSON", "raw Avro"}},
        /* Tabs and newlines count as text; a single printable byte is enough. */
        {MSG("a\tb\r\n"), {"plain text", "61 09 62 0d 0a"}, {NULL}},
        {MSG("Z"), {"plain text", "5a"}, {NULL}},
    };
    check_magic_cases(cases, sizeof cases / sizeof cases[0]);
}

static void magic_raw_avro(void **state)
{
    (void)state;
    static const magic_case cases[] = {
        /* Avro for a record {int 1, string "abc"}: zig-zag 1 = 0x02, len 3 = 0x06. */
        {MSG("\x02\x06" "abc"), {"raw Avro", "0x02", "02 06 61 62 63"}, {"plain text"}},
        /* Text that turns binary within the first bytes is not text. */
        {MSG("ab\x00\xff"), {"raw Avro", "61 62 00 ff"}, {NULL}},
        {MSG("\xff"), {"raw Avro", "0xff"}, {NULL}},
        /* A magic byte of 0x02 (a future format version) is also unknown. */
        {MSG("\x02\x00\x00\x00\x01\x00"), {"0x02"}, {NULL}},
    };
    check_magic_cases(cases, sizeof cases / sizeof cases[0]);
}

/* The describer on its own: it never overruns and always terminates. */
static void describe_small_buffers(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}";
    char full[128];
    size_t n = cf_frame_describe((const uint8_t *)text, strlen(text), full, sizeof full);
    assert_int_equal(n, strlen(full));
    assert_contains(full, "JSON text");

    for (size_t cap = 1; cap <= n + 1; cap++) {
        char buf[128];
        memset(buf, 'X', sizeof buf);
        size_t w = cf_frame_describe((const uint8_t *)text, strlen(text), buf, cap);
        assert_true(w < cap);
        assert_int_equal(strlen(buf), w);
        assert_int_equal(buf[cap], 'X'); /* nothing written past cap */
    }
    char untouched = 'Q';
    assert_int_equal(cf_frame_describe((const uint8_t *)text, strlen(text), &untouched, 0), 0);
    assert_int_equal(untouched, 'Q');
}

/* ------------------------------------------------------- header mode ---- */

static void header_mode_v1(void **state)
{
    (void)state;
    uint8_t hdr[CFAVRO_HEADER_V1_SIZE];
    put_v1_header(hdr);
    const uint8_t payload[] = {0x02, 0x04, 0x06};
    cfavro_frame f;
    parse_header_ok(hdr, sizeof hdr, payload, sizeof payload, &f);
    assert_frame(&f, CFAVRO_FRAME_V1, 0, 0, payload, sizeof payload);
    assert_memory_equal(f.guid, GUID, sizeof GUID);
}

static void header_mode_v0(void **state)
{
    (void)state;
    const uint8_t hdr[] = {0x00, 0x00, 0x01, 0x00, 0x01};
    const uint8_t payload[] = {0x00, 0x00, 0x00, 0x00, 0x09}; /* looks framed: passed through */
    cfavro_frame f;
    parse_header_ok(hdr, sizeof hdr, payload, sizeof payload, &f);
    assert_frame(&f, CFAVRO_FRAME_V0, 65537, 0, payload, 5);
    assert_guid_zero(&f);

    /* A negative id, an empty payload (NULL allowed when its size is 0),
     * and err == NULL. */
    const uint8_t neg[] = {0x00, 0xff, 0xff, 0xff, 0xfd};
    poison_frame(&f);
    assert_int_equal(cfavro_frame_parse_header(neg, sizeof neg, NULL, 0, &f, NULL), CFAVRO_OK);
    assert_int_equal(f.schema_id, -3);
    assert_int_equal(f.header_size, 0);
    assert_null(f.payload);
    assert_int_equal(f.payload_size, 0);
}

static void header_mode_wrong_length(void **state)
{
    (void)state;
    uint8_t hdr[CFAVRO_HEADER_V1_SIZE + 1];
    put_v1_header(hdr);
    hdr[17] = 0x00;
    const uint8_t payload[] = {0x02};
    cfavro_frame f;
    cfavro_error err;

    /* One byte too many for V1. */
    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(hdr, sizeof hdr, payload, 1, &f, &err),
                     CFAVRO_E_FRAME_HEADER_SIZE);
    assert_int_equal(err.status, CFAVRO_E_FRAME_HEADER_SIZE);
    assert_true(err.offset == 17);
    assert_contains(err.message, "18 bytes");
    assert_contains(err.message, "exactly 17");
    assert_int_equal(cfavro_frame_parse_header(hdr, sizeof hdr, payload, 1, &f, NULL),
                     CFAVRO_E_FRAME_HEADER_SIZE);

    /* V0 header followed by extra bytes. */
    const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03};
    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(v0, sizeof v0, payload, 1, &f, &err),
                     CFAVRO_E_FRAME_HEADER_SIZE);
    assert_true(err.offset == 5);
    assert_contains(err.message, "7 bytes");
    assert_contains(err.message, "exactly 5");
}

static void header_mode_short_and_magic(void **state)
{
    (void)state;
    uint8_t v1[CFAVRO_HEADER_V1_SIZE];
    put_v1_header(v1);
    const uint8_t v0[] = {0x00, 0x00, 0x00, 0x00, 0x01};
    const uint8_t payload[] = {0x02};
    cfavro_frame f;
    cfavro_error err;

    for (size_t len = 1; len < sizeof v0; len++) {
        poison(&err);
        assert_int_equal(cfavro_frame_parse_header(v0, len, payload, 1, &f, &err),
                         CFAVRO_E_FRAME_SHORT);
        assert_true(err.offset == len);
        assert_contains(err.message, "schema-id header");
        assert_contains(err.message, "needs 5");
    }
    for (size_t len = 1; len < sizeof v1; len++) {
        poison(&err);
        assert_int_equal(cfavro_frame_parse_header(v1, len, payload, 1, &f, &err),
                         CFAVRO_E_FRAME_SHORT);
        assert_true(err.offset == len);
        assert_contains(err.message, "needs 17");
    }

    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(v0, 0, payload, 1, &f, &err),
                     CFAVRO_E_FRAME_SHORT);
    assert_contains(err.message, "empty schema-id header");
    assert_int_equal(cfavro_frame_parse_header(NULL, 0, payload, 1, &f, NULL),
                     CFAVRO_E_FRAME_SHORT);

    /* A header value in decimal text ("42") is a common mistake. */
    poison(&err);
    assert_int_equal(cfavro_frame_parse_header("42", 2, payload, 1, &f, &err),
                     CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(err.status, CFAVRO_E_FRAME_MAGIC);
    assert_contains(err.message, "plain text");
    assert_contains(err.message, "34 32");
}

/* ------------------------------------------------------- NULL arguments ---- */

static void null_arguments(void **state)
{
    (void)state;
    const uint8_t msg[] = {0x00, 0x00, 0x00, 0x00, 0x01};
    cfavro_frame f;
    cfavro_error err;

    poison(&err);
    assert_int_equal(cfavro_frame_parse(msg, sizeof msg, NULL, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_true(err.offset == CFAVRO_NO_OFFSET);
    assert_contains(err.message, "NULL out");

    poison(&err);
    assert_int_equal(cfavro_frame_parse(NULL, 5, &f, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "NULL msg");

    assert_int_equal(cfavro_frame_parse(NULL, 5, NULL, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_frame_parse(msg, sizeof msg, NULL, NULL), CFAVRO_E_ARGUMENT);

    /* Header mode: out, header with a length, payload with a length. */
    const uint8_t payload[] = {0x02};
    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(msg, sizeof msg, payload, 1, NULL, &err),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_true(err.offset == CFAVRO_NO_OFFSET);
    assert_contains(err.message, "NULL");

    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(NULL, 5, payload, 1, &f, &err),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);

    poison(&err);
    assert_int_equal(cfavro_frame_parse_header(msg, sizeof msg, NULL, 1, &f, &err),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);

    assert_int_equal(cfavro_frame_parse_header(msg, sizeof msg, NULL, 1, &f, NULL),
                     CFAVRO_E_ARGUMENT);
}

/* A failed call followed by a good one with the same err: the good one
 * leaves no stale detail behind. */
static void err_cleared_after_failure(void **state)
{
    (void)state;
    const uint8_t bad[] = {'{', '}'};
    const uint8_t good[] = {0x00, 0x00, 0x00, 0x00, 0x05, 0x00};
    cfavro_frame f;
    cfavro_error err;
    assert_int_equal(cfavro_frame_parse(bad, sizeof bad, &f, &err), CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(err.status, CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(cfavro_frame_parse(good, sizeof good, &f, &err), CFAVRO_OK);
    assert_cleared(&err);
    assert_int_equal(f.schema_id, 5);

    assert_int_equal(cfavro_frame_parse_header(bad, sizeof bad, good, 1, &f, &err),
                     CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(cfavro_frame_parse_header(good, 5, good, 1, &f, &err), CFAVRO_OK);
    assert_cleared(&err);
}

/* ------------------------------------------------------- writing ---- */

static void write_v0_round_trip(void **state)
{
    (void)state;
    const int32_t ids[] = {0, 1, 42, 0x01020304, INT32_MAX, -1, INT32_MIN};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        uint8_t buf[8];
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(cfavro_frame_write_v0(ids[i], buf, 5), CFAVRO_OK);
        assert_int_equal(buf[0], 0x00);
        assert_int_equal(buf[5], 0xee); /* exactly 5 bytes written */
        cfavro_frame f;
        assert_int_equal(cfavro_frame_parse(buf, 5, &f, NULL), CFAVRO_OK);
        assert_int_equal(f.kind, CFAVRO_FRAME_V0);
        assert_int_equal(f.schema_id, ids[i]);
        assert_int_equal(f.payload_size, 0);
    }
    /* Big-endian byte order. */
    uint8_t buf[5];
    assert_int_equal(cfavro_frame_write_v0(0x0a0b0c0d, buf, sizeof buf), CFAVRO_OK);
    const uint8_t want[] = {0x00, 0x0a, 0x0b, 0x0c, 0x0d};
    assert_memory_equal(buf, want, sizeof want);
}

static void write_v1_round_trip(void **state)
{
    (void)state;
    uint8_t buf[CFAVRO_HEADER_V1_SIZE + 1];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(cfavro_frame_write_v1(GUID, buf, CFAVRO_HEADER_V1_SIZE), CFAVRO_OK);
    assert_int_equal(buf[0], 0x01);
    assert_memory_equal(buf + 1, GUID, sizeof GUID);
    assert_int_equal(buf[17], 0xee);
    cfavro_frame f;
    assert_int_equal(cfavro_frame_parse(buf, 17, &f, NULL), CFAVRO_OK);
    assert_int_equal(f.kind, CFAVRO_FRAME_V1);
    assert_memory_equal(f.guid, GUID, sizeof GUID);
    assert_int_equal(f.header_size, 17);

    /* Header mode accepts what the writer produced. */
    assert_int_equal(cfavro_frame_parse_header(buf, 17, NULL, 0, &f, NULL), CFAVRO_OK);
    assert_memory_equal(f.guid, GUID, sizeof GUID);
}

static void write_errors(void **state)
{
    (void)state;
    uint8_t buf[CFAVRO_HEADER_V1_SIZE];
    for (size_t cap = 0; cap < CFAVRO_HEADER_V0_SIZE; cap++) {
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(cfavro_frame_write_v0(7, buf, cap), CFAVRO_E_ARGUMENT);
        assert_int_equal(buf[0], 0xee); /* nothing written */
    }
    assert_int_equal(cfavro_frame_write_v0(7, NULL, 5), CFAVRO_E_ARGUMENT);

    for (size_t cap = 0; cap < CFAVRO_HEADER_V1_SIZE; cap++) {
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(cfavro_frame_write_v1(GUID, buf, cap), CFAVRO_E_ARGUMENT);
        assert_int_equal(buf[0], 0xee);
    }
    assert_int_equal(cfavro_frame_write_v1(NULL, buf, sizeof buf), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_frame_write_v1(GUID, NULL, 17), CFAVRO_E_ARGUMENT);
}

/* ------------------------------------------------------- status, version ---- */

static const int ALL_STATUSES[] = {
    CFAVRO_OK,
    CFAVRO_E_NOMEM, CFAVRO_E_CONFIG, CFAVRO_E_IO, CFAVRO_E_ARGUMENT, CFAVRO_E_INTERNAL,
    CFAVRO_E_FRAME_SHORT, CFAVRO_E_FRAME_MAGIC, CFAVRO_E_FRAME_HEADER_SIZE,
    CFAVRO_E_SCHEMA_NOT_FOUND,
    CFAVRO_E_REGISTRY_AUTH, CFAVRO_E_REGISTRY_UNAVAILABLE, CFAVRO_E_REGISTRY_PROTOCOL,
    CFAVRO_E_REGISTRY_RATE_LIMITED,
    CFAVRO_E_SCHEMA_INVALID, CFAVRO_E_SCHEMA_UNSUPPORTED,
    CFAVRO_E_DATA_TRUNCATED, CFAVRO_E_DATA_NEGATIVE_LENGTH,
    CFAVRO_E_DATA_LENGTH, CFAVRO_E_DATA_VARINT, CFAVRO_E_DATA_INT_RANGE,
    CFAVRO_E_DATA_BLOCK_COUNT, CFAVRO_E_DATA_UNION_INDEX, CFAVRO_E_DATA_ENUM_INDEX,
    CFAVRO_E_DATA_BOOLEAN, CFAVRO_E_DATA_UTF8, CFAVRO_E_DATA_MAP_KEY_DUPLICATE,
    CFAVRO_E_DATA_UNRESOLVED,
    CFAVRO_E_TRAILING_BYTES,
    CFAVRO_E_LIMIT_DEPTH, CFAVRO_E_LIMIT_ITEMS, CFAVRO_E_LIMIT_OUTPUT,
    CFAVRO_E_LIMIT_SCHEMA,
    CFAVRO_E_INCOMPATIBLE,
};
enum { N_STATUSES = sizeof ALL_STATUSES / sizeof ALL_STATUSES[0] };

static const int ALL_CLASSES[] = {
    CFAVRO_CLASS_ARGUMENT, CFAVRO_CLASS_FRAME,    CFAVRO_CLASS_NOT_FOUND,
    CFAVRO_CLASS_REGISTRY, CFAVRO_CLASS_SCHEMA,   CFAVRO_CLASS_DATA,
    CFAVRO_CLASS_TRAILING, CFAVRO_CLASS_LIMIT,    CFAVRO_CLASS_INCOMPATIBLE,
};
enum { N_CLASSES = sizeof ALL_CLASSES / sizeof ALL_CLASSES[0] };

static void strerror_every_status(void **state)
{
    (void)state;
    const char *unknown = cfavro_strerror(12345);
    assert_non_null(unknown);
    assert_string_equal(unknown, "unknown cfavro status");

    for (size_t i = 0; i < N_STATUSES; i++) {
        const char *s = cfavro_strerror(ALL_STATUSES[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        /* Every known code has its own text, not the fallback. */
        assert_string_not_equal(s, unknown);
        /* ... and no two codes share one. */
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(s, cfavro_strerror(ALL_STATUSES[j]));
        }
    }
    /* Class constants have names too, distinct from every specific code's. */
    for (size_t i = 0; i < N_CLASSES; i++) {
        const char *s = cfavro_strerror(ALL_CLASSES[i]);
        assert_string_not_equal(s, unknown);
        assert_non_null(strstr(s, "(class)"));
        for (size_t j = 0; j < N_STATUSES; j++) {
            assert_string_not_equal(s, cfavro_strerror(ALL_STATUSES[j]));
        }
    }
    assert_string_equal(cfavro_strerror(CFAVRO_OK), "success");
    assert_string_equal(cfavro_strerror(CFAVRO_E_NOMEM), "out of memory");
    assert_string_equal(cfavro_strerror(CFAVRO_E_FRAME_MAGIC),
                        "unknown wire-format magic byte");
}

static void strerror_unknown(void **state)
{
    (void)state;
    const int unknown[] = {-1, -100, 1, 99, 106, 204, 299, 302, 405, 503, 613, 702, 805, 902,
                           999, 1000, 12345, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = cfavro_strerror(unknown[i]);
        assert_non_null(s);
        assert_string_equal(s, "unknown cfavro status");
    }
}

static void status_class(void **state)
{
    (void)state;
    assert_int_equal(cfavro_status_class(CFAVRO_OK), CFAVRO_OK);
    assert_int_equal(cfavro_status_class(CFAVRO_E_ARGUMENT), CFAVRO_CLASS_ARGUMENT);
    assert_int_equal(cfavro_status_class(CFAVRO_E_NOMEM), CFAVRO_CLASS_ARGUMENT);
    assert_int_equal(cfavro_status_class(CFAVRO_E_IO), CFAVRO_CLASS_ARGUMENT);
    assert_int_equal(cfavro_status_class(CFAVRO_E_FRAME_SHORT), CFAVRO_CLASS_FRAME);
    assert_int_equal(cfavro_status_class(CFAVRO_E_FRAME_HEADER_SIZE), CFAVRO_CLASS_FRAME);
    assert_int_equal(cfavro_status_class(CFAVRO_E_SCHEMA_NOT_FOUND), CFAVRO_CLASS_NOT_FOUND);
    assert_int_equal(cfavro_status_class(CFAVRO_E_REGISTRY_UNAVAILABLE),
                     CFAVRO_CLASS_REGISTRY);
    assert_int_equal(cfavro_status_class(CFAVRO_E_REGISTRY_RATE_LIMITED),
                     CFAVRO_CLASS_REGISTRY);
    assert_int_equal(cfavro_status_class(CFAVRO_E_SCHEMA_UNSUPPORTED), CFAVRO_CLASS_SCHEMA);
    assert_int_equal(cfavro_status_class(CFAVRO_E_SCHEMA_INVALID), CFAVRO_CLASS_SCHEMA);
    assert_int_equal(cfavro_status_class(CFAVRO_E_DATA_LENGTH), CFAVRO_CLASS_DATA);
    assert_int_equal(cfavro_status_class(CFAVRO_E_DATA_MAP_KEY_DUPLICATE), CFAVRO_CLASS_DATA);
    assert_int_equal(cfavro_status_class(CFAVRO_E_TRAILING_BYTES), CFAVRO_CLASS_TRAILING);
    assert_int_equal(cfavro_status_class(CFAVRO_E_LIMIT_SCHEMA), CFAVRO_CLASS_LIMIT);
    assert_int_equal(cfavro_status_class(CFAVRO_E_INCOMPATIBLE), CFAVRO_CLASS_INCOMPATIBLE);
    for (size_t i = 0; i < N_STATUSES; i++) {
        int c = cfavro_status_class(ALL_STATUSES[i]);
        assert_int_equal(c, (ALL_STATUSES[i] / 100) * 100);
        /* The rule: no specific status is ever its own class constant. */
        if (ALL_STATUSES[i] != CFAVRO_OK) {
            assert_int_not_equal(c, ALL_STATUSES[i]);
            int known_class = 0;
            for (size_t j = 0; j < N_CLASSES; j++) {
                known_class |= c == ALL_CLASSES[j];
            }
            assert_true(known_class);
        }
    }
    for (size_t j = 0; j < N_CLASSES; j++) {
        assert_int_equal(cfavro_status_class(ALL_CLASSES[j]), ALL_CLASSES[j]);
    }
    /* Negative values are not ours: returned unchanged rather than rounded. */
    assert_int_equal(cfavro_status_class(-1), -1);
    assert_int_equal(cfavro_status_class(-250), -250);
}

static void version(void **state)
{
    (void)state;
    assert_non_null(cfavro_version());
    assert_string_equal(cfavro_version(), CFAVRO_VERSION_STRING);
    assert_int_equal(cfavro_version_number(), CFAVRO_VERSION_NUMBER);
    assert_int_equal(CFAVRO_VERSION_NUMBER, CFAVRO_VERSION_MAJOR * 10000 +
                                                CFAVRO_VERSION_MINOR * 100 +
                                                CFAVRO_VERSION_PATCH);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", CFAVRO_VERSION_MAJOR, CFAVRO_VERSION_MINOR,
             CFAVRO_VERSION_PATCH);
    assert_string_equal(cfavro_version(), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v0_ids),
        cmocka_unit_test(v0_header_only_is_legal),
        cmocka_unit_test(v1_guid),
        cmocka_unit_test(v1_header_only_is_legal),
        cmocka_unit_test(short_inputs),
        cmocka_unit_test(empty_input),
        cmocka_unit_test(magic_json),
        cmocka_unit_test(magic_plain_text),
        cmocka_unit_test(magic_raw_avro),
        cmocka_unit_test(describe_small_buffers),
        cmocka_unit_test(header_mode_v1),
        cmocka_unit_test(header_mode_v0),
        cmocka_unit_test(header_mode_wrong_length),
        cmocka_unit_test(header_mode_short_and_magic),
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(err_cleared_after_failure),
        cmocka_unit_test(write_v0_round_trip),
        cmocka_unit_test(write_v1_round_trip),
        cmocka_unit_test(write_errors),
        cmocka_unit_test(strerror_every_status),
        cmocka_unit_test(strerror_unknown),
        cmocka_unit_test(status_class),
        cmocka_unit_test(version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
