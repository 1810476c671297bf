/* Threads sharing one client while its schema table grows: lock-free readers
 * racing with inserts and table resizes, and concurrent first loads of the
 * same id from the directory source. Meant to run under TSan as well. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfavro.h"
#include "test_support.h"

enum { NTHREADS = 4, NIDS = 300 };

static char g_dir[256];

/* Schema id i is a record with one int field named f<i>, so a decode with
 * the wrong schema shows in the output. */
static void write_schemas(void)
{
    make_temp_dir(g_dir, sizeof g_dir, "cfavro-threads-");
    for (int id = 1; id <= NIDS; id++) {
        char name[32];
        char text[128];
        snprintf(name, sizeof name, "%d.avsc", id);
        snprintf(text, sizeof text,
                 "{\"type\":\"record\",\"name\":\"R%d\",\"fields\":[{\"name\":\"f%d\","
                 "\"type\":\"int\"}]}",
                 id, id);
        write_text_file(g_dir, name, text);
    }
}

static void remove_schemas(void)
{
    for (int id = 1; id <= NIDS; id++) {
        char path[320];
        snprintf(path, sizeof path, "%s/%d.avsc", g_dir, id);
        unlink(path);
    }
    rmdir(g_dir);
}

typedef struct worker {
    cfavro_client *client;
    unsigned seed;
    int failures;
} worker;

static void *work(void *p)
{
    worker *wk = p;
    cfavro_decoder *dec = cfavro_decoder_new(wk->client, NULL);
    if (dec == NULL) {
        wk->failures++;
        return NULL;
    }
    for (int round = 0; round < 3 * NIDS; round++) {
        /* Different orders per thread, so first loads and hits interleave. */
        wk->seed = wk->seed * 1103515245u + 12345u;
        int id = 1 + (int)((wk->seed >> 8) % NIDS);
        int value = round - NIDS;
        uint8_t msg[16];
        cfavro_frame_write_v0(id, msg, sizeof msg);
        size_t n = 5 + bb_long_to(msg + 5, value);
        char want[64];
        snprintf(want, sizeof want, "{\"f%d\":%d}", id, value);
        const char *json;
        size_t len;
        if (cfavro_decode_json(dec, msg, n, &json, &len) != CFAVRO_OK ||
            strcmp(json, want) != 0) {
            wk->failures++;
        }
        if (round % 7 == 0 && cfavro_client_prefetch(wk->client, id, NULL) != CFAVRO_OK) {
            wk->failures++;
        }
    }
    cfavro_decoder_free(dec);
    return NULL;
}

static void test_concurrent_loads_and_growth(void **state)
{
    (void)state;
    write_schemas();
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", g_dir, NULL), CFAVRO_OK);
    cfavro_client *client = cfavro_client_new(cfg, NULL);
    cfavro_config_free(cfg);
    assert_non_null(client);

    pthread_t t[NTHREADS];
    worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){client, 17u * (unsigned)i + 1u, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    /* Every id is now served from the table, even with the files gone. */
    remove_schemas();
    for (int id = 1; id <= NIDS; id++) {
        assert_int_equal(cfavro_client_prefetch(client, id, NULL), CFAVRO_OK);
    }
    cfavro_client_free(client);
}

/* add_schema from several threads at once: the same id with the same text
 * is accepted by all, with different text by none but the first. */
static void *add_same(void *p)
{
    cfavro_client *client = p;
    static const char schema[] = "{\"type\":\"array\",\"items\":\"long\"}";
    for (int id = 1; id <= 200; id++) {
        if (cfavro_client_add_schema(client, id, schema, sizeof schema - 1, NULL) != CFAVRO_OK) {
            return (void *)1;
        }
    }
    return NULL;
}

static void test_concurrent_add_schema(void **state)
{
    (void)state;
    cfavro_client *client = cfavro_client_new(NULL, NULL);
    assert_non_null(client);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, add_same, client), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        void *ret = (void *)1;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
    static const char other[] = "\"string\"";
    assert_int_equal(cfavro_client_add_schema(client, 5, other, sizeof other - 1, NULL),
                     CFAVRO_E_ARGUMENT);
    cfavro_client_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_loads_and_growth),
        cmocka_unit_test(test_concurrent_add_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
