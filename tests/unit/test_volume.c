/*
 * Shared volume: folder parameters, the mount checks (against mountinfo fixtures and a real
 * tmpfs), the atomic first-start copy, and the binds. The bind tests run in a private mount
 * namespace of this process, so nothing they mount outlives it; without the privilege to
 * make one they are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool private_ns;

static void
put(const char *rel, const char *text, mode_t mode)
{
    g_autofree char *p = tmp_path(rel);
    g_autofree char *dir = g_path_get_dirname(p);

    g_mkdir_with_parents(dir, 0755);
    assert_true(g_file_set_contents(p, text, -1, NULL));
    chmod(p, mode);
}

static void
rm_rf(const char *path)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

    assert_int_equal(system(cmd), 0);
}

static void
test_parse_folders(void **state)
{
    struct bl_volume v = {0};
    char *err = NULL;

    assert_int_equal(bl_volume_parse_folders(&v,
                                             "work=/opt/esm/work:root:root:0750 /var/db,"
                                             "/srv/pkg::0",
                                             NULL, "root", "0700", &err),
                     0);
    assert_int_equal(v.n_folders, 3);
    assert_string_equal(v.folders[0].name, "work");
    assert_string_equal(v.folders[0].path, "/opt/esm/work");
    assert_int_equal(v.folders[0].uid, 0);
    assert_int_equal(v.folders[0].mode, 0750);
    assert_string_equal(v.folders[1].name, "db");
    assert_int_equal(v.folders[1].uid, BL_VOLUME_NO_UID); /* keep the local copy's */
    assert_int_equal(v.folders[1].gid, 0);
    assert_int_equal(v.folders[1].mode, 0700);
    assert_string_equal(v.folders[2].name, "pkg");
    assert_int_equal(v.folders[2].gid, 0);
    bl_volume_clear(&v);

    static const struct {
        const char *spec;
        const char *msg;
    } bad[] = {
        {"work=relative/path", "is not an absolute path"},
        {".hidden=/opt/x", "name '.hidden' must be"},
        {"/opt/a:no-such-user-here", "unknown owner"},
        {"/opt/a::no-such-group-here", "unknown group"},
        {"/opt/a:::999", "mode '999' is not octal"},
        {"/opt/a /other/a", "repeats a name or path"},
        {"/", "is not an absolute path"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_int_equal(bl_volume_parse_folders(&v, bad[i].spec, NULL, NULL, NULL, &err),
                         BL_E_INVALID);
        if (strstr(err, bad[i].msg) == NULL) {
            fail_msg("%s: got '%s'", bad[i].spec, err);
        }
        g_free(err);
        bl_volume_clear(&v);
    }
}

static enum bl_volume_problem
check_with(const char *mountinfo, const char *state_rel, const char *device)
{
    g_autofree char *mi = tmp_path("mountinfo");
    g_autofree char *state_dir = tmp_path(state_rel);
    struct bl_volume v = {.state_dir = state_dir, .device = (char *) device, .mountinfo = mi};
    enum bl_volume_problem problem = BL_VOL_OK;
    g_autofree char *errmsg = NULL;
    int rc;

    assert_true(g_file_set_contents(mi, mountinfo, -1, NULL));
    rc = bl_volume_check(&v, &problem, &errmsg);
    assert_int_equal(rc == 0, problem == BL_VOL_OK);
    return problem;
}

static void
test_check_fixtures(void **state)
{
    g_autofree char *real = realpath(tmpdir, NULL);
    g_autofree char *vol =
        g_strdup_printf("36 1 7:7 / %s/vol rw,relatime - ext4 /dev/loop7 rw\n", real);
    const char *root = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n";
    g_autofree char *both = g_strconcat(root, vol, NULL);
    g_autofree char *vol_dir = tmp_path("vol");

    g_mkdir_with_parents(vol_dir, 0755);
    assert_int_equal(check_with(root, "vol/state", NULL), BL_VOL_NOT_MOUNTED);
    assert_int_equal(check_with(both, "vol/state", NULL), BL_VOL_OK);
    assert_int_equal(check_with(both, "vol/state", "/dev/null"), BL_VOL_WRONG_DEVICE);
    put("vol/state", "not a directory", 0644);
    assert_int_equal(check_with(both, "vol/state", NULL), BL_VOL_NOT_DIR);
    rm_rf(vol_dir);
}

static void
make_tree(void)
{
    g_autofree char *fifo = tmp_path("src/run/fifo");
    g_autofree char *link = tmp_path("src/link");
    g_autofree char *empty = tmp_path("src/empty");

    put("src/db/data.db", "rows", 0640);
    put("src/work/a/b/c.txt", "deep", 0600);
    put("src/run/x", "", 0644);
    assert_int_equal(mkfifo(fifo, 0620), 0);
    assert_int_equal(symlink("/etc/passwd", link), 0); /* copied as a link, never followed */
    assert_int_equal(mkdir(empty, 0711), 0);
}

static void
assert_file(const char *rel, const char *text, mode_t mode)
{
    g_autofree char *p = tmp_path(rel);
    g_autofree char *got = NULL;
    struct stat st;

    assert_true(g_file_get_contents(p, &got, NULL, NULL));
    assert_string_equal(got, text);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, mode);
}

static void
test_copy_atomic(void **state)
{
    g_autofree char *src = tmp_path("src");
    g_autofree char *dst = tmp_path("dst");
    g_autofree char *copy = tmp_path("dst/state");
    g_autofree char *link = tmp_path("dst/state/link");
    g_autofree char *target = NULL;
    struct stat st;
    /* A unit test runs without root: then the copy is handed to ourselves, which still goes
     * through the chown; as root, to another owner. */
    uid_t uid = geteuid() == 0 ? 1234 : getuid();
    gid_t gid = geteuid() == 0 ? 4321 : getgid();

    make_tree();
    g_mkdir_with_parents(dst, 0755);
    assert_int_equal(bl_volume_tree_copy_atomic(src, dst, "state", uid, gid, 0750), 0);
    assert_file("dst/state/db/data.db", "rows", 0640);
    assert_file("dst/state/work/a/b/c.txt", "deep", 0600);
    target = g_file_read_link(link, NULL);
    assert_string_equal(target, "/etc/passwd");
    g_autofree char *fifo = tmp_path("dst/state/run/fifo");
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    g_autofree char *empty = tmp_path("dst/state/empty");
    assert_int_equal(stat(empty, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0711);
    assert_int_equal(stat(copy, &st), 0);
    assert_int_equal(st.st_uid, uid);
    assert_int_equal(st.st_gid, gid);
    assert_int_equal(st.st_mode & 07777, 0750);
    assert_file("src/db/data.db", "rows", 0640); /* the local copy stays */
    assert_int_equal(
        bl_volume_tree_copy_atomic(src, dst, "state", BL_VOLUME_NO_UID, BL_VOLUME_NO_GID, 0),
        -EEXIST);
    /* A fresh folder belongs to root unless told otherwise: only root may leave the owner. */
    assert_int_equal(bl_volume_tree_copy_atomic(NULL, dst, "fresh",
                                                geteuid() == 0 ? BL_VOLUME_NO_UID : uid,
                                                geteuid() == 0 ? BL_VOLUME_NO_GID : gid, 0700),
                     0);
    g_autofree char *fresh = tmp_path("dst/fresh");
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    rm_rf(src);
    rm_rf(dst);
}

/* A copy that fails half-way leaves neither the folder nor a temporary on the volume. */
static void
test_copy_failure_leaves_nothing(void **state)
{
    g_autofree char *src = tmp_path("deep");
    g_autofree char *dst = tmp_path("dst");
    GString *p = g_string_new(src);
    g_autoptr(GDir) d = NULL;

    for (int i = 0; i < 200; i++) {
        g_string_append(p, "/d");
    }
    assert_int_equal(g_mkdir_with_parents(p->str, 0755), 0);
    g_mkdir_with_parents(dst, 0755);
    assert_int_equal(
        bl_volume_tree_copy_atomic(src, dst, "state", BL_VOLUME_NO_UID, BL_VOLUME_NO_GID, 0),
        -ELOOP);
    d = g_dir_open(dst, 0, NULL);
    assert_null(g_dir_read_name(d));
    g_string_free(p, TRUE);
    rm_rf(src);
    rm_rf(dst);
}

static void
test_remove_partial(void **state)
{
    g_autofree char *dir = tmp_path("vol2");
    g_autofree char *keep = tmp_path("vol2/work/f");
    g_autofree char *gone = tmp_path("vol2/" BL_VOLUME_COPY_PREFIX "work-1-2/a/b");

    put("vol2/work/f", "keep", 0644);
    put("vol2/" BL_VOLUME_COPY_PREFIX "work-1-2/a/b", "half", 0644);
    assert_int_equal(bl_volume_remove_partial(dir), 1);
    assert_true(g_file_test(keep, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(gone, G_FILE_TEST_EXISTS));
    assert_int_equal(bl_volume_remove_partial(dir), 0);
    rm_rf(dir);
}

/* A tmpfs "shared volume" at tmpdir/vol, one folder with a local install-time copy. */
static void
volume_for_binds(struct bl_volume *v)
{
    g_autofree char *vol = tmp_path("vol");
    g_autofree char *spec = NULL;
    g_autofree char *local = tmp_path("local/work");

    g_mkdir_with_parents(vol, 0755);
    assert_int_equal(mount("bltest", vol, "tmpfs", 0, "size=4m"), 0);
    put("local/work/install.txt", "installed", 0644);
    spec = g_strdup_printf("work=%s", local);
    memset(v, 0, sizeof(*v));
    v->state_dir = tmp_path("vol/state");
    assert_int_equal(bl_volume_parse_folders(v, spec, NULL, NULL, "0750", NULL), 0);
}

static void
finish_binds(struct bl_volume *v)
{
    g_autofree char *vol = tmp_path("vol");
    g_autofree char *local = tmp_path("local");

    umount2(v->folders[0].path, MNT_DETACH);
    umount2(vol, MNT_DETACH);
    bl_volume_clear(v);
    rm_rf(vol);
    rm_rf(local);
}

static void
test_bind_cycle(void **state)
{
    struct bl_volume v;
    enum bl_volume_problem problem;
    char *errmsg = NULL;

    if (!private_ns) {
        skip();
    }
    volume_for_binds(&v);
    assert_int_equal(bl_volume_check(&v, &problem, &errmsg), 0);
    assert_int_equal(bl_volume_prepare(&v, &errmsg), 0);
    assert_file("vol/state/work/install.txt", "installed", 0644);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_NONE);
    assert_int_equal(bl_volume_bind(&v, &errmsg), 0);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_BOUND);
    assert_int_equal(bl_volume_bind(&v, &errmsg), 0); /* idempotent: not stacked */
    put("local/work/counter", "1", 0644);             /* written through the bind */
    assert_file("vol/state/work/counter", "1", 0644);
    assert_int_equal(bl_volume_unbind(&v, 1000, &errmsg), 0);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_NONE);
    g_autofree char *local_counter = tmp_path("local/work/counter");
    assert_false(g_file_test(local_counter, G_FILE_TEST_EXISTS));
    assert_int_equal(bl_volume_unbind(&v, 1000, &errmsg), 0); /* idempotent */
    /* the second start finds the folder on the volume and does not copy again */
    put("local/work/install.txt", "changed locally", 0644);
    assert_int_equal(bl_volume_prepare(&v, &errmsg), 0);
    assert_file("vol/state/work/install.txt", "installed", 0644);
    finish_binds(&v);
}

static void
test_bind_busy_and_other(void **state)
{
    struct bl_volume v;
    char *errmsg = NULL;
    int fd;

    if (!private_ns) {
        skip();
    }
    volume_for_binds(&v);
    assert_int_equal(bl_volume_prepare(&v, &errmsg), 0);
    assert_int_equal(bl_volume_bind(&v, &errmsg), 0);
    g_autofree char *busy = tmp_path("local/work/install.txt");
    fd = open(busy, O_RDONLY | O_CLOEXEC);
    assert_int_equal(bl_volume_unbind(&v, 200, &errmsg), -EBUSY);
    assert_non_null(strstr(errmsg, "cannot unmount"));
    g_free(errmsg);
    errmsg = NULL;
    close(fd);
    assert_int_equal(bl_volume_unbind(&v, 200, &errmsg), 0);
    /* something else mounted on the local path: never bound over, never unmounted */
    assert_int_equal(mount("other", v.folders[0].path, "tmpfs", 0, "size=1m"), 0);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_OTHER);
    assert_int_equal(bl_volume_bind(&v, &errmsg), BL_E_STATE);
    assert_non_null(strstr(errmsg, "already has another file system mounted"));
    g_free(errmsg);
    errmsg = NULL;
    assert_int_equal(bl_volume_unbind(&v, 200, &errmsg), 0);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_OTHER);
    finish_binds(&v);
}

enum hold { HOLD_CWD, HOLD_FD, HOLD_MAP };

/* A child that holds path (its working directory, an open file, or a mapped file), ignores
 * SIGTERM when asked, and waits to be killed; returns once it holds. */
static pid_t
holder(const char *path, enum hold how, bool ignore_term)
{
    int p[2];
    char c;
    pid_t pid;

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = how == HOLD_CWD ? chdir(path) : open(path, O_RDONLY);
        if (ignore_term) {
            signal(SIGTERM, SIG_IGN);
        }
        if (fd < 0 ||
            (how == HOLD_MAP &&
             (mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED || close(fd) != 0))) {
            _exit(1);
        }
        if (write(p[1], "r", 1) != 1) {
            _exit(1);
        }
        for (;;) {
            pause();
        }
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

/* Reap a child; the signal that ended it, or -1. */
static int
reap(pid_t pid)
{
    int status = 0;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

static bool
has_pid(const GArray *pids, pid_t pid)
{
    for (guint i = 0; i < pids->len; i++) {
        if (g_array_index(pids, pid_t, i) == pid) {
            return true;
        }
    }
    return false;
}

/* Users of a folder: by working directory, open file, mapped file; never ourselves, never a
 * process elsewhere. No bind needed: the folder and state_dir share a file system here. */
static void
test_folder_users(void **state)
{
    struct bl_volume v = {0};
    g_autofree char *local = tmp_path("users/local/work");
    g_autofree char *file = tmp_path("users/local/work/f");
    g_autofree char *elsewhere = tmp_path("users/elsewhere");
    g_autofree char *spec = g_strdup_printf("work=%s", local);
    g_autoptr(GArray) pids = NULL;
    pid_t in[3], out;
    int own;

    put("users/local/work/f", "x", 0644);
    put("users/elsewhere/g", "y", 0644);
    put("users/state/work/g", "z", 0644);
    v.state_dir = tmp_path("users/state");
    assert_int_equal(bl_volume_parse_folders(&v, spec, NULL, NULL, NULL, NULL), 0);
    in[0] = holder(local, HOLD_CWD, false);
    in[1] = holder(file, HOLD_FD, false);
    in[2] = holder(file, HOLD_MAP, false);
    out = holder(elsewhere, HOLD_CWD, false);
    own = open(file, O_RDONLY | O_CLOEXEC);
    assert_int_equal(bl_volume_folder_users(&v, 0, &pids), 0);
    assert_int_equal(pids->len, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(has_pid(pids, in[i]));
    }
    assert_int_equal(bl_volume_signal_users(&v, 0, SIGKILL, NULL), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(reap(in[i]), SIGKILL);
    }
    kill(out, SIGKILL);
    assert_int_equal(reap(out), SIGKILL);
    close(own);
    bl_volume_clear(&v);
}

/* A bind kept busy after the members stopped: plain unbind waits and signals nobody; the
 * forcing one sends SIGTERM, then SIGKILL to what ignores it, and unbinds. */
static void
test_unbind_force(void **state)
{
    struct bl_volume v;
    char *errmsg = NULL;
    g_autoptr(GString) ended = g_string_new(NULL);
    pid_t polite, stubborn;

    if (!private_ns) {
        skip();
    }
    volume_for_binds(&v);
    assert_int_equal(bl_volume_prepare(&v, &errmsg), 0);
    assert_int_equal(bl_volume_bind(&v, &errmsg), 0);
    g_autofree char *file = tmp_path("local/work/install.txt");
    polite = holder(v.folders[0].path, HOLD_CWD, false);
    stubborn = holder(file, HOLD_FD, true);
    assert_int_equal(bl_volume_unbind(&v, 200, &errmsg), -EBUSY);
    g_free(errmsg);
    errmsg = NULL;
    assert_int_equal(kill(polite, 0), 0);
    assert_int_equal(kill(stubborn, 0), 0);
    assert_int_equal(bl_volume_unbind_force(&v, 10000, ended, &errmsg), 0);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_NONE);
    assert_int_equal(reap(polite), SIGTERM);
    assert_int_equal(reap(stubborn), SIGKILL);
    assert_non_null(strstr(ended->str, "SIGTERM to "));
    assert_non_null(strstr(ended->str, "SIGKILL to "));
    assert_non_null(strstr(ended->str, v.folders[0].path));
    finish_binds(&v);
}

static void
test_read_only_volume(void **state)
{
    struct bl_volume v;
    enum bl_volume_problem problem;
    char *errmsg = NULL;
    g_autofree char *vol = tmp_path("vol");

    if (!private_ns) {
        skip();
    }
    volume_for_binds(&v);
    assert_int_equal(mount(NULL, vol, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
    assert_int_equal(bl_volume_check(&v, &problem, &errmsg), BL_E_STATE);
    assert_int_equal(problem, BL_VOL_READ_ONLY);
    assert_non_null(strstr(errmsg, "mounted read-only"));
    g_free(errmsg);
    finish_binds(&v);
}

/* A local path that is (or goes through) a symbolic link is refused: the bind would land on
 * the link's target, chosen by whoever can write its parent, and stop could not undo it. */
static void
test_bind_refuses_symlink(void **state)
{
    struct bl_volume v;
    char *detail = NULL;
    g_autofree char *work = tmp_path("local/work");
    g_autofree char *real = tmp_path("local/real");
    g_autofree char *parent_link = tmp_path("local-link");

    if (!private_ns) {
        skip();
    }
    volume_for_binds(&v);
    assert_int_equal(bl_volume_prepare(&v, &detail), 0);
    assert_int_equal(rename(work, real), 0);
    assert_int_equal(symlink(real, work), 0);
    assert_int_equal(bl_volume_bind(&v, &detail), -ELOOP);
    assert_non_null(strstr(detail, "symbolic link"));
    g_clear_pointer(&detail, g_free);
    assert_int_equal(bl_volume_bind_state(&v, 0), BL_BIND_NONE); /* nothing on the target */
    /* A link among the parents is refused as well. */
    assert_int_equal(unlink(work), 0);
    assert_int_equal(rename(real, work), 0);
    g_autofree char *local = tmp_path("local");
    assert_int_equal(symlink(local, parent_link), 0);
    g_free(v.folders[0].path);
    v.folders[0].path = g_build_filename(parent_link, "work", NULL);
    assert_int_equal(bl_volume_bind(&v, &detail), -ELOOP);
    g_clear_pointer(&detail, g_free);
    g_free(v.folders[0].path);
    v.folders[0].path = g_strdup(work);
    unlink(parent_link);
    finish_binds(&v);
}

static int
setup(void **state)
{
    /* Our own mount namespace: mounts made here vanish with this process. */
    private_ns =
        unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    if (!private_ns) {
        fprintf(stderr, "bind tests skipped: cannot make a private mount namespace (%s)\n",
                strerror(errno));
    }
    return tmpdir_setup(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_folders),
        cmocka_unit_test(test_check_fixtures),
        cmocka_unit_test(test_copy_atomic),
        cmocka_unit_test(test_copy_failure_leaves_nothing),
        cmocka_unit_test(test_remove_partial),
        cmocka_unit_test(test_bind_cycle),
        cmocka_unit_test(test_bind_busy_and_other),
        cmocka_unit_test(test_bind_refuses_symlink),
        cmocka_unit_test(test_folder_users),
        cmocka_unit_test(test_unbind_force),
        cmocka_unit_test(test_read_only_volume),
    };
    return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
