/* `cfavro inspect`: look at one message and say what it is (see inspect.h).
 *
 * Everything here goes through the public API. The diagnosis decodes the
 * message as the user asked, then asks "what if" with a second decoder (the
 * probe, which always refuses trailing bytes): the same bytes decoded with no
 * header (what a raw Avro decoder does), the payload decoded with the other
 * schemas at hand (a wrong schema id), the whole message decoded as a bare
 * payload (Avro written without the Confluent serializer). Only what such a
 * decode actually shows is claimed. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "input_hints.h"
#include "inspect.h"
#include "text.h"

/* Ids of schema.dir's <id>.avsc files tried as candidates: the smallest. */
enum { MAX_DIR_IDS = 64 };

struct cf_inspector {
    const cf_options *opt;
    cfavro_client *client;
    cfavro_decoder *dec;   /* the user's settings: the report's value and error */
    cfavro_decoder *probe; /* what-if decodes; trailing bytes are an error */
    int32_t dir_ids[MAX_DIR_IDS];
    size_t dir_id_count;
};

/* ---- set-up ------------------------------------------------------------------ */

/* "123.avsc" -> 123; -1 for any other name. */
static int64_t id_of_file_name(const char *name)
{
    int64_t id = 0;
    size_t i = 0;
    for (; name[i] >= '0' && name[i] <= '9'; i++) {
        id = id * 10 + (name[i] - '0');
        if (id > INT32_MAX) {
            return -1;
        }
    }
    return i > 0 && strcmp(name + i, ".avsc") == 0 ? id : -1;
}

/* The smallest ids of schema.dir's schema files, in ascending order: the
 * schemas a wrongly framed or unframed payload is tried against. A directory
 * that cannot be listed gives none (its schemas still load one by one). */
static void list_dir_ids(cf_inspector *in, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t id = id_of_file_name(e->d_name);
        if (id < 0) {
            continue;
        }
        size_t n = in->dir_id_count;
        if (n == MAX_DIR_IDS && id >= in->dir_ids[n - 1]) {
            continue;
        }
        size_t at = n < MAX_DIR_IDS ? n : n - 1;
        while (at > 0 && in->dir_ids[at - 1] > id) {
            in->dir_ids[at] = in->dir_ids[at - 1];
            at--;
        }
        in->dir_ids[at] = (int32_t)id;
        if (n < MAX_DIR_IDS) {
            in->dir_id_count++;
        }
    }
    closedir(d);
}

cf_inspector *cf_inspector_new(const cf_options *o)
{
    cf_inspector *in = calloc(1, sizeof *in);
    if (in == NULL) {
        fprintf(stderr, "cfavro %s: out of memory\n", o->command);
        return NULL;
    }
    in->opt = o;
    if (cf_options_start(o, &in->client, &in->dec) != CF_EXIT_OK) {
        free(in);
        return NULL;
    }
    cfavro_error err;
    in->probe = cfavro_decoder_new(in->client, &err);
    if (in->probe == NULL ||
        cfavro_decoder_set(in->probe, "decode.trailing.bytes", "error", &err) != CFAVRO_OK) {
        fprintf(stderr, "cfavro %s: cannot start: %s\n", o->command, err.message);
        cf_inspector_free(in);
        return NULL;
    }
    if (o->schema_dir != NULL) {
        list_dir_ids(in, o->schema_dir);
    }
    return in;
}

void cf_inspector_free(cf_inspector *in)
{
    if (in == NULL) {
        return;
    }
    cfavro_decoder_free(in->probe);
    cfavro_decoder_free(in->dec);
    cfavro_client_free(in->client);
    free(in);
}

/* ---- small helpers ------------------------------------------------------------ */

/* Append to a finding's detail; what does not fit is cut. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(cf_finding *f, const char *fmt, ...)
{
    size_t used = strlen(f->detail);
    if (used + 1 >= sizeof f->detail) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail + used, sizeof f->detail - used, fmt, ap);
    va_end(ap);
}

static cf_finding *add_finding(cf_inspect_report *r, const char *kind, const char *title)
{
    if (r->finding_count == CF_MAX_FINDINGS) {
        return NULL;
    }
    cf_finding *f = &r->findings[r->finding_count++];
    f->kind = kind;
    f->title = title;
    f->detail[0] = '\0';
    return f;
}

/* The zigzag varint at p[0..len): its value in *value and its size, or 0
 * when it does not end within len bytes or is longer than a long's 10. */
static size_t read_varint(const uint8_t *p, size_t len, int64_t *value)
{
    uint64_t u = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        u |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            *value = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return i + 1;
        }
    }
    return 0;
}

/* Bytes as "00 00 00 00 0b". */
static void hex_bytes(const uint8_t *p, size_t len, char *buf, size_t cap)
{
    size_t w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < len && w + 4 < cap; i++) {
        w += (size_t)snprintf(buf + w, cap - w, i ? " %02x" : "%02x", p[i]);
    }
}

/* The first bytes of a text message, quoted, for a person: at most 48 bytes,
 * control bytes and quotes as escapes. */
static void text_excerpt(const uint8_t *p, size_t len, char *buf, size_t cap)
{
    size_t w = 0;
    size_t n = len < 48 ? len : 48;
    buf[w++] = '"';
    for (size_t i = 0; i < n && w + 8 < cap; i++) {
        uint8_t c = p[i];
        if (c == '\n') {
            w += (size_t)snprintf(buf + w, cap - w, "\\n");
        } else if (c == '"' || c == '\\') {
            w += (size_t)snprintf(buf + w, cap - w, "\\%c", c);
        } else if (c < 0x20 || c == 0x7f) {
            w += (size_t)snprintf(buf + w, cap - w, "\\x%02x", c);
        } else {
            buf[w++] = (char)c;
        }
    }
    w += (size_t)snprintf(buf + w, cap - w, "%s\"", n < len ? "..." : "");
}

/* Printable UTF-8 text, white space allowed, nothing else. */
static bool is_text(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
            return false;
        }
        size_t n = cf_utf8_sequence(p + i, len - i);
        if (n == 0 || c == 0x7f) {
            return false;
        }
        i += n;
    }
    return len > 0;
}

static bool looks_like_json(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i < len && (p[i] == '{' || p[i] == '[' || p[i] == '"');
}

/* The library's error text without its own unstripped-header hint, which
 * the findings say in their own words. */
static void error_text(const cfavro_error *e, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", e->message);
    char *hint = strstr(buf, "; the payload starts with 0x");
    if (hint != NULL) {
        *hint = '\0';
    }
}

/* ---- where the schema came from ----------------------------------------------- */

typedef struct cache_query {
    const cfavro_frame *frame;
    cf_schema_info *info;
} cache_query;

static int match_item(void *arg, const cfavro_cache_item *it)
{
    cache_query *q = arg;
    bool guid = q->frame->kind == CFAVRO_FRAME_V1;
    if (it->is_guid != (int)guid ||
        (guid ? memcmp(it->guid, q->frame->guid, CFAVRO_GUID_SIZE) != 0
              : it->schema_id != q->frame->schema_id)) {
        return 0;
    }
    cf_schema_info *s = q->info;
    s->known = true;
    s->failed = it->state == CFAVRO_CACHE_FAILED;
    s->error_status = it->error_status;
    s->origin = it->origin;
    snprintf(s->name, sizeof s->name, "%s", it->name);
    snprintf(s->context, sizeof s->context, "%s", it->context != NULL ? it->context : "");
    return 1;
}

/* Where the frame's schema came from, in words: the schema file, the
 * registry's URL (without user info), the on-disk copy. */
static void describe_origin(const cf_inspector *in, cf_schema_info *s, const cfavro_frame *f)
{
    const char *context = s->context;
    char file[64];
    if (f->kind == CFAVRO_FRAME_V1) {
        char g[37];
        cf_format_guid(f->guid, g);
        snprintf(file, sizeof file, "%s.avsc", g);
    } else {
        snprintf(file, sizeof file, "%d.avsc", (int)f->schema_id);
    }
    const cf_options *o = in->opt;
    char url[512];
    switch (s->origin) {
    case CFAVRO_ORIGIN_DIRECTORY:
        if (o->schema_dir == NULL) {
            snprintf(s->location, sizeof s->location, "schema.dir (set in a -F file)");
        } else if (context[0] != '\0') {
            snprintf(s->location, sizeof s->location, "schema.dir %s (context %s)",
                     o->schema_dir, context);
        } else {
            snprintf(s->location, sizeof s->location, "schema.dir %s/%s", o->schema_dir,
                     file);
        }
        break;
    case CFAVRO_ORIGIN_REGISTRY:
        cf_options_registry_display(o, url, sizeof url);
        snprintf(s->location, sizeof s->location, "schema registry %s%s%s",
                 url[0] != '\0' ? url : "(schema.registry.url set in a -F file)",
                 context[0] != '\0' ? ", context " : "", context);
        break;
    case CFAVRO_ORIGIN_PERSISTED:
        snprintf(s->location, sizeof s->location,
                 "cfavro.registry.persist.dir (registry schemas kept on disk), file %s", file);
        break;
    case CFAVRO_ORIGIN_MEMORY:
        snprintf(s->location, sizeof s->location, "memory (cfavro_client_add_schema)");
        break;
    default:
        snprintf(s->location, sizeof s->location, "no source had it");
        break;
    }
}

static void lookup_schema(const cf_inspector *in, const cfavro_frame *f, cf_schema_info *s)
{
    *s = (cf_schema_info){0};
    cache_query q = {f, s};
    if (cfavro_client_cache_list(in->client, match_item, &q, NULL) == 1) {
        describe_origin(in, s, f);
    } else {
        *s = (cf_schema_info){0};
    }
}

/* "7 (com.acme.Trade)", or the GUID, for sentences. */
static void schema_words(const cf_inspect_report *r, char *buf, size_t cap)
{
    char id[48];
    if (r->frame.kind == CFAVRO_FRAME_V1) {
        char g[37];
        cf_format_guid(r->frame.guid, g);
        snprintf(id, sizeof id, "GUID %s", g);
    } else {
        snprintf(id, sizeof id, "id %d", (int)r->frame.schema_id);
    }
    if (r->schema.known && r->schema.name[0] != '\0') {
        snprintf(buf, cap, "%s (%s)", id, r->schema.name);
    } else {
        snprintf(buf, cap, "%s", id);
    }
}

/* ---- candidates: other schemas that decode the bytes ---------------------------- */

typedef struct name_query {
    int32_t id;
    char name[256];
} name_query;

static int find_name(void *arg, const cfavro_cache_item *it)
{
    name_query *q = arg;
    if (it->is_guid || it->schema_id != q->id || it->state != CFAVRO_CACHE_READY) {
        return 0;
    }
    snprintf(q->name, sizeof q->name, "%s", it->name);
    return 1;
}

typedef struct id_list {
    int32_t ids[MAX_DIR_IDS * 2];
    size_t count;
} id_list;

static int collect_ids(void *arg, const cfavro_cache_item *it)
{
    id_list *l = arg;
    if (!it->is_guid && it->state == CFAVRO_CACHE_READY && l->count < MAX_DIR_IDS * 2) {
        l->ids[l->count++] = it->schema_id;
    }
    return 0;
}

/* The schema ids at hand: schema.dir's files and what the cache holds (the
 * registry's schemas met so far). */
static void known_ids(cf_inspector *in, id_list *l)
{
    l->count = 0;
    for (size_t i = 0; i < in->dir_id_count; i++) {
        l->ids[l->count++] = in->dir_ids[i];
    }
    size_t from_dir = l->count;
    cfavro_client_cache_list(in->client, collect_ids, l, NULL);
    /* Drop cache ids the directory listed already. */
    size_t w = from_dir;
    for (size_t i = from_dir; i < l->count; i++) {
        bool dup = false;
        for (size_t k = 0; k < from_dir && !dup; k++) {
            dup = l->ids[k] == l->ids[i];
        }
        if (!dup) {
            l->ids[w++] = l->ids[i];
        }
    }
    l->count = w;
}

/* Try p[0..len) as an unprefixed payload of every schema at hand except
 * `except` (-1: none); the ids that decode it exactly go to r->candidates.
 * A schema of type bytes takes any payload whole, so it proves nothing and
 * is not tried. */
static void find_candidates(cf_inspector *in, const uint8_t *p, size_t len, int64_t except,
                            cf_inspect_report *r)
{
    id_list ids;
    known_ids(in, &ids);
    r->candidate_count = 0;
    for (size_t i = 0; i < ids.count && r->candidate_count < CF_MAX_CANDIDATES; i++) {
        if (ids.ids[i] == except) {
            continue;
        }
        const char *json;
        size_t json_len;
        if (cfavro_decode_payload_json(in->probe, ids.ids[i], p, len, &json, &json_len) !=
            CFAVRO_OK) {
            continue;
        }
        name_query q = {ids.ids[i], ""};
        cfavro_client_cache_list(in->client, find_name, &q, NULL);
        if (strcmp(q.name, "bytes") != 0) {
            r->candidates[r->candidate_count++] = ids.ids[i];
        }
    }
}

/* "schema 8 (com.acme.Opt)" and the others found, for sentences. */
static void say_candidates(cf_inspector *in, const cf_inspect_report *r, cf_finding *f)
{
    for (size_t i = 0; i < r->candidate_count; i++) {
        name_query q = {r->candidates[i], ""};
        cfavro_client_cache_list(in->client, find_name, &q, NULL);
        say(f, "%s%d%s%s%s", i == 0 ? "" : i + 1 == r->candidate_count ? " and " : ", ",
            (int)r->candidates[i], q.name[0] ? " (" : "", q.name, q.name[0] ? ")" : "");
    }
}

/* ---- the findings ------------------------------------------------------------------ */

static void find_tombstone(cf_inspect_report *r)
{
    cf_finding *f = add_finding(r, "tombstone", "a Kafka tombstone (no value)");
    if (r->wire == CF_WIRE_NULL) {
        say(f, "The record's value is null: in Kafka that is a tombstone, the delete "
               "marker of its key on a compacted topic, written on purpose by the producer. "
               "There is nothing to decode; consumers skip it (cfavro decode does, without "
               "counting a failure).");
    } else {
        say(f, "The value is empty (0 bytes). A Kafka tombstone (a null value, the delete "
               "marker of a key on a compacted topic) looks like this once saved to a file "
               "or printed by kcat -f '%%s'; an Avro message is never empty (the Confluent "
               "header alone is 5 bytes). Read the topic with kcat -f '%%R%%s' and "
               "--format len32be, which keeps null values apart, or skip empty values.");
    }
}

/* Each byte of the header read as a varint, as a raw decoder would: "0, 0,
 * 0, 0, -6". */
static void header_as_varints(const uint8_t *msg, size_t len, size_t header, char *buf,
                              size_t cap)
{
    size_t w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < header && w + 32 < cap;) {
        int64_t v;
        size_t n = read_varint(msg + i, len - i, &v);
        if (n == 0) {
            w += (size_t)snprintf(buf + w, cap - w, "%s(no complete varint)", i ? ", " : "");
            break;
        }
        w += (size_t)snprintf(buf + w, cap - w, "%s%lld%s", i ? ", " : "", (long long)v,
                              i + n > header ? " (running into the payload)" : "");
        i += n;
    }
}

/* A framed message that decoded: decode the same bytes, header and all, as
 * an unprefixed payload of the same schema, which is what a raw Avro decoder
 * (Spark's from_avro, fastavro's schemaless_reader, avro-c) does with it. */
static void find_raw_decoder(cf_inspector *in, cf_inspect_report *r)
{
    cfavro_frame raw = r->frame;
    raw.header_size = 0;
    raw.payload = r->msg;
    raw.payload_size = r->len;
    const char *json;
    size_t json_len;
    r->raw_checked = true;
    int rc = cfavro_decode_frame_json(in->probe, &raw, &json, &json_len);
    r->raw_decoded = rc == CFAVRO_OK;
    r->raw_error = *cfavro_decoder_error(in->probe);

    size_t hs = r->frame.header_size;
    cf_finding *f = add_finding(r, "framed_to_raw_decoder",
                                "what a raw Avro decoder makes of this framed message");
    char bytes[80];
    char varints[200];
    char schema[320];
    hex_bytes(r->msg, hs, bytes, sizeof bytes);
    header_as_varints(r->msg, r->len, hs, varints, sizeof varints);
    schema_words(r, schema, sizeof schema);
    say(f, "This message starts with the %zu-byte Confluent header (%s). A decoder that "
           "expects bare Avro (Spark's from_avro, fastavro's schemaless_reader, avro-c, "
           "Java's GenericDatumReader) reads that header as Avro data: its bytes %s, read "
           "as Avro varints, are %s. ",
        hs, r->frame.kind == CFAVRO_FRAME_V1 ? "0x01 + schema GUID" : "0x00 + schema id",
        bytes, varints);
    const cfavro_error *e = &r->raw_error;
    if (r->raw_decoded) {
        say(f, "Given schema %s and these bytes, such a decoder does not even fail: it "
               "returns a wrong value, its first fields read from the header: %.240s%s. ",
            schema, json, json_len > 240 ? "..." : "");
    } else if (e->status == CFAVRO_E_TRAILING_BYTES && e->offset != CFAVRO_NO_OFFSET) {
        say(f, "Given schema %s and these bytes, such a decoder reads a wrong value and "
               "leaves %llu bytes unread: one that does not check for leftover bytes "
               "returns that wrong value without an error. ",
            schema, (unsigned long long)(r->len - e->offset));
    } else {
        char text[CFAVRO_ERROR_MESSAGE_MAX];
        error_text(e, text, sizeof text);
        say(f, "Given schema %s and these bytes, such a decoder fails", schema);
        if (e->offset != CFAVRO_NO_OFFSET) {
            say(f, " at offset %llu (%s)", (unsigned long long)e->offset,
                e->offset < hs ? "inside the header" : "in the payload, thrown off by the "
                                                       "header");
        }
        if (e->path[0] != '\0') {
            say(f, ", field %s", e->path);
        }
        say(f, ": error %d (%s): %s. ", e->status, cfavro_strerror(e->status), text);
        int64_t length;
        if (e->status == CFAVRO_E_DATA_NEGATIVE_LENGTH && e->offset < r->len &&
            read_varint(r->msg + e->offset, r->len - e->offset, &length) != 0 && length < 0) {
            say(f, "Java's Avro (Spark's from_avro) reports this as \"Malformed data. "
                   "Length is negative: %lld\". ",
                (long long)length);
        }
    }
    say(f, "Strip the %zu header bytes before such a decoder, or use one that reads the "
           "Confluent framing (cfavro, Confluent's KafkaAvroDeserializer).",
        hs);
}

/* Bytes that are no Confluent frame: JSON or text, or Avro without a
 * header. */
static void find_unframed(cf_inspector *in, cf_inspect_report *r)
{
    const uint8_t *m = r->msg;
    size_t len = r->len;
    char excerpt[256];
    if (is_text(m, len)) {
        bool json = looks_like_json(m, len);
        text_excerpt(m, len, excerpt, sizeof excerpt);
        cf_finding *f = json ? add_finding(r, "json_not_avro", "JSON text instead of Avro")
                             : add_finding(r, "text_not_avro", "text instead of Avro");
        say(f, "The message is %s, not Avro: %s. ", json ? "JSON text" : "plain text",
            excerpt);
        say(f, "%s", json ? "The producer used a JSON serializer (or Kafka Connect's "
                            "JsonConverter) instead of Confluent's Avro serializer: read "
                            "this topic as JSON, or fix the producer."
                          : "The producer wrote strings (a StringSerializer, a console "
                            "producer) instead of Confluent-framed Avro: read this topic "
                            "as text, or fix the producer.");
    } else {
        find_candidates(in, m, len, -1, r);
        cf_finding *f = add_finding(r, "raw_avro_no_header",
                                    "raw Avro payload with no Confluent header");
        say(f, "The message does not start with a Confluent header (magic byte 0x00 + "
               "schema id, or 0x01 + GUID): its first byte is 0x%02x. It looks like a bare "
               "Avro payload, written without Confluent's serializer or with its header "
               "already stripped. ",
            m[0]);
        if (r->candidate_count > 0) {
            say(f, "It decodes cleanly as schema ");
            say_candidates(in, r, f);
            say(f, ". To decode such messages, name the schema as header mode does: "
                   "--header __value_schema_id=hex:00%08x.",
                (unsigned)r->candidates[0]);
        } else {
            say(f, "No schema at hand decodes it cleanly. If you know its schema id N, try "
                   "--header __value_schema_id=hex:00 followed by N as 8 hex digits.");
        }
    }
}

/* A message that parsed as a frame but did not decode may be a bare payload
 * whose first byte happens to be a magic byte: say so when a schema at hand
 * decodes the whole message. Returns whether it did. */
static bool find_unframed_payload(cf_inspector *in, cf_inspect_report *r)
{
    if (r->frame.header_size == 0) {
        return false; /* header mode: the message is the payload already */
    }
    find_candidates(in, r->msg, r->len, -1, r);
    if (r->candidate_count == 0) {
        return false;
    }
    cf_finding *f = add_finding(r, "raw_avro_no_header",
                                "raw Avro payload with no Confluent header");
    say(f, "The whole message, first byte included, decodes cleanly as schema ");
    say_candidates(in, r, f);
    say(f, ": it is most likely a bare Avro payload that happens to start with 0x%02x, not "
           "a Confluent frame.",
        r->msg[0]);
    return true;
}

/* A framed message whose schema no source knows. */
static void find_unknown_id(cf_inspector *in, cf_inspect_report *r)
{
    char schema[320];
    schema_words(r, schema, sizeof schema);
    cf_finding *f = add_finding(r, "unknown_schema_id", "schema id unknown to every source");
    say(f, "No schema source given here knows schema %s. The producer registered it in "
           "another registry or context than the one given, the schema directory lacks "
           "its file, or the header is not a schema id at all.",
        schema);
    find_unframed_payload(in, r);
}

/* A payload that does not fit the schema its frame names. */
static void find_mismatch(cf_inspector *in, cf_inspect_report *r)
{
    char schema[320];
    schema_words(r, schema, sizeof schema);
    char text[CFAVRO_ERROR_MESSAGE_MAX];
    error_text(&r->error, text, sizeof text);
    const cfavro_frame *fr = &r->frame;
    cf_finding *f;

    /* Header mode with a payload that is itself a Confluent frame. */
    cf_inspect_report inner = {.msg = r->msg, .len = r->len};
    if (r->wire == CF_WIRE_HEADER &&
        cfavro_frame_parse(r->msg, r->len, &inner.frame, NULL) == CFAVRO_OK &&
        cfavro_validate_frame(in->probe, &inner.frame) == CFAVRO_OK) {
        char inner_schema[320];
        lookup_schema(in, &inner.frame, &inner.schema);
        schema_words(&inner, inner_schema, sizeof inner_schema);
        f = add_finding(r, "framed_payload_in_header_mode",
                        "payload still carries a Confluent header (header mode)");
        say(f, "The schema id travels in the Kafka header %s, yet the payload itself starts "
               "with a %zu-byte Confluent header for schema %s and decodes once that is "
               "skipped: the producer framed the value and also set the header. Decode "
               "such records as framed messages (without --header).",
            in->opt->header_name, inner.frame.header_size, inner_schema);
        return;
    }

    int64_t own = fr->kind == CFAVRO_FRAME_V0 ? fr->schema_id : -1;
    find_candidates(in, fr->payload, fr->payload_size, own, r);
    bool trailing = r->error.status == CFAVRO_E_TRAILING_BYTES &&
                    r->error.offset != CFAVRO_NO_OFFSET;
    if (r->candidate_count > 0 || trailing) {
        f = add_finding(r, "wrong_schema_id", "wrong schema id for the payload");
        if (trailing) {
            say(f, "The payload decodes as schema %s but leaves %llu bytes after the value "
                   "(from offset %llu): it was most likely written with another schema than "
                   "the one its header names. ",
                schema, (unsigned long long)(r->len - r->error.offset),
                (unsigned long long)r->error.offset);
        } else {
            say(f, "The payload does not fit schema %s: %s. ", schema, text);
        }
        if (r->candidate_count > 0) {
            say(f, "It decodes cleanly with schema ");
            say_candidates(in, r, f);
            say(f, ": the producer most likely framed it with the wrong schema id (a wrong "
                   "subject, or a schema registered under another id).");
        } else {
            say(f, "No other schema at hand decodes it cleanly.");
        }
        return;
    }
    if (find_unframed_payload(in, r)) {
        return;
    }
    f = add_finding(r, "payload_does_not_match", "payload does not fit its schema");
    say(f, "The payload does not fit schema %s: %s. Either its bytes were damaged (cut "
           "short or altered on the way), or it was written with another schema than the "
           "one its header names (a wrong schema id); no other schema at hand decodes it "
           "cleanly.",
        schema, text);
}

/* ---- one message ---------------------------------------------------------------------- */

void cf_inspect_message(cf_inspector *in, const uint8_t *msg, size_t len, cf_inspect_report *r)
{
    uint64_t index = r->index;
    const cf_options *o = in->opt;
    *r = (cf_inspect_report){.index = index, .msg = msg, .len = len,
                             .reader_schema = o->reader_schema,
                             .header_name = o->header_len > 0 ? o->header_name : NULL};
    bool framed;
    if (o->header_len > 0) {
        framed = cfavro_frame_parse_header(o->header, o->header_len, msg, len, &r->frame,
                                           NULL) == CFAVRO_OK;
        r->wire = CF_WIRE_HEADER;
    } else {
        framed = cfavro_frame_parse(msg, len, &r->frame, NULL) == CFAVRO_OK;
        r->wire = !framed                              ? CF_WIRE_NONE
                  : r->frame.kind == CFAVRO_FRAME_V1 ? CF_WIRE_V1
                                                     : CF_WIRE_V0;
    }
    r->decoded = cf_options_decode(o, in->dec, msg, len, &r->json, &r->json_len) == CFAVRO_OK;
    if (!r->decoded) {
        r->error = *cfavro_decoder_error(in->dec);
    }
    if (framed) {
        lookup_schema(in, &r->frame, &r->schema);
    }

    int cls = cfavro_status_class(r->error.status);
    const char *hint;
    if (r->decoded) {
        if (r->wire == CF_WIRE_V0 || r->wire == CF_WIRE_V1) {
            find_raw_decoder(in, r);
        }
    } else if (len == 0) {
        find_tombstone(r);
    } else if (o->format == CF_INPUT_RAW && o->header_len == 0 &&
               (hint = cf_raw_input_hint(msg, len)) != NULL) {
        /* A stream or a dump read as one message: whatever else the bytes
         * seem to say (a length prefix read as a V0 header) follows from
         * that. */
        cf_finding *f = add_finding(r, "wrong_input_format", "input read with the wrong --format");
        say(f, "The whole input was read as one message (--format raw), but %s.", hint);
    } else if (!framed) {
        find_unframed(in, r);
    } else if (cls == CFAVRO_CLASS_NOT_FOUND) {
        find_unknown_id(in, r);
    } else if (cls == CFAVRO_CLASS_DATA || cls == CFAVRO_CLASS_TRAILING) {
        find_mismatch(in, r);
    }
}

void cf_inspect_null(cf_inspect_report *r)
{
    uint64_t index = r->index;
    *r = (cf_inspect_report){.index = index, .wire = CF_WIRE_NULL};
    find_tombstone(r);
}

void cf_inspect_input_error(cf_inspect_report *r, const cf_input_error *e)
{
    uint64_t index = r->index;
    *r = (cf_inspect_report){.index = index, .input_failed = true, .input_error = *e};
}

bool cf_inspect_failed(const cf_inspect_report *r)
{
    return r->input_failed || (!r->decoded && r->wire != CF_WIRE_NULL);
}
