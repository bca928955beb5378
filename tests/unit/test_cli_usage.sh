#!/bin/bash
# Every program's wrong invocations: each must exit non-zero with its first stderr line
# naming the cause (one line, the program's name first), near misses with "did you mean",
# and nothing on stdout; --version on each exits 0 with the project's version. None of these
# needs a running daemon: the command line is refused before anything is asked.
#   test_cli_usage.sh BMCLINK BMCLINK_REG BMCLINKD FENCE_BMCLINK VERSION
set -uo pipefail
cli=$1 reg=$2 daemon=$3 fence=$4 version=$5
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wrong WANT-REGEX PROGRAM ARGS...: the first line of stderr matches WANT (grep -E)
wrong() {
    local want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$? first
    first=$(head -n1 "$tmp/err")
    if [ "$rc" -eq 0 ]; then
        echo "FAIL: '$*' exited 0"; failed=1
    elif ! grep -Eq -- "$want" <<<"$first"; then
        echo "FAIL: '$*' (exit $rc): first line '$first' does not match /$want/"; failed=1
    elif [ -s "$tmp/out" ]; then
        echo "FAIL: '$*' printed on stdout: $(head -c 200 "$tmp/out")"; failed=1
    else
        echo "ok   $* -> $rc: $first"
    fi
}

# usage WANT PROGRAM ARGS...: a usage error of bmclink/bmclink-reg/bmclinkd: exit 2, one line
usage() {
    wrong "$@"
    local n
    n=$(wc -l <"$tmp/err")
    "${@:2}" >/dev/null 2>&1 </dev/null
    local rc=$?
    if [ "$rc" -ne 2 ] || [ "$n" -ne 1 ]; then
        echo "FAIL: '${*:2}': exit $rc (want 2), $n stderr lines (want 1)"; failed=1
    fi
}

mean="did you mean"
usage "^bmclink: no command given" "$cli"
usage "^bmclink: unknown command 'stauts' \($mean 'status'\?\)" "$cli" stauts
usage "^bmclink: unknown command 'frobnicate' \(one of: chain, reg, status" "$cli" frobnicate
usage "^bmclink: unknown option '--versoin' \($mean '--version'\?\)" "$cli" --versoin
usage "^bmclink chain: unknown command 'stauts' \($mean 'status'\?\)" "$cli" chain stauts
usage "^bmclink config: unknown command 'chekc' \($mean 'check'\?\)" "$cli" config chekc
usage "^bmclink esm: unknown command 'chekc' \($mean 'check'\?\)" "$cli" esm chekc site
usage "^bmclink status: unknown option '--bogus'" "$cli" status --bogus
usage "^bmclink status: unknown option '--jsno' \($mean '--json'\?\)" "$cli" status --jsno
usage "^bmclink status: unknown option '-x'" "$cli" status -x
usage "^bmclink status: Missing argument for --service" "$cli" status --service
usage "^bmclink status: unexpected argument 'extra'" "$cli" status extra
usage "^bmclink status: --json and --keys conflict" "$cli" status --json --keys
usage "^bmclink status: --timeout 'soon' is not a duration" "$cli" status --timeout soon
usage "^bmclink status: --timeout '0' is not a duration" "$cli" status --timeout 0
usage "^bmclink chain check: missing argument" "$cli" chain check
usage "^bmclink chain check: unexpected argument 'b'" "$cli" chain check a b
usage "^bmclink chain keys: option --json does not apply to 'keys'" "$cli" chain keys --json
usage "^bmclink chain: --resource and --chain conflict" "$cli" chain status -r x --chain y
usage "^bmclink config check: unexpected argument 'b'" "$cli" config check a b
usage "^bmclink version: unexpected argument 'x'" "$cli" version x
usage "^bmclink reg: unknown command 'stauts' \($mean 'status'\?\)" "$cli" reg stauts
usage "^bmclink reg: unknown option '--profil' \($mean '--profile'\?\)" "$cli" reg render --profil p

usage "^bmclink-reg: no command given" "$reg"
usage "^bmclink-reg: unknown command 'gte' \($mean 'get'\?\)" "$reg" gte x
usage "^bmclink-reg: unknown option '--tiemout' \($mean '--timeout'\?\)" "$reg" --tiemout 5 wait
usage "^bmclink-reg get: missing argument" "$reg" get
usage "^bmclink-reg mkkey: unexpected argument 'b'" "$reg" mkkey a b
usage "^bmclink-reg status: option --profile does not apply to 'status'" "$reg" status --profile x
usage "^bmclink-reg: render: --profile FILE is required" "$reg" render
usage "^bmclink-reg: set: a VALUE and --value-file both given" "$reg" set K n sz v -f -
usage "^bmclink-reg: --timeout 'x' is not a duration" "$reg" --timeout x wait
usage "^bmclink-reg: Missing argument for --service" "$reg" status --service
usage "^bmclink-reg: unknown option '-1' \(a value starting with '-' goes after '--'\)" "$reg" set K n dword -1

usage "^bmclinkd: unknown option '--chek-config' \($mean '--check-config'\?\)" "$daemon" --chek-config
usage "^bmclinkd: unknown option '--bogus'" "$daemon" --bogus
usage "^bmclinkd: unexpected argument 'extra'" "$daemon" extra
usage "^bmclinkd: Missing argument for -c" "$daemon" -c
usage "^bmclinkd: --check-config a and -c b name two files" "$daemon" --check-config a -c b

# fence-agents' conventions: "NAME: error: Parse error: ..." and exit 1
wrong "^fence_bmclink: error: Parse error: option --pasword not recognized \($mean '--password'\?\)" \
    "$fence" --pasword x
wrong "^fence_bmclink: error: Parse error: option -Z not recognized" "$fence" -Z
wrong "^fence_bmclink: error: Parse error: option --ip requires an argument" "$fence" --ip
wrong "^fence_bmclink: error: Parse error: unexpected argument 'off'" "$fence" -a 192.0.2.1 off
wrong "^fence_bmclink: error: .*Unrecognised action 'bogus'" "$fence" -o bogus

# --json: typed values (booleans, numbers, nested), every error of the file, nothing else on
# stdout. python3 reads it (pcs brings it on every cluster node).
printf '[bmc]\nbogus = 1\nother = 2\n[heartbeat]\ninterval = x\n' >"$tmp/bad.conf"
"$cli" config check "$tmp/bad.conf" --json >"$tmp/json" 2>"$tmp/err"
rc=$?
python3 - "$tmp/json" "$tmp/bad.conf" <<'PY' && [ "$rc" -eq 1 ] && [ ! -s "$tmp/err" ] &&
import json, sys
r = json.load(open(sys.argv[1]))
assert r["valid"] is False and r["file"] == sys.argv[2], r
assert len(r["errors"]) == 3 and all(sys.argv[2] + ":" in e for e in r["errors"]), r
PY
    echo "ok   config check --json: every error, valid false, exit 1" ||
    { echo "FAIL: config check --json (exit $rc): $(cat "$tmp/json" "$tmp/err")"; failed=1; }
printf '[member a]\nkind = daemon\ncommand = /bin/true\npidfile = %s/a.pid\n' "$tmp" >"$tmp/c.chain"
"$cli" chain status --chain "$tmp/c.chain" --json >"$tmp/json" &&
python3 - "$tmp/json" <<'PY' &&
import json, sys
r = json.load(open(sys.argv[1]))
m = r["chain"]["members"][0]
assert m["name"] == "a" and m["optional"] is False and m["state"] == "stopped", r
PY
    echo "ok   chain status --chain --json: nested, typed" ||
    { echo "FAIL: chain status --json: $(cat "$tmp/json")"; failed=1; }

for p in "$cli" "$reg" "$daemon" "$fence"; do
    out=$("$p" --version 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] || [[ $out != *"$version"* ]]; then
        echo "FAIL: $p --version: exit $rc, '$out' (want $version)"; failed=1
    else
        echo "ok   $(basename "$p") --version: $out"
    fi
done
out=$("$cli" version) && [[ $out == "bmclink $version" ]] || { echo "FAIL: bmclink version: $out"; failed=1; }
exit $failed
