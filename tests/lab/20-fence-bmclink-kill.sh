#!/bin/bash
# Pacemaker fences through fence_bmclink: devices created with conf/stonith-pcs.sh.example;
# node2 runs a resource; its corosync is SIGKILLed -> node2 turns unclean -> node1 has
# node2's BMC power it off (every old process gone) and on -> the resource runs on node1
# -> node2 boots and rejoins.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_bmclink "cmake --install"
lab_session 2

step "fence_bmclink devices from conf/stonith-pcs.sh.example, a resource on node2"
stonith_from_pcs_example node1
lab x node1 pcs resource create svc ocf:heartbeat:Dummy op monitor interval=5s
lab x node1 pcs constraint location svc prefers node2=100
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2
wait_until 30 resource_on svc node2

step "kill corosync on node2"
old_init=$(node_init_pid node2)
ops0=$(chassis_lines node2)
t_kill=$EPOCHREALTIME
lab kill node2
# No wait for "unclean": fencing can finish before a poll sees that state.
wait_until 30 fence_succeeded node2 node1
note "node2 fenced $(since "$t_kill")s after the kill"
lab x node1 stonith_admin --history node2 --verbose | grep fence_bmclink >/dev/null ||
    lab x node1 stonith_admin --history node2 --verbose

step "node2's BMC powered it off and on; every old process is gone"
assert_false test -e "/proc/$old_init"
ops=$(chassis_ops node2 "$ops0")
note "BMC requests: $ops"
[[ $ops == *"set power 0"*"set power 1"* ]] || fail "expected power off then on, got: $ops"

step "the resource runs on the survivor; node2 rejoins"
wait_until 30 resource_on svc node1
note "svc on node1 $(since "$t_kill")s after the kill"
wait_until 60 node_state_is node2 online node1
assert_true node_rebooted node2 "$old_init"
note "node2 online again $(since "$t_kill")s after the kill"
step "PASS"
