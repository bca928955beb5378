/*
 * `bmclink reg ...` and bmclink-reg ...: one code, one parser (bl_cli.h). This file holds
 * the command table, the options, the connection to bmclinkd and the commands about sync:
 * status, wait, render, capture. cmd_reg_ops.c reads and writes values.
 */
#include "cmd_reg.h"
#include "cli_json.h"
#include "commands.h"

#include <string.h>

#include "bl_result.h"
#include "chain_reg.h"
#include "reg_profile.h"
#include "reg_text.h"

static JsonNode *
status_json(const struct bl_reg_ipc_status *st, const char *hash)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "nodeid");
    json_builder_add_int_value(b, st->nodeid);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, bl_reg_sm_state_name(st->state));
    json_builder_set_member_name(b, "in_sync");
    json_builder_add_boolean_value(b, st->state == BL_REG_SM_ACTIVE);
    json_builder_set_member_name(b, "quorate");
    json_builder_add_boolean_value(b, st->quorate);
    json_builder_set_member_name(b, "ring");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "node");
    json_builder_add_int_value(b, st->ring_node);
    json_builder_set_member_name(b, "seq");
    json_builder_add_int_value(b, (gint64) st->ring_seq);
    json_builder_set_member_name(b, "nodes");
    json_builder_add_int_value(b, st->ring_nodes);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "epoch");
    json_builder_add_int_value(b, (gint64) st->epoch);
    json_builder_set_member_name(b, "generation");
    json_builder_add_int_value(b, (gint64) st->gen);
    json_builder_set_member_name(b, "history");
    json_builder_add_string_value(b, hash);
    json_builder_set_member_name(b, "log_min");
    json_builder_add_int_value(b, (gint64) st->log_min);
    json_builder_set_member_name(b, "pending");
    json_builder_add_int_value(b, st->pending);
    json_builder_set_member_name(b, "sync_rounds");
    json_builder_add_int_value(b, (gint64) st->rounds);
    json_builder_set_member_name(b, "last_sync_ms");
    json_builder_add_double_value(b, st->last_sync_us / 1000.0);
    json_builder_set_member_name(b, "refused");
    json_builder_add_int_value(b, (gint64) st->dropped);
    json_builder_set_member_name(b, "members");
    json_builder_begin_array(b);
    for (size_t i = 0; i < st->nmembers; i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "nodeid");
        json_builder_add_int_value(b, st->members[i].nodeid);
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, st->members[i].pid);
        json_builder_set_member_name(b, "applied");
        json_builder_add_int_value(b, (gint64) st->members[i].applied);
        json_builder_set_member_name(b, "lagging");
        json_builder_add_boolean_value(b, st->members[i].lagging);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void
status_text(const struct bl_reg_ipc_status *st, const char *hex)
{
    printf("node %u: %s (%s)\n", st->nodeid, bl_reg_sm_state_name(st->state),
           st->state == BL_REG_SM_ACTIVE ? "in sync, writes accepted" : "NOT in sync");
    printf("quorum: %s, ring %u/%" G_GUINT64_FORMAT " with %u nodes\n", st->quorate ? "yes" : "no",
           st->ring_node, st->ring_seq, st->ring_nodes);
    printf("epoch %" G_GUINT64_FORMAT ", generation %" G_GUINT64_FORMAT ", history %s\n", st->epoch,
           st->gen, hex);
    printf("log from generation %" G_GUINT64_FORMAT ", %u writes pending, %" G_GUINT64_FORMAT
           " sync rounds (last %.1f ms), %" G_GUINT64_FORMAT " messages refused\n",
           st->log_min, st->pending, st->rounds, st->last_sync_us / 1000.0, st->dropped);
    printf("members:");
    for (size_t i = 0; i < st->nmembers; i++) {
        printf(" %u(pid %u, gen %" G_GUINT64_FORMAT "%s)", st->members[i].nodeid,
               st->members[i].pid, st->members[i].applied,
               st->members[i].lagging ? ", lagging" : "");
    }
    printf("\n");
}

static int
cmd_status(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_ipc_status st;
    char hex[2 * BL_REG_HASH_LEN + 1];
    int rc = bl_reg_client_status(cli->c, &st);

    if (rc != 0) {
        return reg_report(cli, rc, "status");
    }
    bl_reg_hash_hex(st.hash, hex);
    if (cli->json) {
        bl_cli_json_print(status_json(&st, hex));
    } else {
        status_text(&st, hex);
    }
    rc = st.state == BL_REG_SM_ACTIVE ? 0 : REG_EXIT_REFUSED;
    bl_reg_ipc_status_clear(&st);
    return rc;
}

/* Wait in steps of a second, saying how long on stderr (bl_cli_progress). */
static int
wait_in_sync(struct reg_cli *cli, uint32_t ms)
{
    struct bl_cli_progress p;
    struct bl_reg_ipc_status st;
    gint64 end = g_get_monotonic_time() + (gint64) ms * 1000;
    int rc = BL_E_TIMEOUT;

    bl_cli_progress_start(&p, cli->prog, "waiting for this node's registry to be in sync");
    for (gint64 left = (gint64) ms * 1000; rc == BL_E_TIMEOUT && left > 0;
         left = end - g_get_monotonic_time()) {
        rc = bl_reg_client_wait_sync(cli->c, (uint32_t) MIN(left / 1000 + 1, 1000));
        bl_cli_progress_tick(&p, ms);
    }
    if (rc == 0) {
        return 0;
    }
    if (rc == BL_E_TIMEOUT && bl_reg_client_status(cli->c, &st) == 0) {
        fprintf(stderr, "%s: this node's registry is not in sync after %u s: %s%s\n", cli->prog,
                (ms + 999) / 1000, bl_reg_sm_state_name(st.state),
                st.quorate ? ""
                           : st.ring_nodes == 2 && st.nmembers == 1
                               ? " (alone in a ring of two without the right to write: "
                                 "/usr/share/doc/bmclink/registry.md, \"Two nodes\")"
                               : " (no quorum: the cluster partition is too small)");
        bl_reg_ipc_status_clear(&st);
        return REG_EXIT_REFUSED;
    }
    return reg_report(cli, rc, "wait");
}

static int
cmd_wait(struct reg_cli *cli, int argc, char **argv)
{
    return wait_in_sync(cli, cli->timeout_ms);
}

static int
load_profile(struct reg_cli *cli, struct bl_reg_profile **p)
{
    char *err = NULL;

    if (bl_reg_profile_load(cli->profile, p, &err) != 0) {
        fprintf(stderr, "%s: %s\n", cli->prog, err);
        g_free(err);
        return 1;
    }
    return 0;
}

static int
cmd_render(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_profile *p = NULL;
    struct bl_reg_text_writer w = {g_string_new(NULL), cli->bare ? 0 : BL_REG_TEXT_HKLM};
    const char *failed = NULL;
    int rc = load_profile(cli, &p);

    if (rc == 0) {
        rc = wait_in_sync(cli, p->sync_timeout * 1000u);
    }
    if (rc == 0) {
        /* the same text as the service chain's render (chain_reg.h) */
        rc = bl_chain_reg_render_profile(bl_chain_reg_ops_real(), cli->c, p, &w, &failed);
        rc = rc != 0 ? reg_report(cli, rc, failed) : 0;
    }
    if (rc == 0) {
        rc = reg_emit(cli, w.out);
    }
    g_string_free(w.out, TRUE);
    bl_reg_profile_free(p);
    return rc;
}

/* A checkpoint replaces the profile's subtrees: what the file no longer has is deleted.
 * Optional subtrees are replaced only when the file has them. */
static int
capture_ops(struct reg_cli *cli, const struct bl_reg_profile *p, const struct bl_reg_ops *ops)
{
    GPtrArray *replace = g_ptr_array_new();
    int rc;

    for (char **k = p->keys; *k != NULL; k++) {
        g_ptr_array_add(replace, *k);
    }
    for (char **k = p->optional; k != NULL && *k != NULL; k++) {
        for (size_t i = 0; i < ops->n; i++) {
            if (bl_reg_path_under(ops->v[i].path, *k)) {
                g_ptr_array_add(replace, *k);
                break;
            }
        }
    }
    g_ptr_array_add(replace, NULL);
    rc = reg_import_ops(cli, (char **) replace->pdata, ops);
    g_ptr_array_free(replace, TRUE);
    return rc;
}

static int
cmd_capture(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_profile *p = NULL;
    struct bl_reg_ops ops = {0};
    int rc = load_profile(cli, &p);

    rc = rc != 0 ? rc : reg_read_file(cli, argv[0], &ops);
    for (size_t i = 0; rc == 0 && i < ops.n; i++) {
        if (bl_reg_profile_covers(p, ops.v[i].path) == false) {
            fprintf(stderr, "%s: %s is not in profile %s\n", cli->prog, ops.v[i].path, p->name);
            rc = BL_CLI_EXIT_USAGE;
        }
    }
    rc = rc == 0 ? capture_ops(cli, p, &ops) : rc;
    bl_reg_ops_clear(&ops);
    bl_reg_profile_free(p);
    return rc;
}

typedef int (*reg_fn)(struct reg_cli *cli, int argc, char **argv);

/* The commands: bl_cli_sub rows (name, words, options) and, in the same order, their code. */
static const struct bl_cli_sub subs[] = {
    {"get", "PATH [NAME]", 1, 2, "types", "print a value (NAME omitted: the default value)"},
    {"set", "PATH NAME TYPE [VALUE...]", 3, -1, "value-file",
     "set a value; TYPE sz|expand_sz|multi_sz|dword|qword|binary|none; a secret: -f FILE|-"},
    {"delete", "PATH [NAME]", 1, 2, NULL, "delete a value, or a key with its subtree"},
    {"mkkey", "PATH", 1, 1, NULL, "create an empty key"},
    {"list", "[PATH]", 0, 1, NULL, "subkeys and values of a key"},
    {"tree", "[PATH]", 0, 1, NULL, "a subtree, indented"},
    {"export", "PATH...", 1, -1, "output bare", "subtrees as a .reg file (-o FILE or stdout)"},
    {"import", "FILE", 1, 1, "wow64 replace dry-run", "apply a .reg file (UTF-8 or UTF-16LE)"},
    {"watch", "[PATH]", 0, 1, NULL, "print changes at or below PATH as they arrive"},
    {"status", "", 0, 0, "json", "in sync or not, quorum, generation, members"},
    {"wait", "", 0, 0, NULL, "wait (--timeout) until this node is in sync"},
    {"render", "", 0, 0, "profile output bare",
     "wait for sync, export a profile's keys (--profile, -o)"},
    {"capture", "FILE", 1, 1, "profile wow64 dry-run",
     "replace a profile's keys with a .reg file's (checkpoint)"},
    {NULL, NULL, 0, 0, NULL, NULL},
};

static const reg_fn fns[] = {
    reg_cmd_get,  reg_cmd_set,    reg_cmd_delete, reg_cmd_mkkey, reg_cmd_list,
    reg_cmd_tree, reg_cmd_export, reg_cmd_import, reg_cmd_watch, cmd_status,
    cmd_wait,     cmd_render,     cmd_capture,
};

G_STATIC_ASSERT(G_N_ELEMENTS(fns) == G_N_ELEMENTS(subs) - 1);

#define REG_DESCRIPTION                                                                            \
    "bmclink reg is the entry; bmclink-reg is the same command under its older name.\n"            \
    "Exit: 0 done, 1 failed, 2 usage, 3 not found, 4 no quorum / not in sync"

/* Options, then what they imply: --timeout read, --profile present where required. */
static int
parse(struct reg_cli *cli, int argc, char **argv, struct bl_cli_args *a)
{
    GOptionEntry entries[] = {
        {"service", 's', 0, G_OPTION_ARG_STRING, &cli->service, "bmclinkd IPC service", "NAME"},
        {"timeout", 't', 0, G_OPTION_ARG_STRING, &cli->timeout, BL_CLI_TIMEOUT_HELP " (default 30)",
         "DURATION"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &cli->output, "export/render into FILE", "FILE"},
        {"bare", 0, 0, G_OPTION_ARG_NONE, &cli->bare, "export without HKEY_LOCAL_MACHINE\\", NULL},
        {"wow64", 0, 0, G_OPTION_ARG_NONE, &cli->wow64,
         "import: fold SOFTWARE\\Wow6432Node\\X into SOFTWARE\\X", NULL},
        {"replace", 0, 0, G_OPTION_ARG_STRING, &cli->replace,
         "import: delete this subtree first (same write)", "PATH"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &cli->dry_run, "import: only check the file", NULL},
        {"types", 'T', 0, G_OPTION_ARG_NONE, &cli->types, "get: print the type too", NULL},
        {"profile", 'p', 0, G_OPTION_ARG_FILENAME, &cli->profile, "render/capture profile", "FILE"},
        {"value-file", 'f', 0, G_OPTION_ARG_FILENAME, &cli->value_file,
         "set: the value from FILE (- for stdin; multi_sz one string a line), not from argv, "
         "where every local user can read it",
         "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "status: as JSON", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {cli->prog, "The synchronized registry, through bmclinkd.",
                                     entries,   "service timeout",
                                     subs,      REG_DESCRIPTION};
    int rc = bl_cli_parse(&spec, argc, argv, a);

    if (rc != 0) {
        return rc;
    }
    cli->timeout_ms = BL_CLI_TIMEOUT_DEFAULT_S * 1000u;
    if (cli->timeout != NULL && bl_cli_parse_timeout(cli->timeout, &cli->timeout_ms) != 0) {
        rc = bl_cli_usage_error(cli->prog, "--timeout '%s' is not a duration of 1 s to 1 h",
                                cli->timeout);
    } else if (cli->profile == NULL &&
               (strcmp(a->sub->name, "render") == 0 || strcmp(a->sub->name, "capture") == 0)) {
        rc = bl_cli_usage_error(cli->prog, "%s: --profile FILE is required", a->sub->name);
    } else if (a->n_words > 3 && cli->value_file != NULL) {
        rc = bl_cli_usage_error(cli->prog, "set: a VALUE and --value-file both given");
    }
    if (rc != 0) {
        bl_cli_args_clear(a);
    }
    return rc;
}

static void
clear(struct reg_cli *cli)
{
    bl_reg_client_close(cli->c);
    g_free(cli->service);
    g_free(cli->timeout);
    g_free(cli->output);
    g_free(cli->replace);
    g_free(cli->profile);
    g_free(cli->value_file);
}

int
bl_cmd_reg_main(const char *prog, int argc, char **argv)
{
    struct reg_cli cli = {.prog = prog};
    struct bl_cli_args a;
    int rc = parse(&cli, argc, argv, &a);

    if (rc != 0) {
        clear(&cli);
        return rc == BL_CLI_DONE ? BL_CLI_EXIT_OK : rc;
    }
    rc = bl_reg_client_connect(cli.service, &cli.c);
    if (rc != 0) {
        const char *hint = bl_cli_daemon_hint(rc);
        fprintf(stderr, "%s: cannot reach bmclinkd (IPC service '%s'): %s\n", prog,
                cli.service != NULL ? cli.service : BL_REG_IPC_SERVICE,
                hint != NULL ? hint : bl_strerror(rc));
        rc = BL_CLI_EXIT_FAILED;
    } else {
        bl_reg_client_set_timeout(cli.c, (int) cli.timeout_ms);
        rc = fns[a.sub - subs](&cli, a.n_words, a.words);
    }
    bl_cli_args_clear(&a);
    clear(&cli);
    return rc;
}

int
bl_cmd_reg(int argc, char **argv)
{
    return bl_cmd_reg_main("bmclink reg", argc, argv);
}
