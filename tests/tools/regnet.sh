# shellcheck shell=bash
# A private Corosync cluster of N nodes for the registry's integration checks and benchmark,
# each node in its own network, mount and PID namespace ("reg-<i>", joined to "reg-hub" by a
# veth pair and a bridge), so nothing touches the host's or the lab's (bl-*) Corosync.
# Sourced, not executed. Needs root, iproute2, util-linux, corosync.
#
#   reg_up N [durable]        create N nodes, start Corosync on each, wait for quorum
#   reg_exec I CMD...         run CMD inside node I (its network, mounts and PIDs)
#   reg_daemon_start I        start bmclinkd on node I (log: $REG_DIR/node-I/bmclinkd.log)
#   reg_daemon_kill I [SIG]   kill node I's bmclinkd (default KILL)
#   reg_cut I / reg_heal I    take node I's link down / up (a partition)
#   reg_down                  stop everything and remove the namespaces
#
# Each node's registry store lives on the real disk under $REG_DIR/node-I (fsync costs what
# it costs); Corosync's and the daemon's runtime files live on tmpfs inside the node.

REG_TOP=${REG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
REG_BUILD=${REG_BUILD:-$REG_TOP/build-reg}
REG_DIR=${REG_DIR:-$REG_BUILD/regnet}
REG_NET=10.77.0
REG_N=0

# The namespaces' names are fixed, so one private cluster at a time on the machine: whoever
# sources this waits for the others (a check and a benchmark started together would tear each
# other's cluster down). Held until the sourcing shell exits; nothing started in a node keeps it.
REG_LOCK=${REG_LOCK:-/run/lock/bmclink-regnet.lock}
# (Not root: no lock, and the caller skips.)
if exec {REG_LOCK_FD}>>"$REG_LOCK"; then
    flock "$REG_LOCK_FD"
fi 2>/dev/null

reg_log() { echo "reg: $*" >&2; }

# reg_holder_pid I: the PID of node I's namespace holder (its PID-namespace init).
reg_holder_pid() { cat "$REG_DIR/node-$1/holder.pid"; }

reg_exec() {
    local i=$1
    shift
    nsenter -t "$(reg_holder_pid "$i")" -n -m -p -r -w -- "$@" {REG_LOCK_FD}>&-
}

_reg_corosync_conf() {
    local n=$1 i
    printf 'totem {\n  version: 2\n  cluster_name: regbench\n  transport: knet\n'
    printf '  crypto_cipher: none\n  crypto_hash: none\n  token: 3000\n}\n'
    printf 'nodelist {\n'
    for ((i = 1; i <= n; i++)); do
        printf '  node {\n    ring0_addr: %s.%d\n    nodeid: %d\n    name: reg%d\n  }\n' \
            "$REG_NET" "$i" "$i" "$i"
    done
    printf '}\nquorum {\n  provider: corosync_votequorum\n'
    [ "$n" -eq 2 ] && printf '  two_node: 1\n'
    # No realtime scheduling: on one machine every node shares the CPUs, and three SCHED_RR
    # Corosyncs spinning the token would starve every other process (on real nodes each
    # Corosync has a machine to itself). REG_COROSYNC_RT=1 keeps Corosync's default.
    [ -z "${REG_COROSYNC_RT:-}" ] && printf '}\nsystem {\n  sched_rr: no\n'
    printf '}\nlogging {\n  to_syslog: no\n  to_stderr: no\n  to_logfile: yes\n'
    printf '  logfile: /var/log/corosync/corosync.log\n  timestamp: on\n}\n'
}

_reg_daemon_conf() {
    local i=$1 durable=$2
    printf '[daemon]\nlog-level = info\nlog-target = stderr\n'
    printf '[registry]\nstore = %s/node-%d/registry.db\ndurable = %s\n' "$REG_DIR" "$i" "$durable"
}

# The node's private mounts: runtime state on tmpfs, configuration written in place.
_reg_node_init() {
    local i=$1 n=$2 durable=$3 d
    for d in /run /dev/shm /etc/corosync /var/lib/corosync /var/log/corosync /etc/bmclink \
        /var/lib/pacemaker /var/log/pacemaker /var/lib/bmclink; do
        mkdir -p "$d"
        mount -t tmpfs -o mode=0755 "reg$i" "$d"
    done
    chmod 1777 /dev/shm # libqb IPC servers that are not root (Pacemaker's) create files here
    mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox \
        /var/lib/pacemaker/cores /run/crm
    chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker /run/crm 2>/dev/null
    _reg_corosync_conf "$n" >/etc/corosync/corosync.conf
    _reg_daemon_conf "$i" "$durable" >/etc/bmclink/bmclinkd.conf
    ip link set lo up
}

reg_up() {
    local n=$1 durable=${2:-true} i
    REG_N=$n
    mkdir -p "$REG_DIR"
    ip netns add reg-hub
    ip -n reg-hub link add regbr type bridge
    ip -n reg-hub link set regbr up
    for ((i = 1; i <= n; i++)); do
        mkdir -p "$REG_DIR/node-$i"
        ip netns add "reg-$i"
        ip link add "regv$i" netns "reg-$i" type veth peer name "regp$i" netns reg-hub
        ip -n reg-hub link set "regp$i" master regbr up
        ip -n "reg-$i" addr add "$REG_NET.$i/24" dev "regv$i"
        ip -n "reg-$i" link set "regv$i" up
        # The holder: init of the node's PID namespace, keeping its mounts alive.
        ip netns exec "reg-$i" unshare --mount --pid --fork --mount-proc --propagation private \
            bash -c "$(declare -f _reg_node_init _reg_corosync_conf _reg_daemon_conf);
                     REG_NET=$REG_NET REG_DIR=$REG_DIR REG_COROSYNC_RT=${REG_COROSYNC_RT:-} \
                     _reg_node_init $i $n $durable;
                     exec sleep infinity" {REG_LOCK_FD}>&- &
        echo $! >"$REG_DIR/node-$i/unshare.pid"
    done
    sleep 0.5
    for ((i = 1; i <= n; i++)); do
        # unshare --fork: the holder is unshare's child.
        pgrep -P "$(cat "$REG_DIR/node-$i/unshare.pid")" >"$REG_DIR/node-$i/holder.pid"
        reg_exec "$i" bash -c "corosync -f >/var/log/corosync/stdout 2>&1 &
            echo \$! >/run/corosync.pid"
    done
    reg_wait_quorum "$n"
}

# reg_wait_quorum COUNT: until every node's votequorum is quorate with COUNT members.
reg_wait_quorum() {
    local want=$1 i t
    for ((i = 1; i <= REG_N; i++)); do
        for ((t = 0; t < 100; t++)); do
            if reg_exec "$i" corosync-quorumtool -s 2>/dev/null | grep -q "Quorate: *Yes"; then
                break
            fi
            sleep 0.1
        done
    done
    reg_exec 1 corosync-quorumtool -s 2>/dev/null | grep -E "Quorate|Total votes" >&2
}

reg_daemon_start() {
    local i=$1
    reg_exec "$i" bash -c "$REG_BUILD/monitor/bmclinkd -c /etc/bmclink/bmclinkd.conf \
        >>$REG_DIR/node-$i/bmclinkd.log 2>&1 & echo \$! >/run/bmclinkd.pid"
}

# reg_daemon_pid I: bmclinkd's PID as the host sees it (for kill by PID).
reg_daemon_pid() {
    local inner
    inner=$(reg_exec "$1" cat /run/bmclinkd.pid)
    # Translate the namespace PID to the host's: the holder's descendants carry NSpid.
    local p
    for p in $(pgrep -f "$REG_BUILD/monitor/bmclinkd"); do
        if awk '/^NSpid:/ {print $NF}' "/proc/$p/status" | grep -qx "$inner" &&
            [ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$(reg_holder_pid "$1")/ns/pid")" ]; then
            echo "$p"
            return
        fi
    done
}

reg_daemon_kill() {
    local pid
    pid=$(reg_daemon_pid "$1")
    [ -n "$pid" ] && kill "-${2:-KILL}" "$pid"
}

# reg_reg I ARGS...: bmclink-reg inside node I.
reg_reg() {
    local i=$1
    shift
    reg_exec "$i" "$REG_BUILD/cli/bmclink-reg" "$@"
}

# reg_wait_active I [SECONDS]: until node I's registry is in sync (active); the daemon may
# still be starting, so a refused connection is retried.
reg_wait_active() {
    local t
    for ((t = 0; t < 50; t++)); do
        reg_reg "$1" status >/dev/null 2>&1
        [ $? -ne 1 ] && break
        sleep 0.1
    done
    reg_reg "$1" --timeout "${2:-20}" wait
}

reg_cut() { ip -n reg-hub link set "regp$1" down; }
reg_heal() { ip -n reg-hub link set "regp$1" up; }

reg_down() {
    local i f
    for f in "$REG_DIR"/node-*/holder.pid; do
        [ -f "$f" ] || continue
        # Killing a PID namespace's init ends every process in it (Corosync, bmclinkd).
        kill -KILL "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    for f in "$REG_DIR"/node-*/unshare.pid; do
        [ -f "$f" ] || continue
        wait "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    for i in $(ip netns list | awk '/^reg-/ {print $1}'); do
        ip netns del "$i"
    done
}

# --- for the checks that use this cluster (tests/integration/reg_*_check.sh) -----------

# regnet_require: root (else skip, 77), the tools and the build (else error, 99).
regnet_require() {
    local tool
    if [ "$(id -u)" -ne 0 ]; then
        echo "skip: must run as root (network namespaces)"
        exit 77
    fi
    for tool in corosync unshare nsenter ip; do
        command -v "$tool" >/dev/null || { echo "ERROR: $tool is not installed"; exit 99; }
    done
    [ -x "$REG_BUILD/monitor/bmclinkd" ] || { echo "ERROR: build $REG_BUILD first"; exit 99; }
}

# check DESCRIPTION CMD...: run CMD, print "ok - ..." or "not ok - ...", count the result;
# check_report prints "N passed, N failed" and fails when one did.
passed=0 failed=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok - $what"
        passed=$((passed + 1))
    else
        echo "not ok - $what"
        failed=$((failed + 1))
    fi
}
check_report() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# same_history: the identity line of every node's status is the same (the replicas agree).
same_history() {
    local first="" i line
    for ((i = 1; i <= REG_N; i++)); do
        line=$(reg_reg "$i" status 2>/dev/null | sed -n 3p)
        [ -n "$line" ] || return 1
        [ -z "$first" ] && first=$line
        [ "$line" = "$first" ] || { echo "  node $i: $line / node 1: $first"; return 1; }
    done
}
