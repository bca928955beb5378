/*
 * The configuration engine (bl_conf.h): GKeyFile tokenizes, the tables say what each key
 * means; every problem is recorded with its file, line, group and key.
 */
#include "bl_conf.h"
#include "bl_result.h"
#include "bl_trap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BL_CONF_ERRORS_MAX 50 /* a hostile file does not get a report of a million lines */

struct bl_conf {
    char *path;
    char *text;
    size_t text_len;
    unsigned mode;
    GKeyFile *kf;
    GString *errors;
    unsigned n_errors;
};

/* ---- the file ---- */

int
bl_conf_read_file(const char *path, size_t max, char **text, unsigned *mode)
{
    struct stat st;
    size_t got = 0;
    ssize_t n = 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int rc = 0;

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
        *mode = (unsigned) st.st_mode;
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

/* The line at p, blanks stripped to *s..*e; *eol its end. \return the next line's start. */
static const char *
next_line(const char *p, const char **s, const char **e, const char **eol)
{
    *eol = strchrnul(p, '\n');
    *s = p;
    *e = *eol;
    while (*s < *e && g_ascii_isspace(**s)) {
        (*s)++;
    }
    while (*e > *s && g_ascii_isspace((*e)[-1])) {
        (*e)--;
    }
    return **eol != '\0' ? *eol + 1 : *eol;
}

/* A group or key name as GKeyFile takes it: not empty, none of `refused`, no control. */
static bool
name_ok(const char *s, const char *e, const char *refused)
{
    for (const char *c = s; c < e; c++) {
        if (strchr(refused, *c) != NULL || g_ascii_iscntrl(*c)) {
            return false;
        }
    }
    return e > s;
}

/* The key of a "key = value" line s..e (its end in *key_end), or NULL when it is not one. */
static const char *
key_of(const char *s, const char *e, const char **key_end)
{
    const char *eq = memchr(s, '=', (size_t) (e - s));

    if (eq == NULL) {
        return NULL;
    }
    *key_end = eq;
    while (*key_end > s && g_ascii_isspace((*key_end)[-1])) {
        (*key_end)--;
    }
    return s;
}

/* What GKeyFile would refuse in the line s..e (stripped), or NULL. */
static const char *
line_problem(const char *s, const char *e, bool in_group)
{
    const char *key_end = NULL;

    if (s == e || *s == '#') {
        return NULL;
    }
    if (!g_utf8_validate(s, e - s, NULL)) {
        return "not UTF-8 text";
    }
    if (*s == '[') {
        return e[-1] == ']' && name_ok(s + 1, e - 1, "[]") ? NULL : "not a [group] header";
    }
    if (key_of(s, e, &key_end) == NULL) {
        return "not a [group], a 'key = value' line or a # comment";
    }
    if (!name_ok(s, key_end, "[]=")) {
        return "not a key name before '='";
    }
    return in_group ? NULL : "a key before the first [group]";
}

static int G_GNUC_PRINTF(5, 6) fail_at(struct bl_conf *f, unsigned line, const char *group,
                                       const char *key, const char *fmt, ...);

/* Every line GKeyFile would refuse is reported with its number and blanked in the copy it
 * reads, as are the keys under a refused [group] header: the rest of the file is still
 * checked, so one report has every problem. */
static void
scan_lines(struct bl_conf *f, char *copy)
{
    const char *s;
    const char *e;
    const char *eol;
    bool in_group = false;
    bool skipping = false;
    unsigned n = 0;

    for (const char *p = f->text; *p != '\0';) {
        const char *start = p;
        const char *why;

        p = next_line(p, &s, &e, &eol);
        n++;
        why = line_problem(s, e, in_group);
        if (skipping && why != NULL && *s != '[') {
            why = NULL; /* under a refused header: skipped, as its valid keys are */
        }
        if (why == NULL && s < e && *s == '[') {
            in_group = true;
            skipping = false;
        }
        if (why != NULL) {
            fail_at(f, n, NULL, NULL, "%s", why);
            skipping = skipping || (s < e && *s == '[');
        }
        if (why != NULL || (skipping && s < e && *s != '#')) {
            memset(copy + (start - f->text), ' ', (size_t) (eol - start));
        }
    }
}

static int
tokenize(struct bl_conf *f, struct bl_conf **out, char **errmsg)
{
    g_autoptr(GError) gerr = NULL;
    char *copy = g_malloc0(f->text_len + 1);
    bool loaded;

    f->kf = g_key_file_new();
    f->errors = g_string_new(NULL);
    memcpy(copy, f->text, f->text_len);
    scan_lines(f, copy);
    loaded = g_key_file_load_from_data(f->kf, copy, f->text_len, G_KEY_FILE_NONE, &gerr);
    explicit_bzero(copy, f->text_len);
    g_free(copy);
    if (!loaded) {
        if (errmsg != NULL) {
            *errmsg = g_strdup_printf("%s: %s", f->path, gerr->message);
        }
        bl_conf_close(f);
        return BL_E_INVALID;
    }
    *out = f;
    return BL_OK;
}

int
bl_conf_open(const char *path, struct bl_conf **out, char **errmsg)
{
    struct bl_conf *f;
    int rc;

    if (path == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    f = g_new0(struct bl_conf, 1);
    f->path = g_strdup(path);
    rc = bl_conf_read_file(path, BL_CONF_FILE_MAX, &f->text, &f->mode);
    if (rc != BL_OK) {
        if (errmsg != NULL) {
            *errmsg = g_strdup_printf("%s: %s", path, g_strerror(-rc));
        }
        bl_conf_close(f);
        return rc;
    }
    f->text_len = strlen(f->text);
    return tokenize(f, out, errmsg);
}

int
bl_conf_open_data(const char *name, const char *text, size_t len, struct bl_conf **out,
                  char **errmsg)
{
    struct bl_conf *f;

    if (name == NULL || (text == NULL && len > 0) || out == NULL) {
        return BL_E_INVALID;
    }
    f = g_new0(struct bl_conf, 1);
    f->path = g_strdup(name);
    f->text = g_malloc0(len + 1);
    if (len > 0) {
        memcpy(f->text, text, len);
    }
    f->text_len = len;
    f->mode = 0600;
    return tokenize(f, out, errmsg);
}

void
bl_conf_close(struct bl_conf *f)
{
    if (f == NULL) {
        return;
    }
    if (f->kf != NULL) {
        g_key_file_free(f->kf);
    }
    if (f->text != NULL) {
        explicit_bzero(f->text, f->text_len);
        g_free(f->text);
    }
    if (f->errors != NULL) {
        g_string_free(f->errors, TRUE);
    }
    g_free(f->path);
    g_free(f);
}

GKeyFile *
bl_conf_keyfile(const struct bl_conf *f)
{
    return f->kf;
}

const char *
bl_conf_path(const struct bl_conf *f)
{
    return f->path;
}

bool
bl_conf_world_readable(const struct bl_conf *f)
{
    return (f->mode & S_IROTH) != 0;
}

/* ---- errors ---- */

/* [name] on this line (s..e stripped)? */
static bool
is_header(const char *s, const char *e, const char *group)
{
    size_t len = strlen(group);

    return e - s >= 2 && s[0] == '[' && e[-1] == ']' && (size_t) (e - s - 2) == len &&
           strncmp(s + 1, group, len) == 0;
}

/* "key =" on this line (s..e stripped)? */
static bool
is_key(const char *s, const char *e, const char *key)
{
    const char *eq = memchr(s, '=', (size_t) (e - s));
    size_t len = strlen(key);

    while (eq != NULL && eq > s && g_ascii_isspace(eq[-1])) {
        eq--;
    }
    return eq != NULL && (size_t) (eq - s) == len && strncmp(s, key, len) == 0;
}

/* GKeyFile does not say where a key was: the 1-based line of the last "key =" in [group]
 * (the value GKeyFile keeps), else of the [group] header; 0 when neither is there. */
static unsigned
line_of(const char *text, const char *group, const char *key)
{
    unsigned n = 0;
    unsigned header = 0;
    unsigned found = 0;
    bool inside = false;
    const char *s;
    const char *e;
    const char *eol;

    for (const char *p = text; *p != '\0';) {
        p = next_line(p, &s, &e, &eol);
        n++;
        if (s < e && *s == '[') {
            inside = is_header(s, e, group);
            header = inside && header == 0 ? n : header;
        } else if (inside && key != NULL && is_key(s, e, key)) {
            found = n;
        }
    }
    return found != 0 ? found : header;
}

unsigned
bl_conf_line(const struct bl_conf *f, const char *group, const char *key)
{
    return line_of(f->text, group, key);
}

/* Whether that exact line is already in the report: a reader that looks at one group for
 * several nodes reports its problem once. */
static bool
already_said(const GString *errors, const char *line)
{
    size_t len = strlen(line);

    for (const char *p = errors->str; (p = strstr(p, line)) != NULL; p++) {
        if ((p == errors->str || p[-1] == '\n') && (p[len] == '\0' || p[len] == '\n')) {
            return true;
        }
    }
    return false;
}

static int
fail_at(struct bl_conf *f, unsigned line, const char *group, const char *key, const char *fmt, ...)
{
    g_autofree char *why = NULL;
    g_autofree char *text = NULL;
    va_list ap;

    if (f->n_errors >= BL_CONF_ERRORS_MAX) {
        if (f->n_errors++ == BL_CONF_ERRORS_MAX) {
            g_string_append_printf(f->errors, "\n%s: more problems not shown", f->path);
        }
        return BL_E_INVALID;
    }
    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (group == NULL) {
        text = g_strdup_printf("%s:%u: %s", f->path, line, why);
    } else {
        text = g_strdup_printf("%s:%u: [%s]%s%s: %s", f->path, line, group, key != NULL ? " " : "",
                               key != NULL ? key : "", why);
    }
    if (!already_said(f->errors, text)) {
        g_string_append_printf(f->errors, "%s%s", f->errors->len > 0 ? "\n" : "", text);
        f->n_errors++;
    }
    return BL_E_INVALID;
}

int
bl_conf_fail(struct bl_conf *f, const char *group, const char *key, const char *fmt, ...)
{
    g_autofree char *why = NULL;
    va_list ap;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return fail_at(f, line_of(f->text, group, key), group, key, "%s", why);
}

int
bl_conf_check_repeats(struct bl_conf *f)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *group = NULL;
    const char *s;
    const char *e;
    const char *eol;
    const char *key_end;
    unsigned n = 0;
    int rc = BL_OK;

    for (const char *p = f->text; *p != '\0';) {
        p = next_line(p, &s, &e, &eol);
        n++;
        if (s == e || *s == '#' || line_problem(s, e, group != NULL) != NULL) {
            continue;
        }
        if (*s == '[') {
            g_free(group);
            group = g_strndup(s + 1, (size_t) (e - s - 2));
            if (!g_hash_table_add(seen, g_strdup_printf("[%s]", group))) {
                rc = fail_at(f, n, group, NULL, "declared twice in this file");
            }
        } else if (key_of(s, e, &key_end) != NULL) {
            g_autofree char *key = g_strndup(s, (size_t) (key_end - s));
            if (!g_hash_table_add(seen, g_strdup_printf("[%s]%s", group, key))) {
                rc = fail_at(f, n, group, key, "given twice");
            }
        }
    }
    return rc;
}

int
bl_conf_result(const struct bl_conf *f, char **errmsg)
{
    if (f->n_errors == 0) {
        return BL_OK;
    }
    if (errmsg != NULL) {
        *errmsg = g_strdup(f->errors->str);
    }
    return BL_E_INVALID;
}

/* ---- values onto structs ---- */

char *
bl_conf_expects(const struct bl_conf_key *k)
{
    switch (k->type) {
        case BL_CONF_BOOL:
            return g_strdup("a boolean: yes/no, true/false, on/off, y/n, 1/0");
        case BL_CONF_UINT:
        case BL_CONF_INT:
            return g_strdup_printf("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                                   k->min, k->max);
        case BL_CONF_MS:
            return g_strdup_printf("a duration from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                   " ms: 500, 500ms, 2s, 1min, PT1M",
                                   k->min, k->max);
        case BL_CONF_SECONDS:
            return g_strdup_printf("a duration from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                   " s in whole seconds: 30, 30s, 2min, PT2M",
                                   k->min, k->max);
        case BL_CONF_DURATION:
            return g_strdup_printf("a duration from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                   " ms: 30 (seconds), 500ms, 30s, 2min, PT2M",
                                   k->min, k->max);
        case BL_CONF_STRING:
        case BL_CONF_STRDUP:
            if (k->choices != NULL) {
                return g_strdup_printf("one of %s", k->choices);
            }
            return (k->flags & BL_CONF_ABSPATH) != 0
                       ? g_strdup("an absolute path")
                       : g_strdup_printf("%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " characters",
                                         k->min, k->max > 0 ? k->max : (int64_t) G_MAXINT);
        case BL_CONF_ADDRESS:
            return g_strdup("a numeric IPv4 or IPv6 address, optionally with :port");
        case BL_CONF_HOST:
            return g_strdup("a numeric IPv4 or IPv6 address");
        case BL_CONF_CUSTOM:
            break;
    }
    return g_strdup(k->choices != NULL ? k->choices : "a valid value");
}

static int
store_number(const struct bl_conf_key *k, const char *text, void *dst)
{
    g_autoptr(GError) gerr = NULL;
    int64_t v = 0;
    uint64_t ms = 0;

    switch (k->type) {
        case BL_CONF_MS:
        case BL_CONF_DURATION:
        case BL_CONF_SECONDS:
            if (bl_conf_parse_duration(text, k->type == BL_CONF_MS ? 1 : 1000, &ms) != BL_OK ||
                (k->type == BL_CONF_SECONDS && ms % 1000 != 0)) {
                return BL_E_INVALID;
            }
            v = (int64_t) (k->type == BL_CONF_SECONDS ? ms / 1000 : ms);
            break;
        default:
            /* the sign and the digits only: strtoll would also take blanks and a '+' */
            if (!g_ascii_isdigit(text[0]) && !(text[0] == '-' && g_ascii_isdigit(text[1]))) {
                return BL_E_INVALID;
            }
            if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &v, &gerr)) {
                return BL_E_INVALID;
            }
            break;
    }
    if (v < k->min || v > k->max) {
        return BL_E_INVALID;
    }
    if (k->type == BL_CONF_INT) {
        *(int64_t *) dst = v;
    } else {
        *(uint32_t *) dst = (uint32_t) v;
    }
    return BL_OK;
}

static int
store_string(const struct bl_conf_key *k, const char *text, void *dst)
{
    size_t len = strlen(text);

    if ((int64_t) len < k->min || (k->max > 0 && (int64_t) len > k->max)) {
        return BL_E_INVALID;
    }
    if ((k->flags & BL_CONF_ABSPATH) != 0 && len > 0 && text[0] != '/') {
        return BL_E_INVALID;
    }
    if (k->choices != NULL) {
        g_auto(GStrv) choices = g_strsplit(k->choices, "|", -1);
        if (!g_strv_contains((const gchar *const *) choices, text)) {
            return BL_E_INVALID;
        }
    }
    if (k->type == BL_CONF_STRDUP) {
        g_free(*(char **) dst);
        *(char **) dst = g_strdup(text);
    } else {
        memcpy(dst, text, len + 1);
    }
    return BL_OK;
}

static int
store_address(const struct bl_conf_key *k, const char *text, void *dst)
{
    struct bl_trap_addr a;

    if (k->type == BL_CONF_HOST && text[0] == '\0') {
        *(char *) dst = '\0'; /* unset */
        return BL_OK;
    }
    if (bl_trap_addr_parse(text, (uint16_t) k->min, &a) != BL_OK) {
        return BL_E_INVALID;
    }
    if (k->type == BL_CONF_ADDRESS) {
        *(struct bl_trap_addr *) dst = a;
        return BL_OK;
    }
    /* a host alone: "10.0.0.1:623" would parse, and so would "[::1]" */
    if (text[0] == '[' || (a.family == AF_INET && strchr(text, ':') != NULL) ||
        (int64_t) strlen(text) > k->max) {
        return BL_E_INVALID;
    }
    memcpy(dst, text, strlen(text) + 1);
    return BL_OK;
}

static int
store_value(const struct bl_conf_key *k, const char *text, void *base)
{
    void *dst = (char *) base + k->offset;

    switch (k->type) {
        case BL_CONF_BOOL:
            return bl_conf_parse_bool(text, dst);
        case BL_CONF_UINT:
        case BL_CONF_INT:
        case BL_CONF_MS:
        case BL_CONF_DURATION:
        case BL_CONF_SECONDS:
            return store_number(k, text, dst);
        case BL_CONF_STRING:
        case BL_CONF_STRDUP:
            return store_string(k, text, dst);
        case BL_CONF_ADDRESS:
        case BL_CONF_HOST:
            return store_address(k, text, dst);
        case BL_CONF_CUSTOM:
            return k->parse != NULL ? k->parse(k, text, base) : BL_E_INVALID;
    }
    return BL_E_INVALID;
}

int
bl_conf_store(struct bl_conf *f, const char *group, const struct bl_conf_key *k, const char *text,
              void *base)
{
    g_autofree char *expects = NULL;

    if (text != NULL && store_value(k, text, base) == BL_OK) {
        return BL_OK;
    }
    if (f == NULL) {
        return BL_E_INVALID;
    }
    expects = bl_conf_expects(k);
    if ((k->flags & BL_CONF_SECRET) != 0 || text == NULL) {
        return bl_conf_fail(f, group, k->key, "invalid value (expected %s)", expects);
    }
    return bl_conf_fail(f, group, k->key, "invalid value '%s' (expected %s)", text, expects);
}

const struct bl_conf_key *
bl_conf_find(const struct bl_conf_key *table, const char *kind, const char *key)
{
    for (const struct bl_conf_key *k = table; k->key != NULL; k++) {
        if ((kind == NULL || strcmp(k->group, kind) == 0) && strcmp(k->key, key) == 0) {
            return k;
        }
    }
    return NULL;
}

int
bl_conf_defaults(const struct bl_conf_key *table, const char *kind, void *base)
{
    int rc = BL_OK;

    for (const struct bl_conf_key *k = table; k->key != NULL; k++) {
        if (strcmp(k->group, kind) == 0 && k->def != NULL && store_value(k, k->def, base) != 0) {
            rc = BL_E_INVALID; /* a broken table: the unit tests load every default */
        }
    }
    return rc;
}

int
bl_conf_apply(struct bl_conf *f, const char *group, const struct bl_conf_key *table,
              const char *const *kinds, void *base)
{
    g_auto(GStrv) keys = g_key_file_get_keys(f->kf, group, NULL, NULL);
    int rc = BL_OK;

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        const struct bl_conf_key *k = NULL;
        char *value;

        for (size_t j = 0; kinds[j] != NULL && k == NULL; j++) {
            k = bl_conf_find(table, kinds[j], keys[i]);
        }
        if (k == NULL) {
            rc = bl_conf_fail(f, group, keys[i], "unknown key");
            continue;
        }
        value = (k->flags & BL_CONF_RAW) != 0 ? g_key_file_get_value(f->kf, group, keys[i], NULL)
                                              : g_key_file_get_string(f->kf, group, keys[i], NULL);
        if (bl_conf_store(f, group, k, value != NULL ? g_strstrip(value) : NULL, base) != 0) {
            rc = BL_E_INVALID;
        }
        if (value != NULL) {
            explicit_bzero(value, strlen(value)); /* it may be a secret */
            g_free(value);
        }
    }
    return rc;
}

int
bl_conf_required(struct bl_conf *f, const char *group, const struct bl_conf_key *table,
                 const char *kind)
{
    int rc = BL_OK;

    for (const struct bl_conf_key *k = table; k->key != NULL; k++) {
        if ((k->flags & BL_CONF_REQUIRED) != 0 && strcmp(k->group, kind) == 0 &&
            !g_key_file_has_key(f->kf, group, k->key, NULL)) {
            rc = bl_conf_fail(f, group, k->key, "missing (required)");
        }
    }
    return rc;
}

/* The row that makes [group] known: its group, or its named group "GROUP NAME". */
static const struct bl_conf_key *
group_row(const struct bl_conf_key *const *tables, size_t n, const char *group)
{
    for (size_t t = 0; t < n; t++) {
        for (const struct bl_conf_key *k = tables[t]; k->key != NULL; k++) {
            size_t len = strlen(k->group);
            bool named = (k->flags & BL_CONF_NAMED) != 0;

            if (strncmp(group, k->group, len) == 0 &&
                (named ? group[len] == ' ' && group[len + 1] != '\0' : group[len] == '\0')) {
                return k;
            }
        }
    }
    return NULL;
}

/* Whether a key of that name is a secret anywhere ([bmc-node] takes [bmc]'s keys). */
static bool
is_secret(const struct bl_conf_key *const *tables, size_t n, const char *key)
{
    for (size_t t = 0; t < n; t++) {
        for (const struct bl_conf_key *k = tables[t]; k->key != NULL; k++) {
            if ((k->flags & BL_CONF_SECRET) != 0 && strcmp(k->key, key) == 0) {
                return true;
            }
        }
    }
    return false;
}

int
bl_conf_check_groups(struct bl_conf *f, const struct bl_conf_key *const *tables, size_t n,
                     bool all_known)
{
    g_auto(GStrv) groups = g_key_file_get_groups(f->kf, NULL);
    int rc = BL_OK;

    for (size_t g = 0; groups[g] != NULL; g++) {
        g_auto(GStrv) keys = NULL;

        if (group_row(tables, n, groups[g]) == NULL) {
            rc = all_known ? bl_conf_fail(f, groups[g], NULL, "unknown group") : rc;
            continue;
        }
        keys = bl_conf_world_readable(f) ? g_key_file_get_keys(f->kf, groups[g], NULL, NULL) : NULL;
        for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
            if (is_secret(tables, n, keys[i])) {
                rc = bl_conf_fail(f, groups[g], keys[i],
                                  "a secret in a world-readable file (chmod o-r)");
            }
        }
    }
    return rc;
}
