/* Bounds-checked primitive reads for the walker: the fast path inline, the
 * rare multi-byte and error cases out of line (walk.c). */
#ifndef CFAVRO_WALK_READ_INTERNAL_H
#define CFAVRO_WALK_READ_INTERNAL_H

#include <string.h>

#include "bytes_internal.h"
#include "compiler_internal.h"
#include "walk_internal.h"

static inline int64_t cf_zigzag64(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Avro long: zig-zag varint of at most 10 bytes. */
static inline int cf_read_long(cf_walk *w, int64_t *v)
{
    const uint8_t *p = w->p;
    if (CF_LIKELY(p < w->end && *p < 0x80)) {
        *v = cf_zigzag64(*p);
        w->p = p + 1;
        return CFAVRO_OK;
    }
    return cf_walk_read_long_slow(w, v);
}

/* Avro int: zig-zag varint of at most 5 bytes, within 32 bits. */
static inline int cf_read_int(cf_walk *w, int32_t *v)
{
    const uint8_t *p = w->p;
    if (CF_LIKELY(p < w->end && *p < 0x80)) {
        *v = (int32_t)cf_zigzag64(*p);
        w->p = p + 1;
        return CFAVRO_OK;
    }
    return cf_walk_read_int_slow(w, v);
}

static inline size_t cf_remaining(const cf_walk *w)
{
    return (size_t)(w->end - w->p);
}

#endif
