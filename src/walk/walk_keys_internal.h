/* The duplicate map key check, for the walker template: each map pushes its
 * keys on the caller's key stack (cf_walk_keys, walk_internal.h) as it reads
 * them and compares each new key with the ones before it; an inner map's
 * keys go above the outer map's and are popped when it ends, so each map
 * compares only its own keys, across all its blocks.
 *
 * The check runs in payload order, as a key is read (after its UTF-8 check),
 * so its error is the first one in the payload, like every other error, and
 * the stack holds distinct keys only: at most one entry per key length
 * prefix byte, which bounds its memory by the payload.
 *
 * Small maps, the common case, compare the new key with the earlier ones
 * inline, by length and then bytes. Past CF_MAP_KEYS_LINEAR keys, or under
 * json.invalid.utf8=replace, or when the stack must grow, the out-of-line
 * path takes over (walk_keys.c). */
#ifndef CFAVRO_WALK_KEYS_INTERNAL_H
#define CFAVRO_WALK_KEYS_INTERNAL_H

#include <string.h>

#include "compiler_internal.h"
#include "walk_internal.h"

/* Keys per map compared one by one with those before them; a map with more
 * keeps them in sorted runs instead (walk_keys.c), so the check is never
 * quadratic. The benchmark's maps have 0-4 keys. */
enum { CF_MAP_KEYS_LINEAR = 16 };

/* cf_walk_key_add() when the inline path does not apply: grows the stack,
 * compares replaced text, keeps large maps in sorted runs. */
int cf_walk_key_add_slow(cf_walk *w, uint64_t index, const uint8_t *at, const uint8_t *key,
                         size_t len);

/* Record the duplicate: entry `index` (key at `at`) of the map whose keys
 * start at stack entry `base` repeats the key of stack entry `found`.
 * Returns CFAVRO_E_DATA_MAP_KEY_DUPLICATE. */
int cf_walk_key_duplicate(cf_walk *w, size_t base, size_t found, uint64_t index,
                          const uint8_t *at, const uint8_t *key, size_t len);

/* Equal bytes, for keys of equal length n. Keys are short: two overlapping
 * loads beat a call to memcmp up to 16 bytes. */
static CF_ALWAYS_INLINE bool cf_walk_key_bytes_equal(const uint8_t *a, const uint8_t *b,
                                                     size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8);
        memcpy(&b0, b, 8);
        memcpy(&a1, a + n - 8, 8);
        memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return memcmp(a, b, n) == 0;
}

/* Check entry `index` (counted across blocks) of the map being read: its
 * key key[0..len), whose length prefix is at `at`, must differ from the
 * map's `index` earlier keys, the top entries of the stack; it is then
 * pushed. Fails with CFAVRO_E_DATA_MAP_KEY_DUPLICATE or CFAVRO_E_NOMEM,
 * recorded. */
static CF_ALWAYS_INLINE int cf_walk_key_add(cf_walk *w, uint64_t index, const uint8_t *at,
                                            const uint8_t *key, size_t len)
{
    size_t top = w->keys_top;
    cf_walk_keys *ks = w->keys;
    if (CF_LIKELY(index < CF_MAP_KEYS_LINEAR && top < ks->cap &&
                  w->limits->utf8 == CF_UTF8_ERROR)) {
        cf_map_key *slot = ks->keys + top;
        const cf_map_key *k = slot;
        for (uint64_t left = index; left > 0; left--) { /* newest first */
            k--;
            if (CF_UNLIKELY(k->len == len && cf_walk_key_bytes_equal(k->ptr, key, len))) {
                return cf_walk_key_duplicate(w, top - (size_t)index, (size_t)(k - ks->keys),
                                             index, at, key, len);
            }
        }
        slot->ptr = key;
        slot->len = len;
        w->keys_top = top + 1;
        return CFAVRO_OK;
    }
    return cf_walk_key_add_slow(w, index, at, key, len);
}

/* Room for `need` entries on the key stack (for a map's keys, or a resolved
 * record's saved field positions, which sit on the same stack so that the
 * maps inside those fields push above them). Fails with CFAVRO_E_NOMEM,
 * recorded at `at`. */
int cf_walk_keys_reserve(cf_walk *w, size_t need, const uint8_t *at);

/* The end of a map of `count` entries: pop its keys. */
static CF_ALWAYS_INLINE void cf_walk_keys_pop(cf_walk *w, uint64_t count)
{
    w->keys_top -= (size_t)count;
}

#endif
