/* Status class -> dead-letter reason (see reason.h). */
#include "reason.h"

#include <cfavro.h>

ingest_reason ingest_reason_for_status(int status)
{
    switch (cfavro_status_class(status)) {
    case CFAVRO_CLASS_FRAME:
    case CFAVRO_CLASS_DATA:
    case CFAVRO_CLASS_TRAILING:
    case CFAVRO_CLASS_LIMIT:
        /* A limit is hit by what the bytes say (depth, item counts, output
         * size): retrying the same bytes hits it again. */
        return INGEST_REASON_MALFORMED;
    case CFAVRO_CLASS_NOT_FOUND:
    case CFAVRO_CLASS_SCHEMA:
        return INGEST_REASON_UNKNOWN_SCHEMA;
    case CFAVRO_CLASS_INCOMPATIBLE:
        return INGEST_REASON_INCOMPATIBLE;
    case CFAVRO_CLASS_REGISTRY:
        return INGEST_REASON_REGISTRY;
    default:
        return INGEST_REASON_INTERNAL;
    }
}

const char *ingest_reason_name(ingest_reason reason)
{
    static const char *const names[INGEST_REASON_COUNT] = {
        [INGEST_REASON_MALFORMED] = "malformed",
        [INGEST_REASON_UNKNOWN_SCHEMA] = "unknown_schema",
        [INGEST_REASON_INCOMPATIBLE] = "incompatible",
        [INGEST_REASON_REGISTRY] = "registry",
        [INGEST_REASON_INTERNAL] = "internal",
    };
    return (unsigned)reason < INGEST_REASON_COUNT ? names[reason] : "internal";
}
