/*
 * malloc interposer for the benchmark executable (see alloc_count.h). Only
 * for glibc; under ASan (CF_BENCH_NO_MALLOC_HOOK) it compiles to stubs.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "alloc_count.h"

#ifndef CF_BENCH_NO_MALLOC_HOOK

#include <errno.h>
#include <stdlib.h>

/* glibc's own entry points, exported for exactly this use. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);

int posix_memalign(void **out, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);

static _Thread_local size_t t_allocs;

size_t cf_alloc_count(void)
{
    return t_allocs;
}

int cf_alloc_counting(void)
{
    return 1;
}

void *malloc(size_t size)
{
    t_allocs++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    t_allocs++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    t_allocs++;
    return __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    t_allocs++;
    void *p = __libc_memalign(align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    t_allocs++;
    return __libc_memalign(align, size);
}

#else

size_t cf_alloc_count(void)
{
    return 0;
}

int cf_alloc_counting(void)
{
    return 0;
}

#endif
