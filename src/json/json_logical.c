/* Logical types as JSON text: decimal, date, time of day, timestamps.
 *
 * Everything here takes the full range of its input type: Avro data is
 * untrusted, so a timestamp of INT64_MIN must print something sensible
 * rather than overflow. */
#include "json_write_internal.h"

#include "alloc_internal.h"
#include "json_digits_internal.h"

/* ---- decimal ------------------------------------------------------------ */

/* Decimals longer than this (after dropping redundant sign bytes) are
 * refused: converting n bytes costs O(n^2), and 1 KiB is already a
 * 2467-digit number, far beyond any precision a real schema uses. */
#define CF_DECIMAL_MAX_BYTES 1024
/* Magnitudes up to this many 32-bit limbs are converted on the stack. */
#define CF_DECIMAL_STACK_LIMBS 16

#define CHUNK 1000000000u /* digits are produced 9 at a time */

/* Divide the little-endian limb array x[0..*len) by CHUNK in place,
 * trimming high zero limbs; returns the remainder. */
static uint32_t div_chunk(uint32_t *x, size_t *len)
{
    uint64_t rem = 0;
    for (size_t i = *len; i-- > 0;) {
        uint64_t cur = rem << 32 | x[i];
        x[i] = (uint32_t)(cur / CHUNK);
        rem = cur % CHUNK;
    }
    while (*len > 0 && x[*len - 1] == 0) {
        (*len)--;
    }
    return (uint32_t)rem;
}

static void put9(char *d, uint32_t v)
{
    for (int i = 8; i >= 0; i--) {
        d[i] = (char)('0' + v % 10);
        v /= 10;
    }
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
    if (n > CF_DECIMAL_MAX_BYTES) {
        return CF_JSON_DECIMAL_TOO_LONG; /* nothing written: the caller may render it otherwise */
    }
    bool neg = n > 0 && s[0] >= 0x80;

    /* Limbs of the two's-complement value, little-endian, sign-extended. */
    size_t nl = (n + 3) / 4;
    uint32_t stack_limbs[CF_DECIMAL_STACK_LIMBS];
    /* Chunks (base 10^9 digits) also go in scratch: a 32-bit limb holds
     * < 10^9.64, so nl limbs need at most nl + nl / 8 + 2 chunks. */
    size_t nc_max = nl + nl / 8 + 2;
    uint32_t stack_chunks[CF_DECIMAL_STACK_LIMBS + CF_DECIMAL_STACK_LIMBS / 8 + 2];
    uint32_t *limbs = stack_limbs;
    uint32_t *chunks = stack_chunks;
    uint32_t *heap = NULL;
    if (nl > CF_DECIMAL_STACK_LIMBS) {
        heap = cf_malloc((nl + nc_max) * sizeof *heap);
        if (heap == NULL) {
            return CFAVRO_E_NOMEM;
        }
        limbs = heap;
        chunks = heap + nl;
    }
    for (size_t i = 0; i < nl; i++) {
        uint32_t v = 0;
        for (size_t j = 4; j-- > 0;) {
            size_t bi = i * 4 + j; /* byte index from the least significant end */
            uint32_t byte = bi < n ? s[n - 1 - bi] : (neg ? 0xFFu : 0u);
            v = v << 8 | byte;
        }
        limbs[i] = v;
    }
    if (neg) { /* magnitude = ~x + 1 */
        uint32_t carry = 1;
        for (size_t i = 0; i < nl; i++) {
            uint32_t v = ~limbs[i] + carry;
            carry = carry && v == 0;
            limbs[i] = v;
        }
    }
    size_t len = nl;
    while (len > 0 && limbs[len - 1] == 0) {
        len--;
    }
    size_t nc = 0;
    do {
        chunks[nc++] = div_chunk(limbs, &len);
    } while (len > 0);

    /* Exact digit count: the top chunk's digits plus 9 per other chunk. */
    char top[10];
    size_t top_len = cf_fmt_u64(top, chunks[nc - 1]);
    size_t ndig = top_len + 9 * (nc - 1);
    size_t sc = (size_t)scale;
    size_t body = sc >= ndig && sc > 0 ? 2 + sc : ndig + (sc > 0);
    size_t total = body + (size_t)neg + (quoted ? 2 : 0);
    int rc = cf_buf_reserve(b, total);
    if (rc != CFAVRO_OK) {
        cf_free(heap);
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
    for (size_t i = nc - 1; i-- > 0;) {
        put9(d, chunks[i]);
        d += 9;
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
    cf_free(heap);
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

/* "HH:MM:SS" for secs < 360000 (two-digit hours), 32-bit arithmetic. */
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

/* ".fff" or ".ffffff" for frac < 10^3 or 10^6. */
static inline char *put_frac(char *d, uint32_t frac, cf_time_unit unit)
{
    *d++ = '.';
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

/* Writes "HH:MM:SS.fff" / ".ffffff" for a non-negative count of units
 * (hours at least 2 digits, more when beyond a day). Inlined per unit so
 * that every division is by a constant. */
static inline char *put_time(char *d, uint64_t v, cf_time_unit unit)
{
    uint64_t per_sec = unit == CF_UNIT_MICROS ? 1000000u : 1000u;
    uint64_t secs = v / per_sec;
    uint32_t frac = (uint32_t)(v - secs * per_sec);
    if (secs < 360000) { /* under 100 hours: everything fits 32 bits */
        d = put_hms(d, (uint32_t)secs);
        return put_frac(d, frac, unit);
    }
    uint64_t hours = secs / 3600;
    unsigned rem = (unsigned)(secs % 3600);
    d += cf_fmt_u64(d, hours);
    *d++ = ':';
    d = cf_put2(d, rem / 60);
    *d++ = ':';
    d = cf_put2(d, rem % 60);
    return put_frac(d, frac, unit);
}

static size_t time_of_day(char *dst, int64_t v, cf_time_unit unit)
{
    char *d = dst;
    uint64_t a = (uint64_t)v;
    if (v < 0) {
        *d++ = '-';
        a = 0 - a;
    }
    return (size_t)(put_time(d, a, unit) - dst);
}

size_t cf_fmt_time_of_day(char *dst, int64_t v, cf_time_unit unit)
{
    return unit == CF_UNIT_MICROS ? time_of_day(dst, v, CF_UNIT_MICROS)
                                  : time_of_day(dst, v, CF_UNIT_MILLIS);
}

static inline size_t timestamp(char *dst, int64_t v, cf_time_unit unit, bool utc)
{
    int64_t per_day = unit == CF_UNIT_MICROS ? INT64_C(86400000000) : INT64_C(86400000);
    int64_t days, r;
    floor_divmod(v, per_day, &days, &r); /* -1 ms is 1969-12-31, 23:59:59.999 */
    uint64_t rem = (uint64_t)r;
    char *d = put_date(dst, days);
    *d++ = 'T';
    /* Within a day: seconds < 86400, so the 32-bit form applies. */
    uint64_t per_sec = unit == CF_UNIT_MICROS ? 1000000u : 1000u;
    uint32_t secs = (uint32_t)(rem / per_sec);
    d = put_hms(d, secs);
    d = put_frac(d, (uint32_t)(rem - (uint64_t)secs * per_sec), unit);
    *d = 'Z';
    d += utc;
    return (size_t)(d - dst);
}

size_t cf_fmt_timestamp(char *dst, int64_t v, cf_time_unit unit, bool utc)
{
    return unit == CF_UNIT_MICROS ? timestamp(dst, v, CF_UNIT_MICROS, utc)
                                  : timestamp(dst, v, CF_UNIT_MILLIS, utc);
}
