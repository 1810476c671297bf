/* The avro-c bridge (include/cfavro_avro.h): random messages of the test
 * schemas, generated here from cfavro's compiled program (independently of
 * both decoders), are decoded by the bridge into avro-c values, and
 *   - each value equals what avro-c's own reader (avro_value_read) makes of
 *     the same bytes (avro_value_equal), and
 *   - avro_value_to_json of it equals cfavro_decode_json's Avro JSON
 *     (json.logical=false) as parsed JSON, modulo avro-c's known renderings
 *     (named union branches by short name, floats widened to double).
 * Malformed messages (every truncation, corrupted bytes, bad union and enum
 * indexes, huge lengths) fail with the same status, offset, path and
 * message as cfavro_decode_json, and leave the value reset. Also: NULL
 * arguments, values of the wrong schema, the value class built once per
 * schema and shared, classes that outlive the client, map keys avro-c
 * cannot hold, and replaced UTF-8. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <cmocka.h>
#include <jansson.h>

#include "avro_shape_internal.h"
#include "cfavro.h"
#include "cfavro_avro.h"
#include "reader_schemas.h"
#include "schema_internal.h"
#include "test_avro_values.h"
#include "test_support.h"

#define ID 41

/* ---- one schema's round trip ------------------------------------------------ */

typedef struct bridge_fixture {
    char *text;
    size_t len;
    cf_schema *program; /* for the generator */
    cfavro_client *client;
    cfavro_decoder *dec;      /* the bridge */
    cfavro_decoder *json_dec; /* cfavro's JSON, the reference */
    avro_value_iface_t *iface;
    avro_schema_t schema;
    avro_value_t value;       /* filled by the bridge */
    avro_value_t read;        /* filled by avro-c's reader */
    avro_reader_t reader;
} bridge_fixture;

static void fixture_open(bridge_fixture *f, const char *text, size_t len)
{
    memset(f, 0, sizeof *f);
    f->text = malloc(len + 1);
    assert_non_null(f->text);
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    f->len = len;
    cfavro_error err;
    assert_int_equal(cf_schema_compile(text, len, NULL, &f->program, &err), CFAVRO_OK);
    f->client = client_with_schema(ID, text, len);
    f->dec = decoder_with_options(f->client, NULL);
    f->json_dec = decoder_with_options(f->client, OPTS("json.logical", "false"));
    uint8_t header[5];
    assert_int_equal(cfavro_frame_write_v0(ID, header, sizeof header), CFAVRO_OK);
    assert_int_equal(cfavro_decoder_avro_class(f->dec, header, sizeof header, &f->iface,
                                               &f->schema),
                     CFAVRO_OK);
    assert_int_equal(avro_generic_value_new(f->iface, &f->value), 0);
    assert_int_equal(avro_generic_value_new(f->iface, &f->read), 0);
    f->reader = avro_reader_memory("", 0);
    assert_non_null(f->reader);
}

static void fixture_close(bridge_fixture *f)
{
    avro_reader_free(f->reader);
    avro_value_decref(&f->value);
    avro_value_decref(&f->read);
    avro_value_iface_decref(f->iface);
    avro_schema_decref(f->schema);
    cfavro_decoder_free(f->dec);
    cfavro_decoder_free(f->json_dec);
    cfavro_client_free(f->client);
    cf_schema_free(f->program);
    free(f->text);
}

/* The fixture for tests/data/<name>. */
static void fixture_from_file(bridge_fixture *f, const char *name)
{
    size_t len;
    char *text = read_data_file(name, &len);
    fixture_open(f, text, len);
    free(text);
}

/* A new random message of the fixture's schema in msg. */
static void framed(bb *msg, const bridge_fixture *f)
{
    msg->n = 0;
    bb_header(msg, ID);
    tv_gen_value(msg, f->program, f->program->root, 0);
}

/* A valid message: the bridge, avro-c's reader and cfavro's JSON agree. */
static void check_valid(bridge_fixture *f, const bb *msg, int index)
{
    int rc = cfavro_decode_avro(f->dec, msg->d, msg->n, &f->value);
    if (rc != CFAVRO_OK) {
        fail_msg("message %d: bridge failed %d: %s", index, rc, cfavro_decoder_error(f->dec)->message);
    }
    avro_reader_memory_set_source(f->reader, (const char *)msg->d + 5, (int64_t)(msg->n - 5));
    assert_int_equal(avro_value_read(f->reader, &f->read), 0);
    if (!avro_value_equal(&f->value, &f->read)) {
        char *a = NULL, *b = NULL;
        avro_value_to_json(&f->value, 1, &a);
        avro_value_to_json(&f->read, 1, &b);
        fail_msg("message %d: bridge value %s differs from avro-c's read %s", index, a, b);
    }

    char *avro_json = NULL;
    assert_int_equal(avro_value_to_json(&f->value, 1, &avro_json), 0);
    const char *json;
    size_t json_len;
    assert_int_equal(cfavro_decode_json(f->json_dec, msg->d, msg->n, &json, &json_len), CFAVRO_OK);
    json_t *a = tv_parse_json(avro_json, strlen(avro_json));
    json_t *c = tv_parse_json(json, json_len);
    if (!tv_same_json(a, c)) {
        fail_msg("message %d: avro-c renders %s, cfavro %.*s", index, avro_json, (int)json_len,
                 json);
    }
    json_decref(a);
    json_decref(c);
    free(avro_json);
}

/* A malformed message: the bridge fails exactly as cfavro's JSON does, and
 * the value is left reset. */
static void check_failure_into(bridge_fixture *f, const uint8_t *msg, size_t len,
                               avro_value_t *value)
{
    const char *json;
    size_t json_len;
    int want = cfavro_decode_json(f->json_dec, msg, len, &json, &json_len);
    int got = cfavro_decode_avro(f->dec, msg, len, value);
    const cfavro_error *we = cfavro_decoder_error(f->json_dec);
    const cfavro_error *ge = cfavro_decoder_error(f->dec);
    if (got == CFAVRO_E_ARGUMENT && strstr(ge->message, "U+0000") != NULL) {
        /* A corruption put a zero byte into a map key: avro-c cannot hold
         * it, so the bridge stops there (documented), no later than JSON. */
        assert_true(want == CFAVRO_OK || ge->offset <= we->offset);
        return;
    }
    assert_int_equal(got, want);
    if (want == CFAVRO_OK) {
        return; /* a corruption that still decodes */
    }
    assert_int_equal(ge->offset, we->offset);
    assert_int_equal(ge->schema_id, we->schema_id);
    assert_string_equal(ge->path, we->path);
    assert_string_equal(ge->message, we->message);
}

static void check_same_failure(bridge_fixture *f, const uint8_t *msg, size_t len)
{
    check_failure_into(f, msg, len, &f->value);
}

static void round_trip(const char *text, size_t len, int messages, size_t min_bytes)
{
    bridge_fixture f;
    fixture_open(&f, text, len);
    bb msg = {0};
    size_t total = 0;
    for (int i = 0; i < messages; i++) {
        framed(&msg, &f);
        total += msg.n;
        check_valid(&f, &msg, i);
        /* Every truncation of a few messages, one corrupted byte of all. */
        if (i < 8) {
            for (size_t cut = 0; cut < msg.n; cut++) {
                check_same_failure(&f, msg.d, cut);
            }
        }
        if (msg.n > 5) {
            size_t at = 5 + tv_below(msg.n - 5);
            msg.d[at] ^= (uint8_t)(1 + tv_below(255));
            check_same_failure(&f, msg.d, msg.n);
        }
        bb_byte(&msg, 0); /* one byte too many */
        check_same_failure(&f, msg.d, msg.n);
    }
    assert_true(total >= min_bytes); /* the messages really were varied */
    bb_free(&msg);
    fixture_close(&f);
}

static void test_every_type(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data_file("decode_every_type.avsc", &len);
    round_trip(text, len, 300, 300 * 60);
    free(text);
}

static void test_trade_and_wide(void **state)
{
    (void)state;
    const char *names[] = {"trade.avsc", "wide.avsc"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *text = read_data_file(names[i], &len);
        round_trip(text, len, 100, 100 * 20);
        free(text);
    }
}

/* Named types used twice and recursion (links in avro-c), a record with no
 * fields, and a top-level union. */
static const char k_linked[] =
    "{\"type\":\"record\",\"name\":\"Node\",\"namespace\":\"t.l\",\"fields\":["
    "{\"name\":\"v\",\"type\":{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}},"
    "{\"name\":\"w\",\"type\":\"F2\"},"
    "{\"name\":\"empty\",\"type\":{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]},"
    "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Node\"}}]}";

static void test_linked_and_recursive(void **state)
{
    (void)state;
    round_trip(k_linked, sizeof k_linked - 1, 200, 200 * 5);
    static const char top_union[] = "[\"null\",\"int\",{\"type\":\"map\",\"values\":\"bytes\"}]";
    round_trip(top_union, sizeof top_union - 1, 100, 100 * 6);
}

/* ---- malformed data with known answers ------------------------------------ */

static void test_hostile_payloads(void **state)
{
    (void)state;
    bridge_fixture f;
    fixture_from_file(&f, "decode_every_type.avsc");
    bb msg = {0};

    /* A union index out of range (field u is the 13th: reach it validly). */
    static const char u_schema[] = "[\"null\",\"string\"]";
    cfavro_error err;
    assert_int_equal(cfavro_client_add_schema(f.client, 42, u_schema, sizeof u_schema - 1, &err),
                     CFAVRO_OK);
    bb_header(&msg, 42);
    bb_long(&msg, 7);
    /* A value of schema 41 is refused before decoding; with the schema's
     * own value the data error comes, as for JSON. */
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &f.value), CFAVRO_E_ARGUMENT);
    avro_value_t *uv;
    assert_int_equal(cfavro_decoder_avro_value(f.dec, msg.d, msg.n, &uv), CFAVRO_OK);
    check_failure_into(&f, msg.d, msg.n, uv);
    assert_int_equal(cfavro_decoder_error(f.dec)->status, CFAVRO_E_DATA_UNION_INDEX);
    assert_int_equal(cfavro_decoder_error(f.dec)->offset, 5);
    /* A huge string length. */
    msg.n = 0;
    bb_header(&msg, 42);
    bb_long(&msg, 1);
    bb_long(&msg, INT64_MAX);
    check_failure_into(&f, msg.d, msg.n, uv);
    assert_int_equal(cfavro_decoder_error(f.dec)->status, CFAVRO_E_DATA_LENGTH);
    assert_int_equal(cfavro_decoder_error(f.dec)->offset, 6);
    /* A huge array block count in a valid prefix of schema 41. */
    msg.n = 0;
    bb_header(&msg, ID);
    bb_byte(&msg, 1);                 /* b */
    bb_long(&msg, 1);                 /* i */
    bb_long(&msg, 2);                 /* l */
    bb_float(&msg, 1.5f);             /* f */
    bb_double(&msg, 2.5);             /* d */
    bb_long(&msg, 0);                 /* by */
    bb_str(&msg, "s");                /* s */
    bb_raw(&msg, "abc", 3);           /* fx */
    bb_long(&msg, 9);                 /* e: out of range */
    int rc = cfavro_decode_avro(f.dec, msg.d, msg.n, &f.value);
    assert_int_equal(rc, CFAVRO_E_DATA_ENUM_INDEX);
    assert_string_equal(cfavro_decoder_error(f.dec)->path, "Everything.e");
    msg.n -= 1;
    bb_long(&msg, 1);                 /* e */
    bb_long(&msg, INT64_MAX / 2);     /* a: a block of 2^62 ints */
    check_same_failure(&f, msg.d, msg.n);
    assert_int_equal(cfavro_decoder_error(f.dec)->status, CFAVRO_E_DATA_LENGTH);
    /* After a failure the value is reset: its arrays are empty. */
    avro_value_t a;
    size_t n = 1;
    assert_int_equal(avro_value_get_by_name(&f.value, "a", &a, NULL), 0);
    assert_int_equal(avro_value_get_size(&a, &n), 0);
    assert_int_equal(n, 0);

    bb_free(&msg);
    fixture_close(&f);
}

/* A map key avro-c cannot hold, and invalid UTF-8 replaced as in JSON. */
static void test_keys_and_utf8(void **state)
{
    (void)state;
    static const char schema[] = "{\"type\":\"map\",\"values\":\"string\"}";
    cfavro_client *client = client_with_schema(ID, schema, sizeof schema - 1);
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    bb msg = {0};
    bb_header(&msg, ID);
    bb_long(&msg, 1);
    bb_long(&msg, 3);
    bb_raw(&msg, "a\0b", 3);
    bb_str(&msg, "v");
    bb_long(&msg, 0);
    avro_value_t *v;
    assert_int_equal(cfavro_decoder_avro_value(dec, msg.d, msg.n, &v), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(dec, msg.d, msg.n, v), CFAVRO_E_ARGUMENT);
    const cfavro_error *e = cfavro_decoder_error(dec);
    assert_int_equal(e->offset, 8); /* the NUL inside the key */
    assert_string_equal(e->path, "[0]");
    assert_contains(e->message, "U+0000");
    assert_int_equal(e->schema_id, ID);

    /* Invalid UTF-8: an error by default, U+FFFD under replace. */
    msg.n = 0;
    bb_header(&msg, ID);
    bb_long(&msg, 1);
    bb_str(&msg, "k");
    bb_long(&msg, 3);
    bb_raw(&msg, "x\xff" "y", 3);
    bb_long(&msg, 0);
    assert_int_equal(cfavro_decode_avro(dec, msg.d, msg.n, v), CFAVRO_E_DATA_UTF8);
    assert_int_equal(cfavro_decoder_error(dec)->offset, 10);
    assert_int_equal(cfavro_decoder_set(dec, "json.invalid.utf8", "replace", NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(dec, msg.d, msg.n, v), CFAVRO_OK);
    avro_value_t item;
    const char *s;
    size_t size;
    assert_int_equal(avro_value_get_by_name(v, "k", &item, NULL), 0);
    assert_int_equal(avro_value_get_string(&item, &s, &size), 0);
    assert_int_equal(size, 6); /* x, U+FFFD (3 bytes), y, NUL */
    assert_memory_equal(s, "x\xef\xbf\xbdy", 6);

    bb_free(&msg);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* ---- classes: built once, shared, outliving the client ---------------------- */

static void test_class_built_once(void **state)
{
    (void)state;
    uint64_t before = cf_avro_shape_builds();
    bridge_fixture f;
    fixture_from_file(&f, "trade.avsc");
    assert_int_equal(cf_avro_shape_builds(), before + 1);
    bb msg = {0};
    for (int i = 0; i < 50; i++) {
        framed(&msg, &f);
        avro_value_t *v;
        assert_int_equal(cfavro_decoder_avro_value(f.dec, msg.d, msg.n, &v), CFAVRO_OK);
        assert_ptr_equal(v->iface, f.iface); /* the one class, per call */
        assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, v), CFAVRO_OK);
        assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &f.value), CFAVRO_OK);
        assert_true(avro_value_equal(v, &f.value));
    }
    /* Another decoder of the client shares it. */
    cfavro_decoder *other = decoder_with_options(f.client, NULL);
    avro_value_iface_t *iface2;
    assert_int_equal(cfavro_decoder_avro_class(other, msg.d, 5, &iface2, NULL), CFAVRO_OK);
    assert_ptr_equal(iface2, f.iface);
    assert_int_equal(cfavro_decode_avro(other, msg.d, msg.n, &f.value), CFAVRO_OK);
    assert_int_equal(cf_avro_shape_builds(), before + 1);
    avro_value_iface_decref(iface2);
    cfavro_decoder_free(other);

    /* The class outlives the client: values made from it still work. */
    avro_value_iface_t *keep = avro_value_iface_incref(f.iface);
    cfavro_decoder_free(f.dec);
    cfavro_decoder_free(f.json_dec);
    cfavro_client_free(f.client);
    f.dec = f.json_dec = NULL;
    f.client = NULL;
    avro_value_t late;
    assert_int_equal(avro_generic_value_new(keep, &late), 0);
    assert_int_equal(avro_value_copy(&late, &f.value), 0);
    assert_true(avro_value_equal(&late, &f.value));
    avro_value_decref(&late);
    avro_value_iface_decref(keep);
    bb_free(&msg);
    fixture_close(&f);
}

/* A value the caller made from its own parse of an equal schema is
 * accepted; a value of another schema is refused untouched. */
static void test_value_schema_checked(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data_file("trade.avsc", &len);
    bridge_fixture f;
    fixture_open(&f, text, len);
    avro_schema_t own;
    assert_int_equal(avro_schema_from_json_length(text, len, &own), 0);
    free(text);
    avro_value_iface_t *own_iface = avro_generic_class_from_schema(own);
    avro_value_t mine;
    assert_int_equal(avro_generic_value_new(own_iface, &mine), 0);
    bb msg = {0};
    framed(&msg, &f);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &mine), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &f.value), CFAVRO_OK);
    assert_true(avro_value_equal_fast(&mine, &f.value));

    avro_schema_t other = avro_schema_long();
    avro_value_iface_t *other_iface = avro_generic_class_from_schema(other);
    avro_value_t wrong;
    assert_int_equal(avro_generic_value_new(other_iface, &wrong), 0);
    assert_int_equal(avro_value_set_long(&wrong, 77), 0);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &wrong), CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(f.dec)->message, "not of the message's writer schema");
    assert_int_equal(cfavro_decoder_error(f.dec)->schema_id, ID);
    int64_t l = 0;
    assert_int_equal(avro_value_get_long(&wrong, &l), 0);
    assert_int_equal(l, 77);
    avro_value_t unset = {NULL, NULL};
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &unset), CFAVRO_E_ARGUMENT);

    avro_value_decref(&wrong);
    avro_value_iface_decref(other_iface);
    avro_schema_decref(other);
    avro_value_decref(&mine);
    avro_value_iface_decref(own_iface);
    avro_schema_decref(own);
    bb_free(&msg);
    fixture_close(&f);
}

/* ---- arguments, frames, payloads ------------------------------------------- */

static void test_null_arguments(void **state)
{
    (void)state;
    bridge_fixture f;
    fixture_from_file(&f, "trade.avsc");
    bb msg = {0};
    framed(&msg, &f);
    avro_value_t *v = &f.value;
    avro_value_iface_t *iface = f.iface;
    avro_schema_t schema = f.schema;

    assert_int_equal(cfavro_decode_avro(NULL, msg.d, msg.n, v), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_avro(f.dec, NULL, msg.n, v), CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(f.dec)->message, "cfavro_decode_avro: NULL argument");
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_avro(f.dec, NULL, 0, v), CFAVRO_E_FRAME_SHORT);
    assert_int_equal(cfavro_decode_frame_avro(f.dec, NULL, v), CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(f.dec)->message, "cfavro_decode_frame_avro: NULL frame");
    assert_int_equal(cfavro_decode_frame_avro(NULL, NULL, v), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_avro(f.dec, ID, msg.d + 5, msg.n - 5, NULL),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_avro(f.dec, ID, NULL, 3, v), CFAVRO_E_ARGUMENT);
    avro_value_t *out = v;
    assert_int_equal(cfavro_decoder_avro_value(NULL, msg.d, msg.n, &out), CFAVRO_E_ARGUMENT);
    assert_null(out);
    assert_int_equal(cfavro_decoder_avro_value(f.dec, msg.d, msg.n, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_avro_class(f.dec, msg.d, msg.n, NULL, &schema),
                     CFAVRO_E_ARGUMENT);
    assert_null(schema);
    assert_int_equal(cfavro_decoder_avro_class(f.dec, NULL, 5, &iface, NULL), CFAVRO_E_ARGUMENT);
    assert_null(iface);
    /* Unknown schema id, short header: the lookup's and the frame's errors. */
    uint8_t unknown[5];
    cfavro_frame_write_v0(999, unknown, 5);
    assert_int_equal(cfavro_decoder_avro_value(f.dec, unknown, 5, &out), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(cfavro_decoder_error(f.dec)->schema_id, 999);
    assert_int_equal(cfavro_decoder_avro_class(f.dec, msg.d, 3, &iface, NULL), CFAVRO_E_FRAME_SHORT);

    /* The frame and payload forms decode what the message form does. */
    cfavro_frame frame;
    assert_int_equal(cfavro_frame_parse(msg.d, msg.n, &frame, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_avro(f.dec, &frame, &f.read), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &f.value), CFAVRO_OK);
    assert_true(avro_value_equal(&f.read, &f.value));
    assert_int_equal(avro_value_reset(&f.read), 0);
    assert_int_equal(cfavro_decode_payload_avro(f.dec, ID, msg.d + 5, msg.n - 5, &f.read),
                     CFAVRO_OK);
    assert_true(avro_value_equal(&f.read, &f.value));
    /* A payload error counts offsets in the payload (header mode), as JSON. */
    const char *json;
    size_t json_len;
    assert_int_not_equal(cfavro_decode_payload_json(f.json_dec, ID, msg.d + 5, 2, &json, &json_len),
                         CFAVRO_OK);
    assert_int_equal(cfavro_decode_payload_avro(f.dec, ID, msg.d + 5, 2, &f.read),
                     cfavro_decoder_error(f.json_dec)->status);
    assert_int_equal(cfavro_decoder_error(f.dec)->offset, cfavro_decoder_error(f.json_dec)->offset);
    assert_string_equal(cfavro_decoder_error(f.dec)->message,
                        cfavro_decoder_error(f.json_dec)->message);

    bb_free(&msg);
    fixture_close(&f);
}

/* Out of memory inside the bridge's own state and scratch: a clean status,
 * nothing leaked, and the next call works. */
static void test_allocation_failures(void **state)
{
    (void)state;
    bridge_fixture f;
    fixture_from_file(&f, "decode_every_type.avsc");
    bb msg = {0};
    framed(&msg, &f);
    cfavro_decoder *fresh = decoder_with_options(f.client, NULL);
    int failed = 0;
    for (long nth = 1; nth < 20; nth++) {
        alloc_hooks_on(nth, -1);
        int rc = cfavro_decode_avro(fresh, msg.d, msg.n, &f.value);
        alloc_hooks_off();
        if (rc != CFAVRO_OK) {
            assert_int_equal(rc, CFAVRO_E_NOMEM);
            failed++;
            cfavro_decoder_free(fresh);
            fresh = decoder_with_options(f.client, NULL);
        }
    }
    assert_true(failed > 0);
    assert_int_equal(cfavro_decode_avro(fresh, msg.d, msg.n, &f.value), CFAVRO_OK);
    cfavro_decoder_free(fresh);
    bb_free(&msg);
    fixture_close(&f);
}

/* ---- with a reader schema ------------------------------------------------- */

#define REC(name, fields) "{'type':'record','name':'" name "','fields':[" fields "]}"
#define F(name, type) "{'name':'" name "','type':" type "}"
#define FD(name, type, dflt) "{'name':'" name "','type':" type ",'default':" dflt "}"

/* Writer and reader pairs the bridge must fill as cfavro's JSON renders
 * them: the values are of the READER schema. */
typedef struct reader_case {
    const char *name;
    const char *writer; /* single quotes for double quotes (readability) */
    const char *reader;
} reader_case;

static const reader_case k_reader_cases[] = {
    {"reorder, drop, add defaults, promote",
     REC("R", F("a", "'int'") "," F("b", "'string'") "," F("c", "'long'") "," F("d", "'float'") ","
                  F("gone", "{'type':'array','items':" REC("G", F("g", "'string'")) "}") ","
                  F("u", "['null','int']") ","
                  F("e", "{'type':'enum','name':'E','symbols':['X','Y','Z']}") ","
                  F("s", "'string'")),
     REC("R", F("e", "{'type':'enum','name':'E','symbols':['Z','Y','X']}") "," F("c", "'double'") ","
                  FD("added", "'string'", "'dflt'") "," F("a", "'long'") ","
                  F("u", "['null','long','string']") "," F("b", "['null','string']") ","
                  FD("more", "{'type':'array','items':'int'}", "[1,2]") ","
                  FD("m", "{'type':'map','values':'long'}", "{'k':3}") ","
                  FD("p", REC("P", F("x", "'int'") "," F("y", "['null','string']")),
                     "{'x':4,'y':null}") ","
                  F("d", "'double'") "," F("s", "'bytes'"))},
    {"nested records in containers",
     REC("R", F("xs", "{'type':'array','items':" REC("P", F("x", "'int'") "," F("y", "'string'")
                                                          "," F("z", "'double'")) "}") ","
                  F("m", "{'type':'map','values':" REC("Q", F("u", "'long'") "," F("v", "'boolean'")) "}")),
     REC("R", F("m", "{'type':'map','values':" REC("Q", F("v", "'boolean'") ","
                                                   FD("w", "'float'", "1.5")) "}") ","
                  F("xs", "{'type':'array','items':" REC("P", F("z", "'double'") "," F("x", "'long'")) "}"))},
    {"union to non-union, top level", "['int','long']", "'double'"},
    {"non-union to union, top level", "'int'", "['null','float']"},
};

/* Single quotes to double quotes. */
static char *dq(const char *sq)
{
    char *t = strdup(sq);
    assert_non_null(t);
    for (char *p = t; *p != '\0'; p++) {
        *p = *p == '\'' ? '"' : *p;
    }
    return t;
}

/* A client with the writer at ID, a bridge decoder and a JSON decoder
 * (json.logical=false), both with reader.schema set. */
typedef struct reader_fixture {
    char *writer;
    char *reader;
    cf_schema *program; /* the writer's, for the generator */
    cfavro_client *client;
    cfavro_decoder *dec;
    cfavro_decoder *json_dec;
} reader_fixture;

static void reader_open(reader_fixture *f, const char *writer_sq, const char *reader_sq)
{
    f->writer = dq(writer_sq);
    f->reader = dq(reader_sq);
    cfavro_error err;
    assert_int_equal(cf_schema_compile(f->writer, strlen(f->writer), NULL, &f->program, &err),
                     CFAVRO_OK);
    f->client = client_with_schema(ID, f->writer, strlen(f->writer));
    f->dec = decoder_with_options(f->client, OPTS("reader.schema", f->reader));
    f->json_dec =
        decoder_with_options(f->client, OPTS("reader.schema", f->reader, "json.logical", "false"));
}

static void reader_close(reader_fixture *f)
{
    cfavro_decoder_free(f->dec);
    cfavro_decoder_free(f->json_dec);
    cfavro_client_free(f->client);
    cf_schema_free(f->program);
    free(f->writer);
    free(f->reader);
}

static void test_reader_values(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof k_reader_cases / sizeof k_reader_cases[0]; c++) {
        const reader_case *rc = &k_reader_cases[c];
        reader_fixture f;
        reader_open(&f, rc->writer, rc->reader);
        /* The class the decoder hands out is the reader schema's, as
         * avro-c parses it. */
        uint8_t header[5];
        assert_int_equal(cfavro_frame_write_v0(ID, header, sizeof header), CFAVRO_OK);
        avro_value_iface_t *iface;
        avro_schema_t schema;
        assert_int_equal(cfavro_decoder_avro_class(f.dec, header, 5, &iface, &schema), CFAVRO_OK);
        avro_schema_t parsed;
        assert_int_equal(avro_schema_from_json_length(f.reader, strlen(f.reader), &parsed), 0);
        if (!avro_schema_equal(schema, parsed)) {
            fail_msg("%s: the class is not of the reader schema", rc->name);
        }
        uint64_t builds = cf_avro_shape_builds();
        bb msg = {0};
        for (int i = 0; i < 200; i++) {
            msg.n = 0;
            bb_header(&msg, ID);
            tv_gen_value(&msg, f.program, f.program->root, 0);
            avro_value_t *v;
            assert_int_equal(cfavro_decoder_avro_value(f.dec, msg.d, msg.n, &v), CFAVRO_OK);
            assert_ptr_equal(v->iface, iface);
            int got = cfavro_decode_avro(f.dec, msg.d, msg.n, v);
            if (got != CFAVRO_OK) {
                fail_msg("%s, message %d: bridge failed %d: %s", rc->name, i, got,
                         cfavro_decoder_error(f.dec)->message);
            }
            char *avro_json = NULL;
            assert_int_equal(avro_value_to_json(v, 1, &avro_json), 0);
            const char *json;
            size_t json_len;
            assert_int_equal(cfavro_decode_json(f.json_dec, msg.d, msg.n, &json, &json_len),
                             CFAVRO_OK);
            json_t *a = tv_parse_json(avro_json, strlen(avro_json));
            json_t *j = tv_parse_json(json, json_len);
            if (!tv_same_json(a, j)) {
                fail_msg("%s, message %d: avro-c renders %s, cfavro %.*s", rc->name, i, avro_json,
                         (int)json_len, json);
            }
            json_decref(a);
            json_decref(j);
            free(avro_json);
            /* Truncations fail as JSON does and reset the value. */
            for (size_t cut = 0; i < 4 && cut < msg.n; cut++) {
                int want = cfavro_decode_json(f.json_dec, msg.d, cut, &json, &json_len);
                assert_int_equal(cfavro_decode_avro(f.dec, msg.d, cut, v), want);
                const cfavro_error *we = cfavro_decoder_error(f.json_dec);
                const cfavro_error *ge = cfavro_decoder_error(f.dec);
                assert_int_equal(ge->offset, we->offset);
                assert_string_equal(ge->path, we->path);
                assert_string_equal(ge->message, we->message);
            }
        }
        /* The reader's shape was built once, not per message. */
        assert_int_equal(cf_avro_shape_builds(), builds);
        bb_free(&msg);
        avro_schema_decref(parsed);
        avro_schema_decref(schema);
        avro_value_iface_decref(iface);
        reader_close(&f);
    }
}

/* With a reader set, the writer's class is refused (and the reader's class
 * without one); two writers resolved to one reader share its class. */
static void test_reader_class(void **state)
{
    (void)state;
    reader_fixture f;
    reader_open(&f, k_reader_cases[0].writer, k_reader_cases[0].reader);
    cfavro_error err;
    char *w2 = dq(REC("R", F("a", "'int'") "," F("b", "'string'") "," F("c", "'long'") ","
                               F("d", "'float'") "," F("u", "['null','int']") ","
                               F("e", "{'type':'enum','name':'E','symbols':['X','Y','Z']}") ","
                               F("s", "'string'") "," F("extra", "'boolean'")));
    assert_int_equal(cfavro_client_add_schema(f.client, 42, w2, strlen(w2), &err), CFAVRO_OK);
    uint8_t h41[5], h42[5];
    cfavro_frame_write_v0(ID, h41, 5);
    cfavro_frame_write_v0(42, h42, 5);
    uint64_t builds = cf_avro_shape_builds();
    avro_value_iface_t *r41, *r42;
    assert_int_equal(cfavro_decoder_avro_class(f.dec, h41, 5, &r41, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decoder_avro_class(f.dec, h42, 5, &r42, NULL), CFAVRO_OK);
    assert_ptr_equal(r41, r42);
    assert_int_equal(cf_avro_shape_builds(), builds + 1);

    cfavro_decoder *plain = decoder_with_options(f.client, NULL);
    avro_value_iface_t *w41;
    assert_int_equal(cfavro_decoder_avro_class(plain, h41, 5, &w41, NULL), CFAVRO_OK);
    assert_ptr_not_equal(w41, r41);
    avro_value_t wv, rv;
    assert_int_equal(avro_generic_value_new(w41, &wv), 0);
    assert_int_equal(avro_generic_value_new(r41, &rv), 0);
    bb msg = {0};
    bb_header(&msg, ID);
    tv_gen_value(&msg, f.program, f.program->root, 0);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &wv), CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(f.dec)->message, "not of the decoder's reader schema");
    assert_int_equal(cfavro_decoder_error(f.dec)->schema_id, ID);
    assert_int_equal(cfavro_decode_avro(plain, msg.d, msg.n, &rv), CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(plain)->message, "not of the message's writer schema");
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &rv), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(plain, msg.d, msg.n, &wv), CFAVRO_OK);
    /* A message of writer 42 fills a value of the one reader class too. */
    cf_schema *p42;
    assert_int_equal(cf_schema_compile(w2, strlen(w2), NULL, &p42, &err), CFAVRO_OK);
    msg.n = 0;
    bb_header(&msg, 42);
    tv_gen_value(&msg, p42, p42->root, 0);
    assert_int_equal(cfavro_decode_avro(f.dec, msg.d, msg.n, &rv), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(plain, msg.d, msg.n, &rv), CFAVRO_E_ARGUMENT);
    cf_schema_free(p42);
    free(w2);
    bb_free(&msg);
    avro_value_decref(&wv);
    avro_value_decref(&rv);
    avro_value_iface_decref(w41);
    avro_value_iface_decref(r41);
    avro_value_iface_decref(r42);
    cfavro_decoder_free(plain);
    reader_close(&f);
}

/* An incompatible pair fails every bridge call with 901 and the path the
 * JSON call reports. */
static void test_reader_incompatible(void **state)
{
    (void)state;
    reader_fixture f;
    reader_open(&f, T_V1, T_BAD);
    static const uint8_t msg[] = {0, 0, 0, 0, ID, 2, 'x'};
    const char *json;
    size_t json_len;
    assert_int_equal(cfavro_decode_json(f.json_dec, msg, sizeof msg, &json, &json_len),
                     CFAVRO_E_INCOMPATIBLE);
    avro_value_t *v = (avro_value_t *)1;
    assert_int_equal(cfavro_decoder_avro_value(f.dec, msg, sizeof msg, &v), CFAVRO_E_INCOMPATIBLE);
    assert_null(v);
    avro_value_iface_t *iface = (avro_value_iface_t *)1;
    assert_int_equal(cfavro_decoder_avro_class(f.dec, msg, 5, &iface, NULL),
                     CFAVRO_E_INCOMPATIBLE);
    assert_null(iface);
    /* A value of the writer schema: the pair's error comes first. */
    avro_schema_t ws;
    assert_int_equal(avro_schema_from_json_length(f.writer, strlen(f.writer), &ws), 0);
    avro_value_iface_t *wi = avro_generic_class_from_schema(ws);
    avro_value_t wv;
    assert_int_equal(avro_generic_value_new(wi, &wv), 0);
    assert_int_equal(cfavro_decode_avro(f.dec, msg, sizeof msg, &wv), CFAVRO_E_INCOMPATIBLE);
    const cfavro_error *ge = cfavro_decoder_error(f.dec);
    const cfavro_error *we = cfavro_decoder_error(f.json_dec);
    assert_string_equal(ge->path, we->path);
    assert_string_equal(ge->message, we->message);
    assert_int_equal(ge->schema_id, ID);
    assert_int_equal(cfavro_decode_payload_avro(f.dec, ID, msg + 5, 2, &wv),
                     CFAVRO_E_INCOMPATIBLE);
    avro_value_decref(&wv);
    avro_value_iface_decref(wi);
    avro_schema_decref(ws);
    reader_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_trade_and_wide),
        cmocka_unit_test(test_linked_and_recursive),
        cmocka_unit_test(test_hostile_payloads),
        cmocka_unit_test(test_keys_and_utf8),
        cmocka_unit_test(test_class_built_once),
        cmocka_unit_test(test_value_schema_checked),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_reader_values),
        cmocka_unit_test(test_reader_class),
        cmocka_unit_test(test_reader_incompatible),
        cmocka_unit_test_teardown(test_allocation_failures, alloc_hooks_off_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
