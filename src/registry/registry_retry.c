/* The registry retry policy: backoff, server hints, the per-lookup decision
 * and the per-client circuit breaker (see registry_retry_internal.h). No I/O,
 * no clock, no global state: everything time- or chance-dependent arrives as
 * a parameter. */
#include "registry_retry_internal.h"

#include <string.h>

/* ---- randomness ---------------------------------------------------------- */

/* splitmix64's increment (2^64 / golden ratio, odd) and finaliser: consecutive
 * counters come out as unrelated 64-bit values, so a shared counter advanced
 * with one atomic add is a good-enough jitter source for every thread. */
#define CF_RNG_STEP UINT64_C(0x9e3779b97f4a7c15)

void cf_retry_rng_seed(cf_retry_rng *rng, uint64_t seed)
{
    atomic_init(&rng->counter, seed);
}

uint64_t cf_retry_rng_next(cf_retry_rng *rng)
{
    uint64_t z = atomic_fetch_add_explicit(&rng->counter, CF_RNG_STEP, memory_order_relaxed)
                 + CF_RNG_STEP;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* ---- backoff -------------------------------------------------------------- */

uint64_t cf_retry_backoff_ms(const cf_retry_policy *policy, uint32_t attempt, uint64_t random)
{
    uint64_t cap = policy->wait_ms;
    /* wait_ms << attempt, saturating: a shift of 64 or more is undefined in C,
     * and a shift that drops set bits would wrap to a small wait. */
    if (cap != 0) {
        if (attempt >= 64 || cap > (UINT64_MAX >> attempt)) {
            cap = UINT64_MAX;
        } else {
            cap <<= attempt;
        }
    }
    if (cap > policy->max_wait_ms) {
        cap = policy->max_wait_ms;
    }
    if (cap == UINT64_MAX) {
        return random; /* every value is in range; cap + 1 would wrap */
    }
    /* The modulo's bias is at most (cap + 1) / 2^64: below 1e-12 for any wait
     * the settings allow (an hour), far under what jitter needs. */
    return random % (cap + 1);
}

/* ---- header values -------------------------------------------------------- */

/* A header value being read: [p, end). */
typedef struct hint_cursor {
    const char *p;
    const char *end;
} hint_cursor;

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* The value without the optional whitespace around it (RFC 9110 §5.5). */
static hint_cursor trimmed(const char *value, size_t len)
{
    hint_cursor c = {value, value + len};
    while (c.p < c.end && is_ows(*c.p)) {
        c.p++;
    }
    while (c.end > c.p && is_ows(c.end[-1])) {
        c.end--;
    }
    return c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1*DIGIT filling the whole cursor, at most `limit`. Stops as soon as the
 * value passes the limit, so no length of digits can overflow. */
static bool parse_whole_number(hint_cursor c, uint64_t limit, uint64_t *out)
{
    if (c.p == c.end) {
        return false;
    }
    uint64_t n = 0;
    for (; c.p < c.end; c.p++) {
        if (!is_digit(*c.p)) {
            return false;
        }
        n = n * 10 + (uint64_t)(*c.p - '0');
        if (n > limit) {
            return false;
        }
    }
    *out = n;
    return true;
}

/* Seconds of delta (bounded by CF_RETRY_HINT_MAX_S) to milliseconds. */
static bool parse_delta_seconds_ms(hint_cursor c, uint64_t *wait_ms)
{
    uint64_t seconds;
    if (!parse_whole_number(c, CF_RETRY_HINT_MAX_S, &seconds)) {
        return false;
    }
    *wait_ms = seconds * 1000;
    return true;
}

static bool take_char(hint_cursor *c, char want)
{
    if (c->p < c->end && *c->p == want) {
        c->p++;
        return true;
    }
    return false;
}

/* Exactly `n` digits. */
static bool take_digits(hint_cursor *c, int n, int *out)
{
    if (c->end - c->p < n) {
        return false;
    }
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(c->p[i])) {
            return false;
        }
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

/* One of `names` (case-sensitive, as RFC 9110 §5.6.7 spells them); its index. */
static bool take_name(hint_cursor *c, const char *const *names, int count, int *index)
{
    for (int i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        if ((size_t)(c->end - c->p) >= n && memcmp(c->p, names[i], n) == 0) {
            c->p += n;
            *index = i;
            return true;
        }
    }
    return false;
}

static bool take_text(hint_cursor *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0) {
        return false;
    }
    c->p += n;
    return true;
}

static const char *const SHORT_DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
/* Longest first would not matter: no long name is a prefix of another. */
static const char *const LONG_DAYS[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A broken-down UTC time as an HTTP-date carries it. */
typedef struct http_time {
    int year, month, day; /* month 1..12 */
    int hour, minute, second;
} http_time;

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : DAYS[month - 1];
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), by counting
 * years from 1 March so the leap day falls at the end of each year. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    if (month <= 2) {
        year--;
    }
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;                         /* 0..399 */
    int64_t month_from_march = month > 2 ? month - 3 : month + 9;   /* 0..11 */
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* The UTC year `unix_s` falls in. */
static int64_t year_of(int64_t unix_s)
{
    int64_t days = unix_s / 86400 - (unix_s % 86400 < 0);
    /* Estimate with the Gregorian year's exact average length (146097 days
     * per 400 years), off by at most one, then correct. (A cruder estimate
     * walked up year by year would take millions of steps for a clock that
     * is absurdly far from 1970.) */
    int64_t scaled = days * 400;
    int64_t year = 1970 + (scaled >= 0 ? scaled / 146097 : -((-scaled + 146096) / 146097));
    while (days_from_civil(year, 1, 1) > days) {
        year--;
    }
    while (days_from_civil(year + 1, 1, 1) <= days) {
        year++;
    }
    return year;
}

static bool take_time_of_day(hint_cursor *c, http_time *t)
{
    /* RFC 9110 allows second 60 (a leap second). */
    return take_digits(c, 2, &t->hour) && take_char(c, ':') && take_digits(c, 2, &t->minute)
           && take_char(c, ':') && take_digits(c, 2, &t->second) && t->hour <= 23
           && t->minute <= 59 && t->second <= 60;
}

static bool take_month(hint_cursor *c, http_time *t)
{
    int index;
    if (!take_name(c, MONTHS, 12, &index)) {
        return false;
    }
    t->month = index + 1;
    return true;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static bool parse_imf_fixdate(hint_cursor c, http_time *t)
{
    int day_name;
    return take_name(&c, SHORT_DAYS, 7, &day_name) && take_text(&c, ", ")
           && take_digits(&c, 2, &t->day) && take_char(&c, ' ') && take_month(&c, t)
           && take_char(&c, ' ') && take_digits(&c, 4, &t->year) && take_char(&c, ' ')
           && take_time_of_day(&c, t) && take_text(&c, " GMT") && c.p == c.end;
}

/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; the two-digit year is resolved
 * against `now_year` by the caller (t->year holds 0..99). */
static bool parse_rfc850_date(hint_cursor c, http_time *t)
{
    int day_name;
    return take_name(&c, LONG_DAYS, 7, &day_name) && take_text(&c, ", ")
           && take_digits(&c, 2, &t->day) && take_char(&c, '-') && take_month(&c, t)
           && take_char(&c, '-') && take_digits(&c, 2, &t->year) && take_char(&c, ' ')
           && take_time_of_day(&c, t) && take_text(&c, " GMT") && c.p == c.end;
}

/* asctime: "Sun Nov  6 08:49:37 1994" (day is 2DIGIT or SP DIGIT). */
static bool parse_asctime_date(hint_cursor c, http_time *t)
{
    int day_name;
    if (!(take_name(&c, SHORT_DAYS, 7, &day_name) && take_char(&c, ' ') && take_month(&c, t)
          && take_char(&c, ' '))) {
        return false;
    }
    if (take_char(&c, ' ')) {
        if (!take_digits(&c, 1, &t->day)) {
            return false;
        }
    } else if (!take_digits(&c, 2, &t->day)) {
        return false;
    }
    return take_char(&c, ' ') && take_time_of_day(&c, t) && take_char(&c, ' ')
           && take_digits(&c, 4, &t->year) && c.p == c.end;
}

/* RFC 9110 §5.6.7: a two-digit year that appears more than 50 years in the
 * future means the most recent past year with those digits. Picking the
 * candidate within 50 years of now does that, and also reads "01" as 2101
 * rather than 2001 when now is 2099. */
static int resolve_two_digit_year(int two_digits, int64_t now_year)
{
    int64_t year = now_year - now_year % 100 + two_digits;
    if (year > now_year + 50) {
        year -= 100;
    } else if (year <= now_year - 50) {
        year += 100;
    }
    return (int)year;
}

static bool parse_http_date(hint_cursor c, int64_t now_unix_s, int64_t *unix_s)
{
    http_time t;
    if (parse_rfc850_date(c, &t)) {
        int64_t now_year = year_of(now_unix_s);
        if (now_year < 100 || now_year > 9899) {
            return false; /* a clock this wrong cannot place a two-digit year */
        }
        t.year = resolve_two_digit_year(t.year, now_year);
    } else if (!parse_imf_fixdate(c, &t) && !parse_asctime_date(c, &t)) {
        return false;
    }
    if (t.day < 1 || t.day > days_in_month(t.year, t.month)) {
        return false; /* "31 Feb", "00 Jan": not a date */
    }
    *unix_s = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60
              + t.second;
    return true;
}

bool cf_retry_parse_retry_after(const char *value, size_t len, int64_t now_unix_s,
                                uint64_t *wait_ms)
{
    if (value == NULL) {
        return false;
    }
    hint_cursor c = trimmed(value, len);
    if (c.p < c.end && is_digit(*c.p)) {
        return parse_delta_seconds_ms(c, wait_ms);
    }
    int64_t date;
    if (!parse_http_date(c, now_unix_s, &date)) {
        return false;
    }
    /* Both sides are bounded (a 4-digit year, and a clock near now in
     * practice), but compare without subtracting so no `now` can overflow. */
    if (date <= now_unix_s) {
        *wait_ms = 0; /* already past: retry now */
        return true;
    }
    if (now_unix_s < INT64_MAX - (int64_t)CF_RETRY_HINT_MAX_S
        && date > now_unix_s + (int64_t)CF_RETRY_HINT_MAX_S) {
        return false;
    }
    *wait_ms = (uint64_t)(date - now_unix_s) * 1000;
    return true;
}

bool cf_retry_parse_ratelimit_reset(const char *value, size_t len, uint64_t *wait_ms)
{
    return value != NULL && parse_delta_seconds_ms(trimmed(value, len), wait_ms);
}

bool cf_retry_parse_ratelimit_remaining(const char *value, size_t len, uint64_t *remaining)
{
    /* No registry allows more than a few thousand requests per window; the
     * limit only keeps the arithmetic in range. */
    return value != NULL && parse_whole_number(trimmed(value, len), UINT32_MAX, remaining);
}

/* ---- one lookup's decision ------------------------------------------------- */

bool cf_retry_is_retryable(int http_status)
{
    switch (http_status) {
    case 0:   /* transport: connect, reset, timeout */
    case 408: /* the server timed the request out */
    case 429: /* rate limited */
    case 500:
    case 502:
    case 503:
    case 504:
        return true;
    default:
        return false;
    }
}

bool cf_retry_is_rate_limited(const cf_retry_failure *failure)
{
    return failure->http_status == 429
           || (failure->has_ratelimit_remaining && failure->ratelimit_remaining == 0);
}

cf_retry_decision cf_retry_decide(const cf_retry_policy *policy, const cf_retry_failure *failure,
                                  uint32_t retries_done, uint64_t time_left_ms, uint64_t random)
{
    cf_retry_decision d = {CF_RETRY_FINAL, 0, CFAVRO_OK};
    if (!cf_retry_is_retryable(failure->http_status)) {
        return d;
    }
    bool rate_limited = cf_retry_is_rate_limited(failure);
    d.action = CF_RETRY_GIVE_UP;
    d.status = rate_limited ? CFAVRO_E_REGISTRY_RATE_LIMITED : CFAVRO_E_REGISTRY_UNAVAILABLE;
    if (retries_done >= policy->max_retries) {
        return d;
    }
    /* Retry-After is the server's answer to this request; X-RateLimit-Reset
     * describes the rate window, so it only says when to come back when we
     * are being rate limited (it rides on every response). */
    bool has_hint = failure->has_retry_after || (rate_limited && failure->has_ratelimit_reset);
    uint64_t wait;
    if (has_hint) {
        uint64_t hint = failure->has_retry_after ? failure->retry_after_ms
                                                 : failure->ratelimit_reset_ms;
        if (hint >= time_left_ms) {
            return d;
        }
        wait = hint < policy->max_wait_ms ? hint : policy->max_wait_ms;
    } else {
        wait = cf_retry_backoff_ms(policy, retries_done, random);
    }
    if (wait >= time_left_ms) {
        return d;
    }
    d.action = CF_RETRY_AGAIN;
    d.wait_ms = wait;
    d.status = CFAVRO_OK;
    return d;
}

/* ---- the circuit breaker ------------------------------------------------------ */

static uint64_t saturating_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

cfavro_status cf_retry_breaker_init(cf_retry_breaker *b, uint32_t threshold, uint64_t cooldown_ms,
                                    uint64_t probe_lease_ms)
{
    memset(b, 0, sizeof *b);
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        return CFAVRO_E_INTERNAL;
    }
    b->state = CF_BREAKER_CLOSED;
    b->threshold = threshold == 0 ? 1 : threshold;
    b->cooldown_ms = cooldown_ms;
    b->probe_lease_ms = probe_lease_ms;
    b->open_status = CFAVRO_E_REGISTRY_UNAVAILABLE;
    return CFAVRO_OK;
}

void cf_retry_breaker_destroy(cf_retry_breaker *b)
{
    if (b != NULL) {
        pthread_mutex_destroy(&b->lock);
    }
}

cf_breaker_verdict cf_retry_breaker_admit(cf_retry_breaker *b, uint64_t now_ms,
                                          cfavro_status *status)
{
    cf_breaker_verdict verdict = CF_BREAKER_REFUSE;
    pthread_mutex_lock(&b->lock);
    switch (b->state) {
    case CF_BREAKER_CLOSED:
        verdict = CF_BREAKER_ADMIT;
        break;
    case CF_BREAKER_OPEN:
        if (now_ms >= b->open_until_ms) {
            b->state = CF_BREAKER_HALF_OPEN;
            b->probe_expires_ms = saturating_add(now_ms, b->probe_lease_ms);
            verdict = CF_BREAKER_PROBE;
        }
        break;
    case CF_BREAKER_HALF_OPEN:
        if (now_ms >= b->probe_expires_ms) { /* the probe never reported: replace it */
            b->probe_expires_ms = saturating_add(now_ms, b->probe_lease_ms);
            verdict = CF_BREAKER_PROBE;
        }
        break;
    }
    cfavro_status refused_with = b->open_status;
    pthread_mutex_unlock(&b->lock);
    if (verdict == CF_BREAKER_REFUSE && status != NULL) {
        *status = refused_with;
    }
    return verdict;
}

void cf_retry_breaker_success(cf_retry_breaker *b, cf_breaker_verdict verdict)
{
    pthread_mutex_lock(&b->lock);
    /* Any answer shows the registry serving, even a late one from an attempt
     * admitted before the breaker opened, except while a probe is out: then
     * the probe decides, so that there is never more than one probe. */
    if (b->state != CF_BREAKER_HALF_OPEN || verdict == CF_BREAKER_PROBE) {
        b->state = CF_BREAKER_CLOSED;
        b->consecutive_failures = 0;
    }
    pthread_mutex_unlock(&b->lock);
}

void cf_retry_breaker_failure(cf_retry_breaker *b, cf_breaker_verdict verdict, uint64_t now_ms,
                              cfavro_status status, uint64_t hint_ms)
{
    pthread_mutex_lock(&b->lock);
    bool open = false;
    if (b->state == CF_BREAKER_CLOSED) {
        if (b->consecutive_failures < UINT32_MAX) {
            b->consecutive_failures++;
        }
        open = b->consecutive_failures >= b->threshold;
    } else if (b->state == CF_BREAKER_HALF_OPEN && verdict == CF_BREAKER_PROBE) {
        open = true;
    }
    /* Otherwise a late failure of an attempt admitted before the breaker
     * opened: the breaker already knows, and must not extend the cool-down. */
    if (open) {
        b->state = CF_BREAKER_OPEN;
        b->open_until_ms = saturating_add(now_ms, hint_ms > b->cooldown_ms ? hint_ms
                                                                           : b->cooldown_ms);
        b->open_status = status == CFAVRO_E_REGISTRY_RATE_LIMITED
                             ? CFAVRO_E_REGISTRY_RATE_LIMITED
                             : CFAVRO_E_REGISTRY_UNAVAILABLE;
    }
    pthread_mutex_unlock(&b->lock);
}

cf_breaker_state cf_retry_breaker_state(cf_retry_breaker *b)
{
    pthread_mutex_lock(&b->lock);
    cf_breaker_state state = b->state;
    pthread_mutex_unlock(&b->lock);
    return state;
}
