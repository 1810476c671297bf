/* The counters line (see stats.h). */
#include "stats.h"

static unsigned long long get(const atomic_ullong *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* " cfavro_decoded=N cfavro_failed=N cfavro_failed_NNN=N ... cfavro_cache_hits=N
 * ...": nothing when the client's counters cannot be read. */
static void print_cfavro(const ingest_stats *stats, FILE *out)
{
    cfavro_stats st;
    if (stats->cfavro != NULL) {
        if (cfavro_client_stats(stats->cfavro, &st, sizeof st) != CFAVRO_OK) {
            return;
        }
    } else if (stats->have_cfavro_final) {
        st = stats->cfavro_final;
    } else {
        return;
    }
    fprintf(out, " cfavro_decoded=%llu cfavro_failed=%llu", (unsigned long long)st.decoded,
            (unsigned long long)st.failed);
    for (int c = 1; c < CFAVRO_STATS_CLASS_SLOTS; c++) {
        if (st.failed_by_class[c] != 0) {
            fprintf(out, " cfavro_failed_%d=%llu", c * 100,
                    (unsigned long long)st.failed_by_class[c]);
        }
    }
    fprintf(out,
            " cfavro_cache_hits=%llu cfavro_cache_misses=%llu cfavro_cache_negative_hits=%llu"
            " cfavro_cache_evictions=%llu cfavro_registry_requests=%llu"
            " cfavro_registry_retries=%llu cfavro_registry_failures=%llu",
            (unsigned long long)st.cache_hits, (unsigned long long)st.cache_misses,
            (unsigned long long)st.cache_negative_hits, (unsigned long long)st.cache_evictions,
            (unsigned long long)st.registry_requests, (unsigned long long)st.registry_retries,
            (unsigned long long)st.registry_failures);
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
            " in_flight=%llu deferred=%llu uncommitted=%llu",
            get(&stats->retries), get(&stats->abandoned), get(&stats->commits),
            get(&stats->commit_failures), get(&stats->kafka_errors), in_flight, deferred,
            uncommitted);
    print_cfavro(stats, out);
    fputc('\n', out);
    fflush(out);
}

void ingest_stats_keep_cfavro(ingest_stats *stats)
{
    if (stats->cfavro != NULL &&
        cfavro_client_stats(stats->cfavro, &stats->cfavro_final, sizeof stats->cfavro_final) ==
            CFAVRO_OK) {
        stats->have_cfavro_final = true;
    }
    stats->cfavro = NULL;
}
