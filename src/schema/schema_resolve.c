/*
 * Schema resolution compiled once per (writer, reader) pair: the program
 * layout and the walker's side are described in schema_resolve_internal.h.
 *
 * One recursive pass over the pair, memoised by (writer node, reader node):
 * a record pair gets its node before its fields are resolved, so recursive
 * types close into cycles exactly as the schema compiler's do. Each pair
 * becomes the reader's own node when the writer's type encodes the same
 * way, or a CF_RESOLVED node / container copy when it does not. Records,
 * unions and containers whose only difference is a part that later turns
 * out to be the same (recursion) are settled by a final pass: every
 * candidate is assumed to be the reader's node, and the assumption is
 * withdrawn from any that refers to a node that really differs, until
 * nothing changes (the greatest fixed point, as for equality of recursive
 * types). References to the survivors then point at the reader's nodes.
 *
 * Matching follows the specification's "Schema Resolution": named types
 * by full name or one of the reader's aliases (aliases were completed with
 * the reader type's namespace when the reader was compiled), fields by name
 * or one of the reader field's aliases. A union branch is chosen as Java
 * chooses it: the first reader branch of the same type, else the first the
 * writer's type promotes to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "error_internal.h"
#include "schema_names_internal.h"
#include "schema_resolve_internal.h"

#define NONE UINT32_MAX

/* What the pass keeps per node of the program (reader nodes use none). */
typedef struct cf_rinfo {
    uint32_t reader;   /* the reader node this one stands for */
    bool candidate;    /* may turn out to be the reader node itself */
    cf_resolution *res;   /* CF_RESOLVED: its resolution (mutable here) */
    cf_rstep *steps;      /* CF_ROP_RECORD */
    uint32_t *types;      /* CF_ROP_UNION*, TO_UNION */
} cf_rinfo;

typedef struct cf_rctx {
    const cf_schema *w;
    const cf_schema *r;
    const cf_schema_limits *lim;
    cfavro_error *err;
    cf_arena arena;
    cf_node *nodes;
    cf_rinfo *info;
    uint32_t count;
    uint32_t cap;
    uint32_t max_count;
    uint64_t *memo_keys; /* (writer << 32 | reader) + 1; 0 is an empty slot */
    uint32_t *memo_vals;
    uint32_t memo_cap;   /* a power of two, or 0 */
    uint32_t memo_count;
    uint32_t depth;
    uint32_t max_depth;
    size_t budget;       /* reader defaults: values + bytes still allowed */
    uint8_t *dbuf;       /* scratch for one default's encoding */
    size_t dcap;
    char path[CFAVRO_ERROR_PATH_MAX];
    size_t plen;
} cf_rctx;

static int nomem(cf_rctx *c)
{
    return cf_error_set(c->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                        "out of memory while resolving the reader schema");
}

/* ---- the path of the pair being resolved, in the reader's terms ---------- */

/* Append a field name (after a '.' unless the path is empty) or, with
 * is_field false, a container's [] (array items) or {} (map values). */
static size_t path_push(cf_rctx *c, bool is_field, const char *text)
{
    size_t old = c->plen;
    size_t room = sizeof c->path - c->plen;
    int k = snprintf(c->path + c->plen, room, "%s%s", is_field && c->plen > 0 ? "." : "", text);
    if (k > 0) {
        c->plen += (size_t)k < room ? (size_t)k : room - 1;
    }
    return old;
}

static void path_pop(cf_rctx *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* CFAVRO_E_INCOMPATIBLE (or another status) with the path before the
 * message and in err->path. */
static int fail(cf_rctx *c, int status, const char *fmt, ...) CF_PRINTF(3, 4);

static int fail(cf_rctx *c, int status, const char *fmt, ...)
{
    char msg[CFAVRO_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cf_error_set(c->err, status, CFAVRO_NO_OFFSET, "%s%s%s", c->path, c->plen > 0 ? ": " : "",
                 msg);
    if (c->err != NULL) {
        memcpy(c->err->path, c->path, c->plen + 1);
    }
    return status;
}

/* "record com.acme.Trade", "enum Side", "array", "bytes (decimal 10,2)". */
static const char *describe(const cf_node *n, char *buf, size_t cap)
{
    if (n->kind == CF_RECORD || n->kind == CF_ENUM || n->kind == CF_FIXED) {
        snprintf(buf, cap, "%s %s",
                 n->kind == CF_RECORD ? "record" : n->kind == CF_ENUM ? "enum" : "fixed",
                 n->name.ptr);
    } else if (n->logical == CF_LT_DECIMAL) {
        snprintf(buf, cap, "%s (decimal %d,%d)", n->name.ptr, (int)n->precision, (int)n->scale);
    } else {
        snprintf(buf, cap, "%s", n->name.ptr);
    }
    return buf;
}

static int mismatch(cf_rctx *c, const cf_node *wn, const cf_node *rn, const char *why)
{
    char a[160], b[160];
    return fail(c, CFAVRO_E_INCOMPATIBLE, "writer %s cannot be read as reader %s%s",
                describe(wn, a, sizeof a), describe(rn, b, sizeof b), why);
}

/* ---- the program being built --------------------------------------------- */

static int node_add(cf_rctx *c, const cf_node *proto, uint32_t reader, uint32_t *out)
{
    if (c->count >= c->max_count) {
        return fail(c, CFAVRO_E_LIMIT_SCHEMA,
                    "the resolved program needs more than limit.schema.nodes (%u) types",
                    c->lim->max_nodes);
    }
    if (c->count == c->cap) {
        uint32_t cap = c->cap * 2;
        cf_node *n = cf_realloc(c->nodes, (size_t)cap * sizeof *n);
        if (n == NULL) {
            return nomem(c);
        }
        c->nodes = n;
        cf_rinfo *in = cf_realloc(c->info, (size_t)cap * sizeof *in);
        if (in == NULL) {
            return nomem(c);
        }
        c->info = in;
        c->cap = cap;
    }
    c->nodes[c->count] = *proto;
    memset(&c->info[c->count], 0, sizeof c->info[c->count]);
    c->info[c->count].reader = reader;
    *out = c->count++;
    return CFAVRO_OK;
}

/* A CF_RESOLVED node for writer node w read as reader node r. */
static int resolved_node(cf_rctx *c, uint32_t w, uint32_t r, cf_rop op, uint32_t *out)
{
    const cf_node *rn = &c->r->nodes[r];
    cf_node proto;
    memset(&proto, 0, sizeof proto);
    proto.kind = CF_RESOLVED;
    proto.child = r;
    proto.min_size = c->w->nodes[w].min_size; /* input bytes are the writer's */
    proto.name = rn->name;
    if (rn->kind == CF_RECORD) {
        proto.short_name = rn->short_name; /* the first segment of error paths */
    }
    cf_resolution *res = cf_arena_calloc(&c->arena, 1, sizeof *res);
    if (res == NULL) {
        return nomem(c);
    }
    res->op = (uint8_t)op;
    res->writer_nodes = c->w->nodes;
    res->writer = w;
    proto.res = res;
    CF_TRY(node_add(c, &proto, r, out));
    c->info[*out].res = res;
    return CFAVRO_OK;
}

static uint32_t memo_get(const cf_rctx *c, uint32_t w, uint32_t r)
{
    if (c->memo_cap == 0) {
        return NONE;
    }
    uint64_t key = ((uint64_t)w << 32 | r) + 1;
    uint32_t mask = c->memo_cap - 1;
    for (uint32_t i = (uint32_t)((key * 0x9E3779B97F4A7C15u) >> 32) & mask;; i = (i + 1) & mask) {
        if (c->memo_keys[i] == key) {
            return c->memo_vals[i];
        }
        if (c->memo_keys[i] == 0) {
            return NONE;
        }
    }
}

static int memo_put(cf_rctx *c, uint32_t w, uint32_t r, uint32_t v)
{
    if ((c->memo_count + 1) * 2 > c->memo_cap) {
        uint32_t cap = c->memo_cap == 0 ? 64 : c->memo_cap * 2;
        uint64_t *keys = cf_calloc(cap, sizeof *keys);
        uint32_t *vals = cf_calloc(cap, sizeof *vals);
        if (keys == NULL || vals == NULL) {
            cf_free(keys);
            cf_free(vals);
            return nomem(c);
        }
        for (uint32_t i = 0; i < c->memo_cap; i++) {
            uint64_t k = c->memo_keys[i];
            if (k != 0) {
                uint32_t j = (uint32_t)((k * 0x9E3779B97F4A7C15u) >> 32) & (cap - 1);
                while (keys[j] != 0) {
                    j = (j + 1) & (cap - 1);
                }
                keys[j] = k;
                vals[j] = c->memo_vals[i];
            }
        }
        cf_free(c->memo_keys);
        cf_free(c->memo_vals);
        c->memo_keys = keys;
        c->memo_vals = vals;
        c->memo_cap = cap;
    }
    uint64_t key = ((uint64_t)w << 32 | r) + 1;
    uint32_t mask = c->memo_cap - 1;
    uint32_t i = (uint32_t)((key * 0x9E3779B97F4A7C15u) >> 32) & mask;
    while (c->memo_keys[i] != 0) {
        i = (i + 1) & mask;
    }
    c->memo_keys[i] = key;
    c->memo_vals[i] = v;
    c->memo_count++;
    return CFAVRO_OK;
}

/* ---- matching ------------------------------------------------------------ */

static bool str_eq(cf_str a, cf_str b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

/* Writer named type wn is reader named type r: same full name, or one of
 * the reader's aliases (full names) is the writer's name. */
static bool names_match(const cf_rctx *c, const cf_node *wn, uint32_t r)
{
    const cf_node *rn = &c->r->nodes[r];
    if (str_eq(wn->name, rn->name)) {
        return true;
    }
    const cf_node_meta *m = c->r->meta != NULL ? &c->r->meta[r] : NULL;
    for (uint32_t i = 0; m != NULL && i < m->alias_count; i++) {
        if (str_eq(wn->name, m->aliases[i])) {
            return true;
        }
    }
    return false;
}

/* The promotion reading writer kind wk as reader kind rk, or -1. */
static int promotion(int wk, int rk)
{
    switch (wk) {
    case CF_INT:
        return rk == CF_LONG ? CF_ROP_INT_LONG : rk == CF_FLOAT ? CF_ROP_INT_FLOAT
               : rk == CF_DOUBLE                                ? CF_ROP_INT_DOUBLE
                                                                : -1;
    case CF_LONG:
        return rk == CF_FLOAT ? CF_ROP_LONG_FLOAT : rk == CF_DOUBLE ? CF_ROP_LONG_DOUBLE : -1;
    case CF_FLOAT: return rk == CF_DOUBLE ? CF_ROP_FLOAT_DOUBLE : -1;
    case CF_STRING: return rk == CF_BYTES ? CF_ROP_STRING_BYTES : -1;
    case CF_BYTES: return rk == CF_STRING ? CF_ROP_BYTES_STRING : -1;
    default: return -1;
    }
}

/* Whether writer node w could be read as reader node r by kind and name
 * (what picks a union branch; the full resolution may still fail). */
static bool same_type(const cf_rctx *c, uint32_t w, uint32_t r)
{
    const cf_node *wn = &c->w->nodes[w];
    const cf_node *rn = &c->r->nodes[r];
    if (wn->kind != rn->kind) {
        return false;
    }
    switch ((cf_kind)wn->kind) {
    case CF_RECORD:
    case CF_ENUM: return names_match(c, wn, r);
    case CF_FIXED: return names_match(c, wn, r) && wn->count == rn->count;
    default: return true;
    }
}

/* The reader union branch writer node w is read as: the first of the same
 * type, else the first it promotes to; NONE if none. A named type's own
 * full name wins over a reader alias (as Java's resolver chooses), so a
 * union read as itself keeps every branch even when one branch's alias
 * names another. */
static uint32_t pick_branch(const cf_rctx *c, uint32_t w, const cf_node *ru)
{
    const cf_node *wn = &c->w->nodes[w];
    for (uint32_t j = 0; j < ru->count; j++) {
        const cf_node *rb = &c->r->nodes[ru->branches[j].type];
        bool named = wn->kind == CF_RECORD || wn->kind == CF_ENUM || wn->kind == CF_FIXED;
        if (same_type(c, w, ru->branches[j].type) && (!named || str_eq(wn->name, rb->name))) {
            return j;
        }
    }
    for (uint32_t j = 0; j < ru->count; j++) {
        if (same_type(c, w, ru->branches[j].type)) {
            return j;
        }
    }
    for (uint32_t j = 0; j < ru->count; j++) {
        if (promotion(c->w->nodes[w].kind, c->r->nodes[ru->branches[j].type].kind) >= 0) {
            return j;
        }
    }
    return NONE;
}

/* ---- resolution ---------------------------------------------------------- */

static int resolve(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out);

/* A zig-zag varint of an encoded default (which this compile wrote). */
static bool default_varint(const uint8_t **p, const uint8_t *end, int64_t *v)
{
    uint64_t u = 0;
    for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        u |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) {
            *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return true;
        }
    }
    return false;
}

/* The step of reader field `field` (of reader node `type`), which takes its
 * default d[0..len): a DEFAULT_VALUE when those bytes are one value of a
 * primitive, enum or fixed type, or of one as a union's branch (read back
 * from the bytes here, so the emitter gets exactly what a walk of them would
 * give it), else a DEFAULT, walked per message. */
static cf_rstep default_step(const cf_rctx *c, uint32_t field, uint32_t type, const uint8_t *d,
                             size_t len)
{
    cf_rstep walked = {.op = CF_RSTEP_DEFAULT, .field = field, .type = type, .dflt = d,
                       .dflt_len = len};
    const cf_node *nodes = c->r->nodes;
    const uint8_t *p = d, *end = d + len;
    uint32_t leaf = type, branch = CF_NO_MATCH;
    int64_t v = 0;
    if (nodes[type].kind == CF_UNION) {
        if (!default_varint(&p, end, &v) || v < 0 || v >= (int64_t)nodes[type].count) {
            return walked;
        }
        branch = (uint32_t)v;
        leaf = nodes[type].branches[branch].type;
    }
    const cf_node *n = &nodes[leaf];
    cf_rvalue value;
    memset(&value, 0, sizeof value);
    size_t width = 0;
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        break;
    case CF_BOOLEAN:
        width = 1;
        if (p < end) {
            value.i = *p;
        }
        break;
    case CF_INT:
    case CF_LONG:
    case CF_ENUM:
        if (!default_varint(&p, end, &value.i)) {
            return walked;
        }
        break;
    case CF_FLOAT:
        width = 4;
        if (end - p >= 4) {
            value.f = cf_float_from_bits(cf_load_le32(p));
        }
        break;
    case CF_DOUBLE:
        width = 8;
        if (end - p >= 8) {
            value.d = cf_double_from_bits(cf_load_le64(p));
        }
        break;
    case CF_STRING:
    case CF_BYTES:
        if (!default_varint(&p, end, &v) || v < 0) {
            return walked;
        }
        width = (size_t)v;
        value.span.ptr = p;
        value.span.len = width;
        break;
    case CF_FIXED:
        width = n->count;
        value.span.ptr = p;
        value.span.len = width;
        break;
    default:
        return walked; /* records, arrays, maps: walked */
    }
    if ((size_t)(end - p) != width) {
        return walked; /* not exactly one value (cannot happen: it was encoded as one) */
    }
    walked.op = CF_RSTEP_DEFAULT_VALUE;
    walked.leaf = leaf;
    walked.branch = branch;
    walked.value = value;
    return walked;
}

static int resolve_record(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *wn = &c->w->nodes[w];
    const cf_node *rn = &c->r->nodes[r];
    uint32_t idx;
    CF_TRY(resolved_node(c, w, r, CF_ROP_RECORD, &idx));
    CF_TRY(memo_put(c, w, r, idx)); /* before the fields: recursion finds it */
    uint32_t nw = wn->count, nr = rn->count;
    /* writer_of[k]: the writer field reader field k reads; reader_of[j]: the
     * reader field writer field j feeds; types[k]: the resolved node. */
    uint32_t *tmp = cf_malloc(((size_t)2 * nr + nw + 1) * sizeof *tmp);
    if (tmp == NULL) {
        return nomem(c);
    }
    uint32_t *writer_of = tmp, *types = tmp + nr, *reader_of = tmp + 2 * nr;
    int rc = CFAVRO_OK;
    cf_strtab names;
    cf_strtab_init(&names);
    for (uint32_t j = 0; j < nw && rc == CFAVRO_OK; j++) {
        uint32_t have;
        reader_of[j] = NONE;
        if (cf_strtab_put(&names, wn->fields[j].name.ptr, wn->fields[j].name.len, j, &have) !=
            0) {
            rc = nomem(c);
        }
    }
    const cf_field_meta *fm = c->r->meta != NULL ? c->r->meta[r].fields : NULL;
    for (uint32_t k = 0; k < nr && rc == CFAVRO_OK; k++) {
        uint32_t j = cf_strtab_get(&names, rn->fields[k].name.ptr, rn->fields[k].name.len);
        for (uint32_t a = 0; fm != NULL && (j == NONE || reader_of[j] != NONE) &&
                             a < fm[k].alias_count;
             a++) {
            j = cf_strtab_get(&names, fm[k].aliases[a].ptr, fm[k].aliases[a].len);
        }
        if (j != NONE && reader_of[j] != NONE) {
            j = NONE; /* an earlier reader field already reads it */
        }
        writer_of[k] = j;
        if (j != NONE) {
            reader_of[j] = k;
        }
    }
    cf_strtab_free(&names);
    /* The fields' types (recursion happens here) and the defaults. */
    cf_rstep *steps = NULL;
    if (rc == CFAVRO_OK && nr + nw > 0) {
        steps = cf_arena_calloc(&c->arena, (size_t)nr + nw, sizeof *steps);
        if (steps == NULL) {
            rc = nomem(c);
        }
    }
    const uint8_t **dflt = NULL;
    size_t *dflt_len = NULL;
    if (rc == CFAVRO_OK && nr > 0) {
        dflt = cf_arena_calloc(&c->arena, nr, sizeof *dflt);
        dflt_len = cf_arena_calloc(&c->arena, nr, sizeof *dflt_len);
        if (dflt == NULL || dflt_len == NULL) {
            rc = nomem(c);
        }
    }
    for (uint32_t k = 0; k < nr && rc == CFAVRO_OK; k++) {
        const cf_field *rf = &rn->fields[k];
        size_t old = path_push(c, true, rf->name.ptr);
        uint32_t j = writer_of[k];
        if (j != NONE) {
            rc = resolve(c, wn->fields[j].type, rf->type, &types[k]);
        } else if (fm == NULL || fm[k].default_json.ptr == NULL) {
            rc = fail(c, CFAVRO_E_INCOMPATIBLE,
                      "reader field has no default and writer record %s has no field \"%s\"",
                      wn->name.ptr, rf->name.ptr);
        } else {
            size_t len = 0;
            rc = cf_schema_encode_default(c->r, rf->type, fm[k].default_json.ptr,
                                          fm[k].default_json.len, c->max_depth, &c->budget,
                                          &c->dbuf, &len, &c->dcap, c->err);
            uint8_t *copy = NULL;
            if (rc == CFAVRO_OK && (copy = cf_arena_alloc(&c->arena, len + 1)) == NULL) {
                rc = nomem(c);
            }
            if (rc == CFAVRO_OK) {
                if (len > 0) {
                    memcpy(copy, c->dbuf, len);
                }
                dflt[k] = copy;
                dflt_len[k] = len;
                types[k] = rf->type;
            } else if (rc != CFAVRO_E_NOMEM) {
                cf_error_prepend(c->err, "%s%sreader default: ", c->path, c->plen ? ": " : "");
                if (c->err != NULL) {
                    memcpy(c->err->path, c->path, c->plen + 1);
                }
            }
        }
        path_pop(c, old);
    }
    if (rc != CFAVRO_OK) {
        cf_free(tmp);
        return rc;
    }
    /* The steps: writer fields in writer order, reader fields in reader
     * order; a writer field needed later is saved, one never needed
     * skipped, a reader field the writer lacks its default. */
    uint32_t ns = 0, pos = 0, slots = 0, zero = 0;
    uint32_t *slot_of = reader_of; /* reused: a writer field's slot once saved */
    for (uint32_t k = 0; k < nr; k++) {
        uint32_t j = writer_of[k];
        if (j == NONE) {
            steps[ns++] = default_step(c, k, types[k], dflt[k], dflt_len[k]);
            zero++;
            continue;
        }
        if (j < pos) {
            steps[ns++] = (cf_rstep){
                .op = CF_RSTEP_REPLAY, .field = k, .type = types[k], .slot = slot_of[j]};
            continue;
        }
        for (; pos < j; pos++) {
            const cf_field *wf = &wn->fields[pos];
            bool later = reader_of[pos] != NONE;
            if (later) {
                slot_of[pos] = slots;
            }
            steps[ns++] = (cf_rstep){.op = later ? CF_RSTEP_SAVE : CF_RSTEP_SKIP,
                                     .type = wf->type,
                                     .slot = later ? slots++ : 0,
                                     .writer_nodes = c->w->nodes,
                                     .wname = wf->name};
            zero += c->w->nodes[wf->type].min_size == 0;
        }
        steps[ns++] = (cf_rstep){.op = CF_RSTEP_READ, .field = k, .type = types[k]};
        zero += c->w->nodes[wn->fields[j].type].min_size == 0;
        pos = j + 1;
    }
    for (; pos < nw; pos++) {
        const cf_field *wf = &wn->fields[pos];
        steps[ns++] = (cf_rstep){
            .op = CF_RSTEP_SKIP, .type = wf->type, .writer_nodes = c->w->nodes, .wname = wf->name};
        zero += c->w->nodes[wf->type].min_size == 0;
    }
    /* The reader's own record, if every field is read in place. */
    bool in_place = nr == nw && ns == nr;
    for (uint32_t i = 0; in_place && i < ns; i++) {
        in_place = steps[i].op == CF_RSTEP_READ && steps[i].field == i && writer_of[i] == i;
    }
    cf_free(tmp);
    cf_rinfo *in = &c->info[idx];
    in->steps = steps;
    in->candidate = in_place;
    in->res->count = ns;
    in->res->slots = slots;
    in->res->zero_charge = zero;
    in->res->steps = steps;
    *out = idx;
    return CFAVRO_OK;
}

static int resolve_enum(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *wn = &c->w->nodes[w];
    const cf_node *rn = &c->r->nodes[r];
    bool same = wn->count == rn->count;
    for (uint32_t i = 0; same && i < wn->count; i++) {
        same = str_eq(wn->symbol_names[i], rn->symbol_names[i]);
    }
    if (same) {
        *out = r;
        return CFAVRO_OK;
    }
    uint32_t *map = cf_arena_calloc(&c->arena, wn->count > 0 ? wn->count : 1, sizeof *map);
    if (map == NULL) {
        return nomem(c);
    }
    cf_strtab syms;
    cf_strtab_init(&syms);
    for (uint32_t i = 0; i < rn->count; i++) {
        uint32_t have;
        if (cf_strtab_put(&syms, rn->symbol_names[i].ptr, rn->symbol_names[i].len, i, &have) !=
            0) {
            cf_strtab_free(&syms);
            return nomem(c);
        }
    }
    /* The specification: a symbol the reader lacks takes the reader's
     * default, or is an error (for the messages that carry it). */
    uint32_t fallback = c->r->meta != NULL ? c->r->meta[r].enum_default : NONE;
    for (uint32_t i = 0; i < wn->count; i++) {
        uint32_t k = cf_strtab_get(&syms, wn->symbol_names[i].ptr, wn->symbol_names[i].len);
        map[i] = k != CF_STRTAB_MISSING ? k : fallback;
    }
    cf_strtab_free(&syms);
    CF_TRY(resolved_node(c, w, r, CF_ROP_ENUM, out));
    c->info[*out].res->count = wn->count;
    c->info[*out].res->map = map;
    return CFAVRO_OK;
}

/* Writer union against reader union, or against a reader non-union. */
static int resolve_writer_union(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *wn = &c->w->nodes[w];
    const cf_node *rn = &c->r->nodes[r];
    bool to_union = rn->kind == CF_UNION;
    uint32_t *types = cf_arena_calloc(&c->arena, wn->count, sizeof *types);
    uint32_t *map = to_union ? cf_arena_calloc(&c->arena, wn->count, sizeof *map) : NULL;
    if (types == NULL || (to_union && map == NULL)) {
        return nomem(c);
    }
    uint32_t matched = 0;
    bool in_place = to_union && wn->count == rn->count;
    for (uint32_t i = 0; i < wn->count; i++) {
        uint32_t wb = wn->branches[i].type;
        uint32_t j = to_union ? pick_branch(c, wb, rn) : NONE;
        uint32_t target = to_union ? (j != NONE ? rn->branches[j].type : NONE)
                                   : (same_type(c, wb, r) ||
                                              promotion(c->w->nodes[wb].kind, rn->kind) >= 0
                                          ? r
                                          : NONE);
        types[i] = NONE;
        if (to_union) {
            map[i] = j;
        }
        in_place = in_place && j == i;
        if (target == NONE) {
            continue; /* fails only the messages that use it */
        }
        CF_TRY(resolve(c, wb, target, &types[i]));
        matched++;
    }
    if (matched == 0) {
        char a[160], b[160];
        return fail(c, CFAVRO_E_INCOMPATIBLE,
                    "no branch of writer union %s can be read as reader %s",
                    describe(wn, a, sizeof a), describe(rn, b, sizeof b));
    }
    CF_TRY(resolved_node(c, w, r, to_union ? CF_ROP_UNION : CF_ROP_UNION_TO_ONE, out));
    cf_rinfo *in = &c->info[*out];
    in->res->count = wn->count;
    in->res->map = map;
    in->res->types = types;
    in->types = types;
    in->candidate = in_place;
    return CFAVRO_OK;
}

static int resolve_to_union(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *rn = &c->r->nodes[r];
    uint32_t j = pick_branch(c, w, rn);
    if (j == NONE) {
        char a[160], b[160];
        return fail(c, CFAVRO_E_INCOMPATIBLE, "writer %s matches no branch of reader union %s",
                    describe(&c->w->nodes[w], a, sizeof a), describe(rn, b, sizeof b));
    }
    uint32_t *types = cf_arena_calloc(&c->arena, 1, sizeof *types);
    if (types == NULL) {
        return nomem(c);
    }
    CF_TRY(resolve(c, w, rn->branches[j].type, &types[0]));
    CF_TRY(resolved_node(c, w, r, CF_ROP_TO_UNION, out));
    cf_rinfo *in = &c->info[*out];
    in->res->branch = j;
    in->res->types = types;
    in->types = types;
    return CFAVRO_OK;
}

static int resolve_container(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *rn = &c->r->nodes[r];
    size_t old = path_push(c, false, rn->kind == CF_ARRAY ? "[]" : "{}");
    uint32_t child;
    int rc = resolve(c, c->w->nodes[w].child, rn->child, &child);
    path_pop(c, old);
    CF_TRY(rc);
    if (child == rn->child) {
        *out = r;
        return CFAVRO_OK;
    }
    /* The reader's array or map, its items read by the resolved node. */
    cf_node proto = *rn;
    proto.child = child;
    proto.min_size = c->w->nodes[w].min_size;
    CF_TRY(node_add(c, &proto, r, out));
    c->info[*out].candidate = true;
    return CFAVRO_OK;
}

static int resolve_pair(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    const cf_node *wn = &c->w->nodes[w];
    const cf_node *rn = &c->r->nodes[r];
    if (rn->kind == CF_UNION) {
        return wn->kind == CF_UNION ? resolve_writer_union(c, w, r, out)
                                    : resolve_to_union(c, w, r, out);
    }
    if (wn->kind == CF_UNION) {
        return resolve_writer_union(c, w, r, out);
    }
    if (wn->kind != rn->kind) {
        int op = promotion(wn->kind, rn->kind);
        if (op < 0) {
            return mismatch(c, wn, rn, "");
        }
        return resolved_node(c, w, r, (cf_rop)op, out);
    }
    switch ((cf_kind)wn->kind) {
    case CF_RECORD:
    case CF_ENUM:
    case CF_FIXED:
        if (!names_match(c, wn, r)) {
            return mismatch(c, wn, rn, " (names differ and no reader alias matches)");
        }
        if (wn->kind == CF_RECORD) {
            return resolve_record(c, w, r, out);
        }
        if (wn->kind == CF_ENUM) {
            return resolve_enum(c, w, r, out);
        }
        if (wn->count != rn->count) {
            return mismatch(c, wn, rn, " (sizes differ)");
        }
        break;
    case CF_ARRAY:
    case CF_MAP:
        return resolve_container(c, w, r, out);
    default:
        break;
    }
    /* The specification: two decimals match only if scale and precision
     * do (a decimal and a plain bytes/fixed read each other's bytes). */
    if (wn->logical == CF_LT_DECIMAL && rn->logical == CF_LT_DECIMAL &&
        (wn->precision != rn->precision || wn->scale != rn->scale)) {
        return mismatch(c, wn, rn, "");
    }
    *out = r; /* same encoding: the reader's node as it is */
    return CFAVRO_OK;
}

static int resolve(cf_rctx *c, uint32_t w, uint32_t r, uint32_t *out)
{
    uint32_t have = memo_get(c, w, r);
    if (have != NONE) {
        *out = have;
        return CFAVRO_OK;
    }
    if (c->depth >= c->max_depth) {
        return fail(c, CFAVRO_E_LIMIT_SCHEMA,
                    "resolution nests deeper than 4 x limit.schema.depth (%u)", c->max_depth);
    }
    c->depth++;
    int rc = resolve_pair(c, w, r, out);
    c->depth--;
    if (rc == CFAVRO_OK && memo_get(c, w, r) == NONE) {
        rc = memo_put(c, w, r, *out); /* records memoised themselves, first */
    }
    return rc;
}

/* ---- the final pass ------------------------------------------------------- */

/* Node t, or the reader node it stands for when it turned out the same. */
static uint32_t settled(const cf_rctx *c, uint32_t t)
{
    uint32_t first = c->r->node_count;
    return t != NONE && t >= first && c->info[t].candidate ? c->info[t].reader : t;
}

static bool refers_to_different(const cf_rctx *c, uint32_t idx)
{
    uint32_t first = c->r->node_count;
    const cf_rinfo *in = &c->info[idx];
    const cf_node *n = &c->nodes[idx];
#define DIFFERENT(t) ((t) != NONE && (t) >= first && !c->info[t].candidate)
    if (n->kind != CF_RESOLVED) {
        return DIFFERENT(n->child); /* an array or map copy */
    }
    if (in->steps != NULL) {
        for (uint32_t i = 0; i < in->res->count; i++) {
            if (DIFFERENT(in->steps[i].type)) {
                return true;
            }
        }
        return false;
    }
    for (uint32_t i = 0; in->types != NULL && i < in->res->count; i++) {
        if (DIFFERENT(in->types[i])) {
            return true;
        }
    }
    return false;
#undef DIFFERENT
}

static void settle(cf_rctx *c, uint32_t *root)
{
    uint32_t first = c->r->node_count;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = first; i < c->count; i++) {
            if (c->info[i].candidate && refers_to_different(c, i)) {
                c->info[i].candidate = false;
                changed = true;
            }
        }
    }
    for (uint32_t i = first; i < c->count; i++) {
        cf_node *n = &c->nodes[i];
        cf_rinfo *in = &c->info[i];
        if (n->kind != CF_RESOLVED) {
            n->child = settled(c, n->child);
            continue;
        }
        for (uint32_t s = 0; in->steps != NULL && s < in->res->count; s++) {
            if (in->steps[s].op == CF_RSTEP_READ || in->steps[s].op == CF_RSTEP_REPLAY) {
                in->steps[s].type = settled(c, in->steps[s].type);
            }
        }
        uint32_t nt = in->res->op == CF_ROP_TO_UNION ? 1 : in->res->count;
        for (uint32_t t = 0; in->types != NULL && t < nt; t++) {
            in->types[t] = settled(c, in->types[t]);
        }
    }
    *root = settled(c, *root);
}

/* ---- entry point ---------------------------------------------------------- */

static int finish(cf_rctx *c, uint32_t root, cf_schema **out)
{
    cf_schema *s = cf_arena_calloc(&c->arena, 1, sizeof *s);
    cf_node *nodes = cf_arena_calloc(&c->arena, c->count, sizeof *nodes);
    if (s == NULL || nodes == NULL) {
        return nomem(c);
    }
    memcpy(nodes, c->nodes, (size_t)c->count * sizeof *nodes);
    s->nodes = nodes;
    s->node_count = c->count;
    s->root = root;
    s->json = c->r->json; /* borrowed, like the reader's nodes */
    s->meta = NULL;
    s->priv = c->arena.head;
    *out = s;
    return CFAVRO_OK;
}

int cf_schema_resolve(const cf_schema *writer, const cf_schema *reader,
                      const cf_schema_limits *limits, cf_schema **out, cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL || writer == NULL || reader == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_resolve: NULL writer, reader or out");
    }
    *out = NULL;
    if (reader->meta == NULL || writer->meta == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cf_schema_resolve: a resolved program cannot be resolved again");
    }
    cf_schema_limits defaults;
    if (limits == NULL) {
        cf_schema_limits_default(&defaults);
        limits = &defaults;
    }
    cf_rctx c;
    memset(&c, 0, sizeof c);
    c.w = writer;
    c.r = reader;
    c.lim = limits;
    c.err = err;
    c.max_depth = limits->max_depth > UINT32_MAX / 4 ? UINT32_MAX : limits->max_depth * 4;
    c.budget = limits->max_json_bytes;
    c.max_count = reader->node_count > UINT32_MAX - limits->max_nodes
                      ? UINT32_MAX
                      : reader->node_count + limits->max_nodes;
    const cf_node *rroot = &reader->nodes[reader->root];
    if (rroot->kind == CF_RECORD) {
        c.plen = (size_t)snprintf(c.path, sizeof c.path, "%s", rroot->short_name.ptr);
        if (c.plen >= sizeof c.path) {
            c.plen = sizeof c.path - 1;
        }
    }
    cf_arena_init(&c.arena, 4096);
    c.cap = reader->node_count + 16;
    c.nodes = cf_malloc((size_t)c.cap * sizeof *c.nodes);
    c.info = cf_calloc(c.cap, sizeof *c.info);
    int rc = CFAVRO_OK;
    uint32_t root = NONE;
    if (c.nodes == NULL || c.info == NULL) {
        rc = nomem(&c);
    } else {
        memcpy(c.nodes, reader->nodes, (size_t)reader->node_count * sizeof *c.nodes);
        c.count = reader->node_count;
        rc = resolve(&c, writer->root, reader->root, &root);
    }
    if (rc == CFAVRO_OK) {
        settle(&c, &root);
        /* A top-level bytes payload is its raw bytes (walk_internal.h), so
         * it can only be read as plain bytes. */
        if (writer->nodes[writer->root].kind == CF_BYTES &&
            (root != reader->root || rroot->kind != CF_BYTES)) {
            char a[160];
            rc = fail(&c, CFAVRO_E_INCOMPATIBLE,
                      "a top-level bytes payload is read raw and cannot be read as reader %s",
                      describe(rroot, a, sizeof a));
        }
    }
    if (rc == CFAVRO_OK) {
        rc = finish(&c, root, out);
    }
    if (rc != CFAVRO_OK) {
        cf_arena_release(c.arena.head);
        *out = NULL;
    }
    cf_free(c.nodes);
    cf_free(c.info);
    cf_free(c.memo_keys);
    cf_free(c.memo_vals);
    cf_free(c.dbuf);
    return rc;
}
