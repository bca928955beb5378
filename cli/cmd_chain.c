/*
 * bmclink chain status [-r RESOURCE] [--run-dir DIR] [--chain FILE]
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
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

struct status_opts {
    const char *resource;
    const char *run_dir;
    const char *chain_file;
};

void
bl_cmd_chain_usage(FILE *out)
{
    fputs("usage: bmclink chain status [-r RESOURCE] [--run-dir DIR] [--chain FILE]\n"
          "       bmclink chain check FILE|PROFILE\n"
          "       bmclink chain show FILE|PROFILE\n"
          "       bmclink chain keys\n\n"
          "status  each member's state and each folder's bind, for the chains this node runs\n"
          "        (or for the chain in FILE)\n"
          "check   parse and validate a chain file; errors name file and line\n"
          "show    the chain as the agent sees it, includes resolved, every key explicit\n"
          "keys    the member keys a chain file accepts, as a Markdown table\n",
          out);
}

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
print_members(const struct bl_chain_sys *sys, const struct bl_chain *chain)
{
    g_autofree enum bl_member_state *states = g_new0(enum bl_member_state, chain->n_members);
    enum bl_chain_state overall = BL_CHAIN_STOPPED;

    bl_chain_status(sys, chain, 0, states, &overall);
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

static void
print_folders(const struct bl_volume *v)
{
    static const char *const bind_names[] = {"not bound", "bound", "other mount"};

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

static int
status_instance(const struct bl_chain_sys *sys, const char *run_dir, const char *instance)
{
    struct bl_snapshot s;
    int rc = bl_chain_snapshot_read(run_dir, instance, &s);

    if (rc != 0) {
        fprintf(stderr, "bmclink: resource %s is not running on this node (%s)\n", instance,
                rc == -ENOENT ? "no run snapshot" : bl_strerror(rc));
        return BL_CLI_FAILED;
    }
    printf("resource %s: started %s on %s as %s\n", instance, s.started ? s.started : "?",
           s.node ? s.node : "?", s.mode ? s.mode : "?");
    print_members(sys, s.chain);
    print_folders(&s.volume);
    bl_chain_snapshot_clear(&s);
    return BL_CLI_OK;
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
status_file(const struct bl_chain_sys *sys, const char *path)
{
    struct bl_chain *chain = load_or_report(path);

    if (chain == NULL) {
        return BL_CLI_FAILED;
    }
    printf("chain file %s (not a running resource)\n", chain->source);
    print_members(sys, chain);
    bl_chain_free(chain);
    return BL_CLI_OK;
}

static int
parse_status_opts(int argc, char **argv, struct status_opts *o)
{
    static const struct option longopts[] = {{"resource", required_argument, NULL, 'r'},
                                             {"run-dir", required_argument, NULL, 'd'},
                                             {"chain", required_argument, NULL, 'c'},
                                             {NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:d:c:", longopts, NULL)) != -1) {
        switch (opt) {
            case 'r':
                o->resource = optarg;
                break;
            case 'd':
                o->run_dir = optarg;
                break;
            case 'c':
                o->chain_file = optarg;
                break;
            default:
                return BL_CLI_USAGE;
        }
    }
    return optind == argc ? BL_CLI_OK : BL_CLI_USAGE;
}

static int
cmd_status(int argc, char **argv)
{
    struct status_opts o = {.run_dir = g_getenv("HA_RSCTMP")};
    struct bl_chain_sys sys = {0};
    g_auto(GStrv) instances = NULL;
    int rc = parse_status_opts(argc, argv, &o);

    if (rc != BL_CLI_OK) {
        bl_cmd_chain_usage(stderr);
        return rc;
    }
    o.run_dir = o.run_dir != NULL ? o.run_dir : "/run/resource-agents";
    bl_chain_sys_defaults(&sys);
    if (o.chain_file != NULL) {
        return status_file(&sys, o.chain_file);
    }
    if (o.resource != NULL) {
        return status_instance(&sys, o.run_dir, o.resource);
    }
    instances = bl_chain_snapshot_list(o.run_dir);
    if (instances[0] == NULL) {
        printf("no service chain runs on this node (no snapshot in %s)\n", o.run_dir);
    }
    for (size_t i = 0; instances[i] != NULL; i++) {
        rc |= status_instance(&sys, o.run_dir, instances[i]);
    }
    return rc;
}

/* check and show: load a chain file (includes resolved) and report it. */
static int
cmd_load(int argc, char **argv, bool show)
{
    struct bl_chain *chain = NULL;
    g_autofree char *text = NULL;

    if (argc != 2) {
        bl_cmd_chain_usage(stderr);
        return BL_CLI_USAGE;
    }
    chain = load_or_report(argv[1]);
    if (chain == NULL) {
        return BL_CLI_FAILED;
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
    return BL_CLI_OK;
}

int
bl_cmd_chain(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "status") == 0) {
        return cmd_status(argc - 1, argv + 1);
    }
    if (argc >= 2 && (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "show") == 0)) {
        return cmd_load(argc - 1, argv + 1, strcmp(argv[1], "show") == 0);
    }
    if (argc == 2 && strcmp(argv[1], "keys") == 0) {
        bl_chain_print_keys(stdout);
        return BL_CLI_OK;
    }
    bl_cmd_chain_usage(stderr);
    return BL_CLI_USAGE;
}
