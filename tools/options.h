/* The options every decoding command of the tool shares (decode, inspect):
 * schema sources, input format, output settings, -X / -F configuration,
 * header mode; their parsing, checks and help text. A command adds its own
 * options through cf_options.extra and apply_extra. */
#ifndef CFAVRO_TOOLS_OPTIONS_H
#define CFAVRO_TOOLS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfavro.h"
#include "input.h"

/* One option of a command's own, e.g. {"--json", false} or {"-n", true}.
 * A long name ("--x") takes its value as "--x VALUE" or "--x=VALUE", a short
 * one ("-n") as "-n VALUE" or "-nVALUE". */
typedef struct cf_extra_option {
    const char *name;
    bool takes_value;
} cf_extra_option;

typedef struct cf_options {
    const char *command; /* "decode": names the command in messages */

    /* What the command line said. Strings point into argv. */
    const char *schema_dir;   /* the last --schema-dir / schema.dir, checked before
                                 decoding; NULL when unset or when a later -F
                                 may have replaced it */
    const char *registry_url; /* the last schema.registry.url given on the
                                 command line (may hold user info: show it only
                                 through cf_options_registry_display); NULL when
                                 unset or a later -F may have replaced it */
    bool registry;            /* schema.registry.url was set */
    bool properties;          /* a -F file was applied: it may name a source */
    const char *reader_schema; /* --reader-schema FILE, or NULL */
    cf_input_format format;
    size_t max_message;
    const char *file; /* NULL: standard input */
    cfavro_config *cfg;
    uint8_t header[CFAVRO_HEADER_V1_SIZE]; /* --header: the schema-id header value */
    size_t header_len;                     /* 0: no --header (messages are framed) */
    char header_name[32];                  /* --header: its NAME */
    bool help;

    /* The command's own options: apply_extra(extra_ctx, name, value) is
     * called for each (value NULL for a flag) and returns CF_EXIT_OK or a
     * usage error it reported (cf_usage_error). */
    const cf_extra_option *extra;
    size_t extra_count;
    int (*apply_extra)(void *ctx, const char *name, const char *value);
    void *extra_ctx;
} cf_options;

/* Set up `o` for `command` with the defaults (raw format, 64 MiB messages)
 * and an empty config. Returns CF_EXIT_OK, or CF_EXIT_USAGE after saying
 * that memory ran out. */
int cf_options_init(cf_options *o, const char *command);
void cf_options_free(cf_options *o);

/* Parse the arguments after the command's name. CF_EXIT_OK (o->help set for
 * -h / --help) or a usage error already reported. */
int cf_options_parse(cf_options *o, int argc, char **argv);

/* "cfavro COMMAND: MESSAGE" and a pointer to --help on stderr; returns
 * CF_EXIT_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int cf_usage_error(const cf_options *o, const char *fmt, ...);

/* N with an optional K/M/G (binary) suffix, 1 .. 4 GiB. */
bool cf_parse_size(const char *s, size_t *out);

/* After parsing: a schema source is named and a --schema-dir is a
 * directory; then open the input (o->file, or standard input) into *f and
 * its name for messages into *name. CF_EXIT_OK or a usage error reported.
 * Close *f with cf_options_close_input. */
int cf_options_open_input(const cf_options *o, FILE **f, const char **name);
void cf_options_close_input(FILE *f);

/* The client and one decoder from o->cfg. CF_EXIT_OK, or CF_EXIT_USAGE after
 * "cannot start: ..." (both outputs NULL then). */
int cf_options_start(const cf_options *o, cfavro_client **client, cfavro_decoder **dec);

/* Decode one message as the options say: framed, or with --header the
 * unprefixed payload of a record carrying that schema-id header. */
int cf_options_decode(const cf_options *o, cfavro_decoder *dec, const uint8_t *msg, size_t len,
                      const char **json, size_t *json_len);

/* o->registry_url fit to show: each URL with its user info (user:password@)
 * left out. Writes "" when no URL is known. */
void cf_options_registry_display(const cf_options *o, char *buf, size_t cap);

/* Help text of the shared options, in the order the commands print them:
 * the schema sources (--schema-dir ... --header); --format and
 * --max-message-bytes, where `null_value` says (in lines indented to column
 * 24, each ending in '\n') what the command does with a len32be null value;
 * the output options; -X / -F; the settings table. */
void cf_options_help_sources(FILE *out);
void cf_options_help_format(FILE *out, const char *null_value);
void cf_options_help_output(FILE *out);
void cf_options_help_config(FILE *out);
void cf_options_help_settings(FILE *out);

#endif
