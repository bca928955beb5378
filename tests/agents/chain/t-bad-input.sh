#!/usr/bin/env bash
# Bad input and misbehaving members: each gets a clear error and the right OCF code, and
# nothing on the shared volume is lost or half-copied.
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
bl_setup

member() { # [-o] NAME [ARGS...]: one test-member section (seven lines), -o: optional
    local optional=no
    if [ "$1" = -o ]; then
        optional=yes
        shift
    fi
    local name=$1
    shift
    printf '[member %s]\nkind = daemon\ncommand = %s --name %s --dir %s --pidfile %s %s\n' \
        "$name" "$BL_TEST_MEMBER" "$name" "$T/local/work" "$T/run/$name.pid" "$*"
    printf 'pidfile = %s\nstart_timeout = 2s\nstop_timeout = 500ms\noptional = %s\n' \
        "$T/run/$name.pid" "$optional"
}

export OCF_RESKEY_chain_file=$T/c.chain
unset OCF_RESKEY_state_dir OCF_RESKEY_folders

# A malformed chain file: OCF_ERR_CONFIGURED, every problem with file and line.
{ member base; echo "[member broken"; echo "kind = daemon"; echo "start_timeout = soon"; } >"$T/c.chain"
expect_rc 6 ra n1 validate-all
expect_out "$T/c.chain:8: not a [group] header"
expect_rc 6 ra n1 start
{ member base; echo "[member x]"; echo "kind = rocket"; } >"$T/c.chain"
expect_rc 6 ra n1 validate-all
expect_out "$T/c.chain:9: [member x] kind: invalid value 'rocket' (expected systemd, lsb or daemon)"
OCF_RESKEY_chain_file= OCF_RESKEY_chain="[member a];kind=daemon;command=/bin/a" \
    expect_rc 6 ra n1 validate-all
expect_out "<inline chain>:1: [member a]: a daemon member needs 'pidfile'"

# A program missing on this node: OCF_ERR_INSTALLED (another node may have it).
printf '[member a]\nkind = daemon\ncommand = /nonexistent/esmd\npidfile = %s/run/a.pid\n' "$T" >"$T/c.chain"
expect_rc 5 ra n1 validate-all
expect_out "member 'a': command /nonexistent/esmd: No such file or directory"
expect_rc 5 ra n1 start
OCF_RESKEY_chain_file=$T/absent.chain expect_rc 5 ra n1 validate-all
OCF_RESKEY_chain_file=$T/absent.chain OCF_RESKEY_CRM_meta_interval=0 expect_rc 7 ra n1 monitor

# A member that hangs on start: killed at its start_timeout, the members before it stopped.
{ member base; member hangs --hang-start; member never; } >"$T/c.chain"
t0=$(date +%s%N)
expect_rc 1 ra n1 start
elapsed=$((($(date +%s%N) - t0) / 1000000))
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -lt 6000 ] || bl_fail "hung start took ${elapsed} ms"
expect_out "mandatory member hangs (daemon) failed to start"
expect_out "timed out and was killed"
expect_rc 7 ra n1 monitor
pgrep -f -- "--name hangs" >/dev/null && bl_fail "the hung start command survived"
[ -e "$T/local/work/never.counter" ] && bl_fail "a member after the failed one was started"

# An optional member that fails: skipped, the chain runs degraded (190).
{ member base; member -o extra --fail-start; } >"$T/c.chain"
expect_rc 0 ra n1 start
expect_out "optional member extra (daemon) failed to start"
expect_out "failing on purpose"
expect_rc 190 ra n1 monitor
expect_rc 0 ra n1 stop

# A member that ignores SIGTERM: SIGKILL after its stop_timeout; stop succeeds.
{ member base; member stubborn --ignore-term; } >"$T/c.chain"
expect_rc 0 ra n1 start
read -r stubborn <"$T/run/stubborn.pid"
t0=$(date +%s%N)
expect_rc 0 ra n1 stop
elapsed=$((($(date +%s%N) - t0) / 1000000))
[ "$elapsed" -ge 500 ] || bl_fail "stubborn member stopped after ${elapsed} ms, before its timeout"
[ -d "/proc/$stubborn" ] && ! grep -q '^State:.*Z' "/proc/$stubborn/status" &&
    bl_fail "stubborn member survived"
expect_rc 7 ra n1 monitor

# A pidfile naming someone else's process: not running, and that process is never signalled.
{ member base; } >"$T/c.chain"
sleep 300 &
other=$!
echo "$other" >"$T/run/base.pid"
expect_rc 7 ra n1 monitor
expect_rc 0 ra n1 stop
kill -0 "$other" 2>/dev/null || bl_fail "stop signalled a foreign process"
expect_rc 0 ra n1 start # the stale pidfile does not stop a real start
[ "$(cat "$T/run/base.pid")" != "$other" ] || bl_fail "pidfile still names the foreign process"
expect_rc 0 ra n1 monitor
expect_rc 0 ra n1 stop
kill -0 "$other" 2>/dev/null || bl_fail "start/stop signalled a foreign process"
kill "$other"

# --- the shared volume ---
export OCF_RESKEY_state_dir=$T/vol/esm OCF_RESKEY_folders="work=$T/local/work db=$T/local/db"
{ member base; } >"$T/c.chain"

# Not mounted: state_dir is on the root file system.
if [ "$(stat -c %m "$T")" = / ]; then
    expect_rc 1 ra n1 start
    expect_out "volume not mounted: state_dir $T/vol/esm is on the root file system"
    [ -e "$T/vol/esm" ] && bl_fail "start created state_dir on the root file system"
else
    echo "note: $T is not on the root file system; not-mounted case left to volume_device"
fi

bl_mount_tmpfs
# Another device than configured.
OCF_RESKEY_volume_device=/dev/loop0 expect_rc 1 ra n1 start
expect_out "not from volume_device /dev/loop0"

# state_dir that is not a directory: wrong everywhere, OCF_ERR_CONFIGURED.
echo "oops" >"$T/vol/esm"
expect_rc 6 ra n1 validate-all
expect_out "state_dir $T/vol/esm exists and is not a directory"
expect_rc 6 ra n1 start
rm "$T/vol/esm"

# Leftovers of an interrupted first-start copy are cleared; the real copy is whole.
mkdir -p "$T/vol/esm/.bmclink-copy-work-99-deadbeef/half"
expect_rc 0 ra n1 start
ls -a "$T/vol/esm" | grep -q '^\.bmclink-copy-' && bl_fail "partial copy left on the volume"
[ "$(cat "$T/vol/esm/work/install.txt")" = installed ] || bl_fail "copy incomplete"
[ "$(cat "$T/vol/esm/db/schema.sql")" = "schema v1" ] || bl_fail "db copy incomplete"
expect_rc 0 ra n1 stop

# Read-only volume.
mount -o remount,ro "$T/vol"
expect_rc 1 ra n1 start
expect_out "ocf-exit-reason:volume read-only: mounted read-only"
mount -o remount,rw "$T/vol"

# Something else mounted over a local folder: refused, and left alone at stop.
mount -t tmpfs other "$T/local/db"
expect_rc 1 ra n1 start
expect_out "already has another file system mounted on it"
[ "$(findmnt -n -o SOURCE "$T/local/db")" = other ] || bl_fail "the foreign mount was touched"
umount "$T/local/db"

# A mandatory member failing after the binds: binds undone, record clean, volume intact.
{ member base; member bad --fail-start; } >"$T/c.chain"
expect_rc 1 ra n1 start
findmnt "$T/local/work" >/dev/null && bl_fail "work folder still bound after a failed start"
expect_file_has "$T/vol/esm/.bmclink/esm.run" "state=stopped"
[ "$(cat "$T/vol/esm/work/base.counter")" -ge 1 ] || bl_fail "state lost on the volume"
bl_finish
