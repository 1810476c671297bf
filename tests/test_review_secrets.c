/* Review findings: credentials that reached error messages.
 *  1. A mistyped schema.registry.url or proxy was quoted (an excerpt of 32
 *     bytes) in cfavro_config_set's message, user info and all.
 *  2. User info whose password holds an unencoded '/' was taken for a path,
 *     so the URL every registry message shows carried the password.
 *  3. Secrets were freed unwiped by cfavro_config (its copies of values,
 *     also when a value is replaced) and by cfavro_config_set_properties
 *     (its line buffer), while the client's copies are wiped. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "cfavro.h"

#define SECRET "s3cr3tPW"

static void assert_no_secret(const cfavro_error *err)
{
    if (strstr(err->message, SECRET) != NULL) {
        fail_msg("secret in message: %s", err->message);
    }
}

static void check_invalid_value(const char *key, const char *value)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    assert_int_equal(cfavro_config_set(cfg, key, value, &err), CFAVRO_E_CONFIG);
    assert_non_null(strstr(err.message, key)); /* still says which key */
    assert_no_secret(&err);
    cfavro_config_free(cfg);
}

static void test_invalid_url_with_user_info_not_quoted(void **state)
{
    (void)state;
    /* A trailing comma, a second URL with another scheme, a space. */
    check_invalid_value("schema.registry.url", "https://key:" SECRET "@reg1:8081,");
    check_invalid_value("schema.registry.url", "https://key:" SECRET "@reg1,ftp://x");
    check_invalid_value("proxy", "http://user:" SECRET "@proxy:8080 x");
    /* Without user info the excerpt is still shown (it helps). */
    cfavro_config *cfg = cfavro_config_new();
    cfavro_error err;
    assert_int_equal(cfavro_config_set(cfg, "proxy", "no-scheme-proxy", &err), CFAVRO_E_CONFIG);
#ifdef CF_HAVE_REGISTRY
    assert_non_null(strstr(err.message, "no-scheme-proxy"));
#endif
    cfavro_config_free(cfg);
}

static void test_url_password_with_slash_never_shown(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    int rc = cfavro_config_set(cfg, "schema.registry.url",
                               "http://APIKEY:" SECRET "/x@127.0.0.1:1", &err);
    assert_no_secret(&err);
    if (rc == CFAVRO_OK) {
        assert_int_equal(cfavro_config_set(cfg, "max.retries", "0", &err), CFAVRO_OK);
        cfavro_client *client = cfavro_client_new(cfg, &err);
        assert_no_secret(&err);
        if (client != NULL) {
            /* Before the fix: "GET http://APIKEY:<secret>/x@127.0.0.1:1/...". */
            rc = cfavro_client_prefetch(client, 1, &err);
            assert_int_not_equal(rc, CFAVRO_OK);
            assert_no_secret(&err);
            cfavro_client_free(client);
        } else {
            assert_int_equal(err.status, CFAVRO_E_CONFIG);
            assert_non_null(strstr(err.message, "schema.registry.url"));
        }
    }
    cfavro_config_free(cfg);
}

/* Allocation hooks that remember each block's size and, when a block is
 * freed (or moved by realloc), count it if it still holds the secret. */
static long g_unwiped;

static void scan(const void *p, size_t n)
{
    if (memmem(p, n, SECRET, strlen(SECRET)) != NULL) {
        g_unwiped++;
    }
}

static void *scan_malloc(size_t n)
{
    size_t *h = malloc(sizeof(size_t) * 2 + n);
    if (h == NULL) {
        return NULL;
    }
    h[0] = n;
    /* Defined bytes throughout: the scan at free reads the whole block,
     * including parts the library never wrote (valgrind would flag them). */
    memset(h + 2, 0, n);
    return h + 2;
}

static void scan_free(void *p)
{
    if (p != NULL) {
        size_t *h = (size_t *)p - 2;
        scan(p, h[0]);
        free(h);
    }
}

static void *scan_realloc(void *p, size_t n)
{
    void *q = scan_malloc(n);
    if (q != NULL && p != NULL) {
        size_t old = ((size_t *)p)[-2];
        memcpy(q, p, old < n ? old : n);
        scan_free(p); /* a moved block keeps its old bytes too */
    }
    return q;
}

static void test_secrets_wiped_before_free(void **state)
{
    (void)state;
    static const cf_alloc_hooks hooks = {scan_malloc, scan_realloc, scan_free};
    cf_alloc_set_hooks(&hooks);
    g_unwiped = 0;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    int avail = cfavro_config_set(cfg, "basic.auth.user.info", "old:" SECRET "1", &err);
    if (avail == CFAVRO_OK) {
        /* Replaced: the old copy goes. */
        assert_int_equal(cfavro_config_set(cfg, "basic.auth.user.info", "user:" SECRET, &err),
                         CFAVRO_OK);
        assert_int_equal(cfavro_config_set(cfg, "ssl.key.password", SECRET "2", &err),
                         CFAVRO_OK);
    }
    static const char props[] = "bearer.auth.logical.cluster = lkc-1\n"
                                "basic.auth.credentials.source = USER_INFO\n"
                                "schema.registry.url = http://127.0.0.1:1\n"
                                "basic.auth.user.info = user:" SECRET "\n";
    int rc = cfavro_config_set_properties(cfg, props, strlen(props), &err);
    if (avail == CFAVRO_OK) {
        assert_int_equal(rc, CFAVRO_OK);
        cfavro_client *client = cfavro_client_new(cfg, &err);
        if (client == NULL) fail_msg("cfavro_client_new: %s", err.message);
        cfavro_client_free(client);
    }
    cfavro_config_free(cfg);
    cf_alloc_set_hooks(NULL);
    assert_int_equal(g_unwiped, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_url_with_user_info_not_quoted),
        cmocka_unit_test(test_url_password_with_slash_never_shown),
        cmocka_unit_test(test_secrets_wiped_before_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
