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

/* ---- value parsers ---- */

int
bl_conf_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "y", "1"};
    static const char *const no[] = {"no", "false", "off", "n", "0"};

    for (size_t i = 0; text != NULL && i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0 || g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = g_ascii_strcasecmp(text, yes[i]) == 0;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

/* *acc += n * factor, within UINT32_MAX (a duration no timer of ours could hold is refused). */
static int
add_scaled(uint64_t *acc, uint64_t n, uint64_t factor)
{
    if (n > (UINT32_MAX - *acc) / factor) {
        return -ERANGE;
    }
    *acc += n * factor;
    return BL_OK;
}

/* A run of NUMBER DESIGNATOR pairs, designators in the order given, each at most once. */
static int
iso_fields(const char **p, const char *designators, const uint64_t *factors, uint64_t *ms,
           bool *any)
{
    size_t next = 0;

    while (g_ascii_isdigit(**p)) {
        char *end = NULL;
        const char *d;
        uint64_t n;

        errno = 0;
        n = g_ascii_strtoull(*p, &end, 10);
        if (errno != 0) {
            return -ERANGE;
        }
        d = *end != '\0' ? strchr(designators + next, *end) : NULL;
        if (d == NULL) {
            return BL_E_INVALID;
        }
        if (add_scaled(ms, n, factors[d - designators]) != BL_OK) {
            return -ERANGE;
        }
        next = (size_t) (d - designators) + 1;
        *p = end + 1;
        *any = true;
    }
    return BL_OK;
}

/* ISO 8601 P[nW][nD][T[nH][nM][nS]]: years and months have no fixed length, so none. */
static int
parse_iso_duration(const char *text, uint64_t *ms)
{
    static const uint64_t date_f[] = {7 * 86400000ull, 86400000ull};
    static const uint64_t time_f[] = {3600000ull, 60000ull, 1000ull};
    const char *p = text + 1;
    bool any = false;
    bool any_time = false;
    uint64_t v = 0;
    int rc = iso_fields(&p, "WD", date_f, &v, &any);

    if (rc == BL_OK && *p == 'T') {
        p++;
        rc = iso_fields(&p, "HMS", time_f, &v, &any_time);
        rc = rc == BL_OK && !any_time ? BL_E_INVALID : rc;
    }
    if (rc == BL_OK && (*p != '\0' || !(any || any_time))) {
        rc = BL_E_INVALID;
    }
    if (rc == BL_OK) {
        *ms = v;
    }
    return rc;
}

int
bl_conf_parse_duration(const char *text, uint64_t bare_ms, uint64_t *ms)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1},    {"msec", 1},    {"s", 1000},    {"sec", 1000},
                 {"m", 60000}, {"min", 60000}, {"h", 3600000}, {"hr", 3600000}};
    g_autofree char *copy = text != NULL ? g_strstrip(g_strdup(text)) : NULL;
    char *end = NULL;
    uint64_t n;
    uint64_t v = 0;

    if (copy == NULL || ms == NULL) {
        return BL_E_INVALID;
    }
    if (copy[0] == 'P') {
        return parse_iso_duration(copy, ms);
    }
    if (!g_ascii_isdigit(copy[0])) {
        return BL_E_INVALID;
    }
    errno = 0;
    n = g_ascii_strtoull(copy, &end, 10);
    if (errno != 0) {
        return -ERANGE;
    }
    end = g_strchug(end);
    for (size_t i = 0; *end != '\0' && i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(end, units[i].unit) == 0) {
            bare_ms = units[i].ms;
            end += strlen(end);
        }
    }
    if (*end != '\0' || bare_ms == 0) {
        return BL_E_INVALID;
    }
    if (add_scaled(&v, n, bare_ms) != BL_OK) {
        return -ERANGE;
    }
    *ms = v;
    return BL_OK;
}

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

static int
tokenize(struct bl_conf *f, struct bl_conf **out, char **errmsg)
{
    g_autoptr(GError) gerr = NULL;

    f->kf = g_key_file_new();
    f->errors = g_string_new(NULL);
    if (!g_key_file_load_from_data(f->kf, f->text, f->text_len, G_KEY_FILE_NONE, &gerr)) {
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

    for (const char *p = text; *p != '\0';) {
        const char *eol = strchrnul(p, '\n');
        const char *s = p;
        const char *e = eol;

        n++;
        while (s < e && g_ascii_isspace(*s)) {
            s++;
        }
        while (e > s && g_ascii_isspace(e[-1])) {
            e--;
        }
        if (s < e && *s == '[') {
            inside = is_header(s, e, group);
            header = inside && header == 0 ? n : header;
        } else if (inside && key != NULL && is_key(s, e, key)) {
            found = n;
        }
        p = *eol != '\0' ? eol + 1 : eol;
    }
    return found != 0 ? found : header;
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

int
bl_conf_fail(struct bl_conf *f, const char *group, const char *key, const char *fmt, ...)
{
    g_autofree char *why = NULL;
    g_autofree char *line = NULL;
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
    line = g_strdup_printf("%s:%u: [%s]%s%s: %s", f->path, line_of(f->text, group, key), group,
                           key != NULL ? " " : "", key != NULL ? key : "", why);
    if (!already_said(f->errors, line)) {
        g_string_append_printf(f->errors, "%s%s", f->errors->len > 0 ? "\n" : "", line);
        f->n_errors++;
    }
    return BL_E_INVALID;
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
        case BL_CONF_SECONDS:
            if (bl_conf_parse_duration(text, k->type == BL_CONF_MS ? 1 : 1000, &ms) != BL_OK ||
                (k->type == BL_CONF_SECONDS && ms % 1000 != 0)) {
                return BL_E_INVALID;
            }
            v = (int64_t) (k->type == BL_CONF_MS ? ms : ms / 1000);
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
        value = (k->flags & BL_CONF_RAW) != 0
                    ? g_key_file_get_value(f->kf, group, keys[i], NULL)
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
