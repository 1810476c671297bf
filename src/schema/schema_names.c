/* Arena, string table, Avro name rules and JSON escaping for the schema
 * compiler. See schema_names_internal.h. */
#include "schema_names_internal.h"

#include <stdalign.h>
#include <string.h>

#include "alloc_internal.h"
#include "bytes_internal.h"
#include "compiler_internal.h"

/* ------------------------------------------------------------------------ */
/* Arena                                                                     */
/* ------------------------------------------------------------------------ */

struct cf_arena_block {
    cf_arena_block *next;
    size_t cap;  /* bytes in data[] */
    size_t used;
    max_align_t data[]; /* aligned for anything we put there */
};

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_MIN_BLOCK ((size_t)1024)
/* Blocks stop doubling here: a huge schema gets a few dozen 1 MiB blocks
 * rather than one block twice its size. */
#define ARENA_MAX_BLOCK ((size_t)1 << 20)

void cf_arena_init(cf_arena *a, size_t first_size)
{
    a->head = NULL;
    if (first_size < ARENA_MIN_BLOCK) {
        first_size = ARENA_MIN_BLOCK;
    }
    if (first_size > ARENA_MAX_BLOCK) {
        first_size = ARENA_MAX_BLOCK;
    }
    a->next_size = first_size;
}

static cf_arena_block *arena_block_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(cf_arena_block)) {
        return NULL;
    }
    cf_arena_block *b = cf_malloc(sizeof(cf_arena_block) + cap);
    if (b != NULL) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

void *cf_arena_alloc(cf_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2) {
        return NULL;
    }
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0) {
        size = ARENA_ALIGN;
    }
    cf_arena_block *b = a->head;
    if (b != NULL && b->cap - b->used >= size) {
        unsigned char *p = (unsigned char *)b->data + b->used;
        b->used += size;
        return p;
    }
    if (size >= a->next_size / 2) {
        /* A large request gets a block of its own, chained behind the head
         * so the head's free space stays usable. */
        cf_arena_block *big = arena_block_new(size);
        if (big == NULL) {
            return NULL;
        }
        big->used = size;
        if (b == NULL) {
            a->head = big;
        } else {
            big->next = b->next;
            b->next = big;
        }
        return big->data;
    }
    cf_arena_block *nb = arena_block_new(a->next_size);
    if (nb == NULL) {
        return NULL;
    }
    if (a->next_size < ARENA_MAX_BLOCK) {
        a->next_size *= 2;
    }
    nb->next = b;
    a->head = nb;
    nb->used = size;
    return nb->data;
}

void *cf_arena_calloc(cf_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / 2 / size) {
        return NULL;
    }
    void *p = cf_arena_alloc(a, n * size);
    if (p != NULL) {
        memset(p, 0, n * size);
    }
    return p;
}

int cf_arena_str(cf_arena *a, const char *s, size_t len, cf_str *out)
{
    if (len >= UINT32_MAX) {
        return -1;
    }
    char *p = cf_arena_alloc(a, len + 1);
    if (p == NULL) {
        return -1;
    }
    if (len > 0) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    out->ptr = p;
    out->len = (uint32_t)len;
    return 0;
}

static size_t json_escaped_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
            c == '\t') {
            n += 2;
        } else if (c < 0x20 || c == 0x7f) {
            n += 6; /* \u00XX */
        } else {
            n += 1;
        }
    }
    return n;
}

static char *json_escape(char *d, const char *s, size_t len)
{
    const char *hex = cf_hex_digits;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc != NULL) {
            *d++ = esc[0];
            *d++ = esc[1];
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(d, "\\u00", 4);
            d[4] = hex[c >> 4];
            d[5] = hex[c & 15];
            d += 6;
        } else {
            *d++ = (char)c; /* UTF-8 bytes pass through: jansson checked them */
        }
    }
    return d;
}

int cf_arena_json_wrap(cf_arena *a, const char *pre, const char *s, size_t len,
                       const char *post, cf_str *out)
{
    size_t lp = strlen(pre), lq = strlen(post);
    if (len > UINT32_MAX / 8) {
        return -1;
    }
    size_t total = lp + json_escaped_len(s, len) + lq;
    char *p = cf_arena_alloc(a, total + 1);
    if (p == NULL) {
        return -1;
    }
    memcpy(p, pre, lp);
    char *d = json_escape(p + lp, s, len);
    memcpy(d, post, lq);
    d[lq] = '\0';
    out->ptr = p;
    out->len = (uint32_t)total;
    return 0;
}

void cf_arena_release(cf_arena_block *head)
{
    while (head != NULL) {
        cf_arena_block *next = head->next;
        cf_free(head);
        head = next;
    }
}

/* ------------------------------------------------------------------------ */
/* String table                                                              */
/* ------------------------------------------------------------------------ */

/* Its address differs per process under ASLR: a free, race-free seed. */
static const char seed_anchor = 0;

static uint32_t str_hash(uint32_t space, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u ^ ((uint64_t)(uintptr_t)&seed_anchor * 0x9e3779b97f4a7c15u);
    h = (h ^ space) * 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return (uint32_t)h;
}

void cf_strtab_init(cf_strtab *t)
{
    t->slots = NULL;
    t->cap = 0;
    t->count = 0;
    t->gen = 1;
}

void cf_strtab_free(cf_strtab *t)
{
    cf_free(t->slots);
    cf_strtab_init(t);
}

void cf_strtab_reset(cf_strtab *t)
{
    t->count = 0;
    t->gen++;
    if (t->gen == 0) { /* wrapped: stale stamps could look live again */
        if (t->slots != NULL) {
            memset(t->slots, 0, (size_t)t->cap * sizeof *t->slots);
        }
        t->gen = 1;
    }
}

static cf_strtab_entry *strtab_find(const cf_strtab *t, uint32_t space, const char *key,
                                    size_t len, uint32_t h)
{
    uint32_t mask = t->cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        cf_strtab_entry *e = &t->slots[i];
        if (e->gen != t->gen) {
            return e; /* free slot: key absent */
        }
        if (e->space == space && e->len == len && memcmp(e->key, key, len) == 0) {
            return e;
        }
    }
}

uint32_t cf_strtab_get_in(const cf_strtab *t, uint32_t space, const char *key, size_t len)
{
    if (t->cap == 0 || len >= UINT32_MAX) {
        return CF_STRTAB_MISSING;
    }
    cf_strtab_entry *e = strtab_find(t, space, key, len, str_hash(space, key, len));
    return e->gen == t->gen ? e->value : CF_STRTAB_MISSING;
}

uint32_t cf_strtab_get(const cf_strtab *t, const char *key, size_t len)
{
    return cf_strtab_get_in(t, 0, key, len);
}

static int strtab_grow(cf_strtab *t)
{
    if (t->cap >= ((uint32_t)1 << 30)) {
        return -1;
    }
    uint32_t ncap = t->cap == 0 ? 16 : t->cap * 2;
    cf_strtab_entry *ns = cf_calloc(ncap, sizeof *ns);
    if (ns == NULL) {
        return -1;
    }
    cf_strtab old = *t;
    t->slots = ns;
    t->cap = ncap;
    t->gen = 1;
    for (uint32_t i = 0; i < old.cap; i++) {
        cf_strtab_entry *e = &old.slots[i];
        if (e->gen == old.gen) {
            cf_strtab_entry *d =
                strtab_find(t, e->space, e->key, e->len, str_hash(e->space, e->key, e->len));
            *d = *e;
            d->gen = 1;
        }
    }
    cf_free(old.slots);
    return 0;
}

int cf_strtab_put_in(cf_strtab *t, uint32_t space, const char *key, size_t len, uint32_t value,
                     uint32_t *existing)
{
    if (len >= UINT32_MAX) {
        return -1;
    }
    /* Keep the load at or below one half so probe runs stay short. */
    if ((uint64_t)(t->count + 1) * 2 > t->cap && strtab_grow(t) != 0) {
        return -1;
    }
    cf_strtab_entry *e = strtab_find(t, space, key, len, str_hash(space, key, len));
    if (e->gen == t->gen) {
        *existing = e->value;
        return 0;
    }
    e->key = key;
    e->len = (uint32_t)len;
    e->space = space;
    e->value = value;
    e->gen = t->gen;
    t->count++;
    *existing = CF_STRTAB_MISSING;
    return 0;
}

int cf_strtab_put(cf_strtab *t, const char *key, size_t len, uint32_t value, uint32_t *existing)
{
    return cf_strtab_put_in(t, 0, key, len, value, existing);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

static bool name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

bool cf_avro_name_valid(const char *s, size_t len)
{
    if (len == 0 || !name_start((unsigned char)s[0])) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!name_char((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

bool cf_avro_namespace_valid(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!cf_avro_name_valid(s + start, i - start)) {
                return false;
            }
            start = i + 1;
        }
    }
    return true;
}

int cf_avro_primitive_kind(const char *s, size_t len)
{
    static const char *const names[] = {"null",   "boolean", "int",   "long",
                                        "float",  "double",  "bytes", "string"};
    for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++) {
        if (strlen(names[k]) == len && memcmp(names[k], s, len) == 0) {
            return k; /* the table is in cf_kind order: CF_NULL .. CF_STRING */
        }
    }
    return -1;
}

const char *cf_msg_text(char *buf, size_t cap, const char *s, size_t len)
{
    if (cap < 8) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    size_t room = cap - 4; /* space for "..." and the NUL */
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
