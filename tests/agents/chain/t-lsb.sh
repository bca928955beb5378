#!/usr/bin/env bash
# LSB members: init scripts around bl-test-member, checked with and without a pidfile, and
# refused by validate-all when linked to start at boot (/etc/rc2.d is replaced, inside this
# test's private mount namespace only, by a scratch directory).
. "$(dirname "$0")/lib.sh"
bl_private_ns "$@"
bl_setup
mkdir -p "$T/init.d" "$T/rc2.d"

script() { # NAME: an init script for a test member
    sed -e "s|@MEMBER@|$BL_TEST_MEMBER|" -e "s|@NAME@|$1|" -e "s|@DIR@|$T/local/work|" \
        -e "s|@PIDFILE@|$T/run/$1.pid|" -e "s|@ARGS@||" \
        "$BL_SOURCE_DIR/tests/tools/members/lsb-member.in" >"$T/init.d/$1"
    chmod 755 "$T/init.d/$1"
}
script esmbase
script esmweb
cat >"$T/c.chain" <<CHAIN
[member esmbase]
kind = lsb
script = $T/init.d/esmbase
# with pidfile and exe, monitor checks /proc instead of running the script
pidfile = $T/run/esmbase.pid
exe = $BL_TEST_MEMBER

[member esmweb]
kind = lsb
script = $T/init.d/esmweb
stop_timeout = 5s
CHAIN
export OCF_RESKEY_chain_file=$T/c.chain

expect_rc 0 ra n1 validate-all
expect_rc 7 ra n1 monitor
expect_rc 0 ra n1 start
expect_rc 0 ra n1 monitor
[ "$(bl_counter esmweb)" = 1 ] || bl_fail "esmweb counter $(bl_counter esmweb)"
expect_file_has "$T/local/work/esmweb.log" "mode=START node=n1"
expect_rc 0 "$BL_CLI" chain status --run-dir "$T/rsctmp-n1"
expect_out "script $T/init.d/esmweb"
read -r pid <"$T/run/esmweb.pid"
kill -9 "$pid"
sleep 0.1
expect_rc 1 ra n1 monitor # its status script says "dead, pidfile remains" (1)
expect_out "mandatory member esmweb is failed"
expect_rc 0 ra n1 stop
expect_rc 7 ra n1 monitor
expect_rc 0 ra n1 stop

# Started at boot on this node: OCF_ERR_INSTALLED from validate-all and start.
mount --bind "$T/rc2.d" /etc/rc2.d || bl_error "cannot bind over /etc/rc2.d"
ln -s ../init.d/esmweb /etc/rc2.d/S02esmweb
expect_rc 5 ra n1 validate-all
expect_out "member 'esmweb': $T/init.d/esmweb is started at boot (/etc/rc2.d)"
expect_rc 5 ra n1 start
rm /etc/rc2.d/S02esmweb
umount /etc/rc2.d
bl_finish
