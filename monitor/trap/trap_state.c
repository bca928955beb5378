#include "trap_state.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bl_log.h"

#define STATE_MAX (64 * 1024) /* our state is about 2 KiB: anything larger is not ours */

struct bl_trap_state {
    char *path;
    GThread *thread;
    GMutex lock;
    GCond wake;
    GByteArray *pending; /* NULL: nothing to write */
    bool stop;
};

static int
write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno != EINTR) {
            return -errno;
        }
        if (n > 0) {
            p += n;
            len -= (size_t) n;
        }
    }
    return 0;
}

/* tmp, fsync, rename, fsync the folder: the file is the old state or the new, never torn. */
static int
write_file(const char *path, const GByteArray *data)
{
    g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = fd < 0 ? -errno : write_all(fd, data->data, data->len);

    if (rc == 0 && fsync(fd) != 0) {
        rc = -errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
    }
    fd = rc == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        (void) fsync(fd);
        close(fd);
    }
    return rc;
}

static gpointer
writer(gpointer p)
{
    struct bl_trap_state *s = p;

    g_mutex_lock(&s->lock);
    for (;;) {
        while (s->pending == NULL && !s->stop) {
            g_cond_wait(&s->wake, &s->lock);
        }
        GByteArray *data = s->pending;
        s->pending = NULL;
        if (data == NULL) {
            break; /* stopping, nothing left */
        }
        g_mutex_unlock(&s->lock);
        int rc = write_file(s->path, data);
        if (rc != 0) {
            qb_log(LOG_WARNING, "cannot write the trap replay state %s: %s", s->path,
                   g_strerror(-rc));
        }
        g_byte_array_unref(data);
        g_mutex_lock(&s->lock);
    }
    g_mutex_unlock(&s->lock);
    return NULL;
}

void
bl_trap_state_new(const char *path, struct bl_trap_state **out)
{
    struct bl_trap_state *s = g_new0(struct bl_trap_state, 1);

    s->path = g_strdup(path);
    g_mutex_init(&s->lock);
    g_cond_init(&s->wake);
    s->thread = g_thread_new("trap-state", writer, s);
    *out = s;
}

void
bl_trap_state_put(struct bl_trap_state *s, const uint8_t *data, size_t len)
{
    GByteArray *copy = g_byte_array_sized_new((guint) len);

    g_byte_array_append(copy, data, (guint) len);
    g_mutex_lock(&s->lock);
    if (s->pending != NULL) {
        g_byte_array_unref(s->pending);
    }
    s->pending = copy;
    g_cond_signal(&s->wake);
    g_mutex_unlock(&s->lock);
}

void
bl_trap_state_free(struct bl_trap_state *s)
{
    if (s == NULL) {
        return;
    }
    g_mutex_lock(&s->lock);
    s->stop = true;
    g_cond_signal(&s->wake);
    g_mutex_unlock(&s->lock);
    g_thread_join(s->thread);
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->wake);
    g_free(s->path);
    g_free(s);
}

int
bl_trap_state_read(const char *path, GByteArray **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    uint8_t buf[4096];
    ssize_t n;

    *out = NULL;
    if (fd < 0) {
        return -errno;
    }
    GByteArray *data = g_byte_array_new();
    while ((n = read(fd, buf, sizeof(buf))) > 0 && data->len <= STATE_MAX) {
        g_byte_array_append(data, buf, (guint) n);
    }
    int rc = n < 0 ? -errno : data->len > STATE_MAX ? -EFBIG : 0;
    close(fd);
    if (rc != 0) {
        g_byte_array_unref(data);
        return rc;
    }
    *out = data;
    return 0;
}
