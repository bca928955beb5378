#!/bin/sh
# Capture real traps from net-snmp's snmptrap on loopback as the fuzz seed corpus:
# v1 PET, v2c (matched OID and PET-over-v2c), v3 authPriv / authNoPriv / wrong key,
# plus a few hand-made hostile datagrams (truncated, wrong version, huge varbind).
# Credentials match tests/fuzz/trap/fuzz_trap.c. Usage: capture-seeds.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus}
port=${PORT:-29162}
mkdir -p "$out"
conf=$(mktemp -d)
trap 'rm -rf "$conf"; [ -n "${lp:-}" ] && kill "$lp" 2>/dev/null || true' EXIT

python3 - "$out" "$port" <<'PY' &
import socket, sys, os
out, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port)); s.settimeout(5)
n = 0
try:
    while True:
        d, _ = s.recvfrom(70000)
        n += 1
        open(os.path.join(out, "snmptrap-%02d" % n), "wb").write(d)
except socket.timeout:
    pass
PY
lp=$!
sleep 0.5
pet=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0007000186a0ffff20202020420300a1b2c3ffffffffff000000a2b30102c1
st() { SNMPCONFPATH=$conf MIBS= MIBDIRS=/nonexistent snmptrap -Ln "$@"; }
printf 'defCommunity public\n' >"$conf/snmp.conf"
st -v 1 127.0.0.1:$port 1.3.6.1.4.1.3183.1.1 127.0.0.1 6 487179 0 1.3.6.1.4.1.3183.1.1.1 x $pet
st -v 2c 127.0.0.1:$port '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 s node1
st -v 2c 127.0.0.1:$port '' 1.3.6.1.4.1.3183.1.1.0.487179 1.3.6.1.4.1.3183.1.1.1 x $pet
st -v 2c 127.0.0.1:$port '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 x "$(head -c 3000 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
e=0x80001f88800102030405
printf 'defSecurityName bmcuser\ndefSecurityLevel authPriv\ndefAuthType SHA\ndefPrivType AES\ndefAuthPassphrase authpass-123\ndefPrivPassphrase privpass-456\n' >"$conf/snmp.conf"
st -v 3 -e $e 127.0.0.1:$port '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 s node1
st -v 3 -e $e 127.0.0.1:$port '' 1.3.6.1.4.1.3183.1.1.0.487179 1.3.6.1.4.1.3183.1.1.1 x $pet
printf 'defSecurityName bmcuser\ndefSecurityLevel authNoPriv\ndefAuthType SHA\ndefAuthPassphrase authpass-123\n' >"$conf/snmp.conf"
st -v 3 -e $e 127.0.0.1:$port '' 1.3.6.1.4.1.99999.0.1
wait "$lp" || true
lp=
# Hand-made: truncated v1 PET, SNMP version 7, a length claiming 4 GiB, empty.
first=$(ls "$out"/snmptrap-01)
head -c 40 "$first" >"$out/truncated-v1"
printf '\060\013\002\001\007\004\006public' >"$out/bad-version"
printf '\060\204\377\377\377\377\002\001\000' >"$out/huge-length"
: >"$out/empty"
ls "$out" | wc -l
