#include "config.h"

#include <errno.h>
#include <string.h>

#include "bl_result.h"

#define CPG_GROUP_MAX 128 /* Corosync's CPG_MAX_NAME_LENGTH */

const struct bl_conf_key bld_daemon_options[] = {
    {"daemon", "log-level", BL_CONF_STRDUP, "info", 0, 0, "error|warning|notice|info|debug", NULL,
     0, 0, "Highest priority of messages logged."},
    {"daemon", "log-target", BL_CONF_STRDUP, "syslog", 0, 0, "syslog|stderr|both", NULL, 0, 0,
     "Where messages go."},
    {"daemon", "ipc-service", BL_CONF_STRDUP, "bmclink", 0, 0, NULL, NULL, 0, 0,
     "libqb IPC service name of the control socket (bmclink-reg --service must match)."},
    {"daemon", "ipc-group", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, 0, 0,
     "Group whose members (primary or supplementary group) may use the control socket "
     "besides root (empty: root only)."},
    {"daemon", "log-facility", BL_CONF_STRDUP, "daemon", 0, 0,
     "daemon|user|local0|local1|local2|local3|local4|local5|local6|local7|none", NULL, 0, 0,
     "syslog facility, as Pacemaker's PCMK_logfacility (none: no syslog)."},
    {"daemon", "log-file", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, 0, 0,
     "Also log to this file (absolute path, appended to; empty: no file), with "
     "millisecond time stamps."},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

/* Every module's table; add yours here. */
static const struct bl_conf_key *const tables[] = {
    bld_daemon_options,
    bld_registry_options,
    bld_bmc_options,
};

/* One value; every row's offset is 0, so the engine stores into whichever member its type
 * says (bl_conf.h). */
union bld_value {
    bool b;
    int64_t i;
    uint32_t u;
    char *s;
};

struct bld_value_entry {
    const struct bl_conf_key *row;
    union bld_value v;
};

struct bld_config {
    GHashTable *values; /* "section\nkey" -> struct bld_value_entry * */
};

static char *
value_key(const char *section, const char *key)
{
    return g_strconcat(section, "\n", key, NULL);
}

static void
entry_free(gpointer p)
{
    struct bld_value_entry *e = p;

    if (e->row->type == BL_CONF_STRDUP) {
        g_free(e->v.s);
    }
    g_free(e);
}

static const struct bl_conf_key *
find_option(const char *section, const char *key)
{
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        const struct bl_conf_key *k = bl_conf_find(tables[t], section, key);
        if (k != NULL) {
            return k;
        }
    }
    return NULL;
}

static bool
known_group(const char *section)
{
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        if (strcmp(tables[t][0].group, section) == 0) {
            return true;
        }
    }
    return false;
}

/* Every key the file sets must be one we know (the groups: bl_conf_check_groups). */
static void
check_keys(struct bl_conf *f)
{
    GKeyFile *kf = bl_conf_keyfile(f);
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

    for (size_t g = 0; groups[g] != NULL; g++) {
        g_auto(GStrv) keys = known_group(groups[g]) ? g_key_file_get_keys(kf, groups[g], NULL, NULL)
                                                    : NULL; /* an unknown group is said once */
        for (size_t k = 0; keys != NULL && keys[k] != NULL; k++) {
            if (find_option(groups[g], keys[k]) == NULL) {
                bl_conf_fail(f, groups[g], keys[k], "unknown key");
            }
        }
    }
}

/* Each option from the file, or its default. */
static void
load_all(struct bl_conf *f, GHashTable *values)
{
    GKeyFile *kf = bl_conf_keyfile(f);

    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const struct bl_conf_key *k = tables[t]; k->key != NULL; k++) {
            g_autofree char *raw = g_key_file_get_string(kf, k->group, k->key, NULL);
            struct bld_value_entry *e = g_new0(struct bld_value_entry, 1);

            e->row = k;
            if (g_key_file_has_key(kf, k->group, k->key, NULL)) {
                (void) bl_conf_store(f, k->group, k, raw != NULL ? g_strstrip(raw) : NULL, &e->v);
            } else if (bl_conf_store(NULL, k->group, k, k->def, &e->v) != BL_OK) {
                g_error("bmclinkd.conf: the default of [%s] %s does not parse", k->group, k->key);
            }
            g_hash_table_insert(values, value_key(k->group, k->key), e);
        }
    }
}

static const char *
loaded_str(GHashTable *values, const char *section, const char *key)
{
    g_autofree char *k = value_key(section, key);
    const struct bld_value_entry *e = g_hash_table_lookup(values, k);

    return e != NULL ? e->v.s : NULL;
}

/* The two CPG groups: each named (Corosync cuts a name at 127 bytes, so two longer names
 * could meet), and apart: one daemon joined twice to the registry's group would be a
 * member that never speaks there. */
static void
check_groups(struct bl_conf *f, GHashTable *values)
{
    static const char *const sections[] = {"registry", "bmc"};
    const char *names[G_N_ELEMENTS(sections)];

    for (size_t i = 0; i < G_N_ELEMENTS(sections); i++) {
        names[i] = loaded_str(values, sections[i], "group");
        if (names[i] == NULL || names[i][0] == '\0') {
            bl_conf_fail(f, sections[i], "group", "a CPG group name must not be empty");
            return;
        }
        if (strlen(names[i]) >= CPG_GROUP_MAX) {
            bl_conf_fail(f, sections[i], "group", "'%s' is longer than %d bytes", names[i],
                         CPG_GROUP_MAX - 1);
            return;
        }
    }
    if (strcmp(names[0], names[1]) == 0) {
        /* blame the key the file sets (one of them is, or the defaults would differ) */
        bool bmc_set = g_key_file_has_key(bl_conf_keyfile(f), "bmc", "group", NULL);
        bl_conf_fail(f, bmc_set ? "bmc" : "registry", "group",
                     "'%s' is also [%s] group; the two must differ", names[1],
                     bmc_set ? "registry" : "bmc");
    }
}

/* The file, or, when it may be missing and is, an empty one (every option its default). */
static int
open_file(const char *path, bool required, struct bl_conf **f, char **errmsg)
{
    char *err = NULL;
    int rc = bl_conf_open(path, f, &err);

    if (rc == -ENOENT && !required) {
        g_free(err);
        return bl_conf_open_data(path, "", 0, f, errmsg);
    }
    *errmsg = err;
    return rc;
}

int
bld_config_load(const char *path, bool required, struct bld_config **out, char **errmsg)
{
    struct bl_conf *f = NULL;
    GHashTable *values;
    int rc = open_file(path, required, &f, errmsg);

    *out = NULL;
    if (rc != BL_OK) {
        return rc;
    }
    values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
    (void) bl_conf_check_groups(f, tables, G_N_ELEMENTS(tables), true);
    check_keys(f);
    load_all(f, values);
    if (bl_conf_result(f, NULL) == BL_OK) {
        check_groups(f, values);
    }
    rc = bl_conf_result(f, errmsg);
    bl_conf_close(f);
    if (rc != BL_OK) {
        g_hash_table_destroy(values);
        return rc;
    }
    *out = g_new0(struct bld_config, 1);
    (*out)->values = values;
    return BL_OK;
}

void
bld_config_free(struct bld_config *cfg)
{
    if (cfg != NULL) {
        g_hash_table_destroy(cfg->values);
        g_free(cfg);
    }
}

static const struct bld_value_entry *
lookup(const struct bld_config *cfg, const char *section, const char *key)
{
    g_autofree char *k = value_key(section, key);
    const struct bld_value_entry *e = g_hash_table_lookup(cfg->values, k);

    g_assert(e != NULL);
    return e;
}

bool
bld_config_bool(const struct bld_config *cfg, const char *section, const char *key)
{
    return lookup(cfg, section, key)->v.b;
}

int64_t
bld_config_int(const struct bld_config *cfg, const char *section, const char *key)
{
    const struct bld_value_entry *e = lookup(cfg, section, key);

    return e->row->type == BL_CONF_INT ? e->v.i : (int64_t) e->v.u;
}

const char *
bld_config_str(const struct bld_config *cfg, const char *section, const char *key)
{
    return lookup(cfg, section, key)->v.s;
}

int
bld_config_make_parent(const char *path, int mode)
{
    g_autofree char *dir = g_path_get_dirname(path);

    return g_mkdir_with_parents(dir, mode) == 0 ? 0 : -errno;
}

void
bld_config_dump_man(FILE *out)
{
    fprintf(out, ".SH CONFIGURATION FILE\n");
    fprintf(out, "Booleans: yes/no, true/false, on/off, y/n, 1/0. Durations: a number in the "
                 "key's unit, or with one (500ms, 30s, 2min, 1h), or ISO 8601 (PT2M).\n");
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        bl_conf_man(out, tables[t]);
    }
}
