/* The walker instantiated with the validate emitter (no output). */
#include "emit_validate.h"
#include "walk_template.h"

int cf_walk_validate(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                     const uint8_t *payload, size_t len, size_t msg_offset, cfavro_error *err)
{
    cf_validate_emitter e;
    return cf_walk_run_validate(&e, schema, limits, keys, payload, len, msg_offset, err);
}
