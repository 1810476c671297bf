// The public header as a C++ program includes it (STYLE habit 18): built
// with the C++ compiler (C++11, the build's warnings; errors in --werror
// builds), linked against the C library, so every declaration must have C
// linkage, and run. Add each new public header (cfavro_avro.h with the
// avro-c bridge) here with a use of its declarations.
#include <cfavro.h>
#include <cfavro.h> // twice: the include guard holds

#include <cstdio>
#include <cstring>
#include <string>

// The constants are usable in constant expressions.
static_assert(CFAVRO_OK == 0, "CFAVRO_OK is 0");
static_assert(CFAVRO_VERSION_NUMBER ==
                  CFAVRO_VERSION_MAJOR * 10000 + CFAVRO_VERSION_MINOR * 100 + CFAVRO_VERSION_PATCH,
              "version number");
static_assert(CFAVRO_E_DATA_VARINT / 100 * 100 == CFAVRO_CLASS_DATA, "status classes");
static_assert(sizeof(cfavro_frame::guid) == CFAVRO_GUID_SIZE, "GUID size");

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                \
        }                                                                            \
    } while (0)

// Owns a handle the C++ way, to show the _free functions fit a deleter.
template <typename T, void (*Free)(T *)> struct owned {
    T *p;
    explicit owned(T *q) : p(q) {}
    ~owned() { Free(p); }
    owned(const owned &) = delete;
    owned &operator=(const owned &) = delete;
};

int main()
{
    CHECK(std::strcmp(cfavro_version(), CFAVRO_VERSION_STRING) == 0);
    CHECK(cfavro_version_number() == CFAVRO_VERSION_NUMBER);
    CHECK(cfavro_status_class(CFAVRO_E_DATA_VARINT) == CFAVRO_CLASS_DATA);
    CHECK(std::strlen(cfavro_strerror(CFAVRO_E_DATA_VARINT)) > 0);

    // A V0 message for schema 42 carrying the Avro int 42 (zig-zag 84).
    unsigned char msg[CFAVRO_HEADER_V0_SIZE + 1] = {};
    CHECK(cfavro_frame_write_v0(42, msg, sizeof msg) == CFAVRO_OK);
    msg[CFAVRO_HEADER_V0_SIZE] = 84;
    cfavro_frame frame;
    cfavro_error err;
    CHECK(cfavro_frame_parse(msg, sizeof msg, &frame, &err) == CFAVRO_OK);
    CHECK(frame.kind == CFAVRO_FRAME_V0 && frame.schema_id == 42 && frame.payload_size == 1);
    CHECK(cfavro_frame_parse(msg, 2, &frame, &err) == CFAVRO_E_FRAME_SHORT);
    CHECK(err.status == CFAVRO_E_FRAME_SHORT && err.message[0] != '\0');

    owned<cfavro_config, cfavro_config_free> cfg(cfavro_config_new());
    CHECK(cfg.p != nullptr);
    CHECK(cfavro_config_set(cfg.p, "json.union", "plain", &err) == CFAVRO_OK);
    CHECK(cfavro_config_set(cfg.p, "no.such.key", "x", &err) == CFAVRO_E_CONFIG);
    owned<cfavro_client, cfavro_client_free> client(cfavro_client_new(cfg.p, &err));
    CHECK(client.p != nullptr);
    const std::string schema = "\"int\"";
    CHECK(cfavro_client_add_schema(client.p, 42, schema.data(), schema.size(), &err) ==
          CFAVRO_OK);
    {
        owned<cfavro_decoder, cfavro_decoder_free> dec(cfavro_decoder_new(client.p, &err));
        CHECK(dec.p != nullptr);
        const char *json = nullptr;
        size_t json_len = 0;
        CHECK(cfavro_decode_json(dec.p, msg, sizeof msg, &json, &json_len) == CFAVRO_OK);
        CHECK(std::string(json, json_len) == "42");
        CHECK(cfavro_validate(dec.p, msg, sizeof msg) == CFAVRO_OK);

        const void *const msgs[] = {msg, msg};
        const size_t lens[] = {sizeof msg, 3};
        cfavro_batch_result results[2];
        const char *ndjson = nullptr;
        size_t ndjson_len = 0, failed = 0;
        CHECK(cfavro_decode_batch_json(dec.p, msgs, lens, 2, results, &ndjson, &ndjson_len,
                                       &failed) == CFAVRO_OK);
        CHECK(failed == 1 && std::string(ndjson, ndjson_len) == "42\n");
        CHECK(results[0].status == CFAVRO_OK && results[1].status == CFAVRO_E_FRAME_SHORT);
        CHECK(cfavro_decoder_error(dec.p)->status == CFAVRO_E_FRAME_SHORT);
    }
    cfavro_decoder_free(nullptr); // _free(NULL) is a no-op
    std::puts("cfavro.h works from C++");
    return 0;
}
