/*
 * gen_corpus: write the benchmark generator's trade or wide messages to a
 * file, for benchmarks outside C (bench/bench_python.py): the same bytes
 * cfavro_bench decodes for the same count and seed.
 *   gen_corpus trade|wide COUNT SEED FILE
 * FILE holds each V0-framed message as a 4-byte big-endian length and the
 * message (the len32be format of `cfavro decode`).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "trade") != 0 && strcmp(argv[1], "wide") != 0)) {
        fprintf(stderr, "usage: gen_corpus trade|wide COUNT SEED FILE\n");
        return 2;
    }
    size_t count = strtoull(argv[2], NULL, 10);
    uint64_t seed = strtoull(argv[3], NULL, 10);
    cf_corpus c;
    int rc = strcmp(argv[1], "trade") == 0 ? cf_gen_trade(&c, count, seed)
                                           : cf_gen_wide(&c, count, seed);
    if (rc != 0) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        return 1;
    }
    FILE *f = fopen(argv[4], "wb");
    for (size_t i = 0; f != NULL && i < c.count; i++) {
        size_t len = c.lens[i];
        unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                                (unsigned char)(len >> 8), (unsigned char)len};
        if (fwrite(hdr, 1, 4, f) != 4 || fwrite(c.msgs[i], 1, len, f) != len)
            break;
    }
    int failed = f == NULL || ferror(f) || fclose(f) != 0;
    cf_corpus_free(&c);
    if (failed) {
        fprintf(stderr, "gen_corpus: cannot write %s\n", argv[4]);
        return 1;
    }
    return 0;
}
