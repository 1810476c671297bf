/* Directory sources: schema.dir (the offline default) and the persistence
 * directory, one file per schema, named by cf_source_file_name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "source_internal.h"

int cf_source_dir_read(const char *dir, const char *name, const cf_schema_key *key,
                       size_t max_bytes, char *path, size_t path_cap, char **text, size_t *len,
                       cfavro_error *err)
{
    *text = NULL;
    *len = 0;
    int k = snprintf(path, path_cap, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= path_cap) {
        return cf_error_set(err, CFAVRO_E_CONFIG, CFAVRO_NO_OFFSET,
                            "schema directory path too long");
    }
    /* Non-blocking open, then a regular-file check: a FIFO or device in the
     * directory must not block this thread (and every miss behind the
     * lock). Close-on-exec: the library must not leak descriptors. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            char what[CF_KEY_TEXT_SIZE];
            cf_key_describe(key, what);
            return cf_error_set(err, CFAVRO_E_SCHEMA_NOT_FOUND, CFAVRO_NO_OFFSET,
                                "%s not found (no file %s)", what, path);
        }
        return cf_error_set(err, CFAVRO_E_IO, CFAVRO_NO_OFFSET, "cannot open %s: %s", path,
                            strerror(errno));
    }
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        close(fd);
        return cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    }
    struct stat st;
    int rc = CFAVRO_OK;
    char *buf = NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = cf_error_set(err, CFAVRO_E_IO, CFAVRO_NO_OFFSET, "%s is not a regular file", path);
    } else if ((uint64_t)st.st_size > max_bytes) {
        rc = cf_error_set(err, CFAVRO_E_LIMIT_SCHEMA, CFAVRO_NO_OFFSET,
                          "%s is %lld bytes, over limit.schema.bytes (%zu)", path,
                          (long long)st.st_size, max_bytes);
    } else if ((buf = cf_malloc((size_t)st.st_size + 1)) == NULL) {
        rc = cf_error_set(err, CFAVRO_E_NOMEM, CFAVRO_NO_OFFSET, "out of memory");
    } else {
        size_t got = fread(buf, 1, (size_t)st.st_size, f);
        if (got != (size_t)st.st_size || ferror(f)) {
            rc = cf_error_set(err, CFAVRO_E_IO, CFAVRO_NO_OFFSET, "cannot read %s", path);
        } else {
            buf[got] = '\0';
            *text = buf;
            *len = got;
            buf = NULL;
        }
    }
    cf_free(buf);
    fclose(f);
    return rc;
}
