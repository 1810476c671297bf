/* The config / client / decoder API around decoding: argument checks, bad
 * settings named in the error, the in-memory and directory schema sources,
 * prefetch, batches and their NDJSON layout, decoders staying usable after
 * errors, threads sharing a client, no allocation per message once warm, and
 * the failing-allocation sweep over the whole set-up-and-decode sequence. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfavro.h"
#include "test_support.h"

static const char *k_schema =
    "{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"com.example\",\"fields\":["
    "{\"name\":\"sym\",\"type\":\"string\"},{\"name\":\"px\",\"type\":\"double\"},"
    "{\"name\":\"seq\",\"type\":[\"null\",\"long\"]},"
    "{\"name\":\"extra\",\"type\":{\"type\":\"map\",\"values\":\"string\"}}]}";

/* A framed Trade: sym, px = 1.5, seq = 7 (or null when seq < 0), extra = {}. */
static size_t trade_msg(uint8_t *buf, int32_t id, const char *sym, long seq)
{
    size_t n = 0;
    cfavro_frame_write_v0(id, buf, 5);
    n = 5;
    size_t sl = strlen(sym);
    n += bb_long_to(buf + n, (int64_t)sl);
    memcpy(buf + n, sym, sl);
    n += sl;
    const uint8_t px[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x3f};
    memcpy(buf + n, px, 8);
    n += 8;
    if (seq < 0) {
        buf[n++] = 0;
    } else {
        buf[n++] = 2;
        n += bb_long_to(buf + n, seq);
    }
    buf[n++] = 0;
    return n;
}

static cfavro_client *trade_client(int32_t id)
{
    return client_with_schema(id, k_schema, strlen(k_schema));
}

/* Fixture: a client knowing the Trade schema as id 1 and a decoder of it. */
typedef struct trade_fx {
    cfavro_client *c;
    cfavro_decoder *dec;
} trade_fx;

static int trade_setup(void **state)
{
    static trade_fx f;
    f.c = trade_client(1);
    f.dec = decoder_with_options(f.c, NULL);
    *state = &f;
    return 0;
}

static int trade_teardown(void **state)
{
    trade_fx *f = *state;
    cfavro_decoder_free(f->dec);
    cfavro_client_free(f->c);
    return 0;
}

/* ---- config ------------------------------------------------------------- */

static void test_config_bad_keys_and_values(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);

    assert_int_equal(cfavro_config_set(cfg, "no.such.key", "1", &err), CFAVRO_E_CONFIG);
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "no.such.key");

    static const char *const bad[][2] = {
        {"json.union", "AVRO"},        {"json.union", ""},
        {"json.bytes", "base32"},      {"json.logical", "yes"},
        {"json.time", "unix"},         {"json.decimal", "float"},
        {"json.nonfinite", "zero"},    {"json.invalid.utf8", "ignore"},
        {"decode.trailing.bytes", "1"}, {"limit.depth", "0"},
        {"limit.depth", "10001"},      {"limit.depth", "-1"},
        {"limit.depth", "12abc"},      {"limit.depth", ""},
        {"limit.depth", " 5"},         {"limit.items", "99999999999999999999999"},
        {"limit.items", "+3"},         {"limit.output.bytes", "0"},
        {"schema.dir", ""},            {"limit.schema.bytes", "0"},
        {"limit.schema.depth", "x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0x5a, sizeof err);
        int rc = cfavro_config_set(cfg, bad[i][0], bad[i][1], &err);
        if (rc != CFAVRO_E_CONFIG) {
            fail_msg("%s=\"%s\": expected CFAVRO_E_CONFIG, got %d", bad[i][0], bad[i][1], rc);
        }
        assert_int_equal(err.status, CFAVRO_E_CONFIG);
        assert_contains(err.message, bad[i][0]);
        assert_true(err.offset == CFAVRO_NO_OFFSET);
        /* err may also be NULL. */
        assert_int_equal(cfavro_config_set(cfg, bad[i][0], bad[i][1], NULL), CFAVRO_E_CONFIG);
    }
    /* Accepted values of each key (the choice lists name them). */
    static const char *const good[][2] = {
        {"json.union", "plain"},       {"json.union", "avro"},
        {"json.bytes", "hex"},         {"json.bytes", "base64"},
        {"json.bytes", "avro"},        {"json.logical", "false"},
        {"json.logical", "true"},      {"json.time", "epoch"},
        {"json.time", "iso8601"},      {"json.decimal", "number"},
        {"json.decimal", "string"},    {"json.nonfinite", "null"},
        {"json.nonfinite", "string"},  {"json.invalid.utf8", "replace"},
        {"json.invalid.utf8", "error"}, {"decode.trailing.bytes", "allow"},
        {"decode.trailing.bytes", "error"}, {"limit.depth", "1"},
        {"limit.depth", "10000"},      {"limit.items", "0"},
        {"limit.output.bytes", "1"},   {"schema.dir", "/nonexistent"},
        {"limit.schema.bytes", "1048576"}, {"limit.schema.depth", "64"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = cfavro_config_set(cfg, good[i][0], good[i][1], &err);
        if (rc != CFAVRO_OK) {
            fail_msg("%s=\"%s\" rejected: %s", good[i][0], good[i][1], err.message);
        }
        assert_int_equal(err.status, CFAVRO_OK);
    }
    /* The message lists what is accepted. */
    assert_int_equal(cfavro_config_set(cfg, "json.bytes", "b64", &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "base64");
    assert_contains(err.message, "hex");

    assert_int_equal(cfavro_config_set(NULL, "json.union", "avro", &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_config_set(cfg, NULL, "avro", &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_config_set(cfg, "json.union", NULL, &err), CFAVRO_E_ARGUMENT);
    cfavro_config_free(cfg);
    cfavro_config_free(NULL);
}

/* A config whose last setting for a key wins, and that the client copies. */
static void test_config_to_client(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "json.union", "avro", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "json.union", "plain", &err), CFAVRO_OK);
    cfavro_client *c = cfavro_client_new(cfg, &err);
    assert_non_null(c);
    assert_int_equal(err.status, CFAVRO_OK);
    /* The config can go away (or change) once the client exists. */
    assert_int_equal(cfavro_config_set(cfg, "json.union", "avro", &err), CFAVRO_OK);
    cfavro_config_free(cfg);
    assert_int_equal(cfavro_client_add_schema(c, 1, k_schema, strlen(k_schema), &err), CFAVRO_OK);
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    assert_non_null(dec);
    uint8_t m[64];
    size_t n = trade_msg(m, 1, "AB", 7);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"AB\",\"px\":1.5,\"seq\":7,\"extra\":{}}");
    cfavro_decoder_free(dec);
    cfavro_client_free(c);

    /* An empty config is the defaults. */
    cfg = cfavro_config_new();
    c = cfavro_client_new(cfg, &err);
    assert_non_null(c);
    cfavro_config_free(cfg);
    cfavro_client_free(c);
    cfavro_client_free(NULL);
}

/* ---- decoder settings and arguments ------------------------------------- */

static void test_decoder_set(void **state)
{
    cfavro_decoder *dec = ((trade_fx *)*state)->dec;
    cfavro_error err;
    assert_int_equal(cfavro_decoder_set(dec, "nope", "1", &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "nope");
    /* Client-level keys are not decoder options. */
    assert_int_equal(cfavro_decoder_set(dec, "schema.dir", "/tmp", &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "schema.dir");
    assert_int_equal(cfavro_decoder_set(dec, "json.union", "plain", &err), CFAVRO_OK);
    /* A bad value is refused and leaves the previous value in place. */
    assert_int_equal(cfavro_decoder_set(dec, "json.union", "bogus", &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "json.union");
    assert_int_equal(cfavro_decoder_set(dec, "limit.depth", "0", &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "limit.depth");
    uint8_t m[64];
    size_t n = trade_msg(m, 1, "AB", 7);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"AB\",\"px\":1.5,\"seq\":7,\"extra\":{}}");

    assert_int_equal(cfavro_decoder_set(NULL, "json.union", "plain", &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_set(dec, NULL, "plain", &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_set(dec, "json.union", NULL, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_set(dec, "json.union", "avro", NULL), CFAVRO_OK);
    cfavro_decoder_free(NULL);
}

static void test_null_arguments(void **state)
{
    cfavro_client *c = ((trade_fx *)*state)->c;
    cfavro_decoder *dec = ((trade_fx *)*state)->dec;
    cfavro_error err;
    memset(&err, 0, sizeof err);
    assert_null(cfavro_decoder_new(NULL, &err));
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_null(cfavro_decoder_new(NULL, NULL));

    const cfavro_error *none = cfavro_decoder_error(NULL);
    assert_non_null(none);
    assert_int_equal(none->status, CFAVRO_E_ARGUMENT);

    uint8_t m[64];
    size_t n = trade_msg(m, 1, "AB", -1);
    const char *json = "x";
    size_t len = 5;
    cfavro_batch_result res[1];
    const void *msgs[1] = {m};
    size_t lens[1] = {n};
    size_t failed = 99;

    assert_int_equal(cfavro_decode_json(NULL, m, n, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_json(dec, m, n, NULL, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, NULL), CFAVRO_E_ARGUMENT);
    /* Outputs are defined even on argument errors. */
    json = "sentinel";
    len = 5;
    assert_int_equal(cfavro_decode_json(dec, NULL, 6, &json, &len), CFAVRO_E_ARGUMENT);
    assert_null(json);
    assert_int_equal(len, 0);
    json = "sentinel";
    len = 5;
    assert_int_equal(cfavro_decode_payload_json(dec, 1, NULL, 3, &json, &len), CFAVRO_E_ARGUMENT);
    assert_null(json);
    assert_int_equal(len, 0);
    json = "sentinel";
    len = 5;
    assert_int_equal(cfavro_decode_batch_json(dec, NULL, lens, 1, res, &json, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_null(json);
    assert_int_equal(len, 0);
    assert_int_equal(cfavro_validate(NULL, m, n), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_validate(dec, NULL, 6), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_json(NULL, 1, m + 5, n - 5, &json, &len),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_json(dec, 1, NULL, 3, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_payload_json(dec, 1, m + 5, n - 5, NULL, &len),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(NULL, msgs, lens, 1, res, &json, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(dec, NULL, lens, 1, res, &json, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, NULL, 1, res, &json, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 1, NULL, &json, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 1, res, NULL, &len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 1, res, &json, NULL, &failed),
                     CFAVRO_E_ARGUMENT);
    /* A NULL message inside a batch fails that message only. */
    const void *with_null[2] = {m, NULL};
    size_t with_null_lens[2] = {n, 5};
    cfavro_batch_result two[2];
    assert_int_equal(cfavro_decode_batch_json(dec, with_null, with_null_lens, 2, two, &json, &len,
                                              &failed),
                     CFAVRO_OK);
    assert_int_equal(failed, 1);
    assert_int_equal(two[0].status, CFAVRO_OK);
    assert_int_equal(two[1].status, CFAVRO_E_ARGUMENT);
    assert_int_equal(len, two[0].json_len + 1);
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_E_ARGUMENT);

    assert_int_equal(cfavro_client_add_schema(NULL, 1, k_schema, strlen(k_schema), &err),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_add_schema(c, 2, NULL, 5, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_prefetch(NULL, 1, &err), CFAVRO_E_ARGUMENT);

    /* After all that the decoder works, and success clears the error. */
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"AB\",\"px\":1.5,\"seq\":null,\"extra\":{}}");
    assert_int_equal(len, strlen(json));
    assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    assert_string_equal(cfavro_decoder_error(dec)->message, "");
}

/* ---- in-memory source --------------------------------------------------- */

static void test_add_schema(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_client *c = cfavro_client_new(NULL, &err);
    /* Text need not be NUL-terminated: only len bytes are read. */
    char buf[512];
    size_t sl = strlen(k_schema);
    memcpy(buf, k_schema, sl);
    memset(buf + sl, '}', sizeof buf - sl);
    assert_int_equal(cfavro_client_add_schema(c, 10, buf, sl, &err), CFAVRO_OK);
    /* Same id, same text: no-op. */
    assert_int_equal(cfavro_client_add_schema(c, 10, k_schema, sl, &err), CFAVRO_OK);
    /* Same id, other text: refused, the first stays. */
    assert_int_equal(cfavro_client_add_schema(c, 10, "\"string\"", 8, &err), CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "10");
    assert_true(err.schema_id == 10);
    /* Invalid schema: refused, the id stays free. */
    const char *bad = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\","
                      "\"type\":\"dobule\"}]}";
    assert_int_equal(cfavro_client_add_schema(c, 11, bad, strlen(bad), &err),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_true(err.schema_id == 11);
    assert_contains(err.message, "dobule");
    assert_int_equal(cfavro_client_add_schema(c, 12, "", 0, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_int_equal(cfavro_client_add_schema(c, 12, "not json", 8, &err),
                     CFAVRO_E_SCHEMA_INVALID);

    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    uint8_t m[64];
    size_t n = trade_msg(m, 10, "X", 1);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"X\",\"px\":1.5,\"seq\":{\"long\":1},\"extra\":{}}");
    const uint8_t m11[] = {0, 0, 0, 0, 11, 0x02};
    assert_int_equal(cfavro_validate(dec, m11, sizeof m11), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(cfavro_decoder_error(dec)->schema_id == 11);
    /* Now add a valid schema under the id that failed; the decoder sees it. */
    assert_int_equal(cfavro_client_add_schema(c, 11, "\"int\"", 5, &err), CFAVRO_OK);
    assert_int_equal(cfavro_decode_json(dec, m11, sizeof m11, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "1");
    /* Prefetch of an added id succeeds; an unknown one does not. */
    assert_int_equal(cfavro_client_prefetch(c, 10, &err), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_int_equal(cfavro_client_prefetch(c, 13, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(err.schema_id == 13);
    assert_int_equal(cfavro_client_prefetch(c, 13, NULL), CFAVRO_E_SCHEMA_NOT_FOUND);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* ---- directory source --------------------------------------------------- */

static char g_dir[64];

static void write_file(const char *name, const char *text)
{
    write_text_file(g_dir, name, text);
}

static const char *const k_dir_entries[] = {"1.avsc", "2.avsc", "3.avsc", "4.avsc",
                                            "5.avsc", "6.avsc", "7.avsc", "8.avsc",
                                            "9.avsc", "-3.avsc"};

static int dir_setup(void **state)
{
    (void)state;
    make_temp_dir(g_dir, sizeof g_dir, "cfavro-api-");
    return 0;
}

static int dir_teardown(void **state)
{
    (void)state;
    alloc_hooks_off();
    for (size_t i = 0; i < sizeof k_dir_entries / sizeof k_dir_entries[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", g_dir, k_dir_entries[i]);
        remove(path); /* files, links and the empty directory 3.avsc */
    }
    return rmdir(g_dir);
}

static cfavro_client *dir_client(const char *extra_key, const char *extra_value)
{
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", g_dir, &err), CFAVRO_OK);
    if (extra_key != NULL) {
        assert_int_equal(cfavro_config_set(cfg, extra_key, extra_value, &err), CFAVRO_OK);
    }
    cfavro_client *c = cfavro_client_new(cfg, &err);
    assert_non_null(c);
    cfavro_config_free(cfg);
    return c;
}

static void test_schema_dir(void **state)
{
    (void)state;
    char path[256];
    write_file("1.avsc", k_schema);
    write_file("2.avsc", "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\"}]}");
    snprintf(path, sizeof path, "%s/3.avsc", g_dir);
    assert_int_equal(mkdir(path, 0700), 0); /* a directory, not a file */
    snprintf(path, sizeof path, "%s/4.avsc", g_dir);
    assert_int_equal(symlink("4.avsc", path), 0); /* a symlink loop: unreadable */
    snprintf(path, sizeof path, "%s/5.avsc", g_dir);
    assert_int_equal(symlink("nowhere.avsc", path), 0); /* dangling */
    write_file("-3.avsc", "\"long\"");

    cfavro_error err;
    cfavro_client *c = dir_client(NULL, NULL);
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    const cfavro_error *e = cfavro_decoder_error(dec);
    uint8_t m[64];
    const char *json;
    size_t len;

    size_t n = trade_msg(m, 1, "D", 2);
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"sym\":\"D\",\"px\":1.5,\"seq\":{\"long\":2},\"extra\":{}}");

    n = trade_msg(m, 2, "D", 2);
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_E_SCHEMA_INVALID);
    assert_true(e->schema_id == 2);
    assert_contains(e->message, "2.avsc");

    n = trade_msg(m, 3, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_IO);
    assert_contains(e->message, "3.avsc");
    assert_true(e->schema_id == 3);

    n = trade_msg(m, 4, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_IO);
    assert_contains(e->message, "4.avsc");

    n = trade_msg(m, 5, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_SCHEMA_NOT_FOUND);

    /* A FIFO must not block the lookup (nor every miss behind it). */
    snprintf(path, sizeof path, "%s/8.avsc", g_dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    n = trade_msg(m, 8, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_IO);
    assert_contains(e->message, "not a regular file");

    n = trade_msg(m, 6, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_contains(e->message, "6.avsc");
    assert_true(e->schema_id == 6);

    const uint8_t neg[] = {0, 0xff, 0xff, 0xff, 0xfd, 0x54};
    assert_int_equal(cfavro_decode_json(dec, neg, sizeof neg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "42");

    /* Answers about the schema itself (not found, does not compile) are
     * remembered for cfavro.registry.negative.ttl.ms (60 s by default): fixing
     * the files changes nothing for this client yet, and each failure comes
     * back with its first message. Files that could not be read are not
     * remembered (id 3 above is read again below). */
    write_file("6.avsc", "\"int\"");
    remove_dir_entry(g_dir, "2.avsc");
    write_file("2.avsc", "\"boolean\"");
    const uint8_t m6[] = {0, 0, 0, 0, 6, 0x54};
    const uint8_t m2[] = {0, 0, 0, 0, 2, 0x01};
    assert_int_equal(cfavro_client_prefetch(c, 6, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_contains(err.message, "6.avsc");
    assert_int_equal(cfavro_decode_json(dec, m2, sizeof m2, &json, &len), CFAVRO_E_SCHEMA_INVALID);
    assert_contains(e->message, "2.avsc");
    /* With the TTL at 0 nothing is remembered: the fixed files work at once. */
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    c = dir_client("cfavro.registry.negative.ttl.ms", "0");
    dec = cfavro_decoder_new(c, &err);
    e = cfavro_decoder_error(dec);
    remove_dir_entry(g_dir, "6.avsc");
    n = trade_msg(m, 6, "D", 2);
    assert_int_equal(cfavro_validate(dec, m, n), CFAVRO_E_SCHEMA_NOT_FOUND);
    write_file("6.avsc", "\"int\"");
    assert_int_equal(cfavro_client_prefetch(c, 6, &err), CFAVRO_OK);
    assert_int_equal(cfavro_client_prefetch(c, 1, &err), CFAVRO_OK);
    assert_int_equal(cfavro_decode_json(dec, m6, sizeof m6, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "42");
    assert_int_equal(cfavro_decode_json(dec, m2, sizeof m2, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "true");

    /* Once loaded, a schema is kept even if its file goes away or changes. */
    remove_dir_entry(g_dir, "1.avsc");
    write_file("6.avsc", "\"string\"");
    n = trade_msg(m, 1, "E", -1);
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_int_equal(cfavro_decode_json(dec, m6, sizeof m6, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "42");

    /* An id loaded from the directory names that schema: adding different
     * text for it is refused; adding the same text is fine. */
    assert_int_equal(cfavro_client_add_schema(c, 6, "\"long\"", 6, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_add_schema(c, 6, "\"int\"", 5, &err), CFAVRO_OK);
    /* In-memory schemas take precedence over files not yet loaded. */
    write_file("7.avsc", "\"string\"");
    assert_int_equal(cfavro_client_add_schema(c, 7, "\"int\"", 5, &err), CFAVRO_OK);
    const uint8_t m7[] = {0, 0, 0, 0, 7, 0x54};
    assert_int_equal(cfavro_decode_json(dec, m7, sizeof m7, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "42");

    /* Prefetch reports each failure class too. */
    assert_int_equal(cfavro_client_prefetch(c, 3, &err), CFAVRO_E_IO);
    assert_int_equal(cfavro_client_prefetch(c, 10, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_true(err.schema_id == 10);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);

    /* limit.schema.bytes applies to files. */
    write_file("9.avsc", k_schema);
    char limit[32];
    snprintf(limit, sizeof limit, "%zu", strlen(k_schema) - 1);
    c = dir_client("limit.schema.bytes", limit);
    assert_int_equal(cfavro_client_prefetch(c, 9, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(err.message, "9.avsc");
    cfavro_client_free(c);
    snprintf(limit, sizeof limit, "%zu", strlen(k_schema));
    c = dir_client("limit.schema.bytes", limit);
    assert_int_equal(cfavro_client_prefetch(c, 9, &err), CFAVRO_OK);
    cfavro_client_free(c);

    /* A directory that does not exist: ids are simply not found. */
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", "/nonexistent/cfavro", &err),
                     CFAVRO_OK);
    c = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    assert_non_null(c);
    assert_int_equal(cfavro_client_prefetch(c, 1, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    cfavro_client_free(c);
}

/* ---- batches ------------------------------------------------------------ */

static void test_batch(void **state)
{
    cfavro_decoder *dec = ((trade_fx *)*state)->dec;
    cfavro_error err;
    uint8_t m0[64], m1[64], m2[64], m4[64];
    size_t n0 = trade_msg(m0, 1, "A", 1);
    size_t n1 = trade_msg(m1, 1, "BB", 2) - 3; /* truncated in the union/map */
    size_t n2 = trade_msg(m2, 1, "CCC", -1);
    size_t n4 = trade_msg(m4, 1, "\"q\"", 3);
    const uint8_t m3[] = {0, 0, 1};
    const void *msgs[6] = {m0, m1, m2, m3, m4, NULL};
    size_t lens[6] = {n0, n1, n2, sizeof m3, n4, 0};
    cfavro_batch_result res[6];
    memset(res, 0x5a, sizeof res);
    const char *nd = NULL;
    size_t nd_len = 0;
    size_t failed = 0;
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 6, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    const char *expected = "{\"sym\":\"A\",\"px\":1.5,\"seq\":{\"long\":1},\"extra\":{}}\n"
                           "{\"sym\":\"CCC\",\"px\":1.5,\"seq\":null,\"extra\":{}}\n"
                           "{\"sym\":\"\\\"q\\\"\",\"px\":1.5,\"seq\":{\"long\":3},\"extra\":{}}\n";
    assert_string_equal(nd, expected);
    assert_int_equal(nd_len, strlen(expected));
    assert_int_equal(failed, 3);

    assert_int_equal(res[0].status, CFAVRO_OK);
    assert_true(res[0].offset == CFAVRO_NO_OFFSET);
    assert_true(res[0].schema_id == 1);
    assert_null(cfavro_decoder_batch_error(dec, 0));
    assert_int_equal(res[0].json_offset, 0);
    assert_int_equal(res[0].json_len, strchr(nd, '\n') - nd);

    assert_int_equal(res[1].status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(res[1].offset, n1);
    assert_true(res[1].schema_id == 1);
    assert_int_equal(res[1].json_len, 0);
    assert_int_equal(cfavro_decoder_batch_error(dec, 1)->status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(cfavro_decoder_batch_error(dec, 1)->offset, n1);

    assert_int_equal(res[2].status, CFAVRO_OK);
    assert_int_equal(res[2].json_offset, res[0].json_len + 1);
    assert_memory_equal(nd + res[2].json_offset, "{\"sym\":\"CCC\"", 12);
    assert_int_equal(nd[res[2].json_offset + res[2].json_len], '\n');

    assert_int_equal(res[3].status, CFAVRO_E_FRAME_SHORT);
    assert_int_equal(res[3].offset, 3);
    assert_true(res[3].schema_id == CFAVRO_NO_SCHEMA_ID);
    assert_int_equal(cfavro_decoder_batch_error(dec, 3)->offset, 3);

    assert_int_equal(res[4].status, CFAVRO_OK);
    assert_int_equal(res[4].json_offset, res[2].json_offset + res[2].json_len + 1);
    assert_int_equal(res[4].json_offset + res[4].json_len + 1, nd_len);

    assert_int_equal(res[5].status, CFAVRO_E_FRAME_SHORT);
    assert_int_equal(res[5].offset, 0);

    /* The decoder's error describes the last failed message. */
    const cfavro_error *e = cfavro_decoder_error(dec);
    assert_int_equal(e->status, CFAVRO_E_FRAME_SHORT);
    assert_int_equal(e->offset, 0);

    /* The NDJSON buffer is NUL-terminated. */
    assert_int_equal(nd[nd_len], '\0');

    /* All good: error cleared; failed may be NULL. */
    const void *good[2] = {m0, m2};
    size_t good_lens[2] = {n0, n2};
    assert_int_equal(cfavro_decode_batch_json(dec, good, good_lens, 2, res, &nd, &nd_len, NULL),
                     CFAVRO_OK);
    assert_int_equal(e->status, CFAVRO_OK);
    assert_int_equal(nd_len, res[0].json_len + res[1].json_len + 2);

    /* Empty batch. */
    assert_int_equal(cfavro_decode_batch_json(dec, NULL, NULL, 0, NULL, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_non_null(nd);
    assert_string_equal(nd, "");
    assert_int_equal(nd_len, 0);
    assert_int_equal(failed, 0);

    /* A batch of failures only: empty NDJSON, every result says why. */
    const void *bad[2] = {m1, m3};
    size_t bad_lens[2] = {n1, sizeof m3};
    assert_int_equal(cfavro_decode_batch_json(dec, bad, bad_lens, 2, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_int_equal(nd_len, 0);
    assert_string_equal(nd, "");
    assert_int_equal(failed, 2);
    assert_int_equal(res[0].status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(res[1].status, CFAVRO_E_FRAME_SHORT);

    /* Output limit: the batch stops; the rest are reported, not attempted,
     * and the lines decoded before the limit are kept. */
    char lim[32];
    snprintf(lim, sizeof lim, "%zu", strlen(expected) - 20);
    assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, &err), CFAVRO_OK);
    memset(res, 0x5a, sizeof res);
    int rc = cfavro_decode_batch_json(dec, msgs, lens, 6, res, &nd, &nd_len, &failed);
    assert_int_equal(rc, CFAVRO_E_LIMIT_OUTPUT);
    assert_non_null(nd);
    assert_int_equal(nd_len, res[0].json_len + res[2].json_len + 2);
    assert_int_equal(strlen(nd), nd_len);
    assert_memory_equal(nd, expected, nd_len);
    assert_int_equal(res[0].status, CFAVRO_OK);
    assert_int_equal(res[1].status, CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(res[2].status, CFAVRO_OK);
    assert_int_equal(res[3].status, CFAVRO_E_FRAME_SHORT);
    assert_int_equal(res[4].status, CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(res[5].status, CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(failed, 4);
    /* A limit above the NDJSON size is enough (the exact-fit boundary is
     * tested in test_decode_malformed.c). */
    snprintf(lim, sizeof lim, "%zu", strlen(expected) + 64);
    assert_int_equal(cfavro_decoder_set(dec, "limit.output.bytes", lim, &err), CFAVRO_OK);
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, lens, 6, res, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_string_equal(nd, expected);
}

/* The offsets form: the same messages back to back in one buffer (at an
 * Arrow slice's non-zero start, with 4- and 8-byte offsets) give the same
 * results and NDJSON as the pointer form, details included. */
static void test_batch_offsets(void **state)
{
    cfavro_decoder *dec = ((trade_fx *)*state)->dec;
    uint8_t m[4][64];
    size_t n[5];
    n[0] = trade_msg(m[0], 1, "A", 1);
    n[1] = trade_msg(m[1], 1, "BB", 2) - 3; /* truncated */
    n[2] = trade_msg(m[2], 1, "CCC", -1);
    n[3] = trade_msg(m[3], 9, "D", 4); /* unknown schema id */
    n[4] = 0;                           /* a tombstone */
    const void *msgs[5] = {m[0], m[1], m[2], m[3], NULL};
    cfavro_batch_result want[5], got[5];
    const char *nd = NULL;
    size_t nd_len = 0, failed = 0;
    assert_int_equal(cfavro_decode_batch_json(dec, msgs, n, 5, want, &nd, &nd_len, &failed),
                     CFAVRO_OK);
    assert_int_equal(failed, 3);
    char *want_nd = strdup(nd);
    assert_non_null(want_nd);
    char want_detail[5][sizeof(((cfavro_error *)0)->message)];
    for (size_t i = 0; i < 5; i++) {
        const cfavro_error *d = cfavro_decoder_batch_error(dec, i);
        snprintf(want_detail[i], sizeof want_detail[i], "%s", d ? d->message : "");
    }

    uint8_t data[3 + 4 * 64] = {0xee, 0xee, 0xee};
    int64_t off64[6];
    int32_t off32[6];
    size_t at = 3;
    for (size_t i = 0; i < 5; i++) {
        off64[i] = (int64_t)at;
        off32[i] = (int32_t)at;
        if (n[i] > 0) {
            memcpy(data + at, m[i], n[i]);
        }
        at += n[i];
    }
    off64[5] = (int64_t)at;
    off32[5] = (int32_t)at;
    const void *offsets[2] = {off32, off64};
    for (size_t w = 0; w < 2; w++) {
        memset(got, 0x5a, sizeof got);
        failed = 0;
        assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, offsets[w], w ? 8 : 4, 5,
                                                          got, &nd, &nd_len, &failed),
                         CFAVRO_OK);
        assert_string_equal(nd, want_nd);
        assert_int_equal(failed, 3);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(got[i].status, want[i].status);
            assert_true(got[i].offset == want[i].offset);
            assert_true(got[i].schema_id == want[i].schema_id);
            assert_int_equal(got[i].json_offset, want[i].json_offset);
            assert_int_equal(got[i].json_len, want[i].json_len);
            const cfavro_error *d = cfavro_decoder_batch_error(dec, i);
            assert_string_equal(d ? d->message : "", want_detail[i]);
        }
    }
    assert_int_equal(got[3].status, CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(got[4].status, CFAVRO_E_FRAME_SHORT);
    free(want_nd);

    /* An empty batch needs only offsets[0]; data may be NULL when empty. */
    int64_t zero = 0;
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, NULL, 0, &zero, 8, 0, NULL, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_OK);
    assert_string_equal(nd, "");
    assert_int_equal(failed, 0);

    /* Bad offsets fail the call before anything is decoded, naming the
     * first bad index; no detail is left from the batch before. */
    struct {
        int64_t off[3];
        size_t data_len;
        const char *says;
    } bad[] = {
        {{-1, 3, 3 + (int64_t)n[0]}, at, "offsets[0] (-1) is negative"},
        {{3 + (int64_t)n[0], 3, 3 + (int64_t)n[0]}, at, "offsets[1] (3) is below the one before"},
        {{3, 3 + (int64_t)n[0], (int64_t)at + 1}, at, "offsets[2]"},
        {{3, 3 + (int64_t)n[0], 3 + (int64_t)n[0]}, 4, "offsets[1]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        failed = 77;
        assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, bad[i].data_len, bad[i].off,
                                                          8, 2, got, &nd, &nd_len, &failed),
                         CFAVRO_E_ARGUMENT);
        assert_int_equal(failed, 77);
        assert_null(nd);
        assert_int_equal(nd_len, 0);
        assert_contains(cfavro_decoder_error(dec)->message, bad[i].says);
        assert_null(cfavro_decoder_batch_error(dec, 0));
    }
    assert_contains(cfavro_decoder_error(dec)->message, "beyond the data's length (4 bytes)");
    int32_t neg32[2] = {3, -5};
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, neg32, 4, 1, got, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(dec)->message, "offsets[1] (-5) is negative");
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, off64, 2, 5, got, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(dec)->message, "offset_width is 2 (4 or 8 bytes)");
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, NULL, 8, 5, got, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, NULL, at, off64, 8, 5, got, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, off64, 8, 5, NULL, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_offsets_json(NULL, data, at, off64, 8, 5, got, &nd,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_offsets_json(dec, data, at, off64, 8, 5, got, NULL,
                                                      &nd_len, &failed),
                     CFAVRO_E_ARGUMENT);
    assert_contains(cfavro_decoder_error(dec)->message, "cfavro_decode_batch_offsets_json");
}

/* ---- a decoder after errors --------------------------------------------- */

static void test_usable_after_errors(void **state)
{
    cfavro_decoder *dec = ((trade_fx *)*state)->dec;
    uint8_t good[64];
    size_t gn = trade_msg(good, 1, "OK", 5);
    const char *want = "{\"sym\":\"OK\",\"px\":1.5,\"seq\":{\"long\":5},\"extra\":{}}";
    uint8_t bad[64];
    size_t bn = trade_msg(bad, 1, "OK", 5);
    bad[bn - 3] = 0x06; /* seq: union branch 3 of 2 */
    const char *json;
    size_t len;
    for (int round = 0; round < 50; round++) {
        int rc = cfavro_decode_json(dec, bad, bn, &json, &len);
        assert_int_equal(rc, CFAVRO_E_DATA_UNION_INDEX);
        assert_null(json);
        assert_string_equal(cfavro_decoder_error(dec)->path, "Trade.seq");
        assert_int_equal(cfavro_decoder_error(dec)->offset, bn - 3);
        rc = cfavro_decode_json(dec, good, gn, &json, &len);
        assert_int_equal(rc, CFAVRO_OK);
        assert_string_equal(json, want);
        assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
        assert_string_equal(cfavro_decoder_error(dec)->path, "");
        assert_int_equal(cfavro_validate(dec, bad, bn), CFAVRO_E_DATA_UNION_INDEX);
        assert_int_equal(cfavro_validate(dec, good, gn), CFAVRO_OK);
        assert_int_equal(cfavro_decoder_error(dec)->status, CFAVRO_OK);
    }
}

/* ---- threads sharing a client ------------------------------------------- */

typedef struct thread_arg {
    cfavro_client *client;
    int id;
    int failures;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    cfavro_decoder *dec = cfavro_decoder_new(a->client, NULL);
    if (dec == NULL) {
        a->failures++;
        return NULL;
    }
    uint8_t m[64];
    char sym[16];
    char want[128];
    for (int i = 0; i < 300; i++) {
        snprintf(sym, sizeof sym, "T%dI%d", a->id, i % 10);
        /* Alternate ids 1 and 9 so the schema memo misses. */
        int32_t id = (i & 1) ? 1 : 9;
        size_t n = trade_msg(m, id, sym, i % 60);
        snprintf(want, sizeof want,
                 "{\"sym\":\"%s\",\"px\":1.5,\"seq\":{\"long\":%d},\"extra\":{}}", sym, i % 60);
        const char *json;
        size_t len;
        if (cfavro_decode_json(dec, m, n, &json, &len) != CFAVRO_OK || strcmp(json, want) != 0) {
            a->failures++;
        }
    }
    cfavro_decoder_free(dec);
    return NULL;
}

static void test_threads_share_client(void **state)
{
    (void)state;
    write_file("1.avsc", k_schema);
    write_file("9.avsc", k_schema);
    cfavro_client *c = dir_client(NULL, NULL);
    enum { NT = 6 };
    pthread_t t[NT];
    thread_arg args[NT];
    for (int i = 0; i < NT; i++) {
        args[i] = (thread_arg){c, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    cfavro_client_free(c);
}

static void test_no_allocation_per_message(void **state)
{
    (void)state;
    alloc_hooks_on(0, -1);
    cfavro_client *c = trade_client(1);
    cfavro_error err;
    assert_int_equal(cfavro_client_add_schema(c, 2, k_schema, strlen(k_schema), &err), CFAVRO_OK);
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    enum { NM = 8 };
    uint8_t m[NM][64];
    size_t n[NM];
    const void *msgs[NM];
    cfavro_batch_result res[NM];
    for (int i = 0; i < NM; i++) {
        char sym[32];
        snprintf(sym, sizeof sym, "SYM%.*s", i * 3, "abcdefghijklmnopqrstuvwxyz");
        n[i] = trade_msg(m[i], 1 + (i & 1), sym, i % 2 ? i : -1);
        msgs[i] = m[i];
    }
    const uint8_t bad[] = {0, 0, 0, 0, 1, 0x7f};
    const char *json;
    size_t len;
    size_t failed;
    /* Warm up: the output buffer reaches its working size. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NM; i++) {
            assert_int_equal(cfavro_decode_json(dec, m[i], n[i], &json, &len), CFAVRO_OK);
        }
        assert_int_equal(cfavro_decode_batch_json(dec, msgs, n, NM, res, &json, &len, &failed),
                         CFAVRO_OK);
    }
    long before = alloc_calls();
    for (int round = 0; round < 500; round++) {
        for (int i = 0; i < NM; i++) {
            assert_int_equal(cfavro_decode_json(dec, m[i], n[i], &json, &len), CFAVRO_OK);
            assert_int_equal(cfavro_validate(dec, m[i], n[i]), CFAVRO_OK);
            assert_int_equal(cfavro_decode_payload_json(dec, 1 + (i & 1), m[i] + 5, n[i] - 5,
                                                        &json, &len),
                             CFAVRO_OK);
        }
        assert_int_equal(cfavro_decode_json(dec, bad, sizeof bad, &json, &len),
                         CFAVRO_E_DATA_NEGATIVE_LENGTH);
        assert_int_equal(cfavro_validate(dec, bad, 3), CFAVRO_E_FRAME_SHORT);
        assert_int_equal(cfavro_decode_batch_json(dec, msgs, n, NM, res, &json, &len, &failed),
                         CFAVRO_OK);
        assert_int_equal(failed, 0);
    }
    long per_message = alloc_calls() - before;
    assert_int_equal(per_message, 0);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    assert_int_equal(alloc_live(), 0);
    alloc_hooks_off();
}

/* One pass of the whole sequence with allocation `fail_at` failing. Every
 * step either succeeds or fails cleanly with CFAVRO_E_NOMEM; everything is
 * freed either way. Returns true when every step succeeded. */
static bool sweep_once(long fail_at, bool from_dir)
{
    alloc_hooks_on(fail_at, -1);
    cfavro_error err;
    bool all_ok = false;
    cfavro_client *c = NULL;
    cfavro_decoder *dec = NULL;
    cfavro_config *cfg = cfavro_config_new();
    if (cfg == NULL) {
        goto done;
    }
    int rc = cfavro_config_set(cfg, "json.union", "plain", &err);
    if (rc == CFAVRO_OK && from_dir) {
        rc = cfavro_config_set(cfg, "schema.dir", g_dir, &err);
    }
    if (rc == CFAVRO_OK) {
        rc = cfavro_config_set(cfg, "limit.depth", "50", &err);
    }
    if (rc != CFAVRO_OK) {
        assert_int_equal(rc, CFAVRO_E_NOMEM);
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        goto done;
    }
    c = cfavro_client_new(cfg, &err);
    if (c == NULL) {
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        goto done;
    }
    if (from_dir) {
        rc = cfavro_client_prefetch(c, 1, &err);
    } else {
        rc = cfavro_client_add_schema(c, 1, k_schema, strlen(k_schema), &err);
    }
    if (rc != CFAVRO_OK) {
        if (rc != CFAVRO_E_NOMEM || err.status != CFAVRO_E_NOMEM) {
            fail_msg("allocation %ld failing: schema step gave %d: %s", fail_at, rc, err.message);
        }
        goto done;
    }
    dec = cfavro_decoder_new(c, &err);
    if (dec == NULL) {
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        goto done;
    }
    /* A message long enough that the output buffer grows several times. */
    static uint8_t m[2048];
    size_t n = trade_msg(m, 1, "S", 4);
    n -= 1; /* drop the map end and write a big map */
    m[n++] = 0x14; /* 10 entries */
    for (int i = 0; i < 10; i++) {
        m[n++] = 2;
        m[n++] = (uint8_t)('a' + i);
        m[n++] = 200; /* 100 bytes: varint 0xc8 0x01 */
        m[n++] = 1;
        memset(m + n, 'v', 100);
        n += 100;
    }
    m[n++] = 0;
    const char *json;
    size_t len;
    rc = cfavro_decode_json(dec, m, n, &json, &len);
    if (rc != CFAVRO_OK) {
        const cfavro_error *e = cfavro_decoder_error(dec);
        if (rc != CFAVRO_E_NOMEM || e->status != CFAVRO_E_NOMEM) {
            fail_msg("allocation %ld failing: decode gave %d: %s", fail_at, rc, e->message);
        }
        assert_null(json);
        /* The decoder is still usable: with allocations working again the
         * same message decodes. */
        alloc_stop_failing();
        assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
        goto done;
    }
    /* Ten members "a":"v...v" (106 bytes) and nine commas in the map. */
    assert_int_equal(len, strlen("{\"sym\":\"S\",\"px\":1.5,\"seq\":4,\"extra\":{}}") + 1069);
    const void *msgs[2] = {m, m};
    size_t lens[2] = {n, n};
    cfavro_batch_result res[2];
    size_t failed;
    rc = cfavro_decode_batch_json(dec, msgs, lens, 2, res, &json, &len, &failed);
    if (rc != CFAVRO_OK) {
        assert_int_equal(rc, CFAVRO_E_NOMEM);
        goto done;
    }
    assert_int_equal(failed, 0);
    all_ok = true;
done:
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    cfavro_config_free(cfg);
    if (alloc_live() != 0) {
        fail_msg("allocation %ld failing: %ld allocations leaked", fail_at, alloc_live());
    }
    alloc_hooks_off();
    return all_ok;
}

static void run_sweep(bool from_dir)
{
    /* The whole sequence with no failure first: how many allocations. */
    assert_true(sweep_once(0, from_dir));
    long total = alloc_calls();
    assert_true(total > 5);
    /* Fail each one in turn. A step may survive a failed allocation when
     * it was only an optimistic reservation that a later, smaller one
     * replaced, so success is allowed; a wrong status or a leak is not. */
    long failures = 0;
    for (long n = 1; n <= total; n++) {
        failures += !sweep_once(n, from_dir);
    }
    assert_true(failures > total / 2);
    /* Past the last allocation: success. */
    assert_true(sweep_once(total + 1, from_dir));
}

static void test_failing_allocation_sweep(void **state)
{
    (void)state;
    run_sweep(false);
}

static void test_failing_allocation_sweep_dir(void **state)
{
    (void)state;
    write_file("1.avsc", k_schema);
    run_sweep(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_bad_keys_and_values),
        cmocka_unit_test(test_config_to_client),
        cmocka_unit_test_setup_teardown(test_decoder_set, trade_setup, trade_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, trade_setup, trade_teardown),
        cmocka_unit_test(test_add_schema),
        cmocka_unit_test_setup_teardown(test_schema_dir, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_batch, trade_setup, trade_teardown),
        cmocka_unit_test_setup_teardown(test_batch_offsets, trade_setup, trade_teardown),
        cmocka_unit_test_setup_teardown(test_usable_after_errors, trade_setup, trade_teardown),
        cmocka_unit_test_setup_teardown(test_threads_share_client, dir_setup, dir_teardown),
        cmocka_unit_test_teardown(test_no_allocation_per_message, alloc_hooks_off_fixture),
        cmocka_unit_test_teardown(test_failing_allocation_sweep, alloc_hooks_off_fixture),
        cmocka_unit_test_setup_teardown(test_failing_allocation_sweep_dir, dir_setup,
                                        dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
