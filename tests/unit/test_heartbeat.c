/*
 * The heartbeat glue (monitor/bmc/heartbeat.c) in a real GLib loop, BMCs and Pacemaker faked
 * (bmc_fakes.h): polls, attributes written only on change, silence, sessions lost and
 * reopened, requests of the recovery, #health-bmc.
 */
#include "bl_result.h"
#include "bmc_fakes.h"
#include "heartbeat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define INTERVAL_MS 40

struct fixture {
    struct fake_bmcs bmcs;
    struct fake_pcmk pcmk;
    struct bl_bmc_config cfg;
    struct bl_bmc_node nodes[2];
    struct bl_heartbeat *hb;
    unsigned changes;
};

static void
on_change(const char *node, enum bl_hb_reach reach, enum bl_hb_power power, void *ud)
{
    struct fixture *f = ud;

    f->changes++;
}

static void
start(struct fixture *f)
{
    struct bl_heartbeat_params p = {
        .cfg = &f->cfg, .local_node = "node1", .on_change = on_change, .ud = f};

    fake_bmcs_client(&f->bmcs, &p.ipmi);
    fake_pcmk_client(&f->pcmk, &p.pcmk);
    assert_int_equal(bl_heartbeat_new(&p, &f->hb), 0);
    bl_heartbeat_start(f->hb);
}

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    fake_bmcs_init(&f->bmcs);
    fake_bmcs_add(&f->bmcs, "10.0.0.21");
    fake_bmcs_add(&f->bmcs, "10.0.0.22")->power_on = false;
    fake_pcmk_init(&f->pcmk);
    fake_node_init(&f->nodes[0], "node1", "10.0.0.21");
    fake_node_init(&f->nodes[1], "node2", "10.0.0.22");
    f->cfg.n_nodes = 2;
    f->cfg.nodes = f->nodes;
    f->cfg.hb = (struct bl_hb_config){.enabled = true,
                                      .interval_ms = INTERVAL_MS,
                                      .misses = 3,
                                      .reopen_ms = 200,
                                      .publish = true};
    f->cfg.health = (struct bl_health_config){
        .enabled = true, .hold_s = 600, .red_severity = BL_PET_SEV_CRITICAL};
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    bl_heartbeat_free(f->hb);
    fake_run_for(5); /* idle sources of the fakes that were cancelled */
    fake_pcmk_clear(&f->pcmk);
    fake_bmcs_clear(&f->bmcs);
    g_free(f);
    return 0;
}

static bool
attr_is(struct fixture *f, const char *node, const char *name, const char *value)
{
    const char *v = fake_pcmk_attr(&f->pcmk, node, name);

    return v != NULL && strcmp(v, value) == 0;
}

struct attr_wait {
    struct fixture *f;
    const char *node, *name, *value;
};

static bool
attr_reached(void *ud)
{
    struct attr_wait *w = ud;

    return attr_is(w->f, w->node, w->name, w->value);
}

static void
wait_attr(struct fixture *f, const char *node, const char *name, const char *value, unsigned ms)
{
    struct attr_wait w = {f, node, name, value};

    if (!fake_run_until(attr_reached, &w, ms)) {
        const char *v = fake_pcmk_attr(&f->pcmk, node, name);
        fail_msg("%s %s: want %s, have %s", node, name, value, v != NULL ? v : "(none)");
    }
}

static void
test_publish_on_change_only(void **state)
{
    struct fixture *f = *state;

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    wait_attr(f, "node1", BL_HB_ATTR_POWER, "on", 500);
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "1", 500);
    wait_attr(f, "node2", BL_HB_ATTR_POWER, "off", 500);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 500);
    fake_run_for(10 * INTERVAL_MS);
    /* ten intervals of polls, and still one write per attribute */
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr "), 5);
    assert_true(fake_host_count(fake_bmcs_find(&f->bmcs, "10.0.0.21"), "00:01") >= 8);
    assert_int_equal(f->changes, 2);
    /* power changes: exactly one more write */
    fake_bmcs_find(&f->bmcs, "10.0.0.22")->power_on = true;
    wait_attr(f, "node2", BL_HB_ATTR_POWER, "on", 500);
    fake_run_for(3 * INTERVAL_MS);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr "), 6);
}

static void
test_silent_bmc(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.22");
    struct bl_hb_status st;
    gint64 t0;
    double took;

    start(f);
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "1", 500);
    t0 = g_get_monotonic_time();
    h->silent = true;
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "0", 1000);
    took = (double) (g_get_monotonic_time() - t0) / 1000.0;
    assert_true(took <= 4.5 * INTERVAL_MS); /* three silent polls, and the write */
    assert_true(attr_is(f, "node2", BL_HB_ATTR_POWER, "unknown"));
    assert_true(attr_is(f, "node1", BL_HB_ATTR_REACHABLE, "1"));
    assert_int_equal(bl_heartbeat_get(f->hb, 1, &st), 0);
    assert_int_equal(st.reach, BL_HB_REACH_NO);
    assert_string_equal(st.node, "node2");
    /* the session is given up and opened again; the BMC comes back */
    h->silent = false;
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "1", 1000);
    assert_true(h->opens >= 2);
    assert_int_equal(bl_heartbeat_get(f->hb, 2, &st), -ENOENT);
}

/* An open that fails is retried every reopen_ms, never in a tight loop. */
static void
test_open_failure_retried(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.22");

    h->open_rc = BL_E_AUTH;
    start(f);
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "0", 1000);
    fake_run_for(450);
    assert_true(h->opens >= 2);
    assert_true(h->opens <= 4);
    h->open_rc = 0;
    wait_attr(f, "node2", BL_HB_ATTR_REACHABLE, "1", 1000);
}

static void
test_session_lost(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.21");

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    fake_bmcs_lose(&f->bmcs, "10.0.0.21");
    fake_run_for(300);
    assert_int_equal(h->closes, 1);
    assert_int_equal(h->opens, 2);
    assert_true(attr_is(f, "node1", BL_HB_ATTR_REACHABLE, "1"));
}

static void
test_publish_off(void **state)
{
    struct fixture *f = *state;

    f->cfg.hb.publish = false;
    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 500); /* the node's own: always */
    fake_run_for(5 * INTERVAL_MS);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr "), 1);
    bl_heartbeat_set_publish(f->hb, true);
    wait_attr(f, "node2", BL_HB_ATTR_POWER, "off", 500);
    assert_true(attr_is(f, "node1", BL_HB_ATTR_REACHABLE, "1"));
}

static void
test_write_failure_retried(void **state)
{
    struct fixture *f = *state;

    f->pcmk.attr_fail = 3;
    start(f);
    fake_run_for(1000); /* 25 polls: failed writes are not retried at every poll */
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr "), 5);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 6000);
    wait_attr(f, "node2", BL_HB_ATTR_POWER, "off", 1000);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 1000);
    /* the last retry may still be on its way (a loaded machine): wait for it, bounded, then
     * check that nothing more is written: 5 attributes, 3 of them written twice */
    for (unsigned t = 0; t < 6000 && fake_pcmk_count(&f->pcmk, "attr ") < 8; t += 20) {
        fake_run_for(20);
    }
    fake_run_for(5 * INTERVAL_MS);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr "), 8);
}

struct reply {
    int calls;
    int rc;
    uint8_t cc;
    gint64 at_us;
};

static void
on_reply(int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct reply *r = ud;

    r->calls++;
    r->rc = rc;
    r->cc = rc == 0 && len > 0 ? rsp[0] : 0xff;
    r->at_us = g_get_monotonic_time();
}

static bool
replied(void *ud)
{
    return ((struct reply *) ud)->calls > 0;
}

static void
test_send_on_open_session(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.21");
    const uint8_t data[] = {0x01};
    struct reply r = {0};

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    assert_int_equal(bl_heartbeat_send(f->hb, "node1", 0x30, 0x81, data, 1, 1000, on_reply, &r), 0);
    assert_int_equal(r.calls, 0);                        /* never from inside the call */
    assert_int_equal(fake_host_count(h, "30:81:01"), 1); /* but already on the wire */
    assert_true(fake_run_until(replied, &r, 500));
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.cc, 0);
    fake_run_for(50);
    assert_int_equal(r.calls, 1);
    assert_int_equal(bl_heartbeat_send(f->hb, "node9", 0x30, 0x81, NULL, 0, 1000, on_reply, &r),
                     -ENOENT);
    assert_int_equal(bl_heartbeat_send(f->hb, "node1", 0x30, 0x81, NULL, 0, 0, on_reply, &r),
                     BL_E_INVALID);
}

/* Polling off: the session opens for the request, which waits for it. */
static void
test_send_waits_for_session(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.22");
    struct reply r = {0};

    f->cfg.hb.enabled = false;
    start(f);
    fake_run_for(3 * INTERVAL_MS);
    assert_int_equal(h->opens, 0);
    assert_int_equal(bl_heartbeat_send(f->hb, "node2", 0x30, 0x82, NULL, 0, 1000, on_reply, &r), 0);
    assert_true(fake_run_until(replied, &r, 500));
    assert_int_equal(r.rc, 0);
    assert_int_equal(h->opens, 1);
    assert_int_equal(fake_host_count(h, "30:82"), 1);
    assert_int_equal(fake_host_count(h, "00:01"), 0); /* no polls */
}

static void
test_send_timeout(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.21");
    struct reply answered_late = {0}, never_open = {0};
    gint64 t0;

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    h->silent = true;
    fake_bmcs_find(&f->bmcs, "10.0.0.22")->open_rc = BL_E_TIMEOUT;
    fake_bmcs_lose(&f->bmcs, "10.0.0.22");
    t0 = g_get_monotonic_time();
    bl_heartbeat_send(f->hb, "node1", 0x30, 0x81, NULL, 0, 100, on_reply, &answered_late);
    bl_heartbeat_send(f->hb, "node2", 0x30, 0x81, NULL, 0, 100, on_reply, &never_open);
    assert_true(fake_run_until(replied, &answered_late, 500));
    assert_true(fake_run_until(replied, &never_open, 500));
    assert_int_equal(answered_late.rc, BL_E_TIMEOUT);
    assert_int_equal(never_open.rc, BL_E_UNREACHABLE);
    assert_true(answered_late.at_us - t0 >= 100000);
    assert_true(answered_late.at_us - t0 < 200000);
}

static void
test_cancel(void **state)
{
    struct fixture *f = *state;
    struct reply r = {0};

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    fake_bmcs_find(&f->bmcs, "10.0.0.21")->silent = true;
    bl_heartbeat_send(f->hb, "node1", 0x30, 0x81, NULL, 0, 50, on_reply, &r);
    bl_heartbeat_cancel(f->hb, &r);
    fake_run_for(150);
    assert_int_equal(r.calls, 0);
}

static void
test_free_with_pending(void **state)
{
    struct fixture *f = *state;
    struct reply r = {0};

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    fake_bmcs_find(&f->bmcs, "10.0.0.21")->silent = true;
    bl_heartbeat_send(f->hb, "node1", 0x30, 0x81, NULL, 0, 5000, on_reply, &r);
    bl_heartbeat_send(f->hb, "node2", 0x30, 0x81, NULL, 0, 5000, on_reply, &r);
    bl_heartbeat_free(f->hb);
    f->hb = NULL;
    fake_run_for(20);
    assert_int_equal(r.calls, 0);
}

static void
test_health(void **state)
{
    struct fixture *f = *state;
    struct bl_pet_event pet = {.severity = BL_PET_SEV_NON_CRITICAL,
                               .sensor_type = 0x02,
                               .sensor_number = 4,
                               .event_offset = 1};

    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 500);
    bl_heartbeat_health_pet(f->hb, &pet);
    assert_int_equal(bl_heartbeat_health(f->hb), BL_HEALTH_YELLOW);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "yellow", 500);
    pet.severity = BL_PET_SEV_CRITICAL;
    pet.sensor_number = 5;
    bl_heartbeat_health_pet(f->hb, &pet);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "red", 500);
    pet.deassertion = true;
    bl_heartbeat_health_pet(f->hb, &pet);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "yellow", 500);
    pet.sensor_number = 4;
    bl_heartbeat_health_pet(f->hb, &pet);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 500);
    assert_null(fake_pcmk_attr(&f->pcmk, "node2", BL_HB_ATTR_HEALTH)); /* ours only */
}

static void
test_health_clears_itself(void **state)
{
    struct fixture *f = *state;

    f->cfg.health.hold_s = 1;
    start(f);
    bl_heartbeat_health_notice(f->hb, 77);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "yellow", 500);
    wait_attr(f, "node1", BL_HB_ATTR_HEALTH, "green", 1500);
}

static bool
link_ok(void *ud)
{
    struct fixture *f = ud;
    struct bl_hb_status st;

    return bl_heartbeat_get(f->hb, 0, &st) == 0 && st.link.state == BL_HB_LINK_OK;
}

/* A power command sent on the session makes the BMC's silence an expected link drop: the
 * BMC stays reachable through a drop shorter than window + limit and the status says so; a
 * BMC silent past the bound is unreachable. */
static void
test_link_drop_after_power_command(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, "10.0.0.21");
    const uint8_t cycle[] = {0x02};
    struct reply r = {0};
    struct bl_hb_status st;

    f->cfg.hb.silence_ms = 8 * INTERVAL_MS;
    f->cfg.hb.drop_window_ms = 20 * INTERVAL_MS;
    start(f);
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "1", 500);
    assert_int_equal(bl_heartbeat_send(f->hb, "node1", BL_IPMI_NETFN_CHASSIS,
                                       BL_IPMI_CMD_CHASSIS_CONTROL, cycle, 1, 1000, on_reply, &r),
                     0);
    assert_true(fake_run_until(replied, &r, 500));
    h->silent = true;
    fake_run_for(10 * INTERVAL_MS); /* longer than the limit, shorter than window + limit */
    assert_int_equal(bl_heartbeat_get(f->hb, 0, &st), 0);
    assert_int_equal(st.link.state, BL_HB_LINK_DROP);
    assert_int_equal(st.reach, BL_HB_REACH_YES);
    assert_int_equal(st.timeline[st.n_events - 2].kind, BL_HB_EV_COMMAND);
    assert_int_equal(st.timeline[st.n_events - 1].kind, BL_HB_EV_DROP);
    assert_true(st.timeline[st.n_events - 1].expected);
    h->silent = false; /* (the fake never times out the poll lost in the drop: wait) */
    assert_true(fake_run_until(link_ok, f, 1000));
    assert_int_equal(bl_heartbeat_get(f->hb, 0, &st), 0);
    assert_int_equal(st.timeline[st.n_events - 1].kind, BL_HB_EV_BACK);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr node1 " BL_HB_ATTR_REACHABLE " 0"), 0);
    /* gone for good, long after the command: unreachable after the limit */
    fake_run_for(20 * INTERVAL_MS);
    h->silent = true;
    wait_attr(f, "node1", BL_HB_ATTR_REACHABLE, "0", 2000);
    assert_int_equal(bl_heartbeat_get(f->hb, 0, &st), 0);
    assert_int_equal(st.link.state, BL_HB_LINK_UNREACHABLE);
    assert_int_equal(st.timeline[st.n_events - 1].kind, BL_HB_EV_UNREACHABLE);
    assert_false(st.timeline[st.n_events - 1].expected);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_on_change_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_bmc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_drop_after_power_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failure_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_on_open_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_waits_for_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_clears_itself, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
