/* cfavro_config: the settings a client will be made from, each checked
 * against the settings table when it was set. */
#ifndef CFAVRO_CONFIG_INTERNAL_H
#define CFAVRO_CONFIG_INTERNAL_H

#include <stddef.h>

#include "cfavro.h"
#include "settings_internal.h"

typedef struct cf_config_item {
    const cf_setting_row *row; /* the key's row (its name is the key) */
    char *value;               /* owned; valid for row */
} cf_config_item;

struct cfavro_config {
    cf_config_item *items; /* in the order first set; a re-set replaces the value */
    size_t count;
    size_t cap;
};

#endif
