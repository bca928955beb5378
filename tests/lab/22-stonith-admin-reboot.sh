#!/bin/bash
# stonith_admin --reboot NODE goes through fence_bmclink and the BMC: the node is
# powered off (old processes gone) and on, and rejoins; --fence (off) leaves it off until a
# BMC power-on.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_bmclink "cmake --install"
lab_session 2

stonith_create_bmc_devices fence_bmclink
stonith_enable node1
wait_until 30 resource_started fence-node2

step "stonith_admin --reboot node2"
old_init=$(node_init_pid node2)
ops0=$(chassis_lines node2)
t0=$EPOCHREALTIME
lab x node1 stonith_admin --reboot node2 --timeout 60
note "stonith_admin --reboot returned after $(since "$t0")s"
assert_false test -e "/proc/$old_init"
ops=$(chassis_ops node2 "$ops0")
[[ $ops == *"set power 0"*"set power 1"* ]] || fail "expected power off then on, got: $ops"
wait_until 60 node_state_is node2 online node1

step "stonith_admin --fence node2 (off) leaves it off"
lab x node1 stonith_admin --fence node2 --timeout 60
wait_until 5 node_procs_gone node2
assert_eq off "$(lab power node2)" "node2 power after --off"
step "PASS"
