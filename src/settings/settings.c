/* Looking keys up in the settings table, checking values, applying rows by
 * scope, and the public listing of the table. */
#include <stdio.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "settings_internal.h"

const cf_setting_row *cf_settings_find(const char *key)
{
    /* About 40 rows, looked up only when a setting is set: a scan is enough. */
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        if (strcmp(cf_setting_rows[i].info.name, key) == 0) {
            return &cf_setting_rows[i];
        }
    }
    return NULL;
}

static int unknown_key(const char *key, cfavro_error *err)
{
    char shown[CF_EXCERPT_SIZE];
    cf_settings_excerpt(key, shown);
    return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET, "unknown config key \"%s\"",
                        shown);
}

static int bad_value(const cf_setting_row *row, const char *value, cfavro_error *err)
{
    const char *expected = row->info.accepted;
    char range[64];
    if (row->parser == CF_PARSE_UINT) {
        /* The effective maximum, which is lower than the documented one for
         * some fields on 32-bit platforms (cf_setting_max). */
        snprintf(range, sizeof range, "an integer from %llu to %llu",
                 (unsigned long long)row->min, (unsigned long long)cf_setting_max(row));
        expected = range;
    }
    /* URLs and a proxy may carry user info (basic.auth.credentials.source
     * URL: "https://key:secret@host"), and an excerpt of a mistyped list
     * showed it whole: such a value is treated as a secret. */
    bool may_hold_user_info = row->parser == CF_PARSE_TEXT &&
                              (row->text_rule == CF_TEXT_URL_LIST ||
                               row->text_rule == CF_TEXT_PROXY) &&
                              strchr(value, '@') != NULL;
    if ((row->info.flags & CFAVRO_SETTING_SECRET) || may_hold_user_info) {
        /* Not even an excerpt: a mistyped secret is still mostly the secret. */
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s: invalid value (expected %s; the value of a secret "
                            "setting is not shown)",
                            row->info.name, expected);
    }
    char shown[CF_EXCERPT_SIZE];
    cf_settings_excerpt(value, shown);
    return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                        "config %s: invalid value \"%s\" (expected %s)", row->info.name, shown,
                        expected);
}

/* Store n in the field `row` describes, inside the struct at `base`. */
static void store_number(void *base, const cf_setting_row *row, uint64_t n)
{
    unsigned char *p = (unsigned char *)base + row->offset;
    switch ((cf_field_type)row->field) {
    case CF_FIELD_BOOL: {
        bool b = n != 0;
        memcpy(p, &b, sizeof b);
        break;
    }
    case CF_FIELD_U8: {
        uint8_t v = (uint8_t)n;
        memcpy(p, &v, sizeof v);
        break;
    }
    case CF_FIELD_U32: {
        uint32_t v = (uint32_t)n;
        memcpy(p, &v, sizeof v);
        break;
    }
    case CF_FIELD_U64: {
        uint64_t v = n;
        memcpy(p, &v, sizeof v);
        break;
    }
    case CF_FIELD_TEXT:
        break; /* text rows go through store_text */
    }
}

/* Replace the owned string at *slot with a copy of value. The old one is
 * wiped first: it may be a secret (or a URL or proxy with user info). */
static int store_text(char **slot, const char *value, cfavro_error *err)
{
    char *copy = cf_strndup(value, strlen(value));
    if (copy == NULL) {
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    cf_wipe_text(*slot);
    cf_free(*slot);
    *slot = copy;
    return CFAVRO_OK;
}

int cf_settings_apply(const cf_setting_row *row, const char *value,
                      const cf_settings_target *target, cfavro_error *err)
{
    uint64_t n = 0;
    uint8_t word = 0;
    bool ok = false;
    switch ((cf_setting_parser)row->parser) {
    case CF_PARSE_CHOICE:
        ok = cf_parse_choice(row, value, &word);
        n = word;
        break;
    case CF_PARSE_UINT:
        ok = cf_parse_u64(value, row->min, cf_setting_max(row), &n);
        break;
    case CF_PARSE_TEXT:
        ok = cf_parse_text((cf_text_rule)row->text_rule, value);
        break;
    }
    if (!ok) {
        return bad_value(row, value, err);
    }
    if (target == NULL) {
        return CFAVRO_OK;
    }
    switch ((cf_setting_target)row->target) {
    case CF_TARGET_NONE:
        break;
    case CF_TARGET_OPTIONS:
        if (target->options != NULL) {
            store_number(target->options, row, n);
        }
        break;
    case CF_TARGET_SCHEMA_LIMITS:
        if (target->schema != NULL) {
            store_number(target->schema, row, n);
        }
        break;
    case CF_TARGET_CLIENT_TEXT: {
        char **slot = target->text[row->field];
        if (slot != NULL) {
            return store_text(slot, value, err);
        }
        break;
    }
    case CF_TARGET_REGISTRY:
    case CF_TARGET_READER: {
        void *base = row->target == CF_TARGET_REGISTRY ? (void *)target->registry
                                                       : (void *)target->reader;
        if (base == NULL) {
            break;
        }
        if (row->field == CF_FIELD_TEXT) {
            char **slot = (char **)(void *)((unsigned char *)base + row->offset);
            return store_text(slot, value, err);
        }
        store_number(base, row, n);
        break;
    }
    }
    return CFAVRO_OK;
}

int cf_settings_apply_defaults(const cf_settings_target *target, cfavro_error *err)
{
    for (size_t i = 0; i < cf_setting_row_count; i++) {
        const cf_setting_row *row = &cf_setting_rows[i];
        if (row->info.default_value != NULL) {
            /* Defaults parse (tests/test_settings.c checks every row), so
             * the only possible failure is memory for a text default. */
            int rc = cf_settings_apply(row, row->info.default_value, target, err);
            if (rc != CFAVRO_OK) {
                return rc;
            }
        }
    }
    return CFAVRO_OK;
}

/* The value is well formed and this build supports the key. */
static int check_usable(const cf_setting_row *row, const char *value, cfavro_error *err)
{
    int rc = cf_settings_apply(row, value, NULL, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    if (!(row->info.flags & CFAVRO_SETTING_AVAILABLE)) {
        /* Only the registry's HTTP keys are ever unavailable: in a build
         * without libcurl. The value was checked first so that a config
         * written for the registry client reports its real mistakes now
         * rather than one at a time later. */
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s: this build of cfavro has no schema-registry client "
                            "(built without libcurl; schemas come from schema.dir or "
                            "cfavro_client_add_schema)",
                            row->info.name);
    }
    return CFAVRO_OK;
}

int cf_settings_check(const char *key, const char *value, const cf_setting_row **out,
                      cfavro_error *err)
{
    const cf_setting_row *row = cf_settings_find(key);
    if (row == NULL) {
        return unknown_key(key, err);
    }
    int rc = check_usable(row, value, err);
    if (rc == CFAVRO_OK) {
        *out = row;
    }
    return rc;
}

int cf_settings_set_decoder(const cf_settings_target *target, const char *key,
                            const char *value, cfavro_error *err)
{
    const cf_setting_row *row = cf_settings_find(key);
    if (row == NULL) {
        return unknown_key(key, err);
    }
    if (row->info.scope != CFAVRO_SETTING_DECODER) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config %s is a client setting: set it in the cfavro_config given "
                            "to cfavro_client_new, not on a decoder",
                            row->info.name);
    }
    int rc = check_usable(row, value, err);
    if (rc != CFAVRO_OK) {
        return rc;
    }
    return cf_settings_apply(row, value, target, err);
}

size_t cfavro_setting_count(void)
{
    return cf_setting_row_count;
}

const cfavro_setting_info *cfavro_setting_at(size_t index)
{
    return index < cf_setting_row_count ? &cf_setting_rows[index].info : NULL;
}
