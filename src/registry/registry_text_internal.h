/* Text helpers of the registry client: percent-encoding for URL paths and
 * queries, GUID text <-> bytes, and the bounded printable excerpt of a
 * response body that error messages quote (never the whole body). */
#ifndef CFAVRO_REGISTRY_TEXT_INTERNAL_H
#define CFAVRO_REGISTRY_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "excerpt_internal.h"

/* Length of a GUID in text form: 8-4-4-4-12 hex digits. */
#define CF_GUID_TEXT_LEN 36

/* At most this many body bytes are quoted in a message. */
#define CF_REG_EXCERPT_BYTES 64
/* Room for an excerpt: every byte may become \xNN, plus "..." and the NUL. */
#define CF_REG_EXCERPT_CAP CF_EXCERPT_CAP(CF_REG_EXCERPT_BYTES)

/* Percent-encode s[0..len) (RFC 3986: unreserved A-Z a-z 0-9 - . _ ~ kept,
 * every other byte %XX upper-case) into out[0..cap), NUL-terminated when
 * cap > 0 (truncated output is never a valid encoding: check the result).
 * Returns the full encoded length, like snprintf; out may be NULL when cap
 * is 0, to size a buffer (the result is at most 3 * len). */
size_t cf_percent_encode(const char *s, size_t len, char *out, size_t cap);

/* A percent-decoded copy of s[0..n), NUL-terminated, owned by the caller
 * (cf_free); invalid escapes are kept as they are. NULL when out of memory. */
char *cf_percent_decode(const char *s, size_t n);

/* Parse a GUID in text form: exactly 36 characters, hex digits (either case)
 * with dashes at offsets 8, 13, 18 and 23. false (out untouched) otherwise. */
bool cf_guid_parse(const char *s, size_t len, uint8_t out[CFAVRO_GUID_SIZE]);
/* Write the canonical (lower-case) text form and a NUL into out. */
void cf_guid_format(const uint8_t guid[CFAVRO_GUID_SIZE], char out[CF_GUID_TEXT_LEN + 1]);

/* A printable excerpt of untrusted bytes for a message: at most
 * CF_REG_EXCERPT_BYTES input bytes, printable ASCII except '\\' and '"' kept,
 * every other byte written as \xNN, "..." appended when cut (cf_excerpt).
 * Returns buf. */
const char *cf_reg_excerpt(char buf[CF_REG_EXCERPT_CAP], const char *s, size_t len);

#endif
