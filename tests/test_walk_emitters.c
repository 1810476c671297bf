/* The walker's emitter seam and its entry points:
 *   - the hook contract of walk_template.h, checked with a third emitter
 *     defined here (it records every hook call), as future emitters will
 *     plug in: order and arguments of the hooks, failures raised by a hook,
 *     rollback, and who applies the UTF-8 policy;
 *   - an empty payload given as NULL (UBSan: no arithmetic on null);
 *   - the top-level bytes rule: any bytes schema, logical type or not, is
 *     the raw payload;
 *   - the varint paths: this file is built twice, once as the library is
 *     and once with the walker compiled -DCF_PORTABLE (test_walk_portable),
 *     where the 8-bytes-at-once varint path must be gone. */
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
#include "test_support.h"
#include "walk_internal.h"
#include "walk_json_internal.h"
#include "walk_read_internal.h"

/* The walks' map-key scratch, shared by every test here (one walk at a
 * time), freed after the last. */
static cf_walk_keys test_keys;

static int free_test_keys(void **state)
{
    (void)state;
    cf_walk_keys_free(&test_keys);
    return 0;
}

/* ---- a recording emitter -------------------------------------------------- */

typedef struct trace_emitter {
    cf_walk core;
    char text[2048]; /* one token per hook call, space-separated */
    size_t len;
    size_t mark;
    int calls;      /* hooks called so far */
    int fail_call;  /* the hook call (1-based) that fails; 0: none */
    int marks, rollbacks;
} trace_emitter;

#define CF_EMITTER trace_emitter
#define CF_WALK_NAME(x) x##_trace
#define CF_EMIT(hook) trace_emit_##hook
#define CF_EMIT_CHECKS_UTF8 0

static void trace_add(trace_emitter *e, const char *fmt, ...) CF_PRINTF(2, 3);
static void trace_add(trace_emitter *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(e->text + e->len, sizeof e->text - e->len, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof e->text - e->len);
    e->len += (size_t)k;
}

/* Every hook goes through here: it logs its token, and the fail_call-th
 * call fails as an emitter would (recorded, at the read position). */
static int trace_hook(trace_emitter *e, const char *fmt, ...) CF_PRINTF(2, 3);
static int trace_hook(trace_emitter *e, const char *fmt, ...)
{
    char token[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(token, sizeof token, fmt, ap);
    va_end(ap);
    trace_add(e, "%s%s", e->len > 0 ? " " : "", token);
    if (++e->calls == e->fail_call) {
        return cf_walk_fail(&e->core, CFAVRO_E_LIMIT_OUTPUT, e->core.p, "trace: failed at %s",
                            token);
    }
    return CFAVRO_OK;
}

static int trace_emit_null(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "null");
}
static int trace_emit_boolean(trace_emitter *e, const cf_node *n, bool v)
{
    return trace_hook(e, "bool:%d", v);
}
static int trace_emit_int(trace_emitter *e, const cf_node *n, int32_t v)
{
    return trace_hook(e, "int:%d%s", (int)v, n->logical == CF_LT_DATE ? "(date)" : "");
}
static int trace_emit_long(trace_emitter *e, const cf_node *n, int64_t v)
{
    return trace_hook(e, "long:%lld", (long long)v);
}
static int trace_emit_float(trace_emitter *e, const cf_node *n, float v)
{
    return trace_hook(e, "float:%g", (double)v);
}
static int trace_emit_double(trace_emitter *e, const cf_node *n, double v)
{
    return trace_hook(e, "double:%g", v);
}
static int trace_emit_string(trace_emitter *e, const cf_node *n, const uint8_t *s, size_t len,
                             size_t *bad_at)
{
    return trace_hook(e, "str:%.*s", (int)len, (const char *)s);
}
static int trace_emit_bytes(trace_emitter *e, const cf_node *n, const uint8_t *s, size_t len)
{
    return trace_hook(e, "bytes:%zu%s", len, n->logical == CF_LT_DECIMAL ? "(decimal)" : "");
}
static int trace_emit_fixed(trace_emitter *e, const cf_node *n, const uint8_t *s, size_t len)
{
    return trace_hook(e, "fixed:%s:%zu", n->name.ptr, len);
}
static int trace_emit_enum(trace_emitter *e, const cf_node *n, uint32_t index)
{
    return trace_hook(e, "enum:%s", n->symbol_names[index].ptr);
}
static int trace_emit_record_begin(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "{%s", n->short_name.ptr);
}
static int trace_emit_field(trace_emitter *e, const cf_node *n, uint32_t i)
{
    return trace_hook(e, ".%s", n->fields[i].name.ptr);
}
static int trace_emit_record_end(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "}");
}
static int trace_emit_array_begin(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "[");
}
static int trace_emit_map_begin(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "<");
}
static int trace_emit_item(trace_emitter *e, const cf_node *n, uint64_t index)
{
    return trace_hook(e, "#%llu", (unsigned long long)index);
}
static int trace_emit_map_key(trace_emitter *e, const cf_node *n, const uint8_t *s, size_t len,
                              size_t *bad_at)
{
    return trace_hook(e, "key:%.*s", (int)len, (const char *)s);
}
static int trace_emit_array_end(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, "]");
}
static int trace_emit_map_end(trace_emitter *e, const cf_node *n)
{
    return trace_hook(e, ">");
}
static int trace_emit_branch_begin(trace_emitter *e, const cf_node *n, uint32_t b)
{
    return trace_hook(e, "(%u:%s", b, e->core.nodes[n->branches[b].type].name.ptr);
}
static int trace_emit_branch_end(trace_emitter *e, const cf_node *n, uint32_t b)
{
    return trace_hook(e, "%u)", b);
}
static void trace_emit_mark(trace_emitter *e)
{
    e->marks++;
    e->mark = e->len;
}
static void trace_emit_rollback(trace_emitter *e)
{
    e->rollbacks++;
    e->len = e->mark;
    e->text[e->len] = '\0';
}

#include "walk_template.h"

static cf_schema *compile(const char *json)
{
    cf_schema *s = NULL;
    cfavro_error err;
    if (cf_schema_compile(json, strlen(json), NULL, &s, &err) != CFAVRO_OK) {
        fail_msg("schema refused: %s", err.message);
    }
    return s;
}

/* Walk payload with the trace emitter; the trace stays in *e. */
static int trace_walk(trace_emitter *e, const char *schema_json, const cf_walk_limits *limits,
                      const uint8_t *payload, size_t len, int fail_call, cfavro_error *err)
{
    cf_schema *schema = compile(schema_json);
    cf_walk_limits defaults;
    cf_walk_limits_default(&defaults);
    memset(e, 0, sizeof *e);
    e->fail_call = fail_call;
    int rc = cf_walk_run_trace(e, schema, limits != NULL ? limits : &defaults, &test_keys,
                               payload, len, 3, err);
    cf_schema_free(schema);
    return rc;
}

static const char *EVERY_KIND =
    "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"y\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
    "\"precision\":5,\"scale\":1}},"
    "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"string\"]}},"
    "{\"name\":\"z\",\"type\":{\"type\":\"record\",\"name\":\"Z\",\"fields\":[]}}]}";

/* A value of EVERY_KIND: the array in two blocks (the second with a byte
 * size), the map with two entries. */
static void every_kind_payload(bb *p)
{
    bb_byte(p, 1);            /* b */
    bb_long(p, 3);            /* i */
    bb_long(p, -300);         /* l */
    bb_float(p, 1.5f);        /* f */
    bb_double(p, -0.25);      /* d */
    bb_str(p, "hi");          /* s */
    bb_long(p, 1);            /* y: one byte */
    bb_byte(p, 0x07);
    bb_raw(p, "ab", 2);       /* x */
    bb_long(p, 1);            /* e: B */
    bb_long(p, 1);            /* a: block of 1 */
    bb_long(p, 5);
    bb_long(p, -2);           /* block of 2, 2 bytes */
    bb_long(p, 2);
    bb_long(p, 6);
    bb_long(p, 7);
    bb_long(p, 0);
    bb_long(p, 2);            /* m: block of 2 */
    bb_str(p, "k1");
    bb_long(p, 0);            /* null */
    bb_str(p, "k2");
    bb_long(p, 1);            /* string */
    bb_str(p, "v");
    bb_long(p, 0);
}

static const char *EVERY_KIND_TRACE =
    "{R .n null .b bool:1 .i int:3(date) .l long:-300 .f float:1.5 .d double:-0.25 .s str:hi "
    ".y bytes:1(decimal) .x fixed:t.F2:2 .e enum:B .a [ #0 int:5 #1 int:6 #2 int:7 ] "
    ".m < #0 key:k1 (0:null null 0) #1 key:k2 (1:string str:v 1) > .z {Z } }";

static void test_hooks_in_order(void **state)
{
    (void)state;
    bb p = {0};
    every_kind_payload(&p);
    trace_emitter e;
    cfavro_error err;
    assert_int_equal(trace_walk(&e, EVERY_KIND, NULL, p.d, p.n, 0, &err), CFAVRO_OK);
    assert_string_equal(e.text, EVERY_KIND_TRACE);
    assert_int_equal(e.marks, 1);
    assert_int_equal(e.rollbacks, 0);

    /* The same value through the two real emitters. */
    cf_schema *schema = compile(EVERY_KIND);
    cf_options opt;
    cf_options_default(&opt);
    assert_int_equal(cf_walk_validate(schema, &opt.walk, &test_keys, p.d, p.n, 0, &err),
                     CFAVRO_OK);
    cf_buf out = {NULL, 0, 0, 4096};
    assert_int_equal(
        cf_walk_json(schema, &opt.walk, &test_keys, &opt.json, p.d, p.n, 0, &out, &err),
        CFAVRO_OK);
    const char *want = "{\"n\":null,\"b\":true,\"i\":\"1970-01-04\",\"l\":-300,\"f\":1.5,"
                       "\"d\":-0.25,\"s\":\"hi\",\"y\":\"0.7\",\"x\":\"ab\",\"e\":\"B\","
                       "\"a\":[5,6,7],\"m\":{\"k1\":null,\"k2\":{\"string\":\"v\"}},\"z\":{}}";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    cf_buf_free(&out);
    cf_schema_free(schema);
    bb_free(&p);
}

/* A hook that fails stops the walk at once with its status and position;
 * the walker adds the path and rolls the emitter back. */
static void test_hook_failure(void **state)
{
    (void)state;
    bb p = {0};
    every_kind_payload(&p);
    trace_emitter e;
    cfavro_error err;
    /* Calls: {R(1) .n(2) null(3) .b(4) bool(5) ... the 5th fails. */
    assert_int_equal(trace_walk(&e, EVERY_KIND, NULL, p.d, p.n, 5, &err), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(e.calls, 5);
    assert_int_equal(e.rollbacks, 1);
    assert_int_equal(e.len, 0); /* rolled back to the mark */
    assert_int_equal(err.status, CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(err.offset, 3 + 1); /* msg_offset 3, after the boolean byte */
    assert_string_equal(err.path, "R.b");
    assert_string_equal(err.message, "trace: failed at bool:1");

    /* Fail at each call in turn: the walk always stops there, never
     * calls another hook, and reports a path inside the record. */
    size_t ncalls = 1;
    for (const char *c = EVERY_KIND_TRACE; *c; c++) {
        ncalls += *c == ' ';
    }
    for (int k = 1; k <= (int)ncalls; k++) {
        assert_int_equal(trace_walk(&e, EVERY_KIND, NULL, p.d, p.n, k, &err),
                         CFAVRO_E_LIMIT_OUTPUT);
        assert_int_equal(e.calls, k);
        assert_int_equal(e.rollbacks, 1);
        assert_true(strncmp(err.path, "R", 1) == 0);
    }
    assert_int_equal(trace_walk(&e, EVERY_KIND, NULL, p.d, p.n, (int)ncalls + 1, &err),
                     CFAVRO_OK);
    bb_free(&p);
}

/* With CF_EMIT_CHECKS_UTF8 0 the walker applies the UTF-8 policy: under
 * "error" the hook never sees invalid text, under "replace" it does. */
static void test_utf8_policy_applied_by_walker(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"map\",\"values\":\"string\"}";
    bb p = {0};
    bb_long(&p, 1);
    bb_str(&p, "ok");
    bb_long(&p, 2);
    bb_raw(&p, "a\xff", 2);
    bb_long(&p, 0);
    trace_emitter e;
    cfavro_error err;
    cf_walk_limits limits;
    cf_walk_limits_default(&limits);
    assert_int_equal(trace_walk(&e, schema, &limits, p.d, p.n, 0, &err), CFAVRO_E_DATA_UTF8);
    assert_int_equal(err.offset, 3 + 6); /* the 0xff */
    assert_string_equal(err.path, "[\"ok\"]");
    assert_contains(err.message, "invalid UTF-8");
    assert_int_equal(e.calls, 3); /* < #0 key:ok, then the value failed */

    /* The JSON emitter checks while escaping: same status, offset, path
     * and message. */
    cf_schema *s = compile(schema);
    cf_json_options jopt;
    cf_json_options_default(&jopt);
    cf_buf out = {NULL, 0, 0, 4096};
    cfavro_error jerr, verr;
    assert_int_equal(cf_walk_json(s, &limits, &test_keys, &jopt, p.d, p.n, 3, &out, &jerr),
                     CFAVRO_E_DATA_UTF8);
    assert_int_equal(out.len, 0);
    assert_int_equal(cf_walk_validate(s, &limits, &test_keys, p.d, p.n, 3, &verr),
                     CFAVRO_E_DATA_UTF8);
    assert_int_equal(jerr.offset, err.offset);
    assert_int_equal(verr.offset, err.offset);
    assert_string_equal(jerr.path, err.path);
    assert_string_equal(verr.path, err.path);
    assert_string_equal(jerr.message, err.message);
    assert_string_equal(verr.message, err.message);

    limits.utf8 = CF_UTF8_REPLACE;
    assert_int_equal(trace_walk(&e, schema, &limits, p.d, p.n, 0, &err), CFAVRO_OK);
    assert_string_equal(e.text, "< #0 key:ok str:a\xff >");
    assert_int_equal(cf_walk_json(s, &limits, &test_keys, &jopt, p.d, p.n, 3, &out, &jerr),
                     CFAVRO_OK);
    const char *want = "{\"ok\":\"a\xef\xbf\xbd\"}";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    assert_int_equal(cf_walk_validate(s, &limits, &test_keys, p.d, p.n, 3, &verr), CFAVRO_OK);
    cf_buf_free(&out);
    cf_schema_free(s);
    bb_free(&p);
}

/* ---- an empty payload given as NULL ------------------------------------- */

#define ID 41

/* cfavro_decode_payload_json(dec, id, NULL, 0) walks an empty payload. The
 * walker used to compute NULL + 0, which UBSan (clang) reports as
 * "applying zero offset to null pointer". */
static void expect_null_payload(const char *schema, int status, const char *json_want)
{
    cfavro_client *client = client_with_schema(ID, schema, strlen(schema));
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    const char *json = "x";
    size_t len = 1;
    int rc = cfavro_decode_payload_json(dec, ID, NULL, 0, &json, &len);
    assert_int_equal(rc, status);
    if (status == CFAVRO_OK) {
        assert_string_equal(json, json_want);
        assert_int_equal(len, strlen(json_want));
    } else {
        assert_null(json);
        const cfavro_error *e = cfavro_decoder_error(dec);
        assert_int_equal(e->offset, 0);
        assert_int_equal(e->schema_id, ID);
    }
    cfavro_decoder_free(dec);
    cfavro_client_free(client);

    /* The walker entries directly, both emitters. */
    cf_schema *s = compile(schema);
    cf_options opt;
    cf_options_default(&opt);
    cfavro_error err;
    assert_int_equal(cf_walk_validate(s, &opt.walk, &test_keys, NULL, 0, 5, &err), status);
    cf_buf out = {NULL, 0, 0, 100};
    assert_int_equal(cf_walk_json(s, &opt.walk, &test_keys, &opt.json, NULL, 0, 5, &out, &err),
                     status);
    if (status != CFAVRO_OK) {
        assert_int_equal(err.offset, 5);
        assert_int_equal(out.len, 0);
    }
    cf_buf_free(&out);
    cf_schema_free(s);
}

static void test_null_empty_payload(void **state)
{
    (void)state;
    expect_null_payload("\"null\"", CFAVRO_OK, "null");
    expect_null_payload("\"bytes\"", CFAVRO_OK, "\"\"");
    expect_null_payload("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":3}",
                        CFAVRO_OK, "\"0\"");
    expect_null_payload("{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}", CFAVRO_OK, "\"\"");
    expect_null_payload("{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}", CFAVRO_OK, "{}");
    expect_null_payload("{\"type\":\"array\",\"items\":\"int\"}", CFAVRO_E_DATA_TRUNCATED, NULL);
    expect_null_payload("\"int\"", CFAVRO_E_DATA_TRUNCATED, NULL);
    expect_null_payload("\"string\"", CFAVRO_E_DATA_TRUNCATED, NULL);
}

/* ---- top-level bytes ------------------------------------------------------ */

/* Decode `payload` as a framed message and as an unprefixed payload; both
 * must give `want`, and validation must accept it. */
static void expect_top(const char *schema, const char *const *opts, const uint8_t *payload,
                       size_t n, const char *want)
{
    cfavro_client *client = client_with_schema(ID, schema, strlen(schema));
    cfavro_decoder *dec = decoder_with_options(client, opts);
    bb m = {0};
    bb_header(&m, ID);
    bb_raw(&m, payload, n);
    const char *json = NULL;
    size_t len = 0;
    int rc = cfavro_decode_json(dec, m.d, m.n, &json, &len);
    if (rc != CFAVRO_OK) {
        fail_msg("%s: decode failed (%d): %s", schema, rc, cfavro_decoder_error(dec)->message);
    }
    assert_string_equal(json, want);
    assert_int_equal(cfavro_decode_payload_json(dec, ID, payload, n, &json, &len), CFAVRO_OK);
    assert_string_equal(json, want);
    assert_int_equal(cfavro_validate(dec, m.d, m.n), CFAVRO_OK);
    bb_free(&m);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

static const char *BYTES_PLAIN = "\"bytes\"";
static const char *BYTES_OBJECT = "{\"type\":\"bytes\"}";
static const char *BYTES_DECIMAL =
    "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}";

/* Every spelling of a top-level bytes schema takes the whole payload as
 * its value, with no length prefix, as Confluent's deserializers read it;
 * a logical type then renders it (decimal as a decimal). */
static void test_top_level_bytes_raw(void **state)
{
    (void)state;
    /* 0x04 would be a length prefix of 2 if there were one: it is data. */
    expect_top(BYTES_PLAIN, NULL, BYTES(0x04, 0x30, 0x39), "\"\\u000409\"");
    expect_top(BYTES_OBJECT, NULL, BYTES(0x04, 0x30, 0x39), "\"\\u000409\"");
    expect_top(BYTES_OBJECT, OPTS("json.bytes", "hex"), BYTES(0x04, 0x30, 0x39), "\"043039\"");
    expect_top(BYTES_DECIMAL, NULL, BYTES(0x30, 0x39), "\"123.45\"");
    expect_top(BYTES_DECIMAL, NULL, BYTES(0x04, 0x30, 0x39), "\"2744.89\""); /* 0x043039 */
    expect_top(BYTES_DECIMAL, OPTS("json.decimal", "number"), BYTES(0xcf, 0xc7), "-123.45");
    expect_top(BYTES_DECIMAL, OPTS("json.logical", "false", "json.bytes", "hex"),
               BYTES(0x30, 0x39), "\"3039\"");
    /* No payload at all: zero. */
    expect_top(BYTES_DECIMAL, NULL, NULL, 0, "\"0.00\"");
    /* A logical type the compiler ignores on bytes changes nothing. */
    expect_top("{\"type\":\"bytes\",\"logicalType\":\"uuid\"}", NULL, BYTES(0x02, 0x41),
               "\"\\u0002A\"");
    /* Only a top-level bytes: in a union it is length-prefixed. */
    expect_top("[\"null\",\"bytes\"]", NULL, BYTES(0x02, 0x04, 0x30, 0x39), "{\"bytes\":\"09\"}");
    /* Trailing bytes cannot exist: the value is everything. */
    expect_top(BYTES_DECIMAL, OPTS("decode.trailing.bytes", "error"), BYTES(0x01, 0x00),
               "\"2.56\"");
}

/* The recording emitter sees one bytes() call with the whole payload, the
 * node carrying the logical type. */
static void test_top_level_bytes_hook(void **state)
{
    (void)state;
    trace_emitter e;
    cfavro_error err;
    assert_int_equal(trace_walk(&e, BYTES_DECIMAL, NULL, BYTES(0x04, 0x30, 0x39), 0, &err),
                     CFAVRO_OK);
    assert_string_equal(e.text, "bytes:3(decimal)");
    assert_int_equal(trace_walk(&e, BYTES_PLAIN, NULL, NULL, 0, 0, &err), CFAVRO_OK);
    assert_string_equal(e.text, "bytes:0");
}

/* ---- varints ------------------------------------------------------------- */

static void test_varint_path_of_this_build(void **state)
{
    (void)state;
#if defined(CF_PORTABLE) || !defined(__GNUC__)
    assert_false(cf_walk_varint_swar);
#else
    assert_true(cf_walk_varint_swar);
#endif
}

/* One varint payload through both emitters: same status and offset. With
 * `pad` bytes after it (trailing allowed), so the 8-byte path, where built,
 * is the one taken. */
static int walk_varint(const char *schema, const uint8_t *v, size_t n, size_t pad, char *json,
                       uint64_t *offset)
{
    uint8_t buf[32] = {0};
    assert_true(n + pad <= sizeof buf);
    memcpy(buf, v, n);
    memset(buf + n, 0x7f, pad); /* varint-looking bytes, none of them a continuation */
    cf_schema *s = compile(schema);
    cf_options opt;
    cf_options_default(&opt);
    opt.walk.allow_trailing = true;
    cfavro_error verr, jerr;
    int rv = cf_walk_validate(s, &opt.walk, &test_keys, buf, n + pad, 0, &verr);
    cf_buf out = {NULL, 0, 0, 100};
    int rj = cf_walk_json(s, &opt.walk, &test_keys, &opt.json, buf, n + pad, 0, &out, &jerr);
    assert_int_equal(rv, rj);
    if (rv == CFAVRO_OK) {
        memcpy(json, out.data, out.len);
        json[out.len] = '\0';
    } else {
        assert_int_equal(verr.offset, jerr.offset);
        assert_string_equal(verr.message, jerr.message);
        *offset = verr.offset;
    }
    cf_buf_free(&out);
    cf_schema_free(s);
    return rv;
}

static void expect_varint(const char *schema, const uint8_t *v, size_t n, int status,
                          const char *want)
{
    for (size_t pad = 0; pad <= 12; pad++) {
        char json[64];
        uint64_t offset = 99;
        int rc = walk_varint(schema, v, n, pad, json, &offset);
        if (rc != status) {
            fail_msg("%s, %zu bytes + %zu: status %d, expected %d", schema, n, pad, rc, status);
        }
        if (status == CFAVRO_OK) {
            assert_string_equal(json, want);
        } else {
            assert_int_equal(offset, 0);
        }
    }
}

static void test_varints(void **state)
{
    (void)state;
    /* Every length of long, minimal and padded with 0x80 groups. */
    for (int len = 1; len <= 10; len++) {
        uint8_t v[10];
        for (int i = 0; i < len - 1; i++) {
            v[i] = 0x80 | (i == 0 ? 0x02 : 0); /* zig-zag 2 = 1 */
        }
        v[len - 1] = len == 1 ? 0x02 : 0x00;
        expect_varint("\"long\"", v, (size_t)len, CFAVRO_OK, "1");
    }
    uint8_t big[10];
    size_t n = bb_long_to(big, INT64_MAX);
    assert_int_equal(n, 10);
    expect_varint("\"long\"", big, n, CFAVRO_OK, "9223372036854775807");
    n = bb_long_to(big, INT64_MIN);
    expect_varint("\"long\"", big, n, CFAVRO_OK, "-9223372036854775808");
    n = bb_long_to(big, 1234567890123LL);
    expect_varint("\"long\"", big, n, CFAVRO_OK, "1234567890123");
    n = bb_long_to(big, INT32_MIN);
    expect_varint("\"int\"", big, n, CFAVRO_OK, "-2147483648");
    n = bb_long_to(big, INT32_MAX);
    expect_varint("\"int\"", big, n, CFAVRO_OK, "2147483647");

    /* Eleven bytes; a tenth byte with more than bit 63. */
    expect_varint("\"long\"",
                  BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                  CFAVRO_E_DATA_VARINT, NULL);
    expect_varint("\"long\"", BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02),
                  CFAVRO_E_DATA_VARINT, NULL);
    /* An int of six bytes, and one of five outside 32 bits. */
    expect_varint("\"int\"", BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), CFAVRO_E_DATA_VARINT,
                  NULL);
    expect_varint("\"int\"", BYTES(0x80, 0x80, 0x80, 0x80, 0x20), CFAVRO_E_DATA_INT_RANGE, NULL);
}

/* A varint cut short by the end of the data, at every length. */
static void test_varint_truncated(void **state)
{
    (void)state;
    cf_schema *s = compile("\"long\"");
    cf_options opt;
    cf_options_default(&opt);
    static const uint8_t cont[10] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    for (size_t len = 1; len <= 9; len++) {
        cfavro_error err;
        assert_int_equal(cf_walk_validate(s, &opt.walk, &test_keys, cont, len, 0, &err),
                         CFAVRO_E_DATA_TRUNCATED);
        assert_int_equal(err.offset, 0);
    }
    cf_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hooks_in_order),
        cmocka_unit_test(test_hook_failure),
        cmocka_unit_test(test_utf8_policy_applied_by_walker),
        cmocka_unit_test(test_null_empty_payload),
        cmocka_unit_test(test_top_level_bytes_raw),
        cmocka_unit_test(test_top_level_bytes_hook),
        cmocka_unit_test(test_varint_path_of_this_build),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_varint_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, free_test_keys);
}
