/*
 * bmclinkd's trap receiver: one per node, listening on the node's keyword address
 * <IP>[:port], inside the daemon's GLib main loop (no thread, no process per trap).
 *
 * Each datagram goes through net-snmp (trap_snmp.h), then the pure policy (bl_trap.h):
 * only the node's own BMC with the configured community or v3 authPriv user is accepted;
 * everything else is counted and reported as dropped, never acted on. Accepted notices are
 * forwarded to the configured third-party managers (at most 5).
 *
 * Usage (daemon):
 *   bl_trap_receiver_new(ctx, &cfg, &bl_trap_udp_io, NULL, on_event, daemon, &r);
 *   bl_trap_receiver_start(r);   ... main loop runs ...   bl_trap_receiver_free(r);
 *
 * Module monitor/trap (library bmclink_trap), contract: this header. trap_snmp.h adds the
 * senders the forwarder, bmcsim and trap_blast share; trap_snmp_int.h is private to the
 * folder. Ownership: the receiver copies its configuration and holds a reference to its main
 * context; what a callback is handed is valid during the call only. Loop: everything runs in
 * the receiver's GLib main context, no thread; net-snmp's process-wide state is set up once
 * (bl_trap_snmp_init), so a process holds one trap stack.
 */
#ifndef BL_MONITOR_TRAP_H
#define BL_MONITOR_TRAP_H

#include "bl_trap.h"
#include "bl_trap_config.h"
#include "trap_snmp.h"

#include <glib.h>
#include <stdint.h>

/* Datagrams handled per main-loop dispatch, so a flood cannot starve other sources. */
#define BL_TRAP_BATCH 64

struct bl_trap_stats {
    uint64_t datagrams;   /* read from the socket */
    uint64_t fatal;       /* accepted, run the recovery */
    uint64_t recoverable; /* accepted, record and forward */
    uint64_t duplicate;   /* resends of accepted notices */
    uint64_t dropped[BL_TRAP_DROP_COUNT];
    uint64_t read_errors;
    uint64_t forwarded;
    uint64_t forward_failed;
    uint64_t informs_acked; /* forwarded as v2c informs and acknowledged by the manager */
    uint64_t informs_lost;  /* informs given up after their retransmissions */
};

/**
 * Called for every decision, accepted or dropped.
 * \param[in] ev     the decision (verdict, reason, PET fields); valid during the call
 * \param[in] msg    the message; NULL when net-snmp could not parse it
 * \param[in] rx_ns  kernel arrival time, CLOCK_REALTIME ns, 0 when unknown
 */
typedef void (*bl_trap_receiver_fn)(const struct bl_trap_event *ev, const struct bl_trap_msg *msg,
                                    uint64_t rx_ns, void *ud);

struct bl_trap_receiver;

/**
 * Create a receiver for one node. Registers the BMC's v3 user with net-snmp and opens the
 * forward senders; does not listen yet.
 * \param[in]  ctx   the daemon's main context (NULL = default); a reference is taken
 * \param[in]  cfg   the node's trap configuration; copied
 * \param[in]  ops   datagram I/O (bl_trap_udp_io, or a fake in tests and the fuzz target)
 * \param[in]  io    passed to ops
 * \param[in]  fn    decision callback; may be NULL
 * \param[out] out   free with bl_trap_receiver_free()
 * \return 0 or BL_E_INVALID (v3 user or a forward target refused)
 */
int bl_trap_receiver_new(GMainContext *ctx, const struct bl_trap_node_config *cfg,
                         const struct bl_trap_io_ops *ops, void *io, bl_trap_receiver_fn fn,
                         void *ud, struct bl_trap_receiver **out);

/**
 * Keep the BMC's replay state (de-duplication, SNMPv3 engine time) in path across restarts:
 * load what a previous run saved now, then save after every accepted notice, from a thread
 * (trap_state.h), never on the main loop. Call before bl_trap_receiver_start().
 * \param[in] path  absolute; its folder must exist
 * \return 0 or BL_E_INVALID (not absolute, already set)
 */
int bl_trap_receiver_keep_state(struct bl_trap_receiver *r, const char *path);

/**
 * Open the listening socket and attach its source to the main context.
 * \return 0, -errno (e.g. -EADDRINUSE, -EACCES for port 162 without privilege), BL_E_INVALID
 */
int bl_trap_receiver_start(struct bl_trap_receiver *r);

/**
 * Handle up to max pending datagrams now (what the main-loop source does per dispatch;
 * also used by the fuzz target without a loop).
 * \return the number of datagrams consumed
 */
unsigned bl_trap_receiver_poll(struct bl_trap_receiver *r, unsigned max);

/** Detach from the loop and close the socket; start may be called again. */
void bl_trap_receiver_stop(struct bl_trap_receiver *r);

/** Stop and free; accepts NULL. */
void bl_trap_receiver_free(struct bl_trap_receiver *r);

/** Copy the counters. */
void bl_trap_receiver_get_stats(const struct bl_trap_receiver *r, struct bl_trap_stats *out);

#endif
