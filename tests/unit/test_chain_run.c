/*
 * Chain orchestration against fake member kinds: order, readiness, optional members,
 * rollback, stop order and deadlines, the chain's state, and the processes a monitor costs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bl_result.h"
#include "chain.h"
#include "chain_run.h"

#include <glib.h>
#include <string.h>
#include <sys/wait.h>

struct fake_member {
    bool running;
    int start_rc;  /* what start returns */
    bool comes_up; /* whether a successful start makes it run */
    int stop_rc;   /* what stop returns; 0 also makes it stop */
    int stop_timeout;
};

static struct fake_member fakes[16];
static GString *events;
static int exec_calls;

static struct fake_member *
fake_of(const struct bl_chain_member *m)
{
    return &fakes[m->name[0] - 'a'];
}

static int
fake_start(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
           char **errmsg)
{
    struct fake_member *f = fake_of(m);

    g_string_append_printf(events, "start:%s ", m->name);
    if (f->start_rc == 0 && f->comes_up) {
        f->running = true;
    }
    return f->start_rc;
}

static int
fake_stop(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
          char **errmsg)
{
    struct fake_member *f = fake_of(m);

    g_string_append_printf(events, "stop:%s ", m->name);
    f->stop_timeout = timeout_ms;
    if (f->stop_rc == 0) {
        f->running = false;
    }
    return f->stop_rc;
}

static int
fake_status(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
            enum bl_member_state *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = fake_of(m[i])->running ? BL_MEMBER_RUNNING : BL_MEMBER_STOPPED;
    }
    return 0;
}

static int
fake_check(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
           GString *problems)
{
    return 0;
}

static const struct bl_member_ops fake_kind = {fake_start, fake_stop, fake_status, fake_check};

static int
counting_run(void *ctx, const struct bl_exec_req *req, struct bl_exec_res *res)
{
    memset(res, 0, sizeof(*res));
    exec_calls++;
    res->status = W_EXITCODE(0, 0);
    res->output = g_strdup(ctx);
    return 0;
}

static const struct bl_exec_ops counting_ops = {.run = counting_run};

/* Members a, b, c, d (daemon kind, run by the fake); opts: per member optional flag. */
static struct bl_chain *
four_members(const char *optional, const char *extra)
{
    GString *text = g_string_new(NULL);
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    for (int i = 0; i < 4; i++) {
        g_string_append_printf(text,
                               "[member %c]\nkind = daemon\ncommand = /bin/%c\n"
                               "pidfile = /run/%c.pid\noptional = %s\n"
                               "start_timeout = 200ms\nstop_timeout = 30s\n%s\n",
                               'a' + i, 'a' + i, 'a' + i, optional[i] == 'o' ? "yes" : "no", extra);
    }
    if (bl_chain_load_text(text->str, "<test>", NULL, &c, &err) != 0) {
        fail_msg("%s", err);
    }
    g_string_free(text, TRUE);
    return c;
}

static void
fake_sys(struct bl_chain_sys *sys)
{
    memset(sys, 0, sizeof(*sys));
    sys->kinds[BL_KIND_DAEMON] = &fake_kind;
    sys->exec = &counting_ops;
    bl_chain_sys_defaults(sys);
}

static int
reset(void **state)
{
    for (size_t i = 0; i < G_N_ELEMENTS(fakes); i++) {
        fakes[i] = (struct fake_member){.comes_up = true};
    }
    g_string_truncate(events, 0);
    exec_calls = 0;
    return 0;
}

static void
test_start_order_and_optional(void **state)
{
    struct bl_chain *c = four_members("mom-", "");
    struct bl_chain_sys sys;
    int failed = 7;

    fake_sys(&sys);
    fakes[1].start_rc = BL_E_STATE;
    assert_int_equal(bl_chain_start(&sys, c, 0, &failed), 0);
    assert_int_equal(failed, -1);
    assert_string_equal(events->str, "start:a start:b stop:b start:c start:d ");
    bl_chain_free(c);
}

/* [outside] entries are acted on around the chain, in file order at each point; their
 * failures do not fail the chain. */
static void
test_outside_hooks(void **state)
{
    static const char outside[] = "[outside e]\nkind = daemon\ncommand = /bin/e\n"
                                  "pidfile = /run/e.pid\nbefore_start = stop\n"
                                  "after_start = start\nbefore_stop = stop\nafter_stop = start\n"
                                  "[outside f]\nkind = daemon\ncommand = /bin/f\n"
                                  "pidfile = /run/f.pid\nafter_start = start\nbefore_stop = stop\n";
    struct bl_chain *c = four_members("mmmm", "");
    g_autofree char *text = bl_chain_to_text(c);
    g_autofree char *full = g_strconcat(text, outside, NULL);
    struct bl_chain *h = NULL;
    struct bl_chain_sys sys;

    fake_sys(&sys);
    assert_int_equal(bl_chain_load_text(full, "<test>", NULL, &h, NULL), 0);
    fakes[4].start_rc = BL_E_STATE;
    assert_int_equal(bl_chain_start(&sys, h, 0, NULL), 0);
    assert_string_equal(events->str, "stop:e start:a start:b start:c start:d start:e start:f ");
    g_string_truncate(events, 0);
    fakes[5].stop_rc = BL_E_STATE;
    assert_int_equal(bl_chain_stop(&sys, h, 0), 0);
    assert_string_equal(events->str, "stop:e stop:f stop:d stop:c stop:b stop:a start:e ");
    bl_chain_free(c);
    bl_chain_free(h);
}

static void
test_mandatory_failure_rolls_back(void **state)
{
    struct bl_chain *c = four_members("mmmm", "");
    struct bl_chain_sys sys;
    enum bl_chain_state st;
    int failed = -1;

    fake_sys(&sys);
    fakes[2].start_rc = BL_E_TIMEOUT;
    assert_int_equal(bl_chain_start(&sys, c, 0, &failed), BL_E_TIMEOUT);
    assert_int_equal(failed, 2);
    assert_string_equal(events->str, "start:a start:b start:c stop:c stop:b stop:a ");
    assert_int_equal(bl_chain_status(&sys, c, 0, NULL, &st), 0);
    assert_int_equal(st, BL_CHAIN_STOPPED);
    bl_chain_free(c);
}

/* A member whose start succeeds but which never runs fails at its start_timeout. */
static void
test_readiness_timeout(void **state)
{
    struct bl_chain *c = four_members("mmmm", "");
    struct bl_chain_sys sys;
    int64_t t0 = bl_chain_mono_ms();
    int failed = -1;

    fake_sys(&sys);
    fakes[1].comes_up = false;
    assert_int_equal(bl_chain_start(&sys, c, 0, &failed), BL_E_TIMEOUT);
    assert_int_equal(failed, 1);
    assert_true(bl_chain_mono_ms() - t0 >= 200);
    assert_true(bl_chain_mono_ms() - t0 < 2000);
    assert_string_equal(events->str, "start:a start:b stop:b stop:a ");
    bl_chain_free(c);
}

/* A chain deadline shorter than a member's start_timeout wins. */
static void
test_start_deadline(void **state)
{
    struct bl_chain *c = four_members("mmmm", "");
    struct bl_chain_sys sys;
    int64_t t0 = bl_chain_mono_ms();

    fake_sys(&sys);
    fakes[0].comes_up = false;
    assert_int_equal(bl_chain_start(&sys, c, t0 + 50, NULL), BL_E_TIMEOUT);
    assert_true(bl_chain_mono_ms() - t0 < 200);
    bl_chain_free(c);
}

static void
test_stop_reverse_and_continue(void **state)
{
    struct bl_chain *c = four_members("mmmm", "");
    struct bl_chain_sys sys;

    fake_sys(&sys);
    for (int i = 0; i < 4; i++) {
        fakes[i].running = true;
    }
    fakes[1].stop_rc = BL_E_STATE;
    assert_int_equal(bl_chain_stop(&sys, c, 0), BL_E_STATE);
    assert_string_equal(events->str, "stop:d stop:c stop:b stop:a ");
    assert_false(fakes[0].running);
    assert_int_equal(fakes[0].stop_timeout, 30000);
    /* stopping again: every member known stopped, nobody is asked, except b still up */
    g_string_truncate(events, 0);
    fakes[1].stop_rc = 0;
    assert_int_equal(bl_chain_stop(&sys, c, 0), 0);
    assert_string_equal(events->str, "stop:b ");
    bl_chain_free(c);
}

/* Near the deadline each member's wait shrinks so later members keep some time. */
static void
test_stop_deadline_budget(void **state)
{
    struct bl_chain *c = four_members("mmmm", "");
    struct bl_chain_sys sys;

    fake_sys(&sys);
    for (int i = 0; i < 4; i++) {
        fakes[i].running = true;
    }
    assert_int_equal(bl_chain_stop(&sys, c, bl_chain_mono_ms() + 3000), 0);
    assert_true(fakes[3].stop_timeout <= 1500); /* 3 s minus 3 later members' reserve */
    assert_true(fakes[0].stop_timeout <= 3000);
    assert_true(fakes[0].stop_timeout >= 100);
    bl_chain_free(c);
}

static void
test_chain_states(void **state)
{
    struct bl_chain *c = four_members("mmom", "");
    struct bl_chain_sys sys;
    enum bl_member_state states[4];
    enum bl_chain_state st;

    fake_sys(&sys);
    bl_chain_status(&sys, c, 0, states, &st);
    assert_int_equal(st, BL_CHAIN_STOPPED);
    for (int i = 0; i < 4; i++) {
        fakes[i].running = true;
    }
    bl_chain_status(&sys, c, 0, states, &st);
    assert_int_equal(st, BL_CHAIN_RUNNING);
    fakes[2].running = false; /* the optional one */
    bl_chain_status(&sys, c, 0, states, &st);
    assert_int_equal(st, BL_CHAIN_DEGRADED);
    assert_int_equal(states[2], BL_MEMBER_STOPPED);
    fakes[3].running = false;
    bl_chain_status(&sys, c, 0, states, &st);
    assert_int_equal(st, BL_CHAIN_FAILED);
    assert_string_equal(bl_chain_state_name(st), "failed");
    bl_chain_free(c);
}

/* Check commands run at depth 10 only; at depth 0 a monitor of fakes spawns nothing. */
static void
test_check_depth(void **state)
{
    struct bl_chain *c = four_members("mmmm", "ready = command\ncheck = /bin/check");
    struct bl_chain_sys sys;
    enum bl_chain_state st;

    fake_sys(&sys);
    for (int i = 0; i < 4; i++) {
        fakes[i].running = true;
    }
    bl_chain_status(&sys, c, 0, NULL, &st);
    assert_int_equal(exec_calls, 0);
    bl_chain_status(&sys, c, BL_CHAIN_DEPTH_CHECKS, NULL, &st);
    assert_int_equal(exec_calls, 4);
    assert_int_equal(st, BL_CHAIN_RUNNING);
    bl_chain_free(c);
}

/* With the real kinds: eleven systemd members cost one process; eleven daemons none. */
static void
test_monitor_process_count(void **state)
{
    GString *units = g_string_new(NULL);
    GString *daemons = g_string_new(NULL);
    GString *show = g_string_new(NULL);
    struct bl_chain *cu = NULL, *cd = NULL;
    struct bl_chain_sys sys = {0};
    enum bl_chain_state st;

    for (int i = 0; i < 11; i++) {
        g_string_append_printf(units, "[member u%d];kind=systemd;unit=u%d;", i, i);
        g_string_append_printf(daemons,
                               "[member d%d];kind=daemon;command=/bin/d%d;"
                               "pidfile=/nonexistent/d%d.pid;",
                               i, i, i);
        g_string_append(show, "ActiveState=active\n\n");
    }
    assert_int_equal(bl_chain_load_text(units->str, "<t>", NULL, &cu, NULL), 0);
    assert_int_equal(bl_chain_load_text(daemons->str, "<t>", NULL, &cd, NULL), 0);
    sys.exec = &counting_ops;
    sys.exec_ctx = show->str;
    sys.systemd_run_dir = "/"; /* as if systemd ran here */
    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_status(&sys, cu, 0, NULL, &st), 0);
    assert_int_equal(st, BL_CHAIN_RUNNING);
    assert_int_equal(exec_calls, 1);
    exec_calls = 0;
    assert_int_equal(bl_chain_status(&sys, cd, 0, NULL, &st), 0);
    assert_int_equal(st, BL_CHAIN_STOPPED);
    assert_int_equal(exec_calls, 0);
    bl_chain_free(cu);
    bl_chain_free(cd);
    g_string_free(units, TRUE);
    g_string_free(daemons, TRUE);
    g_string_free(show, TRUE);
}

static int
setup(void **state)
{
    events = g_string_new(NULL);
    return 0;
}

static int
teardown(void **state)
{
    g_string_free(events, TRUE);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_start_order_and_optional, reset),
        cmocka_unit_test_setup(test_outside_hooks, reset),
        cmocka_unit_test_setup(test_mandatory_failure_rolls_back, reset),
        cmocka_unit_test_setup(test_readiness_timeout, reset),
        cmocka_unit_test_setup(test_start_deadline, reset),
        cmocka_unit_test_setup(test_stop_reverse_and_continue, reset),
        cmocka_unit_test_setup(test_stop_deadline_budget, reset),
        cmocka_unit_test_setup(test_chain_states, reset),
        cmocka_unit_test_setup(test_check_depth, reset),
        cmocka_unit_test_setup(test_monitor_process_count, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
