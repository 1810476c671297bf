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
 * paper proves it; our stress runs agree), but it costs nothing to keep,
 * and it is not dead code: the tests call it directly (cf_fmt_double_exact,
 * json_number_exact_internal.h) and require the same text as the fast path
 * on hard cases and random values.
 *
 * Shortcuts, each with a portable path that CF_PORTABLE (meson
 * -Dsimd=disabled) forces and a big-endian host takes by itself: eight
 * digits formed side by side in one 64-bit word and stored with one write
 * (little-endian only; else two-digit table stores), trailing zero digits
 * counted with clz on a word (little-endian GNU C; else byte by byte), the
 * digit count from clz (GNU C; else a table scan) and 128-bit products
 * (unsigned __int128; else four 32-bit products).
 */
#include "json_write_internal.h"

#include "bytes_internal.h"
#include "compiler_internal.h"
#include "json_digits_internal.h"
#include "mul64_internal.h"
#include "json_number_exact_internal.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

/* No libm: the few operations needed are done on the bits, so the library
 * (and everything linking it statically) needs no -lm. */
static inline uint64_t dbits(double v)
{
    return cf_bits_from_double(v);
}

static inline double from_bits(uint64_t u)
{
    return cf_double_from_bits(u);
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

#if !defined(CF_PORTABLE) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
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
#if !defined(CF_PORTABLE) && (defined(__GNUC__) || defined(__clang__))
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

#if !defined(CF_PORTABLE) && defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CF_LE_CLZ 1
#endif

/* CF_ALWAYS_INLINE (compiler_internal.h) marks the few helpers of the
 * double path that the compiler would keep out of line (they have several
 * callers): the call costs more than they do. */

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

/* Does the decimal 0.<digits[0..n)> * 10^decpt read back as a? */
static bool digits_read_back(const char *digits, int n, int decpt, double a, bool is_float)
{
    char text[48];
    memcpy(text, "0.", 2);
    memcpy(text + 2, digits, (size_t)n);
    snprintf(text + 2 + n, sizeof text - 2 - (size_t)n, "e%d", decpt);
    return reads_back(text, a, is_float);
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

/* Floats break an exact tie between two equally near shortest candidates
 * downwards (see the top of the file); printf breaks it to even. So when
 * digits[0..n) (value 0.digits * 10^decpt, correctly rounded from the
 * float a) was rounded up from an exact tie, replace it by the lower
 * candidate if that reads back (equally near, so it does unless a's
 * interval is lopsided). %.120e is exact for every float: none has more
 * than 112 significant decimal digits. */
static void float_tie_low(double a, char *digits, int n, int *decpt)
{
    char text[136];
    char exact[128];
    int exact_decpt = 0;
    snprintf(text, sizeof text, "%.120e", a);
    int en = parse_e(text, exact, &exact_decpt);
    if (en <= n || exact[n] != '5') {
        return;
    }
    for (int i = n + 1; i < en; i++) {
        if (exact[i] != '0') {
            return; /* above the midpoint: rounding up was right */
        }
    }
    if (exact_decpt == *decpt && memcmp(exact, digits, (size_t)n) == 0) {
        return; /* printf already took the lower one */
    }
    if (digits_read_back(exact, n, exact_decpt, a, true)) {
        memcpy(digits, exact, (size_t)n);
        *decpt = exact_decpt;
    }
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
    bool rounded = true; /* digits are printf's correctly rounded ones */
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
            if (digits_read_back(up, n, updecpt, a, is_float)) {
                memcpy(digits, up, (size_t)n);
                decpt = updecpt;
                rounded = false;
                break;
            }
        }
    }
    if (is_float && rounded) {
        float_tie_low(a, digits, n, &decpt);
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

/* The 128-bit product (mul64_internal.h; portable under CF_PORTABLE). */
static inline uint64_t mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
    return cf_mul64(a, b, lo);
}

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

/* k_g: 10^e scaled into [2^126, 2^127) and rounded up, for G_MIN_E <= e <=
 * G_MAX_E; generated by src/gen_pow10_table.py. Included here rather than
 * at the top so the constants keep their place in the object file. */
#include "json_pow10_table_internal.h"

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

/* ---- the exact path on its own (for the tests) ---------------------------- */

size_t cf_fmt_double_exact(char *dst, double v)
{
    bool neg = dbits(v) >> 63 != 0;
    double a = abs_d(v);
    return a == 0 ? write_zero(dst, neg) : slow_format(dst, neg, a, false);
}

size_t cf_fmt_float_exact(char *dst, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    bool neg = u >> 31 != 0;
    double a = (double)(neg ? -v : v);
    return a == 0 ? write_zero(dst, neg) : slow_format(dst, neg, a, true);
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
