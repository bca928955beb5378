#!/bin/bash
# Fencing through RMCP+ cipher suite 17 only. Current BMCs ship with 17 and often have 3
# turned off; Debian 12's ipmi_sim cannot do 17, so every lab BMC here is our suite17_bmc
# (tests/tools, vouched for by ipmitool -C 17 and FreeIPMI's ipmipower -I 17 in the agent
# tests), wired to the lab's chassis-control: its power-off really kills the node.
# fence_bmclink with its default cipher (auto: the best suite the BMC lists) fences node2
# after its corosync is killed; a suite-3 session is refused by the same BMCs.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_bmclink "the bmclink package"
need_cmd ipmitool ipmitool
s17=
for b in "${BMCLINK_BUILD_DIR:-}" "$REPO_DIR/build" "$REPO_DIR/build-bmc"; do
    [[ -n $b && -x $b/tests/suite17_bmc ]] && { s17=$(readlink -f "$b/tests/suite17_bmc"); break; }
done
[[ -n $s17 ]] || error "tests/suite17_bmc is not built (set BMCLINK_BUILD_DIR)"
export BMCLINK_LAB_SUITE17=$s17
unset BMCLINK_LAB_BMCSIM
lab_session 2

step "every BMC speaks suite 17 only"
eval "$(lab bmc node2)"
assert_eq 17 "$BMC_CIPHER"
ipmi() { lab adm ipmitool -I lanplus -H "$BMC_ADDR" -p "$BMC_PORT" -U "$BMC_USER" -f "$BMC_PASSWORD_FILE" "$@"; }
out=$(ipmi -C 17 chassis power status 2>&1) || fail "ipmitool -C 17: $out"
note "ipmitool -C 17: $out"
assert_eq "Chassis Power is on" "$out"
if out=$(ipmi -C 3 chassis power status 2>&1); then fail "suite 3 accepted: $out"; fi
note "ipmitool -C 3: $(tr '\n' ' ' <<<"$out")"

step "fence_bmclink devices with the default cipher (auto), a resource on node2"
for n in node1 node2; do
    eval "$(lab bmc "$n")"
    stonith_create fence_bmclink "$n" ip="$BMC_ADDR" ipport="$BMC_PORT" username="$BMC_USER" \
        password_script="cat $BMC_PASSWORD_FILE" lanplus=1
done
lab x node1 pcs resource create svc ocf:heartbeat:Dummy op monitor interval=5s
lab x node1 pcs constraint location svc prefers node2=100
stonith_enable node1
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2
wait_until 30 resource_on svc node2
eval "$(lab bmc node2)"
out=$(printf '%s\n' action=status ip="$BMC_ADDR" ipport="$BMC_PORT" username="$BMC_USER" \
    "password_script=cat $BMC_PASSWORD_FILE" lanplus=1 verbose=1 |
    lab x node1 fence_bmclink 2>&1) || fail "fence_bmclink status: $out"
grep -q 'cipher suite 17' <<<"$out" || fail "the session did not use suite 17: $out"
note "$(grep -o 'session up .*' <<<"$out" | head -n 1)"

step "kill corosync on node2: fenced through suite 17"
old_init=$(node_init_pid node2)
ops0=$(chassis_lines node2)
t_kill=$EPOCHREALTIME
lab kill node2
wait_until 40 fence_succeeded node2 node1
note "node2 fenced $(since "$t_kill")s after the kill"
assert_false test -e "/proc/$old_init"
ops=$(chassis_ops node2 "$ops0")
note "node2's BMC: $ops"
[[ $ops == *"set power 0"*"set power 1"* ]] || fail "expected power off then on, got: $ops"

step "the resource runs on the survivor; node2 boots and rejoins"
wait_until 30 resource_on svc node1
wait_until 90 node_state_is node2 online node1
assert_true node_rebooted node2 "$old_init"
note "node2 online again $(since "$t_kill")s after the kill"
step "PASS"
