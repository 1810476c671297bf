/* Integer and floating-point formatting for JSON output.
 *
 * Doubles and floats are written with the fewest significant digits that
 * read back (strtod / strtof) to exactly the same value, laid out the way
 * Python's repr(float) does: fixed notation when the decimal exponent is in
 * [-4, 16), otherwise scientific ("1e+16", "1.5e-05"); integral values in
 * fixed notation end in ".0". Among equally short candidates the one
 * nearest the value wins; an exact tie goes to the even digit for doubles
 * and to the lower one for floats (what earlier versions printed).
 *
 * Digit generation follows the idea of Giulietti's "Schubfach" paper (the
 * code is our own): every decimal that reads back as v lies in v's rounding
 * interval, the points halfway to its neighbours. Pick k with
 * 10^k <= width < 10^(k+1); scaled by 10^-k the interval is between 1 and
 * 10 units wide, so it holds at most one multiple of 10 (if so, that is
 * the shortest decimal) and at least one integer (s = floor(v * 10^-k) or
 * s + 1; the nearer one wins). The decisions need v and the interval ends
 * times 10^-k only relative to integers, so they are computed as
 * 128 x 64-bit products with a table of 10^-k rounded up to 127 bits,
 * "rounded to odd": the floor, with the low bit set when the exact product
 * is not an integer. That keeps every comparison with an even integer
 * exact. Whether the product is an integer is read off the discarded bits
 * when they are clearly nonzero; when they are within the table's error of
 * zero, it is decided exactly by divisibility (the value is y * 2^a * 5^b),
 * and if that ever disagrees the exact slow path below (printf + strtod
 * trials) is used instead, so the result never depends on an unproved
 * error bound. In the double range this fallback is never needed (the
 * paper proves it; our stress runs agree), but it costs nothing to keep.
 */
#include "json_write_internal.h"

#include "json_digits_internal.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

/* No libm: the few operations needed are done on the bits, so the library
 * (and everything linking it statically) needs no -lm. */
static inline uint64_t dbits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static inline double from_bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static inline double abs_d(double v)
{
    return from_bits(dbits(v) & ~(UINT64_C(1) << 63));
}

/* ---- digits --------------------------------------------------------------- */


static const uint64_t k_pow10_u64[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CF_LE_WORDS 1
/* The 8 digits of v < 10^8 as ASCII in one word, computed side by side:
 * split into two 4-digit halves (32-bit lanes), each into two 2-digit
 * pairs (16-bit lanes), each into two digits (bytes). Every lane division
 * is a multiply-shift exact for the lane's range (x * 10486 >> 20 = x / 100
 * for x < 10^4; x * 103 >> 10 = x / 10 for x < 100) that cannot carry into
 * the next lane; little-endian puts the first digit in the lowest byte. */
static inline uint64_t digits8(uint32_t v)
{
    uint32_t hi = v / 10000;
    uint64_t x = hi | (uint64_t)(v - hi * 10000) << 32;
    uint64_t q = (x * 10486 >> 20) & UINT64_C(0x0000007F0000007F);
    x = q | (x - q * 100) << 16;
    q = (x * 103 >> 10) & UINT64_C(0x000F000F000F000F);
    x = q | (x - q * 10) << 8;
    return x + UINT64_C(0x3030303030303030);
}

/* Exactly 8 digits of v < 10^8. */
static inline void put8(char *d, uint32_t v)
{
    uint64_t x = digits8(v);
    memcpy(d, &x, 8);
}
#else
/* Exactly 8 digits of v < 10^8: two halves of four, each two pairs; the
 * divisions by constants compile to multiplies. */
static inline void put8(char *d, uint32_t v)
{
    uint32_t hi = v / 10000;
    uint32_t lo = v - hi * 10000;
    uint32_t hh = hi / 100;
    uint32_t lh = lo / 100;
    cf_put2(d, hh);
    cf_put2(d + 2, hi - hh * 100);
    cf_put2(d + 4, lh);
    cf_put2(d + 6, lo - lh * 100);
}
#endif

/* Number of decimal digits of v (1..20). */
static inline unsigned count_digits(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    /* bits * 1233 / 4096 is floor(log10(2^bits)) for bits <= 64, so it is
     * the digit count or one more than it; one comparison settles it. */
    uint64_t w = v | 1; /* 0 has one digit, like 1 (10^t is even for t > 0) */
    unsigned bits = 64u - (unsigned)__builtin_clzll(w);
    unsigned t = bits * 1233u >> 12;
    return t + 1 - (w < k_pow10_u64[t]);
#else
    unsigned n = 1;
    while (n < 20 && v >= k_pow10_u64[n]) {
        n++;
    }
    return n;
#endif
}

/* Write exactly `len` digits of v (len = count_digits(v)) ending at dst+len. */
static inline void write_digits(char *dst, uint64_t v, unsigned len)
{
    char *p = dst + len;
    while (v >= 100000000) {
        uint64_t q = v / 100000000;
        p -= 8;
        put8(p, (uint32_t)(v - q * 100000000));
        v = q;
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        uint32_t q = w / 100;
        p -= 2;
        cf_put2(p, w - q * 100);
        w = q;
    }
    if (w >= 10) {
        cf_put2(p - 2, w);
    } else {
        p[-1] = (char)('0' + w);
    }
}

/* ---- integers ----------------------------------------------------------- */

#ifdef CF_LE_WORDS
/* The n digits of 1 <= v < 10^8 stored with one 8-byte write: the word of
 * 8 digits shifted so that the leading zeros drop off. Writes 8 bytes even
 * when n < 8; callers give cf_fmt_u64/i64 CF_FMT_INT_MAX bytes. */
static inline void put_upto8(char *d, uint32_t v, unsigned n)
{
    uint64_t x = digits8(v) >> (64 - 8 * n);
    memcpy(d, &x, 8);
}

size_t cf_fmt_u64(char *dst, uint64_t v)
{
    if (v < 100) { /* small counts and flags are common */
        if (v < 10) {
            dst[0] = (char)('0' + v);
            return 1;
        }
        cf_put2(dst, (unsigned)v);
        return 2;
    }
    if (v < 100000000) {
        unsigned n = count_digits(v);
        put_upto8(dst, (uint32_t)v, n);
        return n;
    }
    uint64_t hi = v / 100000000;
    uint32_t lo = (uint32_t)(v - hi * 100000000);
    unsigned n;
    if (hi < 100) { /* 9 or 10 digits: ids, epoch seconds */
        if (hi < 10) {
            dst[0] = (char)('0' + hi);
            n = 1;
        } else {
            cf_put2(dst, (unsigned)hi);
            n = 2;
        }
    } else if (hi < 100000000) {
        n = count_digits(hi);
        put_upto8(dst, (uint32_t)hi, n);
    } else {
        uint32_t top = (uint32_t)(hi / 100000000); /* < 1845 */
        n = count_digits(top);
        put_upto8(dst, top, n);
        put8(dst + n, (uint32_t)(hi - (uint64_t)top * 100000000));
        n += 8;
    }
    put8(dst + n, lo);
    return n + 8;
}
#else
size_t cf_fmt_u64(char *dst, uint64_t v)
{
    unsigned len = count_digits(v);
    write_digits(dst, v, len);
    return len;
}
#endif

size_t cf_fmt_i64(char *dst, int64_t v)
{
    if (v < 0) {
        dst[0] = '-';
        /* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
        return 1 + cf_fmt_u64(dst + 1, 0 - (uint64_t)v);
    }
    return cf_fmt_u64(dst, (uint64_t)v);
}

/* ---- layout ------------------------------------------------------------- */

/* Copy n <= 24 bytes in 8-byte pieces: may write up to 7 bytes past
 * dst + n and read as far past src + n. Callers leave room for that
 * (CF_FMT_DOUBLE_MAX has it to spare; see layout()). Unrolled rather than
 * a loop, which compilers turn into a memmove call. */
static inline void copy8s(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, 8);
    if (n > 8) {
        memcpy(dst + 8, src + 8, 8);
        if (n > 16) {
            memcpy(dst + 16, src + 16, 8);
        }
    }
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CF_LE_CLZ 1
#endif

/* For the few helpers of the double path that the compiler would keep out
 * of line (they have several callers): the call costs more than they do. */
#if defined(__GNUC__)
#define CF_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CF_ALWAYS_INLINE inline
#endif

/* Number of '0' characters that end the digit text at `end`, which holds
 * at least one other digit within the whole 8-byte words before `end` that
 * are read (the caller writes whole words, so all of them are defined).
 * Stripping zeros from the text is cheaper than dividing them off first. */
static inline unsigned trailing_zero_digits(const char *end)
{
    unsigned tz = 0;
#ifdef CF_LE_CLZ
    for (;;) {
        uint64_t w;
        memcpy(&w, end - tz - 8, 8);
        w ^= UINT64_C(0x3030303030303030);
        if (w != 0) {
            /* Little-endian: the last character is the top byte. */
            return tz + (unsigned)__builtin_clzll(w) / 8;
        }
        tz += 8;
    }
#else
    while (end[-1 - (int)tz] == '0') {
        tz++;
    }
    return tz;
#endif
}

/* Lay out the value m * 10^e (1 <= m < 10^17, trailing zeros allowed) as
 * Python's repr does. Returns bytes written; writes at most 30 bytes (the
 * longest case is "-0.000" + 17 digits + the 8-byte copy's slack), within
 * CF_FMT_DOUBLE_MAX. */
static CF_ALWAYS_INLINE size_t layout(char *dst, bool neg, uint64_t m, int e)
{
    /* The digits end at buf + 24, written in whole 8-digit chunks with
     * leading zeros; the 8 bytes after them are slack for copy8s. */
    char buf[32];
    int n = (int)count_digits(m);
    uint32_t last8 = (uint32_t)m; /* the chunk that ends at buf + 24 */
    if (n > 8) {
        uint64_t hi = m / 100000000;
        uint32_t lo = (uint32_t)(m - hi * 100000000);
        if (lo == 0 && n <= 16) {
            /* Eight zeros off the end without writing them: typical of
             * prices, whose shortest form has few significant digits. */
            last8 = (uint32_t)hi;
            n -= 8;
            e += 8;
        } else {
            last8 = lo;
            if (n > 16) {
                uint32_t top = (uint32_t)(hi / 100000000); /* one digit: m < 10^17 */
                put8(buf + 8, (uint32_t)(hi - (uint64_t)top * 100000000));
                memcpy(buf, "0000000", 7);
                buf[7] = (char)('0' + top);
            } else {
                put8(buf + 8, (uint32_t)hi);
            }
        }
    }
    put8(buf + 16, last8);
    const char *digits = buf + 24 - n;
    int decpt = n + e; /* value = 0.digits * 10^decpt */
    n -= (int)trailing_zero_digits(buf + 24);
    char *d = dst;
    *d = '-';
    d += neg;
    int x = decpt - 1; /* exponent in scientific notation */
    if (x >= -4 && x < 16) {
        if (decpt <= 0) { /* "0.00123" */
            size_t z = (size_t)(2 - decpt);
            memcpy(d, "0.000", 5);
            copy8s(d + z, digits, (size_t)n);
            d += z + (size_t)n;
        } else if (decpt >= n) { /* "12300.0" */
            copy8s(d, digits, (size_t)n);
            memset(d + n, '0', (size_t)(decpt - n));
            memcpy(d + decpt, ".0", 2);
            d += decpt + 2;
        } else { /* "123.45" */
            copy8s(d, digits, (size_t)decpt);
            d[decpt] = '.';
            copy8s(d + decpt + 1, digits + decpt, (size_t)(n - decpt));
            d += n + 1;
        }
        return (size_t)(d - dst);
    }
    *d++ = digits[0];
    if (n > 1) {
        *d++ = '.';
        copy8s(d, digits + 1, (size_t)(n - 1));
        d += n - 1;
    }
    *d++ = 'e';
    *d++ = x < 0 ? '-' : '+';
    unsigned ax = (unsigned)(x < 0 ? -x : x);
    if (ax >= 100) {
        *d++ = (char)('0' + ax / 100);
        ax %= 100;
    }
    cf_put2(d, ax); /* at least two digits: "1e+16" */
    d += 2;
    return (size_t)(d - dst);
}

/* An integral value m >= 1 below 2^53 (so below 10^16: always fixed). */
static size_t layout_integer(char *dst, bool neg, uint64_t m)
{
    char *d = dst;
    *d = '-';
    d += neg;
    unsigned n = count_digits(m);
    write_digits(d, m, n);
    memcpy(d + n, ".0", 2);
    return (size_t)neg + n + 2;
}

/* ---- slow exact path ---------------------------------------------------- */

/* Parse "d.ddde[+-]xx" (as printed by %.*e of a positive value) into its
 * digits and decimal point position (value = 0.digits * 10^decpt). */
static int parse_e(const char *s, char *digits, int *decpt)
{
    int n = 0;
    for (; *s != 'e'; s++) {
        if (*s != '.') {
            digits[n++] = *s;
        }
    }
    *decpt = atoi(s + 1) + 1;
    return n;
}

static bool reads_back(const char *text, double v, bool is_float)
{
    if (is_float) {
        return strtof(text, NULL) == (float)v;
    }
    return strtod(text, NULL) == v;
}

/* Increment the decimal digit string d[0..n) by one unit in its last place.
 * Returns true when it carried out of the top digit (d is then "000..."). */
static bool digits_increment(char *d, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (d[i] != '9') {
            d[i]++;
            return false;
        }
        d[i] = '0';
    }
    return true;
}

/* Shortest round-tripping digits of a (finite, > 0) by trial: the
 * reference the fast path is tested against, and its safety net.
 *
 * For a normal value the search starts at DIG (15 for double, 6 for float):
 * every decimal with at most DIG digits survives decimal -> binary ->
 * decimal at DIG digits (that is what DBL_DIG / FLT_DIG promise), so if
 * the shortest text has <= DIG digits, the correctly rounded DIG-digit
 * text is that text padded with zeros, and stripping them finds it. Past
 * DIG, each precision p tries the correctly rounded p-digit decimal and,
 * when that lies below a power of two, also the next p-digit decimal above:
 * the rounding interval there is half as wide below as above, so the one
 * above may read back when the nearest does not. Subnormals have fewer
 * digits of precision, so for them every p from 1 is tried. */
static size_t slow_format(char *dst, bool neg, double a, bool is_float)
{
    int maxp = is_float ? 9 : 17;
    bool normal = is_float ? a >= FLT_MIN : a >= DBL_MIN;
    int p = normal ? (is_float ? FLT_DIG : DBL_DIG) : 1;
    /* Only an exact power of two has the lopsided interval. */
    bool pow2_value = (dbits(a) & 0xFFFFFFFFFFFFF) == 0 && a > (is_float ? FLT_MIN : DBL_MIN);
    char text[40];
    char digits[24];
    int n = 0;
    int decpt = 0;
    for (; p <= maxp; p++) {
        snprintf(text, sizeof text, "%.*e", p - 1, a);
        n = parse_e(text, digits, &decpt);
        if (p == maxp) {
            break; /* 17 (9) correctly rounded digits always read back */
        }
        double back = is_float ? (double)strtof(text, NULL) : strtod(text, NULL);
        if (back == a) {
            break;
        }
        if (back < a && pow2_value && p > (is_float ? FLT_DIG : DBL_DIG)) {
            char up[24];
            int updecpt = decpt;
            memcpy(up, digits, (size_t)n);
            if (digits_increment(up, n)) {
                up[0] = '1';
                updecpt++;
            }
            /* Build "0.<up>e<updecpt>" and try it. */
            char t2[48];
            memcpy(t2, "0.", 2);
            memcpy(t2 + 2, up, (size_t)n);
            snprintf(t2 + 2 + n, sizeof t2 - 2 - (size_t)n, "e%d", updecpt);
            if (reads_back(t2, a, is_float)) {
                memcpy(digits, up, (size_t)n);
                decpt = updecpt;
                break;
            }
        }
    }
    while (n > 1 && digits[n - 1] == '0') {
        n--;
    }
    uint64_t m = 0;
    for (int i = 0; i < n; i++) {
        m = m * 10 + (uint64_t)(digits[i] - '0');
    }
    return layout(dst, neg, m, decpt - n);
}

/* ---- shortest digits ------------------------------------------------------ */

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 cf_u128;

/* The 128-bit product a * b as (high, *lo). */
static inline uint64_t mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
    cf_u128 p = (cf_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
static inline uint64_t mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
#endif

/* floor(log10(2^q)), floor(log10(3/4 * 2^q)) and floor(log2(10^e)) by
 * fixed-point multiplication, checked exhaustively (with exact integer
 * arithmetic) for |q| <= 1200 and |e| <= 400, which covers every double.
 * The bias keeps the shifted operand non-negative (a right shift of a
 * negative int is implementation-defined); it is a multiple of the
 * divisor, so the floor is unchanged. */
static inline int floor_log10_pow2(int q)
{
    return (int)((uint32_t)(q * 315653 + 400 * (1 << 20)) >> 20) - 400;
}

static inline int floor_log10_three_quarters_pow2(int q)
{
    return (int)((uint32_t)(q * 315653 - 131008 + 400 * (1 << 20)) >> 20) - 400;
}

static inline int floor_log2_pow10(int e)
{
    return (int)((uint32_t)(e * 1741647 + 1200 * (1 << 19)) >> 19) - 1200;
}

#define G_MIN_E (-292)
#define G_MAX_E 324

/* k_g[e - G_MIN_E] = {high, low} of floor(10^e * 2^(126 - floor(log2(10^e))))
 * + 1: 10^e scaled into [2^126, 2^127) and rounded up, for every e a double
 * needs. Generated with exact integer arithmetic, in Python:
 *   L = floor(log2(10^e)); g = floor(10^e * 2^(126 - L)) + 1 */
static const uint64_t k_g[G_MAX_E - G_MIN_E + 1][2] = {
    {0x7fbbd8fe5f5e6e27, 0x92f4744e09dd87be}, {0x4fd5679efb9b04d8, 0xbbd8c8b0c62a74d7}, /* 10^-292 */
    {0x63cac186ba81c60e, 0xeacefadcf7b5120c}, {0x7cbd71e869223792, 0xa582b99435a2568f}, /* 10^-290 */
    {0x4df6673141b562bb, 0xa771b3fca185761a}, {0x617400fd9222bb6a, 0x914e20fbc9e6d3a0}, /* 10^-288 */
    {0x79d1013cf6ab6a45, 0x35a1a93abc608888}, {0x4c22a0c61a2b226b, 0x418509c4b5bc5555}, /* 10^-286 */
    {0x5f2b48f7a0b5eb06, 0x11e64c35e32b6aaa}, {0x76f61b3588e365c7, 0x965fdf435bf64555}, /* 10^-284 */
    {0x4a59d101758e1f9c, 0xbdfbeb8a1979eb55}, {0x5cf04541d2f1a783, 0xed7ae66c9fd8662a}, /* 10^-282 */
    {0x742c569247ae1164, 0xe8d9a007c7ce7fb5}, {0x489bb61b6ccccadf, 0x11880404dce10fd1}, /* 10^-280 */
    {0x5ac2a3a247fffd96, 0xd5ea0506141953c6}, {0x71734c8ad9fffcfc, 0x8b648647991fa8b7}, /* 10^-278 */
    {0x46e80fd6c83ffe1d, 0xd71ed3ecbfb3c972}, {0x58a213cc7a4ffda5, 0x4ce688e7efa0bbcf}, /* 10^-276 */
    {0x6eca98bf98e3fd0e, 0xa0202b21eb88eac2}, {0x453e9f77bf8e7e29, 0x24141af5333592ba}, /* 10^-274 */
    {0x568e4755af721db3, 0x6d1921b28002f768}, {0x6c31d92b1b4ea520, 0x485f6a1f2003b542}, /* 10^-272 */
    {0x439f27baf1112734, 0x2d3ba25374025149}, {0x5486f1a9ad557101, 0x388a8ae85102e59c}, /* 10^-270 */
    {0x69a8ae1418aacd41, 0x86ad2da265439f02}, {0x42096ccc8f6ac048, 0xf42c3c857f4a4362}, /* 10^-268 */
    {0x528bc7ffb345705b, 0x31374ba6df1cd43a}, {0x672eb9ffa016cc71, 0xfd851e9096e40948}, /* 10^-266 */
    {0x407d343fc40e3fc7, 0x3e73331a5e4e85cd}, {0x509c814fb511cfb9, 0x0e0fffe0f5e22741}, /* 10^-264 */
    {0x64c3a1a3a25643a7, 0x5193ffd9335ab111}, {0x7df48a0c8aebd491, 0x25f8ffcf80315d55}, /* 10^-262 */
    {0x4eb8d647d6d364da, 0xb7bb9fe1b01eda55}, {0x62670bd9cc883e11, 0x65aa87da1c2690ea}, /* 10^-260 */
    {0x7b00ced03faa4d95, 0xbf1529d0a3303525}, {0x4ce0814227ca707d, 0x976d3a2265fe2137}, /* 10^-258 */
    {0x6018a192b1bd0c9c, 0xfd4888aaff7da985}, {0x781ec9f75e2c4fc4, 0x3c9aaad5bf5d13e6}, /* 10^-256 */
    {0x4b133e3a9adbb1da, 0xa5e0aac5979a2c70}, {0x5dd80dc941929e51, 0x4f58d576fd80b78c}, /* 10^-254 */
    {0x754e113b91f745e5, 0xa32f0ad4bce0e56f}, {0x4950cac53b3a8baf, 0x85fd66c4f60c8f65}, /* 10^-252 */
    {0x5ba4fd768a092e9b, 0x677cc076338fb33e}, {0x728e3cd42c8b7a42, 0x415bf093c073a00e}, /* 10^-250 */
    {0x4798e6049bd72c69, 0x68d9765c58484409}, {0x597f1f85c2ccf783, 0xc30fd3f36e5a550b}, /* 10^-248 */
    {0x6fdee76733803564, 0xb3d3c8f049f0ea4e}, {0x45eb50a08030215e, 0xf0645d962e369271}, /* 10^-246 */
    {0x576624c8a03c29b6, 0xac7d74fbb9c4370d}, {0x6d3fadfac84b3424, 0x579cd23aa83544d0}, /* 10^-244 */
    {0x4447ccbcbd2f0096, 0xb6c20364a9214b02}, {0x5559bfebec7ac0bc, 0x6472843dd3699dc2}, /* 10^-242 */
    {0x6ab02fe6e79970eb, 0x7d8f254d48440533}, {0x42ae1df050bfe693, 0x2e7977504d2a8340}, /* 10^-240 */
    {0x5359a56c64efe037, 0xfa17d52460752410}, {0x68300ec77e2bd845, 0xf89dca6d78926d14}, /* 10^-238 */
    {0x411e093caedb672b, 0xbb629e846b5b842d}, {0x51658b8bda9240f6, 0xaa3b462586326538}, /* 10^-236 */
    {0x65beee6ed136d134, 0x54ca17aee7befe85}, {0x7f2eaa0a85848581, 0x69fc9d9aa1aebe27}, /* 10^-234 */
    {0x4f7d2a469372d370, 0xe23de280a50d36d8}, {0x635c74d8384f884d, 0x1acd5b20ce50848e}, /* 10^-232 */
    {0x7c33920e46636a60, 0x6180b1e901e4a5b2}, {0x4da03b48ebfe227c, 0x3cf06f31a12ee78f}, /* 10^-230 */
    {0x61084a1b26fdab1b, 0x4c2c8afe097aa173}, {0x794a5ca1f0bd15e2, 0x1f37adbd8bd949cf}, /* 10^-228 */
    {0x4bce79e536762dad, 0x5382cc967767ce22}, {0x5ec2185e8413b918, 0xa8637fbc1541c1aa}, /* 10^-226 */
    {0x76729e762518a75e, 0xd27c5fab1a923215}, {0x4a07a309d72f689b, 0x438dbbcaf09b5f4d}, /* 10^-224 */
    {0x5c898bcc4cfb42c2, 0x14712abdacc23720}, {0x73abeebf603a1372, 0x998d756d17f2c4e8}, /* 10^-222 */
    {0x484b75379c244c27, 0x9ff869642ef7bb11}, {0x5a5e5285832d5f31, 0x87f683bd3ab5a9d5}, /* 10^-220 */
    {0x70f5e726e3f8b6fd, 0xe9f424ac8963144b}, {0x4699b0784e7b725e, 0xb23896ebd5ddecaf}, /* 10^-218 */
    {0x58401c96621a4ef6, 0x5ec6bca6cb5567da}, {0x6e5023bbfaa0e2b3, 0xf6786bd07e2ac1d1}, /* 10^-216 */
    {0x44f216557ca48db0, 0x7a0b43624edab923}, {0x562e9beadbcdb11c, 0x988e143ae291676b}, /* 10^-214 */
    {0x6bba42e592c11d63, 0xbeb199499b35c146}, {0x435469cf7bb8b25e, 0x572effce010198cc}, /* 10^-212 */
    {0x542984435aa6def5, 0xecfabfc18141feff}, {0x6933e554315096b3, 0x68396fb1e1927ebe}, /* 10^-210 */
    {0x41c06f549ed25e30, 0x2123e5cf2cfb8f37}, {0x52308b29c686f5bc, 0x296cdf42f83a7305}, /* 10^-208 */
    {0x66bcadf43828b32b, 0x33c81713b6490fc6}, {0x4035ecb8a3196ffb, 0x005d0e6c51eda9dc}, /* 10^-206 */
    {0x504367e6cbdfcbf9, 0xc074520766691453}, {0x645441e07ed7bef8, 0x3091668940035967}, /* 10^-204 */
    {0x7d6952589e8daeb6, 0x3cb5c02b90042fc1}, {0x4e61d37763188d31, 0xe5f1981b3a029dd9}, /* 10^-202 */
    {0x61fa48553bdeb07e, 0x5f6dfe220883454f}, {0x7a78da6a8ad65c9d, 0xf7497daa8aa416a3}, /* 10^-200 */
    {0x4c8b888296c5f9e2, 0xba8dee8a96a68e26}, {0x5fae6aa33c77785b, 0x69316a2d3c5031af}, /* 10^-198 */
    {0x779a054c0b955672, 0x437dc4b88b643e1b}, {0x4ac0434f873d5607, 0x6a2e9af3571ea6d1}, /* 10^-196 */
    {0x5d705423690cab89, 0x44ba41b02ce65085}, {0x74cc692c434fd66b, 0x95e8d21c381fe4a6}, /* 10^-194 */
    {0x48ffc1bbaa11e603, 0x3db18351a313eee8}, {0x5b3fb22a94965f84, 0x0d1de4260bd8eaa2}, /* 10^-192 */
    {0x720f9eb539bbf765, 0x10655d2f8ecf254a}, {0x4749c33144157a9f, 0x2a3f5a3db941774f}, /* 10^-190 */
    {0x591c33fd951ad946, 0xf4cf30cd2791d522}, {0x6f6340fcfa618f98, 0xb202fd0071764a6b}, /* 10^-188 */
    {0x459e089e1c7cf9bf, 0x6f41de2046e9ee83}, {0x57058ac5a39c382f, 0x4b1255a858a46a23}, /* 10^-186 */
    {0x6cc6ed770c83463b, 0x1dd6eb126ecd84ac}, {0x43fc546a67d20be4, 0xf2a652eb854072ec}, /* 10^-184 */
    {0x54fb698501c68ede, 0x2f4fe7a666908fa7}, {0x6a3a43e642383295, 0xbb23e1900034b390}, /* 10^-182 */
    {0x42646a6fe9631f9d, 0x94f66cfa0020f03a}, {0x52fd850be3bbe784, 0xfa34083880292c49}, /* 10^-180 */
    {0x67bce64edcaae166, 0x38c10a46a033775b}, {0x40d60ff149eaccdf, 0xe378a66c24202a99}, /* 10^-178 */
    {0x510b93ed9c658017, 0xdc56d0072d28353f}, {0x654e78e9037ee01d, 0xd36c8408f872428f}, /* 10^-176 */
    {0x7ea21723445e9825, 0x4847a50b368ed332}, {0x4f254e760abb1f17, 0x4d2cc72702194400}, /* 10^-174 */
    {0x62eea2138d69e6dd, 0x2077f8f0c29f94ff}, {0x7baa4a9870c46094, 0x6895f72cf3477a3f}, /* 10^-172 */
    {0x4d4a6e9f467abc5c, 0xc15dba7c180cac68}, {0x609d0a4718196b73, 0xf1b5291b1e0fd781}, /* 10^-170 */
    {0x78c44cd8de1fc650, 0xee227361e593cd61}, {0x4b7ab0078ad3dbf2, 0x94d5881d2f7c605d}, /* 10^-168 */
    {0x5e595c096d88d2ef, 0x3a0aea247b5b7874}, {0x75efb30bc8eb07ab, 0x088da4ad9a325691}, /* 10^-166 */
    {0x49b5cfe75d92e4ca, 0xe55886ec805f761b}, {0x5c2343e134f79dfd, 0x9eaea8a7a07753a2}, /* 10^-164 */
    {0x732c14d98235857d, 0x065a52d18895288a}, {0x47fb8d07f161736e, 0x23f873c2f55d3956}, /* 10^-162 */
    {0x59fa7049edb9d049, 0xacf690b3b2b487ac}, {0x70790c5c6928445c, 0x183434e09f61a997}, /* 10^-160 */
    {0x464ba7b9c1b92ab9, 0x8f20a10c639d09fe}, {0x57de91a832277567, 0xf2e8c94f7c844c7e}, /* 10^-158 */
    {0x6dd636123eb152c1, 0xefa2fba35ba55f9d}, {0x44a5e1cb672ed3b9, 0x35c5dd4619475bc2}, /* 10^-156 */
    {0x55cf5a3e40fa88a7, 0x833754979f9932b3}, {0x6b4330cdd1392ad1, 0x640529bd877f7f5f}, /* 10^-154 */
    {0x4309fe80a2c3bac2, 0xde833a1674afaf9c}, {0x53cc7e20cb74a973, 0x9624089c11db9b83}, /* 10^-152 */
    {0x68bf9da8fe51d3d0, 0x7bad0ac316528263}, {0x4177c2899ef32462, 0x4d4c26b9edf3917e}, /* 10^-150 */
    {0x51d5b32c06afed7a, 0xe09f3068697075de}, {0x664b1ff7085be8d9, 0x98c6fc8283cc9355}, /* 10^-148 */
    {0x7fdde7f4ca72e30f, 0xfef8bba324bfb82a}, {0x4feab0f8fe87cde9, 0xff5b7545f6f7d31a}, /* 10^-146 */
    {0x63e55d373e29c164, 0x7f32529774b5c7e1}, {0x7cdeb4850db431bd, 0x9efee73d51e339d9}, /* 10^-144 */
    {0x4e0b30d328909f16, 0x835f5086532e0428}, {0x618dfd07f2b4c6dc, 0x243724a7e7f98532}, /* 10^-142 */
    {0x79f17c49ef61f893, 0x2d44edd1e1f7e67e}, {0x4c36edae359d3b5b, 0xfc4b14a32d3af00f}, /* 10^-140 */
    {0x5f44a919c3048a32, 0xfb5dd9cbf889ac12}, {0x7715d36033c5acbf, 0xba35503ef6ac1717}, /* 10^-138 */
    {0x4a6da41c205b8bf7, 0xd46152275a2b8e6f}, {0x5d090d2328726ef5, 0xc979a6b130b6720a}, /* 10^-136 */
    {0x744b506bf28f0ab3, 0x3bd8105d7ce40e8c}, {0x48af1243779966b0, 0x05670a3a6e0e8918}, /* 10^-134 */
    {0x5adad6d4557fc05c, 0x06c0ccc909922b5e}, {0x71918c896adfb073, 0x0870fffb4bf6b635}, /* 10^-132 */
    {0x46faf7d5e2cbce47, 0xe5469ffd0f7a31e1}, {0x58b9b5cb5b7ec1d9, 0xde9847fc5358be5a}, /* 10^-130 */
    {0x6ee8233e325e7250, 0x563e59fb682eedf0}, {0x45511606df7b0772, 0x35e6f83d211d54b6}, /* 10^-128 */
    {0x56a55b889759c94e, 0xc360b64c6964a9e4}, {0x6c4eb26abd303ba2, 0x7438e3df83bdd45c}, /* 10^-126 */
    {0x43b12f82b63e2545, 0x88a38e6bb256a4ba}, {0x549d7b6363cdae96, 0xeacc72069eec4de8}, /* 10^-124 */
    {0x69c4da3c3cc11a3c, 0xa57f8e8846a76162}, {0x421b0865a5f8b065, 0xe76fb9152c289cde}, /* 10^-122 */
    {0x52a1ca7f0f76dc7f, 0x614ba75a7732c415}, {0x674a3d1ed354939f, 0x399e913114ff751a}, /* 10^-120 */
    {0x408e66334414dc43, 0x84031abead1fa930}, {0x50b1ffc0151a1354, 0x6503e16e5867937c}, /* 10^-118 */
    {0x64de7fb01a609829, 0x7e44d9c9ee81785b}, {0x7e161f9c20f8be33, 0xddd6103c6a21d672}, /* 10^-116 */
    {0x4ecdd3c1949b76e0, 0x6aa5ca25c2552607}, {0x628148b1f9c25498, 0x854f3caf32ea6f89}, /* 10^-114 */
    {0x7b219ade7832e9be, 0xa6a30bdaffa50b6b}, {0x4cf500cb0b1fd217, 0x2825e768dfc72723}, /* 10^-112 */
    {0x603240fdcde7c69c, 0xf22f614317b8f0ec}, {0x783ed13d4161b844, 0x2ebb3993dda72d27}, /* 10^-110 */
    {0x4b2742c648dd132a, 0x9d3503fc6a887c38}, {0x5df11377db1457f5, 0x448244fb852a9b46}, /* 10^-108 */
    {0x756d5855d1d96df2, 0x95a2d63a66754218}, {0x49645735a327e4b7, 0x9d85c5e48009494f}, /* 10^-106 */
    {0x5bbd6d030bf1dde5, 0x84e7375da00b9ba3}, {0x72acc843ceee555e, 0xe6210535080e828b}, /* 10^-104 */
    {0x47abfd2a6154f55b, 0x4fd4a34125091197}, {0x5996fc74f9aa32b2, 0x23c9cc116e4b55fd}, /* 10^-102 */
    {0x6ffcbb923814bf5e, 0xacbc3f15c9de2b7c}, {0x45fdf53b630cf79b, 0x2bf5a76d9e2adb2e}, /* 10^-100 */
    {0x577d728a3bd03581, 0xf6f3114905b591f9}, {0x6d5ccf2ccac442e2, 0x74afd59b4722f677}, /* 10^-98 */
    {0x445a017bfebaa9cd, 0x88ede5810c75da0b}, {0x557081dafe695440, 0xeb295ee14f93508d}, /* 10^-96 */
    {0x6acca251be03a951, 0x25f3b699a37824b0}, {0x42bfe57316c249d2, 0xb7b85220062b16ee}, /* 10^-94 */
    {0x536fdecfdc72dc47, 0x65a666a807b5dcaa}, {0x684bd683d38f9359, 0x3f10005209a353d4}, /* 10^-92 */
    {0x412f66126439bc17, 0xc76a003346061465}, {0x517b3f96fd482b1d, 0xb94480401787997e}, /* 10^-90 */
    {0x65da0f7cbc9a35e5, 0x2795a0501d697fdd}, {0x7f50935bebc0c35e, 0x717b086424c3dfd5}, /* 10^-88 */
    {0x4f925c1973587a1b, 0x06ece53e96fa6be5}, {0x6376f31fd02e98a1, 0xc8a81e8e3cb906de}, /* 10^-86 */
    {0x7c54afe7c43a3eca, 0x3ad22631cbe74896}, {0x4db4edf0daa4673e, 0x64c357df1f708d5e}, /* 10^-84 */
    {0x6122296d114d810d, 0xfdf42dd6e74cb0b5}, {0x796ab3c855a0e151, 0x7d71394ca11fdce2}, /* 10^-82 */
    {0x4be2b05d35848cd2, 0xee66c3cfe4b3ea0e}, {0x5edb5c7482e5b007, 0xaa0074c3dde0e491}, /* 10^-80 */
    {0x76923391a39f1c09, 0x948091f4d5591db5}, {0x4a1b603b06437185, 0xfcd05b390557b291}, /* 10^-78 */
    {0x5ca23849c7d44de7, 0x7c04720746ad9f35}, {0x73cac65c39c96161, 0x5b058e8918590703}, /* 10^-76 */
    {0x485ebbf9a41ddcdc, 0xd8e37915af37a462}, {0x5a766af80d255414, 0x0f1c575b1b058d7a}, /* 10^-74 */
    {0x711405b6106ea919, 0x12e36d31e1c6f0d9}, {0x46ac8391ca4529af, 0xabce243f2d1c5688}, /* 10^-72 */
    {0x5857a4763cd6741b, 0x96c1ad4ef8636c29}, {0x6e6d8d93cc0c1122, 0x7c7218a2b67c4733}, /* 10^-70 */
    {0x4504787c5f878ab5, 0x8dc74f65b20dac80}, {0x5645969b77696d62, 0xf139233f1e9117a0}, /* 10^-68 */
    {0x6bd6fc425543c8bb, 0xad876c0ee6355d88}, {0x43665da9754a5d75, 0x4c74a3894fe15a75}, /* 10^-66 */
    {0x543ff513d29cf4d2, 0x9f91cc6ba3d9b113}, {0x694ff258c7443207, 0x47763f868cd01d57}, /* 10^-64 */
    {0x41d1f7777c8a9f44, 0x8ca9e7b418021257}, {0x524675555bad4715, 0xafd461a11e0296ec}, /* 10^-62 */
    {0x66d812aab29898db, 0x1bc97a0965833ca7}, {0x40470baaaf9f5f88, 0xf15dec45df7205e9}, /* 10^-60 */
    {0x5058ce955b87376b, 0x2db56757574e8763}, {0x646f023ab2690545, 0xf922c12d2d22293b}, /* 10^-58 */
    {0x7d8ac2c95f034697, 0x776b7178786ab38a}, {0x4e76b9bddb620c1e, 0xaaa326eb4b42b036}, /* 10^-56 */
    {0x6214682d523a8f26, 0x554bf0a61e135c44}, {0x7a998238a6c932ef, 0xea9eeccfa5983355}, /* 10^-54 */
    {0x4c9ff163683dbfd5, 0xf2a35401c77f2015}, {0x5fc7edbc424d2fcb, 0x6f4c2902395ee81a}, /* 10^-52 */
    {0x77b9e92b52e07bbe, 0x4b1f3342c7b6a221}, {0x4ad431bb13cc4d56, 0xeef38009bcd22555}, /* 10^-50 */
    {0x5d893e29d8bf60ac, 0xaab0600c2c06aeaa}, {0x74eb8db44eef38d7, 0xd55c780f37085a54}, /* 10^-48 */
    {0x49133890b1558386, 0xe559cb0982653875}, {0x5b5806b4ddaae468, 0x9eb03dcbe2fe8692}, /* 10^-46 */
    {0x722e086215159d82, 0xc65c4d3edbbe2836}, {0x475cc53d4d2d8271, 0xbbf9b0474956d922}, /* 10^-44 */
    {0x5933f68ca078e30e, 0x2af81c591bac8f6a}, {0x6f80f42fc8971bd1, 0xb5b6236f6297b345}, /* 10^-42 */
    {0x45b0989ddd5e7163, 0x1191d6259d9ed00b}, {0x571cbec554b60dbb, 0xd5f64baf0506840e}, /* 10^-40 */
    {0x6ce3ee76a9e3912a, 0xcb73de9ac6482511}, {0x440e750a2a2e3aba, 0xbf286b20bbed172b}, /* 10^-38 */
    {0x5512124cb4b9c969, 0x6ef285e8eae85cf5}, {0x6a5696dfe1e83bc3, 0xcaaf276325a27433}, /* 10^-36 */
    {0x42761e4bed31255a, 0x5ead789df78588a0}, {0x5313a5dee87d6eb0, 0xf658d6c57566eac8}, /* 10^-34 */
    {0x67d88f56a29cca5d, 0x33ef0c76d2c0a57a}, {0x40e7599625a1fe7a, 0x407567ca43b8676c}, /* 10^-32 */
    {0x51212ffbaf0a7e18, 0xd092c1bcd4a68147}, {0x65697bfa9acd1d9f, 0x04b7722c09d02199}, /* 10^-30 */
    {0x7ec3daf941806506, 0xc5e54eb70c4429ff}, {0x4f3a68dbc8f03f24, 0x3baf513267aa9a3f}, /* 10^-28 */
    {0x63090312bb2c4eed, 0x4a9b257f019540cf}, {0x7bcb43d769f762a8, 0x9d41eedec1fa9103}, /* 10^-26 */
    {0x4d5f0a66a23a9da9, 0x6249354b393c9aa2}, {0x60b6cd004ac94513, 0xbadb829e078bc14a}, /* 10^-24 */
    {0x78e480405d7b9658, 0xa9926345896eb19d}, {0x4b8ed0283a6d3df7, 0x69fb7e0b75e52f02}, /* 10^-22 */
    {0x5e72843249088d75, 0x447a5d8e535e7ac3}, {0x760f253edb4ab0d2, 0x9598f4f1e8361973}, /* 10^-20 */
    {0x49c97747490eae83, 0x9d7f99173121cfe8}, {0x5c3bd5191b525a24, 0x84df7f5cfd6a43e2}, /* 10^-18 */
    {0x734aca5f6226f0ad, 0xa6175f343cc4d4da}, {0x480ebe7b9d58566c, 0x87ce9b80a5fb0509}, /* 10^-16 */
    {0x5a126e1a84ae6c07, 0xa9c24260cf79c64b}, {0x709709a125da0709, 0x9432d2f9035837dd}, /* 10^-14 */
    {0x465e6604b7a84465, 0xfc9fc3dba21722ea}, {0x57f5ff85e592557f, 0x7bc7b4d28a9ceba5}, /* 10^-12 */
    {0x6df37f675ef6eadf, 0x5ab9a2072d44268e}, {0x44b82fa09b5a52cb, 0x98b405447c4a9819}, /* 10^-10 */
    {0x55e63b88c230e77e, 0x7ee106959b5d3e1f}, {0x6b5fca6af2bd215e, 0x1e99483b02348da7}, /* 10^-8 */
    {0x431bde82d7b634da, 0xd31fcd24e160d888}, {0x53e2d6238da3c211, 0x87e7c06e19b90eaa}, /* 10^-6 */
    {0x68db8bac710cb295, 0xe9e1b089a0275255}, {0x4189374bc6a7ef9d, 0xb22d0e5604189375}, /* 10^-4 */
    {0x51eb851eb851eb85, 0x1eb851eb851eb852}, {0x6666666666666666, 0x6666666666666667}, /* 10^-2 */
    {0x4000000000000000, 0x0000000000000001}, {0x5000000000000000, 0x0000000000000001}, /* 10^0 */
    {0x6400000000000000, 0x0000000000000001}, {0x7d00000000000000, 0x0000000000000001}, /* 10^2 */
    {0x4e20000000000000, 0x0000000000000001}, {0x61a8000000000000, 0x0000000000000001}, /* 10^4 */
    {0x7a12000000000000, 0x0000000000000001}, {0x4c4b400000000000, 0x0000000000000001}, /* 10^6 */
    {0x5f5e100000000000, 0x0000000000000001}, {0x7735940000000000, 0x0000000000000001}, /* 10^8 */
    {0x4a817c8000000000, 0x0000000000000001}, {0x5d21dba000000000, 0x0000000000000001}, /* 10^10 */
    {0x746a528800000000, 0x0000000000000001}, {0x48c2739500000000, 0x0000000000000001}, /* 10^12 */
    {0x5af3107a40000000, 0x0000000000000001}, {0x71afd498d0000000, 0x0000000000000001}, /* 10^14 */
    {0x470de4df82000000, 0x0000000000000001}, {0x58d15e1762800000, 0x0000000000000001}, /* 10^16 */
    {0x6f05b59d3b200000, 0x0000000000000001}, {0x4563918244f40000, 0x0000000000000001}, /* 10^18 */
    {0x56bc75e2d6310000, 0x0000000000000001}, {0x6c6b935b8bbd4000, 0x0000000000000001}, /* 10^20 */
    {0x43c33c1937564800, 0x0000000000000001}, {0x54b40b1f852bda00, 0x0000000000000001}, /* 10^22 */
    {0x69e10de76676d080, 0x0000000000000001}, {0x422ca8b0a00a4250, 0x0000000000000001}, /* 10^24 */
    {0x52b7d2dcc80cd2e4, 0x0000000000000001}, {0x6765c793fa10079d, 0x0000000000000001}, /* 10^26 */
    {0x409f9cbc7c4a04c2, 0x2000000000000001}, {0x50c783eb9b5c85f2, 0xa800000000000001}, /* 10^28 */
    {0x64f964e68233a76f, 0x5200000000000001}, {0x7e37be2022c0914b, 0x2680000000000001}, /* 10^30 */
    {0x4ee2d6d415b85ace, 0xf810000000000001}, {0x629b8c891b267182, 0xb614000000000001}, /* 10^32 */
    {0x7b426fab61f00de3, 0x6399000000000001}, {0x4d0985cb1d3608ae, 0x1e3fa00000000001}, /* 10^34 */
    {0x604be73de4838ad9, 0xa5cf880000000001}, {0x785ee10d5da46d90, 0x0f436a0000000001}, /* 10^36 */
    {0x4b3b4ca85a86c47a, 0x098a224000000001}, {0x5e0a1fd271287598, 0x8becaad000000001}, /* 10^38 */
    {0x758ca7c70d7292fe, 0xaee7d58400000001}, {0x4977e8dc68679bdf, 0x2d50e57280000001}, /* 10^40 */
    {0x5bd5e313828182d6, 0xf8a51ecf20000001}, {0x72cb5bd86321e38c, 0xb6ce6682e8000001}, /* 10^42 */
    {0x47bf19673df52e37, 0xf2410011d1000001}, {0x59aedfc10d7279c5, 0xeed1401645400001}, /* 10^44 */
    {0x701a97b150cf1837, 0x6a85901bd6900001}, {0x46109eced2816f22, 0xa2937a11661a0001}, /* 10^46 */
    {0x5794c6828721caeb, 0x4b385895bfa08001}, {0x6d79f82328ea3da6, 0x1e066ebb2f88a001}, /* 10^48 */
    {0x446c3b15f9926687, 0xd2c40534fdb56401}, {0x558749db77f70029, 0xc77506823d22bd01}, /* 10^50 */
    {0x6ae91c5255f4c034, 0x39524822cc6b6c41}, {0x42d1b1b375b8f820, 0xa3d36d15bfc323a9}, /* 10^52 */
    {0x53861e2053273628, 0xccc8485b2fb3ec93}, {0x6867a5a867f103b2, 0xfffa5a71fba0e7b7}, /* 10^54 */
    {0x4140c78940f6a24f, 0xdffc78873d4490d3}, {0x5190f96b91344ae3, 0xd7fb96a90c95b507}, /* 10^56 */
    {0x65f537c675815d9c, 0xcdfa7c534fbb2249}, {0x7f7285b812e1b504, 0x01791b6823a9eadb}, /* 10^58 */
    {0x4fa793930bcd1122, 0x80ebb121164a32c9}, {0x63917877cec0556b, 0x21269d695bdcbf7b}, /* 10^60 */
    {0x7c75d695c2706ac5, 0xe97044c3b2d3ef5a}, {0x4dc9a61d998642bb, 0xb1e62afa4fc47598}, /* 10^62 */
    {0x613c0fa4ffe7d36a, 0x9e5fb5b8e3b592fe}, {0x798b138e3fe1c845, 0x45f7a3271ca2f7be}, /* 10^64 */
    {0x4bf6ec38e7ed1d2b, 0x4bbac5f871e5dad7}, {0x5ef4a74721e86476, 0x1ea977768e5f518c}, /* 10^66 */
    {0x76b1d118ea627d93, 0xa653d55431f725ef}, {0x4a2f22af927d8e7c, 0x47f465549f3a77b6}, /* 10^68 */
    {0x5cbaeb5b771cf21b, 0x59f17ea9c70915a3}, {0x73e9a63254e42ea2, 0x306dde5438cb5b0c}, /* 10^70 */
    {0x487207df750e9d25, 0x5e44aaf4a37f18e7}, {0x5a8e89d75252446e, 0xb5d5d5b1cc5edf21}, /* 10^72 */
    {0x71322c4d26e6d58a, 0x634b4b1e3f7696e9}, {0x46bf5bb038504576, 0x7e0f0ef2e7aa1e52}, /* 10^74 */
    {0x586f329c466456d4, 0x1d92d2afa194a5e6}, {0x6e8aff4357fd6c89, 0x24f7875b89f9cf60}, /* 10^76 */
    {0x4516df8a16fe63d5, 0xb71ab499363c219c}, {0x565c976c9cbdfccb, 0x24e161bf83cb2a03}, /* 10^78 */
    {0x6bf3bd47c3ed7bfd, 0xee19ba2f64bdf484}, {0x4378564cda746d7e, 0xb4d0145d9ef6b8d2}, /* 10^80 */
    {0x54566be0111188de, 0x6204197506b46707}, {0x696c06d81555eb15, 0xfa851fd2486180c9}, /* 10^82 */
    {0x41e384470d55b2ed, 0xbc9333e36d3cf07e}, {0x525c6558d0ab1fa9, 0x2bb800dc488c2c9d}, /* 10^84 */
    {0x66f37eaf04d5e793, 0x76a601135aaf37c4}, {0x40582f2d6305b0bc, 0x2a27c0ac18ad82db}, /* 10^86 */
    {0x506e3af8bbc71ceb, 0x34b1b0d71ed8e391}, {0x6489c9b6eab8e426, 0x01de1d0ce68f1c75}, /* 10^88 */
    {0x7dac3c24a5671d2f, 0x8255a4502032e392}, {0x4e8ba596e760723d, 0xb17586b2141fce3c}, /* 10^90 */
    {0x622e8efca1388ecd, 0x1dd2e85e9927c1cb}, {0x7aba32bbc986b280, 0x6547a2763f71b23d}, /* 10^92 */
    {0x4cb45fb55df42f90, 0x3f4cc589e7a70f66}, {0x5fe177a2b5713b74, 0x4f1ff6ec6190d340}, /* 10^94 */
    {0x77d9d58b62cd8a51, 0x62e7f4a779f50810}, {0x4ae825771dc07672, 0xddd0f8e8ac39250a}, /* 10^96 */
    {0x5da22ed4e530940f, 0x95453722d7476e4c}, {0x750aba8a1e7cb913, 0x7a9684eb8d1949df}, /* 10^98 */
    {0x4926b496530df3ac, 0x2c9e1313382fce2c}, {0x5b7061bbe7d17097, 0x37c597d8063bc1b7}, /* 10^100 */
    {0x724c7a2ae1c5ccbd, 0x05b6fdce07cab224}, {0x476fcc5acd1b9ff6, 0x23925ea0c4deaf57}, /* 10^102 */
    {0x594bbf71806287f3, 0xac76f648f6165b2c}, {0x6f9eaf4de07b29f0, 0x9794b3db339bf1f7}, /* 10^104 */
    {0x45c32d90ac4cfa36, 0x5ebcf0690041773b}, {0x5733f8f4d76038c3, 0xf66c2c834051d509}, /* 10^106 */
    {0x6d00f7320d3846f4, 0xf40737a410664a4b}, {0x44209a7f48432c59, 0x188482c68a3fee6f}, /* 10^108 */
    {0x5528c11f1a53f76f, 0x5ea5a3782ccfea0b}, {0x6a72f166e0e8f54b, 0x364f0c563803e48e}, /* 10^110 */
    {0x4287d6e04c91994f, 0x01f167b5e3026ed9}, {0x5329cc985fb5ffa2, 0xc26dc1a35bc30a8f}, /* 10^112 */
    {0x67f43fbe77a37f8b, 0x7309320c32b3cd32}, {0x40f8a7d70ac62fb7, 0x27e5bf479fb06040}, /* 10^114 */
    {0x5136d1cccd77bba4, 0xf1df2f19879c784f}, {0x6584864000d5aa8e, 0x2e56fadfe9839663}, /* 10^116 */
    {0x7ee5a7d0010b1531, 0xb9ecb997e3e47bfc}, {0x4f4f88e200a6ed3f, 0x1433f3feee6ecd7e}, /* 10^118 */
    {0x63236b1a80d0a88e, 0xd940f0feaa0a80dd}, {0x7bec45e12104d2b2, 0x8f912d3e548d2114}, /* 10^120 */
    {0x4d73abacb4a303af, 0x99babc46f4d834ad}, {0x60d09697e1cbc49b, 0x80296b58b20e41d8}, /* 10^122 */
    {0x7904bc3dda3eb5c2, 0x6033c62ede91d24e}, {0x4ba2f5a6a8673199, 0x7c205bdd4b1b2371}, /* 10^124 */
    {0x5e8bb3105280fdff, 0xdb2872d49de1ec4d}, {0x762e9fd467213d7f, 0xd1f28f89c55a6760}, /* 10^126 */
    {0x49dd23e4c074c66f, 0xe33799b61b58809c}, {0x5c546cddf091f80b, 0xdc058023a22ea0c3}, /* 10^128 */
    {0x736988156cb6760e, 0xd306e02c8aba48f3}, {0x4821f50d63f209c9, 0x43e44c1bd6b46d98}, /* 10^130 */
    {0x5a2a7250bcee8c3b, 0x94dd5f22cc6188fe}, {0x70b50ee4ec2a2f4a, 0x7a14b6eb7f79eb3e}, /* 10^132 */
    {0x4671294f139a5d8e, 0x8c4cf2532fac3307}, {0x580d73a2d880f4f2, 0x2f602ee7fb973fc8}, /* 10^134 */
    {0x6e10d08b8ea1322e, 0xbb383aa1fa7d0fba}, {0x44ca82573924bf5d, 0x350324a53c8e29d5}, /* 10^136 */
    {0x55fd22ed076def34, 0x8243edce8bb1b44a}, {0x6b7c6ba849496b01, 0xa2d4e9422e9e215c}, /* 10^138 */
    {0x432dc3492dcde2e1, 0x05c511c95d22d4da}, {0x53f9341b79415b99, 0x4736563bb46b8a10}, /* 10^140 */
    {0x68f781225791b27f, 0x9903ebcaa1866c94}, {0x419ab0b576bb0f8f, 0xbfa2735ea4f403dd}, /* 10^142 */
    {0x52015ce2d469d373, 0xaf8b10364e3104d4}, {0x6681b41b89844850, 0x9b6dd443e1bd4608}, /* 10^144 */
    {0x4011109135f2ad32, 0x6124a4aa6d164bc5}, {0x501554b5836f587e, 0xf96dcdd5085bdeb7}, /* 10^146 */
    {0x641aa9e2e44b2e9e, 0xb7c9414a4a72d664}, {0x7d21545b9d5dfa46, 0x65bb919cdd0f8bfd}, /* 10^148 */
    {0x4e34d4b9425abc6b, 0xff953b020a29b77e}, {0x61c209e792f16b86, 0xff7a89c28cb4255e}, /* 10^150 */
    {0x7a328c6177adc668, 0xbf592c332fe12eb5}, {0x4c5f97bceacc9c01, 0x7797bb9ffdecbd31}, /* 10^152 */
    {0x5f777dac257fc301, 0xd57daa87fd67ec7e}, {0x77555d172edfb3c2, 0x4add1529fcc1e79d}, /* 10^154 */
    {0x4a955a2e7d4bd059, 0x6eca2d3a3df930c2}, {0x5d3ab0ba1c9ec46f, 0xca7cb888cd777cf3}, /* 10^156 */
    {0x74895ce8a3c6758b, 0xbd1be6ab00d55c2f}, {0x48d5da11665c0977, 0x5631702ae085599e}, /* 10^158 */
    {0x5b0b5095bff30bd5, 0x2bbdcc3598a6b005}, {0x71ce24bb2fefceca, 0x76ad3f42fed05c06}, /* 10^160 */
    {0x4720d6f4fdf5e13e, 0x8a2c4789df423984}, {0x58e90cb23d73598e, 0x2cb7596c5712c7e5}, /* 10^162 */
    {0x6f234fdeccd02ff1, 0xb7e52fc76cd779de}, {0x457611eb40021df7, 0x12ef3ddca406ac2b}, /* 10^164 */
    {0x56d396661002a574, 0xd7ab0d53cd085736}, {0x6c887bff94034ed2, 0x0d95d0a8c04a6d03}, /* 10^166 */
    {0x43d54d7fbc821143, 0x487da269782e8422}, {0x54caa0dfaba29594, 0x1a9d0b03d63a252a}, /* 10^168 */
    {0x69fd4917968b3af9, 0x21444dc4cbc8ae75}, {0x423e4daebe1704db, 0xb4cab09aff5d6d09}, /* 10^170 */
    {0x52cde11a6d9cc612, 0xa1fd5cc1bf34c84b}, {0x678159610903f797, 0x4a7cb3f22f01fa5e}, /* 10^172 */
    {0x40b0d7dca5a27abe, 0x8e8df0775d613c7b}, {0x50dd0dd3cf0b196e, 0x32316c9534b98b9a}, /* 10^174 */
    {0x65145148c2cddfc9, 0xbebdc7ba81e7ee80}, {0x7e59659af38157bc, 0x2e6d39a92261ea20}, /* 10^176 */
    {0x4ef7df80d830d6d5, 0x9d044409b57d3254}, {0x62b5d7610e3d0c8b, 0x0445550c22dc7ee9}, /* 10^178 */
    {0x7b634d3951cc4fad, 0xc556aa4f2b939ea3}, {0x4d1e1043d31fb1cc, 0x9b562a717b3c4326}, /* 10^180 */
    {0x60659454c7e79e3f, 0xc22bb50dda0b53ef}, {0x787ef969f9e185cf, 0xb2b6a251508e28eb}, /* 10^182 */
    {0x4b4f5be23c2cf3a1, 0xcfb22572d258d993}, {0x5e2332dacb38308a, 0x439eaecf86ef0ff8}, /* 10^184 */
    {0x75abff917e063cac, 0xd4865a8368aad3f6}, {0x498b7fbaeec3e5ec, 0x04d3f892216ac47a}, /* 10^186 */
    {0x5bee5fa9aa74df67, 0x0608f6b6a9c57598}, {0x72e9f79415121740, 0xc78b34645436d2fe}, /* 10^188 */
    {0x47d23abc8d2b4e88, 0x7cb700beb4a243df}, {0x59c6c96bb076222a, 0x9be4c0ee61cad4d7}, /* 10^190 */
    {0x70387bc69c93aab5, 0x42ddf129fa3d8a0c}, {0x46234d5c21dc4ab1, 0x49cab6ba3c667648}, /* 10^192 */
    {0x57ac20b32a535d5d, 0x9c3d6468cb8013da}, {0x6d9728dff4e834b5, 0x034cbd82fe6018d0}, /* 10^194 */
    {0x447e798bf91120f1, 0x220ff671defc0f82}, {0x559e17eef755692d, 0x6a93f40e56bb1362}, /* 10^196 */
    {0x6b059deab52ac378, 0xc538f111ec69d83b}, {0x42e382b2b13aba2b, 0x7b4396ab33c22725}, /* 10^198 */
    {0x539c635f5d8968b6, 0x5a147c5600b2b0ee}, {0x68837c3734ebc2e3, 0xf0999b6b80df5d2a}, /* 10^200 */
    {0x41522da2811359ce, 0x76600123308b9a3a}, {0x51a6b90b21583042, 0x13f8016bfcae80c9}, /* 10^202 */
    {0x6610674de9ae3c52, 0x98f601c6fbda20fb}, {0x7f9481216419cb67, 0x3f338238bad0a939}, /* 10^204 */
    {0x4fbcd0b4de901f20, 0x8780316374c269c4}, {0x63ac04e2163426e8, 0xa9603dbc51f30435}, /* 10^206 */
    {0x7c97061a9bc130a2, 0xd3b84d2b666fc542}, {0x4dde63d0a158be65, 0xc453303b2005db49}, /* 10^208 */
    {0x6155fcc4c9aeedff, 0x3567fc49e807521b}, {0x79ab7bf5fc1aa97f, 0x02c1fb5c620926a2}, /* 10^210 */
    {0x4c0b2d79bd90a9ef, 0x61b93d19bd45b826}, {0x5f0df8d82cf4d46b, 0x3a278c602c97262f}, /* 10^212 */
    {0x76d1770e38320986, 0x08b16f7837bcefba}, {0x4a42ea68e31f45f3, 0xc56ee5ab22d615d5}, /* 10^214 */
    {0x5cd3a5031be71770, 0xb6ca9f15eb8b9b4a}, {0x74088e43e2e0dd4c, 0xe47d46db666e821c}, /* 10^216 */
    {0x488558ea6dcc8a50, 0x0ece4c4920051152}, {0x5aa6af25093face4, 0x1281df5b680655a6}, /* 10^218 */
    {0x71505aee4b8f981d, 0x172257324207eb0f}, {0x46d238d4ef39bf12, 0x2e75767f6944f2ea}, /* 10^220 */
    {0x5886c70a2b082ed6, 0xba12d41f43962fa4}, {0x6ea878ccb5ca3a8c, 0x68978927147bbb8d}, /* 10^222 */
    {0x45294b7ff19e6497, 0xc15eb5b86ccd5538}, {0x56739e5fee05fdbd, 0xb1b663268800aa86}, /* 10^224 */
    {0x6c1085f7e9877d2d, 0x1e23fbf02a00d528}, {0x438a53baf1f4ae3c, 0x32d67d761a408539}, /* 10^226 */
    {0x546ce8a9ae71d9cb, 0x3f8c1cd3a0d0a687}, {0x698822d41a0e503e, 0x0f6f24088904d029}, /* 10^228 */
    {0x41f515c49048f226, 0xc9a5768555a3021a}, {0x52725b35b45b2eb0, 0x7c0ed426ab0bc2a0}, /* 10^230 */
    {0x670ef2032171fa5c, 0x9b12893055ceb348}, {0x40695741f4e73c79, 0xe0eb95be35a1300d}, /* 10^232 */
    {0x5083ad1272210b98, 0x59267b2dc3097c10}, {0x64a498570ea94e7e, 0x6f7019f933cbdb14}, /* 10^234 */
    {0x7dcdbe6cd253a21e, 0x0b4c207780bed1d9}, {0x4ea0970403744552, 0xc70f944ab0774328}, /* 10^236 */
    {0x6248bcc5045156a7, 0x78d3795d5c9513f2}, {0x7adaebf64565ac51, 0x570857b4b3ba58ee}, /* 10^238 */
    {0x4cc8d379eb5f8bb2, 0xd66536d0f0547795}, {0x5ffb085866376e9f, 0x8bfe84852c69957a}, /* 10^240 */
    {0x77f9ca6e7fc54a47, 0x6efe25a67783fad9}, {0x4afc1e850fdb4e6c, 0xa55ed7880ab27cc8}, /* 10^242 */
    {0x5dbb262653d22207, 0xceb68d6a0d5f1bf9}, {0x7529efafe8c6aa89, 0xc26430c490b6e2f7}, /* 10^244 */
    {0x493a35cdf17c2a96, 0x197e9e7ada724ddb}, {0x5b88c3416ddb353b, 0x9fde4619910ee151}, /* 10^246 */
    {0x726af411c952028a, 0x87d5d79ff55299a6}, {0x4782d88b1dd34196, 0x94e5a6c3f953a008}, /* 10^248 */
    {0x59638eade54811fc, 0x3a1f1074f7a8880a}, {0x6fbc72595e9a167b, 0x48a6d4923592aa0c}, /* 10^250 */
    {0x45d5c777db204e0d, 0x0d6844db617baa48}, {0x574b3955d1e86190, 0x50c2561239da94d9}, /* 10^252 */
    {0x6d1e07ab466279f4, 0x64f2eb96c8513a10}, {0x4432c4cb0bfd8c38, 0xbf17d33e3d32c44a}, /* 10^254 */
    {0x553f75fdcefcef46, 0xeeddc80dcc7f755c}, {0x6a8f537d42bc2b18, 0xaa953a113f9f52b3}, /* 10^256 */
    {0x4299942e49b59aef, 0x6a9d444ac7c393b0}, {0x533ff939dc2301ab, 0x4544955d79b4789c}, /* 10^258 */
    {0x680ff788532bc216, 0x1695bab4d82196c3}, {0x4109fab533fb594d, 0xce1d94b10714fe3a}, /* 10^260 */
    {0x514c796280fa2fa1, 0x41a4f9dd48da3dc8}, {0x659f97bb2138bb89, 0x920e38549b10cd3a}, /* 10^262 */
    {0x7f077da9e986ea6b, 0xf691c669c1d50089}, {0x4f64ae8a31f45283, 0x7a1b1c0219252056}, /* 10^264 */
    {0x633dda2cbe716724, 0x58a1e3029f6e686b}, {0x7c0d50b7ee0dc0ed, 0x6eca5bc3474a0286}, /* 10^266 */
    {0x4d885272f4c89894, 0x653e795a0c8e4194}, {0x60ea670fb1fabeb9, 0x7e8e17b08fb1d1f9}, /* 10^268 */
    {0x792500d39e796e67, 0xde319d9cb39e4677}, {0x4bb72084430be500, 0xeadf0281f042ec0a}, /* 10^270 */
    {0x5ea4e8a553cede41, 0x2596c3226c53a70d}, {0x764e22cea8c295d1, 0x6efc73eb076890d0}, /* 10^272 */
    {0x49f0d5c129799da2, 0xe55dc872e4a15a82}, {0x5c6d0b3173d8050b, 0x9eb53a8f9dc9b122}, /* 10^274 */
    {0x73884dfdd0ce064e, 0x86628933853c1d6b}, {0x483530bea280c3f1, 0x13fd95c033459263}, /* 10^276 */
    {0x5a427cee4b20f4ed, 0x58fcfb304016f6fc}, {0x70d31c29dde93228, 0xaf3c39fc501cb4ba}, /* 10^278 */
    {0x4683f19a2ab1bf59, 0x6d85a43db211f0f5}, {0x5824ee00b55e2f2f, 0xc8e70d4d1e966d32}, /* 10^280 */
    {0x6e2e2980e2b5bafb, 0xbb20d0a0663c087e}, {0x44dcd9f08db194dd, 0x54f482643fe5854f}, /* 10^282 */
    {0x5614106cb11dfa14, 0xaa31a2fd4fdee6a3}, {0x6b991487dd657899, 0xd4be0bbca3d6a04b}, /* 10^284 */
    {0x433facd4ea5f6b60, 0x24f6c755e666242f}, {0x540f980a24f74638, 0x2e34792b5fffad3b}, /* 10^286 */
    {0x69137e0cae3517c6, 0x39c1977637ff9889}, {0x41ac2ec7ece12edb, 0xe418fea9e2ffbf56}, /* 10^288 */
    {0x52173a79e8197a92, 0xdd1f3e545bbfaf2b}, {0x669d0918621fd937, 0x94670de972af9af6}, /* 10^290 */
    {0x402225af3d53e7c2, 0xbcc068b1e7adc0da}, {0x502aaf1b0ca8e1b3, 0x6bf082de61993110}, /* 10^292 */
    {0x64355ae1cfd31a20, 0x46eca395f9ff7d54}, {0x7d42b19a43c7e0a8, 0x58a7cc7b787f5ca9}, /* 10^294 */
    {0x4e49af006a5cec69, 0x3768dfcd2b4f99ea}, {0x61dc1ac084f42783, 0x854317c076238065}, /* 10^296 */
    {0x7a532170a6313164, 0x6693ddb093ac607e}, {0x4c73f4e667debede, 0xc01c6a8e5c4bbc4f}, /* 10^298 */
    {0x5f90f22001d66e96, 0x70238531f35eab62}, {0x77752ea8024c0a3c, 0x0c2c667e7036563b}, /* 10^300 */
    {0x4aa93d29016f8665, 0x879bc00f0621f5e5}, {0x5d538c7341cb67fe, 0xe982b012c7aa735e}, /* 10^302 */
    {0x74a86f90123e41fe, 0xa3e35c1779951035}, {0x48e945ba0b66e93f, 0x266e198eabfd2a21}, /* 10^304 */
    {0x5b2397288e40a38e, 0xf0099ff256fc74aa}, {0x71ec7cf2b1d0cc72, 0xac0c07eeecbb91d4}, /* 10^306 */
    {0x4733ce17af227fc7, 0xab8784f553f53b25}, {0x5900c19d9aeb1fb9, 0x96696632a8f289ee}, /* 10^308 */
    {0x6f40f20501a5e7a7, 0xfc03bfbf532f2c69}, {0x458897432107b0c8, 0xfd8257d793fd7bc2}, /* 10^310 */
    {0x56eabd13e9499cfb, 0x3ce2edcd78fcdab2}, {0x6ca56c58e39c043a, 0x0c1ba940d73c115f}, /* 10^312 */
    {0x43e763b78e4182a4, 0x479149c886858adb}, {0x54e13ca571d1e34d, 0x59759c3aa826ed92}, /* 10^314 */
    {0x6a198bcece465c20, 0xafd303495230a8f6}, {0x424ff76140ebf994, 0x6de3e20dd35e699a}, /* 10^316 */
    {0x52e3f5399126f7f9, 0x895cda9148360401}, {0x679cf287f570b5f7, 0xebb411359a438501}, /* 10^318 */
    {0x40c21794f96671ba, 0xf3508ac1806a3321}, {0x50f29d7a37c00e29, 0xb024ad71e084bfe9}, /* 10^320 */
    {0x652f44d8c5b011b4, 0x1c2dd8ce58a5efe3}, {0x7e7b160ef71c1621, 0x23394f01eecf6bdb}, /* 10^322 */
    {0x4f0cedc95a718dd4, 0xb603d1613541a369}, /* 10^324 */
};

static const uint64_t k_pow5[28] = {
    UINT64_C(1),
    UINT64_C(5),
    UINT64_C(25),
    UINT64_C(125),
    UINT64_C(625),
    UINT64_C(3125),
    UINT64_C(15625),
    UINT64_C(78125),
    UINT64_C(390625),
    UINT64_C(1953125),
    UINT64_C(9765625),
    UINT64_C(48828125),
    UINT64_C(244140625),
    UINT64_C(1220703125),
    UINT64_C(6103515625),
    UINT64_C(30517578125),
    UINT64_C(152587890625),
    UINT64_C(762939453125),
    UINT64_C(3814697265625),
    UINT64_C(19073486328125),
    UINT64_C(95367431640625),
    UINT64_C(476837158203125),
    UINT64_C(2384185791015625),
    UINT64_C(11920928955078125),
    UINT64_C(59604644775390625),
    UINT64_C(298023223876953125),
    UINT64_C(1490116119384765625),
    UINT64_C(7450580596923828125),
};

/* Is y * 2^q * 10^-k = y * 2^(q-k) * 5^-k an integer? (y >= 1) */
static bool scaled_is_integer(uint64_t y, int q, int k)
{
    if (k > 0 && (k >= 28 || y % k_pow5[k] != 0)) {
        return false;
    }
    int twos = q - k;
    if (twos >= 0) {
        return true;
    }
    return twos > -64 && (y & ((UINT64_C(1) << -twos) - 1)) == 0;
}

/* T = y * 2^q * 10^-k rounded to odd: floor(T), with the low bit set when
 * T is not an integer. g is 10^-k rounded up as in k_g and h = q + L + 2
 * (L = floor(log2(10^-k))), so T = G * (y << h) / 2^128 for the exact
 * G <= g < G + 1, and P = g * (y << h) overestimates 2^128 * T by less than
 * x = y << h. So when P's low 128 bits exceed x, T lies strictly between
 * floor(P / 2^128) and the next integer. Otherwise T is within that error
 * of the integer N = floor(P / 2^128) (from either side, so in (N-1, N+1));
 * then T is either exactly N, or (never in practice) a non-integer we
 * cannot place: returns false and the caller takes the slow path. */
static inline bool scaled_round_odd(const uint64_t g[2], uint64_t y, int h, int q, int k,
                                    uint64_t *out)
{
    uint64_t x = y << h;
    uint64_t b0;
    uint64_t b1 = mul64(g[0], x, &b0);
    /* P = b1 * 2^128 + (b0 + a1) * 2^64 + a0 with a1 < x (a1:a0 = g[1] * x).
     * When 1 <= b0 <= 2^64 - 1 - x, adding a1 cannot carry and leaves the
     * middle word nonzero: T is not an integer and its floor is b1, known
     * without the second product (7 times in 8 for arbitrary values). */
    if (b0 - 1 < ~x) {
        *out = b1 | 1;
        return true;
    }
    uint64_t a0;
    uint64_t a1 = mul64(g[1], x, &a0);
    uint64_t mid = b0 + a1;
    uint64_t top = b1 + (mid < a1);
    if (mid != 0 || a0 > x) {
        *out = top | 1;
        return true;
    }
    *out = top;
    return scaled_is_integer(y, q, k);
}

/* The shortest decimal m * 10^*e that reads back as c * 2^q (c >= 1), the
 * nearest one if several; an exact tie goes to the even m, or to the lower
 * one when `ties_low`. `lopsided` when the value is a power of two above
 * the smallest normal: its lower neighbour is half as far as the upper one.
 * m may end in zeros (layout() drops them). Returns false when the slow path must decide. */
static CF_ALWAYS_INLINE bool shortest(uint64_t c, int q, bool lopsided, bool ties_low,
                                      uint64_t *m_out, int *e_out)
{
    /* The interval [cbl, cbr] * 2^(q-2) is 2^q wide (3/4 of it when
     * lopsided); k makes 10^k <= width < 10^(k+1). */
    int k = lopsided ? floor_log10_three_quarters_pow2(q) : floor_log10_pow2(q);
    int h = q + floor_log2_pow10(-k) + 2; /* 2..5: y << h stays below 2^61 */
    const uint64_t *g = k_g[-k - G_MIN_E];
    uint64_t cb = c << 2;
    uint64_t cbl = cb - 2 + lopsided;
    uint64_t cbr = cb + 2;
    uint64_t vb, vbl, vbr; /* 4 * (value, low end, high end) * 10^-k, rounded to odd */
    if (!scaled_round_odd(g, cb, h, q, k, &vb) || !scaled_round_odd(g, cbl, h, q, k, &vbl) ||
        !scaled_round_odd(g, cbr, h, q, k, &vbr)) {
        return false;
    }
    /* The ends belong to the interval when c is even (strtod breaks ties
     * to even). Comparisons of rounded-to-odd values with multiples of 4
     * are exact; `open` turns <= into < for the excluded ends. */
    uint64_t open = c & 1;
    uint64_t s = vb >> 2; /* floor(v * 10^-k) */
    /* One digit fewer: the multiples of 10 on either side of s. */
    uint64_t sp = s / 10;
    uint64_t u = sp * 10;
    bool u_in = vbl + open <= 4 * u;
    bool w_in = 4 * (u + 10) + open <= vbr;
    if (u_in != w_in) {
        *m_out = u_in ? sp : sp + 1;
        *e_out = k + 1;
        return true;
    }
    /* Otherwise s or s + 1, whichever is inside; the nearer if both. */
    u_in = vbl + open <= 4 * s;
    w_in = 4 * (s + 1) + open <= vbr;
    uint64_t m;
    if (u_in != w_in) {
        m = u_in ? s : s + 1;
    } else {
        uint64_t mid = 4 * s + 2;
        if (vb != mid) {
            m = vb < mid ? s : s + 1;
        } else {
            m = ties_low ? s : s + (s & 1);
        }
    }
    *m_out = m;
    *e_out = k;
    return true;
}

static size_t write_zero(char *dst, bool neg)
{
    if (neg) {
        memcpy(dst, "-0.0", 4);
        return 4;
    }
    memcpy(dst, "0.0", 3);
    return 3;
}

/* ---- doubles and floats --------------------------------------------------- */

size_t cf_fmt_double(char *dst, double v)
{
    uint64_t u = dbits(v);
    bool neg = u >> 63 != 0;
    uint64_t frac = u & ((UINT64_C(1) << 52) - 1);
    int be = (int)(u >> 52 & 0x7FF);
    uint64_t c = be != 0 ? frac | UINT64_C(1) << 52 : frac;
    int q = be != 0 ? be - 1075 : -1074;
    if (c == 0) {
        return write_zero(dst, neg);
    }
    /* Integers below 2^53: their own digits are the shortest (the interval
     * is at most 1 wide there). */
    if (q <= 0 && q >= -52 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
        return layout_integer(dst, neg, c >> -q);
    }
    uint64_t m;
    int e;
    if (!shortest(c, q, frac == 0 && be > 1, false, &m, &e)) {
        return slow_format(dst, neg, abs_d(v), false);
    }
    return layout(dst, neg, m, e);
}

size_t cf_fmt_float(char *dst, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    bool neg = u >> 31 != 0;
    uint32_t frac = u & ((UINT32_C(1) << 23) - 1);
    int be = (int)(u >> 23 & 0xFF);
    uint64_t c = be != 0 ? frac | UINT32_C(1) << 23 : frac;
    int q = be != 0 ? be - 150 : -149;
    if (c == 0) {
        return write_zero(dst, neg);
    }
    if (q <= 0 && q >= -23 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
        return layout_integer(dst, neg, c >> -q);
    }
    uint64_t m;
    int e;
    if (!shortest(c, q, frac == 0 && be > 1, true, &m, &e)) {
        return slow_format(dst, neg, (double)(neg ? -v : v), true);
    }
    return layout(dst, neg, m, e);
}
