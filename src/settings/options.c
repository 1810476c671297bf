/* Defaults of the decoder options, taken from the settings table so that the
 * documented default and the applied one are the same text. */
#include "options_internal.h"

#include "settings_internal.h"

void cf_options_default(cf_options *opt)
{
    *opt = (cf_options){0};
    cf_settings_target target = {.options = opt};
    /* Decoder rows store numbers only: nothing to allocate, nothing to fail. */
    (void)cf_settings_apply_defaults(&target, NULL);
}

void cf_json_options_default(cf_json_options *opt)
{
    cf_options all;
    cf_options_default(&all);
    *opt = all.json;
}

void cf_walk_limits_default(cf_walk_limits *limits)
{
    cf_options all;
    cf_options_default(&all);
    *limits = all.walk;
}
