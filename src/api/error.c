/* Status strings and error-detail helpers. */
#include "error_internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *cfavro_strerror(int status)
{
    switch ((cfavro_status)status) {
    case CFAVRO_OK: return "success";
    case CFAVRO_E_ARGUMENT: return "invalid argument";
    case CFAVRO_E_NOMEM: return "out of memory";
    case CFAVRO_E_CONFIG: return "invalid configuration";
    case CFAVRO_E_IO: return "I/O error";
    case CFAVRO_E_INTERNAL: return "internal error (a cfavro bug)";
    case CFAVRO_E_FRAME_HEADER_SIZE: return "schema-id header of the wrong size";
    case CFAVRO_E_FRAME_SHORT: return "message shorter than its wire-format header";
    case CFAVRO_E_FRAME_MAGIC: return "unknown wire-format magic byte";
    case CFAVRO_E_SCHEMA_NOT_FOUND: return "schema not found";
    case CFAVRO_E_REGISTRY_AUTH: return "schema registry refused the credentials";
    case CFAVRO_E_REGISTRY_UNAVAILABLE: return "schema registry unavailable";
    case CFAVRO_E_REGISTRY_PROTOCOL: return "unexpected schema registry response";
    case CFAVRO_E_REGISTRY_RATE_LIMITED: return "schema registry rate limit reached";
    case CFAVRO_E_SCHEMA_INVALID: return "invalid Avro schema";
    case CFAVRO_E_SCHEMA_UNSUPPORTED: return "unsupported schema";
    case CFAVRO_E_DATA_TRUNCATED: return "Avro data truncated";
    case CFAVRO_E_DATA_NEGATIVE_LENGTH: return "negative length in Avro data";
    case CFAVRO_E_DATA_LENGTH: return "length beyond the end of the Avro data";
    case CFAVRO_E_DATA_VARINT: return "overlong varint in Avro data";
    case CFAVRO_E_DATA_INT_RANGE: return "int value out of 32-bit range";
    case CFAVRO_E_DATA_BLOCK_COUNT: return "invalid array/map block count";
    case CFAVRO_E_DATA_UNION_INDEX: return "union branch index out of range";
    case CFAVRO_E_DATA_ENUM_INDEX: return "enum symbol index out of range";
    case CFAVRO_E_DATA_BOOLEAN: return "invalid boolean byte";
    case CFAVRO_E_DATA_UTF8: return "invalid UTF-8 in string";
    case CFAVRO_E_DATA_MAP_KEY_DUPLICATE: return "duplicate map key";
    case CFAVRO_E_DATA_UNRESOLVED: return "value has no match in the reader schema";
    case CFAVRO_E_TRAILING_BYTES: return "trailing bytes after the Avro value";
    case CFAVRO_E_LIMIT_DEPTH: return "nesting depth limit exceeded";
    case CFAVRO_E_LIMIT_ITEMS: return "item count limit exceeded";
    case CFAVRO_E_LIMIT_OUTPUT: return "output size limit exceeded";
    case CFAVRO_E_LIMIT_SCHEMA: return "schema size limit exceeded";
    case CFAVRO_E_INCOMPATIBLE: return "reader and writer schemas are incompatible";
    }
    switch ((cfavro_status_class_code)status) {
    case CFAVRO_CLASS_ARGUMENT: return "argument or environment error (class)";
    case CFAVRO_CLASS_FRAME: return "invalid wire-format frame (class)";
    case CFAVRO_CLASS_NOT_FOUND: return "schema not found (class)";
    case CFAVRO_CLASS_REGISTRY: return "schema registry error (class)";
    case CFAVRO_CLASS_SCHEMA: return "unusable schema (class)";
    case CFAVRO_CLASS_DATA: return "malformed Avro data (class)";
    case CFAVRO_CLASS_TRAILING: return "trailing bytes (class)";
    case CFAVRO_CLASS_LIMIT: return "limit exceeded (class)";
    case CFAVRO_CLASS_INCOMPATIBLE: return "incompatible schemas (class)";
    }
    return "unknown cfavro status";
}

int cfavro_status_class(int status)
{
    return status < 0 ? status : (status / 100) * 100;
}

void cf_error_clear(cfavro_error *err)
{
    if (err == NULL) {
        return;
    }
    err->status = CFAVRO_OK;
    err->offset = CFAVRO_NO_OFFSET;
    err->schema_id = CFAVRO_NO_SCHEMA_ID;
    err->message[0] = '\0';
    err->path[0] = '\0';
}

int cf_error_set(cfavro_error *err, int status, uint64_t offset, const char *fmt, ...)
{
    if (err == NULL) {
        return status;
    }
    err->status = status;
    err->offset = offset;
    err->path[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

static void join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la > cap - 1) {
        la = cap - 1;
    }
    if (lb > cap - 1 - la) {
        lb = cap - 1 - la;
    }
    char tmp[CFAVRO_ERROR_MESSAGE_MAX];
    memcpy(tmp, a, la);
    memcpy(tmp + la, b, lb);
    tmp[la + lb] = '\0';
    memcpy(dst, tmp, la + lb + 1);
}

/* The printf-style text put before or after err->message (none if err is
 * NULL). */
CF_PRINTF(3, 0)
static void add_text(cfavro_error *err, bool before, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return;
    }
    char extra[CFAVRO_ERROR_MESSAGE_MAX];
    vsnprintf(extra, sizeof extra, fmt, ap);
    if (before) {
        join(err->message, sizeof err->message, extra, err->message);
    } else {
        join(err->message, sizeof err->message, err->message, extra);
    }
}

void cf_error_prepend(cfavro_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(err, true, fmt, ap);
    va_end(ap);
}

void cf_error_append(cfavro_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(err, false, fmt, ap);
    va_end(ap);
}
