/*
 * The walker: the only code that reads Avro payload bytes. It executes a
 * compiled schema (schema_internal.h) over one payload, checking every read
 * against the end of the input, and hands each value to an emitter
 * (walk_template.h describes the hooks; src/emit/ holds the emitters).
 *
 * This header is the walker's core, shared by every emitter: the state every
 * walk carries (cf_walk, embedded first in each emitter's state), failure
 * recording, the varint slow paths and the validate entry point. It knows
 * nothing about any output format; each output's entry point is declared by
 * its own header (walk_json_internal.h, ...).
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
#include "compiler_internal.h"
#include "schema_internal.h"
#include "walk_limits_internal.h"

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

/* A key of a map being walked: its bytes, inside the payload (never a
 * copy). */
typedef struct cf_map_key {
    const uint8_t *ptr;
    size_t len;
} cf_map_key;

/* Scratch space for the duplicate map key check (walk_keys_internal.h): the
 * keys of the maps being walked, a stack on which each map pushes its keys
 * above those of the maps it is nested in. Owned by the walk's caller and
 * kept between walks (a decoder keeps one), so a warm caller allocates
 * nothing; it grows geometrically when a bigger map arrives. Start it zeroed
 * ({0}), free it with cf_walk_keys_free. One walk at a time. */
typedef struct cf_walk_keys {
    cf_map_key *keys; /* owned; NULL until the first key */
    size_t cap;       /* entries allocated */
} cf_walk_keys;

void cf_walk_keys_free(cf_walk_keys *keys);

/* The walker's core state. Each emitter's state embeds it (as `core`), so a
 * hook reaches the read position, the nodes and the limits through it. */
typedef struct cf_walk {
    const uint8_t *p;    /* next byte to read */
    const uint8_t *end;  /* one past the payload */
    const cf_node *nodes;
    const cf_walk_limits *limits;
    uint32_t depth_left;
    uint64_t zero_items_left;
    cf_walk_keys *keys;  /* the caller's scratch for map keys */
    size_t keys_top;     /* entries of keys->keys in use */

    /* Set on failure. */
    int status;
    const uint8_t *err_at;
    char message[CFAVRO_ERROR_MESSAGE_MAX];
    uint32_t nsegs;      /* segments recorded, innermost first */
    bool segs_dropped;   /* more levels than CF_PATH_MAX_SEGS */
    cf_path_seg segs[CF_PATH_MAX_SEGS];
} cf_walk;

/*
 * The walker's entry points, one per emitter, share these rules:
 *
 * Decode payload[0..len) as one value of `schema` under `limits`.
 * `msg_offset` is where the payload starts in the whole message (the header
 * size), so error offsets are counted in the message. `payload` may be NULL
 * only when `len` is 0. Bytes left after the value fail with
 * CFAVRO_E_TRAILING_BYTES unless limits->allow_trailing. `keys` (not NULL)
 * is the caller's scratch for the duplicate map key check; growing it is
 * the walk's only allocation besides its output.
 *
 * Map keys: a map whose entries repeat a key (across its blocks too) fails
 * with CFAVRO_E_DATA_MAP_KEY_DUPLICATE at the second occurrence's length
 * prefix, the path naming that key and the message the entry that had it
 * first. Under json.invalid.utf8=replace keys are compared as replaced (see
 * cf_utf8_replaced_cmp), since that is the text the output would repeat.
 * Each map checks only its own keys: the same key in two maps is fine.
 *
 * Top-level bytes: a schema whose type is bytes ("bytes", {"type":"bytes"},
 * with or without a logicalType such as decimal) takes the whole payload as
 * its value, with no Avro length prefix, and renders it per its logical type
 * (a decimal as a decimal). That is how Confluent's deserializers read it:
 * they check only that the schema's type is bytes. (Their serializers write
 * a value raw only when handed a byte array; a payload they wrote through
 * Avro's encoder, length prefix included, is read as the raw bytes of that
 * prefix and value, exactly as Java's deserializer reads it.)
 *
 * On failure the emitter's output is rolled back, `err` (may be NULL) gets
 * the status, offset, message and path (schema_id is left to the caller) and
 * the status is returned.
 */

/* The validate emitter: reads and checks everything, produces nothing. */
int cf_walk_validate(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                     const uint8_t *payload, size_t len, size_t msg_offset, cfavro_error *err);

/* Whether this build reads multi-byte varints 8 bytes at a time (false when
 * CF_PORTABLE forces the scalar loop, or without GNU builtins). */
extern const bool cf_walk_varint_swar;

/* ---- for the template and the emitters ----------------------------------- */

/* Record a failure at `at` (returns `status`). */
int cf_walk_fail(cf_walk *w, int status, const uint8_t *at, const char *fmt, ...)
    CF_PRINTF(4, 5);

/* Varint slow paths (multi-byte, truncated, overlong, out of range). */
int cf_walk_read_long_slow(cf_walk *w, int64_t *v);
int cf_walk_read_int_slow(cf_walk *w, int32_t *v);

/* Check and pass one value of node `node` of the program `nodes` (a
 * writer's, while a resolved program runs: a field the reader lacks), with
 * every check the validate walk makes and within the same limits, emitting
 * nothing (walk_validate.c). */
int cf_walk_skip(cf_walk *w, const cf_node *nodes, uint32_t node);

/* Bytes left after the value: the failure (out of line, it is rare). */
int cf_walk_fail_trailing(cf_walk *w, const uint8_t *payload, size_t len);

/* Copy the failure `rc` recorded in `w` into `err` (may be NULL); returns
 * rc. */
int cf_walk_report(cf_walk *w, const cf_schema *schema, int rc, const uint8_t *payload,
                   size_t msg_offset, cfavro_error *err);

/* An empty payload may come as NULL: point it at an empty array instead, so
 * that no arithmetic is ever done on a null pointer. */
extern const uint8_t cf_walk_no_bytes[1];

/* Start a walk of payload[0..len) (payload may be NULL if len is 0);
 * returns the payload pointer the walk uses. */
static inline const uint8_t *cf_walk_start(cf_walk *w, const cf_schema *schema,
                                           const cf_walk_limits *limits, cf_walk_keys *keys,
                                           const uint8_t *payload, size_t len)
{
    if (CF_UNLIKELY(payload == NULL)) {
        payload = cf_walk_no_bytes;
    }
    w->p = payload;
    w->end = payload + len;
    w->nodes = schema->nodes;
    w->limits = limits;
    w->depth_left = limits->max_depth;
    w->zero_items_left = limits->max_items;
    w->keys = keys;
    w->keys_top = 0;
    w->status = CFAVRO_OK;
    w->nsegs = 0;
    w->segs_dropped = false;
    return payload;
}

static inline void cf_walk_push_seg(cf_walk *w, cf_path_seg seg)
{
    if (w->nsegs < CF_PATH_MAX_SEGS) {
        w->segs[w->nsegs++] = seg;
    } else {
        w->segs_dropped = true;
    }
}

#endif
