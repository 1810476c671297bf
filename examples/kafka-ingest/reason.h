/* Why a record went to the dead-letter sink: the cfavro status class of its
 * failure, folded into the few reasons an operator acts on differently. */
#ifndef INGEST_REASON_H
#define INGEST_REASON_H

typedef enum ingest_reason {
    INGEST_REASON_MALFORMED = 0,  /* the bytes: framing, Avro data, trailing bytes, limits */
    INGEST_REASON_UNKNOWN_SCHEMA, /* no usable schema for the id (not found, not Avro, invalid) */
    INGEST_REASON_INCOMPATIBLE,   /* the writer schema does not resolve to the reader schema */
    INGEST_REASON_REGISTRY,       /* the registry stayed unreachable through every retry */
    INGEST_REASON_INTERNAL,       /* out of memory or a cfavro bug: the record may be fine */
    INGEST_REASON_COUNT
} ingest_reason;

/* The reason for a failed cfavro status (a CFAVRO_E_* code). */
ingest_reason ingest_reason_for_status(int status);

/* The reason's name as it appears in dead-letter lines and setting keys
 * (ingest.deadletter.<name>.path): "malformed", "unknown_schema", ... */
const char *ingest_reason_name(ingest_reason reason);

#endif
