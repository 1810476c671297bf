/* The one way a message shows text it did not choose (a config value, an
 * unknown key, a registry body): a bounded, printable excerpt. */
#ifndef CFAVRO_EXCERPT_INTERNAL_H
#define CFAVRO_EXCERPT_INTERNAL_H

#include <stddef.h>

/* Room for an excerpt of at most `max` input bytes: every byte may become
 * \xNN, plus "..." and the NUL. */
#define CF_EXCERPT_CAP(max) ((max) * 4 + sizeof "...")

/* Write into dst (at least CF_EXCERPT_CAP(max) bytes) at most `max` bytes of
 * s[0..len): printable ASCII except '\\' and '"' kept, every other byte as
 * \xNN, "..." appended when cut. Always NUL-terminated; returns dst. */
const char *cf_excerpt(char *dst, const char *s, size_t len, size_t max);

#endif
