/* The registry source: a schema fetched from schema.registry.url, its
 * references fetched and compiled with it, its data-contract rules turned
 * into a note for data errors, and (with cfavro.registry.persist.dir) its text
 * written where a restart during an outage will find it. Built only with the
 * registry client (CF_HAVE_REGISTRY). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "client_registry_internal.h"
#include "error_internal.h"
#include "excerpt_internal.h"
#include "registry_client_internal.h"
#include "registry_refs_internal.h"

/* A schema's references share one deadline: each fetch has its own
 * request.timeout.ms, and without a shared one a slow registry answering
 * each of up to 256 references just in time would hold this load (and every
 * thread waiting for it) for hundreds of timeouts. */
typedef struct refs_fetch {
    cf_registry *registry;
    uint64_t deadline_ms;
} refs_fetch;

/* cf_refs_fetch_fn over the client's registry. */
static int fetch_version(void *ctx, const char *subject, size_t subject_len, int32_t version,
                         cf_reg_schema *out, cfavro_error *err)
{
    const refs_fetch *f = ctx;
    if (cf_monotonic_ms() >= f->deadline_ms) {
        return cf_error_set(err, CFAVRO_E_REGISTRY_UNAVAILABLE, CFAVRO_NO_OFFSET,
                            "fetching the schema's references took longer than "
                            "request.timeout.ms (%llu ms)",
                            (unsigned long long)cf_registry_request_timeout_ms(f->registry));
    }
    return cf_registry_get_version(f->registry, subject, subject_len, version, out, err);
}

static int compile_response(const cfavro_client *c, const cf_reg_schema *rs, cf_schema **out,
                            cfavro_error *err)
{
    if (rs->ref_count == 0) {
        return cf_schema_compile(rs->text.ptr, rs->text.len, &c->limits, out, err);
    }
    cf_refs_list deps = {0};
    refs_fetch f = {c->registry,
                    cf_monotonic_ms() + cf_registry_request_timeout_ms(c->registry)};
    int rc = cf_refs_resolve(rs, fetch_version, &f, &c->refs_limits, &deps, err);
    if (rc == CFAVRO_OK) {
        rc = cf_schema_compile_with_deps(deps.texts, deps.count, rs->text.ptr, rs->text.len,
                                         &c->limits, out, err);
    }
    cf_refs_list_free(&deps);
    return rc;
}

/* Why a data failure with this schema may not be corruption. NULL: no rule. */
static char *encryption_note(const cf_reg_schema *rs)
{
    const char *kind = NULL;
    const cf_reg_text *name = NULL;
    if (rs->encrypt_payload) {
        kind = "ENCRYPT_PAYLOAD: the whole payload is ciphertext";
        name = &rs->encrypt_payload_rule;
    } else if (rs->encrypt_fields) {
        kind = "ENCRYPT: some fields hold ciphertext";
        name = &rs->encrypt_fields_rule;
    } else {
        return NULL;
    }
    char shown[CF_EXCERPT_CAP(48)];
    cf_excerpt(shown, name->ptr != NULL ? name->ptr : "", name->ptr != NULL ? name->len : 0, 48);
    char text[CF_EXCERPT_CAP(48) + 160];
    snprintf(text, sizeof text,
             "encrypted by rule \"%s\" (%s; decrypt it before decoding), not necessarily "
             "malformed",
             shown, kind);
    return cf_strndup(text, strlen(text));
}

/* The context a base URL's path names (http://sr/contexts/.ctx1 -> ".ctx1"),
 * percent-decoded, into out (cap bytes); false when it names none (or the
 * default context "."). */
static bool url_context(const char *url, char *out, size_t cap)
{
    const char *host = strstr(url, "://");
    const char *at = host != NULL ? strstr(host + 3, "/contexts/") : NULL;
    if (at == NULL) {
        return false;
    }
    at += strlen("/contexts/");
    size_t n = 0;
    while (*at != '\0' && *at != '/' && *at != '?' && *at != '#' && n + 1 < cap) {
        int hi = at[0] == '%' ? cf_hex_value((unsigned char)at[1]) : -1;
        int lo = hi >= 0 ? cf_hex_value((unsigned char)at[2]) : -1;
        if (lo >= 0) {
            out[n++] = (char)(hi * 16 + lo);
            at += 3;
        } else {
            out[n++] = *at++;
        }
    }
    out[n] = '\0';
    return n > 0 && strcmp(out, ".") != 0;
}

int cf_client_registry_adopt_url_context(cfavro_client *c, cfavro_error *err)
{
    char first[256] = "", ctx[256];
    for (size_t i = 0; i < cf_registry_url_count(c->registry); i++) {
        if (!url_context(cf_registry_url_display(c->registry, i), ctx, sizeof ctx)) {
            ctx[0] = '\0';
        }
        if (i > 0 && strcmp(ctx, first) != 0) {
            return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                                "schema.registry.url: the URLs name different contexts (URL %zu "
                                "names \"%s\", URL 1 \"%s\"): failover would change what an id "
                                "means",
                                i + 1, ctx, first);
        }
        memcpy(first, ctx, sizeof first);
    }
    if (first[0] == '\0') {
        return CFAVRO_OK;
    }
    if (c->context != NULL && c->context[0] != '\0') {
        if (strcmp(c->context, first) == 0) {
            return CFAVRO_OK;
        }
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema.registry.context \"%s\" differs from the context the "
                            "schema.registry.url names (\"%s\")",
                            c->context, first);
    }
    char *copy = cf_strndup(first, strlen(first));
    if (copy == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    cf_free(c->context);
    c->context = copy;
    return CFAVRO_OK;
}

/* Best effort: a schema that cannot be persisted still decodes. */
static void persist(const cfavro_client *c, const cf_schema_key *key, const cf_reg_schema *rs)
{
    char name[CF_SOURCE_NAME_MAX];
    /* Only self-contained texts: one with references does not compile alone.
     * An id is saved under the client's context (the one a /contexts/ URL
     * names included: see cf_client_registry_adopt_url_context), so it never
     * answers the same id of another context. */
    if (c->persist_dir == NULL || rs->ref_count > 0 ||
        cf_source_file_name(key, c->context, name, NULL) != CFAVRO_OK) {
        return;
    }
    (void)cf_source_dir_write(c->persist_dir, name, rs->text.ptr, rs->text.len, NULL);
}

int cf_client_registry_load(const cfavro_client *c, const cf_schema_key *key,
                            cf_load_result *out, cfavro_error *err)
{
    cf_reg_schema rs;
    int rc;
    if (cf_key_kind_of(key) == CF_KEY_GUID) {
        uint8_t guid[CFAVRO_GUID_SIZE];
        cf_key_guid_of(key, guid);
        rc = cf_registry_get_guid(c->registry, guid, &rs, err);
    } else {
        rc = cf_registry_get_id(c->registry, cf_key_id_of(key), &rs, err);
    }
    if (rc == CFAVRO_OK) {
        rc = compile_response(c, &rs, &out->schema, err);
        if (rc != CFAVRO_OK) {
            char what[CF_KEY_TEXT_SIZE];
            cf_key_describe(key, what);
            cf_error_prepend(err, "%s from the registry: ", what);
        }
    }
    if (rc == CFAVRO_OK) {
        out->origin = CF_ORIGIN_REGISTRY;
        out->note = encryption_note(&rs); /* NULL when out of memory: only a hint is lost */
        persist(c, key, &rs);
    }
    cf_reg_schema_free(&rs);
    return rc;
}

int cf_client_registry_fetch_reader(void *ctx, const char *subject, int32_t version,
                                    cf_reader_fetched *out, cfavro_error *err)
{
    const cfavro_client *c = ctx;
    cf_reg_schema rs;
    int rc = cf_registry_get_live_version(c->registry, subject, strlen(subject), version, &rs,
                                          err);
    if (rc == CFAVRO_OK) {
        rc = compile_response(c, &rs, &out->schema, err);
        out->id = rs.has_id ? rs.id : -1;
        out->version = rs.has_version ? rs.version : 0;
    }
    cf_reg_schema_free(&rs);
    return rc;
}
