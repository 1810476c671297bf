/* UTF-8 checks on payload text, shared by the walker (the UTF-8 policy, the
 * duplicate map key check) and the JSON string writer. They live with the
 * writer (json/json_write.c), which fuses the same sequence decoding with
 * escaping, so there is one definition of what is valid and of how invalid
 * text is replaced. */
#ifndef CFAVRO_UTF8_INTERNAL_H
#define CFAVRO_UTF8_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Check s[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF); returns true, or false with *bad_at (may be NULL)
 * set to the index of the first offending byte. */
bool cf_utf8_valid(const uint8_t *s, size_t n, size_t *bad_at);

/* Compare a[0..an) and b[0..bn) as the text json.invalid.utf8=replace
 * makes of them: each maximal invalid subpart becomes U+FFFD, exactly as
 * cf_json_string writes it (so a literal U+FFFD equals a replaced byte).
 * Returns <0, 0 or >0 as the first text orders before, equal to or after the
 * second, by code points; on valid text that is byte order. Linear in the
 * shorter length plus the non-ASCII run before the first difference. */
int cf_utf8_replaced_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* Write to out the text json.invalid.utf8=replace makes of s[0..n): each
 * maximal invalid subpart becomes U+FFFD (EF BF BD), as cf_json_string
 * writes it, valid sequences are copied. out has room for 3 * n bytes (the
 * most that can be written); returns the bytes written. For outputs that
 * hold text rather than escape it (the avro-c bridge). */
size_t cf_utf8_replace(const uint8_t *s, size_t n, uint8_t *out);

#endif
