/* The options the decoding commands share (see options.h). */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "text.h"

/* ---- help ------------------------------------------------------------------ */

void cf_options_help_sources(FILE *out)
{
    fputs("  --schema-dir DIR      directory of <id>.avsc schema files (schema.dir)\n"
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
          "                        --header __value_schema_id=hex:0000000007\n",
          out);
}

void cf_options_help_format(FILE *out, const char *null_value)
{
    fputs("  --format FORMAT       how the input is cut into messages (default: raw):\n"
          "      raw               the whole input is one message (a file saved from\n"
          "                        one Kafka record)\n"
          "      len32be           a stream of records, each a 4-byte big-endian length\n"
          "                        followed by that many bytes; this is what\n"
          "                        kcat -C -f '%R%s' writes. The length 0xFFFFFFFF\n",
          out);
    fputs(null_value, out);
    fputs("      hex               one message per line in hex digits\n"
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
          "                        skipped unread.\n",
          out);
}

void cf_options_help_output(FILE *out)
{
    fputs("Output (the library's json.* and decode.* settings):\n"
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
}

void cf_options_help_config(FILE *out)
{
    fputs("Configuration (librdkafka and kcat style):\n"
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
}

/* The library's settings table, through its public listing: every key --set
 * accepts, so this list cannot fall behind the library. */
void cf_options_help_settings(FILE *out)
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
        cf_wrapper w = {out, 2, 8, true};
        cf_wrap_words(&w, head);
        cf_wrap_words(&w, s->accepted);
        if (s->default_value != NULL) {
            char dflt[96];
            snprintf(dflt, sizeof dflt, "(default %s)",
                     s->default_value[0] != '\0' ? s->default_value : "\"\"");
            cf_wrap_words(&w, dflt);
        }
        w.indent = 6;
        cf_wrap_newline(&w, 6);
        cf_wrap_words(&w, s->doc);
        putc('\n', out);
    }
    putc('\n', out);
}

/* ---- parsing ----------------------------------------------------------------- */

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

int cf_options_init(cf_options *o, const char *command)
{
    *o = (cf_options){.command = command, .format = CF_INPUT_RAW,
                      .max_message = CF_INPUT_DEFAULT_MAX};
    o->cfg = cfavro_config_new();
    if (o->cfg == NULL) {
        fprintf(stderr, "cfavro %s: out of memory\n", command);
        return CF_EXIT_USAGE;
    }
    return CF_EXIT_OK;
}

void cf_options_free(cf_options *o)
{
    cfavro_config_free(o->cfg);
    o->cfg = NULL;
}

int cf_usage_error(const cf_options *o, const char *fmt, ...)
{
    fprintf(stderr, "cfavro %s: ", o->command);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'cfavro %s --help'.\n", o->command);
    return CF_EXIT_USAGE;
}

bool cf_parse_size(const char *s, size_t *out)
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

static int set_config(cf_options *o, const char *flag, const char *key, const char *value)
{
    cfavro_error err;
    if (cfavro_config_set(o->cfg, key, value, &err) != CFAVRO_OK) {
        return cf_usage_error(o, "%s: %s", flag, err.message);
    }
    if (strcmp(key, "schema.dir") == 0) {
        o->schema_dir = value;
    } else if (strcmp(key, "schema.registry.url") == 0) {
        o->registry = true;
        o->registry_url = value;
    }
    return CF_EXIT_OK;
}

/* Read the file `path` (named `flag` in messages) whole into a malloc'd,
 * NUL-terminated *text of *len bytes, refusing more than `max` bytes (one byte
 * over tells an overlong file from one at the bound). CF_EXIT_OK or a usage
 * error already reported. */
static int read_whole_file(const cf_options *o, const char *flag, const char *path, size_t max,
                           const char *what, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return cf_usage_error(o, "%s %s: cannot open: %s", flag, path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return cf_usage_error(o, "%s %s: is a directory", flag, path);
    }
    size_t cap = max + 1;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        fclose(f);
        return cf_usage_error(o, "%s %s: out of memory", flag, path);
    }
    size_t n = fread(buf, 1, cap, f);
    bool read_failed = ferror(f) != 0;
    int read_errno = errno;
    fclose(f);
    if (read_failed) {
        free(buf);
        return cf_usage_error(o, "%s %s: cannot read: %s", flag, path, strerror(read_errno));
    }
    if (n == cap) {
        free(buf);
        return cf_usage_error(o, "%s %s: larger than %zu bytes, the limit of %s", flag, path,
                              max, what);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CF_EXIT_OK;
}

/* -F FILE: a properties file, read whole (up to the library's bound) and
 * applied with cfavro_config_set_properties. Messages name the file and the
 * line, never a value. */
static int apply_properties(cf_options *o, const char *path)
{
    char *text;
    size_t len;
    int status = read_whole_file(o, "-F", path, CFAVRO_PROPERTIES_MAX_BYTES,
                                 "a properties file", &text, &len);
    if (status != CF_EXIT_OK) {
        return status;
    }
    cfavro_error err;
    if (cfavro_config_set_properties(o->cfg, text, len, &err) != CFAVRO_OK) {
        status = cf_usage_error(o, "-F %s: %s", path, err.message);
    } else {
        /* The file may set schema.dir or schema.registry.url: which it does
         * is the library's to know, so the CLI no longer insists on
         * --schema-dir, and an earlier --schema-dir is not checked (the file
         * may have replaced it; a later one is checked again). */
        o->properties = true;
        o->schema_dir = NULL;
        o->registry_url = NULL;
    }
    free(text);
    return status;
}

/* --reader-schema FILE: the file's text becomes reader.schema (compiled by
 * cfavro_client_new, which names the problem). A NUL byte would cut the
 * text short: refused. The library's limit.schema.bytes bounds what it
 * takes; the CLI reads at most 64 MiB. */
static int apply_reader_schema(cf_options *o, const char *path)
{
    char *text;
    size_t len;
    int status = read_whole_file(o, "--reader-schema", path, (size_t)64 << 20,
                                 "a schema file", &text, &len);
    if (status != CF_EXIT_OK) {
        return status;
    }
    if (strlen(text) != len) {
        status = cf_usage_error(o, "--reader-schema %s: the file holds a NUL byte", path);
    } else {
        status = set_config(o, "--reader-schema", "reader.schema", text);
        o->reader_schema = path;
    }
    free(text);
    return status;
}

/* --header NAME=VALUE: the schema-id Kafka header of header mode, VALUE
 * "hex:..." or "base64:...". Checked now with cfavro_frame_parse_header, so
 * every message can use it as it is. Messages show at most the bad
 * character of VALUE. */
static int apply_header(cf_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : 0;
    if (eq == NULL || !((nlen == strlen(CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID) &&
                         strncmp(arg, CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID, nlen) == 0) ||
                        (nlen == strlen(CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID) &&
                         strncmp(arg, CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID, nlen) == 0))) {
        return cf_usage_error(o, "--header: expected NAME=VALUE where NAME is "
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
        return cf_usage_error(o, "--header: VALUE must start with hex: or base64:");
    }
    /* Far more text than a 17-byte header needs is refused unread. */
    size_t vlen = strlen(value);
    if (vlen == 0 || vlen > 64 || strcspn(value, " \t\r\n") != vlen) {
        return cf_usage_error(o, "--header: the %s value must be 1 to 64 characters without "
                                 "white space (a schema-id header is %d or %d bytes)",
                              cf_input_format_name(format), CFAVRO_HEADER_V0_SIZE,
                              CFAVRO_HEADER_V1_SIZE);
    }
    /* The CLI's own hex and base64 line reader decodes the one line. */
    cf_input *in = cf_input_open_mem(value, vlen, format, 64);
    if (in == NULL) {
        return cf_usage_error(o, "--header: out of memory");
    }
    const uint8_t *bytes;
    size_t len;
    cf_input_error ierr;
    cf_input_result r = cf_input_next(in, &bytes, &len, &ierr);
    int status = CF_EXIT_OK;
    cfavro_frame frame;
    cfavro_error err;
    if (r != CF_INPUT_OK) {
        status = cf_usage_error(o, "--header: bad %s: %s", cf_input_format_name(format),
                                r == CF_INPUT_ERROR ? ierr.message : "no bytes");
    } else if (cfavro_frame_parse_header(bytes, len, NULL, 0, &frame, &err) != CFAVRO_OK) {
        status = cf_usage_error(o, "--header: %s", err.message);
    } else {
        memcpy(o->header, bytes, len);
        o->header_len = len;
        memcpy(o->header_name, arg, nlen); /* one of the two names: it fits */
        o->header_name[nlen] = '\0';
    }
    cf_input_free(in);
    return status;
}

/* An option with a value, given as "--name VALUE" or "--name=VALUE". */
static int apply_value(cf_options *o, const char *name, const char *value)
{
    if (strcmp(name, "--schema-dir") == 0) {
        return set_config(o, name, "schema.dir", value);
    }
    if (strcmp(name, "--format") == 0) {
        if (cf_input_format_parse(value, &o->format) != 0) {
            return cf_usage_error(o, "--format: unknown format \"%s\" (expected raw, len32be, "
                                     "hex or base64)",
                                  value);
        }
        return CF_EXIT_OK;
    }
    if (strcmp(name, "--max-message-bytes") == 0) {
        if (!cf_parse_size(value, &o->max_message)) {
            return cf_usage_error(o, "--max-message-bytes: invalid size \"%s\" (expected 1 "
                                     "to 4G)",
                                  value);
        }
        return CF_EXIT_OK;
    }
    if (strcmp(name, "--reader-schema") == 0) {
        return apply_reader_schema(o, value);
    }
    if (strcmp(name, "--registry") == 0) {
        return set_config(o, name, "schema.registry.url", value);
    }
    if (strcmp(name, "-F") == 0) {
        return apply_properties(o, value);
    }
    if (strcmp(name, "--header") == 0) {
        return apply_header(o, value);
    }
    if (strcmp(name, "--set") == 0 || strcmp(name, "-X") == 0) {
        const char *eq = strchr(value, '=');
        /* The argument may carry a credential (basic.auth.user.info, ...):
         * these messages never echo it. */
        if (eq == NULL || eq == value) {
            return cf_usage_error(o, "%s: expected KEY=VALUE (%s; the argument is not "
                                     "shown, it may hold a secret)",
                                  name, eq == NULL ? "no '='" : "empty key");
        }
        char key[128];
        size_t klen = (size_t)(eq - value);
        if (klen >= sizeof key) {
            return cf_usage_error(o, "%s: key of %zu bytes is longer than any setting", name,
                                  klen);
        }
        memcpy(key, value, klen);
        key[klen] = '\0';
        return set_config(o, name, key, eq + 1);
    }
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
        if (strcmp(name, value_options[i].flag) == 0) {
            return set_config(o, name, value_options[i].key, value);
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

/* The command's own option spelled by `arg` at argv[*i]: applied (its value
 * taken from the same or the next argument) and *handled set; CF_EXIT_OK or a
 * usage error reported. Untouched *handled: not one of them. */
static int apply_extra(cf_options *o, int argc, char **argv, int *i, bool *handled)
{
    const char *arg = argv[*i];
    for (size_t k = 0; k < o->extra_count; k++) {
        const cf_extra_option *x = &o->extra[k];
        size_t nlen = strlen(x->name);
        if (strncmp(arg, x->name, nlen) != 0) {
            continue;
        }
        const char *value = NULL;
        bool is_long = x->name[1] == '-';
        if (arg[nlen] == '=' && is_long) {
            value = arg + nlen + 1;
        } else if (arg[nlen] != '\0' && !is_long && x->takes_value) {
            value = arg + nlen; /* -nVALUE */
        } else if (arg[nlen] != '\0') {
            continue; /* another option that starts the same */
        }
        *handled = true;
        if (!x->takes_value && value != NULL) {
            return cf_usage_error(o, "option %s takes no value", x->name);
        }
        if (x->takes_value && value == NULL) {
            if (*i + 1 >= argc) {
                return cf_usage_error(o, "option %s needs a value", x->name);
            }
            value = argv[++*i];
        }
        return o->apply_extra(o->extra_ctx, x->name, value);
    }
    return CF_EXIT_OK;
}

int cf_options_parse(cf_options *o, int argc, char **argv)
{
    bool options = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (options && strcmp(arg, "--") == 0) {
            options = false;
            continue;
        }
        if (options && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
            o->help = true;
            return CF_EXIT_OK;
        }
        if (!options || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (o->file != NULL) {
                return cf_usage_error(o, "more than one input file (\"%s\" and \"%s\")",
                                      o->file, arg);
            }
            o->file = arg;
            continue;
        }
        bool handled = false;
        int rc = apply_extra(o, argc, argv, &i, &handled);
        if (rc != CF_EXIT_OK) {
            return rc;
        }
        if (handled) {
            continue;
        }
        /* librdkafka's and kcat's -X KEY=VALUE and -F FILE, also written
         * -XKEY=VALUE and -FFILE. */
        if ((arg[1] == 'X' || arg[1] == 'F') && arg[2] != '\0') {
            char flag[3] = {'-', arg[1], '\0'};
            rc = apply_value(o, flag, arg + 2);
            if (rc != CF_EXIT_OK) {
                return rc;
            }
            continue;
        }
        if (strcmp(arg, "-X") == 0 || strcmp(arg, "-F") == 0) {
            if (i + 1 >= argc) {
                return cf_usage_error(o, "option %s needs a value", arg);
            }
            rc = apply_value(o, arg, argv[++i]);
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
            return cf_usage_error(o, "unknown option \"%s\"", arg);
        }
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        if (takes_value(name)) {
            const char *value = eq ? eq + 1 : NULL;
            if (value == NULL) {
                if (i + 1 >= argc) {
                    return cf_usage_error(o, "option %s needs a value", name);
                }
                value = argv[++i];
            }
            rc = apply_value(o, name, value);
            if (rc != CF_EXIT_OK) {
                return rc;
            }
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof flag_options / sizeof flag_options[0]; k++) {
            if (strcmp(name, flag_options[k].flag) == 0) {
                if (eq != NULL) {
                    return cf_usage_error(o, "option %s takes no value", name);
                }
                rc = set_config(o, name, flag_options[k].key, flag_options[k].value);
                if (rc != CF_EXIT_OK) {
                    return rc;
                }
                known = true;
            }
        }
        if (!known) {
            return cf_usage_error(o, "unknown option \"%s\"", arg);
        }
    }
    return CF_EXIT_OK;
}

/* ---- after parsing ---------------------------------------------------------- */

int cf_options_open_input(const cf_options *o, FILE **f, const char **name)
{
    struct stat st;
    *f = NULL;
    if (o->schema_dir == NULL && !o->registry && !o->properties) {
        return cf_usage_error(o, "missing --schema-dir DIR or --registry URL (or schema.dir / "
                                 "schema.registry.url through -X or -F)");
    }
    if (o->schema_dir != NULL && stat(o->schema_dir, &st) != 0) {
        return cf_usage_error(o, "--schema-dir %s: %s", o->schema_dir, strerror(errno));
    }
    if (o->schema_dir != NULL && !S_ISDIR(st.st_mode)) {
        return cf_usage_error(o, "--schema-dir %s: not a directory", o->schema_dir);
    }

    FILE *in = stdin;
    *name = "standard input";
    if (o->file != NULL && strcmp(o->file, "-") != 0) {
        *name = o->file;
        in = fopen(o->file, "rb");
        if (in == NULL) {
            return cf_usage_error(o, "cannot open %s: %s", o->file, strerror(errno));
        }
    }
    if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
        cf_options_close_input(in);
        return cf_usage_error(o, "cannot read %s: it is a directory", *name);
    }
    *f = in;
    return CF_EXIT_OK;
}

void cf_options_close_input(FILE *f)
{
    if (f != NULL && f != stdin) {
        fclose(f);
    }
}

int cf_options_start(const cf_options *o, cfavro_client **client, cfavro_decoder **dec)
{
    cfavro_error err;
    *dec = NULL;
    *client = cfavro_client_new(o->cfg, &err);
    if (*client != NULL) {
        *dec = cfavro_decoder_new(*client, &err);
    }
    if (*dec == NULL) {
        fprintf(stderr, "cfavro %s: cannot start: %s\n", o->command, err.message);
        cfavro_client_free(*client);
        *client = NULL;
        return CF_EXIT_USAGE;
    }
    return CF_EXIT_OK;
}

int cf_options_decode(const cf_options *o, cfavro_decoder *dec, const uint8_t *msg, size_t len,
                      const char **json, size_t *json_len)
{
    if (o->header_len == 0) {
        return cfavro_decode_json(dec, msg, len, json, json_len);
    }
    cfavro_frame frame;
    int rc = cfavro_frame_parse_header(o->header, o->header_len, msg, len, &frame, NULL);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    return cfavro_decode_frame_json(dec, &frame, json, json_len);
}

void cf_options_registry_display(const cf_options *o, char *buf, size_t cap)
{
    size_t w = 0;
    const char *p = o->registry_url != NULL ? o->registry_url : "";
    /* Copy URL by URL; in each, drop what lies between "://" and an '@'
     * before the next '/' (user:password). */
    while (*p != '\0' && w + 1 < cap) {
        size_t ulen = strcspn(p, ",");
        const char *scheme = strstr(p, "://");
        size_t keep = ulen;
        const char *rest = p + ulen;
        if (scheme != NULL && scheme < p + ulen) {
            const char *host = scheme + 3;
            size_t hlen = strcspn(host, "/,");
            const char *at = memchr(host, '@', hlen);
            if (at != NULL) {
                keep = (size_t)(host - p);
                rest = at + 1;
            }
        }
        size_t n = keep < cap - 1 - w ? keep : cap - 1 - w;
        memcpy(buf + w, p, n);
        w += n;
        size_t tail = (size_t)(p + ulen - rest);
        n = tail < cap - 1 - w ? tail : cap - 1 - w;
        memcpy(buf + w, rest, n);
        w += n;
        p += ulen;
        if (*p == ',') {
            if (w + 1 < cap) {
                buf[w++] = ',';
            }
            p++;
        }
    }
    if (cap > 0) {
        buf[w] = '\0';
    }
}
