/* Tests for the JSON writers of Avro logical types (src/json_logical.c
 * through src/json_write_internal.h): decimals of any size, dates, times of
 * day and timestamps, cross-checked against int64 printing, a naive
 * calendar and gmtime_r.
 *
 * Set CFAVRO_SLOW_RUN=1 (done automatically under valgrind) to shrink the
 * randomized loops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_write_internal.h"
#include "mul64_internal.h"
#include "test_json_support.h"
#include "test_support.h"

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

/* Independent reference for cf_json_decimal: the magnitude as base-256
 * digits, divided by 10 one decimal digit at a time (no limbs, no chunks,
 * no sign-byte stripping), then sign, scale and quotes laid out by hand.
 * Slow, obviously right, and heap-allocated: the caller frees it. */
static char *ref_decimal(const uint8_t *s, size_t n, int32_t scale, bool quoted)
{
    bool neg = n > 0 && s[0] >= 0x80;
    uint8_t *mag = malloc(n + 1);
    assert_non_null(mag);
    memcpy(mag, s, n);
    if (neg) { /* two's complement: invert and add one */
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned v = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    size_t cap = 3 * n + (size_t)scale + 8;
    char *rev = malloc(cap); /* digits, least significant first */
    char *out = malloc(cap);
    assert_non_null(rev);
    assert_non_null(out);
    size_t nd = 0;
    for (size_t start = 0;;) {
        while (start < n && mag[start] == 0) {
            start++;
        }
        if (start == n) {
            break;
        }
        unsigned rem = 0;
        for (size_t i = start; i < n; i++) {
            unsigned cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        rev[nd++] = (char)('0' + rem);
    }
    if (nd == 0) {
        rev[nd++] = '0';
    }
    while (nd <= (size_t)scale) { /* at least one digit before the point */
        rev[nd++] = '0';
    }
    size_t k = 0;
    if (quoted) {
        out[k++] = '"';
    }
    if (neg) {
        out[k++] = '-';
    }
    for (size_t i = nd; i-- > 0;) {
        out[k++] = rev[i];
        if (i == (size_t)scale && scale > 0) {
            out[k++] = '.';
        }
    }
    if (quoted) {
        out[k++] = '"';
    }
    out[k] = '\0';
    free(rev);
    free(mag);
    return out;
}

/* +-10^k with 1000 redundant sign bytes before it, at scale 0 and with
 * every digit after the point. */
static void check_pow10(int k)
{
    static uint8_t big[CF_JSON_DECIMAL_MAX_BYTES + 1000];
    static char want[3 * CF_JSON_DECIMAL_MAX_BYTES];
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

    /* Long values, including redundant sign bytes: powers of ten (steps of
     * 37, and the largest) that fit in CF_JSON_DECIMAL_MAX_BYTES. */
    int kmax = (int)((8 * CF_JSON_DECIMAL_MAX_BYTES - 1) * 0.30102999566398 - 1e-9);
    for (int k = 0; k <= kmax + 36; k += 37) {
        check_pow10(k < kmax ? k : kmax);
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

    static uint8_t big[CF_JSON_DECIMAL_MAX_BYTES + 1000];
    cf_buf b = new_buf();
    assert_int_equal(cf_json_decimal(&b, (const uint8_t *)"\x01", 1, -1, false), CFAVRO_E_ARGUMENT);
    /* More than CF_JSON_DECIMAL_MAX_BYTES significant bytes is refused, with
     * nothing written... */
    const size_t max = CF_JSON_DECIMAL_MAX_BYTES;
    memset(big, 0, sizeof big);
    big[sizeof big - max - 1] = 1;
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CF_JSON_DECIMAL_TOO_LONG);
    assert_int_equal(b.len, 0);
    memset(big, 0xff, sizeof big);
    big[sizeof big - max - 1] = 0x80; /* negative, one byte too long */
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CF_JSON_DECIMAL_TOO_LONG);
    assert_int_equal(b.len, 0);
    /* ...but CF_JSON_DECIMAL_MAX_BYTES are fine, the most negative too. */
    memset(big, 0, sizeof big);
    big[sizeof big - max] = 0x7f;
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CFAVRO_OK);
    char *ref = ref_decimal(big + sizeof big - max, max, 0, false);
    assert_buf(&b, ref, strlen(ref)); /* the digits of 0x7f * 256^(max - 1) */
    free(ref);
    memset(big, 0xff, sizeof big);
    memset(big + sizeof big - max, 0, max);
    big[sizeof big - max] = 0x80;
    b.len = 0;
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 3, true), CFAVRO_OK);
    ref = ref_decimal(big + sizeof big - max, max, 3, true);
    assert_buf(&b, ref, strlen(ref)); /* -2^(8 max - 1) */
    free(ref);
    /* No scratch is allocated, whatever the size: with the buffer warm,
     * failing every allocation changes nothing. */
    b.len = 0;
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 3, true), CFAVRO_OK);
    assert_int_equal(alloc_calls(), 0);
    alloc_hooks_off();
    cf_buf_free(&b);
    /* Output limit, exact and one short. */
    cf_buf l = {NULL, 0, 0, 8};
    assert_int_equal(cf_json_decimal(&l, (const uint8_t *)"\xff\x6a", 2, 2, true), CFAVRO_OK);
    assert_buf(&l, "\"-1.50\"", 7);
    cf_buf_free(&l);
    l.limit = 6;
    assert_int_equal(cf_json_decimal(&l, (const uint8_t *)"\xff\x6a", 2, 2, true), CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&l);
    l.limit = 100;
    pow10_bytes(big, 100, 200, false);
    assert_int_equal(cf_json_decimal(&l, big, 100, 0, false), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(l.len, 0);
    cf_buf_free(&l);
    /* Growth that fails for memory is reported as such. */
    l = new_buf();
    alloc_hooks_on(1, -1);
    assert_int_equal(cf_json_decimal(&l, big, 100, 0, false), CFAVRO_E_NOMEM);
    alloc_hooks_off();
    cf_buf_free(&l);
}

/* Pick one of the shapes that stress a conversion: random bytes, zero, -1,
 * the most negative and most positive value of the length, redundant sign
 * bytes before a random body, and sparse values (whole zero or 0xff runs
 * across limb boundaries). */
static void random_decimal_bytes(uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[i] = (uint8_t)rnd();
    }
    if (n == 0) {
        return;
    }
    switch (rnd() % 8) {
    case 0: break;
    case 1: memset(s, 0x00, n); break;
    case 2: memset(s, 0xff, n); break;
    case 3: /* INT_MIN-like */
        memset(s, 0x00, n);
        s[0] = 0x80;
        break;
    case 4: /* INT_MAX-like */
        memset(s, 0xff, n);
        s[0] = 0x7f;
        break;
    case 5: { /* leading sign bytes, then a body of either sign */
        size_t pad = rnd() % (n + 1);
        uint8_t fill = (rnd() & 1) ? 0xff : 0x00;
        memset(s, fill, pad);
        if (pad < n) {
            s[pad] = (uint8_t)((s[pad] & 0x7f) | (fill & 0x80));
        }
        break;
    }
    default: /* sparse: runs of 0x00 or 0xff */
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd() % 4;
            s[i] = r == 0 ? 0x00 : r == 1 ? 0xff : r == 2 ? s[i] : (i > 0 ? s[i - 1] : 0);
        }
        break;
    }
}

/* Significant length of s[0..n): without sign-extension bytes. */
static size_t significant_bytes(const uint8_t *s, size_t n)
{
    size_t k = 0;
    while (n - k > 1 && ((s[k] == 0x00 && s[k + 1] < 0x80) || (s[k] == 0xff && s[k + 1] >= 0x80))) {
        k++;
    }
    return n - k;
}

static void test_decimal_against_reference(void **state)
{
    (void)state;
    const size_t max = CF_JSON_DECIMAL_MAX_BYTES;
    static uint8_t s[CF_JSON_DECIMAL_MAX_BYTES + 300];
    int iters = slow_run() ? 300 : 4000;
    cf_buf b = new_buf();
    for (int i = 0; i < iters; i++) {
        /* Mostly short, as schemas use; some of every length up to past the
         * limit, sign bytes included. */
        uint64_t pick = rnd() % 10;
        size_t n = pick < 6 ? rnd() % 41 : pick < 9 ? rnd() % 301 : rnd() % (sizeof s + 1);
        random_decimal_bytes(s, n);
        int32_t scale = (int32_t)(rnd() % 41);
        if (rnd() % 8 == 0) {
            scale = (int32_t)(rnd() % (3 * n + 45)); /* often more than the digits */
        }
        bool quoted = rnd() & 1;
        /* Sometimes after other output: the value is appended. */
        b.len = 0;
        if (rnd() & 1) {
            assert_int_equal(cf_buf_put(&b, "[1,", 3), CFAVRO_OK);
        }
        size_t before = b.len;
        int rc = cf_json_decimal(&b, s, n, scale, quoted);
        if (significant_bytes(s, n) > max) {
            assert_int_equal(rc, CF_JSON_DECIMAL_TOO_LONG);
            assert_int_equal(b.len, before);
            continue;
        }
        assert_int_equal(rc, CFAVRO_OK);
        char *ref = ref_decimal(s, n, scale, quoted);
        size_t ref_len = strlen(ref);
        if (b.len - before != ref_len || memcmp(b.data + before, ref, ref_len) != 0) {
            fail_msg("case %d: %zu bytes, scale %d: got %.*s, want %s", i, n, (int)scale,
                     (int)(b.len - before), b.data + before, ref);
        }
        free(ref);
    }

    /* Edge patterns at every length from 0 to past the limit. */
    for (size_t n = 0; n <= max + 2; n += n < 40 ? 1 : n < max - 20 ? 61 : 1) {
        for (int shape = 0; shape < 4; shape++) {
            memset(s, shape == 0 || shape == 2 ? 0x00 : 0xff, n);
            if (n > 0 && shape >= 2) {
                s[0] = shape == 2 ? 0x80 : 0x7f;
            }
            b.len = 0;
            int rc = cf_json_decimal(&b, s, n, 2, false);
            if (significant_bytes(s, n) > max) {
                assert_int_equal(rc, CF_JSON_DECIMAL_TOO_LONG);
                continue;
            }
            assert_int_equal(rc, CFAVRO_OK);
            char *ref = ref_decimal(s, n, 2, false);
            assert_buf(&b, ref, strlen(ref));
            free(ref);
        }
    }

    /* Around 2^64 * 10^19, where a two-limb value first needs two
     * divisions: 0x00, then 10^19 (0x8ac7230489e80000) in the high limb and
     * 0, +-1 in the low one; and the 17-byte extremes. */
    static const uint8_t edge17[][17] = {
        {0x00, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe8, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0},
        {0x00, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe8, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x00, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff},
        {0xff, 0x75, 0x38, 0xdc, 0xfb, 0x76, 0x18, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0},
        {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff},
        {0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof edge17 / sizeof edge17[0]; i++) {
        for (int32_t scale = 0; scale <= 40; scale += 20) {
            b.len = 0;
            assert_int_equal(cf_json_decimal(&b, edge17[i], 17, scale, false), CFAVRO_OK);
            char *want = ref_decimal(edge17[i], 17, scale, false);
            assert_buf(&b, want, strlen(want));
            free(want);
        }
    }

    /* Values whose conversion takes the rare second adjustment of the
     * division by 10^19 (a remainder just below 10^19 from a high limb near
     * 10^19): 0x00, then that limb, then the low one. Found by search; the
     * expected text is from Python's int. */
    static const uint8_t rare[17] = {0x00, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe7, 0xdb, 0x54,
                                     0xfe, 0x0c, 0x42, 0xb2, 0x43, 0x9a, 0x6c, 0xf2};
    expect_decimal(rare, sizeof rare, 0, false, "184467440737095343000272715933489458418");
    char *ref = ref_decimal(rare, sizeof rare, 0, false);
    assert_string_equal(ref, "184467440737095343000272715933489458418");
    free(ref);
    cf_buf_free(&b);
}

/* The portable 64x64 -> 128 product against the compiler's 128-bit type. */
static void test_mul64_portable(void **state)
{
    (void)state;
    static const uint64_t edge[] = {0, 1, 2, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX,
                                    UINT64_MAX - 1, UINT64_C(0x8000000000000000),
                                    UINT64_C(0xd83c94fb6d2ac34a), UINT64_C(10000000000000000000)};
    size_t ne = sizeof edge / sizeof edge[0];
    int iters = slow_run() ? 10000 : 1000000;
    for (int i = 0; i < iters; i++) {
        uint64_t a = i < (int)(ne * ne) ? edge[(size_t)i / ne] : rnd() >> (rnd() % 64);
        uint64_t c = i < (int)(ne * ne) ? edge[(size_t)i % ne] : rnd() >> (rnd() % 64);
        uint64_t lo, hi = cf_mul64_portable(a, c, &lo);
#if CF_HAVE_INT128
        cf_u128 p = (cf_u128)a * c;
        if (hi != (uint64_t)(p >> 64) || lo != (uint64_t)p) {
            fail_msg("%" PRIx64 " * %" PRIx64, a, c);
        }
#else
        /* No 128-bit type: check against the schoolbook product in 16-bit
         * digits instead. */
        uint32_t pa[4], pc[4], pr[8] = {0};
        for (int k = 0; k < 4; k++) {
            pa[k] = (uint32_t)(a >> (16 * k)) & 0xffff;
            pc[k] = (uint32_t)(c >> (16 * k)) & 0xffff;
        }
        for (int x = 0; x < 4; x++) {
            uint32_t carry = 0;
            for (int y = 0; y < 4; y++) {
                uint32_t t = pr[x + y] + pa[x] * pc[y] + carry;
                pr[x + y] = t & 0xffff;
                carry = t >> 16;
            }
            pr[x + 4] = carry;
        }
        uint64_t wlo = 0, whi = 0;
        for (int k = 3; k >= 0; k--) {
            wlo = wlo << 16 | pr[k];
            whi = whi << 16 | pr[k + 4];
        }
        assert_true(hi == whi && lo == wlo);
#endif
    }
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

/* v is not a time of day in unit: nothing is written, 0 returned. */
static void expect_not_tod(int64_t v, cf_time_unit unit)
{
    char out[CF_FMT_TIME_MAX + 1];
    memset(out, '#', sizeof out);
    assert_int_equal(cf_fmt_time_of_day(out, v, unit), 0);
    for (size_t i = 0; i < sizeof out; i++) {
        assert_int_equal(out[i], '#');
    }
}

static void test_time_of_day(void **state)
{
    (void)state;
    expect_tod(0, CF_UNIT_MILLIS, "00:00:00.000");
    expect_tod(1, CF_UNIT_MILLIS, "00:00:00.001");
    expect_tod(45930123, CF_UNIT_MILLIS, "12:45:30.123");
    expect_tod(86399999, CF_UNIT_MILLIS, "23:59:59.999");
    expect_tod(0, CF_UNIT_MICROS, "00:00:00.000000");
    expect_tod(1, CF_UNIT_MICROS, "00:00:00.000001");
    expect_tod(45930123456, CF_UNIT_MICROS, "12:45:30.123456");
    expect_tod(86399999999, CF_UNIT_MICROS, "23:59:59.999999");
    /* Outside [0, 24 h) is not a time of day: no pseudo-times such as
     * "-00:00:00.001", "24:00:00.000" or "100:00:00.000"; the caller writes
     * the number. */
    expect_not_tod(-1, CF_UNIT_MILLIS);
    expect_not_tod(86400000, CF_UNIT_MILLIS);
    expect_not_tod(360000000, CF_UNIT_MILLIS);
    expect_not_tod(INT32_MIN, CF_UNIT_MILLIS);
    expect_not_tod(INT32_MAX, CF_UNIT_MILLIS);
    expect_not_tod(INT64_MIN, CF_UNIT_MILLIS);
    expect_not_tod(INT64_MAX, CF_UNIT_MILLIS);
    expect_not_tod(-1, CF_UNIT_MICROS);
    expect_not_tod(86400000000, CF_UNIT_MICROS);
    expect_not_tod(INT64_MIN, CF_UNIT_MICROS);
    expect_not_tod(INT64_MAX, CF_UNIT_MICROS);
    /* Every second of the day, and random values, against a naive split. */
    int iters = slow_run() ? 2000 : 200000;
    for (int i = 0; i < 86400 + iters; i++) {
        bool micros = i >= 86400 && (rnd() & 1);
        int64_t per_sec = micros ? 1000000 : 1000;
        int64_t v = i < 86400 ? i * per_sec + (i % 1000) : (int64_t)(rnd() % (uint64_t)(86400 * per_sec));
        char want[32];
        int64_t secs = v / per_sec;
        snprintf(want, sizeof want, "%02d:%02d:%02d.%0*" PRId64, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60), micros ? 6 : 3, v % per_sec);
        expect_tod(v, micros ? CF_UNIT_MICROS : CF_UNIT_MILLIS, want);
    }
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
    /* Nanoseconds (timestamp-nanos, local-timestamp-nanos): the whole int64
     * range is 1677 to 2262. */
    expect_ts(0, CF_UNIT_NANOS, true, "1970-01-01T00:00:00.000000000Z");
    expect_ts(0, CF_UNIT_NANOS, false, "1970-01-01T00:00:00.000000000");
    expect_ts(1, CF_UNIT_NANOS, true, "1970-01-01T00:00:00.000000001Z");
    expect_ts(-1, CF_UNIT_NANOS, true, "1969-12-31T23:59:59.999999999Z");
    expect_ts(1704164645123456789, CF_UNIT_NANOS, true, "2024-01-02T03:04:05.123456789Z");
    expect_ts(1704164645123456789, CF_UNIT_NANOS, false, "2024-01-02T03:04:05.123456789");
    expect_ts(1704164645000000000, CF_UNIT_NANOS, true, "2024-01-02T03:04:05.000000000Z");
    expect_ts(-86400000000000, CF_UNIT_NANOS, true, "1969-12-31T00:00:00.000000000Z");
    expect_ts(-86400000000001, CF_UNIT_NANOS, true, "1969-12-30T23:59:59.999999999Z");
    expect_ts(951782400000000000, CF_UNIT_NANOS, true, "2000-02-29T00:00:00.000000000Z");
    expect_ts(INT64_MIN, CF_UNIT_NANOS, true, "1677-09-21T00:12:43.145224192Z");
    expect_ts(INT64_MIN + 1, CF_UNIT_NANOS, false, "1677-09-21T00:12:43.145224193");
    expect_ts(INT64_MAX, CF_UNIT_NANOS, true, "2262-04-11T23:47:16.854775807Z");
    expect_ts(INT64_MAX, CF_UNIT_NANOS, false, "2262-04-11T23:47:16.854775807");

    /* Cross-check with gmtime_r over +-100000 years (millis, micros) and
     * the whole range (nanos). */
    int iters = slow_run() ? 5000 : 300000;
    for (int i = 0; i < iters; i++) {
        cf_time_unit unit = (cf_time_unit)(rnd() % 3);
        int64_t span = INT64_C(3155695200000) * 1000; /* 100000 years in ms */
        int64_t v = (int64_t)(rnd() % (uint64_t)(2 * span)) - span;
        if (i % 4 == 0) {
            v = (int64_t)(rnd() % INT64_C(200000000000)) - INT64_C(100000000000); /* near 1970 */
        }
        int64_t per = unit == CF_UNIT_NANOS ? 1000000000 : unit == CF_UNIT_MICROS ? 1000000 : 1000;
        bool micros = unit == CF_UNIT_MICROS;
        if (micros && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)) {
            continue;
        }
        if (micros) {
            v = v * 1000 + (int64_t)(rnd() % 1000);
        }
        if (unit == CF_UNIT_NANOS) {
            v = (int64_t)rnd(); /* any int64 is a nanosecond timestamp */
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
                 tm.tm_min, tm.tm_sec, unit == CF_UNIT_NANOS ? 9 : micros ? 6 : 3, frac);
        expect_ts(v, unit, true, want);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* run a subset, e.g. "test_date" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_decimal_against_reference),
        cmocka_unit_test(test_mul64_portable),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_time_of_day),
        cmocka_unit_test(test_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
