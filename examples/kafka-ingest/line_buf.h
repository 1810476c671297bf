/* A growable byte buffer for building one output line, with the JSON pieces
 * the lines need (escaped strings, base64, integers). Each worker owns one
 * and reuses it, so a warm worker builds lines without allocating. */
#ifndef INGEST_LINE_BUF_H
#define INGEST_LINE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ingest_line_buf {
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed: the line is incomplete */
} ingest_line_buf;

void ingest_line_reset(ingest_line_buf *b);
void ingest_line_put(ingest_line_buf *b, const void *bytes, size_t len);
void ingest_line_puts(ingest_line_buf *b, const char *text);
/* A string literal, its length known at compile time. */
#define ingest_line_literal(b, literal) ingest_line_put((b), "" literal, sizeof(literal) - 1)
void ingest_line_put_i64(ingest_line_buf *b, int64_t value);
/* A JSON string of bytes[0..len): quotes added, control characters and
 * quotes escaped, invalid UTF-8 replaced by U+FFFD (a map key from bad data
 * can reach an error path). */
void ingest_line_put_json_string(ingest_line_buf *b, const void *bytes, size_t len);
/* A JSON string holding the standard base64 (with padding) of bytes[0..len). */
void ingest_line_put_base64(ingest_line_buf *b, const void *bytes, size_t len);
void ingest_line_free(ingest_line_buf *b);

#endif
