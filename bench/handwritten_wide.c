/*
 * Hand-written decoder for bench/schemas/wide.avsc (schema id 2, 42 fields).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "handwritten.h"

#include "gen.h"
#include "hw_read.h"

static int string_array(hw_in *in, uint64_t *h)
{
    return hw_blocks(in, h, hw_string);
}

/* Item of `items`: {sku, quantity, unit_price, tags} */
static int item(hw_in *in, uint64_t *h)
{
    HW_TRY(hw_string(in, h));           /* sku */
    HW_TRY(hw_mix_int(in, h));          /* quantity */
    HW_TRY(hw_mix_double(in, h));       /* unit_price */
    return string_array(in, h);         /* tags */
}

static inline int double_entry(hw_in *in, uint64_t *h)
{
    HW_TRY(hw_string(in, h));
    return hw_mix_double(in, h);
}

int cf_hw_wide(const void *msg, size_t len, uint64_t *sum)
{
    hw_in in;
    uint64_t h = CF_SUM_INIT;
    int32_t idx, set;

    HW_TRY(hw_frame(&in, msg, len, CF_BENCH_WIDE_ID));
    HW_TRY(hw_string(&in, &h));               /* event_id */
    HW_TRY(hw_mix_index(&in, 6, &h, &idx));   /* event_type */
    HW_TRY(hw_mix_int(&in, &h));              /* event_version */
    HW_TRY(hw_mix_long(&in, &h));             /* timestamp */
    HW_TRY(hw_mix_long(&in, &h));             /* received_at */
    HW_TRY(hw_mix_long(&in, &h));             /* user_id */
    HW_TRY(hw_string(&in, &h));               /* session_id */
    HW_TRY(hw_opt_string(&in, &h));           /* anonymous_id */
    HW_TRY(hw_mix_int(&in, &h));              /* tenant_id */
    HW_TRY(hw_string(&in, &h));               /* device.os */
    HW_TRY(hw_string(&in, &h));               /* device.os_version */
    HW_TRY(hw_string(&in, &h));               /* device.model */
    HW_TRY(hw_mix_int(&in, &h));              /* device.screen_width */
    HW_TRY(hw_mix_int(&in, &h));              /* device.screen_height */
    HW_TRY(hw_mix_bool(&in, &h));             /* device.is_mobile */
    HW_TRY(hw_mix_index(&in, 2, &h, &set));   /* geo */
    if (set) {
        HW_TRY(hw_string(&in, &h));           /* country */
        HW_TRY(hw_string(&in, &h));           /* region */
        HW_TRY(hw_string(&in, &h));           /* city */
        HW_TRY(hw_mix_double(&in, &h));       /* lat */
        HW_TRY(hw_mix_double(&in, &h));       /* lon */
    }
    HW_TRY(hw_bytes(&in, &h));                /* ip */
    HW_TRY(hw_string(&in, &h));               /* user_agent */
    HW_TRY(hw_opt_string(&in, &h));           /* referrer */
    HW_TRY(hw_string(&in, &h));               /* url */
    HW_TRY(hw_string(&in, &h));               /* page_title */
    HW_TRY(hw_mix_int(&in, &h));              /* duration_ms */
    float f;
    HW_TRY(hw_float(&in, &f));                /* scroll_depth */
    h = cf_mix_float(h, f);
    HW_TRY(hw_mix_index(&in, 2, &h, &set));   /* revenue */
    if (set)
        HW_TRY(hw_mix_double(&in, &h));
    HW_TRY(hw_opt_string(&in, &h));           /* currency */
    HW_TRY(hw_blocks(&in, &h, item));         /* items */
    HW_TRY(string_array(&in, &h));            /* tags */
    HW_TRY(hw_string_map(&in, &h));           /* properties */
    HW_TRY(hw_blocks(&in, &h, double_entry)); /* metrics */
    HW_TRY(hw_blocks(&in, &h, hw_mix_int));   /* experiment_ids */
    HW_TRY(hw_mix_long(&in, &h));             /* flags */
    HW_TRY(hw_mix_index(&in, 2, &h, &set));   /* campaign */
    if (set) {
        HW_TRY(hw_string(&in, &h));           /* source */
        HW_TRY(hw_string(&in, &h));           /* medium */
        HW_TRY(hw_string(&in, &h));           /* name */
        HW_TRY(hw_opt_string(&in, &h));       /* term */
    }
    HW_TRY(hw_string(&in, &h));               /* app_version */
    HW_TRY(hw_string(&in, &h));               /* sdk_name */
    HW_TRY(hw_string(&in, &h));               /* sdk_version */
    HW_TRY(hw_string(&in, &h));               /* locale */
    HW_TRY(hw_mix_int(&in, &h));              /* timezone_offset_min */
    HW_TRY(hw_mix_bool(&in, &h));             /* is_bot */
    HW_TRY(hw_mix_bool(&in, &h));             /* consent.analytics */
    HW_TRY(hw_mix_bool(&in, &h));             /* consent.marketing */
    HW_TRY(hw_mix_bool(&in, &h));             /* consent.personalization */
    if (HW_UNLIKELY(in.end - in.p < 16))
        return HW_E_TRUNCATED;
    h = cf_mix_fixed16(h, in.p);              /* payload_hash */
    in.p += 16;
    HW_TRY(hw_bytes(&in, &h));                /* raw_payload */
    HW_TRY(hw_mix_long(&in, &h));             /* latency_us */
    HW_TRY(hw_mix_int(&in, &h));              /* retry_count */
    HW_TRY(hw_mix_index(&in, 2, &h, &set));   /* error_code */
    if (set)
        HW_TRY(hw_mix_int(&in, &h));
    HW_TRY(hw_mix_double(&in, &h));           /* score */
    HW_TRY(hw_opt_string(&in, &h));           /* trace_id */
    HW_TRY(hw_string(&in, &h));               /* partition_key */
    if (HW_UNLIKELY(in.p != in.end))
        return HW_E_TRAILING;
    *sum = h;
    return HW_OK;
}
