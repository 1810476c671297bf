/* The client's sources, asked in order when the cache misses (see
 * source_internal.h for the order and what each answers). */
#ifndef CFAVRO_CLIENT_LOAD_INTERNAL_H
#define CFAVRO_CLIENT_LOAD_INTERNAL_H

#include "client_internal.h"
#include "registry_config_internal.h"

/* The cache's loader (cf_cache_loader) for a client: `ctx` is the client. */
int cf_client_load(void *ctx, const cf_schema_key *key, cf_load_result *out, cfavro_error *err);

/* Make the sources that need making (the registry client) from the applied
 * settings; CFAVRO_E_CONFIG names a key. Close is safe after a failed open. */
int cf_client_sources_open(cfavro_client *client, const cf_registry_config *cfg,
                           cfavro_error *err);
void cf_client_sources_close(cfavro_client *client);

#endif
