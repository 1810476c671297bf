/* The service's counters: bumped by any thread (relaxed atomics: each is a
 * count, none orders anything), printed as one `key=value` line. */
#ifndef INGEST_STATS_H
#define INGEST_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "cfavro.h"

#include "reason.h"

typedef struct ingest_stats {
    atomic_ullong consumed;       /* records taken from Kafka */
    atomic_ullong written;        /* decoded and written to the sink */
    atomic_ullong tombstones;     /* null values, written to the sink as such */
    atomic_ullong dead_lettered[INGEST_REASON_COUNT];
    atomic_ullong retries;        /* decode tries put off because the registry failed */
    atomic_ullong abandoned;      /* left unhandled at shutdown or revoke (re-read later) */
    atomic_ullong commits;        /* partition offsets committed */
    atomic_ullong commit_failures;
    atomic_ullong kafka_errors;   /* errors librdkafka reported (it recovers most) */

    /* The library's own counters (cfavro_client_stats), appended to each
     * line: read from `cfavro` while it lives, from `cfavro_final` (taken
     * just before the client is freed) after. */
    const cfavro_client *cfavro;
    cfavro_stats cfavro_final;
    bool have_cfavro_final;
} ingest_stats;

/* Keep the client's last counters for the summary; the client is about to
 * be freed. */
void ingest_stats_keep_cfavro(ingest_stats *stats);

static inline void ingest_count(atomic_ullong *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* "ingest: LABEL consumed=N written=N tombstones=N dead_letters=N
 * malformed=N ... retries=N abandoned=N commits=N commit_failures=N
 * kafka_errors=N in_flight=N deferred=N uncommitted=N cfavro_decoded=N ...":
 * the counters, three gauges (records with the workers, waiting for the
 * registry, and taken but not committed), then the cfavro client's counters
 * (decoded, failed, failed by class, cache and registry), for a log
 * collector or a metrics exporter to scrape. */
void ingest_stats_print(const ingest_stats *stats, const char *label, unsigned long long in_flight,
                        unsigned long long deferred, unsigned long long uncommitted, FILE *out);

#endif
