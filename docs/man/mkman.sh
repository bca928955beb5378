#!/bin/sh
# Writes the man pages into OUTDIR: each PAGE.in of SRCDIR with its @part@ lines replaced by
# what the programs print from their own tables (option tables, configuration tables, agent
# meta-data, usage), through bl-mangen. Run by the build (docs/man/CMakeLists.txt):
#   mkman.sh SRCDIR OUTDIR VERSION MANGEN BMCLINKD BMCLINK BMCLINK_REG SERVICECHAIN BMCLINKD_AGENT
set -eu
export LC_ALL=C.UTF-8 # GLib's usage texts, as a user sees them
src=$1 out=$2 version=$3 mangen=$4 daemon=$5 cli=$6 reg=$7 chain_agent=$8 daemon_agent=$9
parts=$out/parts
rm -rf "$parts"
mkdir -p "$parts"

# The shell agent reads ocf-shellfuncs; for meta-data it needs only the action, so a stub
# stands in for resource-agents at build time.
# shellcheck disable=SC2016 # written for the agent to expand
printf '__OCF_ACTION=${1:-}\nOCF_SUCCESS=0\n' >"$parts/ocf-shellfuncs"

# part PAGE NAME MODE COMMAND...: the part NAME of PAGE is COMMAND's output through
# `bl-mangen MODE` ("raw": as it is; MODE is split into words: "ocf bmclink"). A command
# that fails fails the build, naming it.
# shellcheck disable=SC2086
part() {
    page=$1 name=$2 mode=$3
    shift 3
    mkdir -p "$parts/$page"
    "$@" >"$parts/raw" || { echo "mkman.sh: $page @$name@: '$*' failed" >&2; exit 1; }
    if [ "$mode" = raw ]; then
        mv "$parts/raw" "$parts/$page/$name"
    elif ! "$mangen" $mode <"$parts/raw" >"$parts/$page/$name"; then
        echo "mkman.sh: $page @$name@: bl-mangen $mode failed on '$*'" >&2
        exit 1
    fi
}
# bmclinkd.conf(5) takes the first section of --dump-options (the keys), as its OPTIONS.
conf_keys() { "$daemon" --dump-options | awk '/^\.SH/ && n++ { exit } { print }' | sed '1s/.*/.SH OPTIONS/'; }
ocf_meta() { OCF_FUNCTIONS_DIR=$parts "$1" meta-data; }

part bmclinkd.8 options options "$daemon" --help
part bmclinkd.8 dump raw "$daemon" --dump-options
part bmclinkd.conf.5 config raw conf_keys
part bmclink.conf.5 conf raw "$mangen" conf
part bmclink.chain.5 keys table "$cli" chain keys
part bmclink.8 usage verbatim "$cli" --help
for cmd in chain status config esm; do
    part bmclink.8 "$cmd" verbatim "$cli" "$cmd" --help
done
# bmclink reg is the entry; bmclink-reg (its page a link to bmclink.8) runs the same code
part bmclink.8 reg verbatim "$cli" reg --help
"$reg" --version >/dev/null || { echo "mkman.sh: $reg --version failed" >&2; exit 1; }
part ocf_bmclink_servicechain.7 ocf "ocf bmclink" ocf_meta "$chain_agent"
part ocf_bmclink_bmclinkd.7 ocf "ocf bmclink" ocf_meta "$daemon_agent"

for tmpl in "$src"/*.in; do
    page=$(basename "$tmpl" .in)
    awk -v dir="$parts/$page" -v version="$version" '
        /^@[a-z_]+@$/ {
            f = dir "/" substr($0, 2, length($0) - 2)
            n = 0
            while ((getline l < f) > 0) { print l; n++ }
            close(f)
            if (n == 0) { print "mkman.sh: empty part " f > "/dev/stderr"; exit 1 }
            next
        }
        { gsub(/@VERSION@/, version); print }' "$tmpl" >"$out/$page.tmp"
    mv "$out/$page.tmp" "$out/$page"
done
