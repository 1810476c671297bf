/*
 * Hand-written decoder for bench/schemas/trade.avsc (schema id 1).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "handwritten.h"

#include "gen.h"
#include "hw_read.h"

int cf_hw_trade(const void *msg, size_t len, uint64_t *sum)
{
    hw_in in;
    uint64_t h = CF_SUM_INIT;
    int32_t side;

    HW_TRY(hw_frame(&in, msg, len, CF_BENCH_TRADE_ID));
    HW_TRY(hw_string(&in, &h));              /* exchange */
    HW_TRY(hw_string(&in, &h));              /* symbol */
    HW_TRY(hw_mix_long(&in, &h));            /* trade_id */
    HW_TRY(hw_mix_double(&in, &h));          /* price */
    HW_TRY(hw_mix_double(&in, &h));          /* quantity */
    HW_TRY(hw_mix_long(&in, &h));            /* timestamp */
    HW_TRY(hw_mix_index(&in, 2, &h, &side)); /* side */
    HW_TRY(hw_mix_bool(&in, &h));            /* is_buyer_maker */
    HW_TRY(hw_opt_string(&in, &h));          /* sequence_id: [null, string] */
    HW_TRY(hw_string_map(&in, &h));          /* extra */
    if (HW_UNLIKELY(in.p != in.end))
        return HW_E_TRAILING;
    *sum = h;
    return HW_OK;
}
