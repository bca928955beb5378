/*
 * The commands' parser (lib/bl_cli.h) and --json (cli/cli_json.h): near misses, the checks
 * GOption does not make, the --timeout duration, typed JSON of the daemon's status.
 */
#include "bl_cli.h"
#include "bl_result.h"
#include "cli_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
test_distance(void **state)
{
    assert_int_equal(bl_cli_distance("status", "status"), 0);
    assert_int_equal(bl_cli_distance("stauts", "status"), 1); /* swap */
    assert_int_equal(bl_cli_distance("chekc", "check"), 1);
    assert_int_equal(bl_cli_distance("", "abc"), 3);
    assert_int_equal(bl_cli_distance("kitten", "sitting"), 3);
}

static void
test_nearest(void **state)
{
    static const char *const cmds[] = {"status", "check", "show", "keys", NULL};

    assert_string_equal(bl_cli_nearest("stauts", cmds), "status");
    assert_string_equal(bl_cli_nearest("chek", cmds), "check");
    assert_string_equal(bl_cli_nearest("sta", cmds), "status"); /* only prefix */
    assert_null(bl_cli_nearest("frobnicate", cmds));
    assert_null(bl_cli_nearest("s", cmds));
}

static void
test_unknown_text(void **state)
{
    static const char *const cmds[] = {"status", "check", NULL};
    g_autofree char *near = bl_cli_unknown_text("command", "stauts", cmds, true);
    g_autofree char *far = bl_cli_unknown_text("command", "zzz", cmds, true);

    assert_string_equal(near, "unknown command 'stauts' (did you mean 'status'?)");
    assert_string_equal(far, "unknown command 'zzz' (one of: status, check)");
}

static void
test_check_options(void **state)
{
    gboolean json = FALSE;
    char *svc = NULL;
    GOptionEntry e[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "", NULL},
        {"service", 's', 0, G_OPTION_ARG_STRING, &svc, "", "NAME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    char *ok[] = {"x", "--json", "-s", "--jsno", "word", "--service=a", NULL};
    char *bad[] = {"x", "--jsno", NULL};
    char *after[] = {"x", "--", "--jsno", NULL};
    char *shrt[] = {"x", "-q", NULL};
    g_auto(GStrv) given = NULL;
    g_autofree char *e1 = bl_cli_check_options(e, 6, ok, &given); /* --jsno is -s's value */
    g_autofree char *e2 = bl_cli_check_options(e, 2, bad, NULL);
    g_autofree char *e3 = bl_cli_check_options(e, 3, after, NULL);
    g_autofree char *e4 = bl_cli_check_options(e, 2, shrt, NULL);

    assert_null(e1);
    assert_int_equal(g_strv_length(given), 2);
    assert_string_equal(e2, "unknown option '--jsno' (did you mean '--json'?)");
    assert_null(e3);
    assert_string_equal(e4, "unknown option '-q' (see --help)");
}

/* A two-subcommand spec, parsed as a command line would be. */
struct fix {
    gboolean json;
    gboolean keys;
    char *node;
};

static int
parse(struct fix *f, struct bl_cli_args *a, int argc, char **argv)
{
    static const struct bl_cli_sub subs[] = {
        {"status", "", 0, 0, "json keys", "state"},
        {"check", "FILE", 1, 1, "node", "check"},
        {NULL, NULL, 0, 0, NULL, NULL},
    };
    GOptionEntry e[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &f->json, "", NULL},
        {"keys", 0, 0, G_OPTION_ARG_NONE, &f->keys, "", NULL},
        {"node", 'n', 0, G_OPTION_ARG_STRING, &f->node, "", "NAME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {"t", "test", e, NULL, subs, NULL};
    int rc = bl_cli_parse(&spec, argc, argv, a);

    return rc == 0 ? bl_cli_conflict(&spec, a, "json", "keys") : rc;
}

static void
test_parse(void **state)
{
    struct fix f = {0};
    struct bl_cli_args a;
    char *good[] = {"t", "check", "-n", "n1", "FILE", NULL};
    char *unknown[] = {"t", "stauts", NULL};
    char *extra[] = {"t", "status", "more", NULL};
    char *missing[] = {"t", "check", NULL};
    char *misplaced[] = {"t", "status", "--node", "x", NULL};
    char *conflict[] = {"t", "status", "--json", "--keys", NULL};
    char *none[] = {"t", NULL};

    assert_int_equal(parse(&f, &a, 5, good), 0);
    assert_string_equal(a.sub->name, "check");
    assert_int_equal(a.n_words, 1);
    assert_string_equal(a.words[0], "FILE");
    assert_string_equal(f.node, "n1");
    assert_true(bl_cli_given(&a, "node"));
    bl_cli_args_clear(&a);
    g_clear_pointer(&f.node, g_free);
    assert_int_equal(parse(&f, &a, 2, unknown), BL_CLI_EXIT_USAGE);
    assert_int_equal(parse(&f, &a, 3, extra), BL_CLI_EXIT_USAGE);
    assert_int_equal(parse(&f, &a, 2, missing), BL_CLI_EXIT_USAGE);
    assert_int_equal(parse(&f, &a, 4, misplaced), BL_CLI_EXIT_USAGE);
    g_clear_pointer(&f.node, g_free);
    assert_int_equal(parse(&f, &a, 4, conflict), BL_CLI_EXIT_USAGE);
    bl_cli_args_clear(&a);
    assert_int_equal(parse(&f, &a, 1, none), BL_CLI_EXIT_USAGE);
}

static void
test_timeout(void **state)
{
    uint32_t ms = 7;

    assert_int_equal(bl_cli_parse_timeout("30", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(bl_cli_parse_timeout("2min", &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(bl_cli_parse_timeout("PT1M30S", &ms), 0);
    assert_int_equal(ms, 90000);
    assert_int_equal(bl_cli_parse_timeout("0", &ms), BL_E_INVALID);
    assert_int_equal(bl_cli_parse_timeout("2h", &ms), BL_E_INVALID);
    assert_int_equal(bl_cli_parse_timeout("soon", &ms), BL_E_INVALID);
    assert_int_equal(ms, 90000);
}

static void
test_json_status(void **state)
{
    struct bl_status *st = bl_status_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    JsonNode *root;
    g_autofree char *text = NULL;

    bl_status_add(st, "trap.accepted", "12");
    bl_status_add(st, "trap.dropped", "3");
    bl_status_add(st, "trap.dropped.auth", "2");
    bl_status_add(st, "hb.enabled", "yes");
    bl_status_add(st, "hb.0.node", "node1");
    bl_status_add(st, "hb.0.rtt_ms", "007");
    root = bl_cli_json_from_status(st);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    assert_string_equal(text, "{\"trap\":{\"accepted\":12,\"dropped\":{\"total\":3,\"auth\":2}},"
                              "\"hb\":{\"enabled\":true,\"0\":{\"node\":\"node1\","
                              "\"rtt_ms\":\"007\"}}}");
    json_node_unref(root);
    bl_status_free(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),     cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_unknown_text), cmocka_unit_test(test_check_options),
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_json_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
