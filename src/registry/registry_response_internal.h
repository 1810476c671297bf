/* The registry's schema responses, parsed (no network here): the body of
 * GET /schemas/ids/{id}, GET /schemas/guids/{guid} and
 * GET /subjects/{subject}/versions/{version}, with or without the fields
 * Confluent adds for Confluent-Accept-Unknown-Properties (guid, schemaType,
 * ts, deleted). Unknown fields are ignored; a JSON null counts as absent. */
#ifndef CFAVRO_REGISTRY_RESPONSE_INTERNAL_H
#define CFAVRO_REGISTRY_RESPONSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"

/* Bounds on what one response may carry (each beyond-limit value fails
 * with CFAVRO_E_REGISTRY_PROTOCOL naming the field). The body itself is
 * capped by the caller before it gets here. */
#define CF_REG_MAX_SCHEMA_TEXT ((size_t)16 << 20) /* "schema": 16 MiB */
#define CF_REG_MAX_REFS 256u                      /* entries of "references" */
#define CF_REG_MAX_NAME_TEXT ((size_t)4096)       /* subject, reference name, rule name */

/* A reference version: a registered version (>= 1) or -1, "latest". */
#define CF_REG_VERSION_LATEST (-1)

typedef enum cf_reg_schema_type {
    CF_REG_TYPE_AVRO = 0, /* also when schemaType is absent */
    CF_REG_TYPE_PROTOBUF,
    CF_REG_TYPE_JSON,
    CF_REG_TYPE_OTHER
} cf_reg_schema_type;

/* Owned text: ptr is NUL-terminated at len and may hold U+0000 inside. */
typedef struct cf_reg_text {
    char *ptr;
    size_t len;
} cf_reg_text;

typedef struct cf_reg_ref {
    cf_reg_text name;    /* the name the referring schema uses */
    cf_reg_text subject; /* where to fetch it */
    int32_t version;     /* >= 1, or CF_REG_VERSION_LATEST */
} cf_reg_ref;

typedef struct cf_reg_schema {
    cf_reg_text text; /* the schema, exactly as the registry stored it */
    cf_reg_schema_type type;
    cf_reg_ref *refs;
    uint32_t ref_count;
    bool has_guid;
    uint8_t guid[CFAVRO_GUID_SIZE];
    bool has_id;
    int32_t id; /* >= 0 */
    cf_reg_text subject; /* ptr NULL when absent */
    bool has_version;
    int32_t version; /* >= 1 */
    /* Data contracts: an enabled ENCRYPT rule among ruleSet.domainRules
     * (field-level encryption) / ENCRYPT_PAYLOAD among ruleSet.encodingRules
     * (the whole payload is ciphertext); the first such rule's name, ptr
     * NULL when the rule has no name. */
    bool encrypt_fields;
    cf_reg_text encrypt_fields_rule;
    bool encrypt_payload;
    cf_reg_text encrypt_payload_rule;
} cf_reg_schema;

/* Parse body[0..len) (not NUL-terminated) into *out (zeroed first; owned,
 * free with cf_reg_schema_free, also after a failure). Returns CFAVRO_OK;
 * CFAVRO_E_REGISTRY_PROTOCOL (not a JSON object, "schema" missing, a field
 * of the wrong JSON type or beyond a limit: the message names the field);
 * CFAVRO_E_SCHEMA_UNSUPPORTED (schemaType other than AVRO: the message
 * names it; out->type says which); CFAVRO_E_NOMEM. Errors carry
 * CFAVRO_NO_OFFSET (the body is not a message; a JSON syntax error gives its
 * byte position in the text). Pure; thread-safe. */
int cf_reg_schema_parse(const char *body, size_t len, cf_reg_schema *out, cfavro_error *err);
void cf_reg_schema_free(cf_reg_schema *s);

/* Map an HTTP response to a cfavro status: CFAVRO_OK for 2xx; otherwise a
 * registry status with a one-line message quoting the registry's
 * {"error_code", "message"} when the body is such JSON, else describing the
 * body (empty, HTML, other) with at most a CF_REG_EXCERPT_BYTES escaped
 * excerpt. 404 with a registry error body -> CFAVRO_E_SCHEMA_NOT_FOUND
 * (40401 subject, 40402 version, 40403 schema), without one -> protocol (a
 * proxy or wrong URL, not the registry's answer); 401/403 -> auth;
 * 429 -> rate limited; 408 and 5xx -> unavailable; other statuses ->
 * protocol. *retryable (may be NULL) is true exactly for 408, 429, 500,
 * 502, 503 and 504. Errors carry CFAVRO_NO_OFFSET. body may be NULL (an
 * empty body); err may be NULL. Pure; thread-safe. */
int cf_registry_status_for(long http_status, const char *body, size_t len, bool *retryable,
                           cfavro_error *err);

#endif
