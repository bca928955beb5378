# Sourced by the tests that run real daemons (ipmi_sim, snmptrapd, our receiver) on the
# loopback of a private network namespace: tests/integration/test_trap_bmcsim_sim.sh,
# tests/integration/test_bmc_driver_sim.sh,
# tests/integration/test_heartbeat_sel_sim.sh, tests/integration/test_trap_forward_v3.sh,
# tests/integration/test_heartbeat_link_drop.sh, tests/integration/test_bmcd_bmc_retry.sh.

# bl_netns_enter "$0" "$@": with the tools in $BL_NEEDS, root and unshare, run the script
# again in a new network namespace (never returns). A missing tool is an error naming it
# (exit 99: scripts/setup.sh installs them); no root or no namespaces, a skip (77) saying
# why. Inside the namespace (BL_IN_NETNS set) it returns at once.
bl_netns_enter() {
    [ -n "${BL_IN_NETNS:-}" ] && return 0
    for t in ${BL_NEEDS:-}; do
        command -v "$t" >/dev/null || { echo "ERROR: $t is not installed"; exit 99; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private network namespace"; exit 77; }
    unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace here"; exit 77; }
    BL_IN_NETNS=1 exec unshare -n "$@"
}

# bl_netns_tmp PREFIX: loopback up, and TMP a private (0700) temporary folder; exit 99
# when either fails.
bl_netns_tmp() {
    ip link set lo up || exit 99
    TMP=$(mktemp -d "/tmp/$1.XXXXXX") || exit 99
    chmod 700 "$TMP"
}

# bl_netns_cleanup: the EXIT trap of these tests. Stops the processes whose PIDs are in the
# variables BL_PIDS names, waits for them, and removes TMP unless KEEP is set.
bl_netns_cleanup() {
    local v
    for v in ${BL_PIDS:-}; do
        [ -n "${!v:-}" ] && kill "${!v}" 2>/dev/null
    done
    wait 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}

# bl_ipmi_sim_start EMU [PLUGIN_LOG]: ipmi_sim with $TMP/lan.conf and EMU, its state in
# $TMP/state, its output in $TMP/sim.out, $PRELOAD preloaded (a sanitizer-built plug-in's
# runtimes); SIM_PID its PID. Returns once UDP $PORT listens and, with PLUGIN_LOG, once the
# bmcsim plug-in logged its start there; exit 99 otherwise.
bl_ipmi_sim_start() {
    mkdir -p "$TMP/state"
    LD_PRELOAD=${PRELOAD:-} ASAN_OPTIONS=detect_leaks=0 \
        ipmi_sim -c "$TMP/lan.conf" -f "$1" -s "$TMP/state" -n >"$TMP/sim.out" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 50); do
        if [ -z "${2:-}" ] || grep -q "^[0-9]* start" "$2" 2>/dev/null; then
            ss -Hlun "sport = :$PORT" | grep -q . && return 0
        fi
        sleep 0.1
    done
    echo "ERROR: ipmi_sim did not start"
    cat "$TMP/sim.out"
    exit 99
}

# bl_trap_v3_files PORT ENGINE USER AUTHPASS PRIVPASS: $TMP/bmclink.conf with a receiver
# [trap-node n1] on 127.0.0.1:PORT for a BMC at 127.0.0.1 speaking SNMPv3 authPriv (SHA, AES)
# as USER of ENGINE, and the BMC's side for net-snmp's tools: $TMP/bmc/snmp.conf (use
# SNMPCONFPATH=$TMP/bmc), so the passphrases are in files, never on a command line.
bl_trap_v3_files() {
    cat >"$TMP/bmclink.conf" <<CONF
[trap-node n1]
address = 127.0.0.1:$1
bmc = 127.0.0.1
v3_user = $3
v3_engine_id = $2
v3_auth = SHA
v3_auth_pass = $4
v3_priv_pass = $5
CONF
    mkdir -p "$TMP/bmc"
    printf 'defSecurityName %s\ndefSecurityLevel authPriv\ndefAuthType SHA\ndefPrivType AES\n' \
        "$3" >"$TMP/bmc/snmp.conf"
    printf 'defAuthPassphrase %s\ndefPrivPassphrase %s\n' "$4" "$5" >>"$TMP/bmc/snmp.conf"
}

# bl_ipmi_sim_lan_conf NAME PASSWORD [CHASSIS_CONTROL]: $TMP/lan.conf for ipmi_sim: one BMC
# (0x20) on 127.0.0.1:$PORT, user 2 "admin" with PASSWORD at administrator level, MD5 for
# IPMI 1.5 and the mandatory suites for RMCP+; with CHASSIS_CONTROL, the program (and its
# arguments) that keeps the power state.
bl_ipmi_sim_lan_conf() {
    {
        printf 'name "%s"\nset_working_mc 0x20\n  startlan 1\n' "$1"
        printf '    addr 127.0.0.1 %s\n    priv_limit admin\n' "$PORT"
        for who in callback user operator admin; do
            printf '    allowed_auths_%s md5\n' "$who"
        done
        printf '    guid a123456789abcdefa123456789abcdef\n  endlan\n'
        [ -z "${3:-}" ] || printf '  chassis_control "%s"\n' "$3"
        printf '  user 2 true "admin" "%s" admin 10 md5\n' "$2"
    } >"$TMP/lan.conf"
}

# bl_bmcd_conf SERVICE BMCLINK_CONF LOG_LEVEL [LINE...]: $TMP/d.conf for bmclinkd: its log in
# $TMP/d.log, control socket SERVICE, no registry, the BMC side of node1 from BMCLINK_CONF;
# each LINE is added to its [bmc] group.
bl_bmcd_conf() {
    local service=$1 conf=$2 level=$3
    shift 3
    {
        printf '[daemon]\nlog-level = %s\nlog-target = stderr\n' "$level"
        printf 'log-file = %s\nipc-service = %s\n' "$TMP/d.log" "$service"
        printf '[registry]\nenabled = false\n'
        printf '[bmc]\nenabled = true\nconfig = %s\nnode-name = node1\n' "$conf"
        for line in "$@"; do
            printf '%s\n' "$line"
        done
    } >"$TMP/d.conf"
}

# bl_snmptrap_v1_pet SNMPCONFDIR DEST SEQ: the real snmptrap sends a recoverable v1 PET
# (sequence SEQ, stamped now) to DEST with the community and clientaddr of SNMPCONFDIR's
# snmp.conf (the community stays off the command line).
bl_snmptrap_v1_pet() {
    local ts hex
    ts=$(($(date +%s) - 883612800))
    hex=$(printf '%032x%04x%08xffff2020%02x20000000%s000000000000c1' 0 "$3" "$ts" 8 00ffffffffffffff)
    SNMPCONFPATH=$1 MIBS='' snmptrap -v1 -M /dev/null "$2" \
        1.3.6.1.4.1.3183.1.1 0.0.0.0 6 487168 0 1.3.6.1.4.1.3183.1.1.1 x "$hex"
}
