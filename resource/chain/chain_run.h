/*
 * Running a chain: start first to last, each member waited for until ready; stop last to
 * first; the chain's state from its members' states. Everything goes through the kinds in
 * struct bl_chain_sys, so tests can run the orchestration against fake kinds.
 */
#ifndef BL_CHAIN_RUN_H
#define BL_CHAIN_RUN_H

#include "chain.h"
#include "chain_kind.h"

#include <glib.h>
#include <stdint.h>

enum bl_chain_state {
    BL_CHAIN_STOPPED = 0,  /* no member running */
    BL_CHAIN_RUNNING = 1,  /* every member running */
    BL_CHAIN_DEGRADED = 2, /* every mandatory member running, an optional one is not */
    BL_CHAIN_FAILED = 3,   /* some members running, a mandatory one is not */
};

/* Monitor depth at which readiness check commands run too (OCF_CHECK_LEVEL). */
#define BL_CHAIN_DEPTH_CHECKS 10

/**
 * Start the chain. The [outside] entries with a before_start hook are started or stopped
 * first, those with after_start once every member runs (a failure of theirs is logged, not
 * returned). Members already running are left as they are. An optional member that
 * fails is stopped, logged and skipped; when a mandatory member fails, it and every member
 * before it are stopped in reverse order.
 * \param[in]  deadline  bl_chain_mono_ms() value by which the whole start must end; 0: none
 * \param[out] failed    index of the mandatory member that failed, or -1; may be NULL
 * \return 0, or the failed member's code: BL_E_TIMEOUT (start or readiness timed out),
 *         BL_E_STATE (start command failed or the member died), -errno (could not run)
 */
int bl_chain_start(const struct bl_chain_sys *sys, const struct bl_chain *chain, int64_t deadline,
                   int *failed);

/**
 * Stop the chain, last member first (the [outside] entries' before_stop hooks before, their
 * after_stop hooks after, failures of theirs logged only): each is asked to stop and killed
 * after its stop_timeout (shortened so that the members after it keep some time before
 * deadline). Members already stopped are fine. Every member is tried even when one fails.
 * \return 0 when all are stopped, else the first failure (BL_E_STATE: survived SIGKILL)
 */
int bl_chain_stop(const struct bl_chain_sys *sys, const struct bl_chain *chain, int64_t deadline);

/**
 * The state of every member and of the chain. Fork-free for daemon members and lsb members
 * with a pidfile; one systemctl for all systemd members. A member whose readiness check is
 * tcp is also probed; check commands run only at depth >= BL_CHAIN_DEPTH_CHECKS.
 * \param[out] states  chain->n_members entries; may be NULL
 * \param[out] overall the chain's state
 * \return 0, or -errno when a kind could not learn its members' state
 */
int bl_chain_status(const struct bl_chain_sys *sys, const struct bl_chain *chain, int depth,
                    enum bl_member_state *states, enum bl_chain_state *overall);

/**
 * validate-all's node checks for every member (programs, units, scripts present; nothing
 * started at boot).
 * \param[out] problems  one line per problem appended
 * \return 0, -ENOENT when something is missing, BL_E_STATE when a member starts at boot
 */
int bl_chain_check(const struct bl_chain_sys *sys, const struct bl_chain *chain, GString *problems);

/** "stopped", "running", "degraded", "failed"; static. */
const char *bl_chain_state_name(enum bl_chain_state state);

/** "stopped", "running", "failed"; static. */
const char *bl_chain_member_state_name(enum bl_member_state state);

#endif
