/*
 * Fuzz target: a (writer, reader) schema pair through schema resolution
 * (cf_schema_resolve) and the resolved program over a payload.
 *
 * Input (see fuzz/README.md):
 *     byte 0   selector: bit 5 decode.trailing.bytes=allow, bit 6 tight
 *              limits (limit.depth=8, limit.items=64)
 *     byte 1   output options, as fz_decoder_options maps them
 *     WRITER   writer schema JSON, then a NUL byte
 *     READER   reader schema JSON, then a NUL byte
 *     PAYLOAD  Avro binary of the writer schema (the rest)
 * With one NUL only, the rest after it is the reader and the payload is
 * empty; with none, the whole rest is the writer (self-checks only).
 *
 * Checks:
 * - compiles fail only with a schema status and a message;
 * - self-resolution: the writer resolved against itself (the same compiled
 *   schema, and a second compile of its text) succeeds, and its program
 *   gives the very same result on the payload as the writer alone: status,
 *   offset, path and byte-identical JSON;
 * - resolution fails only with CFAVRO_E_INCOMPATIBLE, CFAVRO_E_SCHEMA_INVALID
 *   (a reader default that does not fit), CFAVRO_E_LIMIT_SCHEMA or
 *   CFAVRO_E_NOMEM, with a message that starts with err.path (which names
 *   the reader's root record when the root is one) and no program;
 * - a resolved program: cf_walk_json and cf_walk_validate agree on status,
 *   offset and path; failures have a data, trailing or limit status and an
 *   offset inside the payload; the JSON parses with jansson and, in Avro
 *   JSON mode (json.union=avro, json.logical=false), conforms to the
 *   reader schema (record fields exactly the reader's, in its order, enum
 *   symbols the reader's, union wrappers the reader's branch names, ints in
 *   32 bits);
 * - the resolved walk and the writer's own walk agree on validity, apart
 *   from what resolution changes by design: a writer branch or symbol the
 *   reader cannot take (612), bytes read as text (UTF-8 checked), text
 *   skipped unchecked, limits counted on the reader's side;
 * - memory within the bound of fuzz_common.h, nothing left live.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "options_internal.h"
#include "schema_internal.h"
#include "schema_resolve_internal.h"
#include "walk_json_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_alloc_install();
    return 0;
}

/* An exact-size heap copy (ASan sees any over-read); never NULL. */
static char *copy_exact(const uint8_t *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    FZ_ASSERT(c != NULL, "out of memory");
    if (n > 0) {
        memcpy(c, p, n);
    }
    return c;
}

/* The walk options an input asks for (the fuzz_decode mapping). */
static void input_options(uint8_t sel, uint8_t opt, size_t size, cf_options *o)
{
    cf_options_default(o);
    o->walk.allow_trailing = (sel & FZ_SEL_TRAILING) != 0;
    if (sel & FZ_SEL_TIGHT) {
        o->walk.max_depth = 8;
        o->walk.max_items = 64;
    }
    static const uint8_t bytes_modes[4] = {CF_BYTES_AVRO, CF_BYTES_BASE64, CF_BYTES_HEX,
                                           CF_BYTES_AVRO};
    o->json.union_style = (opt & 0x01) ? CF_UNION_PLAIN : CF_UNION_AVRO;
    o->json.bytes_mode = bytes_modes[(opt >> 1) & 3];
    o->json.logical = (opt & 0x08) == 0;
    o->json.time_style = (opt & 0x10) ? CF_TIME_EPOCH : CF_TIME_ISO8601;
    o->json.decimal_quoted = (opt & 0x20) == 0;
    o->json.nonfinite = (opt & 0x40) ? CF_NONFINITE_NULL : CF_NONFINITE_STRING;
    o->walk.utf8 = (opt & 0x80) ? CF_UTF8_REPLACE : CF_UTF8_ERROR;
    o->json.max_output = FZ_OUT_FACTOR * size + FZ_OUT_CONST;
}

/* One walk's result: status, error detail and JSON (owned by the caller). */
typedef struct walk_result {
    int rc;
    cfavro_error err;
    cf_buf out;
} walk_result;

static walk_result walk_json(const cf_schema *s, const cf_options *o, cf_walk_keys *keys,
                             const uint8_t *p, size_t len)
{
    walk_result r;
    r.out = (cf_buf){NULL, 0, 0, o->json.max_output};
    r.rc = cf_walk_json(s, &o->walk, keys, &o->json, p, len, 0, &r.out, &r.err);
    return r;
}

static bool documented_data_status(int rc)
{
    return (rc >= CFAVRO_E_DATA_TRUNCATED && rc <= CFAVRO_E_DATA_UNRESOLVED) ||
           rc == CFAVRO_E_TRAILING_BYTES || rc == CFAVRO_E_LIMIT_DEPTH ||
           rc == CFAVRO_E_LIMIT_ITEMS || rc == CFAVRO_E_LIMIT_OUTPUT;
}

/* The compile of one schema text: a schema, or a schema status and a
 * message and no schema. */
static cf_schema *compile(const char *text, size_t len, const char *which)
{
    cf_schema *s = NULL;
    cfavro_error err;
    int rc = cf_schema_compile(text, len, NULL, &s, &err);
    if (rc == CFAVRO_OK) {
        FZ_ASSERT(s != NULL, "%s: compile succeeded without a schema", which);
        return s;
    }
    FZ_ASSERT(s == NULL, "%s: compile failed (%d) but left a schema", which, rc);
    FZ_ASSERT(rc == CFAVRO_E_SCHEMA_INVALID || rc == CFAVRO_E_SCHEMA_UNSUPPORTED ||
                  rc == CFAVRO_E_LIMIT_SCHEMA,
              "%s: compile returned %d (%s)", which, rc, err.message);
    FZ_ASSERT(err.status == rc && err.message[0] != '\0', "%s: compile failed without a message",
              which);
    return NULL;
}

/* ---- self-resolution --------------------------------------------------------- */

/* The writer read as itself gives exactly the writer's own result. */
static void check_self(const cf_schema *w, const cf_schema *reader, const char *what,
                       const cf_options *o, cf_walk_keys *keys, const walk_result *alone,
                       const uint8_t *p, size_t len)
{
    cf_schema *prog = NULL;
    cfavro_error err;
    int rc = cf_schema_resolve(w, reader, NULL, &prog, &err);
    FZ_ASSERT(rc == CFAVRO_OK, "%s: a schema resolved against itself failed: %d %s", what, rc,
              err.message);
    walk_result self = walk_json(prog, o, keys, p, len);
    FZ_ASSERT(self.rc == alone->rc, "%s: status %d (%s), the writer alone %d (%s)", what, self.rc,
              self.rc ? self.err.message : "", alone->rc, alone->rc ? alone->err.message : "");
    if (self.rc == CFAVRO_OK) {
        FZ_ASSERT(self.out.len == alone->out.len &&
                      (self.out.len == 0 ||
                       memcmp(self.out.data, alone->out.data, self.out.len) == 0),
                  "%s: JSON differs from the writer alone:\n  self:   %.*s\n  writer: %.*s", what,
                  (int)(self.out.len > 800 ? 800 : self.out.len), self.out.data,
                  (int)(alone->out.len > 800 ? 800 : alone->out.len), alone->out.data);
    } else {
        FZ_ASSERT(self.err.offset == alone->err.offset && strcmp(self.err.path, alone->err.path) == 0,
                  "%s: error at %llu %s, the writer alone at %llu %s", what,
                  (unsigned long long)self.err.offset, self.err.path,
                  (unsigned long long)alone->err.offset, alone->err.path);
    }
    cf_buf_free(&self.out);
    cf_schema_free(prog);
}

/* ---- conformance of the JSON to the reader schema ------------------------------ */

/* Whether `branch_open` ({"name": as the compiler pre-escaped it) names
 * key[0..n). */
static bool wrapper_is(cf_str branch_open, const char *key, size_t n)
{
    return branch_open.len == n + 4 && memcmp(branch_open.ptr + 2, key, n) == 0;
}

static bool nonfinite_text(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL &&
           (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0);
}

/* JSON value v (Avro JSON, logical types off) is a value of reader node t. */
static void conform(const json_t *v, const cf_schema *r, uint32_t t, const cf_options *o,
                    unsigned depth)
{
    const cf_node *n = &r->nodes[t];
    FZ_ASSERT(depth < 100000, "conformance check nests too deep");
    switch ((cf_kind)n->kind) {
    case CF_NULL:
        FZ_ASSERT(json_is_null(v), "reader null rendered as JSON type %d", json_typeof(v));
        return;
    case CF_BOOLEAN:
        FZ_ASSERT(json_is_boolean(v), "reader boolean rendered as JSON type %d", json_typeof(v));
        return;
    case CF_INT:
        FZ_ASSERT(json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
                      json_integer_value(v) <= INT32_MAX,
                  "reader int rendered as JSON type %d (not a 32-bit integer)", json_typeof(v));
        return;
    case CF_LONG:
        FZ_ASSERT(json_is_integer(v), "reader long rendered as JSON type %d", json_typeof(v));
        return;
    case CF_FLOAT:
    case CF_DOUBLE:
        FZ_ASSERT(json_is_real(v) || nonfinite_text(v) ||
                      (json_is_null(v) && o->json.nonfinite == CF_NONFINITE_NULL),
                  "reader %s rendered as JSON type %d", n->name.ptr, json_typeof(v));
        return;
    case CF_BYTES:
    case CF_STRING:
    case CF_FIXED:
        FZ_ASSERT(json_is_string(v), "reader %s rendered as JSON type %d", n->name.ptr,
                  json_typeof(v));
        return;
    case CF_ENUM: {
        FZ_ASSERT(json_is_string(v), "reader enum rendered as JSON type %d", json_typeof(v));
        size_t len = json_string_length(v);
        for (uint32_t i = 0; i < n->count; i++) {
            if (n->symbol_names[i].len == len &&
                memcmp(n->symbol_names[i].ptr, json_string_value(v), len) == 0) {
                return;
            }
        }
        fz_fail("enum value \"%s\" is not a symbol of reader enum %s", json_string_value(v),
                n->name.ptr);
    }
    case CF_ARRAY: {
        FZ_ASSERT(json_is_array(v), "reader array rendered as JSON type %d", json_typeof(v));
        for (size_t i = 0; i < json_array_size(v); i++) {
            conform(json_array_get(v, i), r, n->child, o, depth + 1);
        }
        return;
    }
    case CF_MAP: {
        FZ_ASSERT(json_is_object(v), "reader map rendered as JSON type %d", json_typeof(v));
        for (void *it = json_object_iter((json_t *)v); it != NULL;
             it = json_object_iter_next((json_t *)v, it)) {
            conform(json_object_iter_value(it), r, n->child, o, depth + 1);
        }
        return;
    }
    case CF_RECORD: {
        FZ_ASSERT(json_is_object(v), "reader record %s rendered as JSON type %d", n->name.ptr,
                  json_typeof(v));
        FZ_ASSERT(json_object_size(v) == n->count, "reader record %s: %zu JSON members for %u "
                  "fields", n->name.ptr, json_object_size(v), n->count);
        uint32_t k = 0;
        /* jansson keeps members in insertion order: the reader's order. */
        for (void *it = json_object_iter((json_t *)v); it != NULL;
             it = json_object_iter_next((json_t *)v, it), k++) {
            const cf_str name = n->fields[k].name;
            FZ_ASSERT(json_object_iter_key_len(it) == name.len &&
                          memcmp(json_object_iter_key(it), name.ptr, name.len) == 0,
                      "reader record %s: member %u is \"%s\", the reader's field is \"%s\"",
                      n->name.ptr, k, json_object_iter_key(it), name.ptr);
            conform(json_object_iter_value(it), r, n->fields[k].type, o, depth + 1);
        }
        return;
    }
    case CF_UNION: {
        if (json_is_null(v)) {
            for (uint32_t b = 0; b < n->count; b++) {
                if (r->nodes[n->branches[b].type].kind == CF_NULL) {
                    return;
                }
            }
            fz_fail("null for a reader union without a null branch");
        }
        FZ_ASSERT(json_is_object(v) && json_object_size(v) == 1,
                  "reader union value is not a one-member object (JSON type %d)",
                  json_typeof(v));
        void *it = json_object_iter((json_t *)v);
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        for (uint32_t b = 0; b < n->count; b++) {
            if (wrapper_is(n->branches[b].json_open, key, klen)) {
                conform(json_object_iter_value(it), r, n->branches[b].type, o, depth + 1);
                return;
            }
        }
        fz_fail("union wrapper \"%s\" names no branch of the reader union", key);
    }
    case CF_RESOLVED:
        break;
    }
    fz_fail("reader node %u of kind %u in a schema compiled from text", t, n->kind);
}

/* ---- the resolved program ---------------------------------------------------- */

/* Whether the writer's own walk and the resolved walk may disagree on
 * validity this way (`ok_side` succeeded, the other failed with rc). */
static bool resolution_may_fail(int rc)
{
    /* A writer branch or symbol the reader cannot take; bytes read as a
     * string are checked as text; depth and zero-byte values count the
     * reader's nesting and defaults and a saved field's replay; output. */
    return rc == CFAVRO_E_DATA_UNRESOLVED || rc == CFAVRO_E_DATA_UTF8 ||
           rc == CFAVRO_E_LIMIT_DEPTH || rc == CFAVRO_E_LIMIT_ITEMS ||
           rc == CFAVRO_E_LIMIT_OUTPUT;
}

static bool writer_may_fail(int rc)
{
    /* Text in a field the reader drops (or a branch it passes) is skipped
     * unchecked; limits as above. */
    return rc == CFAVRO_E_DATA_UTF8 || rc == CFAVRO_E_LIMIT_DEPTH || rc == CFAVRO_E_LIMIT_ITEMS ||
           rc == CFAVRO_E_LIMIT_OUTPUT;
}

static void check_resolved(const cf_schema *prog, const cf_schema *r, const cf_options *o,
                           cf_walk_keys *keys, const walk_result *alone, const uint8_t *p,
                           size_t len)
{
    walk_result j = walk_json(prog, o, keys, p, len);
    cfavro_error ev;
    int rv = cf_walk_validate(prog, &o->walk, keys, p, len, 0, &ev);
    if (j.rc != CFAVRO_E_LIMIT_OUTPUT) {
        FZ_ASSERT(rv == j.rc, "resolved: validate %d (%s) but JSON %d (%s)", rv,
                  rv ? ev.message : "", j.rc, j.rc ? j.err.message : "");
        FZ_ASSERT(rv == CFAVRO_OK ||
                      (ev.offset == j.err.offset && strcmp(ev.path, j.err.path) == 0),
                  "resolved: validate fails at %llu %s, JSON at %llu %s",
                  (unsigned long long)ev.offset, ev.path, (unsigned long long)j.err.offset,
                  j.err.path);
    }
    if (j.rc != CFAVRO_OK) {
        FZ_ASSERT(documented_data_status(j.rc), "resolved: undocumented status %d (%s)", j.rc,
                  j.err.message);
        FZ_ASSERT(j.err.status == j.rc && j.err.message[0] != '\0',
                  "resolved: failure %d without a message", j.rc);
        FZ_ASSERT(j.err.offset <= len, "resolved: error offset %llu beyond the %zu-byte payload",
                  (unsigned long long)j.err.offset, len);
        FZ_ASSERT(alone->rc != CFAVRO_OK || resolution_may_fail(j.rc),
                  "resolved: %d (%s at %s) where the writer alone decodes the payload", j.rc,
                  j.err.message, j.err.path);
    } else {
        FZ_ASSERT(alone->rc == CFAVRO_OK || writer_may_fail(alone->rc),
                  "resolved decodes what the writer alone refuses: %d (%s at %s)", alone->rc,
                  alone->err.message, alone->err.path);
        json_error_t jerr;
        json_t *root =
            json_loadb(j.out.data, j.out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        FZ_ASSERT(root != NULL || json_error_code(&jerr) == json_error_numeric_overflow ||
                      json_error_code(&jerr) == json_error_null_byte_in_key,
                  "resolved JSON rejected by jansson (%s): %.*s", jerr.text,
                  (int)(j.out.len > 2000 ? 2000 : j.out.len), j.out.data ? j.out.data : "");
        if (root != NULL && o->json.union_style == CF_UNION_AVRO && !o->json.logical) {
            conform(root, r, r->root, o, 0);
        }
        json_decref(root);
    }
    cf_buf_free(&j.out);
}

static void check_resolve_failure(int rc, const cfavro_error *err, const cf_schema *prog,
                                  const cf_schema *r)
{
    FZ_ASSERT(prog == NULL, "resolution failed (%d) but left a program", rc);
    FZ_ASSERT(rc == CFAVRO_E_INCOMPATIBLE || rc == CFAVRO_E_SCHEMA_INVALID ||
                  rc == CFAVRO_E_LIMIT_SCHEMA || rc == CFAVRO_E_NOMEM,
              "resolution returned %d (%s)", rc, err->message);
    FZ_ASSERT(err->status == rc && err->message[0] != '\0',
              "resolution failed (%d) without a message", rc);
    size_t plen = strlen(err->path);
    FZ_ASSERT(plen == 0 || (strncmp(err->message, err->path, plen) == 0 &&
                            err->message[plen] == ':'),
              "resolution message \"%s\" does not start with its path \"%s\"", err->message,
              err->path);
    const cf_node *root = &r->nodes[r->root];
    if (root->kind == CF_RECORD && rc != CFAVRO_E_NOMEM) {
        FZ_ASSERT(strncmp(err->path, root->short_name.ptr, root->short_name.len) == 0,
                  "resolution path \"%s\" does not start at the reader's record %s", err->path,
                  root->short_name.ptr);
    }
}

/* ---- entry point -------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    const uint8_t sel = data[0], opt = data[1];
    const uint8_t *rest = data + 2, *end = data + size;
    const uint8_t *nul1 = memchr(rest, 0, (size_t)(end - rest));
    const uint8_t *wend = nul1 != NULL ? nul1 : end;
    const uint8_t *rstart = nul1 != NULL ? nul1 + 1 : NULL;
    const uint8_t *nul2 = rstart != NULL ? memchr(rstart, 0, (size_t)(end - rstart)) : NULL;
    const uint8_t *rend = nul2 != NULL ? nul2 : end;
    const uint8_t *pstart = nul2 != NULL ? nul2 + 1 : end;

    char *wtext = copy_exact(rest, (size_t)(wend - rest));
    size_t wlen = (size_t)(wend - rest);
    char *rtext = rstart != NULL ? copy_exact(rstart, (size_t)(rend - rstart)) : NULL;
    size_t rlen = rstart != NULL ? (size_t)(rend - rstart) : 0;
    size_t plen = (size_t)(end - pstart);
    uint8_t *payload = (uint8_t *)copy_exact(pstart, plen);

    cf_options o;
    input_options(sel, opt, size, &o);
    fz_mem_begin();
    cf_walk_keys keys = {0};
    cf_schema *w = compile(wtext, wlen, "writer");
    if (w != NULL) {
        walk_result alone = walk_json(w, &o, &keys, payload, plen);
        check_self(w, w, "writer resolved against itself", &o, &keys, &alone, payload, plen);
        cf_schema *w2 = compile(wtext, wlen, "writer again");
        FZ_ASSERT(w2 != NULL, "the writer text compiled once only");
        check_self(w, w2, "writer resolved against its second compile", &o, &keys, &alone,
                   payload, plen);
        cf_schema_free(w2);

        cf_schema *r = rtext != NULL ? compile(rtext, rlen, "reader") : NULL;
        if (r != NULL) {
            cf_schema *prog = (cf_schema *)(uintptr_t)1; /* must be overwritten */
            cfavro_error err;
            int rc = cf_schema_resolve(w, r, NULL, &prog, &err);
            if (rc == CFAVRO_OK) {
                FZ_ASSERT(prog != NULL && prog != (cf_schema *)(uintptr_t)1,
                          "resolution succeeded without a program");
                check_resolved(prog, r, &o, &keys, &alone, payload, plen);
                cf_schema_free(prog);
            } else {
                check_resolve_failure(rc, &err, prog, r);
            }
            cf_schema_free(r);
        }
        cf_buf_free(&alone.out);
        cf_schema_free(w);
    }
    cf_walk_keys_free(&keys);
    fz_mem_end(size, "fuzz_resolve");
    free(wtext);
    free(rtext);
    free(payload);
    return 0;
}
