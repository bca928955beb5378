#include "registry.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bl_result.h"

/* Valid UTF-8 (GLib's check) with no C0 control character and no DEL. */
static bool
text_ok(const char *s, size_t len)
{
    if (g_utf8_validate_len(s, len, NULL) == FALSE) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static int
segment_check(const char *seg, size_t len)
{
    if (len == 0) {
        return BL_E_INVALID;
    }
    if (len > BL_REG_SEGMENT_MAX) {
        return -ENAMETOOLONG;
    }
    if (memchr(seg, '\\', len) != NULL || text_ok(seg, len) == false) {
        return BL_E_INVALID;
    }
    return 0;
}

int
bl_reg_path_check(const char *path, size_t len)
{
    size_t depth = 0;
    size_t start = 0;

    if (len == 0) {
        return 0; /* the root */
    }
    if (len > BL_REG_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '/') {
            continue;
        }
        int rc = segment_check(path + start, i - start);
        if (rc != 0) {
            return rc;
        }
        if (++depth > BL_REG_DEPTH_MAX) {
            return -ENAMETOOLONG;
        }
        start = i + 1;
    }
    return 0;
}

static bool
is_hive_root(const char *seg)
{
    return g_ascii_strcasecmp(seg, "HKEY_LOCAL_MACHINE") == 0 ||
           g_ascii_strcasecmp(seg, "HKLM") == 0;
}

int
bl_reg_path_normalize(const char *in, char **out)
{
    char *p = g_strdup(in);
    char *s;
    size_t len;
    int rc;

    g_strdelimit(p, "\\", '/');
    s = p;
    while (*s == '/') {
        s++;
    }
    len = strlen(s);
    while (len > 0 && s[len - 1] == '/') {
        s[--len] = '\0';
    }
    char *slash = strchr(s, '/');
    char saved = slash != NULL ? *slash : '\0';
    if (slash != NULL) {
        *slash = '\0';
    }
    if (is_hive_root(s)) {
        s = slash != NULL ? slash + 1 : s + len;
    } else if (slash != NULL) {
        *slash = saved;
    }
    *out = NULL;
    rc = bl_reg_path_check(s, strlen(s));
    if (rc == 0) {
        *out = g_strdup(s);
    }
    g_free(p);
    return rc;
}

int
bl_reg_name_check(const char *name, size_t len)
{
    if (len > BL_REG_NAME_MAX) {
        return -ENAMETOOLONG;
    }
    return text_ok(name, len) ? 0 : BL_E_INVALID;
}

static int
multi_check(const uint8_t *data, size_t len)
{
    size_t start = 0;

    if (len == 0) {
        return 0;
    }
    if (data[len - 1] != '\0') {
        return BL_E_TYPE;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\0') {
            continue;
        }
        /* An empty string inside would end the list on Windows: refuse it. */
        if (i == start || g_utf8_validate_len((const char *) data + start, i - start, NULL) == 0) {
            return BL_E_TYPE;
        }
        start = i + 1;
    }
    return 0;
}

int
bl_reg_value_check(enum bl_reg_type type, const uint8_t *data, size_t len)
{
    if (len > BL_REG_DATA_MAX) {
        return -E2BIG;
    }
    switch (type) {
        case BL_REG_SZ:
        case BL_REG_EXPAND_SZ:
            /* An empty string may come with data NULL, which memchr must not see. */
            if (len == 0) {
                return 0;
            }
            if (memchr(data, '\0', len) != NULL ||
                g_utf8_validate_len((const char *) data, len, NULL) == FALSE) {
                return BL_E_TYPE;
            }
            return 0;
        case BL_REG_MULTI_SZ:
            return multi_check(data, len);
        case BL_REG_DWORD:
            return len == 4 ? 0 : BL_E_TYPE;
        case BL_REG_QWORD:
            return len == 8 ? 0 : BL_E_TYPE;
        case BL_REG_BINARY:
        case BL_REG_NONE:
            return 0;
    }
    return BL_E_TYPE;
}

bool
bl_reg_path_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);

    if (n == 0) {
        return true;
    }
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static const struct {
    enum bl_reg_type type;
    const char *name;
    const char *windows;
} type_names[] = {
    {BL_REG_NONE, "none", "REG_NONE"},
    {BL_REG_SZ, "sz", "REG_SZ"},
    {BL_REG_EXPAND_SZ, "expand_sz", "REG_EXPAND_SZ"},
    {BL_REG_BINARY, "binary", "REG_BINARY"},
    {BL_REG_DWORD, "dword", "REG_DWORD"},
    {BL_REG_MULTI_SZ, "multi_sz", "REG_MULTI_SZ"},
    {BL_REG_QWORD, "qword", "REG_QWORD"},
};

const char *
bl_reg_type_name(enum bl_reg_type type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++) {
        if (type_names[i].type == type) {
            return type_names[i].name;
        }
    }
    return NULL;
}

int
bl_reg_type_parse(const char *name, enum bl_reg_type *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++) {
        if (g_ascii_strcasecmp(name, type_names[i].name) == 0 ||
            g_ascii_strcasecmp(name, type_names[i].windows) == 0) {
            *out = type_names[i].type;
            return 0;
        }
    }
    return BL_E_TYPE;
}

int
bl_reg_value_set(struct bl_reg_value *v, enum bl_reg_type type, const void *data, size_t len)
{
    int rc = bl_reg_value_check(type, data, len);

    bl_reg_value_clear(v);
    if (rc != 0) {
        return rc;
    }
    v->type = type;
    v->len = (uint32_t) len;
    v->data = len > 0 ? g_memdup2(data, len) : NULL;
    return 0;
}

void
bl_reg_value_clear(struct bl_reg_value *v)
{
    if (v == NULL) {
        return;
    }
    g_free(v->data);
    memset(v, 0, sizeof(*v));
}

static int
parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    guint64 n = 0;
    GError *err = NULL;
    guint base = 10;

    if (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X")) {
        text += 2;
        base = 16;
    }
    if (g_ascii_string_to_unsigned(text, base, 0, max, &n, &err) == FALSE) {
        int rc = g_error_matches(err, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS)
                     ? -ERANGE
                     : BL_E_TYPE;
        g_error_free(err);
        return rc;
    }
    *out = n;
    return 0;
}

static int
parse_hex_bytes(const char *text, GByteArray *out)
{
    int hi = -1;

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == ',' || *p == ' ' || *p == ':') {
            if (hi >= 0) {
                return BL_E_TYPE; /* a lone nibble before a separator */
            }
            continue;
        }
        int d = g_ascii_xdigit_value(*p);
        if (d < 0) {
            return BL_E_TYPE;
        }
        if (hi < 0) {
            hi = d;
            continue;
        }
        guint8 b = (guint8) (hi << 4 | d);
        g_byte_array_append(out, &b, 1);
        hi = -1;
    }
    return hi < 0 ? 0 : BL_E_TYPE;
}

static void
put_le(GByteArray *out, uint64_t n, size_t width)
{
    for (size_t i = 0; i < width; i++) {
        guint8 b = (guint8) (n >> (8 * i));
        g_byte_array_append(out, &b, 1);
    }
}

static int
text_to_bytes(enum bl_reg_type type, char *const *argv, int argc, GByteArray *out)
{
    uint64_t n = 0;
    int rc;

    if (type == BL_REG_MULTI_SZ || type == BL_REG_NONE) {
        for (int i = 0; i < argc; i++) {
            g_byte_array_append(out, (const guint8 *) argv[i], strlen(argv[i]) + 1);
        }
        return type == BL_REG_NONE && argc > 0 ? BL_E_TYPE : 0;
    }
    if (argc != 1) {
        return BL_E_TYPE;
    }
    switch (type) {
        case BL_REG_DWORD:
        case BL_REG_QWORD:
            rc = parse_u64(argv[0], type == BL_REG_DWORD ? UINT32_MAX : UINT64_MAX, &n);
            if (rc == 0) {
                put_le(out, n, type == BL_REG_DWORD ? 4 : 8);
            }
            return rc;
        case BL_REG_BINARY:
            return parse_hex_bytes(argv[0], out);
        default:
            g_byte_array_append(out, (const guint8 *) argv[0], strlen(argv[0]));
            return 0;
    }
}

int
bl_reg_value_from_text(enum bl_reg_type type, char *const *argv, int argc, struct bl_reg_value *v)
{
    GByteArray *buf = g_byte_array_new();
    int rc = text_to_bytes(type, argv, argc, buf);

    if (rc == 0) {
        rc = bl_reg_value_set(v, type, buf->data, buf->len);
    }
    if (buf->len > 0) {
        explicit_bzero(buf->data, buf->len); /* a value may be a secret */
    }
    g_byte_array_unref(buf);
    return rc;
}

/* Read all of in, at most max bytes; wiped and freed by the caller. */
static int
read_all(FILE *in, size_t max, GString *out)
{
    char chunk[4096];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        if (out->len + n > max) {
            explicit_bzero(chunk, sizeof(chunk));
            return -E2BIG;
        }
        g_string_append_len(out, chunk, (gssize) n);
    }
    explicit_bzero(chunk, sizeof(chunk));
    return ferror(in) ? -EIO : 0;
}

int
bl_reg_value_from_stream(enum bl_reg_type type, FILE *in, struct bl_reg_value *v)
{
    GString *text = g_string_new(NULL);
    int rc = read_all(in, 4 * (size_t) BL_REG_DATA_MAX + 2, text); /* hex text of binary */
    char **argv = NULL;

    if (rc == 0 && memchr(text->str, '\0', text->len) != NULL) {
        rc = BL_E_TYPE;
    }
    if (rc == 0) {
        if (text->len > 0 && text->str[text->len - 1] == '\n') {
            g_string_truncate(text, text->len - 1 - (text->len > 1 && text->str[text->len - 2] == '\r'));
        }
        argv = type == BL_REG_MULTI_SZ && text->len > 0 ? g_strsplit(text->str, "\n", -1)
                                                         : g_new0(char *, 2);
        if (type != BL_REG_MULTI_SZ && type != BL_REG_NONE) {
            argv[0] = g_strdup(text->str);
        }
        rc = bl_reg_value_from_text(type, argv, (int) g_strv_length(argv), v);
    }
    for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) {
        explicit_bzero(argv[i], strlen(argv[i]));
    }
    g_strfreev(argv);
    explicit_bzero(text->str, text->len);
    g_string_free(text, TRUE);
    return rc;
}

static uint64_t
get_le(const uint8_t *p, size_t width)
{
    uint64_t n = 0;

    for (size_t i = 0; i < width; i++) {
        n |= (uint64_t) p[i] << (8 * i);
    }
    return n;
}

/* Append UTF-8 text with its control characters escaped (see bl_reg_value_to_text). */
static void
append_printable(GString *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            g_string_append_printf(s, "\\u%04x", p[++i]); /* C1: U+0080..U+009F */
        } else if (c == '\n' || c == '\r' || c == '\t') {
            g_string_append_c(s, '\\');
            g_string_append_c(s, c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        } else if (c < 0x20 || c == 0x7f) {
            g_string_append_printf(s, "\\x%02x", c);
        } else {
            g_string_append_c(s, (char) c);
        }
    }
}

char *
bl_reg_value_to_text(const struct bl_reg_value *v)
{
    GString *s = g_string_new(NULL);

    switch (v->type) {
        case BL_REG_SZ:
        case BL_REG_EXPAND_SZ:
            append_printable(s, v->data, v->len);
            break;
        case BL_REG_MULTI_SZ:
            for (uint32_t i = 0; i + 1 < v->len;) {
                const uint8_t *str = v->data + i;
                size_t n = strnlen((const char *) str, v->len - 1 - i);
                append_printable(s, str, n);
                i += (uint32_t) n + 1;
                if (i + 1 < v->len) {
                    g_string_append_c(s, '\n');
                }
            }
            break;
        case BL_REG_DWORD:
        case BL_REG_QWORD: {
            uint64_t n = get_le(v->data, v->len);
            g_string_append_printf(s, "%" PRIu64 " (0x%" PRIx64 ")", n, n);
            break;
        }
        default:
            for (uint32_t i = 0; i < v->len; i++) {
                g_string_append_printf(s, i == 0 ? "%02x" : ",%02x", v->data[i]);
            }
            break;
    }
    return g_string_free(s, FALSE);
}

size_t
bl_reg_multi_count(const uint8_t *data, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += data[i] == '\0';
    }
    return n;
}

int
bl_reg_ops_add(struct bl_reg_ops *ops, enum bl_reg_op_kind kind, const char *path, const char *name,
               const struct bl_reg_value *v)
{
    if (ops->n == ops->cap) {
        size_t cap = ops->cap == 0 ? 4 : ops->cap * 2;
        ops->v = g_renew(struct bl_reg_op, ops->v, cap);
        ops->cap = cap;
    }
    struct bl_reg_op *op = &ops->v[ops->n++];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->path = g_strdup(path);
    op->name = g_strdup(name);
    if (v != NULL) {
        op->value.type = v->type;
        op->value.len = v->len;
        op->value.data = v->len > 0 ? g_memdup2(v->data, v->len) : NULL;
    }
    return 0;
}

static int
op_check(const struct bl_reg_op *op)
{
    int rc = bl_reg_path_check(op->path, strlen(op->path));

    if (rc != 0) {
        return rc;
    }
    switch (op->kind) {
        case BL_REG_OP_SET:
        case BL_REG_OP_DELETE_VALUE:
            if (op->name == NULL) {
                return BL_E_INVALID;
            }
            rc = bl_reg_name_check(op->name, strlen(op->name));
            if (rc == 0 && op->kind == BL_REG_OP_SET) {
                rc = bl_reg_value_check(op->value.type, op->value.data, op->value.len);
            }
            return rc;
        case BL_REG_OP_CREATE_KEY:
        case BL_REG_OP_DELETE_KEY:
            return op->name == NULL ? 0 : BL_E_INVALID;
    }
    return BL_E_INVALID;
}

int
bl_reg_ops_check(const struct bl_reg_ops *ops)
{
    for (size_t i = 0; i < ops->n; i++) {
        int rc = op_check(&ops->v[i]);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

void
bl_reg_ops_clear(struct bl_reg_ops *ops)
{
    if (ops == NULL) {
        return;
    }
    for (size_t i = 0; i < ops->n; i++) {
        g_free(ops->v[i].path);
        g_free(ops->v[i].name);
        bl_reg_value_clear(&ops->v[i].value);
    }
    g_free(ops->v);
    memset(ops, 0, sizeof(*ops));
}

void
bl_reg_hash_next(const uint8_t prev[BL_REG_HASH_LEN], const uint8_t *bytes, size_t len,
                 uint8_t out[BL_REG_HASH_LEN])
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize dlen = sizeof(digest);

    g_checksum_update(ck, prev, BL_REG_HASH_LEN);
    g_checksum_update(ck, bytes, (gssize) len);
    g_checksum_get_digest(ck, digest, &dlen);
    g_checksum_free(ck);
    memcpy(out, digest, BL_REG_HASH_LEN);
}

void
bl_reg_hash_hex(const uint8_t hash[BL_REG_HASH_LEN], char buf[2 * BL_REG_HASH_LEN + 1])
{
    for (size_t i = 0; i < BL_REG_HASH_LEN; i++) {
        g_snprintf(buf + 2 * i, 3, "%02x", hash[i]);
    }
}
