/* Keys as messages show them. */
#include <stdio.h>

#include "cache_key_internal.h"
#include "registry_text_internal.h"

void cf_key_describe(const cf_schema_key *k, char out[CF_KEY_TEXT_SIZE])
{
    if (cf_key_kind_of(k) == CF_KEY_GUID) {
        uint8_t guid[CFAVRO_GUID_SIZE];
        char text[CF_GUID_TEXT_LEN + 1];
        cf_key_guid_of(k, guid);
        cf_guid_format(guid, text);
        snprintf(out, CF_KEY_TEXT_SIZE, "schema GUID %s", text);
    } else {
        snprintf(out, CF_KEY_TEXT_SIZE, "schema id %d", (int)cf_key_id_of(k));
    }
}
