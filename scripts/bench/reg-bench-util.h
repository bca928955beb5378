/*
 * What the registry's two load generators (reg-bench.c, reg-bench-cib.c) share: the clock
 * they time with and the way they step into a node of the private cluster.
 */
#ifndef REG_BENCH_UTIL_H
#define REG_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline gint64
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Enter the network and mount namespaces of the node whose init is pid (0: stay). */
static inline int
enter_node(pid_t pid)
{
    static const struct {
        const char *ns;
        int type;
    } kinds[] = {{"net", CLONE_NEWNET}, {"mnt", CLONE_NEWNS}};

    for (size_t i = 0; pid > 0 && i < G_N_ELEMENTS(kinds); i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/ns/%s", (int) pid, kinds[i].ns);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, kinds[i].type) != 0) {
            fprintf(stderr, "reg-bench: cannot enter %s: %s\n", path, g_strerror(errno));
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        close(fd);
    }
    return 0;
}

#endif
