/*
 * bmclinkd's loop thread (monitor/daemon/loop_thread.h): posted calls run on the loop they
 * were posted to and never inline; a stop before the loop ran still stops it; calls never
 * run are released; a child process's end (GSubprocess, as the Pacemaker tools) is seen on
 * the thread's own context.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "loop_thread.h"

/* What the thread and the test tell each other. */
struct probe {
    GMutex lock;
    GCond cond;
    GThread *ran_on; /* where fn ran */
    int ran;
    int notified;
    bool init_done;
    GThread *thread; /* the loop thread, seen from its init */
    GMainContext *ctx;
};

static void
probe_init(struct probe *p)
{
    memset(p, 0, sizeof(*p));
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
}

static void
probe_clear(struct probe *p)
{
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
}

static void
record(gpointer data)
{
    struct probe *p = data;

    g_mutex_lock(&p->lock);
    p->ran_on = g_thread_self();
    p->ran++;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

static void
notified(gpointer data)
{
    struct probe *p = data;

    g_mutex_lock(&p->lock);
    p->notified++;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

static void
wait_ran(struct probe *p, int n)
{
    g_mutex_lock(&p->lock);
    while (p->ran < n) {
        g_cond_wait(&p->cond, &p->lock);
    }
    g_mutex_unlock(&p->lock);
}

static void
note_thread(void *ud)
{
    struct probe *p = ud;

    g_mutex_lock(&p->lock);
    p->thread = g_thread_self();
    p->ctx = g_main_context_get_thread_default();
    p->init_done = true;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

/* A call posted from the main thread runs on the loop thread, with its context as the
 * thread's default one. */
static void
test_post_runs_on_thread(void **state)
{
    struct probe p;
    struct bld_thread *t = bld_thread_new("t-post");

    probe_init(&p);
    bld_thread_run(t, note_thread, NULL, &p);
    bld_post(bld_thread_context(t), record, &p, notified);
    wait_ran(&p, 1);
    bld_thread_stop(t);
    assert_true(p.init_done);
    assert_ptr_equal(p.ran_on, p.thread);
    assert_ptr_not_equal(p.ran_on, g_thread_self());
    assert_int_equal(p.notified, 0); /* run: the data was the call's, not dropped */
    probe_clear(&p);
}

/* From the thread, a call posted to the main context while nobody runs it yet (the daemon's
 * start) waits for the main thread: g_main_context_invoke would run it there and then. */
static void
post_to_main(void *ud)
{
    struct probe *p = ud;

    bld_post(g_main_context_default(), record, p, NULL);
    note_thread(p);
}

static void
test_post_to_main_waits(void **state)
{
    struct probe p;
    struct bld_thread *t = bld_thread_new("t-main");

    probe_init(&p);
    bld_thread_run(t, post_to_main, NULL, &p);
    g_mutex_lock(&p.lock);
    while (!p.init_done) {
        g_cond_wait(&p.cond, &p.lock);
    }
    g_mutex_unlock(&p.lock);
    assert_int_equal(p.ran, 0);
    while (p.ran == 0) {
        g_main_context_iteration(NULL, TRUE);
    }
    assert_ptr_equal(p.ran_on, g_thread_self());
    bld_thread_stop(t);
    probe_clear(&p);
}

static void
count_fini(void *ud)
{
    notified(ud);
}

/* Stopped at once, maybe before its loop ran: the stop is not lost, fini runs. */
static void
test_stop_at_once(void **state)
{
    for (int i = 0; i < 50; i++) {
        struct probe p;
        struct bld_thread *t = bld_thread_new("t-stop");

        probe_init(&p);
        bld_thread_run(t, NULL, count_fini, &p);
        bld_thread_stop(t);
        assert_int_equal(p.notified, 1);
        probe_clear(&p);
    }
    bld_thread_stop(bld_thread_new("t-never")); /* never run */
}

/* A call still queued when the thread stops is not run, and its data is dropped. */
static void
test_unrun_released(void **state)
{
    struct probe p;
    struct bld_thread *t = bld_thread_new("t-unrun");

    probe_init(&p);
    bld_post(bld_thread_context(t), record, &p, notified);
    bld_thread_stop(t);
    assert_int_equal(p.ran, 0);
    assert_int_equal(p.notified, 1);
    probe_clear(&p);
}

/* A child's end, watched from the thread (as bl_pcmk runs attrd_updater), reaches the
 * thread's context, not the default one, which nobody iterates here. */
static void
on_child_done(GObject *src, GAsyncResult *res, gpointer ud)
{
    struct probe *p = ud;

    assert_true(g_subprocess_wait_check_finish(G_SUBPROCESS(src), res, NULL));
    record(p);
}

static void
spawn_child(void *ud)
{
    struct probe *p = ud;
    GSubprocess *proc = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, NULL, "true", NULL);

    note_thread(p);
    assert_non_null(proc);
    g_subprocess_wait_check_async(proc, NULL, on_child_done, p);
    g_object_unref(proc);
}

static void
test_child_watch_on_thread(void **state)
{
    struct probe p;
    struct bld_thread *t = bld_thread_new("t-child");

    probe_init(&p);
    bld_thread_run(t, spawn_child, NULL, &p);
    wait_ran(&p, 1);
    assert_ptr_equal(p.ran_on, p.thread);
    assert_ptr_equal(p.ctx, bld_thread_context(t));
    bld_thread_stop(t);
    probe_clear(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_runs_on_thread),   cmocka_unit_test(test_post_to_main_waits),
        cmocka_unit_test(test_stop_at_once),          cmocka_unit_test(test_unrun_released),
        cmocka_unit_test(test_child_watch_on_thread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
