/* Unit tests of the synchronous IPMI wrapper over a fake backend. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "bl_ipmi_sync.h"
#include "bl_result.h"
#include "ipmi_fake.h"

struct fixture {
    GMainContext *ctx;
    struct fake_bmc bmc;
    struct bl_ipmi_client client;
    struct bl_ipmi_sync sy;
    struct bl_ipmi_params p;
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->ctx = g_main_context_new();
    fake_bmc_init(&f->bmc, f->ctx);
    fake_bmc_client(&f->bmc, &f->client);
    bl_ipmi_sync_init(&f->sy, &f->client, f->ctx, g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
    bl_ipmi_params_init(&f->p);
    strcpy(f->p.host, "127.0.0.1");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    bl_ipmi_sync_close(&f->sy);
    assert_int_equal(f->bmc.pending, 0);
    g_main_context_unref(f->ctx);
    g_free(f);
    return 0;
}

static void
test_open_status_control(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_chassis_status st;
    uint8_t cc = 0xff;

    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_E_STATE);
    assert_int_equal(bl_ipmi_sync_chassis_status(&f->sy, &st, &cc, 1000), BL_OK);
    assert_true(st.power_on);
    assert_int_equal(cc, 0);
    assert_int_equal(bl_ipmi_sync_chassis_control(&f->sy, BL_IPMI_CHASSIS_OFF, &cc, 1000), BL_OK);
    assert_int_equal(f->bmc.controls[BL_IPMI_CHASSIS_OFF], 1);
    assert_int_equal(bl_ipmi_sync_chassis_status(&f->sy, &st, &cc, 1000), BL_OK);
    assert_false(st.power_on);
}

static void
test_open_failure_closes(void **state)
{
    struct fixture *f = *state;

    f->bmc.open_rc = BL_E_AUTH;
    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_E_AUTH);
    assert_null(f->sy.s);
    assert_int_equal(f->bmc.closes, 1);
}

static void
test_open_refused_params(void **state)
{
    struct fixture *f = *state;

    f->p.cipher = 0;
    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_E_WEAK_CRYPTO);
    assert_null(f->sy.s);
}

static void
test_open_timeout(void **state)
{
    struct fixture *f = *state;
    gint64 t0 = g_get_monotonic_time();

    f->bmc.open_silent = true;
    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 100), BL_E_TIMEOUT);
    assert_true(g_get_monotonic_time() - t0 < G_USEC_PER_SEC);
    assert_null(f->sy.s);
}

static void
test_cmd_timeout_then_close_frees(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_chassis_status st;

    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    f->bmc.silent = true;
    assert_int_equal(bl_ipmi_sync_chassis_status(&f->sy, &st, NULL, 50), BL_E_TIMEOUT);
    assert_int_equal(f->bmc.pending, 1);
    /* close() cancels the abandoned request; ASan's leak check proves it is freed. */
    bl_ipmi_sync_close(&f->sy);
    assert_int_equal(f->bmc.pending, 0);
}

static void
test_overall_deadline_caps_waits(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_chassis_status st;
    gint64 t0;

    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    f->sy.deadline_us = g_get_monotonic_time() + 50 * 1000;
    f->bmc.silent = true;
    t0 = g_get_monotonic_time();
    assert_int_equal(bl_ipmi_sync_chassis_status(&f->sy, &st, NULL, 10000), BL_E_TIMEOUT);
    assert_true(g_get_monotonic_time() - t0 < 1000 * 1000);
    assert_int_equal(bl_ipmi_sync_sleep(&f->sy, 10000), BL_E_TIMEOUT);
    assert_int_equal(bl_ipmi_sync_remaining_ms(&f->sy), 0);
}

static void
test_short_reply_is_protocol_error(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_chassis_status st;

    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    f->bmc.status_len = 2;
    assert_int_equal(bl_ipmi_sync_chassis_status(&f->sy, &st, NULL, 1000), BL_E_PROTO);
}

static void
test_completion_code_reported(void **state)
{
    struct fixture *f = *state;
    uint8_t cc = 0;

    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    f->bmc.diag_cc = 0xcc;
    assert_int_equal(bl_ipmi_sync_chassis_control(&f->sy, BL_IPMI_CHASSIS_DIAG, &cc, 1000),
                     BL_E_BMC);
    assert_int_equal(cc, 0xcc);
}

static void
test_cmd_without_session_and_small_buffer(void **state)
{
    struct fixture *f = *state;
    uint8_t rsp[2];
    size_t len = 0;

    assert_int_equal(bl_ipmi_sync_cmd(&f->sy, 0, 1, NULL, 0, rsp, sizeof(rsp), &len, 100),
                     BL_E_STATE);
    assert_int_equal(bl_ipmi_sync_open(&f->sy, &f->p, 1000), BL_OK);
    /* a 4-byte reply does not fit 2 bytes: refused, not truncated */
    assert_int_equal(bl_ipmi_sync_cmd(&f->sy, 0, 1, NULL, 0, rsp, sizeof(rsp), &len, 100),
                     BL_E_PROTO);
}

static void
test_resolve(void **state)
{
    char out[64];

    assert_int_equal(bl_ipmi_resolve("127.0.0.1", out, sizeof(out)), BL_OK);
    assert_string_equal(out, "127.0.0.1");
    assert_int_equal(bl_ipmi_resolve("::1", out, sizeof(out)), BL_OK);
    assert_int_equal(bl_ipmi_resolve("", out, sizeof(out)), BL_E_INVALID);
    /* No name that needs DNS here: tests send nothing beyond loopback. */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_status_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failure_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refused_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_timeout_then_close_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overall_deadline_caps_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_reply_is_protocol_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion_code_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_without_session_and_small_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
