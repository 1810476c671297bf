/* Byte-order loads, bit casts and the hex digit table, defined once. The
 * loads are written byte by byte, so they are right on any host byte order;
 * compilers turn them into single loads where the host allows. */
#ifndef CFAVRO_BYTES_INTERNAL_H
#define CFAVRO_BYTES_INTERNAL_H

#include <stdint.h>
#include <string.h>

/* Lower-case hex digits, for dumps, escapes and uuids. */
static const char cf_hex_digits[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

/* The value of hex digit c (either case), or -1. */
static inline int cf_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
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

/* Big-endian load (the schema id of a V0 frame). */
static inline uint32_t cf_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
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

static inline uint64_t cf_bits_from_double(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

#endif
