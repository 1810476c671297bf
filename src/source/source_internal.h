/*
 * Schema sources: where schema text comes from when the cache misses. Each
 * source answers one question, "the text of schema id N", with owned text,
 * CFAVRO_E_SCHEMA_NOT_FOUND (the client then asks the next source) or any
 * other failure (which stops the lookup: a broken directory or registry must
 * not be mistaken for an absent schema). Compiling the text is the client's
 * job, so every source's text goes through the same compiler and limits.
 *
 * Today: the directory source (here). The in-memory source is what
 * cfavro_client_add_schema registers; the HTTP registry comes next.
 */
#ifndef CFAVRO_SOURCE_INTERNAL_H
#define CFAVRO_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* Directory source: the text of <dir>/<id>.avsc. On success *text (owned,
 * free with cf_free; NUL-terminated, not counted in *len) and *len are set.
 * Fails with CFAVRO_E_SCHEMA_NOT_FOUND when there is no such file,
 * CFAVRO_E_IO when it cannot be opened or read or is not a regular file (a
 * FIFO never blocks), CFAVRO_E_LIMIT_SCHEMA when it is larger than
 * `max_bytes`, CFAVRO_E_CONFIG when the path is too long, CFAVRO_E_NOMEM.
 * `path` (cap bytes) receives the file name, for messages. Thread-safe. */
int cf_source_dir_read(const char *dir, int32_t id, size_t max_bytes, char *path,
                       size_t path_cap, char **text, size_t *len, cfavro_error *err);

#endif
