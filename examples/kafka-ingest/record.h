/* One Kafka record on its way through the service.
 *
 * Life: the consumer thread takes a message from librdkafka, appends a
 * record to its partition's list (offsets.c) and queues it (work_queue.c); a
 * worker decodes it, writes the line (sink or dead letter), releases the
 * message and sets `done`; the consumer thread later unlinks done records
 * from the head of their partition's list, which is how the committable
 * offset advances with no gap. A record whose schema the registry could not
 * serve goes back to the queue with a due time instead (deferred). */
#ifndef INGEST_RECORD_H
#define INGEST_RECORD_H

#include <stdatomic.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

struct ingest_partition;

typedef struct ingest_record {
    rd_kafka_message_t *msg;         /* owned; NULL once handled */
    struct ingest_partition *part;   /* its partition's tracker */
    int64_t offset;
    atomic_bool done;                /* written or dead-lettered (release/acquire with
                                        the consumer thread) */
    unsigned attempts;               /* decode tries so far */
    int64_t due_ms;                  /* deferred: when to try again */
    struct ingest_record *next_in_partition; /* consumer thread only */
    struct ingest_record *next_in_queue;     /* under the work queue's lock */
} ingest_record;

#endif
