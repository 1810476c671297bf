/* Internal allocation wrappers. Every allocation in libcfavro goes through
 * these so tests can count allocations and fail the Nth one (failing-allocation
 * sweeps). The hook is process-global but only tests set it; the library never
 * touches avro-c's or jansson's global allocators. */
#ifndef CFAVRO_ALLOC_INTERNAL_H
#define CFAVRO_ALLOC_INTERNAL_H

#include <stddef.h>

void *cf_malloc(size_t size);
void *cf_calloc(size_t n, size_t size);
void *cf_realloc(void *ptr, size_t size);
void cf_free(void *ptr);
/* Copy of s[0..n) plus a NUL; NULL on allocation failure. */
char *cf_strndup(const char *s, size_t n);

/* Test hooks (hidden: reachable only by linking the static library). Passing
 * NULLs restores the C library's functions. */
typedef struct cf_alloc_hooks {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
} cf_alloc_hooks;
void cf_alloc_set_hooks(const cf_alloc_hooks *hooks);

#endif
