/*
 * Synchronous IPMI calls for short-lived processes (the fence agent).
 *
 * Runs any bl_ipmi_ops backend on a GMainContext that the caller owns privately, one
 * request at a time, each bounded by its own timeout and by an overall deadline. Never
 * use it inside the daemon's main loop: it iterates the context it is given.
 */
#ifndef BL_IPMI_SYNC_H
#define BL_IPMI_SYNC_H

#include "bl_ipmi.h"

#include <glib.h>

struct bl_ipmi_sync {
    struct bl_ipmi_client client;
    GMainContext *ctx;  /* borrowed */
    gint64 deadline_us; /* overall limit, g_get_monotonic_time() scale; 0: none */
    bl_ipmi_session *s; /* open session or NULL */
    int state_rc;       /* last state reported by the backend */
    bool state_seen;
    struct bl_ipmi_stats failed; /* traffic of the last open that failed */
};

/**
 * Prepare a synchronous caller. Nothing is allocated.
 * \param[out] sy           caller state
 * \param[in]  client       backend and operations (copied)
 * \param[in]  ctx          private context the backend runs on (borrowed)
 * \param[in]  deadline_us  overall deadline on the monotonic clock, 0 for none
 */
void bl_ipmi_sync_init(struct bl_ipmi_sync *sy, const struct bl_ipmi_client *client,
                       GMainContext *ctx, gint64 deadline_us);

/**
 * Resolve a host name or address to a numeric address (blocking getaddrinfo).
 * \param[in]  name  host name or address
 * \param[out] out   numeric address
 * \param[in]  cap   size of \p out
 * \return 0, BL_E_INVALID (empty or too long), BL_E_UNREACHABLE (does not resolve)
 */
int bl_ipmi_resolve(const char *name, char *out, size_t cap);

/**
 * Open a session and wait until it is up.
 * \param[in] p           parameters (numeric host), copied by the backend
 * \param[in] timeout_ms  limit for the whole set-up
 * \return 0 or the backend's code (BL_E_AUTH, BL_E_TIMEOUT, BL_E_WEAK_CRYPTO ...); on
 *         failure no session is left open and sy->failed holds the attempt's traffic
 */
int bl_ipmi_sync_open(struct bl_ipmi_sync *sy, const struct bl_ipmi_params *p,
                      unsigned int timeout_ms);

/**
 * Send one request and wait for its reply.
 * \param[in]  data     request body (may be NULL when len is 0)
 * \param[out] rsp      reply, completion code first
 * \param[in]  cap      size of \p rsp
 * \param[out] rsp_len  bytes in \p rsp
 * \return 0 (the completion code is NOT checked here), BL_E_TIMEOUT, BL_E_PROTO (reply
 *         longer than \p cap), BL_E_STATE (no session) or the backend's code
 */
int bl_ipmi_sync_cmd(struct bl_ipmi_sync *sy, uint8_t netfn, uint8_t cmd, const uint8_t *data,
                     size_t len, uint8_t *rsp, size_t cap, size_t *rsp_len,
                     unsigned int timeout_ms);

/**
 * Get Chassis Status, decoded.
 * \param[out] st  status
 * \param[out] cc  completion code (may be NULL)
 * \return 0, BL_E_BMC (cc != 0), BL_E_PROTO (malformed) or a transport code
 */
int bl_ipmi_sync_chassis_status(struct bl_ipmi_sync *sy, struct bl_ipmi_chassis_status *st,
                                uint8_t *cc, unsigned int timeout_ms);

/**
 * Chassis Control.
 * \param[out] cc  completion code (may be NULL)
 * \return 0, BL_E_BMC (cc != 0) or a transport code
 */
int bl_ipmi_sync_chassis_control(struct bl_ipmi_sync *sy, enum bl_ipmi_chassis_ctl ctl, uint8_t *cc,
                                 unsigned int timeout_ms);

/**
 * Let the context run for \p ms milliseconds, or until the overall deadline.
 * \return 0, or BL_E_TIMEOUT when the overall deadline cut the wait short
 */
int bl_ipmi_sync_sleep(struct bl_ipmi_sync *sy, unsigned int ms);

/** Milliseconds left before the overall deadline (UINT_MAX when there is none). */
unsigned int bl_ipmi_sync_remaining_ms(const struct bl_ipmi_sync *sy);

/** Packet counters of the open session; zeros when none. */
void bl_ipmi_sync_stats(const struct bl_ipmi_sync *sy, struct bl_ipmi_stats *out);

/** Close the session if one is open. */
void bl_ipmi_sync_close(struct bl_ipmi_sync *sy);

#endif
