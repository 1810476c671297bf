/*
 * Deterministic generator for the benchmark corpora. The values aim to look
 * like real traffic (exchange names, symbols, prices with 2-8 decimals,
 * increasing ids and timestamps, optional fields sometimes null, small maps on
 * some records) because decoder cost depends on value shapes: varint lengths,
 * string lengths, how often a union is null.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG: splitmix64, small and good enough; fixed so runs repeat ---- */

typedef struct cf_rng {
    uint64_t s;
} cf_rng;

static uint64_t rng_next(cf_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). The modulo bias is irrelevant for test data. */
static uint64_t rng_below(cf_rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

static double rng_unit(cf_rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int rng_percent(cf_rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* ---- the arena writer ---- */

static int corpus_reserve(cf_corpus *c, size_t extra)
{
    if (c->cap - c->size >= extra)
        return 0;
    size_t ncap = c->cap ? c->cap : 1 << 16;
    while (ncap - c->size < extra)
        ncap *= 2;
    uint8_t *p = realloc(c->data, ncap);
    if (!p)
        return -1;
    c->data = p;
    c->cap = ncap;
    return 0;
}

/* Messages are written into a per-message scratch buffer first, so the
 * encoders need no error handling; one message is far below its size. */
#define MSG_MAX 16384

typedef struct cf_w {
    uint8_t buf[MSG_MAX];
    size_t n;
} cf_w;

static void w_byte(cf_w *w, uint8_t b)
{
    w->buf[w->n++] = b;
}

static void w_long(cf_w *w, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zigzag */
    while (z >= 0x80) {
        w_byte(w, (uint8_t)(z | 0x80));
        z >>= 7;
    }
    w_byte(w, (uint8_t)z);
}

static void w_raw(cf_w *w, const void *p, size_t n)
{
    memcpy(w->buf + w->n, p, n);
    w->n += n;
}

static void w_bytes(cf_w *w, const void *p, size_t n)
{
    w_long(w, (int64_t)n);
    w_raw(w, p, n);
}

static void w_str(cf_w *w, const char *s)
{
    w_bytes(w, s, strlen(s));
}

static void w_double(cf_w *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        w_byte(w, (uint8_t)(u >> (8 * i)));
}

static void w_float(cf_w *w, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        w_byte(w, (uint8_t)(u >> (8 * i)));
}

static void w_bool(cf_w *w, int b)
{
    w_byte(w, b ? 1 : 0);
}

/* [null, string]: branch 1 and the text, or branch 0 when s is NULL. */
static void w_opt_str(cf_w *w, const char *s)
{
    if (s) {
        w_long(w, 1);
        w_str(w, s);
    } else {
        w_long(w, 0);
    }
}

/* The count of an array or map's one block; empty ones have no block, only
 * the 0 that ends every array and map. */
static void w_block(cf_w *w, int n)
{
    if (n)
        w_long(w, n);
}

static int corpus_push(cf_corpus *c, int32_t schema_id, const cf_w *w)
{
    if (corpus_reserve(c, w->n + 5) != 0)
        return -1;
    uint8_t *p = c->data + c->size;
    p[0] = 0;
    p[1] = (uint8_t)((uint32_t)schema_id >> 24);
    p[2] = (uint8_t)((uint32_t)schema_id >> 16);
    p[3] = (uint8_t)((uint32_t)schema_id >> 8);
    p[4] = (uint8_t)schema_id;
    memcpy(p + 5, w->buf, w->n);
    c->offsets[c->count] = c->size;
    c->lens[c->count] = w->n + 5;
    c->size += w->n + 5;
    c->payload_bytes += w->n;
    c->count++;
    return 0;
}

static int corpus_begin(cf_corpus *c, size_t count)
{
    memset(c, 0, sizeof *c);
    c->offsets = malloc((count ? count : 1) * sizeof *c->offsets);
    c->lens = malloc((count ? count : 1) * sizeof *c->lens);
    c->msgs = malloc((count ? count : 1) * sizeof *c->msgs);
    if (!c->offsets || !c->lens || !c->msgs)
        return -1;
    return 0;
}

/* Pointers are taken only now: the arena may have moved while growing. */
static void corpus_finish(cf_corpus *c)
{
    for (size_t i = 0; i < c->count; i++)
        c->msgs[i] = c->data + c->offsets[i];
}

/* A generator's start: an empty corpus for `count` messages and the scratch
 * writer, or NULL (corpus left empty) when out of memory. */
static cf_w *gen_begin(cf_corpus *c, size_t count)
{
    cf_w *w = NULL;
    if (corpus_begin(c, count) != 0 || (w = malloc(sizeof *w)) == NULL) {
        cf_corpus_free(c);
        return NULL;
    }
    return w;
}

/* A generator's end: 0 with the corpus finished, or -1 with it emptied. */
static int gen_end(cf_corpus *c, cf_w *w, int rc)
{
    free(w);
    if (rc != 0) {
        cf_corpus_free(c);
        return -1;
    }
    corpus_finish(c);
    return 0;
}

void cf_corpus_free(cf_corpus *c)
{
    if (!c)
        return;
    free(c->data);
    free(c->offsets);
    free(c->lens);
    free(c->msgs);
    memset(c, 0, sizeof *c);
}

int cf_corpus_append(cf_corpus *dst, const cf_corpus *src, size_t index)
{
    size_t n = dst->count + 1;
    size_t *o = realloc(dst->offsets, n * sizeof *o);
    if (!o)
        return -1;
    dst->offsets = o;
    size_t *l = realloc(dst->lens, n * sizeof *l);
    if (!l)
        return -1;
    dst->lens = l;
    const void **m = realloc(dst->msgs, n * sizeof *m);
    if (!m)
        return -1;
    dst->msgs = m;
    size_t len = src->lens[index];
    if (corpus_reserve(dst, len) != 0)
        return -1;
    memcpy(dst->data + dst->size, src->data + src->offsets[index], len);
    dst->offsets[dst->count] = dst->size;
    dst->lens[dst->count] = len;
    dst->size += len;
    dst->payload_bytes += len - 5;
    dst->count++;
    corpus_finish(dst);
    return 0;
}

/* ---- value helpers ---- */

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(cf_rng *r, const char *const *list, size_t n)
{
    return list[rng_below(r, n)];
}

/* A price rounded to `decimals` places, as exchanges quote them. */
static double round_to(double v, int decimals)
{
    double scale = pow(10.0, decimals);
    return round(v * scale) / scale;
}

static char *fmt_uuid(cf_rng *r, char out[37])
{
    uint64_t a = rng_next(r), b = rng_next(r);
    /* version 4, variant 10 */
    a = (a & ~0xF000ULL) | 0x4000ULL;
    b = (b & ~(3ULL << 62)) | (2ULL << 62);
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xFFFF), (unsigned)(a & 0xFFFF),
             (unsigned)(b >> 48), (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
    return out;
}

static char *fmt_hex(cf_rng *r, char *out, size_t digits)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < digits; i++)
        out[i] = hex[rng_below(r, 16)];
    out[digits] = '\0';
    return out;
}

/* ---- trade ---- */

static const char *const k_exchanges[] = {"binance", "coinbase", "kraken",   "bitstamp",
                                          "okx",     "bybit",    "gemini",   "bitfinex"};
static const struct {
    const char *symbol;
    double price;
    int decimals;
} k_symbols[] = {
    {"BTC-USD", 67000.0, 2},   {"ETH-USD", 3500.0, 2},  {"SOL-USD", 150.0, 3},
    {"XRP-USD", 0.52, 5},      {"DOGE-USD", 0.12, 6},   {"ADA-USD", 0.45, 5},
    {"BTC-EUR", 62000.0, 2},   {"ETH-BTC", 0.052, 6},   {"SHIB-USDT", 0.000018, 8},
    {"AVAX-USDT", 35.0, 4},    {"LINK-USDT", 14.5, 4},  {"DOT-USDT", 7.1, 4},
};
static const char *const k_extra_keys[] = {"fee_currency", "venue", "match_type", "liquidity"};
static const char *const k_extra_vals[] = {"USDT", "spot", "taker", "maker", "USD", "margin"};

int cf_gen_trade(cf_corpus *c, size_t count, uint64_t seed)
{
    cf_w *w = gen_begin(c, count);
    if (!w)
        return -1;
    cf_rng r = {seed};
    double prices[COUNT_OF(k_symbols)];
    for (size_t i = 0; i < COUNT_OF(k_symbols); i++)
        prices[i] = k_symbols[i].price;
    int64_t trade_id = 3000000000LL;
    int64_t ts = 1717200000000LL; /* 2024-06-01 */
    uint64_t seq = 90000000000ULL;

    for (size_t i = 0; i < count; i++) {
        w->n = 0;
        size_t s = rng_below(&r, COUNT_OF(k_symbols));
        /* random walk of +-0.05% keeps prices plausible over a million trades */
        prices[s] *= 1.0 + (rng_unit(&r) - 0.5) * 0.001;
        int decimals = k_symbols[s].decimals + (int)rng_below(&r, 3);
        if (decimals > 8)
            decimals = 8;
        trade_id += 1 + (int64_t)rng_below(&r, 4);
        ts += (int64_t)rng_below(&r, 40);
        seq += 1 + rng_below(&r, 3);

        w_str(w, pick(&r, k_exchanges, COUNT_OF(k_exchanges)));
        w_str(w, k_symbols[s].symbol);
        w_long(w, trade_id);
        w_double(w, round_to(prices[s], decimals));
        /* quantities: mostly small, a few large; 4-8 decimals */
        double q = rng_unit(&r);
        q = q * q * q * 20.0 + 0.0001;
        w_double(w, round_to(q, 4 + (int)rng_below(&r, 5)));
        w_long(w, ts);
        w_long(w, (int64_t)rng_below(&r, 2)); /* side */
        w_bool(w, (int)rng_below(&r, 2));
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)seq);
        w_opt_str(w, rng_percent(&r, 50) ? buf : NULL);
        int n = rng_percent(&r, 30) ? 1 + (int)rng_below(&r, 3) : 0;
        w_block(w, n);
        for (int k = 0; k < n; k++) {
            w_str(w, k_extra_keys[k]);
            w_str(w, pick(&r, k_extra_vals, COUNT_OF(k_extra_vals)));
        }
        w_long(w, 0); /* end of map */
        if (corpus_push(c, CF_BENCH_TRADE_ID, w) != 0)
            return gen_end(c, w, -1);
    }
    return gen_end(c, w, 0);
}

/* ---- wide ---- */

static const char *const k_os[] = {"Android", "iOS", "Windows", "macOS", "Linux"};
static const char *const k_os_versions[] = {"14.0", "17.4.1", "10.0.19045", "14.4", "6.8.9",
                                            "13"};
static const char *const k_models[] = {"Pixel 8 Pro", "iPhone15,3", "SM-S918B", "MacBookPro18,1",
                                       "Desktop",     "iPad13,4",   "moto g(60)"};
static const char *const k_user_agents[] = {
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
};
static const char *const k_paths[] = {"/", "/products", "/products/shoes/running", "/cart",
                                      "/checkout/payment", "/search", "/account/settings",
                                      "/blog/2024/05/how-we-ship-faster"};
static const char *const k_titles[] = {"Home | Example Store", "Running Shoes - Example Store",
                                       "Your Cart (3 items)", "Checkout – Payment",
                                       "Search results for “trail shoes”",
                                       "Account settings", "How we ship faster — Example Blog"};
static const char *const k_referrers[] = {"https://www.google.com/", "https://duckduckgo.com/",
                                          "https://t.co/x7Yq2LmN3b",
                                          "https://news.ycombinator.com/item?id=40211234",
                                          "https://www.bing.com/search?q=running+shoes"};
static const char *const k_countries[] = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"};
static const char *const k_regions[] = {"California", "Bavaria", "Île-de-France", "England",
                                        "Tokyo", "São Paulo", "Karnataka", "Ontario"};
static const char *const k_cities[] = {"San Francisco", "München", "Paris", "London",
                                       "Shibuya", "São Paulo", "Bengaluru", "Toronto"};
static const char *const k_tags[] = {"sale", "new", "featured", "outdoor", "running",
                                     "clearance", "gift", "eco"};
/* array<string> of n tags */
static void w_tags(cf_w *w, cf_rng *r, int n)
{
    w_block(w, n);
    for (int t = 0; t < n; t++)
        w_str(w, pick(r, k_tags, COUNT_OF(k_tags)));
    w_long(w, 0);
}

static const char *const k_prop_keys[] = {"button_id", "ab_bucket", "color_scheme", "plan",
                                          "search_query"};
static const char *const k_prop_vals[] = {"btn-buy-now", "control", "dark", "pro",
                                          "trail running shoes", "variant-b"};
static const char *const k_metric_keys[] = {"ttfb_ms", "fcp_ms", "lcp_ms", "cls"};
static const char *const k_currencies[] = {"USD", "EUR", "GBP", "JPY"};
static const char *const k_sources[] = {"google", "newsletter", "facebook", "partner"};
static const char *const k_mediums[] = {"cpc", "email", "social", "referral"};
static const char *const k_campaigns[] = {"spring_sale_2024", "welcome_series", "retarget_q2"};
static const char *const k_sdks[] = {"example-js", "example-android", "example-ios"};
static const char *const k_locales[] = {"en-US", "de-DE", "fr-FR", "ja-JP", "pt-BR"};

int cf_gen_wide(cf_corpus *c, size_t count, uint64_t seed)
{
    cf_w *w = gen_begin(c, count);
    if (!w)
        return -1;
    cf_rng r = {seed};
    int64_t ts = 1717200000000LL;
    char buf[256];

    for (size_t i = 0; i < count; i++) {
        w->n = 0;
        ts += (int64_t)rng_below(&r, 20);
        int event_type = (int)rng_below(&r, 6);

        fmt_uuid(&r, buf);
        w_str(w, buf);                                  /* event_id */
        w_long(w, event_type);                          /* event_type */
        w_long(w, 3);                                   /* event_version */
        w_long(w, ts);                                  /* timestamp */
        w_long(w, ts * 1000 + (int64_t)rng_below(&r, 900000)); /* received_at */
        w_long(w, 1000 + (int64_t)rng_below(&r, 5000000));      /* user_id */
        fmt_hex(&r, buf, 32);
        w_str(w, buf);                                  /* session_id */
        w_opt_str(w, rng_percent(&r, 30) ? fmt_uuid(&r, buf) : NULL); /* anonymous_id */
        w_long(w, 1 + (int64_t)rng_below(&r, 200));     /* tenant_id */
        size_t os = rng_below(&r, COUNT_OF(k_os));
        int mobile = os < 2;
        w_str(w, k_os[os]);                             /* device */
        w_str(w, pick(&r, k_os_versions, COUNT_OF(k_os_versions)));
        w_str(w, pick(&r, k_models, COUNT_OF(k_models)));
        w_long(w, mobile ? 390 : 1920);
        w_long(w, mobile ? 844 : 1080);
        w_bool(w, mobile);
        if (rng_percent(&r, 80)) {                      /* geo */
            size_t g = rng_below(&r, COUNT_OF(k_countries));
            w_long(w, 1);
            w_str(w, k_countries[g]);
            w_str(w, k_regions[g]);
            w_str(w, k_cities[g]);
            w_double(w, round_to(rng_unit(&r) * 180.0 - 90.0, 4));
            w_double(w, round_to(rng_unit(&r) * 360.0 - 180.0, 4));
        } else {
            w_long(w, 0);
        }
        if (rng_percent(&r, 75)) {                      /* ip: v4 or v6 */
            uint8_t ip[4] = {(uint8_t)(rng_below(&r, 223) + 1), (uint8_t)rng_below(&r, 256),
                             (uint8_t)rng_below(&r, 256), (uint8_t)rng_below(&r, 256)};
            w_bytes(w, ip, 4);
        } else {
            uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8};
            for (int k = 4; k < 16; k++)
                ip[k] = (uint8_t)rng_below(&r, 256);
            w_bytes(w, ip, 16);
        }
        w_str(w, k_user_agents[os]);                    /* user_agent */
        /* referrer */
        w_opt_str(w, rng_percent(&r, 60) ? pick(&r, k_referrers, COUNT_OF(k_referrers)) : NULL);
        size_t page = rng_below(&r, COUNT_OF(k_paths));
        snprintf(buf, sizeof buf, "https://shop.example.com%s?utm_session=%llu", k_paths[page],
                 (unsigned long long)rng_below(&r, 1000000000ULL));
        w_str(w, buf);                                  /* url */
        w_str(w, k_titles[page % COUNT_OF(k_titles)]);  /* page_title */
        w_long(w, (int64_t)rng_below(&r, 120000));      /* duration_ms */
        w_float(w, (float)rng_below(&r, 101) / 100.0f); /* scroll_depth */
        int purchase = event_type == 2;
        if (purchase) {                                 /* revenue, currency */
            w_long(w, 1);
            w_double(w, round_to(rng_unit(&r) * 500.0 + 5.0, 2));
            w_opt_str(w, pick(&r, k_currencies, COUNT_OF(k_currencies)));
        } else {
            w_long(w, 0);
            w_long(w, 0);
        }
        int nitems = (int)rng_below(&r, 3);             /* items */
        w_block(w, nitems);
        for (int k = 0; k < nitems; k++) {
            snprintf(buf, sizeof buf, "SKU-%06u-%c", (unsigned)rng_below(&r, 1000000),
                     (char)('A' + rng_below(&r, 26)));
            w_str(w, buf);
            w_long(w, 1 + (int64_t)rng_below(&r, 5));
            w_double(w, round_to(rng_unit(&r) * 200.0 + 1.0, 2));
            w_tags(w, &r, (int)rng_below(&r, 3));
        }
        w_long(w, 0);
        w_tags(w, &r, (int)rng_below(&r, 5));          /* tags */
        int nprops = (int)rng_below(&r, 4);             /* properties */
        if (nprops) {
            /* Some writers emit negative block counts with a byte size; do
             * so for a tenth of the maps so the decoders take that path. */
            int negative = rng_percent(&r, 10);
            size_t mark = w->n;
            for (int k = 0; k < nprops; k++) {
                w_str(w, k_prop_keys[k]);
                w_str(w, pick(&r, k_prop_vals, COUNT_OF(k_prop_vals)));
            }
            size_t body = w->n - mark;
            uint8_t saved[512];
            memcpy(saved, w->buf + mark, body);
            w->n = mark;
            if (negative) {
                w_long(w, -nprops);
                w_long(w, (int64_t)body);
            } else {
                w_long(w, nprops);
            }
            w_raw(w, saved, body);
        }
        w_long(w, 0);
        int nmetrics = (int)rng_below(&r, 4);           /* metrics */
        w_block(w, nmetrics);
        for (int k = 0; k < nmetrics; k++) {
            w_str(w, k_metric_keys[k]);
            w_double(w, k == 3 ? round_to(rng_unit(&r) * 0.3, 3)
                               : round_to(rng_unit(&r) * 3000.0, 1));
        }
        w_long(w, 0);
        int nexp = (int)rng_below(&r, 6);               /* experiment_ids */
        w_block(w, nexp);
        for (int k = 0; k < nexp; k++)
            w_long(w, 100 + (int64_t)rng_below(&r, 20000));
        w_long(w, 0);
        w_long(w, (int64_t)(rng_next(&r) & 0xFFFFF));  /* flags */
        if (rng_percent(&r, 30)) {                      /* campaign */
            w_long(w, 1);
            w_str(w, pick(&r, k_sources, COUNT_OF(k_sources)));
            w_str(w, pick(&r, k_mediums, COUNT_OF(k_mediums)));
            w_str(w, pick(&r, k_campaigns, COUNT_OF(k_campaigns)));
            w_opt_str(w, rng_percent(&r, 50) ? "running shoes" : NULL);
        } else {
            w_long(w, 0);
        }
        snprintf(buf, sizeof buf, "%u.%u.%u", 3 + (unsigned)rng_below(&r, 3),
                 (unsigned)rng_below(&r, 20), (unsigned)rng_below(&r, 10));
        w_str(w, buf);                                  /* app_version */
        w_str(w, k_sdks[os % COUNT_OF(k_sdks)]);        /* sdk_name */
        w_str(w, "2.14.0");                             /* sdk_version */
        w_str(w, pick(&r, k_locales, COUNT_OF(k_locales)));
        w_long(w, ((int64_t)rng_below(&r, 27) - 12) * 60); /* timezone_offset_min */
        w_bool(w, rng_percent(&r, 3));                  /* is_bot */
        w_bool(w, rng_percent(&r, 90));                 /* consent */
        w_bool(w, rng_percent(&r, 40));
        w_bool(w, rng_percent(&r, 60));
        for (int k = 0; k < 2; k++) {                   /* payload_hash: fixed 16 */
            uint64_t h = rng_next(&r);
            w_raw(w, &h, 8);
        }
        /* raw_payload: an opaque compressed-looking blob */
        size_t blob = 16 + (size_t)rng_below(&r, 48);
        uint8_t bb[160];
        for (size_t k = 0; k < blob; k++)
            bb[k] = (uint8_t)rng_next(&r);
        w_bytes(w, bb, blob);
        w_long(w, 200 + (int64_t)rng_below(&r, 50000)); /* latency_us */
        w_long(w, rng_percent(&r, 5) ? 1 + (int64_t)rng_below(&r, 3) : 0); /* retry_count */
        if (rng_percent(&r, 5)) {                       /* error_code */
            w_long(w, 1);
            w_long(w, 400 + (int64_t)rng_below(&r, 200));
        } else {
            w_long(w, 0);
        }
        w_double(w, rng_unit(&r));                      /* score */
        w_opt_str(w, rng_percent(&r, 50) ? fmt_hex(&r, buf, 32) : NULL); /* trace_id */
        snprintf(buf, sizeof buf, "tenant-%u/user-%u", (unsigned)rng_below(&r, 200),
                 (unsigned)rng_below(&r, 5000000));
        w_str(w, buf);                                  /* partition_key */

        if (corpus_push(c, CF_BENCH_WIDE_ID, w) != 0)
            return gen_end(c, w, -1);
    }
    return gen_end(c, w, 0);
}
