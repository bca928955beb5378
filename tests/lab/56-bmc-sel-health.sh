#!/bin/bash
# The BMC's System Event Log into #health-bmc, in the real 2-node cluster (issue 5 item 4,
# docs/bmc-health.md): bmclinkd (the clone of conf/pcmk-bmcnotice.pcs.sh.example) reads its
# own node's BMC SEL ([heartbeat] sel, here every 500 ms); records are added to node1's
# ipmi_sim with Add SEL Entry (NetFn 0x0a, Cmd 0x44) from the admin host, as the BMC's own
# sensors would. With node-health-strategy=migrate-on-red (the example's HEALTH part):
#   - a correctable ECC record (non-critical): #health-bmc of node1 yellow, nothing moves;
#     its deassertion: green;
#   - a processor IERR record (critical): red, group grp leaves node1 for node2, while
#     bmclinkd keeps running on node1 (allow-unhealthy-nodes, same PID);
#   - its deassertion: green, grp returns to node1 by its location preference.
# Figures (notes, not asserted): record added -> the daemon's "BMC health red" line ->
# attrd's #health-bmc change -> grp started on node2, from the logs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bmc.sh"
bmc_require
lab_session 2
SEL_MS=500
attr_red='#health-bmc\[node1\].*-> red'

# sel_add NODE SENSOR_TYPE SENSOR_NUMBER DIR|TYPE DATA1: Add SEL Entry on NODE's BMC, from
# the admin host (password from the lab's 0600 file, never on argv): a system event record
# (type 0x02) from generator 0x20, the BMC itself.
sel_add() {
    local node=$1
    shift
    eval "$(lab bmc "$node")"
    # shellcheck disable=SC2153 # BMC_* come from `lab bmc`
    lab adm ipmitool -I lanplus -C "$BMC_CIPHER" -H "$BMC_ADDR" -p "$BMC_PORT" -U "$BMC_USER" \
        -f "$BMC_PASSWORD_FILE" raw 0x0a 0x44 0 0 0x02 0 0 0 0 0x20 0 0x04 "$@" 0xff 0xff \
        >/dev/null || error "Add SEL Entry refused by $node's BMC"
}

# daemon_pid NODE: bmclinkd's PID inside NODE (the agent's PID file).
daemon_pid() { lab x "$1" cat /run/bmclinkd.pid 2>/dev/null; }

# clone_started_on NODE: Pacemaker has the bmclinkd clone's instance started on NODE.
clone_started_on() {
    lab x node2 crm_mon -1 --output-as=xml 2>/dev/null | grep -A1 '<resource id="bmclinkd" ' |
        grep -B1 "<node name=\"$1\"" | grep 'role="Started"' | grep 'failed="false"' >/dev/null
}

# settled: the cluster has no action pending (after an attribute change, before looking).
settled() { lab x node2 crm_resource --wait --timeout=60 || fail "the cluster did not settle"; }

# log_wall_ms FILE MARK REGEX: epoch ms of the first line after MARK of FILE matching REGEX
# (bmclinkd's and Pacemaker's logs both start with "Nov 21 09:51:06.123").
log_wall_ms() {
    local line
    line=$(tail -n +"$(($2 + 1))" "$1" | grep -m1 -E "$3") || return 1
    wall_ms "$(cut -c1-19 <<<"$line")"
}

step "group grp on node1, bmclinkd clone reading its BMC's SEL every $SEL_MS ms, migrate-on-red"
bmc_setup_group node1 node2 -- "heartbeat.sel_interval_ms=$SEL_MS" recovery.action=none
lab x node1 env TARGET=grp RULE=no HEALTH=yes DAEMON=no \
    sh /etc/bmclink/pcmk-bmcnotice.pcs.sh.example ||
    error "conf/pcmk-bmcnotice.pcs.sh.example (HEALTH) failed"
strategy=$(lab x node1 crm_attribute --type crm_config --name node-health-strategy --query)
[[ $strategy == *value=migrate-on-red* ]] || fail "node-health-strategy: $strategy"
wait_until 20 node_attr_is node1 '#health-bmc' green node2
settled
assert_true resource_on grp node1 node2
pid1=$(daemon_pid node1)
[[ -n $pid1 ]] || error "no bmclinkd PID file on node1"

step "non-critical record (correctable ECC, memory #0x20): yellow, nothing moves"
d0=$(daemon_mark node1)
sel_add node1 0x0c 0x20 0x6f 0x00
wait_until 20 node_attr_is node1 '#health-bmc' yellow node2
settled
assert_true resource_on grp node1 node2
assert_true clone_started_on node1
daemon_log_has node1 "$d0" 'node1: BMC health yellow \(SEL record' ||
    fail "no 'BMC health yellow (SEL record ...)' line in node1's daemon log"
note "$(tail -n +"$((d0 + 1))" "$(daemon_log node1)" | grep -m1 'BMC health yellow' | cut -d' ' -f4-)"
sel_add node1 0x0c 0x20 0xef 0x00
wait_until 20 node_attr_is node1 '#health-bmc' green node2
settled
assert_true resource_on grp node1 node2

step "critical record (processor #0x10 IERR): red, grp leaves node1, bmclinkd stays"
d0=$(daemon_mark node1)
p1=$(pcmk_log_mark node1)
p2=$(pcmk_log_mark node2)
t_add=$(date +%s%3N) # before ipmitool opens its session: the figure includes it
sel_add node1 0x07 0x10 0x6f 0x00
wait_until 20 node_attr_is node1 '#health-bmc' red node2
wait_until 60 resource_on grp node2 node2
settled
assert_true resource_on grp node2 node2
assert_true clone_started_on node1
assert_true daemon_running node1
assert_eq "$pid1" "$(daemon_pid node1)" "bmclinkd's PID on node1 (it must keep running)"
[[ $(cib_constraints node2) == *cli-ban* || $(cib_constraints node2) == *cli-prefer* ]] &&
    fail "a ban or move appeared in the CIB"
t_log=$(log_wall_ms "$(daemon_log node1)" "$d0" 'node1: BMC health red \(SEL record') ||
    fail "no 'BMC health red (SEL record ...)' line in node1's daemon log"
note "$(tail -n +"$((d0 + 1))" "$(daemon_log node1)" | grep -m1 'BMC health red' | cut -d' ' -f4-)"
# attrd logs the change on the node of its writer: look at both, take the first
t_attr=$( (log_wall_ms "$LAB_DIR/node1/disk/var/log/pacemaker/pacemaker.log" "$p1" "$attr_red" || :
    log_wall_ms "$LAB_DIR/node2/disk/var/log/pacemaker/pacemaker.log" "$p2" "$attr_red" || :) |
    sort -n | head -n 1)
t_started=$(started_wall_ms node2 grp-a grp-b) || t_started=
note "figures: record added -> daemon's red line $((t_log - t_add)) ms" \
    "${t_attr:+-> attrd #health-bmc red $((t_attr - t_add)) ms}" \
    "${t_started:+-> grp started on node2 $((t_started - t_add)) ms} (SEL read every $SEL_MS ms)"

step "the IERR deasserted: green, grp returns to node1 by its preference"
sel_add node1 0x07 0x10 0xef 0x00
wait_until 20 node_attr_is node1 '#health-bmc' green node2
wait_until 60 resource_on grp node1 node2
settled
assert_true resource_on grp node1 node2
assert_eq "$pid1" "$(daemon_pid node1)" "bmclinkd's PID on node1"
step "PASS"
