/*
 * The validate emitter: every hook accepts its value and does nothing, so
 * its instantiation of the walker (walk/walk_validate.c) is the bare reader,
 * checking everything and producing nothing. The walker applies the UTF-8
 * policy itself for it (CF_EMIT_CHECKS_UTF8 0), exactly as strictly as the
 * JSON emitter does while escaping. Hooks per walk_template.h.
 */
#ifndef CFAVRO_EMIT_VALIDATE_H
#define CFAVRO_EMIT_VALIDATE_H

#include "walk_internal.h"
#include "walk_read_internal.h"

typedef struct cf_validate_emitter {
    cf_walk core;
} cf_validate_emitter;

#define CF_EMITTER cf_validate_emitter
#define CF_WALK_NAME(x) x##_validate
#define CF_EMIT(hook) cf_validate_emit_##hook
#define CF_EMIT_CHECKS_UTF8 0

/* cf_validate_emit_<hook><params>: accepts, returns CFAVRO_OK, and vanishes
 * when inlined. The parameters are unused by design. */
#define CF_VALIDATE_ACCEPT(hook, params)                                                    \
    static CF_ALWAYS_INLINE int cf_validate_emit_##hook params                              \
    {                                                                                       \
        return CFAVRO_OK;                                                                   \
    }

typedef cf_validate_emitter cf_ve;
typedef const cf_node cf_n;

CF_VALIDATE_ACCEPT(null, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(boolean, (cf_ve *e, cf_n *n, bool v))
CF_VALIDATE_ACCEPT(int, (cf_ve *e, cf_n *n, int32_t v))
CF_VALIDATE_ACCEPT(long, (cf_ve *e, cf_n *n, int64_t v))
CF_VALIDATE_ACCEPT(float, (cf_ve *e, cf_n *n, float v))
CF_VALIDATE_ACCEPT(double, (cf_ve *e, cf_n *n, double v))
CF_VALIDATE_ACCEPT(string, (cf_ve *e, cf_n *n, const uint8_t *s, size_t len, size_t *bad_at))
CF_VALIDATE_ACCEPT(bytes, (cf_ve *e, cf_n *n, const uint8_t *s, size_t len))
CF_VALIDATE_ACCEPT(fixed, (cf_ve *e, cf_n *n, const uint8_t *s, size_t len))
CF_VALIDATE_ACCEPT(enum, (cf_ve *e, cf_n *n, uint32_t index))
CF_VALIDATE_ACCEPT(record_begin, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(field, (cf_ve *e, cf_n *n, uint32_t i))
CF_VALIDATE_ACCEPT(record_end, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(array_begin, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(map_begin, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(item, (cf_ve *e, cf_n *n, uint64_t index))
CF_VALIDATE_ACCEPT(map_key, (cf_ve *e, cf_n *n, const uint8_t *s, size_t len, size_t *bad_at))
CF_VALIDATE_ACCEPT(array_end, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(map_end, (cf_ve *e, cf_n *n))
CF_VALIDATE_ACCEPT(branch_begin, (cf_ve *e, cf_n *n, uint32_t b))
CF_VALIDATE_ACCEPT(branch_end, (cf_ve *e, cf_n *n, uint32_t b))

static CF_ALWAYS_INLINE void cf_validate_emit_mark(cf_ve *e)
{
}

static CF_ALWAYS_INLINE void cf_validate_emit_rollback(cf_ve *e)
{
}

#endif
