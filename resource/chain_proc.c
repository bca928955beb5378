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
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
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
bl_pidfile_read(const char *path, pid_t *pid)
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
bl_pidfile_write(const char *path, pid_t pid)
{
    char line[32];
    int len = snprintf(line, sizeof(line), "%d\n", (int) pid);

    return bl_file_write_atomic(path, line, (size_t) len, 0644);
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
bl_proc_runs(pid_t pid, const char *exe)
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
bl_proc_open_member(const char *pidfile, const char *exe, int *pidfd, pid_t *pid)
{
    pid_t p = 0;
    int rc = bl_pidfile_read(pidfile, &p);
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
    if (!bl_proc_runs(p, exe) || pidfd_exited(fd)) {
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
bl_proc_member_alive(const char *pidfile, const char *exe)
{
    int fd = -1;

    if (bl_proc_open_member(pidfile, exe, &fd, NULL) != 0) {
        return false;
    }
    close(fd);
    return true;
}

int
bl_pidfd_wait(int pidfd, int timeout_ms)
{
    int64_t deadline = bl_mono_ms() + timeout_ms;

    for (;;) {
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        int64_t left = deadline - bl_mono_ms();
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
bl_pidfd_kill(int pidfd, pid_t pid, int sig, bool group)
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
bl_tcp_probe(const char *host, unsigned port, int timeout_ms)
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
