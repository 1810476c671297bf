/* cfavro_config_set_properties: a properties text (librdkafka's and kcat's
 * `-F FILE`, simple Java .properties) cut into lines, each trimmed and handed
 * to cfavro_config_set, so a file is checked exactly as the same settings
 * set one by one. The format is documented in include/cfavro.h.
 *
 * A line may hold a credential, so no message written here quotes any part
 * of a line: unknown keys and bad values are reported by cfavro_config_set,
 * which shows at most an escaped excerpt of a key or of a non-secret value. */
#include <stdbool.h>
#include <string.h>

#include "alloc_internal.h"
#include "cfavro.h"
#include "error_internal.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Where the line being read sits in the text. */
typedef struct prop_line {
    size_t number; /* from 1 */
    size_t start;  /* byte offset of its first byte */
} prop_line;

static int line_error(cfavro_error *err, const prop_line *line, const char *what)
{
    return cf_error_set(err, CFAVRO_E_CONFIG, line->start, "line %zu: %s", line->number, what);
}

/* The pair of one line (text[b..e), no line end) in buf as two NUL-terminated
 * strings, applied to cfg; a comment or blank line is skipped. buf holds at
 * least e - b + 2 bytes. */
static int apply_line(cfavro_config *cfg, const char *text, size_t b, size_t e, char *buf,
                      const prop_line *line, cfavro_error *err)
{
    const char *nul = memchr(text + b, '\0', e - b);
    if (nul != NULL) {
        return cf_error_set(err, CFAVRO_E_CONFIG, line->start,
                            "line %zu: NUL byte at column %zu", line->number,
                            (size_t)(nul - (text + b)) + 1);
    }
    while (b < e && is_blank(text[b])) {
        b++;
    }
    if (b == e || text[b] == '#' || text[b] == '!') {
        return CFAVRO_OK;
    }
    const char *eq = memchr(text + b, '=', e - b);
    if (eq == NULL) {
        return line_error(err, line,
                          "expected key=value, found no '=' (the line is not shown: it may "
                          "hold a secret)");
    }
    size_t key_end = (size_t)(eq - text);
    while (key_end > b && is_blank(text[key_end - 1])) {
        key_end--;
    }
    if (key_end == b) {
        return line_error(err, line, "empty key before '='");
    }
    size_t key_len = key_end - b;
    if (memchr(text + b, ' ', key_len) != NULL || memchr(text + b, '\t', key_len) != NULL ||
        memchr(text + b, ':', key_len) != NULL) {
        /* Java's "key value" / "key:value" forms: what looks like the key
         * may start with the value, so it is not quoted either. */
        return line_error(err, line,
                          "the key contains a space, tab or ':' (only '=' separates key and "
                          "value; the line is not shown: it may hold a secret)");
    }
    size_t v = (size_t)(eq - text) + 1;
    while (v < e && is_blank(text[v])) {
        v++;
    }
    memcpy(buf, text + b, key_len);
    buf[key_len] = '\0';
    char *value = buf + key_len + 1;
    memcpy(value, text + v, e - v);
    value[e - v] = '\0';
    int rc = cfavro_config_set(cfg, buf, value, err);
    if (rc != CFAVRO_OK && err != NULL) {
        cf_error_prepend(err, "line %zu: ", line->number);
        err->offset = line->start;
    }
    return rc;
}

int cfavro_config_set_properties(cfavro_config *cfg, const char *text, size_t len,
                                 cfavro_error *err)
{
    cf_error_clear(err);
    if (cfg == NULL || (text == NULL && len > 0)) {
        return cf_error_set(err, CFAVRO_E_ARGUMENT, CFAVRO_NO_OFFSET,
                            "cfavro_config_set_properties: NULL %s", cfg == NULL ? "cfg" : "text");
    }
    if (len > CFAVRO_PROPERTIES_MAX_BYTES) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "properties text of %zu bytes is over the limit of %zu bytes", len,
                            CFAVRO_PROPERTIES_MAX_BYTES);
    }
    size_t pos = 0;
    /* Editors on some systems start UTF-8 files with a byte order mark; it
     * would otherwise become part of the first key. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    /* One buffer for every line's key and value (both NUL-terminated), so a
     * file costs one allocation of at most a line's bound. */
    size_t longest = len < CFAVRO_PROPERTIES_MAX_LINE_BYTES ? len : CFAVRO_PROPERTIES_MAX_LINE_BYTES;
    char *buf = NULL;
    int rc = CFAVRO_OK;
    prop_line line = {0, 0};
    while (rc == CFAVRO_OK && pos < len) {
        line.number++;
        line.start = pos;
        const char *lf = memchr(text + pos, '\n', len - pos);
        size_t end = lf != NULL ? (size_t)(lf - text) : len;
        pos = lf != NULL ? end + 1 : len;
        if (end > line.start && text[end - 1] == '\r') {
            end--;
        }
        if (end - line.start > CFAVRO_PROPERTIES_MAX_LINE_BYTES) {
            rc = cf_error_set(err, CFAVRO_E_CONFIG, line.start,
                              "line %zu: longer than %zu bytes", line.number,
                              CFAVRO_PROPERTIES_MAX_LINE_BYTES);
            break;
        }
        if (buf == NULL) {
            buf = cf_malloc(longest + 2);
            if (buf == NULL) {
                rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
                break;
            }
        }
        rc = apply_line(cfg, text, line.start, end, buf, &line, err);
    }
    if (buf != NULL) {
        /* It held every line's value, secrets included: wipe it as the
         * settings' own copies are (volatile stores cannot be dropped). */
        volatile char *p = buf;
        for (size_t i = 0; i < longest + 2; i++) {
            p[i] = '\0';
        }
    }
    cf_free(buf);
    return rc;
}
