/*
 * layout_dump: the C compiler's view of include/cfavro.h for the Python
 * binding's layout test (tests/python/test_layout.py). Prints one JSON object:
 * sizeof and offsetof of every field of every public struct, and the value of
 * every status code and constant the binding mirrors, so a header change that
 * python/cfavro.py does not follow fails a test instead of corrupting memory.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include <cfavro.h>

/* One struct: "name": {"size": N, "fields": {"f": offset, ...}}. */
#define STRUCT_BEGIN(type) printf("%s\"%s\": {\"size\": %zu, \"fields\": {", \
                                  first_struct ? "" : ", ", #type, sizeof(type)); \
                           first_struct = 0; first_field = 1
#define FIELD(type, field) printf("%s\"%s\": %zu", first_field ? "" : ", ", #field, \
                                  offsetof(type, field)); \
                           first_field = 0
#define STRUCT_END() printf("}}")

#define CONSTANT(name) printf("%s\"%s\": %" PRId64, first_constant ? "" : ", ", #name, \
                              (int64_t)(name)); \
                       first_constant = 0

int main(void)
{
    int first_struct = 1, first_field = 1, first_constant = 1;

    printf("{\"structs\": {");
    STRUCT_BEGIN(cfavro_error);
    FIELD(cfavro_error, status);
    FIELD(cfavro_error, offset);
    FIELD(cfavro_error, schema_id);
    FIELD(cfavro_error, message);
    FIELD(cfavro_error, path);
    STRUCT_END();
    STRUCT_BEGIN(cfavro_frame);
    FIELD(cfavro_frame, kind);
    FIELD(cfavro_frame, schema_id);
    FIELD(cfavro_frame, guid);
    FIELD(cfavro_frame, header_size);
    FIELD(cfavro_frame, payload);
    FIELD(cfavro_frame, payload_size);
    STRUCT_END();
    STRUCT_BEGIN(cfavro_setting_info);
    FIELD(cfavro_setting_info, name);
    FIELD(cfavro_setting_info, default_value);
    FIELD(cfavro_setting_info, accepted);
    FIELD(cfavro_setting_info, doc);
    FIELD(cfavro_setting_info, scope);
    FIELD(cfavro_setting_info, flags);
    STRUCT_END();
    STRUCT_BEGIN(cfavro_cache_item);
    FIELD(cfavro_cache_item, state);
    FIELD(cfavro_cache_item, origin);
    FIELD(cfavro_cache_item, is_guid);
    FIELD(cfavro_cache_item, schema_id);
    FIELD(cfavro_cache_item, guid);
    FIELD(cfavro_cache_item, context);
    FIELD(cfavro_cache_item, name);
    FIELD(cfavro_cache_item, error_status);
    STRUCT_END();
    STRUCT_BEGIN(cfavro_stats);
    FIELD(cfavro_stats, size);
    FIELD(cfavro_stats, decoded);
    FIELD(cfavro_stats, failed);
    FIELD(cfavro_stats, failed_by_class);
    FIELD(cfavro_stats, cache_hits);
    FIELD(cfavro_stats, cache_misses);
    FIELD(cfavro_stats, cache_negative_hits);
    FIELD(cfavro_stats, cache_evictions);
    FIELD(cfavro_stats, cache_entries);
    FIELD(cfavro_stats, registry_lookups);
    FIELD(cfavro_stats, registry_requests);
    FIELD(cfavro_stats, registry_retries);
    FIELD(cfavro_stats, registry_failures);
    FIELD(cfavro_stats, registry_latency_us_sum);
    FIELD(cfavro_stats, registry_latency_us_max);
    FIELD(cfavro_stats, registry_latency_buckets);
    FIELD(cfavro_stats, decoders);
    FIELD(cfavro_stats, decoders_freed);
    STRUCT_END();
    STRUCT_BEGIN(cfavro_batch_result);
    FIELD(cfavro_batch_result, status);
    FIELD(cfavro_batch_result, offset);
    FIELD(cfavro_batch_result, schema_id);
    FIELD(cfavro_batch_result, json_offset);
    FIELD(cfavro_batch_result, json_len);
    STRUCT_END();
    printf("}, \"constants\": {");
    CONSTANT(CFAVRO_VERSION_MAJOR);
    CONSTANT(CFAVRO_VERSION_MINOR);
    CONSTANT(CFAVRO_ERROR_MESSAGE_MAX);
    CONSTANT(CFAVRO_ERROR_PATH_MAX);
    CONSTANT(CFAVRO_NO_SCHEMA_ID);
    CONSTANT(CFAVRO_GUID_SIZE);
    CONSTANT(CFAVRO_STATS_CLASS_SLOTS);
    CONSTANT(CFAVRO_STATS_LATENCY_BUCKETS);
    CONSTANT(CFAVRO_STATS_SIZE_V1);
    CONSTANT(CFAVRO_HEADER_V0_SIZE);
    CONSTANT(CFAVRO_HEADER_V1_SIZE);
    CONSTANT(CFAVRO_FRAME_V0);
    CONSTANT(CFAVRO_FRAME_V1);
    CONSTANT(CFAVRO_SETTING_CLIENT);
    CONSTANT(CFAVRO_SETTING_DECODER);
    CONSTANT(CFAVRO_SETTING_SECRET);
    CONSTANT(CFAVRO_SETTING_AVAILABLE);
    CONSTANT(CFAVRO_CACHE_READY);
    CONSTANT(CFAVRO_CACHE_FAILED);
    CONSTANT(CFAVRO_ORIGIN_NONE);
    CONSTANT(CFAVRO_ORIGIN_MEMORY);
    CONSTANT(CFAVRO_ORIGIN_DIRECTORY);
    CONSTANT(CFAVRO_ORIGIN_PERSISTED);
    CONSTANT(CFAVRO_ORIGIN_REGISTRY);
    printf("}, \"no_offset\": %" PRIu64 ", \"classes\": {", (uint64_t)CFAVRO_NO_OFFSET);
    first_constant = 1;
    CONSTANT(CFAVRO_CLASS_ARGUMENT);
    CONSTANT(CFAVRO_CLASS_FRAME);
    CONSTANT(CFAVRO_CLASS_NOT_FOUND);
    CONSTANT(CFAVRO_CLASS_REGISTRY);
    CONSTANT(CFAVRO_CLASS_SCHEMA);
    CONSTANT(CFAVRO_CLASS_DATA);
    CONSTANT(CFAVRO_CLASS_TRAILING);
    CONSTANT(CFAVRO_CLASS_LIMIT);
    CONSTANT(CFAVRO_CLASS_INCOMPATIBLE);
    printf("}, \"statuses\": {");
    first_constant = 1;
    CONSTANT(CFAVRO_OK);
    CONSTANT(CFAVRO_E_NOMEM);
    CONSTANT(CFAVRO_E_CONFIG);
    CONSTANT(CFAVRO_E_IO);
    CONSTANT(CFAVRO_E_ARGUMENT);
    CONSTANT(CFAVRO_E_INTERNAL);
    CONSTANT(CFAVRO_E_FRAME_SHORT);
    CONSTANT(CFAVRO_E_FRAME_MAGIC);
    CONSTANT(CFAVRO_E_FRAME_HEADER_SIZE);
    CONSTANT(CFAVRO_E_SCHEMA_NOT_FOUND);
    CONSTANT(CFAVRO_E_REGISTRY_AUTH);
    CONSTANT(CFAVRO_E_REGISTRY_UNAVAILABLE);
    CONSTANT(CFAVRO_E_REGISTRY_PROTOCOL);
    CONSTANT(CFAVRO_E_REGISTRY_RATE_LIMITED);
    CONSTANT(CFAVRO_E_SCHEMA_INVALID);
    CONSTANT(CFAVRO_E_SCHEMA_UNSUPPORTED);
    CONSTANT(CFAVRO_E_DATA_TRUNCATED);
    CONSTANT(CFAVRO_E_DATA_NEGATIVE_LENGTH);
    CONSTANT(CFAVRO_E_DATA_LENGTH);
    CONSTANT(CFAVRO_E_DATA_VARINT);
    CONSTANT(CFAVRO_E_DATA_INT_RANGE);
    CONSTANT(CFAVRO_E_DATA_BLOCK_COUNT);
    CONSTANT(CFAVRO_E_DATA_UNION_INDEX);
    CONSTANT(CFAVRO_E_DATA_ENUM_INDEX);
    CONSTANT(CFAVRO_E_DATA_BOOLEAN);
    CONSTANT(CFAVRO_E_DATA_UTF8);
    CONSTANT(CFAVRO_E_DATA_MAP_KEY_DUPLICATE);
    CONSTANT(CFAVRO_E_DATA_UNRESOLVED);
    CONSTANT(CFAVRO_E_TRAILING_BYTES);
    CONSTANT(CFAVRO_E_LIMIT_DEPTH);
    CONSTANT(CFAVRO_E_LIMIT_ITEMS);
    CONSTANT(CFAVRO_E_LIMIT_OUTPUT);
    CONSTANT(CFAVRO_E_LIMIT_SCHEMA);
    CONSTANT(CFAVRO_E_INCOMPATIBLE);
    printf("}}\n");
    return ferror(stdout) ? 1 : 0;
}
