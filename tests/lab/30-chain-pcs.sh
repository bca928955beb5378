#!/bin/bash
# The service chain in a real cluster, configured with pcs: fencing from
# conf/stonith-pcs.sh.example; one group from conf/servicechain-pcs.sh.example of
# ocf:heartbeat:Filesystem (the lab's shared disk: ext4 on a loop device every node sees)
# and ocf:bmclink:servicechain (the Ver.4 profile, 8 members incl. 2 optional, mapped onto
# bl-test-member, state_dir and two bound folders on the volume). Proves:
#   - the chain starts on a node (START), every member runs, both folders are bound, the
#     members' counters on the volume grow;
#   - pcs node standby of that node, with a shell left in a bound folder: the group moves
#     (the agent ends the shell, force_unbind), members see FAILOVER, every start counter
#     goes up by one and the running counter resumes exactly where it stopped;
#   - SIGKILL of a mandatory member: Pacemaker restarts the chain in place (START), the
#     counters continue, the fail count is 1, the volume stays mounted;
#   - SIGKILL of an optional member: the resource is degraded (OCF_DEGRADED, 190), not
#     failed: it stays Started, the fail count does not move, the other members keep their
#     PIDs (Pacemaker 2.1.5 lists the monitor under "Failed Resource Actions" as
#     'OCF_DEGRADED' and recovers nothing);
#   - all along, the volume is never mounted on two nodes at once.
source "$(dirname "$0")/lib.sh"
chain_lab_session 2

# standby_is NODE true|false
standby_is() {
    lab x node1 crm_mon -1 --output-as=xml 2>/dev/null | grep "<node name=\"$1\" " |
        grep "standby=\"$2\"" >/dev/null
}

# monitor_said NODE TEXT: the number of monitor outputs with TEXT in NODE's pacemaker.log.
monitor_said() {
    grep -c -F "$2" "$LAB_DIR/${1}/disk/var/log/pacemaker/pacemaker.log" || true
}

# monitor_said_more NODE TEXT N: more than N such outputs.
monitor_said_more() { (($(monitor_said "$1" "$2") > $3)); }

# degraded_seen NODE: the chain's recurring monitor returned OCF_DEGRADED on NODE.
degraded_seen() {
    lab x node1 crm_mon -1 --output-as=xml 2>/dev/null |
        grep '<failure op_key="esm-chain_monitor_2000"' | grep "node=\"$1\"" |
        grep 'exitcode="190"' >/dev/null
}

step "fencing from conf/stonith-pcs.sh.example; chain $CHAIN_NAME (esm-ver4) on every node"
stonith_from_pcs_example node1
chain_install_nodes esm-ver4
lab_copy_to_nodes "$REPO_DIR/conf/servicechain-pcs.sh.example"
volume_watch_start "$CHAIN_MOUNT"

step "group esm = Filesystem ($LAB_DISK_DEV, $LAB_DISK_FSTYPE) + servicechain, with pcs"
lab x node1 env DEVICE="$LAB_DISK_DEV" FSTYPE="$LAB_DISK_FSTYPE" FS_OPTIONS="$LAB_DISK_OPTIONS" \
    MOUNT_DIR="$CHAIN_MOUNT" CHAIN_FILE="$CHAIN_NAME" FOLDERS="$CHAIN_FOLDERS" \
    MONITOR_INTERVAL=2s sh /etc/bmclink/servicechain-pcs.sh.example ||
    error "conf/servicechain-pcs.sh.example failed"
chain_first_start
a=$CHAIN_ON b=$CHAIN_OTHER
status=$(lab x "$a" bmclink chain status)
printf '    | %s\n' "${status//$'\n'/$'\n'    | }"
assert_eq 8 "$(grep -cE '^ +[0-9]+ +[A-Za-z]+ +daemon .* running +pid ' <<<"$status")" \
    "members running in 'bmclink chain status'"
grep -q "folder work .* bound from $CHAIN_MOUNT/state/work" <<<"$status" || fail "work not bound"
grep -q "folder db .* bound from $CHAIN_MOUNT/state/db" <<<"$status" || fail "db not bound"

step "pcs node standby $a, a shell left in $CHAIN_WORK: the group moves to $b as FAILOVER"
# An operator's shell whose working directory is the bound folder keeps the bind busy.
# It must not inherit our descriptors (the test lock among them): closed above 2.
# shellcheck disable=SC2016 # expanded inside the node
shell_pid=$(lab x "$a" bash -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
    cd "$1" && { setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!; }' bash "$CHAIN_WORK")
[[ $(lab x "$a" readlink "/proc/$shell_pid/cwd") == "$CHAIN_WORK" ]] ||
    error "the stand-in shell is not in $CHAIN_WORK"
mark=$(pcmk_log_mark "$b")
t_move=$EPOCHREALTIME
lab x node1 pcs node standby "$a"
wait_until 30 resource_on esm-chain "$b"
move_s=$(chain_started_after "$b" "$mark" "$t_move")
chain_resumed "$b" 2
chain_started_as "$b" 2 FAILOVER
assert_true chain_all_counters_are "$b" 2
assert_eq install.txt "$(lab x "$a" ls "$CHAIN_WORK")" "$a's local work folder (unbound)"
assert_false lab x "$a" kill -0 "$shell_pid" 2>/dev/null
grep -F "bound folders still busy after the members stopped: sent SIGTERM to $shell_pid (sleep)" \
    "$LAB_DIR/$a/disk/var/log/pacemaker/pacemaker.log" | tail -n 1 | sed 's/^.*\[ /    /; s/ \]$//'
wait_until 10 ticks_above "$b" "$CHAIN_START_TICKS"
note "moved in ${move_s}s (pcs node standby to started on $b)"

step "pcs node unstandby $a: the group stays on $b (resource-stickiness)"
lab x node1 pcs node unstandby "$a"
wait_until 20 standby_is "$a" false
lab x node1 crm_resource --wait --timeout=30 || fail "the cluster did not settle"
assert_true resource_on esm-chain "$b"

step "SIGKILL of mandatory member Nvcmd on $b: Pacemaker restarts the chain in place"
pid=$(chain_member_pid "$b" Nvcmd)
mark=$(pcmk_log_mark "$b")
t_kill=$EPOCHREALTIME
lab x "$b" kill -KILL "$pid"
wait_until 20 chain_all_counters_are "$b" 3
wait_until 10 resource_on esm-chain "$b"
recover_s=$(chain_started_after "$b" "$mark" "$t_kill")
chain_resumed "$b" 3
chain_started_as "$b" 3 START
assert_eq 1 "$(fail_count esm-chain "$b")" "esm-chain fail count on $b"
note "recovered in ${recover_s}s (SIGKILL to the chain started again; monitor every 2 s)"

step "SIGKILL of optional member DmiEventWatcher: degraded, not failed"
fails=$(fail_count esm-chain "$b")
declare -A pids
for m in Nvbase ESMASVNT AlertManagerSocketReceiveService Nvcmd Nvrmapd EsmTrapRedirection ESMDSVNT; do
    pids[$m]=$(chain_member_pid "$b" "$m")
done
said=$(monitor_said "$b" "optional member DmiEventWatcher is stopped")
lab x "$b" kill -KILL "$(chain_member_pid "$b" DmiEventWatcher)"
wait_until 15 degraded_seen "$b"
# Two more degraded monitors after the first: Pacemaker does not recover a degraded chain.
wait_until 15 monitor_said_more "$b" "optional member DmiEventWatcher is stopped" $((said + 2))
lab x node1 crm_mon -1 | grep -E 'esm-chain|DEGRADED' | sed 's/^/    | /'
xml=$(lab x node1 crm_mon -1 --output-as=xml)
grep '<resource id="esm-chain"' <<<"$xml" | grep 'role="Started"' | grep 'failed="false"' >/dev/null ||
    fail "esm-chain is not Started and not failed: $(grep '<resource id="esm-chain"' <<<"$xml")"
assert_true resource_on esm-chain "$b"
assert_eq "$fails" "$(fail_count esm-chain "$b")" "esm-chain fail count on $b (degraded is no failure)"
for m in "${!pids[@]}"; do
    assert_eq "${pids[$m]}" "$(chain_member_pid "$b" "$m")" "$m's pid"
    lab x "$b" kill -0 "${pids[$m]}" || fail "$m (pid ${pids[$m]}) is gone"
done
status=$(lab x "$b" bmclink chain status)
grep -q "chain $CHAIN_NAME: degraded" <<<"$status" || fail "bmclink chain status: not degraded"
grep -qE 'DmiEventWatcher +daemon +yes +stopped' <<<"$status" || fail "DmiEventWatcher not stopped"

step "the volume was never mounted on two nodes at once"
volume_watch_stop
assert_true volume_watch_saw "$a" "$b"
note "figures: standby move ${move_s}s; member SIGKILL to recovered ${recover_s}s"
step "PASS"
