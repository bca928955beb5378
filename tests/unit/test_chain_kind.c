/*
 * Member kinds. systemd and LSB go through a scripted fake runner (no systemd here, and the
 * runner is their seam); the daemon kind runs the real bl-test-member.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain.h"
#include "chain_kind.h"
#include "chain_proc.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAKE_TIMEOUT (-1)

struct fake_reply {
    const char *match; /* substring of the joined argv */
    int exit_code;     /* or FAKE_TIMEOUT */
    const char *output;
};

struct fake_exec {
    GPtrArray *calls;
    const struct fake_reply *replies;
};

static int
fake_run(void *ctx, const struct bl_exec_req *req, struct bl_exec_res *res)
{
    struct fake_exec *f = ctx;
    char *joined = g_strjoinv(" ", (char **) req->argv);

    memset(res, 0, sizeof(*res));
    g_ptr_array_add(f->calls, joined);
    for (const struct fake_reply *r = f->replies; r != NULL && r->match != NULL; r++) {
        if (strstr(joined, r->match) == NULL) {
            continue;
        }
        if (r->exit_code == FAKE_TIMEOUT) {
            res->timed_out = true;
            res->status = W_EXITCODE(0, SIGKILL);
            return BL_E_TIMEOUT;
        }
        res->status = W_EXITCODE(r->exit_code, 0);
        res->output = g_strdup(r->output);
        return 0;
    }
    return 0;
}

static const struct bl_exec_ops fake_ops = {.run = fake_run};

static struct bl_chain *
load(const char *text)
{
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    if (bl_chain_load_text(text, "<test>", NULL, &c, &err) != 0) {
        fail_msg("%s", err);
    }
    return c;
}

static void
sys_with_fake(struct bl_chain_sys *sys, struct fake_exec *f, const struct fake_reply *replies)
{
    memset(sys, 0, sizeof(*sys));
    f->calls = g_ptr_array_new_with_free_func(g_free);
    f->replies = replies;
    sys->exec = &fake_ops;
    sys->exec_ctx = f;
    sys->systemd_run_dir = tmpdir; /* "systemd is running" */
    sys->sysconf_dir = tmpdir;
    bl_chain_sys_defaults(sys);
}

static const struct bl_chain_member **
all_members(const struct bl_chain *c)
{
    const struct bl_chain_member **m = g_new0(const struct bl_chain_member *, c->n_members);

    for (size_t i = 0; i < c->n_members; i++) {
        m[i] = &c->members[i];
    }
    return m;
}

/* Eleven systemd members cost one systemctl for their states. */
static void
test_systemd_status_batch(void **state)
{
    GString *chain = g_string_new(NULL);
    GString *show = g_string_new(NULL);
    static const char *const active[] = {"active", "inactive", "failed", "activating"};
    static const enum bl_member_state expect[] = {BL_MEMBER_RUNNING, BL_MEMBER_STOPPED,
                                                  BL_MEMBER_FAILED, BL_MEMBER_RUNNING};
    struct fake_exec f;
    struct bl_chain_sys sys;
    enum bl_member_state st[11];

    for (int i = 0; i < 11; i++) {
        g_string_append_printf(chain, "[member m%d];kind=systemd;unit=u%d;", i, i);
        g_string_append_printf(show,
                               "Id=u%d.service\nLoadState=loaded\nActiveState=%s\n"
                               "UnitFileState=disabled\n\n",
                               i, active[i % 4]);
    }
    struct fake_reply replies[] = {{" show ", 0, show->str}, {NULL, 0, NULL}};
    struct bl_chain *c = load(chain->str);
    g_autofree const struct bl_chain_member **m = all_members(c);
    sys_with_fake(&sys, &f, replies);

    assert_int_equal(bl_chain_kind_systemd.status(&sys, m, 11, st), 0);
    assert_int_equal(f.calls->len, 1);
    assert_non_null(strstr(g_ptr_array_index(f.calls, 0), "-- u0.service u1.service"));
    for (int i = 0; i < 11; i++) {
        assert_int_equal(st[i], expect[i % 4]);
    }
    replies[0].output = "Id=u0.service\nActiveState=active\n"; /* one block for 11 units */
    assert_int_equal(bl_chain_kind_systemd.status(&sys, m, 11, st), BL_E_PROTO);
    assert_int_equal(st[0], BL_MEMBER_FAILED);
    /* no systemd on this node: every unit is stopped, nothing is run, stop is a no-op */
    sys.systemd_run_dir = "/nonexistent";
    assert_int_equal(bl_chain_kind_systemd.status(&sys, m, 11, st), 0);
    assert_int_equal(st[3], BL_MEMBER_STOPPED);
    assert_int_equal(bl_chain_kind_systemd.stop(&sys, m[0], 1000, NULL), 0);
    assert_int_equal(f.calls->len, 2);
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
    g_string_free(chain, TRUE);
    g_string_free(show, TRUE);
}

static void
test_systemd_check(void **state)
{
    const struct fake_reply replies[] = {
        {" show ", 0,
         "LoadState=loaded\nActiveState=inactive\nUnitFileState=enabled\n\n"
         "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n\n"
         "LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n"},
        {NULL, 0, NULL}};
    struct bl_chain *c = load("[member a];kind=systemd;unit=a;[member b];kind=systemd;unit=b;"
                              "[member c];kind=systemd;unit=c");
    g_autofree const struct bl_chain_member **m = all_members(c);
    g_autoptr(GString) problems = g_string_new(NULL);
    struct fake_exec f;
    struct bl_chain_sys sys;

    sys_with_fake(&sys, &f, replies);
    assert_int_equal(bl_chain_kind_systemd.check(&sys, m, 3, problems), -ENOENT);
    assert_non_null(strstr(problems->str, "member 'a': unit a.service is enabled at boot"));
    assert_non_null(strstr(problems->str, "member 'b': unit b.service is not-found"));
    g_string_truncate(problems, 0);
    /* three answers for one unit: systemctl's output is not trusted */
    assert_int_equal(bl_chain_kind_systemd.check(&sys, m, 1, problems), -ENOENT);
    assert_non_null(strstr(problems->str, "systemctl show failed"));
    sys.systemd_run_dir = "/nonexistent";
    g_string_truncate(problems, 0);
    assert_int_equal(bl_chain_kind_systemd.check(&sys, m, 3, problems), -ENOENT);
    assert_non_null(strstr(problems->str, "systemd is not running on this node"));
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
}

/* A stop that hangs is followed by SIGKILL through systemd, then judged by the state. */
static void
test_systemd_stop_escalates(void **state)
{
    const struct fake_reply replies[] = {{" stop ", FAKE_TIMEOUT, NULL},
                                         {" kill --signal=SIGKILL", 0, NULL},
                                         {" show ", 0, "ActiveState=failed\n"},
                                         {NULL, 0, NULL}};
    struct bl_chain *c = load("[member a];kind=systemd;unit=a");
    struct fake_exec f;
    struct bl_chain_sys sys;
    g_autofree char *errmsg = NULL;

    sys_with_fake(&sys, &f, replies);
    assert_int_equal(bl_chain_kind_systemd.stop(&sys, &c->members[0], 100, &errmsg), 0);
    assert_int_equal(f.calls->len, 3);
    assert_non_null(strstr(g_ptr_array_index(f.calls, 1), "kill --signal=SIGKILL -- a.service"));
    assert_non_null(strstr(errmsg, "timed out"));
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
}

static void
test_systemd_start_failure(void **state)
{
    const struct fake_reply replies[] = {
        {" start ", 1, "Job for a.service failed because the control process exited"},
        {NULL, 0, NULL}};
    struct bl_chain *c = load("[member a];kind=systemd;unit=a");
    struct fake_exec f;
    struct bl_chain_sys sys;
    g_autofree char *errmsg = NULL;

    sys_with_fake(&sys, &f, replies);
    assert_int_equal(bl_chain_kind_systemd.start(&sys, &c->members[0], 1000, &errmsg), BL_E_STATE);
    assert_non_null(strstr(errmsg, "exited with 1: Job for a.service failed"));
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
}

static void
test_lsb_status_codes(void **state)
{
    const struct fake_reply replies[] = {{"/etc/init.d/run status", 0, NULL},
                                         {"/etc/init.d/stopped status", 3, NULL},
                                         {"/etc/init.d/dead status", 1, NULL},
                                         {"/etc/init.d/unknown status", 4, NULL},
                                         {NULL, 0, NULL}};
    struct bl_chain *c = load("[member a];kind=lsb;script=/etc/init.d/run;"
                              "[member b];kind=lsb;script=/etc/init.d/stopped;"
                              "[member c];kind=lsb;script=/etc/init.d/dead;"
                              "[member d];kind=lsb;script=/etc/init.d/unknown");
    g_autofree const struct bl_chain_member **m = all_members(c);
    struct fake_exec f;
    struct bl_chain_sys sys;
    enum bl_member_state st[4];

    sys_with_fake(&sys, &f, replies);
    assert_int_equal(bl_chain_kind_lsb.status(&sys, m, 4, st), 0);
    assert_int_equal(st[0], BL_MEMBER_RUNNING);
    assert_int_equal(st[1], BL_MEMBER_STOPPED);
    assert_int_equal(st[2], BL_MEMBER_FAILED);
    assert_int_equal(st[3], BL_MEMBER_FAILED);
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
}

/* An init script linked as S?? in an rc directory starts at boot: validate-all refuses it. */
static void
test_lsb_boot_links(void **state)
{
    g_autofree char *initd = g_build_filename(tmpdir, "init.d", NULL);
    g_autofree char *rc2 = g_build_filename(tmpdir, "rc2.d", NULL);
    g_autofree char *script = g_build_filename(initd, "esm", NULL);
    g_autofree char *link = g_build_filename(rc2, "S02esm", NULL);
    g_autofree char *text = g_strdup_printf("[member a];kind=lsb;script=%s", script);
    g_autoptr(GString) problems = g_string_new(NULL);
    struct bl_chain *c = NULL;
    struct fake_exec f;
    struct bl_chain_sys sys;
    const struct bl_chain_member *m;

    g_mkdir_with_parents(initd, 0755);
    g_mkdir_with_parents(rc2, 0755);
    c = load(text);
    m = &c->members[0];
    sys_with_fake(&sys, &f, NULL);
    assert_int_equal(bl_chain_kind_lsb.check(&sys, &m, 1, problems), -ENOENT);
    assert_non_null(strstr(problems->str, "init script"));
    assert_true(g_file_set_contents(script, "#!/bin/sh\n", -1, NULL));
    chmod(script, 0755);
    g_string_truncate(problems, 0);
    assert_int_equal(bl_chain_kind_lsb.check(&sys, &m, 1, problems), 0);
    assert_int_equal(symlink("../init.d/esm", link), 0);
    assert_int_equal(bl_chain_kind_lsb.check(&sys, &m, 1, problems), BL_E_STATE);
    assert_non_null(strstr(problems->str, "is started at boot"));
    unlink(link);
    unlink(script);
    g_rmdir(initd);
    g_rmdir(rc2);
    g_ptr_array_free(f.calls, TRUE);
    bl_chain_free(c);
}

static struct bl_chain *
member_chain(const char *name, const char *extra_args, const char *extra_keys)
{
    g_autofree char *text = g_strdup_printf(
        "[member %s]\nkind = daemon\ncommand = %s --name %s --dir %s --pidfile %s/%s.pid %s\n"
        "pidfile = %s/%s.pid\nstop_timeout = 300ms\nstart_timeout = 5s\n%s\n",
        name, BL_TEST_MEMBER, name, tmpdir, tmpdir, name, extra_args, tmpdir, name, extra_keys);
    struct bl_chain *c = NULL;
    g_autofree char *err = NULL;

    if (bl_chain_load_text(text, "<test>", NULL, &c, &err) != 0) {
        fail_msg("%s", err);
    }
    return c;
}

static enum bl_member_state
daemon_state(const struct bl_chain_sys *sys, const struct bl_chain_member *m)
{
    enum bl_member_state st = BL_MEMBER_FAILED;

    assert_int_equal(bl_chain_kind_daemon.status(sys, &m, 1, &st), 0);
    return st;
}

static void
test_daemon_start_stop(void **state)
{
    struct bl_chain *c = member_chain("d1", "", "");
    const struct bl_chain_member *m = &c->members[0];
    struct bl_chain_sys sys = {0};
    char *env[] = {"BMCLINK_START_MODE=FAILOVER", "BMCLINK_NODE=node7", NULL};
    g_autofree char *log = g_build_filename(tmpdir, "d1.log", NULL);
    g_autofree char *text = NULL;

    sys.member_env = env;
    bl_chain_sys_defaults(&sys);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_STOPPED);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, m, 5000, NULL), 0);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_RUNNING);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, m, 5000, NULL), 0); /* no second copy */
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 5000, NULL), 0);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_STOPPED);
    assert_false(g_file_test(m->pidfile, G_FILE_TEST_EXISTS));
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 5000, NULL), 0); /* idempotent */
    assert_true(g_file_get_contents(log, &text, NULL, NULL));
    assert_non_null(strstr(text, "start #1 "));
    assert_non_null(strstr(text, "mode=FAILOVER node=node7"));
    assert_non_null(strstr(text, "stop #1 "));
    assert_null(strstr(text, "#2"));
    bl_chain_free(c);
}

/* A member that ignores SIGTERM is killed once its stop_timeout passes. */
static void
test_daemon_stop_hang(void **state)
{
    struct bl_chain *c = member_chain("d2", "--ignore-term", "");
    const struct bl_chain_member *m = &c->members[0];
    struct bl_chain_sys sys = {0};
    int64_t t0;

    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, m, 5000, NULL), 0);
    t0 = bl_chain_mono_ms();
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 300, NULL), 0);
    assert_true(bl_chain_mono_ms() - t0 >= 300);
    assert_true(bl_chain_mono_ms() - t0 < 3000);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_STOPPED);
    bl_chain_free(c);
}

static void
test_daemon_start_failures(void **state)
{
    struct bl_chain *fail = member_chain("d3", "--fail-start", "");
    struct bl_chain *hang = member_chain("d4", "--hang-start", "");
    struct bl_chain_sys sys = {0};
    g_autofree char *errmsg = NULL;
    g_autofree char *detail2 = NULL;
    int64_t t0;

    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, &fail->members[0], 5000, &errmsg),
                     BL_E_STATE);
    assert_non_null(strstr(errmsg, "exited with 1: bl-test-member d3: failing on purpose"));
    t0 = bl_chain_mono_ms();
    assert_int_equal(bl_chain_kind_daemon.start(&sys, &hang->members[0], 300, &detail2),
                     BL_E_TIMEOUT);
    assert_true(bl_chain_mono_ms() - t0 < 3000);
    assert_non_null(strstr(detail2, "timed out"));
    bl_chain_free(fail);
    bl_chain_free(hang);
}

/* A pidfile naming another program's process: "not running", and that process survives. */
static void
test_daemon_foreign_pidfile(void **state)
{
    struct bl_chain *c = member_chain("d5", "", "");
    const struct bl_chain_member *m = &c->members[0];
    struct bl_chain_sys sys = {0};
    pid_t other = fork();
    g_autofree char *stat = NULL;

    if (other == 0) {
        execl("/bin/sleep", "sleep", "60", (char *) NULL);
        _exit(127);
    }
    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_pidfile_write(m->pidfile, other), 0);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_STOPPED);
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 300, NULL), 0);
    assert_true(bl_chain_proc_runs(other, "/usr/bin/sleep"));
    assert_false(g_file_test(m->pidfile, G_FILE_TEST_EXISTS));
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
    bl_chain_free(c);
}

static void
test_daemon_foreground(void **state)
{
    g_autofree char *cmd = g_strdup_printf("[member d6]\nkind = daemon\ncommand = %s --name d6 "
                                           "--dir %s --foreground\npidfile = %s/d6.pid\n"
                                           "foreground = true\n",
                                           BL_TEST_MEMBER, tmpdir, tmpdir);
    struct bl_chain *c = load(cmd);
    const struct bl_chain_member *m = &c->members[0];
    struct bl_chain_sys sys = {0};
    pid_t pid = 0;

    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, m, 5000, NULL), 0);
    assert_int_equal(bl_chain_pidfile_read(m->pidfile, &pid), 0);
    for (int i = 0; i < 200 && daemon_state(&sys, m) != BL_MEMBER_RUNNING; i++) {
        g_usleep(5000); /* exec of the detached child */
    }
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_RUNNING);
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 2000, NULL), 0);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_STOPPED);
    bl_chain_free(c);
}

/* /run is empty after a reboot: start makes the pidfile's directory. */
static void
test_daemon_makes_pidfile_dir(void **state)
{
    g_autofree char *text = g_strdup_printf(
        "[member d7]\nkind = daemon\ncommand = %s --name d7 --dir %s --pidfile %s/run/esm/d7.pid\n"
        "pidfile = %s/run/esm/d7.pid\n",
        BL_TEST_MEMBER, tmpdir, tmpdir, tmpdir);
    struct bl_chain *c = load(text);
    const struct bl_chain_member *m = &c->members[0];
    struct bl_chain_sys sys = {0};
    g_autoptr(GString) problems = g_string_new(NULL);

    bl_chain_sys_defaults(&sys);
    assert_int_equal(bl_chain_kind_daemon.check(&sys, &m, 1, problems), 0);
    assert_int_equal(bl_chain_kind_daemon.start(&sys, m, 5000, NULL), 0);
    assert_int_equal(daemon_state(&sys, m), BL_MEMBER_RUNNING);
    assert_int_equal(bl_chain_kind_daemon.stop(&sys, m, 2000, NULL), 0);
    bl_chain_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_systemd_status_batch),
        cmocka_unit_test(test_systemd_check),
        cmocka_unit_test(test_systemd_stop_escalates),
        cmocka_unit_test(test_systemd_start_failure),
        cmocka_unit_test(test_lsb_status_codes),
        cmocka_unit_test(test_lsb_boot_links),
        cmocka_unit_test(test_daemon_start_stop),
        cmocka_unit_test(test_daemon_stop_hang),
        cmocka_unit_test(test_daemon_start_failures),
        cmocka_unit_test(test_daemon_foreign_pidfile),
        cmocka_unit_test(test_daemon_foreground),
        cmocka_unit_test(test_daemon_makes_pidfile_dir),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
