/*
 * The attribute publisher's election (docs/bmcnotice.md, "One attribute publisher"): among
 * the daemons whose BMC side runs — the members of the BMC side's own CPG group, which a
 * daemon joins once its BMC side started and leaves when it stops — the lowest Corosync
 * nodeid writes bmclink-bmc-reachable / -power. Pure, for the unit tests.
 */
#ifndef BMCLINK_BMC_ELECT_H
#define BMCLINK_BMC_ELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Whether `self` publishes.
 * \param[in]  self     our nodeid; 0 while not connected to Corosync (never elected)
 * \param[in]  members  the group's nodeids now (any order, repeats allowed); may be NULL when n is
 * 0 \param[out] lowest   the lowest nodeid among them, 0 when there are none; may be NULL \return
 * true only when self is a member and no member has a lower nodeid
 */
bool bl_bmc_elected(uint32_t self, const uint32_t *members, size_t n, uint32_t *lowest);

#endif
