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
 * All strings are NUL-terminated (`len` excludes the NUL) and point into
 * memory owned by the cf_schema (an arena freed by cf_schema_free) or into
 * static literals (primitive names, their union wrappers).
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
    CF_UNION,  /* count = number of branches, branches[] */
    /* Only in a program compiled from a (writer, reader) pair
     * (schema_resolve_internal.h): a step of schema resolution, reading the
     * writer's encoding and emitting the reader's node `child`; `res` says
     * how. A schema compiled from one text never holds one. */
    CF_RESOLVED
} cf_kind;

struct cf_resolution; /* schema_resolve_internal.h */

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
 * ({"string": or {"com.example.Side": — full name for named types; every
 * branch of one named type shares one copy). */
typedef struct cf_branch {
    uint32_t type;      /* node index */
    cf_str json_open;   /* e.g. {"string": */
} cf_branch;

typedef struct cf_node {
    uint8_t kind;      /* cf_kind */
    uint8_t logical;   /* cf_logical */
    uint32_t count;    /* record fields / union branches / enum symbols / fixed size */
    uint32_t child;    /* array items / map values: node index */
    /* Lower bound of the encoded size of any value of this type, in bytes
     * (0 for null, empty records, records of nulls). Used to reject block
     * counts that the remaining input cannot hold before looping over them.
     * A lower bound is all that is needed, so cycles may count as 0. */
    uint32_t min_size;
    /* Decimal only. Nothing renders precision; reader-schema resolution
     * will (two decimals match only if precision and scale do). */
    int32_t precision;
    int32_t scale;
    cf_str name;       /* full name for record/enum/fixed (com.example.Trade), the
                          one copy the compile made; the primitive type name
                          otherwise (string, array, ...) */
    cf_str short_name; /* record/enum/fixed: name without namespace (Trade), the
                          tail of `name`; the root's is the first error path
                          segment */
    union {
        cf_field *fields;  /* CF_RECORD: count entries */
        const struct cf_resolution *res; /* CF_RESOLVED */
    };
    cf_branch *branches; /* CF_UNION: count entries */
    cf_str *symbols;   /* CF_ENUM: count entries, each pre-escaped with quotes: "BUY" */
    /* CF_ENUM: count entries, raw symbol text: BUY. Nothing reads them yet;
     * reader-schema resolution will, to map writer symbols to the reader's
     * by name. */
    cf_str *symbol_names;
    uint32_t zero_fields; /* CF_RECORD: fields whose type has min_size 0 */
} cf_node;

/* What one compile may take, each settable by the client key named here;
 * going over any of them is CFAVRO_E_LIMIT_SCHEMA with a message naming the
 * key. Compile time and memory are proportional to the schema text (jansson's
 * tree aside) plus, at most, twice max_name_bytes. */
typedef struct cf_schema_limits {
    size_t max_json_bytes;   /* limit.schema.bytes: schema text size; default 1 MiB */
    uint32_t max_depth;      /* limit.schema.depth: nesting of type definitions; default 64 */
    uint32_t max_nodes;      /* limit.schema.nodes: compiled nodes; default 100000 */
    uint32_t max_fields;     /* limit.schema.fields: fields per record; default 10000 */
    uint32_t max_branches;   /* limit.schema.branches: branches per union; default 1000 */
    uint32_t max_symbols;    /* limit.schema.symbols: symbols per enum; default 100000 */
    uint32_t max_fixed_size; /* limit.schema.fixed.size: bytes per fixed; default 16 MiB */
    /* limit.schema.names.bytes: total bytes of the named types' full names,
     * each kept once (its union wrapper, built once if a union lists the
     * type, adds as much again); default 4 MiB. A namespace inherited by
     * many definitions is repeated in each full name: without this budget a
     * long one would cost the text's length squared. */
    size_t max_name_bytes;
} cf_schema_limits;

/* Fill `limits` with the defaults listed above. */
void cf_schema_limits_default(cf_schema_limits *limits);

/* What only schema resolution reads (never the walker), kept per field and
 * per node beside the program: aliases as full names (a named type's
 * relative aliases completed with its namespace, as the specification
 * says), field defaults as compact JSON text (jansson's rendering of the
 * schema's "default", U+0000 escaped) for schema_defaults.c to encode. */
typedef struct cf_field_meta {
    cf_str default_json; /* ptr NULL: the field has no default */
    const cf_str *aliases;
    uint32_t alias_count;
} cf_field_meta;

typedef struct cf_node_meta {
    const cf_str *aliases;        /* named types: full names */
    uint32_t alias_count;
    uint32_t enum_default;        /* CF_ENUM: symbol index, or UINT32_MAX for none */
    const cf_field_meta *fields;  /* CF_RECORD: count entries */
} cf_node_meta;

typedef struct cf_schema {
    cf_node *nodes;
    uint32_t node_count;
    uint32_t root;      /* node index of the top-level type */
    cf_str json;        /* a copy of the schema text as given */
    /* node_count entries (NULL in a resolved program, which is never
     * resolved again) */
    const cf_node_meta *meta;
    /* private to the compiler: the arena's chain of blocks, which holds
     * everything above (this struct included) */
    void *priv;
} cf_schema;

/*
 * Compile Avro schema JSON text json[0..len) (need not be NUL-terminated).
 * limits may be NULL for defaults. On success returns CFAVRO_OK and *out owns
 * a new schema (free with cf_schema_free). On failure returns
 * CFAVRO_E_SCHEMA_INVALID (message names the problem and where, e.g.
 * `field "price" of record com.example.Trade: unknown type name "dobule"`),
 * CFAVRO_E_LIMIT_SCHEMA (message names the limit.schema.* key, e.g.
 * `record R has 10001 fields, over limit.schema.fields (10000)`) or
 * CFAVRO_E_NOMEM, with
 * `err` filled (err may be NULL), and *out is NULL.
 * Pure function of its input; thread-safe.
 */
int cf_schema_compile(const char *json, size_t len, const cf_schema_limits *limits,
                      cf_schema **out, cfavro_error *err);

/* One schema text a schema depends on (a Schema Registry reference):
 * ptr[0..len), need not be NUL-terminated, and a label naming it in error
 * messages (NUL-terminated, e.g. `subject "address-value" version 1`; NULL:
 * the index alone). All borrowed for the duration of the call. */
typedef struct cf_schema_text {
    const char *ptr;
    size_t len;
    const char *label;
} cf_schema_text;

/*
 * cf_schema_compile for a schema that uses named types defined in other
 * texts: deps[0..ndeps) are compiled first, in that order (dependencies
 * first: each may use the named types of the ones before it), then the root
 * json[0..len), which may use any of them. Names resolve as within one text:
 * a dependency's com.acme.Address is "com.acme.Address" everywhere and
 * "Address" only inside namespace com.acme (or, for a type in the null
 * namespace, from anywhere). The result is the root's: its program, its
 * root type, its text in schema->json. Every limit counts over all the
 * texts together (limit.schema.bytes over their total length, nodes and
 * name bytes over everything compiled), so references cannot carry more
 * than one schema may. deps may be NULL when ndeps is 0.
 *
 * A name defined twice is CFAVRO_E_SCHEMA_INVALID even when both
 * definitions are identical (as Java's parser does; the registry's
 * reference resolver hands each dependency over once), and the message
 * names the dependency that defined it first. A failure inside dependency i
 * is its usual message prefixed `dependency i (label): `. Other statuses,
 * ownership and thread safety as cf_schema_compile, which is this with no
 * dependencies.
 */
int cf_schema_compile_with_deps(const cf_schema_text *deps, size_t ndeps, const char *json,
                                size_t len, const cf_schema_limits *limits, cf_schema **out,
                                cfavro_error *err);

void cf_schema_free(cf_schema *schema);

#endif
