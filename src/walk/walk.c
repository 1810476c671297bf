/* The walker's entry point, its two instantiations (validate, JSON), the
 * out-of-line varint paths and the error/path reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "walk_internal.h"
#include "walk_read_internal.h"

#define CF_WALK_EMIT 0
#define CF_WALK_NAME(x) x##_validate
#include "walk_template.h"
#undef CF_WALK_EMIT
#undef CF_WALK_NAME

#define CF_WALK_EMIT 1
#define CF_WALK_NAME(x) x##_json
#include "walk_template.h"
#undef CF_WALK_EMIT
#undef CF_WALK_NAME

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

/* Read a varint of at most `max_bytes` bytes. Avro allows non-minimal
 * encodings, so only the length and the bits that do not fit are checked.
 * Multi-byte values (ids, timestamps) are common, so the loop runs without
 * per-byte bounds checks when a maximal varint fits in what remains. */
static int read_varint(cf_walk *w, unsigned max_bytes, const char *what, uint64_t *out)
{
    const uint8_t *start = w->p;
    uint64_t u = 0;
#if defined(__GNUC__)
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
            goto overlong;
        }
        if (max_bytes < 9) {
            goto overlong;
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
overlong:
    if (max_bytes == 10 && start[9] < 0x80) {
        return cf_walk_fail(w, CFAVRO_E_DATA_VARINT, start,
                            "varint %s does not fit in 64 bits", what);
    }
    return cf_walk_fail(w, CFAVRO_E_DATA_VARINT, start,
                        "varint %s longer than %u bytes", what, max_bytes);
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
    } else if (root->kind == CF_RECORD) {
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

int cf_walk_run(const cf_schema *schema, const cf_options *opt, cf_walk_mode mode,
                const uint8_t *payload, size_t len, size_t msg_offset, cf_buf *out,
                cfavro_error *err)
{
    cf_walk w;
    w.p = payload;
    w.end = payload + len;
    w.nodes = schema->nodes;
    w.opt = opt;
    w.out = out;
    w.depth_left = opt->walk.max_depth;
    w.zero_items_left = opt->walk.max_items;
    w.status = CFAVRO_OK;
    w.nsegs = 0;
    w.segs_dropped = false;

    size_t out_start = out != NULL ? out->len : 0;
    int rc;
    const cf_node *root = &schema->nodes[schema->root];
    if (root->kind == CF_BYTES && root->logical == CF_LT_NONE) {
        rc = mode == CF_WALK_JSON ? cf_walk_raw_bytes_json(&w, schema->root)
                                  : cf_walk_raw_bytes_validate(&w, schema->root);
    } else {
        rc = mode == CF_WALK_JSON ? cf_walk_value_json(&w, schema->root)
                                  : cf_walk_value_validate(&w, schema->root);
    }
    if (rc == CFAVRO_OK && w.p != w.end && !opt->walk.allow_trailing) {
        rc = cf_walk_fail(&w, CFAVRO_E_TRAILING_BYTES, w.p,
                          "%zu bytes left after the value (%zu of %zu bytes used)",
                          (size_t)(w.end - w.p), (size_t)(w.p - payload), len);
    }
    if (rc == CFAVRO_OK) {
        return CFAVRO_OK;
    }
    if (out != NULL) {
        out->len = out_start;
    }
    if (err != NULL) {
        err->status = rc;
        err->offset = (uint64_t)(msg_offset + (size_t)(w.err_at - payload));
        memcpy(err->message, w.message, sizeof err->message);
        /* Trailing bytes lie after the value, not inside it: no path. */
        if (rc == CFAVRO_E_TRAILING_BYTES) {
            err->path[0] = '\0';
        } else {
            format_path(&w, schema, err->path, sizeof err->path);
        }
    }
    return rc;
}
