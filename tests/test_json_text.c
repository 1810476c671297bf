/* Tests for the JSON output buffer and text writers (src/json_write.c
 * through src/json_write_internal.h): growth and limits of cf_buf, strings
 * (escapes, UTF-8 validation and replacement) and bytes (Avro's
 * code-point mapping, base64, hex).
 *
 * Set CFAVRO_SLOW_RUN=1 (done automatically under valgrind) to shrink the
 * randomized loops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_write_internal.h"
#include "test_json_support.h"
#include "test_support.h"

/* ---- buffer ------------------------------------------------------------- */

static void test_buf_growth(void **state)
{
    (void)state;
    alloc_hooks_on(0, -1);
    cf_buf b = new_buf();
    for (int i = 0; i < 1000000; i++) {
        assert_int_equal(cf_buf_putc(&b, (char)('a' + i % 26)), CFAVRO_OK);
    }
    assert_int_equal(b.len, 1000000);
    assert_true(b.cap >= b.len);
    assert_true(alloc_reallocs() <= 15); /* geometric: 256 * 2^13 > 1e6 */
    assert_int_equal(b.data[999999], 'a' + 999999 % 26);
    alloc_hooks_off();
    cf_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    cf_buf_free(&b); /* twice is harmless */
}

static void test_buf_limit(void **state)
{
    (void)state;
    alloc_hooks_on(0, -1);
    cf_buf b = {NULL, 0, 0, 10};
    assert_int_equal(cf_buf_put(&b, "0123456789", 10), CFAVRO_OK);
    assert_true(b.cap <= 10); /* never allocates past the limit */
    long before = alloc_reallocs();
    assert_int_equal(cf_buf_putc(&b, 'x'), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(alloc_reallocs(), before); /* no allocation attempted */
    assert_int_equal(b.len, 10);
    ASSERT_BUF(&b, "0123456789");
    assert_int_equal(cf_buf_grow(&b, SIZE_MAX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_buf_grow(&b, 0), CFAVRO_OK);
    cf_buf_free(&b);

    /* An unbounded limit still refuses sizes that would wrap size_t. */
    cf_buf u = {NULL, 0, 0, SIZE_MAX};
    assert_int_equal(cf_buf_putc(&u, 'a'), CFAVRO_OK);
    before = alloc_reallocs();
    assert_int_equal(cf_buf_grow(&u, SIZE_MAX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(alloc_reallocs(), before);
    cf_buf_free(&u);

    /* Limit 0: nothing can be written. */
    cf_buf z = {NULL, 0, 0, 0};
    assert_int_equal(cf_buf_putc(&z, 'a'), CFAVRO_E_LIMIT_OUTPUT);
    assert_null(z.data);
    alloc_hooks_off();
}

static void test_buf_nomem(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    assert_int_equal(cf_buf_put(&b, "abc", 3), CFAVRO_OK);
    char *data = b.data;
    size_t cap = b.cap;
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_buf_grow(&b, cap * 4), CFAVRO_E_NOMEM);
    /* The buffer is untouched and usable. */
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    ASSERT_BUF(&b, "abc");
    /* Every writer reports the failure. */
    uint8_t big[1024];
    memset(big, 'x', sizeof big);
    assert_int_equal(cf_json_string(&b, big, sizeof big, CF_UTF8_ERROR, NULL), CFAVRO_E_NOMEM);
    b.len = 3;
    assert_int_equal(cf_json_bytes(&b, big, sizeof big, CF_BYTES_HEX), CFAVRO_E_NOMEM);
    assert_int_equal(cf_json_bytes(&b, big, sizeof big, CF_BYTES_AVRO), CFAVRO_E_NOMEM);
    b.len = 3;
    alloc_hooks_off();
    assert_int_equal(cf_buf_put(&b, "def", 3), CFAVRO_OK);
    ASSERT_BUF(&b, "abcdef");
    cf_buf_free(&b);

    /* First allocation fails on an empty buffer. */
    cf_buf e = new_buf();
    alloc_hooks_on(0, 0);
    assert_int_equal(cf_buf_putc(&e, 'a'), CFAVRO_E_NOMEM);
    assert_null(e.data);
    assert_int_equal(e.cap, 0);
    alloc_hooks_off();
    cf_buf_free(&e);
}

/* ---- strings ------------------------------------------------------------ */

static int json_str(cf_buf *b, const char *s, size_t n, cf_utf8_mode mode, size_t *bad)
{
    b->len = 0;
    return cf_json_string(b, (const uint8_t *)s, n, mode, bad);
}

#define STR_OK(b, in, want)                                                                 \
    do {                                                                                    \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_ERROR, NULL), CFAVRO_OK); \
        ASSERT_BUF((b), want);                                                              \
        assert_true(cf_utf8_valid((const uint8_t *)(in), sizeof(in) - 1, NULL));            \
    } while (0)

/* Invalid input: error mode fails at bad_at; replace mode gives want. */
#define STR_BAD(b, in, at, want)                                                            \
    do {                                                                                    \
        size_t bad_ = 12345;                                                                \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_ERROR, &bad_),         \
                         CFAVRO_E_DATA_UTF8);                                               \
        assert_int_equal(bad_, (at));                                                       \
        bad_ = 12345;                                                                       \
        assert_false(cf_utf8_valid((const uint8_t *)(in), sizeof(in) - 1, &bad_));          \
        assert_int_equal(bad_, (at));                                                       \
        assert_int_equal(json_str((b), (in), sizeof(in) - 1, CF_UTF8_REPLACE, NULL), CFAVRO_OK); \
        ASSERT_BUF((b), want);                                                              \
    } while (0)

#define R "\xEF\xBF\xBD" /* U+FFFD */

static void test_string_escapes(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    STR_OK(&b, "", "\"\"");
    STR_OK(&b, "hello", "\"hello\"");
    STR_OK(&b, "a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    STR_OK(&b, "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    STR_OK(&b, "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    assert_int_equal(json_str(&b, "a\0b", 3, CF_UTF8_ERROR, NULL), CFAVRO_OK);
    ASSERT_BUF(&b, "\"a\\u0000b\"");
    /* Every control character. */
    static const char *const esc[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };
    for (int c = 0; c < 32; c++) {
        char in = (char)c;
        char want[16];
        int wn = snprintf(want, sizeof want, "\"%s\"", esc[c]);
        assert_int_equal(json_str(&b, &in, 1, CF_UTF8_ERROR, NULL), CFAVRO_OK);
        assert_buf(&b, want, (size_t)wn);
    }
    /* Valid multi-byte sequences at the edges of each range pass as is. */
    STR_OK(&b, "\xC2\x80", "\"\xC2\x80\"");                 /* U+0080 */
    STR_OK(&b, "\xDF\xBF", "\"\xDF\xBF\"");                 /* U+07FF */
    STR_OK(&b, "\xE0\xA0\x80", "\"\xE0\xA0\x80\"");         /* U+0800 */
    STR_OK(&b, "\xED\x9F\xBF", "\"\xED\x9F\xBF\"");         /* U+D7FF */
    STR_OK(&b, "\xEE\x80\x80", "\"\xEE\x80\x80\"");         /* U+E000 */
    STR_OK(&b, "\xEF\xBF\xBF", "\"\xEF\xBF\xBF\"");         /* U+FFFF */
    STR_OK(&b, "\xF0\x90\x80\x80", "\"\xF0\x90\x80\x80\""); /* U+10000 */
    STR_OK(&b, "\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\""); /* U+10FFFF */
    STR_OK(&b, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n", "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\\n\"");
    cf_buf_free(&b);
}

static void test_string_invalid(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    /* Stray continuation bytes. */
    STR_BAD(&b, "a\x80z", 1, "\"a" R "z\"");
    STR_BAD(&b, "ab\xBF", 2, "\"ab" R "\"");
    STR_BAD(&b, "\x80\xBF", 0, "\"" R R "\"");
    /* Overlong forms: C0/C1 leads, E0 80..9F, F0 80..8F. */
    STR_BAD(&b, "\xC0\xAF", 0, "\"" R R "\"");
    STR_BAD(&b, "x\xC1\xBF", 1, "\"x" R R "\"");
    STR_BAD(&b, "\xE0\x80\xAF", 0, "\"" R R R "\"");
    STR_BAD(&b, "\xE0\x9F\xBF", 0, "\"" R R R "\"");
    STR_BAD(&b, "\xF0\x80\x80\xAF", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF0\x8F\xBF\xBF", 0, "\"" R R R R "\"");
    /* Surrogates D800..DFFF. */
    STR_BAD(&b, "\xED\xA0\x80", 0, "\"" R R R "\"");
    STR_BAD(&b, "ok\xED\xBF\xBF", 2, "\"ok" R R R "\"");
    /* Beyond U+10FFFF. */
    STR_BAD(&b, "\xF4\x90\x80\x80", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF5\x80\x80\x80", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF7\xBF\xBF\xBF", 0, "\"" R R R R "\"");
    STR_BAD(&b, "\xF8\x88\x80\x80\x80", 0, "\"" R R R R R "\"");
    STR_BAD(&b, "\xFE\xFF", 0, "\"" R R "\"");
    /* Truncated sequences: one U+FFFD for the whole valid prefix. */
    STR_BAD(&b, "\xC3", 0, "\"" R "\"");
    STR_BAD(&b, "\xE2\x82", 0, "\"" R "\"");
    STR_BAD(&b, "a\xF0\x9F\x98", 1, "\"a" R "\"");
    STR_BAD(&b, "\xE2\x82z", 0, "\"" R "z\"");
    STR_BAD(&b, "\xF0\x9F\x98\"", 0, "\"" R "\\\"\"");
    /* Bad continuation: the bad byte starts over. */
    STR_BAD(&b, "\xC3\x28", 0, "\"" R "(\"");
    STR_BAD(&b, "\xE2\x28\xA1", 0, "\"" R "(" R "\"");
    STR_BAD(&b, "\xF0\x9F\xC3\xA9", 0, "\"" R "\xC3\xA9\"");
    /* The Unicode Standard's worked examples of maximal subparts. */
    STR_BAD(&b, "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", 1,
            "\"a" R R R "b" R "c" R R "d\"");
    STR_BAD(&b, "\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41", 0, "\"" R R R R R R R R "A\"");
    STR_BAD(&b, "\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41", 0, "\"" R R R R R R R R "A\"");
    STR_BAD(&b, "\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42", 0, "\"" R R R R R "A" R R "B\"");
    STR_BAD(&b, "\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", 0, "\"" R R R R "A\"");
    /* After a long ASCII run (word-at-a-time path). */
    STR_BAD(&b, "0123456789abcdefghij\xFF", 20, "\"0123456789abcdefghij" R "\"");
    /* NULL bad_at is allowed. */
    assert_int_equal(json_str(&b, "\xFF", 1, CF_UTF8_ERROR, NULL), CFAVRO_E_DATA_UTF8);
    assert_false(cf_utf8_valid((const uint8_t *)"\xFF", 1, NULL));
    assert_true(cf_utf8_valid((const uint8_t *)"", 0, NULL));
    cf_buf_free(&b);
}

/* Reference escaper and validator, written plainly byte by byte. */
static size_t ref_seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

static void test_string_random(void **state)
{
    (void)state;
    cf_buf b = new_buf();
    cf_buf r = new_buf();
    static const uint8_t pool[] = {'a', 'b', ' ', '"', '\\', '\n', 0x00, 0x1f, 0x7f, 0xC3, 0xA9,
                                   0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0xFF, 'z'};
    uint8_t in[96];
    int iters = slow_run() ? 5000 : 200000;
    for (int it = 0; it < iters; it++) {
        size_t n = rnd() % sizeof in;
        unsigned mode = (unsigned)(rnd() % 3);
        for (size_t i = 0; i < n; i++) {
            /* Mostly plain ASCII so the word-at-a-time scan is exercised. */
            in[i] = (mode == 0 || rnd() % 8 != 0) ? (uint8_t)('A' + rnd() % 26)
                                                  : pool[rnd() % sizeof pool];
        }
        /* Reference result. */
        r.len = 0;
        size_t ref_bad = SIZE_MAX;
        assert_int_equal(cf_buf_putc(&r, '"'), CFAVRO_OK);
        for (size_t i = 0; i < n;) {
            size_t len = ref_seq_len(in + i, n - i);
            if (len == 0) {
                ref_bad = i;
                break;
            }
            uint8_t c = in[i];
            char tmp[8];
            if (c == '"' || c == '\\') {
                tmp[0] = '\\';
                tmp[1] = (char)c;
                assert_int_equal(cf_buf_put(&r, tmp, 2), CFAVRO_OK);
            } else if (c == '\n') {
                assert_int_equal(cf_buf_put(&r, "\\n", 2), CFAVRO_OK);
            } else if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                assert_int_equal(cf_buf_put(&r, tmp, 6), CFAVRO_OK);
            } else {
                assert_int_equal(cf_buf_put(&r, in + i, len), CFAVRO_OK);
            }
            i += len;
        }
        assert_int_equal(cf_buf_putc(&r, '"'), CFAVRO_OK);
        size_t bad = SIZE_MAX, vbad = SIZE_MAX;
        b.len = 0;
        int rc = cf_json_string(&b, in, n, CF_UTF8_ERROR, &bad);
        bool valid = cf_utf8_valid(in, n, &vbad);
        if (ref_bad == SIZE_MAX) {
            assert_int_equal(rc, CFAVRO_OK);
            assert_true(valid);
            assert_buf(&b, r.data, r.len);
        } else {
            assert_int_equal(rc, CFAVRO_E_DATA_UTF8);
            assert_false(valid);
            assert_int_equal(bad, ref_bad);
            assert_int_equal(vbad, ref_bad);
        }
        /* Replace mode always yields valid UTF-8 inside the quotes, and the
         * same text when the input was valid. */
        b.len = 0;
        assert_int_equal(cf_json_string(&b, in, n, CF_UTF8_REPLACE, NULL), CFAVRO_OK);
        assert_true(cf_utf8_valid((const uint8_t *)b.data, b.len, NULL));
        if (ref_bad == SIZE_MAX) {
            assert_buf(&b, r.data, r.len);
        }
    }
    cf_buf_free(&b);
    cf_buf_free(&r);
}

/* Output exactly at the limit works; one byte less fails cleanly. */
static void test_string_limit(void **state)
{
    (void)state;
    static const char in[] = "0123456789abcdef\n\x01\xC3\xA9xyz";
    static const char want[] = "\"0123456789abcdef\\n\\u0001\xC3\xA9xyz\"";
    size_t wl = sizeof want - 1;
    cf_buf b = {NULL, 0, 0, wl};
    assert_int_equal(cf_json_string(&b, (const uint8_t *)in, sizeof in - 1, CF_UTF8_ERROR, NULL), CFAVRO_OK);
    assert_buf(&b, want, wl);
    cf_buf_free(&b);
    for (size_t lim = 0; lim < wl; lim++) {
        cf_buf s = {NULL, 0, 0, lim};
        assert_int_equal(cf_json_string(&s, (const uint8_t *)in, sizeof in - 1, CF_UTF8_ERROR, NULL),
                         CFAVRO_E_LIMIT_OUTPUT);
        assert_true(s.len <= lim);
        cf_buf_free(&s);
    }
    /* Replacement characters count too. */
    cf_buf t = {NULL, 0, 0, 5};
    assert_int_equal(cf_json_string(&t, (const uint8_t *)"\xFF", 1, CF_UTF8_REPLACE, NULL), CFAVRO_OK);
    ASSERT_BUF(&t, "\"" R "\"");
    cf_buf_free(&t);
    /* (The limit is enforced when the buffer grows, so each case starts
     * from an empty buffer.) */
    t.limit = 4;
    assert_int_equal(cf_json_string(&t, (const uint8_t *)"\xFF", 1, CF_UTF8_REPLACE, NULL),
                     CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&t);
}

/* Expected JSON text for s[0..n) when it is valid UTF-8 (escapes only). */
static void ref_escape(cf_buf *r, const uint8_t *s, size_t n)
{
    r->len = 0;
    assert_int_equal(cf_buf_putc(r, '"'), CFAVRO_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char tmp[8];
        static const char short_esc[] = "btnvfr"; /* \b=8 .. \r=13, \v has none */
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            assert_int_equal(cf_buf_put(r, tmp, 2), CFAVRO_OK);
        } else if (c >= 8 && c <= 13 && c != 11) {
            tmp[0] = '\\';
            tmp[1] = short_esc[c - 8];
            assert_int_equal(cf_buf_put(r, tmp, 2), CFAVRO_OK);
        } else if (c < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            assert_int_equal(cf_buf_put(r, tmp, 6), CFAVRO_OK);
        } else {
            assert_int_equal(cf_buf_putc(r, (char)c), CFAVRO_OK);
        }
    }
    assert_int_equal(cf_buf_putc(r, '"'), CFAVRO_OK);
}

/* Every length up to past four 16-byte blocks, with one byte that needs
 * attention at every position: the block scan, its overlapping tail and
 * the short-string checks must all find it, and copy what precedes it. The
 * output goes after earlier text (which must survive) into a buffer whose
 * limit is the exact size, so a store past the end fails under ASan. */
static void test_string_positions(void **state)
{
    (void)state;
    static const uint8_t specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x00, 0x7f, 0x20, 0xC3, 0xFF};
    uint8_t in[80];
    cf_buf r = new_buf();
    for (size_t n = 0; n <= 70; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                if (pos == n && k > 0) {
                    break; /* pos == n: no special byte at all */
                }
                for (size_t i = 0; i < n; i++) {
                    in[i] = (uint8_t)('a' + i % 26);
                }
                size_t len = n;
                bool invalid = false;
                if (pos < n) {
                    in[pos] = specials[k];
                    if (specials[k] == 0xC3) { /* a valid 2-byte sequence: é */
                        memmove(in + pos + 2, in + pos + 1, n - pos - 1);
                        in[pos + 1] = 0xA9;
                        len = n + 1;
                    }
                    invalid = specials[k] == 0xFF;
                }
                cf_buf b = {NULL, 0, 0, 0};
                size_t vbad = SIZE_MAX;
                bool valid = cf_utf8_valid(in, len, &vbad);
                assert_true(valid == !invalid);
                if (invalid) {
                    assert_int_equal(vbad, pos);
                    b.limit = 3 + len + 2;
                    assert_int_equal(cf_buf_put(&b, "XYZ", 3), CFAVRO_OK);
                    size_t bad = SIZE_MAX;
                    assert_int_equal(cf_json_string(&b, in, len, CF_UTF8_ERROR, &bad),
                                     CFAVRO_E_DATA_UTF8);
                    assert_int_equal(bad, pos);
                    cf_buf_free(&b);
                    continue;
                }
                ref_escape(&r, in, len);
                b.limit = 3 + r.len;
                assert_int_equal(cf_buf_put(&b, "XYZ", 3), CFAVRO_OK);
                assert_int_equal(cf_json_string(&b, in, len, CF_UTF8_ERROR, NULL), CFAVRO_OK);
                assert_int_equal(b.len, 3 + r.len);
                assert_memory_equal(b.data, "XYZ", 3);
                assert_memory_equal(b.data + 3, r.data, r.len);
                cf_buf_free(&b);
            }
        }
    }
    cf_buf_free(&r);
    /* Non-ASCII at each position of a long ASCII string, and at the very
     * end, for the all-ASCII pre-check of cf_utf8_valid. */
    for (size_t n = 1; n <= 70; n++) {
        for (size_t pos = 0; pos < n; pos++) {
            memset(in, 'x', n);
            in[pos] = 0x80; /* a stray continuation byte */
            size_t bad = SIZE_MAX;
            assert_false(cf_utf8_valid(in, n, &bad));
            assert_int_equal(bad, pos);
            in[pos] = 0x7f;
            assert_true(cf_utf8_valid(in, n, NULL));
        }
    }
}

/* ---- bytes -------------------------------------------------------------- */

static void expect_bytes(const char *in, size_t n, cf_bytes_mode mode, const char *want)
{
    cf_buf b = new_buf();
    assert_int_equal(cf_json_bytes(&b, (const uint8_t *)in, n, mode), CFAVRO_OK);
    assert_buf(&b, want, strlen(want));
    cf_buf_free(&b);
}

static void test_bytes(void **state)
{
    (void)state;
    expect_bytes("", 0, CF_BYTES_AVRO, "\"\"");
    expect_bytes("\x00\x22\x5c\x7f\x80\xff" "a\n", 8, CF_BYTES_AVRO,
                 "\"\\u0000\\\"\\\\\x7f\xC2\x80\xC3\xBF" "a\\n\"");
    /* Every byte value: the result is valid UTF-8 and decodes to U+00xx. */
    uint8_t all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (uint8_t)i;
    }
    cf_buf b = new_buf();
    assert_int_equal(cf_json_bytes(&b, all, 256, CF_BYTES_AVRO), CFAVRO_OK);
    assert_true(cf_utf8_valid((const uint8_t *)b.data, b.len, NULL));
    /* 32 controls: \b \t \n \f \r as 2 bytes, 27 as 6; '"' and '\\' 2 each;
     * 94 other ASCII 1 each; 128 high bytes 2 each; plus quotes. */
    assert_int_equal(b.len, 5 * 2 + 27 * 6 + 2 * 2 + 94 + 128 * 2 + 2);
    /* The same into a buffer of exactly that size (no room for 8-byte
     * stores past the end: the careful copy), and one byte short. */
    for (size_t n = 0; n <= 256; n++) {
        cf_buf ref = new_buf();
        assert_int_equal(cf_json_bytes(&ref, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_OK);
        cf_buf x = {NULL, 0, 0, ref.len};
        assert_int_equal(cf_json_bytes(&x, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_OK);
        assert_buf(&x, ref.data, ref.len);
        cf_buf_free(&x);
        x.limit = ref.len - 1;
        assert_int_equal(cf_json_bytes(&x, all + 256 - n, n, CF_BYTES_AVRO), CFAVRO_E_LIMIT_OUTPUT);
        cf_buf_free(&x);
        cf_buf_free(&ref);
    }
    cf_buf_free(&b);

    /* RFC 4648 test vectors. */
    expect_bytes("", 0, CF_BYTES_BASE64, "\"\"");
    expect_bytes("f", 1, CF_BYTES_BASE64, "\"Zg==\"");
    expect_bytes("fo", 2, CF_BYTES_BASE64, "\"Zm8=\"");
    expect_bytes("foo", 3, CF_BYTES_BASE64, "\"Zm9v\"");
    expect_bytes("foob", 4, CF_BYTES_BASE64, "\"Zm9vYg==\"");
    expect_bytes("fooba", 5, CF_BYTES_BASE64, "\"Zm9vYmE=\"");
    expect_bytes("foobar", 6, CF_BYTES_BASE64, "\"Zm9vYmFy\"");
    expect_bytes("\xfb\xff\xbf", 3, CF_BYTES_BASE64, "\"+/+/\"");
    expect_bytes("\x00\x00", 2, CF_BYTES_BASE64, "\"AAA=\"");

    expect_bytes("", 0, CF_BYTES_HEX, "\"\"");
    expect_bytes("\x00\xab\xff\x10", 4, CF_BYTES_HEX, "\"00abff10\"");

    cf_buf e = new_buf();
    assert_int_equal(cf_json_bytes(&e, all, 3, (cf_bytes_mode)7), CFAVRO_E_ARGUMENT);
    /* Limits: exact fit, one short, and sizes that would wrap size_t. */
    e.limit = 10;
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"foobar", 6, CF_BYTES_BASE64), CFAVRO_OK);
    cf_buf_free(&e);
    e.limit = 9;
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"foobar", 6, CF_BYTES_BASE64), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, (const uint8_t *)"abcd", 4, CF_BYTES_HEX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, all, 200, CF_BYTES_AVRO), CFAVRO_E_LIMIT_OUTPUT);
    e.limit = SIZE_MAX;
    assert_int_equal(cf_json_bytes(&e, all, SIZE_MAX, CF_BYTES_HEX), CFAVRO_E_LIMIT_OUTPUT);
    assert_int_equal(cf_json_bytes(&e, all, SIZE_MAX - 1, CF_BYTES_BASE64), CFAVRO_E_LIMIT_OUTPUT);
    cf_buf_free(&e);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* run a subset, e.g. "test_bytes" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_buf_nomem),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_invalid),
        cmocka_unit_test(test_string_random),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_string_positions),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
