/* Splitting a properties text into key/value pairs (format: properties.h). */
#include "properties.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same bounds as cfavro_config_set_properties, so a file one accepts the
 * other does not refuse for its size. */
#define LINE_MAX_BYTES ((size_t)64 << 10)
#define TEXT_MAX_BYTES ((size_t)1 << 20)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One line (no line end): skip it, or split it into key and value in `work`
 * (a buffer of at least len + 2 bytes) and hand them to `fn`. */
static int parse_line(const char *line, size_t len, size_t line_no, char *work,
                      ingest_property_fn fn, void *arg, char *errbuf, size_t errcap)
{
    if (memchr(line, '\0', len) != NULL) {
        snprintf(errbuf, errcap, "line %zu: a NUL byte", line_no);
        return -1;
    }
    size_t i = 0;
    while (i < len && is_blank(line[i])) {
        i++;
    }
    if (i == len || line[i] == '#' || line[i] == '!') {
        return 0;
    }
    const char *eq = memchr(line + i, '=', len - i);
    if (eq == NULL) {
        snprintf(errbuf, errcap, "line %zu: no '=' (lines are key=value)", line_no);
        return -1;
    }
    size_t key_end = (size_t)(eq - line);
    while (key_end > i && is_blank(line[key_end - 1])) {
        key_end--;
    }
    if (key_end == i) {
        snprintf(errbuf, errcap, "line %zu: an empty key", line_no);
        return -1;
    }
    for (size_t k = i; k < key_end; k++) {
        if (is_blank(line[k]) || line[k] == ':') {
            /* Java would read "key value" or "key:value" here; refusing keeps
             * a value from ending up in a message as part of a key. */
            snprintf(errbuf, errcap, "line %zu: a key with a blank or ':' (use key=value)",
                     line_no);
            return -1;
        }
    }
    size_t v = (size_t)(eq - line) + 1;
    while (v < len && is_blank(line[v])) {
        v++;
    }
    size_t key_len = key_end - i;
    memcpy(work, line + i, key_len);
    work[key_len] = '\0';
    char *value = work + key_len + 1;
    memcpy(value, line + v, len - v);
    value[len - v] = '\0';
    char why[400];
    if (fn(arg, work, value, why, sizeof why) != 0) {
        snprintf(errbuf, errcap, "line %zu: %s", line_no, why);
        return -1;
    }
    return 0;
}

int ingest_properties_parse(const char *text, size_t len, ingest_property_fn fn, void *arg,
                            char *errbuf, size_t errcap)
{
    if (len > TEXT_MAX_BYTES) {
        snprintf(errbuf, errcap, "larger than %zu bytes", TEXT_MAX_BYTES);
        return -1;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    char *work = malloc(LINE_MAX_BYTES + 2);
    if (work == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    int rc = 0;
    size_t line_no = 0;
    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t line_len = end - pos;
        line_no++;
        if (line_len > 0 && text[pos + line_len - 1] == '\r') {
            line_len--;
        }
        if (line_len > LINE_MAX_BYTES) {
            snprintf(errbuf, errcap, "line %zu: longer than %zu bytes", line_no, LINE_MAX_BYTES);
            rc = -1;
        } else {
            rc = parse_line(text + pos, line_len, line_no, work, fn, arg, errbuf, errcap);
        }
        pos = end + 1;
    }
    free(work);
    return rc == 0 ? 0 : -1;
}

int ingest_properties_read_file(const char *path, ingest_property_fn fn, void *arg,
                                char *errbuf, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* One byte more than the limit tells "at the limit" from "over it". */
    char *text = malloc(TEXT_MAX_BYTES + 1);
    size_t len = text != NULL ? fread(text, 1, TEXT_MAX_BYTES + 1, f) : 0;
    bool read_failed = text == NULL || ferror(f);
    fclose(f);
    if (read_failed) {
        snprintf(errbuf, errcap, "%s: %s", path, text == NULL ? "out of memory" : "read error");
        free(text);
        return -1;
    }
    char inner[512];
    int rc = ingest_properties_parse(text, len, fn, arg, inner, sizeof inner);
    free(text);
    if (rc != 0) {
        snprintf(errbuf, errcap, "%s: %s", path, inner);
    }
    return rc;
}
