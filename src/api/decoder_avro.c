/* The avro-c bridge's calls (include/cfavro_avro.h): the decoder's lookup,
 * the avro-c shape of the values (the writer schema's, built once and kept
 * on its cache entry, or the reader schema's, built once and kept on the
 * reader) and the walker's avro-c instantiation. Failures are reported as
 * the JSON calls report them (decoder_internal.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cfavro_avro.h"

#include "alloc_internal.h"
#include "avro_shape_internal.h"
#include "cache_key_internal.h"
#include "decoder_internal.h"
#include "error_internal.h"
#include "walk_avro_internal.h"

/* Values the decoder hands out with cfavro_decoder_avro_value, one per
 * schema, for the schemas asked for last. */
enum { CF_AVRO_VALUE_SLOTS = 8 };

/* A value of one class. Keyed by the class pointer: the value holds a
 * reference to its class, so no other class can be made at that address
 * while the slot lives. */
typedef struct avro_value_slot {
    avro_value_iface_t *iface; /* NULL: empty */
    avro_value_t value;
} avro_value_slot;

/* The decoder's bridge state (dec->avro), made on first use. */
typedef struct decoder_avro {
    cf_ext ext; /* first: the decoder frees it as a cf_ext */
    cf_avro_scratch scratch;
    avro_value_slot slot[CF_AVRO_VALUE_SLOTS];
    uint32_t victim; /* round-robin replacement */
} decoder_avro;

static void decoder_avro_free(cf_ext *ext)
{
    decoder_avro *st = (decoder_avro *)ext;
    for (size_t i = 0; i < CF_AVRO_VALUE_SLOTS; i++) {
        if (st->slot[i].iface != NULL) {
            avro_value_decref(&st->slot[i].value);
        }
    }
    cf_avro_scratch_free(&st->scratch);
    cf_free(st);
}

static decoder_avro *decoder_avro_of(cfavro_decoder *dec)
{
    if (CF_UNLIKELY(dec->avro == NULL)) {
        decoder_avro *st = cf_calloc(1, sizeof *st);
        if (st == NULL) {
            cf_error_set(&dec->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
            return NULL;
        }
        st->ext.free = decoder_avro_free;
        dec->avro = &st->ext;
    }
    return (decoder_avro *)dec->avro;
}

/* A call given a NULL where a value is needed. */
static CF_NOINLINE int null_argument(cfavro_decoder *dec, const char *fn)
{
    if (dec != NULL) {
        cf_error_clear(&dec->err);
        cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, "%s: NULL argument", fn);
    }
    return CFAVRO_E_ARGUMENT;
}

/* What a frame is decoded with: its writer schema's cache entry, the
 * program the walker runs (the entry's schema, or the program resolved from
 * it to the decoder's reader schema) and the avro-c shape of the values it
 * fills (the writer's, or the reader's: a resolved program calls the
 * emitter with the reader's nodes). */
typedef struct frame_plan {
    const cf_cache_entry *entry;
    const cf_schema *program;
    const cf_avro_shape *shape;
} frame_plan;

/* The plan for `frame` (checked or parsed). dec->err.schema_id is set, as
 * the JSON calls set it. */
static int frame_plan_get(cfavro_decoder *dec, const cfavro_frame *frame, frame_plan *plan)
{
    *plan = (frame_plan){0};
    cf_schema_key key =
        frame->kind == CFAVRO_FRAME_V1 ? cf_key_guid(frame->guid) : cf_key_id(frame->schema_id);
    int rc = cf_decoder_lookup(dec, &key, &plan->entry);
    if (rc == CFAVRO_OK) {
        /* An incompatible pair fails here, with its remembered path. */
        rc = cf_decoder_program(dec, plan->entry, &plan->program);
    }
    if (rc == CFAVRO_OK) {
        if (CF_LIKELY(dec->reader.source == NULL)) {
            /* The entry is READY: its schema is immutable, and the memo
             * holds a reference until the next lookup. The slot is the
             * entry's. */
            cf_cache_entry *e = (cf_cache_entry *)plan->entry;
            rc = cf_avro_shape_get(&e->avro, e->schema, &plan->shape, &dec->err);
        } else {
            /* cf_decoder_program took the reader it resolved to: the
             * binding holds it (and so its shape) until the next call. */
            cf_reader *r = dec->reader.held;
            rc = cf_avro_shape_get(&r->avro, r->schema, &plan->shape, &dec->err);
        }
    }
    dec->err.schema_id =
        cf_key_kind_of(&key) == CF_KEY_ID ? cf_key_id_of(&key) : CFAVRO_NO_SCHEMA_ID;
    return rc;
}

/* `value` is of the shape's schema: its class is the shape's (one compare),
 * or its schema equals the shape's. */
static int check_value(cfavro_decoder *dec, const cf_avro_shape *shape, avro_value_t *value,
                       const char *fn)
{
    if (CF_LIKELY(value->iface == shape->iface)) {
        return CFAVRO_OK;
    }
    avro_schema_t have = value->iface != NULL ? avro_value_get_schema(value) : NULL;
    if (have != NULL && (have == shape->schema || avro_schema_equal(have, shape->schema))) {
        return CFAVRO_OK;
    }
    int32_t id = dec->err.schema_id;
    cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                 "%s: the value is not of the %s (%s)", fn,
                 dec->reader.source != NULL ? "decoder's reader schema"
                                            : "message's writer schema",
                 avro_schema_type_name(shape->schema));
    dec->err.schema_id = id;
    return CFAVRO_E_ARGUMENT;
}

/* Decode a checked frame into `value`. */
static int decode_frame_avro(cfavro_decoder *dec, const cfavro_frame *frame, avro_value_t *value,
                             const char *fn)
{
    decoder_avro *st = decoder_avro_of(dec);
    if (st == NULL) {
        return CFAVRO_E_NOMEM;
    }
    frame_plan plan;
    int rc = frame_plan_get(dec, frame, &plan);
    if (rc == CFAVRO_OK) {
        rc = check_value(dec, plan.shape, value, fn);
    }
    if (rc != CFAVRO_OK) {
        return rc;
    }
    int32_t id = dec->err.schema_id;
    rc = cf_walk_avro(plan.program, &dec->opt.walk, &dec->keys, &st->scratch, value,
                      frame->payload, frame->payload_size, frame->header_size, &dec->err);
    if (CF_UNLIKELY(rc != CFAVRO_OK)) {
        cf_decoder_explain_failure(dec, plan.entry, frame);
    }
    dec->err.schema_id = id;
    return rc;
}

int cfavro_decode_avro(cfavro_decoder *dec, const void *msg, size_t len, avro_value_t *value)
{
    if (dec == NULL || value == NULL || (msg == NULL && len > 0)) {
        return null_argument(dec, "cfavro_decode_avro");
    }
    cf_error_clear(&dec->err);
    cfavro_frame frame;
    int rc = cfavro_frame_parse(msg, len, &frame, &dec->err);
    if (rc == CFAVRO_OK) {
        rc = decode_frame_avro(dec, &frame, value, "cfavro_decode_avro");
    }
    return cf_stats_count(&dec->stats, rc);
}

/* cfavro_decode_frame_avro, reporting argument errors as `fn`. */
static int frame_avro(cfavro_decoder *dec, const cfavro_frame *frame, avro_value_t *value,
                      const char *fn)
{
    if (dec == NULL || value == NULL) {
        return null_argument(dec, fn);
    }
    cf_error_clear(&dec->err);
    int rc = cf_decoder_check_frame(dec, fn, frame);
    if (rc != CFAVRO_OK) {
        return rc; /* refused: not a message */
    }
    return cf_stats_count(&dec->stats, decode_frame_avro(dec, frame, value, fn));
}

int cfavro_decode_frame_avro(cfavro_decoder *dec, const cfavro_frame *frame, avro_value_t *value)
{
    return frame_avro(dec, frame, value, "cfavro_decode_frame_avro");
}

int cfavro_decode_payload_avro(cfavro_decoder *dec, int32_t schema_id, const void *payload,
                               size_t len, avro_value_t *value)
{
    cfavro_frame frame;
    memset(&frame, 0, sizeof frame);
    frame.kind = CFAVRO_FRAME_V0;
    frame.schema_id = schema_id;
    frame.header_size = 0; /* header mode: the payload is all there is */
    frame.payload = payload;
    frame.payload_size = len;
    return frame_avro(dec, &frame, value, "cfavro_decode_payload_avro");
}

/* The shape of the values message msg[0..len) decodes into: its writer
 * schema's, or the decoder's reader schema's (only its header is read). */
static int message_shape(cfavro_decoder *dec, const void *msg, size_t len,
                         const cf_avro_shape **shape)
{
    cf_error_clear(&dec->err);
    cfavro_frame frame;
    int rc = cfavro_frame_parse(msg, len, &frame, &dec->err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    frame_plan plan;
    rc = frame_plan_get(dec, &frame, &plan);
    *shape = plan.shape;
    return rc;
}

int cfavro_decoder_avro_value(cfavro_decoder *dec, const void *msg, size_t len,
                              avro_value_t **value)
{
    if (value != NULL) {
        *value = NULL;
    }
    if (dec == NULL || value == NULL || (msg == NULL && len > 0)) {
        return null_argument(dec, "cfavro_decoder_avro_value");
    }
    const cf_avro_shape *shape;
    int rc = message_shape(dec, msg, len, &shape);
    decoder_avro *st = rc == CFAVRO_OK ? decoder_avro_of(dec) : NULL;
    if (st == NULL) {
        return rc != CFAVRO_OK ? rc : CFAVRO_E_NOMEM;
    }
    for (size_t i = 0; i < CF_AVRO_VALUE_SLOTS; i++) {
        if (st->slot[i].iface == shape->iface) {
            *value = &st->slot[i].value;
            return CFAVRO_OK;
        }
    }
    avro_value_slot *s = &st->slot[st->victim];
    avro_value_t fresh;
    if (avro_generic_value_new(shape->iface, &fresh) != 0) {
        return cf_error_set(&dec->err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET,
                            "avro-c cannot make a value: %s", avro_strerror());
    }
    if (s->iface != NULL) {
        avro_value_decref(&s->value); /* drops its class reference too */
    }
    s->value = fresh;
    s->iface = shape->iface;
    st->victim = (st->victim + 1) % CF_AVRO_VALUE_SLOTS;
    *value = &s->value;
    return CFAVRO_OK;
}

int cfavro_decoder_avro_class(cfavro_decoder *dec, const void *msg, size_t len,
                              avro_value_iface_t **iface, avro_schema_t *schema)
{
    if (iface != NULL) {
        *iface = NULL;
    }
    if (schema != NULL) {
        *schema = NULL;
    }
    if (dec == NULL || iface == NULL || (msg == NULL && len > 0)) {
        return null_argument(dec, "cfavro_decoder_avro_class");
    }
    const cf_avro_shape *shape;
    int rc = message_shape(dec, msg, len, &shape);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    *iface = avro_value_iface_incref(shape->iface);
    if (schema != NULL) {
        *schema = avro_schema_incref(shape->schema);
    }
    return CFAVRO_OK;
}
