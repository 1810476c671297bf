/* The registry retry policy (src/registry/registry_retry.c): full-jitter
 * backoff bounds, Retry-After / X-RateLimit-* parsing, the per-lookup retry
 * decision and the per-client circuit breaker, including under 8 threads.
 * Time and randomness are injected, so every expectation is exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <pthread.h>

#include <cmocka.h>

#include "cfavro.h"
#include "registry_retry_internal.h"

/* ---- helpers ---- */

static bool retry_after(const char *text, int64_t now, uint64_t *wait_ms)
{
    *wait_ms = UINT64_C(0xdeadbeef); /* a value no parse writes, to see writes */
    return cf_retry_parse_retry_after(text, strlen(text), now, wait_ms);
}

static void assert_retry_after(const char *text, int64_t now, uint64_t expect_ms)
{
    uint64_t wait;
    if (!retry_after(text, now, &wait)) {
        fail_msg("Retry-After \"%s\" rejected", text);
    }
    assert_int_equal(wait, expect_ms);
}

static void assert_retry_after_rejected(const char *text, int64_t now)
{
    uint64_t wait;
    if (retry_after(text, now, &wait)) {
        fail_msg("Retry-After \"%s\" accepted as %llu ms", text, (unsigned long long)wait);
    }
    assert_int_equal(wait, UINT64_C(0xdeadbeef)); /* untouched */
}

/* Each of `texts` is rejected at `now`. */
#define ASSERT_ALL_REJECTED(texts, now)                                  \
    do {                                                                 \
        for (size_t i_ = 0; i_ < sizeof(texts) / sizeof(texts)[0]; i_++) { \
            assert_retry_after_rejected((texts)[i_], (now));             \
        }                                                                \
    } while (0)

/* 1994-11-06 08:49:37 UTC, RFC 9110's example date. */
#define EXAMPLE_UNIX INT64_C(784111777)

static const cf_retry_policy DEFAULTS = {3, 1000, 20000}; /* the settings' defaults */

/* ---- backoff ---- */

static uint64_t expected_cap(const cf_retry_policy *p, uint32_t attempt)
{
    /* The cap computed another way: double step by step, stop at the limit. */
    uint64_t cap = p->wait_ms;
    for (uint32_t i = 0; i < attempt && cap < p->max_wait_ms; i++) {
        cap *= 2;
    }
    return cap < p->max_wait_ms ? cap : p->max_wait_ms;
}

static void test_backoff_bounds_every_attempt(void **state)
{
    (void)state;
    const cf_retry_policy policies[] = {DEFAULTS, {10, 100, 3600000}, {5, 7, 1000},
                                        {3, 3600000, 3600000}};
    cf_retry_rng rng;
    for (size_t p = 0; p < sizeof policies / sizeof policies[0]; p++) {
        for (uint32_t attempt = 0; attempt < 70; attempt++) {
            uint64_t cap = expected_cap(&policies[p], attempt);
            uint64_t lo = UINT64_MAX, hi = 0;
            for (uint64_t seed = 0; seed < 50; seed++) {
                cf_retry_rng_seed(&rng, seed * 1000003 + attempt);
                for (int i = 0; i < 100; i++) {
                    uint64_t w = cf_retry_backoff_ms(&policies[p], attempt, cf_retry_rng_next(&rng));
                    assert_true(w <= cap);
                    lo = w < lo ? w : lo;
                    hi = w > hi ? w : hi;
                }
            }
            /* 5000 draws spread over the whole range: both ends reached to
             * within 2% (a non-jittered or half-jittered wait fails this). */
            assert_true(lo <= cap / 50);
            assert_true(hi >= cap - cap / 50);
        }
    }
}

static void test_backoff_small_cap_covers_every_value(void **state)
{
    (void)state;
    const cf_retry_policy p = {5, 1, 3};
    cf_retry_rng rng;
    cf_retry_rng_seed(&rng, 42);
    for (uint32_t attempt = 0; attempt < 4; attempt++) {
        uint64_t cap = expected_cap(&p, attempt); /* 1, 2, 3, 3 */
        int seen[4] = {0};
        for (int i = 0; i < 1000; i++) {
            uint64_t w = cf_retry_backoff_ms(&p, attempt, cf_retry_rng_next(&rng));
            assert_true(w <= cap);
            seen[w]++;
        }
        for (uint64_t v = 0; v <= cap; v++) {
            assert_true(seen[v] > 0); /* inclusive range: 0 and cap both occur */
        }
    }
}

static void test_backoff_overflow(void **state)
{
    (void)state;
    const uint64_t randoms[] = {0, 1, UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63, 12345};
    const uint32_t attempts[] = {0, 1, 31, 32, 62, 63, 64, 65, 1000, UINT32_MAX};
    for (size_t r = 0; r < 6; r++) {
        for (size_t a = 0; a < 10; a++) {
            /* Largest settings the table allows: never above the hour. */
            cf_retry_policy big = {100, 3600000, 3600000};
            assert_true(cf_retry_backoff_ms(&big, attempts[a], randoms[r]) <= 3600000);
            /* Unbounded settings: the cap saturates instead of wrapping, so
             * the full 64-bit random passes unchanged. */
            cf_retry_policy huge = {100, UINT64_MAX, UINT64_MAX};
            assert_int_equal(cf_retry_backoff_ms(&huge, attempts[a], randoms[r]), randoms[r]);
            /* A 1 ms start doubled past 2^64 saturates too (a wrapped shift
             * would give 0 at attempt 64). */
            cf_retry_policy one = {100, 1, UINT64_MAX};
            uint64_t w = cf_retry_backoff_ms(&one, attempts[a], randoms[r]);
            if (attempts[a] >= 64) {
                assert_int_equal(w, randoms[r]);
            } else {
                assert_true(w <= (UINT64_C(1) << attempts[a]));
            }
            /* Zero waits stay zero. */
            cf_retry_policy zero_wait = {3, 0, 20000};
            assert_int_equal(cf_retry_backoff_ms(&zero_wait, attempts[a], randoms[r]), 0);
            cf_retry_policy zero_cap = {3, 1000, 0};
            assert_int_equal(cf_retry_backoff_ms(&zero_cap, attempts[a], randoms[r]), 0);
        }
    }
}

static void test_rng_deterministic(void **state)
{
    (void)state;
    cf_retry_rng a, b, c;
    cf_retry_rng_seed(&a, 7);
    cf_retry_rng_seed(&b, 7);
    cf_retry_rng_seed(&c, 8);
    int differ = 0;
    uint64_t previous = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = cf_retry_rng_next(&a);
        assert_int_equal(x, cf_retry_rng_next(&b));
        differ += x != cf_retry_rng_next(&c);
        assert_int_not_equal(x, previous);
        previous = x;
    }
    assert_int_equal(differ, 100);
}

/* ---- Retry-After ---- */

static void test_retry_after_delta_seconds(void **state)
{
    (void)state;
    assert_retry_after("120", 0, 120000);
    assert_retry_after("0", 0, 0);
    assert_retry_after(" \t5 \t", 0, 5000);
    assert_retry_after("0000000000000000000000000007", 0, 7000); /* leading zeros */
    assert_retry_after("86400", 0, 86400000);                    /* the limit itself */
    assert_retry_after_rejected("86401", 0);                     /* past the limit */
    assert_retry_after_rejected("18446744073709551616", 0);      /* 2^64 */
    assert_retry_after_rejected("99999999999999999999999999999999", 0);
    assert_retry_after_rejected("-5", 0);
    assert_retry_after_rejected("+5", 0);
    assert_retry_after_rejected("5s", 0);
    assert_retry_after_rejected("1.5", 0);
    assert_retry_after_rejected("5 5", 0);
    assert_retry_after_rejected("0x10", 0);
    assert_retry_after_rejected("", 0);
    assert_retry_after_rejected("  ", 0);
    assert_retry_after_rejected("soon", 0);
    /* Not NUL-terminated, and a NUL inside the length is not the end. */
    uint64_t wait = 1;
    assert_true(cf_retry_parse_retry_after("12345", 2, 0, &wait));
    assert_int_equal(wait, 12000);
    assert_false(cf_retry_parse_retry_after("1\0", 2, 0, &wait));
    assert_false(cf_retry_parse_retry_after(NULL, 0, 0, &wait));
}

static void test_retry_after_imf_fixdate(void **state)
{
    (void)state;
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_retry_after(date, EXAMPLE_UNIX - 30, 30000);
    assert_retry_after(date, EXAMPLE_UNIX - 86400, 86400000);
    assert_retry_after(date, EXAMPLE_UNIX, 0);            /* now: retry at once */
    assert_retry_after(date, EXAMPLE_UNIX + 3600, 0);     /* past: retry at once */
    assert_retry_after(date, INT64_MAX, 0);               /* no overflow at any now */
    assert_retry_after_rejected(date, EXAMPLE_UNIX - 86401); /* over a day ahead */
    assert_retry_after_rejected(date, INT64_MIN);
    assert_retry_after("  Sun, 06 Nov 1994 08:49:37 GMT\t", EXAMPLE_UNIX - 1, 1000);
    /* Leap days and the leap second. */
    assert_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", INT64_C(1709164800) - 2, 2000);
    assert_retry_after("Tue, 29 Feb 2000 00:00:00 GMT", INT64_C(951782400) - 2, 2000);
    assert_retry_after("Wed, 31 Dec 2025 23:59:60 GMT", INT64_C(1767225600) - 2, 2000);
    /* Malformed: each differs from a good date in one way. */
    const char *bad[] = {
        "Wed, 29 Feb 2023 00:00:00 GMT", /* not a leap year */
        "Thu, 29 Feb 1900 00:00:00 GMT", /* century, not a leap year */
        "Sun, 31 Nov 1994 08:49:37 GMT", /* November has 30 days */
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:37 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 GMT x",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:3",
        "Sun,",
        "Sun, -6 Nov 1994 08:49:37 GMT",
    };
    ASSERT_ALL_REJECTED(bad, EXAMPLE_UNIX - 10);
}

static void test_retry_after_rfc850(void **state)
{
    (void)state;
    assert_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE_UNIX - 30, 30000);
    /* Two-digit years resolve to within 50 years of now (RFC 9110 §5.6.7):
     * "00" read at the end of 1999 is 2000, at the end of 2099 it is 2100. */
    const int64_t y2000 = INT64_C(946684800), y2100 = INT64_C(4102444800);
    assert_retry_after("Saturday, 01-Jan-00 00:00:00 GMT", y2000 - 10, 10000);
    assert_retry_after("Friday, 01-Jan-00 00:00:00 GMT", y2100 - 10, 10000);
    /* Seen in 2026, "94" is more than 50 years ahead as 2094: it is 1994,
     * in the past, so retry now (an unchecked 2094 would be rejected as far
     * future instead). */
    const int64_t nov2026 = INT64_C(1795996800);
    assert_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", nov2026, 0);
    /* A clock outside years 100..9899 cannot place a two-digit year: the
     * date is ignored, at once, at every extreme. */
    const int64_t clocks[] = {INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MIN / 2,
                              INT64_C(-62135596800) /* year 1 */,
                              INT64_C(250000000000) + 86400 * 3660 /* year 9902 */};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        assert_retry_after_rejected("Sunday, 06-Nov-94 08:49:37 GMT", clocks[i]);
    }
    /* The ends of the accepted range: year 100 reads "94" as 0094 ... */
    assert_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", INT64_C(-59011459200) /* 0100 */, 0);
    /* ... and year 9899 reads it as 9894, five years back. */
    assert_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", INT64_C(250215091200) /* 9899 */, 0);
    const char *bad[] = {
        "Sun, 06-Nov-94 08:49:37 GMT",      /* short day name */
        "Sunday, 06-Nov-1994 08:49:37 GMT", /* four-digit year */
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday, 31-Apr-94 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
    };
    ASSERT_ALL_REJECTED(bad, EXAMPLE_UNIX - 30);
}

static void test_retry_after_asctime(void **state)
{
    (void)state;
    assert_retry_after("Sun Nov  6 08:49:37 1994", EXAMPLE_UNIX - 30, 30000);
    assert_retry_after("Sun Nov 06 08:49:37 1994", EXAMPLE_UNIX - 30, 30000);
    assert_retry_after("Wed Nov 16 08:49:37 1994", EXAMPLE_UNIX + 10 * 86400 - 1, 1000);
    const char *bad[] = {
        "Sun Nov 6 08:49:37 1994", /* one-digit day without its space */
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov   6 08:49:37 1994",
        "Sun Feb 30 08:49:37 1994",
    };
    ASSERT_ALL_REJECTED(bad, EXAMPLE_UNIX - 30);
}

/* Every form written by the C library's own formatter (gmtime_r + strftime in
 * the "C" locale) for many instants from 1970 to 2230 parses back to exactly
 * that instant: checks the calendar arithmetic independently of our code. */
static void test_retry_after_matches_strftime(void **state)
{
    (void)state;
    cf_retry_rng rng;
    cf_retry_rng_seed(&rng, 2026);
    for (int i = 0; i < 20000; i++) {
        time_t t = (time_t)(cf_retry_rng_next(&rng) % UINT64_C(8200000000));
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char text[64];
        size_t n;
        switch (i % 3) { /* literal formats, so the compiler checks them */
        case 0:
            n = strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm); /* IMF */
            break;
        case 1:
            /* RFC 850; the two-digit year written by hand, as %y draws
             * -Wformat-y2k (that is the point of this test). */
            n = strftime(text, sizeof text, "%A, %d-%b-", &tm);
            n += (size_t)snprintf(text + n, sizeof text - n, "%02d", (tm.tm_year + 1900) % 100);
            n += strftime(text + n, sizeof text - n, " %H:%M:%S GMT", &tm);
            break;
        default:
            n = strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y", &tm); /* asctime */
            break;
        }
        assert_true(n > 0);
        uint64_t delta = i % 86401;
        assert_retry_after(text, (int64_t)t - (int64_t)delta, delta * 1000);
    }
}

/* ---- X-RateLimit-* ---- */

static void test_ratelimit_headers(void **state)
{
    (void)state;
    uint64_t v = 99;
    assert_true(cf_retry_parse_ratelimit_reset("7", 1, &v));
    assert_int_equal(v, 7000);
    assert_true(cf_retry_parse_ratelimit_reset(" 0 ", 3, &v));
    assert_int_equal(v, 0);
    v = 99;
    assert_false(cf_retry_parse_ratelimit_reset("-1", 2, &v));
    assert_false(cf_retry_parse_ratelimit_reset("1e3", 3, &v));
    assert_false(cf_retry_parse_ratelimit_reset("86401", 5, &v));
    assert_false(cf_retry_parse_ratelimit_reset("", 0, &v));
    assert_false(cf_retry_parse_ratelimit_reset("Sun, 06 Nov 1994 08:49:37 GMT", 29, &v));
    assert_int_equal(v, 99);

    assert_true(cf_retry_parse_ratelimit_remaining("0", 1, &v));
    assert_int_equal(v, 0);
    assert_true(cf_retry_parse_ratelimit_remaining("74", 2, &v));
    assert_int_equal(v, 74);
    v = 99;
    assert_false(cf_retry_parse_ratelimit_remaining("-1", 2, &v));
    assert_false(cf_retry_parse_ratelimit_remaining("99999999999", 11, &v));
    assert_false(cf_retry_parse_ratelimit_remaining("many", 4, &v));
    assert_false(cf_retry_parse_ratelimit_remaining(NULL, 0, &v));
    assert_int_equal(v, 99);
}

/* ---- the decision ---- */

static cf_retry_failure failure_of(int http_status)
{
    cf_retry_failure f;
    memset(&f, 0, sizeof f);
    f.http_status = http_status;
    return f;
}

static void test_decide_non_retryable(void **state)
{
    (void)state;
    const int statuses[] = {200, 301, 400, 401, 403, 404, 405, 409, 410, 413, 422, 501, 505, -1};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_false(cf_retry_is_retryable(statuses[i]));
        cf_retry_failure f = failure_of(statuses[i]);
        f.has_retry_after = true; /* a hint does not make it retryable */
        f.retry_after_ms = 1;
        cf_retry_decision d = cf_retry_decide(&DEFAULTS, &f, 0, 10000, 0);
        assert_int_equal(d.action, CF_RETRY_FINAL);
    }
}

static void test_decide_retryable_until_max_retries(void **state)
{
    (void)state;
    const int statuses[] = {0, 408, 429, 500, 502, 503, 504};
    cf_retry_rng rng;
    cf_retry_rng_seed(&rng, 1);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_true(cf_retry_is_retryable(statuses[i]));
        cf_retry_failure f = failure_of(statuses[i]);
        cfavro_status expect = statuses[i] == 429 ? CFAVRO_E_REGISTRY_RATE_LIMITED
                                                  : CFAVRO_E_REGISTRY_UNAVAILABLE;
        for (uint32_t done = 0; done < DEFAULTS.max_retries; done++) {
            cf_retry_decision d = cf_retry_decide(&DEFAULTS, &f, done, UINT64_MAX,
                                                  cf_retry_rng_next(&rng));
            assert_int_equal(d.action, CF_RETRY_AGAIN);
            assert_true(d.wait_ms <= expected_cap(&DEFAULTS, done));
            assert_int_equal(d.status, CFAVRO_OK);
        }
        cf_retry_decision d = cf_retry_decide(&DEFAULTS, &f, DEFAULTS.max_retries, UINT64_MAX, 0);
        assert_int_equal(d.action, CF_RETRY_GIVE_UP);
        assert_int_equal(d.status, expect);
        /* max.retries 0: the first failure is the last. */
        cf_retry_policy none = {0, 1000, 20000};
        d = cf_retry_decide(&none, &f, 0, UINT64_MAX, 0);
        assert_int_equal(d.action, CF_RETRY_GIVE_UP);
        assert_int_equal(d.status, expect);
    }
    /* X-RateLimit-Remaining 0 on a 503 reports rate limiting. */
    cf_retry_failure f = failure_of(503);
    f.has_ratelimit_remaining = true;
    f.ratelimit_remaining = 0;
    assert_int_equal(cf_retry_decide(&DEFAULTS, &f, 3, 1000, 0).status,
                     CFAVRO_E_REGISTRY_RATE_LIMITED);
    f.ratelimit_remaining = 1;
    assert_int_equal(cf_retry_decide(&DEFAULTS, &f, 3, 1000, 0).status,
                     CFAVRO_E_REGISTRY_UNAVAILABLE);
}

static void test_decide_hints(void **state)
{
    (void)state;
    /* Retry-After replaces the jitter exactly, whatever the random value. */
    cf_retry_failure f = failure_of(429);
    f.has_retry_after = true;
    f.retry_after_ms = 5000;
    for (uint64_t r = 0; r < 100; r++) {
        cf_retry_decision d = cf_retry_decide(&DEFAULTS, &f, 0, 10000, r * 0x123456789);
        assert_int_equal(d.action, CF_RETRY_AGAIN);
        assert_int_equal(d.wait_ms, 5000);
    }
    /* On a 503 too. */
    f.http_status = 503;
    assert_int_equal(cf_retry_decide(&DEFAULTS, &f, 2, 10000, 7).wait_ms, 5000);
    /* Clamped to retries.max.wait.ms when the deadline allows the hint. */
    f.http_status = 429;
    f.retry_after_ms = 50000;
    cf_retry_decision d = cf_retry_decide(&DEFAULTS, &f, 0, 60000, 0);
    assert_int_equal(d.action, CF_RETRY_AGAIN);
    assert_int_equal(d.wait_ms, 20000);
    /* Beyond the deadline: give up now, do not sleep. */
    d = cf_retry_decide(&DEFAULTS, &f, 0, 50000, 0);
    assert_int_equal(d.action, CF_RETRY_GIVE_UP);
    assert_int_equal(d.status, CFAVRO_E_REGISTRY_RATE_LIMITED);
    f.http_status = 503;
    d = cf_retry_decide(&DEFAULTS, &f, 0, 49999, 0);
    assert_int_equal(d.action, CF_RETRY_GIVE_UP);
    assert_int_equal(d.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
    /* Retry-After 0 (a past date): retry at once. */
    f.retry_after_ms = 0;
    d = cf_retry_decide(&DEFAULTS, &f, 0, 100, UINT64_MAX);
    assert_int_equal(d.action, CF_RETRY_AGAIN);
    assert_int_equal(d.wait_ms, 0);

    /* X-RateLimit-Reset: used on a 429, Retry-After preferred over it. */
    cf_retry_failure r = failure_of(429);
    r.has_ratelimit_reset = true;
    r.ratelimit_reset_ms = 3000;
    d = cf_retry_decide(&DEFAULTS, &r, 1, 10000, 999);
    assert_int_equal(d.action, CF_RETRY_AGAIN);
    assert_int_equal(d.wait_ms, 3000);
    r.has_retry_after = true;
    r.retry_after_ms = 4000;
    assert_int_equal(cf_retry_decide(&DEFAULTS, &r, 1, 10000, 999).wait_ms, 4000);
    r.ratelimit_reset_ms = 30000;
    r.retry_after_ms = 1000; /* the reset beyond the deadline does not matter */
    assert_int_equal(cf_retry_decide(&DEFAULTS, &r, 1, 10000, 999).action, CF_RETRY_AGAIN);
    /* ... and ignored on a 503 that is not rate limited (the reset rides on
     * every response): the wait is the jittered one. */
    cf_retry_failure u = failure_of(503);
    u.has_ratelimit_reset = true;
    u.ratelimit_reset_ms = 3000;
    cf_retry_policy p = {3, 100, 20000};
    d = cf_retry_decide(&p, &u, 0, 10000, 77);
    assert_int_equal(d.action, CF_RETRY_AGAIN);
    assert_int_equal(d.wait_ms, cf_retry_backoff_ms(&p, 0, 77));
    assert_true(d.wait_ms <= 100);
    u.has_ratelimit_remaining = true; /* remaining 0: rate limited, reset used */
    u.ratelimit_remaining = 0;
    assert_int_equal(cf_retry_decide(&p, &u, 0, 10000, 77).wait_ms, 3000);
}

static void test_decide_deadline(void **state)
{
    (void)state;
    cf_retry_failure f = failure_of(0);
    cf_retry_policy fixed = {3, 1000, 1000}; /* waits in [0, 1000] */
    /* No time left: never retry, even with a zero wait. */
    assert_int_equal(cf_retry_decide(&fixed, &f, 0, 0, 0).action, CF_RETRY_GIVE_UP);
    /* A wait that would use the time up gives up; a shorter one retries. */
    int gave_up = 0, retried = 0;
    for (uint64_t r = 0; r < 2002; r++) {
        uint64_t wait = cf_retry_backoff_ms(&fixed, 0, r);
        cf_retry_decision d = cf_retry_decide(&fixed, &f, 0, 500, r);
        if (wait >= 500) {
            assert_int_equal(d.action, CF_RETRY_GIVE_UP);
            assert_int_equal(d.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
            gave_up++;
        } else {
            assert_int_equal(d.action, CF_RETRY_AGAIN);
            assert_int_equal(d.wait_ms, wait);
            retried++;
        }
    }
    assert_int_equal(gave_up, 2 * 501);
    assert_int_equal(retried, 2 * 500);
}

/* ---- the breaker ---- */

static void test_breaker_transitions(void **state)
{
    (void)state;
    cf_retry_breaker b;
    assert_int_equal(cf_retry_breaker_init(&b, 3, 1000, 10000), CFAVRO_OK);
    cfavro_status st = CFAVRO_OK;
    uint64_t now = 5000;

    /* CLOSED: admitted; failures below the threshold, reset by an answer. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cf_retry_breaker_admit(&b, now, &st), CF_BREAKER_ADMIT);
        cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    }
    cf_retry_breaker_success(&b, CF_BREAKER_ADMIT);
    for (int i = 0; i < 2; i++) {
        cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    }
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_CLOSED);
    /* The third in a row opens it. */
    cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_OPEN);

    /* OPEN: refused fast until the cool-down ends. */
    assert_int_equal(cf_retry_breaker_admit(&b, now, &st), CF_BREAKER_REFUSE);
    assert_int_equal(st, CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(cf_retry_breaker_admit(&b, now + 999, &st), CF_BREAKER_REFUSE);
    /* A late failure while open does not extend the cool-down. */
    cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now + 999, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);

    /* HALF_OPEN: the first caller after it is the probe, the rest refused. */
    assert_int_equal(cf_retry_breaker_admit(&b, now + 1000, &st), CF_BREAKER_PROBE);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_HALF_OPEN);
    st = CFAVRO_OK;
    assert_int_equal(cf_retry_breaker_admit(&b, now + 1001, &st), CF_BREAKER_REFUSE);
    assert_int_equal(st, CFAVRO_E_REGISTRY_UNAVAILABLE);
    /* A late answer from before the breaker opened does not close it... */
    cf_retry_breaker_success(&b, CF_BREAKER_ADMIT);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_HALF_OPEN);
    /* ... the probe failing reopens it, for a server hint longer than the
     * cool-down, as rate-limited. */
    cf_retry_breaker_failure(&b, CF_BREAKER_PROBE, now + 1100, CFAVRO_E_REGISTRY_RATE_LIMITED,
                             5000);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_OPEN);
    assert_int_equal(cf_retry_breaker_admit(&b, now + 6099, &st), CF_BREAKER_REFUSE);
    assert_int_equal(st, CFAVRO_E_REGISTRY_RATE_LIMITED);
    assert_int_equal(cf_retry_breaker_admit(&b, now + 6100, &st), CF_BREAKER_PROBE);

    /* The probe answering closes it: everyone admitted again, count reset. */
    cf_retry_breaker_success(&b, CF_BREAKER_PROBE);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_CLOSED);
    assert_int_equal(cf_retry_breaker_admit(&b, now + 6101, &st), CF_BREAKER_ADMIT);
    for (int i = 0; i < 2; i++) {
        cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    }
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_CLOSED);

    /* A late success while OPEN shows the registry serving: closed. */
    cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, now, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_OPEN);
    cf_retry_breaker_success(&b, CF_BREAKER_ADMIT);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_CLOSED);
    cf_retry_breaker_destroy(&b);
    cf_retry_breaker_destroy(NULL);
}

static void test_breaker_lost_probe_and_limits(void **state)
{
    (void)state;
    cf_retry_breaker b;
    cfavro_status st;
    /* Threshold 0 is taken as 1; cooldown 0 means probe at once. */
    assert_int_equal(cf_retry_breaker_init(&b, 0, 0, 300), CFAVRO_OK);
    cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, 10, CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_OPEN);
    assert_int_equal(cf_retry_breaker_admit(&b, 10, &st), CF_BREAKER_PROBE);
    /* The probe never reports: refused until its lease ends, then replaced. */
    assert_int_equal(cf_retry_breaker_admit(&b, 309, &st), CF_BREAKER_REFUSE);
    assert_int_equal(cf_retry_breaker_admit(&b, 310, &st), CF_BREAKER_PROBE);
    assert_int_equal(cf_retry_breaker_admit(&b, 311, &st), CF_BREAKER_REFUSE);
    cf_retry_breaker_success(&b, CF_BREAKER_PROBE);
    assert_int_equal(cf_retry_breaker_state(&b), CF_BREAKER_CLOSED);
    /* A hint at the clock's end saturates instead of wrapping into the past. */
    cf_retry_breaker_failure(&b, CF_BREAKER_ADMIT, UINT64_MAX - 5, CFAVRO_E_REGISTRY_UNAVAILABLE,
                             UINT64_MAX);
    assert_int_equal(cf_retry_breaker_admit(&b, UINT64_MAX - 1, &st), CF_BREAKER_REFUSE);
    assert_int_equal(cf_retry_breaker_admit(&b, 0, &st), CF_BREAKER_REFUSE);
    /* A NULL status pointer is allowed. */
    assert_int_equal(cf_retry_breaker_admit(&b, 5, NULL), CF_BREAKER_REFUSE);
    cf_retry_breaker_destroy(&b);
}

/* ---- the breaker under 8 threads ---- */

#define THREADS 8

/* Run `body(arg)` on THREADS threads, released together by `start`. */
static void run_threads(void *(*body)(void *), void *arg, pthread_barrier_t *start)
{
    assert_int_equal(pthread_barrier_init(start, NULL, THREADS), 0);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, body, arg), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    }
    pthread_barrier_destroy(start);
}

typedef struct race {
    cf_retry_breaker breaker;
    pthread_barrier_t start;
    uint64_t now;
    atomic_int probes, refused, admitted;
} race;

static void *race_admit(void *arg)
{
    race *r = arg;
    pthread_barrier_wait(&r->start);
    cfavro_status st = CFAVRO_OK;
    switch (cf_retry_breaker_admit(&r->breaker, r->now, &st)) {
    case CF_BREAKER_PROBE:
        atomic_fetch_add(&r->probes, 1);
        break;
    case CF_BREAKER_REFUSE:
        if (st == CFAVRO_E_REGISTRY_UNAVAILABLE) {
            atomic_fetch_add(&r->refused, 1);
        }
        break;
    case CF_BREAKER_ADMIT:
        atomic_fetch_add(&r->admitted, 1);
        break;
    }
    return NULL;
}

/* 8 threads released together at the end of the cool-down: exactly one probe. */
static void test_breaker_one_probe_among_threads(void **state)
{
    (void)state;
    race r;
    assert_int_equal(cf_retry_breaker_init(&r.breaker, 2, 100, 1000000), CFAVRO_OK);
    for (int round = 0; round < 100; round++) {
        uint64_t t0 = (uint64_t)round * 1000;
        /* Open it: two failures in a row (a failed probe from the last round
         * may have opened it already; closing first makes every round alike). */
        cf_retry_breaker_success(&r.breaker, CF_BREAKER_PROBE);
        cf_retry_breaker_failure(&r.breaker, CF_BREAKER_ADMIT, t0, CFAVRO_E_REGISTRY_UNAVAILABLE,
                                 0);
        cf_retry_breaker_failure(&r.breaker, CF_BREAKER_ADMIT, t0, CFAVRO_E_REGISTRY_UNAVAILABLE,
                                 0);
        r.now = t0 + 100;
        atomic_init(&r.probes, 0);
        atomic_init(&r.refused, 0);
        atomic_init(&r.admitted, 0);
        run_threads(race_admit, &r, &r.start);
        assert_int_equal(atomic_load(&r.probes), 1);
        assert_int_equal(atomic_load(&r.refused), THREADS - 1);
        assert_int_equal(atomic_load(&r.admitted), 0);
        assert_int_equal(cf_retry_breaker_state(&r.breaker), CF_BREAKER_HALF_OPEN);
        if (round % 2 == 0) {
            cf_retry_breaker_failure(&r.breaker, CF_BREAKER_PROBE, r.now,
                                     CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
            assert_int_equal(cf_retry_breaker_state(&r.breaker), CF_BREAKER_OPEN);
        } else {
            cf_retry_breaker_success(&r.breaker, CF_BREAKER_PROBE);
            assert_int_equal(cf_retry_breaker_state(&r.breaker), CF_BREAKER_CLOSED);
        }
    }
    cf_retry_breaker_destroy(&r.breaker);
}

typedef struct hammer {
    cf_retry_breaker breaker;
    atomic_uint_fast64_t clock;      /* the injected monotonic clock, shared */
    atomic_int probes_out;           /* probes admitted and not yet reported */
    atomic_int max_probes_out;
    atomic_int probes, refusals, admits;
    atomic_int next_seed;            /* each thread's own jitter seed */
    pthread_barrier_t start;
} hammer;

static void *hammer_thread(void *arg)
{
    hammer *h = arg;
    cf_retry_rng rng;
    cf_retry_rng_seed(&rng, (uint64_t)atomic_fetch_add(&h->next_seed, 1));
    pthread_barrier_wait(&h->start);
    for (int i = 0; i < 20000; i++) {
        uint64_t now = atomic_fetch_add(&h->clock, 1);
        cf_breaker_verdict v = cf_retry_breaker_admit(&h->breaker, now, NULL);
        if (v == CF_BREAKER_REFUSE) {
            atomic_fetch_add(&h->refusals, 1);
            continue;
        }
        if (v == CF_BREAKER_PROBE) {
            atomic_fetch_add(&h->probes, 1);
            int out = atomic_fetch_add(&h->probes_out, 1) + 1;
            int seen = atomic_load(&h->max_probes_out);
            while (out > seen && !atomic_compare_exchange_weak(&h->max_probes_out, &seen, out)) {
            }
            atomic_fetch_sub(&h->probes_out, 1); /* before reporting: see below */
        } else {
            atomic_fetch_add(&h->admits, 1);
        }
        /* The registry answers a quarter of the time. */
        if (cf_retry_rng_next(&rng) % 4 == 0) {
            cf_retry_breaker_success(&h->breaker, v);
        } else {
            cf_retry_breaker_failure(&h->breaker, v, atomic_load(&h->clock),
                                     CFAVRO_E_REGISTRY_UNAVAILABLE, 0);
        }
    }
    return NULL;
}

/* 8 threads admitting and reporting at random through every state: never two
 * probes out at once (a probe is counted out from its admission until just
 * before its report, and no new probe can be admitted before that report). */
static void test_breaker_hammered_by_threads(void **state)
{
    (void)state;
    hammer h;
    assert_int_equal(cf_retry_breaker_init(&h.breaker, 3, 20, UINT64_MAX), CFAVRO_OK);
    atomic_init(&h.clock, 0);
    atomic_init(&h.probes_out, 0);
    atomic_init(&h.max_probes_out, 0);
    atomic_init(&h.probes, 0);
    atomic_init(&h.refusals, 0);
    atomic_init(&h.admits, 0);
    atomic_init(&h.next_seed, 1);
    run_threads(hammer_thread, &h, &h.start);
    assert_int_equal(atomic_load(&h.max_probes_out), 1);
    /* Every state was visited: probes and refusals happened. (How many
     * depends on how the threads interleave: valgrind runs them one at a
     * time, so only their existence is asserted.) */
    assert_true(atomic_load(&h.probes) > 0);
    assert_true(atomic_load(&h.refusals) > 0);
    assert_int_equal(atomic_load(&h.probes) + atomic_load(&h.refusals) + atomic_load(&h.admits),
                     THREADS * 20000);
    cf_retry_breaker_destroy(&h.breaker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_bounds_every_attempt),
        cmocka_unit_test(test_backoff_small_cap_covers_every_value),
        cmocka_unit_test(test_backoff_overflow),
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_retry_after_delta_seconds),
        cmocka_unit_test(test_retry_after_imf_fixdate),
        cmocka_unit_test(test_retry_after_rfc850),
        cmocka_unit_test(test_retry_after_asctime),
        cmocka_unit_test(test_retry_after_matches_strftime),
        cmocka_unit_test(test_ratelimit_headers),
        cmocka_unit_test(test_decide_non_retryable),
        cmocka_unit_test(test_decide_retryable_until_max_retries),
        cmocka_unit_test(test_decide_hints),
        cmocka_unit_test(test_decide_deadline),
        cmocka_unit_test(test_breaker_transitions),
        cmocka_unit_test(test_breaker_lost_probe_and_limits),
        cmocka_unit_test(test_breaker_one_probe_among_threads),
        cmocka_unit_test(test_breaker_hammered_by_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
