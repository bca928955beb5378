/* The heartbeat's pure parts (monitor/bmc/heartbeat_core.c): misses, silence and link drops,
 * power, rtt, #health-bmc. */
#include "bl_result.h"
#include "heartbeat_core.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define MS 1000000ull

/* One interval: tick (and send when asked), then maybe an answer after 1 ms. */
static unsigned
interval(struct bl_hb_state *s, uint64_t t, int answer_rc, bool power_on)
{
    bool send = false;
    unsigned ch = bl_hb_tick(s, t, &send);

    if (send) {
        bl_hb_sent(s, 0, t);
        if (answer_rc != 1) { /* 1: no answer at all */
            ch |= bl_hb_answer(s, answer_rc, power_on, t + 1 * MS);
        }
    }
    return ch;
}

static void
test_reachable_then_silent(void **state)
{
    struct bl_hb_state s;
    unsigned ch;

    bl_hb_state_init(&s, 3);
    assert_int_equal(s.reach, BL_HB_REACH_UNKNOWN);
    ch = interval(&s, 0, 0, true);
    assert_int_equal(ch, BL_HB_CH_REACH | BL_HB_CH_POWER);
    assert_int_equal(s.reach, BL_HB_REACH_YES);
    assert_int_equal(s.power, BL_HB_POWER_ON);
    assert_int_equal(interval(&s, 1000 * MS, 0, true), 0); /* nothing changed: nothing to say */
    /* the BMC falls silent: the poll of t=2000 stays in flight */
    assert_int_equal(interval(&s, 2000 * MS, 1, true), 0);
    assert_int_equal(interval(&s, 3000 * MS, 1, true), 0); /* silent 1 */
    assert_int_equal(s.silent, 1);
    assert_int_equal(interval(&s, 4000 * MS, 1, true), 0); /* silent 2 */
    ch = interval(&s, 5000 * MS, 1, true);                 /* silent 3 */
    assert_int_equal(ch, BL_HB_CH_REACH | BL_HB_CH_POWER);
    assert_int_equal(s.reach, BL_HB_REACH_NO);
    assert_int_equal(s.power, BL_HB_POWER_UNKNOWN);
    assert_int_equal(s.polls, 3); /* one poll in flight at a time: no flood */
    /* late answer of the poll in flight: reachable at once */
    ch = bl_hb_answer(&s, 0, false, 5500 * MS);
    assert_int_equal(ch, BL_HB_CH_REACH | BL_HB_CH_POWER);
    assert_int_equal(s.power, BL_HB_POWER_OFF);
    assert_int_equal(s.silent, 0);
}

static void
test_never_answers(void **state)
{
    struct bl_hb_state s;
    bool send;

    bl_hb_state_init(&s, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(bl_hb_tick(&s, (uint64_t) i * 1000 * MS, &send), 0);
        bl_hb_sent(&s, BL_E_STATE, (uint64_t) i * 1000 * MS); /* no session */
    }
    assert_int_equal(bl_hb_tick(&s, 3000 * MS, &send), BL_HB_CH_REACH);
    assert_true(send);
    assert_int_equal(s.reach, BL_HB_REACH_NO);
    assert_int_equal(s.errors, 3);
}

static void
test_errors_and_timeouts(void **state)
{
    struct bl_hb_state s;

    bl_hb_state_init(&s, 2);
    interval(&s, 0, 0, true);
    /* a completion code error: alive, power unknown */
    assert_int_equal(interval(&s, 1000 * MS, BL_E_BMC, true), BL_HB_CH_POWER);
    assert_int_equal(s.reach, BL_HB_REACH_YES);
    assert_int_equal(s.power, BL_HB_POWER_UNKNOWN);
    /* timeouts reported by the IPMI layer are silence */
    assert_int_equal(interval(&s, 2000 * MS, BL_E_TIMEOUT, true), 0);
    assert_int_equal(interval(&s, 3000 * MS, BL_E_TIMEOUT, true), 0);
    assert_int_equal(interval(&s, 4000 * MS, BL_E_TIMEOUT, true), BL_HB_CH_REACH);
    assert_int_equal(s.errors, 3);
}

static void
test_rtt(void **state)
{
    struct bl_hb_state s;
    struct bl_hb_rtt all = {0};

    bl_hb_state_init(&s, 3);
    for (int i = 0; i < 100; i++) {
        bool send;
        uint64_t t = (uint64_t) i * 1000 * MS;

        bl_hb_tick(&s, t, &send);
        bl_hb_sent(&s, 0, t);
        bl_hb_answer(&s, 0, true, t + (i < 98 ? 300000 : 5 * MS)); /* 0.3 ms, two at 5 ms */
    }
    assert_int_equal(s.rtt.count, 100);
    assert_int_equal(s.rtt.min_ns, 300000);
    assert_int_equal(s.rtt.max_ns, 5 * MS);
    assert_true(bl_hb_rtt_percentile(&s.rtt, 50) >= 300000);
    assert_true(bl_hb_rtt_percentile(&s.rtt, 50) < 300000 * 9 / 8); /* 12.5 % buckets */
    assert_int_equal(bl_hb_rtt_percentile(&s.rtt, 99), 5 * MS);
    bl_hb_rtt_merge(&all, &s.rtt);
    bl_hb_rtt_merge(&all, &s.rtt);
    assert_int_equal(all.count, 200);
    assert_int_equal(all.min_ns, 300000);
    assert_int_equal(bl_hb_rtt_percentile(&(struct bl_hb_rtt){0}, 50), 0);
    /* the reported percentile is never below the sample, and at most 12.5 % above */
    for (uint64_t v = 1; v < (1ull << 38); v = v * 3 + 1) {
        struct bl_hb_state one;
        bool send;
        uint64_t p;

        bl_hb_state_init(&one, 3);
        for (int i = 0; i < 3; i++) {
            bl_hb_tick(&one, 0, &send);
            bl_hb_sent(&one, 0, 0);
            bl_hb_answer(&one, 0, true, i < 2 ? v : (1ull << 39));
        }
        p = bl_hb_rtt_percentile(&one.rtt, 50);
        assert_true(p >= v);
        assert_true(p <= v + v / 8 + 1);
    }
}

static void
test_values(void **state)
{
    assert_string_equal(bl_hb_reach_value(BL_HB_REACH_YES), "1");
    assert_string_equal(bl_hb_reach_value(BL_HB_REACH_NO), "0");
    assert_null(bl_hb_reach_value(BL_HB_REACH_UNKNOWN));
    assert_string_equal(bl_hb_power_value(BL_HB_POWER_OFF), "off");
    assert_string_equal(bl_hb_power_value(BL_HB_POWER_UNKNOWN), "unknown");
    assert_string_equal(bl_health_color_name(BL_HEALTH_YELLOW), "yellow");
}

static struct bl_pet_event
pet(uint8_t severity, uint8_t sensor, bool deassert)
{
    return (struct bl_pet_event){.severity = severity,
                                 .sensor_type = 0x01,
                                 .sensor_number = sensor,
                                 .event_offset = 2,
                                 .deassertion = deassert};
}

static void
test_health(void **state)
{
    struct bl_health h;
    struct bl_pet_event e;

    bl_health_init(&h, BL_PET_SEV_CRITICAL, 600000 * MS);
    e = pet(BL_PET_SEV_INFORMATION, 1, false);
    assert_false(bl_health_pet(&h, &e, 0));
    e = pet(BL_PET_SEV_NON_CRITICAL, 1, false);
    assert_true(bl_health_pet(&h, &e, 0));
    assert_int_equal(h.color, BL_HEALTH_YELLOW);
    e = pet(BL_PET_SEV_CRITICAL | BL_PET_SEV_NON_CRITICAL, 2, false); /* several bits */
    assert_true(bl_health_pet(&h, &e, 1 * MS));
    assert_int_equal(h.color, BL_HEALTH_RED);
    e = pet(BL_PET_SEV_CRITICAL, 2, true); /* sensor 2 deasserts */
    assert_true(bl_health_pet(&h, &e, 2 * MS));
    assert_int_equal(h.color, BL_HEALTH_YELLOW);
    e = pet(BL_PET_SEV_NON_CRITICAL, 1, true);
    assert_true(bl_health_pet(&h, &e, 3 * MS));
    assert_int_equal(h.color, BL_HEALTH_GREEN);
    e = pet(BL_PET_SEV_NON_CRITICAL, 9, true); /* deassert of something never seen */
    assert_false(bl_health_pet(&h, &e, 4 * MS));
}

static void
test_health_hold_and_flood(void **state)
{
    struct bl_health h;
    struct bl_pet_event e;

    bl_health_init(&h, BL_PET_SEV_CRITICAL, 1000 * MS);
    assert_true(bl_health_notice(&h, 42, 0));
    assert_int_equal(h.color, BL_HEALTH_YELLOW);
    assert_false(bl_health_tick(&h, 999 * MS));
    assert_true(bl_health_notice(&h, 43, 500 * MS) == false); /* still yellow */
    assert_false(bl_health_tick(&h, 1000 * MS));              /* 42 expired, 43 holds */
    assert_true(bl_health_tick(&h, 1500 * MS));
    assert_int_equal(h.color, BL_HEALTH_GREEN);
    /* a flood of distinct sensors stays within the table */
    for (int i = 0; i < 1000; i++) {
        e = pet(BL_PET_SEV_NON_CRITICAL, (uint8_t) i, false);
        e.sensor_type = (uint8_t) (i >> 8);
        bl_health_pet(&h, &e, 2000 * MS + (uint64_t) i);
    }
    assert_int_equal(h.color, BL_HEALTH_YELLOW);
    /* a repeat at a lower severity does not downgrade a red condition */
    e = pet(BL_PET_SEV_CRITICAL, 7, false);
    bl_health_pet(&h, &e, 3000 * MS);
    e = pet(BL_PET_SEV_NON_CRITICAL, 7, false);
    bl_health_pet(&h, &e, 3001 * MS);
    assert_int_equal(h.color, BL_HEALTH_RED);
}

/* ---- link drops (silence counted in time, expected after power events) ---- */

#define S (1000 * MS)
#define DEFAULT_LIMIT (10 * S)  /* [heartbeat] silence_ms */
#define DEFAULT_WINDOW (10 * S) /* [heartbeat] drop_window_ms */

/* A fake BMC on a fake clock: it answers (power as given) unless its link is down over
 * [down_from, down_to); a poll sent into the drop times out 900 ms later, as the IPMI
 * layer's retries end before the next interval. */
struct fake_bmc {
    uint64_t down_from, down_to;
    bool power_on;
    bool ever_unreachable;
};

static bool
link_down(const struct fake_bmc *b, uint64_t t)
{
    return t >= b->down_from && t < b->down_to;
}

/* One 1 s interval at t: tick, poll, and the poll's outcome. */
static void
fake_interval(struct bl_hb_state *s, struct fake_bmc *b, uint64_t t)
{
    bool send = false;

    bl_hb_tick(s, t, &send);
    if (send) {
        bl_hb_sent(s, 0, t);
        if (link_down(b, t) || link_down(b, t + 1 * MS)) {
            bl_hb_answer(s, BL_E_TIMEOUT, false, t + 900 * MS);
        } else {
            bl_hb_answer(s, 0, b->power_on, t + 1 * MS);
        }
    }
    b->ever_unreachable |= s->reach == BL_HB_REACH_NO;
}

/* Intervals from t0 (included) to t1 (excluded), one per second. */
static void
fake_run(struct bl_hb_state *s, struct fake_bmc *b, uint64_t t0, uint64_t t1)
{
    for (uint64_t t = t0; t < t1; t += S) {
        fake_interval(s, b, t);
    }
}

static void
drop_state(struct bl_hb_state *s)
{
    bl_hb_state_init(s, 1);
    bl_hb_state_limits(s, DEFAULT_LIMIT, DEFAULT_WINDOW);
}

/* The kinds of the timeline, oldest first, as a string of their numbers. */
static void
assert_timeline(const struct bl_hb_state *s, const enum bl_hb_event *want, size_t n)
{
    struct bl_hb_event_rec tl[BL_HB_TIMELINE];
    size_t got = bl_hb_timeline(s, tl);

    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(bl_hb_event_name(tl[i].kind), bl_hb_event_name(want[i]));
    }
}

/* A power cycle the heartbeat reads (off, then on), then the link drops for 8 s. */
static void
test_drop_after_power_cycle(void **state)
{
    struct bl_hb_state s;
    struct fake_bmc b = {.down_from = 12500 * MS, .down_to = 20500 * MS, .power_on = true};
    struct bl_hb_link l;
    struct bl_hb_event_rec tl[BL_HB_TIMELINE];
    const enum bl_hb_event want[] = {BL_HB_EV_POWER_OFF, BL_HB_EV_POWER_ON, BL_HB_EV_DROP,
                                     BL_HB_EV_BACK};

    drop_state(&s);
    fake_run(&s, &b, 0, 10 * S);
    b.power_on = false;
    fake_run(&s, &b, 10 * S, 12 * S);
    b.power_on = true;
    fake_run(&s, &b, 12 * S, 16 * S);
    bl_hb_link(&s, 16 * S, &l);
    assert_int_equal(l.state, BL_HB_LINK_DROP); /* "link drop expected (power event at 12 s)" */
    assert_int_equal(l.event_ns, 12 * S + 1 * MS);
    assert_int_equal(l.bound_ns, l.event_ns + DEFAULT_WINDOW + DEFAULT_LIMIT);
    fake_run(&s, &b, 16 * S, 40 * S);
    assert_false(b.ever_unreachable);
    assert_int_equal(s.reach, BL_HB_REACH_YES);
    assert_timeline(&s, want, 4);
    bl_hb_timeline(&s, tl);
    assert_true(tl[2].expected);
    assert_int_equal(tl[2].at_ns, 13 * S);          /* the first poll left unanswered */
    assert_int_equal(tl[3].ref_ns, 8 * S + 1 * MS); /* silent from 13 s to the answer at 21 s */
    bl_hb_link(&s, 40 * S, &l);
    assert_int_equal(l.state, BL_HB_LINK_OK);
}

/* No power event seen: the default silence limit alone covers an 8 s drop, however it falls
 * between the polls. */
static void
test_drop_without_power_event(void **state)
{
    for (uint64_t phase = 0; phase < S; phase += 100 * MS) {
        struct bl_hb_state s;
        struct fake_bmc b = {
            .down_from = 10 * S + phase, .down_to = 18 * S + phase, .power_on = true};
        const enum bl_hb_event want[] = {BL_HB_EV_DROP, BL_HB_EV_BACK};
        struct bl_hb_event_rec tl[BL_HB_TIMELINE];

        drop_state(&s);
        fake_run(&s, &b, 0, 40 * S);
        assert_false(b.ever_unreachable);
        assert_timeline(&s, want, 2);
        bl_hb_timeline(&s, tl);
        assert_false(tl[0].expected);
    }
}

/* A BMC gone for good: unreachable when the silence limit passes, not a poll later. */
static void
test_gone_for_good(void **state)
{
    struct bl_hb_state s;
    struct fake_bmc b = {.down_from = 10500 * MS, .down_to = UINT64_MAX, .power_on = true};
    bool send;
    struct bl_hb_link l;

    drop_state(&s);
    fake_run(&s, &b, 0, 21 * S); /* last answer at 10 s; first poll left unanswered at 11 s */
    assert_int_equal(s.reach, BL_HB_REACH_YES);
    bl_hb_link(&s, 20 * S, &l);
    assert_int_equal(l.state, BL_HB_LINK_SILENT);
    assert_int_equal(l.bound_ns, 21 * S);
    assert_int_equal(bl_hb_tick(&s, 21 * S, &send), BL_HB_CH_REACH | BL_HB_CH_POWER);
    assert_int_equal(s.reach, BL_HB_REACH_NO);
    assert_int_equal(s.power, BL_HB_POWER_UNKNOWN);
    bl_hb_link(&s, 21 * S, &l);
    assert_int_equal(l.state, BL_HB_LINK_UNREACHABLE);
    assert_int_equal(l.silent_ns, DEFAULT_LIMIT);
}

/* After a power event a drop longer than window + limit is still a BMC lost, at that bound;
 * a silence beginning after the window is not the event's drop. */
static void
test_drop_past_window(void **state)
{
    struct bl_hb_state s;
    struct fake_bmc b = {.down_from = 10500 * MS, .down_to = UINT64_MAX, .power_on = true};
    bool send;

    drop_state(&s);
    fake_run(&s, &b, 0, 10 * S);
    bl_hb_power_event(&s, BL_HB_EV_COMMAND, 10 * S + 5 * MS); /* e.g. the end notice */
    fake_run(&s, &b, 10 * S, 30 * S);
    assert_false(b.ever_unreachable); /* silent 19 s: within window + limit of the event */
    assert_int_equal(bl_hb_tick(&s, 30 * S, &send), 0);
    assert_int_equal(bl_hb_tick(&s, 31 * S, &send), BL_HB_CH_REACH | BL_HB_CH_POWER);

    drop_state(&s);
    b = (struct fake_bmc){.down_from = 25500 * MS, .down_to = UINT64_MAX, .power_on = true};
    fake_run(&s, &b, 0, 10 * S);
    bl_hb_power_event(&s, BL_HB_EV_SEL_POWER, 10 * S);
    fake_run(&s, &b, 10 * S, 36 * S); /* silent from 26 s: more than the window after 10 s */
    assert_int_equal(s.reach, BL_HB_REACH_YES);
    assert_int_equal(bl_hb_tick(&s, 36 * S, &send), BL_HB_CH_REACH | BL_HB_CH_POWER);
}

/* The timeline keeps the last BL_HB_TIMELINE events, oldest first. */
static void
test_timeline_ring(void **state)
{
    struct bl_hb_state s;
    struct bl_hb_event_rec tl[BL_HB_TIMELINE];

    drop_state(&s);
    for (uint64_t i = 0; i < BL_HB_TIMELINE + 5; i++) {
        bl_hb_power_event(&s, BL_HB_EV_COMMAND, i * S);
    }
    assert_int_equal(bl_hb_timeline(&s, tl), BL_HB_TIMELINE);
    assert_int_equal(tl[0].at_ns, 5 * S);
    assert_int_equal(tl[BL_HB_TIMELINE - 1].at_ns, (BL_HB_TIMELINE + 4) * S);
    assert_string_equal(bl_hb_event_name(BL_HB_EV_DROP), "link drop");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reachable_then_silent),
        cmocka_unit_test(test_never_answers),
        cmocka_unit_test(test_errors_and_timeouts),
        cmocka_unit_test(test_rtt),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_health_hold_and_flood),
        cmocka_unit_test(test_drop_after_power_cycle),
        cmocka_unit_test(test_drop_without_power_event),
        cmocka_unit_test(test_gone_for_good),
        cmocka_unit_test(test_drop_past_window),
        cmocka_unit_test(test_timeline_ring),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
