/*
 * bmclink-reg: the synchronized registry from the command line, through the local bmclinkd
 * (libqb IPC). The coordinator's `bmclink reg ...` runs the same commands.
 *
 * Exit codes: 0 done, 1 failed (the message says why), 2 usage error, 3 not found,
 * 4 refused for lack of quorum or sync.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_result.h"
#include "chain_reg.h"
#include "reg_client.h"
#include "reg_profile.h"
#include "reg_text.h"

#define EXIT_USAGE 2
#define EXIT_NOTFOUND 3
#define EXIT_REFUSED 4

struct cli {
    struct bl_reg_client *c;
    char *service;
    int timeout_s;
    gboolean bare;
    gboolean wow64;
    gboolean types;
    gboolean dry_run;
    char *output;
    char *replace;
    char *profile;
    char *value_file;
};

struct command {
    const char *name;
    const char *args;
    int min_args;
    int max_args; /* -1: any */
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *help;
};

static int
report(int rc, const char *what)
{
    fprintf(stderr, "bmclink-reg: %s: %s\n", what, bl_strerror(rc));
    if (rc == -ENOENT) {
        return EXIT_NOTFOUND;
    }
    return rc == BL_E_NOQUORUM || rc == BL_E_NOTSYNC || rc == BL_E_TIMEOUT ? EXIT_REFUSED : 1;
}

static char *
canon(const char *typed, int *rc)
{
    char *out = NULL;

    *rc = bl_reg_path_normalize(typed, &out);
    if (*rc != 0) {
        fprintf(stderr, "bmclink-reg: '%s' is not a key path: %s\n", typed, bl_strerror(*rc));
    }
    return out;
}

static int
write_ops(struct cli *cli, const struct bl_reg_ops *ops, const char *what)
{
    uint64_t gen = 0;
    int rc = bl_reg_client_write(cli->c, ops, &gen);

    if (rc != 0) {
        return report(rc, what);
    }
    return 0;
}

static int
cmd_get(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_value v = {0};
    int rc;
    g_autofree char *path = canon(argv[0], &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    rc = bl_reg_client_get(cli->c, path, argc > 1 ? argv[1] : "", &v);
    if (rc != 0) {
        return report(rc, argv[0]);
    }
    g_autofree char *text = bl_reg_value_to_text(&v);
    if (cli->types) {
        printf("%s\t", bl_reg_type_name(v.type));
    }
    printf("%s\n", text);
    bl_reg_value_clear(&v);
    return 0;
}

/* The value of `set`: the arguments after TYPE, or with --value-file the file or stdin
 * (the way for a secret: every local user can read a command line). */
static int
value_text(const struct cli *cli, enum bl_reg_type type, int argc, char **argv,
           struct bl_reg_value *v)
{
    bool from_stdin;
    FILE *in;
    int rc;

    if (cli->value_file == NULL) {
        return bl_reg_value_from_text(type, argv, argc, v);
    }
    if (argc > 0) {
        fprintf(stderr, "bmclink-reg: set: a VALUE and --value-file both given\n");
        return EXIT_USAGE;
    }
    from_stdin = strcmp(cli->value_file, "-") == 0;
    in = from_stdin ? stdin : fopen(cli->value_file, "re");
    if (in == NULL) {
        fprintf(stderr, "bmclink-reg: %s: %s\n", cli->value_file, g_strerror(errno));
        return EXIT_USAGE;
    }
    rc = bl_reg_value_from_stream(type, in, v);
    if (!from_stdin) {
        fclose(in);
    }
    return rc;
}

static int
cmd_set(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};
    enum bl_reg_type type;
    int rc;
    g_autofree char *path = canon(argv[0], &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    if (bl_reg_name_check(argv[1], strlen(argv[1])) != 0) {
        fprintf(stderr,
                "bmclink-reg: '%s' is not a value name (UTF-8, at most %d bytes, no "
                "control characters)\n",
                argv[1], BL_REG_NAME_MAX);
        return EXIT_USAGE;
    }
    if (bl_reg_type_parse(argv[2], &type) != 0) {
        fprintf(stderr,
                "bmclink-reg: unknown type '%s' (sz, expand_sz, multi_sz, dword, "
                "qword, binary, none)\n",
                argv[2]);
        return EXIT_USAGE;
    }
    rc = value_text(cli, type, argc - 3, argv + 3, &v);
    if (rc == EXIT_USAGE) {
        return rc;
    }
    if (rc != 0) {
        fprintf(stderr, "bmclink-reg: value does not fit type %s: %s\n", argv[2], bl_strerror(rc));
        return EXIT_USAGE;
    }
    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, argv[1], &v);
    rc = bl_reg_ops_check(&ops);
    rc = rc != 0 ? report(rc, "set") : write_ops(cli, &ops, "set");
    bl_reg_ops_clear(&ops);
    bl_reg_value_clear(&v);
    return rc;
}

static int
one_op(struct cli *cli, enum bl_reg_op_kind kind, const char *typed, const char *name)
{
    struct bl_reg_ops ops = {0};
    int rc;
    g_autofree char *path = canon(typed, &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    bl_reg_ops_add(&ops, kind, path, name, NULL);
    rc = bl_reg_ops_check(&ops);
    rc = rc != 0 ? report(rc, typed) : write_ops(cli, &ops, typed);
    bl_reg_ops_clear(&ops);
    return rc;
}

static int
cmd_delete(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_value v = {0};

    if (argc == 1) {
        return one_op(cli, BL_REG_OP_DELETE_KEY, argv[0], NULL);
    }
    /* Say "not found" rather than silently deleting nothing. */
    int rc;
    g_autofree char *path = canon(argv[0], &rc);
    if (path != NULL && (rc = bl_reg_client_get(cli->c, path, argv[1], &v)) != 0) {
        return report(rc, argv[1]);
    }
    bl_reg_value_clear(&v);
    return path != NULL ? one_op(cli, BL_REG_OP_DELETE_VALUE, argv[0], argv[1]) : EXIT_USAGE;
}

static int
cmd_mkkey(struct cli *cli, int argc, char **argv)
{
    return one_op(cli, BL_REG_OP_CREATE_KEY, argv[0], NULL);
}

static const char *
last_segment(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

static int
print_list_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    if (v == NULL) {
        printf("%s/\n", last_segment(path));
        return 0;
    }
    g_autofree char *text = bl_reg_value_to_text(v);
    printf("%s (%s) = %s\n", name[0] != '\0' ? name : "@", bl_reg_type_name(v->type), text);
    return 0;
}

static int
cmd_list(struct cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = canon(argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_KEY, print_list_item, NULL);
    return rc != 0 ? report(rc, argc > 0 ? argv[0] : "(root)") : 0;
}

struct tree {
    size_t base_depth;
};

static size_t
depth_of(const char *path)
{
    size_t d = path[0] != '\0';

    for (const char *p = path; *p != '\0'; p++) {
        d += *p == '/';
    }
    return d;
}

static int
print_tree_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    struct tree *t = data;
    size_t indent = 2 * (depth_of(path) - MIN(depth_of(path), t->base_depth));

    if (v == NULL) {
        printf("%*s%s\n", (int) indent, "", path[0] != '\0' ? last_segment(path) : "(root)");
        return 0;
    }
    g_autofree char *text = bl_reg_value_to_text(v);
    g_strdelimit(text, "\n", ';');
    printf("%*s  %s (%s) = %s\n", (int) indent, "", name[0] != '\0' ? name : "@",
           bl_reg_type_name(v->type), text);
    return 0;
}

static int
cmd_tree(struct cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = canon(argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    struct tree t = {depth_of(path)};
    rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_SUBTREE, print_tree_item, &t);
    return rc != 0 ? report(rc, argc > 0 ? argv[0] : "(root)") : 0;
}

/* Write the text to the file atomically (temporary file, fsync, rename) or to stdout. */
static int
emit(const char *output, const GString *text)
{
    GError *err = NULL;

    if (output == NULL || strcmp(output, "-") == 0) {
        return fwrite(text->str, 1, text->len, stdout) == text->len ? 0 : 1;
    }
    if (g_file_set_contents_full(output, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                 &err) == FALSE) {
        fprintf(stderr, "bmclink-reg: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    return 0;
}

/* Export subtrees; a missing one is an error. */
static int
export_paths(struct cli *cli, char **paths, struct bl_reg_text_writer *w)
{
    for (char **p = paths; p != NULL && *p != NULL; p++) {
        int rc;
        g_autofree char *path = canon(*p, &rc);
        if (path == NULL) {
            return EXIT_USAGE;
        }
        rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_SUBTREE, bl_reg_text_item, w);
        if (rc != 0) {
            return report(rc, *p);
        }
    }
    return 0;
}

static int
cmd_export(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_text_writer w = {g_string_new(NULL), cli->bare ? 0 : BL_REG_TEXT_HKLM};
    g_autofree char **paths = g_new0(char *, (size_t) argc + 1);

    memcpy(paths, argv, sizeof(char *) * (size_t) argc);
    bl_reg_text_begin(&w);
    int rc = export_paths(cli, paths, &w);
    if (rc == 0) {
        rc = emit(cli->output, w.out);
    }
    g_string_free(w.out, TRUE);
    return rc;
}

static int
read_reg_file(const char *file, unsigned flags, struct bl_reg_ops *ops)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    char *err = NULL;

    if (g_file_get_contents(file, &data, &len, &gerr) == FALSE) {
        fprintf(stderr, "bmclink-reg: %s\n", gerr->message);
        g_error_free(gerr);
        return 1;
    }
    int rc = bl_reg_text_parse((const uint8_t *) data, len, flags, ops, &err);
    if (rc != 0) {
        fprintf(stderr, "bmclink-reg: %s: %s\n", file, err);
        g_free(err);
        return EXIT_USAGE;
    }
    return 0;
}

/* Send ops as writes of at most BL_REG_WRITE_MAX bytes each, in order (chain_reg.h). Each is
 * atomic; a file too big for one is applied in several (said on stderr). */
static int
write_in_parts(struct cli *cli, const struct bl_reg_ops *ops)
{
    unsigned parts = 0;
    int rc = bl_chain_reg_write_parts(bl_chain_reg_ops_real(), cli->c, ops, BL_REG_WRITE_MAX - 1024,
                                      &parts);

    rc = rc != 0 ? report(rc, "import") : 0;
    if (parts > 1) {
        fprintf(stderr, "bmclink-reg: applied as %u writes (each atomic, not the whole)\n", parts);
    }
    return rc;
}

/* Import ops, replacing the given subtrees first (in the same first write). */
static int
import_ops(struct cli *cli, char **replace, const struct bl_reg_ops *in)
{
    struct bl_reg_ops all = {0};

    for (char **r = replace; r != NULL && *r != NULL; r++) {
        bl_reg_ops_add(&all, BL_REG_OP_DELETE_KEY, *r, NULL, NULL);
        bl_reg_ops_add(&all, BL_REG_OP_CREATE_KEY, *r, NULL, NULL);
    }
    for (size_t i = 0; i < in->n; i++) {
        bl_reg_ops_add(&all, in->v[i].kind, in->v[i].path, in->v[i].name, &in->v[i].value);
    }
    int rc = 0;
    if (cli->dry_run) {
        printf("%zu changes would be applied\n", all.n);
    } else if (all.n > 0) {
        rc = write_in_parts(cli, &all);
    }
    bl_reg_ops_clear(&all);
    return rc;
}

static int
cmd_import(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_ops ops = {0};
    int rc = read_reg_file(argv[0], cli->wow64 ? BL_REG_TEXT_WOW64 : 0, &ops);
    char *replace[2] = {NULL, NULL};

    if (rc == 0 && cli->replace != NULL) {
        replace[0] = canon(cli->replace, &rc);
        for (size_t i = 0; replace[0] != NULL && i < ops.n; i++) {
            if (bl_reg_path_under(ops.v[i].path, replace[0]) == false) {
                fprintf(stderr, "bmclink-reg: %s lies outside --replace %s\n", ops.v[i].path,
                        cli->replace);
                rc = EXIT_USAGE;
                break;
            }
        }
        rc = replace[0] == NULL ? EXIT_USAGE : rc;
    }
    if (rc == 0) {
        rc = import_ops(cli, replace, &ops);
    }
    g_free(replace[0]);
    bl_reg_ops_clear(&ops);
    return rc;
}

static const char *
change_name(enum bl_reg_change_kind k)
{
    switch (k) {
        case BL_REG_CHANGE_SET:
            return "set";
        case BL_REG_CHANGE_DELETE_VALUE:
            return "delete";
        case BL_REG_CHANGE_CREATE_KEY:
            return "mkkey";
        case BL_REG_CHANGE_DELETE_KEY:
            return "delete-key";
        case BL_REG_CHANGE_RESET:
            return "reset";
    }
    return "?";
}

static int
cmd_watch(struct cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = canon(argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return EXIT_USAGE;
    }
    rc = bl_reg_client_watch(cli->c, path);
    if (rc != 0) {
        return report(rc, "watch");
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (;;) {
        struct bl_reg_ipc_event ev;
        rc = bl_reg_client_event(cli->c, -1, &ev);
        if (rc != 0) {
            return report(rc, "watch");
        }
        printf("%" G_GUINT64_FORMAT " %s %s", ev.gen, change_name(ev.kind),
               ev.path[0] != '\0' ? ev.path : "(root)");
        if (ev.name != NULL) {
            printf(" %s", ev.name[0] != '\0' ? ev.name : "@");
        }
        if (ev.has_value) {
            g_autofree char *text = bl_reg_value_to_text(&ev.value);
            g_strdelimit(text, "\n", ';');
            printf(" (%s) = %s", bl_reg_type_name(ev.value.type), text);
        }
        printf("\n");
        bl_reg_ipc_event_clear(&ev);
    }
}

static int
cmd_status(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_ipc_status st;
    char hex[2 * BL_REG_HASH_LEN + 1];
    int rc = bl_reg_client_status(cli->c, &st);

    if (rc != 0) {
        return report(rc, "status");
    }
    bl_reg_hash_hex(st.hash, hex);
    printf("node %u: %s (%s)\n", st.nodeid, bl_reg_sm_state_name(st.state),
           st.state == BL_REG_SM_ACTIVE ? "in sync, writes accepted" : "NOT in sync");
    printf("quorum: %s, ring %u/%" G_GUINT64_FORMAT " with %u nodes\n", st.quorate ? "yes" : "no",
           st.ring_node, st.ring_seq, st.ring_nodes);
    printf("epoch %" G_GUINT64_FORMAT ", generation %" G_GUINT64_FORMAT ", history %s\n", st.epoch,
           st.gen, hex);
    printf("log from generation %" G_GUINT64_FORMAT ", %u writes pending, %" G_GUINT64_FORMAT
           " sync rounds (last %.1f ms), %" G_GUINT64_FORMAT " messages refused\n",
           st.log_min, st.pending, st.rounds, st.last_sync_us / 1000.0, st.dropped);
    printf("members:");
    for (size_t i = 0; i < st.nmembers; i++) {
        printf(" %u(pid %u, gen %" G_GUINT64_FORMAT "%s)", st.members[i].nodeid, st.members[i].pid,
               st.members[i].applied, st.members[i].lagging ? ", lagging" : "");
    }
    printf("\n");
    rc = st.state == BL_REG_SM_ACTIVE ? 0 : EXIT_REFUSED;
    bl_reg_ipc_status_clear(&st);
    return rc;
}

static int
wait_in_sync(struct cli *cli, unsigned seconds)
{
    int rc = bl_reg_client_wait_sync(cli->c, seconds * 1000u);
    struct bl_reg_ipc_status st;

    if (rc == 0) {
        return 0;
    }
    if (rc == BL_E_TIMEOUT && bl_reg_client_status(cli->c, &st) == 0) {
        fprintf(stderr, "bmclink-reg: this node's registry is not in sync after %u s: %s%s\n",
                seconds, bl_reg_sm_state_name(st.state),
                st.quorate ? "" : " (no quorum: the cluster partition is too small)");
        bl_reg_ipc_status_clear(&st);
        return EXIT_REFUSED;
    }
    return report(rc, "wait");
}

static int
cmd_wait(struct cli *cli, int argc, char **argv)
{
    return wait_in_sync(cli, (unsigned) cli->timeout_s);
}

static int
load_profile(struct cli *cli, struct bl_reg_profile **p)
{
    char *err = NULL;

    if (cli->profile == NULL) {
        fprintf(stderr, "bmclink-reg: --profile FILE is required\n");
        return EXIT_USAGE;
    }
    if (bl_reg_profile_load(cli->profile, p, &err) != 0) {
        fprintf(stderr, "bmclink-reg: %s\n", err);
        g_free(err);
        return 1;
    }
    return 0;
}

static int
cmd_render(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_profile *p = NULL;
    struct bl_reg_text_writer w = {g_string_new(NULL), cli->bare ? 0 : BL_REG_TEXT_HKLM};
    const char *failed = NULL;
    int rc = load_profile(cli, &p);

    if (rc == 0) {
        rc = wait_in_sync(cli, p->sync_timeout);
    }
    if (rc == 0) {
        /* the same text as the service chain's render (chain_reg.h) */
        rc = bl_chain_reg_render_profile(bl_chain_reg_ops_real(), cli->c, p, &w, &failed);
        rc = rc != 0 ? report(rc, failed) : 0;
    }
    if (rc == 0) {
        rc = emit(cli->output, w.out);
    }
    g_string_free(w.out, TRUE);
    bl_reg_profile_free(p);
    return rc;
}

static int
cmd_capture(struct cli *cli, int argc, char **argv)
{
    struct bl_reg_profile *p = NULL;
    struct bl_reg_ops ops = {0};
    int rc = load_profile(cli, &p);

    rc = rc != 0 ? rc : read_reg_file(argv[0], cli->wow64 ? BL_REG_TEXT_WOW64 : 0, &ops);
    for (size_t i = 0; rc == 0 && i < ops.n; i++) {
        if (bl_reg_profile_covers(p, ops.v[i].path) == false) {
            fprintf(stderr, "bmclink-reg: %s is not in profile %s\n", ops.v[i].path, p->name);
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0) {
        /* A checkpoint replaces the profile's subtrees: what the file no longer has is
         * deleted. Optional subtrees are replaced only when the file has them. */
        GPtrArray *replace = g_ptr_array_new();
        for (char **k = p->keys; *k != NULL; k++) {
            g_ptr_array_add(replace, *k);
        }
        for (char **k = p->optional; k != NULL && *k != NULL; k++) {
            for (size_t i = 0; i < ops.n; i++) {
                if (bl_reg_path_under(ops.v[i].path, *k)) {
                    g_ptr_array_add(replace, *k);
                    break;
                }
            }
        }
        g_ptr_array_add(replace, NULL);
        rc = import_ops(cli, (char **) replace->pdata, &ops);
        g_ptr_array_free(replace, TRUE);
    }
    bl_reg_ops_clear(&ops);
    bl_reg_profile_free(p);
    return rc;
}

static const struct command commands[] = {
    {"get", "PATH [NAME]", 1, 2, cmd_get, "print a value (NAME omitted: the default value)"},
    {"set", "PATH NAME TYPE [VALUE...]", 3, -1, cmd_set,
     "set a value; TYPE sz|expand_sz|multi_sz|dword|qword|binary|none; a secret: -f FILE|-"},
    {"delete", "PATH [NAME]", 1, 2, cmd_delete, "delete a value, or a key with its subtree"},
    {"mkkey", "PATH", 1, 1, cmd_mkkey, "create an empty key"},
    {"list", "[PATH]", 0, 1, cmd_list, "subkeys and values of a key"},
    {"tree", "[PATH]", 0, 1, cmd_tree, "a subtree, indented"},
    {"export", "PATH...", 1, -1, cmd_export, "subtrees as a .reg file (-o FILE or stdout)"},
    {"import", "FILE", 1, 1, cmd_import, "apply a .reg file (UTF-8 or UTF-16LE)"},
    {"watch", "[PATH]", 0, 1, cmd_watch, "print changes at or below PATH as they arrive"},
    {"status", "", 0, 0, cmd_status, "in sync or not, quorum, generation, members"},
    {"wait", "", 0, 0, cmd_wait, "wait (--timeout) until this node is in sync"},
    {"render", "", 0, 0, cmd_render, "wait for sync, export a profile's keys (--profile, -o)"},
    {"capture", "FILE", 1, 1, cmd_capture,
     "replace a profile's keys with a .reg file's (checkpoint)"},
};

static char *
usage_text(void)
{
    GString *s = g_string_new("Commands:\n");

    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_autofree char *left = g_strdup_printf("%s %s", commands[i].name, commands[i].args);
        g_string_append_printf(s, "  %-28s %s\n", left, commands[i].help);
    }
    g_string_append(s, "\nExit: 0 done, 1 failed, 2 usage, 3 not found, 4 no quorum / not in "
                       "sync");
    return g_string_free(s, FALSE);
}

static int
parse(int *argc, char ***argv, struct cli *cli)
{
    GOptionEntry entries[] = {
        {"service", 's', 0, G_OPTION_ARG_STRING, &cli->service, "bmclinkd IPC service", "NAME"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &cli->timeout_s, "Seconds to wait (default 30)", "S"},
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
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("COMMAND [ARG...]");
    GError *err = NULL;
    g_autofree char *usage = usage_text();

    cli->timeout_s = 30;
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, usage);
    gboolean ok = g_option_context_parse(ctx, argc, argv, &err);
    if (ok == FALSE || *argc < 2) {
        fprintf(stderr, "bmclink-reg: %s\n%s\n", err != NULL ? err->message : "no command", usage);
        g_clear_error(&err);
    }
    g_option_context_free(ctx);
    return ok && *argc >= 2 ? 0 : EXIT_USAGE;
}

static const struct command *
find_command(const char *name, int nargs)
{
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        const struct command *c = &commands[i];
        if (strcmp(c->name, name) == 0) {
            bool fits = nargs >= c->min_args && (c->max_args < 0 || nargs <= c->max_args);
            if (fits == false) {
                fprintf(stderr, "usage: bmclink-reg %s %s\n", c->name, c->args);
            }
            return fits ? c : NULL;
        }
    }
    fprintf(stderr, "bmclink-reg: unknown command '%s' (see --help)\n", name);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct cli cli = {0};
    int rc = parse(&argc, &argv, &cli);
    const struct command *cmd = rc == 0 ? find_command(argv[1], argc - 2) : NULL;

    if (cmd == NULL) {
        return EXIT_USAGE;
    }
    rc = bl_reg_client_connect(cli.service, &cli.c);
    if (rc != 0) {
        fprintf(stderr, "bmclink-reg: cannot reach bmclinkd (IPC service '%s'): %s\n",
                cli.service != NULL ? cli.service : BL_REG_IPC_SERVICE, bl_strerror(rc));
        return 1;
    }
    bl_reg_client_set_timeout(cli.c, cli.timeout_s * 1000);
    rc = cmd->run(&cli, argc - 2, argv + 2);
    bl_reg_client_close(cli.c);
    g_free(cli.service);
    g_free(cli.output);
    g_free(cli.replace);
    g_free(cli.profile);
    g_free(cli.value_file);
    return rc;
}
