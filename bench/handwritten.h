/*
 * Schema-specific decoders: the practical speed limit for the benchmarks.
 * Each takes one Confluent V0 message, validates it as strictly as cfavro
 * does and returns HW_OK with a checksum of the decoded values in *sum
 * (see checksum.h), or a nonzero HW_E_* code.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_HANDWRITTEN_H
#define CF_BENCH_HANDWRITTEN_H

#include <stddef.h>
#include <stdint.h>

int cf_hw_trade(const void *msg, size_t len, uint64_t *sum);
int cf_hw_wide(const void *msg, size_t len, uint64_t *sum);

#endif
