/* What a raw input that failed to decode probably is: a length-prefixed
 * stream or a hex or base64 dump read as one message (`--format` missing). */
#ifndef CFAVRO_TOOLS_INPUT_HINTS_H
#define CFAVRO_TOOLS_INPUT_HINTS_H

#include <stddef.h>
#include <stdint.h>

/* A hint for the error line ("the input looks like hex text; try --format
 * hex"), a static string, or NULL when the bytes look like none of them. */
const char *cf_raw_input_hint(const uint8_t *m, size_t len);

#endif
