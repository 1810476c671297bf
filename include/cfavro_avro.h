/*
 * cfavro_avro.h - decode Confluent-framed Avro into avro-c values.
 *
 * For C programs that already work with avro-c (Apache Avro C 1.11) generic
 * values: cfavro decodes a message into an avro_value_t instead of JSON.
 * cfavro's own reader reads and checks every payload byte, with the same
 * limits, statuses, offsets and paths as cfavro_decode_json, and fills the
 * value only through avro-c's setters (avro_value_set_int, ..._append,
 * ..._add, ..._set_branch): avro-c never parses payload bytes, so malformed
 * or hostile input never reaches avro-c's reader.
 *
 * Built when cfavro is configured with -Davro_bridge (on by default when
 * avro-c is found). Compile and link with `pkg-config --cflags --libs
 * cfavro-avro`, which brings in cfavro and avro-c.
 *
 * ---- Which schema ---------------------------------------------------------
 *
 * Without a reader schema, values are of the message's WRITER schema (the
 * one its schema id or GUID names), as the client compiled it. With one
 * (reader.schema on the client or the decoder, or the registry's reader:
 * use.latest.version / cfavro.reader.version), values are of the READER
 * schema, whatever writer a message carries: the writer's bytes are
 * resolved to it exactly as for cfavro_decode_json (fields reordered,
 * dropped and added from their defaults, promotions, enums by symbol,
 * unions), and the value holds what the JSON output shows. An incompatible
 * (writer, reader) pair fails every call below with CFAVRO_E_INCOMPATIBLE
 * and the path of the first mismatch, as for JSON.
 *
 * The avro-c schema and value class (avro_value_iface_t) are built from the
 * compiled schema once, on first use: a writer's is kept with it in the
 * client's schema cache, a reader's with that reader (all the writers
 * resolved to one reader share its class); both are shared by the client's
 * decoders and freed with what keeps them; never per message. When the
 * registry's reader moves to a new version, values have the new version's
 * class (a value of the old one is refused unless the schemas are equal,
 * as avro_schema_equal says). They are made from the compiled schema
 * rather than by avro-c's parser, so schemas that use registry references
 * work.
 *
 * ---- What avro-c cannot express ------------------------------------------
 *
 * - Logical types: avro-c 1.11 has none. Values carry the underlying type:
 *   date and time-millis an int, time-micros and timestamps a long, decimal
 *   its bytes or fixed (big-endian two's complement unscaled value), uuid its
 *   string (or fixed 16), duration its fixed 12. Rendered by
 *   avro_value_to_json they match cfavro's json.logical=false output.
 * - Map keys containing U+0000: avro-c keys are C strings, so "a\0b" and
 *   "a\0c" would collapse into one entry. Such a message fails with
 *   CFAVRO_E_ARGUMENT (offset and path of the key). Strings may contain
 *   U+0000 (avro-c strings carry a size; avro_value_to_json stops at it).
 * - Invalid UTF-8 under json.invalid.utf8=replace is stored replaced (each
 *   invalid sequence U+FFFD), the text the JSON output shows; under the
 *   default (error) it fails with CFAVRO_E_DATA_UTF8 as for JSON.
 * - A top-level bytes schema takes the whole payload as its value, without
 *   a length prefix, as Confluent's deserializers (and cfavro_decode_json)
 *   read it; avro-c's own avro_value_read would expect a prefix.
 *
 * ---- Errors ---------------------------------------------------------------
 *
 * Every call returns a cfavro status; on failure cfavro_decoder_error(dec)
 * has the details, exactly as after cfavro_decode_json on the same input.
 * When avro-c itself fails (out of memory), its process-global error text is
 * copied into that cfavro_error at once; nothing here hands out avro-c's
 * error state. avro_strerror() after a cfavro call means nothing.
 *
 * ---- Threads --------------------------------------------------------------
 *
 * As for every decoder call: one thread at a time per decoder; decoders of
 * one client may run in parallel. The shared value classes are only read
 * after they are built (avro-c's reference counts are atomic). A value may
 * be filled by one call at a time; the values a caller makes are the
 * caller's.
 */
#ifndef CFAVRO_AVRO_H
#define CFAVRO_AVRO_H

#include <avro.h>

#include "cfavro.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Decode one framed message (as cfavro_decode_json takes it) into `value`,
 * a value of the message's writer schema, or of the decoder's reader schema
 * when it has one ("Which schema" above): made from the class
 * cfavro_decoder_avro_class() gives (the fast case: the class is compared
 * by pointer), returned by cfavro_decoder_avro_value(), or made by the
 * caller from an avro-c schema equal to it (then compared with
 * avro_schema_equal on every call). A value of another schema is refused
 * with CFAVRO_E_ARGUMENT before anything is decoded.
 *
 * The whole value is written: arrays and maps are emptied and refilled,
 * every other field and branch overwritten, so a value can be reused from
 * message to message without avro_value_reset. On failure `value` is reset
 * (avro_value_reset: arrays and maps empty, the rest as avro-c resets it),
 * never left half-filled; on an argument error it is untouched.
 *
 * Returns CFAVRO_OK or a status; statuses, offsets and paths are those of
 * cfavro_decode_json on the same message and options (plus
 * CFAVRO_E_ARGUMENT for a value of the wrong schema and for map keys
 * containing U+0000, CFAVRO_E_NOMEM when avro-c runs out of memory).
 * NULL dec, msg (with len > 0) or value: CFAVRO_E_ARGUMENT.
 */
CFAVRO_API int cfavro_decode_avro(cfavro_decoder *dec, const void *msg, size_t len,
                                  avro_value_t *value);

/* cfavro_decode_avro for a parsed frame (as cfavro_decode_frame_json). */
CFAVRO_API int cfavro_decode_frame_avro(cfavro_decoder *dec, const cfavro_frame *frame,
                                        avro_value_t *value);

/* cfavro_decode_avro for an unframed payload of schema `schema_id` (as
 * cfavro_decode_payload_json). */
CFAVRO_API int cfavro_decode_payload_avro(cfavro_decoder *dec, int32_t schema_id,
                                          const void *payload, size_t len,
                                          avro_value_t *value);

/*
 * The decoder's own value for the schema message msg[0..len) decodes into
 * (its writer schema, or the decoder's reader schema), to decode into:
 * *value is set to it (NULL on failure). Only the message's header is
 * read, so `msg` may be just a header (e.g. the 5 bytes
 * cfavro_frame_write_v0 writes for a schema id); the schema is looked up,
 * and fetched if needed, as by cfavro_decode_avro.
 *
 * Ownership and lifetime: the value belongs to the decoder; do not decref
 * it. The decoder keeps one value per schema for the last 8 schemas asked
 * for: the same schema gives the same value again (its contents are what
 * was last decoded into it), and the value stays valid until the decoder is
 * freed or 8 other schemas have been asked for since. Copy it
 * (avro_value_copy) or take a class to keep values longer.
 *
 *   avro_value_t *v;
 *   if (cfavro_decoder_avro_value(dec, msg, len, &v) == CFAVRO_OK &&
 *       cfavro_decode_avro(dec, msg, len, v) == CFAVRO_OK) { ...use *v... }
 */
CFAVRO_API int cfavro_decoder_avro_value(cfavro_decoder *dec, const void *msg, size_t len,
                                         avro_value_t **value);

/*
 * The avro-c class (and, if `schema` is not NULL, the avro-c schema) of the
 * schema message msg[0..len) decodes into: its writer schema, or the
 * decoder's reader schema when it has one (as for cfavro_decoder_avro_value,
 * `msg` may be just a header), for callers who make their own values with
 * avro_generic_value_new. Each is a new reference the caller owns and drops
 * with avro_value_iface_decref / avro_schema_decref; they stay valid after
 * the schema leaves cfavro's cache and after the decoder and client are
 * freed. The same schema gives the same class while it is cached, which is
 * what makes cfavro_decode_avro's check a pointer compare. On failure the
 * outputs are NULL.
 */
CFAVRO_API int cfavro_decoder_avro_class(cfavro_decoder *dec, const void *msg, size_t len,
                                         avro_value_iface_t **iface, avro_schema_t *schema);

#ifdef __cplusplus
}
#endif

#endif /* CFAVRO_AVRO_H */
