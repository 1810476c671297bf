/* The consumer loop, rebalances and commits (see consumer.h). */
#include "consumer.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"

/* How often the loop unlinks handled records when messages keep coming
 * (idle polls always do). */
#define RECLAIM_EVERY 64
#define POLL_MS 100

/* ---- committing ---- */

static void on_commit_result(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    ingest_consumer *c = opaque;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ingest_count(&c->stats->commits);
    } else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        /* The offsets stay stored: the next commit carries them again. */
        ingest_count(&c->stats->commit_failures);
        fprintf(stderr, "ingest: commit failed: %s\n", rd_kafka_err2str(err));
    }
}

/* Hand every output's buffered lines to the kernel; false (and the service
 * stops) when one cannot be written. */
static bool flush_outputs(ingest_consumer *c)
{
    char why[384];
    if (ingest_sink_flush(c->sink) != 0) {
        ingest_fatal_raise(c->fatal, "%s: %s", ingest_sink_path(c->sink),
                           ingest_sink_failure(c->sink));
    } else if (ingest_dead_letter_flush(c->dead_letter, why, sizeof why) != 0) {
        ingest_fatal_raise(c->fatal, "%s", why);
    }
    return !ingest_fatal_raised(c->fatal);
}

/* Flush the sinks, then store and commit what is handled. Synchronous at a
 * revoke, at shutdown and when the uncommitted window is full (the result is
 * known before going on), asynchronous otherwise. */
static void commit_handled(ingest_consumer *c, bool sync)
{
    if (ingest_fatal_raised(c->fatal)) {
        return;
    }
    ingest_offsets_reclaim(&c->offsets);
    /* The positions first, the flush second: every line of a record counted
     * in a position was appended before the position was read, so the flush
     * writes it out before the position is stored. */
    rd_kafka_topic_partition_list_t *ready = ingest_offsets_ready(&c->offsets);
    if (!flush_outputs(c)) {
        if (ready != NULL) {
            rd_kafka_topic_partition_list_destroy(ready);
        }
        return;
    }
    if (ready != NULL) {
        /* A partition revoked meanwhile fails with its own error and keeps
         * its old position; the others are stored. */
        rd_kafka_offsets_store(c->rk, ready);
        ingest_offsets_mark_stored(&c->offsets, ready);
        rd_kafka_topic_partition_list_destroy(ready);
    } else {
        /* Nothing to store: records unlinked since the last store were of
         * partitions given up meanwhile. */
        c->offsets.unstored = 0;
    }
    if (sync) {
        /* A NULL queue serves the result callback inside this call. */
        rd_kafka_commit_queue(c->rk, NULL, NULL, on_commit_result, c);
    } else if (ready != NULL) {
        rd_kafka_commit(c->rk, NULL, 1);
    }
}

/* ---- giving partitions up ---- */

static bool not_revoked(void *arg, const ingest_record *rec)
{
    const rd_kafka_topic_partition_list_t *revoked = arg;
    return rd_kafka_topic_partition_list_find(revoked, rec->part->topic, rec->part->partition) ==
           NULL;
}

/* Everything handled of `parts` (NULL: all) is committed, the rest released,
 * before librdkafka hands the partitions to someone else. */
static void release_partitions(ingest_consumer *c, const rd_kafka_topic_partition_list_t *parts,
                               bool commit)
{
    /* Workers always finish what they hold within one decode (the registry's
     * own timeouts bound it), so this ends. */
    while (!ingest_work_queue_wait_settled(c->queue, 1000)) {
        fprintf(stderr, "ingest: waiting for the workers to finish their records\n");
    }
    ingest_record *left = ingest_work_queue_take_deferred(
        c->queue, parts != NULL ? not_revoked : NULL, (void *)parts);
    while (left != NULL) {
        ingest_record *next = left->next_in_queue;
        rd_kafka_message_destroy(left->msg);
        left->msg = NULL;
        ingest_count(&c->stats->abandoned);
        left = next;
    }
    if (commit) {
        commit_handled(c, true);
    }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ingest_consumer *c = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t assign_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (ingest_offsets_assign(&c->offsets, parts) != 0) {
            ingest_fatal_raise(c->fatal, "out of memory tracking an assignment");
        }
        if (cooperative) {
            error = rd_kafka_incremental_assign(rk, parts);
        } else {
            assign_err = rd_kafka_assign(rk, parts);
        }
    } else {
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            fprintf(stderr, "ingest: rebalance failed: %s\n", rd_kafka_err2str(err));
        }
        /* Partitions lost (the session expired) may already be someone
         * else's: committing them now could move another member's position. */
        release_partitions(c, parts, err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
                                         !rd_kafka_assignment_lost(rk));
        ingest_offsets_revoke(&c->offsets, parts);
        if (cooperative) {
            error = rd_kafka_incremental_unassign(rk, parts);
        } else {
            assign_err = rd_kafka_assign(rk, NULL);
        }
    }
    if (error != NULL) {
        fprintf(stderr, "ingest: assignment: %s\n", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (assign_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "ingest: assignment: %s\n", rd_kafka_err2str(assign_err));
    }
}

/* ---- errors ---- */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    ingest_consumer *c = opaque;
    ingest_count(&c->stats->kafka_errors);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char detail[256];
        rd_kafka_fatal_error(rk, detail, sizeof detail);
        ingest_fatal_raise(c->fatal, "librdkafka fatal error: %s", detail);
        return;
    }
    /* librdkafka retries and reconnects by itself (a broker going away, a
     * leader moving): these are for the operator's log. */
    fprintf(stderr, "ingest: kafka: %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err),
            reason);
}

static void on_consumer_event(ingest_consumer *c, const rd_kafka_message_t *msg)
{
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ingest_offsets_set_eof(&c->offsets, rd_kafka_topic_name(msg->rkt), msg->partition);
        return;
    }
    ingest_count(&c->stats->kafka_errors);
    fprintf(stderr, "ingest: consumer: %s\n", rd_kafka_message_errstr(msg));
}

/* ---- the loop ---- */

int ingest_consumer_create(ingest_consumer *c, ingest_config *cfg, char *errbuf, size_t errcap)
{
    ingest_offsets_init(&c->offsets);
    rd_kafka_conf_set_opaque(cfg->kafka, c);
    rd_kafka_conf_set_rebalance_cb(cfg->kafka, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(cfg->kafka, on_commit_result);
    rd_kafka_conf_set_error_cb(cfg->kafka, on_error);
    char why[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, cfg->kafka, why, sizeof why);
    if (c->rk == NULL) {
        snprintf(errbuf, errcap, "librdkafka: %s", why);
        return -1; /* the conf stays the caller's */
    }
    cfg->kafka = NULL; /* rd_kafka_new took it */
    /* One queue for messages and callbacks: rd_kafka_consumer_poll serves
     * rebalances and commit results too. */
    rd_kafka_poll_set_consumer(c->rk);
    return 0;
}

int ingest_consumer_subscribe(ingest_consumer *c, char *errbuf, size_t errcap)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
    const char *p = c->settings->topics;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        char name[256];
        /* Blanks around the commas are allowed: "a, b". */
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        size_t n = len;
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        }
        if (n == 0 || n >= sizeof name) {
            snprintf(errbuf, errcap, "ingest.topics: an empty or over-long topic name");
            rd_kafka_topic_partition_list_destroy(topics);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        rd_kafka_topic_partition_list_add(topics, name, RD_KAFKA_PARTITION_UA);
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errbuf, errcap, "subscribe: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

static void maybe_print_stats(ingest_consumer *c, int64_t now)
{
    if (c->settings->stats_interval_ms == 0 || now < c->next_stats_ms) {
        return;
    }
    c->next_stats_ms = now + c->settings->stats_interval_ms;
    ingest_stats_print(c->stats, "stats", ingest_work_queue_in_flight(c->queue),
                       ingest_work_queue_deferred(c->queue),
                       ingest_offsets_uncommitted(&c->offsets), stderr);
}

/* At ingest.max.uncommitted: commit what is handled now (synchronously, so
 * the bound holds for what the group has committed, not only stored), and
 * when that frees nothing, wait for the workers. Polls nothing meanwhile: the
 * wait is short (a decode, or the registry retries' schedule), far below
 * max.poll.interval.ms (see the README). Returns true when there is room. */
static bool make_room(ingest_consumer *c)
{
    ingest_offsets_reclaim(&c->offsets);
    if (c->offsets.unstored > 0) {
        commit_handled(c, true);
        c->next_commit_ms = ingest_now_ms() + c->settings->commit_interval_ms;
    }
    if (ingest_offsets_uncommitted(&c->offsets) < c->settings->max_uncommitted) {
        return true;
    }
    ingest_work_queue_wait_progress(c->queue, POLL_MS);
    return false;
}

static bool finished_at_eof(ingest_consumer *c)
{
    return c->settings->exit_at_eof && ingest_offsets_all_eof(&c->offsets) &&
           ingest_work_queue_in_flight(c->queue) == 0;
}

void ingest_consumer_run(ingest_consumer *c, const volatile sig_atomic_t *stop)
{
    int64_t now = ingest_now_ms();
    c->next_commit_ms = now + c->settings->commit_interval_ms;
    c->next_stats_ms = now + c->settings->stats_interval_ms;
    unsigned since_reclaim = 0;
    while (!*stop && !ingest_fatal_raised(c->fatal)) {
        now = ingest_now_ms();
        if (now >= c->next_commit_ms) {
            commit_handled(c, false);
            c->next_commit_ms = now + c->settings->commit_interval_ms;
        }
        maybe_print_stats(c, now);
        if (finished_at_eof(c)) {
            break;
        }
        if (ingest_offsets_uncommitted(&c->offsets) >= c->settings->max_uncommitted &&
            !make_room(c)) {
            continue;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c->rk, POLL_MS);
        if (msg == NULL || ++since_reclaim >= RECLAIM_EVERY) {
            ingest_offsets_reclaim(&c->offsets);
            since_reclaim = 0;
        }
        if (msg == NULL) {
            /* Idle: let readers of the outputs see what is handled now
             * rather than at the next commit. */
            flush_outputs(c);
            continue;
        }
        if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            on_consumer_event(c, msg);
            rd_kafka_message_destroy(msg);
            continue;
        }
        ingest_record *rec = ingest_offsets_take(&c->offsets, msg, rd_kafka_topic_name(msg->rkt));
        if (rec == NULL) {
            rd_kafka_message_destroy(msg);
            ingest_fatal_raise(c->fatal, "out of memory taking a record");
            break;
        }
        ingest_count(&c->stats->consumed);
        ingest_work_queue_push(c->queue, rec);
    }
}

void ingest_consumer_close(ingest_consumer *c)
{
    if (c->rk == NULL) {
        ingest_offsets_free(&c->offsets);
        return;
    }
    release_partitions(c, NULL, true);
    /* Leaving the group runs on_rebalance once more (revoke): nothing is in
     * flight by now, so it only confirms the commit. */
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "ingest: leaving the group: %s\n", rd_kafka_err2str(err));
    }
    rd_kafka_destroy(c->rk);
    c->rk = NULL;
    ingest_offsets_free(&c->offsets);
}
