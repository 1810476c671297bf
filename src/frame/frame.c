/* The Confluent wire format: split the schema-id header from the Avro payload,
 * and explain what the bytes look like when they are not such a frame. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfavro.h"
#include "error_internal.h"
#include "frame_internal.h"

/* How many leading bytes a framing error shows. */
enum { SHOW_BYTES = 8 };

static bool is_text_byte(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

size_t cf_frame_describe(const uint8_t *p, size_t len, char *dst, size_t cap)
{
    if (cap == 0) {
        return 0;
    }
    size_t n = len < SHOW_BYTES ? len : SHOW_BYTES;
    size_t w = 0;
    for (size_t i = 0; i < n && w + 4 < cap; i++) {
        w += (size_t)snprintf(dst + w, cap - w, i ? " %02x" : "%02x", p[i]);
    }
    if (len > n && w + 4 < cap) {
        w += (size_t)snprintf(dst + w, cap - w, " ...");
    }

    /* Classify on the first bytes: enough to tell the usual mistakes apart
     * (JSON produced by a JSON serializer, plain strings, Avro written
     * without the Confluent serializer). */
    size_t text = 0;
    while (text < n && is_text_byte(p[text])) {
        text++;
    }
    const char *verdict;
    if (len > 0 && (p[0] == '{' || p[0] == '[')) {
        verdict = "looks like JSON text, not Confluent-framed Avro";
    } else if (len > 0 && text == n) {
        verdict = "looks like plain text, not Confluent-framed Avro";
    } else {
        verdict = "looks like raw Avro without the 5-byte Confluent header";
    }
    if (w < cap) {
        w += (size_t)snprintf(dst + w, cap - w, " (%s)", verdict);
    }
    return w < cap ? w : cap - 1;
}

static int magic_error(const uint8_t *p, size_t len, cfavro_error *err)
{
    char shown[128];
    cf_frame_describe(p, len, shown, sizeof shown);
    return cf_error_set(err, CFAVRO_E_FRAME_MAGIC, 0,
                        "unknown magic byte 0x%02x (expected 0x00 or 0x01); message starts %s",
                        p[0], shown);
}

/* Parse the header that starts `p`; `header_only` means p[0..len) must be
 * exactly one header (header mode), otherwise it is followed by the payload. */
static int parse_prefix(const uint8_t *p, size_t len, bool header_only, cfavro_frame *out,
                        cfavro_error *err)
{
    const char *what = header_only ? "schema-id header" : "message";
    if (len == 0) {
        return cf_error_set(err, CFAVRO_E_FRAME_SHORT, 0,
                            "empty %s: a Confluent frame needs at least %d bytes "
                            "(0x00 + 4-byte schema id)",
                            what, CFAVRO_HEADER_V0_SIZE);
    }
    size_t need;
    if (p[0] == CFAVRO_MAGIC_V0) {
        need = CFAVRO_HEADER_V0_SIZE;
    } else if (p[0] == CFAVRO_MAGIC_V1) {
        need = CFAVRO_HEADER_V1_SIZE;
    } else {
        return magic_error(p, len, err);
    }
    if (len < need) {
        return cf_error_set(err, CFAVRO_E_FRAME_SHORT, len,
                            "%s is %zu bytes; a V%d frame needs %zu (magic byte 0x%02x + %s)",
                            what, len, p[0], need, p[0],
                            p[0] == CFAVRO_MAGIC_V0 ? "4-byte schema id" : "16-byte schema GUID");
    }
    if (header_only && len != need) {
        return cf_error_set(err, CFAVRO_E_FRAME_HEADER_SIZE, need,
                            "schema-id header is %zu bytes; a V%d header is exactly %zu", len,
                            p[0], need);
    }
    memset(out, 0, sizeof *out);
    if (p[0] == CFAVRO_MAGIC_V0) {
        out->kind = CFAVRO_FRAME_V0;
        out->schema_id = cf_frame_read_id(p + 1);
    } else {
        out->kind = CFAVRO_FRAME_V1;
        memcpy(out->guid, p + 1, CFAVRO_GUID_SIZE);
    }
    out->header_size = need;
    out->payload = p + need;
    out->payload_size = len - need;
    return CFAVRO_OK;
}

int cfavro_frame_parse(const void *msg, size_t len, cfavro_frame *out, cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL || (msg == NULL && len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_frame_parse: NULL %s", out == NULL ? "out" : "msg");
    }
    return parse_prefix(msg, len, false, out, err);
}

int cfavro_frame_parse_header(const void *header, size_t header_len, const void *payload,
                              size_t payload_len, cfavro_frame *out, cfavro_error *err)
{
    cf_error_clear(err);
    if (out == NULL || (header == NULL && header_len > 0) ||
        (payload == NULL && payload_len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_frame_parse_header: NULL argument");
    }
    int rc = parse_prefix(header, header_len, true, out, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    out->header_size = 0;
    out->payload = payload;
    out->payload_size = payload_len;
    return CFAVRO_OK;
}

int cfavro_frame_write_v0(int32_t schema_id, void *buf, size_t cap)
{
    if (buf == NULL || cap < CFAVRO_HEADER_V0_SIZE) {
        return CFAVRO_E_ARGUMENT;
    }
    uint8_t *p = buf;
    uint32_t id = (uint32_t)schema_id;
    p[0] = CFAVRO_MAGIC_V0;
    p[1] = (uint8_t)(id >> 24);
    p[2] = (uint8_t)(id >> 16);
    p[3] = (uint8_t)(id >> 8);
    p[4] = (uint8_t)id;
    return CFAVRO_OK;
}

int cfavro_frame_write_v1(const uint8_t guid[CFAVRO_GUID_SIZE], void *buf, size_t cap)
{
    if (guid == NULL || buf == NULL || cap < CFAVRO_HEADER_V1_SIZE) {
        return CFAVRO_E_ARGUMENT;
    }
    uint8_t *p = buf;
    p[0] = CFAVRO_MAGIC_V1;
    memcpy(p + 1, guid, CFAVRO_GUID_SIZE);
    return CFAVRO_OK;
}
