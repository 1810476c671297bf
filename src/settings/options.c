/* Parsing and defaults of the json.*, decode.* and limit.* settings. */
#include "options_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"

void cf_json_options_default(cf_json_options *opt)
{
    opt->union_style = CF_UNION_AVRO;
    opt->bytes_mode = CF_BYTES_AVRO;
    opt->logical = true;
    opt->time_style = CF_TIME_ISO8601;
    opt->decimal_quoted = true;
    opt->nonfinite = CF_NONFINITE_STRING;
    opt->max_output = (size_t)64 << 20;
}

void cf_walk_limits_default(cf_walk_limits *opt)
{
    opt->utf8 = CF_UTF8_ERROR;
    opt->allow_trailing = false;
    /* Deep enough for any real schema and modest recursive data; the walker
     * uses well under 1 KiB of stack per level, so 128 levels stay small. */
    opt->max_depth = 128;
    /* Items that cost no input (null, empty records) are the only way a tiny
     * message can demand unbounded work; everything else is bounded by the
     * input length. */
    opt->max_items = 1000000;
}

void cf_options_default(cf_options *opt)
{
    cf_walk_limits_default(&opt->walk);
    cf_json_options_default(&opt->json);
}

bool cf_parse_u64(const char *value, uint64_t max, uint64_t *out)
{
    if (value == NULL || *value < '0' || *value > '9') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* One enumerated setting: its key, accepted words and the values they map to. */
typedef struct choice {
    const char *word;
    int value;
} choice;

static int set_choice(const char *key, const char *value, const choice *choices, size_t n,
                      int *out, cfavro_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(value, choices[i].word) == 0) {
            *out = choices[i].value;
            return CFAVRO_OK;
        }
    }
    char accepted[128] = "";
    size_t w = 0;
    for (size_t i = 0; i < n && w < sizeof accepted; i++) {
        int k = snprintf(accepted + w, sizeof accepted - w, "%s%s", i ? ", " : "",
                         choices[i].word);
        w += k > 0 ? (size_t)k : 0;
    }
    return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                        "config %s: invalid value \"%.64s\" (accepted: %s)", key, value,
                        accepted);
}

#define CHOICES(...) ((const choice[]){__VA_ARGS__}), \
    (sizeof((const choice[]){__VA_ARGS__}) / sizeof(choice))

static int set_number(const char *key, const char *value, uint64_t min, uint64_t max,
                      uint64_t *out, cfavro_error *err)
{
    if (!cf_parse_u64(value, max, out) || *out < min) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s: invalid value \"%.64s\" (expected an integer from "
                            "%llu to %llu)",
                            key, value, (unsigned long long)min, (unsigned long long)max);
    }
    return CFAVRO_OK;
}

int cf_options_set(cf_options *opt, const char *key, const char *value, cfavro_error *err)
{
    int v = 0;
    uint64_t n = 0;
    int rc;
    if (strcmp(key, "json.union") == 0) {
        rc = set_choice(key, value, CHOICES({"avro", CF_UNION_AVRO}, {"plain", CF_UNION_PLAIN}),
                        &v, err);
        opt->json.union_style = rc ? opt->json.union_style : (uint8_t)v;
    } else if (strcmp(key, "json.bytes") == 0) {
        rc = set_choice(key, value,
                        CHOICES({"avro", CF_BYTES_AVRO}, {"base64", CF_BYTES_BASE64},
                                {"hex", CF_BYTES_HEX}),
                        &v, err);
        opt->json.bytes_mode = rc ? opt->json.bytes_mode : (uint8_t)v;
    } else if (strcmp(key, "json.logical") == 0) {
        rc = set_choice(key, value, CHOICES({"true", 1}, {"false", 0}), &v, err);
        opt->json.logical = rc ? opt->json.logical : v != 0;
    } else if (strcmp(key, "json.time") == 0) {
        rc = set_choice(key, value,
                        CHOICES({"iso8601", CF_TIME_ISO8601}, {"epoch", CF_TIME_EPOCH}), &v,
                        err);
        opt->json.time_style = rc ? opt->json.time_style : (uint8_t)v;
    } else if (strcmp(key, "json.decimal") == 0) {
        rc = set_choice(key, value, CHOICES({"string", 1}, {"number", 0}), &v, err);
        opt->json.decimal_quoted = rc ? opt->json.decimal_quoted : v != 0;
    } else if (strcmp(key, "json.nonfinite") == 0) {
        rc = set_choice(key, value,
                        CHOICES({"string", CF_NONFINITE_STRING}, {"null", CF_NONFINITE_NULL}),
                        &v, err);
        opt->json.nonfinite = rc ? opt->json.nonfinite : (uint8_t)v;
    } else if (strcmp(key, "json.invalid.utf8") == 0) {
        rc = set_choice(key, value,
                        CHOICES({"error", CF_UTF8_ERROR}, {"replace", CF_UTF8_REPLACE}), &v,
                        err);
        opt->walk.utf8 = rc ? opt->walk.utf8 : (uint8_t)v;
    } else if (strcmp(key, "decode.trailing.bytes") == 0) {
        rc = set_choice(key, value, CHOICES({"error", 0}, {"allow", 1}), &v, err);
        opt->walk.allow_trailing = rc ? opt->walk.allow_trailing : v != 0;
    } else if (strcmp(key, "limit.depth") == 0) {
        rc = set_number(key, value, 1, 10000, &n, err);
        opt->walk.max_depth = rc ? opt->walk.max_depth : (uint32_t)n;
    } else if (strcmp(key, "limit.items") == 0) {
        rc = set_number(key, value, 0, UINT64_MAX >> 1, &n, err);
        opt->walk.max_items = rc ? opt->walk.max_items : n;
    } else if (strcmp(key, "limit.output.bytes") == 0) {
        rc = set_number(key, value, 1, SIZE_MAX >> 1, &n, err);
        opt->json.max_output = rc ? opt->json.max_output : (size_t)n;
    } else {
        return -1;
    }
    return rc;
}
