#!/bin/bash
# A BMC side that cannot start does not stop bmclinkd (docs/bmcnotice.md, "In bmclinkd"): in
# a private network namespace, bmclinkd starts with its BMC password file missing and its
# trap port held by another socket. It keeps running with bmc.state=failed and the reason in
# `bmclink status`, logs each distinct error once however often it retries, and its BMC side
# runs once the file is there and the port is free, without a restart. Then junk traps are
# dropped and counted, logged at DEBUG only, and kept out of the last notices.
#   test_bmcd_bmc_retry.sh BMCLINK BMCLINKD EXAMPLE
set -uo pipefail
cli=$1 daemon=$2 example=$3
BL_NEEDS="ss python3"
source "$(dirname "$0")/../tools/netns.sh"
bl_netns_enter "$0" "$@"
bl_netns_tmp bmcd-retry
BL_PIDS="HOLD_PID DAEMON_PID"
trap bl_netns_cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$TMP/d.log" ] && tail -n 20 "$TMP/d.log" >&2; exit 1; }
service=bmcd-retry-$$

status_key() { "$cli" status --keys --service "$service" 2>/dev/null | sed -n "s/^$1=//p"; }
wait_for() { # DESCRIPTION COMMAND...: up to 30 s (a limit, not a timed assertion)
    local what=$1
    shift
    for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
    fail "$what"
}
state_is() { [ "$(status_key bmc.state)" = "$1" ]; }
error_has() { [[ $(status_key bmc.error) == *"$1"* ]]; }
retries_at_least() { (($(grep -c 'still failed' "$TMP/d.log") >= $1)); }

sed -e "s#^password_file = .*#password_file = $TMP/pw#" \
    -e 's#^address = 10.231.2.1\(.\):1162#address = 127.0.0.1:1116\1#' \
    -e 's#^bmc = 10.231.2.2\(.\)#bmc = 127.0.0.2\1#' "$example" >"$TMP/bmclink.conf"
printf '[heartbeat]\npublish = false\nsel_state_dir = %s\n' "$TMP" >>"$TMP/bmclink.conf"  # nothing on the host
chmod 600 "$TMP/bmclink.conf"
bl_bmcd_conf "$service" "$TMP/bmclink.conf" debug "retry-ms = 200"

python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 11161))
time.sleep(600)' &
HOLD_PID=$!
wait_for "the port holder did not bind" eval 'ss -Hlun "sport = :11161" | grep -q .'

"$daemon" -c "$TMP/d.conf" >"$TMP/d.out" 2>&1 &
DAEMON_PID=$!
wait_for "no bmc.state=failed" state_is failed
error_has "$TMP/pw" || fail "the error does not name the password file: $(status_key bmc.error)"
wait_for "no retries" retries_at_least 2
kill -0 "$DAEMON_PID" || fail "bmclinkd exited"
echo "ok: password file missing: running, bmc.state=failed: $(status_key bmc.error)"

printf 'secret\n' >"$TMP/pw"
chmod 600 "$TMP/pw"
wait_for "the error did not change to the port in use" error_has "Address already in use"
n=$(grep -c 'still failed' "$TMP/d.log")
wait_for "no retries" retries_at_least $((n + 2))
state_is failed || fail "bmc.state is $(status_key bmc.state)"
"$cli" status --service "$service" | grep -q "FAILED" || fail "the text status does not say FAILED"
echo "ok: port in use: bmc.state=failed: $(status_key bmc.error)"

errors=$(grep -c 'bmc: BMC side of node1 failed' "$TMP/d.log")
[ "$errors" -eq 2 ] || fail "$errors error lines for 2 distinct errors"
echo "ok: $(grep -c 'still failed' "$TMP/d.log") retries, $errors error lines"

kill "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=
wait_for "bmc.state did not become running" state_is running
[ "$(status_key trap.listen)" = "127.0.0.1:11161" ] || fail "trap.listen $(status_key trap.listen)"
grep -q 'started after a failure' "$TMP/d.log" || fail "no line saying it started"
for k in trap.informs_acked trap.informs_lost hb.0.sel hb.1.sel; do
    [ -n "$(status_key "$k")" ] || fail "no $k in the status"
done
echo "ok: port free: bmc.state=running"

# Junk traps: counted by reason, the last one kept as drop.last, never in the notices' ring
# and never an INFO line (trap.c's rate-limited WARNING speaks for a flood).
python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    s.sendto(b"\x30\x03junk%d" % i, ("127.0.0.1", 11161))'
dropped_all() { [ "$(status_key trap.dropped)" = 200 ]; }
wait_for "not every junk datagram was dropped: $(status_key trap.dropped)" dropped_all
[ "$(status_key notices.total)" = 0 ] || fail "notices.total $(status_key notices.total)"
[ -z "$(status_key notice.1)" ] || fail "a dropped trap in the notices' ring"
[[ $(status_key drop.last) == *"dropped "*" from 127.0.0.1:"* ]] ||
    fail "drop.last: $(status_key drop.last)"
info=$(grep -c 'info: bmc: event verdict=dropped' "$TMP/d.log")
debug=$(grep -c 'debug: bmc: event verdict=dropped' "$TMP/d.log")
[ "$info" -eq 0 ] && [ "$debug" -eq 200 ] || fail "$info INFO and $debug DEBUG lines for 200 drops"
echo "ok: 200 junk traps dropped, at DEBUG only, ring empty; drop.last: $(status_key drop.last)"

# A BMC retransmitting its alert: the real snmptrap sends one recoverable PET twice from the
# node's BMC address. The first is a notice in the ring; the resend is counted and kept as
# duplicate.last only, so resends cannot push older genuine notices out of the ring.
if command -v snmptrap >/dev/null; then
    mkdir -m 700 "$TMP/snmp"
    printf 'defCommunity change-me-node1\nclientaddr 127.0.0.21\n' >"$TMP/snmp/snmp.conf"
    chmod 600 "$TMP/snmp/snmp.conf"
    counted() { [ "$(status_key trap.duplicate)" = "$1" ] && [ "$(status_key trap.recoverable)" = 1 ]; }
    for want in 0 1; do
        bl_snmptrap_v1_pet "$TMP/snmp" 127.0.0.1:11161 9 || fail "snmptrap failed"
        wait_for "the PET was not counted (duplicate $want): $(status_key trap.duplicate)" counted "$want"
    done
    [ "$(status_key notices.total)" = 1 ] || fail "notices.total $(status_key notices.total)"
    [[ $(status_key notice.1) == *recoverable* ]] || fail "notice.1: $(status_key notice.1)"
    [ -z "$(status_key notice.2)" ] || fail "a duplicate in the ring: $(status_key notice.2)"
    [[ $(status_key duplicate.last) == *duplicate* ]] ||
        fail "duplicate.last: $(status_key duplicate.last)"
    echo "ok: a resent PET counted as duplicate, ring holds the first: $(status_key notice.1)"
else
    fail "snmptrap is not installed (package snmp): the duplicate check cannot run"
fi

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "bmclinkd exited $rc on SIGTERM"
echo "PASS"
