#!/bin/bash
# The bmclinkd OCF agent's validate-all: what only this node lacks is OCF_ERR_INSTALLED (5),
# what is wrong everywhere OCF_ERR_CONFIGURED (6), told apart by bmclinkd --check-config's exit
# status (1 bmclinkd.conf, 3 a file or secret here, 4 bmclink.conf), not by its message.
#   test_bmcd_agent_validate.sh AGENT BMCLINKD BMCLINK_REG EXAMPLE
set -euo pipefail
agent=$1 daemon=$2 client=$3 example=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
: "${OCF_ROOT:=/usr/lib/ocf}"
if [ ! -r "$OCF_ROOT/lib/heartbeat/ocf-shellfuncs" ]; then
    echo "SKIP: $OCF_ROOT/lib/heartbeat/ocf-shellfuncs missing (resource-agents)"
    exit 77
fi
export OCF_ROOT OCF_RESKEY_binary=$daemon OCF_RESKEY_client=$client
export OCF_RESKEY_config=$tmp/bmclinkd.conf HA_LOGFILE=/dev/null HA_debug=0

printf 'secret\n' >"$tmp/pw"
printf 'secret\n' >"$tmp/pw-world"
printf '123456789012345678901\n' >"$tmp/pw-long"
printf '12345678901234567890\n' >"$tmp/pw-20"
chmod 600 "$tmp/pw" "$tmp/pw-long" "$tmp/pw-20"
chmod 644 "$tmp/pw-world"
sed 's/^interval_ms = 1000/interval_ms = soon/' "$example" >"$tmp/syntax.conf.in"

# validate NAME WANT PASSWORD_FILE [BMCLINK_CONF_TEMPLATE]
validate() {
    local name=$1 want=$2 pf=$3 in=${4:-$example} rc=0 out
    sed "s#^password_file = .*#password_file = $pf#" "$in" >"$tmp/bmclink.conf"
    chmod 600 "$tmp/bmclink.conf"
    printf '[registry]\nenabled = false\n[bmc]\nenabled = true\nconfig = %s\nnode-name = node1\n' \
        "$tmp/bmclink.conf" >"$tmp/bmclinkd.conf"
    out=$("$agent" validate-all 2>&1) || rc=$?
    [[ $rc == "$want" ]] || fail "$name: validate-all exited $rc, not $want: $out"
    echo "ok: $name -> $rc"
}

validate good 0 "$tmp/pw"
validate "20-byte password" 0 "$tmp/pw-20"
validate "missing password" 5 "$tmp/absent"
validate "world-readable password" 5 "$tmp/pw-world"
validate "password too long" 5 "$tmp/pw-long"
validate "bmclink.conf syntax" 6 "$tmp/pw" "$tmp/syntax.conf.in"
# bmclinkd.conf itself: a bad value is everyone's problem
printf '[registry]\nenabled = maybe\n' >"$tmp/bmclinkd.conf"
rc=0
"$agent" validate-all >/dev/null 2>&1 || rc=$?
[[ $rc == 6 ]] || fail "bmclinkd.conf value: validate-all exited $rc, not 6"

# A pidfile left by a crash whose PID now belongs to another process: not bmclinkd, so
# monitor says not running (7) and stop leaves that process alone.
sleep 300 &
other=$!
echo "$other" >"$tmp/bmclinkd.pid"
export OCF_RESKEY_pidfile=$tmp/bmclinkd.pid
rc=0
"$agent" monitor >/dev/null 2>&1 || rc=$?
[[ $rc == 7 ]] || { kill "$other"; fail "monitor with a stale pidfile exited $rc, not 7"; }
"$agent" stop >/dev/null 2>&1 || { kill "$other"; fail "stop with a stale pidfile failed"; }
kill -0 "$other" 2>/dev/null || fail "stop signalled pid $other, which is not bmclinkd"
kill "$other"
echo "ok: stale pidfile -> not running, its process left alone"
echo "PASS"
