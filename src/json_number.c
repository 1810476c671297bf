/* Integer and floating-point formatting for JSON output.
 *
 * Doubles and floats are written with the fewest significant digits that
 * read back (strtod / strtof) to exactly the same value, laid out the way
 * Python's repr(float) does: fixed notation when the decimal exponent is in
 * [-4, 16), otherwise scientific ("1e+16", "1.5e-05"); integral values in
 * fixed notation end in ".0".
 *
 * Digit generation has two paths:
 *  - fast and exact, for the values real data is made of (prices, ratios,
 *    integers): find the smallest k such that the integer m nearest to
 *    v * 10^k satisfies m / 10^k == v in double arithmetic. Both operands
 *    are exact (m < 2^51, 10^k exact for k <= 22) and IEEE division is
 *    correctly rounded, so the decimal m * 10^-k reads back as v. The
 *    bound on m also makes the answer the shortest; see fast_double().
 *  - slow and exact, for the rest: the correctly rounded %.{p}e for
 *    p = 15..17 (1..17 for subnormals), checked with strtod, plus the
 *    neighbour candidate needed at powers of two where the rounding
 *    interval is lopsided; see slow_format().
 */
#include "json_write_internal.h"

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

/* 2^e for e in the normal double range. */
static inline double pow2(int e)
{
    return from_bits((uint64_t)(e + 1023) << 52);
}

/* ---- integers ----------------------------------------------------------- */

static const char k_digits2[200] = "00010203040506070809"
                                   "10111213141516171819"
                                   "20212223242526272829"
                                   "30313233343536373839"
                                   "40414243444546474849"
                                   "50515253545556575859"
                                   "60616263646566676869"
                                   "70717273747576777879"
                                   "80818283848586878889"
                                   "90919293949596979899";

static inline unsigned count_digits(uint64_t v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10) {
            return n;
        }
        if (v < 100) {
            return n + 1;
        }
        if (v < 1000) {
            return n + 2;
        }
        if (v < 10000) {
            return n + 3;
        }
        v /= 10000;
        n += 4;
    }
}

/* Write exactly `len` digits of v (len = count_digits(v)) ending at dst+len. */
static inline void write_digits(char *dst, uint64_t v, unsigned len)
{
    char *p = dst + len;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, k_digits2 + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, k_digits2 + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
}

size_t cf_fmt_u64(char *dst, uint64_t v)
{
    unsigned len = count_digits(v);
    write_digits(dst, v, len);
    return len;
}

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

/* Lay out the value 0.D * 10^decpt, where D = digits[0..n) has no trailing
 * zeros (n >= 1), as Python's repr does. Returns bytes written. */
static size_t layout(char *dst, bool neg, const char *digits, int n, int decpt)
{
    char *d = dst;
    if (neg) {
        *d++ = '-';
    }
    int x = decpt - 1; /* exponent in scientific notation */
    if (x >= -4 && x < 16) {
        if (decpt <= 0) {
            *d++ = '0';
            *d++ = '.';
            memset(d, '0', (size_t)-decpt);
            d += -decpt;
            memcpy(d, digits, (size_t)n);
            d += n;
        } else if (decpt >= n) {
            memcpy(d, digits, (size_t)n);
            d += n;
            memset(d, '0', (size_t)(decpt - n));
            d += decpt - n;
            *d++ = '.';
            *d++ = '0';
        } else {
            memcpy(d, digits, (size_t)decpt);
            d += decpt;
            *d++ = '.';
            memcpy(d, digits + decpt, (size_t)(n - decpt));
            d += n - decpt;
        }
        return (size_t)(d - dst);
    }
    *d++ = digits[0];
    if (n > 1) {
        *d++ = '.';
        memcpy(d, digits + 1, (size_t)(n - 1));
        d += n - 1;
    }
    *d++ = 'e';
    *d++ = x < 0 ? '-' : '+';
    unsigned ax = (unsigned)(x < 0 ? -x : x);
    if (ax >= 100) {
        *d++ = (char)('0' + ax / 100);
        ax %= 100;
    }
    memcpy(d, k_digits2 + 2 * ax, 2); /* at least two digits: "1e+16" */
    d += 2;
    return (size_t)(d - dst);
}

/* Lay out the integer m (m >= 1) times 10^-k. */
static size_t layout_scaled(char *dst, bool neg, uint64_t m, int k)
{
    char digits[24];
    while (m % 10 == 0) { /* only integral values (k == 0) can end in 0 */
        m /= 10;
        k--;
    }
    unsigned n = count_digits(m);
    write_digits(digits, m, n);
    return layout(dst, neg, digits, (int)n, (int)n - k);
}

/* ---- slow exact path ---------------------------------------------------- */

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

/* Shortest round-tripping digits of a (finite, > 0) by trial.
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
    return layout(dst, neg, digits, n, decpt);
}

/* ---- doubles ------------------------------------------------------------ */

static const double k_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO51 2251799813685248.0

/* Write m * 10^-k (m >= 1, and m % 10 != 0 when k > 0, as the fast path
 * guarantees) straight into dst in the common fixed layouts. */
static size_t write_fast(char *dst, bool neg, uint64_t m, int k)
{
    char *d = dst + neg;
    *dst = '-';
    unsigned n = count_digits(m);
    if (k == 0) { /* m < 2^53 < 10^16: always fixed notation */
        write_digits(d, m, n);
        memcpy(d + n, ".0", 2);
        return (size_t)neg + n + 2;
    }
    int decpt = (int)n - k;
    if (decpt > 0) { /* "123.45": write digits one place right, pull the integer part back */
        write_digits(d + 1, m, n);
        memmove(d, d + 1, (size_t)decpt);
        d[decpt] = '.';
        return (size_t)neg + n + 1;
    }
    if (decpt >= -3) { /* "0.00123" */
        size_t z = (size_t)(2 - decpt);
        memcpy(d, "0.000", z);
        write_digits(d + z, m, n);
        return (size_t)neg + z + n;
    }
    return layout_scaled(dst, neg, m, k); /* scientific: rare */
}

/* Fast exact path for a > 0. Returns 0 when it does not apply.
 *
 * Why the first k found gives the shortest text: suppose a decimal
 * d = m' * 10^-k' (m' < 2^51) reads back as a. Then |a*10^k' - m'| <=
 * 10^k' * ulp(a)/2 < 1/4 (because 10^-k' > a/2^51 >= 2 ulp(a)), and the
 * rounded product p differs from the exact one by at most ulp(p)/2 <= 1/4,
 * so m' is the integer nearest to p and is found at k'. Hence no text with
 * fewer fractional digits exists, and as long as m < 2^51 the integer part
 * is exact, so fewer fractional digits means fewer digits. The same
 * inequality shows at most one m per k can read back. */
static size_t fast_double(char *dst, bool neg, double a)
{
    for (int k = 0; k <= 22; k++) {
        double p = a * k_pow10[k];
        if (p >= TWO51) {
            return 0;
        }
        double r = (double)(uint64_t)(p + 0.5); /* p + 0.5 is exact below 2^52 */
        /* Cheap filter before the division: a match has |p - r| <= p * 2^-52
         * (both errors above); p - r is exact (Sterbenz). */
        double diff = p - r;
        if (r == 0.0 || abs_d(diff) > p * 0x1p-51) {
            continue;
        }
        if (r / k_pow10[k] == a) {
            return write_fast(dst, neg, (uint64_t)r, k);
        }
    }
    return 0;
}

size_t cf_fmt_double(char *dst, double v)
{
    bool neg = dbits(v) >> 63 != 0;
    double a = abs_d(v);
    if (a == 0.0) {
        if (neg) {
            memcpy(dst, "-0.0", 4);
            return 4;
        }
        memcpy(dst, "0.0", 3);
        return 3;
    }
    size_t n = fast_double(dst, neg, a);
    if (n != 0) {
        return n;
    }
    return slow_format(dst, neg, a, false);
}

/* ---- floats ------------------------------------------------------------- */

/* The rounding interval of a float f: decimals strictly between lo and hi
 * read back as f; at lo or hi exactly (a tie) only when f is even. */
typedef struct float_interval {
    double lo, hi;
    bool even;
} float_interval;

static float_interval float_interval_of(float f)
{
    uint32_t fb;
    memcpy(&fb, &f, sizeof fb);
    int bexp = (int)(fb >> 23 & 0xFF); /* f > 0 and finite */
    /* One unit in the last place: 2^(bexp - 150) for normals, 2^-149 for
     * subnormals (bexp 0), which share the exponent of the smallest normal. */
    double ulp = pow2((bexp == 0 ? 1 : bexp) - 150);
    double ulp_below = ulp;
    if ((fb & 0x7FFFFF) == 0 && bexp > 1) {
        ulp_below = ulp / 2; /* f is a power of two: the float below is closer */
    }
    float_interval iv = {(double)f - ulp_below / 2, (double)f + ulp / 2, (fb & 1) == 0};
    return iv;
}

/* Does the decimal m * 10^-k read back (strtof) as the float whose interval
 * is iv? Decided exactly, with no double rounding: the midpoints have 25
 * significant bits, and with k <= 12 both mid * 10^k (25 + 28 bits) and m
 * (< 2^53) are exact doubles, so comparing them is exact. */
static bool float_reads_back(const float_interval *iv, double m, int k)
{
    double lo = iv->lo * k_pow10[k];
    double hi = iv->hi * k_pow10[k];
    if (m > lo && m < hi) {
        return true;
    }
    return (m == lo || m == hi) && iv->even;
}

/* Fast exact path for 0 < f < 2^24: every integer there is a float, so the
 * integer part is exact and fewer fractional digits means fewer digits.
 * f * 10^k is exact for k <= 12, so the nearest candidates at k are its
 * floor and ceiling, each tested exactly; the nearer valid one is taken.
 * The m found does not end in 0 when k > 0 (m / 10 would have been a
 * candidate at k - 1), as write_fast() requires. */
static size_t fast_float(char *dst, bool neg, float f)
{
    double fd = f;
    float_interval iv = float_interval_of(f);
    for (int k = 0; k <= 12; k++) {
        double p = fd * k_pow10[k];
        if (p >= 0x1p53) {
            return 0; /* unreachable in practice: 9 digits fit well before */
        }
        double lo = (double)(uint64_t)p; /* floor: p >= 0 and < 2^53 */
        double hi = lo == p ? p : lo + 1.0;
        bool lo_ok = lo > 0.0 && float_reads_back(&iv, lo, k);
        bool hi_ok = hi != lo && float_reads_back(&iv, hi, k);
        if (lo_ok && (!hi_ok || p - lo <= hi - p)) {
            return write_fast(dst, neg, (uint64_t)lo, k);
        }
        if (hi_ok) {
            return write_fast(dst, neg, (uint64_t)hi, k);
        }
    }
    return 0;
}

size_t cf_fmt_float(char *dst, float v)
{
    bool neg = dbits((double)v) >> 63 != 0;
    float a = (float)abs_d((double)v);
    if (a == 0.0f) {
        if (neg) {
            memcpy(dst, "-0.0", 4);
            return 4;
        }
        memcpy(dst, "0.0", 3);
        return 3;
    }
    if (a < 16777216.0f) {
        size_t n = fast_float(dst, neg, a);
        if (n != 0) {
            return n;
        }
    }
    return slow_format(dst, neg, (double)a, true);
}
