/* Schema references, resolved: the texts a registry schema depends on,
 * fetched recursively and listed dependencies first, ready for
 * cf_schema_compile_with_deps. Pure logic: the fetch is the caller's (the
 * HTTP source, a directory, a test's table), so this file does no I/O and
 * keeps no global state. */
#ifndef CFAVRO_REGISTRY_REFS_INTERNAL_H
#define CFAVRO_REGISTRY_REFS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "registry_response_internal.h"
#include "schema_internal.h"

/* Fetch version `version` (>= 1, or CF_REG_VERSION_LATEST) of subject
 * subject[0..subject_len) (NUL-terminated at subject_len) into *out, which
 * the resolver has zeroed and frees with cf_reg_schema_free afterwards, also
 * after a failure (as cf_reg_schema_parse leaves it). Returns CFAVRO_OK or
 * a status with `err` filled (CFAVRO_E_SCHEMA_NOT_FOUND when the registry
 * has no such subject or version). Called from the resolving thread only. */
typedef int (*cf_refs_fetch_fn)(void *ctx, const char *subject, size_t subject_len,
                                int32_t version, cf_reg_schema *out, cfavro_error *err);

/* What one resolution may take; beyond any of them is CFAVRO_E_LIMIT_SCHEMA
 * with a message naming the limit. */
typedef struct cf_refs_limits {
    uint32_t max_refs;  /* distinct dependencies in all; default 256 */
    uint32_t max_depth; /* references of references ...: the root's own are
                           depth 1; default 32 */
    size_t max_bytes;   /* the root's text and every dependency's together;
                           default 1 MiB, limit.schema.bytes' default: the
                           caller passes its limit.schema.bytes */
} cf_refs_limits;

void cf_refs_limits_default(cf_refs_limits *limits);

/* Room for a dependency's label: `subject "<at most 64 bytes, escaped>"
 * version <int32 or latest>`. */
#define CF_REFS_LABEL_MAX 320

/* One dependency. */
typedef struct cf_refs_dep {
    cf_reg_schema schema; /* as fetched, owned */
    cf_reg_text subject;  /* the subject the reference named (owned copy) */
    int32_t version;      /* the version it is: the one the reference named,
                             or for "latest" the one the response reported
                             (CF_REG_VERSION_LATEST if it reported none) */
    char label[CF_REFS_LABEL_MAX]; /* e.g. subject "address-value" version 1 */
} cf_refs_dep;

/* The dependencies of a schema in dependency order (depth-first
 * post-order: every dependency comes after everything it references), each
 * (subject, version) once. texts[i] is deps[i]'s schema text and label,
 * borrowed from deps[i]: pass (texts, count) to cf_schema_compile_with_deps
 * as they are. Free with cf_refs_list_free. */
typedef struct cf_refs_list {
    cf_refs_dep *deps;
    cf_schema_text *texts;
    size_t count;
} cf_refs_list;

/*
 * Resolve root->refs recursively through `fetch` (ctx passed along). Each
 * dependency is identified by (subject, version); a reference to "latest"
 * is identified by the version the response reports, and a second "latest"
 * reference to the same subject is not fetched again. A dependency that
 * leads back to itself (a cycle) is refused as soon as the walk meets it
 * again, so no (subject, version) is fetched twice; the root is not keyed
 * (fetched by id it has no subject), so a cycle through it is caught one
 * step later, at the dependency it reached first. limits may be NULL for
 * the defaults.
 *
 * Returns CFAVRO_OK with *out filled (count 0 and NULL arrays when root has
 * no references). Otherwise *out is empty and:
 *  - a failed fetch returns its status, its message prefixed with the
 *    reference: `reference "com.acme.Address" (subject "address-value"
 *    version 1): ...`;
 *  - a schema (root or dependency) whose type is not AVRO:
 *    CFAVRO_E_SCHEMA_UNSUPPORTED;
 *  - a cycle: CFAVRO_E_SCHEMA_INVALID, `reference cycle: subject "a"
 *    version 1 -> subject "b" version 1 -> subject "a" version 1`; a
 *    reference with a version below 1 other than latest: likewise invalid;
 *  - more dependencies, deeper nesting or more text than `limits`:
 *    CFAVRO_E_LIMIT_SCHEMA;
 *  - CFAVRO_E_NOMEM; CFAVRO_E_ARGUMENT for a NULL root, fetch or out.
 * Errors carry CFAVRO_NO_OFFSET. err may be NULL. Thread-safe as far as
 * `fetch` is (nothing else is shared).
 */
int cf_refs_resolve(const cf_reg_schema *root, cf_refs_fetch_fn fetch, void *ctx,
                    const cf_refs_limits *limits, cf_refs_list *out, cfavro_error *err);

/* Free everything *list owns and empty it. NULL is a no-op. */
void cf_refs_list_free(cf_refs_list *list);

#endif
