/* The fake BMC of ipmi_fake.h. */
#include "ipmi_fake.h"
#include "bl_result.h"

#include <errno.h>
#include <string.h>

struct bl_ipmi_session {
    struct fake_bmc *f;
    bl_ipmi_state_cb cb;
    void *user_data;
    GList *reqs; /* struct fake_req * */
    GSource *open_src;
};

struct fake_req {
    bl_ipmi_session *s;
    bl_ipmi_rsp_cb cb;
    void *user_data;
    uint8_t rsp[BL_IPMI_MSG_MAX];
    size_t len;
    GSource *src;
};

void
fake_bmc_init(struct fake_bmc *f, GMainContext *ctx)
{
    memset(f, 0, sizeof(*f));
    f->ctx = ctx;
    f->power_on = true;
}

static void
attach_idle(GMainContext *ctx, GSourceFunc fn, gpointer data, GSource **out)
{
    GSource *src = g_idle_source_new();

    g_source_set_callback(src, fn, data, NULL);
    g_source_attach(src, ctx);
    if (out != NULL) {
        *out = src;
    } else {
        g_source_unref(src);
    }
}

static gboolean
deliver_open(gpointer data)
{
    bl_ipmi_session *s = data;

    g_source_unref(s->open_src);
    s->open_src = NULL;
    s->cb(s, s->f->open_rc, s->user_data);
    return G_SOURCE_REMOVE;
}

static int
fake_open(void *backend, const struct bl_ipmi_params *p, bl_ipmi_state_cb cb, void *ud,
          bl_ipmi_session **out)
{
    struct fake_bmc *f = backend;
    bl_ipmi_session *s;
    int rc = bl_ipmi_params_check(p, NULL);

    f->open_calls++;
    rc = rc == BL_OK && f->open_fail != 0 ? f->open_fail : rc;
    if (rc != BL_OK) {
        return rc;
    }
    f->last_params = *p;
    s = g_new0(bl_ipmi_session, 1);
    s->f = f;
    s->cb = cb;
    s->user_data = ud;
    if (!f->open_silent) {
        attach_idle(f->ctx, deliver_open, s, &s->open_src);
    }
    *out = s;
    return BL_OK;
}

static void
fake_status(struct fake_bmc *f, struct fake_req *r)
{
    if (f->pending_state && f->lag_left > 0) {
        f->lag_left--;
    } else if (f->pending_state) {
        f->pending_state = false;
        f->power_on = !f->power_on;
    }
    r->rsp[0] = 0;
    r->rsp[1] = f->power_on ? 0x01 : 0x00;
    r->len = f->status_len != 0 ? f->status_len : 4;
}

static void
fake_control(struct fake_bmc *f, struct fake_req *r, const uint8_t *data, size_t len)
{
    uint8_t ctl = len > 0 ? data[0] : 0xff;

    r->len = 1;
    r->rsp[0] = ctl == BL_IPMI_CHASSIS_DIAG ? f->diag_cc : f->control_cc;
    if (ctl < 6) {
        f->controls[ctl]++;
    }
    if (r->rsp[0] != 0 || f->power_never_changes) {
        return;
    }
    if ((ctl == BL_IPMI_CHASSIS_OFF && f->power_on) ||
        (ctl == BL_IPMI_CHASSIS_ON && !f->power_on)) {
        f->pending_state = true;
        f->lag_left = f->lag_polls;
    }
}

static gboolean
deliver_rsp(gpointer data)
{
    struct fake_req *r = data;
    bl_ipmi_session *s = r->s;

    s->reqs = g_list_remove(s->reqs, r);
    s->f->pending--;
    g_source_unref(r->src);
    if (s->f->fail_rc != 0) {
        r->cb(s, s->f->fail_rc, NULL, 0, r->user_data);
    } else {
        r->cb(s, BL_OK, r->rsp, r->len, r->user_data);
    }
    g_free(r);
    return G_SOURCE_REMOVE;
}

static int
fake_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
          bl_ipmi_rsp_cb cb, void *ud)
{
    struct fake_bmc *f = s->f;
    struct fake_req *r = g_new0(struct fake_req, 1);

    f->sends++;
    *r = (struct fake_req){.s = s, .cb = cb, .user_data = ud};
    if (netfn == BL_IPMI_NETFN_CHASSIS && cmd == BL_IPMI_CMD_GET_CHASSIS_STATUS) {
        fake_status(f, r);
    } else if (netfn == BL_IPMI_NETFN_CHASSIS && cmd == BL_IPMI_CMD_CHASSIS_CONTROL) {
        fake_control(f, r, data, len);
    } else {
        r->rsp[0] = 0xc1;
        r->len = 1;
    }
    s->reqs = g_list_prepend(s->reqs, r);
    f->pending++;
    if (!f->silent) {
        attach_idle(f->ctx, deliver_rsp, r, &r->src);
    }
    return BL_OK;
}

static void
fake_close(bl_ipmi_session *s)
{
    if (s == NULL) {
        return;
    }
    s->f->closes++;
    while (s->reqs != NULL) {
        struct fake_req *r = s->reqs->data;

        s->reqs = g_list_delete_link(s->reqs, s->reqs);
        s->f->pending--;
        if (r->src != NULL) {
            g_source_destroy(r->src);
            g_source_unref(r->src);
        }
        r->cb(s, -ECANCELED, NULL, 0, r->user_data);
        g_free(r);
    }
    if (s->open_src != NULL) { /* an open result still queued must not fire */
        g_source_destroy(s->open_src);
        g_source_unref(s->open_src);
    }
    g_free(s);
}

static void
fake_stats(bl_ipmi_session *s, struct bl_ipmi_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->tx_packets = s->f->sends;
    out->rx_packets = s->f->sends;
}

const struct bl_ipmi_ops fake_bmc_ops = {
    .name = "fake",
    .open = fake_open,
    .send = fake_send,
    .close = fake_close,
    .get_stats = fake_stats,
};

void
fake_bmc_client(struct fake_bmc *f, struct bl_ipmi_client *out)
{
    out->ops = &fake_bmc_ops;
    out->backend = f;
}
