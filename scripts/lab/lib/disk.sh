# shellcheck shell=bash
# The lab's shared disk: an ext4 file system in a sparse image file, attached to a loop
# device. Every node sees the host's /dev, so every node sees the same block device, like
# a LUN on a SAN; each node's mounts stay private to it (its own mount namespace), like
# separate machines. Where loop devices are unavailable (a container without
# /dev/loop-control), a plain directory stands in, to be mounted with fstype=none
# options=bind: the cluster still moves it, but it is not a block device (said loudly).
#
# Asked for with `lab up N --shared-disk` or BMCLINK_LAB_DISK=1; `lab disk` prints the
# device, `lab disk env` the shell assignments; `lab down` detaches it (down_loops) and
# removes the image with the lab's state (`--keep` keeps the image and its data).

LAB_DISK_IMG=$LAB_DIR/shared-disk.img
LAB_DISK_DIR=$LAB_DIR/shared-dir
LAB_DISK_CONF=$LAB_DIR/disk.conf
LAB_DISK_MB=${BMCLINK_LAB_DISK_MB:-64}
LAB_DISK_LABEL=bmclink-lab

# disk_up_args ARGS...: ARGS of `lab up` without --shared-disk, into LAB_UP_ARGS;
# LAB_DISK_WANTED=1 when it was there (or BMCLINK_LAB_DISK=1).
disk_up_args() {
    local a
    LAB_UP_ARGS=()
    LAB_DISK_WANTED=${BMCLINK_LAB_DISK:-0}
    for a in "$@"; do
        if [[ $a == --shared-disk ]]; then
            LAB_DISK_WANTED=1
        else
            LAB_UP_ARGS+=("$a")
        fi
    done
}

# loops_of FILE: the loop devices backed by FILE itself, one per line. Matched by the file's
# device and inode, never by its path: a lab in a clean room (its own mount namespace) has
# an image at the same path, and `losetup -j` or a path match would take its device.
loops_of() {
    local id dev ino majmin
    id=$(stat -L -c '%i %Hd:%Ld' "$1" 2>/dev/null) || return 0
    { losetup -n -l -O NAME,BACK-INO,BACK-MAJ:MIN 2>/dev/null || true; } |
        while read -r dev ino majmin; do
            if [[ "$ino $majmin" == "$id" ]]; then echo "$dev"; fi
        done
}

# disk_loop_of FILE: the loop device FILE is attached to (fails when none).
disk_loop_of() {
    local dev
    dev=$(loops_of "$1" | head -n 1)
    [[ -n $dev ]] && echo "$dev"
}

# disk_record KIND DEVICE FSTYPE OPTIONS: the lab state `lab disk` reads.
disk_record() {
    cat >"$LAB_DISK_CONF.tmp" <<EOF
LAB_DISK_KIND=$1
LAB_DISK_DEV=$2
LAB_DISK_FSTYPE=$3
LAB_DISK_OPTIONS=$4
EOF
    mv -f "$LAB_DISK_CONF.tmp" "$LAB_DISK_CONF"
}

# disk_make_image: a sparse image with an ext4 file system, unless one exists (a disk
# kept by `lab down --keep` keeps its data, like a real one).
disk_make_image() {
    [[ -s $LAB_DISK_IMG ]] && return 0
    truncate -s "${LAB_DISK_MB}M" "$LAB_DISK_IMG.tmp"
    mkfs.ext4 -q -F -L "$LAB_DISK_LABEL" -E nodiscard "$LAB_DISK_IMG.tmp" ||
        { rm -f "$LAB_DISK_IMG.tmp"; lab_die "mkfs.ext4 on $LAB_DISK_IMG failed"; }
    mv -f "$LAB_DISK_IMG.tmp" "$LAB_DISK_IMG"
}

# disk_up: attach the shared disk when asked for (LAB_DISK_WANTED=1). Idempotent.
disk_up() {
    local dev
    [[ ${LAB_DISK_WANTED:-0} == 1 ]] || return 0
    command -v mkfs.ext4 >/dev/null || lab_die "--shared-disk needs mkfs.ext4 (e2fsprogs)"
    disk_make_image
    if dev=$(disk_loop_of "$LAB_DISK_IMG") || dev=$(losetup --find --show "$LAB_DISK_IMG" 2>/dev/null); then
        disk_record loop "$dev" ext4 ""
        lab_log "shared disk: $dev (ext4, ${LAB_DISK_MB} MiB image $LAB_DISK_IMG)"
        return 0
    fi
    rm -f "$LAB_DISK_IMG"
    install -d -m 755 "$LAB_DISK_DIR"
    disk_record dir "$LAB_DISK_DIR" none bind
    lab_log "WARNING: no loop device available here; the shared disk is the directory" \
        "$LAB_DISK_DIR (mount it with fstype=none options=bind): not a block device"
}

# disk_load: read the record of an attached disk; fails (quietly) when there is none.
disk_load() {
    [[ -r $LAB_DISK_CONF ]] || return 1
    # shellcheck source=/dev/null
    source "$LAB_DISK_CONF"
    case $LAB_DISK_KIND in
    loop) [[ $(disk_loop_of "$LAB_DISK_IMG" || true) == "$LAB_DISK_DEV" ]] ;;
    dir) [[ -d $LAB_DISK_DEV ]] ;;
    *) return 1 ;;
    esac
}

# cmd_disk [env]: the shared disk's device, or all of its record as shell assignments.
cmd_disk() {
    disk_load || lab_die "the lab has no shared disk (lab up N --shared-disk)"
    case ${1:-} in
    "") echo "$LAB_DISK_DEV" ;;
    env) cat "$LAB_DISK_CONF" ;;
    *) lab_die "disk: unknown argument '$1' (lab disk [env])" ;;
    esac
}

# disk_down: forget the disk (down_loops has detached the loop device by now).
disk_down() { rm -f "$LAB_DISK_CONF" "$LAB_DISK_CONF.tmp"; }
