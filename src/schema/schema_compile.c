/*
 * Schema compiler: Avro schema JSON -> the node program of schema_internal.h.
 *
 * One recursive pass over the jansson tree, bounded by limits->max_depth (and
 * jansson itself refuses JSON nested deeper than 2048), so hostile schemas
 * cannot exhaust the stack. Named types are registered in a hash table before
 * their fields are compiled, which is what makes recursive records work: a
 * reference to a record still being defined resolves to its node index and
 * the program simply contains a cycle.
 *
 * Memory: everything the finished schema points to (nodes, strings, field and
 * branch arrays, the cf_schema itself) lives in one arena of a few large
 * blocks; the node array grows separately during the compile and is copied
 * into the arena at the end. On any failure the arena and the temporaries are
 * freed and nothing escapes. Time and memory are proportional to the text,
 * plus the full names (see "Names cost what their text costs" below).
 */
#include "schema_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "excerpt_internal.h"
#include "schema_json_internal.h"
#include "schema_logical_internal.h"
#include "schema_names_internal.h"
#include "schema_nul_keys_internal.h"

void cf_schema_limits_default(cf_schema_limits *limits)
{
    limits->max_json_bytes = (size_t)1 << 20;
    limits->max_depth = 64;
    limits->max_nodes = 100000;
    limits->max_fields = 10000;
    limits->max_branches = 1000;
    limits->max_symbols = 100000;
    limits->max_fixed_size = (uint32_t)16 << 20;
    limits->max_name_bytes = (size_t)4 << 20;
}

/* ------------------------------------------------------------------------ */
/* Static facts about kinds                                                  */
/* ------------------------------------------------------------------------ */

#define KIND_COUNT (CF_UNION + 1)

/* Primitive (and array/map/union) nodes point at these literals for their
 * name; named types get arena copies of their full names. */
static const char *const kind_name[KIND_COUNT] = {
    "null", "boolean", "int", "long", "float", "double", "bytes",
    "string", "fixed", "enum", "record", "array", "map", "union",
};

/* Avro-JSON union wrappers for the unnamed kinds. */
static const char *const kind_open[KIND_COUNT] = {
    "{\"null\":", "{\"boolean\":", "{\"int\":", "{\"long\":", "{\"float\":",
    "{\"double\":", "{\"bytes\":", "{\"string\":", NULL, NULL, NULL,
    "{\"array\":", "{\"map\":", NULL,
};

/* Smallest encoding of a value: a varint or length prefix takes at least one
 * byte, float and double are fixed width, null takes nothing. */
static const uint32_t prim_min_size[CF_STRING + 1] = {0, 1, 1, 1, 4, 8, 1, 1};

static bool kind_is_named(int kind)
{
    return kind == CF_RECORD || kind == CF_ENUM || kind == CF_FIXED;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static bool json_str_is(const json_t *j, const char *lit)
{
    size_t n = strlen(lit);
    return json_string_length(j) == n && memcmp(json_string_value(j), lit, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* Compile state and error reporting                                         */
/* ------------------------------------------------------------------------ */

/* Where in the schema we are, for error messages. Frames live on the C stack
 * and chain outwards; a message describes the innermost frames up to the
 * nearest record field, e.g. `items of array in field "tags" of record R`. */
typedef enum loc_kind { LOC_TOP, LOC_FIELD, LOC_ITEMS, LOC_VALUES, LOC_BRANCH } loc_kind;

typedef struct cf_loc {
    const struct cf_loc *parent;
    loc_kind kind;
    const char *name;  /* LOC_FIELD: field name (untrusted) */
    size_t name_len;
    const char *owner; /* LOC_FIELD: full name of the record */
    size_t index;      /* LOC_BRANCH: branch number */
} cf_loc;

/*
 * Names cost what their text costs. A namespace is interned once, as a
 * number (0 is the null namespace), and named types are keyed by (namespace
 * number, short name): defining, referencing or listing a type in a union
 * hashes and compares only the text written there, never a full name built
 * for the occasion. Each named type's full name is built once (counted
 * against limit.schema.names.bytes, since a long namespace inherited by many
 * definitions would otherwise cost text length squared) and its union
 * wrapper once, when a union first lists it.
 */

/* The text of a namespace: ptr[0..len), not NUL-terminated, borrowed from
 * the parsed document. */
typedef struct cf_ns_text {
    const char *ptr;
    size_t len;
} cf_ns_text;

/* What the compile keeps per node beside the program itself. */
typedef struct cf_node_aux {
    cf_str open;           /* named types: {"full.Name": once a union lists it */
    uint32_t union_serial; /* the last union that listed this named type... */
    uint32_t union_branch; /* ...and as which branch (duplicate check) */
    uint32_t doc;          /* the text that defined it: a dependency's index, or
                              ndeps for the root (redefinition messages) */
    cf_node_meta meta;     /* aliases, defaults: copied into the schema at the end */
} cf_node_aux;

typedef struct cf_ctx {
    const cf_schema_limits *lim;
    cfavro_error *err;
    cf_arena arena;
    cf_node *nodes;   /* grows during the compile, copied to the arena at the end */
    cf_node_aux *aux; /* as many as nodes; freed at the end */
    uint32_t count;
    uint32_t cap;
    cf_strtab names;      /* (namespace number, short name) -> node index */
    cf_strtab ns_numbers; /* namespace text -> namespace number */
    cf_ns_text *ns_text;  /* namespace number -> text; [0] is the null namespace */
    uint32_t ns_count;
    uint32_t ns_cap;
    size_t name_bytes;     /* bytes of the full names built so far */
    uint32_t union_serial; /* unions compiled so far */
    cf_strtab scratch;     /* duplicate checks (field names, symbols) */
    uint32_t prim[CF_STRING + 1]; /* shared node of each plain primitive */
    const cf_schema_text *deps;   /* the dependencies compiled before the root */
    size_t ndeps;
    uint32_t doc; /* the text being compiled: a dependency's index, or ndeps */
    uint32_t nul_stand_in; /* its keys' stand-in for U+0000, or 0 (schema_nul_keys_internal.h) */
} cf_ctx;

#define NO_NODE UINT32_MAX

static void loc_describe(const cf_loc *loc, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (; loc != NULL && n + 1 < cap; loc = loc->parent) {
        char name[72];
        int w = 0;
        switch (loc->kind) {
        case LOC_TOP:
            w = snprintf(buf + n, cap - n, "schema");
            return;
        case LOC_FIELD:
            w = snprintf(buf + n, cap - n, "field \"%s\" of record %s",
                         cf_msg_text(name, sizeof name, loc->name, loc->name_len), loc->owner);
            return;
        case LOC_ITEMS: w = snprintf(buf + n, cap - n, "items of array in "); break;
        case LOC_VALUES: w = snprintf(buf + n, cap - n, "values of map in "); break;
        case LOC_BRANCH:
            w = snprintf(buf + n, cap - n, "branch %zu of union in ", loc->index);
            break;
        }
        if (w < 0) {
            return;
        }
        n += (size_t)w;
    }
    (void)n;
}

static int fail(cf_ctx *c, const cf_loc *loc, int status, const char *fmt, ...) CF_PRINTF(4, 5);

static int fail(cf_ctx *c, const cf_loc *loc, int status, const char *fmt, ...)
{
    char where[CFAVRO_ERROR_MESSAGE_MAX];
    char what[CFAVRO_ERROR_MESSAGE_MAX];
    loc_describe(loc, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Compose "where: what". When both do not fit, shorten the location
     * rather than the problem itself. */
    char msg[CFAVRO_ERROR_MESSAGE_MAX];
    size_t cap = sizeof msg - 1;
    size_t lw = strlen(where), lm = strlen(what);
    bool cut = false;
    if (lw + 2 + lm > cap) {
        size_t keep = cap > lm + 5 ? cap - lm - 5 : 0; /* room for "..." and ": " */
        if (keep < lw) {
            lw = keep;
            cut = true;
        }
    }
    size_t n = 0;
    memcpy(msg, where, lw);
    n += lw;
    if (cut) {
        memcpy(msg + n, "...", 3);
        n += 3;
    }
    memcpy(msg + n, ": ", 2);
    n += 2;
    if (lm > cap - n) {
        lm = cap - n;
    }
    memcpy(msg + n, what, lm);
    msg[n + lm] = '\0';
    return cf_error_set(c->err, status, CFAVRO_NO_OFFSET, "%s", msg);
}

static int nomem(cf_ctx *c)
{
    return cf_error_set(c->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                        "out of memory while compiling the schema");
}

/* Grow an array of *cap elements of `size` bytes to hold at least
 * `need` elements (doubling, at most `max`). */
static int grow_array(void **arr, uint32_t *cap, uint32_t need, uint32_t max, size_t size)
{
    uint32_t ncap = *cap < 8 ? 16 : (*cap > UINT32_MAX / 2 ? UINT32_MAX : *cap * 2);
    if (ncap > max) {
        ncap = max;
    }
    if (ncap < need) {
        ncap = need;
    }
    size_t bytes = (size_t)ncap * size;
    if (bytes / size != ncap) { /* 32-bit size_t */
        return -1;
    }
    void *na = cf_realloc(*arr, bytes);
    if (na == NULL) {
        return -1;
    }
    *arr = na;
    *cap = ncap;
    return 0;
}

static int node_new(cf_ctx *c, const cf_loc *loc, cf_kind kind, uint32_t *out)
{
    if (c->count >= c->lim->max_nodes) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "schema has more than %u types, over limit.schema.nodes (%u)",
                    c->lim->max_nodes, c->lim->max_nodes);
    }
    if (c->count == c->cap) {
        /* nodes and aux share the capacity: grow aux first, so a failure
         * leaves cap describing both */
        uint32_t cap = c->cap;
        if (grow_array((void **)&c->aux, &cap, c->count + 1, c->lim->max_nodes,
                       sizeof *c->aux) != 0 ||
            grow_array((void **)&c->nodes, &c->cap, c->count + 1, c->lim->max_nodes,
                       sizeof *c->nodes) != 0) {
            return nomem(c);
        }
    }
    memset(&c->aux[c->count], 0, sizeof c->aux[c->count]);
    c->aux[c->count].doc = c->doc;
    c->aux[c->count].meta.enum_default = UINT32_MAX;
    cf_node *n = &c->nodes[c->count];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    if (!kind_is_named(kind)) {
        n->name.ptr = kind_name[kind];
        n->name.len = (uint32_t)strlen(kind_name[kind]);
        n->short_name = n->name;
    }
    *out = c->count++;
    return CFAVRO_OK;
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

static int prim_node(cf_ctx *c, const cf_loc *loc, int kind, uint32_t *out)
{
    if (c->prim[kind] == NO_NODE) {
        CF_TRY(node_new(c, loc, (cf_kind)kind, &c->prim[kind]));
        c->nodes[c->prim[kind]].min_size = prim_min_size[kind];
    }
    *out = c->prim[kind];
    return CFAVRO_OK;
}

/* The number of the namespace ptr[0..len) (a valid namespace), new or
 * already seen; the empty namespace is the null namespace, 0. The text is
 * borrowed: it lives in the parsed document for the whole compile. */
static int ns_intern(cf_ctx *c, const char *ptr, size_t len, uint32_t *out)
{
    if (len == 0) {
        *out = 0;
        return CFAVRO_OK;
    }
    if (c->ns_count >= c->ns_cap &&
        grow_array((void **)&c->ns_text, &c->ns_cap, c->ns_count + 1, UINT32_MAX,
                   sizeof *c->ns_text) != 0) {
        return nomem(c);
    }
    uint32_t have;
    if (cf_strtab_put(&c->ns_numbers, ptr, len, c->ns_count, &have) != 0) {
        return nomem(c);
    }
    if (have != CF_STRTAB_MISSING) {
        *out = have;
        return CFAVRO_OK;
    }
    c->ns_text[c->ns_count] = (cf_ns_text){ptr, len};
    *out = c->ns_count++;
    return CFAVRO_OK;
}

/* The last '.' of s[0..len), or NULL. */
static const char *last_dot(const char *s, size_t len)
{
    while (len > 0) {
        if (s[--len] == '.') {
            return s + len;
        }
    }
    return NULL;
}

/* A type given by name: a primitive or a named type defined earlier (or
 * being defined: recursion). An unqualified name is looked up in the
 * enclosing namespace `ns` first, then in the null namespace, as Java does;
 * a full name by its namespace's number and its last part. */
static int resolve_name(cf_ctx *c, const char *s, size_t len, uint32_t ns, const cf_loc *loc,
                        uint32_t *out)
{
    int prim = cf_avro_primitive_kind(s, len);
    if (prim >= 0) {
        return prim_node(c, loc, prim, out);
    }
    uint32_t idx = NO_NODE;
    const char *dot = last_dot(s, len);
    if (dot != NULL) {
        uint32_t space = cf_strtab_get(&c->ns_numbers, s, (size_t)(dot - s));
        if (space != CF_STRTAB_MISSING) {
            idx = cf_strtab_get_in(&c->names, space, dot + 1, len - (size_t)(dot + 1 - s));
        }
    } else {
        if (ns != 0) {
            idx = cf_strtab_get_in(&c->names, ns, s, len);
        }
        if (idx == NO_NODE) {
            idx = cf_strtab_get_in(&c->names, 0, s, len);
        }
    }
    if (idx == NO_NODE) {
        char buf[72];
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "unknown type name \"%s\"",
                    cf_msg_text(buf, sizeof buf, s, len));
    }
    *out = idx;
    return CFAVRO_OK;
}

/* "aliases" of a named type (`field` NULL: full names allowed) or of field
 * `field` of record `owner` (simple names only). Nothing reads aliases until
 * reader schemas do, but the specification and Java's parser refuse a
 * malformed list, and so does this compiler: a schema accepted now stays
 * usable then. */
static int check_aliases(cf_ctx *c, const json_t *obj, const cf_loc *loc, const char *what,
                         const char *owner, const char *field, size_t field_len)
{
    const json_t *aj = json_object_get(obj, "aliases");
    if (aj == NULL) {
        return CFAVRO_OK;
    }
    char problem[160];
    char buf[72];
    problem[0] = '\0';
    if (!json_is_array(aj)) {
        snprintf(problem, sizeof problem, "\"aliases\" must be an array of strings, not %s",
                 cf_json_kind(aj));
    }
    for (size_t i = 0; problem[0] == '\0' && i < json_array_size(aj); i++) {
        const json_t *a = json_array_get(aj, i);
        if (!json_is_string(a)) {
            snprintf(problem, sizeof problem, "alias %zu must be a string, not %s", i,
                     cf_json_kind(a));
            break;
        }
        const char *s = json_string_value(a);
        size_t len = json_string_length(a);
        /* A full name follows the namespace rule: names joined by dots. */
        bool valid = field != NULL ? cf_avro_name_valid(s, len) : cf_avro_namespace_valid(s, len);
        if (!valid) {
            snprintf(problem, sizeof problem, "invalid alias \"%s\"%s",
                     cf_msg_text(buf, sizeof buf, s, len),
                     field != NULL ? " (a field alias is a simple name)" : "");
        }
    }
    if (problem[0] == '\0') {
        return CFAVRO_OK;
    }
    if (field != NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "record %s: field \"%s\": %s", owner,
                    cf_msg_text(buf, sizeof buf, field, field_len), problem);
    }
    return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "%s %s: %s", what, owner, problem);
}

/* A name defined twice. Within one text that is all there is to say; a name
 * a dependency defined says which dependency (its label), since the text
 * being compiled may not mention it. Even an identical definition is
 * refused, as Java's parser refuses it: the reference resolver gives each
 * dependency once, so a repeat is two different texts claiming one name. */
static int redefined(cf_ctx *c, const cf_loc *loc, const char *what, const char *full,
                     uint32_t earlier)
{
    uint32_t doc = c->aux[earlier].doc;
    if (doc == c->doc) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "%s %s: the name is already defined", what,
                    full);
    }
    const char *label = c->deps[doc].label;
    return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                "%s %s: the name is already defined by dependency %u%s%s%s", what, full, doc,
                label != NULL ? " (" : "", label != NULL ? label : "", label != NULL ? ")" : "");
}

/* The name of a record/enum/fixed definition `obj`: its full name (in the
 * arena), short name (the tail of the full name) and the namespace its own
 * nested definitions inherit. */
typedef struct cf_defname {
    cf_str full;
    cf_str short_name;
    uint32_t ns; /* number of the namespace part of full */
    const cf_str *aliases; /* full names */
    uint32_t alias_count;
} cf_defname;

/* The "aliases" of `obj` (already checked by check_aliases) copied into the
 * arena for reader-schema resolution: a named type's (field NULL) as full
 * names, a relative alias taking the namespace number `ns`; a field's as
 * written. A named type's aliases count against limit.schema.names.bytes
 * like its full name, for the same reason. */
static int keep_aliases(cf_ctx *c, const json_t *obj, uint32_t ns, bool of_field,
                        const cf_loc *loc, const cf_str **out, uint32_t *count)
{
    const json_t *aj = json_object_get(obj, "aliases");
    size_t na = json_array_size(aj); /* 0 when absent */
    *out = NULL;
    *count = 0;
    if (na == 0) {
        return CFAVRO_OK;
    }
    cf_str *al = cf_arena_calloc(&c->arena, na, sizeof *al);
    if (al == NULL) {
        return nomem(c);
    }
    cf_ns_text space = ns == 0 || of_field ? (cf_ns_text){NULL, 0} : c->ns_text[ns];
    for (size_t i = 0; i < na; i++) {
        const json_t *a = json_array_get(aj, i);
        const char *s = json_string_value(a);
        size_t len = json_string_length(a);
        size_t pre = last_dot(s, len) == NULL && space.len > 0 ? space.len + 1 : 0;
        if (!of_field) {
            if (pre + len > c->lim->max_name_bytes - c->name_bytes) {
                return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                            "aliases of named types take over limit.schema.names.bytes (%zu)",
                            c->lim->max_name_bytes);
            }
            c->name_bytes += pre + len;
        }
        char *t = cf_arena_alloc(&c->arena, pre + len + 1);
        if (t == NULL) {
            return nomem(c);
        }
        if (pre > 0) {
            memcpy(t, space.ptr, space.len);
            t[space.len] = '.';
        }
        memcpy(t + pre, s, len);
        t[pre + len] = '\0';
        al[i] = (cf_str){t, (uint32_t)(pre + len)};
    }
    *out = al;
    *count = (uint32_t)na;
    return CFAVRO_OK;
}

static int parse_name(cf_ctx *c, const json_t *obj, const char *what, uint32_t ns,
                      const cf_loc *loc, cf_defname *dn)
{
    char buf[72];
    const json_t *nj = json_object_get(obj, "name");
    if (nj == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "%s without a \"name\"", what);
    }
    if (!json_is_string(nj)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "\"name\" of %s must be a string, not %s",
                    what, cf_json_kind(nj));
    }
    const char *name = json_string_value(nj);
    size_t len = json_string_length(nj);
    const char *dot = last_dot(name, len);
    const char *short_ptr = name;
    size_t short_len = len;
    uint32_t own = ns;
    if (dot != NULL) {
        /* A dotted name is the full name; "namespace" is ignored. */
        if (!cf_avro_namespace_valid(name, len)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "invalid %s name \"%s\"", what,
                        cf_msg_text(buf, sizeof buf, name, len));
        }
        short_ptr = dot + 1;
        short_len = (size_t)(name + len - short_ptr);
        CF_TRY(ns_intern(c, name, (size_t)(dot - name), &own));
    } else {
        if (!cf_avro_name_valid(name, len)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "invalid %s name \"%s\"", what,
                        cf_msg_text(buf, sizeof buf, name, len));
        }
        const json_t *nsj = json_object_get(obj, "namespace");
        if (json_is_null(nsj)) {
            own = 0;
        } else if (json_is_string(nsj)) {
            const char *nsp = json_string_value(nsj);
            size_t nsl = json_string_length(nsj);
            if (nsl > 0 && !cf_avro_namespace_valid(nsp, nsl)) {
                return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "%s %s: invalid namespace \"%s\"",
                            what, name, cf_msg_text(buf, sizeof buf, nsp, nsl));
            }
            CF_TRY(ns_intern(c, nsp, nsl, &own));
        } else if (nsj != NULL) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "%s %s: \"namespace\" must be a string or null, not %s", what, name,
                        cf_json_kind(nsj));
        }
    }
    if (cf_avro_primitive_kind(short_ptr, short_len) >= 0) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "%s name \"%s\" redefines the primitive type %s", what,
                    cf_msg_text(buf, sizeof buf, name, len),
                    kind_name[cf_avro_primitive_kind(short_ptr, short_len)]);
    }
    /* The one copy of the full name: namespace + "." + short name. */
    cf_ns_text space = own == 0 ? (cf_ns_text){NULL, 0} : c->ns_text[own];
    size_t full_len = space.len > 0 ? space.len + 1 + short_len : short_len;
    if (full_len >= UINT32_MAX) { /* cf_str lengths are 32-bit */
        return nomem(c);
    }
    if (full_len > c->lim->max_name_bytes - c->name_bytes) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "%s %s: full names of named types take %zu bytes, over "
                    "limit.schema.names.bytes (%zu)",
                    what, cf_msg_text(buf, sizeof buf, short_ptr, short_len),
                    c->name_bytes + full_len, c->lim->max_name_bytes);
    }
    c->name_bytes += full_len;
    char *full = cf_arena_alloc(&c->arena, full_len + 1);
    if (full == NULL) {
        return nomem(c);
    }
    if (space.len > 0) {
        memcpy(full, space.ptr, space.len);
        full[space.len] = '.';
    }
    memcpy(full + full_len - short_len, short_ptr, short_len);
    full[full_len] = '\0';
    uint32_t earlier = cf_strtab_get_in(&c->names, own, short_ptr, short_len);
    if (earlier != NO_NODE) {
        return redefined(c, loc, what, full, earlier);
    }
    dn->full.ptr = full;
    dn->full.len = (uint32_t)full_len;
    dn->short_name.ptr = full + full_len - short_len;
    dn->short_name.len = (uint32_t)short_len;
    dn->ns = own;
    CF_TRY(check_aliases(c, obj, loc, what, full, NULL, 0));
    return keep_aliases(c, obj, own, false, loc, &dn->aliases, &dn->alias_count);
}

/* Create the node of a named type and register its name, so that later
 * references (and references from inside its own fields) find it. */
static int named_node(cf_ctx *c, const cf_loc *loc, cf_kind kind, const cf_defname *dn,
                      uint32_t *out)
{
    CF_TRY(node_new(c, loc, kind, out));
    cf_node *n = &c->nodes[*out];
    n->name = dn->full;
    n->short_name = dn->short_name;
    c->aux[*out].meta.aliases = dn->aliases;
    c->aux[*out].meta.alias_count = dn->alias_count;
    uint32_t existing;
    if (cf_strtab_put_in(&c->names, dn->ns, dn->short_name.ptr, dn->short_name.len, *out,
                         &existing) != 0) {
        return nomem(c);
    }
    return CFAVRO_OK;
}

/* ------------------------------------------------------------------------ */
/* Types                                                                     */
/* ------------------------------------------------------------------------ */

static int compile_type(cf_ctx *c, json_t *j, uint32_t ns, const cf_loc *loc, uint32_t depth,
                        uint32_t *out);

/* A field's "default" (NULL: none) as compact JSON text in the arena, for
 * schema_defaults.c to encode when a reader schema needs it. jansson
 * escapes U+0000 and everything else a reparse needs; U+0000 in a key,
 * which the document holds as a stand-in, is written back as \u0000. */
static int keep_default(cf_ctx *c, const json_t *dj, cf_str *out)
{
    out->ptr = NULL;
    out->len = 0;
    if (dj == NULL) {
        return CFAVRO_OK;
    }
    /* Measured, then written straight into the arena. */
    size_t flags = JSON_ENCODE_ANY | JSON_COMPACT;
    size_t len = json_dumpb(dj, NULL, 0, flags);
    char *text = len > 0 && len < UINT32_MAX ? cf_arena_alloc(&c->arena, len + 1) : NULL;
    if (text == NULL || json_dumpb(dj, text, len, flags) != len) {
        return nomem(c);
    }
    text[len] = '\0';
    size_t full = c->nul_stand_in != 0
                      ? cf_nul_stand_in_replace(text, len, c->nul_stand_in, "\\u0000", 6, NULL)
                      : len;
    if (full > len) {
        char *back = full < UINT32_MAX ? cf_arena_alloc(&c->arena, full + 1) : NULL;
        if (back == NULL) {
            return nomem(c);
        }
        cf_nul_stand_in_replace(text, len, c->nul_stand_in, "\\u0000", 6, back);
        back[full] = '\0';
        text = back;
        len = full;
    }
    out->ptr = text;
    out->len = (uint32_t)len;
    return CFAVRO_OK;
}

static int compile_record(cf_ctx *c, json_t *obj, uint32_t ns, const cf_loc *loc,
                          uint32_t depth, uint32_t *out)
{
    char buf[72];
    cf_defname dn;
    CF_TRY(parse_name(c, obj, "record", ns, loc, &dn));
    const char *rn = dn.full.ptr;
    json_t *fields = json_object_get(obj, "fields");
    if (fields == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "record %s without \"fields\"", rn);
    }
    if (!json_is_array(fields)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "record %s: \"fields\" must be an array, not %s", rn, cf_json_kind(fields));
    }
    size_t nf = json_array_size(fields);
    if (nf > c->lim->max_fields) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "record %s has %zu fields, over limit.schema.fields (%u)", rn, nf,
                    c->lim->max_fields);
    }
    /* Pass 1: the fields' own attributes, before any recursion, so the
     * scratch table is free again by the time nested records need it. */
    cf_strtab_reset(&c->scratch);
    for (size_t i = 0; i < nf; i++) {
        const json_t *f = json_array_get(fields, i);
        if (!json_is_object(f)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "record %s: field %zu must be an object, not %s", rn, i, cf_json_kind(f));
        }
        const json_t *fname = json_object_get(f, "name");
        if (fname == NULL) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "record %s: field %zu without a \"name\"",
                        rn, i);
        }
        if (!json_is_string(fname)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "record %s: \"name\" of field %zu must be a string, not %s", rn, i,
                        cf_json_kind(fname));
        }
        const char *s = json_string_value(fname);
        size_t len = json_string_length(fname);
        if (!cf_avro_name_valid(s, len)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "record %s: invalid field name \"%s\"",
                        rn, cf_msg_text(buf, sizeof buf, s, len));
        }
        uint32_t first;
        if (cf_strtab_put(&c->scratch, s, len, (uint32_t)i, &first) != 0) {
            return nomem(c);
        }
        if (first != CF_STRTAB_MISSING) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "record %s: duplicate field name \"%s\" (fields %u and %zu)", rn,
                        cf_msg_text(buf, sizeof buf, s, len), first, i);
        }
        if (json_object_get(f, "type") == NULL) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "record %s: field \"%s\" without a \"type\"", rn,
                        cf_msg_text(buf, sizeof buf, s, len));
        }
        /* A field's "default" is not checked against its type: Confluent's
         * consumers accept schemas with invalid field defaults, and nothing
         * reads a default until reader schemas do. */
        CF_TRY(check_aliases(c, f, loc, "record", rn, s, len));
    }
    uint32_t idx = 0;
    CF_TRY(named_node(c, loc, CF_RECORD, &dn, &idx));
    cf_field *fa = NULL;
    if (nf > 0) {
        fa = cf_arena_calloc(&c->arena, nf, sizeof *fa);
        if (fa == NULL) {
            return nomem(c);
        }
    }
    for (size_t i = 0; i < nf; i++) {
        const json_t *fname = json_object_get(json_array_get(fields, i), "name");
        const char *s = json_string_value(fname);
        size_t len = json_string_length(fname);
        if (cf_arena_str(&c->arena, s, len, &fa[i].name) != 0 ||
            cf_arena_json_wrap(&c->arena, i == 0 ? "{\"" : ",\"", s, len, "\":",
                               &fa[i].json_key) != 0) {
            return nomem(c);
        }
    }
    c->nodes[idx].fields = fa;
    c->nodes[idx].count = (uint32_t)nf;
    /* What a reader schema needs of each field: its aliases and default. */
    cf_field_meta *fm = NULL;
    if (nf > 0) {
        fm = cf_arena_calloc(&c->arena, nf, sizeof *fm);
        if (fm == NULL) {
            return nomem(c);
        }
    }
    for (size_t i = 0; i < nf; i++) {
        const json_t *f = json_array_get(fields, i);
        CF_TRY(keep_aliases(c, f, 0, true, loc, &fm[i].aliases, &fm[i].alias_count));
        CF_TRY(keep_default(c, json_object_get(f, "default"), &fm[i].default_json));
    }
    c->aux[idx].meta.fields = fm;
    /* Pass 2: field types. The field object stays at hand here for what a
     * reader schema will need later (defaults, aliases, order). */
    uint32_t min = 0;
    for (size_t i = 0; i < nf; i++) {
        json_t *f = json_array_get(fields, i);
        cf_loc fl = {loc, LOC_FIELD, fa[i].name.ptr, fa[i].name.len, rn, i};
        uint32_t t;
        CF_TRY(compile_type(c, json_object_get(f, "type"), dn.ns, &fl, depth + 1, &t));
        fa[i].type = t;
        /* A field whose record is still being compiled (recursion) reads
         * min_size 0 here: fine for a lower bound. */
        min = sat_add(min, c->nodes[t].min_size);
    }
    c->nodes[idx].min_size = min;
    *out = idx;
    return CFAVRO_OK;
}

static int compile_enum(cf_ctx *c, json_t *obj, uint32_t ns, const cf_loc *loc, uint32_t *out)
{
    char buf[72];
    cf_defname dn;
    CF_TRY(parse_name(c, obj, "enum", ns, loc, &dn));
    const char *en = dn.full.ptr;
    json_t *syms = json_object_get(obj, "symbols");
    if (syms == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "enum %s without \"symbols\"", en);
    }
    if (!json_is_array(syms)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "enum %s: \"symbols\" must be an array, not %s", en, cf_json_kind(syms));
    }
    size_t ns_count = json_array_size(syms);
    if (ns_count > c->lim->max_symbols) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "enum %s has %zu symbols, over limit.schema.symbols (%u)", en, ns_count,
                    c->lim->max_symbols);
    }
    cf_strtab_reset(&c->scratch);
    for (size_t i = 0; i < ns_count; i++) {
        const json_t *sj = json_array_get(syms, i);
        if (!json_is_string(sj)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "enum %s: symbol %zu must be a string, not %s", en, i, cf_json_kind(sj));
        }
        const char *s = json_string_value(sj);
        size_t len = json_string_length(sj);
        if (!cf_avro_name_valid(s, len)) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "enum %s: invalid symbol \"%s\"", en,
                        cf_msg_text(buf, sizeof buf, s, len));
        }
        uint32_t first;
        if (cf_strtab_put(&c->scratch, s, len, (uint32_t)i, &first) != 0) {
            return nomem(c);
        }
        if (first != CF_STRTAB_MISSING) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "enum %s: duplicate symbol \"%s\" (symbols %u and %zu)", en,
                        cf_msg_text(buf, sizeof buf, s, len), first, i);
        }
    }
    /* The default stands in for writer symbols a reader lacks; the spec
     * (and Java) require it to be one of the symbols. */
    const json_t *dj = json_object_get(obj, "default");
    if (dj != NULL && !json_is_string(dj)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "enum %s: \"default\" must be a string, not %s", en, cf_json_kind(dj));
    }
    if (dj != NULL && cf_strtab_get(&c->scratch, json_string_value(dj),
                                    json_string_length(dj)) == CF_STRTAB_MISSING) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "enum %s: default \"%s\" is not one of its symbols", en,
                    cf_msg_text(buf, sizeof buf, json_string_value(dj), json_string_length(dj)));
    }
    uint32_t idx = 0;
    CF_TRY(named_node(c, loc, CF_ENUM, &dn, &idx));
    cf_str *quoted = NULL, *raw = NULL;
    if (ns_count > 0) {
        quoted = cf_arena_calloc(&c->arena, ns_count, sizeof *quoted);
        raw = cf_arena_calloc(&c->arena, ns_count, sizeof *raw);
        if (quoted == NULL || raw == NULL) {
            return nomem(c);
        }
    }
    for (size_t i = 0; i < ns_count; i++) {
        const json_t *sj = json_array_get(syms, i);
        const char *s = json_string_value(sj);
        size_t len = json_string_length(sj);
        if (cf_arena_str(&c->arena, s, len, &raw[i]) != 0 ||
            cf_arena_json_wrap(&c->arena, "\"", s, len, "\"", &quoted[i]) != 0) {
            return nomem(c);
        }
    }
    c->aux[idx].meta.enum_default =
        dj != NULL ? cf_strtab_get(&c->scratch, json_string_value(dj), json_string_length(dj))
                   : UINT32_MAX;
    cf_node *n = &c->nodes[idx];
    n->count = (uint32_t)ns_count;
    n->symbols = quoted;
    n->symbol_names = raw;
    n->min_size = 1;
    *out = idx;
    return CFAVRO_OK;
}

static int compile_fixed(cf_ctx *c, json_t *obj, uint32_t ns, const cf_loc *loc, uint32_t *out)
{
    cf_defname dn;
    CF_TRY(parse_name(c, obj, "fixed", ns, loc, &dn));
    const char *fn = dn.full.ptr;
    const json_t *sz = json_object_get(obj, "size");
    if (sz == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "fixed %s without a \"size\"", fn);
    }
    if (!json_is_integer(sz)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "fixed %s: \"size\" must be an integer, not %s", fn, cf_json_kind(sz));
    }
    json_int_t size = json_integer_value(sz);
    if (size < 0) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "fixed %s: negative size %lld", fn,
                    (long long)size);
    }
    if ((unsigned long long)size > c->lim->max_fixed_size) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "fixed %s: size %lld is over limit.schema.fixed.size (%u)", fn,
                    (long long)size, c->lim->max_fixed_size);
    }
    uint32_t idx = 0;
    CF_TRY(named_node(c, loc, CF_FIXED, &dn, &idx));
    cf_node *n = &c->nodes[idx];
    n->count = (uint32_t)size;
    n->min_size = (uint32_t)size;
    int32_t p, s;
    n->logical = (uint8_t)cf_schema_logical(obj, CF_FIXED, size, &p, &s);
    n->precision = p;
    n->scale = s;
    *out = idx;
    return CFAVRO_OK;
}

/* array (items) and map (values). */
static int compile_container(cf_ctx *c, json_t *obj, cf_kind kind, uint32_t ns, const cf_loc *loc,
                             uint32_t depth, uint32_t *out)
{
    const char *attr = kind == CF_ARRAY ? "items" : "values";
    json_t *child = json_object_get(obj, attr);
    if (child == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "%s without \"%s\"", kind_name[kind], attr);
    }
    uint32_t idx = 0;
    CF_TRY(node_new(c, loc, kind, &idx));
    cf_loc cl = {loc, kind == CF_ARRAY ? LOC_ITEMS : LOC_VALUES, NULL, 0, NULL, 0};
    uint32_t t = 0;
    CF_TRY(compile_type(c, child, ns, &cl, depth + 1, &t));
    c->nodes[idx].child = t;
    c->nodes[idx].min_size = 1; /* a zero block count ends it */
    *out = idx;
    return CFAVRO_OK;
}

static int compile_union(cf_ctx *c, json_t *arr, uint32_t ns, const cf_loc *loc, uint32_t depth,
                         uint32_t *out)
{
    size_t nb = json_array_size(arr);
    if (nb == 0) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "empty union");
    }
    if (nb > c->lim->max_branches) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "union has %zu branches, over limit.schema.branches (%u)", nb,
                    c->lim->max_branches);
    }
    uint32_t idx = 0;
    CF_TRY(node_new(c, loc, CF_UNION, &idx));
    cf_branch *br = cf_arena_calloc(&c->arena, nb, sizeof *br);
    if (br == NULL) {
        return nomem(c);
    }
    uint32_t min = UINT32_MAX;
    for (size_t i = 0; i < nb; i++) {
        json_t *b = json_array_get(arr, i);
        cf_loc bl = {loc, LOC_BRANCH, NULL, 0, NULL, i};
        if (json_is_array(b)) {
            return fail(c, &bl, CFAVRO_E_SCHEMA_INVALID, "a union directly inside a union");
        }
        uint32_t t;
        CF_TRY(compile_type(c, b, ns, &bl, depth + 1, &t));
        const cf_node *bn = &c->nodes[t];
        br[i].type = t;
        if (kind_is_named(bn->kind)) {
            /* One wrapper per named type, shared by every union listing it. */
            cf_str *open = &c->aux[t].open;
            if (open->ptr == NULL &&
                cf_arena_json_wrap(&c->arena, "{\"", bn->name.ptr, bn->name.len, "\":", open) !=
                    0) {
                return nomem(c);
            }
            br[i].json_open = *open;
        } else {
            br[i].json_open.ptr = kind_open[bn->kind];
            br[i].json_open.len = (uint32_t)strlen(kind_open[bn->kind]);
        }
        if (bn->min_size < min) {
            min = bn->min_size;
        }
    }
    /* The spec allows one branch per unnamed type (array and map included)
     * and one per named type's full name. A full name is one node, so named
     * branches are told apart by node: marked with this union's serial. */
    size_t first_of_kind[KIND_COUNT];
    for (int k = 0; k < KIND_COUNT; k++) {
        first_of_kind[k] = SIZE_MAX;
    }
    uint32_t serial = ++c->union_serial;
    for (size_t i = 0; i < nb; i++) {
        const cf_node *bn = &c->nodes[br[i].type];
        cf_node_aux *ax = &c->aux[br[i].type];
        size_t first = SIZE_MAX;
        if (kind_is_named(bn->kind)) {
            if (ax->union_serial == serial) {
                first = ax->union_branch;
            } else {
                ax->union_serial = serial;
                ax->union_branch = (uint32_t)i;
            }
        } else if (first_of_kind[bn->kind] != SIZE_MAX) {
            first = first_of_kind[bn->kind];
        } else {
            first_of_kind[bn->kind] = i;
        }
        if (first != SIZE_MAX) {
            return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                        "union has two branches of type %s (branches %zu and %zu)",
                        bn->name.ptr, first, i);
        }
    }
    cf_node *n = &c->nodes[idx];
    n->count = (uint32_t)nb;
    n->branches = br;
    n->min_size = sat_add(1, min);
    *out = idx;
    return CFAVRO_OK;
}

/* {"type": ...} */
static int compile_object(cf_ctx *c, json_t *obj, uint32_t ns, const cf_loc *loc, uint32_t depth,
                          uint32_t *out)
{
    const json_t *tj = json_object_get(obj, "type");
    if (tj == NULL) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "type object without a \"type\"");
    }
    if (!json_is_string(tj)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID, "\"type\" must be a string, not %s",
                    cf_json_kind(tj));
    }
    const char *ts = json_string_value(tj);
    size_t tl = json_string_length(tj);
    int prim = cf_avro_primitive_kind(ts, tl);
    if (prim >= 0) {
        int32_t p, s;
        cf_logical lt = cf_schema_logical(obj, (cf_kind)prim, 0, &p, &s);
        if (lt == CF_LT_NONE) {
            return prim_node(c, loc, prim, out); /* plain primitives share one node */
        }
        CF_TRY(node_new(c, loc, (cf_kind)prim, out));
        cf_node *n = &c->nodes[*out];
        n->logical = (uint8_t)lt;
        n->precision = p;
        n->scale = s;
        n->min_size = prim_min_size[prim];
        return CFAVRO_OK;
    }
    if (json_str_is(tj, "record")) {
        return compile_record(c, obj, ns, loc, depth, out);
    }
    if (json_str_is(tj, "enum")) {
        return compile_enum(c, obj, ns, loc, out);
    }
    if (json_str_is(tj, "fixed")) {
        return compile_fixed(c, obj, ns, loc, out);
    }
    if (json_str_is(tj, "array")) {
        return compile_container(c, obj, CF_ARRAY, ns, loc, depth, out);
    }
    if (json_str_is(tj, "map")) {
        return compile_container(c, obj, CF_MAP, ns, loc, depth, out);
    }
    /* {"type": "com.example.Side"}: a reference, as Java accepts it. */
    return resolve_name(c, ts, tl, ns, loc, out);
}

static int compile_type(cf_ctx *c, json_t *j, uint32_t ns, const cf_loc *loc, uint32_t depth,
                        uint32_t *out)
{
    if (json_is_string(j)) {
        return resolve_name(c, json_string_value(j), json_string_length(j), ns, loc, out);
    }
    if (!json_is_object(j) && !json_is_array(j)) {
        return fail(c, loc, CFAVRO_E_SCHEMA_INVALID,
                    "a type must be a string, an object or an array, not %s", cf_json_kind(j));
    }
    /* Only definitions nest; the bound keeps the recursion (and the walker's
     * view of the schema) shallow whatever the input. */
    if (depth > c->lim->max_depth) {
        return fail(c, loc, CFAVRO_E_LIMIT_SCHEMA,
                    "type definitions nested deeper than limit.schema.depth (%u)",
                    c->lim->max_depth);
    }
    if (json_is_array(j)) {
        return compile_union(c, j, ns, loc, depth, out);
    }
    return compile_object(c, j, ns, loc, depth, out);
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                              */
/* ------------------------------------------------------------------------ */

/* Move the finished program into the arena and hand it out as a cf_schema. */
static int finish(cf_ctx *c, const char *json, size_t len, uint32_t root, cf_schema **out)
{
    cf_schema *s = cf_arena_calloc(&c->arena, 1, sizeof *s);
    cf_node *nodes = cf_arena_calloc(&c->arena, c->count, sizeof *nodes);
    cf_node_meta *meta = cf_arena_calloc(&c->arena, c->count, sizeof *meta);
    if (s == NULL || nodes == NULL || meta == NULL ||
        cf_arena_str(&c->arena, json, len, &s->json) != 0) {
        return nomem(c);
    }
    memcpy(nodes, c->nodes, (size_t)c->count * sizeof *nodes);
    for (uint32_t i = 0; i < c->count; i++) {
        meta[i] = c->aux[i].meta;
    }
    s->meta = meta;
    /* Now that every min_size is known, count each record's fields that can
     * take no input bytes: the walker charges them to limit.items once per
     * record instead of testing every field. */
    for (uint32_t i = 0; i < c->count; i++) {
        if (nodes[i].kind == CF_RECORD) {
            for (uint32_t f = 0; f < nodes[i].count; f++) {
                nodes[i].zero_fields += nodes[nodes[i].fields[f].type].min_size == 0;
            }
        }
    }
    s->nodes = nodes;
    s->node_count = c->count;
    s->root = root;
    s->priv = c->arena.head;
    *out = s;
    return CFAVRO_OK;
}

/* Name dependency i in a message: "dependency 1 (subject "b" version 2)". */
static void prepend_dep(cfavro_error *err, const cf_schema_text *deps, size_t i)
{
    const char *label = deps[i].label;
    cf_error_prepend(err, "dependency %zu%s%s%s: ", i, label != NULL ? " (" : "",
                     label != NULL ? label : "", label != NULL ? ")" : "");
}

/* The caller's texts, checked before anything is parsed: arguments, then
 * limit.schema.bytes over the root and every dependency together, so
 * references cannot carry more text than one schema may. */
static int check_texts(const cf_schema_text *deps, size_t ndeps, const char *json, size_t len,
                       const cf_schema_limits *limits, cfavro_error *err)
{
    if (json == NULL && len > 0) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_compile: schema text is NULL");
    }
    if (deps == NULL && ndeps > 0) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_compile: %zu dependencies but deps is NULL", ndeps);
    }
    if (ndeps >= UINT32_MAX) { /* a node records its text's index in 32 bits */
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_compile: %zu dependencies is absurd", ndeps);
    }
    if (len > limits->max_json_bytes) {
        return cf_error_set(err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                            "schema text is %zu bytes, over limit.schema.bytes (%zu)", len,
                            limits->max_json_bytes);
    }
    size_t total = len; /* stays <= max_json_bytes, so no overflow */
    for (size_t i = 0; i < ndeps; i++) {
        if (deps[i].ptr == NULL && deps[i].len > 0) {
            cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                         "cf_schema_compile: schema text is NULL");
            prepend_dep(err, deps, i);
            return CFAVRO_E_ARGUMENT;
        }
        if (deps[i].len > limits->max_json_bytes - total) {
            return cf_error_set(err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                                "the schema and its dependencies are over "
                                "limit.schema.bytes (%zu) together (at dependency %zu, "
                                "%zu bytes)",
                                limits->max_json_bytes, i, deps[i].len);
        }
        total += deps[i].len;
    }
    return CFAVRO_OK;
}

/* Parse json[0..len) into *doc (kept until the compile ends: namespaces
 * borrow its text) and compile its top-level type into *root. */
static int compile_text(cf_ctx *c, const char *json, size_t len, json_t **doc, uint32_t *root)
{
    json_error_t jerr;
    /* Duplicate keys are rejected: which "type" would win is up to each
     * parser, and two readers of one schema must agree. U+0000 may be in
     * a key (a map default's): schema_nul_keys_internal.h. */
    *doc = cf_json_load_nul_keys(json != NULL ? json : "", len,
                                 JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr,
                                 &c->nul_stand_in);
    if (*doc == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            return nomem(c);
        }
        /* jansson's text quotes the bad token raw (control bytes, invalid
         * UTF-8): shown as an excerpt, so the message stays printable. */
        char text[CF_EXCERPT_CAP(sizeof jerr.text)];
        cf_excerpt(text, jerr.text, strnlen(jerr.text, sizeof jerr.text), sizeof jerr.text);
        return cf_error_set(c->err, CFAVRO_E_SCHEMA_INVALID, CFAVRO_NO_OFFSET,
                            "schema is not valid JSON: line %d, column %d: %s", jerr.line,
                            jerr.column, text);
    }
    cf_loc top = {NULL, LOC_TOP, NULL, 0, NULL, 0};
    return compile_type(c, *doc, 0, &top, 1, root);
}

int cf_schema_compile(const char *json, size_t len, const cf_schema_limits *limits,
                      cf_schema **out, cfavro_error *err)
{
    return cf_schema_compile_with_deps(NULL, 0, json, len, limits, out, err);
}

/* The dependencies are compiled first, into the same program and name
 * table as the root: their named types become nodes the root refers to by
 * index like its own, so the walker sees one ordinary program (a
 * dependency's types the root never uses are nodes nothing points to).
 * Every limit is counted once over all the texts together. */
int cf_schema_compile_with_deps(const cf_schema_text *deps, size_t ndeps, const char *json,
                                size_t len, const cf_schema_limits *limits, cf_schema **out,
                                cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_compile: out is NULL");
    }
    *out = NULL;
    cf_schema_limits defaults;
    if (limits == NULL) {
        cf_schema_limits_default(&defaults);
        limits = &defaults;
    }
    int rc = check_texts(deps, ndeps, json, len, limits, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    /* One parsed document per text, all alive until the end. */
    json_t *root_doc = NULL;
    json_t **docs = &root_doc;
    if (ndeps > 0) {
        docs = cf_calloc(ndeps + 1, sizeof *docs);
        if (docs == NULL) {
            return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                                "out of memory while compiling the schema");
        }
    }
    size_t total = len;
    for (size_t i = 0; i < ndeps; i++) {
        total += deps[i].len; /* bounded by check_texts */
    }

    cf_ctx c;
    memset(&c, 0, sizeof c);
    c.lim = limits;
    c.err = err;
    c.deps = deps;
    c.ndeps = ndeps;
    /* Compiled schemas take roughly as much memory as their text; one first
     * block of about that size serves most schemas. */
    cf_arena_init(&c.arena, total * 2 + 512);
    cf_strtab_init(&c.names);
    cf_strtab_init(&c.ns_numbers);
    cf_strtab_init(&c.scratch);
    c.ns_count = 1; /* 0: the null namespace, never stored */
    for (int k = 0; k <= CF_STRING; k++) {
        c.prim[k] = NO_NODE;
    }
    uint32_t root = 0;
    for (size_t i = 0; i < ndeps && rc == CFAVRO_OK; i++) {
        c.doc = (uint32_t)i;
        rc = compile_text(&c, deps[i].ptr, deps[i].len, &docs[i], &root);
        if (rc != CFAVRO_OK) {
            prepend_dep(err, deps, i);
        }
    }
    if (rc == CFAVRO_OK) {
        c.doc = (uint32_t)ndeps;
        rc = compile_text(&c, json, len, &docs[ndeps], &root);
    }
    if (rc == CFAVRO_OK) {
        rc = finish(&c, json != NULL ? json : "", len, root, out);
    }
    if (rc != CFAVRO_OK) {
        cf_arena_release(c.arena.head);
        *out = NULL;
    }
    cf_free(c.nodes);
    cf_free(c.aux);
    cf_free(c.ns_text);
    cf_strtab_free(&c.names);
    cf_strtab_free(&c.ns_numbers);
    cf_strtab_free(&c.scratch);
    for (size_t i = 0; i <= ndeps; i++) {
        json_decref(docs[i]); /* NULL for texts never reached */
    }
    if (docs != &root_doc) {
        cf_free(docs);
    }
    return rc;
}

void cf_schema_free(cf_schema *schema)
{
    if (schema != NULL) {
        /* The schema struct itself lives in the arena. */
        cf_arena_release(schema->priv);
    }
}
