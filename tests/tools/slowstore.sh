# shellcheck shell=bash
# bmclinkd with its registry on a one-node Corosync and its BMC side against ipmi_sim with the
# bmcsim plug-in, slow_fsync.so preloaded: shared by tests/integration/test_bmcd_slow_store.sh
# and scripts/bench/store-stall-bench. Sourced after netns.sh, inside private network and mount
# namespaces (ss_enter), with TMP set (bl_netns_tmp).
#
#   ss_enter "$0" "$@"       re-run the script in new network and mount namespaces (root)
#   ss_corosync              Corosync on a private tmpfs and a veth address; CS_PID; waits
#                            until quorate (exit 99 if never)
#   ss_bmc PORT TRAP_PORT    ipmi_sim with bmcsim (needs SO, HERE, PRELOAD, IPMI_PASSWORD);
#                            every Get Chassis Status appends "get <epoch s.ns>" to $TMP/gets.log
#   ss_daemon SERVICE HB_MS [SLOWSYNC_MS]
#                            bmclinkd (DAEMON, SHIM) with the registry in $TMP/reg and the BMC
#                            side of node1, every sync of the registry's files held while
#                            $TMP/sync.release is missing and slowed by SLOWSYNC_MS; DAEMON_PID;
#                            returns once the registry is in sync (exit 99 if never)

ss_enter() {
    [ -n "${BL_IN_NETNS:-}" ] && return 0
    for t in corosync corosync-quorumtool ipmi_sim ipmitool ss; do
        command -v "$t" >/dev/null || { echo "ERROR: $t is not installed"; exit 99; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for private namespaces"; exit 77; }
    unshare -n -m true 2>/dev/null || { echo "SKIP: cannot create namespaces here"; exit 77; }
    # a mount namespace too: Corosync's and libqb's runtime files on a private tmpfs
    BL_IN_NETNS=1 exec unshare -n -m --propagation private "$@"
}

# ss_wait TENTHS CMD...: bounded wait, 1 when CMD never held
ss_wait() {
    local n=$1
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

ss_corosync() {
    local d
    for d in /run /var/lib/corosync /var/log/corosync /dev/shm; do
        mount -t tmpfs -o mode=0755 bl-slowstore "$d" || { echo "ERROR: cannot mount $d"; exit 99; }
    done
    chmod 1777 /dev/shm
    # Corosync wants an address that is not loopback: one end of a veth pair (no dummy
    # module everywhere).
    { ip link add bl0 type veth peer name bl1 && ip addr add 10.79.0.1/24 dev bl0 &&
        ip link set bl1 up && ip link set bl0 up; } || { echo "ERROR: no veth pair"; exit 99; }
    {
        printf 'totem {\n  version: 2\n  cluster_name: slowstore\n  transport: knet\n'
        printf '  crypto_cipher: none\n  crypto_hash: none\n}\n'
        printf 'nodelist {\n  node {\n    ring0_addr: 10.79.0.1\n    nodeid: 1\n'
        printf '    name: node1\n  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n'
        printf 'system {\n  sched_rr: no\n}\nlogging {\n  to_syslog: no\n  to_stderr: no\n'
        printf '  to_logfile: yes\n  logfile: %s/corosync.log\n}\n' "$TMP"
    } >"$TMP/corosync.conf"
    corosync -f -c "$TMP/corosync.conf" >"$TMP/corosync.out" 2>&1 &
    CS_PID=$!
    ss_wait 100 sh -c 'corosync-quorumtool -s 2>/dev/null | grep -q "Quorate: *Yes"' ||
        { echo "ERROR: Corosync is not quorate"; cat "$TMP/corosync.out" "$TMP/corosync.log"; exit 99; }
}

ss_bmc() {
    local port=$1 trap_port=$2
    (
        umask 077
        printf '#!/bin/sh\n[ "$1" = get ] && { echo "get $(date +%%s.%%N)" >>"%s/gets.log"; echo power:1; }\nexit 0\n' \
            "$TMP" >"$TMP/chassis"
        chmod 700 "$TMP/chassis"
        cat >"$TMP/bmcsim.conf" <<CONF
trap_target = 127.0.0.1:$trap_port
trap_version = v1
community = sl0w
agent_addr = 127.0.0.1
grace_ms = 30000
window_ms = 60000
resend_ms = 1000
resend_max = 30
off_ms = 100
chassis_control = $HERE/chassis-record $TMP
log = $TMP/bmcsim.log
CONF
        sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$TMP|g" -e "s|@SO@|$SO|g" \
            -e "s|bmcsim-pw|$IPMI_PASSWORD|" \
            -e "s|^  endlan|  endlan\n  chassis_control \"$TMP/chassis\"|" \
            "$HERE/lan.conf.in" >"$TMP/lan.conf"
        printf '%s\n' "$IPMI_PASSWORD" >"$TMP/bmc-password"
        cat >"$TMP/bmclink.conf" <<CONF
[trap-node node1]
address = 127.0.0.1:$trap_port
bmc = 127.0.0.1
community = sl0w
[bmc]
username = admin
password_file = $TMP/bmc-password
port = $port
cipher = 3
[heartbeat]
interval_ms = @HB_MS@
publish = false
[recovery]
action = none
CONF
    )
    PORT=$port bl_ipmi_sim_start "$HERE/bmc.emu" "$TMP/bmcsim.log"
}

ss_daemon() {
    local service=$1 hb=$2 ms=${3:-}
    sed -i "s|^interval_ms = .*|interval_ms = $hb|; s|@HB_MS@|$hb|" "$TMP/bmclink.conf"
    printf '[daemon]\nlog-level = info\nlog-target = stderr\nlog-file = %s/d.log\n' "$TMP" >"$TMP/d.conf"
    printf 'ipc-service = %s\n[registry]\nstore = %s/reg/registry.db\n' "$service" "$TMP" >>"$TMP/d.conf"
    printf '[bmc]\nenabled = true\nconfig = %s/bmclink.conf\nnode-name = node1\n' "$TMP" >>"$TMP/d.conf"
    mkdir -p "$TMP/reg"
    touch "$TMP/sync.release"
    env LD_PRELOAD="${PRELOAD:-} $SHIM" BL_SLOWSYNC_MATCH="$TMP/reg/registry.db" \
        BL_SLOWSYNC_HOLD="$TMP/sync" ${ms:+BL_SLOWSYNC_MS=$ms} \
        "$DAEMON" -c "$TMP/d.conf" >>"$TMP/d.out" 2>&1 &
    DAEMON_PID=$!
    # still starting: a refused connection (exit 1) is tried again
    _ss_reg_up() { "$REG" -s "$service" status >/dev/null 2>&1; [ $? -ne 1 ]; }
    ss_wait 100 _ss_reg_up
    "$REG" -s "$service" -t 60 wait >/dev/null 2>&1 ||
        { echo "ERROR: the registry never got in sync"; cat "$TMP/d.out"; exit 99; }
}
