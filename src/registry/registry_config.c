/* Releasing the registry settings (registry_config_internal.h). Built in
 * every configuration: the settings table stores into the struct whether or
 * not the HTTP client is compiled in. */
#include "registry_config_internal.h"

#include <string.h>

#include "alloc_internal.h"

void cf_wipe_text(char *s)
{
    if (s == NULL) {
        return;
    }
    /* Stores through a volatile pointer are observable behaviour, so unlike
     * memset before free they cannot be removed; explicit_bzero would do the
     * same but is not in C11. */
    volatile char *p = s;
    for (size_t n = strlen(s); n > 0; n--) {
        *p++ = '\0';
    }
}

void cf_free_secret(char *s)
{
    cf_wipe_text(s);
    cf_free(s);
}

void cf_registry_config_free(cf_registry_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    cf_free_secret(cfg->basic_user_info);
    cf_free_secret(cfg->bearer_token);
    cf_free_secret(cfg->ssl_key_password);
    cf_free_secret(cfg->proxy);
    cf_free_secret(cfg->urls); /* may carry user info (basic.auth.credentials.source URL) */
    cf_free(cfg->context);
    cf_free(cfg->bearer_logical_cluster);
    cf_free(cfg->bearer_identity_pool);
    cf_free(cfg->ssl_ca_location);
    cf_free(cfg->ssl_certificate_location);
    cf_free(cfg->ssl_key_location);
    cf_free(cfg->persist_dir);
    memset(cfg, 0, sizeof *cfg);
}
