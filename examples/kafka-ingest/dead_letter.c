/* Routing dead letters to their sinks (see dead_letter.h). */
#include "dead_letter.h"

#include <stdio.h>
#include <string.h>

/* The sink already opened for `path` (the main sink included), or NULL. */
static ingest_sink *find_open(ingest_dead_letter *dl, ingest_sink *main_sink,
                              const char *main_path, const char *path)
{
    if (strcmp(path, main_path) == 0) {
        return main_sink;
    }
    for (int i = 0; i < dl->ndistinct; i++) {
        if (strcmp(ingest_sink_path(dl->distinct[i]), path) == 0) {
            return dl->distinct[i];
        }
    }
    return NULL;
}

int ingest_dead_letter_open(ingest_dead_letter *dl, const ingest_settings *settings,
                            ingest_sink *main_sink, const char *main_path, char *errbuf,
                            size_t errcap)
{
    memset(dl, 0, sizeof *dl);
    for (int r = 0; r < INGEST_REASON_COUNT; r++) {
        const char *path = settings->deadletter_reason_path[r] != NULL
                               ? settings->deadletter_reason_path[r]
                               : settings->deadletter_path;
        ingest_sink *sink = find_open(dl, main_sink, main_path, path);
        if (sink == NULL) {
            sink = ingest_sink_open(path, settings->sink_fsync, errbuf, errcap);
            if (sink == NULL) {
                ingest_dead_letter_close(dl);
                return -1;
            }
            dl->distinct[dl->ndistinct++] = sink;
        }
        dl->by_reason[r] = sink;
    }
    return 0;
}

int ingest_dead_letter_flush(ingest_dead_letter *dl, char *errbuf, size_t errcap)
{
    int rc = 0;
    for (int i = 0; i < dl->ndistinct; i++) {
        if (ingest_sink_flush(dl->distinct[i]) != 0 && rc == 0) {
            snprintf(errbuf, errcap, "%s: %s", ingest_sink_path(dl->distinct[i]),
                     ingest_sink_failure(dl->distinct[i]));
            rc = -1;
        }
    }
    return rc;
}

int ingest_dead_letter_close(ingest_dead_letter *dl)
{
    int rc = 0;
    for (int i = 0; i < dl->ndistinct; i++) {
        if (ingest_sink_close(dl->distinct[i]) != 0) {
            rc = -1;
        }
    }
    memset(dl, 0, sizeof *dl);
    return rc;
}
