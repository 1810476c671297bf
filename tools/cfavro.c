/* The `cfavro` command-line tool: subcommand dispatch, --help, --version. */
#include <stdio.h>
#include <string.h>

#include "cfavro.h"
#include "commands.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*help)(FILE *out);
} command;

static const command commands[] = {
    {"decode", "decode Confluent-framed Avro messages to NDJSON", cf_cmd_decode,
     cf_cmd_decode_help},
    {"inspect", "explain messages: framing, schema, value or error, common mistakes",
     cf_cmd_inspect, cf_cmd_inspect_help},
};

static void usage(FILE *out)
{
    fputs("Usage: cfavro COMMAND [options]\n"
          "       cfavro --help | --version\n"
          "\n"
          "Decode and inspect Confluent-framed Avro (Kafka wire format) messages.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n"
          "Run 'cfavro COMMAND --help' (or 'cfavro help COMMAND') for a command's\n"
          "options. Exit status: 0 success, 1 some messages failed, 2 usage error.\n",
          out);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CF_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        usage(stdout);
        return CF_EXIT_OK;
    }
    if (strcmp(arg, "--version") == 0) {
        printf("cfavro %s (library %s)\n", CFAVRO_VERSION_STRING, cfavro_version());
        return CF_EXIT_OK;
    }
    if (strcmp(arg, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return CF_EXIT_OK;
        }
        const command *c = find(argv[2]);
        if (c == NULL) {
            fprintf(stderr, "cfavro: unknown command \"%s\"\n", argv[2]);
            return CF_EXIT_USAGE;
        }
        c->help(stdout);
        return CF_EXIT_OK;
    }
    const command *c = find(arg);
    if (c == NULL) {
        fprintf(stderr, "cfavro: unknown command \"%s\"\nRun 'cfavro --help' for the list.\n",
                arg);
        return CF_EXIT_USAGE;
    }
    return c->run(argc - 2, argv + 2);
}
