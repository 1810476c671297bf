/* The full 128-bit product of two 64-bit integers, defined once: the
 * shortest-double formatter and the decimal converter both need its high
 * half. Compilers with a 128-bit integer type (GCC, Clang) turn it into one
 * multiply; elsewhere it is built from four 32-bit products. */
#ifndef CFAVRO_MUL64_INTERNAL_H
#define CFAVRO_MUL64_INTERNAL_H

#include <stdint.h>

/* a * b as (high half, *lo) from 32-bit pieces, on any C11 compiler. Always
 * defined so that tests can check it against the 128-bit type. */
static inline uint64_t cf_mul64_portable(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* The middle column: at most 3 * (2^32 - 1) < 2^34, no overflow. */
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* CF_PORTABLE (meson -Dsimd=disabled) and CF_NO_INT128 (a test) take the
 * 32-bit path. */
#if defined(__SIZEOF_INT128__) && !defined(CF_NO_INT128) && !defined(CF_PORTABLE)
#define CF_HAVE_INT128 1
__extension__ typedef unsigned __int128 cf_u128;

/* a * b as (high half, *lo). */
static inline uint64_t cf_mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
    cf_u128 p = (cf_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
#define CF_HAVE_INT128 0
static inline uint64_t cf_mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
    return cf_mul64_portable(a, b, lo);
}
#endif

#endif
