/* The reader schema from the registry (use.latest.version with
 * cfavro.reader.subject) against tests/registry/server.py: fetched on first
 * use, fetched again by the first decode after latest.cache.ttl.sec, a
 * failed refresh keeping the old reader, no reader yet failing with the
 * registry's error, and decoders in several threads while the reader
 * changes (run under TSan by the sanitizer builds). */
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cfavro.h"
#include "reader_schemas.h"
#include "registry_server_support.h"
#include "test_support.h"

#define SUBJECT "t-value"
#define LATEST_PATH "/subjects/" SUBJECT "/versions/latest"

static reg_group g_reg;

/* The registry: ids 1 (T_V1) and 2 (T_V2); SUBJECT's versions up to `latest`. */
static void load_data(int latest)
{
    json_t *versions = json_object();
    for (int v = 1; v <= latest; v++) {
        char key[8];
        snprintf(key, sizeof key, "%d", v);
        json_object_set_new(versions, key, json_pack("{s:i}", "id", v));
    }
    json_t *data = json_pack("{s:{s:{s:{s:{s:s}, s:{s:s}}, s:{s:o}}}}", "contexts", ".", "ids",
                             "1", "schema", T_V1, "2", "schema", T_V2, "subjects", SUBJECT,
                             versions);
    assert_non_null(data);
    char *body = json_dumps(data, JSON_COMPACT);
    free(reg_control(&g_reg.server, "data", body));
    free(body);
    json_decref(data);
}

static size_t latest_requests(size_t mark)
{
    json_t *since = reg_requests_since(&g_reg.server, mark);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(since); i++) {
        n += strcmp(reg_str_at(json_array_get(since, i), "path", NULL), LATEST_PATH) == 0;
    }
    json_decref(since);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A client following SUBJECT's latest version, TTL 1 s, no retries. */
static cfavro_client *following_client(void)
{
    cfavro_config *cfg = cfavro_config_new();
    cfavro_error err;
    const char *kv[] = {"schema.registry.url", g_reg.url, "use.latest.version", "true",
                        "cfavro.reader.subject", SUBJECT, "latest.cache.ttl.sec", "1",
                        "max.retries", "0", NULL};
    for (size_t i = 0; kv[i] != NULL; i += 2) {
        assert_int_equal(cfavro_config_set(cfg, kv[i], kv[i + 1], &err), CFAVRO_OK);
    }
    cfavro_client *c = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    if (c == NULL) {
        fail_msg("client: %s", err.message);
    }
    return c;
}

static int decode(cfavro_decoder *dec, const uint8_t *m, size_t n, const char **json)
{
    size_t len;
    return cfavro_decode_json(dec, m, n, json, &len);
}

/* v1 is read with v1; once v2 is registered, the reader stays v1 until the
 * TTL has passed, then the first decode fetches v2 and uses it. Fetches:
 * one at first use, one per expiry, none per message. */
static void test_follows_latest_after_ttl(void **state)
{
    (void)state;
    load_data(1);
    size_t mark = reg_request_total(&g_reg.server);
    cfavro_client *c = following_client();
    assert_int_equal(latest_requests(mark), 0); /* nothing fetched before first use */
    cfavro_decoder *dec = cfavro_decoder_new(c, NULL);
    const char *json;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
        assert_string_equal(json, JSON_V1);
    }
    assert_int_equal(latest_requests(mark), 1);
    load_data(2);
    /* Before the TTL: still reader v1. */
    int rc = decode(dec, MSG_V2, sizeof MSG_V2, &json);
    assert_int_equal(rc, CFAVRO_OK);
    assert_string_equal(json, JSON_V2_AS_V1);
    assert_int_equal(latest_requests(mark), 1);
    sleep_ms(1100);
    assert_int_equal(decode(dec, MSG_V2, sizeof MSG_V2, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V2);
    assert_int_equal(latest_requests(mark), 2);
    rc = decode(dec, MSG_V1, sizeof MSG_V1, &json);
    assert_int_equal(rc, CFAVRO_OK);
    assert_string_equal(json, JSON_V1_AS_V2);
    /* A decoder made after the change starts with v2. */
    cfavro_decoder *late = cfavro_decoder_new(c, NULL);
    assert_int_equal(decode(late, MSG_V2, sizeof MSG_V2, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V2);
    assert_int_equal(latest_requests(mark), 2);
    cfavro_decoder_free(late);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* A refresh that fails keeps the reader; the next try is a TTL later. */
static void test_failed_refresh_keeps_reader(void **state)
{
    (void)state;
    load_data(1);
    cfavro_client *c = following_client();
    cfavro_decoder *dec = cfavro_decoder_new(c, NULL);
    const char *json;
    assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
    load_data(2);
    reg_set_faults(&g_reg.server, "[{\"kind\":\"status\",\"status\":500,\"path\":\"/subjects/\"}]");
    sleep_ms(1100);
    size_t mark = reg_request_total(&g_reg.server);
    for (int i = 0; i < 3; i++) { /* the first tries (and fails); the others wait */
        assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
        assert_string_equal(json, JSON_V1);
    }
    assert_int_equal(latest_requests(mark), 1);
    reg_set_faults(&g_reg.server, "[]");
    sleep_ms(1100);
    assert_int_equal(decode(dec, MSG_V2, sizeof MSG_V2, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V2);
    assert_int_equal(latest_requests(mark), 2);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* No reader yet: messages fail with the registry's error naming the
 * subject; retried at most once a second, then it works. */
static void test_no_reader_fails_with_registry_error(void **state)
{
    (void)state;
    load_data(0); /* the subject does not exist */
    cfavro_client *c = following_client();
    cfavro_decoder *dec = cfavro_decoder_new(c, NULL);
    const char *json;
    size_t mark = reg_request_total(&g_reg.server);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_E_SCHEMA_NOT_FOUND);
        const cfavro_error *e = cfavro_decoder_error(dec);
        assert_contains(e->message, "reader schema (subject \"" SUBJECT "\", latest version)");
        assert_int_equal(e->schema_id, 1);
    }
    assert_int_equal(latest_requests(mark), 1);
    load_data(1);
    sleep_ms(1100);
    assert_int_equal(decode(dec, MSG_V1, sizeof MSG_V1, &json), CFAVRO_OK);
    assert_string_equal(json, JSON_V1);
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* ---- threads ----------------------------------------------------------------------- */

typedef struct worker {
    cfavro_client *client;
    atomic_bool *stop;
    long decoded;
    int bad; /* a result no complete reader gives */
} worker;

/* Every result is what reader v1 or reader v2 gives: never a mix. */
static void *decode_loop(void *arg)
{
    worker *w = arg;
    cfavro_decoder *dec = cfavro_decoder_new(w->client, NULL);
    while (!atomic_load(w->stop)) {
        for (int k = 0; k < 2; k++) {
            const uint8_t *m = k ? MSG_V2 : MSG_V1;
            size_t n = k ? sizeof MSG_V2 : sizeof MSG_V1;
            const char *json;
            size_t len;
            int rc = cfavro_decode_json(dec, m, n, &json, &len);
            bool ok;
            if (rc == CFAVRO_OK) {
                ok = k ? (strcmp(json, JSON_V2) == 0 || strcmp(json, JSON_V2_AS_V1) == 0)
                       : (strcmp(json, JSON_V1) == 0 || strcmp(json, JSON_V1_AS_V2) == 0);
            } else {
                ok = false;
            }
            w->bad += !ok;
            w->decoded++;
        }
        /* Let the main thread and the server run: under valgrind, which runs
         * one thread at a time, busy workers starved them until the test's
         * control requests timed out. */
        sleep_ms(1);
    }
    cfavro_decoder_free(dec);
    return NULL;
}

static void test_threads_decode_while_reader_changes(void **state)
{
    (void)state;
    load_data(1);
    cfavro_client *c = following_client();
    atomic_bool stop = false;
    enum { N = 4 };
    worker w[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){c, &stop, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, decode_loop, &w[i]), 0);
    }
    /* The latest version flips between 2 and 1 (a deleted v2) across TTLs. */
    size_t mark = reg_request_total(&g_reg.server);
    for (int round = 0; round < 4; round++) {
        load_data(round % 2 == 0 ? 2 : 1);
        sleep_ms(1200);
    }
    atomic_store(&stop, true);
    long total = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].bad, 0);
        total += w[i].decoded;
    }
    assert_true(total > 0);
    /* Refreshes, not one fetch per message: about one per TTL. */
    size_t fetches = latest_requests(mark);
    assert_true(fetches >= 3 && fetches <= 6);
    cfavro_client_free(c);
}

REG_GROUP_FIXTURES(g_reg, "cfavro-reader-registry-", "reader")

static int clean_server(void **state)
{
    (void)state;
    reg_group_clean(&g_reg);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_follows_latest_after_ttl, clean_server),
        cmocka_unit_test_setup(test_failed_refresh_keeps_reader, clean_server),
        cmocka_unit_test_setup(test_no_reader_fails_with_registry_error, clean_server),
        cmocka_unit_test_setup(test_threads_decode_while_reader_changes, clean_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
