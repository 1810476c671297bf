/* cfavro_client_stats: the client's counters, added up from its decoders,
 * its cache and its registry client (see stats_internal.h). */
#include <string.h>

#include "client_internal.h"
#include "decoder_internal.h"
#include "error_internal.h"
#include "stats_internal.h"
#ifdef CF_HAVE_REGISTRY
#include "registry_client_internal.h"
#endif

/* The public layout is all uint64_t (the same on every platform), and its
 * first version is the size the header promises for good. */
_Static_assert(sizeof(cfavro_stats) % sizeof(uint64_t) == 0, "cfavro_stats: uint64_t only");
_Static_assert(offsetof(cfavro_stats, decoders_freed) + sizeof(uint64_t) == CFAVRO_STATS_SIZE_V1,
               "cfavro_stats: version 1 ends with decoders_freed");

int cf_client_stats_init(cf_client_stats *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < CF_CACHE_ANSWERS; i++) {
        atomic_init(&s->prefetch_answers[i], 0);
    }
    return pthread_mutex_init(&s->lock, NULL) == 0 ? CFAVRO_OK : CFAVRO_E_INTERNAL;
}

void cf_client_stats_destroy(cf_client_stats *s)
{
    pthread_mutex_destroy(&s->lock);
}

void cf_stats_attach(cfavro_decoder *dec)
{
    cf_client_stats *s = &dec->client->stats;
    pthread_mutex_lock(&s->lock);
    dec->stats.prev = NULL;
    dec->stats.next = s->live;
    if (s->live != NULL) {
        s->live->stats.prev = dec;
    }
    s->live = dec;
    s->live_count++;
    pthread_mutex_unlock(&s->lock);
}

void cf_stats_detach(cfavro_decoder *dec)
{
    cf_client_stats *s = &dec->client->stats;
    const cf_decoder_stats *d = &dec->stats;
    pthread_mutex_lock(&s->lock);
    s->decoded += cf_counter_read(&d->decoded);
    for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
        s->failed[i] += cf_counter_read(&d->failed[i]);
    }
    for (int i = 0; i < CF_CACHE_ANSWERS; i++) {
        s->answers[i] += cf_counter_read(&d->answers[i]);
    }
    s->memo_hits += cf_counter_read(&dec->memo.hits);
    if (d->prev != NULL) {
        d->prev->stats.next = d->next;
    } else {
        s->live = d->next;
    }
    if (d->next != NULL) {
        d->next->stats.prev = d->prev;
    }
    s->live_count--;
    s->freed_count++;
    pthread_mutex_unlock(&s->lock);
}

int cf_stats_count_failed(cf_decoder_stats *s, int status, uint64_t n)
{
    /* Every failure status lies in a class; anything else (a bug) would
     * count in slot 0 rather than out of bounds. */
    int slot = status / 100;
    if (slot < 0 || slot >= CFAVRO_STATS_CLASS_SLOTS) {
        slot = 0;
    }
    cf_counter_add_owned(&s->failed[slot], n);
    return status;
}

/* The messages and lookups of the client's decoders, live and freed, and of
 * its prefetches. Under the stats lock: no decoder joins or leaves while the
 * list is walked, so each is counted once, live or folded. */
static void add_decoders(cf_client_stats *s, cfavro_stats *out)
{
    uint64_t answers[CF_CACHE_ANSWERS];
    pthread_mutex_lock(&s->lock);
    out->decoded = s->decoded;
    for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
        out->failed_by_class[i] = s->failed[i];
    }
    for (int i = 0; i < CF_CACHE_ANSWERS; i++) {
        answers[i] = s->answers[i];
    }
    uint64_t memo_hits = s->memo_hits;
    for (const cfavro_decoder *dec = s->live; dec != NULL; dec = dec->stats.next) {
        const cf_decoder_stats *d = &dec->stats;
        out->decoded += cf_counter_read(&d->decoded);
        for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
            out->failed_by_class[i] += cf_counter_read(&d->failed[i]);
        }
        for (int i = 0; i < CF_CACHE_ANSWERS; i++) {
            answers[i] += cf_counter_read(&d->answers[i]);
        }
        memo_hits += cf_counter_read(&dec->memo.hits);
    }
    out->decoders = s->live_count;
    out->decoders_freed = s->freed_count;
    pthread_mutex_unlock(&s->lock);

    for (int i = 0; i < CF_CACHE_ANSWERS; i++) {
        answers[i] += cf_counter_read(&s->prefetch_answers[i]);
    }
    out->failed = 0;
    for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
        out->failed += out->failed_by_class[i];
    }
    out->cache_hits = memo_hits + answers[CF_CACHE_HIT];
    out->cache_misses = answers[CF_CACHE_MISS];
    out->cache_negative_hits = answers[CF_CACHE_NEGATIVE];
}

static void add_registry(const cfavro_client *client, cfavro_stats *out)
{
#ifdef CF_HAVE_REGISTRY
    if (client->registry == NULL) {
        return;
    }
    cf_registry_stats r;
    cf_registry_stats_read(client->registry, &r);
    out->registry_lookups = r.lookups;
    out->registry_requests = r.requests;
    out->registry_retries = r.retries;
    out->registry_failures = r.failures;
    out->registry_latency_us_sum = r.latency_us_sum;
    out->registry_latency_us_max = r.latency_us_max;
    memcpy(out->registry_latency_buckets, r.latency_buckets, sizeof r.latency_buckets);
#else
    (void)client;
    (void)out;
#endif
}

int cfavro_client_stats(const cfavro_client *client, cfavro_stats *out, size_t out_size)
{
    if (client == NULL || out == NULL || out_size < CFAVRO_STATS_SIZE_V1) {
        return CFAVRO_E_ARGUMENT;
    }
    /* The locks are the client's mutable state; no counter is written. */
    cfavro_client *c = (cfavro_client *)client;
    cfavro_stats all;
    memset(&all, 0, sizeof all);
    add_decoders(&c->stats, &all);
    all.cache_evictions = cf_counter_read(&c->cache.evictions);
    all.cache_entries = cf_cache_entry_count(&c->cache);
    add_registry(c, &all);
    size_t filled = out_size < sizeof all ? out_size : sizeof all;
    all.size = filled;
    memcpy(out, &all, filled);
    if (out_size > filled) {
        memset((char *)out + filled, 0, out_size - filled);
    }
    return CFAVRO_OK;
}
