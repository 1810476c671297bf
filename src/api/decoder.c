/* cfavro_decoder: per-thread state and the decode calls (one message, a
 * batch, validate only, unprefixed payload). */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "client_internal.h"
#include "error_internal.h"
#include "frame_internal.h"
#include "json_write_internal.h"
#include "settings_internal.h"
#include "walk_internal.h"

struct cfavro_decoder {
    cfavro_client *client; /* borrowed */
    cf_options opt;
    cf_buf out;
    cfavro_error err;
    /* The last schema used: consecutive messages nearly always share an id,
     * so they skip even the lock-free table probe. Schemas live as long as the
     * client, so the pointer stays valid. */
    int32_t memo_id;
    const cf_schema *memo;
};

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
    /* +1: the NUL terminator is not output, so it must not count against
     * limit.output.bytes (max_output <= SIZE_MAX / 2: no overflow). */
    dec->out.limit = dec->opt.json.max_output + 1;
    cf_error_clear(&dec->err);
    return dec;
}

void cfavro_decoder_free(cfavro_decoder *dec)
{
    if (dec == NULL) {
        return;
    }
    cf_buf_free(&dec->out);
    cf_free(dec);
}

int cfavro_decoder_set(cfavro_decoder *dec, const char *key, const char *value,
                       cfavro_error *err)
{
    cf_error_clear(err);
    if (dec == NULL || key == NULL || value == NULL) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_decoder_set: NULL argument");
    }
    int rc = cf_settings_set_decoder(&dec->opt, key, value, err);
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

static int lookup(cfavro_decoder *dec, int32_t id, const cf_schema **out)
{
    if (dec->memo != NULL && dec->memo_id == id) {
        *out = dec->memo;
        return CFAVRO_OK;
    }
    int rc = cf_client_schema(dec->client, id, out, &dec->err);
    if (rc == CFAVRO_OK) {
        dec->memo_id = id;
        dec->memo = *out;
    }
    return rc;
}

/* Frame, look up and walk one message; JSON (if any) is appended to dec->out. */
static int decode_one(cfavro_decoder *dec, const void *msg, size_t len, cf_walk_mode mode)
{
    const uint8_t *p = msg;
    if (len >= CFAVRO_HEADER_V0_SIZE && p[0] == CFAVRO_MAGIC_V0) {
        /* The common case, without the general parser's bookkeeping. */
        int32_t id = cf_frame_read_id(p + 1);
        const cf_schema *schema;
        int rc = lookup(dec, id, &schema);
        if (rc == CFAVRO_OK) {
            rc = cf_walk_run(schema, &dec->opt, mode, p + CFAVRO_HEADER_V0_SIZE,
                             len - CFAVRO_HEADER_V0_SIZE, CFAVRO_HEADER_V0_SIZE, &dec->out,
                             &dec->err);
        }
        dec->err.schema_id = id;
        return rc;
    }
    /* Anything else is a framing error or a V1 (GUID) frame. */
    cfavro_frame frame;
    int rc = cfavro_frame_parse(msg, len, &frame, &dec->err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char guid[2 * CFAVRO_GUID_SIZE + 1];
    for (int i = 0; i < CFAVRO_GUID_SIZE; i++) {
        snprintf(guid + 2 * i, 3, "%02x", frame.guid[i]);
    }
    return cf_error_set(&dec->err, CFAVRO_E_SCHEMA_NOT_FOUND, 1,
                        "schema GUID %s not found: GUID (V1) frames need a schema registry",
                        guid);
}

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
        if (dec != NULL) {
            cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                         "cfavro_decode_json: NULL argument");
        }
        return CFAVRO_E_ARGUMENT;
    }
    cf_error_clear(&dec->err);
    dec->out.len = 0;
    int rc = decode_one(dec, msg, len, CF_WALK_JSON);
    return finish_json(dec, rc, json, json_len);
}

int cfavro_validate(cfavro_decoder *dec, const void *msg, size_t len)
{
    if (dec == NULL || (msg == NULL && len > 0)) {
        if (dec != NULL) {
            cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                         "cfavro_validate: NULL argument");
        }
        return CFAVRO_E_ARGUMENT;
    }
    cf_error_clear(&dec->err);
    return decode_one(dec, msg, len, CF_WALK_VALIDATE);
}

/* When an unprefixed payload fails to decode but begins like a Confluent
 * frame, say so: that mistake otherwise shows up as a baffling data error. */
static void hint_unstripped_header(cfavro_error *err, const uint8_t *p, size_t len)
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

int cfavro_decode_json_payload(cfavro_decoder *dec, int32_t schema_id, const void *payload,
                               size_t len, const char **json, size_t *json_len)
{
    clear_outputs(json, json_len);
    if (dec == NULL || json == NULL || json_len == NULL || (payload == NULL && len > 0)) {
        if (dec != NULL) {
            cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                         "cfavro_decode_json_payload: NULL argument");
        }
        return CFAVRO_E_ARGUMENT;
    }
    cf_error_clear(&dec->err);
    dec->out.len = 0;
    const cf_schema *schema;
    int rc = lookup(dec, schema_id, &schema);
    if (rc == CFAVRO_OK) {
        rc = cf_walk_run(schema, &dec->opt, CF_WALK_JSON, payload, len, 0, &dec->out, &dec->err);
        if (rc != CFAVRO_OK) {
            hint_unstripped_header(&dec->err, payload, len);
        }
    }
    dec->err.schema_id = schema_id;
    return finish_json(dec, rc, json, json_len);
}

int cfavro_decode_batch_json(cfavro_decoder *dec, const void *const *msgs, const size_t *lens,
                             size_t count, cfavro_batch_result *results, const char **ndjson,
                             size_t *ndjson_len, size_t *failed)
{
    clear_outputs(ndjson, ndjson_len);
    if (dec == NULL || ndjson == NULL || ndjson_len == NULL ||
        (count > 0 && (msgs == NULL || lens == NULL || results == NULL))) {
        if (dec != NULL) {
            cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                         "cfavro_decode_batch_json: NULL argument");
        }
        return CFAVRO_E_ARGUMENT;
    }
    cf_error_clear(&dec->err);
    cfavro_error last_failure;
    cf_error_clear(&last_failure);
    dec->out.len = 0;
    size_t nfailed = 0;
    int rc = CFAVRO_OK;
    for (size_t i = 0; i < count; i++) {
        size_t start = dec->out.len;
        int mrc;
        if (msgs[i] == NULL && lens[i] > 0) {
            mrc = cf_error_set(&dec->err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                               "cfavro_decode_batch_json: msgs[%zu] is NULL", i);
        } else {
            mrc = decode_one(dec, msgs[i], lens[i], CF_WALK_JSON);
        }
        if (mrc == CFAVRO_OK) {
            mrc = cf_buf_putc(&dec->out, '\n');
            if (mrc != CFAVRO_OK) {
                dec->out.len = start;
                cf_error_set(&dec->err, mrc, CFAVRO_NO_OFFSET, "%s",
                             mrc == CFAVRO_E_NOMEM ? "out of memory"
                                                   : "NDJSON output exceeds limit.output.bytes");
            }
        }
        results[i].status = mrc;
        if (mrc == CFAVRO_OK) {
            results[i].offset = CFAVRO_NO_OFFSET;
            results[i].json_offset = start;
            results[i].json_len = dec->out.len - start - 1;
            continue;
        }
        results[i].offset = dec->err.offset;
        results[i].json_offset = start;
        results[i].json_len = 0;
        nfailed++;
        last_failure = dec->err;
        if (mrc == CFAVRO_E_NOMEM || mrc == CFAVRO_E_LIMIT_OUTPUT) {
            /* The buffer, not the message, is the problem: stop here and
             * report the rest as not attempted. */
            for (size_t j = i + 1; j < count; j++) {
                results[j] = (cfavro_batch_result){mrc, CFAVRO_NO_OFFSET, dec->out.len, 0};
            }
            nfailed += count - i - 1;
            rc = mrc;
            break;
        }
    }
    /* Even a batch cut short keeps the lines it has: they are valid NDJSON
     * and their results say OK. Only when not even the terminator fits are
     * they lost, and their results say so. */
    int trc = terminate(dec);
    if (trc == CFAVRO_OK) {
        *ndjson = dec->out.data;
        *ndjson_len = dec->out.len;
    } else {
        last_failure = dec->err;
        for (size_t i = 0; i < count; i++) {
            if (results[i].status == CFAVRO_OK) {
                results[i] = (cfavro_batch_result){trc, CFAVRO_NO_OFFSET, 0, 0};
                nfailed++;
            }
        }
        rc = rc != CFAVRO_OK ? rc : trc;
    }
    dec->err = last_failure;
    if (failed != NULL) {
        *failed = nfailed;
    }
    return rc;
}
