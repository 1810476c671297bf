/* The schema-registry client: one lookup = the retry loop of
 * registry_retry_internal.h around GETs of the transport, with failover
 * across the configured URLs (see registry_client_internal.h). */
#include "registry_client_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc_internal.h"
#include "counter_internal.h"
#include "error_internal.h"
#include "registry_http_internal.h"
#include "registry_retry_internal.h"
#include "registry_text_internal.h"

/* Transfer states kept between lookups: enough for the threads a service
 * usually runs; a lookup beyond that makes (and later frees) its own. */
#define RESULT_POOL_MAX 16
/* A body buffer larger than this is dropped rather than pooled: one large
 * reply must not pin up to response.max.bytes per pooled state. */
#define POOLED_BODY_MAX ((size_t)64 << 10)

struct cf_registry {
    cf_registry_http *http;
    char *context_query;          /* "" or "?subject=%3A<context>%3A" */
    uint64_t request_timeout_ms;  /* one lookup's whole deadline */
    cf_retry_policy policy;
    cf_retry_breaker breaker;     /* the client's one retry budget */
    cf_retry_rng rng;
    atomic_size_t preferred_url;  /* the URL that last answered: tried first */
    pthread_mutex_t pool_lock;    /* guards pool/npool only, never held across I/O */
    cf_http_result *pool[RESULT_POOL_MAX];
    size_t npool;
    /* cf_registry_stats, counted by whichever thread runs the lookup. */
    cf_counter lookups;
    cf_counter requests;
    cf_counter retries;
    cf_counter failures;
    cf_counter latency_us_sum;
    cf_counter latency_us_max;
    cf_counter latency_buckets[CFAVRO_STATS_LATENCY_BUCKETS];
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Sleep `ms` (no lock is held by any caller). */
static void sleep_ms(uint64_t ms)
{
    struct timespec left = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* ---- making and freeing -------------------------------------------------- */

/* "?subject=" + percent-encoded ":<context>:", or "" without a context. */
static char *make_context_query(const char *context)
{
    if (context == NULL || context[0] == '\0') {
        return cf_strndup("", 0);
    }
    size_t clen = strlen(context);
    char *qualified = cf_malloc(clen + 3);
    if (qualified == NULL) {
        return NULL;
    }
    qualified[0] = ':';
    memcpy(qualified + 1, context, clen);
    qualified[clen + 1] = ':';
    qualified[clen + 2] = '\0';
    static const char prefix[] = "?subject=";
    size_t enc = cf_percent_encode(qualified, clen + 2, NULL, 0);
    char *query = cf_malloc(sizeof prefix - 1 + enc + 1);
    if (query != NULL) {
        memcpy(query, prefix, sizeof prefix - 1);
        cf_percent_encode(qualified, clen + 2, query + sizeof prefix - 1, enc + 1);
    }
    cf_free(qualified);
    return query;
}

static uint64_t rng_seed(const cf_registry *r)
{
    struct timespec wall, mono;
    clock_gettime(CLOCK_REALTIME, &wall);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    /* Only spread matters (jitter), not secrecy: time and this client's
     * address keep two clients and two processes apart. */
    return (uint64_t)wall.tv_sec * 1000000007u ^ (uint64_t)wall.tv_nsec ^
           ((uint64_t)mono.tv_nsec << 21) ^ (uint64_t)(uintptr_t)r;
}

int cf_registry_new(const cf_registry_config *cfg, cf_registry **out, cfavro_error *err)
{
    *out = NULL;
    cf_registry *r = cf_calloc(1, sizeof *r);
    if (r == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory making the registry client");
    }
    if (pthread_mutex_init(&r->pool_lock, NULL) != 0) {
        cf_free(r);
        return cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                            "cannot create the registry client's mutex");
    }
    uint64_t wait_ms = cfg->retries_wait_ms > 0 ? cfg->retries_wait_ms : 1;
    if (cf_retry_breaker_init(&r->breaker, cfg->max_retries + 1u, wait_ms,
                              cfg->request_timeout_ms) != CFAVRO_OK) {
        pthread_mutex_destroy(&r->pool_lock);
        cf_free(r);
        return cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                            "cannot create the registry client's mutex");
    }
    cf_registry_http_settings s = {
        .urls = cfg->urls,
        .basic_source = cfg->basic_source,
        .basic_user_info = cfg->basic_user_info,
        .bearer_token = cfg->bearer_token,
        .bearer_logical_cluster = cfg->bearer_logical_cluster,
        .bearer_identity_pool = cfg->bearer_identity_pool,
        .ssl_ca_location = cfg->ssl_ca_location,
        .ssl_certificate_location = cfg->ssl_certificate_location,
        .ssl_key_location = cfg->ssl_key_location,
        .ssl_key_password = cfg->ssl_key_password,
        .verify_host = cfg->verify_host,
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .request_timeout_ms = cfg->request_timeout_ms,
        .max_response_bytes = cfg->max_response_bytes,
        .proxy = cfg->proxy,
    };
    int rc = cf_registry_http_new(&s, &r->http, err);
    if (rc == CFAVRO_OK) {
        r->context_query = make_context_query(cfg->context);
        if (r->context_query == NULL) {
            rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                              "out of memory making the registry client");
        }
    }
    if (rc != CFAVRO_OK) {
        cf_registry_free(r);
        return rc;
    }
    r->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 10000;
    r->policy = (cf_retry_policy){.max_retries = cfg->max_retries,
                                  .wait_ms = cfg->retries_wait_ms,
                                  .max_wait_ms = cfg->retries_max_wait_ms};
    cf_retry_rng_seed(&r->rng, rng_seed(r));
    atomic_init(&r->preferred_url, 0);
    *out = r;
    cf_error_clear(err);
    return CFAVRO_OK;
}

static void free_result(cf_http_result *res)
{
    cf_http_result_free(res);
    cf_free(res);
}

void cf_registry_free(cf_registry *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->npool; i++) {
        free_result(r->pool[i]);
    }
    cf_registry_http_free(r->http);
    cf_retry_breaker_destroy(&r->breaker);
    pthread_mutex_destroy(&r->pool_lock);
    cf_free(r->context_query);
    cf_free(r);
}

uint64_t cf_registry_request_timeout_ms(const cf_registry *r)
{
    return r->request_timeout_ms;
}

size_t cf_registry_url_count(const cf_registry *r)
{
    return cf_registry_http_url_count(r->http);
}

const char *cf_registry_url_display(const cf_registry *r, size_t index)
{
    return cf_registry_http_url_display(r->http, index);
}

/* ---- counters ------------------------------------------------------------ */

unsigned cf_registry_latency_bucket(uint64_t us)
{
    static const uint64_t bounds_ms[] = CFAVRO_STATS_LATENCY_BOUNDS_MS;
    _Static_assert(sizeof bounds_ms / sizeof bounds_ms[0] + 1 == CFAVRO_STATS_LATENCY_BUCKETS,
                   "one bucket per bound, and one above the last");
    unsigned i = 0;
    while (i < CFAVRO_STATS_LATENCY_BUCKETS - 1 && us > bounds_ms[i] * 1000u) {
        i++;
    }
    return i;
}

static void count_request(cf_registry *r, uint64_t us)
{
    cf_counter_add_shared(&r->requests, 1);
    cf_counter_add_shared(&r->latency_us_sum, us);
    cf_counter_max_shared(&r->latency_us_max, us);
    cf_counter_add_shared(&r->latency_buckets[cf_registry_latency_bucket(us)], 1);
}

void cf_registry_stats_read(const cf_registry *r, cf_registry_stats *out)
{
    out->lookups = cf_counter_read(&r->lookups);
    out->requests = cf_counter_read(&r->requests);
    out->retries = cf_counter_read(&r->retries);
    out->failures = cf_counter_read(&r->failures);
    out->latency_us_sum = cf_counter_read(&r->latency_us_sum);
    out->latency_us_max = cf_counter_read(&r->latency_us_max);
    for (unsigned i = 0; i < CFAVRO_STATS_LATENCY_BUCKETS; i++) {
        out->latency_buckets[i] = cf_counter_read(&r->latency_buckets[i]);
    }
}

/* ---- the pool of transfer states ----------------------------------------- */

static cf_http_result *take_result(cf_registry *r)
{
    cf_http_result *res = NULL;
    pthread_mutex_lock(&r->pool_lock);
    if (r->npool > 0) {
        res = r->pool[--r->npool];
    }
    pthread_mutex_unlock(&r->pool_lock);
    return res != NULL ? res : cf_calloc(1, sizeof *res);
}

static void give_back(cf_registry *r, cf_http_result *res)
{
    if (res->body_cap > POOLED_BODY_MAX) {
        cf_free(res->body);
        res->body = NULL;
        res->body_len = res->body_cap = 0;
    }
    bool kept = false;
    pthread_mutex_lock(&r->pool_lock);
    if (r->npool < RESULT_POOL_MAX) {
        r->pool[r->npool++] = res;
        kept = true;
    }
    pthread_mutex_unlock(&r->pool_lock);
    if (!kept) {
        free_result(res);
    }
}

/* ---- one lookup ---------------------------------------------------------- */

/* How one round over the URLs ended. */
typedef enum round_end {
    ROUND_RESPONSE,  /* an HTTP response is in the result */
    ROUND_TRANSPORT, /* every URL tried failed to deliver one (err: the last) */
    ROUND_TLS,       /* ... and every failure was TLS: retrying will not help */
    ROUND_FINAL      /* too large or a local failure: not retried (err set) */
} round_end;

/* Try the URLs in turn, from the one that last answered, until one delivers
 * a response or the deadline passes. */
static round_end one_round(cf_registry *r, const char *path, uint64_t deadline,
                           cf_http_result *res, size_t *answered, cfavro_error *err)
{
    size_t n = cf_registry_http_url_count(r->http);
    size_t first = atomic_load_explicit(&r->preferred_url, memory_order_relaxed) % n;
    bool all_tls = true;
    for (size_t k = 0; k < n; k++) {
        uint64_t now = monotonic_ms();
        if (k > 0 && now >= deadline) {
            break; /* err holds the previous URL's failure */
        }
        size_t index = (first + k) % n;
        res->timeout_ms = deadline > now ? deadline - now : 1;
        uint64_t sent_us = monotonic_us();
        cf_http_outcome outcome = cf_registry_http_get(r->http, index, path, res, err);
        count_request(r, monotonic_us() - sent_us);
        if (outcome == CF_HTTP_OK) {
            atomic_store_explicit(&r->preferred_url, index, memory_order_relaxed);
            *answered = index;
            return ROUND_RESPONSE;
        }
        if (outcome == CF_HTTP_TOO_LARGE || outcome == CF_HTTP_LOCAL_ERROR) {
            return ROUND_FINAL;
        }
        all_tls &= outcome == CF_HTTP_TLS_FAILED;
    }
    return all_tls ? ROUND_TLS : ROUND_TRANSPORT;
}

/* The server's hints of a failed response. */
static cf_retry_failure failure_of(const cf_http_result *res)
{
    cf_retry_failure f = {.http_status = res->outcome == CF_HTTP_OK ? (int)res->status : 0};
    if (res->outcome != CF_HTTP_OK) {
        return f;
    }
    f.has_retry_after = cf_retry_parse_retry_after(res->retry_after, strlen(res->retry_after),
                                                   (int64_t)time(NULL), &f.retry_after_ms);
    f.has_ratelimit_reset = cf_retry_parse_ratelimit_reset(
        res->ratelimit_reset, strlen(res->ratelimit_reset), &f.ratelimit_reset_ms);
    f.has_ratelimit_remaining = cf_retry_parse_ratelimit_remaining(
        res->ratelimit_remaining, strlen(res->ratelimit_remaining), &f.ratelimit_remaining);
    return f;
}

/* Map a delivered response: CFAVRO_OK with *out parsed, or the status.
 * *retryable says whether the failure is worth another attempt. */
static int map_response(cf_registry *r, size_t url, const char *path, const cf_http_result *res,
                        cf_reg_schema *out, bool *retryable, cfavro_error *err)
{
    *retryable = false;
    int rc = cf_registry_status_for(res->status, res->body, res->body_len, retryable, err);
    if (rc == CFAVRO_OK) {
        rc = cf_reg_schema_parse(res->body ? res->body : "", res->body_len, out, err);
    }
    if (rc != CFAVRO_OK) {
        cf_error_prepend(err, "GET %s%s: ", cf_registry_http_url_display(r->http, url), path);
    }
    return rc;
}

/* The lookup's last error becomes its answer: `status`, with how long and
 * how many attempts it took. */
static int give_up(cfavro_error *err, cfavro_status status, uint32_t attempts, uint64_t start)
{
    cf_error_append(err, " (gave up after %u attempt%s in %llu ms)", attempts,
                    attempts == 1 ? "" : "s", (unsigned long long)(monotonic_ms() - start));
    if (err != NULL) {
        err->status = status;
    }
    return status;
}

static int refused(cf_registry *r, const char *path, cfavro_status status, cfavro_error *err)
{
    return cf_error_set(err, status, CFAVRO_NO_OFFSET,
                        "GET %s%s: not sent: the schema registry %s just now, so new requests "
                        "fail fast for a short cool-down",
                        cf_registry_http_url_display(r->http, 0), path,
                        status == CFAVRO_E_REGISTRY_RATE_LIMITED ? "rate-limited requests"
                                                                 : "failed repeatedly");
}

/* The loop of registry_retry_internal.h; `res` is this lookup's own. */
static int run_lookup(cf_registry *r, const char *path, cf_http_result *res,
                      cf_reg_schema *out, cfavro_error *err)
{
    uint64_t start = monotonic_ms();
    uint64_t deadline = start + r->request_timeout_ms;
    for (uint32_t retries = 0;; retries++) {
        cfavro_status refusal = CFAVRO_E_REGISTRY_UNAVAILABLE;
        cf_breaker_verdict verdict = cf_retry_breaker_admit(&r->breaker, monotonic_ms(), &refusal);
        if (verdict == CF_BREAKER_REFUSE) {
            return refused(r, path, refusal, err);
        }
        size_t url = 0;
        round_end end = one_round(r, path, deadline, res, &url, err);
        cf_retry_failure failure = {0};
        if (end == ROUND_RESPONSE) {
            bool retryable;
            int rc = map_response(r, url, path, res, out, &retryable, err);
            if (!retryable) {
                cf_retry_breaker_success(&r->breaker, verdict); /* it answered */
                return rc;
            }
            cf_reg_schema_free(out);
            failure = failure_of(res);
        } else if (end != ROUND_TRANSPORT) {
            /* A certificate or a local failure does not get better with
             * time; the registry itself was not found failing. */
            cf_retry_breaker_success(&r->breaker, verdict);
            return err != NULL ? err->status : CFAVRO_E_REGISTRY_UNAVAILABLE;
        }
        uint64_t now = monotonic_ms();
        uint64_t left = deadline > now ? deadline - now : 0;
        cf_retry_decision d = cf_retry_decide(&r->policy, &failure, retries, left,
                                              cf_retry_rng_next(&r->rng));
        uint64_t hint = failure.has_retry_after       ? failure.retry_after_ms
                        : failure.has_ratelimit_reset ? failure.ratelimit_reset_ms
                                                      : 0;
        /* The hint becomes the breaker's cool-down for every thread: cap it
         * like any wait (retries.max.wait.ms), or one 429 saying "an hour"
         * (or a date from a skewed clock, up to a day) would refuse every
         * new lookup that long, however soon the registry recovers. */
        if (hint > r->policy.max_wait_ms) {
            hint = r->policy.max_wait_ms;
        }
        cfavro_status failing = cf_retry_is_rate_limited(&failure)
                                    ? CFAVRO_E_REGISTRY_RATE_LIMITED
                                    : CFAVRO_E_REGISTRY_UNAVAILABLE;
        cf_retry_breaker_failure(&r->breaker, verdict, now, failing, hint);
        if (d.action != CF_RETRY_AGAIN) {
            return give_up(err, d.action == CF_RETRY_GIVE_UP ? d.status : failing, retries + 1,
                           start);
        }
        cf_counter_add_shared(&r->retries, 1);
        sleep_ms(d.wait_ms); /* no lock held */
    }
}

static int lookup(cf_registry *r, const char *path, cf_reg_schema *out, cfavro_error *err)
{
    memset(out, 0, sizeof *out);
    cf_counter_add_shared(&r->lookups, 1);
    cf_http_result *res = take_result(r);
    if (res == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory for a registry request");
    }
    int rc = run_lookup(r, path, res, out, err);
    give_back(r, res);
    if (rc == CFAVRO_OK) {
        cf_error_clear(err);
        return rc;
    }
    cf_reg_schema_free(out); /* empty, but its type still says what was refused */
    if (cfavro_status_class(rc) == CFAVRO_CLASS_REGISTRY) {
        cf_counter_add_shared(&r->failures, 1);
    }
    if (err != NULL) {
        /* Registry and libcurl text is quoted in messages: never a secret. */
        cf_registry_http_scrub(r->http, err->message);
    }
    return rc;
}

/* ---- the three requests -------------------------------------------------- */

int cf_registry_get_id(cf_registry *r, int32_t id, cf_reg_schema *out, cfavro_error *err)
{
    memset(out, 0, sizeof *out);
    if (id < 0) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "schema id %ld is negative", (long)id);
    }
    char *path = cf_malloc(32 + strlen(r->context_query));
    if (path == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory for a registry request");
    }
    sprintf(path, "/schemas/ids/%ld%s", (long)id, r->context_query);
    int rc = lookup(r, path, out, err);
    cf_free(path);
    return rc;
}

int cf_registry_get_guid(cf_registry *r, const uint8_t guid[CFAVRO_GUID_SIZE],
                         cf_reg_schema *out, cfavro_error *err)
{
    char text[CF_GUID_TEXT_LEN + 1];
    cf_guid_format(guid, text);
    char path[sizeof "/schemas/guids/" + CF_GUID_TEXT_LEN];
    snprintf(path, sizeof path, "/schemas/guids/%s", text);
    return lookup(r, path, out, err);
}

/* GET /subjects/{subject}/versions/{version}, with ?deleted=true when
 * `include_deleted`. */
static int get_version(cf_registry *r, const char *subject, size_t subject_len, int32_t version,
                       bool include_deleted, cf_reg_schema *out, cfavro_error *err)
{
    memset(out, 0, sizeof *out);
    if (subject == NULL || subject_len == 0 || (version < 1 && version != CF_REG_VERSION_LATEST)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "a subject version lookup needs a subject and a version >= 1 or "
                            "latest");
    }
    static const char head[] = "/subjects/";
    static const char deleted[] = "?deleted=true";
    const char *tail = include_deleted ? deleted : "";
    size_t enc = cf_percent_encode(subject, subject_len, NULL, 0);
    char *path = cf_malloc(sizeof head + enc + sizeof "/versions/latest" + 16 + sizeof deleted);
    if (path == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "out of memory for a registry request");
    }
    memcpy(path, head, sizeof head - 1);
    size_t at = sizeof head - 1;
    at += cf_percent_encode(subject, subject_len, path + at, enc + 1);
    if (version == CF_REG_VERSION_LATEST) {
        sprintf(path + at, "/versions/latest%s", tail);
    } else {
        sprintf(path + at, "/versions/%ld%s", (long)version, tail);
    }
    int rc = lookup(r, path, out, err);
    cf_free(path);
    return rc;
}

int cf_registry_get_version(cf_registry *r, const char *subject, size_t subject_len,
                            int32_t version, cf_reg_schema *out, cfavro_error *err)
{
    return get_version(r, subject, subject_len, version, true, out, err);
}

int cf_registry_get_live_version(cf_registry *r, const char *subject, size_t subject_len,
                                 int32_t version, cf_reg_schema *out, cfavro_error *err)
{
    return get_version(r, subject, subject_len, version, false, out, err);
}
