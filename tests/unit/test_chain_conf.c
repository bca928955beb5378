/* Chain file parser: syntax, validation with file:line errors, includes, serialization. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_conf.h"
#include "bl_result.h"
#include "chain.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static const struct bl_chain_defaults defaults = {45000, 15000, NULL};

static char *
write_file(const char *name, const char *text)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Load text that must fail and return the messages. */
static char *
expect_error(const char *text)
{
    struct bl_chain *chain = NULL;
    char *err = NULL;
    g_autofree char *path = write_file("bad.chain", text);

    assert_int_equal(bl_chain_load_file(path, &defaults, &chain, &err), BL_E_INVALID);
    assert_null(chain);
    assert_non_null(err);
    return err;
}

static void
assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("'%s' not found in:\n%s", needle, haystack);
    }
}

static const char three_members[] = "# a comment\n"
                                    "[chain]\n"
                                    "name = demo\n"
                                    "\n"
                                    "[member base]\n"
                                    "kind = systemd\n"
                                    "unit = nvbase\n"
                                    "start_timeout = 2min\n"
                                    "\n"
                                    "[member alert]\n"
                                    "kind = lsb\n"
                                    "script = /etc/init.d/alert\n"
                                    "optional = yes\n"
                                    "\n"
                                    "[member web]\n"
                                    "kind = daemon\n"
                                    "command = /usr/sbin/webd --conf '/etc/web d.conf'\n"
                                    "pidfile = /run/webd.pid\n"
                                    "ready = tcp\n"
                                    "port = 8080\n";

static void
test_valid_chain(void **state)
{
    g_autofree char *path = write_file("demo.chain", three_members);
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    assert_int_equal(bl_chain_load_file(path, &defaults, &c, &err), 0);
    assert_null(err);
    assert_string_equal(c->name, "demo");
    assert_int_equal(c->n_members, 3);
    assert_string_equal(c->members[0].name, "base");
    assert_int_equal(c->members[0].kind, BL_KIND_SYSTEMD);
    assert_string_equal(c->members[0].unit, "nvbase.service");
    assert_int_equal(c->members[0].start_timeout_ms, 120000);
    assert_int_equal(c->members[0].stop_timeout_ms, 15000);
    assert_false(c->members[0].optional);
    assert_true(c->members[1].optional);
    assert_int_equal(c->members[1].start_timeout_ms, 45000);
    assert_string_equal(c->members[2].command[2], "/etc/web d.conf");
    assert_string_equal(c->members[2].exe, "/usr/sbin/webd");
    assert_int_equal(c->members[2].ready, BL_READY_TCP);
    assert_string_equal(c->members[2].host, "127.0.0.1");
    assert_int_equal(c->members[2].port, 8080);
    assert_ptr_equal(bl_chain_find(c, "web"), &c->members[2]);
    assert_null(bl_chain_find(c, "nope"));
    bl_chain_free(c);
}

static void
test_errors_name_file_and_line(void **state)
{
    g_autofree char *err = expect_error("[member a]\n"
                                        "kind = daemon\n"
                                        "command = /bin/a\n"
                                        "pidfile = /run/a.pid\n"
                                        "\n"
                                        "[member b]\n"
                                        "kind = rocket\n"
                                        "colour = blue\n"
                                        "this is not a key value line\n");
    g_autofree char *path = g_build_filename(tmpdir, "bad.chain", NULL);
    g_autofree char *at7 = g_strdup_printf("%s:7: [member b] kind: invalid value 'rocket' "
                                           "(expected systemd, lsb or daemon)",
                                           path);
    g_autofree char *at8 = g_strdup_printf("%s:8: [member b] colour: unknown key", path);
    g_autofree char *at9 = g_strdup_printf("%s:9: not a [group], a 'key = value' line", path);

    assert_contains(err, at7);
    assert_contains(err, at8);
    assert_contains(err, at9);
}

static void
test_structure_errors(void **state)
{
    char *err;

    err = expect_error("kind = daemon\n");
    assert_contains(err, ":1: a key before the first [group]");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\nkind = lsb\n");
    assert_contains(err, ":4: [member a] kind: given twice");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\n[member a]\nkind = systemd\n");
    assert_contains(err, ":4: [member a]: declared twice in this file");
    g_free(err);
    err = expect_error("[member a\nkind = systemd\n[member b]\nkind = lsb\nscript = /b\n");
    assert_contains(err, ":1: not a [group] header");
    assert_true(strstr(err, ":2:") == NULL); /* the keys under a refused header: skipped */
    g_free(err);
    err = expect_error("[service a]\n");
    assert_contains(err, ":1: [service a]: unknown group (expected [chain], [member NAME]");
    g_free(err);
    err = expect_error("[member -bad]\nkind = systemd\n");
    assert_contains(err, ":1: [member -bad]: invalid name");
    g_free(err);
    err = expect_error("[chain]\nname = x\n");
    assert_contains(err, ":1: [chain]: declares no [member] sections");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\noptional = true\n");
    assert_contains(err, ":0: [chain]: every member is optional");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\n\xff\xfe\n");
    assert_contains(err, ":4: not UTF-8 text");
    g_free(err);
}

static void
test_value_errors(void **state)
{
    char *err;

    err = expect_error("[member a]\nkind = daemon\ncommand = relative/x\npidfile = /run/a\n");
    assert_contains(err, ":3: [member a] command: invalid value 'relative/x' (expected a command "
                         "line: the program's absolute path");
    g_free(err);
    err = expect_error("[member a]\nkind = daemon\ncommand = /bin/x 'open\npidfile = /run/a\n");
    assert_contains(
        err, ":3: [member a] command: invalid value '/bin/x 'open' (expected a command line");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\nstop_timeout = 0\n");
    assert_contains(err,
                    ":4: [member a] stop_timeout: invalid value '0' (expected a duration from 1 to "
                    "3600000 ms");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\noptional = maybe\n");
    assert_contains(err, ":4: [member a] optional: invalid value 'maybe' (expected a boolean");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\nready = tcp\nport = 70000\n");
    assert_contains(
        err, ":5: [member a] port: invalid value '70000' (expected an integer from 1 to 65535)");
    g_free(err);
    err = expect_error("[member a]\nkind = lsb\nscript = init.d/a\n");
    assert_contains(err,
                    ":3: [member a] script: invalid value 'init.d/a' (expected an absolute path)");
    g_free(err);
}

static void
test_semantic_errors(void **state)
{
    char *err;

    err = expect_error("[member a]\nkind = daemon\ncommand = /bin/a\n");
    assert_contains(err, ":1: [member a]: a daemon member needs 'pidfile'");
    g_free(err);
    err = expect_error("[member a]\nunit = x\n");
    assert_contains(err, ":1: [member a] kind: missing (systemd, lsb or daemon)");
    g_free(err);
    err = expect_error("[member a]\nkind = daemon\ncommand = /bin/a\npidfile = /run/a\n"
                       "unit = a.service\n");
    assert_contains(err, ":5: [member a] unit: does not apply to a daemon member");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\nready = tcp\n");
    assert_contains(err, ":1: [member a]: a systemd member needs 'port'");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\nready = tcp\nport = 1\n"
                       "host = localhost\n");
    assert_contains(err, ":6: [member a] host: 'localhost' is not a numeric");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\ncheck = /bin/true\n");
    assert_contains(err, ":4: [member a] check: needs ready = command");
    g_free(err);
    err = expect_error("[member a]\nkind = lsb\nscript = /etc/init.d/a\npidfile = /run/a\n");
    assert_contains(err, ":4: [member a] pidfile: needs 'exe'");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = ../a\n");
    assert_contains(err, ":3: [member a] unit: '../a' is not a unit name");
    g_free(err);
}

static void
test_include_and_override(void **state)
{
    g_autofree char *base = write_file("base.chain", "[chain]\nname = base\n"
                                                     "[member A]\nkind = systemd\nunit = a\n"
                                                     "[member B]\nkind = systemd\nunit = b\n"
                                                     "optional = true\n"
                                                     "[member C]\nkind = systemd\nunit = c\n");
    g_autofree char *site =
        write_file("site.chain", "[chain]\ninclude = base\n"
                                 "[member B]\nkind = daemon\ncommand = /usr/bin/b -d\n"
                                 "pidfile = /run/b.pid\n"
                                 "[member C]\nstop_timeout = 5s\n"
                                 "[member D]\nkind = lsb\nscript = /etc/init.d/d\n");
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    assert_int_equal(bl_chain_load_file(site, &defaults, &c, &err), 0);
    assert_string_equal(c->name, "site");
    assert_int_equal(c->n_members, 4);
    assert_string_equal(c->members[1].name, "B");
    assert_int_equal(c->members[1].kind, BL_KIND_DAEMON);
    assert_null(c->members[1].unit); /* the old kind's key went with it */
    assert_true(c->members[1].optional);
    assert_int_equal(c->members[2].stop_timeout_ms, 5000);
    assert_string_equal(c->members[2].unit, "c.service");
    assert_string_equal(c->members[3].name, "D");
    bl_chain_free(c);
}

static void
test_include_errors(void **state)
{
    char *err;
    g_autofree char *loop = write_file("loop.chain", "[chain]\ninclude = loop2\n");
    g_autofree char *loop2 = write_file("loop2.chain", "[chain]\ninclude = loop\n");

    err = expect_error("[chain]\ninclude = missing-profile\n");
    assert_contains(err, ":2: [chain] include: 'missing-profile' not found");
    g_free(err);
    err = expect_error("[member a]\nkind = systemd\nunit = a\n[chain]\ninclude = base\n");
    assert_contains(err, ":5: [chain] include: must come before the first [member] section");
    g_free(err);
    err = expect_error("[chain]\ninclude = loop\n");
    assert_contains(err, "includes nested deeper than");
    g_free(err);
}

static void
test_inline_and_missing_file(void **state)
{
    struct bl_chain *c = NULL;
    char *err = NULL;

    assert_int_equal(bl_chain_load_text("[member a]; kind = daemon; command = /bin/a -x;"
                                        "pidfile = /run/a.pid;[member b];kind=systemd;unit=b",
                                        "<inline>", &defaults, &c, &err),
                     0);
    assert_int_equal(c->n_members, 2);
    assert_string_equal(c->name, "<inline>");
    bl_chain_free(c);
    assert_int_equal(
        bl_chain_load_text("[member a]; kind = rocket", "<inline>", &defaults, &c, &err),
        BL_E_INVALID);
    assert_contains(err, "<inline>:2: [member a] kind: invalid value 'rocket'");
    g_free(err);
    assert_int_equal(bl_chain_load_file("/nonexistent/x.chain", &defaults, &c, &err), -ENOENT);
    assert_contains(err, "/nonexistent/x.chain: No such file or directory");
    g_free(err);
    assert_int_equal(bl_chain_load_file("no-such-profile", &defaults, &c, &err), -ENOENT);
    g_free(err);
}

/* Values are taken as written ('\\' is no GKeyFile escape) and ';' starts a comment line. */
static void
test_values_as_written(void **state)
{
    g_autofree char *path = write_file("raw.chain", "; a comment\n"
                                                    "[member a]\n"
                                                    "kind = daemon\n"
                                                    "command = /bin/sh -c \"echo a\\tb\"\n"
                                                    "pidfile = /run/a.pid\n"
                                                    "[folder w]\n"
                                                    "path = W\n"
                                                    "description = C:\\Work\n");
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    assert_int_equal(bl_chain_load_file(path, &defaults, &c, &err), 0);
    assert_string_equal(c->members[0].command[2], "echo a\\tb");
    assert_string_equal(c->folders[0].description, "C:\\Work");
    bl_chain_free(c);
}

static void
test_round_trip_and_compare(void **state)
{
    g_autofree char *path = write_file("demo.chain", three_members);
    struct bl_chain *a = NULL, *b = NULL;
    g_autofree char *text = NULL;

    assert_int_equal(bl_chain_load_file(path, &defaults, &a, NULL), 0);
    text = bl_chain_to_text(a);
    g_autofree char *copy = write_file("copy.chain", text);
    assert_int_equal(bl_chain_load_file(copy, NULL, &b, NULL), 0);
    assert_true(bl_chain_same_members(a, b));
    for (size_t i = 0; i < a->n_members; i++) {
        assert_int_equal(a->members[i].start_timeout_ms, b->members[i].start_timeout_ms);
        assert_int_equal(a->members[i].stop_timeout_ms, b->members[i].stop_timeout_ms);
    }
    b->members[0].start_timeout_ms = 1; /* timeouts do not count */
    assert_true(bl_chain_same_members(a, b));
    g_free(b->members[2].command[1]);
    b->members[2].command[1] = g_strdup("--other");
    assert_false(bl_chain_same_members(a, b));
    bl_chain_free(a);
    bl_chain_free(b);
}

static void
test_durations_and_bools(void **state)
{
    uint32_t ms = 0;
    bool b = false;

    assert_int_equal(bl_conf_parse_ms("500ms", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(bl_conf_parse_ms("30", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(bl_conf_parse_ms("2min", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(bl_conf_parse_ms("1h", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(bl_conf_parse_ms("0", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_ms("61m", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_ms("10x", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_ms("-5", 1000, 1, BL_TIMEOUT_MAX_MS, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_ms("99999999999999999999s", 1000, 1, BL_TIMEOUT_MAX_MS, &ms),
                     BL_E_INVALID);
    assert_int_equal(bl_conf_parse_bool("Yes", &b), 0);
    assert_true(b);
    assert_int_equal(bl_conf_parse_bool("off", &b), 0);
    assert_false(b);
    assert_int_equal(bl_conf_parse_bool("2", &b), BL_E_INVALID);
}

static void
test_print_keys(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    bl_chain_print_keys(f);
    fclose(f);
    assert_contains(buf, "| `kind` | all |");
    assert_contains(buf, "| `unit` | systemd |");
    assert_contains(buf, "| `pidfile` | lsb, daemon |");
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_chain),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_include_and_override),
        cmocka_unit_test(test_include_errors),
        cmocka_unit_test(test_inline_and_missing_file),
        cmocka_unit_test(test_values_as_written),
        cmocka_unit_test(test_round_trip_and_compare),
        cmocka_unit_test(test_durations_and_bools),
        cmocka_unit_test(test_print_keys),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
