/*
 * slow_fsync.so: an LD_PRELOAD shim that makes fsync(2) and fdatasync(2) on chosen files slow,
 * to show what waits for a disk: never built into anything of ours, only preloaded into a
 * program under test (tests/integration/test_bmcd_slow_store.sh, scripts/bench/store-stall-bench).
 *
 * Environment (read at each call):
 *   BL_SLOWSYNC_MATCH  a sync is slowed only when the fd's path (/proc/self/fd) contains this
 *                      text (unset: every sync)
 *   BL_SLOWSYNC_MS     sleep this long before syncing
 *   BL_SLOWSYNC_HOLD   a path prefix: before syncing, append the file's path to PREFIX.blocked,
 *                      then wait until PREFIX.release exists (checked every 10 ms), so a test
 *                      can act while the sync is held, and say when it may go on. Once the
 *                      release file exists, syncs pass (after BL_SLOWSYNC_MS, if set).
 * The real sync runs afterwards: durability is unchanged, only later.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Whether fd's file is one to slow down; its path in path. */
static int
matches(int fd, char *path, size_t len)
{
    const char *want = getenv("BL_SLOWSYNC_MATCH");
    char link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, len - 1);
    path[n > 0 ? n : 0] = '\0';
    return want == NULL || (n > 0 && strstr(path, want) != NULL);
}

static void
hold(const char *prefix, const char *path)
{
    char blocked[4096], release[4096];
    int fd;

    snprintf(release, sizeof(release), "%s.release", prefix);
    if (access(release, F_OK) == 0) {
        return;
    }
    snprintf(blocked, sizeof(blocked), "%s.blocked", prefix);
    fd = open(blocked, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%s\n", path);
        close(fd);
    }
    while (access(release, F_OK) != 0) {
        nap_ms(10);
    }
}

static void
slow_down(int fd)
{
    char path[4096];
    const char *ms = getenv("BL_SLOWSYNC_MS");
    const char *prefix = getenv("BL_SLOWSYNC_HOLD");
    int saved = errno;

    if (matches(fd, path, sizeof(path))) {
        if (prefix != NULL && prefix[0] != '\0') {
            hold(prefix, path);
        }
        if (ms != NULL) {
            nap_ms(strtol(ms, NULL, 10));
        }
    }
    errno = saved;
}

int
fsync(int fd)
{
    int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");

    slow_down(fd);
    return real(fd);
}

int
fdatasync(int fd)
{
    int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");

    slow_down(fd);
    return real(fd);
}
