/* Tests for the JSON output primitives (src/json_write_internal.h).
 *
 * Set CFAVRO_SLOW_RUN=1 (done automatically under valgrind) to shrink the
 * randomized loops. `test_json_write --bench` prints ns/call for typical
 * values instead of running the tests (informational; nothing asserts on
 * time).
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
#include "test_support.h"

/* ---- helpers ------------------------------------------------------------ */

static bool slow_run(void)
{
    const char *e = getenv("CFAVRO_SLOW_RUN");
    const char *pre = getenv("LD_PRELOAD");
    return (e != NULL && *e != '\0' && strcmp(e, "0") != 0) ||
           (pre != NULL && strstr(pre, "vgpreload") != NULL);
}

static uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t rnd(void) /* splitmix64: deterministic */
{
    uint64_t z = (g_rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

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

static cf_buf new_buf(void)
{
    cf_buf b = {NULL, 0, 0, (size_t)1 << 30};
    return b;
}

static void assert_buf(const cf_buf *b, const char *want, size_t want_len)
{
    if (b->len != want_len || (want_len > 0 && memcmp(b->data, want, want_len) != 0)) {
        fprintf(stderr, "got  [%.*s] (%zu)\nwant [%.*s] (%zu)\n", (int)b->len,
                b->data ? b->data : "", b->len, (int)want_len, want, want_len);
        fail();
    }
}

#define ASSERT_BUF(b, lit) assert_buf((b), (lit), sizeof(lit) - 1)

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

/* ---- buffer ------------------------------------------------------------- */

static void test_buf_growth(void **state)
{
    (void)state;
    alloc_hooks_on(0, -1);
    cf_buf b = new_buf();
    for (int i = 0; i < 1000000; i++) {
        assert_int_equal(cf_buf_putc(&b, (char)('a' + i % 26)), CFAVRO_OK);
    }
    assert_int_equal(b.len, 1000000);
    assert_true(b.cap >= b.len);
    assert_true(alloc_reallocs() <= 15); /* geometric: 256 * 2^13 > 1e6 */
    assert_int_equal(b.data[999999], 'a' + 999999 % 26);
    alloc_hooks_off();
    cf_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    cf_buf_free(&b); /* twice is harmless */
}

static void test_buf_limit(void **state)
{
    (void)state;
    alloc_hooks_on(0, -1);
    cf_buf b = {NULL, 0, 0, 10};
    assert_int_equal(cf_buf_put(&b, "0123456789", 10), CFAVRO_OK);
    assert_true(b.cap <= 10); /* never allocates past the limit */
    long before = alloc_reallocs();
    assert_int_equal(cf_buf_putc(&b, 'x'), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(alloc_reallocs(), before); /* no allocation attempted */
    assert_int_equal(b.len, 10);
    ASSERT_BUF(&b, "0123456789");
    assert_int_equal(cf_buf_grow(&b, SIZE_MAX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_buf_grow(&b, 0), CFAVRO_OK);
    cf_buf_free(&b);

    /* An unbounded limit still refuses sizes that would wrap size_t. */
    cf_buf u = {NULL, 0, 0, SIZE_MAX};
    assert_int_equal(cf_buf_putc(&u, 'a'), CFAVRO_OK);
    before = alloc_reallocs();
    assert_int_equal(cf_buf_grow(&u, SIZE_MAX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(alloc_reallocs(), before);
    cf_buf_free(&u);

    /* Limit 0: nothing can be written. */
    cf_buf z = {NULL, 0, 0, 0};
    assert_int_equal(cf_buf_putc(&z, 'a'), CFAVRO_E_LIMIT_OUTPUT);
    assert_null(z.data);
    alloc_hooks_off();
}

static void test_buf_nomem(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    assert_int_equal(cf_buf_put(&b, "abc", 3), CFAVRO_OK);
    char *data = b.data;
    size_t cap = b.cap;
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_buf_grow(&b, cap * 4), CFAVRO_E_NOMEM);
    /* The buffer is untouched and usable. */
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    ASSERT_BUF(&b, "abc");
    /* Every writer reports the failure. */
    uint8_t big[1024];
    memset(big, 'x', sizeof big);
    assert_int_equal(cf_json_string(&b, big, sizeof big, CF_UTF8_ERROR, NULL), CFAVRO_E_NOMEM);
    b.len = 3;
    assert_int_equal(cf_json_bytes(&b, big, sizeof big, CF_BYTES_HEX), CFAVRO_E_NOMEM);
    assert_int_equal(cf_json_bytes(&b, big, sizeof big, CF_BYTES_AVRO), CFAVRO_E_NOMEM);
    b.len = 3;
    alloc_hooks_off();
    assert_int_equal(cf_buf_put(&b, "def", 3), CFAVRO_OK);
    ASSERT_BUF(&b, "abcdef");
    cf_buf_free(&b);

    /* First allocation fails on an empty buffer. */
    cf_buf e = new_buf();
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_buf_putc(&e, 'a'), CFAVRO_E_NOMEM);
    assert_null(e.data);
    assert_int_equal(e.cap, 0);
    alloc_hooks_off();
    cf_buf_free(&e);
}

/* ---- integers ----------------------------------------------------------- */

/* out[0..n) (room for one more byte) must read want. */
static void assert_text(char *out, size_t n, const char *want)
{
    out[n] = '\0';
    assert_string_equal(out, want);
}

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

/* ---- strings ------------------------------------------------------------ */

static int json_str(cf_buf *b, const char *s, size_t n, cf_utf8_mode mode, size_t *bad)
{
    b->len = 0;
    return cf_json_string(b, (const uint8_t *)s, n, mode, bad);
}

#define STR_OK(b, in, want)                                                                 \
    do {                                                                                    \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_ERROR, NULL), CFAVRO_OK); \
        ASSERT_BUF((b), want);                                                              \
        assert_true(cf_utf8_valid((const uint8_t *)(in), sizeof(in) - 1, NULL));            \
    } while (0)

/* Invalid input: error mode fails at bad_at; replace mode gives want. */
#define STR_BAD(b, in, at, want)                                                            \
    do {                                                                                    \
        size_t bad_ = 12345;                                                                \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_ERROR, &bad_),         \
                         CFAVRO_E_DATA_UTF8);                                               \
        assert_int_equal(bad_, (at));                                                       \
        bad_ = 12345;                                                                       \
        assert_false(cf_utf8_valid((const uint8_t *)(in), sizeof(in) - 1, &bad_));          \
        assert_int_equal(bad_, (at));                                                       \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_REPLACE, NULL), CFAVRO_OK); \
        ASSERT_BUF((b), want);                                                              \
    } while (0)

#define R "\xEF\xBF\xBD" /* U+FFFD */

static void test_string_escapes(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    STR_OK(&b, "", "\"\"");
    STR_OK(&b, "hello", "\"hello\"");
    STR_OK(&b, "a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    STR_OK(&b, "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    STR_OK(&b, "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    assert_int_equal(json_str(&b, "a\0b", 3, CF_UTF8_ERROR, NULL), CFAVRO_OK);
    ASSERT_BUF(&b, "\"a\\u0000b\"");
    /* Every control character. */
    static const char *const esc[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };
    for (int c = 0; c < 32; c++) {
        char in = (char)c;
        char want[16];
        int wn = snprintf(want, sizeof want, "\"%s\"", esc[c]);
        assert_int_equal(json_str(&b, &in, 1, CF_UTF8_ERROR, NULL), CFAVRO_OK);
        assert_buf(&b, want, (size_t)wn);
    }
    /* Valid multi-byte sequences at the edges of each range pass as is. */
    STR_OK(&b, "\xC2\x80", "\"\xC2\x80\"");                 /* U+0080 */
    STR_OK(&b, "\xDF\xBF", "\"\xDF\xBF\"");                 /* U+07FF */
    STR_OK(&b, "\xE0\xA0\x80", "\"\xE0\xA0\x80\"");         /* U+0800 */
    STR_OK(&b, "\xED\x9F\xBF", "\"\xED\x9F\xBF\"");         /* U+D7FF */
    STR_OK(&b, "\xEE\x80\x80", "\"\xEE\x80\x80\"");         /* U+E000 */
    STR_OK(&b, "\xEF\xBF\xBF", "\"\xEF\xBF\xBF\"");         /* U+FFFF */
    STR_OK(&b, "\xF0\x90\x80\x80", "\"\xF0\x90\x80\x80\""); /* U+10000 */
    STR_OK(&b, "\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\""); /* U+10FFFF */
    STR_OK(&b, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n", "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\\n\"");
    cf_buf_free(&b);
}

static void test_string_invalid(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    /* Stray continuation bytes. */
    STR_BAD(&b, "a\x80z", 1, "\"a" R "z\"");
    STR_BAD(&b, "ab\xBF", 2, "\"ab" R "\"");
    STR_BAD(&b, "\x80\xBF", 0, "\"" R R "\"");
    /* Overlong forms: C0/C1 leads, E0 80..9F, F0 80..8F. */
    STR_BAD(&b, "\xC0\xAF", 0, "\"" R R "\"");
    STR_BAD(&b, "x\xC1\xBF", 1, "\"x" R R "\"");
    STR_BAD(&b, "\xE0\x80\xAF", 0, "\"" R R R "\"");
    STR_BAD(&b, "\xE0\x9F\xBF", 0, "\"" R R R "\"");
    STR_BAD(&b, "\xF0\x80\x80\xAF", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF0\x8F\xBF\xBF", 0, "\"" R R R R "\"");
    /* Surrogates D800..DFFF. */
    STR_BAD(&b, "\xED\xA0\x80", 0, "\"" R R R "\"");
    STR_BAD(&b, "ok\xED\xBF\xBF", 2, "\"ok" R R R "\"");
    /* Beyond U+10FFFF. */
    STR_BAD(&b, "\xF4\x90\x80\x80", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF5\x80\x80\x80", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF7\xBF\xBF\xBF", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF8\x88\x80\x80\x80", 0, "\"" R R R R R "\"");
    STR_BAD(&b, "\xFE\xFF", 0, "\"" R R "\"");
    /* Truncated sequences: one U+FFFD for the whole valid prefix. */
    STR_BAD(&b, "\xC3", 0, "\"" R "\"");
    STR_BAD(&b, "\xE2\x82", 0, "\"" R "\"");
    STR_BAD(&b, "a\xF0\x9F\x98", 1, "\"a" R "\"");
    STR_BAD(&b, "\xE2\x82z", 0, "\"" R "z\"");
    STR_BAD(&b, "\xF0\x9F\x98\"", 0, "\"" R "\\\"\"");
    /* Bad continuation: the bad byte starts over. */
    STR_BAD(&b, "\xC3\x28", 0, "\"" R "(\"");
    STR_BAD(&b, "\xE2\x28\xA1", 0, "\"" R "(" R "\"");
    STR_BAD(&b, "\xF0\x9F\xC3\xA9", 0, "\"" R "\xC3\xA9\"");
    /* The Unicode Standard's worked examples of maximal subparts. */
    STR_BAD(&b, "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", 1,
            "\"a" R R R "b" R "c" R R "d\"");
    STR_BAD(&b, "\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41", 0, "\"" R R R R R R R R "A\"");
    STR_BAD(&b, "\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41", 0, "\"" R R R R R R R R "A\"");
    STR_BAD(&b, "\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42", 0, "\"" R R R R R "A" R R "B\"");
    STR_BAD(&b, "\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", 0, "\"" R R R R "A\"");
    /* After a long ASCII run (word-at-a-time path). */
    STR_BAD(&b, "0123456789abcdefghij\xFF", 20, "\"0123456789abcdefghij" R "\"");
    /* NULL bad_at is allowed. */
    assert_int_equal(json_str(&b, "\xFF", 1, CF_UTF8_ERROR, NULL), CFAVRO_E_DATA_UTF8);
    assert_false(cf_utf8_valid((const uint8_t *)"\xFF", 1, NULL));
    assert_true(cf_utf8_valid((const uint8_t *)"", 0, NULL));
    cf_buf_free(&b);
}

/* Reference escaper and validator, written plainly byte by byte. */
static size_t ref_seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

static void test_string_random(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    cf_buf r = new_buf();
    static const uint8_t pool[] = {'a', 'b', ' ', '"', '\\', '\n', 0x00, 0x1f, 0x7f, 0xC3, 0xA9,
                                   0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0xFF, 'z'};
    uint8_t in[96];
    int iters = slow_run() ? 5000 : 200000;
    for (int it = 0; it < iters; it++) {
        size_t n = rnd() % sizeof in;
        unsigned mode = (unsigned)(rnd() % 3);
        for (size_t i = 0; i < n; i++) {
            /* Mostly plain ASCII so the word-at-a-time scan is exercised. */
            in[i] = (mode == 0 || rnd() % 8 != 0) ? (uint8_t)('A' + rnd() % 26)
                                                  : pool[rnd() % sizeof pool];
        }
        /* Reference result. */
        r.len = 0;
        size_t ref_bad = SIZE_MAX;
        assert_int_equal(cf_buf_putc(&r, '"'), CFAVRO_OK);
        for (size_t i = 0; i < n;) {
            size_t len = ref_seq_len(in + i, n - i);
            if (len == 0) {
                ref_bad = i;
                break;
            }
            uint8_t c = in[i];
            char tmp[8];
            if (c == '"' || c == '\\') {
                tmp[0] = '\\';
                tmp[1] = (char)c;
                assert_int_equal(cf_buf_put(&r, tmp, 2), CFAVRO_OK);
            } else if (c == '\n') {
                assert_int_equal(cf_buf_put(&r, "\\n", 2), CFAVRO_OK);
            } else if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                assert_int_equal(cf_buf_put(&r, tmp, 6), CFAVRO_OK);
            } else {
                assert_int_equal(cf_buf_put(&r, in + i, len), CFAVRO_OK);
            }
            i += len;
        }
        assert_int_equal(cf_buf_putc(&r, '"'), CFAVRO_OK);
        size_t bad = SIZE_MAX, vbad = SIZE_MAX;
        b.len = 0;
        int rc = cf_json_string(&b, in, n, CF_UTF8_ERROR, &bad);
        bool valid = cf_utf8_valid(in, n, &vbad);
        if (ref_bad == SIZE_MAX) {
            assert_int_equal(rc, CFAVRO_OK);
            assert_true(valid);
            assert_buf(&b, r.data, r.len);
        } else {
            assert_int_equal(rc, CFAVRO_E_DATA_UTF8);
            assert_false(valid);
            assert_int_equal(bad, ref_bad);
            assert_int_equal(vbad, ref_bad);
        }
        /* Replace mode always yields valid UTF-8 inside the quotes, and the
         * same text when the input was valid. */
        b.len = 0;
        assert_int_equal(cf_json_string(&b, in, n, CF_UTF8_REPLACE, NULL), CFAVRO_OK);
        assert_true(cf_utf8_valid((const uint8_t *)b.data, b.len, NULL));
        if (ref_bad == SIZE_MAX) {
            assert_buf(&b, r.data, r.len);
        }
    }
    cf_buf_free(&b);
    cf_buf_free(&r);
}

/* Output exactly at the limit works; one byte less fails cleanly. */
static void test_string_limit(void **state)
{
    (void)state;
    static const char in[] = "0123456789abcdef\n\x01\xC3\xA9xyz";
    static const char want[] = "\"0123456789abcdef\\n\\u0001\xC3\xA9xyz\"";
    size_t wl = sizeof want - 1;
    cf_buf b = {NULL, 0, 0, wl};
    assert_int_equal(cf_json_string(&b, (const uint8_t *)in, sizeof in - 1, CF_UTF8_ERROR, NULL), CFAVRO_OK);
    assert_buf(&b, want, wl);
    cf_buf_free(&b);
    for (size_t lim = 0; lim < wl; lim++) {
        cf_buf s = {NULL, 0, 0, lim};
        assert_int_equal(cf_json_string(&s, (const uint8_t *)in, sizeof in - 1, CF_UTF8_ERROR, NULL),
                         CFAVRO_E_LIMIT_OUTPUT);
        assert_true(s.len <= lim);
        cf_buf_free(&s);
    }
    /* Replacement characters count too. */
    cf_buf t = {NULL, 0, 0, 5};
    assert_int_equal(cf_json_string(&t, (const uint8_t *)"\xFF", 1, CF_UTF8_REPLACE, NULL), CFAVRO_OK);
    ASSERT_BUF(&t, "\"" R "\"");
    cf_buf_free(&t);
    /* (The limit is enforced when the buffer grows, so each case starts
     * from an empty buffer.) */
    t.limit = 4;
    assert_int_equal(cf_json_string(&t, (const uint8_t *)"\xFF", 1, CF_UTF8_REPLACE, NULL),
                     CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&t);
}

/* Expected JSON text for s[0..n) when it is valid UTF-8 (escapes only). */
static void ref_escape(cf_buf *r, const uint8_t *s, size_t n)
{
    r->len = 0;
    assert_int_equal(cf_buf_putc(r, '"'), CFAVRO_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char tmp[8];
        static const char short_esc[] = "btnvfr"; /* \b=8 .. \r=13, \v has none */
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            assert_int_equal(cf_buf_put(r, tmp, 2), CFAVRO_OK);
        } else if (c >= 8 && c <= 13 && c != 11) {
            tmp[0] = '\\';
            tmp[1] = short_esc[c - 8];
            assert_int_equal(cf_buf_put(r, tmp, 2), CFAVRO_OK);
        } else if (c < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            assert_int_equal(cf_buf_put(r, tmp, 6), CFAVRO_OK);
        } else {
            assert_int_equal(cf_buf_putc(r, (char)c), CFAVRO_OK);
        }
    }
    assert_int_equal(cf_buf_putc(r, '"'), CFAVRO_OK);
}

/* Every length up to past four 16-byte blocks, with one byte that needs
 * attention at every position: the block scan, its overlapping tail and
 * the short-string checks must all find it, and copy what precedes it. The
 * output goes after earlier text (which must survive) into a buffer whose
 * limit is the exact size, so a store past the end fails under ASan. */
static void test_string_positions(void **state)
{
    (void)state;
    static const uint8_t specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x00, 0x7f, 0x20, 0xC3, 0xFF};
    uint8_t in[80];
    cf_buf r = new_buf();
    for (size_t n = 0; n <= 70; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                if (pos == n && k > 0) {
                    break; /* pos == n: no special byte at all */
                }
                for (size_t i = 0; i < n; i++) {
                    in[i] = (uint8_t)('a' + i % 26);
                }
                size_t len = n;
                bool invalid = false;
                if (pos < n) {
                    in[pos] = specials[k];
                    if (specials[k] == 0xC3) { /* a valid 2-byte sequence: é */
                        memmove(in + pos + 2, in + pos + 1, n - pos - 1);
                        in[pos + 1] = 0xA9;
                        len = n + 1;
                    }
                    invalid = specials[k] == 0xFF;
                }
                cf_buf b = {NULL, 0, 0, 0};
                size_t vbad = SIZE_MAX;
                bool valid = cf_utf8_valid(in, len, &vbad);
                assert_true(valid == !invalid);
                if (invalid) {
                    assert_int_equal(vbad, pos);
                    b.limit = 3 + len + 2;
                    assert_int_equal(cf_buf_put(&b, "XYZ", 3), CFAVRO_OK);
                    size_t bad = SIZE_MAX;
                    assert_int_equal(cf_json_string(&b, in, len, CF_UTF8_ERROR, &bad),
                                     CFAVRO_E_DATA_UTF8);
                    assert_int_equal(bad, pos);
                    cf_buf_free(&b);
                    continue;
                }
                ref_escape(&r, in, len);
                b.limit = 3 + r.len;
                assert_int_equal(cf_buf_put(&b, "XYZ", 3), CFAVRO_OK);
                assert_int_equal(cf_json_string(&b, in, len, CF_UTF8_ERROR, NULL), CFAVRO_OK);
                assert_int_equal(b.len, 3 + r.len);
                assert_memory_equal(b.data, "XYZ", 3);
                assert_memory_equal(b.data + 3, r.data, r.len);
                cf_buf_free(&b);
            }
        }
    }
    cf_buf_free(&r);
    /* Non-ASCII at each position of a long ASCII string, and at the very
     * end, for the all-ASCII pre-check of cf_utf8_valid. */
    for (size_t n = 1; n <= 70; n++) {
        for (size_t pos = 0; pos < n; pos++) {
            memset(in, 'x', n);
            in[pos] = 0x80; /* a stray continuation byte */
            size_t bad = SIZE_MAX;
            assert_false(cf_utf8_valid(in, n, &bad));
            assert_int_equal(bad, pos);
            in[pos] = 0x7f;
            assert_true(cf_utf8_valid(in, n, NULL));
        }
    }
}

/* ---- bytes -------------------------------------------------------------- */

static void expect_bytes(const char *in, size_t n, cf_bytes_mode mode, const char *want)
{
    cf_buf b = new_buf();
    assert_int_equal(cf_json_bytes(&b, (const uint8_t *)in, n, mode), CFAVRO_OK);
    assert_buf(&b, want, strlen(want));
    cf_buf_free(&b);
}

static void test_bytes(void **state)
{
    (void)state;
    expect_bytes("", 0, CF_BYTES_AVRO, "\"\"");
    expect_bytes("\x00\x22\x5c\x7f\x80\xff" "a\n", 8, CF_BYTES_AVRO,
                 "\"\\u0000\\\"\\\\\x7f\xC2\x80\xC3\xBF" "a\\n\"");
    /* Every byte value: the result is valid UTF-8 and decodes to U+00xx. */
    uint8_t all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (uint8_t)i;
    }
    cf_buf b = new_buf();
    assert_int_equal(cf_json_bytes(&b, all, 256, CF_BYTES_AVRO), CFAVRO_OK);
    assert_true(cf_utf8_valid((const uint8_t *)b.data, b.len, NULL));
    /* 32 controls: \b \t \n \f \r as 2 bytes, 27 as 6; '"' and '\\' 2 each;
     * 94 other ASCII 1 each; 128 high bytes 2 each; plus quotes. */
    assert_int_equal(b.len, 5 * 2 + 27 * 6 + 2 * 2 + 94 + 128 * 2 + 2);
    /* The same into a buffer of exactly that size (no room for 8-byte
     * stores past the end: the careful copy), and one byte short. */
    for (size_t n = 0; n <= 256; n++) {
        cf_buf ref = new_buf();
        assert_int_equal(cf_json_bytes(&ref, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_OK);
        cf_buf x = {NULL, 0, 0, ref.len};
        assert_int_equal(cf_json_bytes(&x, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_OK);
        assert_buf(&x, ref.data, ref.len);
        cf_buf_free(&x);
        x.limit = ref.len - 1;
        assert_int_equal(cf_json_bytes(&x, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_E_LIMIT_OUTPUT);
        cf_buf_free(&x);
        cf_buf_free(&ref);
    }
    cf_buf_free(&b);

    /* RFC 4648 test vectors. */
    expect_bytes("", 0, CF_BYTES_BASE64, "\"\"");
    expect_bytes("f", 1, CF_BYTES_BASE64, "\"Zg==\"");
    expect_bytes("fo", 2, CF_BYTES_BASE64, "\"Zm8=\"");
    expect_bytes("foo", 3, CF_BYTES_BASE64, "\"Zm9v\"");
    expect_bytes("foob", 4, CF_BYTES_BASE64, "\"Zm9vYg==\"");
    expect_bytes("fooba", 5, CF_BYTES_BASE64, "\"Zm9vYmE=\"");
    expect_bytes("foobar", 6, CF_BYTES_BASE64, "\"Zm9vYmFy\"");
    expect_bytes("\xfb\xff\xbf", 3, CF_BYTES_BASE64, "\"+/+/\"");
    expect_bytes("\x00\x00", 2, CF_BYTES_BASE64, "\"AAA=\"");

    expect_bytes("", 0, CF_BYTES_HEX, "\"\"");
    expect_bytes("\x00\xab\xff\x10", 4, CF_BYTES_HEX, "\"00abff10\"");

    cf_buf e = new_buf();
    assert_int_equal(cf_json_bytes(&e, all, 3, (cf_bytes_mode)7), CFAVRO_E_ARGUMENT);
    /* Limits: exact fit, one short, and sizes that would wrap size_t. */
    e.limit = 10;
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"foobar", 6, CF_BYTES_BASE64), CFAVRO_OK);
    cf_buf_free(&e);
    e.limit = 9;
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"foobar", 6, CF_BYTES_BASE64), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"abcd", 4, CF_BYTES_HEX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, all, 200, CF_BYTES_AVRO), CFAVRO_E_LIMIT_OUTPUT);
    e.limit = SIZE_MAX;
    assert_int_equal(cf_json_bytes(&e, all, SIZE_MAX, CF_BYTES_HEX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, all, SIZE_MAX - 1, CF_BYTES_BASE64), CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&e);
}

/* ---- decimal ------------------------------------------------------------ */

static void expect_decimal(const uint8_t *s, size_t n, int32_t scale, bool quoted, const char *want)
{
    cf_buf b = new_buf();
    assert_int_equal(cf_json_decimal(&b, s, n, scale, quoted), CFAVRO_OK);
    assert_buf(&b, want, strlen(want));
    cf_buf_free(&b);
}

#define DEC(bytes, scale, quoted, want) \
    expect_decimal((const uint8_t *)(bytes), sizeof(bytes) - 1, (scale), (quoted), (want))

/* Two's complement big-endian bytes of +-10^k into out[0..n). */
static void pow10_bytes(uint8_t *out, size_t n, int k, bool neg)
{
    memset(out, 0, n);
    out[n - 1] = 1;
    for (int j = 0; j < k; j++) {
        unsigned carry = 0;
        for (size_t i = n; i-- > 0;) {
            unsigned v = out[i] * 10u + carry;
            out[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    if (neg) {
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned v = (uint8_t)~out[i] + carry;
            out[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
}

static void test_decimal(void **state)
{
    (void)state;
    expect_decimal(NULL, 0, 0, false, "0");
    expect_decimal(NULL, 0, 2, false, "0.00");
    expect_decimal(NULL, 0, 2, true, "\"0.00\"");
    DEC("\x00", 0, false, "0");
    DEC("\x00\x00\x00", 3, false, "0.000");
    DEC("\x30\x39", 2, false, "123.45");
    DEC("\x30\x39", 0, false, "12345");
    DEC("\x30\x39", 5, false, "0.12345");
    DEC("\x30\x39", 7, false, "0.0012345");
    DEC("\x7b", 5, false, "0.00123");
    DEC("\xff\x6a", 2, false, "-1.50");
    DEC("\xff\x6a", 2, true, "\"-1.50\"");
    DEC("\xff", 0, false, "-1");
    DEC("\xff", 3, false, "-0.001");
    DEC("\xff\xff\xff\xff\xff", 1, false, "-0.1");
    DEC("\x80", 0, false, "-128");
    DEC("\x00\x80", 0, false, "128");
    DEC("\xff\x7f", 0, false, "-129");
    DEC("\x7f", 1, false, "12.7");
    DEC("\x3b\x9a\xca\x00", 0, false, "1000000000");
    DEC("\x3b\x9a\xc9\xff", 0, false, "999999999");
    DEC("\xc4\x65\x36\x00", 9, false, "-1.000000000");
    DEC("\x80\x00\x00\x00\x00\x00\x00\x00", 0, false, "-9223372036854775808");
    DEC("\x7f\xff\xff\xff\xff\xff\xff\xff", 4, false, "922337203685477.5807");
    DEC("\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 0, false,
        "-170141183460469231731687303715884105728");
    DEC("\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 0, false,
        "170141183460469231731687303715884105727");
    uint8_t b32[32];
    memset(b32, 0xff, sizeof b32);
    b32[0] = 0x7f;
    expect_decimal(b32, 32, 0, false,
                   "57896044618658097711785492504343953926634992332820282019728792003956564819967");
    memset(b32, 0, sizeof b32);
    b32[0] = 0x80;
    expect_decimal(b32, 32, 10, true,
                   "\"-5789604461865809771178549250434395392663499233282028201972879200395.6564819968\"");

    /* Long values (heap scratch), including redundant sign bytes. */
    static uint8_t big[2000];
    char want[1200];
    for (int k = 0; k <= 1000; k += 37) {
        pow10_bytes(big, sizeof big, k, false);
        want[0] = '1';
        memset(want + 1, '0', (size_t)k);
        want[k + 1] = '\0';
        expect_decimal(big, sizeof big, 0, false, want);
        pow10_bytes(big, sizeof big, k, true);
        want[0] = '-';
        want[1] = '1';
        memset(want + 2, '0', (size_t)k);
        want[k + 2] = '\0';
        expect_decimal(big, sizeof big, 0, false, want);
        /* Scale equal to the digit count puts it all after the point. */
        memmove(want + 3, want + 1, (size_t)k + 2);
        memcpy(want, "-0.", 3);
        expect_decimal(big, sizeof big, k + 1, false, want);
    }
    /* Random values up to 8 bytes cross-checked against int64. */
    int iters = slow_run() ? 2000 : 100000;
    for (int i = 0; i < iters; i++) {
        int64_t v = (int64_t)rnd() >> (rnd() % 64);
        size_t n = 1 + rnd() % 8;
        uint8_t be[8];
        for (size_t j = 0; j < 8; j++) {
            be[j] = (uint8_t)((uint64_t)v >> (56 - 8 * j));
        }
        /* Only use n bytes when v fits in them. */
        int64_t lo = n == 8 ? INT64_MIN : -((int64_t)1 << (8 * n - 1));
        int64_t hi = n == 8 ? INT64_MAX : ((int64_t)1 << (8 * n - 1)) - 1;
        if (v < lo || v > hi) {
            n = 8;
        }
        char w[32];
        snprintf(w, sizeof w, "%" PRId64, v);
        expect_decimal(be + (8 - n), n, 0, false, w);
    }

    cf_buf b = new_buf();
    assert_int_equal(cf_json_decimal(&b, (const uint8_t *)"\x01", 1, -1, false), CFAVRO_E_ARGUMENT);
    /* More than 1024 significant bytes is refused, with nothing written... */
    memset(big, 0, sizeof big);
    big[sizeof big - 1025] = 1;
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CFAVRO_E_LIMIT);
    assert_int_equal(b.len, 0);
    /* ...but 1024 are fine. */
    big[sizeof big - 1025] = 0;
    big[sizeof big - 1024] = 0x7f;
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CFAVRO_OK);
    assert_int_equal(b.len, 2466); /* digits of 0x7f * 256^1023 */
    /* Scratch allocation failure. */
    b.len = 0;
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CFAVRO_E_NOMEM);
    alloc_hooks_off();
    cf_buf_free(&b);
    /* Output limit, exact and one short, with and without scratch. */
    cf_buf l = {NULL, 0, 0, 8};
    assert_int_equal(cf_json_decimal(&l, (const uint8_t *)"\xff\x6a", 2, 2, true), CFAVRO_OK);
    assert_buf(&l, "\"-1.50\"", 7);
    cf_buf_free(&l);
    l.limit = 6;
    assert_int_equal(cf_json_decimal(&l, (const uint8_t *)"\xff\x6a", 2, 2, true), CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&l);
    l.limit = 100;
    alloc_hooks_on(0, -1);
    pow10_bytes(big, 100, 200, false);
    assert_int_equal(cf_json_decimal(&l, big, 100, 0, false), CFAVRO_E_LIMIT_OUTPUT);
    alloc_hooks_off();
    cf_buf_free(&l);
}

/* ---- dates and times ---------------------------------------------------- */

/* out[0..n) is a date/time text: within CF_FMT_TIME_MAX and equal to want. */
static void assert_time_text(char *out, size_t n, const char *want)
{
    assert_true(n <= CF_FMT_TIME_MAX);
    assert_text(out, n, want);
}

static void expect_date(int64_t days, const char *want)
{
    char out[CF_FMT_TIME_MAX + 1];
    assert_time_text(out, cf_fmt_date(out, days), want);
}

static void expect_ts(int64_t v, cf_time_unit unit, bool utc, const char *want)
{
    char out[CF_FMT_TIME_MAX + 1];
    assert_time_text(out, cf_fmt_timestamp(out, v, unit, utc), want);
}

static void expect_tod(int64_t v, cf_time_unit unit, const char *want)
{
    char out[CF_FMT_TIME_MAX + 1];
    assert_time_text(out, cf_fmt_time_of_day(out, v, unit), want);
}

static void test_date(void **state)
{
    (void)state;
    expect_date(0, "1970-01-01");
    expect_date(-1, "1969-12-31");
    expect_date(59, "1970-03-01");
    expect_date(11016, "2000-02-29");
    expect_date(11017, "2000-03-01");
    expect_date(19782, "2024-02-29");
    expect_date(47540, "2100-02-28");
    expect_date(47541, "2100-03-01"); /* 2100 is not a leap year */
    expect_date(-25508, "1900-03-01");
    expect_date(-25509, "1900-02-28"); /* 1900 is not a leap year */
    expect_date(-678575, "0112-02-16");
    expect_date(-719528, "0000-01-01");
    expect_date(-719469, "0000-02-29"); /* year 0 is a leap year */
    expect_date(-719529, "-0001-12-31");
    expect_date(2932896, "9999-12-31");
    expect_date(2932897, "+10000-01-01");
    expect_date(INT32_MIN, "-5877641-06-23");
    expect_date(INT32_MAX, "+5881580-07-11");
    expect_date(INT64_MIN, "-25252734927764585-06-07");
    expect_date(INT64_MIN + 1, "-25252734927764585-06-08");
    expect_date(INT64_MAX, "+25252734927768524-07-27");

    /* Day by day against a naive calendar from -4800 to +10400. */
    int64_t y = -4800;
    unsigned m = 1, d = 1;
    /* Days from 1970-01-01 back to -4800-01-01, counted by whole years. */
    int64_t days = 0;
    for (int64_t yy = -4800; yy < 1970; yy++) {
        bool leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
        days -= leap ? 366 : 365;
    }
    static const unsigned mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool slow = slow_run();
    for (; y <= 10400; days++) {
        /* Every day near the year-0 and year-10000 boundaries and around
         * the Unix epoch; elsewhere a sample plus every leap-day edge. */
        bool window = (y >= -2 && y <= 2) || (y >= 9998 && y <= 10001) || (y >= 1968 && y <= 1972);
        bool edge = (m == 2 && d >= 28) || (m == 3 && d == 1) || (m == 1 && d == 1);
        if (edge || (!slow && (window || days % 13 == 0))) {
            char want[32];
            uint64_t ay = y < 0 ? (uint64_t)-y : (uint64_t)y;
            snprintf(want, sizeof want, "%s%04" PRIu64 "-%02u-%02u", y < 0 ? "-" : y > 9999 ? "+" : "",
                     ay, m, d);
            expect_date(days, want);
        }
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        unsigned len = mlen[m - 1] + (m == 2 && leap);
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}

static void test_time_of_day(void **state)
{
    (void)state;
    expect_tod(0, CF_UNIT_MILLIS, "00:00:00.000");
    expect_tod(45930123, CF_UNIT_MILLIS, "12:45:30.123");
    expect_tod(86399999, CF_UNIT_MILLIS, "23:59:59.999");
    expect_tod(86400000, CF_UNIT_MILLIS, "24:00:00.000");
    expect_tod(0, CF_UNIT_MICROS, "00:00:00.000000");
    expect_tod(45930123456, CF_UNIT_MICROS, "12:45:30.123456");
    expect_tod(86399999999, CF_UNIT_MICROS, "23:59:59.999999");
    expect_tod(1, CF_UNIT_MICROS, "00:00:00.000001");
    expect_tod(-1, CF_UNIT_MILLIS, "-00:00:00.001");
    expect_tod(-1, CF_UNIT_MICROS, "-00:00:00.000001");
    expect_tod(360000000, CF_UNIT_MILLIS, "100:00:00.000");
    expect_tod(INT64_MIN, CF_UNIT_MILLIS, "-2562047788015:12:55.808");
    expect_tod(INT64_MAX, CF_UNIT_MILLIS, "2562047788015:12:55.807");
    expect_tod(INT64_MIN, CF_UNIT_MICROS, "-2562047788:00:54.775808");
    expect_tod(INT64_MAX, CF_UNIT_MICROS, "2562047788:00:54.775807");
}

static void test_timestamp(void **state)
{
    (void)state;
    expect_ts(0, CF_UNIT_MILLIS, true, "1970-01-01T00:00:00.000Z");
    expect_ts(1704164645123, CF_UNIT_MILLIS, true, "2024-01-02T03:04:05.123Z");
    expect_ts(1704164645123, CF_UNIT_MILLIS, false, "2024-01-02T03:04:05.123");
    expect_ts(1704164645123456, CF_UNIT_MICROS, true, "2024-01-02T03:04:05.123456Z");
    expect_ts(1704164645123456, CF_UNIT_MICROS, false, "2024-01-02T03:04:05.123456");
    expect_ts(-1, CF_UNIT_MILLIS, true, "1969-12-31T23:59:59.999Z");
    expect_ts(-1, CF_UNIT_MICROS, true, "1969-12-31T23:59:59.999999Z");
    expect_ts(-86400000, CF_UNIT_MILLIS, true, "1969-12-31T00:00:00.000Z");
    expect_ts(-86400001, CF_UNIT_MILLIS, true, "1969-12-30T23:59:59.999Z");
    expect_ts(951782400000, CF_UNIT_MILLIS, true, "2000-02-29T00:00:00.000Z");
    expect_ts(253402300800000, CF_UNIT_MILLIS, true, "+10000-01-01T00:00:00.000Z");
    expect_ts(-62167219200001, CF_UNIT_MILLIS, true, "-0001-12-31T23:59:59.999Z");
    expect_ts(INT64_MIN, CF_UNIT_MILLIS, true, "-292275055-05-16T16:47:04.192Z");
    expect_ts(INT64_MAX, CF_UNIT_MILLIS, true, "+292278994-08-17T07:12:55.807Z");
    expect_ts(INT64_MIN, CF_UNIT_MICROS, true, "-290308-12-21T19:59:05.224192Z");
    expect_ts(INT64_MAX, CF_UNIT_MICROS, false, "+294247-01-10T04:00:54.775807");

    /* Cross-check with gmtime_r over +-100000 years. */
    int iters = slow_run() ? 5000 : 300000;
    for (int i = 0; i < iters; i++) {
        bool micros = rnd() & 1;
        int64_t span = INT64_C(3155695200000) * 1000; /* 100000 years in ms */
        int64_t v = (int64_t)(rnd() % (uint64_t)(2 * span)) - span;
        if (i % 4 == 0) {
            v = (int64_t)(rnd() % INT64_C(200000000000)) - INT64_C(100000000000); /* near 1970 */
        }
        int64_t per = micros ? 1000000 : 1000;
        if (micros && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)) {
            continue;
        }
        if (micros) {
            v = v * 1000 + (int64_t)(rnd() % 1000);
        }
        int64_t secs = v / per, frac = v % per;
        if (frac < 0) {
            frac += per;
            secs--;
        }
        time_t t = (time_t)secs;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        int64_t y = (int64_t)tm.tm_year + 1900;
        uint64_t ay = y < 0 ? (uint64_t)-y : (uint64_t)y;
        char want[64];
        snprintf(want, sizeof want, "%s%04" PRIu64 "-%02d-%02dT%02d:%02d:%02d.%0*" PRId64 "Z",
                 y < 0 ? "-" : y > 9999 ? "+" : "", ay, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, micros ? 6 : 3, frac);
        expect_ts(v, micros ? CF_UNIT_MICROS : CF_UNIT_MILLIS, true, want);
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
        cmocka_set_test_filter(argv[1]); /* run a subset, e.g. "test_date" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_buf_nomem),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_double_exact),
        cmocka_unit_test(test_float_exact),
        cmocka_unit_test(test_double_random),
        cmocka_unit_test(test_float_random),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_invalid),
        cmocka_unit_test(test_string_random),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_string_positions),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_time_of_day),
        cmocka_unit_test(test_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
