/*
 * The site file of `bmclink esm`: a GKeyFile read through one table of keys (type, default,
 * what it is), every problem reported with the file, section and key. Also what follows
 * directly from the site: its profile, its chain file and the agent's folders parameter.
 */
#include "esm.h"

#include "bl_conf.h"
#include "bl_result.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

enum key_type {
    K_TEXT, /* one line of text */
    K_PATH, /* absolute path */
    K_ADDR, /* numeric IPv4 or IPv6 address */
    K_VERSION,
    K_PREFIX, /* prefix length */
    K_BOOL,
    K_NAME, /* a name: letters, digits, '.', '_', '-' */
};

struct key_def {
    const char *group;
    const char *key;
    enum key_type type;
    const char *def; /* NULL: required (unless optional) */
    bool optional;   /* may stay NULL */
    size_t offset;
};

#define OFF(f) offsetof(struct bl_esm_site, f)

static const struct key_def keys[] = {
    {"site", "version", K_VERSION, NULL, false, OFF(version)},
    {"site", "features", K_TEXT, NULL, false, OFF(features)},
    {"site", "install_dir", K_PATH, NULL, false, OFF(install_dir)},
    {"site", "manager_name", K_TEXT, NULL, false, OFF(manager_name)},
    {"site", "folder_group", K_NAME, NULL, true, OFF(folder_group)},
    {"site", "group", K_NAME, "esm", false, OFF(group)},
    {"site", "floating_ip", K_ADDR, NULL, false, OFF(floating_ip)},
    {"site", "floating_cidr", K_PREFIX, "24", false, OFF(cidr)},
    {"site", "floating_nic", K_NAME, NULL, true, OFF(nic)},
    {"site", "volume_device", K_PATH, NULL, false, OFF(volume_device)},
    {"site", "volume_fstype", K_NAME, "ext4", false, OFF(fstype)},
    {"site", "mount_dir", K_PATH, "/srv/esm", false, OFF(mount_dir)},
    {"site", "chain", K_NAME, "esm-site", false, OFF(chain)},
    {"site", "registry", K_BOOL, "true", false, OFF(registry)},
    {"site", "registry_render", K_PATH, "/etc/opt/esm/registry.reg", false, OFF(registry_render)},
    {"site", "bmclinkd_config", K_PATH, "/etc/bmclink/bmclinkd.conf", false, OFF(bmclinkd_config)},
    {"site", "bmclinkd_clone", K_BOOL, "true", false, OFF(bmclinkd_clone)},
    {"stonith", "user", K_TEXT, "admin", false, OFF(bmc_user)},
    {"stonith", "password_file", K_PATH, "/etc/bmclink/bmc-password", false,
     OFF(bmc_password_file)},
    {"check", "version_file", K_PATH, NULL, true, OFF(version_file)},
    {"check", "agent_events_command", K_TEXT, NULL, true, OFF(agent_events_command)},
    {"check", "serveragent", K_BOOL, "false", false, OFF(serveragent)},
};

static bool
valid_name(const char *text)
{
    if (text[0] == '\0' || text[0] == '-' || strlen(text) > 64) {
        return false;
    }
    for (const char *c = text; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && strchr("._-", *c) == NULL) {
            return false;
        }
    }
    return true;
}

static bool
valid_addr(const char *text)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

/* Check and store one value; NULL or what is wrong. */
static const char *
store(struct bl_esm_site *s, const struct key_def *d, const char *value)
{
    char *field = (char *) s + d->offset;
    int cmp;

    switch (d->type) {
        case K_BOOL:
            return bl_conf_parse_bool(value, (bool *) field) == 0 ? NULL : "must be true or false";
        case K_PREFIX: {
            char *end = NULL;
            guint64 n = g_ascii_strtoull(value, &end, 10);
            if (!g_ascii_isdigit(value[0]) || *end != '\0' || n == 0 || n > 128) {
                return "must be a prefix length (1-32, or up to 128 for IPv6)";
            }
            *(unsigned *) field = (unsigned) n;
            return NULL;
        }
        case K_PATH:
            if (value[0] != '/' || strpbrk(value, " \t\"'\\") != NULL) {
                return "must be an absolute path without blanks, quotes or backslashes";
            }
            break;
        case K_ADDR:
            if (!valid_addr(value)) {
                return "must be a numeric IPv4 or IPv6 address";
            }
            break;
        case K_VERSION:
            if (bl_chain_version_compare(value, value, &cmp) != 0 || value[0] < '4' ||
                value[0] > '6' || g_ascii_isdigit(value[1])) {
                return "must be a Ver.4, Ver.5 or Ver.6 version such as 6.40";
            }
            break;
        case K_NAME:
            if (!valid_name(value)) {
                return "must be a name (letters, digits, '.', '_', '-')";
            }
            break;
        case K_TEXT:
            if (value[0] == '\0' || strpbrk(value, "\"'\\\n") != NULL) {
                return "must be non-empty text without quotes or backslashes";
            }
            break;
    }
    g_free(*(char **) field);
    *(char **) field = g_strdup(value);
    return NULL;
}

static void G_GNUC_PRINTF(4, 5)
    problem(GString *err, const char *path, const char *where, const char *fmt, ...)
{
    va_list ap;

    g_string_append_printf(err, "%s: %s: ", path, where);
    va_start(ap, fmt);
    g_string_append_vprintf(err, fmt, ap);
    va_end(ap);
    g_string_append_c(err, '\n');
}

static char *
raw_value(GKeyFile *kf, const char *group, const char *key)
{
    char *value = g_key_file_get_value(kf, group, key, NULL);

    return value != NULL ? g_strstrip(value) : NULL;
}

static void
load_table(GKeyFile *kf, const char *path, struct bl_esm_site *s, GString *err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        const struct key_def *d = &keys[i];
        g_autofree char *value = raw_value(kf, d->group, d->key);
        g_autofree char *where = g_strdup_printf("[%s] %s", d->group, d->key);
        if (value == NULL && d->def == NULL) {
            if (!d->optional) {
                problem(err, path, where, "missing");
            }
            continue;
        }
        const char *what = store(s, d, value != NULL ? value : d->def);
        if (what != NULL) {
            problem(err, path, where, "'%s' %s", value != NULL ? value : d->def, what);
        }
    }
}

/* Keys a section may have that the table does not list: a typo would go unnoticed. */
static void
unknown_keys(GKeyFile *kf, const char *path, const char *group, GString *err)
{
    g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        bool known = false;
        for (size_t k = 0; k < G_N_ELEMENTS(keys) && !known; k++) {
            known = strcmp(keys[k].group, group) == 0 && strcmp(keys[k].key, names[i]) == 0;
        }
        if (!known) {
            g_autofree char *where = g_strdup_printf("[%s] %s", group, names[i]);
            problem(err, path, where, "unknown key");
        }
    }
}

static void
load_nodes(GKeyFile *kf, const char *path, struct bl_esm_site *s, GString *err)
{
    g_autofree char *list = raw_value(kf, "site", "nodes");
    g_auto(GStrv) words = list != NULL ? g_strsplit_set(list, " ,\t", -1) : NULL;
    GArray *nodes = g_array_new(FALSE, TRUE, sizeof(struct bl_esm_node));

    for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
        struct bl_esm_node n = {0};
        if (words[i][0] == '\0') {
            continue;
        }
        if (!valid_name(words[i])) {
            problem(err, path, "[site] nodes", "'%s' is not a node name", words[i]);
            continue;
        }
        n.name = g_strdup(words[i]);
        n.bmc = raw_value(kf, "bmc", n.name);
        if (n.bmc != NULL && !valid_addr(n.bmc)) {
            problem(err, path, "[bmc]", "%s = '%s' is not a numeric address", n.name, n.bmc);
        }
        g_array_append_val(nodes, n);
    }
    if (nodes->len == 0) {
        problem(err, path, "[site] nodes", "missing: the cluster's node names");
    }
    s->n_nodes = nodes->len;
    s->nodes = (struct bl_esm_node *) (void *) g_array_free(nodes, FALSE);
}

/* [bmc] NODE = ADDRESS: every key must be a node. */
static void
check_bmc_keys(GKeyFile *kf, const char *path, const struct bl_esm_site *s, GString *err)
{
    g_auto(GStrv) names = g_key_file_get_keys(kf, "bmc", NULL, NULL);

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        bool known = false;
        for (size_t n = 0; n < s->n_nodes && !known; n++) {
            known = strcmp(s->nodes[n].name, names[i]) == 0;
        }
        if (!known) {
            problem(err, path, "[bmc]", "'%s' is not in [site] nodes", names[i]);
        }
    }
}

static void
load_managed(GKeyFile *kf, const char *path, struct bl_esm_site *s, GString *err)
{
    g_auto(GStrv) names = g_key_file_get_keys(kf, "managed", NULL, NULL);
    GArray *managed = g_array_new(FALSE, TRUE, sizeof(struct bl_esm_managed));

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        struct bl_esm_managed m = {g_strdup(names[i]), raw_value(kf, "managed", names[i])};
        if (m.snmpd_conf[0] != '/') {
            problem(err, path, "[managed]",
                    "%s = '%s' must be the absolute path of a copy of its "
                    "snmpd.conf",
                    m.name, m.snmpd_conf);
        }
        g_array_append_val(managed, m);
    }
    s->n_managed = managed->len;
    s->managed = (struct bl_esm_managed *) (void *) g_array_free(managed, FALSE);
}

int
bl_esm_site_load(const char *path, struct bl_esm_site **out, char **errmsg)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) gerr = NULL;
    struct bl_esm_site *s;
    GString *problems = g_string_new(NULL);

    *out = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
        int rc = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? -ENOENT : BL_E_INVALID;
        g_string_append_printf(problems, "%s: %s\n", path, gerr->message);
        if (errmsg != NULL) {
            *errmsg = g_string_free(problems, FALSE);
        } else {
            g_string_free(problems, TRUE);
        }
        return rc;
    }
    s = g_new0(struct bl_esm_site, 1);
    s->source = g_strdup(path);
    load_table(kf, path, s, problems);
    unknown_keys(kf, path, "stonith", problems);
    unknown_keys(kf, path, "check", problems);
    load_nodes(kf, path, s, problems);
    check_bmc_keys(kf, path, s, problems);
    load_managed(kf, path, s, problems);
    if (s->version_file == NULL && s->install_dir != NULL) {
        s->version_file = g_build_filename(s->install_dir, "VERSION", NULL);
    }
    if (problems->len > 0) {
        bl_esm_site_free(s);
        if (errmsg != NULL) {
            *errmsg = g_string_free(problems, FALSE);
        } else {
            g_string_free(problems, TRUE);
        }
        return BL_E_INVALID;
    }
    g_string_free(problems, TRUE);
    if (errmsg != NULL) {
        *errmsg = NULL;
    }
    *out = s;
    return 0;
}

void
bl_esm_site_free(struct bl_esm_site *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (keys[i].type != K_BOOL && keys[i].type != K_PREFIX) {
            g_free(*(char **) ((char *) s + keys[i].offset));
        }
    }
    for (size_t i = 0; i < s->n_nodes; i++) {
        g_free(s->nodes[i].name);
        g_free(s->nodes[i].bmc);
    }
    for (size_t i = 0; i < s->n_managed; i++) {
        g_free(s->managed[i].name);
        g_free(s->managed[i].snmpd_conf);
    }
    g_free(s->nodes);
    g_free(s->managed);
    g_free(s->source);
    g_free(s);
}

const char *
bl_esm_profile(const struct bl_esm_site *s)
{
    return s->version[0] == '4' ? "esm-ver4" : s->version[0] == '5' ? "esm-ver5" : "esm-ver6";
}

const char *
bl_esm_registry_profile(const struct bl_esm_site *s)
{
    return s->version[0] == '6' ? "esmpro-ver6.profile" : "esmpro.profile";
}

char *
bl_esm_chain_text(const struct bl_esm_site *s)
{
    return g_strdup_printf("# /etc/bmclink/chains/%s.chain, written by `bmclink esm chain %s`:\n"
                           "# the same on every node. Map members onto the real programs "
                           "below\n# ([member NAME] sections, docs/servicechain.md).\n"
                           "[chain]\nname = %s\ninclude = %s\nversion = %s\nfeatures = %s\n",
                           s->chain, s->source, s->chain, bl_esm_profile(s), s->version,
                           s->features);
}

int
bl_esm_chain_load(const struct bl_esm_site *s, const char *const *search_dirs,
                  struct bl_chain **out, char **errmsg)
{
    const struct bl_chain_defaults defs = {60000, 30000, search_dirs};
    g_autofree char *text = NULL;
    g_autofree char *site_chain = NULL;

    /* The site's own chain file when it exists (its member mappings), else the generated
     * text: both resolve to the same members, conditions and folders. */
    for (size_t i = 0; search_dirs != NULL && search_dirs[i] != NULL && site_chain == NULL; i++) {
        g_autofree char *name = g_strconcat(s->chain, ".chain", NULL);
        char *candidate = g_build_filename(search_dirs[i], name, NULL);
        if (g_file_test(candidate, G_FILE_TEST_EXISTS)) {
            site_chain = candidate;
        } else {
            g_free(candidate);
        }
    }
    if (site_chain != NULL) {
        return bl_chain_load_file(site_chain, &defs, out, errmsg);
    }
    text = bl_esm_chain_text(s);
    return bl_chain_load_text(text, s->chain, &defs, out, errmsg);
}

char *
bl_esm_folders_param(const struct bl_esm_site *s, const struct bl_chain *chain)
{
    GString *out = g_string_new(NULL);

    for (size_t i = 0; i < chain->n_folders; i++) {
        const struct bl_chain_folder *f = &chain->folders[i];
        if (f->path == NULL) {
            continue; /* a folder the site maps itself */
        }
        g_autofree char *local = g_build_filename(s->install_dir, f->path, NULL);
        g_string_append_printf(out, "%s%s=%s", out->len > 0 ? " " : "", f->name, local);
        if (f->mode != 0) {
            /* path:owner:group:mode, empty fields taking the agent's folder_* defaults */
            g_string_append_printf(out, ":::%04o", f->mode);
        }
    }
    return g_string_free(out, FALSE);
}
