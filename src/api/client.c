/* cfavro_client: settings, the schema sources and the schema cache every
 * decoder reads. The sources, asked in order on a miss, are client_load.c. */
#include <string.h>

#include "alloc_internal.h"
#include "client_internal.h"
#include "client_load_internal.h"
#include "client_registry_internal.h"
#include "config_internal.h"
#include "error_internal.h"

static cfavro_client *client_fail(cfavro_client *c, cfavro_error *err, int status,
                                  const char *why)
{
    cf_error_set(err, status, CFAVRO_NO_OFFSET, "%s", why);
    cf_free(c);
    return NULL;
}

/* The decoders' default reader source from the reader rows (NULL when none
 * is set): reader.schema is compiled now, so a bad one fails here. */
static int open_reader(cfavro_client *c, const cf_reader_config *cfg, cfavro_error *err)
{
    int rc = cf_reader_config_check(cfg, c->registry != NULL, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    if (cfg->schema != NULL) {
        return cf_reader_source_new_text(cfg->schema, &c->limits, &c->reader, err);
    }
#ifdef CF_HAVE_REGISTRY
    if (cf_reader_config_from_registry(cfg)) {
        int32_t version = cfg->use_latest ? CF_REG_VERSION_LATEST : (int32_t)cfg->version;
        return cf_reader_source_new_registry(cfg->subject, version, cfg->ttl_sec * 1000u,
                                             cf_client_registry_fetch_reader, c, &c->reader,
                                             err);
    }
#endif
    return CFAVRO_OK;
}

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
    if (pthread_mutex_init(&c->add_lock, NULL) != 0) {
        return client_fail(c, err, CFAVRO_E_INTERNAL, "cannot create a mutex");
    }
    if (cf_client_stats_init(&c->stats) != CFAVRO_OK) {
        pthread_mutex_destroy(&c->add_lock);
        return client_fail(c, err, CFAVRO_E_INTERNAL, "cannot create a mutex");
    }
    if (cf_source_memory_init(&c->memory) != CFAVRO_OK) {
        cf_client_stats_destroy(&c->stats);
        pthread_mutex_destroy(&c->add_lock);
        return client_fail(c, err, CFAVRO_E_INTERNAL, "cannot create a mutex");
    }
    /* Client rows land in the client, decoder rows in the defaults its
     * decoders copy. Values were checked by cfavro_config_set; applying can
     * still run out of memory (text values are copied). */
    cf_registry_config reg = {0};
    cf_reader_config reader = {0};
    cf_settings_target target = {.options = &c->defaults, .schema = &c->limits,
                                 .registry = &reg, .reader = &reader};
    target.text[CF_CLIENT_TEXT_SCHEMA_DIR] = &c->schema_dir;
    int rc = cf_settings_apply_defaults(&target, err);
    for (size_t i = 0; rc == CFAVRO_OK && cfg != NULL && i < cfg->count; i++) {
        rc = cf_settings_apply(cfg->items[i].row, cfg->items[i].value, &target, err);
    }
    /* What the client keeps of the registry rows; the rest (credentials
     * included) is copied by the registry client and wiped below. The
     * context is the client's too (cache listing, persisted file names), but
     * stays in `reg` until the registry client is made: that one reads it for
     * its ?subject= query. */
    c->context = reg.context;
    c->persist_dir = reg.persist_dir;
    reg.persist_dir = NULL;
    c->policy.negative_ttl_ms = reg.negative_ttl_ms;
    if (rc == CFAVRO_OK) {
        rc = cf_cache_init(&c->cache, reg.cache_capacity);
        if (rc != CFAVRO_OK) {
            cf_free(c->schema_dir);
            cf_free(c->context);
            cf_free(c->persist_dir);
            reg.context = NULL; /* freed just above */
            cf_registry_config_free(&reg);
            cf_source_memory_free(&c->memory);
            cf_client_stats_destroy(&c->stats);
            pthread_mutex_destroy(&c->add_lock);
            return client_fail(c, err, rc, rc == CFAVRO_E_NOMEM ? "out of memory"
                                                                : "cannot create a mutex");
        }
        c->policy.load = cf_client_load;
        c->policy.ctx = c;
        rc = cf_client_sources_open(c, &reg, err);
    }
    if (rc == CFAVRO_OK) {
        rc = open_reader(c, &reader, err);
    }
    cf_reader_config_free(&reader);
    reg.context = NULL; /* the client's now */
    cf_registry_config_free(&reg);
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
    cf_reader_source_free(client->reader);
    cf_client_sources_close(client);
    cf_cache_free(&client->cache);
    cf_source_memory_free(&client->memory);
    cf_client_stats_destroy(&client->stats);
    pthread_mutex_destroy(&client->add_lock);
    cf_free(client->schema_dir);
    cf_free(client->persist_dir);
    cf_free(client->context);
    cf_free(client);
}

int cfavro_client_add_schema(cfavro_client *client, int32_t schema_id, const char *json,
                             size_t len, cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL || (json == NULL && len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_client_add_schema: NULL argument");
    }
    /* Refused unless it agrees with what was added before and with what is
     * cached (from any source), and compiles; only then kept. Adds are
     * serialised so that two of them cannot both pass the checks. */
    pthread_mutex_lock(&client->add_lock);
    cf_schema *schema = NULL;
    cf_schema_key key = cf_key_id(schema_id);
    int rc = cf_source_memory_check(&client->memory, schema_id, json, len, err);
    if (rc == CFAVRO_OK) {
        rc = cf_schema_compile(json, len, &client->limits, &schema, err);
    }
    /* The text is kept before the schema is cached, so a cached schema can
     * always be compiled again once evicted; a refused cache put takes the
     * text back out. */
    bool added = false;
    if (rc == CFAVRO_OK) {
        rc = cf_source_memory_add(&client->memory, schema_id, json, len, &added, err);
        if (rc != CFAVRO_OK) {
            cf_schema_free(schema);
        }
    }
    if (rc == CFAVRO_OK) {
        rc = cf_cache_put_ready(&client->cache, &key, schema, CF_ORIGIN_MEMORY, err);
        if (rc != CFAVRO_OK && added) {
            cf_source_memory_remove(&client->memory, schema_id);
        }
    }
    pthread_mutex_unlock(&client->add_lock);
    if (err != NULL) {
        err->schema_id = schema_id; /* the compiler's error starts from a cleared struct */
    }
    return rc;
}

int cf_client_acquire_counted(cfavro_client *client, const cf_schema_key *key,
                              cf_cache_entry **out, cfavro_error *err, cf_cache_answer *answer)
{
    int rc = cf_cache_get_counted(&client->cache, key, &client->policy, out, err, answer);
    if (rc != CFAVRO_OK && err != NULL) {
        err->schema_id = cf_key_kind_of(key) == CF_KEY_ID ? cf_key_id_of(key)
                                                          : CFAVRO_NO_SCHEMA_ID;
    }
    return rc;
}

int cf_client_acquire(cfavro_client *client, const cf_schema_key *key, cf_cache_entry **out,
                      cfavro_error *err)
{
    cf_cache_answer ignored;
    return cf_client_acquire_counted(client, key, out, err, &ignored);
}

static int prefetch(cfavro_client *client, cf_schema_key key, const char *name, cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, "%s: NULL argument",
                            name);
    }
    cf_cache_entry *e;
    cf_cache_answer answer;
    int rc = cf_client_acquire_counted(client, &key, &e, err, &answer);
    cf_counter_add_shared(&client->stats.prefetch_answers[answer], 1);
    cf_cache_release(e);
    return rc;
}

int cfavro_client_prefetch(cfavro_client *client, int32_t schema_id, cfavro_error *err)
{
    return prefetch(client, cf_key_id(schema_id), "cfavro_client_prefetch", err);
}

int cfavro_client_prefetch_guid(cfavro_client *client, const uint8_t guid[CFAVRO_GUID_SIZE],
                                cfavro_error *err)
{
    if (guid == NULL) {
        cf_error_clear(err);
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_client_prefetch_guid: NULL argument");
    }
    return prefetch(client, cf_key_guid(guid), "cfavro_client_prefetch_guid", err);
}
