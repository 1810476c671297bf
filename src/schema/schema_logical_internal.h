/* Logical types for the schema compiler: which logicalType attributes are
 * valid on which underlying type (Avro 1.11 spec, plus uuid on fixed(16),
 * timestamp-nanos and local-timestamp-nanos from 1.12). */
#ifndef CFAVRO_SCHEMA_LOGICAL_INTERNAL_H
#define CFAVRO_SCHEMA_LOGICAL_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "schema_internal.h"

/* The logical type that the "logicalType" attribute of the type object `obj`
 * names, if it is known and valid on `kind` (`fixed_size` for CF_FIXED);
 * CF_LT_NONE otherwise — the spec says an invalid logical type is ignored,
 * not an error. Decimal sets *precision and *scale (both 0 otherwise). */
cf_logical cf_schema_logical(const json_t *obj, cf_kind kind, int64_t fixed_size,
                             int32_t *precision, int32_t *scale);

/* Most decimal digits a fixed of `size` bytes can hold as a two's-complement
 * unscaled value: floor(log10(2^(8*size-1) - 1)); 0 for size <= 0. */
int64_t cf_decimal_max_digits(int64_t size);

#endif
