#!/bin/bash
# The server manager's site as `bmclink esm` sets it up through pcs, and managed servers'
# traps across a failover. On both nodes a fake ESMPRO/ServerManager 6.40 (tests/lab/lib-esm.sh:
# the 16 services of the guide's Ver.6 table, ESMBaseAlertListener a real snmptrapd bound to
# the floating IP that logs to the shared volume). Proves:
#   - `bmclink esm setup --apply` (pcs, one command at a time) makes the whole cluster from
#     the site file: fencing through fence_bmclink and the lab's BMCs, the bmclinkd clone,
#     the group floating IP (management network) + Filesystem (the lab's shared disk) +
#     servicechain, the BMCNOTICE rule; the chain starts with its 16 members;
#   - the managed host bl-adm (its own namespace) sends a trap every 100 ms with snmptrap to
#     the destination of its snmpd.conf, the floating IP; the active node's snmptrapd
#     receives them;
#   - the active node killed (SIGKILL of its corosync): fenced through its BMC, the group
#     starts on the other node; its snmptrapd receives the traps from then on. Every trap
#     sent before the kill and every trap sent after the chain was back was received; the
#     ones sent in between that were lost are counted and reported (a figure, not asserted);
#   - the volume is never mounted on two nodes at once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-esm.sh"
esm_lab_session

step "a fake ESMPRO/ServerManager 6.40 on both nodes; site file $ESM_SITE"
esm_install_nodes
volume_watch_start "$ESM_MOUNT"

step "bmclink esm setup --apply (pcs)"
lab x node1 bmclink esm setup --apply "$ESM_SITE" | sed 's/^/    | /' ||
    fail "bmclink esm setup --apply failed"
wait_until 120 resource_started esm-chain
a=$(esm_chain_node) b=$(other_node "$(esm_chain_node)")
note "the group runs on $a"
assert_true esm_fip_on "$a"
assert_false esm_fip_on "$b"
status=$(lab x "$a" bmclink chain status)
printf '    | %s\n' "${status//$'\n'/$'\n'    | }"
assert_eq 16 "$(grep -cE '^ +[0-9]+ .* running ' <<<"$status")" "members running in 'bmclink chain status'"
lab x node1 pcs stonith status 2>/dev/null | sed 's/^/    | /'

step "bl-adm sends a trap every 100 ms to its trap2sink, the floating IP $ESM_FIP"
esm_sender_start
wait_until 30 esm_received_above "$a" "$a" 20

step "kill $a (SIGKILL of its corosync): fenced, the group starts on $b"
mark=$(pcmk_log_mark "$b")
t_fault=$EPOCHREALTIME
lab kill "$a"
wait_until 60 fence_succeeded "$a" "$b"
wait_until 60 resource_on esm-chain "$b" "$b"
t_back=$(pcmk_log_time "$b" "$mark" "Result of start operation for esm-chain on $b: ok") ||
    fail "no start of esm-chain on $b in its pacemaker.log"
assert_true esm_fip_on "$b"
wait_until 30 esm_received_above "$b" "$b" 20
esm_sender_stop
last=$(tail -n 1 "$ESM_TMP/sent" | cut -d' ' -f1)
wait_until 10 esm_received_seq "$b" "$b" "$last"

step "every trap sent before the kill and after the chain was back was received"
esm_received "$b" "$a" >"$ESM_TMP/recv-$a"
esm_received "$b" "$b" >"$ESM_TMP/recv-$b"
sort -n -u "$ESM_TMP/recv-$a" "$ESM_TMP/recv-$b" >"$ESM_TMP/recv"
# sent: "SEQ TIME"; a report line per category, then the lost ones
awk -v fault="$t_fault" -v back="$t_back" '
    FNR == NR { got[$1] = 1; next }
    { n++; if (!($1 in got)) { lost++; if (!first) first = $2; lastl = $2; lseq = lseq " " $1 } }
    $2 < fault { before++; if (!($1 in got)) missed_before++ }
    $2 > back { after++; if (!($1 in got)) missed_after++ }
    END {
        printf "sent %d: %d before the kill, %d after the chain was back\n", n, before, after
        printf "missed_before %d\nmissed_after %d\nlost %d\n", missed_before, missed_after, lost
        if (lost) printf "lost_window %.2f\nlost_seqs%s\n", lastl - first, lseq
    }' "$ESM_TMP/recv" "$ESM_TMP/sent" >"$ESM_TMP/report"
sed 's/^/    /' "$ESM_TMP/report"
note "received by $a's snmptrapd: $(wc -l <"$ESM_TMP/recv-$a"), by $b's: $(wc -l <"$ESM_TMP/recv-$b")"
assert_eq 0 "$(sed -n 's/^missed_before //p' "$ESM_TMP/report")" "traps sent before the kill, lost"
assert_eq 0 "$(sed -n 's/^missed_after //p' "$ESM_TMP/report")" "traps sent after the chain was back, lost"
[[ -s $ESM_TMP/recv-$b ]] || fail "$b's snmptrapd received nothing"
lost=$(sed -n 's/^lost //p' "$ESM_TMP/report")
window=$(sed -n 's/^lost_window //p' "$ESM_TMP/report")

step "the volume was never mounted on two nodes at once"
volume_watch_stop
note "figures: kill to chain started on $b $(seconds_between "$t_fault" "$t_back")s;" \
    "traps lost in the move: $lost (sent at 10/s${window:+, over ${window}s})"
step "PASS"
