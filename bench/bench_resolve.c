/*
 * The cost of a reader schema (schema resolution, issue 10): trade or wide
 * messages decoded by the walker with the writer's own program ("none") and
 * with a program resolved against a reader that reorders, drops and adds
 * fields ("reader"), to JSON, validate-only or (with the avro-c bridge) into
 * an avro_value_t. Internal pieces (the walker and cf_schema_resolve), so
 * it links the static library. Count instructions with
 *   valgrind --tool=callgrind --toggle-collect=cf_bench_resolve_measured \
 *       build/bench/bench_resolve --schema trade --emit json reader 20000
 * and divide by the message count; compare with the "none" run
 * (bench/callgrind.sh prints both and their ratio for each schema and
 * output).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "json_options_internal.h"
#include "json_write_internal.h"
#include "schema_resolve_internal.h"
#include "walk_json_internal.h"
#ifdef CF_BENCH_AVRO_BRIDGE
#include "avro_shape_internal.h"
#include "walk_avro_internal.h"
#endif

/* The trade schema (bench/schemas/trade.avsc) as a reader would evolve it:
 * symbol before exchange, sequence_id gone, venue and fee added. */
static const char TRADE_READER[] =
    "{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"com.example.crypto\",\"fields\":["
    "{\"name\":\"symbol\",\"type\":\"string\"},"
    "{\"name\":\"exchange\",\"type\":\"string\"},"
    "{\"name\":\"trade_id\",\"type\":\"long\"},"
    "{\"name\":\"price\",\"type\":\"double\"},"
    "{\"name\":\"quantity\",\"type\":\"double\"},"
    "{\"name\":\"timestamp\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"side\",\"type\":{\"type\":\"enum\",\"name\":\"Side\",\"symbols\":[\"BUY\","
    "\"SELL\"]}},"
    "{\"name\":\"is_buyer_maker\",\"type\":\"boolean\"},"
    "{\"name\":\"venue\",\"type\":\"string\",\"default\":\"spot\"},"
    "{\"name\":\"extra\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
    "{\"name\":\"fee\",\"type\":\"double\",\"default\":0.0}]}";

/* The wide schema (bench/schemas/wide.avsc) as a reader would evolve it,
 * made from the writer's text: received_at before timestamp, session_id
 * before user_id, locale before app_version (three fields earlier);
 * user_agent, raw_payload, trace_id and experiment_ids dropped; five fields
 * added with defaults (a string, an int, a boolean, an optional double, an
 * empty map). Each field moved earlier makes the writer's fields it passes
 * saved and replayed; a field moved far forward would make everything it
 * passes walked twice (see the README). */
static const char *const WIDE_MOVED[][2] = {/* field, the field it now precedes */
                                            {"received_at", "timestamp"},
                                            {"session_id", "user_id"},
                                            {"locale", "app_version"}};
static const char *const WIDE_DROPPED[] = {"user_agent", "raw_payload", "trace_id",
                                           "experiment_ids"};
static const char WIDE_ADDED[] =
    "[{\"name\":\"region_code\",\"type\":\"string\",\"default\":\"eu-west\"},"
    "{\"name\":\"schema_rev\",\"type\":\"int\",\"default\":2},"
    "{\"name\":\"is_test\",\"type\":\"boolean\",\"default\":false},"
    "{\"name\":\"discount\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"labels\",\"type\":{\"type\":\"map\",\"values\":\"string\"},\"default\":{}}]";

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = malloc(1 << 16);
    *len = buf != NULL ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

static size_t field_index(json_t *fields, const char *name)
{
    for (size_t i = 0; i < json_array_size(fields); i++) {
        const char *have = json_string_value(json_object_get(json_array_get(fields, i), "name"));
        if (have != NULL && strcmp(have, name) == 0) {
            return i;
        }
    }
    fprintf(stderr, "bench_resolve: wide.avsc has no field %s\n", name);
    exit(1);
}

/* The wide reader's text (malloc'd), from the writer's. */
static char *wide_reader(const char *writer, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(writer, len, 0, &jerr);
    json_t *added = json_loads(WIDE_ADDED, 0, &jerr);
    json_t *fields = root != NULL ? json_object_get(root, "fields") : NULL;
    if (fields == NULL || added == NULL) {
        fprintf(stderr, "bench_resolve: cannot build the wide reader: %s\n", jerr.text);
        exit(1);
    }
    for (size_t i = 0; i < sizeof WIDE_DROPPED / sizeof *WIDE_DROPPED; i++) {
        json_array_remove(fields, field_index(fields, WIDE_DROPPED[i]));
    }
    for (size_t i = 0; i < sizeof WIDE_MOVED / sizeof *WIDE_MOVED; i++) {
        size_t k = field_index(fields, WIDE_MOVED[i][0]);
        json_t *f = json_incref(json_array_get(fields, k));
        json_array_remove(fields, k);
        json_array_insert_new(fields, field_index(fields, WIDE_MOVED[i][1]), f);
    }
    /* The added fields among the others: after tenant_id, after locale and
     * at the end. */
    json_array_insert(fields, field_index(fields, "tenant_id") + 1, json_array_get(added, 0));
    json_array_insert(fields, field_index(fields, "locale") + 1, json_array_get(added, 1));
    for (size_t i = 2; i < json_array_size(added); i++) {
        json_array_append(fields, json_array_get(added, i));
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(added);
    json_decref(root);
    return text;
}

typedef enum emit_kind { EMIT_JSON, EMIT_VALIDATE, EMIT_AVRO } emit_kind;

typedef struct run_state {
    const cf_schema *prog;
    emit_kind emit;
    cf_walk_limits limits;
    cf_json_options opt;
    cf_walk_keys keys;
    cf_buf out;
    const cf_corpus *corpus;
#ifdef CF_BENCH_AVRO_BRIDGE
    cf_avro_scratch scratch;
    avro_value_t value;
#endif
} run_state;

static void failed(size_t i, const cfavro_error *err)
{
    fprintf(stderr, "bench_resolve: message %zu: %s\n", i, err->message);
    exit(1);
}

/* One loop per output, so the measured loop has no dispatch of its own. */
static uint64_t decode_json(run_state *s, size_t count)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *m = (const uint8_t *)s->corpus->msgs[i];
        s->out.len = 0;
        cfavro_error err;
        if (cf_walk_json(s->prog, &s->limits, &s->keys, &s->opt, m + 5, s->corpus->lens[i] - 5,
                         5, &s->out, &err) != CFAVRO_OK) {
            failed(i, &err);
        }
        bytes += s->out.len;
    }
    return bytes;
}

static uint64_t decode_validate(run_state *s, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const uint8_t *m = (const uint8_t *)s->corpus->msgs[i];
        cfavro_error err;
        if (cf_walk_validate(s->prog, &s->limits, &s->keys, m + 5, s->corpus->lens[i] - 5, 5,
                             &err) != CFAVRO_OK) {
            failed(i, &err);
        }
    }
    return 0;
}

#ifdef CF_BENCH_AVRO_BRIDGE
static uint64_t decode_avro(run_state *s, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const uint8_t *m = (const uint8_t *)s->corpus->msgs[i];
        cfavro_error err;
        if (cf_walk_avro(s->prog, &s->limits, &s->keys, &s->scratch, &s->value, m + 5,
                         s->corpus->lens[i] - 5, 5, &err) != CFAVRO_OK) {
            failed(i, &err);
        }
    }
    return 0;
}
#endif

static uint64_t decode_all(run_state *s, size_t count)
{
    switch (s->emit) {
    case EMIT_VALIDATE: return decode_validate(s, count);
#ifdef CF_BENCH_AVRO_BRIDGE
    case EMIT_AVRO: return decode_avro(s, count);
#endif
    default: return decode_json(s, count);
    }
}

__attribute__((noinline)) uint64_t cf_bench_resolve_measured(run_state *s);
__attribute__((noinline)) uint64_t cf_bench_resolve_measured(run_state *s)
{
    return decode_all(s, s->corpus->count);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_resolve [--schema trade|wide] [--emit json|validate|avro] "
                    "[none|reader] [MESSAGES]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *schema_name = "trade", *emit = "json", *mode = "reader";
    size_t n = 20000;
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc) {
            schema_name = argv[++i];
        } else if (strcmp(argv[i], "--emit") == 0 && i + 1 < argc) {
            emit = argv[++i];
        } else if (pos == 0 && argv[i][0] != '-') {
            mode = argv[i];
            pos++;
        } else if (pos == 1 && argv[i][0] != '-') {
            n = (size_t)strtoul(argv[i], NULL, 10);
            pos++;
        } else {
            return usage();
        }
    }
    bool wide = strcmp(schema_name, "wide") == 0;
    if ((!wide && strcmp(schema_name, "trade") != 0) ||
        (strcmp(mode, "none") != 0 && strcmp(mode, "reader") != 0)) {
        return usage();
    }
    run_state s;
    memset(&s, 0, sizeof s);
    if (strcmp(emit, "validate") == 0) {
        s.emit = EMIT_VALIDATE;
    } else if (strcmp(emit, "avro") == 0) {
#ifndef CF_BENCH_AVRO_BRIDGE
        fprintf(stderr, "bench_resolve: avro output unavailable (built without the bridge)\n");
        return 3;
#endif
        s.emit = EMIT_AVRO;
    } else if (strcmp(emit, "json") != 0) {
        return usage();
    }
    size_t len = 0;
    char *text = read_text(wide ? CF_BENCH_SCHEMA_DIR "/wide.avsc"
                                : CF_BENCH_SCHEMA_DIR "/trade.avsc",
                           &len);
    if (text == NULL) {
        fprintf(stderr, "bench_resolve: cannot read the %s schema\n", schema_name);
        return 1;
    }
    char *reader_text = wide ? wide_reader(text, len) : strdup(TRADE_READER);
    cf_schema *writer = NULL, *reader = NULL, *resolved = NULL;
    cfavro_error err;
    if (reader_text == NULL || cf_schema_compile(text, len, NULL, &writer, &err) != CFAVRO_OK ||
        cf_schema_compile(reader_text, strlen(reader_text), NULL, &reader, &err) != CFAVRO_OK ||
        cf_schema_resolve(writer, reader, NULL, &resolved, &err) != CFAVRO_OK) {
        fprintf(stderr, "bench_resolve: setup failed: %s\n", err.message);
        return 1;
    }
    cf_corpus corpus;
    memset(&corpus, 0, sizeof corpus);
    if ((wide ? cf_gen_wide(&corpus, n, 42) : cf_gen_trade(&corpus, n, 42)) != 0) {
        fprintf(stderr, "bench_resolve: generator failed\n");
        return 1;
    }
    bool with_reader = strcmp(mode, "reader") == 0;
    s.prog = with_reader ? resolved : writer;
    cf_walk_limits_default(&s.limits);
    cf_json_options_default(&s.opt);
    s.out.limit = SIZE_MAX;
    s.corpus = &corpus;
#ifdef CF_BENCH_AVRO_BRIDGE
    _Atomic(cf_ext *) shape_slot = NULL;
    const cf_avro_shape *shape = NULL;
    if (s.emit == EMIT_AVRO) {
        /* A resolved program fills values of the reader's schema. */
        if (cf_avro_shape_get(&shape_slot, with_reader ? reader : writer, &shape, &err) !=
                CFAVRO_OK ||
            avro_generic_value_new(shape->iface, &s.value) != 0) {
            fprintf(stderr, "bench_resolve: no avro-c value class: %s\n", err.message);
            return 1;
        }
    }
#endif
    decode_all(&s, n < 1000 ? n : 1000); /* warm-up: buffers grown */
    uint64_t bytes = cf_bench_resolve_measured(&s);
    printf("%s %s %s: %zu messages, %llu JSON bytes\n", schema_name, emit, mode, n,
           (unsigned long long)bytes);
#ifdef CF_BENCH_AVRO_BRIDGE
    if (s.emit == EMIT_AVRO) {
        avro_value_decref(&s.value);
        cf_avro_scratch_free(&s.scratch);
        cf_ext_free(atomic_load(&shape_slot));
    }
#endif
    cf_buf_free(&s.out);
    cf_walk_keys_free(&s.keys);
    cf_corpus_free(&corpus);
    cf_schema_free(resolved);
    cf_schema_free(reader);
    cf_schema_free(writer);
    free(reader_text);
    free(text);
    return 0;
}
