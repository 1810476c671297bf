/*
 * Fuzz target: the CLI's input framings (tools/input.h) over arbitrary bytes.
 *
 * Input: byte 0 bits 0-1 the format (raw, len32be, hex, base64), bits 2-7 the
 * file reader's read size (0: its default window, else 1..63 bytes so records
 * and lines straddle reads); byte 1 max_message (0: the default, else 1..255
 * bytes so the over-limit paths run); the rest is the stream.
 *
 * Checks:
 *   - the memory reader ends (CF_INPUT_END, and stays ended) within one call
 *     per input byte; messages never exceed max_message; raw and len32be
 *     messages point into the caller's buffer; errors carry a message and an
 *     offset inside the input; the position never moves backwards;
 *   - a FILE reader over the same bytes (fmemopen, odd read sizes) gives
 *     exactly the same sequence of results, messages and error positions
 *     (the error texts may differ: only a memory reader knows the total
 *     size up front);
 *   - the messages and null records (len32be length 0xFFFFFFFF) equal
 *     those of an independent reference reading of the format as input.h
 *     documents it;
 *   - memory: the reader uses the C allocator, so this target counts it by
 *     wrapping malloc/calloc/realloc/free at link time (-Wl,--wrap) and holds
 *     it to the bound of fuzz_common.h (64 * size + 1 MiB, which covers the
 *     64 KiB read window), with nothing left after cf_input_free.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "input.h"

/* ---- allocation counting through the linker's --wrap ------------------- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);

static bool g_counting;
static long long g_live, g_peak;

static void count_add(void *p)
{
    if (g_counting && p != NULL) {
        g_live += (long long)malloc_usable_size(p);
        if (g_live > g_peak) {
            g_peak = g_live;
        }
    }
}

static void count_sub(void *p)
{
    if (g_counting && p != NULL) {
        g_live -= (long long)malloc_usable_size(p);
    }
}

void *__wrap_malloc(size_t size)
{
    void *p = __real_malloc(size);
    count_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    count_add(p);
    return p;
}

void *__wrap_realloc(void *ptr, size_t size)
{
    count_sub(ptr);
    void *p = __real_realloc(ptr, size);
    count_add(p != NULL ? p : (size != 0 ? ptr : NULL));
    return p;
}

void __wrap_free(void *ptr)
{
    count_sub(ptr);
    __real_free(ptr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* ---- recording a reader's results --------------------------------------- */

typedef struct rec {
    cf_input_result result;
    uint8_t *msg; /* copy (OK only) */
    size_t len;
    uint64_t offset, line;
    char message[200];
} rec;

typedef struct run {
    rec *recs;
    size_t n, cap;
} run;

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->recs[i].msg);
    }
    free(r->recs);
    *r = (run){NULL, 0, 0};
}

static rec *run_push(run *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->recs = realloc(r->recs, r->cap * sizeof *r->recs);
        FZ_ASSERT(r->recs != NULL, "out of memory");
    }
    rec *x = &r->recs[r->n++];
    memset(x, 0, sizeof *x);
    return x;
}

/* Drain `in`, checking the per-call invariants. `buf` is the memory reader's
 * buffer (NULL for the file reader). */
static void drain(cf_input *in, const uint8_t *stream, size_t len, cf_input_format fmt,
                  size_t max, bool is_mem, run *out)
{
    uint64_t last_pos = 0;
    for (size_t calls = 0;; calls++) {
        FZ_ASSERT(calls <= len + 2, "%s reader did not end after %zu calls on %zu bytes",
                  is_mem ? "memory" : "file", calls, len);
        const uint8_t *msg = (const uint8_t *)"sentinel";
        size_t mlen = 12345;
        cf_input_error err;
        memset(&err, 0xAB, sizeof err);
        g_counting = true;
        cf_input_result r = cf_input_next(in, &msg, &mlen, &err);
        g_counting = false;
        uint64_t pos = cf_input_position(in);
        FZ_ASSERT(pos >= last_pos && pos <= len, "position %llu after %llu (input %zu bytes)",
                  (unsigned long long)pos, (unsigned long long)last_pos, len);
        last_pos = pos;
        if (r == CF_INPUT_END) {
            const uint8_t *m2;
            size_t l2;
            g_counting = true;
            r = cf_input_next(in, &m2, &l2, NULL);
            g_counting = false;
            FZ_ASSERT(r == CF_INPUT_END, "reader resumed after CF_INPUT_END");
            return;
        }
        rec *x = run_push(out);
        x->result = r;
        if (r == CF_INPUT_OK) {
            FZ_ASSERT(mlen <= max, "message of %zu bytes over max_message %zu", mlen, max);
            FZ_ASSERT(mlen == 0 || msg != NULL, "OK with a NULL message");
            if (is_mem && mlen > 0 && (fmt == CF_INPUT_RAW || fmt == CF_INPUT_LEN32BE)) {
                FZ_ASSERT(msg >= stream && msg + mlen <= stream + len,
                          "raw/len32be message does not point into the input");
            }
            x->msg = malloc(mlen ? mlen : 1);
            FZ_ASSERT(x->msg != NULL, "out of memory");
            if (mlen > 0) {
                memcpy(x->msg, msg, mlen);
            }
            x->len = mlen;
        } else if (r == CF_INPUT_NULL) {
            FZ_ASSERT(fmt == CF_INPUT_LEN32BE, "null record in format %d", (int)fmt);
            FZ_ASSERT(msg == NULL && mlen == 0, "CF_INPUT_NULL with a message");
            FZ_ASSERT(err.offset == 0xABABABABABABABABULL && (uint8_t)err.message[0] == 0xAB,
                      "CF_INPUT_NULL wrote to err");
        } else {
            FZ_ASSERT(r == CF_INPUT_ERROR, "cf_input_next returned %d", (int)r);
            FZ_ASSERT(msg == NULL, "CF_INPUT_ERROR left a message pointer");
            FZ_ASSERT(memchr(err.message, '\0', sizeof err.message) != NULL &&
                          err.message[0] != '\0',
                      "error without a message");
            FZ_ASSERT(err.offset <= len, "error offset %llu beyond the %zu-byte input",
                      (unsigned long long)err.offset, len);
            x->offset = err.offset;
            x->line = err.line;
            memcpy(x->message, err.message, sizeof x->message);
        }
    }
}

static void same_runs(const run *a, const run *b, int fmt, size_t rs)
{
    FZ_ASSERT(a->n == b->n, "format %d read size %zu: memory reader gave %zu results, file "
                            "reader %zu",
              fmt, rs, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const rec *x = &a->recs[i], *y = &b->recs[i];
        FZ_ASSERT(x->result == y->result && x->len == y->len &&
                      (x->len == 0 || memcmp(x->msg, y->msg, x->len) == 0) &&
                      x->offset == y->offset && x->line == y->line,
                  "format %d read size %zu: result %zu differs: memory (%d, %zu bytes, at "
                  "%llu line %llu: %s) vs file (%d, %zu bytes, at %llu line %llu: %s)",
                  fmt, rs, i, (int)x->result, x->len, (unsigned long long)x->offset,
                  (unsigned long long)x->line, x->message, (int)y->result, y->len,
                  (unsigned long long)y->offset, (unsigned long long)y->line, y->message);
    }
}

/* ---- reference reading of the formats (from input.h's description) ----- */

/* These helpers look like tools/input.c's (white space, hex and base64
 * digit values, line decoding), and that is on purpose: this is a second,
 * independent reading of the formats, written from input.h alone, for a
 * differential check. Sharing code with the reader would compare the reader
 * with itself and hide any bug in the shared part: keep them separate. */

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode one trimmed, non-empty line into dst (capacity >= n). Returns the
 * decoded length, -1 for an invalid line, -2 when the line is valid base64
 * except for non-zero padding bits (which input.h does not settle). */
static long decode_line(int fmt, const uint8_t *s, size_t n, uint8_t *dst)
{
    if (fmt == CF_INPUT_HEX) {
        if (n % 2 != 0) {
            return -1;
        }
        for (size_t i = 0; i < n; i += 2) {
            int hi = hexval(s[i]), lo = hexval(s[i + 1]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            dst[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        return (long)(n / 2);
    }
    if (n % 4 != 0) {
        return -1;
    }
    size_t k = 0;
    bool loose_bits = false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            uint8_t c = s[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
            } else if (pad > 0 || (v[j] = b64val(c)) < 0) {
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        dst[k++] = (uint8_t)(w >> 16);
        if (pad < 2) {
            dst[k++] = (uint8_t)(w >> 8);
        }
        if (pad < 1) {
            dst[k++] = (uint8_t)w;
        }
        if ((pad == 2 && (w & 0xFFFF) != 0) || (pad == 1 && (w & 0xFF) != 0)) {
            loose_bits = true;
        }
    }
    return loose_bits ? -2 : (long)k;
}

/* The OK messages and null records a correct reader yields, in order, into
 * `out` (errors are not recorded). Returns false when the input contains a
 * case input.h leaves open (then the comparison is skipped). */
static bool reference(int fmt, const uint8_t *s, size_t len, size_t max, run *out)
{
    if (fmt == CF_INPUT_RAW) {
        if (len <= max) {
            rec *x = run_push(out);
            x->msg = malloc(len ? len : 1);
            FZ_ASSERT(x->msg != NULL, "out of memory");
            if (len) {
                memcpy(x->msg, s, len);
            }
            x->len = len;
        }
        return true;
    }
    if (fmt == CF_INPUT_LEN32BE) {
        size_t pos = 0;
        while (len - pos >= 4) {
            uint64_t n = (uint64_t)s[pos] << 24 | (uint64_t)s[pos + 1] << 16 |
                         (uint64_t)s[pos + 2] << 8 | s[pos + 3];
            if (n == 0xFFFFFFFFu) {
                /* -1: a null value, no bytes follow, never over the maximum. */
                run_push(out)->result = CF_INPUT_NULL;
                pos += 4;
                continue;
            }
            if (n > len - pos - 4) {
                break; /* truncated record: the stream ends */
            }
            if (n <= max) {
                rec *x = run_push(out);
                x->msg = malloc(n ? n : 1);
                FZ_ASSERT(x->msg != NULL, "out of memory");
                if (n) {
                    memcpy(x->msg, s + pos + 4, n);
                }
                x->len = n;
            }
            pos += 4 + n;
        }
        return true;
    }
    size_t start = 0;
    bool decided = true;
    while (start < len) {
        const uint8_t *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len;
        size_t a = start, b = end;
        while (a < b && is_space(s[a])) {
            a++;
        }
        while (b > a && is_space(s[b - 1])) {
            b--;
        }
        if (b > a) {
            uint8_t *dst = malloc(b - a);
            FZ_ASSERT(dst != NULL, "out of memory");
            long k = decode_line(fmt, s + a, b - a, dst);
            if (k == -2) {
                decided = false;
            }
            if (k >= 0 && (size_t)k <= max) {
                rec *x = run_push(out);
                x->msg = dst;
                x->len = (size_t)k;
            } else {
                free(dst);
            }
        }
        start = end + 1;
    }
    return decided;
}

static void same_messages(const run *got, const run *want, int fmt)
{
    size_t k = 0;
    for (size_t i = 0; i < got->n; i++) {
        const rec *x = &got->recs[i];
        if (x->result != CF_INPUT_OK && x->result != CF_INPUT_NULL) {
            continue;
        }
        FZ_ASSERT(k < want->n, "format %d: reader yields more messages than the reference (%zu)",
                  fmt, want->n);
        const rec *y = &want->recs[k++];
        FZ_ASSERT(x->result == y->result, "format %d: message %zu is %s, the reference reading "
                                          "says %s",
                  fmt, k - 1, x->result == CF_INPUT_NULL ? "a null record" : "a message",
                  y->result == CF_INPUT_NULL ? "a null record" : "a message");
        FZ_ASSERT(x->len == y->len && (x->len == 0 || memcmp(x->msg, y->msg, x->len) == 0),
                  "format %d: message %zu is %zu bytes, the reference reading %zu bytes "
                  "(or the bytes differ)",
                  fmt, k - 1, x->len, y->len);
    }
    FZ_ASSERT(k == want->n, "format %d: reader yields %zu messages, the reference %zu", fmt, k,
              want->n);
}

static void check_memory(size_t size, const char *which)
{
    long long bound = (long long)(FZ_MEM_FACTOR * size + FZ_MEM_CONST);
    FZ_ASSERT(g_peak <= bound, "%s: peak %lld bytes over the bound %lld for a %zu-byte input",
              which, g_peak, bound, size);
    FZ_ASSERT(g_live == 0, "%s: %lld bytes still allocated after cf_input_free", which, g_live);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    int fmt = data[0] & 3;
    size_t rs = data[0] >> 2;
    size_t max = data[1];
    size_t eff_max = max ? max : CF_INPUT_DEFAULT_MAX;
    size_t len = size - 2;
    uint8_t *stream = malloc(len ? len : 1);
    FZ_ASSERT(stream != NULL, "out of memory");
    memcpy(stream, data + 2, len);

    run mem = {NULL, 0, 0}, file = {NULL, 0, 0}, ref = {NULL, 0, 0};

    /* Only the reader's own calls are counted (g_counting), so its memory
     * must be back to zero once it is freed. */
    g_live = g_peak = 0;
    g_counting = true;
    cf_input *in = cf_input_open_mem(stream, len, (cf_input_format)fmt, max);
    g_counting = false;
    FZ_ASSERT(in != NULL, "cf_input_open_mem failed");
    drain(in, stream, len, (cf_input_format)fmt, eff_max, true, &mem);
    g_counting = true;
    cf_input_free(in);
    g_counting = false;
    check_memory(size, "memory reader");

    if (len > 0) { /* glibc's fmemopen wants a non-empty buffer */
        FILE *f = fmemopen(stream, len, "rb");
        FZ_ASSERT(f != NULL, "fmemopen failed");
        g_live = g_peak = 0;
        g_counting = true;
        in = cf_input_open_file(f, (cf_input_format)fmt, max);
        int rrc = in != NULL && rs > 0 ? cf_input_set_read_size(in, rs) : 0;
        g_counting = false;
        FZ_ASSERT(in != NULL && rrc == 0, "cf_input_open_file / set_read_size failed");
        drain(in, stream, len, (cf_input_format)fmt, eff_max, false, &file);
        g_counting = true;
        cf_input_free(in);
        g_counting = false;
        fclose(f);
        check_memory(size, "file reader");
        same_runs(&mem, &file, fmt, rs);
    }
    if (reference(fmt, stream, len, eff_max, &ref)) {
        same_messages(&mem, &ref, fmt);
    }
    run_free(&mem);
    run_free(&file);
    run_free(&ref);
    free(stream);
    return 0;
}
