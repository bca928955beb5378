#!/bin/bash
# fence_bmclink as a drop-in for fence_ipmilan in a real cluster, with no host list:
#  1. pcs: fence_ipmilan devices created as an administrator would (no pcmk_host_list or
#     pcmk_host_map), then only the agent's name changed in the CIB (cibadmin --replace).
#     Pacemaker's default host check (`status`, since the agent advertises no `list`) must
#     give each node exactly its own BMC's device; node2's corosync is killed and node2 is
#     fenced through its own BMC, node1's BMC untouched.
#  2. crmsh: the same devices written by `crm configure` for fence_ipmilan, their text
#     re-loaded with only the agent's name changed; node1 is fenced through its own BMC.
# fence_bmclink tells which node a BMC belongs to from /etc/bmclink/bmclink.conf
# ([bmc-node NODE] address/port), the file every node of a bmclink cluster has.
source "$(dirname "$0")/lib.sh"
lab_require
need_cmd fence_ipmilan fence-agents
need_cmd fence_bmclink "the bmclink package"
need_cmd crm crmsh
lab_session 2

# bmclink.conf on every node: which BMC is whose (no secret in it; mode 0600 anyway).
write_bmc_map() {
    local i j f
    for i in 1 2; do
        f=$LAB_DIR/node$i/disk/etc/bmclink/bmclink.conf
        install -m 600 /dev/null "$f"
        for j in 1 2; do
            eval "$(lab bmc "node$j")"
            printf '[bmc-node node%s]\naddress = %s\nport = %s\n' "$j" "$BMC_ADDR" "$BMC_PORT"
        done >"$f"
    done
}

# ipmilan_params NODE: fence_ipmilan's parameters for NODE's BMC, as pcs/crm arguments.
ipmilan_params() {
    eval "$(lab bmc "$1")"
    echo "ip=$BMC_ADDR ipport=$BMC_PORT username=$BMC_USER lanplus=1 cipher=$BMC_CIPHER" \
        "password_script=\"cat $BMC_PASSWORD_FILE\""
}

# devices_for NODE: the stonith devices Pacemaker's fencer says can fence NODE.
devices_for() {
    lab x node1 stonith_admin --list "$1" 2>/dev/null | sed -n 's/^ *\(fence-[^ ]*\).*/\1/p' |
        sort | paste -sd, -
}

# agent_of ID: the agent a stonith primitive runs, from the live CIB.
agent_of() {
    lab x node1 cibadmin --query --xpath "//primitive[@id='$1']" 2>/dev/null |
        sed -n 's/.* type="\([^"]*\)".*/\1/p' | head -n 1
}

# fence_via NODE FROM: kill NODE's corosync; it must be fenced through its own BMC only.
fence_via() {
    local node=$1 from=$2 other old_init mark ops0 ops0_other t_kill ops line
    other=$from
    old_init=$(node_init_pid "$node")
    mark=$(pcmk_log_mark "$from")
    ops0=$(chassis_lines "$node")
    ops0_other=$(chassis_lines "$other")
    t_kill=$EPOCHREALTIME
    lab kill "$node"
    wait_until 40 fence_succeeded "$node" "$from"
    note "$node fenced $(since "$t_kill")s after the kill"
    # pacemaker-fenced names the device it used: "... targeting NODE using fence-NODE returned 0"
    line=$(tail -n +"$((mark + 1))" "$LAB_DIR/$from/disk/var/log/pacemaker/pacemaker.log" |
        grep -m 1 "targeting $node using .* returned 0") ||
        fail "$from's fencer log names no device that fenced $node"
    [[ $line == *"using fence-$node returned 0"* ]] || fail "fenced by another device: $line"
    note "${line#*(}"
    assert_false test -e "/proc/$old_init"
    ops=$(chassis_ops "$node" "$ops0")
    note "$node's BMC: $ops"
    [[ $ops == *"set power 0"*"set power 1"* ]] || fail "$node's BMC: expected off then on: $ops"
    ops=$(chassis_ops "$other" "$ops0_other")
    [[ -z $ops ]] || fail "$other's BMC was used to fence $node: $ops"
    wait_until 90 node_state_is "$node" online "$from"
    wait_until 60 node_state_is "$from" online "$node"
}

write_bmc_map

step "pcs: fence_ipmilan devices without a host list"
for n in node1 node2; do
    eval "lab x node2 pcs stonith create fence-$n fence_ipmilan $(ipmilan_params "$n")" ||
        fail "pcs stonith create fence-$n fence_ipmilan failed"
done
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2
note "with fence_ipmilan: node1 <- $(devices_for node1); node2 <- $(devices_for node2)"

step "pcs: only the agent's name changed (cibadmin --replace)"
lab x node1 cibadmin --query --scope resources >"$LAB_DIR/resources.xml" ||
    error "cibadmin --query failed"
sed -i 's/type="fence_ipmilan"/type="fence_bmclink"/' "$LAB_DIR/resources.xml"
lab x node1 cibadmin --replace --scope resources --xml-pipe <"$LAB_DIR/resources.xml" ||
    fail "cibadmin --replace with the swapped agent failed"
assert_eq fence_bmclink "$(agent_of fence-node1)"
lab x node1 crm_verify --live-check || fail "crm_verify refuses the swapped CIB"
lab x node1 pcs stonith config fence-node2 >/dev/null || fail "pcs cannot read the swapped device"
lab x node1 pcs stonith update fence-node2 pcmk_delay_base=0s ||
    fail "pcs refuses to update the swapped device"
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2

step "Pacemaker's default host check picks each node's own BMC"
stonith_enable node1
wait_until 20 eval '[[ $(devices_for node2) == fence-node2 ]]'
assert_eq fence-node1 "$(devices_for node1)"
note "node1 <- $(devices_for node1); node2 <- $(devices_for node2)"

step "node2's corosync killed: fenced through its own BMC"
fence_via node2 node1

step "crm: devices written for fence_ipmilan in crm syntax, loaded, then loaded again swapped"
lab x node1 crm_attribute --type crm_config --name stonith-enabled --update false
lab x node1 pcs stonith delete fence-node1 >/dev/null || error "pcs stonith delete fence-node1"
lab x node1 pcs stonith delete fence-node2 >/dev/null || error "pcs stonith delete fence-node2"
# (crm configure show would print password_script as "******": crmsh hides secrets, so the
# administrator's own file is what gets swapped, as it would be in real life.)
for n in node1 node2; do
    echo "primitive fence-$n stonith:fence_ipmilan params $(ipmilan_params "$n")"
done >"$LAB_DIR/devices.crm"
lab_copy_to_nodes "$LAB_DIR/devices.crm"
lab x node1 crm configure load update /etc/bmclink/devices.crm ||
    fail "crm configure load update (fence_ipmilan) failed"
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2
sed -i 's/stonith:fence_ipmilan/stonith:fence_bmclink/' "$LAB_DIR/devices.crm"
lab_copy_to_nodes "$LAB_DIR/devices.crm"
lab x node1 crm configure load update /etc/bmclink/devices.crm ||
    fail "crm configure load update with the swapped agent failed"
assert_eq fence_bmclink "$(agent_of fence-node2)"
wait_until 30 resource_started fence-node1
wait_until 30 resource_started fence-node2
stonith_enable node1
wait_until 20 eval '[[ $(devices_for node1) == fence-node1 ]]'
assert_eq fence-node2 "$(devices_for node2)"

step "node1's corosync killed: fenced through its own BMC"
fence_via node1 node2
step "PASS"
