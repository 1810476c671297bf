/* Monotonic milliseconds: every timeout, backoff and interval of the service
 * is measured on this clock, so a wall-clock jump cannot stall a retry or
 * fire every commit at once. */
#ifndef INGEST_CLOCK_H
#define INGEST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t ingest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
