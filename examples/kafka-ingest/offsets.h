/* Which offsets may be committed: per assigned partition, the records taken
 * from Kafka in offset order, and how far from the start every one of them
 * is handled. Owned by the consumer thread: only it adds, unlinks and reads
 * positions; workers only set record->done.
 *
 * The committable position of a partition is the offset after the last
 * record of its handled prefix, so a record still being decoded (or waiting
 * for the registry) holds back every later offset of its partition, however
 * many of them are already written: a crash re-reads them (duplicates,
 * bounded by ingest.max.uncommitted) but never skips one. */
#ifndef INGEST_OFFSETS_H
#define INGEST_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "record.h"

typedef struct ingest_partition {
    char *topic;
    int32_t partition;
    ingest_record *head, *tail; /* taken, not yet unlinked (handled or not) */
    int64_t handled_upto;       /* offset after the handled prefix; -1: nothing yet */
    int64_t stored_upto;        /* the last position given to librdkafka's store */
    bool eof;                   /* read to the end, nothing after (enable.partition.eof) */
} ingest_partition;

typedef struct ingest_offsets {
    ingest_partition **parts;
    size_t nparts, cap;
    size_t linked;              /* records in the partitions' lists */
    size_t unstored;            /* records unlinked since positions were last stored */
    ingest_partition *last;     /* the partition of the previous message (runs) */
    ingest_record *free_records; /* recycled records: no allocation per message */
} ingest_offsets;

void ingest_offsets_init(ingest_offsets *o);
void ingest_offsets_free(ingest_offsets *o);

/* Start tracking the partitions of an assignment (already tracked ones are
 * kept). Returns -1 when out of memory. */
int ingest_offsets_assign(ingest_offsets *o, const rd_kafka_topic_partition_list_t *parts);

/* Stop tracking revoked partitions. No record of them may still be queued or
 * in a worker's hands (the consumer settles the queue first); records left
 * not done (abandoned at shutdown) are released here. */
void ingest_offsets_revoke(ingest_offsets *o, const rd_kafka_topic_partition_list_t *parts);

/* Take `msg` of `topic` (its rd_kafka_topic_name; ownership of msg passes to
 * the record): append a record to its partition's list. NULL when out of
 * memory (the caller still owns msg). */
ingest_record *ingest_offsets_take(ingest_offsets *o, rd_kafka_message_t *msg, const char *topic);

/* Unlink the handled prefix of every partition, advancing handled_upto, and
 * recycle those records. */
void ingest_offsets_reclaim(ingest_offsets *o);

/* The partitions whose handled_upto moved past stored_upto, as a list for
 * rd_kafka_offsets_store (caller destroys), or NULL when none did. */
rd_kafka_topic_partition_list_t *ingest_offsets_ready(const ingest_offsets *o);

/* Record that `list` (from ingest_offsets_ready) was stored: entries without
 * an error move their partition's stored_upto. */
void ingest_offsets_mark_stored(ingest_offsets *o, const rd_kafka_topic_partition_list_t *list);

/* Records taken whose offsets are not stored yet: in the lists, or handled
 * and unlinked since the last ingest_offsets_mark_stored. A crash right now
 * would read at most these again (once the stored positions are committed),
 * which is what ingest.max.uncommitted bounds. */
size_t ingest_offsets_uncommitted(const ingest_offsets *o);

/* Partition end-of-file bookkeeping for ingest.exit.at.eof. */
void ingest_offsets_set_eof(ingest_offsets *o, const char *topic, int32_t partition);
bool ingest_offsets_all_eof(const ingest_offsets *o);

#endif
