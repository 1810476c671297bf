/*
 * The registry client's retry policy, with no network in it: how long to wait
 * before retry k, what a server's Retry-After / X-RateLimit-* headers mean,
 * whether one lookup retries or gives up, and the client-wide circuit breaker
 * that keeps many threads from each running a full retry loop against a
 * registry that is down. Time and randomness are parameters (never read from
 * the system here), so every decision is deterministic under test.
 *
 * Units: every duration is milliseconds (uint64_t); `now_ms` is a monotonic
 * clock in milliseconds (the caller's choice of origin); `now_unix_s` is the
 * wall clock in seconds since 1970-01-01 UTC (HTTP dates are wall-clock).
 *
 * Deadline (request.timeout.ms): one OVERALL deadline for one lookup — every
 * attempt, every wait between attempts. The caller starts it when the lookup
 * starts, sets each attempt's transfer timeout to the time left, and passes
 * the time left to cf_retry_decide. So a lookup never takes longer than
 * request.timeout.ms, however many retries max.retries allows ("a request can
 * never hang"); a per-attempt timeout would let (max.retries + 1) x timeout
 * plus the waits pass before a caller hears back.
 *
 * One lookup, as the HTTP source is meant to drive it (no lock held anywhere
 * in this loop; the breaker's is taken inside its calls only):
 *
 *   deadline = now_ms + request.timeout.ms
 *   for (retries = 0;; retries++) {
 *       v = cf_retry_breaker_admit(&client->breaker, now_ms, &status);
 *       if (v == CF_BREAKER_REFUSE) return status;            fail fast
 *       response = GET with transfer timeout deadline - now_ms
 *       if (the registry answered: 2xx, or a status that is not retryable) {
 *           cf_retry_breaker_success(&client->breaker, v);
 *           return map(response);                              404, 401, ...
 *       }
 *       parse Retry-After / X-RateLimit-* into a cf_retry_failure f
 *       d = cf_retry_decide(&policy, &f, retries, deadline - now_ms,
 *                           cf_retry_rng_next(&client->rng));
 *       cf_retry_breaker_failure(&client->breaker, v, now_ms, the status d
 *                                would give up with, the hint or 0);
 *       if (d.action != CF_RETRY_AGAIN) return d.status;
 *       sleep(d.wait_ms)                                       no lock held
 *   }
 *
 * Failover across schema.registry.url entries is the caller's business: a
 * transport failure on one URL may move to the next without a wait.
 */
#ifndef CFAVRO_REGISTRY_RETRY_INTERNAL_H
#define CFAVRO_REGISTRY_RETRY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* The retry settings, read once from the client's settings table. Plain
 * values; copy freely. */
typedef struct cf_retry_policy {
    uint32_t max_retries;  /* max.retries: retries after the first attempt */
    uint64_t wait_ms;      /* retries.wait.ms: cap of the first wait, doubled per retry */
    uint64_t max_wait_ms;  /* retries.max.wait.ms: cap of any wait, hints included */
} cf_retry_policy;

/* ---- randomness ---------------------------------------------------------
 * A per-client random source shared by every thread: a counter advanced
 * atomically and mixed with splitmix64, so concurrent callers get distinct,
 * well-spread values without a lock, and a test seeding it gets the same
 * sequence every run. Not for cryptography (jitter only needs spread). */
typedef struct cf_retry_rng {
    _Atomic uint64_t counter;
} cf_retry_rng;

/* Seed `rng` (not thread-safe: before the client is shared). Any seed works. */
void cf_retry_rng_seed(cf_retry_rng *rng, uint64_t seed);

/* The next 64 random bits. Thread-safe, lock-free. */
uint64_t cf_retry_rng_next(cf_retry_rng *rng);

/* ---- backoff ------------------------------------------------------------
 * The wait before retry `attempt` (0 = the first retry) with full jitter:
 * uniform in [0, min(max_wait_ms, wait_ms x 2^attempt)] inclusive, picked by
 * `random` (64 random bits, e.g. from cf_retry_rng_next). Saturates instead of
 * overflowing for any attempt and any settings. Pure; thread-safe. */
uint64_t cf_retry_backoff_ms(const cf_retry_policy *policy, uint32_t attempt, uint64_t random);

/* ---- server hints -------------------------------------------------------
 * Parsers of one header's value (`value`, `len` bytes, not NUL-terminated;
 * optional surrounding spaces and tabs are allowed). Each returns true and
 * writes its out-parameter only for a well-formed value; anything else
 * (empty, garbage, a sign, trailing text, an impossible date, a value that
 * overflows, or a wait over CF_RETRY_HINT_MAX_S) returns false and the caller
 * ignores the header: a hint is never trusted blindly. Pure; thread-safe. */

/* Longest wait a server hint may ask for; a longer one is treated as
 * malformed (a skewed clock or a bogus value, not a plan worth following). */
#define CF_RETRY_HINT_MAX_S 86400u

/* Retry-After (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date in any of
 * the three forms recipients must accept (§5.6.7): IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT", obsolete RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year more than 50 years
 * ahead of `now_unix_s` means the century before) and asctime
 * "Sun Nov  6 08:49:37 1994". A date is made relative to `now_unix_s`; a date
 * in the past means "now" (0 ms). Writes the wait in ms to `*wait_ms`. */
bool cf_retry_parse_retry_after(const char *value, size_t len, int64_t now_unix_s,
                                uint64_t *wait_ms);

/* X-RateLimit-Reset: seconds until the rate-limit window resets (relative,
 * as Confluent Cloud sends it). Writes the wait in ms to `*wait_ms`. */
bool cf_retry_parse_ratelimit_reset(const char *value, size_t len, uint64_t *wait_ms);

/* X-RateLimit-Remaining: requests left in the window (0 means the next
 * request would be rate limited). Writes it to `*remaining`. */
bool cf_retry_parse_ratelimit_remaining(const char *value, size_t len, uint64_t *remaining);

/* ---- one lookup's decision --------------------------------------------- */

/* What one failed attempt looked like. `http_status` 0 means a transport
 * failure (connect, reset, timeout: no HTTP status). Hints are the parsed
 * headers of that response; unset ones have has_* false. */
typedef struct cf_retry_failure {
    int http_status;
    bool has_retry_after;      /* Retry-After parsed: retry_after_ms valid */
    uint64_t retry_after_ms;
    bool has_ratelimit_reset;  /* X-RateLimit-Reset parsed: ratelimit_reset_ms valid */
    uint64_t ratelimit_reset_ms;
    bool has_ratelimit_remaining;
    uint64_t ratelimit_remaining;
} cf_retry_failure;

typedef enum cf_retry_action {
    CF_RETRY_AGAIN,    /* wait `wait_ms`, then try again */
    CF_RETRY_GIVE_UP,  /* retryable, but out of retries or time: fail with `status` */
    CF_RETRY_FINAL,    /* not retryable (other 4xx...): the caller maps the response */
} cf_retry_action;

typedef struct cf_retry_decision {
    cf_retry_action action;
    uint64_t wait_ms;      /* CF_RETRY_AGAIN only */
    cfavro_status status;  /* CF_RETRY_GIVE_UP: UNAVAILABLE or RATE_LIMITED */
} cf_retry_decision;

/* True for the failures worth retrying: transport errors (0), 408, 429, 500,
 * 502, 503, 504. Every other status is answered, not retried. */
bool cf_retry_is_retryable(int http_status);

/* True when the failure says "rate limited": 429, or a response reporting
 * X-RateLimit-Remaining 0. Such a give-up reports CFAVRO_E_REGISTRY_RATE_LIMITED. */
bool cf_retry_is_rate_limited(const cf_retry_failure *failure);

/* Decide after a failed attempt. `retries_done` is how many retries this
 * lookup has already made (0 after the first attempt fails); `time_left_ms`
 * is what remains of the lookup's overall deadline; `random` feeds the jitter.
 *
 * Order: not retryable -> FINAL; retries_done >= max_retries -> GIVE_UP; a
 * server hint (Retry-After first, else X-RateLimit-Reset) longer than or equal
 * to time_left_ms -> GIVE_UP at once (the server said it will not serve us
 * before the deadline: sleeping would only make the caller wait for the same
 * error); otherwise the wait is the hint clamped to max_wait_ms, or without a
 * hint the jittered backoff; a wait that would use up time_left_ms -> GIVE_UP
 * (no time would be left for the attempt). Pure; thread-safe. */
cf_retry_decision cf_retry_decide(const cf_retry_policy *policy, const cf_retry_failure *failure,
                                  uint32_t retries_done, uint64_t time_left_ms, uint64_t random);

/* ---- one retry budget per client: a circuit breaker ----------------------
 * Shared by every thread of a client (one per client, never per lookup).
 * States and transitions (`now_ms` is the caller's monotonic clock):
 *
 *   CLOSED     every attempt is admitted. A retryable failure counts one
 *              consecutive failure; `threshold` of them in a row -> OPEN.
 *              Any answer from the registry (a success, or a non-retryable
 *              status such as 404: it is up) resets the count.
 *   OPEN       until `open_until_ms`, every attempt (a new miss or another
 *              thread's retry) is refused at once with the status of the
 *              failure that opened it (UNAVAILABLE or RATE_LIMITED).
 *              open_until = now + max(cooldown_ms, the server's hint).
 *              The first admit at or after open_until -> HALF_OPEN, and that
 *              caller is the probe.
 *   HALF_OPEN  exactly one probe is out; everyone else is refused. The probe's
 *              answer -> CLOSED; its retryable failure -> OPEN
 *              again. A probe that never reports (its thread died, a bug) is
 *              presumed lost after `probe_lease_ms` and the next admit becomes
 *              the new probe, so the client cannot be stuck half-open.
 *
 * Every admitted attempt must be followed by exactly one report
 * (cf_retry_breaker_success or _failure) with the verdict admit returned.
 * Thread safety: every call is safe from any thread; the mutex inside is held
 * only for a few instructions, never across a request or a sleep. */
typedef enum cf_breaker_state {
    CF_BREAKER_CLOSED,
    CF_BREAKER_OPEN,
    CF_BREAKER_HALF_OPEN,
} cf_breaker_state;

typedef enum cf_breaker_verdict {
    CF_BREAKER_ADMIT,   /* go ahead (closed) */
    CF_BREAKER_PROBE,   /* go ahead as the one half-open probe */
    CF_BREAKER_REFUSE,  /* fail fast with *status */
} cf_breaker_verdict;

typedef struct cf_retry_breaker {
    pthread_mutex_t lock;
    cf_breaker_state state;
    uint32_t consecutive_failures;
    uint32_t threshold;
    uint64_t cooldown_ms;
    uint64_t probe_lease_ms;
    uint64_t open_until_ms;     /* OPEN: refuse before this */
    uint64_t probe_expires_ms;  /* HALF_OPEN: the probe is presumed lost after this */
    cfavro_status open_status;  /* what refusals report */
} cf_retry_breaker;

/* Initialise `b`: `threshold` consecutive failures open it (0 is taken as 1),
 * for `cooldown_ms`; a probe is presumed lost after `probe_lease_ms` (pass the
 * lookup deadline, request.timeout.ms). Returns CFAVRO_OK, or
 * CFAVRO_E_INTERNAL when the mutex cannot be made. Not thread-safe (before
 * sharing). A suggested default: threshold max.retries + 1 (one lookup's worth
 * of failed attempts), cooldown retries.wait.ms (at least 1 ms). */
cfavro_status cf_retry_breaker_init(cf_retry_breaker *b, uint32_t threshold, uint64_t cooldown_ms,
                                    uint64_t probe_lease_ms);

/* Release `b`'s mutex. NULL is a no-op. No thread may be using `b`. */
void cf_retry_breaker_destroy(cf_retry_breaker *b);

/* May an attempt go to the registry now? On CF_BREAKER_REFUSE, *status is
 * CFAVRO_E_REGISTRY_UNAVAILABLE or CFAVRO_E_REGISTRY_RATE_LIMITED. */
cf_breaker_verdict cf_retry_breaker_admit(cf_retry_breaker *b, uint64_t now_ms,
                                          cfavro_status *status);

/* The registry answered an attempt admitted with `verdict` (a schema, or a
 * non-retryable status: it is up). Closes the breaker and resets the failure
 * count, except in HALF_OPEN, where only the probe's answer closes it (a late
 * answer from before the breaker opened is ignored there). */
void cf_retry_breaker_success(cf_retry_breaker *b, cf_breaker_verdict verdict);

/* An attempt admitted with `verdict` failed in a retryable way (`status`:
 * UNAVAILABLE or RATE_LIMITED; `hint_ms` the server's wait hint, 0 if none).
 * Counts toward opening; a failed probe reopens at once. */
void cf_retry_breaker_failure(cf_retry_breaker *b, cf_breaker_verdict verdict, uint64_t now_ms,
                              cfavro_status status, uint64_t hint_ms);

/* The current state (for tests and stats; may be stale as soon as read). */
cf_breaker_state cf_retry_breaker_state(cf_retry_breaker *b);

#endif
