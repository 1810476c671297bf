/* The loopback test registry (tests/registry/server.py) as C tests use it:
 * start and stop servers, drive the /__control/ API (faults, auth), read the
 * request log. For the registry transport and client tests; every helper
 * fails the running cmocka test when the server does not answer. */
#ifndef CFAVRO_TEST_REGISTRY_SERVER_SUPPORT_H
#define CFAVRO_TEST_REGISTRY_SERVER_SUPPORT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* The credentials the tests configure, and scan every message for. */
#define USER "sr-user"
#define PASSWORD "basic-pw-7f3a91"
#define TOKEN "bearer-tok-c0ffee42"
#define CLUSTER "lsrc-12345"
#define POOL "pool-abcde"
#define KEY_PASSWORD "key-pw-b4d5e6"

typedef struct reg_server {
    pid_t pid;
    int port;
} reg_server;

/* Loopback must not go through a proxy from the environment. */
void reg_unset_proxy_env(void);

/* The test certificates (tests/registry/make_certs.sh) made in dir. */
void reg_make_certs(const char *dir, const char *key_password);

/* Start server.py with tests/registry/data.json and `extra` arguments
 * (NULL-terminated, may be NULL); its port file is dir/<name>.port. */
reg_server reg_server_start(const char *dir, const char *name, const char *const *extra);
void reg_server_stop(reg_server *s);

/* rm -rf dir. */
void reg_remove_dir(const char *dir);

/* POST body (NULL: GET) to /__control/<action> over plain HTTP; the reply,
 * malloc'd (the caller frees). */
char *reg_control(const reg_server *s, const char *action, const char *body);
/* Replace the fault list with faults_json (a JSON array). */
void reg_set_faults(const reg_server *s, const char *faults_json);
/* Replace the auth configuration (a JSON object; "{}": none). */
void reg_set_auth(const reg_server *s, const char *auth_json);

/* The whole log reply ({"requests": [...], "total": n, ...}); a new reference. */
json_t *reg_request_log(const reg_server *s);
/* How many requests the server has logged so far. */
size_t reg_request_total(const reg_server *s);
/* The requests logged after the first `mark` ones (a new array reference). */
json_t *reg_requests_since(const reg_server *s, size_t mark);
/* The last logged request (a new reference). */
json_t *reg_last_request(const reg_server *s);
/* obj[a] (or obj[a][b] when b is not NULL) if it is a string, else "". */
const char *reg_str_at(json_t *obj, const char *a, const char *b);

/* A loopback port nothing listens on (bound, then closed). */
int reg_dead_port(void);

/* One server for a cmocka test group: proxy variables unset, a temporary
 * directory /tmp/<dir_prefix>XXXXXX, the server (port file <name>.port in
 * it) and its base URL http://127.0.0.1:<port>. */
typedef struct reg_group {
    reg_server server;
    char dir[256];
    char url[64];
} reg_group;
void reg_group_start(reg_group *g, const char *dir_prefix, const char *name);
/* Stop the server and remove the directory. */
void reg_group_stop(reg_group *g);
/* No faults and no auth, as each test starts. */
void reg_group_clean(const reg_group *g);

/* cmocka group fixtures `setup` and `teardown` (static, in the including
 * test) that start and stop `group` (a reg_group the test defines). */
#define REG_GROUP_FIXTURES(group, dir_prefix, name)                                                \
    static int setup(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        reg_group_start(&(group), dir_prefix, name);                                               \
        return 0;                                                                                  \
    }                                                                                              \
    static int teardown(void **state)                                                              \
    {                                                                                              \
        (void)state;                                                                               \
        reg_group_stop(&(group));                                                                  \
        return 0;                                                                                  \
    }

/* Fail the running test when any of the n messages (NUL-terminated, `stride`
 * bytes apart: a char[n][stride] array) contains any of the NULL-terminated
 * secrets. Each message is printed first when CFAVRO_TEST_VERBOSE is set. */
void reg_assert_no_secret(const char *messages, size_t stride, size_t n,
                          const char *const *secrets);

#endif
