#!/usr/bin/env bash
# The volume under a running chain, as the monitor sees it (no process spawned): a real ext4
# on a loop device, mounted errors=remount-ro as a site would, and every way it becomes
# unusable for the members' state: low on space (degraded), full, remounted read-only,
# unmounted, another file system mounted in its place, a real ext4 error that turns it
# read-only (through /sys/fs/ext4/DEV/trigger_fs_error), ext4 shut down, and an ext4 error
# under errors=continue (degraded: writable, but damaged). Each with the exit code that makes
# Pacemaker recover the group and an ocf-exit-reason line crm_mon shows.
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
command -v mkfs.ext4 >/dev/null || bl_error "mkfs.ext4 is not installed (e2fsprogs)"
command -v fallocate >/dev/null || bl_error "fallocate is not installed (util-linux)"
bl_setup
BL_LOOP2=
cleanup_loop2() {
    bl_cleanup
    [ -z "$BL_LOOP2" ] || losetup -d "$BL_LOOP2" 2>/dev/null
}
trap cleanup_loop2 EXIT

truncate -s 32M "$T/disk.img" "$T/other.img"
mkfs.ext4 -q -F "$T/disk.img" || bl_error "mkfs.ext4"
mkfs.ext4 -q -F "$T/other.img" || bl_error "mkfs.ext4"
BL_LOOP=$(losetup --find --show "$T/disk.img" 2>/dev/null) || bl_skip "no loop device available"
BL_LOOP2=$(losetup --find --show "$T/other.img" 2>/dev/null) || bl_skip "no second loop device"
mount_vol() { mount -o errors=remount-ro "$1" "$T/vol" || bl_error "cannot mount $1"; }
mount_vol "$BL_LOOP"

bl_make_chain "$BL_SOURCE_DIR/conf/chains/esm-ver4.chain" "$T/esm.chain"
export OCF_RESKEY_chain_file=$T/esm.chain OCF_RESKEY_state_dir=$T/vol/esm
export OCF_RESKEY_folders="work=$T/local/work db=$T/local/db"
export OCF_RESKEY_volume_device=$BL_LOOP OCF_RESKEY_volume_free_min=8M

# monitor_is RC TEXT: the monitor returns RC and its exit reason (the last one, as
# pacemaker-execd reads it) contains TEXT.
monitor_is() {
    expect_rc "$1" ra node-a monitor
    local reason
    reason=$(grep '^ocf-exit-reason:' <<<"$LAST_OUT" | tail -1)
    echo "monitor: $LAST_RC ${reason:-(no exit reason)}"
    if [ -n "$2" ] && ! grep -qF -- "$2" <<<"$reason"; then
        bl_fail "monitor's exit reason lacks '$2': '$reason'"
    fi
    if [ -z "$2" ] && [ -n "$reason" ]; then
        bl_fail "healthy monitor gave an exit reason: $reason"
    fi
}
avail() { df -B1 --output=avail "$T/vol" | tail -1 | tr -d ' '; }

expect_rc 0 ra node-a start
monitor_is 0 ""
# The thresholds are reloadable: the monitor takes the running chain's, not the environment's.
OCF_RESKEY_volume_free_min=99% expect_rc 0 ra node-a reload-agent
monitor_is 190 "(volume_free_min 99%)"
expect_rc 0 ra node-a reload-agent
monitor_is 0 ""

# Low on space: below volume_free_min, degraded (190); full: failed (1); freed: fine again.
fallocate -l $(($(avail) - 4 * 1024 * 1024)) "$T/vol/fill1" || bl_error "fallocate"
monitor_is 190 "volume low on space"
expect_out "(volume_free_min 8.0 MiB)"
fallocate -l "$(avail)" "$T/vol/fill2" 2>/dev/null
dd if=/dev/zero of="$T/vol/fill3" bs=64k 2>/dev/null # what fallocate left, root reserve too
[ "$(avail)" = 0 ] || bl_error "the volume did not fill up: $(avail) bytes available"
monitor_is 1 "volume full: 0 B of"
rm -f "$T/vol/fill1" "$T/vol/fill2" "$T/vol/fill3"
sync
monitor_is 0 ""

# Remounted read-only (the file system itself: the folders' binds turn read-only too).
mount -o remount,ro "$T/vol" || bl_error "remount ro"
monitor_is 1 "volume read-only: mounted read-only"
mount -o remount,rw "$T/vol" || bl_error "remount rw"
monitor_is 0 ""

# Unmounted under the running chain (its binds keep the file system alive), then mounted
# again: the same file system, so fine again.
umount "$T/vol" 2>/dev/null || umount -l "$T/vol" || bl_error "cannot unmount the volume"
monitor_is 1 "volume not mounted: $T/vol is gone"
mount_vol "$BL_LOOP"
monitor_is 0 ""

# Another file system mounted in its place: replaced, whatever it holds.
umount "$T/vol" 2>/dev/null || umount -l "$T/vol" || bl_error "cannot unmount the volume"
mount_vol "$BL_LOOP2"
mkdir -p "$T/vol/esm"
monitor_is 1 "volume replaced: $T/vol is mounted from $BL_LOOP2"
umount "$T/vol" || bl_error "cannot unmount the other volume"
mount_vol "$BL_LOOP"
monitor_is 0 ""

# A real ext4 error with errors=remount-ro: Linux up to 6.11 makes the file system "ro"
# under the rw mount, 6.15 and later keep "rw" and show "emergency_ro"; writes fail either
# way. (6.12-6.14 show neither: the monitor cannot see it there, docs/servicechain.md.)
trigger=/sys/fs/ext4/$(basename "$BL_LOOP")/trigger_fs_error
if [ -w "$trigger" ]; then
    echo 1 >"$trigger" || bl_error "cannot write $trigger"
    touch "$T/vol/esm/probe" 2>/dev/null && bl_error "the ext4 error left the volume writable"
    if grep -q "emergency_ro\| - ext4 $BL_LOOP ro" /proc/self/mountinfo; then
        monitor_is 1 "volume read-only: ext4"
        # a restart on this node is refused with the same cause: Pacemaker moves the group
        expect_rc 0 ra node-a stop
        expect_rc 1 ra node-a start
        expect_out "ocf-exit-reason:volume read-only: ext4"
    else
        echo "NOTE: this kernel ($(uname -r)) shows no sign of ext4's emergency read-only"
        expect_rc 0 ra node-a stop
    fi
    umount "$T/vol" || bl_error "cannot unmount after the ext4 error"
    e2fsck -fy "$BL_LOOP" >/dev/null 2>&1
    mount_vol "$BL_LOOP"
else
    echo "NOTE: $trigger missing: no forced ext4 error on this kernel"
    expect_rc 0 ra node-a stop
fi

# ext4 shut down under the chain (EXT4_IOC_SHUTDOWN, as after a device's death): writes fail
# with EIO and 6.15+ say "shutdown" in the file system's options.
expect_rc 0 ra node-a start
if command -v python3 >/dev/null &&
    python3 -c "import fcntl, os, struct; fcntl.ioctl(os.open('$T/vol', os.O_RDONLY), 0x8004587D, struct.pack('I', 2))" &&
    grep -q " - ext4 $BL_LOOP [^ ]*shutdown" /proc/self/mountinfo; then
    monitor_is 1 "volume read-only: file system shut down"
    expect_rc 0 ra node-a stop
    umount "$T/vol" || bl_error "cannot unmount after the shutdown"
    e2fsck -fy "$BL_LOOP" >/dev/null 2>&1
    mount_vol "$BL_LOOP"
else
    echo "NOTE: no ext4 shutdown shown by this kernel ($(uname -r)) or no python3"
    expect_rc 0 ra node-a stop
fi

# errors=continue (mkfs.ext4's default): an error leaves the volume writable and is seen only
# in ext4's error count, which stays until e2fsck: degraded.
if [ -w "$trigger" ]; then
    umount "$T/vol" || bl_error "cannot unmount the volume"
    mount -o errors=continue "$BL_LOOP" "$T/vol" || bl_error "cannot mount errors=continue"
    expect_rc 0 ra node-a start
    monitor_is 0 ""
    echo 1 >"$trigger" || bl_error "cannot write $trigger"
    touch "$T/vol/esm/probe" || bl_error "errors=continue left the volume read-only"
    monitor_is 190 "file system errors: ext4 counted 1 since the last e2fsck"
    expect_rc 0 ra node-a stop
    umount "$T/vol" || bl_error "cannot unmount after the ext4 error"
    e2fsck -fy "$BL_LOOP" >/dev/null 2>&1
    mount_vol "$BL_LOOP"
fi

# A full volume is refused at start: the members could not write their state.
expect_rc 0 ra node-a start
expect_rc 0 ra node-a stop
fallocate -l "$(avail)" "$T/vol/fill" 2>/dev/null
dd if=/dev/zero of="$T/vol/fill4" bs=64k 2>/dev/null
expect_rc 1 ra node-a start
expect_out "ocf-exit-reason:volume full"
rm -f "$T/vol/fill" "$T/vol/fill4"
umount "$T/vol"
bl_finish
