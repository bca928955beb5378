# shellcheck shell=bash
# The lab network: netns bl-sw holds two bridges (cluster, management); every node,
# BMC and the admin host is a netns with veths into them. Nothing routes out.
#
#   bl-n<i>  eth0 10.231.1.1<i> --- n<i>c  [br-cluster]  (bl-sw)
#   bl-n<i>  eth1 10.231.2.1<i> --- n<i>m  [br-mgmt]     (bl-sw)
#   bl-b<i>  eth0 10.231.2.2<i> --- b<i>m  [br-mgmt]
#   bl-adm   eth0 10.231.2.2    --- admm   [br-mgmt]

ns_exists() { [[ -e /run/netns/$1 ]]; }

# ns_add NAME: create the netns with lo up and IPv6 off (no RA/DAD chatter).
ns_add() {
    ns_exists "$1" && return 0
    ip netns add "$1"
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
}

# net_port NS IFNAME ADDR/PREFIX BRIDGE SWITCHPORT: a veth from NS into a bridge.
net_port() {
    local ns=$1 ifname=$2 addr=$3 bridge=$4 port=$5
    if ! ip -n "$ns" link show "$ifname" >/dev/null 2>&1; then
        ip -n "$NS_SWITCH" link del "$port" 2>/dev/null || true
        ip link add "$port" netns "$NS_SWITCH" type veth peer name "$ifname" netns "$ns"
    fi
    ip -n "$NS_SWITCH" link set "$port" master "$bridge" up
    ip -n "$ns" addr replace "$addr" dev "$ifname"
    ip -n "$ns" link set "$ifname" up
}

net_switch_up() {
    local br
    ns_add "$NS_SWITCH"
    for br in "$BR_CLUSTER" "$BR_MGMT"; do
        ip -n "$NS_SWITCH" link show "$br" >/dev/null 2>&1 \
            || ip -n "$NS_SWITCH" link add "$br" type bridge stp_state 0 forward_delay 0
        ip -n "$NS_SWITCH" link set "$br" up
    done
}

# net_up N: the whole network for N nodes (idempotent).
net_up() {
    local n=$1 i
    net_switch_up
    for ((i = 1; i <= n; i++)); do
        ns_add "$(node_ns "$i")"
        net_port "$(node_ns "$i")" eth0 "$(node_cluster_ip "$i")/24" "$BR_CLUSTER" "n${i}c"
        net_port "$(node_ns "$i")" eth1 "$(node_mgmt_ip "$i")/24" "$BR_MGMT" "n${i}m"
        ns_add "$(bmc_ns "$i")"
        net_port "$(bmc_ns "$i")" eth0 "$(bmc_ip "$i")/24" "$BR_MGMT" "b${i}m"
    done
    ns_add "$NS_ADMIN"
    net_port "$NS_ADMIN" eth0 "$ADMIN_ADDR/24" "$BR_MGMT" admm
}

# net_cut I / net_heal I: pull / plug node I's cable on the cluster switch.
net_cut()  { ip -n "$NS_SWITCH" link set "n${1}c" down; }
net_heal() { ip -n "$NS_SWITCH" link set "n${1}c" up; }

# net_link_state I: "up" or "cut".
net_link_state() {
    if ip -n "$NS_SWITCH" -o link show "n${1}c" 2>/dev/null | grep -q '[<,]UP[,>]'; then
        echo up
    else
        echo cut
    fi
}

# lab_namespaces: every netns of the lab that exists now (ours all start with bl-).
lab_namespaces() { ip netns list 2>/dev/null | awk '$1 ~ /^bl-/ { print $1 }'; }

# lab_ns_pids: PIDs of every process living in a lab netns (all of them are ours:
# nodes, BMCs, `lab x` / `lab adm` commands).
lab_ns_pids() {
    local ns
    for ns in $(lab_namespaces); do
        ip netns pids "$ns" 2>/dev/null || true
    done
}

# net_delete: delete every lab netns (kill what lives in them first).
net_delete() {
    local ns
    for ns in $(lab_namespaces); do
        ip netns del "$ns"
    done
}
