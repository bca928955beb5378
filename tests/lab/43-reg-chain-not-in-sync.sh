#!/bin/bash
# The service chain refuses to start on a node whose registry replica is not in sync
# (docs/servicechain.md, "Synchronized subtrees"; resource/chain_reg.c), in the real 2-node
# cluster (corosync two_node): bmclinkd as the clone of conf/registry/bmclinkd-pcs.sh.example
# (lib-reg.sh), the group of conf/servicechain-pcs.sh.example with REGISTRY_PROFILE (as
# test 42 sets it up), ordered after the clone and kept with it. Since the two-node rule
# (docs/registry.md, "Two nodes") a stopped passive daemon no longer makes the active
# replica read-only; the node that is behind is the one that must not start the chain.
# Scenario, deterministic:
#   1. the chain runs on A; the clone's instance on B is banned: B's daemon stops, A's
#      replica stays active alone (two_node, continuity) and takes a write B never saw;
#   2. A's instance is banned too (the chain stops: it is kept with the clone), then B's
#      ban is cleared: B's daemon starts alone with an older history and no authority to
#      write, so it is read-only (not in sync). Pacemaker runs the chain's start on B: it
#      waits registry_sync_timeout (5 s) and fails with OCF_ERR_GENERIC and a clear error in
#      B's pacemaker.log ("refusing to start chain ... on B: ... not in sync ..."); nothing
#      was started half-way on B;
#   3. A's ban is cleared: A's newer history wins, both replicas agree (B has the write it
#      missed), and the chain starts on A again (B holds the failed start).
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

step "ban bmclinkd's instance on $b: $a's replica stays active alone and takes a write"
lab x node1 crm_resource --ban --resource bmclinkd-clone --node "$b" >/dev/null 2>&1 ||
    fail "crm_resource --ban bmclinkd-clone $b"
wait_until 60 eval '! reg_clone_started_on '"$b"
reg_wait_sync "$a" 30
reg_x "$a" set "$NV" Latest sz "written-while-$b-was-away" || fail "a write on $a alone was refused"
settled
assert_true resource_on esm-chain "$a"

step "ban $a's instance (the chain stops), clear $b's: $b alone, behind, read-only"
lab x node1 crm_resource --ban --resource bmclinkd-clone --node "$a" >/dev/null 2>&1 ||
    fail "crm_resource --ban bmclinkd-clone $a"
wait_until 60 eval '! reg_clone_started_on '"$a"
wait_until 60 chain_stopped_everywhere
mark=$(pcmk_log_mark "$b")
t_clear=$EPOCHREALTIME
lab x node1 crm_resource --clear --resource bmclinkd-clone --node "$b" >/dev/null 2>&1 ||
    fail "crm_resource --clear bmclinkd-clone $b"
wait_until 60 reg_clone_started_on "$b"
wait_until 30 reg_state_is "$b" read-only
reg_status "$b" 2>/dev/null | head -n 3 | sed 's/^/    | /' || true
assert_false reg_in_sync "$b"

step "Pacemaker runs the chain's start on $b: refused, nothing started half-way"
wait_until 60 eval "pcmk_since $b $mark | grep 'Result of start operation for esm-chain on $b: error' >/dev/null"
wait_until 30 chain_stopped_everywhere
settled
refusal=$(pcmk_since "$b" "$mark" | grep -m1 -E "refusing to start chain $CHAIN_NAME on $b: .*not in sync") ||
    fail "no 'refusing to start chain $CHAIN_NAME on $b: ... not in sync' in $b's pacemaker.log"
note "$(sed -e 's/.*\(refusing to start\)/\1/' -e 's/ *\]$//' <<<"$refusal")"
grep -q "alone in a ring of two without the newest history" <<<"$refusal" ||
    fail "the refusal does not say why: $refusal"
note "start refused $(pcmk_log_since "$b" "$mark" "$t_clear" \
    "Result of start operation for esm-chain on $b: error")s after $b's daemon was allowed back" \
    "(registry_sync_timeout ${SYNC_TIMEOUT_S}s)"
assert_eq 0 "$(members_running "$b")" "member processes left on $b"
assert_eq INFINITY "$(fail_count esm-chain "$b")" "esm-chain's fail count on $b"
assert_false resource_started esm-chain node1

step "clear $a's ban: $a's newer history wins, both in sync, the chain starts on $a"
lab x node1 crm_resource --clear --resource bmclinkd-clone >/dev/null 2>&1 ||
    fail "crm_resource --clear bmclinkd-clone"
wait_until 60 reg_clone_started_on "$a"
reg_wait_sync "$a" 60
reg_wait_sync "$b" 60
assert_eq "written-while-$b-was-away" "$(reg_x "$b" get "$NV" Latest)" "the write $b missed, on $b"
wait_until 90 resource_on esm-chain "$a" "$a"
settled
chain_started_as "$a" 2 START # it last ran here; the refused start on $b counted nothing
assert_true chain_all_counters_are "$a" 2
assert_eq 0 "$(members_running "$b")" "member processes on $b"
assert_eq "$n_members" "$(members_running "$a")" "member processes on $a"
assert_true reg_all_agree node1 node2
step "PASS"
