/*
 * Fuzz target: configuration values (the settings table), an input that
 * reaches the library from properties files, command lines and bindings.
 *
 * Input: a sequence of settings, each `selector key-or-nothing \0 value \0`:
 * a selector byte below 0xF0 picks row (selector mod count) of the table by
 * index, so most inputs exercise real keys' parsers; 0xF0 and above takes
 * the key from the input (up to the next NUL), for unknown and odd keys.
 *
 * Checks, for every setting:
 *   - cfavro_config_set returns CFAVRO_OK or CFAVRO_E_CONFIG, and with an
 *     error its message is a non-empty line of printable ASCII (values are
 *     shown only as escaped, bounded excerpts);
 *   - a secret key's message does not depend on the value: the same value
 *     with its letters and digits rotated (its class of validity unchanged)
 *     gives the same status and the very same message, so no part of the
 *     credential can be in it;
 *   - a decoder key: cfavro_decoder_set on a live decoder agrees with
 *     cfavro_config_set (same status), and a failed set leaves the decoder
 *     decoding as before;
 *   - the accepted settings make a client (cfavro_client_new succeeds);
 *   - memory stays within the bound of fuzz_common.h and nothing leaks.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfavro.h"
#include "fuzz_common.h"

enum { MAX_TEXT = 4096 };

/* A NUL-terminated copy of data[*pos..) up to the next NUL (or the end). */
static size_t take_text(const uint8_t *data, size_t size, size_t *pos, char *dst)
{
    size_t n = 0;
    while (*pos < size && data[*pos] != 0) {
        if (n < MAX_TEXT - 1) {
            dst[n++] = (char)data[*pos];
        }
        (*pos)++;
    }
    if (*pos < size) {
        (*pos)++; /* the NUL */
    }
    dst[n] = '\0';
    return n;
}

static void check_message(const cfavro_error *err, const char *key)
{
    size_t n = strnlen(err->message, sizeof err->message);
    FZ_ASSERT(n > 0 && n < sizeof err->message, "%s: empty or unterminated message", key);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)err->message[i];
        FZ_ASSERT(c >= 0x20 && c < 0x7f, "%s: byte 0x%02x in message \"%s\"", key, c,
                  err->message);
    }
}

static const cfavro_setting_info *find_row(const char *key)
{
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        const cfavro_setting_info *row = cfavro_setting_at(i);
        if (strcmp(row->name, key) == 0) {
            return row;
        }
    }
    return NULL;
}

/* A framed message every decoder setting leaves decodable: schema 1 of the
 * fuzz set is registered; an empty-payload frame may fail, but identically
 * before and after a refused set. */
static int decode_status(cfavro_decoder *dec)
{
    static const uint8_t msg[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x02};
    const char *json;
    size_t len;
    return cfavro_decode_json(dec, msg, sizeof msg, &json, &len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_alloc_install();
    static char key[MAX_TEXT], value[MAX_TEXT], other[MAX_TEXT];
    fz_mem_begin();
    cfavro_error err;
    cfavro_config *cfg = cfavro_config_new();
    FZ_ASSERT(cfg != NULL, "cfavro_config_new failed");
    cfavro_client *probe_client = cfavro_client_new(NULL, &err);
    FZ_ASSERT(probe_client != NULL, "cfavro_client_new(NULL): %s", err.message);
    const fz_schema_def *s0 = fz_schema(0);
    FZ_ASSERT(cfavro_client_add_schema(probe_client, 1, s0->json, strlen(s0->json), &err) ==
                  CFAVRO_OK,
              "schema 0: %s", err.message);
    cfavro_decoder *dec = cfavro_decoder_new(probe_client, &err);
    FZ_ASSERT(dec != NULL, "cfavro_decoder_new: %s", err.message);

    size_t pos = 0;
    for (int n = 0; pos < size && n < 64; n++) {
        uint8_t sel = data[pos++];
        if (sel < 0xF0) {
            snprintf(key, sizeof key, "%s", cfavro_setting_at(sel % cfavro_setting_count())->name);
        } else {
            take_text(data, size, &pos, key);
        }
        take_text(data, size, &pos, value);

        int rc = cfavro_config_set(cfg, key, value, &err);
        FZ_ASSERT(rc == CFAVRO_OK || rc == CFAVRO_E_CONFIG, "%s: status %d", key, rc);
        FZ_ASSERT(err.status == rc, "%s: err.status %d, returned %d", key, err.status, rc);
        if (rc != CFAVRO_OK) {
            check_message(&err, key);
        }

        const cfavro_setting_info *row = find_row(key);
        FZ_ASSERT(row != NULL || rc == CFAVRO_E_CONFIG, "unknown key \"%.40s\" accepted", key);
        if (row != NULL && (row->flags & CFAVRO_SETTING_SECRET) != 0) {
            snprintf(other, sizeof other, "%s", value);
            fz_rotate(other, strlen(other));
            cfavro_error err2;
            cfavro_config *scratch = cfavro_config_new();
            FZ_ASSERT(scratch != NULL, "cfavro_config_new failed");
            int rc2 = cfavro_config_set(scratch, key, other, &err2);
            cfavro_config_free(scratch);
            FZ_ASSERT(rc2 == rc, "%s: status depends on letters of the secret (%d, %d)", key,
                      rc, rc2);
            if (rc != CFAVRO_OK) {
                FZ_ASSERT(strcmp(err.message, err2.message) == 0,
                          "%s: message depends on the secret value:\n  %s\n  %s", key,
                          err.message, err2.message);
            }
        }
        if (row != NULL && row->scope == CFAVRO_SETTING_DECODER) {
            int before = decode_status(dec);
            int drc = cfavro_decoder_set(dec, key, value, &err);
            /* reader.schema is compiled when it is applied: the config only
             * checks it is text, a decoder compiles it at once. */
            bool compiled_later = strcmp(key, "reader.schema") == 0 && rc == CFAVRO_OK &&
                                  (cfavro_status_class(drc) == CFAVRO_CLASS_SCHEMA ||
                                   drc == CFAVRO_E_LIMIT_SCHEMA || drc == CFAVRO_E_NOMEM);
            FZ_ASSERT(drc == rc || compiled_later, "%s: decoder_set %d, config_set %d", key, drc,
                      rc);
            if (drc != CFAVRO_OK) {
                check_message(&err, key);
                FZ_ASSERT(decode_status(dec) == before, "%s: a refused set changed decoding",
                          key);
            }
        }
    }
    /* Keys are checked one by one; what needs them together (a registry
     * reader needs a subject and a URL, USER_INFO needs basic.auth.user.info)
     * or compiles them (reader.schema) is checked when the client is made,
     * and fails there with a config or schema status and a proper message. */
    cfavro_client *client = cfavro_client_new(cfg, &err);
    if (client == NULL) {
        int crc = err.status;
        FZ_ASSERT(crc == CFAVRO_E_CONFIG || crc == CFAVRO_E_NOMEM ||
                      cfavro_status_class(crc) == CFAVRO_CLASS_SCHEMA ||
                      crc == CFAVRO_E_LIMIT_SCHEMA,
                  "accepted settings make no client: %d %s", crc, err.message);
        check_message(&err, "cfavro_client_new");
    }
    cfavro_client_free(client);
    cfavro_decoder_free(dec);
    cfavro_client_free(probe_client);
    cfavro_config_free(cfg);
    fz_mem_end(size, "settings");
    return 0;
}
