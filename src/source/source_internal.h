/*
 * Schema sources: where schema text comes from when the cache misses. Each
 * source answers one question, "the text of this key", with owned text,
 * CFAVRO_E_SCHEMA_NOT_FOUND (the client then asks the next source) or any
 * other failure (which stops the lookup: a broken directory or registry must
 * not be mistaken for an absent schema). Compiling the text is the client's
 * job, so every source's text goes through the same compiler and limits.
 *
 * The client asks, in this order: the in-memory source (texts given to
 * cfavro_client_add_schema, kept so that an evicted schema is compiled
 * again rather than lost), the directory (schema.dir), the persistence
 * directory (cfavro.registry.persist.dir: what the registry answered before),
 * then the registry (source_registry.c).
 */
#ifndef CFAVRO_SOURCE_INTERNAL_H
#define CFAVRO_SOURCE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache_key_internal.h"
#include "cfavro.h"

/* ---- file names: one format for schema.dir and the persistence directory ----
 * An id in the default context: "<id>.avsc" (e.g. 7.avsc). An id in context
 * C: ":<C>:<id>.avsc" (Confluent's qualified-subject spelling of a context;
 * bytes of C outside [A-Za-z0-9._-] are written %XX, so a context can never
 * name a path). A GUID: "<8-4-4-4-12 hex>.avsc" (GUIDs are global). */
#define CF_SOURCE_NAME_MAX 256
/* Writes the name (NUL-terminated) and returns CFAVRO_OK, or CFAVRO_E_CONFIG
 * when the context is too long to fit. `context` NULL or "": the default. */
int cf_source_file_name(const cf_schema_key *key, const char *context,
                        char name[CF_SOURCE_NAME_MAX], cfavro_error *err);

/* A directory source: the text of <dir>/<name>. On success *text (owned,
 * free with cf_free; NUL-terminated, not counted in *len) and *len are set.
 * Fails with CFAVRO_E_SCHEMA_NOT_FOUND when there is no such file,
 * CFAVRO_E_IO when it cannot be opened or read or is not a regular file (a
 * FIFO never blocks), CFAVRO_E_LIMIT_SCHEMA when it is larger than
 * `max_bytes`, CFAVRO_E_CONFIG when the path is too long, CFAVRO_E_NOMEM.
 * `key` is for messages; `path` (cap bytes) receives the file's path, for
 * messages. Thread-safe. */
int cf_source_dir_read(const char *dir, const char *name, const cf_schema_key *key,
                       size_t max_bytes, char *path, size_t path_cap, char **text, size_t *len,
                       cfavro_error *err);

/* Write text[0..len) to <dir>/<name> atomically (a temporary file in the same
 * directory, flushed, then renamed over the name), so a reader never sees half
 * a schema and a crash leaves either the old file or the new one. Returns
 * CFAVRO_OK or CFAVRO_E_IO / CFAVRO_E_CONFIG with `err` filled. Thread-safe:
 * concurrent writers of the same name each rename a complete file. */
int cf_source_dir_write(const char *dir, const char *name, const char *text, size_t len,
                        cfavro_error *err);

/* ---- the in-memory source ------------------------------------------------ */
typedef struct cf_source_memory_item {
    int32_t id;
    char *text;
    size_t len;
} cf_source_memory_item;

typedef struct cf_source_memory {
    pthread_mutex_t lock; /* held for a binary search or an insert, never for I/O */
    cf_source_memory_item *items; /* sorted by id */
    size_t count;
    size_t cap;
} cf_source_memory;

int cf_source_memory_init(cf_source_memory *m);
void cf_source_memory_free(cf_source_memory *m);

/* Keep a copy of text[0..len) for `id` (*added says whether it was new). The
 * same text again is a no-op; other text fails with CFAVRO_E_ARGUMENT (an id
 * names one schema forever). CFAVRO_E_NOMEM. Thread-safe. */
int cf_source_memory_add(cf_source_memory *m, int32_t id, const char *text, size_t len,
                         bool *added, cfavro_error *err);

/* Forget `id` (undoing an add whose schema could not be cached). Thread-safe. */
void cf_source_memory_remove(cf_source_memory *m, int32_t id);

/* The conflict check of cf_source_memory_add alone: CFAVRO_OK when `id` is
 * absent or has this text. Thread-safe. */
int cf_source_memory_check(cf_source_memory *m, int32_t id, const char *text, size_t len,
                           cfavro_error *err);

/* A copy of the text for `id` (owned, NUL-terminated), or
 * CFAVRO_E_SCHEMA_NOT_FOUND, or CFAVRO_E_NOMEM. Thread-safe. */
int cf_source_memory_read(cf_source_memory *m, int32_t id, char **text, size_t *len,
                          cfavro_error *err);

#endif
