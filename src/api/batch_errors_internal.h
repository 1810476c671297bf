/*
 * The failures of a decoder's last batch, one full cfavro_error per failed
 * message, for cfavro_decoder_batch_error. The space grows only when a
 * message fails and is reused by later batches, so a batch that fully
 * succeeds touches none of it and a warm decoder allocates nothing.
 *
 * Two failures need no space of their own, so they survive a failed growth:
 * the one message whose detail did not fit (kept inline; the batch stops
 * after it), and the messages a stopped batch did not decode (one shared
 * detail).
 */
#ifndef CFAVRO_BATCH_ERRORS_INTERNAL_H
#define CFAVRO_BATCH_ERRORS_INTERNAL_H

#include <stddef.h>

#include "cfavro.h"

typedef struct cf_row_error {
    size_t index; /* the message's index in its batch */
    cfavro_error err;
} cf_row_error;

typedef struct cf_batch_errors {
    cf_row_error *rows; /* owned; failed messages in increasing index order */
    size_t nrows;
    size_t cap;
    size_t count;              /* messages in the last batch */
    size_t unrecorded;         /* the failed message `rows` had no room for, or SIZE_MAX */
    cfavro_error unrecorded_err;
    size_t stop;               /* messages [stop, count) were not decoded */
    cfavro_error not_decoded;  /* their shared detail */
} cf_batch_errors;

/* Start a batch of `count` messages: forget the previous batch's failures,
 * keep the space. */
void cf_batch_errors_begin(cf_batch_errors *b, size_t count);

/* Record the failure of message `index` (larger than any recorded so far).
 * Returns CFAVRO_OK, or CFAVRO_E_NOMEM when the space could not grow: the
 * detail is then kept inline, and the caller must stop the batch (there is
 * room for one such message only). */
int cf_batch_errors_add(cf_batch_errors *b, size_t index, const cfavro_error *err);

/* Messages [from, count) are not decoded; `why` says so for each of them. */
void cf_batch_errors_stop(cf_batch_errors *b, size_t from, const cfavro_error *why);

/* The detail of message `index`, or NULL when it decoded or is out of range. */
const cfavro_error *cf_batch_errors_find(const cf_batch_errors *b, size_t index);

void cf_batch_errors_free(cf_batch_errors *b);

#endif
