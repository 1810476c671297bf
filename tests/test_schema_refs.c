/* Schema references: the resolver (src/registry/registry_refs.c) against a
 * registry faked in-process by a table of (subject, version) -> response
 * body, parsed by the real response parser; and the compiler's entry for a
 * schema with dependencies (cf_schema_compile_with_deps), down to decoding
 * a value whose type a dependency defines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cfavro.h"
#include "options_internal.h"
#include "registry_refs_internal.h"
#include "registry_response_internal.h"
#include "schema_internal.h"
#include "test_support.h"
#include "walk_internal.h"
#include "walk_json_internal.h"

/* ---- a registry in a table ------------------------------------------------ */

typedef struct fake_ref {
    const char *name;
    const char *subject;
    int32_t version;
} fake_ref;

typedef struct fake_schema {
    const char *subject;
    int32_t version;
    const char *text;
    const char *type; /* schemaType; NULL: absent (AVRO) */
    fake_ref refs[4]; /* up to the first with name NULL */
    int fetches;      /* how often the resolver asked for it */
} fake_schema;

typedef struct fake_registry {
    fake_schema *table;
    size_t n;
    int fetches;    /* every call, found or not */
    char log[1024]; /* "subject:version " per call, in call order */
    /* Hand over a non-Avro schema as a success (a fetch that does not
     * check schemaType), so the resolver's own check is what refuses it. */
    bool lenient_type;
} fake_registry;

/* The response body for `s` as the registry would send it. */
static char *body_for(const fake_schema *s)
{
    json_t *refs = json_array();
    for (size_t i = 0; i < 4 && s->refs[i].name != NULL; i++) {
        json_array_append_new(refs, json_pack("{s:s, s:s, s:i}", "name", s->refs[i].name,
                                              "subject", s->refs[i].subject, "version",
                                              (int)s->refs[i].version));
    }
    json_t *doc = json_pack("{s:s, s:s, s:i, s:i, s:o}", "schema", s->text, "subject",
                            s->subject, "version", (int)s->version, "id", 100, "references",
                            refs);
    assert_non_null(doc);
    if (s->type != NULL) {
        json_object_set_new(doc, "schemaType", json_string(s->type));
    }
    char *body = json_dumps(doc, JSON_COMPACT);
    assert_non_null(body);
    json_decref(doc);
    return body;
}

/* The entry for (subject, version); for latest, the subject's highest. */
static fake_schema *lookup(fake_registry *r, const char *subject, int32_t version)
{
    fake_schema *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        fake_schema *s = &r->table[i];
        if (strcmp(s->subject, subject) != 0) {
            continue;
        }
        if (version == CF_REG_VERSION_LATEST ? (best == NULL || s->version > best->version)
                                             : s->version == version) {
            best = s;
        }
    }
    return best;
}

static int fake_fetch(void *ctx, const char *subject, size_t subject_len, int32_t version,
                      cf_reg_schema *out, cfavro_error *err)
{
    fake_registry *r = ctx;
    assert_int_equal(strlen(subject), subject_len); /* NUL-terminated at len */
    r->fetches++;
    size_t used = strlen(r->log);
    snprintf(r->log + used, sizeof r->log - used, "%s:%d ", subject, (int)version);
    fake_schema *s = lookup(r, subject, version);
    if (s == NULL) {
        const char *body = "{\"error_code\":40402,\"message\":\"Version not found.\"}";
        return cf_registry_status_for(404, body, strlen(body), NULL, err);
    }
    s->fetches++;
    const char *type = s->type;
    if (r->lenient_type) {
        s->type = NULL;
    }
    char *body = body_for(s);
    s->type = type;
    int rc = cf_reg_schema_parse(body, strlen(body), out, err);
    free(body);
    if (rc == CFAVRO_OK && r->lenient_type && type != NULL) {
        out->type = strcmp(type, "JSON") == 0 ? CF_REG_TYPE_JSON : CF_REG_TYPE_PROTOBUF;
    }
    return rc;
}

/* The root as the registry would give it (by id: no subject needed). */
static void root_of(const fake_schema *s, cf_reg_schema *out)
{
    char *body = body_for(s);
    cfavro_error err;
    int rc = cf_reg_schema_parse(body, strlen(body), out, &err);
    free(body);
    if (rc != CFAVRO_OK) {
        fail_msg("root refused: %s", err.message);
    }
}

/* Resolve the root `root` of `r`; returns the status, list in *out. */
static int resolve(fake_registry *r, const fake_schema *root, const cf_refs_limits *limits,
                   cf_refs_list *out, cfavro_error *err)
{
    cf_reg_schema rs;
    root_of(root, &rs);
    int rc = cf_refs_resolve(&rs, fake_fetch, r, limits, out, err);
    cf_reg_schema_free(&rs);
    if (rc != CFAVRO_OK) {
        assert_int_equal(out->count, 0);
        assert_null(out->deps);
        assert_null(out->texts);
        assert_int_equal(err->status, rc);
        assert_true(err->offset == CFAVRO_NO_OFFSET);
    }
    return rc;
}

static void assert_dep(const cf_refs_list *l, size_t i, const char *subject, int32_t version)
{
    assert_true(i < l->count);
    assert_string_equal(l->deps[i].subject.ptr, subject);
    assert_int_equal(l->deps[i].version, version);
    assert_ptr_equal(l->texts[i].ptr, l->deps[i].schema.text.ptr);
    assert_int_equal(l->texts[i].len, l->deps[i].schema.text.len);
    assert_ptr_equal(l->texts[i].label, l->deps[i].label);
    char want[128];
    snprintf(want, sizeof want, "subject \"%s\" version %d", subject, (int)version);
    assert_string_equal(l->deps[i].label, want);
}

/* ---- schemas ---------------------------------------------------------------- */

#define ADDRESS                                                                              \
    "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":["     \
    "{\"name\":\"street\",\"type\":\"string\"},{\"name\":\"zip\",\"type\":\"int\"}]}"
#define ORDER                                                                                \
    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"org.shop\",\"fields\":["       \
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"ship_to\",\"type\":\"com.acme.Address\"}]}"
#define COUNTRY "{\"type\":\"enum\",\"name\":\"com.acme.Country\",\"symbols\":[\"DE\",\"FR\"]}"
#define CITY                                                                                 \
    "{\"type\":\"record\",\"name\":\"com.acme.City\",\"fields\":["                           \
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"com.acme.Country\"}]}"
#define TRIP                                                                                 \
    "{\"type\":\"record\",\"name\":\"Trip\",\"fields\":["                                    \
    "{\"name\":\"to\",\"type\":\"com.acme.City\"}]}"

/* Compile root with deps, failing the test with the message if refused. */
static cf_schema *compile_deps(const cf_schema_text *deps, size_t ndeps, const char *root)
{
    cf_schema *s = NULL;
    cfavro_error err;
    if (cf_schema_compile_with_deps(deps, ndeps, root, strlen(root), NULL, &s, &err) !=
        CFAVRO_OK) {
        fail_msg("refused: %s", err.message);
    }
    assert_non_null(s);
    return s;
}

/* A compile expected to fail with `status` and a message containing each of
 * the NULL-terminated needles. */
static void compile_fails(const cf_schema_text *deps, size_t ndeps, const char *root,
                          const cf_schema_limits *limits, int status, ...)
{
    cf_schema *s = (cf_schema *)&s; /* must come back NULL */
    cfavro_error err;
    int rc = cf_schema_compile_with_deps(deps, ndeps, root, root ? strlen(root) : 0, limits, &s,
                                         &err);
    if (rc != status) {
        fail_msg("got %d \"%s\", want %d", rc, err.message, status);
    }
    assert_int_equal(err.status, status);
    assert_null(s);
    va_list ap;
    va_start(ap, status);
    for (const char *needle = va_arg(ap, const char *); needle != NULL;
         needle = va_arg(ap, const char *)) {
        assert_contains(err.message, needle);
    }
    va_end(ap);
}

#define TEXT(lit, label) {lit, sizeof(lit) - 1, label}

/* Decode payload with schema to JSON through the walker. */
static void assert_decodes(const cf_schema *s, const bb *payload, const char *want)
{
    cf_options opt;
    cf_options_default(&opt);
    cf_walk_keys keys = {0};
    cf_buf out = {NULL, 0, 0, 4096};
    cfavro_error err;
    int rc = cf_walk_json(s, &opt.walk, &keys, &opt.json, payload->d, payload->n, 0, &out, &err);
    if (rc != CFAVRO_OK) {
        fail_msg("decode failed: %s", err.message);
    }
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    cf_buf_free(&out);
    cf_walk_keys_free(&keys);
}

/* ---- the resolver ----------------------------------------------------------- */

/* A record using a named type from one reference: resolved, compiled, and a
 * value of it decoded. */
static void one_reference_decodes(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"address-value", 1, ADDRESS, NULL, {{0}}, 0},
    };
    fake_registry r = {table, 1, 0, "", false};
    fake_schema root = {"order-value", 1, ORDER, NULL,
                        {{"com.acme.Address", "address-value", 1}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    assert_int_equal(l.count, 1);
    assert_dep(&l, 0, "address-value", 1);
    assert_int_equal(table[0].fetches, 1);

    cf_schema *s = compile_deps(l.texts, l.count, ORDER);
    /* The program is the root's, its text the root's alone. */
    assert_int_equal(s->json.len, strlen(ORDER));
    assert_memory_equal(s->json.ptr, ORDER, s->json.len);
    const cf_node *rec = &s->nodes[s->root];
    assert_string_equal(rec->name.ptr, "org.shop.Order");
    assert_string_equal(s->nodes[rec->fields[1].type].name.ptr, "com.acme.Address");
    bb p = {0};
    bb_long(&p, 7);
    bb_str(&p, "Main St");
    bb_long(&p, 12345);
    assert_decodes(s, &p, "{\"id\":7,\"ship_to\":{\"street\":\"Main St\",\"zip\":12345}}");
    bb_free(&p);
    cf_schema_free(s);
    cf_refs_list_free(&l);
    assert_null(l.deps);
    cf_refs_list_free(&l); /* twice: empty */
    cf_refs_list_free(NULL);
}

/* A chain: Trip -> City -> Country. Listed Country, City; City's own use of
 * Country compiles because Country comes first. */
static void chain(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"city", 1, CITY, NULL, {{"com.acme.Country", "country", 2}}, 0},
        {"country", 1, "\"int\"", NULL, {{0}}, 0},
        {"country", 2, COUNTRY, NULL, {{0}}, 0},
    };
    fake_registry r = {table, 3, 0, "", false};
    fake_schema root = {"trip", 1, TRIP, NULL, {{"com.acme.City", "city", 1}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    assert_int_equal(l.count, 2);
    assert_dep(&l, 0, "country", 2);
    assert_dep(&l, 1, "city", 1);
    assert_string_equal(r.log, "city:1 country:2 ");

    cf_schema *s = compile_deps(l.texts, l.count, TRIP);
    bb p = {0};
    bb_str(&p, "Lyon");
    bb_long(&p, 1); /* FR */
    assert_decodes(s, &p, "{\"to\":{\"name\":\"Lyon\",\"country\":\"FR\"}}");
    bb_free(&p);
    cf_schema_free(s);
    cf_refs_list_free(&l);

    /* The same texts in the wrong order: City cannot know Country yet. */
    cf_schema_text reversed[] = {TEXT(CITY, "city"), TEXT(COUNTRY, "country")};
    compile_fails(reversed, 2, TRIP, NULL, CFAVRO_E_SCHEMA_INVALID, "dependency 0 (city)",
                  "unknown type name \"com.acme.Country\"", NULL);
}

/* A diamond: A -> B, A -> C, B -> D, C -> D. D is fetched once, listed
 * once, before both of its users. */
static void diamond(void **state)
{
    (void)state;
    const char *b = "{\"type\":\"record\",\"name\":\"B\",\"namespace\":\"x\",\"fields\":"
                    "[{\"name\":\"d\",\"type\":\"x.D\"}]}";
    const char *c = "{\"type\":\"record\",\"name\":\"x.C\",\"fields\":"
                    "[{\"name\":\"d\",\"type\":\"D\"}]}"; /* D in C's namespace x */
    const char *d = "{\"type\":\"fixed\",\"name\":\"D\",\"namespace\":\"x\",\"size\":2}";
    const char *a = "{\"type\":\"record\",\"name\":\"A\",\"fields\":"
                    "[{\"name\":\"b\",\"type\":\"x.B\"},{\"name\":\"c\",\"type\":\"x.C\"}]}";
    fake_schema table[] = {
        {"b", 1, b, NULL, {{"x.D", "d", 1}}, 0},
        {"c", 4, c, NULL, {{"x.D", "d", 1}}, 0},
        {"d", 1, d, NULL, {{0}}, 0},
    };
    fake_registry r = {table, 3, 0, "", false};
    fake_schema root = {"a", 1, a, NULL, {{"x.B", "b", 1}, {"x.C", "c", 4}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    assert_int_equal(table[0].fetches, 1);
    assert_int_equal(table[1].fetches, 1);
    assert_int_equal(table[2].fetches, 1);
    assert_int_equal(r.fetches, 3);
    assert_int_equal(l.count, 3);
    assert_dep(&l, 0, "d", 1);
    assert_dep(&l, 1, "b", 1);
    assert_dep(&l, 2, "c", 4);

    cf_schema *s = compile_deps(l.texts, l.count, a);
    const cf_node *rec = &s->nodes[s->root];
    const cf_node *bn = &s->nodes[rec->fields[0].type];
    const cf_node *cn = &s->nodes[rec->fields[1].type];
    assert_int_equal(bn->fields[0].type, cn->fields[0].type); /* one D */
    bb p = {0};
    bb_raw(&p, "hi", 2);
    bb_raw(&p, "yo", 2);
    assert_decodes(s, &p, "{\"b\":{\"d\":\"hi\"},\"c\":{\"d\":\"yo\"}}");
    bb_free(&p);
    cf_schema_free(s);
    cf_refs_list_free(&l);
}

/* "latest" is keyed by the version the response reports: a later explicit
 * reference to that version, or another "latest", fetches nothing more. */
static void latest_keyed_by_reported_version(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"d", 1, "{\"type\":\"fixed\",\"name\":\"D1\",\"size\":1}", NULL, {{0}}, 0},
        {"d", 3, "{\"type\":\"fixed\",\"name\":\"D\",\"size\":1}", NULL, {{0}}, 0},
        {"b", 1, "{\"type\":\"fixed\",\"name\":\"B\",\"size\":1}", NULL, {{"D", "d", 3}}, 0},
    };
    fake_registry r = {table, 3, 0, "", false};
    fake_schema root = {"a", 1, "\"D\"", NULL,
                        {{"D", "d", CF_REG_VERSION_LATEST}, {"B", "b", 1},
                         {"D", "d", CF_REG_VERSION_LATEST}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    assert_string_equal(r.log, "d:-1 b:1 ");
    assert_int_equal(l.count, 2);
    assert_dep(&l, 0, "d", 3);
    assert_dep(&l, 1, "b", 1);
    cf_refs_list_free(&l);

    /* Known first by number, then asked for as latest: fetched (only the
     * registry knows what latest is) but listed once. */
    fake_schema root2 = {"a", 1, "\"D\"", NULL,
                         {{"B", "b", 1}, {"D", "d", CF_REG_VERSION_LATEST}}, 0};
    r.log[0] = '\0';
    assert_int_equal(resolve(&r, &root2, NULL, &l, &err), CFAVRO_OK);
    assert_string_equal(r.log, "b:1 d:3 d:-1 ");
    assert_int_equal(l.count, 2);
    assert_dep(&l, 0, "d", 3);
    assert_dep(&l, 1, "b", 1);
    cf_refs_list_free(&l);
}

/* A cycle is refused, naming the subjects on it. */
static void cycle(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"a-value", 1, "\"int\"", NULL, {{"B", "b-value", 2}}, 0},
        {"b-value", 2, "\"int\"", NULL, {{"A", "a-value", 1}}, 0},
        {"self", 1, "\"int\"", NULL, {{"S", "self", CF_REG_VERSION_LATEST}}, 0},
    };
    fake_registry r = {table, 3, 0, "", false};
    fake_schema root = {"a-value", 1, "\"int\"", NULL, {{"B", "b-value", 2}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_string_equal(err.message,
                        "reference cycle: subject \"b-value\" version 2 -> subject \"a-value\" "
                        "version 1 -> subject \"b-value\" version 2");
    assert_int_equal(table[0].fetches, 1); /* each fetched once, then the cycle is seen */
    assert_int_equal(table[1].fetches, 1);

    /* A schema that references itself (through "latest"). */
    fake_schema root2 = {"top", 1, "\"int\"", NULL, {{"S", "self", 1}}, 0};
    assert_int_equal(resolve(&r, &root2, NULL, &l, &err), CFAVRO_E_SCHEMA_INVALID);
    assert_string_equal(err.message, "reference cycle: subject \"self\" version 1 -> subject "
                                     "\"self\" version 1");
}

/* A reference the registry does not have: its not-found, naming it. */
static void missing_reference(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"b", 1, "\"int\"", NULL, {{"com.acme.Gone", "gone-value", 3}}, 0},
    };
    fake_registry r = {table, 1, 0, "", false};
    fake_schema root = {"a", 1, "\"int\"", NULL, {{"B", "b", 1}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_E_SCHEMA_NOT_FOUND);
    assert_contains(err.message,
                    "reference \"com.acme.Gone\" (subject \"gone-value\" version 3): ");
    assert_contains(err.message, "Version not found");
    assert_int_equal(r.fetches, 2);
}

/* A reference to a PROTOBUF (or JSON) schema is unsupported, whether the
 * fetch refuses it or hands it over. So is a non-Avro root. */
static void non_avro_reference(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"proto", 1, "syntax = \"proto3\"; message M {}", "PROTOBUF", {{0}}, 0},
        {"json", 1, "{\"type\":\"object\"}", "JSON", {{0}}, 0},
    };
    fake_registry r = {table, 2, 0, "", false};
    fake_schema root = {"a", 1, "\"int\"", NULL, {{"M", "proto", 1}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_contains(err.message, "reference \"M\" (subject \"proto\" version 1): ");
    assert_contains(err.message, "PROTOBUF");

    r.lenient_type = true;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_contains(err.message, "reference \"M\" (subject \"proto\" version 1): the registry "
                                 "gave a PROTOBUF schema");
    fake_schema root_json = {"a", 1, "\"int\"", NULL, {{"J", "json", 1}}, 0};
    assert_int_equal(resolve(&r, &root_json, NULL, &l, &err), CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_contains(err.message, "gave a JSON schema");

    cf_reg_schema rs;
    root_of(&root, &rs);
    rs.type = CF_REG_TYPE_PROTOBUF;
    assert_int_equal(cf_refs_resolve(&rs, fake_fetch, &r, NULL, &l, &err),
                     CFAVRO_E_SCHEMA_UNSUPPORTED);
    assert_contains(err.message, "not an Avro schema");
    cf_reg_schema_free(&rs);
}

/* Too many dependencies, too deep, too much text: limit errors, found
 * before anything beyond the limit is fetched. */
static void limits_exceeded(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"l1", 1, "\"int\"", NULL, {{"X", "l2", 1}}, 0},
        {"l2", 1, "\"int\"", NULL, {{"X", "l3", 1}}, 0},
        {"l3", 1, "\"int\"", NULL, {{"X", "l4", 1}}, 0},
        {"l4", 1, "\"long\"", NULL, {{0}}, 0},
    };
    fake_registry r = {table, 4, 0, "", false};
    fake_schema root = {"top", 1, "\"int\"", NULL, {{"X", "l1", 1}}, 0};
    cf_refs_list l;
    cfavro_error err;
    cf_refs_limits lim;
    cf_refs_limits_default(&lim);
    assert_int_equal(lim.max_refs, 256);
    assert_int_equal(lim.max_depth, 32);
    assert_int_equal(lim.max_bytes, (size_t)1 << 20);

    /* Exactly at each limit: fine. */
    lim.max_depth = 4;
    lim.max_refs = 4;
    lim.max_bytes = 4 * 5 + 6; /* "int" x 4 (root included, 5 bytes each) + "long" */
    assert_int_equal(resolve(&r, &root, &lim, &l, &err), CFAVRO_OK);
    assert_int_equal(l.count, 4);
    assert_dep(&l, 0, "l4", 1);
    assert_dep(&l, 3, "l1", 1);
    cf_refs_list_free(&l);

    lim.max_depth = 3;
    r.fetches = 0;
    assert_int_equal(resolve(&r, &root, &lim, &l, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_string_equal(err.message, "reference \"X\" (subject \"l4\" version 1): references "
                                     "nested deeper than 3");
    assert_int_equal(r.fetches, 3);

    lim.max_depth = 32;
    lim.max_refs = 3;
    r.fetches = 0;
    assert_int_equal(resolve(&r, &root, &lim, &l, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(err.message, "more than 3 schemas referenced in all");
    assert_int_equal(r.fetches, 3);

    lim.max_refs = 256;
    lim.max_bytes = 4 * 5 + 5;
    assert_int_equal(resolve(&r, &root, &lim, &l, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_contains(err.message, "reference \"X\" (subject \"l4\" version 1): the schema and its "
                                 "references take more than limit.schema.bytes (25)");
    lim.max_bytes = 4; /* the root alone is over */
    assert_int_equal(resolve(&r, &root, &lim, &l, &err), CFAVRO_E_LIMIT_SCHEMA);
    assert_string_equal(err.message, "schema text is 5 bytes, over limit.schema.bytes (4)");
}

/* Many references per level: the node array grows past its first size. */
static void wide_fan_out(void **state)
{
    (void)state;
    enum { N = 30 }; /* the chain s0 -> s1 -> ... is N deep: within 32 */
    fake_schema table[N];
    char subjects[N][16], texts[N][64];
    fake_schema root = {"top", 1, "\"int\"", NULL, {{0}}, 0};
    for (int i = 0; i < N; i++) {
        snprintf(subjects[i], sizeof subjects[i], "s%d", i);
        snprintf(texts[i], sizeof texts[i], "{\"type\":\"fixed\",\"name\":\"F%d\",\"size\":1}", i);
        table[i] = (fake_schema){subjects[i], 1, texts[i], NULL, {{0}}, 0};
        /* each refers to the next two: a dense lattice of diamonds */
        if (i + 1 < N) {
            table[i].refs[0] = (fake_ref){"F", subjects[i + 1], 1};
        }
        if (i + 2 < N) {
            table[i].refs[1] = (fake_ref){"F", subjects[i + 2], 1};
        }
    }
    root.refs[0] = (fake_ref){"F", "s0", 1};
    fake_registry r = {table, N, 0, "", false};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    assert_int_equal(l.count, N);
    assert_int_equal(r.fetches, N);
    for (int i = 0; i < N; i++) {
        assert_dep(&l, (size_t)i, subjects[N - 1 - i], 1);
    }
    cf_schema *s = compile_deps(l.texts, l.count, "\"F0\"");
    assert_int_equal(s->nodes[s->root].kind, CF_FIXED);
    cf_schema_free(s);
    cf_refs_list_free(&l);
}

/* Hand-built inputs the response parser would not produce, and NULLs. */
static void resolver_bad_arguments(void **state)
{
    (void)state;
    fake_registry r = {NULL, 0, 0, "", false};
    fake_schema root = {"a", 1, "\"int\"", NULL, {{"B", "b", 1}}, 0};
    cf_reg_schema rs;
    root_of(&root, &rs);
    cf_refs_list l;
    cfavro_error err;
    rs.refs[0].version = 0;
    assert_int_equal(cf_refs_resolve(&rs, fake_fetch, &r, NULL, &l, &err),
                     CFAVRO_E_SCHEMA_INVALID);
    assert_string_equal(err.message, "reference \"B\" (subject \"b\" version 0): a version is 1 "
                                     "or more, or latest");
    assert_int_equal(r.fetches, 0);

    assert_int_equal(cf_refs_resolve(NULL, fake_fetch, &r, NULL, &l, &err), CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "root is NULL");
    assert_null(l.deps);
    assert_int_equal(cf_refs_resolve(&rs, NULL, &r, NULL, &l, &err), CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "fetch is NULL");
    assert_int_equal(cf_refs_resolve(&rs, fake_fetch, &r, NULL, NULL, &err), CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "out is NULL");
    assert_int_equal(cf_refs_resolve(&rs, fake_fetch, &r, NULL, NULL, NULL), CFAVRO_E_ARGUMENT);
    cf_reg_schema_free(&rs);

    /* No references: nothing fetched, an empty list. */
    fake_schema plain = {"a", 1, "\"int\"", NULL, {{0}}, 0};
    assert_int_equal(resolve(&r, &plain, NULL, &l, &err), CFAVRO_OK);
    assert_int_equal(l.count, 0);
    assert_null(l.deps);
    assert_int_equal(r.fetches, 0);
    cf_refs_list_free(&l);
}

/* Every allocation of a resolution failing in turn: NOMEM, nothing leaked
 * (ASan, valgrind), and the same result once allocations succeed. */
static void resolver_out_of_memory(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"b", 1, "{\"type\":\"fixed\",\"name\":\"B\",\"size\":1}", NULL, {{"D", "d", 1}}, 0},
        {"c", 1, "{\"type\":\"fixed\",\"name\":\"C\",\"size\":1}", NULL, {{"D", "d", 1}}, 0},
        {"d", 1, "{\"type\":\"fixed\",\"name\":\"D\",\"size\":1}", NULL, {{0}}, 0},
    };
    fake_registry r = {table, 3, 0, "", false};
    fake_schema root = {"a", 1, "\"int\"", NULL, {{"B", "b", 1}, {"C", "c", 1}}, 0};
    cf_reg_schema rs;
    root_of(&root, &rs);
    cf_refs_list l;
    cfavro_error err;
    int failures = 0;
    for (long n = 1;; n++) {
        r.log[0] = '\0';
        alloc_hooks_on(n, -1);
        int rc = cf_refs_resolve(&rs, fake_fetch, &r, NULL, &l, &err);
        alloc_hooks_off();
        if (rc == CFAVRO_OK) {
            break;
        }
        assert_int_equal(rc, CFAVRO_E_NOMEM);
        assert_null(l.deps);
        failures++;
    }
    assert_true(failures > 5);
    assert_int_equal(l.count, 3);
    assert_dep(&l, 0, "d", 1);
    cf_refs_list_free(&l);
    cf_reg_schema_free(&rs);
}

/* Resolver and compiler together: a dependency that is not a valid schema
 * is reported under its subject and version. */
static void bad_dependency_named_by_label(void **state)
{
    (void)state;
    fake_schema table[] = {
        {"d", 1, "{\"type\":\"fixed\",\"name\":\"D\",\"size\":2}", NULL, {{0}}, 0},
        {"bad", 7, "{\"type\":\"record\",\"name\":\"Bad\",\"fields\":"
                   "[{\"name\":\"x\",\"type\":\"dobule\"}]}", NULL, {{"D", "d", 1}}, 0},
    };
    fake_registry r = {table, 2, 0, "", false};
    fake_schema root = {"a", 1, "\"Bad\"", NULL, {{"Bad", "bad", 7}}, 0};
    cf_refs_list l;
    cfavro_error err;
    assert_int_equal(resolve(&r, &root, NULL, &l, &err), CFAVRO_OK);
    compile_fails(l.texts, l.count, "\"Bad\"", NULL, CFAVRO_E_SCHEMA_INVALID,
                  "dependency 1 (subject \"bad\" version 7): field \"x\" of record Bad: "
                  "unknown type name \"dobule\"",
                  NULL);
    cf_refs_list_free(&l);
}

/* ---- the compiler with dependencies ------------------------------------------ */

/* Avro's name rules across texts: a dependency's type by its full name from
 * any namespace; its short name only inside its own namespace; a type in
 * the null namespace by its short name from anywhere (as within one text). */
static void namespace_rules(void **state)
{
    (void)state;
    cf_schema_text deps[] = {TEXT(ADDRESS, "address"),
                             TEXT("{\"type\":\"fixed\",\"name\":\"Money\",\"size\":8}", "money")};
    cf_schema *s = compile_deps(deps, 2, ORDER);
    cf_schema_free(s);
    /* Short name from another namespace: not found. */
    compile_fails(deps, 2,
                  "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"org.shop\",\"fields\":"
                  "[{\"name\":\"a\",\"type\":\"Address\"}]}",
                  NULL, CFAVRO_E_SCHEMA_INVALID,
                  "field \"a\" of record org.shop.Order: unknown type name \"Address\"", NULL);
    /* Short name inside the same namespace: found. */
    s = compile_deps(deps, 2,
                     "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
                     "\"fields\":[{\"name\":\"a\",\"type\":\"Address\"}]}");
    assert_string_equal(s->nodes[s->nodes[s->root].fields[0].type].name.ptr, "com.acme.Address");
    cf_schema_free(s);
    /* The null namespace's Money, from namespace org.shop. */
    s = compile_deps(deps, 2,
                     "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"org.shop\","
                     "\"fields\":[{\"name\":\"m\",\"type\":\"Money\"}]}");
    assert_string_equal(s->nodes[s->nodes[s->root].fields[0].type].name.ptr, "Money");
    cf_schema_free(s);
    /* A namespace a dependency declared is not the root's: the root's
     * unqualified definition stays in the null namespace. */
    s = compile_deps(deps, 2, "{\"type\":\"fixed\",\"name\":\"Address\",\"size\":1}");
    assert_string_equal(s->nodes[s->root].name.ptr, "Address");
    cf_schema_free(s);
    /* A union of a dependency's type: its wrapper is the full name. */
    s = compile_deps(deps, 1, "[\"null\",\"com.acme.Address\"]");
    bb p = {0};
    bb_long(&p, 1);
    bb_str(&p, "x");
    bb_long(&p, -1);
    assert_decodes(s, &p, "{\"com.acme.Address\":{\"street\":\"x\",\"zip\":-1}}");
    bb_free(&p);
    cf_schema_free(s);
}

/* A name defined by two texts is refused, identical or not, and the message
 * says where it was defined first. */
static void redefinition(void **state)
{
    (void)state;
    cf_schema_text twice[] = {TEXT(ADDRESS, "subject \"a\" version 1"),
                              TEXT(ADDRESS, "subject \"b\" version 2")};
    compile_fails(twice, 2, "\"int\"", NULL, CFAVRO_E_SCHEMA_INVALID,
                  "dependency 1 (subject \"b\" version 2): schema: record com.acme.Address: the "
                  "name is already defined by dependency 0 (subject \"a\" version 1)",
                  NULL);
    cf_schema_text other[] = {
        TEXT(ADDRESS, NULL),
        TEXT("{\"type\":\"enum\",\"name\":\"com.acme.Address\",\"symbols\":[\"A\"]}", NULL)};
    compile_fails(other, 2, "\"int\"", NULL, CFAVRO_E_SCHEMA_INVALID,
                  "dependency 1: schema: enum com.acme.Address: the name is already defined by "
                  "dependency 0", NULL);
    /* The root redefining a dependency's type. */
    compile_fails(twice, 1,
                  "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":"
                  "{\"type\":\"fixed\",\"name\":\"com.acme.Address\",\"size\":1}}]}",
                  NULL, CFAVRO_E_SCHEMA_INVALID,
                  "fixed com.acme.Address: the name is already defined by dependency 0 (subject "
                  "\"a\" version 1)", NULL);
    /* Within one text: the message as before. */
    compile_fails(NULL, 0,
                  "[{\"type\":\"fixed\",\"name\":\"F\",\"size\":1},"
                  "{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}]",
                  NULL, CFAVRO_E_SCHEMA_INVALID, "fixed F: the name is already defined", NULL);
}

/* Every error of the entry itself: arguments, the byte limit over all the
 * texts, failures inside a dependency, limits counted over all the texts. */
static void compile_with_deps_errors(void **state)
{
    (void)state;
    cf_schema_text one[] = {TEXT(ADDRESS, "addr")};
    cf_schema *s = NULL;
    cfavro_error err;
    assert_int_equal(cf_schema_compile_with_deps(one, 1, ORDER, strlen(ORDER), NULL, NULL, &err),
                     CFAVRO_E_ARGUMENT);
    assert_contains(err.message, "out is NULL");
    compile_fails(NULL, 1, ORDER, NULL, CFAVRO_E_ARGUMENT, "1 dependencies but deps is NULL",
                  NULL);
    compile_fails(one, (size_t)UINT32_MAX, ORDER, NULL, CFAVRO_E_ARGUMENT, "absurd", NULL);
    cf_schema_text null_text[] = {TEXT(ADDRESS, "addr"), {NULL, 3, "nil"}};
    compile_fails(null_text, 2, ORDER, NULL, CFAVRO_E_ARGUMENT,
                  "dependency 1 (nil): cf_schema_compile: schema text is NULL", NULL);
    assert_int_equal(cf_schema_compile_with_deps(one, 1, NULL, 2, NULL, &s, &err),
                     CFAVRO_E_ARGUMENT);
    assert_null(s);
    /* An empty dependency text is a JSON error, not an argument error. */
    cf_schema_text empty[] = {{NULL, 0, "empty"}};
    compile_fails(empty, 1, ORDER, NULL, CFAVRO_E_SCHEMA_INVALID,
                  "dependency 0 (empty): schema is not valid JSON", NULL);
    cf_schema_text broken[] = {TEXT(ADDRESS, "addr"), TEXT("{\"type\":", "broken")};
    compile_fails(broken, 2, ORDER, NULL, CFAVRO_E_SCHEMA_INVALID,
                  "dependency 1 (broken): schema is not valid JSON: line 1", NULL);
    /* The root's own errors carry no dependency prefix. */
    compile_fails(one, 1, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\","
                          "\"type\":\"com.acme.Adress\"}]}",
                  NULL, CFAVRO_E_SCHEMA_INVALID,
                  "field \"f\" of record R: unknown type name \"com.acme.Adress\"", NULL);
    /* A dependency cannot use a type of a later one, nor of the root. */
    cf_schema_text later[] = {TEXT(CITY, "city"), TEXT(COUNTRY, "country")};
    compile_fails(later, 2, TRIP, NULL, CFAVRO_E_SCHEMA_INVALID, "dependency 0 (city)", NULL);

    /* limit.schema.bytes over the texts together. */
    cf_schema_limits lim;
    cf_schema_limits_default(&lim);
    lim.max_json_bytes = strlen(ADDRESS) + strlen(ORDER);
    {
        cf_schema *t = NULL;
        assert_int_equal(cf_schema_compile_with_deps(one, 1, ORDER, strlen(ORDER), &lim, &t, &err),
                         CFAVRO_OK);
        cf_schema_free(t);
    }
    lim.max_json_bytes--;
    char want[160];
    snprintf(want, sizeof want,
             "the schema and its dependencies are over limit.schema.bytes (%zu) together "
             "(at dependency 0, %zu bytes)",
             lim.max_json_bytes, strlen(ADDRESS));
    compile_fails(one, 1, ORDER, &lim, CFAVRO_E_LIMIT_SCHEMA, want, NULL);
    lim.max_json_bytes = strlen(ORDER) - 1; /* the root alone: the message as before */
    compile_fails(one, 1, ORDER, &lim, CFAVRO_E_LIMIT_SCHEMA, "schema text is", NULL);

    /* limit.schema.nodes over everything compiled: Address takes 3 nodes
     * (record, string, int), Order 2 more (record, long). */
    cf_schema_limits_default(&lim);
    lim.max_nodes = 5;
    {
        cf_schema *t = NULL;
        assert_int_equal(cf_schema_compile_with_deps(one, 1, ORDER, strlen(ORDER), &lim, &t, &err),
                         CFAVRO_OK);
        assert_int_equal(t->node_count, 5);
        cf_schema_free(t);
    }
    lim.max_nodes = 4;
    compile_fails(one, 1, ORDER, &lim, CFAVRO_E_LIMIT_SCHEMA, "limit.schema.nodes (4)", NULL);
    lim.max_nodes = 2; /* already in the dependency */
    compile_fails(one, 1, ORDER, &lim, CFAVRO_E_LIMIT_SCHEMA,
                  "dependency 0 (addr): field \"zip\" of record com.acme.Address: schema has "
                  "more than 2 types", NULL);

    /* limit.schema.names.bytes: com.acme.Address (16) + org.shop.Order (14). */
    cf_schema_limits_default(&lim);
    lim.max_name_bytes = 29;
    compile_fails(one, 1, ORDER, &lim, CFAVRO_E_LIMIT_SCHEMA,
                  "record Order: full names of named types take 30 bytes", NULL);

    /* limit.schema.depth is per text: nesting does not add up across
     * references (they are by name). */
    cf_schema_limits_default(&lim);
    lim.max_depth = 2;
    {
        cf_schema *t = NULL;
        assert_int_equal(cf_schema_compile_with_deps(one, 1, ORDER, strlen(ORDER), &lim, &t, &err),
                         CFAVRO_OK);
        cf_schema_free(t);
    }
}

/* Every allocation of a compile with dependencies failing in turn. */
static void compile_with_deps_out_of_memory(void **state)
{
    (void)state;
    cf_schema_text deps[] = {TEXT(COUNTRY, "country"), TEXT(CITY, "city")};
    cfavro_error err;
    int failures = 0;
    for (long n = 1;; n++) {
        cf_schema *s = NULL;
        alloc_hooks_on(n, -1);
        int rc = cf_schema_compile_with_deps(deps, 2, TRIP, strlen(TRIP), NULL, &s, &err);
        alloc_hooks_off();
        if (rc == CFAVRO_OK) {
            assert_string_equal(s->nodes[s->root].name.ptr, "Trip");
            cf_schema_free(s);
            break;
        }
        assert_int_equal(rc, CFAVRO_E_NOMEM);
        assert_null(s);
        failures++;
    }
    assert_true(failures > 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_reference_decodes),
        cmocka_unit_test(chain),
        cmocka_unit_test(diamond),
        cmocka_unit_test(latest_keyed_by_reported_version),
        cmocka_unit_test(cycle),
        cmocka_unit_test(missing_reference),
        cmocka_unit_test(non_avro_reference),
        cmocka_unit_test(limits_exceeded),
        cmocka_unit_test(wide_fan_out),
        cmocka_unit_test(resolver_bad_arguments),
        cmocka_unit_test_teardown(resolver_out_of_memory, alloc_hooks_off_fixture),
        cmocka_unit_test(bad_dependency_named_by_label),
        cmocka_unit_test(namespace_rules),
        cmocka_unit_test(redefinition),
        cmocka_unit_test(compile_with_deps_errors),
        cmocka_unit_test_teardown(compile_with_deps_out_of_memory, alloc_hooks_off_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
