#!/bin/bash
# The generated man pages (docs/man/): each one there, its NAME line readable by mandb
# (lexgrog: what `man -k` lists), and formatted by man without a warning.
#   test_man_pages.sh MAN_DIR
set -uo pipefail
dir=$1
if ! command -v lexgrog >/dev/null || ! command -v man >/dev/null; then
    echo "SKIP: man-db (man, lexgrog) is not installed"
    exit 77
fi
status=0
for page in bmclinkd.8 bmclink.8 bmclinkd.conf.5 bmclink.conf.5 bmclink.chain.5 \
    ocf_bmclink_servicechain.7 ocf_bmclink_bmclinkd.7; do
    f=$dir/$page
    if [[ ! -s $f ]]; then
        echo "FAIL: $page was not generated"; status=1; continue
    fi
    lexgrog "$f" >/dev/null || { echo "FAIL: $page: no whatis entry"; status=1; }
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
    [[ -z $warn ]] || { echo "FAIL: $page: $warn"; status=1; }
done
grep -qx '.so man8/bmclink.8' "$dir/bmclink-reg.1" || { echo "FAIL: bmclink-reg.1"; status=1; }
[[ $status -eq 0 ]] && echo "ok"
exit "$status"
