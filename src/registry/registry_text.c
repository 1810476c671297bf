/* Percent-encoding, GUID text and body excerpts for the registry client. */
#include "registry_text_internal.h"

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "excerpt_internal.h"

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

size_t cf_percent_encode(const char *s, size_t len, char *out, size_t cap)
{
    static const char upper[16] = "0123456789ABCDEF";
    size_t n = 0;
    /* Write while it fits (leaving room for the NUL), count regardless. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char enc[3] = {(char)c, 0, 0};
        size_t w = 1;
        if (!is_unreserved(c)) {
            enc[0] = '%';
            enc[1] = upper[c >> 4];
            enc[2] = upper[c & 0x0f];
            w = 3;
        }
        for (size_t k = 0; k < w; k++, n++) {
            if (n + 1 < cap) {
                out[n] = enc[k];
            }
        }
    }
    if (cap > 0) {
        out[n < cap ? n : cap - 1] = '\0';
    }
    return n;
}

char *cf_percent_decode(const char *s, size_t n)
{
    char *out = cf_malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = cf_hex_value((unsigned char)s[i + 1])) >= 0 &&
            (lo = cf_hex_value((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static bool is_dash_offset(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

bool cf_guid_parse(const char *s, size_t len, uint8_t out[CFAVRO_GUID_SIZE])
{
    if (s == NULL || len != CF_GUID_TEXT_LEN) {
        return false;
    }
    uint8_t g[CFAVRO_GUID_SIZE];
    size_t nibble = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_dash_offset(i)) {
            if (c != '-') {
                return false;
            }
            continue;
        }
        int v = cf_hex_value(c);
        if (v < 0) {
            return false;
        }
        if (nibble % 2 == 0) {
            g[nibble / 2] = (uint8_t)(v << 4);
        } else {
            g[nibble / 2] |= (uint8_t)v;
        }
        nibble++;
    }
    for (size_t i = 0; i < CFAVRO_GUID_SIZE; i++) {
        out[i] = g[i];
    }
    return true;
}

void cf_guid_format(const uint8_t guid[CFAVRO_GUID_SIZE], char out[CF_GUID_TEXT_LEN + 1])
{
    size_t b = 0;
    for (size_t i = 0; i < CF_GUID_TEXT_LEN; i++) {
        if (is_dash_offset(i)) {
            out[i] = '-';
            continue;
        }
        out[i] = cf_hex_digits[guid[b / 2] >> (b % 2 ? 0 : 4) & 0x0f];
        b++;
    }
    out[CF_GUID_TEXT_LEN] = '\0';
}

const char *cf_reg_excerpt(char buf[CF_REG_EXCERPT_CAP], const char *s, size_t len)
{
    return cf_excerpt(buf, s, len, CF_REG_EXCERPT_BYTES);
}
