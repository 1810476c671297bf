/* cfavro_decoder: per-thread state and the decode calls. Every input form
 * (framed message, parsed frame, schema id + payload, batch) reaches the
 * walker through one function, decode_with_key; messages get there through
 * decode_frame unless they take the V0 fast path, which gives the same
 * result without the general parser. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "alloc_internal.h"
#include "batch_errors_internal.h"
#include "bytes_internal.h"
#include "client_internal.h"
#include "compiler_internal.h"
#include "decoder_internal.h"
#include "error_internal.h"
#include "frame_internal.h"
#include "json_write_internal.h"
#include "memo_internal.h"
#include "resolved_internal.h"
#include "settings_internal.h"
#include "walk_json_internal.h"


cfavro_decoder *cfavro_decoder_new(cfavro_client *client, cfavro_error *err)
{
    cf_error_clear(err);
    if (client == NULL) {
        cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, "cfavro_decoder_new: NULL client");
        return NULL;
    }
    cfavro_decoder *dec = cf_calloc(1, sizeof *dec);
    if (dec == NULL) {
        cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
        return NULL;
    }
    dec->client = client;
    dec->opt = client->defaults;
    dec->reader.source = client->reader;
    /* +1: the NUL terminator is not output, so it must not count against
     * limit.output.bytes (max_output <= SIZE_MAX / 2: no overflow). */
    dec->out.limit = dec->opt.json.max_output + 1;
    cf_error_clear(&dec->err);
    cf_stats_attach(dec);
    return dec;
}

void cfavro_decoder_free(cfavro_decoder *dec)
{
    if (dec == NULL) {
        return;
    }
    cf_stats_detach(dec);
    cf_memo_clear(&dec->memo);
    cf_buf_free(&dec->out);
    cf_batch_errors_free(&dec->batch);
    cf_walk_keys_free(&dec->keys);
    cf_ext_free(dec->avro);
    cf_reader_binding_clear(&dec->reader);
    cf_free(dec);
}

/* reader.schema on one decoder: compiled now, so a bad schema fails this
 * call and the decoder keeps its reader. The memo's resolved programs were
 * for the old reader generation and no longer match. */
static int set_reader(cfavro_decoder *dec, const char *text, cfavro_error *err)
{
    cf_reader_source *s;
    int rc = cf_reader_source_new_text(text, &dec->client->limits, &s, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    cf_reader_binding_clear(&dec->reader);
    dec->reader.owned = s;
    dec->reader.source = s;
    return CFAVRO_OK;
}

int cfavro_decoder_set(cfavro_decoder *dec, const char *key, const char *value,
                       cfavro_error *err)
{
    cf_error_clear(err);
    if (dec == NULL || key == NULL || value == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_decoder_set: NULL argument");
    }
    cf_reader_config reader = {0};
    cf_settings_target target = {.options = &dec->opt, .reader = &reader};
    int rc = cf_settings_set_decoder(&target, key, value, err);
    if (rc == CFAVRO_OK && reader.schema != NULL) {
        rc = set_reader(dec, reader.schema, err);
    }
    cf_reader_config_free(&reader);
    if (rc != CFAVRO_OK) {
        return rc; /* the options are as they were */
    }
    dec->out.limit = dec->opt.json.max_output + 1; /* room for the NUL, as in _new */
    if (dec->out.cap > dec->out.limit) {
        /* Writes within capacity skip the limit check: drop a buffer that
         * grew under a larger limit (the borrowed output ends here anyway). */
        cf_buf_free(&dec->out);
    }
    return rc;
}

const cfavro_error *cfavro_decoder_error(const cfavro_decoder *dec)
{
    static const cfavro_error no_decoder = {
        CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, CFAVRO_NO_SCHEMA_ID, "NULL decoder", ""};
    return dec != NULL ? &dec->err : &no_decoder;
}

/* With a reader schema: the program resolved from `e` to the current
 * reader, remembered in e's memo slot (the slot that answered the lookup
 * just made) for as long as the reader stays the same. */
static CF_NOINLINE int reader_program(cfavro_decoder *dec, const cf_cache_entry *e,
                                      const cf_schema **out)
{
    cf_reader *r;
    int rc = cf_reader_binding_get(&dec->reader, &r, &dec->err);
    if (CF_UNLIKELY(rc != CFAVRO_OK)) {
        return rc;
    }
    uint32_t last = dec->memo.last;
    bool memo_is_e = dec->memo.slot[last].entry == e;
    cf_memo_program *mp = &dec->memo.program[last];
    const cf_resolved *res;
    if (CF_LIKELY(memo_is_e && mp->reader_generation == r->generation)) {
        res = mp->resolved;
    } else {
        /* Cast: the entry's resolved slot is written only with atomics. */
        rc = cf_resolved_get((cf_cache_entry *)e, r, &dec->client->limits, &res, &dec->err);
        if (rc != CFAVRO_OK) {
            return rc;
        }
        if (memo_is_e) {
            *mp = (cf_memo_program){r->generation, res};
        }
    }
    if (CF_UNLIKELY(res->program == NULL)) {
        dec->err = res->error; /* remembered when the pair was compiled */
        return res->error.status;
    }
    *out = res->program;
    return CFAVRO_OK;
}

/* The program for entry `e`: its schema, unless a reader schema is set. */
static CF_ALWAYS_INLINE int program_for(cfavro_decoder *dec, const cf_cache_entry *e,
                                        const cf_schema **out)
{
    if (CF_LIKELY(dec->reader.source == NULL)) {
        *out = e->schema;
        return CFAVRO_OK;
    }
    return reader_program(dec, e, out);
}

/* The memo first, then the client's cache (and on a miss its sources). */
static CF_ALWAYS_INLINE int lookup(cfavro_decoder *dec, const cf_schema_key *key,
                                   const cf_cache_entry **out)
{
    cf_cache_entry *e = cf_memo_find(&dec->memo, key);
    if (CF_LIKELY(e != NULL)) {
        *out = e;
        return CFAVRO_OK;
    }
    cf_cache_answer answer;
    int rc = cf_client_acquire_counted(dec->client, key, &e, &dec->err, &answer);
    cf_stats_count_answer(&dec->stats, answer);
    if (rc == CFAVRO_OK) {
        cf_memo_put(&dec->memo, key, e);
        *out = e;
    }
    return rc;
}

const cfavro_error *cfavro_decoder_batch_error(const cfavro_decoder *dec, size_t index)
{
    return dec != NULL ? cf_batch_errors_find(&dec->batch, index) : NULL;
}

/* ---- one path from a frame to the walker ---------------------------------- */

/* When an unprefixed payload fails to decode but begins like a Confluent
 * frame, say so: that mistake otherwise shows up as a baffling data error. */
static CF_NOINLINE void hint_unstripped_header(cfavro_error *err, const uint8_t *p, size_t len)
{
    if (len < CFAVRO_HEADER_V0_SIZE || p[0] != CFAVRO_MAGIC_V0) {
        return;
    }
    int32_t id = cf_frame_read_id(p + 1);
    cf_error_append(err,
                    "; the payload starts with 0x00 and schema id %d: it looks like a "
                    "Confluent-framed message whose 5-byte header was not stripped",
                    (int)id);
}

/* A failure of data decoded with a schema whose registry response carries an
 * encryption rule is most likely ciphertext, not corruption: say so first. */
static CF_NOINLINE void explain_encrypted(cfavro_error *err, const cf_cache_entry *e)
{
    int cls = err->status / 100 * 100;
    if (e->note != NULL && (cls == CFAVRO_CLASS_DATA || cls == CFAVRO_CLASS_TRAILING)) {
        cf_error_prepend(err, "%s; ", e->note);
    }
}

/* Look up schema `key` and walk payload[0..len) with it, appending JSON (if
 * any) to dec->out; `msg_offset` is where the payload starts in the message,
 * so error offsets count in the message. The only walker call: every decode
 * call ends here. `hint_header` (payloads without a prefix) adds the
 * unstripped-header hint to a failure. `with_reader`: whether the decoder
 * has a reader schema (dec->reader.source set), a constant where the
 * message path is instantiated (decode_one), so the path without one has
 * no trace of the reader's. */
static CF_ALWAYS_INLINE int decode_with_key(cfavro_decoder *dec, cf_schema_key key, bool json,
                                            const uint8_t *payload, size_t len,
                                            size_t msg_offset, bool hint_header,
                                            bool with_reader)
{
    const cf_cache_entry *e;
    int rc = lookup(dec, &key, &e);
    if (rc == CFAVRO_OK) {
        const cf_schema *schema = e->schema;
        if (with_reader) {
            rc = reader_program(dec, e, &schema);
            if (rc != CFAVRO_OK) {
                goto done;
            }
        }
        rc = json ? cf_walk_json(schema, &dec->opt.walk, &dec->keys, &dec->opt.json, payload,
                                 len, msg_offset, &dec->out, &dec->err)
                  : cf_walk_validate(schema, &dec->opt.walk, &dec->keys, payload, len, msg_offset,
                                     &dec->err);
        if (CF_UNLIKELY(rc != CFAVRO_OK)) {
            if (hint_header) {
                hint_unstripped_header(&dec->err, payload, len);
            }
            explain_encrypted(&dec->err, e);
        }
    }
done:
    dec->err.schema_id =
        cf_key_kind_of(&key) == CF_KEY_ID ? cf_key_id_of(&key) : CFAVRO_NO_SCHEMA_ID;
    return rc;
}

/* Decode a frame that check_frame accepted. Kept out of line: for messages
 * it is the uncommon path. */
static CF_NOINLINE int decode_frame(cfavro_decoder *dec, const cfavro_frame *frame,
                                    bool json)
{
    /* An empty payload may come as NULL: the walker's entry takes it. */
    cf_schema_key key =
        frame->kind == CFAVRO_FRAME_V1 ? cf_key_guid(frame->guid) : cf_key_id(frame->schema_id);
    return decode_with_key(dec, key, json, frame->payload, frame->payload_size,
                          frame->header_size, frame->header_size == 0,
                          dec->reader.source != NULL);
}

/* Anything but a well-formed V0 message: parse it, then decode the frame. */
static CF_NOINLINE int decode_parsed(cfavro_decoder *dec, const void *msg, size_t len,
                                     bool json)
{
    cfavro_frame frame;
    int rc = cfavro_frame_parse(msg, len, &frame, &dec->err);
    return rc != CFAVRO_OK ? rc : decode_frame(dec, &frame, json);
}

/* Decode one framed message; JSON (if any) is appended to dec->out. */
static CF_ALWAYS_INLINE int decode_message(cfavro_decoder *dec, const void *msg, size_t len,
                                           bool json, bool with_reader)
{
    const uint8_t *p = msg;
    if (len >= CFAVRO_HEADER_V0_SIZE && p[0] == CFAVRO_MAGIC_V0) {
        /* The common case, parse-free: what decode_frame would do with the
         * V0 frame cfavro_frame_parse gives. */
        return decode_with_key(dec, cf_key_id(cf_frame_read_id(p + 1)), json, p + CFAVRO_HEADER_V0_SIZE,
                              len - CFAVRO_HEADER_V0_SIZE, CFAVRO_HEADER_V0_SIZE, false,
                              with_reader);
    }
    return decode_parsed(dec, msg, len, json);
}

/* decode_message without and with a reader schema, each out of line (partly
 * inlined into its callers, GCC splits it, and it cost an instruction more
 * per message). */
static CF_NOINLINE int decode_plain(cfavro_decoder *dec, const void *msg, size_t len, bool json)
{
    return decode_message(dec, msg, len, json, false);
}

static CF_NOINLINE int decode_resolved(cfavro_decoder *dec, const void *msg, size_t len,
                                       bool json)
{
    return decode_message(dec, msg, len, json, true);
}

/* The one reader test of a message, before the path is taken. */
static CF_ALWAYS_INLINE int decode_one(cfavro_decoder *dec, const void *msg, size_t len,
                                       bool json)
{
    return CF_LIKELY(dec->reader.source == NULL) ? decode_plain(dec, msg, len, json)
                                                 : decode_resolved(dec, msg, len, json);
}

/* cfavro_validate's message, counted here (for cfavro_client_stats) so that
 * the public call stays a jump to it: counting after a call would cost the
 * call's return and a stack frame, more than the count itself. */
static CF_NOINLINE int validate_one(cfavro_decoder *dec, const void *msg, size_t len)
{
    return cf_stats_count(&dec->stats, CF_LIKELY(dec->reader.source == NULL)
                                           ? decode_message(dec, msg, len, false, false)
                                           : decode_resolved(dec, msg, len, false));
}

/* CFAVRO_OK when `frame` can be decoded, else an argument error naming `fn`
 * and what is wrong. */
static int check_frame(cfavro_decoder *dec, const char *fn, const cfavro_frame *frame)
{
    if (frame == NULL) {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, "%s: NULL frame", fn);
    }
    if (frame->payload == NULL && frame->payload_size > 0) {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: NULL payload of %zu bytes", fn, frame->payload_size);
    }
    size_t header;
    if (frame->kind == CFAVRO_FRAME_V0) {
        header = CFAVRO_HEADER_V0_SIZE;
    } else if (frame->kind == CFAVRO_FRAME_V1) {
        header = CFAVRO_HEADER_V1_SIZE;
    } else {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: frame kind %d is neither CFAVRO_FRAME_V0 nor CFAVRO_FRAME_V1",
                            fn, frame->kind);
    }
    if (frame->header_size != 0 && frame->header_size != header) {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: frame header_size %zu is neither 0 (header mode) nor %zu "
                            "(a V%d header)",
                            fn, frame->header_size, header, frame->kind);
    }
    return CFAVRO_OK;
}

/* A payload with a known schema id is a header-mode V0 frame. */
static cfavro_frame payload_frame(int32_t schema_id, const void *payload, size_t len)
{
    cfavro_frame frame;
    memset(&frame, 0, sizeof frame);
    frame.kind = CFAVRO_FRAME_V0;
    frame.schema_id = schema_id;
    frame.header_size = 0;
    frame.payload = payload;
    frame.payload_size = len;
    return frame;
}

/* ---- single-message calls ------------------------------------------------- */

/* NUL-terminate the output (not counted in its length): callers may treat
 * the borrowed text as a C string. */
static int terminate(cfavro_decoder *dec)
{
    int rc = cf_buf_reserve(&dec->out, 1);
    if (rc != CFAVRO_OK) {
        return cf_error_set(&dec->err, rc, CFAVRO_NO_OFFSET, "%s",
                            rc == CFAVRO_E_NOMEM ? "out of memory"
                                                 : "JSON output exceeds limit.output.bytes");
    }
    dec->out.data[dec->out.len] = '\0';
    return CFAVRO_OK;
}

/* The failure of a call given a NULL where a value is needed (kept out of
 * line: the callers' fast paths need no room for it). */
static CF_NOINLINE int null_argument(cfavro_decoder *dec, const char *fn)
{
    if (dec != NULL) {
        cf_error_clear(&dec->err);
        cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET, "%s: NULL argument", fn);
    }
    return CFAVRO_E_ARGUMENT;
}

/* Outputs are defined on every return, argument errors included. */
static void clear_outputs(const char **json, size_t *len)
{
    if (json != NULL) {
        *json = NULL;
    }
    if (len != NULL) {
        *len = 0;
    }
}

static int finish_json(cfavro_decoder *dec, int rc, const char **json, size_t *json_len)
{
    if (rc == CFAVRO_OK) {
        rc = terminate(dec);
    }
    if (rc == CFAVRO_OK) {
        cf_error_clear(&dec->err);
        *json = dec->out.data;
        *json_len = dec->out.len;
    } else {
        *json = NULL;
        *json_len = 0;
    }
    return rc;
}

int cfavro_decode_json(cfavro_decoder *dec, const void *msg, size_t len, const char **json,
                       size_t *json_len)
{
    clear_outputs(json, json_len);
    if (dec == NULL || json == NULL || json_len == NULL || (msg == NULL && len > 0)) {
        return null_argument(dec, "cfavro_decode_json");
    }
    cf_error_clear(&dec->err);
    dec->out.len = 0;
    int rc = decode_one(dec, msg, len, true);
    return cf_stats_count(&dec->stats, finish_json(dec, rc, json, json_len));
}

/* cfavro_decode_frame_json, reporting argument errors as `fn`. */
static int frame_json(cfavro_decoder *dec, const cfavro_frame *frame, const char **json,
                      size_t *json_len, const char *fn)
{
    clear_outputs(json, json_len);
    if (dec == NULL || json == NULL || json_len == NULL) {
        return null_argument(dec, fn);
    }
    cf_error_clear(&dec->err);
    int rc = check_frame(dec, fn, frame);
    if (rc != CFAVRO_OK) {
        return finish_json(dec, rc, json, json_len); /* refused: not a message */
    }
    dec->out.len = 0;
    rc = decode_frame(dec, frame, true);
    return cf_stats_count(&dec->stats, finish_json(dec, rc, json, json_len));
}

int cfavro_decode_frame_json(cfavro_decoder *dec, const cfavro_frame *frame, const char **json,
                             size_t *json_len)
{
    return frame_json(dec, frame, json, json_len, "cfavro_decode_frame_json");
}

int cfavro_decode_payload_json(cfavro_decoder *dec, int32_t schema_id, const void *payload,
                               size_t len, const char **json, size_t *json_len)
{
    cfavro_frame frame = payload_frame(schema_id, payload, len);
    return frame_json(dec, &frame, json, json_len, "cfavro_decode_payload_json");
}

int cfavro_validate(cfavro_decoder *dec, const void *msg, size_t len)
{
    if (dec == NULL || (msg == NULL && len > 0)) {
        return null_argument(dec, "cfavro_validate");
    }
    cf_error_clear(&dec->err);
    return validate_one(dec, msg, len);
}

/* cfavro_validate_frame, reporting argument errors as `fn`. */
static int validate_frame(cfavro_decoder *dec, const cfavro_frame *frame, const char *fn)
{
    if (dec == NULL) {
        return null_argument(dec, fn);
    }
    cf_error_clear(&dec->err);
    int rc = check_frame(dec, fn, frame);
    if (rc != CFAVRO_OK) {
        return rc; /* refused: not a message */
    }
    return cf_stats_count(&dec->stats, decode_frame(dec, frame, false));
}

int cfavro_validate_frame(cfavro_decoder *dec, const cfavro_frame *frame)
{
    return validate_frame(dec, frame, "cfavro_validate_frame");
}

int cfavro_validate_payload(cfavro_decoder *dec, int32_t schema_id, const void *payload,
                            size_t len)
{
    cfavro_frame frame = payload_frame(schema_id, payload, len);
    return validate_frame(dec, &frame, "cfavro_validate_payload");
}

/* ---- batches -------------------------------------------------------------- */

/* Where a batch's messages are: an array of pointers and lengths, or one
 * buffer and its offsets (count + 1 of them, `width` bytes each). */
typedef struct batch_input {
    const char *fn; /* the public call, for argument errors */
    const void *const *msgs;
    const size_t *lens;
    const uint8_t *data;
    const void *offsets;
    size_t width;
} batch_input;

static inline int64_t batch_offset(const batch_input *in, size_t i)
{
    if (in->width == 8) {
        int64_t v;
        memcpy(&v, (const uint8_t *)in->offsets + i * 8, 8);
        return v;
    }
    int32_t v;
    memcpy(&v, (const uint8_t *)in->offsets + i * 4, 4);
    return v;
}

/* Message i of a batch. */
static inline void batch_message(const batch_input *in, size_t i, const void **msg, size_t *len)
{
    if (in->msgs != NULL) {
        *msg = in->msgs[i];
        *len = in->lens[i];
        return;
    }
    int64_t from = batch_offset(in, i); /* checked by bad_offset */
    *msg = in->data + from;
    *len = (size_t)(batch_offset(in, i + 1) - from);
}

/* Decode message i of a batch and end its line. Keeps room for the final
 * NUL: each line reserves space for its newline and the NUL, so the NUL
 * always fits after the last line and no line is ever dropped for it. */
static int decode_batch_message(cfavro_decoder *dec, const batch_input *in, size_t i)
{
    const void *msg;
    size_t len;
    batch_message(in, i, &msg, &len);
    if (msg == NULL && len > 0) {
        dec->err.schema_id = CFAVRO_NO_SCHEMA_ID;
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: msgs[%zu] is NULL", in->fn, i);
    }
    size_t start = dec->out.len;
    int rc = decode_one(dec, msg, len, true);
    if (rc == CFAVRO_OK) {
        rc = cf_buf_reserve(&dec->out, 2);
        if (rc != CFAVRO_OK) {
            dec->out.len = start;
            return cf_error_set(&dec->err, rc, CFAVRO_NO_OFFSET, "%s",
                                rc == CFAVRO_E_NOMEM ? "out of memory"
                                                     : "NDJSON output exceeds limit.output.bytes");
        }
        dec->out.data[dec->out.len++] = '\n';
    }
    return rc;
}

/* The batch stops (`status`: the buffer or memory, not a message, is the
 * problem): messages [from, count) are not decoded. Their results and
 * details say so. */
static void stop_batch(cfavro_decoder *dec, size_t from, size_t count, int status,
                       cfavro_batch_result *results)
{
    for (size_t j = from; j < count; j++) {
        results[j] =
            (cfavro_batch_result){status, CFAVRO_NO_OFFSET, CFAVRO_NO_SCHEMA_ID, dec->out.len, 0};
    }
    if (from < count) {
        cf_stats_count_failed(&dec->stats, status, count - from);
    }
    const char *why = status == CFAVRO_E_NOMEM ? "out of memory" : "limit.output.bytes reached";
    cfavro_error detail;
    cf_error_clear(&detail);
    if (from == 0) {
        cf_error_set(&detail, status, CFAVRO_NO_OFFSET, "not decoded: %s before the first message",
                     why);
    } else {
        cf_error_set(&detail, status, CFAVRO_NO_OFFSET,
                     "not decoded: the batch stopped at message %zu (%s)", from - 1, why);
    }
    cf_batch_errors_stop(&dec->batch, from, &detail);
}

/* The batch itself, once its arguments are checked. */
static int decode_batch(cfavro_decoder *dec, const batch_input *in, size_t count,
                        cfavro_batch_result *results, const char **ndjson, size_t *ndjson_len,
                        size_t *failed)
{
    cf_error_clear(&dec->err);
    cf_batch_errors_begin(&dec->batch, count);
    dec->out.len = 0;
    /* Room for the final NUL (see decode_batch_message). */
    int rc = cf_buf_reserve(&dec->out, 1);
    if (rc != CFAVRO_OK) {
        stop_batch(dec, 0, count, rc, results);
        if (failed != NULL) {
            *failed = count;
        }
        return cf_error_set(&dec->err, rc, CFAVRO_NO_OFFSET,
                            "out of memory for the NDJSON buffer: nothing decoded");
    }
    cfavro_error last_failure;
    cf_error_clear(&last_failure);
    size_t nfailed = 0;
    for (size_t i = 0; i < count; i++) {
        size_t start = dec->out.len;
        int mrc = cf_stats_count(&dec->stats, decode_batch_message(dec, in, i));
        results[i].status = mrc;
        results[i].schema_id = dec->err.schema_id;
        results[i].json_offset = start;
        if (mrc == CFAVRO_OK) {
            results[i].offset = CFAVRO_NO_OFFSET;
            results[i].json_len = dec->out.len - start - 1;
            continue;
        }
        results[i].offset = dec->err.offset;
        results[i].json_len = 0;
        nfailed++;
        last_failure = dec->err;
        /* The buffer or memory, not the message, is the problem: stop. */
        int stop = (mrc == CFAVRO_E_NOMEM || mrc == CFAVRO_E_LIMIT_OUTPUT) ? mrc : CFAVRO_OK;
        if (cf_batch_errors_add(&dec->batch, i, &dec->err) != CFAVRO_OK && stop == CFAVRO_OK) {
            /* The detail of message i is kept, but there is no room for
             * another's: stop before a failure would go unrecorded. */
            stop = CFAVRO_E_NOMEM;
            cf_error_clear(&last_failure);
            cf_error_set(&last_failure, stop, CFAVRO_NO_OFFSET,
                         "out of memory recording the failure of message %zu: the messages "
                         "after it are not decoded",
                         i);
        }
        if (stop != CFAVRO_OK) {
            stop_batch(dec, i + 1, count, stop, results);
            nfailed += count - i - 1;
            rc = stop;
            break;
        }
    }
    /* The room reserved above: the NUL always fits, every line is kept. */
    dec->out.data[dec->out.len] = '\0';
    *ndjson = dec->out.data;
    *ndjson_len = dec->out.len;
    dec->err = last_failure;
    if (failed != NULL) {
        *failed = nfailed;
    }
    return rc;
}

int cfavro_decode_batch_json(cfavro_decoder *dec, const void *const *msgs, const size_t *lens,
                             size_t count, cfavro_batch_result *results, const char **ndjson,
                             size_t *ndjson_len, size_t *failed)
{
    clear_outputs(ndjson, ndjson_len);
    if (dec != NULL) {
        cf_batch_errors_begin(&dec->batch, 0); /* no details while arguments are bad */
    }
    if (dec == NULL || ndjson == NULL || ndjson_len == NULL ||
        (count > 0 && (msgs == NULL || lens == NULL || results == NULL))) {
        return null_argument(dec, "cfavro_decode_batch_json");
    }
    batch_input in = {"cfavro_decode_batch_json", msgs, lens, NULL, NULL, 0};
    return decode_batch(dec, &in, count, results, ndjson, ndjson_len, failed);
}

/* Offsets that do not describe `count` messages inside data[0, data_len):
 * the index of the first bad one, with *why set; SIZE_MAX when all hold. */
static size_t bad_offset(const batch_input *in, size_t count, size_t data_len, const char **why)
{
    int64_t prev = 0;
    for (size_t i = 0; i <= count; i++) {
        int64_t v = batch_offset(in, i);
        if (v < 0) {
            *why = "is negative";
            return i;
        }
        if (i > 0 && v < prev) {
            *why = "is below the one before it";
            return i;
        }
        if ((uint64_t)v > data_len) {
            *why = "is beyond the data's length";
            return i;
        }
        prev = v;
    }
    return SIZE_MAX;
}

int cfavro_decode_batch_offsets_json(cfavro_decoder *dec, const void *data, size_t data_len,
                                     const void *offsets, size_t offset_width, size_t count,
                                     cfavro_batch_result *results, const char **ndjson,
                                     size_t *ndjson_len, size_t *failed)
{
    static const char fn[] = "cfavro_decode_batch_offsets_json";
    clear_outputs(ndjson, ndjson_len);
    if (dec != NULL) {
        cf_batch_errors_begin(&dec->batch, 0); /* no details while arguments are bad */
    }
    if (dec == NULL || ndjson == NULL || ndjson_len == NULL || offsets == NULL ||
        (count > 0 && results == NULL) || (data == NULL && data_len > 0)) {
        return null_argument(dec, fn);
    }
    cf_error_clear(&dec->err);
    if (offset_width != 4 && offset_width != 8) {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: offset_width is %zu (4 or 8 bytes)", fn, offset_width);
    }
    static const uint8_t empty[1];
    batch_input in = {fn, NULL, NULL, data != NULL ? data : empty, offsets, offset_width};
    const char *why = NULL;
    size_t bad = bad_offset(&in, count, data_len, &why);
    if (bad != SIZE_MAX) {
        return cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "%s: offsets[%zu] (%lld) %s (%zu bytes): nothing decoded", fn, bad,
                            (long long)batch_offset(&in, bad), why, data_len);
    }
    return decode_batch(dec, &in, count, results, ndjson, ndjson_len, failed);
}

/* ---- for the other output forms (decoder_internal.h) ---------------------- */

int cf_decoder_lookup(cfavro_decoder *dec, const cf_schema_key *key, const cf_cache_entry **out)
{
    return lookup(dec, key, out);
}

int cf_decoder_program(cfavro_decoder *dec, const cf_cache_entry *e, const cf_schema **out)
{
    return program_for(dec, e, out);
}

int cf_decoder_check_frame(cfavro_decoder *dec, const char *fn, const cfavro_frame *frame)
{
    return check_frame(dec, fn, frame);
}

void cf_decoder_explain_failure(cfavro_decoder *dec, const cf_cache_entry *e,
                                const cfavro_frame *frame)
{
    if (frame->header_size == 0) {
        hint_unstripped_header(&dec->err, frame->payload, frame->payload_size);
    }
    explain_encrypted(&dec->err, e);
}
