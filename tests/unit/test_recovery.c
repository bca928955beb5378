/* The recovery state machine (monitor/recovery/recovery.h): every path, with the time as an input.
 */
#include "bl_result.h"
#include "recovery.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define MS 1000000ull
#define T0 (1000 * MS)

static const struct bl_rec_settings settings = {
    .kind = BL_REC_FAILOVER,
    .timeout_ns = 20000 * MS,
    .poll_ns = 250 * MS,
    .clear_after_ns = 60000 * MS,
};

static const struct bl_rec_notice pet = {.is_pet = true, .sequence = 7, .rx_ns = T0 - 1 * MS};

static struct bl_rec_observation
obs_here(void)
{
    return (struct bl_rec_observation){.known = true, .active_here = true, .eligible = 1};
}

static struct bl_rec_observation
obs_stopped(unsigned eligible)
{
    return (struct bl_rec_observation){.known = true, .eligible = eligible};
}

static struct bl_rec_observation
obs_moved(const char *where)
{
    struct bl_rec_observation o = {.known = true, .started_elsewhere = true, .eligible = 1};

    strcpy(o.where, where);
    return o;
}

/* Index of the last timeline entry with this step, or -1. */
static int
find_step(const struct bl_rec *r, enum bl_rec_step step)
{
    int found = -1;

    for (size_t i = 0; i < r->n_timeline; i++) {
        if (r->timeline[i].step == step) {
            found = (int) i;
        }
    }
    return found;
}

/* A failover run up to the point where the attribute is set and the first observation is due:
 * notices and a look at the cluster first, the attribute only for a target running here. */
static void
start_failover(struct bl_rec *r, struct bl_rec_out *out)
{
    struct bl_rec_observation here = obs_here();

    bl_rec_init(r, &settings);
    bl_rec_fatal(r, &pet, T0, out);
    assert_int_equal(out->todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_OBSERVE);
    assert_int_equal(r->phase, BL_REC_ACTING);
    assert_int_equal(out->wake_ns, T0 + settings.timeout_ns);
    bl_rec_observed(r, 0, &here, T0 + 5 * MS, out);
    assert_int_equal(out->todo, BL_REC_DO_APPLY);
    bl_rec_apply_done(r, 0, "bmclink-evacuate=1", T0 + 10 * MS, out);
    assert_int_equal(out->todo, BL_REC_DO_OBSERVE);
}

static void
test_failover_success(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_here();

    start_failover(&r, &out);
    bl_rec_observed(&r, 0, &o, T0 + 60 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_int_equal(out.wake_ns, T0 + 310 * MS);
    bl_rec_tick(&r, T0 + 310 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
    o = obs_stopped(1); /* stopped here, not yet started there */
    bl_rec_observed(&r, 0, &o, T0 + 350 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_true(find_step(&r, BL_REC_STEP_STOPPED) > 0);
    bl_rec_tick(&r, T0 + 600 * MS, &out);
    o = obs_moved("node2");
    bl_rec_observed(&r, 0, &o, T0 + 650 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_SUCCESS);
    assert_int_equal(r.phase, BL_REC_ENDING);
    assert_string_equal(r.timeline[find_step(&r, BL_REC_STEP_STARTED)].detail, "node2");
    bl_rec_ipmi_done(&r, BL_REC_MSG_END, 0, T0 + 652 * MS, &out);
    assert_int_equal(r.phase, BL_REC_WAIT_RESET);
    assert_int_equal(out.wake_ns, T0 + 652 * MS + settings.clear_after_ns);
    assert_int_equal(r.stats.results[BL_REC_SUCCESS], 1);
}

static void
test_timeline_order_and_stamps(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_moved("node2"), here = obs_here();

    bl_rec_init(&r, &settings);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_ipmi_sent(&r, BL_REC_MSG_ACK, 0, T0 + 1);
    bl_rec_ipmi_sent(&r, BL_REC_MSG_START, 0, T0 + 2);
    bl_rec_ipmi_done(&r, BL_REC_MSG_ACK, 0, T0 + 3 * MS, &out);
    bl_rec_ipmi_done(&r, BL_REC_MSG_START, 0, T0 + 4 * MS, &out);
    bl_rec_observed(&r, 0, &here, T0 + 5 * MS, &out);
    bl_rec_apply_done(&r, 0, NULL, T0 + 10 * MS, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    bl_rec_ipmi_sent(&r, BL_REC_MSG_END, 0, T0 + 21 * MS);
    assert_string_equal(r.timeline[find_step(&r, BL_REC_STEP_END_SENT)].detail, "success");
    assert_int_equal(r.timeline[0].step, BL_REC_STEP_TRAP);
    assert_int_equal(r.timeline[0].t_ns, pet.rx_ns);
    assert_true(find_step(&r, BL_REC_STEP_ACK_SENT) < find_step(&r, BL_REC_STEP_START_SENT));
    assert_true(find_step(&r, BL_REC_STEP_START_DONE) < find_step(&r, BL_REC_STEP_END_SENT));
    for (size_t i = 1; i < r.n_timeline; i++) {
        assert_true(r.timeline[i].t_ns >= r.timeline[i - 1].t_ns);
    }
}

static void
test_notice_failures_do_not_stop_recovery(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_here();

    start_failover(&r, &out);
    bl_rec_ipmi_done(&r, BL_REC_MSG_ACK, BL_E_TIMEOUT, T0 + 5 * MS, &out);
    bl_rec_ipmi_done(&r, BL_REC_MSG_START, BL_E_UNREACHABLE, T0 + 6 * MS, &out);
    assert_int_equal(r.phase, BL_REC_ACTING);
    assert_int_equal(r.stats.notice_failures, 2);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    o = obs_moved("node3");
    bl_rec_tick(&r, T0 + 300 * MS, &out);
    bl_rec_observed(&r, 0, &o, T0 + 320 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    bl_rec_ipmi_done(&r, BL_REC_MSG_END, BL_E_TIMEOUT, T0 + 5000 * MS, &out);
    assert_int_equal(r.phase, BL_REC_WAIT_RESET);
    assert_int_equal(r.timeline[find_step(&r, BL_REC_STEP_END_DONE)].rc, BL_E_TIMEOUT);
}

static void
test_timeout(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_here();

    start_failover(&r, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    bl_rec_tick(&r, T0 + 19999 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
    bl_rec_tick(&r, T0 + settings.timeout_ns, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_TIMEOUT);
    assert_string_equal(r.timeline[find_step(&r, BL_REC_STEP_TIMEOUT)].detail, "still active here");
    /* the observation still in flight when the deadline passed changes nothing */
    bl_rec_observed(&r, 0, &o, T0 + 20010 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_int_equal(r.phase, BL_REC_ENDING);
}

static void
test_no_node(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_here();

    start_failover(&r, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    bl_rec_tick(&r, T0 + 300 * MS, &out);
    o = obs_stopped(0);
    bl_rec_observed(&r, 0, &o, T0 + 320 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_NO_NODE);
    assert_true(find_step(&r, BL_REC_STEP_NO_NODE) > find_step(&r, BL_REC_STEP_STOPPED));
}

/* A fault on the node that does not run the target: nothing moves (not even the attribute),
 * the end goes out at once. */
static void
test_not_here(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_moved("node1");

    bl_rec_init(&r, &settings);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END); /* no APPLY */
    assert_int_equal(find_step(&r, BL_REC_STEP_APPLY), -1);
    assert_int_equal(out.result, BL_REC_SUCCESS);
    assert_string_equal(r.timeline[find_step(&r, BL_REC_STEP_STOPPED)].detail,
                        "was not running here");
    assert_int_equal(find_step(&r, BL_REC_STEP_STARTED), -1);
}

static void
test_unknown_target(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = {.known = false};

    start_failover(&r, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    assert_int_equal(out.result, BL_REC_FAILED);
    /* already at the first look */
    bl_rec_init(&r, &settings);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, 0, &o, T0 + 20 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_FAILED);
}

/* Pacemaker stopped the target here before the first look after the action: between the stop
 * here and the start elsewhere, the recovery waits; it is not "was not running here". */
static void
test_stopped_before_first_look(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation o = obs_stopped(1);

    start_failover(&r, &out);
    bl_rec_observed(&r, 0, &o, T0 + 80 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_string_equal(r.timeline[find_step(&r, BL_REC_STEP_STOPPED)].detail, "");
    bl_rec_tick(&r, T0 + 330 * MS, &out);
    o = obs_moved("node2");
    bl_rec_observed(&r, 0, &o, T0 + 350 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_SUCCESS);
}

/* The first look fails: act anyway, a target that might run here is moved. */
static void
test_first_look_fails(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;

    bl_rec_init(&r, &settings);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, -EIO, NULL, T0 + 20 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_APPLY);
}

static void
test_observation_error_retries(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;

    start_failover(&r, &out);
    bl_rec_observed(&r, -EIO, NULL, T0 + 20 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_int_equal(out.wake_ns, T0 + 270 * MS);
    bl_rec_tick(&r, T0 + 270 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
    /* no second observation while one is in flight */
    bl_rec_tick(&r, T0 + 600 * MS, &out);
    assert_int_equal(out.todo, 0);
}

static void
test_apply_failure_retried(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;

    struct bl_rec_observation here = obs_here();

    bl_rec_init(&r, &settings);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, 0, &here, T0 + 2 * MS, &out);
    bl_rec_apply_done(&r, -EIO, "attrd_updater exit 1", T0 + 5 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_int_equal(out.wake_ns, T0 + 255 * MS);
    bl_rec_tick(&r, T0 + 255 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_APPLY);
    bl_rec_apply_done(&r, 0, NULL, T0 + 260 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
}

static void
test_command_kinds(void **state)
{
    static const enum bl_rec_kind kinds[] = {BL_REC_RESTART, BL_REC_SCRIPT};
    struct bl_rec_settings s = settings;
    struct bl_rec r;
    struct bl_rec_out out;

    for (size_t i = 0; i < 2; i++) {
        s.kind = kinds[i];
        bl_rec_init(&r, &s);
        bl_rec_fatal(&r, &pet, T0, &out);
        assert_int_equal(out.todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_APPLY);
        bl_rec_apply_done(&r, 0, "exit 0", T0 + 100 * MS, &out);
        assert_int_equal(out.todo, BL_REC_DO_END);
        assert_int_equal(out.result, BL_REC_SUCCESS);

        bl_rec_init(&r, &s);
        bl_rec_fatal(&r, &pet, T0, &out);
        bl_rec_apply_done(&r, -EIO, "exit 3", T0 + 100 * MS, &out);
        assert_int_equal(out.result, BL_REC_FAILED);

        bl_rec_init(&r, &s);
        bl_rec_fatal(&r, &pet, T0, &out);
        bl_rec_apply_done(&r, BL_E_TIMEOUT, "killed", T0 + 100 * MS, &out);
        assert_int_equal(out.result, BL_REC_TIMEOUT);
        /* nothing to undo: idle after the clean-up time */
        bl_rec_ipmi_done(&r, BL_REC_MSG_END, 0, T0 + 101 * MS, &out);
        bl_rec_tick(&r, T0 + 101 * MS + s.clear_after_ns, &out);
        assert_int_equal(out.todo, 0);
        assert_int_equal(r.phase, BL_REC_IDLE);
    }
}

static void
test_kind_none(void **state)
{
    struct bl_rec_settings s = settings;
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_notice v2 = {.is_pet = false, .rx_ns = T0};

    s.kind = BL_REC_NONE;
    bl_rec_init(&r, &s);
    bl_rec_fatal(&r, &v2, T0, &out);
    assert_int_equal(out.todo, BL_REC_DO_START | BL_REC_DO_END); /* no ACK for a non-PET */
    assert_int_equal(out.result, BL_REC_SUCCESS);
}

/* Stop-cluster: a first look, the command, and looks while it runs (Pacemaker stops bmclinkd
 * with the stack and the command waits for that): the target seen started elsewhere ends the
 * run, so the end notice leaves before the daemon does. The command's end ends it too. */
static void
test_stop_cluster_observes_while_running(void **state)
{
    struct bl_rec_settings s = settings;
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_observation here = obs_here(), moved = obs_moved("node2");

    s.kind = BL_REC_STOP_CLUSTER;
    bl_rec_init(&r, &s);
    bl_rec_fatal(&r, &pet, T0, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_OBSERVE);
    bl_rec_observed(&r, 0, &here, T0 + 5 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_APPLY);
    assert_int_equal(out.wake_ns, T0 + 5 * MS + s.poll_ns);
    bl_rec_tick(&r, T0 + 5 * MS + s.poll_ns, &out); /* the command still runs */
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
    bl_rec_observed(&r, 0, &moved, T0 + 300 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_SUCCESS);
    bl_rec_apply_done(&r, 0, "exit 0", T0 + 900 * MS, &out); /* late: changes nothing */
    assert_int_equal(out.todo, 0);
    assert_int_equal(r.phase, BL_REC_ENDING);

    /* the command ends first: the stack is down, nothing runs here */
    bl_rec_init(&r, &s);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, 0, &here, T0 + 5 * MS, &out);
    bl_rec_apply_done(&r, 0, "exit 0", T0 + 100 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_SUCCESS);

    /* a failed command is not run again and again: the run ends failed */
    bl_rec_init(&r, &s);
    bl_rec_fatal(&r, &pet, T0, &out);
    bl_rec_observed(&r, 0, &here, T0 + 5 * MS, &out);
    bl_rec_apply_done(&r, -EIO, "exit 3", T0 + 100 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_END);
    assert_int_equal(out.result, BL_REC_FAILED);
}

static void
test_standby_observes(void **state)
{
    struct bl_rec_settings s = settings;
    struct bl_rec r;
    struct bl_rec_out out;

    struct bl_rec_observation here = obs_here();

    s.kind = BL_REC_STANDBY;
    bl_rec_init(&r, &s);
    bl_rec_fatal(&r, &pet, T0, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_OBSERVE);
    bl_rec_observed(&r, 0, &here, T0 + 5 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_APPLY);
    bl_rec_apply_done(&r, 0, NULL, T0 + 10 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_OBSERVE);
}

static void
test_busy_and_duplicate(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    struct bl_rec_notice other = {.is_pet = true, .sequence = 8, .rx_ns = T0 + 5 * MS};

    start_failover(&r, &out);
    bl_rec_fatal(&r, &other, T0 + 5 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK);
    assert_int_equal(r.stats.busy, 1);
    assert_int_equal(r.notice.sequence, 7);
    assert_true(find_step(&r, BL_REC_STEP_BUSY) > 0);
    bl_rec_duplicate(&r, true, T0 + 6 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK);
    bl_rec_duplicate(&r, false, T0 + 6 * MS, &out);
    assert_int_equal(out.todo, 0);
    assert_int_equal(r.stats.started, 1);
}

static void
end_run(struct bl_rec *r, struct bl_rec_out *out, uint64_t t)
{
    struct bl_rec_observation o = obs_moved("node2");

    o.active_here = false;
    bl_rec_observed(r, 0, &o, t, out);
    assert_int_equal(out->todo, BL_REC_DO_END);
    bl_rec_ipmi_done(r, BL_REC_MSG_END, 0, t + 1 * MS, out);
}

/* The BMC did not reset the node: the attribute is removed after clear_after. */
static void
test_clear_when_not_reset(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    uint64_t t_end = T0 + 21 * MS;

    start_failover(&r, &out);
    end_run(&r, &out, T0 + 20 * MS);
    bl_rec_tick(&r, t_end + settings.clear_after_ns - 1, &out);
    assert_int_equal(out.todo, 0);
    bl_rec_tick(&r, t_end + settings.clear_after_ns, &out);
    assert_int_equal(out.todo, BL_REC_DO_CLEAR);
    assert_int_equal(r.phase, BL_REC_CLEARING);
    bl_rec_clear_done(&r, 0, t_end + settings.clear_after_ns + 5 * MS, &out);
    assert_int_equal(r.phase, BL_REC_IDLE);
    assert_true(find_step(&r, BL_REC_STEP_CLEARED) > find_step(&r, BL_REC_STEP_CLEAR));
}

/* A new fault while the attribute is being deleted: set it again only after the delete. */
static void
test_fatal_while_clearing(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;
    uint64_t t = T0 + 21 * MS + settings.clear_after_ns;
    struct bl_rec_notice again = {.is_pet = true, .sequence = 9, .rx_ns = t + 10 * MS};

    start_failover(&r, &out);
    end_run(&r, &out, T0 + 20 * MS);
    bl_rec_tick(&r, t, &out);
    assert_int_equal(out.todo, BL_REC_DO_CLEAR);
    struct bl_rec_observation here = obs_here();

    bl_rec_fatal(&r, &again, t + 10 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_OBSERVE);
    assert_int_equal(r.phase, BL_REC_ACTING);
    bl_rec_observed(&r, 0, &here, t + 15 * MS, &out);
    assert_int_equal(out.todo, 0); /* the delete is still in flight */
    bl_rec_clear_done(&r, 0, t + 20 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_APPLY);
    assert_int_equal(r.stats.started, 2);
}

/* A new fault after the end notice, before the reset: a fresh run (WAIT_RESET is not busy). */
static void
test_fatal_while_waiting_reset(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;

    start_failover(&r, &out);
    end_run(&r, &out, T0 + 20 * MS);
    bl_rec_fatal(&r, &pet, T0 + 30 * MS, &out);
    assert_int_equal(out.todo, BL_REC_DO_ACK | BL_REC_DO_START | BL_REC_DO_OBSERVE);
    assert_int_equal(r.timeline[0].step, BL_REC_STEP_TRAP);
}

static void
test_timeline_bounded(void **state)
{
    struct bl_rec r;
    struct bl_rec_out out;

    start_failover(&r, &out);
    for (int i = 0; i < 3 * BL_REC_TIMELINE_MAX; i++) {
        bl_rec_note(&r, BL_REC_STEP_NOTE, 0,
                    "a long detail that is truncated to fit the entry "
                    "without overflowing anything at all, ever, really",
                    T0 + (uint64_t) i);
    }
    assert_int_equal(r.n_timeline, BL_REC_TIMELINE_MAX);
    assert_true(r.timeline_full);
    assert_int_equal(strlen(r.timeline[5].detail), BL_REC_DETAIL_MAX - 1);
}

static void
test_names(void **state)
{
    enum bl_rec_kind k;

    for (int i = 0; i < BL_REC_KIND_COUNT; i++) {
        assert_int_equal(bl_rec_kind_parse(bl_rec_kind_name((enum bl_rec_kind) i), &k), 0);
        assert_int_equal(k, i);
    }
    assert_int_equal(bl_rec_kind_parse("STOP-CLUSTER", &k), 0);
    assert_int_equal(k, BL_REC_STOP_CLUSTER);
    assert_int_equal(bl_rec_kind_parse("reboot", &k), BL_E_INVALID);
    assert_int_equal(bl_rec_kind_parse(NULL, &k), BL_E_INVALID);
    for (int i = 0; i < BL_REC_STEP_COUNT; i++) {
        assert_string_not_equal(bl_rec_step_name((enum bl_rec_step) i), "?");
    }
    assert_string_equal(bl_rec_step_name(BL_REC_STEP_COUNT), "?");
    assert_string_equal(bl_rec_result_name(BL_REC_NO_NODE), "no-node");
    assert_string_equal(bl_rec_phase_name(BL_REC_WAIT_RESET), "wait-reset");
    assert_string_equal(bl_rec_msg_name(BL_REC_MSG_END), "end-notice");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failover_success),
        cmocka_unit_test(test_timeline_order_and_stamps),
        cmocka_unit_test(test_notice_failures_do_not_stop_recovery),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_no_node),
        cmocka_unit_test(test_not_here),
        cmocka_unit_test(test_unknown_target),
        cmocka_unit_test(test_stopped_before_first_look),
        cmocka_unit_test(test_first_look_fails),
        cmocka_unit_test(test_observation_error_retries),
        cmocka_unit_test(test_apply_failure_retried),
        cmocka_unit_test(test_command_kinds),
        cmocka_unit_test(test_kind_none),
        cmocka_unit_test(test_stop_cluster_observes_while_running),
        cmocka_unit_test(test_standby_observes),
        cmocka_unit_test(test_busy_and_duplicate),
        cmocka_unit_test(test_clear_when_not_reset),
        cmocka_unit_test(test_fatal_while_clearing),
        cmocka_unit_test(test_fatal_while_waiting_reset),
        cmocka_unit_test(test_timeline_bounded),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
