/* cfavro_client_cache_list: a snapshot of the cache (entries referenced under
 * the lock, so none is recycled), visited with the lock released. */
#include <string.h>

#include "alloc_internal.h"
#include "client_internal.h"
#include "error_internal.h"

typedef struct snapshot {
    cf_cache_entry **entries;
    size_t count;
    size_t cap;
    bool no_memory;
} snapshot;

static int take(void *arg, const cf_cache_entry *ce)
{
    snapshot *s = arg;
    cf_cache_entry *e = (cf_cache_entry *)ce;
    cf_entry_state st = atomic_load_explicit(&e->state, memory_order_acquire);
    if (st != CF_ENTRY_READY && st != CF_ENTRY_NEGATIVE) {
        return 0; /* loading: not in the cache yet */
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        cf_cache_entry **grown = cf_realloc(s->entries, cap * sizeof *grown);
        if (grown == NULL) {
            s->no_memory = true;
            return 1;
        }
        s->entries = grown;
        s->cap = cap;
    }
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); /* linked: >= 1 */
    s->entries[s->count++] = e;
    return 0;
}

static void describe(const cfavro_client *client, const cf_cache_entry *e, cfavro_cache_item *it)
{
    memset(it, 0, sizeof *it);
    cf_schema_key key;
    for (int w = 0; w < 3; w++) {
        key.w[w] = atomic_load_explicit(&((cf_cache_entry *)e)->key[w], memory_order_relaxed);
    }
    it->is_guid = cf_key_kind_of(&key) == CF_KEY_GUID;
    if (it->is_guid) {
        it->schema_id = 0;
        cf_key_guid_of(&key, it->guid);
    } else {
        it->schema_id = cf_key_id_of(&key);
    }
    it->context = client->context != NULL ? client->context : "";
    if (atomic_load_explicit(&((cf_cache_entry *)e)->state, memory_order_acquire) ==
        CF_ENTRY_READY) {
        const cf_node *root = &e->schema->nodes[e->schema->root];
        it->state = CFAVRO_CACHE_READY;
        it->origin = e->origin;
        it->name = root->name.ptr != NULL ? root->name.ptr : "";
    } else {
        it->state = CFAVRO_CACHE_FAILED;
        it->origin = CFAVRO_ORIGIN_NONE;
        it->name = "";
        it->error_status = e->error.status;
    }
}

int cfavro_client_cache_list(cfavro_client *client, cfavro_cache_visitor visit, void *arg,
                             cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL || visit == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_client_cache_list: NULL argument");
    }
    snapshot s = {0};
    pthread_mutex_lock(&client->cache.lock);
    cf_cache_each_locked(&client->cache, take, &s);
    pthread_mutex_unlock(&client->cache.lock);
    int rc = CFAVRO_OK;
    if (s.no_memory) {
        rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < s.count; i++) {
        if (rc == CFAVRO_OK) {
            cfavro_cache_item item;
            describe(client, s.entries[i], &item);
            rc = visit(arg, &item);
        }
        cf_cache_release(s.entries[i]);
    }
    cf_free(s.entries);
    return rc;
}
