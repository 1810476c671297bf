/* Building output lines (see line_buf.h). */
#include "line_buf.h"

#include <stdlib.h>
#include <string.h>

static bool reserve(ingest_line_buf *b, size_t extra)
{
    if (b->failed) {
        return false;
    }
    if (extra <= b->cap - b->len) {
        return true;
    }
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

void ingest_line_reset(ingest_line_buf *b)
{
    b->len = 0;
    b->failed = false;
}

void ingest_line_put(ingest_line_buf *b, const void *bytes, size_t len)
{
    if (reserve(b, len)) {
        memcpy(b->data + b->len, bytes, len);
        b->len += len;
    }
}

void ingest_line_puts(ingest_line_buf *b, const char *text)
{
    ingest_line_put(b, text, strlen(text));
}

void ingest_line_put_i64(ingest_line_buf *b, int64_t value)
{
    /* Three of these per line (partition, offset, timestamp): snprintf cost
     * more than decoding the record, so digits are written by hand, from
     * the right. */
    char text[24];
    char *end = text + sizeof text, *p = end;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) {
        *--p = '-';
    }
    ingest_line_put(b, p, (size_t)(end - p));
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 when it is not one
 * (overlongs, surrogates and values past U+10FFFF are not valid). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < need) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_for[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return need;
}

void ingest_line_put_json_string(ingest_line_buf *b, const void *bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = bytes;
    ingest_line_put(b, "\"", 1);
    size_t run = 0; /* bytes that go out unchanged, from s + i - run */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t seq = 1;
        const char *escape = NULL;
        char control[6];
        if (c == '"') {
            escape = "\\\"";
        } else if (c == '\\') {
            escape = "\\\\";
        } else if (c < 0x20) {
            control[0] = '\\';
            control[1] = 'u';
            control[2] = '0';
            control[3] = '0';
            control[4] = hex[c >> 4];
            control[5] = hex[c & 15];
        } else if (c >= 0x80 && (seq = utf8_sequence(s + i, len - i)) == 0) {
            escape = "\\ufffd";
            seq = 1;
        }
        if (escape == NULL && c >= 0x20) {
            run += seq;
            i += seq;
            continue;
        }
        ingest_line_put(b, s + i - run, run);
        run = 0;
        if (escape != NULL) {
            ingest_line_puts(b, escape);
        } else {
            ingest_line_put(b, control, sizeof control);
        }
        i += seq;
    }
    ingest_line_put(b, s + len - run, run);
    ingest_line_put(b, "\"", 1);
}

void ingest_line_put_base64(ingest_line_buf *b, const void *bytes, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = bytes;
    size_t out_len = (len + 2) / 3 * 4;
    ingest_line_put(b, "\"", 1);
    if (!reserve(b, out_len + 1)) {
        return;
    }
    char *out = b->data + b->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
    b->len += out_len;
    ingest_line_put(b, "\"", 1);
}

void ingest_line_free(ingest_line_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
