/* The per-entry list of resolved programs (see resolved_internal.h). */
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "resolved_internal.h"

/* The list hung on an entry's `resolved` slot. */
typedef struct resolved_list {
    cf_ext ext; /* first: the entry frees the list through it */
    _Atomic(cf_resolved *) head;
} resolved_list;

static void node_free(cf_resolved *n)
{
    cf_schema_free(n->program);
    cf_reader_release(n->reader);
    cf_free(n);
}

static void list_free(cf_ext *x)
{
    resolved_list *l = (resolved_list *)(void *)x;
    cf_resolved *n = atomic_load_explicit(&l->head, memory_order_acquire);
    while (n != NULL) {
        cf_resolved *next = n->next;
        node_free(n);
        n = next;
    }
    cf_free(l);
}

/* The entry's list, made and published on first use. NULL: no memory. */
static resolved_list *list_of(cf_cache_entry *e)
{
    cf_ext *x = atomic_load_explicit(&e->resolved, memory_order_acquire);
    if (x != NULL) {
        return (resolved_list *)(void *)x;
    }
    resolved_list *l = cf_calloc(1, sizeof *l);
    if (l == NULL) {
        return NULL;
    }
    l->ext.free = list_free;
    atomic_init(&l->head, NULL);
    cf_ext *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&e->resolved, &expected, &l->ext,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        cf_free(l); /* another decoder's list won */
        return (resolved_list *)(void *)expected;
    }
    return l;
}

/* The node for `generation` among `from` and older nodes, or NULL. */
static const cf_resolved *find(const cf_resolved *from, uint64_t generation)
{
    for (const cf_resolved *n = from; n != NULL; n = n->next) {
        if (n->reader_generation == generation) {
            return n;
        }
    }
    return NULL;
}

/* Resolve the pair into a new node. NULL only when out of memory (err says
 * so); a pair that does not resolve gives a node with its error. */
static cf_resolved *build(const cf_cache_entry *e, cf_reader *r, const cf_schema_limits *limits,
                          cfavro_error *err)
{
    cf_resolved *n = cf_calloc(1, sizeof *n);
    if (n == NULL) {
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    cf_error_clear(&n->error);
    int rc = cf_schema_resolve(e->schema, r->schema, limits, &n->program, &n->error);
    if (rc == CFAVRO_E_NOMEM) {
        cf_free(n);
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    if (rc != CFAVRO_OK) {
        /* Incompatible (or over a schema limit): the same for every message. */
        n->program = NULL;
        n->error.status = rc;
        n->error.offset = CFAVRO_NO_OFFSET;
        if (r->version > 0) {
            cf_error_prepend(&n->error,
                             "the writer schema does not resolve to the reader schema "
                             "(version %d, id %d): ",
                             (int)r->version, (int)r->id);
        } else {
            cf_error_prepend(&n->error,
                             "the writer schema does not resolve to the reader schema: ");
        }
    }
    n->reader_generation = r->generation;
    cf_reader_retain(r);
    n->reader = r;
    return n;
}

int cf_resolved_get(cf_cache_entry *e, cf_reader *r, const cf_schema_limits *limits,
                    const cf_resolved **out, cfavro_error *err)
{
    resolved_list *l = list_of(e);
    if (l == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    cf_resolved *head = atomic_load_explicit(&l->head, memory_order_acquire);
    const cf_resolved *hit = find(head, r->generation);
    if (hit != NULL) {
        *out = hit;
        return CFAVRO_OK;
    }
    cf_resolved *n = build(e, r, limits, err);
    if (n == NULL) {
        return CFAVRO_E_NOMEM;
    }
    for (;;) {
        n->next = head;
        if (atomic_compare_exchange_weak_explicit(&l->head, &head, n, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *out = n;
            return CFAVRO_OK;
        }
        /* `head` is the new head: did someone publish this pair meanwhile? */
        hit = find(head, r->generation);
        if (hit != NULL) {
            node_free(n);
            *out = hit;
            return CFAVRO_OK;
        }
    }
}
