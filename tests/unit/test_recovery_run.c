/*
 * The recovery glue (monitor/bmc/recovery_run.c) with the real heartbeat in a real GLib loop;
 * the BMCs and Pacemaker are fakes (bmc_fakes.h) that record what reached them: the order of
 * the notices on the wire, their bytes, the attribute, the end code of each outcome.
 */
#include "bl_result.h"
#include "bmc_fakes.h"
#include "recovery_run.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define BMC1 "10.0.0.21"

#define NODES                                                                                      \
    "<nodes><node name=\"node1\" online=\"true\"/><node name=\"node2\" online=\"true\"/></nodes>"
#define NODES_STANDBY                                                                              \
    "<nodes><node name=\"node1\" online=\"true\"/>"                                                \
    "<node name=\"node2\" online=\"true\" standby=\"true\"/></nodes>"
#define GRP(role, node)                                                                            \
    "<resources><group id=\"grp\"><resource id=\"a\" role=\"" role "\" active=\"true\">"           \
    "<node name=\"" node "\"/></resource></group></resources>"
#define GRP_STOPPED                                                                                \
    "<resources><group id=\"grp\"><resource id=\"a\" role=\"Stopped\" active=\"false\"/>"          \
    "</group></resources>"
#define DOC(nodes, rsc) "<pacemaker-result>" nodes rsc "<status code=\"0\"/></pacemaker-result>"

static const char *const on_node1 = DOC(NODES, GRP("Started", "node1"));
static const char *const stopping = DOC(NODES, GRP("Stopping", "node1"));
static const char *const stopped = DOC(NODES, GRP_STOPPED);
static const char *const on_node2 = DOC(NODES, GRP("Started", "node2"));
static const char *const stopped_standby = DOC(NODES_STANDBY, GRP_STOPPED);

struct fixture {
    struct fake_bmcs bmcs;
    struct fake_pcmk pcmk;
    struct bl_bmc_config cfg;
    struct bl_bmc_node nodes[2];
    struct bl_heartbeat *hb;
    struct bl_recovery *rr;
    GPtrArray *steps; /* "step detail" as reported live */
};

static void
on_step(const struct bl_rec_entry *e, uint64_t t0, void *ud)
{
    struct fixture *f = ud;

    g_ptr_array_add(f->steps, g_strdup_printf("%s %s", bl_rec_step_name(e->step), e->detail));
}

static void
rec_defaults(struct bl_recovery_config *rc)
{
    const uint64_t ms = 1000000ull;
    static char *stop[] = {"/bin/stop-cluster", "--now", NULL};

    memset(rc, 0, sizeof(*rc));
    rc->set = (struct bl_rec_settings){.kind = BL_REC_FAILOVER,
                                       .timeout_ns = 400 * ms,
                                       .poll_ns = 20 * ms,
                                       .clear_after_ns = 150 * ms};
    strcpy(rc->target, "grp");
    strcpy(rc->attribute, "bmclink-evacuate");
    rc->notice_timeout_ms = 100;
    rc->pet_ack = true;
    rc->start = (struct bl_notice_cmd){0x30, 0x81, 0, {0}};
    rc->end = (struct bl_notice_cmd){0x30, 0x82, 0, {0}};
    rc->end_result_byte = true;
    for (uint8_t i = 0; i < BL_REC_RESULT_COUNT; i++) {
        rc->end_codes[i] = i;
    }
    strcpy(rc->script, "/etc/bmclink/recover.sh");
    rc->stop_argv = stop;
}

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    fake_bmcs_init(&f->bmcs);
    fake_bmcs_add(&f->bmcs, BMC1);
    fake_bmcs_add(&f->bmcs, "10.0.0.22");
    fake_pcmk_init(&f->pcmk);
    fake_node_init(&f->nodes[0], "node1", BMC1);
    fake_node_init(&f->nodes[1], "node2", "10.0.0.22");
    f->cfg.n_nodes = 2;
    f->cfg.nodes = f->nodes;
    f->cfg.hb = (struct bl_hb_config){
        .enabled = true, .interval_ms = 50, .misses = 3, .reopen_ms = 100, .publish = false};
    f->cfg.health = (struct bl_health_config){
        .enabled = true, .hold_s = 60, .red_severity = BL_PET_SEV_CRITICAL};
    rec_defaults(&f->cfg.rec);
    f->steps = g_ptr_array_new_with_free_func(g_free);
    *state = f;
    return 0;
}

static bool
session_up(void *ud)
{
    struct bl_hb_status st;

    bl_heartbeat_get(ud, 0, &st);
    return st.session_up;
}

static void
start(struct fixture *f)
{
    struct bl_heartbeat_params hp = {.cfg = &f->cfg, .local_node = "node1"};
    struct bl_recovery_params rp = {
        .node = "node1", .cfg = &f->cfg.rec, .on_step = on_step, .ud = f};

    fake_bmcs_client(&f->bmcs, &hp.ipmi);
    fake_pcmk_client(&f->pcmk, &hp.pcmk);
    assert_int_equal(bl_heartbeat_new(&hp, &f->hb), 0);
    bl_heartbeat_start(f->hb);
    rp.hb = f->hb;
    rp.pcmk = hp.pcmk;
    assert_int_equal(bl_recovery_new(&rp, &f->rr), 0);
    if (!fake_bmcs_find(&f->bmcs, BMC1)->silent) {
        assert_true(fake_run_until(session_up, f->hb, 500));
    }
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    bl_recovery_free(f->rr);
    bl_heartbeat_free(f->hb);
    fake_run_for(5);
    fake_pcmk_clear(&f->pcmk);
    fake_bmcs_clear(&f->bmcs);
    g_ptr_array_free(f->steps, TRUE);
    g_free(f);
    return 0;
}

static struct bl_trap_event
fatal_pet(void)
{
    struct bl_trap_event ev = {.verdict = BL_TRAP_FATAL, .is_pet = true, .version = BL_TRAP_V1};

    ev.pet.sequence = 0x1234;
    ev.pet.timestamp = 0x01020304;
    ev.pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    ev.pet.event_source_type = 0x20;
    ev.pet.sensor_device = 0x20;
    ev.pet.sensor_number = 0x07;
    ev.pet.event_data[0] = 0xa0;
    return ev;
}

static bool
run_idle(void *ud)
{
    return bl_recovery_machine(ud)->phase == BL_REC_WAIT_RESET ||
           bl_recovery_machine(ud)->phase == BL_REC_IDLE;
}

static void
run_to_end(struct fixture *f, unsigned ms)
{
    assert_true(fake_run_until(run_idle, f->rr, ms));
    fake_run_for(10); /* the end notice's reply */
}

/* The last request that is not a heartbeat poll. */
static const char *
last_notice(const struct fake_host *h)
{
    for (size_t i = h->reqs->len; i > 0; i--) {
        if (!g_str_has_prefix(h->reqs->pdata[i - 1], "00:01")) {
            return h->reqs->pdata[i - 1];
        }
    }
    return "";
}

static bool
has_step(struct fixture *f, const char *line)
{
    for (size_t i = 0; i < f->steps->len; i++) {
        if (g_str_has_prefix(f->steps->pdata[i], line)) {
            return true;
        }
    }
    return false;
}

/* The lab's story: ack, start, attribute, target leaves, starts on node2, end(success). */
static void
test_failover(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    const char *seq[] = {on_node1, stopping, stopped, on_node2, NULL};
    struct bl_trap_event ev = fatal_pet();
    GString *text = g_string_new(NULL);
    unsigned polls_before;

    fake_pcmk_status_seq(&f->pcmk, seq);
    start(f);
    polls_before = fake_host_count(h, "00:01");
    bl_recovery_trap(f->rr, &ev, 0);
    /* ④ went out at once, from inside the trap handler, in this order */
    assert_int_equal(h->reqs->len, polls_before + 2);
    assert_string_equal(h->reqs->pdata[h->reqs->len - 2],
                        "04:17:34:12:04:03:02:01:20:20:07:a0:00:00");
    assert_string_equal(h->reqs->pdata[h->reqs->len - 1], "30:81");
    run_to_end(f, 2000);
    assert_int_equal(fake_host_count(h, "30:82"), 1);
    assert_string_equal(last_notice(h), "30:82:00"); /* success */
    assert_string_equal(fake_pcmk_attr(&f->pcmk, "node1", "bmclink-evacuate"), "1");
    assert_true(has_step(f, "stopped"));
    assert_true(has_step(f, "started node2"));
    assert_true(has_step(f, "end-sent success"));
    assert_true(has_step(f, "end-done"));
    assert_int_equal(bl_recovery_machine(f->rr)->stats.notice_failures, 0);
    bl_recovery_format(f->rr, text);
    assert_non_null(strstr(text->str, "recovery of node1: wait-reset, action failover"));
    assert_non_null(strstr(text->str, "started"));
    g_string_free(text, TRUE);
    /* not reset by the BMC after clear_after: the attribute goes */
    assert_true(fake_run_until(run_idle, f->rr, 10));
    fake_run_for(300);
    assert_int_equal(bl_recovery_machine(f->rr)->phase, BL_REC_IDLE);
    assert_null(fake_pcmk_attr(&f->pcmk, "node1", "bmclink-evacuate"));
    assert_true(has_step(f, "cleared"));
}

/* Fault on the node that does not run the target: nothing moves, the end goes out. */
static void
test_fault_on_standby_node(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    const char *seq[] = {on_node2, NULL};
    struct bl_trap_event ev = fatal_pet();

    fake_pcmk_status_seq(&f->pcmk, seq);
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_string_equal(last_notice(h), "30:82:00");
    assert_true(has_step(f, "stopped was not running here"));
    assert_false(has_step(f, "started"));
    assert_int_equal(fake_pcmk_count(&f->pcmk, "status"), 1);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr node1 bmclink-evacuate"), 0);
}

/* The BMC does not answer: the notices fail, the failover happens all the same. */
static void
test_bmc_unreachable(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    const char *seq[] = {on_node1, stopped, on_node2, NULL};
    struct bl_trap_event ev = fatal_pet();

    h->silent = true;
    h->open_rc = BL_E_TIMEOUT;
    fake_pcmk_status_seq(&f->pcmk, seq);
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 2000);
    fake_run_for(150); /* the end notice's own timeout */
    assert_true(has_step(f, "started node2"));
    assert_true(has_step(f, "end-sent success"));
    assert_int_equal(bl_recovery_machine(f->rr)->stats.notice_failures, 3);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "attr node1 bmclink-evacuate 1"), 1);
}

/* No other node can take the target: the end notice still goes out, with no-node. */
static void
test_no_standby_node(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    const char *seq[] = {on_node1, stopped_standby, NULL};
    struct bl_trap_event ev = fatal_pet();

    fake_pcmk_status_seq(&f->pcmk, seq);
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_string_equal(last_notice(h), "30:82:03");
    assert_true(has_step(f, "no-node no other node"));
}

static void
test_timeout(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    struct bl_trap_event ev = fatal_pet();
    gint64 t0;

    f->pcmk.status_xml = g_strdup(on_node1);
    start(f);
    t0 = g_get_monotonic_time();
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 2000);
    assert_true(g_get_monotonic_time() - t0 >= 400000);
    assert_string_equal(last_notice(h), "30:82:01");
    assert_true(has_step(f, "timeout still active here"));
}

static void
test_script(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_SCRIPT;
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_int_equal(fake_pcmk_count(&f->pcmk,
                                     "run /etc/bmclink/recover.sh [BMCLINK_NODE=node1 "
                                     "BMCLINK_TARGET=grp BMCLINK_PET_SEQUENCE=4660 "
                                     "BMCLINK_SEVERITY=non-recoverable BMCLINK_TIMEOUT_MS=400]"),
                     1);
    assert_string_equal(last_notice(h), "30:82:00");
}

static void
test_stop_cluster_fails(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_STOP_CLUSTER;
    f->pcmk.run_rc = -EIO;
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "run /bin/stop-cluster --now"), 1);
    assert_string_equal(last_notice(h), "30:82:02");
}

static void
test_standby_and_clear(void **state)
{
    struct fixture *f = *state;
    const char *seq[] = {on_node1, on_node2, NULL};
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_STANDBY;
    fake_pcmk_status_seq(&f->pcmk, seq);
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "standby node1 on"), 1);
    fake_run_for(300);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "standby node1 off"), 1);
}

static void
test_restart_and_none(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_RESTART;
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 1000);
    assert_int_equal(fake_pcmk_count(&f->pcmk, "restart grp"), 1);
    assert_string_equal(last_notice(h), "30:82:00");
}

/* Resends are acknowledged again and start nothing; a notice without PET is not acked. */
static void
test_duplicate_and_v2c(void **state)
{
    struct fixture *f = *state;
    struct fake_host *h = fake_bmcs_find(&f->bmcs, BMC1);
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_NONE;
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    ev.verdict = BL_TRAP_DUPLICATE;
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 500);
    assert_int_equal(fake_host_count(h, "04:17"), 2);
    assert_int_equal(fake_host_count(h, "30:81"), 1);
    assert_int_equal(bl_recovery_machine(f->rr)->stats.started, 1);

    ev = (struct bl_trap_event){.verdict = BL_TRAP_FATAL, .is_pet = false, .version = BL_TRAP_V2C};
    fake_run_for(200); /* back to idle */
    bl_recovery_trap(f->rr, &ev, 0);
    run_to_end(f, 500);
    assert_int_equal(fake_host_count(h, "04:17"), 2);
    assert_int_equal(fake_host_count(h, "30:81"), 2);
}

static void
test_recoverable_goes_to_health(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev = fatal_pet();

    start(f);
    ev.verdict = BL_TRAP_RECOVERABLE;
    ev.pet.severity = BL_PET_SEV_NON_CRITICAL;
    bl_recovery_trap(f->rr, &ev, 0);
    assert_int_equal(bl_heartbeat_health(f->hb), BL_HEALTH_YELLOW);
    assert_int_equal(fake_host_count(fake_bmcs_find(&f->bmcs, BMC1), "04:17"), 1); /* acked */
    ev.verdict = BL_TRAP_DROPPED;
    ev.pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    bl_recovery_trap(f->rr, &ev, 0);
    fake_run_for(50);
    assert_int_equal(bl_recovery_machine(f->rr)->stats.started, 0);
    assert_int_equal(fake_host_count(fake_bmcs_find(&f->bmcs, BMC1), "30:81"), 0);
}

static void
test_free_mid_run(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev = fatal_pet();

    f->cfg.rec.set.kind = BL_REC_SCRIPT;
    f->pcmk.hold_run = true;
    start(f);
    bl_recovery_trap(f->rr, &ev, 0);
    fake_run_for(20);
    bl_recovery_free(f->rr);
    f->rr = NULL;
    fake_run_for(20);
}

/* The trap's kernel timestamp is the first step. */
static void
test_rx_time(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev = fatal_pet();
    struct timespec ts;
    const struct bl_rec *r;
    uint64_t real;

    f->cfg.rec.set.kind = BL_REC_NONE;
    start(f);
    clock_gettime(CLOCK_REALTIME, &ts);
    real = (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
    bl_recovery_trap(f->rr, &ev, real - 3000000); /* arrived 3 ms ago */
    r = bl_recovery_machine(f->rr);
    assert_true(r->timeline[1].t_ns - r->timeline[0].t_ns >= 3000000);
    assert_true(r->timeline[1].t_ns - r->timeline[0].t_ns < 50000000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_on_standby_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmc_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_standby_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_cluster_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standby_and_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_and_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_v2c, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recoverable_goes_to_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_mid_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_time, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
