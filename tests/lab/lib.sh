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
# Under pipefail `cmd | grep -q X` fails when grep exits at the first match and cmd then
# dies of SIGPIPE: tests write `cmd | grep X >/dev/null`, which reads everything.
shopt -s inherit_errexit

TESTS_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_LAB_DIR/../.." && pwd)
LAB=$REPO_DIR/scripts/lab/lab
LAB_DIR=${BMCLINK_LAB_DIR:-/var/lib/bmclink-lab}
# Serialises whole test scripts: there is one lab per machine.
TEST_LOCK=/run/lock/bmclink-lab.tests.lock
TEST_T0=$EPOCHREALTIME

# The lab and everything it starts (nodes, `lab x` commands left running) must not
# inherit the test lock, or a stray process would hold it after the test.
TEST_LOCK_FD=
lab() {
    if [[ -n $TEST_LOCK_FD ]]; then
        "$LAB" "$@" {TEST_LOCK_FD}>&-
    else
        "$LAB" "$@"
    fi
}

# t_elapsed: seconds since the test started (one decimal).
t_elapsed() { awk -v a="$TEST_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

step() { printf -- '--- [%6ss] %s\n' "$(t_elapsed)" "$*"; }
note() { printf '    %s\n' "$*"; }
skip() { echo "SKIP: $*"; exit 77; }
# A skip is for what this machine cannot do (no root, no namespaces). A missing tool or an
# agent not installed is a set-up that broke: an error naming it (scripts/setup.sh installs
# every package the tests use).
fail() { echo "FAIL: $*" >&2; exit 1; }
error() { echo "ERROR: $*" >&2; exit 99; }

# --- preconditions and session ------------------------------------------------

# need_cmd CMD [WHAT]: CMD is on the PATH, or the test errors naming it (and WHAT brings it).
need_cmd() {
    command -v "$1" >/dev/null || error "$1 is not installed${2:+ ($2)}"
}

# lab_require: skip where the machine cannot build the lab; error when a tool is missing.
lab_require() {
    local tool
    [[ $EUID -eq 0 ]] || skip "needs root (network, PID and mount namespaces)"
    unshare --net --pid --fork --mount true 2>/dev/null || skip "no namespace support here"
    for tool in ip unshare nsenter ipmi_sim ipmitool corosync pacemakerd crm_mon flock; do
        need_cmd "$tool" "scripts/setup.sh installs it"
    done
}

# lab_session N: take the machine's lab for this test: lab up N now, lab down on exit.
lab_session() {
    local n=${1:-2}
    exec {TEST_LOCK_FD}>>"$TEST_LOCK"
    flock -w 1800 "$TEST_LOCK_FD" || error "another lab test holds $TEST_LOCK"
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
        if ((SECONDS >= deadline)); then
            cluster_why "$@" >&2 || true
            fail "timed out after ${timeout}s waiting for: $*"
        fi
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

# xml_attr NAME LINE: the value of attribute NAME in one XML element LINE.
# Pacemaker escapes an exit reason once more before it is an attribute (&amp;apos;): two
# rounds of decoding give the text.
xml_attr() {
    local unescape="s/&apos;/'/g; s/&quot;/\"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\\&/g"
    sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$2" | sed "$unescape" | sed "$unescape"
}

# cluster_why [PREDICATE ARGS...]: after a wait failed, what Pacemaker says: the state of
# the resource a resource_* predicate names (with the other members of its group or clone),
# then every operation that ended with an exit reason, probes included ("fs_monitor_0 on
# node1: not installed (Setup problem: couldn't find command: modprobe)": crm_mon lists no
# failure for a probe that says "not installed", it only keeps the resource off that node).
# Prints nothing without a powered node.
cluster_why() {
    local from xml id=
    if [[ ${1:-} == resource_* ]]; then id=${2:-}; fi
    [[ -e $LAB_DIR/lab.conf ]] || return 0
    from=$(any_node_except none) || return 0
    echo "=== what Pacemaker says (from $from)"
    if [[ -n $id ]]; then
        xml=$(lab x "$from" timeout 10 crm_mon -1 -r --output-as=xml 2>/dev/null) || xml=
        resource_states "$id" <<<"$xml"
    fi
    lab x "$from" timeout 10 cibadmin --query --scope status 2>/dev/null | ops_with_reason
    return 0
}

# resource_states ID < crm_mon XML: "resource R: role=... failed=... blocked=... [on NODES]"
# for ID, or for every member of the group, clone or bundle ID is or belongs to.
resource_states() {
    awk -v id="$1" '
        function attr(n) { return match($0, " " n "=\"[^\"]*\"") ?
                               substr($0, RSTART + length(n) + 3, RLENGTH - length(n) - 4) : "" }
        function close_res() {
            if (r == "") return
            line = r (on == "" ? "" : " on " on)
            if (depth == 0) { if (rid == id) print line } else { buf = buf line "\n"; if (rid == id) hit = 1 }
            r = ""; on = ""
        }
        /<(group|clone|bundle) / { close_res(); if (depth++ == 0) { buf = ""; hit = (attr("id") == id) }; next }
        /<node name=/ && r != "" { on = on (on == "" ? "" : ",") attr("name"); next }
        /<resource / { close_res(); rid = attr("id")
            r = "resource " rid ": role=" attr("role") " failed=" attr("failed") " blocked=" attr("blocked") }
        /<\/(group|clone|bundle)>/ { close_res(); if (--depth == 0 && hit) printf "%s", buf }
        END { close_res() }'
}

# ops_with_reason < CIB status XML: every recorded operation with an exit reason, with its
# node and result.
ops_with_reason() {
    local line rc
    grep '<lrm_rsc_op ' | grep -v 'exit-reason=""' | grep 'exit-reason=' | while read -r line; do
        rc=$(xml_attr rc-code "$line")
        case $rc in
        1) rc="error" ;; 2) rc="invalid parameter" ;; 3) rc="unimplemented" ;;
        4) rc="insufficient privileges" ;; 5) rc="not installed" ;; 6) rc="not configured" ;;
        7) rc="not running" ;; *) rc="rc $rc" ;;
        esac
        printf 'failed: %s on %s: %s (%s)\n' "$(xml_attr operation_key "$line")" \
            "$(xml_attr on_node "$line")" "$rc" "$(xml_attr exit-reason "$line")"
    done | awk '!seen[$0]++'   # an operation is both a resource's last and its last failure
}

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
        grep 'status="success"' >/dev/null
}

# resource_started ID [FROM]: resource ID runs somewhere.
resource_started() {
    lab x "${2:-node1}" crm_mon -1 --output-as=xml 2>/dev/null |
        grep "<resource id=\"$1\"" | grep 'role="Started"' >/dev/null
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
        grep "is running on: $2\$" >/dev/null
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

# --- the service chain on the shared disk (tests 3x) ---------------------------------
# Inside every node: the members' program in /var/lib/bmclink/bin, chain files in
# /etc/bmclink/chains, the folders' install-time copies, the volume's mount point; the
# members count into the "work" folder, which is bound from the volume while the chain runs.
CHAIN_NAME=esm-lab
CHAIN_MOUNT=/var/lib/bmclink/esm-vol
CHAIN_WORK=/var/lib/bmclink/esm/work
CHAIN_DB=/var/lib/bmclink/esm/db
# shellcheck disable=SC2034 # the servicechain folders parameter, for the tests
CHAIN_FOLDERS="work=$CHAIN_WORK db=$CHAIN_DB"
CHAIN_BIN=/var/lib/bmclink/bin/bl-test-member
CHAIN_RUN=/run/esm

# chain_require: skip unless the agent, bmclink, bl-test-member (with --tick) and
# ocf:heartbeat:Filesystem are there. BL_TEST_MEMBER names the member binary; else the
# newest build*/tests/bl-test-member of the checkout.
chain_require() {
    local m
    [[ -x /usr/lib/ocf/resource.d/bmclink/servicechain ]] ||
        error "ocf:bmclink:servicechain is not installed (cmake --install)"
    need_cmd bmclink "cmake --install"
    [[ -x /usr/lib/ocf/resource.d/heartbeat/Filesystem ]] ||
        error "ocf:heartbeat:Filesystem is missing (resource-agents)"
    need_cmd mkfs.ext4 e2fsprogs
    # shellcheck disable=SC2012 # build directory names are ours
    m=${BL_TEST_MEMBER:-$(ls -t "$REPO_DIR"/build*/tests/bl-test-member 2>/dev/null | head -n 1)}
    [[ -n $m && -x $m ]] || error "no bl-test-member built (set BL_TEST_MEMBER)"
    grep -q -a -- tick "$m" || error "$m predates --tick; rebuild it"
    BL_TEST_MEMBER=$m
}

# chain_install_nodes PROFILE: on every node's disk, the member binary, the chain
# ($CHAIN_NAME: PROFILE's members mapped onto bl-test-member by make-chain.sh, and a site
# file that edits Nvbase in place to count while it runs), folders and mount point.
chain_install_nodes() {
    local profile=$1 n i disk gen
    gen=$("$REPO_DIR/tests/tools/members/make-chain.sh" bmclink "$profile" "$CHAIN_BIN" \
        "$CHAIN_RUN" "$CHAIN_WORK") || error "make-chain.sh $profile failed"
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        disk=$LAB_DIR/node$i/disk
        install -d "$disk/etc/bmclink/chains" "$disk${CHAIN_BIN%/*}" "$disk$CHAIN_MOUNT" \
            "$disk$CHAIN_WORK" "$disk$CHAIN_DB"
        install -m 0755 "$BL_TEST_MEMBER" "$disk$CHAIN_BIN"
        printf '%s\n' "$gen" >"$disk/etc/bmclink/chains/$CHAIN_NAME-members.chain"
        cat >"$disk/etc/bmclink/chains/$CHAIN_NAME.chain" <<EOC
# $profile on bl-test-member; Nvbase also counts ticks on the volume while it runs.
[chain]
name = $CHAIN_NAME
include = $CHAIN_NAME-members

[member Nvbase]
command = $CHAIN_BIN --name Nvbase --dir $CHAIN_WORK --pidfile $CHAIN_RUN/Nvbase.pid --tick 100

# The site's choice (the profile has no optional member): a failure of these two leaves the
# chain degraded, not failed (test 30 kills DmiEventWatcher for that).
[member DmiEventWatcher]
optional = true

[member EsmTrapRedirection]
optional = true
EOC
        echo "installed on node$i" >"$disk$CHAIN_WORK/install.txt"
    done
    lab x node1 bmclink chain check "$CHAIN_NAME" || error "bmclink chain check $CHAIN_NAME failed"
}

# chain_node [FROM]: the node the chain resource runs on (empty if none).
chain_node() {
    lab x "${1:-node1}" crm_resource --resource esm-chain --locate 2>/dev/null |
        sed -n 's/.*is running on: \(node[0-9]\)$/\1/p' | head -n 1
}

# other_node NODE: the other node of a 2-node lab.
other_node() { if [[ $1 == node1 ]]; then echo node2; else echo node1; fi; }

# chain_file NODE FILE: FILE of the members' work folder as NODE sees it.
chain_file() { lab x "$1" cat "$CHAIN_WORK/$2" 2>/dev/null; }

# chain_last NODE MEMBER: the last line of MEMBER's log (on the volume, through the bind).
chain_last() { lab x "$1" tail -n 1 "$CHAIN_WORK/$2.log" 2>/dev/null; }

# chain_ticks NODE: Nvbase's running counter.
chain_ticks() { chain_file "$1" Nvbase.ticks || echo 0; }

# ticks_above NODE N: Nvbase's running counter on NODE went past N.
ticks_above() { (($(chain_ticks "$1") > $2)); }

# chain_member_pid NODE MEMBER: MEMBER's PID inside NODE (from its pidfile).
chain_member_pid() { lab x "$1" cat "$CHAIN_RUN/$2.pid" 2>/dev/null; }

# log_field LINE KEY: the value of KEY=value in a member's log line.
log_field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# chain_counters NODE: "MEMBER=N ..." start counters of every member.
chain_counters() {
    # shellcheck disable=SC2016 # expanded inside the node
    lab x "$1" sh -c 'cd "$1" && for f in *.counter; do printf "%s=%s " "${f%.counter}" "$(cat "$f")"; done' \
        sh "$CHAIN_WORK"
}

# chain_all_counters_are NODE N: every member has started N times.
chain_all_counters_are() {
    local c
    for c in $(chain_counters "$1"); do
        [[ ${c#*=} == "$2" ]] || return 1
    done
}

# --- the volume is never mounted on two nodes at once --------------------------------
# A watcher on the host reads every node's mount table (/proc/<node init>/mountinfo: the
# node's own mount namespace) every 20 ms and logs each change of who has DIR mounted.
# It ends by itself with the test's shell.

# volume_watch_start DIR
volume_watch_start() {
    VOLUME_WATCH_LOG=$(mktemp)
    volume_watch_loop "$1" "$$" >"$VOLUME_WATCH_LOG" 2>/dev/null &
    VOLUME_WATCH_PID=$!
}

# volume_watch_loop DIR TEST_PID: the watcher's loop (a background subshell). Only shell
# built-ins in the loop (mapfile, read -t on a pipe that never speaks as the pause): it
# costs no process per round on the 2 cores the cluster also needs.
volume_watch_loop() {
    local dir=$1 test_pid=$2 n i pid now prev=unset pause lines=()
    n=$(lab_node_count)
    exec {pause}<> <(:)
    while [[ -e /proc/$test_pid ]]; do
        now=""
        for ((i = 1; i <= n; i++)); do
            read -r pid _ <"$LAB_DIR/node$i/init.pid" 2>/dev/null || continue
            mapfile -t lines <"/proc/$pid/mountinfo" 2>/dev/null || continue
            if [[ " ${lines[*]} " == *" $dir "* ]]; then now+=" node$i"; fi
        done
        if [[ $now != "$prev" ]]; then
            echo "$EPOCHREALTIME ${now:- -}"
            prev=$now
        fi
        read -r -t 0.02 -u "$pause" _ || true
    done
}

# volume_watch_stop: stop the watcher; print what it saw; fail if DIR was ever mounted
# on two nodes at once.
volume_watch_stop() {
    kill "$VOLUME_WATCH_PID" 2>/dev/null || true
    wait "$VOLUME_WATCH_PID" 2>/dev/null || true
    note "who had the volume mounted: $(awk '{ $1 = ""; print }' "$VOLUME_WATCH_LOG" | paste -sd'|' -)"
    if awk 'NF > 2 { bad = 1 } END { exit !bad }' "$VOLUME_WATCH_LOG"; then
        cat "$VOLUME_WATCH_LOG" >&2
        fail "the volume was mounted on two nodes at once"
    fi
}

# volume_watch_saw NODE...: the watcher saw the volume mounted on these nodes, in this order.
volume_watch_saw() {
    local want seen
    want=$(printf '%s,' "$@")
    seen=$(awk 'NF == 2 && $2 != "-" { print $2 }' "$VOLUME_WATCH_LOG" | uniq | paste -sd, -)
    [[ $seen, == "$want" ]]
}

# fail_count RESOURCE NODE [FROM]: Pacemaker's fail count of RESOURCE on NODE.
fail_count() {
    lab x "${3:-node1}" crm_failcount --query --resource "$1" --node "$2" 2>/dev/null |
        sed -n 's/.*value=\([0-9A-Za-z]*\).*/\1/p'
}

# chain_lab_session N: skip unless the chain can run in the lab; lab up N with the shared
# disk; LAB_DISK_KIND, _DEV, _FSTYPE, _OPTIONS of `lab disk env` set.
chain_lab_session() {
    lab_require
    chain_require
    need_cmd fence_bmclink "cmake --install"
    BMCLINK_LAB_DISK=1 lab_session "$1"
    eval "$(lab disk env)"
    [[ $LAB_DISK_KIND == loop ]] ||
        note "NO LOOP DEVICE HERE: the volume is a bind-mounted directory, not a block device"
}

# chain_started_as NODE N MODE: every member's last log line on NODE is its start #N, as
# MODE (START or FAILOVER) on NODE.
chain_started_as() {
    local node=$1 n=$2 mode=$3 m line
    for m in $(chain_counters "$node"); do
        m=${m%%=*}
        line="$(chain_last "$node" "$m") "
        [[ $line == *" start #$n "*" mode=$mode node=$node "* ]] ||
            fail "$m: expected start #$n as $mode on $node, last line: $line"
    done
}

# chain_resumed NODE N: Nvbase's running counter at its start #N (last line on NODE)
# is exactly where run N-1 stopped (its stop line); sets CHAIN_START_TICKS.
chain_resumed() {
    local node=$1 n=$2 stop_line start_line
    stop_line=$(lab x "$node" grep " stop #$((n - 1)) " "$CHAIN_WORK/Nvbase.log") ||
        fail "Nvbase logged no stop #$((n - 1))"
    start_line=$(chain_last "$node" Nvbase)
    note "$stop_line"
    note "$start_line"
    CHAIN_START_TICKS=$(log_field "$start_line" ticks)
    assert_eq "$(log_field "$stop_line" ticks)" "$CHAIN_START_TICKS" \
        "Nvbase's running counter at start #$n (vs at stop #$((n - 1)))"
}

# chain_first_start: the new group started somewhere: every member's first start as
# START, the running counter grows. Sets CHAIN_ON (that node) and CHAIN_OTHER.
chain_first_start() {
    local t
    wait_until 30 resource_started esm-chain
    CHAIN_ON=$(chain_node node1)
    # shellcheck disable=SC2034 # for the tests
    CHAIN_OTHER=$(other_node "$CHAIN_ON")
    note "the chain runs on $CHAIN_ON"
    chain_started_as "$CHAIN_ON" 1 START
    assert_true chain_all_counters_are "$CHAIN_ON" 1
    t=$(chain_ticks "$CHAIN_ON")
    wait_until 10 ticks_above "$CHAIN_ON" $((t + 5))
}

# --- figures from Pacemaker's own log (exact to the ms, unlike a poll) ------------------

# pcmk_log_mark NODE: the current length of NODE's pacemaker.log, for pcmk_log_time.
pcmk_log_mark() { wc -l <"$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log"; }

# pcmk_log_time NODE MARK TEXT: the time (epoch seconds) of the first line after MARK in
# NODE's pacemaker.log that contains TEXT (the host and the nodes share one clock).
pcmk_log_time() {
    local line
    line=$(tail -n +"$(($2 + 1))" "$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log" |
        grep -m 1 -F -- "$3") || return 1
    date -d "${line:0:19}" +%s.%N    # "Nov 21 07:11:06.092"
}

# seconds_between T0 T1: T1 - T0, two decimals.
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# pcmk_log_since NODE MARK T0 TEXT: seconds from T0 to the first line with TEXT after MARK
# in NODE's pacemaker.log, waiting up to 10 s for the line (the log is written after the
# CIB tells the world).
pcmk_log_since() {
    local t deadline=$((SECONDS + 10))
    until t=$(pcmk_log_time "$1" "$2" "$4"); do
        ((SECONDS < deadline)) || fail "no '$4' in $1's pacemaker.log"
        sleep 0.2
    done
    seconds_between "$3" "$t"
}

# chain_started_after NODE MARK T0: seconds from T0 to the chain's start on NODE after MARK.
chain_started_after() {
    pcmk_log_since "$1" "$2" "$3" "Result of start operation for esm-chain on $1: ok"
}
