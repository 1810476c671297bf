/* The service's configuration: one properties file (plus -X overrides)
 * holding librdkafka's keys, cfavro's keys and the service's own ingest.*
 * keys side by side, each routed to the one that owns it.
 *
 * The routing rule, applied to each key in order:
 *   1. ingest.*           -> the service (the table in settings.c; unknown
 *                            ingest.* keys are errors).
 *   2. schema.registry.*  -> cfavro: schema.registry.url and
 *                            schema.registry.context as they are; any other
 *                            schema.registry.KEY as cfavro's KEY, so
 *                            schema.registry.ssl.ca.location is the
 *                            registry's CA while ssl.ca.location stays the
 *                            broker's (the prefix Confluent's clients use).
 *   3. a key librdkafka knows -> librdkafka. Keys both know (ssl.*,
 *                            request.timeout.ms) mean the Kafka connection,
 *                            as they do in a kcat -F file; give them to
 *                            cfavro with the schema.registry. prefix.
 *   4. anything else      -> cfavro (its settings table), which refuses a
 *                            key it does not know either: such a key is
 *                            reported as unknown to all three.
 * Values are never shown in error messages of secret-looking keys.
 */
#ifndef INGEST_SETTINGS_H
#define INGEST_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cfavro.h>
#include <librdkafka/rdkafka.h>

#include "reason.h"

typedef struct ingest_settings {
    char *topics;              /* ingest.topics: comma-separated topic names */
    unsigned workers;          /* ingest.workers: decoding threads */
    char *sink_path;           /* ingest.sink.path: "-" is stdout */
    bool sink_fsync;           /* ingest.sink.fsync: fsync before each commit */
    char *deadletter_path;     /* ingest.deadletter.path: "-" is stdout */
    char *deadletter_reason_path[INGEST_REASON_COUNT]; /* ingest.deadletter.<reason>.path,
                                                          NULL: deadletter_path */
    unsigned max_uncommitted;  /* ingest.max.uncommitted: records taken whose offsets are
                                  not committed yet */
    unsigned commit_interval_ms;
    unsigned registry_retries; /* ingest.registry.retries: tries after the first */
    unsigned registry_backoff_ms;
    unsigned registry_backoff_max_ms;
    unsigned stats_interval_ms; /* 0: only the summary at exit */
    bool exit_at_eof;           /* stop once every assigned partition is read to its end */
    bool schema_id_headers;     /* look for header mode's __value_schema_id header */
} ingest_settings;

/* Where one key went, for --print-config (keys only: values are not kept). */
typedef struct ingest_route {
    char *key;         /* as written */
    const char *owner; /* "ingest", "librdkafka" or "cfavro" */
    char *as;          /* the name the owner got it under */
} ingest_route;

typedef struct ingest_config {
    ingest_settings settings;
    rd_kafka_conf_t *kafka; /* handed to rd_kafka_new by the consumer (then NULL) */
    cfavro_config *cfavro;
    ingest_route *routes;
    size_t nroutes, route_cap;
} ingest_config;

/* Defaults for everything; librdkafka's enable.auto.offset.store=false and
 * enable.auto.commit=false are set here (the service stores and commits
 * offsets itself, see consumer.c). Returns 0, or -1 with errbuf filled. */
int ingest_config_init(ingest_config *cfg, char *errbuf, size_t errcap);

/* Route and apply one key (the rule above). Returns 0, or -1 with errbuf
 * naming the key. */
int ingest_config_set(ingest_config *cfg, const char *key, const char *value, char *errbuf,
                      size_t errcap);

/* Apply a `key=value` argument (-X). */
int ingest_config_set_pair(ingest_config *cfg, const char *pair, char *errbuf, size_t errcap);

/* Apply a properties file. */
int ingest_config_load_file(ingest_config *cfg, const char *path, char *errbuf, size_t errcap);

/* Check what must be set (ingest.topics, ingest.deadletter.path, group.id,
 * bootstrap.servers or test.mock.num.brokers) and derive librdkafka settings
 * from the service's (enable.partition.eof for ingest.exit.at.eof). */
int ingest_config_finish(ingest_config *cfg, char *errbuf, size_t errcap);

/* One line per key set: "KEY -> OWNER[ as NAME]". */
void ingest_config_print_routes(const ingest_config *cfg, FILE *out);

/* The service's own keys with defaults and one line of documentation. */
void ingest_settings_print_help(FILE *out);

void ingest_config_free(ingest_config *cfg);

#endif
