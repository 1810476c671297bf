/* Decoding and output options: the json.*, decode.* and limit.* settings a
 * client hands to its decoders as defaults and a decoder may override. The
 * keys, their parsing and their defaults are rows of the settings table
 * (settings_internal.h). */
#ifndef CFAVRO_OPTIONS_INTERNAL_H
#define CFAVRO_OPTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfavro.h"
#include "json_options_internal.h"
#include "walk_limits_internal.h"

/* A decoder's options: what the walk enforces and how JSON is rendered. */
typedef struct cf_options {
    cf_walk_limits walk;
    cf_json_options json;
} cf_options;

/* The documented defaults (the settings table's decoder rows). */
void cf_options_default(cf_options *opt);

#endif
