/* Counting allocator, schema set and option mapping shared by the targets. */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "fuzz_schemas.h"

/* ---- counting allocator -------------------------------------------------- */

/* Each block carries its size in a header so free and realloc can keep the
 * live total exact (the hooks do not pass sizes). The header is 16 bytes to
 * keep the caller's pointer aligned for any type. */
typedef union fz_hdr {
    size_t size;
    max_align_t align;
} fz_hdr;

static size_t g_live;
static size_t g_peak;
static size_t g_base;

static void *count_malloc(size_t size)
{
    if (size > SIZE_MAX - sizeof(fz_hdr)) {
        return NULL;
    }
    fz_hdr *h = malloc(sizeof *h + size);
    if (h == NULL) {
        return NULL;
    }
    h->size = size;
    g_live += size;
    if (g_live > g_peak) {
        g_peak = g_live;
    }
    return h + 1;
}

static void count_free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    fz_hdr *h = (fz_hdr *)ptr - 1;
    g_live -= h->size;
    free(h);
}

static void *count_realloc(void *ptr, size_t size)
{
    if (ptr == NULL) {
        return count_malloc(size);
    }
    if (size > SIZE_MAX - sizeof(fz_hdr)) {
        return NULL;
    }
    fz_hdr *old = (fz_hdr *)ptr - 1;
    size_t old_size = old->size;
    fz_hdr *h = realloc(old, sizeof *h + size);
    if (h == NULL) {
        return NULL;
    }
    h->size = size;
    g_live = g_live - old_size + size;
    if (g_live > g_peak) {
        g_peak = g_live;
    }
    return h + 1;
}

void fz_alloc_install(void)
{
    static bool installed;
    if (!installed) {
        static const cf_alloc_hooks hooks = {count_malloc, count_realloc, count_free};
        cf_alloc_set_hooks(&hooks);
        installed = true;
    }
}

void fz_mem_begin(void)
{
    g_base = g_live;
    g_peak = g_live;
}

void fz_mem_end(size_t input_size, const char *what)
{
    size_t used = g_peak - g_base;
    size_t bound = FZ_MEM_CONST;
    if (input_size > (SIZE_MAX - bound) / FZ_MEM_FACTOR) {
        return; /* no input is that large */
    }
    bound += FZ_MEM_FACTOR * input_size;
    FZ_ASSERT(used <= bound,
              "memory bound exceeded in %s: peak %zu bytes for a %zu-byte input "
              "(bound %u * size + %zu = %zu)",
              what, used, input_size, FZ_MEM_FACTOR, FZ_MEM_CONST, bound);
    FZ_ASSERT(g_live == g_base, "%s leaked %zu bytes of library memory", what, g_live - g_base);
}

void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FUZZ FINDING: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}

/* ---- schema set ---------------------------------------------------------- */

size_t fz_schema_count(void)
{
    return sizeof fz_schema_defs / sizeof fz_schema_defs[0];
}

const fz_schema_def *fz_schema(size_t i)
{
    return &fz_schema_defs[i];
}

cfavro_client *fz_client(void)
{
    static cfavro_client *client;
    if (client != NULL) {
        return client;
    }
    fz_alloc_install();
    cfavro_error err;
    /* Failures (an id no schema has) are not remembered: a remembered one
     * would stay in the shared client's cache after its input, which the
     * per-input memory check would count as a leak. */
    cfavro_config *cfg = cfavro_config_new();
    FZ_ASSERT(cfg != NULL, "cfavro_config_new failed");
    FZ_ASSERT(cfavro_config_set(cfg, "cfavro.registry.negative.ttl.ms", "0", &err) == CFAVRO_OK,
              "negative ttl: %s", err.message);
    client = cfavro_client_new(cfg, &err);
    cfavro_config_free(cfg);
    FZ_ASSERT(client != NULL, "cfavro_client_new: %s", err.message);
    for (size_t i = 0; i < fz_schema_count(); i++) {
        const fz_schema_def *d = fz_schema(i);
        int rc = cfavro_client_add_schema(client, (int32_t)(i + 1), d->json, strlen(d->json),
                                          &err);
        FZ_ASSERT(rc == CFAVRO_OK, "schema %s (id %zu) does not compile: %d %s", d->name, i + 1,
                  rc, err.message);
    }
    /* Warm the cache's pool with one failed lookup, as inputs will make. */
    FZ_ASSERT(cfavro_client_prefetch(client, -1, &err) == CFAVRO_E_SCHEMA_NOT_FOUND,
              "prefetch of a missing id: %s", err.message);
    return client;
}

/* ---- message inputs ------------------------------------------------------ */

bool fz_message_split(const uint8_t *data, size_t size, bool has_opt, fz_message *m)
{
    size_t head = has_opt ? 2 : 1;
    if (size < head) {
        return false;
    }
    m->sel = data[0];
    m->opt = has_opt ? data[1] : 0;
    m->schema_index = (size_t)(m->sel & 0x1f) % fz_schema_count();
    m->msg_len = size - head;
    /* malloc(0) may return NULL; keep a valid pointer for the API. */
    m->msg = malloc(m->msg_len ? m->msg_len : 1);
    FZ_ASSERT(m->msg != NULL, "out of memory copying the input");
    if (m->msg_len > 0) {
        memcpy(m->msg, data + head, m->msg_len);
    }
    if (!(m->sel & FZ_SEL_KEEP_ID) && m->msg_len >= CFAVRO_HEADER_V0_SIZE &&
        m->msg[0] == CFAVRO_MAGIC_V0) {
        uint32_t id = (uint32_t)m->schema_index + 1;
        m->msg[1] = (uint8_t)(id >> 24);
        m->msg[2] = (uint8_t)(id >> 16);
        m->msg[3] = (uint8_t)(id >> 8);
        m->msg[4] = (uint8_t)id;
    }
    return true;
}

void fz_message_free(fz_message *m)
{
    free(m->msg);
    m->msg = NULL;
}

void fz_set(cfavro_decoder *dec, const char *key, const char *value)
{
    cfavro_error err;
    int rc = cfavro_decoder_set(dec, key, value, &err);
    FZ_ASSERT(rc == CFAVRO_OK, "cfavro_decoder_set(%s, %s) failed: %d %s", key, value, rc,
              err.message);
}

void fz_decoder_limits(cfavro_decoder *dec, uint8_t sel, size_t size)
{
    char out[32];
    snprintf(out, sizeof out, "%zu", FZ_OUT_FACTOR * size + FZ_OUT_CONST);
    fz_set(dec, "limit.output.bytes", out);
    fz_set(dec, "decode.trailing.bytes", (sel & FZ_SEL_TRAILING) ? "allow" : "error");
    if (sel & FZ_SEL_TIGHT) {
        fz_set(dec, "limit.depth", "8");
        fz_set(dec, "limit.items", "64");
    }
}

cfavro_decoder *fz_decoder_begin(uint8_t sel, size_t size)
{
    cfavro_client *client = fz_client();
    fz_mem_begin();
    cfavro_error err;
    cfavro_decoder *dec = cfavro_decoder_new(client, &err);
    FZ_ASSERT(dec != NULL, "cfavro_decoder_new: %s", err.message);
    fz_decoder_limits(dec, sel, size);
    return dec;
}

void fz_decoder_end(cfavro_decoder *dec, size_t size, const char *what)
{
    cfavro_decoder_free(dec);
    fz_mem_end(size, what);
}

void fz_decoder_options(cfavro_decoder *dec, uint8_t opt)
{
    static const char *const bytes_modes[4] = {"avro", "base64", "hex", "avro"};
    fz_set(dec, "json.union", (opt & 0x01) ? "plain" : "avro");
    fz_set(dec, "json.bytes", bytes_modes[(opt >> 1) & 3]);
    fz_set(dec, "json.logical", (opt & 0x08) ? "false" : "true");
    fz_set(dec, "json.time", (opt & 0x10) ? "epoch" : "iso8601");
    fz_set(dec, "json.decimal", (opt & 0x20) ? "number" : "string");
    fz_set(dec, "json.nonfinite", (opt & 0x40) ? "null" : "string");
    fz_set(dec, "json.invalid.utf8", (opt & 0x80) ? "replace" : "error");
}

void fz_rotate(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z') {
            s[i] = (char)('a' + (c - 'a' + 7) % 26);
        } else if (c >= 'A' && c <= 'Z') {
            s[i] = (char)('A' + (c - 'A' + 7) % 26);
        } else if (c >= '0' && c <= '9') {
            s[i] = (char)('0' + (c - '0' + 3) % 10);
        }
    }
}
