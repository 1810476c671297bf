/* cfavro_client_stats: every counter moves exactly as the header says, and
 * no other counter moves with it. Each step of a test updates an expected
 * cfavro_stats and compares all of its fields with the library's reading,
 * by name, so a counter that moves when it should not fails as surely as
 * one that does not move.
 *
 * Messages of every status class, every decode call form and batches
 * (stopped ones too); the schema cache's hits, misses, negative hits and
 * evictions with a capacity of 1; the registry client's lookups, requests,
 * retries, failures and latency against the loopback test registry
 * (tests/registry/server.py), checked with the server's own request log;
 * and threads decoding, with decoders made and freed, while another thread
 * reads (run it under TSan: meson setup -Db_sanitize=thread). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfavro.h"
#include "test_support.h"
#ifdef CF_TEST_AVRO_BRIDGE
#include "cfavro_avro.h"
#endif
#ifdef CF_TEST_REGISTRY
#include <jansson.h>

#include "registry_server_support.h"
#endif

#define SCHEMA_A \
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"
/* A reader of A that cannot read it: int does not promote to string. */
#define READER_A_STRING \
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"

enum { ID_A = 1, ID_A2 = 2, ID_UNKNOWN = 99, ID_BROKEN = 50 };

/* ---- comparing every field -------------------------------------------------------- */

typedef struct field {
    const char *name;
    size_t offset;
} field;

#define SCALAR(f) {#f, offsetof(cfavro_stats, f)}
#define SLOT(f, i) {#f "[" #i "]", offsetof(cfavro_stats, f) + (i) * sizeof(uint64_t)}

/* Every field of cfavro_stats but `size`; test_layout checks that together
 * they cover the struct. */
static const field fields[] = {
    SCALAR(decoded),
    SCALAR(failed),
    SLOT(failed_by_class, 0), SLOT(failed_by_class, 1), SLOT(failed_by_class, 2),
    SLOT(failed_by_class, 3), SLOT(failed_by_class, 4), SLOT(failed_by_class, 5),
    SLOT(failed_by_class, 6), SLOT(failed_by_class, 7), SLOT(failed_by_class, 8),
    SLOT(failed_by_class, 9), SLOT(failed_by_class, 10), SLOT(failed_by_class, 11),
    SLOT(failed_by_class, 12), SLOT(failed_by_class, 13), SLOT(failed_by_class, 14),
    SLOT(failed_by_class, 15),
    SCALAR(cache_hits),
    SCALAR(cache_misses),
    SCALAR(cache_negative_hits),
    SCALAR(cache_evictions),
    SCALAR(cache_entries),
    SCALAR(registry_lookups),
    SCALAR(registry_requests),
    SCALAR(registry_retries),
    SCALAR(registry_failures),
    SCALAR(registry_latency_us_sum),
    SCALAR(registry_latency_us_max),
    SLOT(registry_latency_buckets, 0), SLOT(registry_latency_buckets, 1),
    SLOT(registry_latency_buckets, 2), SLOT(registry_latency_buckets, 3),
    SLOT(registry_latency_buckets, 4), SLOT(registry_latency_buckets, 5),
    SLOT(registry_latency_buckets, 6), SLOT(registry_latency_buckets, 7),
    SLOT(registry_latency_buckets, 8), SLOT(registry_latency_buckets, 9),
    SCALAR(decoders),
    SCALAR(decoders_freed),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static uint64_t field_of(const cfavro_stats *s, size_t i)
{
    uint64_t v;
    memcpy(&v, (const char *)s + fields[i].offset, sizeof v);
    return v;
}

static cfavro_stats read_stats(const cfavro_client *c)
{
    cfavro_stats s;
    memset(&s, 0xA5, sizeof s);
    assert_int_equal(cfavro_client_stats(c, &s, sizeof s), CFAVRO_OK);
    assert_int_equal(s.size, sizeof s);
    return s;
}

/* The library's reading equals `want` in every field (want->failed is
 * computed here from the classes); the differences are all named. */
static void expect_stats_at(const cfavro_client *c, cfavro_stats *want, const char *where)
{
    want->failed = 0;
    for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
        want->failed += want->failed_by_class[i];
    }
    cfavro_stats got = read_stats(c);
    char diff[2048] = "";
    size_t n = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (field_of(&got, i) != field_of(want, i) && n < sizeof diff) {
            n += (size_t)snprintf(diff + n, sizeof diff - n, " %s=%llu (expected %llu)",
                                  fields[i].name, (unsigned long long)field_of(&got, i),
                                  (unsigned long long)field_of(want, i));
        }
    }
    if (n > 0) fail_msg("%s:%s", where, diff);
}
#define expect_stats(c, want) expect_stats_at((c), (want), __func__)
#define CLASS(cls) failed_by_class[(cls) / 100]

/* ---- messages ----------------------------------------------------------------------- */

static cfavro_client *make_client(const char *const *opts)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    for (size_t i = 0; opts != NULL && opts[i] != NULL; i += 2) {
        if (cfavro_config_set(cfg, opts[i], opts[i + 1], &err) != CFAVRO_OK)
            fail_msg("%s: %s", opts[i], err.message);
    }
    cfavro_client *c = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    if (c == NULL) fail_msg("cfavro_client_new: %s", err.message);
    return c;
}

static void add_schema(cfavro_client *c, int32_t id, const char *json)
{
    cfavro_error err;
    if (cfavro_client_add_schema(c, id, json, strlen(json), &err) != CFAVRO_OK)
        fail_msg("add_schema %d: %s", id, err.message);
}

/* A V0 message of `id` whose payload is the Avro int v, then `extra` bytes. */
static bb int_message(int32_t id, int64_t v, size_t extra)
{
    bb m = {0};
    bb_header(&m, id);
    bb_long(&m, v);
    for (size_t i = 0; i < extra; i++) bb_byte(&m, 0);
    return m;
}

/* Decode msg[0..n) to JSON; the status must be `want`. */
static void decode_expect(cfavro_decoder *d, const void *msg, size_t n, int want)
{
    const char *json;
    size_t len;
    int rc = cfavro_decode_json(d, msg, n, &json, &len);
    if (rc != want)
        fail_msg("expected status %d, got %d: %s", want, rc, cfavro_decoder_error(d)->message);
}

static void decode_int(cfavro_decoder *d, int32_t id, int64_t v, size_t extra, int want)
{
    bb m = int_message(id, v, extra);
    decode_expect(d, m.d, m.n, want);
    bb_free(&m);
}

static int prefetch(cfavro_client *c, int32_t id)
{
    cfavro_error err;
    return cfavro_client_prefetch(c, id, &err);
}

/* A client that knows schema A as ID_A, its decoder, and the counters
 * expected of them: A cached, one decoder, nothing else. */
static cfavro_client *client_with_a(cfavro_decoder **d, cfavro_stats *want)
{
    cfavro_client *c = make_client(NULL);
    add_schema(c, ID_A, SCHEMA_A);
    *d = decoder_with_options(c, NULL);
    memset(want, 0, sizeof *want);
    want->cache_entries = 1, want->decoders = 1;
    return c;
}

/* ---- the struct and the call ---------------------------------------------------------- */

static void test_layout_and_arguments(void **state)
{
    (void)state;
    /* The named fields and `size` cover the struct, all uint64_t. */
    assert_int_equal(sizeof(cfavro_stats), (NFIELDS + 1) * sizeof(uint64_t));
    assert_int_equal(sizeof(cfavro_stats), CFAVRO_STATS_SIZE_V1);
    assert_int_equal(offsetof(cfavro_stats, size), 0);

    cfavro_client *c = make_client(NULL);
    cfavro_stats want = {0};
    expect_stats(c, &want); /* a new client: every counter 0 */

    cfavro_stats s;
    memset(&s, 0xA5, sizeof s);
    assert_int_equal(cfavro_client_stats(NULL, &s, sizeof s), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_stats(c, NULL, sizeof s), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_stats(c, &s, CFAVRO_STATS_SIZE_V1 - 1), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_client_stats(c, &s, 0), CFAVRO_E_ARGUMENT);
    for (size_t i = 0; i < sizeof s; i++) {
        assert_int_equal(((const unsigned char *)&s)[i], 0xA5); /* untouched */
    }

    /* A caller built against a later, larger struct: the library fills what
     * it knows, says how much, and zeroes the rest. */
    struct {
        cfavro_stats known;
        uint64_t later[3];
    } bigger;
    memset(&bigger, 0xA5, sizeof bigger);
    assert_int_equal(cfavro_client_stats(c, &bigger.known, sizeof bigger), CFAVRO_OK);
    assert_int_equal(bigger.known.size, sizeof(cfavro_stats));
    for (int i = 0; i < 3; i++) assert_int_equal(bigger.later[i], 0);
    assert_int_equal(bigger.known.decoded, 0);

    /* The first version's size exactly. */
    memset(&s, 0xA5, sizeof s);
    assert_int_equal(cfavro_client_stats(c, &s, CFAVRO_STATS_SIZE_V1), CFAVRO_OK);
    assert_int_equal(s.size, CFAVRO_STATS_SIZE_V1);
    assert_int_equal(s.decoders_freed, 0);
    cfavro_client_free(c);
}

/* ---- messages by class -------------------------------------------------------------- */

/* A failure about schema `id` itself: the first message misses (the sources
 * are asked), the next is answered by the remembered failure, a negative
 * hit; the failure stays cached. */
static void remembered_failure(const cfavro_client *c, cfavro_decoder *d, cfavro_stats *want,
                               int32_t id, int status)
{
    decode_int(d, id, 1, 0, status);
    want->failed_by_class[status / 100]++, want->cache_misses++, want->cache_entries++;
    expect_stats_at(c, want, "remembered_failure, first");
    decode_int(d, id, 1, 0, status);
    want->failed_by_class[status / 100]++, want->cache_negative_hits++;
    expect_stats_at(c, want, "remembered_failure, again");
}

static void test_messages_by_class(void **state)
{
    (void)state;
    char dir[256];
    make_temp_dir(dir, sizeof dir, "cfavro-stats-");
    write_text_file(dir, "50.avsc", "{\"type\":\"record\",\"name\":\"Broken\",\"fields\":[");
    cfavro_client *c = make_client(OPTS("schema.dir", dir));
    add_schema(c, ID_A, SCHEMA_A);
    cfavro_stats want = {0};
    want.cache_entries = 1;
    expect_stats(c, &want); /* adding a schema is no lookup */

    cfavro_decoder *d = decoder_with_options(c, NULL);
    want.decoders = 1;
    expect_stats(c, &want);

    /* Decoded: the first lookup misses the decoder's memo and hits the
     * cache, the next ones hit the memo: hits either way. */
    decode_int(d, ID_A, 1, 0, CFAVRO_OK);
    want.decoded++, want.cache_hits++;
    expect_stats(c, &want);
    decode_int(d, ID_A, 2, 0, CFAVRO_OK);
    want.decoded++, want.cache_hits++;
    expect_stats(c, &want);

    /* 600: malformed data (an int cut short); 700: a byte left over. */
    bb m = {0};
    bb_header(&m, ID_A);
    bb_byte(&m, 0x80);
    decode_expect(d, m.d, m.n, CFAVRO_E_DATA_TRUNCATED);
    bb_free(&m);
    want.CLASS(CFAVRO_CLASS_DATA)++, want.cache_hits++;
    expect_stats(c, &want);
    decode_int(d, ID_A, 3, 1, CFAVRO_E_TRAILING_BYTES);
    want.CLASS(CFAVRO_CLASS_TRAILING)++, want.cache_hits++;
    expect_stats(c, &want);

    /* 200: framing, before any lookup. */
    decode_expect(d, BYTES(0x07, 0, 0, 0, 1, 2), CFAVRO_E_FRAME_MAGIC);
    decode_expect(d, BYTES(0x00, 0, 0), CFAVRO_E_FRAME_SHORT);
    want.CLASS(CFAVRO_CLASS_FRAME) += 2;
    expect_stats(c, &want);

    /* 300: an id no source knows; 500: a schema that does not compile. */
    remembered_failure(c, d, &want, ID_UNKNOWN, CFAVRO_E_SCHEMA_NOT_FOUND);
    remembered_failure(c, d, &want, ID_BROKEN, CFAVRO_E_SCHEMA_INVALID);

    /* 800: a limit (this decoder's output limit), from a second decoder. */
    cfavro_decoder *small = decoder_with_options(c, OPTS("limit.output.bytes", "3"));
    want.decoders++;
    decode_int(small, ID_A, 1, 0, CFAVRO_E_LIMIT_OUTPUT);
    want.CLASS(CFAVRO_CLASS_LIMIT)++, want.cache_hits++;
    expect_stats(c, &want);

    /* 900: a reader schema the writer's does not resolve to. */
    cfavro_decoder *reader = decoder_with_options(c, OPTS("reader.schema", READER_A_STRING));
    want.decoders++;
    decode_int(reader, ID_A, 1, 0, CFAVRO_E_INCOMPATIBLE);
    want.CLASS(CFAVRO_CLASS_INCOMPATIBLE)++, want.cache_hits++;
    expect_stats(c, &want);

    /* 100: a schema file that cannot be read (a directory named 60.avsc). */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/60.avsc", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    decode_int(d, 60, 1, 0, CFAVRO_E_IO);
    want.CLASS(CFAVRO_CLASS_ARGUMENT)++, want.cache_misses++;
    expect_stats(c, &want);

    /* Calls refused for their arguments count nothing: no message. */
    cfavro_frame bad_frame = {0};
    bad_frame.kind = 9;
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_frame_json(d, &bad_frame, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_validate_frame(d, &bad_frame), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_validate_frame(d, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_json(d, NULL, 5, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_json(d, "x", 1, NULL, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_json(NULL, "x", 1, &json, &len), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_validate(d, NULL, 3), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_frame_json(d, &bad_frame, NULL, &len), CFAVRO_E_ARGUMENT);
    expect_stats(c, &want);

    /* Every call form counts: validate, payload, frame. */
    bb good = int_message(ID_A, 7, 0);
    assert_int_equal(cfavro_validate(d, good.d, good.n), CFAVRO_OK);
    assert_int_equal(cfavro_validate(d, good.d, good.n - 1), CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(cfavro_decode_payload_json(d, ID_A, good.d + 5, good.n - 5, &json, &len),
                     CFAVRO_OK);
    assert_int_equal(cfavro_validate_payload(d, ID_A, good.d + 5, 0), CFAVRO_E_DATA_TRUNCATED);
    cfavro_frame frame;
    assert_int_equal(cfavro_frame_parse(good.d, good.n, &frame, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(d, &frame, &json, &len), CFAVRO_OK);
    assert_int_equal(cfavro_validate_frame(d, &frame), CFAVRO_OK);
    want.decoded += 4, want.CLASS(CFAVRO_CLASS_DATA) += 2, want.cache_hits += 6;
    expect_stats(c, &want);
    /* A V1 frame: its GUID is looked up too (schema.dir has no such file). */
    uint8_t v1[CFAVRO_HEADER_V1_SIZE + 1] = {0x01, 0xAB};
    decode_expect(d, v1, sizeof v1, CFAVRO_E_SCHEMA_NOT_FOUND);
    want.CLASS(CFAVRO_CLASS_NOT_FOUND)++, want.cache_misses++, want.cache_entries++;
    expect_stats(c, &want);
    bb_free(&good);

    /* Prefetch looks up: a hit, a negative hit, a miss. */
    assert_int_equal(prefetch(c, ID_A), CFAVRO_OK);
    assert_int_equal(prefetch(c, ID_UNKNOWN), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(prefetch(c, 98), CFAVRO_E_SCHEMA_NOT_FOUND);
    want.cache_hits++, want.cache_negative_hits++, want.cache_misses++, want.cache_entries++;
    expect_stats(c, &want);

    /* Freed decoders' counts stay with the client. */
    cfavro_decoder_free(small);
    cfavro_decoder_free(reader);
    want.decoders -= 2, want.decoders_freed += 2;
    expect_stats(c, &want);
    cfavro_decoder_free(d);
    want.decoders--, want.decoders_freed++;
    expect_stats(c, &want);
    /* A later decoder starts a memo of its own: its first lookup goes to
     * the cache (a hit all the same). */
    d = decoder_with_options(c, NULL);
    decode_int(d, ID_A, 1, 0, CFAVRO_OK);
    want.decoders++, want.decoded++, want.cache_hits++;
    expect_stats(c, &want);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
    remove_dir_entry(dir, "50.avsc");
    remove_dir_entry(dir, "60.avsc");
    assert_int_equal(rmdir(dir), 0);
}

/* Lookups that alternate between schemas are answered by other slots of
 * the decoder's memo: hits too. */
static void test_memo_hits_on_every_slot(void **state)
{
    (void)state;
    cfavro_client *c = make_client(NULL);
    add_schema(c, ID_A, SCHEMA_A);
    add_schema(c, ID_A2, SCHEMA_A);
    cfavro_decoder *d = decoder_with_options(c, NULL);
    cfavro_stats want = {0};
    want.cache_entries = 2, want.decoders = 1;
    for (int i = 0; i < 6; i++) {
        decode_int(d, i % 2 ? ID_A2 : ID_A, i, 0, CFAVRO_OK);
    }
    want.decoded += 6, want.cache_hits += 6; /* 2 from the cache, 4 from the memo */
    expect_stats(c, &want);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- batches ------------------------------------------------------------------------ */

static void test_batches(void **state)
{
    (void)state;
    cfavro_stats want;
    cfavro_decoder *d;
    cfavro_client *c = client_with_a(&d, &want);

    bb good = int_message(ID_A, 1, 0);
    bb trailing = int_message(ID_A, 1, 2);
    const uint8_t bad_magic[] = {0x05, 0, 0, 0, 1, 2};
    const void *msgs[] = {good.d, trailing.d, bad_magic, good.d, NULL};
    size_t lens[] = {good.n, trailing.n, sizeof bad_magic, good.n, 4};
    cfavro_batch_result results[5];
    const char *ndjson;
    size_t ndjson_len, failed;
    assert_int_equal(cfavro_decode_batch_json(d, msgs, lens, 5, results, &ndjson, &ndjson_len,
                                              &failed),
                     CFAVRO_OK);
    assert_int_equal(failed, 3);
    want.decoded += 2, want.CLASS(CFAVRO_CLASS_TRAILING)++, want.CLASS(CFAVRO_CLASS_FRAME)++,
        want.CLASS(CFAVRO_CLASS_ARGUMENT)++; /* msgs[4] NULL with a length */
    want.cache_hits += 3;
    expect_stats(c, &want);

    /* Refused for its arguments: nothing counted. */
    assert_int_equal(cfavro_decode_batch_json(d, msgs, lens, 5, results, NULL, &ndjson_len,
                                              &failed),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_batch_json(d, NULL, lens, 5, results, &ndjson, &ndjson_len,
                                              &failed),
                     CFAVRO_E_ARGUMENT);
    expect_stats(c, &want);

    /* Stopped by the output limit at message 1 ({"a":1}\n twice is 16
     * bytes): messages 2 and 3, not decoded, fail with the batch's status,
     * as their results say. */
    cfavro_decoder *small = decoder_with_options(c, OPTS("limit.output.bytes", "10"));
    want.decoders++;
    const void *goods[] = {good.d, good.d, good.d, good.d};
    size_t good_lens[] = {good.n, good.n, good.n, good.n};
    assert_int_equal(cfavro_decode_batch_json(small, goods, good_lens, 4, results, &ndjson,
                                              &ndjson_len, &failed),
                     CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(failed, 3);
    assert_int_equal(results[3].status, CFAVRO_E_LIMIT_OUTPUT);
    want.decoded++, want.CLASS(CFAVRO_CLASS_LIMIT) += 3, want.cache_hits += 2;
    expect_stats(c, &want);
    cfavro_decoder_free(small);
    cfavro_decoder_free(d);
    bb_free(&good);
    bb_free(&trailing);
    cfavro_client_free(c);
}

/* ---- the cache at capacity 1 ------------------------------------------------------------ */

static void test_cache_evictions_and_negative_hits(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("cache.capacity", "1",
                                        "cfavro.registry.negative.ttl.ms", "100"));
    cfavro_stats want = {0};
    add_schema(c, ID_A, SCHEMA_A);
    want.cache_entries = 1;
    expect_stats(c, &want);
    /* The second schema takes the only place: the first is evicted (its
     * text stays in the memory source). */
    add_schema(c, ID_A2, SCHEMA_A);
    want.cache_evictions++;
    expect_stats(c, &want);

    assert_int_equal(prefetch(c, ID_A2), CFAVRO_OK);
    want.cache_hits++;
    expect_stats(c, &want);
    /* Compiled again from its text: a miss, and A2 leaves. */
    assert_int_equal(prefetch(c, ID_A), CFAVRO_OK);
    want.cache_misses++, want.cache_evictions++;
    expect_stats(c, &want);
    assert_int_equal(prefetch(c, ID_A), CFAVRO_OK);
    want.cache_hits++;
    expect_stats(c, &want);

    /* An unknown id is remembered (and takes the place), for 100 ms. */
    assert_int_equal(prefetch(c, ID_UNKNOWN), CFAVRO_E_SCHEMA_NOT_FOUND);
    want.cache_misses++, want.cache_evictions++;
    expect_stats(c, &want);
    cfavro_decoder *d = decoder_with_options(c, NULL);
    want.decoders++;
    decode_int(d, ID_UNKNOWN, 1, 0, CFAVRO_E_SCHEMA_NOT_FOUND);
    decode_int(d, ID_UNKNOWN, 1, 0, CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(prefetch(c, ID_UNKNOWN), CFAVRO_E_SCHEMA_NOT_FOUND);
    want.CLASS(CFAVRO_CLASS_NOT_FOUND) += 2, want.cache_negative_hits += 3;
    expect_stats(c, &want);
    /* Expired: asked again (a miss); the expired entry is dropped, not
     * evicted. */
    struct timespec pause = {0, 150 * 1000 * 1000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
    decode_int(d, ID_UNKNOWN, 1, 0, CFAVRO_E_SCHEMA_NOT_FOUND);
    want.CLASS(CFAVRO_CLASS_NOT_FOUND)++, want.cache_misses++;
    expect_stats(c, &want);

    /* A decoder holds its schema through evictions: its memo answers. */
    decode_int(d, ID_A, 5, 0, CFAVRO_OK); /* memo miss, cache miss: evicts 99 */
    want.decoded++, want.cache_misses++, want.cache_evictions++;
    expect_stats(c, &want);
    assert_int_equal(prefetch(c, ID_A2), CFAVRO_OK); /* evicts A */
    want.cache_misses++, want.cache_evictions++;
    decode_int(d, ID_A, 6, 0, CFAVRO_OK);
    want.decoded++, want.cache_hits++;
    expect_stats(c, &want);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

#ifdef CF_TEST_REGISTRY
/* ---- the registry client ------------------------------------------------------------ */

static reg_group g_reg;

static int registry_setup(void **state)
{
    (void)state;
    reg_group_start(&g_reg, "cfavro-stats-registry-", "stats");
    return 0;
}

static int registry_teardown(void **state)
{
    (void)state;
    reg_group_stop(&g_reg);
    return 0;
}

static int registry_clean(void **state)
{
    (void)state;
    reg_group_clean(&g_reg);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
}

/* The latency counters are consistent: one bucket per request, the sum at
 * least the maximum. Returns the reading. */
static cfavro_stats check_latency(const cfavro_client *c)
{
    cfavro_stats s = read_stats(c);
    uint64_t in_buckets = 0;
    for (int i = 0; i < CFAVRO_STATS_LATENCY_BUCKETS; i++) in_buckets += s.registry_latency_buckets[i];
    assert_int_equal(in_buckets, s.registry_requests);
    assert_true(s.registry_latency_us_sum >= s.registry_latency_us_max);
    if (s.registry_requests > 0) assert_true(s.registry_latency_us_max > 0);
    return s;
}

/* Copy the latency fields (which only check_latency can judge) into want. */
static void take_latency(cfavro_stats *want, const cfavro_stats *got)
{
    want->registry_latency_us_sum = got->registry_latency_us_sum;
    want->registry_latency_us_max = got->registry_latency_us_max;
    memcpy(want->registry_latency_buckets, got->registry_latency_buckets,
           sizeof want->registry_latency_buckets);
}

static void test_registry_counters(void **state)
{
    (void)state;
    /* One retry at most, short waits: each failing lookup takes 2 requests.
     * The breaker (2 failed attempts) cools down for retries.wait.ms. */
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "max.retries", "1",
                                        "retries.wait.ms", "1", "retries.max.wait.ms", "5"));
    cfavro_decoder *d = decoder_with_options(c, NULL);
    cfavro_stats want = {0};
    want.decoders = 1;
    expect_stats(c, &want);

    /* A schema fetched: one lookup, one request. */
    size_t mark = reg_request_total(&g_reg.server);
    decode_int(d, 1, 5, 0, CFAVRO_OK);
    want.decoded++, want.cache_misses++, want.cache_entries++;
    want.registry_lookups++, want.registry_requests++;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 1);

    /* One 503, then the answer: a retry, two requests. */
    reg_set_faults(&g_reg.server, "[{\"kind\": \"status\", \"status\": 503, \"times\": 1}]");
    mark = reg_request_total(&g_reg.server);
    decode_expect(d, BYTES(0, 0, 0, 0, 2, 0x02, 'y'), CFAVRO_OK); /* id 2: "string" */
    want.decoded++, want.cache_misses++, want.cache_entries++;
    want.registry_lookups++, want.registry_requests += 2, want.registry_retries++;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 2);

    /* 503 every time: a retry, then a failure (class 400, not remembered). */
    reg_set_faults(&g_reg.server, "[{\"kind\": \"status\", \"status\": 503}]");
    mark = reg_request_total(&g_reg.server);
    decode_int(d, 4, 1, 0, CFAVRO_E_REGISTRY_UNAVAILABLE);
    want.CLASS(CFAVRO_CLASS_REGISTRY)++, want.cache_misses++;
    want.registry_lookups++, want.registry_requests += 2, want.registry_retries++;
    want.registry_failures++;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 2);
    reg_set_faults(&g_reg.server, "[]");
    sleep_ms(50); /* past the breaker's cool-down */

    /* Not found and an unsupported schema type are answers, not failures. */
    mark = reg_request_total(&g_reg.server);
    decode_int(d, 77, 1, 0, CFAVRO_E_SCHEMA_NOT_FOUND);
    decode_int(d, 5, 1, 0, CFAVRO_E_SCHEMA_UNSUPPORTED); /* PROTOBUF */
    want.CLASS(CFAVRO_CLASS_NOT_FOUND)++, want.CLASS(CFAVRO_CLASS_SCHEMA)++;
    want.cache_misses += 2, want.cache_entries += 2;
    want.registry_lookups += 2, want.registry_requests += 2;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 2);

    /* A schema with a reference: two lookups (the id, the subject version). */
    mark = reg_request_total(&g_reg.server);
    assert_int_equal(prefetch(c, 3), CFAVRO_OK);
    want.cache_misses++, want.cache_entries++;
    want.registry_lookups += 2, want.registry_requests += 2;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 2);

    /* Latency: a reply 150 ms late lands in the (100, 500] ms bucket. */
    cfavro_stats before = check_latency(c);
    reg_set_faults(&g_reg.server,
                   "[{\"kind\": \"delay\", \"ms\": 150, \"path\": \"/schemas/ids/6$\"}]");
    assert_int_equal(prefetch(c, 6), CFAVRO_OK);
    cfavro_stats after = check_latency(c);
    assert_int_equal(after.registry_latency_buckets[5], before.registry_latency_buckets[5] + 1);
    assert_true(after.registry_latency_us_max >= 150000);
    assert_true(after.registry_latency_us_sum - before.registry_latency_us_sum >= 150000);
    want.cache_misses++, want.cache_entries++, want.registry_lookups++, want.registry_requests++;
    take_latency(&want, &after);
    expect_stats(c, &want);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

static void test_registry_breaker_and_failover(void **state)
{
    (void)state;
    /* No retries and a long cool-down: after one failed lookup the breaker
     * refuses the next one at once. A refusal is a failed lookup that sent
     * no request. */
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "max.retries", "0",
                                        "retries.wait.ms", "5000", "retries.max.wait.ms",
                                        "5000"));
    cfavro_stats want = {0};
    reg_set_faults(&g_reg.server, "[{\"kind\": \"status\", \"status\": 503}]");
    size_t mark = reg_request_total(&g_reg.server);
    assert_int_equal(prefetch(c, 1), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(prefetch(c, 2), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 1);
    want.cache_misses += 2;
    want.registry_lookups += 2, want.registry_requests++, want.registry_failures += 2;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    cfavro_client_free(c);
    reg_set_faults(&g_reg.server, "[]");

    /* Failover: the first URL refuses the connection, the second answers:
     * two requests, no retry. */
    char urls[160];
    snprintf(urls, sizeof urls, "http://127.0.0.1:%d,%s", reg_dead_port(), g_reg.url);
    c = make_client(OPTS("schema.registry.url", urls));
    memset(&want, 0, sizeof want);
    mark = reg_request_total(&g_reg.server);
    assert_int_equal(prefetch(c, 1), CFAVRO_OK);
    assert_int_equal(reg_request_total(&g_reg.server) - mark, 1);
    want.cache_misses++, want.cache_entries++;
    want.registry_lookups++, want.registry_requests += 2;
    take_latency(&want, (const cfavro_stats[]){check_latency(c)});
    expect_stats(c, &want);
    cfavro_client_free(c);
}
#endif

#ifdef CF_TEST_AVRO_BRIDGE
/* ---- the avro-c bridge ------------------------------------------------------------------ */

static void test_avro_bridge_counts(void **state)
{
    (void)state;
    cfavro_stats want;
    cfavro_decoder *d;
    cfavro_client *c = client_with_a(&d, &want);
    bb good = int_message(ID_A, 3, 0);
    avro_value_t *value;
    /* Asking for the value looks the schema up (a hit), decodes nothing. */
    assert_int_equal(cfavro_decoder_avro_value(d, good.d, good.n, &value), CFAVRO_OK);
    want.cache_hits++;
    expect_stats(c, &want);
    assert_int_equal(cfavro_decode_avro(d, good.d, good.n, value), CFAVRO_OK);
    assert_int_equal(cfavro_decode_avro(d, good.d, good.n - 1, value), CFAVRO_E_DATA_TRUNCATED);
    assert_int_equal(cfavro_decode_avro(d, "\x07xxxxx", 6, value), CFAVRO_E_FRAME_MAGIC);
    assert_int_equal(cfavro_decode_payload_avro(d, ID_A, good.d + 5, good.n - 5, value),
                     CFAVRO_OK);
    cfavro_frame frame;
    assert_int_equal(cfavro_frame_parse(good.d, good.n, &frame, NULL), CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_avro(d, &frame, value), CFAVRO_OK);
    want.decoded += 3, want.CLASS(CFAVRO_CLASS_DATA)++, want.CLASS(CFAVRO_CLASS_FRAME)++;
    want.cache_hits += 4;
    expect_stats(c, &want);
    /* Refused for its arguments: nothing. */
    assert_int_equal(cfavro_decode_avro(d, good.d, good.n, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_decode_frame_avro(d, NULL, value), CFAVRO_E_ARGUMENT);
    expect_stats(c, &want);
    bb_free(&good);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}
#endif

/* ---- threads ------------------------------------------------------------------------ */

enum {
    THREADS = 4,
    ROUNDS = 4000,    /* per thread; each round decodes PER_ROUND messages */
    PER_ROUND = 4,    /* good (cycling over KNOWN ids), data, frame, unknown */
    KNOWN = 12        /* more ids than a memo holds: shared-cache lookups too */
};

typedef struct worker {
    cfavro_client *client;
    int index;
    int bad; /* a status other than the one expected (checked by the main thread) */
} worker;

static void *decode_thread(void *arg)
{
    worker *w = arg;
    cfavro_decoder *d = cfavro_decoder_new(w->client, NULL);
    uint8_t msg[16];
    const char *json;
    size_t len;
    for (int r = 0; r < ROUNDS && d != NULL; r++) {
        if (r == ROUNDS / 2) {
            /* A new decoder halfway: the first one's counts move to the
             * client's totals while the reader reads. */
            cfavro_decoder_free(d);
            d = cfavro_decoder_new(w->client, NULL);
            if (d == NULL) break;
        }
        int32_t id = 100 + (r + w->index) % KNOWN;
        uint8_t head[5] = {0, 0, 0, 0, (uint8_t)id};
        memcpy(msg, head, 5);
        size_t n = 5 + bb_long_to(msg + 5, r);
        w->bad += cfavro_decode_json(d, msg, n, &json, &len) != CFAVRO_OK;
        w->bad += cfavro_decode_json(d, msg, 5, &json, &len) != CFAVRO_E_DATA_TRUNCATED;
        w->bad += cfavro_validate(d, "\x07xxxxx", 6) != CFAVRO_E_FRAME_MAGIC;
        msg[4] = 7; /* id 7: unknown */
        w->bad += cfavro_validate(d, msg, n) != CFAVRO_E_SCHEMA_NOT_FOUND;
    }
    if (d == NULL) w->bad++;
    cfavro_decoder_free(d);
    return NULL;
}

typedef struct watcher {
    cfavro_client *client;
    _Atomic int stop;
    long readings;
    int errors; /* a counter that went down, or sums that do not add up */
    cfavro_stats last;
} watcher;

static void *watch_thread(void *arg)
{
    watcher *w = arg;
    cfavro_stats prev;
    memset(&prev, 0, sizeof prev);
    while (!atomic_load(&w->stop)) {
        cfavro_stats s;
        if (cfavro_client_stats(w->client, &s, sizeof s) != CFAVRO_OK) {
            w->errors++;
            break;
        }
        uint64_t sum = 0;
        for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) sum += s.failed_by_class[i];
        if (sum != s.failed) w->errors++;
        for (size_t i = 0; i < NFIELDS; i++) {
            bool gauge = strcmp(fields[i].name, "decoders") == 0 ||
                         strcmp(fields[i].name, "cache_entries") == 0;
            if (!gauge && field_of(&s, i) < field_of(&prev, i)) w->errors++;
        }
        if (s.decoders + s.decoders_freed < prev.decoders_freed) w->errors++;
        prev = s;
        w->readings++;
    }
    w->last = prev;
    return NULL;
}

static void test_threads_decode_while_another_reads(void **state)
{
    (void)state;
    cfavro_client *c = make_client(NULL);
    for (int i = 0; i < KNOWN; i++) add_schema(c, 100 + i, "\"long\"");
    worker workers[THREADS];
    pthread_t tids[THREADS];
    watcher w = {.client = c};
    pthread_t wt;
    assert_int_equal(pthread_create(&wt, NULL, watch_thread, &w), 0);
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.client = c, .index = i};
        assert_int_equal(pthread_create(&tids[i], NULL, decode_thread, &workers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(tids[i], NULL), 0);
        assert_int_equal(workers[i].bad, 0);
    }
    atomic_store(&w.stop, 1);
    assert_int_equal(pthread_join(wt, NULL), 0);
    assert_int_equal(w.errors, 0);
    assert_true(w.readings > 0);

    /* Exact totals once every decoder is gone. The unknown id's lookups
     * split between misses and negative hits as the threads raced (a
     * thread that waited for another's load counts a miss). */
    const uint64_t rounds = (uint64_t)THREADS * ROUNDS;
    cfavro_stats s = read_stats(c);
    assert_int_equal(s.decoded, rounds);
    assert_int_equal(s.failed_by_class[CFAVRO_CLASS_DATA / 100], rounds);
    assert_int_equal(s.failed_by_class[CFAVRO_CLASS_FRAME / 100], rounds);
    assert_int_equal(s.failed_by_class[CFAVRO_CLASS_NOT_FOUND / 100], rounds);
    assert_int_equal(s.failed, 3 * rounds);
    assert_int_equal(s.cache_hits, 2 * rounds);
    assert_int_equal(s.cache_misses + s.cache_negative_hits, rounds);
    assert_true(s.cache_misses >= 1 && s.cache_misses <= THREADS * 2);
    assert_int_equal(s.decoders, 0);
    assert_int_equal(s.decoders_freed, 2 * THREADS);
    cfavro_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_arguments),
        cmocka_unit_test(test_messages_by_class),
        cmocka_unit_test(test_memo_hits_on_every_slot),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_cache_evictions_and_negative_hits),
        cmocka_unit_test(test_threads_decode_while_another_reads),
#ifdef CF_TEST_AVRO_BRIDGE
        cmocka_unit_test(test_avro_bridge_counts),
#endif
    };
    int failed = cmocka_run_group_tests_name("stats", tests, NULL, NULL);
#ifdef CF_TEST_REGISTRY
    const struct CMUnitTest registry_tests[] = {
        cmocka_unit_test_setup(test_registry_counters, registry_clean),
        cmocka_unit_test_setup(test_registry_breaker_and_failover, registry_clean),
    };
    failed += cmocka_run_group_tests_name("stats_registry", registry_tests, registry_setup,
                                          registry_teardown);
#endif
    return failed;
}
