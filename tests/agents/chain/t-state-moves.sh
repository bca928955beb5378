#!/usr/bin/env bash
# The chain's state lives on the shared volume and moves with it: folders created on the
# first start from the local install-time copy, bound while the chain runs, unbound at stop;
# members see START or FAILOVER and the node name. "Nodes" here are two runtime directories
# and node names on one machine; the lab repeats this with real nodes.
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
bl_setup
bl_mount_tmpfs
bl_make_chain "$BL_SOURCE_DIR/conf/chains/esm-ver6.chain" "$T/esm.chain"
# The profile has no optional member (the guide's services are all required where present);
# this site makes one optional, for the degraded path below.
sed -i '/^\[member ESMEventManager\]$/a optional = true' "$T/esm.chain"
export OCF_RESKEY_chain_file=$T/esm.chain OCF_RESKEY_state_dir=$T/vol/esm
export OCF_RESKEY_folders="work=$T/local/work db=$T/local/db" OCF_RESKEY_folder_mode=0750

expect_rc 0 ra node-a validate-all
# the Ver.6 profile keeps the service folder on the volume too; this test binds two folders
expect_out "keeps folder 'service' (ESMWEB/wbserver/webapps/esmpro/WEB-INF/service) on the shared volume, but the folders parameter does not bind it"
expect_rc 7 ra node-a monitor

# First start ever, on node-a: START; folders copied to the volume, local copy kept.
expect_rc 0 ra node-a start
expect_out "as START (16 members"
start_out=$LAST_OUT
expect_rc 0 ra node-a monitor
[ "$(cat "$T/vol/esm/work/install.txt")" = installed ] || bl_fail "install copy missing"
[ "$(stat -c %a "$T/vol/esm/db")" = 750 ] || bl_fail "db folder mode $(stat -c %a "$T/vol/esm/db")"
ls -a "$T/vol/esm" | grep -q '^\.bmclink-copy-' && bl_fail "temporary copy left on the volume"
expect_file_has "$T/vol/esm/work/Nvbase.log" "start #1 "
expect_file_has "$T/vol/esm/work/Nvbase.log" "mode=START node=node-a"
[ "$(bl_counter ESMEventManager)" = 1 ] || bl_fail "counter after first start: $(bl_counter ESMEventManager)"

# Start order is the profile's (the agent reports each member ready before starting the next).
order="AlertManagerWMIService AlertManagerHTTPSService Nvbase Nvrmapd Nvcmd ESMASVNT"
order="$order DmiEventWatcher ESMDSVNT AlertManagerSocketReceiveService ESM32BridgeNvAccessor"
order="$order ESM32BridgeAlertListener ESMCommonComponent ESMBaseAlertListener ESMEventManager"
order="$order ESMWebContainer DianaScope-ModemAgent"
started=$(sed -n 's/.*member \([A-Za-z0-9-]*\) ready.*/\1/p' <<<"$start_out" | xargs)
[ "$started" = "$order" ] || bl_fail "start order: $started"

expect_rc 0 ra node-a start # already running: nothing restarted
[ "$(bl_counter Nvbase)" = 1 ] || bl_fail "a second start restarted members"
expect_rc 0 "$BL_CLI" chain status --run-dir "$T/rsctmp-node-a"
expect_out "resource esm: started"
expect_out "chain esm-ver6-test: running"
expect_out "Nvbase"
expect_out "bound from $T/vol/esm/work"

# Stop on node-a: reverse order, binds undone, local copy untouched, record says clean.
expect_rc 0 ra node-a stop
stopped=$(sed -n 's/.*member \([A-Za-z0-9-]*\) stopped.*/\1/p' <<<"$LAST_OUT" | tac | xargs)
[ "$stopped" = "$order" ] || bl_fail "stop order is not the reverse: $(tac <<<"$stopped")"
expect_rc 7 ra node-a monitor
[ -e "$T/local/work/Nvbase.counter" ] && bl_fail "local work folder shows volume files after stop"
[ "$(cat "$T/local/work/install.txt")" = installed ] || bl_fail "local install copy changed"
expect_file_has "$T/vol/esm/.bmclink/esm.run" "state=stopped"
expect_rc 1 "$BL_CLI" chain status -r esm --run-dir "$T/rsctmp-node-a"
expect_out "not running on this node"

# The chain moves to node-b: FAILOVER, the counters continue from the volume.
expect_rc 0 ra node-b start
expect_out "as FAILOVER"
expect_file_has "$T/vol/esm/work/Nvbase.log" "start #2 "
expect_file_has "$T/vol/esm/work/Nvbase.log" "mode=FAILOVER node=node-b"
[ "$(bl_counter Nvbase)" = 2 ] || bl_fail "counter after failover: $(bl_counter Nvbase)"

# Clean stop and start again on node-b: a normal START.
expect_rc 0 ra node-b stop
expect_rc 0 ra node-b start
expect_out "as START"
expect_file_has "$T/vol/esm/work/Nvbase.log" "start #3 pid="

# node-b "crashes": members killed, its runtime directory gone (as after a reboot), binds
# gone with its mount namespace. The next start, even on node-b, is a FAILOVER.
bl_kill_members
umount "$T/local/work" "$T/local/db"
rm -rf "$T/rsctmp-node-b"
expect_rc 0 ra node-b start
expect_out "not stopped cleanly: this start is FAILOVER"
expect_file_has "$T/vol/esm/work/Nvbase.log" "start #4 pid="
tail -1 "$T/vol/esm/work/Nvbase.log" | grep -q "mode=FAILOVER node=node-b" ||
    bl_fail "crash restart not FAILOVER: $(tail -1 "$T/vol/esm/work/Nvbase.log")"

# A member dies: monitor fails (mandatory) or degrades (optional).
read -r pid <"$T/run/ESMEventManager.pid"
kill "$pid"
sleep 0.2
expect_rc 190 ra node-b monitor
expect_out "optional member ESMEventManager is stopped"
read -r pid <"$T/run/Nvcmd.pid"
kill -9 "$pid"
sleep 0.2
expect_rc 1 ra node-b monitor
expect_out "mandatory member Nvcmd is stopped"

# A bind that vanished under running members is a failure too.
expect_rc 0 ra node-b stop
expect_rc 0 ra node-b start
umount "$T/local/db"
expect_rc 1 ra node-b monitor
expect_out "is not bound from"

# reload-agent: only the default timeouts changed.
OCF_RESKEY_member_stop_timeout=5s expect_rc 0 ra node-b reload-agent
expect_out "member timeouts reloaded"
grep -q "stop_timeout = 5000ms" "$T/rsctmp-node-b/bmclink-servicechain-esm.chain" ||
    bl_fail "snapshot does not carry the reloaded timeout"
expect_rc 0 ra node-b stop
bl_finish
