/*
 * The site file of `bmclink esm`, read through the config engine (bl_conf.h): one table of
 * keys, every problem reported as FILE:LINE: [GROUP] KEY: WHY, unknown groups and keys
 * refused. Also what follows directly from the site: its profile, its chain file and the
 * agent's folders parameter.
 */
#include "esm.h"

#include "bl_conf.h"
#include "bl_result.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

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

static bool
valid_version(const char *text)
{
    int cmp;

    return bl_chain_version_compare(text, text, &cmp) == 0 && text[0] >= '4' && text[0] <= '6' &&
           !g_ascii_isdigit(text[1]);
}

/* The values go into pcs and crmsh command lines: no quotes or backslashes. */
static bool
valid_text(const char *text)
{
    return text[0] != '\0' && strpbrk(text, "\"'\\\n") == NULL;
}

static bool
valid_path(const char *text)
{
    return text[0] == '/' && strpbrk(text, " \t\"'\\") == NULL;
}

/* Store a copy of text in row k's char * field when it is valid. */
static int
store_if(bool valid, const struct bl_conf_key *k, const char *text, void *base)
{
    char **field = (char **) (void *) ((char *) base + k->offset);

    if (!valid) {
        return BL_E_INVALID;
    }
    g_free(*field);
    *field = g_strdup(text);
    return BL_OK;
}

static int
parse_text(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(valid_text(text), k, text, base);
}

static int
parse_path(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(valid_path(text), k, text, base);
}

/* [managed]: any absolute path (a copy of a managed server's file, read, never run). */
static int
parse_copy(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(text[0] == '/', k, text, base);
}

static int
parse_addr(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(valid_addr(text), k, text, base);
}

static int
parse_version(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(valid_version(text), k, text, base);
}

static int
parse_name(const struct bl_conf_key *k, const char *text, void *base)
{
    return store_if(valid_name(text), k, text, base);
}

/* [site] nodes: names separated by blanks or commas (their [bmc] addresses are read after). */
static int
parse_nodes(const struct bl_conf_key *k, const char *text, void *base)
{
    struct bl_esm_site *s = base;
    g_auto(GStrv) words = g_strsplit_set(text, " ,\t", -1);
    GArray *nodes = g_array_new(FALSE, TRUE, sizeof(struct bl_esm_node));
    bool ok = true;

    (void) k;
    for (size_t i = 0; words[i] != NULL && ok; i++) {
        struct bl_esm_node n = {g_strdup(words[i]), NULL};
        if (words[i][0] == '\0') {
            g_free(n.name);
            continue;
        }
        ok = valid_name(words[i]);
        g_array_append_val(nodes, n);
    }
    s->n_nodes = nodes->len; /* freed with the site, also when refused */
    s->nodes = (struct bl_esm_node *) (void *) g_array_free(nodes, FALSE);
    return ok && s->n_nodes > 0 ? BL_OK : BL_E_INVALID;
}

#define TEXT "one line of text without quotes or backslashes"
#define PATH "an absolute path without blanks, quotes or backslashes"
#define ADDR "a numeric IPv4 or IPv6 address"
#define NAME "a name (letters, digits, '.', '_', '-')"
#define VERSION "a Ver.4, Ver.5 or Ver.6 version such as 6.40"
#define OFF(f) offsetof(struct bl_esm_site, f)
#define ROW(group, key, parse, def, flags, field, choices, desc)                                   \
    {                                                                                              \
        group, key, BL_CONF_CUSTOM, def, 0, 0, choices, parse, OFF(field), (flags) | BL_CONF_RAW,  \
            desc                                                                                   \
    }
#define REQ BL_CONF_REQUIRED

/* The site file's keys ([bmc] and [managed] take names as keys: bmc_row, managed_row). */
static const struct bl_conf_key site_keys[] = {
    ROW("site", "version", parse_version, NULL, REQ, version, VERSION, "the manager's version"),
    ROW("site", "features", parse_text, NULL, REQ, features, TEXT,
        "the profile's features the site uses (\"none\" when none)"),
    ROW("site", "install_dir", parse_path, NULL, REQ, install_dir, PATH,
        "the manager's install folder, the same on every node"),
    ROW("site", "manager_name", parse_text, NULL, REQ, manager_name, TEXT,
        "CommunityName / SM_NAME, the same on every node"),
    ROW("site", "folder_group", parse_name, NULL, 0, folder_group, NAME,
        "group of new folders on the volume"),
    ROW("site", "group", parse_name, "esm", 0, group, NAME, "the Pacemaker group"),
    ROW("site", "floating_ip", parse_addr, NULL, REQ, floating_ip, ADDR,
        "the address managed servers send their traps to"),
    {"site", "floating_cidr", BL_CONF_UINT, "24", 1, 128, NULL, NULL, OFF(cidr), 0,
     "its prefix length"},
    ROW("site", "floating_nic", parse_name, NULL, 0, nic, NAME, "its interface"),
    ROW("site", "volume_device", parse_path, NULL, REQ, volume_device, PATH, "the shared disk"),
    ROW("site", "volume_fstype", parse_name, "ext4", 0, fstype, NAME, "its file system"),
    ROW("site", "mount_dir", parse_path, "/srv/esm", 0, mount_dir, PATH, "where it is mounted"),
    ROW("site", "chain", parse_name, "esm-site", 0, chain, NAME, "the site's chain file name"),
    {"site", "registry", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, OFF(registry), 0,
     "synchronized registry"},
    ROW("site", "registry_render", parse_path, "/etc/opt/esm/registry.reg", 0, registry_render,
        PATH, "where the registry is rendered"),
    ROW("site", "bmclinkd_config", parse_path, "/etc/bmclink/bmclinkd.conf", 0, bmclinkd_config,
        PATH, "bmclinkd's configuration"),
    {"site", "bmclinkd_clone", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, OFF(bmclinkd_clone), 0,
     "create the bmclinkd clone"},
    {"site", "nodes", BL_CONF_CUSTOM, NULL, 0, 0, "node names, separated by blanks or commas",
     parse_nodes, 0, REQ | BL_CONF_RAW, "the cluster's node names"},
    ROW("stonith", "user", parse_text, "admin", 0, bmc_user, TEXT, "the BMC user"),
    ROW("stonith", "password_file", parse_path, "/etc/bmclink/bmc-password", 0, bmc_password_file,
        PATH, "the file fence_bmclink reads the BMC password from"),
    ROW("check", "version_file", parse_path, NULL, 0, version_file, PATH,
        "its first line is the installed version; default INSTALL_DIR/VERSION"),
    ROW("check", "agent_events_command", parse_text, NULL, 0, agent_events_command, TEXT,
        "prints the ServerAgent's \"EVENT-ID ACTION\" lines"),
    {"check", "serveragent", BL_CONF_BOOL, "false", 0, 0, NULL, NULL, OFF(serveragent), 0,
     "ESMPRO/ServerAgent runs on the nodes"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

/* [bmc] NODE = ADDRESS and [managed] NAME = PATH: one row each, its key the name read. */
static const struct bl_conf_key named_keys[] = {
    {"bmc", "NODE", BL_CONF_CUSTOM, NULL, 0, 0, ADDR, parse_addr, offsetof(struct bl_esm_node, bmc),
     BL_CONF_RAW, "a node's BMC address (fence_bmclink)"},
    {"managed", "NAME", BL_CONF_CUSTOM, NULL, 0, 0, "the absolute path of a copy of its snmpd.conf",
     parse_copy, offsetof(struct bl_esm_managed, snmpd_conf), BL_CONF_RAW,
     "a managed server's snmpd.conf copy (trap destinations)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

/* Row `group` of named_keys under the key name (errors name the key as written). */
static int
store_named(struct bl_conf *f, const char *group, const char *name, void *base)
{
    struct bl_conf_key row = *bl_conf_find(named_keys, group, group[0] == 'b' ? "NODE" : "NAME");
    g_autofree char *value = g_key_file_get_value(bl_conf_keyfile(f), group, name, NULL);

    row.key = name;
    return bl_conf_store(f, group, &row, value != NULL ? g_strstrip(value) : NULL, base);
}

/* [bmc]: every key a node of [site] nodes, each node's address when given. */
static void
load_bmcs(struct bl_conf *f, struct bl_esm_site *s)
{
    g_auto(GStrv) names = g_key_file_get_keys(bl_conf_keyfile(f), "bmc", NULL, NULL);

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        bool known = false;
        for (size_t n = 0; n < s->n_nodes && !known; n++) {
            known = strcmp(s->nodes[n].name, names[i]) == 0;
            if (known) {
                (void) store_named(f, "bmc", names[i], &s->nodes[n]);
            }
        }
        if (!known) {
            bl_conf_fail(f, "bmc", names[i], "not in [site] nodes");
        }
    }
}

static void
load_managed(struct bl_conf *f, struct bl_esm_site *s)
{
    g_auto(GStrv) names = g_key_file_get_keys(bl_conf_keyfile(f), "managed", NULL, NULL);
    GArray *managed = g_array_new(FALSE, TRUE, sizeof(struct bl_esm_managed));

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        struct bl_esm_managed m = {g_strdup(names[i]), NULL};
        (void) store_named(f, "managed", names[i], &m);
        g_array_append_val(managed, m);
    }
    s->n_managed = managed->len;
    s->managed = (struct bl_esm_managed *) (void *) g_array_free(managed, FALSE);
}

static void
load_all(struct bl_conf *f, struct bl_esm_site *s)
{
    static const char *const groups[] = {"site", "stonith", "check"};
    const struct bl_conf_key *const tables[] = {site_keys, named_keys};

    (void) bl_conf_check_groups(f, tables, G_N_ELEMENTS(tables), true);
    for (size_t g = 0; g < G_N_ELEMENTS(groups); g++) {
        (void) bl_conf_defaults(site_keys, groups[g], s);
        (void) bl_conf_apply(f, groups[g], site_keys, (const char *const[]){groups[g], NULL}, s);
        (void) bl_conf_required(f, groups[g], site_keys, groups[g]);
    }
    load_bmcs(f, s);
    load_managed(f, s);
}

int
bl_esm_site_load(const char *path, struct bl_esm_site **out, char **errmsg)
{
    struct bl_conf *f = NULL;
    struct bl_esm_site *s;
    int rc = bl_conf_open(path, &f, errmsg);

    *out = NULL;
    if (rc != 0) {
        return rc == -ENOENT ? rc : BL_E_INVALID;
    }
    s = g_new0(struct bl_esm_site, 1);
    s->source = g_strdup(path);
    load_all(f, s);
    rc = bl_conf_result(f, errmsg);
    bl_conf_close(f);
    if (rc != 0) {
        bl_esm_site_free(s);
        return rc;
    }
    if (s->version_file == NULL && s->install_dir != NULL) {
        s->version_file = g_build_filename(s->install_dir, "VERSION", NULL);
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
    for (const struct bl_conf_key *k = site_keys; k->key != NULL; k++) {
        if (k->type == BL_CONF_CUSTOM && k->parse != parse_nodes) {
            g_free(*(char **) (void *) ((char *) s + k->offset));
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
