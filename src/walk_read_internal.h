/* Bounds-checked primitive reads for the walker: the fast path inline, the
 * rare multi-byte and error cases out of line (walk.c). */
#ifndef CFAVRO_WALK_READ_INTERNAL_H
#define CFAVRO_WALK_READ_INTERNAL_H

#include <string.h>

#include "walk_internal.h"

#if defined(__GNUC__)
#define CF_LIKELY(x) __builtin_expect(!!(x), 1)
#define CF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CF_LIKELY(x) (x)
#define CF_UNLIKELY(x) (x)
#endif

#if defined(__GNUC__)
#define CF_ALWAYS_INLINE inline __attribute__((always_inline))
#define CF_NOINLINE __attribute__((noinline))
#else
#define CF_ALWAYS_INLINE inline
#define CF_NOINLINE
#endif

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

/* Little-endian loads (Avro float/double and duration fields). */
static inline uint32_t cf_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t cf_load_le64(const uint8_t *p)
{
    return (uint64_t)cf_load_le32(p) | ((uint64_t)cf_load_le32(p + 4) << 32);
}

static inline float cf_float_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline double cf_double_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#endif
