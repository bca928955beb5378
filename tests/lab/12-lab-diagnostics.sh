#!/bin/bash
# Failures say why. (a) A resource that cannot start: a wait for it that times out prints
# Pacemaker's state of the resource and the failed action with its exit reason, not only
# "timed out". (b) A node whose init dies at boot (here: a directory of its disk is gone, so
# a bind mount fails) is reported by `lab boot` within seconds, with its console's last lines.
source "$(dirname "$0")/lib.sh"
lab_require
lab_session 2

step "a Filesystem resource on a device that does not exist"
lab x node1 pcs resource create fs-missing ocf:heartbeat:Filesystem \
    device=/dev/bmclink-no-such-disk directory=/mnt/bmclink-diag fstype=ext4 \
    op monitor interval=10s >/dev/null || error "pcs resource create failed"
# Both nodes tried and failed its start (not installed on either): nothing more will change.
start_failed_everywhere() {
    [[ $(fail_count fs-missing node1) =~ ^[1-9I] && $(fail_count fs-missing node2) =~ ^[1-9I] ]]
}
wait_until 30 start_failed_everywhere
t0=$EPOCHREALTIME
out=$( (wait_until 2 resource_started fs-missing) 2>&1) && fail "fs-missing started"
note "the wait's report, $(since "$t0") s:"
sed 's/^/      | /' <<<"$out"
grep -E "^resource fs-missing: role=Stopped" <<<"$out" >/dev/null ||
    fail "the report does not give the resource's state"
grep -E "^failed: fs-missing_start_0 on node[12]: not installed \(Couldn't find device " \
    <<<"$out" >/dev/null || fail "the report does not give the exit reason"
grep -E "FAIL: timed out after 2s waiting for: resource_started fs-missing" <<<"$out" \
    >/dev/null || fail "the report does not say what timed out"
lab x node1 pcs resource delete fs-missing --force >/dev/null 2>&1 || true

step "node2 loses a directory of its disk and is booted"
lab poweroff node2
rm -rf "$LAB_DIR/node2/disk/var/log/bmclink"
t0=$EPOCHREALTIME
out=$(lab boot node2 2>&1) && fail "lab boot node2 succeeded without its disk directory"
dt=$(since "$t0")
note "lab boot node2 failed after $dt s, saying:"
sed 's/^/      | /' <<<"$out"
grep "node2: its init died while booting" <<<"$out" >/dev/null ||
    fail "lab boot does not say the init died"
grep "mount" <<<"$out" >/dev/null || fail "lab boot does not show the console's mount error"
