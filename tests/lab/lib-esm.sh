# shellcheck shell=bash
# Helpers for the server manager's lab tests (tests/lab/3[2-9]-esm-*.sh), sourced after lib.sh:
# a fake ESMPRO/ServerManager Ver.6.40 installed on both nodes, set up by `bmclink esm`.
#
#   source "$(dirname "$0")/lib.sh"
#   source "$(dirname "$0")/lib-esm.sh"
#   esm_lab_session             # lab up 2 --shared-disk, everything `esm` needs is there
#   esm_install_nodes           # the fake install, the site file, its chain, on both nodes
#   lab x node1 bmclink esm setup --apply "$ESM_SITE"
#
# The fake install, on each node's own disk (nodes share the host's /opt, so it lives under
# /var/lib/bmclink, which is per node):
# - $ESM_INSTALL: VERSION, the four folders of the Ver.6 profile with the files the guide
#   names (nvisord.cf, options.txt, subscribeSetting.properties, the Ver.6 properties), the
#   Express Report definition file MGHTPLOG.INF;
# - the 16 services of the Ver.6 table as members of the site's chain: 14 bl-test-member
#   daemons counting in the work folder (bound from the volume while the chain runs), the
#   DianaScope ModemAgent as an LSB init script around bl-test-member (so that "started at
#   boot" can be planted: an rc2.d link), and ESMBaseAlertListener, the manager's alert
#   listener, as a real snmptrapd bound to the floating IP that logs every trap it receives
#   to the work folder, one file per node: $ESM_WORK/traps-NODE.log;
# - the ServerAgent's event settings, read through [check] agent_events_command;
# - the managed host bl-adm's snmpd.conf (its trap destination), which the sender reads and a
#   copy of which the site lists under [managed];
# - the registry keys of the Ver.6 profile, imported with bmclink-reg once bmclinkd runs
#   (esm_import_keys).
# The floating IP is on the lab's management network, where the BMCs and bl-adm are.

ESM_SITE=/etc/bmclink/esm-site.conf
ESM_ROOT=/var/lib/bmclink/esm
ESM_INSTALL=$ESM_ROOT/opt
ESM_WORK=$ESM_INSTALL/NVWORK
ESM_SERVICE=$ESM_INSTALL/ESMWEB/wbserver/webapps/esmpro/WEB-INF/service
ESM_MOUNT=/var/lib/bmclink/esm-vol
ESM_RUN=/run/esm
ESM_BIN=/var/lib/bmclink/bin/bl-test-member
ESM_RENDER=$ESM_ROOT/conf/registry.reg
ESM_MANAGED=$ESM_ROOT/managed/adm-snmpd.conf
ESM_EVENTS=$ESM_ROOT/agent-events
ESM_FIP=10.231.2.100
ESM_NAME=mgr_lab
ESM_LSB=DianaScope-ModemAgent
ESM_LSB_SCRIPT=/etc/bmclink/init.d/esm-dianascope-modemagent
ESM_TRAPD_CONF=/etc/bmclink/esm-snmptrapd.conf
ESM_TRAP_OID=1.3.6.1.4.1.8072.2.3.0.1 # NET-SNMP-EXAMPLES: a test notification
ESM_TRAP_VAR=1.3.6.1.4.1.8072.2.3.2.1

# esm_require: what the tests run (installed: cmake --install), and the tools.
esm_require() {
    local meta
    lab_require
    chain_require
    need_cmd fence_bmclink "cmake --install"
    need_cmd pcs pcs
    need_cmd snmptrapd snmptrapd
    need_cmd snmptrap snmp
    need_cmd ss iproute2
    [[ -x /usr/lib/ocf/resource.d/bmclink/bmclinkd ]] ||
        error "ocf:bmclink:bmclinkd is not installed (cmake --install)"
    [[ -x /usr/lib/ocf/resource.d/heartbeat/IPaddr2 ]] ||
        error "ocf:heartbeat:IPaddr2 is missing (resource-agents)"
    [[ -r /usr/share/bmclink/registry/esmpro-ver6.profile ]] ||
        error "the registry profile esmpro-ver6 is not installed (cmake --install)"
    meta=$(bmclink esm --help 2>&1) || true
    grep -Eq '^ +setup SITE' <<<"$meta" || error "the installed bmclink has no 'esm' (cmake --install)"
    meta=$(/usr/lib/ocf/resource.d/bmclink/servicechain meta-data 2>/dev/null) || true
    grep -q registry_profile <<<"$meta" ||
        error "the installed ocf:bmclink:servicechain predates registry_profile (cmake --install)"
}

# esm_lab_session: esm_require, lab up 2 with the shared disk (a block device is needed:
# the site's volume is a device, `Filesystem` mounts it, the chain checks it).
esm_lab_session() {
    esm_require
    BMCLINK_LAB_DISK=1 lab_session 2
    trap esm_teardown EXIT
    eval "$(lab disk env)"
    [[ $LAB_DISK_KIND == loop ]] ||
        skip "no loop device here: the site's volume must be a block device"
    ESM_TMP=$(mktemp -d /tmp/bmclink-esm-lab.XXXXXX)
}

# esm_teardown: stop the trap sender, the daemons' logs on failure, then lab_teardown.
esm_teardown() {
    local rc=$? i
    set +e # (exit "$rc") below hands rc on to lab_teardown; errexit would end here
    [[ -z ${ESM_TMP:-} ]] || : >"$ESM_TMP/stop" # the trap sender, if any, ends
    if [[ -n ${ESM_SENDER_PID:-} ]]; then wait "$ESM_SENDER_PID" 2>/dev/null || true; fi
    if ((rc != 0 && rc != 77)); then
        for i in 1 2; do
            echo "=== node$i: /var/log/bmclink/bmclinkd.log (last 20 lines)"
            tail -n 20 "$LAB_DIR/node$i/disk/var/log/bmclink/bmclinkd.log" 2>/dev/null || true
            echo "=== node$i: servicechain lines of pacemaker.log (last 30)"
            grep -h "servicechain" "$LAB_DIR/node$i/disk/var/log/pacemaker/pacemaker.log" \
                2>/dev/null | tail -n 30 || true
        done
    fi
    [[ -z ${ESM_TMP:-} ]] || rm -rf "$ESM_TMP"
    (exit "$rc")
    lab_teardown
}

# esm_site_text: the site file (the same on both nodes).
esm_site_text() {
    cat <<EOF
# The lab's server manager site (tests/lab/lib-esm.sh).
[site]
version = 6.40
features = dmi_events
install_dir = $ESM_INSTALL
manager_name = $ESM_NAME
group = esm
floating_ip = $ESM_FIP
floating_cidr = 24
floating_nic = eth1
volume_device = $LAB_DISK_DEV
volume_fstype = $LAB_DISK_FSTYPE
mount_dir = $ESM_MOUNT
chain = esm-site
registry = true
registry_render = $ESM_RENDER
bmclinkd_config = /etc/bmclink/bmclinkd.conf
bmclinkd_clone = true
nodes = node1 node2

[bmc]
node1 = 10.231.2.21
node2 = 10.231.2.22

[stonith]
user = admin
password_file = /etc/bmclink/bmc-password

[check]
serveragent = true
agent_events_command = /bin/cat $ESM_EVENTS

[managed]
adm = $ESM_MANAGED
EOF
}

# esm_members_text NODE: the [member] sections that map the profile's services onto the
# lab's programs on NODE (appended to `bmclink esm chain`'s output).
esm_members_text() {
    local node=$1 gen
    gen=$(BL_CHAIN_VERSION=6.40 BL_CHAIN_FEATURES=dmi_events \
        "$REPO_DIR/tests/tools/members/make-chain.sh" bmclink esm-ver6 "$ESM_BIN" \
        "$ESM_RUN" "$ESM_WORK") || error "make-chain.sh esm-ver6 failed"
    # make-chain's own [chain] section and the two members mapped otherwise are left out
    awk -v a="[member ESMBaseAlertListener]" -v b="[member $ESM_LSB]" '
        /^\[/ { keep = ($0 ~ /^\[member /) && $0 != a && $0 != b }
        keep' <<<"$gen"
    cat <<EOF
# The manager's alert listener: a real snmptrapd on the floating IP, logging to the volume.
[member ESMBaseAlertListener]
kind = daemon
foreground = true
command = /usr/sbin/snmptrapd -f -C -c $ESM_TRAPD_CONF -m "" -Lf $ESM_WORK/traps-$node.log udp:$ESM_FIP:162
pidfile = $ESM_RUN/ESMBaseAlertListener.pid
exe = /usr/sbin/snmptrapd
ready = command
check = /bin/sh -c "ss -Hlnu src $ESM_FIP:162 | grep -q ."

# An init script (LSB), so that a start at boot can be planted (an rc2.d link).
[member $ESM_LSB]
kind = lsb
script = $ESM_LSB_SCRIPT
pidfile = $ESM_RUN/$ESM_LSB.pid
exe = $ESM_BIN
EOF
}

# esm_install_node I: the fake install on node I's disk.
esm_install_node() {
    local i=$1 disk=$LAB_DIR/node$1/disk d
    install -d "$disk/etc/bmclink/chains" "$disk/etc/bmclink/init.d" "$disk${ESM_BIN%/*}" \
        "$disk$ESM_MOUNT" "$disk$ESM_ROOT/conf" "$disk$ESM_ROOT/snmp" "$disk${ESM_MANAGED%/*}" \
        "$disk/var/log/bmclink"
    for d in NVWORK/local ESMWEB/pkgpool ESMWEB/wbserver/webapps/esmpro/WEB-INF/db \
        ESMWEB/wbserver/webapps/esmpro/WEB-INF/service/esmpro/eventman/indication \
        AlertMan/Work/WMGReprt; do
        install -d "$disk$ESM_INSTALL/$d"
    done
    install -m 0755 "$BL_TEST_MEMBER" "$disk$ESM_BIN"
    echo 6.40 >"$disk$ESM_INSTALL/VERSION"
    echo "CommunityName: \"$ESM_NAME\"" >"$disk$ESM_WORK/local/nvisord.cf"
    printf 'SM_NAME="%s"\nCLUSTER_FIP=%s\n' "$ESM_NAME" "$ESM_FIP" >"$disk$ESM_SERVICE/options.txt"
    echo "indicationReceiveGlobalIp=$ESM_FIP" \
        >"$disk$ESM_SERVICE/esmpro/eventman/indication/subscribeSetting.properties"
    for d in ServerManagerLog NvBaseReceiver systemlog; do
        echo "# $d" >"$disk$ESM_SERVICE/$d.properties"
    done
    echo "lab express report definitions v1" >"$disk$ESM_INSTALL/AlertMan/Work/WMGReprt/MGHTPLOG.INF"
    printf '%s nothing\n' C00001FD C0000203 C0000454 >"$disk$ESM_EVENTS"
    install -m 0644 "$ESM_TMP/adm-snmpd.conf" "$disk$ESM_MANAGED"
    sed -e "s|@MEMBER@|$ESM_BIN|" -e "s|@NAME@|$ESM_LSB|" -e "s|@DIR@|$ESM_WORK|" \
        -e "s|@PIDFILE@|$ESM_RUN/$ESM_LSB.pid|" -e "s|@ARGS@||" \
        "$REPO_DIR/tests/tools/members/lsb-member.in" >"$disk$ESM_LSB_SCRIPT"
    chmod 0755 "$disk$ESM_LSB_SCRIPT"
    # snmptrapd: no configuration but this one, its persistent state on the node's disk
    printf '[snmp] persistentDir %s\ndisableAuthorization yes\n' "$ESM_ROOT/snmp" \
        >"$disk$ESM_TRAPD_CONF"
    # bmclinkd: the sample as shipped, its log on the node's disk (no syslog in the lab)
    sed "s|^log-file =.*|log-file = /var/log/bmclink/bmclinkd.log|" \
        "$REPO_DIR/conf/registry/bmclinkd.conf" >"$disk/etc/bmclink/bmclinkd.conf"
    esm_site_text >"$disk$ESM_SITE"
    # (written aside first: `esm chain` reads the site's chain file when there is one)
    { lab x "node$i" bmclink esm chain "$ESM_SITE" && esm_members_text "node$i"; } \
        >"$ESM_TMP/esm-site.chain" || error "bmclink esm chain on node$i failed"
    install -m 0644 "$ESM_TMP/esm-site.chain" "$disk/etc/bmclink/chains/esm-site.chain"
}

# esm_install_nodes: the managed host's snmpd.conf, the fake install on both nodes, the BMC
# password where the site says; the site's chain loads on both.
esm_install_nodes() {
    local i
    printf '# bl-adm, a managed server: its traps go to the manager floating IP\ntrap2sink %s public\n' \
        "$ESM_FIP" >"$ESM_TMP/adm-snmpd.conf"
    lab_install_bmc_password
    for i in 1 2; do
        esm_install_node "$i"
        lab x "node$i" bmclink chain check esm-site >/dev/null ||
            error "node$i: bmclink chain check esm-site: $(lab x "node$i" bmclink chain check esm-site 2>&1)"
    done
    note "members: $(lab x node1 bmclink chain show esm-site | grep -c '^\[member ') in the site's chain"
}

# esm_import_keys NODE: the Ver.6 profile's keys (as an export of the manager's would give
# them) into the registry through NODE's bmclinkd.
esm_import_keys() {
    local f=$LAB_DIR/$1/disk$ESM_ROOT/conf/esm-keys.reg
    cat >"$f" <<EOF
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]
"SMName"="$ESM_NAME"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]
"WorkDir"="$ESM_WORK"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMAlertMan\\BaseSetting\\Receive]
"SNMP"=dword:00000001

[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMAlertMan\\Socket\\Socketr]
"Port"=dword:00000ad7

[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Nvbase]
"Start"=dword:00000003
EOF
    lab x "$1" bmclink-reg import "$ESM_ROOT/conf/esm-keys.reg" || fail "bmclink-reg import on $1"
}

# esm_chain_node: where the chain runs (empty if nowhere), asked of a powered node.
esm_chain_node() {
    lab x "$(any_node_except none)" crm_resource --resource esm-chain --locate 2>/dev/null |
        sed -n 's/.*is running on: \(node[0-9]\)$/\1/p' | head -n 1
}

# esm_fip_on NODE: the floating IP is configured in NODE.
esm_fip_on() { lab x "$1" ip -o addr show dev eth1 | grep -F " $ESM_FIP/" >/dev/null; }

# --- the managed host's traps --------------------------------------------------------
# Each round of traps is a phase: its traps say "esm-lab phase=P seq=N", so that one trap
# log can hold several rounds.

# esm_sender_start PHASE: bl-adm sends a trap every 100 ms to the destination of its
# snmpd.conf (trap2sink), with the real snmptrap, until $ESM_TMP/stop exists; for each one
# sent it logs "SEQ EPOCHREALTIME" (when snmptrap had handed it to the network) in
# $ESM_TMP/sent-PHASE.
esm_sender_start() {
    ESM_PHASE=$1
    rm -f "$ESM_TMP/stop"
    : >"$ESM_TMP/sent-$1"
    # shellcheck disable=SC2016 # expanded in bl-adm
    lab adm env SNMP_PERSISTENT_DIR="$ESM_TMP/adm-snmp" SNMPCONFPATH="$ESM_TMP/adm-snmp" \
        bash -c 'read -r dest community < <(awk "\$1 == \"trap2sink\" { print \$2, \$3 }" "$1")
        for ((seq = 1; ; seq++)); do
            [[ -e $2/stop ]] && exit 0
            snmptrap -m "" -v 2c -c "$community" "$dest" "" "$3" "$4" s "esm-lab phase=$5 seq=$seq" \
                2>/dev/null && echo "$seq $EPOCHREALTIME" >>"$2/sent-$5"
            sleep 0.1
        done' bash "$ESM_TMP/adm-snmpd.conf" "$ESM_TMP" "$ESM_TRAP_OID" "$ESM_TRAP_VAR" "$1" \
        </dev/null >/dev/null 2>&1 &
    ESM_SENDER_PID=$!
}

# esm_sender_stop: the sender ends after its current trap.
esm_sender_stop() {
    : >"$ESM_TMP/stop"
    wait "$ESM_SENDER_PID" || true
    ESM_SENDER_PID=
}

# esm_received FROM NODE: the sequence numbers of this phase's traps NODE's snmptrapd
# logged (its log on the volume, read through FROM, the node that has the volume now),
# one a line, sorted.
esm_received() {
    lab x "$1" cat "$ESM_WORK/traps-$2.log" 2>/dev/null |
        sed -n "s/.*\"esm-lab phase=$ESM_PHASE seq=\([0-9]*\)\".*/\1/p" | sort -n
}

# esm_received_count FROM NODE
esm_received_count() { esm_received "$1" "$2" | wc -l; }

# esm_received_above FROM NODE N: NODE's snmptrapd logged more than N traps of this phase.
esm_received_above() { (($(esm_received_count "$1" "$2") > $3)); }

# esm_received_seq FROM NODE SEQ: NODE's snmptrapd logged trap SEQ of this phase.
esm_received_seq() { esm_received "$1" "$2" | grep -qx "$3"; }

# esm_failover_traps PHASE HOW: traps from bl-adm while the group's node A fails (HOW: kill,
# SIGKILL of its corosync; poweroff, its plug pulled) and is fenced, and the group starts on
# B. Asserts that every trap sent before the fault and every one sent after the chain was
# back on B was received (by A's snmptrapd, then B's) and that B's received some; prints
# the figures; sets ESM_LOST (traps lost in the move), ESM_MOVE_S (fault to the chain
# started on B), ESM_A and ESM_B.
esm_failover_traps() {
    local phase=$1 how=$2 a b mark t_fault t_back last r
    a=$(esm_chain_node) b=$(other_node "$a")
    # shellcheck disable=SC2034 # results for the test
    ESM_A=$a ESM_B=$b
    esm_sender_start "$phase"
    wait_until 30 esm_received_above "$a" "$a" 20
    mark=$(pcmk_log_mark "$b")
    t_fault=$EPOCHREALTIME
    lab "$how" "$a"
    wait_until 60 fence_succeeded "$a" "$b"
    # (crm_resource --locate names B while the start still runs: the start's own log line)
    wait_until 60 pcmk_log_time "$b" "$mark" "Result of start operation for esm-chain on $b: ok"
    t_back=$(pcmk_log_time "$b" "$mark" "Result of start operation for esm-chain on $b: ok")
    assert_true resource_on esm-chain "$b" "$b"
    assert_true esm_fip_on "$b"
    wait_until 30 esm_received_above "$b" "$b" 20
    esm_sender_stop
    last=$(tail -n 1 "$ESM_TMP/sent-$phase" | cut -d' ' -f1)
    wait_until 10 esm_received_seq "$b" "$b" "$last"
    esm_received "$b" "$a" >"$ESM_TMP/recv-$phase-$a"
    esm_received "$b" "$b" >"$ESM_TMP/recv-$phase-$b"
    r=$ESM_TMP/report-$phase
    # sent: "SEQ TIME"; the figures, then the lost ones
    sort -n -u "$ESM_TMP/recv-$phase-$a" "$ESM_TMP/recv-$phase-$b" |
        awk -v fault="$t_fault" -v back="$t_back" '
        FNR == NR { got[$1] = 1; next }
        { n++; if (!($1 in got)) { lost++; if (!first) first = $2; lastl = $2; lseq = lseq " " $1 } }
        $2 < fault { before++; if (!($1 in got)) missed_before++ }
        $2 > back { after++; if (!($1 in got)) missed_after++ }
        END {
            printf "sent %d: %d before the fault, %d after the chain was back\n", n, before, after
            printf "missed_before %d\nmissed_after %d\nlost %d\n", missed_before, missed_after, lost
            if (lost) printf "lost_window %.2f\nlost_seqs%s\n", lastl - first, lseq
        }' - "$ESM_TMP/sent-$phase" >"$r"
    sed 's/^/    /' "$r"
    note "received by $a's snmptrapd: $(wc -l <"$ESM_TMP/recv-$phase-$a"), by $b's:" \
        "$(wc -l <"$ESM_TMP/recv-$phase-$b")"
    assert_eq 0 "$(sed -n 's/^missed_before //p' "$r")" "traps sent before the fault, lost"
    assert_eq 0 "$(sed -n 's/^missed_after //p' "$r")" "traps sent after the chain was back, lost"
    [[ -s $ESM_TMP/recv-$phase-$b ]] || fail "$b's snmptrapd received nothing"
    # shellcheck disable=SC2034 # results for the test
    {
        ESM_LOST=$(sed -n 's/^lost //p' "$r")
        ESM_LOST_WINDOW=$(sed -n 's/^lost_window //p' "$r")
        ESM_MOVE_S=$(seconds_between "$t_fault" "$t_back")
    }
}

# --- bmclink esm check ----------------------------------------------------------------

# esm_check: `bmclink esm facts` on both nodes, then `bmclink esm check` on node1 over the
# two facts files (the lab has no sshd: the documented way without ssh). Sets ESM_CHECK_RC
# and ESM_CHECK_OUT (the check's lines).
esm_check() {
    local i dir=$LAB_DIR/node1/disk$ESM_ROOT/facts
    install -d "$dir"
    for i in 1 2; do
        lab x "node$i" bmclink esm facts --node "node$i" "$ESM_SITE" >"$ESM_TMP/node$i.facts" ||
            fail "bmclink esm facts on node$i failed"
        install -m 0644 "$ESM_TMP/node$i.facts" "$dir/node$i.facts"
    done
    ESM_CHECK_RC=0
    ESM_CHECK_OUT=$(lab x node1 bmclink esm check "$ESM_SITE" "$ESM_ROOT/facts/node1.facts" \
        "$ESM_ROOT/facts/node2.facts" 2>&1) || ESM_CHECK_RC=$?
}

# esm_check_finds WHAT PATTERN...: the check fails (exit 1) with exactly one line per
# PATTERN (grep -E), each matching it; prints the lines.
esm_check_finds() {
    local what=$1 p n
    shift
    esm_check
    printf '      %s\n' "${ESM_CHECK_OUT//$'\n'/$'\n'      }"
    assert_eq 1 "$ESM_CHECK_RC" "exit code of bmclink esm check with $what"
    n=$(grep -c . <<<"$ESM_CHECK_OUT")
    assert_eq "$#" "$n" "lines of bmclink esm check with $what"
    for p in "$@"; do
        grep -E -- "$p" <<<"$ESM_CHECK_OUT" >/dev/null || fail "$what: no line matching: $p"
    done
}

# esm_check_clean: the check passes and says so.
esm_check_clean() {
    esm_check
    assert_eq 0 "$ESM_CHECK_RC" "exit code of bmclink esm check ($ESM_CHECK_OUT)"
    grep -q "every prerequisite met on 2 node(s)" <<<"$ESM_CHECK_OUT" ||
        fail "bmclink esm check: $ESM_CHECK_OUT"
    note "$ESM_CHECK_OUT"
}

# reg_clone_running NODE: the bmclinkd clone is started on NODE (the group may run there).
reg_clone_running() {
    lab x "$1" crm_mon -1 --output-as=xml 2>/dev/null | grep -A1 '<resource id="bmclinkd" ' |
        grep -B1 "<node name=\"$1\"" | grep 'role="Started"' >/dev/null
}
