/* Logical types: which logicalType is valid on which Avro type. See
 * schema_logical_internal.h. */
#include "schema_logical_internal.h"

#include <string.h>

static bool json_str_is(const json_t *j, const char *lit)
{
    size_t n = strlen(lit);
    return json_string_length(j) == n && memcmp(json_string_value(j), lit, n) == 0;
}

/* Most decimal digits a two's-complement number of `size` bytes can hold:
 * floor(log10(2^(8*size-1) - 1)). Since 2^k is never a power of ten this is
 * floor(k * log10(2)); exact integer arithmetic where it fits in 64 bits. */
int64_t cf_decimal_max_digits(int64_t size)
{
    if (size <= 0) {
        return 0;
    }
    if (size > INT32_MAX) {
        size = INT32_MAX; /* far beyond any precision an int32 can state */
    }
    int64_t k = 8 * size - 1;
    if (k <= 63) {
        uint64_t v = (k == 63) ? UINT64_MAX >> 1 : ((uint64_t)1 << k) - 1;
        int64_t d = -1;
        while (v > 0) {
            v /= 10;
            d++;
        }
        return d;
    }
    return (int64_t)((double)k * 0.30102999566398119521);
}

/* The logical type the attribute names, if it is valid on this underlying
 * type; CF_LT_NONE otherwise (the Avro spec says to ignore invalid ones). */
cf_logical cf_schema_logical(const json_t *obj, cf_kind kind, int64_t fixed_size,
                             int32_t *precision, int32_t *scale)
{
    static const struct {
        const char *name;
        cf_logical lt;
        int kind;
    } simple[] = {
        {"uuid", CF_LT_UUID, CF_STRING},
        {"date", CF_LT_DATE, CF_INT},
        {"time-millis", CF_LT_TIME_MILLIS, CF_INT},
        {"time-micros", CF_LT_TIME_MICROS, CF_LONG},
        {"timestamp-millis", CF_LT_TIMESTAMP_MILLIS, CF_LONG},
        {"timestamp-micros", CF_LT_TIMESTAMP_MICROS, CF_LONG},
        {"local-timestamp-millis", CF_LT_LOCAL_TIMESTAMP_MILLIS, CF_LONG},
        {"local-timestamp-micros", CF_LT_LOCAL_TIMESTAMP_MICROS, CF_LONG},
        {"timestamp-nanos", CF_LT_TIMESTAMP_NANOS, CF_LONG},             /* Avro 1.12 */
        {"local-timestamp-nanos", CF_LT_LOCAL_TIMESTAMP_NANOS, CF_LONG}, /* Avro 1.12 */
    };
    const json_t *lt = json_object_get(obj, "logicalType");
    *precision = 0;
    *scale = 0;
    if (!json_is_string(lt)) {
        return CF_LT_NONE;
    }
    if (json_str_is(lt, "uuid") && kind == CF_FIXED) {
        return fixed_size == 16 ? CF_LT_UUID : CF_LT_NONE; /* Avro 1.12: uuid on fixed(16) */
    }
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (json_str_is(lt, simple[i].name)) {
            return (int)kind == simple[i].kind ? simple[i].lt : CF_LT_NONE;
        }
    }
    if (json_str_is(lt, "duration")) {
        return kind == CF_FIXED && fixed_size == 12 ? CF_LT_DURATION : CF_LT_NONE;
    }
    if (!json_str_is(lt, "decimal") || (kind != CF_BYTES && kind != CF_FIXED)) {
        return CF_LT_NONE;
    }
    const json_t *pj = json_object_get(obj, "precision");
    const json_t *sj = json_object_get(obj, "scale");
    if (!json_is_integer(pj)) {
        return CF_LT_NONE;
    }
    json_int_t p = json_integer_value(pj);
    json_int_t s = 0;
    if (sj != NULL) {
        if (!json_is_integer(sj)) {
            return CF_LT_NONE;
        }
        s = json_integer_value(sj);
    }
    if (p <= 0 || p > INT32_MAX || s < 0 || s > p) {
        return CF_LT_NONE;
    }
    if (kind == CF_FIXED && p > cf_decimal_max_digits(fixed_size)) {
        return CF_LT_NONE;
    }
    *precision = (int32_t)p;
    *scale = (int32_t)s;
    return CF_LT_DECIMAL;
}
