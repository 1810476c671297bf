/*
 * Schema resolution (src/schema/schema_resolve.c, schema_defaults.c and the
 * walker's CF_RESOLVED nodes): for each rule of the specification's "Schema
 * Resolution", writer bytes built by hand, a reader schema and the exact
 * JSON the walker emits; every incompatibility with the path it reports;
 * defaults of every type; data that fails only under a reader schema.
 *
 * Schemas are written with single quotes for readability and turned into
 * JSON by sq().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "options_internal.h"
#include "schema_internal.h"
#include "schema_resolve_internal.h"
#include "test_support.h"
#include "walk_internal.h"
#include "walk_json_internal.h"

static cf_walk_keys test_keys;

static int free_test_keys(void **state)
{
    (void)state;
    cf_walk_keys_free(&test_keys);
    return 0;
}

/* A schema from single-quoted JSON text. */
static cf_schema *sq(const char *text)
{
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i <= n; i++) {
        t[i] = text[i] == '\'' ? '"' : text[i];
    }
    cf_schema *s = NULL;
    cfavro_error err;
    int rc = cf_schema_compile(t, n, NULL, &s, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("schema refused: %s (%s)", err.message, t);
    }
    free(t);
    return s;
}

/* The pair writer/reader, resolved (and the compiled schemas, to free). */
typedef struct pair {
    cf_schema *w;
    cf_schema *r;
    cf_schema *prog;
} pair;

static pair resolve_ok(const char *writer, const char *reader)
{
    pair p = {sq(writer), sq(reader), NULL};
    cfavro_error err;
    int rc = cf_schema_resolve(p.w, p.r, NULL, &p.prog, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("resolve failed (%d): %s", rc, err.message);
    }
    return p;
}

static void pair_free(pair *p)
{
    cf_schema_free(p->prog);
    cf_schema_free(p->r);
    cf_schema_free(p->w);
}

/* Decode payload with prog; the JSON (malloc'd) or NULL with *err set. The
 * validate walk must agree on the status. */
static char *run(const cf_schema *prog, const uint8_t *d, size_t n, cfavro_error *err)
{
    cf_walk_limits limits;
    cf_walk_limits_default(&limits);
    cf_json_options jopt;
    cf_json_options_default(&jopt);
    cf_buf out = {NULL, 0, 0, (size_t)1 << 20};
    cfavro_error verr;
    int rc = cf_walk_json(prog, &limits, &test_keys, &jopt, d, n, 0, &out, err);
    int vrc = cf_walk_validate(prog, &limits, &test_keys, d, n, 0, &verr);
    assert_int_equal(vrc, rc);
    if (rc != CFAVRO_OK) {
        assert_string_equal(verr.path, err->path);
        cf_buf_free(&out);
        return NULL;
    }
    char *s = malloc(out.len + 1);
    assert_non_null(s);
    memcpy(s, out.data, out.len);
    s[out.len] = '\0';
    cf_buf_free(&out);
    return s;
}

static void expect_json(const cf_schema *prog, const bb *b, const char *want)
{
    cfavro_error err;
    char *got = run(prog, b->d, b->n, &err);
    if (got == NULL) {
        fail_msg("decode failed (%d): %s at %s", err.status, err.message, err.path);
    }
    assert_string_equal(got, want);
    free(got);
}

static void expect_data_error(const cf_schema *prog, const bb *b, int status, const char *path,
                              const char *msg_part)
{
    cfavro_error err;
    char *got = run(prog, b->d, b->n, &err);
    if (got != NULL) {
        fail_msg("decoded to %s, expected status %d", got, status);
    }
    assert_int_equal(err.status, status);
    assert_string_equal(err.path, path);
    assert_contains(err.message, msg_part);
}

static void expect_incompatible(const char *writer, const char *reader, int status,
                                const char *path, const char *msg)
{
    cf_schema *w = sq(writer), *r = sq(reader), *prog = (cf_schema *)1;
    cfavro_error err;
    assert_int_equal(cf_schema_resolve(w, r, NULL, &prog, &err), status);
    assert_null(prog);
    assert_int_equal(err.status, status);
    assert_string_equal(err.path, path);
    assert_contains(err.message, msg);
    cf_schema_free(w);
    cf_schema_free(r);
}

/* ---- identity -------------------------------------------------------------- */

/* A reader equal to the writer resolves to the reader's own program: no
 * resolution node at all, recursion included. */
static void same_schema_is_the_reader_program(void **state)
{
    (void)state;
    const char *s = "{'type':'record','name':'L','fields':[{'name':'v','type':'int'},"
                    "{'name':'next','type':['null','L']},"
                    "{'name':'m','type':{'type':'map','values':{'type':'array','items':'L'}}},"
                    "{'name':'e','type':{'type':'enum','name':'E','symbols':['A','B']}}]}";
    pair p = resolve_ok(s, s);
    assert_int_equal(p.prog->root, p.r->root);
    bb b = {0};
    bb_long(&b, 1);
    bb_long(&b, 1);
    bb_long(&b, 2);
    bb_long(&b, 0);
    bb_long(&b, 0);
    bb_long(&b, 0);
    bb_long(&b, 0);
    bb_long(&b, 1);
    expect_json(p.prog, &b,
                "{\"v\":1,\"next\":{\"L\":{\"v\":2,\"next\":null,\"m\":{},\"e\":\"A\"}},"
                "\"m\":{},\"e\":\"B\"}");
    bb_free(&b);
    pair_free(&p);
}

/* ---- records -------------------------------------------------------------- */

static const char *TRADE_W =
    "{'type':'record','name':'Trade','namespace':'x','fields':["
    "{'name':'id','type':'long'},{'name':'sym','type':'string'},"
    "{'name':'note','type':'string'},{'name':'px','type':'double'},"
    "{'name':'qty','type':'int'}]}";

/* Reordered, dropped and added fields: emitted in the reader's order. */
static void record_reorder_drop_add(void **state)
{
    (void)state;
    pair p = resolve_ok(TRADE_W, "{'type':'record','name':'Trade','namespace':'x','fields':["
                                 "{'name':'qty','type':'int'},"
                                 "{'name':'venue','type':'string','default':'a\\u0000b'},"
                                 "{'name':'px','type':'double'},{'name':'id','type':'long'}]}");
    bb b = {0};
    bb_long(&b, 42);
    bb_str(&b, "ABC");
    bb_str(&b, "dropped");
    bb_double(&b, 1.5);
    bb_long(&b, 7);
    expect_json(p.prog, &b, "{\"qty\":7,\"venue\":\"a\\u0000b\",\"px\":1.5,\"id\":42}");
    /* A truncated field the reader saves for later fails where the bytes
     * end, named by the writer's field. */
    bb t = {0};
    bb_long(&t, 42);
    bb_str(&t, "ABC");
    bb_long(&t, 20); /* note: 20 bytes announced, none present */
    expect_data_error(p.prog, &t, CFAVRO_E_DATA_LENGTH, "Trade.note", "beyond the end");
    bb_free(&t);
    bb_free(&b);
    pair_free(&p);
}

/* Fields matched through the reader field's aliases; a record through the
 * reader's alias, relative to the reader's namespace. */
static void aliases_of_fields_and_names(void **state)
{
    (void)state;
    pair p = resolve_ok(TRADE_W, "{'type':'record','name':'Deal','namespace':'x',"
                                 "'aliases':['Trade'],'fields':["
                                 "{'name':'price','aliases':['px'],'type':'double'},"
                                 "{'name':'symbol','aliases':['ticker','sym'],'type':'string'}]}");
    bb b = {0};
    bb_long(&b, 1);
    bb_str(&b, "XY");
    bb_str(&b, "");
    bb_double(&b, -2.25);
    bb_long(&b, 3);
    expect_json(p.prog, &b, "{\"price\":-2.25,\"symbol\":\"XY\"}");
    bb_free(&b);
    pair_free(&p);
    /* A full-name alias in another namespace. */
    p = resolve_ok(TRADE_W, "{'type':'record','name':'y.Deal','aliases':['x.Trade'],'fields':["
                            "{'name':'qty','type':'long'}]}");
    bb_long(&b, 1);
    bb_str(&b, "XY");
    bb_str(&b, "");
    bb_double(&b, 0);
    bb_long(&b, -3);
    expect_json(p.prog, &b, "{\"qty\":-3}");
    bb_free(&b);
    pair_free(&p);
}

/* Nested records: a map inside a field read out of order (its keys above
 * the saved positions on the key stack), and an array of records losing a
 * field. */
static void nested_saved_fields_and_containers(void **state)
{
    (void)state;
    pair p = resolve_ok(
        "{'type':'record','name':'R','fields':["
        "{'name':'m','type':{'type':'map','values':'int'}},"
        "{'name':'xs','type':{'type':'array','items':{'type':'record','name':'P','fields':["
        "{'name':'a','type':'int'},{'name':'b','type':'string'}]}}},"
        "{'name':'k','type':'int'}]}",
        "{'type':'record','name':'R','fields':[{'name':'k','type':'long'},"
        "{'name':'xs','type':{'type':'array','items':{'type':'record','name':'P','fields':["
        "{'name':'b','type':'string'}]}}},"
        "{'name':'m','type':{'type':'map','values':'long'}}]}");
    bb b = {0};
    bb_long(&b, 2);
    bb_str(&b, "x");
    bb_long(&b, 1);
    bb_str(&b, "y");
    bb_long(&b, -1);
    bb_long(&b, 0);
    bb_long(&b, 2);
    bb_long(&b, 10);
    bb_str(&b, "p");
    bb_long(&b, 11);
    bb_str(&b, "q");
    bb_long(&b, 0);
    bb_long(&b, 5);
    expect_json(p.prog, &b, "{\"k\":5,\"xs\":[{\"b\":\"p\"},{\"b\":\"q\"}],\"m\":{\"x\":1,\"y\":-1}}");
    /* A repeated key in the saved map still fails, at its first reading. */
    bb d = {0};
    bb_long(&d, 2);
    bb_str(&d, "x");
    bb_long(&d, 1);
    bb_str(&d, "x");
    bb_long(&d, 2);
    bb_long(&d, 0);
    bb_long(&d, 0);
    bb_long(&d, 5);
    expect_data_error(p.prog, &d, CFAVRO_E_DATA_MAP_KEY_DUPLICATE, "R.m[\"x\"]", "");
    bb_free(&d);
    bb_free(&b);
    pair_free(&p);
}

/* ---- promotions ------------------------------------------------------------ */

static void promotions(void **state)
{
    (void)state;
    pair p = resolve_ok(
        "{'type':'record','name':'R','fields':[{'name':'a','type':'int'},"
        "{'name':'b','type':'int'},{'name':'c','type':'int'},{'name':'d','type':'long'},"
        "{'name':'e','type':'long'},{'name':'f','type':'float'},{'name':'g','type':'string'},"
        "{'name':'h','type':'bytes'},"
        "{'name':'t','type':'int'}]}",
        "{'type':'record','name':'R','fields':[{'name':'a','type':'long'},"
        "{'name':'b','type':'float'},{'name':'c','type':'double'},{'name':'d','type':'float'},"
        "{'name':'e','type':'double'},{'name':'f','type':'double'},{'name':'g','type':'bytes'},"
        "{'name':'h','type':'string'},"
        "{'name':'t','type':{'type':'long','logicalType':'timestamp-millis'}}]}");
    bb b = {0};
    bb_long(&b, -5);
    bb_long(&b, 16777217); /* int -> float rounds as a float does */
    bb_long(&b, 2147483647);
    bb_long(&b, 3);
    bb_long(&b, 9007199254740993LL); /* long -> double rounds as a double does */
    bb_float(&b, 0.1f);
    bb_str(&b, "\x01\xff");
    bb_str(&b, "h\xc3\xa9");
    bb_long(&b, 1000);
    expect_json(p.prog, &b,
                "{\"a\":-5,\"b\":16777216.0,\"c\":2147483647.0,\"d\":3.0,"
                "\"e\":9007199254740992.0,\"f\":0.10000000149011612,\"g\":\"\\u0001\xc3\xbf\","
                "\"h\":\"h\xc3\xa9\",\"t\":\"1970-01-01T00:00:01.000Z\"}");
    /* bytes read as a string are text: checked as UTF-8. */
    bb bad = {0};
    bb_long(&bad, 0);
    bb_long(&bad, 0);
    bb_long(&bad, 0);
    bb_long(&bad, 0);
    bb_long(&bad, 0);
    bb_float(&bad, 0);
    bb_str(&bad, "");
    bb_str(&bad, "\xff");
    expect_data_error(p.prog, &bad, CFAVRO_E_DATA_UTF8, "R.h", "invalid UTF-8");
    bb_free(&bad);
    bb_free(&b);
    pair_free(&p);
}

/* ---- enums ----------------------------------------------------------------- */

static void enums_by_symbol(void **state)
{
    (void)state;
    const char *w = "{'type':'enum','name':'E','symbols':['A','B','C']}";
    pair p = resolve_ok(w, "{'type':'enum','name':'E','symbols':['C','A']}");
    bb b = {0};
    bb_long(&b, 2);
    expect_json(p.prog, &b, "\"C\"");
    b.n = 0;
    bb_long(&b, 0);
    expect_json(p.prog, &b, "\"A\"");
    b.n = 0;
    bb_long(&b, 1); /* B: the reader has no B and no default */
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_UNRESOLVED, "", "symbol B (index 1)");
    b.n = 0;
    bb_long(&b, 3);
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_ENUM_INDEX, "", "out of range (3 symbols)");
    pair_free(&p);
    p = resolve_ok(w, "{'type':'enum','name':'E','symbols':['C','A','Z'],'default':'Z'}");
    b.n = 0;
    bb_long(&b, 1);
    expect_json(p.prog, &b, "\"Z\"");
    bb_free(&b);
    pair_free(&p);
}

/* ---- unions ---------------------------------------------------------------- */

static void union_to_union(void **state)
{
    (void)state;
    pair p = resolve_ok("['null','int','string','boolean']",
                        "['string','long','null',{'type':'array','items':'int'}]");
    bb b = {0};
    bb_long(&b, 1);
    bb_long(&b, 5);
    expect_json(p.prog, &b, "{\"long\":5}"); /* no int branch: promoted */
    b.n = 0;
    bb_long(&b, 0);
    expect_json(p.prog, &b, "null");
    b.n = 0;
    bb_long(&b, 2);
    bb_str(&b, "s");
    expect_json(p.prog, &b, "{\"string\":\"s\"}");
    b.n = 0;
    bb_long(&b, 3); /* boolean: nothing in the reader, fails only when used */
    bb_byte(&b, 1);
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_UNRESOLVED, "", "branch 3 (boolean)");
    b.n = 0;
    bb_long(&b, 4);
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_UNION_INDEX, "", "out of range (4 branches)");
    pair_free(&p);
    /* An exact branch wins over an earlier promotion. */
    p = resolve_ok("['null','int']", "['null','long','int']");
    b.n = 0;
    bb_long(&b, 1);
    bb_long(&b, -1);
    expect_json(p.prog, &b, "{\"int\":-1}");
    bb_free(&b);
    pair_free(&p);
}

/* A writer branch takes the reader branch of its own full name before one
 * that only lists it as an alias: a schema read as itself is unchanged. */
static void union_branch_exact_name_before_alias(void **state)
{
    (void)state;
    const char *s = "[{'type':'fixed','name':'A','aliases':['B'],'size':1},"
                    "{'type':'fixed','name':'B','size':1}]";
    pair p = resolve_ok(s, s);
    assert_int_equal(p.prog->root, p.r->root);
    bb b = {0};
    bb_long(&b, 1);
    bb_byte(&b, 'x');
    expect_json(p.prog, &b, "{\"B\":\"x\"}");
    pair_free(&p);
    /* Through the alias when the reader has no type of that name. */
    p = resolve_ok(s, "['null',{'type':'fixed','name':'A','aliases':['B'],'size':1}]");
    expect_json(p.prog, &b, "{\"A\":\"x\"}");
    bb_free(&b);
    pair_free(&p);
}

static void union_and_non_union(void **state)
{
    (void)state;
    /* writer union, reader not: the branch that matches, else a data error */
    pair p = resolve_ok("{'type':'record','name':'R','fields':[{'name':'u',"
                        "'type':['null','int']}]}",
                        "{'type':'record','name':'R','fields':[{'name':'u','type':'double'}]}");
    bb b = {0};
    bb_long(&b, 1);
    bb_long(&b, 4);
    expect_json(p.prog, &b, "{\"u\":4.0}");
    b.n = 0;
    bb_long(&b, 0);
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_UNRESOLVED, "R.u", "branch 0 (null)");
    pair_free(&p);
    /* writer not a union, reader one: the reader branch it matches */
    p = resolve_ok("{'type':'record','name':'R','fields':[{'name':'u','type':'int'}]}",
                   "{'type':'record','name':'R','fields':[{'name':'u',"
                   "'type':['null','string','long']}]}");
    b.n = 0;
    bb_long(&b, 9);
    expect_json(p.prog, &b, "{\"u\":{\"long\":9}}");
    bb_free(&b);
    pair_free(&p);
}

/* ---- named types, fixed, recursion ------------------------------------------ */

static void fixed_and_recursion(void **state)
{
    (void)state;
    pair p = resolve_ok("{'type':'fixed','name':'a.F','size':2}",
                        "{'type':'fixed','name':'b.G','aliases':['a.F'],'size':2}");
    assert_int_equal(p.prog->root, p.r->root); /* same encoding */
    bb b = {0};
    bb_raw(&b, "\x01\x02", 2);
    expect_json(p.prog, &b, "\"\\u0001\\u0002\"");
    pair_free(&p);
    /* A recursive list whose values are promoted: the resolution is a
     * cycle like the schemas. */
    p = resolve_ok("{'type':'record','name':'L','fields':[{'name':'v','type':'int'},"
                   "{'name':'next','type':['null','L']}]}",
                   "{'type':'record','name':'L','fields':[{'name':'v','type':'double'},"
                   "{'name':'next','type':['null','L']},"
                   "{'name':'n','type':'int','default':0}]}");
    b.n = 0;
    bb_long(&b, 1);
    bb_long(&b, 1);
    bb_long(&b, 2);
    bb_long(&b, 1);
    bb_long(&b, 3);
    bb_long(&b, 0);
    expect_json(p.prog, &b,
                "{\"v\":1.0,\"next\":{\"L\":{\"v\":2.0,\"next\":{\"L\":{\"v\":3.0,"
                "\"next\":null,\"n\":0}},\"n\":0}},\"n\":0}");
    bb_free(&b);
    pair_free(&p);
}

/* ---- defaults ---------------------------------------------------------------- */

/* Every type's default, from a writer with no fields: rendered as the
 * same values sent by a writer would be. */
static void defaults_of_every_type(void **state)
{
    (void)state;
    pair p = resolve_ok(
        "{'type':'record','name':'R','fields':[]}",
        "{'type':'record','name':'R','fields':["
        "{'name':'n','type':'null','default':null},"
        "{'name':'b','type':'boolean','default':true},"
        "{'name':'i','type':'int','default':-2147483648},"
        "{'name':'l','type':'long','default':9223372036854775807},"
        "{'name':'f','type':'float','default':1.5},"
        "{'name':'d','type':'double','default':-0.25},"
        "{'name':'by','type':'bytes','default':'\\u00ff\\u0000a'},"
        "{'name':'s','type':'string','default':'x\\u0000y\\u00e9'},"
        "{'name':'e','type':{'type':'enum','name':'E','symbols':['P','Q']},'default':'Q'},"
        "{'name':'fx','type':{'type':'fixed','name':'F','size':2},'default':'\\u0001\\u0080'},"
        "{'name':'a','type':{'type':'array','items':'int'},'default':[1,-1]},"
        "{'name':'ae','type':{'type':'array','items':'int'},'default':[]},"
        "{'name':'m','type':{'type':'map','values':'string'},'default':{'k':'v\\u0000'}},"
        "{'name':'r','type':{'type':'record','name':'S','fields':["
        "{'name':'x','type':'int'},{'name':'y','type':'string','default':'dy'}]},"
        "'default':{'x':4}},"
        "{'name':'u','type':['null','int'],'default':null},"
        "{'name':'u2','type':['int','null'],'default':6},"
        "{'name':'ts','type':{'type':'long','logicalType':'timestamp-millis'},'default':0},"
        "{'name':'dec','type':{'type':'bytes','logicalType':'decimal','precision':4,'scale':2},"
        "'default':'\\u0001'},"
        "{'name':'dt','type':{'type':'int','logicalType':'date'},'default':1}]}");
    bb b = {0};
    expect_json(p.prog, &b,
                "{\"n\":null,\"b\":true,\"i\":-2147483648,\"l\":9223372036854775807,"
                "\"f\":1.5,\"d\":-0.25,\"by\":\"\xc3\xbf\\u0000a\",\"s\":\"x\\u0000y\xc3\xa9\","
                "\"e\":\"Q\",\"fx\":\"\\u0001\xc2\x80\",\"a\":[1,-1],\"ae\":[],"
                "\"m\":{\"k\":\"v\\u0000\"},\"r\":{\"x\":4,\"y\":\"dy\"},\"u\":null,"
                "\"u2\":{\"int\":6},\"ts\":\"1970-01-01T00:00:00.000Z\",\"dec\":\"0.01\","
                "\"dt\":\"1970-01-02\"}");
    bb_free(&b);
    pair_free(&p);
}

/* Decode b with prog to JSON under opt, output limited to `limit` bytes:
 * the JSON (malloc'd), or NULL with *err set. */
static char *run_opt(const cf_schema *prog, const bb *b, const cf_json_options *opt,
                     size_t limit, cfavro_error *err)
{
    cf_walk_limits limits;
    cf_walk_limits_default(&limits);
    cf_buf out = {NULL, 0, 0, limit};
    int rc = cf_walk_json(prog, &limits, &test_keys, opt, b->d, b->n, 0, &out, err);
    char *s = NULL;
    if (rc == CFAVRO_OK) {
        s = malloc(out.len + 1);
        assert_non_null(s);
        memcpy(s, out.data, out.len);
        s[out.len] = '\0';
    }
    cf_buf_free(&out);
    return s;
}

/* The steps of a resolved record program (the test's own: it may change
 * them). */
static cf_rstep *record_steps(const cf_schema *prog, uint32_t *count)
{
    const cf_node *root = &prog->nodes[prog->root];
    assert_int_equal(root->kind, CF_RESOLVED);
    *count = root->res->count;
    return (cf_rstep *)root->res->steps;
}

/* Make the program's DEFAULT_VALUE steps walk their encoded bytes (walk
 * true: DEFAULT) or not (DEFAULT_VALUE again); returns how many it changed.
 * A DEFAULT_VALUE step keeps everything DEFAULT needs. */
static size_t walk_default_values(const cf_schema *prog, const uint8_t *orig, bool walk)
{
    uint32_t count;
    cf_rstep *steps = record_steps(prog, &count);
    size_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (orig[i] == CF_RSTEP_DEFAULT_VALUE) {
            steps[i].op = walk ? CF_RSTEP_DEFAULT : CF_RSTEP_DEFAULT_VALUE;
            n++;
        }
    }
    return n;
}

/* A default that is one value of a primitive, enum or fixed type, alone or
 * as a union's first branch, goes to the emitter's hook directly (a
 * DEFAULT_VALUE step, read back from its encoded bytes when the pair is
 * compiled); anything else walks its bytes (DEFAULT). Both must give the
 * same output under every rendering option, and fail alike (status, offset,
 * path) wherever the output limit stops them: checked against the same
 * program with its DEFAULT_VALUE steps switched to walking. */
static void default_values_render_as_their_bytes(void **state)
{
    (void)state;
    pair p = resolve_ok(
        "{'type':'record','name':'R','fields':[{'name':'k','type':'int'}]}",
        "{'type':'record','name':'R','fields':["
        "{'name':'n','type':'null','default':null},"
        "{'name':'b','type':'boolean','default':false},"
        "{'name':'i','type':'int','default':-7},"
        "{'name':'l','type':'long','default':-9223372036854775808},"
        "{'name':'f','type':'float','default':0.1},"
        "{'name':'d','type':'double','default':1e300},"
        "{'name':'s','type':'string','default':'a\\u0000\\u00e9\\n'},"
        "{'name':'by','type':'bytes','default':'\\u0000\\u00ff'},"
        "{'name':'k','type':'int'},"
        "{'name':'e','type':{'type':'enum','name':'E','symbols':['P','Q']},'default':'P'},"
        "{'name':'fx','type':{'type':'fixed','name':'F','size':3},'default':'\\u0001ab'},"
        "{'name':'u','type':{'type':'fixed','name':'U','size':16,'logicalType':'uuid'},"
        "'default':'0123456789abcdef'},"
        "{'name':'o1','type':['null','long'],'default':null},"
        "{'name':'o2','type':['string','null'],'default':'x'},"
        "{'name':'o3','type':[{'type':'int','logicalType':'date'},'null'],'default':3},"
        "{'name':'ts','type':{'type':'long','logicalType':'timestamp-micros'},'default':1},"
        "{'name':'tm','type':{'type':'int','logicalType':'time-millis'},'default':1000},"
        "{'name':'dec','type':{'type':'bytes','logicalType':'decimal','precision':5,'scale':1},"
        "'default':'\\u00ff'},"
        "{'name':'rec','type':{'type':'record','name':'S','fields':[{'name':'x','type':'int'}]},"
        "'default':{'x':1}},"
        "{'name':'arr','type':{'type':'array','items':'int'},'default':[2]}]}");
    uint32_t count;
    const cf_rstep *steps = record_steps(p.prog, &count);
    uint8_t orig[32];
    assert_true(count <= sizeof orig);
    size_t walked_defaults = 0;
    for (uint32_t i = 0; i < count; i++) {
        orig[i] = steps[i].op;
        walked_defaults += steps[i].op == CF_RSTEP_DEFAULT;
    }
    assert_int_equal(walked_defaults, 2); /* the record and the array */
    bb b = {0};
    bb_long(&b, 5);
    cf_json_options opts[3];
    cf_json_options_default(&opts[0]);
    opts[1] = opts[0];
    opts[1].union_style = CF_UNION_PLAIN;
    opts[1].time_style = CF_TIME_EPOCH;
    opts[1].bytes_mode = CF_BYTES_BASE64;
    opts[2] = opts[0];
    opts[2].logical = false;
    opts[2].bytes_mode = CF_BYTES_HEX;
    for (size_t o = 0; o < 3; o++) {
        cfavro_error err;
        char *direct = run_opt(p.prog, &b, &opts[o], SIZE_MAX, &err);
        assert_non_null(direct);
        assert_int_equal(walk_default_values(p.prog, orig, true), 17);
        char *walked = run_opt(p.prog, &b, &opts[o], SIZE_MAX, &err);
        assert_non_null(walked);
        assert_string_equal(direct, walked);
        for (size_t limit = 0; limit < strlen(walked); limit++) {
            cfavro_error ew, ed;
            assert_null(run_opt(p.prog, &b, &opts[o], limit, &ew));
            walk_default_values(p.prog, orig, false);
            assert_null(run_opt(p.prog, &b, &opts[o], limit, &ed));
            walk_default_values(p.prog, orig, true);
            assert_int_equal(ed.status, CFAVRO_E_LIMIT_OUTPUT);
            assert_int_equal(ed.status, ew.status);
            assert_int_equal(ed.offset, ew.offset);
            assert_string_equal(ed.path, ew.path);
            assert_string_equal(ed.message, ew.message);
        }
        walk_default_values(p.prog, orig, false);
        free(walked);
        free(direct);
    }
    /* The validate walk takes the same steps. */
    cfavro_error err;
    char *json = run(p.prog, b.d, b.n, &err);
    assert_non_null(json);
    assert_string_equal(json,
                        "{\"n\":null,\"b\":false,\"i\":-7,\"l\":-9223372036854775808,\"f\":0.1,"
                        "\"d\":1e+300,\"s\":\"a\\u0000\xc3\xa9\\n\",\"by\":\"\\u0000\xc3\xbf\","
                        "\"k\":5,\"e\":\"P\",\"fx\":\"\\u0001ab\","
                        "\"u\":\"30313233-3435-3637-3839-616263646566\",\"o1\":null,"
                        "\"o2\":{\"string\":\"x\"},\"o3\":{\"int\":\"1970-01-04\"},"
                        "\"ts\":\"1970-01-01T00:00:00.000001Z\",\"tm\":\"00:00:01.000\","
                        "\"dec\":\"-0.1\",\"rec\":{\"x\":1},\"arr\":[2]}");
    free(json);
    bb_free(&b);
    pair_free(&p);
}

/* U+0000 in a map default's keys (which jansson cannot hold: the compiler
 * parses such a text with a private-use stand-in, schema_nul_keys.c): the
 * key comes out with its U+0000, in maps nested in records and arrays too,
 * and a stand-in never replaces a private-use character the schema has
 * itself, raw or escaped in either case. */
static void defaults_with_nul_in_map_keys(void **state)
{
    (void)state;
    pair p = resolve_ok(
        "{'type':'record','name':'R','fields':[]}",
        "{'type':'record','name':'R','x-\\u0000':'a key of an attribute','fields':["
        "{'name':'m','type':{'type':'map','values':'int'},'default':{'a\\u0000b':1}},"
        "{'name':'m2','type':{'type':'map','values':'string'},"
        "'default':{'\\u0000':'\\u0000','\\uE000':'\xee\x80\x81','\\u0000\\u0000x':'\\ue002'}},"
        "{'name':'r','type':{'type':'record','name':'S','fields':["
        "{'name':'k','type':{'type':'map','values':'null'},'default':{'own\\u0000':null}},"
        "{'name':'n','type':{'type':'array','items':{'type':'map','values':'int'}}}]},"
        "'default':{'n':[{'\\u0000':2}],'ignored\\u0000':3}}]}");
    bb b = {0};
    expect_json(p.prog, &b,
                "{\"m\":{\"a\\u0000b\":1},"
                "\"m2\":{\"\\u0000\":\"\\u0000\",\"\xee\x80\x80\":\"\xee\x80\x81\","
                "\"\\u0000\\u0000x\":\"\xee\x80\x82\"},"
                "\"r\":{\"k\":{\"own\\u0000\":null},\"n\":[{\"\\u0000\":2}]}}");
    bb_free(&b);
    pair_free(&p);
}

/* Schema texts with U+0000 in keys are refused exactly as without it where
 * they are wrong: a repeated key (the message shows the text's \u0000), a
 * syntax error after the key (the same line and column as the same text
 * with another key), and, when the text holds every private-use code point
 * a stand-in could be, the NUL key itself. */
static void nul_in_keys_keeps_errors(void **state)
{
    (void)state;
    cf_schema *s = NULL;
    cfavro_error err;
    const char *dup = "{\"type\":\"map\",\"values\":\"int\",\"default\":{\"a\\u0000\":1,"
                      "\"a\\u0000\":2}}";
    assert_int_equal(cf_schema_compile(dup, strlen(dup), NULL, &s, &err),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_contains(err.message, "duplicate object key");
    assert_contains(err.message, "a\\x5cu0000"); /* the excerpt's \ */
    const char *late = "{\"type\":\"map\",\"values\":\"int\",\n\"default\":{\"a\\u0000\":1}, x}";
    const char *plain = "{\"type\":\"map\",\"values\":\"int\",\n\"default\":{\"a\\u0041\":1}, x}";
    cfavro_error err2;
    assert_int_equal(cf_schema_compile(late, strlen(late), NULL, &s, &err),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_int_equal(cf_schema_compile(plain, strlen(plain), NULL, &s, &err2),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_string_equal(err.message, err2.message);
    assert_contains(err.message, "line 2");
    /* Every stand-in taken: U+E000..U+F8FF raw in a doc, but one given as
     * an escape in lower case; with that one left out, the text compiles. */
    size_t n = (0xF8FF - 0xE000 + 1) * 3 + 200;
    char *t = malloc(n);
    assert_non_null(t);
    for (int leave_out = 0; leave_out < 2; leave_out++) {
        size_t k = (size_t)sprintf(t, "{\"type\":\"map\",\"values\":\"int\",\"doc\":\"");
        for (uint32_t cp = 0xE000; cp <= 0xF8FF; cp++) {
            if (cp == 0xF123) {
                if (!leave_out) {
                    k += (size_t)sprintf(t + k, "\\uf123");
                }
                continue;
            }
            t[k++] = (char)(0xE0 | (cp >> 12));
            t[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            t[k++] = (char)(0x80 | (cp & 0x3F));
        }
        k += (size_t)sprintf(t + k, "\",\"default\":{\"\\u0000\":1}}");
        int rc = cf_schema_compile(t, k, NULL, &s, &err);
        if (leave_out) {
            assert_int_equal(rc, CFAVRO_OK);
            cf_schema_free(s);
        } else {
            assert_int_equal(rc, CFAVRO_E_SCHEMA_INVALID);
            assert_contains(err.message, "NUL byte in object key");
        }
    }
    free(t);
}

/* Out of memory anywhere while a reader with U+0000 in map default keys
 * is compiled and resolved (the stand-in's copy of the text included):
 * CFAVRO_E_NOMEM and nothing left allocated, or a program that decodes as
 * it should. */
static void nul_in_keys_out_of_memory(void **state)
{
    (void)state;
    static const char reader[] =
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"m\",\"type\":"
        "{\"type\":\"map\",\"values\":\"int\"},\"default\":{\"a\\u0000b\":1}}]}";
    cf_schema *w = sq("{'type':'record','name':'R','fields':[]}");
    bool finished = false;
    for (long nth = 1; !finished; nth++) {
        cf_schema *r = NULL, *prog = NULL;
        cfavro_error err;
        alloc_hooks_on(nth, -1);
        int rc = cf_schema_compile(reader, sizeof reader - 1, NULL, &r, &err);
        if (rc == CFAVRO_OK) {
            rc = cf_schema_resolve(w, r, NULL, &prog, &err);
        }
        bool failed_one = alloc_calls() >= nth;
        alloc_hooks_off();
        if (rc == CFAVRO_OK) {
            bb b = {0};
            expect_json(prog, &b, "{\"m\":{\"a\\u0000b\":1}}");
            finished = !failed_one;
        } else {
            assert_int_equal(rc, CFAVRO_E_NOMEM);
            assert_true(failed_one);
            assert_null(prog);
        }
        cf_schema_free(prog);
        cf_schema_free(r);
    }
    cf_schema_free(w);
}

static void bad_defaults(void **state)
{
    (void)state;
    const char *w = "{'type':'record','name':'R','fields':[]}";
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':'int',"
                        "'default':'x'}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "R.q: reader default: default a string "
                                                        "is not a valid int");
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':'bytes',"
                        "'default':'\\u0100'}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "above U+00FF");
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':"
                        "{'type':'fixed','name':'F','size':3},'default':'ab'}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "2 bytes for a fixed of 3");
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':"
                        "['null','int'],'default':1}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "not a valid null");
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':"
                        "{'type':'record','name':'S','fields':[{'name':'z','type':'int'}]},"
                        "'default':{}}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "has no field \"z\"");
    expect_incompatible(w,
                        "{'type':'record','name':'R','fields':[{'name':'q','type':'int',"
                        "'default':4294967296}]}",
                        CFAVRO_E_SCHEMA_INVALID, "R.q", "outside 32 bits");
}

/* ---- incompatibilities --------------------------------------------------------- */

static void incompatible_pairs(void **state)
{
    (void)state;
    expect_incompatible(TRADE_W,
                        "{'type':'record','name':'Trade','namespace':'x','fields':["
                        "{'name':'sym','type':'double'}]}",
                        CFAVRO_E_INCOMPATIBLE, "Trade.sym",
                        "Trade.sym: writer string cannot be read as reader double");
    expect_incompatible(TRADE_W,
                        "{'type':'record','name':'Trade','namespace':'x','fields':["
                        "{'name':'newf','type':'int'}]}",
                        CFAVRO_E_INCOMPATIBLE, "Trade.newf",
                        "reader field has no default and writer record x.Trade has no field");
    expect_incompatible(TRADE_W,
                        "{'type':'record','name':'Other','namespace':'x','fields':[]}",
                        CFAVRO_E_INCOMPATIBLE, "Other",
                        "writer record x.Trade cannot be read as reader record x.Other (names");
    expect_incompatible("{'type':'record','name':'R','fields':[{'name':'xs','type':"
                        "{'type':'array','items':'long'}}]}",
                        "{'type':'record','name':'R','fields':[{'name':'xs','type':"
                        "{'type':'array','items':'int'}}]}",
                        CFAVRO_E_INCOMPATIBLE, "R.xs[]", "writer long cannot be read as reader int");
    expect_incompatible("{'type':'record','name':'R','fields':[{'name':'m','type':"
                        "{'type':'map','values':'string'}}]}",
                        "{'type':'record','name':'R','fields':[{'name':'m','type':"
                        "{'type':'map','values':'boolean'}}]}",
                        CFAVRO_E_INCOMPATIBLE, "R.m{}", "writer string cannot be read");
    expect_incompatible("{'type':'enum','name':'E','symbols':['A']}",
                        "{'type':'enum','name':'F','symbols':['A']}", CFAVRO_E_INCOMPATIBLE, "",
                        "writer enum E cannot be read as reader enum F");
    expect_incompatible("{'type':'fixed','name':'F','size':4}",
                        "{'type':'fixed','name':'F','size':8}", CFAVRO_E_INCOMPATIBLE, "",
                        "(sizes differ)");
    expect_incompatible("{'type':'record','name':'R','fields':[{'name':'u','type':'boolean'}]}",
                        "{'type':'record','name':'R','fields':[{'name':'u','type':"
                        "['null','string']}]}",
                        CFAVRO_E_INCOMPATIBLE, "R.u", "writer boolean matches no branch");
    expect_incompatible("['null','boolean']", "'string'", CFAVRO_E_INCOMPATIBLE, "",
                        "no branch of writer union");
    expect_incompatible("{'type':'bytes','logicalType':'decimal','precision':5,'scale':2}",
                        "{'type':'bytes','logicalType':'decimal','precision':5,'scale':3}",
                        CFAVRO_E_INCOMPATIBLE, "", "decimal 5,2");
    expect_incompatible("'bytes'", "'string'", CFAVRO_E_INCOMPATIBLE, "", "read raw");
    expect_incompatible("'long'", "'int'", CFAVRO_E_INCOMPATIBLE, "",
                        "writer long cannot be read as reader int");
}

/* ---- limits -------------------------------------------------------------------- */

/* Skipped values count toward limit.items like any others. */
static void skipped_values_count_toward_limits(void **state)
{
    (void)state;
    pair p = resolve_ok("{'type':'record','name':'R','fields':[{'name':'gone','type':"
                        "{'type':'array','items':'null'}},{'name':'k','type':'int'}]}",
                        "{'type':'record','name':'R','fields':[{'name':'k','type':'int'}]}");
    bb b = {0};
    bb_long(&b, 2000000);
    bb_long(&b, 0);
    bb_long(&b, 1);
    expect_data_error(p.prog, &b, CFAVRO_E_LIMIT_ITEMS, "R.gone", "limit.items");
    b.n = 0;
    bb_long(&b, 3);
    bb_long(&b, 0);
    bb_long(&b, 1);
    expect_json(p.prog, &b, "{\"k\":1}");
    bb_free(&b);
    pair_free(&p);
}

/* A dropped int is still an int: a varint beyond 32 bits fails with the
 * writer's own range status at the dropped field, as decoding with the
 * writer alone would (found by fuzz_resolve). A dropped long of the same
 * bytes passes. */
static void dropped_int_out_of_range(void **state)
{
    (void)state;
    pair p = resolve_ok("{'type':'record','name':'R','fields':[{'name':'gone','type':'int'},"
                        "{'name':'k','type':'int'}]}",
                        "{'type':'record','name':'R','fields':[{'name':'k','type':'int'}]}");
    bb b = {0};
    bb_long(&b, -13622570976LL);
    bb_long(&b, 1);
    expect_data_error(p.prog, &b, CFAVRO_E_DATA_INT_RANGE, "R.gone", "outside 32 bits");
    b.n = 0;
    bb_long(&b, -5);
    bb_long(&b, 1);
    expect_json(p.prog, &b, "{\"k\":1}");
    pair_free(&p);
    p = resolve_ok("{'type':'record','name':'R','fields':[{'name':'gone','type':'long'},"
                   "{'name':'k','type':'int'}]}",
                   "{'type':'record','name':'R','fields':[{'name':'k','type':'int'}]}");
    b.n = 0;
    bb_long(&b, -13622570976LL);
    bb_long(&b, 1);
    expect_json(p.prog, &b, "{\"k\":1}");
    bb_free(&b);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_schema_is_the_reader_program),
        cmocka_unit_test(record_reorder_drop_add),
        cmocka_unit_test(aliases_of_fields_and_names),
        cmocka_unit_test(nested_saved_fields_and_containers),
        cmocka_unit_test(promotions),
        cmocka_unit_test(enums_by_symbol),
        cmocka_unit_test(union_to_union),
        cmocka_unit_test(union_branch_exact_name_before_alias),
        cmocka_unit_test(union_and_non_union),
        cmocka_unit_test(fixed_and_recursion),
        cmocka_unit_test(defaults_of_every_type),
        cmocka_unit_test(default_values_render_as_their_bytes),
        cmocka_unit_test(defaults_with_nul_in_map_keys),
        cmocka_unit_test(nul_in_keys_keeps_errors),
        cmocka_unit_test_teardown(nul_in_keys_out_of_memory, alloc_hooks_off_fixture),
        cmocka_unit_test(bad_defaults),
        cmocka_unit_test(incompatible_pairs),
        cmocka_unit_test(skipped_values_count_toward_limits),
        cmocka_unit_test(dropped_int_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, free_test_keys);
}
