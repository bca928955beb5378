/*
 * fence_bmclink's actions: power off/on/reboot with read-back confirmation, status,
 * monitor, list, diag (NMI), over any bl_ipmi_ops backend through the synchronous wrapper.
 *
 * Output follows fence-agents: result lines on stdout ("Success: Powered OFF",
 * "Status: ON"), one error line through the log on failure, exit codes from bl_fence_opt.h.
 */
#ifndef BL_FENCE_H
#define BL_FENCE_H

#include "bl_fence_opt.h"
#include "bl_ipmi.h"

#include <glib.h>
#include <stdio.h>

/**
 * Run cfg->password_script (/bin/sh -c) and store its output, trailing white space
 * removed, as the password. The output travels through a pipe; at most 4 KiB is read.
 * Does nothing when no script is configured.
 * \param[in,out] cfg         configuration; cfg->ipmi.password is replaced
 * \param[in]     timeout_ms  the script is killed after this long
 * \param[out]    err         one-line message on failure
 * \return 0, BL_E_TIMEOUT, BL_E_INVALID (script failed, output too long) or -errno
 */
int bl_fence_load_password(struct bl_fence_config *cfg, unsigned int timeout_ms, char *err,
                           size_t errlen);

/**
 * Carry out cfg->action against the BMC.
 * \param[in,out] cfg     validated configuration; ipmi.host is replaced by the resolved
 *                        numeric address
 * \param[in]     client  backend and operations (the OpenIPMI one, or a fake)
 * \param[in]     ctx     private main context the backend runs on
 * \param[in]     out     where result lines go (stdout)
 * \return BL_FENCE_EXIT_OK, BL_FENCE_EXIT_ERROR or BL_FENCE_EXIT_OFF
 */
int bl_fence_run(struct bl_fence_config *cfg, const struct bl_ipmi_client *client,
                 GMainContext *ctx, FILE *out);

/**
 * Overall time limit of one run, from the configured delay and timeouts: the agent
 * never waits longer than this, whatever the BMC does.
 * \return milliseconds
 */
unsigned int bl_fence_budget_ms(const struct bl_fence_config *cfg);

#endif
