#!/usr/bin/env bash
# The chain's synchronized subtrees against a real bmclinkd: a one-node Corosync on loopback
# and the built bmclinkd, inside private network, mount and PID namespaces (nothing reaches
# the host's or the lab's Corosync), the built agent with registry_profile and
# registry_render, a bl-test-member that reads the rendered file and changes it. Proves:
# start renders what bmclink-reg set; a monitor records the program's change once the file
# is still (and keeps a value set meanwhile); stop records a change made just before it, even when the daemon
# is gone meanwhile stop succeeds; start refuses with a clear error without the daemon.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || bl_skip "needs root (namespaces)"
for tool in corosync corosync-quorumtool unshare ip; do
    command -v "$tool" >/dev/null || bl_error "$tool is not installed"
done
[ -x "${BL_BMCLINKD:-}" ] && [ -x "${BL_REG_CLI:-}" ] ||
    bl_error "set BL_BMCLINKD and BL_REG_CLI to the built bmclinkd and bmclink-reg"
if [ -z "${BL_IN_NS:-}" ]; then
    BL_IN_NS=1 exec unshare --net --mount --propagation private --pid --fork --mount-proc \
        "$0" "$@"
fi
bl_setup

# The node's runtime folders, private to this namespace.
for d in /run /dev/shm /etc/corosync /var/lib/corosync /var/log/corosync; do
    mount -t tmpfs -o mode=0755 bl-reg-test "$d" || bl_error "cannot mount tmpfs on $d"
done
chmod 1777 /dev/shm
ip link set lo up
cat >/etc/corosync/corosync.conf <<EOF
totem {
  version: 2
  cluster_name: blchain
  transport: knet
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    nodeid: 1
    name: solo
  }
}
quorum {
  provider: corosync_votequorum
}
system {
  sched_rr: no
}
logging {
  to_syslog: no
  to_stderr: no
  to_logfile: yes
  logfile: $T/corosync.log
}
EOF
corosync -f >/dev/null 2>&1 &
for _ in $(seq 100); do
    corosync-quorumtool -s 2>/dev/null | grep -q "Quorate: *Yes" && break
    sleep 0.1
done
corosync-quorumtool -s 2>/dev/null | grep -q "Quorate: *Yes" || bl_error "corosync not quorate"

printf '[daemon]\nlog-target = stderr\n[registry]\nstore = %s/reg.db\n' "$T" >"$T/bmclinkd.conf"
daemon_start() {
    "$BL_BMCLINKD" -c "$T/bmclinkd.conf" >>"$T/bmclinkd.log" 2>&1 &
    DAEMON=$!
    "$BL_REG_CLI" --timeout 20 wait >/dev/null 2>&1 || {
        for _ in $(seq 50); do
            "$BL_REG_CLI" --timeout 20 wait >/dev/null 2>&1 && return 0
            sleep 0.1
        done
        cat "$T/bmclinkd.log" >&2
        bl_error "bmclinkd not in sync"
    }
}
daemon_start
reg() { "$BL_REG_CLI" "$@"; }
NV='SOFTWARE\NEC\NVBASE'
RECV='SOFTWARE\NEC\ESMAlertMan\BaseSetting\Receive'
reg set "$NV" WorkDir sz /var/opt/nvbase || bl_error "bmclink-reg set"
reg set "$RECV" Port dword 162 || bl_error "bmclink-reg set"

CONF=$T/etc/esm/registry.reg
export OCF_RESKEY_chain="[member Nvbase];kind=daemon;command=$BL_TEST_MEMBER --name Nvbase --dir $T/local/work --pidfile $T/run/nv.pid --tick 20 --config $CONF;pidfile=$T/run/nv.pid"
export OCF_RESKEY_registry_profile=$BL_SOURCE_DIR/conf/registry/esmpro.profile
export OCF_RESKEY_registry_render=$CONF OCF_RESKEY_registry_sync_timeout=5s

# program_changes NAME VALUE: Nvbase appends "NAME"="VALUE" under Receive at its next tick.
program_changes() {
    printf '\r\n[HKEY_LOCAL_MACHINE\\%s]\r\n"%s"="%s"\r\n' "$RECV" "$1" "$2" \
        >"$T/local/work/Nvbase.config-add.tmp"
    mv "$T/local/work/Nvbase.config-add.tmp" "$T/local/work/Nvbase.config-add"
    for _ in $(seq 200); do
        [ -e "$T/local/work/Nvbase.config-add" ] || return 0
        sleep 0.01
    done
    bl_fail "Nvbase did not change its file"
}

expect_rc 0 ra node-a validate-all
expect_rc 0 ra node-a start
expect_out "registry in sync on node-a"
expect_file_has "$T/local/work/Nvbase.config-seen" '"WorkDir"="/var/opt/nvbase"'
expect_file_has "$T/local/work/Nvbase.config-seen" '"Port"=dword:000000a2'
[ "$(stat -c %a "$CONF")" = 600 ] || bl_fail "rendered file mode $(stat -c %a "$CONF")"

# monitor_until_captured: monitors until one records a change. A monitor does not read a
# file modified less than registry_capture_settle (1 s) ago, so the first ones right after
# a change may record nothing (docs/servicechain.md, "Synchronized subtrees").
monitor_until_captured() {
    for _ in $(seq 100); do
        expect_rc 0 ra node-a monitor
        grep -q "recorded in the registry" <<<"$LAST_OUT" && return 0
        sleep 0.05
    done
}

# A monitor with nothing changed says nothing about the registry.
expect_rc 0 ra node-a monitor
grep -q "recorded in the registry" <<<"$LAST_OUT" && bl_fail "a capture without a change"

# Set in the registry while running, then the program changes its file: both kept.
reg set "$NV" Community sz set-while-running || bl_fail "bmclink-reg set while running"
program_changes FromProgram monitor-capture
monitor_until_captured
expect_out "1 changes to the rendered files recorded in the registry"
[ "$(reg get "$RECV" FromProgram)" = monitor-capture ] || bl_fail "monitor capture missing"
[ "$(reg get "$NV" Community)" = set-while-running ] || bl_fail "the set made meanwhile was undone"

# A change just before stop is recorded by the stop.
program_changes AtStop stop-capture
expect_rc 0 ra node-a stop
expect_out "stop: 1 changes to the rendered files recorded in the registry"
[ "$(reg get "$RECV" AtStop)" = stop-capture ] || bl_fail "stop capture missing"

# The next start renders all of it.
expect_rc 0 ra node-a start
expect_file_has "$T/local/work/Nvbase.config-seen" '"AtStop"="stop-capture"'
expect_file_has "$T/local/work/Nvbase.config-seen" '"Community"="set-while-running"'

# The daemon gone: a change at stop is logged as not recorded, the stop still succeeds...
program_changes Lost at-stop-without-daemon
kill "$DAEMON"
wait "$DAEMON" 2>/dev/null
expect_rc 0 ra node-a stop
expect_out "changes to the rendered files not recorded"
# ...and a start refuses, saying why and what to do.
expect_rc 1 ra node-a start
expect_out "cannot reach bmclinkd's registry"
expect_out "is bmclinkd running on this node"
[ -e "$T/run/nv.pid" ] && bl_fail "a member started without the registry"
daemon_start
[ "$(reg get "$RECV" Lost 2>/dev/null)" = "" ] || bl_fail "a change recorded without the daemon"

bl_finish
