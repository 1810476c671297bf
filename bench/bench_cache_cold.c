/* bench_cache's cold start and source-down parts.
 *
 * Cold start: 8 threads, each with its own decoder, decode one message of
 * each of 100 ids, each thread in its own order, on a client whose cache is
 * empty. Single flight means exactly 100 loads however the threads collide.
 * Loads are counted at the cache's loader (a wrapper around the client's
 * policy, internal), requests by the test registry's own log. Time to ready:
 * from the threads' common start to the last one's end.
 *
 * Source down: decode throughput of cached ids, one thread, with the source
 * there and gone (schema.dir renamed away; the registry failing every
 * request, then killed). A hit never asks a source, so both must match; the
 * loader's counter proves no load happened while measuring.
 *
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_cache.h"
#include "client_internal.h"

#define COLD_THREADS 8
#define COLD_IDS 100
#define FIRST_ID 1

/* ---- loads counted at the cache's loader ----------------------------------- */

typedef struct counting_loader {
    cf_cache_policy inner;
    atomic_size_t loads;
    long delay_us; /* added to every load: a registry's round trip */
} counting_loader;

static int counting_load(void *ctx, const cf_schema_key *key, cf_load_result *out,
                         cfavro_error *err)
{
    counting_loader *l = ctx;
    atomic_fetch_add(&l->loads, 1);
    if (l->delay_us > 0) {
        struct timespec d = {l->delay_us / 1000000, (l->delay_us % 1000000) * 1000};
        nanosleep(&d, NULL);
    }
    return l->inner.load(l->inner.ctx, key, out, err);
}

/* Put the counter in front of the client's sources. Before any decoder
 * exists: nothing reads the policy concurrently. */
static void count_loads(cfavro_client *c, counting_loader *l, long delay_us)
{
    l->inner = c->policy;
    atomic_init(&l->loads, 0);
    l->delay_us = delay_us;
    c->policy.load = counting_load;
    c->policy.ctx = l;
}

static size_t loads_of(counting_loader *l)
{
    return atomic_load(&l->loads);
}

/* ---- the cold start ---------------------------------------------------------- */

typedef struct cold_thread {
    cfavro_client *client;
    int index;
    size_t failed;
    cfavro_error first_failure;
    char pad[64];
} cold_thread;

static void *cold_thread_body(void *p)
{
    cold_thread *t = p;
    int32_t order[COLD_IDS];
    for (int i = 0; i < COLD_IDS; i++) {
        order[i] = FIRST_ID + i;
    }
    uint64_t seed = (uint64_t)t->index * 7919u + 1u; /* each thread its own order */
    for (int i = COLD_IDS - 1; i > 0; i--) {
        int j = (int)(bc_mix(&seed) % (uint64_t)(i + 1));
        int32_t tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(t->client, &err);
    if (dec == NULL) {
        t->failed = COLD_IDS;
        t->first_failure = err;
        return NULL;
    }
    for (int i = 0; i < COLD_IDS; i++) {
        uint8_t msg[BC_COLD_MSG_SIZE];
        bc_cold_message(msg, order[i]);
        if (cfavro_validate(dec, msg, sizeof msg) != CFAVRO_OK) {
            if (t->failed++ == 0) {
                t->first_failure = *cfavro_decoder_error(dec);
            }
        }
    }
    cfavro_decoder_free(dec);
    return NULL;
}

/* Run one cold start on `client`. Returns decodes that failed (first one in
 * *why), or -1 when the threads could not run. */
static long cold_run(cfavro_client *client, double *seconds, cfavro_error *why)
{
    cold_thread t[COLD_THREADS];
    memset(t, 0, sizeof t);
    for (int i = 0; i < COLD_THREADS; i++) {
        t[i].client = client;
        t[i].index = i;
    }
    if (bc_run_threads(COLD_THREADS, cold_thread_body, t, sizeof t[0], seconds) != 0) {
        return -1;
    }
    long failed = 0;
    for (int i = 0; i < COLD_THREADS; i++) {
        if (t[i].failed != 0 && failed == 0) {
            *why = t[i].first_failure;
        }
        failed += (long)t[i].failed;
    }
    return failed;
}

static int count_ready(void *arg, const cfavro_cache_item *item)
{
    if (item->state == CFAVRO_CACHE_READY) {
        (*(size_t *)arg)++;
    }
    return 0;
}

static size_t cached_ready(cfavro_client *client)
{
    size_t n = 0;
    cfavro_error err;
    if (cfavro_client_cache_list(client, count_ready, &n, &err) != CFAVRO_OK) {
        fprintf(stderr, "bench_cache: cfavro_client_cache_list: %s\n", err.message);
    }
    return n;
}

/* ---- decode throughput of cached ids -------------------------------------------- */

/* ns of CPU time per message (wall time on a shared machine measures the
 * neighbours), one thread, the median of o->runs: `ids` ids from
 * FIRST_ID in turn (more than a decoder's memo holds: each lookup then
 * reaches the shared table). */
static double decode_rate(cfavro_client *client, int ids, const bc_options *o, size_t *failed)
{
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(client, &err);
    if (dec == NULL) {
        *failed = 1;
        return 0;
    }
    uint8_t msgs[COLD_IDS][BC_COLD_MSG_SIZE];
    for (int i = 0; i < ids; i++) {
        bc_cold_message(msgs[i], FIRST_ID + i);
    }
    size_t iters = o->iters / 4 > 0 ? o->iters / 4 : 1;
    double per_run[64];
    int runs = o->runs < 64 ? o->runs : 64;
    for (int r = 0; r < runs; r++) {
        double t0 = bc_thread_cpu_s();
        int j = 0;
        for (size_t i = 0; i < iters; i++) {
            *failed += cfavro_validate(dec, msgs[j], BC_COLD_MSG_SIZE) != CFAVRO_OK;
            j = j + 1 == ids ? 0 : j + 1;
        }
        per_run[r] = (bc_thread_cpu_s() - t0) * 1e9 / (double)iters;
    }
    cfavro_decoder_free(dec);
    return bc_median(per_run, (size_t)runs);
}

typedef struct rate_pair {
    double one;  /* ns per message, one id */
    double many; /* ns per message, COLD_IDS ids in turn */
} rate_pair;

static int rates(cfavro_client *client, const bc_options *o, rate_pair *out)
{
    size_t failed = 0;
    out->one = decode_rate(client, 1, o, &failed);
    out->many = decode_rate(client, COLD_IDS, o, &failed);
    if (failed != 0) {
        fprintf(stderr, "bench_cache: %zu decodes of cached ids failed\n", failed);
        return -1;
    }
    return 0;
}

static void print_rates(const char *label, const rate_pair *r, const rate_pair *base)
{
    printf("  %-26s %7.2f cpu ns/msg (1 id) %7.2f (%d ids)", label, r->one, r->many,
           COLD_IDS);
    if (base != NULL) {
        printf("  x%.2f / x%.2f", r->one / base->one, r->many / base->many);
    }
    printf("\n");
}

/* The status of decoding an id no source had: with the source down it must
 * fail (proof that it is down while cached ids keep decoding). */
static int decode_uncached(cfavro_client *client)
{
    uint8_t msg[BC_COLD_MSG_SIZE];
    bc_cold_message(msg, FIRST_ID + COLD_IDS);
    cfavro_decoder *dec = cfavro_decoder_new(client, NULL);
    int rc = dec ? cfavro_validate(dec, msg, sizeof msg) : CFAVRO_E_NOMEM;
    cfavro_decoder_free(dec);
    return rc;
}

/* ---- cold start from schema.dir ---------------------------------------------- */

static cfavro_client *client_with(const char *key, const char *value, const char *key2,
                                  const char *value2)
{
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    cfavro_client *c = NULL;
    if (cfg != NULL && cfavro_config_set(cfg, key, value, &err) == CFAVRO_OK &&
        (key2 == NULL || cfavro_config_set(cfg, key2, value2, &err) == CFAVRO_OK)) {
        c = cfavro_client_new(cfg, &err);
    }
    if (c == NULL) {
        fprintf(stderr, "bench_cache: client with %s=%s: %s\n", key, value,
                cfg ? err.message : "out of memory");
    }
    cfavro_config_free(cfg);
    return c;
}

static int write_schema_dir(const char *dir)
{
    for (int i = 0; i < COLD_IDS; i++) {
        char path[512], text[256];
        snprintf(path, sizeof path, "%s/%d.avsc", dir, FIRST_ID + i);
        bc_cold_schema(text, sizeof text, FIRST_ID + i);
        FILE *f = fopen(path, "w");
        if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "bench_cache: cannot write %s\n", path);
            return -1;
        }
    }
    return 0;
}

static void remove_schema_dir(const char *dir)
{
    for (int i = 0; i < COLD_IDS; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%d.avsc", dir, FIRST_ID + i);
        unlink(path);
    }
    rmdir(dir);
}

/* Cold starts from `dir` with `delay_us` per load, counted in *loader; the
 * last client is kept in *keep (NULL: freed). 0, or 1 when a count is
 * wrong. */
static int cold_directory_runs(const char *dir, long delay_us, const bc_options *o,
                               cfavro_client **keep, counting_loader *loader)
{
    double secs[64] = {0};
    int runs = o->runs < 64 ? o->runs : 64;
    size_t loads_min = (size_t)-1, loads_max = 0, cached_min = (size_t)-1;
    int status = 0;
    for (int r = 0; r < runs; r++) {
        cfavro_client *c = client_with("schema.dir", dir, NULL, NULL);
        if (c == NULL) {
            return 1;
        }
        count_loads(c, loader, delay_us); /* the kept client keeps this counter */
        cfavro_error why;
        long failed = cold_run(c, &secs[r], &why);
        size_t loads = loads_of(loader), cached = cached_ready(c);
        loads_min = loads < loads_min ? loads : loads_min;
        loads_max = loads > loads_max ? loads : loads_max;
        cached_min = cached < cached_min ? cached : cached_min;
        if (failed != 0) {
            fprintf(stderr, "bench_cache: cold start: %ld decodes failed, first: %s\n", failed,
                    failed > 0 ? why.message : "threads did not run");
            status = 1;
        }
        if (keep != NULL && r == runs - 1) {
            *keep = c;
        } else {
            cfavro_client_free(c);
        }
    }
    if (loads_min != COLD_IDS || loads_max != COLD_IDS || cached_min != COLD_IDS) {
        status = 1;
    }
    double lo = secs[0], hi = secs[0];
    for (int r = 1; r < runs; r++) {
        lo = secs[r] < lo ? secs[r] : lo;
        hi = secs[r] > hi ? secs[r] : hi;
    }
    printf("  %-30s loads %zu..%zu (target %d)  cached %zu  ready in %7.2f ms (%.2f..%.2f)%s\n",
           delay_us ? "schema.dir, +2 ms per load" : "schema.dir", loads_min, loads_max,
           COLD_IDS, cached_min, bc_median(secs, (size_t)runs) * 1e3, lo * 1e3, hi * 1e3,
           status ? "  MISMATCH" : "");
    return status;
}

int bc_cold_directory(const bc_options *o)
{
    char dir[] = "/tmp/cfavro-bench-cache-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("bench_cache: mkdtemp");
        return 1;
    }
    int status = write_schema_dir(dir);
    printf("cold start: %d threads x %d ids, each thread in its own order, median of %d runs\n",
           COLD_THREADS, COLD_IDS, o->runs);
    counting_loader loader, unused;
    cfavro_client *client = NULL;
    if (status == 0) {
        status |= cold_directory_runs(dir, 0, o, &client, &loader);
        status |= cold_directory_runs(dir, 2000, o, NULL, &unused);
    }
    if (client != NULL) {
        /* The source goes away; cached ids must not notice. */
        printf("source down (schema.dir renamed away), cached ids, 1 thread:\n");
        char gone[sizeof dir + 8];
        snprintf(gone, sizeof gone, "%s.gone", dir);
        rate_pair up, down;
        size_t before = loads_of(&loader);
        if (rates(client, o, &up) != 0 || rename(dir, gone) != 0 ||
            rates(client, o, &down) != 0) {
            status = 1;
        } else {
            size_t during = loads_of(&loader) - before;
            print_rates("source up", &up, NULL);
            print_rates("source gone", &down, &up);
            int rc = decode_uncached(client);
            printf("  loads while measuring: %zu (target 0); an uncached id with the source "
                   "gone: %s\n",
                   during, cfavro_strerror(rc));
            status |= during != 0 || rc == CFAVRO_OK;
            rename(gone, dir);
        }
        cfavro_client_free(client);
    }
    remove_schema_dir(dir);
    return status;
}

/* ---- cold start from the test registry ---------------------------------------- */

#ifndef CF_HAVE_REGISTRY
int bc_cold_registry(const bc_options *o)
{
    (void)o;
    printf("registry: skipped: this build has no registry client (libcurl not found or "
           "-Dregistry=disabled)\n");
    return 0;
}
#else
#include <jansson.h>

/* A data file (tests/registry/README.md) with the cold start's ids. */
static int write_registry_data(const char *path)
{
    json_t *ids = json_object();
    for (int i = 0; i < COLD_IDS; i++) {
        char id[16], text[256];
        snprintf(id, sizeof id, "%d", FIRST_ID + i);
        bc_cold_schema(text, sizeof text, FIRST_ID + i);
        json_object_set_new(ids, id, json_pack("{s:s}", "schema", text));
    }
    json_t *data = json_pack("{s:{s:{s:o,s:{}}}}", "contexts", ".", "ids", ids, "subjects");
    int rc = data != NULL ? json_dump_file(data, path, 0) : -1;
    json_decref(data);
    return rc;
}

/* A registry-backed client with short retries (the outage probe below
 * should not sit out Confluent's default backoff), or NULL with `err`
 * filled. */
static cfavro_client *registry_client(const bc_registry *r, cfavro_error *err)
{
    cfavro_config *cfg = cfavro_config_new();
    cfavro_client *c = NULL;
    if (cfg == NULL) {
        snprintf(err->message, sizeof err->message, "out of memory");
        err->status = CFAVRO_E_NOMEM;
    } else if (cfavro_config_set(cfg, "schema.registry.url", r->url, err) == CFAVRO_OK &&
               cfavro_config_set(cfg, "max.retries", "1", err) == CFAVRO_OK &&
               cfavro_config_set(cfg, "retries.wait.ms", "10", err) == CFAVRO_OK) {
        c = cfavro_client_new(cfg, err);
    }
    cfavro_config_free(cfg);
    return c;
}

/* The registry went down under `client`, whose cache holds every id. */
static int registry_down(bc_registry *r, cfavro_client *client, counting_loader *loader,
                         const bc_options *o)
{
    printf("registry down, cached ids, 1 thread:\n");
    rate_pair up, failing, gone;
    int status = 0;
    long req0 = bc_registry_count(r, "/");
    size_t loads0 = loads_of(loader);
    if (rates(client, o, &up) != 0 ||
        bc_registry_control(r, "faults", "{\"faults\": [{\"kind\": \"status\", \"status\": 503}]}") != 0 ||
        rates(client, o, &failing) != 0) {
        return 1;
    }
    long requests = bc_registry_count(r, "/") - req0;
    bc_registry_stop(r);
    if (rates(client, o, &gone) != 0) {
        return 1;
    }
    size_t loads = loads_of(loader) - loads0;
    print_rates("registry up", &up, NULL);
    print_rates("registry answering 503", &failing, &up);
    print_rates("registry killed", &gone, &up);
    int rc = decode_uncached(client);
    printf("  requests while measuring: %ld, loads: %zu (targets 0); an uncached id with the "
           "registry killed: %s\n",
           requests, loads, cfavro_strerror(rc));
    status |= requests != 0 || loads != 0 || rc == CFAVRO_OK;
    return status;
}

int bc_cold_registry(const bc_options *o)
{
    if (!o->registry) {
        printf("registry: skipped (--no-registry)\n");
        return 0;
    }
    /* Loopback must not go through a proxy from the environment. */
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    char dir[] = "/tmp/cfavro-bench-registry-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("bench_cache: mkdtemp");
        return 1;
    }
    char data[512], port[512];
    snprintf(data, sizeof data, "%s/data.json", dir);
    snprintf(port, sizeof port, "%s/port", dir);
    bc_registry r;
    int status = 0;
    if (write_registry_data(data) != 0 || bc_registry_start(&r, o, data, port) != 0) {
        status = 1;
        goto out;
    }
    printf("cold start from the test registry (%s): %d threads x %d ids, median of %d runs\n",
           r.url, COLD_THREADS, COLD_IDS, o->runs);
    double secs[64] = {0};
    int runs = o->runs < 64 ? o->runs : 64;
    long req_min = -1, req_max = -1;
    cfavro_client *client = NULL;
    counting_loader loader;
    for (int k = 0; k < runs && status == 0; k++) {
        cfavro_client_free(client);
        cfavro_error err;
        client = registry_client(&r, &err);
        if (client == NULL && err.status == CFAVRO_E_CONFIG) {
            /* Built with libcurl, but the client does not take the URL yet. */
            printf("registry: skipped: cfavro_client_new refuses schema.registry.url in this "
                   "build: %s\n",
                   err.message);
            goto stop;
        }
        if (client == NULL || bc_registry_control(&r, "reset", "{}") != 0) {
            fprintf(stderr, "bench_cache: registry client: %s\n",
                    client ? "the test registry's control API did not answer" : err.message);
            status = 1;
            break;
        }
        count_loads(client, &loader, 0);
        cfavro_error why;
        long failed = cold_run(client, &secs[k], &why);
        long requests = bc_registry_count(&r, "/");
        if (requests == 0 && failed == COLD_THREADS * COLD_IDS) {
            /* The settings took the URL, but no source asked the registry. */
            printf("registry: skipped: this build's client made no registry request "
                   "(the registry source is not wired into cfavro_client yet); every "
                   "decode failed with: %s\n",
                   why.message);
            goto stop;
        }
        req_min = req_min < 0 || requests < req_min ? requests : req_min;
        req_max = requests > req_max ? requests : req_max;
        if (failed != 0) {
            fprintf(stderr, "bench_cache: registry cold start: %ld decodes failed, first: %s\n",
                    failed, failed > 0 ? why.message : "threads did not run");
            status = 1;
        }
        if (requests != COLD_IDS || loads_of(&loader) != COLD_IDS) {
            status = 1;
        }
    }
    if (status == 0) {
        printf("  %-30s requests %ld..%ld (target %d)  ready in %7.2f ms\n", "registry", req_min,
               req_max, COLD_IDS, bc_median(secs, (size_t)runs) * 1e3);
        status |= registry_down(&r, client, &loader, o);
    } else {
        printf("  registry: requests %ld..%ld (target %d)  MISMATCH\n", req_min, req_max,
               COLD_IDS);
    }
stop:
    cfavro_client_free(client);
    bc_registry_stop(&r);
out:
    unlink(data);
    unlink(port);
    rmdir(dir);
    return status;
}
#endif
