#!/bin/bash
# `bmclink config check` and `bmclinkd --check-config` on bmclink.conf: the shipped example
# (with its secrets in a 0600 copy) passes; a bad value fails naming file:line, and bmclinkd
# refuses a bmclinkd.conf whose [bmc] names it; [bmc] enabled = auto without the file is off.
#   test_bmc_config_check.sh BMCLINK BMCLINKD EXAMPLE
set -euo pipefail
cli=$1 daemon=$2 example=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'secret\n' >"$tmp/pw"
chmod 600 "$tmp/pw"
sed "s#^password_file = .*#password_file = $tmp/pw#" "$example" >"$tmp/good.conf"
chmod 600 "$tmp/good.conf"
out=$("$cli" config check "$tmp/good.conf" --node node1) || fail "example refused: $out"
[[ $out == *"$tmp/good.conf: OK"* ]] || fail "no OK line: $out"

sed 's/^interval_ms = 1000/interval_ms = soon/' "$tmp/good.conf" >"$tmp/bad.conf"
chmod 600 "$tmp/bad.conf"
line=$(grep -n '^interval_ms = soon' "$tmp/bad.conf" | cut -d: -f1)
if out=$("$cli" config check "$tmp/bad.conf" 2>&1); then fail "bad file accepted"; fi
[[ $out == *"$tmp/bad.conf:$line:"* ]] || fail "error does not name file:$line: $out"
if out=$("$cli" config check "$tmp/good.conf" --node nosuchnode 2>&1); then
    fail "unknown node accepted"
fi
# Every problem of both sides at once, one per line; a group nobody reads is refused.
sed 's/^interval_ms = 1000/interval_ms = soon/; s/^accept_v1 = .*/accept_v1 = perhaps/' \
    "$tmp/good.conf" >"$tmp/bad2.conf"
printf '[heartbeet]\nenabled = off\n' >>"$tmp/bad2.conf"
chmod 600 "$tmp/bad2.conf"
if out=$("$cli" config check "$tmp/bad2.conf" 2>&1); then fail "bad2 accepted"; fi
for want in "[heartbeat] interval_ms: invalid value 'soon'" "[heartbeet]: unknown group" \
    "[trap] accept_v1: invalid value 'perhaps'"; do
    [[ $out == *"$want"* ]] || fail "every error: no '$want' in: $out"
done

printf '[registry]\nenabled = false\n[bmc]\nenabled = true\nconfig = %s\nnode-name = node1\n' \
    "$tmp/bad.conf" >"$tmp/d.conf"
if out=$("$daemon" -c "$tmp/d.conf" --check-config 2>&1); then fail "bmclinkd accepted it"; fi
[[ $out == *"$tmp/bad.conf:$line:"* ]] || fail "bmclinkd's error does not name file:line: $out"
sed -i "s#^config = .*#config = $tmp/good.conf#" "$tmp/d.conf"
"$daemon" -c "$tmp/d.conf" --check-config >/dev/null || fail "bmclinkd refused the good file"
sed -i "s#^config = .*#config = $tmp/absent.conf#; s#^enabled = true#enabled = auto#" "$tmp/d.conf"
"$daemon" -c "$tmp/d.conf" --check-config >/dev/null || fail "auto without the file refused"
sed -i "s#^enabled = auto#enabled = true#" "$tmp/d.conf"
if "$daemon" -c "$tmp/d.conf" --check-config 2>/dev/null; then fail "true without the file"; fi

# --check-config's exit status tells whose problem it is: 1 bmclinkd.conf, 3 a file or secret
# on this node, 4 bmclink.conf's content.
status() { local rc=0; "$daemon" -c "$1" --check-config >/dev/null 2>&1 || rc=$?; echo "$rc"; }
printf '[registry]\nenabled = false\n[bmc]\nenabled = true\nconfig = %s\nnode-name = node1\n' \
    "$tmp/good.conf" >"$tmp/s.conf"
[[ $(status "$tmp/s.conf") == 0 ]] || fail "good: not 0"
printf '[registry]\nenabled = maybe\n' >"$tmp/s1.conf"
[[ $(status "$tmp/s1.conf") == 1 ]] || fail "bmclinkd.conf value: not 1"
[[ $(status "$tmp/absent-bmclinkd.conf") == 3 ]] || fail "bmclinkd.conf missing: not 3"
sed "s#^config = .*#config = $tmp/bad.conf#" "$tmp/s.conf" >"$tmp/s4.conf"
[[ $(status "$tmp/s4.conf") == 4 ]] || fail "bmclink.conf value: not 4"
sed "s#^config = .*#config = $tmp/absent.conf#" "$tmp/s.conf" >"$tmp/s3.conf"
[[ $(status "$tmp/s3.conf") == 3 ]] || fail "bmclink.conf missing: not 3"
for pw in missing world long empty; do
    sed "s#^password_file = .*#password_file = $tmp/pw-$pw#" "$tmp/good.conf" >"$tmp/p.conf"
    chmod 600 "$tmp/p.conf"
    case $pw in
        world) printf 'secret\n' >"$tmp/pw-$pw"; chmod 644 "$tmp/pw-$pw" ;;
        long) printf '123456789012345678901\n' >"$tmp/pw-$pw"; chmod 600 "$tmp/pw-$pw" ;;
        empty) printf '\n' >"$tmp/pw-$pw"; chmod 600 "$tmp/pw-$pw" ;;
    esac
    sed "s#^config = .*#config = $tmp/p.conf#" "$tmp/s.conf" >"$tmp/sp.conf"
    [[ $(status "$tmp/sp.conf") == 3 ]] || fail "password file $pw: not 3"
done

# The two CPG groups: named, and apart (file:line names the key).
printf '[registry]\nenabled = false\ngroup = bmclink-reg\n[bmc]\nenabled = false\ngroup = bmclink-reg\n' \
    >"$tmp/g.conf"
if out=$("$daemon" -c "$tmp/g.conf" --check-config 2>&1); then fail "same groups accepted"; fi
[[ $out == *"$tmp/g.conf:6: [bmc] group: "*"must differ"* ]] || fail "same groups: $out"
printf '[bmc]\nenabled = false\ngroup =\n' >"$tmp/g.conf"
if out=$("$daemon" -c "$tmp/g.conf" --check-config 2>&1); then fail "empty group accepted"; fi
[[ $out == *"$tmp/g.conf:3: [bmc] group: "*"empty"* ]] || fail "empty group: $out"
printf '[registry]\ngroup = bmclink-bmc\n[bmc]\nenabled = false\n' >"$tmp/g.conf"
if out=$("$daemon" -c "$tmp/g.conf" --check-config 2>&1); then fail "same default accepted"; fi
[[ $out == *"$tmp/g.conf:2: [registry] group: "* ]] || fail "same default: $out"
# Every problem at once, each with its line; Pacemaker's spellings.
printf '[registry]\nenabled = off\nretry-interval = 2min\n[bmc]\nenabled = false\nretry-ms = 30s\n' \
    >"$tmp/y.conf"
"$daemon" -c "$tmp/y.conf" --check-config >/dev/null 2>&1 || fail "on/off and durations refused"
printf '[registry]\nenabled = maybe\ncolour = red\n[nope]\n[bmc]\nretry-ms = 1x\n' >"$tmp/e.conf"
if out=$("$daemon" -c "$tmp/e.conf" --check-config 2>&1); then fail "bad values accepted"; fi
for want in "e.conf:2: [registry] enabled: invalid value 'maybe'" \
    "e.conf:3: [registry] colour: unknown key" "e.conf:4: [nope]: unknown group" \
    "e.conf:6: [bmc] retry-ms: invalid value '1x'"; do
    [[ $out == *"$want"* ]] || fail "every error: no '$want' in: $out"
done
echo "PASS"
