/*
 * The recovery of a fatal BMCNOTICE, carried out (docs/bmcnotice.md, steps 4-6): the glue
 * between the state machine (recovery.h) and the outside: the node's BMC through the
 * heartbeat's sessions (heartbeat.h), Pacemaker through its seam (pcmk.h), one timer.
 *
 * For a fatal notice on this node N:
 *   ④ PET Acknowledge (0x04 0x17) and the configured start notice to N's BMC, at once, on
 *      the session the heartbeat keeps open; a notice that fails is logged, never waited for;
 *   ⑤ the action: failover = transient attribute `bmclink-evacuate=1` on N (a location rule
 *      in conf/ moves the target away), then crm_mon until the target has left N and, when
 *      another node can take it, started there; or restart, standby (until reboot),
 *      stop-cluster, script, none; bounded by the configured timeout;
 *   ⑥ the end notice carrying the result code (success, timeout, failed, no-node).
 * Every step is logged with its time since the notice, and kept in a timeline.
 *
 * Nothing sticky is left: the attribute and the standby are transient (they vanish when N
 * leaves the cluster at its reset), and when N was not reset clear_after_ms after the end
 * notice, they are removed. crm_resource --ban/--move are never used.
 *
 * Recoverable notices go to the heartbeat's #health-bmc.
 */
#ifndef BL_RECOVERY_RUN_H
#define BL_RECOVERY_RUN_H

#include "bl_trap.h"
#include "heartbeat.h"
#include "pcmk.h"
#include "recovery.h"
#include "recovery_config.h"

#include <glib.h>

struct bl_recovery;

/** A timeline entry was just written (for live output; the entry is valid during the call). */
typedef void (*bl_recovery_step_fn)(const struct bl_rec_entry *e, uint64_t t0_ns, void *ud);

struct bl_recovery_params {
    GMainContext *ctx;                    /* NULL: the default context */
    const char *node;                     /* this node, N */
    const struct bl_recovery_config *cfg; /* copied */
    struct bl_heartbeat *hb;              /* sessions to the BMCs (borrowed, outlives us) */
    struct bl_pcmk_client pcmk;
    bl_recovery_step_fn on_step; /* may be NULL */
    void *ud;
};

/**
 * Create.
 * \param[out] out  free with bl_recovery_free()
 * \return 0 or BL_E_INVALID (no node, no configuration, no heartbeat or Pacemaker seam)
 */
int bl_recovery_new(const struct bl_recovery_params *p, struct bl_recovery **out);

/** Cancel what is in flight (no callback) and free. Accepts NULL. */
void bl_recovery_free(struct bl_recovery *rr);

/**
 * A decision of the trap receiver about a notice of this node's BMC: fatal starts the
 * recovery, duplicate is acknowledged again, recoverable goes to #health-bmc, dropped is
 * ignored (the receiver counts it).
 * \param[in] rx_ns  kernel arrival time, CLOCK_REALTIME ns (0: unknown, now is used)
 */
void bl_recovery_trap(struct bl_recovery *rr, const struct bl_trap_event *ev, uint64_t rx_ns);

/** The state machine (phase, timeline, counters), borrowed. */
const struct bl_rec *bl_recovery_machine(const struct bl_recovery *rr);

/**
 * The timeline as text, one line per step: "+12.345 ms start-done rc=0 detail".
 * \param[in,out] out  appended to
 */
void bl_recovery_format(const struct bl_recovery *rr, GString *out);

#endif
