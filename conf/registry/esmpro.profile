# Synchronized registry profile for the server manager (NEC ESMPRO/ServerManager), from the
# keys its cluster guide registers as "synchronized registry" so that the standby node has the
# active node's configuration at failover. Used by bmclink-reg render/capture and, through the
# service chain, before a chain starts on a node (see docs/registry.md).
#
# Paths are as in a Windows .reg export, HKEY_LOCAL_MACHINE implied. On 64-bit Windows the
# manager (a 32-bit program) keeps them under SOFTWARE\Wow6432Node\NEC\...: import such an
# export with `bmclink-reg import --wow64` and the keys land where this profile expects them.
[profile]
name = esmpro
description = NEC ESMPRO/ServerManager configuration (NVBASE work directory, SNMP community, alert viewer and alert receiving settings, service parameters)
keys = SOFTWARE\NEC\ESMSM;SOFTWARE\NEC\NVBASE;SOFTWARE\NEC\ESMAlertMan\BaseSetting\Receive;SOFTWARE\NEC\ESMAlertMan\Socket\Socketr;SYSTEM\CurrentControlSet\Services\Nvbase
# The guide lists two more keys for installations with ExpressReport Service (MG). Their exact
# paths were not available when this profile was written: copy them from the guide, e.g.
# optional-keys = SOFTWARE\NEC\<first MG key>;SOFTWARE\NEC\<second MG key>
# A missing optional key is skipped, a missing required key is rendered empty.
optional-keys =
# Seconds to wait for this node's replica to be in sync before the chain may start.
sync-timeout = 60
