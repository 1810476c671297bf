/*
 * avro-c 1.11 baselines: generic avro_value_read into one reused value, and
 * read + avro_value_to_json. The value class is built once per schema (the
 * way a careful avro-c user does it); only the 5-byte Confluent header is
 * stripped by hand.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_AVROC_BASELINE_H
#define CF_BENCH_AVROC_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

typedef struct cf_avroc {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    avro_reader_t reader;
} cf_avroc;

/* Parse the schema and build class, value and memory reader. 0 or -1 (the
 * reason is printed on stderr). */
int cf_avroc_init(cf_avroc *a, const char *json, size_t len);
void cf_avroc_fini(cf_avroc *a);

/* Read one framed message into a->value. 0 on success. */
int cf_avroc_read(cf_avroc *a, const void *msg, size_t len);

/* Read and render to JSON; the text is freed before returning, its length
 * reported in *json_len. If `keep` is non-NULL the text is handed over
 * instead (caller frees with free()). 0 on success. */
int cf_avroc_to_json(cf_avroc *a, const void *msg, size_t len, size_t *json_len, char **keep);

/* The checksum of checksum.h over a->value's current contents. */
uint64_t cf_avroc_checksum(const cf_avroc *a);

#endif
