#!/bin/bash
# 2-node split brain is resolved deterministically by a fence delay: the device that
# fences node1 carries pcmk_delay_base=5s, so when the cluster link breaks both nodes
# race, node1 shoots at once and wins, node2 is fenced. Same outcome every run.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_bmclink "cmake --install"
lab_session 2

stonith_create_bmc_devices fence_bmclink
lab x node1 pcs stonith update fence-node1 pcmk_delay_base=5s
stonith_enable node1
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2

step "cut the cluster link between node1 and node2"
init1=$(node_init_pid node1)
init2=$(node_init_pid node2)
t_cut=$EPOCHREALTIME
lab cut node2
wait_until 30 fence_succeeded node2 node1
note "node2 fenced $(since "$t_cut")s after the cut"
assert_eq "$init1" "$(node_init_pid node1)" "node1 survived (same init)"
assert_false test -e "/proc/$init2"

step "heal: node2 rejoins the survivor"
lab heal node2
wait_until 60 node_state_is node2 online node1
step "PASS"
