/* `cfavro inspect`: one message explained for a person.
 *
 * inspect_diagnose.c looks at a message (frames it, decodes it, finds where
 * its schema came from and names the usual mistakes) and fills a
 * cf_inspect_report; inspect_render.c prints that report as text or as one
 * JSON object. cmd_inspect.c reads the input and ties them together. */
#ifndef CFAVRO_TOOLS_INSPECT_H
#define CFAVRO_TOOLS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfavro.h"
#include "input.h"
#include "options.h"

/* How the message carries its schema id. */
typedef enum cf_wire {
    CF_WIRE_NONE = 0,   /* no Confluent framing could be read */
    CF_WIRE_V0 = 1,     /* 0x00 + 4-byte schema id */
    CF_WIRE_V1 = 2,     /* 0x01 + 16-byte GUID */
    CF_WIRE_HEADER = 3, /* header mode: the id in a Kafka header (--header) */
    CF_WIRE_NULL = 4    /* a len32be null value: no bytes at all */
} cf_wire;

/* A mistake (or a what-if) named in words. */
typedef struct cf_finding {
    const char *kind;  /* stable identifier, e.g. "framed_to_raw_decoder" */
    const char *title; /* the mistake in a few words */
    char detail[1200]; /* what the bytes show and what to do, one paragraph */
} cf_finding;

enum { CF_MAX_FINDINGS = 3, CF_MAX_CANDIDATES = 4 };

/* What the client's cache says about the message's schema. */
typedef struct cf_schema_info {
    bool known;          /* the cache has an entry for the id or GUID */
    bool failed;         /* ... a remembered failure (error_status) */
    int error_status;
    int origin;          /* cfavro_schema_origin */
    char name[256];      /* full name, or the type of an unnamed schema */
    char context[128];   /* schema.registry.context, "" by default */
    char location[800];  /* where it came from, for a person */
} cf_schema_info;

typedef struct cf_inspect_report {
    uint64_t index; /* the record's index in the input, from 0 */
    const char *reader_schema; /* --reader-schema FILE the value is shown in, or NULL */
    const char *header_name;   /* header mode: the Kafka header's name */
    const uint8_t *msg;
    size_t len;
    bool input_failed;          /* the input format could not read the record */
    cf_input_error input_error; /* ... why */
    int wire;                   /* cf_wire */
    cfavro_frame frame;         /* V0, V1 or header mode: the parsed frame */
    cf_schema_info schema;
    bool decoded;
    const char *json; /* decoded: the value (borrowed from the inspector's decoder) */
    size_t json_len;
    cfavro_error error; /* not decoded: the first error */
    /* A framed message that decoded: what a raw Avro decoder (one that
     * expects no header) makes of the same bytes with the same schema. */
    bool raw_checked;
    bool raw_decoded;       /* it reads a (wrong) value without an error */
    cfavro_error raw_error; /* or fails so (status, offset, path) */
    cf_finding findings[CF_MAX_FINDINGS];
    size_t finding_count;
    int32_t candidates[CF_MAX_CANDIDATES]; /* other schema ids that decode the bytes */
    size_t candidate_count;
} cf_inspect_report;

typedef struct cf_inspector cf_inspector;

/* An inspector over the client the options describe. NULL after saying why
 * on stderr (a usage problem: exit status 2). */
cf_inspector *cf_inspector_new(const cf_options *o);
void cf_inspector_free(cf_inspector *in);

/* Fill *r for one message (msg[0..len) borrowed; r->index set by the
 * caller). The report's json and text stay valid until the next call. */
void cf_inspect_message(cf_inspector *in, const uint8_t *msg, size_t len,
                        cf_inspect_report *r);

/* A len32be null value (a Kafka tombstone) and a record the input format
 * could not read. */
void cf_inspect_null(cf_inspect_report *r);
void cf_inspect_input_error(cf_inspect_report *r, const cf_input_error *e);

/* Whether the report counts as a failure for the exit status. */
bool cf_inspect_failed(const cf_inspect_report *r);

/* Print the report: for a person (lines of text; the caller separates
 * reports), or as one JSON object on one line. */
void cf_inspect_render_text(FILE *out, const cf_inspect_report *r);
void cf_inspect_render_json(FILE *out, const cf_inspect_report *r);

#endif
