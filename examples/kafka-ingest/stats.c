/* The counters line (see stats.h). */
#include "stats.h"

static unsigned long long get(const atomic_ullong *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

void ingest_stats_print(const ingest_stats *stats, const char *label, unsigned long long in_flight,
                        unsigned long long deferred, unsigned long long uncommitted, FILE *out)
{
    unsigned long long dead = 0;
    for (int r = 0; r < INGEST_REASON_COUNT; r++) {
        dead += get(&stats->dead_lettered[r]);
    }
    fprintf(out, "ingest: %s consumed=%llu written=%llu tombstones=%llu dead_letters=%llu", label,
            get(&stats->consumed), get(&stats->written), get(&stats->tombstones), dead);
    for (int r = 0; r < INGEST_REASON_COUNT; r++) {
        fprintf(out, " %s=%llu", ingest_reason_name((ingest_reason)r),
                get(&stats->dead_lettered[r]));
    }
    fprintf(out,
            " retries=%llu abandoned=%llu commits=%llu commit_failures=%llu kafka_errors=%llu"
            " in_flight=%llu deferred=%llu uncommitted=%llu\n",
            get(&stats->retries), get(&stats->abandoned), get(&stats->commits),
            get(&stats->commit_failures), get(&stats->kafka_errors), in_flight, deferred,
            uncommitted);
    fflush(out);
}
