/* A program built against an *installed* cfavro: only <cfavro.h> and
 * `pkg-config --cflags --libs cfavro`. It exits non-zero if the library it
 * loaded disagrees with the header it was compiled with or misparses a frame. */
#include <cfavro.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    if (strcmp(cfavro_version(), CFAVRO_VERSION_STRING) != 0 ||
        cfavro_version_number() != CFAVRO_VERSION_NUMBER) {
        fprintf(stderr, "header says %s, library says %s\n", CFAVRO_VERSION_STRING,
                cfavro_version());
        return 1;
    }

    /* Schema id 300 (0x12c), then Avro int 1 (zig-zag 0x02). */
    const unsigned char msg[] = {0x00, 0x00, 0x00, 0x01, 0x2c, 0x02};
    cfavro_frame frame;
    cfavro_error err;
    int rc = cfavro_frame_parse(msg, sizeof msg, &frame, &err);
    if (rc != CFAVRO_OK || frame.kind != CFAVRO_FRAME_V0 || frame.schema_id != 300 ||
        frame.payload != msg + 5 || frame.payload_size != 1) {
        fprintf(stderr, "parse failed: %d %s\n", rc, err.message);
        return 1;
    }

    int32_t id = frame.schema_id;
    size_t payload_size = frame.payload_size;

    const char json[] = "{\"a\":1}";
    rc = cfavro_frame_parse(json, sizeof json - 1, &frame, &err);
    if (rc != CFAVRO_E_FRAME_MAGIC || strstr(err.message, "JSON text") == NULL) {
        fprintf(stderr, "expected a JSON-text framing error, got %d %s\n", rc, err.message);
        return 1;
    }

    printf("cfavro %s: schema id %d, payload %zu byte(s); bad input: %s\n",
           cfavro_version(), (int)id, payload_size,
           cfavro_strerror(rc));
    return 0;
}
