#!/bin/bash
# The synchronized registry in the real 3-node Pacemaker cluster, bmclinkd running as the
# clone of conf/registry/bmclinkd-pcs.sh.example:
#   1. writers on all three nodes at once -> every replica has the same contents (digest of
#      the whole export) and the same history, and every acknowledged write is there;
#   2. kill -9 of node2's bmclinkd -> node2 serves nothing (no stale reads) while keys change
#      on node1 and node3 -> Pacemaker's monitor restarts it -> it catches up before it
#      reports in sync (render, the service chain's gate, returns the new values) -> agree;
#      again with node2 in maintenance, so that Pacemaker restarts the daemon only after
#      2 MiB of changes: node2 never reports in sync at any other generation than the
#      cluster's (it shows "syncing" while it catches up, when a poll falls in that window);
#   3. node3 powered off through its BMC (IPMI chassis power off from the admin host) ->
#      node1 and node2 go on writing, overwriting and deleting -> power on through the BMC ->
#      node3 boots, rejoins, Pacemaker starts its clone instance, its replica (kept on its
#      disk) catches up -> agree, with the overwritten values and without the deleted keys.
# Fencing stays off (the lab's default): here the BMC's power-off is the event itself;
# fencing with the registry is test 41's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-reg.sh"
reg_require
reg_session 3
work=$(mktemp -d "${TMPDIR:-/tmp}/bl-reg40.XXXXXX")
WRITES=${REG_LAB_WRITES:-200} # per writer

step "bmclinkd clone from conf/registry/bmclinkd-pcs.sh.example"
reg_clone_up

step "$WRITES writes from each node at once"
t0=$EPOCHREALTIME
pids=()
for i in 1 2 3; do
    reg_writer "node$i" "C/n$i" "$WRITES" >"$work/acked.$i" &
    pids+=($!)
done
wait "${pids[@]}"
note "$((3 * WRITES)) writes from 3 writers in $(since "$t0")s"
cat "$work"/acked.? >"$work/acked"
assert_eq $((3 * WRITES)) "$(wc -l <"$work/acked")" "acknowledged writes"
for i in 1 2 3; do
    reg_acked_present "node$i" "$work/acked" || fail "node$i lacks acknowledged writes"
done
reg_all_agree || fail "the replicas disagree after the concurrent writers"

step "kill -9 node2's bmclinkd; keys change on node1 and node3 meanwhile"
mark2=$(pcmk_log_mark node2)
reg_daemon_kill node2 KILL
t_kill=$EPOCHREALTIME
# From now until it is back and in sync, node2's state as its own status reports it.
reg_state_poller node2 >"$work/states2" &
poller=$!
if out=$(reg_x node2 get C/n1 w0 2>&1); then
    # Only if Pacemaker's monitor happened to restart it in between (it then caught up).
    [[ $(fail_count bmclinkd node2) =~ ^[1-9] ]] || fail "node2 served a read with its daemon dead"
    note "node2's daemon was already restarted by Pacemaker: $out"
else
    note "node2 without its daemon: $out"
fi
reg_writer node1 K/n1 50 >"$work/acked.k"
reg_writer node3 K/n3 50 >>"$work/acked.k"
assert_eq 100 "$(wc -l <"$work/acked.k")" "writes acknowledged while node2's daemon was dead"
reg_x node3 set K Last sz "after-the-kill" || fail "node3: set K Last refused"
printf 'K\tLast\tafter-the-kill\n' >>"$work/acked.k"
cat >"$work/k.profile" <<'EOF'
[profile]
name = lab-k
keys = K
sync-timeout = 60
EOF
lab_copy_to_nodes "$work/k.profile"

step "Pacemaker restarts it; node2 catches up before it serves"
restarted() { reg_clone_started_on node2 && [[ $(fail_count bmclinkd node2) =~ ^[1-9] ]]; }
wait_until 60 restarted
t_dead=$(pcmk_log_since node2 "$mark2" "$t_kill" \
    "monitor operation for bmclinkd on node2: not running")
t_start=$(pcmk_log_since node2 "$mark2" "$t_kill" "start operation for bmclinkd on node2: ok")
note "Pacemaker: monitor saw it dead ${t_dead}s, started again ${t_start}s after the kill" \
    "(monitor interval 5 s)"
wait_until 30 reg_answers node2
# render is the service chain's gate: it waits until the replica is in sync, then exports.
reg_x node2 --profile /etc/bmclink/k.profile render -o /var/lib/bmclink/k.reg ||
    fail "render on node2 failed"
note "node2 rendered the profile $(since "$t_kill")s after the kill"
tr -d '\r' <"$LAB_DIR/node2/disk/var/lib/bmclink/k.reg" | grep -x '"Last"="after-the-kill"' >/dev/null ||
    fail "node2's render lacks the write made while its daemon was dead"
wait "$poller" || fail "node2 never reported in sync"
note "node2's states after the kill:" \
    "$(awk -v t="$t_kill" '{ printf "%s@%.2fs ", $2, $1 - t }' "$work/states2")"
reg_status node2 | sed 's/^/      /'
reg_acked_present node2 "$work/acked.k" || fail "node2 lacks writes made while it was down"
reg_acked_present node2 "$work/acked" || fail "node2 lost earlier writes"
reg_all_agree || fail "the replicas disagree after node2's daemon came back"

step "node2's daemon killed again, restarted only after 2 MiB of changes (node maintenance)"
# Pacemaker leaves node2 alone while in maintenance: the restart comes after every change,
# so every state node2 reports can be judged against the cluster's final generation.
lab x node1 crm_attribute --node node2 --name maintenance --update true >/dev/null
in_maintenance() {
    lab x node1 crm_mon -1 --output-as=xml | grep '<node name="node2" .*maintenance="true"' >/dev/null
}
wait_until 30 in_maintenance
reg_daemon_kill node2 KILL
reg_state_poller node2 >"$work/states2b" &
poller=$!
# 4 keys x 512 values of 1 KiB: more than one write may carry (import splits it).
awk 'BEGIN { print "Windows Registry Editor Version 5.00"
    v = sprintf("%1000s", ""); gsub(/ /, "m", v)
    for (k = 0; k < 4; k++) {
        printf "\n[M\\b%d]\n", k
        for (i = 0; i < 512; i++) printf "\"v%d\"=\"%s%d\"\n", i, v, i
    } }' >"$work/big.reg"
install -m 0644 "$work/big.reg" "$LAB_DIR/node1/disk/etc/bmclink/big.reg"
awk -F'"' '/^\[/ { key = substr($0, 2, length($0) - 2); sub(/\\/, "/", key) }
    /^"/ { printf "%s\t%s\t%s\n", key, $2, $4 }' "$work/big.reg" >"$work/acked.m"
reg_x node1 import /etc/bmclink/big.reg || fail "node1: import of 2 MiB refused"
gen_final=$(reg_gen node1)
t_restart=$EPOCHREALTIME
lab x node1 crm_attribute --node node2 --name maintenance --delete >/dev/null
wait "$poller" || fail "node2 never reported in sync"
note "node2 (generation, state) after maintenance ended: $(awk -v t="$t_restart" \
    '{ printf "%s %s@%.2fs ", $3, $2, $1 - t }' "$work/states2b")"
if awk -v g="$gen_final" '$2 == "active" && $3 != g { bad = 1 } END { exit !bad }' \
    "$work/states2b"; then
    fail "node2 reported in sync at another generation than the cluster's $gen_final"
fi
reg_status node2 | sed -n 4p | sed 's/^/      /'
reg_all_agree || fail "the replicas disagree after node2's daemon came back"

step "power node3 off through its BMC; keys change, are overwritten and deleted meanwhile"
eval "$(lab bmc node3)"
ipmi3() {
    lab adm ipmitool -I lanplus -C "$BMC_CIPHER" -H "$BMC_ADDR" -p "$BMC_PORT" \
        -U "$BMC_USER" -f "$BMC_PASSWORD_FILE" "$@"
}
old_init=$(node_init_pid node3)
ipmi3 chassis power off >/dev/null || error "ipmitool chassis power off failed"
wait_until 10 node_procs_gone node3
wait_until 30 node_state_is node3 offline node1
two_members() { [[ $(reg_members node1) == 2 ]]; }
wait_until 30 two_members
reg_writer node1 D/n1 50 >"$work/acked.d"
reg_writer node2 D/n2 50 >>"$work/acked.d"
reg_writer node2 C/n1 20 >"$work/acked.over" # overwrites node1's first 20 values
reg_x node1 delete C/n3 || fail "node1: delete C/n3 refused"
assert_eq 120 "$(cat "$work/acked.d" "$work/acked.over" | wc -l)" "writes while node3 was off"
# What node3 must end with: the new writes, the overwritten values, nothing of C/n3.
awk -F'\t' 'NR == FNR { over[$1 FS $2] = 1; print; next }
    $1 != "C/n3" && !(($1 FS $2) in over)' "$work/acked.over" \
    "$work/acked" "$work/acked.k" "$work/acked.m" "$work/acked.d" >"$work/expected"
gen1=$(reg_gen node1)

step "power node3 on through its BMC; it rejoins and catches up"
mark3=$(pcmk_log_mark node3)
t_on=$EPOCHREALTIME
ipmi3 chassis power on >/dev/null || error "ipmitool chassis power on failed"
wait_until 30 node_rebooted node3 "$old_init"
wait_until 60 node_state_is node3 online node1
wait_until 60 reg_clone_started_on node3
reg_wait_sync node3 60
t_start=$(pcmk_log_since node3 "$mark3" "$t_on" "start operation for bmclinkd on node3: ok")
note "node3 in sync $(since "$t_on")s after the power-on request; Pacemaker started its" \
    "instance ${t_start}s after it"
reg_status node3 | sed 's/^/      /'
assert_eq "$gen1" "$(reg_gen node3)" "node3's generation (node1's before the power-on)"
reg_acked_present node3 "$work/expected" || fail "node3 lacks writes made while it was off"
if reg_x node3 list C/n3 >/dev/null 2>&1; then
    fail "node3 still has C/n3, deleted while it was off"
fi
assert_eq "$(wc -l <"$work/expected")" "$(reg_export_triples node3 | wc -l)" "values on node3"
reg_all_agree || fail "the replicas disagree after node3 came back"
rm -rf "$work"
step "PASS"
