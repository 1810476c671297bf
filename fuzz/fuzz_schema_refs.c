/*
 * Fuzz target: schema references (src/registry/registry_refs.c) resolved
 * over a registry made of the input, then compiled with their dependencies
 * (cf_schema_compile_with_deps).
 *
 * Input: registry response bodies separated by the line "\n==\n". The first
 * is the root; a fetch of (subject, version) answers with the body whose
 * "subject" and "version" fields say so (latest: the highest version of the
 * subject), else with the registry's not-found.
 *
 * Checks: statuses only from the documented set, with a proper message;
 * no body fetched twice for one (subject, version) request; on success the
 * list is in dependency order (every reference of every listed schema, and
 * of the root, names a schema listed before it), within the limits, and its
 * texts compile with the root or fail with a schema status; the memory
 * bound of fuzz_common.h and no leaks.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "registry_refs_internal.h"
#include "registry_response_internal.h"
#include "schema_internal.h"

#define MAX_BODIES 64
#define SEP "\n==\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    return 0;
}

typedef struct body {
    const char *ptr;
    size_t len;
    cf_reg_schema parsed; /* for matching; type AVRO and no subject if unparsable */
    int fetches;          /* requests by exact version answered with it */
} body;

typedef struct registry {
    body bodies[MAX_BODIES];
    size_t n;
} registry;

static bool same_subject(const cf_reg_schema *s, const char *subject, size_t len)
{
    return s->subject.ptr != NULL && s->subject.len == len &&
           memcmp(s->subject.ptr, subject, len) == 0;
}

static int fetch(void *ctx, const char *subject, size_t subject_len, int32_t version,
                 cf_reg_schema *out, cfavro_error *err)
{
    registry *r = ctx;
    FZ_ASSERT(subject != NULL && subject[subject_len] == '\0', "subject not NUL-terminated");
    FZ_ASSERT(version >= 1 || version == CF_REG_VERSION_LATEST, "fetch of version %d",
              (int)version);
    body *best = NULL;
    for (size_t i = 1; i < r->n; i++) {
        const cf_reg_schema *s = &r->bodies[i].parsed;
        if (!same_subject(s, subject, subject_len) || !s->has_version) {
            continue;
        }
        if (version == CF_REG_VERSION_LATEST ? best == NULL || s->version > best->parsed.version
                                             : s->version == version && best == NULL) {
            best = &r->bodies[i];
        }
    }
    if (best == NULL) {
        static const char nf[] = "{\"error_code\":40402,\"message\":\"Version not found.\"}";
        return cf_registry_status_for(404, nf, sizeof nf - 1, NULL, err);
    }
    if (version != CF_REG_VERSION_LATEST) {
        FZ_ASSERT(++best->fetches == 1, "subject %s version %d fetched twice", subject,
                  (int)version);
    }
    return cf_reg_schema_parse(best->ptr, best->len, out, err);
}

static void check_status(int rc, const cfavro_error *err, const char *what)
{
    FZ_ASSERT(rc == CFAVRO_E_NOMEM || rc == CFAVRO_E_SCHEMA_NOT_FOUND ||
                  rc == CFAVRO_E_SCHEMA_INVALID || rc == CFAVRO_E_SCHEMA_UNSUPPORTED ||
                  rc == CFAVRO_E_LIMIT_SCHEMA || rc == CFAVRO_E_REGISTRY_PROTOCOL,
              "%s: unexpected status %d (%s)", what, rc, err->message);
    FZ_ASSERT(err->status == rc && err->message[0] != '\0' &&
                  memchr(err->message, '\0', sizeof err->message) != NULL,
              "%s: failed (%d) without a proper message", what, rc);
}

/* Does one of list->deps[0..before) answer reference `ref`? */
static bool listed_before(const cf_refs_list *list, size_t before, const cf_reg_ref *ref)
{
    for (size_t i = 0; i < before; i++) {
        const cf_refs_dep *d = &list->deps[i];
        if (d->subject.len == ref->subject.len &&
            memcmp(d->subject.ptr, ref->subject.ptr, ref->subject.len) == 0 &&
            (ref->version == CF_REG_VERSION_LATEST || d->version == ref->version)) {
            return true;
        }
    }
    return false;
}

static void check_order(const cf_refs_list *list, const cf_reg_schema *root)
{
    for (uint32_t k = 0; k < root->ref_count; k++) {
        FZ_ASSERT(listed_before(list, list->count, &root->refs[k]),
                  "root reference %u not listed", k);
    }
    for (size_t i = 0; i < list->count; i++) {
        const cf_refs_dep *d = &list->deps[i];
        FZ_ASSERT(list->texts[i].ptr == d->schema.text.ptr && list->texts[i].label == d->label,
                  "texts[%zu] is not deps[%zu]", i, i);
        for (uint32_t k = 0; k < d->schema.ref_count; k++) {
            FZ_ASSERT(listed_before(list, i, &d->schema.refs[k]),
                      "dependency %zu: reference %u not listed before it", i, k);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy: nothing may read past a body's length. */
    char *text = malloc(size ? size : 1);
    FZ_ASSERT(text != NULL, "out of memory");
    memcpy(text, data, size);
    registry r;
    memset(&r, 0, sizeof r);
    const char *p = text, *end = text + size;
    while (r.n < MAX_BODIES) {
        const char *sep = NULL;
        for (const char *q = p; q + 4 <= end; q++) {
            if (memcmp(q, SEP, 4) == 0) {
                sep = q;
                break;
            }
        }
        r.bodies[r.n].ptr = p;
        r.bodies[r.n].len = (size_t)((sep != NULL ? sep : end) - p);
        r.n++;
        if (sep == NULL) {
            break;
        }
        p = sep + 4;
    }

    fz_mem_begin();
    cfavro_error err;
    for (size_t i = 1; i < r.n; i++) {
        (void)cf_reg_schema_parse(r.bodies[i].ptr, r.bodies[i].len, &r.bodies[i].parsed, &err);
    }
    cf_reg_schema root;
    int rc = cf_reg_schema_parse(r.bodies[0].ptr, r.bodies[0].len, &root, &err);
    if (rc == CFAVRO_OK) {
        cf_refs_limits lim = {16, 8, (size_t)64 << 10};
        cf_refs_list list;
        rc = cf_refs_resolve(&root, fetch, &r, &lim, &list, &err);
        if (rc == CFAVRO_OK) {
            FZ_ASSERT(list.count <= lim.max_refs, "%zu dependencies", list.count);
            check_order(&list, &root);
            cf_schema *schema = NULL;
            rc = cf_schema_compile_with_deps(list.texts, list.count, root.text.ptr,
                                             root.text.len, NULL, &schema, &err);
            if (rc == CFAVRO_OK) {
                FZ_ASSERT(schema != NULL && schema->root < schema->node_count &&
                              schema->json.len == root.text.len,
                          "compiled schema is not the root's");
            } else {
                FZ_ASSERT(schema == NULL, "compile failed but left a schema");
                check_status(rc, &err, "compile");
            }
            cf_schema_free(schema);
        } else {
            FZ_ASSERT(list.count == 0 && list.deps == NULL && list.texts == NULL,
                      "failed resolution left a list");
            check_status(rc, &err, "resolve");
        }
        cf_refs_list_free(&list);
    }
    cf_reg_schema_free(&root);
    for (size_t i = 1; i < r.n; i++) {
        cf_reg_schema_free(&r.bodies[i].parsed);
    }
    fz_mem_end(size, "fuzz_schema_refs");
    free(text);
    return 0;
}
