/*
 * The chain's process layer: the posix_spawn runner that is the seam for everything the chain
 * runs (chain_exec.h), and the fork-free checks of members' processes (chain_proc.h).
 */
#include "chain_proc.h"

#include "bl_result.h"
#include "chain_exec.h"
#include "chain_record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_READ_MAX 4096

/* Read up to size-1 bytes of a small file; returns bytes read or -errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t n;

    if (fd < 0) {
        return -errno;
    }
    do {
        n = read(fd, buf, size - 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        n = -errno;
    } else {
        buf[n] = '\0';
    }
    close(fd);
    return n;
}

int
bl_chain_pidfile_read(const char *path, pid_t *pid)
{
    char buf[32];
    char *end = NULL;
    ssize_t n = read_small(path, buf, sizeof(buf));
    long value;

    if (n < 0) {
        return (int) n;
    }
    errno = 0;
    value = strtol(buf, &end, 10);
    while (end != NULL && (*end == '\n' || *end == ' ' || *end == '\t' || *end == '\r')) {
        end++;
    }
    if (errno != 0 || end == buf || *end != '\0' || value <= 1 || value > INT_MAX) {
        return BL_E_INVALID;
    }
    *pid = (pid_t) value;
    return 0;
}

int
bl_chain_pidfile_write(const char *path, pid_t pid)
{
    char line[32];
    int len = snprintf(line, sizeof(line), "%d\n", (int) pid);

    return bl_chain_file_write_atomic(path, line, (size_t) len, 0644);
}

static bool
is_zombie(pid_t pid)
{
    char path[64];
    char buf[512];
    const char *paren;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
    if (read_small(path, buf, sizeof(buf)) <= 0) {
        return true; /* gone */
    }
    paren = strrchr(buf, ')');
    return paren == NULL || paren[1] == '\0' || paren[2] == 'Z' || paren[2] == 'X';
}

static bool
same_program(const char *candidate, const char *exe, const char *real)
{
    return strcmp(candidate, exe) == 0 || (real != NULL && strcmp(candidate, real) == 0);
}

static bool
exe_matches(pid_t pid, const char *exe, const char *real)
{
    char path[64];
    char target[PATH_MAX];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
    n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0) {
        return false;
    }
    target[n] = '\0';
    if (g_str_has_suffix(target, " (deleted)")) { /* upgraded while running: still ours */
        target[n - strlen(" (deleted)")] = '\0';
    }
    return same_program(target, exe, real);
}

static bool
cmdline_matches(pid_t pid, const char *exe, const char *real)
{
    char path[64];
    char buf[PROC_READ_MAX];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
    n = read_small(path, buf, sizeof(buf));
    if (n <= 0) {
        return false;
    }
    if (same_program(buf, exe, real)) {
        return true;
    }
    size_t first = strlen(buf) + 1;
    return (ssize_t) first < n && same_program(buf + first, exe, real);
}

bool
bl_chain_proc_runs(pid_t pid, const char *exe)
{
    g_autofree char *real = NULL;

    if (pid <= 1 || is_zombie(pid)) {
        return false;
    }
    real = realpath(exe, NULL);
    return exe_matches(pid, exe, real) || cmdline_matches(pid, exe, real);
}

static bool
pidfd_exited(int pidfd)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

    return poll(&pfd, 1, 0) > 0;
}

int
bl_chain_proc_open_member(const char *pidfile, const char *exe, int *pidfd, pid_t *pid)
{
    pid_t p = 0;
    int rc = bl_chain_pidfile_read(pidfile, &p);
    int fd;

    if (rc == -ENOENT) {
        return -ESRCH;
    }
    if (rc != 0) {
        return rc;
    }
    fd = pidfd_open(p, 0);
    if (fd < 0) {
        return -ESRCH;
    }
    /* Verify after pinning: if the pidfd's process is still alive after the check, the /proc
     * entries we read were its own, not a later process's that reused the pid. */
    if (!bl_chain_proc_runs(p, exe) || pidfd_exited(fd)) {
        close(fd);
        return -ESRCH;
    }
    *pidfd = fd;
    if (pid != NULL) {
        *pid = p;
    }
    return 0;
}

bool
bl_chain_proc_member_alive(const char *pidfile, const char *exe)
{
    int fd = -1;

    if (bl_chain_proc_open_member(pidfile, exe, &fd, NULL) != 0) {
        return false;
    }
    close(fd);
    return true;
}

int
bl_chain_pidfd_wait(int pidfd, int timeout_ms)
{
    int64_t deadline = bl_chain_mono_ms() + timeout_ms;

    for (;;) {
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        int64_t left = deadline - bl_chain_mono_ms();
        int n = poll(&pfd, 1, left > 0 ? (int) left : 0);
        if (n > 0) {
            return 0;
        }
        if (n == 0 || errno != EINTR) {
            return BL_E_TIMEOUT;
        }
    }
}

int
bl_chain_pidfd_kill(int pidfd, pid_t pid, int sig, bool group)
{
    if (pidfd_send_signal(pidfd, sig, NULL, 0) != 0) {
        return -errno;
    }
    /* The group is addressed by pid, so only while the leader is pinned and alive. */
    if (group && getpgid(pid) == pid && !pidfd_exited(pidfd)) {
        kill(-pid, sig);
    }
    return 0;
}

static int
make_addr(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t) port);
        *len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t) port);
        *len = sizeof(*in6);
        return 0;
    }
    return BL_E_INVALID;
}

static int
connect_result(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof(err);
    int n;

    do {
        n = poll(&pfd, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        return BL_E_TIMEOUT;
    }
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return -errno;
    }
    return -err;
}

int
bl_chain_tcp_probe(const char *host, unsigned port, int timeout_ms)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int fd;
    int rc = make_addr(host, port, &ss, &len);

    if (rc != 0) {
        return rc;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *) &ss, len) == 0) {
        rc = 0;
    } else if (errno == EINPROGRESS) {
        rc = connect_result(fd, timeout_ms);
    } else {
        rc = -errno;
    }
    close(fd);
    return rc;
}

/*
 * The runner behind struct bl_exec_ops (chain_exec.h). Each child gets its own session (so a
 * hung start command and everything it forked can be killed together), stdin from /dev/null,
 * stdout and stderr into a log file or a memfd we read back, and the default signal
 * dispositions. We wait on a pidfd with poll(), so a deadline is a poll timeout, not a sleep.
 */

#define KILL_REAP_MS 5000

int64_t
bl_chain_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
bl_chain_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void
bl_chain_exec_res_clear(struct bl_exec_res *res)
{
    if (res != NULL) {
        g_free(res->output);
        memset(res, 0, sizeof(*res));
    }
}

bool
bl_chain_exec_ok(const struct bl_exec_res *res)
{
    return !res->timed_out && WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0;
}

int
bl_chain_exec_exit_code(const struct bl_exec_res *res)
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

/* Wait for the child to exit within timeout_ms, then reap it; 0 or BL_E_TIMEOUT. */
static int
wait_child(pid_t pid, int timeout_ms, int *status)
{
    int pidfd = pidfd_open(pid, 0);
    int rc = 0; /* without a pidfd (kernel < 5.3), fall back to a plain wait */

    if (pidfd >= 0) {
        rc = bl_chain_pidfd_wait(pidfd, timeout_ms);
        close(pidfd);
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

const struct bl_exec_ops bl_chain_exec_posix = {
    .run = posix_run,
};
