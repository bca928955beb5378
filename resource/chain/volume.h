/*
 * The manager's working state on a shared volume: folders (work, database, service, package
 * pool) kept in state_dir on a volume that ocf:heartbeat:Filesystem mounts earlier in the same
 * group, bind-mounted over the manager's local paths while the chain runs.
 *
 * On the first start a folder is created on the volume from the local install-time copy
 * (the local copy stays): copied into state_dir/.bmclink-copy-<name>-XXXXXX, then renamed,
 * so the volume holds either the whole copy or none of it. Leftovers of an interrupted copy
 * are removed on the next start.
 */
#ifndef BL_VOLUME_H
#define BL_VOLUME_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#define BL_VOLUME_COPY_PREFIX ".bmclink-copy-"
#define BL_VOLUME_NO_UID ((uid_t) -1)
#define BL_VOLUME_NO_GID ((gid_t) -1)

struct bl_folder {
    char *name;  /* directory in state_dir: letters, digits, '.', '_', '-'; not starting '.' */
    char *path;  /* local absolute path the folder is bound over */
    uid_t uid;   /* owner on the volume, or BL_VOLUME_NO_UID: the local copy's */
    gid_t gid;   /* group, or BL_VOLUME_NO_GID: the local copy's */
    mode_t mode; /* permission bits, or 0: the local copy's */
};

/* A free-space threshold: bytes, or a percentage of the volume's size (and of its inodes). */
struct bl_volume_space {
    uint64_t bytes;
    double percent;
    bool is_percent;
};

/* Which file system held state_dir when the chain started; a monitor compares against it. */
struct bl_volume_id {
    bool known;            /* false: not recorded (a run started by an older agent) */
    unsigned major, minor; /* st_dev of state_dir */
    uint64_t fsid;         /* statvfs f_fsid: ext4, xfs and btrfs derive it from the UUID */
    char *point;           /* the mount point, as mountinfo has it */
    char *source;          /* the mount's source, e.g. /dev/sdb1 */
};

struct bl_volume {
    char *state_dir; /* absolute path on the shared volume */
    char *device;    /* expected block device (or a link to it, e.g. by-uuid), or NULL */
    struct bl_folder *folders;
    size_t n_folders;
    const char *mountinfo;            /* default /proc/self/mountinfo (tests point elsewhere) */
    bool force_unbind;                /* at stop, end the processes that keep a bind busy */
    struct bl_volume_space free_min;  /* less free than this: degraded */
    struct bl_volume_space free_fail; /* this or less free: failed */
    struct bl_volume_id id;           /* what start saw (in the run snapshot) */
};

enum bl_volume_problem {
    BL_VOL_OK = 0,
    BL_VOL_NOT_MOUNTED,  /* state_dir is on the root file system: the volume is not mounted */
    BL_VOL_WRONG_DEVICE, /* mounted from another device than configured */
    BL_VOL_READ_ONLY,    /* mounted read-only */
    BL_VOL_NOT_DIR,      /* state_dir (or a folder in it) exists and is not a directory */
};

enum bl_bind_state {
    BL_BIND_NONE = 0,  /* the local path shows its own content */
    BL_BIND_BOUND = 1, /* the local path shows the folder on the volume */
    BL_BIND_OTHER = 2, /* something else is mounted on the local path */
};

/**
 * Parse the agent's "folders" parameter: entries separated by blanks or commas, each
 * [name=]path[:owner[:group[:mode]]]. A missing name is the path's last component; missing
 * owner, group, mode take the defaults given (which may themselves be NULL: keep the local
 * copy's).
 * \param[out] v       folders and n_folders set; free with bl_volume_clear()
 * \param[out] errmsg  on failure, what is wrong; g_free()
 * \return 0 or BL_E_INVALID
 */
int bl_volume_parse_folders(struct bl_volume *v, const char *spec, const char *owner,
                            const char *group, const char *mode, char **errmsg);

/** Free what a volume holds (not the struct); accepts a zeroed struct. */
void bl_volume_clear(struct bl_volume *v);

/**
 * Check that state_dir sits on a mounted, writable volume from the configured device.
 * \param[out] problem  what is wrong
 * \param[out] errmsg   on a problem, a sentence for the log; g_free()
 * \return 0 when fine, BL_E_STATE with *problem set, or -errno
 */
int bl_volume_check(const struct bl_volume *v, enum bl_volume_problem *problem, char **errmsg);

/**
 * Prepare the volume for a start: create state_dir, remove leftovers of interrupted copies,
 * create each folder missing on the volume from its local copy (atomically), and create
 * missing local paths. Call after bl_volume_check() succeeded.
 * \return 0, BL_E_STATE when a folder on the volume is not a directory, or -errno
 */
int bl_volume_prepare(const struct bl_volume *v, char **errmsg);

/**
 * Bind every folder over its local path; folders already bound are left. On failure the
 * binds made by this call are undone. Paths are resolved without following symbolic links.
 * \return 0, BL_E_STATE when a local path has something else mounted on it, -ELOOP when a
 *         local path (or its folder on the volume) is or goes through a symbolic link, -errno
 */
int bl_volume_bind(const struct bl_volume *v, char **errmsg);

/**
 * Undo the binds, last folder first. Folders not bound are fine; other mounts on a local path
 * are left alone. A busy bind is retried until timeout_ms.
 * \return 0, or -EBUSY (still in use) or -errno
 */
int bl_volume_unbind(const struct bl_volume *v, int timeout_ms, char **errmsg);

/**
 * Undo the binds like bl_volume_unbind(), ending what keeps one busy: when a bind is still
 * busy after 1 s, the processes using it (bl_volume_folder_users()) are sent SIGTERM, and
 * SIGKILL 3 s later (again every 3 s while it stays busy), until timeout_ms.
 * \param[out] ended  appended with who was sent which signal, for the caller's log
 * \return 0, or -EBUSY (still in use at timeout_ms) or -errno
 */
int bl_volume_unbind_force(const struct bl_volume *v, int timeout_ms, GString *ended,
                           char **errmsg);

/**
 * Processes using folder i from the volume: a working directory, root, open file or mapped
 * file at or under the folder's local path and on the file system of state_dir/name (as
 * fuser(1) finds them). This process is never listed.
 * \param[out] pids  their PIDs (pid_t); g_array_unref(), also on failure
 * \return 0, or -errno when state_dir/name or /proc cannot be read
 */
int bl_volume_folder_users(const struct bl_volume *v, size_t i, GArray **pids);

/**
 * Send sig to the processes using folder i (bl_volume_folder_users()).
 * \param[out] report  when not NULL, appended with "SIGTERM to PID (comm), ... using PATH"
 * \return how many were signalled, or -errno
 */
int bl_volume_signal_users(const struct bl_volume *v, size_t i, int sig, GString *report);

/** Whether folder i is bound now. */
enum bl_bind_state bl_volume_bind_state(const struct bl_volume *v, size_t i);

/**
 * Copy a directory tree to parent/name atomically (see the file comment). Regular files,
 * directories, symbolic links, FIFOs and device nodes keep mode, owner and times; hard links
 * become separate files; extended attributes are not copied. The new top directory gets
 * uid/gid/mode when given.
 * \return 0, -EEXIST when parent/name exists, or -errno (nothing left behind)
 */
int bl_volume_tree_copy_atomic(const char *src, const char *parent, const char *name, uid_t uid,
                               gid_t gid, mode_t mode);

/**
 * Remove leftovers of interrupted copies (BL_VOLUME_COPY_PREFIX entries) from a directory.
 * \return the number removed, or -errno
 */
int bl_volume_remove_partial(const char *dir);

/** "ok", "not mounted", ...; static. */
const char *bl_volume_problem_name(enum bl_volume_problem problem);

/* The volume's health while the chain runs (volume_health.c): what a monitor sees with one
 * stat(), one statvfs(), one read of /proc/self/mountinfo and, for ext4, of its error count
 * in sysfs; no process. */
enum bl_volume_health {
    BL_VH_OK = 0,
    BL_VH_LOW,         /* less free than free_min: degraded */
    BL_VH_FS_ERRORS,   /* writable, but ext4 counted errors since the last e2fsck: degraded */
    BL_VH_FULL,        /* free_fail or less free (bytes or inodes) */
    BL_VH_READ_ONLY,   /* remounted read-only, ext4's emergency read-only, shut down */
    BL_VH_NOT_MOUNTED, /* state_dir is no longer on the mount start saw */
    BL_VH_REPLACED,    /* another device or file system is mounted there now */
    BL_VH_MISSING,     /* the same file system, but state_dir is gone from it */
    BL_VH_ERROR,       /* cannot be checked: statvfs() or mountinfo failed */
};

/* One line of /proc/self/mountinfo, unescaped. */
struct bl_mount {
    unsigned major, minor;
    char point[4096];
    char source[4096];
    char fstype[256];
    char mount_opts[1024]; /* the mount's own options (field 6): "rw,relatime" */
    char super_opts[4096]; /* the file system's, after the source: "rw,errors=remount-ro" */
};

/* What a monitor gathers: bl_volume_probe() fills it from the system, tests by hand. */
struct bl_volume_facts {
    char *path;            /* state_dir resolved, or its nearest existing ancestor */
    bool state_dir_exists; /* path is state_dir itself */
    unsigned major, minor; /* st_dev of path */
    int vfs_errno;         /* 0, or the errno of statvfs(path) or of a stat() that found
                            * the path but could not read it (EIO, EACCES) */
    struct statvfs vfs;
    char *mountinfo; /* the text of /proc/self/mountinfo */
    long fs_errors;  /* ext4's errors_count (/sys/fs/ext4/DEV), 0 or -1 when not known */
};

/**
 * Parse one mountinfo line (bounds-checked; fields longer than struct bl_mount's are cut).
 * \return true when it has every field
 */
bool bl_volume_mount_parse(const char *line, struct bl_mount *m);

/**
 * The mount holding path (a real path) in a mountinfo text: the longest mount point above
 * it, preferring the entries of device major:minor (binds of it elsewhere do not count).
 * \return 0, or -ENOENT
 */
int bl_volume_mountinfo_find(const char *text, const char *path, unsigned major, unsigned minor,
                             struct bl_mount *m);

/**
 * Why a mount cannot be written, from its options and statvfs's f_flag: "mounted
 * read-only", ext4's "emergency read-only ...", "shut down ...".
 * \return NULL when writable, else a static text
 */
const char *bl_volume_mount_read_only(const struct bl_mount *m, unsigned long f_flag);

/**
 * Parse a free-space threshold: "0", "10%", "2.5%", "500M", "2G" (K, M, G, T are powers of
 * 1024; a trailing "B" or "iB" is allowed).
 * \return 0 or BL_E_INVALID
 */
int bl_volume_parse_space(const char *text, struct bl_volume_space *out);

/**
 * Gather the facts about v->state_dir (one realpath, stat, statvfs, mountinfo read).
 * \param[out] f  clear with bl_volume_facts_clear(), also on failure
 * \return 0, or -errno when nothing of state_dir's path or mountinfo can be read
 */
int bl_volume_probe(const struct bl_volume *v, struct bl_volume_facts *f);

/** Free what facts hold (not the struct); accepts a zeroed struct. */
void bl_volume_facts_clear(struct bl_volume_facts *f);

/**
 * Judge the facts against what start saw (v->id, when known) and the thresholds (v->free_min,
 * v->free_fail). Pure: no system call.
 * \param[out] reason  for anything but BL_VH_OK, the cause first, then where; g_free()
 */
enum bl_volume_health bl_volume_judge(const struct bl_volume *v, const struct bl_volume_facts *f,
                                      char **reason);

/** bl_volume_probe() then bl_volume_judge(); a failed probe is BL_VH_ERROR. */
enum bl_volume_health bl_volume_health(const struct bl_volume *v, char **reason);

/**
 * Identify the file system holding state_dir now, to record at start.
 * \param[out] id  clear with bl_volume_id_clear()
 * \return 0, or -errno / -ENOENT
 */
int bl_volume_identify(const struct bl_volume *v, struct bl_volume_id *id);

/** Free what an identity holds and mark it unknown; accepts a zeroed struct. */
void bl_volume_id_clear(struct bl_volume_id *id);

/** "ok", "low on space", "full", "read-only", ...; static. */
const char *bl_volume_health_name(enum bl_volume_health h);

/** Whether h only degrades the chain (the volume is still writable). */
bool bl_volume_health_degraded(enum bl_volume_health h);

#endif
