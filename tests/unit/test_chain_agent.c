/*
 * The agent library: parameters from the environment, meta-data, the run snapshot, and the
 * actions in-process over real bl-test-member daemons (no shared volume here; that is
 * covered by tests/agents/chain with the built agent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain_agent.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static void
clear_env(void)
{
    static const char *const names[] = {
        "OCF_RESKEY_chain_file",          "OCF_RESKEY_chain",
        "OCF_RESKEY_state_dir",           "OCF_RESKEY_folders",
        "OCF_RESKEY_volume_device",       "OCF_RESKEY_member_start_timeout",
        "OCF_RESKEY_member_stop_timeout", "OCF_RESKEY_volume_free_min",
        "OCF_RESKEY_volume_free_fail"};

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_unsetenv(names[i]);
    }
}

static int
reset(void **state)
{
    clear_env();
    g_setenv("HA_RSCTMP", tmpdir, TRUE);
    g_setenv("OCF_RESOURCE_INSTANCE", "esm", TRUE);
    g_setenv("OCF_RESKEY_CRM_meta_on_node", "node-a", TRUE);
    g_setenv("OCF_RESKEY_CRM_meta_timeout", "20000", TRUE);
    return 0;
}

static int
parse_env(char **err)
{
    struct bl_agent a;
    struct bl_volume v;
    struct bl_chain_defaults defs;
    int rc;

    bl_chain_agent_from_env(&a);
    rc = bl_chain_agent_parse_params(&a, &v, &defs, err);
    bl_volume_clear(&v);
    bl_chain_agent_clear(&a);
    return rc;
}

static void
test_params(void **state)
{
    struct bl_agent a;
    char *err = NULL;

    assert_int_equal(parse_env(&err), BL_E_INVALID);
    assert_non_null(strstr(err, "give exactly one of chain_file and chain"));
    g_free(err);
    g_setenv("OCF_RESKEY_chain_file", "esm-ver6", TRUE);
    assert_int_equal(parse_env(&err), 0);
    g_setenv("OCF_RESKEY_folders", "/opt/esm/work", TRUE);
    assert_int_equal(parse_env(&err), BL_E_INVALID);
    assert_non_null(strstr(err, "folders and volume_device need state_dir"));
    g_free(err);
    g_setenv("OCF_RESKEY_state_dir", "srv/esm", TRUE);
    assert_int_equal(parse_env(&err), BL_E_INVALID);
    assert_non_null(strstr(err, "must be absolute paths"));
    g_free(err);
    g_setenv("OCF_RESKEY_state_dir", "/srv/esm", TRUE);
    g_setenv("OCF_RESKEY_member_stop_timeout", "soon", TRUE);
    assert_int_equal(parse_env(&err), BL_E_INVALID);
    assert_non_null(strstr(err, "member_stop_timeout 'soon'"));
    g_free(err);
    g_unsetenv("OCF_RESKEY_member_stop_timeout");
    assert_int_equal(parse_env(&err), 0);
    bl_chain_agent_from_env(&a);
    assert_string_equal(a.node, "node-a");
    assert_string_equal(a.instance, "esm");
    assert_int_equal(a.timeout_ms, 20000);
    assert_string_equal(a.param[BL_AP_MEMBER_START_TIMEOUT], "60s"); /* the table's default */
    bl_chain_agent_clear(&a);
}

static void
test_meta_data(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    bl_chain_agent_meta_data(f);
    fclose(f);
    assert_non_null(strstr(buf, "<version>1.1</version>"));
    assert_non_null(strstr(buf, "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\""));
    assert_non_null(strstr(buf, "<parameter name=\"chain_file\""));
    assert_non_null(strstr(buf, "<parameter name=\"member_start_timeout\" unique=\"0\" "
                                "required=\"0\" reloadable=\"1\">"));
    assert_non_null(strstr(buf, "<action name=\"reload-agent\""));
    assert_non_null(strstr(buf, "depth=\"10\""));
    free(buf);
}

static char *
member_chain(const char *extra_b)
{
    return g_strdup_printf("[member a]\nkind=daemon\ncommand=%s --name a --dir %s --pidfile "
                           "%s/a.pid\npidfile=%s/a.pid\n"
                           "[member b]\nkind=daemon\ncommand=%s --name b --dir %s --pidfile "
                           "%s/b.pid %s\npidfile=%s/b.pid\noptional=true\nstart_timeout=2s\n"
                           "[member c]\nkind=daemon\ncommand=%s --name c --dir %s --pidfile "
                           "%s/c.pid\npidfile=%s/c.pid\n",
                           BL_TEST_MEMBER, tmpdir, tmpdir, tmpdir, BL_TEST_MEMBER, tmpdir, tmpdir,
                           extra_b, tmpdir, BL_TEST_MEMBER, tmpdir, tmpdir, tmpdir);
}

/* Run an action; its exit reason, when reason is not NULL (g_free()). */
static int
run_reason(const char *action, char **reason)
{
    struct bl_agent a;
    int rc;

    bl_chain_agent_from_env(&a);
    rc = bl_chain_agent_run(&a, action);
    if (reason != NULL) {
        *reason = g_steal_pointer(&a.exit_reason);
    }
    bl_chain_agent_clear(&a);
    return rc;
}

static int
run(const char *action)
{
    return run_reason(action, NULL);
}

static void
test_actions(void **state)
{
    g_autofree char *chain = member_chain("");
    g_autofree char *snap = g_build_filename(tmpdir, "bmclink-servicechain-esm.conf", NULL);
    struct bl_snapshot s;

    g_setenv("OCF_RESKEY_chain", chain, TRUE);
    assert_int_equal(run("validate-all"), BL_OCF_SUCCESS);
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
    assert_int_equal(run("start"), BL_OCF_SUCCESS);
    assert_true(g_file_test(snap, G_FILE_TEST_EXISTS));
    assert_int_equal(bl_chain_snapshot_read(tmpdir, "esm", &s), 0);
    assert_string_equal(s.node, "node-a");
    assert_string_equal(s.mode, "START");
    assert_int_equal(s.chain->n_members, 3);
    bl_chain_snapshot_clear(&s);
    assert_int_equal(run("monitor"), BL_OCF_SUCCESS);
    assert_int_equal(run("start"), BL_OCF_SUCCESS); /* already running */
    assert_int_equal(run("reload-agent"), BL_OCF_SUCCESS);
    assert_int_equal(run("stop"), BL_OCF_SUCCESS);
    assert_false(g_file_test(snap, G_FILE_TEST_EXISTS));
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
    assert_int_equal(run("stop"), BL_OCF_SUCCESS); /* stopping a stopped chain */
    assert_int_equal(run("frobnicate"), BL_OCF_ERR_UNIMPLEMENTED);
}

static void
test_optional_member_degrades(void **state)
{
    g_autofree char *chain = member_chain("--fail-start");

    g_autofree char *reason = NULL;

    g_setenv("OCF_RESKEY_chain", chain, TRUE);
    assert_int_equal(run("start"), BL_OCF_SUCCESS);
    assert_int_equal(run_reason("monitor", &reason), BL_OCF_DEGRADED);
    assert_string_equal(reason, "optional member b is stopped");
    assert_int_equal(run("stop"), BL_OCF_SUCCESS);
}

static void
test_mandatory_member_fails_start(void **state)
{
    g_autofree char *chain = member_chain("");
    g_autofree char *bad = NULL;
    g_autofree char *apid = g_build_filename(tmpdir, "a.pid", NULL);

    /* c fails: a and b must be stopped again */
    bad = g_strconcat(chain,
                      "[member d]\nkind=daemon\ncommand=" BL_TEST_MEMBER
                      " --name d --dir /tmp --fail-start\npidfile=/tmp/never.pid\n",
                      NULL);
    g_autofree char *reason = NULL;

    g_setenv("OCF_RESKEY_chain", bad, TRUE);
    assert_int_equal(run_reason("start", &reason), BL_OCF_ERR_GENERIC);
    assert_non_null(strstr(reason, "mandatory member d failed to start"));
    assert_false(g_file_test(apid, G_FILE_TEST_EXISTS));
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
}

/* Each failure gives its cause as the exit reason; a success or a probe that finds nothing
 * gives none. */
static void
expect_reason(const char *action, int want_rc, const char *want_reason)
{
    g_autofree char *reason = NULL;

    assert_int_equal(run_reason(action, &reason), want_rc);
    if (want_reason == NULL) {
        assert_null(reason);
    } else {
        assert_non_null(reason);
        print_message("%s: %d: %s\n", action, want_rc, reason);
        assert_non_null(strstr(reason, want_reason));
    }
}

static void
test_exit_reasons(void **state)
{
    g_autofree char *chain = member_chain("");
    g_autofree char *file = g_build_filename(tmpdir, "a-file", NULL);

    g_setenv("OCF_RESKEY_chain", "[member a];kind=rocket;[member b", TRUE);
    expect_reason("validate-all", BL_OCF_ERR_CONFIGURED, "(and 1 more: see the system log)");
    g_setenv("OCF_RESKEY_chain", chain, TRUE);
    g_setenv("OCF_RESKEY_member_stop_timeout", "5 fortnights", TRUE);
    expect_reason("start", BL_OCF_ERR_CONFIGURED,
                  "invalid parameters: member_stop_timeout '5 fortnights' is not a duration");
    g_unsetenv("OCF_RESKEY_member_stop_timeout");
    expect_reason("validate-all", BL_OCF_SUCCESS, NULL);
    g_setenv("OCF_RESKEY_CRM_meta_interval", "10000", TRUE);
    expect_reason("monitor", BL_OCF_NOT_RUNNING, "no member of chain");
    g_setenv("OCF_RESKEY_CRM_meta_interval", "0", TRUE);
    expect_reason("monitor", BL_OCF_NOT_RUNNING, NULL);
    assert_true(g_file_set_contents(file, "", 0, NULL));
    g_setenv("HA_RSCTMP", file, TRUE); /* the run snapshot cannot be written */
    expect_reason("start", BL_OCF_ERR_GENERIC, "(HA_RSCTMP)");
    g_setenv("HA_RSCTMP", tmpdir, TRUE);
    expect_reason("stop", BL_OCF_SUCCESS, NULL);
    expect_reason("frobnicate", BL_OCF_ERR_UNIMPLEMENTED, "'frobnicate' is not implemented");
}

static void
test_config_errors(void **state)
{
    g_setenv("OCF_RESKEY_chain", "[member a];kind=rocket", TRUE);
    assert_int_equal(run("validate-all"), BL_OCF_ERR_CONFIGURED);
    assert_int_equal(run("start"), BL_OCF_ERR_CONFIGURED);
    assert_int_equal(run("monitor"), BL_OCF_ERR_CONFIGURED);
    g_unsetenv("OCF_RESKEY_chain");
    g_setenv("OCF_RESKEY_chain_file", "/nonexistent/esm.chain", TRUE);
    assert_int_equal(run("validate-all"), BL_OCF_ERR_INSTALLED);
    g_setenv("OCF_RESKEY_CRM_meta_interval", "0", TRUE);
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING); /* a probe: it cannot run here */
    assert_int_equal(run("stop"), BL_OCF_SUCCESS);
    g_setenv("OCF_RESKEY_chain",
             "[member a];kind=daemon;command=/nonexistent/d;"
             "pidfile=/run/d.pid",
             TRUE);
    g_unsetenv("OCF_RESKEY_chain_file");
    assert_int_equal(run("validate-all"), BL_OCF_ERR_INSTALLED);
}

/* The thresholds are checked parameters; what start saw of the volume and the thresholds
 * come back from the snapshot, which is all a monitor reads. */
static void
test_volume_snapshot(void **state)
{
    g_autofree char *err = NULL;
    g_autofree char *chain_text = member_chain("");
    struct bl_volume_id id = {.known = true, .major = 7, .minor = 3, .fsid = 0xfeedf00d12345678};
    struct bl_chain_defaults defs = {0};
    struct bl_chain *chain = NULL;
    struct bl_volume v;
    struct bl_snapshot s;
    struct bl_agent a;

    g_setenv("OCF_RESKEY_chain", chain_text, TRUE);
    g_setenv("OCF_RESKEY_volume_free_min", "lots", TRUE);
    assert_int_equal(parse_env(&err), BL_E_INVALID);
    assert_non_null(strstr(err, "volume_free_min 'lots' is not a size"));
    g_setenv("OCF_RESKEY_volume_free_min", "5%", TRUE);
    g_setenv("OCF_RESKEY_volume_free_fail", "1G", TRUE);
    g_clear_pointer(&err, g_free);
    assert_int_equal(parse_env(&err), 0);

    bl_chain_agent_from_env(&a);
    assert_int_equal(bl_chain_agent_parse_params(&a, &v, &defs, &err), 0);
    assert_int_equal(bl_chain_agent_load_chain(&a, &defs, &chain, NULL), 0);
    id.point = g_strdup("/srv/esm dir");
    id.source = g_strdup("/dev/loop3");
    assert_int_equal(bl_chain_snapshot_write(&a, chain, BL_START_NORMAL, &id), 0);
    assert_int_equal(bl_chain_snapshot_read(tmpdir, "esm", &s), 0);
    assert_true(s.volume.id.known);
    assert_int_equal(s.volume.id.major, 7);
    assert_int_equal(s.volume.id.minor, 3);
    assert_true(s.volume.id.fsid == 0xfeedf00d12345678);
    assert_string_equal(s.volume.id.point, "/srv/esm dir");
    assert_string_equal(s.volume.id.source, "/dev/loop3");
    assert_true(s.volume.free_min.is_percent && s.volume.free_min.percent == 5);
    assert_true(s.volume.free_fail.bytes == 1ull << 30);
    bl_chain_snapshot_clear(&s);
    /* no identity (no state_dir, or an older agent's snapshot): none read back */
    assert_int_equal(bl_chain_snapshot_write(&a, chain, BL_START_NORMAL, NULL), 0);
    assert_int_equal(bl_chain_snapshot_read(tmpdir, "esm", &s), 0);
    assert_false(s.volume.id.known);
    bl_chain_snapshot_clear(&s);
    bl_chain_snapshot_remove(&a);
    bl_volume_id_clear(&id);
    bl_volume_clear(&v);
    bl_chain_free(chain);
    bl_chain_agent_clear(&a);
}

/* One line, cut where pacemaker-execd cuts it. */
static void
test_exit_reason(void **state)
{
    struct bl_agent a = {0};
    g_autofree char *xs = g_strnfill(200, 'x');
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    bl_chain_agent_print_exit_reason(&a, f); /* none: nothing printed */
    a.exit_reason = g_strconcat("volume full:\nsecond line ", xs, NULL);
    bl_chain_agent_print_exit_reason(&a, f);
    fclose(f);
    assert_true(g_str_has_prefix(buf, "ocf-exit-reason:volume full: second line xxx"));
    assert_int_equal(strlen(buf), strlen("ocf-exit-reason:") + 128 + 1);
    assert_int_equal(strchr(buf, '\n') - buf, (long) strlen(buf) - 1);
    free(buf);
    bl_chain_agent_clear(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_params, reset),
        cmocka_unit_test_setup(test_meta_data, reset),
        cmocka_unit_test_setup(test_actions, reset),
        cmocka_unit_test_setup(test_optional_member_degrades, reset),
        cmocka_unit_test_setup(test_mandatory_member_fails_start, reset),
        cmocka_unit_test_setup(test_config_errors, reset),
        cmocka_unit_test_setup(test_volume_snapshot, reset),
        cmocka_unit_test_setup(test_exit_reason, reset),
        cmocka_unit_test_setup(test_exit_reasons, reset),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
