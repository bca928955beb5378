#!/bin/bash
# bmclinkd still works inside the sandbox of conf/systemd/bmclinkd.service (docs/hardening.md),
# rebuilt without systemd from what util-linux offers, in a private network namespace:
#   - the unit's CapabilityBoundingSet= (read from the unit file), no ambient or inheritable
#     capabilities, NoNewPrivileges= (setpriv)
#   - ProtectSystem=strict with the state and log folders writable, PrivateTmp= (a private
#     mount namespace: every mount read-only but /dev, /proc, /sys and the writable folder,
#     a fresh /tmp)
# It binds the trap port 162 (CAP_NET_BIND_SERVICE), takes a v1 PET from the real snmptrap,
# writes its replay state and log, serves `bmclink status` to root and to an ipc-group member
# (libqb hands the member its rings: CAP_CHOWN, CAP_FOWNER), and a root client with the same
# capabilities reaches a libqb server of another user, as crm_mon reaches Pacemaker's
# hacluster daemons (CAP_DAC_OVERRIDE). Controls show each capability is needed and the
# sandbox holds. Not rebuilt here (systemd only): the seccomp filter, address families,
# DevicePolicy=, MemoryDenyWriteExecute= and the Protect{Kernel*,Clock,Hostname}= switches.
#   test_bmcd_sandbox.sh BMCLINK BMCLINKD EXAMPLE IPC_IMPOSTOR UNIT
set -uo pipefail
cli=$1 daemon=$2 example=$3 impostor=$4 unit=$5
BL_NEEDS="setpriv unshare snmptrap ss"
source "$(dirname "$0")/../tools/netns.sh"
bl_netns_enter "$0" "$@"
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
getent group nogroup >/dev/null || { echo "SKIP: no group nogroup"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot create a mount namespace here"; exit 77; }
bl_netns_tmp bmcd-sandbox
chmod 755 "$TMP" # user nobody reads the status from here
BL_PIDS="DAEMON_PID IMP_PID"
trap bl_netns_cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$TMP/rw/log/d.log" ] && tail -n 20 "$TMP/rw/log/d.log" >&2; exit 1; }
service=bmcd-sandbox-$$

# The unit's bounding set as setpriv spells it: -all,+net_bind_service,...
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || { echo "ERROR: no CapabilityBoundingSet= in $unit"; exit 99; }
bounding=-all
for c in $caps; do bounding+=",+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"; done
echo "bounding set of the unit: $bounding"
# "${sandboxed[@]}" BOUNDING CMD...: CMD as the unit would run it (see the head of this file);
# unshare, sh and setpriv each exec the next, so $! of it in the background is CMD's pid.
sandboxed=(unshare -m --propagation private sh -ec '
        tmp=$1 rw=$2 b=$3; shift 3 # BOUNDING CMD... follow
        # PrivateTmp=: fresh /tmp and /var/tmp; our folder (under /tmp) bound back in
        exec 3<"$tmp"
        mount -t tmpfs bl-tmp /tmp && mkdir -p "$tmp" && mount --no-canonicalize --bind /proc/self/fd/3 "$tmp"
        exec 3<&-
        mount -t tmpfs bl-vartmp /var/tmp
        mount --bind "$rw" "$rw"
        # ProtectSystem=strict: every other mount read-only, the API file systems left alone
        awk "{print \$5}" /proc/self/mountinfo | sort -u | while read -r m; do
            case $m in /dev | /dev/* | /proc | /proc/* | /sys | /sys/* | /tmp | /var/tmp | "$rw") continue ;; esac
            mount -o remount,bind,ro "$m" 2>/dev/null || true
        done
        exec setpriv --no-new-privs --bounding-set "$b" --inh-caps -all --ambient-caps -all "$@"
    ' sandbox "$TMP" "$TMP/rw")

mkdir -p "$TMP/rw/state" "$TMP/rw/log"
sed -e 's#^address = 10.231.2.11:1162#address = 127.0.0.1:162#' \
    -e 's#^bmc = 10.231.2.21#bmc = 127.0.0.21#' "$example" >"$TMP/bmclink.conf"
printf 'secret\n' >"$TMP/pw"
printf '[bmc]\npassword_file = %s\n[heartbeat]\npublish = false\nsel_state_dir = %s\n' \
    "$TMP/pw" "$TMP/rw/state" >>"$TMP/bmclink.conf"
chmod 600 "$TMP/bmclink.conf" "$TMP/pw"
bl_bmcd_conf "$service" "$TMP/bmclink.conf" debug
sed -i -e "s#^log-file = .*#log-file = $TMP/rw/log/d.log#" \
    -e "s#^ipc-service = .*#&\nipc-group = nogroup#" "$TMP/d.conf"

# The harness itself: inside, the file system is read-only but the writable folder.
"${sandboxed[@]}" "$bounding" sh -c "touch $TMP/rw/ok /tmp/bl-private-$$ && ! touch $TMP/no 2>/dev/null &&
    ! touch /var/lib/bl-no-$$ 2>/dev/null" && [ -e "$TMP/rw/ok" ] && [ ! -e "/tmp/bl-private-$$" ] ||
    fail "the sandbox does not hold (writable outside $TMP/rw, /tmp shared, or not writable inside)"
echo "ok: the harness: writes only in $TMP/rw and a private /tmp"

"${sandboxed[@]}" "$bounding" "$daemon" -c "$TMP/d.conf" >"$TMP/d.out" 2>&1 &
DAEMON_PID=$!
status_key() { "$cli" status --keys --service "$service" 2>/dev/null | sed -n "s/^$1=//p"; }
wait_for() { # DESCRIPTION COMMAND...: up to 30 s (a limit, not a timed assertion)
    local what=$1
    shift
    for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
    fail "$what"
}
running() { [ "$(status_key bmc.state)" = running ]; }
wait_for "bmclinkd's BMC side did not run in the sandbox: $(status_key bmc.error)" running
[ "$(status_key trap.listen)" = "127.0.0.1:162" ] || fail "trap.listen $(status_key trap.listen)"
echo "ok: running, traps on 127.0.0.1:162 (CAP_NET_BIND_SERVICE), status served to root"

pid=$DAEMON_PID # unshare, sh and setpriv each exec the next
[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$daemon")" ] || fail "pid $pid is not bmclinkd"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" || fail "NoNewPrivs is not set"
echo "ok: bmclinkd $(grep -E '^(CapBnd|CapEff|NoNewPrivs)' "/proc/$pid/status" | tr -s '\t\n' ' ')"

mkdir -m 700 "$TMP/snmp"
printf 'defCommunity change-me-node1\nclientaddr 127.0.0.21\n' >"$TMP/snmp/snmp.conf"
ip addr add 127.0.0.21/8 dev lo 2>/dev/null || true
bl_snmptrap_v1_pet "$TMP/snmp" 127.0.0.1:162 9 || fail "snmptrap failed"
accepted() { [ "$(status_key trap.recoverable)" = 1 ]; }
wait_for "the PET was not accepted: received $(status_key trap.received)" accepted
state_written() { [ -s "$TMP/rw/state/trap-node1.state" ]; }
wait_for "no replay state written in $TMP/rw/state" state_written
[ -s "$TMP/rw/log/d.log" ] || fail "no log file"
echo "ok: a PET accepted, replay state and log written in the writable folder"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
out=$(as_nobody "$cli" status --keys --service "$service" 2>&1) ||
    fail "an ipc-group member was not served (CAP_CHOWN, CAP_FOWNER?): $out"
[[ $out == *"bmc.state=running"* ]] || fail "the member's status: $out"
echo "ok: an ipc-group member (nobody:nogroup) is served"

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "bmclinkd exited $rc on SIGTERM in the sandbox"
echo "ok: SIGTERM: exit 0"

# CAP_DAC_OVERRIDE: a libqb server of another user (as Pacemaker's attrd and CIB run as
# hacluster) leaves its rings its own; a root client opens them only with the capability.
as_nobody "$impostor" serve "$service-other" >"$TMP/imp.out" 2>&1 &
IMP_PID=$!
for _ in $(seq 100); do grep -q ready "$TMP/imp.out" && break; sleep 0.1; done
grep -q ready "$TMP/imp.out" || fail "the other user's server did not start"
out=$("${sandboxed[@]}" "$bounding" "$cli" status --service "$service-other" 2>&1)
[[ $out == *"does not run as root"* ]] ||
    fail "with the unit's capabilities a root client did not reach another user's server: $out"
echo "ok: a root client with the unit's capabilities reaches another user's libqb server"
out=$("${sandboxed[@]}" "${bounding/,+dac_override/}" "$cli" status --service "$service-other" 2>&1)
[[ $out != *"does not run as root"* ]] ||
    fail "control: without CAP_DAC_OVERRIDE the client still reached the server: $out"
echo "ok: control: without CAP_DAC_OVERRIDE it cannot ($out)"
kill "$IMP_PID"
wait "$IMP_PID" 2>/dev/null
IMP_PID=

# Control: without CAP_CHOWN and CAP_FOWNER the daemon cannot hand a member its rings.
no_chown=${bounding/,+chown/}
"${sandboxed[@]}" "${no_chown/,+fowner/}" "$daemon" -c "$TMP/d.conf" >"$TMP/d2.out" 2>&1 &
DAEMON_PID=$!
wait_for "bmclinkd did not start without CAP_CHOWN" running
out=$(as_nobody "$cli" status --keys --service "$service" 2>&1) &&
    fail "control: without CAP_CHOWN and CAP_FOWNER a member was still served"
echo "ok: control: without CAP_CHOWN and CAP_FOWNER a member is refused ($out)"
echo "PASS"
