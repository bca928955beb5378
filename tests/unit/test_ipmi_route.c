/* Unit tests of the in-band route with LAN fallback (bl_ipmi_route.h), over two fake BMCs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "bl_ipmi_route.h"
#include "bl_ipmi_smi.h"
#include "bl_result.h"
#include "ipmi_fake.h"

struct fixture {
    GMainContext *ctx;
    struct fake_bmc ib, lan; /* the driver's side and the LAN's: the same BMC, two paths */
    struct bl_ipmi_client ibc, lanc, route_client;
    struct bl_ipmi_route *route;
    struct bl_ipmi_params p;
    bl_ipmi_session *s;
    int states[8];
    size_t n_states;
    int rsp_rc;
    uint8_t cc;
    unsigned int replies;
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->ctx = g_main_context_new();
    fake_bmc_init(&f->ib, f->ctx);
    fake_bmc_init(&f->lan, f->ctx);
    fake_bmc_client(&f->ib, &f->ibc);
    fake_bmc_client(&f->lan, &f->lanc);
    bl_ipmi_params_init(&f->p);
    strcpy(f->p.host, "127.0.0.1");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    if (f->s != NULL) {
        bl_ipmi_route_ops.close(f->s);
    }
    assert_int_equal(f->ib.pending, 0);
    assert_int_equal(f->lan.pending, 0);
    bl_ipmi_route_free(f->route);
    g_main_context_unref(f->ctx);
    g_free(f);
    return 0;
}

static void
on_state(bl_ipmi_session *s, int rc, void *ud)
{
    struct fixture *f = ud;

    if (f->n_states < G_N_ELEMENTS(f->states)) {
        f->states[f->n_states++] = rc;
    }
}

static void
on_rsp(bl_ipmi_session *s, int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct fixture *f = ud;

    f->replies++;
    f->rsp_rc = rc;
    f->cc = rc == BL_OK && len > 0 ? rsp[0] : 0xff;
}

static void
drain(struct fixture *f)
{
    while (g_main_context_iteration(f->ctx, FALSE)) {
    }
}

static int
open_route(struct fixture *f, enum bl_ipmi_path path)
{
    int rc;

    assert_int_equal(bl_ipmi_route_new(path, &f->ibc, &f->lanc, &f->route), BL_OK);
    bl_ipmi_route_client(f->route, &f->route_client);
    rc = f->route_client.ops->open(f->route, &f->p, on_state, f, &f->s);
    assert_int_equal(f->n_states, 0); /* never from inside open() */
    drain(f);
    return rc;
}

static void
status(struct fixture *f)
{
    f->replies = 0;
    assert_int_equal(bl_ipmi_route_ops.send(f->s, BL_IPMI_NETFN_CHASSIS,
                                            BL_IPMI_CMD_GET_CHASSIS_STATUS, NULL, 0, on_rsp, f),
                     BL_OK);
    assert_int_equal(f->replies, 0); /* never from inside send() */
    drain(f);
    assert_int_equal(f->replies, 1);
}

static void
test_inband_first(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_stats st;

    assert_int_equal(open_route(f, BL_IPMI_PATH_AUTO), BL_OK);
    assert_int_equal(f->n_states, 1);
    assert_int_equal(f->states[0], BL_OK);
    status(f);
    assert_int_equal(f->rsp_rc, BL_OK);
    assert_int_equal(f->cc, 0);
    assert_int_equal(f->ib.sends, 1);
    assert_int_equal(f->lan.sends, 0);
    bl_ipmi_route_ops.get_stats(f->s, &st);
    assert_int_equal(st.path, BL_IPMI_PATH_INBAND);
    assert_int_equal(st.inband_sent, 1);
    assert_int_equal(st.fallbacks, 0);
}

static void
test_failed_inband_falls_back(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_stats st;

    assert_int_equal(open_route(f, BL_IPMI_PATH_INBAND), BL_OK);
    f->ib.fail_rc = BL_E_TIMEOUT; /* the driver gives up on the request */
    status(f);
    assert_int_equal(f->rsp_rc, BL_OK);
    assert_int_equal(f->ib.sends, 1);
    assert_int_equal(f->lan.sends, 1);
    bl_ipmi_route_ops.get_stats(f->s, &st);
    assert_int_equal(st.fallbacks, 1);
    assert_int_equal(st.path, BL_IPMI_PATH_INBAND); /* the driver is still the path */
}

static void
test_completion_code_is_an_answer(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(open_route(f, BL_IPMI_PATH_INBAND), BL_OK);
    f->replies = 0;
    assert_int_equal(bl_ipmi_route_ops.send(f->s, 0x30, 0x81, NULL, 0, on_rsp, f), BL_OK);
    drain(f);
    assert_int_equal(f->rsp_rc, BL_OK);
    assert_int_equal(f->cc, 0xc1); /* the fake knows no OEM command */
    assert_int_equal(f->lan.sends, 0);
}

static void
test_both_fail_no_reply(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(open_route(f, BL_IPMI_PATH_INBAND), BL_OK);
    f->ib.fail_rc = BL_E_TIMEOUT;
    f->lan.fail_rc = BL_E_TIMEOUT;
    status(f);
    assert_int_equal(f->rsp_rc, BL_E_TIMEOUT);
    assert_int_equal(f->lan.sends, 1); /* once on the LAN, not again */
}

static void
test_auto_without_device_uses_lan(void **state)
{
    struct fixture *f = *state;
    struct bl_ipmi_stats st;

    f->ib.open_fail = BL_E_UNREACHABLE; /* no /dev/ipmi0 */
    assert_int_equal(open_route(f, BL_IPMI_PATH_AUTO), BL_OK);
    assert_int_equal(f->states[0], BL_OK);
    status(f);
    assert_int_equal(f->lan.sends, 1);
    bl_ipmi_route_ops.get_stats(f->s, &st);
    assert_int_equal(st.path, BL_IPMI_PATH_LAN);
    assert_int_equal(st.fallbacks, 0); /* nothing was wanted in-band */
}

static void
test_inband_requires_device(void **state)
{
    struct fixture *f = *state;

    f->ib.open_fail = BL_E_UNREACHABLE;
    assert_int_equal(open_route(f, BL_IPMI_PATH_INBAND), BL_E_UNREACHABLE);
    assert_null(f->s);
    assert_int_equal(f->lan.open_calls, 0);
}

static void
test_up_while_one_path_is(void **state)
{
    struct fixture *f = *state;

    f->lan.open_rc = BL_E_TIMEOUT; /* no route to the BMC's LAN port */
    assert_int_equal(open_route(f, BL_IPMI_PATH_AUTO), BL_OK);
    assert_int_equal(f->n_states, 1);
    assert_int_equal(f->states[0], BL_OK);
    f->ib.fail_rc = BL_E_TIMEOUT;
    status(f);
    assert_int_equal(f->rsp_rc, BL_E_TIMEOUT); /* no LAN to fall back on */
}

static void
test_down_when_both_fail(void **state)
{
    struct fixture *f = *state;

    f->ib.open_rc = BL_E_PROTO;
    f->lan.open_rc = BL_E_AUTH;
    assert_int_equal(open_route(f, BL_IPMI_PATH_AUTO), BL_OK);
    assert_int_equal(f->n_states, 1);
    assert_int_equal(f->states[0], BL_E_PROTO); /* the driver's reason first */
    assert_int_equal(bl_ipmi_route_ops.send(f->s, 0, 1, NULL, 0, on_rsp, f), BL_E_STATE);
}

static void
test_close_cancels_pending(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(open_route(f, BL_IPMI_PATH_AUTO), BL_OK);
    f->ib.silent = true;
    assert_int_equal(bl_ipmi_route_ops.send(f->s, 0, 1, NULL, 0, on_rsp, f), BL_OK);
    bl_ipmi_route_ops.close(f->s);
    f->s = NULL;
    assert_int_equal(f->replies, 1);
    assert_int_equal(f->rsp_rc, -ECANCELED);
    assert_int_equal(f->lan.sends, 0); /* a cancelled request does not go again */
}

static void
test_names(void **state)
{
    enum bl_ipmi_path p = BL_IPMI_PATH_NONE;

    (void) state;
    assert_int_equal(bl_ipmi_path_parse("InBand", &p), BL_OK);
    assert_int_equal(p, BL_IPMI_PATH_INBAND);
    assert_int_equal(bl_ipmi_path_parse("auto", &p), BL_OK);
    assert_int_equal(p, BL_IPMI_PATH_AUTO);
    assert_int_equal(bl_ipmi_path_parse("none", &p), BL_E_INVALID);
    assert_int_equal(bl_ipmi_path_parse("", &p), BL_E_INVALID);
    assert_string_equal(bl_ipmi_path_name(BL_IPMI_PATH_LAN), "lan");
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmi0"), 0);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmi/3"), 3);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmidev/12"), 12);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmi"), BL_E_INVALID);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmi0x"), BL_E_INVALID);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/ipmi256"), BL_E_INVALID);
    assert_int_equal(bl_ipmi_smi_if_num("/dev/sda"), BL_E_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inband_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_inband_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion_code_is_an_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_fail_no_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_without_device_uses_lan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inband_requires_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_up_while_one_path_is, setup, teardown),
        cmocka_unit_test_setup_teardown(test_down_when_both_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_cancels_pending, setup, teardown),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
