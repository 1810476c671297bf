/*
 * Fuzz target: framed message bytes against the schema set.
 *
 * Input: selector byte (schema, trailing-bytes and tight-limit flags), an
 * output-options byte, then the message (see make_seeds.py). Each input runs
 * through cfavro_validate, cfavro_decode_json, cfavro_decode_frame_json,
 * cfavro_decode_payload_json and cfavro_decode_batch_json with the same
 * options, and checks:
 *   - validate and JSON agree on the status, the error offset and the field
 *     path (JSON may instead stop at limit.output.bytes, which validation
 *     does not have);
 *   - the error detail is filled on failure and cleared on success;
 *   - successful JSON is NUL-terminated, has no raw NUL, and parses with
 *     jansson (except where jansson has limits of its own: decimals written
 *     as bare numbers beyond int64/double, U+0000 inside object keys);
 *   - decoding the parsed frame gives the same status, detail and text;
 *   - decoding the unprefixed payload gives the same status and text;
 *   - a batch of the message twice (pointer and offsets forms, which agree)
 *     gives each row the single call's status,
 *     schema id and (cfavro_decoder_batch_error) full error detail;
 *   - peak library memory stays within the bound of fuzz_common.h and none
 *     is left behind once the decoder is freed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    (void)fz_client();
    return 0;
}

static void check_error(const cfavro_error *e, int rc, const char *call)
{
    FZ_ASSERT(e->status == rc, "%s returned %d but its error says %d", call, rc, e->status);
    FZ_ASSERT(memchr(e->message, '\0', sizeof e->message) != NULL &&
                  memchr(e->path, '\0', sizeof e->path) != NULL,
              "%s: error strings not NUL-terminated", call);
    if (rc == CFAVRO_OK) {
        return;
    }
    FZ_ASSERT(e->message[0] != '\0', "%s failed with %d and an empty message", call, rc);
    FZ_ASSERT(strcmp(cfavro_strerror(rc), "unknown cfavro status") != 0,
              "%s returned undocumented status %d", call, rc);
}

static bool same_error(const cfavro_error *a, const cfavro_error *b)
{
    return a->status == b->status && a->offset == b->offset && a->schema_id == b->schema_id &&
           strcmp(a->message, b->message) == 0 && strcmp(a->path, b->path) == 0;
}

static void check_json_text(const char *json, size_t len, uint8_t opt, const char *call)
{
    FZ_ASSERT(json != NULL, "%s succeeded with a NULL text", call);
    FZ_ASSERT(json[len] == '\0', "%s: text not NUL-terminated", call);
    FZ_ASSERT(memchr(json, '\0', len) == NULL, "%s: raw NUL inside the JSON text", call);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (root != NULL) {
        json_decref(root);
        return;
    }
    /* Two things valid JSON may hold that jansson cannot: decimals of any size
     * written as bare numbers (json.logical=true, json.decimal=number), and
     * object keys containing U+0000 (Avro map keys may). */
    bool bare_decimals = !(opt & 0x08) && (opt & 0x20);
    enum json_error_code code = json_error_code(&jerr);
    if ((bare_decimals && code == json_error_numeric_overflow) ||
        code == json_error_null_byte_in_key) {
        return;
    }
    fz_fail("%s produced JSON that jansson rejects (%s at byte %d, opt 0x%02x): %.*s", call,
            jerr.text, jerr.position, opt, (int)(len > 2000 ? 2000 : len), json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_message m;
    if (!fz_message_split(data, size, true, &m)) {
        return 0;
    }
    cfavro_decoder *dec = fz_decoder_begin(m.sel, size);
    fz_decoder_options(dec, m.opt);

    int rv = cfavro_validate(dec, m.msg, m.msg_len);
    cfavro_error ev = *cfavro_decoder_error(dec);
    check_error(&ev, rv, "cfavro_validate");

    const char *json = NULL;
    size_t json_len = 0;
    int rj = cfavro_decode_json(dec, m.msg, m.msg_len, &json, &json_len);
    cfavro_error ej = *cfavro_decoder_error(dec);
    check_error(&ej, rj, "cfavro_decode_json");
    if (getenv("FUZZ_VERBOSE") != NULL) { /* seed review: what each input does */
        fprintf(stderr, "schema %-14s opt 0x%02x validate %3d json %3d %s%s\n",
                fz_schema(m.schema_index)->name, m.opt, rv, rj,
                rj == CFAVRO_OK ? "" : ej.message, rj == CFAVRO_OK ? json : "");
    }

    if (rj == CFAVRO_E_LIMIT_OUTPUT) {
        FZ_ASSERT(json == NULL, "cfavro_decode_json failed but left a text");
    } else {
        FZ_ASSERT(rv == rj, "cfavro_validate says %d (%s at %llu, %s) but cfavro_decode_json "
                            "says %d (%s at %llu, %s)",
                  rv, ev.message, (unsigned long long)ev.offset, ev.path, rj, ej.message,
                  (unsigned long long)ej.offset, ej.path);
        FZ_ASSERT(ev.offset == ej.offset && strcmp(ev.path, ej.path) == 0,
                  "status %d: validate fails at %llu (%s), JSON at %llu (%s)", rv,
                  (unsigned long long)ev.offset, ev.path, (unsigned long long)ej.offset,
                  ej.path);
    }
    if (rj == CFAVRO_OK) {
        check_json_text(json, json_len, m.opt, "cfavro_decode_json");
    } else {
        FZ_ASSERT(json == NULL && json_len == 0, "cfavro_decode_json failed but left a text");
    }

    char *copy = NULL;
    if (rj == CFAVRO_OK) {
        copy = malloc(json_len + 1);
        FZ_ASSERT(copy != NULL, "out of memory");
        memcpy(copy, json, json_len + 1);
    }

    /* The parsed frame (V0 or V1): the same call in another form. */
    cfavro_frame frame;
    bool parsed = cfavro_frame_parse(m.msg, m.msg_len, &frame, NULL) == CFAVRO_OK;
    if (parsed) {
        const char *fj = NULL;
        size_t fj_len = 0;
        int rf = cfavro_decode_frame_json(dec, &frame, &fj, &fj_len);
        FZ_ASSERT(rf == rj && same_error(cfavro_decoder_error(dec), &ej),
                  "cfavro_decode_json says %d (%s), cfavro_decode_frame_json %d (%s)", rj,
                  ej.message, rf, cfavro_decoder_error(dec)->message);
        FZ_ASSERT(rf != CFAVRO_OK || (fj_len == json_len && memcmp(fj, copy, json_len) == 0),
                  "frame decoding gives different JSON: %.*s vs %.*s", (int)fj_len, fj,
                  (int)json_len, copy);
    }

    /* The same payload without its header: same result, same text. */
    if (parsed && frame.kind == CFAVRO_FRAME_V0) {
        const char *pj = NULL;
        size_t pj_len = 0;
        int rp = cfavro_decode_payload_json(dec, frame.schema_id, frame.payload,
                                            frame.payload_size, &pj, &pj_len);
        check_error(cfavro_decoder_error(dec), rp, "cfavro_decode_payload_json");
        FZ_ASSERT(rp == rj, "cfavro_decode_json says %d, cfavro_decode_payload_json %d (%s)",
                  rj, rp, cfavro_decoder_error(dec)->message);
        if (rp == CFAVRO_OK) {
            FZ_ASSERT(pj_len == json_len && memcmp(pj, copy, json_len) == 0,
                      "payload decoding gives different JSON: %.*s vs %.*s", (int)pj_len, pj,
                      (int)json_len, copy);
        } else if (rp != CFAVRO_E_SCHEMA_NOT_FOUND) {
            FZ_ASSERT(cfavro_decoder_error(dec)->offset + CFAVRO_HEADER_V0_SIZE == ej.offset ||
                          cfavro_decoder_error(dec)->offset == CFAVRO_NO_OFFSET,
                      "payload error offset %llu vs message error offset %llu",
                      (unsigned long long)cfavro_decoder_error(dec)->offset,
                      (unsigned long long)ej.offset);
        }
    }
    free(copy);

    /* The batch call: the message twice gives two identical results, each
     * what the single call said. */
    {
        const void *msgs[2] = {m.msg, m.msg};
        size_t lens[2] = {m.msg_len, m.msg_len};
        cfavro_batch_result res[2];
        const char *nd = NULL;
        size_t nd_len = 0, failed = 99;
        int rb = cfavro_decode_batch_json(dec, msgs, lens, 2, res, &nd, &nd_len, &failed);
        if (rb == CFAVRO_OK) {
            FZ_ASSERT(nd != NULL && nd[nd_len] == '\0', "batch text not NUL-terminated");
            for (int i = 0; i < 2; i++) {
                FZ_ASSERT(res[i].status == rj, "batch message %d: %d, single call %d", i,
                          res[i].status, rj);
                const cfavro_error *be = cfavro_decoder_batch_error(dec, (size_t)i);
                if (rj == CFAVRO_OK) {
                    FZ_ASSERT(be == NULL, "batch message %d decoded but has an error", i);
                    FZ_ASSERT(parsed && frame.kind == CFAVRO_FRAME_V0 &&
                                  res[i].schema_id == frame.schema_id,
                              "batch message %d: schema id %lld", i,
                              (long long)res[i].schema_id);
                } else {
                    FZ_ASSERT(be != NULL && same_error(be, &ej),
                              "batch message %d: detail %s, single call %s", i,
                              be != NULL ? be->message : "(none)", ej.message);
                    FZ_ASSERT(res[i].schema_id == ej.schema_id && res[i].offset == ej.offset,
                              "batch message %d: result differs from the detail", i);
                }
                if (rj == CFAVRO_OK) {
                    FZ_ASSERT(res[i].json_len == json_len &&
                                  res[i].json_offset + json_len < nd_len &&
                                  nd[res[i].json_offset + json_len] == '\n',
                              "batch line %d misplaced", i);
                }
            }
            FZ_ASSERT(failed == (rj == CFAVRO_OK ? 0u : 2u), "batch says %zu failed", failed);
            FZ_ASSERT(rj != CFAVRO_OK || nd_len == 2 * (json_len + 1),
                      "batch NDJSON is %zu bytes for two %zu-byte lines", nd_len, json_len);
        } else {
            /* Only the shared buffer can fail a whole batch: two outputs may
             * pass limit.output.bytes where one did not. */
            FZ_ASSERT(rb == CFAVRO_E_LIMIT_OUTPUT, "batch call failed with %d", rb);
            FZ_ASSERT(nd != NULL && nd[nd_len] == '\0', "stopped batch lost its text");
            FZ_ASSERT(cfavro_decoder_batch_error(dec, 1) != NULL &&
                          cfavro_decoder_batch_error(dec, 1)->status != CFAVRO_OK,
                      "stopped batch: message 1 has no detail");
        }
        /* The offsets form over the two messages back to back: the same
         * status, results and text. */
        char *text = malloc(nd_len + 1);
        uint8_t *joined = malloc(2 * m.msg_len + 1);
        if (text != NULL && joined != NULL && nd != NULL) {
            memcpy(text, nd, nd_len + 1);
            size_t text_len = nd_len;
            if (m.msg_len > 0) {
                memcpy(joined, m.msg, m.msg_len);
                memcpy(joined + m.msg_len, m.msg, m.msg_len);
            }
            const int64_t offsets[3] = {0, (int64_t)m.msg_len, 2 * (int64_t)m.msg_len};
            cfavro_batch_result ores[2];
            int ro = cfavro_decode_batch_offsets_json(dec, joined, 2 * m.msg_len, offsets, 8, 2,
                                                      ores, &nd, &nd_len, &failed);
            FZ_ASSERT(ro == rb, "offsets batch %d, pointer batch %d", ro, rb);
            FZ_ASSERT(nd_len == text_len && memcmp(nd, text, nd_len) == 0,
                      "offsets batch text differs");
            for (int i = 0; i < 2; i++) {
                FZ_ASSERT(ores[i].status == res[i].status && ores[i].offset == res[i].offset &&
                              ores[i].schema_id == res[i].schema_id &&
                              ores[i].json_offset == res[i].json_offset &&
                              ores[i].json_len == res[i].json_len,
                          "offsets batch result %d differs", i);
            }
        }
        free(text);
        free(joined);
    }

    fz_decoder_end(dec, size, "fuzz_decode");
    fz_message_free(&m);
    return 0;
}
