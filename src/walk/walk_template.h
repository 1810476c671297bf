/*
 * The walker body, written once and instantiated once per emitter: an
 * instantiation file (walk_validate.c, walk_json.c, ...) includes the
 * emitter's header of hooks (src/emit/emit_*.h), then this template, then
 * defines its entry point around CF_WALK_NAME(cf_walk_run). The body reads
 * and checks bytes and calls only hooks, so no emitter can accept what
 * another rejects, and an emitter whose hooks are empty (validate) compiles
 * to the bare reader. Not a normal header: no include guard.
 *
 * ---- What the emitter header defines --------------------------------------
 *
 *   CF_EMITTER          its state type, a struct whose member `core` is the
 *                       walker's cf_walk (read position, nodes, limits, error)
 *   CF_WALK_NAME(x)     mangles the template's function names (x##_json)
 *   CF_EMIT(hook)       names its hook functions (cf_json_emit_##hook)
 *   CF_EMIT_CHECKS_UTF8 1 if its string and map_key hooks check UTF-8 while
 *                       writing (see below), else 0
 *
 * ---- The hooks -------------------------------------------------------------
 *
 * Every hook gets the emitter `e` and, except mark/rollback, the node `n`
 * being decoded (its logical type, names, pre-escaped keys and symbols), and
 * returns an int:
 *   CFAVRO_OK           go on;
 *   any other status    stop: the walk fails with it. The hook has recorded
 *                       the failure with cf_walk_fail(&e->core, status, at,
 *                       ...) first; the walker then adds the path. The one
 *                       exception is CFAVRO_E_DATA_UTF8 from string/map_key
 *                       (below), which the walker records itself.
 * Hooks may read e->core (nodes, limits, the read position) but must not
 * move the read position. They should be static inline (always-inline where
 * they are one write): they run once per value on the hot path.
 *
 * Values. Called once the value's bytes have been read and checked (so
 * e->core.p is past them), in payload order:
 *   null(e, n)                        boolean(e, n, bool v)
 *   int(e, n, int32_t v)              long(e, n, int64_t v)
 *   float(e, n, float v)              double(e, n, double v)
 *   bytes(e, n, const uint8_t *s, size_t len)   contents inside the payload
 *   fixed(e, n, const uint8_t *s, size_t len)   len == n->count
 *   enum(e, n, uint32_t index)        index < n->count (n->symbols[index])
 *   string(e, n, const uint8_t *s, size_t len, size_t *bad_at)
 * int and long also carry date/time logical types, bytes and fixed decimal,
 * fixed uuid and duration: read n->logical. A top-level bytes schema calls
 * bytes() with the whole payload (see cf_walk_validate in walk_internal.h).
 *
 * Text (string, and map_key below): if CF_EMIT_CHECKS_UTF8 is 0, the walker
 * has already applied the UTF-8 policy (e->core.limits->utf8): under
 * CF_UTF8_ERROR the text is valid; under CF_UTF8_REPLACE it may not be, and
 * the emitter renders each invalid sequence as U+FFFD (or its output's
 * equivalent). If it is 1, the hook applies the policy itself while it
 * writes (one pass over the text): under CF_UTF8_ERROR it returns
 * CFAVRO_E_DATA_UTF8 unrecorded, with *bad_at set to the index of the first
 * invalid byte, and the walker records the failure.
 *
 * Structure hooks come where their part starts or ends in the payload.
 * Records, in order: record_begin(e, n); for each field i, field(e, n, i)
 * (n->fields[i]) then the field's value; record_end(e, n). Records with no
 * fields get begin and end.
 *
 * Arrays and maps: array_begin(e, n) or map_begin(e, n); for each item,
 * item(e, n, uint64_t index) (index counts from 0 across blocks), for maps
 * map_key(e, n, s, len, bad_at) (the key's text, as string above), then the
 * item's value (node n->child); array_end(e, n) or map_end(e, n). Blocks are
 * invisible to emitters. A key that repeats an earlier key of its map fails
 * the walk (CFAVRO_E_DATA_MAP_KEY_DUPLICATE) after its map_key hook and
 * before its value: no emitter needs to look for duplicates.
 *
 * Unions: branch_begin(e, n, uint32_t b) (b < n->count, node
 * n->branches[b].type), the branch's value, branch_end(e, n, b).
 *
 * Whole walk: mark(e) before the first hook; rollback(e) after a failure,
 * to drop what the failed walk emitted. Both return nothing.
 */

#include "error_internal.h"
#include "schema_resolve_internal.h"
#include "utf8_internal.h"
#include "walk_keys_internal.h"
#include "walk_read_internal.h"

static CF_NOINLINE int CF_WALK_NAME(walk_value)(CF_EMITTER *e, uint32_t node);
static CF_NOINLINE int CF_WALK_NAME(nested)(CF_EMITTER *e, const cf_node *n);
static CF_ALWAYS_INLINE int CF_WALK_NAME(value_body)(CF_EMITTER *e, const cf_node *n);
static CF_NOINLINE int CF_WALK_NAME(resolved)(CF_EMITTER *e, const cf_node *n);

/* A string or bytes value: length prefix, then that many bytes. On success
 * *data points at the bytes inside the payload. */
static inline int CF_WALK_NAME(read_span)(cf_walk *w, const char *what, const uint8_t **data,
                                          size_t *len)
{
    const uint8_t *at = w->p;
    int64_t n;
    CF_TRY(cf_read_long(w, &n));
    if (CF_UNLIKELY(n < 0)) {
        return cf_walk_fail(w, CFAVRO_E_DATA_NEGATIVE_LENGTH, at, "%s length is negative (%lld)",
                            what, (long long)n);
    }
    if (CF_UNLIKELY((uint64_t)n > cf_remaining(w))) {
        return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, at,
                            "%s length %lld is beyond the end of the data (%zu bytes remain)",
                            what, (long long)n, cf_remaining(w));
    }
    *data = w->p;
    *len = (size_t)n;
    w->p += n;
    return CFAVRO_OK;
}

/* UTF-8 text of a string or map key: the policy is the walker's, applied
 * here or (fused with writing) by the emitter's hook; the failure is
 * recorded here either way, so every emitter reports it alike. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(text)(CF_EMITTER *e, const cf_node *n, const uint8_t *s,
                                               size_t len, bool is_key)
{
    cf_walk *w = &e->core;
    size_t bad = 0;
    int rc;
    if (!CF_EMIT_CHECKS_UTF8 && w->limits->utf8 == CF_UTF8_ERROR &&
        CF_UNLIKELY(!cf_utf8_valid(s, len, &bad))) {
        rc = CFAVRO_E_DATA_UTF8;
    } else {
        rc = is_key ? CF_EMIT(map_key)(e, n, s, len, &bad) : CF_EMIT(string)(e, n, s, len, &bad);
        if (CF_LIKELY(rc == CFAVRO_OK)) {
            return CFAVRO_OK;
        }
    }
    if (rc != CFAVRO_E_DATA_UTF8) {
        return rc;
    }
    return cf_walk_fail(w, CFAVRO_E_DATA_UTF8, s + bad,
                        "invalid UTF-8 in string (byte 0x%02x at index %zu of %zu)", s[bad], bad,
                        len);
}

static CF_ALWAYS_INLINE int CF_WALK_NAME(record)(CF_EMITTER *e, const cf_node *n)
{
    cf_walk *w = &e->core;
    /* Fields whose type can take no input bytes (null, records of nulls)
     * cost work the input length does not bound: charge them to
     * limit.items, like zero-byte array items, so a tiny message against a
     * wide schema cannot demand unbounded work. */
    if (CF_UNLIKELY(n->zero_fields > 0)) {
        if (CF_UNLIKELY(w->zero_items_left < n->zero_fields)) {
            return cf_walk_fail(w, CFAVRO_E_LIMIT_ITEMS, w->p,
                                "more than limit.items (%llu) values that take no input bytes",
                                (unsigned long long)w->limits->max_items);
        }
        w->zero_items_left -= n->zero_fields;
    }
    CF_TRY(CF_EMIT(record_begin)(e, n));
    for (uint32_t i = 0; i < n->count; i++) {
        const cf_field *f = &n->fields[i];
        CF_TRY(CF_EMIT(field)(e, n, i));
        /* Fields are inlined here rather than called: most are primitives,
         * and a call per field would cost more than reading it. */
        int rc = CF_WALK_NAME(value_body)(e, &w->nodes[f->type]);
        if (CF_UNLIKELY(rc != CFAVRO_OK)) {
            cf_walk_push_seg(w, (cf_path_seg){CF_SEG_FIELD, f->name.len, f->name.ptr, 0});
            return rc;
        }
    }
    return CF_EMIT(record_end)(e, n);
}

/* Arrays and maps: a sequence of blocks, each a count (negative: followed by
 * the block's byte size), ended by a zero count. Inlined once for each, so
 * neither pays for the other's tests. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(blocks)(CF_EMITTER *e, const cf_node *n, bool is_map)
{
    cf_walk *w = &e->core;
    const cf_node *item = &w->nodes[n->child];
    /* A map item is at least a key length byte plus the value. */
    uint64_t item_min = (uint64_t)item->min_size + (is_map ? 1 : 0);
    uint64_t index = 0;
    CF_TRY(is_map ? CF_EMIT(map_begin)(e, n) : CF_EMIT(array_begin)(e, n));
    for (;;) {
        const uint8_t *at = w->p;
        int64_t count;
        CF_TRY(cf_read_long(w, &count));
        if (count == 0) {
            break;
        }
        const uint8_t *block_end = NULL;
        if (count < 0) {
            if (CF_UNLIKELY(count == INT64_MIN)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, at,
                                    "block count -2^63 cannot be negated");
            }
            count = -count;
            const uint8_t *size_at = w->p;
            int64_t size;
            CF_TRY(cf_read_long(w, &size));
            if (CF_UNLIKELY(size < 0)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, size_at,
                                    "block byte size is negative (%lld)", (long long)size);
            }
            if (CF_UNLIKELY((uint64_t)size > cf_remaining(w))) {
                return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, size_at,
                                    "block byte size %lld is beyond the end of the data "
                                    "(%zu bytes remain)",
                                    (long long)size, cf_remaining(w));
            }
            block_end = w->p + size;
        }
        const uint8_t *items_start = w->p;
        /* A count costs no input, so bound it before looping: by the bytes
         * that remain, or, for items that may take no bytes, by the limit. */
        if (item_min > 0) {
            if (CF_UNLIKELY((uint64_t)count > cf_remaining(w) / item_min)) {
                return cf_walk_fail(w, CFAVRO_E_DATA_LENGTH, at,
                                    "block of %lld items needs at least %llu bytes but %zu "
                                    "remain",
                                    (long long)count,
                                    (unsigned long long)((uint64_t)count > UINT64_MAX / item_min
                                                             ? UINT64_MAX
                                                             : (uint64_t)count * item_min),
                                    cf_remaining(w));
            }
        } else {
            if (CF_UNLIKELY((uint64_t)count > w->zero_items_left)) {
                return cf_walk_fail(w, CFAVRO_E_LIMIT_ITEMS, at,
                                    "block of %lld items exceeds limit.items (%llu)",
                                    (long long)count, (unsigned long long)w->limits->max_items);
            }
            w->zero_items_left -= (uint64_t)count;
        }
        for (int64_t i = 0; i < count; i++, index++) {
            CF_TRY(CF_EMIT(item)(e, n, index));
            cf_path_seg seg = {CF_SEG_INDEX, 0, NULL, index};
            if (is_map) {
                const uint8_t *key_at = w->p;
                const uint8_t *key = NULL;
                size_t key_len = 0;
                int krc = CF_WALK_NAME(read_span)(w, "map key", &key, &key_len);
                if (krc == CFAVRO_OK) {
                    krc = CF_WALK_NAME(text)(e, n, key, key_len, true);
                }
                if (CF_UNLIKELY(krc != CFAVRO_OK)) {
                    cf_walk_push_seg(w, seg); /* a bad key: name the entry by position */
                    return krc;
                }
                seg = (cf_path_seg){CF_SEG_KEY, (uint32_t)(key_len > UINT32_MAX ? UINT32_MAX
                                                                                 : key_len),
                                    (const char *)key, 0};
                /* After the key's own checks: a key that is invalid text
                 * fails as such, whatever came before it. */
                krc = cf_walk_key_add(w, index, key_at, key, key_len);
                if (CF_UNLIKELY(krc != CFAVRO_OK)) {
                    cf_walk_push_seg(w, seg); /* a repeated key: name it */
                    return krc;
                }
            }
            int rc = CF_WALK_NAME(value_body)(e, item);
            if (CF_UNLIKELY(rc != CFAVRO_OK)) {
                cf_walk_push_seg(w, seg);
                return rc;
            }
        }
        if (CF_UNLIKELY(block_end != NULL && w->p != block_end)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_BLOCK_COUNT, at,
                                "block byte size says %lld bytes but its items took %lld",
                                (long long)(block_end - items_start),
                                (long long)(w->p - items_start));
        }
    }
    if (is_map) {
        cf_walk_keys_pop(w, index); /* inner maps have popped theirs */
        return CF_EMIT(map_end)(e, n);
    }
    return CF_EMIT(array_end)(e, n);
}

/* Nesting is bounded where it can recurse: records, arrays and maps. Kept
 * out of line so the inlined value bodies stay small. */
static CF_NOINLINE int CF_WALK_NAME(nested)(CF_EMITTER *e, const cf_node *n)
{
    cf_walk *w = &e->core;
    if (CF_UNLIKELY(w->depth_left == 0)) {
        return cf_walk_fail(w, CFAVRO_E_LIMIT_DEPTH, w->p, "nesting deeper than limit.depth (%u)",
                            w->limits->max_depth);
    }
    w->depth_left--;
    int rc = n->kind == CF_RECORD ? CF_WALK_NAME(record)(e, n)
             : n->kind == CF_MAP  ? CF_WALK_NAME(blocks)(e, n, true)
                                  : CF_WALK_NAME(blocks)(e, n, false);
    w->depth_left++;
    return rc;
}

static CF_NOINLINE int CF_WALK_NAME(walk_value)(CF_EMITTER *e, uint32_t node)
{
    return CF_WALK_NAME(value_body)(e, &e->core.nodes[node]);
}

static CF_ALWAYS_INLINE int CF_WALK_NAME(value_body)(CF_EMITTER *e, const cf_node *n)
{
    cf_walk *w = &e->core;
    const uint8_t *at = w->p;
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        return CF_EMIT(null)(e, n);
    case CF_BOOLEAN: {
        if (CF_UNLIKELY(w->p >= w->end)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at, "data ends inside a boolean");
        }
        uint8_t b = *w->p;
        if (CF_UNLIKELY(b > 1)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_BOOLEAN, at,
                                "boolean byte is 0x%02x (must be 0 or 1)", b);
        }
        w->p++;
        return CF_EMIT(boolean)(e, n, b != 0);
    }
    case CF_INT: {
        int32_t v;
        CF_TRY(cf_read_int(w, &v));
        return CF_EMIT(int)(e, n, v);
    }
    case CF_LONG: {
        int64_t v;
        CF_TRY(cf_read_long(w, &v));
        return CF_EMIT(long)(e, n, v);
    }
    case CF_FLOAT: {
        if (CF_UNLIKELY(cf_remaining(w) < 4)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside a float (%zu of 4 bytes)", cf_remaining(w));
        }
        float v = cf_float_from_bits(cf_load_le32(w->p));
        w->p += 4;
        return CF_EMIT(float)(e, n, v);
    }
    case CF_DOUBLE: {
        if (CF_UNLIKELY(cf_remaining(w) < 8)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside a double (%zu of 8 bytes)", cf_remaining(w));
        }
        double v = cf_double_from_bits(cf_load_le64(w->p));
        w->p += 8;
        return CF_EMIT(double)(e, n, v);
    }
    case CF_STRING: {
        const uint8_t *s = NULL;
        size_t len = 0;
        CF_TRY(CF_WALK_NAME(read_span)(w, "string", &s, &len));
        return CF_WALK_NAME(text)(e, n, s, len, false);
    }
    case CF_BYTES: {
        const uint8_t *s = NULL;
        size_t len = 0;
        CF_TRY(CF_WALK_NAME(read_span)(w, "bytes", &s, &len));
        return CF_EMIT(bytes)(e, n, s, len);
    }
    case CF_FIXED:
        if (CF_UNLIKELY(cf_remaining(w) < n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside fixed %s (%zu of %u bytes)", n->name.ptr,
                                cf_remaining(w), n->count);
        }
        w->p += n->count;
        return CF_EMIT(fixed)(e, n, at, n->count);
    case CF_ENUM: {
        int32_t i;
        CF_TRY(cf_read_int(w, &i));
        if (CF_UNLIKELY(i < 0 || (uint32_t)i >= n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_ENUM_INDEX, at,
                                "enum %s index %d out of range (%u symbols)", n->name.ptr, (int)i,
                                n->count);
        }
        return CF_EMIT(enum)(e, n, (uint32_t)i);
    }
    case CF_UNION: {
        int32_t b; /* the spec encodes the branch index as an int */
        CF_TRY(cf_read_int(w, &b));
        if (CF_UNLIKELY(b < 0 || (uint32_t)b >= n->count)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_UNION_INDEX, at,
                                "union branch index %d out of range (%u branches)", (int)b,
                                n->count);
        }
        CF_TRY(CF_EMIT(branch_begin)(e, n, (uint32_t)b));
        CF_TRY(CF_WALK_NAME(walk_value)(e, n->branches[b].type));
        return CF_EMIT(branch_end)(e, n, (uint32_t)b);
    }
    case CF_RECORD:
    case CF_ARRAY:
    case CF_MAP:
        return CF_WALK_NAME(nested)(e, n);
    case CF_RESOLVED: /* only in programs compiled with a reader schema */
        return CF_WALK_NAME(resolved)(e, n);
    }
    return cf_walk_fail(w, CFAVRO_E_INTERNAL, at, "internal: unknown node kind %d", n->kind);
}

/* ---- schema resolution (schema_resolve_internal.h) -----------------------
 *
 * CF_RESOLVED nodes read the writer's encoding and call the hooks with the
 * reader's nodes, so emitters never see a resolution. Kept out of line: a
 * program without a reader schema never reaches this code. */

/* A value the reader never sees (a dropped field), or sees later (a saved
 * field, which its REPLAY reads again with every check), passed inline when
 * its extent is a length or a width: bounds-checked, its text unchecked
 * (it is never output from here), as Avro's own resolving readers skip;
 * an int's range is checked, as the writer alone would. A union's index is checked (it decides what follows) and its branch
 * passed the same way. Anything else (booleans, enums, records, arrays,
 * maps) takes the full skip (cf_walk_skip), every check included. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(pass_flat)(cf_walk *w, const cf_node *wn,
                                                   uint32_t type)
{
    const cf_node *t = &wn[type];
    const uint8_t *at = w->p;
    if (t->kind == CF_UNION) { /* its branch, which is never a union */
        int32_t b;
        CF_TRY(cf_read_int(w, &b));
        if (CF_UNLIKELY(b < 0 || (uint32_t)b >= t->count)) {
            w->p = at;
            return cf_walk_skip(w, wn, type); /* its own index message */
        }
        type = t->branches[b].type;
        t = &wn[type];
    }
    switch ((cf_kind)t->kind) {
    case CF_NULL:
        return CFAVRO_OK;
    case CF_STRING:
    case CF_BYTES: {
        const uint8_t *s = NULL;
        size_t len = 0;
        return CF_WALK_NAME(read_span)(w, t->kind == CF_STRING ? "string" : "bytes", &s, &len);
    }
    case CF_INT: { /* checked even when dropped: an int beyond 32 bits is
                    * malformed data, whichever reader reads it */
        int32_t v;
        return cf_read_int(w, &v);
    }
    case CF_LONG: {
        int64_t v;
        return cf_read_long(w, &v);
    }
    case CF_FLOAT:
    case CF_DOUBLE:
    case CF_FIXED: {
        size_t width = t->kind == CF_FLOAT ? 4 : t->kind == CF_DOUBLE ? 8 : t->count;
        if (CF_UNLIKELY(cf_remaining(w) < width)) {
            return cf_walk_skip(w, wn, type); /* its own truncation message */
        }
        w->p += width;
        return CFAVRO_OK;
    }
    default:
        return cf_walk_skip(w, wn, type);
    }
}

/* A DEFAULT_VALUE step's value (schema_resolve_internal.h): the hook a walk
 * of the encoded default would call, with the value it would read. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(default_value)(CF_EMITTER *e, const cf_rstep *s)
{
    cf_walk *w = &e->core;
    const cf_node *u = &w->nodes[s->type];
    const cf_node *n = &w->nodes[s->leaf];
    if (s->branch != CF_NO_MATCH) {
        CF_TRY(CF_EMIT(branch_begin)(e, u, s->branch));
    }
    int rc;
    switch ((cf_kind)n->kind) {
    case CF_NULL: rc = CF_EMIT(null)(e, n); break;
    case CF_BOOLEAN: rc = CF_EMIT(boolean)(e, n, s->value.i != 0); break;
    case CF_INT: rc = CF_EMIT(int)(e, n, (int32_t)s->value.i); break;
    case CF_LONG: rc = CF_EMIT(long)(e, n, s->value.i); break;
    case CF_FLOAT: rc = CF_EMIT(float)(e, n, s->value.f); break;
    case CF_DOUBLE: rc = CF_EMIT(double)(e, n, s->value.d); break;
    case CF_STRING:
        rc = CF_WALK_NAME(text)(e, n, s->value.span.ptr, s->value.span.len, false);
        break;
    case CF_BYTES: rc = CF_EMIT(bytes)(e, n, s->value.span.ptr, s->value.span.len); break;
    case CF_FIXED: rc = CF_EMIT(fixed)(e, n, s->value.span.ptr, s->value.span.len); break;
    case CF_ENUM: rc = CF_EMIT(enum)(e, n, (uint32_t)s->value.i); break;
    default:
        return cf_walk_fail(w, CFAVRO_E_INTERNAL, w->p, "internal: default of node kind %d",
                            n->kind);
    }
    if (rc == CFAVRO_OK && s->branch != CF_NO_MATCH) {
        rc = CF_EMIT(branch_end)(e, u, s->branch);
    }
    return rc;
}

/* A DEFAULT step: its encoded bytes walked as if they were the payload's. */
static CF_NOINLINE int CF_WALK_NAME(default_walk)(CF_EMITTER *e, const cf_rstep *s)
{
    cf_walk *w = &e->core;
    const uint8_t *resume = w->p, *end = w->end;
    w->p = s->dflt;
    w->end = s->dflt + s->dflt_len;
    int rc = CF_WALK_NAME(walk_value)(e, s->type);
    w->p = resume;
    w->end = end;
    if (CF_UNLIKELY(rc != CFAVRO_OK)) {
        /* Only a limit can stop a default (it was checked when it was
         * encoded): report it where the record's bytes are. */
        w->err_at = resume;
    }
    return rc;
}

/* Any record step but READ (schema_resolve_internal.h), inline in the
 * record's loop. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(record_step)(CF_EMITTER *e, const cf_node *rn,
                                                     const cf_rstep *s, size_t base)
{
    cf_walk *w = &e->core;
    int rc;
    switch ((cf_rstep_op)s->op) {
    case CF_RSTEP_SAVE:
        w->keys->keys[base + s->slot].ptr = w->p;
        return CF_WALK_NAME(pass_flat)(w, s->writer_nodes, s->type);
    case CF_RSTEP_SKIP:
        return CF_WALK_NAME(pass_flat)(w, s->writer_nodes, s->type);
    case CF_RSTEP_REPLAY: {
        CF_TRY(CF_EMIT(field)(e, rn, s->field));
        const uint8_t *resume = w->p;
        w->p = w->keys->keys[base + s->slot].ptr;
        rc = CF_WALK_NAME(value_body)(e, &w->nodes[s->type]);
        if (CF_LIKELY(rc == CFAVRO_OK)) {
            w->p = resume;
        }
        return rc;
    }
    case CF_RSTEP_DEFAULT_VALUE:
        CF_TRY(CF_EMIT(field)(e, rn, s->field));
        return CF_WALK_NAME(default_value)(e, s);
    case CF_RSTEP_DEFAULT:
        CF_TRY(CF_EMIT(field)(e, rn, s->field));
        return CF_WALK_NAME(default_walk)(e, s);
    case CF_RSTEP_READ:
        break;
    }
    return cf_walk_fail(w, CFAVRO_E_INTERNAL, w->p, "internal: unexpected record step %d",
                        s->op);
}

/* A resolved record: steps in writer order, fields emitted in reader order
 * (schema_resolve_internal.h). Saved field starts live on the key stack, so
 * maps inside this record's fields push their keys above them. Every step
 * runs inline in the one loop, READ tested first; only defaults that are
 * not a single value call out. */
static CF_NOINLINE int CF_WALK_NAME(resolved_record)(CF_EMITTER *e, const cf_node *n,
                                                     const cf_node *rn)
{
    cf_walk *w = &e->core;
    const cf_resolution *r = n->res;
    if (CF_UNLIKELY(w->depth_left == 0)) {
        return cf_walk_fail(w, CFAVRO_E_LIMIT_DEPTH, w->p, "nesting deeper than limit.depth (%u)",
                            w->limits->max_depth);
    }
    if (r->zero_charge > 0) {
        if (CF_UNLIKELY(w->zero_items_left < r->zero_charge)) {
            return cf_walk_fail(w, CFAVRO_E_LIMIT_ITEMS, w->p,
                                "more than limit.items (%llu) values that take no input bytes",
                                (unsigned long long)w->limits->max_items);
        }
        w->zero_items_left -= r->zero_charge;
    }
    CF_TRY(CF_EMIT(record_begin)(e, rn));
    size_t base = w->keys_top;
    if (r->slots > 0) {
        if (CF_UNLIKELY(base + r->slots > w->keys->cap)) {
            CF_TRY(cf_walk_keys_reserve(w, base + r->slots, w->p));
        }
        w->keys_top = base + r->slots;
    }
    w->depth_left--;
    for (const cf_rstep *s = r->steps, *end = s + r->count; s < end; s++) {
        int rc;
        if (CF_LIKELY(s->op == CF_RSTEP_READ)) { /* the common step, as a plain record's field */
            rc = CF_EMIT(field)(e, rn, s->field);
            if (CF_LIKELY(rc == CFAVRO_OK)) {
                rc = CF_WALK_NAME(value_body)(e, &w->nodes[s->type]);
            }
        } else {
            rc = CF_WALK_NAME(record_step)(e, rn, s, base);
        }
        if (CF_UNLIKELY(rc != CFAVRO_OK)) {
            /* The field the failure is in: the reader's, or the writer's
             * for a field being passed. */
            cf_str name = s->op == CF_RSTEP_SKIP || s->op == CF_RSTEP_SAVE
                              ? s->wname
                              : rn->fields[s->field].name;
            cf_walk_push_seg(w, (cf_path_seg){CF_SEG_FIELD, name.len, name.ptr, 0});
            w->depth_left++;
            return rc;
        }
    }
    w->depth_left++;
    w->keys_top = base;
    return CF_EMIT(record_end)(e, rn);
}

/* A writer branch or symbol the reader has no counterpart for. */
static CF_NOINLINE int CF_WALK_NAME(unresolved)(cf_walk *w, const cf_resolution *r,
                                                const cf_node *rn, uint32_t index,
                                                const uint8_t *at)
{
    const cf_node *wn = &r->writer_nodes[r->writer];
    if (wn->kind == CF_ENUM) {
        return cf_walk_fail(w, CFAVRO_E_DATA_UNRESOLVED, at,
                            "writer enum %s symbol %s (index %u) is not in reader enum %s, "
                            "which has no default",
                            wn->name.ptr, wn->symbol_names[index].ptr, index, rn->name.ptr);
    }
    return cf_walk_fail(w, CFAVRO_E_DATA_UNRESOLVED, at,
                        "writer union branch %u (%s) matches no type of the reader's %s",
                        index, r->writer_nodes[wn->branches[index].type].name.ptr,
                        rn->kind == CF_UNION ? "union" : rn->name.ptr);
}

/* Any resolution but a record's. */
static CF_NOINLINE int CF_WALK_NAME(resolved_value)(CF_EMITTER *e, const cf_node *n)
{
    cf_walk *w = &e->core;
    const cf_resolution *r = n->res;
    const cf_node *rn = &w->nodes[n->child];
    const uint8_t *at = w->p;
    switch ((cf_rop)r->op) {
    case CF_ROP_RECORD:
        break; /* resolved() took it */
    case CF_ROP_ENUM:
    case CF_ROP_UNION:
    case CF_ROP_UNION_TO_ONE: {
        int32_t i;
        CF_TRY(cf_read_int(w, &i));
        if (CF_UNLIKELY(i < 0 || (uint32_t)i >= r->count)) {
            bool is_enum = r->op == CF_ROP_ENUM;
            return cf_walk_fail(w, is_enum ? CFAVRO_E_DATA_ENUM_INDEX : CFAVRO_E_DATA_UNION_INDEX,
                                at, "%s index %d out of range (%u %s)",
                                is_enum ? "enum" : "union branch", (int)i, r->count,
                                is_enum ? "symbols" : "branches");
        }
        uint32_t to = r->op == CF_ROP_UNION_TO_ONE ? r->types[i] : r->map[i];
        if (CF_UNLIKELY(to == CF_NO_MATCH)) {
            return CF_WALK_NAME(unresolved)(w, r, rn, (uint32_t)i, at);
        }
        if (r->op == CF_ROP_ENUM) {
            return CF_EMIT(enum)(e, rn, to);
        }
        if (r->op == CF_ROP_UNION_TO_ONE) {
            return CF_WALK_NAME(walk_value)(e, to);
        }
        CF_TRY(CF_EMIT(branch_begin)(e, rn, to));
        CF_TRY(CF_WALK_NAME(walk_value)(e, r->types[i]));
        return CF_EMIT(branch_end)(e, rn, to);
    }
    case CF_ROP_TO_UNION:
        CF_TRY(CF_EMIT(branch_begin)(e, rn, r->branch));
        CF_TRY(CF_WALK_NAME(walk_value)(e, r->types[0]));
        return CF_EMIT(branch_end)(e, rn, r->branch);
    case CF_ROP_INT_LONG:
    case CF_ROP_INT_FLOAT:
    case CF_ROP_INT_DOUBLE: {
        int32_t v;
        CF_TRY(cf_read_int(w, &v));
        return r->op == CF_ROP_INT_LONG    ? CF_EMIT(long)(e, rn, v)
               : r->op == CF_ROP_INT_FLOAT ? CF_EMIT(float)(e, rn, (float)v)
                                           : CF_EMIT(double)(e, rn, (double)v);
    }
    case CF_ROP_LONG_FLOAT:
    case CF_ROP_LONG_DOUBLE: {
        int64_t v;
        CF_TRY(cf_read_long(w, &v));
        return r->op == CF_ROP_LONG_FLOAT ? CF_EMIT(float)(e, rn, (float)v)
                                          : CF_EMIT(double)(e, rn, (double)v);
    }
    case CF_ROP_FLOAT_DOUBLE: {
        if (CF_UNLIKELY(cf_remaining(w) < 4)) {
            return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, at,
                                "data ends inside a float (%zu of 4 bytes)", cf_remaining(w));
        }
        float v = cf_float_from_bits(cf_load_le32(w->p));
        w->p += 4;
        return CF_EMIT(double)(e, rn, (double)v);
    }
    case CF_ROP_STRING_BYTES:
    case CF_ROP_BYTES_STRING: {
        const uint8_t *s = NULL;
        size_t len = 0;
        bool to_bytes = r->op == CF_ROP_STRING_BYTES;
        CF_TRY(CF_WALK_NAME(read_span)(w, to_bytes ? "string" : "bytes", &s, &len));
        return to_bytes ? CF_EMIT(bytes)(e, rn, s, len) : CF_WALK_NAME(text)(e, rn, s, len, false);
    }
    }
    return cf_walk_fail(w, CFAVRO_E_INTERNAL, at, "internal: unknown resolution %d", r->op);
}

/* A CF_RESOLVED node: records straight to their loop, without passing
 * through the other resolutions' body, which saves registers a record
 * never uses. */
static CF_NOINLINE int CF_WALK_NAME(resolved)(CF_EMITTER *e, const cf_node *n)
{
    return n->res->op == CF_ROP_RECORD
               ? CF_WALK_NAME(resolved_record)(e, n, &e->core.nodes[n->child])
               : CF_WALK_NAME(resolved_value)(e, n);
}

/* The walk of one payload, for the instantiation's entry point (rules in
 * walk_internal.h): the emitter's own fields are set, `core` is not. */
static CF_ALWAYS_INLINE int CF_WALK_NAME(cf_walk_run)(CF_EMITTER *e,
                                                      const cf_schema *schema,
                                                      const cf_walk_limits *limits,
                                                      cf_walk_keys *keys,
                                                      const uint8_t *payload, size_t len,
                                                      size_t msg_offset, cfavro_error *err)
{
    cf_walk *w = &e->core;
    payload = cf_walk_start(w, schema, limits, keys, payload, len);
    CF_EMIT(mark)(e);
    const cf_node *root = &schema->nodes[schema->root];
    int rc;
    if (CF_UNLIKELY(root->kind == CF_BYTES)) {
        /* Top-level bytes: the raw remainder of the payload, no length
         * prefix (see walk_internal.h for why). */
        w->p = w->end;
        rc = CF_EMIT(bytes)(e, root, payload, len);
    } else {
        rc = CF_WALK_NAME(walk_value)(e, schema->root);
    }
    if (rc == CFAVRO_OK && w->p != w->end && !limits->allow_trailing) {
        rc = cf_walk_fail_trailing(w, payload, len);
    }
    if (CF_LIKELY(rc == CFAVRO_OK)) {
        return CFAVRO_OK;
    }
    CF_EMIT(rollback)(e);
    return cf_walk_report(w, schema, rc, payload, msg_offset, err);
}

