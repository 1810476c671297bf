/* The in-memory source: schema texts given to cfavro_client_add_schema, kept
 * for the client's lifetime so the cache may evict their compiled form. */
#include <stdbool.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "source_internal.h"

int cf_source_memory_init(cf_source_memory *m)
{
    memset(m, 0, sizeof *m);
    return pthread_mutex_init(&m->lock, NULL) == 0 ? CFAVRO_OK : CFAVRO_E_INTERNAL;
}

void cf_source_memory_free(cf_source_memory *m)
{
    for (size_t i = 0; i < m->count; i++) {
        cf_free(m->items[i].text);
    }
    cf_free(m->items);
    pthread_mutex_destroy(&m->lock);
    memset(m, 0, sizeof *m);
}

/* The index of `id`, or where it would go. Lock held. */
static size_t position(const cf_source_memory *m, int32_t id)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->items[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static bool has(const cf_source_memory *m, size_t at, int32_t id)
{
    return at < m->count && m->items[at].id == id;
}

static int insert_locked(cf_source_memory *m, size_t at, int32_t id, const char *text, size_t len)
{
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        cf_source_memory_item *items = cf_realloc(m->items, cap * sizeof *items);
        if (items == NULL) {
            return CFAVRO_E_NOMEM;
        }
        m->items = items;
        m->cap = cap;
    }
    char *copy = cf_strndup(text != NULL ? text : "", len);
    if (copy == NULL) {
        return CFAVRO_E_NOMEM;
    }
    memmove(&m->items[at + 1], &m->items[at], (m->count - at) * sizeof m->items[0]);
    m->items[at] = (cf_source_memory_item){id, copy, len};
    m->count++;
    return CFAVRO_OK;
}

/* CFAVRO_E_ARGUMENT when the item at `at` is `id` with other text. Lock held. */
static int conflict_locked(const cf_source_memory *m, size_t at, int32_t id, const char *text,
                           size_t len, cfavro_error *err)
{
    if (!has(m, at, id)) {
        return CFAVRO_OK;
    }
    const cf_source_memory_item *it = &m->items[at];
    if (it->len != len || (len > 0 && memcmp(it->text, text, len) != 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "schema id %d is already registered with a different schema",
                            (int)id);
    }
    return CFAVRO_OK;
}

int cf_source_memory_check(cf_source_memory *m, int32_t id, const char *text, size_t len,
                           cfavro_error *err)
{
    pthread_mutex_lock(&m->lock);
    int rc = conflict_locked(m, position(m, id), id, text, len, err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int cf_source_memory_add(cf_source_memory *m, int32_t id, const char *text, size_t len,
                         bool *added, cfavro_error *err)
{
    *added = false;
    pthread_mutex_lock(&m->lock);
    size_t at = position(m, id);
    int rc = conflict_locked(m, at, id, text, len, err);
    if (rc != CFAVRO_OK || has(m, at, id)) {
        /* refused, or the same text again: nothing to add */
    } else if (insert_locked(m, at, id, text, len) == CFAVRO_OK) {
        *added = true;
    } else {
        rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

void cf_source_memory_remove(cf_source_memory *m, int32_t id)
{
    pthread_mutex_lock(&m->lock);
    size_t at = position(m, id);
    if (has(m, at, id)) {
        cf_free(m->items[at].text);
        memmove(&m->items[at], &m->items[at + 1], (m->count - at - 1) * sizeof m->items[0]);
        m->count--;
    }
    pthread_mutex_unlock(&m->lock);
}

int cf_source_memory_read(cf_source_memory *m, int32_t id, char **text, size_t *len,
                          cfavro_error *err)
{
    *text = NULL;
    *len = 0;
    pthread_mutex_lock(&m->lock);
    size_t at = position(m, id);
    int rc = CFAVRO_OK;
    if (!has(m, at, id)) {
        rc = cf_error_set(err, CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_NO_OFFSET,
                          "schema id %d was not added with cfavro_client_add_schema", (int)id);
    } else if ((*text = cf_strndup(m->items[at].text, m->items[at].len)) == NULL) {
        rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    } else {
        *len = m->items[at].len;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}
