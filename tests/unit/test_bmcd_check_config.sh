#!/bin/bash
# bmclinkd's command line: --check-config checks the file it is given (as -c FILE or as its
# argument) and fails for a file that does not exist; stray words are refused; a daemon on a
# fresh node creates the directories of its registry store (0700) and of log-file (0750).
#   test_bmcd_check_config.sh BMCLINKD
set -euo pipefail
daemon=$1
tmp=$(mktemp -d)
pid=
cleanup() {
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
status() { local rc=0; "$daemon" "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }

printf '[daemon]\nlog-level = info\n' >"$tmp/good.conf"
printf '[daemon]\nlog-levle = info\n' >"$tmp/bad.conf"

out=$("$daemon" --check-config "$tmp/good.conf") || fail "FILE refused: $out"
[[ $out == "$tmp/good.conf: OK" ]] || fail "--check-config FILE checked another file: $out"
[[ $(status --check-config "$tmp/bad.conf") == 1 ]] || fail "--check-config FILE ignored FILE"
[[ $(status --check-config -c "$tmp/bad.conf") == 1 ]] || fail "-c FILE ignored"
[[ $(status --check-config "$tmp/absent.conf") == 3 ]] || fail "a missing FILE passed"
[[ $(status --check-config -c "$tmp/absent.conf") == 3 ]] || fail "a missing -c FILE passed"
[[ $(status --check-config -c "$tmp/good.conf" "$tmp/good.conf") == 0 ]] ||
    fail "the same file twice refused"
out=$("$daemon" --check-config -c "$tmp/good.conf" "$tmp/bad.conf" 2>&1) && fail "two files"
[[ $out == *"name two files"* ]] || fail "no cause for two files: $out"
out=$("$daemon" --check-config "$tmp/good.conf" extra 2>&1) && fail "extra word accepted"
[[ $out == *"unexpected argument 'extra'"* ]] || fail "no cause for an extra word: $out"
[[ $(status -c "$tmp/good.conf" "$tmp/good.conf") == 2 ]] || fail "a word without --check-config"

# A fresh node: neither directory exists. The daemon waits for Corosync without one, so it
# runs; the store is created before it says it runs. Its own IPC service and CPG group, so
# that on a machine whose Corosync runs it never joins a real registry.
cat >"$tmp/fresh.conf" <<EOF
[daemon]
ipc-service = bl-chk-$$
log-file = $tmp/log/bmclink/d.log
[registry]
store = $tmp/lib/bmclink/registry.db
group = bl-chk-reg-$$
[bmc]
enabled = false
EOF
"$daemon" -c "$tmp/fresh.conf" >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do
    [[ -e $tmp/lib/bmclink/registry.db ]] && break
    kill -0 "$pid" 2>/dev/null || fail "daemon exited: $(cat "$tmp/out")"
    sleep 0.1
done
[[ -e $tmp/lib/bmclink/registry.db ]] || fail "no store after 10 s: $(cat "$tmp/out")"
[[ $(stat -c %a "$tmp/lib/bmclink") == 700 ]] || fail "store directory not 0700"
[[ $(stat -c %a "$tmp/log/bmclink") == 750 ]] || fail "log directory not 0750"
[[ -e $tmp/log/bmclink/d.log ]] || fail "no log file"
echo "ok"
