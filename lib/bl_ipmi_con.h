/*
 * Requests on an OpenIPMI connection (ipmi_con_t), shared by the backends built on one: the
 * LAN's (bl_ipmi_lan.c) and the local driver's (bl_ipmi_smi.c). Internal to libbmclink.
 *
 * A request outlives its session when OpenIPMI answers after close(): close() orphans it
 * (its callback already told the caller -ECANCELED) and the late answer only frees it.
 */
#ifndef BL_IPMI_CON_H
#define BL_IPMI_CON_H

#include "bl_ipmi.h"

#include <OpenIPMI/ipmi_conn.h>
#include <glib.h>

/* A backend session's requests in flight. */
struct bl_ipmi_con_reqs {
    bl_ipmi_session *s;          /* passed to the callbacks */
    GList *pending;              /* struct bl_ipmi_con_req * */
    struct bl_ipmi_stats *count; /* answers and time-outs counted here; NULL: not counted */
};

/**
 * Send one request to the BMC (system interface address, LUN 0) on \p con.
 * \param[in] data  copied (may be NULL when len is 0)
 * \param[in] cb    called once: with the answer (rsp[0] the completion code), BL_E_TIMEOUT
 *                  when OpenIPMI gave up, BL_E_PROTO for an empty or oversized answer, or
 *                  -ECANCELED from bl_ipmi_con_cancel()
 * \return 0, BL_E_INVALID, -ENOMEM, or OpenIPMI's refusal as a negative errno
 */
int bl_ipmi_con_send(struct bl_ipmi_con_reqs *q, ipmi_con_t *con, uint8_t netfn, uint8_t cmd,
                     const uint8_t *data, size_t len, bl_ipmi_rsp_cb cb, void *user_data);

/** Call every pending request's callback with -ECANCELED and orphan it. */
void bl_ipmi_con_cancel(struct bl_ipmi_con_reqs *q);

#endif
