/* The schema cache (src/cache/) through its internal API, with a loader the
 * test controls: single flight, no lock held across a load, remembered and
 * forgotten failures, capacity and CLOCK eviction, eviction racing readers,
 * a cache full of loads, cf_cache_put_ready, and failing allocations.
 *
 * The loader compiles schema id i as a record named R<i> (or, for ids that
 * are multiples of INT_EVERY, the primitive "int"), so a caller can tell from
 * the root's name which key's schema it was handed. Tests that wait on other
 * threads bound the wait (pthread_timedjoin_np, and an alarm for the whole
 * program), so a deadlock fails instead of hanging. Meant to run under ASan
 * and TSan as well. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache_load_internal.h"
#include "error_internal.h"
#include "test_support.h"

enum {
    MAX_IDS = 1024,
    INT_EVERY = 4,      /* ids that are multiples of this compile "int" */
    BAD_TEXT = -1,      /* loader mode: compile text that is not a schema */
    WAIT_MS = 10000     /* longest any test waits for another thread */
};

/* ---- the controlled loader ------------------------------------------------ */

typedef struct loader {
    _Atomic int calls[MAX_IDS];
    int status[MAX_IDS];  /* 0: compile the id's schema; BAD_TEXT; else fail with it */
    int blocked_id;       /* loads of this id wait for `open`; -1: none */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int waiting;          /* loads blocked at the gate now */
    bool open;
} loader;

static loader g_loader;

static void loader_reset(void)
{
    for (int i = 0; i < MAX_IDS; i++) {
        atomic_store(&g_loader.calls[i], 0);
        g_loader.status[i] = 0;
    }
    g_loader.blocked_id = -1;
    g_loader.waiting = 0;
    g_loader.open = false;
}

static void schema_text(int32_t id, char *out, size_t cap)
{
    if (id % INT_EVERY == 0) {
        snprintf(out, cap, "\"int\"");
    } else {
        snprintf(out, cap,
                 "{\"type\":\"record\",\"name\":\"R%d\",\"fields\":[{\"name\":\"f\","
                 "\"type\":\"int\"}]}",
                 (int)id);
    }
}

static void expected_name(int32_t id, char *out, size_t cap)
{
    if (id % INT_EVERY == 0) {
        snprintf(out, cap, "int");
    } else {
        snprintf(out, cap, "R%d", (int)id);
    }
}

static int test_load(void *ctx, const cf_schema_key *key, cf_load_result *out, cfavro_error *err)
{
    loader *l = ctx;
    int32_t id = cf_key_id_of(key);
    atomic_fetch_add(&l->calls[id], 1);
    pthread_mutex_lock(&l->lock);
    if (id == l->blocked_id) {
        l->waiting++;
        pthread_cond_broadcast(&l->changed);
        while (!l->open) {
            pthread_cond_wait(&l->changed, &l->lock);
        }
        l->waiting--;
    }
    int status = l->status[id];
    pthread_mutex_unlock(&l->lock);
    if (status > 0) {
        return cf_error_set(err, status, CFAVRO_NO_OFFSET, "test loader: status %d for id %d",
                            status, (int)id);
    }
    char text[160];
    if (status == BAD_TEXT) {
        snprintf(text, sizeof text, "{\"type\":\"no such type %d\"}", (int)id);
    } else {
        schema_text(id, text, sizeof text);
    }
    out->origin = CF_ORIGIN_MEMORY;
    return cf_schema_compile(text, strlen(text), NULL, &out->schema, err);
}

static int calls(int32_t id)
{
    return atomic_load(&g_loader.calls[id]);
}

static void block_loads_of(int32_t id)
{
    pthread_mutex_lock(&g_loader.lock);
    g_loader.blocked_id = id;
    g_loader.open = false;
    pthread_mutex_unlock(&g_loader.lock);
}

static void open_gate(void)
{
    pthread_mutex_lock(&g_loader.lock);
    g_loader.open = true;
    pthread_cond_broadcast(&g_loader.changed);
    pthread_mutex_unlock(&g_loader.lock);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (bounded) until `n` loads are blocked at the gate. */
static void wait_blocked(int n)
{
    int64_t deadline = now_ms() + WAIT_MS;
    pthread_mutex_lock(&g_loader.lock);
    while (g_loader.waiting < n && now_ms() < deadline) {
        pthread_mutex_unlock(&g_loader.lock);
        sleep_ms(1);
        pthread_mutex_lock(&g_loader.lock);
    }
    int waiting = g_loader.waiting;
    pthread_mutex_unlock(&g_loader.lock);
    assert_int_equal(waiting, n);
}

static cf_cache_policy policy_with_ttl(uint64_t ttl_ms)
{
    cf_cache_policy p = {test_load, &g_loader, ttl_ms};
    return p;
}

/* ---- looking inside the cache (under its lock) ---------------------------- */

static cf_cache_entry *linked_entry(cf_cache *c, int32_t id)
{
    cf_schema_key k = cf_key_id(id);
    pthread_mutex_lock(&c->lock);
    cf_cache_entry *e = cf_cache_lookup_locked(c, &k);
    pthread_mutex_unlock(&c->lock);
    return e;
}

static uint32_t refs_of_linked(cf_cache *c, int32_t id)
{
    cf_schema_key k = cf_key_id(id);
    pthread_mutex_lock(&c->lock);
    cf_cache_entry *e = cf_cache_lookup_locked(c, &k);
    uint32_t r = e != NULL ? atomic_load(&e->refs) : 0;
    pthread_mutex_unlock(&c->lock);
    return r;
}

static uint32_t linked_count(cf_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint32_t n = c->linked;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Waits until the entry for `id` has `want` references and keeps that count
 * for 50 consecutive looks 1 ms apart: the threads that took them are then
 * waiting for the load under the cache's lock (a thread's lock-free look
 * holds its reference for a few instructions only). */
static void wait_refs(cf_cache *c, int32_t id, uint32_t want)
{
    int64_t deadline = now_ms() + WAIT_MS;
    int stable = 0;
    while (stable < 50 && now_ms() < deadline) {
        stable = refs_of_linked(c, id) == want ? stable + 1 : 0;
        sleep_ms(1);
    }
    assert_int_equal(refs_of_linked(c, id), want);
}

static const char *root_name(const cf_cache_entry *e)
{
    return e->schema->nodes[e->schema->root].name.ptr;
}

static void assert_schema_of(const cf_cache_entry *e, int32_t id)
{
    char want[32];
    expected_name(id, want, sizeof want);
    assert_int_equal(atomic_load(&e->state), CF_ENTRY_READY);
    assert_string_equal(root_name(e), want);
    char text[160];
    schema_text(id, text, sizeof text);
    assert_int_equal(e->schema->json.len, strlen(text));
    assert_memory_equal(e->schema->json.ptr, text, strlen(text));
}

static cf_cache_entry *get_ok(cf_cache *c, int32_t id, const cf_cache_policy *p)
{
    cf_schema_key k = cf_key_id(id);
    cf_cache_entry *e = NULL;
    cfavro_error err;
    int rc = cf_cache_get(c, &k, p, &e, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("get %d: %d %s", (int)id, rc, err.message);
    }
    assert_non_null(e);
    assert_schema_of(e, id);
    return e;
}

static int get_status(cf_cache *c, int32_t id, const cf_cache_policy *p, cfavro_error *err)
{
    cf_schema_key k = cf_key_id(id);
    cf_cache_entry *e = (cf_cache_entry *)1;
    int rc = cf_cache_get(c, &k, p, &e, err);
    if (rc == CFAVRO_OK) {
        cf_cache_release(e);
    } else {
        assert_null(e);
    }
    return rc;
}

/* Joins `t` or fails the test after WAIT_MS (a deadlock). */
static void join_within(pthread_t t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_MS / 1000;
    int rc = pthread_timedjoin_np(t, NULL, &ts);
    if (rc == ETIMEDOUT) {
        fail_msg("a thread did not finish within %d ms: the cache is deadlocked", WAIT_MS);
    }
    assert_int_equal(rc, 0);
}

static int setup_loader(void **state)
{
    (void)state;
    loader_reset();
    return 0;
}

/* ---- 1. single flight ------------------------------------------------------ */

enum { FLIGHT = 8 };

typedef struct getter {
    cf_cache *cache;
    const cf_cache_policy *policy;
    int32_t id;
    int rc;
    cf_cache_entry *entry;
    cfavro_error err;
} getter;

static void *get_in_thread(void *p)
{
    getter *g = p;
    cf_schema_key k = cf_key_id(g->id);
    g->rc = cf_cache_get(g->cache, &k, g->policy, &g->entry, &g->err);
    return NULL;
}

/* Starts a thread getting `id` whose load blocks at the gate; returns once
 * the load is blocked. */
static pthread_t start_blocked_get(getter *g, cf_cache *c, const cf_cache_policy *p, int32_t id)
{
    block_loads_of(id);
    *g = (getter){.cache = c, .policy = p, .id = id, .rc = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, get_in_thread, g), 0);
    wait_blocked(1);
    return t;
}

/* Starts FLIGHT threads getting `id` (whose loads block), waits until one is
 * loading and the other FLIGHT - 1 wait for it, opens the gate, joins. */
static void flight(cf_cache *c, const cf_cache_policy *p, int32_t id, getter g[FLIGHT])
{
    block_loads_of(id);
    pthread_t t[FLIGHT];
    for (int i = 0; i < FLIGHT; i++) {
        g[i] = (getter){.cache = c, .policy = p, .id = id, .rc = -1};
        assert_int_equal(pthread_create(&t[i], NULL, get_in_thread, &g[i]), 0);
    }
    wait_blocked(1);
    /* The table's reference, the loader's, and one per waiter. */
    wait_refs(c, id, 2 + (FLIGHT - 1));
    assert_int_equal(calls(id), 1);
    open_gate();
    for (int i = 0; i < FLIGHT; i++) {
        join_within(t[i]);
    }
}

static void test_single_flight(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    getter g[FLIGHT];
    flight(&c, &p, 7, g);
    assert_int_equal(calls(7), 1);
    for (int i = 0; i < FLIGHT; i++) {
        assert_int_equal(g[i].rc, CFAVRO_OK);
        assert_ptr_equal(g[i].entry, g[0].entry);
    }
    assert_schema_of(g[0].entry, 7);
    assert_int_equal(atomic_load(&g[0].entry->refs), 1 + FLIGHT);
    for (int i = 0; i < FLIGHT; i++) {
        cf_cache_release(g[i].entry);
    }
    assert_int_equal(refs_of_linked(&c, 7), 1);
    assert_int_equal(linked_count(&c), 1);
    cf_cache_free(&c);
}

/* ---- 2. no lock held across a load ------------------------------------------ */

typedef struct bystander {
    cf_cache *cache;
    const cf_cache_policy *policy;
    int hit_rc, load_rc;
    const char *hit_name, *load_name;
} bystander;

static void *hit_a_and_load_c(void *p)
{
    bystander *b = p;
    cf_schema_key a = cf_key_id(1), cc = cf_key_id(3);
    cf_cache_entry *e = NULL;
    b->hit_rc = cf_cache_get(b->cache, &a, b->policy, &e, NULL);
    if (e != NULL) {
        b->hit_name = root_name(e);
        cf_cache_release(e);
    }
    e = NULL;
    b->load_rc = cf_cache_get(b->cache, &cc, b->policy, &e, NULL);
    if (e != NULL) {
        b->load_name = root_name(e);
        cf_cache_release(e);
    }
    return NULL;
}

static void test_hit_and_load_while_another_load_hangs(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    cf_cache_release(get_ok(&c, 1, &p));

    getter gb;
    pthread_t tb = start_blocked_get(&gb, &c, &p, 2);

    bystander b = {.cache = &c, .policy = &p, .hit_rc = -1, .load_rc = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hit_a_and_load_c, &b), 0);
    join_within(t); /* fails here if a lock is held across B's load */
    assert_int_equal(b.hit_rc, CFAVRO_OK);
    assert_string_equal(b.hit_name, "R1");
    assert_int_equal(b.load_rc, CFAVRO_OK);
    assert_string_equal(b.load_name, "R3");
    assert_int_equal(calls(1), 1);
    assert_int_equal(calls(3), 1);
    /* B is still being loaded. */
    assert_int_equal(calls(2), 1);
    assert_int_equal(atomic_load(&linked_entry(&c, 2)->state), CF_ENTRY_LOADING);

    open_gate();
    join_within(tb);
    assert_int_equal(gb.rc, CFAVRO_OK);
    assert_schema_of(gb.entry, 2);
    cf_cache_release(gb.entry);
    cf_cache_free(&c);
}

/* ---- 3. remembered and forgotten failures ----------------------------------- */

/* A failure remembered for `ttl` ms: one load for every get until it expires
 * (judged against the entry's own expiry time, so a slow machine cannot make
 * this flaky), then one more load. */
static void check_remembered(int32_t id, int loader_status, int want_status, uint64_t ttl)
{
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(ttl);
    g_loader.status[id] = loader_status;
    cfavro_error first;
    assert_int_equal(get_status(&c, id, &p, &first), want_status);
    assert_int_equal(calls(id), 1);
    cf_cache_entry *e = linked_entry(&c, id);
    assert_non_null(e);
    assert_int_equal(atomic_load(&e->state), CF_ENTRY_NEGATIVE);
    uint64_t expires = e->expires_ms;

    int within = 0;
    for (int i = 0; i < 20; i++) {
        cfavro_error err;
        memset(&err, 0, sizeof err);
        uint64_t before = cf_monotonic_ms();
        int rc = get_status(&c, id, &p, &err);
        uint64_t after = cf_monotonic_ms();
        if (after < expires) {
            within++;
            assert_int_equal(rc, want_status);
            assert_int_equal(err.status, want_status);
            assert_string_equal(err.message, first.message);
            assert_int_equal(calls(id), 1);
        } else if (before >= expires) {
            break;
        }
    }
    assert_true(within > 0);

    while (cf_monotonic_ms() <= expires) {
        sleep_ms(5);
    }
    assert_int_equal(get_status(&c, id, &p, NULL), want_status);
    assert_int_equal(calls(id), 2);
    assert_int_equal(linked_count(&c), 1); /* the new failure replaced the old */
    cf_cache_free(&c);
}

static void test_not_found_remembered_for_ttl(void **state)
{
    (void)state;
    check_remembered(5, CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_E_SCHEMA_NOT_FOUND, 100);
}

static void test_invalid_schema_remembered_for_ttl(void **state)
{
    (void)state;
    /* The compiler's own failure, not a status the loader made up. */
    check_remembered(6, BAD_TEXT, CFAVRO_E_SCHEMA_INVALID, 100);
}

static void test_unsupported_and_schema_limit_remembered(void **state)
{
    (void)state;
    check_remembered(9, CFAVRO_E_SCHEMA_UNSUPPORTED, CFAVRO_E_SCHEMA_UNSUPPORTED, 60);
    check_remembered(10, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_E_LIMIT_SCHEMA, 60);
}

/* Not remembered: the next get loads again, and no entry stays linked. */
static void check_forgotten(int32_t id, int status, uint64_t ttl)
{
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(ttl);
    g_loader.status[id] = status;
    for (int i = 1; i <= 3; i++) {
        cfavro_error err;
        assert_int_equal(get_status(&c, id, &p, &err), status);
        assert_int_equal(err.status, status);
        assert_non_null(strstr(err.message, "test loader"));
        assert_int_equal(calls(id), i);
        assert_null(linked_entry(&c, id));
        assert_int_equal(linked_count(&c), 0);
    }
    /* The source recovers: the next get loads and succeeds. */
    g_loader.status[id] = 0;
    cf_cache_release(get_ok(&c, id, &p));
    assert_int_equal(calls(id), 4);
    cf_cache_free(&c);
}

static void test_transient_failures_not_remembered(void **state)
{
    (void)state;
    check_forgotten(11, CFAVRO_E_REGISTRY_UNAVAILABLE, 60000);
    check_forgotten(13, CFAVRO_E_IO, 60000);
    check_forgotten(14, CFAVRO_E_REGISTRY_AUTH, 60000);
    check_forgotten(15, CFAVRO_E_REGISTRY_RATE_LIMITED, 60000);
    check_forgotten(17, CFAVRO_E_REGISTRY_PROTOCOL, 60000);
    check_forgotten(18, CFAVRO_E_NOMEM, 60000);
}

static void test_ttl_zero_remembers_nothing(void **state)
{
    (void)state;
    check_forgotten(19, CFAVRO_E_SCHEMA_NOT_FOUND, 0);
    check_forgotten(21, CFAVRO_E_SCHEMA_INVALID, 0);
}

static void test_transient_failure_reaches_every_waiter(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    g_loader.status[22] = CFAVRO_E_REGISTRY_UNAVAILABLE;
    getter g[FLIGHT];
    flight(&c, &p, 22, g);
    assert_int_equal(calls(22), 1);
    for (int i = 0; i < FLIGHT; i++) {
        assert_int_equal(g[i].rc, CFAVRO_E_REGISTRY_UNAVAILABLE);
        assert_null(g[i].entry);
        assert_int_equal(g[i].err.status, CFAVRO_E_REGISTRY_UNAVAILABLE);
        assert_string_equal(g[i].err.message, "test loader: status 402 for id 22");
    }
    assert_null(linked_entry(&c, 22));
    /* Forgotten once delivered: the next get asks again. */
    assert_int_equal(get_status(&c, 22, &p, NULL), CFAVRO_E_REGISTRY_UNAVAILABLE);
    assert_int_equal(calls(22), 2);
    cf_cache_free(&c);
}

static void test_remembered_failure_reaches_every_waiter(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    g_loader.status[23] = CFAVRO_E_SCHEMA_NOT_FOUND;
    getter g[FLIGHT];
    flight(&c, &p, 23, g);
    for (int i = 0; i < FLIGHT; i++) {
        assert_int_equal(g[i].rc, CFAVRO_E_SCHEMA_NOT_FOUND);
        assert_string_equal(g[i].err.message, "test loader: status 301 for id 23");
    }
    assert_int_equal(get_status(&c, 23, &p, NULL), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(calls(23), 1);
    assert_int_equal(refs_of_linked(&c, 23), 1);
    cf_cache_free(&c);
}

/* ---- 4. capacity and eviction ---------------------------------------------- */

enum { CAP = 4 };

static void test_capacity_bounds_linked_entries(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, CAP), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    for (int32_t id = 1; id <= 3 * CAP; id++) {
        cf_cache_release(get_ok(&c, id, &p));
        assert_true(linked_count(&c) <= CAP);
        assert_int_equal(calls(id), 1);
    }
    assert_int_equal(linked_count(&c), CAP);
    /* Remembered failures count against the capacity too. */
    g_loader.status[3 * CAP + 1] = CFAVRO_E_SCHEMA_NOT_FOUND;
    assert_int_equal(get_status(&c, 3 * CAP + 1, &p, NULL), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_int_equal(linked_count(&c), CAP);

    /* The other CAP - 1 entries are schemas: hits, no load. */
    int ready = 0;
    for (int32_t id = 1; id <= 3 * CAP; id++) {
        if (linked_entry(&c, id) != NULL) {
            ready++;
            cf_cache_release(get_ok(&c, id, &p));
            assert_int_equal(calls(id), 1);
        }
    }
    assert_int_equal(ready, CAP - 1);
    /* An evicted key is loaded again; a linked one is not. */
    int evicted = 0, kept = 0;
    for (int32_t id = 1; id <= 3 * CAP; id++) {
        bool linked = linked_entry(&c, id) != NULL;
        int before = calls(id);
        cf_cache_release(get_ok(&c, id, &p));
        if (linked) {
            kept++;
            assert_int_equal(calls(id), before);
        } else {
            evicted++;
            assert_int_equal(calls(id), before + 1);
        }
        assert_true(linked_count(&c) <= CAP);
    }
    /* At least the 2 * CAP keys unlinked when the loop began. */
    assert_true(evicted >= 2 * CAP);
    assert_true(kept + evicted == 3 * CAP);
    cf_cache_free(&c);
}

static bool on_free_list(cf_cache *c, cf_cache_entry *e)
{
    pthread_mutex_lock(&c->lock);
    bool found = false;
    for (cf_cache_entry *f = c->free_list; f != NULL && !found; f = f->next_free) {
        found = f == e;
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

static void test_held_entry_survives_eviction(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, CAP), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    cf_cache_entry *held = get_ok(&c, 101, &p);
    for (int32_t id = 200; id < 200 + 3 * CAP; id++) {
        cf_cache_release(get_ok(&c, id, &p));
    }
    assert_null(linked_entry(&c, 101));
    assert_false(held->linked);
    assert_int_equal(atomic_load(&held->refs), 1); /* ours only */
    /* Still whole (ASan would catch a freed schema here). */
    assert_schema_of(held, 101);

    /* The key can be loaded again while the old entry is held: a new entry. */
    cf_cache_entry *again = get_ok(&c, 101, &p);
    assert_ptr_not_equal(again, held);
    assert_int_equal(calls(101), 2);
    cf_cache_release(again);

    /* Let go: the entry goes back to the pool, schema freed. */
    assert_false(on_free_list(&c, held));
    cf_cache_release(held);
    assert_true(on_free_list(&c, held));
    assert_int_equal(atomic_load(&held->refs), 0);
    assert_int_equal(atomic_load(&held->state), CF_ENTRY_FREE);
    assert_null(held->schema);
    cf_cache_free(&c);
}

/* CLOCK: a key used between every two loads of other keys is never the one
 * evicted (each new key is used once, at its load). */
static void test_clock_keeps_a_hot_key(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, CAP), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    cf_cache_release(get_ok(&c, 1, &p));
    for (int32_t id = 300; id < 300 + 6 * CAP; id++) {
        cf_cache_release(get_ok(&c, 1, &p));
        cf_cache_release(get_ok(&c, id, &p));
        assert_non_null(linked_entry(&c, 1));
    }
    assert_int_equal(calls(1), 1);
    assert_int_equal(linked_count(&c), CAP);
    cf_cache_free(&c);
}

/* ---- 5. eviction under concurrent use -------------------------------------- */

enum { RACE_THREADS = 4, RACE_CAP = 8, RACE_KEYS = 4 * RACE_CAP, RACE_MS = 1000 };

typedef struct racer {
    cf_cache *cache;
    const cf_cache_policy *policy;
    unsigned seed;
    _Atomic bool *stop;
    long gets;
    long wrong;     /* a schema that is not the key's, or an unexpected status */
} racer;

/* Ids that are multiples of 7 are not found (remembered for a few ms). */
static bool race_id_missing(int32_t id)
{
    return id % 7 == 0;
}

static void *race(void *arg)
{
    racer *r = arg;
    cf_cache_entry *kept[3] = {NULL, NULL, NULL}; /* held across later gets */
    while (!atomic_load(r->stop)) {
        r->seed = r->seed * 1103515245u + 12345u;
        int32_t id = 1 + (int32_t)((r->seed >> 8) % RACE_KEYS);
        cf_schema_key k = cf_key_id(id);
        cf_cache_entry *e = NULL;
        cfavro_error err;
        int rc = cf_cache_get(r->cache, &k, r->policy, &e, &err);
        r->gets++;
        if (race_id_missing(id)) {
            r->wrong += rc != CFAVRO_E_SCHEMA_NOT_FOUND || e != NULL;
            continue;
        }
        char want[32];
        expected_name(id, want, sizeof want);
        if (rc != CFAVRO_OK || e == NULL ||
            atomic_load(&e->state) != CF_ENTRY_READY || strcmp(root_name(e), want) != 0) {
            r->wrong++;
            cf_cache_release(e);
            continue;
        }
        /* Sometimes keep it a while, so evicted entries stay in use. */
        unsigned slot = (r->seed >> 20) % 4;
        if (slot < 3) {
            cf_cache_release(kept[slot]);
            kept[slot] = e;
        } else {
            cf_cache_release(e);
        }
        /* Re-check the kept ones: still theirs, still whole. */
        for (int i = 0; i < 3; i++) {
            if (kept[i] != NULL && kept[i]->schema->json.len == 0) {
                r->wrong++;
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        cf_cache_release(kept[i]);
    }
    return NULL;
}

static void test_eviction_under_concurrent_use(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, RACE_CAP), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(3);
    for (int32_t id = 1; id <= RACE_KEYS; id++) {
        if (race_id_missing(id)) {
            g_loader.status[id] = CFAVRO_E_SCHEMA_NOT_FOUND;
        }
    }
    _Atomic bool stop = false;
    racer r[RACE_THREADS];
    pthread_t t[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        r[i] = (racer){&c, &p, 31u * (unsigned)i + 7u, &stop, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    uint32_t most_linked = 0;
    int64_t end = now_ms() + RACE_MS;
    while (now_ms() < end) {
        uint32_t n = linked_count(&c);
        most_linked = n > most_linked ? n : most_linked;
        sleep_ms(2);
    }
    atomic_store(&stop, true);
    long gets = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        join_within(t[i]);
        assert_int_equal(r[i].wrong, 0);
        gets += r[i].gets;
    }
    assert_true(most_linked <= RACE_CAP);
    assert_true(linked_count(&c) <= RACE_CAP);
    long loads = 0;
    for (int32_t id = 1; id <= RACE_KEYS; id++) {
        loads += calls(id);
    }
    /* Eviction really ran: more loads than keys. */
    assert_true(loads > RACE_KEYS);
    assert_true(gets > loads);
    /* Every reference came back: each linked entry holds only the table's. */
    pthread_mutex_lock(&c.lock);
    for (uint32_t k = 0; k < c.chunk_count; k++) {
        for (uint32_t i = 0; i < 32; i++) { /* CHUNK_ENTRIES in cache.c */
            cf_cache_entry *e = &c.chunks[k][i];
            assert_int_equal(atomic_load(&e->refs), e->linked ? 1 : 0);
        }
    }
    pthread_mutex_unlock(&c.lock);
    cf_cache_free(&c);
}

/* ---- 6. a cache full of loads ------------------------------------------------ */

static void test_cache_full_of_loads_goes_over_capacity(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 1), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    getter g1;
    pthread_t t1 = start_blocked_get(&g1, &c, &p, 1);

    /* The only entry is loading, so none can be evicted: key 2 is admitted
     * over capacity instead of turned away, and loads while 1 still hangs. */
    getter g2 = {.cache = &c, .policy = &p, .id = 2, .rc = -1};
    pthread_t t2;
    assert_int_equal(pthread_create(&t2, NULL, get_in_thread, &g2), 0);
    join_within(t2);
    assert_int_equal(g2.rc, CFAVRO_OK);
    assert_schema_of(g2.entry, 2);
    assert_int_equal(calls(2), 1);
    /* Its own finish trims the cache back to capacity: the loading entry
     * cannot go, so key 2 is unlinked at once, held whole by its getter. */
    pthread_mutex_lock(&c.lock);
    assert_int_equal(c.linked, 1);
    assert_false(g2.entry->linked);
    pthread_mutex_unlock(&c.lock);

    /* When load 1 finishes, the cache trims itself back to its capacity. */
    open_gate();
    join_within(t1);
    assert_int_equal(g1.rc, CFAVRO_OK);
    assert_schema_of(g1.entry, 1);
    pthread_mutex_lock(&c.lock);
    assert_int_equal(c.linked, 1);
    pthread_mutex_unlock(&c.lock);
    cf_cache_release(g1.entry);
    cf_cache_release(g2.entry);
    cf_cache_free(&c);
}

/* ---- 7. cf_cache_put_ready -------------------------------------------------- */

static cf_schema *compiled(const char *text)
{
    cf_schema *s = NULL;
    assert_int_equal(cf_schema_compile(text, strlen(text), NULL, &s, NULL), CFAVRO_OK);
    return s;
}

static cf_schema *compiled_for(int32_t id)
{
    char text[160];
    schema_text(id, text, sizeof text);
    return compiled(text);
}

static void test_put_ready_replaces_a_remembered_failure(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    g_loader.status[9] = CFAVRO_E_SCHEMA_NOT_FOUND;
    assert_int_equal(get_status(&c, 9, &p, NULL), CFAVRO_E_SCHEMA_NOT_FOUND);
    cf_schema_key k = cf_key_id(9);
    assert_int_equal(cf_cache_put_ready(&c, &k, compiled_for(9), CF_ORIGIN_MEMORY, NULL),
                     CFAVRO_OK);
    cf_cache_entry *e = get_ok(&c, 9, &p);
    assert_int_equal(e->origin, CF_ORIGIN_MEMORY);
    assert_int_equal(calls(9), 1);
    assert_int_equal(linked_count(&c), 1);
    cf_cache_release(e);
    cf_cache_free(&c);
}

static void test_put_ready_same_text_is_a_no_op_other_text_refused(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    cf_cache_entry *first = get_ok(&c, 5, &p);
    cf_schema_key k = cf_key_id(5);
    /* Same text: accepted, the cached entry (and schema) kept. */
    cf_schema *before = first->schema;
    assert_int_equal(cf_cache_put_ready(&c, &k, compiled_for(5), CF_ORIGIN_DIRECTORY, NULL),
                     CFAVRO_OK);
    assert_ptr_equal(linked_entry(&c, 5), first);
    assert_ptr_equal(first->schema, before);
    assert_int_equal(first->origin, CF_ORIGIN_MEMORY);
    /* Other text: refused, nothing changed. */
    cfavro_error err;
    assert_int_equal(cf_cache_put_ready(&c, &k, compiled_for(6), CF_ORIGIN_MEMORY, &err),
                     CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_string_equal(err.message, "schema id 5 is already known with a different schema");
    assert_ptr_equal(linked_entry(&c, 5), first);
    assert_schema_of(first, 5);
    assert_int_equal(calls(5), 1);
    cf_cache_release(first);
    cf_cache_free(&c);
}

typedef struct putter {
    cf_cache *cache;
    int32_t id;
    cf_schema *schema;
    _Atomic int rc; /* -1 until it returns */
    cfavro_error err;
} putter;

static void *put_in_thread(void *arg)
{
    putter *pt = arg;
    cf_schema_key k = cf_key_id(pt->id);
    int rc = cf_cache_put_ready(pt->cache, &k, pt->schema, CF_ORIGIN_MEMORY, &pt->err);
    atomic_store(&pt->rc, rc);
    return NULL;
}

/* A put waits for a load of its key; what it then does depends on what the
 * load found. */
static void check_put_waits_for_load(int loader_status, const char *put_text, int want_put,
                                     int want_get)
{
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 16), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    g_loader.status[10] = loader_status;
    getter g;
    pthread_t tg = start_blocked_get(&g, &c, &p, 10);

    putter pt = {.cache = &c, .id = 10, .schema = compiled(put_text), .rc = -1};
    pthread_t tp;
    assert_int_equal(pthread_create(&tp, NULL, put_in_thread, &pt), 0);
    sleep_ms(50);
    assert_int_equal(atomic_load(&pt.rc), -1); /* still waiting for the load */
    assert_int_equal(atomic_load(&linked_entry(&c, 10)->state), CF_ENTRY_LOADING);

    open_gate();
    join_within(tg);
    join_within(tp);
    assert_int_equal(g.rc, loader_status == 0 ? CFAVRO_OK : loader_status);
    assert_int_equal(atomic_load(&pt.rc), want_put);
    cf_cache_release(g.entry);
    /* What the cache holds now. */
    assert_int_equal(get_status(&c, 10, &p, NULL), want_get);
    assert_int_equal(calls(10), 1);
    cf_cache_free(&c);
}

static void test_put_ready_waits_out_a_load(void **state)
{
    (void)state;
    char same[160];
    schema_text(10, same, sizeof same);
    /* The load finds the same schema: the put is a no-op. */
    check_put_waits_for_load(0, same, CFAVRO_OK, CFAVRO_OK);
    loader_reset();
    /* The load finds another: the put is refused. */
    check_put_waits_for_load(0, "\"string\"", CFAVRO_E_ARGUMENT, CFAVRO_OK);
    loader_reset();
    /* The load finds nothing: the put answers it. */
    check_put_waits_for_load(CFAVRO_E_SCHEMA_NOT_FOUND, same, CFAVRO_OK, CFAVRO_OK);
}

static void test_put_ready_into_a_cache_full_of_loads(void **state)
{
    (void)state;
    cf_cache c;
    assert_int_equal(cf_cache_init(&c, 1), CFAVRO_OK);
    cf_cache_policy p = policy_with_ttl(60000);
    getter g;
    pthread_t tg = start_blocked_get(&g, &c, &p, 1);
    cf_schema_key k = cf_key_id(2);
    cfavro_error err;
    /* Admitted over capacity rather than refused (and, as the only entry
     * that may go, trimmed at once: the caller keeps its text elsewhere). */
    assert_int_equal(cf_cache_put_ready(&c, &k, compiled_for(2), CF_ORIGIN_MEMORY, &err),
                     CFAVRO_OK);
    open_gate();
    join_within(tg);
    assert_int_equal(g.rc, CFAVRO_OK);
    pthread_mutex_lock(&c.lock);
    assert_true(c.linked <= 1);
    pthread_mutex_unlock(&c.lock);
    cf_cache_release(g.entry);
    cf_cache_free(&c);
}

/* ---- 9. failing allocations --------------------------------------------------- */

static void test_failing_allocations(void **state)
{
    (void)state;
    cf_cache_policy p = policy_with_ttl(60000);
    g_loader.status[7] = CFAVRO_E_SCHEMA_NOT_FOUND;
    for (long n = 1;; n++) {
        loader_reset();
        g_loader.status[7] = CFAVRO_E_SCHEMA_NOT_FOUND;
        alloc_hooks_on(n, -1);
        cf_cache c;
        int rc = cf_cache_init(&c, 4);
        bool failed = rc != CFAVRO_OK;
        if (rc == CFAVRO_OK) {
            /* Enough keys to grow the slot array and the pool, evict, and
             * remember a failure; and a put. */
            for (int32_t id = 1; id <= 40; id++) {
                cfavro_error err;
                memset(&err, 0, sizeof err);
                rc = get_status(&c, id, &p, &err);
                if (rc == CFAVRO_E_NOMEM) {
                    failed = true;
                    assert_int_equal(err.status, CFAVRO_E_NOMEM);
                    /* Nothing half-made is left: the same get now works. */
                    rc = get_status(&c, id, &p, NULL);
                }
                assert_int_equal(rc, id == 7 ? CFAVRO_E_SCHEMA_NOT_FOUND : CFAVRO_OK);
                assert_true(linked_count(&c) <= 4);
            }
            /* A put (its compile may fail too). */
            char text[160];
            schema_text(41, text, sizeof text);
            cf_schema *s = NULL;
            rc = cf_schema_compile(text, strlen(text), NULL, &s, NULL);
            if (rc == CFAVRO_OK) {
                cf_schema_key k = cf_key_id(41);
                cfavro_error err;
                cf_error_clear(&err);
                rc = cf_cache_put_ready(&c, &k, s, CF_ORIGIN_MEMORY, &err);
                assert_int_equal(err.status, rc);
            }
            if (rc == CFAVRO_E_NOMEM) {
                failed = true;
            } else {
                assert_int_equal(rc, CFAVRO_OK);
            }
            cf_cache_free(&c);
        } else {
            assert_int_equal(rc, CFAVRO_E_NOMEM);
            cf_cache_free(&c); /* safe on a cache whose init failed */
        }
        long made = alloc_calls();
        long live = alloc_live();
        alloc_hooks_off();
        assert_int_equal(live, 0);
        if (!failed) {
            /* The run got past allocation n without failing: done. */
            /* The cache's own allocations and the loader's compiles: many. */
            assert_true(n > 50);
            break;
        }
        assert_true(made >= 1);
    }
}

int main(void)
{
    pthread_mutex_init(&g_loader.lock, NULL);
    pthread_cond_init(&g_loader.changed, NULL);
    alarm(100); /* a hang anywhere ends the program (and fails it) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_single_flight, setup_loader),
        cmocka_unit_test_setup(test_hit_and_load_while_another_load_hangs, setup_loader),
        cmocka_unit_test_setup(test_not_found_remembered_for_ttl, setup_loader),
        cmocka_unit_test_setup(test_invalid_schema_remembered_for_ttl, setup_loader),
        cmocka_unit_test_setup(test_unsupported_and_schema_limit_remembered, setup_loader),
        cmocka_unit_test_setup(test_transient_failures_not_remembered, setup_loader),
        cmocka_unit_test_setup(test_ttl_zero_remembers_nothing, setup_loader),
        cmocka_unit_test_setup(test_transient_failure_reaches_every_waiter, setup_loader),
        cmocka_unit_test_setup(test_remembered_failure_reaches_every_waiter, setup_loader),
        cmocka_unit_test_setup(test_capacity_bounds_linked_entries, setup_loader),
        cmocka_unit_test_setup(test_held_entry_survives_eviction, setup_loader),
        cmocka_unit_test_setup(test_clock_keeps_a_hot_key, setup_loader),
        cmocka_unit_test_setup(test_eviction_under_concurrent_use, setup_loader),
        cmocka_unit_test_setup(test_cache_full_of_loads_goes_over_capacity, setup_loader),
        cmocka_unit_test_setup(test_put_ready_replaces_a_remembered_failure, setup_loader),
        cmocka_unit_test_setup(test_put_ready_same_text_is_a_no_op_other_text_refused,
                               setup_loader),
        cmocka_unit_test_setup(test_put_ready_waits_out_a_load, setup_loader),
        cmocka_unit_test_setup(test_put_ready_into_a_cache_full_of_loads, setup_loader),
        cmocka_unit_test_setup_teardown(test_failing_allocations, setup_loader,
                                        alloc_hooks_off_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
