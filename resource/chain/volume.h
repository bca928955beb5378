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

struct bl_volume {
    char *state_dir; /* absolute path on the shared volume */
    char *device;    /* expected block device (or a link to it, e.g. by-uuid), or NULL */
    struct bl_folder *folders;
    size_t n_folders;
    const char *mountinfo; /* default /proc/self/mountinfo (tests point elsewhere) */
    bool force_unbind;     /* at stop, end the processes that keep a bind busy */
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
 * binds made by this call are undone.
 * \return 0, BL_E_STATE when a local path has something else mounted on it, or -errno
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

#endif
