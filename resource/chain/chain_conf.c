/*
 * Chain file reader, on the config engine (bl_conf.h): GKeyFile tokenizes, the key tables
 * (chain_keys.c: members, chain_site.c: [chain] and [folder NAME]) say what each key means,
 * and every problem is reported "FILE:LINE: [GROUP] KEY: WHY". What only a chain has is
 * here: includes, members that a later file changes in place, and the checks across keys.
 */
#include "chain.h"

#include "bl_conf.h"
#include "bl_result.h"
#include "chain_file.h"
#include "chain_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

#define INCLUDE_DEPTH_MAX 8
/* Parser state for one top-level load, shared by included files. */
struct parse {
    GArray *members; /* struct bl_chain_member, in start order; [outside] entries too */
    GArray *folders; /* struct bl_chain_folder */
    struct bl_chain_site site;
    const struct bl_chain_defaults *defs;
    GPtrArray *files; /* struct bl_conf, every file read, the loaded one first */
    char *name;
    char *description;
    int depth;
};

static int read_source(struct parse *p, const char *path, const char *text, const char *source,
                       char **errmsg);

/* The file a member or key was read from (its report goes there). */
static struct bl_conf *
file_of(const struct parse *p, const char *source)
{
    for (guint i = 0; i < p->files->len; i++) {
        struct bl_conf *f = g_ptr_array_index(p->files, i);
        if (source != NULL && strcmp(bl_conf_path(f), source) == 0) {
            return f;
        }
    }
    return g_ptr_array_index(p->files, 0);
}

/* A value as written ('\' is no escape: command lines keep their quoting), blanks stripped. */
static char *
raw_value(struct bl_conf *f, const char *group, const char *key)
{
    char *value = g_key_file_get_value(bl_conf_keyfile(f), group, key, NULL);

    return value != NULL ? g_strstrip(value) : NULL;
}

static void
read_member_keys(struct bl_conf *f, const char *group, struct bl_chain_member *m)
{
    g_auto(GStrv) keys = g_key_file_get_keys(bl_conf_keyfile(f), group, NULL, NULL);

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        int k = bl_chain_member_key_find(keys[i]);
        g_autofree char *value = NULL;

        if (k < 0) {
            bl_conf_fail(f, group, keys[i], "unknown key");
            continue;
        }
        value = raw_value(f, group, keys[i]);
        if (bl_conf_store(f, group, &bl_chain_member_keys[k], value, m) != BL_OK) {
            continue;
        }
        if (k == BL_MK_KIND && m->key_line[k] != 0 &&
            g_strcmp0(m->key_source[k], bl_conf_path(f)) != 0) {
            bl_chain_member_drop_other_kind_keys(m, bl_conf_path(f));
        }
        m->key_line[k] = (int) bl_conf_line(f, group, keys[i]);
        g_free(m->key_source[k]);
        m->key_source[k] = g_strdup(bl_conf_path(f));
    }
}

static char *
resolve_include(const struct parse *p, const char *source, const char *name)
{
    g_autofree char *dir = NULL;
    g_autofree char *with_suffix = NULL;

    if (g_path_is_absolute(name)) {
        return g_strdup(name);
    }
    if (strchr(name, '/') != NULL && g_path_is_absolute(source)) {
        dir = g_path_get_dirname(source);
        return g_build_filename(dir, name, NULL);
    }
    with_suffix =
        g_str_has_suffix(name, ".chain") ? g_strdup(name) : g_strconcat(name, ".chain", NULL);
    if (g_path_is_absolute(source)) {
        dir = g_path_get_dirname(source);
        char *candidate = g_build_filename(dir, with_suffix, NULL);
        /* a site file may share the name of the profile it includes */
        if (strcmp(candidate, source) != 0 && g_file_test(candidate, G_FILE_TEST_EXISTS)) {
            return candidate;
        }
        g_free(candidate);
    }
    for (size_t i = 0; p->defs->search_dirs != NULL && p->defs->search_dirs[i] != NULL; i++) {
        char *candidate = g_build_filename(p->defs->search_dirs[i], with_suffix, NULL);
        if (strcmp(candidate, source) != 0 && g_file_test(candidate, G_FILE_TEST_EXISTS)) {
            return candidate;
        }
        g_free(candidate);
    }
    return NULL;
}

static void
do_include(struct parse *p, struct bl_conf *f, const char *value, bool after_member)
{
    g_autofree char *path = NULL;
    g_autofree char *err = NULL;

    if (after_member) {
        bl_conf_fail(f, "chain", "include", "must come before the first [member] section");
        return;
    }
    if (p->depth >= INCLUDE_DEPTH_MAX) {
        bl_conf_fail(f, "chain", "include", "includes nested deeper than %d (a loop?)",
                     INCLUDE_DEPTH_MAX);
        return;
    }
    path = resolve_include(p, bl_conf_path(f), value);
    if (path == NULL) {
        bl_conf_fail(f, "chain", "include", "'%s' not found", value);
        return;
    }
    p->depth++;
    if (read_source(p, path, NULL, path, &err) != 0) {
        bl_conf_fail(f, "chain", "include", "%s", err);
    }
    p->depth--;
}

/* [chain]: the includes, the site's keys; its name and description when it is the top file. */
static void
read_chain(struct parse *p, struct bl_conf *f, bool after_member)
{
    g_auto(GStrv) keys = g_key_file_get_keys(bl_conf_keyfile(f), "chain", NULL, NULL);
    struct bl_chain_site_ctx ctx = {.site = &p->site, .depth = p->depth};

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        const struct bl_conf_key *k = bl_conf_find(bl_chain_keys, "chain", keys[i]);
        g_autofree char *value = raw_value(f, "chain", keys[i]);

        if (k == NULL) {
            bl_conf_fail(f, "chain", keys[i], "unknown key");
        } else if (strcmp(k->key, "include") == 0) {
            do_include(p, f, value, after_member);
        } else {
            (void) bl_conf_store(f, "chain", k, value, &ctx);
        }
    }
    /* An included file's name and description do not replace the includer's. */
    if (p->depth == 0 && ctx.name != NULL) {
        g_free(p->name);
        p->name = g_steal_pointer(&ctx.name);
    }
    if (p->depth == 0 && ctx.description != NULL) {
        g_free(p->description);
        p->description = g_steal_pointer(&ctx.description);
    }
    g_free(ctx.name);
    g_free(ctx.description);
}

static bool
valid_member_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > BL_MEMBER_NAME_MAX || name[0] == '.' || name[0] == '-') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && strchr("._-", name[i]) == NULL) {
            return false;
        }
    }
    return true;
}

static int
member_index(const struct parse *p, const char *name)
{
    for (guint i = 0; i < p->members->len; i++) {
        if (strcmp(g_array_index(p->members, struct bl_chain_member, i).name, name) == 0) {
            return (int) i;
        }
    }
    return -1;
}

static void
read_member(struct parse *p, struct bl_conf *f, const char *group, const char *name, bool outside)
{
    struct bl_chain_member m = {0};
    struct bl_chain_member *pm;
    int idx;

    if (!valid_member_name(name)) {
        bl_conf_fail(f, group, NULL,
                     "invalid name (1-%d letters, digits, '.', '_' or '-', not starting with "
                     "'.' or '-')",
                     BL_MEMBER_NAME_MAX);
        return;
    }
    idx = member_index(p, name);
    if (idx < 0) {
        m.name = g_strdup(name);
        m.outside = outside;
        g_array_append_val(p->members, m);
        idx = (int) p->members->len - 1;
    }
    pm = &g_array_index(p->members, struct bl_chain_member, idx);
    if (pm->outside != outside) {
        bl_conf_fail(f, group, NULL, "'%s' is already declared as %s", name,
                     pm->outside ? "an [outside] entry" : "a [member]");
        return;
    }
    g_free(pm->source);
    pm->source = g_strdup(bl_conf_path(f));
    pm->line = (int) bl_conf_line(f, group, NULL);
    read_member_keys(f, group, pm);
}

static int
folder_index(const struct parse *p, const char *name)
{
    for (guint i = 0; i < p->folders->len; i++) {
        if (strcmp(g_array_index(p->folders, struct bl_chain_folder, i).name, name) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* [folder NAME]: like members, a later section of the same name changes it in place. */
static void
read_folder(struct parse *p, struct bl_conf *f, const char *group, const char *name)
{
    struct bl_chain_folder folder = {0};
    struct bl_chain_folder *pf;
    int idx;

    if (!valid_member_name(name) || strchr(name, '.') != NULL) {
        bl_conf_fail(f, group, NULL, "invalid name (1-%d letters, digits, '_' or '-')",
                     BL_MEMBER_NAME_MAX);
        return;
    }
    idx = folder_index(p, name);
    if (idx < 0) {
        folder.name = g_strdup(name);
        g_array_append_val(p->folders, folder);
        idx = (int) p->folders->len - 1;
    }
    pf = &g_array_index(p->folders, struct bl_chain_folder, idx);
    g_free(pf->source);
    pf->source = g_strdup(bl_conf_path(f));
    pf->line = (int) bl_conf_line(f, group, NULL);
    (void) bl_conf_apply(f, group, bl_chain_folder_keys, (const char *const[]){"folder", NULL}, pf);
}

/* "member NAME" -> NAME (blanks stripped; "" when there is none), or NULL. */
static char *
named(const char *group, const char *word)
{
    size_t len = strlen(word);

    if (strncmp(group, word, len) != 0 || !g_ascii_isspace(group[len])) {
        return NULL;
    }
    return g_strstrip(g_strdup(group + len));
}

/* Every group in file order; *after_member once a member, [outside] or folder was read. */
static void
read_group(struct parse *p, struct bl_conf *f, const char *group, bool *after_member)
{
    g_autofree char *member = named(group, "member");
    g_autofree char *outside = named(group, "outside");
    g_autofree char *folder = named(group, "folder");

    if (strcmp(group, "chain") == 0) {
        read_chain(p, f, *after_member);
        return;
    }
    *after_member = true;
    if (member != NULL || outside != NULL) {
        read_member(p, f, group, member != NULL ? member : outside, outside != NULL);
    } else if (folder != NULL) {
        read_folder(p, f, group, folder);
    } else {
        bl_conf_fail(f, group, NULL,
                     "unknown group (expected [chain], [member NAME], [outside NAME] or "
                     "[folder NAME])");
    }
}

/* The text the engine reads: an inline chain's ';' separate lines; a file's ';' at the start
 * of a line begins a comment, as '#' does. */
static char *
chain_text(const char *text, bool inline_text)
{
    char *copy = g_strdup(text);
    bool line_start = true;

    for (char *c = copy; *c != '\0'; c++) {
        if (*c == ';' && (inline_text || line_start)) {
            *c = inline_text ? '\n' : '#';
        }
        line_start = *c == '\n' || (line_start && g_ascii_isspace(*c));
    }
    return copy;
}

/* Read one file (text NULL) or inline text into p; its problems are recorded in its bl_conf.
 * \return 0, or -errno / BL_E_INVALID when it cannot be read at all (*errmsg says why) */
static int
read_source(struct parse *p, const char *path, const char *text, const char *source, char **errmsg)
{
    g_autofree char *data = NULL;
    g_autofree char *prepared = NULL;
    g_auto(GStrv) groups = NULL;
    struct bl_conf *f = NULL;
    bool after_member = false;
    unsigned mode = 0;
    const char *unsafe = text != NULL ? NULL : bl_chain_file_unsafe(path);
    int rc;

    if (unsafe != NULL) { /* its commands run as root: nobody else may have written it */
        *errmsg = g_strdup_printf("%s: refused: %s", path, unsafe);
        return -EPERM;
    }
    rc = text != NULL ? 0 : bl_conf_read_file(path, BL_CONF_FILE_MAX, &data, &mode);
    if (rc != 0) {
        *errmsg = g_strdup_printf("%s: %s", path, g_strerror(-rc));
        return rc;
    }
    prepared = chain_text(text != NULL ? text : data, text != NULL);
    rc = bl_conf_open_data(source, prepared, strlen(prepared), &f, errmsg);
    if (rc != 0) {
        return rc;
    }
    g_ptr_array_add(p->files, f);
    (void) bl_conf_check_repeats(f);
    groups = g_key_file_get_groups(bl_conf_keyfile(f), NULL);
    for (size_t i = 0; groups[i] != NULL; i++) {
        read_group(p, f, groups[i], &after_member);
    }
    return 0;
}

static void
member_free_fields(struct bl_chain_member *m)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        bl_chain_member_clear_key(m, (enum bl_member_key) k);
    }
    g_free(m->name);
    g_free(m->source);
}

void
bl_chain_free(struct bl_chain *chain)
{
    if (chain == NULL) {
        return;
    }
    for (size_t i = 0; i < chain->n_members; i++) {
        member_free_fields(&chain->members[i]);
    }
    g_free(chain->members);
    for (size_t i = 0; i < chain->n_outside; i++) {
        member_free_fields(&chain->outside[i]);
    }
    g_free(chain->outside);
    for (size_t i = 0; i < chain->n_folders; i++) {
        bl_chain_folder_clear(&chain->folders[i]);
    }
    g_free(chain->folders);
    g_free(chain->version);
    g_strfreev(chain->features);
    g_free(chain->series);
    g_strfreev(chain->left_out);
    g_free(chain->name);
    g_free(chain->description);
    g_free(chain->source);
    g_free(chain);
}

const struct bl_chain_member *
bl_chain_find(const struct bl_chain *chain, const char *name)
{
    for (size_t i = 0; chain != NULL && i < chain->n_members; i++) {
        if (strcmp(chain->members[i].name, name) == 0) {
            return &chain->members[i];
        }
    }
    return NULL;
}

/* Report a member's problem against its key where that key was set, or its group. */
static void G_GNUC_PRINTF(4, 5)
    member_report(struct parse *p, const struct bl_chain_member *m, int key, const char *fmt, ...)
{
    bool at_key = key >= 0 && m->key_line[key] != 0;
    struct bl_conf *f = file_of(p, at_key ? m->key_source[key] : m->source);
    g_autofree char *group = g_strdup_printf("%s %s", m->outside ? "outside" : "member", m->name);
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    bl_conf_fail(f, group, key >= 0 ? bl_chain_member_keys[key].key : NULL, "%s", msg);
}

static void
require_key(struct parse *p, const struct bl_chain_member *m, int key)
{
    if (m->key_line[key] == 0) {
        member_report(p, m, -1, "a %s member needs '%s'", bl_chain_kind_names[m->kind],
                      bl_chain_member_keys[key].key);
    }
}

static void
check_ready(struct parse *p, struct bl_chain_member *m)
{
    unsigned char addr[sizeof(struct in6_addr)];

    if (m->ready == BL_READY_TCP) {
        require_key(p, m, BL_MK_PORT);
        if (m->host == NULL) {
            m->host = g_strdup("127.0.0.1");
        } else if (inet_pton(AF_INET, m->host, addr) != 1 &&
                   inet_pton(AF_INET6, m->host, addr) != 1) {
            member_report(p, m, BL_MK_HOST, "'%s' is not a numeric IPv4 or IPv6 address", m->host);
        }
    } else if (m->key_line[BL_MK_HOST] != 0 || m->key_line[BL_MK_PORT] != 0) {
        member_report(p, m, m->key_line[BL_MK_PORT] ? BL_MK_PORT : BL_MK_HOST,
                      "'host' and 'port' need ready = tcp");
    }
    if (m->ready == BL_READY_COMMAND) {
        require_key(p, m, BL_MK_CHECK);
    } else if (m->key_line[BL_MK_CHECK] != 0) {
        member_report(p, m, BL_MK_CHECK, "needs ready = command");
    }
}

static void
check_kind(struct parse *p, struct bl_chain_member *m)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (m->key_line[k] != 0 && !bl_chain_member_key_applies((enum bl_member_key) k, m->kind)) {
            member_report(p, m, k, "does not apply to a %s member", bl_chain_kind_names[m->kind]);
        }
    }
    switch (m->kind) {
        case BL_KIND_SYSTEMD:
            require_key(p, m, BL_MK_UNIT);
            if (m->unit != NULL && (strchr(m->unit, '/') != NULL || m->unit[0] == '-')) {
                member_report(p, m, BL_MK_UNIT, "'%s' is not a unit name", m->unit);
            } else if (m->unit != NULL && strchr(m->unit, '.') == NULL) {
                char *full = g_strconcat(m->unit, ".service", NULL);
                g_free(m->unit);
                m->unit = full;
            }
            break;
        case BL_KIND_LSB:
            require_key(p, m, BL_MK_SCRIPT);
            if (m->pidfile != NULL && m->exe == NULL) {
                member_report(p, m, BL_MK_PIDFILE, "needs 'exe' to verify the process");
            }
            break;
        default:
            require_key(p, m, BL_MK_COMMAND);
            require_key(p, m, BL_MK_PIDFILE);
            if (m->exe == NULL && m->command != NULL) {
                m->exe = g_strdup(m->command[0]);
            }
            break;
    }
}

/* [outside] entries need a hook key and take no "optional"; members take no hook key. */
static void
check_outside(struct parse *p, const struct bl_chain_member *m)
{
    bool any_hook = false;

    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (strcmp(bl_chain_member_keys[k].group, "outside") == 0 && m->key_line[k] != 0) {
            any_hook = true;
            if (!m->outside) {
                member_report(p, m, k, "only for [outside] entries");
            }
        }
    }
    if (m->outside && !any_hook) {
        member_report(p, m, -1,
                      "an [outside] entry needs before_start, after_start, before_stop or "
                      "after_stop");
    }
    if (m->outside && m->key_line[BL_MK_OPTIONAL] != 0) {
        member_report(p, m, BL_MK_OPTIONAL, "only for members");
    }
}

static void
finish_member(struct parse *p, struct bl_chain_member *m)
{
    if (m->key_line[BL_MK_KIND] == 0) {
        member_report(p, m, BL_MK_KIND, "missing (systemd, lsb or daemon)");
        return;
    }
    check_outside(p, m);
    check_kind(p, m);
    check_ready(p, m);
    if (m->key_line[BL_MK_START_TIMEOUT] == 0) {
        m->start_timeout_ms = p->defs->start_timeout_ms;
    }
    if (m->key_line[BL_MK_STOP_TIMEOUT] == 0) {
        m->stop_timeout_ms = p->defs->stop_timeout_ms;
    }
}

static void
finish_chain(struct parse *p, GPtrArray *left_out)
{
    struct bl_conf *top = g_ptr_array_index(p->files, 0);
    bool any_mandatory = false;
    guint n_members = 0;

    bl_chain_site_resolve(&p->site, top, p->members, p->folders, left_out, member_free_fields);
    if (bl_conf_result(top, NULL) != BL_OK) {
        return;
    }
    for (guint i = 0; i < p->members->len; i++) {
        n_members += g_array_index(p->members, struct bl_chain_member, i).outside ? 0 : 1;
    }
    if (n_members == 0) {
        bl_conf_fail(top, "chain", NULL, "declares no [member] sections");
    } else if (n_members > BL_CHAIN_MAX_MEMBERS) {
        bl_conf_fail(top, "chain", NULL, "declares %u members, at most %d are supported", n_members,
                     BL_CHAIN_MAX_MEMBERS);
    }
    for (guint i = 0; i < p->members->len; i++) {
        struct bl_chain_member *m = &g_array_index(p->members, struct bl_chain_member, i);
        finish_member(p, m);
        any_mandatory = any_mandatory || (!m->optional && !m->outside);
    }
    if (n_members > 0 && !any_mandatory) {
        bl_conf_fail(top, "chain", NULL,
                     "every member is optional; at least one must be mandatory");
    }
}

static char *
default_name(const char *source)
{
    char *base = g_path_get_basename(source);

    if (g_str_has_suffix(base, ".chain")) {
        base[strlen(base) - strlen(".chain")] = '\0';
    }
    return base;
}

/* Hand the parsed members, [outside] entries, folders and site over to a new chain. */
static struct bl_chain *
build_chain(struct parse *p, const char *source, GPtrArray *left_out)
{
    struct bl_chain *c = g_new0(struct bl_chain, 1);
    GArray *members = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_member));
    GArray *outside = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_member));

    for (guint i = 0; i < p->members->len; i++) {
        struct bl_chain_member *m = &g_array_index(p->members, struct bl_chain_member, i);
        g_array_append_val(m->outside ? outside : members, *m);
    }
    g_array_free(p->members, TRUE);
    c->n_members = members->len;
    c->members = (struct bl_chain_member *) (void *) g_array_free(members, FALSE);
    c->n_outside = outside->len;
    c->outside = (struct bl_chain_member *) (void *) g_array_free(outside, FALSE);
    c->n_folders = p->folders->len;
    c->folders = (struct bl_chain_folder *) (void *) g_array_free(p->folders, FALSE);
    c->name = p->name != NULL ? p->name : default_name(source);
    c->description = p->description;
    c->source = g_strdup(source);
    c->version = g_steal_pointer(&p->site.version);
    c->features = g_steal_pointer(&p->site.features);
    c->series = g_steal_pointer(&p->site.series);
    g_ptr_array_add(left_out, NULL);
    c->left_out = (char **) g_ptr_array_free(left_out, FALSE);
    return c;
}

static void
parse_free(struct parse *p, GPtrArray *left_out)
{
    for (guint i = 0; i < p->members->len; i++) {
        member_free_fields(&g_array_index(p->members, struct bl_chain_member, i));
    }
    g_array_free(p->members, TRUE);
    for (guint i = 0; i < p->folders->len; i++) {
        bl_chain_folder_clear(&g_array_index(p->folders, struct bl_chain_folder, i));
    }
    g_array_free(p->folders, TRUE);
    bl_chain_site_clear(&p->site);
    g_free(p->name);
    g_free(p->description);
    g_ptr_array_free(left_out, TRUE);
}

/* Every file's problems, in the order the files were read. \return 0 or BL_E_INVALID */
static int
problems(const struct parse *p, char **errmsg)
{
    GString *all = g_string_new(NULL);

    for (guint i = 0; i < p->files->len; i++) {
        g_autofree char *text = NULL;
        if (bl_conf_result(g_ptr_array_index(p->files, i), &text) != BL_OK) {
            g_string_append_printf(all, "%s%s", all->len > 0 ? "\n" : "", text);
        }
    }
    if (all->len == 0) {
        g_string_free(all, TRUE);
        return 0;
    }
    *errmsg = g_string_free(all, FALSE);
    return BL_E_INVALID;
}

/* Read, validate and hand over the result: shared tail of both loaders. */
static int
load(const char *text, const char *path, const char *source, const struct bl_chain_defaults *defs,
     struct bl_chain **out, char **errmsg)
{
    static const struct bl_chain_defaults no_defs = {30000, 30000, NULL};
    struct parse p = {.defs = defs != NULL ? defs : &no_defs};
    GPtrArray *left_out = g_ptr_array_new_with_free_func(g_free);
    char *err = NULL;
    int rc;

    *out = NULL;
    p.members = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_member));
    p.folders = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_folder));
    p.files = g_ptr_array_new_with_free_func((GDestroyNotify) bl_conf_close);
    rc = read_source(&p, path, text, source, &err);
    if (rc == 0 && problems(&p, &err) == 0) {
        finish_chain(&p, left_out);
    }
    if (rc == 0 && err == NULL) {
        rc = problems(&p, &err);
    }
    rc = rc == 0 && err != NULL ? BL_E_INVALID : rc;
    if (rc == 0) {
        *out = build_chain(&p, source, left_out);
    } else {
        parse_free(&p, left_out);
    }
    g_ptr_array_free(p.files, TRUE);
    if (errmsg != NULL) {
        *errmsg = err;
    } else {
        g_free(err);
    }
    return rc;
}

int
bl_chain_load_file(const char *path, const struct bl_chain_defaults *defs, struct bl_chain **out,
                   char **errmsg)
{
    static const struct bl_chain_defaults no_defs = {30000, 30000, NULL};
    struct parse finder = {.defs = defs != NULL ? defs : &no_defs};
    g_autofree char *resolved = NULL;

    if (strchr(path, '/') == NULL) {
        resolved = resolve_include(&finder, "", path);
        if (resolved == NULL && g_file_test(path, G_FILE_TEST_EXISTS)) {
            resolved = g_strdup(path);
        }
        if (resolved == NULL) {
            *out = NULL;
            if (errmsg != NULL) {
                *errmsg = g_strdup_printf("%s: no such chain file or profile", path);
            }
            return -ENOENT;
        }
        path = resolved;
    }
    return load(NULL, path, path, defs, out, errmsg);
}

int
bl_chain_load_text(const char *text, const char *source, const struct bl_chain_defaults *defs,
                   struct bl_chain **out, char **errmsg)
{
    return load(text, NULL, source, defs, out, errmsg);
}
