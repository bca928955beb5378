#!/usr/bin/env bash
# Trap forwarding over SNMPv3 (USM authPriv, SHA/AES-128) and as v2c informs to real snmptrapd, in a private
# network namespace (loopback only). bmclinkd's receiver (trap_listen) accepts its BMC's
# notifications and forwards them to [trap-forward N] managers:
#   A. a v2c notification from the BMC -> forwarded as v3 authPriv: snmptrapd (createUser /
#      authUser) logs it with our user, the original OID and the BMC's address; the SHA-256
#      manager too; the v2c manager with inform = true gets an InformRequest
#   B. a PET (SNMPv1) -> forwarded as its RFC 3584 v2 form over v3
#   C. a second manager whose snmptrapd knows other keys -> logs nothing (USM refuses it)
#   D. a trap from a forged source is dropped, not forwarded
# Secrets live in 0600 files (our config, snmptrapd.conf, snmp.conf for snmptrap), never on
# a command line. Exit 0 pass, 1 failures, 77 skip (says why), 99 set-up error.
#   trap_forward_v3.sh TRAP_LISTEN
set -u
LISTEN=$(readlink -f "${1:?trap_listen}")
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"

BL_NEEDS="snmptrapd snmptrap" bl_netns_enter "$0" "$@"
bl_netns_tmp bl-fwdv3
ip addr add 127.0.0.2/8 dev lo 2>/dev/null   # a second source address for the forged trap
umask 077
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; tail -5 "$TMP"/*.out 2>/dev/null | sed 's/^/     | /'; }
RX=1171 M1=1172 M2=1173 M3=1174 M4=1175
ENGINE=0x80001f8804626c666f7277617264   # ours towards the managers (we are authoritative)

# manager NAME PORT AUTH PRIV [HASH]: snmptrapd logging to NAME.out, one v3 user
manager() {
    mkdir -p "$TMP/$1"
    cat >"$TMP/$1/snmptrapd.conf" <<CONF
createUser -e ${6:-$ENGINE} fwduser ${5:-SHA} $3 AES $4
authUser log fwduser priv
CONF
    snmptrapd -f -Lo -C -c "$TMP/$1/snmptrapd.conf" -M /nonexistent -m "" \
        --persistentDir="$TMP/$1" -On -F 'trap %P |%v\n' udp:127.0.0.1:$2 >"$TMP/$1.out" 2>&1 &
    PIDS="$PIDS $!"
}
manager m1 $M1 fwd-auth-pass1 fwd-priv-pass1
manager m2 $M2 other-auth-pass other-priv-pass
mkdir -p "$TMP/m4"   # a v2c manager for informs
printf 'authCommunity log fwd-comm4\n' >"$TMP/m4/snmptrapd.conf"
snmptrapd -f -Lo -C -c "$TMP/m4/snmptrapd.conf" -M /nonexistent -m "" --persistentDir="$TMP/m4" \
    -On -F 'trap %P |%v\n' udp:127.0.0.1:$M4 >"$TMP/m4.out" 2>&1 &
PIDS="$PIDS $!"
manager m3 $M3 fwd-auth-pass3 fwd-priv-pass3 SHA-256 0x80001f8804626c2d736861323536

cat >"$TMP/bmclink.conf" <<CONF
[trap-node n1]
address = 127.0.0.1:$RX
bmc = 127.0.0.1
community = n0tice
[trap]
recoverable_oids = 1.3.6.1.4.1.99999.0.1
fatal_oids = 1.3.6.1.4.1.99999.0.2
[trap-forward 1]
target = 127.0.0.1:$M1
version = v3
v3_user = fwduser
v3_engine_id = $ENGINE
v3_auth = SHA
v3_auth_pass = fwd-auth-pass1
v3_priv_pass = fwd-priv-pass1
[trap-forward 2]
target = 127.0.0.1:$M2
version = v3
v3_user = fwduser
v3_engine_id = $ENGINE
v3_auth_pass = fwd-auth-pass1
v3_priv_pass = fwd-priv-pass1
[trap-forward 3]
target = 127.0.0.1:$M3
version = v3
v3_user = fwduser
v3_engine_id = 0x80001f8804626c2d736861323536
v3_auth = SHA-256
v3_auth_pass = fwd-auth-pass3
v3_priv_pass = fwd-priv-pass3
[trap-forward 4]
target = 127.0.0.1:$M4
version = v2c
community = fwd-comm4
inform = true
CONF
"$LISTEN" -c "$TMP/bmclink.conf" -n n1 --events -s 60 >"$TMP/rx.out" 2>"$TMP/rx.err" &
PIDS="$PIDS $!"

# The BMC's side: snmptrap with the community from its own 0600 snmp.conf, not argv.
mkdir -p "$TMP/bmc"
printf 'defCommunity n0tice\n' >"$TMP/bmc/snmp.conf"
bmc_trap() { SNMPCONFPATH="$TMP/bmc" snmptrap -M /nonexistent -m "" "$@" >/dev/null 2>&1; }
listening() { for p in $RX $M1 $M2 $M3 $M4; do ss -Hlun "sport = :$p" | grep -q . || return 1; done; }
for _ in $(seq 100); do listening && break; sleep 0.1; done
listening || { echo "ERROR: receiver or snmptrapd did not start"; cat "$TMP/rx.err" "$TMP"/m*.out; exit 99; }

# wait_for FILE REGEX: bounded wait (10 s), no timing asserted
wait_for() {
    for _ in $(seq 100); do grep -qE "$2" "$1" && return 0; sleep 0.1; done
    return 1
}

# --- A: v2c in, v3 out ---
bmc_trap -v 2c 127.0.0.1:$RX '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.4.1.99999.1.1 s "fan degraded"
wait_for "$TMP/m1.out" "99999\.0\.1" && ok "A: snmptrapd received the forwarded v3 notification" ||
    bad "A" "nothing at the manager"
grep -q "fan degraded" "$TMP/m1.out" && ok "A: varbinds kept" || bad "A" "varbind"
grep -E "99999\.0\.1" "$TMP/m1.out" | grep -q "SNMP v3, user fwduser" &&
    ok "A: it came as v3 from user fwduser (snmptrapd: $(grep -m1 -oE 'trap [^|]*' "$TMP/m1.out"))" ||
    bad "A" "not v3 / user"
grep -qE "6\.3\.18\.1\.3\.0 = IpAddress: 127\.0\.0\.1|snmpTrapAddress.0 = IpAddress: 127.0.0.1" \
    "$TMP/m1.out" && ok "A: the BMC's address travels (snmpTrapAddress.0)" || bad "A" "trap address"
wait_for "$TMP/m3.out" "99999\.0\.1" && ok "A: and to the SHA-256 manager (usmHMAC192SHA256)" ||
    bad "A" "nothing at the SHA-256 manager"
wait_for "$TMP/m4.out" "99999\.0\.1" && grep -q "INFORM, SNMP v2c" "$TMP/m4.out" &&
    ok "A: and as a v2c InformRequest to the inform manager" || bad "A" "no inform at m4"
grep -q "verdict=recoverable" "$TMP/rx.out" && ok "A: receiver accepted it as recoverable" ||
    bad "A" "receiver"

# --- B: a PET (v1) forwarded as v3 ---
bmc_trap -v 1 127.0.0.1:$RX 1.3.6.1.4.1.3183.1.1 127.0.0.1 6 487168 0 \
    1.3.6.1.4.1.3183.1.1.1 x "$(printf '%0104d' 0)"
wait_for "$TMP/m1.out" "3183\.1\.1\.0\.487168" && ok "B: the PET arrived as 3183.1.1.0.487168 over v3" ||
    bad "B" "no PET at the manager"

# --- C: wrong keys at the second manager ---
[ "$(grep -c 99999 "$TMP/m2.out")" -eq 0 ] && ok "C: the manager with other keys logged nothing" ||
    bad "C" "logged with wrong keys"
grep -qiE "decrypt|authentic|usm" "$TMP/m2.out" && ok "C: snmptrapd said why (USM)" ||
    echo "note C: snmptrapd printed no reason"

# --- D: forged source ---
SNMPCONFPATH="$TMP/bmc" snmptrap -M /nonexistent -m "" -v 2c --clientaddr=127.0.0.2 \
    127.0.0.1:$RX '' 1.3.6.1.4.1.99999.0.2 >/dev/null 2>&1
wait_for "$TMP/rx.out" "verdict=dropped" && ok "D: forged source dropped" || bad "D" "not dropped"
bmc_trap -v 2c 127.0.0.1:$RX '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.4.1.99999.1.1 s "marker"
wait_for "$TMP/m1.out" "marker" || bad "D" "marker not forwarded"
[ "$(grep -c "99999\.0\.2" "$TMP/m1.out")" -eq 0 ] && ok "D: the forged trap was not forwarded" ||
    bad "D" "forged trap forwarded"

# --- E: a world-readable file with secrets is refused, and the refusal shows no secret ---
cp "$TMP/bmclink.conf" "$TMP/open.conf"
chmod 644 "$TMP/open.conf"
"$LISTEN" -c "$TMP/open.conf" -n n1 -s 1 >"$TMP/open.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "world-readable" "$TMP/open.out" && ok "E: world-readable config refused" ||
    bad "E" "rc $rc: $(head -2 "$TMP/open.out")"
grep -q "fwd-auth-pass1\|fwd-priv-pass1" "$TMP/open.out" && bad "E" "secret in the message"

# secrets: not on any command line of ours, not in the receiver's output
if grep -q "fwd-auth-pass1\|fwd-priv-pass1\|n0tice\|fwd-comm4" "$TMP/rx.out" "$TMP/rx.err"; then
    bad "secrets" "a secret in the receiver's output"
else
    ok "no secret in the receiver's output"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
