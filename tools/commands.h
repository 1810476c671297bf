/* Subcommands of the `cfavro` tool. Each takes the arguments after its name
 * and returns the process exit status. */
#ifndef CFAVRO_TOOLS_COMMANDS_H
#define CFAVRO_TOOLS_COMMANDS_H

#include <stdio.h>

/* Exit statuses shared by every command. */
enum {
    CF_EXIT_OK = 0,     /* everything succeeded */
    CF_EXIT_FAILED = 1, /* at least one message failed */
    CF_EXIT_USAGE = 2   /* bad command line or unusable setup */
};

int cf_cmd_decode(int argc, char **argv);
void cf_cmd_decode_help(FILE *out);
int cf_cmd_inspect(int argc, char **argv);
void cf_cmd_inspect_help(FILE *out);

#endif
