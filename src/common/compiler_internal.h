/* Compiler hints used across the library, defined once. Each falls back to
 * nothing on compilers without GNU extensions: they change speed or
 * diagnostics, never behaviour. */
#ifndef CFAVRO_COMPILER_INTERNAL_H
#define CFAVRO_COMPILER_INTERNAL_H

#if defined(__GNUC__)
#define CF_LIKELY(x) __builtin_expect(!!(x), 1)
#define CF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CF_ALWAYS_INLINE inline __attribute__((always_inline))
#define CF_NOINLINE __attribute__((noinline))
#define CF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CF_LIKELY(x) (x)
#define CF_UNLIKELY(x) (x)
#define CF_ALWAYS_INLINE inline
#define CF_NOINLINE
#define CF_PRINTF(a, b)
#endif

#endif
