/* `cfavro decode --stats`: what a run did, on standard error.
 *
 * The decoding thread reports each input record (cf_run_stats_message,
 * cf_run_stats_record); the library's own counters come from
 * cfavro_client_stats. With --stats the counters are printed when the run
 * ends, with --stats-interval N also every N seconds (from a thread of
 * their own, so a stream that pauses still gets its lines), and when
 * standard error is a terminal a progress line, rewritten in place, shows
 * after the first second (--no-progress turns it off).
 *
 * Every function accepts a NULL cf_run_stats (nothing wanted: nothing
 * done), so the decode loop calls them unconditionally. */
#ifndef CFAVRO_TOOLS_STATS_H
#define CFAVRO_TOOLS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfavro.h"
#include "options.h"

typedef struct cf_stats_options {
    bool stats;            /* --stats, or implied by --stats-interval */
    unsigned interval_s;   /* --stats-interval N; 0: only at the end */
    bool no_progress;      /* --no-progress */
} cf_stats_options;

/* The options above, as a command's extra options (options.h), and how
 * one of them (name, value) is applied: CF_EXIT_OK, or CF_EXIT_USAGE after
 * cf_usage_error said why. */
enum { CF_STATS_EXTRA_OPTIONS = 3 };
extern const cf_extra_option cf_stats_extra_options[CF_STATS_EXTRA_OPTIONS];
int cf_stats_apply_option(cf_stats_options *so, cf_options *o, const char *name,
                          const char *value);

/* The options' part of `cfavro decode --help`. */
void cf_stats_help(FILE *out);

typedef struct cf_run_stats cf_run_stats;

/* Start a run decoding with `client` (borrowed: must outlive the run):
 * NULL when nothing is wanted (no --stats, and no progress line because
 * standard error is not a terminal or --no-progress), or when the run
 * cannot be watched (out of memory: a note says so). */
cf_run_stats *cf_run_stats_start(const cf_stats_options *o, const cfavro_client *client);

/* A message was decoded with `status` (CFAVRO_OK or its failure): msg[0..len)
 * as read, its schema-id header in header mode (NULL, 0 otherwise), and the
 * input position after it. */
void cf_run_stats_message(cf_run_stats *s, const uint8_t *msg, size_t len,
                          const uint8_t *header, size_t header_len, int status,
                          uint64_t input_pos);

/* A record that is no message: an input error or a null value (tombstone). */
typedef enum cf_run_record {
    CF_RUN_INPUT_ERROR = 1,
    CF_RUN_TOMBSTONE = 2
} cf_run_record;
void cf_run_stats_record(cf_run_stats *s, cf_run_record kind, uint64_t input_pos);

/* Bracket every write to standard error from the decoding thread: the
 * progress line is cleared first and not redrawn until _end. */
void cf_run_stats_stderr_begin(cf_run_stats *s);
void cf_run_stats_stderr_end(cf_run_stats *s);

/* End the run: stop the thread, clear the progress line, print the final
 * counters (with --stats) and free `s`. */
void cf_run_stats_finish(cf_run_stats *s);

#endif
