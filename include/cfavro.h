/*
 * cfavro — decode Confluent-framed Avro (Kafka wire format) safely and fast.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * This is the only header FFI users need: it shows no avro-c, curl or jansson
 * type. The avro-c bridge (avro_value_t output) will live in its own header.
 *
 * Conventions used throughout:
 *   - Every function that can fail returns an int status: CFAVRO_OK (0) or a
 *     cfavro_status value. Where a `cfavro_error *err` parameter is taken, it
 *     may be NULL; when non-NULL it is filled on failure (and cleared on
 *     success).
 *   - `_new` returns an owned handle to be released with the matching `_free`;
 *     `_free(NULL)` is a no-op.
 *   - Pointers returned through `const char **` / `const void **` are borrowed:
 *     their lifetime is stated per function.
 *   - Inputs are `(pointer, length)` pairs; no function reads past `len` and
 *     none requires NUL-terminated input unless it says so.
 *
 * Objects and threads:
 *   - cfavro_config  — a bag of string key/value settings. Not thread-safe;
 *                      build it in one thread, then hand it to cfavro_client_new
 *                      (which copies what it needs).
 *   - cfavro_client  — long-lived and shared, one per process (or per
 *                      registry and context): settings, schema sources (the
 *                      registry client with its connections and retry
 *                      budget) and the schema cache. cfavro_client_add_schema,
 *                      cfavro_client_prefetch(_guid), cfavro_client_cache_list,
 *                      cfavro_client_stats and cfavro_decoder_new may be
 *                      called on one client from any number of threads at
 *                      once; cfavro_client_free must not race with anything.
 *   - cfavro_decoder — cheap, one per thread: output buffer, scratch space and
 *                      output options. A decoder must not be used by two
 *                      threads at the same time; many decoders share a client.
 *                      The client must outlive every decoder made from it.
 */
#ifndef CFAVRO_H
#define CFAVRO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && !defined(CFAVRO_STATIC)
#  ifdef CFAVRO_BUILDING
#    define CFAVRO_API __declspec(dllexport)
#  else
#    define CFAVRO_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define CFAVRO_API __attribute__((visibility("default")))
#else
#  define CFAVRO_API
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

#define CFAVRO_VERSION_MAJOR 0
#define CFAVRO_VERSION_MINOR 1
#define CFAVRO_VERSION_PATCH 0
#define CFAVRO_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH: comparable with < and >. */
#define CFAVRO_VERSION_NUMBER \
    (CFAVRO_VERSION_MAJOR * 10000 + CFAVRO_VERSION_MINOR * 100 + CFAVRO_VERSION_PATCH)

/* The version of the library actually loaded (may differ from the macros the
 * caller was compiled with). Static string; thread-safe. */
CFAVRO_API const char *cfavro_version(void);
CFAVRO_API unsigned cfavro_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/*
 * Status codes come in classes of 100. A class constant (CFAVRO_CLASS_*, a
 * multiple of 100) names a kind of failure; every specific status is a
 * CFAVRO_E_* code inside its class (class + 1 ... class + 99) and no status is
 * ever equal to its class constant, so
 *     cfavro_status_class(status) == CFAVRO_CLASS_DATA
 * asks "is it malformed data?" while the specific code says which malformation.
 * Specific codes are only appended inside their class; before 1.0 a code may
 * still move (see the README's ABI note), from 1.0 on never.
 */
typedef enum cfavro_status_class_code {
    CFAVRO_CLASS_ARGUMENT = 100,     /* the caller's arguments, memory, config, files */
    CFAVRO_CLASS_FRAME = 200,        /* the Confluent wire header */
    CFAVRO_CLASS_NOT_FOUND = 300,    /* no source knows the schema */
    CFAVRO_CLASS_REGISTRY = 400,     /* talking to a schema registry failed */
    CFAVRO_CLASS_SCHEMA = 500,       /* the schema text is not usable */
    CFAVRO_CLASS_DATA = 600,         /* malformed Avro data */
    CFAVRO_CLASS_TRAILING = 700,     /* bytes left after the value */
    CFAVRO_CLASS_LIMIT = 800,        /* a configured limit was reached */
    CFAVRO_CLASS_INCOMPATIBLE = 900  /* reader and writer schemas do not resolve */
} cfavro_status_class_code;

typedef enum cfavro_status {
    CFAVRO_OK = 0,

    /* 100: the caller's arguments or environment */
    CFAVRO_E_NOMEM = 101,         /* an allocation failed */
    CFAVRO_E_CONFIG = 102,        /* unknown config key or bad value (message names the key) */
    CFAVRO_E_IO = 103,            /* reading a local file (e.g. schema directory) failed */
    CFAVRO_E_ARGUMENT = 104,      /* NULL where a value is needed, bad length, ... */
    CFAVRO_E_INTERNAL = 105,      /* a cfavro bug (an impossible state): please report it */

    /* 200: framing (the Confluent wire header) */
    CFAVRO_E_FRAME_SHORT = 201,   /* input shorter than its header */
    CFAVRO_E_FRAME_MAGIC = 202,   /* unknown magic byte; message says what the bytes look like */
    CFAVRO_E_FRAME_HEADER_SIZE = 203, /* header mode: the Kafka header value is not exactly
                                         the 5 or 17 bytes of its magic byte's format */

    /* 300: schema lookup */
    CFAVRO_E_SCHEMA_NOT_FOUND = 301, /* no source has the id (or GUID); message says which
                                        sources were asked */

    /* 400: schema registry (schema.registry.url); the message names the URL
       (never its user info) and the request path, never a credential */
    CFAVRO_E_REGISTRY_AUTH = 401,        /* HTTP 401 / 403: credentials refused */
    CFAVRO_E_REGISTRY_UNAVAILABLE = 402, /* network, timeout, 408/5xx after retries */
    CFAVRO_E_REGISTRY_PROTOCOL = 403,    /* non-JSON body, missing fields, ... */
    CFAVRO_E_REGISTRY_RATE_LIMITED = 404, /* HTTP 429 after retries (Retry-After honoured) */

    /* 500: schema text */
    CFAVRO_E_SCHEMA_INVALID = 501,       /* not a valid Avro schema (message says what and where) */
    CFAVRO_E_SCHEMA_UNSUPPORTED = 502,   /* valid but not Avro (a registry schema whose
                                            schemaType is PROTOBUF or JSON) */

    /* 600: malformed Avro data */
    CFAVRO_E_DATA_TRUNCATED = 601,       /* input ended inside a value */
    CFAVRO_E_DATA_NEGATIVE_LENGTH = 602, /* string/bytes length < 0 */
    CFAVRO_E_DATA_LENGTH = 603,          /* length or block count beyond the remaining input */
    CFAVRO_E_DATA_VARINT = 604,          /* varint longer than 5 (int) or 10 (long) bytes */
    CFAVRO_E_DATA_INT_RANGE = 605,       /* int value outside 32 bits */
    CFAVRO_E_DATA_BLOCK_COUNT = 606,     /* block count INT64_MIN or block size invalid */
    CFAVRO_E_DATA_UNION_INDEX = 607,     /* union branch index out of range */
    CFAVRO_E_DATA_ENUM_INDEX = 608,      /* enum symbol index out of range */
    CFAVRO_E_DATA_BOOLEAN = 609,         /* boolean byte other than 0 or 1 */
    CFAVRO_E_DATA_UTF8 = 610,            /* invalid UTF-8 in a string (when not replaced) */
    CFAVRO_E_DATA_MAP_KEY_DUPLICATE = 611, /* a map holds the same key twice (the path
                                              names the second) */
    CFAVRO_E_DATA_UNRESOLVED = 612,      /* with a reader schema: the value has no
                                            counterpart in it (an enum symbol the reader
                                            lacks and no reader default, or a union branch
                                            no reader type matches) */

    /* 700: bytes left after the value */
    CFAVRO_E_TRAILING_BYTES = 701,

    /* 800: a configured limit was reached */
    CFAVRO_E_LIMIT_DEPTH = 801,          /* nesting deeper than limit.depth */
    CFAVRO_E_LIMIT_ITEMS = 802,          /* more zero-byte values than limit.items */
    CFAVRO_E_LIMIT_OUTPUT = 803,         /* output larger than limit.output.bytes */
    CFAVRO_E_LIMIT_SCHEMA = 804,         /* schema larger/deeper/wider than a limit.schema.* */

    /* 900: reader/writer schema resolution: the pair cannot be resolved (the
       message and path name the first mismatch) */
    CFAVRO_E_INCOMPATIBLE = 901
} cfavro_status;

/* A short static English description of `status`. Never NULL: unknown codes
 * give "unknown cfavro status"; a class constant gives the class's name.
 * Thread-safe. */
CFAVRO_API const char *cfavro_strerror(int status);

/* The class of `status`: (status / 100) * 100, one of CFAVRO_CLASS_*, e.g.
 * CFAVRO_CLASS_DATA for 603; 0 for CFAVRO_OK. Negative values (never cfavro
 * codes) are returned unchanged. Thread-safe. */
CFAVRO_API int cfavro_status_class(int status);

/* ------------------------------------------------------------------------ */
/* Error detail                                                              */
/* ------------------------------------------------------------------------ */

#define CFAVRO_ERROR_MESSAGE_MAX 256
#define CFAVRO_ERROR_PATH_MAX 256
#define CFAVRO_NO_OFFSET ((uint64_t)-1)
#define CFAVRO_NO_SCHEMA_ID INT64_MIN

/*
 * Detail of the last failure. A plain struct owned by the caller (or, for
 * cfavro_decoder_error, by the decoder). Strings are always NUL-terminated and
 * truncated to fit; they never contain credentials.
 */
typedef struct cfavro_error {
    int status;        /* cfavro_status; CFAVRO_OK when there is no error */
    uint64_t offset;   /* byte offset in the whole message (header included)
                          where the problem was found, or CFAVRO_NO_OFFSET */
    int64_t schema_id; /* the writer schema id involved, or CFAVRO_NO_SCHEMA_ID */
    char message[CFAVRO_ERROR_MESSAGE_MAX]; /* human-readable, one line */
    char path[CFAVRO_ERROR_PATH_MAX];       /* field path, e.g. Order.items[3].price;
                                               "" when not inside a value */
} cfavro_error;

/* ------------------------------------------------------------------------ */
/* Framing: the Confluent wire format                                        */
/* ------------------------------------------------------------------------ */

/*
 * V0: 0x00 + schema id (int32, big-endian) + Avro binary      (5-byte header)
 * V1: 0x01 + schema GUID (16 bytes)        + Avro binary      (17-byte header)
 * Header mode: the Kafka record header `__value_schema_id` (or
 * `__key_schema_id`) carries the V1 (or V0) bytes and the payload has no
 * prefix at all.
 * A message consisting of the header alone is legal (Avro null, empty record).
 */
#define CFAVRO_MAGIC_V0 0x00
#define CFAVRO_MAGIC_V1 0x01
#define CFAVRO_HEADER_V0_SIZE 5
#define CFAVRO_HEADER_V1_SIZE 17
#define CFAVRO_GUID_SIZE 16

/* Kafka header names used by header mode. */
#define CFAVRO_KAFKA_HEADER_VALUE_SCHEMA_ID "__value_schema_id"
#define CFAVRO_KAFKA_HEADER_KEY_SCHEMA_ID "__key_schema_id"

typedef enum cfavro_frame_kind {
    CFAVRO_FRAME_V0 = 0, /* schema_id is set */
    CFAVRO_FRAME_V1 = 1  /* guid is set */
} cfavro_frame_kind;

/* The parsed frame. `payload` points into the caller's message buffer
 * (borrowed: valid as long as that buffer is). cfavro_decode_frame_json and
 * cfavro_validate_frame decode it. */
typedef struct cfavro_frame {
    int kind;                       /* cfavro_frame_kind */
    int32_t schema_id;              /* V0 only; 0 for V1 */
    uint8_t guid[CFAVRO_GUID_SIZE]; /* V1 only; zeros for V0 */
    size_t header_size;             /* bytes of prefix in the message: 5, 17,
                                       or 0 in header mode */
    const uint8_t *payload;         /* the Avro binary */
    size_t payload_size;
} cfavro_frame;

/* Parse a prefixed message (V0 or V1). On failure returns
 * CFAVRO_E_FRAME_SHORT or CFAVRO_E_FRAME_MAGIC (message explains what the
 * bytes look like: JSON text, other text, raw Avro without a header) or
 * CFAVRO_E_ARGUMENT (NULL msg with len > 0, NULL out). Pure; thread-safe. */
CFAVRO_API int cfavro_frame_parse(const void *msg, size_t len, cfavro_frame *out,
                                  cfavro_error *err);

/* Header mode: `header` is the value of the __value_schema_id /
 * __key_schema_id Kafka header (V1 or V0 bytes, exactly their size) and
 * `payload` the unprefixed record value. Pure; thread-safe. */
CFAVRO_API int cfavro_frame_parse_header(const void *header, size_t header_len,
                                         const void *payload, size_t payload_len,
                                         cfavro_frame *out, cfavro_error *err);

/* Write a V0 header (5 bytes) for `schema_id` into buf[0..cap). Returns
 * CFAVRO_E_ARGUMENT when buf is NULL or cap < 5. Pure; thread-safe. */
CFAVRO_API int cfavro_frame_write_v0(int32_t schema_id, void *buf, size_t cap);

/* Write a V1 header (17 bytes) for `guid` into buf[0..cap). Returns
 * CFAVRO_E_ARGUMENT when guid or buf is NULL or cap < 17. Pure; thread-safe. */
CFAVRO_API int cfavro_frame_write_v1(const uint8_t guid[CFAVRO_GUID_SIZE], void *buf,
                                     size_t cap);

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

/*
 * String key/value settings. Where Confluent's clients have a property for
 * the same thing, cfavro uses its name. Every key is one row of the library's
 * settings table, which this build lists at run time (cfavro_setting_at
 * below), `cfavro decode --help` prints, and the build installs as
 * share/doc/cfavro/settings.md under the install prefix (key, scope,
 * default, accepted values, one line of documentation each).
 *
 * Scopes: a client key (schema.dir, limit.schema.*, the schema-registry
 * keys) is read by cfavro_client_new only. A decoder key (json.*, decode.*,
 * limit.depth, limit.items, limit.output.bytes) set in the config is the
 * default of every decoder made from the client; cfavro_decoder_set
 * overrides it for one decoder and refuses client keys.
 *
 * Values are checked when set: an unknown key, a bad value or a key this
 * build does not support fails with CFAVRO_E_CONFIG and a message naming the
 * key. Messages never show the value of a secret key (credentials such as
 * basic.auth.user.info), and show at most 32 bytes of any other value or
 * unknown key, with bytes outside printable ASCII written as \xNN and "..."
 * where it was cut.
 *
 * The schema-registry keys use the names of Confluent's clients
 * (schema.registry.url, basic.auth.*, bearer.auth.*, ssl.*,
 * request.timeout.ms, max.retries, retries.*, proxy) plus cfavro's own
 * (schema.registry.context, cfavro.registry.*). A build without libcurl has
 * no registry client: there the HTTP keys are listed without
 * CFAVRO_SETTING_AVAILABLE and setting one fails with CFAVRO_E_CONFIG saying
 * so (after its value has been checked); cache.capacity and
 * cfavro.registry.negative.ttl.ms / .persist.dir work in every build.
 * Combinations (basic.auth.credentials.source=USER_INFO without
 * basic.auth.user.info, a client key without its certificate) are checked by
 * cfavro_client_new.
 */
typedef struct cfavro_config cfavro_config;

/* Returns NULL only when out of memory. */
CFAVRO_API cfavro_config *cfavro_config_new(void);
CFAVRO_API void cfavro_config_free(cfavro_config *cfg);
/* Copies the value (key and value NUL-terminated). Setting a key twice keeps
 * the last value. Not thread-safe on one config. */
CFAVRO_API int cfavro_config_set(cfavro_config *cfg, const char *key, const char *value,
                                 cfavro_error *err);

/* Limits of cfavro_config_set_properties: a line (without its line end) and
 * the whole text. */
#define CFAVRO_PROPERTIES_MAX_LINE_BYTES ((size_t)64 << 10)
#define CFAVRO_PROPERTIES_MAX_BYTES ((size_t)1 << 20)

/* Apply a properties text, as librdkafka and kcat read `-F FILE` and Java
 * reads simple .properties files: text[0..len) (borrowed, only read during
 * the call, need not be NUL-terminated; NULL allowed when len is 0).
 *
 * Format (a defined subset of Java's):
 *   - one `key=value` per line; lines end in LF or CRLF (one CR ending a
 *     line, or the last line, is dropped; a CR anywhere else is an ordinary
 *     byte of the line);
 *   - blank lines and lines whose first non-blank byte is '#' or '!' are
 *     skipped (comments are whole lines only: a '#' after a value is part of
 *     the value);
 *   - spaces and tabs before the key, between the key and the first '=', and
 *     between that '=' and the value are dropped; the value runs to the end
 *     of the line and keeps its trailing spaces (a password may end in one);
 *   - the value is everything after the first '=' (it may contain '=');
 *     "key=" sets the empty value, which each key accepts or refuses;
 *   - only '=' separates: a key containing a space, a tab or ':' is an error
 *     (Java's "key value" and "key:value" forms are not read, so the value
 *     cannot end up in a message as part of an unknown key);
 *   - bytes are taken literally: no backslash escapes, no continuation
 *     lines, no includes, no variable expansion; a UTF-8 byte order mark at
 *     the very start is skipped;
 *   - a key given twice keeps its last value (as cfavro_config_set does).
 * Each pair is applied with cfavro_config_set, in order.
 *
 * Errors (CFAVRO_E_CONFIG unless noted; the message starts with "line N: ",
 * N counted from 1, and err->offset is the byte offset of that line in the
 * text): an unknown key or bad value (the rest of the message is
 * cfavro_config_set's: secret values are never shown, other values at most
 * as a 32-byte escaped excerpt); a line without '='; an empty key; a key with
 * a space, tab or ':'; a NUL byte; a line over
 * CFAVRO_PROPERTIES_MAX_LINE_BYTES. A text over CFAVRO_PROPERTIES_MAX_BYTES
 * fails before any line is applied (offset CFAVRO_NO_OFFSET, no line
 * number). CFAVRO_E_NOMEM when out of memory; CFAVRO_E_ARGUMENT for a NULL
 * cfg, or NULL text with len > 0. The messages of this function never quote
 * a line's value, nor a line without '='.
 *
 * On failure the lines before the failing one stay applied to `cfg`: to
 * apply all or nothing, read into a new config and free it on failure.
 * Not thread-safe on one config (like cfavro_config_set). */
CFAVRO_API int cfavro_config_set_properties(cfavro_config *cfg, const char *text, size_t len,
                                            cfavro_error *err);

/* Where a setting applies (cfavro_setting_info.scope). */
typedef enum cfavro_setting_scope {
    CFAVRO_SETTING_CLIENT = 1, /* read by cfavro_client_new only */
    CFAVRO_SETTING_DECODER = 2 /* a decoder option: in a config, the default of
                                  the client's decoders */
} cfavro_setting_scope;

/* Bits of cfavro_setting_info.flags. */
typedef enum cfavro_setting_flag {
    CFAVRO_SETTING_SECRET = 1u << 0,   /* a credential: never shown in messages */
    CFAVRO_SETTING_AVAILABLE = 1u << 1 /* this build accepts the key (unset for
                                          the registry keys in a build without
                                          the registry client) */
} cfavro_setting_flag;

/* One row of the settings table. Every string is static (owned by the
 * library, valid for the life of the process, never freed by the caller). */
typedef struct cfavro_setting_info {
    const char *name;          /* the key, e.g. "json.union" */
    const char *default_value; /* the default as the text one would set, or
                                  NULL when the key is unset by default */
    const char *accepted;      /* the accepted values or range, one line, e.g.
                                  "avro, plain" or "1 to 10000" */
    const char *doc;           /* what it does, one line */
    uint32_t scope;            /* cfavro_setting_scope */
    uint32_t flags;            /* cfavro_setting_flag bits */
} cfavro_setting_info;

/* Number of rows in the settings table. Pure; thread-safe. */
CFAVRO_API size_t cfavro_setting_count(void);

/* Row `index` (0 .. cfavro_setting_count() - 1, in documentation order;
 * indices may shift when a version adds keys, so find a key by its name), or
 * NULL past the end. The row is static: never free it. Rows may gain fields
 * at the end in later versions, so read it through the pointer rather than
 * copying the struct. Pure; thread-safe. */
CFAVRO_API const cfavro_setting_info *cfavro_setting_at(size_t index);

/* ------------------------------------------------------------------------ */
/* Client: schema sources + compiled schemas (shared, thread-safe)           */
/* ------------------------------------------------------------------------ */

typedef struct cfavro_client cfavro_client;

/* Create a client from `cfg` (may be NULL for defaults). The config is only
 * read; the caller still owns and frees it. Returns NULL on failure with
 * `err` filled. */
CFAVRO_API cfavro_client *cfavro_client_new(const cfavro_config *cfg, cfavro_error *err);

/* Release the client. Every decoder made from it must be freed first. */
CFAVRO_API void cfavro_client_free(cfavro_client *client);

/* Register a schema (Avro JSON text, `len` bytes, need not be NUL-terminated)
 * under `schema_id` in the client's in-memory source. The schema is compiled
 * now, so an invalid schema fails here with CFAVRO_E_SCHEMA_INVALID. Adding
 * the same id twice with the same text is a no-op; with different text it
 * fails with CFAVRO_E_ARGUMENT (an id names one schema forever). Thread-safe. */
CFAVRO_API int cfavro_client_add_schema(cfavro_client *client, int32_t schema_id,
                                        const char *json, size_t len, cfavro_error *err);

/* Make sure schema `schema_id` is compiled and ready (looking it up in the
 * client's sources if needed). Useful to warm the cache at start-up and fail
 * fast. Thread-safe. */
CFAVRO_API int cfavro_client_prefetch(cfavro_client *client, int32_t schema_id,
                                      cfavro_error *err);

/* The same for a schema GUID (V1 frames, header mode with V1 bytes). */
CFAVRO_API int cfavro_client_prefetch_guid(cfavro_client *client,
                                           const uint8_t guid[CFAVRO_GUID_SIZE],
                                           cfavro_error *err);

/*
 * The schema cache. Every schema a client's decoders use is compiled once and
 * kept in the client's cache, shared by all its decoders, looked up by schema
 * id (in the client's schema.registry.context) or by GUID:
 *   - a hit takes no lock; a decoder that meets the same few ids again and
 *     again (up to 8) answers from its own memo and touches no shared memory;
 *   - a miss is loaded once however many threads miss it at the same time,
 *     with no lock held while the sources are read or the schema compiled;
 *     the sources are asked in order: cfavro_client_add_schema's schemas,
 *     schema.dir, cfavro.registry.persist.dir, schema.registry.url; "not
 *     found" moves on to the next, any other failure stops there;
 *   - at most cache.capacity schemas stay cached (least recently used leave
 *     first); a decoder that still uses an evicted schema keeps it until it
 *     moves to another, and a schema given to cfavro_client_add_schema is
 *     compiled again from its text when needed;
 *   - an id no source knows, or whose schema does not compile or is not Avro,
 *     is remembered for cfavro.registry.negative.ttl.ms: until then it fails
 *     at once with the same error, without asking the registry again; other
 *     failures (the registry down, refusing credentials) are not remembered.
 */
typedef enum cfavro_cache_state {
    CFAVRO_CACHE_READY = 1,  /* compiled and in use */
    CFAVRO_CACHE_FAILED = 2  /* a remembered failure (error_status says which) */
} cfavro_cache_state;

typedef enum cfavro_schema_origin {
    CFAVRO_ORIGIN_NONE = 0,      /* a failure: no source answered */
    CFAVRO_ORIGIN_MEMORY = 1,    /* cfavro_client_add_schema */
    CFAVRO_ORIGIN_DIRECTORY = 2, /* schema.dir */
    CFAVRO_ORIGIN_PERSISTED = 3, /* cfavro.registry.persist.dir */
    CFAVRO_ORIGIN_REGISTRY = 4   /* schema.registry.url */
} cfavro_schema_origin;

/* One cached schema as cfavro_client_cache_list shows it. Strings are
 * borrowed: valid during the visitor's call only. */
typedef struct cfavro_cache_item {
    int state;                      /* cfavro_cache_state */
    int origin;                     /* cfavro_schema_origin */
    int is_guid;                    /* 1: looked up by guid, 0: by schema_id */
    int32_t schema_id;              /* when is_guid is 0 */
    uint8_t guid[CFAVRO_GUID_SIZE]; /* when is_guid is 1 */
    const char *context;            /* schema.registry.context, "" by default */
    const char *name;               /* the schema's full name (com.acme.Order), or
                                       its type for an unnamed one (array, string),
                                       "" for a failure */
    int error_status;               /* CFAVRO_CACHE_FAILED: the status remembered */
} cfavro_cache_item;

/* Called once per item; return 0 to go on, anything else to stop (that value
 * is then returned by cfavro_client_cache_list). */
typedef int (*cfavro_cache_visitor)(void *arg, const cfavro_cache_item *item);

/* Visit what the client's cache holds now (for a CLI's stats or an inspect
 * report): a snapshot, taken without stopping decoders, then visited with no
 * lock held, so `visit` may call into the library (even this client). Order is
 * unspecified. Returns CFAVRO_OK, the visitor's non-zero value, or
 * CFAVRO_E_ARGUMENT / CFAVRO_E_NOMEM with `err` filled. Thread-safe. */
CFAVRO_API int cfavro_client_cache_list(cfavro_client *client, cfavro_cache_visitor visit,
                                        void *arg, cfavro_error *err);

/* ------------------------------------------------------------------------ */
/* Decoder: per-thread decoding state                                        */
/* ------------------------------------------------------------------------ */

typedef struct cfavro_decoder cfavro_decoder;

/* Create a decoder using `client` (borrowed: must outlive the decoder).
 * Output options start from the client's config. */
CFAVRO_API cfavro_decoder *cfavro_decoder_new(cfavro_client *client, cfavro_error *err);
CFAVRO_API void cfavro_decoder_free(cfavro_decoder *dec);

/* Override a decoder setting (scope CFAVRO_SETTING_DECODER: json.*, decode.*,
 * limit.depth, limit.items, limit.output.bytes) for this decoder only. A
 * client key, an unknown key or a bad value fails with CFAVRO_E_CONFIG and
 * leaves the decoder's settings as they were. */
CFAVRO_API int cfavro_decoder_set(cfavro_decoder *dec, const char *key, const char *value,
                                  cfavro_error *err);

/* Detail of the last call on `dec`: its failure, or status CFAVRO_OK after a
 * call that succeeded. Borrowed: valid until the next call on `dec`. Never
 * NULL (a NULL `dec` gives a static CFAVRO_E_ARGUMENT detail). */
CFAVRO_API const cfavro_error *cfavro_decoder_error(const cfavro_decoder *dec);

/*
 * The decode family is named cfavro_<verb>[_<input>][_<output>]:
 *
 *   input                    to JSON                      validate only
 *   framed message (bytes)   cfavro_decode_json           cfavro_validate
 *   parsed cfavro_frame      cfavro_decode_frame_json     cfavro_validate_frame
 *   schema id + payload      cfavro_decode_payload_json   cfavro_validate_payload
 *   many framed messages     cfavro_decode_batch_json     -
 *   ... in one buffer        cfavro_decode_batch_offsets_json  -
 *
 * All of them take one path: a message is parsed into a frame (V0 messages
 * skip the general parser; the result is the same), a payload with an id is
 * a header-mode V0 frame, and a frame is looked up and decoded.
 *
 * Decoding rules shared by all: the payload must hold exactly one value of
 * the writer schema (bytes left over fail with CFAVRO_E_TRAILING_BYTES unless
 * decode.trailing.bytes=allow). A map whose entries repeat a key (in one
 * block or across its blocks) fails with CFAVRO_E_DATA_MAP_KEY_DUPLICATE
 * rather than produce a JSON object with the same name twice: the offset is
 * the second occurrence's length prefix, the path names that key
 * (Trade.extra["fee"]) and the message the entry that had it first. Under
 * json.invalid.utf8=replace, keys that become equal once each invalid UTF-8
 * sequence is replaced by U+FFFD are duplicates too. Each map checks only
 * its own keys; the validate calls reject the same messages. A schema whose type is bytes ("bytes" or
 * {"type":"bytes",...}, with or without a logicalType such as decimal) takes
 * the whole payload as its value, with no Avro length prefix, as Confluent's
 * deserializers read it (they check only that the schema's type is bytes);
 * the value is then rendered per its logical type (a decimal as a decimal).
 * Confluent's serializers write such a value raw only when given a byte
 * array; a value they encoded through Avro reads back as raw bytes, its
 * length prefix included, exactly as Java's deserializer reads it. Malformed
 * input fails that one call and leaves the decoder usable.
 *
 * Output modes: with json.logical=false and the defaults json.union=avro,
 * json.bytes=avro, json.nonfinite=string, json.invalid.utf8=error the text is
 * Avro's JSON encoding (the specification's "JSON Encoding": Avro JSON
 * decoders read it back to the same values; tested with fastavro). Other
 * settings render values for people: logical types as text (json.time=epoch
 * alone still renders decimals, uuid on fixed and durations), time-millis/
 * -micros outside [0, 24 h) as their number, decimals of more than 128
 * significant bytes as their bytes.
 *
 * Error detail (cfavro_decoder_error): offsets count bytes in the whole
 * message, header included: a failure in a frame's payload is at
 * frame->header_size + its position in the payload, so offsets of a payload
 * or header-mode frame (header_size 0) count from the payload's first byte.
 * schema_id is the frame's id (CFAVRO_NO_SCHEMA_ID for V1 frames and
 * messages whose frame did not parse).
 *
 * Schema lookup: V0 frames and payloads by schema id, V1 frames (and header
 * mode with V1 bytes) by GUID, through the client's cache and sources (see
 * "The schema cache" above). A lookup that fails (not found, the registry
 * unavailable, a schema that does not compile) fills the error with
 * CFAVRO_NO_OFFSET: the problem is the schema, not a byte of the message.
 * GUIDs are resolved by the registry (GET /schemas/guids/{guid}) or a file
 * <guid>.avsc in schema.dir / cfavro.registry.persist.dir.
 *
 * Data contracts: when the registry's answer for a schema carries an
 * ENCRYPT (field-level) or ENCRYPT_PAYLOAD rule, a message that fails to
 * decode keeps its data status but its message starts with "encrypted by
 * rule "NAME" (...)": the bytes are most likely ciphertext, which cfavro does
 * not decrypt.
 *
 * Results and failures of the JSON calls: on success *json / *json_len point
 * to the JSON document (NUL-terminated, no trailing newline), borrowed from
 * the decoder and valid until the next call on `dec`. On failure they return
 * the status and fill cfavro_decoder_error(dec); *json is set to NULL and
 * *json_len to 0 (whenever those pointers are non-NULL). A NULL `dec`, `json`
 * or `json_len`, or a NULL input with a length > 0, fails with
 * CFAVRO_E_ARGUMENT.
 */

/* Decode one framed message (V0 or V1, see cfavro_frame_parse) to JSON. */
CFAVRO_API int cfavro_decode_json(cfavro_decoder *dec, const void *msg, size_t len,
                                  const char **json, size_t *json_len);

/* Decode a parsed frame: from cfavro_frame_parse, cfavro_frame_parse_header
 * (header mode) or filled in by the caller with the same meaning. `frame` is
 * only read during the call; its payload is borrowed likewise. A NULL frame,
 * a NULL frame->payload with payload_size > 0, a kind other than
 * CFAVRO_FRAME_V0 / CFAVRO_FRAME_V1, or a header_size other than 0 or that
 * kind's header size fail with CFAVRO_E_ARGUMENT. In header mode
 * (header_size 0) a failing payload that starts like a V0 frame gets the
 * hint of cfavro_decode_payload_json. */
CFAVRO_API int cfavro_decode_frame_json(cfavro_decoder *dec, const cfavro_frame *frame,
                                        const char **json, size_t *json_len);

/* Decode an unprefixed Avro payload written with schema `schema_id` (data
 * whose header was already stripped); the same as cfavro_decode_frame_json on
 * a header-mode V0 frame. If decoding fails and the payload looks like it
 * still carries a Confluent header, the message says so. (Renamed from
 * cfavro_decode_json_payload: see the README's ABI note.) */
CFAVRO_API int cfavro_decode_payload_json(cfavro_decoder *dec, int32_t schema_id,
                                          const void *payload, size_t len,
                                          const char **json, size_t *json_len);

/* Check that one framed message / frame / payload decodes, without producing
 * output: the same status and error detail as the matching JSON call, except
 * that validation has no output to exceed limit.output.bytes. Arguments as
 * for the JSON calls. */
CFAVRO_API int cfavro_validate(cfavro_decoder *dec, const void *msg, size_t len);
CFAVRO_API int cfavro_validate_frame(cfavro_decoder *dec, const cfavro_frame *frame);
CFAVRO_API int cfavro_validate_payload(cfavro_decoder *dec, int32_t schema_id,
                                       const void *payload, size_t len);

/* Per-message result of a batch call. */
typedef struct cfavro_batch_result {
    int status;          /* CFAVRO_OK or the message's failure status */
    uint64_t offset;     /* failure offset in that message, or CFAVRO_NO_OFFSET */
    int64_t schema_id;   /* the message's schema id, success or failure, or
                            CFAVRO_NO_SCHEMA_ID (V1 frame, framing error, not
                            decoded) */
    size_t json_offset;  /* success: where its line starts in the NDJSON buffer */
    size_t json_len;     /* success: its length, newline excluded; 0 on failure */
} cfavro_batch_result;

/*
 * Decode `count` framed messages (msgs[i], lens[i]) to NDJSON: one line per
 * message that decoded, in input order, each ending in '\n'. Messages that
 * fail produce no line (a NULL msgs[i] with lens[i] > 0 fails that message
 * with CFAVRO_E_ARGUMENT); results[i] (caller-provided array of `count`) says
 * what happened to each, and cfavro_decoder_batch_error(dec, i) gives the
 * full detail of each failure. The buffer is borrowed from the decoder, valid
 * until the next call on `dec`, and NUL-terminated.
 *
 * Returns CFAVRO_OK when the batch ran (even if some messages failed: check
 * results) and *failed (if non-NULL) counts failures. Returns an error only
 * for bad arguments (nothing decoded, *failed untouched), or when the batch
 * had to stop: limit.output.bytes reached (the NDJSON, newlines included,
 * may hold at most that many bytes) or no memory (for the output, or for a
 * failure's detail: see cfavro_decoder_batch_error). Then the message that
 * hit it carries that status (or its own failure, when its detail found no
 * room), the messages after it are not decoded (their results carry the
 * batch's status, CFAVRO_NO_OFFSET and CFAVRO_NO_SCHEMA_ID) and *ndjson holds
 * the lines of the messages before it (results say which). *ndjson is NULL
 * with *ndjson_len 0 only when not even an empty buffer could be allocated
 * (then no message was decoded).
 *
 * cfavro_decoder_error(dec) afterwards: CFAVRO_OK when every message decoded;
 * the failure that stopped the batch when it returns an error; otherwise the
 * detail of the last failed message.
 */
CFAVRO_API int cfavro_decode_batch_json(cfavro_decoder *dec, const void *const *msgs,
                                        const size_t *lens, size_t count,
                                        cfavro_batch_result *results, const char **ndjson,
                                        size_t *ndjson_len, size_t *failed);

/*
 * cfavro_decode_batch_json for messages laid out back to back in one buffer,
 * made for foreign-function callers (Python's b"".join(values), an Arrow
 * binary column), who then build no per-message pointer: message i is
 * data[offsets[i], offsets[i + 1]). `offsets` holds count + 1 signed
 * integers of `offset_width` bytes each, in the host's byte order: 4 (Arrow
 * binary and utf8, int32) or 8 (Arrow large_binary, int64). They need not
 * start at 0 (an Arrow slice's do not); they must not be negative, must not
 * decrease, and must not pass data_len. A zero-length message (an Arrow
 * null, a Kafka tombstone) fails like any empty message. `data` may be NULL
 * only when data_len is 0. Both arrays are only read, during the call.
 *
 * Results, output, details (cfavro_decoder_batch_error) and return value as
 * for cfavro_decode_batch_json. Bad offsets, or an offset_width other than
 * 4 or 8, fail the call with CFAVRO_E_ARGUMENT before anything is decoded
 * (the message names the first bad offset's index).
 */
CFAVRO_API int cfavro_decode_batch_offsets_json(cfavro_decoder *dec, const void *data,
                                                size_t data_len, const void *offsets,
                                                size_t offset_width, size_t count,
                                                cfavro_batch_result *results,
                                                const char **ndjson, size_t *ndjson_len,
                                                size_t *failed);

/*
 * The full detail (status, offset, schema id, field path, message) of
 * message `index` of the last batch call (cfavro_decode_batch_json or
 * cfavro_decode_batch_offsets_json) on `dec`; the
 * same detail a single cfavro_decode_json call on that message would give
 * (the batch's own output limit and a NULL msgs[index] aside).
 * Returns NULL when that message decoded, when `index` is not below the last
 * batch's count (or that call failed on its arguments), and when `dec` is
 * NULL. A message the batch did not decode (see above) gets a detail saying
 * why. Borrowed: valid until the next call on `dec` other than this one and
 * cfavro_decoder_error, which change nothing (so reading several indexes in
 * a row is fine; copy what you keep).
 *
 * The decoder keeps the detail of every failed message of a batch (about
 * 0.5 KiB each) in space that grows only when messages fail and is reused by
 * later batches, so a batch that fully succeeds allocates nothing once the
 * decoder is warm. When that space cannot grow, the batch stops with
 * CFAVRO_E_NOMEM after the failed message (whose result and detail are kept).
 */
CFAVRO_API const cfavro_error *cfavro_decoder_batch_error(const cfavro_decoder *dec,
                                                          size_t index);

/* ------------------------------------------------------------------------ */
/* Counters for monitoring                                                   */
/* ------------------------------------------------------------------------ */

/*
 * A client keeps counters a service can export (Prometheus, a periodic log
 * line): messages decoded and failed by status class, how schema lookups were
 * answered, and what the registry client did. They cost the decode path no
 * lock and no shared write: each decoder counts its own messages and lookups
 * in memory only its thread writes, and cfavro_client_stats adds up every
 * live decoder of the client plus the totals of those already freed (a freed
 * decoder's counts stay in the client's).
 *
 * What counts as a message: each call of the decode and validate families
 * (cfavro_decode_json, cfavro_validate, ..., the avro-c bridge's
 * cfavro_decode_*_avro) is one message and each message of a
 * cfavro_decode_batch_json call is one (messages a stopped batch did not
 * decode count as failed with the batch's status, as their results say). It
 * counts as decoded when its call (or its batch result) says CFAVRO_OK and
 * as failed in the class of the status it failed with otherwise. Calls
 * refused for their arguments before a message is read (a NULL decoder,
 * message, output pointer or batch array, a cfavro_frame the *_frame calls
 * refuse) count nothing; a batch's NULL msgs[i] is one of its messages and
 * fails (class 100) as its result says.
 *
 * Schema lookups (one per message that got past its frame, one per
 * cfavro_client_prefetch(_guid) call; the avro-c bridge's value and class
 * helpers look up too): a hit is answered by a compiled schema, from the
 * decoder's own memo or the client's cache; a miss found nothing usable and
 * loaded the schema from the sources, or waited for another thread loading
 * it (single flight); a negative hit was answered by a remembered failure
 * (cfavro.registry.negative.ttl.ms). Every lookup is exactly one of the
 * three. An eviction is a schema the cache dropped to stay within
 * cache.capacity.
 *
 * Registry (schema.registry.url; all zero without it): a lookup is one
 * question to the registry client (a schema by id or GUID, a reference, the
 * reader subject's version); it sends one or more requests (every HTTP
 * request, to any URL of schema.registry.url: failover and retries add
 * requests); a retry is a further attempt after a retryable failure and its
 * wait; a failure is a lookup that ended in the registry class (400:
 * unavailable, rate limited, credentials refused, not a registry reply,
 * refusals by the circuit breaker included), while "not found" and an
 * unsupported schemaType are answers, not failures. Latency is each
 * request's own time, from sending to the end of its reply or its transport
 * failure (waits between retries excluded), in microseconds.
 */

/* failed_by_class[] slots: a failure of class CFAVRO_CLASS_X counts in
 * failed_by_class[CFAVRO_CLASS_X / 100], e.g. [6] for malformed data. Slot 0
 * and the slots past the last class stay 0. */
#define CFAVRO_STATS_CLASS_SLOTS 16

/* Registry latency histogram: bucket i counts requests that took more than
 * bound i - 1 and at most bound i milliseconds (bucket 0: at most 1 ms); the
 * last bucket counts those over the last bound. Not cumulative: a Prometheus
 * exporter adds them up for its le= buckets. */
#define CFAVRO_STATS_LATENCY_BUCKETS 10
#define CFAVRO_STATS_LATENCY_BOUNDS_MS {1, 5, 10, 50, 100, 500, 1000, 5000, 10000}

/* The size of the first version of cfavro_stats (this one: 42 uint64_t), the
 * smallest out_size cfavro_client_stats accepts. Fixed for good: later
 * versions only grow the struct. */
#define CFAVRO_STATS_SIZE_V1 ((size_t)336)

/*
 * One reading of a client's counters. Every field is a uint64_t, so the
 * layout is the same on every platform. Counters (all but the gauges marked
 * below) start at 0 when the client is made and only grow. Fields are only
 * ever appended (before 1.0 too): a program built against an older header
 * passes its smaller size and gets the fields it knows.
 */
typedef struct cfavro_stats {
    uint64_t size; /* set by the library: the bytes of the caller's struct it
                      filled, min(out_size, the library's sizeof); fields past
                      it were zeroed, the library does not know them */

    /* messages */
    uint64_t decoded;                                   /* CFAVRO_OK */
    uint64_t failed;                                    /* all failures */
    uint64_t failed_by_class[CFAVRO_STATS_CLASS_SLOTS]; /* [status class / 100] */

    /* schema lookups */
    uint64_t cache_hits;
    uint64_t cache_misses;
    uint64_t cache_negative_hits;
    uint64_t cache_evictions;
    uint64_t cache_entries; /* gauge: schemas and remembered failures cached now */

    /* the registry client */
    uint64_t registry_lookups;
    uint64_t registry_requests;
    uint64_t registry_retries;
    uint64_t registry_failures;
    uint64_t registry_latency_us_sum; /* over registry_requests requests */
    uint64_t registry_latency_us_max;
    uint64_t registry_latency_buckets[CFAVRO_STATS_LATENCY_BUCKETS];

    /* decoders */
    uint64_t decoders;       /* gauge: decoders of this client alive now */
    uint64_t decoders_freed; /* decoders freed so far (their counts are kept) */
} cfavro_stats;

/*
 * Read `client`'s counters into *out (caller-owned; out_size: sizeof *out as
 * the caller compiled it). Fills min(out_size, the library's sizeof
 * (cfavro_stats)) bytes, zeroes the rest of out_size and sets out->size.
 * Returns CFAVRO_OK, or CFAVRO_E_ARGUMENT for a NULL client or out or an
 * out_size below CFAVRO_STATS_SIZE_V1 (then *out is untouched).
 *
 * Thread-safe: call it from any thread at any time, also while decoders
 * decode. It takes the client's lock that cfavro_decoder_new and _free take,
 * and the cache's lock for a moment (cache_entries): decoding never waits
 * for it, except a lookup that misses, which may wait that moment. Each
 * counter is read whole and never reads lower than in an earlier call; the
 * reading as a whole is not one instant: a message being decoded meanwhile
 * may show in the lookup counters but not yet in decoded/failed.
 */
CFAVRO_API int cfavro_client_stats(const cfavro_client *client, cfavro_stats *out,
                                   size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* CFAVRO_H */
