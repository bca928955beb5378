#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "bl_result.h"

#define CPG_GROUP_MAX 128 /* Corosync's CPG_MAX_NAME_LENGTH */

const struct bld_option bld_daemon_options[] = {
    {"daemon", "log-level", BLD_OPT_ENUM, "info", 0, 0, "error|warning|notice|info|debug",
     "Highest priority of messages logged."},
    {"daemon", "log-target", BLD_OPT_ENUM, "syslog", 0, 0, "syslog|stderr|both",
     "Where messages go."},
    {"daemon", "ipc-service", BLD_OPT_STRING, "bmclink", 0, 0, NULL,
     "libqb IPC service name of the control socket (bmclink-reg --service must match)."},
    {"daemon", "ipc-group", BLD_OPT_STRING, "", 0, 0, NULL,
     "Group whose members (primary or supplementary group) may use the control socket "
     "besides root (empty: root only)."},
    {"daemon", "log-file", BLD_OPT_STRING, "", 0, 0, NULL,
     "Also log to this file (absolute path, appended to; empty: no file), with "
     "millisecond time stamps."},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* Every module's table; add yours here. */
static const struct bld_option *const tables[] = {
    bld_daemon_options,
    bld_registry_options,
    bld_bmc_options,
};

union bld_value {
    bool b;
    int64_t i;
    char *s;
};

struct bld_config {
    GHashTable *values; /* "section\nkey" -> union bld_value * */
};

static void values_free(GHashTable *values);

static char *
value_key(const char *section, const char *key)
{
    return g_strconcat(section, "\n", key, NULL);
}

static const struct bld_option *
find_option(const char *section, const char *key)
{
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const struct bld_option *o = tables[t]; o->section != NULL; o++) {
            if (strcmp(o->section, section) == 0 && (key == NULL || strcmp(o->key, key) == 0)) {
                return o;
            }
        }
    }
    return NULL;
}

/* GKeyFile does not say where a key was: find its line in the text ourselves. */
static int
line_of(const char *text, const char *section, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *header = g_strdup_printf("[%s]", section);
    bool in_section = false;

    for (int i = 0; lines[i] != NULL; i++) {
        char *l = g_strstrip(lines[i]);
        if (l[0] == '[') {
            in_section = strcmp(l, header) == 0;
            continue;
        }
        char *eq = strchr(l, '=');
        if (in_section && key != NULL && eq != NULL) {
            *eq = '\0';
            if (strcmp(g_strstrip(l), key) == 0) {
                return i + 1;
            }
        } else if (in_section && key == NULL) {
            return i; /* the header's line */
        }
    }
    return 0;
}

struct loader {
    const char *path;
    const char *text;
    GKeyFile *kf;
    GHashTable *values;
    char *err;
};

static int fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static int
fail(struct loader *l, const char *section, const char *key, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    int line = l->text != NULL ? line_of(l->text, section, key) : 0;
    l->err = key != NULL
                 ? g_strdup_printf("%s:%d: key '%s' in [%s]: %s", l->path, line, key, section, what)
                 : g_strdup_printf("%s:%d: [%s]: %s", l->path, line, section, what);
    return BL_E_INVALID;
}

static int
parse_value(struct loader *l, const struct bld_option *o, const char *raw, union bld_value *v)
{
    GError *gerr = NULL;

    switch (o->type) {
        case BLD_OPT_BOOL:
            if (g_ascii_strcasecmp(raw, "true") == 0 || strcmp(raw, "1") == 0 ||
                g_ascii_strcasecmp(raw, "yes") == 0) {
                v->b = true;
                return 0;
            }
            if (g_ascii_strcasecmp(raw, "false") == 0 || strcmp(raw, "0") == 0 ||
                g_ascii_strcasecmp(raw, "no") == 0) {
                v->b = false;
                return 0;
            }
            return fail(l, o->section, o->key, "'%s' is not a boolean (true or false)", raw);
        case BLD_OPT_INT:
            if (g_ascii_string_to_signed(raw, 10, o->min, o->max, &v->i, &gerr) == FALSE) {
                int rc = fail(l, o->section, o->key,
                              "%s (allowed: %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                              gerr->message, o->min, o->max);
                g_error_free(gerr);
                return rc;
            }
            return 0;
        case BLD_OPT_ENUM: {
            g_auto(GStrv) choices = g_strsplit(o->choices, "|", -1);
            if (g_strv_contains((const gchar *const *) choices, raw) == FALSE) {
                return fail(l, o->section, o->key, "'%s' is not one of %s", raw, o->choices);
            }
            v->s = g_strdup(raw);
            return 0;
        }
        case BLD_OPT_PATH:
            if (raw[0] != '/') {
                return fail(l, o->section, o->key, "'%s' is not an absolute path", raw);
            }
            v->s = g_strdup(raw);
            return 0;
        case BLD_OPT_STRING:
            v->s = g_strdup(raw);
            return 0;
    }
    return BL_E_INVALID;
}

/* Every key the file sets must be one we know. */
static int
check_known(struct loader *l)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->kf, NULL);

    for (int g = 0; groups[g] != NULL; g++) {
        if (find_option(groups[g], NULL) == NULL) {
            return fail(l, groups[g], NULL, "unknown section");
        }
        g_auto(GStrv) keys = g_key_file_get_keys(l->kf, groups[g], NULL, NULL);
        for (int k = 0; keys[k] != NULL; k++) {
            if (find_option(groups[g], keys[k]) == NULL) {
                return fail(l, groups[g], keys[k], "unknown key");
            }
        }
    }
    return 0;
}

static int
load_all(struct loader *l)
{
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const struct bld_option *o = tables[t]; o->section != NULL; o++) {
            g_autofree char *raw =
                l->kf != NULL ? g_key_file_get_value(l->kf, o->section, o->key, NULL) : NULL;
            union bld_value *v = g_new0(union bld_value, 1);
            int rc = parse_value(l, o, raw != NULL ? g_strstrip(raw) : o->def, v);
            g_hash_table_insert(l->values, value_key(o->section, o->key), v);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static const char *
loaded_str(struct loader *l, const char *section, const char *key)
{
    g_autofree char *k = value_key(section, key);
    const union bld_value *v = g_hash_table_lookup(l->values, k);

    return v != NULL ? v->s : NULL;
}

/* The two CPG groups: each named (Corosync cuts a name at 127 bytes, so two longer names
 * could meet), and apart: one daemon joined twice to the registry's group would be a
 * member that never speaks there. */
static int
check_groups(struct loader *l)
{
    static const char *const sections[] = {"registry", "bmc"};
    const char *names[G_N_ELEMENTS(sections)];

    for (size_t i = 0; i < G_N_ELEMENTS(sections); i++) {
        names[i] = loaded_str(l, sections[i], "group");
        if (names[i] == NULL || names[i][0] == '\0') {
            return fail(l, sections[i], "group", "a CPG group name must not be empty");
        }
        if (strlen(names[i]) >= CPG_GROUP_MAX) {
            return fail(l, sections[i], "group", "'%s' is longer than %d bytes", names[i],
                        CPG_GROUP_MAX - 1);
        }
    }
    if (strcmp(names[0], names[1]) == 0) {
        /* blame the key the file sets (one of them is, or the defaults would differ) */
        bool bmc_set = l->kf != NULL && g_key_file_has_key(l->kf, "bmc", "group", NULL);
        return fail(l, bmc_set ? "bmc" : "registry", "group",
                    "'%s' is also [%s] group; the two must differ", names[1],
                    bmc_set ? "registry" : "bmc");
    }
    return 0;
}

static int
read_file(struct loader *l, bool required, char **text)
{
    GError *gerr = NULL;

    if (g_file_get_contents(l->path, text, NULL, &gerr) == FALSE) {
        bool missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        l->err = g_strdup_printf("%s: %s", l->path, gerr->message);
        g_error_free(gerr);
        if (missing && required == false) {
            g_clear_pointer(&l->err, g_free);
            return 0;
        }
        return missing ? -ENOENT : -EIO;
    }
    l->kf = g_key_file_new();
    if (g_key_file_load_from_data(l->kf, *text, (gsize) -1, G_KEY_FILE_NONE, &gerr) == FALSE) {
        l->err = g_strdup_printf("%s: %s", l->path, gerr->message);
        g_error_free(gerr);
        return BL_E_INVALID;
    }
    return 0;
}

int
bld_config_load(const char *path, bool required, struct bld_config **out, char **err)
{
    g_autofree char *text = NULL;
    struct loader l = {.path = path};
    int rc = read_file(&l, required, &text);

    l.text = text;
    l.values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (rc == 0 && l.kf != NULL) {
        rc = check_known(&l);
    }
    if (rc == 0) {
        rc = load_all(&l);
    }
    if (rc == 0) {
        rc = check_groups(&l);
    }
    if (l.kf != NULL) {
        g_key_file_free(l.kf);
    }
    *out = NULL;
    if (rc != 0) {
        *err = l.err;
        values_free(l.values);
        return rc;
    }
    *out = g_new0(struct bld_config, 1);
    (*out)->values = l.values;
    return 0;
}

static bool
owns_string(const char *vkey)
{
    const char *nl = strchr(vkey, '\n');
    g_autofree char *section = g_strndup(vkey, (gsize) (nl - vkey));
    const struct bld_option *o = find_option(section, nl + 1);

    return o->type == BLD_OPT_STRING || o->type == BLD_OPT_PATH || o->type == BLD_OPT_ENUM;
}

/* Strings and numbers share the union: only string-typed options own memory. */
static void
values_free(GHashTable *values)
{
    GHashTableIter it;
    gpointer k;
    gpointer v;

    g_hash_table_iter_init(&it, values);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (owns_string(k)) {
            g_free(((union bld_value *) v)->s);
        }
    }
    g_hash_table_destroy(values);
}

void
bld_config_free(struct bld_config *cfg)
{
    if (cfg != NULL) {
        values_free(cfg->values);
        g_free(cfg);
    }
}

static const union bld_value *
lookup(const struct bld_config *cfg, const char *section, const char *key)
{
    g_autofree char *k = value_key(section, key);
    const union bld_value *v = g_hash_table_lookup(cfg->values, k);

    g_assert(v != NULL);
    return v;
}

bool
bld_config_bool(const struct bld_config *cfg, const char *section, const char *key)
{
    return lookup(cfg, section, key)->b;
}

int64_t
bld_config_int(const struct bld_config *cfg, const char *section, const char *key)
{
    return lookup(cfg, section, key)->i;
}

const char *
bld_config_str(const struct bld_config *cfg, const char *section, const char *key)
{
    return lookup(cfg, section, key)->s;
}

static const char *
type_name(const struct bld_option *o)
{
    switch (o->type) {
        case BLD_OPT_BOOL:
            return "true|false";
        case BLD_OPT_INT:
            return "integer";
        case BLD_OPT_PATH:
            return "path";
        case BLD_OPT_ENUM:
            return o->choices;
        case BLD_OPT_STRING:
            break;
    }
    return "string";
}

void
bld_config_dump_man(FILE *out)
{
    const char *section = "";

    fprintf(out, ".SH CONFIGURATION FILE\n");
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const struct bld_option *o = tables[t]; o->section != NULL; o++) {
            if (strcmp(section, o->section) != 0) {
                section = o->section;
                fprintf(out, ".SS [%s]\n", section);
            }
            fprintf(out, ".TP\n.B %s = \\fI%s\\fR (default: %s", o->key, type_name(o),
                    o->def[0] != '\0' ? o->def : "empty");
            if (o->type == BLD_OPT_INT) {
                fprintf(out, "; %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, o->min, o->max);
            }
            fprintf(out, ")\n%s\n", o->description);
        }
    }
}
