/*
 * fence_bmclink's other names. fence-agents 4.12 installs fence_ipmilan under six more
 * names too (fence_ilo3 ...), with the defaults fence_ipmilan's main() sets from argv[0].
 * Ours carry a fence_bmclink_ prefix so they never clobber fence-agents' files; lanplus
 * is on by default for all of ours, so only fence_ilo3's power_wait=4 is left to carry.
 */
#include "bl_fence_opt.h"

#include <string.h>

struct bl_alias_def {
    const char *name;
    const char *counterpart;
    const char *power_wait; /* fence_ilo3's 4 s, else NULL for the common default */
};

static const struct bl_alias_def bl_aliases[BL_FENCE_ALIAS__COUNT] = {
    [BL_FENCE_ALIAS_NONE] = {"fence_bmclink", NULL, NULL},
    [BL_FENCE_ALIAS_IPMILANPLUS] = {"fence_bmclink_ipmilanplus", "fence_ipmilanplus", NULL},
    [BL_FENCE_ALIAS_ILO3] = {"fence_bmclink_ilo3", "fence_ilo3", "4"},
    [BL_FENCE_ALIAS_ILO4] = {"fence_bmclink_ilo4", "fence_ilo4", NULL},
    [BL_FENCE_ALIAS_ILO5] = {"fence_bmclink_ilo5", "fence_ilo5", NULL},
    [BL_FENCE_ALIAS_IMM] = {"fence_bmclink_imm", "fence_imm", NULL},
    [BL_FENCE_ALIAS_IDRAC] = {"fence_bmclink_idrac", "fence_idrac", NULL},
};

enum bl_fence_alias
bl_fence_alias_from_argv0(const char *argv0)
{
    const char *base;

    if (argv0 == NULL) {
        return BL_FENCE_ALIAS_NONE;
    }
    base = strrchr(argv0, '/');
    base = base != NULL ? base + 1 : argv0;
    for (int i = 0; i < BL_FENCE_ALIAS__COUNT; i++) {
        if (strcmp(base, bl_aliases[i].name) == 0) {
            return (enum bl_fence_alias) i;
        }
    }
    return BL_FENCE_ALIAS_NONE;
}

const char *
bl_fence_alias_name(enum bl_fence_alias a)
{
    return (unsigned int) a < BL_FENCE_ALIAS__COUNT ? bl_aliases[a].name : bl_aliases[0].name;
}

const char *
bl_fence_alias_counterpart(enum bl_fence_alias a)
{
    return (unsigned int) a < BL_FENCE_ALIAS__COUNT ? bl_aliases[a].counterpart : NULL;
}

const char *
bl_fopt_default(const struct bl_fopt_def *d, enum bl_fence_alias a)
{
    if (d->id == BL_FOPT_POWER_WAIT && (unsigned int) a < BL_FENCE_ALIAS__COUNT &&
        bl_aliases[a].power_wait != NULL) {
        return bl_aliases[a].power_wait;
    }
    return d->def;
}
