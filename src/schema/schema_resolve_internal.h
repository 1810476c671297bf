/*
 * Schema resolution (the Avro specification's "Schema Resolution"): a
 * (writer, reader) pair compiled once into a program the ordinary walker
 * runs, so every emitter sees the reader's schema while the bytes are the
 * writer's.
 *
 * The resolved program is a cf_schema whose node array starts with a copy
 * of the reader's nodes (same indices, so every reader node a hook receives
 * is the reader's own, its fields, branches and symbols included), followed
 * by CF_RESOLVED nodes and by copies of reader arrays and maps whose `child`
 * is a CF_RESOLVED node. Wherever the writer's type encodes exactly like the
 * reader's (same shape, fields in the same order, same symbols), the program
 * points at the reader's node itself and the walker runs it as if no reader
 * schema were set: only the parts that differ cost anything.
 *
 * A CF_RESOLVED node: `child` is the reader node its value is emitted as,
 * `min_size` the writer type's minimum encoded size (the walker bounds block
 * counts by input bytes), `name`/`short_name` the reader's, and `res` says
 * what to do (cf_resolution).
 */
#ifndef CFAVRO_SCHEMA_RESOLVE_INTERNAL_H
#define CFAVRO_SCHEMA_RESOLVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "schema_internal.h"

/* A writer symbol or branch the reader has nothing for (map entries). */
#define CF_NO_MATCH UINT32_MAX

typedef enum cf_rop {
    CF_ROP_RECORD = 0,   /* steps[count]; reader record `child` */
    CF_ROP_ENUM,         /* writer index (< count) -> map[] -> reader symbol */
    CF_ROP_UNION,        /* writer union -> reader union `child`: branch b is emitted
                            as reader branch map[b], its value by node types[b] */
    CF_ROP_UNION_TO_ONE, /* writer union -> reader non-union: branch b by node types[b] */
    CF_ROP_TO_UNION,     /* writer non-union -> reader union `child`: reader branch
                            `branch`, the value by node types[0] */
    /* Promotions: read the writer's primitive, emit the reader's. */
    CF_ROP_INT_LONG,
    CF_ROP_INT_FLOAT,
    CF_ROP_INT_DOUBLE,
    CF_ROP_LONG_FLOAT,
    CF_ROP_LONG_DOUBLE,
    CF_ROP_FLOAT_DOUBLE,
    CF_ROP_STRING_BYTES,
    CF_ROP_BYTES_STRING  /* the text is checked as any string is */
} cf_rop;

/* One step of a resolved record, in execution order. Writer fields are read
 * in writer order (the bytes come that way) and the reader's fields are
 * emitted in reader order (as Avro's own resolving readers deliver them):
 * a writer field read before its reader field's turn is SAVEd (its start
 * remembered, its bytes checked and passed) and REPLAYed when its turn
 * comes; fields the reader lacks are SKIPped; reader fields the writer
 * lacks take their DEFAULT, encoded once into Avro binary of the reader's
 * type and walked like payload bytes. A default that is one value of a
 * primitive, enum or fixed type (or such a value as the first branch of a
 * union) is a DEFAULT_VALUE instead: the same value, read back from those
 * bytes once when the pair is compiled, handed to the emitter's hook
 * directly, as the walk of the bytes would hand it. */
typedef enum cf_rstep_op {
    CF_RSTEP_READ = 0,    /* field `field`: the value, by node `type` */
    CF_RSTEP_SKIP,        /* a writer field of writer node `type`: checked, not emitted */
    CF_RSTEP_SAVE,        /* as SKIP, remembering where it starts in slot `slot` */
    CF_RSTEP_REPLAY,      /* field `field`: the value saved in `slot`, by node `type` */
    CF_RSTEP_DEFAULT,     /* field `field`: dflt[0..dflt_len) by reader node `type` */
    CF_RSTEP_DEFAULT_VALUE /* field `field`: `value` of reader node `leaf`, which is
                              `type`, or branch `branch` of the union `type` */
} cf_rstep_op;

/* A DEFAULT_VALUE's value, by its node's kind: boolean, int, long and enum
 * (the symbol index) in `i`, float in `f`, double in `d`, string, bytes and
 * fixed in `span` (inside the step's dflt bytes); nothing for null. */
typedef union cf_rvalue {
    int64_t i;
    float f;
    double d;
    struct {
        const uint8_t *ptr;
        size_t len;
    } span;
} cf_rvalue;

/* The members the walker reads for every step come first. */
typedef struct cf_rstep {
    uint8_t op;     /* cf_rstep_op */
    uint32_t field; /* READ, REPLAY, DEFAULT*: reader field index */
    uint32_t type;  /* see cf_rstep_op; SKIP and SAVE index the writer's nodes */
    uint32_t slot;  /* SAVE, REPLAY */
    uint32_t leaf;   /* DEFAULT_VALUE */
    uint32_t branch; /* DEFAULT_VALUE: CF_NO_MATCH when `type` is not a union */
    cf_rvalue value; /* DEFAULT_VALUE */
    const cf_node *writer_nodes; /* SKIP, SAVE: the writer program */
    cf_str wname;   /* SKIP, SAVE: the writer field's name (error paths) */
    const uint8_t *dflt; /* DEFAULT*: the encoded default */
    size_t dflt_len;
} cf_rstep;

typedef struct cf_resolution {
    uint8_t op;            /* cf_rop */
    uint32_t count;        /* RECORD: steps; ENUM: writer symbols; UNION*: writer branches */
    uint32_t slots;        /* RECORD: SAVE slots */
    /* RECORD: values that take no input bytes (writer fields of min_size 0,
     * defaults), charged to limit.items once per record as plain records
     * charge theirs */
    uint32_t zero_charge;
    uint32_t branch;       /* TO_UNION */
    const cf_rstep *steps; /* RECORD */
    const uint32_t *map;   /* ENUM, UNION: CF_NO_MATCH where the reader has nothing */
    const uint32_t *types; /* UNION, UNION_TO_ONE (CF_NO_MATCH: unmatched), TO_UNION */
    const cf_node *writer_nodes; /* the writer program (SKIP/SAVE steps, messages) */
    uint32_t writer;             /* the writer node (messages) */
} cf_resolution;

/*
 * Resolve `writer` (the schema the data was written with) against `reader`
 * (the schema the caller wants to see) per the Avro specification, into a
 * program cf_walk_json / cf_walk_validate run unchanged (*out; free it with
 * cf_schema_free). Named types match by full name or one of the reader's
 * aliases; record fields by name or one of the reader field's aliases; a
 * reader field the writer lacks needs a default (encoded now, once: see
 * cf_schema_encode_default); promotions int->long/float/double,
 * long->float/double, float->double, string<->bytes; enums by symbol name;
 * unions as the specification says (a writer branch no reader type matches
 * fails only the messages that use it, with CFAVRO_E_DATA_UNRESOLVED).
 *
 * Fails with CFAVRO_E_INCOMPATIBLE when the pair does not resolve: the
 * message starts with the path of the first mismatch in the reader's terms
 * (e.g. `Trade.px: writer string cannot be read as reader double`) and
 * err->path holds that path; CFAVRO_E_SCHEMA_INVALID for a reader default
 * that does not fit its type; CFAVRO_E_LIMIT_SCHEMA when the program would
 * exceed limit.schema.nodes, the nesting bound (4 x limit.schema.depth) or
 * the defaults' budget (limit.schema.bytes of encoded defaults);
 * CFAVRO_E_NOMEM. limits may be NULL for defaults.
 *
 * Lifetime: the program borrows from both schemas (the reader's fields,
 * names and symbols; the writer's nodes, to skip what the reader lacks), so
 * both must outlive it. Pure function of its inputs; thread-safe.
 */
int cf_schema_resolve(const cf_schema *writer, const cf_schema *reader,
                      const cf_schema_limits *limits, cf_schema **out, cfavro_error *err);

/*
 * Encode the default value JSON text json[0..len) (a field's default_json)
 * as Avro binary of node `type` of `schema`, appending to *buf (cf_free it;
 * *len_io bytes in use, *cap_io allocated). The specification's JSON
 * encoding of defaults: bytes and fixed as strings of code points 0-255, a
 * union's default as its first branch, a record's missing fields from their
 * own defaults, any text (U+0000 included) in strings and map keys. `budget`
 * counts down the values encoded (each costs 1) and the bytes written;
 * running out is CFAVRO_E_LIMIT_SCHEMA. On failure returns
 * CFAVRO_E_SCHEMA_INVALID (the message says what does not fit) or
 * CFAVRO_E_LIMIT_SCHEMA / CFAVRO_E_NOMEM, with `err` set.
 */
int cf_schema_encode_default(const cf_schema *schema, uint32_t type, const char *json,
                             size_t len, uint32_t max_depth, size_t *budget, uint8_t **buf,
                             size_t *len_io, size_t *cap_io, cfavro_error *err);

#endif
