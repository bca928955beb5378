#!/usr/bin/env bash
# bmclinkd's heartbeat (the real bl_ipmi_lan client, cipher suite left at its default,
# auto) against suite17_bmc, a BMC offering cipher suite 17 only, in a private network
# namespace: the BMC is reachable and its power changes are seen. Pacemaker is replaced by
# heartbeat_sel_sim's recorder ("attr NODE NAME VALUE"). Exit 0 pass, 1 failures, 77 skip
# (says why), 99 set-up error.
#   test_heartbeat_suite17.sh HEARTBEAT_SEL_SIM SUITE17_BMC
set -u
DRV=$(readlink -f "${1:?heartbeat_sel_sim}")
BMC17=$(readlink -f "${2:?suite17_bmc}")
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"

bl_netns_enter "$0" "$@"
bl_netns_tmp bl-hb17
BMC_PID= DRV_PID= BL_PIDS="DRV_PID BMC_PID"
trap bl_netns_cleanup EXIT
PORT=9625
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; tail -20 "$TMP/drv.err" | sed 's/^/     | /'; }
# wait_for REGEX: bounded wait (20 s) for a recorded line, no timing asserted
wait_for() {
    for _ in $(seq 200); do grep -qE "$1" "$TMP/drv.out" && return 0; sleep 0.1; done
    return 1
}

umask 077
printf '%s\n' hb17-secret >"$TMP/bmc-password"
mkdir "$TMP/bmc" "$TMP/pos"
echo 1 >"$TMP/bmc/power"
"$BMC17" "$PORT" admin "$TMP/bmc-password" "$TMP/bmc" --seconds 100 2>"$TMP/bmc.err" &
BMC_PID=$!
for _ in $(seq 50); do ss -Hlun "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -Hlun "sport = :$PORT" | grep -q . || { echo "ERROR: suite17_bmc did not start"; exit 99; }
cat >"$TMP/bmclink.conf" <<CONF
[bmc]
username = admin
password_file = $TMP/bmc-password
[bmc-node n1]
address = 127.0.0.1
port = $PORT
[heartbeat]
interval_ms = 200
sel_interval_ms = 1000
sel_state_dir = $TMP/pos
CONF
"$DRV" "$TMP/bmclink.conf" n1 >"$TMP/drv.out" 2>"$TMP/drv.err" &
DRV_PID=$!

wait_for '^attr n1 bmclink-bmc-reachable 1$' && ok "BMC reachable over suite 17" ||
    bad reachable "$(cat "$TMP/drv.out")"
wait_for '^attr n1 bmclink-bmc-power on$' && ok "power on seen" || bad "power on" "$(cat "$TMP/drv.out")"
echo 0 >"$TMP/bmc/power"
wait_for '^attr n1 bmclink-bmc-power off$' && ok "power off seen" || bad "power off" "$(cat "$TMP/drv.out")"
grep -q 'bmclink-bmc-reachable 0' "$TMP/drv.out" && bad "never unreachable" "$(cat "$TMP/drv.out")" ||
    ok "never reported unreachable"

echo "heartbeat suite 17: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
