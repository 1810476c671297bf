/* The decoding threads. Each has its own cfavro decoder (decoders are
 * per-thread) made from the one shared cfavro client (thread-safe, one
 * schema cache for all), and its own line buffer. */
#ifndef INGEST_WORKER_H
#define INGEST_WORKER_H

#include <pthread.h>

#include <cfavro.h>

#include "dead_letter.h"
#include "fatal.h"
#include "settings.h"
#include "sink.h"
#include "stats.h"
#include "work_queue.h"

/* What every worker shares (all borrowed; they outlive the workers). */
typedef struct ingest_worker_env {
    const ingest_settings *settings;
    cfavro_client *client;
    ingest_work_queue *queue;
    ingest_sink *sink;
    ingest_dead_letter *dead_letter;
    ingest_stats *stats;
    ingest_fatal *fatal;
} ingest_worker_env;

typedef struct ingest_worker ingest_worker;

typedef struct ingest_workers {
    ingest_worker *workers;
    unsigned count;
} ingest_workers;

/* Start settings->workers threads. Returns 0, or -1 with errbuf filled (none
 * left running). */
int ingest_workers_start(ingest_workers *ws, const ingest_worker_env *env, char *errbuf,
                         size_t errcap);

/* Wait for the workers to end (after ingest_work_queue_stop) and free them. */
void ingest_workers_join(ingest_workers *ws);

#endif
