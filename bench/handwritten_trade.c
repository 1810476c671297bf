/*
 * Hand-written decoder for bench/schemas/trade.avsc (schema id 1).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "handwritten.h"

#include "gen.h"
#include "hw_read.h"

/* map<string>: blocks of (key, value) */
static int string_map(hw_in *in, uint64_t *h)
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++) {
            HW_TRY(hw_string(in, h));
            HW_TRY(hw_string(in, h));
        }
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

int cf_hw_trade(const void *msg, size_t len, uint64_t *sum)
{
    hw_in in;
    uint64_t h = CF_SUM_INIT;
    int64_t l;
    double d;
    int32_t idx;
    int b;

    HW_TRY(hw_frame(&in, msg, len, CF_BENCH_TRADE_ID));
    HW_TRY(hw_string(&in, &h)); /* exchange */
    HW_TRY(hw_string(&in, &h)); /* symbol */
    HW_TRY(hw_long(&in, &l));   /* trade_id */
    h = cf_mix(h, (uint64_t)l);
    HW_TRY(hw_double(&in, &d)); /* price */
    h = cf_mix_double(h, d);
    HW_TRY(hw_double(&in, &d)); /* quantity */
    h = cf_mix_double(h, d);
    HW_TRY(hw_long(&in, &l));   /* timestamp */
    h = cf_mix(h, (uint64_t)l);
    HW_TRY(hw_index(&in, 2, &idx)); /* side */
    h = cf_mix(h, (uint64_t)idx);
    HW_TRY(hw_bool(&in, &b)); /* is_buyer_maker */
    h = cf_mix(h, (uint64_t)b);
    HW_TRY(hw_index(&in, 2, &idx)); /* sequence_id: [null, string] */
    h = cf_mix(h, (uint64_t)idx);
    if (idx == 1)
        HW_TRY(hw_string(&in, &h));
    HW_TRY(string_map(&in, &h)); /* extra */
    if (HW_UNLIKELY(in.p != in.end))
        return HW_E_TRAILING;
    *sum = h;
    return HW_OK;
}
