/* The failures of a decoder's last batch (see batch_errors_internal.h). */
#include "batch_errors_internal.h"

#include <stdint.h>

#include "alloc_internal.h"

/* First allocation, in rows: a batch with a few bad messages grows once. */
enum { FIRST_ROWS = 8 };

void cf_batch_errors_begin(cf_batch_errors *b, size_t count)
{
    b->nrows = 0;
    b->count = count;
    b->unrecorded = SIZE_MAX;
    b->stop = count;
}

static int grow(cf_batch_errors *b)
{
    if (b->cap > SIZE_MAX / 2 / sizeof *b->rows) {
        return CFAVRO_E_NOMEM;
    }
    size_t cap = b->cap == 0 ? FIRST_ROWS : 2 * b->cap;
    cf_row_error *rows = cf_realloc(b->rows, cap * sizeof *rows);
    if (rows == NULL) {
        return CFAVRO_E_NOMEM; /* b->rows is untouched and still valid */
    }
    b->rows = rows;
    b->cap = cap;
    return CFAVRO_OK;
}

int cf_batch_errors_add(cf_batch_errors *b, size_t index, const cfavro_error *err)
{
    if (b->nrows == b->cap && grow(b) != CFAVRO_OK) {
        b->unrecorded = index;
        b->unrecorded_err = *err;
        return CFAVRO_E_NOMEM;
    }
    b->rows[b->nrows].index = index;
    b->rows[b->nrows].err = *err;
    b->nrows++;
    return CFAVRO_OK;
}

void cf_batch_errors_stop(cf_batch_errors *b, size_t from, const cfavro_error *why)
{
    b->stop = from;
    b->not_decoded = *why;
}

const cfavro_error *cf_batch_errors_find(const cf_batch_errors *b, size_t index)
{
    if (index >= b->count) {
        return NULL;
    }
    if (index >= b->stop) {
        return &b->not_decoded;
    }
    if (index == b->unrecorded) {
        return &b->unrecorded_err;
    }
    /* Rows are recorded in index order: binary search. */
    size_t lo = 0;
    size_t hi = b->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->rows[mid].index < index) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < b->nrows && b->rows[lo].index == index ? &b->rows[lo].err : NULL;
}

void cf_batch_errors_free(cf_batch_errors *b)
{
    cf_free(b->rows);
    b->rows = NULL;
    b->nrows = 0;
    b->cap = 0;
    b->count = 0;
}
