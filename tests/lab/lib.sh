# shellcheck shell=bash
# Helpers for lab integration tests. A test is a bash script tests/lab/NN-name.sh:
#
#   #!/bin/bash
#   source "$(dirname "$0")/lib.sh"
#   lab_require                 # exit 77 (skip) without root / namespaces / tools
#   lab_session 2               # lab up 2 now, lab down when the test exits
#   wait_until 30 node_state_is node2 online
#
# Exit codes: 0 pass, 1 fail, 77 skip, 99 error (set-up broke, not the feature).
# BMCLINK_LAB_KEEP=1 leaves the lab up after the test, for a post-mortem.
set -euo pipefail
shopt -s inherit_errexit

TESTS_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_LAB_DIR/../.." && pwd)
LAB=$REPO_DIR/scripts/lab/lab
LAB_DIR=${BMCLINK_LAB_DIR:-/var/lib/bmclink-lab}
# Serialises whole test scripts: there is one lab per machine.
TEST_LOCK=/run/lock/bmclink-lab.tests.lock
TEST_T0=$EPOCHREALTIME

lab() { "$LAB" "$@"; }

# t_elapsed: seconds since the test started (one decimal).
t_elapsed() { awk -v a="$TEST_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

step() { printf -- '--- [%6ss] %s\n' "$(t_elapsed)" "$*"; }
note() { printf '    %s\n' "$*"; }
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
error() { echo "ERROR: $*" >&2; exit 99; }

# --- preconditions and session ------------------------------------------------

# lab_require: skip unless we can build the lab here.
lab_require() {
    local tool
    [[ $EUID -eq 0 ]] || skip "needs root (network, PID and mount namespaces)"
    for tool in ip unshare nsenter ipmi_sim ipmitool corosync pacemakerd crm_mon flock; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
    done
    unshare --net --pid --fork --mount true 2>/dev/null || skip "no namespace support here"
}

# lab_session N: take the machine's lab for this test: lab up N now, lab down on exit.
lab_session() {
    local n=${1:-2} fd
    exec {fd}>>"$TEST_LOCK"
    flock -w 1800 "$fd" || error "another lab test holds $TEST_LOCK"
    trap lab_teardown EXIT
    lab down >/dev/null 2>&1 || true      # a clean slate: tests take the lab over
    step "lab up $n"
    lab up "$n" || error "lab up $n failed"
}

# lab_teardown: EXIT trap. On failure, print what a post-mortem needs first.
lab_teardown() {
    local rc=$?
    trap - EXIT
    if ((rc != 0 && rc != 77)) && [[ -e $LAB_DIR/lab.conf ]]; then
        echo "=== lab status at failure (rc=$rc)"
        lab status 2>&1 || true
        local n i
        n=$(sed -n 's/^NODES=//p' "$LAB_DIR/lab.conf" 2>/dev/null || echo 0)
        for ((i = 1; i <= n; i++)); do
            lab log "node$i" 2>&1 | tail -n 60 || true
        done
    fi
    if [[ ${BMCLINK_LAB_KEEP:-0} == 1 ]]; then
        echo "BMCLINK_LAB_KEEP=1: lab left up; run 'scripts/lab/lab down' when done"
    else
        lab down >/dev/null || echo "lab down failed" >&2
    fi
    exit "$rc"
}

# --- waiting and asserting ------------------------------------------------------

# wait_until TIMEOUT_S CMD...: poll CMD (every 0.2 s) until it succeeds; fail on timeout.
wait_until() {
    local timeout=$1 t0=$EPOCHREALTIME deadline
    shift
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting for: $*"
        sleep 0.2
    done
    note "ok after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s: $*"
}

assert_eq() {
    local expected=$1 actual=$2 what=${3:-value}
    [[ $expected == "$actual" ]] || fail "$what: expected '$expected', got '$actual'"
}

assert_true() { "$@" || fail "expected success: $*"; }
assert_false() { if "$@"; then fail "expected failure: $*"; fi; }

# --- looking at the cluster -------------------------------------------------------

# lab_node_count: nodes of the current lab.
lab_node_count() { sed -n 's/^NODES=//p' "$LAB_DIR/lab.conf" 2>/dev/null || echo 0; }

# any_node_except NODE: a powered node other than NODE (to look at NODE from outside).
any_node_except() {
    local i n
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        [[ node$i == "$1" ]] && continue
        if [[ $(lab power "node$i") == on ]]; then
            echo "node$i"
            return 0
        fi
    done
    return 1
}

# crm_node_state NODE [FROM]: NODE as FROM's crm_mon sees it: online, offline,
# unclean, pending or unknown. FROM defaults to another powered node.
crm_node_state() {
    local node=$1 from=${2:-} xml line
    [[ -n $from ]] || from=$(any_node_except "$node") || { echo unknown; return 0; }
    xml=$(lab x "$from" timeout 10 crm_mon -1 --output-as=xml 2>/dev/null) || { echo unknown; return 0; }
    line=$(grep "<node name=\"$node\" .*online=" <<<"$xml" | head -n 1) || true
    if [[ -z $line ]]; then
        echo unknown
    elif [[ $line == *'unclean="true"'* ]]; then
        echo unclean
    elif [[ $line == *'online="true"'* ]]; then
        echo online
    elif [[ $line == *'pending="true"'* ]]; then
        echo pending
    else
        echo offline
    fi
}

# node_state_is NODE STATE [FROM]: for wait_until.
node_state_is() { [[ $(crm_node_state "$1" "${3:-}") == "$2" ]]; }

# node_procs_gone NODE: no process left in NODE's network namespace (powered off).
node_procs_gone() {
    local i
    i=${1#node}
    [[ -z $(ip netns pids "bl-n$i" 2>/dev/null) ]]
}

# node_init_pid NODE: host PID of NODE's init (empty when off).
node_init_pid() {
    local rec pid
    rec=$LAB_DIR/$1/init.pid
    [[ $(lab power "$1") == on && -r $rec ]] || return 0
    read -r pid _ <"$rec" && echo "$pid"
}

# node_rebooted NODE OLD_INIT_PID: NODE is powered with a different init than before.
node_rebooted() {
    local now
    now=$(node_init_pid "$1")
    [[ -n $now && $now != "$2" ]]
}

# dc_node [FROM]: name of the current DC.
dc_node() {
    local from=${1:-node1}
    lab x "$from" crm_mon -1 --output-as=xml 2>/dev/null |
        sed -n 's/.*<current_dc present="true".* name="\([^"]*\)".*/\1/p'
}

# fence_succeeded NODE [FROM]: the fencing history has a successful action against NODE.
fence_succeeded() {
    local node=$1 from=${2:-}
    [[ -n $from ]] || from=$(any_node_except "$node") || return 1
    lab x "$from" stonith_admin --history "$node" --output-as=xml 2>/dev/null |
        grep -q 'status="success"'
}

# resource_started ID [FROM]: resource ID runs somewhere.
resource_started() {
    lab x "${2:-node1}" crm_mon -1 --output-as=xml 2>/dev/null |
        grep "<resource id=\"$1\"" | grep -q 'role="Started"'
}

# --- fencing set-up ------------------------------------------------------------------

# stonith_create AGENT NODE [PARAM=VALUE...]: one stonith device "fence-NODE" that
# fences NODE only, configured from another node through pcs.
stonith_create() {
    local agent=$1 node=$2 from
    shift 2
    from=$(any_node_except "$node") || error "no node to configure from"
    lab x "$from" pcs stonith create "fence-$node" "$agent" \
        pcmk_host_list="$node" "$@" || error "pcs stonith create fence-$node $agent failed"
}

# stonith_create_bmc_devices AGENT [PARAM=VALUE...]: fence-nodeI for every node, all
# through the lab BMCs with fence-agents' parameter names (ip, ipport, username,
# password_script, lanplus, cipher), so any fence_ipmilan-compatible agent fits
# (fence_ipmilan today, fence_bmclink later). The password comes from the lab's 0600
# file via password_script: never in argv, never in the CIB.
stonith_create_bmc_devices() {
    local agent=$1 n i
    shift
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        eval "$(lab bmc "node$i")"
        # shellcheck disable=SC2153 # BMC_* come from `lab bmc`
        stonith_create "$agent" "node$i" ip="$BMC_ADDR" ipport="$BMC_PORT" \
            username="$BMC_USER" password_script="cat $BMC_PASSWORD_FILE" \
            lanplus=1 cipher="$BMC_CIPHER" "$@"
    done
}

# stonith_enable [FROM]: turn fencing on (the lab starts with stonith-enabled=false).
stonith_enable() {
    lab x "${1:-node1}" crm_attribute --type crm_config --name stonith-enabled --update true \
        || error "could not enable stonith"
}

# resource_on ID NODE [FROM]: resource ID is started on NODE.
resource_on() {
    lab x "${3:-node1}" crm_resource --resource "$1" --locate 2>/dev/null |
        grep -q "is running on: $2\$"
}

# since T0: seconds since the $EPOCHREALTIME value T0 (one decimal).
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# lab_install_bmc_password: the BMC password where conf/'s examples expect it
# (/etc/bmclink/bmc-password, 0600, on every node's disk).
lab_install_bmc_password() {
    local n i
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        install -m 0600 "$LAB_DIR/secrets/bmc-password" \
            "$LAB_DIR/node$i/disk/etc/bmclink/bmc-password"
    done
}

# lab_copy_to_nodes FILE...: copy FILEs into every node's /etc/bmclink (its disk). Nodes
# have a private /tmp, so a checkout under /tmp is not visible inside them.
lab_copy_to_nodes() {
    local n i
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        install -m 0644 "$@" "$LAB_DIR/node$i/disk/etc/bmclink/"
    done
}

# stonith_from_pcs_example [FROM]: create the fence_bmclink devices exactly as
# conf/stonith-pcs.sh.example does, for the nodes of this lab.
stonith_from_pcs_example() {
    local n i devices=""
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        devices+="node$i=10.231.2.2$i "
    done
    lab_install_bmc_password
    lab_copy_to_nodes "$REPO_DIR/conf/stonith-pcs.sh.example"
    lab x "${1:-node1}" env DEVICES="$devices" sh /etc/bmclink/stonith-pcs.sh.example ||
        error "conf/stonith-pcs.sh.example failed"
}

# stonith_from_crm_example [FROM]: load conf/stonith-crm.example with crmsh (3-node lab).
stonith_from_crm_example() {
    lab_install_bmc_password
    lab_copy_to_nodes "$REPO_DIR/conf/stonith-crm.example"
    lab x "${1:-node1}" crm configure load update /etc/bmclink/stonith-crm.example ||
        error "crm configure load update conf/stonith-crm.example failed"
}

# chassis_ops NODE FROM_LINE: BMC power requests for NODE after line FROM_LINE of its log.
chassis_ops() {
    tail -n +"$(($2 + 1))" "$LAB_DIR/bmc${1#node}/chassis.log" | sed 's/^.*bmc[0-9]: //' |
        paste -sd, -
}

# chassis_lines NODE: current length of NODE's BMC power log.
chassis_lines() { wc -l <"$LAB_DIR/bmc${1#node}/chassis.log"; }
