# Synchronized registry profile for the server manager (NEC ESMPRO/ServerManager Ver.4 and
# Ver.5), the keys its cluster guide registers as "synchronized registry" so that the standby
# node has the active node's configuration at failover (CLUSTERPRO X PP guide, 10th edition;
# Ver.4 lines 700-722, Ver.5 lines 1607-1629 of the transcribed text, docs/esm.md). Ver.6
# adds keys: use esmpro-ver6.profile there. Used by bmclink-reg render/capture and, through
# the service chain, before a chain starts on a node (see docs/registry.md).
#
# Paths are as in a Windows .reg export, HKEY_LOCAL_MACHINE implied. On 64-bit Windows the
# manager (a 32-bit program) keeps the SOFTWARE\NEC keys under SOFTWARE\Wow6432Node\NEC (the
# guide: lines 722, 1629); SYSTEM\CurrentControlSet\Services\Nvbase stays where it is. Import
# such an export with `bmclink-reg import --wow64` and the keys land where this profile
# expects them. (The Ver.5 section prints "ESMAAlertMan", lines 1617-1645: a misprint of
# ESMAlertMan, as Ver.4 (lines 710-719) and the Ver.6 deletion list (2491-2507) spell it.)
[profile]
name = esmpro
description = NEC ESMPRO/ServerManager Ver.4/Ver.5 configuration (NVBASE work directory, manager name, alert viewer and alert receiving settings, service parameters)
keys = SOFTWARE\NEC\ESMSM;SOFTWARE\NEC\NVBASE;SOFTWARE\NEC\ESMAlertMan\BaseSetting\Receive;SOFTWARE\NEC\ESMAlertMan\Socket\Socketr;SYSTEM\CurrentControlSet\Services\Nvbase
# Only where Express Report Service (MG) is installed (lines 714-719, 1621-1627): present
# only there, so optional (a missing optional key is skipped, a missing required key is
# rendered empty).
optional-keys = SOFTWARE\NEC\ESMAlertMan\BaseSetting\Report\ExpressReport (MG);SOFTWARE\NEC\ESMAlertMan\Destination\ID_LIST\エクスプレス通報サービス (MG)
# Seconds to wait for this node's replica to be in sync before the chain may start.
sync-timeout = 60
