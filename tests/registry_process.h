/* The loopback test registry (tests/registry/server.py) as a child process,
 * and its /__control/ API over plain libcurl: the part shared by the C tests
 * (registry_server_support.c, which fails the running cmocka test on any
 * error) and bench/bench_cache_registry.c (which reports and carries on).
 * Nothing here depends on cmocka: errors come back as -1 / NULL with the
 * reason in `why`. */
#ifndef CFAVRO_TEST_REGISTRY_PROCESS_H
#define CFAVRO_TEST_REGISTRY_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct reg_process {
    pid_t pid; /* 0: not running */
    int port;
} reg_process;

typedef struct reg_process_args {
    const char *python;          /* interpreter */
    const char *script;          /* tests/registry/server.py */
    const char *data;            /* its --data file */
    const char *port_file;       /* where it writes its port (removed first) */
    const char *const *extra;    /* more arguments, NULL-terminated; may be NULL */
    bool quiet;                  /* its stdout to /dev/null */
} reg_process_args;

/* Start the server and wait (up to 20 s) for its port. 0, or -1 with the
 * reason in why (nothing left running). */
int reg_process_start(reg_process *p, const reg_process_args *a, char *why, size_t why_size);

/* SIGTERM, then wait. Safe when not running. */
void reg_process_stop(reg_process *p);

/* GET (body NULL) or POST `body` (JSON) to
 * http://127.0.0.1:<port>/__control/<action>, bypassing any proxy. The
 * reply (malloc'd, NUL-terminated, possibly empty; the caller frees), or
 * NULL with the reason in why when it does not answer 200. */
char *reg_process_control(int port, const char *action, const char *body, char *why,
                          size_t why_size);

#endif
