/* The two kinds of output line, built into a worker's line buffer:
 *
 *   sink:        {"topic":T,"partition":P,"offset":O,"timestamp":MS|null,
 *                 "schema_id":N | "schema_guid":"8-4-4-4-12", "value":DECODED}
 *                (a tombstone, a null Kafka value, has "value":null and no schema)
 *   dead letter: {"topic":T,"partition":P,"offset":O,"timestamp":MS|null,
 *                 "reason":R,"status":S,"status_name":TEXT,"class":C,
 *                 "class_name":TEXT,"error_offset":N|null,"path":TEXT,
 *                 "message":TEXT,"schema_id":N|null,"attempts":K,
 *                 "key_b64":B64|null,"value_b64":B64,
 *                 "schema_header_b64":B64 (header mode only)}
 *
 * Every line ends in '\n'. The Kafka coordinates come first in both, so one
 * reader can account for every offset across the sink and the dead letters.
 */
#ifndef INGEST_RECORD_JSON_H
#define INGEST_RECORD_JSON_H

#include <cfavro.h>
#include <librdkafka/rdkafka.h>

#include "line_buf.h"
#include "reason.h"

/* `frame` is the frame the value decoded from; `json` its decoded JSON. */
void ingest_line_decoded(ingest_line_buf *b, const rd_kafka_message_t *msg,
                         const cfavro_frame *frame, const char *json, size_t json_len);

void ingest_line_tombstone(ingest_line_buf *b, const rd_kafka_message_t *msg);

/* `schema_header` is the header-mode header value (NULL when the value was
 * framed); `attempts` counts the decode tries. */
void ingest_line_dead_letter(ingest_line_buf *b, const rd_kafka_message_t *msg,
                             const void *schema_header, size_t schema_header_len,
                             ingest_reason reason, const cfavro_error *err, unsigned attempts);

#endif
