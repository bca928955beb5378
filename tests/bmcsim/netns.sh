# Sourced by the tests that run real daemons (ipmi_sim, snmptrapd, our receiver) on the
# loopback of a private network namespace: tests/bmcsim/test-bmcsim.sh,
# tests/unit/heartbeat_sel_sim.sh, tests/unit/trap_forward_v3.sh.

# bl_netns_enter "$0" "$@": with the tools in $BL_NEEDS, root and unshare, run the script
# again in a new network namespace (never returns); otherwise exit 77 saying why. Inside the
# namespace (BL_IN_NETNS set) it returns at once.
bl_netns_enter() {
    [ -n "${BL_IN_NETNS:-}" ] && return 0
    for t in ${BL_NEEDS:-}; do
        command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
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
