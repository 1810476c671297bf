/* The out-of-line part of the duplicate map key check (the inline part and
 * the stack discipline: walk_keys_internal.h): growing the key stack,
 * replaced-text comparisons, large maps, and the failure.
 *
 * A large map must not cost a comparison with every earlier key, and a hash
 * set would let a payload chosen to collide bring the quadratic cost back.
 * So past CF_MAP_KEYS_LINEAR keys a map keeps its keys in sorted runs whose
 * sizes are the binary digits of its key count, largest first: a new key is
 * looked up by binary search in each run (O(log^2 n) comparisons), then
 * appended as a run of one, and equal-sized runs at the end are merged, as
 * a binary counter carries (O(log n) moves per key, amortised). Worst case
 * O(n log^2 n) comparisons for n keys, whatever the keys, and no memory
 * beyond half the map again for the merges. */
#include <string.h>

#include "alloc_internal.h"
#include "utf8_internal.h"
#include "walk_keys_internal.h"

_Static_assert((CF_MAP_KEYS_LINEAR & (CF_MAP_KEYS_LINEAR - 1)) == 0,
               "the linear stage must end as one sorted run");

void cf_walk_keys_free(cf_walk_keys *keys)
{
    cf_free(keys->keys);
    keys->keys = NULL;
    keys->cap = 0;
}

/* Order keys by the text the output would hold: bytes when text is checked
 * (valid UTF-8), the replaced text under json.invalid.utf8=replace. Any
 * order consistent with that equality serves; the checked one compares
 * lengths first, which settles most pairs at once. */
static int key_cmp(const cf_map_key *a, const cf_map_key *b, bool replace)
{
    if (replace) {
        return cf_utf8_replaced_cmp(a->ptr, a->len, b->ptr, b->len);
    }
    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;
    }
    return memcmp(a->ptr, b->ptr, a->len);
}

/* Room for `need` entries (walk_keys_internal.h). */
int cf_walk_keys_reserve(cf_walk *w, size_t need, const uint8_t *at)
{
    cf_walk_keys *ks = w->keys;
    if (need <= ks->cap) {
        return CFAVRO_OK;
    }
    size_t cap = ks->cap < 16 ? 16 : ks->cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    cf_map_key *k = NULL;
    if (cap <= SIZE_MAX / sizeof *k) {
        k = cf_realloc(ks->keys, cap * sizeof *k);
    }
    if (k == NULL) {
        return cf_walk_fail(w, CFAVRO_E_NOMEM, at,
                            "out of memory for the duplicate check of map keys (%zu keys)",
                            need);
    }
    ks->keys = k;
    ks->cap = cap;
    return CFAVRO_OK;
}

/* Sort k[0..n) (n is CF_MAP_KEYS_LINEAR, once per large map): insertion
 * sort, few moves at this size. */
static void sort_small(cf_map_key *k, size_t n, bool replace)
{
    for (size_t i = 1; i < n; i++) {
        cf_map_key x = k[i];
        size_t j = i;
        while (j > 0 && key_cmp(&k[j - 1], &x, replace) > 0) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = x;
    }
}

/* Index in the sorted run k[0..n) of a key equal to *x, or n. */
static size_t run_find(const cf_map_key *k, size_t n, const cf_map_key *x, bool replace)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&k[mid], x, replace);
        if (c == 0) {
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return n;
}

/* Merge the sorted runs k[0..n) and k[n..2n) into k[0..2n), through tmp
 * (room for n entries). Keys are distinct, so ties never arise. */
static void run_merge(cf_map_key *k, size_t n, cf_map_key *tmp, bool replace)
{
    memcpy(tmp, k, n * sizeof *k);
    size_t i = 0, j = n, out = 0;
    while (i < n && j < 2 * n) {
        k[out++] = key_cmp(&tmp[i], &k[j], replace) < 0 ? tmp[i++] : k[j++];
    }
    while (i < n) {
        k[out++] = tmp[i++];
    }
    /* What is left of the second run is already in place. */
}

int cf_walk_key_add_slow(cf_walk *w, uint64_t index, const uint8_t *at, const uint8_t *key,
                         size_t len)
{
    bool replace = w->limits->utf8 == CF_UTF8_REPLACE;
    size_t top = w->keys_top;
    /* index: the map's keys on the stack, fewer than the payload's bytes. */
    size_t count = (size_t)index;
    size_t base = top - count;
    bool runs = count >= CF_MAP_KEYS_LINEAR;
    /* The new key, and in runs the merge space above it: at most half the
     * map's keys (the largest run a carry merges). */
    int rc = cf_walk_keys_reserve(w, top + 1 + (runs ? count / 2 + 1 : 0), at);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    cf_map_key *k = w->keys->keys;
    cf_map_key x = {key, len};
    if (!runs) {
        for (size_t j = base; j < top; j++) {
            if (key_cmp(&k[j], &x, replace) == 0) {
                return cf_walk_key_duplicate(w, base, j, index, at, key, len);
            }
        }
        k[top] = x;
        w->keys_top = top + 1;
        return CFAVRO_OK;
    }
    if (count == CF_MAP_KEYS_LINEAR) {
        /* The first keys become one sorted run: a power of two has one
         * binary digit. */
        sort_small(k + base, count, replace);
    }
    /* Runs from the largest (the highest set bit of count) down. */
    size_t top_run = 1;
    while (top_run <= count / 2) {
        top_run <<= 1;
    }
    size_t pos = base;
    for (size_t size = top_run; size > 0; size >>= 1) {
        if (count & size) {
            size_t i = run_find(k + pos, size, &x, replace);
            if (i < size) {
                return cf_walk_key_duplicate(w, base, pos + i, index, at, key, len);
            }
            pos += size;
        }
    }
    k[top] = x;
    w->keys_top = top + 1;
    /* Carry: the new run of one merges with each run of the same size at
     * the end, as the trailing 1 bits of count become 0. */
    for (size_t size = 1; count & size; size <<= 1) {
        run_merge(k + top + 1 - 2 * size, size, k + top + 1, replace);
    }
    return CFAVRO_OK;
}

int cf_walk_key_duplicate(cf_walk *w, size_t base, size_t found, uint64_t index,
                          const uint8_t *at, const uint8_t *key, size_t len)
{
    const cf_map_key *k = w->keys->keys;
    const cf_map_key *first = &k[found];
    /* Sorted runs lose the payload order; the keys' addresses keep it. */
    uint64_t first_index = 0;
    for (size_t j = base; j < w->keys_top; j++) {
        first_index += k[j].ptr < first->ptr;
    }
    bool same_bytes = first->len == len && memcmp(first->ptr, key, len) == 0;
    return cf_walk_fail(w, CFAVRO_E_DATA_MAP_KEY_DUPLICATE, at,
                        "duplicate map key: entry %llu has the key of entry %llu%s",
                        (unsigned long long)index, (unsigned long long)first_index,
                        same_bytes ? "" : " once invalid UTF-8 is replaced by U+FFFD");
}
