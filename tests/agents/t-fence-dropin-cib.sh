#!/usr/bin/env bash
# fence_bmclink as a drop-in for fence_ipmilan, the way pcs and crmsh see it (no cluster,
# CIB files only): a stonith device created by pcs for fence_ipmilan with every parameter
# fence_ipmilan's metadata lists, its agent name then swapped to fence_bmclink (and to each
# fence_bmclink_<alias>), passes `crm configure verify`, `crm_verify` and pcs updates; and
# `pcs stonith create` / `crm configure primitive` take the same parameters for fence_bmclink
# without --force.
#   t-fence-dropin-cib.sh AGENT
# pcs and crm read an agent's metadata from /usr/sbin/<agent>. The built agent is shown
# there in a private mount namespace only (a /usr/sbin of links to the real one, plus ours):
# nothing on the host changes. Exit 0 pass, 77 skip (says why), 1 failures.
set -u
AGENT=$(readlink -f "${1:?agent binary}")
ALIASES="ipmilanplus ilo3 ilo4 ilo5 imm idrac"
for t in pcs crm cibadmin crm_verify xmllint fence_ipmilan unshare mount; do
    command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
if [ -z "${BL_IN_MNTNS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private mount namespace"; exit 77; }
    unshare -m --propagation private true 2>/dev/null ||
        { echo "SKIP: cannot create a mount namespace here"; exit 77; }
    BL_IN_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi

T=$(mktemp -d /tmp/bl-dropin-cib.XXXXXX) || exit 99
cleanup() {
    # rmdir, never rm -r, on the mount point of the real /usr/sbin
    umount /usr/sbin 2>/dev/null
    umount "$T/real" 2>/dev/null && rmdir "$T/real"
    rm -rf "$T/sbin" "$T"/*.xml "$T"/*.log "$T"/*.txt
    rmdir "$T"
}
trap cleanup EXIT
mkdir "$T/real" "$T/sbin" && mount --bind /usr/sbin "$T/real" || exit 99
for f in "$T"/real/*; do ln -s "$f" "$T/sbin/${f##*/}"; done
ln -sfn "$AGENT" "$T/sbin/fence_bmclink"
for a in $ALIASES; do ln -sfn fence_bmclink "$T/sbin/fence_bmclink_$a"; done
mount --bind "$T/sbin" /usr/sbin || exit 99

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok   $*"; }

# A value for every parameter fence_ipmilan's metadata lists (action is pcs's to refuse:
# it is Pacemaker's, not the device's; help and version print and stop).
fence_ipmilan -o metadata 2>/dev/null >"$T/ipmilan.xml"
xmllint --xpath '//parameter/@name' "$T/ipmilan.xml" | grep -o '"[^"]*"' | tr -d '"' \
    >"$T/names.txt"
[ "$(wc -l <"$T/names.txt")" -gt 30 ] || { echo "ERROR: fence_ipmilan metadata unreadable"; exit 99; }
ATTRS=()
while read -r n; do
    case $n in
        action | help | version) continue ;;
        ip | ipaddr) v=10.0.0.1 ;; ipport) v=623 ;; username | login) v=admin ;;
        password | passwd) v=secret ;; password_script | passwd_script) v="cat /etc/bmc.pw" ;;
        auth) v=md5 ;; cipher) v=3 ;; privlvl) v=operator ;; method) v=onoff ;;
        hexadecimal_kg) v=0102 ;; debug | debug_file) v=/tmp/fence.log ;; plug_separator) v=, ;;
        plug | port) v=node1 ;; target) v=0x82 ;; ipmitool_path) v=/usr/bin/ipmitool ;;
        sudo_path) v=/usr/bin/sudo ;; ipmitool_timeout) v=2 ;; disable_timeout) v=false ;;
        verbose_level) v=0 ;; lanplus | port_as_ip | sudo | use_sudo | quiet | verbose) v=0 ;;
        *) v=5 ;; # delay, login_timeout, power_timeout, power_wait, retry_on ...
    esac
    ATTRS+=("$n=$v")
done <"$T/names.txt"
echo "# ${#ATTRS[@]} parameters: ${ATTRS[*]}"

# pcs: the fence_ipmilan device, then the same for fence_bmclink, neither with --force.
cibadmin --empty >"$T/ipmilan-cib.xml"
pcs -f "$T/ipmilan-cib.xml" stonith create dev fence_ipmilan "${ATTRS[@]}" >"$T/pcs1.log" 2>&1 &&
    pass "pcs takes every fence_ipmilan parameter for fence_ipmilan" ||
    { cat "$T/pcs1.log"; echo "ERROR: pcs refuses fence_ipmilan's own parameters"; exit 99; }
cibadmin --empty >"$T/bmclink-cib.xml"
pcs -f "$T/bmclink-cib.xml" stonith create dev fence_bmclink "${ATTRS[@]}" >"$T/pcs2.log" 2>&1 &&
    pass "pcs stonith create fence_bmclink with every fence_ipmilan parameter" ||
    { sed 's/^/   | /' "$T/pcs2.log"; fail "pcs stonith create fence_bmclink"; }
# Warnings pcs gives for fence_ipmilan's deprecated names, and no others.
diff <(grep -i warn "$T/pcs1.log" | sort) <(grep -i warn "$T/pcs2.log" | sort) >/dev/null &&
    pass "pcs warns alike for both (deprecated names only)" ||
    fail "pcs warnings differ: $(diff <(grep -i warn "$T/pcs1.log") <(grep -i warn "$T/pcs2.log") | tr '\n' ' ')"

# The fence_ipmilan CIB with only the agent's name changed, under each name we install.
for name in fence_bmclink $(for a in $ALIASES; do echo "fence_bmclink_$a"; done); do
    sed "s/type=\"fence_ipmilan\"/type=\"$name\"/" "$T/ipmilan-cib.xml" >"$T/swap.xml"
    grep -q "type=\"$name\"" "$T/swap.xml" || { fail "$name: swap"; continue; }
    CIB_file=$T/swap.xml crm configure verify >"$T/crm.log" 2>&1
    if grep -q 'is not known\|ERROR' "$T/crm.log"; then
        sed 's/^/   | /' "$T/crm.log"
        fail "$name: crm configure verify"
    else
        pass "$name: crm configure verify of the swapped CIB"
    fi
    crm_verify -x "$T/swap.xml" >"$T/crm_verify.log" 2>&1 || fail "$name: crm_verify"
    pcs -f "$T/swap.xml" stonith update dev power_timeout=30 >"$T/pcs3.log" 2>&1 &&
        pass "$name: pcs stonith update on the swapped CIB" ||
        { sed 's/^/   | /' "$T/pcs3.log"; fail "$name: pcs stonith update"; }
done

# crmsh creating the device itself.
cibadmin --empty >"$T/crm-cib.xml"
CIB_file=$T/crm-cib.xml crm configure primitive dev stonith:fence_bmclink \
    params "${ATTRS[@]}" >"$T/crm2.log" 2>&1
grep -q 'is not known\|ERROR' "$T/crm2.log" &&
    { sed 's/^/   | /' "$T/crm2.log"; fail "crm configure primitive stonith:fence_bmclink"; } ||
    pass "crm configure primitive stonith:fence_bmclink with every fence_ipmilan parameter"

[ "$fails" = 0 ] && echo "t-fence-dropin-cib: fence_ipmilan's configuration loads for fence_bmclink"
[ "$fails" = 0 ]
