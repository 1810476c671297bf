/* The registry client (src/registry/registry_client.c) against the loopback
 * test registry (tests/registry/server.py), started by this test: request
 * paths and queries, headers, auth, what is retried and how (the server
 * timestamps every request, so waits are measured on its side), the overall
 * deadline, failover, the circuit breaker across threads, protocol errors.
 * Clients are configured through the settings table, as the library's own
 * client does. Every error message is kept and, last, scanned for the test
 * credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_client_internal.h"
#include "registry_server_support.h"
#include "registry_text_internal.h"
#include "settings_internal.h"
#include "test_support.h"


static reg_server g_server;
static char g_dir[256];
static char g_url[64]; /* http://127.0.0.1:<port> of the server */

static int setup(void **state)
{
    (void)state;
    reg_unset_proxy_env();
    make_temp_dir(g_dir, sizeof g_dir, "cfavro-registry-client-");
    g_server = reg_server_start(g_dir, "plain", NULL);
    snprintf(g_url, sizeof g_url, "http://127.0.0.1:%d", g_server.port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    reg_server_stop(&g_server);
    reg_remove_dir(g_dir);
    return 0;
}

/* Each test starts with no faults and no auth. */
static int clean_server(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[]");
    reg_set_auth(&g_server, "{}");
    return 0;
}

/* ---- clients and lookups, every message kept ------------------------------------ */

static char g_messages[512][CFAVRO_ERROR_MESSAGE_MAX];
static size_t g_nmessages;
static pthread_mutex_t g_messages_lock = PTHREAD_MUTEX_INITIALIZER;

static void keep_message(const cfavro_error *err)
{
    pthread_mutex_lock(&g_messages_lock);
    if (err->message[0] && g_nmessages < 512)
        memcpy(g_messages[g_nmessages++], err->message, CFAVRO_ERROR_MESSAGE_MAX);
    pthread_mutex_unlock(&g_messages_lock);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A client made as cfavro_client_new makes one: the table's defaults, then
 * opts = {key, value, ..., NULL} applied through their rows. */
static int try_client(const char *const *opts, cf_registry **out, cfavro_error *err)
{
    cf_registry_config rc;
    memset(&rc, 0, sizeof rc);
    cf_settings_target t = {.registry = &rc};
    assert_int_equal(cf_settings_apply_defaults(&t, NULL), CFAVRO_OK);
    for (size_t i = 0; opts && opts[i]; i += 2) {
        const cf_setting_row *row = NULL;
        if (cf_settings_check(opts[i], opts[i + 1], &row, err) != CFAVRO_OK)
            fail_msg("%s: %s", opts[i], err->message);
        assert_int_equal(cf_settings_apply(row, opts[i + 1], &t, err), CFAVRO_OK);
    }
    memset(err, 0x5a, sizeof *err);
    int status = cf_registry_new(&rc, out, err);
    keep_message(err);
    cf_registry_config_free(&rc);
    return status;
}

static cf_registry *client(const char *const *opts)
{
    cf_registry *r = NULL;
    cfavro_error err;
    if (try_client(opts, &r, &err) != CFAVRO_OK) fail_msg("cf_registry_new: %s", err.message);
    assert_non_null(r);
    return r;
}

static int get_id(cf_registry *r, int32_t id, cf_reg_schema *out, cfavro_error *err)
{
    memset(err, 0x5a, sizeof *err);
    int rc = cf_registry_get_id(r, id, out, err);
    assert_int_equal(err->status, rc);
    keep_message(err);
    return rc;
}

/* get_id that must fail with `status`; the schema stays empty. */
static void expect_id_error(cf_registry *r, int32_t id, int status, cfavro_error *err)
{
    cf_reg_schema s;
    int rc = get_id(r, id, &s, err);
    if (rc != status) fail_msg("id %d: expected status %d, got %d: %s", id, status, rc, err->message);
    assert_null(s.text.ptr);
    assert_true(err->offset == CFAVRO_NO_OFFSET);
    cf_reg_schema_free(&s);
}

/* The requests logged since `mark`, and their number. */
static size_t requests_since(size_t mark, json_t **out)
{
    json_t *since = reg_requests_since(&g_server, mark);
    size_t n = json_array_size(since);
    if (out) *out = since;
    else json_decref(since);
    return n;
}

static double request_time(json_t *requests, size_t i)
{
    return json_real_value(json_object_get(json_array_get(requests, i), "t"));
}

/* ---- requests -------------------------------------------------------------------- */

static void test_id_request_path_and_headers(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    assert_int_equal(cf_registry_url_count(r), 1);
    assert_string_equal(cf_registry_url_display(r, 0), g_url);
    assert_string_equal(cf_registry_url_display(r, 1), "");
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    assert_contains(s.text.ptr, "\"Default\"");
    assert_int_equal(s.type, CF_REG_TYPE_AVRO);
    assert_true(s.has_guid); /* sent only with Confluent-Accept-Unknown-Properties */
    cf_reg_schema_free(&s);

    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "method", NULL), "GET");
    assert_string_equal(reg_str_at(req, "path", NULL), "/schemas/ids/1");
    assert_string_equal(reg_str_at(req, "query", NULL), "");
    assert_string_equal(reg_str_at(req, "headers", "Accept"),
                        "application/vnd.schemaregistry.v1+json, "
                        "application/vnd.schemaregistry+json, application/json");
    assert_string_equal(reg_str_at(req, "headers", "Confluent-Accept-Unknown-Properties"),
                        "true");
    assert_string_equal(reg_str_at(req, "headers", "User-Agent"),
                        "cfavro/" CFAVRO_VERSION_STRING);
    assert_string_equal(reg_str_at(req, "auth", NULL), "none");
    json_decref(req);
    cf_registry_free(r);
}

static void test_id_in_a_context(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "schema.registry.context", ".ctx1"));
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    assert_contains(s.text.ptr, "InCtx1"); /* not the default context's id 1 */
    cf_reg_schema_free(&s);
    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "path", NULL), "/schemas/ids/1");
    assert_string_equal(reg_str_at(req, "query", NULL), "subject=%3A.ctx1%3A");
    json_decref(req);
    /* An id only the default context has is not found in this one. */
    expect_id_error(r, 2, CFAVRO_E_SCHEMA_NOT_FOUND, &err);
    cf_registry_free(r);
}

static void test_guid_request(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    cf_reg_schema by_id, by_guid;
    cfavro_error err;
    assert_int_equal(get_id(r, 4, &by_id, &err), CFAVRO_OK);
    assert_true(by_id.has_guid);
    memset(&err, 0x5a, sizeof err);
    assert_int_equal(cf_registry_get_guid(r, by_id.guid, &by_guid, &err), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_string_equal(by_guid.text.ptr, by_id.text.ptr);
    char text[CF_GUID_TEXT_LEN + 1], path[64];
    cf_guid_format(by_id.guid, text);
    snprintf(path, sizeof path, "/schemas/guids/%s", text);
    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "path", NULL), path);
    json_decref(req);
    cf_reg_schema_free(&by_id);
    cf_reg_schema_free(&by_guid);
    /* An unknown GUID is "not found". */
    static const uint8_t unknown[CFAVRO_GUID_SIZE] = {0xde, 0xad};
    assert_int_equal(cf_registry_get_guid(r, unknown, &by_guid, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    keep_message(&err);
    cf_registry_free(r);
}

static void test_subject_version_requests(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    cf_reg_schema s;
    cfavro_error err;
    static const char subject[] = "my topic/value"; /* a space and a slash to encode */
    assert_int_equal(cf_registry_get_version(r, subject, strlen(subject), 1, &s, &err),
                     CFAVRO_OK);
    assert_string_equal(s.text.ptr, "\"string\"");
    assert_true(s.has_id);
    assert_int_equal(s.id, 2);
    assert_string_equal(s.subject.ptr, subject);
    cf_reg_schema_free(&s);
    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "path", NULL), "/subjects/my%20topic%2Fvalue/versions/1");
    assert_string_equal(reg_str_at(req, "query", NULL), "deleted=true");
    json_decref(req);

    /* latest; only the first subject_len bytes are the subject. */
    assert_int_equal(cf_registry_get_version(r, "ref-value-and-more", 9, CF_REG_VERSION_LATEST,
                                             &s, &err),
                     CFAVRO_OK);
    assert_contains(s.text.ptr, "\"Ref\"");
    assert_true(s.has_version);
    assert_int_equal(s.version, 1);
    cf_reg_schema_free(&s);
    req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "path", NULL), "/subjects/ref-value/versions/latest");
    assert_string_equal(reg_str_at(req, "query", NULL), "deleted=true");
    json_decref(req);

    /* A soft-deleted version still resolves (deleted=true). */
    assert_int_equal(cf_registry_get_version(r, "topic-value", 11, 2, &s, &err), CFAVRO_OK);
    assert_int_equal(s.id, 3);
    cf_reg_schema_free(&s);
    /* An unknown version is "not found" (40402). */
    assert_int_equal(cf_registry_get_version(r, "topic-value", 11, 9, &s, &err),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    keep_message(&err);
    assert_contains(err.message, "/subjects/topic-value/versions/9");
    cf_registry_free(r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    size_t mark = reg_request_total(&g_server);
    cf_reg_schema s;
    cfavro_error err;
    expect_id_error(r, -1, CFAVRO_E_ARGUMENT, &err);
    assert_int_equal(cf_registry_get_version(r, "x", 0, 1, &s, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cf_registry_get_version(r, "x", 1, 0, &s, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cf_registry_get_version(r, "x", 1, -2, &s, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(requests_since(mark, NULL), 0);
    cf_registry_free(r);
}

static void test_configuration_errors(void **state)
{
    (void)state;
    cf_registry *r = NULL;
    cfavro_error err;
    assert_int_equal(try_client(NULL, &r, &err), CFAVRO_E_CONFIG);
    assert_null(r);
    assert_contains(err.message, "schema.registry.url is not set");
    assert_int_equal(try_client(OPTS("schema.registry.url", g_url, "basic.auth.credentials.source",
                                     "USER_INFO"),
                                &r, &err),
                     CFAVRO_E_CONFIG);
    assert_contains(err.message, "needs basic.auth.user.info");
    assert_int_equal(try_client(OPTS("schema.registry.url", g_url, "basic.auth.credentials.source",
                                     "USER_INFO", "basic.auth.user.info", USER ":" PASSWORD,
                                     "bearer.auth.token", TOKEN),
                                &r, &err),
                     CFAVRO_E_CONFIG);
    assert_contains(err.message, "choose one");
    assert_null(r);
}

/* ---- auth -------------------------------------------------------------------------- */

static void test_basic_auth_user_info(void **state)
{
    (void)state;
    reg_set_auth(&g_server, "{\"basic\": {\"user\": \"" USER "\", \"password\": \"" PASSWORD "\"}}");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "basic.auth.credentials.source",
                                 "USER_INFO", "basic.auth.user.info", USER ":" PASSWORD));
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 2, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "auth", NULL), "basic");
    json_decref(req);
    cf_registry_free(r);

    /* Wrong password: 401, an answer, not retried (max.retries 3). */
    r = client(OPTS("schema.registry.url", g_url, "basic.auth.credentials.source", "USER_INFO",
                    "basic.auth.user.info", USER ":x" PASSWORD, "retries.wait.ms", "10"));
    size_t mark = reg_request_total(&g_server);
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_AUTH, &err);
    assert_int_equal(requests_since(mark, NULL), 1);
    assert_contains(err.message, g_url);
    assert_contains(err.message, "/schemas/ids/2");
    cf_registry_free(r);
}

static void test_basic_auth_from_url(void **state)
{
    (void)state;
    reg_set_auth(&g_server, "{\"basic\": {\"user\": \"" USER "\", \"password\": \"" PASSWORD "\"}}");
    char url[128];
    snprintf(url, sizeof url, "http://" USER ":" PASSWORD "@127.0.0.1:%d", g_server.port);
    cf_registry *r = client(OPTS("schema.registry.url", url));
    assert_string_equal(cf_registry_url_display(r, 0), g_url); /* no user info shown */
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 2, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    cf_registry_free(r);
    /* Without the user info: 401. */
    r = client(OPTS("schema.registry.url", g_url));
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_AUTH, &err);
    cf_registry_free(r);
}

static void test_bearer_auth(void **state)
{
    (void)state;
    reg_set_auth(&g_server, "{\"bearer\": {\"token\": \"" TOKEN "\", \"logical_cluster\": \"" CLUSTER
                            "\", \"identity_pool\": \"" POOL "\"}}");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "bearer.auth.token", TOKEN,
                                 "bearer.auth.logical.cluster", CLUSTER,
                                 "bearer.auth.identity.pool.id", POOL));
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 2, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    json_t *req = reg_last_request(&g_server);
    assert_string_equal(reg_str_at(req, "auth", NULL), "bearer");
    assert_string_equal(reg_str_at(req, "headers", "target-sr-cluster"), CLUSTER);
    assert_string_equal(reg_str_at(req, "headers", "Confluent-Identity-Pool-Id"), POOL);
    json_decref(req);
    cf_registry_free(r);

    r = client(OPTS("schema.registry.url", g_url, "bearer.auth.token", "x" TOKEN,
                    "bearer.auth.logical.cluster", CLUSTER, "bearer.auth.identity.pool.id", POOL,
                    "retries.wait.ms", "10"));
    size_t mark = reg_request_total(&g_server);
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_AUTH, &err);
    assert_int_equal(requests_since(mark, NULL), 1);
    cf_registry_free(r);
}

static void test_forbidden_not_retried(void **state)
{
    (void)state;
    reg_set_auth(&g_server, "{\"bearer\": {\"token\": \"" TOKEN "\"}, "
                            "\"forbidden\": [\"^/schemas/ids/2$\"]}");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "bearer.auth.token", TOKEN,
                                 "retries.wait.ms", "10"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_AUTH, &err);
    assert_int_equal(requests_since(mark, NULL), 1);
    cf_reg_schema s;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK); /* other paths are allowed */
    cf_reg_schema_free(&s);
    cf_registry_free(r);
}

/* ---- not found, retries, deadlines ------------------------------------------------- */

static void test_not_found_not_retried(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "retries.wait.ms", "10"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    expect_id_error(r, 999, CFAVRO_E_SCHEMA_NOT_FOUND, &err);
    assert_contains(err.message, "40403");
    assert_contains(err.message, g_url);
    assert_contains(err.message, "/schemas/ids/999");
    assert_int_equal(requests_since(mark, NULL), 1);
    cf_registry_free(r);
}

static void test_rate_limit_retry_after_honoured(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"rate_limit\", \"retry_after\": 1, \"times\": 1}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "retries.wait.ms", "10",
                                 "retries.max.wait.ms", "5000"));
    size_t mark = reg_request_total(&g_server);
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    json_t *reqs;
    assert_int_equal(requests_since(mark, &reqs), 2);
    double gap = request_time(reqs, 1) - request_time(reqs, 0);
    /* Retry-After: 1 second, not the 10 ms backoff. */
    if (gap < 0.95 || gap > 4.0) fail_msg("retry came %.3f s after the 429", gap);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(reqs, 0), "status")), 429);
    json_decref(reqs);
    cf_registry_free(r);
}

static void test_rate_limit_beyond_deadline_gives_up_at_once(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"rate_limit\", \"retry_after\": 5}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "request.timeout.ms", "2000",
                                 "retries.max.wait.ms", "10000"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    double start = now_s();
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_RATE_LIMITED, &err);
    assert_true(now_s() - start < 1.5); /* no pointless 2 s sleep */
    assert_int_equal(requests_since(mark, NULL), 1);
    assert_contains(err.message, "gave up after 1 attempt");
    cf_registry_free(r);
}

static void test_server_errors_retried_with_backoff(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"status\", \"status\": 503}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "max.retries", "3",
                                 "retries.wait.ms", "200", "retries.max.wait.ms", "400"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    assert_contains(err.message, "gave up after 4 attempts");
    assert_contains(err.message, "503");
    json_t *reqs;
    assert_int_equal(requests_since(mark, &reqs), 4); /* 1 + max.retries */
    /* Full jitter: wait k is in [0, min(400, 200 * 2^k)] ms; the slack covers
     * the request itself (and a slow valgrind run). */
    static const double caps[] = {0.2, 0.4, 0.4};
    for (size_t k = 0; k < 3; k++) {
        double gap = request_time(reqs, k + 1) - request_time(reqs, k);
        if (gap < 0.0 || gap > caps[k] + 0.35) fail_msg("wait %zu was %.3f s", k, gap);
    }
    json_decref(reqs);
    cf_registry_free(r);

    /* Fail twice, then succeed: the lookup succeeds on the third attempt. */
    reg_set_faults(&g_server, "[{\"kind\": \"status\", \"status\": 502, \"times\": 2}]");
    r = client(OPTS("schema.registry.url", g_url, "retries.wait.ms", "20"));
    mark = reg_request_total(&g_server);
    cf_reg_schema s;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    assert_int_equal(requests_since(mark, NULL), 3);
    cf_registry_free(r);
}

static void test_hung_server_bounded_by_request_timeout(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"hang\"}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "request.timeout.ms", "700",
                                 "max.retries", "5", "retries.wait.ms", "10"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    double start = now_s();
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    double elapsed = now_s() - start;
    /* One deadline for the whole lookup, not 700 ms per retry. */
    if (elapsed < 0.65 || elapsed > 2.5) fail_msg("lookup took %.3f s", elapsed);
    assert_contains(err.message, "timed out");
    assert_int_equal(requests_since(mark, NULL), 1);
    cf_registry_free(r);
}

/* ---- failover and the breaker ------------------------------------------------------ */

static void test_failover_from_a_dead_url(void **state)
{
    (void)state;
    char urls[160];
    snprintf(urls, sizeof urls, "http://127.0.0.1:%d, %s", reg_dead_port(), g_url);
    /* No retries allowed: moving on to the next URL is not a retry. */
    cf_registry *r = client(OPTS("schema.registry.url", urls, "max.retries", "0"));
    assert_int_equal(cf_registry_url_count(r), 2);
    assert_string_equal(cf_registry_url_display(r, 1), g_url);
    size_t mark = reg_request_total(&g_server);
    cf_reg_schema s;
    cfavro_error err;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get_id(r, 2, &s, &err), CFAVRO_OK);
        assert_string_equal(s.text.ptr, "\"string\"");
        cf_reg_schema_free(&s);
    }
    assert_int_equal(requests_since(mark, NULL), 3);
    cf_registry_free(r);

    /* Every URL dead (one with user info): unavailable after the retries,
     * the message naming a URL without its user info. */
    snprintf(urls, sizeof urls, "http://127.0.0.1:%d,http://" USER ":" PASSWORD "@127.0.0.1:%d",
             reg_dead_port(), reg_dead_port());
    r = client(OPTS("schema.registry.url", urls, "max.retries", "1", "retries.wait.ms", "10"));
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    assert_contains(err.message, "could not connect");
    assert_contains(err.message, "gave up after 2 attempts");
    cf_registry_free(r);
}

typedef struct refused_lookup {
    cf_registry *r;
    int status;
    char message[CFAVRO_ERROR_MESSAGE_MAX];
} refused_lookup;

static void *lookup_on_thread(void *arg)
{
    refused_lookup *l = arg;
    cf_reg_schema s;
    cfavro_error err;
    l->status = cf_registry_get_id(l->r, 1, &s, &err);
    memcpy(l->message, err.message, sizeof l->message);
    keep_message(&err);
    cf_reg_schema_free(&s);
    return NULL;
}

static void test_breaker_fails_fast_then_recovers(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"status\", \"status\": 500}]");
    /* Threshold max.retries + 1 = 2 failed attempts; cool-down 300 ms. */
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "max.retries", "1",
                                 "retries.wait.ms", "300", "retries.max.wait.ms", "300"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    assert_int_equal(requests_since(mark, NULL), 2);

    /* Now open: another thread's lookup and the next one fail fast, and no
     * request reaches the server. */
    mark = reg_request_total(&g_server);
    refused_lookup other = {.r = r};
    pthread_t thread;
    double start = now_s();
    assert_int_equal(pthread_create(&thread, NULL, lookup_on_thread, &other), 0);
    pthread_join(thread, NULL);
    assert_int_equal(other.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(other.message, "not sent");
    expect_id_error(r, 2, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    assert_contains(err.message, "/schemas/ids/2");
    assert_true(now_s() - start < 0.25);
    assert_int_equal(requests_since(mark, NULL), 0);

    /* The registry recovers; after the cool-down one probe goes out and
     * closes the breaker. */
    reg_set_faults(&g_server, "[]");
    struct timespec pause = {0, 350 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cf_reg_schema s;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    assert_int_equal(get_id(r, 2, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    assert_int_equal(requests_since(mark, NULL), 2);
    cf_registry_free(r);
}

/* Review finding: the breaker's cool-down took the server's hint unclamped,
 * so one 429 with "Retry-After: 3600" (or a date from a skewed clock, up to
 * CF_RETRY_HINT_MAX_S = a day) shut every new lookup out for that long, well
 * past retries.max.wait.ms, even after the registry recovered. */
static void test_breaker_cool_down_capped_by_max_wait(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"rate_limit\", \"retry_after\": 3600, "
                              "\"reset\": 3600, \"times\": 1}]");
    /* Threshold max.retries + 1 = 1: the one 429 opens the breaker. */
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "max.retries", "0",
                                 "retries.wait.ms", "50", "retries.max.wait.ms", "300"));
    cfavro_error err;
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_RATE_LIMITED, &err);
    /* Within retries.max.wait.ms the breaker still fails fast... */
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_RATE_LIMITED, &err);
    assert_contains(err.message, "not sent");
    /* ...and after it, a probe goes out and the (recovered) registry answers. */
    struct timespec pause = {0, 400 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cf_reg_schema s;
    int rc = get_id(r, 1, &s, &err);
    if (rc != CFAVRO_OK) fail_msg("still refused after retries.max.wait.ms: %s", err.message);
    cf_reg_schema_free(&s);
    cf_registry_free(r);
}

/* ---- what is not a registry answer ------------------------------------------------- */

/* With `faults` set, id 1 fails with `status` after exactly one request. */
static void expect_single_failure(const char *faults, int status, const char *needle)
{
    reg_set_faults(&g_server, faults);
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "retries.wait.ms", "10",
                                 "cfavro.registry.response.max.bytes", "4096"));
    size_t mark = reg_request_total(&g_server);
    cfavro_error err;
    expect_id_error(r, 1, status, &err);
    assert_contains(err.message, needle);
    assert_contains(err.message, "/schemas/ids/1");
    assert_int_equal(requests_since(mark, NULL), 1);
    cf_registry_free(r);
}

static void test_protocol_errors(void **state)
{
    (void)state;
    expect_single_failure("[{\"kind\": \"html\", \"status\": 200}]", CFAVRO_E_REGISTRY_PROTOCOL,
                          g_url);
    expect_single_failure("[{\"kind\": \"html\", \"status\": 404}]", CFAVRO_E_REGISTRY_PROTOCOL,
                          "404");
    expect_single_failure("[{\"kind\": \"invalid_json\"}]", CFAVRO_E_REGISTRY_PROTOCOL, g_url);
    expect_single_failure("[{\"kind\": \"oversized\", \"bytes\": 100000}]",
                          CFAVRO_E_REGISTRY_PROTOCOL, "cfavro.registry.response.max.bytes");
    expect_single_failure("[{\"kind\": \"oversized\", \"bytes\": 100000, \"no_length\": true}]",
                          CFAVRO_E_REGISTRY_PROTOCOL, "cfavro.registry.response.max.bytes");
    expect_single_failure("[{\"kind\": \"protobuf\"}]", CFAVRO_E_SCHEMA_UNSUPPORTED, "PROTOBUF");

    /* A proxy's 502 page is worth retrying like any 502. */
    reg_set_faults(&g_server, "[{\"kind\": \"html\", \"times\": 1}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url, "retries.wait.ms", "10"));
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 1, &s, &err), CFAVRO_OK);
    cf_reg_schema_free(&s);
    cf_registry_free(r);
}

static void test_protobuf_schema_unsupported(void **state)
{
    (void)state;
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(get_id(r, 5, &s, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_int_equal(s.type, CF_REG_TYPE_PROTOBUF);
    assert_null(s.text.ptr);
    assert_contains(err.message, "PROTOBUF");
    cf_registry_free(r);
}

static void test_tls_failure_not_retried(void **state)
{
    (void)state;
    /* HTTPS to the plain server, with a client key and its password: the
     * handshake fails; a certificate problem does not get better with
     * retries, so the lookup fails at once. */
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", g_server.port);
    char key[300];
    snprintf(key, sizeof key, "%s/missing-" KEY_PASSWORD ".key", g_dir);
    cf_registry *r = client(OPTS("schema.registry.url", url, "ssl.key.password", KEY_PASSWORD,
                                 "ssl.key.location", key, "ssl.certificate.location", key,
                                 "retries.wait.ms", "2000"));
    cfavro_error err;
    double start = now_s();
    expect_id_error(r, 1, CFAVRO_E_REGISTRY_UNAVAILABLE, &err);
    assert_true(now_s() - start < 1.8);
    assert_contains(err.message, "TLS");
    cf_registry_free(r);
}

/* ---- threads ----------------------------------------------------------------------- */

#define NTHREADS 8
#define PER_THREAD 25

typedef struct worker {
    cf_registry *r;
    int index;
    int ok, not_found;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    static const int32_t ids[] = {1, 2, 4, 999};
    for (int i = 0; i < PER_THREAD; i++) {
        int32_t id = ids[(i + w->index) % 4];
        cf_reg_schema s;
        cfavro_error err;
        int rc = cf_registry_get_id(w->r, id, &s, &err);
        if (rc == CFAVRO_OK && s.text.len > 0) w->ok++;
        else if (rc == CFAVRO_E_SCHEMA_NOT_FOUND && id == 999) w->not_found++;
        keep_message(&err);
        cf_reg_schema_free(&s);
    }
    return NULL;
}

static void test_threads_share_one_client(void **state)
{
    (void)state;
    reg_set_faults(&g_server, "[{\"kind\": \"delay\", \"ms\": 5}]");
    cf_registry *r = client(OPTS("schema.registry.url", g_url));
    size_t mark = reg_request_total(&g_server);
    pthread_t threads[NTHREADS];
    worker workers[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        workers[i] = (worker){.r = r, .index = i};
        assert_int_equal(pthread_create(&threads[i], NULL, run_worker, &workers[i]), 0);
    }
    int ok = 0, not_found = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(threads[i], NULL);
        ok += workers[i].ok;
        not_found += workers[i].not_found;
    }
    assert_int_equal(ok + not_found, NTHREADS * PER_THREAD);
    assert_true(not_found >= NTHREADS * (PER_THREAD / 4));
    assert_int_equal(requests_since(mark, NULL), NTHREADS * PER_THREAD);
    cf_registry_free(r);
}

/* ---- over the whole suite ------------------------------------------------------------ */

static void test_only_get_was_sent(void **state)
{
    (void)state;
    json_t *all = reg_requests_since(&g_server, 0);
    assert_true(json_array_size(all) >= NTHREADS * PER_THREAD + 30);
    size_t i;
    json_t *req;
    json_array_foreach(all, i, req) {
        const char *method = reg_str_at(req, "method", NULL);
        /* A failed TLS handshake is logged with no method. */
        if (method[0] != '\0') assert_string_equal(method, "GET");
    }
    json_decref(all);
}

static void test_no_credential_in_any_message(void **state)
{
    (void)state;
    static const char *const secrets[] = {PASSWORD, TOKEN, KEY_PASSWORD, USER ":", NULL};
    assert_true(g_nmessages >= 30); /* the suite did produce failures to scan */
    reg_assert_no_secret(g_messages[0], sizeof g_messages[0], g_nmessages, secrets);
}

#define TEST(f) cmocka_unit_test_setup(f, clean_server)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_id_request_path_and_headers),
        TEST(test_id_in_a_context),
        TEST(test_guid_request),
        TEST(test_subject_version_requests),
        TEST(test_bad_arguments),
        TEST(test_configuration_errors),
        TEST(test_basic_auth_user_info),
        TEST(test_basic_auth_from_url),
        TEST(test_bearer_auth),
        TEST(test_forbidden_not_retried),
        TEST(test_not_found_not_retried),
        TEST(test_rate_limit_retry_after_honoured),
        TEST(test_rate_limit_beyond_deadline_gives_up_at_once),
        TEST(test_server_errors_retried_with_backoff),
        TEST(test_hung_server_bounded_by_request_timeout),
        TEST(test_failover_from_a_dead_url),
        TEST(test_breaker_fails_fast_then_recovers),
        TEST(test_breaker_cool_down_capped_by_max_wait),
        TEST(test_protocol_errors),
        TEST(test_protobuf_schema_unsupported),
        TEST(test_tls_failure_not_retried),
        TEST(test_threads_share_one_client),
        TEST(test_only_get_was_sent),
        TEST(test_no_credential_in_any_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
