/*
 * The cost of a reader schema (schema resolution, issue 10): trade messages
 * decoded to JSON by the walker with the writer's own program ("none") and
 * with a program resolved against a reader that reorders, drops and adds
 * fields ("reader"). Internal pieces (the walker and cf_schema_resolve), so
 * it links the static library. Count instructions with
 *   valgrind --tool=callgrind --toggle-collect=cf_bench_resolve_measured \
 *       build/bench/bench_resolve reader 20000
 * and divide by the message count; compare with the "none" run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "json_options_internal.h"
#include "json_write_internal.h"
#include "schema_resolve_internal.h"
#include "walk_json_internal.h"

/* The trade schema (bench/schemas/trade.avsc) as a reader would evolve it:
 * symbol before exchange, sequence_id gone, venue and fee added. */
static const char READER[] =
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

typedef struct run_state {
    const cf_schema *prog;
    cf_walk_limits limits;
    cf_json_options opt;
    cf_walk_keys keys;
    cf_buf out;
    const cf_corpus *corpus;
} run_state;

static uint64_t decode_all(run_state *s, size_t count)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *m = (const uint8_t *)s->corpus->msgs[i];
        s->out.len = 0;
        cfavro_error err;
        if (cf_walk_json(s->prog, &s->limits, &s->keys, &s->opt, m + 5, s->corpus->lens[i] - 5,
                         5, &s->out, &err) != CFAVRO_OK) {
            fprintf(stderr, "bench_resolve: message %zu: %s\n", i, err.message);
            exit(1);
        }
        bytes += s->out.len;
    }
    return bytes;
}

__attribute__((noinline)) uint64_t cf_bench_resolve_measured(run_state *s);
__attribute__((noinline)) uint64_t cf_bench_resolve_measured(run_state *s)
{
    return decode_all(s, s->corpus->count);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "reader";
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 20000;
    size_t len = 0;
    char *text = read_text(CF_BENCH_SCHEMA_DIR "/trade.avsc", &len);
    cf_schema *writer = NULL, *reader = NULL, *resolved = NULL;
    cfavro_error err;
    if (text == NULL || cf_schema_compile(text, len, NULL, &writer, &err) != CFAVRO_OK ||
        cf_schema_compile(READER, sizeof READER - 1, NULL, &reader, &err) != CFAVRO_OK ||
        cf_schema_resolve(writer, reader, NULL, &resolved, &err) != CFAVRO_OK) {
        fprintf(stderr, "bench_resolve: setup failed: %s\n", text ? err.message : "no schema");
        return 1;
    }
    cf_corpus corpus;
    memset(&corpus, 0, sizeof corpus);
    if (cf_gen_trade(&corpus, n, 42) != 0) {
        fprintf(stderr, "bench_resolve: generator failed\n");
        return 1;
    }
    run_state s;
    memset(&s, 0, sizeof s);
    s.prog = strcmp(mode, "none") == 0 ? writer : resolved;
    cf_walk_limits_default(&s.limits);
    cf_json_options_default(&s.opt);
    s.out.limit = SIZE_MAX;
    s.corpus = &corpus;
    decode_all(&s, n < 1000 ? n : 1000); /* warm-up: buffers grown */
    uint64_t bytes = cf_bench_resolve_measured(&s);
    printf("%s: %zu messages, %llu JSON bytes\n", mode, n, (unsigned long long)bytes);
    cf_buf_free(&s.out);
    cf_walk_keys_free(&s.keys);
    cf_corpus_free(&corpus);
    cf_schema_free(resolved);
    cf_schema_free(reader);
    cf_schema_free(writer);
    free(text);
    return 0;
}
