/*
 * The hand-written decoders are only a fair limit if they are as strict as
 * cfavro: check every rejection class, and that the fast varint path agrees
 * with the byte-by-byte one.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gen.h"
#include "handwritten.h"
#include "hw_read.h"

static size_t enc_long(uint8_t *out, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (z >= 0x80) {
        out[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    out[n++] = (uint8_t)z;
    return n;
}

/* Decode buf[0..n) with hw_int (as_int) or hw_long, once with nothing after
 * it (slow path) and once followed by padding (fast path); both must agree
 * and consume exactly the n bytes. */
static int varint_both(const uint8_t *buf, size_t n, bool as_int, int64_t *v)
{
    uint8_t padded[32];
    memset(padded, 0, sizeof padded);
    memcpy(padded, buf, n);
    hw_in a = {buf, buf + n}, b = {padded, padded + sizeof padded};
    int64_t va = 0, vb = 0;
    int ra, rb;
    if (as_int) {
        int32_t ia = 0, ib = 0;
        ra = hw_int(&a, &ia);
        rb = hw_int(&b, &ib);
        va = ia;
        vb = ib;
    } else {
        ra = hw_long(&a, &va);
        rb = hw_long(&b, &vb);
    }
    assert_int_equal(ra, rb);
    if (ra == HW_OK) {
        assert_int_equal(va, vb);
        assert_ptr_equal(a.p, buf + n);
        assert_ptr_equal(b.p, padded + n);
    }
    *v = va;
    return ra;
}

static int long_both(const uint8_t *buf, size_t n, int64_t *v)
{
    return varint_both(buf, n, false, v);
}

static int int_both(const uint8_t *buf, size_t n, int32_t *v)
{
    int64_t w;
    int rc = varint_both(buf, n, true, &w);
    *v = (int32_t)w;
    return rc;
}

static void test_varint_round_trip(void **state)
{
    (void)state;
    int64_t vals[200];
    size_t nv = 0;
    vals[nv++] = 0;
    vals[nv++] = INT64_MIN;
    vals[nv++] = INT64_MAX;
    for (int k = 0; k < 63; k++) {
        int64_t p = (int64_t)1 << k;
        vals[nv++] = p;
        vals[nv++] = p - 1;
        vals[nv++] = -p;
    }
    for (size_t i = 0; i < nv; i++) {
        uint8_t buf[16];
        size_t n = enc_long(buf, vals[i]);
        int64_t got;
        assert_int_equal(long_both(buf, n, &got), HW_OK);
        assert_int_equal(got, vals[i]);
        if (vals[i] >= INT32_MIN && vals[i] <= INT32_MAX) {
            int32_t g32;
            assert_int_equal(int_both(buf, n, &g32), HW_OK);
            assert_int_equal(g32, vals[i]);
        } else {
            int32_t g32;
            int rc = int_both(buf, n, &g32);
            assert_true(rc == HW_E_INT_RANGE || rc == HW_E_VARINT);
        }
    }
}

static void test_varint_limits(void **state)
{
    (void)state;
    int64_t v;
    int32_t i32;
    /* 11 bytes: too long for a long */
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(long_both(eleven, sizeof eleven, &v), HW_E_VARINT);
    /* 10th byte carrying more than bit 63 */
    const uint8_t over[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    assert_int_equal(long_both(over, sizeof over, &v), HW_E_VARINT);
    /* overlong but within 10 bytes is accepted as the same value */
    const uint8_t zero_long[] = {0x80, 0x80, 0x00};
    assert_int_equal(long_both(zero_long, sizeof zero_long, &v), HW_OK);
    assert_int_equal(v, 0);
    /* int: 6 bytes is too long, a 5-byte value above 32 bits out of range */
    const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(int_both(six, sizeof six, &i32), HW_E_VARINT);
    const uint8_t big[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    assert_int_equal(int_both(big, sizeof big, &i32), HW_E_INT_RANGE);
    /* truncated */
    const uint8_t cut[] = {0x80, 0x80};
    hw_in in = {cut, cut + sizeof cut};
    assert_int_equal(hw_long(&in, &v), HW_E_TRUNCATED);
    in = (hw_in){cut, cut};
    assert_int_equal(hw_long(&in, &v), HW_E_TRUNCATED);
    /* 9 continuation bytes then the end, with 8+ bytes in view */
    const uint8_t nine[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    in = (hw_in){nine, nine + sizeof nine};
    assert_int_equal(hw_long(&in, &v), HW_E_TRUNCATED);
}

static int one_string(const uint8_t *buf, size_t n)
{
    hw_in in = {buf, buf + n};
    uint64_t h = 0;
    int rc = hw_string(&in, &h);
    if (rc == HW_OK && in.p != in.end)
        return HW_E_TRAILING;
    return rc;
}

static void test_strings(void **state)
{
    (void)state;
    const uint8_t neg[] = {0x01}; /* length -1 */
    assert_int_equal(one_string(neg, sizeof neg), HW_E_NEG_LENGTH);
    const uint8_t longer[] = {0x08, 'a', 'b'}; /* length 4, 2 present */
    assert_int_equal(one_string(longer, sizeof longer), HW_E_LENGTH);
    const uint8_t ok[] = {0x0C, 'M', 0xC3, 0xBC, 'n', 0xE2, 0x82}; /* cut 3-byte seq */
    assert_int_equal(one_string(ok, sizeof ok), HW_E_UTF8);
    const uint8_t cut4[] = {0x12, 'M', 0xC3, 0xBC, 'n', 0xE2, 0x82, 0xAC, 0xF0, 0x9F};
    assert_int_equal(one_string(cut4, sizeof cut4), HW_E_UTF8);
    const uint8_t good2[] = {0x16, 'M', 0xC3, 0xBC, 'n', 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80};
    assert_int_equal(one_string(good2, sizeof good2), HW_OK);
    const uint8_t overlong[] = {0x04, 0xC0, 0x80};
    assert_int_equal(one_string(overlong, sizeof overlong), HW_E_UTF8);
    const uint8_t surrogate[] = {0x06, 0xED, 0xA0, 0x80};
    assert_int_equal(one_string(surrogate, sizeof surrogate), HW_E_UTF8);
    const uint8_t too_high[] = {0x08, 0xF4, 0x90, 0x80, 0x80};
    assert_int_equal(one_string(too_high, sizeof too_high), HW_E_UTF8);
    const uint8_t f5[] = {0x02, 0xF5};
    assert_int_equal(one_string(f5, sizeof f5), HW_E_UTF8);
    /* a high byte in the overlapping tail of a long string */
    uint8_t tail[1 + 19];
    tail[0] = 19 * 2;
    memset(tail + 1, 'x', 19);
    tail[19] = 0xFF;
    assert_int_equal(one_string(tail, sizeof tail), HW_E_UTF8);
    tail[19] = 'y';
    assert_int_equal(one_string(tail, sizeof tail), HW_OK);
}

static void test_scalars_and_blocks(void **state)
{
    (void)state;
    int b;
    int32_t idx;
    int64_t count;
    const uint8_t two[] = {0x02};
    hw_in in = {two, two + 1};
    assert_int_equal(hw_bool(&in, &b), HW_E_BOOL);
    in = (hw_in){two, two + 1}; /* index 1 */
    assert_int_equal(hw_index(&in, 1, &idx), HW_E_INDEX);
    in = (hw_in){two, two + 1};
    assert_int_equal(hw_index(&in, 2, &idx), HW_OK);
    assert_int_equal(idx, 1);
    const uint8_t minus[] = {0x01};
    in = (hw_in){minus, minus + 1};
    assert_int_equal(hw_index(&in, 2, &idx), HW_E_INDEX);
    in = (hw_in){two, two};
    assert_int_equal(hw_bool(&in, &b), HW_E_TRUNCATED);
    double d;
    in = (hw_in){two, two + 1};
    assert_int_equal(hw_double(&in, &d), HW_E_TRUNCATED);

    /* INT64_MIN as a block count */
    const uint8_t min[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    in = (hw_in){min, min + sizeof min};
    assert_int_equal(hw_block(&in, &count), HW_E_BLOCK);
    /* -1 item with a byte size beyond the input, then a fitting one */
    const uint8_t neg_big[] = {0x01, 0x10, 0x00};
    in = (hw_in){neg_big, neg_big + sizeof neg_big};
    assert_int_equal(hw_block(&in, &count), HW_E_BLOCK);
    const uint8_t neg_ok[] = {0x01, 0x02, 0x00};
    in = (hw_in){neg_ok, neg_ok + sizeof neg_ok};
    assert_int_equal(hw_block(&in, &count), HW_OK);
    assert_int_equal(count, 1);
    const uint8_t neg_size[] = {0x01, 0x01, 0x00};
    in = (hw_in){neg_size, neg_size + sizeof neg_size};
    assert_int_equal(hw_block(&in, &count), HW_E_BLOCK);
    /* 3 items but 1 byte left */
    const uint8_t many[] = {0x06, 0x00};
    in = (hw_in){many, many + sizeof many};
    assert_int_equal(hw_block(&in, &count), HW_E_LENGTH);
}

static void check_corpus(const cf_corpus *c, int (*fn)(const void *, size_t, uint64_t *))
{
    uint8_t buf[16384];
    for (size_t i = 0; i < c->count; i++) {
        uint64_t h;
        size_t len = c->lens[i];
        assert_int_equal(fn(c->msgs[i], len, &h), HW_OK);
        /* every truncation fails, and so does one trailing byte */
        for (size_t cut = 0; cut < len; cut++)
            assert_int_not_equal(fn(c->msgs[i], cut, &h), HW_OK);
        assert_true(len + 1 <= sizeof buf);
        memcpy(buf, c->msgs[i], len);
        buf[len] = 0;
        assert_int_equal(fn(buf, len + 1, &h), HW_E_TRAILING);
        /* the other schema's id is refused */
        buf[4] ^= 3;
        assert_int_equal(fn(buf, len, &h), HW_E_FRAME);
        buf[4] ^= 3;
        buf[0] = 1;
        assert_int_equal(fn(buf, len, &h), HW_E_FRAME);
    }
}

static void test_messages(void **state)
{
    (void)state;
    cf_corpus trade, wide;
    assert_int_equal(cf_gen_trade(&trade, 300, 7), 0);
    assert_int_equal(cf_gen_wide(&wide, 60, 7), 0);
    check_corpus(&trade, cf_hw_trade);
    check_corpus(&wide, cf_hw_wide);

    /* trade: side index 2 is out of range. The side byte follows
     * exchange, symbol, trade_id, price, quantity, timestamp. */
    uint8_t buf[256];
    size_t len = trade.lens[0];
    memcpy(buf, trade.msgs[0], len);
    hw_in in = {buf + 5, buf + len};
    uint64_t h = 0;
    int64_t l;
    double d;
    assert_int_equal(hw_string(&in, &h), HW_OK);
    assert_int_equal(hw_string(&in, &h), HW_OK);
    assert_int_equal(hw_long(&in, &l), HW_OK);
    assert_int_equal(hw_double(&in, &d), HW_OK);
    assert_int_equal(hw_double(&in, &d), HW_OK);
    assert_int_equal(hw_long(&in, &l), HW_OK);
    size_t side = (size_t)(in.p - buf);
    buf[side] = 4; /* zigzag 2 */
    assert_int_equal(cf_hw_trade(buf, len, &h), HW_E_INDEX);
    buf[side] = 0;
    buf[side + 1] = 2; /* is_buyer_maker */
    assert_int_equal(cf_hw_trade(buf, len, &h), HW_E_BOOL);

    /* same bytes, same checksum; different generator seed, different sum */
    uint64_t h1, h2;
    cf_corpus other;
    assert_int_equal(cf_gen_trade(&other, 1, 8), 0);
    assert_int_equal(cf_hw_trade(trade.msgs[0], trade.lens[0], &h1), HW_OK);
    assert_int_equal(cf_hw_trade(other.msgs[0], other.lens[0], &h2), HW_OK);
    assert_int_not_equal(h1, h2);
    cf_corpus_free(&other);
    cf_corpus_free(&trade);
    cf_corpus_free(&wide);
}

static void test_generator_deterministic(void **state)
{
    (void)state;
    cf_corpus a, b;
    assert_int_equal(cf_gen_wide(&a, 50, 3), 0);
    assert_int_equal(cf_gen_wide(&b, 50, 3), 0);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    assert_int_equal(a.payload_bytes + 5 * a.count, a.size);
    cf_corpus_free(&a);
    cf_corpus_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_round_trip),
        cmocka_unit_test(test_varint_limits),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_scalars_and_blocks),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_generator_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
