/* The walker instantiated with the validate emitter (no output). */
#include "emit_validate.h"
#include "walk_template.h"

int cf_walk_validate(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                     const uint8_t *payload, size_t len, size_t msg_offset, cfavro_error *err)
{
    cf_validate_emitter e;
    return cf_walk_run_validate(&e, schema, limits, keys, payload, len, msg_offset, err);
}

/* The validate instantiation's walk of one value: its emitter state is the
 * bare cf_walk (cf_validate_emitter has no other member), so any walk's
 * core serves. */
_Static_assert(sizeof(cf_validate_emitter) == sizeof(cf_walk),
              "the validate emitter's state is the walk's core alone");

int cf_walk_skip(cf_walk *w, const cf_node *nodes, uint32_t node)
{
    const cf_node *own = w->nodes;
    w->nodes = nodes;
    int rc = walk_value_validate((cf_validate_emitter *)(void *)w, node);
    w->nodes = own;
    return rc;
}
