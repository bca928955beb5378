#include "chain_record.h"

#include "bl_result.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
fsync_dir_of(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

int
bl_chain_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    int rc;

    if (fd < 0) {
        return -errno;
    }
    rc = fchmod(fd, mode) == 0 ? write_all(fd, data, len) : -errno;
    if (rc == 0 && fsync(fd) != 0) {
        rc = -errno;
    }
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir_of(path);
}

void
bl_chain_run_record_clear(struct bl_run_record *rec)
{
    if (rec != NULL) {
        g_free(rec->node);
        memset(rec, 0, sizeof(*rec));
    }
}

const char *
bl_chain_start_mode_name(enum bl_start_mode mode)
{
    return mode == BL_START_FAILOVER ? "FAILOVER" : "START";
}

int
bl_chain_run_record_read(const char *path, struct bl_run_record *rec)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *state = NULL;
    g_autofree char *mode = NULL;

    memset(rec, 0, sizeof(*rec));
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            return -ENOENT;
        }
        return err->domain == G_KEY_FILE_ERROR ? BL_E_INVALID : -EIO;
    }
    rec->node = g_key_file_get_string(kf, "run", "node", NULL);
    state = g_key_file_get_string(kf, "run", "state", NULL);
    mode = g_key_file_get_string(kf, "run", "mode", NULL);
    rec->changed = g_key_file_get_int64(kf, "run", "changed", NULL);
    if (rec->node == NULL || state == NULL ||
        (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0)) {
        bl_chain_run_record_clear(rec);
        return BL_E_INVALID;
    }
    rec->running = strcmp(state, "running") == 0;
    rec->mode = g_strcmp0(mode, "FAILOVER") == 0 ? BL_START_FAILOVER : BL_START_NORMAL;
    return 0;
}

int
bl_chain_run_record_write(const char *path, const struct bl_run_record *rec)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *text = NULL;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        return -errno;
    }
    text = g_strdup_printf("# bmclink servicechain: which node ran the chain last, and how it "
                           "ended\n[run]\nnode=%s\nstate=%s\nmode=%s\nchanged=%lld\n",
                           rec->node, rec->running ? "running" : "stopped",
                           bl_chain_start_mode_name(rec->mode),
                           (long long) (rec->changed != 0 ? rec->changed : time(NULL)));
    return bl_chain_file_write_atomic(path, text, strlen(text), 0644);
}

enum bl_start_mode
bl_chain_start_mode_decide(const struct bl_run_record *rec, const char *node, bool local_snapshot)
{
    if (rec == NULL) {
        return BL_START_NORMAL;
    }
    if (g_strcmp0(rec->node, node) != 0) {
        return BL_START_FAILOVER;
    }
    return (rec->running && !local_snapshot) ? BL_START_FAILOVER : BL_START_NORMAL;
}
