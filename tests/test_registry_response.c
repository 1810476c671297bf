/* The registry response layer (src/registry/): schema responses parsed into
 * owned results, HTTP statuses mapped to cfavro statuses, percent-encoding
 * and GUID text. No network: every body here is a literal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "registry_response_internal.h"
#include "registry_text_internal.h"
#include "test_support.h"

#define GUID_TEXT "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
static const uint8_t GUID_BYTES[CFAVRO_GUID_SIZE] = {
    0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
    0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

/* Parse a NUL-terminated literal (its NUL not passed: the parser gets an
 * exact-size copy so ASan sees any read past len). */
static int parse(const char *body, cf_reg_schema *out, cfavro_error *err)
{
    size_t len = strlen(body);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    int rc = cf_reg_schema_parse(copy, len, out, err);
    free(copy);
    return rc;
}

/* A parse expected to fail with `status`, message containing `needle`. */
static void parse_fails(const char *body, int status, const char *needle)
{
    cf_reg_schema s;
    cfavro_error err;
    int rc = parse(body, &s, &err);
    if (rc != status || strstr(err.message, needle) == NULL) {
        fail_msg("body %s: got %d \"%s\", want %d containing \"%s\"", body, rc, err.message,
                 status, needle);
    }
    assert_int_equal(err.status, status);
    assert_true(err.offset == CFAVRO_NO_OFFSET); /* not a position in a message */
    assert_null(s.text.ptr);
    assert_null(s.refs);
    assert_int_equal(s.ref_count, 0);
    cf_reg_schema_free(&s);
}

static void assert_text(const cf_reg_text *t, const char *want, size_t want_len)
{
    assert_non_null(t->ptr);
    assert_int_equal(t->len, want_len);
    assert_memory_equal(t->ptr, want, want_len);
    assert_int_equal(t->ptr[want_len], '\0');
}

/* ---- schema responses ---------------------------------------------------- */

/* The shape without Confluent-Accept-Unknown-Properties: schema only. */
static void minimal_response(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(parse("{\"schema\":\"{\\\"type\\\":\\\"int\\\"}\"}", &s, &err), CFAVRO_OK);
    assert_int_equal(err.status, CFAVRO_OK);
    assert_text(&s.text, "{\"type\":\"int\"}", 14);
    assert_int_equal(s.type, CF_REG_TYPE_AVRO);
    assert_false(s.has_guid);
    assert_false(s.has_id);
    assert_false(s.has_version);
    assert_null(s.subject.ptr);
    assert_int_equal(s.ref_count, 0);
    assert_false(s.encrypt_fields);
    assert_false(s.encrypt_payload);
    cf_reg_schema_free(&s);
    assert_null(s.text.ptr);
    cf_reg_schema_free(&s); /* twice is harmless */
    cf_reg_schema_free(NULL);
}

/* The full shape (with the unknown-properties fields and extras). */
static void full_response(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    const char *body =
        "{\"subject\":\"orders-value\",\"version\":3,\"id\":100042,\"guid\":\"" GUID_TEXT "\","
        "\"schemaType\":\"AVRO\",\"schema\":\"\\\"string\\\"\",\"ts\":1700000000000,"
        "\"deleted\":false,\"metadata\":{\"properties\":{\"owner\":\"x\"}},"
        "\"future\":[1,{\"a\":null}],\"references\":[]}";
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    assert_text(&s.text, "\"string\"", 8); /* a bare primitive schema */
    assert_true(s.has_id);
    assert_int_equal(s.id, 100042);
    assert_true(s.has_version);
    assert_int_equal(s.version, 3);
    assert_text(&s.subject, "orders-value", 12);
    assert_true(s.has_guid);
    assert_memory_equal(s.guid, GUID_BYTES, CFAVRO_GUID_SIZE);
    assert_int_equal(s.ref_count, 0);
    assert_null(s.refs);
    cf_reg_schema_free(&s);
}

/* JSON nulls count as absent: optional fields may be null. */
static void null_fields_absent(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(parse("{\"schema\":\"\\\"int\\\"\",\"schemaType\":null,\"id\":null,"
                           "\"guid\":null,\"references\":null,\"ruleSet\":null,"
                           "\"subject\":null,\"version\":null}",
                           &s, &err),
                     CFAVRO_OK);
    assert_int_equal(s.type, CF_REG_TYPE_AVRO);
    assert_false(s.has_id);
    assert_false(s.has_guid);
    assert_false(s.has_version);
    assert_null(s.subject.ptr);
    cf_reg_schema_free(&s);
    parse_fails("{\"schema\":null}", CFAVRO_E_REGISTRY_PROTOCOL, "\"schema\" is missing");
}

/* Escapes decode exactly; U+0000 is kept with the full length. */
static void schema_text_escapes_and_nul(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(parse("{\"schema\":\"a\\u0000b\\\"\\\\\\n\\u00e9\\ud83d\\ude00\"}", &s, &err),
                     CFAVRO_OK);
    static const char want[] = "a\0b\"\\\n\xc3\xa9\xf0\x9f\x98\x80";
    assert_text(&s.text, want, sizeof want - 1);
    cf_reg_schema_free(&s);
}

static void missing_schema_and_wrong_types(void **state)
{
    (void)state;
    parse_fails("{}", CFAVRO_E_REGISTRY_PROTOCOL, "\"schema\" is missing");
    parse_fails("{\"id\":1}", CFAVRO_E_REGISTRY_PROTOCOL, "\"schema\" is missing");
    parse_fails("{\"schema\":{\"type\":\"int\"}}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"schema\" is not a string");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"id\":\"7\"}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"id\" is not an integer");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"id\":-1}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"id\" is -1");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"id\":2147483648}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"id\" is 2147483648");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"id\":1.5}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"id\" is not an integer");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"version\":0}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"version\" is 0");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"subject\":5}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"subject\" is not a string");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"schemaType\":1}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"schemaType\" is not a string");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"guid\":7}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"guid\" is not a string");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"references\":{}}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"references\" is not an array");
    parse_fails("{\"schema\":\"\\\"int\\\"\",\"ruleSet\":[]}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"ruleSet\" is not an object");
}

static void not_a_json_object(void **state)
{
    (void)state;
    parse_fails("", CFAVRO_E_REGISTRY_PROTOCOL, "not a JSON object");
    parse_fails("<html><body>502 Bad Gateway</body></html>", CFAVRO_E_REGISTRY_PROTOCOL,
                "body: \"<html><body>502 Bad Gateway</body></html>\"");
    parse_fails("[{\"schema\":\"x\"}]", CFAVRO_E_REGISTRY_PROTOCOL, "JSON array");
    parse_fails("\"string\"", CFAVRO_E_REGISTRY_PROTOCOL, "not a JSON object");
    parse_fails("{\"schema\":\"a\",\"schema\":\"b\"}", CFAVRO_E_REGISTRY_PROTOCOL,
                "duplicate");
    parse_fails("{\"schema\":\"a\"} trailing", CFAVRO_E_REGISTRY_PROTOCOL, "not a JSON object");
    /* A NULL body with length 0 is an empty body; with a length, an argument error. */
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(cf_reg_schema_parse(NULL, 0, &s, &err), CFAVRO_E_REGISTRY_PROTOCOL);
    assert_int_equal(cf_reg_schema_parse(NULL, 3, &s, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(cf_reg_schema_parse("{}", 2, NULL, &err), CFAVRO_E_ARGUMENT);
}

/* A long non-JSON body is quoted by a bounded, escaped excerpt only. */
static void bad_body_excerpt_bounded(void **state)
{
    (void)state;
    char body[5000];
    memset(body, 'Z', sizeof body);
    memcpy(body, "<!DOCTYPE html>\x01\xff", 17);
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(cf_reg_schema_parse(body, sizeof body, &s, &err),
                     CFAVRO_E_REGISTRY_PROTOCOL);
    assert_non_null(strstr(err.message, "<!DOCTYPE html>\\x01\\xff"));
    const char *z = strchr(err.message, 'Z');
    assert_non_null(z);
    assert_true(strspn(z, "Z") <= CF_REG_EXCERPT_BYTES);
    assert_non_null(strstr(err.message, "..."));
}

static void schema_types(void **state)
{
    (void)state;
    const struct {
        const char *type;
        cf_reg_schema_type want;
    } cases[] = {
        {"PROTOBUF", CF_REG_TYPE_PROTOBUF},
        {"JSON", CF_REG_TYPE_JSON},
        {"XML", CF_REG_TYPE_OTHER},
        {"avro", CF_REG_TYPE_OTHER}, /* the registry spells it AVRO */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[200];
        snprintf(body, sizeof body,
                 "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"%s\"}",
                 cases[i].type);
        cf_reg_schema s;
        cfavro_error err;
        assert_int_equal(parse(body, &s, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
        assert_int_equal(s.type, cases[i].want);
        assert_null(s.text.ptr);
        char want[64];
        snprintf(want, sizeof want, "unsupported schema type \"%s\"", cases[i].type);
        assert_non_null(strstr(err.message, want));
        cf_reg_schema_free(&s);
    }
    /* An unprintable type is quoted escaped. */
    parse_fails("{\"schema\":\"x\",\"schemaType\":\"A\\u0000\\n\"}", CFAVRO_E_SCHEMA_UNSUPPORTED,
                "\"A\\x00\\x0a\"");
}

static void references_valid(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    const char *body =
        "{\"schema\":\"\\\"com.acme.Order\\\"\",\"references\":["
        "{\"name\":\"com.acme.Order\",\"subject\":\"order\",\"version\":1},"
        "{\"name\":\"com.acme.Item\",\"subject\":\":.ctx:item value/x\",\"version\":42,"
        "\"extra\":true},"
        "{\"name\":\"com.acme.Money\",\"subject\":\"money\",\"version\":-1}]}";
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    assert_int_equal(s.ref_count, 3);
    assert_text(&s.refs[0].name, "com.acme.Order", 14);
    assert_text(&s.refs[0].subject, "order", 5);
    assert_int_equal(s.refs[0].version, 1);
    assert_text(&s.refs[1].name, "com.acme.Item", 13);
    assert_text(&s.refs[1].subject, ":.ctx:item value/x", 18);
    assert_int_equal(s.refs[1].version, 42);
    assert_int_equal(s.refs[2].version, CF_REG_VERSION_LATEST);
    cf_reg_schema_free(&s);
    assert_null(s.refs);
    assert_int_equal(s.ref_count, 0);
}

static void references_malformed(void **state)
{
    (void)state;
    const char *head = "{\"schema\":\"x\",\"references\":[{\"name\":\"a\",\"subject\":\"b\","
                       "\"version\":1},";
    const struct {
        const char *entry;
        const char *needle;
    } cases[] = {
        {"7", "entry is not an object (reference 1)"},
        {"{\"subject\":\"b\",\"version\":1}", "\"references[].name\" is missing (reference 1)"},
        {"{\"name\":\"a\",\"version\":1}", "\"references[].subject\" is missing"},
        {"{\"name\":\"a\",\"subject\":\"b\"}", "\"references[].version\" is missing"},
        {"{\"name\":1,\"subject\":\"b\",\"version\":1}", "\"references[].name\" is not a string"},
        {"{\"name\":\"a\",\"subject\":[],\"version\":1}", "\"references[].subject\" is not a"},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":\"1\"}", "is not an integer"},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":\"latest\"}", "is not an integer"},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":0}", "is 0 (versions start at 1)"},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":-2}", "is -2, outside -1.."},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":4294967296}", "outside"},
        {"{\"name\":\"a\",\"subject\":\"b\",\"version\":null}", "is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[300];
        snprintf(body, sizeof body, "%s%s]}", head, cases[i].entry);
        parse_fails(body, CFAVRO_E_REGISTRY_PROTOCOL, cases[i].needle);
    }
}

/* Building a body of n references. */
static char *refs_body(size_t n)
{
    size_t cap = 64 + n * 64;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t len = (size_t)snprintf(b, cap, "{\"schema\":\"x\",\"references\":[");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(b + len, cap - len, "%s{\"name\":\"n%zu\",\"subject\":\"s\","
                                                    "\"version\":1}",
                                i ? "," : "", i);
    }
    snprintf(b + len, cap - len, "]}");
    return b;
}

static void limits(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    char *b = refs_body(CF_REG_MAX_REFS);
    assert_int_equal(parse(b, &s, &err), CFAVRO_OK);
    assert_int_equal(s.ref_count, CF_REG_MAX_REFS);
    assert_text(&s.refs[CF_REG_MAX_REFS - 1].name, "n255", 4);
    cf_reg_schema_free(&s);
    free(b);
    b = refs_body(CF_REG_MAX_REFS + 1);
    parse_fails(b, CFAVRO_E_REGISTRY_PROTOCOL, "has 257 entries (limit 256)");
    free(b);

    /* Names: at the limit accepted, one past it refused. */
    size_t cap = CF_REG_MAX_NAME_TEXT + 100;
    b = malloc(cap);
    assert_non_null(b);
    for (size_t n = CF_REG_MAX_NAME_TEXT; n <= CF_REG_MAX_NAME_TEXT + 1; n++) {
        int len = snprintf(b, cap, "{\"schema\":\"x\",\"subject\":\"");
        memset(b + len, 's', n);
        snprintf(b + len + n, cap - (size_t)len - n, "\"}");
        int rc = parse(b, &s, &err);
        if (n == CF_REG_MAX_NAME_TEXT) {
            assert_int_equal(rc, CFAVRO_OK);
            assert_int_equal(s.subject.len, n);
        } else {
            assert_int_equal(rc, CFAVRO_E_REGISTRY_PROTOCOL);
            assert_non_null(strstr(err.message, "\"subject\" is 4097 bytes (limit 4096)"));
        }
        cf_reg_schema_free(&s);
    }
    free(b);

    /* Schema text one byte over its limit. */
    size_t big = CF_REG_MAX_SCHEMA_TEXT + 1;
    b = malloc(big + 32);
    assert_non_null(b);
    memcpy(b, "{\"schema\":\"", 11);
    memset(b + 11, 'x', big);
    memcpy(b + 11 + big, "\"}", 2);
    assert_int_equal(cf_reg_schema_parse(b, big + 13, &s, &err), CFAVRO_E_REGISTRY_PROTOCOL);
    assert_non_null(strstr(err.message, "\"schema\" is 16777217 bytes (limit 16777216)"));
    cf_reg_schema_free(&s);
    free(b);
}

static void guid_field(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    assert_int_equal(parse("{\"schema\":\"x\",\"guid\":\"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0\"}",
                           &s, &err),
                     CFAVRO_OK);
    assert_true(s.has_guid);
    assert_memory_equal(s.guid, GUID_BYTES, CFAVRO_GUID_SIZE);
    cf_reg_schema_free(&s);
    parse_fails("{\"schema\":\"x\",\"guid\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"}",
                CFAVRO_E_REGISTRY_PROTOCOL, "\"guid\" is not a GUID: \"0f1e2d3c4b5a");
    parse_fails("{\"schema\":\"x\",\"guid\":\"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg\"}",
                CFAVRO_E_REGISTRY_PROTOCOL, "is not a GUID");
    parse_fails("{\"schema\":\"x\",\"guid\":\"\"}", CFAVRO_E_REGISTRY_PROTOCOL, "is not a GUID");
}

static void rule_set_encryption(void **state)
{
    (void)state;
    cf_reg_schema s;
    cfavro_error err;
    const char *body =
        "{\"schema\":\"x\",\"ruleSet\":{"
        "\"migrationRules\":[{\"name\":\"up\",\"type\":\"JSONATA\"}],"
        "\"domainRules\":[{\"name\":\"checkSsn\",\"kind\":\"CONDITION\",\"type\":\"CEL\"},"
        "{\"name\":\"off\",\"kind\":\"TRANSFORM\",\"type\":\"ENCRYPT\",\"disabled\":true},"
        "{\"name\":\"encryptPII\",\"kind\":\"TRANSFORM\",\"mode\":\"WRITEREAD\","
        "\"type\":\"ENCRYPT\",\"tags\":[\"PII\"],\"params\":{\"encrypt.kek.name\":\"k\"}},"
        "{\"name\":\"second\",\"type\":\"ENCRYPT\"}]}}";
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    assert_true(s.encrypt_fields);
    assert_text(&s.encrypt_fields_rule, "encryptPII", 10);
    assert_false(s.encrypt_payload);
    cf_reg_schema_free(&s);

    body = "{\"schema\":\"x\",\"ruleSet\":{\"encodingRules\":[{\"name\":\"encPayload\","
           "\"kind\":\"TRANSFORM\",\"type\":\"ENCRYPT_PAYLOAD\"}],"
           "\"domainRules\":[{\"type\":\"ENCRYPT\"}]}}";
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    assert_true(s.encrypt_payload);
    assert_text(&s.encrypt_payload_rule, "encPayload", 10);
    assert_true(s.encrypt_fields); /* a rule without a name still counts */
    assert_null(s.encrypt_fields_rule.ptr);
    cf_reg_schema_free(&s);

    /* ENCRYPT_PAYLOAD only counts among encodingRules, ENCRYPT among
     * domainRules; a type with a NUL inside is not the type. */
    body = "{\"schema\":\"x\",\"ruleSet\":{\"domainRules\":[{\"type\":\"ENCRYPT_PAYLOAD\"},"
           "{\"type\":\"ENCRYPT\\u0000x\"}],\"encodingRules\":[{\"type\":\"ENCRYPT\"}]}}";
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    assert_false(s.encrypt_fields);
    assert_false(s.encrypt_payload);
    cf_reg_schema_free(&s);

    parse_fails("{\"schema\":\"x\",\"ruleSet\":{\"domainRules\":{}}}", CFAVRO_E_REGISTRY_PROTOCOL,
                "\"domainRules\" is not an array");
    parse_fails("{\"schema\":\"x\",\"ruleSet\":{\"encodingRules\":[1]}}",
                CFAVRO_E_REGISTRY_PROTOCOL, "\"encodingRules\" has an entry that is not");
    parse_fails("{\"schema\":\"x\",\"ruleSet\":{\"domainRules\":[{\"type\":3}]}}",
                CFAVRO_E_REGISTRY_PROTOCOL, "rule type\" is not a string");
    parse_fails("{\"schema\":\"x\",\"ruleSet\":{\"domainRules\":[{\"type\":\"ENCRYPT\","
                "\"disabled\":\"no\"}]}}",
                CFAVRO_E_REGISTRY_PROTOCOL, "rule disabled\" is not a boolean");
    parse_fails("{\"schema\":\"x\",\"ruleSet\":{\"domainRules\":[{\"type\":\"ENCRYPT\","
                "\"name\":7}]}}",
                CFAVRO_E_REGISTRY_PROTOCOL, "rule name\" is not a string");
}

/* Every allocation of a full response failing in turn: a NOMEM status and
 * nothing left live (jansson's own allocations use the C library: the
 * library never replaces jansson's allocator, so only cf_ ones can fail). */
static void failing_allocations(void **state)
{
    (void)state;
    const char *body =
        "{\"subject\":\"s\",\"schema\":\"\\\"int\\\"\",\"references\":["
        "{\"name\":\"a\",\"subject\":\"b\",\"version\":1},"
        "{\"name\":\"c\",\"subject\":\"d\",\"version\":2}],\"ruleSet\":{"
        "\"domainRules\":[{\"name\":\"e\",\"type\":\"ENCRYPT\"}],"
        "\"encodingRules\":[{\"name\":\"p\",\"type\":\"ENCRYPT_PAYLOAD\"}]}}";
    cf_reg_schema s;
    cfavro_error err;
    alloc_hooks_on(0, -1);
    assert_int_equal(parse(body, &s, &err), CFAVRO_OK);
    long total = alloc_calls();
    cf_reg_schema_free(&s);
    assert_int_equal(alloc_live(), 0);
    assert_true(total >= 9); /* text, subject, refs array, 4 ref strings, 2 rule names */
    for (long n = 1; n <= total; n++) {
        alloc_hooks_on(n, -1);
        assert_int_equal(parse(body, &s, &err), CFAVRO_E_NOMEM);
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        cf_reg_schema_free(&s);
        assert_int_equal(alloc_live(), 0);
    }
    alloc_hooks_off();
}

/* ---- HTTP status mapping ------------------------------------------------- */

static int status_for(long http, const char *body, bool *retry, cfavro_error *err)
{
    size_t len = body ? strlen(body) : 0;
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, body ? body : "", len);
    *retry = true; /* must be overwritten */
    int rc = cf_registry_status_for(http, body ? copy : NULL, len, retry, err);
    free(copy);
    return rc;
}

static void http_success(void **state)
{
    (void)state;
    bool retry;
    cfavro_error err;
    for (long s = 200; s <= 299; s += 99) {
        assert_int_equal(status_for(s, "{}", &retry, &err), CFAVRO_OK);
        assert_false(retry);
        assert_int_equal(err.status, CFAVRO_OK);
    }
}

static void http_registry_errors(void **state)
{
    (void)state;
    const struct {
        long http;
        const char *body;
        int status;
        bool retry;
        const char *needle;
    } cases[] = {
        {404, "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}",
         CFAVRO_E_SCHEMA_NOT_FOUND, false,
         "HTTP 404, schema not found 40403: \"Schema 7 not found\""},
        {404, "{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}",
         CFAVRO_E_SCHEMA_NOT_FOUND, false, "subject not found 40401"},
        {404, "{\"error_code\":40402,\"message\":\"Version 9 not found.\"}",
         CFAVRO_E_SCHEMA_NOT_FOUND, false, "version not found 40402"},
        {404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}",
         CFAVRO_E_SCHEMA_NOT_FOUND, false, "registry error 404"},
        {404, "{\"error_code\":50001,\"message\":\"odd\"}", CFAVRO_E_REGISTRY_PROTOCOL, false,
         "50001"},
        {401, "{\"error_code\":401,\"message\":\"Unauthorized\"}", CFAVRO_E_REGISTRY_AUTH, false,
         "HTTP 401"},
        {403, "{\"error_code\":40301,\"message\":\"User is denied operation\"}",
         CFAVRO_E_REGISTRY_AUTH, false, "\"User is denied operation\""},
        {408, "{\"error_code\":408,\"message\":\"timeout\"}", CFAVRO_E_REGISTRY_UNAVAILABLE, true,
         "HTTP 408"},
        {429, "{\"error_code\":429,\"message\":\"Rate limit exceeded\"}",
         CFAVRO_E_REGISTRY_RATE_LIMITED, true, "Rate limit"},
        {500, "{\"error_code\":50001,\"message\":\"Error in the backend datastore\"}",
         CFAVRO_E_REGISTRY_UNAVAILABLE, true, "50001"},
        {502, "{\"error_code\":50002}", CFAVRO_E_REGISTRY_UNAVAILABLE, true, "50002: \"\""},
        {503, "{\"error_code\":50003,\"message\":null}", CFAVRO_E_REGISTRY_UNAVAILABLE, true,
         "HTTP 503"},
        {504, "{\"error_code\":50004,\"message\":\"x\"}", CFAVRO_E_REGISTRY_UNAVAILABLE, true,
         "HTTP 504"},
        {501, "{\"error_code\":501,\"message\":\"x\"}", CFAVRO_E_REGISTRY_UNAVAILABLE, false,
         "HTTP 501"},
        {505, "{\"error_code\":505,\"message\":\"x\"}", CFAVRO_E_REGISTRY_UNAVAILABLE, false,
         "HTTP 505"},
        {400, "{\"error_code\":400,\"message\":\"bad\"}", CFAVRO_E_REGISTRY_PROTOCOL, false,
         "HTTP 400"},
        {405, "{\"error_code\":405,\"message\":\"Method Not Allowed\"}",
         CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP 405"},
        {406, "{\"error_code\":406,\"message\":\"Not Acceptable\"}", CFAVRO_E_REGISTRY_PROTOCOL,
         false, "HTTP 406"},
        {409, "{\"error_code\":409,\"message\":\"x\"}", CFAVRO_E_REGISTRY_PROTOCOL, false,
         "HTTP 409"},
        {422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}",
         CFAVRO_E_REGISTRY_PROTOCOL, false, "42201"},
        {302, "", CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP 302 with an empty body"},
        {100, "", CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP 100"},
        {0, "", CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP 0"},
        {-5, "", CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP -5"},
        {999, "", CFAVRO_E_REGISTRY_PROTOCOL, false, "HTTP 999"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool retry;
        cfavro_error err;
        int rc = status_for(cases[i].http, cases[i].body, &retry, &err);
        if (rc != cases[i].status || retry != cases[i].retry ||
            strstr(err.message, cases[i].needle) == NULL) {
            fail_msg("HTTP %ld %s: got %d retry %d \"%s\"", cases[i].http, cases[i].body, rc,
                     retry, err.message);
        }
        assert_int_equal(err.status, rc);
        assert_true(rc == CFAVRO_OK || err.offset == CFAVRO_NO_OFFSET);
    }
}

/* The retryable flag depends on the HTTP status alone, whatever the body. */
static void http_retryable_every_status(void **state)
{
    (void)state;
    for (long s = 100; s <= 599; s++) {
        bool retry;
        cfavro_error err;
        int rc = status_for(s, "<html>x</html>", &retry, &err);
        bool want = s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
        assert_int_equal(retry, want);
        if (s >= 200 && s <= 299) {
            assert_int_equal(rc, CFAVRO_OK);
        } else if (s == 401 || s == 403) {
            assert_int_equal(rc, CFAVRO_E_REGISTRY_AUTH);
        } else if (s == 429) {
            assert_int_equal(rc, CFAVRO_E_REGISTRY_RATE_LIMITED);
        } else if (s == 408 || s >= 500) {
            assert_int_equal(rc, CFAVRO_E_REGISTRY_UNAVAILABLE);
        } else {
            assert_int_equal(rc, CFAVRO_E_REGISTRY_PROTOCOL); /* 404 too: not the registry */
        }
    }
    /* retryable may be NULL. */
    cfavro_error err;
    assert_int_equal(cf_registry_status_for(503, "", 0, NULL, &err),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(cf_registry_status_for(503, NULL, 0, NULL, NULL),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
}

static void http_non_json_bodies(void **state)
{
    (void)state;
    bool retry;
    cfavro_error err;
    assert_int_equal(status_for(404, "<html><head><title>404 Not Found</title></head></html>",
                                &retry, &err),
                     CFAVRO_E_REGISTRY_PROTOCOL);
    assert_non_null(strstr(err.message, "HTTP 404 with an HTML/XML page (a proxy?) of 54 bytes: "
                                        "\"<html><head><title>404 Not Found</title>"));
    assert_int_equal(status_for(502, "  \n<!DOCTYPE html>", &retry, &err),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_non_null(strstr(err.message, "HTML/XML page"));
    assert_non_null(strstr(err.message, "\"  \\x0a<!DOCTYPE html>\""));
    assert_int_equal(status_for(503, NULL, &retry, &err), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_non_null(strstr(err.message, "HTTP 503 with an empty body"));
    assert_int_equal(status_for(500, "Internal Server Error", &retry, &err),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_non_null(strstr(err.message, "a non-JSON body of 21 bytes: \"Internal Server Error\""));
    assert_int_equal(status_for(404, "{\"message\":\"no code\"}", &retry, &err),
                     CFAVRO_E_REGISTRY_PROTOCOL);
    assert_non_null(strstr(err.message, "JSON without error_code"));
    assert_int_equal(status_for(404, "{\"error_code\":\"40403\"}", &retry, &err),
                     CFAVRO_E_REGISTRY_PROTOCOL);

    /* Binary, with NULs and high bytes: escaped. */
    static const char bin[] = {'\x00', '\x01', '\xfe', 'A', '"', '\\', '\x7f'};
    assert_int_equal(cf_registry_status_for(500, bin, sizeof bin, &retry, &err),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_non_null(strstr(err.message, "a binary body of 7 bytes: "
                                        "\"\\x00\\x01\\xfeA\\x22\\x5c\\x7f\""));
}

/* However large the body or the registry's message, at most the excerpt
 * reaches the message. */
static void http_body_excerpt_bounded(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = malloc(n + 64);
    assert_non_null(big);
    memset(big, 'Q', n);
    bool retry;
    cfavro_error err;
    assert_int_equal(cf_registry_status_for(502, big, n, &retry, &err),
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
    const char *q = strchr(err.message, 'Q');
    assert_non_null(q);
    assert_int_equal(strspn(q, "Q"), CF_REG_EXCERPT_BYTES);
    assert_non_null(strstr(err.message, "of 100000 bytes"));
    assert_non_null(strstr(err.message, "...\""));

    /* The registry's own message, long: cut to the excerpt too. */
    int len = snprintf(big, 64, "{\"error_code\":40403,\"message\":\"");
    memset(big + len, 'M', 1000);
    memcpy(big + len + 1000, "\"}", 2);
    assert_int_equal(cf_registry_status_for(404, big, (size_t)len + 1002, &retry, &err),
                     CFAVRO_E_SCHEMA_NOT_FOUND);
    const char *m = strchr(err.message, 'M');
    assert_non_null(m);
    assert_int_equal(strspn(m, "M"), CF_REG_EXCERPT_BYTES);
    free(big);
}

/* ---- percent-encoding and GUID text ------------------------------------ */

static void percent_encoding(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(cf_percent_encode("orders-value", 12, out, sizeof out), 12);
    assert_string_equal(out, "orders-value");
    assert_int_equal(cf_percent_encode(":.ctx:a b/c?d", 13, out, sizeof out), 23);
    assert_string_equal(out, "%3A.ctx%3Aa%20b%2Fc%3Fd");
    static const char all[] = "AZaz09-._~%+&=#\x00\xff\xc3\xa9";
    size_t n = cf_percent_encode(all, sizeof all - 1, out, sizeof out);
    assert_string_equal(out, "AZaz09-._~%25%2B%26%3D%23%00%FF%C3%A9");
    assert_int_equal(n, strlen(out));
    /* Sizing call and truncation: the full length is returned, output cut. */
    assert_int_equal(cf_percent_encode("a b", 3, NULL, 0), 5);
    assert_int_equal(cf_percent_encode("a b", 3, out, 3), 5);
    assert_string_equal(out, "a%");
    assert_int_equal(cf_percent_encode("", 0, out, sizeof out), 0);
    assert_string_equal(out, "");

    /* Round trip: decoding the output gives every byte back. */
    char raw[256];
    for (int i = 0; i < 256; i++) {
        raw[i] = (char)i;
    }
    char enc[3 * 256 + 1];
    assert_int_equal(cf_percent_encode(raw, 256, enc, sizeof enc), 66 + 190 * 3);
    size_t k = 0;
    for (size_t i = 0; enc[i] != '\0'; k++) {
        unsigned v;
        if (enc[i] == '%') {
            assert_int_equal(sscanf(enc + i + 1, "%2X", &v), 1);
            i += 3;
        } else {
            v = (unsigned char)enc[i++];
        }
        assert_int_equal(v, (unsigned char)raw[k]);
    }
    assert_int_equal(k, 256);
}

static void guid_text(void **state)
{
    (void)state;
    uint8_t g[CFAVRO_GUID_SIZE];
    char text[CF_GUID_TEXT_LEN + 1];
    assert_true(cf_guid_parse(GUID_TEXT, CF_GUID_TEXT_LEN, g));
    assert_memory_equal(g, GUID_BYTES, sizeof g);
    cf_guid_format(g, text);
    assert_string_equal(text, GUID_TEXT);
    assert_true(cf_guid_parse("0F1E2D3C-4b5a-6978-8796-A5b4c3d2e1F0", CF_GUID_TEXT_LEN, g));
    assert_memory_equal(g, GUID_BYTES, sizeof g);

    /* Round trip of every byte value in every position. */
    for (int v = 0; v < 256; v++) {
        uint8_t in[CFAVRO_GUID_SIZE], back[CFAVRO_GUID_SIZE];
        for (int i = 0; i < CFAVRO_GUID_SIZE; i++) {
            in[i] = (uint8_t)(v + i * 17);
        }
        cf_guid_format(in, text);
        assert_int_equal(strlen(text), CF_GUID_TEXT_LEN);
        assert_true(cf_guid_parse(text, CF_GUID_TEXT_LEN, back));
        assert_memory_equal(in, back, sizeof in);
    }

    const char *bad[] = {
        "0f1e2d3c4b5a-6978-8796-a5b4c3d2e1f0-",  /* dash moved */
        "0f1e2d3c-4b5a-6978-8796_a5b4c3d2e1f0",  /* wrong separator */
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fG",  /* not hex */
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f ",  /* space */
        "{f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",  /* brace */
        "-f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",  /* dash in a digit place */
    };
    memset(g, 0x77, sizeof g);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(strlen(bad[i]), CF_GUID_TEXT_LEN);
        assert_false(cf_guid_parse(bad[i], CF_GUID_TEXT_LEN, g));
        for (size_t k = 0; k < sizeof g; k++) {
            assert_int_equal(g[k], 0x77); /* untouched */
        }
    }
    assert_false(cf_guid_parse(GUID_TEXT, CF_GUID_TEXT_LEN - 1, g));
    assert_false(cf_guid_parse(GUID_TEXT "0", CF_GUID_TEXT_LEN + 1, g));
    assert_false(cf_guid_parse(NULL, CF_GUID_TEXT_LEN, g));
    char with_nul[CF_GUID_TEXT_LEN];
    memcpy(with_nul, GUID_TEXT, CF_GUID_TEXT_LEN);
    with_nul[5] = '\0';
    assert_false(cf_guid_parse(with_nul, CF_GUID_TEXT_LEN, g));
}

static void excerpt(void **state)
{
    (void)state;
    char buf[CF_REG_EXCERPT_CAP];
    assert_string_equal(cf_reg_excerpt(buf, "ab\"c\\\n", 6), "ab\\x22c\\x5c\\x0a");
    assert_string_equal(cf_reg_excerpt(buf, "", 0), "");
    /* The worst case fills the buffer exactly: 64 escaped bytes + "...". */
    char worst[100];
    memset(worst, 0x01, sizeof worst);
    assert_int_equal(strlen(cf_reg_excerpt(buf, worst, sizeof worst)), CF_REG_EXCERPT_CAP - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_response),
        cmocka_unit_test(full_response),
        cmocka_unit_test(null_fields_absent),
        cmocka_unit_test(schema_text_escapes_and_nul),
        cmocka_unit_test(missing_schema_and_wrong_types),
        cmocka_unit_test(not_a_json_object),
        cmocka_unit_test(bad_body_excerpt_bounded),
        cmocka_unit_test(schema_types),
        cmocka_unit_test(references_valid),
        cmocka_unit_test(references_malformed),
        cmocka_unit_test(limits),
        cmocka_unit_test(guid_field),
        cmocka_unit_test(rule_set_encryption),
        cmocka_unit_test_teardown(failing_allocations, alloc_hooks_off_fixture),
        cmocka_unit_test(http_success),
        cmocka_unit_test(http_registry_errors),
        cmocka_unit_test(http_retryable_every_status),
        cmocka_unit_test(http_non_json_bodies),
        cmocka_unit_test(http_body_excerpt_bounded),
        cmocka_unit_test(percent_encoding),
        cmocka_unit_test(guid_text),
        cmocka_unit_test(excerpt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
