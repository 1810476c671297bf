/* The schema-cache benchmark (bench_cache): what its parts share. The hit
 * cost is bench_cache.c, the cold start and the registry-down throughput
 * bench_cache_cold.c, the test registry's process and control API
 * bench_cache_registry.c (built with the registry client only).
 *
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef CF_BENCH_CACHE_H
#define CF_BENCH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* Keep `v` computed and make the compiler assume memory changed: a loop of
 * inlined lookups cannot be hoisted or folded into one. */
#define BC_KEEP(v) __asm__ volatile("" : : "r"(v) : "memory")

/* Seconds on the monotonic clock. */
double bc_now_s(void);

/* This thread's CPU time in seconds: unlike wall time, not inflated when
 * the machine runs more threads than it has cores. */
double bc_thread_cpu_s(void);

/* The median of v[0..n) (n >= 1; reorders v). */
double bc_median(double *v, size_t n);

/* Run body(args + i * stride) on `n` threads released together by a
 * barrier; *elapsed_s (if not NULL) is the wall time from the first thread's
 * start to the last one's end. 0, or -1 when a thread cannot
 * be started (message on stderr). */
int bc_run_threads(int n, void *(*body)(void *), void *args, size_t stride, double *elapsed_s);

/* A 64-bit mixer, for orders and seeds that are the same every run. */
uint64_t bc_mix(uint64_t *state);

/* The V0 message the cold start decodes for `id` (schema bc_cold_schema):
 * header, long 1, empty string. */
#define BC_COLD_MSG_SIZE 7
void bc_cold_message(uint8_t msg[BC_COLD_MSG_SIZE], int32_t id);

/* Schema text for id `id` in the cold start: a small record, a different
 * name per id (so each compiles to its own schema). Writes at most `cap`. */
void bc_cold_schema(char *out, size_t cap, int32_t id);

typedef struct bc_options {
    bool quick;         /* the `meson test --benchmark` run: short, fewer runs */
    size_t iters;       /* lookups per thread per run (hit cost) */
    int runs;           /* runs per figure; the median is reported */
    bool registry;      /* run the test-registry parts (when built) */
    const char *python; /* for the test registry */
    const char *source_root;
} bc_options;

/* Cold start and registry-down parts. Print their tables; return 0, or 1
 * when a count that must hold (loads, requests, decodes) does not. */
int bc_cold_directory(const bc_options *o);
int bc_cold_registry(const bc_options *o);

#ifdef CF_HAVE_REGISTRY
#include <sys/types.h>

/* The loopback test registry (tests/registry/server.py) in a child process. */
typedef struct bc_registry {
    pid_t pid; /* 0: not running */
    int port;
    char url[64];
} bc_registry;

/* Start it on a free port serving `data_path` (a data file, see
 * tests/registry/README.md); `port_path` is where it writes its port. 0, or
 * -1 with a message on stderr. */
int bc_registry_start(bc_registry *r, const bc_options *o, const char *data_path,
                      const char *port_path);

/* Stop it (SIGTERM, then wait). Safe when not running. */
void bc_registry_stop(bc_registry *r);

/* Requests logged whose path starts with `prefix`, or -1 when the control
 * API does not answer. */
long bc_registry_count(const bc_registry *r, const char *prefix);

/* POST `json` to /__control/<what> (faults, reset). 0, or -1. */
int bc_registry_control(const bc_registry *r, const char *what, const char *json);
#endif

#endif
