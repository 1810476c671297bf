/* The test registry for bench_cache: started as a child process, asked
 * through its control API (tests/registry/README.md) with libcurl. Built only
 * with the registry client (CF_HAVE_REGISTRY), which brings libcurl.
 *
 * SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_cache.h"

extern char **environ;

int bc_registry_start(bc_registry *r, const bc_options *o, const char *data_path,
                      const char *port_path)
{
    memset(r, 0, sizeof *r);
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/registry/server.py", o->source_root);
    unlink(port_path);
    const char *argv[] = {o->python, script, "--data", data_path, "--port-file", port_path, NULL};
    /* Its "PORT n" line is not ours to print. */
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&r->pid, argv[0], &quiet, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (rc != 0) {
        fprintf(stderr, "bench_cache: cannot start %s: %s\n", argv[0], strerror(rc));
        r->pid = 0;
        return -1;
    }
    for (int waited = 0; waited < 200; waited++) { /* up to 20 s */
        FILE *f = fopen(port_path, "r");
        int port = 0;
        if (f != NULL) {
            int ok = fscanf(f, "%d", &port);
            fclose(f);
            if (ok == 1 && port > 0) {
                snprintf(r->url, sizeof r->url, "http://127.0.0.1:%d", port);
                return 0;
            }
        }
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "bench_cache: the test registry (%s) did not start\n", script);
    bc_registry_stop(r);
    return -1;
}

void bc_registry_stop(bc_registry *r)
{
    if (r->pid <= 0) {
        return;
    }
    kill(r->pid, SIGTERM);
    int status;
    waitpid(r->pid, &status, 0);
    r->pid = 0;
}

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t keep_body(char *p, size_t size, size_t n, void *arg)
{
    body *b = arg;
    size_t add = size * n;
    char *grown = realloc(b->data, b->len + add + 1);
    if (grown == NULL) {
        return 0;
    }
    memcpy(grown + b->len, p, add);
    b->len += add;
    grown[b->len] = '\0';
    b->data = grown;
    return add;
}

/* GET (json NULL) or POST `json` to <url>/__control/<what>; the reply body
 * (owned) or NULL. */
static char *control(const bc_registry *r, const char *what, const char *json)
{
    char url[256];
    snprintf(url, sizeof url, "%s/__control/%s", r->url, what);
    CURL *h = curl_easy_init();
    if (h == NULL) {
        return NULL;
    }
    body b = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (json != NULL) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    }
    long code = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK || code != 200) {
        fprintf(stderr, "bench_cache: %s: %s (HTTP %ld)\n", url, curl_easy_strerror(rc), code);
        free(b.data);
        return NULL;
    }
    return b.data != NULL ? b.data : calloc(1, 1);
}

long bc_registry_count(const bc_registry *r, const char *prefix)
{
    char *text = control(r, "log", NULL);
    if (text == NULL) {
        return -1;
    }
    json_t *log = json_loads(text, 0, NULL);
    free(text);
    json_t *counts = json_object_get(log, "counts");
    if (!json_is_object(counts)) {
        json_decref(log);
        return -1;
    }
    long n = 0;
    const char *path;
    json_t *count;
    json_object_foreach(counts, path, count) {
        if (strncmp(path, prefix, strlen(prefix)) == 0) {
            n += (long)json_integer_value(count);
        }
    }
    json_decref(log);
    return n;
}

int bc_registry_control(const bc_registry *r, const char *what, const char *json)
{
    char *reply = control(r, what, json);
    int rc = reply != NULL ? 0 : -1;
    free(reply);
    return rc;
}
