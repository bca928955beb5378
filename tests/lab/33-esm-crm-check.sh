#!/bin/bash
# The server manager's site set up by `bmclink esm setup --crm --apply` (the crmsh twin of
# test 32's pcs commands, loaded in one `crm configure load update`), then `bmclink esm
# check` over both nodes' facts. On both nodes the fake ESMPRO/ServerManager 6.40 of
# tests/lab/lib-esm.sh, its registry keys imported once the chain runs. Proves:
#   - the crm configuration starts the group (floating IP, volume, 16 members) with fencing
#     and the bmclinkd clone;
#   - the clean site passes the check ("every prerequisite met");
#   - each prerequisite violation, planted one at a time (and removed again), is caught with
#     its own line and nothing else: another version installed, a member started at boot,
#     the work folder missing, a Ver.6 properties file missing, the manager name differing in
#     nvisord.cf and in options.txt, CLUSTER_FIP not the floating IP, a ServerAgent event left
#     on "shutdown", MGHTPLOG.INF differing, a registry key missing (the registry is
#     replicated: both nodes say so), the managed host's trap destination a node's address.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-esm.sh"
esm_lab_session

# disk NODE PATH: PATH on NODE's disk, as the host sees it (for files outside the folders the
# chain binds, or on the node that does not run the chain).
disk() { echo "$LAB_DIR/$1/disk$2"; }

step "a fake ESMPRO/ServerManager 6.40 on both nodes; site file $ESM_SITE"
esm_install_nodes

step "bmclink esm setup --crm --apply"
lab x node1 bmclink esm setup --crm "$ESM_SITE" >"$ESM_TMP/site.crm" || fail "bmclink esm setup --crm"
note "$(grep -cE '^(primitive|clone|group|order|colocation|location|property) ' "$ESM_TMP/site.crm") objects in the crm text"
lab x node1 bmclink esm setup --crm --apply "$ESM_SITE" | sed 's/^/    | /' ||
    fail "bmclink esm setup --crm --apply failed"
wait_until 120 resource_started esm-chain
a=$(esm_chain_node) b=$(other_node "$(esm_chain_node)")
note "the group runs on $a"
assert_true esm_fip_on "$a"
assert_eq 16 "$(lab x "$a" bmclink chain status | grep -cE '^ +[0-9]+ .* running ')" "members running"
assert_eq true "$(lab x node1 crm_attribute --type crm_config --name stonith-enabled --query --quiet)" \
    "stonith-enabled"
lab x node1 crm_mon -1 | grep -E 'fence-|bmclinkd|esm-' | sed 's/^/    | /'

step "the manager's registry keys imported on $a"
esm_import_keys "$a"
lab x "$b" bmclink-reg --timeout 30 wait >/dev/null || fail "$b's registry not in sync"

step "the clean site: no violation"
esm_check_clean

step "violations, one at a time"
note "another version installed on $a"
echo 6.30 >"$(disk "$a" "$ESM_INSTALL/VERSION")"
esm_check_finds "another version" "^$a: manager version 6.30 installed, the site says 6.40: .*guide line 2149"
echo 6.40 >"$(disk "$a" "$ESM_INSTALL/VERSION")"

note "$ESM_LSB started at boot on $b (an rc2.d link, in $b's mount namespace only)"
install -d "$(disk "$b" "$ESM_ROOT/rc2.d")"
ln -sfn "$ESM_LSB_SCRIPT" "$(disk "$b" "$ESM_ROOT/rc2.d/S20${ESM_LSB_SCRIPT##*/}")"
lab x "$b" mount --bind "$ESM_ROOT/rc2.d" /etc/rc2.d || error "cannot bind over /etc/rc2.d in $b"
esm_check_finds "a member started at boot" \
    "^$b: member '$ESM_LSB': $ESM_LSB_SCRIPT is started at boot \(/etc/rc2.d\); run update-rc.d ${ESM_LSB_SCRIPT##*/} disable, .*\(guide lines 2195-2224"
lab x "$b" umount /etc/rc2.d || error "cannot unmount /etc/rc2.d in $b"

note "the work folder missing on $b"
mv "$(disk "$b" "$ESM_WORK")" "$(disk "$b" "$ESM_WORK").aside"
esm_check_finds "the work folder missing" "^$b: folder work $ESM_WORK missing: .*guide lines 2226-2280"
mv "$(disk "$b" "$ESM_WORK").aside" "$(disk "$b" "$ESM_WORK")"

note "systemlog.properties missing on $b"
f=$(disk "$b" "$ESM_SERVICE/systemlog.properties")
mv "$f" "$f.aside"
esm_check_finds "a properties file missing" "^$b: $ESM_SERVICE/systemlog.properties missing: copy it"
mv "$f.aside" "$f"

note "another manager name in $b's nvisord.cf"
f=$(disk "$b" "$ESM_WORK/local/nvisord.cf")
cp "$f" "$ESM_TMP/saved"
echo 'CommunityName: "mgr_other"' >"$f"
esm_check_finds "another CommunityName" \
    "^$b: CommunityName in NVWORK/local/nvisord.cf is \"mgr_other\", the manager name is \"$ESM_NAME\""
cp "$ESM_TMP/saved" "$f"

note "another manager name in $b's options.txt"
f=$(disk "$b" "$ESM_SERVICE/options.txt")
cp "$f" "$ESM_TMP/saved"
sed -i 's/^SM_NAME=.*/SM_NAME="mgr_other"/' "$f"
esm_check_finds "another SM_NAME" "^$b: SM_NAME in service/options.txt is mgr_other, the manager name is \"$ESM_NAME\""
cp "$ESM_TMP/saved" "$f"

note "CLUSTER_FIP of $b not the floating IP"
sed -i 's/^CLUSTER_FIP=.*/CLUSTER_FIP=10.231.2.12/' "$f"
esm_check_finds "another CLUSTER_FIP" "^$b: CLUSTER_FIP in service/options.txt is 10.231.2.12, not the floating IP $ESM_FIP"
cp "$ESM_TMP/saved" "$f"

note "ServerAgent event C0000203 on $b left on shutdown"
f=$(disk "$b" "$ESM_EVENTS")
sed -i 's/^C0000203 .*/C0000203 shutdown/' "$f"
esm_check_finds "an agent event on shutdown" "^$b: ServerAgent event C0000203 \(ESMCOMMONSERVICE\) after-report action is shutdown"
sed -i 's/^C0000203 .*/C0000203 nothing/' "$f"

note "MGHTPLOG.INF changed on $b, not copied"
f=$(disk "$b" "$ESM_INSTALL/AlertMan/Work/WMGReprt/MGHTPLOG.INF")
cp "$f" "$ESM_TMP/saved"
echo "changed on $b" >>"$f"
esm_check_finds "MGHTPLOG.INF differing" "MGHTPLOG.INF differs from .*copy it from the active node"
cp "$ESM_TMP/saved" "$f"

note "registry key Socketr deleted (the registry is replicated: both nodes miss it)"
lab x "$a" bmclink-reg delete 'SOFTWARE\NEC\ESMAlertMan\Socket\Socketr' || fail "bmclink-reg delete"
lab x "$b" bmclink-reg --timeout 30 wait >/dev/null || fail "$b's registry not in sync"
esm_check_finds "a registry key missing" \
    '^node1: registry key SOFTWARE\\NEC\\ESMAlertMan\\Socket\\Socketr missing: import' \
    '^node2: registry key SOFTWARE\\NEC\\ESMAlertMan\\Socket\\Socketr missing: import'
esm_import_keys "$a"
lab x "$b" bmclink-reg --timeout 30 wait >/dev/null || fail "$b's registry not in sync"

note "the managed host bl-adm sends its traps to node1's real address"
f=$(disk node1 "$ESM_MANAGED")
sed -i "s/^trap2sink .*/trap2sink 10.231.2.11 public/" "$f"
esm_check_finds "a trap destination not the floating IP" \
    "^managed adm: traps go to 10.231.2.11 \($ESM_MANAGED line 2\), not the floating IP $ESM_FIP"
install -m 0644 "$ESM_TMP/adm-snmpd.conf" "$f"

step "everything put back: no violation"
esm_check_clean
step "PASS"
