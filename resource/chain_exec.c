/*
 * posix_spawn-based runner. Each child gets its own session (so a hung start command and
 * everything it forked can be killed together), stdin from /dev/null, stdout and stderr into
 * a log file or a memfd we read back, and the default signal dispositions. We wait on a pidfd
 * with poll(), so a deadline is a poll timeout, not a sleep.
 */
#include "chain_exec.h"

#include "bl_result.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILL_REAP_MS 5000

int64_t
bl_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
bl_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void
bl_exec_res_clear(struct bl_exec_res *res)
{
    if (res != NULL) {
        g_free(res->output);
        memset(res, 0, sizeof(*res));
    }
}

bool
bl_exec_ok(const struct bl_exec_res *res)
{
    return !res->timed_out && WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0;
}

int
bl_exec_exit_code(const struct bl_exec_res *res)
{
    return (!res->timed_out && WIFEXITED(res->status)) ? WEXITSTATUS(res->status) : -1;
}

/* The agent's environment for a child: OCF_RESKEY_* removed (members need not see the
 * agent's parameters), then the extras set. */
static char **
child_environ(char *const *extra)
{
    char **env = g_get_environ();
    g_auto(GStrv) names = NULL;

    names = g_strdupv(env);
    for (size_t i = 0; names[i] != NULL; i++) {
        char *eq = strchr(names[i], '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        if (g_str_has_prefix(names[i], "OCF_RESKEY_")) {
            env = g_environ_unsetenv(env, names[i]);
        }
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        g_autofree char *key = g_strdup(extra[i]);
        char *eq = strchr(key, '=');
        if (eq != NULL) {
            *eq = '\0';
            env = g_environ_setenv(env, key, eq + 1, TRUE);
        }
    }
    return env;
}

static int
open_output(const struct bl_exec_req *req)
{
    int fd;

    if (req->output != NULL) {
        fd = open(req->output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    } else if (req->detach) {
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    } else {
        fd = memfd_create("bmclink-output", MFD_CLOEXEC);
    }
    return fd < 0 ? -errno : fd;
}

static int
spawn(const struct bl_exec_req *req, int outfd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t all, none;
    char **env = child_environ(req->env);
    int rc;

    sigfillset(&all);
    sigemptyset(&none);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, outfd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outfd, STDERR_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    rc = posix_spawn(pid, req->argv[0], &fa, &attr, req->argv, env);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    g_strfreev(env);
    return -rc;
}

/* Wait for the child to exit within timeout_ms; 0 or BL_E_TIMEOUT. */
static int
wait_child(pid_t pid, int timeout_ms, int *status)
{
    int pidfd = pidfd_open(pid, 0);
    int64_t deadline = bl_mono_ms() + timeout_ms;
    int rc = BL_E_TIMEOUT;

    while (pidfd >= 0) {
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        int64_t left = deadline - bl_mono_ms();
        int n = poll(&pfd, 1, left > 0 ? (int) left : 0);
        if (n > 0) {
            rc = 0;
            break;
        }
        if (n == 0 || errno != EINTR) {
            break;
        }
    }
    if (pidfd >= 0) {
        close(pidfd);
    } else {
        rc = 0; /* without pidfds, fall back to a plain wait */
    }
    if (rc == 0) {
        while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
        }
    }
    return rc;
}

/* Kill a timed-out child's whole session and reap it; a process stuck in the kernel is left
 * (reaped by init after we exit) rather than blocking us. */
static void
kill_child(pid_t pid, int *status)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    if (wait_child(pid, KILL_REAP_MS, status) != 0) {
        *status = W_EXITCODE(0, SIGKILL);
    }
}

static char *
read_output(int fd)
{
    char *buf = g_malloc(BL_EXEC_OUTPUT_MAX + 1);
    ssize_t n = pread(fd, buf, BL_EXEC_OUTPUT_MAX, 0);

    if (n <= 0) {
        g_free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return g_strchomp(buf);
}

static int
posix_run(void *ctx, const struct bl_exec_req *req, struct bl_exec_res *res)
{
    int outfd;
    int rc;

    memset(res, 0, sizeof(*res));
    outfd = open_output(req);
    if (outfd < 0) {
        return outfd;
    }
    rc = spawn(req, outfd, &res->pid);
    if (rc == 0 && !req->detach) {
        rc = wait_child(res->pid, req->timeout_ms, &res->status);
        if (rc == BL_E_TIMEOUT) {
            res->timed_out = true;
            kill_child(res->pid, &res->status);
        }
        if (req->output == NULL) {
            res->output = read_output(outfd);
        }
    }
    close(outfd);
    return rc;
}

const struct bl_exec_ops bl_exec_posix = {
    .run = posix_run,
};
