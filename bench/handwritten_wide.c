/*
 * Hand-written decoder for bench/schemas/wide.avsc (schema id 2, 42 fields).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "handwritten.h"

#include "gen.h"
#include "hw_read.h"

static int mix_int(hw_in *in, uint64_t *h)
{
    int32_t v;
    HW_TRY(hw_int(in, &v));
    *h = cf_mix(*h, (uint64_t)(int64_t)v);
    return HW_OK;
}

static int mix_long(hw_in *in, uint64_t *h)
{
    int64_t v;
    HW_TRY(hw_long(in, &v));
    *h = cf_mix(*h, (uint64_t)v);
    return HW_OK;
}

static int mix_double(hw_in *in, uint64_t *h)
{
    double d;
    HW_TRY(hw_double(in, &d));
    *h = cf_mix_double(*h, d);
    return HW_OK;
}

static int mix_bool(hw_in *in, uint64_t *h)
{
    int b;
    HW_TRY(hw_bool(in, &b));
    *h = cf_mix(*h, (uint64_t)b);
    return HW_OK;
}

/* [null, X]: returns the branch in *set */
static int opt(hw_in *in, uint64_t *h, int32_t *set)
{
    HW_TRY(hw_index(in, 2, set));
    *h = cf_mix(*h, (uint64_t)*set);
    return HW_OK;
}

static int opt_string(hw_in *in, uint64_t *h)
{
    int32_t set;
    HW_TRY(opt(in, h, &set));
    if (set)
        HW_TRY(hw_string(in, h));
    return HW_OK;
}

static int string_array(hw_in *in, uint64_t *h)
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++)
            HW_TRY(hw_string(in, h));
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

static int items(hw_in *in, uint64_t *h)
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++) {
            HW_TRY(hw_string(in, h));  /* sku */
            HW_TRY(mix_int(in, h));    /* quantity */
            HW_TRY(mix_double(in, h)); /* unit_price */
            HW_TRY(string_array(in, h)); /* tags */
        }
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

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

static int double_map(hw_in *in, uint64_t *h)
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++) {
            HW_TRY(hw_string(in, h));
            HW_TRY(mix_double(in, h));
        }
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

static int int_array(hw_in *in, uint64_t *h)
{
    int64_t total = 0, n;
    for (;;) {
        HW_TRY(hw_block(in, &n));
        if (n == 0)
            break;
        total += n;
        for (int64_t i = 0; i < n; i++)
            HW_TRY(mix_int(in, h));
    }
    *h = cf_mix(*h, (uint64_t)total);
    return HW_OK;
}

int cf_hw_wide(const void *msg, size_t len, uint64_t *sum)
{
    hw_in in;
    uint64_t h = CF_SUM_INIT;
    int32_t idx, set;

    HW_TRY(hw_frame(&in, msg, len, CF_BENCH_WIDE_ID));
    HW_TRY(hw_string(&in, &h));     /* event_id */
    HW_TRY(hw_index(&in, 6, &idx)); /* event_type */
    h = cf_mix(h, (uint64_t)idx);
    HW_TRY(mix_int(&in, &h));       /* event_version */
    HW_TRY(mix_long(&in, &h));      /* timestamp */
    HW_TRY(mix_long(&in, &h));      /* received_at */
    HW_TRY(mix_long(&in, &h));      /* user_id */
    HW_TRY(hw_string(&in, &h));     /* session_id */
    HW_TRY(opt_string(&in, &h));    /* anonymous_id */
    HW_TRY(mix_int(&in, &h));       /* tenant_id */
    HW_TRY(hw_string(&in, &h));     /* device.os */
    HW_TRY(hw_string(&in, &h));     /* device.os_version */
    HW_TRY(hw_string(&in, &h));     /* device.model */
    HW_TRY(mix_int(&in, &h));       /* device.screen_width */
    HW_TRY(mix_int(&in, &h));       /* device.screen_height */
    HW_TRY(mix_bool(&in, &h));      /* device.is_mobile */
    HW_TRY(opt(&in, &h, &set));     /* geo */
    if (set) {
        HW_TRY(hw_string(&in, &h)); /* country */
        HW_TRY(hw_string(&in, &h)); /* region */
        HW_TRY(hw_string(&in, &h)); /* city */
        HW_TRY(mix_double(&in, &h)); /* lat */
        HW_TRY(mix_double(&in, &h)); /* lon */
    }
    HW_TRY(hw_bytes(&in, &h));      /* ip */
    HW_TRY(hw_string(&in, &h));     /* user_agent */
    HW_TRY(opt_string(&in, &h));    /* referrer */
    HW_TRY(hw_string(&in, &h));     /* url */
    HW_TRY(hw_string(&in, &h));     /* page_title */
    HW_TRY(mix_int(&in, &h));       /* duration_ms */
    float f;
    HW_TRY(hw_float(&in, &f));      /* scroll_depth */
    h = cf_mix_float(h, f);
    HW_TRY(opt(&in, &h, &set));     /* revenue */
    if (set)
        HW_TRY(mix_double(&in, &h));
    HW_TRY(opt_string(&in, &h));    /* currency */
    HW_TRY(items(&in, &h));         /* items */
    HW_TRY(string_array(&in, &h));  /* tags */
    HW_TRY(string_map(&in, &h));    /* properties */
    HW_TRY(double_map(&in, &h));    /* metrics */
    HW_TRY(int_array(&in, &h));     /* experiment_ids */
    HW_TRY(mix_long(&in, &h));      /* flags */
    HW_TRY(opt(&in, &h, &set));     /* campaign */
    if (set) {
        HW_TRY(hw_string(&in, &h)); /* source */
        HW_TRY(hw_string(&in, &h)); /* medium */
        HW_TRY(hw_string(&in, &h)); /* name */
        HW_TRY(opt_string(&in, &h)); /* term */
    }
    HW_TRY(hw_string(&in, &h));     /* app_version */
    HW_TRY(hw_string(&in, &h));     /* sdk_name */
    HW_TRY(hw_string(&in, &h));     /* sdk_version */
    HW_TRY(hw_string(&in, &h));     /* locale */
    HW_TRY(mix_int(&in, &h));       /* timezone_offset_min */
    HW_TRY(mix_bool(&in, &h));      /* is_bot */
    HW_TRY(mix_bool(&in, &h));      /* consent.analytics */
    HW_TRY(mix_bool(&in, &h));      /* consent.marketing */
    HW_TRY(mix_bool(&in, &h));      /* consent.personalization */
    if (HW_UNLIKELY(in.end - in.p < 16))
        return HW_E_TRUNCATED;
    h = cf_mix_fixed16(h, in.p);    /* payload_hash */
    in.p += 16;
    HW_TRY(hw_bytes(&in, &h));      /* raw_payload */
    HW_TRY(mix_long(&in, &h));      /* latency_us */
    HW_TRY(mix_int(&in, &h));       /* retry_count */
    HW_TRY(opt(&in, &h, &set));     /* error_code */
    if (set)
        HW_TRY(mix_int(&in, &h));
    HW_TRY(mix_double(&in, &h));    /* score */
    HW_TRY(opt_string(&in, &h));    /* trace_id */
    HW_TRY(hw_string(&in, &h));     /* partition_key */
    if (HW_UNLIKELY(in.p != in.end))
        return HW_E_TRAILING;
    *sum = h;
    return HW_OK;
}
