#!/bin/bash
# Forged BMCNOTICEs are never acted on, and are counted (issue 5 item 7), sent with the real
# snmptrap to node1's keyword address while grp runs there: the right community from the
# wrong source, a wrong community from the BMC's own address, SNMPv3 with a wrong key and
# unauthenticated, and a replay (a PET stamped long before the newest one seen). Genuine
# recoverable notices (v1 and v3) in between prove the same path accepts the real thing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bmc.sh"
bmc_require
lab_session 2

ENGINE=0x80001f8880aabbccdd0011
AUTH=$(head -c 24 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
PRIV=$(head -c 24 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
TARGET=10.231.2.11:1162
tmp=$(mktemp -d /tmp/bl-forged.XXXXXX)
export TMPDIR=$tmp # snmp_conf_dir's secrets live in here
trap 'rc=$?; rm -rf "$tmp"; (exit $rc); lab_teardown' EXIT

step "node1 accepts its BMC's community and SNMPv3 user; grp on node1"
bmc_conf_write "trap-node node1.v3_user=bmcnotice" "trap-node node1.v3_engine_id=$ENGINE" \
    "trap-node node1.v3_auth=SHA" "trap-node node1.v3_auth_pass=$AUTH" \
    "trap-node node1.v3_priv_pass=$PRIV"
group_create grp node1
evacuate_rule grp
wait_until 30 resource_on grp node1
bmc_daemon_start node1
old_init=$(node_init_pid node1)
good=$(snmp_conf_dir "community:$LAB_DIR/secrets/trap-community")
printf 'not-the-community' >"$tmp/wrong"
bad=$(snmp_conf_dir "community:$tmp/wrong")
v3good=$(snmp_conf_dir "v3:bmcnotice:$AUTH:$PRIV")
v3badkey=$(snmp_conf_dir "v3:bmcnotice:wrong-$AUTH:$PRIV")
n0=$(notices_mark node1)
d0=$(daemon_mark node1)

# Drops are logged at DEBUG only (trap.c's rate-limited WARNING speaks for floods), so a drop
# is read from `bmclink status`: its counters and drop.last; accepted notices from the log.
decisions() {
    bmc_status node1 --keys | awk -F= '$1 == "trap.accepted" || $1 == "trap.duplicate" ||
        $1 == "trap.dropped" { n += $2 } END { print n + 0 }'
}
expect_event() { # VERDICT [REASON]: wait for the next decision and check it
    local verdict=$1 reason=${2:-}
    wait_until 10 eval "(( \$(decisions) >= $seen + 1 ))"
    seen=$((seen + 1))
    if [[ $verdict == dropped ]]; then
        got=$(bmc_status_key node1 drop.last)
        [[ $got == *" dropped ${reason:+$reason }"* ]] || fail "expected a drop $reason, got: $got"
    else
        wait_until 10 eval "(( \$(daemon_since node1 $d0 | grep -c '^event ') >= $events + 1 ))"
        events=$((events + 1))
        got=$(daemon_since node1 "$d0" | grep '^event ' | sed -n "${events}p")
        [[ $got == *"verdict=$verdict"* ]] || fail "expected verdict=$verdict, got: $got"
    fi
    note "$got"
}
seen=$(decisions) events=0

step "the right community from the wrong source (the admin host)"
send_pet bl-adm "$good" "$TARGET" 1 0x20
expect_event dropped foreign-source

step "a wrong community from the BMC's own address"
send_pet bl-b1 "$bad" "$TARGET" 2 0x20
expect_event dropped bad-credentials

step "SNMPv3 from the BMC's address: wrong key, then unauthenticated"
send_pet bl-b1 "$v3badkey" "$TARGET" 3 0x20 0 -v3 -l authPriv -e "$ENGINE"
expect_event dropped unparsable
send_pet bl-b1 "$v3good" "$TARGET" 4 0x20 0 -v3 -l noAuthNoPriv -e "$ENGINE"
expect_event dropped

step "genuine recoverable notices are accepted (v1, v3 authPriv)"
send_pet bl-b1 "$good" "$TARGET" 5 0x08
expect_event recoverable
send_pet bl-b1 "$v3good" "$TARGET" 6 0x08 0 -v3 -l authPriv -e "$ENGINE"
expect_event recoverable

step "a replay: a fatal PET stamped an hour before the newest one seen"
send_pet bl-b1 "$good" "$TARGET" 7 0x20 3600
expect_event dropped replay

step "no action was taken, everything was counted"
sleep 1 # anything a forged trap could have started would show by now
daemon_has node1 "$d0" '^step ' && fail "a recovery step ran: $(daemon_since node1 "$d0" | grep '^step ')"
notices_has node1 "$n0" 'start-notice|end-notice|reset' && fail "the BMC got a notice"
assert_true resource_on grp node1 node1
assert_eq "$old_init" "$(node_init_pid node1)" "node1's init"
[[ -z $(node_attr node1 bmclink-evacuate node2) ]] || fail "bmclink-evacuate was set"
bmc_status node1 | sed -n '/^traps /,/^$/p' | sed 's/^/    /' # counters by reason
assert_eq 5 "$(bmc_status_key node1 trap.dropped)" "dropped notices"
assert_eq 2 "$(bmc_status_key node1 trap.recoverable)" "accepted recoverable notices"
assert_eq 0 "$(bmc_status_key node1 trap.fatal)" "accepted fatal notices"
assert_eq 0 "$(bmc_status_key node1 recovery.started)" "recoveries"
assert_eq 1 "$(bmc_status_key node1 trap.dropped.replay)" "replays dropped"
step "PASS"
