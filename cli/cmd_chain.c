/*
 * bmclink chain status [-r RESOURCE | --chain FILE] [--run-dir DIR] [--json]
 * bmclink chain check FILE
 * bmclink chain show FILE
 * bmclink chain keys
 *
 * status shows, for each chain this node runs (from the agent's run snapshot), every
 * member's state in start order and where each folder is bound; with --chain, the members of
 * a chain file that is not running here.
 */
#include "bl_result.h"
#include "chain_agent.h"
#include "chain_proc.h"
#include "chain_run.h"
#include "cli_json.h"
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct status_opts {
    char *resource;
    char *run_dir;
    char *chain_file;
    gboolean json;
};

static char *
member_where(const struct bl_chain_member *m, enum bl_member_state state)
{
    pid_t pid = 0;

    switch (m->kind) {
        case BL_KIND_SYSTEMD:
            return g_strdup_printf("unit %s", m->unit);
        case BL_KIND_LSB:
            return g_strdup_printf("script %s", m->script);
        default:
            if (state == BL_MEMBER_RUNNING && bl_chain_pidfile_read(m->pidfile, &pid) == 0) {
                return g_strdup_printf("pid %d (%s)", (int) pid, m->pidfile);
            }
            return g_strdup_printf("pidfile %s", m->pidfile);
    }
}

static void
json_str(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value != NULL) {
        json_builder_add_string_value(b, value);
    } else {
        json_builder_add_null_value(b);
    }
}

static void
json_members(JsonBuilder *b, const struct bl_chain *chain, const enum bl_member_state *states,
             enum bl_chain_state overall)
{
    json_builder_set_member_name(b, "chain");
    json_builder_begin_object(b);
    json_str(b, "name", chain->name);
    json_str(b, "state", bl_chain_state_name(overall));
    json_builder_set_member_name(b, "members");
    json_builder_begin_array(b);
    for (size_t i = 0; i < chain->n_members; i++) {
        const struct bl_chain_member *m = &chain->members[i];
        g_autofree char *where = member_where(m, states[i]);
        json_builder_begin_object(b);
        json_str(b, "name", m->name);
        json_str(b, "kind", bl_chain_member_kind_name(m->kind));
        json_builder_set_member_name(b, "optional");
        json_builder_add_boolean_value(b, m->optional);
        json_str(b, "state", bl_chain_member_state_name(states[i]));
        json_str(b, "where", where);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void json_folders(JsonBuilder *b, const struct bl_volume *v);

/* The member's state, in text or, with b, as JSON objects. */
static void
print_members(const struct bl_chain_sys *sys, const struct bl_chain *chain, JsonBuilder *b)
{
    g_autofree enum bl_member_state *states = g_new0(enum bl_member_state, chain->n_members);
    enum bl_chain_state overall = BL_CHAIN_STOPPED;

    bl_chain_status(sys, chain, 0, states, &overall);
    if (b != NULL) {
        json_members(b, chain, states, overall);
        return;
    }
    printf("  chain %s: %s\n", chain->name, bl_chain_state_name(overall));
    printf("  %-3s %-34s %-8s %-9s %-8s %s\n", "#", "member", "kind", "optional", "state", "where");
    for (size_t i = 0; i < chain->n_members; i++) {
        const struct bl_chain_member *m = &chain->members[i];
        g_autofree char *where = member_where(m, states[i]);
        printf("  %-3zu %-34s %-8s %-9s %-8s %s\n", i + 1, m->name,
               bl_chain_member_kind_name(m->kind), m->optional ? "yes" : "no",
               bl_chain_member_state_name(states[i]), where);
    }
}

static const char *const bind_names[] = {"not bound", "bound", "other mount"};

static void
print_folders(const struct bl_volume *v, JsonBuilder *b)
{
    if (b != NULL) {
        json_folders(b, v);
        return;
    }
    if (v->state_dir == NULL) {
        printf("  no state_dir: nothing bound from a shared volume\n");
        return;
    }
    printf("  state_dir %s%s%s\n", v->state_dir, v->device != NULL ? " on " : "",
           v->device != NULL ? v->device : "");
    for (size_t i = 0; i < v->n_folders; i++) {
        const struct bl_folder *f = &v->folders[i];
        printf("  folder %-16s %-40s %s from %s/%s\n", f->name, f->path,
               bind_names[bl_volume_bind_state(v, i)], v->state_dir, f->name);
    }
}

static void
json_folders(JsonBuilder *b, const struct bl_volume *v)
{
    json_str(b, "state_dir", v->state_dir);
    json_str(b, "device", v->device);
    json_builder_set_member_name(b, "folders");
    json_builder_begin_array(b);
    for (size_t i = 0; v->state_dir != NULL && i < v->n_folders; i++) {
        json_builder_begin_object(b);
        json_str(b, "name", v->folders[i].name);
        json_str(b, "path", v->folders[i].path);
        json_str(b, "bind", bind_names[bl_volume_bind_state(v, i)]);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static int
status_instance(const struct bl_chain_sys *sys, const char *run_dir, const char *instance,
                JsonBuilder *b)
{
    struct bl_snapshot s;
    int rc = bl_chain_snapshot_read(run_dir, instance, &s);

    if (rc != 0) {
        fprintf(stderr, "bmclink chain: resource %s is not running on this node (%s)\n", instance,
                rc == -ENOENT ? "no run snapshot" : bl_strerror(rc));
        return BL_CLI_EXIT_FAILED;
    }
    if (b != NULL) {
        json_builder_begin_object(b);
        json_str(b, "resource", instance);
        json_str(b, "started", s.started);
        json_str(b, "node", s.node);
        json_str(b, "mode", s.mode);
    } else {
        printf("resource %s: started %s on %s as %s\n", instance, s.started ? s.started : "?",
               s.node ? s.node : "?", s.mode ? s.mode : "?");
    }
    print_members(sys, s.chain, b);
    print_folders(&s.volume, b);
    if (b != NULL) {
        json_builder_end_object(b);
    }
    bl_chain_snapshot_clear(&s);
    return BL_CLI_EXIT_OK;
}

/* Load a chain file or profile name, printing its errors. \return the chain or NULL */
static struct bl_chain *
load_or_report(const char *path)
{
    const struct bl_chain_defaults defs = {60000, 30000, bl_chain_agent_search_dirs()};
    struct bl_chain *chain = NULL;
    g_autofree char *err = NULL;

    if (bl_chain_load_file(path, &defs, &chain, &err) != 0) {
        fprintf(stderr, "%s\n", err != NULL ? err : "cannot load chain");
    }
    return chain;
}

static int
status_file(const struct bl_chain_sys *sys, const char *path, JsonBuilder *b)
{
    struct bl_chain *chain = load_or_report(path);

    if (chain == NULL) {
        return BL_CLI_EXIT_FAILED;
    }
    if (b != NULL) {
        json_builder_begin_object(b);
        json_str(b, "file", chain->source);
    } else {
        printf("chain file %s (not a running resource)\n", chain->source);
    }
    print_members(sys, chain, b);
    if (b != NULL) {
        json_builder_end_object(b);
    }
    bl_chain_free(chain);
    return BL_CLI_EXIT_OK;
}

static int
status_all(const struct bl_chain_sys *sys, const struct status_opts *o, JsonBuilder *b)
{
    g_auto(GStrv) instances = NULL;
    int rc = BL_CLI_EXIT_OK;

    if (o->chain_file != NULL) {
        return status_file(sys, o->chain_file, b);
    }
    if (o->resource != NULL) {
        return status_instance(sys, o->run_dir, o->resource, b);
    }
    instances = bl_chain_snapshot_list(o->run_dir);
    if (instances[0] == NULL && b == NULL) {
        printf("no service chain runs on this node (no snapshot in %s)\n", o->run_dir);
    }
    for (size_t i = 0; instances[i] != NULL; i++) {
        rc |= status_instance(sys, o->run_dir, instances[i], b);
    }
    return rc;
}

static int
cmd_status(struct status_opts *o)
{
    struct bl_chain_sys sys = {0};
    g_autoptr(JsonBuilder) b = o->json ? json_builder_new() : NULL;
    int rc;

    if (o->run_dir == NULL) {
        o->run_dir = g_strdup(g_getenv("HA_RSCTMP") != NULL ? g_getenv("HA_RSCTMP")
                                                            : "/run/resource-agents");
    }
    bl_chain_sys_defaults(&sys);
    /* the running resources: {"resources": [...]}; a chain file: its own object */
    bool wrap = b != NULL && o->chain_file == NULL;
    if (wrap) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "resources");
        json_builder_begin_array(b);
    }
    rc = status_all(&sys, o, b);
    if (wrap) {
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    if (b != NULL) {
        rc |= bl_cli_json_print(json_builder_get_root(b)); /* NULL (nothing) if FILE failed */
    }
    return rc;
}

/* check and show: load a chain file (includes resolved) and report it. */
static int
cmd_load(const char *path, bool show)
{
    struct bl_chain *chain = NULL;
    g_autofree char *text = NULL;

    chain = load_or_report(path);
    if (chain == NULL) {
        return BL_CLI_EXIT_FAILED;
    }
    if (show) {
        text = bl_chain_to_text(chain);
        fputs(text, stdout);
    } else {
        size_t left = chain->left_out != NULL ? g_strv_length(chain->left_out) : 0;
        printf("%s: chain %s, %zu members, valid", chain->source, chain->name, chain->n_members);
        if (left > 0) {
            printf(" (%zu left out by the site: bmclink chain show lists them)", left);
        }
        putchar('\n');
    }
    bl_chain_free(chain);
    return BL_CLI_EXIT_OK;
}

int
bl_cmd_chain(int argc, char **argv)
{
    static const struct bl_cli_sub subs[] = {
        {"status", "", 0, 0, "resource run-dir chain json",
         "each member's state and each folder's bind, for the chains this node runs (or for "
         "the chain in FILE)"},
        {"check", "FILE|PROFILE", 1, 1, NULL,
         "parse and validate a chain file; errors name file "
         "and line"},
        {"show", "FILE|PROFILE", 1, 1, NULL,
         "the chain as the agent sees it, includes resolved, every key explicit"},
        {"keys", "", 0, 0, NULL, "the member keys a chain file accepts, as a Markdown table"},
        {NULL, NULL, 0, 0, NULL, NULL},
    };
    struct status_opts o = {0};
    GOptionEntry entries[] = {
        {"resource", 'r', 0, G_OPTION_ARG_STRING, &o.resource,
         "status: only this resource (instance) of the agent", "RESOURCE"},
        {"run-dir", 'd', 0, G_OPTION_ARG_FILENAME, &o.run_dir,
         "status: the agents' run directory (default $HA_RSCTMP or /run/resource-agents)", "DIR"},
        {"chain", 'c', 0, G_OPTION_ARG_FILENAME, &o.chain_file,
         "status: the members of this chain file, not a running resource", "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "status: as JSON", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {"bmclink chain", "Service chains.", entries, NULL, subs, NULL};
    struct bl_cli_args a;
    int rc = bl_cli_parse(&spec, argc, argv, &a);

    if (rc == 0) {
        rc = bl_cli_conflict(&spec, &a, "resource", "chain");
    }
    if (rc == 0 && strcmp(a.sub->name, "status") == 0) {
        rc = cmd_status(&o);
    } else if (rc == 0 && strcmp(a.sub->name, "keys") == 0) {
        bl_chain_print_keys(stdout);
    } else if (rc == 0) {
        rc = cmd_load(a.words[0], strcmp(a.sub->name, "show") == 0);
    }
    bl_cli_args_clear(&a);
    g_free(o.resource);
    g_free(o.run_dir);
    g_free(o.chain_file);
    return rc == BL_CLI_DONE ? BL_CLI_EXIT_OK : rc;
}
