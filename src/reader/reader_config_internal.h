/* The reader-schema settings as the settings table stores them
 * (CF_TARGET_READER rows, settings_table.c): reader.schema, and the registry
 * rows use.latest.version, cfavro.reader.subject, cfavro.reader.version and
 * latest.cache.ttl.sec. The client (and cfavro_decoder_set, for
 * reader.schema) zero-initialises one, applies rows into it, checks the
 * combination with cf_reader_config_check, builds its reader source from it,
 * then frees it with cf_reader_config_free. */
#ifndef CFAVRO_READER_CONFIG_INTERNAL_H
#define CFAVRO_READER_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cfavro.h"

typedef struct cf_reader_config {
    char *schema;         /* reader.schema: Avro JSON text, owned; NULL: unset */
    bool use_latest;      /* use.latest.version */
    char *subject;        /* cfavro.reader.subject, owned; NULL: unset */
    uint32_t version;     /* cfavro.reader.version; 0: unset */
    uint64_t ttl_sec;     /* latest.cache.ttl.sec */
} cf_reader_config;

/* Whether the settings ask for a reader from the registry. */
static inline bool cf_reader_config_from_registry(const cf_reader_config *cfg)
{
    return cfg->use_latest || cfg->version != 0;
}

/* Check the combination (each value was checked when set):
 * CFAVRO_E_CONFIG naming the keys when use.latest.version / cfavro.reader.version
 * lack cfavro.reader.subject, a subject has neither, both are set, or
 * reader.schema is set together with a registry reader. `have_registry`:
 * schema.registry.url is set (a registry reader needs it). */
int cf_reader_config_check(const cf_reader_config *cfg, bool have_registry, cfavro_error *err);

/* Free the strings and zero *cfg. NULL: no-op. */
void cf_reader_config_free(cf_reader_config *cfg);

#endif
