#ifndef CFAVRO_CONFIG_INTERNAL_H
#define CFAVRO_CONFIG_INTERNAL_H

#include <stddef.h>

#include "cfavro.h"

typedef struct cf_setting {
    char *key;
    char *value;
} cf_setting;

struct cfavro_config {
    cf_setting *items; /* in the order first set; a re-set replaces the value */
    size_t count;
    size_t cap;
};

#endif
