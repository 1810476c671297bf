/* The settings table: one row per configuration key (see
 * settings_internal.h). Adding a key means adding a row here and, when it
 * has a place to go, a field in the struct it targets; the parsers, the
 * config, the client, cfavro_decoder_set, the public listing, --help and
 * settings.md all follow from the row. */
#include <stddef.h>

#include "settings_internal.h"

/* The type of the field `member` of `type`, from its C type: bool or a 1-,
 * 4- or 8-byte unsigned integer (size_t is 4 or 8 depending on the
 * platform, which is why this looks at sizes rather than names), or an owned
 * string (char *). */
#define FIELD_TYPE(type, member)                                                              \
    _Generic(((type *)0)->member, bool: CF_FIELD_BOOL, char *: CF_FIELD_TEXT,                 \
             default: (sizeof(((type *)0)->member) == 1   ? CF_FIELD_U8                       \
                       : sizeof(((type *)0)->member) == 4 ? CF_FIELD_U32                      \
                                                          : CF_FIELD_U64))

#define IN_OPTIONS(member)                                                                    \
    .target = CF_TARGET_OPTIONS, .offset = offsetof(cf_options, member),                     \
    .field = FIELD_TYPE(cf_options, member)
#define IN_SCHEMA_LIMITS(member)                                                              \
    .target = CF_TARGET_SCHEMA_LIMITS, .offset = offsetof(cf_schema_limits, member),         \
    .field = FIELD_TYPE(cf_schema_limits, member)
#define IN_CLIENT_TEXT(which) .target = CF_TARGET_CLIENT_TEXT, .field = (which)
#define IN_REGISTRY(member)                                                                   \
    .target = CF_TARGET_REGISTRY, .offset = offsetof(cf_registry_config, member),             \
    .field = FIELD_TYPE(cf_registry_config, member)
#define IN_READER(member)                                                                     \
    .target = CF_TARGET_READER, .offset = offsetof(cf_reader_config, member),                 \
    .field = FIELD_TYPE(cf_reader_config, member)

/* An integer row: the accepted text is made from the same two literals, so
 * the documented range cannot drift from the checked one. */
#define RANGE(lo, hi)                                                                         \
    .parser = CF_PARSE_UINT, .min = (lo), .max = (hi), .info.accepted = #lo " to " #hi

/* A choice row: `accepted` lists the words (a test checks it against them). */
#define CHOICES(text, ...)                                                                    \
    .parser = CF_PARSE_CHOICE, .info.accepted = (text),                                       \
    .choices = (const cf_choice[]){__VA_ARGS__},                                              \
    .nchoices = sizeof((const cf_choice[]){__VA_ARGS__}) / sizeof(cf_choice)

#define TEXT(rule, text) .parser = CF_PARSE_TEXT, .text_rule = (rule), .info.accepted = (text)

#define BOOL_WORDS CHOICES("true, false", {"true", 1}, {"false", 0})

/* Scope and flags. The keys of the schema-registry client's HTTP source are
 * AVAILABLE only in builds that have it (-Dregistry found libcurl); other
 * builds still list them (so users and bindings get a clear refusal rather
 * than "unknown key"). */
#ifdef CF_HAVE_REGISTRY
#define REGISTRY_FLAGS CFAVRO_SETTING_AVAILABLE
#else
#define REGISTRY_FLAGS 0
#endif
#define CLIENT .info.scope = CFAVRO_SETTING_CLIENT, .info.flags = CFAVRO_SETTING_AVAILABLE
#define DECODER .info.scope = CFAVRO_SETTING_DECODER, .info.flags = CFAVRO_SETTING_AVAILABLE
#define REGISTRY .info.scope = CFAVRO_SETTING_CLIENT, .info.flags = REGISTRY_FLAGS
#define REGISTRY_SECRET                                                                       \
    .info.scope = CFAVRO_SETTING_CLIENT, .info.flags = CFAVRO_SETTING_SECRET | REGISTRY_FLAGS

const cf_setting_row cf_setting_rows[] = {
    /* ---- client: the offline schema source and schema limits ---- */
    {.info.name = "schema.dir", CLIENT, TEXT(CF_TEXT_NONEMPTY, "a directory path"),
     IN_CLIENT_TEXT(CF_CLIENT_TEXT_SCHEMA_DIR), .info.default_value = NULL,
     .info.doc = "directory of <id>.avsc schema files (the offline directory source)"},
    {.info.name = "limit.schema.bytes", CLIENT, RANGE(1, 1073741824),
     IN_SCHEMA_LIMITS(max_json_bytes), .info.default_value = "1048576",
     .info.doc = "largest schema text in bytes (1 MiB)"},
    {.info.name = "limit.schema.depth", CLIENT, RANGE(1, 10000), IN_SCHEMA_LIMITS(max_depth),
     .info.default_value = "64", .info.doc = "deepest nesting of type definitions in a schema"},
    {.info.name = "limit.schema.nodes", CLIENT, RANGE(1, 100000000), IN_SCHEMA_LIMITS(max_nodes),
     .info.default_value = "100000", .info.doc = "most types (compiled nodes) in one schema"},
    {.info.name = "limit.schema.fields", CLIENT, RANGE(1, 10000000),
     IN_SCHEMA_LIMITS(max_fields), .info.default_value = "10000",
     .info.doc = "most fields in one record"},
    {.info.name = "limit.schema.branches", CLIENT, RANGE(1, 1000000),
     IN_SCHEMA_LIMITS(max_branches), .info.default_value = "1000",
     .info.doc = "most branches in one union"},
    {.info.name = "limit.schema.symbols", CLIENT, RANGE(1, 10000000),
     IN_SCHEMA_LIMITS(max_symbols), .info.default_value = "100000",
     .info.doc = "most symbols in one enum"},
    {.info.name = "limit.schema.fixed.size", CLIENT, RANGE(1, 1073741824),
     IN_SCHEMA_LIMITS(max_fixed_size), .info.default_value = "16777216",
     .info.doc = "largest fixed type in bytes (16 MiB)"},
    {.info.name = "limit.schema.names.bytes", CLIENT, RANGE(1, 1073741824),
     IN_SCHEMA_LIMITS(max_name_bytes), .info.default_value = "4194304",
     .info.doc = "total bytes of the full names a schema defines (4 MiB)"},

    /* ---- decoder: output and decoding options ---- */
    {.info.name = "json.union", DECODER,
     CHOICES("avro, plain", {"avro", CF_UNION_AVRO}, {"plain", CF_UNION_PLAIN}),
     IN_OPTIONS(json.union_style), .info.default_value = "avro",
     .info.doc = "unions as {\"type\": value} (Avro JSON) or as the plain value"},
    {.info.name = "json.bytes", DECODER,
     CHOICES("avro, base64, hex", {"avro", CF_BYTES_AVRO}, {"base64", CF_BYTES_BASE64},
             {"hex", CF_BYTES_HEX}),
     IN_OPTIONS(json.bytes_mode), .info.default_value = "avro",
     .info.doc = "bytes and fixed as Avro JSON strings (code points 0-255), base64 or hex"},
    {.info.name = "json.logical", DECODER, BOOL_WORDS, IN_OPTIONS(json.logical),
     .info.default_value = "true",
     .info.doc = "render logical types (false: the underlying Avro values, Avro's JSON encoding)"},
    {.info.name = "json.time", DECODER,
     CHOICES("iso8601, epoch", {"iso8601", CF_TIME_ISO8601}, {"epoch", CF_TIME_EPOCH}),
     IN_OPTIONS(json.time_style), .info.default_value = "iso8601",
     .info.doc = "dates, times and timestamps as ISO-8601 strings or their numbers"},
    {.info.name = "json.decimal", DECODER, CHOICES("string, number", {"string", 1}, {"number", 0}),
     IN_OPTIONS(json.decimal_quoted), .info.default_value = "string",
     .info.doc = "decimals as exact strings (\"123.45\") or JSON numbers"},
    {.info.name = "json.nonfinite", DECODER,
     CHOICES("string, null", {"string", CF_NONFINITE_STRING}, {"null", CF_NONFINITE_NULL}),
     IN_OPTIONS(json.nonfinite), .info.default_value = "string",
     .info.doc = "NaN and infinities as \"NaN\"/\"Infinity\" strings or null"},
    {.info.name = "json.invalid.utf8", DECODER,
     CHOICES("error, replace", {"error", CF_UTF8_ERROR}, {"replace", CF_UTF8_REPLACE}),
     IN_OPTIONS(walk.utf8), .info.default_value = "error",
     .info.doc = "invalid UTF-8 in an Avro string fails the message or becomes U+FFFD"},
    {.info.name = "decode.trailing.bytes", DECODER,
     CHOICES("error, allow", {"error", 0}, {"allow", 1}), IN_OPTIONS(walk.allow_trailing),
     .info.default_value = "error",
     .info.doc = "bytes after the value fail the message or are ignored"},
    /* 128 levels: deep enough for any real schema and modest recursive data,
     * at about 200 bytes of walker stack per level. */
    {.info.name = "limit.depth", DECODER, RANGE(1, 10000), IN_OPTIONS(walk.max_depth),
     .info.default_value = "128",
     .info.doc = "deepest nesting of records, arrays and maps in a value (~200 bytes of "
                 "stack per level)"},
    /* Items that cost no input (nulls, empty records) are the only way a tiny
     * message can demand unbounded work; everything else is bounded by the
     * input length. */
    {.info.name = "limit.items", DECODER, RANGE(0, 9223372036854775807),
     IN_OPTIONS(walk.max_items), .info.default_value = "1000000",
     .info.doc = "most values that take no input bytes (nulls, empty records) per message"},
    {.info.name = "limit.output.bytes", DECODER, RANGE(1, 9223372036854775807),
     IN_OPTIONS(json.max_output), .info.default_value = "67108864",
     .info.doc = "most JSON bytes one call may produce (64 MiB)"},

    /* ---- reader schema: the schema every message is resolved to (the Avro
     * specification's schema resolution), from text or from the registry.
     * use.latest.version and latest.cache.ttl.sec are Confluent's names;
     * Confluent derives the subject from the topic, cfavro needs it named.
     * Confluent's TTL default (-1: never refresh) is not offered: a reader
     * that follows the registry is refreshed every minute by default. ---- */
    {.info.name = "reader.schema", DECODER, TEXT(CF_TEXT_NONEMPTY, "Avro schema JSON text"),
     IN_READER(schema), .info.default_value = NULL,
     .info.doc = "reader schema: every message is resolved from its writer schema to this "
                 "one (compiled when set; a decoder may set its own)"},
    {.info.name = "use.latest.version", REGISTRY, BOOL_WORDS, IN_READER(use_latest),
     .info.default_value = "false",
     .info.doc = "reader schema: the latest version of cfavro.reader.subject in the "
                 "registry, fetched again after latest.cache.ttl.sec"},
    {.info.name = "cfavro.reader.subject", REGISTRY, TEXT(CF_TEXT_NONEMPTY, "a subject name"),
     IN_READER(subject), .info.default_value = NULL,
     .info.doc = "subject whose version is the reader schema (with use.latest.version or "
                 "cfavro.reader.version)"},
    {.info.name = "cfavro.reader.version", REGISTRY, RANGE(1, 2147483647),
     IN_READER(version), .info.default_value = NULL,
     .info.doc = "reader schema: this version of cfavro.reader.subject (fetched once)"},
    {.info.name = "latest.cache.ttl.sec", REGISTRY, RANGE(1, 31536000), IN_READER(ttl_sec),
     .info.default_value = "60",
     .info.doc = "with use.latest.version: seconds before the latest version is fetched "
                 "again (by the first decode after that)"},

    /* ---- client: the schema-registry client (HTTP rows: builds with
     * -Dregistry only) and the schema cache every source fills. Defaults follow Confluent's clients where one has the key: max.retries
     * 3, retries.wait.ms 1000, retries.max.wait.ms 20000 and cache.capacity
     * 1000 (Java and Python clients), basic.auth.credentials.source URL
     * (Java); 10 s to connect and per request (the Go client's
     * ConnectionTimeoutMs and RequestTimeoutMs); 60 s for a missing id (Java's
     * missing-id cache TTL). The response cap is cfavro's own: room for a
     * 1 MiB schema even if every byte were JSON-escaped. ---- */
    {.info.name = "schema.registry.url", REGISTRY,
     TEXT(CF_TEXT_URL_LIST, "comma-separated http:// or https:// URLs"),
     IN_REGISTRY(urls),
     .info.default_value = NULL, .info.doc = "Schema Registry URLs, tried in turn"},
    {.info.name = "schema.registry.context", REGISTRY, TEXT(CF_TEXT_TOKEN, "a context name"),
     IN_REGISTRY(context),
     .info.default_value = NULL,
     .info.doc = "schema context to look ids up in (unset: the default context)"},
    {.info.name = "basic.auth.credentials.source", REGISTRY,
     CHOICES("URL, USER_INFO", {"URL", 0}, {"USER_INFO", 1}), IN_REGISTRY(basic_source),
     .info.default_value = "URL",
     .info.doc = "basic-auth credentials from the URL's user info or basic.auth.user.info"},
    {.info.name = "basic.auth.user.info", REGISTRY_SECRET,
     TEXT(CF_TEXT_USER_INFO, "USER:PASSWORD"), IN_REGISTRY(basic_user_info),
     .info.default_value = NULL,
     .info.doc = "basic-auth credentials (Confluent Cloud: API key and secret)"},
    /* STATIC_TOKEN is the only source, so there is nothing to store. */
    {.info.name = "bearer.auth.credentials.source", REGISTRY,
     CHOICES("STATIC_TOKEN", {"STATIC_TOKEN", 0}), .target = CF_TARGET_NONE,
     .info.default_value = "STATIC_TOKEN",
     .info.doc = "bearer token taken from bearer.auth.token"},
    {.info.name = "bearer.auth.token", REGISTRY_SECRET, TEXT(CF_TEXT_TOKEN, "a token"),
     IN_REGISTRY(bearer_token),
     .info.default_value = NULL, .info.doc = "bearer token sent with every request"},
    {.info.name = "bearer.auth.logical.cluster", REGISTRY,
     TEXT(CF_TEXT_TOKEN, "a logical cluster id"), IN_REGISTRY(bearer_logical_cluster),
     .info.default_value = NULL,
     .info.doc = "Schema Registry logical cluster for bearer auth (target-sr-cluster)"},
    {.info.name = "bearer.auth.identity.pool.id", REGISTRY,
     TEXT(CF_TEXT_TOKEN, "an identity pool id"), IN_REGISTRY(bearer_identity_pool),
     .info.default_value = NULL,
     .info.doc = "identity pool for bearer auth (Confluent-Identity-Pool-Id)"},
    {.info.name = "ssl.ca.location", REGISTRY, TEXT(CF_TEXT_NONEMPTY, "a file path"),
     IN_REGISTRY(ssl_ca_location),
     .info.default_value = NULL,
     .info.doc = "CA certificates (PEM) to verify the registry with (unset: the system's)"},
    {.info.name = "ssl.certificate.location", REGISTRY, TEXT(CF_TEXT_NONEMPTY, "a file path"),
     IN_REGISTRY(ssl_certificate_location),
     .info.default_value = NULL, .info.doc = "client certificate (PEM) for mutual TLS"},
    {.info.name = "ssl.key.location", REGISTRY, TEXT(CF_TEXT_NONEMPTY, "a file path"),
     IN_REGISTRY(ssl_key_location),
     .info.default_value = NULL, .info.doc = "client private key (PEM) for mutual TLS"},
    {.info.name = "ssl.key.password", REGISTRY_SECRET, TEXT(CF_TEXT_NONEMPTY, "a password"),
     IN_REGISTRY(ssl_key_password),
     .info.default_value = NULL, .info.doc = "password of ssl.key.location"},
    {.info.name = "ssl.endpoint.identification.algorithm", REGISTRY,
     CHOICES("https, \"\" (empty)", {"https", 1}, {"", 0}), IN_REGISTRY(verify_host),
     .info.default_value = "https",
     .info.doc = "check the registry's host name against its certificate (empty: do not)"},
    {.info.name = "request.timeout.ms", REGISTRY, RANGE(1, 3600000),
     IN_REGISTRY(request_timeout_ms),
     .info.default_value = "10000", .info.doc = "longest wait for one registry request"},
    {.info.name = "max.retries", REGISTRY, RANGE(0, 100), IN_REGISTRY(max_retries),
     .info.default_value = "3",
     .info.doc = "retries of a request that failed in a way worth retrying"},
    {.info.name = "retries.wait.ms", REGISTRY, RANGE(0, 3600000), IN_REGISTRY(retries_wait_ms),
     .info.default_value = "1000",
     .info.doc = "wait before the first retry (doubles each retry)"},
    {.info.name = "retries.max.wait.ms", REGISTRY, RANGE(0, 3600000),
     IN_REGISTRY(retries_max_wait_ms),
     .info.default_value = "20000", .info.doc = "longest wait before any retry"},
    /* The cache rows apply to every source, so every build has them. */
    {.info.name = "cache.capacity", CLIENT, RANGE(1, 16777216), IN_REGISTRY(cache_capacity),
     .info.default_value = "1000",
     .info.doc = "schemas kept compiled in the client"},
    {.info.name = "proxy", REGISTRY, TEXT(CF_TEXT_PROXY, "SCHEME://HOST[:PORT]"),
     IN_REGISTRY(proxy),
     .info.default_value = NULL, .info.doc = "proxy for registry requests"},
    {.info.name = "cfavro.registry.connect.timeout.ms", REGISTRY, RANGE(1, 3600000),
     IN_REGISTRY(connect_timeout_ms),
     .info.default_value = "10000", .info.doc = "longest wait to connect to the registry"},
    {.info.name = "cfavro.registry.negative.ttl.ms", CLIENT, RANGE(0, 86400000),
     IN_REGISTRY(negative_ttl_ms),
     .info.default_value = "60000",
     .info.doc = "how long an id the registry does not know is remembered as missing"},
    {.info.name = "cfavro.registry.response.max.bytes", REGISTRY, RANGE(1024, 1073741824),
     IN_REGISTRY(max_response_bytes),
     .info.default_value = "8388608",
     .info.doc = "largest registry response body read (8 MiB)"},
    {.info.name = "cfavro.registry.persist.dir", CLIENT, TEXT(CF_TEXT_NONEMPTY, "a directory path"),
     IN_REGISTRY(persist_dir), .info.default_value = NULL,
     .info.doc = "directory registry schemas are written to (schema text only; not "
                 "schemas with references, whose text does not compile alone) and read "
                 "from at start, so a restart during a registry outage still decodes"},
};

const size_t cf_setting_row_count = sizeof cf_setting_rows / sizeof cf_setting_rows[0];
