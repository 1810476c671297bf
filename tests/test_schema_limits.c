/* Schema compiler resources (src/schema/): compile cost proportional to the
 * schema text whatever its names (the outside review's long-namespace shape),
 * the budget on name bytes, and the settable caps (cf_schema_limits) with
 * messages that name their limit.schema.* keys — including a valid
 * 10,001-field record compiled and decoded once its cap is raised.
 *
 * Peak memory is measured with a byte-counting allocator private to this file
 * (tests/test_support.h counts blocks, not bytes): every block carries its
 * size in a header, so it is only installed around one compile and free. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_internal.h"
#include "compiler_internal.h"
#include "schema_internal.h"
#include "test_support.h"

/* ------------------------------------------------------------------------ */
/* Peak bytes of library allocations                                         */
/* ------------------------------------------------------------------------ */

typedef union size_header {
    size_t size;
    max_align_t align; /* keeps the block after the header aligned for anything */
} size_header;

static size_t g_live_bytes;
static size_t g_peak_bytes;

static void note_bytes(size_t add, size_t sub)
{
    g_live_bytes = g_live_bytes - sub + add;
    if (g_live_bytes > g_peak_bytes) {
        g_peak_bytes = g_live_bytes;
    }
}

static void *peak_malloc(size_t n)
{
    size_header *h = malloc(sizeof *h + n);
    if (h == NULL) {
        return NULL;
    }
    h->size = n;
    note_bytes(n, 0);
    return h + 1;
}

static void *peak_realloc(void *p, size_t n)
{
    if (p == NULL) {
        return peak_malloc(n);
    }
    size_header *h = (size_header *)p - 1;
    size_t old = h->size;
    size_header *nh = realloc(h, sizeof *nh + n);
    if (nh == NULL) {
        return NULL;
    }
    nh->size = n;
    note_bytes(n, old);
    return nh + 1;
}

static void peak_free(void *p)
{
    if (p != NULL) {
        size_header *h = (size_header *)p - 1;
        note_bytes(0, h->size);
        free(h);
    }
}

typedef struct compile_result {
    int status;
    size_t peak;      /* most library bytes live at once during the compile */
    size_t kept;      /* bytes the compiled schema holds afterwards */
    uint32_t nodes;   /* node_count on success */
    char message[CFAVRO_ERROR_MESSAGE_MAX];
} compile_result;

/* Compile text[0..len) with `lim` (NULL: defaults) under the byte counter,
 * free the result, and check nothing stays allocated. */
static compile_result measure_compile(const char *text, size_t len, const cf_schema_limits *lim)
{
    static const cf_alloc_hooks hooks = {peak_malloc, peak_realloc, peak_free};
    compile_result r;
    memset(&r, 0, sizeof r);
    g_live_bytes = 0;
    g_peak_bytes = 0;
    cf_alloc_set_hooks(&hooks);
    cf_schema *s = NULL;
    cfavro_error err;
    r.status = cf_schema_compile(text, len, lim, &s, &err);
    r.peak = g_peak_bytes;
    r.kept = g_live_bytes;
    if (s != NULL) {
        r.nodes = s->node_count;
    }
    cf_schema_free(s);
    size_t left = g_live_bytes;
    cf_alloc_set_hooks(NULL);
    assert_int_equal(left, 0);
    snprintf(r.message, sizeof r.message, "%s", err.message);
    return r;
}

/* ------------------------------------------------------------------------ */
/* The crafted schema                                                        */
/* ------------------------------------------------------------------------ */

/* The review's shape: one long namespace inherited by many named types,
 * unions that list many of them by short name, and fields that reference
 * them by short name. Every definition, branch and reference costs a few
 * bytes of text, yet each stands for a full name ns_len bytes long. */
typedef struct crafted_shape {
    size_t ns_len; /* bytes of the namespace every definition inherits */
    int defs;      /* named types T0..: fixed, enum, record in turn */
    int unions;    /* union fields, each "null" plus branches - 1 named types */
    int branches;
    int refs;      /* fields whose type is a named type's short name */
} crafted_shape;

static void text_add(bb *b, const char *fmt, ...) CF_PRINTF(2, 3);

static void text_add(bb *b, const char *fmt, ...)
{
    char piece[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof piece);
    bb_raw(b, piece, (size_t)n);
}

/* The schema text (NUL-terminated, malloc'd); its length in *len. */
static char *crafted_schema(const crafted_shape *p, size_t *len)
{
    bb b = {0};
    text_add(&b, "{\"type\":\"record\",\"name\":\"Root\",\"namespace\":\"");
    /* a.b.c...: 15-letter segments, a letter at the end */
    for (size_t i = 0; i < p->ns_len; i++) {
        bb_byte(&b, (uint8_t)(i % 16 == 15 && i + 1 < p->ns_len ? '.' : 'a' + (char)(i % 26)));
    }
    text_add(&b, "\",\"fields\":[");
    const char *sep = "";
    for (int i = 0; i < p->defs; i++) {
        static const char *const kind[3] = {"fixed", "enum", "record"};
        static const char *const body[3] = {"\"size\":1", "\"symbols\":[\"A\"]",
                                            "\"fields\":[]"};
        text_add(&b, "%s{\"name\":\"d%d\",\"type\":{\"type\":\"%s\",\"name\":\"T%d\",%s}}",
                 sep, i, kind[i % 3], i, body[i % 3]);
        sep = ",";
    }
    for (int u = 0; u < p->unions; u++) {
        text_add(&b, "%s{\"name\":\"u%d\",\"type\":[\"null\"", sep, u);
        for (int k = 1; k < p->branches; k++) {
            text_add(&b, ",\"T%d\"", (u * 7 + k) % p->defs);
        }
        text_add(&b, "]}");
        sep = ",";
    }
    for (int r = 0; r < p->refs; r++) {
        text_add(&b, "%s{\"name\":\"r%d\",\"type\":\"T%d\"}", sep, r, (r * 13) % p->defs);
        sep = ",";
    }
    text_add(&b, "]}");
    *len = b.n;
    bb_byte(&b, 0);
    return (char *)b.d;
}

/* Sum of the full names' bytes: what the compiler must keep of them. */
static size_t crafted_name_bytes(const crafted_shape *p)
{
    size_t total = p->ns_len + 1 + strlen("Root");
    for (int i = 0; i < p->defs; i++) {
        char t[16];
        total += p->ns_len + 1 + (size_t)snprintf(t, sizeof t, "T%d", i);
    }
    return total;
}

/* The bound the fuzz targets hold every input to (fuzz/README.md). */
static size_t memory_bound(size_t text_len)
{
    return 64 * text_len + ((size_t)1 << 20);
}

static void expect_bounded_compile(const crafted_shape *p, const char *what)
{
    size_t len;
    char *text = crafted_schema(p, &len);
    assert_true(len < ((size_t)1 << 20)); /* within the default limit.schema.bytes */
    compile_result r = measure_compile(text, len, NULL);
    print_message("%s: %zu bytes of text, %zu of full names: status %d, peak %zu bytes"
                  " (%.1f x text), kept %zu\n",
                  what, len, crafted_name_bytes(p), r.status, r.peak,
                  (double)r.peak / (double)len, r.kept);
    if (r.status != CFAVRO_OK) {
        fail_msg("%s: compile failed (%d): %s", what, r.status, r.message);
    }
    /* the root, its definitions, its unions, one shared null */
    assert_int_equal(r.nodes, 1 + (uint32_t)p->defs + (uint32_t)p->unions + 1);
    if (r.peak > memory_bound(len)) {
        fail_msg("%s: peak %zu bytes over the bound %zu (64 x %zu + 1 MiB)", what, r.peak,
                 memory_bound(len), len);
    }
    free(text);
}

static void test_crafted_namespace(void **state)
{
    (void)state;
    /* The review's example: a 200-byte namespace, 5,000 definitions. */
    crafted_shape brief = {200, 5000, 60, 1000, 4900};
    expect_bounded_compile(&brief, "200-byte namespace");
    /* A longer namespace, still within the name budget: each of the 89,000
     * branches used to get its own 1 KiB copy of its type's full name. */
    crafted_shape longer = {1000, 2000, 90, 1000, 2000};
    assert_true(crafted_name_bytes(&longer) < ((size_t)4 << 20));
    expect_bounded_compile(&longer, "1000-byte namespace");
}

/* A namespace as long as the text allows, inherited by many definitions:
 * the full names alone would be the text length squared. The budget
 * refuses it before it is built, and the compile stays small. */
static void test_name_budget(void **state)
{
    (void)state;
    crafted_shape huge = {64 << 10, 300, 20, 300, 300};
    size_t len;
    char *text = crafted_schema(&huge, &len);
    compile_result r = measure_compile(text, len, NULL);
    print_message("64 KiB namespace: %zu bytes of text, %zu of full names: status %d, peak %zu\n",
                  len, crafted_name_bytes(&huge), r.status, r.peak);
    assert_int_equal(r.status, CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(r.message, "full names of named types take ");
    assert_contains(r.message, "over limit.schema.names.bytes (4194304)");
    assert_true(r.peak <= memory_bound(len));
    /* With the budget raised it compiles, each full name and each union
     * wrapper built once: names at most twice over, beside the text's share. */
    cf_schema_limits lim;
    cf_schema_limits_default(&lim);
    lim.max_name_bytes = (size_t)64 << 20;
    r = measure_compile(text, len, &lim);
    print_message("64 KiB namespace, budget raised: status %d, peak %zu\n", r.status, r.peak);
    if (r.status != CFAVRO_OK) {
        fail_msg("with the budget raised: %s", r.message);
    }
    assert_true(r.peak <= memory_bound(len) + 2 * crafted_name_bytes(&huge));
    free(text);

    /* Exactly at the budget compiles; one byte less does not. */
    crafted_shape small = {100, 50, 2, 20, 10};
    text = crafted_schema(&small, &len);
    cf_schema_limits_default(&lim);
    lim.max_name_bytes = crafted_name_bytes(&small);
    r = measure_compile(text, len, &lim);
    if (r.status != CFAVRO_OK) {
        fail_msg("at the budget: %s", r.message);
    }
    lim.max_name_bytes--;
    r = measure_compile(text, len, &lim);
    assert_int_equal(r.status, CFAVRO_E_LIMIT_SCHEMA);
    char want[96];
    snprintf(want, sizeof want, "over limit.schema.names.bytes (%zu)", lim.max_name_bytes);
    assert_contains(r.message, want);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Settable caps                                                             */
/* ------------------------------------------------------------------------ */

enum { WIDE_FIELDS = 10001 };

/* A record of n int fields f0..f(n-1). */
static char *wide_record(int n, size_t *len)
{
    bb b = {0};
    text_add(&b, "{\"type\":\"record\",\"name\":\"Wide\",\"fields\":[");
    for (int i = 0; i < n; i++) {
        text_add(&b, "%s{\"name\":\"f%d\",\"type\":\"int\"}", i ? "," : "", i);
    }
    text_add(&b, "]}");
    *len = b.n;
    bb_byte(&b, 0);
    return (char *)b.d;
}

/* One record over the default field cap: refused by default with the key
 * in the message, compiled once limit.schema.fields (max_fields) allows it,
 * and one message of it decoded through a client with that limit. */
static void test_wide_record(void **state)
{
    (void)state;
    size_t len;
    char *text = wide_record(WIDE_FIELDS, &len);
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(cf_schema_compile(text, len, NULL, &s, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_null(s);
    assert_contains(err.message, "record Wide has 10001 fields, over limit.schema.fields (10000)");

    cf_schema_limits lim;
    cf_schema_limits_default(&lim);
    lim.max_fields = WIDE_FIELDS;
    assert_int_equal(cf_schema_compile(text, len, &lim, &s, &err), CFAVRO_OK);
    assert_int_equal(s->nodes[s->root].count, WIDE_FIELDS);
    assert_string_equal(s->nodes[s->root].fields[WIDE_FIELDS - 1].json_key.ptr, ",\"f10000\":");
    cf_schema_free(s);

    /* A client compiles with its own limits: limit.schema.fields raises it. */
    cfavro_client *client = cfavro_client_new(NULL, &err);
    assert_non_null(client);
    assert_int_equal(cfavro_client_add_schema(client, 7, text, len, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(err.message, "over limit.schema.fields (10000)");
    cfavro_client_free(client);
    char fields[16];
    snprintf(fields, sizeof fields, "%d", WIDE_FIELDS);
    cfavro_config *cfg = cfavro_config_new();
    assert_int_equal(cfavro_config_set(cfg, "limit.schema.fields", fields, &err), CFAVRO_OK);
    client = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    assert_non_null(client);
    assert_int_equal(cfavro_client_add_schema(client, 7, text, len, &err), CFAVRO_OK);

    bb msg = {0};
    bb expect = {0};
    bb_header(&msg, 7);
    for (int i = 0; i < WIDE_FIELDS; i++) {
        int32_t v = (i % 2 ? -1 : 1) * i * 1000;
        bb_long(&msg, v);
        text_add(&expect, "%s\"f%d\":%d", i ? "," : "{", i, (int)v);
    }
    text_add(&expect, "}");
    bb_byte(&expect, 0);
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    const char *json = NULL;
    size_t json_len = 0;
    int rc = cfavro_decode_json(dec, msg.d, msg.n, &json, &json_len);
    if (rc != CFAVRO_OK) {
        fail_msg("decode failed (%d): %s", rc, cfavro_decoder_error(dec)->message);
    }
    assert_string_equal(json, (const char *)expect.d);
    assert_int_equal(json_len, expect.n - 1);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    bb_free(&msg);
    bb_free(&expect);
    free(text);
}

/* ------------------------------------------------------------------------ */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_crafted_namespace, alloc_hooks_off_fixture),
        cmocka_unit_test_teardown(test_name_budget, alloc_hooks_off_fixture),
        cmocka_unit_test(test_wide_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
