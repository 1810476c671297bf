/* Text output helpers shared by the tool's commands: words wrapped before
 * column 80 (help texts, inspect's report), untrusted text kept on one line,
 * and JSON strings. */
#ifndef CFAVRO_TOOLS_TEXT_H
#define CFAVRO_TOOLS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Words written to one output, wrapped before column 80. */
typedef struct cf_wrapper {
    FILE *out;
    int col;    /* the cursor's column */
    int indent; /* where continuation lines start */
    bool fresh; /* nothing written on this line yet */
} cf_wrapper;

/* End the line and start the next at column `indent`. */
void cf_wrap_newline(cf_wrapper *w, int indent);

/* Append the words of `text`, one space apart, breaking lines at spaces. */
void cf_wrap_words(cf_wrapper *w, const char *text);

/* Copy text to `f` as one line: control bytes (a newline in a map key of a
 * field path, say) are shown as \xNN so each failure stays one line. */
void cf_put_clean(FILE *f, const char *s);

/* Length of the valid UTF-8 sequence that starts p[0..len) (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF; an ASCII byte is a
 * sequence of 1), or 0 when none starts there. */
size_t cf_utf8_sequence(const uint8_t *p, size_t len);

/* A schema GUID as text, 8-4-4-4-12 lowercase hex digits (36 characters
 * and a NUL). */
void cf_format_guid(const uint8_t guid[16], char out[37]);

/* Write s[0..len) as a JSON string, quotes included: '"', '\\' and control
 * characters escaped, valid UTF-8 kept, each byte of an invalid UTF-8
 * sequence written as U+FFFD, so the result is always valid JSON. */
void cf_put_json_string(FILE *f, const char *s, size_t len);

#endif
