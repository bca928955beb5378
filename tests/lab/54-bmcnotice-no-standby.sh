#!/bin/bash
# No node can take the target (issue 5 item 7): node2 is in standby; node1's BMC reports a
# fatal fault; grp is stopped on node1 and cannot start anywhere; the end notice still goes
# out, carrying "no node" (code 0x03), and the log says why. The BMC resets node1; once it is
# back, grp runs on node1 again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bmc.sh"
bmc_require
lab_session 2

step "grp on node1, node2 in standby, bmclinkd's BMC side on node1"
bmc_conf_write
group_create grp node1
evacuate_rule grp
lab x node1 pcs node standby node2
wait_until 30 resource_on grp node1
bmc_daemon_start node1

step "node1's BMC detects a fatal fault"
fault_and_reset node1
n0=$F_NOTICES d0=$F_DAEMON

step "the end notice went out with no-node, the log says why"
daemon_has node1 "$d0" '^step name=no-node ' || fail "bmclinkd did not conclude no-node"
daemon_has node1 "$d0" '^step name=end-sent .*detail=no-node' || fail "end notice not 'no-node'"
notices_has node1 "$n0" 'end-notice phase=power-off accepted len=1' ||
    fail "the BMC did not get the end notice with its result byte"
notices_has node1 "$n0" 'reset reason=end-notice' || fail "not reset by the end notice"
grep -E 'recovery of node1: .* no-node no other node' "$(daemon_log node1)" | sed 's/^/    /'
grep -qE 'recovery of node1: .* no-node no other node' "$(daemon_log node1)" ||
    fail "no log line saying why"

step "node1 comes back and runs grp again"
wait_until 30 node_rebooted node1 "$F_INIT"
wait_until 60 node_state_is node1 online node2
wait_until 60 resource_on grp node1 node2
lab x node1 pcs node unstandby node2
step "PASS"
