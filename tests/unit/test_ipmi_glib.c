/* Unit tests of the GLib-backed OpenIPMI os_handler: timers, fds, random, clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bl_ipmi_glib.h"

struct fixture {
    GMainContext *ctx;
    os_handler_t *h;
    int fired;
    int ready;
    int freed;
    os_hnd_timer_id_t *timer;
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->ctx = g_main_context_new();
    f->h = bl_ipmi_glib_os_handler_new(f->ctx);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    bl_ipmi_glib_os_handler_free(f->h);
    g_main_context_unref(f->ctx);
    g_free(f);
    return 0;
}

/* Run the context until *flag reaches want, at most 2 s: a stuck test fails, never hangs. */
static void
spin_until(struct fixture *f, const int *flag, int want)
{
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

    while (*flag < want && g_get_monotonic_time() < end) {
        g_main_context_iteration(f->ctx, FALSE);
        g_usleep(1000);
    }
}

static void
on_timer(void *cb_data, os_hnd_timer_id_t *id)
{
    struct fixture *f = cb_data;

    f->fired++;
}

static void
test_timer_fires_once(void **state)
{
    struct fixture *f = *state;
    struct timeval tv = {0, 10000};

    assert_int_equal(f->h->alloc_timer(f->h, &f->timer), 0);
    assert_int_equal(f->h->start_timer(f->h, f->timer, &tv, on_timer, f), 0);
    assert_int_equal(f->h->start_timer(f->h, f->timer, &tv, on_timer, f), EBUSY);
    spin_until(f, &f->fired, 1);
    assert_int_equal(f->fired, 1);
    /* Fired timers are stopped: ESRCH, as OpenIPMI expects. */
    assert_int_equal(f->h->stop_timer(f->h, f->timer), ESRCH);
    assert_int_equal(f->h->free_timer(f->h, f->timer), 0);
}

static void
test_timer_stop_before_firing(void **state)
{
    struct fixture *f = *state;
    struct timeval tv = {0, 5000};

    assert_int_equal(f->h->alloc_timer(f->h, &f->timer), 0);
    assert_int_equal(f->h->start_timer(f->h, f->timer, &tv, on_timer, f), 0);
    assert_int_equal(f->h->stop_timer(f->h, f->timer), 0);
    g_usleep(20000);
    while (g_main_context_iteration(f->ctx, FALSE)) {
    }
    assert_int_equal(f->fired, 0);
    /* Freeing a running timer stops it first. */
    assert_int_equal(f->h->start_timer(f->h, f->timer, &tv, on_timer, f), 0);
    assert_int_equal(f->h->free_timer(f->h, f->timer), 0);
    g_usleep(20000);
    while (g_main_context_iteration(f->ctx, FALSE)) {
    }
    assert_int_equal(f->fired, 0);
}

static void
on_timer_restart(void *cb_data, os_hnd_timer_id_t *id)
{
    struct fixture *f = cb_data;
    struct timeval tv = {0, 1000};

    if (++f->fired < 3) {
        assert_int_equal(f->h->start_timer(f->h, id, &tv, on_timer_restart, f), 0);
    } else {
        assert_int_equal(f->h->free_timer(f->h, id), 0); /* freed from its own callback */
    }
}

static void
test_timer_restart_and_free_in_callback(void **state)
{
    struct fixture *f = *state;
    struct timeval tv = {0, 1000};

    assert_int_equal(f->h->alloc_timer(f->h, &f->timer), 0);
    assert_int_equal(f->h->start_timer(f->h, f->timer, &tv, on_timer_restart, f), 0);
    spin_until(f, &f->fired, 3);
    assert_int_equal(f->fired, 3);
}

static void
on_ready(int fd, void *cb_data, os_hnd_fd_id_t *id)
{
    struct fixture *f = cb_data;
    char c;

    assert_int_equal(read(fd, &c, 1), 1);
    f->ready++;
}

static void
on_freed(int fd, void *data)
{
    struct fixture *f = data;

    f->freed++;
}

static void
test_fd_ready_cloexec_and_freed(void **state)
{
    struct fixture *f = *state;
    os_hnd_fd_id_t *id = NULL;
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
    assert_int_equal(f->h->add_fd_to_wait_for(f->h, fds[0], on_ready, f, on_freed, &id), 0);
    assert_int_not_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    spin_until(f, &f->ready, 1);
    assert_int_equal(f->ready, 1);
    assert_int_equal(f->freed, 0);
    assert_int_equal(f->h->remove_fd_to_wait_for(f->h, id), 0);
    assert_int_equal(f->freed, 1);
    assert_int_equal(write(fds[1], "y", 1), 1);
    while (g_main_context_iteration(f->ctx, FALSE)) {
    }
    assert_int_equal(f->ready, 1);
    close(fds[0]);
    close(fds[1]);
}

static void
test_random_and_clocks(void **state)
{
    struct fixture *f = *state;
    unsigned char a[32] = {0};
    unsigned char zero[32] = {0};
    struct timeval t1;
    struct timeval t2;

    assert_int_equal(f->h->get_random(f->h, a, sizeof(a)), 0);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_int_equal(f->h->get_monotonic_time(f->h, &t1), 0);
    g_usleep(2000);
    assert_int_equal(f->h->get_monotonic_time(f->h, &t2), 0);
    assert_true(t2.tv_sec * 1000000 + t2.tv_usec > t1.tv_sec * 1000000 + t1.tv_usec);
    assert_int_equal(f->h->get_real_time(f->h, &t1), 0);
    assert_true(t1.tv_sec > 1600000000);
    assert_ptr_equal(bl_ipmi_glib_os_handler_context(f->h), f->ctx);
    f->h->log(f->h, IPMI_LOG_INFO, "log line %d", 1); /* goes to qb_log, must not crash */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timer_fires_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_stop_before_firing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_restart_and_free_in_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_ready_cloexec_and_freed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_and_clocks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
