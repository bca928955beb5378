# Synchronized registry profile for the server manager NEC ESMPRO/ServerManager Ver.6, the keys
# its cluster guide registers as "synchronized registry" (CLUSTERPRO X PP guide, 10th edition;
# lines 2435-2473 of the transcribed text, docs/esm.md): the Ver.4/Ver.5 keys
# (esmpro.profile) and four more for optional reporting features. Used by bmclink-reg
# render/capture and, through the service chain, before a chain starts on a node (see
# docs/registry.md).
#
# Paths are as in a Windows .reg export, HKEY_LOCAL_MACHINE implied. On 64-bit Windows (the
# only kind Ver.6.40 and later run on, line 2115) the SOFTWARE\NEC keys live under
# SOFTWARE\Wow6432Node\NEC (line 2473); SYSTEM\CurrentControlSet\Services\Nvbase stays where it
# is. Import such an export with `bmclink-reg import --wow64`. (The section prints
# "ESMAAlertMan", lines 2449-2471: a misprint of ESMAlertMan, which the deletion list spells
# right, lines 2491-2507.)
[profile]
name = esmpro-ver6
description = NEC ESMPRO/ServerManager Ver.6 configuration (NVBASE work directory, manager name, alert viewer and alert receiving settings, reporting settings, service parameters)
keys = SOFTWARE\NEC\ESMSM;SOFTWARE\NEC\NVBASE;SOFTWARE\NEC\ESMAlertMan\BaseSetting\Receive;SOFTWARE\NEC\ESMAlertMan\Socket\Socketr;SYSTEM\CurrentControlSet\Services\Nvbase
# Conditional keys, each present only where its feature is set up (a missing optional key is
# skipped):
#  - Express Report Service (MG) is installed (lines 2453-2456);
#  - "manager express report (HTTPS)" through Express Report Service (HTTPS) (2458-2461);
#  - the server diagnosis "karte" for VMware ESXi (2469-2471).
optional-keys = SOFTWARE\NEC\ESMAlertMan\BaseSetting\Report\ExpressReport (MG);SOFTWARE\NEC\ESMAlertMan\Destination\ID_LIST\エクスプレス通報サービス (MG);SOFTWARE\NEC\ESMAlertMan\BaseSetting\Report\ManagerExpress (HTTPS);SOFTWARE\NEC\ESMAlertMan\Destination\ID_LIST\マネージャからのエクスプレス (HTTPS);SOFTWARE\NEC\ESMAlertMan\MIOTMGSETTING
# The fourth conditional key is registered only where Express Report Service through internet
# mail or modem is combined with the karte (Windows) through the manager, and must NOT be
# where the karte goes through HTTPS (lines 2463-2467); the key may exist in both cases, so
# this profile cannot tell: such a site adds it to optional-keys above:
#   ;SOFTWARE\NEC\ESMAlertMan\MIOTSETTING
# Seconds to wait for this node's replica to be in sync before the chain may start.
sync-timeout = 60
