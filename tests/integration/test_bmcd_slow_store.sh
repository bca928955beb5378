#!/usr/bin/env bash
# A registry write held in its fsync does not hold up the BMC side (issue 13, finding 5). The
# real bmclinkd, its registry on a real one-node Corosync and its BMC side against ipmi_sim
# with the bmcsim plug-in, in private network and mount namespaces; slow_fsync.so preloaded
# into bmclinkd holds every sync of the registry's files until the test releases it.
#   1. `bmclink-reg set` starts a durable write: the daemon's main loop enters the store's
#      sync and stays there (the shim says so in sync.blocked).
#   2. While it is held: a BMCNOTICE from the BMC gets its start notice (the BMC logs it),
#      and the heartbeat keeps polling (ipmi_sim asks its chassis program for the power
#      state at every Get Chassis Status).
#   3. Released: the write completes, `bmclink status` answers through both loops.
# Ordering assertions only: each "while held" is checked by the write still being under
# way, never by a clock. Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   test_bmcd_slow_store.sh BMCLINKD BMCLINK_REG BMCLINK BMCSIM_SO SLOW_FSYNC_SO [PRELOAD]
set -u
DAEMON=$(readlink -f "${1:?bmclinkd}")
REG=$(readlink -f "${2:?bmclink-reg}")
CLI=$(readlink -f "${3:?bmclink}")
SO=$(readlink -f "${4:?bmcsim.so}")
SHIM=$(readlink -f "${5:?slow_fsync.so}")
PRELOAD=$(echo ${6:-})
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/bmcsim" && pwd)
. "$HERE/../netns.sh"

if [ -z "${BL_IN_NETNS:-}" ]; then
    for t in corosync corosync-quorumtool ipmi_sim ipmitool ss; do
        command -v "$t" >/dev/null || { echo "ERROR: $t is not installed"; exit 99; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for private namespaces"; exit 77; }
    unshare -n -m true 2>/dev/null || { echo "SKIP: cannot create namespaces here"; exit 77; }
    # a mount namespace too: Corosync's and libqb's runtime files on a private tmpfs
    BL_IN_NETNS=1 exec unshare -n -m --propagation private "$0" "$@"
fi
bl_netns_tmp bl-slowstore
SIM_PID= DAEMON_PID= CS_PID= SET_PID= BL_PIDS="SET_PID DAEMON_PID SIM_PID CS_PID"
# a held sync must not outlive the test
trap 'touch "$TMP/sync.release"; bl_netns_cleanup' EXIT
[ -n "${KEEP:-}" ] && echo "keeping $TMP"
PORT=9627 TRAP_PORT=11627 SERVICE=bl-slowstore-$$
export IPMI_PASSWORD=slow-pw-1 # ipmitool -E: the password never on argv
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1: $2"
    tail -8 "$TMP/d.log" 2>/dev/null | sed 's/^/     d | /'
    tail -5 "$TMP/bmcsim.log" 2>/dev/null | sed 's/^/   bmc | /'
}
# wait_for TENTHS CMD...: bounded wait (no timing assertion), 1 when it never held
wait_for() {
    local n=$1
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
polls() { cat "$TMP/gets.log" 2>/dev/null | wc -l; }
polls_above() { (($(polls) > $1)); }
seen() { grep -q "$1" "$2" 2>/dev/null; }
running() { kill -0 "$1" 2>/dev/null; }

for d in /run /var/lib/corosync /var/log/corosync /dev/shm; do
    mount -t tmpfs -o mode=0755 bl-slowstore "$d" || { echo "ERROR: cannot mount $d"; exit 99; }
done
chmod 1777 /dev/shm
# Corosync wants an address that is not loopback: one end of a veth pair (no dummy module
# everywhere).
{ ip link add bl0 type veth peer name bl1 && ip addr add 10.79.0.1/24 dev bl0 &&
    ip link set bl1 up && ip link set bl0 up; } || { echo "ERROR: no veth pair"; exit 99; }
cat >"$TMP/corosync.conf" <<CONF
totem {
  version: 2
  cluster_name: slowstore
  transport: knet
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
  node {
    ring0_addr: 10.79.0.1
    nodeid: 1
    name: node1
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
  logfile: $TMP/corosync.log
}
CONF
corosync -f -c "$TMP/corosync.conf" >"$TMP/corosync.out" 2>&1 &
CS_PID=$!
wait_for 100 sh -c 'corosync-quorumtool -s 2>/dev/null | grep -q "Quorate: *Yes"' ||
    { echo "ERROR: Corosync is not quorate"; cat "$TMP/corosync.out" "$TMP/corosync.log"; exit 99; }

# The BMC: ipmi_sim with bmcsim; its chassis program records every power query.
umask 077
cat >"$TMP/chassis" <<SH
#!/bin/sh
[ "\$1" = get ] && { echo get >>"$TMP/gets.log"; echo power:1; exit 0; }
exit 0
SH
chmod 700 "$TMP/chassis"
cat >"$TMP/bmcsim.conf" <<CONF
trap_target = 127.0.0.1:$TRAP_PORT
trap_version = v1
community = sl0w
agent_addr = 127.0.0.1
grace_ms = 30000
window_ms = 60000
resend_ms = 1000
resend_max = 30
off_ms = 100
chassis_control = $HERE/chassis-record $TMP
log = $TMP/bmcsim.log
CONF
sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$TMP|g" -e "s|@SO@|$SO|g" -e "s|bmcsim-pw|$IPMI_PASSWORD|" \
    -e "s|^  endlan|  endlan\n  chassis_control \"$TMP/chassis\"|" \
    "$HERE/lan.conf.in" >"$TMP/lan.conf"
bl_ipmi_sim_start "$HERE/bmc.emu" "$TMP/bmcsim.log"

printf '%s\n' "$IPMI_PASSWORD" >"$TMP/bmc-password"
cat >"$TMP/bmclink.conf" <<CONF
[trap-node node1]
address = 127.0.0.1:$TRAP_PORT
bmc = 127.0.0.1
community = sl0w
[bmc]
username = admin
password_file = $TMP/bmc-password
port = $PORT
cipher = 3
[heartbeat]
interval_ms = 200
publish = false
[recovery]
action = none
CONF
cat >"$TMP/d.conf" <<CONF
[daemon]
log-level = info
log-target = stderr
log-file = $TMP/d.log
ipc-service = $SERVICE
[registry]
store = $TMP/reg/registry.db
[bmc]
enabled = true
config = $TMP/bmclink.conf
node-name = node1
CONF
mkdir -p "$TMP/reg"
touch "$TMP/sync.release" # syncs pass until the test removes it
LD_PRELOAD="$PRELOAD $SHIM" BL_SLOWSYNC_MATCH="$TMP/reg/registry.db" BL_SLOWSYNC_HOLD="$TMP/sync" \
    "$DAEMON" -c "$TMP/d.conf" >"$TMP/d.out" 2>&1 &
DAEMON_PID=$!
# the daemon may still be starting: a refused connection (exit 1) is tried again
reg_up() { "$REG" -s "$SERVICE" status >/dev/null 2>&1; [ $? -ne 1 ]; }
wait_for 100 reg_up
"$REG" -s "$SERVICE" -t 30 wait >/dev/null 2>&1 ||
    { echo "ERROR: the registry never got in sync"; cat "$TMP/d.out"; exit 99; }
"$REG" -s "$SERVICE" set Bench/before n sz v >/dev/null || { echo "ERROR: first write failed"; exit 99; }
wait_for 300 polls_above 2 || { echo "ERROR: no heartbeat poll reached the BMC"; cat "$TMP/d.out"; exit 99; }
ok "set up: registry in sync on Corosync, heartbeat polling the BMC ($(polls) polls)"

# --- 1. a write held in the store's sync ---
rm -f "$TMP/sync.release" "$TMP/sync.blocked"
"$REG" -s "$SERVICE" -t 120 set Bench/held n sz v >"$TMP/set.out" 2>&1 &
SET_PID=$!
if wait_for 300 seen registry.db "$TMP/sync.blocked"; then
    ok "1: the write is held in the sync of $(head -1 "$TMP/sync.blocked")"
else
    bad 1 "the write never reached the store's sync"
fi

# --- 2. meanwhile the BMC side works ---
p0=$(polls)
ipmitool -I lan -H 127.0.0.1 -p $PORT -U admin -E raw 0x30 0x80 >/dev/null ||
    { echo "ERROR: the fault injection was refused"; exit 99; }
wait_for 150 seen ' start-notice ' "$TMP/bmcsim.log"
if seen ' start-notice ' "$TMP/bmcsim.log" && running "$SET_PID" && [ ! -e "$TMP/sync.release" ]; then
    ok "2: the BMC got its start notice while the write was held: $(grep -m1 ' start-notice ' "$TMP/bmcsim.log")"
else
    bad 2 "no start notice while the write was held (write still held: $(running "$SET_PID" && echo yes || echo no))"
fi
if wait_for 150 polls_above $((p0 + 3)) && running "$SET_PID"; then
    ok "2: the heartbeat kept polling while the write was held ($((($(polls) - p0))) polls)"
else
    bad 2 "the heartbeat stopped while the write was held ($((($(polls) - p0))) polls)"
fi
running "$SET_PID" && ok "2: the write is still held" || bad 2 "the write was not held all along"

# --- 3. released ---
touch "$TMP/sync.release"
wait "$SET_PID"
rc=$?
SET_PID=
[ "$rc" -eq 0 ] && ok "3: released, the write completed" || bad 3 "the write failed ($rc): $(cat "$TMP/set.out")"
[ "$("$REG" -s "$SERVICE" get Bench/held n 2>/dev/null)" = v ] && ok "3: the value reads back" ||
    bad 3 "get: $("$REG" -s "$SERVICE" get Bench/held n 2>&1)"
st=$("$CLI" status --keys --service "$SERVICE" 2>&1)
grep -q '^bmc.state=running$' <<<"$st" && grep -q '^registry\.' <<<"$st" &&
    ok "3: bmclink status answers from both loops" || bad 3 "status: $st"
kill "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] && ok "SIGTERM stops both loops (exit 0)" || bad stop "bmclinkd exited $rc"

echo "bmclinkd with a held store sync: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
