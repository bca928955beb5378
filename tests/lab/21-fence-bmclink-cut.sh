#!/bin/bash
# A node whose cluster link is cut is fenced through fence_bmclink (devices loaded from
# conf/stonith-crm.example with crmsh, 3 nodes so the majority decides): node3 loses its
# cluster cable -> node1+node2 keep quorum and fence node3 over the management network
# -> node3 powers back on but stays out (cable still cut, no quorum) -> cable back -> rejoins.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_bmclink "cmake --install"
need_cmd crm crmsh
lab_session 3

step "fence_bmclink devices from conf/stonith-crm.example, a resource on node3"
stonith_from_crm_example node1
lab x node1 crm configure primitive svc ocf:heartbeat:Dummy op monitor interval=5s
lab x node1 crm configure location l-svc svc 100: node3
for i in 1 2 3; do
    wait_until 30 resource_started fence-node$i
done
wait_until 30 resource_on svc node3

step "cut node3's cluster cable"
old_init=$(node_init_pid node3)
ops0=$(chassis_lines node3)
t_cut=$EPOCHREALTIME
lab cut node3
wait_until 30 fence_succeeded node3 node1
note "node3 fenced $(since "$t_cut")s after the cut"
assert_false test -e "/proc/$old_init"
ops=$(chassis_ops node3 "$ops0")
note "BMC requests: $ops"
[[ $ops == *"set power 0"*"set power 1"* ]] || fail "expected power off then on, got: $ops"
svc_moved() { resource_started svc node1 && ! resource_on svc node3 node1; }
wait_until 30 svc_moved

step "node3 is back on power but out of the cluster until the cable is back"
wait_until 30 node_rebooted node3 "$old_init"
assert_eq offline "$(crm_node_state node3 node1)" "node3 seen from node1 while cut"
lab heal node3
wait_until 60 node_state_is node3 online node1
note "node3 online again $(since "$t_cut")s after the cut"
step "PASS"
