/*
 * lib/bl_log.c: messages from two threads all kept (libqb alone drops some), the log file
 * reopened by its path after logrotate renamed it and not inherited by programs we run,
 * debug raised and lowered at run time, syslog facilities spelled as Pacemaker's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bl_log.h"

struct fixture {
    char *dir;
    char *path; /* dir/test.log */
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->dir = g_dir_make_tmp("bl-log-XXXXXX", NULL);
    assert_non_null(f->dir);
    f->path = g_build_filename(f->dir, "test.log", NULL);
    bl_log_init("test_log", 0, LOG_INFO);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    g_autofree char *rotated = g_strconcat(f->path, ".1", NULL);

    bl_log_fini();
    g_unlink(rotated);
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static bool
file_has(const char *path, const char *text)
{
    g_autofree char *content = NULL;

    return g_file_get_contents(path, &content, NULL, NULL) && strstr(content, text) != NULL;
}

static gint counted; /* messages the counting target received */

static void
count_message(int32_t t, struct qb_log_callsite *cs, struct timespec *ts, const char *msg)
{
    g_atomic_int_inc(&counted);
}

#define PER_THREAD 50000

static gpointer
log_many(gpointer unused)
{
    for (int i = 0; i < PER_THREAD; i++) {
        qb_log(LOG_INFO, "message %d", i);
    }
    return NULL;
}

/* Without the lock libqb keeps a fraction of them, by how the threads happen to overlap. */
static void
test_two_threads_lose_nothing(void **state)
{
    int32_t t = qb_log_custom_open((qb_log_logger_fn) count_message, NULL, NULL, NULL);
    GThread *a;
    GThread *b;

    assert_true(t >= 0);
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_INFO);
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
    g_atomic_int_set(&counted, 0);
    a = g_thread_new("log-a", log_many, NULL);
    b = g_thread_new("log-b", log_many, NULL);
    g_thread_join(a);
    g_thread_join(b);
    qb_log_custom_close(t);
    assert_int_equal(g_atomic_int_get(&counted), 2 * PER_THREAD);
}

/* The descriptor of path in this process: FD_CLOEXEC set? -1 when not open. */
static int
cloexec_of(const char *path)
{
    g_autoptr(GDir) fds = g_dir_open("/proc/self/fd", 0, NULL);
    const char *name;

    while (fds != NULL && (name = g_dir_read_name(fds)) != NULL) {
        g_autofree char *link = g_build_filename("/proc/self/fd", name, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        if (target != NULL && strcmp(target, path) == 0) {
            return (fcntl(atoi(name), F_GETFD) & FD_CLOEXEC) != 0;
        }
    }
    return -1;
}

/* logrotate renames the file, then SIGHUP: what follows goes to a new file of that name. */
static void
test_file_reopened_after_rotation(void **state)
{
    struct fixture *f = *state;
    g_autofree char *rotated = g_strconcat(f->path, ".1", NULL);
    GStatBuf st;

    assert_int_equal(bl_log_reopen_file(), 0); /* no file yet: nothing to do */
    assert_int_equal(bl_log_open_file(f->path), 0);
    assert_string_equal(bl_log_file(), f->path);
    assert_int_equal(bl_log_open_file(f->path), -EEXIST);
    assert_int_equal(cloexec_of(f->path), 1);
    qb_log(LOG_NOTICE, "before rotation");
    assert_int_equal(g_rename(f->path, rotated), 0);
    qb_log(LOG_NOTICE, "still the old file");
    assert_int_equal(bl_log_reopen_file(), 0);
    qb_log(LOG_NOTICE, "after rotation");

    assert_true(file_has(rotated, "before rotation"));
    assert_true(file_has(rotated, "still the old file"));
    assert_false(file_has(rotated, "after rotation"));
    assert_true(file_has(f->path, "after rotation"));
    assert_false(file_has(f->path, "before rotation"));
    assert_int_equal(cloexec_of(f->path), 1);
    assert_int_equal(cloexec_of(rotated), -1);
    assert_int_equal(g_stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0007, 0); /* not world-readable: as logrotate creates it */
}

/* SIGUSR1/SIGUSR2 of bmclinkd: debug on every target, then the configured level again. */
static void
test_debug_raised_and_lowered(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(bl_log_open_file(f->path), 0);
    qb_log(LOG_DEBUG, "debug one");
    qb_log(LOG_INFO, "info one");
    bl_log_set_debug(true);
    qb_log(LOG_DEBUG, "debug two");
    bl_log_set_debug(false);
    qb_log(LOG_DEBUG, "debug three");
    qb_log(LOG_INFO, "info three");
    bl_log_set_priority(LOG_WARNING);
    qb_log(LOG_INFO, "info four");
    bl_log_set_debug(true);
    bl_log_set_debug(false); /* back to the level last configured, not the first */
    qb_log(LOG_INFO, "info five");
    qb_log(LOG_WARNING, "warning five");

    assert_false(file_has(f->path, "debug one"));
    assert_true(file_has(f->path, "info one"));
    assert_true(file_has(f->path, "debug two"));
    assert_false(file_has(f->path, "debug three"));
    assert_true(file_has(f->path, "info three"));
    assert_false(file_has(f->path, "info four"));
    assert_false(file_has(f->path, "info five"));
    assert_true(file_has(f->path, "warning five"));
}

static void
test_facility_names(void **state)
{
    static const char *const good[] = {"daemon", "user", "local0", "local7", "none"};
    static const char *const bad[] = {"Daemon", "local8", "syslogd", " daemon"};

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(bl_log_set_facility(good[i]), 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(bl_log_set_facility(bad[i]), -EINVAL);
    }
    assert_int_equal(bl_log_set_facility(NULL), 0);
    assert_int_equal(bl_log_set_facility(""), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_threads_lose_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_reopened_after_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debug_raised_and_lowered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facility_names, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
