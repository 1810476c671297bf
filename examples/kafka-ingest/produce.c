/* Writing a fixture to Kafka (see produce.h). */
#include "produce.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cfavro.h>
#include <librdkafka/rdkafka.h>

#define FIXTURE_MAX_BYTES ((size_t)1 << 30)

typedef struct delivery {
    int32_t partition;
    int64_t offset;
    rd_kafka_resp_err_t err;
    bool reported;
} delivery;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    delivery *all = opaque;
    delivery *d = &all[(uintptr_t)msg->_private];
    d->partition = msg->partition;
    d->offset = msg->offset;
    d->err = msg->err;
    d->reported = true;
}

static unsigned char *read_all(const char *path, size_t *len, char *errbuf, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *data = malloc(cap);
    while (data != NULL) {
        n += fread(data + n, 1, cap - n, f);
        if (n < cap || cap >= FIXTURE_MAX_BYTES) {
            break;
        }
        unsigned char *grown = realloc(data, cap * 2);
        if (grown == NULL) {
            free(data);
            data = NULL;
            break;
        }
        data = grown;
        cap *= 2;
    }
    bool bad = data == NULL || ferror(f) || n == cap;
    fclose(f);
    if (bad) {
        snprintf(errbuf, errcap, "%s: %s", path,
                 data == NULL ? "out of memory" : n == cap ? "too large" : "read error");
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

/* The messages of a len32be stream: counts them, or fills starts/lens. */
static long split_fixture(const unsigned char *data, size_t len, const unsigned char **starts,
                          size_t *lens)
{
    long count = 0;
    for (size_t pos = 0; pos < len; count++) {
        if (len - pos < 4) {
            return -1;
        }
        size_t n = (size_t)data[pos] << 24 | (size_t)data[pos + 1] << 16 |
                   (size_t)data[pos + 2] << 8 | data[pos + 3];
        pos += 4;
        if (n > len - pos) {
            return -1;
        }
        if (starts != NULL) {
            starts[count] = data + pos;
            lens[count] = n;
        }
        pos += n;
    }
    return count;
}

static int partition_count(rd_kafka_t *rk, const char *topic, char *errbuf, size_t errcap)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int count = -1;
    /* A topic just created may not have its leaders yet: ask a few times. */
    for (int attempt = 0; attempt < 50 && count <= 0; attempt++) {
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                count = md->topics[0].partition_cnt;
            }
            rd_kafka_metadata_destroy(md);
        }
        if (count <= 0) {
            rd_kafka_poll(rk, 200);
        }
    }
    rd_kafka_topic_destroy(rkt);
    if (count <= 0) {
        snprintf(errbuf, errcap, "topic %s: no partitions found", topic);
    }
    return count;
}

static rd_kafka_resp_err_t produce_one(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       const unsigned char *value, size_t len, bool header_mode,
                                       uintptr_t index)
{
    /* Header mode: the 5-byte V0 header travels as a Kafka header and the
     * value is the bare Avro payload. Anything that is not a V0 frame is
     * produced as it is. */
    bool split = header_mode && len >= CFAVRO_HEADER_V0_SIZE && value[0] == CFAVRO_MAGIC_V0;
    for (;;) {
        rd_kafka_resp_err_t err;
        if (split) {
            err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_VALUE((void *)(value + CFAVRO_HEADER_V0_SIZE),
                                 len - CFAVRO_HEADER_V0_SIZE),
                RD_KAFKA_V_HEADER(CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID, value,
                                  (ssize_t)CFAVRO_HEADER_V0_SIZE),
                RD_KAFKA_V_OPAQUE((void *)index), RD_KAFKA_V_END);
        } else {
            void *payload = len > 0 ? (void *)value : NULL; /* none: a tombstone */
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_VALUE(payload, len),
                                    RD_KAFKA_V_OPAQUE((void *)index), RD_KAFKA_V_END);
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return err;
        }
        rd_kafka_poll(rk, 100); /* let deliveries drain the local queue */
    }
}

static int write_manifest(const char *path, const delivery *d, long count, char *errbuf,
                          size_t errcap)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (long i = 0; i < count; i++) {
        fprintf(f, "%ld %d %lld\n", i, (int)d[i].partition, (long long)d[i].offset);
    }
    if (fclose(f) != 0) {
        snprintf(errbuf, errcap, "%s: write error", path);
        return -1;
    }
    return 0;
}

static long produce_all(rd_kafka_t *rk, const ingest_fixture_options *opts,
                        const unsigned char **starts, const size_t *lens, long count,
                        delivery *done, char *errbuf, size_t errcap)
{
    int partitions = partition_count(rk, opts->topic, errbuf, errcap);
    if (partitions <= 0) {
        return -1;
    }
    for (long i = 0; i < count; i++) {
        rd_kafka_resp_err_t err = produce_one(rk, opts->topic, (int32_t)(i % partitions),
                                              starts[i], lens[i], opts->header_mode,
                                              (uintptr_t)i);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(errbuf, errcap, "message %ld: %s", i, rd_kafka_err2str(err));
            return -1;
        }
    }
    rd_kafka_flush(rk, 120000);
    for (long i = 0; i < count; i++) {
        if (!done[i].reported || done[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(errbuf, errcap, "message %ld not delivered: %s", i,
                     done[i].reported ? rd_kafka_err2str(done[i].err) : "timed out");
            return -1;
        }
    }
    if (opts->manifest_path != NULL &&
        write_manifest(opts->manifest_path, done, count, errbuf, errcap) != 0) {
        return -1;
    }
    return count;
}

long ingest_produce_fixture(const ingest_fixture_options *opts, char *errbuf, size_t errcap)
{
    size_t len;
    unsigned char *data = read_all(opts->fixture_path, &len, errbuf, errcap);
    if (data == NULL) {
        return -1;
    }
    long count = split_fixture(data, len, NULL, NULL);
    if (count < 0) {
        snprintf(errbuf, errcap, "%s: not a len32be stream (a length runs past the end)",
                 opts->fixture_path);
        free(data);
        return -1;
    }
    const unsigned char **starts = calloc((size_t)count + 1, sizeof *starts);
    size_t *lens = calloc((size_t)count + 1, sizeof *lens);
    delivery *done = calloc((size_t)count + 1, sizeof *done);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[512];
    rd_kafka_t *rk = NULL;
    long produced = -1;
    if (starts == NULL || lens == NULL || done == NULL) {
        snprintf(errbuf, errcap, "out of memory");
    } else if (rd_kafka_conf_set(conf, "bootstrap.servers", opts->bootstrap, why, sizeof why) !=
                   RD_KAFKA_CONF_OK ||
               rd_kafka_conf_set(conf, "linger.ms", "5", why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(errbuf, errcap, "producer: %s", why);
    } else {
        split_fixture(data, len, starts, lens);
        rd_kafka_conf_set_opaque(conf, done);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
        if (rk == NULL) {
            snprintf(errbuf, errcap, "producer: %s", why);
        } else {
            conf = NULL;
            produced = produce_all(rk, opts, starts, lens, count, done, errbuf, errcap);
        }
    }
    if (rk != NULL) {
        rd_kafka_destroy(rk);
    }
    if (conf != NULL) {
        rd_kafka_conf_destroy(conf);
    }
    free(done);
    free(lens);
    free(starts);
    free(data);
    return produced;
}
