/* Per-partition handled prefixes (see offsets.h). */
#include "offsets.h"

#include <stdlib.h>
#include <string.h>

void ingest_offsets_init(ingest_offsets *o)
{
    memset(o, 0, sizeof *o);
}

static ingest_partition *find(const ingest_offsets *o, const char *topic, int32_t partition)
{
    if (o->last != NULL && o->last->partition == partition && strcmp(o->last->topic, topic) == 0) {
        return o->last;
    }
    for (size_t i = 0; i < o->nparts; i++) {
        ingest_partition *p = o->parts[i];
        if (p->partition == partition && strcmp(p->topic, topic) == 0) {
            return p;
        }
    }
    return NULL;
}

static ingest_partition *add(ingest_offsets *o, const char *topic, int32_t partition)
{
    if (o->nparts == o->cap) {
        size_t cap = o->cap != 0 ? o->cap * 2 : 16;
        ingest_partition **grown = realloc(o->parts, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        o->parts = grown;
        o->cap = cap;
    }
    ingest_partition *p = calloc(1, sizeof *p);
    if (p == NULL || (p->topic = strdup(topic)) == NULL) {
        free(p);
        return NULL;
    }
    p->partition = partition;
    p->handled_upto = -1;
    p->stored_upto = -1;
    o->parts[o->nparts++] = p;
    return p;
}

static void recycle(ingest_offsets *o, ingest_record *rec)
{
    o->linked--;
    if (rec->msg != NULL) {
        rd_kafka_message_destroy(rec->msg);
        rec->msg = NULL;
    }
    rec->next_in_partition = o->free_records;
    o->free_records = rec;
}

int ingest_offsets_assign(ingest_offsets *o, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &parts->elems[i];
        if (find(o, tp->topic, tp->partition) == NULL && add(o, tp->topic, tp->partition) == NULL) {
            return -1;
        }
    }
    return 0;
}

void ingest_offsets_revoke(ingest_offsets *o, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        ingest_partition *p = find(o, parts->elems[i].topic, parts->elems[i].partition);
        if (p == NULL) {
            continue;
        }
        while (p->head != NULL) {
            ingest_record *rec = p->head;
            p->head = rec->next_in_partition;
            recycle(o, rec);
        }
        for (size_t k = 0; k < o->nparts; k++) {
            if (o->parts[k] == p) {
                o->parts[k] = o->parts[--o->nparts];
                break;
            }
        }
        if (o->last == p) {
            o->last = NULL;
        }
        free(p->topic);
        free(p);
    }
}

ingest_record *ingest_offsets_take(ingest_offsets *o, rd_kafka_message_t *msg, const char *topic)
{
    ingest_partition *p = find(o, topic, msg->partition);
    if (p == NULL) {
        /* A message of a partition no assignment named: cannot happen with
         * librdkafka's group consumer, but tracking it is cheap and safe. */
        p = add(o, topic, msg->partition);
        if (p == NULL) {
            return NULL;
        }
    }
    o->last = p;
    ingest_record *rec = o->free_records;
    if (rec != NULL) {
        o->free_records = rec->next_in_partition;
    } else if ((rec = malloc(sizeof *rec)) == NULL) {
        return NULL;
    }
    rec->msg = msg;
    rec->part = p;
    rec->offset = msg->offset;
    atomic_init(&rec->done, false);
    rec->attempts = 0;
    rec->due_ms = 0;
    rec->next_in_partition = NULL;
    rec->next_in_queue = NULL;
    if (p->tail != NULL) {
        p->tail->next_in_partition = rec;
    } else {
        p->head = rec;
    }
    p->tail = rec;
    p->eof = false;
    o->linked++;
    return rec;
}

void ingest_offsets_reclaim(ingest_offsets *o)
{
    for (size_t i = 0; i < o->nparts; i++) {
        ingest_partition *p = o->parts[i];
        while (p->head != NULL &&
               atomic_load_explicit(&p->head->done, memory_order_acquire)) {
            ingest_record *rec = p->head;
            p->handled_upto = rec->offset + 1;
            p->head = rec->next_in_partition;
            if (p->head == NULL) {
                p->tail = NULL;
            }
            recycle(o, rec);
            o->unstored++;
        }
    }
}

size_t ingest_offsets_uncommitted(const ingest_offsets *o)
{
    return o->linked + o->unstored;
}

rd_kafka_topic_partition_list_t *ingest_offsets_ready(const ingest_offsets *o)
{
    rd_kafka_topic_partition_list_t *list = NULL;
    for (size_t i = 0; i < o->nparts; i++) {
        const ingest_partition *p = o->parts[i];
        if (p->handled_upto <= p->stored_upto) {
            continue;
        }
        if (list == NULL) {
            list = rd_kafka_topic_partition_list_new((int)o->nparts);
        }
        rd_kafka_topic_partition_list_add(list, p->topic, p->partition)->offset = p->handled_upto;
    }
    return list;
}

void ingest_offsets_mark_stored(ingest_offsets *o, const rd_kafka_topic_partition_list_t *list)
{
    /* A partition whose store failed was revoked meanwhile: its records are
     * someone else's to read, not ours to count. */
    o->unstored = 0;
    for (int i = 0; i < list->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &list->elems[i];
        ingest_partition *p = find(o, tp->topic, tp->partition);
        if (p != NULL && tp->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            p->stored_upto = tp->offset;
        }
    }
}

void ingest_offsets_set_eof(ingest_offsets *o, const char *topic, int32_t partition)
{
    ingest_partition *p = find(o, topic, partition);
    if (p != NULL) {
        p->eof = true;
    }
}

bool ingest_offsets_all_eof(const ingest_offsets *o)
{
    for (size_t i = 0; i < o->nparts; i++) {
        if (!o->parts[i]->eof) {
            return false;
        }
    }
    return o->nparts > 0;
}

void ingest_offsets_free(ingest_offsets *o)
{
    for (size_t i = 0; i < o->nparts; i++) {
        ingest_partition *p = o->parts[i];
        while (p->head != NULL) {
            ingest_record *rec = p->head;
            p->head = rec->next_in_partition;
            recycle(o, rec);
        }
        free(p->topic);
        free(p);
    }
    free(o->parts);
    while (o->free_records != NULL) {
        ingest_record *rec = o->free_records;
        o->free_records = rec->next_in_partition;
        free(rec);
    }
    memset(o, 0, sizeof *o);
}
