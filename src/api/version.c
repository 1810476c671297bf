#include "cfavro.h"

const char *cfavro_version(void)
{
    return CFAVRO_VERSION_STRING;
}

unsigned cfavro_version_number(void)
{
    return CFAVRO_VERSION_NUMBER;
}
