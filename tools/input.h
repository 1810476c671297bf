/* Input framings of `cfavro decode`: how a byte stream is cut into messages.
 *
 * One reader serves two kinds of source: a FILE* read incrementally (the CLI:
 * inputs can be far larger than memory) and an in-memory buffer (the fuzz
 * target and unit tests). Both give identical results for identical bytes.
 *
 * Formats:
 *   raw      the whole input is one message (an empty input is one empty
 *            message, so the decoder reports it rather than silently
 *            producing nothing).
 *   len32be  a stream of records: 4-byte big-endian length, then that many
 *            message bytes (what `kcat -C -f '%R%s'` writes). The length
 *            0xFFFFFFFF (-1 as a signed 32-bit number) is not a length: it
 *            marks a record with a null value and no bytes follow it (kcat
 *            writes it for a Kafka tombstone, the delete marker of compacted
 *            topics). The reader returns CF_INPUT_NULL for it, whatever
 *            max_message is.
 *   hex      one message per line as hex digits (either case).
 *   base64   one message per line, standard alphabet (RFC 4648 section 4),
 *            padding required.
 *   For hex and base64, leading/trailing whitespace of a line (including the
 *   '\r' of CRLF) is ignored, blank lines are skipped, whitespace inside a
 *   line is an error.
 *
 * Errors are per record: after a bad hex/base64 line the reader continues
 * with the next line; after a len32be length above the maximum it skips the
 * declared bytes (without buffering them) and continues. A truncated len32be
 * record or length prefix ends the stream. A read error ends the stream.
 *
 * No message is ever larger than `max_message` bytes, and the reader never
 * allocates more than that (plus a fixed read window) whatever a length
 * prefix claims: the message buffer grows only as bytes actually arrive.
 */
#ifndef CFAVRO_TOOLS_INPUT_H
#define CFAVRO_TOOLS_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cf_input_format {
    CF_INPUT_RAW = 0,
    CF_INPUT_LEN32BE = 1,
    CF_INPUT_HEX = 2,
    CF_INPUT_BASE64 = 3
} cf_input_format;

/* cf_input_next results. */
typedef enum cf_input_result {
    CF_INPUT_OK = 0,    /* *msg / *len hold the next message */
    CF_INPUT_END = 1,   /* no more messages (and every later call says so too) */
    CF_INPUT_ERROR = 2, /* this record is bad; err says why; call again for the next */
    CF_INPUT_NULL = 3   /* len32be only: a record with a null value (length 0xFFFFFFFF,
                           a Kafka tombstone); there is no message (*msg NULL, *len 0)
                           and err is left alone; call again for the next */
} cf_input_result;

/* Default for max_message: 64 MiB. */
#define CF_INPUT_DEFAULT_MAX ((size_t)64 << 20)

/* Where and why a record could not be read. */
typedef struct cf_input_error {
    uint64_t offset;  /* byte offset in the input: the bad character for hex/base64,
                         the start of the record for len32be and raw */
    uint64_t line;    /* 1-based line number for hex/base64; 0 for raw/len32be */
    char message[200];
} cf_input_error;

typedef struct cf_input cf_input;

/* Parse a format name ("raw", "len32be", "hex", "base64"). Returns 0 and sets
 * *out, or -1 for an unknown name. */
int cf_input_format_parse(const char *name, cf_input_format *out);
const char *cf_input_format_name(cf_input_format format);

/* A reader over buf[0..len) (borrowed: must stay valid and unchanged until
 * cf_input_free). raw and len32be messages point straight into buf (no copy).
 * max_message 0 means CF_INPUT_DEFAULT_MAX. Returns NULL when out of memory
 * or for an unknown format. */
cf_input *cf_input_open_mem(const void *buf, size_t len, cf_input_format format,
                            size_t max_message);

/* A reader over `f` (borrowed: the caller closes it after cf_input_free).
 * Reads incrementally through a fixed window; only one message is held at a
 * time. When `f` has a file descriptor the reader read(2)s it directly, so a
 * live pipe yields each message as soon as its bytes arrive (stdio's fread
 * would wait for a whole window); nothing may have been read from `f`
 * through stdio before. Without a descriptor (fmemopen) it uses fread. */
cf_input *cf_input_open_file(FILE *f, cf_input_format format, size_t max_message);

/* Call fn(arg) before each read that may block (e.g. to flush output, so a
 * consumer of a live stream sees results without waiting for more input). */
void cf_input_set_wait_hook(cf_input *in, void (*fn)(void *), void *arg);

/* Testing aid: read the FILE in pieces of at most `size` bytes (>= 1), so
 * tests can put record and line boundaries across reads. Call before the
 * first cf_input_next. Ignored for memory readers. Returns 0, or -1 when out
 * of memory (the reader keeps its old window). */
int cf_input_set_read_size(cf_input *in, size_t size);

/* The next message. On CF_INPUT_OK, *msg / *len are borrowed and valid until
 * the next call on `in`. On CF_INPUT_ERROR, *err (may be NULL) is filled and
 * *msg is NULL. On CF_INPUT_NULL and CF_INPUT_END, *msg is NULL and *len 0. */
cf_input_result cf_input_next(cf_input *in, const uint8_t **msg, size_t *len,
                              cf_input_error *err);

/* Input bytes consumed so far. */
uint64_t cf_input_position(const cf_input *in);

/* Bytes currently allocated for message data (testing aid: proves that a
 * length prefix alone never buys an allocation). */
size_t cf_input_capacity(const cf_input *in);

void cf_input_free(cf_input *in);

#endif
