/* The exact, slow shortest-digits formatter of json_number.c on its own.
 *
 * cf_fmt_double / cf_fmt_float fall back on it when their fast digit
 * generation cannot decide a case: never for a float (all 2,139,095,039
 * positive finite floats were run through cf_fmt_float with a counter on
 * the fallback; the sign plays no part), and never observed for a double.
 * It is declared here, apart from the formatters the walker uses, so the
 * tests can run it on any value and hold both paths to the same text: the
 * fallback stays tested although the fast path does not take it.
 */
#ifndef CFAVRO_JSON_NUMBER_EXACT_INTERNAL_H
#define CFAVRO_JSON_NUMBER_EXACT_INTERNAL_H

#include <stddef.h>

/* Same contract and output as cf_fmt_double / cf_fmt_float (finite values,
 * at most CF_FMT_DOUBLE_MAX bytes), computed by snprintf and strtod/strtof
 * trials: microseconds per value. */
size_t cf_fmt_double_exact(char *dst, double v);
size_t cf_fmt_float_exact(char *dst, float v);

#endif
