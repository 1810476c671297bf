/* The registry client's HTTP transport (src/registry/registry_http.c)
 * against the loopback test registry (tests/registry/server.py), which this
 * test starts itself: one plain HTTP server (auth and faults switched through
 * its control API) and three HTTPS ones (good certificate, a certificate for
 * another host name, mutual TLS). The server's request log is the witness for
 * what was sent. Every error message the suite produces is kept and, last,
 * scanned for the test credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_http_internal.h"
#include "registry_server_support.h"
#include "test_support.h"

#define PROXY_PASSWORD "proxy-pw-99aa"

/* ---- servers (tests/registry_server_support.c) ------------------------------- */

enum { PLAIN, TLS, WRONG_HOST, MTLS, NSERVERS };
static reg_server g_servers[NSERVERS];
static reg_server *const g_plain = &g_servers[PLAIN]; /* auth and faults are set here */
static char g_dir[256]; /* certificates and port files */

static char *cert(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof paths[0], "%s/%s", g_dir, name);
    return p;
}

static int setup_servers(void **state)
{
    (void)state;
    reg_unset_proxy_env();
    make_temp_dir(g_dir, sizeof g_dir, "cfavro-registry-http-");
    reg_make_certs(g_dir, KEY_PASSWORD);
    g_servers[PLAIN] = reg_server_start(g_dir, "plain", NULL);
    const char *tls[] = {"--tls-cert", cert("server.pem"), "--tls-key", cert("server.key"), NULL};
    g_servers[TLS] = reg_server_start(g_dir, "tls", tls);
    const char *wrong[] = {"--tls-cert", cert("wrong-host.pem"), "--tls-key",
                           cert("wrong-host.key"), NULL};
    g_servers[WRONG_HOST] = reg_server_start(g_dir, "wrong-host", wrong);
    const char *mtls[] = {"--tls-cert", cert("server.pem"), "--tls-key", cert("server.key"),
                          "--tls-client-ca", cert("ca.pem"), NULL};
    g_servers[MTLS] = reg_server_start(g_dir, "mtls", mtls);
    return 0;
}

static int teardown_servers(void **state)
{
    (void)state;
    for (int i = 0; i < NSERVERS; i++) reg_server_stop(&g_servers[i]);
    reg_remove_dir(g_dir);
    return 0;
}

/* ---- the transport under test -------------------------------------------------- */

/* Every error message the suite saw, scanned for credentials at the end. */
static char g_messages[256][CFAVRO_ERROR_MESSAGE_MAX];
static size_t g_nmessages;

static void keep_message(const cfavro_error *err)
{
    if (err->message[0] && g_nmessages < 256)
        memcpy(g_messages[g_nmessages++], err->message, CFAVRO_ERROR_MESSAGE_MAX);
}

static cf_registry_http_settings base_settings(int port)
{
    static char urls[8][256];
    static int next;
    char *url = urls[next++ % 8];
    snprintf(url, sizeof urls[0], "http://127.0.0.1:%d", port);
    cf_registry_http_settings s = {
        .urls = url,
        .basic_source = CF_HTTP_BASIC_URL,
        .verify_host = true,
        .connect_timeout_ms = 5000,
        .request_timeout_ms = 10000,
        .max_response_bytes = 8388608,
    };
    return s;
}

static cf_registry_http_settings tls_settings(int which)
{
    cf_registry_http_settings s = base_settings(0);
    static char urls[4][128];
    snprintf(urls[which], sizeof urls[0], "https://127.0.0.1:%d", g_servers[which].port);
    s.urls = urls[which];
    s.ssl_ca_location = cert("ca.pem");
    return s;
}

static cf_registry_http *transport(const cf_registry_http_settings *s)
{
    cf_registry_http *t = NULL;
    cfavro_error err = {0};
    int rc = cf_registry_http_new(s, &t, &err);
    keep_message(&err);
    if (rc != CFAVRO_OK) fail_msg("cf_registry_http_new: %s", err.message);
    return t;
}

/* One GET through a fresh transport; the error message is kept. */
static cf_http_outcome get_once(const cf_registry_http_settings *s, size_t index,
                                const char *path, cf_http_result *r, cfavro_error *err)
{
    cf_registry_http *t = transport(s);
    memset(err, 0, sizeof *err);
    cf_http_outcome outcome = cf_registry_http_get(t, index, path, r, err);
    keep_message(err);
    cf_registry_http_free(t);
    return outcome;
}

/* ---- tests: requests and responses ------------------------------------------------ */

static void test_ok_body_and_request_headers(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_int_equal(r.status, 200);
    assert_contains(r.body, "Default");
    assert_contains(r.body, "\"guid\""); /* sent only with unknown properties accepted */
    assert_int_equal(strlen(r.body), r.body_len);
    assert_contains(r.content_type, "application/vnd.schemaregistry.v1+json");
    assert_string_equal(r.retry_after, "");

    json_t *req = reg_last_request(g_plain);
    assert_string_equal(reg_str_at(req, "method", NULL), "GET");
    assert_string_equal(reg_str_at(req, "path", NULL), "/schemas/ids/1");
    assert_string_equal(reg_str_at(req, "headers", "Accept"),
                        "application/vnd.schemaregistry.v1+json, "
                        "application/vnd.schemaregistry+json, application/json");
    assert_string_equal(reg_str_at(req, "headers", "Confluent-Accept-Unknown-Properties"), "true");
    assert_string_equal(reg_str_at(req, "headers", "User-Agent"), "cfavro/" CFAVRO_VERSION_STRING);
    assert_string_equal(reg_str_at(req, "auth", NULL), "none");
    json_decref(req);
    cf_http_result_free(&r);
}

static void test_result_reused_across_calls(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_registry_http *t = transport(&s);
    cf_http_result r;
    cf_http_result_init(&r);
    cfavro_error err;
    assert_int_equal(cf_registry_http_get(t, 0, "schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_contains(r.body, "Default");
    /* No leading '/' on the path, then a query: exactly one '/' either way. */
    assert_int_equal(cf_registry_http_get(t, 0, "schemas/ids/1?subject=:.ctx2:", &r, &err),
                     CF_HTTP_OK);
    assert_contains(r.body, "InCtx2");
    assert_null(strstr(r.body, "Default"));
    json_t *req = reg_last_request(g_plain);
    assert_string_equal(reg_str_at(req, "path", NULL), "/schemas/ids/1");
    assert_string_equal(reg_str_at(req, "query", NULL), "subject=:.ctx2:");
    json_decref(req);
    cf_http_result_free(&r);
    cf_registry_http_free(t);
}

static void test_not_found_body_returned_as_is(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/999", &r, &err), CF_HTTP_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_int_equal(r.status, 404);
    assert_contains(r.body, "40403");
    cf_http_result_free(&r);
}

static void test_path_prefix_kept(void **state)
{
    (void)state;
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/contexts/.ctx1/", g_servers[PLAIN].port);
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.urls = url;
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_contains(r.body, "InCtx1");
    json_t *req = reg_last_request(g_plain);
    assert_string_equal(reg_str_at(req, "path", NULL), "/contexts/.ctx1/schemas/ids/1");
    json_decref(req);
    cf_http_result_free(&r);
}

static void test_failover_index_and_connect_failure(void **state)
{
    (void)state;
    char urls[256];
    snprintf(urls, sizeof urls, "http://127.0.0.1:%d, http://127.0.0.1:%d", reg_dead_port(),
             g_servers[PLAIN].port);
    cf_registry_http_settings s = base_settings(0);
    s.urls = urls;
    cf_registry_http *t = transport(&s);
    assert_int_equal(cf_registry_http_url_count(t), 2);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(cf_registry_http_get(t, 0, "/schemas/ids/2", &r, &err),
                     CF_HTTP_CONNECT_FAILED);
    keep_message(&err);
    assert_int_equal(err.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(err.message, "could not connect");
    assert_int_equal(cf_registry_http_get(t, 1, "/schemas/ids/2", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_contains(r.body, "string");
    assert_int_equal(cf_registry_http_get(t, 2, "/schemas/ids/2", &r, &err),
                     CF_HTTP_LOCAL_ERROR);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    cf_http_result_free(&r);
    cf_registry_http_free(t);
}

/* ---- tests: auth ------------------------------------------------------------------ */

static void test_basic_auth_from_user_info(void **state)
{
    (void)state;
    reg_set_auth(g_plain, "{\"basic\": {\"user\": \"" USER "\", \"password\": \"" PASSWORD "\"}}");
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 401); /* no credentials */
    s.basic_source = CF_HTTP_BASIC_USER_INFO;
    s.basic_user_info = USER ":" PASSWORD;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    json_t *req = reg_last_request(g_plain);
    assert_string_equal(reg_str_at(req, "auth", NULL), "basic");
    json_decref(req);
    s.basic_user_info = USER ":wrong-" PASSWORD;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 401);
    assert_contains(r.body, "40101");
    reg_set_auth(g_plain, "{}");
    cf_http_result_free(&r);
}

static void test_basic_auth_from_url(void **state)
{
    (void)state;
    reg_set_auth(g_plain, "{\"basic\": {\"user\": \"" USER "\", \"password\": \"" PASSWORD "\"}}");
    char url[256];
    /* %2D is '-': the user info is percent-decoded. */
    snprintf(url, sizeof url, "http://sr%%2Duser:" PASSWORD "@127.0.0.1:%d",
             g_servers[PLAIN].port);
    cf_registry_http_settings s = base_settings(0);
    s.urls = url;
    cf_registry_http *t = transport(&s);
    assert_null(strstr(cf_registry_http_url_display(t, 0), PASSWORD));
    assert_null(strchr(cf_registry_http_url_display(t, 0), '@'));
    cf_registry_http_free(t);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    /* USER_INFO source ignores the URL's user info. */
    s.basic_source = CF_HTTP_BASIC_USER_INFO;
    s.basic_user_info = USER ":not-" PASSWORD;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 401);
    reg_set_auth(g_plain, "{}");
    cf_http_result_free(&r);
}

static void test_bearer_auth_with_cluster_and_pool(void **state)
{
    (void)state;
    reg_set_auth(g_plain, "{\"bearer\": {\"token\": \"" TOKEN "\", \"logical_cluster\": \"" CLUSTER
             "\", \"identity_pool\": \"" POOL "\"}}");
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.bearer_token = TOKEN;
    s.bearer_logical_cluster = CLUSTER;
    s.bearer_identity_pool = POOL;
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    json_t *req = reg_last_request(g_plain);
    assert_string_equal(reg_str_at(req, "auth", NULL), "bearer");
    assert_string_equal(reg_str_at(req, "headers", "target-sr-cluster"), CLUSTER);
    assert_string_equal(reg_str_at(req, "headers", "Confluent-Identity-Pool-Id"), POOL);
    json_decref(req);
    s.bearer_identity_pool = NULL; /* the server requires it */
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 401);
    s.bearer_identity_pool = POOL;
    s.bearer_token = "x" TOKEN;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 401);
    reg_set_auth(g_plain, "{}");
    cf_http_result_free(&r);
}

static void expect_config_error(const cf_registry_http_settings *s, const char *needle)
{
    cf_registry_http *t = NULL;
    cfavro_error err = {0};
    assert_int_equal(cf_registry_http_new(s, &t, &err), CFAVRO_E_CONFIG);
    keep_message(&err);
    assert_null(t);
    assert_contains(err.message, needle);
}

static void test_configuration_errors(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.urls = NULL;
    expect_config_error(&s, "schema.registry.url is not set");
    s.urls = "http://127.0.0.1:1/?x=1";
    expect_config_error(&s, "query");
    s.urls = "http://127.0.0.1:1,nonsense";
    expect_config_error(&s, "URL #2");
    s.urls = "http://" USER ":" PASSWORD "@/path";
    expect_config_error(&s, "no host");
    s = base_settings(g_servers[PLAIN].port);
    s.basic_source = CF_HTTP_BASIC_USER_INFO;
    expect_config_error(&s, "needs basic.auth.user.info");
    s.basic_user_info = USER ":" PASSWORD;
    s.bearer_token = TOKEN;
    expect_config_error(&s, "choose one");
    s.basic_source = CF_HTTP_BASIC_URL;
    s.urls = "http://" USER ":" PASSWORD "@127.0.0.1:1";
    expect_config_error(&s, "choose one");
}

/* ---- tests: faults ----------------------------------------------------------------- */

static void test_hang_bounded_by_total_timeout(void **state)
{
    (void)state;
    reg_set_faults(g_plain, "[{\"kind\": \"hang\"}]");
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.request_timeout_ms = 400;
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TIMED_OUT);
    assert_int_equal(err.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(err.message, "timed out");
    assert_true(r.elapsed_ms >= 300);
    assert_true(r.elapsed_ms < 10000); /* generous: valgrind is slow */
    reg_set_faults(g_plain, "[]");
    cf_http_result_free(&r);
}

static void test_connection_reset_is_transport_error(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    reg_set_faults(g_plain, "[{\"kind\": \"reset\"}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TRANSPORT_ERROR);
    assert_int_equal(err.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(r.status, 0);
    reg_set_faults(g_plain, "[{\"kind\": \"reset\", \"partial_headers\": true}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TRANSPORT_ERROR);
    assert_int_equal(r.body_len, 0);
    reg_set_faults(g_plain, "[]");
    cf_http_result_free(&r);
}

static void test_oversized_body_aborted(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.max_response_bytes = 65536;
    cf_http_result r = {0};
    cfavro_error err;
    /* With a Content-Length (refused up front) and without (cut while reading). */
    const char *faults[] = {"[{\"kind\": \"oversized\", \"bytes\": 4194304}]",
                            "[{\"kind\": \"oversized\", \"bytes\": 4194304, \"no_length\": true}]"};
    for (int i = 0; i < 2; i++) {
        reg_set_faults(g_plain, faults[i]);
        assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TOO_LARGE);
        assert_int_equal(err.status, CFAVRO_E_REGISTRY_PROTOCOL);
        assert_contains(err.message, "cfavro.registry.response.max.bytes");
        assert_true(r.body_cap <= 65536 + 1); /* never held more than the cap */
        assert_int_equal(r.body_len, 0);
    }
    /* Exactly at the cap is fine. */
    reg_set_faults(g_plain, "[{\"kind\": \"oversized\", \"bytes\": 65536, \"no_length\": true}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.body_len, 65536);
    reg_set_faults(g_plain, "[]");
    cf_http_result_free(&r);
}

static void test_rate_limit_headers_captured(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    reg_set_faults(g_plain, "[{\"kind\": \"rate_limit\", \"retry_after\": 7, \"limit\": 75, "
               "\"remaining\": 0, \"reset\": 3}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.retry_after, "7");
    assert_string_equal(r.ratelimit_limit, "75");
    assert_string_equal(r.ratelimit_remaining, "0");
    assert_string_equal(r.ratelimit_reset, "3");
    assert_contains(r.body, "42901");
    reg_set_faults(g_plain, "[{\"kind\": \"rate_limit\", \"retry_after\": 2, \"date\": true, "
               "\"remaining\": null}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_contains(r.retry_after, "GMT");
    assert_string_equal(r.ratelimit_remaining, ""); /* absent */
    /* The next response carries none of them. */
    reg_set_faults(g_plain, "[]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_string_equal(r.retry_after, "");
    assert_string_equal(r.ratelimit_limit, "");
    cf_http_result_free(&r);
}

static void test_html_error_page_returned_as_is(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_http_result r = {0};
    cfavro_error err;
    reg_set_faults(g_plain, "[{\"kind\": \"html\", \"status\": 502}]");
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 502);
    assert_contains(r.content_type, "text/html");
    assert_contains(r.body, "<");
    reg_set_faults(g_plain, "[]");
    cf_http_result_free(&r);
}

static void test_proxy_credentials_not_in_message(void **state)
{
    (void)state;
    char proxy[256];
    snprintf(proxy, sizeof proxy, "http://puser:" PROXY_PASSWORD "@127.0.0.1:%d", reg_dead_port());
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    s.proxy = proxy;
    cf_http_result r = {0};
    cfavro_error err;
    cf_http_outcome outcome = get_once(&s, 0, "/schemas/ids/1", &r, &err);
    assert_true(outcome == CF_HTTP_CONNECT_FAILED || outcome == CF_HTTP_TRANSPORT_ERROR);
    assert_contains(err.message, "through the proxy");
    assert_null(strstr(err.message, PROXY_PASSWORD));
    cf_http_result_free(&r);
}

static void test_scrub_removes_every_secret(void **state)
{
    (void)state;
    char urls[256];
    snprintf(urls, sizeof urls, "http://127.0.0.1:1,http://urluser:url%%2Dpw-5566@127.0.0.1:2");
    cf_registry_http_settings s = base_settings(0);
    s.urls = urls;
    s.basic_source = CF_HTTP_BASIC_USER_INFO;
    s.basic_user_info = USER ":" PASSWORD;
    s.ssl_key_password = KEY_PASSWORD;
    s.proxy = "http://puser:" PROXY_PASSWORD "@proxy.example:3128";
    cf_registry_http *t = transport(&s);
    char text[512] = "a " USER ":" PASSWORD " b " PASSWORD " c " KEY_PASSWORD
                     " d http://puser:" PROXY_PASSWORD "@proxy.example:3128/x"
                     " e url-pw-5566 f https://x:y@h/ g urluser";
    cf_registry_http_scrub(t, text);
    assert_null(strstr(text, PASSWORD));
    assert_null(strstr(text, KEY_PASSWORD));
    assert_null(strstr(text, PROXY_PASSWORD));
    assert_null(strstr(text, "puser"));
    assert_null(strstr(text, "url-pw-5566"));
    assert_null(strstr(text, "urluser"));
    assert_null(strstr(text, "x:y@"));
    assert_contains(text, "http://proxy.example:3128/x"); /* the rest stays readable */
    assert_contains(text, "https://h/");
    cf_registry_http_free(t);
    /* The bearer token too. */
    s = base_settings(0);
    s.bearer_token = TOKEN;
    t = transport(&s);
    char text2[128] = "Authorization: Bearer " TOKEN;
    cf_registry_http_scrub(t, text2);
    assert_null(strstr(text2, TOKEN));
    cf_registry_http_free(t);
}

/* Every allocation of making a transport and of one GET can fail: each
 * failure is a clean CFAVRO_E_NOMEM with nothing left allocated. */
static void test_allocation_failures(void **state)
{
    (void)state;
    char urls[256];
    snprintf(urls, sizeof urls, "http://u:" PASSWORD "@127.0.0.1:%d/contexts/.ctx1, "
             "http://127.0.0.1:%d", g_servers[PLAIN].port, g_servers[PLAIN].port);
    cf_registry_http_settings s = base_settings(0);
    s.urls = urls;
    s.ssl_ca_location = cert("ca.pem");
    s.ssl_key_password = KEY_PASSWORD;
    s.proxy = NULL;
    cf_registry_http *t = NULL;
    cfavro_error err;
    alloc_hooks_on(0, -1);
    assert_int_equal(cf_registry_http_new(&s, &t, &err), CFAVRO_OK);
    long calls = alloc_calls();
    cf_registry_http_free(t);
    assert_int_equal(alloc_live(), 0);
    assert_true(calls >= 8);
    for (long n = 1; n <= calls; n++) {
        alloc_hooks_on(n, -1);
        t = NULL;
        assert_int_equal(cf_registry_http_new(&s, &t, &err), CFAVRO_E_NOMEM);
        keep_message(&err);
        assert_null(t);
        assert_int_equal(alloc_live(), 0);
    }
    alloc_hooks_off();
    t = transport(&s);
    /* The URL (allocation 1), then the body buffer (allocation 2). */
    for (long n = 1; n <= 2; n++) {
        cf_http_result r = {0};
        alloc_hooks_on(n, -1);
        cf_http_outcome outcome = cf_registry_http_get(t, 0, "/schemas/ids/1", &r, &err);
        alloc_hooks_off();
        keep_message(&err);
        assert_int_equal(outcome, CF_HTTP_LOCAL_ERROR);
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        assert_int_equal(cf_registry_http_get(t, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
        assert_contains(r.body, "InCtx1");
        cf_http_result_free(&r);
    }
    cf_registry_http_free(t);
}

/* ---- tests: TLS --------------------------------------------------------------------- */

static void test_tls_with_test_ca(void **state)
{
    (void)state;
    cf_registry_http_settings s = tls_settings(TLS);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_contains(r.body, "Default");
    /* Also by name: the certificate has localhost in its SAN. */
    char url[128];
    snprintf(url, sizeof url, "https://localhost:%d", g_servers[TLS].port);
    s.urls = url;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    cf_http_result_free(&r);
}

static void test_tls_wrong_ca_fails(void **state)
{
    (void)state;
    cf_registry_http_settings s = tls_settings(TLS);
    s.ssl_ca_location = cert("other-ca.pem");
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TLS_FAILED);
    assert_int_equal(err.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_contains(err.message, "TLS failed");
    /* Switching host verification off does not switch the chain check off. */
    s.verify_host = false;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TLS_FAILED);
    cf_http_result_free(&r);
}

static void test_tls_hostname_mismatch(void **state)
{
    (void)state;
    cf_registry_http_settings s = tls_settings(WRONG_HOST);
    cf_http_result r = {0};
    cfavro_error err;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TLS_FAILED);
    s.verify_host = false; /* ssl.endpoint.identification.algorithm= */
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    cf_http_result_free(&r);
}

static void test_mutual_tls_with_encrypted_key(void **state)
{
    (void)state;
    cf_registry_http_settings s = tls_settings(MTLS);
    cf_http_result r = {0};
    cfavro_error err;
    /* No client certificate: the server refuses the handshake. With TLS 1.3
     * the refusal is an alert read after the client's side of the handshake
     * finished, which libcurl reports as a receive error. */
    cf_http_outcome outcome = get_once(&s, 0, "/schemas/ids/1", &r, &err);
    assert_true(outcome == CF_HTTP_TLS_FAILED || outcome == CF_HTTP_TRANSPORT_ERROR);
    s.ssl_certificate_location = cert("client.pem");
    s.ssl_key_location = cert("client-enc.key");
    s.ssl_key_password = KEY_PASSWORD;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_OK);
    assert_int_equal(r.status, 200);
    /* The same result again, now with a wrong key password: the connection
     * the good key made must not be reused by this other transport. */
    s.ssl_key_password = "not-" KEY_PASSWORD;
    assert_int_equal(get_once(&s, 0, "/schemas/ids/1", &r, &err), CF_HTTP_TLS_FAILED);
    cf_http_result_free(&r);
}

/* ---- tests: threads ----------------------------------------------------------------- */

enum { NTHREADS = 4, PER_THREAD = 10 };

typedef struct worker {
    const cf_registry_http *t;
    int ok; /* 200s with the expected body */
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    cf_http_result r;
    cf_http_result_init(&r);
    for (int i = 0; i < PER_THREAD; i++) {
        cfavro_error err;
        const char *path = i % 2 ? "/schemas/ids/1" : "/schemas/ids/2";
        if (cf_registry_http_get(w->t, 0, path, &r, &err) == CF_HTTP_OK && r.status == 200 &&
            strstr(r.body, i % 2 ? "Default" : "string"))
            w->ok++;
    }
    cf_http_result_free(&r);
    return NULL;
}

static void test_threads_share_one_transport(void **state)
{
    (void)state;
    cf_registry_http_settings s = base_settings(g_servers[PLAIN].port);
    cf_registry_http *t = transport(&s);
    pthread_t threads[NTHREADS];
    worker workers[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        workers[i] = (worker){.t = t};
        assert_int_equal(pthread_create(&threads[i], NULL, run_worker, &workers[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(workers[i].ok, PER_THREAD);
    }
    cf_registry_http_free(t);
}

/* ---- tests: over the whole suite ---------------------------------------------------- */

static void test_only_get_was_sent(void **state)
{
    (void)state;
    json_t *log = reg_request_log(g_plain);
    json_t *requests = json_object_get(log, "requests");
    assert_true(json_array_size(requests) >= 30);
    size_t i;
    json_t *req;
    json_array_foreach(requests, i, req) {
        assert_string_equal(reg_str_at(req, "method", NULL), "GET");
    }
    json_decref(log);
}

static void test_no_credential_in_any_message(void **state)
{
    (void)state;
    static const char *const secrets[] = {PASSWORD, TOKEN, KEY_PASSWORD, PROXY_PASSWORD,
                                          USER ":", "puser"};
    assert_true(g_nmessages >= 15); /* the suite did produce failures to scan */
    for (size_t m = 0; m < g_nmessages; m++) {
        if (getenv("CFAVRO_TEST_VERBOSE")) printf("message: %s\n", g_messages[m]);
        for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++)
            if (strstr(g_messages[m], secrets[k]))
                fail_msg("message %zu holds a credential: %s", m, g_messages[m]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_body_and_request_headers),
        cmocka_unit_test(test_result_reused_across_calls),
        cmocka_unit_test(test_not_found_body_returned_as_is),
        cmocka_unit_test(test_path_prefix_kept),
        cmocka_unit_test(test_failover_index_and_connect_failure),
        cmocka_unit_test(test_basic_auth_from_user_info),
        cmocka_unit_test(test_basic_auth_from_url),
        cmocka_unit_test(test_bearer_auth_with_cluster_and_pool),
        cmocka_unit_test(test_configuration_errors),
        cmocka_unit_test(test_hang_bounded_by_total_timeout),
        cmocka_unit_test(test_connection_reset_is_transport_error),
        cmocka_unit_test(test_oversized_body_aborted),
        cmocka_unit_test(test_rate_limit_headers_captured),
        cmocka_unit_test(test_html_error_page_returned_as_is),
        cmocka_unit_test(test_proxy_credentials_not_in_message),
        cmocka_unit_test(test_scrub_removes_every_secret),
        cmocka_unit_test_teardown(test_allocation_failures, alloc_hooks_off_fixture),
        cmocka_unit_test(test_tls_with_test_ca),
        cmocka_unit_test(test_tls_wrong_ca_fails),
        cmocka_unit_test(test_tls_hostname_mismatch),
        cmocka_unit_test(test_mutual_tls_with_encrypted_key),
        cmocka_unit_test(test_threads_share_one_transport),
        cmocka_unit_test(test_only_get_was_sent),
        cmocka_unit_test(test_no_credential_in_any_message),
    };
    return cmocka_run_group_tests(tests, setup_servers, teardown_servers);
}
