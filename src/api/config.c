/* cfavro_config: an ordered bag of settings, each checked against the
 * settings table when set, so mistakes surface at the call that made them. */
#include <string.h>

#include "alloc_internal.h"
#include "config_internal.h"
#include "error_internal.h"
#include "registry_config_internal.h"

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
        /* Wiped like the client's copies: a value may be a secret, or a URL
         * or proxy with user info. */
        cf_free_secret(cfg->items[i].value);
    }
    cf_free(cfg->items);
    cf_free(cfg);
}

int cfavro_config_set(cfavro_config *cfg, const char *key, const char *value,
                      cfavro_error *err)
{
    cf_error_clear(err);
    if (cfg == NULL || key == NULL || value == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_config_set: NULL argument");
    }
    const cf_setting_row *row = NULL;
    int rc = cf_settings_check(key, value, &row, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char *v = cf_strndup(value, strlen(value));
    if (v == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < cfg->count; i++) {
        if (cfg->items[i].row == row) {
            cf_free_secret(cfg->items[i].value); /* wiped: see cfavro_config_free */
            cfg->items[i].value = v;
            return CFAVRO_OK;
        }
    }
    if (cfg->count == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 8;
        cf_config_item *items = cf_realloc(cfg->items, cap * sizeof *items);
        if (items == NULL) {
            cf_free_secret(v);
            return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        }
        cfg->items = items;
        cfg->cap = cap;
    }
    cfg->items[cfg->count++] = (cf_config_item){row, v};
    return CFAVRO_OK;
}
