/* An optional part's data hung on a shared object (a cache entry, a
 * decoder) that must not depend on that part: the object keeps a pointer to
 * this header, embedded first in the part's own struct, and frees it through
 * the function it carries. So the cache and the decoder free the avro-c
 * bridge's data (src/avro/) without including avro-c, and build the same
 * whether the bridge is compiled in or not. */
#ifndef CFAVRO_EXT_INTERNAL_H
#define CFAVRO_EXT_INTERNAL_H

#include <stddef.h>

typedef struct cf_ext cf_ext;

struct cf_ext {
    void (*free)(cf_ext *self); /* frees the whole containing struct */
};

/* Free `x` through its own function; NULL: no-op. */
static inline void cf_ext_free(cf_ext *x)
{
    if (x != NULL) {
        x->free(x);
    }
}

#endif
