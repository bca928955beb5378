#!/usr/bin/env bash
# bmclinkd's BMC side (bmc_driver: trap receiver, heartbeat, recovery) against a real
# ipmi_sim running the bmcsim plug-in, in a private network namespace (loopback only), no
# cluster: the recovery action is a script, so Pacemaker is not needed. The lab tests
# (tests/lab/5x-*.sh) do the same with the real cluster.
#   A. a fatal fault: PET Acknowledge, start notice, the script, the end notice with its
#      result byte, in that order; the BMC resets on the end notice. The heartbeat sees the
#      BMC answer.
#   B. a forged trap (wrong community) and one from a foreign source: dropped, counted.
#   C. the BMC dies: the heartbeat says so after 3 silent polls; a fatal PET still runs the
#      recovery (the script), the notices fail and are counted.
# Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   test_bmc_driver_sim.sh BMC_DRIVER BMCSIM_SO
set -u
DRIVER=$(readlink -f "${1:?bmc_driver}")
SO=$(readlink -f "${2:?bmcsim.so}")
# A sanitizer-built plug-in needs its runtimes preloaded into (uninstrumented) ipmi_sim.
PRELOAD=$(ldd "$SO" 2>/dev/null | awk '$1 ~ /^lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIMDIR=$HERE/../tools/bmcsim
. "$HERE/../tools/netns.sh"

BL_NEEDS="ipmi_sim ipmitool snmptrap" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-bmcdrv
SIM_PID='' DRV_PID='' BL_PIDS="SIM_PID DRV_PID"
trap bl_netns_cleanup EXIT
[ -n "${KEEP:-}" ] && echo "keeping $TMP"
PORT=9623
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1: $2"
    sed 's/^/     | /' "$TMP/bmcsim.log" 2>/dev/null | tail -12
    grep -v '^hb ' "$TMP/driver.out" 2>/dev/null | sed 's/^/     > /' | tail -20
}
umask 077
printf 'bmcsim-pw' >"$TMP/pw"
printf 'n0tice-community' >"$TMP/community"
mkdir "$TMP/good" "$TMP/bad" # snmptrap reads its community from there, not from argv
printf 'defCommunity n0tice-community\n' >"$TMP/good/snmp.conf"
printf 'defCommunity wrong-community\n' >"$TMP/bad/snmp.conf"

cat >"$TMP/bmcsim.conf" <<CONF
trap_target = 127.0.0.1:1162
trap_version = v1
community = n0tice-community
agent_addr = 127.0.0.1
grace_ms = 3000
window_ms = 20000
resend_ms = 500
resend_max = 3
off_ms = 600
chassis_control = $SIMDIR/chassis-record $TMP
log = $TMP/bmcsim.log
CONF
sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$TMP|g" -e "s|@SO@|$SO|g" "$SIMDIR/lan.conf.in" >"$TMP/lan.conf"
cat >"$TMP/recover.sh" <<'SCRIPT'
#!/bin/sh
echo "node=$BMCLINK_NODE seq=$BMCLINK_PET_SEQUENCE severity=$BMCLINK_SEVERITY" >>"$(dirname "$0")/script.log"
SCRIPT
chmod 700 "$TMP/recover.sh"
cat >"$TMP/bmclink.conf" <<CONF
[trap-node n1]
address = 127.0.0.1:1162
bmc = 127.0.0.1
community = n0tice-community
[bmc]
username = admin
password_file = $TMP/pw
port = $PORT
[heartbeat]
interval_ms = 200
sel_state_dir = $TMP
reopen_ms = 400
# C kills the BMC right after A's power cycle: 600 ms of silence and no expected link drop
# (drop_window_ms 0) keep C's "3 silent polls"; test_heartbeat_link_drop covers the defaults
silence_ms = 600
drop_window_ms = 0
[recovery]
action = script
script = $TMP/recover.sh
timeout_ms = 5000
reset_window_ms = 20000
notice_timeout_ms = 800
CONF

start_sim() {
    : >"$TMP/bmcsim.log"
    bl_ipmi_sim_start "$SIMDIR/bmc.emu" "$TMP/bmcsim.log"
}

# wait_for FILE REGEX SECONDS
wait_for() {
    for _ in $(seq $(($3 * 10))); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
field() { grep -E "$2" "$TMP/driver.out" | head -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
pet_hex() {
    printf '%032x%04x%08xffff2020%02x20000000%s000000000000c1' 0 "$1" \
        $(($(date +%s) - 883612800)) "$2" 00ffffffffffffff
}
send_pet() { # CONF_DIR SOURCE SEQ SEVERITY
    SNMPCONFPATH=$TMP/$1 MIBS='' snmptrap -v1 -M /dev/null --clientaddr="$2" 127.0.0.1:1162 \
        1.3.6.1.4.1.3183.1.1 0.0.0.0 6 487168 0 1.3.6.1.4.1.3183.1.1.1 x "$(pet_hex "$3" "$4")"
}

start_sim
"$DRIVER" -c "$TMP/bmclink.conf" -n n1 >"$TMP/driver.out" 2>"$TMP/driver.err" &
DRV_PID=$!
wait_for "$TMP/driver.out" '^hb node=n1 reach=1 power=' 5 &&
    ok "heartbeat: the BMC answers" || bad "heartbeat" "no first answer"

# --- A: the whole recovery ---
IPMI_PASSWORD=bmcsim-pw ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $PORT -U admin -E \
    raw 0x30 0x80 >/dev/null || { echo "ERROR: inject failed"; exit 99; }
wait_for "$TMP/bmcsim.log" 'power-on' 8 || true
events=$(awk '{ print $2 }' "$TMP/bmcsim.log" | paste -sd' ' -)
case $events in
*inject*trap-sent*pet-ack*start-notice*end-notice*reset*power-off*power-on*) ok "A: BMC log: $events" ;;
*) bad "A" "notices out of order: $events" ;;
esac
grep -q "start-notice phase=recovering accepted" "$TMP/bmcsim.log" && ok "A: start notice accepted" ||
    bad "A" "start notice"
grep -q "end-notice phase=power-off accepted len=1" "$TMP/bmcsim.log" &&
    ok "A: end notice with its result byte" || bad "A" "end notice"
grep -q "reset reason=end-notice" "$TMP/bmcsim.log" && ok "A: reset on the end notice" ||
    bad "A" "reset reason"
grep -q "node=n1 seq=1 severity=non-recoverable" "$TMP/script.log" 2>/dev/null &&
    ok "A: the recovery script ran with BMCLINK_* variables" || bad "A" "script"
grep -q '^step name=end-sent .*detail=success' "$TMP/driver.out" && ok "A: end notice 'success'" ||
    bad "A" "end-sent"
t=$(field t_ms '^step name=start-sent')
awk -v t="$t" 'BEGIN { exit !(t != "" && t < 50) }' &&
    ok "A: trap -> start notice sent in $t ms" || bad "A" "start notice after '$t' ms"

# --- B: forged ---
send_pet bad 127.0.0.1 50 0x20
send_pet good 127.0.0.2 51 0x20
wait_for "$TMP/driver.out" 'drop=bad-credentials' 3 && ok "B: wrong community dropped" ||
    bad "B" "wrong community"
wait_for "$TMP/driver.out" 'drop=foreign-source' 3 && ok "B: foreign source dropped" ||
    bad "B" "foreign source"
[ "$(grep -c '^step name=trap' "$TMP/driver.out")" -eq 1 ] && ok "B: no recovery for them" ||
    bad "B" "a forged trap started a recovery"

# --- C: the BMC dies ---
sleep 1.5 # the recovery of A is idle again (no busy)
t0=$(date +%s%3N)
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=
wait_for "$TMP/driver.out" '^hb node=n1 reach=0 power=unknown' 3 || true
dt=$(($(date +%s%3N) - t0))
grep -q '^hb node=n1 reach=0' "$TMP/driver.out" && [ "$dt" -le 1200 ] &&
    ok "C: BMC silent for 3 polls seen after $dt ms" || bad "C" "unreachable not seen ($dt ms)"
send_pet good 127.0.0.1 60 0x20
wait_for "$TMP/script.log" "seq=60" 5 && ok "C: recovery ran without the BMC" ||
    bad "C" "no recovery"
wait_for "$TMP/driver.out" '^step name=end-done .*rc=-' 5 || true
kill "$DRV_PID"; wait "$DRV_PID" 2>/dev/null; DRV_PID=
n=$(field notice_failures '^summary ')
[ "${n:-0}" -ge 3 ] && ok "C: $n failed notices counted" || bad "C" "notice failures '$n'"
[ "$(field dropped '^summary ')" = 2 ] && ok "summary: 2 dropped" || bad "summary" "dropped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
