/* Writer and reader schemas the reader-schema tests share: T version 1 (a),
 * T version 2 (a, and b with a default: a reader may add it, drop it), and T
 * with a of another type (incompatible with both), plus one message of each
 * version and the JSON each decodes to. */
#ifndef CFAVRO_TEST_READER_SCHEMAS_H
#define CFAVRO_TEST_READER_SCHEMAS_H

#include <stdint.h>

#define T_V1 "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"
#define T_V2                                                                                  \
    "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"    \
    "{\"name\":\"b\",\"type\":\"int\",\"default\":7}]}"
#define T_BAD "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"

/* id 1 (T_V1): a = "x"; id 2 (T_V2): a = "y", b = 5. */
static const uint8_t MSG_V1[] = {0, 0, 0, 0, 1, 2, 'x'};
static const uint8_t MSG_V2[] = {0, 0, 0, 0, 2, 2, 'y', 10};
#define JSON_V1 "{\"a\":\"x\"}"
#define JSON_V2 "{\"a\":\"y\",\"b\":5}"
/* What the real resolver makes of them with the other version as reader. */
#define JSON_V1_AS_V2 "{\"a\":\"x\",\"b\":7}"
#define JSON_V2_AS_V1 "{\"a\":\"y\"}"

#endif
