/*
 * avro-c baselines for the benchmark (see avroc_baseline.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "avroc_baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"

int cf_avroc_init(cf_avroc *a, const char *json, size_t len)
{
    static const char dummy[1] = {0};
    memset(a, 0, sizeof *a);
    if (avro_schema_from_json_length(json, len, &a->schema) != 0) {
        fprintf(stderr, "avro-c: schema: %s\n", avro_strerror());
        return -1;
    }
    a->iface = avro_generic_class_from_schema(a->schema);
    if (!a->iface || avro_generic_value_new(a->iface, &a->value) != 0) {
        fprintf(stderr, "avro-c: value: %s\n", avro_strerror());
        return -1;
    }
    a->reader = avro_reader_memory(dummy, 0);
    if (!a->reader) {
        fprintf(stderr, "avro-c: reader: %s\n", avro_strerror());
        return -1;
    }
    return 0;
}

void cf_avroc_fini(cf_avroc *a)
{
    if (a->reader)
        avro_reader_free(a->reader);
    if (a->iface) {
        avro_value_decref(&a->value);
        avro_value_iface_decref(a->iface);
    }
    if (a->schema)
        avro_schema_decref(a->schema);
    memset(a, 0, sizeof *a);
}

int cf_avroc_read(cf_avroc *a, const void *msg, size_t len)
{
    if (len < 5)
        return -1;
    avro_reader_memory_set_source(a->reader, (const char *)msg + 5, (int64_t)(len - 5));
    return avro_value_read(a->reader, &a->value);
}

int cf_avroc_to_json(cf_avroc *a, const void *msg, size_t len, size_t *json_len, char **keep)
{
    if (cf_avroc_read(a, msg, len) != 0)
        return -1;
    char *text = NULL;
    if (avro_value_to_json(&a->value, 1, &text) != 0)
        return -1;
    *json_len = strlen(text);
    if (keep)
        *keep = text;
    else
        free(text);
    return 0;
}

static uint64_t sum_value(uint64_t h, const avro_value_t *v)
{
    switch (avro_value_get_type(v)) {
    case AVRO_NULL:
        return h;
    case AVRO_BOOLEAN: {
        int b = 0;
        avro_value_get_boolean(v, &b);
        return cf_mix(h, (uint64_t)b);
    }
    case AVRO_INT32: {
        int32_t i = 0;
        avro_value_get_int(v, &i);
        return cf_mix(h, (uint64_t)(int64_t)i);
    }
    case AVRO_INT64: {
        int64_t l = 0;
        avro_value_get_long(v, &l);
        return cf_mix(h, (uint64_t)l);
    }
    case AVRO_FLOAT: {
        float f = 0;
        avro_value_get_float(v, &f);
        return cf_mix_float(h, f);
    }
    case AVRO_DOUBLE: {
        double d = 0;
        avro_value_get_double(v, &d);
        return cf_mix_double(h, d);
    }
    case AVRO_STRING: {
        const char *s = NULL;
        size_t size = 0;
        avro_value_get_string(v, &s, &size); /* size counts the NUL */
        return cf_mix_str(h, (const uint8_t *)s, size ? size - 1 : 0);
    }
    case AVRO_BYTES: {
        const void *p = NULL;
        size_t size = 0;
        avro_value_get_bytes(v, &p, &size);
        return cf_mix_str(h, p, size);
    }
    case AVRO_FIXED: {
        const void *p = NULL;
        size_t size = 0;
        avro_value_get_fixed(v, &p, &size);
        return size == 16 ? cf_mix_fixed16(h, p) : cf_mix_str(h, p, size);
    }
    case AVRO_ENUM: {
        int e = 0;
        avro_value_get_enum(v, &e);
        return cf_mix(h, (uint64_t)(int64_t)e);
    }
    case AVRO_UNION: {
        int d = 0;
        avro_value_t branch;
        avro_value_get_discriminant(v, &d);
        avro_value_get_current_branch(v, &branch);
        return sum_value(cf_mix(h, (uint64_t)(int64_t)d), &branch);
    }
    case AVRO_RECORD:
    case AVRO_ARRAY:
    case AVRO_MAP: {
        size_t n = 0;
        avro_type_t t = avro_value_get_type(v);
        avro_value_get_size(v, &n);
        for (size_t i = 0; i < n; i++) {
            avro_value_t child;
            const char *key = NULL;
            avro_value_get_by_index(v, i, &child, &key);
            if (t == AVRO_MAP)
                h = cf_mix_str(h, (const uint8_t *)key, strlen(key));
            h = sum_value(h, &child);
        }
        return t == AVRO_RECORD ? h : cf_mix(h, (uint64_t)n);
    }
    default:
        return h;
    }
}

uint64_t cf_avroc_checksum(const cf_avroc *a)
{
    return sum_value(CF_SUM_INIT, &a->value);
}
