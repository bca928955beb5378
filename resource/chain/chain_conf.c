/*
 * Chain file parser: a small INI-like format read line by line so that every error can
 * name its source and line (GKeyFile does not keep line numbers). Keys are table-driven:
 * one const table gives each key's type, the member kinds it applies to and its help text,
 * and the parser, the validator, the serializer and the documentation all read it.
 */
#include "chain.h"

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
    GString *err;
    char *name;
    char *description;
    int depth;
};

/* Section state for one source (file or inline text). */
struct section {
    const char *source;
    int line;
    bool in_chain;
    int member; /* index in parse->members, -1 when none */
    int folder; /* index in parse->folders, -1 when none */
    unsigned seen;
    GHashTable *declared; /* member names with a section in this source */
    bool had_member;
    bool bad_section; /* keys under an invalid header are skipped silently */
};

static int parse_text(struct parse *p, const char *text, const char *source, bool inline_text);

static void G_GNUC_PRINTF(4, 5)
    report(struct parse *p, const char *source, int line, const char *fmt, ...)
{
    va_list ap;

    if (line > 0) {
        g_string_append_printf(p->err, "%s:%d: ", source, line);
    } else {
        g_string_append_printf(p->err, "%s: ", source);
    }
    va_start(ap, fmt);
    g_string_append_vprintf(p->err, fmt, ap);
    va_end(ap);
    g_string_append_c(p->err, '\n');
}

static void
set_member_key(struct parse *p, struct section *s, const char *key, const char *value)
{
    struct bl_chain_member *m = &g_array_index(p->members, struct bl_chain_member, s->member);
    int k = bl_member_key_find(key);
    const char *problem;

    if (k < 0) {
        report(p, s->source, s->line, "member '%s': unknown key '%s'", m->name, key);
        return;
    }
    if (s->seen & (1u << k)) {
        report(p, s->source, s->line, "member '%s': key '%s' given twice", m->name, key);
        return;
    }
    s->seen |= 1u << k;
    problem = bl_member_store(m, &bl_member_keys[k], value);
    if (problem != NULL) {
        report(p, s->source, s->line, "member '%s': %s '%s' %s", m->name, key, value, problem);
        return;
    }
    if (k == BL_MK_KIND && m->key_line[k] != 0 && g_strcmp0(m->key_source[k], s->source) != 0) {
        bl_member_drop_other_kind_keys(m, s->source);
    }
    m->key_line[k] = s->line;
    g_free(m->key_source[k]);
    m->key_source[k] = g_strdup(s->source);
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

static int
load_file_into(struct parse *p, const char *path)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) gerr = NULL;
    const char *unsafe = bl_chain_file_unsafe(path);

    if (unsafe != NULL) {
        report(p, path, 0, "refused: %s", unsafe);
        return -EPERM;
    }
    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        int rc = gerr->code == G_FILE_ERROR_NOENT ? -ENOENT : -EIO;
        if (gerr->code == G_FILE_ERROR_ACCES) {
            rc = -EACCES;
        }
        report(p, path, 0, "cannot read: %s", gerr->message);
        return rc;
    }
    return parse_text(p, text, path, false);
}

static void
do_include(struct parse *p, struct section *s, const char *value)
{
    g_autofree char *path = NULL;

    if (s->had_member) {
        report(p, s->source, s->line, "'include' must come before the first [member] section");
        return;
    }
    if (p->depth >= INCLUDE_DEPTH_MAX) {
        report(p, s->source, s->line, "includes nested deeper than %d (a loop?)",
               INCLUDE_DEPTH_MAX);
        return;
    }
    path = resolve_include(p, s->source, value);
    if (path == NULL) {
        report(p, s->source, s->line, "include '%s' not found", value);
        return;
    }
    p->depth++;
    load_file_into(p, path);
    p->depth--;
}

static void
set_chain_key(struct parse *p, struct section *s, const char *key, const char *value)
{
    if (strcmp(key, "include") == 0) {
        do_include(p, s, value);
    } else if (strcmp(key, "version") == 0 || strcmp(key, "features") == 0 ||
               strcmp(key, "series") == 0) {
        const char *problem = bl_chain_site_set(&p->site, key, value, p->depth);
        if (problem != NULL) {
            report(p, s->source, s->line, "[chain]: %s '%s' %s", key, value, problem);
        }
    } else if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
        char **field = key[0] == 'n' ? &p->name : &p->description;
        /* An included file's name and description do not replace the includer's. */
        if (p->depth == 0) {
            g_free(*field);
            *field = g_strdup(value);
        }
    } else {
        report(p, s->source, s->line,
               "[chain]: unknown key '%s' (expected name, description, "
               "include, series, version, features)",
               key);
    }
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
open_member(struct parse *p, struct section *s, const char *name, bool outside)
{
    struct bl_chain_member m = {0};
    int idx;

    s->had_member = true;
    if (!valid_member_name(name)) {
        report(p, s->source, s->line,
               "member name '%s' is invalid (1-%d letters, digits, '.', "
               "'_' or '-', not starting with '.' or '-')",
               name, BL_MEMBER_NAME_MAX);
        return;
    }
    if (g_hash_table_contains(s->declared, name)) {
        report(p, s->source, s->line, "member '%s' declared twice", name);
        return;
    }
    g_hash_table_add(s->declared, g_strdup(name));
    idx = member_index(p, name);
    if (idx < 0) {
        m.name = g_strdup(name);
        m.outside = outside;
        g_array_append_val(p->members, m);
        idx = (int) p->members->len - 1;
    }
    struct bl_chain_member *pm = &g_array_index(p->members, struct bl_chain_member, idx);
    if (pm->outside != outside) {
        report(p, s->source, s->line, "'%s' is already declared as %s", name,
               pm->outside ? "an [outside] entry" : "a [member]");
        return;
    }
    g_free(pm->source);
    pm->source = g_strdup(s->source);
    pm->line = s->line;
    s->member = idx;
    s->bad_section = false;
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
open_folder(struct parse *p, struct section *s, const char *name)
{
    struct bl_chain_folder f = {0};
    g_autofree char *key = g_strconcat("folder ", name, NULL);

    s->had_member = true;
    if (!valid_member_name(name) || strchr(name, '.') != NULL) {
        report(p, s->source, s->line,
               "folder name '%s' is invalid (1-%d letters, digits, '_' or '-')", name,
               BL_MEMBER_NAME_MAX);
        return;
    }
    if (g_hash_table_contains(s->declared, key)) {
        report(p, s->source, s->line, "folder '%s' declared twice", name);
        return;
    }
    g_hash_table_add(s->declared, g_steal_pointer(&key));
    s->folder = folder_index(p, name);
    if (s->folder < 0) {
        f.name = g_strdup(name);
        g_array_append_val(p->folders, f);
        s->folder = (int) p->folders->len - 1;
    }
    struct bl_chain_folder *pf = &g_array_index(p->folders, struct bl_chain_folder, s->folder);
    g_free(pf->source);
    pf->source = g_strdup(s->source);
    pf->line = s->line;
    s->bad_section = false;
}

static void
set_folder_key(struct parse *p, struct section *s, const char *key, const char *value)
{
    struct bl_chain_folder *f = &g_array_index(p->folders, struct bl_chain_folder, s->folder);
    const char *problem = bl_chain_folder_set(f, key, value);

    if (problem != NULL) {
        report(p, s->source, s->line, "folder '%s': %s '%s' %s", f->name, key, value, problem);
    }
}

static void
open_section(struct parse *p, struct section *s, char *header)
{
    size_t len = strlen(header);

    s->in_chain = false;
    s->member = -1;
    s->folder = -1;
    s->seen = 0;
    s->bad_section = true;
    if (len < 2 || header[len - 1] != ']') {
        report(p, s->source, s->line, "section header '%s' lacks its closing ']'", header);
        return;
    }
    header[len - 1] = '\0';
    char *inner = g_strstrip(header + 1);
    if (strcmp(inner, "chain") == 0) {
        s->in_chain = true;
        s->bad_section = false;
    } else if (strncmp(inner, "member", 6) == 0 && g_ascii_isspace(inner[6])) {
        open_member(p, s, g_strstrip(inner + 7), false);
    } else if (strncmp(inner, "outside", 7) == 0 && g_ascii_isspace(inner[7])) {
        open_member(p, s, g_strstrip(inner + 8), true);
    } else if (strncmp(inner, "folder", 6) == 0 && g_ascii_isspace(inner[6])) {
        open_folder(p, s, g_strstrip(inner + 7));
    } else {
        report(p, s->source, s->line,
               "unknown section [%s] (expected [chain], [member NAME], [outside NAME] or "
               "[folder NAME])",
               inner);
    }
}

static void
parse_line(struct parse *p, struct section *s, char *line)
{
    char *text = g_strstrip(line);
    char *eq;

    if (text[0] == '\0' || text[0] == '#' || text[0] == ';') {
        return;
    }
    if (text[0] == '[') {
        open_section(p, s, text);
        return;
    }
    eq = strchr(text, '=');
    if (eq == NULL) {
        report(p, s->source, s->line, "expected 'key = value' or a [section], got '%s'", text);
        return;
    }
    *eq = '\0';
    char *key = g_strstrip(text);
    char *value = g_strstrip(eq + 1);
    if (s->in_chain) {
        set_chain_key(p, s, key, value);
    } else if (s->member >= 0) {
        set_member_key(p, s, key, value);
    } else if (s->folder >= 0) {
        set_folder_key(p, s, key, value);
    } else if (!s->bad_section) {
        report(p, s->source, s->line, "'%s' is outside a [chain] or [member] section", key);
    }
}

static int
parse_text(struct parse *p, const char *text, const char *source, bool inline_text)
{
    g_auto(GStrv) lines = NULL;
    struct section s = {.source = source, .member = -1, .folder = -1};

    if (!g_utf8_validate(text, -1, NULL)) {
        report(p, source, 0, "is not UTF-8 text");
        return BL_E_INVALID;
    }
    lines = inline_text ? g_strsplit_set(text, "\n;", -1) : g_strsplit(text, "\n", -1);
    s.declared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int i = 0; lines[i] != NULL; i++) {
        s.line = i + 1;
        parse_line(p, &s, lines[i]);
    }
    g_hash_table_destroy(s.declared);
    return 0;
}

static void
member_free_fields(struct bl_chain_member *m)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        bl_member_clear_key(m, (enum bl_member_key) k);
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

/* Report a key problem at the key's own line, or at the member's header. */
static void G_GNUC_PRINTF(4, 5)
    member_report(struct parse *p, const struct bl_chain_member *m, int key, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (key >= 0 && m->key_line[key] != 0) {
        report(p, m->key_source[key], m->key_line[key], "member '%s': %s", m->name, msg);
    } else {
        report(p, m->source, m->line, "member '%s': %s", m->name, msg);
    }
}

static void
require_key(struct parse *p, const struct bl_chain_member *m, int key)
{
    if (m->key_line[key] == 0) {
        member_report(p, m, -1, "a %s member needs '%s'", bl_kind_names[m->kind],
                      bl_member_keys[key].key);
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
            member_report(p, m, BL_MK_HOST, "host '%s' is not a numeric IPv4 or IPv6 address",
                          m->host);
        }
    } else if (m->key_line[BL_MK_HOST] != 0 || m->key_line[BL_MK_PORT] != 0) {
        member_report(p, m, m->key_line[BL_MK_PORT] ? BL_MK_PORT : BL_MK_HOST,
                      "'host' and 'port' need ready = tcp");
    }
    if (m->ready == BL_READY_COMMAND) {
        require_key(p, m, BL_MK_CHECK);
    } else if (m->key_line[BL_MK_CHECK] != 0) {
        member_report(p, m, BL_MK_CHECK, "'check' needs ready = command");
    }
}

static void
check_kind(struct parse *p, struct bl_chain_member *m)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (m->key_line[k] != 0 && !(bl_member_keys[k].kinds & KIND_BIT(m->kind))) {
            member_report(p, m, k, "key '%s' does not apply to a %s member", bl_member_keys[k].key,
                          bl_kind_names[m->kind]);
        }
    }
    switch (m->kind) {
        case BL_KIND_SYSTEMD:
            require_key(p, m, BL_MK_UNIT);
            if (m->unit != NULL && (strchr(m->unit, '/') != NULL || m->unit[0] == '-')) {
                member_report(p, m, BL_MK_UNIT, "unit '%s' is not a unit name", m->unit);
            } else if (m->unit != NULL && strchr(m->unit, '.') == NULL) {
                char *full = g_strconcat(m->unit, ".service", NULL);
                g_free(m->unit);
                m->unit = full;
            }
            break;
        case BL_KIND_LSB:
            require_key(p, m, BL_MK_SCRIPT);
            if (m->pidfile != NULL && m->exe == NULL) {
                member_report(p, m, BL_MK_PIDFILE, "'pidfile' needs 'exe' to verify the process");
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
        if (bl_member_keys[k].outside_only && m->key_line[k] != 0) {
            any_hook = true;
            if (!m->outside) {
                member_report(p, m, k, "'%s' is only for [outside] entries", bl_member_keys[k].key);
            }
        }
    }
    if (m->outside && !any_hook) {
        member_report(p, m, -1,
                      "an [outside] entry needs before_start, after_start, before_stop or "
                      "after_stop");
    }
    if (m->outside && m->key_line[BL_MK_OPTIONAL] != 0) {
        member_report(p, m, BL_MK_OPTIONAL, "'optional' is only for members");
    }
}

static void
finish_member(struct parse *p, struct bl_chain_member *m)
{
    if (m->key_line[BL_MK_KIND] == 0) {
        member_report(p, m, -1, "missing 'kind' (systemd, lsb or daemon)");
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
finish_chain(struct parse *p, const char *source, GPtrArray *left_out)
{
    bool any_mandatory = false;
    guint n_members = 0;

    bl_chain_site_resolve(&p->site, source, p->members, p->folders, left_out, p->err,
                          member_free_fields);
    if (p->err->len > 0) {
        return;
    }
    for (guint i = 0; i < p->members->len; i++) {
        n_members += g_array_index(p->members, struct bl_chain_member, i).outside ? 0 : 1;
    }
    if (n_members == 0) {
        report(p, source, 0, "declares no [member] sections");
    } else if (n_members > BL_CHAIN_MAX_MEMBERS) {
        report(p, source, 0, "declares %u members, at most %d are supported", n_members,
               BL_CHAIN_MAX_MEMBERS);
    }
    for (guint i = 0; i < p->members->len; i++) {
        struct bl_chain_member *m = &g_array_index(p->members, struct bl_chain_member, i);
        finish_member(p, m);
        any_mandatory = any_mandatory || (!m->optional && !m->outside);
    }
    if (n_members > 0 && !any_mandatory) {
        report(p, source, 0, "every member is optional; at least one must be mandatory");
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

/* Parse, validate and hand over the result: shared tail of both loaders. */
static int
load(const char *text, const char *path, const char *source, const struct bl_chain_defaults *defs,
     struct bl_chain **out, char **errmsg)
{
    static const struct bl_chain_defaults no_defs = {30000, 30000, NULL};
    struct parse p = {.defs = defs != NULL ? defs : &no_defs};
    GPtrArray *left_out = g_ptr_array_new_with_free_func(g_free);
    int rc;

    *out = NULL;
    p.members = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_member));
    p.folders = g_array_new(FALSE, TRUE, sizeof(struct bl_chain_folder));
    p.err = g_string_new(NULL);
    rc = text != NULL ? parse_text(&p, text, source, true) : load_file_into(&p, path);
    if (rc == 0 && p.err->len == 0) {
        finish_chain(&p, source, left_out);
    }
    if (rc == 0 && p.err->len > 0) {
        rc = BL_E_INVALID;
    }
    if (rc == 0) {
        *out = build_chain(&p, source, left_out);
    } else {
        parse_free(&p, left_out);
    }
    if (errmsg != NULL) {
        *errmsg = g_string_free(p.err, p.err->len == 0);
    } else {
        g_string_free(p.err, TRUE);
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
                *errmsg = g_strdup_printf("%s: no such chain file or profile\n", path);
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
