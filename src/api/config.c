/* cfavro_config: an ordered bag of validated string settings. */
#include <string.h>

#include "alloc_internal.h"
#include "client_internal.h"
#include "config_internal.h"
#include "error_internal.h"
#include "options_internal.h"

cfavro_config *cfavro_config_new(void)
{
    return cf_calloc(1, sizeof(cfavro_config));
}

void cfavro_config_free(cfavro_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    for (size_t i = 0; i < cfg->count; i++) {
        cf_free(cfg->items[i].key);
        cf_free(cfg->items[i].value);
    }
    cf_free(cfg->items);
    cf_free(cfg);
}

/* Check a setting without applying it anywhere, so mistakes surface at the
 * cfavro_config_set call that made them. */
static int validate_setting(const char *key, const char *value, cfavro_error *err)
{
    cf_options scratch;
    cf_options_default(&scratch);
    int rc = cf_options_set(&scratch, key, value, err);
    if (rc != -1) {
        return rc;
    }
    rc = cf_client_setting(NULL, key, value, err);
    if (rc != -1) {
        return rc;
    }
    return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET, "unknown config key \"%.100s\"",
                        key);
}

int cfavro_config_set(cfavro_config *cfg, const char *key, const char *value,
                      cfavro_error *err)
{
    cf_error_clear(err);
    if (cfg == NULL || key == NULL || value == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_config_set: NULL argument");
    }
    int rc = validate_setting(key, value, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char *v = cf_strndup(value, strlen(value));
    if (v == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < cfg->count; i++) {
        if (strcmp(cfg->items[i].key, key) == 0) {
            cf_free(cfg->items[i].value);
            cfg->items[i].value = v;
            return CFAVRO_OK;
        }
    }
    if (cfg->count == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 8;
        cf_setting *items = cf_realloc(cfg->items, cap * sizeof *items);
        if (items == NULL) {
            cf_free(v);
            return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        }
        cfg->items = items;
        cfg->cap = cap;
    }
    char *k = cf_strndup(key, strlen(key));
    if (k == NULL) {
        cf_free(v);
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    cfg->items[cfg->count++] = (cf_setting){k, v};
    return CFAVRO_OK;
}
