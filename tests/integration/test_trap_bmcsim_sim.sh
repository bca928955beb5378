#!/usr/bin/env bash
# bmcsim inside a real ipmi_sim, in a private network namespace (loopback only):
#   A. PET v1 to bmclinkd's receiver; acknowledge, start and end notices with ipmitool:
#      the reset waits for the end notice.
#   B. no start notice: the reset follows the grace time.
#   C. start but no end: the reset follows window W.
#   D. v2c to the real snmptrapd (-f -Lo).
# Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   test_trap_bmcsim_sim.sh BMCSIM_SO TRAP_LISTEN [PRELOAD]   (PRELOAD: sanitizer runtimes for ipmi_sim)
set -u
SO=$(readlink -f "${1:?bmcsim.so}")
LISTEN=$(readlink -f "${2:?trap_listen}")
PRELOAD=$(echo ${3:-})
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/bmcsim" && pwd)
. "$HERE/../netns.sh"

BL_NEEDS="ipmi_sim ipmitool snmptrapd" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-bmcsim
SIM_PID= RX_PID= BL_PIDS="SIM_PID RX_PID"
trap bl_netns_cleanup EXIT
[ -n "${KEEP:-}" ] && echo "keeping $TMP"
PORT=9623 TRAP_PORT=1162
export IPMI_PASSWORD=bmcsim-pw   # ipmitool -E: the password never on argv
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; sed 's/^/     | /' "$TMP/bmcsim.log" 2>/dev/null | tail -15; }
raw() { ipmitool -I lan -H 127.0.0.1 -p $PORT -U admin -E raw "$@" >/dev/null; }

# start_sim VERSION TARGET_PORT GRACE_MS WINDOW_MS
start_sim() {
    [ -n "$SIM_PID" ] && { kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; }
    : >"$TMP/bmcsim.log"; : >"$TMP/chassis.log"
    umask 077
    cat >"$TMP/bmcsim.conf" <<CONF
trap_target = 127.0.0.1:$2
trap_version = $1
community = n0tice
agent_addr = 127.0.0.1
grace_ms = $3
window_ms = $4
resend_ms = 300
resend_max = 3
off_ms = 300
chassis_control = $HERE/chassis-record $TMP
log = $TMP/bmcsim.log
CONF
    sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$TMP|g" -e "s|@SO@|$SO|g" "$HERE/lan.conf.in" >"$TMP/lan.conf"
    bl_ipmi_sim_start "$HERE/bmc.emu" "$TMP/bmcsim.log"
}

# wait_log REGEX SECONDS
wait_log() {
    for _ in $(seq $(( $2 * 10 ))); do
        grep -qE "$1" "$TMP/bmcsim.log" && return 0
        sleep 0.1
    done
    return 1
}
stamp() { grep -E "$1" "$TMP/bmcsim.log" | head -1 | cut -d' ' -f1; }

cat >"$TMP/bmclink.conf" <<CONF
[trap-node n1]
address = 127.0.0.1:$TRAP_PORT
bmc = 127.0.0.1
community = n0tice
CONF
chmod 600 "$TMP/bmclink.conf"
"$LISTEN" -c "$TMP/bmclink.conf" -n n1 --events -s 170 >"$TMP/rx.out" 2>"$TMP/rx.err" &
RX_PID=$!

# --- A: acknowledged, start and end notices ---
start_sim v1 $TRAP_PORT 3000 20000
raw 0x30 0x80 || { echo "ERROR: inject failed"; exit 99; }
for _ in $(seq 50); do grep -q 'verdict=fatal' "$TMP/rx.out" && break; sleep 0.1; done
ack=$(grep 'verdict=fatal' "$TMP/rx.out" | head -1 | sed -n 's/.* ack=\([0-9a-f]*\) .*/\1/p')
if [ -n "$ack" ]; then ok "A: receiver decided fatal on the PET v1"; else bad "A" "no fatal decision"; fi
sleep 0.7   # let the BMC resend: the receiver must see duplicates, not new faults
raw 0x04 0x17 $(echo "$ack" | sed 's/../0x& /g')
raw 0x30 0x81
sleep 1
raw 0x30 0x82
wait_log "power-on" 5 || true
# chassis-record runs as its own process: its second line may trail the BMC's log
for _ in $(seq 50); do [ "$(wc -l <"$TMP/chassis.log")" -ge 2 ] && break; sleep 0.1; done
grep -q "pet-ack phase=notified accepted" "$TMP/bmcsim.log" && ok "A: PET Acknowledge accepted" || bad "A" "ack"
grep -q "start-notice phase=recovering accepted" "$TMP/bmcsim.log" && ok "A: start notice" || bad "A" "start"
grep -q "reset reason=end-notice" "$TMP/bmcsim.log" && ok "A: reset on the end notice" || bad "A" "reset"
[ "$(cut -d' ' -f2- "$TMP/chassis.log" | tr '\n' ,)" = "set power 0,set power 1," ] &&
    ok "A: chassis control power 0 then 1" || bad "A" "chassis: $(cat "$TMP/chassis.log")"
d=$(( $(stamp "reset reason") - $(stamp "start-notice") ))
[ "$d" -ge 900 ] && ok "A: reset waited for the end notice (${d} ms after start)" || bad "A" "reset too early ($d ms)"
sent=$(grep -c "trap-sent" "$TMP/bmcsim.log"); dups=$(grep -c "verdict=duplicate" "$TMP/rx.out")
[ "$dups" -eq $((sent - 1)) ] && ok "A: $sent sends, every resend a duplicate at the receiver" ||
    bad "A" "sent $sent, duplicates $dups"

# --- B: no start notice ---
start_sim v1 $TRAP_PORT 1000 20000
raw 0x30 0x80
wait_log "reset reason" 5 || true
grep -q "reset reason=no-start-notice" "$TMP/bmcsim.log" && ok "B: reset without a start notice" || bad "B" "reason"
d=$(( $(stamp "reset reason") - $(stamp "inject") ))
[ "$d" -ge 950 ] && [ "$d" -le 1600 ] && ok "B: reset after the grace time (${d} ms)" || bad "B" "took $d ms"

# --- C: window W expires ---
start_sim v1 $TRAP_PORT 3000 1500
raw 0x30 0x80
raw 0x30 0x81
wait_log "reset reason" 5 || true
grep -q "reset reason=window-expired" "$TMP/bmcsim.log" && ok "C: reset when W expired" || bad "C" "reason"
d=$(( $(stamp "reset reason") - $(stamp "start-notice") ))
[ "$d" -ge 1400 ] && [ "$d" -le 2200 ] && ok "C: W respected (${d} ms)" || bad "C" "took $d ms"

# --- D: v2c to the real snmptrapd ---
printf 'authCommunity log n0tice\n' >"$TMP/snmptrapd.conf"
snmptrapd -f -Lo -C -c "$TMP/snmptrapd.conf" -M /nonexistent -m "" udp:127.0.0.1:1163 >"$TMP/snmptrapd.out" 2>&1 &
SD=$!
sleep 0.5
start_sim v2c 1163 1000 20000
raw 0x30 0x80
sleep 1.5
kill $SD 2>/dev/null; wait $SD 2>/dev/null
grep -q "3183.1.1.0.487168" "$TMP/snmptrapd.out" && ok "D: snmptrapd logged the v2c PET notification" ||
    { bad "D" "snmptrapd"; cat "$TMP/snmptrapd.out" | head; }

kill -0 "$SIM_PID" 2>/dev/null && ok "ipmi_sim still alive" || bad "ipmi_sim" "died"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
