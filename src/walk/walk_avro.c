/* The walker instantiated with the avro-c emitter. */
#include "emit_avro.h"
#include "walk_template.h"

#include "alloc_internal.h"

void cf_avro_scratch_free(cf_avro_scratch *scratch)
{
    cf_free(scratch->stack);
    cf_free(scratch->text);
    *scratch = (cf_avro_scratch){0};
}

int cf_avro_emit_grow_stack(cf_avro_emitter *e)
{
    cf_avro_scratch *s = e->scratch;
    size_t cap = s->stack_cap < 8 ? 16 : s->stack_cap * 2;
    avro_value_t *stack = cf_realloc(s->stack, cap * sizeof *stack);
    if (stack == NULL) {
        return cf_walk_fail(&e->core, CFAVRO_E_NOMEM, e->core.p, "out of memory");
    }
    s->stack = stack;
    s->stack_cap = cap;
    return CFAVRO_OK;
}

int cf_avro_emit_grow_text(cf_avro_emitter *e, size_t need, const uint8_t *at)
{
    cf_avro_scratch *s = e->scratch;
    size_t cap = s->text_cap < 64 ? 128 : s->text_cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    char *text = cf_realloc(s->text, cap);
    if (text == NULL) {
        return cf_walk_fail(&e->core, CFAVRO_E_NOMEM, at, "out of memory");
    }
    s->text = text;
    s->text_cap = cap;
    return CFAVRO_OK;
}

int cf_avro_emit_fail(cf_avro_emitter *e, int avro_rc, const uint8_t *at, const char *setter)
{
    /* avro-c's error text is process-global: copied into the walk's
     * message here, at once, and never handed out. */
    return cf_walk_fail(&e->core, avro_rc == ENOMEM ? CFAVRO_E_NOMEM : CFAVRO_E_INTERNAL, at,
                        "avro-c %s failed (error %d): %s", setter, avro_rc, avro_strerror());
}

int cf_walk_avro(const cf_schema *schema, const cf_walk_limits *limits, cf_walk_keys *keys,
                 cf_avro_scratch *scratch, avro_value_t *out, const uint8_t *payload, size_t len,
                 size_t msg_offset, cfavro_error *err)
{
    cf_avro_emitter e;
    e.root = out;
    e.cur = *out;
    e.top = 0;
    e.scratch = scratch;
    return cf_walk_run_avro(&e, schema, limits, keys, payload, len, msg_offset, err);
}
