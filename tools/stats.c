/* `cfavro decode --stats`, --stats-interval and the progress line (see
 * stats.h). One lock guards the run's counters and standard error's
 * ownership: the decoding thread takes it briefly per record; the reporter
 * thread takes it to read and print, so its lines never land in the middle
 * of an error line. The library's counters are read with
 * cfavro_client_stats, which is safe from any thread while decoding goes on. */
#include "stats.h"

#include "commands.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    IDS_TRACKED = 1024,  /* distinct schema ids counted one by one; the rest together */
    ID_SLOTS = 2048,     /* hash slots: twice the ids, so probes stay short */
    IDS_SHOWN = 20,      /* the most frequent ids printed */
    INTERVAL_MAX = 86400 /* --stats-interval: at most once a day */
};

/* The progress line: drawn after the first second, then twice a second. */
#define PROGRESS_FIRST_S 1.0
#define PROGRESS_EVERY_S 0.5

/* ---- options -------------------------------------------------------------- */

const cf_extra_option cf_stats_extra_options[CF_STATS_EXTRA_OPTIONS] = {
    {"--stats", false}, {"--stats-interval", true}, {"--no-progress", false}};

int cf_stats_apply_option(cf_stats_options *so, cf_options *o, const char *name,
                          const char *value)
{
    if (strcmp(name, "--stats") == 0) {
        so->stats = true;
        return CF_EXIT_OK;
    }
    if (strcmp(name, "--no-progress") == 0) {
        so->no_progress = true;
        return CF_EXIT_OK;
    }
    char *end = NULL;
    errno = 0;
    unsigned long n = value[0] >= '0' && value[0] <= '9' ? strtoul(value, &end, 10) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || n == 0 || n > INTERVAL_MAX) {
        return cf_usage_error(o,
                              "--stats-interval: invalid value \"%.64s\" (expected seconds, 1 "
                              "to 86400)",
                              value);
    }
    so->interval_s = (unsigned)n;
    so->stats = true;
    return CF_EXIT_OK;
}

void cf_stats_help(FILE *out)
{
    fputs("Statistics (on standard error):\n"
          "  --stats               when the input ends, print what the run did:\n"
          "                        messages, bytes read, messages per second,\n"
          "                        decoded and failed messages (by error class),\n"
          "                        schema ids seen with their message counts, the\n"
          "                        schema cache's hits, misses, negative hits and\n"
          "                        evictions, and the registry's lookups, requests,\n"
          "                        retries, failures and latency; lines start\n"
          "                        with 'cfavro: stats: '\n"
          "  --stats-interval N    the same every N seconds (1 to 86400) while the\n"
          "                        run goes on, even while input pauses (implies\n"
          "                        --stats)\n"
          "  --no-progress         no progress line: by default, when standard error\n"
          "                        is a terminal, a line rewritten in place shows the\n"
          "                        messages and bytes so far once a run takes over a\n"
          "                        second\n"
          "\n",
          out);
}

/* ---- schema ids seen ------------------------------------------------------ */

typedef struct id_count {
    bool is_guid;
    int32_t id;
    uint8_t guid[CFAVRO_GUID_SIZE];
    uint64_t messages;
} id_count;

typedef struct id_table {
    id_count items[IDS_TRACKED];
    size_t count;
    uint16_t slot[ID_SLOTS]; /* index + 1 into items; 0: empty */
    size_t last;             /* the item counted last: consecutive messages share ids */
    uint64_t none;           /* messages whose frame did not parse */
    uint64_t untracked;      /* messages of ids past IDS_TRACKED */
} id_table;

static bool same_id(const id_count *c, const cfavro_frame *f)
{
    bool guid = f->kind == CFAVRO_FRAME_V1;
    return c->is_guid == guid &&
           (guid ? memcmp(c->guid, f->guid, CFAVRO_GUID_SIZE) == 0 : c->id == f->schema_id);
}

static uint32_t id_hash(const cfavro_frame *f)
{
    uint32_t h = 2166136261u; /* FNV-1a over the id's bytes */
    if (f->kind == CFAVRO_FRAME_V1) {
        for (size_t i = 0; i < CFAVRO_GUID_SIZE; i++) {
            h = (h ^ f->guid[i]) * 16777619u;
        }
    } else {
        for (int i = 0; i < 4; i++) {
            h = (h ^ (uint8_t)((uint32_t)f->schema_id >> (8 * i))) * 16777619u;
        }
    }
    return h;
}

static void id_count_one(id_table *t, const cfavro_frame *f)
{
    if (t->count > 0 && same_id(&t->items[t->last], f)) {
        t->items[t->last].messages++;
        return;
    }
    uint32_t i = id_hash(f) % ID_SLOTS;
    for (; t->slot[i] != 0; i = (i + 1) % ID_SLOTS) {
        size_t k = t->slot[i] - 1u;
        if (same_id(&t->items[k], f)) {
            t->items[k].messages++;
            t->last = k;
            return;
        }
    }
    if (t->count == IDS_TRACKED) {
        t->untracked++;
        return;
    }
    id_count *c = &t->items[t->count];
    memset(c, 0, sizeof *c);
    c->is_guid = f->kind == CFAVRO_FRAME_V1;
    c->id = f->schema_id;
    if (c->is_guid) {
        memcpy(c->guid, f->guid, CFAVRO_GUID_SIZE);
    }
    c->messages = 1;
    t->last = t->count;
    t->slot[i] = (uint16_t)++t->count;
}

/* Most messages first, then by id (V0 ids before GUIDs). */
static int by_count(const void *a, const void *b)
{
    const id_count *x = a, *y = b;
    if (x->messages != y->messages) {
        return x->messages > y->messages ? -1 : 1;
    }
    if (x->is_guid != y->is_guid) {
        return x->is_guid ? 1 : -1;
    }
    if (x->is_guid) {
        return memcmp(x->guid, y->guid, CFAVRO_GUID_SIZE);
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- the run -------------------------------------------------------------- */

struct cf_run_stats {
    cf_stats_options opt;
    const cfavro_client *client;
    bool progress;  /* draw the progress line (standard error is a terminal) */
    double start;   /* monotonic seconds */
    pthread_t thread;
    bool threaded;

    pthread_mutex_t lock;  /* everything below */
    pthread_cond_t wake;   /* the reporter's timer; stop and stderr changes */
    bool stopping;
    bool main_writing;     /* the decoding thread owns standard error */
    bool progress_shown;   /* a progress line is on the terminal now */
    uint64_t records;      /* input records: messages, input errors, tombstones */
    uint64_t failed;       /* messages that failed, and input errors */
    uint64_t input_errors;
    uint64_t tombstones;
    uint64_t bytes;        /* input position after the last record */
    id_table ids;

    /* The reporter's memory of its last interval (reporter thread only). */
    double last_at;
    uint64_t last_records;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rate(uint64_t n, double seconds)
{
    return seconds > 0 ? (double)n / seconds : 0.0;
}

/* The byte count in a unit a person reads at a glance. */
static void human_bytes(double b, char *out, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    snprintf(out, cap, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
}

static const char *class_name(int slot)
{
    static const char *const names[] = {"other", "argument", "frame", "not found", "registry",
                                        "schema", "data", "trailing", "limit", "incompatible"};
    return slot < (int)(sizeof names / sizeof names[0]) ? names[slot] : "other";
}

static void put_counts(const cf_run_stats *s, const cfavro_stats *lib)
{
    fprintf(stderr, "cfavro: stats: decoded %llu, failed %llu", (unsigned long long)lib->decoded,
            (unsigned long long)lib->failed);
    const char *sep = " (";
    for (int i = 0; i < CFAVRO_STATS_CLASS_SLOTS; i++) {
        if (lib->failed_by_class[i] > 0) {
            fprintf(stderr, "%s%s %llu", sep, class_name(i),
                    (unsigned long long)lib->failed_by_class[i]);
            sep = ", ";
        }
    }
    fprintf(stderr, "%s, input errors %llu, tombstones %llu\n", sep[0] == ',' ? ")" : "",
            (unsigned long long)s->input_errors, (unsigned long long)s->tombstones);
}

static void put_ids(const cf_run_stats *s)
{
    const id_table *t = &s->ids;
    fputs("cfavro: stats: schema ids:", stderr);
    if (t->count == 0 && t->none == 0) {
        fputs(" none seen\n", stderr);
        return;
    }
    id_count shown[IDS_TRACKED];
    memcpy(shown, t->items, t->count * sizeof shown[0]);
    qsort(shown, t->count, sizeof shown[0], by_count);
    const char *sep = " ";
    size_t n = t->count < IDS_SHOWN ? t->count : IDS_SHOWN;
    for (size_t i = 0; i < n; i++) {
        if (shown[i].is_guid) {
            const uint8_t *g = shown[i].guid;
            fprintf(stderr, "%sguid %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                            "%02x%02x%02x%02x%02x%02x: %llu",
                    sep, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10],
                    g[11], g[12], g[13], g[14], g[15], (unsigned long long)shown[i].messages);
        } else {
            fprintf(stderr, "%s%ld: %llu", sep, (long)shown[i].id,
                    (unsigned long long)shown[i].messages);
        }
        sep = ", ";
    }
    uint64_t rest = t->untracked;
    for (size_t i = n; i < t->count; i++) {
        rest += shown[i].messages;
    }
    if (rest > 0) {
        fprintf(stderr, "%sother ids: %llu", sep, (unsigned long long)rest);
        sep = ", ";
    }
    if (t->none > 0) {
        fprintf(stderr, "%sno id (frame not read): %llu", sep, (unsigned long long)t->none);
    }
    putc('\n', stderr);
}

static void put_library(const cfavro_stats *lib)
{
    fprintf(stderr,
            "cfavro: stats: schema cache: %llu hits, %llu misses, %llu negative hits, "
            "%llu evictions, %llu cached\n",
            (unsigned long long)lib->cache_hits, (unsigned long long)lib->cache_misses,
            (unsigned long long)lib->cache_negative_hits,
            (unsigned long long)lib->cache_evictions, (unsigned long long)lib->cache_entries);
    double avg_ms = lib->registry_requests > 0 ? (double)lib->registry_latency_us_sum /
                                                     (double)lib->registry_requests / 1000.0
                                               : 0.0;
    fprintf(stderr,
            "cfavro: stats: registry: %llu lookups, %llu requests, %llu retries, %llu failures, "
            "latency avg %.2f ms, max %.2f ms\n",
            (unsigned long long)lib->registry_lookups, (unsigned long long)lib->registry_requests,
            (unsigned long long)lib->registry_retries, (unsigned long long)lib->registry_failures,
            avg_ms, (double)lib->registry_latency_us_max / 1000.0);
}

/* Clear the progress line, if one is shown. Lock held (or one thread left). */
static void clear_progress(cf_run_stats *s)
{
    if (s->progress_shown) {
        fputs("\r\033[K", stderr);
        s->progress_shown = false;
    }
}

/* Every line of a report. `final`: the run's end, else an interval. Lock
 * held (or one thread left). */
static void put_report(cf_run_stats *s, bool final)
{
    cfavro_stats lib;
    memset(&lib, 0, sizeof lib);
    (void)cfavro_client_stats(s->client, &lib, sizeof lib); /* arguments are valid */
    double now = now_s();
    double elapsed = now - s->start;
    char speed[32];
    human_bytes(rate(s->bytes, elapsed), speed, sizeof speed);
    clear_progress(s);
    if (final) {
        fprintf(stderr,
                "cfavro: stats: done in %.2f s: %llu messages (%.1f/s), %llu bytes read "
                "(%s/s)\n",
                elapsed, (unsigned long long)s->records, rate(s->records, elapsed),
                (unsigned long long)s->bytes, speed);
    } else {
        fprintf(stderr,
                "cfavro: stats: after %.1f s: %llu messages (%.1f/s; %.1f/s in the last "
                "%.1f s), %llu bytes read (%s/s)\n",
                elapsed, (unsigned long long)s->records, rate(s->records, elapsed),
                rate(s->records - s->last_records, now - s->last_at), now - s->last_at,
                (unsigned long long)s->bytes, speed);
        s->last_at = now;
        s->last_records = s->records;
    }
    put_counts(s, &lib);
    put_ids(s);
    put_library(&lib);
}

/* Lock held. */
static void draw_progress(cf_run_stats *s)
{
    double elapsed = now_s() - s->start;
    char size[32];
    human_bytes((double)s->bytes, size, sizeof size);
    fprintf(stderr, "\rcfavro: %llu messages (%llu failed), %s, %.0f messages/s\033[K",
            (unsigned long long)s->records, (unsigned long long)s->failed, size,
            rate(s->records, elapsed));
    s->progress_shown = true;
}

/* pthread_cond_timedwait's deadline for monotonic time `at`. */
static struct timespec deadline_of(double at)
{
    struct timespec ts;
    ts.tv_sec = (time_t)at;
    ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* The reporter: interval reports and progress redraws, on time, never while
 * the decoding thread is writing to standard error. */
static void *reporter(void *arg)
{
    cf_run_stats *s = arg;
    double next_report = s->opt.interval_s > 0 ? s->start + s->opt.interval_s : 0;
    double next_progress = s->progress ? s->start + PROGRESS_FIRST_S : 0;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        double next = next_report;
        if (next_progress > 0 && (next == 0 || next_progress < next)) {
            next = next_progress;
        }
        struct timespec ts = deadline_of(next);
        while (!s->stopping && (now_s() < next || s->main_writing)) {
            if (s->main_writing) {
                pthread_cond_wait(&s->wake, &s->lock);
            } else {
                pthread_cond_timedwait(&s->wake, &s->lock, &ts);
            }
        }
        if (s->stopping) {
            break;
        }
        double now = now_s();
        if (next_report > 0 && now >= next_report) {
            put_report(s, false);
            while (next_report <= now) {
                next_report += s->opt.interval_s;
            }
        }
        if (next_progress > 0 && now >= next_progress) {
            draw_progress(s);
            next_progress = now + PROGRESS_EVERY_S;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void run_free(cf_run_stats *s)
{
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

cf_run_stats *cf_run_stats_start(const cf_stats_options *o, const cfavro_client *client)
{
    bool progress = !o->no_progress && isatty(fileno(stderr));
    if (!o->stats && !progress) {
        return NULL;
    }
    cf_run_stats *s = calloc(1, sizeof *s);
    if (s == NULL) {
        fputs("cfavro decode: out of memory for --stats: counting nothing\n", stderr);
        return NULL;
    }
    s->opt = *o;
    s->client = client;
    s->progress = progress;
    pthread_condattr_t attr;
    bool ok = pthread_condattr_init(&attr) == 0;
    /* The reporter's deadlines are monotonic: a clock change must not stop
     * or flood the reports. */
    ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&s->wake, &attr) == 0;
    if (ok && pthread_mutex_init(&s->lock, NULL) != 0) {
        pthread_cond_destroy(&s->wake);
        ok = false;
    }
    pthread_condattr_destroy(&attr);
    if (!ok) {
        fputs("cfavro decode: cannot watch the run (no condition variable): counting nothing\n",
              stderr);
        free(s);
        return NULL;
    }
    s->start = now_s();
    s->last_at = s->start;
    if (o->interval_s > 0 || progress) {
        s->threaded = pthread_create(&s->thread, NULL, reporter, s) == 0;
        if (!s->threaded) {
            fputs("cfavro decode: cannot start the statistics thread: no interval reports "
                  "or progress line\n",
                  stderr);
        }
    }
    return s;
}

void cf_run_stats_message(cf_run_stats *s, const uint8_t *msg, size_t len,
                          const uint8_t *header, size_t header_len, int status,
                          uint64_t input_pos)
{
    if (s == NULL) {
        return;
    }
    cfavro_frame f;
    int rc = header_len > 0 ? cfavro_frame_parse_header(header, header_len, msg, len, &f, NULL)
                            : cfavro_frame_parse(msg, len, &f, NULL);
    pthread_mutex_lock(&s->lock);
    s->records++;
    s->failed += status != CFAVRO_OK;
    s->bytes = input_pos;
    if (rc == CFAVRO_OK) {
        id_count_one(&s->ids, &f);
    } else {
        s->ids.none++;
    }
    pthread_mutex_unlock(&s->lock);
}

void cf_run_stats_record(cf_run_stats *s, cf_run_record kind, uint64_t input_pos)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->records++;
    s->bytes = input_pos;
    if (kind == CF_RUN_INPUT_ERROR) {
        s->input_errors++;
        s->failed++;
    } else {
        s->tombstones++;
    }
    pthread_mutex_unlock(&s->lock);
}

void cf_run_stats_stderr_begin(cf_run_stats *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->main_writing = true;
    clear_progress(s);
    pthread_mutex_unlock(&s->lock);
}

void cf_run_stats_stderr_end(cf_run_stats *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->main_writing = false;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void cf_run_stats_finish(cf_run_stats *s)
{
    if (s == NULL) {
        return;
    }
    if (s->threaded) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    /* One thread left: no lock needed from here on. */
    fflush(stdout); /* the output first, when both go to one file */
    clear_progress(s);
    if (s->opt.stats) {
        put_report(s, true);
    }
    run_free(s);
}
