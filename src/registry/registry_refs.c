/* Resolving schema references: a depth-first walk over (subject, version)
 * keys that fetches each dependency once and lists it after everything it
 * references, so a compiler reading the list in order always knows a named
 * type before a text uses it.
 *
 * A dependency is marked "open" while its own references are being walked:
 * meeting an open one again is a cycle, meeting a finished one again is a
 * diamond (nothing to do). The walk recurses once per reference level,
 * bounded by max_depth, so the C stack stays small whatever the registry
 * answers. Lookups scan the dependencies found so far: at most max_refs
 * (256) of them, compared by version and length before any bytes. */
#include "registry_refs_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "excerpt_internal.h"

/* Bytes of a subject shown in a label. */
#define SUBJECT_SHOWN 64

void cf_refs_limits_default(cf_refs_limits *limits)
{
    limits->max_refs = 256;
    limits->max_depth = 32;
    limits->max_bytes = (size_t)1 << 20;
}

/* A dependency while the walk runs. */
typedef struct refs_node {
    cf_refs_dep dep;
    bool open;        /* its references are being walked (it is on the path) */
    bool latest_seen; /* a "latest" reference to its subject resolved to it */
} refs_node;

typedef struct refs_walk {
    cf_refs_fetch_fn fetch;
    void *ctx;
    cf_refs_limits lim;
    cfavro_error *err;
    refs_node *nodes; /* in the order they were fetched */
    size_t count;
    size_t cap;
    size_t *order;    /* node indices in post-order, as they finish */
    size_t finished;
    size_t *path;     /* node indices from the root's reference down: the open ones */
    size_t path_len;
    size_t bytes;     /* text so far, the root's included */
} refs_walk;

static void make_label(char *dst, const char *subject, size_t len, int32_t version)
{
    char shown[CF_EXCERPT_CAP(SUBJECT_SHOWN)];
    cf_excerpt(shown, subject, len, SUBJECT_SHOWN);
    if (version == CF_REG_VERSION_LATEST) {
        snprintf(dst, CF_REFS_LABEL_MAX, "subject \"%s\" version latest", shown);
    } else {
        snprintf(dst, CF_REFS_LABEL_MAX, "subject \"%s\" version %d", shown, (int)version);
    }
}

static int nomem(refs_walk *w)
{
    return cf_error_set(w->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                        "out of memory resolving schema references");
}

/* The dependency (subject, version), or SIZE_MAX. With `latest`, the one a
 * "latest" reference to the subject already resolved to. */
static size_t find(const refs_walk *w, const cf_reg_text *subject, int32_t version, bool latest)
{
    for (size_t i = 0; i < w->count; i++) {
        const refs_node *n = &w->nodes[i];
        bool match = latest ? n->latest_seen : n->dep.version == version;
        if (match && n->dep.subject.len == subject->len &&
            memcmp(n->dep.subject.ptr, subject->ptr, subject->len) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* `reference cycle: A -> B -> A`, from where node `again` is on the path. */
static int cycle(refs_walk *w, size_t again)
{
    char msg[CFAVRO_ERROR_MESSAGE_MAX];
    size_t n = (size_t)snprintf(msg, sizeof msg, "reference cycle: ");
    size_t from = 0;
    while (w->path[from] != again) {
        from++;
    }
    for (size_t i = from; i <= w->path_len && n < sizeof msg; i++) {
        size_t node = i < w->path_len ? w->path[i] : again;
        int k = snprintf(msg + n, sizeof msg - n, "%s%s", i > from ? " -> " : "",
                         w->nodes[node].dep.label);
        if (k < 0) {
            break;
        }
        n += (size_t)k;
    }
    return cf_error_set(w->err, CFAVRO_E_SCHEMA_INVALID, CFAVRO_NO_OFFSET, "%s", msg);
}

/* A known dependency met again: a cycle if it is still open, else nothing
 * to do (a diamond). */
static int met_again(refs_walk *w, size_t idx)
{
    return w->nodes[idx].open ? cycle(w, idx) : CFAVRO_OK;
}

static int visit_refs(refs_walk *w, const cf_reg_ref *refs, uint32_t ref_count, uint32_t depth);

/* Take `fetched` (moved in) as a new dependency and walk its references. */
static int add_and_walk(refs_walk *w, const cf_reg_ref *r, int32_t version, bool latest,
                        cf_reg_schema *fetched, uint32_t depth)
{
    if (w->count == w->cap) {
        size_t cap = w->cap == 0 ? 8 : w->cap * 2;
        if (cap > w->lim.max_refs) {
            cap = w->lim.max_refs;
        }
        refs_node *nodes = cf_realloc(w->nodes, cap * sizeof *nodes);
        size_t *order = nodes == NULL ? NULL : cf_realloc(w->order, cap * sizeof *order);
        if (nodes != NULL) {
            w->nodes = nodes;
        }
        if (order == NULL) {
            return nomem(w);
        }
        w->order = order;
        w->cap = cap;
    }
    refs_node *n = &w->nodes[w->count];
    memset(n, 0, sizeof *n);
    n->dep.subject.ptr = cf_strndup(r->subject.ptr, r->subject.len);
    if (n->dep.subject.ptr == NULL) {
        return nomem(w);
    }
    n->dep.subject.len = r->subject.len;
    n->dep.version = version;
    n->dep.schema = *fetched; /* moved: nothing left to free in *fetched */
    memset(fetched, 0, sizeof *fetched);
    make_label(n->dep.label, r->subject.ptr, r->subject.len, version);
    n->open = true;
    n->latest_seen = latest;
    size_t idx = w->count++;
    w->bytes += n->dep.schema.text.len;

    w->path[w->path_len++] = idx;
    /* The node array may move while the references are walked; the refs
     * array it points to does not. */
    const cf_reg_schema *s = &w->nodes[idx].dep.schema;
    int rc = visit_refs(w, s->refs, s->ref_count, depth);
    w->path_len--;
    if (rc != CFAVRO_OK) {
        return rc;
    }
    w->nodes[idx].open = false;
    w->order[w->finished++] = idx;
    return CFAVRO_OK;
}

/* What makes a fetched schema unusable as a dependency, after the fetch. */
static int check_fetched(refs_walk *w, const cf_reg_schema *s)
{
    if (s->type != CF_REG_TYPE_AVRO) {
        return cf_error_set(w->err, CFAVRO_E_SCHEMA_UNSUPPORTED, CFAVRO_NO_OFFSET,
                            "the registry gave a %s schema where an Avro one is referenced",
                            s->type == CF_REG_TYPE_PROTOBUF ? "PROTOBUF"
                            : s->type == CF_REG_TYPE_JSON   ? "JSON"
                                                            : "non-Avro");
    }
    if (s->text.len > w->lim.max_bytes - w->bytes) {
        return cf_error_set(w->err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "the schema and its references take more than "
                            "limit.schema.bytes (%zu)",
                            w->lim.max_bytes);
    }
    return CFAVRO_OK;
}

static int visit_ref(refs_walk *w, const cf_reg_ref *r, uint32_t depth)
{
    char label[CF_REFS_LABEL_MAX];
    char name[CF_EXCERPT_CAP(SUBJECT_SHOWN)];
    bool latest = r->version == CF_REG_VERSION_LATEST;
    make_label(label, r->subject.ptr, r->subject.len, r->version);
    cf_excerpt(name, r->name.ptr != NULL ? r->name.ptr : "", r->name.len, SUBJECT_SHOWN);
    if (!latest && r->version < 1) {
        return cf_error_set(w->err, CFAVRO_E_SCHEMA_INVALID, CFAVRO_NO_OFFSET,
                            "reference \"%s\" (%s): a version is 1 or more, or latest", name,
                            label);
    }
    size_t known = find(w, &r->subject, r->version, latest);
    if (known != SIZE_MAX) {
        return met_again(w, known);
    }
    if (depth > w->lim.max_depth) {
        return cf_error_set(w->err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "reference \"%s\" (%s): references nested deeper than %u", name,
                            label, w->lim.max_depth);
    }
    if (w->count >= w->lim.max_refs) {
        return cf_error_set(w->err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "reference \"%s\" (%s): more than %u schemas referenced in all",
                            name, label, w->lim.max_refs);
    }
    cf_reg_schema fetched;
    memset(&fetched, 0, sizeof fetched);
    int rc = w->fetch(w->ctx, r->subject.ptr, r->subject.len, r->version, &fetched, w->err);
    if (rc == CFAVRO_OK) {
        rc = check_fetched(w, &fetched);
    }
    if (rc != CFAVRO_OK) {
        cf_error_prepend(w->err, "reference \"%s\" (%s): ", name, label);
        cf_reg_schema_free(&fetched);
        return rc;
    }
    int32_t version = r->version;
    if (latest && fetched.has_version) {
        version = fetched.version;
        /* "latest" may name a version already known under its number. */
        known = find(w, &r->subject, version, false);
        if (known != SIZE_MAX) {
            cf_reg_schema_free(&fetched);
            w->nodes[known].latest_seen = true;
            return met_again(w, known);
        }
    }
    rc = add_and_walk(w, r, version, latest, &fetched, depth);
    cf_reg_schema_free(&fetched); /* emptied when it was taken */
    return rc;
}

static int visit_refs(refs_walk *w, const cf_reg_ref *refs, uint32_t ref_count, uint32_t depth)
{
    for (uint32_t i = 0; i < ref_count; i++) {
        int rc = visit_ref(w, &refs[i], depth + 1);
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    return CFAVRO_OK;
}

static void dep_free(cf_refs_dep *d)
{
    cf_reg_schema_free(&d->schema);
    cf_free(d->subject.ptr);
    d->subject.ptr = NULL;
}

/* Hand the finished dependencies over in post-order. */
static int build_list(refs_walk *w, cf_refs_list *out)
{
    out->deps = cf_calloc(w->count, sizeof *out->deps);
    out->texts = cf_calloc(w->count, sizeof *out->texts);
    if (out->deps == NULL || out->texts == NULL) {
        cf_free(out->deps);
        cf_free(out->texts);
        out->deps = NULL;
        out->texts = NULL;
        return nomem(w);
    }
    for (size_t i = 0; i < w->count; i++) {
        cf_refs_dep *d = &out->deps[i];
        *d = w->nodes[w->order[i]].dep;
        out->texts[i] = (cf_schema_text){d->schema.text.ptr, d->schema.text.len, d->label};
    }
    out->count = w->count;
    w->count = 0; /* moved out */
    return CFAVRO_OK;
}

int cf_refs_resolve(const cf_reg_schema *root, cf_refs_fetch_fn fetch, void *ctx,
                    const cf_refs_limits *limits, cf_refs_list *out, cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL || root == NULL || fetch == NULL) {
        if (out != NULL) {
            memset(out, 0, sizeof *out);
        }
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_refs_resolve: %s is NULL",
                            out == NULL ? "out" : root == NULL ? "root" : "fetch");
    }
    memset(out, 0, sizeof *out);
    refs_walk w;
    memset(&w, 0, sizeof w);
    w.fetch = fetch;
    w.ctx = ctx;
    w.err = err;
    if (limits != NULL) {
        w.lim = *limits;
    } else {
        cf_refs_limits_default(&w.lim);
    }
    if (root->type != CF_REG_TYPE_AVRO) {
        return cf_error_set(err, CFAVRO_E_SCHEMA_UNSUPPORTED, CFAVRO_NO_OFFSET,
                            "cf_refs_resolve: the schema is not an Avro schema");
    }
    if (root->text.len > w.lim.max_bytes) {
        return cf_error_set(err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "schema text is %zu bytes, over limit.schema.bytes (%zu)",
                            root->text.len, w.lim.max_bytes);
    }
    if (root->ref_count == 0) {
        return CFAVRO_OK;
    }
    w.bytes = root->text.len;
    /* One path entry per level, and the walk refuses level max_depth + 1
     * before it adds one. */
    w.path = cf_calloc((size_t)w.lim.max_depth + 1, sizeof *w.path);
    int rc = w.path == NULL ? nomem(&w) : visit_refs(&w, root->refs, root->ref_count, 0);
    if (rc == CFAVRO_OK) {
        rc = build_list(&w, out);
    }
    for (size_t i = 0; i < w.count; i++) {
        dep_free(&w.nodes[i].dep);
    }
    cf_free(w.nodes);
    cf_free(w.order);
    cf_free(w.path);
    return rc;
}

void cf_refs_list_free(cf_refs_list *list)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        dep_free(&list->deps[i]);
    }
    cf_free(list->deps);
    cf_free(list->texts);
    memset(list, 0, sizeof *list);
}
