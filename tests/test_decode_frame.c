/* Frame-level decoding (cfavro_decode_frame_json, cfavro_validate_frame)
 * and the calls built on it: V0, V1 and header-mode frames, agreement of
 * every input form (message, frame, payload) on status, offset, schema id,
 * path and message, argument checks; and per-message batch detail
 * (cfavro_decoder_batch_error, cfavro_batch_result.schema_id): mixed
 * batches, the output-limit and out-of-memory stops, no allocation once warm. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "test_support.h"

/* Record R {s: string, n: union {null, long}} as ids 1 and 2; "null" as 3. */
static const char *k_schema =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"n\",\"type\":[\"null\",\"long\"]}]}";

static const uint8_t k_guid[CFAVRO_GUID_SIZE] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x23,
                                                 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                                 0xf0, 0x0f, 0x10, 0x9a};
static const char *k_guid_text = "deadbeef-0123-4567-89ab-cdeff00f109a";

/* A framed R (V0 header for `id`): s, then n (null when n < 0). */
static void r_msg(bb *b, int32_t id, const char *s, long n)
{
    b->n = 0;
    bb_header(b, id);
    bb_str(b, s);
    if (n < 0) {
        bb_long(b, 0);
    } else {
        bb_long(b, 1);
        bb_long(b, n);
    }
}

typedef struct fx {
    cfavro_client *c;
    cfavro_decoder *dec;
} fx;

static int setup(void **state)
{
    static fx f;
    cfavro_error err;
    f.c = client_with_schema(1, k_schema, strlen(k_schema));
    assert_int_equal(cfavro_client_add_schema(f.c, 2, k_schema, strlen(k_schema), &err),
                     CFAVRO_OK);
    assert_int_equal(cfavro_client_add_schema(f.c, 3, "\"null\"", 6, &err), CFAVRO_OK);
    f.dec = decoder_with_options(f.c, NULL);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    alloc_hooks_off();
    cfavro_decoder_free(f->dec);
    cfavro_client_free(f->c);
    return 0;
}

static void assert_same_error(const cfavro_error *a, const cfavro_error *b)
{
    assert_int_equal(a->status, b->status);
    assert_true(a->offset == b->offset);
    assert_true(a->schema_id == b->schema_id);
    assert_string_equal(a->message, b->message);
    assert_string_equal(a->path, b->path);
}

/* ---- frames ------------------------------------------------------------- */

/* Every input form of one message gives the same result: the JSON text or
 * the failure (status, schema id, path, message; the offset counted in the
 * message, so a payload's is smaller by the header). */
static void check_all_forms(cfavro_decoder *dec, const uint8_t *msg, size_t len)
{
    const char *json;
    size_t json_len;
    char *want = NULL;
    int rc = cfavro_decode_json(dec, msg, len, &json, &json_len);
    cfavro_error want_err = *cfavro_decoder_error(dec);
    if (rc == CFAVRO_OK) {
        want = strdup(json);
    }
    cfavro_frame frame;
    assert_int_equal(cfavro_frame_parse(msg, len, &frame, NULL), CFAVRO_OK);
    assert_int_equal(frame.kind, CFAVRO_FRAME_V0);

    /* The parsed frame. */
    assert_int_equal(cfavro_decode_frame_json(dec, &frame, &json, &json_len), rc);
    assert_same_error(cfavro_decoder_error(dec), &want_err);
    if (rc == CFAVRO_OK) {
        assert_string_equal(json, want);
        assert_int_equal(json_len, strlen(want));
    } else {
        assert_null(json);
        assert_int_equal(json_len, 0);
    }
    assert_int_equal(cfavro_validate_frame(dec, &frame), rc);
    assert_int_equal(cfavro_validate(dec, msg, len), rc);
    if (rc != CFAVRO_OK) {
        assert_same_error(cfavro_decoder_error(dec), &want_err);
    }

    /* Header mode and the payload calls: offsets from the payload. */
    cfavro_error payload_err = want_err;
    if (payload_err.offset != CFAVRO_NO_OFFSET) {
        payload_err.offset -= CFAVRO_HEADER_V0_SIZE;
    }
    cfavro_frame hm;
    assert_int_equal(cfavro_frame_parse_header(msg, CFAVRO_HEADER_V0_SIZE, frame.payload,
                                               frame.payload_size, &hm, NULL),
                     CFAVRO_OK);
    assert_int_equal(hm.header_size, 0);
    assert_int_equal(cfavro_decode_frame_json(dec, &hm, &json, &json_len), rc);
    if (rc == CFAVRO_OK) {
        assert_string_equal(json, want);
    } else {
        assert_same_error(cfavro_decoder_error(dec), &payload_err);
    }
    assert_int_equal(cfavro_validate_frame(dec, &hm), rc);
    assert_int_equal(cfavro_decode_payload_json(dec, frame.schema_id, frame.payload,
                                                frame.payload_size, &json, &json_len),
                     rc);
    if (rc == CFAVRO_OK) {
        assert_string_equal(json, want);
    } else {
        assert_same_error(cfavro_decoder_error(dec), &payload_err);
    }
    assert_int_equal(
        cfavro_validate_payload(dec, frame.schema_id, frame.payload, frame.payload_size), rc);
    if (rc != CFAVRO_OK) {
        assert_same_error(cfavro_decoder_error(dec), &payload_err);
    }
    free(want);
}

static void test_v0_forms_agree(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    bb m = {0};
    r_msg(&m, 1, "abc", 7);
    check_all_forms(dec, m.d, m.n);
    r_msg(&m, 2, "", -1);
    check_all_forms(dec, m.d, m.n);
    /* Truncated inside the union: offset at its end, path R.n. */
    r_msg(&m, 1, "abc", 300);
    m.n -= 1;
    check_all_forms(dec, m.d, m.n);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_DATA_TRUNCATED);
    assert_string_equal(cfavro_decoder_error(dec)->path, "R.n");
    /* At the varint whose last byte is cut (in the payload: the last call
     * was cfavro_validate_payload). */
    assert_int_equal(cfavro_decoder_error(dec)->offset, m.n - 1 - CFAVRO_HEADER_V0_SIZE);
    /* Bad union index, and trailing bytes. */
    r_msg(&m, 1, "x", 1);
    m.d[m.n - 2] = 0x08;
    check_all_forms(dec, m.d, m.n);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_DATA_UNION_INDEX);
    r_msg(&m, 2, "x", -1);
    bb_byte(&m, 0);
    check_all_forms(dec, m.d, m.n);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_TRAILING_BYTES);
    assert_true(cfavro_decoder_error(dec)->schema_id == 2);
    /* Unknown id: no offset, the id named. */
    r_msg(&m, 77, "x", -1);
    check_all_forms(dec, m.d, m.n);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(cfavro_decoder_error(dec)->schema_id == 77);
    /* The header alone: an empty payload ("null" schema). */
    m.n = 0;
    bb_header(&m, 3);
    check_all_forms(dec, m.d, m.n);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    bb_free(&m);
}

/* A header-mode (or payload) failure whose payload starts with a V0 header
 * gets the unstripped-header hint; a framed message does not. */
static void test_header_mode_hint(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    bb m = {0};
    r_msg(&m, 1, "abc", 7);
    const char *json;
    size_t len;
    uint8_t hdr[CFAVRO_HEADER_V0_SIZE];
    assert_int_equal(cfavro_frame_write_v0(1, hdr, sizeof hdr), CFAVRO_OK);
    cfavro_frame hm;
    /* The whole framed message given as the payload. */
    assert_int_equal(cfavro_frame_parse_header(hdr, sizeof hdr, m.d, m.n, &hm, NULL), CFAVRO_OK);
    int rc = cfavro_decode_frame_json(dec, &hm, &json, &len);
    assert_int_not_equal(rc, CFAVRO_OK);
    assert_contains(cfavro_decoder_error(dec)->message, "not stripped");
    assert_contains(cfavro_decoder_error(dec)->message, "schema id 1");
    assert_int_equal(cfavro_validate_frame(dec, &hm), rc);
    assert_contains(cfavro_decoder_error(dec)->message, "not stripped");
    /* A framed message that fails for another reason gets no hint. */
    cfavro_frame fr;
    assert_int_equal(cfavro_frame_parse(m.d, m.n - 1, &fr, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(dec, &fr, &json, &len), CFAVRO_E_DATA_TRUNCATED);
    assert_null(strstr(cfavro_decoder_error(dec)->message, "not stripped"));
    bb_free(&m);
}

static void test_v1_frames(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    uint8_t msg[CFAVRO_HEADER_V1_SIZE + 2];
    assert_int_equal(cfavro_frame_write_v1(k_guid, msg, sizeof msg), CFAVRO_OK);
    msg[CFAVRO_HEADER_V1_SIZE] = 0x02;
    msg[CFAVRO_HEADER_V1_SIZE + 1] = 'a';
    const char *json = "sentinel";
    size_t len = 9;

    /* Prefixed: not found (a lookup failure has no offset), the GUID as the
     * registry spells it, and which sources were asked. */
    assert_int_equal(cfavro_decode_json(dec, msg, sizeof msg, &json, &len),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_null(json);
    assert_int_equal(len, 0);
    cfavro_error want = *cfavro_decoder_error(dec);
    assert_true(want.offset == CFAVRO_NO_OFFSET);
    assert_true(want.schema_id == CFAVRO_NO_SCHEMA_ID);
    assert_contains(want.message, k_guid_text);
    assert_contains(want.message, "schema.registry.url");
    assert_contains(want.message, "cfavro_client_add_schema");
    assert_contains(want.message, "schema.dir");
    assert_string_equal(want.path, "");

    cfavro_frame f;
    assert_int_equal(cfavro_frame_parse(msg, sizeof msg, &f, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(dec, &f, &json, &len), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_same_error(cfavro_decoder_error(dec), &want);
    assert_int_equal(cfavro_validate_frame(dec, &f), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_same_error(cfavro_decoder_error(dec), &want);
    assert_int_equal(cfavro_validate(dec, msg, sizeof msg), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_same_error(cfavro_decoder_error(dec), &want);

    /* Header mode: the GUID is not in the message, so no offset. */
    cfavro_frame hm;
    assert_int_equal(cfavro_frame_parse_header(msg, CFAVRO_HEADER_V1_SIZE,
                                               msg + CFAVRO_HEADER_V1_SIZE, 2, &hm, NULL),
                     CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(dec, &hm, &json, &len), CFAVRO_E_SCHEMA_NOT_FOUND);
    const cfavro_error *e = cfavro_decoder_error(dec);
    assert_true(e->offset == CFAVRO_NO_OFFSET);
    assert_true(e->schema_id == CFAVRO_NO_SCHEMA_ID);
    assert_string_equal(e->message, want.message);
    assert_int_equal(cfavro_validate_frame(dec, &hm), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(e->offset == CFAVRO_NO_OFFSET);

    /* A V1 frame built by hand with an empty, NULL payload. */
    hm.payload = NULL;
    hm.payload_size = 0;
    assert_int_equal(cfavro_validate_frame(dec, &hm), CFAVRO_E_SCHEMA_NOT_FOUND);
}

/* Header mode with a V0 header value decodes like the framed message. */
static void test_header_mode_v0(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    uint8_t hdr[CFAVRO_HEADER_V0_SIZE];
    assert_int_equal(cfavro_frame_write_v0(2, hdr, sizeof hdr), CFAVRO_OK);
    const uint8_t payload[] = {0x04, 'h', 'i', 0x02, 0x54};
    cfavro_frame hm;
    assert_int_equal(cfavro_frame_parse_header(hdr, sizeof hdr, payload, sizeof payload, &hm,
                                               NULL),
                     CFAVRO_OK);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_frame_json(dec, &hm, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"s\":\"hi\",\"n\":{\"long\":42}}");
    assert_int_equal(len, strlen(json));
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    assert_int_equal(cfavro_validate_frame(dec, &hm), CFAVRO_OK);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    /* Truncated: offset in the payload, schema id from the header. */
    hm.payload_size = 4;
    assert_int_equal(cfavro_decode_frame_json(dec, &hm, &json, &len), CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(cfavro_decoder_error(dec)->offset, 4);
    assert_true(cfavro_decoder_error(dec)->schema_id == 2);
    assert_string_equal(cfavro_decoder_error(dec)->path, "R.n");
    /* An empty payload given as NULL (schema "null"), in every form. */
    assert_int_equal(cfavro_frame_write_v0(3, hdr, sizeof hdr), CFAVRO_OK);
    assert_int_equal(cfavro_frame_parse_header(hdr, sizeof hdr, NULL, 0, &hm, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(dec, &hm, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "null");
    assert_int_equal(cfavro_validate_frame(dec, &hm), CFAVRO_OK);
    assert_int_equal(cfavro_decode_payload_json(dec, 3, NULL, 0, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "null");
    assert_int_equal(cfavro_validate_payload(dec, 3, NULL, 0), CFAVRO_OK);
    /* ... and with a schema that needs bytes: truncated at offset 0. */
    assert_int_equal(cfavro_validate_payload(dec, 1, NULL, 0), CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(cfavro_decoder_error(dec)->offset, 0);
}

/* A frame filled in by hand: what is checked, and the message for each. */
static void test_frame_arguments(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    const uint8_t payload[] = {0x02, 'a', 0x00};
    cfavro_frame good;
    memset(&good, 0, sizeof good);
    good.kind = CFAVRO_FRAME_V0;
    good.schema_id = 1;
    good.header_size = CFAVRO_HEADER_V0_SIZE;
    good.payload = payload;
    good.payload_size = sizeof payload;
    const char *json = "sentinel";
    size_t len = 5;
    const cfavro_error *e = cfavro_decoder_error(dec);

    struct {
        cfavro_frame frame;
        const char *says;
    } bad[] = {
        {good, "NULL payload of 3 bytes"},
        {good, "frame kind 2"},
        {good, "frame kind -1"},
        {good, "header_size 17"},
        {good, "header_size 3"},
        {good, "header_size 5"},
    };
    bad[0].frame.payload = NULL;
    bad[1].frame.kind = 2;
    bad[2].frame.kind = -1;
    bad[3].frame.header_size = CFAVRO_HEADER_V1_SIZE;
    bad[4].frame.header_size = 3;
    bad[5].frame.kind = CFAVRO_FRAME_V1; /* a V1 kind with a V0 header size */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json = "sentinel";
        len = 5;
        assert_int_equal(cfavro_decode_frame_json(dec, &bad[i].frame, &json, &len),
                         CFAVRO_E_ARGUMENT);
        assert_null(json);
        assert_int_equal(len, 0);
        assert_int_equal(e->status, CFAVRO_E_ARGUMENT);
        assert_true(e->offset == CFAVRO_NO_OFFSET);
        assert_true(e->schema_id == CFAVRO_NO_SCHEMA_ID);
        assert_contains(e->message, "cfavro_decode_frame_json");
        assert_contains(e->message, bad[i].says);
        assert_int_equal(cfavro_validate_frame(dec, &bad[i].frame), CFAVRO_E_ARGUMENT);
        assert_contains(e->message, "cfavro_validate_frame");
        assert_contains(e->message, bad[i].says);
    }
    assert_int_equal(cfavro_decode_frame_json(dec, NULL, &json, &len), CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "NULL frame");
    assert_int_equal(cfavro_validate_frame(dec, NULL), CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "NULL frame");
    /* NULL outputs and decoders. */
    assert_int_equal(cfavro_decode_frame_json(dec, &good, NULL, &len), CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "cfavro_decode_frame_json: NULL argument");
    json = "sentinel";
    assert_int_equal(cfavro_decode_frame_json(dec, &good, &json, NULL), CFAVRO_E_ARGUMENT);
    assert_null(json);
    len = 5;
    assert_int_equal(cfavro_decode_frame_json(NULL, &good, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(len, 0);
    assert_int_equal(cfavro_validate_frame(NULL, &good), CFAVRO_E_ARGUMENT);
    /* The payload calls check theirs in the same words. */
    assert_int_equal(cfavro_decode_payload_json(dec, 1, NULL, 3, &json, &len), CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "cfavro_decode_payload_json: NULL payload of 3 bytes");
    assert_int_equal(cfavro_validate_payload(dec, 1, NULL, 3), CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "cfavro_validate_payload: NULL payload of 3 bytes");
    assert_int_equal(cfavro_validate_payload(NULL, 1, payload, 3), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_json(dec, 1, payload, 3, NULL, &len),
                     CFAVRO_E_ARGUMENT);
    assert_contains(e->message, "cfavro_decode_payload_json: NULL argument");

    /* After all that the good frame decodes, in both header sizes, and a
     * success clears the error. */
    assert_int_equal(cfavro_decode_frame_json(dec, &good, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"s\":\"a\",\"n\":null}");
    assert_int_equal(e->status, CFAVRO_OK);
    assert_string_equal(e->message, "");
    good.header_size = 0;
    assert_int_equal(cfavro_validate_frame(dec, &good), CFAVRO_OK);
    assert_int_equal(e->status, CFAVRO_OK);
}

/* ---- per-message batch detail ------------------------------------------- */

enum { NMIX = 9 };

/* A batch with one message of each outcome; msgs[i] point into m[i]. */
typedef struct mixed {
    bb m[NMIX];
    const void *msgs[NMIX];
    size_t lens[NMIX];
} mixed;

static void mixed_make(mixed *x)
{
    memset(x, 0, sizeof *x);
    r_msg(&x->m[0], 1, "ok0", 1);
    r_msg(&x->m[1], 1, "trunc", 300); /* R.n's varint cut */
    x->m[1].n -= 1;
    r_msg(&x->m[2], 99, "x", -1);     /* unknown schema id */
    r_msg(&x->m[3], 2, "ok3", -1);
    x->m[4].n = 0;                    /* V1 frame */
    bb_raw(&x->m[4], (const uint8_t[]){CFAVRO_MAGIC_V1}, 1);
    bb_raw(&x->m[4], k_guid, sizeof k_guid);
    bb_raw(&x->m[5], "{\"a\":1}", 7); /* JSON, not a frame */
    /* m[6] stays empty; its pointer is NULL with a length: an argument error */
    r_msg(&x->m[7], 2, "u", 5);       /* union index 4 of 2 */
    x->m[7].d[x->m[7].n - 2] = 0x08;
    r_msg(&x->m[8], 2, "ok8", 8);
    for (int i = 0; i < NMIX; i++) {
        x->msgs[i] = x->m[i].d;
        x->lens[i] = x->m[i].n;
    }
    x->msgs[6] = NULL;
    x->lens[6] = 4;
}

/* The mixed batch on `dec`; the call's status. */
static int run_mixed(cfavro_decoder *dec, const mixed *x, cfavro_batch_result *res,
                     const char **nd, size_t *nd_len, size_t *failed)
{
    return cfavro_decode_batch_json(dec, x->msgs, x->lens, NMIX, res, nd, nd_len, failed);
}

static void mixed_free(mixed *x)
{
    for (int i = 0; i < NMIX; i++) {
        bb_free(&x->m[i]);
    }
}

static void test_batch_row_errors(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    mixed x;
    mixed_make(&x);
    /* What a single call says about each message. */
    cfavro_error single[NMIX];
    char *lines[NMIX] = {0};
    for (int i = 0; i < NMIX; i++) {
        const char *json;
        size_t len;
        int rc = cfavro_decode_json(dec, x.msgs[i], x.lens[i], &json, &len);
        single[i] = *cfavro_decoder_error(dec);
        if (i == 6) {
            assert_int_equal(rc, CFAVRO_E_ARGUMENT);
        } else if (rc == CFAVRO_OK) {
            lines[i] = strdup(json);
        }
    }
    cfavro_batch_result res[NMIX];
    memset(res, 0x5a, sizeof res);
    const char *nd;
    size_t nd_len;
    size_t failed;
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_OK);
    assert_int_equal(failed, 6);

    static const int status[NMIX] = {
        CFAVRO_OK,         CFAVRO_E_DATA_TRUNCATED, CFAVRO_E_SCHEMA_NOT_FOUND,
        CFAVRO_OK,         CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_E_FRAME_MAGIC,
        CFAVRO_E_ARGUMENT, CFAVRO_E_DATA_UNION_INDEX, CFAVRO_OK};
    static const int64_t ids[NMIX] = {1, 1, 99, 2, CFAVRO_NO_SCHEMA_ID, CFAVRO_NO_SCHEMA_ID,
                                      CFAVRO_NO_SCHEMA_ID, 2, 2};
    static const char *const paths[NMIX] = {"", "R.n", "", "", "", "", "", "R.n", ""};
    const uint64_t offsets[NMIX] = {CFAVRO_NO_OFFSET, x.lens[1] - 1, CFAVRO_NO_OFFSET,
                                    CFAVRO_NO_OFFSET, CFAVRO_NO_OFFSET, 0, CFAVRO_NO_OFFSET, x.lens[7] - 2,
                                    CFAVRO_NO_OFFSET};
    size_t line_at = 0;
    for (int i = 0; i < NMIX; i++) {
        assert_int_equal(res[i].status, status[i]);
        assert_true(res[i].schema_id == ids[i]);
        assert_true(res[i].offset == offsets[i]);
        const cfavro_error *e = cfavro_decoder_batch_error(dec, (size_t)i);
        if (status[i] == CFAVRO_OK) {
            assert_null(e);
            assert_int_equal(res[i].json_offset, line_at);
            assert_int_equal(res[i].json_len, strlen(lines[i]));
            assert_memory_equal(nd + line_at, lines[i], res[i].json_len);
            line_at += res[i].json_len + 1;
            continue;
        }
        assert_non_null(e);
        assert_int_equal(res[i].json_len, 0);
        assert_int_equal(e->status, status[i]);
        assert_true(e->offset == offsets[i]);
        assert_true(e->schema_id == ids[i]);
        assert_string_equal(e->path, paths[i]);
        assert_true(e->message[0] != '\0');
        /* The detail a single call gives (the NULL message's names the
         * batch call and the index instead). */
        if (i != 6) {
            assert_same_error(e, &single[i]);
        }
    }
    assert_int_equal(nd_len, line_at);
    assert_contains(cfavro_decoder_batch_error(dec, 6)->message, "msgs[6] is NULL");
    assert_contains(cfavro_decoder_batch_error(dec, 4)->message, k_guid_text);
    /* Reading details changes nothing: earlier pointers still hold theirs. */
    const cfavro_error *e1 = cfavro_decoder_batch_error(dec, 1);
    const cfavro_error *e7 = cfavro_decoder_batch_error(dec, 7);
    assert_int_equal(e1->status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(e7->status, CFAVRO_E_DATA_UNION_INDEX);
    /* The decoder's own error is the last failed message's. */
    assert_same_error(cfavro_decoder_error(dec), e7);

    /* Out of range, and no decoder. */
    assert_null(cfavro_decoder_batch_error(dec, NMIX));
    assert_null(cfavro_decoder_batch_error(dec, SIZE_MAX));
    assert_null(cfavro_decoder_batch_error(NULL, 0));

    /* Details describe the last batch only: a batch that fully succeeds
     * has none, nor does one that failed on its arguments. */
    size_t ok_idx[3] = {0, 3, 8};
    const void *ok_msgs[3];
    size_t ok_lens[3];
    for (int i = 0; i < 3; i++) {
        ok_msgs[i] = x.msgs[ok_idx[i]];
        ok_lens[i] = x.lens[ok_idx[i]];
    }
    assert_int_equal(cfavro_decode_batch_json(dec, ok_msgs, ok_lens, 3, res, &nd, &nd_len, NULL),
                     CFAVRO_OK);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    for (int i = 0; i < 3; i++) {
        assert_null(cfavro_decoder_batch_error(dec, (size_t)i));
        assert_true(res[i].schema_id == ids[ok_idx[i]]);
    }
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_OK);
    assert_non_null(cfavro_decoder_batch_error(dec, 1));
    assert_int_equal(cfavro_decode_batch_json(dec, x.msgs, x.lens, NMIX, NULL, &nd, &nd_len,
                                              &failed),
                     CFAVRO_E_ARGUMENT);
    for (int i = 0; i < NMIX; i++) {
        assert_null(cfavro_decoder_batch_error(dec, (size_t)i));
    }
    for (int i = 0; i < NMIX; i++) {
        free(lines[i]);
    }
    mixed_free(&x);
}

/* More failures than the first block of detail space holds: all kept. */
static void test_batch_many_failures(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    enum { N = 50 };
    bb m[N];
    const void *msgs[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        memset(&m[i], 0, sizeof m[i]);
        r_msg(&m[i], 1 + (i % 2), "s", i);
        if (i % 5 != 0) {
            m[i].n -= 1; /* 4 in 5 truncated */
        }
        msgs[i] = m[i].d;
        lens[i] = m[i].n;
    }
    cfavro_batch_result res[N];
    const char *nd;
    size_t nd_len;
    size_t failed;
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, N, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_int_equal(failed, N - N / 5);
    for (int i = 0; i < N; i++) {
        const cfavro_error *e = cfavro_decoder_batch_error(dec, (size_t)i);
        assert_true(res[i].schema_id == 1 + (i % 2));
        if (i % 5 == 0) {
            assert_null(e);
            assert_int_equal(res[i].status, CFAVRO_OK);
        } else {
            assert_non_null(e);
            assert_int_equal(e->status, CFAVRO_E_DATA_TRUNCATED);
            assert_true(e->schema_id == 1 + (i % 2));
            assert_int_equal(e->offset, lens[i]);
            assert_string_equal(e->path, "R.n");
        }
    }
    for (int i = 0; i < N; i++) {
        bb_free(&m[i]);
    }
}

/* Messages [from, count) of the last batch were not decoded because it
 * stopped with `status`: their results and details say so (`says`). */
static void assert_not_decoded(const cfavro_decoder *dec, const cfavro_batch_result *res,
                               size_t from, size_t count, int status, const char *says)
{
    for (size_t i = from; i < count; i++) {
        assert_int_equal(res[i].status, status);
        assert_true(res[i].offset == CFAVRO_NO_OFFSET);
        assert_true(res[i].schema_id == CFAVRO_NO_SCHEMA_ID);
        assert_int_equal(res[i].json_len, 0);
        const cfavro_error *e = cfavro_decoder_batch_error(dec, i);
        assert_non_null(e);
        assert_int_equal(e->status, status);
        assert_true(e->schema_id == CFAVRO_NO_SCHEMA_ID);
        assert_contains(e->message, "not decoded");
        assert_contains(e->message, says);
    }
}

/* limit.output.bytes counts the NDJSON with its newlines: at every limit
 * below the full size the batch stops at the message that does not fit,
 * keeps the lines before it, and NUL-terminates them. */
static void test_batch_output_limit(void **state)
{
    cfavro_decoder *dec = ((fx *)*state)->dec;
    mixed x;
    mixed_make(&x);
    /* Messages 0 (ok), 5 (not a frame: fails before any output), 3 (ok),
     * 8 (ok). (A message failing inside its value may reach the limit
     * before its data error, with output written before it.) */
    const void *msgs[4] = {x.msgs[0], x.msgs[5], x.msgs[3], x.msgs[8]};
    size_t lens[4] = {x.lens[0], x.lens[5], x.lens[3], x.lens[8]};
    cfavro_batch_result res[4];
    const char *nd;
    size_t nd_len;
    size_t failed;
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 4, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    char *full = strdup(nd);
    size_t total = nd_len;
    size_t line0 = res[0].json_len + 1;
    size_t line2 = res[2].json_len + 1;
    assert_int_equal(total, line0 + line2 + res[3].json_len + 1);
    char lim[32];

    /* Exactly the NDJSON size: everything fits. */
    snprintf(lim, sizeof lim, "%zu", total);
    assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 4, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_string_equal(nd, full);

    /* One byte less: the last line's JSON fits but its newline does not
     * (with the final NUL, the JSON alone would even fill the buffer). */
    for (size_t less = 1; less <= res[3].json_len + 1; less++) {
        snprintf(lim, sizeof lim, "%zu", total - less);
        assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, NULL), CFAVRO_OK);
        memset(res, 0x5a, sizeof res);
        assert_int_equal(
            cfavro_decode_batch_json(dec, msgs, lens, 4, res, &nd, &nd_len, &failed),
            CFAVRO_E_LIMIT_OUTPUT);
        assert_non_null(nd);
        assert_int_equal(nd_len, line0 + line2);
        assert_memory_equal(nd, full, nd_len);
        assert_int_equal(nd[nd_len], '\0');
        assert_int_equal(res[0].status, CFAVRO_OK);
        assert_int_equal(res[1].status, CFAVRO_E_FRAME_MAGIC);
        assert_int_equal(res[2].status, CFAVRO_OK);
        assert_int_equal(res[3].status, CFAVRO_E_LIMIT_OUTPUT);
        assert_true(res[3].schema_id == 2);
        assert_int_equal(res[3].json_len, 0);
        assert_int_equal(failed, 2);
        const cfavro_error *e = cfavro_decoder_batch_error(dec, 3);
        assert_non_null(e);
        assert_int_equal(e->status, CFAVRO_E_LIMIT_OUTPUT);
        assert_contains(e->message, "limit.output.bytes");
        assert_same_error(cfavro_decoder_error(dec), e);
        assert_int_equal(cfavro_decoder_batch_error(dec, 1)->status, CFAVRO_E_FRAME_MAGIC);
    }
    /* The newline of an earlier line: the messages after it are not
     * decoded, and their detail says so. */
    snprintf(lim, sizeof lim, "%zu", line0 + line2 - 1);
    assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 4, res, &nd, &nd_len, &failed),
                     CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(nd_len, line0);
    assert_memory_equal(nd, full, nd_len);
    assert_int_equal(nd[nd_len], '\0');
    assert_int_equal(res[2].status, CFAVRO_E_LIMIT_OUTPUT);
    assert_true(res[2].schema_id == 2);
    assert_contains(cfavro_decoder_batch_error(dec, 2)->message, "NDJSON");
    assert_not_decoded(dec, res, 3, 4, CFAVRO_E_LIMIT_OUTPUT, "stopped at message 2");
    assert_int_equal(res[3].json_offset, line0);
    assert_int_equal(failed, 3);
    /* The first line alone does not fit: empty NDJSON, still a C string. */
    snprintf(lim, sizeof lim, "%zu", line0 - 1);
    assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 4, res, &nd, &nd_len, &failed),
                     CFAVRO_E_LIMIT_OUTPUT);
    assert_string_equal(nd, "");
    assert_int_equal(nd_len, 0);
    assert_int_equal(failed, 4);
    assert_int_equal(res[0].status, CFAVRO_E_LIMIT_OUTPUT);
    assert_not_decoded(dec, res, 1, 4, CFAVRO_E_LIMIT_OUTPUT, "stopped at message 0");
    free(full);
    mixed_free(&x);
}

/* With no memory for even an empty buffer, nothing is decoded: NULL NDJSON,
 * every message reported. */
static void test_batch_no_memory_for_buffer(void **state)
{
    fx *f = *state;
    cfavro_decoder *dec = decoder_with_options(f->c, NULL); /* no buffer yet */
    mixed x;
    mixed_make(&x);
    cfavro_batch_result res[NMIX];
    const char *nd = "sentinel";
    size_t nd_len = 5;
    size_t failed = 0;
    alloc_hooks_on(1, -1);
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_E_NOMEM);
    alloc_hooks_off();
    assert_null(nd);
    assert_int_equal(nd_len, 0);
    assert_int_equal(failed, NMIX);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_NOMEM);
    assert_not_decoded(dec, res, 0, NMIX, CFAVRO_E_NOMEM, "before the first message");
    /* Memory back: the same batch runs. */
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_OK);
    assert_int_equal(failed, 6);
    cfavro_decoder_free(dec);
    mixed_free(&x);
}

/* The detail space cannot grow: the failed message keeps its status in
 * results and its full detail, the batch stops after it. */
static void test_batch_no_memory_for_detail(void **state)
{
    fx *f = *state;
    cfavro_decoder *dec = decoder_with_options(f->c, NULL);
    mixed x;
    mixed_make(&x);
    /* Warm the output buffer only (a batch without failures). */
    const void *ok[3] = {x.msgs[0], x.msgs[3], x.msgs[8]};
    size_t ok_lens[3] = {x.lens[0], x.lens[3], x.lens[8]};
    cfavro_batch_result res[NMIX];
    const char *nd;
    size_t nd_len;
    size_t failed;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(cfavro_decode_batch_json(dec, ok, ok_lens, 3, res, &nd, &nd_len, NULL),
                         CFAVRO_OK);
    }
    char *line0 = strndup(nd, res[0].json_len + 1);

    /* The first failure (message 1) needs the first block: it fails. */
    alloc_hooks_on(1, -1);
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_E_NOMEM);
    assert_int_equal(alloc_calls(), 1);
    alloc_hooks_off();
    assert_int_equal(res[0].status, CFAVRO_OK);
    assert_int_equal(res[1].status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(res[1].offset, x.lens[1] - 1);
    assert_true(res[1].schema_id == 1);
    assert_string_equal(nd, line0);
    assert_int_equal(failed, NMIX - 1);
    const cfavro_error *e1 = cfavro_decoder_batch_error(dec, 1);
    assert_non_null(e1);
    assert_int_equal(e1->status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(e1->offset, x.lens[1] - 1);
    assert_true(e1->schema_id == 1);
    assert_string_equal(e1->path, "R.n");
    assert_null(cfavro_decoder_batch_error(dec, 0));
    assert_not_decoded(dec, res, 2, NMIX, CFAVRO_E_NOMEM, "stopped at message 1");
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_NOMEM);
    assert_contains(cfavro_decoder_error(dec)->message, "recording the failure of message 1");

    /* A failing growth past the first block (8 details): the ninth
     * failure is kept, the batch stops after it. */
    enum { N = 12 };
    const void *bad[N];
    size_t bad_lens[N];
    for (int i = 0; i < N; i++) {
        bad[i] = x.msgs[1];
        bad_lens[i] = x.lens[1];
    }
    cfavro_decoder *fresh = decoder_with_options(f->c, NULL);
    assert_int_equal(cfavro_decode_batch_json(fresh, ok, ok_lens, 1, res, &nd, &nd_len, NULL),
                     CFAVRO_OK);
    cfavro_batch_result bres[N];
    alloc_hooks_on(2, -1); /* the first block succeeds, its growth fails */
    assert_int_equal(cfavro_decode_batch_json(fresh, bad, bad_lens, N, bres, &nd, &nd_len,
                                              &failed),
                     CFAVRO_E_NOMEM);
    alloc_hooks_off();
    assert_int_equal(failed, N);
    for (size_t i = 0; i <= 8; i++) {
        const cfavro_error *e = cfavro_decoder_batch_error(fresh, i);
        assert_non_null(e);
        assert_int_equal(bres[i].status, CFAVRO_E_DATA_TRUNCATED);
        assert_int_equal(e->status, CFAVRO_E_DATA_TRUNCATED);
        assert_string_equal(e->path, "R.n");
        assert_true(e->schema_id == 1);
    }
    assert_not_decoded(fresh, bres, 9, N, CFAVRO_E_NOMEM, "stopped at message 8");
    /* Eight failures fit the block that did grow: no allocation. */
    alloc_hooks_on(0, -1);
    assert_int_equal(cfavro_decode_batch_json(fresh, bad, bad_lens, 8, bres, &nd, &nd_len,
                                              &failed),
                     CFAVRO_OK);
    assert_int_equal(alloc_calls(), 0); /* the first block is there */
    alloc_hooks_off();
    /* The last message's detail not fitting: nothing is left to stop and
     * the detail is kept; the call still reports the failed allocation. */
    cfavro_decoder_free(fresh);
    fresh = decoder_with_options(f->c, NULL);
    const void *last_bad[2] = {x.msgs[0], x.msgs[1]};
    size_t last_lens[2] = {x.lens[0], x.lens[1]};
    assert_int_equal(cfavro_decode_batch_json(fresh, ok, ok_lens, 1, res, &nd, &nd_len, NULL),
                     CFAVRO_OK);
    alloc_hooks_on(1, -1);
    assert_int_equal(cfavro_decode_batch_json(fresh, last_bad, last_lens, 2, bres, &nd, &nd_len,
                                              &failed),
                     CFAVRO_E_NOMEM);
    alloc_hooks_off();
    assert_int_equal(bres[0].status, CFAVRO_OK);
    assert_int_equal(bres[1].status, CFAVRO_E_DATA_TRUNCATED);
    assert_string_equal(cfavro_decoder_batch_error(fresh, 1)->path, "R.n");
    assert_null(cfavro_decoder_batch_error(fresh, 2));
    assert_string_equal(nd, line0);

    cfavro_decoder_free(fresh);
    cfavro_decoder_free(dec);
    free(line0);
    mixed_free(&x);
}

/* Once warm, batches with failures allocate nothing either. */
static void test_batch_no_allocation_once_warm(void **state)
{
    fx *f = *state;
    mixed x;
    mixed_make(&x);
    alloc_hooks_on(0, -1);
    cfavro_decoder *dec = decoder_with_options(f->c, NULL);
    cfavro_batch_result res[NMIX];
    const char *nd;
    size_t nd_len;
    size_t failed;
    assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_OK);
    long before = alloc_calls();
    for (int round = 0; round < 200; round++) {
        assert_int_equal(run_mixed(dec, &x, res, &nd, &nd_len, &failed), CFAVRO_OK);
        assert_int_equal(failed, 6);
        assert_non_null(cfavro_decoder_batch_error(dec, 7));
    }
    assert_int_equal(alloc_calls() - before, 0);
    cfavro_decoder_free(dec);
    assert_int_equal(alloc_live(), 0);
    alloc_hooks_off();
    mixed_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v0_forms_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_mode_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_mode_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_row_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_many_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_output_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_no_memory_for_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_no_memory_for_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_no_allocation_once_warm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
