/* Duplicate map keys (walk_keys_internal.h, walk_keys.c): a map whose
 * entries repeat a key fails with CFAVRO_E_DATA_MAP_KEY_DUPLICATE at the
 * second occurrence's length prefix, the path naming that key, the message
 * the entry that had it first, alike in validate and JSON mode:
 *   - in one block, across blocks, past the inline (linear) stage where the
 *     sorted runs take over, checked against a naive reference on random
 *     maps of every size up to a few hundred keys;
 *   - nested maps check their own keys only;
 *   - under json.invalid.utf8=replace keys equal once replaced are
 *     duplicates (cf_utf8_replaced_cmp, checked against cf_json_string's
 *     replacement), and keys that merely share a prefix are not;
 *   - the scratch: a failing allocation is CFAVRO_E_NOMEM with the key's
 *     path, a warm decoder allocates nothing, and the memory stays bounded
 *     by the payload. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfavro.h"
#include "json_write_internal.h"
#include "options_internal.h"
#include "schema_internal.h"
#include "test_support.h"
#include "utf8_internal.h"
#include "walk_internal.h"
#include "walk_json_internal.h"

#define ID 61

static const char *S_TRADE = "{\"type\":\"record\",\"name\":\"Trade\",\"fields\":["
                             "{\"name\":\"id\",\"type\":\"int\"},"
                             "{\"name\":\"extra\",\"type\":{\"type\":\"map\",\"values\":"
                             "\"string\"}}]}";
static const char *S_MAP_INT = "{\"type\":\"map\",\"values\":\"int\"}";
static const char *S_MAP_NULL = "{\"type\":\"map\",\"values\":\"null\"}";
static const char *S_MAP_MAP = "{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":"
                               "\"int\"}}";
/* A map inside a record inside a map value. */
static const char *S_MAP_REC_MAP = "{\"type\":\"map\",\"values\":{\"type\":\"record\","
                                   "\"name\":\"R\",\"fields\":[{\"name\":\"m\",\"type\":"
                                   "{\"type\":\"map\",\"values\":\"int\"}}]}}";

static const char *const REPLACE[] = {"json.invalid.utf8", "replace", NULL};

/* ---- decoding through both calls ------------------------------------------ */

typedef struct result {
    int status;
    cfavro_error err; /* the JSON call's, when status is not OK */
    char json[16384]; /* the JSON, when status is OK */
} result;

/* Decode payload[0..n) (framed with ID) with validate and with JSON on one
 * decoder: both must give the same status, and on failure the same offset,
 * path and message. */
static void decode_on(cfavro_decoder *dec, const uint8_t *payload, size_t n, result *r)
{
    bb m = {0};
    bb_header(&m, ID);
    bb_raw(&m, payload, n);
    const char *json = NULL;
    size_t json_len = 0;
    r->status = cfavro_decode_json(dec, m.d, m.n, &json, &json_len);
    r->err = *cfavro_decoder_error(dec);
    r->json[0] = '\0';
    if (r->status == CFAVRO_OK) {
        assert_true(json_len < sizeof r->json);
        memcpy(r->json, json, json_len + 1);
    } else {
        assert_null(json);
    }
    int vrc = cfavro_validate(dec, m.d, m.n);
    assert_int_equal(vrc, r->status);
    if (vrc != CFAVRO_OK) {
        const cfavro_error *v = cfavro_decoder_error(dec);
        assert_int_equal(v->status, r->err.status);
        assert_int_equal(v->offset, r->err.offset);
        assert_string_equal(v->path, r->err.path);
        assert_string_equal(v->message, r->err.message);
    }
    bb_free(&m);
}

static void decode(const char *schema, const char *const *opts, const uint8_t *payload,
                   size_t n, result *r)
{
    cfavro_client *client = client_with_schema(ID, schema, strlen(schema));
    cfavro_decoder *dec = decoder_with_options(client, opts);
    decode_on(dec, payload, n, r);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* A duplicate: status, message offset, path and the entries named. */
static void expect_dup(const result *r, uint64_t offset, const char *path, unsigned entry,
                       unsigned first)
{
    if (r->status != CFAVRO_E_DATA_MAP_KEY_DUPLICATE || r->err.offset != offset) {
        fail_msg("expected a duplicate key at %llu, got %d at %llu [%s]: %s",
                 (unsigned long long)offset, r->status, (unsigned long long)r->err.offset,
                 r->err.path,
                 r->status ? r->err.message : r->json);
    }
    assert_int_equal(r->err.offset, offset);
    assert_string_equal(r->err.path, path);
    char want[96];
    snprintf(want, sizeof want, "entry %u has the key of entry %u", entry, first);
    assert_contains(r->err.message, want);
}

static void expect_ok(const result *r, const char *json)
{
    if (r->status != CFAVRO_OK) {
        fail_msg("expected success, got %d at %llu [%s]: %s", r->status,
                 (unsigned long long)r->err.offset, r->err.path, r->err.message);
    }
    if (json != NULL) {
        assert_string_equal(r->json, json);
    }
}

/* An Avro string of n raw bytes (any bytes, NULs and invalid UTF-8 too). */
static void bb_key(bb *b, const char *s, size_t n)
{
    bb_long(b, (int64_t)n);
    bb_raw(b, s, n);
}

/* ---- one map, small ------------------------------------------------------- */

static void test_duplicate_in_one_block(void **state)
{
    (void)state;
    bb p = {0};
    bb_long(&p, 7);   /* id */
    bb_long(&p, 3);   /* block of 3 */
    bb_str(&p, "fee"); /* payload offset 2 */
    bb_str(&p, "1");
    bb_str(&p, "venue");
    bb_str(&p, "x");
    size_t second = p.n;
    bb_str(&p, "fee");
    bb_str(&p, "2");
    bb_long(&p, 0);
    result r;
    decode(S_TRADE, NULL, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "Trade.extra[\"fee\"]", 2, 0);
    assert_int_equal(r.err.schema_id, ID);
    /* The plain message: no replacement note. */
    assert_null(strstr(r.err.message, "replaced"));
    bb_free(&p);
}

static void test_duplicate_across_blocks(void **state)
{
    (void)state;
    bb p = {0};
    bb_long(&p, 2); /* block of 2 */
    bb_str(&p, "a");
    bb_long(&p, 1);
    bb_str(&p, "b");
    bb_long(&p, 2);
    /* A second block with a byte size: keys span all blocks of a map. */
    bb body = {0};
    bb_str(&body, "c");
    bb_long(&body, 3);
    size_t second = p.n + 2 + body.n; /* after the count and size bytes */
    bb_str(&body, "b");
    bb_long(&body, 4);
    bb_long(&p, -2);
    bb_long(&p, (int64_t)body.n);
    bb_raw(&p, body.d, body.n);
    bb_long(&p, 0);
    result r;
    decode(S_MAP_INT, NULL, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "[\"b\"]", 3, 1);
    bb_free(&body);
    bb_free(&p);
}

/* Keys alike in part are different keys: prefixes, one byte apart at
 * either end or in the middle (lengths 1..20, across the inline compare's
 * 8- and 16-byte loads), the empty key once. */
static void test_near_keys_are_distinct(void **state)
{
    (void)state;
    static const char *keys[] = {
        "", "a", "ab", "abc", "b", "abcdefg", "abcdefgh", "abcdefgX", "Xbcdefgh",
        "abcdefghij", "abcdXfghij", "abcdefghiX", "abcdefghijklmnop", "abcdefghijklmnoX",
        "abcdefgXijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopqrst", "abcdefghijklmnopqrsX",
        "a\0b", "a\0c",
    };
    static const size_t lens[] = {0, 1, 2, 3, 1, 7, 8, 8, 8, 10, 10, 10, 16, 16, 16, 17, 20, 20,
                                  3, 3};
    enum { N = sizeof keys / sizeof keys[0] };
    /* In both orders, each key once; then with the last one repeated. */
    for (int order = 0; order < 2; order++) {
        bb p = {0};
        bb_long(&p, N);
        for (size_t i = 0; i < N; i++) {
            size_t k = order ? N - 1 - i : i;
            bb_key(&p, keys[k], lens[k]);
            bb_long(&p, (int64_t)i);
        }
        bb_long(&p, 0);
        result r;
        decode(S_MAP_INT, NULL, p.d, p.n, &r);
        expect_ok(&r, NULL);
        decode(S_MAP_INT, REPLACE, p.d, p.n, &r);
        expect_ok(&r, NULL);
        bb_free(&p);
    }
    /* Each key of length >= 1 after all the others, as a repeat. */
    for (size_t dup = 1; dup < N; dup++) {
        bb p = {0};
        bb_long(&p, N + 1);
        for (size_t i = 0; i < N; i++) {
            bb_key(&p, keys[i], lens[i]);
            bb_long(&p, 0);
        }
        size_t second = p.n;
        bb_key(&p, keys[dup], lens[dup]);
        bb_long(&p, 0);
        bb_long(&p, 0);
        result r;
        decode(S_MAP_INT, NULL, p.d, p.n, &r);
        assert_int_equal(r.status, CFAVRO_E_DATA_MAP_KEY_DUPLICATE);
        assert_int_equal(r.err.offset, 5 + second);
        char want[64];
        snprintf(want, sizeof want, "entry %u has the key of entry %u", (unsigned)N,
                 (unsigned)dup);
        assert_contains(r.err.message, want);
        bb_free(&p);
    }
}

/* The empty key is a key like any other: twice is a duplicate. */
static void test_empty_key_twice(void **state)
{
    (void)state;
    result r;
    decode(S_MAP_NULL, NULL, BYTES(0x04, 0x00, 0x00, 0x00), &r);
    expect_dup(&r, 5 + 2, "[\"\"]", 1, 0);
    decode(S_MAP_NULL, NULL, BYTES(0x02, 0x00, 0x00), &r);
    expect_ok(&r, "{\"\":null}");
}

/* ---- large maps: sorted runs against a naive reference -------------------- */

/* A deterministic generator (xorshift), so failures reproduce. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct keyset {
    char text[400][8];
    size_t len[400];
} keyset;

/* n distinct keys of 0..4 bytes over a small alphabet, in random order
 * (mixing lengths, so both the length and the byte order of the runs are
 * exercised). */
static void distinct_keys(keyset *ks, size_t n, uint64_t *rng)
{
    size_t made = 0;
    while (made < n) {
        size_t len = (size_t)(rng_next(rng) % 5);
        char k[8];
        for (size_t i = 0; i < len; i++) {
            k[i] = "abcdefgh"[rng_next(rng) % 8];
        }
        bool seen = false;
        for (size_t j = 0; j < made && !seen; j++) {
            seen = ks->len[j] == len && memcmp(ks->text[j], k, len) == 0;
        }
        if (!seen) {
            memcpy(ks->text[made], k, len);
            ks->len[made] = len;
            made++;
        }
    }
}

/* Maps of 0..300 entries in random blocks, with a repeat placed at a random
 * entry or none: the first repeat is reported, naming the entry that had the
 * key, as a naive check finds it, under both UTF-8 policies. */
static void test_large_maps_match_reference(void **state)
{
    (void)state;
    cfavro_client *client = client_with_schema(ID, S_MAP_INT, strlen(S_MAP_INT));
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    cfavro_decoder *rdec = decoder_with_options(client, REPLACE);
    uint64_t rng = 0x9E3779B97F4A7C15u;
    static keyset ks;
    for (int round = 0; round < 400; round++) {
        size_t n = round < 300 ? (size_t)round : 16 + (size_t)(rng_next(&rng) % 280);
        distinct_keys(&ks, n, &rng);
        /* Sometimes one entry repeats an earlier one (twice, to show that
         * the first repeat is the one reported). */
        size_t dup_at = n, dup_of = 0;
        if (n >= 2 && rng_next(&rng) % 3 != 0) {
            dup_at = 1 + (size_t)(rng_next(&rng) % (n - 1));
            dup_of = (size_t)(rng_next(&rng) % dup_at);
            memcpy(ks.text[dup_at], ks.text[dup_of], ks.len[dup_of]);
            ks.len[dup_at] = ks.len[dup_of];
            if (dup_at + 1 < n) {
                size_t later = dup_at + 1 + (size_t)(rng_next(&rng) % (n - dup_at - 1));
                memcpy(ks.text[later], ks.text[0], ks.len[0]);
                ks.len[later] = ks.len[0];
            }
        }
        bb p = {0};
        size_t dup_offset = 0;
        for (size_t i = 0; i < n;) {
            size_t block = 1 + (size_t)(rng_next(&rng) % 40);
            if (block > n - i) {
                block = n - i;
            }
            bb_long(&p, (int64_t)block);
            for (size_t j = 0; j < block; j++, i++) {
                if (i == dup_at) {
                    dup_offset = p.n;
                }
                bb_key(&p, ks.text[i], ks.len[i]);
                bb_long(&p, (int64_t)i);
            }
        }
        bb_long(&p, 0);
        for (int mode = 0; mode < 2; mode++) {
            result r;
            decode_on(mode ? rdec : dec, p.d, p.n, &r);
            if (dup_at == n) {
                expect_ok(&r, NULL);
                continue;
            }
            char path[64];
            snprintf(path, sizeof path, "[\"%.*s\"]", (int)ks.len[dup_at], ks.text[dup_at]);
            expect_dup(&r, 5 + dup_offset, path, (unsigned)dup_at, (unsigned)dup_of);
        }
        bb_free(&p);
    }
    cfavro_decoder_free(rdec);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* The boundary of the inline stage: a repeat as the 16th, 17th and 18th
 * entry, of the first and of the last earlier key. */
static void test_repeat_at_linear_boundary(void **state)
{
    (void)state;
    for (size_t at = 14; at <= 18; at++) {
        for (int of_last = 0; of_last < 2; of_last++) {
            bb p = {0};
            bb_long(&p, (int64_t)at + 1);
            size_t second = 0;
            for (size_t i = 0; i <= at; i++) {
                char k[16];
                size_t of = of_last ? at - 1 : 0;
                snprintf(k, sizeof k, "key%02zu", i == at ? of : i);
                if (i == at) {
                    second = p.n;
                }
                bb_str(&p, k);
                bb_long(&p, 1);
            }
            bb_long(&p, 0);
            result r;
            decode(S_MAP_INT, NULL, p.d, p.n, &r);
            char path[32];
            snprintf(path, sizeof path, "[\"key%02zu\"]", of_last ? at - 1 : 0);
            expect_dup(&r, 5 + second, path, (unsigned)at, (unsigned)(of_last ? at - 1 : 0));
            bb_free(&p);
        }
    }
}

/* ---- nested maps ---------------------------------------------------------- */

/* One block of map<int> entries: the space-separated `keys`, with the
 * values first, first + 1, ...; returns the offset of the last key's
 * length prefix. */
static size_t int_block(bb *p, const char *keys, int first)
{
    size_t nkeys = 1;
    for (const char *c = keys; *c != '\0'; c++) {
        nkeys += *c == ' ';
    }
    bb_long(p, (int64_t)nkeys);
    size_t last = 0;
    for (const char *k = keys;; k++) {
        size_t len = strcspn(k, " ");
        last = p->n;
        bb_key(p, k, len);
        bb_long(p, first++);
        k += len;
        if (*k == '\0') {
            return last;
        }
    }
}

/* An entry of an outer map whose values are maps (or records of one map):
 * `key`, then a one-block inner map as int_block writes it, ended. Returns
 * the offset of the inner map's last key. */
static size_t outer_entry(bb *p, const char *key, const char *inner_keys, int first)
{
    bb_str(p, key);
    size_t last = int_block(p, inner_keys, first);
    bb_long(p, 0);
    return last;
}

static void test_nested_maps_check_their_own_keys(void **state)
{
    (void)state;
    result r;
    /* The same keys in the outer map and in each inner map: fine. */
    bb p = {0};
    bb_long(&p, 2);
    outer_entry(&p, "a", "a b", 1);
    outer_entry(&p, "b", "a b", 3);
    bb_long(&p, 0);
    decode(S_MAP_MAP, NULL, p.d, p.n, &r);
    expect_ok(&r, "{\"a\":{\"a\":1,\"b\":2},\"b\":{\"a\":3,\"b\":4}}");

    /* A repeat inside the second inner map: its path runs through the
     * outer key. */
    p.n = 0;
    bb_long(&p, 2);
    outer_entry(&p, "a", "x", 0);
    size_t second = outer_entry(&p, "b", "x a x", 0);
    bb_long(&p, 0);
    decode(S_MAP_MAP, NULL, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "[\"b\"][\"x\"]", 2, 0);

    /* A repeat of the outer map, after inner maps with many keys of their
     * own (pushed above the outer keys, past the inline stage, popped at
     * their end). */
    p.n = 0;
    bb_long(&p, 3);
    for (int o = 0; o < 2; o++) {
        char inner[30 * 5] = "";
        for (int i = 0; i < 30; i++) {
            size_t used = strlen(inner);
            snprintf(inner + used, sizeof inner - used, "%s%c%d", i ? " " : "", "pq"[o], i);
        }
        outer_entry(&p, o ? "q" : "p", inner, 0);
    }
    second = p.n;
    bb_str(&p, "p");
    bb_long(&p, 0);
    bb_long(&p, 0);
    decode(S_MAP_MAP, NULL, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "[\"p\"]", 2, 0);

    /* A map inside a record inside a map value. */
    p.n = 0;
    bb_long(&p, 2);
    outer_entry(&p, "r1", "k", 1);
    second = outer_entry(&p, "r2", "k k", 1);
    bb_long(&p, 0);
    decode(S_MAP_REC_MAP, NULL, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "[\"r2\"].m[\"k\"]", 1, 0);
    bb_free(&p);
}

/* ---- UTF-8 replacement ---------------------------------------------------- */

/* Two keys as raw bytes (they may hold NULs and invalid UTF-8), for a
 * map<null> of two entries. */
typedef struct key_pair {
    const char *a;
    size_t an;
    const char *b;
    size_t bn;
} key_pair;

/* Decode the map of the two keys under `opts`; *second: the offset of the
 * second key in the payload. */
static void two_keys(const key_pair *k, const char *const *opts, result *r, size_t *second)
{
    bb p = {0};
    bb_long(&p, 2);
    bb_key(&p, k->a, k->an);
    *second = p.n;
    bb_key(&p, k->b, k->bn);
    bb_long(&p, 0);
    decode(S_MAP_NULL, opts, p.d, p.n, r);
    bb_free(&p);
}

static void test_equal_once_replaced(void **state)
{
    (void)state;
    static const key_pair dup[] = {
        {"\xff", 1, "\xfe", 1},               /* two different invalid bytes */
        {"\xff", 1, "\xef\xbf\xbd", 3},       /* an invalid byte, a literal U+FFFD */
        {"\xef\xbf\xbd", 3, "\x80", 1},       /* ... either way round */
        {"a\xc0z", 3, "a\xf5z", 3},           /* inside text */
        {"\xe2\x82", 2, "\xff", 1},           /* a truncated sequence is one subpart */
        {"\xf0\x9f\x98", 3, "\xc3", 1},       /* so is a longer one */
        {"x\xed\xa0", 3, "x\xef\xbf\xbd\xef\xbf\xbd", 7}, /* a surrogate: two subparts */
    };
    for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
        result r;
        size_t second;
        two_keys(&dup[i], REPLACE, &r, &second);
        if (r.status != CFAVRO_E_DATA_MAP_KEY_DUPLICATE) {
            fail_msg("case %zu: expected a duplicate, got %d", i, r.status);
        }
        assert_int_equal(r.err.offset, 5 + second);
        assert_contains(r.err.message, "entry 1 has the key of entry 0");
        assert_contains(r.err.message, "once invalid UTF-8 is replaced by U+FFFD");
        /* Under the default policy the first invalid key fails as such. */
        two_keys(&dup[i], NULL, &r, &second);
        assert_int_equal(r.status, CFAVRO_E_DATA_UTF8);
    }
    /* The very same invalid bytes twice: a duplicate under replace, with
     * the plain message. */
    result r;
    size_t second;
    two_keys(&(key_pair){"\xff", 1, "\xff", 1}, REPLACE, &r, &second);
    expect_dup(&r, 5 + second, "[\"\\xff\"]", 1, 0);
    assert_null(strstr(r.err.message, "replaced"));
}

static void test_not_equal_once_replaced(void **state)
{
    (void)state;
    static const key_pair distinct[] = {
        {"\xe0\x80", 2, "\xff", 1},               /* two subparts, one subpart */
        {"\xe2\x82", 2, "\xe2\x82\xac", 3},       /* a truncated euro sign, the euro sign */
        {"a", 1, "a\xff", 2},                     /* a prefix */
        {"\xff", 1, "\xff" "a", 2},
        {"\xef\xbf\xbd", 3, "\xef\xbf\xbe", 3},   /* U+FFFD, U+FFFE */
        {"\xc3\xa9", 2, "\xc3", 1},               /* e-acute, its lead byte alone */
        {"", 0, "\x80", 1},
    };
    for (size_t i = 0; i < sizeof distinct / sizeof distinct[0]; i++) {
        result r;
        size_t second;
        two_keys(&distinct[i], REPLACE, &r, &second);
        if (r.status != CFAVRO_OK) {
            fail_msg("case %zu: expected success, got %d: %s", i, r.status, r.err.message);
        }
    }
}

/* Past the inline stage too: 40 distinct keys, then one equal to key 25
 * only once replaced. */
static void test_replaced_repeat_in_large_map(void **state)
{
    (void)state;
    bb p = {0};
    bb_long(&p, 41);
    for (int i = 0; i < 40; i++) {
        char k[8];
        int n = snprintf(k, sizeof k, "k%d", i);
        if (i == 25) {
            k[n++] = (char)0xff;
        }
        bb_key(&p, k, (size_t)n); /* the null values take no bytes */
    }
    size_t second = p.n;
    bb_key(&p, "k25\xef\xbf\xbd", 6);
    bb_long(&p, 0);
    result r;
    decode(S_MAP_NULL, REPLACE, p.d, p.n, &r);
    expect_dup(&r, 5 + second, "[\"k25\\xef\\xbf\\xbd\"]", 40, 25);
    assert_contains(r.err.message, "replaced");
    bb_free(&p);
}

/* The replaced text of s[0..n), as cf_json_string writes it (the quotes
 * dropped; the alphabet below needs no escapes). */
static size_t replaced_text(const uint8_t *s, size_t n, char *out, size_t cap)
{
    cf_buf b = {NULL, 0, 0, 1 << 20};
    assert_int_equal(cf_json_string(&b, s, n, CF_UTF8_REPLACE, NULL), CFAVRO_OK);
    assert_true(b.len >= 2 && b.len - 2 <= cap);
    memcpy(out, b.data + 1, b.len - 2);
    size_t len = b.len - 2;
    cf_buf_free(&b);
    return len;
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* cf_utf8_replaced_cmp orders as the byte order of the replaced texts
 * (UTF-8 byte order is code point order), on random byte strings built
 * from pieces of valid and invalid UTF-8. */
static void test_replaced_cmp_matches_replacement(void **state)
{
    (void)state;
    static const char *pieces[] = {"a", "z", "\x80", "\xbf", "\xc3", "\xa9", "\xc3\xa9", "\xe2",
                                   "\x82", "\xe2\x82\xac", "\xef\xbf\xbd", "\xf0\x9f", "\x98",
                                   "\xf0\x9f\x98\x80", "\xff", "\xed\xa0\x80", "\xc0", "\xf4\x90"};
    enum { NP = sizeof pieces / sizeof pieces[0] };
    uint64_t rng = 12345;
    for (int round = 0; round < 20000; round++) {
        uint8_t s[2][48];
        size_t n[2];
        for (int k = 0; k < 2; k++) {
            n[k] = 0;
            size_t np = (size_t)(rng_next(&rng) % 6);
            for (size_t i = 0; i < np; i++) {
                const char *piece = pieces[rng_next(&rng) % NP];
                memcpy(s[k] + n[k], piece, strlen(piece));
                n[k] += strlen(piece);
            }
        }
        if (round % 4 == 0) { /* often a shared prefix, to reach the step back */
            memcpy(s[1], s[0], n[0] / 2);
        }
        char t[2][160];
        size_t tn[2];
        for (int k = 0; k < 2; k++) {
            tn[k] = replaced_text(s[k], n[k], t[k], sizeof t[k]);
        }
        size_t common = tn[0] < tn[1] ? tn[0] : tn[1];
        int want = memcmp(t[0], t[1], common);
        if (want == 0) {
            want = (tn[0] > tn[1]) - (tn[0] < tn[1]);
        }
        int got = cf_utf8_replaced_cmp(s[0], n[0], s[1], n[1]);
        if (sign(got) != sign(want)) {
            fail_msg("round %d: cmp %d, replaced texts compare %d", round, got, want);
        }
        assert_int_equal(sign(cf_utf8_replaced_cmp(s[1], n[1], s[0], n[0])), -sign(want));
    }
}

/* ---- the scratch ---------------------------------------------------------- */

/* A Trade with `nkeys` distinct extra keys. */
static void trade_payload(bb *p, int nkeys)
{
    p->n = 0;
    bb_long(p, 1);
    if (nkeys > 0) {
        bb_long(p, nkeys);
        for (int i = 0; i < nkeys; i++) {
            char k[16];
            snprintf(k, sizeof k, "fee%d", i);
            bb_str(p, k);
            bb_str(p, "v");
        }
    }
    bb_long(p, 0);
}

static void framed_trade(bb *m, int nkeys)
{
    bb p = {0};
    trade_payload(&p, nkeys);
    m->n = 0;
    bb_header(m, ID);
    bb_raw(m, p.d, p.n);
    bb_free(&p);
}

/* Growing the key stack fails: CFAVRO_E_NOMEM at the key being added, its
 * path, in both modes; the decoder stays usable. */
static void test_failing_allocation(void **state)
{
    (void)state;
    cfavro_client *client = client_with_schema(ID, S_TRADE, strlen(S_TRADE));
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    bb m = {0};
    framed_trade(&m, 2);

    /* Validate allocates nothing but the key stack: its first growth. */
    alloc_hooks_on(1, -1);
    assert_int_equal(cfavro_validate(dec, m.d, m.n), CFAVRO_E_NOMEM);
    const cfavro_error *e = cfavro_decoder_error(dec);
    assert_int_equal(e->offset, 5 + 2); /* the first key's length prefix */
    assert_string_equal(e->path, "Trade.extra[\"fee0\"]");
    assert_contains(e->message, "out of memory");
    assert_int_equal(alloc_calls(), 1);
    cfavro_error verr = *e;
    alloc_stop_failing();
    assert_int_equal(cfavro_validate(dec, m.d, m.n), CFAVRO_OK);
    alloc_hooks_off();

    /* JSON: the output buffer comes first, the key stack second. */
    cfavro_decoder *jdec = decoder_with_options(client, NULL);
    alloc_hooks_on(2, -1);
    const char *json = NULL;
    size_t len = 0;
    assert_int_equal(cfavro_decode_json(jdec, m.d, m.n, &json, &len), CFAVRO_E_NOMEM);
    e = cfavro_decoder_error(jdec);
    assert_int_equal(e->offset, verr.offset);
    assert_string_equal(e->path, verr.path);
    assert_string_equal(e->message, verr.message);
    alloc_stop_failing();
    assert_int_equal(cfavro_decode_json(jdec, m.d, m.n, &json, &len), CFAVRO_OK);
    alloc_hooks_off();

    /* A later, bigger map needs more: that growth fails at its key. */
    framed_trade(&m, 100);
    alloc_hooks_on(1, -1);
    assert_int_equal(cfavro_validate(dec, m.d, m.n), CFAVRO_E_NOMEM);
    e = cfavro_decoder_error(dec);
    assert_int_equal(e->status, CFAVRO_E_NOMEM);
    assert_string_equal(e->path, "Trade.extra[\"fee16\"]"); /* past the inline stage */
    alloc_stop_failing();
    assert_int_equal(cfavro_validate(dec, m.d, m.n), CFAVRO_OK);
    alloc_hooks_off();

    bb_free(&m);
    cfavro_decoder_free(jdec);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* Once a decoder has seen its biggest maps, messages with maps (small,
 * large, nested, failing as duplicates) allocate nothing. */
static void test_no_allocation_once_warm(void **state)
{
    (void)state;
    cfavro_client *client = client_with_schema(ID, S_MAP_MAP, strlen(S_MAP_MAP));
    cfavro_decoder *dec = decoder_with_options(client, NULL);
    bb msgs[3] = {{0}, {0}, {0}};
    for (int k = 0; k < 3; k++) {
        bb p = {0};
        int outer = k == 0 ? 3 : 40;
        bb_long(&p, outer);
        for (int o = 0; o < outer; o++) {
            char key[16];
            snprintf(key, sizeof key, "o%d", o);
            bb_str(&p, key);
            int inner = (o % 5) * 10;
            if (inner > 0) {
                bb_long(&p, inner);
                for (int i = 0; i < inner; i++) {
                    snprintf(key, sizeof key, "i%d", k == 2 && i == inner - 1 ? 0 : i);
                    bb_str(&p, key);
                    bb_long(&p, i);
                }
            }
            bb_long(&p, 0);
        }
        bb_long(&p, 0);
        bb_header(&msgs[k], ID);
        bb_raw(&msgs[k], p.d, p.n);
        bb_free(&p);
    }
    const char *json;
    size_t len;
    int want[3] = {CFAVRO_OK, CFAVRO_OK, CFAVRO_E_DATA_MAP_KEY_DUPLICATE};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            alloc_hooks_on(0, -1);
        }
        for (int k = 0; k < 3; k++) {
            assert_int_equal(cfavro_validate(dec, msgs[k].d, msgs[k].n), want[k]);
            assert_int_equal(cfavro_decode_json(dec, msgs[k].d, msgs[k].n, &json, &len), want[k]);
        }
    }
    assert_int_equal(alloc_calls(), 0);
    alloc_hooks_off();
    for (int k = 0; k < 3; k++) {
        bb_free(&msgs[k]);
    }
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
}

/* The key stack holds distinct keys only, so its size is bounded by the
 * payload even for a map of the shortest distinct keys there are (the empty
 * key, then every 1-byte and 2-byte key), walked through the caller-owned
 * scratch directly. */
static void test_memory_bounded_by_payload(void **state)
{
    (void)state;
    cfavro_error err;
    cf_schema *schema = NULL;
    assert_int_equal(cf_schema_compile(S_MAP_NULL, strlen(S_MAP_NULL), NULL, &schema, &err),
                     CFAVRO_OK);
    cf_options opt;
    cf_options_default(&opt);
    bb p = {0};
    enum { NKEYS = 1 + 256 };
    bb_long(&p, NKEYS);
    bb_long(&p, 0); /* "" */
    for (int i = 0; i < 256; i++) {
        uint8_t k[2] = {1, 0};
        k[0] = (uint8_t)i;
        bb_long(&p, 1);
        bb_raw(&p, k, 1);
    }
    bb_long(&p, 0);
    cf_walk_keys keys = {0};
    /* Under replace every invalid byte reads as U+FFFD: 0x81 (entry 130)
     * repeats 0x80 (entry 129). */
    opt.walk.utf8 = CF_UTF8_REPLACE;
    assert_int_equal(cf_walk_validate(schema, &opt.walk, &keys, p.d, p.n, 0, &err),
                     CFAVRO_E_DATA_MAP_KEY_DUPLICATE);
    assert_contains(err.message, "entry 130 has the key of entry 129");
    /* With checked text, 1-byte keys 0x00..0x7f then distinct ASCII pairs. */
    p.n = 0;
    enum { NASCII = 1 + 128 + 128 * 128 };
    bb_long(&p, NASCII);
    bb_long(&p, 0);
    for (int i = 0; i < 128; i++) {
        uint8_t k = (uint8_t)i;
        bb_long(&p, 1);
        bb_raw(&p, &k, 1);
    }
    for (int i = 0; i < 128 * 128; i++) {
        uint8_t k[2] = {(uint8_t)(i >> 7), (uint8_t)(i & 127)};
        bb_long(&p, 2);
        bb_raw(&p, k, 2);
    }
    bb_long(&p, 0);
    opt.walk.utf8 = CF_UTF8_ERROR;
    assert_int_equal(cf_walk_validate(schema, &opt.walk, &keys, p.d, p.n, 0, &err), CFAVRO_OK);
    size_t bytes = keys.cap * sizeof *keys.keys;
    /* 16 bytes per key, half again for merging, doubling: well under the
     * fuzz targets' 64 x input bound. */
    if (bytes > 16 * p.n) {
        fail_msg("key stack of %zu bytes for a %zu-byte payload", bytes, p.n);
    }
    cf_walk_keys_free(&keys);
    assert_null(keys.keys);
    assert_int_equal(keys.cap, 0);
    bb_free(&p);
    cf_schema_free(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_in_one_block),
        cmocka_unit_test(test_duplicate_across_blocks),
        cmocka_unit_test(test_near_keys_are_distinct),
        cmocka_unit_test(test_empty_key_twice),
        cmocka_unit_test(test_large_maps_match_reference),
        cmocka_unit_test(test_repeat_at_linear_boundary),
        cmocka_unit_test(test_nested_maps_check_their_own_keys),
        cmocka_unit_test(test_equal_once_replaced),
        cmocka_unit_test(test_not_equal_once_replaced),
        cmocka_unit_test(test_replaced_repeat_in_large_map),
        cmocka_unit_test(test_replaced_cmp_matches_replacement),
        cmocka_unit_test_teardown(test_failing_allocation, alloc_hooks_off_fixture),
        cmocka_unit_test_teardown(test_no_allocation_once_warm, alloc_hooks_off_fixture),
        cmocka_unit_test(test_memory_bounded_by_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
