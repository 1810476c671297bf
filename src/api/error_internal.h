/* Filling cfavro_error. */
#ifndef CFAVRO_ERROR_INTERNAL_H
#define CFAVRO_ERROR_INTERNAL_H

#include "cfavro.h"
#include "compiler_internal.h"

/* Reset `err` (if non-NULL) to "no error". */
void cf_error_clear(cfavro_error *err);

/* Set status, offset and a printf-style message; keeps err->schema_id and
 * clears the path. Returns `status` so callers can `return cf_error_set(...)`.
 * `err` may be NULL. */
int cf_error_set(cfavro_error *err, int status, uint64_t offset, const char *fmt, ...)
    CF_PRINTF(4, 5);

/* Add text before / after err->message (truncating to fit), e.g. to say
 * which file a schema error came from. No-op when err is NULL. */
void cf_error_prepend(cfavro_error *err, const char *fmt, ...) CF_PRINTF(2, 3);
void cf_error_append(cfavro_error *err, const char *fmt, ...) CF_PRINTF(2, 3);

#endif
