/*
 * Requests on an OpenIPMI connection (bl_ipmi_con.h).
 */
#include "bl_ipmi_con.h"
#include "bl_result.h"

#include <errno.h>
#include <string.h>

#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmiif.h>

struct bl_ipmi_con_req {
    struct bl_ipmi_con_reqs *q; /* NULL once orphaned by bl_ipmi_con_cancel() */
    bl_ipmi_rsp_cb cb;
    void *user_data;
};

static int
bl_con_rsp(ipmi_con_t *con, ipmi_msgi_t *rspi)
{
    struct bl_ipmi_con_req *req = rspi->data1;
    const ipmi_msg_t *msg = &rspi->msg;
    struct bl_ipmi_con_reqs *q = req->q;
    int rc = BL_OK;

    if (q == NULL) {
        g_free(req); /* the caller heard -ECANCELED already */
        return IPMI_MSG_ITEM_NOT_USED;
    }
    q->pending = g_list_remove(q->pending, req);
    if (con == NULL) {
        rc = -ECANCELED;
    } else if (msg->data_len == 0 || msg->data == NULL || msg->data_len > IPMI_MAX_MSG_LENGTH) {
        rc = BL_E_PROTO;
    } else if (msg->data_len == 1 && msg->data[0] == IPMI_TIMEOUT_CC) {
        rc = BL_E_TIMEOUT; /* OpenIPMI's (or the driver's) verdict after its retries */
    }
    if (q->count != NULL) {
        q->count->rx_packets += rc == BL_OK ? 1u : 0u;
        q->count->timeouts += rc == BL_E_TIMEOUT ? 1u : 0u;
    }
    if (rc == BL_OK) {
        req->cb(q->s, BL_OK, msg->data, msg->data_len, req->user_data);
    } else {
        req->cb(q->s, rc, NULL, 0, req->user_data);
    }
    g_free(req);
    return IPMI_MSG_ITEM_NOT_USED;
}

int
bl_ipmi_con_send(struct bl_ipmi_con_reqs *q, ipmi_con_t *con, uint8_t netfn, uint8_t cmd,
                 const uint8_t *data, size_t len, bl_ipmi_rsp_cb cb, void *user_data)
{
    ipmi_system_interface_addr_t si = {
        .addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE, .channel = IPMI_BMC_CHANNEL, .lun = 0};
    unsigned char body[BL_IPMI_MSG_MAX];
    ipmi_msg_t msg = {.netfn = netfn, .cmd = cmd, .data = body, .data_len = (unsigned short) len};
    struct bl_ipmi_con_req *req;
    ipmi_msgi_t *rspi;
    int rv;

    if (cb == NULL || len > sizeof(body) || (len > 0 && data == NULL)) {
        return BL_E_INVALID;
    }
    if (len > 0) {
        memcpy(body, data, len);
    }
    rspi = ipmi_alloc_msg_item();
    if (rspi == NULL) {
        return -ENOMEM;
    }
    req = g_new0(struct bl_ipmi_con_req, 1);
    *req = (struct bl_ipmi_con_req){.q = q, .cb = cb, .user_data = user_data};
    rspi->data1 = req;
    rv = con->send_command(con, (ipmi_addr_t *) &si, sizeof(si), &msg, bl_con_rsp, rspi);
    if (rv != 0) {
        ipmi_free_msg_item(rspi);
        g_free(req);
        return rv > 0 ? -rv : rv;
    }
    q->pending = g_list_prepend(q->pending, req);
    return BL_OK;
}

void
bl_ipmi_con_cancel(struct bl_ipmi_con_reqs *q)
{
    while (q->pending != NULL) {
        struct bl_ipmi_con_req *req = q->pending->data;

        q->pending = g_list_delete_link(q->pending, q->pending);
        req->q = NULL; /* OpenIPMI still owns the request; bl_con_rsp frees it */
        req->cb(q->s, -ECANCELED, NULL, 0, req->user_data);
    }
}
