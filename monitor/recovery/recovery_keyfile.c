/*
 * The key-file machinery under recovery_config.c: typed rows stored by offset, the file read
 * through one O_CLOEXEC descriptor, errors naming file, line, group and key (recovery_keyfile.h).
 */
#include "recovery_keyfile.h"
#include "bl_pet.h"
#include "bl_result.h"
#include "recovery.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define BK_FILE_MAX (1u << 20) /* a configuration file larger than this is refused */

/* ---- values ---- */

static int
bk_hex_byte(const char *text, uint8_t *out)
{
    char *end = NULL;
    unsigned long v;

    if (!g_ascii_isxdigit(text[0]) && !(text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))) {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoul(text, &end, 16);
    if (errno != 0 || end == text || *end != '\0' || v > 0xff) {
        return BL_E_INVALID;
    }
    *out = (uint8_t) v;
    return BL_OK;
}

int
bl_notice_cmd_parse(const char *text, struct bl_notice_cmd *out)
{
    g_auto(GStrv) parts = NULL;
    struct bl_notice_cmd c = {0};
    size_t n;

    if (text == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    parts = g_strsplit_set(text, ": ", -1);
    n = g_strv_length(parts);
    if (n < 2 || n - 2 > BL_NOTICE_DATA_MAX || bk_hex_byte(parts[0], &c.netfn) != BL_OK ||
        bk_hex_byte(parts[1], &c.cmd) != BL_OK || c.netfn > 0x3f) {
        return BL_E_INVALID;
    }
    for (size_t i = 2; i < n; i++) {
        if (bk_hex_byte(parts[i], &c.data[c.len++]) != BL_OK) {
            return BL_E_INVALID;
        }
    }
    *out = c;
    return BL_OK;
}

static int
bk_codes(const char *text, uint8_t *codes)
{
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);

    if (g_strv_length(parts) != BL_REC_RESULT_COUNT) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < BL_REC_RESULT_COUNT; i++) {
        if (bk_hex_byte(g_strstrip(parts[i]), &codes[i]) != BL_OK) {
            return BL_E_INVALID;
        }
    }
    return BL_OK;
}

static int
bk_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (!g_ascii_isdigit(text[0])) {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return BL_E_INVALID;
    }
    *out = (uint32_t) v;
    return BL_OK;
}

static int
bk_priv(const char *text, enum bl_ipmi_priv *out)
{
    static const struct {
        const char *name;
        enum bl_ipmi_priv priv;
    } names[] = {{"user", BL_IPMI_PRIV_USER},
                 {"operator", BL_IPMI_PRIV_OPERATOR},
                 {"administrator", BL_IPMI_PRIV_ADMIN},
                 {"admin", BL_IPMI_PRIV_ADMIN}};

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *out = names[i].priv;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

static int
bk_string(const char *text, uint32_t min, uint32_t max, char *out)
{
    size_t len = strlen(text);

    if (len < min || len > max) {
        return BL_E_INVALID;
    }
    memcpy(out, text, len + 1);
    return BL_OK;
}

static int
bk_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
            *out = strcasecmp(text, yes[i]) == 0;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

static int
bk_kg(const char *text, uint32_t max, char *out)
{
    uint8_t kg[BL_IPMI_KG_MAX];
    size_t len = 0;
    int rc = bl_ipmi_parse_kg_hex(text, kg, &len);

    explicit_bzero(kg, sizeof(kg));
    return rc == BL_OK ? bk_string(text, 0, max, out) : BL_E_INVALID;
}

static int
bk_store(const struct bk_row *row, const char *text, void *base)
{
    void *dst = (char *) base + row->off;

    switch (row->type) {
        case BK_BOOL:
            return bk_bool(text, dst);
        case BK_U32:
            return bk_u32(text, row->min, row->max, dst);
        case BK_STR:
        case BK_SECRET:
            return bk_string(text, row->min, row->max, dst);
        case BK_KG:
            return bk_kg(text, row->max, dst);
        case BK_CMD:
            return bl_notice_cmd_parse(text, dst);
        case BK_KIND:
            return bl_rec_kind_parse(text, dst);
        case BK_PRIV:
            return bk_priv(text, dst);
        case BK_SEVERITY:
            return bl_pet_severity_parse(text, dst);
        case BK_CODES:
            return bk_codes(text, dst);
    }
    return BL_E_INVALID;
}

/* ---- the file ---- */

/* 1-based line of "key =" inside "[group]", else of "[group]"; 0 when neither is there. */
static unsigned
bk_line_of(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *header = g_strdup_printf("[%s]", group);
    unsigned header_line = 0;
    bool inside = false;

    for (unsigned n = 0; lines[n] != NULL; n++) {
        char *l = g_strstrip(lines[n]);
        char *eq = strchr(l, '=');

        if (l[0] == '[') {
            inside = strcmp(l, header) == 0;
            header_line = inside && header_line == 0 ? n + 1 : header_line;
            continue;
        }
        if (inside && key != NULL && eq != NULL) {
            *eq = '\0';
            if (strcmp(g_strchomp(l), key) == 0) {
                return n + 1;
            }
        }
    }
    return header_line;
}

int
bk_fail(const struct bk_file *f, const char *group, const char *key, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    snprintf(f->err, f->errlen, "%s:%u: [%s]%s%s: %s", f->path, bk_line_of(f->text, group, key),
             group, key != NULL ? " " : "", key != NULL ? key : "", what);
    return BL_E_INVALID;
}

/* The row for key in [group]: rows of any of the kinds (a NULL-terminated list). */
static const struct bk_row *
bk_row(const struct bk_file *f, const char *const *kinds, const char *key)
{
    for (size_t i = 0; i < f->n_rows; i++) {
        const struct bk_row *r = &f->rows[i];

        for (size_t k = 0; kinds[k] != NULL; k++) {
            if (strcmp(r->doc.group, kinds[k]) == 0 && strcmp(r->doc.key, key) == 0) {
                return r;
            }
        }
    }
    return NULL;
}

int
bk_defaults(const struct bk_file *f, const char *kind, void *base)
{
    for (size_t i = 0; i < f->n_rows; i++) {
        const struct bk_row *r = &f->rows[i];

        if (strcmp(r->doc.group, kind) == 0 && r->doc.defval != NULL &&
            bk_store(r, r->doc.defval, base) != BL_OK) {
            return BL_E_INVALID; /* a broken table: caught by the unit tests */
        }
    }
    return BL_OK;
}

int
bk_apply(const struct bk_file *f, const char *group, const char *const *kinds, void *base)
{
    g_auto(GStrv) keys = g_key_file_get_keys(f->kf, group, NULL, NULL);

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        const struct bk_row *r = bk_row(f, kinds, keys[i]);
        g_autofree char *value = g_key_file_get_string(f->kf, group, keys[i], NULL);

        if (r == NULL) {
            return bk_fail(f, group, keys[i], "unknown key");
        }
        if (value == NULL || bk_store(r, g_strstrip(value), base) != BL_OK) {
            int rc = r->type == BK_SECRET || r->type == BK_KG || value == NULL
                         ? bk_fail(f, group, keys[i], "invalid value")
                         : bk_fail(f, group, keys[i], "invalid value '%s'", value);
            if (value != NULL) {
                explicit_bzero(value, strlen(value));
            }
            return rc;
        }
        explicit_bzero(value, strlen(value)); /* it may be a secret */
    }
    return BL_OK;
}

int
bk_slurp(const char *path, size_t max, char **text, mode_t *mode)
{
    struct stat st;
    size_t got = 0;
    ssize_t n = 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
    } else if ((size_t) st.st_size > max) {
        rc = -EFBIG;
    } else {
        *mode = st.st_mode;
        *text = g_malloc0((size_t) st.st_size + 1);
        while (n > 0 && got < (size_t) st.st_size) {
            n = read(fd, *text + got, (size_t) st.st_size - got);
            got += n > 0 ? (size_t) n : 0;
        }
        rc = n < 0 ? -errno : 0;
    }
    close(fd);
    return rc;
}

int
bk_open(struct bk_file *f)
{
    g_autoptr(GError) gerr = NULL;
    mode_t mode = 0;
    int rc = bk_slurp(f->path, BK_FILE_MAX, &f->text, &mode);

    if (rc != BL_OK) {
        snprintf(f->err, f->errlen, "%s: %s", f->path, g_strerror(-rc));
        return rc;
    }
    f->kf = g_key_file_new();
    if (!g_key_file_load_from_data(f->kf, f->text, (gsize) -1, G_KEY_FILE_NONE, &gerr)) {
        snprintf(f->err, f->errlen, "%s: %s", f->path, gerr->message);
        return BL_E_INVALID;
    }
    if ((mode & S_IROTH) != 0 &&
        g_regex_match_simple("^\\s*(password|kg)\\s*=", f->text, G_REGEX_MULTILINE, 0)) {
        snprintf(f->err, f->errlen, "%s: holds a BMC password or key but is world-readable",
                 f->path);
        return BL_E_INVALID;
    }
    return BL_OK;
}

void
bk_close(struct bk_file *f)
{
    if (f->kf != NULL) {
        g_key_file_free(f->kf);
    }
    if (f->text != NULL) {
        explicit_bzero(f->text, strlen(f->text));
        g_free(f->text);
    }
}
