# shellcheck shell=bash disable=SC2034  # constants for the scripts that source us
# Shared definitions of the lab: names, addresses, paths, PID records, locks.
# Sourced by scripts/lab/lab, scripts/lab/node-init and scripts/lab/chassis-control.

# Errors inside $(...) must stop there too, or `i=$(need_node x)` would go on with "".
shopt -s inherit_errexit

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=${BMCLINK_LAB_DIR:-/var/lib/bmclink-lab}
LAB_SECRETS=$LAB_DIR/secrets
LAB_PASSWORD_FILE=$LAB_SECRETS/bmc-password
LAB_BMC_USER="admin"
LAB_BMC_PORT=623
LAB_BMC_CIPHER=3
LAB_CLUSTER_NAME=bmclink-lab
LAB_MAX_NODES=3

# Namespaces. One switch, one netns per node, per BMC, and the admin host.
NS_SWITCH=bl-sw
NS_ADMIN=bl-adm
BR_CLUSTER=br-cluster
BR_MGMT=br-mgmt
NET_CLUSTER=10.231.1
NET_MGMT=10.231.2
ADMIN_ADDR=$NET_MGMT.2

# The paths of a node's "disk": persistent across power cycles, bind-mounted by node-init.
# Directories first, then single files.
NODE_DISK_DIRS=(/etc/corosync /var/lib/corosync /var/log/corosync
                /var/lib/pacemaker /var/log/pacemaker
                /etc/bmclink /var/lib/bmclink /var/log/bmclink)
NODE_DISK_FILES=(/etc/hosts)
# Host directories a node sees merged with $LAB_DIR/overlay/<dir> (read-only overlayfs),
# so agents under test appear in /usr/sbin of the nodes only. Set up at boot.
NODE_OVERLAY_DIRS=(/usr/sbin /usr/lib/ocf/resource.d)
LAB_OVERLAY=$LAB_DIR/overlay
# Executables a node runs at boot, after pacemakerd (on its disk: survive power cycles).
NODE_BOOT_HOOKS=/etc/bmclink/lab-boot.d
# Inside a node, written by node-init into its private /run (lost on power off).
NODE_RUN_DIR=/run/bmclink-lab
# The PATH every process of a node gets (the host's may hold pyenv shims).
NODE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# lab_elapsed T0: seconds since T0 (an $EPOCHREALTIME value), one decimal.
lab_elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

node_ns()        { echo "bl-n$1"; }
bmc_ns()         { echo "bl-b$1"; }
node_name()      { echo "node$1"; }
node_dir()       { echo "$LAB_DIR/node$1"; }
node_disk()      { echo "$LAB_DIR/node$1/disk"; }
bmc_dir()        { echo "$LAB_DIR/bmc$1"; }
node_cluster_ip() { echo "$NET_CLUSTER.1$1"; }
node_mgmt_ip()   { echo "$NET_MGMT.1$1"; }
bmc_ip()         { echo "$NET_MGMT.2$1"; }

# node_index NODE: "node2", "n2" or "2" -> 2. Dies on anything else.
node_index() {
    local arg=${1:-}
    local i=${arg#node}
    i=${i#n}
    if ! [[ $i =~ ^[1-9]$ ]] || ((i > LAB_MAX_NODES)); then
        lab_die "unknown node '$arg' (expected node1..node$LAB_MAX_NODES)"
    fi
    echo "$i"
}

# lab_nodes: number of nodes of the current lab (0 when no lab is configured).
lab_nodes() {
    local n=0
    [[ -r $LAB_DIR/lab.conf ]] && n=$(sed -n 's/^NODES=//p' "$LAB_DIR/lab.conf")
    echo "${n:-0}"
}

# --- PID records -------------------------------------------------------------
# A record is "PID STARTTIME": the start time (field 22 of /proc/PID/stat) tells a
# live process from a recycled PID, so a stale file can never make us kill a stranger.

# proc_starttime PID: prints the start time, fails if PID is gone or a zombie.
proc_starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }            # comm may hold spaces and parentheses
    local -a f
    read -r -a f <<<"$rest"
    [[ ${f[0]} != Z && ${f[0]} != X ]] || return 1
    echo "${f[19]}"
}

# pid_record FILE PID: writes the record atomically.
pid_record() {
    local start
    start=$(proc_starttime "$2") || return 1
    echo "$2 $start" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# pid_alive FILE: prints the PID and succeeds if the recorded process still runs.
pid_alive() {
    local pid start now
    [[ -r $1 ]] || return 1
    read -r pid start <"$1" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    now=$(proc_starttime "$pid") || return 1
    [[ $now == "$start" ]] || return 1
    echo "$pid"
}

# pid_wait_gone TIMEOUT_S PID...: waits until every PID is gone or a zombie.
pid_wait_gone() {
    local deadline=$((SECONDS + $1)) pid left
    shift
    while :; do
        left=0
        for pid in "$@"; do
            proc_starttime "$pid" >/dev/null && left=1
        done
        ((left == 0)) && return 0
        ((SECONDS >= deadline)) && return 1
        sleep 0.05
    done
}

# pid_wait_reaped TIMEOUT_S PID...: waits until no PID is even a zombie any more.
pid_wait_reaped() {
    local deadline=$((SECONDS + $1)) pid left
    shift
    while :; do
        left=0
        for pid in "$@"; do
            [[ -e /proc/$pid ]] && left=1
        done
        ((left == 0)) && return 0
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# pid_kill FILE: SIGKILL the recorded process and wait for it; removes the record.
pid_kill() {
    local pid
    if pid=$(pid_alive "$1"); then
        kill -KILL "$pid" 2>/dev/null || true
        pid_wait_gone 10 "$pid" || lab_log "pid $pid ($1) survived SIGKILL"
    fi
    rm -f "$1"
}

# --- locks and detached children --------------------------------------------
# lab_lock FILE [TIMEOUT_S]: take an exclusive flock held until the shell exits.
# lab_spawn closes the descriptor in children, so a node never inherits a lock.
lab_lock() {
    local fd
    mkdir -p "$(dirname "$1")"
    exec {fd}>>"$1"
    flock -w "${2:-60}" "$fd" || lab_die "could not lock $1"
}

# lab_spawn LOGFILE CMD...: start CMD detached (new session, stdin /dev/null,
# output appended to LOGFILE, no inherited descriptor above 2). The PID of CMD
# is left in $! of the caller. ipmi_sim reads its chassis program through a pipe
# until EOF, so a child holding that pipe would block the BMC: hence no fds.
lab_spawn() {
    local log=$1
    shift
    (
        local fd
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && { eval "exec $fd>&-"; } 2>/dev/null
        done
        exec setsid "$@"
    ) </dev/null >>"$log" 2>&1 &
}
