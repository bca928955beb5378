/*
 * bl_ipmi_ops on OpenIPMI's SMI connection (the local IPMI driver), driven by the GLib main
 * context of the LAN backend.
 */
#include "bl_ipmi_smi.h"
#include "bl_ipmi_con.h"
#include "bl_ipmi_glib.h"
#include "bl_result.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <OpenIPMI/ipmi_conn.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_smi.h>
#include <OpenIPMI/ipmiif.h>

struct bl_ipmi_smi {
    os_handler_t *os_hnd;
    char device[BL_IPMI_HOST_MAX + 1];
    int if_num;
    unsigned int sessions;
};

struct bl_ipmi_session {
    struct bl_ipmi_smi *smi;
    ipmi_con_t *con;
    bl_ipmi_state_cb state_cb;
    void *user_data;
    bool up;
    bool reported;
    bool in_open; /* inside bl_smi_open(): a failure there is open()'s own result */
    int open_err;
    struct bl_ipmi_con_reqs reqs; /* requests in flight, counted in stats */
    struct bl_ipmi_stats stats;
};

int
bl_ipmi_smi_if_num(const char *device)
{
    static const char *const prefixes[] = {"/dev/ipmidev/", "/dev/ipmi/", "/dev/ipmi"};
    guint64 n = 0;

    for (size_t i = 0; device != NULL && i < G_N_ELEMENTS(prefixes); i++) {
        size_t len = strlen(prefixes[i]);

        if (strncmp(device, prefixes[i], len) == 0 &&
            g_ascii_string_to_unsigned(device + len, 10, 0, 255, &n, NULL)) {
            return (int) n;
        }
    }
    return BL_E_INVALID;
}

int
bl_ipmi_smi_new(struct bl_ipmi_lan *lan, const char *device, struct bl_ipmi_smi **out)
{
    int n = bl_ipmi_smi_if_num(device);
    struct bl_ipmi_smi *smi;

    if (lan == NULL || n < 0 || strlen(device) > BL_IPMI_HOST_MAX) {
        return BL_E_INVALID;
    }
    smi = g_new0(struct bl_ipmi_smi, 1);
    smi->os_hnd = bl_ipmi_lan_os_handler(lan);
    smi->if_num = n;
    snprintf(smi->device, sizeof(smi->device), "%s", device);
    *out = smi;
    return BL_OK;
}

void
bl_ipmi_smi_free(struct bl_ipmi_smi *smi)
{
    g_free(smi);
}

/* OpenIPMI's errors at the boundary: a completion code, or an errno of the driver. */
static int
bl_smi_map_err(int err)
{
    if (IPMI_IS_IPMI_ERR(err)) {
        return IPMI_GET_IPMI_ERR(err) == IPMI_TIMEOUT_CC ? BL_E_TIMEOUT : BL_E_BMC;
    }
    if (IPMI_IS_OS_ERR(err)) {
        err = IPMI_GET_OS_ERR(err);
    }
    if (err == ETIMEDOUT) {
        return BL_E_TIMEOUT;
    }
    return err == ENOENT || err == ENODEV || err == ENXIO ? BL_E_UNREACHABLE
           : err > 0                                      ? -err
                                                          : BL_E_PROTO;
}

static void
bl_smi_con_changed(ipmi_con_t *con, int err, unsigned int port, int any_port_up, void *cb_data)
{
    bl_ipmi_session *s = cb_data;
    bool up = err == 0;

    if (s->in_open) {
        s->open_err = err;
        return;
    }
    if (up == s->up && s->reported) {
        return;
    }
    s->up = up;
    s->reported = true;
    s->state_cb(s, up ? BL_OK : bl_smi_map_err(err), s->user_data);
}

static void
bl_smi_drop_con(bl_ipmi_session *s)
{
    if (s->con == NULL) {
        return;
    }
    s->con->remove_con_change_handler(s->con, bl_smi_con_changed, s);
    s->con->close_connection(s->con);
    s->con = NULL;
}

static int
bl_smi_open(void *backend, const struct bl_ipmi_params *params, bl_ipmi_state_cb cb,
            void *user_data, bl_ipmi_session **out)
{
    struct bl_ipmi_smi *smi = backend;
    bl_ipmi_session *s;
    int rv;

    (void) params; /* no address, no credentials: the device is the access */
    if (cb == NULL) {
        return BL_E_INVALID;
    }
    s = g_new0(bl_ipmi_session, 1);
    s->smi = smi;
    s->state_cb = cb;
    s->user_data = user_data;
    s->reqs.s = s;
    s->reqs.count = &s->stats;
    /* Opens the device now: a missing driver fails here, before any callback. */
    rv = ipmi_smi_setup_con(smi->if_num, smi->os_hnd, s, &s->con);
    if (rv == 0) {
        rv = s->con->add_con_change_handler(s->con, bl_smi_con_changed, s);
    }
    if (rv == 0) {
        s->in_open = true;
        rv = s->con->start_con(s->con); /* reports from the loop, after Get Device ID */
        s->in_open = false;
        rv = rv != 0 ? rv : s->open_err;
    }
    if (rv != 0) {
        bl_smi_drop_con(s);
        g_free(s);
        return bl_smi_map_err(rv);
    }
    smi->sessions++;
    *out = s;
    return BL_OK;
}

static int
bl_smi_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
            bl_ipmi_rsp_cb cb, void *user_data)
{
    int rc;

    if (cb == NULL || len > BL_IPMI_MSG_MAX || (len > 0 && data == NULL)) {
        return BL_E_INVALID;
    }
    if (!s->up) {
        return BL_E_STATE;
    }
    rc = bl_ipmi_con_send(&s->reqs, s->con, netfn, cmd, data, len, cb, user_data);
    s->stats.tx_packets += rc == BL_OK ? 1u : 0u;
    return rc;
}

static void
bl_smi_close(bl_ipmi_session *s)
{
    if (s == NULL) {
        return;
    }
    bl_ipmi_con_cancel(&s->reqs);
    bl_smi_drop_con(s);
    s->smi->sessions--;
    g_free(s);
}

static void
bl_smi_get_stats(bl_ipmi_session *s, struct bl_ipmi_stats *out)
{
    *out = s->stats;
    out->path = BL_IPMI_PATH_INBAND;
}

const struct bl_ipmi_ops bl_ipmi_smi_ops = {
    .name = "openipmi-smi",
    .open = bl_smi_open,
    .send = bl_smi_send,
    .close = bl_smi_close,
    .get_stats = bl_smi_get_stats,
};

void
bl_ipmi_smi_client(struct bl_ipmi_smi *smi, struct bl_ipmi_client *out)
{
    out->ops = &bl_ipmi_smi_ops;
    out->backend = smi;
}
