/*
 * U+0000 inside JSON object keys, which the Avro specification allows in
 * a map default ({"a\u0000b": 1}) and jansson refuses
 * (json_error_null_byte_in_key) even with JSON_ALLOW_NUL, because its
 * objects are keyed by C strings.
 *
 * The way round, taken only when jansson refuses a text for that reason:
 * every \u0000 escape inside a key is rewritten to the escape of a
 * stand-in, a private-use code point that occurs nowhere in the text (not
 * raw, not escaped in any case), and the text is parsed again. The escape
 * keeps its length, so the structure of the text, its validity and the
 * line and column of any later error are unchanged; the keys hold the
 * stand-in exactly where the text had U+0000, and nothing else in the
 * document can hold it. The places where a key's text matters map the
 * stand-in back: a field's default kept as JSON text (schema_compile.c)
 * and a map default's keys encoded into Avro binary (schema_defaults.c).
 * Elsewhere a key with a stand-in is as foreign as the key with U+0000
 * would be: no schema attribute and no Avro name contains either.
 */
#ifndef CFAVRO_SCHEMA_NUL_KEYS_INTERNAL_H
#define CFAVRO_SCHEMA_NUL_KEYS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The stand-ins are taken from the Private Use Area of the Basic
 * Multilingual Plane, U+E000 to U+F8FF: three UTF-8 bytes each, one \uXXXX
 * escape (never a surrogate pair). */
#define CF_NUL_STAND_IN_FIRST 0xE000u
#define CF_NUL_STAND_IN_LAST 0xF8FFu

/* json_loadb(json, len, flags, err), but a text jansson refuses only for
 * U+0000 in a key is parsed with stand-ins (above): *stand_in is then the
 * stand-in's code point, else 0 (no key held U+0000). When no code point
 * of the range is free in the text, the result is NULL with jansson's
 * error (a NUL byte in a key); when the copy cannot be allocated, NULL
 * with json_error_out_of_memory; *stand_in 0 on every failure. `err` may
 * not be NULL. */
json_t *cf_json_load_nul_keys(const char *json, size_t len, size_t flags, json_error_t *err,
                              uint32_t *stand_in);

/* The UTF-8 form of stand-in `cp` (3 bytes). */
void cf_nul_stand_in_utf8(uint32_t cp, uint8_t out[3]);

/* in[0..len) with each stand-in `cp` (its UTF-8) replaced by
 * with[0..with_len): written to `out` unless it is NULL; returns the
 * length. The stand-in back to U+0000 is with "\u0000" in JSON text, a
 * zero byte in Avro binary. */
size_t cf_nul_stand_in_replace(const char *in, size_t len, uint32_t cp, const char *with,
                               size_t with_len, char *out);

#endif
