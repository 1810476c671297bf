/*
 * The compiled form of an Avro schema: what the schema compiler produces and
 * the walker executes. Everything that depends only on the schema is worked
 * out here once (pre-escaped JSON keys, minimum encoded sizes, logical types)
 * so the per-message path looks nothing up.
 *
 * Layout: an array of nodes; `root` is the index of the top-level type.
 * Children are referenced by node index, so recursive types are simply cycles
 * of indices. A named type is compiled once and every later reference to its
 * name reuses the same node index.
 *
 * All strings point into memory owned by the cf_schema (an arena freed by
 * cf_schema_free) and are NUL-terminated; `len` excludes the NUL.
 */
#ifndef CFAVRO_SCHEMA_INTERNAL_H
#define CFAVRO_SCHEMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

typedef enum cf_kind {
    CF_NULL = 0,
    CF_BOOLEAN,
    CF_INT,
    CF_LONG,
    CF_FLOAT,
    CF_DOUBLE,
    CF_BYTES,
    CF_STRING,
    CF_FIXED,  /* count = size in bytes */
    CF_ENUM,   /* count = number of symbols, symbols[] */
    CF_RECORD, /* count = number of fields, fields[] */
    CF_ARRAY,  /* child = item node */
    CF_MAP,    /* child = value node */
    CF_UNION   /* count = number of branches, branches[] */
} cf_kind;

/* Logical types the compiler recognised. A logicalType attribute that is
 * unknown, or invalid for its underlying type (per the Avro spec), is ignored:
 * the node keeps CF_LT_NONE and decodes as its underlying type. */
typedef enum cf_logical {
    CF_LT_NONE = 0,
    CF_LT_DECIMAL,                 /* bytes or fixed; precision, scale set */
    CF_LT_UUID,                    /* string (or fixed 16) */
    CF_LT_DATE,                    /* int: days since 1970-01-01 */
    CF_LT_TIME_MILLIS,             /* int: ms after midnight */
    CF_LT_TIME_MICROS,             /* long: us after midnight */
    CF_LT_TIMESTAMP_MILLIS,        /* long: ms since epoch, UTC */
    CF_LT_TIMESTAMP_MICROS,        /* long: us since epoch, UTC */
    CF_LT_LOCAL_TIMESTAMP_MILLIS,  /* long: ms, no time zone */
    CF_LT_LOCAL_TIMESTAMP_MICROS,  /* long: us, no time zone */
    CF_LT_DURATION,                /* fixed 12: months, days, millis (LE uint32) */
    CF_LT_TIMESTAMP_NANOS,         /* long: ns since epoch, UTC (Avro 1.12) */
    CF_LT_LOCAL_TIMESTAMP_NANOS    /* long: ns, no time zone (Avro 1.12) */
} cf_logical;

typedef struct cf_str {
    const char *ptr; /* NUL-terminated, owned by the schema */
    uint32_t len;
} cf_str;

typedef struct cf_field {
    cf_str name;     /* field name as written, e.g. price */
    cf_str json_key; /* pre-escaped JSON text before the value, with the
                        punctuation that precedes it, so the walker writes
                        one piece per field: {"price": for the first field,
                        ,"price": for the others */
    uint32_t type;   /* node index */
} cf_field;

/* Union branch: its node and the text that opens its Avro-JSON wrapper
 * ({"string": or {"com.example.Side": — full name for named types). */
typedef struct cf_branch {
    uint32_t type;      /* node index */
    cf_str json_open;   /* e.g. {"string": */
} cf_branch;

typedef struct cf_node {
    uint8_t kind;      /* cf_kind */
    uint8_t logical;   /* cf_logical */
    uint16_t flags;    /* CF_NODE_* */
    uint32_t count;    /* record fields / union branches / enum symbols / fixed size */
    uint32_t child;    /* array items / map values: node index */
    /* Lower bound of the encoded size of any value of this type, in bytes
     * (0 for null, empty records, records of nulls). Used to reject block
     * counts that the remaining input cannot hold before looping over them.
     * A lower bound is all that is needed, so cycles may count as 0. */
    uint32_t min_size;
    int32_t precision; /* decimal only */
    int32_t scale;     /* decimal only */
    cf_str name;       /* full name for record/enum/fixed (com.example.Trade);
                          the primitive type name otherwise (string, array, ...) */
    cf_str short_name; /* record/enum/fixed: name without namespace (Trade) */
    cf_field *fields;  /* CF_RECORD: count entries */
    cf_branch *branches; /* CF_UNION: count entries */
    cf_str *symbols;   /* CF_ENUM: count entries, each pre-escaped with quotes: "BUY" */
    cf_str *symbol_names; /* CF_ENUM: count entries, raw symbol text: BUY */
    uint32_t zero_fields; /* CF_RECORD: fields whose type has min_size 0 */
} cf_node;

#define CF_NODE_NULLABLE 0x0001u /* CF_UNION that has a null branch */

typedef struct cf_schema_limits {
    size_t max_json_bytes;   /* schema text size; default 1 MiB */
    uint32_t max_depth;      /* nesting of type definitions in the JSON; default 64 */
    uint32_t max_nodes;      /* compiled nodes; default 100000 */
    uint32_t max_fields;     /* fields per record; default 10000 */
    uint32_t max_branches;   /* branches per union; default 1000 */
    uint32_t max_symbols;    /* symbols per enum; default 100000 */
    uint32_t max_fixed_size; /* bytes per fixed; default 16 MiB */
    size_t max_name_bytes;   /* total bytes of interned full names; default 4 MiB */
} cf_schema_limits;

/* Fill `limits` with the defaults listed above. */
void cf_schema_limits_default(cf_schema_limits *limits);

typedef struct cf_schema {
    cf_node *nodes;
    uint32_t node_count;
    uint32_t root;      /* node index of the top-level type */
    cf_str json;        /* a copy of the schema text as given */
    /* private to the compiler: arena blocks etc. */
    void *priv;
} cf_schema;

/*
 * Compile Avro schema JSON text json[0..len) (need not be NUL-terminated).
 * limits may be NULL for defaults. On success returns CFAVRO_OK and *out owns
 * a new schema (free with cf_schema_free). On failure returns
 * CFAVRO_E_SCHEMA_INVALID (message names the problem and where, e.g.
 * `field "price" of record com.example.Trade: unknown type name "dobule"`),
 * CFAVRO_E_LIMIT_SCHEMA, CFAVRO_E_SCHEMA_UNSUPPORTED or CFAVRO_E_NOMEM, with
 * `err` filled (err may be NULL), and *out is NULL.
 * Pure function of its input; thread-safe.
 */
int cf_schema_compile(const char *json, size_t len, const cf_schema_limits *limits,
                      cf_schema **out, cfavro_error *err);

void cf_schema_free(cf_schema *schema);

#endif
