/* Reader schemas through the public API, without a registry: the settings
 * (checked and compiled when set, combinations checked by
 * cfavro_client_new), a client default and a decoder's own reader, and an
 * incompatible pair failing every message with 901 from a result computed
 * once. The registry's reader is tests/test_reader_registry.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "reader_schemas.h"
#include "test_support.h"

static cfavro_client *client_with(const char *const *kv, cfavro_error *err)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        assert_int_equal(cfavro_config_set(cfg, kv[i], kv[i + 1], err), CFAVRO_OK);
    }
    cfavro_client *c = cfavro_client_new(cfg, err);
    cfavro_config_free(cfg);
    return c;
}

static void add_versions(cfavro_client *c)
{
    cfavro_error err;
    assert_int_equal(cfavro_client_add_schema(c, 1, T_V1, strlen(T_V1), &err), CFAVRO_OK);
    assert_int_equal(cfavro_client_add_schema(c, 2, T_V2, strlen(T_V2), &err), CFAVRO_OK);
}

static int decode(cfavro_decoder *dec, const uint8_t *m, size_t n, const char **json)
{
    size_t len;
    return cfavro_decode_json(dec, m, n, json, &len);
}

/* A reader schema that does not compile fails cfavro_client_new with the
 * compiler's status, naming the key. */
static void test_bad_reader_schema_fails_client(void **state)
{
    (void)state;
    cfavro_error err;
    const char *bad[] = {"reader.schema", "{\"type\":\"record\",\"name\":\"T\"}", NULL};
    assert_null(client_with(bad, &err));
    assert_int_equal(err.status, CFAVRO_E_SCHEMA_INVALID);
    assert_contains(err.message, "reader.schema");
    const char *not_json[] = {"reader.schema", "{nope", NULL};
    assert_null(client_with(not_json, &err));
    assert_int_equal(err.status, CFAVRO_E_SCHEMA_INVALID);
    assert_contains(err.message, "config reader.schema: ");
}

/* The registry's reader keys must come together, and never with
 * reader.schema; the message names the keys. */
static void test_reader_key_combinations(void **state)
{
    (void)state;
#ifdef CF_HAVE_REGISTRY
    cfavro_error err;
    const char *no_subject[] = {"schema.registry.url", "http://127.0.0.1:1",
                                "use.latest.version", "true", NULL};
    assert_null(client_with(no_subject, &err));
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "cfavro.reader.subject");
    const char *subject_alone[] = {"schema.registry.url", "http://127.0.0.1:1",
                                   "cfavro.reader.subject", "t-value", NULL};
    assert_null(client_with(subject_alone, &err));
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "use.latest.version");
    const char *both[] = {"schema.registry.url", "http://127.0.0.1:1", "use.latest.version",
                          "true", "cfavro.reader.subject", "t-value", "reader.schema", T_V1,
                          NULL};
    assert_null(client_with(both, &err));
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "reader.schema and use.latest.version");
    const char *latest_and_version[] = {"schema.registry.url", "http://127.0.0.1:1",
                                        "use.latest.version", "true", "cfavro.reader.version",
                                        "3", "cfavro.reader.subject", "t-value", NULL};
    assert_null(client_with(latest_and_version, &err));
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "not both");
    const char *no_url[] = {"use.latest.version", "true", "cfavro.reader.subject", "t-value",
                            NULL};
    assert_null(client_with(no_url, &err));
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, "needs schema.registry.url");
    /* use.latest.version=false alone is the default: no reader, no error. */
    const char *off[] = {"use.latest.version", "false", NULL};
    cfavro_client *c = client_with(off, &err);
    assert_non_null(c);
    cfavro_client_free(c);
    const char *ttl_zero[] = {"latest.cache.ttl.sec", "0", NULL};
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, ttl_zero[0], ttl_zero[1], &err), CFAVRO_E_CONFIG);
    assert_contains(err.message, "latest.cache.ttl.sec");
    cfavro_config_free(cfg);
#else
    /* Without the registry client the keys are refused when set. */
    cfavro_config *cfg = cfavro_config_new();
    cfavro_error err;
    assert_int_equal(cfavro_config_set(cfg, "use.latest.version", "true", &err),
                     CFAVRO_E_CONFIG);
    assert_contains(err.message, "no schema-registry client");
    cfavro_config_free(cfg);
#endif
}

/* A client-wide reader equal to the writer decodes as without one; a
 * decoder's own reader replaces it for that decoder only. */
static void test_client_reader_and_decoder_override(void **state)
{
    (void)state;
    cfavro_error err;
    const char *kv[] = {"reader.schema", T_V1, NULL};
    cfavro_client *c = client_with(kv, &err);
    assert_non_null(c);
    add_versions(c);
    cfavro_decoder *d1 = cfavro_decoder_new(c, &err);
    cfavro_decoder *d2 = cfavro_decoder_new(c, &err);
    const char *json;
    for (int i = 0; i < 3; i++) { /* the second and third take the memo's program */
        assert_int_equal(decode(d1, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
        assert_string_equal(json, JSON_V1);
    }
    assert_int_equal(cfavro_decoder_set(d2, "reader.schema", T_V2, &err), CFAVRO_OK);
    assert_int_equal(decode(d2, MSG_V2, sizeof MSG_V2, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V2);
    /* d1 still reads with the client's reader (v1). */
    int rc = decode(d1, MSG_V2, sizeof MSG_V2, &json);
    assert_int_equal(rc, CFAVRO_OK);
    assert_string_equal(json, JSON_V2_AS_V1);
    /* d2 (reader v2) fills b from its default. */
    assert_int_equal(decode(d2, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V1_AS_V2);
    cfavro_decoder_free(d1);
    cfavro_decoder_free(d2);
    cfavro_client_free(c);
}

/* A bad reader.schema on a decoder fails that call with the compiler's
 * status naming the key, and the decoder keeps the reader it had. */
static void test_bad_decoder_reader_keeps_old(void **state)
{
    (void)state;
    cfavro_client *c = client_with(NULL, &(cfavro_error){0});
    add_versions(c);
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    assert_int_equal(cfavro_decoder_set(dec, "reader.schema", T_V2, &err), CFAVRO_OK);
    assert_int_equal(cfavro_decoder_set(dec, "reader.schema", "{\"type\":\"nope\"}", &err),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_contains(err.message, "reader.schema");
    const char *json;
    assert_int_equal(decode(dec, MSG_V2, sizeof MSG_V2, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V2);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* An incompatible pair fails every message of that writer with 901, the
 * schema id and the path of the mismatch; the result is
 * computed once: later messages allocate nothing, whichever decoder. Other
 * writers still decode. */
static void test_incompatible_pair_fails_every_message_once(void **state)
{
    (void)state;
    cfavro_error err;
    const char *kv[] = {"reader.schema", T_BAD, NULL};
    cfavro_client *c = client_with(kv, &err);
    assert_non_null(c);
    add_versions(c);
    assert_int_equal(cfavro_client_add_schema(c, 3, T_BAD, strlen(T_BAD), &err), CFAVRO_OK);
    cfavro_decoder *d1 = cfavro_decoder_new(c, &err);
    cfavro_decoder *d2 = cfavro_decoder_new(c, &err);
    const char *json;
    assert_int_equal(decode(d1, MSG_V1, sizeof MSG_V1, &json), CFAVRO_E_INCOMPATIBLE);
    assert_null(json);
    cfavro_error first = *cfavro_decoder_error(d1);
    assert_int_equal(first.status, CFAVRO_E_INCOMPATIBLE);
    assert_int_equal(first.schema_id, 1);
    assert_true(first.offset == CFAVRO_NO_OFFSET);
    assert_contains(first.message, "does not resolve to the reader schema");
    assert_string_equal(first.path, "T.a");
    /* A decoder warmed on the writer (memo) and the reader: no more work. */
    assert_int_equal(decode(d2, MSG_V1, sizeof MSG_V1, &json), CFAVRO_E_INCOMPATIBLE);
    alloc_hooks_on(0, -1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(decode(d1, MSG_V1, sizeof MSG_V1, &json), CFAVRO_E_INCOMPATIBLE);
        assert_int_equal(decode(d2, MSG_V1, sizeof MSG_V1, &json), CFAVRO_E_INCOMPATIBLE);
        const cfavro_error *e = cfavro_decoder_error(d2);
        assert_string_equal(e->message, first.message);
        assert_string_equal(e->path, first.path);
    }
    assert_int_equal(alloc_calls(), 0);
    alloc_hooks_off();
    /* The writer that is the reader still decodes (a 3-byte int 5 payload). */
    static const uint8_t msg3[] = {0, 0, 0, 0, 3, 10};
    assert_int_equal(decode(d1, msg3, sizeof msg3, &json), CFAVRO_OK);
    assert_string_equal(json, "{\"a\":5}");
    cfavro_decoder_free(d1);
    cfavro_decoder_free(d2);
    cfavro_client_free(c);
}

/* A reader default that is a map with U+0000 in a key (the specification
 * allows any text; jansson holds no such key) decodes to that key, through
 * reader.schema as a client default. */
static void test_map_default_with_nul_in_key(void **state)
{
    (void)state;
    cfavro_error err;
    const char *kv[] = {"reader.schema",
                        "{\"type\":\"record\",\"name\":\"T\",\"fields\":["
                        "{\"name\":\"a\",\"type\":\"string\"},"
                        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"int\"},"
                        "\"default\":{\"a\\u0000b\":1}}]}",
                        NULL};
    cfavro_client *c = client_with(kv, &err);
    assert_non_null(c);
    add_versions(c);
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, MSG_V1, sizeof MSG_V1, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"a\":\"x\",\"m\":{\"a\\u0000b\":1}}");
    assert_int_equal(len, strlen(json));
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* With a reader, a warm decoder allocates nothing per message either. */
static void test_warm_reader_path_allocates_nothing(void **state)
{
    (void)state;
    cfavro_error err;
    const char *kv[] = {"reader.schema", T_V1, NULL};
    cfavro_client *c = client_with(kv, &err);
    add_versions(c);
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    const char *json;
    assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
    alloc_hooks_on(0, -1);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
        assert_string_equal(json, JSON_V1);
    }
    assert_int_equal(alloc_calls(), 0);
    alloc_hooks_off();
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_reader_schema_fails_client),
        cmocka_unit_test(test_reader_key_combinations),
        cmocka_unit_test(test_client_reader_and_decoder_override),
        cmocka_unit_test(test_bad_decoder_reader_keeps_old),
        cmocka_unit_test(test_map_default_with_nul_in_key),
        cmocka_unit_test_teardown(test_incompatible_pair_fails_every_message_once,
                                  alloc_hooks_off_fixture),
        cmocka_unit_test_teardown(test_warm_reader_path_allocates_nothing,
                                  alloc_hooks_off_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
