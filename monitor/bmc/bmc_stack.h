/*
 * The BMC side wired once: the shared bmclink.conf loaded, one OpenIPMI backend and the
 * Pacemaker tools as seams, the heartbeat to every BMC (heartbeat.h), the recovery of this
 * node (recovery_run.h) and its trap receiver (trap.h), every trap decision handed to the
 * recovery. bmclinkd's BMC module (bmc_service.c) and bmc_driver (tests/tools) both run it;
 * each only adds what it reports (log lines, `bmclink status`, stdout).
 *
 * Module monitor/bmc (library bmclink_bmc), contract: this header. heartbeat.h,
 * recovery_run.h and bmc_elect.h are its parts (public for the daemon, the tests and the
 * fixtures); heartbeat_priv.h, heartbeat_sel.h and heartbeat_core.h are internal to the
 * heartbeat. Loop: the one GLib main context given in the parameters (bmclinkd: its BMC
 * thread's own; bmc_driver: the default), never another: every source of every part is
 * attached there and every callback runs from its dispatch, so the stack is used from the
 * one thread that iterates that context (OpenIPMI's os handler has no locks, net-snmp is
 * not thread-safe). Every outside system (BMCs, Pacemaker, traps) is reached through its
 * seam (bl_ipmi_ops, bl_pcmk_ops, bl_trap_io_ops).
 */
#ifndef BMCLINK_BMC_STACK_H
#define BMCLINK_BMC_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "bl_ipmi_lan.h"
#include "bl_ipmi_route.h"
#include "heartbeat.h"
#include "pcmk.h"
#include "recovery_config.h"
#include "recovery_run.h"
#include "trap.h"

struct bl_bmc_stack_params {
    GMainContext *ctx;            /* where every part runs (NULL: the default context) */
    const char *path;             /* bmclink.conf, shared by all nodes */
    const char *node;             /* this node's name in it and in Pacemaker */
    bool heartbeat_only;          /* no recovery, no trap receiver (benchmarks) */
    bl_hb_change_fn on_hb_change; /* may be NULL */
    bl_recovery_step_fn on_step;  /* may be NULL */
    bl_trap_receiver_fn on_trap;  /* may be NULL; called before the recovery sees the trap */
    void *ud;                     /* passed to the three callbacks */
};

/* Read-only for the caller; NULL members where heartbeat_only left them out. */
struct bl_bmc_stack {
    struct bl_bmc_config *cfg;
    struct bl_ipmi_lan *lan;
    struct bl_ipmi_route *route; /* this node's own BMC in-band ([bmc] path), or NULL */
    struct bl_pcmk *pcmk;
    struct bl_heartbeat *hb;
    struct bl_recovery *rr;
    struct bl_trap_receiver *rx;
    char listen[64]; /* the trap receiver's address, "" without one */
    char *node;
    GMainContext *ctx; /* a reference */
    bl_trap_receiver_fn on_trap;
    void *ud;
    bool started; /* the heartbeat ran: IPMI sessions may exist */
};

/**
 * Load the configuration and create every part in p->ctx; nothing is opened or polled yet
 * (bl_bmc_stack_start does that). Call it from the thread that iterates p->ctx.
 * \param[in]  p    copied where kept (the strings only for the call)
 * \param[out] out  free with bl_bmc_stack_free(); NULL on failure
 * \param[out] errmsg  on failure, what went wrong with the file (every problem, one per
 *                     line) or the node in it (g_free())
 * \return 0, or the first failing part's code
 */
int bl_bmc_stack_new(const struct bl_bmc_stack_params *p, struct bl_bmc_stack **out, char **errmsg);

/**
 * Listen for traps, then start polling the BMCs (not when the socket failed: free the stack
 * and try again with a new one).
 * \param[out] errmsg  on failure, what went wrong (g_free())
 * \return 0, or the trap receiver's code (e.g. -EADDRINUSE)
 */
int bl_bmc_stack_start(struct bl_bmc_stack *s, char **errmsg);

/**
 * Free every part. Once started, iterates the stack's context a little so that OpenIPMI
 * sees its sessions closed before it goes: free a started stack only after the loop that
 * ran that context has ended, from the thread that ran it. A stack that was never started (or whose
 * start failed: no session was opened) is freed without iterating, so it may be freed from inside a
 * main-loop callback. Accepts NULL.
 */
void bl_bmc_stack_free(struct bl_bmc_stack *s);

/**
 * Epoch ms of a CLOCK_MONOTONIC stamp in ns (a recovery step's), to set it against
 * Pacemaker's and the BMC's logs.
 */
double bl_bmc_real_ms(uint64_t mono_ns);

#endif
