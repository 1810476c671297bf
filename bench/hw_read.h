/*
 * Checked Avro binary primitives for the hand-written benchmark decoders.
 * They enforce what cfavro's walker enforces (every read bounds-checked,
 * varints capped at 5/10 bytes, int range, negative or oversized lengths,
 * boolean 0/1, block counts incl. negative counts with byte sizes and
 * INT64_MIN, UTF-8) so the hand-written decoders are a fair limit: as strict
 * as the library, with the schema known at compile time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_HW_READ_H
#define CF_BENCH_HW_READ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checksum.h"

/* Error results (nonzero); the exact class is only used by the bench's
 * self-test of these decoders. */
enum {
    HW_OK = 0,
    HW_E_FRAME = 1,
    HW_E_TRUNCATED = 2,
    HW_E_VARINT = 3,
    HW_E_INT_RANGE = 4,
    HW_E_NEG_LENGTH = 5,
    HW_E_LENGTH = 6,
    HW_E_BLOCK = 7,
    HW_E_BOOL = 8,
    HW_E_INDEX = 9,
    HW_E_UTF8 = 10,
    HW_E_TRAILING = 11
};

typedef struct hw_in {
    const uint8_t *p;
    const uint8_t *end;
} hw_in;

#if defined(__GNUC__)
#define HW_LIKELY(x) __builtin_expect(!!(x), 1)
#define HW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define HW_LIKELY(x) (x)
#define HW_UNLIKELY(x) (x)
#endif

#define HW_TRY(expr)              \
    do {                          \
        int hw_rc_ = (expr);      \
        if (HW_UNLIKELY(hw_rc_))  \
            return hw_rc_;        \
    } while (0)

/* Raw unsigned varint of at most `max` bytes. */
static inline int hw_varint(hw_in *in, unsigned max, uint64_t *out)
{
    const uint8_t *p = in->p;
    if (HW_LIKELY(p < in->end && *p < 0x80)) {
        *out = *p;
        in->p = p + 1;
        return HW_OK;
    }
    if (HW_LIKELY(in->end - p >= 8)) {
        /* Branch-light path for 2-8 byte varints: find the terminating byte
         * in one 8-byte load, then squeeze the 7-bit groups together. */
        uint64_t w;
        memcpy(&w, p, 8); /* little-endian host, as the bench assumes */
        uint64_t stop = ~w & 0x8080808080808080ULL;
        if (stop) {
            unsigned len = (unsigned)__builtin_ctzll(stop) / 8 + 1;
            if (HW_UNLIKELY(len > max))
                return HW_E_VARINT;
            if (len < 8)
                w &= (1ULL << (8 * len)) - 1;
            w &= 0x7F7F7F7F7F7F7F7FULL;
            w = ((w & 0x7F007F007F007F00ULL) >> 1) | (w & 0x007F007F007F007FULL);
            w = ((w & 0x3FFF00003FFF0000ULL) >> 2) | (w & 0x00003FFF00003FFFULL);
            w = ((w & 0x0FFFFFFF00000000ULL) >> 4) | (w & 0x000000000FFFFFFFULL);
            in->p = p + len;
            *out = w;
            return HW_OK;
        }
    }
    uint64_t v = 0;
    for (unsigned i = 0;; i++) {
        if (HW_UNLIKELY(p == in->end))
            return HW_E_TRUNCATED;
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            /* 10th byte of a long may only carry bit 63 */
            if (HW_UNLIKELY(i == 9 && b > 1))
                return HW_E_VARINT;
            break;
        }
        if (HW_UNLIKELY(i + 1 == max))
            return HW_E_VARINT;
    }
    in->p = p;
    *out = v;
    return HW_OK;
}

static inline int hw_long(hw_in *in, int64_t *out)
{
    uint64_t z;
    HW_TRY(hw_varint(in, 10, &z));
    *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    return HW_OK;
}

static inline int hw_int(hw_in *in, int32_t *out)
{
    uint64_t z;
    HW_TRY(hw_varint(in, 5, &z));
    if (HW_UNLIKELY(z > 0xFFFFFFFFULL))
        return HW_E_INT_RANGE;
    *out = (int32_t)((uint32_t)(z >> 1) ^ -(uint32_t)(z & 1));
    return HW_OK;
}

static inline int hw_bool(hw_in *in, int *out)
{
    if (HW_UNLIKELY(in->p == in->end))
        return HW_E_TRUNCATED;
    uint8_t b = *in->p++;
    if (HW_UNLIKELY(b > 1))
        return HW_E_BOOL;
    *out = b;
    return HW_OK;
}

static inline int hw_double(hw_in *in, double *out)
{
    if (HW_UNLIKELY(in->end - in->p < 8))
        return HW_E_TRUNCATED;
    memcpy(out, in->p, 8); /* little-endian host assumed, as the bench targets */
    in->p += 8;
    return HW_OK;
}

static inline int hw_float(hw_in *in, float *out)
{
    if (HW_UNLIKELY(in->end - in->p < 4))
        return HW_E_TRUNCATED;
    memcpy(out, in->p, 4);
    in->p += 4;
    return HW_OK;
}

/* Union branch or enum symbol index: an int in [0, n). */
static inline int hw_index(hw_in *in, int32_t n, int32_t *out)
{
    HW_TRY(hw_int(in, out));
    if (HW_UNLIKELY(*out < 0 || *out >= n))
        return HW_E_INDEX;
    return HW_OK;
}

/* Full UTF-8 check (no overlongs, no surrogates, nothing above U+10FFFF). */
static int hw_utf8_slow(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return HW_E_UTF8;
        }
        if (n - i <= need)
            return HW_E_UTF8;
        for (size_t k = 1; k <= need; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0) != 0x80)
                return HW_E_UTF8;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return HW_E_UTF8;
        i += need + 1;
    }
    return HW_OK;
}

/* Most text is ASCII: OR the string together 8 bytes at a time (the tail as
 * an overlapping load) and take the full check only when a high bit shows. */
static inline int hw_utf8(const uint8_t *s, size_t n)
{
    uint64_t acc = 0, v;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            memcpy(&v, s + i, 8);
            acc |= v;
        }
        memcpy(&v, s + n - 8, 8);
        acc |= v;
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        acc = a | b;
    } else {
        for (size_t i = 0; i < n; i++)
            acc |= s[i];
    }
    if (HW_LIKELY(!(acc & 0x8080808080808080ULL)))
        return HW_OK;
    return hw_utf8_slow(s, n);
}

/* The length of a bytes or string value: not negative, within the input. */
static inline int hw_length(hw_in *in, size_t *out)
{
    int64_t n;
    HW_TRY(hw_long(in, &n));
    if (HW_UNLIKELY(n < 0))
        return HW_E_NEG_LENGTH;
    if (HW_UNLIKELY(n > in->end - in->p))
        return HW_E_LENGTH;
    *out = (size_t)n;
    return HW_OK;
}

/* bytes: length-checked view, mixed into the checksum */
static inline int hw_bytes(hw_in *in, uint64_t *h)
{
    size_t n;
    HW_TRY(hw_length(in, &n));
    *h = cf_mix_str(*h, in->p, n);
    in->p += n;
    return HW_OK;
}

static inline int hw_string(hw_in *in, uint64_t *h)
{
    size_t n;
    HW_TRY(hw_length(in, &n));
    HW_TRY(hw_utf8(in->p, n));
    *h = cf_mix_str(*h, in->p, n);
    in->p += n;
    return HW_OK;
}

/* One array/map block header. Sets *count to the items in this block (0 ends
 * the array). Negative counts carry a byte size, which must fit in the input.
 * Every item of the bench schemas takes at least one byte, so a count beyond
 * the remaining bytes is malformed and rejected before any work. */
static inline int hw_block(hw_in *in, int64_t *count)
{
    int64_t n;
    HW_TRY(hw_long(in, &n));
    if (n < 0) {
        if (HW_UNLIKELY(n == INT64_MIN))
            return HW_E_BLOCK;
        n = -n;
        int64_t size;
        HW_TRY(hw_long(in, &size));
        if (HW_UNLIKELY(size < 0 || size > in->end - in->p))
            return HW_E_BLOCK;
    }
    if (HW_UNLIKELY(n > in->end - in->p))
        return HW_E_LENGTH;
    *count = n;
    return HW_OK;
}

/* ---- values read and mixed into the checksum in one step ---- */

static inline int hw_mix_int(hw_in *in, uint64_t *h)
{
    int32_t v;
    HW_TRY(hw_int(in, &v));
    *h = cf_mix(*h, (uint64_t)(int64_t)v);
    return HW_OK;
}

static inline int hw_mix_long(hw_in *in, uint64_t *h)
{
    int64_t v;
    HW_TRY(hw_long(in, &v));
    *h = cf_mix(*h, (uint64_t)v);
    return HW_OK;
}

static inline int hw_mix_double(hw_in *in, uint64_t *h)
{
    double d;
    HW_TRY(hw_double(in, &d));
    *h = cf_mix_double(*h, d);
    return HW_OK;
}

static inline int hw_mix_bool(hw_in *in, uint64_t *h)
{
    int b;
    HW_TRY(hw_bool(in, &b));
    *h = cf_mix(*h, (uint64_t)b);
    return HW_OK;
}

/* Union or enum index in [0, n), mixed in; the index is also returned. */
static inline int hw_mix_index(hw_in *in, int32_t n, uint64_t *h, int32_t *out)
{
    HW_TRY(hw_index(in, n, out));
    *h = cf_mix(*h, (uint64_t)*out);
    return HW_OK;
}

/* [null, string] */
static inline int hw_opt_string(hw_in *in, uint64_t *h)
{
    int32_t set;
    HW_TRY(hw_mix_index(in, 2, h, &set));
    if (set)
        HW_TRY(hw_string(in, h));
    return HW_OK;
}

/* ---- arrays and maps ---- */

#if defined(__GNUC__)
#define HW_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define HW_ALWAYS_INLINE inline
#endif

/* One array or map: blocks of items up to the zero count, then the number
 * of items mixed in. `item` reads one item (a map entry: key and value).
 * Always inlined, so every caller gets its own loop calling (and inlining)
 * its `item` directly, as if written out by hand. */
static HW_ALWAYS_INLINE int hw_blocks(hw_in *in, uint64_t *h,
                                      int (*item)(hw_in *in, uint64_t *h))
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++)
            HW_TRY(item(in, h));
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

static inline int hw_string_entry(hw_in *in, uint64_t *h)
{
    HW_TRY(hw_string(in, h));
    return hw_string(in, h);
}

/* map<string> */
static inline int hw_string_map(hw_in *in, uint64_t *h)
{
    return hw_blocks(in, h, hw_string_entry);
}

/* The Confluent V0 header with the expected schema id. */
static inline int hw_frame(hw_in *in, const uint8_t *msg, size_t len, uint32_t id)
{
    if (HW_UNLIKELY(len < 5 || msg[0] != 0))
        return HW_E_FRAME;
    uint32_t got = ((uint32_t)msg[1] << 24) | ((uint32_t)msg[2] << 16) |
                   ((uint32_t)msg[3] << 8) | msg[4];
    if (HW_UNLIKELY(got != id))
        return HW_E_FRAME;
    in->p = msg + 5;
    in->end = msg + len;
    return HW_OK;
}

#endif
