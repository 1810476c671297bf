/* A program built against an *installed* cfavro with the avro-c bridge:
 * <cfavro.h>, <cfavro_avro.h> and `pkg-config --cflags --libs cfavro-avro`
 * only. Decodes one message into an avro-c value and reads it back with
 * avro-c's getters; exits non-zero on any disagreement. */
#include <cfavro.h>
#include <cfavro_avro.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char schema[] =
        "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
        "{\"name\":\"s\",\"type\":\"string\"}]}";
    /* Schema id 300, then x = 21 (zig-zag 0x2a) and s = "hi". */
    const unsigned char msg[] = {0x00, 0x00, 0x00, 0x01, 0x2c, 0x2a, 0x04, 'h', 'i'};
    cfavro_error err;
    cfavro_client *client = cfavro_client_new(NULL, &err);
    if (client == NULL ||
        cfavro_client_add_schema(client, 300, schema, sizeof schema - 1, &err) != CFAVRO_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    cfavro_decoder *dec = cfavro_decoder_new(client, &err);
    avro_value_t *value = NULL;
    int rc = dec != NULL ? cfavro_decoder_avro_value(dec, msg, sizeof msg, &value) : -1;
    if (rc == CFAVRO_OK) {
        rc = cfavro_decode_avro(dec, msg, sizeof msg, value);
    }
    if (rc != CFAVRO_OK) {
        fprintf(stderr, "decode: %d %s\n", rc, cfavro_decoder_error(dec)->message);
        return 1;
    }
    avro_value_t x, s;
    int32_t xv = 0;
    const char *sv = NULL;
    size_t size = 0;
    if (avro_value_get_by_name(value, "x", &x, NULL) != 0 || avro_value_get_int(&x, &xv) != 0 ||
        avro_value_get_by_name(value, "s", &s, NULL) != 0 ||
        avro_value_get_string(&s, &sv, &size) != 0 || xv != 21 || size != 3 ||
        strcmp(sv, "hi") != 0) {
        fprintf(stderr, "unexpected value\n");
        return 1;
    }
    printf("cfavro %s avro bridge: x=%d s=%s\n", cfavro_version(), (int)xv, sv);
    cfavro_decoder_free(dec);
    cfavro_client_free(client);
    return 0;
}
