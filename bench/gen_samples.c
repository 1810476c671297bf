/*
 * gen_samples: write the bundled sample messages in examples/data/ from the
 * benchmark generator, so they are reproducible:
 *   trades.len32be  20 trade + 5 wide messages, each a 4-byte big-endian
 *                   length then the V0-framed message (what kcat -f '%R%s'
 *                   emits), a wide message after every 4 trades
 *   trades.hex      a few messages, one lowercase hex message per line
 * Usage: gen_samples OUTDIR
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

#define SAMPLE_SEED 20240601u

static int write_len32be(FILE *f, const cf_corpus *c, size_t i)
{
    size_t len = c->lens[i];
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    return fwrite(hdr, 1, 4, f) == 4 && fwrite(c->msgs[i], 1, len, f) == len ? 0 : -1;
}

static int write_hex(FILE *f, const cf_corpus *c, size_t i)
{
    const unsigned char *p = c->msgs[i];
    for (size_t k = 0; k < c->lens[i]; k++)
        if (fprintf(f, "%02x", p[k]) < 0)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_samples OUTDIR\n");
        return 2;
    }
    cf_corpus trade, wide;
    if (cf_gen_trade(&trade, 20, SAMPLE_SEED) != 0 || cf_gen_wide(&wide, 5, SAMPLE_SEED) != 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/trades.len32be", argv[1]);
    FILE *f = fopen(path, "wb");
    int rc = f ? 0 : -1;
    for (size_t i = 0; f && i < 20 && rc == 0; i++) {
        rc = write_len32be(f, &trade, i);
        if (rc == 0 && i % 4 == 3)
            rc = write_len32be(f, &wide, i / 4);
    }
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s/trades.hex", argv[1]);
    f = fopen(path, "w");
    rc = f ? 0 : -1;
    for (size_t i = 0; f && i < 3 && rc == 0; i++)
        rc = write_hex(f, &trade, i);
    if (rc == 0 && f)
        rc = write_hex(f, &wide, 0);
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    cf_corpus_free(&trade);
    cf_corpus_free(&wide);
    return 0;
}
