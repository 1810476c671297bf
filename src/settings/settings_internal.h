/* The settings table: every configuration key is one row saying what it
 * accepts, its default, where it applies and how it is documented. The
 * config validates through it, the client and its decoders apply rows by
 * scope, and the public listing (cfavro_setting_at), the CLI's --help and the
 * installed settings.md are all read from it, so no list of keys exists
 * twice. */
#ifndef CFAVRO_SETTINGS_INTERNAL_H
#define CFAVRO_SETTINGS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "excerpt_internal.h"
#include "options_internal.h"
#include "reader_config_internal.h"
#include "registry_config_internal.h"
#include "schema_internal.h"

/* How a row reads its value. */
typedef enum cf_setting_parser {
    CF_PARSE_CHOICE = 0, /* one word of a fixed list, mapped to a small number */
    CF_PARSE_UINT = 1,   /* a decimal integer in [min, max]: no sign, no spaces */
    CF_PARSE_TEXT = 2    /* text checked by a cf_text_rule and kept as it is */
} cf_setting_parser;

/* What a CF_PARSE_TEXT value must look like. */
typedef enum cf_text_rule {
    CF_TEXT_NONEMPTY = 0,  /* any bytes, not empty (file names, passwords) */
    CF_TEXT_URL_LIST = 1,  /* comma-separated http:// or https:// URLs */
    CF_TEXT_PROXY = 2,     /* SCHEME://HOST... */
    CF_TEXT_USER_INFO = 3, /* USER:PASSWORD, no control bytes */
    CF_TEXT_TOKEN = 4      /* not empty, visible ASCII only: tokens and ids go
                              into HTTP headers and paths, where CR/LF or
                              spaces would change the request */
} cf_text_rule;

/* Where a row's value is stored when it is applied. */
typedef enum cf_setting_target {
    CF_TARGET_NONE = 0,          /* nowhere: the value is only checked (a key whose
                                    one accepted value is the behaviour anyway) */
    CF_TARGET_OPTIONS = 1,       /* a field of cf_options (decoder rows) */
    CF_TARGET_SCHEMA_LIMITS = 2, /* a field of the client's cf_schema_limits */
    CF_TARGET_CLIENT_TEXT = 3,   /* an owned copy in one of the client's strings */
    CF_TARGET_REGISTRY = 4,      /* a field of cf_registry_config: numbers by value,
                                    text (CF_FIELD_TEXT) as an owned copy */
    CF_TARGET_READER = 5         /* a field of cf_reader_config, likewise */
} cf_setting_target;

/* The type of the field a CF_TARGET_OPTIONS / CF_TARGET_SCHEMA_LIMITS /
 * CF_TARGET_REGISTRY row writes, so one store routine serves every row. */
typedef enum cf_field_type {
    CF_FIELD_BOOL = 0,
    CF_FIELD_U8 = 1,
    CF_FIELD_U32 = 2,
    CF_FIELD_U64 = 3,
    CF_FIELD_TEXT = 4 /* a char * owning a copy of the value (CF_PARSE_TEXT rows) */
} cf_field_type;

/* The client's strings, for CF_TARGET_CLIENT_TEXT rows (index = row field). */
typedef enum cf_client_text {
    CF_CLIENT_TEXT_SCHEMA_DIR = 0,
    CF_CLIENT_TEXT_COUNT
} cf_client_text;

/* One accepted word of a CF_PARSE_CHOICE row and the value it stores. */
typedef struct cf_choice {
    const char *word;
    uint8_t value;
} cf_choice;

typedef struct cf_setting_row {
    cfavro_setting_info info; /* the public part: name, default, accepted, doc,
                                 scope, flags */
    uint8_t parser;           /* cf_setting_parser */
    uint8_t text_rule;        /* cf_text_rule, for CF_PARSE_TEXT */
    uint8_t target;           /* cf_setting_target */
    uint8_t field;            /* cf_field_type, or cf_client_text for
                                 CF_TARGET_CLIENT_TEXT */
    uint32_t offset;          /* of the field in the target struct */
    const cf_choice *choices; /* CF_PARSE_CHOICE: nchoices words */
    size_t nchoices;
    uint64_t min, max;        /* CF_PARSE_UINT */
} cf_setting_row;

/* The table (settings_table.c), in documentation order. */
extern const cf_setting_row cf_setting_rows[];
extern const size_t cf_setting_row_count;

/* Where applying rows writes. Any member may be NULL: rows aimed at it are
 * then only checked. */
typedef struct cf_settings_target {
    cf_options *options;        /* decoder rows */
    cf_schema_limits *schema;   /* limit.schema.* */
    char **text[CF_CLIENT_TEXT_COUNT]; /* owned strings, replaced on apply */
    cf_registry_config *registry; /* the registry and schema-cache rows; its strings
                                     are owned, replaced (old copy wiped) on apply */
    cf_reader_config *reader;     /* the reader-schema rows; strings as registry's */
} cf_settings_target;

/* The row named `key`, or NULL. */
const cf_setting_row *cf_settings_find(const char *key);

/* Look `key` up and check `value` as cfavro_config_set does: an unknown key,
 * a bad value or a row this build does not support fails with
 * CFAVRO_E_CONFIG. On success *row is the key's row. */
int cf_settings_check(const char *key, const char *value, const cf_setting_row **row,
                      cfavro_error *err);

/* Parse `value` for `row` and store it in `target` (NULL: check only).
 * CFAVRO_OK, CFAVRO_E_CONFIG (nothing stored) or CFAVRO_E_NOMEM. Does not
 * look at the row's scope or availability (see cf_settings_check). */
int cf_settings_apply(const cf_setting_row *row, const char *value,
                      const cf_settings_target *target, cfavro_error *err);

/* Apply the default of every row that has one and a place in `target`.
 * Fails only with CFAVRO_E_NOMEM (a text default that cannot be copied). */
int cf_settings_apply_defaults(const cf_settings_target *target, cfavro_error *err);

/* cfavro_decoder_set: a decoder row applied to `target` (its options and,
 * for reader.schema, its reader member); client rows, unknown keys and bad
 * values fail with CFAVRO_E_CONFIG, target unchanged. */
int cf_settings_set_decoder(const cf_settings_target *target, const char *key,
                            const char *value, cfavro_error *err);

/* At most CF_EXCERPT_BYTES bytes of `s`, printable ASCII kept, every other
 * byte (and " and \) as \xNN, "..." when cut: what an error may show of a
 * value or key it did not choose. Always NUL-terminated. */
#define CF_EXCERPT_BYTES 32
#define CF_EXCERPT_SIZE CF_EXCERPT_CAP(CF_EXCERPT_BYTES)
void cf_settings_excerpt(const char *s, char out[CF_EXCERPT_SIZE]);

/* The value parsers (settings_parse.c). Each returns true when `value` is
 * acceptable, with the parsed number in *out where there is one. */
bool cf_parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out);
bool cf_parse_choice(const cf_setting_row *row, const char *value, uint8_t *out);
bool cf_parse_text(cf_text_rule rule, const char *value);

/* The largest value a row may store: its max, capped so that a limit plus
 * one still fits the field (a decoder adds 1 to limit.output.bytes for the
 * NUL; on 32-bit platforms size_t fields are 32 bits wide). */
uint64_t cf_setting_max(const cf_setting_row *row);

#endif
