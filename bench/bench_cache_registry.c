/* The test registry for bench_cache: started as a child process, asked
 * through its control API (tests/registry/README.md); the process and
 * control parts are tests/registry_process.c, shared with the C tests. Built only
 * with the registry client (CF_HAVE_REGISTRY), which brings libcurl.
 *
 * SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_cache.h"
#include "registry_process.h"

int bc_registry_start(bc_registry *r, const bc_options *o, const char *data_path,
                      const char *port_path)
{
    memset(r, 0, sizeof *r);
    char script[1024], why[1024];
    snprintf(script, sizeof script, "%s/tests/registry/server.py", o->source_root);
    reg_process_args a = {o->python, script, data_path, port_path, NULL, true};
    reg_process p;
    if (reg_process_start(&p, &a, why, sizeof why) != 0) {
        fprintf(stderr, "bench_cache: %s\n", why);
        return -1;
    }
    r->pid = p.pid;
    r->port = p.port;
    snprintf(r->url, sizeof r->url, "http://127.0.0.1:%d", p.port);
    return 0;
}

void bc_registry_stop(bc_registry *r)
{
    reg_process p = {r->pid, r->port};
    reg_process_stop(&p);
    r->pid = 0;
}

/* GET (json NULL) or POST `json` to /__control/<what>; the reply body
 * (owned) or NULL, reported. */
static char *control(const bc_registry *r, const char *what, const char *json)
{
    char why[512];
    char *reply = reg_process_control(r->port, what, json, why, sizeof why);
    if (reply == NULL) {
        fprintf(stderr, "bench_cache: %s\n", why);
    }
    return reply;
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
