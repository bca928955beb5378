#!/usr/bin/env bash
# The registry's two-node rule (docs/registry.md, "Two nodes") against real Corosync: two
# nodes in private namespaces (tests/tools/regnet.sh) with `two_node: 1`, real bmclinkd and
# bmclink-reg. What it checks, in order:
#   1. both replicas active and agreeing
#   2. the passive daemon stopped (SIGTERM, what standby does): the active node stays active
#      and its writes are answered; the daemon restarts and catches up
#   3. the passive daemon frozen (SIGSTOP): a write on the active node is answered (after
#      ack-timeout: token 3000 + consensus 3600 + 1000 ms here; the time is printed, not
#      asserted) while the other is still frozen; thawed, it has the write
#   4. the issue's sequence: the passive daemon stops, the active node writes alone, the active
#      node dies (its Corosync and bmclinkd killed), the passive daemon starts alone on a
#      quorate node: it is read-only and refuses writes (exit 4) instead of serving its older
#      history; the lost node comes back and its newer history wins
#   5. the cluster link cut with both daemons up (both halves quorate under two_node): neither
#      answers a write until Pacemaker says the other node was fenced (a stand-in
#      stonith_admin here, answering from a file the check writes when it kills node 2); node
#      1 then writes, and node 2, back, takes its history
#   6. an ack-timeout not longer than Corosync's token + consensus timeouts is warned about
# Prints "ok"/"not ok" lines and a closing "N passed, N failed". Exit 0 all passed, 1 a check
# failed, 77 skipped (not root), 99 a tool or the build missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/regnet.sh"

regnet_require

state_is() { # (status exits 4 when not in sync: read its output, not its code)
    local out
    out=$(reg_reg "$1" status 2>/dev/null)
    grep -q "^node $1: $2 " <<<"$out" || { echo "  node $1: ${out%%$'\n'*}"; return 1; }
}
value_is() { [ "$(reg_reg "$1" get "$2" "$3" 2>/dev/null)" = "$4" ]; }
set_ok() { reg_reg "$1" --timeout 30 set "$2" "$3" sz "$4" >/dev/null 2>&1; }
# Until node I's Corosync sees COUNT nodes in its ring (a node's death takes token + consensus).
ring_of() {
    local t
    for ((t = 0; t < 200; t++)); do
        reg_exec "$1" corosync-quorumtool -s 2>/dev/null | grep -q "Total votes: *$2\$" && return 0
        sleep 0.1
    done
    return 1
}
corosync_start() {
    reg_exec "$1" bash -c "corosync -f >>/var/log/corosync/stdout 2>&1 & echo \$! >/run/corosync.pid"
}
# The power goes: node I's bmclinkd and Corosync die at once (killed by PID, inside the node).
node_dies() {
    reg_daemon_kill "$1" KILL
    reg_exec "$1" bash -c 'kill -KILL "$(cat /run/corosync.pid)"'
}

# No Pacemaker here: stonith_admin --last N --as-node-id answers from /run/fenced-N (its time,
# written by the check when it "fences" node N), in Pacemaker 2.1.5's words.
fake_stonith_admin() {
    cat <<'EOS'
#!/bin/sh
if [ -s "/run/fenced-$2" ]; then
    echo "Node $2 last fenced at: $(date -u -d "@$(cat "/run/fenced-$2")" '+%a %b %e %H:%M:%S %Y')"
else
    echo "Node $2 has never been fenced"
fi
EOS
}

trap reg_down EXIT
reg_down 2>/dev/null
rm -rf "$REG_DIR"
reg_up 2 >/dev/null 2>&1
for i in 1 2; do
    reg_exec "$i" bash -c "$(declare -f fake_stonith_admin); fake_stonith_admin >/etc/bmclink/stonith_admin
        chmod 755 /etc/bmclink/stonith_admin
        echo 'stonith-admin = /etc/bmclink/stonith_admin' >>/etc/bmclink/bmclinkd.conf"
done
for i in 1 2; do reg_daemon_start "$i"; done
reg_wait_active 1 30 >/dev/null
reg_wait_active 2 30 >/dev/null
check "two replicas in sync" same_history

# 2. The passive daemon stops cleanly (standby).
set_ok 1 S before v1
reg_daemon_kill 2 TERM
sleep 1
check "peer stopped: the active node stays active" reg_wait_active 1 10
check "peer stopped: a write is answered" set_ok 1 S alone v2
reg_daemon_start 2
check "peer back: in sync" reg_wait_active 2 30
check "peer back: it has the write made alone" value_is 2 S alone v2
check "peer back: replicas agree" same_history

# 3. The passive daemon frozen.
reg_daemon_kill 2 STOP
t0=$(date +%s%N)
set_ok 1 F frozen v3
rc=$?
t1=$(date +%s%N)
echo "# write with the peer frozen answered in $(((t1 - t0) / 1000000)) ms (ack-timeout 7600 ms)"
check "peer frozen: the write is answered 0" test "$rc" -eq 0
t0=$(date +%s%N)
set_ok 1 F frozen2 v4
rc=$?
t1=$(date +%s%N)
echo "# the next write, the peer excused: $(((t1 - t0) / 1000000)) ms"
check "peer frozen: the next write is answered 0" test "$rc" -eq 0
check "peer frozen: the active node still active" state_is 1 active
reg_daemon_kill 2 CONT
sleep 1
check "peer thawed: it has both writes" value_is 2 F frozen2 v4
check "peer thawed: replicas agree" same_history

# 4. Stale history: the passive daemon stops, the active writes alone, then dies.
reg_daemon_kill 2 TERM
sleep 1
check "stale: the active node writes alone" set_ok 1 W last newest
node_dies 1
check "stale: node 2's ring shrinks to itself" ring_of 2 1
reg_daemon_start 2
sleep 3
check "stale: the restarted daemon is read-only" state_is 2 read-only
reg_reg 2 --timeout 5 set W last sz older >/dev/null 2>&1
rc=$?
echo "# write on the read-only node: exit $rc"
check "stale: a write there is refused (exit 4)" test "$rc" -eq 4
check "stale: the log names the way out" grep -q "take-over" "$REG_DIR/node-2/bmclinkd.log"
corosync_start 1
ring_of 2 2
reg_daemon_start 1
check "stale: the lost node back, node 2 active" reg_wait_active 2 30
check "stale: node 2 has the write made alone" value_is 2 W last newest
check "stale: replicas agree" same_history

# 5. The cluster link cut, both daemons up.
set_ok 1 C before v5
reg_cut 2
check "cut: node 1's ring shrinks to itself" ring_of 1 1
ring_of 2 1
sleep 1
reg_reg 1 --timeout 5 set C during sz a >/dev/null 2>&1
rc1=$?
reg_reg 2 --timeout 5 set C during sz b >/dev/null 2>&1
rc2=$?
echo "# writes during the cut: exit $rc1 on node 1, $rc2 on node 2"
check "cut: a write on node 1 is refused (exit 4)" test "$rc1" -eq 4
check "cut: a write on node 2 is refused (exit 4)" test "$rc2" -eq 4
check "cut: the log names the fencing it waits for" \
    grep -q "no writes alone until Pacemaker has fenced it" "$REG_DIR/node-1/bmclinkd.log"
node_dies 2
reg_exec 1 bash -c 'date +%s >/run/fenced-2'
t0=$(date +%s%N)
check "cut: node 2 fenced, node 1 active again" reg_wait_active 1 10
t1=$(date +%s%N)
echo "# active $(((t1 - t0) / 1000000)) ms after the fencing was recorded (polled every 1 s)"
check "cut: a write on node 1 is answered" set_ok 1 C after v6
check "cut: the log says the fencing was seen" \
    grep -q "Pacemaker fenced node 2" "$REG_DIR/node-1/bmclinkd.log"
reg_heal 2
corosync_start 2
ring_of 1 2
reg_daemon_start 2
check "cut: node 2 back, active" reg_wait_active 2 30
check "cut: node 2 has the write made after the fencing" value_is 2 C after v6
check "cut: replicas agree" same_history

# 6. An ack-timeout not longer than Corosync's token + consensus timeouts (6.6 s here) is
#    warned about.
reg_daemon_kill 1 TERM
sleep 0.5
reg_exec 1 bash -c 'echo "ack-timeout = 2s" >>/etc/bmclink/bmclinkd.conf'
reg_daemon_start 1
reg_wait_active 1 30 >/dev/null
check "a short ack-timeout is warned about" \
    grep -q "ack-timeout (2000 ms) is not longer than Corosync's token + consensus timeouts (6600 ms)" \
    "$REG_DIR/node-1/bmclinkd.log"

check_report
