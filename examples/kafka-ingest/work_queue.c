/* The queue between the consumer thread and the workers (see work_queue.h). */
#include "work_queue.h"

#include <errno.h>
#include <time.h>

#include "clock.h"

/* Condition variables wait on CLOCK_MONOTONIC, like every time in the
 * service (clock.h). */
static int init_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        return -1;
    }
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0) {
        rc = pthread_cond_init(cond, &attr);
    }
    pthread_condattr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

static void wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, int64_t deadline_ms)
{
    struct timespec ts = {.tv_sec = deadline_ms / 1000,
                          .tv_nsec = (long)(deadline_ms % 1000) * 1000000L};
    pthread_cond_timedwait(cond, lock, &ts);
}

int ingest_work_queue_init(ingest_work_queue *q)
{
    *q = (ingest_work_queue){.in_flight = 0};
    if (pthread_mutex_init(&q->lock, NULL) != 0) {
        return -1;
    }
    if (init_cond(&q->work_ready) != 0) {
        pthread_mutex_destroy(&q->lock);
        return -1;
    }
    if (init_cond(&q->progress) != 0) {
        pthread_cond_destroy(&q->work_ready);
        pthread_mutex_destroy(&q->lock);
        return -1;
    }
    return 0;
}

void ingest_work_queue_destroy(ingest_work_queue *q)
{
    pthread_cond_destroy(&q->progress);
    pthread_cond_destroy(&q->work_ready);
    pthread_mutex_destroy(&q->lock);
}

void ingest_work_queue_wait_progress(ingest_work_queue *q, int timeout_ms)
{
    pthread_mutex_lock(&q->lock);
    /* One wake-up is progress enough: the caller re-checks its own bound. */
    wait_until(&q->progress, &q->lock, ingest_now_ms() + timeout_ms);
    pthread_mutex_unlock(&q->lock);
}

void ingest_work_queue_push(ingest_work_queue *q, ingest_record *rec)
{
    rec->next_in_queue = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->fresh_tail != NULL) {
        q->fresh_tail->next_in_queue = rec;
    } else {
        q->fresh_head = rec;
    }
    q->fresh_tail = rec;
    q->in_flight++;
    pthread_cond_signal(&q->work_ready);
    pthread_mutex_unlock(&q->lock);
}

ingest_record *ingest_work_queue_pop(ingest_work_queue *q)
{
    pthread_mutex_lock(&q->lock);
    ingest_record *rec = NULL;
    while (!q->stopping) {
        int64_t now = ingest_now_ms();
        if (q->deferred != NULL && q->deferred->due_ms <= now) {
            rec = q->deferred;
            q->deferred = rec->next_in_queue;
            q->deferred_count--;
            break;
        }
        if (q->fresh_head != NULL) {
            rec = q->fresh_head;
            q->fresh_head = rec->next_in_queue;
            if (q->fresh_head == NULL) {
                q->fresh_tail = NULL;
            }
            break;
        }
        if (q->deferred != NULL) {
            wait_until(&q->work_ready, &q->lock, q->deferred->due_ms);
        } else {
            pthread_cond_wait(&q->work_ready, &q->lock);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return rec;
}

void ingest_work_queue_defer(ingest_work_queue *q, ingest_record *rec)
{
    pthread_mutex_lock(&q->lock);
    ingest_record **at = &q->deferred;
    while (*at != NULL && (*at)->due_ms <= rec->due_ms) {
        at = &(*at)->next_in_queue;
    }
    rec->next_in_queue = *at;
    *at = rec;
    q->deferred_count++;
    /* Another worker may be asleep until a later due time; and the consumer
     * may be waiting for the queue to settle. */
    pthread_cond_signal(&q->work_ready);
    pthread_cond_broadcast(&q->progress);
    pthread_mutex_unlock(&q->lock);
}

void ingest_work_queue_finished(ingest_work_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->in_flight--;
    pthread_cond_broadcast(&q->progress);
    pthread_mutex_unlock(&q->lock);
}

bool ingest_work_queue_wait_settled(ingest_work_queue *q, int timeout_ms)
{
    int64_t deadline = ingest_now_ms() + timeout_ms;
    pthread_mutex_lock(&q->lock);
    while (q->in_flight != q->deferred_count && ingest_now_ms() < deadline) {
        wait_until(&q->progress, &q->lock, deadline);
    }
    bool settled = q->in_flight == q->deferred_count;
    pthread_mutex_unlock(&q->lock);
    return settled;
}

ingest_record *ingest_work_queue_take_deferred(ingest_work_queue *q,
                                               bool (*keep)(void *arg, const ingest_record *rec),
                                               void *arg)
{
    ingest_record *taken = NULL;
    pthread_mutex_lock(&q->lock);
    ingest_record **at = &q->deferred;
    while (*at != NULL) {
        ingest_record *rec = *at;
        if (keep != NULL && keep(arg, rec)) {
            at = &rec->next_in_queue;
            continue;
        }
        *at = rec->next_in_queue;
        rec->next_in_queue = taken;
        taken = rec;
        q->deferred_count--;
        q->in_flight--;
    }
    pthread_mutex_unlock(&q->lock);
    return taken;
}

size_t ingest_work_queue_in_flight(ingest_work_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->in_flight;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t ingest_work_queue_deferred(ingest_work_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->deferred_count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void ingest_work_queue_stop(ingest_work_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->work_ready);
    pthread_mutex_unlock(&q->lock);
}
