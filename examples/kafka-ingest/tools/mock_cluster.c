/* kafka-mock-cluster: librdkafka's mock Kafka cluster in a process of its
 * own, for tests of cfavro-kafka-ingest that must kill and restart the
 * service (a cluster inside the service would die with it) or inject broker
 * faults while it runs.
 *
 *   kafka-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...
 *   kafka-mock-cluster --bootstrap SERVERS [--topic NAME:PARTITIONS]...
 *
 * The second form drives an existing cluster (a real broker) instead: its
 * topics are created with the Admin API, and the commands that only a mock
 * cluster can carry out (broker faults) answer with an error.
 *
 * Prints "BOOTSTRAP host:port,..." once the cluster listens (on loopback),
 * then reads one command per line from stdin and answers each with one line,
 * "ok ...", "committed ..." or "error ...":
 *
 *   produce TOPIC FIXTURE MANIFEST [header-mode]  write a fixture (produce.h)
 *   broker-down ID | broker-up ID                 stop / restart a broker
 *   leader TOPIC PARTITION ID                     move a partition's leader
 *   coordinator GROUP ID                          move a group's coordinator
 *   committed GROUP TOPIC PARTITIONS              the group's committed offsets,
 *                                                 "committed P:OFFSET ..." (-1001: none)
 *   partitions TOPIC                              "ok N": the topic's partition count
 *   quit
 *
 * It exits at "quit" or when stdin closes, so a test that dies leaves no
 * cluster behind. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "../produce.h"

#define MAX_WORDS 8

static void reply_err(const char *what, rd_kafka_resp_err_t err)
{
    printf("error %s: %s\n", what, rd_kafka_err2str(err));
}

static void committed(const char *bootstrap, const char *group, const char *topic,
                      int partitions)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, why, sizeof why) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group, why, sizeof why) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        printf("error %s\n", why);
        return;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        printf("error %s\n", why);
        return;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++) {
        rd_kafka_topic_partition_list_add(list, topic, p);
    }
    rd_kafka_resp_err_t err = rd_kafka_committed(rk, list, 30000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        reply_err("committed", err);
    } else {
        fputs("committed", stdout);
        for (int i = 0; i < list->cnt; i++) {
            printf(" %d:%lld", (int)list->elems[i].partition, (long long)list->elems[i].offset);
        }
        putchar('\n');
    }
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_destroy(rk);
}

/* The partition count of an existing topic, 0 when there is none. Asks for
 * all topics: a request naming the topic could auto-create it. */
static int existing_partitions(rd_kafka_t *rk, const char *name)
{
    const struct rd_kafka_metadata *md;
    int count = 0;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return 0;
    }
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, name) == 0 &&
            md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            count = md->topics[i].partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(md);
    return count;
}

/* A metadata request that names the topic: a broker with topic auto-creation
 * (Kafka's default, and the mock cluster, which has no CreateTopics) makes it
 * with its default partition count. */
static int auto_create_topic(rd_kafka_t *rk, const char *name)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, name, NULL);
    int count = 0;
    for (int attempt = 0; attempt < 20 && count == 0; attempt++) {
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_metadata_destroy(md);
        }
        count = existing_partitions(rk, name);
        if (count == 0) {
            rd_kafka_poll(rk, 250);
        }
    }
    rd_kafka_topic_destroy(rkt);
    return count;
}

/* Create a topic on a real cluster, unless it exists already with as many
 * partitions (made by an earlier run, or by whoever started the cluster).
 * Where CreateTopics fails (refused, or not offered), auto-creation is
 * tried: the topic then has the broker's default partition count, which the
 * `partitions` command reports. */
static int create_topic(rd_kafka_t *rk, const char *name, int partitions)
{
    int existing = existing_partitions(rk, name);
    if (existing >= partitions) {
        return 0;
    }
    if (existing > 0) {
        fprintf(stderr, "kafka-mock-cluster: topic %s has %d partitions, not %d\n", name,
                existing, partitions);
        return -1;
    }
    char why[512];
    rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(name, partitions, 1, why, sizeof why);
    if (topic == NULL) {
        fprintf(stderr, "kafka-mock-cluster: topic %s: %s\n", name, why);
        return -1;
    }
    rd_kafka_AdminOptions_t *options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(options, 15000, why, sizeof why);
    rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(queue, 20000);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev != NULL) {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t count = 0;
        const rd_kafka_topic_result_t **results =
            res != NULL ? rd_kafka_CreateTopics_result_topics(res, &count) : NULL;
        err = rd_kafka_event_error(ev);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && count == 1) {
            err = rd_kafka_topic_result_error(results[0]);
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy(topic);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ||
        auto_create_topic(rk, name) > 0) {
        return 0;
    }
    fprintf(stderr, "kafka-mock-cluster: topic %s: %s (and not auto-created)\n", name,
            rd_kafka_err2str(err));
    return -1;
}

static void run_command(rd_kafka_t *rk, rd_kafka_mock_cluster_t *mock, const char *bootstrap,
                        char **w, int n)
{
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (strcmp(w[0], "produce") == 0 && (n == 4 || n == 5)) {
        char why[512];
        ingest_fixture_options fo = {.bootstrap = bootstrap, .topic = w[1],
                                     .fixture_path = w[2], .manifest_path = w[3],
                                     .header_mode = n == 5 && strcmp(w[4], "header-mode") == 0};
        long count = ingest_produce_fixture(&fo, why, sizeof why);
        if (count < 0) {
            printf("error %s\n", why);
        } else {
            printf("ok %ld\n", count);
        }
        return;
    }
    bool fault = strcmp(w[0], "broker-down") == 0 || strcmp(w[0], "broker-up") == 0 ||
                 strcmp(w[0], "leader") == 0 || strcmp(w[0], "coordinator") == 0;
    if (fault && mock == NULL) {
        printf("error %s needs a mock cluster (this one was given by --bootstrap)\n", w[0]);
        return;
    }
    if (strcmp(w[0], "broker-down") == 0 && n == 2) {
        err = rd_kafka_mock_broker_set_down(mock, atoi(w[1]));
    } else if (strcmp(w[0], "broker-up") == 0 && n == 2) {
        err = rd_kafka_mock_broker_set_up(mock, atoi(w[1]));
    } else if (strcmp(w[0], "leader") == 0 && n == 4) {
        err = rd_kafka_mock_partition_set_leader(mock, w[1], atoi(w[2]), atoi(w[3]));
    } else if (strcmp(w[0], "coordinator") == 0 && n == 3) {
        err = rd_kafka_mock_coordinator_set(mock, "group", w[1], atoi(w[2]));
    } else if (strcmp(w[0], "partitions") == 0 && n == 2) {
        printf("ok %d\n", existing_partitions(rk, w[1]));
        return;
    } else if (strcmp(w[0], "committed") == 0 && n == 4) {
        committed(bootstrap, w[1], w[2], atoi(w[3]));
        return;
    } else {
        printf("error unknown command or wrong argument count: %s\n", w[0]);
        return;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        reply_err(w[0], err);
    } else {
        puts("ok");
    }
}

int main(int argc, char **argv)
{
    const char *brokers = "3";
    const char *attach = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--brokers") == 0) {
            brokers = argv[i + 1];
        } else if (strcmp(argv[i], "--bootstrap") == 0) {
            attach = argv[i + 1];
        } else if (strcmp(argv[i], "--topic") != 0) {
            fprintf(stderr, "kafka-mock-cluster: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    /* A mock cluster belongs to this handle (test.mock.num.brokers), which
     * otherwise only idles; attached, the handle carries Admin requests. */
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, attach != NULL ? "bootstrap.servers" : "test.mock.num.brokers",
                          attach != NULL ? attach : brokers, why,
                          sizeof why) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka-mock-cluster: %s\n", why);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (rk == NULL) {
        fprintf(stderr, "kafka-mock-cluster: %s\n", why);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_mock_cluster_t *mock = attach != NULL ? NULL : rd_kafka_handle_mock_cluster(rk);
    int status = 0;
    for (int i = 1; i + 1 < argc && status == 0; i += 2) {
        if (strcmp(argv[i], "--topic") != 0) {
            continue;
        }
        char *colon = strchr(argv[i + 1], ':');
        int partitions = colon != NULL ? atoi(colon + 1) : 1;
        if (colon != NULL) {
            *colon = '\0';
        }
        if (mock == NULL) {
            status = create_topic(rk, argv[i + 1], partitions) == 0 ? 0 : 2;
            continue;
        }
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock, argv[i + 1], partitions,
                                                             atoi(brokers) < 3 ? 1 : 3);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "kafka-mock-cluster: topic %s: %s\n", argv[i + 1],
                    rd_kafka_err2str(err));
            status = 2;
        }
    }
    if (status != 0) {
        rd_kafka_destroy(rk);
        return status;
    }
    char *bootstrap = strdup(mock != NULL ? rd_kafka_mock_cluster_bootstraps(mock) : attach);
    printf("BOOTSTRAP %s\n", bootstrap);
    fflush(stdout);

    char line[4096];
    while (fgets(line, sizeof line, stdin) != NULL) {
        char *words[MAX_WORDS];
        int n = 0;
        for (char *tok = strtok(line, " \t\r\n"); tok != NULL && n < MAX_WORDS;
             tok = strtok(NULL, " \t\r\n")) {
            words[n++] = tok;
        }
        if (n == 0) {
            continue;
        }
        if (strcmp(words[0], "quit") == 0) {
            puts("ok");
            fflush(stdout);
            break;
        }
        run_command(rk, mock, bootstrap, words, n);
        fflush(stdout);
    }
    free(bootstrap);
    rd_kafka_destroy(rk);
    return 0;
}
