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
        "OCF_RESKEY_chain_file",         "OCF_RESKEY_chain",
        "OCF_RESKEY_state_dir",          "OCF_RESKEY_folders",
        "OCF_RESKEY_volume_device",      "OCF_RESKEY_member_start_timeout",
        "OCF_RESKEY_member_stop_timeout"};

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

static int
run(const char *action)
{
    struct bl_agent a;
    int rc;

    bl_chain_agent_from_env(&a);
    rc = bl_chain_agent_run(&a, action);
    bl_chain_agent_clear(&a);
    return rc;
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

    g_setenv("OCF_RESKEY_chain", chain, TRUE);
    assert_int_equal(run("start"), BL_OCF_SUCCESS);
    assert_int_equal(run("monitor"), BL_OCF_DEGRADED);
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
    g_setenv("OCF_RESKEY_chain", bad, TRUE);
    assert_int_equal(run("start"), BL_OCF_ERR_GENERIC);
    assert_false(g_file_test(apid, G_FILE_TEST_EXISTS));
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
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
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
