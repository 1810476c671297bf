/* Helpers shared by the cmocka unit tests; see test_support.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_internal.h"
#include "test_support.h"

/* ---- assertions on text -------------------------------------------------- */

void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("expected \"%s\" in \"%s\"", needle, haystack);
    }
}

/* ---- building Avro bytes ------------------------------------------------- */

void bb_byte(bb *b, uint8_t c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->d = realloc(b->d, b->cap);
        assert_non_null(b->d);
    }
    b->d[b->n++] = c;
}

void bb_raw(bb *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bb_byte(b, ((const uint8_t *)p)[i]);
    }
}

size_t bb_long_to(uint8_t *dst, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        dst[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    dst[n++] = (uint8_t)u;
    return n;
}

void bb_long(bb *b, int64_t v)
{
    uint8_t tmp[10];
    bb_raw(b, tmp, bb_long_to(tmp, v));
}

void bb_str(bb *b, const char *s)
{
    size_t n = strlen(s);
    bb_long(b, (int64_t)n);
    bb_raw(b, s, n);
}

void bb_le(bb *b, uint64_t u, int nbytes)
{
    for (int i = 0; i < nbytes; i++) {
        bb_byte(b, (uint8_t)(u >> (8 * i)));
    }
}

void bb_float(bb *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    bb_le(b, u, 4);
}

void bb_double(bb *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    bb_le(b, u, 8);
}

void bb_header(bb *b, int32_t id)
{
    bb_byte(b, 0);
    bb_byte(b, (uint8_t)((uint32_t)id >> 24));
    bb_byte(b, (uint8_t)((uint32_t)id >> 16));
    bb_byte(b, (uint8_t)((uint32_t)id >> 8));
    bb_byte(b, (uint8_t)id);
}

void bb_free(bb *b)
{
    free(b->d);
    *b = (bb){NULL, 0, 0};
}

/* ---- a client and decoder for one schema --------------------------------- */

cfavro_client *client_with_schema(int32_t id, const char *schema, size_t len)
{
    cfavro_error err;
    cfavro_client *client = cfavro_client_new(NULL, &err);
    assert_non_null(client);
    int rc = cfavro_client_add_schema(client, id, schema, len, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("schema rejected (%d): %s\n%.*s", rc, err.message, (int)len, schema);
    }
    return client;
}

cfavro_decoder *decoder_with_options(cfavro_client *client, const char *const *opts)
{
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(client, &err);
    assert_non_null(dec);
    for (size_t i = 0; opts != NULL && opts[i] != NULL; i += 2) {
        int rc = cfavro_decoder_set(dec, opts[i], opts[i + 1], &err);
        if (rc != CFAVRO_OK) {
            fail_msg("option %s=%s rejected: %s", opts[i], opts[i + 1], err.message);
        }
    }
    return dec;
}

/* ---- counting and failing allocations ------------------------------------ */

static long g_calls;      /* malloc and realloc calls */
static long g_reallocs;   /* realloc calls */
static long g_live;       /* blocks allocated and not yet freed */
static long g_fail_nth;   /* fail this call (1-based); 0: never */
static long g_fail_after; /* calls left before every call fails; -1: never */

static int should_fail(void)
{
    if (++g_calls == g_fail_nth) {
        return 1;
    }
    if (g_fail_after < 0) {
        return 0;
    }
    if (g_fail_after == 0) {
        return 1;
    }
    g_fail_after--;
    return 0;
}

static void *count_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = malloc(n);
    if (p != NULL) {
        g_live++;
    }
    return p;
}

static void *count_realloc(void *p, size_t n)
{
    g_reallocs++;
    if (should_fail()) {
        return NULL;
    }
    void *q = realloc(p, n);
    if (q != NULL && p == NULL) {
        g_live++;
    }
    return q;
}

static void count_free(void *p)
{
    if (p != NULL) {
        g_live--;
    }
    free(p);
}

void alloc_hooks_on(long fail_nth, long fail_after)
{
    static const cf_alloc_hooks hooks = {count_malloc, count_realloc, count_free};
    g_calls = 0;
    g_reallocs = 0;
    g_live = 0;
    g_fail_nth = fail_nth;
    g_fail_after = fail_after;
    cf_alloc_set_hooks(&hooks);
}

void alloc_stop_failing(void)
{
    g_fail_nth = 0;
    g_fail_after = -1;
}

void alloc_hooks_off(void)
{
    cf_alloc_set_hooks(NULL);
    alloc_stop_failing();
}

int alloc_hooks_off_fixture(void **state)
{
    (void)state;
    alloc_hooks_off();
    return 0;
}

long alloc_calls(void)
{
    return g_calls;
}

long alloc_reallocs(void)
{
    return g_reallocs;
}

long alloc_live(void)
{
    return g_live;
}

/* ---- files --------------------------------------------------------------- */

char *read_data_file(const char *name, size_t *len)
{
    const char *root = getenv("CFAVRO_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/%s", root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    size_t cap = 1 << 16;
    size_t n = 0;
    char *buf = NULL;
    for (;;) {
        buf = realloc(buf, cap + 1);
        assert_non_null(buf);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        cap *= 2;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error || n == 0) {
        fail_msg("cannot read %s (or it is empty)", path);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void make_temp_dir(char *dir, size_t cap, const char *prefix)
{
    int w = snprintf(dir, cap, "/tmp/%sXXXXXX", prefix);
    assert_true(w > 0 && (size_t)w < cap);
    if (mkdtemp(dir) == NULL) {
        fail_msg("mkdtemp %s: %s", dir, strerror(errno));
    }
}

void write_text_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fail_msg("cannot create %s", path);
    }
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

void remove_dir_entry(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (remove(path) != 0 && errno != ENOENT) {
        fail_msg("cannot remove %s", path);
    }
}
