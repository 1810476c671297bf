/* Reading setting values (integers, choice words, checked text) and the
 * bounded, escaped excerpt of a value that an error message may show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "settings_internal.h"

bool cf_parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
    /* strtoull alone would accept leading spaces, a sign (wrapping "-1" to
     * 2^64-1) and trailing junk: insist on digits only. */
    if (value == NULL || *value < '0' || *value > '9') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

bool cf_parse_choice(const cf_setting_row *row, const char *value, uint8_t *out)
{
    for (size_t i = 0; i < row->nchoices; i++) {
        if (strcmp(value, row->choices[i].word) == 0) {
            *out = row->choices[i].value;
            return true;
        }
    }
    return false;
}

static bool is_visible_ascii(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* s[0..len) is SCHEME://HOST... with visible ASCII only; when `http_only`
 * the scheme must be http or https (in any case). */
static bool is_url(const char *s, size_t len, bool http_only)
{
    size_t i = 0;
    if (len == 0 || !is_alpha((unsigned char)s[0])) {
        return false;
    }
    while (i < len && (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9') ||
                       s[i] == '+' || s[i] == '-' || s[i] == '.')) {
        i++;
    }
    size_t scheme_len = i;
    if (len - i < 4 || memcmp(s + i, "://", 3) != 0 || s[i + 3] == '/') {
        return false; /* no "://", or nothing (no host) after it */
    }
    if (http_only && !((scheme_len == 4 && strncasecmp(s, "http", 4) == 0) ||
                       (scheme_len == 5 && strncasecmp(s, "https", 5) == 0))) {
        return false;
    }
    for (i += 3; i < len; i++) {
        if (!is_visible_ascii((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Comma-separated URLs; spaces around each are allowed (and ignored), as
 * Confluent's clients split the list. Empty items are not. */
static bool is_url_list(const char *value)
{
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        const char *a = p;
        const char *b = end;
        while (a < b && *a == ' ') {
            a++;
        }
        while (b > a && b[-1] == ' ') {
            b--;
        }
        if (!is_url(a, (size_t)(b - a), true)) {
            return false;
        }
        if (comma == NULL) {
            return true;
        }
        p = comma + 1;
    }
}

bool cf_parse_text(cf_text_rule rule, const char *value)
{
    switch (rule) {
    case CF_TEXT_NONEMPTY:
        return value[0] != '\0';
    case CF_TEXT_URL_LIST:
        return is_url_list(value);
    case CF_TEXT_PROXY:
        return is_url(value, strlen(value), false);
    case CF_TEXT_USER_INFO:
        for (const char *p = value; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                return false;
            }
        }
        return strchr(value, ':') != NULL;
    case CF_TEXT_TOKEN:
        for (const char *p = value; *p != '\0'; p++) {
            if (!is_visible_ascii((unsigned char)*p)) {
                return false;
            }
        }
        return value[0] != '\0';
    }
    return false;
}

uint64_t cf_setting_max(const cf_setting_row *row)
{
    uint64_t field_max = row->field == CF_FIELD_U32 ? UINT32_MAX >> 1 : UINT64_MAX >> 1;
    return row->max < field_max ? row->max : field_max;
}

void cf_settings_excerpt(const char *s, char out[CF_EXCERPT_SIZE])
{
    /* One byte past the limit tells whether the text was cut. */
    cf_excerpt(out, s, strnlen(s, CF_EXCERPT_BYTES + 1), CF_EXCERPT_BYTES);
}
