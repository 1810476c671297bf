/* The one condition that stops the service: an output could not be written
 * (or a line could not be built), so nothing after it may be committed. The
 * first thread to raise it writes the reason; the consumer thread sees it
 * and shuts down without committing further. */
#ifndef INGEST_FATAL_H
#define INGEST_FATAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct ingest_fatal {
    atomic_int state; /* 0 none, 1 being written, 2 reason ready */
    char reason[320];
} ingest_fatal;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void ingest_fatal_raise(ingest_fatal *f, const char *fmt, ...)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&f->state, &expected, 1)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof f->reason, fmt, ap);
    va_end(ap);
    atomic_store_explicit(&f->state, 2, memory_order_release);
}

static inline bool ingest_fatal_raised(const ingest_fatal *f)
{
    return atomic_load_explicit(&f->state, memory_order_acquire) != 0;
}

/* The reason, once raised ("" while the raiser is still writing it). */
static inline const char *ingest_fatal_reason(const ingest_fatal *f)
{
    return atomic_load_explicit(&f->state, memory_order_acquire) == 2 ? f->reason : "";
}

#endif
