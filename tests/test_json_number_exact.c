/* The exact shortest-digits path of src/json/json_number.c (snprintf and
 * strtod trials), which cf_fmt_double / cf_fmt_float fall back on when the
 * fast digit generation cannot decide a case. The fast path never takes it,
 * so it is run here directly (json_number_exact_internal.h) and must give
 * byte for byte the fast path's text, which must read back (strtod/strtof)
 * as the value: on known hard cases (every power of two and its
 * neighbours, the ends of the normal and subnormal ranges, exact decimal
 * ties, values whose shortest form needs the upper candidate of a lopsided
 * interval) and on random bit patterns and typical data.
 *
 * CFAVRO_SLOW_RUN=1 (automatic under valgrind) shrinks the random loops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_number_exact_internal.h"
#include "json_write_internal.h"
#include "test_json_support.h"

/* The two formats, described once: a value travels as a double (a float
 * converts exactly), its bits as the format's own (a float's in the low 32). */
typedef struct fp_format {
    const char *name;
    unsigned sign_bit;  /* 63 or 31 */
    unsigned exp_shift; /* 52 or 23 */
    uint64_t exp_mask;  /* 0x7FF or 0xFF */
    bool is_float;
    int pow2_min, pow2_max;   /* exponents of the smallest and largest powers of two */
    int pow10_min, pow10_max; /* of the smallest and largest powers of ten in range */
    int quarter_exp; /* [2^q, 2^(q+1)) is spaced 1/4 apart: x.25, x.75 are exact ties */
} fp_format;

static const fp_format k_double = {"double", 63, 52, 0x7FF, false, -1074, 1023, -323, 308, 50};
static const fp_format k_float = {"float", 31, 23, 0xFF, true, -149, 127, -45, 38, 21};

static double value_of(const fp_format *f, uint64_t u)
{
    if (f->is_float) {
        uint32_t u32 = (uint32_t)u;
        float v;
        memcpy(&v, &u32, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static uint64_t bits_of(const fp_format *f, double v)
{
    if (f->is_float) {
        float v32 = (float)v;
        uint32_t u32;
        memcpy(&u32, &v32, sizeof u32);
        return u32;
    }
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static bool finite_bits(const fp_format *f, uint64_t u)
{
    return (u >> f->exp_shift & f->exp_mask) != f->exp_mask;
}

/* 2^e, for e from the smallest subnormal's exponent to the largest. */
static double pow2(const fp_format *f, int e)
{
    int bias = (int)(f->exp_mask >> 1);
    int min_normal = 1 - bias;
    return e < min_normal ? value_of(f, UINT64_C(1) << (e - min_normal + (int)f->exp_shift))
                          : value_of(f, (uint64_t)(e + bias) << f->exp_shift);
}

static int g_checked; /* values compared, so each test can assert it ran */

/* The exact path's text for v equals the fast path's and reads back as v. */
static void check_value(const fp_format *f, double v)
{
    if (f->is_float) {
        /* A float constant may carry double precision in a double (C11
         * 6.4.4.2: s390x GCC has FLT_EVAL_METHOD 1 under -std=c11, so
         * {0.1f} in a double table holds 0.1): the cast rounds it. */
        v = (double)(float)v;
    }
    char fast[CF_FMT_DOUBLE_MAX + 1], exact[CF_FMT_DOUBLE_MAX + 1];
    size_t nf = f->is_float ? cf_fmt_float(fast, (float)v) : cf_fmt_double(fast, v);
    size_t ne = f->is_float ? cf_fmt_float_exact(exact, (float)v) : cf_fmt_double_exact(exact, v);
    assert_true(nf <= CF_FMT_DOUBLE_MAX && ne <= CF_FMT_DOUBLE_MAX);
    fast[nf] = '\0';
    exact[ne] = '\0';
    double back = f->is_float ? (double)strtof(exact, NULL) : strtod(exact, NULL);
    uint64_t bits = bits_of(f, v);
    if (strcmp(fast, exact) != 0 || back != v ||
        (bits >> f->sign_bit != 0) != (exact[0] == '-')) {
        fail_msg("%s %a (bits %llx): exact path \"%s\", fast path \"%s\"", f->name, v,
                 (unsigned long long)bits, exact, fast);
    }
    g_checked++;
}

/* v, -v and the finite values one step either side of both. */
static void check_around(const fp_format *f, double v)
{
    uint64_t sign = UINT64_C(1) << f->sign_bit;
    uint64_t u = bits_of(f, v) & ~sign;
    for (int neg = 0; neg < 2; neg++) {
        for (int d = -1; d <= 1; d++) {
            if ((u == 0 && d < 0) || !finite_bits(f, u + (uint64_t)d)) {
                continue;
            }
            check_value(f, value_of(f, (neg ? sign : 0) | (u + (uint64_t)d)));
        }
    }
}

/* Random bit patterns (the finite ones), then typical data: decimals with
 * few digits, as prices and ratios are. */
static void check_random(const fp_format *f, int iters)
{
    for (int i = 0; i < iters; i++) {
        uint64_t u = rnd();
        if (f->is_float) {
            u &= 0xFFFFFFFFu;
        }
        if (finite_bits(f, u)) {
            check_value(f, value_of(f, u));
        }
    }
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11};
    for (int i = 0; i < iters / 2; i++) {
        int64_t m = (int64_t)(rnd() % 100000000000u) - 50000000000;
        double v = (double)m / p10[rnd() % 12];
        check_value(f, v);
    }
}

/* ---- hard cases ------------------------------------------------------------ */

typedef struct known_text {
    double v; /* for the float format, a float constant (see check_value) */
    const char *text;
} known_text;

/* The exact path prints each value as given; the fast path agrees. */
static void check_known(const fp_format *f, const known_text *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[CF_FMT_DOUBLE_MAX + 1];
        size_t len = f->is_float ? cf_fmt_float_exact(out, (float)k[i].v)
                                 : cf_fmt_double_exact(out, k[i].v);
        assert_text(out, len, k[i].text);
        check_value(f, k[i].v);
    }
}

/* Each listed value and its neighbours, then sweeps over the format: every
 * power of two (the lopsided intervals), every power of ten, and exact
 * ties: x.25 and x.75 where the spacing is 1/4 (both one-decimal
 * candidates read back), odd eighths where it is 1/8 (a shorter candidate
 * than the tie reads back). */
static void check_hard(const fp_format *f, const double *hard, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check_around(f, hard[i]);
    }
    for (int e = f->pow2_min; e <= f->pow2_max; e++) {
        check_around(f, pow2(f, e));
    }
    for (int k = f->pow10_min; k <= f->pow10_max; k++) {
        char text[16];
        snprintf(text, sizeof text, "1e%d", k);
        check_around(f, f->is_float ? (double)strtof(text, NULL) : strtod(text, NULL));
    }
    uint64_t span = UINT64_C(1) << f->quarter_exp;
    for (int i = 0; i < 200; i++) {
        check_around(f, (double)(span + rnd() % span) + (i & 1 ? 0.75 : 0.25));
        check_around(f, (double)(span / 2 + rnd() % (span / 2)) + 0.125 * (2 * (i % 4) + 1));
    }
    int sweeps = 6 * (f->pow2_max - f->pow2_min + 1);
    assert_true(g_checked > sweeps);
}

static void test_double_hard_cases(void **state)
{
    (void)state;
    g_checked = 0;
    static const known_text known[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {5e-324, "5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {2.2250738585072009e-308, "2.225073858507201e-308"},
        {1e23, "1e+23"},
        {0x1p1023, "8.98846567431158e+307"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1e-5, "1e-05"},
        {9007199254740992.0, "9007199254740992.0"},
        /* Exact ties between two shortest candidates go to the even one
         * (x.25 and x.75 in [2^50, 2^51), where the spacing is 1/4). */
        {1125899906842624.25, "1125899906842624.2"},
        {1125899906842624.75, "1125899906842624.8"},
        {2251799813685247.75, "2251799813685247.8"},
    };
    check_known(&k_double, known, sizeof known / sizeof known[0]);
    /* Ends of the ranges, the subnormal boundary, integers near 2^53, and
     * values whose digits are hard to place (long runs of 0 or 9 after
     * the shortest prefix, decimal-exact midpoints). */
    static const double hard[] = {
        DBL_TRUE_MIN, 2 * DBL_TRUE_MIN, 3 * DBL_TRUE_MIN, DBL_MIN, DBL_MAX, DBL_EPSILON,
        0x1.fffffffffffffp-1023, 9007199254740991.0, 9007199254740993.0, 0x1p52 + 0.5,
        1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 8.41e21, 5.0e-324, 4.9406564584124654e-324,
        9.9999999999999995e22, 2.4703282292062328e-324, 1.7976931348623157e308,
        2.2250738585072011e-308, 2.2250738585072012e-308, 1.00000000000000011102,
        0.5, 2.5, 0.125, 1.5e-5, 123e-20, 0.3, 2.675, 4.35, 1e-7, 9.5367431640625e-07,
        6.6749420e-308, 1.2345678901234567e-308, 4.940656458412465e-324, 1.9156918820264798e-56,
        6.6564021122018745e+264, 4.91e-6, 5.547e-6, 5e-324 * 6, 2.98023223876953125e-8,
        5.764607523034235e39, 1.152921504606847e40, 2.305843009213694e40,
    };
    check_hard(&k_double, hard, sizeof hard / sizeof hard[0]);
}

static void test_float_hard_cases(void **state)
{
    (void)state;
    g_checked = 0;
    static const known_text known[] = {
        {0.0f, "0.0"},
        {-0.0f, "-0.0"},
        {0.1f, "0.1"},
        {1.0f / 3.0f, "0.33333334"},
        {3.4028235e38f, "3.4028235e+38"},
        {1.17549435e-38f, "1.1754944e-38"},
        {1e-45f, "1e-45"},
        {16777216.0f, "16777216.0"},
        {0x1p100f, "1.2676506e+30"},
        {8388607.5f, "8388607.5"},
        /* Exact ties go to the lower candidate for floats (x.25 and x.75 in
         * [2^21, 2^22)); printf alone would give "4194303.8". */
        {4194303.75f, "4194303.7"},
        {4194301.75f, "4194301.7"},
        {2097152.25f, "2097152.2"},
    };
    check_known(&k_float, known, sizeof known / sizeof known[0]);
    static const double hard[] = {
        FLT_TRUE_MIN, FLT_MIN, FLT_MAX, FLT_EPSILON, 16777215.0f, 16777217.0f, 33554432.0f,
        7.038531e-26f, 1e-38f, 1e38f, 0.3f, 1e-7f, 3e10f, 1e10f, 4194304.5f, 2.8411367e-29f,
        6.7108864e7f, 9.8e-45f, 1.4e-44f,
    };
    check_hard(&k_float, hard, sizeof hard / sizeof hard[0]);
}

/* ---- random values ----------------------------------------------------------- */

static void test_double_random(void **state)
{
    (void)state;
    g_checked = 0;
    int iters = slow_run() ? 2000 : 40000;
    check_random(&k_double, iters);
    assert_true(g_checked > iters);
}

static void test_float_random(void **state)
{
    (void)state;
    g_checked = 0;
    int iters = slow_run() ? 2000 : 40000;
    check_random(&k_float, iters);
    assert_true(g_checked > iters);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_hard_cases),
        cmocka_unit_test(test_float_hard_cases),
        cmocka_unit_test(test_double_random),
        cmocka_unit_test(test_float_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
