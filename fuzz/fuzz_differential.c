/*
 * Differential fuzz target: cfavro against avro-c's own reader.
 *
 * Same input layout as fuzz_decode (the options byte is ignored). Every
 * message cfavro accepts is also read by avro-c (avro_value_read into a
 * generic value of the same schema; only after cfavro accepted it, because
 * avro-c is not safe on malformed input), which must succeed, and cfavro's
 * JSON, parsed back with jansson, must equal avro-c's value, compared
 * recursively: ints and longs exactly, floats and doubles bit-exactly (NaN
 * and the infinities as cfavro's "NaN"/"Infinity"/"-Infinity" strings),
 * strings byte for byte, bytes and fixed as Avro-JSON code points, enums by
 * symbol, unions by branch (the Avro-JSON wrapper's key must name the
 * branch), records field by field, maps key by key, arrays item by item.
 * cfavro runs with json.union=avro, json.logical=false, json.bytes=avro so
 * that values map one to one.
 *
 * Skipped (counted, not compared): maps with duplicate keys or a NUL in a
 * key, which jansson cannot represent faithfully; schemas marked as not
 * differential in make_seeds.py (top-level bytes); and values avro-c cannot
 * hold (arrays of empty records, see fz_avroc).
 */
#include <avro.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* avro-c's view of each schema of the set (NULL when not differential). */
typedef struct fz_avroc {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    /* avro-c 1.11's generic arrays cannot hold zero-size elements (records
     * without fields): avro_value_read fails with ENOMEM "Couldn't expand
     * array". Inputs that trip over it are skipped, not reported. */
    bool empty_record_array;
} fz_avroc;

/* Does `s` contain an array whose items are a record with no fields? Links
 * (recursive references) are not followed: their target is reached anyway. */
static bool has_empty_record_array(avro_schema_t s)
{
    switch (avro_typeof(s)) {
    case AVRO_ARRAY: {
        avro_schema_t items = avro_schema_array_items(s);
        if (avro_typeof(items) == AVRO_RECORD && avro_schema_record_size(items) == 0) {
            return true;
        }
        return has_empty_record_array(items);
    }
    case AVRO_MAP:
        return has_empty_record_array(avro_schema_map_values(s));
    case AVRO_RECORD:
        for (size_t i = 0; i < avro_schema_record_size(s); i++) {
            if (has_empty_record_array(avro_schema_record_field_get_by_index(s, (int)i))) {
                return true;
            }
        }
        return false;
    case AVRO_UNION:
        for (size_t i = 0; i < avro_schema_union_size(s); i++) {
            if (has_empty_record_array(avro_schema_union_branch(s, (int)i))) {
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

static fz_avroc *g_avroc;
static size_t g_compared, g_skipped;

static void report_counts(void)
{
    fprintf(stderr, "fuzz_differential: %zu values compared with avro-c, %zu skipped\n",
            g_compared, g_skipped);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    (void)fz_client();
    g_avroc = calloc(fz_schema_count(), sizeof *g_avroc);
    FZ_ASSERT(g_avroc != NULL, "out of memory");
    for (size_t i = 0; i < fz_schema_count(); i++) {
        const fz_schema_def *d = fz_schema(i);
        if (!d->differential) {
            continue;
        }
        avro_schema_t s = NULL;
        FZ_ASSERT(avro_schema_from_json_length(d->json, strlen(d->json), &s) == 0,
                  "avro-c cannot parse schema %s: %s", d->name, avro_strerror());
        g_avroc[i].schema = s;
        g_avroc[i].iface = avro_generic_class_from_schema(s);
        g_avroc[i].empty_record_array = has_empty_record_array(s);
        FZ_ASSERT(g_avroc[i].iface != NULL, "avro-c generic class for %s: %s", d->name,
                  avro_strerror());
    }
    atexit(report_counts);
    return 0;
}

/* ---- comparison -------------------------------------------------------- */

typedef struct cmp_ctx {
    const char *json_text; /* for the report */
    char path[512];
} cmp_ctx;

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
static void mismatch(const cmp_ctx *c, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fz_fail("cfavro and avro-c disagree at %s: %s\ncfavro JSON: %.2000s", c->path[0] ? c->path : "$",
            what, c->json_text);
}

/* Append a path segment (".name", "[3]", "[\"key\"]", "<branch>"); returns
 * the old length to restore. */
static size_t path_push(cmp_ctx *c, char kind, const char *s, size_t i)
{
    size_t old = strlen(c->path);
    size_t room = sizeof c->path - old;
    switch (kind) {
    case '.': snprintf(c->path + old, room, ".%s", s); break;
    case '[': snprintf(c->path + old, room, "[%zu]", i); break;
    case 'k': snprintf(c->path + old, room, "[\"%.40s\"]", s); break;
    default: snprintf(c->path + old, room, "<%s>", s); break;
    }
    return old;
}

/* A JSON string of code points U+0000..U+00FF must spell bytes b[0..n). */
static void cmp_codepoints(const cmp_ctx *c, const json_t *j, const uint8_t *b, size_t n)
{
    if (!json_is_string(j)) {
        mismatch(c, "expected a string of code points for %zu bytes", n);
    }
    const uint8_t *s = (const uint8_t *)json_string_value(j);
    size_t len = json_string_length(j), k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned cp;
        if (k < len && s[k] < 0x80) {
            cp = s[k++];
        } else if (k + 1 < len && (s[k] & 0xE0) == 0xC0) {
            cp = ((unsigned)(s[k] & 0x1F) << 6) | (s[k + 1] & 0x3F);
            k += 2;
        } else {
            mismatch(c, "byte %zu: text is not a code point below U+0100", i);
        }
        if (cp != b[i]) {
            mismatch(c, "byte %zu: avro-c 0x%02x, cfavro U+%04X", i, b[i], cp);
        }
    }
    if (k != len) {
        mismatch(c, "cfavro's byte string is longer than avro-c's %zu bytes", n);
    }
}

static void cmp_real(const cmp_ctx *c, const json_t *j, double v, bool is_float)
{
    if (isnan(v) || isinf(v)) {
        const char *want = isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        if (!json_is_string(j) || strcmp(json_string_value(j), want) != 0) {
            mismatch(c, "expected \"%s\"", want);
        }
        return;
    }
    if (!json_is_number(j)) {
        mismatch(c, "expected a number for %.17g", v);
    }
    double got = json_number_value(j);
    if (is_float) {
        float gf = (float)got, vf = (float)v;
        if (memcmp(&gf, &vf, sizeof gf) != 0) {
            mismatch(c, "float: avro-c %.9g, cfavro %.9g", (double)vf, (double)gf);
        }
    } else if (memcmp(&got, &v, sizeof got) != 0) {
        mismatch(c, "double: avro-c %.17g, cfavro %.17g", v, got);
    }
}

static const char *full_name(avro_schema_t s, char *buf, size_t cap)
{
    const char *ns = avro_schema_namespace(s);
    const char *name = avro_schema_type_name(s);
    if (ns != NULL && ns[0] != '\0') {
        snprintf(buf, cap, "%s.%s", ns, name);
    } else {
        snprintf(buf, cap, "%s", name);
    }
    return buf;
}

static void compare(cmp_ctx *c, avro_value_t *v, const json_t *j)
{
    switch (avro_value_get_type(v)) {
    case AVRO_NULL:
        if (!json_is_null(j)) {
            mismatch(c, "expected null");
        }
        return;
    case AVRO_BOOLEAN: {
        int b = 0;
        avro_value_get_boolean(v, &b);
        if (!json_is_boolean(j) || json_is_true(j) != (b != 0)) {
            mismatch(c, "expected %s", b ? "true" : "false");
        }
        return;
    }
    case AVRO_INT32: {
        int32_t i = 0;
        avro_value_get_int(v, &i);
        if (!json_is_integer(j) || json_integer_value(j) != i) {
            mismatch(c, "expected int %d", (int)i);
        }
        return;
    }
    case AVRO_INT64: {
        int64_t l = 0;
        avro_value_get_long(v, &l);
        if (!json_is_integer(j) || json_integer_value(j) != l) {
            mismatch(c, "expected long %lld", (long long)l);
        }
        return;
    }
    case AVRO_FLOAT: {
        float f = 0;
        avro_value_get_float(v, &f);
        cmp_real(c, j, f, true);
        return;
    }
    case AVRO_DOUBLE: {
        double d = 0;
        avro_value_get_double(v, &d);
        cmp_real(c, j, d, false);
        return;
    }
    case AVRO_STRING: {
        const char *s = NULL;
        size_t size = 0;
        avro_value_get_string(v, &s, &size);
        size_t n = size > 0 ? size - 1 : 0; /* avro-c counts its NUL */
        if (!json_is_string(j) || json_string_length(j) != n ||
            memcmp(json_string_value(j), s, n) != 0) {
            mismatch(c, "expected string \"%.*s\" (%zu bytes)", (int)(n > 100 ? 100 : n), s, n);
        }
        return;
    }
    case AVRO_BYTES: {
        const void *b = NULL;
        size_t n = 0;
        avro_value_get_bytes(v, &b, &n);
        cmp_codepoints(c, j, b, n);
        return;
    }
    case AVRO_FIXED: {
        const void *b = NULL;
        size_t n = 0;
        avro_value_get_fixed(v, &b, &n);
        cmp_codepoints(c, j, b, n);
        return;
    }
    case AVRO_ENUM: {
        int e = 0;
        avro_value_get_enum(v, &e);
        const char *sym = avro_schema_enum_get(avro_value_get_schema(v), e);
        if (sym == NULL || !json_is_string(j) || strcmp(json_string_value(j), sym) != 0) {
            mismatch(c, "expected enum symbol %s (index %d)", sym ? sym : "(none)", e);
        }
        return;
    }
    case AVRO_RECORD: {
        size_t n = 0;
        avro_value_get_size(v, &n);
        if (!json_is_object(j) || json_object_size(j) != n) {
            mismatch(c, "expected an object of %zu fields", n);
        }
        for (size_t i = 0; i < n; i++) {
            avro_value_t child;
            const char *name = NULL;
            avro_value_get_by_index(v, i, &child, &name);
            const json_t *jc = json_object_get(j, name);
            size_t old = path_push(c, '.', name, 0);
            if (jc == NULL) {
                mismatch(c, "field missing");
            }
            compare(c, &child, jc);
            c->path[old] = '\0';
        }
        return;
    }
    case AVRO_ARRAY: {
        size_t n = 0;
        avro_value_get_size(v, &n);
        if (!json_is_array(j) || json_array_size(j) != n) {
            mismatch(c, "expected an array of %zu items", n);
        }
        for (size_t i = 0; i < n; i++) {
            avro_value_t child;
            avro_value_get_by_index(v, i, &child, NULL);
            size_t old = path_push(c, '[', NULL, i);
            compare(c, &child, json_array_get(j, i));
            c->path[old] = '\0';
        }
        return;
    }
    case AVRO_MAP: {
        size_t n = 0;
        avro_value_get_size(v, &n);
        if (!json_is_object(j) || json_object_size(j) != n) {
            mismatch(c, "expected an object of %zu map entries", n);
        }
        for (size_t i = 0; i < n; i++) {
            avro_value_t child;
            const char *key = NULL;
            avro_value_get_by_index(v, i, &child, &key);
            const json_t *jc = json_object_get(j, key);
            size_t old = path_push(c, 'k', key, 0);
            if (jc == NULL) {
                mismatch(c, "map key missing");
            }
            compare(c, &child, jc);
            c->path[old] = '\0';
        }
        return;
    }
    case AVRO_UNION: {
        int d = -1;
        avro_value_t branch;
        avro_value_get_discriminant(v, &d);
        avro_value_get_current_branch(v, &branch);
        if (avro_value_get_type(&branch) == AVRO_NULL) {
            if (!json_is_null(j)) {
                mismatch(c, "expected null (union branch %d)", d);
            }
            return;
        }
        char name[512];
        full_name(avro_value_get_schema(&branch), name, sizeof name);
        const json_t *jc = json_is_object(j) && json_object_size(j) == 1
                               ? json_object_get(j, name)
                               : NULL;
        if (jc == NULL) {
            mismatch(c, "expected {\"%s\": ...} (union branch %d)", name, d);
        }
        size_t old = path_push(c, '<', name, 0);
        compare(c, &branch, jc);
        c->path[old] = '\0';
        return;
    }
    default:
        mismatch(c, "unexpected avro-c type %d", (int)avro_value_get_type(v));
    }
}

/* ---- the target ------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_message m;
    if (!fz_message_split(data, size, true, &m)) {
        return 0;
    }
    cfavro_decoder *dec = fz_decoder_begin(m.sel, size);
    if (!(m.sel & FZ_SEL_TIGHT)) {
        /* avro-c spends far more per item than cfavro: keep it quick. */
        fz_set(dec, "limit.items", "4096");
    }
    fz_set(dec, "json.union", "avro");
    fz_set(dec, "json.logical", "false");
    fz_set(dec, "json.bytes", "avro");
    fz_set(dec, "json.nonfinite", "string");
    fz_set(dec, "json.invalid.utf8", "error");

    const char *json = NULL;
    size_t json_len = 0;
    int rc = cfavro_decode_json(dec, m.msg, m.msg_len, &json, &json_len);
    cfavro_frame frame;
    if (rc == CFAVRO_OK) {
        FZ_ASSERT(cfavro_frame_parse(m.msg, m.msg_len, &frame, NULL) == CFAVRO_OK &&
                      frame.kind == CFAVRO_FRAME_V0 && frame.schema_id >= 1 &&
                      (size_t)frame.schema_id <= fz_schema_count(),
                  "decoded a message whose frame is not one of ours");
    }
    size_t index = rc == CFAVRO_OK ? (size_t)frame.schema_id - 1 : 0;
    if (rc == CFAVRO_OK && g_avroc[index].iface == NULL) {
        g_skipped++;
    } else if (rc == CFAVRO_OK) {
        json_error_t jerr;
        json_t *root = json_loadb(json, json_len,
                                  JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
                                  &jerr);
        if (root == NULL) {
            enum json_error_code code = json_error_code(&jerr);
            FZ_ASSERT(code == json_error_duplicate_key || code == json_error_null_byte_in_key,
                      "cfavro JSON rejected by jansson (%s): %.2000s", jerr.text, json);
            g_skipped++;
        } else {
            avro_reader_t reader =
                avro_reader_memory((const char *)frame.payload, (int64_t)frame.payload_size);
            avro_value_t value;
            FZ_ASSERT(reader != NULL && avro_generic_value_new(g_avroc[index].iface, &value) == 0,
                      "avro-c setup failed: %s", avro_strerror());
            int arc = avro_value_read(reader, &value);
            bool known_defect = arc == ENOMEM && g_avroc[index].empty_record_array;
            FZ_ASSERT(arc == 0 || known_defect, "cfavro accepted a %s message that avro-c cannot read (%d: %s)",
                      fz_schema(index)->name, arc, avro_strerror());
            if (known_defect) {
                g_skipped++;
            } else {
                cmp_ctx ctx = {json, ""};
                compare(&ctx, &value, root);
                g_compared++;
            }
            avro_value_decref(&value);
            avro_reader_free(reader);
            json_decref(root);
        }
    }
    fz_decoder_end(dec, size, "fuzz_differential");
    fz_message_free(&m);
    return 0;
}
