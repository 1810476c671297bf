/* Records between the consumer thread and the workers: a FIFO of fresh
 * records, a list of deferred ones ordered by due time, and the count of
 * records in flight (queued, deferred or in a worker's hands). The queue
 * itself has no bound: the consumer stops taking records when too many are
 * uncommitted (offsets.h), which bounds it too. */
#ifndef INGEST_WORK_QUEUE_H
#define INGEST_WORK_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct ingest_work_queue {
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* workers wait here */
    pthread_cond_t progress;   /* the consumer waits here: a record left flight or
                                  was deferred */
    ingest_record *fresh_head, *fresh_tail;
    ingest_record *deferred;   /* by due_ms, earliest first */
    size_t in_flight;
    size_t deferred_count;
    bool stopping;
} ingest_work_queue;

int ingest_work_queue_init(ingest_work_queue *q);
void ingest_work_queue_destroy(ingest_work_queue *q);

/* Consumer: wait up to timeout_ms for a worker to finish or defer a
 * record. */
void ingest_work_queue_wait_progress(ingest_work_queue *q, int timeout_ms);

/* Consumer: queue a fresh record (counts it in flight). */
void ingest_work_queue_push(ingest_work_queue *q, ingest_record *rec);

/* Worker: the next record to handle: a deferred one whose time has come,
 * else the oldest fresh one; waits for either. NULL once the queue stops. */
ingest_record *ingest_work_queue_pop(ingest_work_queue *q);

/* Worker: put a record back until rec->due_ms (it stays in flight). */
void ingest_work_queue_defer(ingest_work_queue *q, ingest_record *rec);

/* Worker: a record was handled (or abandoned) and leaves flight. */
void ingest_work_queue_finished(ingest_work_queue *q);

/* Consumer: wait up to timeout_ms until every record in flight is deferred
 * (nothing fresh, nothing in a worker's hands); true when that holds. */
bool ingest_work_queue_wait_settled(ingest_work_queue *q, int timeout_ms);

/* Consumer: take every deferred record for which keep(arg, rec) is false out
 * of the queue and out of flight, as a list through next_in_queue (the caller
 * abandons them: they stay unhandled, so their offsets are not committed). */
ingest_record *ingest_work_queue_take_deferred(ingest_work_queue *q,
                                               bool (*keep)(void *arg, const ingest_record *rec),
                                               void *arg);

size_t ingest_work_queue_in_flight(ingest_work_queue *q);
size_t ingest_work_queue_deferred(ingest_work_queue *q);

/* Wake every worker and make pop return NULL from now on. */
void ingest_work_queue_stop(ingest_work_queue *q);

#endif
