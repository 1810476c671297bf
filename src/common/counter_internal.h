/* Counters for monitoring (cfavro_client_stats): 64-bit values that other
 * threads may read at any time while they grow.
 *
 * Two ways to add, by who writes:
 *   - one thread only (a decoder's own counters): a relaxed load and a
 *     relaxed store, no locked instruction, so counting a message costs a
 *     load, an add and a store of memory the thread already owns. Safe
 *     because nobody else writes the counter: no increment can be lost.
 *   - any thread (the cache, the registry client, prefetch): one relaxed
 *     read-modify-write; for events far rarer than messages.
 * Readers load relaxed: each value is read whole (never torn, 32-bit
 * targets included), and a later read never sees a smaller value. Relaxed
 * is enough: a counter publishes nothing else. */
#ifndef CFAVRO_COUNTER_INTERNAL_H
#define CFAVRO_COUNTER_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t cf_counter;

/* Add `n` to a counter only the calling thread writes. */
static inline void cf_counter_add_owned(cf_counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Add `n` to a counter any thread may write. */
static inline void cf_counter_add_shared(cf_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Raise a counter any thread may write to at least `v` (a maximum). */
static inline void cf_counter_max_shared(cf_counter *c, uint64_t v)
{
    uint64_t seen = atomic_load_explicit(c, memory_order_relaxed);
    while (seen < v && !atomic_compare_exchange_weak_explicit(c, &seen, v, memory_order_relaxed,
                                                              memory_order_relaxed)) {
    }
}

/* The counter's value now. (The cast: C11 atomic loads of a const object
 * are not accepted by every compiler; nothing is written.) */
static inline uint64_t cf_counter_read(const cf_counter *c)
{
    return atomic_load_explicit((cf_counter *)c, memory_order_relaxed);
}

#endif
