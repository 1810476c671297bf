/* The dead-letter sinks: one per reason (ingest.deadletter.<reason>.path),
 * falling back to ingest.deadletter.path; reasons that name the same path
 * share one sink, so their lines interleave in one file. */
#ifndef INGEST_DEAD_LETTER_H
#define INGEST_DEAD_LETTER_H

#include "reason.h"
#include "settings.h"
#include "sink.h"

typedef struct ingest_dead_letter {
    ingest_sink *by_reason[INGEST_REASON_COUNT]; /* where each reason's lines go */
    ingest_sink *distinct[INGEST_REASON_COUNT]; /* each sink once, for flush/close */
    int ndistinct;
} ingest_dead_letter;

/* Open every dead-letter file the settings name. `main_sink` (the sink of
 * decoded records, path `main_path`) is shared when a dead-letter path is the
 * same, so one file never has two writers. Returns 0, or -1 with errbuf
 * filled (nothing left open). */
int ingest_dead_letter_open(ingest_dead_letter *dl, const ingest_settings *settings,
                            ingest_sink *main_sink, const char *main_path, char *errbuf,
                            size_t errcap);

/* Flush every dead-letter sink; -1 when any has failed (errbuf says which). */
int ingest_dead_letter_flush(ingest_dead_letter *dl, char *errbuf, size_t errcap);

/* Close the sinks this opened (not a shared main sink). */
int ingest_dead_letter_close(ingest_dead_letter *dl);

#endif
