/* Starting and driving the loopback test registry (see
 * registry_server_support.h). The control API is reached with plain libcurl,
 * not with the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "registry_process.h"
#include "registry_server_support.h"
#include "test_support.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static void run_shell(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fail_msg("command failed (%d): %s", rc, cmd);
}

void reg_unset_proxy_env(void)
{
    static const char *const names[] = {"http_proxy", "https_proxy", "HTTPS_PROXY",
                                        "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unsetenv(names[i]);
}

void reg_make_certs(const char *dir, const char *key_password)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sh '%s/tests/registry/make_certs.sh' '%s' '%s'",
             env_or("CFAVRO_SOURCE_ROOT", "."), dir, key_password);
    run_shell(cmd);
}

void reg_remove_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run_shell(cmd);
}

reg_server reg_server_start(const char *dir, const char *name, const char *const *extra)
{
    char script[1024], data[1024], port_file[512], why[1024];
    const char *root = env_or("CFAVRO_SOURCE_ROOT", ".");
    snprintf(script, sizeof script, "%s/tests/registry/server.py", root);
    snprintf(data, sizeof data, "%s/tests/registry/data.json", root);
    snprintf(port_file, sizeof port_file, "%s/%s.port", dir, name);
    reg_process_args a = {env_or("CFAVRO_PYTHON", "python3"), script, data, port_file, extra,
                          false};
    reg_process p;
    if (reg_process_start(&p, &a, why, sizeof why) != 0) {
        fail_msg("test registry %s: %s", name, why);
    }
    return (reg_server){p.pid, p.port};
}

void reg_server_stop(reg_server *s)
{
    reg_process p = {s->pid, s->port};
    reg_process_stop(&p);
    s->pid = 0;
}

char *reg_control(const reg_server *s, const char *action, const char *body)
{
    char why[512];
    char *reply = reg_process_control(s->port, action, body, why, sizeof why);
    if (reply == NULL) {
        fail_msg("control %s failed: %s", action, why);
    }
    return reply;
}

void reg_set_faults(const reg_server *s, const char *faults_json)
{
    size_t n = strlen(faults_json) + 32;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"faults\": %s}", faults_json);
    free(reg_control(s, "faults", body));
    free(body);
}

void reg_set_auth(const reg_server *s, const char *auth_json)
{
    free(reg_control(s, "auth", auth_json));
}

json_t *reg_request_log(const reg_server *s)
{
    char *raw = reg_control(s, "log", NULL);
    json_error_t jerr;
    json_t *log = json_loads(raw, 0, &jerr);
    free(raw);
    assert_non_null(log);
    return log;
}

size_t reg_request_total(const reg_server *s)
{
    json_t *log = reg_request_log(s);
    size_t n = json_array_size(json_object_get(log, "requests"));
    json_decref(log);
    return n;
}

json_t *reg_requests_since(const reg_server *s, size_t mark)
{
    json_t *log = reg_request_log(s);
    json_t *requests = json_object_get(log, "requests");
    json_t *since = json_array();
    for (size_t i = mark; i < json_array_size(requests); i++)
        json_array_append(since, json_array_get(requests, i));
    json_decref(log);
    return since;
}

json_t *reg_last_request(const reg_server *s)
{
    json_t *log = reg_request_log(s);
    json_t *requests = json_object_get(log, "requests");
    size_t n = json_array_size(requests);
    assert_true(n > 0);
    json_t *last = json_incref(json_array_get(requests, n - 1));
    json_decref(log);
    return last;
}

const char *reg_str_at(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_is_string(v) ? json_string_value(v) : "";
}

int reg_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

void reg_group_start(reg_group *g, const char *dir_prefix, const char *name)
{
    reg_unset_proxy_env();
    make_temp_dir(g->dir, sizeof g->dir, dir_prefix);
    g->server = reg_server_start(g->dir, name, NULL);
    snprintf(g->url, sizeof g->url, "http://127.0.0.1:%d", g->server.port);
}

void reg_group_stop(reg_group *g)
{
    reg_server_stop(&g->server);
    reg_remove_dir(g->dir);
}

void reg_group_clean(const reg_group *g)
{
    reg_set_faults(&g->server, "[]");
    reg_set_auth(&g->server, "{}");
}

void reg_assert_no_secret(const char *messages, size_t stride, size_t n,
                          const char *const *secrets)
{
    bool verbose = getenv("CFAVRO_TEST_VERBOSE") != NULL;
    for (size_t m = 0; m < n; m++) {
        const char *msg = messages + m * stride;
        if (verbose) {
            printf("message: %s\n", msg);
        }
        for (size_t k = 0; secrets[k] != NULL; k++) {
            if (strstr(msg, secrets[k]) != NULL) {
                fail_msg("message %zu holds a credential: %s", m, msg);
            }
        }
    }
}
