/* Helpers shared by the cmocka unit tests (tests/test_support.c), one
 * section per job: assertions on text, building Avro bytes, a client and
 * decoder for one schema, counting and failing allocations, and files (test
 * data, temporary directories). Linked into every unit test by
 * tests/meson.build.
 *
 * Helpers assert with cmocka, so call them from the test's own thread only;
 * bb_long_to() is the exception (no assertions, for worker threads). */
#ifndef CFAVRO_TEST_SUPPORT_H
#define CFAVRO_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* ---- assertions on text -------------------------------------------------- */

/* Fails the test unless needle occurs in haystack (both shown). */
void assert_contains(const char *haystack, const char *needle);

/* ---- building Avro bytes ------------------------------------------------- */

/* A growable byte string. Start with `bb b = {0};`, reuse with `b.n = 0;`,
 * release with bb_free(). */
typedef struct bb {
    uint8_t *d;
    size_t n;
    size_t cap;
} bb;

void bb_byte(bb *b, uint8_t c);
void bb_raw(bb *b, const void *p, size_t n);
/* Avro int/long: zig-zag, then base-128 groups, least significant first. */
void bb_long(bb *b, int64_t v);
/* Avro string: length as a long, then the bytes of s (without its NUL). */
void bb_str(bb *b, const char *s);
/* The low nbytes bytes of u, little-endian (Avro float/double bits). */
void bb_le(bb *b, uint64_t u, int nbytes);
void bb_float(bb *b, float f);
void bb_double(bb *b, double d);
/* Confluent V0 header: magic 0 and the big-endian schema id, built by hand
 * (independent of cfavro_frame_write_v0). */
void bb_header(bb *b, int32_t id);
void bb_free(bb *b);

/* An Avro long written into dst (room for 10 bytes); returns its size. No
 * assertions: safe on any thread. */
size_t bb_long_to(uint8_t *dst, int64_t v);

/* BYTES(0x02, 'a') expands to a pointer and a size: (const uint8_t[]){...}, n. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
/* OPTS("key", "value", ...) is a NULL-terminated key/value list. */
#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- a client and decoder for one schema --------------------------------- */

/* A client with the default config that knows `schema` (len bytes) as `id`;
 * fails the test, with the library's message, if the schema is refused. */
cfavro_client *client_with_schema(int32_t id, const char *schema, size_t len);
/* A decoder of client with opts = {key, value, ..., NULL} applied (opts may
 * be NULL); fails the test if an option is refused. */
cfavro_decoder *decoder_with_options(cfavro_client *client, const char *const *opts);

/* ---- counting and failing allocations ------------------------------------ */

/* Route the library's allocations (cf_alloc_set_hooks) through counting
 * hooks, with the counters reset. fail_nth: allocation number n (1-based)
 * fails, and only that one; 0 never. fail_after: the first n allocations
 * succeed and every later one fails; -1 never. */
void alloc_hooks_on(long fail_nth, long fail_after);
/* Let allocations succeed again without resetting the counters. */
void alloc_stop_failing(void);
/* Back to the C library's functions. */
void alloc_hooks_off(void);
/* alloc_hooks_off() as a cmocka setup/teardown function. */
int alloc_hooks_off_fixture(void **state);
long alloc_calls(void);    /* malloc and realloc calls since alloc_hooks_on */
long alloc_reallocs(void); /* realloc calls since alloc_hooks_on */
long alloc_live(void);     /* blocks allocated and not yet freed since then */

/* ---- files --------------------------------------------------------------- */

/* The contents of tests/data/<name> (under $CFAVRO_SOURCE_ROOT, else "."),
 * NUL-terminated, in a malloc'd buffer the caller frees; its size in *len.
 * Fails the test if the file cannot be read or is empty. */
char *read_data_file(const char *name, size_t *len);
/* A new empty directory /tmp/<prefix>XXXXXX; its path in dir[0..cap). */
void make_temp_dir(char *dir, size_t cap, const char *prefix);
/* Writes text (without its NUL) to dir/name, replacing the file. */
void write_text_file(const char *dir, const char *name, const char *text);
/* Removes dir/name if it exists (a file, a link or an empty directory). */
void remove_dir_entry(const char *dir, const char *name);

#endif
