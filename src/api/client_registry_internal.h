/* The client's registry source (client_registry.c), built only with the
 * registry client. */
#ifndef CFAVRO_CLIENT_REGISTRY_INTERNAL_H
#define CFAVRO_CLIENT_REGISTRY_INTERNAL_H

#include "client_internal.h"
#include "reader_internal.h"

/* Fetch `key` from the client's registry (which must exist), resolve its
 * references and compile it; persist it when configured. The registry's
 * "not found" is CFAVRO_E_SCHEMA_NOT_FOUND; other statuses as
 * cf_registry_get_id / _guid give them, or the compiler's. */
int cf_client_registry_load(const cfavro_client *c, const cf_schema_key *key,
                            cf_load_result *out, cfavro_error *err);

/* A schema.registry.url under /contexts/<ctx>/ serves that context's ids:
 * make <ctx> the client's context (persisted file names, the cache listing)
 * unless schema.registry.context already says it. CFAVRO_E_CONFIG when the
 * URLs name different contexts, or the setting another one; the registry's
 * requests are unchanged (the URL itself routes them). */
int cf_client_registry_adopt_url_context(cfavro_client *c, cfavro_error *err);

/* The reader source's fetch (cf_reader_fetch_fn; `ctx` is the client):
 * subject's version (or latest, soft-deleted versions left out) with its
 * references, compiled with the client's limits. */
int cf_client_registry_fetch_reader(void *ctx, const char *subject, int32_t version,
                                    cf_reader_fetched *out, cfavro_error *err);

#endif
