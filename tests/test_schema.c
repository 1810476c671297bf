/* Schema compiler (src/schema/: schema_compile.c, schema_names.c, schema_logical.c):
 * every Avro type with its node fields, names and namespaces, recursion,
 * logical types, every rejection class with its message, limits, and a
 * failing-allocation sweep.
 *
 * Schemas are written with single quotes for readability; sq() turns them
 * into double quotes before compiling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema_internal.h"
#include "schema_logical_internal.h"
#include "schema_names_internal.h"
#include "test_support.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char *sq(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    assert_non_null(d);
    for (size_t i = 0; i <= n; i++) {
        d[i] = s[i] == '\'' ? '"' : s[i];
    }
    return d;
}

static int compile_lim(const char *schema_sq, const cf_schema_limits *lim, cf_schema **out,
                       cfavro_error *err)
{
    char *j = sq(schema_sq);
    int rc = cf_schema_compile(j, strlen(j), lim, out, err);
    free(j);
    return rc;
}

static cf_schema *ok(const char *schema_sq)
{
    cf_schema *s = (cf_schema *)0x1;
    cfavro_error err;
    int rc = compile_lim(schema_sq, NULL, &s, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("compile failed (%d: %s) for %s", rc, err.message, schema_sq);
    }
    assert_int_equal(err.status, CFAVRO_OK);
    assert_string_equal(err.message, "");
    assert_non_null(s);
    assert_true(s->root < s->node_count);
    return s;
}

static void bad_lim(const char *schema_sq, const cf_schema_limits *lim, int status,
                    const char *msg_part)
{
    cf_schema *s = (cf_schema *)0x1;
    cfavro_error err;
    int rc = compile_lim(schema_sq, lim, &s, &err);
    if (rc != status) {
        fail_msg("expected status %d, got %d (%s) for %s", status, rc, err.message, schema_sq);
    }
    assert_null(s);
    assert_int_equal(err.status, status);
    assert_true(err.offset == CFAVRO_NO_OFFSET);
    if (strstr(err.message, msg_part) == NULL) {
        fail_msg("message \"%s\" lacks \"%s\" for %s", err.message, msg_part, schema_sq);
    }
}

static void bad(const char *schema_sq, int status, const char *msg_part)
{
    bad_lim(schema_sq, NULL, status, msg_part);
}

static void bb_text(bb *b, const char *s)
{
    bb_raw(b, s, strlen(s));
}

static void assert_str(cf_str s, const char *want)
{
    assert_non_null(s.ptr);
    assert_string_equal(s.ptr, want);
    assert_int_equal(s.len, strlen(want));
}

static const cf_node *root(const cf_schema *s)
{
    return &s->nodes[s->root];
}

static const cf_node *field_node(const cf_schema *s, const cf_node *rec, uint32_t i)
{
    assert_int_equal(rec->kind, CF_RECORD);
    assert_true(i < rec->count);
    assert_true(rec->fields[i].type < s->node_count);
    return &s->nodes[rec->fields[i].type];
}

/* ------------------------------------------------------------------------ */
/* Primitives                                                                */
/* ------------------------------------------------------------------------ */

static void test_limits_default(void **state)
{
    (void)state;
    cf_schema_limits l;
    memset(&l, 0xff, sizeof l);
    cf_schema_limits_default(&l);
    assert_int_equal(l.max_json_bytes, 1u << 20);
    assert_int_equal(l.max_depth, 64);
    assert_int_equal(l.max_nodes, 100000);
    assert_int_equal(l.max_fields, 10000);
    assert_int_equal(l.max_branches, 1000);
    assert_int_equal(l.max_symbols, 100000);
    assert_int_equal(l.max_fixed_size, 16u << 20);
    assert_int_equal(l.max_name_bytes, 4u << 20);
}

static void test_primitives(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int kind;
        uint32_t min;
    } prims[] = {
        {"null", CF_NULL, 0},   {"boolean", CF_BOOLEAN, 1}, {"int", CF_INT, 1},
        {"long", CF_LONG, 1},   {"float", CF_FLOAT, 4},     {"double", CF_DOUBLE, 8},
        {"bytes", CF_BYTES, 1}, {"string", CF_STRING, 1},
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        char j[128];
        for (int form = 0; form < 3; form++) {
            if (form == 0) {
                snprintf(j, sizeof j, "'%s'", prims[i].name);
            } else if (form == 1) {
                snprintf(j, sizeof j, "{'type': '%s'}", prims[i].name);
            } else { /* whitespace, unknown attributes and doc are ignored */
                snprintf(j, sizeof j, " {'doc': 'x', 'type': '%s', 'foo': [1, {}]}\n",
                         prims[i].name);
            }
            cf_schema *s = ok(j);
            assert_int_equal(s->node_count, 1);
            assert_int_equal(s->root, 0);
            const cf_node *n = root(s);
            assert_int_equal(n->kind, prims[i].kind);
            assert_int_equal(n->logical, CF_LT_NONE);
            assert_int_equal(n->count, 0);
            assert_int_equal(n->min_size, prims[i].min);
            assert_int_equal(n->precision, 0);
            assert_int_equal(n->scale, 0);
            assert_str(n->name, prims[i].name);
            assert_str(n->short_name, prims[i].name);
            assert_null(n->fields);
            assert_null(n->branches);
            assert_null(n->symbols);
            assert_null(n->symbol_names);
            cf_schema_free(s);
        }
    }
}

static void test_json_copy(void **state)
{
    (void)state;
    /* The text need not be NUL-terminated: only len bytes are read. */
    const char text[] = "\"long\"XXXX";
    cf_schema *s = NULL;
    assert_int_equal(cf_schema_compile(text, 6, NULL, &s, NULL), CFAVRO_OK);
    assert_str(s->json, "\"long\"");
    assert_ptr_not_equal(s->json.ptr, text);
    assert_int_equal(root(s)->kind, CF_LONG);
    cf_schema_free(s);
    cf_schema_free(NULL);
}

static void test_arguments(void **state)
{
    (void)state;
    cfavro_error err;
    cf_schema *s = (cf_schema *)0x1;
    assert_int_equal(cf_schema_compile("\"int\"", 5, NULL, NULL, &err), CFAVRO_E_ARGUMENT);
    assert_int_equal(err.status, CFAVRO_E_ARGUMENT);
    assert_non_null(strstr(err.message, "out"));
    assert_int_equal(cf_schema_compile(NULL, 5, NULL, &s, &err), CFAVRO_E_ARGUMENT);
    assert_null(s);
    /* NULL with length 0 is empty text: not JSON. */
    s = (cf_schema *)0x1;
    assert_int_equal(cf_schema_compile(NULL, 0, NULL, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.message, "not valid JSON"));
    /* err may be NULL. */
    assert_int_equal(cf_schema_compile("\"nope\"", 6, NULL, &s, NULL), CFAVRO_E_SCHEMA_INVALID);
    assert_null(s);
    /* jansson quotes a bad token raw; the message shows it escaped, so it
     * stays printable (found by fuzz_settings through reader.schema). */
    static const char *const raw[] = {"\x07", "v\x01", "\xff\xfe"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        assert_int_equal(cf_schema_compile(raw[i], strlen(raw[i]), NULL, &s, &err),
                         CFAVRO_E_SCHEMA_INVALID);
        assert_non_null(strstr(err.message, "not valid JSON"));
        for (const char *p = err.message; *p != '\0'; p++) {
            assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Complex types                                                             */
/* ------------------------------------------------------------------------ */

static void test_record(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'record', 'name': 'R', 'namespace': 'a.b', 'doc': 'd',"
                      " 'fields': ["
                      "  {'name': 'i', 'type': 'int', 'default': 3},"
                      "  {'name': 'd', 'type': {'type': 'double'}, 'doc': 'x'},"
                      "  {'name': '_s2', 'type': 'string', 'aliases': ['t']},"
                      "  {'name': 's', 'type': 'string', 'order': 'descending'},"
                      "  {'name': 'n', 'type': 'null'}]}");
    const cf_node *r = root(s);
    assert_int_equal(s->root, 0);
    assert_int_equal(r->kind, CF_RECORD);
    assert_int_equal(r->count, 5);
    assert_str(r->name, "a.b.R");
    assert_str(r->short_name, "R");
    assert_int_equal(r->min_size, 1 + 8 + 1 + 1 + 0);
    assert_non_null(r->fields);
    assert_str(r->fields[0].name, "i");
    assert_str(r->fields[0].json_key, "{\"i\":");
    assert_str(r->fields[2].name, "_s2");
    assert_str(r->fields[2].json_key, ",\"_s2\":");
    assert_int_equal(field_node(s, r, 0)->kind, CF_INT);
    assert_int_equal(field_node(s, r, 1)->kind, CF_DOUBLE);
    assert_int_equal(field_node(s, r, 2)->kind, CF_STRING);
    assert_int_equal(field_node(s, r, 4)->kind, CF_NULL);
    /* Plain primitives share one node. */
    assert_int_equal(r->fields[2].type, r->fields[3].type);
    assert_int_equal(s->node_count, 5);
    cf_schema_free(s);

    /* An empty record encodes as nothing. */
    s = ok("{'type': 'record', 'name': 'E', 'fields': []}");
    assert_int_equal(root(s)->count, 0);
    assert_int_equal(root(s)->min_size, 0);
    assert_null(root(s)->fields);
    assert_str(root(s)->name, "E");
    cf_schema_free(s);
}

static void test_enum(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'enum', 'name': 'Side', 'namespace': 'x',"
                      " 'symbols': ['BUY', 'SELL', '_x9'], 'default': 'BUY'}");
    const cf_node *n = root(s);
    assert_int_equal(n->kind, CF_ENUM);
    assert_int_equal(n->count, 3);
    assert_int_equal(n->min_size, 1);
    assert_str(n->name, "x.Side");
    assert_str(n->short_name, "Side");
    assert_str(n->symbols[0], "\"BUY\"");
    assert_str(n->symbols[1], "\"SELL\"");
    assert_str(n->symbols[2], "\"_x9\"");
    assert_str(n->symbol_names[0], "BUY");
    assert_str(n->symbol_names[1], "SELL");
    assert_str(n->symbol_names[2], "_x9");
    cf_schema_free(s);

    s = ok("{'type': 'enum', 'name': 'Empty', 'symbols': []}");
    assert_int_equal(root(s)->count, 0);
    assert_null(root(s)->symbols);
    cf_schema_free(s);
}

static void test_fixed(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'fixed', 'name': 'MD5', 'namespace': 'h', 'size': 16}");
    const cf_node *n = root(s);
    assert_int_equal(n->kind, CF_FIXED);
    assert_int_equal(n->count, 16);
    assert_int_equal(n->min_size, 16);
    assert_int_equal(n->logical, CF_LT_NONE);
    assert_str(n->name, "h.MD5");
    assert_str(n->short_name, "MD5");
    cf_schema_free(s);

    s = ok("{'type': 'fixed', 'name': 'Z', 'size': 0}");
    assert_int_equal(root(s)->count, 0);
    assert_int_equal(root(s)->min_size, 0);
    cf_schema_free(s);
}

static void test_array_map(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'array', 'items': {'type': 'map', 'values': 'double'}}");
    const cf_node *a = root(s);
    assert_int_equal(a->kind, CF_ARRAY);
    assert_str(a->name, "array");
    assert_str(a->short_name, "array");
    assert_int_equal(a->min_size, 1);
    assert_true(a->child < s->node_count);
    const cf_node *m = &s->nodes[a->child];
    assert_int_equal(m->kind, CF_MAP);
    assert_str(m->name, "map");
    assert_int_equal(m->min_size, 1);
    assert_int_equal(s->nodes[m->child].kind, CF_DOUBLE);
    assert_int_equal(s->node_count, 3);
    cf_schema_free(s);
}

static void test_union(void **state)
{
    (void)state;
    /* E and F sit beside P, not inside it: they stay in the null namespace. */
    cf_schema *s = ok("['null', 'string', {'type': 'array', 'items': 'int'},"
                      " {'type': 'map', 'values': 'long'},"
                      " {'type': 'record', 'name': 'P', 'namespace': 'n.s', 'fields': []},"
                      " {'type': 'enum', 'name': 'E', 'symbols': ['A']},"
                      " {'type': 'fixed', 'name': 'F', 'size': 2}, 'double', 'boolean', 'bytes',"
                      " 'float', 'int', 'long']");
    const cf_node *u = root(s);
    assert_int_equal(u->kind, CF_UNION);
    assert_str(u->name, "union");
    assert_int_equal(u->count, 13);
    assert_int_equal(u->min_size, 1); /* 1 + null's 0 */
    static const char *const opens[] = {
        "{\"null\":",  "{\"string\":", "{\"array\":", "{\"map\":",  "{\"n.s.P\":",
        "{\"E\":",     "{\"F\":",  "{\"double\":", "{\"boolean\":", "{\"bytes\":",
        "{\"float\":", "{\"int\":",    "{\"long\":",
    };
    static const int kinds[] = {CF_NULL,  CF_STRING, CF_ARRAY,  CF_MAP,   CF_RECORD,
                                CF_ENUM,  CF_FIXED,  CF_DOUBLE, CF_BOOLEAN, CF_BYTES,
                                CF_FLOAT, CF_INT,    CF_LONG};
    for (uint32_t i = 0; i < 13; i++) {
        assert_str(u->branches[i].json_open, opens[i]);
        assert_int_equal(s->nodes[u->branches[i].type].kind, kinds[i]);
    }
    cf_schema_free(s);

    s = ok("['string', 'double']");
    assert_int_equal(root(s)->min_size, 2); /* 1 + min(1, 8) */
    cf_schema_free(s);
    s = ok("[{'type': 'fixed', 'name': 'F', 'size': 5}, 'double']");
    assert_int_equal(root(s)->min_size, 6);
    cf_schema_free(s);
}

/* ------------------------------------------------------------------------ */
/* Names and namespaces                                                      */
/* ------------------------------------------------------------------------ */

static void test_namespaces(void **state)
{
    (void)state;
    cf_schema *s = ok(
        "{'type': 'record', 'name': 'Outer', 'namespace': 'com.ex', 'fields': ["
        /* inherits com.ex */
        " {'name': 'a', 'type': {'type': 'enum', 'name': 'Side', 'symbols': ['B']}},"
        /* own namespace attribute */
        " {'name': 'b', 'type': {'type': 'fixed', 'name': 'H', 'namespace': 'o.p', 'size': 1}},"
        /* dotted name: the namespace attribute is ignored */
        " {'name': 'c', 'type': {'type': 'record', 'name': 'x.y.In', 'namespace': 'zz',"
        "   'fields': [{'name': 'd', 'type': {'type': 'enum', 'name': 'Deep', 'symbols': ['Q']}},"
        "              {'name': 'e', 'type': 'Deep'}]}},"
        /* null namespace, two spellings */
        " {'name': 'f', 'type': {'type': 'fixed', 'name': 'N1', 'namespace': null, 'size': 1}},"
        " {'name': 'g', 'type': {'type': 'fixed', 'name': 'N2', 'namespace': '', 'size': 1}},"
        /* references: short name in this namespace, full names, null namespace */
        " {'name': 'h', 'type': 'Side'},"
        " {'name': 'i', 'type': 'com.ex.Side'},"
        " {'name': 'j', 'type': 'o.p.H'},"
        " {'name': 'k', 'type': 'x.y.Deep'},"
        " {'name': 'l', 'type': 'N1'},"
        " {'name': 'm', 'type': {'type': 'com.ex.Side'}}"
        "]}");
    const cf_node *r = root(s);
    assert_str(r->name, "com.ex.Outer");
    assert_str(field_node(s, r, 0)->name, "com.ex.Side");
    assert_str(field_node(s, r, 0)->short_name, "Side");
    assert_str(field_node(s, r, 1)->name, "o.p.H");
    const cf_node *in = field_node(s, r, 2);
    assert_str(in->name, "x.y.In");
    assert_str(in->short_name, "In");
    assert_str(field_node(s, in, 0)->name, "x.y.Deep");
    assert_int_equal(in->fields[0].type, in->fields[1].type);
    assert_str(field_node(s, r, 3)->name, "N1");
    assert_str(field_node(s, r, 3)->short_name, "N1");
    assert_str(field_node(s, r, 4)->name, "N2");
    assert_int_equal(r->fields[5].type, r->fields[0].type);
    assert_int_equal(r->fields[6].type, r->fields[0].type);
    assert_int_equal(r->fields[7].type, r->fields[1].type);
    assert_int_equal(r->fields[8].type, in->fields[0].type);
    assert_int_equal(r->fields[9].type, r->fields[3].type);
    assert_int_equal(r->fields[10].type, r->fields[0].type);
    /* Outer, Side, H, In, Deep, N1, N2: each compiled once. */
    assert_int_equal(s->node_count, 7);
    cf_schema_free(s);

    /* One short name in two namespaces: each reference finds its own. */
    s = ok("{'type': 'record', 'name': 'R', 'namespace': 'p', 'fields': ["
           " {'name': 'a', 'type': {'type': 'fixed', 'name': 'F', 'size': 1}},"
           " {'name': 'b', 'type': {'type': 'fixed', 'name': 'q.F', 'size': 2}},"
           " {'name': 'c', 'type': 'F'}, {'name': 'd', 'type': 'q.F'},"
           " {'name': 'e', 'type': 'p.F'},"
           " {'name': 'g', 'type': {'type': 'record', 'name': 'In', 'namespace': 'q',"
           "   'fields': [{'name': 'h', 'type': 'F'}, {'name': 'i', 'type': ['p.F', 'F']}]}}]}");
    r = root(s);
    assert_str(field_node(s, r, 0)->name, "p.F");
    assert_str(field_node(s, r, 1)->name, "q.F");
    assert_int_equal(r->fields[2].type, r->fields[0].type);
    assert_int_equal(r->fields[3].type, r->fields[1].type);
    assert_int_equal(r->fields[4].type, r->fields[0].type);
    in = field_node(s, r, 5);
    assert_str(in->name, "q.In");
    assert_int_equal(in->fields[0].type, r->fields[1].type);
    const cf_node *u = field_node(s, in, 1);
    assert_str(u->branches[0].json_open, "{\"p.F\":");
    assert_str(u->branches[1].json_open, "{\"q.F\":");
    cf_schema_free(s);

    /* A name in the null namespace is visible from inside a namespace, but
     * a namespaced name is not visible unqualified from elsewhere. */
    bad("{'type': 'record', 'name': 'R', 'fields': ["
        " {'name': 'a', 'type': {'type': 'enum', 'name': 'S', 'namespace': 'q', 'symbols': ['X']}},"
        " {'name': 'b', 'type': 'S'}]}",
        CFAVRO_E_SCHEMA_INVALID, "field \"b\" of record R: unknown type name \"S\"");
}

static void test_recursion(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'record', 'name': 'LinkedList', 'namespace': 'l', 'fields': ["
                      " {'name': 'value', 'type': 'int'},"
                      " {'name': 'next', 'type': ['null', 'LinkedList']}]}");
    const cf_node *r = root(s);
    const cf_node *u = field_node(s, r, 1);
    assert_int_equal(u->kind, CF_UNION);
    assert_int_equal(u->branches[1].type, s->root); /* the cycle */
    assert_str(u->branches[1].json_open, "{\"l.LinkedList\":");
    assert_int_equal(u->min_size, 1);
    assert_int_equal(r->min_size, 2);
    cf_schema_free(s);

    /* Mutual recursion through an array and a map, referenced by full name. */
    s = ok("{'type': 'record', 'name': 'Tree', 'fields': ["
           " {'name': 'kids', 'type': {'type': 'array', 'items': {'type': 'record',"
           "   'name': 'Node', 'fields': [{'name': 't', 'type': 'Tree'},"
           "                              {'name': 'm', 'type': {'type': 'map', 'values': 'Node'}}]}}}]}");
    r = root(s);
    const cf_node *arr = field_node(s, r, 0);
    const cf_node *node = &s->nodes[arr->child];
    assert_str(node->name, "Node");
    assert_int_equal(node->fields[0].type, s->root);
    assert_int_equal(s->nodes[node->fields[1].type].child, arr->child);
    assert_int_equal(r->min_size, 1);
    cf_schema_free(s);
}

/* ------------------------------------------------------------------------ */
/* The benchmark schemas                                                     */
/* ------------------------------------------------------------------------ */

static void test_trade(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data_file("trade.avsc", &len);
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(cf_schema_compile(text, len, NULL, &s, &err), CFAVRO_OK);
    assert_int_equal(s->json.len, len);
    assert_memory_equal(s->json.ptr, text, len);
    const cf_node *r = root(s);
    assert_str(r->name, "com.example.crypto.Trade");
    assert_int_equal(r->count, 10);
    static const char *const names[] = {"exchange", "symbol",   "trade_id",       "price",
                                        "quantity", "timestamp", "side",          "is_buyer_maker",
                                        "sequence_id", "extra"};
    static const int kinds[] = {CF_STRING, CF_STRING, CF_LONG,    CF_DOUBLE, CF_DOUBLE,
                                CF_LONG,   CF_ENUM,   CF_BOOLEAN, CF_UNION,  CF_MAP};
    for (uint32_t i = 0; i < 10; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s\"%s\":", i == 0 ? "{" : ",", names[i]);
        assert_str(r->fields[i].name, names[i]);
        assert_str(r->fields[i].json_key, key);
        assert_int_equal(field_node(s, r, i)->kind, kinds[i]);
    }
    assert_int_equal(field_node(s, r, 5)->logical, CF_LT_TIMESTAMP_MILLIS);
    assert_int_equal(field_node(s, r, 2)->logical, CF_LT_NONE);
    assert_str(field_node(s, r, 6)->name, "com.example.crypto.Side");
    assert_str(field_node(s, r, 6)->symbols[1], "\"SELL\"");
    const cf_node *u = field_node(s, r, 8);
    assert_int_equal(s->nodes[u->branches[0].type].kind, CF_NULL);
    assert_str(u->branches[1].json_open, "{\"string\":");
    assert_int_equal(s->nodes[field_node(s, r, 9)->child].kind, CF_STRING);
    assert_int_equal(r->min_size, 1 + 1 + 1 + 8 + 8 + 1 + 1 + 1 + 1 + 1);
    cf_schema_free(s);
    free(text);
}

static void test_wide(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data_file("wide.avsc", &len);
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(cf_schema_compile(text, len, NULL, &s, &err), CFAVRO_OK);
    const cf_node *r = root(s);
    assert_str(r->name, "com.example.analytics.AnalyticsEvent");
    assert_int_equal(r->count, 42);
    assert_str(r->fields[41].name, "partition_key");
    assert_str(field_node(s, r, 9)->name, "com.example.analytics.Device");
    assert_int_equal(field_node(s, r, 9)->count, 6);
    assert_int_equal(field_node(s, r, 4)->logical, CF_LT_TIMESTAMP_MICROS);
    const cf_node *geo = field_node(s, r, 10);
    assert_int_equal(geo->kind, CF_UNION);
    assert_str(geo->branches[1].json_open, "{\"com.example.analytics.Geo\":");
    assert_int_equal(s->nodes[geo->branches[1].type].min_size, 3 + 16);
    const cf_node *md5 = field_node(s, r, 34);
    assert_str(md5->name, "com.example.analytics.MD5");
    assert_int_equal(md5->count, 16);
    const cf_node *items = field_node(s, r, 20);
    assert_int_equal(items->kind, CF_ARRAY);
    assert_str(s->nodes[items->child].name, "com.example.analytics.Item");
    cf_schema_free(s);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Logical types                                                             */
/* ------------------------------------------------------------------------ */

typedef struct lt_case {
    const char *schema;
    int kind;
    int logical;
    int32_t precision;
    int32_t scale;
} lt_case;

static void test_logical(void **state)
{
    (void)state;
    static const lt_case cases[] = {
        /* valid */
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 10, 'scale': 2}", CF_BYTES,
         CF_LT_DECIMAL, 10, 2},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 5}", CF_BYTES, CF_LT_DECIMAL,
         5, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 3, 'scale': 3}", CF_BYTES,
         CF_LT_DECIMAL, 3, 3},
        {"{'type': 'fixed', 'name': 'D', 'size': 16, 'logicalType': 'decimal', 'precision': 38,"
         " 'scale': 9}", CF_FIXED, CF_LT_DECIMAL, 38, 9},
        {"{'type': 'fixed', 'name': 'D', 'size': 4, 'logicalType': 'decimal', 'precision': 9}",
         CF_FIXED, CF_LT_DECIMAL, 9, 0},
        {"{'type': 'fixed', 'name': 'D', 'size': 1, 'logicalType': 'decimal', 'precision': 2}",
         CF_FIXED, CF_LT_DECIMAL, 2, 0},
        {"{'type': 'string', 'logicalType': 'uuid'}", CF_STRING, CF_LT_UUID, 0, 0},
        {"{'type': 'fixed', 'name': 'U', 'size': 16, 'logicalType': 'uuid'}", CF_FIXED,
         CF_LT_UUID, 0, 0},
        {"{'type': 'int', 'logicalType': 'date'}", CF_INT, CF_LT_DATE, 0, 0},
        {"{'type': 'int', 'logicalType': 'time-millis'}", CF_INT, CF_LT_TIME_MILLIS, 0, 0},
        {"{'type': 'long', 'logicalType': 'time-micros'}", CF_LONG, CF_LT_TIME_MICROS, 0, 0},
        {"{'type': 'long', 'logicalType': 'timestamp-millis'}", CF_LONG, CF_LT_TIMESTAMP_MILLIS,
         0, 0},
        {"{'type': 'long', 'logicalType': 'timestamp-micros'}", CF_LONG, CF_LT_TIMESTAMP_MICROS,
         0, 0},
        {"{'type': 'long', 'logicalType': 'local-timestamp-millis'}", CF_LONG,
         CF_LT_LOCAL_TIMESTAMP_MILLIS, 0, 0},
        {"{'type': 'long', 'logicalType': 'local-timestamp-micros'}", CF_LONG,
         CF_LT_LOCAL_TIMESTAMP_MICROS, 0, 0},
        {"{'type': 'long', 'logicalType': 'timestamp-nanos'}", CF_LONG, CF_LT_TIMESTAMP_NANOS,
         0, 0},
        {"{'type': 'long', 'logicalType': 'local-timestamp-nanos'}", CF_LONG,
         CF_LT_LOCAL_TIMESTAMP_NANOS, 0, 0},
        {"{'type': 'fixed', 'name': 'Dur', 'size': 12, 'logicalType': 'duration'}", CF_FIXED,
         CF_LT_DURATION, 0, 0},
        /* invalid or unknown: ignored, the underlying type stays */
        {"{'type': 'bytes', 'logicalType': 'decimal'}", CF_BYTES, CF_LT_NONE, 0, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 0}", CF_BYTES, CF_LT_NONE, 0,
         0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': -3}", CF_BYTES, CF_LT_NONE, 0,
         0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 4.5}", CF_BYTES, CF_LT_NONE,
         0, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': '4'}", CF_BYTES, CF_LT_NONE, 0,
         0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 4, 'scale': 5}", CF_BYTES,
         CF_LT_NONE, 0, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 4, 'scale': -1}", CF_BYTES,
         CF_LT_NONE, 0, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 4, 'scale': null}", CF_BYTES,
         CF_LT_NONE, 0, 0},
        {"{'type': 'bytes', 'logicalType': 'decimal', 'precision': 3000000000}", CF_BYTES,
         CF_LT_NONE, 0, 0},
        {"{'type': 'fixed', 'name': 'D', 'size': 16, 'logicalType': 'decimal', 'precision': 39}",
         CF_FIXED, CF_LT_NONE, 0, 0},
        {"{'type': 'fixed', 'name': 'D', 'size': 4, 'logicalType': 'decimal', 'precision': 10}",
         CF_FIXED, CF_LT_NONE, 0, 0},
        {"{'type': 'fixed', 'name': 'D', 'size': 0, 'logicalType': 'decimal', 'precision': 1}",
         CF_FIXED, CF_LT_NONE, 0, 0},
        {"{'type': 'string', 'logicalType': 'decimal', 'precision': 4}", CF_STRING, CF_LT_NONE, 0,
         0},
        {"{'type': 'bytes', 'logicalType': 'uuid'}", CF_BYTES, CF_LT_NONE, 0, 0},
        {"{'type': 'fixed', 'name': 'U', 'size': 15, 'logicalType': 'uuid'}", CF_FIXED,
         CF_LT_NONE, 0, 0},
        {"{'type': 'long', 'logicalType': 'date'}", CF_LONG, CF_LT_NONE, 0, 0},
        {"{'type': 'long', 'logicalType': 'time-millis'}", CF_LONG, CF_LT_NONE, 0, 0},
        {"{'type': 'int', 'logicalType': 'time-micros'}", CF_INT, CF_LT_NONE, 0, 0},
        {"{'type': 'int', 'logicalType': 'timestamp-millis'}", CF_INT, CF_LT_NONE, 0, 0},
        {"{'type': 'string', 'logicalType': 'timestamp-micros'}", CF_STRING, CF_LT_NONE, 0, 0},
        {"{'type': 'int', 'logicalType': 'local-timestamp-millis'}", CF_INT, CF_LT_NONE, 0, 0},
        {"{'type': 'double', 'logicalType': 'local-timestamp-micros'}", CF_DOUBLE, CF_LT_NONE, 0,
         0},
        {"{'type': 'fixed', 'name': 'Dur', 'size': 11, 'logicalType': 'duration'}", CF_FIXED,
         CF_LT_NONE, 0, 0},
        {"{'type': 'bytes', 'logicalType': 'duration'}", CF_BYTES, CF_LT_NONE, 0, 0},
        {"{'type': 'int', 'logicalType': 'timestamp-nanos'}", CF_INT, CF_LT_NONE, 0, 0},
        {"{'type': 'string', 'logicalType': 'local-timestamp-nanos'}", CF_STRING, CF_LT_NONE, 0,
         0},
        {"{'type': 'long', 'logicalType': 'time-nanos'}", CF_LONG, CF_LT_NONE, 0, 0},
        {"{'type': 'long', 'logicalType': 'Timestamp-Millis'}", CF_LONG, CF_LT_NONE, 0, 0},
        {"{'type': 'long', 'logicalType': 7}", CF_LONG, CF_LT_NONE, 0, 0},
        {"{'type': 'string', 'logicalType': 'uuid\\u0000'}", CF_STRING, CF_LT_NONE, 0, 0},
        {"{'type': 'array', 'items': 'int', 'logicalType': 'date'}", CF_ARRAY, CF_LT_NONE, 0, 0},
        {"{'type': 'enum', 'name': 'E', 'symbols': [], 'logicalType': 'uuid'}", CF_ENUM,
         CF_LT_NONE, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cf_schema *s = ok(cases[i].schema);
        const cf_node *n = root(s);
        if (n->kind != cases[i].kind || n->logical != cases[i].logical ||
            n->precision != cases[i].precision || n->scale != cases[i].scale) {
            fail_msg("case %zu: kind %d logical %d precision %d scale %d for %s", i, n->kind,
                     n->logical, n->precision, n->scale, cases[i].schema);
        }
        cf_schema_free(s);
    }

    /* A logical primitive gets its own node: it is not the shared plain one. */
    cf_schema *s = ok("{'type': 'record', 'name': 'R', 'fields': ["
                      " {'name': 'a', 'type': 'long'},"
                      " {'name': 'b', 'type': {'type': 'long', 'logicalType': 'timestamp-millis'}},"
                      " {'name': 'c', 'type': 'long', 'logicalType': 'timestamp-millis'},"
                      " {'name': 'd', 'type': {'type': 'long', 'logicalType': 'nope'}}]}");
    const cf_node *r = root(s);
    assert_int_not_equal(r->fields[0].type, r->fields[1].type);
    assert_int_equal(field_node(s, r, 1)->logical, CF_LT_TIMESTAMP_MILLIS);
    assert_str(field_node(s, r, 1)->name, "long");
    assert_int_equal(field_node(s, r, 1)->min_size, 1);
    /* logicalType on the field (not the type) is not the type's: ignored. */
    assert_int_equal(r->fields[2].type, r->fields[0].type);
    assert_int_equal(r->fields[3].type, r->fields[0].type);
    assert_int_equal(field_node(s, r, 0)->logical, CF_LT_NONE);
    cf_schema_free(s);

    /* A named decimal keeps its logical type through references. */
    s = ok("['null', {'type': 'fixed', 'name': 'Money', 'size': 8, 'logicalType': 'decimal',"
           " 'precision': 18, 'scale': 4}]");
    const cf_node *m = &s->nodes[root(s)->branches[1].type];
    assert_int_equal(m->logical, CF_LT_DECIMAL);
    assert_int_equal(m->precision, 18);
    assert_int_equal(m->scale, 4);
    cf_schema_free(s);
}

static void test_decimal_digits(void **state)
{
    (void)state;
    assert_int_equal(cf_decimal_max_digits(0), 0);
    assert_int_equal(cf_decimal_max_digits(-1), 0);
    assert_int_equal(cf_decimal_max_digits(1), 2);   /* 127 */
    assert_int_equal(cf_decimal_max_digits(2), 4);   /* 32767 */
    assert_int_equal(cf_decimal_max_digits(3), 6);   /* 8388607 */
    assert_int_equal(cf_decimal_max_digits(4), 9);   /* 2147483647 */
    assert_int_equal(cf_decimal_max_digits(8), 18);  /* 9223372036854775807 */
    assert_int_equal(cf_decimal_max_digits(9), 21);  /* 2^71-1 = 2361183241434822606847 */
    assert_int_equal(cf_decimal_max_digits(16), 38);
    assert_int_equal(cf_decimal_max_digits(32), 76);
    assert_true(cf_decimal_max_digits(INT64_MAX) > 0);
}

/* ------------------------------------------------------------------------ */
/* Rejections                                                                */
/* ------------------------------------------------------------------------ */

typedef struct bad_case {
    const char *schema;
    int status;
    const char *msg;
} bad_case;

#define INV CFAVRO_E_SCHEMA_INVALID
#define LIM CFAVRO_E_LIMIT_SCHEMA

static void test_invalid(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* JSON itself */
        {"{'type': 'int'", INV, "not valid JSON: line 1, column"},
        {"'int' 'long'", INV, "not valid JSON"},
        {"{'type': 'int', 'type': 'long'}", INV, "duplicate"},
        {"", INV, "not valid JSON"},
        /* unknown names */
        {"{'type': 'record', 'name': 'Trade', 'namespace': 'com.example', 'fields': ["
         " {'name': 'price', 'type': 'dobule'}]}",
         INV, "field \"price\" of record com.example.Trade: unknown type name \"dobule\""},
        {"'Foo'", INV, "schema: unknown type name \"Foo\""},
        {"'record'", INV, "unknown type name \"record\""},
        {"{'type': 'error', 'name': 'E', 'fields': []}", INV, "unknown type name \"error\""},
        {"{'type': 'Nope'}", INV, "unknown type name \"Nope\""},
        {"'a\\nb'", INV, "unknown type name \"a?b\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'x', 'type': "
         " {'type': 'array', 'items': 'Q'}}]}",
         INV, "items of array in field \"x\" of record R: unknown type name \"Q\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'x', 'type': "
         " {'type': 'map', 'values': ['null', 'Q']}}]}",
         INV, "branch 1 of union in values of map in field \"x\" of record R: unknown type"},
        /* full names: the namespace and the last part must both match */
        {"{'type': 'record', 'name': 'a.b.C', 'fields': [{'name': 'x', 'type': 'a.C'}]}", INV,
         "unknown type name \"a.C\""},
        {"{'type': 'record', 'name': 'a.b.C', 'fields': [{'name': 'x', 'type': 'b.C'}]}", INV,
         "unknown type name \"b.C\""},
        {"{'type': 'record', 'name': 'R', 'namespace': 'a.b', 'fields': [{'name': 'x',"
         " 'type': 'a.b.Nope'}]}",
         INV, "unknown type name \"a.b.Nope\""},
        {"{'type': 'record', 'name': 'x.R', 'namespace': 'zz', 'fields': [{'name': 'x',"
         " 'type': 'zz.R'}]}",
         INV, "unknown type name \"zz.R\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'x', 'type': '.R'}]}", INV,
         "unknown type name \".R\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'x', 'type': 'R.'}]}", INV,
         "unknown type name \"R.\""},
        /* a type is used before its definition */
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'E'},"
         " {'name': 'b', 'type': {'type': 'enum', 'name': 'E', 'symbols': ['A']}}]}",
         INV, "field \"a\" of record R: unknown type name \"E\""},
        /* redefinitions */
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type':"
         " {'type': 'record', 'name': 'R', 'fields': []}}]}",
         INV, "field \"a\" of record R: record R: the name is already defined"},
        {"['null', {'type': 'enum', 'name': 'a.E', 'symbols': ['A']},"
         " {'type': 'fixed', 'name': 'E', 'namespace': 'a', 'size': 1}]",
         INV, "branch 2 of union in schema: fixed a.E: the name is already defined"},
        {"{'type': 'record', 'name': 'int', 'fields': []}", INV,
         "record name \"int\" redefines the primitive type int"},
        {"{'type': 'enum', 'name': 'x.string', 'symbols': []}", INV,
         "redefines the primitive type string"},
        {"{'type': 'fixed', 'name': 'null', 'namespace': 'n', 'size': 1}", INV,
         "redefines the primitive type null"},
        /* fixed size */
        {"{'type': 'fixed', 'name': 'F'}", INV, "fixed F without a \"size\""},
        {"{'type': 'fixed', 'name': 'F', 'size': '16'}", INV,
         "fixed F: \"size\" must be an integer, not a string"},
        {"{'type': 'fixed', 'name': 'F', 'size': 16.0}", INV, "must be an integer, not a number"},
        {"{'type': 'fixed', 'name': 'F', 'size': -5}", INV, "fixed F: negative size -5"},
        {"{'type': 'fixed', 'name': 'F', 'size': 4611686018427387904}", LIM,
         "size 4611686018427387904 is over limit.schema.fixed.size"},
        {"{'type': 'fixed', 'name': 'F', 'size': 16777217}", LIM,
         "over limit.schema.fixed.size (16777216)"},
        /* unions */
        {"[]", INV, "schema: empty union"},
        {"['null', ['int']]", INV, "branch 1 of union in schema: a union directly inside a union"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[['int']]]]]]]]]]]]]]]]]]]]]]]]]]", INV,
         "a union directly inside a union"},
        {"['string', 'int', 'string']", INV,
         "union has two branches of type string (branches 0 and 2)"},
        {"['string', {'type': 'string', 'logicalType': 'uuid'}]", INV,
         "two branches of type string"},
        {"[{'type': 'array', 'items': 'int'}, {'type': 'array', 'items': 'long'}]", INV,
         "two branches of type array"},
        {"[{'type': 'map', 'values': 'int'}, 'null', {'type': 'map', 'values': 'long'}]", INV,
         "two branches of type map (branches 0 and 2)"},
        {"[{'type': 'enum', 'name': 'n.E', 'symbols': ['A']}, 'n.E']", INV,
         "two branches of type n.E (branches 0 and 1)"},
        {"['null', 'null']", INV, "two branches of type null"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'u', 'type': ['R', 'R']}]}", INV,
         "field \"u\" of record R: union has two branches of type R"},
        /* enums */
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A', 'B', 'A']}", INV,
         "enum E: duplicate symbol \"A\" (symbols 0 and 2)"},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A', '1B']}", INV,
         "enum E: invalid symbol \"1B\""},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A', '']}", INV, "invalid symbol \"\""},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A-B']}", INV, "invalid symbol \"A-B\""},
        {"{'type': 'enum', 'name': 'E', 'symbols': [1]}", INV,
         "enum E: symbol 0 must be a string, not an integer"},
        {"{'type': 'enum', 'name': 'E'}", INV, "enum E without \"symbols\""},
        {"{'type': 'enum', 'name': 'E', 'symbols': 'A'}", INV,
         "\"symbols\" must be an array, not a string"},
        /* enum defaults: a string that is one of the symbols */
        {"{'type': 'enum', 'name': 'E', 'namespace': 'n', 'symbols': ['A', 'B'], 'default': 'C'}",
         INV, "schema: enum n.E: default \"C\" is not one of its symbols"},
        {"{'type': 'enum', 'name': 'E', 'symbols': [], 'default': 'A'}", INV,
         "enum E: default \"A\" is not one of its symbols"},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A'], 'default': 'a'}", INV,
         "default \"a\" is not one of its symbols"},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A'], 'default': 0}", INV,
         "enum E: \"default\" must be a string, not an integer"},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A'], 'default': ['A']}", INV,
         "\"default\" must be a string, not an array"},
        {"{'type': 'enum', 'name': 'E', 'symbols': ['A'], 'default': null}", INV,
         "\"default\" must be a string, not null"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'e', 'type': {'type': 'enum',"
         " 'name': 'E', 'symbols': ['A'], 'default': 'B\\u0000'}}]}",
         INV, "field \"e\" of record R: enum E: default \"B?\" is not one of its symbols"},
        /* aliases of named types: an array of names or full names */
        {"{'type': 'record', 'name': 'R', 'aliases': 'Old', 'fields': []}", INV,
         "schema: record R: \"aliases\" must be an array of strings, not a string"},
        {"{'type': 'record', 'name': 'R', 'aliases': {}, 'fields': []}", INV,
         "\"aliases\" must be an array of strings, not an object"},
        {"{'type': 'record', 'name': 'R', 'aliases': null, 'fields': []}", INV,
         "\"aliases\" must be an array of strings, not null"},
        {"{'type': 'record', 'name': 'R', 'aliases': ['Old', 7], 'fields': []}", INV,
         "record R: alias 1 must be a string, not an integer"},
        {"{'type': 'enum', 'name': 'E', 'namespace': 'n', 'aliases': ['a..b'], 'symbols': []}",
         INV, "enum n.E: invalid alias \"a..b\""},
        {"{'type': 'fixed', 'name': 'F', 'aliases': ['ok.Old', '9x'], 'size': 1}", INV,
         "fixed F: invalid alias \"9x\""},
        {"{'type': 'fixed', 'name': 'F', 'aliases': [''], 'size': 1}", INV,
         "fixed F: invalid alias \"\""},
        {"{'type': 'fixed', 'name': 'F', 'aliases': ['x.'], 'size': 1}", INV,
         "invalid alias \"x.\""},
        {"{'type': 'record', 'name': 'R', 'aliases': ['a-b'], 'fields': []}", INV,
         "invalid alias \"a-b\""},
        /* aliases of fields: simple names only */
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int',"
         " 'aliases': ['x.y']}]}",
         INV, "record R: field \"a\": invalid alias \"x.y\" (a field alias is a simple name)"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int',"
         " 'aliases': ['ok', '1st']}]}",
         INV, "record R: field \"a\": invalid alias \"1st\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int',"
         " 'aliases': 'b'}]}",
         INV, "record R: field \"a\": \"aliases\" must be an array of strings, not a string"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int',"
         " 'aliases': [null]}]}",
         INV, "record R: field \"a\": alias 0 must be a string, not null"},
        /* names */
        {"{'type': 'record', 'name': '9R', 'fields': []}", INV, "invalid record name \"9R\""},
        {"{'type': 'record', 'name': '', 'fields': []}", INV, "invalid record name \"\""},
        {"{'type': 'record', 'name': 'a..R', 'fields': []}", INV, "invalid record name \"a..R\""},
        {"{'type': 'record', 'name': 'a.R.', 'fields': []}", INV, "invalid record name"},
        {"{'type': 'record', 'name': '.R', 'fields': []}", INV, "invalid record name \".R\""},
        {"{'type': 'record', 'name': 'a.9.R', 'fields': []}", INV, "invalid record name"},
        {"{'type': 'record', 'name': 'R\\u00e9', 'fields': []}", INV, "invalid record name \"R??\""},
        {"{'type': 'record', 'name': 'R\\u0000x', 'fields': []}", INV, "invalid record name \"R?x\""},
        {"{'type': 'record', 'name': 'R', 'namespace': 'a.1b', 'fields': []}", INV,
         "record R: invalid namespace \"a.1b\""},
        {"{'type': 'record', 'name': 'R', 'namespace': 'a.', 'fields': []}", INV,
         "invalid namespace \"a.\""},
        {"{'type': 'record', 'name': 'R', 'namespace': 3, 'fields': []}", INV,
         "\"namespace\" must be a string or null, not an integer"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a b', 'type': 'int'}]}", INV,
         "record R: invalid field name \"a b\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a.b', 'type': 'int'}]}", INV,
         "invalid field name \"a.b\""},
        {"{'type': 'fixed', 'name': 'F-1', 'size': 1}", INV, "invalid fixed name \"F-1\""},
        {"{'type': 'enum', 'name': 'E$', 'symbols': []}", INV, "invalid enum name"},
        /* fields */
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int'},"
         " {'name': 'b', 'type': 'int'}, {'name': 'a', 'type': 'long'}]}",
         INV, "record R: duplicate field name \"a\" (fields 0 and 2)"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'type': 'int'}]}", INV,
         "record R: field 0 without a \"name\""},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 1, 'type': 'int'}]}", INV,
         "\"name\" of field 0 must be a string, not an integer"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a'}]}", INV,
         "record R: field \"a\" without a \"type\""},
        {"{'type': 'record', 'name': 'R', 'fields': ['int']}", INV,
         "record R: field 0 must be an object, not a string"},
        {"{'type': 'record', 'name': 'R', 'fields': {}}", INV,
         "record R: \"fields\" must be an array, not an object"},
        {"{'type': 'record', 'name': 'R'}", INV, "record R without \"fields\""},
        {"{'type': 'record', 'fields': []}", INV, "record without a \"name\""},
        {"{'type': 'enum', 'symbols': []}", INV, "enum without a \"name\""},
        {"{'type': 'fixed', 'size': 1}", INV, "fixed without a \"name\""},
        {"{'type': 'record', 'name': ['R'], 'fields': []}", INV,
         "\"name\" of record must be a string, not an array"},
        /* arrays and maps */
        {"{'type': 'array'}", INV, "array without \"items\""},
        {"{'type': 'map', 'items': 'int'}", INV, "map without \"values\""},
        {"{'type': 'array', 'items': 5}", INV,
         "items of array in schema: a type must be a string, an object or an array, not an integer"},
        /* wrong JSON kinds for a type */
        {"3", INV, "schema: a type must be a string, an object or an array, not an integer"},
        {"null", INV, "not null"},
        {"true", INV, "not a boolean"},
        {"1.5", INV, "not a number"},
        {"{'name': 'x'}", INV, "type object without a \"type\""},
        {"{}", INV, "type object without a \"type\""},
        {"{'type': {'type': 'int'}}", INV, "\"type\" must be a string, not an object"},
        {"{'type': ['int']}", INV, "\"type\" must be a string, not an array"},
        {"{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': null}]}", INV,
         "field \"a\" of record R: a type must be a string, an object or an array, not null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad(cases[i].schema, cases[i].status, cases[i].msg);
    }
}

/* What the specification allows around aliases and defaults compiles. */
static void test_aliases_defaults(void **state)
{
    (void)state;
    cf_schema *s = ok("{'type': 'record', 'name': 'R', 'namespace': 'n',"
                      " 'aliases': ['Old', 'o.p.Older', '_x'], 'fields': ["
                      " {'name': 'a', 'type': 'int', 'aliases': ['b', '_c9']},"
                      " {'name': 'e', 'type': {'type': 'enum', 'name': 'E', 'aliases': [],"
                      "  'symbols': ['X', 'Y'], 'default': 'Y'}, 'aliases': []},"
                      " {'name': 'f', 'type': {'type': 'fixed', 'name': 'q.F', 'size': 1,"
                      "  'aliases': ['F2']}}]}");
    assert_str(root(s)->name, "n.R");
    assert_int_equal(root(s)->count, 3);
    cf_schema_free(s);
    /* aliases on an unnamed type are an unknown attribute: ignored */
    s = ok("{'type': 'array', 'items': 'int', 'aliases': 5}");
    cf_schema_free(s);
}

/* Invalid field defaults are accepted, as Confluent's consumers accept them:
 * nothing reads a default until reader schemas do. Decoding is unaffected. */
static void test_field_defaults_unchecked(void **state)
{
    (void)state;
    static const char schema_sq[] =
        "{'type': 'record', 'name': 'R', 'fields': ["
        " {'name': 'i', 'type': 'int', 'default': 'not an int'},"
        " {'name': 'u', 'type': ['null', 'string'], 'default': 'not null'},"
        " {'name': 'e', 'type': {'type': 'enum', 'name': 'E', 'symbols': ['A']},"
        "  'default': 'B'},"
        " {'name': 'r', 'type': {'type': 'record', 'name': 'S', 'fields': []},"
        "  'default': [1, 2]},"
        " {'name': 'f', 'type': {'type': 'fixed', 'name': 'F', 'size': 2}, 'default': 3.5}]}";
    cf_schema *s = ok(schema_sq);
    assert_int_equal(root(s)->count, 5);
    cf_schema_free(s);

    char *schema = sq(schema_sq);
    cfavro_client *client = client_with_schema(9, schema, strlen(schema));
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    bb m = {0};
    bb_header(&m, 9);
    bb_long(&m, 42);   /* i */
    bb_long(&m, 1);    /* u: branch 1, string */
    bb_str(&m, "s");
    bb_long(&m, 0);    /* e: A */
    bb_raw(&m, "zz", 2); /* f */
    const char *json = NULL;
    size_t json_len = 0;
    assert_int_equal(cfavro_decode_json(dec, m.d, m.n, &json, &json_len), CFAVRO_OK);
    assert_string_equal(json, "{\"i\":42,\"u\":{\"string\":\"s\"},\"e\":\"A\",\"r\":{},"
                              "\"f\":\"zz\"}");
    bb_free(&m);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    free(schema);
}

static void test_message_fits(void **state)
{
    (void)state;
    /* A long location is shortened so the problem itself stays readable. */
    char name[200];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char j[1024];
    snprintf(j, sizeof j,
             "{'type': 'record', 'name': '%s', 'fields': [{'name': '%s', 'type': {'type':"
             " 'array', 'items': {'type': 'map', 'values': ['null', 'Unknown_name_here']}}}]}",
             name, name);
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(compile_lim(j, NULL, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_true(strlen(err.message) < sizeof err.message);
    assert_non_null(strstr(err.message, "...: unknown type name \"Unknown_name_here\""));
    assert_non_null(strstr(err.message, "branch 1 of union in values of map"));
    size_t ml = strlen(err.message);
    assert_string_equal(err.message + ml - 2, "e\"");
    assert_int_equal(ml, sizeof err.message - 1);
}

/* ------------------------------------------------------------------------ */
/* Limits and hostile input                                                  */
/* ------------------------------------------------------------------------ */

static void test_limits(void **state)
{
    (void)state;
    cf_schema_limits l;
    cf_schema *s = NULL;

    cf_schema_limits_default(&l);
    l.max_json_bytes = 8;
    assert_int_equal(compile_lim("'string'", &l, &s, NULL), CFAVRO_OK); /* exactly 8 bytes */
    cf_schema_free(s);
    bad_lim(" 'string'", &l, LIM, "schema text is 9 bytes, over limit.schema.bytes (8)");
    /* Checked before parsing: even broken JSON gets the limit error. */
    bad_lim("{{{{{{{{{{{{", &l, LIM, "limit.schema.bytes");

    cf_schema_limits_default(&l);
    l.max_fields = 2;
    s = NULL;
    assert_int_equal(compile_lim("{'type': 'record', 'name': 'R', 'fields': [{'name': 'a',"
                                 " 'type': 'int'}, {'name': 'b', 'type': 'int'}]}",
                                 &l, &s, NULL),
                     CFAVRO_OK);
    cf_schema_free(s);
    bad_lim("{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': 'int'},"
            " {'name': 'b', 'type': 'int'}, {'name': 'c', 'type': 'int'}]}",
            &l, LIM, "record R has 3 fields, over limit.schema.fields (2)");

    cf_schema_limits_default(&l);
    l.max_branches = 2;
    s = NULL;
    assert_int_equal(compile_lim("['null', 'int']", &l, &s, NULL), CFAVRO_OK);
    cf_schema_free(s);
    bad_lim("['null', 'int', 'long']", &l, LIM,
            "union has 3 branches, over limit.schema.branches (2)");

    cf_schema_limits_default(&l);
    l.max_symbols = 2;
    s = NULL;
    assert_int_equal(compile_lim("{'type': 'enum', 'name': 'E', 'symbols': ['A', 'B']}", &l, &s,
                                 NULL),
                     CFAVRO_OK);
    cf_schema_free(s);
    bad_lim("{'type': 'enum', 'name': 'E', 'symbols': ['A', 'B', 'C']}", &l, LIM,
            "enum E has 3 symbols, over limit.schema.symbols (2)");

    cf_schema_limits_default(&l);
    l.max_fixed_size = 4;
    s = NULL;
    assert_int_equal(compile_lim("{'type': 'fixed', 'name': 'F', 'size': 4}", &l, &s, NULL),
                     CFAVRO_OK);
    cf_schema_free(s);
    bad_lim("{'type': 'fixed', 'name': 'F', 'size': 5}", &l, LIM,
            "fixed F: size 5 is over limit.schema.fixed.size (4)");

    cf_schema_limits_default(&l);
    l.max_nodes = 3; /* union + array + shared int */
    s = NULL;
    assert_int_equal(compile_lim("['int', {'type': 'array', 'items': 'int'}]", &l, &s, NULL),
                     CFAVRO_OK);
    assert_int_equal(s->node_count, 3);
    cf_schema_free(s);
    bad_lim("['int', {'type': 'array', 'items': 'long'}]", &l, LIM,
            "items of array in branch 1 of union in schema: schema has more than 3 types, over "
            "limit.schema.nodes (3)");

    cf_schema_limits_default(&l);
    l.max_nodes = 0;
    bad_lim("'int'", &l, LIM, "over limit.schema.nodes (0)");
}

/* {'type': 'array', 'items': ... n levels ... 'int'} */
static char *nested_arrays(int n)
{
    static const char open[] = "{\"type\": \"array\", \"items\": ";
    size_t cap = (size_t)n * (sizeof open + 1) + 16;
    char *j = malloc(cap);
    assert_non_null(j);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        memcpy(j + k, open, sizeof open - 1);
        k += sizeof open - 1;
    }
    memcpy(j + k, "\"int\"", 5);
    k += 5;
    memset(j + k, '}', (size_t)n);
    k += (size_t)n;
    j[k] = '\0';
    return j;
}

static void test_depth(void **state)
{
    (void)state;
    cf_schema *s = NULL;
    cfavro_error err;
    /* The default max_depth is 64 definitions. */
    char *j = nested_arrays(64);
    assert_int_equal(cf_schema_compile(j, strlen(j), NULL, &s, &err), CFAVRO_OK);
    assert_int_equal(s->node_count, 65);
    cf_schema_free(s);
    free(j);
    j = nested_arrays(65);
    assert_int_equal(cf_schema_compile(j, strlen(j), NULL, &s, &err), LIM);
    assert_non_null(strstr(err.message, "nested deeper than limit.schema.depth (64)"));
    assert_non_null(strstr(err.message, "items of array in items of array in"));
    free(j);

    /* A custom depth. */
    cf_schema_limits l;
    cf_schema_limits_default(&l);
    l.max_depth = 2;
    s = NULL;
    assert_int_equal(compile_lim("{'type': 'record', 'name': 'R', 'fields': [{'name': 'a',"
                                 " 'type': ['null', 'R']}]}",
                                 &l, &s, NULL),
                     CFAVRO_OK);
    cf_schema_free(s);
    bad_lim("{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type': ['null',"
            " {'type': 'array', 'items': 'int'}]}]}",
            &l, LIM, "branch 1 of union in field \"a\" of record R: type definitions nested");

    /* Far past any limit: a huge raise of max_depth still cannot blow the
     * stack, because jansson refuses such nesting itself. */
    cf_schema_limits_default(&l);
    l.max_depth = UINT32_MAX;
    l.max_json_bytes = (size_t)16 << 20;
    j = nested_arrays(100000);
    assert_int_equal(cf_schema_compile(j, strlen(j), &l, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.message, "not valid JSON"));
    free(j);

    size_t n = 600000; /* 1.2 MB: over the default max_json_bytes too */
    j = malloc(2 * n + 1);
    assert_non_null(j);
    memset(j, '[', n);
    memset(j + n, ']', n);
    j[2 * n] = '\0';
    assert_int_equal(cf_schema_compile(j, 2 * n, &l, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_int_equal(cf_schema_compile(j, 2 * n, NULL, &s, &err), LIM);
    free(j);
    /* Within jansson's depth: the union-in-union rule stops it at once. */
    n = 1000;
    j = malloc(2 * n + 8);
    assert_non_null(j);
    memset(j, '[', n);
    memcpy(j + n, "\"int\"", 5);
    memset(j + n + 5, ']', n);
    assert_int_equal(cf_schema_compile(j, 2 * n + 5, NULL, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_non_null(strstr(err.message, "branch 0 of union in schema: a union directly inside"));
    free(j);
}

/* Many names, fields and symbols: the hash tables grow and stay correct. */
static void test_many_names(void **state)
{
    (void)state;
    size_t cap = 4 << 20;
    char *j = malloc(cap);
    assert_non_null(j);
    size_t k = (size_t)snprintf(j, cap, "{\"type\": \"record\", \"name\": \"R\", \"fields\": [");
    const int n = 3000;
    for (int i = 0; i < n; i++) {
        k += (size_t)snprintf(j + k, cap - k,
                              "%s{\"name\": \"f%d\", \"type\": {\"type\": \"fixed\", \"name\": "
                              "\"F%d\", \"size\": %d}}",
                              i ? "," : "", i, i, i % 7);
    }
    /* references to each, in reverse */
    for (int i = n - 1; i >= 0; i--) {
        k += (size_t)snprintf(j + k, cap - k, ",{\"name\": \"g%d\", \"type\": \"F%d\"}", i, i);
    }
    k += (size_t)snprintf(j + k, cap - k, ", {\"name\": \"e\", \"type\": {\"type\": \"enum\","
                                          " \"name\": \"E\", \"symbols\": [");
    for (int i = 0; i < 20000; i++) {
        k += (size_t)snprintf(j + k, cap - k, "%s\"S%d\"", i ? "," : "", i);
    }
    k += (size_t)snprintf(j + k, cap - k, "]}}]}");
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(cf_schema_compile(j, k, NULL, &s, &err), CFAVRO_OK);
    const cf_node *r = root(s);
    assert_int_equal(r->count, 2 * n + 1);
    for (int i = 0; i < n; i++) {
        assert_int_equal(r->fields[n + i].type, r->fields[n - 1 - i].type);
        assert_int_equal(field_node(s, r, (uint32_t)i)->count, (uint32_t)(i % 7));
    }
    const cf_node *e = field_node(s, r, 2 * n);
    assert_int_equal(e->count, 20000);
    assert_str(e->symbols[19999], "\"S19999\"");
    assert_str(e->symbol_names[12345], "S12345");
    assert_int_equal(s->node_count, n + 2);
    cf_schema_free(s);
    /* and a duplicate at the very end is still found */
    memcpy(j + k - 5, ",\"S7\"]}}]}", 11);
    assert_int_equal(cf_schema_compile(j, k + 5, NULL, &s, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_non_null(strstr(err.message, "duplicate symbol \"S7\" (symbols 7 and 20000)"));
    free(j);
}

/* ------------------------------------------------------------------------ */
/* Helpers of schema_names.c                                                 */
/* ------------------------------------------------------------------------ */

static void test_json_escape(void **state)
{
    (void)state;
    cf_arena a;
    cf_arena_init(&a, 0);
    cf_str out;
    const char raw[] = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f\xc3\xa9";
    assert_int_equal(cf_arena_json_wrap(&a, "{\"", raw, sizeof raw - 1, "\":", &out), 0);
    assert_str(out, "{\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\xc3\xa9\":");
    assert_int_equal(cf_arena_json_wrap(&a, "\"", "", 0, "\"", &out), 0);
    assert_str(out, "\"\"");
    /* Large requests get their own block; small ones keep coming. */
    void *big = cf_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    for (int i = 0; i < 1000; i++) {
        char *p = cf_arena_alloc(&a, 100);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % sizeof(void *), 0);
        memset(p, 2, 100);
    }
    assert_null(cf_arena_alloc(&a, SIZE_MAX - 3));
    assert_null(cf_arena_calloc(&a, SIZE_MAX / 4, 8));
    cf_arena_release(a.head);
    cf_arena_release(NULL);
}

static void test_names_helpers(void **state)
{
    (void)state;
    assert_true(cf_avro_name_valid("_", 1));
    assert_true(cf_avro_name_valid("aZ_09", 5));
    assert_false(cf_avro_name_valid("", 0));
    assert_false(cf_avro_name_valid("0a", 2));
    assert_false(cf_avro_name_valid("a.b", 3));
    assert_true(cf_avro_namespace_valid("a.b_1.c", 7));
    assert_false(cf_avro_namespace_valid("a..b", 4));
    assert_false(cf_avro_namespace_valid(".a", 2));
    assert_false(cf_avro_namespace_valid("a.", 2));
    assert_int_equal(cf_avro_primitive_kind("string", 6), CF_STRING);
    assert_int_equal(cf_avro_primitive_kind("null", 4), CF_NULL);
    assert_int_equal(cf_avro_primitive_kind("nul", 3), -1);
    assert_int_equal(cf_avro_primitive_kind("record", 6), -1);
    char buf[16];
    assert_string_equal(cf_msg_text(buf, sizeof buf, "a\x01z", 3), "a?z");
    assert_string_equal(cf_msg_text(buf, sizeof buf, "abcdefghijklmnopq", 17), "abcdefghijkl...");
    assert_string_equal(cf_msg_text(buf, 4, "abc", 3), "");

    cf_strtab t;
    cf_strtab_init(&t);
    assert_int_equal(cf_strtab_get(&t, "x", 1), CF_STRTAB_MISSING);
    char keys[1000][8];
    uint32_t old;
    for (uint32_t i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%u", i);
        assert_int_equal(cf_strtab_put(&t, keys[i], strlen(keys[i]), i, &old), 0);
        assert_int_equal(old, CF_STRTAB_MISSING);
    }
    assert_int_equal(cf_strtab_put(&t, "k5", 2, 77, &old), 0);
    assert_int_equal(old, 5);
    for (uint32_t i = 0; i < 1000; i++) {
        assert_int_equal(cf_strtab_get(&t, keys[i], strlen(keys[i])), i);
    }
    cf_strtab_reset(&t);
    assert_int_equal(t.count, 0);
    assert_int_equal(cf_strtab_get(&t, "k5", 2), CF_STRTAB_MISSING);
    assert_int_equal(cf_strtab_put(&t, "k5", 2, 9, &old), 0);
    assert_int_equal(old, CF_STRTAB_MISSING);
    assert_int_equal(cf_strtab_get(&t, "k5", 2), 9);
    /* One key in two spaces: two entries; space 0 is the plain calls'. */
    assert_int_equal(cf_strtab_put_in(&t, 3, "k5", 2, 30, &old), 0);
    assert_int_equal(old, CF_STRTAB_MISSING);
    assert_int_equal(cf_strtab_put_in(&t, 4, "k5", 2, 40, &old), 0);
    assert_int_equal(old, CF_STRTAB_MISSING);
    assert_int_equal(cf_strtab_put_in(&t, 3, "k5", 2, 99, &old), 0);
    assert_int_equal(old, 30);
    assert_int_equal(cf_strtab_get_in(&t, 3, "k5", 2), 30);
    assert_int_equal(cf_strtab_get_in(&t, 4, "k5", 2), 40);
    assert_int_equal(cf_strtab_get_in(&t, 0, "k5", 2), 9);
    assert_int_equal(cf_strtab_get_in(&t, 5, "k5", 2), CF_STRTAB_MISSING);
    for (uint32_t i = 0; i < 1000; i++) { /* growth keeps the spaces apart */
        assert_int_equal(cf_strtab_put_in(&t, i + 1, keys[i], strlen(keys[i]), i, &old), 0);
    }
    assert_int_equal(cf_strtab_get_in(&t, 3, "k5", 2), 30);
    assert_int_equal(cf_strtab_get_in(&t, 6, "k5", 2), 5);
    assert_int_equal(cf_strtab_get(&t, "k5", 2), 9);
    assert_int_equal(cf_strtab_get(&t, "k6", 2), CF_STRTAB_MISSING);
    /* The generation wrapping around clears stale entries for real. */
    t.gen = UINT32_MAX;
    assert_int_equal(cf_strtab_put(&t, "zz", 2, 1, &old), 0);
    cf_strtab_reset(&t);
    assert_int_equal(t.gen, 1);
    assert_int_equal(cf_strtab_get(&t, "zz", 2), CF_STRTAB_MISSING);
    assert_int_equal(cf_strtab_get(&t, "k5", 2), CF_STRTAB_MISSING);
    cf_strtab_free(&t);
}

/* ------------------------------------------------------------------------ */
/* Failing allocations                                                       */
/* ------------------------------------------------------------------------ */

/* Fail allocation 1, 2, ... until the compile succeeds: every failure must
 * report NOMEM and leave nothing allocated. Returns how many allocations a
 * full compile makes. */
static long alloc_sweep(const char *json, size_t len, int final_status)
{
    long n;
    for (n = 1;; n++) {
        alloc_hooks_on(n, -1);
        cf_schema *s = (cf_schema *)0x1;
        cfavro_error err;
        int rc = cf_schema_compile(json, len, NULL, &s, &err);
        if (alloc_calls() < n) { /* no allocation failed: the full run */
            assert_int_equal(rc, final_status);
            cf_schema_free(s);
            assert_int_equal(alloc_live(), 0);
            break;
        }
        if (rc != CFAVRO_E_NOMEM) {
            alloc_hooks_off();
            fail_msg("allocation %ld failed but status is %d (%s)", n, rc, err.message);
        }
        assert_null(s);
        assert_int_equal(err.status, CFAVRO_E_NOMEM);
        assert_int_equal(alloc_live(), 0);
    }
    alloc_hooks_off();
    return n - 1;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data_file("wide.avsc", &len);
    long allocs = alloc_sweep(text, len, CFAVRO_OK);
    assert_true(allocs >= 3);
    print_message("wide.avsc compiles with %ld allocations\n", allocs);
    free(text);

    text = read_data_file("trade.avsc", &len);
    allocs = alloc_sweep(text, len, CFAVRO_OK);
    print_message("trade.avsc compiles with %ld allocations\n", allocs);
    free(text);

    char *j = sq("{'type': 'record', 'name': 'L', 'fields': [{'name': 'v', 'type': 'int'},"
                 " {'name': 'n', 'type': ['null', 'L']}]}");
    alloc_sweep(j, strlen(j), CFAVRO_OK);
    free(j);
    /* More namespaces than the first table holds, each type listed in a
     * union by full name and referenced again: every growth step fails once. */
    bb ns = {0};
    bb_text(&ns, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
    char piece[128];
    for (int i = 0; i < 40; i++) {
        snprintf(piece, sizeof piece,
                 "{\"name\":\"a%d\",\"type\":{\"type\":\"fixed\",\"name\":\"F\","
                 "\"namespace\":\"n%d.m\",\"size\":1}},",
                 i, i);
        bb_text(&ns, piece);
    }
    bb_text(&ns, "{\"name\":\"u\",\"type\":[\"null\"");
    for (int i = 0; i < 40; i++) {
        snprintf(piece, sizeof piece, ",\"n%d.m.F\"", i);
        bb_text(&ns, piece);
    }
    bb_text(&ns, "]},{\"name\":\"v\",\"type\":[\"n3.m.F\",\"n2.m.F\"]}]}");
    alloc_sweep((const char *)ns.d, ns.n, CFAVRO_OK);
    bb_free(&ns);
    /* Failing schemas free what they built before the error. */
    j = sq("{'type': 'record', 'name': 'R', 'fields': [{'name': 'a', 'type':"
           " {'type': 'enum', 'name': 'E', 'symbols': ['A']}}, {'name': 'b', 'type': 'dobule'}]}");
    alloc_sweep(j, strlen(j), CFAVRO_E_SCHEMA_INVALID);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_default),
        cmocka_unit_test(test_primitives),
        cmocka_unit_test(test_json_copy),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_array_map),
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_trade),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_logical),
        cmocka_unit_test(test_decimal_digits),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_aliases_defaults),
        cmocka_unit_test(test_field_defaults_unchecked),
        cmocka_unit_test(test_message_fits),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_names_helpers),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
