/*
 * Who keeps a bound folder busy. Once the chain's members are stopped, a bind that cannot be
 * unmounted is held by some other process: a shell whose working directory is in the
 * folder, a member's child that outlived it, a tool with a file open there. Left alone it
 * blocks the stop until its timeout, the stop fails and Pacemaker fences the node, so the
 * agent (with force_unbind, as ocf:heartbeat:Filesystem's force_unmount does for the volume
 * itself) ends those processes. They are found the way fuser(1) does: each process's working
 * directory, root, open files and mapped files, read from /proc.
 */
#include "volume.h"

#include "bl_result.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROC_DIR "/proc"

/* What a process must touch to count: a path at or under dir, on the volume's device. */
struct target {
    const char *dir;
    size_t len;
    dev_t dev;
};

static bool
path_in(const struct target *t, const char *path)
{
    return strncmp(path, t->dir, t->len) == 0 && (path[t->len] == '\0' || path[t->len] == '/');
}

/* /proc/PID/<link> (cwd, root, fd/N) points into the target. */
static bool
link_in(const struct target *t, const char *link)
{
    char path[4096];
    struct stat st;
    ssize_t n = readlink(link, path, sizeof(path) - 1);

    if (n <= 0) {
        return false;
    }
    path[n] = '\0';
    return path_in(t, path) && stat(link, &st) == 0 && st.st_dev == t->dev;
}

static bool
fds_in(const struct target *t, const char *pid_dir)
{
    g_autofree char *fd_dir = g_build_filename(pid_dir, "fd", NULL);
    g_autoptr(GDir) dir = g_dir_open(fd_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *link = g_build_filename(fd_dir, name, NULL);
        if (link_in(t, link)) {
            return true;
        }
    }
    return false;
}

/* A line of /proc/PID/maps: "addr perms offset MAJ:MIN inode path". */
static bool
maps_in(const struct target *t, const char *pid_dir)
{
    g_autofree char *path = g_build_filename(pid_dir, "maps", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i] != NULL; i++) {
        unsigned maj, min;
        int at = 0;
        if (sscanf(lines[i], "%*s %*s %*s %x:%x %*s %n", &maj, &min, &at) == 2 && at > 0 &&
            makedev(maj, min) == t->dev && path_in(t, lines[i] + at)) {
            return true;
        }
    }
    return false;
}

static bool
process_uses(const struct target *t, const char *pid_dir)
{
    g_autofree char *cwd = g_build_filename(pid_dir, "cwd", NULL);
    g_autofree char *root = g_build_filename(pid_dir, "root", NULL);

    return link_in(t, cwd) || link_in(t, root) || fds_in(t, pid_dir) || maps_in(t, pid_dir);
}

static bool
parse_pid(const char *name, pid_t *pid)
{
    guint64 value;

    if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT32, &value, NULL)) {
        return false;
    }
    *pid = (pid_t) value;
    return true;
}

int
bl_volume_folder_users(const struct bl_volume *v, size_t i, GArray **pids)
{
    g_autofree char *shared = g_build_filename(v->state_dir, v->folders[i].name, NULL);
    g_autofree char *real = realpath(v->folders[i].path, NULL);
    g_autoptr(GDir) proc = NULL;
    struct target t;
    struct stat st;
    const char *name;

    *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    if (stat(shared, &st) != 0) {
        return -errno;
    }
    t = (struct target){.dir = real != NULL ? real : v->folders[i].path, .dev = st.st_dev};
    t.len = strlen(t.dir);
    proc = g_dir_open(PROC_DIR, 0, NULL);
    if (proc == NULL) {
        return -ENOENT;
    }
    while ((name = g_dir_read_name(proc)) != NULL) {
        pid_t pid;
        if (!parse_pid(name, &pid) || pid == getpid()) {
            continue;
        }
        g_autofree char *pid_dir = g_build_filename(PROC_DIR, name, NULL);
        if (process_uses(&t, pid_dir)) {
            g_array_append_val(*pids, pid);
        }
    }
    return 0;
}

/* "PID (comm)" for the log; comm is the kernel's short name. */
static void
describe(GString *out, pid_t pid)
{
    g_autofree char *path = g_strdup_printf(PROC_DIR "/%d/comm", (int) pid);
    g_autofree char *comm = NULL;

    if (g_file_get_contents(path, &comm, NULL, NULL)) {
        g_strchomp(comm);
    }
    g_string_append_printf(out, "%s%d (%s)", out->len > 0 ? ", " : "", (int) pid,
                           comm != NULL ? comm : "?");
}

int
bl_volume_signal_users(const struct bl_volume *v, size_t i, int sig, GString *report)
{
    g_autoptr(GArray) pids = NULL;
    g_autoptr(GString) names = g_string_new(NULL);
    int rc = bl_volume_folder_users(v, i, &pids);

    for (guint k = 0; rc == 0 && k < pids->len; k++) {
        pid_t pid = g_array_index(pids, pid_t, k);
        describe(names, pid);
        kill(pid, sig);
    }
    if (names->len > 0 && report != NULL) {
        g_string_append_printf(report, "%s%s to %s using %s", report->len > 0 ? "; " : "",
                               sig == SIGKILL ? "SIGKILL" : "SIGTERM", names->str,
                               v->folders[i].path);
    }
    return rc == 0 ? (int) pids->len : rc;
}
