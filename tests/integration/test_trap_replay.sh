#!/usr/bin/env bash
# A captured notice replayed after bmclinkd restarts is not news (issue 13, item 3), with real
# processes in a private network namespace: net-snmp's snmptrap sends a PET over SNMPv3
# authPriv, whose datagram we capture; bmclinkd's receiver (trap_listen --state, as the
# daemon keeps it beside [heartbeat] sel_state_dir) accepts it; it is stopped and started
# again, and the same datagram sent once more is a duplicate (re-acknowledged, never acted
# on). The control: a receiver started without the state takes the replay for news, as
# bmclinkd did before. Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   test_trap_replay.sh TRAP_LISTEN
set -u
LISTEN=$(readlink -f "${1:?trap_listen}")
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"

BL_NEEDS="snmptrap ss python3" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-replay
umask 077
RX_PID=
BL_PIDS="RX_PID"
trap bl_netns_cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; tail -3 "$TMP"/rx*.out | sed 's/^/     | /'; }
RX=1191 CAP=1192
ENGINE=0x80001f88800102030405
PET=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0007000186a0ffff20202020420300a1b2c3ffffffffff000000a2b30102c1
bl_trap_v3_files $RX $ENGINE bmcuser authpass-123 privpass-456

# The capture: one real SNMPv3 authPriv PET from snmptrap.
python3 - "$TMP/pet.dgram" $CAP <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[2])))
s.settimeout(10); open(sys.argv[1], "wb").write(s.recvfrom(65535)[0])
PY
cap=$!
for _ in $(seq 50); do ss -Hlun "sport = :$CAP" | grep -q . && break; sleep 0.1; done
SNMPCONFPATH="$TMP/bmc" MIBS= MIBDIRS=/nonexistent snmptrap -Ln -v 3 -e $ENGINE 127.0.0.1:$CAP '' \
    1.3.6.1.4.1.3183.1.1.0.487179 1.3.6.1.4.1.3183.1.1.1 x $PET
wait "$cap" && [ -s "$TMP/pet.dgram" ] || { echo "ERROR: no datagram captured"; exit 99; }

# receiver OUT [--state FILE]: trap_listen in the background, RX_PID; returns once listening.
receiver() {
    local out=$1
    shift
    "$LISTEN" -c "$TMP/bmclink.conf" -n n1 --events -s 60 "$@" >"$TMP/$out" 2>"$TMP/$out.err" &
    RX_PID=$!
    for _ in $(seq 100); do grep -q listening "$TMP/$out" && return 0; sleep 0.1; done
    echo "ERROR: receiver did not start"; cat "$TMP/$out.err"; exit 99
}
stop() { kill -TERM "$RX_PID"; wait "$RX_PID"; RX_PID=; }
replay() { # send the captured datagram as the BMC (127.0.0.1) would
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))' "$TMP/pet.dgram" $RX
}
verdict() { # OUT: the first decision, waiting up to 10 s (a bound, not a measurement)
    for _ in $(seq 100); do
        v=$(sed -n 's/^event verdict=\([a-z]*\) .*/\1/p' "$TMP/$1" | head -1)
        [ -n "$v" ] && { echo "$v"; return; }
        sleep 0.1
    done
    echo none
}

receiver rx1.out --state "$TMP/state/trap-n1.state"
replay
v=$(verdict rx1.out)
case $v in fatal | recoverable) ok "the PET is news the first time ($v)" ;; *) bad "first" "$v" ;; esac
stop
[ -s "$TMP/state/trap-n1.state" ] && ok "the replay state was written (0$(stat -c %a "$TMP/state/trap-n1.state"))" ||
    bad "state" "no state file"

receiver rx2.out --state "$TMP/state/trap-n1.state"
replay
v=$(verdict rx2.out)
[ "$v" = duplicate ] && ok "after the restart the same datagram is a duplicate, not acted on" ||
    bad "after restart" "verdict $v"
stop

receiver rx3.out # the control: no state kept, as before
replay
v=$(verdict rx3.out)
case $v in fatal | recoverable) ok "control: without the state the replay passes for news ($v)" ;;
    *) bad "control" "$v" ;; esac
stop

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
