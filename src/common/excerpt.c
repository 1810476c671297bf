/* Bounded, printable excerpts of untrusted text for messages. */
#include "excerpt_internal.h"

#include <string.h>

#include "bytes_internal.h"

const char *cf_excerpt(char *dst, const char *s, size_t len, size_t max)
{
    size_t take = len < max ? len : max;
    size_t n = 0;
    for (size_t i = 0; i < take; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
            dst[n++] = (char)c;
        } else {
            dst[n++] = '\\';
            dst[n++] = 'x';
            dst[n++] = cf_hex_digits[c >> 4];
            dst[n++] = cf_hex_digits[c & 0x0f];
        }
    }
    if (take < len) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = '\0';
    return dst;
}
