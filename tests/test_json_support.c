/* Helpers shared by the JSON writer tests; see test_json_support.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_json_support.h"

bool slow_run(void)
{
    const char *e = getenv("CFAVRO_SLOW_RUN");
    const char *pre = getenv("LD_PRELOAD");
    return (e != NULL && *e != '\0' && strcmp(e, "0") != 0) ||
           (pre != NULL && strstr(pre, "vgpreload") != NULL);
}

static uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);

uint64_t rnd(void) /* splitmix64: deterministic */
{
    uint64_t z = (g_rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

cf_buf new_buf(void)
{
    cf_buf b = {NULL, 0, 0, (size_t)1 << 30};
    return b;
}

void assert_buf(const cf_buf *b, const char *want, size_t want_len)
{
    if (b->len != want_len || (want_len > 0 && memcmp(b->data, want, want_len) != 0)) {
        fprintf(stderr, "got  [%.*s] (%zu)\nwant [%.*s] (%zu)\n", (int)b->len,
                b->data ? b->data : "", b->len, (int)want_len, want, want_len);
        fail();
    }
}

void assert_text(char *out, size_t n, const char *want)
{
    out[n] = '\0';
    assert_string_equal(out, want);
}
