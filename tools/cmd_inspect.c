/* `cfavro inspect`: explain messages for a person (or, with --json, for a
 * program): how each is framed, which schema it names and where that came
 * from, its value or its first error, and the usual mistakes in words. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "input.h"
#include "inspect.h"
#include "options.h"

void cf_cmd_inspect_help(FILE *out)
{
    fputs(
        "Usage: cfavro inspect --schema-dir DIR [options] [FILE|-]\n"
        "       cfavro inspect --registry URL [options] [FILE|-]\n"
        "\n"
        "Explain one message (or the first N of a stream) for a person: its wire\n"
        "format (Confluent V0 or V1 header, header mode, or none), its schema id or\n"
        "GUID, the schema's name and where it came from (schema.dir file, registry\n"
        "URL, the on-disk copy), then the decoded value as indented JSON, or the\n"
        "first error with its status, class, offset, field path and a hexdump with\n"
        "the failing byte marked. Input is FILE, or standard input when FILE is '-'\n"
        "or absent; it is read as for 'cfavro decode'.\n"
        "\n"
        "The report names the usual mistakes in words:\n"
        "  - a framed message given to a raw Avro decoder (Spark's from_avro,\n"
        "    fastavro's schemaless_reader): for every framed message that decodes,\n"
        "    what such a decoder reads from the same bytes with the same schema,\n"
        "    e.g. the header read as a negative length (\"Malformed data. Length is\n"
        "    negative: -6\");\n"
        "  - a raw Avro payload with no Confluent header (and which schema at hand\n"
        "    decodes it);\n"
        "  - JSON or plain text instead of Avro;\n"
        "  - the wrong schema id for the payload: it leaves trailing bytes, or does\n"
        "    not fit while another schema at hand decodes it cleanly;\n"
        "  - a schema id no source knows;\n"
        "  - a Kafka tombstone (a null or empty value);\n"
        "  - a stream or a hex/base64 dump read with the wrong --format, and in header\n"
        "    mode a payload that still carries a Confluent header.\n"
        "  \"The schemas at hand\" are schema.dir's <id>.avsc files (the 64 smallest\n"
        "  ids) and the schemas the run has loaded so far.\n"
        "\n"
        "Input:\n",
        out);
    cf_options_help_sources(out);
    cf_options_help_format(out, "                        (-1) marks a null value (a Kafka "
                                "tombstone): it is\n"
                                "                        reported as one and is not a "
                                "failure\n");
    fputs("  -n N                  inspect N records (default 1; 0: all of them)\n"
          "  --skip N              first skip N records (default 0): --skip 4 -n 1\n"
          "                        inspects the record 'cfavro decode' calls message 4\n"
          "\n"
          "Report:\n"
          "  --json                one JSON object per record, one per line, instead of\n"
          "                        the text report. Fields: index, bytes, wire_format\n"
          "                        (v0, v1, header, none, null), schema_id, guid,\n"
          "                        header {name, hex}, schema {name, origin (directory,\n"
          "                        registry, persisted, memory), location, context,\n"
          "                        failed, error_status}, reader_schema, decoded,\n"
          "                        failed, value (the decoded JSON), error {status,\n"
          "                        status_name, class, class_name, offset, path,\n"
          "                        message}, raw_decoder {decoded, error}, candidates\n"
          "                        (other schema ids that decode the bytes), findings\n"
          "                        [{kind, title, detail}], excerpt {start, end, hex,\n"
          "                        mark}; a record the input format cannot read has\n"
          "                        index, input_error {offset, line, message},\n"
          "                        decoded and failed only. Finding kinds:\n"
          "                        framed_to_raw_decoder, raw_avro_no_header,\n"
          "                        json_not_avro, text_not_avro, wrong_schema_id,\n"
          "                        payload_does_not_match, unknown_schema_id,\n"
          "                        tombstone, wrong_input_format,\n"
          "                        framed_payload_in_header_mode\n"
          "\n",
          out);
    cf_options_help_output(out);
    cf_options_help_config(out);
    cf_options_help_settings(out);
    fputs("Exit status:\n"
          "  0  every record inspected decoded (null values count as decoded)\n"
          "  1  at least one failed to decode or could not be read (its report says\n"
          "     why), or the report could not be written\n"
          "  2  usage error: unknown option, bad value or setting, no schema source,\n"
          "     schema directory not a directory, unreadable input or -F file, bad\n"
          "     --header or -n\n"
          "\n"
          "Examples:\n"
          "  cfavro inspect --schema-dir schemas message.bin\n"
          "  kcat -C -b BROKER -t TOPIC -o -5 -e -f '%R%s' |\n"
          "      cfavro inspect --registry http://registry:8081 --format len32be -n 5\n"
          "  cfavro inspect --schema-dir schemas --json message.bin | jq .findings\n"
          "  cfavro inspect --schema-dir schemas \\\n"
          "      --header __value_schema_id=hex:0000000007 payload.bin\n",
          out);
}

typedef struct inspect_args {
    cf_options opt;
    uint64_t skip;  /* records passed over first */
    uint64_t count; /* records to inspect; 0: all */
    bool json;
} inspect_args;

static const cf_extra_option inspect_options[] = {
    {"-n", true}, {"--skip", true}, {"--json", false}};

static int apply_inspect_option(void *ctx, const char *name, const char *value)
{
    inspect_args *a = ctx;
    if (strcmp(name, "--json") == 0) {
        a->json = true;
        return CF_EXIT_OK;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0) {
        return cf_usage_error(&a->opt, "%s: expected a number of records, not \"%.32s\"",
                              name, value);
    }
    if (strcmp(name, "--skip") == 0) {
        a->skip = n;
    } else {
        a->count = n;
    }
    return CF_EXIT_OK;
}

/* Inspect the records of `in` the options select; returns the exit status. */
static int run(cf_inspector *insp, cf_input *in, const inspect_args *a)
{
    static cf_inspect_report report; /* large: not on the stack */
    bool failed = false;
    uint64_t seen = 0;      /* records read, skipped ones included */
    uint64_t inspected = 0;
    while (a->count == 0 || inspected < a->count) {
        const uint8_t *msg;
        size_t len;
        cf_input_error ierr;
        cf_input_result r = cf_input_next(in, &msg, &len, &ierr);
        if (r == CF_INPUT_END) {
            break;
        }
        report.index = seen++;
        if (report.index < a->skip) {
            continue;
        }
        inspected++;
        if (r == CF_INPUT_ERROR) {
            cf_inspect_input_error(&report, &ierr);
        } else if (r == CF_INPUT_NULL) {
            cf_inspect_null(&report);
        } else {
            cf_inspect_message(insp, msg, len, &report);
        }
        failed |= cf_inspect_failed(&report);
        if (a->json) {
            cf_inspect_render_json(stdout, &report);
        } else {
            if (inspected > 1) {
                putc('\n', stdout); /* a blank line between reports */
            }
            cf_inspect_render_text(stdout, &report);
        }
    }
    if (inspected == 0) {
        /* Not a failure: nothing is wrong with what was there. */
        fprintf(stderr, "cfavro inspect: no record to inspect: the input holds %llu\n",
                (unsigned long long)seen);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cfavro inspect: cannot write the report: %s\n", strerror(errno));
        return CF_EXIT_FAILED;
    }
    return failed ? CF_EXIT_FAILED : CF_EXIT_OK;
}

static int inspect_main(inspect_args *a)
{
    FILE *f;
    const char *name;
    int status = cf_options_open_input(&a->opt, &f, &name);
    if (status != CF_EXIT_OK) {
        return status;
    }
    cf_inspector *insp = cf_inspector_new(&a->opt);
    cf_input *in = insp ? cf_input_open_file(f, a->opt.format, a->opt.max_message) : NULL;
    if (insp == NULL) {
        status = CF_EXIT_USAGE;
    } else if (in == NULL) {
        fprintf(stderr, "cfavro inspect: cannot start: out of memory\n");
        status = CF_EXIT_USAGE;
    } else {
        status = run(insp, in, a);
    }
    cf_input_free(in);
    cf_inspector_free(insp);
    cf_options_close_input(f);
    return status;
}

int cf_cmd_inspect(int argc, char **argv)
{
    static inspect_args a;
    a.skip = 0;
    a.count = 1;
    a.json = false;
    int status = cf_options_init(&a.opt, "inspect");
    if (status != CF_EXIT_OK) {
        return status;
    }
    a.opt.extra = inspect_options;
    a.opt.extra_count = sizeof inspect_options / sizeof inspect_options[0];
    a.opt.apply_extra = apply_inspect_option;
    a.opt.extra_ctx = &a;
    status = cf_options_parse(&a.opt, argc, argv);
    if (status == CF_EXIT_OK && a.opt.help) {
        cf_cmd_inspect_help(stdout);
    } else if (status == CF_EXIT_OK) {
        status = inspect_main(&a);
    }
    cf_options_free(&a.opt);
    return status;
}
