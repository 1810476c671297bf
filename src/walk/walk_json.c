/* The walker instantiated with the JSON emitter. */
#include "emit_json.h"
#include "walk_template.h"

int cf_walk_json(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                 const cf_json_options *opt, const uint8_t *payload, size_t len,
                 size_t msg_offset, cf_buf *out, cfavro_error *err)
{
    cf_json_emitter e;
    e.out = out;
    e.opt = opt;
    return cf_walk_run_json(&e, schema, limits, keys, payload, len, msg_offset, err);
}
