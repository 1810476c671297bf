/* A decoder's own memo of the schemas it used last: a handful of cache
 * entries, each holding a reference, searched before the shared cache. A
 * decoder that sees one id (or a few alternating ones, up to CF_MEMO_SLOTS)
 * finds them here with plain loads of its own memory: no atomics, no lock,
 * nothing shared written. Every CF_MEMO_TOUCH_EVERY hits (and on every hit
 * past the first slot checked) the entry's CLOCK bit is read, and set if the
 * eviction hand cleared it, so schemas used only through memos still count
 * as used and are not evicted from under busy decoders. Only READY entries
 * are kept, and the reference keeps their schema alive even if the cache
 * evicts them. */
#ifndef CFAVRO_MEMO_INTERNAL_H
#define CFAVRO_MEMO_INTERNAL_H

#include <stdint.h>

#include "cache_internal.h"
#include "compiler_internal.h"
#include "counter_internal.h"

#define CF_MEMO_SLOTS 8

struct cf_resolved;

typedef struct cf_memo_slot {
    cf_schema_key key;     /* all zero when empty: no real key is */
    cf_cache_entry *entry;
} cf_memo_slot;

/* With a reader schema: the program resolved from a slot's entry to the
 * reader of generation `reader_generation` (0: none yet), which lives on the
 * entry (src/reader/resolved_internal.h), so a decoder that keeps its writer
 * and reader finds it with one compare. Untouched without one, and kept
 * apart from the slots so that the lookup every message makes strides over
 * slots of 32 bytes (one shift to index them). */
typedef struct cf_memo_program {
    uint64_t reader_generation;
    const struct cf_resolved *resolved;
} cf_memo_program;

typedef struct cf_memo {
    cf_memo_slot slot[CF_MEMO_SLOTS];
    cf_memo_program program[CF_MEMO_SLOTS]; /* program[i] is slot[i]'s */
    uint32_t last;   /* the slot that answered last: checked first */
    uint32_t victim; /* round-robin replacement */
    /* Every hit, counted for cfavro_client_stats (only the memo's decoder
     * writes it; see counter_internal.h). The last slot's hits also use it
     * to touch that entry now and then: the count it needs anyway, so
     * counting hits for monitoring costs the hot path nothing more. */
    cf_counter hits;
} cf_memo;

#define CF_MEMO_TOUCH_EVERY 256u

/* Key equality, cheaper for ids: word 0 carries the kind, and an id key's
 * other words are zero, so one compare decides (an empty slot's zero word 0
 * matches no key). */
static CF_ALWAYS_INLINE int cf_memo_key_equal(const cf_schema_key *slot, const cf_schema_key *key)
{
    return slot->w[0] == key->w[0] &&
           (cf_key_kind_of(key) == CF_KEY_ID || cf_key_equal(slot, key));
}

/* The memo's entry for `key`, or NULL. */
static CF_ALWAYS_INLINE cf_cache_entry *cf_memo_find(cf_memo *m, const cf_schema_key *key)
{
    cf_memo_slot *s = &m->slot[m->last];
    if (CF_LIKELY(cf_memo_key_equal(&s->key, key))) {
        uint64_t hits = atomic_load_explicit(&m->hits, memory_order_relaxed) + 1;
        atomic_store_explicit(&m->hits, hits, memory_order_relaxed);
        if (CF_UNLIKELY(hits % CF_MEMO_TOUCH_EVERY == 0)) {
            cf_cache_touch(s->entry);
        }
        return s->entry;
    }
    for (uint32_t i = 0; i < CF_MEMO_SLOTS; i++) {
        s = &m->slot[i];
        if (s->entry != NULL && cf_memo_key_equal(&s->key, key)) {
            m->last = i;
            cf_counter_add_owned(&m->hits, 1);
            cf_cache_touch(s->entry);
            return s->entry;
        }
    }
    return NULL;
}

/* Keep `e` (whose reference passes to the memo) under `key`, dropping the
 * reference of the entry it replaces. */
static inline void cf_memo_put(cf_memo *m, const cf_schema_key *key, cf_cache_entry *e)
{
    uint32_t i = m->victim;
    m->victim = (i + 1) % CF_MEMO_SLOTS;
    cf_cache_entry *old = m->slot[i].entry;
    m->slot[i].key = *key;
    m->slot[i].entry = e;
    m->program[i] = (cf_memo_program){0, NULL};
    m->last = i;
    cf_cache_release(old);
}

/* Drop every reference (the decoder is going away). */
static inline void cf_memo_clear(cf_memo *m)
{
    for (uint32_t i = 0; i < CF_MEMO_SLOTS; i++) {
        cf_cache_release(m->slot[i].entry);
        m->slot[i].entry = NULL;
        m->slot[i].key = (cf_schema_key){{0, 0, 0}};
        m->program[i] = (cf_memo_program){0, NULL};
    }
}

#endif
