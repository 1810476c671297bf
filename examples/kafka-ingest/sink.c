/* Buffered line output shared by threads (see sink.h). */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Big enough that a write(2) carries many lines, small enough that a crash
 * between flushes re-reads little. Lines longer than this go out alone. */
#define SINK_BUFFER_BYTES ((size_t)256 << 10)

struct ingest_sink {
    pthread_mutex_t lock;
    int fd;
    bool owns_fd;
    bool fsync_on_flush;
    bool failed;
    char *buf;
    size_t len;
    char path[256];
    char failure[128];
};

ingest_sink *ingest_sink_open(const char *path, bool fsync_on_flush, char *errbuf, size_t errcap)
{
    ingest_sink *sink = calloc(1, sizeof *sink);
    char *buf = malloc(SINK_BUFFER_BYTES);
    if (sink == NULL || buf == NULL) {
        free(sink);
        free(buf);
        snprintf(errbuf, errcap, "%s: out of memory", path);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        sink->fd = STDOUT_FILENO;
        fsync_on_flush = false;
    } else {
        sink->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (sink->fd < 0) {
            snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
            free(sink);
            free(buf);
            return NULL;
        }
        sink->owns_fd = true;
    }
    pthread_mutex_init(&sink->lock, NULL);
    sink->buf = buf;
    sink->fsync_on_flush = fsync_on_flush;
    snprintf(sink->path, sizeof sink->path, "%s", path);
    return sink;
}

/* write(2) all of data[0..len), retrying short writes and EINTR; the first
 * failure sticks. Called with the lock held. */
static int write_all(ingest_sink *sink, const char *data, size_t len)
{
    while (len > 0 && !sink->failed) {
        ssize_t n = write(sink->fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            sink->failed = true;
            snprintf(sink->failure, sizeof sink->failure, "write: %s",
                     n < 0 ? strerror(errno) : "wrote nothing");
            break;
        }
        data += n;
        len -= (size_t)n;
    }
    return sink->failed ? -1 : 0;
}

static int drain_locked(ingest_sink *sink)
{
    int rc = write_all(sink, sink->buf, sink->len);
    sink->len = 0;
    return rc;
}

int ingest_sink_write(ingest_sink *sink, const char *line, size_t len)
{
    pthread_mutex_lock(&sink->lock);
    int rc = sink->failed ? -1 : 0;
    if (rc == 0 && sink->len + len > SINK_BUFFER_BYTES) {
        rc = drain_locked(sink);
    }
    if (rc == 0) {
        if (len > SINK_BUFFER_BYTES) {
            rc = write_all(sink, line, len);
        } else {
            memcpy(sink->buf + sink->len, line, len);
            sink->len += len;
        }
    }
    pthread_mutex_unlock(&sink->lock);
    return rc;
}

int ingest_sink_flush(ingest_sink *sink)
{
    pthread_mutex_lock(&sink->lock);
    int rc = drain_locked(sink);
    if (rc == 0 && sink->fsync_on_flush && fsync(sink->fd) != 0) {
        sink->failed = true;
        snprintf(sink->failure, sizeof sink->failure, "fsync: %s", strerror(errno));
        rc = -1;
    }
    pthread_mutex_unlock(&sink->lock);
    return rc;
}

const char *ingest_sink_path(const ingest_sink *sink)
{
    return sink->path;
}

const char *ingest_sink_failure(const ingest_sink *sink)
{
    return sink->failure;
}

int ingest_sink_close(ingest_sink *sink)
{
    if (sink == NULL) {
        return 0;
    }
    int rc = ingest_sink_flush(sink);
    if (sink->owns_fd && close(sink->fd) != 0) {
        rc = -1;
    }
    pthread_mutex_destroy(&sink->lock);
    free(sink->buf);
    free(sink);
    return rc;
}
