#!/bin/bash
# Nobody local can pose as bmclinkd (issue 13, items 1, 2 and part of 7), in a private network
# namespace (libqb's service name is an abstract socket, private to the namespace):
#   A. a process of user nobody serves the "bmclink" name (ipc_impostor, real libqb):
#      bmclink-reg and bmclink status refuse it, saying it does not run as root, and never
#      print its answer; bmclinkd refuses to start with exit 5 naming the holder's pid
#   B. with the real bmclinkd running, a second one says "already running (pid N)", exit 5
#      (not libqb's abort, 134)
#   C. ipc-group admits a member through a supplementary group; others stay refused
#   D. a client asking for buffers larger than the daemon's largest message is refused
#   E. SIGHUP reopens log-file (logrotate), SIGUSR1/SIGUSR2 switch debug logging on and off:
#      none of them stops the daemon
#   F. bmclinkd turns core dumps off (it holds BMC secrets): run as nobody, its /proc/PID
#      files belong to root, as for any process that is not dumpable, and its core limit is 0
#   G. the OCF agent's start while bmclinkd already runs (outside the agent) says so
#   test_bmcd_ipc_auth.sh IPC_IMPOSTOR BMCLINK BMCLINK_REG BMCLINKD AGENT
set -uo pipefail
impostor=$1 cli=$2 reg=$3 daemon=$4 agent=$5
BL_NEEDS="setpriv"
source "$(dirname "$0")/../tools/netns.sh"
bl_netns_enter "$0" "$@"
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
group=$(getent group 100 | cut -d: -f1)
[ -n "$group" ] || { echo "SKIP: no group 100 for ipc-group"; exit 77; }
bl_netns_tmp bmcd-ipc-auth
chmod 755 "$TMP" # user nobody runs from here
BL_PIDS="IMP_PID DAEMON_PID NOBODY_PID"
trap bl_netns_cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
service=bmclink
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

cat >"$TMP/d.conf" <<CONF
[daemon]
log-target = stderr
log-file = $TMP/file.log
log-facility = local3
ipc-service = $service
ipc-group = $group
[registry]
enabled = false
[bmc]
enabled = false
CONF

# A. The impostor.
setpriv --reuid=nobody --regid=nogroup --clear-groups "$impostor" serve "$service" \
    >"$TMP/imp.out" 2>&1 &
IMP_PID=$!
for _ in $(seq 100); do grep -q ready "$TMP/imp.out" && break; sleep 0.1; done
grep -q ready "$TMP/imp.out" || fail "the impostor did not start: $(cat "$TMP/imp.out")"
out=$("$reg" --service "$service" get 'HKLM\Software' x 2>&1) && fail "bmclink-reg accepted the impostor: $out"
[[ $out != *IMPOSTOR* ]] || fail "bmclink-reg printed the impostor's value: $out"
[[ $out == *"does not run as root"* ]] || fail "bmclink-reg's error does not say why: $out"
out=$("$cli" status --service "$service" --keys 2>&1) && fail "bmclink status accepted the impostor"
[[ $out == *"does not run as root"* ]] || fail "bmclink status's error does not say why: $out"
rc=0
out=$("$daemon" -c "$TMP/d.conf" 2>&1) || rc=$?
[ "$rc" -eq 5 ] || fail "bmclinkd with the name taken exited $rc, not 5: $out"
[[ $out == *"held by pid $IMP_PID running as uid $(id -u nobody)"* ]] ||
    fail "bmclinkd does not name the impostor: $out"
echo "ok   A. impostor refused by bmclink-reg, bmclink status; bmclinkd exit 5 naming pid $IMP_PID"
kill "$IMP_PID"
wait "$IMP_PID" 2>/dev/null
IMP_PID=

# B. The real daemon, then a second one.
"$daemon" -c "$TMP/d.conf" >"$TMP/d.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do "$cli" status --service "$service" --keys >/dev/null 2>&1 && break; sleep 0.1; done
"$cli" status --service "$service" --keys >/dev/null 2>&1 || fail "bmclinkd does not answer: $(cat "$TMP/d.log")"
rc=0
out=$("$daemon" -c "$TMP/d.conf" 2>&1) || rc=$?
[ "$rc" -eq 5 ] || fail "a second bmclinkd exited $rc, not 5: $out"
[[ $out == *"already running (pid $DAEMON_PID)"* ]] || fail "no 'already running (pid $DAEMON_PID)': $out"
kill -0 "$DAEMON_PID" || fail "the first bmclinkd died"
echo "ok   B. second bmclinkd: exit 5, already running (pid $DAEMON_PID)"

# C. ipc-group through a supplementary group.
if out=$(as_nobody "$cli" status --service "$service" --keys 2>&1); then
    fail "nobody without the group was let in"
fi
out=$(setpriv --reuid=nobody --regid=nogroup --groups=100 "$cli" status --service "$service" \
    --keys 2>&1) || fail "a member of $group by a supplementary group was refused: $out"
echo "ok   C. ipc-group $group: supplementary member admitted, others refused"

# D. The client's buffer size.
"$impostor" connect "$service" 65536 || fail "a client with 64 KiB buffers was refused"
if "$impostor" connect "$service" $((256 * 1024 * 1024)) 2>/dev/null; then
    fail "a client asking for 256 MiB buffers was let in"
fi
grep -q "asking for" "$TMP/d.log" || fail "the refusal of big buffers is not logged"
echo "ok   D. buffers over the daemon's largest message refused"

# E. Signals.
alive() { kill -0 "$DAEMON_PID" 2>/dev/null && "$cli" status --service "$service" --keys >/dev/null; }
wait_log() { for _ in $(seq 100); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
mv "$TMP/file.log" "$TMP/file.log.1"
kill -HUP "$DAEMON_PID"
wait_log "log file reopened" "$TMP/file.log" || fail "SIGHUP: log-file not reopened: $(tail -3 "$TMP/d.log")"
alive || fail "SIGHUP stopped bmclinkd"
kill -USR1 "$DAEMON_PID"
wait_log "logging at debug" "$TMP/file.log" || fail "SIGUSR1: no debug level"
alive || fail "SIGUSR1 stopped bmclinkd"
wait_log "debug:" "$TMP/file.log" || fail "SIGUSR1: no debug line after a status request"
kill -USR2 "$DAEMON_PID"
wait_log "configured log-level again" "$TMP/file.log" || fail "SIGUSR2: level not set back"
alive || fail "SIGUSR2 stopped bmclinkd"
after=$(sed -n '/configured log-level again/,$p' "$TMP/file.log")
[[ $after != *"debug:"* ]] || fail "SIGUSR2: still logging at debug: $after"
[ "$(stat -c %a "$TMP/file.log")" = 640 ] || fail "log-file reopened with mode $(stat -c %a "$TMP/file.log")"
echo "ok   E. SIGHUP reopened log-file, SIGUSR1/2 switched debug; bmclinkd still answers"

# F. Not dumpable.
printf '[daemon]\nlog-target = stderr\nipc-service = bmcd-nobody\n[registry]\nenabled = false\n[bmc]\nenabled = false\n' \
    >"$TMP/nobody.conf"
chmod 644 "$TMP/nobody.conf"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$daemon" -c "$TMP/nobody.conf" \
    >"$TMP/nobody.log" 2>&1 &
NOBODY_PID=$!
for _ in $(seq 100); do grep -q "bmclinkd running" "$TMP/nobody.log" && break; sleep 0.1; done
grep -q "bmclinkd running" "$TMP/nobody.log" || fail "bmclinkd as nobody did not start: $(cat "$TMP/nobody.log")"
[ "$(stat -c %u "/proc/$NOBODY_PID/environ")" = 0 ] ||
    fail "bmclinkd run as nobody is dumpable (/proc/$NOBODY_PID/environ owned by $(stat -c %U "/proc/$NOBODY_PID/environ"))"
grep -Eq "^Max core file size +0 +0 " "/proc/$NOBODY_PID/limits" || fail "core size limit not 0"
grep -q "cannot turn core dumps off" "$TMP/nobody.log" && fail "core dumps stayed on"
echo "ok   F. bmclinkd is not dumpable (no core with its secrets)"

# G. The agent's start with the name held (the unit and the clone together, say).
if [ -r /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs ]; then
    rc=0
    out=$(OCF_ROOT=/usr/lib/ocf OCF_RESKEY_binary=$daemon OCF_RESKEY_client=$reg \
        OCF_RESKEY_cli=$cli OCF_RESKEY_config=$TMP/d.conf OCF_RESKEY_pidfile=$TMP/agent.pid \
        OCF_RESKEY_service=bmcd-elsewhere HA_LOGFILE=/dev/null HA_debug=0 "$agent" start 2>&1) ||
        rc=$?
    [ "$rc" -ne 0 ] || fail "the agent's start succeeded beside a running bmclinkd"
    [[ $out == *"another bmclinkd"* ]] || fail "the agent does not say why: $out"
    echo "ok   G. the agent's start says another bmclinkd holds the name"
else
    echo "ok   G. skipped: no ocf-shellfuncs (resource-agents)"
fi
echo "7 passed, 0 failed"
