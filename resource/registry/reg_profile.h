/*
 * A synchronized-registry profile (conf/registry/NAME.profile): the subtrees one resource needs
 * on the node it starts on, as the vendor's cluster guide lists them for "synchronized
 * registry" keys. The service chain renders them into a file before start and captures the
 * file back while running and at stop (checkpointing), after waiting until the local replica
 * is in sync.
 *
 *   [profile]
 *   name = esmpro
 *   description = ...
 *   keys = SOFTWARE\NEC\ESMSM;SOFTWARE\NEC\NVBASE      (required subtrees)
 *   optional-keys = SOFTWARE\NEC\ExpressReport         (present only on some installations)
 *   sync-timeout = 60                                  (seconds to wait for "in sync")
 */
#ifndef BL_REG_PROFILE_H
#define BL_REG_PROFILE_H

#include <stdbool.h>

struct bl_reg_profile {
    char *name;
    char *description;
    char **keys;     /* canonical paths, NULL-terminated */
    char **optional; /* canonical paths, NULL-terminated (may be empty) */
    unsigned sync_timeout;
};

/**
 * Load a profile file.
 * \param[out] out  free with bl_reg_profile_free()
 * \param[out] errmsg  on error every problem, "FILE:LINE: [profile] KEY: why" one per line
 *                     (or "FILE: why" when it cannot be read) (caller g_free()s)
 * \return 0, -ENOENT, BL_E_INVALID (also unreadable: the config engine, bl_conf.h, reads it;
 *         unknown groups and keys are refused)
 */
int bl_reg_profile_load(const char *path, struct bl_reg_profile **out, char **errmsg);

/** Free. Accepts NULL. */
void bl_reg_profile_free(struct bl_reg_profile *p);

/** True if path lies in one of the profile's subtrees (required or optional). */
bool bl_reg_profile_covers(const struct bl_reg_profile *p, const char *path);

#endif
