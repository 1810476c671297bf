/* Starting the loopback test registry and reaching its control API (see
 * registry_process.h). */
#include "registry_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int reg_process_start(reg_process *p, const reg_process_args *a, char *why, size_t why_size)
{
    p->pid = 0;
    p->port = 0;
    const char *argv[32] = {a->python, a->script, "--data", a->data, "--port-file", a->port_file};
    size_t argc = 6;
    for (size_t i = 0; a->extra != NULL && a->extra[i] != NULL; i++) {
        if (argc == sizeof argv / sizeof argv[0] - 1) {
            snprintf(why, why_size, "too many server arguments");
            return -1;
        }
        argv[argc++] = a->extra[i];
    }
    argv[argc] = NULL;
    unlink(a->port_file);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (a->quiet) { /* its "PORT n" line is not the caller's to print */
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    }
    int rc = posix_spawnp(&p->pid, argv[0], &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        p->pid = 0;
        snprintf(why, why_size, "cannot start %s: %s", argv[0], strerror(rc));
        return -1;
    }
    for (int waited = 0; waited < 200; waited++) { /* up to 20 s */
        FILE *f = fopen(a->port_file, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &p->port);
            fclose(f);
            if (ok == 1 && p->port > 0) {
                return 0;
            }
        }
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    reg_process_stop(p);
    snprintf(why, why_size, "the test registry (%s) did not start", a->script);
    return -1;
}

void reg_process_stop(reg_process *p)
{
    if (p->pid <= 0) {
        return;
    }
    kill(p->pid, SIGTERM);
    int status;
    waitpid(p->pid, &status, 0);
    p->pid = 0;
}

typedef struct reply {
    char *data;
    size_t len;
} reply;

static size_t keep_reply(char *data, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    size_t add = size * n;
    char *grown = realloc(r->data, r->len + add + 1);
    if (grown == NULL) {
        return 0;
    }
    memcpy(grown + r->len, data, add);
    r->len += add;
    grown[r->len] = '\0';
    r->data = grown;
    return add;
}

char *reg_process_control(int port, const char *action, const char *body, char *why,
                          size_t why_size)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__control/%s", port, action);
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(why, why_size, "%s: curl_easy_init failed", url);
        return NULL;
    }
    reply r = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_reply);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    long code = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK || code != 200) {
        snprintf(why, why_size, "%s: %s (HTTP %ld)", url, curl_easy_strerror(rc), code);
        free(r.data);
        return NULL;
    }
    return r.data != NULL ? r.data : calloc(1, 1);
}
