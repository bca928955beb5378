/* Unit tests of fence_bmclink's actions against a fake BMC. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "bl_fence.h"
#include "bl_result.h"
#include "ipmi_fake.h"

struct fixture {
    GMainContext *ctx;
    struct fake_bmc bmc;
    struct bl_ipmi_client client;
    struct bl_fence_config cfg;
    char *out;
    size_t out_len;
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->ctx = g_main_context_new();
    fake_bmc_init(&f->bmc, f->ctx);
    fake_bmc_client(&f->bmc, &f->client);
    bl_ipmi_params_init(&f->cfg.ipmi);
    strcpy(f->cfg.ip, "127.0.0.1");
    f->cfg.have_ip = true;
    f->cfg.login_timeout_s = 2;
    f->cfg.shell_timeout_s = 1;
    f->cfg.power_timeout_s = 2;
    f->cfg.status_sleep_s = 1;
    f->cfg.retry_on = 1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(f->bmc.pending, 0);
    bl_fence_config_clear(&f->cfg);
    g_main_context_unref(f->ctx);
    free(f->out);
    g_free(f);
    return 0;
}

static int
run(struct fixture *f, enum bl_fence_action a)
{
    FILE *out;
    int ec;

    free(f->out);
    f->out = NULL;
    out = open_memstream(&f->out, &f->out_len);
    f->cfg.action = a;
    ec = bl_fence_run(&f->cfg, &f->client, f->ctx, out);
    fclose(out);
    return ec;
}

static void
test_status_on_and_off(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Status: ON\n");
    f->bmc.power_on = false;
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_OFF);
    assert_string_equal(f->out, "Status: OFF\n");
    assert_int_equal(run(f, BL_FENCE_MONITOR), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "");
    assert_string_equal(f->bmc.last_params.host, "127.0.0.1");
    assert_int_equal(f->bmc.closes, 3);
}

static void
test_off_confirmed_after_lag(void **state)
{
    struct fixture *f = *state;

    f->bmc.lag_polls = 3; /* the BMC reports the old state three more times */
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Powered OFF\n");
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_false(f->bmc.power_on);
    /* off, then 4 polls until the new state shows: no read before the off */
    assert_int_equal(f->bmc.sends, 5);
}

static void
test_off_already_off(void **state)
{
    struct fixture *f = *state;

    /* no read before the power-down: it goes out, and the read confirms it */
    f->bmc.power_on = false;
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Powered OFF\n");
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_int_equal(f->bmc.sends, 2);
}

static void
test_off_refused_when_off(void **state)
{
    struct fixture *f = *state;

    /* a BMC that refuses a power-down of an off chassis: the read says it was off */
    f->bmc.power_on = false;
    f->bmc.control_cc = 0xd5; /* not supported in present state */
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Already OFF\n");
}

static void
test_off_refused_when_on(void **state)
{
    struct fixture *f = *state;

    f->bmc.control_cc = 0xd4; /* insufficient privilege */
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_ERROR);
    assert_string_equal(f->out, "");
    assert_true(f->bmc.power_on);
}

static void
test_off_never_confirmed(void **state)
{
    struct fixture *f = *state;
    gint64 t0 = g_get_monotonic_time();

    f->bmc.power_never_changes = true;
    f->cfg.power_timeout_s = 1;
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_ERROR);
    assert_string_equal(f->out, "");
    assert_true(g_get_monotonic_time() - t0 < 3 * G_USEC_PER_SEC);
    assert_true(f->bmc.sends > 3); /* it kept polling, with back-off */
}

static void
test_on_refused_by_bmc(void **state)
{
    struct fixture *f = *state;

    f->bmc.power_on = false;
    f->bmc.control_cc = 0xd4; /* insufficient privilege */
    assert_int_equal(run(f, BL_FENCE_ON), BL_FENCE_EXIT_ERROR);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_ON], 1); /* no retry on a refusal */
}

static void
test_reboot_onoff(void **state)
{
    struct fixture *f = *state;

    f->bmc.lag_polls = 1;
    assert_int_equal(run(f, BL_FENCE_REBOOT), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Rebooted\n");
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_ON], 1);
    assert_true(f->bmc.power_on);
}

static void
test_reboot_from_off_powers_on(void **state)
{
    struct fixture *f = *state;

    /* the power-down goes out unread (harmless on an off chassis), then on */
    f->bmc.power_on = false;
    assert_int_equal(run(f, BL_FENCE_REBOOT), BL_FENCE_EXIT_OK);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_ON], 1);
    assert_true(f->bmc.power_on);
}

static void
test_reboot_cycle(void **state)
{
    struct fixture *f = *state;

    f->cfg.method = BL_FENCE_METHOD_CYCLE;
    assert_int_equal(run(f, BL_FENCE_REBOOT), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Rebooted\n");
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_CYCLE], 1);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 0);
}

static void
test_diag(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, BL_FENCE_DIAG), BL_FENCE_EXIT_OK);
    assert_string_equal(f->out, "Success: Diagnostic interrupt (NMI) sent\n");
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_DIAG], 1);
    f->bmc.diag_cc = 0xcc; /* what ipmi_sim answers */
    assert_int_equal(run(f, BL_FENCE_DIAG), BL_FENCE_EXIT_ERROR);
}

static void
test_login_failure_and_garbled_status(void **state)
{
    struct fixture *f = *state;

    f->bmc.open_rc = BL_E_AUTH;
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    f->bmc.open_rc = BL_OK;
    f->bmc.status_len = 2; /* a truncated Get Chassis Status reply */
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    /* off sends its power-down unread, but never reports success it cannot confirm */
    f->cfg.power_timeout_s = 1;
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_ERROR);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_string_equal(f->out, "");
}

static void
test_silent_bmc_bounded(void **state)
{
    struct fixture *f = *state;
    gint64 t0 = g_get_monotonic_time();

    f->bmc.silent = true;
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_ERROR);
    assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
}

static void
test_list_and_validate_touch_nothing(void **state)
{
    struct fixture *f = *state;

    /* refused: any list would be made up, and Pacemaker would believe it */
    assert_int_equal(run(f, BL_FENCE_LIST), BL_FENCE_EXIT_ERROR);
    assert_string_equal(f->out, "");
    assert_int_equal(run(f, BL_FENCE_LIST_STATUS), BL_FENCE_EXIT_ERROR);
    assert_int_equal(run(f, BL_FENCE_VALIDATE_ALL), BL_FENCE_EXIT_OK);
    assert_int_equal(f->bmc.open_calls, 0);
}

/* Lost session set-up is tried again while login_timeout lasts; a refusal is final. */
static void
test_login_retried_until_login_timeout(void **state)
{
    struct fixture *f = *state;

    f->bmc.open_rc = BL_E_TIMEOUT;
    f->cfg.login_timeout_s = 1;
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    assert_true(f->bmc.open_calls >= 2);
    f->bmc.open_calls = 0;
    f->bmc.open_rc = BL_E_AUTH; /* retrying could lock the account */
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    assert_int_equal(f->bmc.open_calls, 1);
}

/* Pacemaker's target (nodename) against bmclink.conf's BMC for it (node_bmc). */
static void
test_target_checked(void **state)
{
    struct fixture *f = *state;

    f->cfg.nodename = g_strdup("node2");
    f->cfg.bmclink_conf = g_strdup("/etc/bmclink/bmclink.conf");
    /* not listed: status cannot vouch for it (Pacemaker: cannot fence), off is obeyed */
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    assert_int_equal(f->bmc.open_calls, 0);
    assert_int_equal(run(f, BL_FENCE_OFF), BL_FENCE_EXIT_OK);
    assert_int_equal(f->bmc.open_calls, 1);
    /* listed with another BMC: nothing is done, whatever the action */
    f->cfg.node_bmc = g_strdup("127.0.0.2");
    f->cfg.node_bmc_port = f->cfg.ipmi.port;
    assert_int_equal(run(f, BL_FENCE_ON), BL_FENCE_EXIT_ERROR);
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    assert_int_equal(f->bmc.open_calls, 1);
    assert_false(f->bmc.power_on);
    /* listed with this BMC */
    g_free(f->cfg.node_bmc);
    f->cfg.node_bmc = g_strdup("127.0.0.1");
    f->cfg.node_bmc_port = 9624; /* another BMC on the same address */
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_ERROR);
    f->cfg.node_bmc_port = f->cfg.ipmi.port;
    assert_int_equal(run(f, BL_FENCE_STATUS), BL_FENCE_EXIT_OFF);
    assert_int_equal(run(f, BL_FENCE_ON), BL_FENCE_EXIT_OK);
    assert_int_equal(f->bmc.open_calls, 3);
}

static void
test_password_script(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";

    f->cfg.password_script = g_strdup("printf 'pass word\\n\\n'");
    assert_int_equal(bl_fence_load_password(&f->cfg, 2000, err, sizeof(err)), BL_OK);
    assert_string_equal(f->cfg.ipmi.password, "pass word");
    g_free(f->cfg.password_script);
    f->cfg.password_script = g_strdup("exit 3");
    assert_int_equal(bl_fence_load_password(&f->cfg, 2000, err, sizeof(err)), BL_E_INVALID);
    g_free(f->cfg.password_script);
    f->cfg.password_script = g_strdup("printf '%030d' 0");
    assert_int_equal(bl_fence_load_password(&f->cfg, 2000, err, sizeof(err)), BL_E_INVALID);
    assert_non_null(strstr(err, "more than 20 bytes"));
    g_free(f->cfg.password_script);
    f->cfg.password_script = g_strdup("exec sleep 30");
    assert_int_equal(bl_fence_load_password(&f->cfg, 200, err, sizeof(err)), BL_E_TIMEOUT);
}

static void
test_budget(void **state)
{
    struct fixture *f = *state;

    f->cfg.delay_s = 0;
    /* login 2 + 4 shell + 3 phases of (0 + 2 + 1) + 1 = 16 s */
    assert_int_equal(bl_fence_budget_ms(&f->cfg), 16000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_on_and_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_confirmed_after_lag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_already_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_never_confirmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_refused_when_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_refused_when_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_refused_by_bmc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reboot_onoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reboot_from_off_powers_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reboot_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_failure_and_garbled_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_bmc_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_validate_touch_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_retried_until_login_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
