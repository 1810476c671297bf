/* Helpers shared by the JSON writer tests (test_json_numbers.c,
 * test_json_text.c, test_json_logical.c; code in test_json_support.c):
 * sizing and seeding their randomized loops, and checking what a writer
 * produced. They assert with cmocka, so call them from the test's thread. */
#ifndef CFAVRO_TEST_JSON_SUPPORT_H
#define CFAVRO_TEST_JSON_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_write_internal.h"

/* True when CFAVRO_SLOW_RUN is set (and not "0") or the test runs under
 * valgrind: the randomized loops then shrink to keep the run short. */
bool slow_run(void);
/* The next number of a fixed splitmix64 sequence, so every run (and every
 * failure) repeats. One sequence per test program, shared by its tests. */
uint64_t rnd(void);

/* An empty buffer with a 1 GiB limit (large enough never to be hit). */
cf_buf new_buf(void);
/* Fails the test, printing both, unless b holds exactly want[0..want_len). */
void assert_buf(const cf_buf *b, const char *want, size_t want_len);
/* assert_buf() against a string literal. */
#define ASSERT_BUF(b, lit) assert_buf((b), (lit), sizeof(lit) - 1)
/* out[0..n) (room for one more byte) must read want. */
void assert_text(char *out, size_t n, const char *want);

#endif
