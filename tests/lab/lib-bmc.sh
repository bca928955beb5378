# shellcheck shell=bash
# Helpers for the BMCNOTICE and heartbeat lab tests (tests/lab/5x-*.sh), sourced after lib.sh.
#
# The lab BMCs run the bmcsim plug-in (lab up with BMCLINK_LAB_BMCSIM): a fault injected
# with `lab fault NODE` makes NODE's BMC send its PET to NODE. On the nodes, bmclinkd's BMC
# side runs as bmc_driver (monitor/bmc_driver: trap receiver, heartbeat, recovery) started
# as a boot hook, until the daemon wires those modules; the tests then switch to bmclinkd.
#
# Found in $BMCLINK_BUILD_DIR, build/ or build-bmc/ (BMCLINK_BMC_DRIVER and
# BMCLINK_LAB_BMCSIM override); a test skips (77) when they are not built.

BMC_DRIVER=${BMCLINK_BMC_DRIVER:-}
BMCSIM_SO=${BMCLINK_LAB_BMCSIM:-}
BMC_CONF=/etc/bmclink/bmclink.conf
BMC_HOOK=/etc/bmclink/lab-boot.d/50-bmc-driver
BMC_DRIVER_NODE=/var/lib/bmclink/bin/bmc_driver # the driver's copy on each node's disk
BMC_DRIVER_LOG=/var/log/bmclink/bmc-driver.log
BMC_DRIVER_PID=/run/bmc-driver.pid # the node's private /run: gone at power off

# bmc_require: lab_require, plus the driver, the plug-in and snmptrap.
bmc_require() {
    local b
    lab_require
    for b in "${BMCLINK_BUILD_DIR:-}" "$REPO_DIR/build" "$REPO_DIR/build-bmc"; do
        [[ -n $b ]] || continue
        [[ -z $BMC_DRIVER && -x $b/monitor/bmc_driver ]] && BMC_DRIVER=$b/monitor/bmc_driver
        [[ -z $BMCSIM_SO && -f $b/tests/bmcsim.so ]] && BMCSIM_SO=$b/tests/bmcsim.so
    done
    [[ -n $BMC_DRIVER && -x $BMC_DRIVER ]] ||
        skip "bmc_driver is not built (set BMCLINK_BUILD_DIR or BMCLINK_BMC_DRIVER)"
    [[ -n $BMCSIM_SO && -f $BMCSIM_SO ]] ||
        skip "bmcsim.so is not built (set BMCLINK_BUILD_DIR or BMCLINK_LAB_BMCSIM)"
    command -v snmptrap >/dev/null || skip "snmptrap is not installed"
    BMC_DRIVER=$(readlink -f "$BMC_DRIVER")
    export BMCLINK_LAB_BMCSIM=$BMCSIM_SO
    note "driver $BMC_DRIVER, BMC plug-in $BMCSIM_SO"
}

# bmc_conf_write [GROUP.KEY=VALUE...]: bmclink.conf (0600) on every node's disk: each node's
# trap intake ([trap-node nodeI]: its management address :1162, its BMC, the lab's trap
# community), IPMI access to every BMC ([bmc]), [heartbeat] and [recovery] with the lab's
# defaults; the arguments add or override keys ("recovery.timeout_ms=9000",
# "trap-node node1.v3_user=bmcnotice"). Also the BMC password file.
bmc_conf_write() {
    local n i kv k group groups=(trap) community
    local -A v=(
        [bmc.username]=admin [bmc.password_file]=/etc/bmclink/bmc-password
        [heartbeat.interval_ms]=1000 [heartbeat.misses]=3
        [recovery.action]=failover [recovery.target]=grp [recovery.timeout_ms]=15000
        [recovery.poll_ms]=200 [recovery.reset_window_ms]=30000
        [recovery.clear_after_ms]=60000
    )
    n=$(lab_node_count)
    community=$(<"$LAB_DIR/secrets/trap-community")
    for ((i = 1; i <= n; i++)); do
        groups+=("trap-node node$i")
        v["trap-node node$i.address"]=10.231.2.1$i:1162
        v["trap-node node$i.bmc"]=10.231.2.2$i
        v["trap-node node$i.community"]=$community
    done
    groups+=(bmc heartbeat health recovery)
    for kv in "$@"; do
        k=${kv%%=*}
        v[$k]=${kv#*=}
    done
    lab_install_bmc_password
    for ((i = 1; i <= n; i++)); do
        install -m 600 /dev/null "$LAB_DIR/node$i/disk$BMC_CONF" # it holds secrets
        (
            echo "# Written by tests/lab/lib-bmc.sh"
            for group in "${groups[@]}"; do
                printf '[%s]\n' "$group"
                for k in "${!v[@]}"; do
                    if [[ ${k%.*} == "$group" ]]; then
                        printf '%s = %s\n' "${k##*.}" "${v[$k]}"
                    fi
                done
            done
        ) >"$LAB_DIR/node$i/disk$BMC_CONF"
    done
}

# driver_log NODE: the driver's output as the host sees it (on the node's disk).
driver_log() { echo "$LAB_DIR/$1/disk$BMC_DRIVER_LOG"; }

# driver_mark NODE: lines in NODE's driver log now (look only at what comes after).
driver_mark() {
    local f
    f=$(driver_log "$1")
    if [[ -r $f ]]; then wc -l <"$f"; else echo 0; fi
}

# driver_since NODE MARK: the driver's lines after MARK.
driver_since() { tail -n +"$(($2 + 1))" "$(driver_log "$1")" 2>/dev/null; }

# driver_has NODE MARK REGEX: a line after MARK matches.
driver_has() { driver_since "$1" "$2" | grep -qE "$3"; }

# driver_field NODE MARK REGEX FIELD: FIELD=value of the first line after MARK matching REGEX.
driver_field() {
    driver_since "$1" "$2" | grep -E "$3" | head -n 1 | tr ' ' '\n' | sed -n "s/^$4=//p"
}

# bmc_driver_start NODE...: install the driver as NODE's boot hook and start it now;
# waits until it listens.
bmc_driver_start() {
    local node m hook
    for node in "$@"; do
        hook=$LAB_DIR/$node/disk$BMC_HOOK
        install -d -m 755 "$(dirname "$hook")" "$LAB_DIR/$node/disk/var/log/bmclink"
        # Nodes have a private /tmp: the driver travels on the node's disk, not from the
        # checkout (which may live under /tmp).
        install -D -m 755 "$BMC_DRIVER" "$LAB_DIR/$node/disk$BMC_DRIVER_NODE"
        cat >"$hook" <<EOF
#!/bin/sh
# bmclinkd's BMC side (tests/lab/lib-bmc.sh), restarted at every boot of $node.
echo \$\$ >$BMC_DRIVER_PID
exec $BMC_DRIVER_NODE -c $BMC_CONF -n $node >>$BMC_DRIVER_LOG 2>&1
EOF
        chmod 755 "$hook"
        m=$(driver_mark "$node")
        # Detached, and without our descriptors: an inherited test lock would outlive us.
        # shellcheck disable=SC2016 # expanded by the bash inside the node
        lab x "$node" setsid -f bash -c 'for f in /proc/$$/fd/*; do f=${f##*/}
            ((f > 2)) && eval "exec $f>&-"; done 2>/dev/null; exec "$0"' "$BMC_HOOK" \
            </dev/null >/dev/null 2>&1
        wait_until 20 driver_has "$node" "$m" '^ready '
    done
}

# driver_ready_after_boot NODE MARK: the boot hook started the driver again after MARK.
driver_ready_after_boot() { driver_has "$1" "$2" '^ready '; }

# notices_log NODE / notices_mark NODE / notices_since NODE MARK: NODE's BMC's notice log.
notices_log() { echo "$LAB_DIR/bmc${1#node}/notices.log"; }
notices_mark() { wc -l <"$(notices_log "$1")"; }
notices_since() { tail -n +"$(($2 + 1))" "$(notices_log "$1")"; }
notices_has() { notices_since "$1" "$2" | grep -qE "$3"; }

# notices_stamp NODE MARK REGEX: monotonic ms of the first notice-log line after MARK.
notices_stamp() { notices_since "$1" "$2" | grep -E "$3" | head -n 1 | cut -d' ' -f1; }

# notices_events NODE MARK: the BMC's events after MARK, as "event event ...".
notices_events() { notices_since "$1" "$2" | awk '{ print $2 }' | paste -sd' ' -; }

# node_attr NODE NAME [FROM]: transient attribute NAME of NODE (empty when not set).
node_attr() {
    lab x "${3:-$(any_node_except "$1")}" attrd_updater -Q -n "$2" -N "$1" 2>/dev/null |
        sed -n 's/.* value="\([^"]*\)".*/\1/p'
}

# node_attr_is NODE NAME VALUE [FROM]: for wait_until.
node_attr_is() { [[ $(node_attr "$1" "$2" "${4:-}") == "$3" ]]; }

# cib_constraints [FROM]: the constraints section (no ban or move may appear in it).
cib_constraints() { lab x "${1:-node1}" cibadmin --query --scope constraints; }

# group_create NAME NODE [FROM]: a two-member Dummy group preferring NODE.
group_create() {
    local from=${3:-node1}
    lab x "$from" pcs resource create "$1-a" ocf:heartbeat:Dummy --group "$1" >/dev/null
    lab x "$from" pcs resource create "$1-b" ocf:heartbeat:Dummy --group "$1" >/dev/null
    lab x "$from" pcs constraint location "$1" prefers "$2=100" >/dev/null
}

# evacuate_rule TARGET [FROM]: the location rule of conf/pcmk-bmcnotice.pcs.sh.example.
evacuate_rule() {
    lab_copy_to_nodes "$REPO_DIR/conf/pcmk-bmcnotice.pcs.sh.example"
    lab x "${2:-node1}" env TARGET="$1" HEALTH=no DAEMON=no \
        sh /etc/bmclink/pcmk-bmcnotice.pcs.sh.example ||
        error "conf/pcmk-bmcnotice.pcs.sh.example failed"
}

# wall_ms TEXT: epoch ms of a "Nov 21 07:13:42.976" or "2026-11-21 07:13:43.207" stamp.
wall_ms() { date -d "$1" +%s%3N; }

# started_wall_ms NODE RSC...: epoch ms when the last of RSC... started on NODE, from NODE's
# own pacemaker.log (the controller's "Result of start operation ... ok" lines).
started_wall_ms() { op_wall_ms start "$@"; }

# op_wall_ms OP NODE RSC...: the same for the last OP (start, stop) of RSC... on NODE.
op_wall_ms() {
    local op=$1 node=$2 rsc line t max=0
    shift 2
    for rsc in "$@"; do
        line=$(grep "Result of $op operation for $rsc on $node: ok" \
            "$LAB_DIR/$node/disk/var/log/pacemaker/pacemaker.log" | tail -n 1)
        [[ -n $line ]] || return 1
        t=$(wall_ms "$(cut -c1-19 <<<"$line")")
        ((t > max)) && max=$t
    done
    echo "$max"
}

# power_off_wall_ms NODE FROM_LINE: epoch ms of NODE's BMC's first power-off after FROM_LINE
# of its chassis log.
power_off_wall_ms() {
    local line
    line=$(tail -n +"$(($2 + 1))" "$LAB_DIR/bmc${1#node}/chassis.log" | grep -m1 'set power 0')
    [[ -n $line ]] && wall_ms "$(cut -c1-23 <<<"$line")"
}

# pet_hex SEQ SEVERITY [AGE_S]: a PET record (46 bytes and the 0xC1 end of OEM fields) in
# hex, stamped AGE_S seconds ago: processor sensor, assertion, event source 0x20.
pet_hex() {
    local ts=$(($(date +%s) - 883612800 - ${3:-0}))
    printf '%032x%04x%08xffff2020%02x20000000%s000000000000c1' 0 "$1" "$ts" "$2" 00ffffffffffffff
}

# snmp_conf_dir KIND: a 0600 snmp.conf for snmptrap holding the secrets (never on argv):
# KIND community:<file> or v3:<user>:<auth pass>:<priv pass>. Prints the directory.
snmp_conf_dir() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/bl-snmp.XXXXXX")
    chmod 700 "$dir"
    case $1 in
    community:*) printf 'defCommunity %s\n' "$(<"${1#community:}")" ;;
    v3:*)
        IFS=: read -r _ user auth priv <<<"$1"
        printf 'defSecurityName %s\ndefAuthType SHA\ndefPrivType AES\n' "$user"
        printf 'defAuthPassphrase %s\ndefPrivPassphrase %s\n' "$auth" "$priv" ;;
    esac >"$dir/snmp.conf"
    chmod 600 "$dir/snmp.conf"
    echo "$dir"
}

# send_pet NETNS CONF_DIR TARGET SEQ SEVERITY [AGE_S] [V3 ARGS...]: the real snmptrap sends
# a PET from NETNS: v1 with the community of CONF_DIR, or v3 with the given -v3 arguments
# (the PET translated to a notification, RFC 3584). PET_DEASSERT=1 sends the deassertion.
send_pet() {
    local ns=$1 dir=$2 target=$3 seq=$4 sev=$5 age=${6:-0} hex specific=487168
    shift 6 2>/dev/null || shift $#
    hex=$(pet_hex "$seq" "$sev" "$age")
    ((${PET_DEASSERT:-0} == 0)) || specific=$((specific | 0x80))
    if (($# == 0)); then
        ip netns exec "$ns" env SNMPCONFPATH="$dir" MIBS= snmptrap -v1 -M /dev/null "$target" \
            1.3.6.1.4.1.3183.1.1 0.0.0.0 6 "$specific" 0 1.3.6.1.4.1.3183.1.1.1 x "$hex"
    else
        ip netns exec "$ns" env SNMPCONFPATH="$dir" MIBS= snmptrap "$@" -M /dev/null "$target" '' \
            "1.3.6.1.4.1.3183.1.1.0.$specific" 1.3.6.1.4.1.3183.1.1.1 x "$hex"
    fi
}

# bmc_driver_stop NODE: SIGTERM to NODE's driver (by its recorded PID); it prints its summary.
bmc_driver_stop() {
    # shellcheck disable=SC2016 # expanded inside the node
    lab x "$1" sh -c 'kill -TERM "$(cat "$0")"' "$BMC_DRIVER_PID"
}

# shellcheck disable=SC2034 # F_* are for the test scripts
# fault_and_reset NODE: inject a fatal fault into NODE's BMC and wait until the BMC resets
# NODE. Leaves marks for what follows: F_NOTICES, F_DRIVER, F_CHASSIS (lines of NODE's BMC
# notice log, driver log, chassis log before the fault) and F_INIT (NODE's init before).
fault_and_reset() {
    F_NOTICES=$(notices_mark "$1")
    F_DRIVER=$(driver_mark "$1")
    F_CHASSIS=$(chassis_lines "$1")
    F_INIT=$(node_init_pid "$1")
    lab fault "$1"
    wait_until 30 notices_has "$1" "$F_NOTICES" 'reset reason='
    note "$1's BMC: $(notices_events "$1" "$F_NOTICES")"
    driver_since "$1" "$F_DRIVER" | grep '^step ' | sed 's/^/    /'
}

# assert_started_before_reset NODE OTHER RSC...: every RSC started on OTHER (OTHER's own
# pacemaker.log) before NODE's BMC cut NODE's power (its chassis log), after fault_and_reset.
assert_started_before_reset() {
    local node=$1 other=$2 t_start t_off
    shift 2
    driver_has "$node" "$F_DRIVER" "^step name=started .*detail=$other" ||
        fail "the driver on $node never saw $* started on $other"
    t_start=$(started_wall_ms "$other" "$@") || fail "$other's log has no start of $*"
    t_off=$(power_off_wall_ms "$node" "$F_CHASSIS") || fail "$node's BMC never powered it off"
    ((t_start < t_off)) || fail "$* started on $other $((t_start - t_off)) ms after the power-off"
    note "$* fully started on $other $((t_off - t_start)) ms before $node's BMC cut its power" \
        "($other's pacemaker.log against the BMC's chassis log)"
}

# bmc_setup_group NODES... [-- GROUP.KEY=VALUE...]: bmclink.conf (the lab's defaults and
# these), group grp preferring node1 with the evacuate rule of conf/, grp running, the
# driver on NODES.
bmc_setup_group() {
    local nodes=()
    while (($# > 0)) && [[ $1 != -- ]]; do
        nodes+=("$1")
        shift
    done
    shift || true
    bmc_conf_write "$@"
    set -- "${nodes[@]}"
    group_create grp node1
    evacuate_rule grp
    wait_until 30 resource_on grp node1
    bmc_driver_start "$@"
}
