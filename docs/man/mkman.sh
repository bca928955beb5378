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
printf '__OCF_ACTION=${1:-}\nOCF_SUCCESS=0\n' >"$parts/ocf-shellfuncs"

# part PAGE NAME COMMAND...: the part NAME of PAGE is what COMMAND prints; failing fails all.
part() {
    page=$1 name=$2
    shift 2
    mkdir -p "$parts/$page"
    "$@" >"$parts/$page/$name" || { echo "mkman.sh: $page @$name@: '$*' failed" >&2; exit 1; }
}
usage_of() { "$@" --help | "$mangen" verbatim; }

part bmclinkd.8 options sh -c '"$1" --help | "$2" options' - "$daemon" "$mangen"
part bmclinkd.8 dump "$daemon" --dump-options
part bmclinkd.conf.5 config sh -c \
    '"$1" --dump-options | awk "/^\\.SH/ && n++ { exit } { print }" | sed "1s/.*/.SH OPTIONS/"' \
    - "$daemon"
part bmclink.conf.5 conf "$mangen" conf
part bmclink.chain.5 keys sh -c '"$1" chain keys | "$2" table' - "$cli" "$mangen"
part bmclink.8 usage usage_of "$cli"
for cmd in chain status config esm; do
    part bmclink.8 "$cmd" usage_of "$cli" "$cmd"
done
part bmclink.8 reg usage_of "$reg"
part ocf_bmclink_servicechain.7 ocf sh -c '"$1" meta-data | "$2" ocf bmclink' - \
    "$chain_agent" "$mangen"
part ocf_bmclink_bmclinkd.7 ocf sh -c \
    'OCF_FUNCTIONS_DIR=$3 "$1" meta-data | "$2" ocf bmclink' - "$daemon_agent" "$mangen" "$parts"

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
