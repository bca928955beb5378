#!/usr/bin/env bash
# The node's own BMC in-band, on a real kernel driver: a KVM guest (Debian 12's kernel,
# ipmi_si + ipmi_devintf) whose BMC is ipmi_sim attached through QEMU's ipmi-bmc-extern
# (ipmi_sim's serial interface, VM codec) and a KCS interface. bmclinkd runs in the guest
# with [bmc] path = inband; the guest has no route to ipmi_sim's LAN port (QEMU's user
# network with restrict=on: nothing leaves the guest), so whatever reaches the BMC went
# through /dev/ipmi0. The bmcsim plug-in plays the BMC's BMCNOTICE side, as in the lab:
#   1. bmclinkd's session to its own BMC is up in-band, and it reads the SEL (a record the
#      host adds over ipmi_sim's LAN shows up in the guest's `bmclink status`);
#   2. the fault: bmcsim sends the PET to the guest (through QEMU's port forward), the guest
#      acknowledges it and sends the start notice, runs its recovery (a script: 3 s), then
#      the end notice, all on channel 15 (the system interface), none on the LAN;
#   3. the reset waited for the end notice (reason end-notice, not grace or window W), and
#      ipmi_sim's own power control (chassis power off/on, which its VM codec carries to
#      QEMU, and its startcmd) stopped the guest's QEMU and booted a new one.
# Exit 0 pass, 1 failures, 77 skip (no /dev/kvm, no qemu-system-x86_64, not root: says
# why), 99 set-up error.
#   test_kvm_inband.sh BUILD_DIR
# The guest root is cached (tests/kvm/guest-image, /var/cache/bmclink-kvm); its first build
# needs Debian's archive. KEEP=1 keeps the work folder (console, logs).
set -u
BUILD=$(readlink -f "${1:?build directory}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../tools/netns.sh"

skip() { echo "SKIP: $*"; exit 77; }
ACCEL=${BL_KVM_ACCEL:-auto} # auto: KVM when it boots the guest's kernel, else TCG; kvm; tcg
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, the guest's disks)"
if [ "$ACCEL" != tcg ] && ! { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
    skip "no usable /dev/kvm on this machine (BL_KVM_ACCEL=tcg runs the guest emulated)"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
for t in ipmi_sim ipmitool mkfs.ext4 debootstrap chroot cmake; do
    command -v "$t" >/dev/null || { echo "ERROR: $t is not installed"; exit 99; }
done

# --- the guest, before the private namespace (its first build needs Debian's archive): the
# cached root with the runtime packages, and our built files for a 2nd disk ---
if [ -z "${BL_IN_NETNS:-}" ]; then
    BL_KVM_STAGE=$(mktemp -d /tmp/bl-kvm-stage.XXXXXX) || exit 99
    DESTDIR=$BL_KVM_STAGE cmake --install "$BUILD" >"$BL_KVM_STAGE.log" 2>&1 ||
        { echo "ERROR: cmake --install failed"; tail "$BL_KVM_STAGE.log"; exit 99; }
    rm -f "$BL_KVM_STAGE.log"
    # The Debian packages whose libraries the built programs load (the guest gets the same).
    pkgs=$(for f in "$BL_KVM_STAGE"/usr/sbin/bmclinkd "$BL_KVM_STAGE"/usr/sbin/bmclink; do
        ldd "$f"
    done | awk '$3 ~ /^\// { print $3 }' | sort -u | while read -r lib; do
        dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
            dpkg -S "${lib#/usr}" 2>/dev/null
    done | cut -d: -f1 | sort -u)
    t=$SECONDS
    # shellcheck disable=SC2086 # one package per word
    BL_KVM_IMG=$("$HERE/guest-image" $pkgs)
    rc=$?
    if [ $rc -ne 0 ]; then
        rm -rf "$BL_KVM_STAGE"
        [ $rc -eq 4 ] && skip "the guest root is not cached and Debian's archive is unreachable"
        echo "ERROR: the guest root could not be built"
        exit 99
    fi
    echo "# guest root ready in $((SECONDS - t)) s: $BL_KVM_IMG"
    # Held (shared) until the test ends: no other run prunes the image under our guest.
    exec 8>>"$BL_KVM_IMG.lock" && flock -s 8
    if [ "$ACCEL" != tcg ]; then
        BL_KVM_ACCEL_USE=$("$HERE/guest-image" --accel "$BL_KVM_IMG")
        if [ "$BL_KVM_ACCEL_USE" != kvm ] && [ "$ACCEL" = kvm ]; then
            rm -rf "$BL_KVM_STAGE"
            skip "KVM here does not boot Debian's kernel (BL_KVM_ACCEL=kvm asked for it)"
        fi
        [ "$BL_KVM_ACCEL_USE" = kvm ] ||
            echo "# NOTE: /dev/kvm here does not boot Debian's kernel (modules:" \
                "$(cd /sys/module && echo kvm_*)): the guest runs under TCG (emulated) instead"
    else
        BL_KVM_ACCEL_USE=tcg
    fi
    export BL_KVM_STAGE BL_KVM_IMG BL_KVM_ACCEL_USE
fi
BL_NEEDS="ipmi_sim ipmitool" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-kvm
SIM_PID= QEMU_PID= BL_PIDS="SIM_PID QEMU_PID"
cleanup() {
    QEMU_PID=$(cat "$TMP/qemu.pid" 2>/dev/null)
    bl_netns_cleanup
    rm -rf "$BL_KVM_STAGE"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "keeping $TMP"
IMG=$BL_KVM_IMG
PORT=9623 SERIAL_PORT=9002 FWD_PORT=11162
export IPMI_PASSWORD=kvm-bmc-pw # ipmitool -E: never on argv
COMMUNITY=kvm-n0tice
SO=$BUILD/tests/bmcsim.so
[ -f "$SO" ] || { echo "ERROR: no $SO (build the tests first)"; exit 99; }
pass=0 fail=0 T0=$SECONDS
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
ms() { cut -d' ' -f1 /proc/uptime | awk '{ printf "%d", $1 * 1000 }'; }
# wait_for FILE REGEX SECONDS: true once a line of FILE matches
wait_for() {
    local end=$((SECONDS + $3))
    while ((SECONDS < end)); do
        grep -qaE "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

D=$TMP/disk
mkdir -p "$D/etc"
cp -a "$BL_KVM_STAGE" "$D/stage"

cat >"$D/etc/bmclinkd.conf" <<EOF
[daemon]
log-level = info
log-target = stderr
[registry]
enabled = false
[bmc]
enabled = true
config = /etc/bmclink/bmclink.conf
node-name = kvm
EOF
cat >"$D/etc/bmclink.conf" <<EOF
# The guest sees the host (and ipmi_sim's traps) as 10.0.2.2, QEMU's user network.
[trap-node kvm]
address = 10.0.2.15:1162
bmc = 10.0.2.2
community = $COMMUNITY
[bmc]
username = admin
password_file = /etc/bmclink/bmc-password
cipher = 3
path = inband
device = /dev/ipmi0
[heartbeat]
publish = false
sel_interval_ms = 1000
sel_state_dir =
[recovery]
action = script
script = /etc/bmclink/recover.sh
timeout_ms = 15000
reset_window_ms = 30000
EOF
printf '%s\n' "$IPMI_PASSWORD" >"$D/etc/bmc-password"
printf '#!/bin/sh\n# the recovery action: long enough to see the reset wait for it\nsleep 3\n' \
    >"$D/etc/recover.sh"
cat >"$D/init" <<'EOF'
#!/bin/sh
# The guest's init (from the test's disk): our files, the IPMI driver, bmclinkd.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
echo 1 >/proc/sys/kernel/sysrq
echo "BLKVM boot $(cat /proc/sys/kernel/random/boot_id)"
cp -a /bl/stage/. /
install -d -m 700 /etc/bmclink /var/lib/bmclink
cp /bl/etc/* /etc/bmclink/
chmod 600 /etc/bmclink/*
chmod 700 /etc/bmclink/recover.sh
ldconfig
modprobe virtio_net
modprobe ipmi_si
modprobe ipmi_devintf
n=0
while [ ! -c /dev/ipmi0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
echo "BLKVM ipmi0 $([ -c /dev/ipmi0 ] && echo present || echo missing)"
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
echo "BLKVM routes $(ip route | tr '\n' ';')"
bmclinkd -c /etc/bmclink/bmclinkd.conf &
pid=$!
while kill -0 $pid 2>/dev/null; do
    sleep 1
    echo "BLKVM status $(bmclink status --keys 2>/dev/null |
        grep -E '^(hb\.0\.(session|path|sel_records|sel_rounds)|recovery\.(started|state))=' |
        tr '\n' ' ')"
done
echo "BLKVM bmclinkd ended"
echo o >/proc/sysrq-trigger
sleep 60
EOF
chmod 755 "$D/init"
mkfs.ext4 -q -F -d "$D" "$TMP/test.img" 64M >/dev/null || { echo "ERROR: mkfs of the test disk"; exit 99; }

# --- the BMC: ipmi_sim with the guest on its VM serial interface, bmcsim for the notices ---
if [ "$BL_KVM_ACCEL_USE" = kvm ]; then
    QEMU_ACCEL="-accel kvm -cpu host"
else
    QEMU_ACCEL="-accel tcg -cpu max"
fi
echo "# accelerator: $BL_KVM_ACCEL_USE"
cat >"$TMP/qemu-start" <<EOF
#!/bin/sh
# ipmi_sim's startcmd: "power on" boots the guest (QEMU connects to the BMC's serial port).
echo "\$(cut -d' ' -f1 /proc/uptime) qemu-start" >>"$TMP/power.log"
exec qemu-system-x86_64 $QEMU_ACCEL -smp 1 -m 768 -nodefaults -no-user-config \\
    -display none -pidfile "$TMP/qemu.pid" \\
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \\
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/bl-stub-init net.ifnames=0 quiet" \\
    -drive file="$IMG/root.img",format=raw,if=virtio,snapshot=on \\
    -drive file="$TMP/test.img",format=raw,if=virtio,readonly=on \\
    -netdev user,id=n0,restrict=on,hostfwd=udp:127.0.0.1:$FWD_PORT-10.0.2.15:1162 \\
    -device virtio-net-pci,netdev=n0 \\
    -chardev socket,id=ipmi0,host=127.0.0.1,port=$SERIAL_PORT,reconnect=2 \\
    -device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0 \\
    -chardev file,id=con,path="$TMP/console.log",append=on -serial chardev:con
EOF
cat >"$TMP/power" <<EOF
#!/bin/sh
# bmcsim's power wiring: ipmi_sim's own chassis control (over its LAN, from the host), which
# its VM codec carries to QEMU (power off) and its startcmd (power on). Called: set power 0|1
[ "\$3" = 1 ] && a=on || a=off
echo "\$(cut -d' ' -f1 /proc/uptime) chassis power \$a" >>"$TMP/power.log"
IPMI_PASSWORD=$IPMI_PASSWORD exec ipmitool -I lan -H 127.0.0.1 -p $PORT -U admin -E \\
    chassis power \$a >>"$TMP/power.log" 2>&1
EOF
chmod 700 "$TMP/qemu-start" "$TMP/power"
bl_ipmi_sim_lan_conf kvmbmc "$IPMI_PASSWORD"
sed -i '/^  user 2/d' "$TMP/lan.conf" # re-added below, after the serial interface
cat >>"$TMP/lan.conf" <<EOF
  serial 15 127.0.0.1 $SERIAL_PORT codec VM
  startcmd "$TMP/qemu-start"
  startnow true
  poweroff_wait 5
  kill_wait 5
  user 2 true "admin" "$IPMI_PASSWORD" admin 10 md5
loadlib "$SO" "config=$TMP/bmcsim.conf"
EOF
cat >"$TMP/bmcsim.conf" <<EOF
trap_target = 127.0.0.1:$FWD_PORT
trap_version = v1
community = $COMMUNITY
agent_addr = 10.0.2.2
grace_ms = 5000
window_ms = 25000
resend_ms = 1000
resend_max = 5
off_ms = 3000
chassis_control = $TMP/power
log = $TMP/bmcsim.log
EOF
chmod 600 "$TMP/lan.conf" "$TMP/bmcsim.conf"
cat >"$TMP/bmc.emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
: >"$TMP/console.log"
t=$SECONDS
bl_ipmi_sim_start "$TMP/bmc.emu" "$TMP/bmcsim.log"
ipmi() { ipmitool -I lan -H 127.0.0.1 -p $PORT -U admin -E "$@"; }

# --- 1. up in-band, SEL read ---
if wait_for "$TMP/console.log" 'BLKVM status .*hb\.0\.session=up' 120; then
    ok "guest booted, bmclinkd's session to its own BMC up ($((SECONDS - t)) s after power on)"
else
    bad "boot" "no session up within 120 s"
    tail -30 "$TMP/console.log"
    exit 1
fi
grep -qa 'BLKVM ipmi0 present' "$TMP/console.log" && ok "ipmi_si found the KCS interface: /dev/ipmi0" ||
    bad "driver" "no /dev/ipmi0 in the guest"
grep -aE 'BLKVM routes' "$TMP/console.log" | head -1
grep -aE 'BLKVM status .*hb\.0\.path=inband \(/dev/ipmi0\), now inband' "$TMP/console.log" |
    tail -1 | grep -q . && ok "bmclink status: path inband (/dev/ipmi0), now in-band" ||
    bad "status" "no in-band path in bmclink status"
# A correctable ECC record, added from the host over ipmi_sim's LAN.
ipmi raw 0x0a 0x44 0 0 0x02 0 0 0 0 0x20 0 0x04 0x0c 0x20 0x6f 0x00 0xff 0xff >/dev/null ||
    { echo "ERROR: Add SEL Entry refused"; exit 99; }
if wait_for "$TMP/console.log" 'BLKVM status .*hb\.0\.sel_records=[1-9]' 20; then
    ok "the guest read the SEL record in-band ($(grep -aoE 'hb\.0\.sel_records=[0-9]+' "$TMP/console.log" | tail -1))"
else
    bad "SEL" "no SEL record read"
fi

grep -a 'BLKVM status' "$TMP/console.log" | tail -1 | sed 's/^/     | /'

# --- 2. the fault ---
boots_before=$(grep -ac 'BLKVM boot' "$TMP/console.log")
qemu1=$(cat "$TMP/qemu.pid")
t_fault=$(ms)
ipmi raw 0x30 0x80 >/dev/null || { echo "ERROR: fault injection refused"; exit 99; }
wait_for "$TMP/bmcsim.log" 'end-notice' 40 || bad "notices" "no end notice within 40 s"
wait_for "$TMP/bmcsim.log" 'power-on' 20 || bad "reset" "no power-on"
sed 's/^/     | /' "$TMP/bmcsim.log"
stamp() { grep -E "$1" "$TMP/bmcsim.log" | head -1 | cut -d' ' -f1; }
t_trap=$(stamp 'trap-sent') t_ack=$(stamp 'pet-ack .*accepted') t_start=$(stamp 'start-notice .*accepted')
t_end=$(stamp 'end-notice .*accepted') t_off=$(stamp 'power-off') t_on=$(stamp 'power-on')
[ -n "$t_ack" ] && ok "PET Acknowledge accepted" || bad "ack" "not accepted"
if [ -n "$t_start" ] && [ -n "$t_end" ] && [ "$t_start" -lt "$t_end" ]; then
    ok "start notice before the end notice ($((t_start - t_trap)) ms and $((t_end - t_trap)) ms after the trap)"
else
    bad "order" "start ${t_start:-none}, end ${t_end:-none}"
fi
if grep -E ' (pet-ack|start-notice|end-notice) ' "$TMP/bmcsim.log" | grep -v ' chan=15$' | grep -q .; then
    bad "in-band" "a notice came on another channel than the system interface (15)"
else
    ok "every notice came through the system interface (channel 15: /dev/ipmi0), none on the LAN"
fi
grep -q 'reset reason=end-notice' "$TMP/bmcsim.log" &&
    ok "the reset waited for the end notice (held $((t_end - t_start)) ms by the recovery)" ||
    bad "hold" "$(grep 'reset reason' "$TMP/bmcsim.log")"

# --- 3. ipmi_sim's power control stopped and booted the guest ---
# The first QEMU process ended (ipmi_sim's VM codec told it to power off), and ipmi_sim's
# startcmd booted a new one, whose bmclinkd is up in-band again.
end=$((SECONDS + 120))
while ((SECONDS < end)) && [ "$(grep -ac 'BLKVM boot' "$TMP/console.log")" -le "$boots_before" ]; do
    sleep 0.5
done
qemu2=$(cat "$TMP/qemu.pid")
if ! kill -0 "$qemu1" 2>/dev/null && [ "$qemu2" != "$qemu1" ] && kill -0 "$qemu2" 2>/dev/null &&
    [ "$(grep -ac 'BLKVM boot' "$TMP/console.log")" -gt "$boots_before" ]; then
    ok "power off ended QEMU (pid $qemu1), power on booted the guest again in pid $qemu2 ($((t_on - t_off)) ms off)"
else
    bad "power" "QEMU $qemu1 -> $qemu2, power: $(tr '\n' ';' <"$TMP/power.log")"
fi
boot2=$(grep -a 'BLKVM boot' "$TMP/console.log" | tail -1 | cut -d' ' -f3)
since_boot2() { sed -n "/BLKVM boot $boot2/,\$p" "$TMP/console.log"; }
end=$((SECONDS + 120))
until since_boot2 | grep -qa 'BLKVM status .*hb\.0\.session=up' || ((SECONDS >= end)); do
    sleep 0.5
done
since_boot2 | grep -qa 'BLKVM status .*hb\.0\.session=up.*now inband' &&
    ok "after the reset the guest's bmclinkd is up in-band again" ||
    bad "after reset" "no in-band session after the second boot"
grep -a 'BLKVM boot' "$TMP/console.log" | sed 's/^/     | /'
sed 's/^/     | power: /' "$TMP/power.log"
echo "# timings: trap->start $((t_start - t_trap)) ms, start->end $((t_end - t_start)) ms," \
    "end->power-off $((t_off - t_end)) ms, whole test $((SECONDS - T0)) s"
echo "kvm in-band: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
