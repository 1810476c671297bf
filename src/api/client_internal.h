/* The shared client: settings, schema sources and the schema cache. */
#ifndef CFAVRO_CLIENT_INTERNAL_H
#define CFAVRO_CLIENT_INTERNAL_H

#include "cache_load_internal.h"
#include "cfavro.h"
#include "options_internal.h"
#include "reader_internal.h"
#include "registry_refs_internal.h"
#include "schema_internal.h"
#include "source_internal.h"
#include "stats_internal.h"

struct cfavro_client {
    cf_options defaults;       /* copied into each new decoder */
    cf_schema_limits limits;   /* for every schema compiled */
    char *schema_dir;          /* directory source, or NULL */
    char *persist_dir;         /* persistence directory, or NULL */
    char *context;             /* schema.registry.context, or NULL */
    cf_source_memory memory;   /* cfavro_client_add_schema's texts */
    pthread_mutex_t add_lock;  /* serialises cfavro_client_add_schema */
    struct cf_registry *registry; /* the HTTP source, or NULL */
    cf_refs_limits refs_limits;   /* what a schema's references may add up to */
    cf_cache cache;
    cf_cache_policy policy;    /* the loader (the sources in order) and the TTL */
    /* The decoders' default reader schema (reader.schema, or the registry's
     * cfavro.reader.subject), or NULL: decode with the writer schema. */
    cf_reader_source *reader;
    /* The live decoders and what freed ones counted (cfavro_client_stats). */
    cf_client_stats stats;
};

/* The READY cache entry for `key` with a reference for the caller (release
 * with cf_cache_release), from the cache or, on a miss, the sources. On
 * failure fills err (status, message, schema_id). */
int cf_client_acquire(cfavro_client *client, const cf_schema_key *key, cf_cache_entry **out,
                      cfavro_error *err);

/* cf_client_acquire, also saying how the cache answered (for the caller to
 * count: see stats_internal.h). */
int cf_client_acquire_counted(cfavro_client *client, const cf_schema_key *key,
                              cf_cache_entry **out, cfavro_error *err, cf_cache_answer *answer);

#endif
