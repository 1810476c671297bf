/* The consumer-group member: polls librdkafka, hands records to the
 * workers, and stores and commits offsets as records are handled.
 *
 * At-least-once with no gaps: an offset is stored (librdkafka's
 * enable.auto.offset.store=false, rd_kafka_offsets_store) only when every
 * record of its partition before it is written or dead-lettered AND the
 * sinks holding those lines were flushed after that; stored offsets are
 * committed every ingest.commit.interval.ms, on a partition revoke and at
 * shutdown, and as soon as ingest.max.uncommitted records are taken but not
 * committed (the service takes no more until it can commit). So a crash
 * re-reads at most that many records, and never skips one.
 *
 * Rebalances: before partitions are given up, the queue is settled (no
 * record of any partition still fresh or in a worker's hands), records
 * waiting for the registry are abandoned (left uncommitted: the next owner
 * reads them again) and what was handled is committed synchronously. */
#ifndef INGEST_CONSUMER_H
#define INGEST_CONSUMER_H

#include <signal.h>

#include <librdkafka/rdkafka.h>

#include "dead_letter.h"
#include "fatal.h"
#include "offsets.h"
#include "settings.h"
#include "sink.h"
#include "stats.h"
#include "work_queue.h"

typedef struct ingest_consumer {
    rd_kafka_t *rk;
    const ingest_settings *settings;
    ingest_work_queue *queue;
    ingest_sink *sink;
    ingest_dead_letter *dead_letter;
    ingest_stats *stats;
    ingest_fatal *fatal;
    ingest_offsets offsets;
    int64_t next_commit_ms;
    int64_t next_stats_ms;
} ingest_consumer;

/* Create the librdkafka consumer from cfg->kafka (taken: cfg->kafka becomes
 * NULL) with the rebalance, commit and error callbacks set. The other
 * fields of `c` must be filled before. Returns 0, or -1 with errbuf filled. */
int ingest_consumer_create(ingest_consumer *c, ingest_config *cfg, char *errbuf, size_t errcap);

/* Subscribe to ingest.topics. */
int ingest_consumer_subscribe(ingest_consumer *c, char *errbuf, size_t errcap);

/* Consume until *stop is set (SIGTERM), a fatal failure, or (with
 * ingest.exit.at.eof) the end of every assigned partition. */
void ingest_consumer_run(ingest_consumer *c, const volatile sig_atomic_t *stop);

/* Settle the queue, abandon deferred records, commit what was handled
 * (unless a fatal failure forbids it), leave the group and destroy the
 * handle. The workers must still be running (they finish queued records). */
void ingest_consumer_close(ingest_consumer *c);

#endif
