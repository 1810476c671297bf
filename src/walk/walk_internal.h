/*
 * The walker: the only code that reads Avro payload bytes. It executes a
 * compiled schema (schema_internal.h) over one payload, checking every read
 * against the end of the input, and either only validates or writes JSON.
 *
 * Errors carry the status, the byte where the problem was found and a field
 * path. The path costs nothing on success: each level records its segment
 * only while an error unwinds through it.
 */
#ifndef CFAVRO_WALK_INTERNAL_H
#define CFAVRO_WALK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "json_write_internal.h"
#include "options_internal.h"
#include "schema_internal.h"

typedef enum cf_path_kind {
    CF_SEG_FIELD = 0, /* .name */
    CF_SEG_INDEX = 1, /* [3] */
    CF_SEG_KEY = 2    /* ["key"] */
} cf_path_kind;

typedef struct cf_path_seg {
    uint8_t kind;    /* cf_path_kind */
    uint32_t len;    /* FIELD, KEY: text length */
    const char *ptr; /* FIELD: field name; KEY: map key bytes (in the payload) */
    uint64_t index;  /* INDEX */
} cf_path_seg;

/* Segments kept per error: the innermost ones, which say the most. */
enum { CF_PATH_MAX_SEGS = 32 };

typedef struct cf_walk {
    const uint8_t *p;    /* next byte to read */
    const uint8_t *end;  /* one past the payload */
    const cf_node *nodes;
    const cf_options *opt;
    cf_buf *out;         /* JSON output; unused when validating */
    uint32_t depth_left;
    uint64_t zero_items_left;

    /* Set on failure. */
    int status;
    const uint8_t *err_at;
    char message[CFAVRO_ERROR_MESSAGE_MAX];
    uint32_t nsegs;      /* segments recorded, innermost first */
    bool segs_dropped;   /* more levels than CF_PATH_MAX_SEGS */
    cf_path_seg segs[CF_PATH_MAX_SEGS];
} cf_walk;

typedef enum cf_walk_mode {
    CF_WALK_VALIDATE = 0,
    CF_WALK_JSON = 1
} cf_walk_mode;

/*
 * Decode payload[0..len) as one value of `schema`. `msg_offset` is where the
 * payload starts in the whole message (the header size), so error offsets are
 * counted in the message. In CF_WALK_JSON mode the JSON text is appended to
 * `out` (on failure `out` is restored to its previous length). Checks for
 * trailing bytes unless opt->allow_trailing. A schema that is just "bytes"
 * (no logical type) takes the whole payload as its value, without a length
 * prefix, because that is what Confluent's serializers write for it. On
 * failure fills `err` (status, offset, message, path; schema_id left to the
 * caller) and returns the status.
 */
int cf_walk_run(const cf_schema *schema, const cf_options *opt, cf_walk_mode mode,
                const uint8_t *payload, size_t len, size_t msg_offset, cf_buf *out,
                cfavro_error *err);

/* The two instantiations of the walker template (walk_template.h). */
int cf_walk_value_validate(cf_walk *w, uint32_t node);
int cf_walk_value_json(cf_walk *w, uint32_t node);
/* Top-level bytes: the raw remainder of the payload (see cf_walk_run). */
int cf_walk_raw_bytes_validate(cf_walk *w, uint32_t node);
int cf_walk_raw_bytes_json(cf_walk *w, uint32_t node);

/* Record a failure at `at` (returns `status`). */
int cf_walk_fail(cf_walk *w, int status, const uint8_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Varint slow paths (multi-byte, truncated, overlong, out of range). */
int cf_walk_read_long_slow(cf_walk *w, int64_t *v);
int cf_walk_read_int_slow(cf_walk *w, int32_t *v);

static inline void cf_walk_push_seg(cf_walk *w, cf_path_seg seg)
{
    if (w->nsegs < CF_PATH_MAX_SEGS) {
        w->segs[w->nsegs++] = seg;
    } else {
        w->segs_dropped = true;
    }
}

#endif
