/* Process helpers and the posix_spawn runner, against real processes and sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain_exec.h"
#include "chain_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
write_text(const char *path, const char *text)
{
    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static pid_t
fork_pause(void)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        for (;;) {
            pause();
        }
    }
    return pid;
}

static void
test_pidfile_read(void **state)
{
    g_autofree char *path = tmp_path("p.pid");
    pid_t pid = 0;

    write_text(path, "1234\n");
    assert_int_equal(bl_chain_pidfile_read(path, &pid), 0);
    assert_int_equal(pid, 1234);
    write_text(path, "  \n");
    assert_int_equal(bl_chain_pidfile_read(path, &pid), BL_E_INVALID);
    write_text(path, "12ab\n");
    assert_int_equal(bl_chain_pidfile_read(path, &pid), BL_E_INVALID);
    write_text(path, "1\n"); /* init is never a member */
    assert_int_equal(bl_chain_pidfile_read(path, &pid), BL_E_INVALID);
    write_text(path, "-5\n");
    assert_int_equal(bl_chain_pidfile_read(path, &pid), BL_E_INVALID);
    write_text(path, "99999999999\n");
    assert_int_equal(bl_chain_pidfile_read(path, &pid), BL_E_INVALID);
    g_unlink(path);
    assert_int_equal(bl_chain_pidfile_read(path, &pid), -ENOENT);
    assert_int_equal(bl_chain_pidfile_write(path, 4321), 0);
    assert_int_equal(bl_chain_pidfile_read(path, &pid), 0);
    assert_int_equal(pid, 4321);
    g_unlink(path);
}

static void
test_identity(void **state)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *path = tmp_path("child.pid");
    pid_t child = fork_pause();
    int fd = -1;
    pid_t got = 0;

    assert_true(bl_chain_proc_runs(getpid(), self));
    assert_false(bl_chain_proc_runs(getpid(), "/usr/bin/false"));
    assert_int_equal(bl_chain_pidfile_write(path, child), 0);
    assert_int_equal(bl_chain_proc_open_member(path, self, &fd, &got), 0);
    assert_int_equal(got, child);
    /* someone else's process: not the member's, never reported running */
    assert_false(bl_chain_proc_member_alive(path, "/usr/sbin/some-member"));
    assert_int_equal(bl_chain_pidfd_wait(fd, 20), BL_E_TIMEOUT);
    assert_int_equal(bl_chain_pidfd_kill(fd, child, SIGTERM, false), 0);
    assert_int_equal(bl_chain_pidfd_wait(fd, 5000), 0);
    /* an unreaped zombie is not running either */
    assert_false(bl_chain_proc_member_alive(path, self));
    close(fd);
    waitpid(child, NULL, 0);
    assert_false(bl_chain_proc_member_alive(path, self));
    g_unlink(path);
}

static void
test_tcp_probe(void **state)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned port;

    assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
    port = ntohs(sa.sin_port);
    assert_int_equal(bl_chain_tcp_probe("127.0.0.1", port, 1000), 0);
    close(fd);
    assert_int_equal(bl_chain_tcp_probe("127.0.0.1", port, 1000), -ECONNREFUSED);
    assert_int_equal(bl_chain_tcp_probe("not-an-address", port, 1000), BL_E_INVALID);
}

static void
test_run_status_and_output(void **state)
{
    char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    struct bl_exec_req req = {.argv = argv, .timeout_ms = 5000};
    struct bl_exec_res res;

    assert_int_equal(bl_chain_exec_posix.run(NULL, &req, &res), 0);
    assert_false(bl_chain_exec_ok(&res));
    assert_int_equal(bl_chain_exec_exit_code(&res), 3);
    assert_string_equal(res.output, "out\nerr");
    bl_chain_exec_res_clear(&res);
}

static void
test_run_environment(void **state)
{
    char *argv[] = {"/bin/sh", "-c", "echo \"[$OCF_RESKEY_passwd][$BMCLINK_START_MODE]\"", NULL};
    char *env[] = {"BMCLINK_START_MODE=FAILOVER", NULL};
    struct bl_exec_req req = {.argv = argv, .env = env, .timeout_ms = 5000};
    struct bl_exec_res res;

    g_setenv("OCF_RESKEY_passwd", "secret", TRUE);
    assert_int_equal(bl_chain_exec_posix.run(NULL, &req, &res), 0);
    assert_string_equal(res.output, "[][FAILOVER]");
    bl_chain_exec_res_clear(&res);
    g_unsetenv("OCF_RESKEY_passwd");
}

/* A hung command is killed with everything it started, at its deadline. */
static void
test_run_timeout_kills_group(void **state)
{
    g_autofree char *pidfile = tmp_path("bg.pid");
    g_autofree char *script = g_strdup_printf("sleep 60 & echo $! > %s; sleep 60", pidfile);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct bl_exec_req req = {.argv = argv, .timeout_ms = 300};
    struct bl_exec_res res;
    int64_t t0 = bl_chain_mono_ms();
    pid_t bg = 0;

    assert_int_equal(bl_chain_exec_posix.run(NULL, &req, &res), BL_E_TIMEOUT);
    assert_true(res.timed_out);
    assert_true(bl_chain_mono_ms() - t0 < 3000);
    assert_int_equal(bl_chain_pidfile_read(pidfile, &bg), 0);
    /* reparented to init; killed, perhaps not yet reaped (a zombie does not run) */
    for (int i = 0; i < 100 && bl_chain_proc_runs(bg, "/usr/bin/sleep"); i++) {
        g_usleep(10000);
    }
    assert_false(bl_chain_proc_runs(bg, "/usr/bin/sleep"));
    bl_chain_exec_res_clear(&res);
    g_unlink(pidfile);
}

static void
test_run_detach_and_log(void **state)
{
    g_autofree char *log = tmp_path("out.log");
    char *argv[] = {"/bin/sh", "-c", "echo logged; exec sleep 60", NULL};
    struct bl_exec_req req = {.argv = argv, .output = log, .detach = true};
    struct bl_exec_res res;
    g_autofree char *text = NULL;

    assert_int_equal(bl_chain_exec_posix.run(NULL, &req, &res), 0);
    assert_true(res.pid > 0);
    for (int i = 0; i < 200 && !bl_chain_proc_runs(res.pid, "/usr/bin/sleep"); i++) {
        g_usleep(5000);
    }
    assert_true(bl_chain_proc_runs(res.pid, "/usr/bin/sleep"));
    assert_true(g_file_get_contents(log, &text, NULL, NULL));
    assert_string_equal(text, "logged\n");
    kill(res.pid, SIGKILL);
    waitpid(res.pid, NULL, 0);
    bl_chain_exec_res_clear(&res);
    g_unlink(log);
}

static void
test_run_missing_program(void **state)
{
    char *argv[] = {"/nonexistent/program", NULL};
    struct bl_exec_req req = {.argv = argv, .timeout_ms = 1000};
    struct bl_exec_res res;

    assert_int_equal(bl_chain_exec_posix.run(NULL, &req, &res), -ENOENT);
    bl_chain_exec_res_clear(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pidfile_read),       cmocka_unit_test(test_identity),
        cmocka_unit_test(test_tcp_probe),          cmocka_unit_test(test_run_status_and_output),
        cmocka_unit_test(test_run_environment),    cmocka_unit_test(test_run_timeout_kills_group),
        cmocka_unit_test(test_run_detach_and_log), cmocka_unit_test(test_run_missing_program),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
