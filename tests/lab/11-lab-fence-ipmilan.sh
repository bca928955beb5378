#!/bin/bash
# Pacemaker fences through the lab BMCs with the stock fence_ipmilan (RMCP+, cipher 3,
# password through password_script): SIGKILL node2's corosync -> node2 turns unclean
# -> node1 has node2's BMC power it off (old processes gone) and on -> node2 rejoins.
# The agent is a parameter so fence_bmclink can run the same scenario later:
#   FENCE_AGENT=fence_bmclink tests/lab/run tests/lab/11-lab-fence-ipmilan.sh
source "$(dirname "$0")/lib.sh"
agent=${FENCE_AGENT:-fence_ipmilan}
lab_require
need_cmd "$agent" fence-agents
lab_session 2

step "stonith devices through the BMCs ($agent), stonith-enabled=true"
stonith_create_bmc_devices "$agent"
stonith_enable node1
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2

step "kill corosync on node2"
old_init=$(node_init_pid node2)
chassis_log=$LAB_DIR/bmc2/chassis.log
power_ops_before=$(wc -l <"$chassis_log")
t_kill=$EPOCHREALTIME
lab kill node2
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

wait_until 15 node_state_is node2 unclean node1
note "node2 unclean $(since "$t_kill")s after the kill"
wait_until 30 fence_succeeded node2 node1
note "node2 fenced $(since "$t_kill")s after the kill"

step "the BMC powered node2 off and on; its old processes are gone"
assert_false test -e "/proc/$old_init"
ops=$(tail -n +"$((power_ops_before + 1))" "$chassis_log")
note "BMC requests: $(echo "$ops" | sed 's/^.*bmc2: //' | paste -sd, -)"
grep -q 'set power 0' <<<"$ops" || fail "node2's BMC never got a power-off"
grep -q 'set power 1' <<<"$ops" || fail "node2's BMC never got a power-on"
lab x node1 stonith_admin --history node2

step "node2 boots and rejoins"
wait_until 60 node_state_is node2 online node1
wait_until 60 node_state_is node1 online node2
assert_true node_rebooted node2 "$old_init"
note "node2 online again $(since "$t_kill")s after the kill"
step "PASS"
