# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: install Debian 12 packages, build, install.
# Sourced, not executed. Everything here is idempotent, so running it twice costs little.

BL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BL_BUILD=${BL_BUILD:-$BL_TOP/build}

# Build and run dependencies; test-only peers (fence_ipmilan, snmptrapd, ocf-tester) included,
# because the tests compare against them and the demo uses pcs/crmsh.
BL_PACKAGES=(
    build-essential cmake pkg-config clang libclang-rt-14-dev
    corosync pacemaker pacemaker-dev pacemaker-cli-utils pcs crmsh
    libqb-dev libcpg-dev libquorum-dev libvotequorum-dev libcmocka-dev libglib2.0-dev
    libsqlite3-dev sqlite3
    libsnmp-dev snmp snmptrapd
    libopenipmi-dev openipmi ipmitool
    fence-agents resource-agents
    iproute2 util-linux procps psmisc e2fsprogs
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
        return 0
    fi
    echo "== packages: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/tmp/bmclink-apt.log 2>&1 || { tail -20 /tmp/bmclink-apt.log; return 1; }
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
