/*
 * U+0000 inside JSON object keys through jansson, by stand-ins: why and
 * how in schema_nul_keys_internal.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "schema_nul_keys_internal.h"

enum { STAND_INS = CF_NUL_STAND_IN_LAST - CF_NUL_STAND_IN_FIRST + 1 };

void cf_nul_stand_in_utf8(uint32_t cp, uint8_t out[3])
{
    out[0] = (uint8_t)(0xE0 | (cp >> 12));
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
}

/* The \uXXXX escape of `cp` (uppercase hex), 6 characters. */
static void escape_of(uint32_t cp, char out[6])
{
    out[0] = '\\';
    out[1] = 'u';
    for (int i = 0; i < 4; i++) {
        out[2 + i] = cf_hex_digits[(cp >> (12 - 4 * i)) & 15];
    }
}

/* The code point of the \uXXXX escape at s[0..6), or -1 if it is not one. */
static long escape_value(const char *s)
{
    if (s[0] != '\\' || s[1] != 'u') {
        return -1;
    }
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = cf_hex_value((unsigned char)s[i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static void mark(uint8_t *used, long cp)
{
    if (cp >= (long)CF_NUL_STAND_IN_FIRST && cp <= (long)CF_NUL_STAND_IN_LAST) {
        uint32_t i = (uint32_t)cp - CF_NUL_STAND_IN_FIRST;
        used[i / 8] = (uint8_t)(used[i / 8] | 1u << (i % 8));
    }
}

/* A stand-in that occurs nowhere in s[0..len): not as UTF-8, not as an
 * escape in either case. Everything that looks like either counts, inside
 * strings or not (an escape after an escaped backslash too): a code point
 * wrongly taken for used only costs a candidate. 0 when all are used. */
static uint32_t free_stand_in(const char *s, size_t len)
{
    uint8_t used[(STAND_INS + 7) / 8];
    memset(used, 0, sizeof used);
    const uint8_t *u = (const uint8_t *)s;
    for (size_t i = 0; i < len; i++) {
        if ((u[i] == 0xEE || u[i] == 0xEF) && len - i >= 3 && (u[i + 1] & 0xC0) == 0x80 &&
            (u[i + 2] & 0xC0) == 0x80) {
            mark(used, (long)(((u[i] & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) |
                              (u[i + 2] & 0x3Fu)));
        } else if (u[i] == '\\' && len - i >= 6) {
            mark(used, escape_value(s + i));
        }
    }
    for (uint32_t i = 0; i < STAND_INS; i++) {
        if ((used[i / 8] & (1u << (i % 8))) == 0) {
            return CF_NUL_STAND_IN_FIRST + i;
        }
    }
    return 0;
}

static bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Rewrite, in t[0..len), every \u0000 escape inside a string that is
 * followed by ':' (a key) to `with` (6 characters). Strings are found as
 * jansson's lexer finds them: from a quote to the next quote that no
 * backslash escapes. */
static void rewrite_keys(char *t, size_t len, const char with[6])
{
    size_t i = 0;
    while (i < len) {
        if (t[i++] != '"') {
            continue;
        }
        size_t start = i;
        while (i < len && t[i] != '"') {
            i += t[i] == '\\' ? 2 : 1;
        }
        size_t end = i < len ? i : len; /* the closing quote, if any */
        size_t next = end + 1;
        while (next < len && json_space(t[next])) {
            next++;
        }
        if (next < len && t[next] == ':') {
            for (size_t k = start; k < end;) {
                if (t[k] != '\\') {
                    k++;
                } else if (end - k >= 6 && escape_value(t + k) == 0) {
                    memcpy(t + k, with, 6);
                    k += 6;
                } else {
                    k += 2;
                }
            }
        }
        i = end + 1;
    }
}

/* jansson's message quotes the token it stopped at, as written: where that
 * was a rewritten key, show the text's own \u0000 again (same length: the
 * message's last byte, which holds the error code, stays as it is). */
static void unmap_message(json_error_t *err, const char with[6])
{
    size_t n = strnlen(err->text, sizeof err->text - 1);
    for (size_t i = 0; i + 6 <= n; i++) {
        if (memcmp(err->text + i, with, 6) == 0) {
            memcpy(err->text + i, "\\u0000", 6);
            i += 5;
        }
    }
}

json_t *cf_json_load_nul_keys(const char *json, size_t len, size_t flags, json_error_t *err,
                              uint32_t *stand_in)
{
    *stand_in = 0;
    json_t *doc = json_loadb(json, len, flags, err);
    if (doc != NULL || json_error_code(err) != json_error_null_byte_in_key) {
        return doc;
    }
    uint32_t cp = free_stand_in(json, len);
    if (cp == 0) {
        return NULL; /* jansson's own error stands */
    }
    char *copy = cf_malloc(len);
    if (copy == NULL) {
        /* As jansson reports its own failures (the code in the text's
         * last byte, where json_error_code reads it). */
        snprintf(err->text, sizeof err->text - 1, "out of memory");
        err->text[sizeof err->text - 1] = (char)json_error_out_of_memory;
        return NULL;
    }
    memcpy(copy, json, len);
    char with[6];
    escape_of(cp, with);
    rewrite_keys(copy, len, with);
    doc = json_loadb(copy, len, flags, err);
    cf_free(copy);
    if (doc == NULL) {
        unmap_message(err, with);
        return NULL;
    }
    *stand_in = cp;
    return doc;
}

size_t cf_nul_stand_in_replace(const char *in, size_t len, uint32_t cp, const char *with,
                               size_t with_len, char *out)
{
    uint8_t s[3];
    cf_nul_stand_in_utf8(cp, s);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (len - i >= 3 && memcmp(in + i, s, 3) == 0) {
            if (out != NULL) {
                memcpy(out + n, with, with_len);
            }
            n += with_len;
            i += 3;
        } else {
            if (out != NULL) {
                out[n] = in[i];
            }
            n++;
            i++;
        }
    }
    return n;
}
