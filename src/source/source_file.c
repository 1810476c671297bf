/* File names shared by schema.dir and the persistence directory, and the
 * atomic write the persistence directory uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bytes_internal.h"
#include "error_internal.h"
#include "registry_text_internal.h"
#include "source_internal.h"

static bool plain_name_byte(unsigned char b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
           b == '.' || b == '_' || b == '-';
}

int cf_source_file_name(const cf_schema_key *key, const char *context,
                        char name[CF_SOURCE_NAME_MAX], cfavro_error *err)
{
    if (cf_key_kind_of(key) == CF_KEY_GUID) {
        uint8_t guid[CFAVRO_GUID_SIZE];
        char text[CF_GUID_TEXT_LEN + 1];
        cf_key_guid_of(key, guid);
        cf_guid_format(guid, text);
        snprintf(name, CF_SOURCE_NAME_MAX, "%s.avsc", text);
        return CFAVRO_OK;
    }
    size_t n = 0;
    if (context != NULL && context[0] != '\0') {
        /* ":" + context (each byte 1 or 3 chars) + ":" + id + ".avsc". */
        name[n++] = ':';
        for (const unsigned char *p = (const unsigned char *)context; *p != '\0'; p++) {
            if (n + 3 + 1 + 11 + 5 + 1 > CF_SOURCE_NAME_MAX) {
                return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                                    "config schema.registry.context: too long for a file name");
            }
            if (plain_name_byte(*p)) {
                name[n++] = (char)*p;
            } else {
                name[n++] = '%';
                name[n++] = cf_hex_digits[*p >> 4];
                name[n++] = cf_hex_digits[*p & 0x0f];
            }
        }
        name[n++] = ':';
    }
    snprintf(name + n, CF_SOURCE_NAME_MAX - n, "%d.avsc", (int)cf_key_id_of(key));
    return CFAVRO_OK;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Make the rename itself durable: a crash right after it could otherwise
 * lose the new name (the file's bytes were synced before). Best effort: the
 * file is in place either way, and some file systems refuse fsync on a
 * directory. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int cf_source_dir_write(const char *dir, const char *name, const char *text, size_t len,
                        cfavro_error *err)
{
    char path[4096];
    char tmp[4096 + 64];
    static _Atomic unsigned long serial;
    unsigned long n = atomic_fetch_add_explicit(&serial, 1, memory_order_relaxed);
    int k1 = snprintf(path, sizeof path, "%s/%s", dir, name);
    /* Hidden, and unique per process and call: concurrent writers never
     * share a temporary file, and the directory source never reads one. */
    int k2 = snprintf(tmp, sizeof tmp, "%s/.%s.%ld.%lu.tmp", dir, name, (long)getpid(), n);
    if (k1 < 0 || (size_t)k1 >= sizeof path || k2 < 0 || (size_t)k2 >= sizeof tmp) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "config cfavro.registry.persist.dir: path too long");
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return cf_error_set(err, CFAVRO_E_IO, CFAVRO_NO_OFFSET, "cannot create %s: %s", tmp,
                            strerror(errno));
    }
    int failed = write_all(fd, text, len) != 0 || fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed || rename(tmp, path) != 0) {
        if (!failed) {
            saved = errno;
        }
        unlink(tmp);
        return cf_error_set(err, CFAVRO_E_IO, CFAVRO_NO_OFFSET, "cannot write %s: %s", path,
                            strerror(saved));
    }
    sync_dir(dir);
    return CFAVRO_OK;
}
