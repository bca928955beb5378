#!/usr/bin/env bash
# `bmclink esm setup` loaded by the real tools: its pcs commands through `pcs -f` on a CIB
# file, its crmsh text through `crm configure load update` on another; both CIBs pass
# crm_verify and hold the same resources, group order, constraints and properties. The
# bmclink agents are not installed on a build host, so the pcs creates get --force (pcs
# checks an agent's meta-data) and crm runs with -F; nothing else is changed.
set -u
for t in pcs crm cibadmin crm_verify xmllint; do
    command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
: "${BL_CLI:?}" "${BL_SOURCE_DIR:?}"
T=$(mktemp -d /tmp/bl-esm-cib.XXXXXX)
trap '[ -n "${BL_KEEP:-}" ] || rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >"$T/site.conf" <<EOS
[site]
version = 5.66
features = trap_forwarding alert_manager_main
install_dir = /opt/esm
manager_name = mgr_ESMPRO
floating_ip = 192.168.0.11
floating_cidr = 24
floating_nic = eth0
volume_device = /dev/disk/by-label/esm-shared
nodes = node1 node2
[bmc]
node1 = 10.231.2.21
node2 = 10.231.2.22
EOS

"$BL_CLI" esm setup --chains "$BL_SOURCE_DIR/conf/chains" "$T/site.conf" >"$T/setup.sh" ||
    fail "bmclink esm setup"
cibadmin --empty >"$T/pcs.xml"
sed -e 's/^pcs \(stonith\|resource\) create \(.*\)$/pcs -f "$CIB" \1 create \2 --force/' \
    -e 's/^pcs \([a-z]\)/pcs -f "$CIB" \1/' "$T/setup.sh" >"$T/setup-f.sh"
[ "$(grep -c '^pcs -f' "$T/setup-f.sh")" = "$(grep -c '^pcs ' "$T/setup.sh")" ] ||
    fail "not every pcs line rewritten"
CIB=$T/pcs.xml sh -e "$T/setup-f.sh" >"$T/pcs.log" 2>&1 || { cat "$T/pcs.log"; fail "pcs -f"; }
crm_verify -x "$T/pcs.xml" || fail "crm_verify of the pcs CIB"

"$BL_CLI" esm setup --crm --chains "$BL_SOURCE_DIR/conf/chains" "$T/site.conf" >"$T/esm.crm" ||
    fail "bmclink esm setup --crm"
cibadmin --empty >"$T/crm.xml"
CIB_file=$T/crm.xml crm -F configure load update "$T/esm.crm" >"$T/crm.log" 2>&1 ||
    { cat "$T/crm.log"; fail "crm configure load update"; }
grep -q ERROR "$T/crm.log" && grep ERROR "$T/crm.log" | grep -v 'no such resource agent\|got no meta-data' &&
    fail "crm reported errors"
crm_verify -x "$T/crm.xml" || fail "crm_verify of the crm CIB"

# The same configuration either way (ids of constraints differ by tool; compare content).
summary() { # CIB: what matters, one line each, sorted
    local x=$1
    xmllint --xpath '//primitive/@id | //primitive/@type | //group/@id | //clone/@id' "$x" |
        tr ' ' '\n' | sort
    xmllint --xpath '//group/primitive/@id' "$x" | tr ' ' '\n' # in order
    xmllint --xpath '//primitive[@id="esm-chain"]//nvpair/@value' "$x" | tr ' ' '\n' | sort
    xmllint --xpath '//rsc_order/@kind | //rsc_order/@first | //rsc_order/@then' "$x" | tr ' ' '\n' | sort
    xmllint --xpath '//rsc_colocation/@rsc | //rsc_colocation/@with-rsc | //rsc_colocation/@score' "$x" | tr ' ' '\n' | sort
    xmllint --xpath '//rsc_location/rule/@score | //rsc_location/rule/expression/@attribute' "$x" | tr ' ' '\n' | sort
    xmllint --xpath '//cluster_property_set/nvpair/@name | //cluster_property_set/nvpair/@value' "$x" | tr ' ' '\n' | sort
}
summary "$T/pcs.xml" >"$T/pcs.sum" 2>&1
summary "$T/crm.xml" >"$T/crm.sum" 2>&1
diff "$T/pcs.sum" "$T/crm.sum" || fail "pcs and crm give different configurations"
for want in 'id="esm-ip"' 'type="IPaddr2"' 'type="servicechain"' 'id="bmclinkd-clone"' \
    'kind="Optional"' 'attribute="bmclink-evacuate"' 'value="migrate-on-red"' \
    'value="esmpro.profile"' 'value="/usr/share/bmclink/registry/esmpro.profile"'; do
    grep -q "$want" "$T/pcs.sum" || [ "$want" = 'value="esmpro.profile"' ] ||
        fail "pcs CIB lacks $want"
done
# the group in the guide's order of things: the floating IP, the volume, the services
[ "$(xmllint --xpath '//group/primitive/@id' "$T/pcs.xml" | xargs)" = \
    'id=esm-ip id=esm-fs id=esm-chain' ] || fail "group order"
# the chain enabled at the end (pcs created it disabled)
xmllint --xpath '//primitive[@id="esm-chain"]//nvpair[@name="target-role"]' "$T/pcs.xml" \
    >/dev/null 2>&1 && fail "esm-chain left disabled"

[ "$fails" = 0 ] && echo "t-esm-cib: pcs and crm configurations load, verify and agree"
exit $((fails > 0))
