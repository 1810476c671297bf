/* cfavro_config_set_properties: the properties format (comments, CRLF,
 * whitespace, empty values, '=' in values, BOM, last value wins), every
 * error with its line number and offset, secrets never in messages, NUL
 * bytes, the line and text bounds, NULL arguments and failing allocations. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "config_internal.h"
#include "test_support.h"

/* ---- helpers --------------------------------------------------------------- */

/* The value `cfg` holds for `key`, or NULL when unset. */
static const char *value_of(const cfavro_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++) {
        if (strcmp(cfg->items[i].row->info.name, key) == 0) {
            return cfg->items[i].value;
        }
    }
    return NULL;
}

/* Apply `text` (its strlen) to a new config; the config is returned through
 * *out (NULL to free it at once). */
static int apply(const char *text, cfavro_error *err, cfavro_config **out)
{
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    int rc = cfavro_config_set_properties(cfg, text, strlen(text), err);
    if (out != NULL) {
        *out = cfg;
    } else {
        cfavro_config_free(cfg);
    }
    return rc;
}

/* `text` fails with CFAVRO_E_CONFIG, a message starting with `prefix`, and
 * the offset `offset`. */
static void assert_fails(const char *text, const char *prefix, uint64_t offset)
{
    cfavro_error err;
    assert_int_equal(apply(text, &err, NULL), CFAVRO_E_CONFIG);
    assert_int_equal(err.status, CFAVRO_E_CONFIG);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0) {
        fail_msg("message \"%s\" does not start with \"%s\"", err.message, prefix);
    }
    assert_int_equal(err.offset, offset);
}

/* ---- the format ------------------------------------------------------------ */

static void test_pairs_comments_blank_lines(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    const char *text = "# a comment\n"
                       "! another comment = with an equals sign\n"
                       "\n"
                       "   \t\n"
                       "   # an indented comment\n"
                       "json.union=plain\n"
                       "limit.depth=64\n";
    assert_int_equal(apply(text, &err, &cfg), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_string_equal(err.message, "");
    assert_int_equal(cfg->count, 2);
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    assert_string_equal(value_of(cfg, "limit.depth"), "64");
    cfavro_config_free(cfg);
}

static void test_crlf_and_last_line_without_newline(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    assert_int_equal(apply("json.union=plain\r\n# c\r\n\r\njson.bytes=hex\r", &err, &cfg),
                     CFAVRO_OK);
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    assert_string_equal(value_of(cfg, "json.bytes"), "hex");
    cfavro_config_free(cfg);
    /* Only one CR is a line end: a second one is part of the value. */
    assert_fails("json.union=plain\r\r\n", "line 1: config json.union: invalid value", 0);
}

static void test_whitespace_trimmed_around_key_and_before_value(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    assert_int_equal(apply("  \tjson.union \t=\t  plain\n"
                           "schema.dir =  /tmp/dir with spaces  \n",
                           &err, &cfg),
                     CFAVRO_OK);
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    /* Trailing spaces belong to the value (a secret may end in one). */
    assert_string_equal(value_of(cfg, "schema.dir"), "/tmp/dir with spaces  ");
    cfavro_config_free(cfg);
    /* ... so a choice with one is refused, by the config, naming the key. */
    assert_fails("\njson.union=plain \n", "line 2: config json.union: invalid value", 1);
}

static void test_value_keeps_equals_hash_and_backslash(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    assert_int_equal(apply("schema.dir=a=b # not a comment \\n\\\n", &err, &cfg), CFAVRO_OK);
    assert_string_equal(value_of(cfg, "schema.dir"), "a=b # not a comment \\n\\");
    cfavro_config_free(cfg);
}

static void test_empty_value_is_passed_to_the_config(void **state)
{
    (void)state;
    /* schema.dir refuses the empty value: the config says so for line 1. */
    assert_fails("schema.dir=\n", "line 1: config schema.dir: invalid value \"\"", 0);
    assert_fails("schema.dir=   \t\n", "line 1: config schema.dir: invalid value \"\"", 0);
}

static void test_last_value_wins_and_bom_skipped(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    assert_int_equal(apply("\xEF\xBB\xBFjson.union=plain\njson.union=avro\n", &err, &cfg),
                     CFAVRO_OK);
    assert_int_equal(cfg->count, 1);
    assert_string_equal(value_of(cfg, "json.union"), "avro");
    cfavro_config_free(cfg);
    /* A BOM anywhere else is part of a key. */
    assert_fails("\n\xEF\xBB\xBFjson.union=plain\n", "line 2: unknown config key \"\\xef", 1);
}

static void test_empty_text(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    err.status = CFAVRO_E_CONFIG;
    assert_int_equal(cfavro_config_set_properties(cfg, NULL, 0, &err), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_int_equal(cfavro_config_set_properties(cfg, "", 0, &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set_properties(cfg, "\n\n# only comments\r\n", 18, &err),
                     CFAVRO_OK);
    assert_int_equal(cfg->count, 0);
    cfavro_config_free(cfg);
}

static void test_length_not_strlen(void **state)
{
    (void)state;
    /* Only text[0..len) is read: the bytes after it are not a line. */
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    const char text[] = "json.union=plain\nno.such.key=1\n";
    assert_int_equal(cfavro_config_set_properties(cfg, text, 17, NULL), CFAVRO_OK);
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    /* Cut inside a value: the value ends there. */
    assert_int_equal(cfavro_config_set_properties(cfg, "json.bytes=hexadecimal", 14, NULL),
                     CFAVRO_OK);
    assert_string_equal(value_of(cfg, "json.bytes"), "hex");
    cfavro_config_free(cfg);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_missing_equals_names_line_not_content(void **state)
{
    (void)state;
    cfavro_error err;
    const char *text = "json.union=plain\n\n# c\nbasic.auth.user.info user:S3KR1T\n";
    assert_int_equal(apply(text, &err, NULL), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, "line 4: expected key=value, found no '=' (the line is not "
                                     "shown: it may hold a secret)");
    assert_int_equal(err.offset, 22);
    assert_null(strstr(err.message, "S3KR1T"));
    assert_null(strstr(err.message, "basic"));
}

static void test_empty_key(void **state)
{
    (void)state;
    assert_fails("json.union=plain\n  =S3KR1T\n", "line 2: empty key before '='", 17);
}

static void test_key_with_space_or_colon_not_quoted(void **state)
{
    (void)state;
    /* Java's other separators: the would-be key holds the secret. */
    static const char *const lines[] = {
        "bearer.auth.token S3KR1T=x\n",
        "bearer.auth.token\tS3KR1T=x\n",
        "bearer.auth.token:S3KR1T=x\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        cfavro_error err;
        assert_int_equal(apply(lines[i], &err, NULL), CFAVRO_E_CONFIG);
        assert_string_equal(err.message,
                            "line 1: the key contains a space, tab or ':' (only '=' separates "
                            "key and value; the line is not shown: it may hold a secret)");
        assert_null(strstr(err.message, "S3KR1T"));
    }
}

static void test_unknown_key_with_line_number(void **state)
{
    (void)state;
    cfavro_config *cfg;
    cfavro_error err;
    const char *text = "json.union=plain\r\n"
                       "# comment\r\n"
                       "\r\n"
                       "json.colour=blue\r\n"
                       "json.bytes=hex\r\n";
    assert_int_equal(apply(text, &err, &cfg), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, "line 4: unknown config key \"json.colour\"");
    assert_int_equal(err.offset, 31);
    /* The lines before the bad one stay applied; none after it is. */
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    assert_null(value_of(cfg, "json.bytes"));
    cfavro_config_free(cfg);
}

static void test_bad_value_message_is_the_configs(void **state)
{
    (void)state;
    cfavro_error direct;
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    assert_int_equal(cfavro_config_set(cfg, "limit.depth", "lots", &direct), CFAVRO_E_CONFIG);
    cfavro_config_free(cfg);
    char want[sizeof direct.message + 16];
    snprintf(want, sizeof want, "line 3: %s", direct.message);
    cfavro_error err;
    assert_int_equal(apply("\n\nlimit.depth = lots\n", &err, NULL), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, want);
    assert_int_equal(err.offset, 2);
}

static void test_secret_value_never_in_message(void **state)
{
    (void)state;
    /* Values every build refuses (a token with spaces, user info with a
     * control byte), so the test holds with and without the registry. */
    static const char *const texts[] = {
        "bearer.auth.token = S3KR1T with space\n",
        "# x\nbasic.auth.user.info=user:S3KR1T\x01\n",
        "ssl.key.password=\n",
        "bearer.auth.token=S3KR1T\0rest\n",
    };
    static const size_t lens[] = {37, 39, 18, 30};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        cfavro_config *cfg = cfavro_config_new();
        assert_non_null(cfg);
        cfavro_error err;
        int rc = cfavro_config_set_properties(cfg, texts[i], lens[i], &err);
        cfavro_config_free(cfg);
        assert_int_equal(rc, CFAVRO_E_CONFIG);
        assert_true(strncmp(err.message, "line ", 5) == 0);
        assert_null(strstr(err.message, "S3KR1T"));
        assert_null(strstr(err.message, "user:"));
    }
    /* The same secret with other letters gives the same message. */
    cfavro_error a, b;
    assert_int_equal(apply("bearer.auth.token=S3KR1T one\n", &a, NULL), CFAVRO_E_CONFIG);
    assert_int_equal(apply("bearer.auth.token=Z0QQQQ two\n", &b, NULL), CFAVRO_E_CONFIG);
    assert_string_equal(a.message, b.message);
    assert_true(strstr(a.message, "bearer.auth.token") != NULL);
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "json.union=plain\njson.bytes=he\0x\n";
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    assert_int_equal(cfavro_config_set_properties(cfg, text, sizeof text - 1, &err),
                     CFAVRO_E_CONFIG);
    assert_string_equal(err.message, "line 2: NUL byte at column 14");
    assert_int_equal(err.offset, 17);
    assert_null(value_of(cfg, "json.bytes"));
    /* In a comment too: the text is not a properties file. */
    assert_int_equal(cfavro_config_set_properties(cfg, "# \0\n", 4, &err), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, "line 1: NUL byte at column 3");
    cfavro_config_free(cfg);
}

static void test_overlong_line(void **state)
{
    (void)state;
    size_t max = CFAVRO_PROPERTIES_MAX_LINE_BYTES;
    size_t head = strlen("schema.dir=");
    char *text = malloc(max + 64);
    assert_non_null(text);
    /* Exactly the bound (CRLF not counted) is accepted ... */
    memcpy(text, "schema.dir=", head);
    memset(text + head, 'd', max - head);
    memcpy(text + max, "\r\n", 2);
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    assert_int_equal(cfavro_config_set_properties(cfg, text, max + 2, &err), CFAVRO_OK);
    assert_int_equal(strlen(value_of(cfg, "schema.dir")), max - head);
    /* ... one byte more is not, on whichever line it is. */
    memcpy(text, "# c\n", 4);
    memcpy(text + 4, "schema.dir=", head);
    memset(text + 4 + head, 'd', max + 1 - head);
    text[4 + max + 1] = '\n';
    assert_int_equal(cfavro_config_set_properties(cfg, text, max + 6, &err), CFAVRO_E_CONFIG);
    char want[96];
    snprintf(want, sizeof want, "line 2: longer than %zu bytes", max);
    assert_string_equal(err.message, want);
    assert_int_equal(err.offset, 4);
    /* A comment line is bounded too. */
    memset(text, '#', max + 1);
    assert_int_equal(cfavro_config_set_properties(cfg, text, max + 1, &err), CFAVRO_E_CONFIG);
    assert_string_equal(err.message + 6, want + 6);
    cfavro_config_free(cfg);
    free(text);
}

static void test_overlong_text_applies_nothing(void **state)
{
    (void)state;
    size_t len = CFAVRO_PROPERTIES_MAX_BYTES + 1;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, '\n', len);
    memcpy(text, "json.union=plain\n", 17);
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    cfavro_error err;
    assert_int_equal(cfavro_config_set_properties(cfg, text, len, &err), CFAVRO_E_CONFIG);
    assert_int_equal(err.offset, CFAVRO_NO_OFFSET);
    assert_contains(err.message, "is over the limit of 1048576 bytes");
    assert_int_equal(cfg->count, 0);
    /* The bound itself is fine. */
    assert_int_equal(cfavro_config_set_properties(cfg, text, len - 1, &err), CFAVRO_OK);
    assert_string_equal(value_of(cfg, "json.union"), "plain");
    cfavro_config_free(cfg);
    free(text);
}

static void test_null_arguments(void **state)
{
    (void)state;
    cfavro_error err;
    assert_int_equal(cfavro_config_set_properties(NULL, "json.union=plain", 16, &err),
                     CFAVRO_E_ARGUMENT);
    assert_string_equal(err.message, "cfavro_config_set_properties: NULL cfg");
    cfavro_config *cfg = cfavro_config_new();
    assert_non_null(cfg);
    assert_int_equal(cfavro_config_set_properties(cfg, NULL, 1, &err), CFAVRO_E_ARGUMENT);
    assert_string_equal(err.message, "cfavro_config_set_properties: NULL text");
    /* A NULL err is allowed on every path. */
    assert_int_equal(cfavro_config_set_properties(cfg, NULL, 1, NULL), CFAVRO_E_ARGUMENT);
    assert_int_equal(cfavro_config_set_properties(cfg, "x", 1, NULL), CFAVRO_E_CONFIG);
    assert_int_equal(cfavro_config_set_properties(cfg, "x=1", 3, NULL), CFAVRO_E_CONFIG);
    assert_int_equal(cfavro_config_set_properties(cfg, "json.union=plain", 16, NULL), CFAVRO_OK);
    cfavro_config_free(cfg);
}

static void test_failing_allocations(void **state)
{
    (void)state;
    const char *text = "json.union=plain\nschema.dir=/tmp\njson.bytes=hex\n";
    /* Fail each allocation in turn until the call no longer allocates: every
     * failure is CFAVRO_E_NOMEM and nothing leaks. */
    bool completed = false;
    for (long nth = 2; nth < 64 && !completed; nth++) {
        alloc_hooks_on(nth, -1); /* allocation 1 is the config itself */
        cfavro_config *cfg = cfavro_config_new();
        assert_non_null(cfg);
        cfavro_error err;
        int rc = cfavro_config_set_properties(cfg, text, strlen(text), &err);
        alloc_stop_failing();
        if (rc == CFAVRO_OK) {
            completed = true;
            assert_string_equal(value_of(cfg, "json.bytes"), "hex");
        } else {
            assert_int_equal(rc, CFAVRO_E_NOMEM);
            assert_int_equal(err.status, CFAVRO_E_NOMEM);
        }
        cfavro_config_free(cfg);
        assert_int_equal(alloc_live(), 0);
        alloc_hooks_off();
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_comments_blank_lines),
        cmocka_unit_test(test_crlf_and_last_line_without_newline),
        cmocka_unit_test(test_whitespace_trimmed_around_key_and_before_value),
        cmocka_unit_test(test_value_keeps_equals_hash_and_backslash),
        cmocka_unit_test(test_empty_value_is_passed_to_the_config),
        cmocka_unit_test(test_last_value_wins_and_bom_skipped),
        cmocka_unit_test(test_empty_text),
        cmocka_unit_test(test_length_not_strlen),
        cmocka_unit_test(test_missing_equals_names_line_not_content),
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_key_with_space_or_colon_not_quoted),
        cmocka_unit_test(test_unknown_key_with_line_number),
        cmocka_unit_test(test_bad_value_message_is_the_configs),
        cmocka_unit_test(test_secret_value_never_in_message),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_overlong_text_applies_nothing),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test_teardown(test_failing_allocations, alloc_hooks_off_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
