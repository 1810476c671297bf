/* Random Avro binary values of a compiled schema and the comparison of
 * avro-c's JSON with cfavro's (test_avro_values.c). */
#ifndef CFAVRO_TEST_AVRO_VALUES_H
#define CFAVRO_TEST_AVRO_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "schema_internal.h"
#include "test_support.h"

/* splitmix64 from a fixed seed: every run generates the same values. */
uint64_t tv_next_random(void);
uint64_t tv_below(uint64_t n);

/* Append a random value of node `index` of `s` (a schema compiled from
 * text) to b as Avro binary: text valid UTF-8 without U+0000, integers
 * often at the extremes, arrays and maps in one or two blocks (the second
 * with its byte size), recursion ended by a null branch below depth 4. */
void tv_gen_value(bb *b, const cf_schema *s, uint32_t index, int depth);

/* a: avro_value_to_json's, c: cfavro's Avro JSON (json.logical=false), the
 * same value modulo avro-c's renderings: a union's named branch by its
 * short name, a float widened to double, bytes cut at a zero byte. */
bool tv_same_json(json_t *a, json_t *c);

/* Parse JSON text (any value, U+0000 allowed) or fail the test. */
json_t *tv_parse_json(const char *text, size_t len);

#endif
