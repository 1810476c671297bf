/* HTTP status + body -> cfavro status, message and whether to retry. */
#include "registry_response_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "registry_text_internal.h"

/* The registry's error body, when the body is one: {"error_code": N,
 * "message": "..."} (message optional). The message is copied as an
 * excerpt, so no more than CF_REG_EXCERPT_BYTES of it reach the caller. */
static bool registry_error_body(const char *body, size_t len, long *code,
                                char msg[CF_REG_EXCERPT_CAP])
{
    if (len == 0) {
        return false;
    }
    json_t *doc = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    const json_t *c = json_object_get(doc, "error_code");
    const json_t *m = json_object_get(doc, "message");
    bool ok = json_is_integer(c) && (m == NULL || json_is_null(m) || json_is_string(m));
    if (ok) {
        json_int_t v = json_integer_value(c);
        *code = v < 0 || v > 999999 ? -1 : (long)v;
        if (json_is_string(m)) {
            cf_reg_excerpt(msg, json_string_value(m), json_string_length(m));
        } else {
            msg[0] = '\0';
        }
    }
    json_decref(doc);
    return ok;
}

/* What a body that is not a registry error looks like, with an excerpt. */
static void describe_body(char *out, size_t cap, const char *body, size_t len)
{
    if (len == 0) {
        snprintf(out, cap, "an empty body");
        return;
    }
    size_t lead = 0;
    while (lead < len && (body[lead] == ' ' || body[lead] == '\n' || body[lead] == '\r' ||
                          body[lead] == '\t')) {
        lead++;
    }
    const char *kind = "a non-JSON body";
    if (lead < len && body[lead] == '<') {
        kind = "an HTML/XML page (a proxy?)";
    } else if (lead < len && (body[lead] == '{' || body[lead] == '[')) {
        kind = "JSON without error_code";
    } else if (memchr(body, '\0', len < CF_REG_EXCERPT_BYTES ? len : CF_REG_EXCERPT_BYTES)) {
        kind = "a binary body";
    }
    char text[CF_REG_EXCERPT_CAP];
    snprintf(out, cap, "%s of %zu bytes: \"%s\"", kind, len, cf_reg_excerpt(text, body, len));
}

static bool is_retryable(long s)
{
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static int status_class(long s, bool registry_answered, long code)
{
    if (s == 401 || s == 403) {
        return CFAVRO_E_REGISTRY_AUTH;
    }
    if (s == 429) {
        return CFAVRO_E_REGISTRY_RATE_LIMITED;
    }
    if (s == 408 || (s >= 500 && s <= 599)) {
        return CFAVRO_E_REGISTRY_UNAVAILABLE;
    }
    /* A 404 is "not found" only when the registry said so: a proxy's or a
     * wrong URL's 404 page must not be cached as a missing schema. */
    if (s == 404 && registry_answered && (code == 404 || (code >= 40400 && code <= 40499))) {
        return CFAVRO_E_SCHEMA_NOT_FOUND;
    }
    return CFAVRO_E_REGISTRY_PROTOCOL;
}

static const char *code_meaning(long code)
{
    switch (code) {
    case 40401: return "subject not found";
    case 40402: return "version not found";
    case 40403: return "schema not found";
    default: return "registry error";
    }
}

int cf_registry_status_for(long http_status, const char *body, size_t len, bool *retryable,
                           cfavro_error *err)
{
    cf_error_clear(err);
    if (retryable != NULL) {
        *retryable = false;
    }
    if (body == NULL) {
        len = 0;
        body = "";
    }
    if (http_status >= 200 && http_status <= 299) {
        return CFAVRO_OK;
    }
    long code = -1;
    char msg[CF_REG_EXCERPT_CAP];
    bool answered = registry_error_body(body, len, &code, msg);
    int status = status_class(http_status, answered, code);
    if (retryable != NULL) {
        *retryable = is_retryable(http_status);
    }
    if (answered) {
        return cf_error_set(err, status, CFAVRO_NO_OFFSET, "registry: HTTP %ld, %s %ld: \"%s\"",
                            http_status, code_meaning(code), code, msg);
    }
    char what[CF_REG_EXCERPT_CAP + 64];
    describe_body(what, sizeof what, body, len);
    return cf_error_set(err, status, CFAVRO_NO_OFFSET, "registry: HTTP %ld with %s", http_status,
                        what);
}
