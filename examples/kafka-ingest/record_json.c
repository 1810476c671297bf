/* Output lines for decoded records and dead letters (see record_json.h). */
#include "record_json.h"

#include <string.h>

static void put_coordinates(ingest_line_buf *b, const rd_kafka_message_t *msg)
{
    const char *topic = rd_kafka_topic_name(msg->rkt);
    ingest_line_literal(b, "{\"topic\":");
    ingest_line_put_json_string(b, topic, strlen(topic));
    ingest_line_literal(b, ",\"partition\":");
    ingest_line_put_i64(b, msg->partition);
    ingest_line_literal(b, ",\"offset\":");
    ingest_line_put_i64(b, msg->offset);
    ingest_line_literal(b, ",\"timestamp\":");
    int64_t ts = rd_kafka_message_timestamp(msg, NULL);
    if (ts >= 0) {
        ingest_line_put_i64(b, ts);
    } else {
        ingest_line_literal(b, "null");
    }
}

static void put_guid(ingest_line_buf *b, const uint8_t guid[CFAVRO_GUID_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    char text[36];
    size_t n = 0;
    for (int i = 0; i < CFAVRO_GUID_SIZE; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text[n++] = '-';
        }
        text[n++] = hex[guid[i] >> 4];
        text[n++] = hex[guid[i] & 15];
    }
    ingest_line_put_json_string(b, text, n);
}

void ingest_line_decoded(ingest_line_buf *b, const rd_kafka_message_t *msg,
                         const cfavro_frame *frame, const char *json, size_t json_len)
{
    ingest_line_reset(b);
    put_coordinates(b, msg);
    if (frame->kind == CFAVRO_FRAME_V1) {
        ingest_line_literal(b, ",\"schema_guid\":");
        put_guid(b, frame->guid);
    } else {
        ingest_line_literal(b, ",\"schema_id\":");
        ingest_line_put_i64(b, frame->schema_id);
    }
    ingest_line_literal(b, ",\"value\":");
    ingest_line_put(b, json, json_len);
    ingest_line_literal(b, "}\n");
}

void ingest_line_tombstone(ingest_line_buf *b, const rd_kafka_message_t *msg)
{
    ingest_line_reset(b);
    put_coordinates(b, msg);
    ingest_line_literal(b, ",\"value\":null}\n");
}

static void put_text_field(ingest_line_buf *b, const char *name, const char *text)
{
    ingest_line_puts(b, name);
    ingest_line_put_json_string(b, text, strlen(text));
}

static void put_bytes_field(ingest_line_buf *b, const char *name, const void *bytes, size_t len)
{
    ingest_line_puts(b, name);
    if (bytes == NULL) {
        ingest_line_literal(b, "null");
    } else {
        ingest_line_put_base64(b, bytes, len);
    }
}

void ingest_line_dead_letter(ingest_line_buf *b, const rd_kafka_message_t *msg,
                             const void *schema_header, size_t schema_header_len,
                             ingest_reason reason, const cfavro_error *err, unsigned attempts)
{
    ingest_line_reset(b);
    put_coordinates(b, msg);
    put_text_field(b, ",\"reason\":", ingest_reason_name(reason));
    ingest_line_literal(b, ",\"status\":");
    ingest_line_put_i64(b, err->status);
    put_text_field(b, ",\"status_name\":", cfavro_strerror(err->status));
    int cls = cfavro_status_class(err->status);
    ingest_line_literal(b, ",\"class\":");
    ingest_line_put_i64(b, cls);
    put_text_field(b, ",\"class_name\":", cfavro_strerror(cls));
    ingest_line_literal(b, ",\"error_offset\":");
    if (err->offset == CFAVRO_NO_OFFSET) {
        ingest_line_literal(b, "null");
    } else {
        ingest_line_put_i64(b, (int64_t)err->offset);
    }
    put_text_field(b, ",\"path\":", err->path);
    put_text_field(b, ",\"message\":", err->message);
    ingest_line_literal(b, ",\"schema_id\":");
    if (err->schema_id == CFAVRO_NO_SCHEMA_ID) {
        ingest_line_literal(b, "null");
    } else {
        ingest_line_put_i64(b, err->schema_id);
    }
    ingest_line_literal(b, ",\"attempts\":");
    ingest_line_put_i64(b, attempts);
    put_bytes_field(b, ",\"key_b64\":", msg->key, msg->key_len);
    put_bytes_field(b, ",\"value_b64\":", msg->payload, msg->len);
    if (schema_header != NULL) {
        put_bytes_field(b, ",\"schema_header_b64\":", schema_header, schema_header_len);
    }
    ingest_line_literal(b, "}\n");
}
