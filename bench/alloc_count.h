/*
 * Allocation counting for the benchmark: the bench executable defines
 * malloc/calloc/realloc/free (and the aligned variants) itself, forwarding to
 * glibc's __libc_* entry points, so calls made by libcfavro and avro-c are
 * counted too. Counters are per thread (no atomics on the hot path).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef CF_BENCH_ALLOC_COUNT_H
#define CF_BENCH_ALLOC_COUNT_H

#include <stddef.h>

/* Allocations (malloc, calloc, realloc, aligned) made by the calling thread
 * so far. */
size_t cf_alloc_count(void);

/* 1 when the interposer is compiled in (not under sanitizers, which bring
 * their own allocator), 0 otherwise: counts are then always 0. */
int cf_alloc_counting(void);

#endif
