/* cfavro-kafka-ingest: consume Confluent-framed Avro from Kafka, write each
 * record as a JSON line, and put every record that does not decode into a
 * dead-letter file, never stopping on one. See README.md. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cfavro.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "consumer.h"
#include "dead_letter.h"
#include "fatal.h"
#include "produce.h"
#include "settings.h"
#include "sink.h"
#include "stats.h"
#include "work_queue.h"
#include "worker.h"

enum { EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fputs("usage: cfavro-kafka-ingest -F FILE [-X KEY=VALUE]... [options]\n"
          "\n"
          "Consume Confluent-framed Avro, write each record as one JSON line to the sink,\n"
          "and every record that does not decode to a dead-letter file. Offsets are\n"
          "committed only once a record is written or dead-lettered (at-least-once).\n"
          "\n"
          "  -F FILE            properties: librdkafka, cfavro and ingest.* keys side by side\n"
          "  -X KEY=VALUE       one more setting (after -F, in order)\n"
          "  --print-config     print which component takes each key, then exit\n"
          "  --produce FIXTURE  test mode: first produce FIXTURE (len32be messages) to the\n"
          "                     first topic, creating it in a mock cluster\n"
          "                     (test.mock.num.brokers) with --partitions partitions\n"
          "  --manifest FILE    with --produce: write \"INDEX PARTITION OFFSET\" lines\n"
          "  --header-mode      with --produce: send each V0 header as __value_schema_id\n"
          "  --partitions N     with --produce and a mock cluster (default 3)\n"
          "  -h, --help         this text\n"
          "\n"
          "Key routing: ingest.* -> this service; schema.registry.url/.context and\n"
          "schema.registry.KEY -> cfavro (as KEY); keys librdkafka knows -> librdkafka;\n"
          "other keys -> cfavro. Exit status: 0 clean stop (SIGTERM/SIGINT, or the end\n"
          "of every partition with ingest.exit.at.eof), 1 an output failed (nothing\n"
          "after it committed), 2 usage or configuration error.\n"
          "\n"
          "ingest.* keys:\n",
          out);
    ingest_settings_print_help(out);
}

typedef struct options {
    const char *produce;
    const char *manifest;
    bool header_mode;
    int partitions;
    bool print_config;
} options;

/* Parse the command line into `cfg` and `opts`; returns -1 after printing
 * why, 1 for --help. */
static int parse_args(int argc, char **argv, ingest_config *cfg, options *opts)
{
    char why[512];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_value = strcmp(arg, "-F") == 0 || strcmp(arg, "-X") == 0 ||
                           strcmp(arg, "--produce") == 0 || strcmp(arg, "--manifest") == 0 ||
                           strcmp(arg, "--partitions") == 0;
        if (takes_value && value == NULL) {
            fprintf(stderr, "cfavro-kafka-ingest: %s needs a value\n", arg);
            return -1;
        }
        int rc = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            return 1;
        } else if (strcmp(arg, "-F") == 0) {
            rc = ingest_config_load_file(cfg, value, why, sizeof why);
        } else if (strcmp(arg, "-X") == 0) {
            rc = ingest_config_set_pair(cfg, value, why, sizeof why);
        } else if (strcmp(arg, "--produce") == 0) {
            opts->produce = value;
        } else if (strcmp(arg, "--manifest") == 0) {
            opts->manifest = value;
        } else if (strcmp(arg, "--partitions") == 0) {
            opts->partitions = atoi(value);
            if (opts->partitions < 1 || opts->partitions > 1000) {
                snprintf(why, sizeof why, "--partitions: 1 to 1000");
                rc = -1;
            }
        } else if (strcmp(arg, "--header-mode") == 0) {
            opts->header_mode = true;
        } else if (strcmp(arg, "--print-config") == 0) {
            opts->print_config = true;
        } else {
            fprintf(stderr, "cfavro-kafka-ingest: unknown argument %.64s (see --help)\n", arg);
            return -1;
        }
        if (rc != 0) {
            fprintf(stderr, "cfavro-kafka-ingest: %s\n", why);
            return -1;
        }
        if (takes_value) {
            i++;
        }
    }
    return 0;
}

/* The first name of ingest.topics. */
static void first_topic(const char *topics, char *out, size_t cap)
{
    size_t n = strcspn(topics, ",");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), topics);
}

/* --produce: write the fixture into the cluster the consumer talks to; with
 * test.mock.num.brokers that is the consumer's own mock cluster, which lives
 * in this process (so the producer must too). */
static int produce_fixture(rd_kafka_t *consumer, const char *bootstrap, const char *topics,
                           const options *opts)
{
    char topic[256];
    first_topic(topics, topic, sizeof topic);
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(consumer);
    if (mock != NULL) {
        bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
        rd_kafka_mock_topic_create(mock, topic, opts->partitions, 3);
    }
    char why[512];
    ingest_fixture_options fo = {.bootstrap = bootstrap, .topic = topic,
                                 .fixture_path = opts->produce, .manifest_path = opts->manifest,
                                 .header_mode = opts->header_mode};
    long n = ingest_produce_fixture(&fo, why, sizeof why);
    if (n < 0) {
        fprintf(stderr, "cfavro-kafka-ingest: --produce: %s\n", why);
        return -1;
    }
    fprintf(stderr, "ingest: produced %ld messages to %s\n", n, topic);
    return 0;
}

/* Everything the run owns, so one function can release it in order. */
typedef struct service {
    ingest_config cfg;
    ingest_sink *sink;
    ingest_dead_letter dead_letter;
    bool dead_letter_open;
    cfavro_client *client;
    ingest_work_queue queue;
    bool queue_ready;
    ingest_worker_env worker_env;
    ingest_workers workers;
    bool workers_running;
    ingest_consumer consumer;
    ingest_stats stats;
    ingest_fatal fatal;
} service;

static int start(service *s, const options *opts, char *why, size_t cap)
{
    ingest_settings *set = &s->cfg.settings;
    if ((s->sink = ingest_sink_open(set->sink_path, set->sink_fsync, why, cap)) == NULL) {
        return -1;
    }
    if (ingest_dead_letter_open(&s->dead_letter, set, s->sink, set->sink_path, why, cap) != 0) {
        return -1;
    }
    s->dead_letter_open = true;
    cfavro_error err;
    if ((s->client = cfavro_client_new(s->cfg.cfavro, &err)) == NULL) {
        snprintf(why, cap, "cfavro: %s", err.message);
        return -1;
    }
    s->stats.cfavro = s->client;
    if (ingest_work_queue_init(&s->queue) != 0) {
        snprintf(why, cap, "cannot create the work queue");
        return -1;
    }
    s->queue_ready = true;
    s->consumer = (ingest_consumer){.settings = set, .queue = &s->queue, .sink = s->sink,
                                    .dead_letter = &s->dead_letter, .stats = &s->stats,
                                    .fatal = &s->fatal};
    char bootstrap[1024] = "";
    size_t bootstrap_size = sizeof bootstrap;
    rd_kafka_conf_get(s->cfg.kafka, "bootstrap.servers", bootstrap, &bootstrap_size);
    if (ingest_consumer_create(&s->consumer, &s->cfg, why, cap) != 0) {
        return -1;
    }
    if (opts->produce != NULL &&
        produce_fixture(s->consumer.rk, bootstrap, set->topics, opts) != 0) {
        snprintf(why, cap, "the fixture was not produced");
        return -1;
    }
    s->worker_env = (ingest_worker_env){.settings = set, .client = s->client, .queue = &s->queue,
                                        .sink = s->sink, .dead_letter = &s->dead_letter,
                                        .stats = &s->stats, .fatal = &s->fatal};
    if (ingest_workers_start(&s->workers, &s->worker_env, why, cap) != 0) {
        return -1;
    }
    s->workers_running = true;
    return ingest_consumer_subscribe(&s->consumer, why, cap);
}

/* Shut down in dependency order; returns the exit status. */
static int finish(service *s)
{
    if (s->workers_running) {
        ingest_consumer_close(&s->consumer); /* needs the workers to settle */
        ingest_work_queue_stop(&s->queue);
        ingest_workers_join(&s->workers);
    } else {
        if (s->queue_ready) {
            ingest_work_queue_stop(&s->queue);
        }
        ingest_consumer_close(&s->consumer);
    }
    if (s->queue_ready) {
        ingest_work_queue_destroy(&s->queue);
    }
    ingest_stats_keep_cfavro(&s->stats);
    cfavro_client_free(s->client);
    if (s->dead_letter_open && ingest_dead_letter_close(&s->dead_letter) != 0) {
        ingest_fatal_raise(&s->fatal, "closing a dead-letter file failed");
    }
    if (ingest_sink_close(s->sink) != 0) {
        ingest_fatal_raise(&s->fatal, "closing the sink failed");
    }
    ingest_config_free(&s->cfg);
    ingest_stats_print(&s->stats, "summary", 0, 0, 0, stderr);
    /* librdkafka's background threads end asynchronously; wait so a leak
     * checker sees a clean exit. */
    rd_kafka_wait_destroyed(5000);
    if (ingest_fatal_raised(&s->fatal)) {
        fprintf(stderr, "cfavro-kafka-ingest: stopped: %s\n", ingest_fatal_reason(&s->fatal));
        return EXIT_RUN_FAILED;
    }
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    static service s;
    char why[512];
    options opts = {.partitions = 3};
    if (ingest_config_init(&s.cfg, why, sizeof why) != 0) {
        fprintf(stderr, "cfavro-kafka-ingest: %s\n", why);
        ingest_config_free(&s.cfg);
        return EXIT_USAGE;
    }
    int rc = parse_args(argc, argv, &s.cfg, &opts);
    if (rc != 0) {
        if (rc > 0) {
            usage(stdout);
        }
        ingest_config_free(&s.cfg);
        return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
    }
    if (opts.print_config) {
        ingest_config_print_routes(&s.cfg, stdout);
        ingest_config_free(&s.cfg);
        return EXIT_SUCCESS;
    }
    if (ingest_config_finish(&s.cfg, why, sizeof why) != 0) {
        fprintf(stderr, "cfavro-kafka-ingest: %s\n", why);
        ingest_config_free(&s.cfg);
        return EXIT_USAGE;
    }
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (start(&s, &opts, why, sizeof why) != 0) {
        fprintf(stderr, "cfavro-kafka-ingest: %s\n", why);
        finish(&s);
        return EXIT_USAGE;
    }
    ingest_consumer_run(&s.consumer, &stop_requested);
    return finish(&s);
}
