#!/bin/bash
# The house's layout rules (docs/architecture.md, "Module map"), checked on the source tree:
#  1. a private header (*_int.h, *_priv.h, and the few listed below by name) is included only
#     from its own folder (the named ones: or by the tests of their module);
#  2. the registry's client headers need nothing of the server (state machine, store, node);
#  3. the build lists its sources: no file(GLOB) in any CMakeLists.txt or .cmake file;
#  4. the `bmclink` command is not linked against net-snmp (checking a file needs no SNMP
#     stack; ldd cannot tell, --as-needed drops an unused library, so the link line is read).
#   test_layout.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
cd "$src" || exit 99
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

while IFS= read -r hdr; do
    dir=$(dirname "$hdr") name=$(basename "$hdr")
    while IFS= read -r user; do
        [ "$(dirname "$user")" = "$dir" ] || fail "$user includes $hdr, private to $dir/"
    done < <(grep -rl --include='*.[ch]' "#include \"$name\"" agents cli lib monitor resource \
        scripts tests)
done < <(find agents cli lib monitor resource scripts tests -name '*_int.h' -o -name '*_priv.h')

# Private by their first comment, not by their name.
for hdr in monitor/daemon/config.h monitor/daemon/ipc.h monitor/daemon/cpg.h \
    monitor/daemon/reg_service.h monitor/recovery/recovery_keyfile.h \
    resource/registry/reg_catchup.h lib/bl_ipmi_glib.h; do
    dir=$(dirname "$hdr") name=$(basename "$hdr")
    [ -f "$hdr" ] || continue # gone with its module: nothing to protect
    while IFS= read -r user; do
        [ "$(dirname "$user")" = "$dir" ] || fail "$user includes $hdr, private to $dir/"
    done < <(grep -rl --include='*.[ch]' "#include \"$name\"" agents cli lib monitor resource \
        scripts)
done

for h in reg_client.h reg_ipc.h reg_types.h; do
    if grep -Eq '#include "(reg_sm|reg_store|reg_node|reg_catchup|reg_sm_int|reg_store_int)\.h"' \
        "resource/registry/$h"; then
        fail "resource/registry/$h includes a header of the registry's server side"
    fi
done

globs=$(grep -rln --include=CMakeLists.txt --include='*.cmake' 'file(GLOB' . 2>/dev/null |
    grep -v '^\./build')
[ -z "$globs" ] || fail "file(GLOB) in: $globs"

link=$build/cli/CMakeFiles/bmclink-cli.dir/link.txt
if [ ! -f "$link" ]; then
    fail "no link line for bmclink-cli in $build (not a Makefile build?)"
elif grep -q netsnmp "$link"; then
    fail "bmclink-cli is linked against net-snmp"
fi
[ "$status" -eq 0 ] && echo "layout rules hold"
exit "$status"
