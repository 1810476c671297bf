/* A decoder's own memo of the schemas it used last: a handful of cache
 * entries, each holding a reference, searched before the shared cache. A
 * decoder that sees one id (or a few alternating ones, up to CF_MEMO_SLOTS)
 * finds them here with plain loads and writes nothing shared: the only
 * shared access is reading the entry's CLOCK bit (cf_cache_touch writes it
 * only after the eviction hand cleared it), so schemas used through memos
 * count as used and are not evicted from under busy decoders. Only READY
 * entries are kept, and the reference keeps their schema alive even if the
 * cache evicts them. */
#ifndef CFAVRO_MEMO_INTERNAL_H
#define CFAVRO_MEMO_INTERNAL_H

#include <stdint.h>

#include "cache_internal.h"
#include "compiler_internal.h"

#define CF_MEMO_SLOTS 8

typedef struct cf_memo_slot {
    cf_schema_key key;
    cf_cache_entry *entry; /* NULL: empty */
} cf_memo_slot;

typedef struct cf_memo {
    cf_memo_slot slot[CF_MEMO_SLOTS];
    uint32_t last;   /* the slot that answered last: checked first */
    uint32_t victim; /* round-robin replacement */
} cf_memo;

/* The memo's entry for `key`, or NULL. */
static CF_ALWAYS_INLINE cf_cache_entry *cf_memo_find(cf_memo *m, const cf_schema_key *key)
{
    cf_memo_slot *s = &m->slot[m->last];
    if (CF_LIKELY(s->entry != NULL && cf_key_equal(&s->key, key))) {
        cf_cache_touch(s->entry);
        return s->entry;
    }
    for (uint32_t i = 0; i < CF_MEMO_SLOTS; i++) {
        s = &m->slot[i];
        if (s->entry != NULL && cf_key_equal(&s->key, key)) {
            m->last = i;
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
    m->last = i;
    cf_cache_release(old);
}

/* Drop every reference (the decoder is going away). */
static inline void cf_memo_clear(cf_memo *m)
{
    for (uint32_t i = 0; i < CF_MEMO_SLOTS; i++) {
        cf_cache_release(m->slot[i].entry);
        m->slot[i].entry = NULL;
    }
}

#endif
