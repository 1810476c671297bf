/*
 * cfavro_bench: every decoder on the same in-memory messages, in one process.
 *
 * For each schema (trade, wide) it generates a deterministic corpus, checks
 * that all decoders agree (checksums of decoded values, JSON that parses and
 * matches avro-c's on a sample, NDJSON lines equal to per-message JSON), and
 * only then times them: ns/message, MB/s of payload, ratios to the
 * hand-written limit and to avro-c generic read, allocations per message.
 * Then the cache-hit cost of cfavro_client_prefetch with 1 and 2 threads and
 * the peak RSS. Prints a table, and a JSON document with --json FILE.
 *
 * --callgrind ROW --schema NAME runs one decoder once inside
 * cf_bench_measured() (after a warm-up outside it) for bench/callgrind.sh.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#include <jansson.h>

#include "alloc_count.h"
#include "avroc_baseline.h"
#include "gen.h"
#include "handwritten.h"

#ifndef CF_BENCH_NO_CFAVRO
#include <cfavro.h>
#endif
/* The avro-c bridge row, when libcfavro is built with it (-Davro_bridge). */
#if defined(CF_BENCH_AVRO_BRIDGE) && !defined(CF_BENCH_NO_CFAVRO)
#include <cfavro_avro.h>
#define CF_BENCH_HAVE_BRIDGE 1
#endif

#ifndef CF_BENCH_SCHEMA_DIR
#define CF_BENCH_SCHEMA_DIR "bench/schemas"
#endif

#define NS_PER_S 1000000000.0

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */
/* ------------------------------------------------------------------------ */

enum {
    ROW_HW,
    ROW_AVROC_READ,
    ROW_AVROC_JSON,
    ROW_CF_VALIDATE,
    ROW_CF_JSON,
    ROW_CF_BATCH,
#ifdef CF_BENCH_HAVE_BRIDGE
    ROW_CF_AVRO,
#endif
    ROW_COUNT
};

static const struct {
    const char *key;   /* JSON and --callgrind name */
    const char *label; /* table label */
    int cfavro;        /* needs libcfavro's decode API */
    int slow;          /* warm up on a prefix only */
} k_rows[ROW_COUNT] = {
    {"handwritten", "hand-written (limit)", 0, 0},
    {"avroc_read", "avro-c read (value reused)", 0, 1},
    {"avroc_json", "avro-c + avro_value_to_json", 0, 1},
    {"cfavro_validate", "cfavro validate", 1, 0},
    {"cfavro_json", "cfavro JSON per message", 1, 0},
    {"cfavro_batch", "cfavro batch JSON", 1, 0},
#ifdef CF_BENCH_HAVE_BRIDGE
    /* the same avro_value_t filling as avroc_read, by cfavro's reader */
    {"cfavro_avro", "cfavro into avro_value_t", 1, 1},
#endif
};

typedef struct schema_run {
    const char *name;
    int32_t id;
    size_t count;
    cf_corpus corpus;
    char *schema_json;
    size_t schema_len;
    int (*hw)(const void *, size_t, uint64_t *);
    cf_avroc avroc;
    int avroc_ok;
#ifndef CF_BENCH_NO_CFAVRO
    cfavro_client *client;
    cfavro_decoder *dec;
    cfavro_decoder *dec2; /* for cross-checks that must not clobber dec's buffer */
    cfavro_batch_result *results;
#endif
#ifdef CF_BENCH_HAVE_BRIDGE
    avro_value_iface_t *bridge_iface; /* the class cfavro keeps for the schema */
    avro_value_t bridge_value;        /* reused, as avroc_read reuses its value */
#endif
    size_t batch;
    /* results */
    int have[ROW_COUNT];
    double ns[ROW_COUNT];
    double allocs[ROW_COUNT];
} schema_run;

typedef struct row_out {
    uint64_t sum;
    size_t failed;
} row_out;

typedef void (*row_fn)(schema_run *s, size_t first, size_t n, row_out *o);

static void row_hw(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        uint64_t h;
        if (s->hw(c->msgs[i], c->lens[i], &h) != 0)
            o->failed++;
        else
            o->sum += h;
    }
}

static void row_avroc_read(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        if (cf_avroc_read(&s->avroc, c->msgs[i], c->lens[i]) != 0)
            o->failed++;
        else
            o->sum++;
    }
}

static void row_avroc_json(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        size_t len = 0;
        if (cf_avroc_to_json(&s->avroc, c->msgs[i], c->lens[i], &len, NULL) != 0)
            o->failed++;
        else
            o->sum += len;
    }
}

#ifndef CF_BENCH_NO_CFAVRO
static void row_cf_validate(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        if (cfavro_validate(s->dec, c->msgs[i], c->lens[i]) != CFAVRO_OK)
            o->failed++;
        else
            o->sum++;
    }
}

static void row_cf_json(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        const char *json;
        size_t len;
        if (cfavro_decode_json(s->dec, c->msgs[i], c->lens[i], &json, &len) != CFAVRO_OK)
            o->failed++;
        else
            o->sum += len;
    }
}

static void row_cf_batch(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i += s->batch) {
        size_t k = first + n - i < s->batch ? first + n - i : s->batch;
        const char *nd;
        size_t ndlen, failed = 0;
        if (cfavro_decode_batch_json(s->dec, (const void *const *)c->msgs + i, c->lens + i, k,
                                     s->results, &nd, &ndlen, &failed) != CFAVRO_OK) {
            o->failed += k;
            continue;
        }
        o->failed += failed;
        o->sum += ndlen;
    }
}
#endif

#ifdef CF_BENCH_HAVE_BRIDGE
static void row_cf_avro(schema_run *s, size_t first, size_t n, row_out *o)
{
    const cf_corpus *c = &s->corpus;
    for (size_t i = first; i < first + n; i++) {
        if (cfavro_decode_avro(s->dec, c->msgs[i], c->lens[i], &s->bridge_value) != CFAVRO_OK)
            o->failed++;
        else
            o->sum++;
    }
}
#endif

static row_fn row_function(int row)
{
    switch (row) {
    case ROW_HW:
        return row_hw;
    case ROW_AVROC_READ:
        return row_avroc_read;
    case ROW_AVROC_JSON:
        return row_avroc_json;
#ifndef CF_BENCH_NO_CFAVRO
    case ROW_CF_VALIDATE:
        return row_cf_validate;
    case ROW_CF_JSON:
        return row_cf_json;
    case ROW_CF_BATCH:
        return row_cf_batch;
#endif
#ifdef CF_BENCH_HAVE_BRIDGE
    case ROW_CF_AVRO:
        return row_cf_avro;
#endif
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                     */
/* ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        } else {
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int setup_schema(schema_run *s, const char *dir, uint64_t seed, int with_cfavro)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.avsc", dir, s->name);
    s->schema_json = read_file(path, &s->schema_len);
    if (!s->schema_json)
        return -1;
    int rc = s->id == CF_BENCH_TRADE_ID ? cf_gen_trade(&s->corpus, s->count, seed)
                                        : cf_gen_wide(&s->corpus, s->count, seed);
    if (rc != 0) {
        fprintf(stderr, "%s: out of memory generating messages\n", s->name);
        return -1;
    }
    if (cf_avroc_init(&s->avroc, s->schema_json, s->schema_len) != 0)
        return -1;
    s->avroc_ok = 1;
#ifndef CF_BENCH_NO_CFAVRO
    if (with_cfavro) {
        cfavro_error err;
        s->client = cfavro_client_new(NULL, &err);
        if (!s->client) {
            fprintf(stderr, "cfavro_client_new: %s\n", err.message);
            return -1;
        }
        if (cfavro_client_add_schema(s->client, s->id, s->schema_json, s->schema_len, &err) !=
            CFAVRO_OK) {
            fprintf(stderr, "cfavro_client_add_schema(%s): %s\n", s->name, err.message);
            return -1;
        }
        s->dec = cfavro_decoder_new(s->client, &err);
        s->dec2 = s->dec ? cfavro_decoder_new(s->client, &err) : NULL;
        if (!s->dec || !s->dec2) {
            fprintf(stderr, "cfavro_decoder_new: %s\n", err.message);
            return -1;
        }
        s->results = calloc(s->batch, sizeof *s->results);
        if (!s->results)
            return -1;
#ifdef CF_BENCH_HAVE_BRIDGE
        if (cfavro_decoder_avro_class(s->dec, s->corpus.msgs[0], 5, &s->bridge_iface, NULL) !=
                CFAVRO_OK ||
            avro_generic_value_new(s->bridge_iface, &s->bridge_value) != 0) {
            fprintf(stderr, "avro bridge: %s\n", cfavro_decoder_error(s->dec)->message);
            return -1;
        }
#endif
    }
#else
    (void)with_cfavro;
#endif
    return 0;
}

static void teardown_schema(schema_run *s)
{
#ifndef CF_BENCH_NO_CFAVRO
#ifdef CF_BENCH_HAVE_BRIDGE
    if (s->bridge_iface) {
        avro_value_decref(&s->bridge_value);
        avro_value_iface_decref(s->bridge_iface);
    }
#endif
    cfavro_decoder_free(s->dec);
    cfavro_decoder_free(s->dec2);
    cfavro_client_free(s->client);
    free(s->results);
#endif
    if (s->avroc_ok)
        cf_avroc_fini(&s->avroc);
    cf_corpus_free(&s->corpus);
    free(s->schema_json);
}

/* ------------------------------------------------------------------------ */
/* Agreement checks (before any timing)                                      */
/* ------------------------------------------------------------------------ */

#ifndef CF_BENCH_NO_CFAVRO
/* Compare avro-c's JSON (a) with cfavro's (b) loosely: the two may differ in
 * union wrapping and logical-type rendering, so a leaf is compared only when
 * both sides have the same JSON type; a single-key object facing a
 * non-object (or a differently named single-key object) is unwrapped as a
 * union branch. Counts compared leaves and mismatches. */
static size_t g_avroc_nul_cut; /* avro-c JSON strings cut at a zero byte */

static const char *only_key(const json_t *o)
{
    return json_is_object(o) && json_object_size(o) == 1
               ? json_object_iter_key(json_object_iter((json_t *)o))
               : NULL;
}

static json_t *only_value(const json_t *o)
{
    return json_object_iter_value(json_object_iter((json_t *)o));
}

static void json_cmp(const json_t *a, const json_t *b, size_t *leaves, size_t *bad)
{
    const char *ka = only_key(a), *kb = only_key(b);
    /* both wrapped, by different names (avro-c writes a named branch's short
     * name, the Avro spec the full name): compare the branches */
    if (ka && kb && strcmp(ka, kb) != 0) {
        json_cmp(only_value(a), only_value(b), leaves, bad);
        return;
    }
    if (kb && json_is_object(a) && !json_object_get(a, kb)) {
        json_cmp(a, only_value(b), leaves, bad);
        return;
    }
    if (json_is_object(a) && json_object_size(a) == 1 &&
        (!json_is_object(b) || !json_object_get(b, json_object_iter_key(json_object_iter((json_t *)a))))) {
        json_cmp(json_object_iter_value(json_object_iter((json_t *)a)), b, leaves, bad);
        return;
    }
    if (json_is_object(b) && json_object_size(b) == 1 && !json_is_object(a)) {
        json_cmp(a, json_object_iter_value(json_object_iter((json_t *)b)), leaves, bad);
        return;
    }
    if (json_is_object(a) && json_is_object(b)) {
        const char *key;
        json_t *va;
        json_object_foreach((json_t *)a, key, va) {
            json_t *vb = json_object_get(b, key);
            size_t before = *bad;
            if (vb)
                json_cmp(va, vb, leaves, bad);
            else
                (*bad)++;
            if (*bad != before && getenv("CF_BENCH_DEBUG"))
                fprintf(stderr, "  differs at key %s\n", key);
        }
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b)) {
            (*bad)++;
            return;
        }
        for (size_t i = 0; i < json_array_size(a); i++)
            json_cmp(json_array_get(a, i), json_array_get(b, i), leaves, bad);
        return;
    }
    if (json_is_string(a) && json_is_string(b)) {
        (*leaves)++;
        size_t la = json_string_length(a), lb = json_string_length(b);
        if (la < lb && json_string_value(b)[la] == '\0' &&
            memcmp(json_string_value(a), json_string_value(b), la) == 0) {
            /* avro-c 1.11 ends a bytes/fixed value's JSON at its first zero
             * byte (it builds a C string); cfavro writes \u0000 and goes on */
            g_avroc_nul_cut++;
            return;
        }
        if (json_string_length(a) != json_string_length(b) ||
            memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) != 0) {
            (*bad)++;
            if (getenv("CF_BENCH_DEBUG"))
                fprintf(stderr, "  avro-c %zu bytes, cfavro %zu bytes\n", json_string_length(a),
                        json_string_length(b));
        }
        return;
    }
    if (json_is_number(a) && json_is_number(b)) {
        (*leaves)++;
        if (json_is_integer(a) && json_is_integer(b)) {
            if (json_integer_value(a) != json_integer_value(b))
                (*bad)++;
        } else if (json_number_value(a) != json_number_value(b) &&
                   (float)json_number_value(a) != (float)json_number_value(b)) {
            /* avro-c prints a float widened to double (0.62999999523...),
             * a shortest-digits writer 0.63: the same float */
            (*bad)++;
        }
        return;
    }
    if (json_is_boolean(a) && json_is_boolean(b)) {
        (*leaves)++;
        if (json_is_true(a) != json_is_true(b))
            (*bad)++;
    }
}
#endif

static int verify_schema(schema_run *s, int with_cfavro)
{
    const cf_corpus *c = &s->corpus;
    size_t n = c->count;
    int ok = 1;
    uint64_t *hw = malloc((n ? n : 1) * sizeof *hw);
    if (!hw)
        return -1;

    size_t hw_fail = 0, avro_fail = 0, mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->hw(c->msgs[i], c->lens[i], &hw[i]) != 0)
            hw_fail++;
        if (cf_avroc_read(&s->avroc, c->msgs[i], c->lens[i]) != 0)
            avro_fail++;
        else if (cf_avroc_checksum(&s->avroc) != hw[i])
            mismatch++;
    }
    printf("  check %-6s hand-written: %zu/%zu decoded; avro-c read: %zu/%zu decoded, "
           "%zu checksum mismatches\n",
           s->name, n - hw_fail, n, n - avro_fail, n, mismatch);
    if (hw_fail || avro_fail || mismatch)
        ok = 0;
#ifdef CF_BENCH_HAVE_BRIDGE
    /* The bridge's values: the same checksums, through avro-c's getters. */
    size_t bridge_fail = 0, bridge_mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        cf_avroc view = s->avroc;
        view.value = s->bridge_value;
        if (cfavro_decode_avro(s->dec, c->msgs[i], c->lens[i], &s->bridge_value) != CFAVRO_OK)
            bridge_fail++;
        else if (cf_avroc_checksum(&view) != hw[i])
            bridge_mismatch++;
    }
    printf("  check %-6s cfavro into avro_value_t: %zu/%zu decoded, %zu checksum mismatches\n",
           s->name, n - bridge_fail, n, bridge_mismatch);
    if (bridge_fail || bridge_mismatch)
        ok = 0;
#endif

    row_out aj = {0, 0};
    row_avroc_json(s, 0, n, &aj);
    printf("  check %-6s avro-c to_json: %zu/%zu rendered\n", s->name, n - aj.failed, n);
    if (aj.failed)
        ok = 0;

#ifndef CF_BENCH_NO_CFAVRO
    if (with_cfavro) {
        row_out v = {0, 0}, j = {0, 0}, b = {0, 0};
        row_cf_validate(s, 0, n, &v);
        row_cf_json(s, 0, n, &j);
        /* sample ~200 messages: cfavro JSON parses and matches avro-c's */
        size_t step = n / 200 ? n / 200 : 1, sampled = 0, parse_fail = 0, leaves = 0,
               bad = 0;
        for (size_t i = 0; i < n; i += step) {
            const char *json;
            size_t len, alen;
            char *atext = NULL;
            if (cfavro_decode_json(s->dec, c->msgs[i], c->lens[i], &json, &len) != CFAVRO_OK)
                continue;
            sampled++;
            json_error_t jerr;
            json_t *jb = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
            json_t *ja = NULL;
            if (cf_avroc_to_json(&s->avroc, c->msgs[i], c->lens[i], &alen, &atext) == 0) {
                ja = json_loads(atext, JSON_ALLOW_NUL, &jerr);
                free(atext);
            }
            if (!jb) {
                parse_fail++;
                if (parse_fail == 1)
                    fprintf(stderr, "  cfavro JSON of message %zu does not parse: %s\n%.*s\n",
                            i, jerr.text, (int)len, json);
            } else if (ja) {
                size_t before = bad;
                json_cmp(ja, jb, &leaves, &bad);
                if (bad != before && before == 0)
                    fprintf(stderr, "  message %zu: cfavro and avro-c JSON differ\n%.*s\n",
                            i, (int)len, json);
            }
            json_decref(ja);
            json_decref(jb);
        }
        /* batch: same successes, NDJSON = per-message JSON + newlines, and
         * sampled lines byte-identical to the per-message output */
        size_t line_bad = 0;
        for (size_t i = 0; i < n; i += s->batch) {
            size_t k = n - i < s->batch ? n - i : s->batch;
            const char *nd;
            size_t ndlen, failed = 0;
            if (cfavro_decode_batch_json(s->dec, (const void *const *)c->msgs + i,
                                         c->lens + i, k, s->results, &nd, &ndlen,
                                         &failed) != CFAVRO_OK) {
                b.failed += k;
                continue;
            }
            b.failed += failed;
            b.sum += ndlen;
            for (size_t q = 0; q < k; q += 97) {
                const char *json;
                size_t len;
                if (s->results[q].status != CFAVRO_OK ||
                    cfavro_decode_json(s->dec2, c->msgs[i + q], c->lens[i + q], &json, &len) !=
                        CFAVRO_OK ||
                    len != s->results[q].json_len ||
                    memcmp(nd + s->results[q].json_offset, json, len) != 0 ||
                    nd[s->results[q].json_offset + len] != '\n')
                    line_bad++;
            }
        }
        printf("  check %-6s cfavro: validate %zu/%zu, JSON %zu/%zu, batch %zu/%zu; "
               "%zu sampled JSON docs parse (%zu fail), %zu leaves vs avro-c, %zu differ; "
               "NDJSON bytes %s; %zu sampled lines differ\n"
               "               (avro-c cut %zu bytes values at a zero byte; not counted)\n",
               s->name, n - v.failed, n, n - j.failed, n, n - b.failed, n, sampled,
               parse_fail, leaves, bad, b.sum == j.sum + n ? "match" : "MISMATCH", line_bad,
               g_avroc_nul_cut);
        if (v.failed || j.failed || b.failed || parse_fail || bad || leaves == 0 ||
            b.sum != j.sum + n || line_bad)
            ok = 0;
    }
#else
    (void)with_cfavro;
#endif
    free(hw);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Timing                                                                    */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

/* Best of `repeat` full passes (fewer if a pass is long), after a warm-up.
 * Allocations are counted over all timed passes. */
static void time_row(schema_run *s, int row, int repeat, double budget_s)
{
    row_fn fn = row_function(row);
    size_t n = s->corpus.count;
    row_out o = {0, 0};
    size_t warm = k_rows[row].slow ? (n < 2000 ? n : 2000) : n;
    fn(s, 0, warm, &o);

    double best = DBL_MAX, spent = 0;
    size_t a0 = cf_alloc_count();
    int runs = 0;
    for (int r = 0; r < repeat; r++) {
        row_out pass = {0, 0};
        double t0 = now_s();
        fn(s, 0, n, &pass);
        double dt = now_s() - t0;
        if (pass.failed)
            fprintf(stderr, "  %s/%s: %zu failures while timing\n", s->name, k_rows[row].key,
                    pass.failed);
        best = dt < best ? dt : best;
        spent += dt;
        runs++;
        if (spent > budget_s)
            break;
    }
    size_t allocs = cf_alloc_count() - a0;
    s->have[row] = 1;
    s->ns[row] = n ? best * NS_PER_S / (double)n : 0;
    s->allocs[row] = n ? (double)allocs / ((double)n * runs) : 0;
}

/* ------------------------------------------------------------------------ */
/* Cache-hit cost                                                            */
/* ------------------------------------------------------------------------ */

typedef struct hit_result {
    int threads;
    int mixed;
    double ns_per_call; /* per call, per thread */
} hit_result;

#ifndef CF_BENCH_NO_CFAVRO
typedef struct hit_arg {
    cfavro_client *client;
    size_t iters;
    int mixed;
    double seconds;
    size_t failed;
} hit_arg;

static void *hit_thread(void *p)
{
    hit_arg *a = p;
    size_t failed = 0;
    double t0 = now_s();
    for (size_t i = 0; i < a->iters; i++) {
        int32_t id = a->mixed ? (int32_t)(1 + (i & 1)) : 1;
        failed += cfavro_client_prefetch(a->client, id, NULL) != CFAVRO_OK;
    }
    a->seconds = now_s() - t0;
    a->failed = failed;
    return NULL;
}

static int measure_hits(cfavro_client *client, size_t iters, hit_result out[4])
{
    int k = 0;
    for (int threads = 1; threads <= 2; threads++) {
        for (int mixed = 0; mixed <= 1; mixed++) {
            double best = DBL_MAX;
            for (int rep = 0; rep < 3; rep++) {
                hit_arg args[2];
                pthread_t tid[2];
                for (int t = 0; t < threads; t++) {
                    args[t] = (hit_arg){client, iters, mixed, 0, 0};
                    if (pthread_create(&tid[t], NULL, hit_thread, &args[t]) != 0)
                        return -1;
                }
                double worst = 0;
                for (int t = 0; t < threads; t++) {
                    pthread_join(tid[t], NULL);
                    if (args[t].failed)
                        return -1;
                    worst = args[t].seconds > worst ? args[t].seconds : worst;
                }
                best = worst < best ? worst : best;
            }
            out[k++] = (hit_result){threads, mixed, best * NS_PER_S / (double)iters};
        }
    }
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* Reporting                                                                 */
/* ------------------------------------------------------------------------ */

static void machine_info(char *cpu, size_t cpu_cap, char *sys, size_t sys_cap, char *date,
                         size_t date_cap)
{
    snprintf(cpu, cpu_cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon += colon[1] == ' ' ? 2 : 1;
                    colon[strcspn(colon, "\n")] = '\0';
                    snprintf(cpu, cpu_cap, "%s", colon);
                }
                break;
            }
        }
        fclose(f);
    }
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(sys, sys_cap, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(sys, sys_cap, "unknown");
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, date_cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double mb_per_s(const schema_run *s, int row)
{
    double avg = s->corpus.count ? (double)s->corpus.payload_bytes / (double)s->corpus.count : 0;
    return s->ns[row] > 0 ? avg / s->ns[row] * 1000.0 : 0; /* bytes/ns * 1e3 = MB/s */
}

static void print_table(const schema_run *s)
{
    double avg = (double)s->corpus.payload_bytes / (double)s->corpus.count;
    printf("\n%s: %zu messages, %.1f bytes average payload (%.1f MB)\n", s->name,
           s->corpus.count, avg, (double)s->corpus.payload_bytes / 1e6);
    printf("  %-30s %12s %10s %9s %10s %11s\n", "decoder", "ns/msg", "MB/s", "x limit",
           "x avro-c", "allocs/msg");
    for (int r = 0; r < ROW_COUNT; r++) {
        if (!s->have[r])
            continue;
        printf("  %-30s %12.1f %10.1f %9.2f %10.3f %11.2f\n", k_rows[r].label, s->ns[r],
               mb_per_s(s, r), s->ns[r] / s->ns[ROW_HW], s->ns[r] / s->ns[ROW_AVROC_READ],
               s->allocs[r]);
    }
    if (s->have[ROW_CF_JSON])
        printf("  cfavro JSON vs avro-c + to_json: %.1fx faster (target >= 20x); "
               "vs limit %.2fx (target <= 6x)\n",
               s->ns[ROW_AVROC_JSON] / s->ns[ROW_CF_JSON], s->ns[ROW_CF_JSON] / s->ns[ROW_HW]);
    if (s->have[ROW_CF_VALIDATE])
        printf("  cfavro validate vs limit: %.2fx wall time (target <= 2.5x in instructions: "
               "see callgrind.sh)\n",
               s->ns[ROW_CF_VALIDATE] / s->ns[ROW_HW]);
}

static int write_json(const char *path, schema_run *runs, int nruns, const hit_result *hits,
                      int nhits, long rss_kb, int repeat)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    char cpu[256], sys[256], date[64];
    machine_info(cpu, sizeof cpu, sys, sizeof sys, date, sizeof date);
    fprintf(f, "{\n  \"date\": \"%s\",\n  \"machine\": {\"cpu\": \"%s\", \"system\": \"%s\"},\n",
            date, cpu, sys);
    fprintf(f, "  \"repeat\": %d,\n  \"schemas\": [\n", repeat);
    for (int i = 0; i < nruns; i++) {
        schema_run *s = &runs[i];
        fprintf(f,
                "    {\"name\": \"%s\", \"schema_id\": %d, \"messages\": %zu, "
                "\"avg_payload_bytes\": %.2f, \"rows\": [\n",
                s->name, (int)s->id, s->corpus.count,
                (double)s->corpus.payload_bytes / (double)s->corpus.count);
        int first = 1;
        for (int r = 0; r < ROW_COUNT; r++) {
            if (!s->have[r])
                continue;
            fprintf(f,
                    "%s      {\"name\": \"%s\", \"ns_per_msg\": %.2f, \"mb_per_s\": %.2f, "
                    "\"ratio_to_limit\": %.3f, \"ratio_to_avroc_read\": %.4f, "
                    "\"allocs_per_msg\": %.3f}",
                    first ? "" : ",\n", k_rows[r].key, s->ns[r], mb_per_s(s, r),
                    s->ns[r] / s->ns[ROW_HW], s->ns[r] / s->ns[ROW_AVROC_READ], s->allocs[r]);
            first = 0;
        }
        fprintf(f, "\n    ]}%s\n", i + 1 < nruns ? "," : "");
    }
    fprintf(f, "  ],\n  \"cache_hit\": [");
    for (int i = 0; i < nhits; i++)
        fprintf(f, "%s\n    {\"threads\": %d, \"ids\": \"%s\", \"ns_per_call_per_thread\": %.2f}",
                i ? "," : "", hits[i].threads, hits[i].mixed ? "mixed" : "same",
                hits[i].ns_per_call);
    fprintf(f, "%s],\n  \"allocation_counting\": %s,\n  \"peak_rss_kb\": %ld\n}\n",
            nhits ? "\n  " : "", cf_alloc_counting() ? "true" : "false", rss_kb);
    fclose(f);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Callgrind mode                                                            */
/* ------------------------------------------------------------------------ */

/* The only function callgrind.sh collects (--toggle-collect): everything
 * below it is the decoder's work on exactly s->corpus.count messages. */
__attribute__((noinline)) uint64_t cf_bench_measured(schema_run *s, row_fn fn);
__attribute__((noinline)) uint64_t cf_bench_measured(schema_run *s, row_fn fn)
{
    row_out o = {0, 0};
    fn(s, 0, s->corpus.count, &o);
    return o.failed ? UINT64_MAX : o.sum;
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cfavro_bench [options]\n"
            "  -t, --trade N      trade messages (default 1000000)\n"
            "  -w, --wide N       wide messages (default 200000)\n"
            "  --seed S           generator seed (default 1)\n"
            "  --repeat R         timed passes per row, best kept (default 3)\n"
            "  --batch B          messages per batch call (default 1000)\n"
            "  --hit-iters N      calls per thread for the cache-hit cost (default 20000000)\n"
            "  --schemas DIR      directory with trade.avsc and wide.avsc\n"
            "  --json FILE        also write the results as JSON\n"
            "  --callgrind ROW --schema trade|wide\n"
            "                     run one decoder once inside cf_bench_measured()\n"
            "rows: handwritten avroc_read avroc_json cfavro_validate cfavro_json "
            "cfavro_batch cfavro_avro\n");
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    size_t trade_n = 1000000, wide_n = 200000, batch = 1000, hit_iters = 20000000, repeat = 3,
           seed = 1;
    const char *json_path = NULL, *dir = CF_BENCH_SCHEMA_DIR, *cg_row = NULL,
               *cg_schema = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t *target = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--trade")) {
            target = &trade_n;
        } else if (!strcmp(a, "-w") || !strcmp(a, "--wide")) {
            target = &wide_n;
        } else if (!strcmp(a, "--seed")) {
            target = &seed;
        } else if (!strcmp(a, "--repeat")) {
            target = &repeat;
        } else if (!strcmp(a, "--batch")) {
            target = &batch;
        } else if (!strcmp(a, "--hit-iters")) {
            target = &hit_iters;
        } else if (!strcmp(a, "--json") && v) {
            json_path = v;
            i++;
            continue;
        } else if (!strcmp(a, "--schemas") && v) {
            dir = v;
            i++;
            continue;
        } else if (!strcmp(a, "--callgrind") && v) {
            cg_row = v;
            i++;
            continue;
        } else if (!strcmp(a, "--schema") && v) {
            cg_schema = v;
            i++;
            continue;
        } else {
            usage(stderr);
            return 2;
        }
        if (!v || parse_size(v, target) != 0) {
            fprintf(stderr, "%s needs a non-negative number\n", a);
            return 2;
        }
        i++;
    }
    if (batch == 0 || repeat == 0) {
        fprintf(stderr, "--batch and --repeat must be at least 1\n");
        return 2;
    }

    schema_run runs[2] = {
        {.name = "trade", .id = CF_BENCH_TRADE_ID, .count = trade_n, .hw = cf_hw_trade},
        {.name = "wide", .id = CF_BENCH_WIDE_ID, .count = wide_n, .hw = cf_hw_wide},
    };
    runs[0].batch = runs[1].batch = batch;

#ifdef CF_BENCH_NO_CFAVRO
    const int with_cfavro = 0;
#else
    const int with_cfavro = 1;
#endif

    if (cg_row) {
        int row = -1;
        for (int r = 0; r < ROW_COUNT; r++)
            if (!strcmp(cg_row, k_rows[r].key))
                row = r;
        schema_run *s = cg_schema && !strcmp(cg_schema, "wide") ? &runs[1] : &runs[0];
        if (row < 0 || (k_rows[row].cfavro && !with_cfavro) ||
            (cg_schema && strcmp(cg_schema, s->name))) {
            fprintf(stderr, "unknown or unavailable row/schema\n");
            return 2;
        }
        if (setup_schema(s, dir, seed, k_rows[row].cfavro) != 0)
            return 1;
        row_fn fn = row_function(row);
        row_out warm = {0, 0};
        fn(s, 0, s->corpus.count < 1000 ? s->corpus.count : 1000, &warm);
        uint64_t r = cf_bench_measured(s, fn);
        printf("%s %s messages %zu payload_bytes %zu result %s\n", s->name, k_rows[row].key,
               s->corpus.count, s->corpus.payload_bytes, r == UINT64_MAX ? "FAILED" : "ok");
        teardown_schema(s);
        return r == UINT64_MAX ? 1 : 0;
    }

    int status = 0;
    printf("cfavro_bench: %zu trade + %zu wide messages, seed %zu, best of %zu passes, "
           "allocation counting %s\n",
           trade_n, wide_n, seed, repeat, cf_alloc_counting() ? "on" : "off (sanitizer build)");
    for (int i = 0; i < 2; i++) {
        schema_run *s = &runs[i];
        if (s->count == 0)
            continue;
        if (setup_schema(s, dir, seed, with_cfavro) != 0)
            return 1;
        if (verify_schema(s, with_cfavro) != 0) {
            fprintf(stderr, "%s: decoders disagree; not timing\n", s->name);
            return 1;
        }
        for (int r = 0; r < ROW_COUNT; r++) {
            if (k_rows[r].cfavro && !with_cfavro)
                continue;
            time_row(s, r, (int)repeat, k_rows[r].slow ? 2.0 : 5.0);
            /* cfavro's own rows allocate nothing once warm; the bridge's
             * allocations are avro-c's (its arrays and maps free and make
             * their elements on every fill, as in avroc_read). */
            if (k_rows[r].cfavro && s->allocs[r] != 0 && strcmp(k_rows[r].key, "cfavro_avro")) {
                fprintf(stderr, "%s/%s: %.4f allocations per message in steady state "
                        "(expected 0)\n", s->name, k_rows[r].key, s->allocs[r]);
                status = 1;
            }
        }
        print_table(s);
    }

    hit_result hits[4];
    int nhits = 0;
#ifndef CF_BENCH_NO_CFAVRO
    if (runs[0].client && runs[1].client && hit_iters) {
        /* one client holding both ids, as a consumer of a mixed topic has */
        cfavro_error err;
        cfavro_client *client = cfavro_client_new(NULL, &err);
        if (!client ||
            cfavro_client_add_schema(client, 1, runs[0].schema_json, runs[0].schema_len,
                                     &err) != CFAVRO_OK ||
            cfavro_client_add_schema(client, 2, runs[1].schema_json, runs[1].schema_len,
                                     &err) != CFAVRO_OK ||
            measure_hits(client, hit_iters, hits) != 0) {
            fprintf(stderr, "cache-hit measurement failed\n");
            status = 1;
        } else {
            nhits = 4;
            printf("\ncache hit (cfavro_client_prefetch on a compiled id), ns per call per "
                   "thread:\n");
            for (int i = 0; i < nhits; i++)
                printf("  %d thread%s, %-5s ids: %6.2f ns\n", hits[i].threads,
                       hits[i].threads > 1 ? "s" : " ", hits[i].mixed ? "mixed" : "same",
                       hits[i].ns_per_call);
        }
        cfavro_client_free(client);
    }
#endif

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak RSS: %.1f MB (corpora: %.1f MB)\n", (double)ru.ru_maxrss / 1024.0,
           (double)(runs[0].corpus.size + runs[1].corpus.size) / 1e6);
    if (json_path && write_json(json_path, runs, 2, hits, nhits, ru.ru_maxrss, (int)repeat) != 0)
        status = 1;
    for (int i = 0; i < 2; i++)
        teardown_schema(&runs[i]);
    return status;
}
