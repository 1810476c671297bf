/* JSON output buffer, strings (with UTF-8 validation) and bytes.
 *
 * This is the JSON hot path. Most strings need no escapes and are ASCII:
 * they are checked 16 bytes at a time (SSE2, which every x86-64 has; 8 at
 * a time elsewhere, and under CF_PORTABLE) for the bytes that need
 * attention (controls, '"', '\\', non-ASCII) while being copied, after one
 * reservation of n + 2 bytes for the whole quoted string. Only when such a
 * byte turns up does the general loop take over from there: runs of plain
 * bytes are copied with one memcpy and room is reserved per run rather
 * than for the worst case (6 output bytes per input byte), so a string
 * that fits under the output limit is never refused because of a
 * pessimistic estimate. */
#include "json_write_internal.h"

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "compiler_internal.h"

#include <stdint.h>
#include <string.h>

/* Byte order: the 8-byte (SWAR) scans below only ask whether any byte of a
 * word matches and then find which one byte by byte, and the SSE2 masks
 * number bytes in memory order, so no path depends on the host's byte
 * order. CF_PORTABLE (meson -Dsimd=disabled) leaves SSE2 out, so the SWAR
 * path every non-x86 target runs is built and tested on x86 too. */
#if defined(__SSE2__) && !defined(CF_PORTABLE)
#include <emmintrin.h>
#define CF_SSE2 1
#endif

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

#ifndef CF_SSE2
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
#endif

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

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

#ifndef CF_SSE2
/* special8() for 4 bytes. */
static inline uint32_t special4(uint32_t w)
{
    const uint32_t ones = 0x01010101u;
    uint32_t lt20 = (w - ones * 0x20) & ~w;
    uint32_t q = w ^ (ones * '"');
    uint32_t bs = w ^ (ones * '\\');
    uint32_t eq = ((q - ones) & ~q) | ((bs - ones) & ~bs);
    return (lt20 | eq | w) & 0x80808080u;
}
#endif

#ifdef CF_SSE2
/* Bit i set when byte i of x needs attention. A signed compare with 0x20
 * catches both the controls and (being negative) the bytes >= 0x80. */
static inline unsigned special16(__m128i x)
{
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned ctz32(unsigned m)
{
    return (unsigned)__builtin_ctz(m);
}
#endif

/* Does s[0..n) (n < 16) hold no byte that needs attention? Two
 * overlapping loads cover the string whole: short strings are the common
 * case (names, symbols, map keys) and almost always clean. */
static inline bool short_clean(const uint8_t *s, size_t n)
{
    if (n >= 8) {
#ifdef CF_SSE2
        __m128i x = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)s),
                                       _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8)));
        return special16(x) == 0;
#else
        return (special8(load64(s)) | special8(load64(s + n - 8))) == 0;
#endif
    }
    if (n >= 4) {
#ifdef CF_SSE2
        uint64_t both = (uint64_t)load32(s) | (uint64_t)load32(s + n - 4) << 32;
        return special16(_mm_set1_epi64x((long long)both)) == 0;
#else
        return (special4(load32(s)) | special4(load32(s + n - 4))) == 0;
#endif
    }
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) { /* 0..3 bytes */
        any |= k_special[s[i]];
    }
    return any == 0;
}

/* Index of the first byte of s[0..n) (n < 16) that needs attention, or n. */
static inline size_t first_special_short(const uint8_t *s, size_t n)
{
    if (short_clean(s, n)) {
        return n;
    }
    size_t i = 0;
    while (!k_special[s[i]]) { /* one is there */
        i++;
    }
    return i;
}

/* Length of the run of bytes at s[0..n) that can be copied verbatim. */
static inline size_t plain_run(const uint8_t *s, size_t n)
{
    size_t i = 0;
#ifdef CF_SSE2
    while (n - i >= 16) {
        unsigned m = special16(_mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        if (m != 0) {
            return i + ctz32(m);
        }
        i += 16;
    }
#else
    while (n - i >= 8 && special8(load64(s + i)) == 0) {
        i += 8;
    }
#endif
    return i + first_special_short(s + i, n - i);
}

/* Copy the plain prefix of s[0..n) to d (which has room for n bytes) and
 * return its length: the index of the first byte that needs attention, or
 * n. Bytes of d past that index may be overwritten with later input. */
static inline size_t copy_plain(char *d, const uint8_t *s, size_t n)
{
    if (n < 16) {
        if (short_clean(s, n)) {
            if (n >= 8) {
                memcpy(d, s, 8);
                memcpy(d + n - 8, s + n - 8, 8);
            } else if (n >= 4) {
                memcpy(d, s, 4);
                memcpy(d + n - 4, s + n - 4, 4);
            } else {
                for (size_t i = 0; i < n; i++) {
                    d[i] = (char)s[i];
                }
            }
            return n;
        }
        size_t i = 0;
        while (!k_special[s[i]]) {
            d[i] = (char)s[i];
            i++;
        }
        return i;
    }
#ifdef CF_SSE2
    size_t i = 0;
    for (; n - i > 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(d + i), x);
        unsigned m = special16(x);
        if (m != 0) {
            return i + ctz32(m);
        }
    }
    /* The last 16 bytes, overlapping what was already checked. */
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
    _mm_storeu_si128((__m128i *)(void *)(d + n - 16), x);
    unsigned m = special16(x) >> (16 - (n - i)); /* drop the bytes seen before */
    return m != 0 ? i + ctz32(m) : n;
#else
    size_t i = 0;
    for (; n - i > 8; i += 8) {
        uint64_t w = load64(s + i);
        memcpy(d + i, &w, 8);
        if (special8(w) != 0) {
            return i + first_special_short(s + i, 8);
        }
    }
    uint64_t w = load64(s + n - 8);
    if (special8(w) != 0) {
        size_t j = i + first_special_short(s + i, n - i);
        memcpy(d + i, s + i, j - i);
        return j;
    }
    memcpy(d + n - 8, &w, 8);
    return n;
#endif
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

/* True when s[0..n) is all ASCII: the OR of all bytes has no high bit.
 * Whole blocks plus one overlapping load for the tail, no per-byte loop. */
static inline bool all_ascii(const uint8_t *s, size_t n)
{
#ifdef CF_SSE2
    if (n >= 16) {
        __m128i acc = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        for (size_t i = 0; i + 16 < n; i += 16) {
            acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        }
        return _mm_movemask_epi8(acc) == 0;
    }
#else
    if (n >= 16) {
        uint64_t acc = load64(s + n - 8);
        for (size_t i = 0; i + 8 < n; i += 8) {
            acc |= load64(s + i);
        }
        return (acc & HIGHS) == 0;
    }
#endif
    if (n >= 8) {
        return ((load64(s) | load64(s + n - 8)) & HIGHS) == 0;
    }
    if (n >= 4) {
        return ((load32(s) | load32(s + n - 4)) & 0x80808080u) == 0;
    }
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= s[i];
    }
    return acc < 0x80;
}

bool cf_utf8_valid(const uint8_t *s, size_t n, size_t *bad_at)
{
    if (all_ascii(s, n)) {
        return true;
    }
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

/* The code point at s[*i] (*i < n) of the text with each maximal invalid
 * subpart read as U+FFFD, as string_rest writes it; advances *i past it. */
static uint32_t replaced_code_point(const uint8_t *s, size_t n, size_t *i)
{
    uint8_t c = s[*i];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    size_t bad;
    size_t len = utf8_seq(s + *i, n - *i, &bad);
    if (len == 0) {
        *i += bad;
        return 0xFFFD;
    }
    uint32_t cp = c & (0x7Fu >> len); /* the lead byte's payload bits */
    for (size_t k = 1; k < len; k++) {
        cp = cp << 6 | (s[*i + k] & 0x3Fu);
    }
    *i += len;
    return cp;
}

size_t cf_utf8_replace(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t k = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            out[k++] = s[i++];
            continue;
        }
        size_t bad;
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (len == 0) {
            out[k++] = 0xEF; /* U+FFFD */
            out[k++] = 0xBF;
            out[k++] = 0xBD;
            i += bad;
        } else {
            memcpy(out + k, s + i, len);
            k += len;
            i += len;
        }
    }
    return k;
}

int cf_utf8_replaced_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    size_t i = 0;
    while (i < n && a[i] == b[i]) {
        i++;
    }
    if (i == an && i == bn) {
        return 0; /* the same bytes: the same text, replaced or not */
    }
    /* How a subpart is read depends on the bytes after it, so the common
     * prefix can end inside a sequence that is valid in one text and not in
     * the other. Step back to just after an ASCII byte (or the start): no
     * sequence or subpart spans one, so both texts are cut there alike. */
    while (i > 0 && a[i - 1] >= 0x80) {
        i--;
    }
    size_t ia = i, ib = i;
    while (ia < an && ib < bn) {
        uint32_t ca = replaced_code_point(a, an, &ia);
        uint32_t cb = replaced_code_point(b, bn, &ib);
        if (ca != cb) {
            return ca < cb ? -1 : 1;
        }
    }
    return (ia < an) - (ib < bn);
}

/* ---- strings ------------------------------------------------------------ */

/* The JSON text of each byte value, zero-padded to 8 bytes, and its length
 * (1, 2 or 6). For ASCII that is the byte itself or its escape inside a
 * JSON string; for 0x80..0xFF it is the UTF-8 of the code point with the
 * same value, which is what Avro's JSON encoding of bytes wants. */
static const char k_json_text[256][8] = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
    "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f",
    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    " ", "!", "\\\"", "#", "$", "%", "&", "'",
    "(", ")", "*", "+", ",", "-", ".", "/",
    "0", "1", "2", "3", "4", "5", "6", "7",
    "8", "9", ":", ";", "<", "=", ">", "?",
    "@", "A", "B", "C", "D", "E", "F", "G",
    "H", "I", "J", "K", "L", "M", "N", "O",
    "P", "Q", "R", "S", "T", "U", "V", "W",
    "X", "Y", "Z", "[", "\\\\", "]", "^", "_",
    "`", "a", "b", "c", "d", "e", "f", "g",
    "h", "i", "j", "k", "l", "m", "n", "o",
    "p", "q", "r", "s", "t", "u", "v", "w",
    "x", "y", "z", "{", "|", "}", "~", "\x7F",
    "\xC2\x80", "\xC2\x81", "\xC2\x82", "\xC2\x83", "\xC2\x84", "\xC2\x85", "\xC2\x86", "\xC2\x87",
    "\xC2\x88", "\xC2\x89", "\xC2\x8A", "\xC2\x8B", "\xC2\x8C", "\xC2\x8D", "\xC2\x8E", "\xC2\x8F",
    "\xC2\x90", "\xC2\x91", "\xC2\x92", "\xC2\x93", "\xC2\x94", "\xC2\x95", "\xC2\x96", "\xC2\x97",
    "\xC2\x98", "\xC2\x99", "\xC2\x9A", "\xC2\x9B", "\xC2\x9C", "\xC2\x9D", "\xC2\x9E", "\xC2\x9F",
    "\xC2\xA0", "\xC2\xA1", "\xC2\xA2", "\xC2\xA3", "\xC2\xA4", "\xC2\xA5", "\xC2\xA6", "\xC2\xA7",
    "\xC2\xA8", "\xC2\xA9", "\xC2\xAA", "\xC2\xAB", "\xC2\xAC", "\xC2\xAD", "\xC2\xAE", "\xC2\xAF",
    "\xC2\xB0", "\xC2\xB1", "\xC2\xB2", "\xC2\xB3", "\xC2\xB4", "\xC2\xB5", "\xC2\xB6", "\xC2\xB7",
    "\xC2\xB8", "\xC2\xB9", "\xC2\xBA", "\xC2\xBB", "\xC2\xBC", "\xC2\xBD", "\xC2\xBE", "\xC2\xBF",
    "\xC3\x80", "\xC3\x81", "\xC3\x82", "\xC3\x83", "\xC3\x84", "\xC3\x85", "\xC3\x86", "\xC3\x87",
    "\xC3\x88", "\xC3\x89", "\xC3\x8A", "\xC3\x8B", "\xC3\x8C", "\xC3\x8D", "\xC3\x8E", "\xC3\x8F",
    "\xC3\x90", "\xC3\x91", "\xC3\x92", "\xC3\x93", "\xC3\x94", "\xC3\x95", "\xC3\x96", "\xC3\x97",
    "\xC3\x98", "\xC3\x99", "\xC3\x9A", "\xC3\x9B", "\xC3\x9C", "\xC3\x9D", "\xC3\x9E", "\xC3\x9F",
    "\xC3\xA0", "\xC3\xA1", "\xC3\xA2", "\xC3\xA3", "\xC3\xA4", "\xC3\xA5", "\xC3\xA6", "\xC3\xA7",
    "\xC3\xA8", "\xC3\xA9", "\xC3\xAA", "\xC3\xAB", "\xC3\xAC", "\xC3\xAD", "\xC3\xAE", "\xC3\xAF",
    "\xC3\xB0", "\xC3\xB1", "\xC3\xB2", "\xC3\xB3", "\xC3\xB4", "\xC3\xB5", "\xC3\xB6", "\xC3\xB7",
    "\xC3\xB8", "\xC3\xB9", "\xC3\xBA", "\xC3\xBB", "\xC3\xBC", "\xC3\xBD", "\xC3\xBE", "\xC3\xBF",
};

static const uint8_t k_json_len[256] = {
    6, 6, 6, 6, 6, 6, 6, 6, 2, 2, 2, 6, 2, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};


#define k_hex cf_hex_digits

/* The general loop: append s[i..n) (after the opening quote) with escapes,
 * UTF-8 checks and per-run reservations, then the closing quote. Kept out
 * of line so the clean-string path stays small. */
static CF_NOINLINE int string_rest(cf_buf *b, const uint8_t *s, size_t n, size_t i, cf_utf8_mode mode,
                       size_t *bad_at)
{
    int rc;
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
        if (c < 0x80) { /* an escape: reserve its exact size */
            if ((rc = cf_buf_put(b, k_json_text[c], k_json_len[c])) != CFAVRO_OK) {
                return rc;
            }
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

/* cf_json_string() when n + 2 bytes are not free: grow, or let the general
 * loop decide which error applies. */
static CF_NOINLINE int string_grow(cf_buf *b, const uint8_t *s, size_t n, cf_utf8_mode mode,
                                   size_t *bad_at)
{
    /* The output is never shorter than n + 2 (escapes and replacements
     * only grow), so this is the least that can succeed. */
    if (n <= SIZE_MAX - 2 && cf_buf_grow(b, n + 2) == CFAVRO_OK) {
        return cf_json_string(b, s, n, mode, bad_at);
    }
    int rc = cf_buf_putc(b, '"');
    return rc != CFAVRO_OK ? rc : string_rest(b, s, n, 0, mode, bad_at);
}

int cf_json_string(cf_buf *b, const uint8_t *s, size_t n, cf_utf8_mode mode, size_t *bad_at)
{
    /* The clean-string path makes no calls (only tail calls), so it needs
     * no register saves. */
    if (n > SIZE_MAX - 2 || b->cap - b->len < n + 2) {
        return string_grow(b, s, n, mode, bad_at);
    }
    char *d = b->data + b->len;
    d[0] = '"';
    size_t i = copy_plain(d + 1, s, n);
    if (i == n) {
        d[n + 1] = '"';
        b->len += n + 2;
        return CFAVRO_OK;
    }
    b->len += 1 + i;
    return string_rest(b, s, n, i, mode, bad_at);
}

/* ---- bytes -------------------------------------------------------------- */

/* Two passes: the exact output length (one table lookup per byte), one
 * reservation, then one 8-byte table copy per byte. Binary data is the
 * usual content, so there are no long plain runs worth looking for. */
static int bytes_avro(cf_buf *b, const uint8_t *s, size_t n)
{
    uint64_t out = 2; /* cannot wrap: n bytes exist in memory, 6 * n < 2^64 */
    for (size_t i = 0; i < n; i++) {
        out += k_json_len[s[i]];
    }
    if (out > SIZE_MAX - 8) {
        return CFAVRO_E_LIMIT_OUTPUT; /* could never fit */
    }
    int rc = cf_buf_reserve(b, (size_t)out);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char *d = b->data + b->len;
    *d++ = '"';
    if (b->cap - b->len >= (size_t)out + 8) { /* room for the last copy's overhang */
        for (size_t i = 0; i < n; i++) {
            memcpy(d, k_json_text[s[i]], 8);
            d += k_json_len[s[i]];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            memcpy(d, k_json_text[s[i]], k_json_len[s[i]]);
            d += k_json_len[s[i]];
        }
    }
    *d++ = '"';
    b->len = (size_t)(d - b->data);
    return CFAVRO_OK;
}

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int cf_json_bytes(cf_buf *b, const uint8_t *s, size_t n, cf_bytes_mode mode)
{
    int rc;
    size_t out;
    switch (mode) {
    case CF_BYTES_AVRO:
        return bytes_avro(b, s, n);
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
