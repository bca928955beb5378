#!/bin/bash
# The service chain in a real cluster, configured with crmsh: the group of
# conf/servicechain-crm.example (Filesystem on the lab's shared disk + servicechain, the
# Ver.4 profile on bl-test-member) loaded with `crm configure load update`; fencing through
# fence_bmclink (conf/stonith-pcs.sh.example). Proves that killing the active node
# (SIGKILL of its corosync) gets it fenced through its BMC, and only then the group runs
# on the survivor: members see FAILOVER, every start counter goes up by one, the running
# counter is not reset; the volume is never mounted on two nodes at once, also when the
# fenced node boots and rejoins (the group stays where it is).
source "$(dirname "$0")/lib.sh"
need_cmd crm crmsh
chain_lab_session 2

# crm_example: conf/servicechain-crm.example with the lab's device, mount point, chain and
# folders in place of the example's.
crm_example() {
    local fs="fstype=$LAB_DISK_FSTYPE${LAB_DISK_OPTIONS:+ options=$LAB_DISK_OPTIONS}"
    sed -e "s|/dev/disk/by-label/esm-shared|$LAB_DISK_DEV|g" -e "s|/srv/esm|$CHAIN_MOUNT|g" \
        -e "s|chain_file=esm-site|chain_file=$CHAIN_NAME|" \
        -e "s|folders=\"[^\"]*\"|folders=\"$CHAIN_FOLDERS\"|" -e "s|fstype=ext4|$fs|" \
        "$REPO_DIR/conf/servicechain-crm.example" |
        if [[ $LAB_DISK_KIND == dir ]]; then grep -v 'volume_device='; else cat; fi
}

step "fencing from conf/stonith-pcs.sh.example; chain $CHAIN_NAME (esm-ver4) on every node"
stonith_from_pcs_example node1
chain_install_nodes esm-ver4
for i in 1 2; do
    crm_example >"$LAB_DIR/node$i/disk/etc/bmclink/servicechain-crm.example"
done
volume_watch_start "$CHAIN_MOUNT"

step "crm configure load update conf/servicechain-crm.example ($LAB_DISK_DEV)"
lab x node1 crm configure load update /etc/bmclink/servicechain-crm.example ||
    error "crm configure load update conf/servicechain-crm.example failed"
lab x node1 crm configure show esm esm-fs esm-chain | sed 's/^/    | /'
chain_first_start
a=$CHAIN_ON b=$CHAIN_OTHER
fence_ops0=$(chassis_lines "$a")

step "kill $a (SIGKILL of its corosync): fenced through fence_bmclink, group on $b"
old_init=$(node_init_pid "$a")
seen=$(chain_ticks "$a")
mark=$(pcmk_log_mark "$b")
t_kill=$EPOCHREALTIME
lab kill "$a"
# Not waiting to see "unclean": the fencing may be over before a poll would see it.
wait_until 30 fence_succeeded "$a" "$b"
wait_until 30 resource_on esm-chain "$b" "$b"
fenced_s=$(pcmk_log_since "$b" "$mark" "$t_kill" "Peer $a was terminated (reboot)")
failover_s=$(chain_started_after "$b" "$mark" "$t_kill")
assert_false test -e "/proc/$old_init"
ops=$(chassis_ops "$a" "$fence_ops0")
note "$a's BMC was asked: $ops"
[[ $ops == *"set power 0"* ]] || fail "$a's BMC never powered it off"
lab x "$b" stonith_admin --history "$a" --verbose | sed 's/^/    | /'
start_line=$(chain_last "$b" Nvbase)
note "$b: $start_line"
chain_started_as "$b" 2 FAILOVER
ticks=$(log_field "$start_line" ticks)
((ticks >= seen)) || fail "the running counter went back: $ticks at $b's start, $seen seen on $a"
assert_true chain_all_counters_are "$b" 2
wait_until 10 ticks_above "$b" "$ticks"
note "fenced ${fenced_s}s, chain running on $b ${failover_s}s after the kill" \
    "(running counter: $seen seen on $a before the kill, $ticks at $b's start)"

step "$a boots and rejoins; the group stays on $b"
wait_until 60 node_state_is "$a" online "$b"
lab x "$b" crm_resource --wait --timeout=30 || fail "the cluster did not settle"
assert_true resource_on esm-chain "$b" "$b"
assert_eq install.txt "$(lab x "$a" ls "$CHAIN_WORK")" "$a's local work folder"

step "the volume was never mounted on two nodes at once"
volume_watch_stop
assert_true volume_watch_saw "$a" "$b"
note "figures: node kill to fenced ${fenced_s}s, to chain running on $b ${failover_s}s"
step "PASS"
