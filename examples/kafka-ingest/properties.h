/* A properties text (`key=value` lines), read the way cfavro reads one
 * (cfavro_config_set_properties in cfavro.h) so one file serves both: the
 * parser only splits lines; where each key goes is settings.c's business. */
#ifndef INGEST_PROPERTIES_H
#define INGEST_PROPERTIES_H

#include <stddef.h>

/* Called once per `key=value` line, in order. `key` and `value` are
 * NUL-terminated and valid during the call only. Return 0 to go on; anything
 * else stops the parse, with the reason written to errbuf (the parser puts
 * "line N: " in front of it). */
typedef int (*ingest_property_fn)(void *arg, const char *key, const char *value,
                                  char *errbuf, size_t errcap);

/* Parse text[0..len). Format: one `key=value` per line (LF or CRLF); blank
 * lines and lines whose first non-blank byte is '#' or '!' are skipped;
 * blanks around the key and after the '=' are dropped, the value keeps its
 * trailing blanks; a key holding a blank or ':' is an error, as are a line
 * without '=', an empty key and a NUL byte; a UTF-8 byte order mark at the
 * start is skipped. Errors say "line N: ..." and never quote a value.
 * Returns 0, or -1 with errbuf filled. */
int ingest_properties_parse(const char *text, size_t len, ingest_property_fn fn, void *arg,
                            char *errbuf, size_t errcap);

/* Read the file at `path` (at most 1 MiB, as cfavro's limit) and parse it;
 * errors start with the path. */
int ingest_properties_read_file(const char *path, ingest_property_fn fn, void *arg,
                                char *errbuf, size_t errcap);

#endif
