/*
 * Deterministic message generator for the benchmarks: realistic values for
 * the trade and wide schemas (bench/schemas/), encoded as Avro binary by hand
 * and framed Confluent V0, all in one contiguous arena.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_GEN_H
#define CF_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#define CF_BENCH_TRADE_ID 1
#define CF_BENCH_WIDE_ID 2

/* A set of framed messages. `data` holds them back to back; msgs[i]/lens[i]
 * point into it (filled once generation is done, so the arena never moves
 * under them). Owned: release with cf_corpus_free. */
typedef struct cf_corpus {
    uint8_t *data;
    size_t size;     /* bytes used in data */
    size_t cap;
    size_t *offsets; /* start of message i in data */
    size_t *lens;    /* length of message i (header included) */
    const void **msgs;
    size_t count;
    size_t payload_bytes; /* sum of lens minus the 5-byte headers */
} cf_corpus;

/* Generate `count` messages of one schema with a fixed seed. Returns 0, or -1
 * when out of memory (corpus left empty). The same (count, seed) always gives
 * the same bytes. */
int cf_gen_trade(cf_corpus *c, size_t count, uint64_t seed);
int cf_gen_wide(cf_corpus *c, size_t count, uint64_t seed);

/* Append the messages of `src` to `dst` (for mixed sample files). */
int cf_corpus_append(cf_corpus *dst, const cf_corpus *src, size_t index);

void cf_corpus_free(cf_corpus *c);

#endif
