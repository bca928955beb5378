#!/usr/bin/env bash
# A real block-device volume (ext4 on a loop device): volume_device accepted directly and
# through a link, state kept across unmount and mount as it moves between "nodes", and the
# loop device detached at the end whatever happens.
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
command -v mkfs.ext4 >/dev/null || bl_error "mkfs.ext4 is not installed (e2fsprogs)"
bl_setup
truncate -s 32M "$T/disk.img"
mkfs.ext4 -q -F "$T/disk.img" || bl_error "mkfs.ext4"
BL_LOOP=$(losetup --find --show "$T/disk.img" 2>/dev/null) || bl_skip "no loop device available"
mount "$BL_LOOP" "$T/vol" || bl_error "cannot mount $BL_LOOP"
ln -s "$BL_LOOP" "$T/by-uuid-link"

bl_make_chain "$BL_SOURCE_DIR/conf/chains/esm-ver4.chain" "$T/esm.chain"
export OCF_RESKEY_chain_file=$T/esm.chain OCF_RESKEY_state_dir=$T/vol/esm
export OCF_RESKEY_folders="work=$T/local/work db=$T/local/db"

OCF_RESKEY_volume_device=$BL_LOOP expect_rc 0 ra node-a start
expect_rc 0 ra node-a monitor
OCF_RESKEY_volume_device=$BL_LOOP expect_rc 0 ra node-a stop
umount "$T/vol"

# The volume "moves": mounted again, found through a link as /dev/disk/by-uuid would be.
mount "$BL_LOOP" "$T/vol" || bl_error "cannot mount $BL_LOOP again"
OCF_RESKEY_volume_device=$T/by-uuid-link expect_rc 0 ra node-b start
expect_out "as FAILOVER"
[ "$(bl_counter Nvbase)" = 2 ] || bl_fail "counter after remount: $(bl_counter Nvbase)"
expect_rc 0 ra node-b stop
umount "$T/vol"
bl_finish
