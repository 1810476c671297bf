/* Checking the combination of reader-schema settings (each value was
 * checked when it was set; see reader_config_internal.h). */
#include "alloc_internal.h"
#include "error_internal.h"
#include "reader_config_internal.h"

int cf_reader_config_check(const cf_reader_config *cfg, bool have_registry, cfavro_error *err)
{
    if (cfg->use_latest && cfg->version != 0) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config use.latest.version=true and cfavro.reader.version: set one "
                            "of them, not both");
    }
    bool registry = cf_reader_config_from_registry(cfg);
    if (registry && cfg->subject == NULL) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s needs cfavro.reader.subject (the subject whose "
                            "version is the reader schema)",
                            cfg->use_latest ? "use.latest.version" : "cfavro.reader.version");
    }
    if (!registry && cfg->subject != NULL) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config cfavro.reader.subject needs use.latest.version=true or "
                            "cfavro.reader.version");
    }
    if (registry && cfg->schema != NULL) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config reader.schema and %s both name a reader schema: set one "
                            "of them",
                            cfg->use_latest ? "use.latest.version" : "cfavro.reader.version");
    }
    if (registry && !have_registry) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s needs schema.registry.url",
                            cfg->use_latest ? "use.latest.version" : "cfavro.reader.version");
    }
    return CFAVRO_OK;
}

void cf_reader_config_free(cf_reader_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    cf_free(cfg->schema);
    cf_free(cfg->subject);
    *cfg = (cf_reader_config){0};
}
