/* The shared client: settings, schema sources and the compiled-schema table. */
#ifndef CFAVRO_CLIENT_INTERNAL_H
#define CFAVRO_CLIENT_INTERNAL_H

#include <pthread.h>

#include "cfavro.h"
#include "options_internal.h"
#include "schema_internal.h"
#include "cache_internal.h"

struct cfavro_client {
    cf_options defaults;         /* copied into each new decoder */
    cf_schema_limits limits;     /* for every schema compiled */
    char *schema_dir;            /* directory source (<id>.avsc), or NULL */
    pthread_mutex_t write_lock;  /* serialises sources and table inserts; never held by readers */
    cf_cache table;
};

/* The compiled schema for `id`: the table first (lock-free), then the
 * sources. On failure fills err (status, message, schema_id). */
int cf_client_schema(cfavro_client *client, int32_t id, const cf_schema **out,
                     cfavro_error *err);

#endif
