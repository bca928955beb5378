#include "reg_text.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "bl_result.h"

#define HEADER "Windows Registry Editor Version 5.00"
#define HIVE "HKEY_LOCAL_MACHINE"
#define WRAP 76 /* regedit's hex lines stay under 80 columns */

/* ---------------------------------------------------------------- export */

void
bl_reg_text_begin(struct bl_reg_text_writer *w)
{
    g_string_append(w->out, HEADER "\r\n");
}

static void
put_quoted(GString *out, const char *s, size_t len)
{
    g_string_append_c(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '"') {
            g_string_append_c(out, '\\');
        }
        g_string_append_c(out, s[i]);
    }
    g_string_append_c(out, '"');
}

/* Hex bytes after a value's "name"=hex...: prefix, wrapped as regedit wraps them. */
static void
put_hex(GString *out, size_t line_start, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(out, "%02x", p[i]);
        if (i + 1 < len) {
            g_string_append_c(out, ',');
            if (out->len - line_start >= WRAP) {
                g_string_append(out, "\\\r\n  ");
                line_start = out->len - 2;
            }
        }
    }
}

/* UTF-8 (one string, or NUL-separated strings) to UTF-16LE with every NUL kept. */
static GByteArray *
to_utf16le(const uint8_t *p, size_t len)
{
    GByteArray *out = g_byte_array_new();
    size_t start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '\0') {
            continue;
        }
        glong n = 0;
        gunichar2 *u = i > start ? g_utf8_to_utf16((const char *) p + start, (glong) (i - start),
                                                   NULL, &n, NULL)
                                 : NULL;
        for (glong k = 0; u != NULL && k < n; k++) {
            guint8 b[2] = {(guint8) (u[k] & 0xff), (guint8) (u[k] >> 8)};
            g_byte_array_append(out, b, 2);
        }
        g_free(u);
        if (i < len) {
            g_byte_array_append(out, (const guint8 *) "\0\0", 2);
        }
        start = i + 1;
    }
    return out;
}

static bool
printable(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

static void
put_utf16_value(GString *out, size_t line_start, const char *tag, const uint8_t *p, size_t len,
                bool list)
{
    /* A string gets its terminating NUL, a list its closing empty string. */
    GByteArray *u = to_utf16le(p, len);

    g_byte_array_append(u, (const guint8 *) "\0\0", 2);
    if (list && len == 0) {
        g_byte_array_append(u, (const guint8 *) "\0\0", 2);
    }
    g_string_append(out, tag);
    put_hex(out, line_start, u->data, u->len);
    g_byte_array_unref(u);
}

static void
put_value(GString *out, const char *name, const struct bl_reg_value *v)
{
    size_t line_start = out->len;
    uint32_t dw = 0;

    if (name[0] == '\0') {
        g_string_append_c(out, '@');
    } else {
        put_quoted(out, name, strlen(name));
    }
    g_string_append_c(out, '=');
    switch (v->type) {
        case BL_REG_SZ:
            if (printable(v->data, v->len)) {
                put_quoted(out, (const char *) v->data, v->len);
            } else {
                put_utf16_value(out, line_start, "hex(1):", v->data, v->len, false);
            }
            break;
        case BL_REG_EXPAND_SZ:
            put_utf16_value(out, line_start, "hex(2):", v->data, v->len, false);
            break;
        case BL_REG_MULTI_SZ:
            /* Our data already ends with a NUL per string: drop the last one, the
             * conversion adds it back with the list's terminator. */
            put_utf16_value(out, line_start, "hex(7):", v->data, v->len > 0 ? v->len - 1 : 0, true);
            break;
        case BL_REG_DWORD:
            for (int i = 3; i >= 0; i--) {
                dw = dw << 8 | v->data[i];
            }
            g_string_append_printf(out, "dword:%08x", dw);
            break;
        default:
            g_string_append_printf(out, v->type == BL_REG_BINARY ? "hex:" : "hex(%x):", v->type);
            put_hex(out, line_start, v->data, v->len);
            break;
    }
    g_string_append(out, "\r\n");
}

static void
put_key(GString *out, const char *path, unsigned flags)
{
    g_autofree char *win = g_strdup(path);

    g_strdelimit(win, "/", '\\');
    g_string_append(out, "\r\n[");
    if ((flags & BL_REG_TEXT_HKLM) != 0) {
        g_string_append(out, HIVE);
        if (path[0] != '\0') {
            g_string_append_c(out, '\\');
        }
    }
    g_string_append_printf(out, "%s]\r\n", win);
}

int
bl_reg_text_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    struct bl_reg_text_writer *w = data;

    if (v == NULL) {
        put_key(w->out, path, w->flags);
    } else {
        put_value(w->out, name, v);
    }
    return 0;
}

/* ---------------------------------------------------------------- import */

struct parser {
    struct bl_reg_ops *ops;
    unsigned flags;
    char *key; /* current key; NULL before the first [key] or after a [-key] */
    int line;
    char *err;
};

static int fail(struct parser *p, int rc, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int
fail(struct parser *p, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_free(p->err);
    p->err = g_strdup_printf("line %d: %s", p->line, what);
    return rc;
}

/* The file as UTF-8: UTF-16LE when it starts with its byte order mark. */
static char *
file_text(const uint8_t *data, size_t len)
{
    if (len >= 2 && data[0] == 0xff && data[1] == 0xfe) {
        size_t n = (len - 2) / 2;
        gunichar2 *u = g_new(gunichar2, n + 1);
        for (size_t i = 0; i < n; i++) {
            u[i] = (gunichar2) (data[2 + 2 * i] | data[3 + 2 * i] << 8);
        }
        char *s = g_utf16_to_utf8(u, (glong) n, NULL, NULL, NULL);
        g_free(u);
        return s;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (g_utf8_validate_len((const char *) data, len, NULL) == FALSE) {
        return NULL;
    }
    return g_strndup((const char *) data, len);
}

static int
parse_key(struct parser *p, char *line)
{
    size_t len = strlen(line);
    bool del = line[1] == '-';
    char *path = NULL;

    if (line[len - 1] != ']') {
        return fail(p, BL_E_INVALID, "key line does not end with ']'");
    }
    line[len - 1] = '\0';
    int rc = bl_reg_path_normalize(line + (del ? 2 : 1), &path);
    if (rc != 0) {
        return fail(p, BL_E_INVALID, "invalid key path: %s", bl_strerror(rc));
    }
    if ((p->flags & BL_REG_TEXT_WOW64) != 0 && g_str_has_prefix(path, "SOFTWARE/Wow6432Node")) {
        const char *rest = path + strlen("SOFTWARE/Wow6432Node");
        char *folded = g_strconcat("SOFTWARE", rest, NULL);
        g_free(path);
        path = folded;
    }
    bl_reg_ops_add(p->ops, del ? BL_REG_OP_DELETE_KEY : BL_REG_OP_CREATE_KEY, path, NULL, NULL);
    g_free(p->key);
    p->key = del ? NULL : path;
    if (del) {
        g_free(path);
    }
    return 0;
}

/* A quoted string with \\ and \" escapes; *pos moves past the closing quote. */
static char *
parse_quoted(const char **pos)
{
    GString *s = g_string_new(NULL);
    const char *c = *pos + 1;

    for (; *c != '\0' && *c != '"'; c++) {
        if (*c == '\\' && (c[1] == '\\' || c[1] == '"')) {
            c++;
        }
        g_string_append_c(s, *c);
    }
    if (*c != '"') {
        g_string_free(s, TRUE);
        return NULL;
    }
    *pos = c + 1;
    return g_string_free(s, FALSE);
}

static int
parse_hex_list(struct parser *p, const char *text, GByteArray *out)
{
    gchar **parts = g_strsplit(text, ",", -1);
    int rc = 0;

    for (int i = 0; rc == 0 && parts[i] != NULL; i++) {
        char *b = g_strstrip(parts[i]);
        if (b[0] == '\0' && parts[i + 1] == NULL) {
            break; /* "hex:" with nothing, or a trailing comma */
        }
        if (strlen(b) != 2 || !g_ascii_isxdigit(b[0]) || !g_ascii_isxdigit(b[1])) {
            rc = fail(p, BL_E_TYPE, "'%s' is not a hex byte", b);
            break;
        }
        guint8 v = (guint8) (g_ascii_xdigit_value(b[0]) << 4 | g_ascii_xdigit_value(b[1]));
        g_byte_array_append(out, &v, 1);
    }
    g_strfreev(parts);
    return rc;
}

/* UTF-16LE bytes to UTF-8 strings, each NUL-terminated in out; stops at the empty string
 * that ends a list (or, for one string, at its terminator). */
static int
from_utf16le(struct parser *p, const GByteArray *in, bool list, GByteArray *out)
{
    size_t n = in->len / 2;
    size_t start = 0;

    if (in->len % 2 != 0) {
        return fail(p, BL_E_TYPE, "odd number of bytes in UTF-16 data");
    }
    for (size_t i = 0; i <= n; i++) {
        bool end = i == n || (in->data[2 * i] == 0 && in->data[2 * i + 1] == 0);
        if (end == false) {
            continue;
        }
        if (i == start && (list || i == n)) {
            break;
        }
        g_autofree gunichar2 *u = g_new(gunichar2, i - start + 1);
        for (size_t k = start; k < i; k++) {
            u[k - start] = (gunichar2) (in->data[2 * k] | in->data[2 * k + 1] << 8);
        }
        g_autofree char *s = g_utf16_to_utf8(u, (glong) (i - start), NULL, NULL, NULL);
        if (s == NULL) {
            return fail(p, BL_E_TYPE, "invalid UTF-16 data");
        }
        g_byte_array_append(out, (const guint8 *) s, (guint) strlen(s) + 1);
        if (list == false) {
            break;
        }
        start = i + 1;
    }
    return 0;
}

static int
hex_value(struct parser *p, unsigned type, const char *list, struct bl_reg_value *v)
{
    GByteArray *raw = g_byte_array_new();
    GByteArray *data = g_byte_array_new();
    int rc = parse_hex_list(p, list, raw);
    bool text = type == BL_REG_SZ || type == BL_REG_EXPAND_SZ || type == BL_REG_MULTI_SZ;

    if (rc == 0 && text) {
        rc = from_utf16le(p, raw, type == BL_REG_MULTI_SZ, data);
        /* One string is stored without its NUL. */
        if (rc == 0 && type != BL_REG_MULTI_SZ && data->len > 0) {
            g_byte_array_set_size(data, data->len - 1);
        }
    } else if (rc == 0) {
        g_byte_array_append(data, raw->data, raw->len);
    }
    if (rc == 0) {
        rc = bl_reg_value_set(v, type, data->data, data->len);
        if (rc != 0) {
            rc =
                fail(p, BL_E_TYPE, "hex(%x) data does not fit its type: %s", type, bl_strerror(rc));
        }
    }
    g_byte_array_unref(raw);
    g_byte_array_unref(data);
    return rc;
}

static int
parse_data(struct parser *p, const char *d, struct bl_reg_value *v)
{
    guint64 n = 0;
    unsigned type = BL_REG_BINARY;
    char *end = NULL;

    if (d[0] == '"') {
        g_autofree char *s = parse_quoted(&d);
        if (s == NULL || *g_strchug((char *) d) != '\0') {
            return fail(p, BL_E_INVALID, "unterminated or malformed string");
        }
        return bl_reg_value_set(v, BL_REG_SZ, s, strlen(s)) == 0
                   ? 0
                   : fail(p, BL_E_TYPE, "string is not valid text");
    }
    if (g_str_has_prefix(d, "dword:")) {
        if (strlen(d + 6) == 0 || strlen(d + 6) > 8 ||
            g_ascii_string_to_unsigned(d + 6, 16, 0, UINT32_MAX, &n, NULL) == FALSE) {
            return fail(p, BL_E_TYPE, "dword needs 1 to 8 hex digits");
        }
        uint8_t le[4] = {(uint8_t) n, (uint8_t) (n >> 8), (uint8_t) (n >> 16), (uint8_t) (n >> 24)};
        return bl_reg_value_set(v, BL_REG_DWORD, le, 4);
    }
    if (g_str_has_prefix(d, "hex(")) {
        type = (unsigned) g_ascii_strtoull(d + 4, &end, 16);
        if (end == d + 4 || g_str_has_prefix(end, "):") == FALSE) {
            return fail(p, BL_E_INVALID, "malformed hex(type): prefix");
        }
        d = end + 2;
    } else if (g_str_has_prefix(d, "hex:")) {
        d += 4;
    } else {
        return fail(p, BL_E_INVALID, "value data must be \"text\", dword:, hex: or -");
    }
    if (bl_reg_type_name(type) == NULL) {
        return fail(p, BL_E_TYPE, "hex(%x) is a registry type bmclink does not store", type);
    }
    return hex_value(p, type, d, v);
}

static int
parse_value(struct parser *p, const char *line)
{
    g_autofree char *name = NULL;
    struct bl_reg_value v = {0};
    const char *pos = line;
    int rc;

    if (p->key == NULL) {
        return fail(p, BL_E_INVALID, "value outside a [key] section");
    }
    if (line[0] == '@') {
        name = g_strdup("");
        pos++;
    } else if ((name = parse_quoted(&pos)) == NULL) {
        return fail(p, BL_E_INVALID, "unterminated value name");
    }
    if (bl_reg_name_check(name, strlen(name)) != 0) {
        return fail(p, BL_E_INVALID, "invalid value name \"%s\"", name);
    }
    while (*pos == ' ') {
        pos++;
    }
    if (*pos++ != '=') {
        return fail(p, BL_E_INVALID, "'=' expected after the value name");
    }
    while (*pos == ' ') {
        pos++;
    }
    if (strcmp(pos, "-") == 0) {
        bl_reg_ops_add(p->ops, BL_REG_OP_DELETE_VALUE, p->key, name, NULL);
        return 0;
    }
    rc = parse_data(p, pos, &v);
    if (rc == 0) {
        bl_reg_ops_add(p->ops, BL_REG_OP_SET, p->key, name, &v);
    }
    bl_reg_value_clear(&v);
    return rc;
}

static int
parse_line(struct parser *p, char *line, bool *seen_header)
{
    if (line[0] == '\0' || line[0] == ';') {
        return 0;
    }
    if (*seen_header == false) {
        *seen_header = true;
        if (strcmp(line, HEADER) == 0) {
            return 0;
        }
        return fail(p, BL_E_UNSUPPORTED, "%s",
                    strcmp(line, "REGEDIT4") == 0
                        ? "REGEDIT4 (ANSI) file: export it again from regedit as a Unicode "
                          "\"Registration File\" (Version 5.00)"
                        : "not a registry file: first line must be \"" HEADER "\"");
    }
    return line[0] == '[' ? parse_key(p, line) : parse_value(p, line);
}

int
bl_reg_text_parse(const uint8_t *data, size_t len, unsigned flags, struct bl_reg_ops *ops,
                  char **errmsg)
{
    struct parser p = {.ops = ops, .flags = flags};
    g_autofree char *text = file_text(data, len);
    gchar **lines;
    bool seen_header = false;
    int rc = 0;

    if (text == NULL) {
        p.line = 1;
        rc = fail(&p, BL_E_INVALID, "file is neither UTF-8 nor UTF-16LE with a byte order mark");
    }
    lines = g_strsplit(text != NULL ? text : "", "\n", -1);
    GString *logical = g_string_new(NULL);
    for (int i = 0; rc == 0 && lines[i] != NULL; i++) {
        char *l = g_strstrip(lines[i]);
        if (logical->len == 0) {
            p.line = i + 1;
        }
        g_string_append(logical, l);
        /* A value's hex data continues on the next line after a trailing backslash. */
        if (l[0] != '[' && g_str_has_suffix(logical->str, "\\") && lines[i + 1] != NULL) {
            g_string_truncate(logical, logical->len - 1);
            continue;
        }
        rc = parse_line(&p, logical->str, &seen_header);
        g_string_truncate(logical, 0);
    }
    if (rc == 0 && seen_header == false) {
        rc = fail(&p, BL_E_UNSUPPORTED, "empty file");
    }
    g_string_free(logical, TRUE);
    g_strfreev(lines);
    g_free(p.key);
    if (errmsg != NULL) {
        *errmsg = p.err;
    } else {
        g_free(p.err);
    }
    return rc;
}
