/*
 * Shared-volume checks and the folder binds. The volume check reads /proc/self/mountinfo to
 * find which mount holds state_dir; bind state is decided by comparing the local path's and
 * the volume folder's inode, which needs no parsing.
 */
#include "volume.h"

#include "bl_result.h"
#include "chain_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define UNBIND_RETRY_MS 50
/* With force_unbind: a bind busy this long gets its users SIGTERM; still busy this long
 * after a signal, SIGKILL (Filesystem's force_unmount allows about as long). */
#define UNBIND_TERM_AFTER_MS 1000
#define UNBIND_KILL_AFTER_MS 3000

const char *
bl_volume_problem_name(enum bl_volume_problem problem)
{
    static const char *const names[] = {"ok", "not mounted", "wrong device", "read-only",
                                        "not a directory"};

    return (problem >= 0 && problem <= BL_VOL_NOT_DIR) ? names[problem] : "unknown";
}

void
bl_volume_clear(struct bl_volume *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n_folders; i++) {
        g_free(v->folders[i].name);
        g_free(v->folders[i].path);
    }
    g_free(v->folders);
    g_free(v->state_dir);
    g_free(v->device);
    bl_volume_id_clear(&v->id);
    memset(v, 0, sizeof(*v));
}

static bool
valid_folder_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || strlen(name) > 255) {
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && strchr("._-", *p) == NULL) {
            return false;
        }
    }
    return true;
}

static int
parse_owner(const char *text, uid_t *uid)
{
    char buf[4096];
    struct passwd pw, *found = NULL;
    char *end = NULL;
    unsigned long n = strtoul(text, &end, 10);

    if (text[0] != '\0' && *end == '\0' && n < (unsigned long) BL_VOLUME_NO_UID) {
        *uid = (uid_t) n;
        return 0;
    }
    if (getpwnam_r(text, &pw, buf, sizeof(buf), &found) != 0 || found == NULL) {
        return BL_E_INVALID;
    }
    *uid = pw.pw_uid;
    return 0;
}

static int
parse_group(const char *text, gid_t *gid)
{
    char buf[4096];
    struct group gr, *found = NULL;
    char *end = NULL;
    unsigned long n = strtoul(text, &end, 10);

    if (text[0] != '\0' && *end == '\0' && n < (unsigned long) BL_VOLUME_NO_GID) {
        *gid = (gid_t) n;
        return 0;
    }
    if (getgrnam_r(text, &gr, buf, sizeof(buf), &found) != 0 || found == NULL) {
        return BL_E_INVALID;
    }
    *gid = gr.gr_gid;
    return 0;
}

static int
parse_mode(const char *text, mode_t *mode)
{
    char *end = NULL;
    unsigned long n = strtoul(text, &end, 8);

    if (text[0] == '\0' || *end != '\0' || n == 0 || n > 07777) {
        return BL_E_INVALID;
    }
    *mode = (mode_t) n;
    return 0;
}

/* One entry: [name=]path[:owner[:group[:mode]]], with defaults for the missing fields. */
static char *
parse_entry(struct bl_folder *f, const char *entry, const char *const defaults[3])
{
    g_auto(GStrv) parts = NULL;
    const char *eq = strchr(entry, '=');
    const char *rest = eq != NULL ? eq + 1 : entry;

    parts = g_strsplit(rest, ":", 4);
    f->path = g_strdup(parts[0]);
    f->name = eq != NULL ? g_strndup(entry, (gsize) (eq - entry)) : g_path_get_basename(parts[0]);
    f->uid = BL_VOLUME_NO_UID;
    f->gid = BL_VOLUME_NO_GID;
    if (!g_path_is_absolute(f->path) || strcmp(f->path, "/") == 0) {
        return g_strdup_printf("folder '%s': '%s' is not an absolute path", entry, f->path);
    }
    if (!valid_folder_name(f->name)) {
        return g_strdup_printf("folder '%s': name '%s' must be letters, digits, '.', '_', '-' "
                               "and not start with '.'",
                               entry, f->name);
    }
    const char *owner = parts[1] != NULL && parts[1][0] ? parts[1] : defaults[0];
    const char *group =
        parts[1] != NULL && parts[2] != NULL && parts[2][0] ? parts[2] : defaults[1];
    const char *mode = parts[1] != NULL && parts[2] != NULL && parts[3] != NULL && parts[3][0]
                           ? parts[3]
                           : defaults[2];
    if (owner != NULL && owner[0] != '\0' && parse_owner(owner, &f->uid) != 0) {
        return g_strdup_printf("folder '%s': unknown owner '%s'", entry, owner);
    }
    if (group != NULL && group[0] != '\0' && parse_group(group, &f->gid) != 0) {
        return g_strdup_printf("folder '%s': unknown group '%s'", entry, group);
    }
    if (mode != NULL && mode[0] != '\0' && parse_mode(mode, &f->mode) != 0) {
        return g_strdup_printf("folder '%s': mode '%s' is not octal 1-7777", entry, mode);
    }
    return NULL;
}

int
bl_volume_parse_folders(struct bl_volume *v, const char *spec, const char *owner, const char *group,
                        const char *mode, char **errmsg)
{
    const char *const defaults[3] = {owner, group, mode};
    g_auto(GStrv) entries = g_strsplit_set(spec != NULL ? spec : "", " \t\n,", -1);
    GArray *folders = g_array_new(FALSE, TRUE, sizeof(struct bl_folder));
    char *problem = NULL;

    for (size_t i = 0; entries[i] != NULL && problem == NULL; i++) {
        struct bl_folder f = {0};
        if (entries[i][0] == '\0') {
            continue;
        }
        problem = parse_entry(&f, entries[i], defaults);
        for (guint j = 0; j < folders->len && problem == NULL; j++) {
            const struct bl_folder *o = &g_array_index(folders, struct bl_folder, j);
            if (strcmp(o->name, f.name) == 0 || strcmp(o->path, f.path) == 0) {
                problem = g_strdup_printf("folder '%s' repeats a name or path", entries[i]);
            }
        }
        g_array_append_val(folders, f);
    }
    v->n_folders = folders->len;
    v->folders = (struct bl_folder *) (void *) g_array_free(folders, FALSE);
    if (problem != NULL) {
        if (errmsg != NULL) {
            *errmsg = problem;
        } else {
            g_free(problem);
        }
        return BL_E_INVALID;
    }
    return 0;
}

/* The mount holding path (a real path), from the mountinfo file. */
static int
find_mount(const char *mountinfo, const char *path, dev_t dev, struct bl_mount *best)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(mountinfo, &text, NULL, NULL)) {
        return -EIO;
    }
    return bl_volume_mountinfo_find(text, path, major(dev), minor(dev), best);
}

/* state_dir, or its nearest existing ancestor, resolved. */
static char *
existing_real_path(const char *path)
{
    g_autofree char *p = g_strdup(path);

    while (access(p, F_OK) != 0 && strcmp(p, "/") != 0) {
        char *up = g_path_get_dirname(p);
        g_free(p);
        p = up;
    }
    return realpath(p, NULL);
}

static bool
device_matches(const char *device, const struct bl_mount *e, char **errmsg)
{
    struct stat st;
    g_autofree char *real_dev = realpath(device, NULL);
    g_autofree char *real_src = realpath(e->source, NULL);

    if (stat(device, &st) != 0) {
        *errmsg = g_strdup_printf("volume_device %s: %s", device, g_strerror(errno));
        return false;
    }
    if (S_ISBLK(st.st_mode) && st.st_rdev == makedev(e->major, e->minor)) {
        return true;
    }
    if (real_dev != NULL && real_src != NULL && strcmp(real_dev, real_src) == 0) {
        return true; /* file systems whose st_dev is not the block device's (btrfs) */
    }
    *errmsg = g_strdup_printf("volume from another device: %s is mounted from %s (%u:%u), not "
                              "from volume_device %s",
                              e->point, e->source, e->major, e->minor, device);
    return false;
}

static int
check_mount(const struct bl_volume *v, const char *real, enum bl_volume_problem *problem,
            char **errmsg)
{
    g_autofree struct bl_mount *m = g_new0(struct bl_mount, 1);
    struct stat st;
    struct statvfs vfs;
    const char *ro;
    int rc;

    if (stat(real, &st) != 0) {
        return -errno;
    }
    rc = find_mount(v->mountinfo != NULL ? v->mountinfo : "/proc/self/mountinfo", real, st.st_dev,
                    m);
    if (rc != 0) {
        return rc;
    }
    if (strcmp(m->point, "/") == 0) {
        *problem = BL_VOL_NOT_MOUNTED;
        *errmsg = g_strdup_printf("volume not mounted: state_dir %s is on the root file system",
                                  v->state_dir);
        return BL_E_STATE;
    }
    if (v->device != NULL && !device_matches(v->device, m, errmsg)) {
        *problem = BL_VOL_WRONG_DEVICE;
        return BL_E_STATE;
    }
    ro = bl_volume_mount_read_only(m, statvfs(real, &vfs) == 0 ? vfs.f_flag : 0);
    if (ro != NULL) {
        *problem = BL_VOL_READ_ONLY;
        *errmsg = g_strdup_printf("volume read-only: %s, %s (%s)", ro, m->point, m->source);
        return BL_E_STATE;
    }
    return 0;
}

int
bl_volume_check(const struct bl_volume *v, enum bl_volume_problem *problem, char **errmsg)
{
    g_autofree char *real = existing_real_path(v->state_dir);
    struct stat st;
    int rc;

    *problem = BL_VOL_OK;
    if (real == NULL) {
        return -errno;
    }
    rc = check_mount(v, real, problem, errmsg);
    if (rc == 0 && stat(v->state_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        *problem = BL_VOL_NOT_DIR;
        *errmsg = g_strdup_printf("state_dir %s exists and is not a directory", v->state_dir);
        rc = BL_E_STATE;
    }
    return rc;
}

static bool
is_mount_root(const char *path)
{
    struct statx stx;

    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) {
        return false;
    }
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

enum bl_bind_state
bl_volume_bind_state(const struct bl_volume *v, size_t i)
{
    const struct bl_folder *f = &v->folders[i];
    g_autofree char *shared = g_build_filename(v->state_dir, f->name, NULL);
    struct stat a, b;

    if (stat(f->path, &a) == 0 && stat(shared, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        return BL_BIND_BOUND;
    }
    return is_mount_root(f->path) ? BL_BIND_OTHER : BL_BIND_NONE;
}

/* Create one folder on the volume from its local copy, or empty when there is none. */
static int
create_folder(const struct bl_volume *v, const struct bl_folder *f, char **errmsg)
{
    struct stat st;
    bool local = stat(f->path, &st) == 0;
    int rc;

    if (local && !S_ISDIR(st.st_mode)) {
        *errmsg = g_strdup_printf("local path %s is not a directory", f->path);
        return BL_E_STATE;
    }
    if (local && is_mount_root(f->path)) {
        *errmsg = g_strdup_printf("local path %s has something mounted on it; not copying it "
                                  "to the volume",
                                  f->path);
        return BL_E_STATE;
    }
    rc = bl_volume_tree_copy_atomic(local ? f->path : NULL, v->state_dir, f->name, f->uid, f->gid,
                                    f->mode);
    if (rc != 0) {
        *errmsg = g_strdup_printf("first-start copy of %s to %s/%s failed: %s", f->path,
                                  v->state_dir, f->name, bl_strerror(rc));
    }
    if (rc == 0 && !local && g_mkdir_with_parents(f->path, 0755) != 0) {
        rc = -errno;
        *errmsg = g_strdup_printf("cannot create local path %s: %s", f->path, g_strerror(-rc));
    }
    return rc;
}

static int
prepare_folder(const struct bl_volume *v, const struct bl_folder *f, char **errmsg)
{
    g_autofree char *shared = g_build_filename(v->state_dir, f->name, NULL);
    struct stat st;

    if (lstat(shared, &st) != 0) {
        return errno == ENOENT ? create_folder(v, f, errmsg) : -errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        *errmsg = g_strdup_printf("%s on the volume is not a directory", shared);
        return BL_E_STATE;
    }
    if (access(f->path, F_OK) != 0 && g_mkdir_with_parents(f->path, 0755) != 0) {
        *errmsg = g_strdup_printf("cannot create local path %s: %s", f->path, g_strerror(errno));
        return -errno;
    }
    return 0;
}

int
bl_volume_prepare(const struct bl_volume *v, char **errmsg)
{
    int rc;

    if (g_mkdir_with_parents(v->state_dir, 0755) != 0) {
        *errmsg =
            g_strdup_printf("cannot create state_dir %s: %s", v->state_dir, g_strerror(errno));
        return -errno;
    }
    rc = bl_volume_remove_partial(v->state_dir);
    if (rc < 0) {
        *errmsg = g_strdup_printf("cannot clean %s: %s", v->state_dir, bl_strerror(rc));
        return rc;
    }
    for (size_t i = 0; i < v->n_folders; i++) {
        rc = prepare_folder(v, &v->folders[i], errmsg);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* How long a bind has been busy, and what its users were sent last. */
struct busy {
    int64_t since; /* -1: not busy yet */
    int sent;      /* 0, SIGTERM or SIGKILL */
};

/* Busy once more: signal the users when it has lasted long enough (see the defines). */
static void
end_users(const struct bl_volume *v, size_t i, struct busy *b, GString *ended)
{
    int64_t now = bl_chain_mono_ms();
    int after = b->sent == 0 ? UNBIND_TERM_AFTER_MS : UNBIND_KILL_AFTER_MS;

    if (b->since < 0) {
        b->since = now;
    } else if (now - b->since >= after) {
        b->sent = b->sent == 0 ? SIGTERM : SIGKILL;
        bl_volume_signal_users(v, i, b->sent, ended);
        b->since = now;
    }
}

/* ended: NULL to wait for a busy bind, else where end_users() reports. */
static int
unbind_one(const struct bl_volume *v, size_t i, int64_t deadline, GString *ended, char **errmsg)
{
    const char *path = v->folders[i].path;
    struct busy busy = {.since = -1};

    while (bl_volume_bind_state(v, i) == BL_BIND_BOUND) {
        if (umount2(path, UMOUNT_NOFOLLOW) == 0) {
            continue; /* binds may be stacked; unmount until the local content shows */
        }
        if (errno == EBUSY && bl_chain_mono_ms() < deadline) {
            if (ended != NULL) {
                end_users(v, i, &busy, ended);
            }
            bl_chain_sleep_ms(UNBIND_RETRY_MS);
            continue;
        }
        int rc = -errno;
        *errmsg = g_strdup_printf("cannot unmount %s: %s", path, g_strerror(errno));
        return rc;
    }
    return 0;
}

/*
 * A directory reached without following any symbolic link, as a descriptor to mount by: a
 * link on the way (the path itself or a parent) would move root's bind mount to its
 * target, which whoever can write that parent chooses, and stop (umount without following
 * links) could not undo it. Resolving once, by descriptor, leaves no window to swap a link
 * in between a check and the mount.
 * \return the descriptor (O_PATH) or -errno (-ELOOP: a symbolic link on the way)
 */
static int
open_no_symlinks(const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

    return fd >= 0 ? fd : -errno;
}

/* Bind shared over local: the local path reached without any symbolic link, the folder on
 * the volume (under root's state_dir) not a link itself. */
static int
bind_folder(const char *shared, const char *local, char **errmsg)
{
    int from = open(shared, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int to;

    from = from >= 0 ? from : (errno == ENOTDIR ? -ELOOP : -errno);
    to = from >= 0 ? open_no_symlinks(local) : -1;
    int rc = from < 0 ? from : to;

    if (rc == -ELOOP) {
        *errmsg = g_strdup_printf("%s is or goes through a symbolic link: refused (the bind "
                                  "would land on the link's target)",
                                  from < 0 ? shared : local);
    } else if (rc < 0) {
        *errmsg = g_strdup_printf("cannot open %s: %s", from < 0 ? shared : local, g_strerror(-rc));
    } else {
        char src[64], dst[64];
        snprintf(src, sizeof(src), "/proc/self/fd/%d", from);
        snprintf(dst, sizeof(dst), "/proc/self/fd/%d", to);
        rc = mount(src, dst, NULL, MS_BIND, NULL) == 0 ? 0 : -errno;
        if (rc != 0) {
            *errmsg = g_strdup_printf("cannot bind %s over %s: %s", shared, local, g_strerror(-rc));
        }
    }
    if (from >= 0) {
        close(from);
    }
    if (to >= 0) {
        close(to);
    }
    return rc;
}

int
bl_volume_bind(const struct bl_volume *v, char **errmsg)
{
    g_autofree bool *made = g_new0(bool, v->n_folders + 1);
    int rc = 0;

    for (size_t i = 0; i < v->n_folders && rc == 0; i++) {
        const struct bl_folder *f = &v->folders[i];
        g_autofree char *shared = g_build_filename(v->state_dir, f->name, NULL);
        enum bl_bind_state state = bl_volume_bind_state(v, i);
        if (state == BL_BIND_OTHER) {
            *errmsg = g_strdup_printf("%s already has another file system mounted on it", f->path);
            rc = BL_E_STATE;
        } else if (state == BL_BIND_NONE && (rc = bind_folder(shared, f->path, errmsg)) != 0) {
            break;
        } else {
            made[i] = state == BL_BIND_NONE;
        }
    }
    for (size_t i = v->n_folders; rc != 0 && i-- > 0;) {
        g_autofree char *ignored = NULL;
        if (made[i]) {
            unbind_one(v, i, 0, NULL, &ignored);
        }
    }
    return rc;
}

static int
unbind_all(const struct bl_volume *v, int timeout_ms, GString *ended, char **errmsg)
{
    int64_t deadline = bl_chain_mono_ms() + timeout_ms;
    int first = 0;

    for (size_t i = v->n_folders; i-- > 0;) {
        char *msg = NULL;
        int rc = unbind_one(v, i, deadline, ended, &msg);
        if (rc != 0 && first == 0) {
            first = rc;
            *errmsg = msg;
        } else {
            g_free(msg);
        }
    }
    return first;
}

int
bl_volume_unbind(const struct bl_volume *v, int timeout_ms, char **errmsg)
{
    return unbind_all(v, timeout_ms, NULL, errmsg);
}

int
bl_volume_unbind_force(const struct bl_volume *v, int timeout_ms, GString *ended, char **errmsg)
{
    return unbind_all(v, timeout_ms, ended, errmsg);
}
