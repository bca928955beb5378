/*
 * Atomic first-start copy of a local folder onto the shared volume, and removal of what an
 * interrupted copy left. Everything works on directory fds with O_NOFOLLOW, so a symbolic
 * link in the tree is copied as a link and never followed out of it.
 */
#include "volume.h"

#include "bl_result.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define COPY_DEPTH_MAX 128
#define COPY_CHUNK (1 << 20)

static int copy_dir(int src, int dst, int depth);

/* A DIR stream owning fd (closed on failure); NULL with errno set. */
static DIR *
dir_from_fd(int fd)
{
    DIR *d;
    int saved;

    if (fd < 0) {
        return NULL;
    }
    d = fdopendir(fd);
    if (d == NULL) {
        saved = errno;
        close(fd);
        errno = saved;
    }
    return d;
}

static int
keep_attrs(int dirfd, const char *name, const struct stat *st)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};

    if (fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
        return -errno;
    }
    if (!S_ISLNK(st->st_mode) && fchmodat(dirfd, name, st->st_mode & 07777, 0) != 0) {
        return -errno;
    }
    return utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int
copy_bytes(int in, int out)
{
    char *buf = NULL;
    ssize_t n;

    for (;;) {
        n = copy_file_range(in, NULL, out, NULL, COPY_CHUNK, 0);
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            break;
        }
    }
    if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS) {
        return -errno;
    }
    buf = g_malloc(COPY_CHUNK);
    while ((n = read(in, buf, COPY_CHUNK)) > 0) {
        if (write(out, buf, (size_t) n) != n) {
            n = -1;
            break;
        }
    }
    g_free(buf);
    return n == 0 ? 0 : (errno != 0 ? -errno : -EIO);
}

static int
copy_file(int src, int dst, const char *name)
{
    int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    int out;
    int rc;

    if (in < 0) {
        return -errno;
    }
    out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        rc = -errno;
        close(in);
        return rc;
    }
    rc = copy_bytes(in, out);
    if (rc == 0 && fsync(out) != 0) {
        rc = -errno;
    }
    close(in);
    close(out);
    return rc;
}

static int
copy_link(int src, int dst, const char *name, const struct stat *st)
{
    g_autofree char *target = g_malloc((size_t) st->st_size + 2);
    ssize_t n = readlinkat(src, name, target, (size_t) st->st_size + 1);

    if (n < 0) {
        return -errno;
    }
    target[n] = '\0';
    return symlinkat(target, dst, name) == 0 ? 0 : -errno;
}

static int
copy_subdir(int src, int dst, const char *name, int depth)
{
    int in, out, rc;

    if (depth >= COPY_DEPTH_MAX) {
        return -ELOOP;
    }
    if (mkdirat(dst, name, 0700) != 0) {
        return -errno;
    }
    in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    rc = (in < 0 || out < 0) ? -errno : copy_dir(in, out, depth + 1);
    if (rc == 0 && fsync(out) != 0) {
        rc = -errno;
    }
    if (in >= 0) {
        close(in);
    }
    if (out >= 0) {
        close(out);
    }
    return rc;
}

static int
copy_entry(int src, int dst, const char *name, int depth)
{
    struct stat st;
    int rc;

    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return -errno;
    }
    switch (st.st_mode & S_IFMT) {
        case S_IFDIR:
            rc = copy_subdir(src, dst, name, depth);
            break;
        case S_IFREG:
            rc = copy_file(src, dst, name);
            break;
        case S_IFLNK:
            rc = copy_link(src, dst, name, &st);
            break;
        case S_IFSOCK:
            return 0; /* a socket is recreated by whoever listens on it */
        default:
            rc = mknodat(dst, name, st.st_mode & ~07777, st.st_rdev) == 0 ? 0 : -errno;
            break;
    }
    return rc == 0 ? keep_attrs(dst, name, &st) : rc;
}

static int
copy_dir(int src, int dst, int depth)
{
    DIR *d = dir_from_fd(fcntl(src, F_DUPFD_CLOEXEC, 0));
    struct dirent *de;
    int rc = 0;

    if (d == NULL) {
        return -errno;
    }
    while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = copy_entry(src, dst, de->d_name, depth);
        }
    }
    if (rc == 0 && errno != 0) {
        rc = -errno;
    }
    closedir(d);
    return rc;
}

static int
remove_at(int parent, const char *name, int depth)
{
    int rc = 0;

    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) {
        return 0;
    }
    if ((errno != EISDIR && errno != EPERM) || depth >= COPY_DEPTH_MAX) {
        return -errno;
    }
    DIR *d = dir_from_fd(openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d == NULL) {
        return -errno;
    }
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = remove_at(dirfd(d), de->d_name, depth + 1);
        }
    }
    closedir(d);
    if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0) {
        rc = -errno;
    }
    return rc;
}

int
bl_volume_remove_partial(const char *dir)
{
    DIR *d = dir_from_fd(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    int removed = 0;
    int rc = 0;

    if (d == NULL) {
        return -errno;
    }
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (g_str_has_prefix(de->d_name, BL_VOLUME_COPY_PREFIX)) {
            rc = remove_at(dirfd(d), de->d_name, 0);
            removed += rc == 0 ? 1 : 0;
        }
    }
    closedir(d);
    return rc != 0 ? rc : removed;
}

/* Fill the temporary directory and give its top the source's or the configured attributes. */
static int
fill_tmp(const char *src, int parent, const char *tmp_name, uid_t uid, gid_t gid, mode_t mode)
{
    struct stat st = {.st_uid = 0, .st_gid = 0, .st_mode = S_IFDIR | 0755};
    int rc = 0;
    int in = -1;
    int out = openat(parent, tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (out < 0) {
        return -errno;
    }
    if (src != NULL) {
        in = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc = (in < 0 || fstat(in, &st) != 0) ? -errno : copy_dir(in, out, 1);
    } else {
        clock_gettime(CLOCK_REALTIME, &st.st_mtim);
        st.st_atim = st.st_mtim;
    }
    st.st_uid = uid != BL_VOLUME_NO_UID ? uid : st.st_uid;
    st.st_gid = gid != BL_VOLUME_NO_GID ? gid : st.st_gid;
    st.st_mode = mode != 0 ? (S_IFDIR | mode) : st.st_mode;
    if (rc == 0) {
        rc = keep_attrs(parent, tmp_name, &st);
    }
    if (rc == 0 && fsync(out) != 0) {
        rc = -errno;
    }
    if (in >= 0) {
        close(in);
    }
    close(out);
    return rc;
}

int
bl_volume_tree_copy_atomic(const char *src, const char *parent, const char *name, uid_t uid,
                           gid_t gid, mode_t mode)
{
    g_autofree char *tmp_name = NULL;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (pfd < 0) {
        return -errno;
    }
    if (faccessat(pfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        close(pfd);
        return -EEXIST;
    }
    tmp_name = g_strdup_printf("%s%s-%d-%08x", BL_VOLUME_COPY_PREFIX, name, (int) getpid(),
                               g_random_int());
    rc = mkdirat(pfd, tmp_name, 0700) == 0 ? fill_tmp(src, pfd, tmp_name, uid, gid, mode) : -errno;
    /* RENAME_NOREPLACE: never replace a folder another node created meanwhile. */
    if (rc == 0 && renameat2(pfd, tmp_name, pfd, name, RENAME_NOREPLACE) != 0) {
        rc = -errno;
    }
    if (rc == 0 && fsync(pfd) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        remove_at(pfd, tmp_name, 0);
    }
    close(pfd);
    return rc;
}
