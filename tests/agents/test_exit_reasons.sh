#!/bin/bash
# Every failure of the two OCF agents tells the administrator why: a line
# "ocf-exit-reason:CAUSE" on stderr, which pacemaker-execd keeps and crm_mon shows beside the
# failed action. Drives the failures that need neither root nor a cluster, and checks the
# code, that the reason is there and names the cause; and that a success or a probe that
# finds nothing prints no reason (crm_mon would show it as a cause of nothing).
#   test_exit_reasons.sh SERVICECHAIN BMCLINKD_AGENT BMCLINKD BMCLINK_REG
set -euo pipefail
chain_agent=$1 bmcd_agent=$2 daemon=$3 client=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
failures=0

# expect NAME RC REASON_PART CMD...: CMD exits RC and its stderr has one exit reason line
# (the last one is what Pacemaker keeps) containing REASON_PART; "" for REASON_PART: none.
expect() {
    local name=$1 want=$2 part=$3 rc=0 reason
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    reason=$(sed -n 's/^ocf-exit-reason://p' "$tmp/err" | tail -n 1)
    if [[ $rc != "$want" ]]; then
        echo "FAIL: $name: exited $rc, not $want; stderr: $(cat "$tmp/err")" >&2
        failures=$((failures + 1))
    elif [[ -z $part && -n $reason ]]; then
        echo "FAIL: $name: an exit reason on a non-failure: $reason" >&2
        failures=$((failures + 1))
    elif [[ -n $part && $reason != *"$part"* ]]; then
        echo "FAIL: $name: exit reason '$reason' does not contain '$part'" >&2
        failures=$((failures + 1))
    else
        echo "ok: $name -> $rc${reason:+: $reason}"
    fi
}

# --- ocf:bmclink:servicechain (a C program: no resource-agents needed) ---
export OCF_RESOURCE_INSTANCE=chain1 HA_RSCTMP=$tmp/run HA_debug=0
mkdir -p "$tmp/run"
printf '[member a]\nkind = daemon\ncommand = /nonexistent/esmd\npidfile = %s/a.pid\n' \
    "$tmp" >"$tmp/missing.chain"
printf '[member a]\nkind = rocket\n[member b\n' >"$tmp/bad.chain"
printf '[member a]\nkind = daemon\ncommand = /bin/sleep 60\npidfile = %s/a.pid\n' \
    "$tmp" >"$tmp/ok.chain"

expect "chain: no chain given" 6 "give exactly one of chain_file and chain" \
    "$chain_agent" validate-all
expect "chain: chain file absent" 5 "$tmp/absent.chain: No such file" \
    env OCF_RESKEY_chain_file="$tmp/absent.chain" "$chain_agent" start
expect "chain: malformed chain file" 6 "$tmp/bad.chain:" \
    env OCF_RESKEY_chain_file="$tmp/bad.chain" "$chain_agent" validate-all
expect "chain: program missing here" 5 "command /nonexistent/esmd: No such file" \
    env OCF_RESKEY_chain_file="$tmp/missing.chain" "$chain_agent" start
expect "chain: not a boolean" 6 "force_unbind 'maybe' is not a boolean" \
    env OCF_RESKEY_chain_file="$tmp/ok.chain" OCF_RESKEY_force_unbind=maybe \
    "$chain_agent" validate-all
expect "chain: not a duration" 6 "member_start_timeout 'PT2X' is not a duration" \
    env OCF_RESKEY_chain_file="$tmp/ok.chain" OCF_RESKEY_member_start_timeout=PT2X \
    "$chain_agent" validate-all
expect "chain: Pacemaker's spellings accepted" 0 "" \
    env OCF_RESKEY_chain_file="$tmp/ok.chain" OCF_RESKEY_force_unbind=Y \
    OCF_RESKEY_member_start_timeout=PT2M OCF_RESKEY_member_stop_timeout=500ms \
    "$chain_agent" validate-all
expect "chain: recurring monitor, chain not running" 7 "no member of chain" \
    env OCF_RESKEY_chain_file="$tmp/ok.chain" OCF_RESKEY_CRM_meta_interval=10000 \
    "$chain_agent" monitor
expect "chain: probe on a node without the chain file" 7 "" \
    env OCF_RESKEY_chain_file="$tmp/absent.chain" OCF_RESKEY_CRM_meta_interval=0 \
    "$chain_agent" monitor
expect "chain: stop of what never started" 0 "" \
    env OCF_RESKEY_chain_file="$tmp/absent.chain" "$chain_agent" stop
expect "chain: unknown action" 3 "action 'frobnicate' is not implemented" \
    env OCF_RESKEY_chain_file="$tmp/ok.chain" "$chain_agent" frobnicate
expect "chain: no action" 2 "no action given" "$chain_agent"

# --- ocf:bmclink:bmclinkd (a shell agent on resource-agents' ocf-shellfuncs) ---
: "${OCF_ROOT:=/usr/lib/ocf}"
if [ ! -r "$OCF_ROOT/lib/heartbeat/ocf-shellfuncs" ]; then
    echo "SKIP: the bmclinkd agent's cases: $OCF_ROOT/lib/heartbeat/ocf-shellfuncs missing" \
        "(resource-agents)"
    [ "$failures" -eq 0 ] || fail "$failures case(s) failed"
    exit 77
fi
export OCF_ROOT OCF_RESKEY_binary=$daemon OCF_RESKEY_client=$client HA_LOGFILE=/dev/null
export OCF_RESKEY_pidfile=$tmp/bmclinkd.pid OCF_RESKEY_config=$tmp/bmclinkd.conf
printf '[registry]\nenabled = maybe\n' >"$tmp/bmclinkd.conf"
printf '[registry]\nenabled = false\n[bmc]\nenabled = true\nconfig = %s\n' \
    "$tmp/absent-bmclink.conf" >"$tmp/bmc.conf"

expect "bmclinkd: configuration file absent" 5 "$tmp/absent.conf does not exist" \
    env OCF_RESKEY_config="$tmp/absent.conf" "$bmcd_agent" validate-all
expect "bmclinkd: configuration invalid (start)" 6 "configuration $tmp/bmclinkd.conf is invalid" \
    "$bmcd_agent" start
expect "bmclinkd: binary missing" 5 "/nonexistent/bmclinkd" \
    env OCF_RESKEY_binary=/nonexistent/bmclinkd "$bmcd_agent" validate-all
expect "bmclinkd: BMC side's file absent" 5 "$tmp/absent-bmclink.conf does not exist" \
    env OCF_RESKEY_config="$tmp/bmc.conf" "$bmcd_agent" validate-all
expect "bmclinkd: monitor, not running" 7 "" "$bmcd_agent" monitor
expect "bmclinkd: unknown action" 3 "action 'frobnicate' is not implemented" \
    "$bmcd_agent" frobnicate

[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "PASS"
