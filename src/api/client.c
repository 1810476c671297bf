/* cfavro_client: settings, the offline schema sources (in-memory and
 * directory) and the compiled-schema table every decoder reads. */
#include <string.h>

#include "alloc_internal.h"
#include "client_internal.h"
#include "config_internal.h"
#include "error_internal.h"
#include "source_internal.h"

cfavro_client *cfavro_client_new(const cfavro_config *cfg, cfavro_error *err)
{
    cf_error_clear(err);
    cfavro_client *c = cf_calloc(1, sizeof *c);
    if (c == NULL) {
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    /* The compiler's own defaults first, for any field no row covers; the
     * table's rows then set every documented one. */
    cf_schema_limits_default(&c->limits);
    if (cf_cache_init(&c->table) != CFAVRO_OK) {
        cf_free(c);
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&c->write_lock, NULL) != 0) {
        cf_cache_free(&c->table);
        cf_free(c);
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "cannot create a mutex");
        return NULL;
    }
    /* Client rows land in the client, decoder rows in the defaults its
     * decoders copy. Values were checked by cfavro_config_set; applying can
     * still run out of memory (schema.dir is copied). */
    cf_settings_target target = {.options = &c->defaults, .schema = &c->limits};
    target.text[CF_CLIENT_TEXT_SCHEMA_DIR] = &c->schema_dir;
    int rc = cf_settings_apply_defaults(&target, err);
    for (size_t i = 0; rc == CFAVRO_OK && cfg != NULL && i < cfg->count; i++) {
        rc = cf_settings_apply(cfg->items[i].row, cfg->items[i].value, &target, err);
    }
    if (rc != CFAVRO_OK) {
        cfavro_client_free(c);
        return NULL;
    }
    return c;
}

void cfavro_client_free(cfavro_client *client)
{
    if (client == NULL) {
        return;
    }
    cf_cache_free(&client->table);
    pthread_mutex_destroy(&client->write_lock);
    cf_free(client->schema_dir);
    cf_free(client);
}

/* Compile json[0..len) and publish it under `id`. Caller holds write_lock. */
static int compile_and_insert(cfavro_client *c, int32_t id, const char *json, size_t len,
                              const cf_schema **out, cfavro_error *err)
{
    cf_schema *schema = NULL;
    int rc = cf_schema_compile(json, len, &c->limits, &schema, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    rc = cf_cache_put(&c->table, id, schema);
    if (rc != CFAVRO_OK) {
        cf_schema_free(schema);
        return cf_error_set(err, rc, CFAVRO_NO_OFFSET, "out of memory");
    }
    if (out != NULL) {
        *out = schema;
    }
    return CFAVRO_OK;
}

int cfavro_client_add_schema(cfavro_client *client, int32_t schema_id, const char *json,
                             size_t len, cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL || (json == NULL && len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_client_add_schema: NULL argument");
    }
    if (err != NULL) {
        err->schema_id = schema_id;
    }
    pthread_mutex_lock(&client->write_lock);
    int rc = CFAVRO_OK;
    const cf_schema *have = cf_cache_get(&client->table, schema_id);
    if (have != NULL) {
        if (have->json.len != len || memcmp(have->json.ptr, json, len) != 0) {
            rc = cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                              "schema id %d is already registered with a different schema",
                              (int)schema_id);
        }
    } else {
        rc = compile_and_insert(client, schema_id, json, len, NULL, err);
    }
    pthread_mutex_unlock(&client->write_lock);
    if (rc != CFAVRO_OK && err != NULL) {
        err->schema_id = schema_id; /* the compiler's error starts from a cleared struct */
    }
    return rc;
}

/* Directory source: <dir>/<id>.avsc, compiled here. Caller holds write_lock. */
static int load_from_dir(cfavro_client *c, int32_t id, const cf_schema **out, cfavro_error *err)
{
    char path[4096];
    char *text = NULL;
    size_t len = 0;
    int rc = cf_source_dir_read(c->schema_dir, id, c->limits.max_json_bytes, path, sizeof path,
                                &text, &len, err);
    if (rc == CFAVRO_OK) {
        rc = compile_and_insert(c, id, text, len, out, err);
        if (rc != CFAVRO_OK) {
            cf_error_prepend(err, "%s: ", path); /* which file the problem is in */
        }
    }
    cf_free(text);
    return rc;
}

int cf_client_schema(cfavro_client *client, int32_t id, const cf_schema **out,
                     cfavro_error *err)
{
    const cf_schema *s = cf_cache_get(&client->table, id);
    if (s != NULL) {
        *out = s;
        return CFAVRO_OK;
    }
    int rc;
    pthread_mutex_lock(&client->write_lock);
    /* Another thread may have loaded it while we waited: one load per id. */
    s = cf_cache_get(&client->table, id);
    if (s != NULL) {
        *out = s;
        rc = CFAVRO_OK;
    } else if (client->schema_dir != NULL) {
        rc = load_from_dir(client, id, out, err);
    } else {
        rc = cf_error_set(err, CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_NO_OFFSET,
                          "schema id %d not found (not added with cfavro_client_add_schema, "
                          "and no schema.dir configured)",
                          (int)id);
    }
    pthread_mutex_unlock(&client->write_lock);
    if (rc != CFAVRO_OK && err != NULL) {
        err->schema_id = id;
    }
    return rc;
}

int cfavro_client_prefetch(cfavro_client *client, int32_t schema_id, cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_client_prefetch: NULL client");
    }
    const cf_schema *s;
    return cf_client_schema(client, schema_id, &s, err);
}
