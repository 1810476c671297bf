/* An append-only NDJSON output (the decoded-record sink, each dead-letter
 * file): whole lines from many threads, buffered, written out in whole lines.
 *
 * "Written" for the service's at-least-once promise means handed to the
 * kernel (write(2) returned), which survives a crash of the process: the
 * consumer flushes every sink before it stores any offset. With fsync on, a
 * flush also survives power loss. */
#ifndef INGEST_SINK_H
#define INGEST_SINK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ingest_sink ingest_sink;

/* Open `path` for appending ("-": standard output, never fsynced). Returns
 * NULL with errbuf filled when the file cannot be opened. */
ingest_sink *ingest_sink_open(const char *path, bool fsync_on_flush, char *errbuf,
                              size_t errcap);

/* Append one line (`len` bytes ending in '\n'). Thread-safe. Returns 0, or
 * -1 once any write to this sink has failed (the failure is sticky: nothing
 * written after it could be trusted to be complete). */
int ingest_sink_write(ingest_sink *sink, const char *line, size_t len);

/* Hand everything appended so far to the kernel (and fsync when asked).
 * Thread-safe. Returns 0, or -1 when this or an earlier write failed. */
int ingest_sink_flush(ingest_sink *sink);

/* The path and the first failure ("" when none), for messages. */
const char *ingest_sink_path(const ingest_sink *sink);
const char *ingest_sink_failure(const ingest_sink *sink);

/* Flush and close; NULL is a no-op. Returns -1 when a write failed. */
int ingest_sink_close(ingest_sink *sink);

#endif
