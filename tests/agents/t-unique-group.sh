#!/usr/bin/env bash
# The agents' unique-group (OCF 1.1) as pcs reads it from their meta-data, on a CIB file (no
# cluster): a second servicechain with another's state_dir is refused unless forced, another
# state_dir is taken; the same for bmclinkd's pidfile and IPC service.
#   t-unique-group.sh SERVICECHAIN BMCLINKD_AGENT
# pcs asks Pacemaker, which reads agents from /usr/lib/ocf/resource.d: the built agents are
# shown there in a private mount namespace only (links to every other provider, plus ours).
# Exit 0 pass, 77 skip (says why), 1 failures.
set -u
CHAIN=$(readlink -f "${1:?servicechain agent}")
BMCLINKD=$(readlink -f "${2:?bmclinkd agent}")
RD=/usr/lib/ocf/resource.d
for t in pcs cibadmin unshare mount; do
    command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -d "$RD" ] || { echo "SKIP: no $RD (resource-agents)"; exit 77; }
if [ -z "${BL_IN_MNTNS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private mount namespace"; exit 77; }
    unshare -m --propagation private true 2>/dev/null ||
        { echo "SKIP: cannot create a mount namespace here"; exit 77; }
    BL_IN_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi

T=$(mktemp -d /tmp/bl-unique-group.XXXXXX) || exit 99
cleanup() {
    umount "$RD" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/rd/bmclink" || exit 99
for p in "$RD"/*; do
    [ "${p##*/}" = bmclink ] || ln -s "$p" "$T/rd/${p##*/}"
done
ln -s "$CHAIN" "$T/rd/bmclink/servicechain"
ln -s "$BMCLINKD" "$T/rd/bmclink/bmclinkd"
mount --bind "$T/rd" "$RD" || exit 99
cibadmin --empty >"$T/cib.xml" || exit 99

fails=0
# expect RC WHAT ARGS...: `pcs -f CIB resource create ARGS` exits RC (0 or not 0)
expect() {
    local want=$1 what=$2 rc=0 out
    shift 2
    out=$(pcs -f "$T/cib.xml" resource create "$@" 2>&1) || rc=$?
    if { [ "$want" = 0 ] && [ "$rc" -ne 0 ]; } || { [ "$want" != 0 ] && [ "$rc" -eq 0 ]; }; then
        echo "FAIL: $what: pcs exited $rc: $out"
        fails=$((fails + 1))
    elif [ "$want" != 0 ] && [[ $out != *"is not unique"* ]]; then
        echo "FAIL: $what: refused, but not for uniqueness: $out"
        fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}

sc=ocf:bmclink:servicechain
expect 0 "first chain on /srv/a" c1 $sc chain_file=esm-ver6 state_dir=/srv/a
expect 1 "second chain on /srv/a refused" c2 $sc chain_file=other state_dir=/srv/a
expect 0 "second chain on /srv/b" c3 $sc chain_file=other state_dir=/srv/b
expect 0 "second chain on /srv/a with --force" c4 $sc chain_file=other state_dir=/srv/a --force
bd=ocf:bmclink:bmclinkd
expect 0 "first bmclinkd" b1 $bd pidfile=/run/a.pid service=a
expect 1 "a bmclinkd with its pidfile refused" b2 $bd pidfile=/run/a.pid service=b
expect 1 "a bmclinkd with its IPC service refused" b3 $bd pidfile=/run/b.pid service=a
expect 0 "a bmclinkd with its own pidfile and service" b4 $bd pidfile=/run/b.pid service=b

[ "$fails" -eq 0 ] || { echo "t-unique-group.sh: $fails failure(s)"; exit 1; }
echo PASS
