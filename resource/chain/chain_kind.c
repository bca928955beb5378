/*
 * What every kind shares (running through the seam, describing failures, stopping a process
 * found through its pidfile) and the daemon kind: a command that daemonizes and writes a
 * pidfile, or a foreground command the agent detaches and writes the pidfile for.
 */
#include "chain_kind.h"

#include "bl_result.h"
#include "chain_proc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KILL_WAIT_MS 5000

void
bl_chain_sys_defaults(struct bl_chain_sys *sys)
{
    if (sys->exec == NULL) {
        sys->exec = &bl_chain_exec_posix;
    }
    if (sys->kinds[BL_KIND_SYSTEMD] == NULL) {
        sys->kinds[BL_KIND_SYSTEMD] = &bl_chain_kind_systemd;
    }
    if (sys->kinds[BL_KIND_LSB] == NULL) {
        sys->kinds[BL_KIND_LSB] = &bl_chain_kind_lsb;
    }
    if (sys->kinds[BL_KIND_DAEMON] == NULL) {
        sys->kinds[BL_KIND_DAEMON] = &bl_chain_kind_daemon;
    }
    if (sys->systemctl == NULL) {
        sys->systemctl = "/usr/bin/systemctl";
    }
    if (sys->sysconf_dir == NULL) {
        sys->sysconf_dir = "/etc";
    }
    if (sys->systemd_run_dir == NULL) {
        sys->systemd_run_dir = "/run/systemd/system";
    }
}

int
bl_chain_kind_run(const struct bl_chain_sys *sys, char *const *argv, const char *output,
                  int timeout_ms, struct bl_exec_res *res)
{
    struct bl_exec_req req = {
        .argv = argv,
        .env = sys->member_env,
        .output = output,
        .timeout_ms = timeout_ms > 0 ? timeout_ms : 1,
    };

    return sys->exec->run(sys->exec_ctx, &req, res);
}

char *
bl_chain_kind_describe(const struct bl_exec_res *res, int rc, const char *what)
{
    g_autofree char *first = NULL;

    if (rc == BL_E_TIMEOUT || res->timed_out) {
        return g_strdup_printf("%s timed out and was killed", what);
    }
    if (rc != 0) {
        return g_strdup_printf("%s could not be run: %s", what, bl_strerror(rc));
    }
    if (res->output != NULL) {
        first = g_strndup(res->output, strcspn(res->output, "\n"));
    }
    if (WIFSIGNALED(res->status)) {
        return g_strdup_printf("%s killed by signal %d%s%s", what, WTERMSIG(res->status),
                               first != NULL ? ": " : "", first != NULL ? first : "");
    }
    return g_strdup_printf("%s exited with %d%s%s", what, bl_chain_exec_exit_code(res),
                           first != NULL ? ": " : "", first != NULL ? first : "");
}

void
bl_chain_kind_errmsg(char **errmsg, char *text)
{
    if (errmsg != NULL && *errmsg == NULL) {
        *errmsg = text;
    } else {
        g_free(text);
    }
}

int
bl_chain_kind_run_result(int rc, struct bl_exec_res *res, const char *what, char **errmsg)
{
    if (rc != 0 || !bl_chain_exec_ok(res)) {
        bl_chain_kind_errmsg(errmsg, bl_chain_kind_describe(res, rc, what));
        rc = rc != 0 ? rc : BL_E_STATE;
    }
    bl_chain_exec_res_clear(res);
    return rc;
}

int
bl_chain_kind_check_program(const struct bl_chain_member *m, const char *what, const char *path,
                            GString *problems)
{
    if (path != NULL && access(path, X_OK) != 0) {
        g_string_append_printf(problems, "member '%s': %s %s: %s\n", m->name, what, path,
                               strerror(errno));
        return -ENOENT;
    }
    return 0;
}

enum bl_member_state
bl_chain_kind_pidfile_state(const struct bl_chain_member *m)
{
    return bl_chain_proc_member_alive(m->pidfile, m->exe) ? BL_MEMBER_RUNNING : BL_MEMBER_STOPPED;
}

/* Remove the pidfile unless it names a live member process (one restarted meanwhile keeps
 * its pidfile). A pidfile naming someone else's process is stale: removed, never signalled. */
static void
remove_stale_pidfile(const struct bl_chain_member *m)
{
    if (!bl_chain_proc_member_alive(m->pidfile, m->exe)) {
        unlink(m->pidfile);
    }
}

int
bl_chain_kind_stop_pidfile(const struct bl_chain_member *m, int timeout_ms, bool term)
{
    int fd = -1;
    pid_t pid = 0;
    int rc = bl_chain_proc_open_member(m->pidfile, m->exe, &fd, &pid);

    if (rc == -ESRCH || rc == BL_E_INVALID) {
        remove_stale_pidfile(m);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    if (term) {
        bl_chain_pidfd_kill(fd, pid, SIGTERM, false);
    }
    rc = bl_chain_pidfd_wait(fd, timeout_ms);
    if (rc != 0) {
        bl_chain_pidfd_kill(fd, pid, SIGKILL, true);
        rc = bl_chain_pidfd_wait(fd, KILL_WAIT_MS) == 0 ? 0 : BL_E_STATE;
    }
    close(fd);
    if (rc == 0) {
        waitpid(pid, NULL, WNOHANG); /* our child when we started it in the foreground */
        remove_stale_pidfile(m);
    }
    return rc;
}

static int
daemon_start_foreground(const struct bl_chain_sys *sys, const struct bl_chain_member *m,
                        char **errmsg)
{
    struct bl_exec_req req = {
        .argv = m->command,
        .env = sys->member_env,
        .output = m->log,
        .detach = true,
    };
    struct bl_exec_res res = {0};
    int rc = sys->exec->run(sys->exec_ctx, &req, &res);

    if (rc == 0) {
        rc = bl_chain_pidfile_write(m->pidfile, res.pid);
        if (rc != 0) {
            bl_chain_kind_errmsg(errmsg, g_strdup_printf("cannot write pidfile %s: %s", m->pidfile,
                                                         bl_strerror(rc)));
        }
    } else {
        bl_chain_kind_errmsg(errmsg, bl_chain_kind_describe(&res, rc, m->command[0]));
    }
    bl_chain_exec_res_clear(&res);
    return rc;
}

static int
daemon_start(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
             char **errmsg)
{
    g_autofree char *dir = g_path_get_dirname(m->pidfile);
    struct bl_exec_res res = {0};
    int rc;

    if (bl_chain_kind_pidfile_state(m) == BL_MEMBER_RUNNING) {
        return 0;
    }
    bl_chain_kind_stop_pidfile(m, 0, false); /* clears a stale pidfile, signals nobody */
    /* /run is emptied at boot and, without systemd, nothing recreates the directory */
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        rc = -errno;
        bl_chain_kind_errmsg(errmsg, g_strdup_printf("cannot create %s: %s", dir, g_strerror(-rc)));
        return rc;
    }
    if (m->foreground) {
        return daemon_start_foreground(sys, m, errmsg);
    }
    rc = bl_chain_kind_run(sys, m->command, m->log, timeout_ms, &res);
    return bl_chain_kind_run_result(rc, &res, m->command[0], errmsg);
}

static int
daemon_stop(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
            char **errmsg)
{
    int64_t deadline = bl_chain_mono_ms() + timeout_ms;
    struct bl_exec_res res = {0};
    int rc;

    if (m->stop_command == NULL || bl_chain_kind_pidfile_state(m) != BL_MEMBER_RUNNING) {
        rc = bl_chain_kind_stop_pidfile(m, timeout_ms, true);
    } else {
        rc = bl_chain_kind_run(sys, m->stop_command, m->log, timeout_ms, &res);
        bl_chain_kind_run_result(rc, &res, m->stop_command[0], errmsg);
        /* Whatever the stop command did, the process must go: wait the rest, then SIGKILL. */
        rc = bl_chain_kind_stop_pidfile(m, (int) MAX(deadline - bl_chain_mono_ms(), 0), false);
    }
    if (rc != 0 && errmsg != NULL && *errmsg == NULL) {
        *errmsg = g_strdup_printf("process from %s survived SIGKILL", m->pidfile);
    }
    return rc;
}

static int
daemon_status(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
              enum bl_member_state *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = bl_chain_kind_pidfile_state(m[i]);
    }
    return 0;
}

static int
daemon_check(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
             GString *problems)
{
    bool missing = false;

    /* The pidfile's directory is not checked: start creates it (/run is emptied at boot). */
    for (size_t i = 0; i < n; i++) {
        const struct bl_chain_member *x = m[i];
        bool bad = bl_chain_kind_check_program(x, "command", x->command[0], problems) != 0;
        bad = bl_chain_kind_check_program(x, "exe", x->exe, problems) != 0 || bad;
        if (x->stop_command != NULL) {
            bad =
                bl_chain_kind_check_program(x, "stop_command", x->stop_command[0], problems) != 0 ||
                bad;
        }
        missing = missing || bad;
    }
    return missing ? -ENOENT : 0;
}

const struct bl_member_ops bl_chain_kind_daemon = {
    .start = daemon_start,
    .stop = daemon_stop,
    .status = daemon_status,
    .check = daemon_check,
};
