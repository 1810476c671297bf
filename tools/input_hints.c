/* What a raw input that failed to decode probably is (see input_hints.h). */
#include "input_hints.h"

#include <stdbool.h>

#include "cfavro.h"

/* A raw input that is really a len32be stream: the first 4 bytes are a
 * plausible length of a framed record that fits. Decoded as one message it
 * fails confusingly (schema id from the length bytes), so say what it is. */
static bool looks_like_len32be(const uint8_t *m, size_t len)
{
    if (len < 9) {
        return false;
    }
    uint32_t n = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    return n >= CFAVRO_HEADER_V0_SIZE && n <= len - 4 &&
           (m[4] == CFAVRO_MAGIC_V0 || m[4] == CFAVRO_MAGIC_V1);
}

/* The input is lines of characters of `in_set`, each line a multiple of
 * `unit` characters long, with white space only around lines (as the hex and
 * base64 formats read them), and at least `min` such characters in all. */
static bool only_text_of(const uint8_t *m, size_t len, bool (*in_set)(uint8_t), size_t unit,
                         size_t min)
{
    size_t count = 0;
    size_t line = 0;     /* characters of `in_set` on this line */
    bool after = false;  /* white space after this line's content */
    for (size_t i = 0; i <= len; i++) {
        uint8_t c = i < len ? m[i] : '\n';
        if (c == '\n') {
            if (line % unit != 0) {
                return false;
            }
            line = 0;
            after = false;
        } else if (c == '\r' || c == ' ' || c == '\t') {
            after = line > 0;
        } else if (in_set(c) && !after) {
            line++;
            count++;
        } else {
            return false;
        }
    }
    return count >= min;
}

static bool is_hex_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64_char(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '+' || c == '/' || c == '=';
}

/* What a raw input that failed to decode probably is, as a hint for the
 * error line, or NULL. A stream or a text dump read as one message fails
 * with an error about its first bytes (a schema id made of length bytes,
 * "plain text"), which does not tell the user that --format is missing.
 * The minimum lengths are those of the smallest framed message (5 bytes:
 * 10 hex digits, 8 base64 characters) and lines must have whole hex pairs or
 * base64 groups, so short stray text and plain words get no hint. Hex is
 * tested first: hex digits are also base64 characters. */
const char *cf_raw_input_hint(const uint8_t *m, size_t len)
{
    if (looks_like_len32be(m, len)) {
        return "the input looks like a length-prefixed stream; try --format len32be";
    }
    if (only_text_of(m, len, is_hex_digit, 2, 2 * CFAVRO_HEADER_V0_SIZE)) {
        return "the input looks like hex text; try --format hex";
    }
    if (only_text_of(m, len, is_base64_char, 4, 8)) {
        return "the input looks like base64 text; try --format base64";
    }
    return NULL;
}

