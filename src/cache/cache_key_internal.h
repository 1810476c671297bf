/* What a schema is looked up by: an integer id (V0 frames, header mode with
 * V0 bytes, payload calls) or a 16-byte GUID (V1 frames, header mode with V1
 * bytes). The schema context is client-wide (schema.registry.context), so it
 * is not part of the key: two contexts are two clients.
 *
 * A key is three 64-bit words so that the cache can compare it with relaxed
 * atomic loads before it holds a reference to an entry (see cache_internal.h):
 * word 0 = kind << 32 | id (0 for a GUID), words 1 and 2 = the GUID's bytes. */
#ifndef CFAVRO_CACHE_KEY_INTERNAL_H
#define CFAVRO_CACHE_KEY_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "cfavro.h"

typedef enum cf_key_kind {
    CF_KEY_ID = 1, /* never 0: a zeroed key word means "no key" */
    CF_KEY_GUID = 2
} cf_key_kind;

typedef struct cf_schema_key {
    uint64_t w[3];
} cf_schema_key;

static inline cf_schema_key cf_key_id(int32_t id)
{
    cf_schema_key k = {{((uint64_t)CF_KEY_ID << 32) | (uint32_t)id, 0, 0}};
    return k;
}

static inline cf_schema_key cf_key_guid(const uint8_t guid[CFAVRO_GUID_SIZE])
{
    cf_schema_key k = {{(uint64_t)CF_KEY_GUID << 32, 0, 0}};
    memcpy(&k.w[1], guid, CFAVRO_GUID_SIZE);
    return k;
}

static inline cf_key_kind cf_key_kind_of(const cf_schema_key *k)
{
    return (cf_key_kind)(k->w[0] >> 32);
}

static inline int32_t cf_key_id_of(const cf_schema_key *k)
{
    return (int32_t)(uint32_t)k->w[0];
}

static inline void cf_key_guid_of(const cf_schema_key *k, uint8_t guid[CFAVRO_GUID_SIZE])
{
    memcpy(guid, &k->w[1], CFAVRO_GUID_SIZE);
}

static inline int cf_key_equal(const cf_schema_key *a, const cf_schema_key *b)
{
    return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2];
}

/* Ids are small sequential integers and GUIDs are random: mix both so they
 * spread over a power-of-two table. */
static inline uint32_t cf_key_hash(const cf_schema_key *k)
{
    uint64_t h = k->w[0] ^ (k->w[1] * 0x9E3779B97F4A7C15u) ^ k->w[2];
    h *= 0xBF58476D1CE4E5B9u;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* "schema id 7" or "schema GUID 0123...cdef" (32 hex digits), for messages. */
#define CF_KEY_TEXT_SIZE 64
void cf_key_describe(const cf_schema_key *k, char out[CF_KEY_TEXT_SIZE]);

#endif
