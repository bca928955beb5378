/*
 * bmclink esm chain|setup|facts|check|update SITE: the server manager's site, set up and
 * checked as the vendor's cluster guide has it, for Pacemaker (docs/esm.md). Glue only: the
 * logic is resource/esm/.
 */
#include "bl_result.h"
#include "chain_agent.h"
#include "chain_exec.h"
#include "cli_json.h"
#include "commands.h"
#include "esm.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define APPLY_TIMEOUT_MS 120000
#define FACTS_TIMEOUT_MS 60000

struct opts {
    gboolean crm;
    gboolean apply;
    gboolean json;
    char *node;
    char *reg_cli;
    char *reg_profile;
    char *chains; /* a directory searched before the installed chain folders */
    const char *site;
    char **facts; /* files given to check */
};

/* The site and its resolved chain, or a message and NULL. */
static struct bl_esm_site *
load_site(const struct opts *o, struct bl_chain **chain)
{
    const char *path = o->site;
    const char *const *installed = bl_chain_agent_search_dirs();
    const char *dirs[8] = {o->chains};
    struct bl_esm_site *site = NULL;
    g_autofree char *err = NULL;

    for (size_t i = 0, n = o->chains != NULL; installed[i] != NULL && n < 7; i++) {
        dirs[n++] = installed[i];
    }

    if (bl_esm_site_load(path, &site, &err) != 0) {
        fprintf(stderr, "%s\n", err != NULL ? err : "cannot read the site file");
        return NULL;
    }
    if (bl_esm_chain_load(site, dirs, chain, &err) != 0) {
        fprintf(stderr, "%s: the site's chain does not load:\n%s\n", path, err ? err : "");
        bl_esm_site_free(site);
        return NULL;
    }
    return site;
}

static int
run_logged(char *const *argv, const char *what)
{
    struct bl_exec_req req = {.argv = argv, .timeout_ms = APPLY_TIMEOUT_MS};
    struct bl_exec_res res;
    int rc = bl_chain_exec_posix.run(NULL, &req, &res);
    bool ok = rc == 0 && bl_chain_exec_ok(&res);

    if (!ok) {
        fprintf(stderr, "bmclink esm: %s failed (%s):\n%s", what,
                rc != 0 ? bl_strerror(rc) : "non-zero exit", res.output ? res.output : "");
    }
    bl_chain_exec_res_clear(&res);
    return ok ? BL_CLI_EXIT_OK : BL_CLI_EXIT_FAILED;
}

static int
apply_pcs(const struct bl_esm_site *site, const struct bl_chain *chain)
{
    g_autoptr(GPtrArray) cmds = bl_esm_pcs_commands(site, chain);
    g_autofree char *pcs = g_find_program_in_path("pcs");

    if (pcs == NULL) {
        fputs("bmclink esm: pcs not found\n", stderr);
        return BL_CLI_EXIT_FAILED;
    }
    for (guint i = 0; i < cmds->len; i++) {
        struct bl_esm_cmd *c = cmds->pdata[i];
        g_autofree char *line = bl_esm_cmd_line(c); /* as the script has it: runs if pasted */
        printf("+ %s\n", line);
        fflush(stdout);
        g_free(c->argv[0]);
        c->argv[0] = g_strdup(pcs);
        if (run_logged(c->argv, line) != BL_CLI_EXIT_OK) {
            return BL_CLI_EXIT_FAILED;
        }
    }
    return BL_CLI_EXIT_OK;
}

static int
apply_crm(const char *text)
{
    g_autofree char *crm = g_find_program_in_path("crm");
    g_autofree char *tmp = g_build_filename(g_get_tmp_dir(), "bmclink-esm-XXXXXX.crm", NULL);
    int fd = g_mkstemp(tmp);
    int rc;

    if (crm == NULL || fd < 0) {
        fputs(crm == NULL ? "bmclink esm: crm not found\n" : "bmclink esm: no temporary file\n",
              stderr);
        return BL_CLI_EXIT_FAILED;
    }
    close(fd);
    if (!g_file_set_contents(tmp, text, -1, NULL)) {
        g_unlink(tmp);
        return BL_CLI_EXIT_FAILED;
    }
    char *argv[] = {crm, "configure", "load", "update", tmp, NULL};
    printf("+ crm configure load update %s\n", tmp);
    rc = run_logged(argv, "crm configure load update");
    g_unlink(tmp);
    return rc;
}

static int
cmd_setup(const struct opts *o, const struct bl_esm_site *site, const struct bl_chain *chain)
{
    g_autofree char *text = o->crm ? bl_esm_crm_text(site, chain) : bl_esm_pcs_script(site, chain);

    if (!o->apply) {
        fputs(text, stdout);
        return BL_CLI_EXIT_OK;
    }
    return o->crm ? apply_crm(text) : apply_pcs(site, chain);
}

static char *
default_profile(const struct opts *o, const struct bl_esm_site *site)
{
    if (o->reg_profile != NULL) {
        return g_strdup(o->reg_profile);
    }
    return g_build_filename(BL_REGISTRY_SHARE_DIR, bl_esm_registry_profile(site), NULL);
}

/* This node's name as Pacemaker knows it: the host name up to its first dot. */
static char *
local_node(const struct opts *o)
{
    return o->node != NULL ? g_strdup(o->node)
                           : g_strndup(g_get_host_name(), strcspn(g_get_host_name(), "."));
}

static void
gather_here(const struct opts *o, const struct bl_esm_site *site, const struct bl_chain *chain,
            const char *node, struct bl_esm_facts *f)
{
    struct bl_chain_sys sys = {0};
    g_autofree char *profile = default_profile(o, site);

    bl_chain_sys_defaults(&sys);
    bl_esm_gather(site, chain, &sys, node,
                  site->registry ? (o->reg_cli ? o->reg_cli : BL_REG_CLI) : NULL, profile, f);
}

static int
cmd_facts(const struct opts *o, const struct bl_esm_site *site, const struct bl_chain *chain)
{
    struct bl_esm_facts f;
    g_autofree char *node = local_node(o);
    g_autofree char *text = NULL;

    gather_here(o, site, chain, node, &f);
    text = bl_esm_facts_to_text(&f);
    fputs(text, stdout);
    bl_esm_facts_clear(&f);
    return BL_CLI_EXIT_OK;
}

/* Another node's facts through ssh (BatchMode: never a password prompt). */
static bool
gather_remote(const struct opts *o, const char *node, struct bl_esm_facts *f)
{
    g_autofree char *ssh = g_find_program_in_path("ssh");
    g_autofree char *qnode = g_shell_quote(node);
    g_autofree char *qsite = g_shell_quote(o->site);
    /* ssh hands the remote shell one command line: every word quoted. The runner captures
     * stdout and stderr together, so the remote stderr goes nowhere and ssh says only
     * errors: the output is the facts alone. */
    g_autofree char *remote =
        g_strdup_printf("bmclink esm facts --node %s %s 2>/dev/null", qnode, qsite);
    char *argv[] = {
        ssh,  "-o",          "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
        "--", (char *) node, remote,          NULL};
    struct bl_exec_req req = {.argv = argv, .timeout_ms = FACTS_TIMEOUT_MS};
    struct bl_exec_res res = {0};
    g_autofree char *err = NULL;
    bool ran =
        ssh != NULL && bl_chain_exec_posix.run(NULL, &req, &res) == 0 && bl_chain_exec_ok(&res);
    bool ok = ran && bl_esm_facts_from_text(res.output ? res.output : "", f, &err) == 0;

    if (!ran) {
        fprintf(stderr, "bmclink esm: no facts from %s over ssh%s%s", node,
                res.output != NULL ? ": " : "\n", res.output != NULL ? res.output : "");
    } else if (err != NULL) {
        fprintf(stderr, "bmclink esm: facts from %s: %s", node, err);
    }
    bl_chain_exec_res_clear(&res);
    return ok;
}

static bool
read_facts_file(const char *path, struct bl_esm_facts *f)
{
    g_autofree char *text = NULL;
    g_autofree char *err = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        bl_esm_facts_from_text(text, f, &err) != 0) {
        fprintf(stderr, "bmclink esm: %s: %s", path, err ? err : "cannot read\n");
        return false;
    }
    return true;
}

/* --json of check: {"site", "nodes", "facts_from", "ok", "violations": [...]} */
static void
print_check_json(const struct bl_esm_site *site, guint n_facts, const GPtrArray *lines)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "site");
    json_builder_add_string_value(b, site->source);
    json_builder_set_member_name(b, "nodes");
    json_builder_add_int_value(b, (gint64) site->n_nodes);
    json_builder_set_member_name(b, "facts_from");
    json_builder_add_int_value(b, n_facts);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, lines->len == 0);
    json_builder_set_member_name(b, "violations");
    json_builder_begin_array(b);
    for (guint i = 0; i < lines->len; i++) {
        json_builder_add_string_value(b, lines->pdata[i]);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    bl_cli_json_print(json_builder_get_root(b));
}

static int
cmd_check(const struct opts *o, const struct bl_esm_site *site, const struct bl_chain *chain)
{
    GArray *facts = g_array_new(FALSE, TRUE, sizeof(struct bl_esm_facts));
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *here = local_node(o);
    struct bl_esm_facts f;

    for (size_t i = 0; o->facts[i] != NULL; i++) {
        if (read_facts_file(o->facts[i], &f)) {
            g_array_append_val(facts, f);
        }
    }
    for (size_t i = 0; o->facts[0] == NULL && i < site->n_nodes; i++) {
        const char *node = site->nodes[i].name;
        if (strcmp(node, here) == 0) {
            gather_here(o, site, chain, node, &f);
            g_array_append_val(facts, f);
        } else {
            /* ssh may take up to its time-out: say what is awaited (stderr only) */
            fprintf(stderr, "bmclink esm: facts from %s over ssh ...\n", node);
            if (gather_remote(o, node, &f)) {
                g_array_append_val(facts, f);
            }
        }
    }
    bl_esm_check(site, chain, (struct bl_esm_facts *) (void *) facts->data, facts->len, lines);
    if (o->json) {
        print_check_json(site, facts->len, lines);
    }
    for (guint i = 0; !o->json && i < lines->len; i++) {
        printf("%s\n", (char *) lines->pdata[i]);
    }
    if (!o->json && lines->len == 0) {
        printf("%s: every prerequisite met on %zu node(s)\n", site->source, site->n_nodes);
    }
    for (guint i = 0; i < facts->len; i++) {
        bl_esm_facts_clear(&g_array_index(facts, struct bl_esm_facts, i));
    }
    g_array_free(facts, TRUE);
    return lines->len == 0 ? BL_CLI_EXIT_OK : BL_CLI_EXIT_FAILED;
}

static const struct bl_cli_sub subs[] = {
    {"chain", "SITE", 1, 1, NULL, "the site's chain file, for /etc/bmclink/chains/ on every node"},
    {"setup", "SITE", 1, 1, "crm apply",
     "print the whole Pacemaker configuration (pcs commands, or crmsh text); --apply runs it"},
    {"facts", "SITE", 1, 1, "node reg-cli registry-profile",
     "what this node sees of the prerequisites (for check)"},
    {"check", "SITE [FACTS-FILE...]", 1, -1, "node reg-cli registry-profile json",
     "every prerequisite on every node, one line per violation (facts from the files given, "
     "else gathered here and over ssh from the other nodes)"},
    {"update", "SITE", 1, 1, "crm", "the plan of a manager update, step by step (nothing is run)"},
    {NULL, NULL, 0, 0, NULL, NULL},
};

static int
run_sub(const struct opts *o, const char *sub, const struct bl_esm_site *site,
        const struct bl_chain *chain)
{
    g_autofree char *text = NULL;

    if (strcmp(sub, "setup") == 0) {
        return cmd_setup(o, site, chain);
    }
    if (strcmp(sub, "facts") == 0) {
        return cmd_facts(o, site, chain);
    }
    if (strcmp(sub, "check") == 0) {
        return cmd_check(o, site, chain);
    }
    text = strcmp(sub, "chain") == 0 ? bl_esm_chain_text(site)
                                     : bl_esm_update_plan(site, chain, o->crm);
    fputs(text, stdout);
    return BL_CLI_EXIT_OK;
}

int
bl_cmd_esm(int argc, char **argv)
{
    struct opts o = {0};
    GOptionEntry entries[] = {
        {"crm", 0, 0, G_OPTION_ARG_NONE, &o.crm, "setup, update: crmsh instead of pcs", NULL},
        {"apply", 0, 0, G_OPTION_ARG_NONE, &o.apply, "setup: run it", NULL},
        {"node", 'n', 0, G_OPTION_ARG_STRING, &o.node,
         "facts, check: this node's name (default the host name up to its first dot)", "NAME"},
        {"reg-cli", 'r', 0, G_OPTION_ARG_FILENAME, &o.reg_cli,
         "facts, check: the registry command (default " BL_REG_CLI ")", "PATH"},
        {"registry-profile", 'p', 0, G_OPTION_ARG_FILENAME, &o.reg_profile,
         "facts, check: the registry profile (default the site's, installed)", "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "check: the result as JSON", NULL},
        {"chains", 'C', 0, G_OPTION_ARG_FILENAME, &o.chains,
         "a folder of chain files searched first", "DIR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {
        "bmclink esm",
        "The server manager's site, set up and checked as the vendor's cluster guide has it.",
        entries,
        "chains",
        subs,
        "SITE is the site file (/usr/share/doc/bmclink/esm.md, \"The site file\"). Exit: 0 fine, "
        "1 failed or violations found, 2 usage."};
    struct bl_cli_args a;
    struct bl_chain *chain = NULL;
    struct bl_esm_site *site = NULL;
    int rc = bl_cli_parse(&spec, argc, argv, &a);

    if (rc == 0) {
        o.site = a.words[0];
        o.facts = a.words + 1;
        site = load_site(&o, &chain);
        rc = site != NULL ? run_sub(&o, a.sub->name, site, chain) : BL_CLI_EXIT_FAILED;
    }
    bl_chain_free(chain);
    bl_esm_site_free(site);
    bl_cli_args_clear(&a);
    g_free(o.node);
    g_free(o.reg_cli);
    g_free(o.reg_profile);
    g_free(o.chains);
    return rc == BL_CLI_DONE ? BL_CLI_EXIT_OK : rc;
}
