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
. "$HERE/../slowstore.sh"

ss_enter "$0" "$@"
bl_netns_tmp bl-slowstore
SIM_PID= DAEMON_PID= CS_PID= SET_PID= BL_PIDS="SET_PID DAEMON_PID SIM_PID CS_PID"
# a held sync must not outlive the test
trap 'touch "$TMP/sync.release"; bl_netns_cleanup' EXIT
[ -n "${KEEP:-}" ] && echo "keeping $TMP"
SERVICE=bl-slowstore-$$
export IPMI_PASSWORD=slow-pw-1 # ipmitool -E: the password never on argv
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1: $2"
    tail -8 "$TMP/d.log" 2>/dev/null | sed 's/^/     d | /'
    tail -5 "$TMP/bmcsim.log" 2>/dev/null | sed 's/^/   bmc | /'
}
polls() { cat "$TMP/gets.log" 2>/dev/null | wc -l; }
polls_above() { (($(polls) > $1)); }
seen() { grep -q "$1" "$2" 2>/dev/null; }
running() { kill -0 "$1" 2>/dev/null; }

ss_corosync
ss_bmc 9627 11627
ss_daemon "$SERVICE" 200
"$REG" -s "$SERVICE" set Bench/before n sz v >/dev/null || { echo "ERROR: first write failed"; exit 99; }
ss_wait 300 polls_above 2 || { echo "ERROR: no heartbeat poll reached the BMC"; cat "$TMP/d.out"; exit 99; }
ok "set up: registry in sync on Corosync, heartbeat polling the BMC ($(polls) polls)"

# --- 1. a write held in the store's sync ---
rm -f "$TMP/sync.release" "$TMP/sync.blocked"
"$REG" -s "$SERVICE" -t 120 set Bench/held n sz v >"$TMP/set.out" 2>&1 &
SET_PID=$!
if ss_wait 300 seen registry.db "$TMP/sync.blocked"; then
    ok "1: the write is held in the sync of $(head -1 "$TMP/sync.blocked")"
else
    bad 1 "the write never reached the store's sync"
fi

# --- 2. meanwhile the BMC side works ---
p0=$(polls)
ipmitool -I lan -H 127.0.0.1 -p 9627 -U admin -E raw 0x30 0x80 >/dev/null ||
    { echo "ERROR: the fault injection was refused"; exit 99; }
ss_wait 150 seen ' start-notice ' "$TMP/bmcsim.log"
if seen ' start-notice ' "$TMP/bmcsim.log" && running "$SET_PID" && [ ! -e "$TMP/sync.release" ]; then
    ok "2: the BMC got its start notice while the write was held: $(grep -m1 ' start-notice ' "$TMP/bmcsim.log")"
else
    bad 2 "no start notice while the write was held (write still held: $(running "$SET_PID" && echo yes || echo no))"
fi
if ss_wait 150 polls_above $((p0 + 3)) && running "$SET_PID"; then
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
