/* Text output helpers shared by the tool's commands (see text.h). */
#include "text.h"

#include <stdint.h>
#include <string.h>

void cf_wrap_newline(cf_wrapper *w, int indent)
{
    fprintf(w->out, "\n%*s", indent, "");
    w->col = indent;
    w->fresh = true;
}

void cf_wrap_words(cf_wrapper *w, const char *text)
{
    const char *p = text;
    for (;;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == 0) {
            return;
        }
        if (!w->fresh && w->col + 1 + (int)len > 79) {
            cf_wrap_newline(w, w->indent);
        } else if (!w->fresh) {
            putc(' ', w->out);
            w->col++;
        }
        fwrite(p, 1, len, w->out);
        w->col += (int)len;
        w->fresh = false;
        p += len;
    }
}

void cf_put_clean(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\x%02x", c);
        } else {
            putc(c, f);
        }
    }
}

size_t cf_utf8_sequence(const uint8_t *p, size_t len)
{
    if (len == 0) {
        return 0;
    }
    uint8_t c = p[0];
    size_t n;
    if (c < 0x80) {
        return 1;
    }
    uint8_t lo = 0x80;
    uint8_t hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (len < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

void cf_put_json_string(FILE *f, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    putc('"', f);
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
            i++;
        } else if (c == '\n') {
            fputs("\\n", f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            putc(c, f);
            i++;
        } else {
            size_t n = cf_utf8_sequence(p + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", f);
                i++;
            } else {
                fwrite(p + i, 1, n, f);
                i += n;
            }
        }
    }
    putc('"', f);
}

void cf_format_guid(const uint8_t guid[16], char out[37])
{
    size_t w = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[w++] = '-';
        }
        snprintf(out + w, 3, "%02x", guid[i]);
        w += 2;
    }
    out[w] = '\0';
}
