/* Routing each configuration key to its owner, and the service's own keys
 * (the rule is written down in settings.h). */
#include "settings.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "properties.h"

#define REGISTRY_PREFIX "schema.registry."

typedef enum key_kind { KEY_TEXT, KEY_UINT, KEY_BOOL } key_kind;

/* One ingest.* key: where it lands in ingest_settings, its range and its
 * default (as text, parsed by the same code as a value from the file). */
typedef struct ingest_key {
    const char *name;
    key_kind kind;
    size_t offset;
    unsigned min, max;
    const char *default_value; /* NULL: unset (required or optional text) */
    const char *doc;
} ingest_key;

#define AT(member) offsetof(ingest_settings, member)
#define REASON_PATH(reason, name)                                                           \
    {"ingest.deadletter." name ".path", KEY_TEXT,                                           \
     AT(deadletter_reason_path[0]) + (reason) * sizeof(char *), 0, 0, NULL,                 \
     "dead-letter file for reason " name " (default: ingest.deadletter.path)"}

static const ingest_key ingest_keys[] = {
    {"ingest.topics", KEY_TEXT, AT(topics), 0, 0, NULL,
     "topics to consume, comma-separated (required)"},
    {"ingest.workers", KEY_UINT, AT(workers), 1, 256, "2",
     "decoding threads, each with its own cfavro decoder on the shared client"},
    {"ingest.sink.path", KEY_TEXT, AT(sink_path), 0, 0, "-",
     "NDJSON file the decoded records are appended to; - is stdout"},
    {"ingest.sink.fsync", KEY_BOOL, AT(sink_fsync), 0, 1, "false",
     "fsync the sinks before each commit (survives power loss, not only a crash)"},
    {"ingest.deadletter.path", KEY_TEXT, AT(deadletter_path), 0, 0, NULL,
     "NDJSON file records that do not decode are appended to (required); - is stdout"},
    REASON_PATH(INGEST_REASON_MALFORMED, "malformed"),
    REASON_PATH(INGEST_REASON_UNKNOWN_SCHEMA, "unknown_schema"),
    REASON_PATH(INGEST_REASON_INCOMPATIBLE, "incompatible"),
    REASON_PATH(INGEST_REASON_REGISTRY, "registry"),
    REASON_PATH(INGEST_REASON_INTERNAL, "internal"),
    {"ingest.max.uncommitted", KEY_UINT, AT(max_uncommitted), 1, 10000000, "10000",
     "records taken from Kafka whose offsets are not committed yet (being decoded, waiting "
     "for the registry, or handled behind one of those, or since the last commit): at the "
     "limit the service commits what it can and takes no more until it can commit; bounds "
     "memory and what a crash reads again"},
    {"ingest.commit.interval.ms", KEY_UINT, AT(commit_interval_ms), 10, 3600000, "1000",
     "how often the sinks are flushed and the handled offsets stored and committed"},
    {"ingest.registry.retries", KEY_UINT, AT(registry_retries), 0, 100, "5",
     "retries of a record whose schema the registry could not serve, then dead-letter"},
    {"ingest.registry.backoff.ms", KEY_UINT, AT(registry_backoff_ms), 1, 3600000, "500",
     "wait before the first retry; doubles each retry"},
    {"ingest.registry.backoff.max.ms", KEY_UINT, AT(registry_backoff_max_ms), 1, 3600000,
     "10000", "longest wait between two retries"},
    {"ingest.stats.interval.ms", KEY_UINT, AT(stats_interval_ms), 0, 86400000, "0",
     "log a counters line to stderr this often (0: only at exit)"},
    {"ingest.schema.id.headers", KEY_BOOL, AT(schema_id_headers), 0, 1, "true",
     "take the schema id from a __value_schema_id Kafka header when a record has one "
     "(header mode); false: every value is framed, and the header lookup (about a tenth "
     "of the service's work per record) is skipped"},
    {"ingest.exit.at.eof", KEY_BOOL, AT(exit_at_eof), 0, 1, "false",
     "stop (committing everything) once every assigned partition is read to its end"},
};
#define N_INGEST_KEYS (sizeof ingest_keys / sizeof ingest_keys[0])

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A key whose value may be a credential: its value never appears in a
 * message, whoever's key it is. */
static bool looks_secret(const char *key)
{
    static const char *const marks[] = {"password", "secret", "sasl.", "token",
                                        "user.info", "ssl.key", "jaas", "credential"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (strstr(key, marks[i]) != NULL) {
            return true;
        }
    }
    return false;
}

static bool cfavro_knows(const char *key)
{
    for (size_t i = 0; i < cfavro_setting_count(); i++) {
        if (strcmp(cfavro_setting_at(i)->name, key) == 0) {
            return true;
        }
    }
    return false;
}

static int set_ingest_key(ingest_settings *s, const ingest_key *k, const char *value,
                          char *errbuf, size_t errcap)
{
    void *field = (char *)s + k->offset;
    switch (k->kind) {
    case KEY_TEXT: {
        if (value[0] == '\0') {
            snprintf(errbuf, errcap, "%s: empty", k->name);
            return -1;
        }
        char *copy = strdup(value);
        if (copy == NULL) {
            snprintf(errbuf, errcap, "%s: out of memory", k->name);
            return -1;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    case KEY_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
            *(bool *)field = value[0] == 't';
            return 0;
        }
        snprintf(errbuf, errcap, "%s: expected true or false", k->name);
        return -1;
    case KEY_UINT: {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || n < k->min ||
            n > k->max) {
            snprintf(errbuf, errcap, "%s: expected an integer from %u to %u", k->name, k->min,
                     k->max);
            return -1;
        }
        *(unsigned *)field = (unsigned)n;
        return 0;
    }
    }
    return -1;
}

static int add_route(ingest_config *cfg, const char *key, const char *owner, const char *as,
                     char *errbuf, size_t errcap)
{
    if (cfg->nroutes == cfg->route_cap) {
        size_t cap = cfg->route_cap != 0 ? cfg->route_cap * 2 : 16;
        ingest_route *grown = realloc(cfg->routes, cap * sizeof *grown);
        if (grown == NULL) {
            snprintf(errbuf, errcap, "out of memory");
            return -1;
        }
        cfg->routes = grown;
        cfg->route_cap = cap;
    }
    ingest_route *r = &cfg->routes[cfg->nroutes];
    r->key = strdup(key);
    r->as = strdup(as);
    r->owner = owner;
    if (r->key == NULL || r->as == NULL) {
        free(r->key);
        free(r->as);
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    cfg->nroutes++;
    return 0;
}

static int set_cfavro(ingest_config *cfg, const char *key, const char *name, const char *value,
                      char *errbuf, size_t errcap)
{
    cfavro_error err;
    if (cfavro_config_set(cfg->cfavro, name, value, &err) != CFAVRO_OK) {
        /* cfavro's messages name the key and never show a secret value. */
        if (strcmp(key, name) != 0) {
            snprintf(errbuf, errcap, "%s (as cfavro's %s): %s", key, name, err.message);
        } else {
            snprintf(errbuf, errcap, "%s", err.message);
        }
        return -1;
    }
    return add_route(cfg, key, "cfavro", name, errbuf, errcap);
}

static int set_librdkafka(ingest_config *cfg, const char *key, const char *value, char *errbuf,
                          size_t errcap, bool *unknown)
{
    *unknown = false;
    if (strcmp(key, "enable.auto.offset.store") == 0 && strcmp(value, "false") != 0) {
        snprintf(errbuf, errcap,
                 "%s: must stay false: the service stores an offset only after its record "
                 "is written or dead-lettered",
                 key);
        return -1;
    }
    char why[256];
    switch (rd_kafka_conf_set(cfg->kafka, key, value, why, sizeof why)) {
    case RD_KAFKA_CONF_OK:
        return add_route(cfg, key, "librdkafka", key, errbuf, errcap);
    case RD_KAFKA_CONF_UNKNOWN:
        *unknown = true;
        return -1;
    default:
        /* librdkafka's text quotes the value: keep it out for credentials. */
        if (looks_secret(key)) {
            snprintf(errbuf, errcap, "%s: librdkafka refused the value", key);
        } else {
            snprintf(errbuf, errcap, "%s: %s", key, why);
        }
        return -1;
    }
}

int ingest_config_set(ingest_config *cfg, const char *key, const char *value, char *errbuf,
                      size_t errcap)
{
    if (starts_with(key, "ingest.")) {
        for (size_t i = 0; i < N_INGEST_KEYS; i++) {
            if (strcmp(ingest_keys[i].name, key) == 0) {
                if (set_ingest_key(&cfg->settings, &ingest_keys[i], value, errbuf, errcap) != 0) {
                    return -1;
                }
                return add_route(cfg, key, "ingest", key, errbuf, errcap);
            }
        }
        snprintf(errbuf, errcap, "unknown key %.100s (not a setting of this service; see --help)",
                 key);
        return -1;
    }
    if (starts_with(key, REGISTRY_PREFIX)) {
        const char *name = cfavro_knows(key) ? key : key + strlen(REGISTRY_PREFIX);
        if (!cfavro_knows(name)) {
            snprintf(errbuf, errcap,
                     "unknown key %.100s (schema.registry.KEY must name a cfavro setting KEY)",
                     key);
            return -1;
        }
        return set_cfavro(cfg, key, name, value, errbuf, errcap);
    }
    bool unknown;
    if (set_librdkafka(cfg, key, value, errbuf, errcap, &unknown) == 0) {
        return 0;
    }
    if (!unknown) {
        return -1;
    }
    if (!cfavro_knows(key)) {
        snprintf(errbuf, errcap,
                 "unknown key %.100s (not a librdkafka property, not a cfavro setting, not "
                 "ingest.*)",
                 key);
        return -1;
    }
    return set_cfavro(cfg, key, key, value, errbuf, errcap);
}

static int set_pair_callback(void *arg, const char *key, const char *value, char *errbuf,
                             size_t errcap)
{
    return ingest_config_set(arg, key, value, errbuf, errcap);
}

int ingest_config_set_pair(ingest_config *cfg, const char *pair, char *errbuf, size_t errcap)
{
    const char *eq = strchr(pair, '=');
    if (eq == NULL || eq == pair) {
        snprintf(errbuf, errcap, "-X takes KEY=VALUE");
        return -1;
    }
    char *key = strndup(pair, (size_t)(eq - pair));
    if (key == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    int rc = ingest_config_set(cfg, key, eq + 1, errbuf, errcap);
    free(key);
    return rc;
}

int ingest_config_load_file(ingest_config *cfg, const char *path, char *errbuf, size_t errcap)
{
    return ingest_properties_read_file(path, set_pair_callback, cfg, errbuf, errcap);
}

int ingest_config_init(ingest_config *cfg, char *errbuf, size_t errcap)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kafka = rd_kafka_conf_new();
    cfg->cfavro = cfavro_config_new();
    if (cfg->kafka == NULL || cfg->cfavro == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < N_INGEST_KEYS; i++) {
        if (ingest_keys[i].default_value != NULL &&
            set_ingest_key(&cfg->settings, &ingest_keys[i], ingest_keys[i].default_value,
                           errbuf, errcap) != 0) {
            return -1;
        }
    }
    /* The service stores each offset once its record is handled and commits
     * what it stored (consumer.c); a user may turn auto commit back on (it
     * commits only stored offsets), never the automatic store. */
    char why[256];
    if (rd_kafka_conf_set(cfg->kafka, "enable.auto.offset.store", "false", why, sizeof why) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(cfg->kafka, "enable.auto.commit", "false", why, sizeof why) !=
            RD_KAFKA_CONF_OK) {
        snprintf(errbuf, errcap, "librdkafka: %s", why);
        return -1;
    }
    return 0;
}

static bool kafka_conf_has(rd_kafka_conf_t *conf, const char *key)
{
    char value[512];
    size_t size = sizeof value;
    return rd_kafka_conf_get(conf, key, value, &size) == RD_KAFKA_CONF_OK && size > 1 &&
           strcmp(value, "0") != 0;
}

/* The longest a record can wait for the registry: every retry's backoff. */
static uint64_t retry_schedule_ms(const ingest_settings *s)
{
    uint64_t total = 0, wait = s->registry_backoff_ms;
    for (unsigned i = 0; i < s->registry_retries; i++) {
        total += wait < s->registry_backoff_max_ms ? wait : s->registry_backoff_max_ms;
        wait *= 2;
        if (wait > s->registry_backoff_max_ms) {
            wait = s->registry_backoff_max_ms;
        }
    }
    return total;
}

int ingest_config_finish(ingest_config *cfg, char *errbuf, size_t errcap)
{
    const ingest_settings *s = &cfg->settings;
    if (s->topics == NULL) {
        snprintf(errbuf, errcap, "ingest.topics is not set: which topics to consume");
        return -1;
    }
    if (s->deadletter_path == NULL) {
        snprintf(errbuf, errcap,
                 "ingest.deadletter.path is not set: where records that do not decode go");
        return -1;
    }
    if (!kafka_conf_has(cfg->kafka, "group.id")) {
        snprintf(errbuf, errcap, "group.id is not set: the service is a consumer-group member");
        return -1;
    }
    if (!kafka_conf_has(cfg->kafka, "bootstrap.servers") &&
        !kafka_conf_has(cfg->kafka, "test.mock.num.brokers")) {
        snprintf(errbuf, errcap, "bootstrap.servers is not set");
        return -1;
    }
    if (s->registry_backoff_max_ms < s->registry_backoff_ms) {
        snprintf(errbuf, errcap,
                 "ingest.registry.backoff.max.ms is below ingest.registry.backoff.ms");
        return -1;
    }
    /* When ingest.max.uncommitted fills behind a record waiting for the
     * registry, the consumer polls nothing until that record is resolved:
     * the wait must end before librdkafka gives up on this member. */
    char poll_interval[32];
    size_t size = sizeof poll_interval;
    unsigned long long max_poll_ms =
        rd_kafka_conf_get(cfg->kafka, "max.poll.interval.ms", poll_interval, &size) ==
                RD_KAFKA_CONF_OK
            ? strtoull(poll_interval, NULL, 10)
            : 300000;
    if (retry_schedule_ms(s) >= max_poll_ms) {
        snprintf(errbuf, errcap,
                 "the registry retries take up to %llu ms (ingest.registry.*), not below "
                 "max.poll.interval.ms (%llu ms): a record waiting that long would make "
                 "the group drop this member",
                 (unsigned long long)retry_schedule_ms(s), max_poll_ms);
        return -1;
    }
    char why[256];
    if (rd_kafka_conf_set(cfg->kafka, "enable.partition.eof", s->exit_at_eof ? "true" : "false",
                          why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(errbuf, errcap, "librdkafka: %s", why);
        return -1;
    }
    return 0;
}

void ingest_config_print_routes(const ingest_config *cfg, FILE *out)
{
    for (size_t i = 0; i < cfg->nroutes; i++) {
        const ingest_route *r = &cfg->routes[i];
        if (strcmp(r->key, r->as) != 0) {
            fprintf(out, "%s -> %s as %s\n", r->key, r->owner, r->as);
        } else {
            fprintf(out, "%s -> %s\n", r->key, r->owner);
        }
    }
}

void ingest_settings_print_help(FILE *out)
{
    for (size_t i = 0; i < N_INGEST_KEYS; i++) {
        const ingest_key *k = &ingest_keys[i];
        fprintf(out, "  %s", k->name);
        if (k->kind == KEY_UINT) {
            fprintf(out, " (%u to %u)", k->min, k->max);
        } else if (k->kind == KEY_BOOL) {
            fputs(" (true, false)", out);
        }
        if (k->default_value != NULL) {
            fprintf(out, " default %s", k->default_value);
        }
        fprintf(out, "\n      %s\n", k->doc);
    }
}

void ingest_config_free(ingest_config *cfg)
{
    ingest_settings *s = &cfg->settings;
    free(s->topics);
    free(s->sink_path);
    free(s->deadletter_path);
    for (int r = 0; r < INGEST_REASON_COUNT; r++) {
        free(s->deadletter_reason_path[r]);
    }
    for (size_t i = 0; i < cfg->nroutes; i++) {
        free(cfg->routes[i].key);
        free(cfg->routes[i].as);
    }
    free(cfg->routes);
    if (cfg->kafka != NULL) {
        rd_kafka_conf_destroy(cfg->kafka);
    }
    cfavro_config_free(cfg->cfavro);
    memset(cfg, 0, sizeof *cfg);
}
