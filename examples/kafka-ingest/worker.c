/* Decoding one record and routing the result (see worker.h). */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "line_buf.h"
#include "record_json.h"

struct ingest_worker {
    pthread_t thread;
    const ingest_worker_env *env;
    cfavro_decoder *decoder;
    ingest_line_buf line;
};

typedef enum outcome { HANDLED, DEFERRED, FAILED } outcome;

/* The wait before retry number `attempt` (1, 2, ...): the configured backoff
 * doubled per earlier retry, capped. */
static int64_t backoff_ms(const ingest_settings *s, unsigned attempt)
{
    uint64_t wait = s->registry_backoff_ms;
    for (unsigned i = 1; i < attempt && wait < s->registry_backoff_max_ms; i++) {
        wait *= 2;
    }
    return (int64_t)(wait < s->registry_backoff_max_ms ? wait : s->registry_backoff_max_ms);
}

static outcome write_line(ingest_worker *w, ingest_sink *sink, const char *what)
{
    if (w->line.failed) {
        ingest_fatal_raise(w->env->fatal, "out of memory building a %s line", what);
        return FAILED;
    }
    if (ingest_sink_write(sink, w->line.data, w->line.len) != 0) {
        ingest_fatal_raise(w->env->fatal, "%s: %s", ingest_sink_path(sink),
                           ingest_sink_failure(sink));
        return FAILED;
    }
    return HANDLED;
}

/* Header mode: the schema id travels in the __value_schema_id Kafka header
 * and the value has no prefix. Returns true and the header's bytes when the
 * message has one. */
static bool schema_header(const rd_kafka_message_t *msg, const void **value, size_t *len)
{
    rd_kafka_headers_t *headers;
    if (rd_kafka_message_headers(msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(headers, CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID, value, len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
        return false;
    }
    if (*value == NULL) { /* a header with a null value: the frame check refuses it */
        *value = "";
        *len = 0;
    }
    return true;
}

static outcome handle(ingest_worker *w, ingest_record *rec)
{
    const ingest_worker_env *env = w->env;
    const rd_kafka_message_t *msg = rec->msg;
    rec->attempts++;
    if (msg->payload == NULL) {
        /* A tombstone (compacted topics delete with it) is data, not an
         * error: the sink records it as a null value. */
        ingest_line_tombstone(&w->line, msg);
        outcome out = write_line(w, env->sink, "sink");
        if (out == HANDLED) {
            ingest_count(&env->stats->tombstones);
        }
        return out;
    }
    const void *header = NULL;
    size_t header_len = 0;
    bool header_mode = env->settings->schema_id_headers && schema_header(msg, &header, &header_len);
    cfavro_frame frame;
    cfavro_error frame_err;
    int rc = header_mode ? cfavro_frame_parse_header(header, header_len, msg->payload, msg->len,
                                                     &frame, &frame_err)
                         : cfavro_frame_parse(msg->payload, msg->len, &frame, &frame_err);
    const cfavro_error *err = &frame_err;
    if (rc == CFAVRO_OK) {
        const char *json;
        size_t json_len;
        rc = cfavro_decode_frame_json(w->decoder, &frame, &json, &json_len);
        if (rc == CFAVRO_OK) {
            ingest_line_decoded(&w->line, msg, &frame, json, json_len);
            outcome out = write_line(w, env->sink, "sink");
            if (out == HANDLED) {
                ingest_count(&env->stats->written);
            }
            return out;
        }
        err = cfavro_decoder_error(w->decoder);
    }
    ingest_reason reason = ingest_reason_for_status(err->status);
    if (reason == INGEST_REASON_REGISTRY && rec->attempts <= env->settings->registry_retries) {
        /* Only this record waits: records whose schemas are cached keep
         * flowing past it (its offset holds back the commit of its
         * partition, nothing else). */
        rec->due_ms = ingest_now_ms() + backoff_ms(env->settings, rec->attempts);
        ingest_count(&env->stats->retries);
        return DEFERRED;
    }
    ingest_line_dead_letter(&w->line, msg, header_mode ? header : NULL, header_len, reason, err,
                            rec->attempts);
    outcome out = write_line(w, env->dead_letter->by_reason[reason], "dead-letter");
    if (out == HANDLED) {
        ingest_count(&env->stats->dead_lettered[reason]);
    }
    return out;
}

static void *worker_main(void *arg)
{
    ingest_worker *w = arg;
    ingest_work_queue *q = w->env->queue;
    ingest_record *rec;
    while ((rec = ingest_work_queue_pop(q)) != NULL) {
        /* After a failed write nothing is handled any more: the records stay
         * uncommitted and are read again after a restart. */
        outcome out = ingest_fatal_raised(w->env->fatal) ? FAILED : handle(w, rec);
        if (out == DEFERRED) {
            ingest_work_queue_defer(q, rec);
            continue;
        }
        rd_kafka_message_destroy(rec->msg);
        rec->msg = NULL;
        if (out == HANDLED) {
            /* The last touch of `rec`: from here the consumer thread may
             * recycle it. */
            atomic_store_explicit(&rec->done, true, memory_order_release);
        } else {
            ingest_count(&w->env->stats->abandoned);
        }
        ingest_work_queue_finished(q);
    }
    return NULL;
}

int ingest_workers_start(ingest_workers *ws, const ingest_worker_env *env, char *errbuf,
                         size_t errcap)
{
    unsigned n = env->settings->workers;
    ws->count = 0;
    ws->workers = calloc(n, sizeof *ws->workers);
    if (ws->workers == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        ingest_worker *w = &ws->workers[i];
        w->env = env;
        cfavro_error err;
        w->decoder = cfavro_decoder_new(env->client, &err);
        if (w->decoder == NULL) {
            snprintf(errbuf, errcap, "cfavro decoder: %s", err.message);
            break;
        }
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            cfavro_decoder_free(w->decoder);
            snprintf(errbuf, errcap, "cannot start worker thread %u", i);
            break;
        }
        ws->count++;
    }
    if (ws->count < n) {
        ingest_work_queue_stop(env->queue);
        ingest_workers_join(ws);
        return -1;
    }
    return 0;
}

void ingest_workers_join(ingest_workers *ws)
{
    for (unsigned i = 0; i < ws->count; i++) {
        pthread_join(ws->workers[i].thread, NULL);
        cfavro_decoder_free(ws->workers[i].decoder);
        ingest_line_free(&ws->workers[i].line);
    }
    free(ws->workers);
    ws->workers = NULL;
    ws->count = 0;
}
