/* Tests for the JSON number formatters (src/json_number.c through
 * src/json_write_internal.h): integers, and doubles and floats in the
 * shortest text that reads back, checked against exhaustive references.
 *
 * Set CFAVRO_SLOW_RUN=1 (done automatically under valgrind) to shrink the
 * randomized loops. `test_json_numbers --bench` prints ns/call for typical
 * values of the JSON output primitives instead of running the tests
 * (informational; nothing asserts on time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_write_internal.h"
#include "test_json_support.h"

/* ---- helpers ------------------------------------------------------------ */

/* Neighbours and powers of two by bit arithmetic (positive finite values),
 * so the test needs no libm. A float travels in a double (exactly). */
static double fp_step(double v, bool is_float, int delta)
{
    if (is_float) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        u += (uint32_t)(int32_t)delta;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    u += (uint64_t)(int64_t)delta;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* 2^e for -1074 <= e <= 1023 (double) or -149 <= e <= 127 (float). */
static double fp_pow2(bool is_float, int e)
{
    if (is_float) {
        uint32_t u = e >= -126 ? (uint32_t)(e + 127) << 23 : UINT32_C(1) << (e + 149);
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    uint64_t u = e >= -1022 ? (uint64_t)(e + 1023) << 52 : UINT64_C(1) << (e + 1074);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The index after the run of digits that starts at s[i] (i itself if none). */
static size_t skip_digits(const char *s, size_t i, size_t n)
{
    while (i < n && isdigit((unsigned char)s[i])) {
        i++;
    }
    return i;
}

/* Strict RFC 8259 number grammar. */
static bool json_number_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') {
        i++;
    }
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        i = skip_digits(s, i, n);
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t st = ++i;
        i = skip_digits(s, i, n);
        if (i == st) {
            return false;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        size_t st = i;
        i = skip_digits(s, i, n);
        if (i == st) {
            return false;
        }
    }
    return i == n;
}

/* Normalized significant digits of a number text: digits without leading
 * or trailing zeros, and the decimal point position (value = 0.D * 10^e). */
static int norm_digits(const char *s, char *d, int *decpt)
{
    int n = 0;
    int before_point = 0;
    bool seen_point = false;
    for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            seen_point = true;
        } else if (isdigit((unsigned char)*s)) {
            d[n++] = *s;
            if (!seen_point) {
                before_point++;
            }
        }
    }
    int exp = (*s == 'e' || *s == 'E') ? atoi(s + 1) : 0;
    int lead = 0;
    while (lead < n - 1 && d[lead] == '0') {
        lead++;
    }
    memmove(d, d + lead, (size_t)(n - lead));
    n -= lead;
    while (n > 1 && d[n - 1] == '0') {
        n--;
    }
    d[n] = '\0';
    *decpt = before_point - lead + exp;
    return n;
}

static bool reads_back(const char *text, double v, bool is_float)
{
    if (is_float) {
        return strtof(text, NULL) == (float)v;
    }
    return strtod(text, NULL) == v;
}

/* Adjust the last digit of "d.ddde+x" text by delta (+1/-1), writing a new
 * text "0.<digits>e<decpt>". Returns false when nothing sensible results. */
static bool neighbour(const char *text, int delta, char *out, size_t cap)
{
    char d[40];
    int n = 0;
    const char *s = text;
    for (; *s != 'e'; s++) {
        if (isdigit((unsigned char)*s)) {
            d[n++] = *s;
        }
    }
    int decpt = atoi(s + 1) + 1;
    int i = n - 1;
    if (delta > 0) {
        while (i >= 0 && d[i] == '9') {
            d[i--] = '0';
        }
        if (i < 0) {
            memmove(d + 1, d, (size_t)n);
            d[0] = '1';
            decpt++;
        } else {
            d[i]++;
        }
    } else {
        while (i >= 0 && d[i] == '0') {
            d[i--] = '9';
        }
        if (i < 0) {
            return false;
        }
        d[i]--;
    }
    d[n] = '\0';
    snprintf(out, cap, "0.%se%d", d, decpt);
    return true;
}

/* Reference: the smallest p such that some p-digit decimal reads back as a
 * (> 0). The p-digit decimals nearest a from below and above are the
 * correctly rounded one and one of its neighbours, so trying all three is
 * exhaustive. */
static int ref_shortest(double a, bool is_float, int pmax)
{
    char text[48], nb[64];
    for (int p = 1; p <= pmax; p++) {
        snprintf(text, sizeof text, "%.*e", p - 1, a);
        if (reads_back(text, a, is_float)) {
            return p;
        }
        if (neighbour(text, +1, nb, sizeof nb) && reads_back(nb, a, is_float)) {
            return p;
        }
        if (neighbour(text, -1, nb, sizeof nb) && reads_back(nb, a, is_float)) {
            return p;
        }
    }
    return 99;
}

/* Shortest p by plain %.{p}g (what the brief's acceptance test uses). */
static int g_shortest(double a, bool is_float)
{
    char text[48];
    int pmax = is_float ? 9 : 17;
    for (int p = 1; p <= pmax; p++) {
        snprintf(text, sizeof text, "%.*g", p, a);
        if (reads_back(text, a, is_float)) {
            char d[48];
            int e;
            return norm_digits(text, d, &e);
        }
    }
    return 99;
}

/* How thoroughly check_fp checks: round trip, JSON grammar and layout;
 * plus "one digit fewer cannot read back"; plus the exhaustive reference. */
enum { CHECK_TRIP = 0, CHECK_SHORTER = 1, CHECK_FULL = 2 };

static int level_for(int i, int full_every)
{
    return i % full_every == 0 ? CHECK_FULL : i % 4 == 0 ? CHECK_SHORTER : CHECK_TRIP;
}

static void check_fp(double v, bool is_float, int level)
{
    char out[CF_FMT_DOUBLE_MAX + 1];
    size_t n = is_float ? cf_fmt_float(out, (float)v) : cf_fmt_double(out, v);
    assert_true(n <= CF_FMT_DOUBLE_MAX);
    out[n] = '\0';
    if (!json_number_ok(out, n) || !reads_back(out, v, is_float) ||
        (signbit(v) != 0) != (out[0] == '-')) {
        fprintf(stderr, "bad text %s for %a (%s)\n", out, v, is_float ? "float" : "double");
        fail();
    }
    if (v == 0.0) {
        return;
    }
    /* Layout: scientific exactly when the decimal exponent is outside
     * [-4, 16); integral fixed values end in ".0". */
    char d[48];
    int decpt;
    int nd = norm_digits(out, d, &decpt);
    bool sci = strchr(out, 'e') != NULL;
    if (sci != (decpt - 1 < -4 || decpt - 1 >= 16)) {
        fprintf(stderr, "bad layout %s for %a\n", out, v);
        fail();
    }
    if (!sci) {
        const char *pt = strchr(out, '.');
        assert_non_null(pt);
        if (decpt >= nd) {
            assert_string_equal(pt, ".0");
        }
    }
    double a = fabs(v);
    if (level == CHECK_FULL) {
        int want = ref_shortest(a, is_float, is_float ? 9 : 17);
        int g = g_shortest(a, is_float);
        if (nd != want || nd > g) {
            fprintf(stderr, "%s for %a: %d digits, shortest %d (%%g: %d)\n", out, v, nd, want, g);
            fail();
        }
    } else if (level == CHECK_SHORTER && nd > 1) {
        char text[48], nb[64];
        snprintf(text, sizeof text, "%.*e", nd - 2, a);
        bool shorter = reads_back(text, a, is_float) ||
                       (neighbour(text, +1, nb, sizeof nb) && reads_back(nb, a, is_float)) ||
                       (neighbour(text, -1, nb, sizeof nb) && reads_back(nb, a, is_float));
        if (shorter) {
            fprintf(stderr, "%s for %a is not shortest\n", out, v);
            fail();
        }
    }
}

/* out[0..n) is the text formatted for the `kind` value v: compare with want. */
static void expect_number_text(const char *kind, double v, char *out, size_t n, const char *want)
{
    out[n] = '\0';
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "%s %a: got %s want %s\n", kind, v, out, want);
        fail();
    }
}

static void expect_double(double v, const char *want)
{
    char out[CF_FMT_DOUBLE_MAX + 1];
    expect_number_text("double", v, out, cf_fmt_double(out, v), want);
}

static void expect_float(float v, const char *want)
{
    char out[CF_FMT_DOUBLE_MAX + 1];
    expect_number_text("float", (double)v, out, cf_fmt_float(out, v), want);
}

/* ---- integers ----------------------------------------------------------- */

static void check_i64(int64_t v)
{
    char out[CF_FMT_INT_MAX + 1], want[32];
    snprintf(want, sizeof want, "%" PRId64, v);
    assert_text(out, cf_fmt_i64(out, v), want);
}

static void check_u64(uint64_t v)
{
    char out[CF_FMT_INT_MAX + 1], want[32];
    snprintf(want, sizeof want, "%" PRIu64, v);
    assert_text(out, cf_fmt_u64(out, v), want);
}

static void test_integers(void **state)
{
    (void)state;
    char out[CF_FMT_INT_MAX + 1];
    size_t n = cf_fmt_i64(out, INT64_MIN);
    assert_int_equal(n, 20);
    assert_memory_equal(out, "-9223372036854775808", 20);
    n = cf_fmt_u64(out, UINT64_MAX);
    assert_memory_equal(out, "18446744073709551615", n);
    n = cf_fmt_i64(out, 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], '0');
    check_i64(INT64_MAX);
    check_i64(INT64_MIN + 1);
    uint64_t p = 1;
    for (int i = 0; i < 20; i++) {
        check_u64(p);
        check_u64(p - 1);
        check_u64(p + 1);
        check_i64((int64_t)p - 1);
        check_i64(-(int64_t)p);
        check_i64(1 - (int64_t)p);
        if (i < 19) {
            p *= 10;
        }
    }
    int iters = slow_run() ? 20000 : 1000000;
    for (int i = 0; i < iters; i++) {
        uint64_t r = rnd() >> (rnd() % 64);
        check_u64(r);
        check_i64((int64_t)r);
        check_i64(-(int64_t)(r >> 1));
    }
}

/* ---- doubles and floats --------------------------------------------------- */

static void test_double_exact(void **state)
{
    (void)state;
    /* Expected texts are Python's repr(float). */
    expect_double(0.0, "0.0");
    expect_double(-0.0, "-0.0");
    expect_double(1.0, "1.0");
    expect_double(-1.0, "-1.0");
    expect_double(100.0, "100.0");
    expect_double(1.5, "1.5");
    expect_double(0.1, "0.1");
    expect_double(0.1 + 0.2, "0.30000000000000004");
    expect_double(27123.45, "27123.45");
    expect_double(-27123.45, "-27123.45");
    expect_double(0.00123, "0.00123");
    expect_double(0.0001, "0.0001");
    expect_double(0.0001234, "0.0001234");
    expect_double(1e-5, "1e-05");
    expect_double(1.5e-5, "1.5e-05");
    expect_double(1e16, "1e+16");
    expect_double(1e15, "1000000000000000.0");
    expect_double(9007199254740992.0, "9007199254740992.0");
    expect_double(9007199254740993.0 + 2, "9007199254740994.0");
    expect_double(1234567890123456.7, "1234567890123456.8");
    expect_double(123456789012345678.0, "1.2345678901234568e+17");
    expect_double(1e22, "1e+22");
    expect_double(1e23, "1e+23");
    expect_double(1e100, "1e+100");
    expect_double(1e-100, "1e-100");
    expect_double(5e-324, "5e-324");
    expect_double(-5e-324, "-5e-324");
    expect_double(DBL_MAX, "1.7976931348623157e+308");
    expect_double(DBL_MIN, "2.2250738585072014e-308");
    expect_double(2.2250738585072009e-308, "2.225073858507201e-308"); /* largest subnormal */
    expect_double(1.0 / 3.0, "0.3333333333333333");
    expect_double(2.0 / 3.0, "0.6666666666666666");
    expect_double(123456.0, "123456.0");
    expect_double(0x1p-1022 * 3, "6.675221575521604e-308");
    expect_double(0x1p60, "1.152921504606847e+18");
    expect_double(0x1p-20, "9.5367431640625e-07");
    expect_double(4.35, "4.35");
    expect_double(0.3, "0.3");
    expect_double(2.675, "2.675");
    expect_double(1e21, "1e+21");
    expect_double(9999999999999998.0, "9999999999999998.0");
    expect_double(0.000123456789012345678, "0.00012345678901234567");
    expect_double(-1.2345678901234567e-308, "-1.2345678901234567e-308");
    /* Powers of two exercise the lopsided rounding interval. */
    expect_double(0x1p-1074, "5e-324");
    expect_double(0x1p1023, "8.98846567431158e+307");
    expect_double(0x1p-1022, "2.2250738585072014e-308");
    /* The longest output fits CF_FMT_DOUBLE_MAX. */
    char out[CF_FMT_DOUBLE_MAX];
    assert_true(cf_fmt_double(out, -2.2250738585072009e-308) <= CF_FMT_DOUBLE_MAX);
    assert_true(cf_fmt_double(out, -0.00012345678901234567) <= CF_FMT_DOUBLE_MAX);
}

static void test_float_exact(void **state)
{
    (void)state;
    expect_float(0.0f, "0.0");
    expect_float(-0.0f, "-0.0");
    expect_float(0.1f, "0.1");
    expect_float(1.0f, "1.0");
    expect_float(1.5f, "1.5");
    expect_float(-2.5f, "-2.5");
    expect_float(16777216.0f, "16777216.0");
    expect_float(16777215.0f, "16777215.0");
    expect_float(27123.45f, "27123.45");
    expect_float(0.00123f, "0.00123");
    expect_float(1e-5f, "1e-05");
    expect_float(3.4028235e38f, "3.4028235e+38");
    expect_float(1.17549435e-38f, "1.1754944e-38");
    expect_float(1e-45f, "1e-45");
    expect_float(1e10f, "10000000000.0");
    expect_float(3e10f, "30000000000.0");
    expect_float(1e16f, "1e+16");
    expect_float(1.0f / 3.0f, "0.33333334");
    expect_float(0.3f, "0.3");
    expect_float(123456.79f, "123456.79");
    expect_float(0x1p-149f, "1e-45");
    expect_float(0x1p100f, "1.2676506e+30");
    expect_float(4194304.5f, "4194304.5");
    expect_float(8388607.5f, "8388607.5");
}

/* 2^e for e from e_min to e_max in steps of stride, fully checked with the
 * value just below; the value just above is checked at up_level. */
static void check_powers_of_two(bool is_float, int e_min, int e_max, int stride, int up_level)
{
    for (int e = e_min; e <= e_max; e += stride) {
        double p = fp_pow2(is_float, e);
        check_fp(p, is_float, CHECK_FULL);
        if (e > e_min) {
            check_fp(fp_step(p, is_float, -1), is_float, CHECK_FULL);
        }
        check_fp(fp_step(p, is_float, 1), is_float, up_level);
    }
}

/* iters random bit patterns (one rnd() each; floats take its low 32 bits),
 * the finite ones checked, fully every full_every. */
static void check_random_bits(bool is_float, int iters, int full_every)
{
    for (int i = 0; i < iters; i++) {
        uint64_t bits = rnd();
        double v;
        if (is_float) {
            uint32_t bits32 = (uint32_t)bits;
            float f;
            memcpy(&f, &bits32, sizeof f);
            v = f;
        } else {
            memcpy(&v, &bits, sizeof v);
        }
        if (!isfinite(v)) {
            continue;
        }
        check_fp(v, is_float, level_for(i, full_every));
    }
}

/* Random bit patterns, special values and typical data round-trip and are
 * the shortest. */
static void test_double_random(void **state)
{
    (void)state;
    static const double specials[] = {
        DBL_MAX, DBL_MIN, DBL_TRUE_MIN, DBL_EPSILON, 1.0 + DBL_EPSILON, 1.0 - DBL_EPSILON / 2,
        0x1.fffffffffffffp-1023, 0x1p-1023, 1e-323, 9007199254740991.0, 9007199254740993.0,
        0x1p51, 0x1p51 - 0.5, 0x1p51 + 1, 0x1p52, 0x1p52 - 0.5, 0.5, 0.25, 0.125, 1e-4, 9.9999e-5,
        1e16 - 2, 1e16 + 2, 1e-7, 123e-20,
    };
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        check_fp(specials[i], false, CHECK_FULL);
        check_fp(-specials[i], false, CHECK_FULL);
    }
    check_fp(0.0, false, CHECK_FULL);
    check_fp(-0.0, false, CHECK_FULL);
    /* Every power of two (every 7th under valgrind), with its neighbours. */
    check_powers_of_two(false, -1074, 1023, slow_run() ? 7 : 1, CHECK_SHORTER);
    bool slow = slow_run();
    check_random_bits(false, slow ? 10000 : 500000, slow ? 50 : 100);
    /* Typical data: prices, ratios, integers. */
    int typ = slow ? 5000 : 300000;
    for (int i = 0; i < typ; i++) {
        int64_t m = (int64_t)(rnd() % 100000000000u) - 50000000000;
        int k = (int)(rnd() % 12);
        static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11};
        double v = (double)m / p10[k];
        check_fp(v, false, level_for(i, 50));
        /* Printed as the decimal it came from. */
        char out[CF_FMT_DOUBLE_MAX + 1], d1[48], d2[48], src[64];
        size_t n = cf_fmt_double(out, v);
        out[n] = '\0';
        snprintf(src, sizeof src, "%" PRId64 "e-%d", m, k);
        int e1, e2;
        if (m != 0) {
            norm_digits(out, d1, &e1);
            norm_digits(src, d2, &e2);
            if (strcmp(d1, d2) != 0 || e1 != e2) {
                fprintf(stderr, "%s printed as %s\n", src, out);
                fail();
            }
        }
    }
}

static void test_float_random(void **state)
{
    (void)state;
    static const float specials[] = {
        FLT_MAX, FLT_MIN, 0x1p-149f, FLT_EPSILON, 16777215.0f, 16777216.0f, 16777218.0f,
        8388607.5f, 0.1f, 0.2f, 0.3f, 1e-38f, 1e38f, 33554432.0f, 1e-7f,
    };
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        check_fp(specials[i], true, CHECK_FULL);
        check_fp(-specials[i], true, CHECK_FULL);
    }
    check_powers_of_two(true, -149, 127, 1, CHECK_FULL);
    bool slow = slow_run();
    check_random_bits(true, slow ? 10000 : 1000000, slow ? 20 : 50);
    /* Floats in the fast range (< 2^24), densely. */
    int dense = slow ? 5000 : 300000;
    for (int i = 0; i < dense; i++) {
        float v = (float)(rnd() % 100000000u) / (float)(1u << (rnd() % 24));
        check_fp(v, true, level_for(i, 20));
    }
}

/* ---- micro-benchmark (informational) ------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Run as `test_json_write --bench`; prints ns per call, asserts nothing. */
static void run_bench(void)
{
    static const double vals[] = {27123.45, 0.00123, 1.5, 42.0, 1700000000.0, 99.99, -3.25, 0.1};
    char out[64];
    size_t sink = 0;
    int reps = 2000000;
    for (int r = 0; r < reps; r++) { /* warm up (CPU frequency, caches) */
        volatile double v = vals[r & 7];
        sink += cf_fmt_double(out, v);
    }
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double t0 = now_ns();
        for (int r = 0; r < reps; r++) {
            volatile double v = vals[i];
            sink += cf_fmt_double(out, v);
        }
        printf("cf_fmt_double(%g): %.1f ns\n", vals[i], (now_ns() - t0) / reps);
    }
    {
        double t0 = now_ns();
        for (int r = 0; r < reps / 10; r++) {
            volatile double v = 0.1 + 0.2;
            sink += cf_fmt_double(out, v);
        }
        printf("cf_fmt_double(0.30000000000000004, slow path): %.1f ns\n", (now_ns() - t0) / (reps / 10));
    }
    static const float fvals[] = {27123.45f, 0.1f, 1.5f, 99.99f};
    for (size_t i = 0; i < sizeof fvals / sizeof fvals[0]; i++) {
        double t0 = now_ns();
        for (int r = 0; r < reps; r++) {
            volatile float v = fvals[i];
            sink += cf_fmt_float(out, v);
        }
        printf("cf_fmt_float(%g): %.1f ns\n", (double)fvals[i], (now_ns() - t0) / reps);
    }
    {
        double t0 = now_ns();
        for (int r = 0; r < reps; r++) {
            volatile int64_t v = 1704164645123 + r;
            sink += cf_fmt_i64(out, v);
        }
        printf("cf_fmt_i64(13 digits): %.1f ns\n", (now_ns() - t0) / reps);
        t0 = now_ns();
        for (int r = 0; r < reps; r++) {
            volatile int64_t v = 1704164645123 + r;
            sink += cf_fmt_timestamp(out, v, CF_UNIT_MILLIS, true);
        }
        printf("cf_fmt_timestamp: %.1f ns\n", (now_ns() - t0) / reps);
    }
    cf_buf b = new_buf();
    static const char s[] = "BTC-USD some ordinary ascii text";
    double t0 = now_ns();
    for (int r = 0; r < reps; r++) {
        b.len = 0;
        sink += (size_t)cf_json_string(&b, (const uint8_t *)s, sizeof s - 1, CF_UTF8_ERROR, NULL);
    }
    printf("cf_json_string(32 ASCII bytes): %.1f ns\n", (now_ns() - t0) / reps);
    cf_buf_free(&b);
    printf("(sink %zu)\n", sink);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        run_bench();
        return 0;
    }
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* run a subset, e.g. "test_float_exact" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_double_exact),
        cmocka_unit_test(test_float_exact),
        cmocka_unit_test(test_double_random),
        cmocka_unit_test(test_float_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
