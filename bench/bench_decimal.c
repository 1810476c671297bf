/*
 * bench_decimal: the cost of writing an Avro decimal as JSON text
 * (cf_json_decimal) per byte of its two's-complement input, at 1 to 1024
 * bytes. Prints ns per call, ns per input byte and allocations per call
 * (through the library's allocation hooks) for each size. Values longer than
 * CF_JSON_DECIMAL_MAX_BYTES are timed as the JSON emitter writes them: the
 * refusal, then their bytes as an Avro JSON string.
 *
 * --callgrind SIZE converts every value of one size once inside
 * cf_bench_decimal_measured() (after a warm-up outside it), for
 * bench/callgrind_decimal.sh, which turns instructions into Ir per byte:
 * repeatable where wall time on a shared machine is not.
 *
 * --quick shortens the timing (the `meson test --benchmark` run).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_internal.h"
#include "json_write_internal.h"

/* Distinct values per size, converted in turn: enough (2 MiB at 1024 bytes)
 * that branch predictors cannot learn them, as they cannot learn a stream
 * of real messages. */
#define VALUES 2048
/* Instruction counts do not depend on prediction: fewer values suffice. */
#define CALLGRIND_VALUES 256
#define MAX_SIZE 1024
#define SCALE 2 /* a decimal point in the output, as most schemas have */

static const size_t k_sizes[] = {1, 8, 16, 32, 64, 128, 256, 512, 1024};
#define N_SIZES (sizeof k_sizes / sizeof k_sizes[0])

static uint8_t *g_values; /* value v of the current size at v * size */
static size_t g_count = VALUES; /* values converted per round */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* VALUES random values of `size` significant bytes, half negative: the first
 * byte is never a redundant sign byte, so every byte is converted. */
static void make_values(size_t size)
{
    uint64_t seed = size;
    for (size_t v = 0; v < VALUES; v++) {
        uint8_t *value = g_values + v * size;
        for (size_t i = 0; i < size; i++) {
            value[i] = (uint8_t)splitmix64(&seed);
        }
        uint8_t top = (uint8_t)(1 + splitmix64(&seed) % 0x7e); /* 0x01..0x7e */
        value[0] = (v & 1) ? (uint8_t)(0xff - top) : top;
    }
}

static size_t g_allocs;
static void *counting_malloc(size_t n)
{
    g_allocs++;
    return malloc(n);
}
static void *counting_realloc(void *p, size_t n)
{
    g_allocs++;
    return realloc(p, n);
}

static bool g_fell_back; /* the last round was written as bytes */

/* What the JSON emitter does with a decimal: its digits, or, past
 * CF_JSON_DECIMAL_MAX_BYTES, its bytes as an Avro JSON string. */
static int convert_all(cf_buf *b, size_t size)
{
    g_fell_back = false;
    for (size_t v = 0; v < g_count; v++) {
        const uint8_t *value = g_values + v * size;
        b->len = 0;
        int rc = cf_json_decimal(b, value, size, SCALE, false);
        if (rc == CF_JSON_DECIMAL_TOO_LONG) {
            g_fell_back = true;
            rc = cf_json_bytes(b, value, size, CF_BYTES_AVRO);
        }
        if (rc != CFAVRO_OK) {
            return rc;
        }
    }
    return CFAVRO_OK;
}

/* The only code bench/callgrind_decimal.sh counts. */
__attribute__((noinline)) int cf_bench_decimal_measured(cf_buf *b, size_t size);
__attribute__((noinline)) int cf_bench_decimal_measured(cf_buf *b, size_t size)
{
    return convert_all(b, size);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int run_callgrind(size_t size)
{
    if (size == 0 || size > MAX_SIZE) {
        fprintf(stderr, "bench_decimal: --callgrind SIZE must be 1..%d\n", MAX_SIZE);
        return 2;
    }
    cf_buf b = {NULL, 0, 0, SIZE_MAX};
    g_count = CALLGRIND_VALUES;
    make_values(size);
    int rc = convert_all(&b, size); /* warm: the output buffer has grown */
    if (rc == CFAVRO_OK) {
        rc = cf_bench_decimal_measured(&b, size);
    }
    cf_buf_free(&b);
    if (rc != CFAVRO_OK) {
        fprintf(stderr, "bench_decimal: conversion failed (%d)\n", rc);
        return 1;
    }
    printf("calls %d size %zu %s\n", CALLGRIND_VALUES, size, g_fell_back ? "bytes" : "digits");
    return 0;
}

int main(int argc, char **argv)
{
    g_values = malloc((size_t)VALUES * MAX_SIZE);
    if (g_values == NULL) {
        return 1;
    }
    double budget_ns = 100e6; /* per size and repetition */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--callgrind") == 0 && i + 1 < argc) {
            int rc = run_callgrind((size_t)strtoul(argv[i + 1], NULL, 10));
            free(g_values);
            return rc;
        }
        if (strcmp(argv[i], "--quick") == 0) {
            budget_ns = 5e6;
            continue;
        }
        fprintf(stderr, "usage: bench_decimal [--quick | --callgrind SIZE]\n");
        free(g_values);
        return 2;
    }
    cf_alloc_hooks hooks = {counting_malloc, counting_realloc, free};
    cf_buf b = {NULL, 0, 0, SIZE_MAX};
    printf("cf_json_decimal, scale %d, %d distinct values per size, best of 3\n", SCALE, VALUES);
    printf("%6s %8s %12s %10s %12s  %s\n", "bytes", "chars", "ns/call", "ns/byte", "allocs/call",
           "written as");
    for (size_t k = 0; k < N_SIZES; k++) {
        size_t size = k_sizes[k];
        make_values(size);
        if (convert_all(&b, size) != CFAVRO_OK) { /* warm-up */
            fprintf(stderr, "bench_decimal: conversion failed\n");
            return 1;
        }
        size_t chars = b.len; /* text of the last value */
        double best = 1e300;
        double allocs = 0;
        for (int rep = 0; rep < 3; rep++) {
            size_t calls = 0;
            g_allocs = 0;
            cf_alloc_set_hooks(&hooks);
            double t0 = now_ns(), t1;
            do {
                if (convert_all(&b, size) != CFAVRO_OK) {
                    return 1;
                }
                calls += g_count;
                t1 = now_ns();
            } while (t1 - t0 < budget_ns);
            cf_alloc_set_hooks(NULL);
            double per_call = (t1 - t0) / (double)calls;
            if (per_call < best) {
                best = per_call;
                allocs = (double)g_allocs / (double)calls;
            }
        }
        printf("%6zu %8zu %12.1f %10.2f %12.2f  %s\n", size, chars, best, best / (double)size, allocs,
               g_fell_back ? "bytes (too long)" : "digits");
    }
    cf_buf_free(&b);
    free(g_values);
    return 0;
}
