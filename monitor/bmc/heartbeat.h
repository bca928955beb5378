/*
 * bmclinkd's BMC heartbeat: one RMCP+ session (bl_ipmi, OpenIPMI in the main loop) to every
 * node's BMC, a Get Chassis Status per BMC per interval (default 1 s, the BMCs staggered over
 * the interval), and per node the node attributes
 *
 *   bmclink-bmc-reachable  1 / 0     0 after silence_ms without an answer (drop_window_ms
 *                                    more after a power event: link drops are expected
 *                                    then, heartbeat_core.h): its node can no longer be
 *                                    fenced through it (logged as a warning)
 *   bmclink-bmc-power      on / off / unknown
 *
 * written through the Pacemaker seam (pcmk.h) only when they change, so the CIB does not
 * churn. The node's own #health-bmc (green / yellow / red) follows the recoverable notices
 * it is given (heartbeat_core.h) and the events in its own BMC's SEL ([heartbeat] sel,
 * heartbeat_sel.h, docs/bmc-health.md), and clears itself.
 *
 * The same sessions carry the recovery's notices (bl_heartbeat_send): a notice goes out at
 * once on the open session, or waits (bounded) for a session being opened.
 *
 * Usage (daemon):
 *   struct bl_heartbeat_params p = {ctx, cfg, "node1", ipmi_client, pcmk_client, fn, ud};
 *   bl_heartbeat_new(&p, &hb);  bl_heartbeat_start(hb);  ...  bl_heartbeat_free(hb);
 */
#ifndef BL_HEARTBEAT_H
#define BL_HEARTBEAT_H

#include "bl_ipmi.h"
#include "heartbeat_core.h"
#include "pcmk.h"
#include "recovery_config.h"

#include <glib.h>

#define BL_HB_ATTR_REACHABLE "bmclink-bmc-reachable"
#define BL_HB_ATTR_POWER "bmclink-bmc-power"
#define BL_HB_ATTR_HEALTH "#health-bmc"

struct bl_heartbeat;

/** A BMC's reachability or power changed (after logging and publishing). */
typedef void (*bl_hb_change_fn)(const char *node, enum bl_hb_reach reach, enum bl_hb_power power,
                                void *ud);

/**
 * Reply to bl_heartbeat_send: rc 0 with rsp[0] the completion code (rsp valid during the
 * call), or BL_E_TIMEOUT, BL_E_UNREACHABLE (no session), -ECANCELED ...
 */
typedef void (*bl_hb_rsp_fn)(int rc, const uint8_t *rsp, size_t len, void *ud);

struct bl_heartbeat_params {
    GMainContext *ctx;                /* NULL: the default context */
    const struct bl_bmc_config *cfg;  /* nodes, [heartbeat], [health]; copied */
    const char *local_node;           /* whose #health-bmc this daemon writes; may be NULL */
    struct bl_ipmi_client ipmi;       /* sessions (bl_ipmi_lan, or a fake) */
    struct bl_ipmi_client local_ipmi; /* local_node's own BMC (bl_ipmi_route.h); ops NULL: ipmi */
    struct bl_pcmk_client pcmk;       /* attributes; ops NULL: publish nothing */
    bl_hb_change_fn on_change;        /* may be NULL */
    void *ud;
};

/**
 * Create; nothing is opened yet.
 * \param[out] out  free with bl_heartbeat_free()
 * \return 0 or BL_E_INVALID
 */
int bl_heartbeat_new(const struct bl_heartbeat_params *p, struct bl_heartbeat **out);

/**
 * Open the sessions and start polling (when [heartbeat] enabled; otherwise sessions open on
 * the first bl_heartbeat_send, or with bl_heartbeat_prepare). Writes #health-bmc green.
 */
void bl_heartbeat_start(struct bl_heartbeat *hb);

/** Close every session (pending replies are dropped, no callback) and free. Accepts NULL. */
void bl_heartbeat_free(struct bl_heartbeat *hb);

/** Open the node's session now if it is not open (notices will not wait for it). */
int bl_heartbeat_prepare(struct bl_heartbeat *hb, const char *node);

/**
 * Send one request to a node's BMC on its session.
 * \param[in] data        copied; at most BL_IPMI_MSG_MAX bytes
 * \param[in] timeout_ms  the callback reports BL_E_TIMEOUT after this at the latest
 * \param[in] cb          called exactly once, later, from the main loop (never from here)
 * \return 0, -ENOENT (no such node), BL_E_INVALID
 */
int bl_heartbeat_send(struct bl_heartbeat *hb, const char *node, uint8_t netfn, uint8_t cmd,
                      const uint8_t *data, size_t len, unsigned timeout_ms, bl_hb_rsp_fn cb,
                      void *ud);

/** Forget every request made with \p ud: their callbacks will not run. */
void bl_heartbeat_cancel(struct bl_heartbeat *hb, void *ud);

/**
 * Whether this daemon writes bmclink-bmc-* (one writer per cluster is the daemon's choice,
 * e.g. the lowest CPG member). Turning it on rewrites every known value.
 */
void bl_heartbeat_set_publish(struct bl_heartbeat *hb, bool publish);

/** A recoverable PET of the local node's BMC: #health-bmc follows. */
void bl_heartbeat_health_pet(struct bl_heartbeat *hb, const struct bl_pet_event *pet);

/** A recoverable vendor notice (no sensor) of the local node's BMC. */
void bl_heartbeat_health_notice(struct bl_heartbeat *hb, uint64_t key);

/**
 * bmclink had the node's BMC power or reset the host (e.g. the recovery's end notice was
 * accepted): a link drop of the BMC is expected for drop_window_ms. Chassis Control requests
 * sent with bl_heartbeat_send and power records in the local BMC's SEL count by themselves.
 * \return 0 or -ENOENT
 */
int bl_heartbeat_power_event(struct bl_heartbeat *hb, const char *node);

/** The local node's colour. */
enum bl_health_color bl_heartbeat_health(const struct bl_heartbeat *hb);

/* One BMC as `bmclink status` and the benchmarks show it. */
struct bl_hb_status {
    const char *node; /* borrowed from the heartbeat */
    const char *host;
    uint16_t port;
    bool session_up;
    enum bl_hb_reach reach;
    enum bl_hb_power power;
    unsigned silent;
    uint64_t polls, answers, errors, opens;
    struct bl_hb_rtt rtt;
    struct bl_ipmi_stats ipmi;
    bool routed; /* the node's own BMC, on the local route ([bmc] path inband or auto) */
    /* The SEL reader (the local node's BMC only, docs/bmc-health.md): whether this BMC's
     * SEL is read; Get SEL Info sent, new records read, records acted on, bad replies. */
    bool sel;
    uint64_t sel_rounds, sel_records, sel_acted, sel_errors;
    /* The link (drops expected after power events) and its timeline, oldest first; times
     * are monotonic ns, now_ns is when this was taken (for turning them into clock time). */
    uint64_t now_ns;
    struct bl_hb_link link;
    size_t n_events;
    struct bl_hb_event_rec timeline[BL_HB_TIMELINE];
};

/** Number of BMCs. */
size_t bl_heartbeat_count(const struct bl_heartbeat *hb);

/** BMC i (0 .. count-1). \return 0 or -ENOENT */
int bl_heartbeat_get(const struct bl_heartbeat *hb, size_t i, struct bl_hb_status *out);

#endif
