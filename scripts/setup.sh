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
    libqb-dev libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev libcmocka-dev libglib2.0-dev
    libsqlite3-dev libsnmp-dev libopenipmi-dev pacemaker-dev libjson-glib-dev
    # the cluster and its tools (pcs and crmsh as the examples use them)
    corosync pacemaker pacemaker-cli-utils pcs crmsh
    # the agents we drive and compare with, and what they call: Filesystem needs modprobe
    # (kmod), fsck/mount/blockdev (util-linux, mount), fuser (psmisc); IPaddr2 needs ip
    fence-agents resource-agents kmod mount util-linux psmisc
    # BMCs, traps and the registry's tools; xmllint validates the agents' meta-data;
    # FreeIPMI's ipmipower vouches for the suite-17 test BMC (which needs libssl-dev's AES)
    openipmi ipmitool freeipmi-tools libssl-dev snmp snmptrapd sqlite3 libxml2-utils
    # the Debian package the demo and the tests install, and its man pages' index
    debhelper lintian man-db
    # the lab: namespaces, veth and bridges (ip rule's "ipproto udp" reads /etc/protocols:
    # netbase), the shared ext4 disk, process checks
    iproute2 netbase procps e2fsprogs gawk
    # the in-band test (tests/kvm): a QEMU guest with the kernel's IPMI driver, whose root
    # is built with debootstrap and written into an ext4 image
    qemu-system-x86 debootstrap
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
    dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian mandb:man-db
    ps:procps pgrep:procps awk:gawk ldd:libc-bin timeout:coreutils xmllint:libxml2-utils
    qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap
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

# bl_install: build the Debian package from this checkout (debian/, debhelper), check it with
# lintian and install it as an administrator would (apt resolves its Depends): Pacemaker then
# runs the packaged agents (/usr/sbin, /usr/lib/ocf/resource.d/bmclink) and daemon, so every
# demo and test run proves the package. Built in a copy of the checkout without .git and its
# build trees (dpkg-buildpackage writes into the parent directory).
BL_DEB_DIR=${BL_DEB_DIR:-/var/tmp/bmclink-deb}
bl_install() {
    local src=$BL_DEB_DIR/bmclink
    echo "== package: dpkg-buildpackage -b, lintian, apt-get install ($BL_DEB_DIR)"
    rm -rf "$BL_DEB_DIR" && mkdir -p "$src" || return 1
    tar -C "$BL_TOP" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf - ||
        return 1
    (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) \
        >"$BL_DEB_DIR/build.log" 2>&1 || { tail -30 "$BL_DEB_DIR/build.log" >&2; return 1; }
    # Every tag down to info, overridden ones too (O:), so the log shows what each override
    # hides; only an error or a warning fails.
    lintian --fail-on error,warning --display-info --show-overrides \
        "$BL_DEB_DIR"/bmclink_*.changes || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --reinstall \
        "$BL_DEB_DIR"/bmclink_*_"$(dpkg --print-architecture)".deb >/tmp/bmclink-apt.log 2>&1 ||
        { tail -20 /tmp/bmclink-apt.log; return 1; }
    bl_check_man_index
}

# bl_check_man_index: every man page the package installed is listed by `man -k bmclink`
# (what an administrator types first). Prints the list.
bl_check_man_index() {
    local page name sec listed missing=0
    mandb -q 2>/dev/null
    listed=$(man -k bmclink 2>/dev/null)
    echo "== man -k bmclink"
    echo "$listed"
    for page in $(dpkg -L bmclink | grep -E '^/usr/share/man/man[0-9]/.+\.gz$'); do
        name=$(basename "$page" .gz)
        sec=${name##*.}
        name=${name%.*}
        grep -q "^$name ($sec)" <<<"$listed" || { echo "man -k bmclink lacks $name($sec)" >&2; missing=1; }
    done
    return "$missing"
}
