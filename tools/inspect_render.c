/* `cfavro inspect`: print a report, for a person or as JSON (see inspect.h). */
#include <string.h>

#include "inspect.h"
#include "text.h"

/* Bytes per hexdump line, and how many lines an excerpt shows before and
 * after the marked one. */
enum { ROW = 16, ROWS_BEFORE = 1, ROWS_AFTER = 1, PLAIN_ROWS = 2 };

/* ---- shared ---------------------------------------------------------------------- */

/* The part of the message the report shows: around the byte it marks, else
 * its first bytes (mark -1). The mark is the failing byte, or for a framed
 * message that decoded, the byte where a raw Avro decoder fails; it may be
 * r->len when the data ended too soon. */
typedef struct excerpt {
    size_t start;
    size_t end;
    int64_t mark;
    const char *why; /* what the mark is: "error", "raw_decoder" */
} excerpt;

static bool excerpt_of(const cf_inspect_report *r, excerpt *x)
{
    if (r->msg == NULL || r->len == 0) {
        return false;
    }
    uint64_t mark = CFAVRO_NO_OFFSET;
    x->why = NULL;
    if (!r->decoded) {
        mark = r->error.offset;
        x->why = "error";
    } else if (r->raw_checked && !r->raw_decoded) {
        mark = r->raw_error.offset;
        x->why = "raw_decoder";
    }
    if (mark != CFAVRO_NO_OFFSET && mark <= r->len) {
        size_t row = (size_t)mark / ROW * ROW;
        if (row == r->len && row >= ROW) {
            row -= ROW; /* the end of a message of whole rows: show its last row */
        }
        x->start = row >= ROW * ROWS_BEFORE ? row - ROW * ROWS_BEFORE : 0;
        x->end = row + ROW * (1 + ROWS_AFTER) < r->len ? row + ROW * (1 + ROWS_AFTER) : r->len;
        x->mark = (int64_t)mark;
    } else {
        x->start = 0;
        x->end = r->len < ROW * PLAIN_ROWS ? r->len : ROW * PLAIN_ROWS;
        x->mark = -1;
        x->why = NULL;
    }
    return true;
}

static const char *wire_id(int wire)
{
    switch (wire) {
    case CF_WIRE_V0: return "v0";
    case CF_WIRE_V1: return "v1";
    case CF_WIRE_HEADER: return "header";
    case CF_WIRE_NULL: return "null";
    default: return "none";
    }
}

static const char *origin_id(int origin)
{
    switch (origin) {
    case CFAVRO_ORIGIN_MEMORY: return "memory";
    case CFAVRO_ORIGIN_DIRECTORY: return "directory";
    case CFAVRO_ORIGIN_PERSISTED: return "persisted";
    case CFAVRO_ORIGIN_REGISTRY: return "registry";
    default: return "none";
    }
}

/* The class's name without the library's " (class)" suffix. */
static void class_name(int status, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", cfavro_strerror(cfavro_status_class(status)));
    size_t n = strlen(buf);
    const char *suffix = " (class)";
    if (n > strlen(suffix) && strcmp(buf + n - strlen(suffix), suffix) == 0) {
        buf[n - strlen(suffix)] = '\0';
    }
}

static bool has_frame(const cf_inspect_report *r)
{
    return r->wire == CF_WIRE_V0 || r->wire == CF_WIRE_V1 || r->wire == CF_WIRE_HEADER;
}

/* The header-mode header's bytes as hex. */
static void header_hex(const cfavro_frame *f, char *buf, size_t cap)
{
    uint8_t h[CFAVRO_HEADER_V1_SIZE];
    size_t n = CFAVRO_HEADER_V0_SIZE;
    if (f->kind == CFAVRO_FRAME_V1) {
        cfavro_frame_write_v1(f->guid, h, sizeof h);
        n = CFAVRO_HEADER_V1_SIZE;
    } else {
        cfavro_frame_write_v0(f->schema_id, h, sizeof h);
    }
    size_t w = 0;
    for (size_t i = 0; i < n && w + 3 <= cap; i++) {
        w += (size_t)snprintf(buf + w, cap - w, "%02x", h[i]);
    }
}

/* ---- text --------------------------------------------------------------------------- */

enum { LABEL = 17 }; /* column of the values after "  label" */

static void label(FILE *out, const char *name)
{
    fprintf(out, "  %-*s", LABEL - 2, name);
}

/* Words of untrusted text wrapped at `indent`, control bytes as \xNN. */
static void put_wrapped(FILE *out, int col, int indent, const char *text)
{
    char clean[4 * 1200];
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && w + 5 < sizeof clean;
         p++) {
        if (*p < 0x20 || *p == 0x7f) {
            w += (size_t)snprintf(clean + w, sizeof clean - w, "\\x%02x", *p);
        } else {
            clean[w++] = (char)*p;
        }
    }
    clean[w] = '\0';
    cf_wrapper wr = {out, col, indent, true};
    cf_wrap_words(&wr, clean);
    putc('\n', out);
}

/* Compact JSON as indented text, every line starting at `indent`. The text
 * is the library's output: valid JSON, strings copied as they are. */
static void put_pretty_json(FILE *out, const char *json, size_t len, int indent)
{
    int depth = 0;
    bool in_string = false;
    fprintf(out, "%*s", indent, "");
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_string) {
            putc(c, out);
            if (c == '\\' && i + 1 < len) {
                putc(json[++i], out);
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            putc(c, out);
            break;
        case '{':
        case '[':
            if (i + 1 < len && (json[i + 1] == '}' || json[i + 1] == ']')) {
                putc(c, out);
                putc(json[++i], out); /* {} and [] stay on one line */
                break;
            }
            depth++;
            fprintf(out, "%c\n%*s", c, indent + 2 * depth, "");
            break;
        case '}':
        case ']':
            depth--;
            fprintf(out, "\n%*s%c", indent + 2 * depth, "", c);
            break;
        case ',':
            fprintf(out, ",\n%*s", indent + 2 * depth, "");
            break;
        case ':':
            fputs(": ", out);
            break;
        default:
            putc(c, out);
            break;
        }
    }
    putc('\n', out);
}

/* Column of byte k of a row in put_row's layout ("OOOOOOOO  hh hh ...
 * hh  hh ... |ascii|"), counted from the row's first character. */
static int hex_column(size_t k)
{
    return 10 + 3 * (int)k + (k >= ROW / 2 ? 1 : 0);
}

static int ascii_column(size_t k)
{
    return hex_column(ROW) + 2 + (int)k;
}

static void put_row(FILE *out, const uint8_t *m, size_t row, size_t end)
{
    fprintf(out, "    %08zx  ", row);
    for (size_t k = 0; k < ROW; k++) {
        if (row + k < end) {
            fprintf(out, "%02x ", m[row + k]);
        } else {
            fputs("   ", out);
        }
        if (k == ROW / 2 - 1) {
            putc(' ', out);
        }
    }
    fputs(" |", out);
    for (size_t k = 0; k < ROW && row + k < end; k++) {
        uint8_t c = m[row + k];
        putc(c >= 0x20 && c < 0x7f ? c : '.', out);
    }
    fputs("|\n", out);
}

static void put_hexdump(FILE *out, const cf_inspect_report *r, const excerpt *x)
{
    for (size_t row = x->start; row < x->end; row += ROW) {
        put_row(out, r->msg, row, x->end);
        if (x->mark >= 0 && (size_t)x->mark >= row && (size_t)x->mark < row + ROW &&
            (size_t)x->mark < r->len) {
            size_t k = (size_t)x->mark - row;
            fprintf(out, "    %*s^^%*s^\n", hex_column(k), "",
                    ascii_column(k) - hex_column(k) - 2, "");
        }
    }
    if (x->mark >= 0 && (size_t)x->mark >= r->len) {
        fprintf(out, "    (offset %lld is the end of the message: the data stops there)\n",
                (long long)x->mark);
    }
}

static void render_frame_text(FILE *out, const cf_inspect_report *r)
{
    const cfavro_frame *f = &r->frame;
    char g[37];
    label(out, "wire format");
    switch (r->wire) {
    case CF_WIRE_V0:
        fputs("Confluent V0: magic byte 0x00 + 4-byte schema id (5-byte header)\n", out);
        break;
    case CF_WIRE_V1:
        fputs("Confluent V1: magic byte 0x01 + 16-byte schema GUID (17-byte header)\n", out);
        break;
    case CF_WIRE_HEADER: {
        char hex[40];
        char line[160];
        header_hex(f, hex, sizeof hex);
        snprintf(line, sizeof line,
                 "header mode: no prefix; the Kafka header %s holds the %s header %s",
                 r->header_name, f->kind == CFAVRO_FRAME_V1 ? "V1" : "V0", hex);
        put_wrapped(out, LABEL, LABEL, line);
        break;
    }
    case CF_WIRE_NULL:
        fputs("none: a null value (no bytes at all)\n", out);
        return;
    default:
        if (r->len == 0) {
            fputs("none: an empty value\n", out);
        } else {
            fprintf(out, "none: no Confluent header (first byte 0x%02x)\n", r->msg[0]);
        }
        return;
    }
    if (f->kind == CFAVRO_FRAME_V1) {
        cf_format_guid(f->guid, g);
        label(out, "schema GUID");
        fprintf(out, "%s\n", g);
    } else {
        label(out, "schema id");
        fprintf(out, "%d\n", (int)f->schema_id);
    }
    label(out, "schema");
    if (r->schema.known && !r->schema.failed) {
        char line[sizeof r->schema.name + sizeof r->schema.location + 8];
        snprintf(line, sizeof line, "%s, from %s", r->schema.name, r->schema.location);
        put_wrapped(out, LABEL, LABEL, line);
    } else if (r->schema.known) {
        fprintf(out, "unavailable: error %d (%s)\n",
                r->schema.error_status, cfavro_strerror(r->schema.error_status));
    } else {
        fputs("unknown: its lookup failed (see the error)\n", out);
    }
    if (r->reader_schema != NULL) {
        label(out, "reader schema");
        cf_put_clean(out, r->reader_schema);
        fputs(" (the value is shown in it)\n", out);
    }
}

static void render_error_text(FILE *out, const cf_inspect_report *r)
{
    const cfavro_error *e = &r->error;
    char cls[128];
    class_name(e->status, cls, sizeof cls);
    label(out, "result");
    fprintf(out, "error %d (%s)\n", e->status, cfavro_strerror(e->status));
    label(out, "class");
    fprintf(out, "%d (%s)\n", cfavro_status_class(e->status), cls);
    if (e->offset != CFAVRO_NO_OFFSET) {
        label(out, "offset");
        if (e->offset < r->len) {
            fprintf(out, "%llu (byte 0x%02x)\n", (unsigned long long)e->offset,
                    r->msg[e->offset]);
        } else {
            fprintf(out, "%llu (the end of the message)\n", (unsigned long long)e->offset);
        }
    }
    if (e->path[0] != '\0') {
        label(out, "path");
        cf_put_clean(out, e->path);
        putc('\n', out);
    }
    label(out, "error");
    put_wrapped(out, LABEL, LABEL, e->message);
}

void cf_inspect_render_text(FILE *out, const cf_inspect_report *r)
{
    if (r->input_failed) {
        fprintf(out, "message %llu: input error at byte %llu", (unsigned long long)r->index,
                (unsigned long long)r->input_error.offset);
        if (r->input_error.line != 0) {
            fprintf(out, ", line %llu", (unsigned long long)r->input_error.line);
        }
        fputs(": ", out);
        cf_put_clean(out, r->input_error.message);
        fputs("\n  the input format could not read this record; nothing was decoded\n", out);
        return;
    }
    if (r->wire == CF_WIRE_NULL) {
        fprintf(out, "message %llu: null value\n", (unsigned long long)r->index);
    } else {
        fprintf(out, "message %llu: %zu byte%s\n", (unsigned long long)r->index, r->len,
                r->len == 1 ? "" : "s");
    }
    render_frame_text(out, r);
    if (r->wire == CF_WIRE_NULL) {
        label(out, "result");
        fputs("nothing to decode\n", out);
    } else if (r->decoded) {
        label(out, "result");
        fprintf(out, "decoded: %zu bytes of Avro%s\n", r->frame.payload_size,
                r->frame.header_size > 0 ? " after the header" : "");
        fputs("  value\n", out);
        put_pretty_json(out, r->json, r->json_len, 4);
    } else {
        render_error_text(out, r);
    }
    excerpt x;
    if (excerpt_of(r, &x)) {
        label(out, "bytes");
        /* Byte numbers as a hexdump shows them: the last one included. */
        fprintf(out, "%zu to %zu of %zu", x.start, x.end - 1, r->len);
        if (x.mark >= 0) {
            fprintf(out, ", marked: %s", strcmp(x.why, "error") == 0
                                             ? "the failing byte"
                                             : "where a raw Avro decoder fails");
        }
        putc('\n', out);
        put_hexdump(out, r, &x);
    }
    for (size_t i = 0; i < r->finding_count; i++) {
        label(out, "diagnosis");
        fprintf(out, "%s\n", r->findings[i].title);
        fputs("    ", out);
        put_wrapped(out, 4, 4, r->findings[i].detail);
    }
}

/* ---- JSON --------------------------------------------------------------------------- */

static void json_key(FILE *out, const char *key)
{
    fprintf(out, ",\"%s\":", key);
}

static void json_str(FILE *out, const char *s)
{
    cf_put_json_string(out, s, strlen(s));
}

static void json_error(FILE *out, const cfavro_error *e)
{
    char cls[128];
    class_name(e->status, cls, sizeof cls);
    fprintf(out, "{\"status\":%d,\"status_name\":", e->status);
    json_str(out, cfavro_strerror(e->status));
    fprintf(out, ",\"class\":%d,\"class_name\":", cfavro_status_class(e->status));
    json_str(out, cls);
    json_key(out, "offset");
    if (e->offset != CFAVRO_NO_OFFSET) {
        fprintf(out, "%llu", (unsigned long long)e->offset);
    } else {
        fputs("null", out);
    }
    json_key(out, "path");
    json_str(out, e->path);
    json_key(out, "message");
    json_str(out, e->message);
    putc('}', out);
}

static void json_frame(FILE *out, const cf_inspect_report *r)
{
    const cfavro_frame *f = &r->frame;
    bool framed = has_frame(r);
    json_key(out, "schema_id");
    if (framed && f->kind == CFAVRO_FRAME_V0) {
        fprintf(out, "%d", (int)f->schema_id);
    } else {
        fputs("null", out);
    }
    json_key(out, "guid");
    if (framed && f->kind == CFAVRO_FRAME_V1) {
        char g[37];
        cf_format_guid(f->guid, g);
        json_str(out, g);
    } else {
        fputs("null", out);
    }
    json_key(out, "header");
    if (r->wire == CF_WIRE_HEADER) {
        char hex[40];
        header_hex(f, hex, sizeof hex);
        fputs("{\"name\":", out);
        json_str(out, r->header_name);
        fputs(",\"hex\":", out);
        json_str(out, hex);
        putc('}', out);
    } else {
        fputs("null", out);
    }
    json_key(out, "schema");
    if (framed && r->schema.known) {
        fputs("{\"name\":", out);
        json_str(out, r->schema.name);
        fputs(",\"origin\":", out);
        json_str(out, origin_id(r->schema.origin));
        fputs(",\"location\":", out);
        json_str(out, r->schema.failed ? "" : r->schema.location);
        fputs(",\"context\":", out);
        json_str(out, r->schema.context);
        fprintf(out, ",\"failed\":%s,\"error_status\":%d}", r->schema.failed ? "true" : "false",
                r->schema.failed ? r->schema.error_status : 0);
    } else {
        fputs("null", out);
    }
}

void cf_inspect_render_json(FILE *out, const cf_inspect_report *r)
{
    fprintf(out, "{\"index\":%llu", (unsigned long long)r->index);
    if (r->input_failed) {
        fputs(",\"input_error\":{\"offset\":", out);
        fprintf(out, "%llu,\"line\":", (unsigned long long)r->input_error.offset);
        if (r->input_error.line != 0) {
            fprintf(out, "%llu", (unsigned long long)r->input_error.line);
        } else {
            fputs("null", out);
        }
        fputs(",\"message\":", out);
        json_str(out, r->input_error.message);
        fputs("},\"decoded\":false,\"failed\":true}\n", out);
        return;
    }
    json_key(out, "bytes");
    if (r->wire == CF_WIRE_NULL) {
        fputs("null", out);
    } else {
        fprintf(out, "%zu", r->len);
    }
    json_key(out, "wire_format");
    json_str(out, wire_id(r->wire));
    json_frame(out, r);
    json_key(out, "reader_schema");
    if (r->reader_schema != NULL) {
        json_str(out, r->reader_schema);
    } else {
        fputs("null", out);
    }
    fprintf(out, ",\"decoded\":%s,\"failed\":%s", r->decoded ? "true" : "false",
            cf_inspect_failed(r) ? "true" : "false");
    json_key(out, "value");
    if (r->decoded) {
        fwrite(r->json, 1, r->json_len, out);
    } else {
        fputs("null", out);
    }
    json_key(out, "error");
    if (!r->decoded && r->wire != CF_WIRE_NULL) {
        json_error(out, &r->error);
    } else {
        fputs("null", out);
    }
    json_key(out, "raw_decoder");
    if (r->raw_checked) {
        fprintf(out, "{\"decoded\":%s,\"error\":", r->raw_decoded ? "true" : "false");
        if (r->raw_decoded) {
            fputs("null", out);
        } else {
            json_error(out, &r->raw_error);
        }
        putc('}', out);
    } else {
        fputs("null", out);
    }
    json_key(out, "candidates");
    putc('[', out);
    for (size_t i = 0; i < r->candidate_count; i++) {
        fprintf(out, "%s%d", i ? "," : "", (int)r->candidates[i]);
    }
    putc(']', out);
    json_key(out, "findings");
    putc('[', out);
    for (size_t i = 0; i < r->finding_count; i++) {
        fputs(i ? ",{\"kind\":" : "{\"kind\":", out);
        json_str(out, r->findings[i].kind);
        fputs(",\"title\":", out);
        json_str(out, r->findings[i].title);
        fputs(",\"detail\":", out);
        json_str(out, r->findings[i].detail);
        putc('}', out);
    }
    putc(']', out);
    json_key(out, "excerpt");
    excerpt x;
    if (excerpt_of(r, &x)) {
        fprintf(out, "{\"start\":%zu,\"end\":%zu,\"hex\":\"", x.start, x.end);
        for (size_t i = x.start; i < x.end; i++) {
            fprintf(out, "%02x", r->msg[i]);
        }
        fputs("\",\"mark\":", out);
        if (x.mark >= 0) {
            fprintf(out, "%lld,\"mark_is\":\"%s\"}", (long long)x.mark, x.why);
        } else {
            fputs("null,\"mark_is\":null}", out);
        }
    } else {
        fputs("null", out);
    }
    fputs("}\n", out);
}
