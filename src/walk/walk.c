/* The walker's shared, out-of-line parts: failure recording, the varint
 * slow paths, the error path, and the end of a failed walk. The walker body
 * is walk_template.h, instantiated once per emitter (walk_validate.c,
 * walk_json.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "walk_internal.h"
#include "walk_read_internal.h"

/* Reading multi-byte varints 8 bytes at a time needs GNU builtins (count
 * trailing zeros) and is off in portable builds (CF_PORTABLE), which run the
 * scalar loop instead: same results, one byte at a time. */
#if defined(__GNUC__) && !defined(CF_PORTABLE)
#define CF_VARINT_SWAR 1
#else
#define CF_VARINT_SWAR 0
#endif

const bool cf_walk_varint_swar = CF_VARINT_SWAR;

const uint8_t cf_walk_no_bytes[1] = {0};

int cf_walk_fail(cf_walk *w, int status, const uint8_t *at, const char *fmt, ...)
{
    w->status = status;
    w->err_at = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->message, sizeof w->message, fmt, ap);
    va_end(ap);
    return status;
}

/* A varint of max_bytes bytes that still goes on, or whose last byte holds
 * bits beyond 64. */
static int varint_overlong(cf_walk *w, const uint8_t *start, unsigned max_bytes, const char *what)
{
    if (max_bytes == 10 && start[9] < 0x80) {
        return cf_walk_fail(w, CFAVRO_E_DATA_VARINT, start,
                            "varint %s does not fit in 64 bits", what);
    }
    return cf_walk_fail(w, CFAVRO_E_DATA_VARINT, start,
                        "varint %s longer than %u bytes", what, max_bytes);
}

/* Read a varint of at most `max_bytes` bytes. Avro allows non-minimal
 * encodings, so only the length and the bits that do not fit are checked.
 * Multi-byte values (ids, timestamps) are common, so the loop runs without
 * per-byte bounds checks when a maximal varint fits in what remains. */
static int read_varint(cf_walk *w, unsigned max_bytes, const char *what, uint64_t *out)
{
    const uint8_t *start = w->p;
    uint64_t u = 0;
#if CF_VARINT_SWAR
    if ((size_t)(w->end - start) >= 8) {
        /* Ids and timestamps take 5-7 bytes: decode up to 8 at once. Find the
         * first byte without the continuation bit, then squeeze the 7-bit
         * groups together in three shift-and-mask steps. */
        uint64_t x = cf_load_le64(start);
        uint64_t stops = ~x & UINT64_C(0x8080808080808080);
        if (stops != 0) {
            unsigned nbytes = (unsigned)__builtin_ctzll(stops) / 8 + 1;
            if (nbytes <= max_bytes) {
                if (nbytes < 8) {
                    x &= (UINT64_C(1) << (8 * nbytes)) - 1;
                }
                x &= UINT64_C(0x7f7f7f7f7f7f7f7f);
                x = ((x & UINT64_C(0x7f007f007f007f00)) >> 1) | (x & UINT64_C(0x007f007f007f007f));
                x = ((x & UINT64_C(0x3fff00003fff0000)) >> 2) | (x & UINT64_C(0x00003fff00003fff));
                x = ((x & UINT64_C(0x0fffffff00000000)) >> 4) | (x & UINT64_C(0x000000000fffffff));
                w->p = start + nbytes;
                *out = x;
                return CFAVRO_OK;
            }
            return varint_overlong(w, start, max_bytes, what);
        }
        if (max_bytes < 9) {
            return varint_overlong(w, start, max_bytes, what);
        }
    }
#endif
    if ((size_t)(w->end - start) >= max_bytes) {
        for (unsigned i = 0; i < max_bytes; i++) {
            uint8_t b = start[i];
            u |= (uint64_t)(b & 0x7f) << (7 * i);
            if (b < 0x80) {
                if (i == 9 && b > 1) {
                    break; /* the 10th byte holds only bit 63 */
                }
                w->p = start + i + 1;
                *out = u;
                return CFAVRO_OK;
            }
        }
    } else {
        for (unsigned i = 0; i < max_bytes; i++) {
            if (start + i >= w->end) {
                return cf_walk_fail(w, CFAVRO_E_DATA_TRUNCATED, start,
                                    "data ends inside a varint %s (after %u bytes)", what, i);
            }
            uint8_t b = start[i];
            u |= (uint64_t)(b & 0x7f) << (7 * i);
            if (b < 0x80) {
                w->p = start + i + 1;
                *out = u;
                return CFAVRO_OK;
            }
        }
    }
    return varint_overlong(w, start, max_bytes, what);
}

int cf_walk_read_long_slow(cf_walk *w, int64_t *v)
{
    uint64_t u = 0;
    int rc = read_varint(w, 10, "long", &u);
    if (rc == CFAVRO_OK) {
        *v = cf_zigzag64(u);
    }
    return rc;
}

int cf_walk_read_int_slow(cf_walk *w, int32_t *v)
{
    const uint8_t *start = w->p;
    uint64_t u = 0;
    int rc = read_varint(w, 5, "int", &u);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    if (u > UINT32_MAX) {
        w->p = start;
        return cf_walk_fail(w, CFAVRO_E_DATA_INT_RANGE, start,
                            "int varint value %lld is outside 32 bits", (long long)cf_zigzag64(u));
    }
    *v = (int32_t)cf_zigzag64(u);
    return CFAVRO_OK;
}

/* Append to dst[*w..cap) without overflowing; always NUL-terminated. */
static void path_append(char *dst, size_t cap, size_t *w, const char *fmt, ...)
    CF_PRINTF(4, 5);
static void path_append(char *dst, size_t cap, size_t *w, const char *fmt, ...)
{
    if (*w + 1 >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(dst + *w, cap - *w, fmt, ap);
    va_end(ap);
    if (k > 0) {
        *w += (size_t)k < cap - *w ? (size_t)k : cap - *w - 1;
    }
}

/* Map keys come from the payload: show printable ASCII, escape the rest. */
static void path_append_key(char *dst, size_t cap, size_t *w, const cf_path_seg *seg)
{
    enum { KEY_SHOWN = 48 };
    path_append(dst, cap, w, "[\"");
    for (uint32_t i = 0; i < seg->len && i < KEY_SHOWN; i++) {
        unsigned char c = (unsigned char)seg->ptr[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            path_append(dst, cap, w, "%c", c);
        } else {
            path_append(dst, cap, w, "\\x%02x", c);
        }
    }
    path_append(dst, cap, w, seg->len > KEY_SHOWN ? "...\"]" : "\"]");
}

static void format_path(const cf_walk *w, const cf_schema *schema, char *dst, size_t cap)
{
    size_t k = 0;
    dst[0] = '\0';
    const cf_node *root = &schema->nodes[schema->root];
    if (w->segs_dropped) {
        path_append(dst, cap, &k, "...");
    } else if (root->kind == CF_RECORD ||
               (root->kind == CF_RESOLVED && root->short_name.ptr != NULL)) {
        path_append(dst, cap, &k, "%s", root->short_name.ptr);
    }
    for (uint32_t i = w->nsegs; i-- > 0;) {
        const cf_path_seg *seg = &w->segs[i];
        switch ((cf_path_kind)seg->kind) {
        case CF_SEG_FIELD:
            /* No separator at the start, nor after the "..." of a cut path. */
            path_append(dst, cap, &k, "%s%s", k > 0 && dst[k - 1] != '.' ? "." : "", seg->ptr);
            break;
        case CF_SEG_INDEX:
            path_append(dst, cap, &k, "[%llu]", (unsigned long long)seg->index);
            break;
        case CF_SEG_KEY:
            path_append_key(dst, cap, &k, seg);
            break;
        }
    }
}

int cf_walk_fail_trailing(cf_walk *w, const uint8_t *payload, size_t len)
{
    return cf_walk_fail(w, CFAVRO_E_TRAILING_BYTES, w->p,
                        "%zu bytes left after the value (%zu of %zu bytes used)",
                        (size_t)(w->end - w->p), (size_t)(w->p - payload), len);
}

int cf_walk_report(cf_walk *w, const cf_schema *schema, int rc, const uint8_t *payload,
                   size_t msg_offset, cfavro_error *err)
{
    if (CF_UNLIKELY(w->status == CFAVRO_OK)) {
        /* A hook failed without recording why (walk_template.h asks it to):
         * report that rather than a stale position. */
        cf_walk_fail(w, rc, w->p, "internal: the emitter failed with status %d and no message",
                     rc);
    }
    if (err != NULL) {
        err->status = rc;
        err->offset = (uint64_t)(msg_offset + (size_t)(w->err_at - payload));
        memcpy(err->message, w->message, sizeof err->message);
        /* Trailing bytes lie after the value, not inside it: no path. */
        if (rc == CFAVRO_E_TRAILING_BYTES) {
            err->path[0] = '\0';
        } else {
            format_path(w, schema, err->path, sizeof err->path);
        }
    }
    return rc;
}
