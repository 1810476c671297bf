/*
 * The checksum every value-producing benchmark decoder computes, so the
 * benchmark can check they all decoded the same values before timing them.
 * Cheap on purpose (one multiply per value; strings contribute their length
 * and first/last byte) so it barely moves the hand-written limit.
 *
 * Order: record fields in order; a union mixes its branch index and then the
 * branch value (null adds nothing); an enum its index; an array its items
 * then its total count; a map each key (as a string) and value, then its
 * count; int/long as the sign-extended 64-bit value; float/double as their
 * IEEE bits; fixed(16) as two 8-byte loads.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_CHECKSUM_H
#define CF_BENCH_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CF_SUM_INIT 0xcbf29ce484222325ULL

static inline uint64_t cf_mix(uint64_t h, uint64_t x)
{
    return (h ^ x) * 0x100000001b3ULL;
}

static inline uint64_t cf_mix_str(uint64_t h, const uint8_t *p, size_t n)
{
    h = cf_mix(h, (uint64_t)n);
    if (n)
        h = cf_mix(h, (uint64_t)p[0] | ((uint64_t)p[n - 1] << 8));
    return h;
}

static inline uint64_t cf_mix_double(uint64_t h, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return cf_mix(h, u);
}

static inline uint64_t cf_mix_float(uint64_t h, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return cf_mix(h, u);
}

static inline uint64_t cf_mix_fixed16(uint64_t h, const uint8_t *p)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    return cf_mix(cf_mix(h, a), b);
}

#endif
