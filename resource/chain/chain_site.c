/*
 * Site conditions in chain files. The vendor's cluster guide leaves services out of the
 * start/stop scripts when a feature is not used (DMI events, SNMP trap forwarding) or the
 * installed version lacks them (the 6.40 bridges, the 5.5 event manager). A profile marks
 * such a member with "when = FEATURE" or "when = version >= X.Y"; the site file that
 * includes the profile says "version = ..." and "features = ...", and the chain is resolved
 * once, when it is loaded: what the site does not meet is left out (and listed), not run
 * and not monitored. "optional" keeps its own meaning (a failure does not block the rest).
 *
 * Also here: the [folder NAME] sections (what the guide moves to the shared disk) and the
 * text of both for `bmclink chain show`.
 */
#include "bl_conf.h"
#include "bl_result.h"
#include "chain_int.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

#define FEATURE_MAX 64

static bool
valid_feature(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > FEATURE_MAX || !g_ascii_islower(name[0])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '_') {
            return false;
        }
    }
    return true;
}

/* "6", "6.4", "6.40" -> 600, 640, 640; -1 when malformed. */
static int
version_value(const char *text)
{
    unsigned major = 0, minor = 0;
    size_t i = 0, digits = 0;

    for (; g_ascii_isdigit(text[i]) && i < 3; i++) {
        major = major * 10 + (unsigned) (text[i] - '0');
    }
    if (i == 0) {
        return -1;
    }
    if (text[i] == '.') {
        for (i++; g_ascii_isdigit(text[i]) && digits < 2; i++, digits++) {
            minor = minor * 10 + (unsigned) (text[i] - '0');
        }
        if (digits == 0) {
            return -1;
        }
        minor = digits == 1 ? minor * 10 : minor; /* "5.5" is 5.50 */
    }
    return text[i] == '\0' ? (int) (major * 100 + minor) : -1;
}

int
bl_chain_version_compare(const char *a, const char *b, int *cmp)
{
    int va = a != NULL ? version_value(a) : -1;
    int vb = b != NULL ? version_value(b) : -1;

    if (va < 0 || vb < 0) {
        return BL_E_INVALID;
    }
    *cmp = va < vb ? -1 : va > vb;
    return 0;
}

/* A condition's parts: a feature name, or the minimum version. */
struct cond {
    char *feature;
    char *min_version;
};

static bool
parse_cond(const char *text, struct cond *c)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
    GPtrArray *w = g_ptr_array_new();
    bool ok = false;

    for (size_t i = 0; words[i] != NULL; i++) {
        if (words[i][0] != '\0') {
            g_ptr_array_add(w, words[i]);
        }
    }
    c->feature = c->min_version = NULL;
    if (w->len == 1 && valid_feature(w->pdata[0])) {
        c->feature = g_strdup(w->pdata[0]);
        ok = true;
    } else if (w->len == 3 && strcmp(w->pdata[0], "version") == 0 &&
               strcmp(w->pdata[1], ">=") == 0 && version_value(w->pdata[2]) >= 0) {
        c->min_version = g_strdup(w->pdata[2]);
        ok = true;
    }
    g_ptr_array_free(w, TRUE);
    return ok;
}

static void
cond_clear(struct cond *c)
{
    g_clear_pointer(&c->feature, g_free);
    g_clear_pointer(&c->min_version, g_free);
}

const char *
bl_chain_cond_problem(const char *text)
{
    struct cond c;

    if (!parse_cond(text, &c)) {
        return "is not a condition (a feature name such as dmi_events, or version >= 6.40)";
    }
    cond_clear(&c);
    return NULL;
}

/* The condition part of a hook value, or NULL when it has none; sets *action_len. */
static const char *
hook_cond(const char *text, size_t *action_len)
{
    const char *sp = strchr(text, ' ');

    *action_len = sp != NULL ? (size_t) (sp - text) : strlen(text);
    if (sp == NULL) {
        return NULL;
    }
    while (*sp == ' ') {
        sp++;
    }
    return g_str_has_prefix(sp, "if ") ? sp + 3 : sp;
}

const char *
bl_chain_hook_problem(const char *text)
{
    size_t len;
    const char *cond = hook_cond(text, &len);

    if (!((len == 5 && strncmp(text, "start", 5) == 0) ||
          (len == 4 && strncmp(text, "stop", 4) == 0))) {
        return "must be start or stop, optionally followed by 'if CONDITION'";
    }
    if (cond != NULL && (strstr(text, " if ") == NULL || bl_chain_cond_problem(cond) != NULL)) {
        return "has a malformed 'if CONDITION' (a feature name, or version >= X.Y)";
    }
    return NULL;
}

static const char *
parse_features(const char *value, char ***out)
{
    g_auto(GStrv) words = g_strsplit_set(value, " \t,", -1);
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; words[i] != NULL; i++) {
        if (words[i][0] == '\0' || strcmp(words[i], "none") == 0) {
            continue;
        }
        if (!valid_feature(words[i])) {
            g_ptr_array_free(list, TRUE);
            return "must list feature names (lower-case letters, digits, '_') or be none";
        }
        g_ptr_array_add(list, g_strdup(words[i]));
    }
    g_ptr_array_add(list, NULL);
    *out = (char **) g_ptr_array_free(list, FALSE);
    return NULL;
}

/* Set *field from a file at depth unless a file nearer the top already set it. */
static bool
takes(int depth, const void *current, int *field_depth)
{
    if (current != NULL && *field_depth <= depth) {
        return false;
    }
    *field_depth = depth;
    return true;
}

static int
site_features(const struct bl_conf_key *k, const char *text, void *base)
{
    struct bl_chain_site_ctx *ctx = base;
    struct bl_chain_site *site = ctx->site;
    char **features = NULL;

    (void) k;
    if (parse_features(text, &features) != NULL) {
        return BL_E_INVALID;
    }
    if (takes(ctx->depth, site->features, &site->features_depth)) {
        g_strfreev(site->features);
        site->features = features;
    } else {
        g_strfreev(features);
    }
    return 0;
}

/* version (6.40, 5.5) and series (a major version: 6) */
static int
site_version(const struct bl_conf_key *k, const char *text, void *base)
{
    struct bl_chain_site_ctx *ctx = base;
    bool series = strcmp(k->key, "series") == 0;
    char **field = series ? &ctx->site->series : &ctx->site->version;
    int *field_depth = series ? &ctx->site->series_depth : &ctx->site->version_depth;

    if (version_value(text) < 0 || (series && strchr(text, '.') != NULL)) {
        return BL_E_INVALID;
    }
    if (takes(ctx->depth, *field, field_depth)) {
        g_free(*field);
        *field = g_strdup(text);
    }
    return 0;
}

/* include is read by the chain's reader itself (it opens a file); never stored. */
static int
site_include(const struct bl_conf_key *k, const char *text, void *base)
{
    (void) k;
    (void) text;
    (void) base;
    return BL_E_INVALID;
}

#define CTX(field) offsetof(struct bl_chain_site_ctx, field)

const struct bl_conf_key bl_chain_keys[] = {
    {"chain", "name", BL_CONF_STRDUP, NULL, 0, 0, NULL, NULL, CTX(name), 0,
     "the chain's name; default the file's base name (an included file's is not used)"},
    {"chain", "description", BL_CONF_STRDUP, NULL, 0, 0, NULL, NULL, CTX(description), 0,
     "free text"},
    {"chain", "include", BL_CONF_CUSTOM, NULL, 0, 0, "a chain file or profile name", site_include,
     0, 0, "members of another chain first (before any [member] section)"},
    {"chain", "series", BL_CONF_CUSTOM, NULL, 0, 0, "a major version such as 6", site_version, 0, 0,
     "the manager's major version the profile is for"},
    {"chain", "version", BL_CONF_CUSTOM, NULL, 0, 0, "a version such as 6.40 or 5.5", site_version,
     0, 0, "the manager's version the site runs (when = version >= X.Y)"},
    {"chain", "features", BL_CONF_CUSTOM, NULL, 0, 0,
     "feature names (lower-case letters, digits, '_'), or none", site_features, 0, 0,
     "the features the site uses (when = FEATURE)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

void
bl_chain_site_clear(struct bl_chain_site *site)
{
    g_clear_pointer(&site->version, g_free);
    g_clear_pointer(&site->features, g_strfreev);
    g_clear_pointer(&site->series, g_free);
}

/* What the conditions of a chain ask of its site. */
struct needs {
    GHashTable *features; /* feature -> first entry naming it */
    const char *version_by;
};

static void
note_cond(struct needs *n, const char *text, const char *who)
{
    struct cond c;

    if (text == NULL || !parse_cond(text, &c)) {
        return;
    }
    if (c.feature != NULL && !g_hash_table_contains(n->features, c.feature)) {
        g_hash_table_insert(n->features, g_strdup(c.feature), (gpointer) who);
    }
    if (c.min_version != NULL && n->version_by == NULL) {
        n->version_by = who;
    }
    cond_clear(&c);
}

static void
collect_needs(struct needs *n, GArray *members, GArray *folders)
{
    size_t len;

    for (guint i = 0; i < members->len; i++) {
        const struct bl_chain_member *m = &g_array_index(members, struct bl_chain_member, i);
        note_cond(n, m->when, m->name);
        for (int h = 0; h < BL_HOOK_COUNT; h++) {
            note_cond(n, m->hook[h] != NULL ? hook_cond(m->hook[h], &len) : NULL, m->name);
        }
    }
    for (guint i = 0; i < folders->len; i++) {
        const struct bl_chain_folder *f = &g_array_index(folders, struct bl_chain_folder, i);
        note_cond(n, f->when, f->name);
    }
}

static gint
compare_names(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void) unused;
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static char *
known_list(GHashTable *features)
{
    g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array(features, NULL);
    GString *s = g_string_new(NULL);

    g_qsort_with_data(keys, (gint) g_hash_table_size(features), sizeof(char *), compare_names,
                      NULL);
    for (guint i = 0; i < g_hash_table_size(features); i++) {
        g_string_append_printf(s, "%s%s", i > 0 ? " " : "", keys[i]);
    }
    return g_string_free(s, FALSE);
}

/* Does the site give what the conditions need, and only features they know? */
static void
check_site(const struct bl_chain_site *site, struct bl_conf *f, struct needs *n)
{
    g_autofree char *known = known_list(n->features);

    if (g_hash_table_size(n->features) > 0 && site->features == NULL) {
        bl_conf_fail(f, "chain", "features",
                     "members depend on the site's features (%s): say which the site uses "
                     "with 'features = ...' in its [chain] section ('features = none' when "
                     "none)",
                     known);
    }
    if (n->version_by != NULL && site->version == NULL) {
        bl_conf_fail(f, "chain", "version",
                     "'%s' depends on the manager's version: give it with 'version = ...' "
                     "(e.g. 6.40) in the site's [chain] section",
                     n->version_by);
    }
    for (size_t i = 0; site->features != NULL && site->features[i] != NULL; i++) {
        if (strcmp(site->features[i], "all") != 0 &&
            !g_hash_table_contains(n->features, site->features[i])) {
            bl_conf_fail(f, "chain", "features", "feature '%s' is not one this chain knows (%s)",
                         site->features[i], *known ? known : "none");
        }
    }
    if (site->series != NULL && site->version != NULL &&
        version_value(site->version) / 100 != version_value(site->series) / 100) {
        bl_conf_fail(f, "chain", "version", "version %s is not a Ver.%s release (series = %s)",
                     site->version, site->series, site->series);
    }
}

/* Whether the site meets a condition; *why says why not (static or in buf). */
static bool
cond_met(const struct bl_chain_site *site, const char *text, char *buf, size_t size)
{
    struct cond c;
    bool met = false;
    int cmp = 0;

    if (text == NULL) {
        return true;
    }
    if (!parse_cond(text, &c)) {
        return false;
    }
    if (c.feature != NULL) {
        met = site->features != NULL &&
              (g_strv_contains((const char *const *) site->features, c.feature) ||
               g_strv_contains((const char *const *) site->features, "all"));
        g_snprintf(buf, size, "not among the site's features");
    } else {
        met = bl_chain_version_compare(site->version, c.min_version, &cmp) == 0 && cmp >= 0;
        g_snprintf(buf, size, "the site runs %s", site->version != NULL ? site->version : "?");
    }
    cond_clear(&c);
    return met;
}

static void
drop_hooks(const struct bl_chain_site *site, struct bl_chain_member *m, GPtrArray *left_out)
{
    static const char *const names[BL_HOOK_COUNT] = {"before_start", "after_start", "before_stop",
                                                     "after_stop"};
    char why[64];
    size_t len;

    for (int h = 0; h < BL_HOOK_COUNT; h++) {
        if (m->hook[h] != NULL && !cond_met(site, hook_cond(m->hook[h], &len), why, sizeof why)) {
            g_ptr_array_add(left_out, g_strdup_printf("outside %s: %s = %s left out, %s", m->name,
                                                      names[h], m->hook[h], why));
            g_clear_pointer(&m->hook[h], g_free);
            m->key_line[BL_MK_BEFORE_START + h] = 0;
        }
    }
}

static void
resolve_members(const struct bl_chain_site *site, GArray *members, GPtrArray *left_out,
                void (*free_member)(struct bl_chain_member *m))
{
    char why[64];

    for (guint i = 0; i < members->len;) {
        struct bl_chain_member *m = &g_array_index(members, struct bl_chain_member, i);
        if (cond_met(site, m->when, why, sizeof why)) {
            drop_hooks(site, m, left_out);
            i++;
            continue;
        }
        g_ptr_array_add(left_out,
                        g_strdup_printf("%s %s: left out, when = %s, %s",
                                        m->outside ? "outside" : "member", m->name, m->when, why));
        free_member(m);
        g_array_remove_index(members, i);
    }
}

void
bl_chain_site_resolve(const struct bl_chain_site *site, struct bl_conf *f, GArray *members,
                      GArray *folders, GPtrArray *left_out,
                      void (*free_member)(struct bl_chain_member *m))
{
    struct needs n = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), NULL};
    char why[64];

    collect_needs(&n, members, folders);
    check_site(site, f, &n);
    g_hash_table_destroy(n.features);
    if (bl_conf_result(f, NULL) != BL_OK) {
        return;
    }
    resolve_members(site, members, left_out, free_member);
    for (guint i = 0; i < folders->len;) {
        struct bl_chain_folder *d = &g_array_index(folders, struct bl_chain_folder, i);
        if (cond_met(site, d->when, why, sizeof why)) {
            i++;
            continue;
        }
        g_ptr_array_add(
            left_out, g_strdup_printf("folder %s: left out, when = %s, %s", d->name, d->when, why));
        bl_chain_folder_clear(d);
        g_array_remove_index(folders, i);
    }
}

static int
folder_path(const struct bl_conf_key *k, const char *text, void *base)
{
    struct bl_chain_folder *f = base;
    g_auto(GStrv) parts = g_strsplit(text, "/", -1);

    (void) k;
    if (text[0] == '/' || text[0] == '\0') {
        return BL_E_INVALID;
    }
    for (size_t i = 0; parts[i] != NULL; i++) {
        if (parts[i][0] == '\0' || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0) {
            return BL_E_INVALID;
        }
    }
    g_free(f->path);
    f->path = g_strdup(text);
    return 0;
}

static int
folder_mode(const struct bl_conf_key *k, const char *text, void *base)
{
    struct bl_chain_folder *f = base;
    char *end = NULL;
    guint64 mode;

    (void) k;
    errno = 0;
    mode = g_ascii_strtoull(text, &end, 8);
    if (text[0] < '0' || text[0] > '7' || errno != 0 || *end != '\0' || mode > 07777) {
        return BL_E_INVALID;
    }
    f->mode = (unsigned) mode;
    return 0;
}

#define FOLDER(field) offsetof(struct bl_chain_folder, field)
#define FL (BL_CONF_NAMED | BL_CONF_RAW) /* [folder NAME]; values as written */

const struct bl_conf_key bl_chain_folder_keys[] = {
    {"folder", "description", BL_CONF_STRDUP, NULL, 0, 0, NULL, NULL, FOLDER(description), FL,
     "free text"},
    {"folder", "path", BL_CONF_CUSTOM, NULL, 0, 0,
     "a path below the manager's install folder: no leading '/', no empty, '.' or '..' parts",
     folder_path, 0, FL, "where the folder is, below the manager's install folder"},
    {"folder", "mode", BL_CONF_CUSTOM, NULL, 0, 0, "octal permissions such as 0775", folder_mode, 0,
     FL, "the permissions it gets on the volume"},
    {"folder", "optional", BL_CONF_BOOL, "false", 0, 0, NULL, NULL, FOLDER(optional), FL,
     "may be missing on a fresh install"},
    {"folder", "when", BL_CONF_CUSTOM, NULL, 0, 0,
     "a condition: a feature name such as dmi_events, or version >= 6.40", bl_chain_parse_cond,
     FOLDER(when), FL, "site condition"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

void
bl_chain_folder_clear(struct bl_chain_folder *f)
{
    g_clear_pointer(&f->name, g_free);
    g_clear_pointer(&f->description, g_free);
    g_clear_pointer(&f->path, g_free);
    g_clear_pointer(&f->when, g_free);
    g_clear_pointer(&f->source, g_free);
}

void
bl_chain_site_to_text(const struct bl_chain *chain, GString *out)
{
    if (chain->series != NULL) {
        g_string_append_printf(out, "series = %s\n", chain->series);
    }
    if (chain->version != NULL) {
        g_string_append_printf(out, "version = %s\n", chain->version);
    }
    if (chain->features != NULL) {
        g_autofree char *list = g_strjoinv(" ", chain->features);
        g_string_append_printf(out, "features = %s\n", *list != '\0' ? list : "none");
    }
    for (size_t i = 0; chain->left_out != NULL && chain->left_out[i] != NULL; i++) {
        g_string_append_printf(out, "# %s\n", chain->left_out[i]);
    }
}

void
bl_chain_folders_to_text(const struct bl_chain *chain, GString *out)
{
    for (size_t i = 0; i < chain->n_folders; i++) {
        const struct bl_chain_folder *f = &chain->folders[i];
        g_string_append_printf(out, "\n[folder %s]\n", f->name);
        if (f->description != NULL) {
            g_string_append_printf(out, "description = %s\n", f->description);
        }
        if (f->path != NULL) {
            g_string_append_printf(out, "path = %s\n", f->path);
        }
        if (f->mode != 0) {
            g_string_append_printf(out, "mode = %04o\n", f->mode);
        }
        g_string_append_printf(out, "optional = %s\n", f->optional ? "true" : "false");
        if (f->when != NULL) {
            g_string_append_printf(out, "when = %s\n", f->when);
        }
    }
}
