#ifndef CFAVRO_FRAME_INTERNAL_H
#define CFAVRO_FRAME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "bytes_internal.h"

/* Write into dst[0..cap) a hex excerpt of the first bytes of p[0..len) and a
 * verdict on what they look like (JSON text, plain text, raw Avro without the
 * header). Always NUL-terminates when cap > 0; returns the length written.
 * Shared by framing errors and the hint for unstripped headers. */
size_t cf_frame_describe(const uint8_t *p, size_t len, char *dst, size_t cap);

/* The schema id of a V0 frame: 4 bytes big-endian at p. */
static inline int32_t cf_frame_read_id(const uint8_t *p)
{
    return (int32_t)cf_load_be32(p);
}

#endif
