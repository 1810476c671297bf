/*
 * The avro-c emitter: hooks that fill an avro_value_t (the avro-c bridge,
 * include/cfavro_avro.h) through avro-c's setters only, so avro-c never
 * parses a payload byte. Its instantiation of the walker is
 * walk/walk_avro.c; hooks per walk_template.h.
 *
 * `cur` is the value the next value hook sets. Records, arrays and maps push
 * their value on the scratch stack when they begin and pop it when they end;
 * field() points `cur` at field i (get_by_index), item() at a new array
 * element (append), map_key() at the entry for its key (add), and
 * branch_begin() at the union's branch (set_branch). The walker applies the
 * UTF-8 policy (CF_EMIT_CHECKS_UTF8 0); under json.invalid.utf8=replace
 * text is stored with each invalid sequence replaced by U+FFFD, the text the
 * JSON output shows. Logical types are ignored: avro-c 1.11 has none, so
 * values get their underlying type (a date its int, a decimal its bytes).
 *
 * What avro-c cannot hold fails the walk: a map key containing U+0000
 * (avro-c map keys are C strings: "a\0b" and "a\0c" would both become "a")
 * is CFAVRO_E_ARGUMENT, with the offset and path of the key. A string may
 * contain U+0000: avro-c strings carry their size.
 */
#ifndef CFAVRO_EMIT_AVRO_H
#define CFAVRO_EMIT_AVRO_H

#include <errno.h>
#include <string.h>

#include <avro.h>

#include "utf8_internal.h"
#include "walk_avro_internal.h"
#include "walk_internal.h"
#include "walk_read_internal.h"

typedef struct cf_avro_emitter {
    cf_walk core;
    avro_value_t *root;       /* the caller's value: reset after a failure */
    avro_value_t cur;         /* what the next value hook sets */
    size_t top;               /* containers on scratch->stack */
    cf_avro_scratch *scratch; /* the caller's, kept warm between walks */
} cf_avro_emitter;

#define CF_EMITTER cf_avro_emitter
#define CF_WALK_NAME(x) x##_avro
#define CF_EMIT(hook) cf_avro_emit_##hook
#define CF_EMIT_CHECKS_UTF8 0

/* Out of line in walk_avro.c: the rare paths. Each records its failure. */
int cf_avro_emit_grow_stack(cf_avro_emitter *e);
int cf_avro_emit_grow_text(cf_avro_emitter *e, size_t need, const uint8_t *at);
int cf_avro_emit_fail(cf_avro_emitter *e, int avro_rc, const uint8_t *at, const char *setter);

typedef cf_avro_emitter cf_ae;
typedef const cf_node cf_n;

/* A setter's errno-style result: 0 goes on, anything else fails the walk. */
#define CF_AVRO_SET(e, call, setter)                                                        \
    do {                                                                                    \
        int set_rc_ = (call);                                                               \
        if (CF_UNLIKELY(set_rc_ != 0)) {                                                    \
            return cf_avro_emit_fail((e), set_rc_, (e)->core.p, (setter));                  \
        }                                                                                   \
        return CFAVRO_OK;                                                                   \
    } while (0)

static CF_ALWAYS_INLINE int cf_avro_emit_null(cf_ae *e, cf_n *n)
{
    CF_AVRO_SET(e, avro_value_set_null(&e->cur), "set_null");
}

static CF_ALWAYS_INLINE int cf_avro_emit_boolean(cf_ae *e, cf_n *n, bool v)
{
    CF_AVRO_SET(e, avro_value_set_boolean(&e->cur, v), "set_boolean");
}

static CF_ALWAYS_INLINE int cf_avro_emit_int(cf_ae *e, cf_n *n, int32_t v)
{
    CF_AVRO_SET(e, avro_value_set_int(&e->cur, v), "set_int");
}

static CF_ALWAYS_INLINE int cf_avro_emit_long(cf_ae *e, cf_n *n, int64_t v)
{
    CF_AVRO_SET(e, avro_value_set_long(&e->cur, v), "set_long");
}

static CF_ALWAYS_INLINE int cf_avro_emit_float(cf_ae *e, cf_n *n, float v)
{
    CF_AVRO_SET(e, avro_value_set_float(&e->cur, v), "set_float");
}

static CF_ALWAYS_INLINE int cf_avro_emit_double(cf_ae *e, cf_n *n, double v)
{
    CF_AVRO_SET(e, avro_value_set_double(&e->cur, v), "set_double");
}

/* avro-c's setters copy (the value never points into the payload); they
 * take a non-const pointer they only read. */
static CF_ALWAYS_INLINE int cf_avro_emit_bytes(cf_ae *e, cf_n *n, const uint8_t *s, size_t len)
{
    CF_AVRO_SET(e, avro_value_set_bytes(&e->cur, (void *)(uintptr_t)s, len), "set_bytes");
}

static CF_ALWAYS_INLINE int cf_avro_emit_fixed(cf_ae *e, cf_n *n, const uint8_t *s, size_t len)
{
    CF_AVRO_SET(e, avro_value_set_fixed(&e->cur, (void *)(uintptr_t)s, len), "set_fixed");
}

static CF_ALWAYS_INLINE int cf_avro_emit_enum(cf_ae *e, cf_n *n, uint32_t index)
{
    CF_AVRO_SET(e, avro_value_set_enum(&e->cur, (int)index), "set_enum");
}

/* s[0..len) as the NUL-terminated text avro-c takes, in the scratch buffer
 * (replaced under json.invalid.utf8=replace when invalid); its length
 * without the NUL in *out_len. */
static CF_ALWAYS_INLINE int cf_avro_emit_text(cf_ae *e, const uint8_t *s, size_t len,
                                              size_t *out_len)
{
    bool replace = e->core.limits->utf8 == CF_UTF8_REPLACE && !cf_utf8_valid(s, len, NULL);
    /* A replaced text is at most 3 bytes per input byte; len is bounded by
     * the payload, so these cannot overflow. */
    size_t need = (replace ? 3 * len : len) + 1;
    if (CF_UNLIKELY(need > e->scratch->text_cap)) {
        int rc = cf_avro_emit_grow_text(e, need, s);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    char *text = e->scratch->text;
    if (CF_UNLIKELY(replace)) {
        len = cf_utf8_replace(s, len, (uint8_t *)text);
    } else if (len > 0) {
        memcpy(text, s, len);
    }
    text[len] = '\0';
    *out_len = len;
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_avro_emit_string(cf_ae *e, cf_n *n, const uint8_t *s, size_t len,
                                                size_t *bad_at)
{
    size_t tlen;
    int rc = cf_avro_emit_text(e, s, len, &tlen);
    if (CF_UNLIKELY(rc != CFAVRO_OK)) {
        return rc;
    }
    /* avro-c's string sizes count the NUL. */
    CF_AVRO_SET(e, avro_value_set_string_len(&e->cur, e->scratch->text, tlen + 1),
                "set_string_len");
}

/* ---- structure ----------------------------------------------------------- */

static CF_ALWAYS_INLINE int cf_avro_emit_push(cf_ae *e)
{
    if (CF_UNLIKELY(e->top == e->scratch->stack_cap)) {
        int rc = cf_avro_emit_grow_stack(e);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    e->scratch->stack[e->top++] = e->cur;
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE avro_value_t *cf_avro_emit_top(cf_ae *e)
{
    return &e->scratch->stack[e->top - 1];
}

static CF_ALWAYS_INLINE int cf_avro_emit_record_begin(cf_ae *e, cf_n *n)
{
    return cf_avro_emit_push(e);
}

static CF_ALWAYS_INLINE int cf_avro_emit_field(cf_ae *e, cf_n *n, uint32_t i)
{
    CF_AVRO_SET(e, avro_value_get_by_index(cf_avro_emit_top(e), i, &e->cur, NULL),
                "get_by_index");
}

static CF_ALWAYS_INLINE int cf_avro_emit_record_end(cf_ae *e, cf_n *n)
{
    e->top--;
    return CFAVRO_OK;
}

/* Arrays and maps start empty: the value may hold a previous message's. */
static CF_ALWAYS_INLINE int cf_avro_emit_array_begin(cf_ae *e, cf_n *n)
{
    int rc = avro_value_reset(&e->cur);
    if (CF_UNLIKELY(rc != 0)) {
        return cf_avro_emit_fail(e, rc, e->core.p, "reset");
    }
    return cf_avro_emit_push(e);
}

static CF_ALWAYS_INLINE int cf_avro_emit_map_begin(cf_ae *e, cf_n *n)
{
    return cf_avro_emit_array_begin(e, n);
}

static CF_ALWAYS_INLINE int cf_avro_emit_item(cf_ae *e, cf_n *n, uint64_t index)
{
    if (n->kind == CF_MAP) {
        return CFAVRO_OK; /* the entry is made when its key is known */
    }
    CF_AVRO_SET(e, avro_value_append(cf_avro_emit_top(e), &e->cur, NULL), "append");
}

static CF_ALWAYS_INLINE int cf_avro_emit_map_key(cf_ae *e, cf_n *n, const uint8_t *s, size_t len,
                                                 size_t *bad_at)
{
    const uint8_t *nul = len > 0 ? memchr(s, 0, len) : NULL;
    if (CF_UNLIKELY(nul != NULL)) {
        return cf_walk_fail(&e->core, CFAVRO_E_ARGUMENT, nul,
                            "map key contains U+0000 (at index %zu of %zu): avro-c map keys are "
                            "C strings and cannot hold it",
                            (size_t)(nul - s), len);
    }
    size_t tlen;
    int rc = cf_avro_emit_text(e, s, len, &tlen);
    if (CF_UNLIKELY(rc != CFAVRO_OK)) {
        return rc;
    }
    /* A repeated key finds the first entry; the walker then fails the map
     * (duplicate keys are its check, not ours). */
    int is_new;
    CF_AVRO_SET(e, avro_value_add(cf_avro_emit_top(e), e->scratch->text, &e->cur, NULL, &is_new),
                "add");
}

static CF_ALWAYS_INLINE int cf_avro_emit_array_end(cf_ae *e, cf_n *n)
{
    e->top--;
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_avro_emit_map_end(cf_ae *e, cf_n *n)
{
    e->top--;
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_avro_emit_branch_begin(cf_ae *e, cf_n *n, uint32_t b)
{
    avro_value_t branch;
    int rc = avro_value_set_branch(&e->cur, (int)b, &branch);
    if (CF_UNLIKELY(rc != 0)) {
        return cf_avro_emit_fail(e, rc, e->core.p, "set_branch");
    }
    e->cur = branch;
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE int cf_avro_emit_branch_end(cf_ae *e, cf_n *n, uint32_t b)
{
    return CFAVRO_OK;
}

static CF_ALWAYS_INLINE void cf_avro_emit_mark(cf_ae *e)
{
}

/* A failed walk leaves no half-filled value behind. */
static CF_ALWAYS_INLINE void cf_avro_emit_rollback(cf_ae *e)
{
    avro_value_reset(e->root);
}

#endif
