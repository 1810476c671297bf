/* JSON output buffer, strings (with UTF-8 validation) and bytes.
 *
 * This is the JSON hot path: strings are scanned eight bytes at a time for
 * the bytes that need attention (controls, '"', '\\', non-ASCII), and runs of
 * plain ASCII are copied with one memcpy. Room is reserved per run rather
 * than for the worst case (6 output bytes per input byte), so a string that
 * fits under the output limit is never refused because of a pessimistic
 * estimate. */
#include "json_write_internal.h"

#include "alloc_internal.h"

#include <stdint.h>

/* ---- buffer ------------------------------------------------------------- */

#define CF_BUF_MIN_CAP 256

int cf_buf_grow(cf_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) {
        return CFAVRO_OK;
    }
    /* len + extra > limit, written so it cannot wrap. */
    if (b->len > b->limit || extra > b->limit - b->len) {
        return CFAVRO_E_LIMIT_OUTPUT;
    }
    size_t need = b->len + extra;
    size_t cap = b->cap < CF_BUF_MIN_CAP ? CF_BUF_MIN_CAP : b->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    /* Never allocate more than could ever be used. */
    if (cap > b->limit) {
        cap = b->limit;
    }
    char *p = cf_realloc(b->data, cap);
    if (p == NULL) {
        return CFAVRO_E_NOMEM; /* b is untouched and still valid */
    }
    b->data = p;
    b->cap = cap;
    return CFAVRO_OK;
}

void cf_buf_free(cf_buf *b)
{
    cf_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* ---- scanning helpers ----------------------------------------------------- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Nonzero when some byte of w needs escaping or is not ASCII: < 0x20, '"',
 * '\\' or >= 0x80. Each test is the classic "has a zero byte" trick: it
 * never misses a match; which byte matched is found afterwards bytewise, so
 * the position (and byte order) does not matter here. */
static inline uint64_t special8(uint64_t w)
{
    uint64_t lt20 = (w - ONES * 0x20) & ~w;
    uint64_t q = w ^ (ONES * '"');
    uint64_t bs = w ^ (ONES * '\\');
    uint64_t eq = ((q - ONES) & ~q) | ((bs - ONES) & ~bs);
    return (lt20 | eq | w) & HIGHS;
}

/* 1 for bytes that cannot be copied verbatim into a JSON string. */
static const uint8_t k_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x7f stays */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80.. non-ASCII */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Length of the run of bytes at s[0..n) that can be copied verbatim. */
static inline size_t plain_run(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (n - i >= 8 && special8(load64(s + i)) == 0) {
        i += 8;
    }
    while (i < n && !k_special[s[i]]) {
        i++;
    }
    return i;
}

/* Decode one multi-byte UTF-8 sequence whose lead byte is s[0] >= 0x80 and
 * n >= 1 bytes are available. Returns its length (2..4) when it is valid per
 * RFC 3629, else 0 with *bad set to the length of the maximal subpart: the
 * longest prefix of s that could start a valid sequence (at least 1). Each
 * such subpart is one U+FFFD in replace mode (Unicode's "substitution of
 * maximal subparts"). */
static size_t utf8_seq(const uint8_t *s, size_t n, size_t *bad)
{
    uint8_t c = s[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) {
            lo = 0xA0; /* below: overlong */
        } else if (c == 0xED) {
            hi = 0x9F; /* above: surrogates D800..DFFF */
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) {
            lo = 0x90; /* below: overlong */
        } else if (c == 0xF4) {
            hi = 0x8F; /* above: beyond U+10FFFF */
        }
    } else {
        /* 0x80..0xBF stray continuation, 0xC0/0xC1 overlong, 0xF5..0xFF. */
        *bad = 1;
        return 0;
    }
    if (n < 2 || s[1] < lo || s[1] > hi) {
        *bad = 1;
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if (i >= n || (s[i] & 0xC0) != 0x80) {
            *bad = i;
            return 0;
        }
    }
    return len;
}

bool cf_utf8_valid(const uint8_t *s, size_t n, size_t *bad_at)
{
    size_t i = 0;
    while (i < n) {
        while (n - i >= 8 && (load64(s + i) & HIGHS) == 0) {
            i += 8;
        }
        while (i < n && s[i] < 0x80) {
            i++;
        }
        if (i == n) {
            break;
        }
        size_t bad;
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (len == 0) {
            if (bad_at != NULL) {
                *bad_at = i;
            }
            return false;
        }
        i += len;
    }
    return true;
}

/* ---- strings ------------------------------------------------------------ */

static const char k_hex[] = "0123456789abcdef";

/* Write the escape for an ASCII byte c that k_special flags. Room for 6
 * bytes must be reserved. Returns the bytes written. */
static inline size_t escape_ascii(char *d, uint8_t c)
{
    char e;
    switch (c) {
    case '"': e = '"'; break;
    case '\\': e = '\\'; break;
    case '\b': e = 'b'; break;
    case '\f': e = 'f'; break;
    case '\n': e = 'n'; break;
    case '\r': e = 'r'; break;
    case '\t': e = 't'; break;
    default:
        d[0] = '\\';
        d[1] = 'u';
        d[2] = '0';
        d[3] = '0';
        d[4] = k_hex[c >> 4];
        d[5] = k_hex[c & 15];
        return 6;
    }
    d[0] = '\\';
    d[1] = e;
    return 2;
}

int cf_json_string(cf_buf *b, const uint8_t *s, size_t n, cf_utf8_mode mode, size_t *bad_at)
{
    int rc;
    /* Most strings need no escapes: one reservation covers them whole. Its
     * failure is not final (replacements and escapes change the length), so
     * the per-run reservations below decide. */
    if (n <= SIZE_MAX - 2) {
        (void)cf_buf_reserve(b, n + 2);
    }
    if ((rc = cf_buf_putc(b, '"')) != CFAVRO_OK) {
        return rc;
    }
    size_t i = 0;
    while (i < n) {
        size_t run = plain_run(s + i, n - i);
        if (run > 0) {
            if ((rc = cf_buf_put(b, s + i, run)) != CFAVRO_OK) {
                return rc;
            }
            i += run;
            if (i == n) {
                break;
            }
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            if ((rc = cf_buf_reserve(b, 6)) != CFAVRO_OK) {
                return rc;
            }
            b->len += escape_ascii(b->data + b->len, c);
            i++;
            continue;
        }
        size_t bad;
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (len != 0) {
            if ((rc = cf_buf_put(b, s + i, len)) != CFAVRO_OK) {
                return rc;
            }
            i += len;
        } else if (mode == CF_UTF8_REPLACE) {
            if ((rc = cf_buf_put(b, "\xEF\xBF\xBD", 3)) != CFAVRO_OK) {
                return rc;
            }
            i += bad;
        } else {
            if (bad_at != NULL) {
                *bad_at = i;
            }
            return CFAVRO_E_DATA_UTF8;
        }
    }
    return cf_buf_putc(b, '"');
}

/* ---- bytes -------------------------------------------------------------- */

/* Avro's JSON encoding maps each byte to the code point of the same value. */
static int bytes_avro(cf_buf *b, const uint8_t *s, size_t n)
{
    int rc;
    size_t i = 0;
    while (i < n) {
        size_t run = plain_run(s + i, n - i);
        if (run > 0) {
            if ((rc = cf_buf_put(b, s + i, run)) != CFAVRO_OK) {
                return rc;
            }
            i += run;
            if (i == n) {
                break;
            }
        }
        if ((rc = cf_buf_reserve(b, 6)) != CFAVRO_OK) {
            return rc;
        }
        uint8_t c = s[i++];
        char *d = b->data + b->len;
        if (c < 0x80) {
            b->len += escape_ascii(d, c);
        } else {
            d[0] = (char)(0xC0 | (c >> 6));
            d[1] = (char)(0x80 | (c & 0x3F));
            b->len += 2;
        }
    }
    return CFAVRO_OK;
}

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int cf_json_bytes(cf_buf *b, const uint8_t *s, size_t n, cf_bytes_mode mode)
{
    int rc;
    size_t out;
    switch (mode) {
    case CF_BYTES_AVRO:
        if ((rc = cf_buf_putc(b, '"')) != CFAVRO_OK || (rc = bytes_avro(b, s, n)) != CFAVRO_OK) {
            return rc;
        }
        return cf_buf_putc(b, '"');
    case CF_BYTES_BASE64:
        if (n / 3 > (SIZE_MAX - 6) / 4) {
            return CFAVRO_E_LIMIT_OUTPUT; /* could never fit */
        }
        out = (n + 2) / 3 * 4 + 2;
        break;
    case CF_BYTES_HEX:
        if (n > (SIZE_MAX - 2) / 2) {
            return CFAVRO_E_LIMIT_OUTPUT;
        }
        out = 2 * n + 2;
        break;
    default:
        return CFAVRO_E_ARGUMENT;
    }
    if ((rc = cf_buf_reserve(b, out)) != CFAVRO_OK) {
        return rc;
    }
    char *d = b->data + b->len;
    *d++ = '"';
    if (mode == CF_BYTES_HEX) {
        for (size_t i = 0; i < n; i++) {
            *d++ = k_hex[s[i] >> 4];
            *d++ = k_hex[s[i] & 15];
        }
    } else {
        size_t i = 0;
        for (; n - i >= 3; i += 3) {
            uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
            d[0] = k_b64[v >> 18];
            d[1] = k_b64[(v >> 12) & 63];
            d[2] = k_b64[(v >> 6) & 63];
            d[3] = k_b64[v & 63];
            d += 4;
        }
        if (n - i == 1) {
            uint32_t v = (uint32_t)s[i] << 16;
            d[0] = k_b64[v >> 18];
            d[1] = k_b64[(v >> 12) & 63];
            d[2] = '=';
            d[3] = '=';
            d += 4;
        } else if (n - i == 2) {
            uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
            d[0] = k_b64[v >> 18];
            d[1] = k_b64[(v >> 12) & 63];
            d[2] = k_b64[(v >> 6) & 63];
            d[3] = '=';
            d += 4;
        }
    }
    *d++ = '"';
    b->len = (size_t)(d - b->data);
    return CFAVRO_OK;
}
