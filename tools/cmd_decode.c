/* `cfavro decode`: framed Avro messages in, one JSON document per line out. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfavro.h"
#include "commands.h"
#include "input.h"
#include "input_hints.h"
#include "options.h"
#include "stats.h"
#include "text.h"

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
        "Input:\n",
        out);
    cf_options_help_sources(out);
    cf_options_help_format(out, "                        (-1) marks a null value (a Kafka "
                                "tombstone): it is\n"
                                "                        skipped with a note on standard "
                                "error and does\n"
                                "                        not change the exit status\n");
    fputs("\n", out);
    cf_options_help_output(out);
    cf_options_help_config(out);
    cf_stats_help(out);
    cf_options_help_settings(out);
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
        cf_put_clean(stderr, e->path);
    }
    fputs(": ", stderr);
    cf_put_clean(stderr, e->message);
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
    cf_put_clean(stderr, e->message);
    putc('\n', stderr);
}

static void flush_stdout(void *arg)
{
    (void)arg;
    fflush(stdout);
}

/* Decode every message of `in`; returns the exit status. */
static int run(cfavro_decoder *dec, cf_input *in, const cf_options *a, cf_run_stats *st)
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
            cf_run_stats_record(st, CF_RUN_INPUT_ERROR, cf_input_position(in));
            cf_run_stats_stderr_begin(st);
            report_input(index, &ierr);
            cf_run_stats_stderr_end(st);
            failed++;
            continue;
        }
        if (r == CF_INPUT_NULL) {
            /* Tombstones are normal on compacted topics: say so, but they
             * are not failures and print no JSON line (there is no value). */
            cf_run_stats_record(st, CF_RUN_TOMBSTONE, cf_input_position(in));
            cf_run_stats_stderr_begin(st);
            fflush(stdout);
            fprintf(stderr, "cfavro: message %llu: null value (tombstone), skipped\n",
                    (unsigned long long)index);
            cf_run_stats_stderr_end(st);
            continue;
        }
        const char *json;
        size_t json_len;
        int rc = cf_options_decode(a, dec, msg, len, &json, &json_len);
        cf_run_stats_message(st, msg, len, a->header, a->header_len, rc, cf_input_position(in));
        if (rc != CFAVRO_OK) {
            cf_run_stats_stderr_begin(st);
            report_decode(index, cfavro_decoder_error(dec),
                          a->format == CF_INPUT_RAW && a->header_len == 0
                              ? cf_raw_input_hint(msg, len)
                              : NULL);
            cf_run_stats_stderr_end(st);
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

/* The command line: the shared options and the statistics options. */
typedef struct decode_args {
    cf_options opt;
    cf_stats_options stats;
} decode_args;

static int apply_stats_option(void *ctx, const char *name, const char *value)
{
    decode_args *d = ctx;
    return cf_stats_apply_option(&d->stats, &d->opt, name, value);
}

/* Everything after argument parsing; owns nothing but what it opens. */
static int decode_main(cf_options *a, const cf_stats_options *so)
{
    FILE *f;
    const char *name;
    int status = cf_options_open_input(a, &f, &name);
    if (status != CF_EXIT_OK) {
        return status;
    }
    cfavro_client *client;
    cfavro_decoder *dec;
    status = cf_options_start(a, &client, &dec);
    cf_input *in = dec ? cf_input_open_file(f, a->format, a->max_message) : NULL;
    if (dec != NULL && in == NULL) {
        fprintf(stderr, "cfavro decode: cannot start: out of memory\n");
        status = CF_EXIT_USAGE;
    } else if (in != NULL) {
        /* Results of a live stream show up as soon as the input pauses;
         * otherwise output goes out in large blocks. */
        cf_input_set_wait_hook(in, flush_stdout, NULL);
        cf_run_stats *stats = cf_run_stats_start(so, client);
        status = run(dec, in, a, stats);
        cf_run_stats_finish(stats);
    }
    cf_input_free(in);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    cf_options_close_input(f);
    return status;
}

int cf_cmd_decode(int argc, char **argv)
{
    static char outbuf[1 << 16];
    decode_args d = {0};
    int status = cf_options_init(&d.opt, "decode");
    if (status != CF_EXIT_OK) {
        return status;
    }
    d.opt.extra = cf_stats_extra_options;
    d.opt.extra_count = CF_STATS_EXTRA_OPTIONS;
    d.opt.apply_extra = apply_stats_option;
    d.opt.extra_ctx = &d;
    status = cf_options_parse(&d.opt, argc, argv);
    if (status == CF_EXIT_OK && d.opt.help) {
        cf_cmd_decode_help(stdout);
    } else if (status == CF_EXIT_OK) {
        if (!isatty(fileno(stdout))) {
            setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
        }
        status = decode_main(&d.opt, &d.stats);
    }
    cf_options_free(&d.opt);
    return status;
}
