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
#include <string.h>
#include <time.h>

#include "json_write_internal.h"
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
    assert_int_equal(cf_json_decimal(&b, big, sizeof big, 0, false), CF_JSON_DECIMAL_TOO_LONG);
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

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* run a subset, e.g. "test_date" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_time_of_day),
        cmocka_unit_test(test_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
