/* Allocation wrappers; see alloc_internal.h for why they exist. */
#include "alloc_internal.h"

#include <stdlib.h>
#include <string.h>

static cf_alloc_hooks g_hooks = {malloc, realloc, free};

void cf_alloc_set_hooks(const cf_alloc_hooks *hooks)
{
    if (hooks == NULL) {
        g_hooks = (cf_alloc_hooks){malloc, realloc, free};
    } else {
        g_hooks = *hooks;
    }
}

void *cf_malloc(size_t size)
{
    return g_hooks.malloc_fn(size ? size : 1);
}

void *cf_calloc(size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size) {
        return NULL;
    }
    size_t total = n * size;
    void *p = cf_malloc(total);
    if (p != NULL && total > 0) {
        memset(p, 0, total);
    }
    return p;
}

void *cf_realloc(void *ptr, size_t size)
{
    return g_hooks.realloc_fn(ptr, size ? size : 1);
}

void cf_free(void *ptr)
{
    if (ptr != NULL) {
        g_hooks.free_fn(ptr);
    }
}

char *cf_strndup(const char *s, size_t n)
{
    char *p = cf_malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}
