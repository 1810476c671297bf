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

/* Evaluate `expr` (a status) and return it from the enclosing function when
 * it is not CFAVRO_OK: the library's one early-return idiom. */
#define CF_TRY(expr)                                                                               \
    do {                                                                                           \
        int cf_try_rc_ = (expr);                                                                   \
        if (CF_UNLIKELY(cf_try_rc_ != CFAVRO_OK)) {                                                \
            return cf_try_rc_;                                                                     \
        }                                                                                          \
    } while (0)

#endif
