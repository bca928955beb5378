#!/usr/bin/env bash
# SEL records into #health-bmc against a real ipmi_sim (its SEL enabled), in a private
# network namespace (loopback only). The heartbeat runs with Pacemaker replaced by a recorder
# (heartbeat_sel_sim prints "attr NODE NAME VALUE"); records are added with ipmitool's
# Add SEL Entry (NetFn 0x0a, Cmd 0x44) as a BMC's own sensors would.
#   A. a critical record already in the SEL before the heartbeat starts: not acted on
#   B. processor IERR asserted: red; deasserted: green
#   C. heartbeat restarted: the position comes back, old records are not acted on again
#      (the next record, a correctable ECC, is the first colour change: yellow)
#   D. SEL cleared, then an upper-critical temperature: red; its deassertion: yellow (the
#      ECC condition still holds)
# Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   heartbeat_sel_sim.sh HEARTBEAT_SEL_SIM
set -u
DRV=$(readlink -f "${1:?heartbeat_sel_sim}")
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"

BL_NEEDS="ipmi_sim ipmitool" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-hbsel
SIM_PID= DRV_PID= BL_PIDS="DRV_PID SIM_PID"
trap bl_netns_cleanup EXIT
PORT=9624
export IPMI_PASSWORD=sel-pw-1   # ipmitool -E: the password never on argv
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; tail -20 "$TMP/drv.err" | sed 's/^/     | /'; }
ipmi() { ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $PORT -U admin -E "$@"; }
# sel_add SENSOR_TYPE SENSOR_NUMBER DIR|TYPE DATA1: a system event record from the BMC (0x20)
sel_add() { ipmi raw 0x0a 0x44 0 0 0x02 0 0 0 0 0x20 0 0x04 "$@" 0xff 0xff >/dev/null; }

bl_ipmi_sim_lan_conf hbsel "$IPMI_PASSWORD"
cat >"$TMP/bmc.emu" <<EMU
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EMU
mkdir -p "$TMP/pos"
bl_ipmi_sim_start "$TMP/bmc.emu"

umask 077
printf '%s\n' "$IPMI_PASSWORD" >"$TMP/bmc-password"
cat >"$TMP/bmclink.conf" <<CONF
[bmc]
username = admin
password_file = $TMP/bmc-password
[bmc-node n1]
address = 127.0.0.1
port = $PORT
[heartbeat]
interval_ms = 200
sel_interval_ms = 200
sel_state_dir = $TMP/pos
CONF

start_drv() {
    : >"$TMP/drv.out"; : >"$TMP/drv.err"
    "$DRV" "$TMP/bmclink.conf" n1 >"$TMP/drv.out" 2>"$TMP/drv.err" &
    DRV_PID=$!
}
stop_drv() { kill "$DRV_PID"; wait "$DRV_PID" 2>/dev/null; DRV_PID=; }
# health_seq: the #health-bmc values written so far, comma-separated
health_seq() { sed -n 's/^attr n1 #health-bmc //p' "$TMP/drv.out" | tr '\n' , | sed 's/,$//'; }
# wait_for FILE REGEX: bounded wait (20 s) for a line, no timing asserted
wait_for() {
    for _ in $(seq 200); do grep -qE "$2" "$1" && return 0; sleep 0.1; done
    return 1
}
wait_seq() {
    for _ in $(seq 200); do [ "$(health_seq)" = "$1" ] && return 0; sleep 0.1; done
    return 1
}

# --- A: history ---
sel_add 0x07 0x10 0x6f 0x00 || { echo "ERROR: Add SEL Entry refused"; exit 99; }
start_drv
wait_for "$TMP/drv.err" "SEL holds 1 records from before" &&
    ok "A: a record from before the start is history" || bad "A" "no baseline"
[ "$(health_seq)" = "green" ] && ok "A: #health-bmc green, history not acted on" ||
    bad "A" "health $(health_seq)"

# --- B: assert, deassert ---
t0=$(date +%s%N)
sel_add 0x07 0x10 0x6f 0x00   # processor IERR
for _ in $(seq 2000); do [ "$(health_seq)" = "green,red" ] && break; sleep 0.01; done
t1=$(date +%s%N)
wait_seq "green,red" && ok "B: processor IERR in the SEL -> red" || bad "B" "health $(health_seq)"
# a figure, not an assertion: Add SEL Entry sent -> #health-bmc red written (10 ms polls)
echo "figure: SEL record -> #health-bmc red in $(( (t1 - t0) / 1000000 )) ms (sel_interval_ms 200)"
sel_add 0x07 0x10 0xef 0x00   # its deassertion
wait_seq "green,red,green" && ok "B: IERR deasserted -> green" || bad "B" "health $(health_seq)"
grep -q "SEL record .*processor IERR deasserted" "$TMP/drv.err" && ok "B: logged with the record" ||
    bad "B" "log"

# --- C: restart ---
stop_drv
[ -s "$TMP/pos/sel-n1.pos" ] && ok "C: position kept in $(basename "$TMP")/pos/sel-n1.pos" ||
    bad "C" "no position file"
start_drv
sel_add 0x0c 0x20 0x6f 0x00   # correctable ECC
wait_seq "green,yellow" && ok "C: after a restart only the new record acts (yellow)" ||
    bad "C" "health $(health_seq)"

# --- D: SEL cleared ---
ipmi sel clear >/dev/null || bad "D" "sel clear"
sel_add 0x01 0x30 0x01 0x09   # temperature upper critical going high
wait_seq "green,yellow,red" && ok "D: SEL cleared, the new critical threshold -> red" ||
    bad "D" "health $(health_seq)"
sel_add 0x01 0x30 0x81 0x09
wait_seq "green,yellow,red,yellow" && ok "D: threshold deasserted -> yellow (ECC still held)" ||
    bad "D" "health $(health_seq)"
grep -q "SEL cleared" "$TMP/drv.err" && ok "D: the clear was noticed" || bad "D" "log"

stop_drv
# since the restart: ECC, the threshold and its deassertion read and acted on, no bad reply
grep -qE "^sel n1 rounds=[1-9][0-9]* records=3 acted=3 errors=0$" "$TMP/drv.out" &&
    ok "status: $(grep '^sel n1' "$TMP/drv.out")" || bad "status" "$(grep '^sel' "$TMP/drv.out")"
kill -0 "$SIM_PID" 2>/dev/null && ok "ipmi_sim still alive" || bad "ipmi_sim" "died"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
