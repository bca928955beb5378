#!/bin/bash
# The service chain refuses to start on a node whose registry replica is not in sync
# (docs/servicechain.md, "Synchronized subtrees"; resource/chain_reg.c), in the real 2-node
# cluster: bmclinkd as the clone of conf/registry/bmclinkd-pcs.sh.example (lib-reg.sh), the
# group of conf/servicechain-pcs.sh.example with REGISTRY_PROFILE (as test 42 sets it up),
# ordered after the clone and kept with it. Scenario, deterministic:
#   1. the chain runs on A; the clone's instance on B is banned (crm_resource --ban): B's
#      daemon stops, A's daemon is one of two in a ring of two, not a majority: A's replica
#      turns read-only (not in sync). The running chain is left alone;
#   2. a mandatory member of the chain on A is killed: Pacemaker restarts the chain in place,
#      so it really runs the agent's start on A while A is not in sync. The start waits
#      registry_sync_timeout (5 s) and fails with OCF_ERR_GENERIC and a clear error in A's
#      pacemaker.log naming the node ("refusing to start chain ... on A: node N's registry
#      replica is not in sync ..."); the chain stays stopped (B has no daemon) and nothing
#      was started half-way: no member process on A, no member's start counter moved;
#   3. the ban is cleared: B's daemon comes back, both replicas are in sync again, and the
#      chain starts on B (A holds the failed start), every member's start #2 there.
# The refusals' unit tests are in tests/unit/test_chain_reg.c; this is the same in the cluster.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-reg.sh"

reg_chain_require
chain_lab_session 2

PROFILE=/etc/bmclink/esmpro.profile
RENDER=/var/lib/bmclink/esm-conf/esmpro.reg # on each node's own disk
SYNC_TIMEOUT_S=5
NV='SOFTWARE\NEC\NVBASE'

# members_running NODE: how many chain member processes run inside NODE.
members_running() { lab x "$1" pgrep -c -f "^$CHAIN_BIN " 2>/dev/null || true; }

# chain_stopped_everywhere: Pacemaker has esm-chain started nowhere.
chain_stopped_everywhere() { ! resource_started esm-chain node1; }

# pcmk_since NODE MARK: NODE's pacemaker.log after line MARK.
pcmk_since() { tail -n +"$(($2 + 1))" "$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log"; }

# settled: no action pending in the cluster.
settled() { lab x node1 crm_resource --wait --timeout=90 || fail "the cluster did not settle"; }

step "bmclinkd clone on both nodes, in sync"
reg_clone_up
reg_x node1 set "$NV" WorkDir sz /var/opt/nvbase/v1 || fail "bmclink-reg set on node1"

step "group esm (esm-ver4 chain, REGISTRY_PROFILE, registry_sync_timeout=${SYNC_TIMEOUT_S}s)"
chain_install_nodes esm-ver4
lab_copy_to_nodes "$REPO_DIR/conf/registry/esmpro.profile" "$REPO_DIR/conf/servicechain-pcs.sh.example"
lab x node1 env DEVICE="$LAB_DISK_DEV" FSTYPE="$LAB_DISK_FSTYPE" FS_OPTIONS="$LAB_DISK_OPTIONS" \
    MOUNT_DIR="$CHAIN_MOUNT" CHAIN_FILE="$CHAIN_NAME" FOLDERS="$CHAIN_FOLDERS" \
    MONITOR_INTERVAL=2s REGISTRY_PROFILE="$PROFILE" REGISTRY_RENDER="$RENDER" \
    REGISTRY_SYNC_TIMEOUT="${SYNC_TIMEOUT_S}s" sh /etc/bmclink/servicechain-pcs.sh.example ||
    error "conf/servicechain-pcs.sh.example failed"
chain_first_start
a=$CHAIN_ON b=$CHAIN_OTHER
n_members=$(members_running "$a")
note "$n_members member processes on $a"

step "ban bmclinkd's instance on $b: $a's replica turns read-only, the running chain stays"
lab x node1 crm_resource --ban --resource bmclinkd-clone --node "$b" >/dev/null 2>&1 ||
    fail "crm_resource --ban bmclinkd-clone $b"
wait_until 60 eval '! reg_clone_started_on '"$b"
wait_until 30 reg_state_is "$a" read-only
reg_status "$a" 2>/dev/null | head -n 3 | sed 's/^/    | /' || true
assert_false reg_in_sync "$a"
settled
assert_true resource_on esm-chain "$a"

step "SIGKILL of mandatory member Nvcmd on $a: Pacemaker runs the chain's start on $a again"
mark=$(pcmk_log_mark "$a")
t_kill=$EPOCHREALTIME
lab x "$a" kill -KILL "$(chain_member_pid "$a" Nvcmd)"
wait_until 60 eval "pcmk_since $a $mark | grep 'Result of start operation for esm-chain on $a: error' >/dev/null"
wait_until 30 chain_stopped_everywhere
settled
refusal=$(pcmk_since "$a" "$mark" | grep -m1 -E "refusing to start chain $CHAIN_NAME on $a: .*not in sync") ||
    fail "no 'refusing to start chain $CHAIN_NAME on $a: ... not in sync' in $a's pacemaker.log"
note "$(sed -e 's/.*\(refusing to start\)/\1/' -e 's/ *\]$//' <<<"$refusal")"
grep -qE "read-only|quorum no" <<<"$refusal" || fail "the refusal does not say why: $refusal"
note "start refused $(pcmk_log_since "$a" "$mark" "$t_kill" \
    "Result of start operation for esm-chain on $a: error")s after the kill" \
    "(monitor every 2 s, registry_sync_timeout ${SYNC_TIMEOUT_S}s)"
assert_eq 0 "$(members_running "$a")" "member processes left on $a"
assert_eq INFINITY "$(fail_count esm-chain "$a")" "esm-chain's fail count on $a"
assert_false resource_started esm-chain node1

step "clear the ban: $b's daemon back, both in sync, the chain starts on $b"
lab x node1 crm_resource --clear --resource bmclinkd-clone >/dev/null 2>&1 ||
    fail "crm_resource --clear bmclinkd-clone"
wait_until 60 reg_clone_started_on "$b"
reg_wait_sync "$b" 60
reg_wait_sync "$a" 60
wait_until 90 resource_on esm-chain "$b" "$b"
settled
chain_started_as "$b" 2 FAILOVER # it last ran on $a
assert_true chain_all_counters_are "$b" 2 # start #1 on $a, the refused one counted nothing
assert_eq 0 "$(members_running "$a")" "member processes on $a"
assert_eq "$n_members" "$(members_running "$b")" "member processes on $b"
assert_true reg_all_agree node1 node2
step "PASS"
