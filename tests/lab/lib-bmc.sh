# shellcheck shell=bash
# Helpers for the BMCNOTICE and heartbeat lab tests (tests/lab/5x-*.sh), sourced after lib.sh.
#
# The lab BMCs run the bmcsim plug-in (lab up with BMCLINK_LAB_BMCSIM): a fault injected
# with `lab fault NODE` makes NODE's BMC send its PET to NODE. On the nodes, bmclinkd runs
# as the Pacemaker clone of conf/pcmk-bmcnotice.pcs.sh.example (ocf:bmclink:bmclinkd,
# config=/etc/bmclink/bmclinkd.conf, whose [bmc] section points to bmclink.conf), with its
# BMC side (trap receiver, heartbeat, recovery) and the registry. The tests read what it
# did from its log on the node's disk (/var/log/bmclink/bmclinkd.log: the "bmc: step ...",
# "bmc: event ...", "bmc: hb ..." lines) and from `bmclink status` run inside the node.
#
# The binaries under test (monitor/bmclinkd, cli/bmclink-reg, cli/bmclink) come from
# $BMCLINK_BUILD_DIR, build/ or build-bmc/ and travel on every node's disk
# (/var/lib/bmclink/bin: nodes have a private /tmp); the OCF agent is the installed one
# (/usr/lib/ocf/resource.d/bmclink, cmake --install). BMCLINK_LAB_BMCSIM overrides the
# plug-in. A test skips (77) when they are not there.
#
# bmc_driver (scripts/bench/bmc-driver.c) is no longer used here; the daemon's log lines
# carry the same fields, so scripts/bench/notice-bench reads them through driver_field.

BMCSIM_SO=${BMCLINK_LAB_BMCSIM:-}
BMC_CONF=/etc/bmclink/bmclink.conf
BMCD_CONF=/etc/bmclink/bmclinkd.conf
BMCD_BIN=/var/lib/bmclink/bin # the binaries' copies on each node's disk
BMCD_LOG=/var/log/bmclink/bmclinkd.log
BMCD_SRC=() # on the host: bmclinkd bmclink-reg bmclink
BMCD_OCF_AGENT=/usr/lib/ocf/resource.d/bmclink/bmclinkd

# bmc_require: lab_require, plus the daemon, the command, the plug-in, the agent, snmptrap.
bmc_require() {
    local b
    lab_require
    need_cmd pcs pcs
    for b in "${BMCLINK_BUILD_DIR:-}" "$REPO_DIR/build" "$REPO_DIR/build-bmc"; do
        [[ -n $b ]] || continue
        if ((${#BMCD_SRC[@]} == 0)) && [[ -x $b/monitor/bmclinkd && -x $b/cli/bmclink &&
            -x $b/cli/bmclink-reg ]]; then
            BMCD_SRC=("$(readlink -f "$b/monitor/bmclinkd")"
                "$(readlink -f "$b/cli/bmclink-reg")" "$(readlink -f "$b/cli/bmclink")")
        fi
        [[ -z $BMCSIM_SO && -f $b/tests/bmcsim.so ]] && BMCSIM_SO=$b/tests/bmcsim.so
    done
    ((${#BMCD_SRC[@]} == 3)) ||
        error "bmclinkd, bmclink-reg or bmclink is not built (set BMCLINK_BUILD_DIR)"
    [[ -n $BMCSIM_SO && -f $BMCSIM_SO ]] ||
        error "bmcsim.so is not built (set BMCLINK_BUILD_DIR or BMCLINK_LAB_BMCSIM)"
    [[ -x $BMCD_OCF_AGENT ]] || error "ocf:bmclink:bmclinkd is not installed (cmake --install)"
    need_cmd snmptrap snmp
    export BMCLINK_LAB_BMCSIM=$BMCSIM_SO
    note "bmclinkd ${BMCD_SRC[0]}, BMC plug-in $BMCSIM_SO"
    cmp -s "$BMCD_OCF_AGENT" "$REPO_DIR/agents/bmclinkd" ||
        note "NOTE: the installed $BMCD_OCF_AGENT differs from agents/bmclinkd (cmake --install)"
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
        [heartbeat.interval_ms]=1000
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

# daemon_log NODE: bmclinkd's log as the host sees it (on the node's disk; it survives
# the node's resets, each boot appends).
daemon_log() { echo "$LAB_DIR/$1/disk$BMCD_LOG"; }

# daemon_mark NODE: lines in NODE's daemon log now (look only at what comes after).
daemon_mark() {
    local f
    f=$(daemon_log "$1")
    if [[ -r $f ]]; then wc -l <"$f"; else echo 0; fi
}

# daemon_since NODE MARK: the BMC module's lines after MARK, without the log's prefix
# ("step name=start-sent t_ms=0.412 rc=0 detail=- real_ms=...", "event verdict=...",
# "hb node=... reach=... power=...").
daemon_since() {
    tail -n +"$(($2 + 1))" "$(daemon_log "$1")" 2>/dev/null | sed -n 's/^.*: bmc: //p'
}

# daemon_has NODE MARK REGEX: a BMC module line after MARK matches.
daemon_has() { daemon_since "$1" "$2" | grep -E "$3" >/dev/null; }

# daemon_field NODE MARK REGEX FIELD: FIELD=value of the first line after MARK matching REGEX.
daemon_field() {
    daemon_since "$1" "$2" | grep -E "$3" | head -n 1 | tr ' ' '\n' | sed -n "s/^$4=//p"
}

# daemon_log_has NODE MARK REGEX: any line of the whole log after MARK matches.
daemon_log_has() { tail -n +"$(($2 + 1))" "$(daemon_log "$1")" 2>/dev/null | grep -E "$3" >/dev/null; }

# The names scripts/bench/notice-bench uses (it ran bmc_driver before the daemon did this).
driver_log() { daemon_log "$@"; }
driver_mark() { daemon_mark "$@"; }
driver_since() { daemon_since "$@"; }
driver_has() { daemon_has "$@"; }
driver_field() { daemon_field "$@"; }

# bmc_status NODE [ARGS...]: `bmclink status ARGS` inside NODE (the copy on its disk).
bmc_status() { lab x "$1" "$BMCD_BIN/bmclink" status "${@:2}"; }

# bmc_status_key NODE KEY: one value of `bmclink status --keys` inside NODE.
bmc_status_key() { bmc_status "$1" --keys | sed -n "s/^$2=//p"; }

# daemon_running NODE: NODE's bmclinkd answers and its BMC side runs (for wait_until).
daemon_running() { [[ $(bmc_status_key "$1" bmc.state 2>/dev/null) == running ]]; }

# bmc_nodes_install: bmclinkd.conf (registry + BMC side, log file on the disk) and the
# binaries under test on every node's disk.
bmc_nodes_install() {
    local n i disk f
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        disk=$LAB_DIR/node$i/disk
        install -d -m 755 "$disk/etc/bmclink" "$disk/var/lib/bmclink" "$disk/var/log/bmclink"
        for f in "${BMCD_SRC[@]}"; do
            install -D -m 755 "$f" "$disk$BMCD_BIN/$(basename "$f")"
        done
        cat >"$disk$BMCD_CONF" <<EOF
# Written by tests/lab/lib-bmc.sh: conf/registry/bmclinkd.conf's defaults, plus a log file
# on the node's disk (the lab has no syslog) and the BMC side required.
[daemon]
log-level = info
log-file = $BMCD_LOG
[registry]
store = /var/lib/bmclink/registry.db
[bmc]
enabled = true
config = $BMC_CONF
EOF
    done
}

# bmc_daemon_start [NODE...]: bmclinkd as the clone of conf/pcmk-bmcnotice.pcs.sh.example
# (its DAEMON part; the rule comes from evacuate_rule); waits until its BMC side runs on
# every NODE (default: every node).
bmc_daemon_start() {
    local node nodes=("$@") i
    if ((${#nodes[@]} == 0)); then
        for ((i = 1; i <= $(lab_node_count); i++)); do nodes+=("node$i"); done
    fi
    bmc_nodes_install
    lab_copy_to_nodes "$REPO_DIR/conf/pcmk-bmcnotice.pcs.sh.example"
    lab x node1 env RULE=no HEALTH=no DAEMON=yes CONFIG="$BMCD_CONF" \
        BINARY="$BMCD_BIN/bmclinkd" CLIENT="$BMCD_BIN/bmclink-reg" \
        sh /etc/bmclink/pcmk-bmcnotice.pcs.sh.example >/dev/null ||
        error "conf/pcmk-bmcnotice.pcs.sh.example (DAEMON) failed"
    for node in "${nodes[@]}"; do
        wait_until 60 daemon_running "$node"
    done
}

# notices_log NODE / notices_mark NODE / notices_since NODE MARK: NODE's BMC's notice log.
notices_log() { echo "$LAB_DIR/bmc${1#node}/notices.log"; }
notices_mark() { wc -l <"$(notices_log "$1")"; }
notices_since() { tail -n +"$(($2 + 1))" "$(notices_log "$1")"; }
notices_has() { notices_since "$1" "$2" | grep -E "$3" >/dev/null; }

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
    lab x "${2:-node1}" env TARGET="$1" RULE=yes HEALTH=no DAEMON=no \
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

# shellcheck disable=SC2034 # F_* are for the test scripts
# fault_and_reset NODE: inject a fatal fault into NODE's BMC and wait until the BMC resets
# NODE. Leaves marks for what follows: F_NOTICES, F_DAEMON, F_CHASSIS (lines of NODE's BMC
# notice log, daemon log, chassis log before the fault) and F_INIT (NODE's init before).
# F_DRIVER is F_DAEMON under its old name (scripts/bench/notice-bench).
fault_and_reset() {
    wait_until 60 daemon_running "$1" # after a reset, the clone starts again on its own
    F_NOTICES=$(notices_mark "$1")
    F_DAEMON=$(daemon_mark "$1")
    F_DRIVER=$F_DAEMON
    F_CHASSIS=$(chassis_lines "$1")
    F_INIT=$(node_init_pid "$1")
    lab fault "$1"
    wait_until 30 notices_has "$1" "$F_NOTICES" 'reset reason='
    note "$1's BMC: $(notices_events "$1" "$F_NOTICES")"
    daemon_since "$1" "$F_DAEMON" | grep '^step ' | sed 's/^/    /'
}

# assert_started_before_reset NODE OTHER RSC...: every RSC started on OTHER (OTHER's own
# pacemaker.log) before NODE's BMC cut NODE's power (its chassis log), after fault_and_reset.
assert_started_before_reset() {
    local node=$1 other=$2 t_start t_off
    shift 2
    daemon_has "$node" "$F_DAEMON" "^step name=started .*detail=$other" ||
        fail "bmclinkd on $node never saw $* started on $other"
    t_start=$(started_wall_ms "$other" "$@") || fail "$other's log has no start of $*"
    t_off=$(power_off_wall_ms "$node" "$F_CHASSIS") || fail "$node's BMC never powered it off"
    ((t_start < t_off)) || fail "$* started on $other $((t_start - t_off)) ms after the power-off"
    note "$* fully started on $other $((t_off - t_start)) ms before $node's BMC cut its power" \
        "($other's pacemaker.log against the BMC's chassis log)"
}

# bmc_setup_group NODES... [-- GROUP.KEY=VALUE...]: bmclink.conf (the lab's defaults and
# these), group grp preferring node1 with the evacuate rule of conf/, grp running, the
# bmclinkd clone, its BMC side running on NODES.
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
    bmc_daemon_start "$@"
}
