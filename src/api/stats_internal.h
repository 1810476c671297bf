/* The counters behind cfavro_client_stats (see include/cfavro.h, "Counters
 * for monitoring").
 *
 * Each decoder counts in its own cf_decoder_stats, written only by the
 * thread using it (counter_internal.h's owned adds: no lock, no locked
 * instruction), and its memo counts its own hits (memo_internal.h). The
 * client keeps the list of its live decoders and the totals of freed ones
 * under one lock, taken only to make, free or read: a reading walks the
 * list and adds every decoder's counters to the freed totals; a decoder
 * being freed adds its counters to those totals and leaves the list in one
 * step, so no count is lost or counted twice. The cache counts its
 * evictions and the registry client its requests itself (shared adds:
 * rare events). */
#ifndef CFAVRO_STATS_INTERNAL_H
#define CFAVRO_STATS_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "cache_load_internal.h"
#include "cfavro.h"
#include "compiler_internal.h"
#include "counter_internal.h"

enum { CF_CACHE_ANSWERS = 3 }; /* cf_cache_answer values */

/* A decoder's counters. Written by the decoder's thread only; the links
 * only under the client's stats lock. */
typedef struct cf_decoder_stats {
    cf_counter decoded;
    cf_counter failed[CFAVRO_STATS_CLASS_SLOTS]; /* by status class / 100 */
    /* How the client's cache answered the lookups the memo could not (the
     * memo's own hits are cf_memo.hits), by cf_cache_answer. */
    cf_counter answers[CF_CACHE_ANSWERS];
    struct cfavro_decoder *prev, *next; /* the client's live decoders */
} cf_decoder_stats;

/* A client's side of the counters. */
typedef struct cf_client_stats {
    pthread_mutex_t lock; /* guards everything below but prefetch_answers */
    struct cfavro_decoder *live;
    uint64_t live_count;
    uint64_t freed_count;
    /* What freed decoders counted. */
    uint64_t decoded;
    uint64_t failed[CFAVRO_STATS_CLASS_SLOTS];
    uint64_t answers[CF_CACHE_ANSWERS];
    uint64_t memo_hits;
    /* cfavro_client_prefetch(_guid)'s lookups, from any thread. */
    cf_counter prefetch_answers[CF_CACHE_ANSWERS];
} cf_client_stats;

/* CFAVRO_OK or CFAVRO_E_INTERNAL (no mutex). */
int cf_client_stats_init(cf_client_stats *s);
/* Every decoder is gone. */
void cf_client_stats_destroy(cf_client_stats *s);

/* Enter a new decoder in its client's list / fold its counts into the
 * client's and leave the list (before the decoder is freed). */
void cf_stats_attach(struct cfavro_decoder *dec);
void cf_stats_detach(struct cfavro_decoder *dec);

/* Count `n` messages that failed with `status`; returns `status`. Out of
 * line: failures are the uncommon path. */
CF_NOINLINE int cf_stats_count_failed(cf_decoder_stats *s, int status, uint64_t n);

/* Count one message that ended with `status`; returns `status`. On success
 * a load, an add and a store; a failure is a tail call, so callers keep no
 * state across it. */
static CF_ALWAYS_INLINE int cf_stats_count(cf_decoder_stats *s, int status)
{
    if (CF_UNLIKELY(status != CFAVRO_OK)) {
        return cf_stats_count_failed(s, status, 1);
    }
    cf_counter_add_owned(&s->decoded, 1);
    return CFAVRO_OK;
}

/* Count how the client's cache answered one of the decoder's lookups. */
static inline void cf_stats_count_answer(cf_decoder_stats *s, cf_cache_answer answer)
{
    cf_counter_add_owned(&s->answers[answer], 1);
}

#endif
