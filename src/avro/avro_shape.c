/* The avro-c schema and value class of a compiled schema (see
 * avro_shape_internal.h). */
#include "avro_shape_internal.h"

#include <errno.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"

static _Atomic uint64_t g_builds;

uint64_t cf_avro_shape_builds(void)
{
    return atomic_load_explicit(&g_builds, memory_order_relaxed);
}

/* One build: the compiled schema and, per node, the avro-c definition of a
 * named type once it has been made (later uses link to it, as avro-c's own
 * parser does: a link does not own its target, the definition's place in
 * the tree does). */
typedef struct shape_build {
    const cf_schema *schema;
    avro_schema_t *named; /* node_count entries */
} shape_build;

static avro_schema_t node_schema(shape_build *b, uint32_t index);

/* The namespace of a named node (its full name before the last dot), or
 * NULL in the null namespace; `buf` holds it. */
static const char *namespace_of(const cf_node *n, char **buf)
{
    *buf = NULL;
    if (n->name.len <= n->short_name.len) {
        return NULL;
    }
    *buf = cf_strndup(n->name.ptr, n->name.len - n->short_name.len - 1);
    return *buf;
}

static avro_schema_t record_schema(shape_build *b, uint32_t index, const char *space)
{
    const cf_node *n = &b->schema->nodes[index];
    avro_schema_t record = avro_schema_record(n->short_name.ptr, space);
    if (record == NULL) {
        return NULL;
    }
    b->named[index] = record; /* before the fields: they may refer back */
    for (uint32_t i = 0; i < n->count; i++) {
        avro_schema_t type = node_schema(b, n->fields[i].type);
        int rc = type != NULL ? avro_schema_record_field_append(record, n->fields[i].name.ptr,
                                                                 type)
                              : ENOMEM;
        if (type != NULL) {
            avro_schema_decref(type); /* the record holds its own reference */
        }
        if (rc != 0) {
            b->named[index] = NULL;
            avro_schema_decref(record);
            return NULL;
        }
    }
    return record;
}

static avro_schema_t enum_schema(shape_build *b, uint32_t index, const char *space)
{
    const cf_node *n = &b->schema->nodes[index];
    avro_schema_t e = avro_schema_enum_ns(n->short_name.ptr, space);
    if (e == NULL) {
        return NULL;
    }
    for (uint32_t i = 0; i < n->count; i++) {
        if (avro_schema_enum_symbol_append(e, n->symbol_names[i].ptr) != 0) {
            avro_schema_decref(e);
            return NULL;
        }
    }
    b->named[index] = e;
    return e;
}

static avro_schema_t named_schema(shape_build *b, uint32_t index)
{
    const cf_node *n = &b->schema->nodes[index];
    if (b->named[index] != NULL) {
        return avro_schema_link(b->named[index]);
    }
    char *buf;
    const char *space = namespace_of(n, &buf);
    if (n->name.len > n->short_name.len && space == NULL) {
        return NULL; /* no memory for the namespace */
    }
    avro_schema_t s;
    if (n->kind == CF_RECORD) {
        s = record_schema(b, index, space);
    } else if (n->kind == CF_ENUM) {
        s = enum_schema(b, index, space);
    } else {
        s = avro_schema_fixed_ns(n->short_name.ptr, space, (int64_t)n->count);
        b->named[index] = s;
    }
    cf_free(buf);
    return s;
}

static avro_schema_t union_schema(shape_build *b, const cf_node *n)
{
    avro_schema_t u = avro_schema_union();
    if (u == NULL) {
        return NULL;
    }
    for (uint32_t i = 0; i < n->count; i++) {
        avro_schema_t branch = node_schema(b, n->branches[i].type);
        int rc = branch != NULL ? avro_schema_union_append(u, branch) : ENOMEM;
        if (branch != NULL) {
            avro_schema_decref(branch);
        }
        if (rc != 0) {
            avro_schema_decref(u);
            return NULL;
        }
    }
    return u;
}

/* A new reference to the avro-c schema of node `index`, or NULL (avro-c's
 * error text says why). */
static avro_schema_t node_schema(shape_build *b, uint32_t index)
{
    const cf_node *n = &b->schema->nodes[index];
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        return avro_schema_null();
    case CF_BOOLEAN:
        return avro_schema_boolean();
    case CF_INT:
        return avro_schema_int();
    case CF_LONG:
        return avro_schema_long();
    case CF_FLOAT:
        return avro_schema_float();
    case CF_DOUBLE:
        return avro_schema_double();
    case CF_BYTES:
        return avro_schema_bytes();
    case CF_STRING:
        return avro_schema_string();
    case CF_RECORD:
    case CF_ENUM:
    case CF_FIXED:
        return named_schema(b, index);
    case CF_ARRAY:
    case CF_MAP: {
        avro_schema_t child = node_schema(b, n->child);
        if (child == NULL) {
            return NULL;
        }
        avro_schema_t s = n->kind == CF_ARRAY ? avro_schema_array(child) : avro_schema_map(child);
        avro_schema_decref(child);
        return s;
    }
    case CF_UNION:
        return union_schema(b, n);
    case CF_RESOLVED:
        /* A writer/reader program: its values have the reader schema's
         * shape, which the bridge builds from the reader's own compiled
         * schema (kept on the cf_reader), never from a program. */
        avro_set_error("a reader-resolved program has the shape of its reader schema");
        return NULL;
    }
    return NULL;
}

static void shape_free(cf_ext *ext)
{
    cf_avro_shape *shape = (cf_avro_shape *)ext;
    if (shape->iface != NULL) {
        avro_value_iface_decref(shape->iface);
    }
    if (shape->schema != NULL) {
        avro_schema_decref(shape->schema);
    }
    cf_free(shape);
}

/* Build the shape of `schema`. avro-c reports failures through its global
 * error text: copied into `err` at once, never handed out. */
static int shape_build_new(const cf_schema *schema, cf_avro_shape **out, cfavro_error *err)
{
    *out = NULL;
    cf_avro_shape *shape = cf_calloc(1, sizeof *shape);
    shape_build b = {schema, cf_calloc(schema->node_count, sizeof(avro_schema_t))};
    if (shape == NULL || b.named == NULL) {
        cf_free(shape);
        cf_free(b.named);
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    shape->ext.free = shape_free;
    shape->schema = node_schema(&b, schema->root);
    cf_free(b.named);
    if (shape->schema == NULL) {
        int rc = cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                              "avro-c cannot make the schema %s: %s",
                              schema->nodes[schema->root].name.ptr, avro_strerror());
        shape_free(&shape->ext);
        return rc;
    }
    shape->iface = avro_generic_class_from_schema(shape->schema);
    if (shape->iface == NULL) {
        int rc = cf_error_set(err, CFAVRO_E_INTERNAL, CFAVRO_NO_OFFSET,
                              "avro-c cannot make a value class for %s: %s",
                              schema->nodes[schema->root].name.ptr, avro_strerror());
        shape_free(&shape->ext);
        return rc;
    }
    atomic_fetch_add_explicit(&g_builds, 1, memory_order_relaxed);
    *out = shape;
    return CFAVRO_OK;
}

int cf_avro_shape_get(_Atomic(cf_ext *) *slot, const cf_schema *schema,
                      const cf_avro_shape **out, cfavro_error *err)
{
    cf_ext *have = atomic_load_explicit(slot, memory_order_acquire);
    if (have == NULL) {
        cf_avro_shape *built;
        int rc = shape_build_new(schema, &built, err);
        if (rc != CFAVRO_OK) {
            return rc;
        }
        have = &built->ext;
        cf_ext *expected = NULL;
        if (!atomic_compare_exchange_strong_explicit(slot, &expected, have, memory_order_acq_rel,
                                                     memory_order_acquire)) {
            shape_free(have); /* another thread published first: use its shape */
            have = expected;
        }
    }
    *out = (const cf_avro_shape *)have;
    return CFAVRO_OK;
}
