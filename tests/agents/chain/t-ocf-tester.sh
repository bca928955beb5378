#!/usr/bin/env bash
# resource-agents' ocf-tester against the agent running the Ver.6 profile on 16 test members,
# with its folders bound from a tmpfs "shared volume"; the meta-data also against pcs's
# OCF 1.1 schema.
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
command -v ocf-tester >/dev/null || bl_error "ocf-tester is not installed (resource-agents)"
bl_setup
bl_mount_tmpfs
bl_make_chain "$BL_SOURCE_DIR/conf/chains/esm-ver6.chain" "$T/esm.chain"

# ocf-tester runs the agent as nobody for meta-data: it must reach the binary, which a
# checkout in root's home (0700) hides. A copy in the scratch tree, which nobody may cross
# but not list, is what it tests.
install -d -m 755 "$T/bin"
cp "$BL_AGENT" "$T/bin/servicechain"
chmod 711 "$T"
if ! su nobody -s /bin/sh -c "test -x '$T/bin/servicechain'"; then
    bl_skip "user nobody cannot run programs from $T (a noexec /tmp?); ocf-tester needs that"
fi

HA_RSCTMP=$T/rsctmp expect_rc 0 ocf-tester -n esm \
    -o chain_file="$T/esm.chain" -o state_dir="$T/vol/esm" \
    -o folders="work=$T/local/work db=$T/local/db" "$T/bin/servicechain"
expect_out "passed all tests"

"$BL_AGENT" meta-data >"$T/meta.xml"
if [ -r /usr/share/pcs/data/ocf-1.1.rng ]; then
    expect_rc 0 xmllint --noout --relaxng /usr/share/pcs/data/ocf-1.1.rng "$T/meta.xml"
fi
expect_rc 0 sh -c "cd /usr/share/resource-agents && xmllint --noout --valid - <'$T/meta.xml'"

# ocf-tester started and stopped the chain twice: every member's counter says 2 starts.
for m in Nvbase ESMDSVNT ESMEventManager; do
    [ "$(cat "$T/vol/esm/work/$m.counter" 2>/dev/null)" = 2 ] ||
        bl_fail "$m counter on the volume: $(cat "$T/vol/esm/work/$m.counter" 2>&1)"
done
bl_finish
