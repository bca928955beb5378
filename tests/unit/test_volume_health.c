/*
 * The volume's health as a monitor judges it (volume_health.c): mountinfo lines as Linux
 * writes them (Debian 12's 6.1 and 6.15+ after an ext4 error, a forced shutdown, escapes,
 * optional fields), the thresholds' spellings, and every verdict from hand-made facts (a
 * mountinfo text and a statvfs result), as if the volume had been remounted, unmounted,
 * replaced or filled. One probe against the real root file system checks the seam's other
 * side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bl_result.h"
#include "volume.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define ROOT_LINE "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
/* the volume as mounted by Filesystem, and one folder bound from it */
#define VOL_LINE "40 22 8:17 / /srv/esm rw,relatime shared:9 - ext4 /dev/sdb1 %s\n"
#define BIND_LINE "41 22 8:17 /state/work /opt/esm/work rw,relatime - ext4 /dev/sdb1 %s\n"

static void
test_mount_parse(void **state)
{
    struct bl_mount m;

    assert_true(
        bl_volume_mount_parse("36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:2 - "
                              "ext3 /dev/root\\134x rw,errors=continue",
                              &m));
    assert_int_equal(m.major, 98);
    assert_int_equal(m.minor, 0);
    assert_string_equal(m.point, "/mnt two");
    assert_string_equal(m.source, "/dev/root\\x");
    assert_string_equal(m.fstype, "ext3");
    assert_string_equal(m.mount_opts, "rw,noatime");
    assert_string_equal(m.super_opts, "rw,errors=continue");

    assert_false(bl_volume_mount_parse("", &m));
    assert_false(bl_volume_mount_parse("36 35 98:0 /mnt1 /mnt rw", &m)); /* no separator */
    assert_false(
        bl_volume_mount_parse("36 35 98:0 /mnt1 /mnt rw - ext4 /dev", &m)); /* no options */
    assert_false(bl_volume_mount_parse("x y 98:0 / / rw - ext4 /dev/a rw", &m));

    /* fields longer than the struct's are cut, never overrun */
    g_autofree char *longpoint = g_strnfill(10000, 'a');
    g_autofree char *line = g_strdup_printf("1 0 7:0 / /%s rw - ext4 /dev/loop0 rw", longpoint);
    assert_true(bl_volume_mount_parse(line, &m));
    assert_int_equal(strlen(m.point), sizeof(m.point) - 1);
}

static void
test_mountinfo_find(void **state)
{
    g_autofree char *text = g_strdup_printf(ROOT_LINE VOL_LINE BIND_LINE, "rw", "rw");
    struct bl_mount m;

    assert_int_equal(bl_volume_mountinfo_find(text, "/srv/esm/state", 8, 17, &m), 0);
    assert_string_equal(m.point, "/srv/esm");
    /* a path of the volume's device under a bind: still the bind (it holds the path) */
    assert_int_equal(bl_volume_mountinfo_find(text, "/opt/esm/work/x", 8, 17, &m), 0);
    assert_string_equal(m.point, "/opt/esm/work");
    /* the root file system's device: the binds of another device do not count */
    assert_int_equal(bl_volume_mountinfo_find(text, "/srv/esm/state", 8, 1, &m), 0);
    assert_string_equal(m.point, "/");
    /* "/srv/esmx" is not under "/srv/esm" */
    assert_int_equal(bl_volume_mountinfo_find(text, "/srv/esmx", 8, 17, &m), 0);
    assert_string_equal(m.point, "/");
    assert_int_equal(bl_volume_mountinfo_find("garbage\n", "/srv", 8, 17, &m), -ENOENT);
}

static const char *
ro_why(const char *mount_opts, const char *fstype, const char *super_opts, unsigned long f_flag)
{
    struct bl_mount m = {0};

    g_strlcpy(m.mount_opts, mount_opts, sizeof(m.mount_opts));
    g_strlcpy(m.fstype, fstype, sizeof(m.fstype));
    g_strlcpy(m.super_opts, super_opts, sizeof(m.super_opts));
    return bl_volume_mount_read_only(&m, f_flag);
}

static void
expect_has(const char *text, const char *want)
{
    if (text == NULL || strstr(text, want) == NULL) {
        fail_msg("'%s' lacks '%s'", text != NULL ? text : "(null)", want);
    }
}

static void
test_read_only(void **state)
{
    /* writable, whatever options merely contain the letters "ro" */
    assert_null(ro_why("rw,relatime", "ext4", "rw,errors=remount-ro", ST_RELATIME));
    assert_null(ro_why("rw,nosuid,noexec", "xfs", "rw,grpquota,ro_x", 0));
    /* mount -o remount,ro: both lists say ro, statvfs too */
    expect_has(ro_why("ro,relatime", "ext4", "ro,errors=remount-ro", ST_RDONLY),
               "mounted read-only");
    /* mount -o remount,bind,ro: only this mount */
    expect_has(ro_why("ro,relatime", "ext4", "rw", ST_RDONLY), "mounted read-only");
    /* Debian 12 (6.1) after an ext4 error with errors=remount-ro */
    expect_has(ro_why("rw,relatime", "ext4", "ro,errors=remount-ro", ST_RDONLY),
               "ext4 turned read-only after a file system error");
    /* 6.15 and later: nothing says ro, statvfs neither (seen on 6.18) */
    expect_has(ro_why("rw,relatime", "ext4", "rw,errors=remount-ro,emergency_ro", ST_RELATIME),
               "ext4 emergency read-only");
    expect_has(ro_why("rw,relatime", "ext4", "rw,shutdown", 0), "shut down");
    expect_has(ro_why("rw", "xfs", "ro,attr2", ST_RDONLY), "read-only under a read-write");
    expect_has(ro_why("rw", "nfs4", "rw", ST_RDONLY), "read-only (statvfs)");
}

static void
expect_space(const char *text, bool is_percent, double percent, uint64_t bytes)
{
    struct bl_volume_space s;

    if (bl_volume_parse_space(text, &s) != 0) {
        fail_msg("'%s' refused", text);
    }
    assert_int_equal(s.is_percent, is_percent);
    assert_true(s.percent == percent);
    assert_true(s.bytes == bytes);
}

static void
test_parse_space(void **state)
{
    static const char *const bad[] = {"",    "-1",  "101%", "5X",  "M",     "1e3",      "0x10",
                                      "nan", "inf", "10 %", "5%%", "1.2.3", "99999999T"};
    struct bl_volume_space s;

    expect_space("0", false, 0, 0);
    expect_space("10%", true, 10, 0);
    expect_space("2.5%", true, 2.5, 0);
    expect_space("100%", true, 100, 0);
    expect_space("4096", false, 0, 4096);
    expect_space("500M", false, 0, 500ull << 20);
    expect_space("2g", false, 0, 2ull << 30);
    expect_space("1KiB", false, 0, 1024);
    expect_space("8MB", false, 0, 8ull << 20);
    expect_space("1.5T", false, 0, 3ull << 39);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (bl_volume_parse_space(bad[i], &s) != BL_E_INVALID) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
}

/* A chain started on /dev/sdb1 (8:17) mounted at /srv/esm, fsid 0x1234; 10% / 0 thresholds;
 * the facts of a healthy volume, 1 GiB, half free. Each test then breaks one thing. */
struct fixture {
    struct bl_volume v;
    struct bl_volume_facts f;
};

static void
fixture_init(struct fixture *x, const char *super_opts)
{
    memset(x, 0, sizeof(*x));
    x->v.state_dir = g_strdup("/srv/esm/state");
    x->v.id = (struct bl_volume_id){.known = true,
                                    .major = 8,
                                    .minor = 17,
                                    .fsid = 0x1234,
                                    .point = g_strdup("/srv/esm"),
                                    .source = g_strdup("/dev/sdb1")};
    assert_int_equal(bl_volume_parse_space("10%", &x->v.free_min), 0);
    assert_int_equal(bl_volume_parse_space("0", &x->v.free_fail), 0);
    x->f.path = g_strdup("/srv/esm/state");
    x->f.state_dir_exists = true;
    x->f.major = 8;
    x->f.minor = 17;
    x->f.vfs = (struct statvfs){.f_bsize = 4096,
                                .f_frsize = 4096,
                                .f_blocks = 262144,
                                .f_bfree = 140000,
                                .f_bavail = 131072,
                                .f_files = 65536,
                                .f_ffree = 60000,
                                .f_favail = 60000,
                                .f_fsid = 0x1234,
                                .f_flag = ST_RELATIME};
    x->f.mountinfo = g_strdup_printf(ROOT_LINE VOL_LINE BIND_LINE, super_opts, super_opts);
}

static void
fixture_clear(struct fixture *x)
{
    bl_volume_clear(&x->v);
    bl_volume_facts_clear(&x->f);
}

/* Judge, and check the verdict and that its reason starts with the cause. */
static void
expect_verdict(struct fixture *x, enum bl_volume_health want, const char *reason_start,
               const char *reason_has)
{
    char *reason = NULL;
    enum bl_volume_health h = bl_volume_judge(&x->v, &x->f, &reason);

    if (h != want) {
        fail_msg("got %s (%s), expected %s", bl_volume_health_name(h),
                 reason != NULL ? reason : "no reason", bl_volume_health_name(want));
    }
    if (want == BL_VH_OK) {
        assert_null(reason);
        return;
    }
    if (!g_str_has_prefix(reason, reason_start)) {
        fail_msg("reason '%s' does not start with '%s'", reason, reason_start);
    }
    expect_has(reason, reason_has);
    g_free(reason);
}

static void
test_judge_mount(void **state)
{
    struct fixture x;

    fixture_init(&x, "rw");
    expect_verdict(&x, BL_VH_OK, NULL, NULL);

    /* unmounted: state_dir's path now ends on the root file system */
    x.f.major = 8, x.f.minor = 1;
    g_free(x.f.path), x.f.path = g_strdup("/srv");
    x.f.state_dir_exists = false;
    g_free(x.f.mountinfo), x.f.mountinfo = g_strdup_printf(ROOT_LINE BIND_LINE, "rw");
    expect_verdict(&x, BL_VH_NOT_MOUNTED, "volume not mounted: /srv/esm is gone",
                   "is on / (/dev/sda1)");
    /* the same without a record of the start (a run of an older agent): only "/" tells */
    bl_volume_id_clear(&x.v.id);
    expect_verdict(&x, BL_VH_NOT_MOUNTED, "volume not mounted: state_dir /srv/esm/state",
                   "root file system");
    fixture_clear(&x);

    /* another device mounted at the same point */
    fixture_init(&x, "rw");
    x.f.minor = 33;
    g_free(x.f.mountinfo);
    x.f.mountinfo = g_strdup(ROOT_LINE "50 22 8:33 / /srv/esm rw - ext4 /dev/sdc1 rw\n");
    expect_verdict(&x, BL_VH_REPLACED, "volume replaced: /srv/esm is mounted from /dev/sdc1",
                   "was /dev/sdb1 (8:17) at start");
    fixture_clear(&x);

    /* the same device with another file system on it (formatted again) */
    fixture_init(&x, "rw");
    x.f.vfs.f_fsid = 0x9999;
    expect_verdict(&x, BL_VH_REPLACED, "volume replaced: /srv/esm (/dev/sdb1) holds another",
                   "was 0000000000001234");
    fixture_clear(&x);

    /* something mounted over state_dir itself */
    fixture_init(&x, "rw");
    x.f.major = 0, x.f.minor = 60;
    g_free(x.f.mountinfo);
    x.f.mountinfo = g_strdup_printf(ROOT_LINE VOL_LINE "60 40 0:60 / /srv/esm/state rw - tmpfs "
                                                       "tmpfs rw\n",
                                    "rw");
    expect_verdict(&x, BL_VH_REPLACED,
                   "volume replaced: state_dir /srv/esm/state is on "
                   "/srv/esm/state (tmpfs)",
                   "not on /srv/esm");
    fixture_clear(&x);

    /* the right file system, but state_dir deleted from it */
    fixture_init(&x, "rw");
    g_free(x.f.path), x.f.path = g_strdup("/srv/esm");
    x.f.state_dir_exists = false;
    expect_verdict(&x, BL_VH_MISSING, "state_dir /srv/esm/state is missing", "/dev/sdb1");
    fixture_clear(&x);

    /* statvfs failing (a dead device) */
    fixture_init(&x, "rw");
    x.f.vfs_errno = EIO;
    expect_verdict(&x, BL_VH_ERROR, "volume unchecked", g_strerror(EIO));
    fixture_clear(&x);
}

static void
test_judge_read_only(void **state)
{
    struct fixture x;

    fixture_init(&x, "rw,errors=remount-ro,emergency_ro"); /* 6.15+: f_flag stays rw */
    expect_verdict(&x, BL_VH_READ_ONLY, "volume read-only: ext4 emergency read-only",
                   "/srv/esm (/dev/sdb1)");
    /* read-only beats full: the cause a remount fixes comes first */
    x.f.vfs.f_bavail = 0;
    expect_verdict(&x, BL_VH_READ_ONLY, "volume read-only", "emergency_ro");
    fixture_clear(&x);

    fixture_init(&x, "ro,errors=remount-ro"); /* Debian 12's 6.1 */
    x.f.vfs.f_flag |= ST_RDONLY;
    expect_verdict(&x, BL_VH_READ_ONLY, "volume read-only: ext4 turned read-only",
                   "errors=remount-ro");
    fixture_clear(&x);
}

static void
test_judge_space(void **state)
{
    struct fixture x;

    fixture_init(&x, "rw");
    x.f.vfs.f_bavail = 262144 / 10 - 1; /* just under 10% */
    expect_verdict(&x, BL_VH_LOW, "volume low on space: 102.4 MiB of 1.0 GiB free",
                   "(volume_free_min 10%) on /srv/esm (/dev/sdb1)");
    x.f.vfs.f_bavail = 262144 / 10 + 1; /* 10.0002% */
    expect_verdict(&x, BL_VH_OK, NULL, NULL);
    x.f.vfs.f_bavail = 0;
    expect_verdict(&x, BL_VH_FULL, "volume full: 0 B of 1.0 GiB free", "(volume_free_fail 0 B)");

    /* thresholds in bytes; the failure one inclusive */
    x.f.vfs.f_bavail = 256; /* 1 MiB */
    assert_int_equal(bl_volume_parse_space("1M", &x.v.free_fail), 0);
    expect_verdict(&x, BL_VH_FULL, "volume full: 1.0 MiB of", "(volume_free_fail 1.0 MiB)");
    assert_int_equal(bl_volume_parse_space("512K", &x.v.free_fail), 0);
    assert_int_equal(bl_volume_parse_space("2M", &x.v.free_min), 0);
    expect_verdict(&x, BL_VH_LOW, "volume low on space: 1.0 MiB", "(volume_free_min 2.0 MiB)");
    assert_int_equal(bl_volume_parse_space("0", &x.v.free_min), 0);
    expect_verdict(&x, BL_VH_OK, NULL, NULL); /* 0: no warning */

    /* inodes: none left is full; a percentage applies to them too */
    x.f.vfs.f_bavail = 131072;
    x.f.vfs.f_favail = 0;
    expect_verdict(&x, BL_VH_FULL, "volume full: 0 of 65536 inodes free", "/srv/esm");
    x.f.vfs.f_favail = 100;
    assert_int_equal(bl_volume_parse_space("1%", &x.v.free_min), 0);
    expect_verdict(&x, BL_VH_LOW, "volume low on space: 100 of 65536 inodes free", "1%");
    /* file system errors (ext4, errors=continue): degraded, after full, before low */
    x.f.vfs.f_favail = 60000;
    x.f.fs_errors = 2;
    expect_verdict(&x, BL_VH_FS_ERRORS,
                   "file system errors: ext4 counted 2 since the last "
                   "e2fsck",
                   "/srv/esm (/dev/sdb1)");
    assert_true(bl_volume_health_degraded(BL_VH_FS_ERRORS));
    x.f.vfs.f_bavail = 0;
    expect_verdict(&x, BL_VH_FULL, "volume full", "volume_free_fail");
    x.f.vfs.f_bavail = 131072;
    x.f.fs_errors = -1; /* not ext4, or not known */
    expect_verdict(&x, BL_VH_OK, NULL, NULL);
    /* btrfs: no inode limit, f_files 0 */
    x.f.vfs.f_files = x.f.vfs.f_ffree = x.f.vfs.f_favail = 0;
    expect_verdict(&x, BL_VH_OK, NULL, NULL);
    fixture_clear(&x);
}

/* The real seam: the root file system probed and identified as this process sees it. */
static void
test_probe_root(void **state)
{
    struct bl_volume v = {.state_dir = (char *) "/no-such-dir-bmclink/state"};
    struct bl_volume_facts f;
    struct bl_volume_id id;
    struct stat st;

    assert_int_equal(stat("/", &st), 0);
    assert_int_equal(bl_volume_probe(&v, &f), 0);
    assert_string_equal(f.path, "/");
    assert_false(f.state_dir_exists);
    assert_int_equal(f.major, major(st.st_dev));
    assert_non_null(f.mountinfo);
    bl_volume_facts_clear(&f);
    assert_int_equal(bl_volume_identify(&v, &id), 0);
    assert_true(id.known);
    assert_string_equal(id.point, "/");
    bl_volume_id_clear(&id);
    assert_false(id.known);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_parse), cmocka_unit_test(test_mountinfo_find),
        cmocka_unit_test(test_read_only),   cmocka_unit_test(test_parse_space),
        cmocka_unit_test(test_judge_mount), cmocka_unit_test(test_judge_read_only),
        cmocka_unit_test(test_judge_space), cmocka_unit_test(test_probe_root),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
