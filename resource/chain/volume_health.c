/*
 * The shared volume's health while the chain runs. A monitor must see what makes the volume
 * unusable for the members' state without costing a process: it gathers one stat(), one
 * statvfs() and one read of /proc/self/mountinfo (bl_volume_probe()), and a pure function
 * judges those facts (bl_volume_judge()), so the unit tests feed it mountinfo text and
 * statvfs results.
 *
 * With errors=continue (mkfs.ext4's default) an ext4 error leaves the volume writable and
 * shows nowhere but in the error count the superblock keeps until e2fsck: degraded.
 *
 * Read-only has three spellings, depending on how and on which kernel it happened:
 *   - `mount -o remount,ro`: "ro" in the mount's options and ST_RDONLY from statvfs;
 *   - ext4 with errors=remount-ro after an error, Linux up to 6.11 (Debian 12's 6.1): the
 *     mount's options stay "rw", the file system's become "ro", statvfs says ST_RDONLY;
 *   - the same from 6.12 on: nothing says "ro" any more, writes fail with EROFS; 6.15 and
 *     later show "emergency_ro" in the file system's options (and "shutdown" after a
 *     forced shutdown). 6.12 to 6.14 show nothing: only a write finds out (Filesystem's
 *     OCF_CHECK_LEVEL=20, docs/servicechain.md).
 */
#include "volume.h"

#include "bl_result.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MOUNTINFO "/proc/self/mountinfo"

const char *
bl_volume_health_name(enum bl_volume_health h)
{
    static const char *const names[] = {"ok",       "low on space",      "file system errors",
                                        "full",     "read-only",         "not mounted",
                                        "replaced", "state_dir missing", "unchecked"};

    return (h >= BL_VH_OK && h <= BL_VH_ERROR) ? names[h] : "unknown";
}

bool
bl_volume_health_degraded(enum bl_volume_health h)
{
    return h == BL_VH_LOW || h == BL_VH_FS_ERRORS;
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void
unescape(char *s)
{
    char *out = s;

    for (; *s != '\0'; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *out++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

bool
bl_volume_mount_parse(const char *line, struct bl_mount *m)
{
    /* "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS" */
    const char *sep = strstr(line, " - ");

    memset(m, 0, sizeof(*m));
    if (sep == NULL ||
        sscanf(line, "%*d %*d %u:%u %*s %4095s %1023s", &m->major, &m->minor, m->point,
               m->mount_opts) != 4 ||
        sscanf(sep + 3, "%255s %4095s %4095s", m->fstype, m->source, m->super_opts) != 3) {
        return false;
    }
    unescape(m->point);
    unescape(m->source);
    return true;
}

static bool
path_under(const char *path, const char *point)
{
    size_t n = strlen(point);

    if (strcmp(point, "/") == 0) {
        return true;
    }
    return strncmp(path, point, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
bl_volume_mountinfo_find(const char *text, const char *path, unsigned major, unsigned minor,
                         struct bl_mount *best)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree struct bl_mount *m = g_new(struct bl_mount, 1);
    size_t best_len = 0;
    bool best_dev = false;

    for (size_t i = 0; lines[i] != NULL; i++) {
        if (!bl_volume_mount_parse(lines[i], m) || !path_under(path, m->point)) {
            continue;
        }
        bool same_dev = m->major == major && m->minor == minor;
        size_t len = strlen(m->point);
        if ((same_dev && !best_dev) || (same_dev == best_dev && len >= best_len)) {
            *best = *m;
            best_len = len;
            best_dev = same_dev;
        }
    }
    return best_len > 0 ? 0 : -ENOENT;
}

/* Whether a comma-separated option list has exactly this option. */
static bool
has_opt(const char *opts, const char *opt)
{
    size_t n = strlen(opt);

    for (const char *p = opts; p != NULL; p = strchr(p, ',')) {
        p += (*p == ',') ? 1 : 0;
        if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0')) {
            return true;
        }
    }
    return false;
}

const char *
bl_volume_mount_read_only(const struct bl_mount *m, unsigned long f_flag)
{
    if (has_opt(m->super_opts, "shutdown")) {
        return "file system shut down (after I/O errors or a forced shutdown)";
    }
    if (has_opt(m->super_opts, "emergency_ro")) {
        return "ext4 emergency read-only after a file system error (emergency_ro)";
    }
    if (has_opt(m->mount_opts, "ro")) {
        return "mounted read-only";
    }
    if (has_opt(m->super_opts, "ro")) {
        return g_str_has_prefix(m->fstype, "ext")
                   ? "ext4 turned read-only after a file system error (errors=remount-ro)"
                   : "file system read-only under a read-write mount";
    }
    return (f_flag & ST_RDONLY) != 0 ? "read-only (statvfs)" : NULL;
}

int
bl_volume_parse_space(const char *text, struct bl_volume_space *out)
{
    static const char units[] = "KMGT";
    char *end = NULL;
    double value;

    memset(out, 0, sizeof(*out));
    if (text == NULL || !g_ascii_isdigit(text[0])) {
        return BL_E_INVALID;
    }
    value = g_ascii_strtod(text, &end);
    /* digits and a point only: strtod would also take "1e3" and "0x10" */
    if (!isfinite(value) || strspn(text, "0123456789.") != (size_t) (end - text)) {
        return BL_E_INVALID;
    }
    if (strcmp(end, "%") == 0) {
        out->is_percent = true;
        out->percent = value;
        return value <= 100 ? 0 : BL_E_INVALID;
    }
    const char *unit = end[0] != '\0' ? strchr(units, g_ascii_toupper(end[0])) : NULL;
    const char *rest = unit != NULL ? end + 1 : end;
    if ((end[0] != '\0' && unit == NULL) ||
        (rest[0] != '\0' && g_ascii_strcasecmp(rest, "B") != 0 && strcmp(rest, "iB") != 0)) {
        return BL_E_INVALID;
    }
    for (const char *u = units; unit != NULL && u <= unit; u++) {
        value *= 1024;
    }
    if (value >= 0x1p63) {
        return BL_E_INVALID;
    }
    out->bytes = (uint64_t) value;
    return 0;
}

void
bl_volume_facts_clear(struct bl_volume_facts *f)
{
    if (f == NULL) {
        return;
    }
    g_free(f->path);
    g_free(f->mountinfo);
    memset(f, 0, sizeof(*f));
}

void
bl_volume_id_clear(struct bl_volume_id *id)
{
    if (id == NULL) {
        return;
    }
    g_free(id->point);
    g_free(id->source);
    memset(id, 0, sizeof(*id));
}

/* ext4's count of errors since the last e2fsck, kept in the superblock and shown in
 * /sys/fs/ext4/NAME, NAME the block device's (/sys/dev/block/MAJ:MIN links to it); -1 when
 * not ext4 or not known. */
static long
ext4_errors(unsigned major, unsigned minor)
{
    g_autofree char *link = g_strdup_printf("/sys/dev/block/%u:%u", major, minor);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    gint64 n = -1;

    if (target == NULL) {
        return -1;
    }
    name = g_path_get_basename(target);
    path = g_build_filename("/sys/fs/ext4", name, "errors_count", NULL);
    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !g_ascii_string_to_signed(g_strstrip(text), 10, 0, G_MAXLONG, &n, NULL)) {
        return -1;
    }
    return (long) n;
}

int
bl_volume_probe(const struct bl_volume *v, struct bl_volume_facts *f)
{
    g_autofree char *p = g_strdup(v->state_dir);
    struct stat st;

    memset(f, 0, sizeof(*f));
    /* state_dir, or where the path leaves the mounts: its nearest existing ancestor */
    f->state_dir_exists = true;
    while (stat(p, &st) != 0 && strcmp(p, "/") != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            /* there but unreadable (EIO from a dying device): judged as unchecked */
            f->vfs_errno = errno;
            f->path = g_strdup(p);
            return 0;
        }
        char *up = g_path_get_dirname(p);
        g_free(p);
        p = up;
        f->state_dir_exists = false;
    }
    f->path = realpath(p, NULL);
    if (f->path == NULL || stat(f->path, &st) != 0) {
        return -errno;
    }
    f->major = major(st.st_dev);
    f->minor = minor(st.st_dev);
    f->vfs_errno = statvfs(f->path, &f->vfs) == 0 ? 0 : errno;
    f->fs_errors = ext4_errors(f->major, f->minor);
    if (!g_file_get_contents(v->mountinfo != NULL ? v->mountinfo : MOUNTINFO, &f->mountinfo, NULL,
                             NULL)) {
        return -EIO;
    }
    return 0;
}

int
bl_volume_identify(const struct bl_volume *v, struct bl_volume_id *id)
{
    struct bl_volume_facts f;
    g_autofree struct bl_mount *m = g_new0(struct bl_mount, 1);
    int rc = bl_volume_probe(v, &f);

    memset(id, 0, sizeof(*id));
    if (rc == 0 && f.vfs_errno != 0) {
        rc = -f.vfs_errno;
    }
    if (rc == 0) {
        rc = bl_volume_mountinfo_find(f.mountinfo, f.path, f.major, f.minor, m);
    }
    if (rc == 0) {
        *id = (struct bl_volume_id){.known = true,
                                    .major = f.major,
                                    .minor = f.minor,
                                    .fsid = (uint64_t) f.vfs.f_fsid,
                                    .point = g_strdup(m->point),
                                    .source = g_strdup(m->source)};
    }
    bl_volume_facts_clear(&f);
    return rc;
}

/* Below a threshold: bytes against the volume's, a percentage against its size or inodes. */
static bool
below(const struct bl_volume_space *t, uint64_t free, uint64_t total, bool inclusive)
{
    if (t->is_percent) {
        double pct = total > 0 ? 100.0 * (double) free / (double) total : 100.0;
        return inclusive ? pct <= t->percent : pct < t->percent;
    }
    return inclusive ? free <= t->bytes : free < t->bytes;
}

/* "512 B", "3.9 MiB": plain ASCII (g_format_size puts a no-break space before the unit, and
 * this text ends up in logs and in crm_mon's exit reason). */
static char *
size_text(uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = (double) bytes;
    size_t u = 0;

    if (bytes < 1024) {
        return g_strdup_printf("%llu B", (unsigned long long) bytes);
    }
    for (value /= 1024; value >= 1024 && u + 1 < G_N_ELEMENTS(units); value /= 1024) {
        u++;
    }
    return g_strdup_printf("%.1f %s", value, units[u]);
}

static char *
space_text(const struct bl_volume_space *t)
{
    return t->is_percent ? g_strdup_printf("%g%%", t->percent) : size_text(t->bytes);
}

/* Full (fail: at or below free_fail) or low (below free_min), in bytes or inodes; NULL and
 * BL_VH_OK when not. */
static char *
judge_space(const struct bl_volume *v, const struct statvfs *s, const struct bl_mount *m, bool fail,
            enum bl_volume_health *h)
{
    uint64_t total = (uint64_t) s->f_blocks * s->f_frsize;
    uint64_t avail = (uint64_t) s->f_bavail * s->f_frsize;
    bool inodes = s->f_files > 0; /* btrfs has no inode limit and says 0 */
    const struct bl_volume_space *t = fail ? &v->free_fail : &v->free_min;
    const char *what = fail ? "volume full" : "volume low on space";
    const char *key = fail ? "volume_free_fail" : "volume_free_min";
    g_autofree char *limit = space_text(t);

    *h = fail ? BL_VH_FULL : BL_VH_LOW;
    if (total > 0 && below(t, avail, total, fail)) {
        g_autofree char *have = size_text(avail);
        g_autofree char *size = size_text(total);
        return g_strdup_printf("%s: %s of %s free (%s %s) on %s (%s)", what, have, size, key, limit,
                               m->point, m->source);
    }
    if (inodes && ((fail && s->f_favail == 0) ||
                   (t->is_percent && below(t, s->f_favail, s->f_files, fail)))) {
        return g_strdup_printf("%s: %llu of %llu inodes free (%s %s) on %s (%s)", what,
                               (unsigned long long) s->f_favail, (unsigned long long) s->f_files,
                               key, limit, m->point, m->source);
    }
    *h = BL_VH_OK;
    return NULL;
}

/* Still the mount start saw? NULL when it is. */
static char *
judge_mount(const struct bl_volume *v, const struct bl_volume_facts *f, const struct bl_mount *m,
            enum bl_volume_health *h)
{
    const struct bl_volume_id *id = &v->id;
    uint64_t fsid = (uint64_t) f->vfs.f_fsid;

    *h = BL_VH_NOT_MOUNTED;
    if (!id->known && strcmp(m->point, "/") == 0) {
        return g_strdup_printf("volume not mounted: state_dir %s is on the root file system",
                               v->state_dir);
    }
    if (!id->known) {
        *h = BL_VH_OK;
        return NULL;
    }
    if (strcmp(m->point, id->point) != 0 && path_under(id->point, m->point)) {
        return g_strdup_printf("volume not mounted: %s is gone, state_dir %s is on %s (%s)",
                               id->point, v->state_dir, m->point, m->source);
    }
    *h = BL_VH_REPLACED;
    if (strcmp(m->point, id->point) != 0) {
        return g_strdup_printf("volume replaced: state_dir %s is on %s (%s) now, not on %s",
                               v->state_dir, m->point, m->source, id->point);
    }
    if (f->major != id->major || f->minor != id->minor) {
        return g_strdup_printf("volume replaced: %s is mounted from %s (%u:%u), was %s (%u:%u) "
                               "at start",
                               m->point, m->source, f->major, f->minor, id->source, id->major,
                               id->minor);
    }
    if (fsid != id->fsid) {
        return g_strdup_printf("volume replaced: %s (%s) holds another file system (fsid "
                               "%016llx, was %016llx at start)",
                               m->point, m->source, (unsigned long long) fsid,
                               (unsigned long long) id->fsid);
    }
    *h = BL_VH_OK;
    return NULL;
}

enum bl_volume_health
bl_volume_judge(const struct bl_volume *v, const struct bl_volume_facts *f, char **reason)
{
    g_autofree struct bl_mount *m = g_new0(struct bl_mount, 1);
    enum bl_volume_health h = BL_VH_ERROR;
    const char *ro;

    *reason = NULL;
    if (f->vfs_errno != 0 ||
        bl_volume_mountinfo_find(f->mountinfo, f->path, f->major, f->minor, m) != 0) {
        *reason = g_strdup_printf("volume unchecked: %s: %s", f->path,
                                  f->vfs_errno != 0 ? g_strerror(f->vfs_errno)
                                                    : "no mount holds it in mountinfo");
        return h;
    }
    *reason = judge_mount(v, f, m, &h);
    if (h != BL_VH_OK) {
        return h;
    }
    if (!f->state_dir_exists) {
        *reason = g_strdup_printf("state_dir %s is missing on the volume %s (%s)", v->state_dir,
                                  m->point, m->source);
        return BL_VH_MISSING;
    }
    ro = bl_volume_mount_read_only(m, f->vfs.f_flag);
    if (ro != NULL) {
        *reason = g_strdup_printf("volume read-only: %s, %s (%s)", ro, m->point, m->source);
        return BL_VH_READ_ONLY;
    }
    *reason = judge_space(v, &f->vfs, m, true, &h);
    if (h != BL_VH_OK) {
        return h;
    }
    if (f->fs_errors > 0) {
        *reason = g_strdup_printf("file system errors: ext4 counted %ld since the last e2fsck, "
                                  "%s (%s)",
                                  f->fs_errors, m->point, m->source);
        return BL_VH_FS_ERRORS;
    }
    *reason = judge_space(v, &f->vfs, m, false, &h);
    return h;
}

enum bl_volume_health
bl_volume_health(const struct bl_volume *v, char **reason)
{
    struct bl_volume_facts f;
    int rc = bl_volume_probe(v, &f);
    enum bl_volume_health h;

    if (rc != 0) {
        *reason =
            g_strdup_printf("volume unchecked: state_dir %s: %s", v->state_dir, bl_strerror(rc));
        h = BL_VH_ERROR;
    } else {
        h = bl_volume_judge(v, &f, reason);
    }
    bl_volume_facts_clear(&f);
    return h;
}
