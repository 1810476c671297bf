/* Unit tests of the CLI input framings (tools/input.c): every format and
 * every error, each run on a memory buffer and on FILEs read through
 * windows of several sizes (so records and lines straddle reads), and through
 * fmemopen (the fread path). All sources must give identical results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "input.h"

/* One result of cf_input_next. */
typedef struct event {
    cf_input_result kind;
    size_t len;
    uint8_t data[64];
    uint64_t offset; /* errors */
    uint64_t line;
    char message[200];
} event;

#define MAX_EVENTS 16

enum source {
    SRC_MEM,
    SRC_FILE,     /* tmpfile, default window, read(2) */
    SRC_FILE_1,   /* one byte per read */
    SRC_FILE_3,   /* three bytes per read */
    SRC_FMEMOPEN, /* no descriptor: fread */
    SRC_COUNT
};

static const char *const source_names[] = {"memory", "file", "file/1", "file/3", "fmemopen"};

/* Read everything (up to MAX_EVENTS, END included) from one source. */
static size_t collect(enum source src, cf_input_format fmt, const void *buf, size_t len,
                      size_t max, event *ev)
{
    FILE *f = NULL;
    cf_input *in;
    if (src == SRC_MEM) {
        in = cf_input_open_mem(buf, len, fmt, max);
    } else if (src == SRC_FMEMOPEN) {
        f = fmemopen((void *)buf, len, "r");
        assert_non_null(f);
        in = cf_input_open_file(f, fmt, max);
    } else {
        f = tmpfile();
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, len, f), len);
        assert_int_equal(fflush(f), 0);
        rewind(f);
        in = cf_input_open_file(f, fmt, max);
        assert_non_null(in);
        if (src == SRC_FILE_1) {
            assert_int_equal(cf_input_set_read_size(in, 1), 0);
        } else if (src == SRC_FILE_3) {
            assert_int_equal(cf_input_set_read_size(in, 3), 0);
        }
    }
    assert_non_null(in);
    size_t n = 0;
    for (;;) {
        assert_true(n < MAX_EVENTS);
        event *e = &ev[n++];
        memset(e, 0, sizeof *e);
        const uint8_t *msg = (const uint8_t *)"junk";
        size_t mlen = 99;
        cf_input_error err;
        memset(&err, 0, sizeof err);
        e->kind = cf_input_next(in, &msg, &mlen, &err);
        if (e->kind == CF_INPUT_OK) {
            assert_non_null(msg);
            assert_true(mlen <= sizeof e->data);
            e->len = mlen;
            memcpy(e->data, msg, mlen);
        } else {
            assert_null(msg);
            assert_int_equal(mlen, 0);
        }
        if (e->kind == CF_INPUT_NULL) {
            /* Not an error: err is left as it was. */
            assert_int_equal(err.offset, 0);
            assert_string_equal(err.message, "");
        }
        if (e->kind == CF_INPUT_ERROR) {
            e->offset = err.offset;
            e->line = err.line;
            snprintf(e->message, sizeof e->message, "%s", err.message);
            assert_true(strlen(e->message) > 0);
        }
        if (e->kind == CF_INPUT_END) {
            break;
        }
    }
    /* END is sticky. */
    const uint8_t *msg;
    size_t mlen;
    assert_int_equal(cf_input_next(in, &msg, &mlen, NULL), CF_INPUT_END);
    cf_input_free(in);
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

/* Expected results, written compactly: OK(bytes), ERR(offset, line, text
 * the message must contain), NUL (a null record), END. */
typedef struct expect {
    cf_input_result kind;
    const char *data; /* OK: message bytes */
    size_t len;
    uint64_t offset;  /* ERR */
    uint64_t line;
    const char *contains;
} expect;

#define OK(s) {CF_INPUT_OK, s, sizeof(s) - 1, 0, 0, NULL}
#define ERR(off, ln, text) {CF_INPUT_ERROR, NULL, 0, off, ln, text}
#define END {CF_INPUT_END, NULL, 0, 0, 0, NULL}
#define NUL {CF_INPUT_NULL, NULL, 0, 0, 0, NULL}

static void check_source(enum source src, cf_input_format fmt, const void *buf, size_t len,
                         size_t max, const expect *want, size_t nwant)
{
    event ev[MAX_EVENTS];
    size_t n = collect(src, fmt, buf, len, max, ev);
    if (n != nwant) {
        fail_msg("%s/%s: %zu results, expected %zu", source_names[src],
                 cf_input_format_name(fmt), n, nwant);
    }
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != want[i].kind) {
            fail_msg("%s/%s result %zu: kind %d, expected %d (%s)", source_names[src],
                     cf_input_format_name(fmt), i, ev[i].kind, want[i].kind, ev[i].message);
        }
        if (want[i].kind == CF_INPUT_OK) {
            assert_int_equal(ev[i].len, want[i].len);
            assert_memory_equal(ev[i].data, want[i].data, want[i].len);
        } else if (want[i].kind == CF_INPUT_ERROR) {
            if (ev[i].offset != want[i].offset || ev[i].line != want[i].line ||
                strstr(ev[i].message, want[i].contains) == NULL) {
                fail_msg("%s/%s result %zu: offset %llu line %llu \"%s\", expected offset "
                         "%llu line %llu containing \"%s\"",
                         source_names[src], cf_input_format_name(fmt), i,
                         (unsigned long long)ev[i].offset, (unsigned long long)ev[i].line,
                         ev[i].message, (unsigned long long)want[i].offset,
                         (unsigned long long)want[i].line, want[i].contains);
            }
        }
    }
}

static void check(cf_input_format fmt, const void *buf, size_t len, size_t max,
                  const expect *want, size_t nwant)
{
    for (int s = 0; s < SRC_COUNT; s++) {
        check_source((enum source)s, fmt, buf, len, max, want, nwant);
    }
}

#define CHECK(fmt, str, max, ...)                                                    \
    do {                                                                             \
        static const expect want_[] = {__VA_ARGS__};                                 \
        check(fmt, str, sizeof(str) - 1, max, want_, sizeof want_ / sizeof want_[0]); \
    } while (0)

/* ---- formats ------------------------------------------------------------ */

static void test_format_names(void **state)
{
    (void)state;
    static const char *const names[] = {"raw", "len32be", "hex", "base64"};
    for (int i = 0; i < 4; i++) {
        cf_input_format f = CF_INPUT_RAW;
        assert_int_equal(cf_input_format_parse(names[i], &f), 0);
        assert_int_equal(f, i);
        assert_string_equal(cf_input_format_name(f), names[i]);
    }
    cf_input_format f = CF_INPUT_HEX;
    assert_int_equal(cf_input_format_parse("len32", &f), -1);
    assert_int_equal(cf_input_format_parse("", &f), -1);
    assert_int_equal(cf_input_format_parse("RAW", &f), -1);
    assert_int_equal(f, CF_INPUT_HEX);
    assert_string_equal(cf_input_format_name((cf_input_format)9), "unknown");
}

static void test_open_arguments(void **state)
{
    (void)state;
    assert_null(cf_input_open_mem(NULL, 3, CF_INPUT_RAW, 0));
    assert_null(cf_input_open_mem("abc", 3, (cf_input_format)7, 0));
    assert_null(cf_input_open_file(NULL, CF_INPUT_RAW, 0));
    assert_null(cf_input_open_file(stdin, (cf_input_format)4, 0));
    cf_input_free(NULL);
    /* NULL with length 0 is an empty buffer. */
    cf_input *in = cf_input_open_mem(NULL, 0, CF_INPUT_LEN32BE, 0);
    assert_non_null(in);
    const uint8_t *m;
    size_t len;
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_END);
    cf_input_free(in);
}

/* ---- raw ---------------------------------------------------------------- */

static void test_raw(void **state)
{
    (void)state;
    CHECK(CF_INPUT_RAW, "\x00\x00\x00\x00\x01\x02\n", 0, OK("\x00\x00\x00\x00\x01\x02\n"),
          END);
    /* Exactly the maximum is fine. */
    CHECK(CF_INPUT_RAW, "0123456789", 10, OK("0123456789"), END);
}

static void test_raw_empty_is_one_empty_message(void **state)
{
    (void)state;
    CHECK(CF_INPUT_RAW, "", 0, OK(""), END);
}

static void test_raw_over_max(void **state)
{
    (void)state;
    CHECK(CF_INPUT_RAW, "0123456789", 9, ERR(0, 0, "over the maximum message size of 9"),
          END);
}

/* ---- len32be ------------------------------------------------------------ */

static void test_len32be_records(void **state)
{
    (void)state;
    CHECK(CF_INPUT_LEN32BE,
          "\x00\x00\x00\x06\x00\x00\x00\x00\x01\x02"
          "\x00\x00\x00\x00"
          "\x00\x00\x00\x05\x00\x00\x00\x00\x07",
          0, OK("\x00\x00\x00\x00\x01\x02"), OK(""), OK("\x00\x00\x00\x00\x07"), END);
}

static void test_len32be_empty(void **state)
{
    (void)state;
    CHECK(CF_INPUT_LEN32BE, "", 0, END);
}

static void test_len32be_truncated_prefix(void **state)
{
    (void)state;
    CHECK(CF_INPUT_LEN32BE, "\x00\x00\x00\x01Z\x00", 0, OK("Z"),
          ERR(5, 0, "truncated length prefix: input ends 1 byte into"), END);
    CHECK(CF_INPUT_LEN32BE, "\x00\x00\x00\x01Z\x00\x00\x00", 0, OK("Z"),
          ERR(5, 0, "ends 3 bytes into the 4-byte prefix"), END);
}

static void test_len32be_length_beyond_input(void **state)
{
    (void)state;
    CHECK(CF_INPUT_LEN32BE, "\x00\x00\x00\x02ZZ\x00\x00\x00\x09" "abc", 0, OK("ZZ"),
          ERR(6, 0, "length prefix says 9 bytes but only 3 remain"), END);
    CHECK(CF_INPUT_LEN32BE, "\x00\x00\x00\x01", 0,
          ERR(0, 0, "length prefix says 1 bytes but only 0 remain"), END);
}

static void test_len32be_over_max_is_skipped(void **state)
{
    (void)state;
    /* The oversized record's body is skipped and the stream goes on. */
    CHECK(CF_INPUT_LEN32BE,
          "\x00\x00\x00\x0a" "0123456789"
          "\x00\x00\x00\x02" "ok",
          8, ERR(0, 0, "record length 10 is over the maximum message size of 8 bytes"),
          OK("ok"), END);
    /* Exactly the maximum is accepted. */
    CHECK(CF_INPUT_LEN32BE, "\x00\x00\x00\x03" "abc", 3, OK("abc"), END);
    /* A length claiming 4 GiB with 3 bytes behind it: one error, then end.
     * (0xFFFFFFFE: the largest length; 0xFFFFFFFF is a null record.) */
    CHECK(CF_INPUT_LEN32BE, "\xff\xff\xff\xfe" "abc", 0,
          ERR(0, 0, "record length 4294967294 is over the maximum"), END);
}

/* Length 0xFFFFFFFF is a null value (kcat's %R for a Kafka tombstone): no
 * bytes follow and the records after it read normally. */
static void test_len32be_null_records(void **state)
{
    (void)state;
    /* In the middle and at the end, each followed by good records. */
    CHECK(CF_INPUT_LEN32BE,
          "\x00\x00\x00\x02" "ok"
          "\xff\xff\xff\xff"
          "\x00\x00\x00\x01" "!"
          "\xff\xff\xff\xff",
          0, OK("ok"), NUL, OK("!"), NUL, END);
    /* First, twice in a row, then an empty record and a good one. */
    CHECK(CF_INPUT_LEN32BE,
          "\xff\xff\xff\xff\xff\xff\xff\xff"
          "\x00\x00\x00\x00"
          "\x00\x00\x00\x03" "abc",
          0, NUL, NUL, OK(""), OK("abc"), END);
    /* Not subject to the maximum (it has no bytes). */
    CHECK(CF_INPUT_LEN32BE, "\xff\xff\xff\xff" "\x00\x00\x00\x01" "x", 1, NUL, OK("x"),
          END);
    /* Only the whole prefix counts: a stream cut inside it is truncated. */
    CHECK(CF_INPUT_LEN32BE, "\xff\xff\xff\xff" "\xff\xff\xff", 0, NUL,
          ERR(4, 0, "truncated length prefix: input ends 3 bytes into"), END);
    /* After a null record the next one starts right behind its 4 bytes. */
    CHECK(CF_INPUT_LEN32BE, "\xff\xff\xff\xff" "\x00\x00\x00\x09" "ab", 0, NUL,
          ERR(4, 0, "length prefix says 9 bytes but only 2 remain"), END);
    /* Other formats have no null records: raw is one message. */
    CHECK(CF_INPUT_RAW, "\xff\xff\xff\xff", 0, OK("\xff\xff\xff\xff"), END);
}

/* A null record consumes exactly its 4 bytes, on both kinds of reader. */
static void test_len32be_null_position(void **state)
{
    (void)state;
    static const uint8_t buf[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'z'};
    FILE *f = fmemopen((void *)buf, sizeof buf, "r");
    assert_non_null(f);
    cf_input *ins[2] = {cf_input_open_mem(buf, sizeof buf, CF_INPUT_LEN32BE, 0),
                        cf_input_open_file(f, CF_INPUT_LEN32BE, 0)};
    for (int i = 0; i < 2; i++) {
        cf_input *in = ins[i];
        assert_non_null(in);
        const uint8_t *m = buf;
        size_t len = 7;
        assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_NULL);
        assert_null(m);
        assert_int_equal(len, 0);
        assert_int_equal(cf_input_position(in), 4);
        assert_int_equal(cf_input_capacity(in), 0);
        assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
        assert_int_equal(len, 1);
        assert_int_equal(m[0], 'z');
        assert_int_equal(cf_input_position(in), sizeof buf);
        assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_END);
        cf_input_free(in);
    }
    fclose(f);
}

/* A length prefix alone never buys memory: a 1 MiB claim followed by 100
 * bytes allocates for what arrived, not for what was claimed. */
static void test_len32be_allocation_follows_input(void **state)
{
    (void)state;
    uint8_t buf[104];
    memset(buf, 'x', sizeof buf);
    buf[0] = 0x00;
    buf[1] = 0x10;
    buf[2] = 0x00;
    buf[3] = 0x00;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, sizeof buf, f), sizeof buf);
    rewind(f);
    cf_input *in = cf_input_open_file(f, CF_INPUT_LEN32BE, 0);
    assert_non_null(in);
    const uint8_t *m;
    size_t len;
    cf_input_error err;
    assert_int_equal(cf_input_next(in, &m, &len, &err), CF_INPUT_ERROR);
    assert_non_null(strstr(err.message, "says 1048576 bytes but only 100 remain"));
    assert_true(cf_input_capacity(in) >= 100);
    assert_true(cf_input_capacity(in) <= 256);
    assert_int_equal(cf_input_position(in), sizeof buf);
    cf_input_free(in);
    fclose(f);
}

/* Memory readers hand out views of the caller's buffer: no copy at all. */
static void test_mem_is_zero_copy(void **state)
{
    (void)state;
    static const uint8_t buf[] = {0, 0, 0, 2, 'h', 'i', 0, 0, 0, 1, '!'};
    cf_input *in = cf_input_open_mem(buf, sizeof buf, CF_INPUT_LEN32BE, 0);
    assert_non_null(in);
    const uint8_t *m;
    size_t len;
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
    assert_ptr_equal(m, buf + 4);
    assert_int_equal(len, 2);
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
    assert_ptr_equal(m, buf + 10);
    assert_int_equal(cf_input_position(in), sizeof buf);
    assert_int_equal(cf_input_capacity(in), 0);
    cf_input_free(in);

    in = cf_input_open_mem(buf, sizeof buf, CF_INPUT_RAW, 0);
    assert_non_null(in);
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
    assert_ptr_equal(m, buf);
    assert_int_equal(len, sizeof buf);
    cf_input_free(in);
}

/* ---- hex ---------------------------------------------------------------- */

static void test_hex_lines(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "0001ff\nAbCd\n", 0, OK("\x00\x01\xff"), OK("\xab\xcd"), END);
    /* The last line needs no newline. */
    CHECK(CF_INPUT_HEX, "00\n7f", 0, OK("\x00"), OK("\x7f"), END);
}

static void test_hex_blank_lines_whitespace_crlf(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "\r\n  0001  \r\n\r\n\t \n00ff\r\n\n", 0, OK("\x00\x01"),
          OK("\x00\xff"), END);
}

static void test_hex_empty_and_blank_only(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "", 0, END);
    CHECK(CF_INPUT_HEX, "\n\r\n  \n", 0, END);
}

static void test_hex_odd_digits(void **state)
{
    (void)state;
    /* Reported at the end of the line; the next line still decodes. */
    CHECK(CF_INPUT_HEX, "000\n0102\n", 0, ERR(3, 1, "odd number of hex digits"),
          OK("\x01\x02"), END);
    CHECK(CF_INPUT_HEX, "01\n0\r\n", 0, OK("\x01"), ERR(5, 2, "odd number"), END);
    CHECK(CF_INPUT_HEX, "01\nabc", 0, OK("\x01"), ERR(6, 2, "odd number"), END);
}

static void test_hex_invalid_char(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "00zz\n01\n", 0, ERR(2, 1, "invalid hex character 'z' at column 3"),
          OK("\x01"), END);
    CHECK(CF_INPUT_HEX, "\r\n\r\n0x10\r\n", 0,
          ERR(5, 3, "invalid hex character 'x' at column 2"), END);
    CHECK(CF_INPUT_HEX, "00\x01" "1\n", 0, ERR(2, 1, "invalid hex character 0x01"), END);
    /* A bad last line without a newline. */
    CHECK(CF_INPUT_HEX, "01\nzz", 0, OK("\x01"), ERR(3, 2, "'z'"), END);
}

static void test_hex_inner_whitespace(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "00 01\n02\n", 0, ERR(3, 1, "whitespace inside the line"), OK("\x02"),
          END);
}

static void test_hex_over_max(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "000102\n0001\n", 2,
          ERR(5, 1, "more than the maximum message size of 2 bytes"), OK("\x00\x01"), END);
}

/* ---- base64 ------------------------------------------------------------- */

static void test_base64_lines(void **state)
{
    (void)state;
    CHECK(CF_INPUT_BASE64, "AAECAw==\nAAEC\nAAECAwQ=\n/+8=\n", 0, OK("\x00\x01\x02\x03"),
          OK("\x00\x01\x02"), OK("\x00\x01\x02\x03\x04"), OK("\xff\xef"), END);
}

static void test_base64_blank_lines_crlf(void **state)
{
    (void)state;
    CHECK(CF_INPUT_BASE64, "\r\n  aGk=\t\r\n\r\n\nb2s=", 0, OK("hi"), OK("ok"), END);
    CHECK(CF_INPUT_BASE64, "", 0, END);
    CHECK(CF_INPUT_BASE64, " \r\n", 0, END);
}

static void test_base64_invalid_char(void **state)
{
    (void)state;
    CHECK(CF_INPUT_BASE64, "AA*C\naGk=\n", 0, ERR(2, 1, "invalid base64 character '*' at column 3"),
          OK("hi"), END);
    /* The URL-safe alphabet is not accepted. */
    CHECK(CF_INPUT_BASE64, "aG-_\n", 0, ERR(2, 1, "'-'"), END);
    CHECK(CF_INPUT_BASE64, "aG k=\n", 0, ERR(3, 1, "whitespace inside the line"), END);
}

static void test_base64_bad_padding(void **state)
{
    (void)state;
    CHECK(CF_INPUT_BASE64, "A===\n", 0, ERR(1, 1, "misplaced base64 '=' padding at column 2"),
          END);
    CHECK(CF_INPUT_BASE64, "====\n", 0, ERR(0, 1, "misplaced"), END);
    CHECK(CF_INPUT_BASE64, "AA=A\n", 0, ERR(3, 1, "after the '=' padding at column 4"), END);
    CHECK(CF_INPUT_BASE64, "aGk=b2s=\n", 0, ERR(4, 1, "'b' after the '=' padding"), END);
    CHECK(CF_INPUT_BASE64, "aGk==\n", 0, ERR(4, 1, "'=' after the '=' padding"), END);
    CHECK(CF_INPUT_BASE64, "aGk\nb2s=\n", 0,
          ERR(3, 1, "ends inside a 4-character group (missing '=' padding?)"), OK("ok"), END);
    CHECK(CF_INPUT_BASE64, "aG=", 0, ERR(3, 1, "ends inside a 4-character group"), END);
}

static void test_base64_over_max(void **state)
{
    (void)state;
    CHECK(CF_INPUT_BASE64, "AAECAw==\nAAEC\n", 3,
          ERR(7, 1, "more than the maximum message size of 3 bytes"), OK("\x00\x01\x02"), END);
    CHECK(CF_INPUT_BASE64, "AAECAw==\n", 4, OK("\x00\x01\x02\x03"), END);
}

/* Long lines go through the bulk decoder; a problem anywhere in them must be
 * found exactly where the character-at-a-time path finds it (the file/1
 * source runs that path only, and check() compares every source). */
static void test_long_lines(void **state)
{
    (void)state;
    CHECK(CF_INPUT_HEX, "000102030405060708090a0b0c0d0e0f\n", 0,
          OK("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"), END);
    /* Bad character first and second in a pair. */
    CHECK(CF_INPUT_HEX, "000102030405060708g90a0b\n00\n", 0,
          ERR(18, 1, "invalid hex character 'g' at column 19"), OK("\x00"), END);
    CHECK(CF_INPUT_HEX, "0001020304050607080g0a0b\n", 0, ERR(19, 1, "'g' at column 20"),
          END);
    CHECK(CF_INPUT_HEX, "0001020304050607080a0b0c\n", 7,
          ERR(15, 1, "more than the maximum message size of 7 bytes"), END);
    CHECK(CF_INPUT_BASE64, "AAECAwQFBgcICQoLDA0ODw==\n", 0,
          OK("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"), END);
    CHECK(CF_INPUT_BASE64, "AAECAwQFBgc=CQoLDA0ODw==\n", 0,
          ERR(12, 1, "'C' after the '=' padding at column 13"), END);
    CHECK(CF_INPUT_BASE64, "AAECAwQFBgcICQoLD.0ODw==\n", 0,
          ERR(17, 1, "invalid base64 character '.' at column 18"), END);
    CHECK(CF_INPUT_BASE64, "AAECAwQFBgcICQoLDA0ODw==\n", 8,
          ERR(11, 1, "more than the maximum message size of 8 bytes"), END);
}

/* ---- read errors -------------------------------------------------------- */

/* A directory opens as a FILE but every read fails (EISDIR). */
static void test_read_error(void **state)
{
    (void)state;
    for (int fmt = CF_INPUT_RAW; fmt <= CF_INPUT_BASE64; fmt++) {
        FILE *f = fopen("/", "r");
        assert_non_null(f);
        cf_input *in = cf_input_open_file(f, (cf_input_format)fmt, 0);
        assert_non_null(in);
        const uint8_t *m;
        size_t len;
        cf_input_error err;
        assert_int_equal(cf_input_next(in, &m, &len, &err), CF_INPUT_ERROR);
        assert_non_null(strstr(err.message, "read error: "));
        assert_int_equal(err.offset, 0);
        assert_int_equal(err.line, fmt >= CF_INPUT_HEX ? 1 : 0);
        assert_int_equal(cf_input_next(in, &m, &len, &err), CF_INPUT_END);
        cf_input_free(in);
        fclose(f);
    }
}

/* The wait hook runs before every read that may block, not otherwise. */
static int hook_calls;
static void count_hook(void *arg)
{
    assert_ptr_equal(arg, &hook_calls);
    hook_calls++;
}

static void test_wait_hook(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("00\n01\n", f);
    rewind(f);
    cf_input *in = cf_input_open_file(f, CF_INPUT_HEX, 0);
    assert_non_null(in);
    cf_input_set_wait_hook(in, count_hook, &hook_calls);
    hook_calls = 0;
    const uint8_t *m;
    size_t len;
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
    assert_int_equal(hook_calls, 1); /* one read fetched both lines */
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_OK);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(cf_input_next(in, &m, &len, NULL), CF_INPUT_END);
    assert_int_equal(hook_calls, 2); /* the read that found the end */
    cf_input_free(in);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_open_arguments),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_raw_empty_is_one_empty_message),
        cmocka_unit_test(test_raw_over_max),
        cmocka_unit_test(test_len32be_records),
        cmocka_unit_test(test_len32be_empty),
        cmocka_unit_test(test_len32be_truncated_prefix),
        cmocka_unit_test(test_len32be_length_beyond_input),
        cmocka_unit_test(test_len32be_over_max_is_skipped),
        cmocka_unit_test(test_len32be_null_records),
        cmocka_unit_test(test_len32be_null_position),
        cmocka_unit_test(test_len32be_allocation_follows_input),
        cmocka_unit_test(test_mem_is_zero_copy),
        cmocka_unit_test(test_hex_lines),
        cmocka_unit_test(test_hex_blank_lines_whitespace_crlf),
        cmocka_unit_test(test_hex_empty_and_blank_only),
        cmocka_unit_test(test_hex_odd_digits),
        cmocka_unit_test(test_hex_invalid_char),
        cmocka_unit_test(test_hex_inner_whitespace),
        cmocka_unit_test(test_hex_over_max),
        cmocka_unit_test(test_base64_lines),
        cmocka_unit_test(test_base64_blank_lines_crlf),
        cmocka_unit_test(test_base64_invalid_char),
        cmocka_unit_test(test_base64_bad_padding),
        cmocka_unit_test(test_base64_over_max),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_wait_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
