#!/usr/bin/env bash
# The synchronized registry against real Corosync: three nodes in private namespaces
# (tests/tools/regnet.sh), real bmclinkd and bmclink-reg. What it checks, in order:
#   1. every replica reports "active" (in sync) and they agree
#   2. writers on all three nodes at once; every answered write is on every node
#   3. kill -9 of one daemon while writes go on; it restarts and catches up
#   4. one node cut off: it refuses writes, the other two keep writing; healed, all agree and
#      nothing acknowledged is lost
#   5. bad input: over-long key, invalid UTF-8 name, wrong-size value, malformed .reg file
#   6. a corrupt store: the daemon refuses to start and says what to do; --reset-store starts
#      it and it catches up
#   7. a full disk on one node: it leaves the group and retries, the others go on; with space
#      back it rejoins and catches up
# Prints "ok"/"not ok" lines and a closing "N passed, N failed". Exit 0 all passed, 1 a check
# failed, 77 skipped (not root, or no corosync / unshare / built binaries).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/regnet.sh"

regnet_require

all_active() {
    local i
    for ((i = 1; i <= REG_N; i++)); do
        reg_wait_active "$i" "${1:-30}" >/dev/null || return 1
    done
}

# acked_present NODE FILE: every "path name" line of FILE reads back on NODE.
acked_present() {
    local node=$1 file=$2 path name missing=0
    while read -r path name; do
        reg_reg "$node" get "$path" "$name" >/dev/null 2>&1 || missing=$((missing + 1))
    done <"$file"
    [ "$missing" -eq 0 ] || echo "  $missing acknowledged writes missing on node $node"
    [ "$missing" -eq 0 ]
}

# writer NODE PREFIX COUNT LOG: sequential sets; logs "path name" of each one answered 0.
writer() {
    local node=$1 prefix=$2 count=$3 log=$4 k
    for ((k = 0; k < count; k++)); do
        if reg_reg "$node" --timeout 10 set "$prefix" "w$k" sz "v$k" >/dev/null 2>&1; then
            echo "$prefix w$k" >>"$log"
        fi
    done
}

trap reg_down EXIT
reg_down 2>/dev/null
rm -rf "$REG_DIR"
work=$REG_DIR/check
reg_up 3 >/dev/null 2>&1
mkdir -p "$work"
for i in 1 2 3; do reg_daemon_start "$i"; done

check "three replicas in sync" all_active 30
check "replicas agree at start" same_history

# 2. Concurrent writers.
: >"$work/acked"
# (wait on the writers by PID: the namespace holders are background jobs too)
pids=()
for i in 1 2 3; do
    writer "$i" "C/n$i" 40 "$work/acked.$i" &
    pids+=($!)
done
wait "${pids[@]}"
cat "$work"/acked.? >"$work/acked"
check "concurrent writers: all 120 writes answered" test "$(wc -l <"$work/acked")" -eq 120
check "concurrent writers: replicas agree" same_history
check "concurrent writers: every write on node 3" acked_present 3 "$work/acked"

# 3. kill -9 while writing.
: >"$work/acked.k"
writer 1 K/a 60 "$work/acked.k" &
wpid=$!
sleep 0.3
reg_daemon_kill 2 KILL
wait "$wpid"
reg_daemon_start 2
check "killed daemon back in sync" all_active 30
check "after kill -9: replicas agree" same_history
check "after kill -9: acknowledged writes on the restarted node" acked_present 2 "$work/acked.k"

# 4. Partition: node 3 alone.
reg_cut 3
sleep 8 # Corosync notices after token + consensus timeouts
reg_reg 3 --timeout 5 set P/x minority sz no >/dev/null 2>&1
rc=$?
check "minority refuses writes (exit 4, no quorum)" test "$rc" -eq 4
: >"$work/acked.p"
writer 1 P/majority 30 "$work/acked.p"
check "majority keeps writing" test "$(wc -l <"$work/acked.p")" -eq 30
reg_heal 3
sleep 8
check "healed: all in sync" all_active 30
check "healed: replicas agree" same_history
check "healed: majority's writes on the former minority" acked_present 3 "$work/acked.p"
absent() { ! reg_reg "$1" get "$2" "$3" >/dev/null 2>&1; }
check "healed: minority's refused write absent" absent 3 P/x minority

# 5. Bad input: refused with a usage error, nothing applied.
long=$(printf 'a%.0s' $(seq 1 300))
reg_reg 1 set "X/$long" n sz v >/dev/null 2>&1
check "over-long key segment refused" test $? -eq 2
reg_reg 1 set X $'bad\xff' sz v >/dev/null 2>&1
check "invalid UTF-8 value name refused" test $? -eq 2
reg_reg 1 set X n dword 1,2 >/dev/null 2>&1
check "value of the wrong type refused" test $? -eq 2
printf 'Windows Registry Editor Version 5.00\n[A]\n"x"=dword:zz\n' >"$work/bad.reg"
names_line() {
    local out
    out=$(reg_reg 1 import "$work/bad.reg" 2>&1)
    grep -q 'line 3' <<<"$out"
}
check "malformed .reg names its line" names_line
check "daemons still running after bad input" all_active 5

# 6. Corrupt store.
reg_daemon_kill 3 TERM
sleep 0.5
store=$REG_DIR/node-3/registry.db
dd if=/dev/urandom of="$store" bs=4096 count=4 conv=notrunc status=none
rm -f "$store-wal" "$store-shm"
timeout 20 nsenter -t "$(reg_holder_pid 3)" -n -m -p -r -w -- "$REG_BUILD/monitor/bmclinkd" \
    -c /etc/bmclink/bmclinkd.conf >"$work/corrupt.out" 2>&1
rc=$?
check "corrupt store: daemon refuses to start" test "$rc" -ne 0
check "corrupt store: message says what to do" grep -q "reset-store" "$work/corrupt.out"
reg_exec 3 bash -c "$REG_BUILD/monitor/bmclinkd -c /etc/bmclink/bmclinkd.conf --reset-store \
    >>$REG_DIR/node-3/bmclinkd.log 2>&1 & echo \$! >/run/bmclinkd.pid"
check "corrupt store: --reset-store starts and catches up" all_active 30
check "after reset: replicas agree" same_history

# 7. Full disk on node 2: its store moves to a 1 MiB tmpfs.
reg_daemon_kill 2 TERM
sleep 0.5
reg_exec 2 bash -c "mkdir -p /var/lib/bmclink/small && mount -t tmpfs -o size=1m regsmall \
    /var/lib/bmclink/small && cp $REG_DIR/node-2/registry.db /var/lib/bmclink/small/ &&
    sed -i 's|^store = .*|store = /var/lib/bmclink/small/registry.db|; \
            s|^\[registry\]|[registry]\nretry-interval = 1|' /etc/bmclink/bmclinkd.conf"
reg_daemon_start 2
reg_wait_active 2 30 >/dev/null
: >"$work/acked.f"
big=$(head -c 20000 /dev/zero | tr '\0' 'f')
for k in $(seq 1 80); do
    reg_reg 1 set F "f$k" sz "$big" >/dev/null 2>&1 && echo "F f$k" >>"$work/acked.f"
done
check "full disk: the others went on (80 writes answered)" test "$(wc -l <"$work/acked.f")" -eq 80
check "full disk: node 2 says it left" grep -q "No space left on device" "$REG_DIR/node-2/bmclinkd.log"
not_in_sync() { ! reg_reg "$1" status >/dev/null 2>&1; }
check "full disk: node 2 reports not in sync" not_in_sync 2
reg_exec 2 mount -o remount,size=256m /var/lib/bmclink/small
check "space back: node 2 rejoins and catches up" all_active 30
check "space back: replicas agree" same_history
check "space back: acknowledged writes on node 2" acked_present 2 "$work/acked.f"

check_report
