/*
 * Fuzz target: the schema registry's HTTP responses (src/registry/).
 *
 * Input: byte 0 selects the parser (mod 3), the rest is the body:
 *   0  a schema response body -> cf_reg_schema_parse
 *   1  bytes 1-2 an HTTP status (big-endian, 0..65535), the rest an error
 *      body -> cf_registry_status_for
 *   2  GUID text -> cf_guid_parse / cf_guid_format, and the same bytes
 *      through cf_percent_encode and cf_reg_excerpt
 *
 * Checks: statuses only from the documented set; messages NUL-terminated,
 * printable ASCII, one line; a parsed schema's text is exactly jansson's
 * reading of the body's "schema" string (so never longer than the body),
 * every owned string terminated and within its limit, references and
 * versions in range, a GUID that round-trips; a failed parse leaves nothing
 * owned; the HTTP mapping agrees with an independent table (retryable for
 * 408/429/500/502/503/504 only); GUID text accepted exactly when an
 * independent check says it is one, and formatted back as its lower case;
 * percent-encoding decodes back to the input; the memory bound of
 * fuzz_common.h and no leaks.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "registry_response_internal.h"
#include "registry_text_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    return 0;
}

static void check_message(const cfavro_error *err, int rc, const char *what)
{
    const char *end = memchr(err->message, '\0', sizeof err->message);
    FZ_ASSERT(end != NULL, "%s: message not NUL-terminated", what);
    FZ_ASSERT(err->status == rc, "%s: err.status %d but returned %d", what, err->status, rc);
    FZ_ASSERT(rc == CFAVRO_OK || err->message[0] != '\0', "%s: status %d without a message",
              what, rc);
    FZ_ASSERT(err->offset == CFAVRO_NO_OFFSET, "%s: an offset in a response body", what);
    for (const char *p = err->message; p < end; p++) {
        FZ_ASSERT(*p >= 0x20 && *p < 0x7f, "%s: unprintable byte 0x%02x in message \"%s\"", what,
                  (unsigned char)*p, err->message);
    }
}

static void check_text(const cf_reg_text *t, size_t max, const char *what)
{
    FZ_ASSERT(t->ptr != NULL, "%s: no text", what);
    FZ_ASSERT(t->len <= max, "%s: %zu bytes beyond limit %zu", what, t->len, max);
    FZ_ASSERT(t->ptr[t->len] == '\0', "%s: not NUL-terminated at its length", what);
}

static void check_optional_text(const cf_reg_text *t, size_t max, const char *what)
{
    if (t->ptr != NULL) {
        check_text(t, max, what);
    } else {
        FZ_ASSERT(t->len == 0, "%s: length without text", what);
    }
}

/* The parsed text equals jansson's own reading of the "schema" member. */
static void check_against_jansson(const char *body, size_t len, const cf_reg_schema *s)
{
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    FZ_ASSERT(json_is_object(doc), "accepted a body jansson does not read as an object");
    const json_t *schema = json_object_get(doc, "schema");
    FZ_ASSERT(json_is_string(schema), "accepted a body without a string \"schema\"");
    FZ_ASSERT(json_string_length(schema) == s->text.len &&
                  memcmp(json_string_value(schema), s->text.ptr, s->text.len) == 0,
              "schema text differs from the body's \"schema\" string");
    const json_t *type = json_object_get(doc, "schemaType");
    FZ_ASSERT(json_is_null(type) || type == NULL ||
                  (json_is_string(type) && strcmp(json_string_value(type), "AVRO") == 0),
              "accepted schemaType other than AVRO");
    json_decref(doc);
}

static void schema_response(const char *body, size_t len)
{
    cf_reg_schema s;
    cfavro_error err;
    int rc = cf_reg_schema_parse(body, len, &s, &err);
    check_message(&err, rc, "schema response");
    if (rc != CFAVRO_OK) {
        FZ_ASSERT(rc == CFAVRO_E_REGISTRY_PROTOCOL || rc == CFAVRO_E_SCHEMA_UNSUPPORTED,
                  "schema response: unexpected status %d (%s)", rc, err.message);
        FZ_ASSERT(s.text.ptr == NULL && s.refs == NULL && s.ref_count == 0 &&
                      s.subject.ptr == NULL && s.encrypt_fields_rule.ptr == NULL &&
                      s.encrypt_payload_rule.ptr == NULL,
                  "failed parse left owned fields");
        FZ_ASSERT((rc == CFAVRO_E_SCHEMA_UNSUPPORTED) == (s.type != CF_REG_TYPE_AVRO),
                  "type %d with status %d", (int)s.type, rc);
        cf_reg_schema_free(&s);
        return;
    }
    FZ_ASSERT(s.type == CF_REG_TYPE_AVRO, "success with type %d", (int)s.type);
    check_text(&s.text, CF_REG_MAX_SCHEMA_TEXT, "schema");
    FZ_ASSERT(s.text.len <= len, "schema text (%zu) longer than the body (%zu)", s.text.len, len);
    check_against_jansson(body, len, &s);
    FZ_ASSERT(s.ref_count <= CF_REG_MAX_REFS, "%u references", s.ref_count);
    FZ_ASSERT((s.ref_count == 0) == (s.refs == NULL), "reference count and array disagree");
    for (uint32_t i = 0; i < s.ref_count; i++) {
        check_text(&s.refs[i].name, CF_REG_MAX_NAME_TEXT, "reference name");
        check_text(&s.refs[i].subject, CF_REG_MAX_NAME_TEXT, "reference subject");
        FZ_ASSERT(s.refs[i].version >= 1 || s.refs[i].version == CF_REG_VERSION_LATEST,
                  "reference version %d", (int)s.refs[i].version);
    }
    FZ_ASSERT(!s.has_id || s.id >= 0, "id %d", (int)s.id);
    FZ_ASSERT(!s.has_version || s.version >= 1, "version %d", (int)s.version);
    check_optional_text(&s.subject, CF_REG_MAX_NAME_TEXT, "subject");
    check_optional_text(&s.encrypt_fields_rule, CF_REG_MAX_NAME_TEXT, "ENCRYPT rule name");
    check_optional_text(&s.encrypt_payload_rule, CF_REG_MAX_NAME_TEXT, "ENCRYPT_PAYLOAD rule");
    FZ_ASSERT(s.encrypt_fields || s.encrypt_fields_rule.ptr == NULL, "rule name without rule");
    FZ_ASSERT(s.encrypt_payload || s.encrypt_payload_rule.ptr == NULL, "rule name without rule");
    if (s.has_guid) {
        char text[CF_GUID_TEXT_LEN + 1];
        uint8_t back[CFAVRO_GUID_SIZE];
        cf_guid_format(s.guid, text);
        FZ_ASSERT(cf_guid_parse(text, CF_GUID_TEXT_LEN, back) &&
                      memcmp(back, s.guid, sizeof back) == 0,
                  "GUID does not round-trip");
    }
    cf_reg_schema_free(&s);
    FZ_ASSERT(s.text.ptr == NULL && s.refs == NULL, "free left fields");
}

static void http_status(long http, const char *body, size_t len)
{
    bool retry = true;
    cfavro_error err;
    int rc = cf_registry_status_for(http, body, len, &retry, &err);
    check_message(&err, rc, "status mapping");
    bool want_retry = http == 408 || http == 429 || http == 500 || http == 502 || http == 503 ||
                      http == 504;
    FZ_ASSERT(retry == want_retry, "HTTP %ld: retryable %d", http, retry);
    int want;
    if (http >= 200 && http <= 299) {
        want = CFAVRO_OK;
    } else if (http == 401 || http == 403) {
        want = CFAVRO_E_REGISTRY_AUTH;
    } else if (http == 429) {
        want = CFAVRO_E_REGISTRY_RATE_LIMITED;
    } else if (http == 408 || (http >= 500 && http <= 599)) {
        want = CFAVRO_E_REGISTRY_UNAVAILABLE;
    } else {
        want = CFAVRO_E_REGISTRY_PROTOCOL;
    }
    /* Only a 404 the registry answered itself may be "not found". */
    FZ_ASSERT(rc == want || (http == 404 && rc == CFAVRO_E_SCHEMA_NOT_FOUND),
              "HTTP %ld: status %d, want %d (%s)", http, rc, want, err.message);
}

static bool independent_guid_check(const char *s, size_t len)
{
    if (len != CF_GUID_TEXT_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        bool hex = strchr("0123456789abcdefABCDEF", s[i]) != NULL && s[i] != '\0';
        if (dash ? s[i] != '-' : !hex) {
            return false;
        }
    }
    return true;
}

static int from_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void text_helpers(const char *s, size_t len)
{
    uint8_t g[CFAVRO_GUID_SIZE];
    bool ok = cf_guid_parse(s, len, g);
    FZ_ASSERT(ok == independent_guid_check(s, len), "GUID text accepted=%d disagrees", ok);
    if (ok) {
        char text[CF_GUID_TEXT_LEN + 1];
        cf_guid_format(g, text);
        for (size_t i = 0; i < CF_GUID_TEXT_LEN; i++) {
            char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
            FZ_ASSERT(text[i] == c, "GUID formatted back differently at %zu", i);
        }
    }

    size_t need = cf_percent_encode(s, len, NULL, 0);
    FZ_ASSERT(need >= len && need <= 3 * len, "percent-encoded length %zu for %zu", need, len);
    char *enc = malloc(need + 1);
    FZ_ASSERT(enc != NULL, "out of memory");
    FZ_ASSERT(cf_percent_encode(s, len, enc, need + 1) == need && enc[need] == '\0',
              "percent-encoding length changed");
    size_t k = 0;
    for (size_t i = 0; i < need; k++) {
        int c;
        if (enc[i] == '%') {
            FZ_ASSERT(i + 2 < need + 1 && from_hex(enc[i + 1]) >= 0 && from_hex(enc[i + 2]) >= 0,
                      "bad %%XX at %zu", i);
            c = from_hex(enc[i + 1]) * 16 + from_hex(enc[i + 2]);
            i += 3;
        } else {
            FZ_ASSERT(strchr("-._~", enc[i]) != NULL || (enc[i] >= 'A' && enc[i] <= 'Z') ||
                          (enc[i] >= 'a' && enc[i] <= 'z') || (enc[i] >= '0' && enc[i] <= '9'),
                      "reserved byte 0x%02x left unencoded", (unsigned char)enc[i]);
            c = (unsigned char)enc[i++];
        }
        FZ_ASSERT(k < len && c == (unsigned char)s[k], "percent-encoding does not decode back");
    }
    FZ_ASSERT(k == len, "percent-encoding decodes to %zu of %zu bytes", k, len);
    free(enc);

    char ex[CF_REG_EXCERPT_CAP];
    cf_reg_excerpt(ex, s, len);
    size_t n = strnlen(ex, sizeof ex);
    FZ_ASSERT(n < sizeof ex, "excerpt not terminated");
    for (size_t i = 0; i < n; i++) {
        FZ_ASSERT(ex[i] >= 0x20 && ex[i] < 0x7f && ex[i] != '"', "excerpt byte 0x%02x",
                  (unsigned char)ex[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned mode = data[0] % 3u;
    size_t skip = mode == 1 ? 3 : 1;
    if (size < skip) {
        return 0;
    }
    /* Exact-size copy, not NUL-terminated: every parser must honour len. */
    size_t len = size - skip;
    char *body = malloc(len ? len : 1);
    FZ_ASSERT(body != NULL, "out of memory");
    memcpy(body, data + skip, len);

    fz_mem_begin();
    switch (mode) {
    case 0:
        schema_response(body, len);
        break;
    case 1:
        http_status((long)data[1] << 8 | data[2], body, len);
        break;
    default:
        text_helpers(body, len);
        break;
    }
    fz_mem_end(size, "fuzz_registry_response");
    free(body);
    return 0;
}
