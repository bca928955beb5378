#!/bin/bash
# The synchronized registry across a network partition in the real 3-node Pacemaker cluster:
# node3's cluster cable is cut -> node1 and node2 keep quorum and keep writing (each write
# answered 0 is recorded) -> they fence node3 through fence_bmclink -> node3 boots, still
# cut: alone, without quorum, its Pacemaker still starts bmclinkd (requires=nothing in
# conf/registry/bmclinkd.crm.example, loaded with crmsh), which refuses writes ("no quorum",
# exit 4), reports NOT in sync, and refuses to render -> cable back -> node3 rejoins, catches up:
# every replica has the same contents and history, every acknowledged write with its value,
# and nothing of what the minority was refused.
#
# Fencing is ON, as in test 21 and as in production (devices from
# conf/stonith-pcs.sh.example): that makes the test deterministic. The cut node is always
# fenced and boots alone, so the minority side is checked in one known state (a fresh
# daemon on its old replica, without quorum) rather than racing the fencing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-reg.sh"
reg_require
need_cmd fence_bmclink "cmake --install"
need_cmd crm crmsh
reg_session 3
work=$(mktemp -d "${TMPDIR:-/tmp}/bl-reg41.XXXXXX")
WRITES=${REG_LAB_WRITES:-150} # per majority writer, spread over the cut and the fencing

step "fence_bmclink devices from conf/stonith-pcs.sh.example, the bmclinkd clone from crm"
stonith_from_pcs_example node1
for i in 1 2 3; do
    wait_until 30 resource_started "fence-node$i"
done
REG_CLONE_WITH=crm reg_clone_up
cat >"$work/p.profile" <<'EOF'
[profile]
name = lab-p
keys = B;P
sync-timeout = 3
EOF
lab_copy_to_nodes "$work/p.profile"
reg_writer node3 B/n3 20 >"$work/acked.b"
reg_writer node1 B/n1 20 >>"$work/acked.b"
assert_eq 40 "$(wc -l <"$work/acked.b")" "writes before the cut"

step "cut node3's cluster cable; node1 and node2 go on writing"
old_init=$(node_init_pid node3)
gen_before=$(reg_gen node1)
t_cut=$EPOCHREALTIME
lab cut node3
reg_writer node1 P/n1 "$WRITES" >"$work/acked.p1" &
w1=$!
reg_writer node2 P/n2 "$WRITES" >"$work/acked.p2" &
w2=$!
wait_until 30 fence_succeeded node3 node1
gen_fenced=$(reg_gen node1)
note "node3 fenced $(since "$t_cut")s after the cut; the majority at generation $gen_fenced"
wait_until 30 node_rebooted node3 "$old_init"

step "node3 alone without quorum: bmclinkd runs there and refuses writes"
wait_until 60 reg_answers node3
note "node3's bmclinkd answers $(since "$t_cut")s after the cut (started by node3's own Pacemaker)"
# Its first round (alone, without quorum) may still be running when it first answers.
wait_until 30 reg_state_is node3 read-only
rc=0
out=$(reg_x node3 --timeout 10 set P/x minority sz refused 2>&1) || rc=$?
note "node3: set -> exit $rc: $out"
assert_eq 4 "$rc" "exit code of a write on the minority"
[[ $out == *"no quorum"* ]] || fail "the minority's refusal does not say 'no quorum': $out"
rc=0
out=$(reg_status node3 2>&1) || rc=$?
assert_eq 4 "$rc" "exit code of status on the minority"
grep -q '^node 3: read-only (NOT in sync)' <<<"$out" || fail "node3's status: $out"
grep -q '^quorum: no' <<<"$out" || fail "node3's status: $out"
rc=0
out=$(reg_x node3 --profile /etc/bmclink/p.profile render -o /var/lib/bmclink/p.reg 2>&1) || rc=$?
note "node3: render -> exit $rc: $out"
assert_eq 4 "$rc" "exit code of render on the minority"
[[ $out == *"not in sync after 3 s: read-only (no quorum"* ]] ||
    fail "the minority's render does not say why: $out"
assert_false test -e "$LAB_DIR/node3/disk/var/lib/bmclink/p.reg"

step "the majority's writes"
wait "$w1" "$w2"
cat "$work/acked.b" "$work/acked.p1" "$work/acked.p2" >"$work/acked"
note "acknowledged during the cut: node1 $(wc -l <"$work/acked.p1")/$WRITES," \
    "node2 $(wc -l <"$work/acked.p2")/$WRITES (a write caught in the membership change is" \
    "answered 'in doubt', not 0)"
(($(wc -l <"$work/acked.p1") > 0 && $(wc -l <"$work/acked.p2") > 0)) ||
    fail "the majority acknowledged no write during the cut"
reg_acked_present node1 "$work/acked" || fail "node1 lacks acknowledged writes"
reg_all_agree node1 node2 || fail "the majority's replicas disagree"
gen_majority=$(reg_gen node1)
((gen_majority > gen_before)) || fail "the majority's generation did not grow"
note "generation $gen_before before the cut, $gen_fenced at the fencing, $gen_majority now"

step "heal: node3 rejoins and catches up"
t_heal=$EPOCHREALTIME
lab heal node3
wait_until 60 node_state_is node3 online node1
reg_wait_sync node3 60
note "node3 in sync $(since "$t_heal")s after the heal"
reg_status node3 | sed 's/^/      /'
reg_all_agree || fail "the replicas disagree after the heal"
for i in 1 2 3; do
    reg_acked_present "node$i" "$work/acked" || fail "node$i lacks acknowledged writes"
    rc=0
    reg_x "node$i" get P/x minority >/dev/null 2>&1 || rc=$?
    assert_eq 3 "$rc" "node$i: get of the write refused on the minority (3: not found)"
done
rm -rf "$work"
step "PASS"
