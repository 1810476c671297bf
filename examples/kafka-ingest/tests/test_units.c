/* Unit tests of cfavro-kafka-ingest's parts that need no broker: the
 * properties parser, key routing, output lines, the offset tracker, the work
 * queue, the reason table and a failing sink. The end-to-end behaviour is
 * tested against a mock cluster by tests/kafka/test_ingest.py. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cfavro.h>

#include "../line_buf.h"
#include "../offsets.h"
#include "../properties.h"
#include "../reason.h"
#include "../settings.h"
#include "../sink.h"
#include "../work_queue.h"

/* ---- properties ---- */

typedef struct seen_pairs {
    char text[1024]; /* "key=value;" for each pair */
    int stop_at;     /* fail on this pair (1-based), 0: never */
    int count;
} seen_pairs;

static int collect(void *arg, const char *key, const char *value, char *errbuf, size_t errcap)
{
    seen_pairs *seen = arg;
    if (++seen->count == seen->stop_at) {
        snprintf(errbuf, errcap, "refused %s", key);
        return -1;
    }
    size_t len = strlen(seen->text);
    snprintf(seen->text + len, sizeof seen->text - len, "%s=%s;", key, value);
    return 0;
}

static void parse_ok(const char *text, size_t len, const char *want)
{
    seen_pairs seen = {0};
    char why[256] = "";
    assert_int_equal(ingest_properties_parse(text, len, collect, &seen, why, sizeof why), 0);
    assert_string_equal(seen.text, want);
}

static void parse_fails(const char *text, size_t len, const char *want)
{
    seen_pairs seen = {0};
    char why[256] = "";
    assert_int_equal(ingest_properties_parse(text, len, collect, &seen, why, sizeof why), -1);
    assert_string_equal(why, want);
}

static void test_properties_format(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBF# comment\r\n"
                        "  ! another\n"
                        "\n"
                        " \t\n"
                        "a=1\r\n"
                        "  b \t=  two words  \n"
                        "c==x=y\n"
                        "empty=\n"
                        "last=no newline";
    parse_ok(text, sizeof text - 1,
             "a=1;b=two words  ;c==x=y;empty=;last=no newline;");
    parse_ok("", 0, "");
    parse_ok("k=v\rx\n", 6, "k=v\rx;"); /* a CR inside a line is a byte of it */
}

static void test_properties_errors(void **state)
{
    (void)state;
    parse_fails("a=1\nno equals sign\n", 19, "line 2: no '=' (lines are key=value)");
    parse_fails("=v\n", 3, "line 1: an empty key");
    parse_fails("a b=1\n", 6, "line 1: a key with a blank or ':' (use key=value)");
    parse_fails("a:b=1\n", 6, "line 1: a key with a blank or ':' (use key=value)");
    parse_fails("a=1\nb=x\0y\n", 10, "line 2: a NUL byte");
    seen_pairs seen = {.stop_at = 2};
    char why[256];
    assert_int_equal(ingest_properties_parse("a=1\nb=2\nc=3\n", 12, collect, &seen, why,
                                             sizeof why),
                     -1);
    assert_string_equal(why, "line 2: refused b");
    assert_string_equal(seen.text, "a=1;"); /* nothing after the failing line */

    size_t big = ((size_t)64 << 10) + 10;
    char *line = malloc(big);
    assert_non_null(line);
    memset(line, 'v', big);
    memcpy(line, "k=", 2);
    parse_fails(line, big, "line 1: longer than 65536 bytes");
    free(line);

    char missing[256];
    assert_int_equal(ingest_properties_read_file("/nonexistent/x.properties", collect, &seen,
                                                 missing, sizeof missing),
                     -1);
    assert_string_equal(missing, "/nonexistent/x.properties: No such file or directory");
}

/* ---- routing ---- */

static const char *route_of(const ingest_config *cfg, const char *key)
{
    static char text[128];
    for (size_t i = 0; i < cfg->nroutes; i++) {
        if (strcmp(cfg->routes[i].key, key) == 0) {
            snprintf(text, sizeof text, "%s:%s", cfg->routes[i].owner, cfg->routes[i].as);
            return text;
        }
    }
    return "none";
}

static void test_routing(void **state)
{
    (void)state;
    ingest_config cfg;
    char why[512];
    assert_int_equal(ingest_config_init(&cfg, why, sizeof why), 0);
    const char *pairs[][2] = {
        {"ingest.workers", "4"},
        {"group.id", "g"},
        {"ssl.ca.location", "/b.pem"},
        {"json.union", "plain"},
        {"schema.registry.json.logical", "false"}, /* the prefix takes any cfavro key */
#ifdef CF_HAVE_REGISTRY /* cfavro refuses registry keys in a build without the client */
        {"schema.registry.url", "http://127.0.0.1:1"},
        {"schema.registry.ssl.ca.location", "/r.pem"},
        {"max.retries", "3"},
#endif
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_int_equal(ingest_config_set(&cfg, pairs[i][0], pairs[i][1], why, sizeof why), 0);
    }
    assert_int_equal(cfg.settings.workers, 4);
    assert_string_equal(route_of(&cfg, "ingest.workers"), "ingest:ingest.workers");
    assert_string_equal(route_of(&cfg, "group.id"), "librdkafka:group.id");
    assert_string_equal(route_of(&cfg, "ssl.ca.location"), "librdkafka:ssl.ca.location");
    assert_string_equal(route_of(&cfg, "json.union"), "cfavro:json.union");
    assert_string_equal(route_of(&cfg, "schema.registry.json.logical"), "cfavro:json.logical");
#ifdef CF_HAVE_REGISTRY
    assert_string_equal(route_of(&cfg, "schema.registry.url"), "cfavro:schema.registry.url");
    assert_string_equal(route_of(&cfg, "schema.registry.ssl.ca.location"),
                        "cfavro:ssl.ca.location");
    assert_string_equal(route_of(&cfg, "max.retries"), "cfavro:max.retries");
#endif

    assert_int_equal(ingest_config_set(&cfg, "ingest.max.uncommitted", "0", why, sizeof why), -1);
    assert_string_equal(why, "ingest.max.uncommitted: expected an integer from 1 to 10000000");
    assert_int_equal(ingest_config_set(&cfg, "ingest.topics", "", why, sizeof why), -1);
    assert_string_equal(why, "ingest.topics: empty");
    assert_int_equal(ingest_config_set_pair(&cfg, "no-equals", why, sizeof why), -1);
    assert_string_equal(why, "-X takes KEY=VALUE");
    assert_int_equal(ingest_config_set_pair(&cfg, "ingest.topics=a,b", why, sizeof why), 0);
    assert_string_equal(cfg.settings.topics, "a,b");

    /* bootstrap.servers missing */
    assert_int_equal(ingest_config_set(&cfg, "ingest.deadletter.path", "/tmp/d", why, sizeof why),
                     0);
    assert_int_equal(ingest_config_finish(&cfg, why, sizeof why), -1);
    assert_string_equal(why, "bootstrap.servers is not set");
    assert_int_equal(ingest_config_set(&cfg, "bootstrap.servers", "h:1", why, sizeof why), 0);
    assert_int_equal(ingest_config_finish(&cfg, why, sizeof why), 0);
    ingest_config_free(&cfg);
}

/* ---- output lines ---- */

static void assert_line(const ingest_line_buf *b, const char *want)
{
    assert_false(b->failed);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
}

/* One input, and the exact text a line builder makes of it. */
typedef struct text_case {
    const char *in;
    size_t len;
    const char *out;
} text_case;

static void check_builder(void (*put)(ingest_line_buf *, const void *, size_t),
                          const text_case *cases, size_t count)
{
    ingest_line_buf b = {0};
    for (size_t i = 0; i < count; i++) {
        ingest_line_reset(&b);
        put(&b, cases[i].in, cases[i].len);
        assert_line(&b, cases[i].out);
    }
    ingest_line_free(&b);
}

static void test_json_strings(void **state)
{
    (void)state;
    static const text_case cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\s", 5, "\"q\\\"b\\\\s\""},
        {"\x01\n\x1f", 3, "\"\\u0001\\u000a\\u001f\""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},  /* valid UTF-8 stays */
        {"a\xff" "b", 3, "\"a\\ufffdb\""},                      /* not UTF-8 at all */
        {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\""},                  /* overlong '/' */
        {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""},        /* a surrogate */
        {"\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* past U+10FFFF */
        {"\xe2\x82", 2, "\"\\ufffd\\ufffd\""},                  /* cut short at the end */
        {"", 0, "\"\""},
        {"x\0y", 3, "\"x\\u0000y\""},
    };
    check_builder(ingest_line_put_json_string, cases, sizeof cases / sizeof cases[0]);
}

static void test_base64_and_integers(void **state)
{
    (void)state;
    static const text_case cases[] = {
        {"", 0, "\"\""},       {"f", 1, "\"Zg==\""},     {"fo", 2, "\"Zm8=\""},
        {"foo", 3, "\"Zm9v\""}, {"foob", 4, "\"Zm9vYg==\""}, {"\xff\xfe\x00", 3, "\"//4A\""},
    };
    check_builder(ingest_line_put_base64, cases, sizeof cases / sizeof cases[0]);
    ingest_line_buf b = {0};
    ingest_line_reset(&b);
    int64_t values[] = {0, 7, -1, 1234567890123, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        ingest_line_put_i64(&b, values[i]);
        ingest_line_literal(&b, ",");
    }
    assert_line(&b, "0,7,-1,1234567890123,9223372036854775807,-9223372036854775808,");
    ingest_line_free(&b);
}

/* ---- the offset tracker ---- */

/* A message as the consumer gets it, for the tracker's use (no topic handle:
 * the tracker gets the name, and no librdkafka handle is made, whose threads
 * ThreadSanitizer cannot follow). rd_kafka_message_destroy is not called on
 * these: every record is marked done with its msg cleared, as workers do. */
static ingest_record *take(ingest_offsets *o, int32_t partition, int64_t offset)
{
    rd_kafka_message_t *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->partition = partition;
    m->offset = offset;
    ingest_record *rec = ingest_offsets_take(o, m, "t");
    assert_non_null(rec);
    return rec;
}

static void finish(ingest_record *rec)
{
    free(rec->msg); /* a fake message: not librdkafka's to destroy */
    rec->msg = NULL;
    atomic_store(&rec->done, true);
}

static int64_t ready_offset(const ingest_offsets *o, int32_t partition)
{
    rd_kafka_topic_partition_list_t *list = ingest_offsets_ready(o);
    int64_t offset = -1;
    if (list != NULL) {
        for (int i = 0; i < list->cnt; i++) {
            if (list->elems[i].partition == partition) {
                offset = list->elems[i].offset;
            }
        }
        rd_kafka_topic_partition_list_destroy(list);
    }
    return offset;
}

static void test_offsets_commit_only_handled_prefix(void **state)
{
    (void)state;
    ingest_offsets o;
    ingest_offsets_init(&o);
    rd_kafka_topic_partition_list_t *assignment = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(assignment, "t", 0);
    rd_kafka_topic_partition_list_add(assignment, "t", 1);
    assert_int_equal(ingest_offsets_assign(&o, assignment), 0);

    /* Offsets 10, 11, 13 (12 is a gap, as after compaction) on partition 0. */
    ingest_record *r10 = take(&o, 0, 10);
    ingest_record *r11 = take(&o, 0, 11);
    ingest_record *r13 = take(&o, 0, 13);
    ingest_record *q5 = take(&o, 1, 5);
    ingest_offsets_reclaim(&o);
    assert_null(ingest_offsets_ready(&o)); /* nothing handled */

    finish(r11);
    finish(r13);
    ingest_offsets_reclaim(&o);
    assert_null(ingest_offsets_ready(&o)); /* 10 holds them back */

    assert_int_equal(ingest_offsets_uncommitted(&o), 4);
    finish(r10);
    finish(q5);
    ingest_offsets_reclaim(&o);
    assert_int_equal(ingest_offsets_uncommitted(&o), 4); /* handled, not stored */
    assert_int_equal(ready_offset(&o, 0), 14);
    assert_int_equal(ready_offset(&o, 1), 6);
    rd_kafka_topic_partition_list_t *ready = ingest_offsets_ready(&o);
    ingest_offsets_mark_stored(&o, ready);
    rd_kafka_topic_partition_list_destroy(ready);
    assert_null(ingest_offsets_ready(&o)); /* stored: nothing new */
    assert_int_equal(ingest_offsets_uncommitted(&o), 0);

    /* End of file: only once every assigned partition reached it. */
    assert_false(ingest_offsets_all_eof(&o));
    ingest_offsets_set_eof(&o, "t", 0);
    assert_false(ingest_offsets_all_eof(&o));
    ingest_offsets_set_eof(&o, "t", 1);
    assert_true(ingest_offsets_all_eof(&o));
    ingest_record *r14 = take(&o, 0, 14);
    assert_false(ingest_offsets_all_eof(&o)); /* a new record: not at the end */

    /* Revoke with a record left unhandled: it is released with its
     * partition (here its fake message first, as a worker would). */
    free(r14->msg);
    r14->msg = NULL;
    rd_kafka_topic_partition_list_t *revoked = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(revoked, "t", 0);
    ingest_offsets_revoke(&o, revoked);
    assert_int_equal(o.nparts, 1);
    ingest_record *q6 = take(&o, 1, 6);
    finish(q6);
    ingest_offsets_reclaim(&o);
    assert_int_equal(ready_offset(&o, 1), 7);

    rd_kafka_topic_partition_list_destroy(revoked);
    rd_kafka_topic_partition_list_destroy(assignment);
    ingest_offsets_free(&o);
}

/* ---- the work queue ---- */

static bool keep_partition_1(void *arg, const ingest_record *rec)
{
    (void)arg;
    return rec->offset >= 100;
}

static void test_work_queue(void **state)
{
    (void)state;
    ingest_work_queue q;
    assert_int_equal(ingest_work_queue_init(&q), 0);
    ingest_record r[4];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].offset = i;
        ingest_work_queue_push(&q, &r[i]);
    }
    assert_int_equal(ingest_work_queue_in_flight(&q), 3);
    assert_ptr_equal(ingest_work_queue_pop(&q), &r[0]);
    assert_ptr_equal(ingest_work_queue_pop(&q), &r[1]);
    assert_false(ingest_work_queue_wait_settled(&q, 10)); /* r[0], r[1] in hand, r[2] queued */

    /* Deferred records come back by due time, a due one before fresh ones. */
    r[0].due_ms = 0; /* long due */
    r[1].due_ms = INT64_MAX;
    ingest_work_queue_defer(&q, &r[1]);
    ingest_work_queue_defer(&q, &r[0]);
    assert_int_equal(ingest_work_queue_deferred(&q), 2);
    assert_ptr_equal(ingest_work_queue_pop(&q), &r[0]);
    assert_ptr_equal(ingest_work_queue_pop(&q), &r[2]);
    ingest_work_queue_finished(&q);
    ingest_work_queue_finished(&q);
    assert_int_equal(ingest_work_queue_in_flight(&q), 1);
    assert_true(ingest_work_queue_wait_settled(&q, 10)); /* only the deferred r[1] */
    ingest_work_queue_wait_progress(&q, 1); /* returns after its timeout */

    /* Taking deferred records out: those the filter keeps stay. */
    r[3].offset = 100;
    r[3].due_ms = INT64_MAX;
    ingest_work_queue_push(&q, &r[3]);
    assert_ptr_equal(ingest_work_queue_pop(&q), &r[3]);
    ingest_work_queue_defer(&q, &r[3]);
    ingest_record *taken = ingest_work_queue_take_deferred(&q, keep_partition_1, NULL);
    assert_ptr_equal(taken, &r[1]);
    assert_null(taken->next_in_queue);
    assert_int_equal(ingest_work_queue_in_flight(&q), 1);
    taken = ingest_work_queue_take_deferred(&q, NULL, NULL);
    assert_ptr_equal(taken, &r[3]);
    assert_int_equal(ingest_work_queue_in_flight(&q), 0);

    ingest_work_queue_stop(&q);
    assert_null(ingest_work_queue_pop(&q));
    ingest_work_queue_destroy(&q);
}

/* Workers as worker.c runs them, minus decoding: every third record is put
 * off once (as a registry failure would), then each is marked done. */
static void *fake_worker(void *arg)
{
    ingest_work_queue *q = arg;
    ingest_record *rec;
    while ((rec = ingest_work_queue_pop(q)) != NULL) {
        if (rec->attempts++ == 0 && rec->offset % 3 == 0) {
            rec->due_ms = 0;
            ingest_work_queue_defer(q, rec);
            continue;
        }
        free(rec->msg);
        rec->msg = NULL;
        atomic_store_explicit(&rec->done, true, memory_order_release);
        ingest_work_queue_finished(q);
    }
    return NULL;
}

/* The consumer thread's side against four workers: records taken, queued,
 * handled out of order, unlinked and counted into positions while the
 * workers run (what ThreadSanitizer watches in CI's unit phase). */
static void test_queue_with_worker_threads(void **state)
{
    (void)state;
    enum { WORKERS = 4, RECORDS = 6000, PARTITIONS = 3 };
    ingest_work_queue q;
    assert_int_equal(ingest_work_queue_init(&q), 0);
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, fake_worker, &q), 0);
    }
    ingest_offsets o;
    ingest_offsets_init(&o);
    for (int i = 0; i < RECORDS; i++) {
        ingest_work_queue_push(&q, take(&o, i % PARTITIONS, i / PARTITIONS));
        if (i % 100 == 0) {
            ingest_offsets_reclaim(&o);
        }
    }
    while (!ingest_work_queue_wait_settled(&q, 1000) || ingest_work_queue_in_flight(&q) != 0) {
    }
    ingest_offsets_reclaim(&o);
    assert_int_equal(o.linked, 0);
    assert_int_equal(ingest_offsets_uncommitted(&o), RECORDS);
    for (int p = 0; p < PARTITIONS; p++) {
        assert_int_equal(ready_offset(&o, p), RECORDS / PARTITIONS);
    }
    ingest_work_queue_stop(&q);
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(threads[i], NULL);
    }
    ingest_work_queue_destroy(&q);
    ingest_offsets_free(&o);
}

/* ---- reasons ---- */

static void test_reasons(void **state)
{
    (void)state;
    static const struct {
        int status;
        ingest_reason reason;
    } cases[] = {
        {CFAVRO_E_FRAME_MAGIC, INGEST_REASON_MALFORMED},
        {CFAVRO_E_DATA_TRUNCATED, INGEST_REASON_MALFORMED},
        {CFAVRO_E_TRAILING_BYTES, INGEST_REASON_MALFORMED},
        {CFAVRO_E_LIMIT_DEPTH, INGEST_REASON_MALFORMED},
        {CFAVRO_E_SCHEMA_NOT_FOUND, INGEST_REASON_UNKNOWN_SCHEMA},
        {CFAVRO_E_SCHEMA_UNSUPPORTED, INGEST_REASON_UNKNOWN_SCHEMA},
        {CFAVRO_E_INCOMPATIBLE, INGEST_REASON_INCOMPATIBLE},
        {CFAVRO_E_REGISTRY_UNAVAILABLE, INGEST_REASON_REGISTRY},
        {CFAVRO_E_REGISTRY_RATE_LIMITED, INGEST_REASON_REGISTRY},
        {CFAVRO_E_NOMEM, INGEST_REASON_INTERNAL},
        {CFAVRO_E_INTERNAL, INGEST_REASON_INTERNAL},
        {12345, INGEST_REASON_INTERNAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(ingest_reason_for_status(cases[i].status), cases[i].reason);
    }
    assert_string_equal(ingest_reason_name(INGEST_REASON_UNKNOWN_SCHEMA), "unknown_schema");
    assert_string_equal(ingest_reason_name(INGEST_REASON_COUNT), "internal");
}

/* ---- sinks ---- */

static void test_sink_failure_sticks(void **state)
{
    (void)state;
    char why[256];
    assert_null(ingest_sink_open("/nonexistent-dir/sink.ndjson", false, why, sizeof why));
    assert_string_equal(why, "/nonexistent-dir/sink.ndjson: No such file or directory");

    ingest_sink *sink = ingest_sink_open("/dev/full", false, why, sizeof why);
    assert_non_null(sink);
    assert_int_equal(ingest_sink_write(sink, "{}\n", 3), 0); /* buffered */
    assert_int_equal(ingest_sink_flush(sink), -1);
    assert_string_equal(ingest_sink_failure(sink), "write: No space left on device");
    assert_int_equal(ingest_sink_write(sink, "{}\n", 3), -1); /* sticky */
    assert_int_equal(ingest_sink_close(sink), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_properties_format),
        cmocka_unit_test(test_properties_errors),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_base64_and_integers),
        cmocka_unit_test(test_offsets_commit_only_handled_prefix),
        cmocka_unit_test(test_work_queue),
        cmocka_unit_test(test_queue_with_worker_threads),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_sink_failure_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
