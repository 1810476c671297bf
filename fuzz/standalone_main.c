/*
 * Replay driver for builds without libFuzzer: runs LLVMFuzzerTestOneInput
 * once on every file named on the command line or found (non-recursively,
 * in name order, dotfiles skipped) in a directory named there. This is how
 * `meson test --suite fuzz` replays the seed corpus and the kept crashers.
 *
 * Each input gets an exact-size heap copy (so ASan catches any over-read)
 * and a wall-clock bound: FUZZ_TIME_LIMIT_MS (default 1000) per input, over
 * which the driver aborts, as libFuzzer's -timeout would.
 *
 * Exit status: 0 when every input ran; 1 for an unreadable path or when no
 * input was found at all (an empty corpus would make the test meaningless).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_common.h"

static long g_limit_ms = 1000;
static size_t g_inputs;
static double g_slowest_ms;
static char g_slowest[512];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (p == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return 1;
    }
    /* Exactly len bytes, so reading one past the end is an ASan error. */
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, len);
    free(buf);

    double t0 = now_ms();
    LLVMFuzzerTestOneInput(exact, len);
    double ms = now_ms() - t0;
    free(exact);
    g_inputs++;
    if (ms > g_slowest_ms) {
        g_slowest_ms = ms;
        snprintf(g_slowest, sizeof g_slowest, "%s", path);
    }
    if (ms > (double)g_limit_ms) {
        fprintf(stderr, "FUZZ FINDING: %s took %.0f ms (limit %ld ms per input)\n", path, ms,
                g_limit_ms);
        abort();
    }
    return 0;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path);
    }
    struct dirent **list = NULL;
    int n = scandir(path, &list, visible, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, list[i]->d_name);
        struct stat cst;
        if (rc == 0 && stat(child, &cst) == 0 && S_ISREG(cst.st_mode)) {
            rc = run_file(child);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int main(int argc, char **argv)
{
    const char *limit = getenv("FUZZ_TIME_LIMIT_MS");
    if (limit != NULL && atol(limit) > 0) {
        g_limit_ms = atol(limit);
    }
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i]) != 0) {
            return 1;
        }
    }
    if (g_inputs == 0) {
        fprintf(stderr, "%s: no inputs found\n", argv[0]);
        return 1;
    }
    printf("replayed %zu inputs; slowest %.1f ms (%s)\n", g_inputs, g_slowest_ms, g_slowest);
    return 0;
}
