# shellcheck shell=bash
# The campaign's fault catalogue (tests/campaign/campaign). Each fault is a function
# f_<kind> TARGET ARG: it injects the fault, waits for what the fault must cause (a fence, a
# reset, a failure seen) and undoes its cause (power on, heal, unstandby, SIGCONT); the
# campaign then settles the cluster and audits. TARGET is a node name picked by the role
# of the catalogue line; ARG a random number the fault may use. A fault returns 1 with C_WHY
# when what it must cause did not happen. It may set:
#   C_ALLOW_RESET NODE   NODE's BMC may reset it without the end notice (bmclinkd was down)
#   C_STAY               the chain must not move nor any node reboot (traps to be ignored)
#   C_PROBE              write to the chain's node's registry during the fault's hold
#
# The catalogue: kind, role (active: the node running the chain; passive: one that does
# not; any), weight, and "known" for the cluster sizes where the outcome is a documented
# defect still open (a short CI campaign leaves those out; the long one runs them).
C_CATALOGUE="
power-loss      any      3 -
standby         any      2 -
move            passive  2 -
daemon-kill     any      2 -
daemon-freeze   passive  2 -
corosync-kill   any      2 -
pcmk-kill       any      2 -
cut             any      2 -
reboot          passive  2 -
maintenance     any      2 -
vol-ro          active   2 -
vol-full        active   1 -
notice-up       active   2 -
notice-down     active   1 -
forged          active   1 -
replay          active   1 -
flood           active   1 -
bmc-lossy       any      1 -
bmc-frozen      active   1 -
"
C_HOLD_S=${CAMPAIGN_HOLD_S:-12} # how long a fault with a hold (standby, freeze...) holds
C_PCMK_DAEMONS=(pacemaker-based pacemaker-fenced pacemaker-execd pacemaker-attrd
    pacemaker-schedulerd pacemaker-controld)

# --- helpers -----------------------------------------------------------------------------

# c_fences: "now" for c_wait_fence (the fencers' logs are read by time).
c_fences() { echo "$EPOCHREALTIME"; }

# c_wait_fence T0 TIMEOUT: a fencing of any node succeeded after T0, within TIMEOUT s.
c_wait_fence() {
    local deadline=$((SECONDS + $2)) node
    while :; do
        for node in $(c_nodes); do
            [[ -z $(C_T0=$1 c_fenced_at "$node") ]] || return 0
        done
        ((SECONDS < deadline)) || { C_WHY="no fencing within $2 s"; return 1; }
        sleep 1
    done
}

# c_ipmi NODE ARGS...: ipmitool to NODE's BMC from the admin host.
c_ipmi() {
    local node=$1
    shift
    eval "$(lab bmc "$node")"
    # shellcheck disable=SC2153 # BMC_* come from `lab bmc`
    lab adm timeout 20 ipmitool -I lanplus -C 3 -H "$BMC_ADDR" -U "$BMC_USER" \
        -f "$BMC_PASSWORD_FILE" "$@"
}

# c_node_pid NODE COMM: host PID of the process COMM (15 characters at most) in NODE.
c_node_pid() {
    local p c
    for p in $(ip netns pids "bl-n${1#node}" 2>/dev/null); do
        read -r c 2>/dev/null <"/proc/$p/comm" || continue
        [[ $c == "${2:0:15}" ]] && { echo "$p"; return 0; }
    done
    return 1
}

# c_bmc_pid NODE: host PID of NODE's ipmi_sim.
c_bmc_pid() { read -r p _ <"$LAB_DIR/bmc${1#node}/ipmi_sim.pid" && echo "$p"; }

# c_wait TIMEOUT CMD...: wait_until without failing the script: 1 with C_WHY.
c_wait() {
    local timeout=$1 deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { C_WHY="timed out after ${timeout}s: $*"; return 1; }
        sleep 0.3
    done
}

c_powered_off() { [[ $(lab power "$1") == off ]]; }

# c_probe_write: one write on the node running the chain, bounded; C_PROBE_S the time.
c_probe_write() {
    local node t0 rc=0
    node=node$(c_chain_at) || { C_WHY="probe: the chain runs nowhere"; return 1; }
    t0=$EPOCHREALTIME
    reg_x "$node" --timeout 20 set "$C_WRITE_PATH/probe" p sz "$C_STEP" >/dev/null 2>&1 || rc=$?
    C_PROBE_S=$(since "$t0")
    if ((rc != 0)); then
        C_WHY="registry on $node (runs the chain) refused a write: rc $rc, state $(reg_state "$node")"
        return 1
    fi
    if awk -v t="$C_PROBE_S" -v b="$C_WRITE_BOUND_S" 'BEGIN { exit !(t > b) }'; then
        C_WHY="a write on $node (runs the chain) took ${C_PROBE_S}s (bound ${C_WRITE_BOUND_S}s)"
        return 1
    fi
}

# c_hold: hold the fault C_HOLD_S seconds, probing the registry on the chain's node.
c_hold() {
    local end=$((SECONDS + C_HOLD_S))
    lab x node1 crm_resource --wait --timeout=60s >/dev/null 2>&1 || true
    c_probe_write || return 1
    while ((SECONDS < end)); do sleep 1; done
}

# --- the faults ----------------------------------------------------------------------------

f_power-loss() { # the node loses power through its BMC (chassis power off), then back on
    local n0
    n0=$(c_fences)
    c_ipmi "$1" chassis power off >/dev/null || { C_WHY="chassis power off refused"; return 1; }
    c_wait_fence "$n0" 90 || return 1
    c_powered_off "$1" && { c_ipmi "$1" chassis power on >/dev/null || true; }
    return 0
}

# c_hold_in MODE NODE: pcs node MODE NODE (standby, maintenance), hold, then leave MODE.
c_hold_in() {
    lab x node1 pcs node "$1" "$2" || { C_WHY="pcs node $1 $2"; return 1; }
    local rc=0
    c_hold || rc=1
    lab x node1 pcs node "un$1" "$2" >/dev/null
    return "$rc"
}

f_standby() { c_hold_in standby "$1"; }         # standby, hold, unstandby
f_maintenance() { c_hold_in maintenance "$1"; } # maintenance, hold, unmaintenance

f_move() { # crm_resource --move the group to a passive node, then --clear
    lab x node1 crm_resource --move --resource esm --node "$1" >/dev/null 2>&1 ||
        { C_WHY="crm_resource --move esm $1"; return 1; }
    local rc=0
    c_wait 90 resource_on esm-chain "$1" || rc=1
    lab x node1 crm_resource --clear --resource esm >/dev/null 2>&1
    return "$rc"
}

f_daemon-kill() { # SIGKILL of bmclinkd (Pacemaker starts it again)
    reg_daemon_kill "$1" KILL || { C_WHY="no bmclinkd on $1"; return 1; }
}

f_daemon-freeze() { # SIGSTOP of bmclinkd, hold (a write on the chain's node), SIGCONT
    local pid rc=0
    pid=$(c_node_pid "$1" bmclinkd) || { C_WHY="no bmclinkd on $1"; return 1; }
    kill -STOP "$pid"
    c_hold || rc=1
    kill -CONT "$pid" 2>/dev/null
    return "$rc"
}

f_corosync-kill() { # SIGKILL of corosync: the node turns unclean and is fenced
    local n0
    n0=$(c_fences)
    lab kill "$1" || { C_WHY="lab kill $1"; return 1; }
    c_wait_fence "$n0" 90
}

f_pcmk-kill() { # SIGKILL of one Pacemaker daemon (ARG picks which)
    local d=${C_PCMK_DAEMONS[$2 % ${#C_PCMK_DAEMONS[@]}]} pid
    C_DETAIL=$d
    pid=$(c_node_pid "$1" "$d") || { C_WHY="no $d on $1"; return 1; }
    kill -KILL "$pid"
}

f_cut() { # the node's cluster link is cut until someone is fenced, then healed
    local n0 rc=0
    n0=$(c_fences)
    lab cut "$1" || { C_WHY="lab cut $1"; return 1; }
    c_wait_fence "$n0" 90 || rc=1
    lab heal "$1"
    return "$rc"
}

f_reboot() { # graceful shutdown of a passive node (the power button), then power on
    lab shutdown "$1" || { C_WHY="lab shutdown $1"; return 1; }
    c_wait 120 c_powered_off "$1" || return 1
    lab boot "$1" >/dev/null
}

f_vol-ro() { # the volume turns read-only under the running chain: ARG even, remounted
    # read-only (refused while a member writes: then as odd); odd, a real ext4 error
    # (errors=remount-ro, set at the site's set-up as conf/servicechain-pcs.sh.example says)
    local t trigger
    for ((t = 0; t < 5 && $2 % 2 == 0; t++)); do
        if lab x "$1" mount -o remount,ro "$CHAIN_MOUNT" 2>/dev/null; then
            C_DETAIL=remount
            break
        fi
        sleep 0.2
    done
    if [[ -z $C_DETAIL ]]; then
        C_DETAIL=ext4-error
        trigger=/sys/fs/ext4/${LAB_DISK_DEV##*/}/trigger_fs_error
        [[ $LAB_DISK_KIND == loop && -w $trigger ]] || { C_WHY="no $trigger"; return 1; }
        echo 1 >"$trigger" || { C_WHY="cannot write $trigger"; return 1; }
    fi
    # the chain's monitor must see it: the group is restarted (its members start again);
    # the node's failed start there (Filesystem leaves the volume mounted read-only, the
    # chain refuses it) bans it until cleaned up, as an operator does once the disk is fixed
    local rc=0
    c_wait 90 c_members_restarted "$C_T0" || rc=1
    c_wait 90 resource_started esm-chain
    lab x node1 crm_resource --cleanup --resource esm >/dev/null 2>&1
    return "$rc"
}

f_vol-full() { # the volume filled to the last block; freed once the chain reacted
    local avail rc=0
    avail=$(lab x "$1" df --output=avail -B1 "$CHAIN_MOUNT" | tail -n 1)
    lab x "$1" fallocate -l "$avail" "$CHAIN_MOUNT/campaign-fill" 2>/dev/null ||
        lab x "$1" dd if=/dev/zero of="$CHAIN_MOUNT/campaign-fill" bs=1M 2>/dev/null || true
    c_wait 90 c_members_restarted "$C_T0" || rc=1
    # free it wherever the volume is mounted now (it may have moved): through the node's
    # own root from the host, where a missing file means "not mounted here"
    local deadline=$((SECONDS + 60)) node pid freed=0
    while ((!freed && SECONDS < deadline)); do
        for node in $(c_nodes); do
            read -r pid _ 2>/dev/null <"$LAB_DIR/$node/init.pid" || continue
            if rm "/proc/$pid/root$CHAIN_MOUNT/campaign-fill" 2>/dev/null; then freed=1; fi
        done
        ((freed)) || sleep 1
    done
    ((freed)) || { C_WHY="the fill file could not be removed"; rc=1; }
    lab x node1 crm_resource --cleanup --resource esm >/dev/null 2>&1
    return "$rc"
}

# c_members_restarted T0: the sampler saw the chain's members stop (on every node) after T0.
c_members_restarted() {
    awk -v t0="$1" '$1 >= t0 && $3 == "m=-" { hit = 1 } END { exit !hit }' "$C_DIR/sample.log"
}

f_notice-up() { # a fatal fault in the chain node's BMC, bmclinkd up: evacuate, end, reset
    local n0
    n0=$(notices_mark "$1")
    lab fault "$1" >/dev/null || { C_WHY="lab fault $1"; return 1; }
    c_wait 90 notices_has "$1" "$n0" 'reset reason=' || return 1
}

f_notice-down() { # the same with bmclinkd frozen: the BMC resets the node on its own
    local n0 pid
    pid=$(c_node_pid "$1" bmclinkd) || { C_WHY="no bmclinkd on $1"; return 1; }
    C_ALLOW_RESET=$1
    n0=$(notices_mark "$1")
    kill -STOP "$pid"
    lab fault "$1" >/dev/null || { kill -CONT "$pid"; C_WHY="lab fault $1"; return 1; }
    c_wait 90 notices_has "$1" "$n0" 'reset reason=' || { kill -CONT "$pid"; return 1; }
}

# c_trap_conf: snmp.conf directories for the right and a wrong community (secrets in files).
c_trap_conf() {
    [[ -n ${C_SNMP_GOOD:-} ]] && return 0
    TMPDIR=$C_DIR
    C_SNMP_GOOD=$(snmp_conf_dir "community:$LAB_DIR/secrets/trap-community")
    printf 'not-the-community' >"$C_DIR/junk-community"
    C_SNMP_BAD=$(snmp_conf_dir "community:$C_DIR/junk-community")
}

c_trap_target() { echo "10.231.2.1${1#node}:1162"; }

f_forged() { # fatal PETs: the right community from the admin host, a wrong one from the BMC
    C_STAY=1
    c_trap_conf
    if ! send_pet bl-adm "$C_SNMP_GOOD" "$(c_trap_target "$1")" $((40000 + C_STEP)) 0x20 ||
        ! send_pet "bl-b${1#node}" "$C_SNMP_BAD" "$(c_trap_target "$1")" $((40000 + C_STEP)) 0x20; then
        C_WHY="snmptrap failed"
        return 1
    fi
    sleep 3
}

f_replay() { # a non-critical notice and its clearing, then a fatal PET stamped 1 h earlier
    local t ns=bl-b${1#node} seq=$((50000 + 3 * C_STEP))
    t=$(c_trap_target "$1")
    C_STAY=1
    c_trap_conf
    if ! send_pet "$ns" "$C_SNMP_GOOD" "$t" "$seq" 0x08 ||
        ! PET_DEASSERT=1 send_pet "$ns" "$C_SNMP_GOOD" "$t" $((seq + 1)) 0x08 ||
        ! send_pet "$ns" "$C_SNMP_GOOD" "$t" $((seq + 2)) 0x20 3600; then
        C_WHY="snmptrap failed"
        return 1
    fi
    sleep 3
}

f_flood() { # junk PETs from the BMC's own address: 3000 at 1000/s (trap_blast), or 300
    C_STAY=1
    c_trap_conf
    if [[ -n $C_BLAST ]]; then
        ip netns exec "bl-b${1#node}" "$C_BLAST" --target "$(c_trap_target "$1")" --count 3000 \
            --rate 1000 --kind pet --community-file "$C_DIR/junk-community" >/dev/null ||
            { C_WHY="trap_blast failed"; return 1; }
    else # (a build without -DBMCLINK_BUILD_BENCH=ON): snmptrap, 30 at a time
        # (waiting on these PIDs only: a bare `wait` also waits for the registry writers,
        # which run until the campaign ends, and hung the CI's short campaign)
        local k pids=()
        for ((k = 0; k < 300; k++)); do
            send_pet "bl-b${1#node}" "$C_SNMP_BAD" "$(c_trap_target "$1")" $((k + 1)) 0x20 &
            pids+=("$!")
            if ((${#pids[@]} == 30)); then
                wait "${pids[@]}" 2>/dev/null || true
                pids=()
            fi
        done
        ((${#pids[@]} == 0)) || wait "${pids[@]}" 2>/dev/null || true
    fi
    sleep 2
}

f_bmc-lossy() { # the BMC's LAN drops and delays (ipmi_sim stopped 0.3 s of every 0.5 s)
    local pid end=$((SECONDS + C_HOLD_S + 8))
    # no netem in this kernel, no nft/iptables: a BMC that is stopped most of the time
    # answers late or, once the client gave up, not at all
    pid=$(c_bmc_pid "$1") || { C_WHY="no ipmi_sim for $1"; return 1; }
    while ((SECONDS < end)); do
        kill -STOP "$pid"
        sleep 0.3
        kill -CONT "$pid"
        sleep 0.2
    done
}

f_bmc-frozen() { # the chain's node is lost while its BMC is frozen: fencing fails until thawed
    local pid n0 rc=0
    pid=$(c_bmc_pid "$1") || { C_WHY="no ipmi_sim for $1"; return 1; }
    n0=$(c_fences)
    kill -STOP "$pid"
    lab kill "$1" || { kill -CONT "$pid"; C_WHY="lab kill $1"; return 1; }
    sleep 25 # fencing times out meanwhile; the chain must stay down (audited after)
    if c_wait_fence "$n0" 0 2>/dev/null; then C_WHY="a fencing succeeded against a frozen BMC"; rc=1; fi
    kill -CONT "$pid"
    c_wait_fence "$n0" 120 || rc=1
    return "$rc"
}
