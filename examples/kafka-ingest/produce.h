/* Test mode: write a fixture of messages to a topic and record where each
 * landed, so a test can account for every offset. Used by the service's
 * --produce option and by tools/mock_cluster.c.
 *
 * The fixture is a stream of length-prefixed messages (4-byte big-endian
 * length, then the value), the framing `cfavro decode --format len32be`
 * reads; a zero length produces a tombstone (a null value). Message i goes to
 * partition i % (the topic's partition count). The manifest gets one line
 * per message, "INDEX PARTITION OFFSET", in fixture order. */
#ifndef INGEST_PRODUCE_H
#define INGEST_PRODUCE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ingest_fixture_options {
    const char *bootstrap;     /* bootstrap.servers */
    const char *topic;
    const char *fixture_path;
    const char *manifest_path; /* NULL: none written */
    bool header_mode;          /* move each V0 header into __value_schema_id */
} ingest_fixture_options;

/* Produce every message and wait until each is acknowledged. Returns the
 * number produced, or -1 with errbuf filled. */
long ingest_produce_fixture(const ingest_fixture_options *opts, char *errbuf, size_t errcap);

#endif
