/*
 * Fuzz target: schema JSON text through the compiler (cf_schema_compile).
 *
 * Checks: failures return a schema status with a message and no schema;
 * successes produce a well-formed program (every node index in range, names
 * NUL-terminated, min_size never above what a value of that type can take,
 * so the walker never rejects valid data for want of bytes); the walker then
 * runs the compiled schema over a few payloads (empty, zeros, the input
 * itself) in validate and JSON mode, which must agree; and the memory bound
 * of fuzz_common.h holds with nothing left live after cf_schema_free.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "options_internal.h"
#include "schema_internal.h"
#include "walk_json_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    return 0;
}

static void check_str(cf_str s, const char *what, uint32_t node)
{
    FZ_ASSERT(s.ptr != NULL && s.ptr[s.len] == '\0', "node %u: %s not NUL-terminated at its len",
              node, what);
}

/* The smallest encoding of node n given lower bounds m[] for the others. */
static uint64_t kind_min(const cf_node *n, const uint64_t *m)
{
    switch ((cf_kind)n->kind) {
    case CF_NULL: return 0;
    case CF_BOOLEAN: case CF_INT: case CF_LONG: case CF_BYTES: case CF_STRING:
    case CF_ENUM: case CF_ARRAY: case CF_MAP:
        return 1;
    case CF_FLOAT: return 4;
    case CF_DOUBLE: return 8;
    case CF_RESOLVED: return n->min_size; /* never compiled from one text */
    case CF_FIXED: return n->count;
    case CF_UNION: {
        uint64_t best = UINT32_MAX;
        for (uint32_t i = 0; i < n->count; i++) {
            uint64_t b = m[n->branches[i].type];
            best = b < best ? b : best;
        }
        return 1 + best;
    }
    case CF_RECORD: {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < n->count; i++) {
            sum += m[n->fields[i].type];
        }
        return sum < UINT32_MAX ? sum : UINT32_MAX;
    }
    }
    return 0;
}

/* The true smallest encoded size of every node, as the least fixed point of
 * kind_min iterated from zero (every iterate is a lower bound). Returns false
 * if it has not settled within the round budget (types with no finite value,
 * e.g. a record that contains itself without a union, grow forever). */
static bool true_min_sizes(const cf_schema *s, uint64_t *m)
{
    memset(m, 0, s->node_count * sizeof *m);
    for (int round = 0; round < 256; round++) {
        bool changed = false;
        for (uint32_t i = 0; i < s->node_count; i++) {
            uint64_t v = kind_min(&s->nodes[i], m);
            if (v != m[i]) {
                m[i] = v;
                changed = true;
            }
        }
        if (!changed) {
            return true;
        }
    }
    return false;
}

static void check_program(const cf_schema *s)
{
    FZ_ASSERT(s->nodes != NULL && s->node_count > 0, "compiled schema has no nodes");
    FZ_ASSERT(s->root < s->node_count, "root %u out of %u nodes", s->root, s->node_count);
    for (uint32_t i = 0; i < s->node_count; i++) {
        const cf_node *n = &s->nodes[i];
        FZ_ASSERT(n->kind <= CF_UNION, "node %u: kind %u", i, n->kind);
        FZ_ASSERT(n->logical <= CF_LT_LOCAL_TIMESTAMP_NANOS, "node %u: logical %u", i,
                  n->logical);
        FZ_ASSERT((n->logical != CF_LT_TIMESTAMP_NANOS &&
                   n->logical != CF_LT_LOCAL_TIMESTAMP_NANOS) || n->kind == CF_LONG,
                  "node %u: nanosecond timestamp on kind %u", i, n->kind);
        check_str(n->name, "name", i);
        switch ((cf_kind)n->kind) {
        case CF_RECORD:
            FZ_ASSERT(n->count == 0 || n->fields != NULL, "node %u: no fields array", i);
            for (uint32_t k = 0; k < n->count; k++) {
                FZ_ASSERT(n->fields[k].type < s->node_count, "node %u field %u: bad type", i, k);
                check_str(n->fields[k].name, "field name", i);
                check_str(n->fields[k].json_key, "field key", i);
            }
            check_str(n->short_name, "short name", i);
            break;
        case CF_UNION:
            FZ_ASSERT(n->count == 0 || n->branches != NULL, "node %u: no branches array", i);
            for (uint32_t k = 0; k < n->count; k++) {
                FZ_ASSERT(n->branches[k].type < s->node_count, "node %u branch %u: bad type", i,
                          k);
                FZ_ASSERT(s->nodes[n->branches[k].type].kind != CF_UNION,
                          "node %u: union directly inside a union", i);
                check_str(n->branches[k].json_open, "branch key", i);
            }
            break;
        case CF_ENUM:
            /* An empty symbol list compiles (no value of it can be decoded). */
            FZ_ASSERT(n->count == 0 || (n->symbols != NULL && n->symbol_names != NULL),
                      "node %u: enum without symbol arrays", i);
            for (uint32_t k = 0; k < n->count; k++) {
                check_str(n->symbols[k], "symbol", i);
                check_str(n->symbol_names[k], "symbol name", i);
            }
            check_str(n->short_name, "short name", i);
            break;
        case CF_ARRAY:
        case CF_MAP:
            FZ_ASSERT(n->child < s->node_count, "node %u: bad child", i);
            break;
        case CF_FIXED:
            check_str(n->short_name, "short name", i);
            FZ_ASSERT(n->logical != CF_LT_DURATION || n->count == 12,
                      "node %u: duration of size %u", i, n->count);
            break;
        default:
            break;
        }
    }
    uint64_t *m = malloc(s->node_count * sizeof *m);
    FZ_ASSERT(m != NULL, "out of memory");
    if (true_min_sizes(s, m)) {
        for (uint32_t i = 0; i < s->node_count; i++) {
            FZ_ASSERT(s->nodes[i].min_size <= m[i],
                      "node %u (%s): min_size %u above the smallest encoding %llu: the walker "
                      "would reject valid data",
                      i, s->nodes[i].name.ptr, s->nodes[i].min_size, (unsigned long long)m[i]);
        }
    }
    free(m);
}

/* Walk one payload both ways; statuses and offsets must agree and the JSON
 * must parse. */
static void walk_both(const cf_schema *s, const uint8_t *p, size_t len, size_t input_size)
{
    cf_options opt;
    cf_options_default(&opt);
    opt.walk.max_items = 4096;
    cfavro_error ev, ej;
    cf_walk_keys keys = {0};
    int rv = cf_walk_validate(s, &opt.walk, &keys, p, len, 0, &ev);
    cf_buf out = {NULL, 0, 0, FZ_OUT_FACTOR * input_size + FZ_OUT_CONST};
    int rj = cf_walk_json(s, &opt.walk, &keys, &opt.json, p, len, 0, &out, &ej);
    if (rj != CFAVRO_E_LIMIT_OUTPUT) {
        FZ_ASSERT(rv == rj, "walker: validate %d (%s) but JSON %d (%s)", rv,
                  rv ? ev.message : "", rj, rj ? ej.message : "");
        FZ_ASSERT(rv == CFAVRO_OK || ev.offset == ej.offset, "walker: offsets %llu vs %llu",
                  (unsigned long long)ev.offset, (unsigned long long)ej.offset);
    }
    if (rj == CFAVRO_OK) {
        json_error_t jerr;
        json_t *root = json_loadb(out.data, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        FZ_ASSERT(root != NULL || json_error_code(&jerr) == json_error_numeric_overflow ||
                      json_error_code(&jerr) == json_error_null_byte_in_key,
                  "walker JSON rejected by jansson (%s): %.*s", jerr.text,
                  (int)(out.len > 2000 ? 2000 : out.len), out.data ? out.data : "");
        json_decref(root);
    }
    cf_buf_free(&out);
    cf_walk_keys_free(&keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy, not NUL-terminated: the compiler must honour len. */
    char *text = malloc(size ? size : 1);
    FZ_ASSERT(text != NULL, "out of memory");
    memcpy(text, data, size);

    fz_mem_begin();
    cf_schema *schema = (cf_schema *)(uintptr_t)1; /* must be overwritten */
    cfavro_error err;
    int rc = cf_schema_compile(text, size, NULL, &schema, &err);
    if (rc == CFAVRO_OK) {
        FZ_ASSERT(schema != NULL && schema != (cf_schema *)(uintptr_t)1,
                  "compile succeeded without a schema");
        FZ_ASSERT(schema->json.len == size && memcmp(schema->json.ptr, text, size) == 0,
                  "compiled schema does not keep the text it was given");
        check_program(schema);
        static const uint8_t zeros[16];
        walk_both(schema, zeros, 0, size);
        walk_both(schema, zeros, sizeof zeros, size);
        walk_both(schema, data, size, size);
    } else {
        FZ_ASSERT(schema == NULL, "compile failed (%d) but left a schema", rc);
        FZ_ASSERT(rc == CFAVRO_E_SCHEMA_INVALID || rc == CFAVRO_E_SCHEMA_UNSUPPORTED ||
                      rc == CFAVRO_E_LIMIT_SCHEMA,
                  "compile returned unexpected status %d (%s)", rc, err.message);
        FZ_ASSERT(err.status == rc && err.message[0] != '\0' &&
                      memchr(err.message, '\0', sizeof err.message) != NULL,
                  "compile failed (%d) without a proper error message", rc);
    }
    cf_schema_free(schema == (cf_schema *)(uintptr_t)1 ? NULL : schema);
    fz_mem_end(size, "fuzz_schema");
    free(text);
    return 0;
}
