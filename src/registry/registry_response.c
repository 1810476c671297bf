/* Parsing the registry's schema responses into owned cf_reg_schema values. */
#include "registry_response_internal.h"

#include <jansson.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "registry_text_internal.h"

static int protocol(cfavro_error *err, const char *field, const char *what)
{
    return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                        "registry response: field \"%s\" %s", field, what);
}

/* The member `key` of obj; NULL when absent or JSON null (both "absent"). */
static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* Copy a JSON string (exact bytes, U+0000 included) of at most `max` bytes. */
static int copy_text(const json_t *v, size_t max, const char *field, cf_reg_text *out,
                     cfavro_error *err)
{
    if (!json_is_string(v)) {
        return protocol(err, field, "is not a string");
    }
    size_t len = json_string_length(v);
    if (len > max) {
        return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                            "registry response: field \"%s\" is %zu bytes (limit %zu)", field,
                            len, max);
    }
    out->ptr = cf_strndup(json_string_value(v), len);
    if (out->ptr == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory copying \"%s\"",
                            field);
    }
    out->len = len;
    return CFAVRO_OK;
}

/* An integer within [lo, hi]. */
static int get_int(const json_t *v, json_int_t lo, json_int_t hi, const char *field,
                   int32_t *out, cfavro_error *err)
{
    if (!json_is_integer(v)) {
        return protocol(err, field, "is not an integer");
    }
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) {
        return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                            "registry response: field \"%s\" is %lld, outside %lld..%lld",
                            field, (long long)n, (long long)lo, (long long)hi);
    }
    *out = (int32_t)n;
    return CFAVRO_OK;
}

static int parse_type(const json_t *doc, cf_reg_schema *out, cfavro_error *err)
{
    const json_t *v = member(doc, "schemaType");
    if (v == NULL) {
        out->type = CF_REG_TYPE_AVRO;
        return CFAVRO_OK;
    }
    if (!json_is_string(v)) {
        return protocol(err, "schemaType", "is not a string");
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 4 && memcmp(s, "AVRO", 4) == 0) {
        out->type = CF_REG_TYPE_AVRO;
        return CFAVRO_OK;
    }
    if (len == 8 && memcmp(s, "PROTOBUF", 8) == 0) {
        out->type = CF_REG_TYPE_PROTOBUF;
    } else if (len == 4 && memcmp(s, "JSON", 4) == 0) {
        out->type = CF_REG_TYPE_JSON;
    } else {
        out->type = CF_REG_TYPE_OTHER;
    }
    char text[CF_REG_EXCERPT_CAP];
    return cf_error_set(err, CFAVRO_E_SCHEMA_UNSUPPORTED, CFAVRO_NO_OFFSET,
                        "unsupported schema type \"%s\" (cfavro decodes AVRO only)",
                        cf_reg_excerpt(text, s, len));
}

static int parse_ref(const json_t *entry, cf_reg_ref *ref, cfavro_error *err)
{
    if (!json_is_object(entry)) {
        return protocol(err, "references[]", "entry is not an object");
    }
    const json_t *name = member(entry, "name");
    const json_t *subject = member(entry, "subject");
    const json_t *version = member(entry, "version");
    if (name == NULL || subject == NULL || version == NULL) {
        return protocol(err, name == NULL ? "references[].name"
                             : subject == NULL ? "references[].subject"
                                               : "references[].version",
                        "is missing");
    }
    int rc = copy_text(name, CF_REG_MAX_NAME_TEXT, "references[].name", &ref->name, err);
    if (rc == CFAVRO_OK) {
        rc = copy_text(subject, CF_REG_MAX_NAME_TEXT, "references[].subject", &ref->subject,
                       err);
    }
    if (rc == CFAVRO_OK) {
        /* -1 is how Confluent spells "latest" in a reference. */
        rc = get_int(version, CF_REG_VERSION_LATEST, INT32_MAX, "references[].version",
                     &ref->version, err);
        if (rc == CFAVRO_OK && ref->version == 0) {
            rc = protocol(err, "references[].version", "is 0 (versions start at 1)");
        }
    }
    return rc;
}

static int parse_refs(const json_t *doc, cf_reg_schema *out, cfavro_error *err)
{
    const json_t *refs = member(doc, "references");
    if (refs == NULL) {
        return CFAVRO_OK;
    }
    if (!json_is_array(refs)) {
        return protocol(err, "references", "is not an array");
    }
    size_t n = json_array_size(refs);
    if (n == 0) {
        return CFAVRO_OK;
    }
    if (n > CF_REG_MAX_REFS) {
        return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                            "registry response: field \"references\" has %zu entries (limit %u)",
                            n, CF_REG_MAX_REFS);
    }
    out->refs = cf_calloc(n, sizeof *out->refs);
    if (out->refs == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory for %zu references", n);
    }
    for (size_t i = 0; i < n; i++) {
        /* Count first so cf_reg_schema_free sees every partly filled entry. */
        out->ref_count = (uint32_t)i + 1;
        int rc = parse_ref(json_array_get(refs, i), &out->refs[i], err);
        if (rc != CFAVRO_OK) {
            cf_error_append(err, " (reference %zu)", i);
            return rc;
        }
    }
    return CFAVRO_OK;
}

/* The first enabled rule of ruleSet.<list> whose "type" is `type`. */
static int find_rule(const json_t *rule_set, const char *list, const char *type, bool *found,
                     cf_reg_text *name_out, cfavro_error *err)
{
    const json_t *rules = member(rule_set, list);
    if (rules == NULL) {
        return CFAVRO_OK;
    }
    if (!json_is_array(rules)) {
        return protocol(err, list, "is not an array");
    }
    size_t i;
    const json_t *rule;
    json_array_foreach (rules, i, rule) {
        if (!json_is_object(rule)) {
            return protocol(err, list, "has an entry that is not an object");
        }
        const json_t *t = member(rule, "type");
        const json_t *disabled = member(rule, "disabled");
        if (t != NULL && !json_is_string(t)) {
            return protocol(err, "ruleSet rule type", "is not a string");
        }
        if (disabled != NULL && !json_is_boolean(disabled)) {
            return protocol(err, "ruleSet rule disabled", "is not a boolean");
        }
        bool match = t != NULL && json_string_length(t) == strlen(type) &&
                     memcmp(json_string_value(t), type, strlen(type)) == 0;
        if (!match || json_is_true(disabled) || *found) {
            continue;
        }
        *found = true;
        const json_t *name = member(rule, "name");
        if (name != NULL) {
            int rc = copy_text(name, CF_REG_MAX_NAME_TEXT, "ruleSet rule name", name_out, err);
            if (rc != CFAVRO_OK) {
                return rc;
            }
        }
    }
    return CFAVRO_OK;
}

static int parse_rules(const json_t *doc, cf_reg_schema *out, cfavro_error *err)
{
    const json_t *rule_set = member(doc, "ruleSet");
    if (rule_set == NULL) {
        return CFAVRO_OK;
    }
    if (!json_is_object(rule_set)) {
        return protocol(err, "ruleSet", "is not an object");
    }
    int rc = find_rule(rule_set, "domainRules", "ENCRYPT", &out->encrypt_fields,
                       &out->encrypt_fields_rule, err);
    if (rc == CFAVRO_OK) {
        rc = find_rule(rule_set, "encodingRules", "ENCRYPT_PAYLOAD", &out->encrypt_payload,
                       &out->encrypt_payload_rule, err);
    }
    return rc;
}

static int parse_identity(const json_t *doc, cf_reg_schema *out, cfavro_error *err)
{
    const json_t *guid = member(doc, "guid");
    if (guid != NULL) {
        if (!json_is_string(guid)) {
            return protocol(err, "guid", "is not a string");
        }
        if (!cf_guid_parse(json_string_value(guid), json_string_length(guid), out->guid)) {
            char text[CF_REG_EXCERPT_CAP];
            return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                                "registry response: field \"guid\" is not a GUID: \"%s\"",
                                cf_reg_excerpt(text, json_string_value(guid),
                                               json_string_length(guid)));
        }
        out->has_guid = true;
    }
    const json_t *id = member(doc, "id");
    if (id != NULL) {
        int rc = get_int(id, 0, INT32_MAX, "id", &out->id, err);
        if (rc != CFAVRO_OK) {
            return rc;
        }
        out->has_id = true;
    }
    const json_t *version = member(doc, "version");
    if (version != NULL) {
        int rc = get_int(version, 1, INT32_MAX, "version", &out->version, err);
        if (rc != CFAVRO_OK) {
            return rc;
        }
        out->has_version = true;
    }
    const json_t *subject = member(doc, "subject");
    return subject == NULL ? CFAVRO_OK
                           : copy_text(subject, CF_REG_MAX_NAME_TEXT, "subject", &out->subject,
                                       err);
}

static int parse_doc(const json_t *doc, cf_reg_schema *out, cfavro_error *err)
{
    /* The type first: a PROTOBUF answer is "unsupported" whatever else it holds. */
    int rc = parse_type(doc, out, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    const json_t *schema = member(doc, "schema");
    if (schema == NULL) {
        return protocol(err, "schema", "is missing");
    }
    rc = copy_text(schema, CF_REG_MAX_SCHEMA_TEXT, "schema", &out->text, err);
    if (rc == CFAVRO_OK) {
        rc = parse_identity(doc, out, err);
    }
    if (rc == CFAVRO_OK) {
        rc = parse_refs(doc, out, err);
    }
    if (rc == CFAVRO_OK) {
        rc = parse_rules(doc, out, err);
    }
    return rc;
}

int cf_reg_schema_parse(const char *body, size_t len, cf_reg_schema *out, cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL || (body == NULL && len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_reg_schema_parse: NULL argument");
    }
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    /* Duplicate keys are refused: two parsers must never read different
     * schemas out of one response. JSON_ALLOW_NUL: schema text may hold U+0000. */
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                             &jerr);
    if (doc == NULL) {
        char text[CF_REG_EXCERPT_CAP];
        char why[CF_REG_EXCERPT_CAP];
        return cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                            "registry response is not a JSON object (%s at byte %d); body: "
                            "\"%s\"",
                            cf_reg_excerpt(why, jerr.text, strnlen(jerr.text, sizeof jerr.text)),
                            jerr.position, cf_reg_excerpt(text, body ? body : "", len));
    }
    int rc = json_is_object(doc) ? parse_doc(doc, out, err)
                                 : cf_error_set(err, CFAVRO_E_REGISTRY_PROTOCOL, CFAVRO_NO_OFFSET,
                                                "registry response is a JSON array, not an "
                                                "object");
    json_decref(doc);
    if (rc != CFAVRO_OK) {
        cf_reg_schema_free(out); /* keeps out->type, which says what was unsupported */
    }
    return rc;
}

static void text_free(cf_reg_text *t)
{
    cf_free(t->ptr);
    t->ptr = NULL;
    t->len = 0;
}

void cf_reg_schema_free(cf_reg_schema *s)
{
    if (s == NULL) {
        return;
    }
    cf_reg_schema_type type = s->type;
    text_free(&s->text);
    for (uint32_t i = 0; i < s->ref_count; i++) {
        text_free(&s->refs[i].name);
        text_free(&s->refs[i].subject);
    }
    cf_free(s->refs);
    text_free(&s->subject);
    text_free(&s->encrypt_fields_rule);
    text_free(&s->encrypt_payload_rule);
    memset(s, 0, sizeof *s);
    s->type = type;
}
