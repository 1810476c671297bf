/* Input framings of `cfavro decode` (see input.h): raw, len32be, hex, base64
 * over a FILE or a memory buffer. */
#include "input.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* File readers' window. Big enough that refills are rare, small enough to be
 * irrelevant next to the message buffer. */
#define READ_WINDOW ((size_t)64 << 10)

struct cf_input {
    cf_input_format format;
    size_t max;
    bool done;           /* every later cf_input_next returns CF_INPUT_END */

    /* Source. For memory readers the window is simply the unread rest of the
     * buffer; for file readers it is the unread part of rbuf. */
    FILE *file;          /* NULL for memory readers */
    int fd;              /* file descriptor of `file`, or -1 to use fread */
    bool eof;            /* source exhausted (end of input or read error) */
    int read_errno;      /* errno of a failed read, 0 if none */
    const uint8_t *win;
    size_t win_len;
    uint8_t *rbuf;
    size_t rbuf_cap;
    uint64_t pos;        /* input offset of win[0] */
    void (*wait_fn)(void *);
    void *wait_arg;

    /* Current message, for the framings that cannot point into the source. */
    uint8_t *msg;
    size_t msg_len;
    size_t msg_cap;

    /* Line framings. */
    uint64_t line;       /* 1-based number of the line at win[0] */
    uint64_t line_start; /* input offset where that line starts */
};

static const char *const format_names[] = {"raw", "len32be", "hex", "base64"};

int cf_input_format_parse(const char *name, cf_input_format *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (cf_input_format)i;
            return 0;
        }
    }
    return -1;
}

const char *cf_input_format_name(cf_input_format format)
{
    return (unsigned)format < sizeof format_names / sizeof format_names[0]
               ? format_names[format]
               : "unknown";
}

static cf_input *input_new(cf_input_format format, size_t max_message)
{
    if ((unsigned)format > CF_INPUT_BASE64) {
        return NULL;
    }
    cf_input *in = calloc(1, sizeof *in);
    if (in == NULL) {
        return NULL;
    }
    in->format = format;
    in->max = max_message ? max_message : CF_INPUT_DEFAULT_MAX;
    in->fd = -1;
    in->line = 1;
    return in;
}

cf_input *cf_input_open_mem(const void *buf, size_t len, cf_input_format format,
                            size_t max_message)
{
    if (buf == NULL && len > 0) {
        return NULL;
    }
    cf_input *in = input_new(format, max_message);
    if (in != NULL) {
        in->win = buf;
        in->win_len = len;
        in->eof = true; /* nothing beyond the window */
    }
    return in;
}

cf_input *cf_input_open_file(FILE *f, cf_input_format format, size_t max_message)
{
    if (f == NULL) {
        return NULL;
    }
    cf_input *in = input_new(format, max_message);
    if (in == NULL) {
        return NULL;
    }
    in->rbuf = malloc(READ_WINDOW);
    if (in->rbuf == NULL) {
        free(in);
        return NULL;
    }
    in->rbuf_cap = READ_WINDOW;
    in->file = f;
    in->fd = fileno(f);
    return in;
}

int cf_input_set_read_size(cf_input *in, size_t size)
{
    if (in->file == NULL || size == 0) {
        return 0;
    }
    uint8_t *b = malloc(size);
    if (b == NULL) {
        return -1;
    }
    free(in->rbuf);
    in->rbuf = b;
    in->rbuf_cap = size;
    return 0;
}

void cf_input_set_wait_hook(cf_input *in, void (*fn)(void *), void *arg)
{
    in->wait_fn = fn;
    in->wait_arg = arg;
}

uint64_t cf_input_position(const cf_input *in)
{
    return in->pos;
}

size_t cf_input_capacity(const cf_input *in)
{
    return in->msg_cap;
}

void cf_input_free(cf_input *in)
{
    if (in == NULL) {
        return;
    }
    free(in->rbuf);
    free(in->msg);
    free(in);
}

/* ---- source ------------------------------------------------------------ */

/* Make sure the window holds at least one byte. False at end of input. */
static bool fill(cf_input *in)
{
    if (in->win_len > 0) {
        return true;
    }
    if (in->eof) {
        return false;
    }
    if (in->wait_fn != NULL) {
        in->wait_fn(in->wait_arg);
    }
    size_t n = 0;
    if (in->fd >= 0) {
        for (;;) {
            ssize_t r = read(in->fd, in->rbuf, in->rbuf_cap);
            if (r >= 0) {
                n = (size_t)r;
                break;
            }
            if (errno != EINTR) {
                in->read_errno = errno;
                break;
            }
        }
    } else {
        n = fread(in->rbuf, 1, in->rbuf_cap, in->file);
        if (n == 0 && ferror(in->file)) {
            in->read_errno = errno ? errno : EIO;
        }
    }
    if (n == 0) {
        in->eof = true;
        return false;
    }
    in->win = in->rbuf;
    in->win_len = n;
    return true;
}

static void advance(cf_input *in, size_t n)
{
    in->win += n;
    in->win_len -= n;
    in->pos += n;
}

/* Copy up to n bytes; fewer only at end of input. */
static size_t src_read(cf_input *in, uint8_t *dst, size_t n)
{
    size_t got = 0;
    while (got < n && fill(in)) {
        size_t take = in->win_len < n - got ? in->win_len : n - got;
        memcpy(dst + got, in->win, take);
        advance(in, take);
        got += take;
    }
    return got;
}

/* Discard up to n bytes without storing them; returns how many. */
static uint64_t src_skip(cf_input *in, uint64_t n)
{
    uint64_t done = 0;
    while (done < n && fill(in)) {
        size_t take = (uint64_t)in->win_len < n - done ? in->win_len : (size_t)(n - done);
        advance(in, take);
        done += take;
    }
    return done;
}

/* ---- errors and the message buffer -------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static cf_input_result fail(cf_input_error *err, uint64_t offset, uint64_t line,
                            const char *fmt, ...)
{
    if (err != NULL) {
        err->offset = offset;
        err->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return CF_INPUT_ERROR;
}

/* The stream ended because a read failed: say so (once) and stop. */
static cf_input_result fail_read(cf_input *in, cf_input_error *err)
{
    in->done = true;
    return fail(err, in->pos, in->format >= CF_INPUT_HEX ? in->line : 0, "read error: %s",
                strerror(in->read_errno));
}

/* Room for `need` message bytes. Grows geometrically but never past `limit`
 * (the declared record size or the maximum), so what is allocated follows
 * the bytes that actually arrived. */
static bool reserve(cf_input *in, size_t need, size_t limit)
{
    if (need <= in->msg_cap) {
        return true;
    }
    size_t cap = in->msg_cap ? in->msg_cap : 256;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    }
    if (cap > limit) {
        cap = limit;
    }
    uint8_t *m = realloc(in->msg, cap);
    if (m == NULL) {
        return false;
    }
    in->msg = m;
    in->msg_cap = cap;
    return true;
}

/* ---- raw ---------------------------------------------------------------- */

static cf_input_result next_raw(cf_input *in, const uint8_t **msg, size_t *len,
                                cf_input_error *err)
{
    in->done = true; /* one message, whatever happens */
    if (in->file == NULL) {
        if (in->win_len > in->max) {
            return fail(err, 0, 0,
                        "input is %zu bytes, over the maximum message size of %zu bytes",
                        in->win_len, in->max);
        }
        *msg = in->win;
        *len = in->win_len;
        advance(in, in->win_len);
        return CF_INPUT_OK;
    }
    in->msg_len = 0;
    while (fill(in)) {
        if (in->win_len > in->max - in->msg_len) {
            return fail(err, 0, 0, "input is over the maximum message size of %zu bytes",
                        in->max);
        }
        if (!reserve(in, in->msg_len + in->win_len, in->max)) {
            return fail(err, 0, 0, "out of memory reading a %zu-byte message",
                        in->msg_len + in->win_len);
        }
        memcpy(in->msg + in->msg_len, in->win, in->win_len);
        in->msg_len += in->win_len;
        advance(in, in->win_len);
    }
    if (in->read_errno != 0) {
        return fail_read(in, err);
    }
    *msg = in->msg_len ? in->msg : (const uint8_t *)"";
    *len = in->msg_len;
    return CF_INPUT_OK;
}

/* ---- len32be ------------------------------------------------------------ */

/* The length prefix of a null record (-1 as int32). */
#define CF_LEN32BE_NULL UINT32_C(0xFFFFFFFF)

static cf_input_result next_len32be(cf_input *in, const uint8_t **msg, size_t *len,
                                    cf_input_error *err)
{
    uint64_t start = in->pos;
    uint8_t hdr[4];
    size_t got = src_read(in, hdr, 4);
    if (got < 4 && in->read_errno != 0) {
        return fail_read(in, err);
    }
    if (got == 0) {
        in->done = true;
        return CF_INPUT_END;
    }
    if (got < 4) {
        in->done = true;
        return fail(err, start, 0,
                    "truncated length prefix: input ends %zu byte%s into the 4-byte prefix",
                    got, got == 1 ? "" : "s");
    }
    uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
                 (uint32_t)hdr[3];
    if (n == CF_LEN32BE_NULL) {
        /* A null value (tombstone): kcat's %R writes the length as -1 and
         * no bytes. Read as a length it would swallow 4 GiB of later
         * records, so it is checked before the size limit. */
        return CF_INPUT_NULL;
    }
    if (n > in->max) {
        /* The prefix still marks where the next record starts, so skip the
         * body unread and keep going; a stream that ends inside it just ends
         * (this error already covers that record). */
        uint64_t skipped = src_skip(in, n);
        if (skipped < n) {
            in->done = true;
        }
        return fail(err, start, 0,
                    "record length %lu is over the maximum message size of %zu bytes",
                    (unsigned long)n, in->max);
    }
    if (in->file == NULL) {
        if (in->win_len < n) {
            size_t left = in->win_len;
            advance(in, left);
            in->done = true;
            return fail(err, start, 0,
                        "truncated record: length prefix says %lu bytes but only %zu remain",
                        (unsigned long)n, left);
        }
        *msg = in->win;
        *len = n;
        advance(in, n);
        return CF_INPUT_OK;
    }
    in->msg_len = 0;
    while (in->msg_len < n && fill(in)) {
        size_t take = in->win_len < n - in->msg_len ? in->win_len : n - in->msg_len;
        if (!reserve(in, in->msg_len + take, n)) {
            in->done = true;
            return fail(err, start, 0, "out of memory reading a %lu-byte record",
                        (unsigned long)n);
        }
        memcpy(in->msg + in->msg_len, in->win, take);
        in->msg_len += take;
        advance(in, take);
    }
    if (in->msg_len < n) {
        if (in->read_errno != 0) {
            return fail_read(in, err);
        }
        in->done = true;
        return fail(err, start, 0,
                    "truncated record: length prefix says %lu bytes but only %zu remain",
                    (unsigned long)n, in->msg_len);
    }
    *msg = n ? in->msg : (const uint8_t *)"";
    *len = n;
    return CF_INPUT_OK;
}

/* ---- hex and base64 lines ----------------------------------------------- */

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Decoding state of the current line. */
typedef struct line_state {
    bool started;      /* a non-space character was seen */
    bool trailing;     /* whitespace was seen after the content */
    bool failed;       /* an error was recorded; skip to the end of the line */
    unsigned pending;  /* hex: digits held (0/1); base64: characters in the quad */
    unsigned pad;      /* base64: '=' seen in this quad */
    uint32_t acc;      /* bits held */
} line_state;

/* Printable rendering of a byte for messages. */
static void show_byte(uint8_t c, char out[8])
{
    if (c >= 0x20 && c < 0x7f && c != '\'') {
        snprintf(out, 8, "'%c'", (char)c);
    } else {
        snprintf(out, 8, "0x%02x", c);
    }
}

static bool put_byte(cf_input *in, uint8_t b)
{
    if (in->msg_len == in->msg_cap && !reserve(in, in->msg_len + 1, in->max)) {
        return false;
    }
    in->msg[in->msg_len++] = b;
    return true;
}

/* One content character of a line. Returns false (with err filled) when the
 * line is bad. */
static bool line_char(cf_input *in, line_state *st, uint8_t c, cf_input_error *err)
{
    uint64_t col = in->pos - in->line_start + 1;
    char shown[8];
    if (st->trailing) {
        fail(err, in->pos, in->line, "whitespace inside the line (before column %llu)",
             (unsigned long long)col);
        return false;
    }
    st->started = true;
    /* How many bytes this character completes, to check the limit first. */
    int v;
    if (in->format == CF_INPUT_HEX) {
        v = hex_value(c);
        if (v < 0) {
            show_byte(c, shown);
            fail(err, in->pos, in->line, "invalid hex character %s at column %llu", shown,
                 (unsigned long long)col);
            return false;
        }
        st->acc = st->acc << 4 | (uint32_t)v;
        if (++st->pending < 2) {
            return true;
        }
        st->pending = 0;
        if (in->msg_len >= in->max) {
            goto too_long;
        }
        if (!put_byte(in, (uint8_t)st->acc)) {
            goto no_memory;
        }
        st->acc = 0;
        return true;
    }
    if (st->pending == 4) {
        show_byte(c, shown);
        fail(err, in->pos, in->line, "base64 character %s after the '=' padding at column %llu",
             shown, (unsigned long long)col);
        return false;
    }
    if (c == '=') {
        if (st->pending < 2) {
            fail(err, in->pos, in->line, "misplaced base64 '=' padding at column %llu",
                 (unsigned long long)col);
            return false;
        }
        st->pad++;
        v = 0;
    } else {
        v = b64_value(c);
        if (v < 0 || st->pad > 0) {
            show_byte(c, shown);
            fail(err, in->pos, in->line,
                 v < 0 ? "invalid base64 character %s at column %llu"
                       : "base64 character %s after the '=' padding at column %llu",
                 shown, (unsigned long long)col);
            return false;
        }
    }
    st->acc = st->acc << 6 | (uint32_t)v;
    if (++st->pending < 4) {
        return true;
    }
    unsigned nbytes = 3 - st->pad;
    if (in->msg_len > in->max || nbytes > in->max - in->msg_len) {
        goto too_long;
    }
    for (unsigned i = 0; i < nbytes; i++) {
        if (!put_byte(in, (uint8_t)(st->acc >> (16 - 8 * i)))) {
            goto no_memory;
        }
    }
    st->acc = 0;
    /* A padded quad ends the data: keep pending at 4 so anything after it is
     * an error. */
    st->pending = st->pad ? 4 : 0;
    return true;

too_long:
    fail(err, in->pos, in->line, "line decodes to more than the maximum message size of %zu bytes",
         in->max);
    return false;
no_memory:
    fail(err, in->pos, in->line, "out of memory decoding a line");
    return false;
}

/* Decode a run of ordinary content (whole hex pairs or base64 quads without
 * padding) straight from the window: the common case, without the per-
 * character bookkeeping. Stops before anything unusual (whitespace, a bad
 * character, '=', the limit), which line_char then handles one at a time.
 * Returns the bytes consumed. */
static size_t fast_run(cf_input *in, line_state *st)
{
    if (st->trailing || st->pending != 0 || st->pad != 0) {
        return 0;
    }
    const uint8_t *p = in->win;
    size_t room = in->max - in->msg_len;
    size_t used = 0;
    if (in->format == CF_INPUT_HEX) {
        size_t pairs = in->win_len / 2 < room ? in->win_len / 2 : room;
        if (pairs == 0 || !reserve(in, in->msg_len + pairs, in->max)) {
            return 0;
        }
        uint8_t *out = in->msg + in->msg_len;
        size_t k = 0;
        for (; k < pairs; k++) {
            int hi = hex_value(p[2 * k]);
            int lo = hex_value(p[2 * k + 1]);
            if ((hi | lo) < 0) {
                break;
            }
            out[k] = (uint8_t)(hi << 4 | lo);
        }
        in->msg_len += k;
        used = 2 * k;
    } else {
        size_t quads = in->win_len / 4 < room / 3 ? in->win_len / 4 : room / 3;
        if (quads == 0 || !reserve(in, in->msg_len + 3 * quads, in->max)) {
            return 0;
        }
        uint8_t *out = in->msg + in->msg_len;
        size_t k = 0;
        for (; k < quads; k++) {
            int a = b64_value(p[4 * k]);
            int b = b64_value(p[4 * k + 1]);
            int c = b64_value(p[4 * k + 2]);
            int d = b64_value(p[4 * k + 3]);
            if ((a | b | c | d) < 0) {
                break;
            }
            uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
            out[3 * k] = (uint8_t)(v >> 16);
            out[3 * k + 1] = (uint8_t)(v >> 8);
            out[3 * k + 2] = (uint8_t)v;
        }
        in->msg_len += 3 * k;
        used = 4 * k;
    }
    if (used > 0) {
        st->started = true;
        advance(in, used);
    }
    return used;
}

/* The line is complete: is its content whole? */
static bool line_end(cf_input *in, const line_state *st, uint64_t end, cf_input_error *err)
{
    if (in->format == CF_INPUT_HEX && st->pending != 0) {
        fail(err, end, in->line, "odd number of hex digits (%zu bytes and one digit)",
             in->msg_len);
        return false;
    }
    if (in->format == CF_INPUT_BASE64 && st->pending != 0 && st->pending != 4) {
        fail(err, end, in->line,
             "base64 text ends inside a 4-character group (missing '=' padding?)");
        return false;
    }
    return true;
}

static cf_input_result next_line(cf_input *in, const uint8_t **msg, size_t *len,
                                 cf_input_error *err)
{
    line_state st = {0};
    in->msg_len = 0;
    for (;;) {
        if (!fill(in)) {
            if (in->read_errno != 0) {
                return fail_read(in, err);
            }
            in->done = true;
            if (st.failed) {
                return CF_INPUT_ERROR; /* err already filled */
            }
            if (!st.started) {
                return CF_INPUT_END;
            }
            if (!line_end(in, &st, in->pos, err)) {
                return CF_INPUT_ERROR;
            }
            break; /* a last line without '\n' */
        }
        uint8_t c = in->win[0];
        if (c == '\n') {
            uint64_t end = in->pos;
            advance(in, 1);
            bool failed = st.failed;
            bool ok = !failed && st.started && line_end(in, &st, end, err);
            in->line++;
            in->line_start = in->pos;
            if (failed || (st.started && !ok)) {
                return CF_INPUT_ERROR;
            }
            if (ok) {
                break;
            }
            continue; /* blank line */
        }
        if (st.failed) {
            /* Skip the rest of the bad line quickly. */
            const uint8_t *nl = memchr(in->win, '\n', in->win_len);
            advance(in, nl ? (size_t)(nl - in->win) : in->win_len);
            continue;
        }
        if (fast_run(in, &st) > 0) {
            continue;
        }
        if (is_space(c)) {
            st.trailing = st.started;
        } else if (!line_char(in, &st, c, err)) {
            st.failed = true;
        }
        advance(in, 1);
    }
    *msg = in->msg_len ? in->msg : (const uint8_t *)"";
    *len = in->msg_len;
    return CF_INPUT_OK;
}

cf_input_result cf_input_next(cf_input *in, const uint8_t **msg, size_t *len,
                              cf_input_error *err)
{
    *msg = NULL;
    *len = 0;
    if (in->done) {
        return CF_INPUT_END;
    }
    cf_input_result r;
    switch (in->format) {
    case CF_INPUT_RAW:
        r = next_raw(in, msg, len, err);
        break;
    case CF_INPUT_LEN32BE:
        r = next_len32be(in, msg, len, err);
        break;
    default:
        r = next_line(in, msg, len, err);
        break;
    }
    if (r != CF_INPUT_OK) {
        *msg = NULL;
        *len = 0;
    }
    return r;
}
