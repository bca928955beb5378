#!/bin/bash
# The lab's BMC power wiring is real: IPMI "chassis power off" from the admin host
# kills node2 (every process, at once) and the cluster sees it go; "power on" boots
# it and it rejoins; `lab down` leaves no namespace, process or mount behind.
source "$(dirname "$0")/lib.sh"
lab_require
lab_session 2

eval "$(lab bmc node2)"
ipmi() {
    lab adm ipmitool -I lanplus -C "$BMC_CIPHER" -H "$BMC_ADDR" -p "$BMC_PORT" \
        -U "$BMC_USER" -f "$BMC_PASSWORD_FILE" "$@"
}

step "BMC answers RMCP+ (cipher 3) and IPMI 1.5 MD5 from bl-adm"
assert_eq "Chassis Power is on" "$(ipmi chassis power status)" "RMCP+ power status"
md5=$(lab adm ipmitool -I lan -A MD5 -H "$BMC_ADDR" -U "$BMC_USER" -f "$BMC_PASSWORD_FILE" \
    chassis power status)
assert_eq "Chassis Power is on" "$md5" "IPMI 1.5 MD5 power status"
assert_false lab adm ipmitool -I lanplus -C 3 -H "$BMC_ADDR" -U "$BMC_USER" -P wrong-password \
    chassis power status

step "chassis power off node2 through its BMC"
old_init=$(node_init_pid node2)
t_off=$EPOCHREALTIME
ipmi chassis power off
wait_until 5 node_procs_gone node2
note "node2's processes gone $(awk -v a="$t_off" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s after power off"
assert_false test -e "/proc/$old_init"
assert_eq off "$(lab power node2)" "lab power node2"
assert_eq "Chassis Power is off" "$(ipmi chassis power status)" "BMC power status"
wait_until 15 node_state_is node2 offline node1

step "chassis power on node2 through its BMC"
t_on=$EPOCHREALTIME
ipmi chassis power on
assert_eq on "$(lab power node2)" "lab power node2"
wait_until 60 node_state_is node2 online node1
note "node2 online $(awk -v a="$t_on" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s after power on"

step "chassis power cycle and reset both bring node2 back"
for op in cycle reset; do
    old_init=$(node_init_pid node2)
    ipmi chassis power "$op"
    wait_until 10 node_rebooted node2 "$old_init"
    # The fresh node2 itself must see both nodes online: its new stack has joined.
    wait_until 60 node_state_is node1 online node2
    wait_until 60 node_state_is node2 online node2
    wait_until 60 node_state_is node2 online node1
done

step "lab down leaves nothing behind"
mapfile -t lab_pids < <(for ns in $(ip netns list | awk '$1 ~ /^bl-/ { print $1 }'); do
    ip netns pids "$ns"; done)
note "${#lab_pids[@]} processes live in lab namespaces before lab down"
((${#lab_pids[@]} >= 10)) || fail "expected the lab's processes, found ${#lab_pids[@]}"
# This lab's images by device and inode (a clean room's lab has images at the same paths).
img_ids=$(for img in "$LAB_DIR"/*.img; do
    if [[ -e $img ]]; then stat -L -c '%i %Hd:%Ld' "$img"; fi
done)
trap - EXIT
lab down
assert_eq "" "$(ip netns list | awk '$1 ~ /^bl-/')" "lab namespaces after down"
left=()
for pid in "${lab_pids[@]}"; do
    [[ -e /proc/$pid ]] && left+=("$pid $(cat "/proc/$pid/comm" 2>/dev/null)")
done
assert_eq 0 "${#left[@]}" "lab processes after down (${left[*]:-})"
assert_eq "" "$(grep -F "$LAB_DIR" /proc/self/mountinfo || true)" "mounts under $LAB_DIR"
attached=$(losetup -n -l -O BACK-INO,BACK-MAJ:MIN 2>/dev/null | awk '{ print $1, $2 }')
while read -r id; do
    [[ -z $id ]] || ! grep -qxF "$id" <<<"$attached" || fail "a loop device still holds an image ($id)"
done <<<"$img_ids"
assert_false test -e "$LAB_DIR"
step "PASS"
