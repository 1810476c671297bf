/* Logical types as JSON text: decimal, date, time of day, timestamps.
 *
 * Everything here takes the full range of its input type: Avro data is
 * untrusted, so a timestamp of INT64_MIN must print something sensible
 * rather than overflow. */
#include "json_write_internal.h"

#include "bytes_internal.h"
#include "compiler_internal.h"
#include "json_digits_internal.h"
#include "mul64_internal.h"

/* ---- decimal ------------------------------------------------------------ */

/* The magnitude is held as 64-bit limbs and divided by 10^19 again and
 * again; each remainder is 19 decimal digits. This is the schoolbook method,
 * so its cost grows with the square of the length (about n^2 / 126 limb
 * divisions for n bytes), but each division is two multiplications by a
 * precomputed reciprocal rather than a hardware divide, and four divisions
 * are fused per pass over the limbs so that the processor overlaps their
 * dependency chains. CF_JSON_DECIMAL_MAX_BYTES bounds the length where that
 * stays cheap per byte (see json_write_internal.h). */

#define LIMBS_MAX ((CF_JSON_DECIMAL_MAX_BYTES + 7) / 8)
#define CHUNK_DIGITS 19
#define CHUNK UINT64_C(10000000000000000000) /* 10^19: its top bit is set */
/* floor((2^128 - 1) / CHUNK) - 2^64, the reciprocal of Möller and Granlund,
 * "Improved division by invariant integers" (IEEE TC 60(2), 2011). */
#define CHUNK_RECIPROCAL UINT64_C(0xd83c94fb6d2ac34a)
#define FUSED 4 /* divisions per pass over the limbs */
/* Remainders kept: a pass runs only while the value is at least 2^64 (more
 * than 19 digits) and takes 19 * FUSED digits off, so a value of D digits
 * leaves fewer than (D - 19) / 19 + FUSED of them. n bytes hold less than
 * 2^(8n): D <= 8n log10(2) + 1 < n * 2409 / 1000 + 1. */
#define CHUNKS_MAX ((CF_JSON_DECIMAL_MAX_BYTES * 2409 / 1000 + 1) / CHUNK_DIGITS + FUSED)

/* (hi * 2^64 + lo) / CHUNK for hi < CHUNK: returns the quotient (< 2^64) and
 * sets *rem. The estimate from the reciprocal is off by at most one in
 * either direction; the two adjustments are the paper's (the second is
 * rare). */
static inline uint64_t div_chunk(uint64_t hi, uint64_t lo, uint64_t *rem)
{
    uint64_t q0;
    uint64_t q1 = cf_mul64(CHUNK_RECIPROCAL, hi, &q0);
    q0 += lo;
    q1 += hi + 1 + (q0 < lo); /* modulo 2^64, as the method intends */
    uint64_t r = lo - q1 * CHUNK;
    /* Needed about half the time on random data, so written for a
     * conditional move rather than a branch, which would mispredict. */
    bool over = r > q0;
    q1 -= over;
    r = over ? r + CHUNK : r;
    if (CF_UNLIKELY(r >= CHUNK)) {
        q1++;
        r -= CHUNK;
    }
    *rem = r;
    return q1;
}

/* Divide x[0..len) by 10^(19 * FUSED) in place, the FUSED remainders
 * (least significant first) into rem[]. The quotient of each division by
 * 10^19 comes out most significant limb first, just as the next division
 * consumes it, so the four run in one pass and their dependency chains
 * overlap. */
static void divide_pass(uint64_t *x, size_t len, uint64_t *rem)
{
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    for (size_t i = len; i-- > 0;) {
        uint64_t q = div_chunk(r0, x[i], &r0);
        q = div_chunk(r1, q, &r1);
        q = div_chunk(r2, q, &r2);
        x[i] = div_chunk(r3, q, &r3);
    }
    rem[0] = r0;
    rem[1] = r1;
    rem[2] = r2;
    rem[3] = r3;
}

/* The 8 digits of v < 10^8. */
static inline char *put8(char *d, uint32_t v)
{
    uint32_t hi = v / 10000, lo = v - hi * 10000;
    uint32_t hh = hi / 100, lh = lo / 100;
    d = cf_put2(d, hh);
    d = cf_put2(d, hi - hh * 100);
    d = cf_put2(d, lh);
    return cf_put2(d, lo - lh * 100);
}

/* The 19 digits of v < 10^19, leading zeros included. */
static inline char *put19(char *d, uint64_t v)
{
    uint64_t top = v / UINT64_C(10000000000000000); /* < 1000 */
    uint64_t low = v - top * UINT64_C(10000000000000000);
    uint32_t mid = (uint32_t)(low / 100000000);
    uint32_t t = (uint32_t)top, th = t / 100;
    *d++ = (char)('0' + th);
    d = cf_put2(d, t - th * 100);
    d = put8(d, mid);
    return put8(d, (uint32_t)(low - (uint64_t)mid * 100000000));
}

/* The magnitude of the two's-complement big-endian s[0..n), n >= 1, as
 * little-endian limbs x[0..(n + 7) / 8); returns the limb count with high
 * zero limbs dropped. */
static size_t load_magnitude(uint64_t *x, const uint8_t *s, size_t n, bool neg)
{
    size_t nl = (n + 7) / 8;
    size_t i = 0;
    for (; 8 * (i + 1) <= n; i++) { /* whole limbs from the least significant end */
        const uint8_t *p = s + n - 8 * (i + 1);
        x[i] = (uint64_t)cf_load_be32(p) << 32 | cf_load_be32(p + 4);
    }
    if (i < nl) { /* the top n % 8 bytes, sign-extended */
        uint64_t v = neg ? UINT64_MAX : 0;
        for (size_t j = 0; j < n % 8; j++) {
            v = v << 8 | s[j];
        }
        x[i] = v;
    }
    if (neg) { /* magnitude = ~x + 1 */
        uint64_t carry = 1;
        for (i = 0; i < nl; i++) {
            uint64_t v = ~x[i] + carry;
            carry = carry && v == 0;
            x[i] = v;
        }
    }
    while (nl > 0 && x[nl - 1] == 0) {
        nl--;
    }
    return nl;
}

int cf_json_decimal(cf_buf *b, const uint8_t *s, size_t n, int32_t scale, bool quoted)
{
    if (scale < 0) {
        return CFAVRO_E_ARGUMENT; /* the Avro spec requires scale >= 0 */
    }
    /* Leading 0x00 before a clear top bit, or 0xFF before a set one, only
     * extend the sign: drop them so the length bound measures real size. */
    while (n > 1 && ((s[0] == 0x00 && s[1] < 0x80) || (s[0] == 0xFF && s[1] >= 0x80))) {
        s++;
        n--;
    }
    if (n > CF_JSON_DECIMAL_MAX_BYTES) {
        return CF_JSON_DECIMAL_TOO_LONG; /* nothing written: the caller may render it otherwise */
    }
    bool neg = n > 0 && s[0] >= 0x80;

    uint64_t x[LIMBS_MAX];
    uint64_t chunks[CHUNKS_MAX]; /* base-10^19 digits, least significant first */
    size_t len = n > 0 ? load_magnitude(x, s, n, neg) : 0;
    size_t nc = 0;
    while (len > 1) {
        if (len == 2) {
            /* Under 2^128: one division leaves one limb, two only from
             * 2^64 * 10^19 (above 2^127, so 17 bytes or more), and the
             * fused pass would mostly divide zeros. The common 16-byte
             * decimal(38) takes only this path. */
            uint64_t r = 0;
            x[1] = div_chunk(r, x[1], &r);
            x[0] = div_chunk(r, x[0], &chunks[nc++]);
        } else {
            divide_pass(x, len, chunks + nc);
            nc += FUSED;
        }
        while (len > 0 && x[len - 1] == 0) {
            len--;
        }
    }
    /* What is left fits one limb: the leading digits, unless it is zero and
     * the leading digits are in the highest non-zero chunk. */
    uint64_t lead = len > 0 ? x[0] : 0;
    if (lead == 0) {
        while (nc > 0 && chunks[nc - 1] == 0) {
            nc--;
        }
        if (nc > 0) {
            lead = chunks[--nc];
        }
    }

    char top[CF_FMT_INT_MAX];
    size_t top_len = cf_fmt_u64(top, lead);
    size_t ndig = top_len + CHUNK_DIGITS * nc;
    size_t sc = (size_t)scale;
    size_t body = sc >= ndig && sc > 0 ? 2 + sc : ndig + (sc > 0);
    size_t total = body + (size_t)neg + (quoted ? 2 : 0);
    int rc = cf_buf_reserve(b, total);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    char *d = b->data + b->len;
    if (quoted) {
        *d++ = '"';
    }
    if (neg) {
        *d++ = '-';
    }
    if (sc >= ndig && sc > 0) {
        *d++ = '0';
        *d++ = '.';
        memset(d, '0', sc - ndig);
        d += sc - ndig;
    }
    char *digits = d;
    memcpy(d, top, top_len);
    d += top_len;
    for (size_t i = nc; i-- > 0;) {
        d = put19(d, chunks[i]);
    }
    if (sc > 0 && sc < ndig) {
        size_t ip = ndig - sc; /* digits before the point */
        memmove(digits + ip + 1, digits + ip, sc);
        digits[ip] = '.';
        d++;
    }
    if (quoted) {
        *d++ = '"';
    }
    b->len = (size_t)(d - b->data);
    return CFAVRO_OK;
}

/* ---- calendar ----------------------------------------------------------- */

/* Floor division and modulo for d > 0 that cannot overflow for any int64. */
static inline void floor_divmod(int64_t v, int64_t d, int64_t *q, int64_t *r)
{
    int64_t qq = v / d;
    int64_t rr = v % d;
    if (rr < 0) {
        rr += d;
        qq -= 1;
    }
    *q = qq;
    *r = rr;
}

/* Days in a 400-year Gregorian cycle: 400 * 365 + 97 leap days. */
#define DAYS_400Y 146097
#define DAYS_100Y 36524 /* a century not ending on a 400-year boundary */
#define DAYS_4Y 1461
/* From 0000-03-01 to 1970-01-01. Counting years from March puts the leap
 * day last in its year, so leap rules only decide the length of the final
 * year of each 4/100/400-year block. */
#define EPOCH_FROM_0000_03_01 719468

/* Days before each month of a year that starts in March. */
static const uint16_t k_march_cum[12] = {0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337};

static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t cycles, doc;
    floor_divmod(days, DAYS_400Y, &cycles, &doc);
    /* Shift to 0000-03-01 inside the cycle arithmetic so that nothing can
     * overflow: days + 719468 might, cycles + 5 cannot. */
    doc += EPOCH_FROM_0000_03_01 % DAYS_400Y;
    cycles += EPOCH_FROM_0000_03_01 / DAYS_400Y;
    if (doc >= DAYS_400Y) {
        doc -= DAYS_400Y;
        cycles += 1;
    }
    /* Within a cycle: three 36524-day centuries and a last one of 36525
     * (its final year is the 400th, a leap year), so cap at 3. Likewise
     * four-year blocks are 1461 days, and in each block the years are 365
     * days except the last (which holds Feb 29), so cap at 3. */
    int64_t cent = doc / DAYS_100Y;
    if (cent > 3) {
        cent = 3;
    }
    int64_t doce = doc - cent * DAYS_100Y;
    int64_t quad = doce / DAYS_4Y;
    int64_t doq = doce - quad * DAYS_4Y;
    int64_t yr = doq / 365;
    if (yr > 3) {
        yr = 3;
    }
    int64_t doy = doq - yr * 365; /* 0 = March 1st */
    unsigned mi = 11;
    while (k_march_cum[mi] > doy) {
        mi--;
    }
    *day = (unsigned)(doy - k_march_cum[mi]) + 1;
    *month = mi < 10 ? mi + 3 : mi - 9;
    /* Years counted from March: January and February belong to the next
     * calendar year. */
    *year = cycles * 400 + cent * 100 + quad * 4 + yr + (mi >= 10);
}

/* Days from 1970-01-01 of 0000-03-01 and of 9999-12-31: the range the fast
 * date path handles (four-digit years, unsigned arithmetic throughout). */
#define FAST_FIRST_DAY (-EPOCH_FROM_0000_03_01)
#define FAST_LAST_DAY 2932896

/* "YYYY-MM-DD" for FAST_FIRST_DAY <= days <= FAST_LAST_DAY, on 32-bit
 * unsigned values where every division is by a constant (a multiply).
 * Counted from 0000-03-01, centuries are 36524, 36524, 36524 and 36525
 * days (the leap day of a 400th year comes last), i.e. 146097 / 4 each
 * with the remainder at the end: so n = 4 * z + 3 over 146097 is the
 * century and the remainder over 4 the day in it, with no correction step.
 * The same trick splits a century into years (1461 / 4 days each: three of
 * 365, then one of 366). From March, month lengths repeat 31 30 31 30 31
 * every five months (153 days), which (5 * doy + 2) / 153 inverts exactly
 * over one March-to-February year. */
static inline char *put_date_fast(char *d, int64_t days)
{
    uint32_t n = 4 * (uint32_t)(days + EPOCH_FROM_0000_03_01) + 3; /* z: days since 0000-03-01 */
    uint32_t cent = n / DAYS_400Y;
    uint32_t nc = (n - cent * DAYS_400Y) | 3; /* 4 * day-of-century + 3 */
    uint32_t yoc = nc / DAYS_4Y;
    uint32_t doy = (nc - yoc * DAYS_4Y) / 4; /* 0 = March 1st */
    uint32_t mp = (5 * doy + 2) / 153;       /* 0 = March .. 11 = February */
    uint32_t day = doy - (153 * mp + 2) / 5 + 1;
    uint32_t month = mp < 10 ? mp + 3 : mp - 9;
    /* Years counted from March: January and February belong to the next
     * calendar year. */
    uint32_t year = cent * 100 + yoc + (mp >= 10);
    uint32_t yh = year / 100;
    d = cf_put2(d, yh);
    d = cf_put2(d, year - yh * 100);
    *d++ = '-';
    d = cf_put2(d, month);
    *d++ = '-';
    return cf_put2(d, day);
}

/* Writes "YYYY-MM-DD" (or the expanded signed form). */
static char *put_date(char *d, int64_t days)
{
    if (days >= FAST_FIRST_DAY && days <= FAST_LAST_DAY) {
        return put_date_fast(d, days);
    }
    int64_t y;
    unsigned m, dd;
    civil_from_days(days, &y, &m, &dd);
    uint64_t ay = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;
    if (y < 0) {
        *d++ = '-';
    } else if (y > 9999) {
        *d++ = '+';
    }
    if (ay < 1000) { /* pad to 4 digits */
        *d++ = '0';
        if (ay < 100) {
            *d++ = '0';
            if (ay < 10) {
                *d++ = '0';
            }
        }
    }
    d += cf_fmt_u64(d, ay);
    *d++ = '-';
    d = cf_put2(d, m);
    *d++ = '-';
    return cf_put2(d, dd);
}

size_t cf_fmt_date(char *dst, int64_t days)
{
    return (size_t)(put_date(dst, days) - dst);
}

/* "HH:MM:SS" for secs < 86400 (within one day), 32-bit arithmetic. */
static inline char *put_hms(char *d, uint32_t secs)
{
    uint32_t hours = secs / 3600;
    uint32_t rem = secs - hours * 3600;
    uint32_t mins = rem / 60;
    d = cf_put2(d, hours);
    *d++ = ':';
    d = cf_put2(d, mins);
    *d++ = ':';
    return cf_put2(d, rem - mins * 60);
}

/* Units per second. Inlined callers pass a constant unit, so this folds and
 * every division below is by a constant. */
static inline uint64_t units_per_sec(cf_time_unit unit)
{
    return unit == CF_UNIT_NANOS ? 1000000000u : unit == CF_UNIT_MICROS ? 1000000u : 1000u;
}

/* ".fff", ".ffffff" or ".fffffffff" for frac < units_per_sec(unit). */
static inline char *put_frac(char *d, uint32_t frac, cf_time_unit unit)
{
    *d++ = '.';
    if (unit == CF_UNIT_NANOS) {
        uint32_t h = frac / 100000000;
        *d++ = (char)('0' + h);
        return put8(d, frac - h * 100000000);
    }
    if (unit == CF_UNIT_MICROS) {
        uint32_t hi = frac / 10000;
        uint32_t lo = frac - hi * 10000;
        uint32_t mid = lo / 100;
        d = cf_put2(d, hi);
        d = cf_put2(d, mid);
        return cf_put2(d, lo - mid * 100);
    }
    uint32_t h = frac / 100;
    *d++ = (char)('0' + h);
    return cf_put2(d, frac - h * 100);
}

/* "HH:MM:SS.fff" / ".ffffff" for 0 <= v < one day of units, else nothing:
 * a value outside the day is not a time of day, and printing it as one
 * ("-00:00:00.001", "100:00:00.000") would invent a reading the data does
 * not have. Inlined per unit so that every division is by a constant. */
static inline size_t time_of_day(char *dst, int64_t v, cf_time_unit unit)
{
    uint64_t per_sec = units_per_sec(unit);
    if (v < 0 || (uint64_t)v >= 86400 * per_sec) {
        return 0;
    }
    uint64_t secs = (uint64_t)v / per_sec;
    char *d = put_hms(dst, (uint32_t)secs);
    d = put_frac(d, (uint32_t)((uint64_t)v - secs * per_sec), unit);
    return (size_t)(d - dst);
}

size_t cf_fmt_time_of_day(char *dst, int64_t v, cf_time_unit unit)
{
    return unit == CF_UNIT_MICROS ? time_of_day(dst, v, CF_UNIT_MICROS)
                                  : time_of_day(dst, v, CF_UNIT_MILLIS);
}

static inline size_t timestamp(char *dst, int64_t v, cf_time_unit unit, bool utc)
{
    uint64_t per_sec = units_per_sec(unit);
    int64_t days, r;
    floor_divmod(v, (int64_t)(86400 * per_sec), &days, &r); /* -1 ms is 1969-12-31, 23:59:59.999 */
    uint64_t rem = (uint64_t)r;
    char *d = put_date(dst, days);
    *d++ = 'T';
    /* Within a day: seconds < 86400, so the 32-bit form applies. */
    uint32_t secs = (uint32_t)(rem / per_sec);
    d = put_hms(d, secs);
    d = put_frac(d, (uint32_t)(rem - (uint64_t)secs * per_sec), unit);
    *d = 'Z';
    d += utc;
    return (size_t)(d - dst);
}

size_t cf_fmt_timestamp(char *dst, int64_t v, cf_time_unit unit, bool utc)
{
    switch (unit) {
    case CF_UNIT_NANOS: return timestamp(dst, v, CF_UNIT_NANOS, utc);
    case CF_UNIT_MICROS: return timestamp(dst, v, CF_UNIT_MICROS, utc);
    default: return timestamp(dst, v, CF_UNIT_MILLIS, utc);
    }
}
