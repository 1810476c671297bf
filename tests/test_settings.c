/* The settings table: every row parses its default and lands where it says;
 * bad values of each kind fail naming the key; scope rules; keys reserved for
 * the registry refused with a reason; secrets never in messages; bounded,
 * escaped excerpts; the public listing matches the table and the generated
 * settings.md; config -> client -> decoder defaults flow. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_internal.h"
#include "cfavro.h"
#include "client_internal.h"
#include "config_internal.h"
#include "settings_internal.h"
#include "test_support.h"

/* ---- helpers --------------------------------------------------------------- */

static bool is_available(const cf_setting_row *row)
{
    return (row->info.flags & CFAVRO_SETTING_AVAILABLE) != 0;
}

static bool is_secret(const cf_setting_row *row)
{
    return (row->info.flags & CFAVRO_SETTING_SECRET) != 0;
}

/* The field `row` writes inside the struct at `base`, as a number. */
static uint64_t read_field(const void *base, const cf_setting_row *row)
{
    const unsigned char *p = (const unsigned char *)base + row->offset;
    switch ((cf_field_type)row->field) {
    case CF_FIELD_BOOL: {
        bool b;
        memcpy(&b, p, sizeof b);
        return b;
    }
    case CF_FIELD_U8: {
        uint8_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case CF_FIELD_U32: {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case CF_FIELD_U64: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case CF_FIELD_TEXT:
        break; /* not a number: see read_text */
    }
    fail_msg("row %s: field type %d is not a number", row->info.name, row->field);
    return 0;
}

/* The string field `row` writes inside the registry config. */
static char *read_text(const cf_registry_config *rc, const cf_setting_row *row)
{
    assert_int_equal(row->field, CF_FIELD_TEXT);
    char *v;
    memcpy(&v, (const unsigned char *)rc + row->offset, sizeof v);
    return v;
}

/* A value the row accepts, for rows whose default is unset. */
static const char *valid_value(const cf_setting_row *row)
{
    if (row->info.default_value != NULL) {
        return row->info.default_value;
    }
    if (strcmp(row->info.name, "reader.schema") == 0) {
        return "\"string\""; /* compiled when set */
    }
    if (row->parser == CF_PARSE_UINT) {
        assert_int_equal(row->min, 1); /* cfavro.reader.version */
        return "1";
    }
    assert_int_equal(row->parser, CF_PARSE_TEXT);
    switch ((cf_text_rule)row->text_rule) {
    case CF_TEXT_NONEMPTY: return "/etc/cfavro/x";
    case CF_TEXT_URL_LIST: return "http://sr1:8081, https://sr2/base";
    case CF_TEXT_PROXY: return "socks5h://proxy:1080";
    case CF_TEXT_USER_INFO: return "key:a secret with spaces";
    case CF_TEXT_TOKEN: return "lsrc-abc.DEF_123~";
    }
    fail_msg("row %s: unknown text rule", row->info.name);
    return NULL;
}

static void set_expect_config(cfavro_config *cfg, const char *key, const char *value,
                              cfavro_error *err)
{
    memset(err, 0x5a, sizeof *err);
    int rc = cfavro_config_set(cfg, key, value, err);
    if (rc != CFAVRO_E_CONFIG) {
        fail_msg("%s=\"%s\": expected CFAVRO_E_CONFIG, got %d", key, value, rc);
    }
    assert_int_equal(err->status, CFAVRO_E_CONFIG);
    assert_true(err->offset == CFAVRO_NO_OFFSET);
}

/* No byte of the message is a control byte or outside ASCII. */
static void assert_clean_message(const char *msg)
{
    for (const char *p = msg; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f) {
            fail_msg("raw byte 0x%02x in message: %s", c, msg);
        }
    }
}

/* ---- the table ------------------------------------------------------------- */

static void test_every_default_parses(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->info.default_value == NULL) {
            continue;
        }
        int rc = cf_settings_apply(row, row->info.default_value, NULL, &err);
        if (rc != CFAVRO_OK) {
            fail_msg("%s: default \"%s\" refused: %s", row->info.name, row->info.default_value,
                     err.message);
        }
        /* Through the public call too: available keys take their default. */
        if (is_available(row)) {
            assert_int_equal(cfavro_config_set(cfg, row->info.name, row->info.default_value, &err),
                             CFAVRO_OK);
        }
    }
    cfavro_config_free(cfg);
}

/* The defaults the table applies are the documented ones, field by field, and
 * the schema limits agree with the compiler's own fallback. */
static void test_defaults_reach_their_fields(void **state)
{
    (void)state;
    cf_options o;
    memset(&o, 0xa5, sizeof o);
    cf_options_default(&o);
    assert_int_equal(o.json.union_style, CF_UNION_AVRO);
    assert_int_equal(o.json.bytes_mode, CF_BYTES_AVRO);
    assert_true(o.json.logical);
    assert_int_equal(o.json.time_style, CF_TIME_ISO8601);
    assert_true(o.json.decimal_quoted);
    assert_int_equal(o.json.nonfinite, CF_NONFINITE_STRING);
    assert_true(o.json.max_output == (size_t)64 << 20);
    assert_int_equal(o.walk.utf8, CF_UTF8_ERROR);
    assert_false(o.walk.allow_trailing);
    assert_int_equal(o.walk.max_depth, 128);
    assert_true(o.walk.max_items == 1000000);

    cf_json_options j;
    cf_json_options_default(&j);
    assert_memory_equal(&j, &o.json, sizeof j);
    cf_walk_limits w;
    cf_walk_limits_default(&w);
    assert_memory_equal(&w, &o.walk, sizeof w);

    cf_schema_limits from_table;
    cf_schema_limits compiler;
    memset(&from_table, 0, sizeof from_table);
    memset(&compiler, 0, sizeof compiler);
    cf_schema_limits_default(&compiler);
    cf_settings_target t = {.schema = &from_table};
    assert_int_equal(cf_settings_apply_defaults(&t, NULL), CFAVRO_OK);
    assert_memory_equal(&from_table, &compiler, sizeof compiler);
    /* The numbers the issue asks for. */
    assert_int_equal(from_table.max_nodes, 100000);
    assert_int_equal(from_table.max_fields, 10000);
    assert_int_equal(from_table.max_branches, 1000);
    assert_int_equal(from_table.max_symbols, 100000);
    assert_int_equal(from_table.max_fixed_size, 16u << 20);
    assert_true(from_table.max_name_bytes == (size_t)4 << 20);
}

/* Every row with a field writes that field and nothing else: each choice word
 * and both ends of each range read back from the struct. */
static void test_rows_write_their_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->target == CF_TARGET_NONE || row->target == CF_TARGET_CLIENT_TEXT ||
            row->field == CF_FIELD_TEXT) {
            continue;
        }
        cf_options o;
        cf_schema_limits l;
        cf_registry_config r;
        memset(&r, 0, sizeof r);
        cf_reader_config rd;
        memset(&rd, 0, sizeof rd);
        cf_settings_target t = {.options = &o, .schema = &l, .registry = &r, .reader = &rd};
        void *base = row->target == CF_TARGET_OPTIONS          ? (void *)&o
                     : row->target == CF_TARGET_SCHEMA_LIMITS ? (void *)&l
                     : row->target == CF_TARGET_READER        ? (void *)&rd
                                                               : (void *)&r;
        size_t size = row->target == CF_TARGET_OPTIONS          ? sizeof o
                      : row->target == CF_TARGET_SCHEMA_LIMITS ? sizeof l
                      : row->target == CF_TARGET_READER        ? sizeof rd
                                                                : sizeof r;
        unsigned char before[sizeof(cf_options) + sizeof(cf_schema_limits) +
                             sizeof(cf_registry_config) + sizeof(cf_reader_config)];
        char text[32];
        size_t tries = row->parser == CF_PARSE_CHOICE ? row->nchoices : 2;
        for (size_t k = 0; k < tries; k++) {
            cf_options_default(&o);
            cf_schema_limits_default(&l);
            memcpy(before, base, size);
            uint64_t want;
            const char *value;
            if (row->parser == CF_PARSE_CHOICE) {
                value = row->choices[k].word;
                want = row->choices[k].value;
                if (row->field == CF_FIELD_BOOL) {
                    want = want != 0;
                }
            } else {
                assert_int_equal(row->parser, CF_PARSE_UINT);
                want = k == 0 ? row->min : cf_setting_max(row);
                snprintf(text, sizeof text, "%llu", (unsigned long long)want);
                value = text;
            }
            assert_int_equal(cf_settings_apply(row, value, &t, NULL), CFAVRO_OK);
            if (read_field(base, row) != want) {
                fail_msg("%s=%s: field reads %llu", row->info.name, value,
                         (unsigned long long)read_field(base, row));
            }
            /* Everything outside the field is untouched. */
            for (size_t b = 0; b < size; b++) {
                bool inside = b >= row->offset &&
                              b < row->offset + (row->field == CF_FIELD_U32   ? 4u
                                                 : row->field == CF_FIELD_U64 ? 8u
                                                                              : 1u);
                if (!inside && ((unsigned char *)base)[b] != before[b]) {
                    fail_msg("%s=%s changed byte %zu outside its field", row->info.name, value, b);
                }
            }
        }
    }
}

/* ---- the listing ----------------------------------------------------------- */

/* The registry config: the documented defaults land in their fields; text
 * rows store owned copies, a second value replaces the first; freeing leaves
 * the struct zeroed (and, under ASan, nothing leaked). */
static void test_registry_rows_store_owned_text(void **state)
{
    (void)state;
    cf_registry_config rc;
    memset(&rc, 0, sizeof rc);
    cf_settings_target t = {.registry = &rc};
    assert_int_equal(cf_settings_apply_defaults(&t, NULL), CFAVRO_OK);
    assert_true(rc.request_timeout_ms == 10000);
    assert_true(rc.connect_timeout_ms == 10000);
    assert_true(rc.max_response_bytes == 8388608);
    assert_int_equal(rc.max_retries, 3);
    assert_true(rc.retries_wait_ms == 1000);
    assert_true(rc.retries_max_wait_ms == 20000);
    assert_int_equal(rc.cache_capacity, 1000);
    assert_true(rc.negative_ttl_ms == 60000);
    assert_true(rc.verify_host);
    assert_int_equal(rc.basic_source, 0); /* URL */
    assert_null(rc.urls);
    assert_null(rc.persist_dir);

    size_t text_rows = 0;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->target != CF_TARGET_REGISTRY || row->field != CF_FIELD_TEXT) {
            continue;
        }
        text_rows++;
        const char *first = valid_value(row);
        assert_int_equal(cf_settings_apply(row, first, &t, NULL), CFAVRO_OK);
        char *stored = read_text(&rc, row);
        assert_non_null(stored);
        assert_ptr_not_equal(stored, first);
        assert_string_equal(stored, first);
        /* Rules accept a shorter form of each valid value: "x" for most. */
        const char *second = row->text_rule == CF_TEXT_URL_LIST   ? "http://other"
                             : row->text_rule == CF_TEXT_PROXY     ? "http://p"
                             : row->text_rule == CF_TEXT_USER_INFO ? "u:p"
                                                                   : "x";
        assert_int_equal(cf_settings_apply(row, second, &t, NULL), CFAVRO_OK);
        assert_string_equal(read_text(&rc, row), second);
    }
    assert_int_equal(text_rows, 12);
    assert_string_equal(rc.persist_dir, "x");
    assert_string_equal(rc.basic_user_info, "u:p");
    cf_registry_config_free(&rc);
    cf_registry_config zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&rc, &zero, sizeof rc);
    cf_registry_config_free(NULL);

    /* A secret's old copy is wiped before it is freed. */
    char *secret = cf_strndup("hunter2", 7);
    cf_wipe_text(secret);
    assert_memory_equal(secret, "\0\0\0\0\0\0\0", 7);
    cf_free(secret);
}

static void test_listing_matches_table(void **state)
{
    (void)state;
    assert_int_equal(cfavro_setting_count(), cf_setting_row_count);
    assert_null(cfavro_setting_at(cf_setting_row_count));
    assert_null(cfavro_setting_at((size_t)-1));
    size_t secrets = 0;
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        const cfavro_setting_info *s = cfavro_setting_at(i);
        const cf_setting_row *row = &cf_setting_rows[i];
        assert_ptr_equal(s, &row->info);
        assert_ptr_equal(cf_settings_find(s->name), row); /* names are unique */
        assert_true(s->scope == CFAVRO_SETTING_CLIENT || s->scope == CFAVRO_SETTING_DECODER);
        assert_int_equal(s->flags & ~(uint32_t)(CFAVRO_SETTING_SECRET | CFAVRO_SETTING_AVAILABLE),
                         0);
        assert_true(s->doc != NULL && s->doc[0] != '\0');
        assert_true(s->accepted != NULL && s->accepted[0] != '\0');
        /* A secret has no default to show, and a decoder key always has one. */
        if (is_secret(row)) {
            assert_null(s->default_value);
            secrets++;
        }
        if (s->scope == CFAVRO_SETTING_DECODER && row->target != CF_TARGET_READER) {
            assert_non_null(s->default_value);
            assert_int_equal(row->target, CF_TARGET_OPTIONS);
        }
        /* reader.schema, the one decoder key without a default: no reader. */
        if (s->scope == CFAVRO_SETTING_DECODER && row->target == CF_TARGET_READER) {
            assert_string_equal(s->name, "reader.schema");
            assert_null(s->default_value);
        }
        /* Every row has a place to go but the one whose only word is the
         * behaviour anyway. */
        assert_int_equal(row->target == CF_TARGET_NONE,
                         strcmp(s->name, "bearer.auth.credentials.source") == 0);
        /* Text is stored as text, numbers as numbers. */
        if (row->target == CF_TARGET_REGISTRY || row->target == CF_TARGET_READER) {
            assert_int_equal(row->field == CF_FIELD_TEXT, row->parser == CF_PARSE_TEXT);
        }
        /* The accepted text is what the parser accepts. */
        char want[256] = "";
        if (row->parser == CF_PARSE_CHOICE) {
            for (size_t k = 0; k < row->nchoices; k++) {
                const char *w = row->choices[k].word;
                strcat(want, k ? ", " : "");
                strcat(want, w[0] ? w : "\"\" (empty)");
            }
            assert_string_equal(s->accepted, want);
        } else if (row->parser == CF_PARSE_UINT) {
            snprintf(want, sizeof want, "%llu to %llu", (unsigned long long)row->min,
                     (unsigned long long)row->max);
            assert_string_equal(s->accepted, want);
            assert_true(row->min <= row->max);
        }
    }
    assert_int_equal(secrets, 3);
    assert_true(is_secret(cf_settings_find("basic.auth.user.info")));
    assert_true(is_secret(cf_settings_find("bearer.auth.token")));
    assert_true(is_secret(cf_settings_find("ssl.key.password")));

    /* The keys every build takes, and the registry's HTTP keys (available
     * only in builds with the registry client), all have rows. */
    static const char *const available[] = {
        "cache.capacity", "cfavro.registry.negative.ttl.ms", "cfavro.registry.persist.dir",
        "schema.dir", "json.union", "json.bytes", "json.logical", "json.time", "json.decimal",
        "json.nonfinite", "json.invalid.utf8", "decode.trailing.bytes", "limit.depth",
        "limit.items", "limit.output.bytes", "limit.schema.bytes", "limit.schema.depth",
        "limit.schema.nodes", "limit.schema.fields", "limit.schema.branches",
        "limit.schema.symbols", "limit.schema.fixed.size", "limit.schema.names.bytes",
        "reader.schema"};
    static const char *const reserved[] = {
        "schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info",
        "bearer.auth.credentials.source", "bearer.auth.token", "bearer.auth.logical.cluster",
        "bearer.auth.identity.pool.id", "ssl.ca.location", "ssl.certificate.location",
        "ssl.key.location", "ssl.key.password", "ssl.endpoint.identification.algorithm",
        "request.timeout.ms", "max.retries", "retries.wait.ms", "retries.max.wait.ms",
        "proxy", "schema.registry.context", "cfavro.registry.response.max.bytes",
        "cfavro.registry.connect.timeout.ms", "use.latest.version", "cfavro.reader.subject",
        "cfavro.reader.version", "latest.cache.ttl.sec"};
    for (size_t i = 0; i < sizeof available / sizeof available[0]; i++) {
        const cf_setting_row *row = cf_settings_find(available[i]);
        if (row == NULL || !is_available(row)) {
            fail_msg("%s: no available row", available[i]);
        }
    }
#ifdef CF_HAVE_REGISTRY
    const bool http_available = true;
#else
    const bool http_available = false;
#endif
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        const cf_setting_row *row = cf_settings_find(reserved[i]);
        if (row == NULL || is_available(row) != http_available ||
            row->info.scope != CFAVRO_SETTING_CLIENT) {
            fail_msg("%s: no client row %s", reserved[i],
                     http_available ? "available" : "reserved");
        }
    }
    assert_int_equal(cf_setting_row_count,
                     sizeof available / sizeof available[0] + sizeof reserved / sizeof reserved[0]);
}

/* On this platform the documented range is the one enforced, except where a
 * field is too narrow (size_t on 32-bit platforms). */
static void test_effective_ranges(void **state)
{
    (void)state;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->parser != CF_PARSE_UINT) {
            continue;
        }
        uint64_t field_max = row->field == CF_FIELD_U32 ? UINT32_MAX >> 1 : UINT64_MAX >> 1;
        uint64_t want = row->max < field_max ? row->max : field_max;
        assert_true(cf_setting_max(row) == want);
        if (sizeof(size_t) == 8) {
            assert_true(cf_setting_max(row) == row->max);
        }
    }
}

/* settings.md (generated at build time through the public listing) has a line
 * for every row with its default and flags. */
static void test_generated_doc(void **state)
{
    (void)state;
    const char *path = getenv("CFAVRO_SETTINGS_DOC");
    if (path == NULL) {
        fail_msg("CFAVRO_SETTINGS_DOC is not set (tests/meson.build sets it)");
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cfavro_setting_info *s = &cf_setting_rows[i].info;
        char needle[128];
        snprintf(needle, sizeof needle, "| `%s` | %s | ", s->name,
                 s->scope == CFAVRO_SETTING_CLIENT ? "client" : "decoder");
        const char *line = strstr(text, needle);
        if (line == NULL) {
            fail_msg("settings.md has no row for %s", s->name);
        }
        char row[1024];
        size_t len = strcspn(line, "\n");
        assert_true(len < sizeof row);
        memcpy(row, line, len);
        row[len] = '\0';
        if (s->default_value != NULL) {
            snprintf(needle, sizeof needle, "`%s`", s->default_value);
            assert_contains(row, needle);
        } else {
            assert_contains(row, "(unset)");
        }
        assert_int_equal(strstr(row, "secret") != NULL,
                         (s->flags & CFAVRO_SETTING_SECRET) != 0);
        assert_int_equal(strstr(row, "reserved") != NULL,
                         (s->flags & CFAVRO_SETTING_AVAILABLE) == 0);
    }
}

/* ---- bad values ------------------------------------------------------------ */

/* Values no row of the given kind accepts. */
static const char *const bad_numbers[] = {"",   "-1",  "+1",  " 1",  "1 ", "1x",
                                          "0x10", "1e3", "1.0", "99999999999999999999999"};
static const char *const bad_urls[] = {
    "", "localhost:8081", "ftp://sr:21", "http://", "http:///path", "http://a,,http://b",
    "http://a,", "http://a b", "http://a\r\nHost: evil", ",http://a", "mock://x"};
static const char *const bad_proxies[] = {"", "proxy:3128", "://proxy", "1http://p",
                                          "http://p q", "http://p\n", "http://"};
static const char *const bad_user_info[] = {"", "nocolon", "user:pass\r\nX: y", "u:\x7f"};
static const char *const bad_tokens[] = {"", "a b", "tok\r\nX-Evil: 1", "t\tab", "caf\xc3\xa9"};

static void expect_bad(cfavro_config *cfg, const cf_setting_row *row, const char *value)
{
    cfavro_error err;
    set_expect_config(cfg, row->info.name, value, &err);
    assert_contains(err.message, row->info.name);
    /* The value is checked before availability: a reserved key reports the
     * mistake in its value. */
    assert_contains(err.message, "invalid value");
    assert_clean_message(err.message);
    assert_int_equal(cfavro_config_set(cfg, row->info.name, value, NULL), CFAVRO_E_CONFIG);
}

static void test_bad_values_of_each_kind(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    char text[64];
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        const char *const *bad = NULL;
        size_t nbad = 0;
        switch ((cf_setting_parser)row->parser) {
        case CF_PARSE_UINT:
            bad = bad_numbers;
            nbad = sizeof bad_numbers / sizeof bad_numbers[0];
            if (row->min > 0) {
                snprintf(text, sizeof text, "%llu", (unsigned long long)row->min - 1);
                expect_bad(cfg, row, text);
            }
            snprintf(text, sizeof text, "%llu", (unsigned long long)cf_setting_max(row) + 1);
            expect_bad(cfg, row, text);
            break;
        case CF_PARSE_CHOICE:
            expect_bad(cfg, row, "bogus");
            /* Words are exact: no other case, no spaces. */
            snprintf(text, sizeof text, " %s", row->choices[0].word);
            expect_bad(cfg, row, text);
            for (size_t k = 0; k < row->nchoices; k++) {
                const char *w = row->choices[k].word;
                size_t len = strlen(w);
                bool has_letter = false;
                for (size_t c = 0; c <= len && c < sizeof text; c++) {
                    char ch = w[c];
                    text[c] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32)
                              : (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32)
                                                         : ch;
                    has_letter |= text[c] != ch;
                }
                if (has_letter) {
                    expect_bad(cfg, row, text);
                }
            }
            if (cf_parse_choice(row, "", &(uint8_t){0}) == false) {
                expect_bad(cfg, row, "");
            }
            break;
        case CF_PARSE_TEXT:
            switch ((cf_text_rule)row->text_rule) {
            case CF_TEXT_NONEMPTY:
                expect_bad(cfg, row, "");
                break;
            case CF_TEXT_URL_LIST:
                bad = bad_urls;
                nbad = sizeof bad_urls / sizeof bad_urls[0];
                break;
            case CF_TEXT_PROXY:
                bad = bad_proxies;
                nbad = sizeof bad_proxies / sizeof bad_proxies[0];
                break;
            case CF_TEXT_USER_INFO:
                bad = bad_user_info;
                nbad = sizeof bad_user_info / sizeof bad_user_info[0];
                break;
            case CF_TEXT_TOKEN:
                bad = bad_tokens;
                nbad = sizeof bad_tokens / sizeof bad_tokens[0];
                break;
            }
            break;
        }
        for (size_t k = 0; k < nbad; k++) {
            expect_bad(cfg, row, bad[k]);
        }
        /* And a good value passes the check. */
        cfavro_error err;
        if (cf_settings_apply(row, valid_value(row), NULL, &err) != CFAVRO_OK) {
            fail_msg("%s: sample value refused: %s", row->info.name, err.message);
        }
    }
    /* Choice errors list the words; number errors the range. */
    cfavro_error err;
    set_expect_config(cfg, "json.bytes", "b64", &err);
    assert_string_equal(err.message,
                        "config json.bytes: invalid value \"b64\" (expected avro, base64, hex)");
    set_expect_config(cfg, "limit.depth", "0", &err);
    assert_string_equal(err.message,
                        "config limit.depth: invalid value \"0\" (expected an integer from 1 "
                        "to 10000)");
    cfavro_config_free(cfg);
}

/* Text rules accept what Confluent's clients write. */
static void test_text_rules_accept(void **state)
{
    (void)state;
    static const char *const urls[] = {"http://sr:8081", "HTTPS://sr.example.com/base/",
                                       "http://u:p@sr:8081", "http://a, http://b ,http://c",
                                       " http://a "};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        assert_true(cf_parse_text(CF_TEXT_URL_LIST, urls[i]));
    }
    assert_true(cf_parse_text(CF_TEXT_PROXY, "http://proxy:3128"));
    assert_true(cf_parse_text(CF_TEXT_PROXY, "socks5h://p:1080"));
    assert_true(cf_parse_text(CF_TEXT_USER_INFO, "key:secret:with:colons"));
    assert_true(cf_parse_text(CF_TEXT_USER_INFO, ":"));
    assert_true(cf_parse_text(CF_TEXT_TOKEN, "eyJhbGciOi.J9-_~+/="));
    assert_true(cf_parse_text(CF_TEXT_NONEMPTY, "/path with spaces/\xc3\xa9"));
}

/* ---- scope and availability ------------------------------------------------ */

static const char *k_union_schema =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\","
    "\"string\"]}]}";

/* A framed R with u = "x". */
static size_t union_msg(uint8_t *buf)
{
    static const uint8_t m[] = {0, 0, 0, 0, 1, 2, 2, 'x'};
    memcpy(buf, m, sizeof m);
    return sizeof m;
}

static void test_decoder_refuses_client_keys(void **state)
{
    (void)state;
    cfavro_client *c = client_with_schema(1, k_union_schema, strlen(k_union_schema));
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    assert_non_null(dec);
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        /* The reader schema is the writer's own: decoding below is unchanged. */
        const char *value = strcmp(row->info.name, "reader.schema") == 0 ? k_union_schema
                                                                           : valid_value(row);
        memset(&err, 0x5a, sizeof err);
        int rc = cfavro_decoder_set(dec, row->info.name, value, &err);
        if (row->info.scope == CFAVRO_SETTING_DECODER) {
            if (rc != CFAVRO_OK) {
                fail_msg("decoder key %s=%s refused: %s", row->info.name, value, err.message);
            }
            assert_int_equal(err.status, CFAVRO_OK);
        } else {
            assert_int_equal(rc, CFAVRO_E_CONFIG);
            assert_int_equal(err.status, CFAVRO_E_CONFIG);
            assert_contains(err.message, row->info.name);
            assert_contains(err.message, "client setting");
            assert_contains(err.message, "cfavro_client_new");
        }
    }
    /* Refusals left the decoder as it was: the union is still Avro JSON. */
    uint8_t m[16];
    size_t n = union_msg(m);
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"u\":{\"string\":\"x\"}}");
    /* An unknown key on a decoder is named like in a config. */
    assert_int_equal(cfavro_decoder_set(dec, "json.unoin", "plain", &err), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, "unknown config key \"json.unoin\"");
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
}

/* The registry's HTTP keys: refused with a reason in a build without the
 * registry client, taken in one with it. */
static void test_registry_keys_by_build(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    cfavro_error err;
    size_t reserved = 0;
#ifdef CF_HAVE_REGISTRY
    size_t taken = 0;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        assert_true(is_available(row));
        if (row->target == CF_TARGET_REGISTRY || row->target == CF_TARGET_NONE) {
            assert_int_equal(cfavro_config_set(cfg, row->info.name, valid_value(row), &err),
                             CFAVRO_OK);
            taken++;
        }
    }
    assert_true(taken >= 23);
    assert_int_equal(cfg->count, taken);
    cfavro_config_free(cfg);
    (void)reserved;
    return;
#endif
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (is_available(row)) {
            continue;
        }
        reserved++;
        set_expect_config(cfg, row->info.name, valid_value(row), &err);
        assert_contains(err.message, row->info.name);
        assert_contains(err.message, "no schema-registry client");
        assert_clean_message(err.message);
    }
    assert_true(reserved >= 20);
    /* Nothing was stored: the config still makes a client with the defaults. */
    assert_int_equal(cfg->count, 0);
    cfavro_client *c = cfavro_client_new(cfg, &err);
    assert_non_null(c);
    cfavro_client_free(c);
    cfavro_config_free(cfg);
}

/* ---- what messages may show ------------------------------------------------ */

#define MARK "S3KR1T"

static void test_secrets_never_in_messages(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    cfavro_client *c = client_with_schema(1, k_union_schema, strlen(k_union_schema));
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    /* Bad and good values carrying the mark, for every secret row. */
    static const char *const values[] = {MARK,           MARK " with spaces", MARK "\r\n",
                                         "user:" MARK,   MARK ":" MARK,      "x" MARK "\x01",
                                         "bad\n:" MARK};
    size_t secrets = 0;
    size_t bad_seen = 0;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (!is_secret(row)) {
            continue;
        }
        secrets++;
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            memset(&err, 0x5a, sizeof err);
            int rc = cfavro_config_set(cfg, row->info.name, values[k], &err);
            if (rc == CFAVRO_OK) {
                /* A well-formed secret, in a build with the registry client. */
                assert_true(is_available(row));
                assert_true(cf_parse_text((cf_text_rule)row->text_rule, values[k]));
                assert_int_equal(cfavro_decoder_set(dec, row->info.name, values[k], &err),
                                 CFAVRO_E_CONFIG);
                assert_null(strstr(err.message, MARK));
                continue;
            }
            assert_int_equal(rc, CFAVRO_E_CONFIG);
            assert_contains(err.message, row->info.name);
            if (strstr(err.message, MARK) != NULL) {
                fail_msg("%s: the secret's value is in: %s", row->info.name, err.message);
            }
            if (strstr(err.message, "invalid value") != NULL) {
                bad_seen++;
                assert_contains(err.message, "not shown");
            }
            assert_int_equal(cfavro_decoder_set(dec, row->info.name, values[k], &err),
                             CFAVRO_E_CONFIG);
            assert_null(strstr(err.message, MARK));
        }
    }
    assert_int_equal(secrets, 3);
    assert_true(bad_seen >= 6); /* bad values of each secret rule were among them */
    /* The exact text for one, so its form is reviewed. */
    set_expect_config(cfg, "basic.auth.user.info", MARK, &err);
    assert_string_equal(err.message,
                        "config basic.auth.user.info: invalid value (expected USER:PASSWORD; "
                        "the value of a secret setting is not shown)");
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    cfavro_config_free(cfg);
}

static void test_excerpt(void **state)
{
    (void)state;
    char out[CF_EXCERPT_SIZE];
    cf_settings_excerpt("", out);
    assert_string_equal(out, "");
    cf_settings_excerpt("plain text", out);
    assert_string_equal(out, "plain text");
    cf_settings_excerpt("q\"b\\\x01\x1f\x7f\xc3\xa9", out);
    assert_string_equal(out, "q\\x22b\\x5c\\x01\\x1f\\x7f\\xc3\\xa9");
    char s[80];
    memset(s, 'a', sizeof s);
    s[32] = '\0';
    cf_settings_excerpt(s, out);
    assert_string_equal(out, s); /* exactly 32 bytes: shown whole */
    s[32] = 'b';
    s[33] = '\0';
    cf_settings_excerpt(s, out);
    memset(s + 32, 0, 2);
    strcat(s, "...");
    assert_string_equal(out, s);
    /* The worst case fills the buffer exactly. */
    memset(s, 0xff, sizeof s - 1);
    s[sizeof s - 1] = '\0';
    cf_settings_excerpt(s, out);
    assert_int_equal(strlen(out), CF_EXCERPT_SIZE - 1);
    assert_string_equal(out + CF_EXCERPT_SIZE - 4, "...");
}

static void test_messages_show_bounded_excerpts(void **state)
{
    (void)state;
    cfavro_config *cfg = cfavro_config_new();
    cfavro_error err;
    /* A long binary value: bytes 1, 2, ... (32 of them shown, the last a space). */
    char value[300];
    for (size_t i = 0; i < sizeof value - 1; i++) {
        value[i] = (char)(i % 255 + 1);
    }
    value[sizeof value - 1] = '\0';
    set_expect_config(cfg, "json.union", value, &err);
    assert_clean_message(err.message);
    assert_contains(err.message,
                    "config json.union: invalid value \"\\x01\\x02\\x03\\x04\\x05\\x06\\x07"
                    "\\x08\\x09\\x0a\\x0b\\x0c\\x0d\\x0e\\x0f\\x10\\x11\\x12\\x13\\x14\\x15"
                    "\\x16\\x17\\x18\\x19\\x1a\\x1b\\x1c\\x1d\\x1e\\x1f ...\" (expected avro, "
                    "plain)");
    /* A long printable value is cut at 32 bytes. */
    char longv[200];
    memset(longv, 'v', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    set_expect_config(cfg, "limit.items", longv, &err);
    assert_contains(err.message, "\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...\"");
    assert_null(strstr(err.message, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv")); /* 33 */
    /* A long unknown key, with a control byte at the cut. */
    static const char k_long_key_message[] =
        "unknown config key \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\\x0a...\"";
    char key[1000];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    key[31] = '\n';
    set_expect_config(cfg, key, "1", &err);
    assert_string_equal(err.message, k_long_key_message);
    /* The same on a decoder. */
    cfavro_client *c = client_with_schema(1, k_union_schema, strlen(k_union_schema));
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    assert_int_equal(cfavro_decoder_set(dec, key, "1", &err), CFAVRO_E_CONFIG);
    assert_string_equal(err.message, k_long_key_message);
    assert_int_equal(cfavro_decoder_set(dec, "json.time", value, &err), CFAVRO_E_CONFIG);
    assert_clean_message(err.message);
    assert_contains(err.message, "\\x1f ...\"");
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    cfavro_config_free(cfg);
}

/* ---- config -> client -> decoder ------------------------------------------ */

static void test_config_flows_to_decoders(void **state)
{
    (void)state;
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "json.union", "plain", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "limit.output.bytes", "1000", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", "/nonexistent/a", &err), CFAVRO_OK);
    assert_int_equal(cfavro_config_set(cfg, "schema.dir", "/nonexistent/b", &err), CFAVRO_OK);
    cfavro_client *c = cfavro_client_new(cfg, &err);
    assert_non_null(c);
    cfavro_config_free(cfg);
    assert_string_equal(c->schema_dir, "/nonexistent/b"); /* the last value set */
    assert_true(c->defaults.json.max_output == 1000);
    assert_int_equal(cfavro_client_add_schema(c, 1, k_union_schema, strlen(k_union_schema), &err),
                     CFAVRO_OK);
    uint8_t m[16];
    size_t n = union_msg(m);
    const char *json;
    size_t len;
    cfavro_decoder *a = cfavro_decoder_new(c, &err);
    cfavro_decoder *b = cfavro_decoder_new(c, &err);
    assert_int_equal(cfavro_decode_json(a, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"u\":\"x\"}");
    /* One decoder's override leaves the client's default and the other
     * decoder alone. */
    assert_int_equal(cfavro_decoder_set(a, "json.union", "avro", &err), CFAVRO_OK);
    assert_int_equal(cfavro_decode_json(a, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"u\":{\"string\":\"x\"}}");
    assert_int_equal(cfavro_decode_json(b, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"u\":\"x\"}");
    cfavro_decoder *later = cfavro_decoder_new(c, &err);
    assert_int_equal(cfavro_decode_json(later, m, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, "{\"u\":\"x\"}");
    cfavro_decoder_free(a);
    cfavro_decoder_free(b);
    cfavro_decoder_free(later);
    cfavro_client_free(c);
}

/* Each limit.schema.* key set in a config reaches the client's limits. */
static void test_schema_limits_reach_client(void **state)
{
    (void)state;
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->target != CF_TARGET_SCHEMA_LIMITS) {
            continue;
        }
        cfavro_error err;
        cfavro_config *cfg = cfavro_config_new();
        char text[32];
        uint64_t want = row->min + 7;
        snprintf(text, sizeof text, "%llu", (unsigned long long)want);
        assert_int_equal(cfavro_config_set(cfg, row->info.name, text, &err), CFAVRO_OK);
        cfavro_client *c = cfavro_client_new(cfg, &err);
        assert_non_null(c);
        if (read_field(&c->limits, row) != want) {
            fail_msg("%s=%s: client limit is %llu", row->info.name, text,
                     (unsigned long long)read_field(&c->limits, row));
        }
        cfavro_client_free(c);
        cfavro_config_free(cfg);
    }
}

/* A valid 10,001-field record is refused by default and decodes once
 * limit.schema.fields allows it. */
static void test_wide_record_with_setting(void **state)
{
    (void)state;
    enum { NF = 10001 };
    size_t cap = 64 + (size_t)NF * 40;
    char *schema = malloc(cap);
    assert_non_null(schema);
    size_t w = (size_t)snprintf(schema, cap, "{\"type\":\"record\",\"name\":\"Wide\",\"fields\":[");
    for (int i = 0; i < NF; i++) {
        w += (size_t)snprintf(schema + w, cap - w, "%s{\"name\":\"f%d\",\"type\":\"null\"}",
                              i ? "," : "", i);
    }
    w += (size_t)snprintf(schema + w, cap - w, "]}");
    cfavro_error err;
    cfavro_client *c = cfavro_client_new(NULL, &err);
    assert_int_equal(cfavro_client_add_schema(c, 1, schema, w, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(err.message, "limit.schema.fields");
    cfavro_client_free(c);

    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "limit.schema.fields", "10001", &err), CFAVRO_OK);
    c = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    if (cfavro_client_add_schema(c, 1, schema, w, &err) != CFAVRO_OK) {
        fail_msg("10,001 fields with limit.schema.fields=10001: %s", err.message);
    }
    cfavro_decoder *dec = cfavro_decoder_new(c, &err);
    const uint8_t m[] = {0, 0, 0, 0, 1}; /* every field is null: no payload bytes */
    const char *json;
    size_t len;
    assert_int_equal(cfavro_decode_json(dec, m, sizeof m, &json, &len), CFAVRO_OK);
    assert_true(strncmp(json, "{\"f0\":null,\"f1\":null,", 21) == 0);
    assert_non_null(strstr(json, ",\"f10000\":null}"));
    cfavro_decoder_free(dec);
    cfavro_client_free(c);
    free(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_default_parses),
        cmocka_unit_test(test_defaults_reach_their_fields),
        cmocka_unit_test(test_rows_write_their_fields),
        cmocka_unit_test(test_listing_matches_table),
        cmocka_unit_test(test_effective_ranges),
        cmocka_unit_test(test_generated_doc),
        cmocka_unit_test(test_bad_values_of_each_kind),
        cmocka_unit_test(test_text_rules_accept),
        cmocka_unit_test(test_decoder_refuses_client_keys),
        cmocka_unit_test(test_registry_keys_by_build),
        cmocka_unit_test(test_registry_rows_store_owned_text),
        cmocka_unit_test(test_secrets_never_in_messages),
        cmocka_unit_test(test_excerpt),
        cmocka_unit_test(test_messages_show_bounded_excerpts),
        cmocka_unit_test(test_config_flows_to_decoders),
        cmocka_unit_test(test_schema_limits_reach_client),
        cmocka_unit_test(test_wide_record_with_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
