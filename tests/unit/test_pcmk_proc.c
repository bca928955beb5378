/*
 * The Pacemaker tools backend (monitor/pcmk/pcmk_proc.c) running real subprocesses: stand-in
 * tools (shell scripts in a temporary directory) record their argv, environment, stdin and
 * open fds, fail, hang or print crm_mon XML, so argv building, exit codes, timeouts,
 * queueing, cancellation and fd hygiene are checked against the kernel, not a mock.
 */
#include "bl_result.h"
#include "pcmk.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fixture {
    char *dir;
    struct bl_pcmk_tools tools;
    char *tool[5];
    struct bl_pcmk *p;
    struct bl_pcmk_client c;
};

/* One finished call as seen by its callback. */
struct result {
    int calls;
    int rc;
    char detail[200];
    size_t n_nodes;
    int64_t when;
    gint64 at_us;
};

static void
write_script(const char *path, const char *body)
{
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(g_chmod(path, 0700), 0);
}

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    static const char *names[5] = {"attrd_updater", "crm_attribute", "crm_resource", "crm_mon",
                                   "stonith_admin"};

    f->dir = g_dir_make_tmp("bl-pcmk-XXXXXX", NULL);
    assert_non_null(f->dir);
    g_setenv("FAKE_DIR", f->dir, TRUE);
    for (size_t i = 0; i < 5; i++) {
        f->tool[i] = g_build_filename(f->dir, names[i], NULL);
        /* default: record argv, one line per call */
        write_script(f->tool[i], "echo \"$0 $*\" >> \"$FAKE_DIR/calls\"");
    }
    bl_pcmk_tools_init(&f->tools);
    f->tools.attrd_updater = f->tool[0];
    f->tools.crm_attribute = f->tool[1];
    f->tools.crm_resource = f->tool[2];
    f->tools.crm_mon = f->tool[3];
    f->tools.stonith_admin = f->tool[4];
    f->tools.timeout_ms = 3000;
    assert_int_equal(bl_pcmk_new(NULL, &f->tools, &f->p), 0);
    bl_pcmk_client(f->p, &f->c);
    *state = f;
    return 0;
}

static void
drain(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    bl_pcmk_free(f->p);
    /* completions of killed tools still arrive: let them free their calls */
    for (int i = 0; i < 200; i++) {
        g_usleep(5000);
        drain();
    }
    assert_int_equal(system(cmd), 0);
    for (size_t i = 0; i < 5; i++) {
        g_free(f->tool[i]);
    }
    g_free(f->dir);
    g_free(f);
    return 0;
}

static void
on_done(int rc, const char *detail, void *ud)
{
    struct result *r = ud;

    r->calls++;
    r->rc = rc;
    r->at_us = g_get_monotonic_time();
    snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
}

static void
on_status(int rc, const struct bl_pcmk_status *st, void *ud)
{
    struct result *r = ud;

    r->calls++;
    r->rc = rc;
    r->n_nodes = st != NULL ? st->n_nodes : 0;
    if (rc == 0) {
        assert_non_null(st);
    } else {
        assert_null(st);
    }
}

static gboolean
wake(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* Run the default context until every result has been called or 5 s passed. */
static void
wait_for(struct result *r, size_t n)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    g_autoptr(GSource) tick = g_timeout_source_new(50);

    g_source_set_callback(tick, wake, NULL, NULL);
    g_source_attach(tick, NULL);

    for (;;) {
        size_t done = 0;
        for (size_t i = 0; i < n; i++) {
            done += r[i].calls > 0 ? 1 : 0;
        }
        if (done == n) {
            g_source_destroy(tick);
            return;
        }
        assert_true(g_get_monotonic_time() < deadline);
        g_main_context_iteration(NULL, TRUE);
    }
}

static char *
read_file(struct fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    char *text = NULL;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void
test_attribute_argv(void **state)
{
    struct fixture *f = *state;
    struct result r[3] = {0};
    g_autofree char *calls = NULL;
    g_autofree char *expect = NULL;

    assert_int_equal(f->c.ops->attr_set(f->p, "node1", "bmclink-evacuate", "1", on_done, &r[0]), 0);
    assert_int_equal(r[0].calls, 0); /* never from inside the call */
    wait_for(r, 1);
    assert_int_equal(f->c.ops->attr_set(f->p, "node1", "bmclink-evacuate", NULL, on_done, &r[1]),
                     0);
    wait_for(r + 1, 1);
    assert_int_equal(f->c.ops->standby(f->p, "node2", true, on_done, &r[2]), 0);
    wait_for(r + 2, 1);
    assert_int_equal(r[0].rc, 0);
    assert_string_equal(r[0].detail, "exit 0");
    calls = read_file(f, "calls");
    expect = g_strdup_printf("%s --name bmclink-evacuate --node node1 --update 1\n"
                             "%s --name bmclink-evacuate --node node1 --delete\n"
                             "%s --node node2 --name standby --lifetime reboot --update on\n",
                             f->tool[0], f->tool[0], f->tool[1]);
    assert_string_equal(calls, expect);
    assert_int_equal(f->c.ops->attr_set(f->p, "", "x", "1", on_done, &r[0]), BL_E_INVALID);
    assert_int_equal(f->c.ops->attr_set(f->p, "n", "x", "1", NULL, NULL), BL_E_INVALID);
}

static void
test_exit_status_and_stderr(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};

    write_script(f->tool[0], "echo 'attrd_updater: Could not update: No such device' >&2\n"
                             "printf 'second line\\n' >&2\nexit 3");
    assert_int_equal(f->c.ops->attr_set(f->p, "node1", "a", "1", on_done, &r), 0);
    wait_for(&r, 1);
    assert_int_equal(r.rc, -EIO);
    assert_string_equal(r.detail, "exit 3: attrd_updater: Could not update: No such device");
}

static void
test_status_parsed(void **state)
{
    struct fixture *f = *state;
    struct result r[2] = {0};

    write_script(f->tool[3], "echo \"$*\" > \"$FAKE_DIR/mon-args\"\n"
                             "echo '<pacemaker-result><nodes><node name=\"n1\" online=\"true\"/>"
                             "<node name=\"n2\" online=\"true\"/></nodes><status code=\"0\"/>"
                             "</pacemaker-result>'");
    assert_int_equal(f->c.ops->status(f->p, on_status, &r[0]), 0);
    wait_for(r, 1);
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[0].n_nodes, 2);
    g_autofree char *args = read_file(f, "mon-args");
    assert_string_equal(args, "--one-shot --output-as=xml --include=none,nodes,resources\n");

    write_script(f->tool[3], "echo '<pacemaker-result><nodes>'");
    assert_int_equal(f->c.ops->status(f->p, on_status, &r[1]), 0);
    wait_for(r + 1, 1);
    assert_int_equal(r[1].rc, BL_E_PROTO);
}

static void
test_timeout_kills(void **state)
{
    struct fixture *f = *state;
    struct result r[2] = {0};
    gint64 t0 = g_get_monotonic_time();
    const char *hang[] = {"/bin/sleep", "30", NULL};
    /* exits at once, but a grandchild keeps the output pipe open */
    const char *held[] = {"/bin/sh", "-c", "sleep 3 & exit 0", NULL};

    assert_int_equal(f->c.ops->run(f->p, hang, NULL, 300, on_done, &r[0]), 0);
    assert_int_equal(f->c.ops->run(f->p, held, NULL, 300, on_done, &r[1]), 0);
    wait_for(r, 2);
    assert_int_equal(r[0].rc, BL_E_TIMEOUT);
    assert_int_equal(r[1].rc, BL_E_TIMEOUT);
    assert_string_equal(r[0].detail, "killed after 300 ms");
    assert_true(r[0].at_us - t0 < 2 * G_USEC_PER_SEC);
    assert_true(r[1].at_us - t0 < 2 * G_USEC_PER_SEC);
}

/* Environment added, LC_ALL=C, stdin empty, no fd of ours leaks into the tool. */
static void
test_run_env_stdin_fds(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};
    g_autofree char *script = g_build_filename(f->dir, "probe", NULL);
    const char *argv[] = {script, "arg one", NULL};
    const char *env[] = {"BMCLINK_NODE=node1", "BMCLINK_RESULT=a=b", NULL};
    /* deliberately without O_CLOEXEC, and above 10: dash keeps its script on fd 10, which
     * a low-numbered leak could be mistaken for */
    int null_fd = open("/dev/null", O_RDONLY);
    int leak = fcntl(null_fd, F_DUPFD, 50);

    write_script(script, "echo \"$1|$BMCLINK_NODE|$BMCLINK_RESULT|$LC_ALL\" > \"$FAKE_DIR/env\"\n"
                         "cat > \"$FAKE_DIR/stdin\"\n"
                         "ls /proc/$$/fd | sort -n | tr '\\n' ' ' > \"$FAKE_DIR/fds\"");
    assert_true(leak > 2);
    assert_int_equal(f->c.ops->run(f->p, argv, env, 2000, on_done, &r), 0);
    wait_for(&r, 1);
    close(leak);
    close(null_fd);
    assert_int_equal(r.rc, 0);
    g_autofree char *e = read_file(f, "env");
    g_autofree char *in = read_file(f, "stdin");
    g_autofree char *fds = read_file(f, "fds");
    assert_string_equal(e, "arg one|node1|a=b|C\n");
    assert_string_equal(in, "");
    g_autofree char *spaced = g_strdup_printf(" %s", fds);
    g_autofree char *leaked = g_strdup_printf(" %d ", leak);
    assert_true(g_str_has_prefix(fds, "0 1 2 ")); /* dash adds its script's fd 10 */
    assert_null(strstr(spaced, leaked));
    const char *bad_env[] = {"NOEQUALS", NULL};
    assert_int_equal(f->c.ops->run(f->p, argv, bad_env, 100, on_done, &r), BL_E_INVALID);
}

static void
test_spawn_failure_async(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};
    const char *argv[] = {"/nonexistent/tool", NULL};

    assert_int_equal(f->c.ops->run(f->p, argv, NULL, 1000, on_done, &r), 0);
    assert_int_equal(r.calls, 0);
    wait_for(&r, 1);
    assert_int_equal(r.rc, -ENOENT);
}

static void
test_parallel_limit_and_order(void **state)
{
    struct fixture *f = *state;
    struct result r[5] = {0};
    struct bl_pcmk_stats st;
    const char *argv[] = {"/bin/sleep", "0.2", NULL};

    bl_pcmk_free(f->p);
    f->tools.parallel = 2;
    assert_int_equal(bl_pcmk_new(NULL, &f->tools, &f->p), 0);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(f->c.ops->run(f->p, argv, NULL, 3000, on_done, &r[i]), 0);
    }
    bl_pcmk_get_stats(f->p, &st);
    assert_int_equal(st.running, 2);
    assert_int_equal(st.queued, 3);
    wait_for(r, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(r[i].rc, 0);
    }
    assert_true(r[4].at_us - r[0].at_us >= 350000); /* three rounds of 0.2 s, not one */
    bl_pcmk_get_stats(f->p, &st);
    assert_int_equal(st.started, 5);
    assert_int_equal(st.running, 0);
}

static void
test_cancel(void **state)
{
    struct fixture *f = *state;
    struct result mine[3] = {0}, other = {0};
    const char *argv[] = {"/bin/sleep", "0.3", NULL};

    bl_pcmk_free(f->p);
    f->tools.parallel = 2;
    assert_int_equal(bl_pcmk_new(NULL, &f->tools, &f->p), 0);
    for (size_t i = 0; i < 3; i++) { /* two running, one queued */
        assert_int_equal(f->c.ops->run(f->p, argv, NULL, 3000, on_done, &mine[i]), 0);
    }
    assert_int_equal(f->c.ops->run(f->p, argv, NULL, 3000, on_done, &other), 0);
    for (size_t i = 0; i < 3; i++) {
        f->c.ops->cancel(f->p, &mine[i]);
        assert_int_equal(mine[i].calls, 1);
        assert_int_equal(mine[i].rc, -ECANCELED);
    }
    wait_for(&other, 1);
    assert_int_equal(other.rc, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mine[i].calls, 1); /* never a second time */
    }
}

static void
test_free_cancels(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};
    const char *argv[] = {"/bin/sleep", "5", NULL};

    assert_int_equal(f->c.ops->run(f->p, argv, NULL, 10000, on_done, &r), 0);
    bl_pcmk_free(f->p);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, -ECANCELED);
    assert_int_equal(bl_pcmk_new(NULL, &f->tools, &f->p), 0);
}

static void
test_restart_argv(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};
    g_autofree char *expect = NULL;

    assert_int_equal(f->c.ops->restart(f->p, "grp", 15000, on_done, &r), 0);
    wait_for(&r, 1);
    g_autofree char *calls = read_file(f, "calls");
    expect = g_strdup_printf("%s --restart --resource grp --timeout=15000ms\n", f->tool[2]);
    assert_string_equal(calls, expect);
}

static void
on_fenced(int rc, int64_t when, const char *detail, void *ud)
{
    struct result *r = ud;

    r->calls++;
    r->rc = rc;
    r->when = when;
    snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
}

/* stonith_admin --last N --as-node-id, in UTC whatever the daemon's zone; its answer parsed,
 * an answer we cannot read refused. */
static void
test_last_fenced(void **state)
{
    struct fixture *f = *state;
    struct result r = {0};

    write_script(f->tool[4], "echo \"$* TZ=$TZ\" >> \"$FAKE_DIR/calls\"\n"
                             "echo \"Node $2 last fenced at: Sun Dec  6 17:15:55 2026\"");
    g_setenv("TZ", "Asia/Tokyo", TRUE);
    assert_int_equal(f->c.ops->last_fenced(f->p, 2, on_fenced, &r), 0);
    wait_for(&r, 1);
    g_unsetenv("TZ");
    assert_string_equal(r.detail, "exit 0");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.when, 1796577355);
    g_autofree char *calls = read_file(f, "calls");
    assert_string_equal(calls, "--last 2 --as-node-id TZ=UTC\n");

    struct result bad = {0};
    write_script(f->tool[4], "echo 'Node 2 last fenced at: soon'");
    assert_int_equal(f->c.ops->last_fenced(f->p, 2, on_fenced, &bad), 0);
    wait_for(&bad, 1);
    assert_int_equal(bad.rc, BL_E_PROTO);
    assert_int_equal(f->c.ops->last_fenced(f->p, 0, on_fenced, &r), BL_E_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attribute_argv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_status_and_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_env_stdin_fds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_failure_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_limit_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_argv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_fenced, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
