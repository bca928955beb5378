# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: install Debian 12 packages, build, install.
# Sourced, not executed. Everything here is idempotent, so running it twice costs little.

BL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BL_BUILD=${BL_BUILD:-$BL_TOP/build}

# Everything the build, the agents (ours and the resource-agents / fence-agents ones the lab
# uses: Filesystem, IPaddr2, Dummy, fence_ipmilan), the demo and the tests call, on a
# minimal Debian 12 (debootstrap --variant=minbase; scripts/cleanroom proves it).
BL_PACKAGES=(
    # build
    build-essential cmake pkg-config clang libclang-rt-14-dev
    libqb-dev libcpg-dev libquorum-dev libvotequorum-dev libcmocka-dev libglib2.0-dev
    libsqlite3-dev libsnmp-dev libopenipmi-dev pacemaker-dev
    # the cluster and its tools (pcs and crmsh as the examples use them)
    corosync pacemaker pacemaker-cli-utils pcs crmsh
    # the agents we drive and compare with, and what they call: Filesystem needs modprobe
    # (kmod), fsck/mount/blockdev (util-linux, mount), fuser (psmisc); IPaddr2 needs ip
    fence-agents resource-agents kmod mount util-linux psmisc
    # BMCs, traps and the registry's tools; xmllint validates the agents' meta-data;
    # FreeIPMI's ipmipower vouches for the suite-17 test BMC (which needs libssl-dev's AES)
    openipmi ipmitool freeipmi-tools libssl-dev snmp snmptrapd sqlite3 libxml2-utils
    # the lab: namespaces, veth and bridges (ip rule's "ipproto udp" reads /etc/protocols:
    # netbase), the shared ext4 disk, process checks
    iproute2 netbase procps e2fsprogs gawk
)

# Commands the demo and the tests call, each with the package that brings it: checked
# after the install, so a package missing from the list above fails here, naming the
# command, instead of as a time-out deep inside a lab test.
BL_COMMANDS=(
    cc:build-essential cmake:cmake pkg-config:pkg-config clang:clang
    corosync:corosync pacemakerd:pacemaker crm_mon:pacemaker-cli-utils cibadmin:pacemaker-cli-utils
    pcs:pcs crm:crmsh fence_ipmilan:fence-agents ocf-tester:resource-agents
    modprobe:kmod fsck:util-linux mount:mount blockdev:util-linux fuser:psmisc
    ipmi_sim:openipmi ipmitool:ipmitool ipmipower:freeipmi-tools snmptrap:snmp snmptrapd:snmptrapd sqlite3:sqlite3
    ip:iproute2 ss:iproute2 unshare:util-linux nsenter:util-linux losetup:util-linux
    flock:util-linux setsid:util-linux findmnt:util-linux mkfs.ext4:e2fsprogs
    ps:procps pgrep:procps awk:gawk ldd:libc-bin timeout:coreutils xmllint:libxml2-utils
)

bl_need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$0: must run as root (it installs packages and builds network namespaces)" >&2
        exit 1
    fi
}

bl_install_deps() {
    local missing=()
    local p
    for p in "${BL_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "== packages: all ${#BL_PACKAGES[@]} present"
    else
        echo "== packages: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/tmp/bmclink-apt.log 2>&1 || { tail -20 /tmp/bmclink-apt.log; return 1; }
    fi
    bl_check_commands
}

# bl_check_commands: every command of BL_COMMANDS is on the PATH; names each missing one.
bl_check_commands() {
    local pair missing=0
    for pair in "${BL_COMMANDS[@]}"; do
        if ! command -v "${pair%%:*}" >/dev/null; then
            echo "$0: command '${pair%%:*}' not found (package ${pair#*:}: is it in BL_PACKAGES" \
                "of scripts/setup.sh?)" >&2
            missing=1
        fi
    done
    return "$missing"
}

# bl_build [extra cmake args...]: configure and build into $BL_BUILD.
bl_build() {
    echo "== build: $BL_BUILD"
    cmake -S "$BL_TOP" -B "$BL_BUILD" -DCMAKE_INSTALL_PREFIX=/usr -DBMCLINK_WERROR=ON "$@" >/dev/null
    cmake --build "$BL_BUILD" -j"$(nproc)" >/dev/null 2>"$BL_BUILD.log" || {
        cat "$BL_BUILD.log" >&2
        return 1
    }
}

# Pacemaker looks for fence agents in /usr/sbin and OCF agents in /usr/lib/ocf/resource.d,
# so the lab needs the agents installed, as a package would install them.
bl_install() {
    echo "== install to /usr"
    cmake --install "$BL_BUILD" >/dev/null
}
