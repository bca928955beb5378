#!/bin/bash
# BMCNOTICE recovery actions other than failover (issue 5 item 2), in the real 2-node cluster,
# one lab session, faults on node1 (which runs grp) one after the other:
#  a. action=standby: bmclinkd puts node1 in standby with --lifetime reboot; grp runs on node2
#     before node1's BMC resets node1; node1 comes back NOT in standby, with no ban or move
#     constraint: nothing sticky. A node in standby runs no resource at all, clones included,
#     so Pacemaker stops the bmclinkd clone on node1 in the same transition as grp (SIGTERM
#     about 0.1 s after the trap), before grp has started on node2: the daemon finishes the
#     recovery first (bld_bmc_drain: it sees grp started on node2, sends the end notice),
#     then exits, so the BMC resets node1 on the end notice, not when its window W expires.
#  b. action=script: a script on node1's disk runs with the BMCLINK_* variables and writes a
#     marker; the end notice says success; grp stays (the script moves nothing).
#  c. action=none: log only: nothing moves, the end notice still goes out (success).
#  d. action=stop-cluster: stop_command stops node1's stack (the lab has no systemd; a script
#     on the disk plays `systemctl stop pacemaker.service corosync.service`: the stop goes on
#     when its caller dies, like a systemd job). Pacemaker shuts node1 down cleanly: grp is
#     stopped on node1 (ok), started on node2, node1 leaves as a clean shutdown, never fenced
#     (stonith is off in the lab, so the proof is node2's shutdown request for node1, no
#     "unclean" or "will be fenced", corosync's normal exit on node1, no fencing history).
#     bmclinkd is a Pacemaker clone, so the shutdown stop_command asks for stops bmclinkd on
#     node1 too, and stop_command waits for that: the recovery watches grp while the command
#     runs, the daemon (stopping) finishes it, and the end notice (success: grp started on
#     node2) reaches the BMC before bmclinkd's stop ends; the BMC resets node1 on it. With
#     the daemon a clone, that reset comes before the rest of the stack is down (corosync's
#     own exit, the DC's shutdown transition, which waits for bmclinkd's stop): what is asserted
#     is a clean stop of grp on node1 and its start on node2 before the reset; whether
#     corosync got to exit and how node2 saw node1 leave are printed. docs/bmcnotice.md says
#     to run bmclinkd from its systemd unit, outside Pacemaker, for a stack fully down first.
# (Found by this test: before bld_bmc_drain the daemon exited on SIGTERM in a and d, no end
# notice went out, and the BMC reset node1 only when W expired.)
# Figures (notes, no timed assertion): trap -> start notice, -> grp stopped on node1, -> grp
# started on node2, -> end notice / reset.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bmc.sh"
bmc_require

# The BMC's window W (the lab's bmcsim) and bmclinkd's reset_window_ms agree; shorter than the
# lab's default so that the stop-cluster case does not wait 30 s.
WINDOW_MS=20000
export BMCLINK_LAB_BMC_WINDOW_MS=$WINDOW_MS
MARK_DIR=/var/lib/bmclink/test57 # on node1's disk: survives its reset
SCRIPT=/var/lib/bmclink/test57-action
STOP=/var/lib/bmclink/test57-stop-stack
lab_session 2

# node_standby NODE FROM: crm_mon on FROM shows NODE in standby.
node_standby() {
    lab x "$2" crm_mon -1 --output-as=xml 2>/dev/null |
        grep "<node name=\"$1\" " | grep 'standby="true"' >/dev/null
}

# install_helpers: the action script and the stop command on every node's disk.
install_helpers() {
    local i disk
    for ((i = 1; i <= $(lab_node_count); i++)); do
        disk=$LAB_DIR/node$i/disk
        install -d -m 755 "$disk$MARK_DIR"
        cat >"$disk$SCRIPT" <<EOF
#!/bin/sh
# tests/lab/57: the recovery's script action writes what it was given.
printf 'node=%s target=%s seq=%s severity=%s timeout_ms=%s\n' "\$BMCLINK_NODE" \\
    "\$BMCLINK_TARGET" "\$BMCLINK_PET_SEQUENCE" "\$BMCLINK_SEVERITY" "\$BMCLINK_TIMEOUT_MS" \\
    >>$MARK_DIR/script.marker
EOF
        cat >"$disk$STOP" <<'EOF'
#!/bin/bash
# tests/lab/57: the lab's `systemctl stop pacemaker.service corosync.service`. The stop runs
# in a child that outlives this caller (systemd's job does), and the caller waits for it.
(
    for name in pacemakerd corosync; do
        pid=$(cat "/run/bmclink-lab/$name.pid" 2>/dev/null) || continue
        kill -TERM "$pid" 2>/dev/null || continue
        while [[ -r /proc/$pid/stat && $(</proc/"$pid"/stat) != *") Z "* ]]; do sleep 0.1; done
    done
) </dev/null >/dev/null 2>&1 &
wait $!
EOF
        chmod 755 "$disk$SCRIPT" "$disk$STOP"
    done
}

# use_action KEY=VALUE...: bmclink.conf with these recovery keys, bmclinkd on node1 restarted
# to read it (the clone on node1 only).
use_action() {
    local m
    bmc_conf_write recovery.reset_window_ms=$WINDOW_MS recovery.timeout_ms=15000 "$@"
    wait_until 60 resource_on bmclinkd-clone node1 node2 # back after the reset: pcs needs it
    wait_until 60 daemon_running node1
    m=$(daemon_mark node1)
    lab x node2 pcs resource restart bmclinkd-clone node1 >/dev/null ||
        error "pcs resource restart bmclinkd-clone node1 failed"
    wait_until 60 daemon_log_has node1 "$m" 'bmclinkd running'
    wait_until 60 daemon_running node1
}

# pm_since NODE MARK: NODE's pacemaker.log after MARK (pcmk_log_mark).
pm_since() { tail -n +"$(($2 + 1))" "$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log"; }

# trap_wall_ms NODE MARK: epoch ms of the daemon's first step line after MARK (the trap).
trap_wall_ms() {
    wall_ms "$(tail -n +"$(($2 + 1))" "$(daemon_log "$1")" | grep -m1 'bmc: step ' | cut -c1-19)"
}

# figures NODE OTHER: trap -> start notice, -> grp stopped on NODE, -> started on OTHER.
figures() {
    local t0
    t0=$(trap_wall_ms "$1" "$F_DAEMON")
    note "trap -> start notice sent" \
        "$(daemon_field "$1" "$F_DAEMON" '^step name=start-sent' t_ms) ms," \
        "-> grp stopped on $1 $(($(op_wall_ms stop "$1" grp-a grp-b) - t0)) ms," \
        "-> started on $2 $(($(started_wall_ms "$2" grp-a grp-b) - t0)) ms (pacemaker.log)"
}

# stopped_after_end_notice NODE WHAT: WHAT made Pacemaker stop the bmclinkd clone on NODE
# during the recovery; the daemon finished the recovery first: the end notice (success)
# reached the BMC, which reset NODE on it (not when W expired).
stopped_after_end_notice() {
    local t0 t_off
    daemon_log_has "$1" "$F_DAEMON" 'signal received, stopping' ||
        fail "bmclinkd on $1 was not stopped by $2"
    daemon_log_has "$1" "$F_DAEMON" 'stop requested during the recovery of' ||
        fail "bmclinkd on $1 did not finish the recovery before stopping"
    daemon_has "$1" "$F_DAEMON" '^step name=end-sent .*detail=success' ||
        fail "end notice not 'success'"
    notices_has "$1" "$F_NOTICES" 'end-notice phase=power-off accepted' ||
        fail "no end notice reached the BMC: $(notices_events "$1" "$F_NOTICES")"
    notices_has "$1" "$F_NOTICES" 'reset reason=end-notice' ||
        fail "$1 not reset by the end notice: $(notices_events "$1" "$F_NOTICES")"
    t0=$(trap_wall_ms "$1" "$F_DAEMON")
    t_off=$(power_off_wall_ms "$1" "$F_CHASSIS")
    note "$2 stopped bmclinkd on $1 during the recovery; it sent the end notice" \
        "$(daemon_field "$1" "$F_DAEMON" '^step name=end-sent' t_ms) ms after the trap first;" \
        "$1 reset $((t_off - t0)) ms after the trap, on the end notice (W: $WINDOW_MS ms)"
}

# grp_stayed NODE PM_MARK: grp was not stopped on NODE before its reset (NODE's own
# pacemaker.log after PM_MARK: it ends with the power loss).
grp_stayed() {
    tail -n +"$(($2 + 1))" "$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log" |
        grep -E "Result of stop operation for grp-(a|b) on $1" >/dev/null &&
        fail "grp was stopped on $1 before the reset"
    return 0
}

# back_to_normal: node1 reset and rejoined, grp home again on node1.
back_to_normal() {
    wait_until 30 node_rebooted node1 "$F_INIT"
    wait_until 60 node_state_is node1 online node2
    wait_until 60 resource_on grp node1 node2
}

step "grp on node1, the evacuate rule, bmclinkd's BMC side on both nodes, action=standby"
bmc_setup_group node1 node2 -- recovery.action=standby recovery.reset_window_ms=$WINDOW_MS
install_helpers
constraints_before=$(cib_constraints | grep -c '<rsc_location' || true)

step "a. standby: node1's BMC detects a fatal fault"
fault_and_reset node1
events=$(notices_events node1 "$F_NOTICES")
[[ $events == *"pet-ack"*"start-notice"*"reset"* ]] || fail "no ack, start notice, reset: $events"
daemon_has node1 "$F_DAEMON" '^step name=applied .*rc=0' || fail "the standby was not applied"
grep -E 'standby\[node1\]: .* -> on' "$LAB_DIR"/node*/disk/var/log/pacemaker/pacemaker.log \
    >/dev/null || fail "pacemaker never saw node1's standby set"
t_start=$(started_wall_ms node2 grp-a grp-b) || fail "grp never started on node2"
t_off=$(power_off_wall_ms node1 "$F_CHASSIS") || fail "node1's BMC never powered it off"
((t_start < t_off)) || fail "grp started on node2 $((t_start - t_off)) ms after the power-off"
figures node1 node2
stopped_after_end_notice node1 "the standby"
step "a. node1 is back: not in standby, no ban or move constraint"
back_to_normal
assert_false node_standby node1 node2
assert_false node_standby node1 node1
[[ -z $(lab x node2 crm_attribute -N node1 -n standby --lifetime forever -Q 2>/dev/null) ]] ||
    fail "a permanent standby attribute appeared"
cib_constraints node2 | grep -E 'cli-(ban|prefer)' >/dev/null &&
    fail "a ban or move constraint appeared"
assert_eq "$constraints_before" "$(cib_constraints node2 | grep -c '<rsc_location' || true)" \
    "location constraints"

step "b. script: the script on node1's disk runs, writes its marker, grp stays"
use_action recovery.action=script recovery.script=$SCRIPT
pm1=$(pcmk_log_mark node1)
fault_and_reset node1
grp_stayed node1 "$pm1"
notices_has node1 "$F_NOTICES" 'reset reason=end-notice' || fail "not reset by the end notice"
daemon_has node1 "$F_DAEMON" '^step name=end-sent .*detail=success' ||
    fail "end notice not 'success'"
marker=$(cat "$LAB_DIR/node1/disk$MARK_DIR/script.marker" 2>/dev/null) || fail "no marker"
note "marker: $marker"
[[ $marker == "node=node1 target=grp seq="*" severity="*" timeout_ms=15000" ]] ||
    fail "the script did not get the BMCLINK_* variables: $marker"
note "-> end notice sent $(daemon_field node1 "$F_DAEMON" '^step name=end-sent' t_ms) ms"
back_to_normal

step "c. none: log only, nothing moves, the end notice still goes out"
use_action recovery.action=none
pm1=$(pcmk_log_mark node1)
fault_and_reset node1
grp_stayed node1 "$pm1"
notices_has node1 "$F_NOTICES" 'end-notice phase=power-off accepted' || fail "end notice refused"
notices_has node1 "$F_NOTICES" 'reset reason=end-notice' || fail "not reset by the end notice"
daemon_has node1 "$F_DAEMON" '^step name=end-sent .*detail=success' ||
    fail "end notice not 'success'"
note "-> end notice sent $(daemon_field node1 "$F_DAEMON" '^step name=end-sent' t_ms) ms"
back_to_normal

step "d. stop-cluster: node1's stack stops cleanly, grp on node2, reset on the end notice"
use_action recovery.action=stop-cluster recovery.stop_command=$STOP
pm2=$(pcmk_log_mark node2)
cs1=$(wc -l <"$LAB_DIR/node1/disk/var/log/corosync/corosync.log")
fault_and_reset node1
events=$(notices_events node1 "$F_NOTICES")
[[ $events == *"pet-ack"*"start-notice"* ]] || fail "no ack and start notice: $events"
daemon_has node1 "$F_DAEMON" '^step name=start-sent ' || fail "start notice not sent"
line=$(pm_since node2 "$pm2" | grep -iE 'shutdown.*node1|node1.*shut' | head -n 1)
[[ -n $line ]] || fail "node2 never saw node1's shutdown request"
note "node2: ${line:0:160}"
line=$(tail -n +"$((cs1 + 1))" "$LAB_DIR/node1/disk/var/log/corosync/corosync.log" |
    grep -E 'Corosync Cluster Engine exiting normally' | head -n 1) || true
note "node1's corosync before the reset: ${line:-did not get to exit (reset on the end notice)}"
grep -E 'Result of stop operation for grp-(a|b) on node1: ok' \
    "$LAB_DIR/node1/disk/var/log/pacemaker/pacemaker.log" >/dev/null ||
    fail "grp not stopped on node1"
lab x node2 stonith_admin --history node1 2>/dev/null | grep -E 'node1' >/dev/null &&
    fail "node1 was fenced"
t_start=$(started_wall_ms node2 grp-a grp-b) || fail "grp never started on node2"
t_off=$(power_off_wall_ms node1 "$F_CHASSIS") || fail "node1's BMC never powered it off"
((t_start < t_off)) || fail "grp started on node2 $((t_start - t_off)) ms after the power-off"
figures node1 node2
stopped_after_end_notice node1 "the stack's stop"
wait_until 30 node_rebooted node1 "$F_INIT"
wait_until 60 node_state_is node1 online node2
line=$(pm_since node2 "$pm2" | grep -E 'node1.*(will be fenced|unclean)' | head -n 1) || true
note "node2 on node1's leaving: ${line:-neither unclean nor to be fenced}"
step "PASS"
