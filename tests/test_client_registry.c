/* The schema registry end to end, through the public API only: a
 * cfavro_client configured with cfavro_config_set against the loopback test
 * registry (tests/registry/server.py, started by this test and loaded with
 * this file's own data set), decoders decoding V0 and V1 frames and header
 * mode, prefetch, the cache listing, contexts, GUIDs, remembered failures,
 * single flight, an outage, persistence, references, encryption rules and
 * credentials. What reached the server is read from its request log. Every
 * error message the library gives is kept and, last, scanned for the
 * credentials the clients were given. */
#define _GNU_SOURCE /* pthread_timedjoin_np: a deadlock fails instead of hanging */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfavro.h"
#include "registry_server_support.h"
#include "test_support.h"

/* The credentials of the last test (the brief's own examples), besides the
 * support file's. */
#define E2E_USER_INFO "user:S3cr3tPw"
#define E2E_PASSWORD "S3cr3tPw"
#define E2E_TOKEN "e2e-bearer-9b8a7c6d"
#define E2E_KEY_PASSWORD "e2e-keypw-5d4c3b2a"

/* ---- the data set -------------------------------------------------------------- */

#define SCHEMA_DEFAULT \
    "{\"type\":\"record\",\"name\":\"Default\",\"namespace\":\"e2e\"," \
    "\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"
#define SCHEMA_IN_CTX1 \
    "{\"type\":\"record\",\"name\":\"InCtx1\",\"namespace\":\"e2e\"," \
    "\"fields\":[{\"name\":\"b\",\"type\":\"long\"}]}"
#define SCHEMA_STRING "\"string\""
#define SCHEMA_THREE \
    "{\"type\":\"record\",\"name\":\"Three\",\"fields\":[{\"name\":\"c\",\"type\":\"string\"}]}"
#define SCHEMA_FOUR \
    "{\"type\":\"record\",\"name\":\"Four\",\"fields\":[{\"name\":\"d\",\"type\":\"int\"}]}"
#define SCHEMA_LATE \
    "{\"type\":\"record\",\"name\":\"Late\",\"fields\":[{\"name\":\"e\",\"type\":\"int\"}]}"
#define SCHEMA_BROKEN "{\"type\":\"record\",\"name\":\"Broken\",\"fields\":["
#define SCHEMA_OUTER \
    "{\"type\":\"record\",\"name\":\"Outer\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"}]}"
#define SCHEMA_REF \
    "{\"type\":\"record\",\"name\":\"Ref\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}"
#define SCHEMA_TOP \
    "{\"type\":\"record\",\"name\":\"Top\",\"fields\":[{\"name\":\"l\",\"type\":\"Left\"}," \
    "{\"name\":\"r\",\"type\":\"Right\"}]}"
#define SCHEMA_LEFT \
    "{\"type\":\"record\",\"name\":\"Left\",\"fields\":[{\"name\":\"b\",\"type\":\"Base\"}]}"
#define SCHEMA_RIGHT \
    "{\"type\":\"record\",\"name\":\"Right\",\"fields\":[{\"name\":\"b\",\"type\":\"Base\"}]}"
#define SCHEMA_BASE \
    "{\"type\":\"record\",\"name\":\"Base\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}"
#define SCHEMA_SEALED \
    "{\"type\":\"record\",\"name\":\"Sealed\",\"fields\":[{\"name\":\"n\",\"type\":\"long\"}]}"

/* GUIDs given explicitly (the server would otherwise derive them). */
#define GUID_DEFAULT "0a1b2c3d-4e5f-4a6b-8c7d-000000000001"
#define GUID_STRING "0a1b2c3d-4e5f-4a6b-8c7d-000000000002"
static const uint8_t guid_default[CFAVRO_GUID_SIZE] = {
    0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b, 0x8c, 0x7d, 0, 0, 0, 0, 0, 0x01};
static const uint8_t guid_string[CFAVRO_GUID_SIZE] = {
    0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b, 0x8c, 0x7d, 0, 0, 0, 0, 0, 0x02};

enum {
    ID_DEFAULT = 1, /* also id 1 of context .ctx1, with another schema */
    ID_STRING = 2,
    ID_THREE = 3,
    ID_FOUR = 4,
    ID_PROTOBUF = 5,
    ID_OUTER = 10,
    ID_REF = 11,
    ID_TOP = 20,
    ID_BASE = 21,
    ID_LEFT = 22,
    ID_RIGHT = 23,
    ID_LATE = 30, /* absent until a test registers it */
    ID_BROKEN = 40,
    ID_SEALED = 50
};

static json_t *ref(const char *name, const char *subject)
{
    return json_pack("{s:s, s:s, s:i}", "name", name, "subject", subject, "version", 1);
}

static void put_id(json_t *ids, int id, json_t *entry)
{
    char key[16];
    snprintf(key, sizeof key, "%d", id);
    json_object_set_new(ids, key, entry);
}

static void put_subject(json_t *subjects, const char *subject, int id)
{
    json_object_set_new(subjects, subject, json_pack("{s:{s:i}}", "1", "id", id));
}

/* The registry this test talks to; `with_late`: id 30 has been registered. */
static json_t *data_set(bool with_late)
{
    json_t *ids = json_object();
    put_id(ids, ID_DEFAULT, json_pack("{s:s, s:s}", "schema", SCHEMA_DEFAULT, "guid", GUID_DEFAULT));
    put_id(ids, ID_STRING, json_pack("{s:s, s:s}", "schema", SCHEMA_STRING, "guid", GUID_STRING));
    put_id(ids, ID_THREE, json_pack("{s:s}", "schema", SCHEMA_THREE));
    put_id(ids, ID_FOUR, json_pack("{s:s}", "schema", SCHEMA_FOUR));
    put_id(ids, ID_PROTOBUF, json_pack("{s:s, s:s}", "schema",
                                       "syntax = \"proto3\";\nmessage P { string s = 1; }\n",
                                       "schemaType", "PROTOBUF"));
    put_id(ids, ID_OUTER, json_pack("{s:s, s:[o]}", "schema", SCHEMA_OUTER, "references",
                                    ref("Ref", "ref-value")));
    put_id(ids, ID_REF, json_pack("{s:s}", "schema", SCHEMA_REF));
    put_id(ids, ID_TOP, json_pack("{s:s, s:[o,o]}", "schema", SCHEMA_TOP, "references",
                                  ref("Left", "left-value"), ref("Right", "right-value")));
    put_id(ids, ID_LEFT, json_pack("{s:s, s:[o]}", "schema", SCHEMA_LEFT, "references",
                                   ref("Base", "base-value")));
    put_id(ids, ID_RIGHT, json_pack("{s:s, s:[o]}", "schema", SCHEMA_RIGHT, "references",
                                    ref("Base", "base-value")));
    put_id(ids, ID_BASE, json_pack("{s:s}", "schema", SCHEMA_BASE));
    put_id(ids, ID_BROKEN, json_pack("{s:s}", "schema", SCHEMA_BROKEN));
    put_id(ids, ID_SEALED,
           json_pack("{s:s, s:{s:[{s:s, s:s, s:s, s:s, s:{s:s}}]}}", "schema", SCHEMA_SEALED,
                     "ruleSet", "encodingRules", "name", "sealPayload", "kind", "TRANSFORM",
                     "mode", "WRITEREAD", "type", "ENCRYPT_PAYLOAD", "params",
                     "encrypt.kek.name", "test-kek"));
    if (with_late) put_id(ids, ID_LATE, json_pack("{s:s}", "schema", SCHEMA_LATE));

    json_t *subjects = json_object();
    put_subject(subjects, "ref-value", ID_REF);
    put_subject(subjects, "base-value", ID_BASE);
    put_subject(subjects, "left-value", ID_LEFT);
    put_subject(subjects, "right-value", ID_RIGHT);

    json_t *ctx1_ids = json_object();
    put_id(ctx1_ids, ID_DEFAULT, json_pack("{s:s}", "schema", SCHEMA_IN_CTX1));
    return json_pack("{s:{s:{s:o, s:o}, s:{s:o}}}", "contexts", ".", "ids", ids, "subjects",
                     subjects, ".ctx1", "ids", ctx1_ids);
}

/* ---- the server ------------------------------------------------------------------ */

static reg_group g_reg; /* the server, its directory and URL */

static void load_data(bool with_late)
{
    json_t *data = data_set(with_late);
    assert_non_null(data);
    char *body = json_dumps(data, JSON_COMPACT);
    assert_non_null(body);
    free(reg_control(&g_reg.server, "data", body));
    free(body);
    json_decref(data);
}

REG_GROUP_FIXTURES(g_reg, "cfavro-client-registry-", "e2e")

/* Each test starts with this file's data, no faults and no auth. */
static int clean_server(void **state)
{
    (void)state;
    reg_group_clean(&g_reg);
    load_data(false);
    return 0;
}

/* How many requests since `mark` were for `path` (and, when query is not
 * NULL, had exactly that query). */
static size_t count_requests(size_t mark, const char *path, const char *query)
{
    json_t *since = reg_requests_since(&g_reg.server, mark);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(since); i++) {
        json_t *req = json_array_get(since, i);
        if (strcmp(reg_str_at(req, "path", NULL), path) == 0 &&
            (query == NULL || strcmp(reg_str_at(req, "query", NULL), query) == 0))
            n++;
    }
    json_decref(since);
    return n;
}

static size_t requests_since(size_t mark)
{
    return reg_request_total(&g_reg.server) - mark;
}

/* Wait (up to 10 s) until the server has logged a request for `path`. */
static void wait_for_request(size_t mark, const char *path)
{
    for (int i = 0; i < 200; i++) {
        if (count_requests(mark, path, NULL) > 0) return;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    fail_msg("no request for %s reached the server", path);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- every message kept, for the credential scan ------------------------------------ */

#define MAX_MESSAGES 1024
static char g_messages[MAX_MESSAGES][CFAVRO_ERROR_MESSAGE_MAX + CFAVRO_ERROR_PATH_MAX + 16];
static size_t g_nmessages;
static pthread_mutex_t g_messages_lock = PTHREAD_MUTEX_INITIALIZER;

static void keep_message(const cfavro_error *err)
{
    if (err == NULL || err->status == CFAVRO_OK) return;
    pthread_mutex_lock(&g_messages_lock);
    if (g_nmessages < MAX_MESSAGES)
        snprintf(g_messages[g_nmessages++], sizeof g_messages[0], "%d %s | %s", err->status,
                 err->message, err->path);
    pthread_mutex_unlock(&g_messages_lock);
}

/* ---- clients, decoders, messages ----------------------------------------------------- */

/* A client from opts = {key, value, ..., NULL} set with cfavro_config_set. */
static cfavro_client *make_client(const char *const *opts)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    for (size_t i = 0; opts && opts[i]; i += 2) {
        if (cfavro_config_set(cfg, opts[i], opts[i + 1], &err) != CFAVRO_OK)
            fail_msg("%s: %s", opts[i], err.message);
    }
    cfavro_client *c = cfavro_client_new(cfg, &err);
    keep_message(&err);
    cfavro_config_free(cfg);
    if (c == NULL) fail_msg("cfavro_client_new: %s", err.message);
    return c;
}

/* A client from opts that must fail with CFAVRO_E_CONFIG saying `says`. */
static void expect_client_error(const char *const *opts, const char *says)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    for (size_t i = 0; opts && opts[i]; i += 2) {
        assert_int_equal(cfavro_config_set(cfg, opts[i], opts[i + 1], &err), CFAVRO_OK);
    }
    assert_null(cfavro_client_new(cfg, &err));
    keep_message(&err);
    cfavro_config_free(cfg);
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    assert_contains(err.message, says);
}

static cfavro_decoder *make_decoder(cfavro_client *c)
{
    cfavro_error err;
    cfavro_decoder *d = cfavro_decoder_new(c, &err);
    if (d == NULL) fail_msg("cfavro_decoder_new: %s", err.message);
    return d;
}

/* A V0 message: header for `id`, then payload[0..n). */
static bb v0_message(int32_t id, const void *payload, size_t n)
{
    bb m = {0};
    bb_header(&m, id);
    bb_raw(&m, payload, n);
    return m;
}

/* Decode a V0 message to JSON; *json is the decoder's (NULL on failure). Keeps
 * the failure's message. */
static int decode_v0(cfavro_decoder *d, int32_t id, const void *payload, size_t n,
                     const char **json)
{
    bb m = v0_message(id, payload, n);
    size_t len = 0;
    int rc = cfavro_decode_json(d, m.d, m.n, json, &len);
    bb_free(&m);
    assert_int_equal(cfavro_decoder_error(d)->status, rc);
    keep_message(cfavro_decoder_error(d));
    return rc;
}

/* decode_v0 that must succeed with `expected`. */
static void expect_json(cfavro_decoder *d, int32_t id, const void *payload, size_t n,
                        const char *expected)
{
    const char *json = NULL;
    int rc = decode_v0(d, id, payload, n, &json);
    if (rc != CFAVRO_OK)
        fail_msg("id %d: status %d: %s", id, rc, cfavro_decoder_error(d)->message);
    assert_string_equal(json, expected);
}

/* decode_v0 that must fail with `status`. */
static void expect_failure(cfavro_decoder *d, int32_t id, const void *payload, size_t n,
                           int status)
{
    const char *json = (const char *)1;
    int rc = decode_v0(d, id, payload, n, &json);
    if (rc != status)
        fail_msg("id %d: expected status %d, got %d: %s", id, status, rc,
                 cfavro_decoder_error(d)->message);
    assert_null(json);
    assert_int_equal(cfavro_decoder_error(d)->schema_id, id);
}

static int prefetch(cfavro_client *c, int32_t id, cfavro_error *err)
{
    int rc = cfavro_client_prefetch(c, id, err);
    assert_int_equal(err->status, rc);
    keep_message(err);
    return rc;
}

/* The Avro bytes of one int/long field holding v. */
#define ONE_LONG(v) (const uint8_t[]){(uint8_t)((v) * 2)}, 1 /* 0 <= v < 64 */

/* ---- the cache listing --------------------------------------------------------------- */

typedef struct listed {
    int state, origin, is_guid, error_status;
    int32_t id;
    uint8_t guid[CFAVRO_GUID_SIZE];
    char context[64];
    char name[128];
} listed;

typedef struct listing {
    listed items[64];
    size_t n;
} listing;

static int collect_item(void *arg, const cfavro_cache_item *item)
{
    listing *l = arg;
    if (l->n == sizeof l->items / sizeof l->items[0]) return 1;
    listed *x = &l->items[l->n++];
    x->state = item->state;
    x->origin = item->origin;
    x->is_guid = item->is_guid;
    x->error_status = item->error_status;
    x->id = item->schema_id;
    memcpy(x->guid, item->guid, CFAVRO_GUID_SIZE);
    snprintf(x->context, sizeof x->context, "%s", item->context ? item->context : "(null)");
    snprintf(x->name, sizeof x->name, "%s", item->name ? item->name : "(null)");
    return 0;
}

static listing list_cache(cfavro_client *c)
{
    listing l;
    memset(&l, 0, sizeof l);
    cfavro_error err;
    assert_int_equal(cfavro_client_cache_list(c, collect_item, &l, &err), CFAVRO_OK);
    return l;
}

/* The listed item for id (guid NULL) or guid; fails the test when absent. */
static const listed *find_listed(const listing *l, int32_t id, const uint8_t *guid)
{
    for (size_t i = 0; i < l->n; i++) {
        const listed *x = &l->items[i];
        if (guid == NULL && !x->is_guid && x->id == id) return x;
        if (guid != NULL && x->is_guid && memcmp(x->guid, guid, CFAVRO_GUID_SIZE) == 0) return x;
    }
    fail_msg("id %d / a guid is not in the cache listing (%zu items)", id, l->n);
    static const listed none; /* not reached: fail_msg ends the test */
    return &none;
}

/* ---- 1. an id only the registry knows ------------------------------------------------ */

static void test_v0_id_only_in_registry(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);
    expect_json(d, ID_DEFAULT, ONE_LONG(21), "{\"a\":21}");
    assert_int_equal(count_requests(mark, "/schemas/ids/1", ""), 1);

    listing l = list_cache(c);
    assert_int_equal(l.n, 1);
    const listed *x = find_listed(&l, ID_DEFAULT, NULL);
    assert_int_equal(x->state, CFAVRO_CACHE_READY);
    assert_int_equal(x->origin, CFAVRO_ORIGIN_REGISTRY);
    assert_string_equal(x->name, "e2e.Default");
    assert_string_equal(x->context, "");

    /* Again, with another decoder and with validate: no second request. */
    expect_json(d, ID_DEFAULT, ONE_LONG(5), "{\"a\":5}");
    cfavro_decoder *d2 = make_decoder(c);
    bb m = v0_message(ID_DEFAULT, ONE_LONG(7));
    assert_int_equal(cfavro_validate(d2, m.d, m.n), CFAVRO_OK);
    bb_free(&m);
    assert_int_equal(requests_since(mark), 1);
    cfavro_decoder_free(d2);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 2. contexts ---------------------------------------------------------------------- */

static void test_contexts_same_id_different_schemas(void **state)
{
    (void)state;
    char prefixed[128];
    snprintf(prefixed, sizeof prefixed, "%s/contexts/.ctx1", g_reg.url);
    cfavro_client *plain = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_client *in_ctx = make_client(OPTS("schema.registry.url", g_reg.url,
                                             "schema.registry.context", ".ctx1"));
    cfavro_client *by_url = make_client(OPTS("schema.registry.url", prefixed));
    cfavro_decoder *dp = make_decoder(plain), *dc = make_decoder(in_ctx),
                   *du = make_decoder(by_url);

    /* The same bytes: id 1, then 21 as an Avro int (default) or long (.ctx1). */
    size_t mark = reg_request_total(&g_reg.server);
    expect_json(dp, ID_DEFAULT, ONE_LONG(21), "{\"a\":21}");
    expect_json(dc, ID_DEFAULT, ONE_LONG(21), "{\"b\":21}");
    expect_json(du, ID_DEFAULT, ONE_LONG(21), "{\"b\":21}");
    assert_int_equal(count_requests(mark, "/schemas/ids/1", ""), 1);
    assert_int_equal(count_requests(mark, "/schemas/ids/1", "subject=%3A.ctx1%3A"), 1);
    assert_int_equal(count_requests(mark, "/contexts/.ctx1/schemas/ids/1", ""), 1);
    assert_int_equal(requests_since(mark), 3);

    listing l = list_cache(in_ctx);
    const listed *x = find_listed(&l, ID_DEFAULT, NULL);
    assert_string_equal(x->context, ".ctx1");
    assert_string_equal(x->name, "e2e.InCtx1");
    l = list_cache(plain);
    assert_string_equal(find_listed(&l, ID_DEFAULT, NULL)->name, "e2e.Default");
    /* A /contexts/ URL makes its context the client's (listing, file names). */
    l = list_cache(by_url);
    assert_string_equal(find_listed(&l, ID_DEFAULT, NULL)->context, ".ctx1");
    assert_string_equal(find_listed(&l, ID_DEFAULT, NULL)->name, "e2e.InCtx1");

    /* An id only the default context has is not found in .ctx1, either way. */
    expect_failure(dc, ID_STRING, "\x02x", 2, CFAVRO_E_SCHEMA_NOT_FOUND);
    expect_failure(du, ID_STRING, "\x02x", 2, CFAVRO_E_SCHEMA_NOT_FOUND);
    expect_json(dp, ID_STRING, "\x02x", 2, "\"x\"");

    cfavro_decoder_free(dp);
    cfavro_decoder_free(dc);
    cfavro_decoder_free(du);
    cfavro_client_free(plain);
    cfavro_client_free(in_ctx);
    cfavro_client_free(by_url);

    /* The same context said twice is fine (percent-encoded in the URL, and
     * as the setting); two different ones are a configuration error, as are
     * failover URLs naming different contexts. */
    char encoded[128], both[256];
    snprintf(encoded, sizeof encoded, "%s/contexts/%%2Ectx1/", g_reg.url);
    cfavro_client *same = make_client(OPTS("schema.registry.url", encoded,
                                           "schema.registry.context", ".ctx1"));
    cfavro_decoder *ds = make_decoder(same);
    expect_json(ds, ID_DEFAULT, ONE_LONG(21), "{\"b\":21}");
    l = list_cache(same);
    assert_string_equal(find_listed(&l, ID_DEFAULT, NULL)->context, ".ctx1");
    cfavro_decoder_free(ds);
    cfavro_client_free(same);
    expect_client_error(OPTS("schema.registry.url", prefixed, "schema.registry.context", ".ctx2"),
                        "schema.registry.context \".ctx2\" differs from the context the "
                        "schema.registry.url names (\".ctx1\")");
    snprintf(both, sizeof both, "%s,%s", prefixed, g_reg.url);
    expect_client_error(OPTS("schema.registry.url", both),
                        "the URLs name different contexts (URL 2 names \"\", URL 1 \".ctx1\")");
}

/* ---- 3. GUIDs: V1 frames and header mode ------------------------------------------------ */

static void test_guid_v1_frame_and_header_mode(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);

    /* A V1 frame. */
    uint8_t msg[CFAVRO_HEADER_V1_SIZE + 1];
    assert_int_equal(cfavro_frame_write_v1(guid_default, msg, sizeof msg), CFAVRO_OK);
    msg[CFAVRO_HEADER_V1_SIZE] = 42; /* 21 */
    const char *json = NULL;
    size_t len = 0;
    assert_int_equal(cfavro_decode_json(d, msg, sizeof msg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"a\":21}");
    assert_int_equal(count_requests(mark, "/schemas/guids/" GUID_DEFAULT, ""), 1);

    /* Header mode with the same 17 bytes: a hit, no request. */
    const uint8_t payload[] = {84}; /* 42 */
    cfavro_frame frame;
    cfavro_error err;
    assert_int_equal(cfavro_frame_parse_header(msg, CFAVRO_HEADER_V1_SIZE, payload,
                                               sizeof payload, &frame, &err),
                     CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(d, &frame, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"a\":42}");
    assert_int_equal(requests_since(mark), 1);

    /* Header mode with 5 V0 bytes: looked up by id. */
    uint8_t v0[CFAVRO_HEADER_V0_SIZE];
    assert_int_equal(cfavro_frame_write_v0(ID_STRING, v0, sizeof v0), CFAVRO_OK);
    const uint8_t text[] = {0x04, 'h', 'i'};
    assert_int_equal(cfavro_frame_parse_header(v0, sizeof v0, text, sizeof text, &frame, &err),
                     CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(d, &frame, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "\"hi\"");
    assert_int_equal(count_requests(mark, "/schemas/ids/2", ""), 1);

    /* Prefetch by GUID: one request; decoding it afterwards, none. */
    size_t before = reg_request_total(&g_reg.server);
    assert_int_equal(cfavro_client_prefetch_guid(c, guid_string, &err), CFAVRO_OK);
    assert_int_equal(count_requests(before, "/schemas/guids/" GUID_STRING, ""), 1);
    assert_int_equal(cfavro_frame_write_v1(guid_string, msg, sizeof msg), CFAVRO_OK);
    assert_int_equal(cfavro_frame_parse_header(msg, CFAVRO_HEADER_V1_SIZE, text, sizeof text,
                                               &frame, &err),
                     CFAVRO_OK);
    assert_int_equal(cfavro_decode_frame_json(d, &frame, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "\"hi\"");
    assert_int_equal(requests_since(before), 1);

    listing l = list_cache(c);
    assert_int_equal(l.n, 3);
    const listed *x = find_listed(&l, 0, guid_default);
    assert_int_equal(x->origin, CFAVRO_ORIGIN_REGISTRY);
    assert_string_equal(x->name, "e2e.Default");
    assert_string_equal(find_listed(&l, 0, guid_string)->name, "string");
    assert_string_equal(find_listed(&l, ID_STRING, NULL)->name, "string");

    /* A GUID the registry does not know: not found, the GUID in the message. */
    static const uint8_t unknown[CFAVRO_GUID_SIZE] = {0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(cfavro_client_prefetch_guid(c, unknown, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    keep_message(&err);
    assert_contains(err.message, "deadbeef");
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 4. remembered failures -------------------------------------------------------------- */

static void test_not_found_remembered_for_ttl(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url,
                                        "cfavro.registry.negative.ttl.ms", "200"));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);
    for (int i = 0; i < 100; i++) expect_failure(d, ID_LATE, ONE_LONG(1), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(count_requests(mark, "/schemas/ids/30", ""), 1);
    assert_int_equal(requests_since(mark), 1);
    listing l = list_cache(c);
    const listed *x = find_listed(&l, ID_LATE, NULL);
    assert_int_equal(x->state, CFAVRO_CACHE_FAILED);
    assert_int_equal(x->error_status, CFAVRO_E_SCHEMA_NOT_FOUND);

    /* Past the TTL: asked again (still absent), then remembered again. */
    sleep_ms(260);
    for (int i = 0; i < 10; i++) expect_failure(d, ID_LATE, ONE_LONG(1), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(requests_since(mark), 2);

    /* Registered meanwhile: once the TTL is over it decodes. */
    load_data(true);
    expect_failure(d, ID_LATE, ONE_LONG(1), CFAVRO_E_SCHEMA_NOT_FOUND); /* still remembered */
    assert_int_equal(requests_since(mark), 2);
    sleep_ms(260);
    expect_json(d, ID_LATE, ONE_LONG(3), "{\"e\":3}");
    expect_json(d, ID_LATE, ONE_LONG(4), "{\"e\":4}");
    assert_int_equal(count_requests(mark, "/schemas/ids/30", ""), 3);
    l = list_cache(c);
    assert_int_equal(find_listed(&l, ID_LATE, NULL)->state, CFAVRO_CACHE_READY);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

static void test_bad_and_unsupported_schemas_remembered(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);
    for (int i = 0; i < 50; i++) expect_failure(d, ID_BROKEN, ONE_LONG(1), CFAVRO_E_SCHEMA_INVALID);
    assert_contains(cfavro_decoder_error(d)->message, "from the registry");
    for (int i = 0; i < 50; i++)
        expect_failure(d, ID_PROTOBUF, ONE_LONG(1), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_contains(cfavro_decoder_error(d)->message, "PROTOBUF");
    cfavro_error err;
    assert_int_equal(prefetch(c, ID_PROTOBUF, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_int_equal(prefetch(c, ID_BROKEN, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_int_equal(count_requests(mark, "/schemas/ids/40", ""), 1);
    assert_int_equal(count_requests(mark, "/schemas/ids/5", ""), 1);
    assert_int_equal(requests_since(mark), 2);

    listing l = list_cache(c);
    const listed *x = find_listed(&l, ID_BROKEN, NULL);
    assert_int_equal(x->state, CFAVRO_CACHE_FAILED);
    assert_int_equal(x->error_status, CFAVRO_E_SCHEMA_INVALID);
    assert_string_equal(x->name, "");
    x = find_listed(&l, ID_PROTOBUF, NULL);
    assert_int_equal(x->state, CFAVRO_CACHE_FAILED);
    assert_int_equal(x->error_status, CFAVRO_E_SCHEMA_UNSUPPORTED);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 5. single flight and no lock across a fetch ------------------------------------------- */

#define NTHREADS 8

typedef struct racer {
    cfavro_client *client;
    pthread_barrier_t *start;
    int32_t id;
    int status;
    char json[64];
    cfavro_error err;
} racer;

/* A thread with its own decoder decoding one V0 message of r->id. No cmocka
 * assertions here (not the test's thread). */
static void *decode_on_thread(void *arg)
{
    racer *r = arg;
    cfavro_decoder *d = cfavro_decoder_new(r->client, &r->err);
    if (r->start) pthread_barrier_wait(r->start);
    if (d == NULL) {
        r->status = r->err.status;
        return NULL;
    }
    uint8_t msg[CFAVRO_HEADER_V0_SIZE + 1];
    cfavro_frame_write_v0(r->id, msg, sizeof msg);
    msg[CFAVRO_HEADER_V0_SIZE] = 2 * 11;
    const char *json = NULL;
    size_t len = 0;
    r->status = cfavro_decode_json(d, msg, sizeof msg, &json, &len);
    if (json) snprintf(r->json, sizeof r->json, "%s", json);
    r->err = *cfavro_decoder_error(d);
    keep_message(&r->err);
    cfavro_decoder_free(d);
    return NULL;
}

/* Join `t` or fail the test after timeout_s: a deadlock fails, not hangs. */
static void join_within(pthread_t t, double timeout_s, const char *what)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)timeout_s;
    until.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = pthread_timedjoin_np(t, NULL, &until);
    if (rc != 0) fail_msg("%s did not finish within %.1f s (%s)", what, timeout_s, strerror(rc));
}

static void test_single_flight_across_decoders(void **state)
{
    (void)state;
    reg_set_faults(&g_reg.server, "[{\"kind\": \"delay\", \"ms\": 400, \"path\": \"/schemas/ids/1$\"}]");
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    size_t mark = reg_request_total(&g_reg.server);
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
    racer racers[NTHREADS];
    pthread_t threads[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        racers[i] = (racer){.client = c, .start = &start, .id = ID_DEFAULT, .status = -1};
        assert_int_equal(pthread_create(&threads[i], NULL, decode_on_thread, &racers[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) join_within(threads[i], 20, "a decoding thread");
    pthread_barrier_destroy(&start);
    for (int i = 0; i < NTHREADS; i++) {
        if (racers[i].status != CFAVRO_OK)
            fail_msg("thread %d: %d %s", i, racers[i].status, racers[i].err.message);
        assert_string_equal(racers[i].json, "{\"a\":11}");
    }
    assert_int_equal(count_requests(mark, "/schemas/ids/1", NULL), 1);
    assert_int_equal(requests_since(mark), 1);
    cfavro_client_free(c);
}

typedef struct bystander {
    cfavro_client *client;
    atomic_int *hung_done; /* set by the hung lookup's thread when it returns */
    int hit_ok, load_status, hung_done_when_finished;
    char load_json[64];
} bystander;

/* While another thread's fetch hangs: 100 hits on the cached id 1, then a
 * full load of id 2 (twice: the second a hit). */
static void *serve_others(void *arg)
{
    bystander *b = arg;
    cfavro_error err;
    cfavro_decoder *d = cfavro_decoder_new(b->client, &err);
    if (d == NULL) return NULL;
    uint8_t msg[CFAVRO_HEADER_V0_SIZE + 3];
    cfavro_frame_write_v0(ID_DEFAULT, msg, sizeof msg);
    msg[CFAVRO_HEADER_V0_SIZE] = 2;
    const char *json;
    size_t len;
    for (int i = 0; i < 100; i++)
        if (cfavro_decode_json(d, msg, CFAVRO_HEADER_V0_SIZE + 1, &json, &len) == CFAVRO_OK)
            b->hit_ok++;
    cfavro_frame_write_v0(ID_STRING, msg, sizeof msg);
    msg[CFAVRO_HEADER_V0_SIZE] = 2;
    msg[CFAVRO_HEADER_V0_SIZE + 1] = 'z';
    b->load_status = cfavro_decode_json(d, msg, CFAVRO_HEADER_V0_SIZE + 2, &json, &len);
    if (b->load_status == CFAVRO_OK) {
        b->load_status = cfavro_decode_json(d, msg, CFAVRO_HEADER_V0_SIZE + 2, &json, &len);
        if (b->load_status == CFAVRO_OK) snprintf(b->load_json, sizeof b->load_json, "%s", json);
    }
    keep_message(cfavro_decoder_error(d));
    b->hung_done_when_finished = atomic_load(b->hung_done);
    cfavro_decoder_free(d);
    return NULL;
}

typedef struct hung_lookup {
    racer r;
    atomic_int *done;
} hung_lookup;

static void *decode_hung(void *arg)
{
    hung_lookup *h = arg;
    decode_on_thread(&h->r);
    atomic_store(h->done, 1);
    return NULL;
}

static void test_hit_and_other_miss_served_while_a_fetch_hangs(void **state)
{
    (void)state;
    reg_set_faults(&g_reg.server, "[{\"kind\": \"hang\", \"path\": \"/schemas/ids/3$\"}]");
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "request.timeout.ms",
                                        "3000", "max.retries", "0"));
    cfavro_error err;
    assert_int_equal(prefetch(c, ID_DEFAULT, &err), CFAVRO_OK); /* A cached */
    size_t mark = reg_request_total(&g_reg.server);

    atomic_int hung_done = 0;
    hung_lookup h = {.r = {.client = c, .id = ID_THREE, .status = -1}, .done = &hung_done};
    pthread_t hung;
    double start = now_s();
    assert_int_equal(pthread_create(&hung, NULL, decode_hung, &h), 0);
    wait_for_request(mark, "/schemas/ids/3"); /* B's fetch is out and hanging */

    bystander b = {.client = c, .hung_done = &hung_done};
    pthread_t other;
    assert_int_equal(pthread_create(&other, NULL, serve_others, &b), 0);
    join_within(other, 2.5, "a hit and another id's load while one fetch hangs");
    assert_int_equal(b.hit_ok, 100);
    assert_int_equal(b.load_status, CFAVRO_OK);
    assert_string_equal(b.load_json, "\"z\"");
    assert_int_equal(b.hung_done_when_finished, 0); /* B was still hanging */
    assert_int_equal(count_requests(mark, "/schemas/ids/2", NULL), 1);

    /* B ends at request.timeout.ms, as unavailable. */
    join_within(hung, 10, "the hung lookup");
    assert_int_equal(h.r.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_true(now_s() - start >= 2.5);
    assert_int_equal(count_requests(mark, "/schemas/ids/3", NULL), 1);
    cfavro_client_free(c);
}

/* ---- 6. the registry down ------------------------------------------------------------------ */

static void test_registry_down_cached_ids_keep_decoding(void **state)
{
    (void)state;
    /* The breaker opens after max.retries + 1 = 2 failed attempts and stays
     * open for retries.wait.ms. */
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "max.retries", "1",
                                        "retries.wait.ms", "1500", "retries.max.wait.ms", "20"));
    cfavro_decoder *d = make_decoder(c);
    expect_json(d, ID_DEFAULT, ONE_LONG(1), "{\"a\":1}");
    expect_json(d, ID_STRING, "\x02y", 2, "\"y\"");

    reg_set_faults(&g_reg.server, "[{\"kind\": \"status\", \"status\": 503}]");
    size_t mark = reg_request_total(&g_reg.server);
    int decoded = 0;
    for (int i = 0; i < 500; i++) {
        const char *json;
        if (decode_v0(d, ID_DEFAULT, ONE_LONG(2), &json) == CFAVRO_OK) decoded++;
        if (decode_v0(d, ID_STRING, "\x02y", 2, &json) == CFAVRO_OK) decoded++;
    }
    assert_int_equal(decoded, 1000);
    assert_int_equal(requests_since(mark), 0);

    /* An uncached id: unavailable, after one lookup's attempts. */
    expect_failure(d, ID_THREE, ONE_LONG(1), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(count_requests(mark, "/schemas/ids/3", NULL), 2);
    assert_int_equal(requests_since(mark), 2);

    /* The breaker is open: later misses fail at once, nothing is sent. */
    mark = reg_request_total(&g_reg.server);
    double start = now_s();
    expect_failure(d, ID_FOUR, ONE_LONG(1), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(cfavro_decoder_error(d)->message, "not sent");
    expect_failure(d, ID_THREE, ONE_LONG(1), CFAVRO_E_REGISTRY_UNAVAILABLE); /* not remembered */
    cfavro_error err;
    assert_int_equal(prefetch(c, ID_OUTER, &err), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_true(now_s() - start < 1.0);
    assert_int_equal(requests_since(mark), 0);
    /* Cached ids still decode. */
    expect_json(d, ID_DEFAULT, ONE_LONG(3), "{\"a\":3}");

    /* The registry is back: after the cool-down the miss is fetched. */
    reg_set_faults(&g_reg.server, "[]");
    sleep_ms(1600);
    expect_json(d, ID_THREE, "\x02q", 2, "{\"c\":\"q\"}");
    assert_int_equal(requests_since(mark), 1);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

static void test_registry_rate_limited_fails_fast(void **state)
{
    (void)state;
    /* 429 with Retry-After 1 s and no retries allowed: the lookup gives up
     * as rate limited, and the breaker holds later misses for the hint (1 s,
     * within retries.max.wait.ms, which caps it). */
    reg_set_faults(&g_reg.server, "[{\"kind\": \"rate_limit\", \"retry_after\": 1, \"reset\": 1}]");
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "max.retries", "0",
                                        "retries.wait.ms", "10", "retries.max.wait.ms", "5000"));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);
    expect_failure(d, ID_THREE, ONE_LONG(1), CFAVRO_E_REGISTRY_RATE_LIMITED);
    assert_int_equal(requests_since(mark), 1);
    expect_failure(d, ID_FOUR, ONE_LONG(1), CFAVRO_E_REGISTRY_RATE_LIMITED);
    expect_failure(d, ID_THREE, ONE_LONG(1), CFAVRO_E_REGISTRY_RATE_LIMITED);
    assert_int_equal(requests_since(mark), 1);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 7. persistence ------------------------------------------------------------------------ */

/* The names in dir (sorted, joined by spaces), "." and ".." left out. */
static void dir_names(const char *dir, char *out, size_t cap)
{
    char *names[32];
    size_t n = 0;
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    while ((de = readdir(dp)) != NULL && n < 32) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        names[n++] = strdup(de->d_name);
    }
    closedir(dp);
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of names */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
}

static void assert_file_text(const char *dir, const char *name, const char *expected)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("%s: %s", path, strerror(errno));
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, expected);
}

static void test_persisted_schemas_survive_an_outage(void **state)
{
    (void)state;
    char dir[256];
    make_temp_dir(dir, sizeof dir, "cfavro-persist-");
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url,
                                        "cfavro.registry.persist.dir", dir));
    cfavro_client *cc = make_client(OPTS("schema.registry.url", g_reg.url,
                                         "cfavro.registry.persist.dir", dir,
                                         "schema.registry.context", ".ctx1"));
    cfavro_decoder *d = make_decoder(c), *dc = make_decoder(cc);
    expect_json(d, ID_DEFAULT, ONE_LONG(1), "{\"a\":1}");
    expect_json(d, ID_STRING, "\x02s", 2, "\"s\"");
    expect_json(dc, ID_DEFAULT, ONE_LONG(1), "{\"b\":1}");
    cfavro_error err;
    assert_int_equal(cfavro_client_prefetch_guid(c, guid_default, &err), CFAVRO_OK);
    /* A schema with references decodes but is not persisted: its text does
     * not compile on its own. */
    expect_json(d, ID_OUTER, "\x02t", 2, "{\"r\":{\"s\":\"t\"}}");
    cfavro_decoder_free(d);
    cfavro_decoder_free(dc);
    cfavro_client_free(c);
    cfavro_client_free(cc);

    /* Exactly these files: no temporary file left, nothing for id 10. */
    char names[1024];
    dir_names(dir, names, sizeof names);
    assert_string_equal(names, GUID_DEFAULT ".avsc 1.avsc 2.avsc :.ctx1:1.avsc");
    assert_file_text(dir, "1.avsc", SCHEMA_DEFAULT);
    assert_file_text(dir, "2.avsc", SCHEMA_STRING);
    assert_file_text(dir, ":.ctx1:1.avsc", SCHEMA_IN_CTX1);
    assert_file_text(dir, GUID_DEFAULT ".avsc", SCHEMA_DEFAULT);

    /* A restart during an outage: the registry URL is dead. */
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", reg_dead_port());
    c = make_client(OPTS("schema.registry.url", dead, "cfavro.registry.persist.dir", dir,
                         "max.retries", "0"));
    cc = make_client(OPTS("schema.registry.url", dead, "cfavro.registry.persist.dir", dir,
                          "schema.registry.context", ".ctx1", "max.retries", "0"));
    d = make_decoder(c);
    dc = make_decoder(cc);
    expect_json(d, ID_DEFAULT, ONE_LONG(9), "{\"a\":9}");
    expect_json(d, ID_STRING, "\x02s", 2, "\"s\"");
    expect_json(dc, ID_DEFAULT, ONE_LONG(9), "{\"b\":9}");
    uint8_t msg[CFAVRO_HEADER_V1_SIZE + 1];
    assert_int_equal(cfavro_frame_write_v1(guid_default, msg, sizeof msg), CFAVRO_OK);
    msg[CFAVRO_HEADER_V1_SIZE] = 2 * 8;
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(d, msg, sizeof msg, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"a\":8}");
    /* The id with references was not kept: the dead registry is asked. */
    expect_failure(d, ID_OUTER, "\x02t", 2, CFAVRO_E_REGISTRY_UNAVAILABLE);

    listing l = list_cache(c);
    assert_int_equal(find_listed(&l, ID_DEFAULT, NULL)->origin, CFAVRO_ORIGIN_PERSISTED);
    assert_int_equal(find_listed(&l, ID_STRING, NULL)->origin, CFAVRO_ORIGIN_PERSISTED);
    assert_int_equal(find_listed(&l, 0, guid_default)->origin, CFAVRO_ORIGIN_PERSISTED);
    l = list_cache(cc);
    const listed *x = find_listed(&l, ID_DEFAULT, NULL);
    assert_int_equal(x->origin, CFAVRO_ORIGIN_PERSISTED);
    assert_string_equal(x->context, ".ctx1");
    assert_string_equal(x->name, "e2e.InCtx1");
    cfavro_decoder_free(d);
    cfavro_decoder_free(dc);
    cfavro_client_free(c);
    cfavro_client_free(cc);
    reg_remove_dir(dir);
}

/* A base URL under /contexts/.ctx1 serves that context's id 1: it is kept
 * as :.ctx1:1.avsc, never as 1.avsc (which would later decode the default
 * context's id 1 with the wrong schema). A .ctx1 client finds it with the
 * registry down; a default-context client does not. */
static void test_context_url_ids_persisted_in_their_context(void **state)
{
    (void)state;
    char dir[256], prefixed[128];
    make_temp_dir(dir, sizeof dir, "cfavro-persist-ctx-");
    snprintf(prefixed, sizeof prefixed, "%s/contexts/.ctx1", g_reg.url);
    cfavro_client *c = make_client(OPTS("schema.registry.url", prefixed,
                                        "cfavro.registry.persist.dir", dir));
    cfavro_decoder *d = make_decoder(c);
    expect_json(d, ID_DEFAULT, ONE_LONG(1), "{\"b\":1}");
    cfavro_error err;
    assert_int_equal(cfavro_client_prefetch_guid(c, guid_default, &err), CFAVRO_OK);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
    char names[512];
    dir_names(dir, names, sizeof names);
    assert_string_equal(names, GUID_DEFAULT ".avsc :.ctx1:1.avsc");

    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", reg_dead_port());
    c = make_client(OPTS("schema.registry.url", dead, "cfavro.registry.persist.dir", dir,
                         "max.retries", "0"));
    d = make_decoder(c);
    expect_failure(d, ID_DEFAULT, ONE_LONG(1), CFAVRO_E_REGISTRY_UNAVAILABLE);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
    c = make_client(OPTS("schema.registry.url", dead, "schema.registry.context", ".ctx1",
                         "cfavro.registry.persist.dir", dir, "max.retries", "0"));
    d = make_decoder(c);
    expect_json(d, ID_DEFAULT, ONE_LONG(1), "{\"b\":1}");
    cfavro_decoder_free(d);
    cfavro_client_free(c);
    reg_remove_dir(dir);
}

/* ---- 8. references ------------------------------------------------------------------------- */

static void test_references_and_a_diamond(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_decoder *d = make_decoder(c);
    size_t mark = reg_request_total(&g_reg.server);
    expect_json(d, ID_OUTER, "\x02t", 2, "{\"r\":{\"s\":\"t\"}}");
    assert_int_equal(count_requests(mark, "/subjects/ref-value/versions/1", NULL), 1);

    /* Top -> Left, Right; both -> Base: Base fetched once. */
    mark = reg_request_total(&g_reg.server);
    expect_json(d, ID_TOP, BYTES(0x02, 0x04), "{\"l\":{\"b\":{\"x\":1}},\"r\":{\"b\":{\"x\":2}}}");
    assert_int_equal(count_requests(mark, "/schemas/ids/20", NULL), 1);
    assert_int_equal(count_requests(mark, "/subjects/left-value/versions/1", NULL), 1);
    assert_int_equal(count_requests(mark, "/subjects/right-value/versions/1", NULL), 1);
    assert_int_equal(count_requests(mark, "/subjects/base-value/versions/1", NULL), 1);
    assert_int_equal(requests_since(mark), 4);
    listing l = list_cache(c);
    assert_string_equal(find_listed(&l, ID_TOP, NULL)->name, "Top");
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* A schema's references share one request.timeout.ms: three reference
 * fetches of 300 ms each fit one by one in a 500 ms timeout, but not
 * together, so the load fails (402, not remembered) instead of taking as
 * many timeouts as there are references. */
static void test_references_share_one_deadline(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url, "request.timeout.ms",
                                        "500", "max.retries", "0"));
    cfavro_decoder *d = make_decoder(c);
    reg_set_faults(&g_reg.server,
                   "[{\"kind\": \"delay\", \"ms\": 300, \"path\": \"^/subjects/\"}]");
    size_t mark = reg_request_total(&g_reg.server);
    expect_failure(d, ID_TOP, BYTES(0x02, 0x04), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(cfavro_decoder_error(d)->message,
                    "references took longer than request.timeout.ms (500 ms)");
    /* Two reference fetches went out; the third was not sent. */
    assert_int_equal(requests_since(mark), 3);
    reg_set_faults(&g_reg.server, "[]");
    expect_json(d, ID_TOP, BYTES(0x02, 0x04), "{\"l\":{\"b\":{\"x\":1}},\"r\":{\"b\":{\"x\":2}}}");
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 9. an encryption rule --------------------------------------------------------------------- */

static void test_encrypt_payload_rule_explains_data_failure(void **state)
{
    (void)state;
    cfavro_client *c = make_client(OPTS("schema.registry.url", g_reg.url));
    cfavro_decoder *d = make_decoder(c);
    /* Ciphertext, not a long: a varint that never ends. */
    expect_failure(d, ID_SEALED, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff),
                   CFAVRO_E_DATA_VARINT);
    const cfavro_error *e = cfavro_decoder_error(d);
    assert_int_equal(cfavro_status_class(e->status), CFAVRO_CLASS_DATA);
    if (strncmp(e->message, "encrypted by rule", 17) != 0)
        fail_msg("message does not start with the rule: %s", e->message);
    assert_contains(e->message, "sealPayload");
    /* Data that does decode is not affected. */
    expect_json(d, ID_SEALED, ONE_LONG(7), "{\"n\":7}");
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* ---- 10. credentials in failures ----------------------------------------------------------------- */

/* One failed decode and one failed prefetch (of another id) with a new
 * client made from opts; both messages kept for the scan. */
static void provoke(const char *const *opts, const char *what)
{
    cfavro_client *c = make_client(opts);
    cfavro_decoder *d = make_decoder(c);
    const char *json;
    int rc = decode_v0(d, ID_FOUR, ONE_LONG(1), &json); /* decodes when the lookup works */
    if (rc == CFAVRO_OK) fail_msg("%s: the decode did not fail", what);
    cfavro_error err;
    rc = prefetch(c, ID_THREE, &err);
    if (rc == CFAVRO_OK) fail_msg("%s: the prefetch did not fail", what);
    cfavro_decoder_free(d);
    cfavro_client_free(c);
}

/* Every failure for one way of authenticating (opts before the URL). */
static void provoke_all(const char *auth_key, const char *auth_value, const char *source_key,
                        const char *source_value)
{
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", reg_dead_port());
#define WITH(url)                                                                            \
    OPTS("schema.registry.url", url, auth_key, auth_value, source_key, source_value,        \
         "max.retries", "0", "retries.wait.ms", "10", "request.timeout.ms", "400")
    /* Credentials refused, then a forbidden path. */
    reg_set_auth(&g_reg.server, "{\"basic\": {\"user\": \"user\", \"password\": \"other\"},"
                            " \"bearer\": {\"token\": \"other\"}}");
    provoke(WITH(g_reg.url), "401");
    reg_set_auth(&g_reg.server, "{\"basic\": {\"user\": \"user\", \"password\": \"" E2E_PASSWORD "\"},"
                            " \"bearer\": {\"token\": \"" E2E_TOKEN "\"},"
                            " \"forbidden\": [\"/schemas/\"]}");
    provoke(WITH(g_reg.url), "403");
    reg_set_auth(&g_reg.server, "{}");
    static const char *const faults[] = {
        "[{\"kind\": \"status\", \"status\": 500}]",
        "[{\"kind\": \"status\", \"status\": 503, \"message\": \"try later\"}]",
        "[{\"kind\": \"html\", \"status\": 502}]",
        "[{\"kind\": \"html\", \"status\": 200}]",
        "[{\"kind\": \"invalid_json\"}]",
        "[{\"kind\": \"reset\"}]",
        "[{\"kind\": \"hang\"}]",
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        reg_set_faults(&g_reg.server, faults[i]);
        provoke(WITH(g_reg.url), faults[i]);
    }
    reg_set_faults(&g_reg.server, "[]");
    provoke(WITH(dead), "dead URL");
#undef WITH
}

static void test_no_secret_in_any_failure(void **state)
{
    (void)state;
    size_t before = g_nmessages;
    provoke_all("basic.auth.user.info", E2E_USER_INFO, "basic.auth.credentials.source",
                "USER_INFO");
    provoke_all("bearer.auth.token", E2E_TOKEN, "bearer.auth.credentials.source",
                "STATIC_TOKEN");
    /* The key password, over TLS to a server that speaks plain HTTP, and a
     * key file that does not exist. */
    char https[64], key[300];
    snprintf(https, sizeof https, "https://127.0.0.1:%d", g_reg.server.port);
    snprintf(key, sizeof key, "%s/absent.key", g_reg.dir);
    provoke(OPTS("schema.registry.url", https, "ssl.key.password", E2E_KEY_PASSWORD,
                 "ssl.key.location", key, "ssl.certificate.location", key, "max.retries", "0"),
            "TLS");
    provoke_all("ssl.key.password", E2E_KEY_PASSWORD, "ssl.key.location", key);
    /* Credentials in the URL itself, to a dead port. */
    char url[128];
    snprintf(url, sizeof url, "http://" E2E_USER_INFO "@127.0.0.1:%d", reg_dead_port());
    provoke(OPTS("schema.registry.url", url, "basic.auth.credentials.source", "URL",
                 "max.retries", "0"),
            "URL user info");
    assert_true(g_nmessages - before >= 40);

    static const char *const secrets[] = {E2E_PASSWORD, E2E_TOKEN, E2E_KEY_PASSWORD,
                                          PASSWORD,     TOKEN,     KEY_PASSWORD, NULL};
    reg_assert_no_secret(g_messages[0], sizeof g_messages[0], g_nmessages, secrets);
}

#define TEST(f) cmocka_unit_test_setup(f, clean_server)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_v0_id_only_in_registry),
        TEST(test_contexts_same_id_different_schemas),
        TEST(test_guid_v1_frame_and_header_mode),
        TEST(test_not_found_remembered_for_ttl),
        TEST(test_bad_and_unsupported_schemas_remembered),
        TEST(test_single_flight_across_decoders),
        TEST(test_hit_and_other_miss_served_while_a_fetch_hangs),
        TEST(test_registry_down_cached_ids_keep_decoding),
        TEST(test_registry_rate_limited_fails_fast),
        TEST(test_persisted_schemas_survive_an_outage),
        TEST(test_context_url_ids_persisted_in_their_context),
        TEST(test_references_share_one_deadline),
        TEST(test_references_and_a_diamond),
        TEST(test_encrypt_payload_rule_explains_data_failure),
        TEST(test_no_secret_in_any_failure), /* last: scans every message of the suite */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
