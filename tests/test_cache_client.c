/* The schema cache as the public API shows it: cfavro_client_cache_list, and
 * decoding through a cache far smaller than the schemas in use (evicted
 * schemas recompiled from their cfavro_client_add_schema text, a decoder's
 * memo keeping an evicted schema alive, decoders in two threads). Meant to
 * run under ASan and TSan as well.
 *
 * cache.capacity is reserved in this version (cfavro_config_set refuses it),
 * so a small cache is made by replacing the new client's empty cache with one
 * of the wanted capacity (client_with_capacity). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfavro.h"
#include "client_internal.h"
#include "test_support.h"

/* Schema id i: a record com.acme.R<i> with one int field f<i>, so output
 * decoded with the wrong schema shows. */
static void schema_text(int32_t id, char *out, size_t cap)
{
    snprintf(out, cap,
             "{\"type\":\"record\",\"name\":\"R%d\",\"namespace\":\"com.acme\",\"fields\":"
             "[{\"name\":\"f%d\",\"type\":\"int\"}]}",
             (int)id, (int)id);
}

static void add(cfavro_client *client, int32_t id)
{
    char text[192];
    schema_text(id, text, sizeof text);
    cfavro_error err;
    if (cfavro_client_add_schema(client, id, text, strlen(text), &err) != CFAVRO_OK) {
        fail_msg("add_schema %d: %s", (int)id, err.message);
    }
}

static cfavro_client *client_with_capacity(uint32_t capacity)
{
    cfavro_client *client = cfavro_client_new(NULL, NULL);
    assert_non_null(client);
    cf_cache_free(&client->cache);
    assert_int_equal(cf_cache_init(&client->cache, capacity), CFAVRO_OK);
    return client;
}

/* Decodes value v with schema id; 0 if the output is right. No cmocka
 * assertions (worker threads call it). */
static int decode_check(cfavro_decoder *dec, int32_t id, int v)
{
    uint8_t payload[10];
    size_t n = bb_long_to(payload, v);
    const char *json;
    size_t len;
    if (cfavro_decode_payload_json(dec, id, payload, n, &json, &len) != CFAVRO_OK) {
        return 1;
    }
    char want[64];
    snprintf(want, sizeof want, "{\"f%d\":%d}", (int)id, v);
    return strcmp(json, want) != 0;
}

static void assert_decodes(cfavro_decoder *dec, int32_t id, int v)
{
    if (decode_check(dec, id, v) != 0) {
        fail_msg("decode id %d value %d: %s", (int)id, v, cfavro_decoder_error(dec)->message);
    }
}

/* ---- what the listing shows ------------------------------------------------ */

enum { MAX_ITEMS = 16 };

typedef struct seen {
    cfavro_cache_item item[MAX_ITEMS];
    char name[MAX_ITEMS][64];
    char context[MAX_ITEMS][32];
    int count;
    int stop_after; /* 0: never stop; n: return 42 from the n-th call */
} seen;

static int collect(void *arg, const cfavro_cache_item *it)
{
    seen *s = arg;
    if (s->count < MAX_ITEMS) {
        s->item[s->count] = *it;
        snprintf(s->name[s->count], sizeof s->name[0], "%s", it->name);
        snprintf(s->context[s->count], sizeof s->context[0], "%s", it->context);
    }
    s->count++;
    return s->stop_after != 0 && s->count == s->stop_after ? 42 : 0;
}

static int find_id(const seen *s, int32_t id)
{
    for (int i = 0; i < s->count && i < MAX_ITEMS; i++) {
        if (!s->item[i].is_guid && s->item[i].schema_id == id) {
            return i;
        }
    }
    return -1;
}

static int find_guid(const seen *s, const uint8_t guid[CFAVRO_GUID_SIZE])
{
    for (int i = 0; i < s->count && i < MAX_ITEMS; i++) {
        if (s->item[i].is_guid && memcmp(s->item[i].guid, guid, CFAVRO_GUID_SIZE) == 0) {
            return i;
        }
    }
    return -1;
}

static void assert_item(const seen *s, int i, int state, int origin, const char *name,
                        int error_status)
{
    assert_true(i >= 0);
    assert_int_equal(s->item[i].state, state);
    assert_int_equal(s->item[i].origin, origin);
    assert_string_equal(s->name[i], name);
    assert_int_equal(s->item[i].error_status, error_status);
}

static const uint8_t k_guid[CFAVRO_GUID_SIZE] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                                 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t k_missing_guid[CFAVRO_GUID_SIZE] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa,
                                                         0x99, 0x88, 0x77, 0x66, 0x55, 0x44,
                                                         0x33, 0x22, 0x11, 0x00};

static void test_list_shows_ids_guids_origins_names_and_failures(void **state)
{
    (void)state;
    char dir[256];
    make_temp_dir(dir, sizeof dir, "cfavro-cachelist-");
    write_text_file(dir, "01234567-89ab-cdef-0123-456789abcdef.avsc",
                    "{\"type\":\"enum\",\"name\":\"Side\",\"namespace\":\"com.acme\","
                    "\"symbols\":[\"BUY\",\"SELL\"]}");
    write_text_file(dir, "20.avsc", "{\"type\":\"array\",\"items\":\"long\"}");
    write_text_file(dir, "21.avsc", "{\"type\":\"record\",\"name\":\"Bad\"}");
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", dir, NULL), CFAVRO_OK);
    cfavro_client *client = cfavro_client_new(cfg, NULL);
    cfavro_config_free(cfg);
    assert_non_null(client);

    seen s = {0};
    assert_int_equal(cfavro_client_cache_list(client, collect, &s, NULL), CFAVRO_OK);
    assert_int_equal(s.count, 0);

    add(client, 1);
    assert_int_equal(cfavro_client_prefetch(client, 20, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_client_prefetch_guid(client, k_guid, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_client_prefetch(client, 21, NULL), CFAVRO_E_SCHEMA_INVALID);
    assert_int_equal(cfavro_client_prefetch(client, 22, NULL), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(cfavro_client_prefetch_guid(client, k_missing_guid, NULL),
                     CFAVRO_E_SCHEMA_NOT_FOUND);

    cfavro_error err;
    assert_int_equal(cfavro_client_cache_list(client, collect, &s, &err), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_int_equal(s.count, 6);
    for (int i = 0; i < s.count; i++) {
        assert_string_equal(s.context[i], "");
    }
    assert_item(&s, find_id(&s, 1), CFAVRO_CACHE_READY, CFAVRO_ORIGIN_MEMORY, "com.acme.R1",
                CFAVRO_OK);
    assert_item(&s, find_id(&s, 20), CFAVRO_CACHE_READY, CFAVRO_ORIGIN_DIRECTORY, "array",
                CFAVRO_OK);
    int i = find_guid(&s, k_guid);
    assert_item(&s, i, CFAVRO_CACHE_READY, CFAVRO_ORIGIN_DIRECTORY, "com.acme.Side", CFAVRO_OK);
    assert_int_equal(s.item[i].schema_id, 0);
    assert_item(&s, find_id(&s, 21), CFAVRO_CACHE_FAILED, CFAVRO_ORIGIN_NONE, "",
                CFAVRO_E_SCHEMA_INVALID);
    assert_item(&s, find_id(&s, 22), CFAVRO_CACHE_FAILED, CFAVRO_ORIGIN_NONE, "",
                CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_item(&s, find_guid(&s, k_missing_guid), CFAVRO_CACHE_FAILED, CFAVRO_ORIGIN_NONE, "",
                CFAVRO_E_SCHEMA_NOT_FOUND);

    /* The visitor's non-zero value stops the listing and is returned. */
    seen stop = {.stop_after = 2};
    assert_int_equal(cfavro_client_cache_list(client, collect, &stop, &err), 42);
    assert_int_equal(stop.count, 2);

    remove_dir_entry(dir, "01234567-89ab-cdef-0123-456789abcdef.avsc");
    remove_dir_entry(dir, "20.avsc");
    remove_dir_entry(dir, "21.avsc");
    rmdir(dir);
    cfavro_client_free(client);
}

static int noop_visit(void *arg, const cfavro_cache_item *it)
{
    (void)arg;
    (void)it;
    return 0;
}

static void test_list_null_arguments(void **state)
{
    (void)state;
    cfavro_client *client = client_with_schema(1, "\"int\"", 5);
    cfavro_error err;
    assert_int_equal(cfavro_client_cache_list(NULL, noop_visit, NULL, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_string_equal(err.message, "cfavro_client_cache_list: NULL argument");
    assert_int_equal(cfavro_client_cache_list(client, NULL, NULL, &err), CFAVRO_E_ARGUMENT);
    assert_string_equal(err.message, "cfavro_client_cache_list: NULL argument");
    /* A NULL err is allowed. */
    assert_int_equal(cfavro_client_cache_list(client, NULL, NULL, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_cache_list(client, noop_visit, NULL, NULL), CFAVRO_OK);
    cfavro_client_free(client);
}

/* The visitor may call into the library, this client included (no lock is
 * held while it runs): prefetching and adding from inside it neither
 * deadlocks nor disturbs the snapshot. */
typedef struct reentrant {
    cfavro_client *client;
    int calls;
    int failures;
} reentrant;

static int visit_and_use_client(void *arg, const cfavro_cache_item *it)
{
    reentrant *r = arg;
    r->calls++;
    char text[192];
    schema_text(100 + r->calls, text, sizeof text);
    r->failures += cfavro_client_prefetch(r->client, it->schema_id, NULL) != CFAVRO_OK;
    r->failures += cfavro_client_add_schema(r->client, 100 + r->calls, text, strlen(text),
                                            NULL) != CFAVRO_OK;
    return 0;
}

static void test_list_visitor_may_use_the_client(void **state)
{
    (void)state;
    cfavro_client *client = cfavro_client_new(NULL, NULL);
    assert_non_null(client);
    add(client, 1);
    add(client, 2);
    reentrant r = {client, 0, 0};
    assert_int_equal(cfavro_client_cache_list(client, visit_and_use_client, &r, NULL), CFAVRO_OK);
    assert_int_equal(r.calls, 2); /* the snapshot: not the schemas added meanwhile */
    assert_int_equal(r.failures, 0);
    seen s = {0};
    assert_int_equal(cfavro_client_cache_list(client, collect, &s, NULL), CFAVRO_OK);
    assert_int_equal(s.count, 4);
    cfavro_client_free(client);
}

static void test_list_out_of_memory(void **state)
{
    (void)state;
    cfavro_client *client = cfavro_client_new(NULL, NULL);
    assert_non_null(client);
    add(client, 1);
    alloc_hooks_on(1, -1);
    seen s = {0};
    cfavro_error err;
    int rc = cfavro_client_cache_list(client, collect, &s, &err);
    long live = alloc_live();
    alloc_hooks_off();
    assert_int_equal(rc, CFAVRO_E_NOMEM);
    assert_int_equal(err.status, CFAVRO_E_NOMEM);
    assert_int_equal(s.count, 0);
    assert_int_equal(live, 0);
    cfavro_client_free(client);
}

/* ---- decoding through a cache of one ------------------------------------------ */

static int count_listed(cfavro_client *client)
{
    seen s = {0};
    assert_int_equal(cfavro_client_cache_list(client, collect, &s, NULL), CFAVRO_OK);
    return s.count;
}

static void test_evicted_schema_recompiled_from_its_text(void **state)
{
    (void)state;
    cfavro_client *client = client_with_capacity(1);
    add(client, 1);
    add(client, 2); /* evicts 1 */
    assert_int_equal(count_listed(client), 1);
    /* Fresh decoders (empty memos) alternate: each decode may evict the
     * other's schema, which comes back compiled from its text. */
    for (int round = 0; round < 6; round++) {
        int32_t id = 1 + round % 2;
        cfavro_decoder *dec = cfavro_decoder_new(client, NULL);
        assert_non_null(dec);
        assert_decodes(dec, id, round * 3 - 7);
        cfavro_decoder_free(dec);
        assert_int_equal(count_listed(client), 1);
        seen s = {0};
        assert_int_equal(cfavro_client_cache_list(client, collect, &s, NULL), CFAVRO_OK);
        assert_int_equal(s.item[0].schema_id, id);
        assert_int_equal(s.item[0].origin, CFAVRO_ORIGIN_MEMORY);
    }
    cfavro_client_free(client);
}

static void test_memo_keeps_an_evicted_schema(void **state)
{
    (void)state;
    cfavro_client *client = client_with_capacity(1);
    add(client, 1);
    add(client, 2);
    cfavro_decoder *d1 = cfavro_decoder_new(client, NULL);
    cfavro_decoder *d2 = cfavro_decoder_new(client, NULL);
    assert_non_null(d1);
    assert_non_null(d2);
    assert_decodes(d1, 1, 5);  /* 1 in the cache and in d1's memo */
    assert_decodes(d2, 2, 6);  /* 2 evicts 1; d1's memo still holds it */
    assert_int_equal(client->cache.linked, 1);
    /* d1 decodes with the evicted schema (ASan would see a freed one). */
    for (int i = 0; i < 100; i++) {
        assert_decodes(d1, 1, i);
        assert_decodes(d2, 2, -i);
    }
    cfavro_decoder_free(d1);
    cfavro_decoder_free(d2);
    cfavro_client_free(client);
}

static void test_one_decoder_more_ids_than_its_memo(void **state)
{
    (void)state;
    /* 12 ids, a memo of 8, a cache of 1: many decodes miss both. */
    cfavro_client *client = client_with_capacity(1);
    for (int32_t id = 1; id <= 12; id++) {
        add(client, id);
    }
    cfavro_decoder *dec = cfavro_decoder_new(client, NULL);
    assert_non_null(dec);
    for (int i = 0; i < 120; i++) {
        assert_decodes(dec, 1 + i % 12, i);
    }
    assert_int_equal(count_listed(client), 1);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

typedef struct worker {
    cfavro_client *client;
    int ids;
    int offset;
    int failures;     /* wrong output, or a failure other than a full cache */
    int full;         /* "the schema cache is full of lookups in progress" */
} worker;

static void *alternate(void *p)
{
    worker *w = p;
    cfavro_decoder *dec = cfavro_decoder_new(w->client, NULL);
    if (dec == NULL) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < 6000; i++) {
        int32_t id = 1 + (i + w->offset) % w->ids;
        uint8_t payload[10];
        size_t n = bb_long_to(payload, i);
        const char *json;
        size_t len;
        int rc = cfavro_decode_payload_json(dec, id, payload, n, &json, &len);
        const cfavro_error *err = cfavro_decoder_error(dec);
        if (rc == CFAVRO_E_REGISTRY_UNAVAILABLE && err->schema_id == id &&
            strstr(err->message, "the schema cache is full of lookups in progress") != NULL) {
            w->full++;
            continue;
        }
        char want[64];
        snprintf(want, sizeof want, "{\"f%d\":%d}", (int)id, i);
        w->failures += rc != CFAVRO_OK || strcmp(json, want) != 0;
    }
    cfavro_decoder_free(dec);
    return NULL;
}

/* Two decoders in two threads cycle through `ids` ids (offset from each
 * other) on a client whose cache holds `capacity`; returns how many decodes
 * failed because the cache was full of loads. Any other failure, or wrong
 * output, fails the test. */
static int decoders_in_two_threads(uint32_t capacity, int ids)
{
    cfavro_client *client = client_with_capacity(capacity);
    for (int32_t id = 1; id <= ids; id++) {
        add(client, id);
    }
    worker w[2] = {{client, ids, 0, 0, 0}, {client, ids, 3, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, alternate, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    assert_true(count_listed(client) <= (int)capacity);
    cfavro_client_free(client);
    return w[0].full + w[1].full;
}

/* A cache at least as large as the number of threads never turns a decode
 * away: a thread's miss can always evict something that is not loading. */
static void test_two_threads_eight_alternating_ids(void **state)
{
    (void)state;
    assert_int_equal(decoders_in_two_threads(2, 8), 0);
}

static void test_two_threads_more_ids_than_the_memo(void **state)
{
    (void)state;
    assert_int_equal(decoders_in_two_threads(2, 11), 0);
}

/* A cache smaller than the number of threads loading at once goes over its
 * capacity while they load (and trims back after) rather than turn a
 * decode away: every decode succeeds with the right output. */
static void test_two_threads_cache_of_one(void **state)
{
    (void)state;
    assert_int_equal(decoders_in_two_threads(1, 11), 0);
}

int main(void)
{
    alarm(100); /* a hang anywhere ends the program (and fails it) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_shows_ids_guids_origins_names_and_failures),
        cmocka_unit_test(test_list_null_arguments),
        cmocka_unit_test(test_list_visitor_may_use_the_client),
        cmocka_unit_test_teardown(test_list_out_of_memory, alloc_hooks_off_fixture),
        cmocka_unit_test(test_evicted_schema_recompiled_from_its_text),
        cmocka_unit_test(test_memo_keeps_an_evicted_schema),
        cmocka_unit_test(test_one_decoder_more_ids_than_its_memo),
        cmocka_unit_test(test_two_threads_eight_alternating_ids),
        cmocka_unit_test(test_two_threads_more_ids_than_the_memo),
        cmocka_unit_test(test_two_threads_cache_of_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
