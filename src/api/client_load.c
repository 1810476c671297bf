/* Loading a schema on a cache miss: the sources in order, the first answer
 * that is not "not found" wins, and the text is compiled here, so every
 * source goes through the same compiler and limits. */
#include <string.h>

#include "alloc_internal.h"
#include "client_load_internal.h"
#include "client_registry_internal.h"
#ifdef CF_HAVE_REGISTRY
#include "registry_client_internal.h"
#endif
#include "error_internal.h"

int cf_client_sources_open(cfavro_client *client, const cf_registry_config *cfg,
                           cfavro_error *err)
{
    cf_refs_limits_default(&client->refs_limits);
    client->refs_limits.max_bytes = client->limits.max_json_bytes;
#ifdef CF_HAVE_REGISTRY
    if (cfg->urls != NULL) {
        int rc = cf_registry_new(cfg, &client->registry, err);
        return rc != CFAVRO_OK ? rc : cf_client_registry_adopt_url_context(client, err);
    }
#else
    (void)cfg;
    (void)err;
#endif
    return CFAVRO_OK;
}

void cf_client_sources_close(cfavro_client *client)
{
#ifdef CF_HAVE_REGISTRY
    cf_registry_free(client->registry);
#endif
    client->registry = NULL;
}

/* Compile text[0..len) from `where` (a file path, or NULL) into out. */
static int compile_text(const cfavro_client *c, const char *text, size_t len, const char *where,
                        uint8_t origin, cf_load_result *out, cfavro_error *err)
{
    int rc = cf_schema_compile(text, len, &c->limits, &out->schema, err);
    if (rc != CFAVRO_OK && where != NULL) {
        cf_error_prepend(err, "%s: ", where); /* which file the problem is in */
    }
    out->origin = origin;
    return rc;
}

/* One directory source (schema.dir or the persistence directory). */
static int load_from_dir(const cfavro_client *c, const char *dir, const cf_schema_key *key,
                         uint8_t origin, cf_load_result *out, cfavro_error *err)
{
    char name[CF_SOURCE_NAME_MAX];
    int rc = cf_source_file_name(key, c->context, name, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char path[4096];
    char *text = NULL;
    size_t len = 0;
    rc = cf_source_dir_read(dir, name, key, c->limits.max_json_bytes, path, sizeof path, &text,
                            &len, err);
    if (rc == CFAVRO_OK) {
        rc = compile_text(c, text, len, path, origin, out, err);
    }
    cf_free(text);
    return rc;
}

int cf_client_load(void *ctx, const cf_schema_key *key, cf_load_result *out, cfavro_error *err)
{
    cfavro_client *c = ctx;
    int rc = CFAVRO_E_SCHEMA_NOT_FOUND;
    if (cf_key_kind_of(key) == CF_KEY_ID) {
        char *text = NULL;
        size_t len = 0;
        rc = cf_source_memory_read(&c->memory, cf_key_id_of(key), &text, &len, err);
        if (rc == CFAVRO_OK) {
            rc = compile_text(c, text, len, NULL, CF_ORIGIN_MEMORY, out, err);
        }
        cf_free(text);
    }
    if (rc == CFAVRO_E_SCHEMA_NOT_FOUND && c->schema_dir != NULL) {
        rc = load_from_dir(c, c->schema_dir, key, CF_ORIGIN_DIRECTORY, out, err);
    }
    if (rc == CFAVRO_E_SCHEMA_NOT_FOUND && c->persist_dir != NULL) {
        rc = load_from_dir(c, c->persist_dir, key, CF_ORIGIN_PERSISTED, out, err);
    }
#ifdef CF_HAVE_REGISTRY
    if (rc == CFAVRO_E_SCHEMA_NOT_FOUND && c->registry != NULL) {
        rc = cf_client_registry_load(c, key, out, err);
    }
#endif
    if (rc == CFAVRO_E_SCHEMA_NOT_FOUND && c->schema_dir == NULL && c->persist_dir == NULL &&
        c->registry == NULL) {
        char what[CF_KEY_TEXT_SIZE];
        cf_key_describe(key, what);
        rc = cf_error_set(err, CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_NO_OFFSET,
                          "%s not found (not added with cfavro_client_add_schema, and neither "
                          "schema.dir nor schema.registry.url is configured)",
                          what);
    }
    return rc;
}
