/*
 * bench_cache: what finding a schema costs (issue 9, item 10).
 *
 * 1. Hit cost per lookup, 1 and 2 threads, on 1 id, 8 alternating ids (as
 *    many as a decoder's memo holds) and 16 (more: every lookup misses the
 *    memo and goes to the shared table). Four rows:
 *      lookup    what a decoder does per message (decoder.c's lookup): its
 *                memo (memo_internal.h), on a miss cf_client_acquire and
 *                cf_memo_put (which releases the replaced entry);
 *      shared    the shared table alone: cf_cache_get + cf_cache_release on
 *                a warm cache (lock-free find, one CAS, one decrement);
 *      validate  the public cfavro_validate on a 6-byte V0 message whose
 *                schema is "boolean": the whole per-message call;
 *      walk      cf_walk_validate of that payload with the schema in hand:
 *                validate minus walk is the lookup plus the call's overhead.
 *    Each figure is ns per call per thread, the median of several runs.
 *    Every thread has its own memo / decoder, as every decoder has.
 * 2. Cold start (bench_cache_cold.c): 8 threads x 100 ids, each thread in
 *    its own order, from schema.dir (loads counted at the cache's loader)
 *    and from the loopback test registry (requests counted by the server).
 * 3. Registry down: decode throughput of cached ids with the source up and
 *    gone.
 *
 * --callgrind ROW --ids N runs one row on one thread inside
 * cf_bench_cache_measured() after a warm-up outside it, for
 * bench/cache_bench.sh, which turns instructions into Ir per lookup.
 *
 * No time is asserted. The program fails only when a count that must hold
 * does not (a lookup or decode fails, the cold start loads an id twice).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cache.h"
#include "client_internal.h"
#include "memo_internal.h"
#include "walk_internal.h"

/* ---- shared helpers -------------------------------------------------------- */

double bc_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bc_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t bc_mix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double bc_thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct thread_start {
    pthread_barrier_t *barrier;
    void *(*body)(void *);
    void *arg;
    double began, ended; /* monotonic seconds */
} thread_start;

static void *start_after_barrier(void *p)
{
    thread_start *s = p;
    pthread_barrier_wait(s->barrier);
    s->began = bc_now_s();
    void *r = s->body(s->arg);
    s->ended = bc_now_s();
    return r;
}

#define BC_MAX_THREADS 16

int bc_run_threads(int n, void *(*body)(void *), void *args, size_t stride, double *elapsed_s)
{
    if (n < 1 || n > BC_MAX_THREADS) {
        fprintf(stderr, "bench_cache: %d threads (1..%d)\n", n, BC_MAX_THREADS);
        return -1;
    }
    pthread_barrier_t barrier;
    if (pthread_barrier_init(&barrier, NULL, (unsigned)n) != 0) {
        fprintf(stderr, "bench_cache: cannot make a barrier\n");
        return -1;
    }
    pthread_t tid[BC_MAX_THREADS];
    thread_start start[BC_MAX_THREADS];
    for (int i = 0; i < n; i++) {
        start[i] = (thread_start){&barrier, body, (char *)args + (size_t)i * stride, 0, 0};
        int rc = pthread_create(&tid[i], NULL, start_after_barrier, &start[i]);
        if (rc != 0) {
            /* The started threads wait at the barrier for ever: give up. */
            fprintf(stderr, "bench_cache: pthread_create: %s\n", strerror(rc));
            exit(2);
        }
    }
    double began = 0, ended = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        began = i == 0 || start[i].began < began ? start[i].began : began;
        ended = start[i].ended > ended ? start[i].ended : ended;
    }
    if (elapsed_s != NULL) {
        /* From the first thread's start, not from a moment this thread saw:
         * on a busy machine it may be scheduled after the workers are done. */
        *elapsed_s = ended - began;
    }
    pthread_barrier_destroy(&barrier);
    return 0;
}

void bc_cold_message(uint8_t msg[BC_COLD_MSG_SIZE], int32_t id)
{
    uint32_t u = (uint32_t)id;
    uint8_t m[BC_COLD_MSG_SIZE] = {0, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8),
                                   (uint8_t)u, 0x02 /* long 1 */, 0x00 /* "" */};
    memcpy(msg, m, sizeof m);
}

void bc_cold_schema(char *out, size_t cap, int32_t id)
{
    snprintf(out, cap,
             "{\"type\":\"record\",\"name\":\"bench.Cold%d\",\"fields\":["
             "{\"name\":\"seq\",\"type\":\"long\"},{\"name\":\"note\",\"type\":\"string\"}]}",
             (int)id);
}

/* ---- hit cost -------------------------------------------------------------- */

#define MAX_IDS 16 /* a power of two: ids are picked with i & (n - 1) */
#define HIT_MSG_SIZE 6

typedef enum hit_row { ROW_LOOKUP, ROW_SHARED, ROW_VALIDATE, ROW_WALK, N_ROWS } hit_row;
static const char *const k_row_names[N_ROWS] = {"lookup", "shared", "validate", "walk"};
static const char *const k_row_titles[N_ROWS] = {
    "lookup: decoder memo, miss -> cache",
    "shared: cf_cache_get + release",
    "cfavro_validate, 6-byte message",
    "cf_walk_validate, schema in hand",
};

/* What every thread reads: a client whose cache holds ids 1..MAX_IDS. */
typedef struct hit_fixture {
    cfavro_client *client;
    int32_t ids[MAX_IDS];
    uint8_t msgs[MAX_IDS][HIT_MSG_SIZE];
    const cf_schema *schemas[MAX_IDS];
    cf_cache_entry *held[MAX_IDS]; /* the references behind schemas[] */
} hit_fixture;

typedef struct hit_thread {
    const hit_fixture *fx;
    hit_row row;
    size_t iters;
    uint32_t mask; /* ids - 1 */
    double seconds;     /* wall */
    double cpu_seconds; /* this thread's CPU time */
    size_t failed;
    char pad[64]; /* threads write their results into neighbouring slots */
} hit_thread;

/* decoder.c's lookup, verbatim in effect: the memo, then the client. */
static CF_ALWAYS_INLINE cf_cache_entry *decoder_lookup(cfavro_client *client, cf_memo *memo,
                                                       const cf_schema_key *key)
{
    cf_cache_entry *e = cf_memo_find(memo, key);
    if (CF_LIKELY(e != NULL)) {
        return e;
    }
    if (cf_client_acquire(client, key, &e, NULL) != CFAVRO_OK) {
        return NULL;
    }
    cf_memo_put(memo, key, e);
    return e;
}

/* The measured loops. Keys are built from the id per call, as the decoder
 * builds them from the message header. */
static size_t loop_lookup(const hit_fixture *fx, cf_memo *memo, size_t iters, uint32_t mask)
{
    size_t failed = 0;
    for (size_t i = 0; i < iters; i++) {
        cf_schema_key key = cf_key_id(fx->ids[i & mask]);
        cf_cache_entry *e = decoder_lookup(fx->client, memo, &key);
        failed += e == NULL;
        BC_KEEP(e);
    }
    return failed;
}

static size_t loop_shared(const hit_fixture *fx, size_t iters, uint32_t mask)
{
    cf_cache *cache = &fx->client->cache;
    const cf_cache_policy *policy = &fx->client->policy;
    size_t failed = 0;
    for (size_t i = 0; i < iters; i++) {
        cf_schema_key key = cf_key_id(fx->ids[i & mask]);
        cf_cache_entry *e;
        failed += cf_cache_get(cache, &key, policy, &e, NULL) != CFAVRO_OK;
        BC_KEEP(e);
        cf_cache_release(e);
    }
    return failed;
}

static size_t loop_validate(const hit_fixture *fx, cfavro_decoder *dec, size_t iters,
                            uint32_t mask)
{
    size_t failed = 0;
    for (size_t i = 0; i < iters; i++) {
        const uint8_t *msg = fx->msgs[i & mask];
        BC_KEEP(msg);
        failed += cfavro_validate(dec, msg, HIT_MSG_SIZE) != CFAVRO_OK;
    }
    return failed;
}

static size_t loop_walk(const hit_fixture *fx, cf_walk_keys *keys, size_t iters, uint32_t mask)
{
    const cf_walk_limits *limits = &fx->client->defaults.walk;
    cfavro_error err;
    size_t failed = 0;
    for (size_t i = 0; i < iters; i++) {
        const uint8_t *msg = fx->msgs[i & mask];
        BC_KEEP(msg);
        failed += cf_walk_validate(fx->schemas[i & mask], limits, keys,
                                   msg + CFAVRO_HEADER_V0_SIZE,
                                   HIT_MSG_SIZE - CFAVRO_HEADER_V0_SIZE, CFAVRO_HEADER_V0_SIZE,
                                   &err) != CFAVRO_OK;
    }
    return failed;
}

/* Per-thread state of a row: what a decoder would own. */
typedef struct row_state {
    cf_memo memo;
    cfavro_decoder *dec;
    cf_walk_keys keys;
} row_state;

static int row_state_open(row_state *s, const hit_fixture *fx)
{
    memset(s, 0, sizeof *s);
    cfavro_error err;
    s->dec = cfavro_decoder_new(fx->client, &err);
    if (s->dec == NULL) {
        fprintf(stderr, "bench_cache: cfavro_decoder_new: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void row_state_close(row_state *s)
{
    cf_memo_clear(&s->memo);
    cfavro_decoder_free(s->dec);
    cf_walk_keys_free(&s->keys);
}

static size_t run_row(const hit_fixture *fx, row_state *s, hit_row row, size_t iters,
                      uint32_t mask)
{
    switch (row) {
    case ROW_LOOKUP:
        return loop_lookup(fx, &s->memo, iters, mask);
    case ROW_SHARED:
        return loop_shared(fx, iters, mask);
    case ROW_VALIDATE:
        return loop_validate(fx, s->dec, iters, mask);
    case ROW_WALK:
        return loop_walk(fx, &s->keys, iters, mask);
    default:
        return iters;
    }
}

/* Enough calls to fill the memo and the branch predictors, outside any
 * timing or collection. */
#define WARM_UP 4096

static void *hit_thread_body(void *p)
{
    hit_thread *t = p;
    row_state s;
    if (row_state_open(&s, t->fx) != 0) {
        t->failed = t->iters;
        return NULL;
    }
    size_t failed = run_row(t->fx, &s, t->row, WARM_UP, t->mask);
    double t0 = bc_now_s(), c0 = bc_thread_cpu_s();
    failed += run_row(t->fx, &s, t->row, t->iters, t->mask);
    t->cpu_seconds = bc_thread_cpu_s() - c0;
    t->seconds = bc_now_s() - t0;
    t->failed = failed;
    row_state_close(&s);
    return NULL;
}

static int hit_fixture_open(hit_fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    cfavro_error err;
    fx->client = cfavro_client_new(NULL, &err);
    if (fx->client == NULL) {
        fprintf(stderr, "bench_cache: cfavro_client_new: %s\n", err.message);
        return -1;
    }
    for (int i = 0; i < MAX_IDS; i++) {
        int32_t id = 101 + i; /* not 1..MAX_IDS: ids are not slots */
        fx->ids[i] = id;
        uint8_t m[HIT_MSG_SIZE] = {0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 1 /* true */};
        memcpy(fx->msgs[i], m, sizeof m);
        cf_schema_key key = cf_key_id(id);
        if (cfavro_client_add_schema(fx->client, id, "\"boolean\"", 9, &err) != CFAVRO_OK ||
            cf_client_acquire(fx->client, &key, &fx->held[i], &err) != CFAVRO_OK) {
            fprintf(stderr, "bench_cache: schema %d: %s\n", (int)id, err.message);
            return -1;
        }
        fx->schemas[i] = fx->held[i]->schema;
    }
    return 0;
}

static void hit_fixture_close(hit_fixture *fx)
{
    for (int i = 0; i < MAX_IDS; i++) {
        cf_cache_release(fx->held[i]);
    }
    cfavro_client_free(fx->client);
}

/* A figure: ns per call per thread, the median over runs of the threads'
 * mean, in thread CPU time and in wall time. */
typedef struct hit_ns {
    double cpu;
    double wall;
    double parallel; /* CPU seconds of all threads / elapsed: 2.0 when two
                        threads really ran at once all along */
} hit_ns;

static int measure(const hit_fixture *fx, hit_row row, int threads, int ids,
                   const bc_options *o, hit_ns *ns)
{
    double cpu[64], wall[64], parallel[64];
    int runs = o->runs < 64 ? o->runs : 64;
    for (int r = 0; r < runs; r++) {
        hit_thread t[2];
        for (int i = 0; i < threads; i++) {
            t[i] = (hit_thread){.fx = fx, .row = row, .iters = o->iters, .mask = (uint32_t)ids - 1};
        }
        double elapsed;
        if (bc_run_threads(threads, hit_thread_body, t, sizeof t[0], &elapsed) != 0) {
            return -1;
        }
        cpu[r] = wall[r] = parallel[r] = 0;
        for (int i = 0; i < threads; i++) {
            if (t[i].failed != 0) {
                fprintf(stderr, "bench_cache: %s on %d ids: %zu calls failed\n",
                        k_row_names[row], ids, t[i].failed);
                return -1;
            }
            cpu[r] += t[i].cpu_seconds * 1e9 / (double)o->iters / threads;
            wall[r] += t[i].seconds * 1e9 / (double)o->iters / threads;
            parallel[r] += t[i].cpu_seconds / elapsed; /* warm-up included: a little low */
        }
    }
    ns->parallel = bc_median(parallel, (size_t)runs);
    ns->cpu = bc_median(cpu, (size_t)runs);
    ns->wall = bc_median(wall, (size_t)runs);
    return 0;
}

static int hit_cost(const bc_options *o)
{
    hit_fixture fx;
    if (hit_fixture_open(&fx) != 0) {
        hit_fixture_close(&fx);
        return 1;
    }
    static const int k_ids[] = {1, 8, 16};
    hit_ns ns[N_ROWS][3][2];
    printf("schema-cache hit: ns per call per thread, median of %d runs of %zu calls;\n"
           "cpu = the thread's CPU time (holds when the machine is busy), wall = elapsed;\n"
           "par = how many of the 2 threads ran at once on average (2.00: all along)\n",
           o->runs, o->iters);
    printf("%-36s %4s %8s %8s %6s %5s %8s %8s\n", "row", "ids", "1t cpu", "2t cpu", "2t/1t",
           "par", "1t wall", "2t wall");
    int status = 0;
    for (int row = 0; row < N_ROWS && status == 0; row++) {
        for (int k = 0; k < 3 && status == 0; k++) {
            for (int threads = 1; threads <= 2 && status == 0; threads++) {
                if (measure(&fx, (hit_row)row, threads, k_ids[k], o, &ns[row][k][threads - 1]) !=
                    0) {
                    status = 1;
                }
            }
            if (status == 0) {
                const hit_ns *one = &ns[row][k][0], *two = &ns[row][k][1];
                printf("%-36s %4d %8.2f %8.2f %6.2f %5.2f %8.2f %8.2f\n", k_row_titles[row],
                       k_ids[k], one->cpu, two->cpu, two->cpu / one->cpu, two->parallel,
                       one->wall, two->wall);
            }
        }
    }
    if (status == 0) {
        printf("cfavro_validate minus cf_walk_validate (lookup + call overhead), 1 thread cpu:");
        for (int k = 0; k < 3; k++) {
            printf(" %d id%s %.2f ns%s", k_ids[k], k_ids[k] > 1 ? "s" : "",
                   ns[ROW_VALIDATE][k][0].cpu - ns[ROW_WALK][k][0].cpu, k < 2 ? "," : "\n");
        }
    }
    hit_fixture_close(&fx);
    return status;
}

/* ---- callgrind mode -------------------------------------------------------- */

/* The only collected function (valgrind --toggle-collect). */
__attribute__((noinline)) size_t cf_bench_cache_measured(const hit_fixture *fx, row_state *s,
                                                         hit_row row, size_t iters,
                                                         uint32_t mask);
__attribute__((noinline)) size_t cf_bench_cache_measured(const hit_fixture *fx, row_state *s,
                                                         hit_row row, size_t iters,
                                                         uint32_t mask)
{
    return run_row(fx, s, row, iters, mask);
}

static int callgrind_row(const char *name, int ids, size_t iters)
{
    int row = 0;
    while (row < N_ROWS && strcmp(k_row_names[row], name) != 0) {
        row++;
    }
    if (row == N_ROWS || ids < 1 || ids > MAX_IDS || (ids & (ids - 1)) != 0) {
        fprintf(stderr, "bench_cache: --callgrind lookup|shared|validate|walk, --ids 1|2|4|8|16\n");
        return 2;
    }
    hit_fixture fx;
    row_state s;
    if (hit_fixture_open(&fx) != 0 || row_state_open(&s, &fx) != 0) {
        return 1;
    }
    size_t failed = run_row(&fx, &s, (hit_row)row, WARM_UP, (uint32_t)ids - 1);
    failed += cf_bench_cache_measured(&fx, &s, (hit_row)row, iters, (uint32_t)ids - 1);
    printf("%s ids=%d calls=%zu failed=%zu\n", name, ids, iters, failed);
    row_state_close(&s);
    hit_fixture_close(&fx);
    return failed != 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_cache [--quick] [--iters N] [--runs N] [--no-registry]\n"
            "                   [--callgrind ROW --ids N]\n"
            "  --quick        short runs (the meson benchmark)\n"
            "  --iters N      calls per thread per run for the hit cost (default 20000000)\n"
            "  --runs N       runs per figure, median reported (default 5)\n"
            "  --no-registry  skip the parts that start the test registry\n"
            "  --callgrind R  run row R (lookup, shared, validate, walk) once on one thread\n"
            "                 inside cf_bench_cache_measured (bench/cache_bench.sh)\n"
            "environment: CFAVRO_PYTHON (python3), CFAVRO_SOURCE_ROOT (the source tree,\n"
            "for tests/registry/server.py)\n");
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0) {
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *python = getenv("CFAVRO_PYTHON");
    const char *root = getenv("CFAVRO_SOURCE_ROOT");
    bc_options o = {.iters = 20000000, .runs = 5, .registry = true,
                    .python = python && *python ? python : "python3",
                    .source_root = root && *root ? root : "."};
    const char *callgrind = NULL;
    size_t ids = 1, runs = 0, iters = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            o.quick = true;
        } else if (!strcmp(a, "--no-registry")) {
            o.registry = false;
        } else if (!strcmp(a, "--iters") && v && parse_count(v, &iters) == 0) {
            i++;
        } else if (!strcmp(a, "--runs") && v && parse_count(v, &runs) == 0 && runs <= 64) {
            i++;
        } else if (!strcmp(a, "--ids") && v && parse_count(v, &ids) == 0) {
            i++;
        } else if (!strcmp(a, "--callgrind") && v) {
            callgrind = v;
            i++;
        } else {
            usage(!strcmp(a, "--help") ? stdout : stderr);
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    if (o.quick) {
        o.iters = 1000000;
        o.runs = 3;
    }
    if (iters) {
        o.iters = iters;
    }
    if (runs) {
        o.runs = (int)runs;
    }
    if (callgrind != NULL) {
        return callgrind_row(callgrind, (int)ids, iters ? iters : 100000);
    }
    int status = hit_cost(&o);
    printf("\n");
    status |= bc_cold_directory(&o);
    printf("\n");
    status |= bc_cold_registry(&o);
    return status;
}
