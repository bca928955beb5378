#!/bin/bash
# A captured SNMPv3 authPriv notice replayed to a restarted bmclinkd after the de-duplication
# window, but inside net-snmp's own 150 s time window, is refused (issue 13, item 3; docs/
# bmcnotice.md, "Replay"), with the real bmclinkd and net-snmp's snmptrap in a private
# network namespace. The BMC's engine clock is set per message (snmptrap -Z BOOTS,TIME):
#   A. a vendor v3 notification at engine time 1000 is captured, never delivered; the BMC's
#      next ones (1090, then 1100, a resend of that one at 1101) are news and a duplicate
#   B. bmclinkd restarts; after the de-duplication window (1 s here) the capture (1000, 100 s
#      older than the newest: net-snmp lets it through) and the last notice replayed as it was
#      (1101) are refused as replays, not taken for news
#   C. the BMC's next notice (1102) is news; after the BMC reboots (boots 2, time 5) its
#      notices are news again, and the capture from before the reboot stays refused
#   test_bmcd_v3_replay.sh BMCLINK BMCLINKD EXAMPLE
set -uo pipefail
cli=$1 daemon=$2 example=$3
BL_NEEDS="snmptrap python3 ss"
source "$(dirname "$0")/../tools/netns.sh"
bl_netns_enter "$0" "$@"
bl_netns_tmp bmcd-v3-replay
BL_PIDS="DAEMON_PID"
trap bl_netns_cleanup EXIT
umask 077
fail() { echo "FAIL: $*" >&2; [ -f "$TMP/d.log" ] && grep -v 'debug: \(shm\|IPC\|HUP\|qb_ipcs\|Free\|connecting\)' "$TMP/d.log" | tail -n 15 >&2; exit 1; }
service=bmcd-v3-replay-$$ RX=11181 CAP=11182 ENGINE=0x80001f88800102030405 OID=1.3.6.1.4.1.99999.0.2

bl_trap_v3_files $RX $ENGINE bmcuser authpass-123 privpass-456 # $TMP/bmc: the BMC's snmp.conf
sed -e 's#^address = 10.231.2.11:1162#address = 127.0.0.1:11181#' \
    -e 's#^bmc = 10.231.2.21#bmc = 127.0.0.1#' -e 's#^dedup_window = .*#dedup_window = 1#' \
    -e "s#^\#recoverable_oids = .*#recoverable_oids = $OID#" \
    -e "s#^\#v3_user = .*#v3_user = bmcuser#" -e "0,/^\#v3_engine_id = .*/s##v3_engine_id = $ENGINE#" \
    -e 's#^\#v3_auth = SHA#v3_auth = SHA#' -e 's#^\#v3_auth_pass = .*#v3_auth_pass = authpass-123#' \
    -e 's#^\#v3_priv_pass = .*#v3_priv_pass = privpass-456#' "$example" >"$TMP/bmclink.conf"
printf 'secret\n' >"$TMP/pw"
printf '[bmc]\npassword_file = %s\n[heartbeat]\npublish = false\nsel_state_dir = %s\n' \
    "$TMP/pw" "$TMP/state" >>"$TMP/bmclink.conf"
grep -q "^v3_user = bmcuser" "$TMP/bmclink.conf" || { echo "ERROR: no v3 user in the example"; exit 99; }
bl_bmcd_conf "$service" "$TMP/bmclink.conf" debug

status_key() { "$cli" status --keys --service "$service" 2>/dev/null | sed -n "s/^trap\.$1=//p"; }
wait_for() { # DESCRIPTION COMMAND...: up to 30 s (a limit, not a timed assertion)
    local what=$1
    shift
    for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
    fail "$what"
}
start() {
    "$daemon" -c "$TMP/d.conf" >>"$TMP/d.out" 2>&1 &
    DAEMON_PID=$!
    wait_for "bmclinkd does not listen for traps" eval '[ "$(status_key listen)" = 127.0.0.1:$RX ]'
}
stop() { kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"; DAEMON_PID=; }
# send DEST BOOTS,TIME TEXT: a v3 authPriv notification $OID from the BMC's engine
send() {
    SNMPCONFPATH=$TMP/bmc MIBS= MIBDIRS=/nonexistent snmptrap -Ln -v 3 -e $ENGINE -Z "$2" \
        "127.0.0.1:$1" '' $OID 1.3.6.1.4.1.99999.1.1 s "$3" || fail "snmptrap failed"
}
replay() { # FILE: the captured datagram, from the BMC's address
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))' "$1" $RX
}
capture() { # FILE BOOTS,TIME TEXT: one notification caught on CAP, never delivered
    python3 - "$1" $CAP <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[2])))
s.settimeout(10); open(sys.argv[1], "wb").write(s.recvfrom(65535)[0])
PY
    local cap=$!
    for _ in $(seq 50); do ss -Hlun "sport = :$CAP" | grep -q . && break; sleep 0.1; done
    send $CAP "$2" "$3"
    wait "$cap" && [ -s "$1" ] || { echo "ERROR: no datagram captured"; exit 99; }
}
counts() { echo "news $(status_key recoverable) duplicate $(status_key duplicate) replay $(status_key dropped.replay)"; }
expect() { # WHAT "news N duplicate N replay N"
    want=$2
    wait_for "$1: $(counts), not $2" eval '[ "$(counts)" = "$want" ]'
    echo "ok: $1 ($2)"
}

# A.
capture "$TMP/old.dgram" 1,1000 "captured"
start
send $RX 1,1090 "first"
expect "the BMC's notice at 1090 is news" "news 1 duplicate 0 replay 0"
capture "$TMP/last.dgram" 1,1100 "second"
replay "$TMP/last.dgram"
expect "its next at 1100 is news" "news 2 duplicate 0 replay 0"
send $RX 1,1101 "second"
expect "a resend of it at 1101 is a duplicate" "news 2 duplicate 1 replay 0"
capture "$TMP/resend.dgram" 1,1101 "second"
stop
[ -s "$TMP/state/trap-node1.state" ] || fail "no replay state written"

# B.
start
sleep 2 # past the de-duplication window of 1 s: what follows is judged as a replay or news
replay "$TMP/old.dgram"
expect "after the restart the capture at 1000 is refused" "news 0 duplicate 0 replay 1"
replay "$TMP/resend.dgram"
expect "so is the last notice (1101) replayed" "news 0 duplicate 0 replay 2"

# C.
send $RX 1,1102 "third"
expect "the BMC's next notice (1102) is news" "news 1 duplicate 0 replay 2"
send $RX 2,5 "after a reboot"
expect "after the BMC's reboot (boots 2, time 5) its notice is news" "news 2 duplicate 0 replay 2"
replay "$TMP/old.dgram"
wait_for "the capture from before the reboot was accepted: $(counts)" \
    eval '[ "$(status_key recoverable)" = 2 ] && [ "$(status_key dropped)" -ge 3 ]'
echo "ok: the capture from before the reboot stays refused ($(counts), dropped $(status_key dropped))"
stop
echo "PASS"
