/* Words for a JSON value's kind in schema error messages ("an object",
 * "a string", ...), shared by the compiler and the default encoder so both
 * say the same thing. */
#ifndef CFAVRO_SCHEMA_JSON_INTERNAL_H
#define CFAVRO_SCHEMA_JSON_INTERNAL_H

#include <jansson.h>

static inline const char *cf_json_kind(const json_t *j)
{
    if (j == NULL) {
        return "nothing";
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "an unknown JSON value";
}

#endif
