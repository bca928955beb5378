/*
 * `bmclink reg` (and bmclink-reg): the commands that read and write registry values through
 * the local bmclinkd (libqb IPC). Parsing, status, wait and render are in cmd_reg.c.
 */
#include "cmd_reg.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_cli.h"
#include "bl_result.h"
#include "chain_reg.h"
#include "reg_profile.h"
#include "reg_text.h"

int
reg_report(const struct reg_cli *cli, int rc, const char *what)
{
    if (rc == BL_E_UNSUPPORTED) {
        /* bmclinkd answers, but serves no registry: say so, not a protocol error */
        fprintf(stderr,
                "%s: %s: bmclinkd on this node runs without the registry ([registry] enabled = "
                "false in bmclinkd.conf)\n",
                cli->prog, what);
        return 1;
    }
    fprintf(stderr, "%s: %s: %s\n", cli->prog, what, bl_strerror(rc));
    if (rc == -ENOENT) {
        return REG_EXIT_NOTFOUND;
    }
    return rc == BL_E_NOQUORUM || rc == BL_E_NOTSYNC || rc == BL_E_TIMEOUT ? REG_EXIT_REFUSED : 1;
}

char *
reg_canon(const struct reg_cli *cli, const char *typed, int *rc)
{
    char *out = NULL;

    *rc = bl_reg_path_normalize(typed, &out);
    if (*rc != 0) {
        fprintf(stderr, "%s: '%s' is not a key path: %s\n", cli->prog, typed, bl_strerror(*rc));
    }
    return out;
}

static int
write_ops(struct reg_cli *cli, const struct bl_reg_ops *ops, const char *what)
{
    uint64_t gen = 0;
    int rc = bl_reg_client_write(cli->c, ops, &gen);

    if (rc != 0) {
        return reg_report(cli, rc, what);
    }
    return 0;
}

int
reg_cmd_get(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_value v = {0};
    int rc;
    g_autofree char *path = reg_canon(cli, argv[0], &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    rc = bl_reg_client_get(cli->c, path, argc > 1 ? argv[1] : "", &v);
    if (rc != 0) {
        return reg_report(cli, rc, argv[0]);
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
value_text(const struct reg_cli *cli, enum bl_reg_type type, int argc, char **argv,
           struct bl_reg_value *v)
{
    bool from_stdin;
    FILE *in;
    int rc;

    if (cli->value_file == NULL) {
        return bl_reg_value_from_text(type, argv, argc, v);
    }
    if (argc > 0) {
        fprintf(stderr, "%s: set: a VALUE and --value-file both given\n", cli->prog);
        return BL_CLI_EXIT_USAGE;
    }
    from_stdin = strcmp(cli->value_file, "-") == 0;
    in = from_stdin ? stdin : fopen(cli->value_file, "re");
    if (in == NULL) {
        fprintf(stderr, "%s: %s: %s\n", cli->prog, cli->value_file, g_strerror(errno));
        return BL_CLI_EXIT_USAGE;
    }
    rc = bl_reg_value_from_stream(type, in, v);
    if (!from_stdin) {
        fclose(in);
    }
    return rc;
}

int
reg_cmd_set(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};
    enum bl_reg_type type;
    int rc;
    g_autofree char *path = reg_canon(cli, argv[0], &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    if (bl_reg_name_check(argv[1], strlen(argv[1])) != 0) {
        fprintf(stderr,
                "%s: '%s' is not a value name (UTF-8, at most %d bytes, no "
                "control characters)\n",
                cli->prog, argv[1], BL_REG_NAME_MAX);
        return BL_CLI_EXIT_USAGE;
    }
    if (bl_reg_type_parse(argv[2], &type) != 0) {
        static const char *const types[] = {"sz",    "expand_sz", "multi_sz", "dword",
                                            "qword", "binary",    "none",     NULL};
        g_autofree char *why = bl_cli_unknown_text("type", argv[2], types, true);
        return bl_cli_usage_error(cli->prog, "set: %s", why);
    }
    rc = value_text(cli, type, argc - 3, argv + 3, &v);
    if (rc == BL_CLI_EXIT_USAGE) {
        return rc;
    }
    if (rc != 0) {
        fprintf(stderr, "%s: value does not fit type %s: %s\n", cli->prog, argv[2],
                bl_strerror(rc));
        return BL_CLI_EXIT_USAGE;
    }
    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, argv[1], &v);
    rc = bl_reg_ops_check(&ops);
    rc = rc != 0 ? reg_report(cli, rc, "set") : write_ops(cli, &ops, "set");
    bl_reg_ops_clear(&ops);
    bl_reg_value_clear(&v);
    return rc;
}

static int
one_op(struct reg_cli *cli, enum bl_reg_op_kind kind, const char *typed, const char *name)
{
    struct bl_reg_ops ops = {0};
    int rc;
    g_autofree char *path = reg_canon(cli, typed, &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    bl_reg_ops_add(&ops, kind, path, name, NULL);
    rc = bl_reg_ops_check(&ops);
    rc = rc != 0 ? reg_report(cli, rc, typed) : write_ops(cli, &ops, typed);
    bl_reg_ops_clear(&ops);
    return rc;
}

int
reg_cmd_delete(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_value v = {0};

    if (argc == 1) {
        return one_op(cli, BL_REG_OP_DELETE_KEY, argv[0], NULL);
    }
    /* Say "not found" rather than silently deleting nothing. */
    int rc;
    g_autofree char *path = reg_canon(cli, argv[0], &rc);
    if (path != NULL && (rc = bl_reg_client_get(cli->c, path, argv[1], &v)) != 0) {
        return reg_report(cli, rc, argv[1]);
    }
    bl_reg_value_clear(&v);
    return path != NULL ? one_op(cli, BL_REG_OP_DELETE_VALUE, argv[0], argv[1]) : BL_CLI_EXIT_USAGE;
}

int
reg_cmd_mkkey(struct reg_cli *cli, int argc, char **argv)
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

int
reg_cmd_list(struct reg_cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = reg_canon(cli, argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_KEY, print_list_item, NULL);
    return rc != 0 ? reg_report(cli, rc, argc > 0 ? argv[0] : "(root)") : 0;
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

int
reg_cmd_tree(struct reg_cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = reg_canon(cli, argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    struct tree t = {depth_of(path)};
    rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_SUBTREE, print_tree_item, &t);
    return rc != 0 ? reg_report(cli, rc, argc > 0 ? argv[0] : "(root)") : 0;
}

/* Write the text to the file atomically (temporary file, fsync, rename) or to stdout. */
int
reg_emit(const struct reg_cli *cli, const GString *text)
{
    const char *output = cli->output;
    GError *err = NULL;

    if (output == NULL || strcmp(output, "-") == 0) {
        return fwrite(text->str, 1, text->len, stdout) == text->len ? 0 : 1;
    }
    if (g_file_set_contents_full(output, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                 &err) == FALSE) {
        fprintf(stderr, "%s: %s\n", cli->prog, err->message);
        g_error_free(err);
        return 1;
    }
    return 0;
}

/* Export subtrees; a missing one is an error. */
static int
export_paths(struct reg_cli *cli, char **paths, struct bl_reg_text_writer *w)
{
    for (char **p = paths; p != NULL && *p != NULL; p++) {
        int rc;
        g_autofree char *path = reg_canon(cli, *p, &rc);
        if (path == NULL) {
            return BL_CLI_EXIT_USAGE;
        }
        rc = bl_reg_client_walk(cli->c, path, BL_REG_WALK_SUBTREE, bl_reg_text_item, w);
        if (rc != 0) {
            return reg_report(cli, rc, *p);
        }
    }
    return 0;
}

int
reg_cmd_export(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_text_writer w = {g_string_new(NULL), cli->bare ? 0 : BL_REG_TEXT_HKLM};
    g_autofree char **paths = g_new0(char *, (size_t) argc + 1);

    memcpy(paths, argv, sizeof(char *) * (size_t) argc);
    bl_reg_text_begin(&w);
    int rc = export_paths(cli, paths, &w);
    if (rc == 0) {
        rc = reg_emit(cli, w.out);
    }
    g_string_free(w.out, TRUE);
    return rc;
}

int
reg_read_file(const struct reg_cli *cli, const char *file, struct bl_reg_ops *ops)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    char *err = NULL;

    if (g_file_get_contents(file, &data, &len, &gerr) == FALSE) {
        fprintf(stderr, "%s: %s\n", cli->prog, gerr->message);
        g_error_free(gerr);
        return 1;
    }
    unsigned flags = cli->wow64 ? BL_REG_TEXT_WOW64 : 0;
    int rc = bl_reg_text_parse((const uint8_t *) data, len, flags, ops, &err);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", cli->prog, file, err);
        g_free(err);
        return BL_CLI_EXIT_USAGE;
    }
    return 0;
}

/* Send ops as writes of at most BL_REG_WRITE_MAX bytes each, in order (chain_reg.h). Each is
 * atomic; a file too big for one is applied in several (said on stderr). */
static int
write_in_parts(struct reg_cli *cli, const struct bl_reg_ops *ops)
{
    unsigned parts = 0;
    int rc = bl_chain_reg_write_parts(bl_chain_reg_ops_real(), cli->c, ops, BL_REG_WRITE_MAX - 1024,
                                      &parts);

    rc = rc != 0 ? reg_report(cli, rc, "import") : 0;
    if (parts > 1) {
        fprintf(stderr, "%s: applied as %u writes (each atomic, not the whole)\n", cli->prog,
                parts);
    }
    return rc;
}

/* Import ops, replacing the given subtrees first (in the same first write). */
int
reg_import_ops(struct reg_cli *cli, char **replace, const struct bl_reg_ops *in)
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

int
reg_cmd_import(struct reg_cli *cli, int argc, char **argv)
{
    struct bl_reg_ops ops = {0};
    int rc = reg_read_file(cli, argv[0], &ops);
    char *replace[2] = {NULL, NULL};

    if (rc == 0 && cli->replace != NULL) {
        replace[0] = reg_canon(cli, cli->replace, &rc);
        for (size_t i = 0; replace[0] != NULL && i < ops.n; i++) {
            if (bl_reg_path_under(ops.v[i].path, replace[0]) == false) {
                fprintf(stderr, "%s: %s lies outside --replace %s\n", cli->prog, ops.v[i].path,
                        cli->replace);
                rc = BL_CLI_EXIT_USAGE;
                break;
            }
        }
        rc = replace[0] == NULL ? BL_CLI_EXIT_USAGE : rc;
    }
    if (rc == 0) {
        rc = reg_import_ops(cli, replace, &ops);
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

int
reg_cmd_watch(struct reg_cli *cli, int argc, char **argv)
{
    int rc;
    g_autofree char *path = reg_canon(cli, argc > 0 ? argv[0] : "", &rc);

    if (path == NULL) {
        return BL_CLI_EXIT_USAGE;
    }
    rc = bl_reg_client_watch(cli->c, path);
    if (rc != 0) {
        return reg_report(cli, rc, "watch");
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (;;) {
        struct bl_reg_ipc_event ev;
        rc = bl_reg_client_event(cli->c, -1, &ev);
        if (rc != 0) {
            return reg_report(cli, rc, "watch");
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
