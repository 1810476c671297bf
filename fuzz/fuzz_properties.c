/*
 * Fuzz target: properties text (cfavro_config_set_properties), what the CLI's
 * -F FILE and services' configuration files hand to the library.
 *
 * Input: byte 0 picks a secret key of the settings table (mod their count);
 * the rest is split at its first 0xFF byte into SECRET (before; the whole
 * rest when there is no 0xFF) and TEXT (after).
 *
 * Checks:
 *   - TEXT alone, and the text `TEXT \n KEY=SECRET \n TEXT` (SECRET's line
 *     ends replaced, so it stays one line): the status is CFAVRO_OK,
 *     CFAVRO_E_CONFIG or CFAVRO_E_NOMEM and matches err.status; a failure has
 *     a non-empty one-line message of printable ASCII, and a failure at a line
 *     says "line N: " with an offset inside the text;
 *   - the secret: the same text with SECRET's letters and digits rotated (its
 *     shape unchanged) gives the same status and the very same message, and
 *     a marker appended to SECRET never appears in a message (unless TEXT
 *     itself holds it), so no part of a credential can be in one;
 *   - a text that is accepted makes a client (cfavro_client_new succeeds);
 *   - memory stays within the bound of fuzz_common.h and nothing leaks.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cfavro.h"
#include "fuzz_common.h"

/* Appended to every secret: text the library can only show by showing the
 * secret. */
static const char marker[] = "Q7xZ9kW3";

static const char *secret_key(uint8_t sel)
{
    size_t count = 0;
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        count += (cfavro_setting_at(i)->flags & CFAVRO_SETTING_SECRET) != 0;
    }
    FZ_ASSERT(count > 0, "the settings table has no secret key");
    size_t want = sel % count;
    for (size_t i = 0;; i++) {
        const cfavro_setting_info *row = cfavro_setting_at(i);
        if ((row->flags & CFAVRO_SETTING_SECRET) != 0 && want-- == 0) {
            return row->name;
        }
    }
}

/* Apply text[0..len) to a new config and check the outcome; err is filled. */
static int check_text(const char *text, size_t len, cfavro_error *err)
{
    cfavro_config *cfg = cfavro_config_new();
    FZ_ASSERT(cfg != NULL, "cfavro_config_new failed");
    int rc = cfavro_config_set_properties(cfg, text, len, err);
    FZ_ASSERT(rc == CFAVRO_OK || rc == CFAVRO_E_CONFIG || rc == CFAVRO_E_NOMEM, "status %d: %s",
              rc, err->message);
    FZ_ASSERT(err->status == rc, "err.status %d, returned %d", err->status, rc);
    if (rc == CFAVRO_OK) {
        /* Keys are checked one by one; combinations (USER_INFO without
         * basic.auth.user.info, a key file without a certificate) are
         * checked when the client is made, and fail there as config errors
         * whose message the caller checks like any other. */
        cfavro_client *client = cfavro_client_new(cfg, err);
        if (client == NULL) {
            rc = err->status;
            FZ_ASSERT(rc == CFAVRO_E_CONFIG || rc == CFAVRO_E_NOMEM ||
                          cfavro_status_class(rc) == CFAVRO_CLASS_SCHEMA ||
                          rc == CFAVRO_E_LIMIT_SCHEMA,
                      "accepted properties make no client: %d %s", rc, err->message);
        }
        cfavro_client_free(client);
        cfavro_config_free(cfg);
        return rc;
    }
    cfavro_config_free(cfg);
    size_t n = strnlen(err->message, sizeof err->message);
    FZ_ASSERT(n > 0 && n < sizeof err->message, "empty or unterminated message");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)err->message[i];
        FZ_ASSERT(c >= 0x20 && c < 0x7f, "byte 0x%02x in message \"%s\"", c, err->message);
    }
    if (err->offset != CFAVRO_NO_OFFSET) {
        FZ_ASSERT(err->offset < len, "offset %llu past the text (%zu bytes)",
                  (unsigned long long)err->offset, len);
        FZ_ASSERT(strncmp(err->message, "line ", 5) == 0, "no line number: %s", err->message);
    }
    return rc;
}

static bool contains(const char *hay, size_t hay_len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= hay_len; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
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
    if (size == 0) {
        return 0;
    }
    const char *key = secret_key(data[0]);
    const char *rest = (const char *)data + 1;
    size_t rest_len = size - 1;
    const char *split = memchr(rest, 0xFF, rest_len);
    size_t secret_len = split != NULL ? (size_t)(split - rest) : rest_len;
    const char *text = split != NULL ? split + 1 : rest + rest_len;
    size_t text_len = rest_len - secret_len - (split != NULL);

    fz_mem_begin();
    cfavro_error err;
    /* A malloc'ed copy of exactly the text, so ASan sees any over-read. */
    char *alone = malloc(text_len + 1);
    FZ_ASSERT(alone != NULL, "out of memory");
    memcpy(alone, text, text_len);
    check_text(alone, text_len, &err);
    free(alone);

    /* TEXT \n KEY=SECRET+marker \n TEXT, twice: SECRET as given, rotated. */
    size_t key_len = strlen(key);
    size_t value_at = text_len + 1 + key_len + 1;
    size_t value_len = secret_len + sizeof marker - 1;
    size_t len = value_at + value_len + 1 + text_len;
    char *full = malloc(len);
    FZ_ASSERT(full != NULL, "out of memory");
    memcpy(full, text, text_len);
    full[text_len] = '\n';
    memcpy(full + text_len + 1, key, key_len);
    full[value_at - 1] = '=';
    memcpy(full + value_at, rest, secret_len);
    for (size_t i = 0; i < secret_len; i++) {
        if (full[value_at + i] == '\n') {
            full[value_at + i] = '_';
        }
    }
    memcpy(full + value_at + secret_len, marker, sizeof marker - 1);
    full[value_at + value_len] = '\n';
    memcpy(full + value_at + value_len + 1, text, text_len);

    int rc = check_text(full, len, &err);
    bool marker_in_text = contains(text, text_len, marker);
    FZ_ASSERT(rc == CFAVRO_OK || marker_in_text || strstr(err.message, marker) == NULL,
              "%s: the secret is in the message: %s", key, err.message);
    fz_rotate(full + value_at, value_len);
    cfavro_error err2;
    int rc2 = check_text(full, len, &err2);
    free(full);
    FZ_ASSERT(rc2 == rc, "%s: the status depends on the secret's letters (%d, %d)", key, rc,
              rc2);
    if (rc != CFAVRO_OK) {
        FZ_ASSERT(strcmp(err.message, err2.message) == 0,
                  "%s: the message depends on the secret:\n  %s\n  %s", key, err.message,
                  err2.message);
    }
    fz_mem_end(size, "properties");
    return 0;
}
