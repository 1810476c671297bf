/* `cfavro decode`: framed Avro messages in, one JSON document per line out. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfavro.h"
#include "commands.h"
#include "input.h"

/* Words written to one output, wrapped before column 80. */
typedef struct wrapper {
    FILE *out;
    int col;    /* the cursor's column */
    int indent; /* where continuation lines start */
    bool fresh; /* nothing written on this line yet */
} wrapper;

static void wrap_newline(wrapper *w, int indent)
{
    fprintf(w->out, "\n%*s", indent, "");
    w->col = indent;
    w->fresh = true;
}

/* Append the words of `text`, one space apart, breaking lines at spaces. */
static void wrap_words(wrapper *w, const char *text)
{
    const char *p = text;
    for (;;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == 0) {
            return;
        }
        if (!w->fresh && w->col + 1 + (int)len > 79) {
            wrap_newline(w, w->indent);
        } else if (!w->fresh) {
            putc(' ', w->out);
            w->col++;
        }
        fwrite(p, 1, len, w->out);
        w->col += (int)len;
        w->fresh = false;
        p += len;
    }
}

/* The library's settings table, through its public listing: every key --set
 * accepts, so this list cannot fall behind the library. */
static void put_settings(FILE *out)
{
    fputs("Settings (--set or -X KEY=VALUE, -F FILE; also installed as\n"
          "share/doc/cfavro/settings.md):\n"
          "  Client keys apply to the whole run; decoder keys are the output\n"
          "  options above under their library names. The value of a key marked\n"
          "  secret is never shown in messages. Keys marked reserved need the\n"
          "  schema-registry client, which this build does not have (it was built\n"
          "  without libcurl): they are refused.\n",
          out);
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        const cfavro_setting_info *s = cfavro_setting_at(i);
        char head[160];
        snprintf(head, sizeof head, "%s (%s%s%s):", s->name,
                 s->scope == CFAVRO_SETTING_CLIENT ? "client" : "decoder",
                 (s->flags & CFAVRO_SETTING_SECRET) ? ", secret" : "",
                 (s->flags & CFAVRO_SETTING_AVAILABLE) ? "" : ", reserved");
        fputs("  ", out);
        wrapper w = {out, 2, 8, true};
        wrap_words(&w, head);
        wrap_words(&w, s->accepted);
        if (s->default_value != NULL) {
            char dflt[96];
            snprintf(dflt, sizeof dflt, "(default %s)",
                     s->default_value[0] != '\0' ? s->default_value : "\"\"");
            wrap_words(&w, dflt);
        }
        w.indent = 6;
        wrap_newline(&w, 6);
        wrap_words(&w, s->doc);
        putc('\n', out);
    }
    putc('\n', out);
}

void cf_cmd_decode_help(FILE *out)
{
    fputs(
        "Usage: cfavro decode --schema-dir DIR [options] [FILE|-]\n"
        "       cfavro decode --registry URL [options] [FILE|-]\n"
        "\n"
        "Decode Confluent-framed Avro messages (magic byte 0x00 + 4-byte schema id +\n"
        "Avro binary) to JSON, one document per line (NDJSON) on standard output.\n"
        "Schemas come from DIR/<id>.avsc or a schema registry. Input is FILE, or\n"
        "standard input when FILE is '-' or absent.\n"
        "\n"
        "Input:\n"
        "  --schema-dir DIR      directory of <id>.avsc schema files (schema.dir)\n"
        "  --registry URL        schema registry URL(s), comma-separated\n"
        "                        (schema.registry.url). One of the two, or either\n"
        "                        key through -X or -F, is required\n"
        "  --reader-schema FILE  decode to this reader schema (Avro schema resolution;\n"
        "                        reader.schema). Or follow the registry:\n"
        "                        -X use.latest.version=true -X cfavro.reader.subject=S\n"
        "                        (refreshed every latest.cache.ttl.sec). A writer\n"
        "                        schema that does not resolve fails its messages\n"
        "                        with error 901 and the path of the mismatch\n"
        "  --header NAME=VALUE   header mode: every input message is the unprefixed\n"
        "                        payload of a Kafka record whose header NAME\n"
        "                        (__value_schema_id or __key_schema_id) is VALUE,\n"
        "                        written hex:DIGITS or base64:TEXT: a V0 (5 bytes,\n"
        "                        0x00 + schema id) or V1 (17 bytes, 0x01 + GUID)\n"
        "                        schema-id header, e.g.\n"
        "                        --header __value_schema_id=hex:0000000007\n"
        "  --format FORMAT       how the input is cut into messages (default: raw):\n"
        "      raw               the whole input is one message (a file saved from\n"
        "                        one Kafka record)\n"
        "      len32be           a stream of records, each a 4-byte big-endian length\n"
        "                        followed by that many bytes; this is what\n"
        "                        kcat -C -f '%R%s' writes. The length 0xFFFFFFFF\n"
        "                        (-1) marks a null value (a Kafka tombstone): it is\n"
        "                        skipped with a note on standard error and does\n"
        "                        not change the exit status\n"
        "      hex               one message per line in hex digits\n"
        "      base64            one message per line in standard base64 (with padding)\n"
        "                        For hex and base64, blank lines and whitespace around\n"
        "                        a line (CRLF included) are ignored.\n"
        "                        raw is the default so that a saved message decodes\n"
        "                        as it is; a stream needs --format (when a raw input\n"
        "                        that fails looks like a len32be stream, hex or\n"
        "                        base64 text, the error says so).\n"
        "  --max-message-bytes N largest message accepted, 1 byte to 4G; K, M and G\n"
        "                        suffixes multiply by 1024 (default 64M). A len32be\n"
        "                        length above it is an input error; its record is\n"
        "                        skipped unread.\n"
        "\n",
        out);
    /* In parts: ISO C guarantees string literals of 4095 characters only. */
    fputs(
        "Output (the library's json.* and decode.* settings):\n"
        "  --union avro|plain    unions as {\"type\": value} (Avro JSON, default) or\n"
        "                        as the plain value\n"
        "  --bytes avro|base64|hex\n"
        "                        bytes and fixed as Avro JSON strings (code points\n"
        "                        0-255, default), base64 or hex\n"
        "  --time iso8601|epoch  date, time and timestamp logical types as ISO-8601\n"
        "                        strings (default) or their numbers\n"
        "  --decimal string|number\n"
        "                        decimals as exact strings (default) or JSON numbers\n"
        "  --nonfinite string|null\n"
        "                        NaN and infinities as \"NaN\"/\"Infinity\" strings\n"
        "                        (default) or null\n"
        "  --invalid-utf8 error|replace\n"
        "                        invalid UTF-8 in an Avro string fails the message\n"
        "                        (default) or becomes U+FFFD\n"
        "  --no-logical          ignore logical types: print the underlying values\n"
        "  --allow-trailing      ignore bytes after the value instead of failing\n"
        "  --set KEY=VALUE       any client or decoder setting, e.g.\n"
        "                        --set limit.depth=64 (repeatable)\n"
        "  -h, --help            show this help\n"
        "\n",
        out);
    fputs(
        "Configuration (librdkafka and kcat style):\n"
        "  -X KEY=VALUE          the same as --set KEY=VALUE\n"
        "  -F FILE               a properties file: one KEY=VALUE per line (LF or\n"
        "                        CRLF), '#' or '!' comment lines, blank lines;\n"
        "                        spaces around the key and before the value are\n"
        "                        dropped, the rest of the line is the value\n"
        "                        (trailing spaces included); no escapes, includes\n"
        "                        or variables; at most 1 MiB, lines at most 64 KiB.\n"
        "                        Errors name the file and the line, never a value.\n"
        "  Settings apply in the order given on the command line: a later -X,\n"
        "  --set, -F or shorthand (--schema-dir, --registry, --union, ...)\n"
        "  overrides an earlier one, e.g. -F FILE -X json.union=plain.\n"
        "\n",
        out);
    put_settings(out);
    fputs(
        "Errors:\n"
        "  A message that fails to decode prints one line on standard error and\n"
        "  decoding continues with the next message:\n"
        "    cfavro: message INDEX: error STATUS (NAME) at offset OFFSET, path PATH: TEXT\n"
        "  INDEX counts input records (len32be records, non-blank lines) from 0;\n"
        "  OFFSET is the byte offset inside that message (header included; with\n"
        "  --header, inside the payload); the offset and path parts are left\n"
        "  out when they do not apply. A record the input format cannot read\n"
        "  (truncated len32be record, bad hex or base64 line, record over the\n"
        "  maximum) prints\n"
        "    cfavro: message INDEX: input error at byte POS[, line LINE]: TEXT\n"
        "  where POS is the position in the input. A truncated final len32be record\n"
        "  ends the input. A len32be null value (tombstone) is not a failure; it\n"
        "  prints\n"
        "    cfavro: message INDEX: null value (tombstone), skipped\n"
        "  and nothing on standard output (INDEX counts it like any record).\n"
        "\n"
        "Exit status:\n"
        "  0  every message decoded (null values skipped)\n"
        "  1  at least one message failed (or output could not be written)\n"
        "  2  usage error: unknown option, bad value or setting, no schema source,\n"
        "     schema directory not a directory, unreadable input or -F file, bad\n"
        "     --header\n"
        "\n"
        "Examples:\n"
        "  cfavro decode --schema-dir schemas message.bin\n"
        "  kcat -C -b BROKER -t TOPIC -f '%R%s' |\n"
        "      cfavro decode --schema-dir schemas --format len32be\n"
        "  cfavro decode --schema-dir schemas --format hex --union plain dump.hex\n"
        "  cfavro decode -F registry.properties -X json.union=plain message.bin\n"
        "  cfavro decode --schema-dir schemas \\\n"
        "      --header __value_schema_id=base64:AAAAAAc= payload.bin\n",
        out);
}

/* Options that map one-to-one onto a library setting taking the same words. */
typedef struct value_option {
    const char *flag;
    const char *key;
} value_option;

static const value_option value_options[] = {
    {"--union", "json.union"},     {"--bytes", "json.bytes"},
    {"--time", "json.time"},       {"--decimal", "json.decimal"},
    {"--nonfinite", "json.nonfinite"}, {"--invalid-utf8", "json.invalid.utf8"},
};

/* Flags that set a library setting to a fixed value. */
typedef struct flag_option {
    const char *flag;
    const char *key;
    const char *value;
} flag_option;

static const flag_option flag_options[] = {
    {"--no-logical", "json.logical", "false"},
    {"--allow-trailing", "decode.trailing.bytes", "allow"},
};

typedef struct decode_args {
    const char *schema_dir; /* the last --schema-dir / schema.dir, checked before
                               decoding; NULL when unset or when a later -F
                               may have replaced it */
    bool registry;          /* schema.registry.url was set */
    bool properties;        /* a -F file was applied: it may name a source */
    cf_input_format format;
    size_t max_message;
    const char *file; /* NULL: standard input */
    cfavro_config *cfg;
    uint8_t header[CFAVRO_HEADER_V1_SIZE]; /* --header: the schema-id header value */
    size_t header_len;                     /* 0: no --header (messages are framed) */
    bool help;
} decode_args;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage_error(const char *fmt, ...)
{
    fputs("cfavro decode: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'cfavro decode --help'.\n", stderr);
    return CF_EXIT_USAGE;
}

/* N with an optional K/M/G (binary) suffix, 1 .. 4 GiB. */
static bool parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0) {
        return false;
    }
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') {
        shift = 10;
    } else if (*end == 'M' || *end == 'm') {
        shift = 20;
    } else if (*end == 'G' || *end == 'g') {
        shift = 30;
    }
    if (shift != 0) {
        end++;
    }
    uint64_t cap = (uint64_t)1 << 32;
    if ((uint64_t)SIZE_MAX / 2 < cap) {
        cap = SIZE_MAX / 2;
    }
    if (*end != '\0' || v == 0 || v > (cap >> shift)) {
        return false;
    }
    *out = (size_t)(v << shift);
    return true;
}

static int set_config(decode_args *a, const char *flag, const char *key, const char *value)
{
    cfavro_error err;
    if (cfavro_config_set(a->cfg, key, value, &err) != CFAVRO_OK) {
        return usage_error("%s: %s", flag, err.message);
    }
    if (strcmp(key, "schema.dir") == 0) {
        a->schema_dir = value;
    } else if (strcmp(key, "schema.registry.url") == 0) {
        a->registry = true;
    }
    return CF_EXIT_OK;
}

/* Read the file `path` (named `flag` in messages) whole into a malloc'd,
 * NUL-terminated *text of *len bytes, refusing more than `max` bytes (one byte
 * over tells an overlong file from one at the bound). CF_EXIT_OK or a usage
 * error already reported. */
static int read_whole_file(const char *flag, const char *path, size_t max, const char *what,
                           char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return usage_error("%s %s: cannot open: %s", flag, path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return usage_error("%s %s: is a directory", flag, path);
    }
    size_t cap = max + 1;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return usage_error("%s %s: out of memory", flag, path);
    }
    size_t n = fread(buf, 1, cap, f);
    bool read_failed = ferror(f) != 0;
    int read_errno = errno;
    fclose(f);
    if (read_failed) {
        free(buf);
        return usage_error("%s %s: cannot read: %s", flag, path, strerror(read_errno));
    }
    if (n == cap) {
        free(buf);
        return usage_error("%s %s: larger than %zu bytes, the limit of %s", flag, path, max,
                           what);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CF_EXIT_OK;
}

/* -F FILE: a properties file, read whole (up to the library's bound) and
 * applied with cfavro_config_set_properties. Messages name the file and the
 * line, never a value. */
static int apply_properties(decode_args *a, const char *path)
{
    char *text;
    size_t len;
    int status = read_whole_file("-F", path, CFAVRO_PROPERTIES_MAX_BYTES, "a properties file",
                                 &text, &len);
    if (status != CF_EXIT_OK) {
        return status;
    }
    cfavro_error err;
    if (cfavro_config_set_properties(a->cfg, text, len, &err) != CFAVRO_OK) {
        status = usage_error("-F %s: %s", path, err.message);
    } else {
        /* The file may set schema.dir or schema.registry.url: which it does
         * is the library's to know, so the CLI no longer insists on
         * --schema-dir, and an earlier --schema-dir is not checked (the file
         * may have replaced it; a later one is checked again). */
        a->properties = true;
        a->schema_dir = NULL;
    }
    free(text);
    return status;
}

/* --reader-schema FILE: the file's text becomes reader.schema (compiled by
 * cfavro_client_new, which names the problem). A NUL byte would cut the
 * text short: refused. The library's limit.schema.bytes bounds what it
 * takes; the CLI reads at most 64 MiB. */
static int apply_reader_schema(decode_args *a, const char *path)
{
    char *text;
    size_t len;
    int status = read_whole_file("--reader-schema", path, (size_t)64 << 20, "a schema file",
                                 &text, &len);
    if (status != CF_EXIT_OK) {
        return status;
    }
    if (strlen(text) != len) {
        status = usage_error("--reader-schema %s: the file holds a NUL byte", path);
    } else {
        status = set_config(a, "--reader-schema", "reader.schema", text);
    }
    free(text);
    return status;
}

/* --header NAME=VALUE: the schema-id Kafka header of header mode, VALUE
 * "hex:..." or "base64:...". Checked now with cfavro_frame_parse_header, so
 * every message can use it as it is. Messages show at most the bad
 * character of VALUE. */
static int apply_header(decode_args *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : 0;
    if (eq == NULL || !((nlen == strlen(CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID) &&
                         strncmp(arg, CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID, nlen) == 0) ||
                        (nlen == strlen(CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID) &&
                         strncmp(arg, CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID, nlen) == 0))) {
        return usage_error("--header: expected NAME=VALUE where NAME is "
                           CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID " or "
                           CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID
                           " (the schema-id headers of header mode)");
    }
    const char *value = eq + 1;
    cf_input_format format;
    if (strncmp(value, "hex:", 4) == 0) {
        format = CF_INPUT_HEX;
        value += 4;
    } else if (strncmp(value, "base64:", 7) == 0) {
        format = CF_INPUT_BASE64;
        value += 7;
    } else {
        return usage_error("--header: VALUE must start with hex: or base64:");
    }
    /* Far more text than a 17-byte header needs is refused unread. */
    size_t vlen = strlen(value);
    if (vlen == 0 || vlen > 64 || strcspn(value, " \t\r\n") != vlen) {
        return usage_error("--header: the %s value must be 1 to 64 characters without white "
                           "space (a schema-id header is %d or %d bytes)",
                           cf_input_format_name(format), CFAVRO_HEADER_V0_SIZE,
                           CFAVRO_HEADER_V1_SIZE);
    }
    /* The CLI's own hex and base64 line reader decodes the one line. */
    cf_input *in = cf_input_open_mem(value, vlen, format, 64);
    if (in == NULL) {
        return usage_error("--header: out of memory");
    }
    const uint8_t *bytes;
    size_t len;
    cf_input_error ierr;
    cf_input_result r = cf_input_next(in, &bytes, &len, &ierr);
    int status = CF_EXIT_OK;
    cfavro_frame frame;
    cfavro_error err;
    if (r != CF_INPUT_OK) {
        status = usage_error("--header: bad %s: %s", cf_input_format_name(format),
                             r == CF_INPUT_ERROR ? ierr.message : "no bytes");
    } else if (cfavro_frame_parse_header(bytes, len, NULL, 0, &frame, &err) != CFAVRO_OK) {
        status = usage_error("--header: %s", err.message);
    } else {
        memcpy(a->header, bytes, len);
        a->header_len = len;
    }
    cf_input_free(in);
    return status;
}

/* An option with a value, given as "--name VALUE" or "--name=VALUE". */
static int apply_value(decode_args *a, const char *name, const char *value)
{
    if (strcmp(name, "--schema-dir") == 0) {
        return set_config(a, name, "schema.dir", value);
    }
    if (strcmp(name, "--format") == 0) {
        if (cf_input_format_parse(value, &a->format) != 0) {
            return usage_error("--format: unknown format \"%s\" (expected raw, len32be, hex "
                               "or base64)",
                               value);
        }
        return CF_EXIT_OK;
    }
    if (strcmp(name, "--max-message-bytes") == 0) {
        if (!parse_size(value, &a->max_message)) {
            return usage_error("--max-message-bytes: invalid size \"%s\" (expected 1 to 4G)",
                               value);
        }
        return CF_EXIT_OK;
    }
    if (strcmp(name, "--reader-schema") == 0) {
        return apply_reader_schema(a, value);
    }
    if (strcmp(name, "--registry") == 0) {
        return set_config(a, name, "schema.registry.url", value);
    }
    if (strcmp(name, "-F") == 0) {
        return apply_properties(a, value);
    }
    if (strcmp(name, "--header") == 0) {
        return apply_header(a, value);
    }
    if (strcmp(name, "--set") == 0 || strcmp(name, "-X") == 0) {
        const char *eq = strchr(value, '=');
        /* The argument may carry a credential (basic.auth.user.info, ...):
         * these messages never echo it. */
        if (eq == NULL || eq == value) {
            return usage_error("%s: expected KEY=VALUE (%s; the argument is not shown, "
                               "it may hold a secret)",
                               name, eq == NULL ? "no '='" : "empty key");
        }
        char key[128];
        size_t klen = (size_t)(eq - value);
        if (klen >= sizeof key) {
            return usage_error("%s: key of %zu bytes is longer than any setting", name, klen);
        }
        memcpy(key, value, klen);
        key[klen] = '\0';
        return set_config(a, name, key, eq + 1);
    }
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
        if (strcmp(name, value_options[i].flag) == 0) {
            return set_config(a, name, value_options[i].key, value);
        }
    }
    return -1;
}

static bool takes_value(const char *name)
{
    static const char *const own[] = {"--schema-dir", "--format", "--max-message-bytes",
                                      "--set", "--registry", "--header", "--reader-schema"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        if (strcmp(name, own[i]) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
        if (strcmp(name, value_options[i].flag) == 0) {
            return true;
        }
    }
    return false;
}

static int parse_args(decode_args *a, int argc, char **argv)
{
    bool options = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (options && strcmp(arg, "--") == 0) {
            options = false;
            continue;
        }
        if (options && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
            a->help = true;
            return CF_EXIT_OK;
        }
        if (!options || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->file != NULL) {
                return usage_error("more than one input file (\"%s\" and \"%s\")", a->file,
                                   arg);
            }
            a->file = arg;
            continue;
        }
        /* librdkafka's and kcat's -X KEY=VALUE and -F FILE, also written
         * -XKEY=VALUE and -FFILE. */
        if ((arg[1] == 'X' || arg[1] == 'F') && arg[2] != '\0') {
            char flag[3] = {'-', arg[1], '\0'};
            int rc = apply_value(a, flag, arg + 2);
            if (rc != CF_EXIT_OK) {
                return rc;
            }
            continue;
        }
        if (strcmp(arg, "-X") == 0 || strcmp(arg, "-F") == 0) {
            if (i + 1 >= argc) {
                return usage_error("option %s needs a value", arg);
            }
            int rc = apply_value(a, arg, argv[++i]);
            if (rc != CF_EXIT_OK) {
                return rc;
            }
            continue;
        }
        /* Split "--name=value". */
        char name[64];
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (arg[1] != '-' || nlen >= sizeof name) {
            return usage_error("unknown option \"%s\"", arg);
        }
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        if (takes_value(name)) {
            const char *value = eq ? eq + 1 : NULL;
            if (value == NULL) {
                if (i + 1 >= argc) {
                    return usage_error("option %s needs a value", name);
                }
                value = argv[++i];
            }
            int rc = apply_value(a, name, value);
            if (rc != CF_EXIT_OK) {
                return rc;
            }
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof flag_options / sizeof flag_options[0]; k++) {
            if (strcmp(name, flag_options[k].flag) == 0) {
                if (eq != NULL) {
                    return usage_error("option %s takes no value", name);
                }
                int rc = set_config(a, name, flag_options[k].key, flag_options[k].value);
                if (rc != CF_EXIT_OK) {
                    return rc;
                }
                known = true;
            }
        }
        if (!known) {
            return usage_error("unknown option \"%s\"", arg);
        }
    }
    return CF_EXIT_OK;
}

/* Copy text to `f` as one line: control bytes (a newline in a map key of a
 * field path, say) are shown as \xNN so each failure stays one line. */
static void put_clean(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\x%02x", c);
        } else {
            putc(c, f);
        }
    }
}

/* A raw input that is really a len32be stream: the first 4 bytes are a
 * plausible length of a framed record that fits. Decoded as one message it
 * fails confusingly (schema id from the length bytes), so say what it is. */
static bool looks_like_len32be(const uint8_t *m, size_t len)
{
    if (len < 9) {
        return false;
    }
    uint32_t n = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    return n >= CFAVRO_HEADER_V0_SIZE && n <= len - 4 &&
           (m[4] == CFAVRO_MAGIC_V0 || m[4] == CFAVRO_MAGIC_V1);
}

/* The input is lines of characters of `in_set`, each line a multiple of
 * `unit` characters long, with white space only around lines (as the hex and
 * base64 formats read them), and at least `min` such characters in all. */
static bool only_text_of(const uint8_t *m, size_t len, bool (*in_set)(uint8_t), size_t unit,
                         size_t min)
{
    size_t count = 0;
    size_t line = 0;     /* characters of `in_set` on this line */
    bool after = false;  /* white space after this line's content */
    for (size_t i = 0; i <= len; i++) {
        uint8_t c = i < len ? m[i] : '\n';
        if (c == '\n') {
            if (line % unit != 0) {
                return false;
            }
            line = 0;
            after = false;
        } else if (c == '\r' || c == ' ' || c == '\t') {
            after = line > 0;
        } else if (in_set(c) && !after) {
            line++;
            count++;
        } else {
            return false;
        }
    }
    return count >= min;
}

static bool is_hex_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64_char(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '+' || c == '/' || c == '=';
}

/* What a raw input that failed to decode probably is, as a hint for the
 * error line, or NULL. A stream or a text dump read as one message fails
 * with an error about its first bytes (a schema id made of length bytes,
 * "plain text"), which does not tell the user that --format is missing.
 * The minimum lengths are those of the smallest framed message (5 bytes:
 * 10 hex digits, 8 base64 characters) and lines must have whole hex pairs or
 * base64 groups, so short stray text and plain words get no hint. Hex is
 * tested first: hex digits are also base64 characters. */
static const char *raw_hint(const uint8_t *m, size_t len)
{
    if (looks_like_len32be(m, len)) {
        return "the input looks like a length-prefixed stream; try --format len32be";
    }
    if (only_text_of(m, len, is_hex_digit, 2, 2 * CFAVRO_HEADER_V0_SIZE)) {
        return "the input looks like hex text; try --format hex";
    }
    if (only_text_of(m, len, is_base64_char, 4, 8)) {
        return "the input looks like base64 text; try --format base64";
    }
    return NULL;
}

static void report_decode(uint64_t index, const cfavro_error *e, const char *hint)
{
    fflush(stdout); /* keep stdout and stderr in order when they share a file */
    fprintf(stderr, "cfavro: message %llu: error %d (%s)", (unsigned long long)index, e->status,
            cfavro_strerror(e->status));
    if (e->offset != CFAVRO_NO_OFFSET) {
        fprintf(stderr, " at offset %llu", (unsigned long long)e->offset);
    }
    if (e->path[0] != '\0') {
        fputs(", path ", stderr);
        put_clean(stderr, e->path);
    }
    fputs(": ", stderr);
    put_clean(stderr, e->message);
    if (hint != NULL) {
        fprintf(stderr, " (hint: %s)", hint);
    }
    putc('\n', stderr);
}

static void report_input(uint64_t index, const cf_input_error *e)
{
    fflush(stdout);
    fprintf(stderr, "cfavro: message %llu: input error at byte %llu", (unsigned long long)index,
            (unsigned long long)e->offset);
    if (e->line != 0) {
        fprintf(stderr, ", line %llu", (unsigned long long)e->line);
    }
    fputs(": ", stderr);
    put_clean(stderr, e->message);
    putc('\n', stderr);
}

static void flush_stdout(void *arg)
{
    (void)arg;
    fflush(stdout);
}

/* One message: framed, or with --header the unprefixed payload of a record
 * carrying that schema-id header (checked when the option was read). */
static int decode_one(cfavro_decoder *dec, const decode_args *a, const uint8_t *msg,
                      size_t len, const char **json, size_t *json_len)
{
    if (a->header_len == 0) {
        return cfavro_decode_json(dec, msg, len, json, json_len);
    }
    cfavro_frame frame;
    int rc = cfavro_frame_parse_header(a->header, a->header_len, msg, len, &frame, NULL);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    return cfavro_decode_frame_json(dec, &frame, json, json_len);
}

/* Decode every message of `in`; returns the exit status. */
static int run(cfavro_decoder *dec, cf_input *in, const decode_args *a)
{
    uint64_t index = 0;
    uint64_t failed = 0;
    for (;; index++) {
        const uint8_t *msg;
        size_t len;
        cf_input_error ierr;
        cf_input_result r = cf_input_next(in, &msg, &len, &ierr);
        if (r == CF_INPUT_END) {
            break;
        }
        if (r == CF_INPUT_ERROR) {
            report_input(index, &ierr);
            failed++;
            continue;
        }
        if (r == CF_INPUT_NULL) {
            /* Tombstones are normal on compacted topics: say so, but they
             * are not failures and print no JSON line (there is no value). */
            fflush(stdout);
            fprintf(stderr, "cfavro: message %llu: null value (tombstone), skipped\n",
                    (unsigned long long)index);
            continue;
        }
        const char *json;
        size_t json_len;
        if (decode_one(dec, a, msg, len, &json, &json_len) != CFAVRO_OK) {
            report_decode(index, cfavro_decoder_error(dec),
                          a->format == CF_INPUT_RAW && a->header_len == 0 ? raw_hint(msg, len)
                                                                          : NULL);
            failed++;
            continue;
        }
        fwrite(json, 1, json_len, stdout);
        putc('\n', stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cfavro: cannot write output: %s\n", strerror(errno));
        return CF_EXIT_FAILED;
    }
    return failed ? CF_EXIT_FAILED : CF_EXIT_OK;
}

/* Everything after argument parsing; owns nothing but what it opens. */
static int decode_main(decode_args *a)
{
    struct stat st;
    if (a->schema_dir == NULL && !a->registry && !a->properties) {
        return usage_error("missing --schema-dir DIR or --registry URL (or schema.dir / "
                           "schema.registry.url through -X or -F)");
    }
    if (a->schema_dir != NULL && stat(a->schema_dir, &st) != 0) {
        return usage_error("--schema-dir %s: %s", a->schema_dir, strerror(errno));
    }
    if (a->schema_dir != NULL && !S_ISDIR(st.st_mode)) {
        return usage_error("--schema-dir %s: not a directory", a->schema_dir);
    }

    FILE *f = stdin;
    const char *name = "standard input";
    if (a->file != NULL && strcmp(a->file, "-") != 0) {
        name = a->file;
        f = fopen(a->file, "rb");
        if (f == NULL) {
            return usage_error("cannot open %s: %s", a->file, strerror(errno));
        }
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (f != stdin) {
            fclose(f);
        }
        return usage_error("cannot read %s: it is a directory", name);
    }

    int status = CF_EXIT_USAGE;
    cfavro_error err;
    cfavro_client *client = cfavro_client_new(a->cfg, &err);
    cfavro_decoder *dec = client ? cfavro_decoder_new(client, &err) : NULL;
    cf_input *in = dec ? cf_input_open_file(f, a->format, a->max_message) : NULL;
    if (client == NULL || dec == NULL) {
        fprintf(stderr, "cfavro decode: cannot start: %s\n", err.message);
    } else if (in == NULL) {
        fprintf(stderr, "cfavro decode: cannot start: out of memory\n");
    } else {
        /* Results of a live stream show up as soon as the input pauses;
         * otherwise output goes out in large blocks. */
        cf_input_set_wait_hook(in, flush_stdout, NULL);
        status = run(dec, in, a);
    }
    cf_input_free(in);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    if (f != stdin) {
        fclose(f);
    }
    return status;
}

int cf_cmd_decode(int argc, char **argv)
{
    static char outbuf[1 << 16];
    decode_args a = {.format = CF_INPUT_RAW, .max_message = CF_INPUT_DEFAULT_MAX};
    a.cfg = cfavro_config_new();
    if (a.cfg == NULL) {
        fputs("cfavro decode: out of memory\n", stderr);
        return CF_EXIT_USAGE;
    }
    int status = parse_args(&a, argc, argv);
    if (status == CF_EXIT_OK && a.help) {
        cf_cmd_decode_help(stdout);
    } else if (status == CF_EXIT_OK) {
        if (!isatty(fileno(stdout))) {
            setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
        }
        status = decode_main(&a);
    }
    cfavro_config_free(a.cfg);
    return status;
}
