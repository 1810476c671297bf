/* gen_settings_doc OUTPUT: write settings.md, the reference of every
 * configuration key, from the library's settings table (through the public
 * listing API, as any user of the library would read it). Run by the build;
 * the result is installed as share/doc/cfavro/settings.md, which
 * include/cfavro.h points to. */
#include <stdbool.h>
#include <stdio.h>

#include "cfavro.h"

/* Text in a Markdown table cell: | would end the cell, < and > would start
 * HTML (<id>.avsc), * and _ would start emphasis (limit.schema.*). */
static void put_cell(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '|': fputs("\\|", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '*': fputs("\\*", f); break;
        case '_': fputs("\\_", f); break;
        default: putc(*s, f); break;
        }
    }
}

static void put_rows(FILE *f, bool available)
{
    fputs("| key | scope | default | accepted values | notes | what it does |\n"
          "|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        const cfavro_setting_info *s = cfavro_setting_at(i);
        if (((s->flags & CFAVRO_SETTING_AVAILABLE) != 0) != available) {
            continue;
        }
        fprintf(f, "| `%s` | %s | ", s->name,
                s->scope == CFAVRO_SETTING_CLIENT ? "client" : "decoder");
        if (s->default_value == NULL) {
            fputs("(unset)", f);
        } else if (s->default_value[0] == '\0') {
            fputs("\"\" (empty)", f);
        } else {
            fprintf(f, "`%s`", s->default_value);
        }
        fputs(" | ", f);
        put_cell(f, s->accepted);
        fputs(" | ", f);
        const char *sep = "";
        if (s->flags & CFAVRO_SETTING_SECRET) {
            fputs("secret", f);
            sep = ", ";
        }
        if (!(s->flags & CFAVRO_SETTING_AVAILABLE)) {
            fprintf(f, "%sreserved", sep);
        }
        fputs(" | ", f);
        put_cell(f, s->doc);
        fputs(" |\n", f);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: gen_settings_doc OUTPUT.md\n", stderr);
        return 2;
    }
    FILE *f = fopen(argv[1], "w");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f,
            "# cfavro %s settings\n"
            "\n"
            "<!-- Generated from the library's settings table by tools/gen_settings_doc.c. "
            "Do not edit. -->\n"
            "\n"
            "Settings are string key/value pairs. Set them with `cfavro_config_set` before\n"
            "`cfavro_client_new`, with `cfavro_decoder_set` (decoder keys only) on one decoder,\n"
            "or with `cfavro decode --set KEY=VALUE`. A value is checked when it is set: an\n"
            "unknown key or a bad value fails with `CFAVRO_E_CONFIG` and a message naming the\n"
            "key. The same table is listed at run time by `cfavro_setting_count` and\n"
            "`cfavro_setting_at` (include/cfavro.h) and by `cfavro decode --help`.\n"
            "\n"
            "- **client** keys are read by `cfavro_client_new`.\n"
            "- **decoder** keys set in the config are the defaults of every decoder made\n"
            "  from the client; `cfavro_decoder_set` overrides them for one decoder.\n"
            "- **secret** values are never shown in error messages; other values and\n"
            "  unknown keys are shown as at most 32 bytes, escaped.\n"
            "\n"
            "## Available in this version\n"
            "\n",
            cfavro_version());
    put_rows(f, true);
    bool any_reserved = false;
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        any_reserved |= (cfavro_setting_at(i)->flags & CFAVRO_SETTING_AVAILABLE) == 0;
    }
    if (any_reserved) {
        fputs("\n"
              "## Reserved for the schema-registry client\n"
              "\n"
              "This build of cfavro has no schema-registry client (it was built without\n"
              "libcurl, or with `-Dregistry=disabled`): setting one of these keys fails with\n"
              "`CFAVRO_E_CONFIG` (after its value is checked). They are listed so that a\n"
              "configuration written for Confluent's clients gets a clear answer.\n"
              "\n",
              f);
        put_rows(f, false);
    }
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
