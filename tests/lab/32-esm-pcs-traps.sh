#!/bin/bash
# The server manager's site as `bmclink esm` sets it up through pcs, and managed servers'
# traps across a failover. On both nodes a fake ESMPRO/ServerManager 6.40 (tests/lab/lib-esm.sh:
# the 16 services of the guide's Ver.6 table, ESMBaseAlertListener a real snmptrapd bound to
# the floating IP that logs to the shared volume). Proves:
#   - `bmclink esm setup --apply` (pcs, one command at a time) makes the whole cluster from
#     the site file: fencing through fence_bmclink and the lab's BMCs, the bmclinkd clone,
#     the group floating IP (management network) + Filesystem (the lab's shared disk) +
#     servicechain, the BMCNOTICE rule; the chain starts with its 16 members;
#   - the managed host bl-adm (its own namespace) sends a trap every 100 ms with snmptrap to
#     the destination of its snmpd.conf, the floating IP; the active node's snmptrapd
#     receives them;
#   - the active node killed (SIGKILL of its corosync): fenced through its BMC, the group
#     starts on the other node; its snmptrapd receives the traps from then on. Every trap
#     sent before the kill and every trap sent after the chain was back was received; the
#     ones sent in between that were lost are counted and reported (a figure, not asserted);
#   - the same once the first node is back, with the new active node's plug pulled: the group
#     returns to the first node;
#   - the volume is never mounted on two nodes at once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-esm.sh"
esm_lab_session

step "a fake ESMPRO/ServerManager 6.40 on both nodes; site file $ESM_SITE"
esm_install_nodes
volume_watch_start "$ESM_MOUNT"

step "bmclink esm setup --apply (pcs)"
lab x node1 bmclink esm setup --apply "$ESM_SITE" | sed 's/^/    | /' ||
    fail "bmclink esm setup --apply failed"
wait_until 120 resource_started esm-chain
a=$(esm_chain_node) b=$(other_node "$(esm_chain_node)")
note "the group runs on $a"
assert_true esm_fip_on "$a"
assert_false esm_fip_on "$b"
status=$(lab x "$a" bmclink chain status)
printf '    | %s\n' "${status//$'\n'/$'\n'    | }"
assert_eq 16 "$(grep -cE '^ +[0-9]+ .* running ' <<<"$status")" "members running in 'bmclink chain status'"
lab x node1 pcs stonith status 2>/dev/null | sed 's/^/    | /'

step "bl-adm sends a trap every 100 ms to its trap2sink, the floating IP $ESM_FIP; kill $a"
note "(SIGKILL of its corosync: it is fenced through its BMC, the group starts on $b)"
esm_failover_traps 1 kill
kill_lost=$ESM_LOST kill_window=$ESM_LOST_WINDOW kill_s=$ESM_MOVE_S

step "$a rejoins; the traps again, and $b's plug pulled (lab poweroff): fenced, back on $a"
wait_until 90 node_state_is "$a" online "$b"
wait_until 60 reg_clone_running "$a"
esm_failover_traps 2 poweroff
assert_eq "$a" "$ESM_B" "where the group went"
off_lost=$ESM_LOST off_window=$ESM_LOST_WINDOW off_s=$ESM_MOVE_S

step "the volume was never mounted on two nodes at once"
volume_watch_stop
note "figures: kill: chain started on $b ${kill_s}s after the kill, traps lost in the move" \
    "$kill_lost (sent at 10/s${kill_window:+, over ${kill_window}s});"
note "         power off: chain started on $a ${off_s}s after, traps lost $off_lost" \
    "(sent at 10/s${off_window:+, over ${off_window}s})"
step "PASS"
