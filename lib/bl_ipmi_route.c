/*
 * The node's own BMC in-band with the LAN as fallback (bl_ipmi_route.h).
 */
#include "bl_ipmi_route.h"
#include "bl_ipmi_smi.h"
#include "bl_result.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct bl_ipmi_route {
    enum bl_ipmi_path path;
    struct bl_ipmi_client inband, lan;
    struct bl_ipmi_smi *smi; /* owned when made by bl_ipmi_route_new_local */
};

/* Sub-session states: not yet reported, up, or failed (a negative code). */
#define RT_UNKNOWN 0
#define RT_UP 1

struct bl_ipmi_session {
    struct bl_ipmi_route *r;
    bl_ipmi_session *ib, *lan; /* the two backends' sessions; NULL when not opened */
    int ib_state, lan_state;
    bool up, reported;
    bl_ipmi_state_cb cb;
    void *user_data;
    GList *reqs; /* struct rt_req *, in flight on a sub-session */
    unsigned int inband_sent, fallbacks;
};

/* A request kept whole, so that it can go again on the LAN. */
struct rt_req {
    bl_ipmi_session *s;
    uint8_t netfn, cmd;
    size_t len;
    uint8_t data[BL_IPMI_MSG_MAX];
    bool on_lan;
    bl_ipmi_rsp_cb cb;
    void *user_data;
};

const char *
bl_ipmi_path_name(enum bl_ipmi_path path)
{
    switch (path) {
        case BL_IPMI_PATH_LAN:
            return "lan";
        case BL_IPMI_PATH_INBAND:
            return "inband";
        case BL_IPMI_PATH_AUTO:
            return "auto";
        default:
            return "none";
    }
}

int
bl_ipmi_path_parse(const char *text, enum bl_ipmi_path *out)
{
    for (int p = BL_IPMI_PATH_LAN; text != NULL && p <= BL_IPMI_PATH_AUTO; p++) {
        if (g_ascii_strcasecmp(text, bl_ipmi_path_name((enum bl_ipmi_path) p)) == 0) {
            *out = (enum bl_ipmi_path) p;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

int
bl_ipmi_route_new(enum bl_ipmi_path path, const struct bl_ipmi_client *inband,
                  const struct bl_ipmi_client *lan, struct bl_ipmi_route **out)
{
    struct bl_ipmi_route *r;

    if (path < BL_IPMI_PATH_LAN || path > BL_IPMI_PATH_AUTO || inband == NULL ||
        inband->ops == NULL || lan == NULL || lan->ops == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    r = g_new0(struct bl_ipmi_route, 1);
    r->path = path;
    r->inband = *inband;
    r->lan = *lan;
    *out = r;
    return BL_OK;
}

int
bl_ipmi_route_new_local(struct bl_ipmi_lan *lan, enum bl_ipmi_path path, const char *device,
                        struct bl_ipmi_route **out)
{
    struct bl_ipmi_client ib, ln;
    struct bl_ipmi_smi *smi = NULL;
    int rc = bl_ipmi_smi_new(lan, device, &smi);

    if (rc != BL_OK) {
        return rc;
    }
    bl_ipmi_smi_client(smi, &ib);
    bl_ipmi_lan_client(lan, &ln);
    rc = bl_ipmi_route_new(path, &ib, &ln, out);
    if (rc != BL_OK) {
        bl_ipmi_smi_free(smi);
        return rc;
    }
    (*out)->smi = smi;
    return BL_OK;
}

void
bl_ipmi_route_free(struct bl_ipmi_route *r)
{
    if (r == NULL) {
        return;
    }
    bl_ipmi_smi_free(r->smi);
    g_free(r);
}

/* The route is up while either path is; it fails once every path it opened has failed. */
static void
rt_update(bl_ipmi_session *s)
{
    bool up = s->ib_state == RT_UP || s->lan_state == RT_UP;
    bool ib_done = s->ib == NULL || s->ib_state < 0;
    bool lan_done = s->lan == NULL || s->lan_state < 0;
    int rc;

    if (!up && !(ib_done && lan_done)) {
        return; /* a path has not said yet */
    }
    if (s->reported && up == s->up) {
        return;
    }
    rc = up ? BL_OK : s->ib != NULL ? s->ib_state : s->lan_state;
    s->reported = true;
    s->up = up;
    s->cb(s, rc, s->user_data);
}

static void
rt_on_state(bl_ipmi_session *sub, int rc, void *user_data)
{
    bl_ipmi_session *s = user_data;
    int state = rc == BL_OK ? RT_UP : rc;

    if (sub == s->ib) {
        s->ib_state = state;
    } else if (sub == s->lan) {
        s->lan_state = state;
    }
    rt_update(s);
}

static void rt_close(bl_ipmi_session *s);

/* The driver first; the LAN then, as the fallback (or the only path). */
static int
rt_open_paths(bl_ipmi_session *s, const struct bl_ipmi_params *params)
{
    const struct bl_ipmi_route *r = s->r;
    int rc = BL_OK;

    if (r->path != BL_IPMI_PATH_LAN) {
        rc = r->inband.ops->open(r->inband.backend, params, rt_on_state, s, &s->ib);
        if (rc != BL_OK) {
            s->ib = NULL;
            if (r->path == BL_IPMI_PATH_INBAND) {
                return rc; /* the driver is required */
            }
        }
    }
    rc = r->lan.ops->open(r->lan.backend, params, rt_on_state, s, &s->lan);
    if (rc != BL_OK) {
        s->lan = NULL;
    }
    return s->ib != NULL || s->lan != NULL ? BL_OK : rc;
}

static int
rt_open(void *backend, const struct bl_ipmi_params *params, bl_ipmi_state_cb cb, void *user_data,
        bl_ipmi_session **out)
{
    bl_ipmi_session *s;
    int rc;

    if (backend == NULL || params == NULL || cb == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    s = g_new0(bl_ipmi_session, 1);
    s->r = backend;
    s->cb = cb;
    s->user_data = user_data;
    rc = rt_open_paths(s, params);
    if (rc != BL_OK) {
        rt_close(s);
        return rc;
    }
    *out = s;
    return BL_OK;
}

static void rt_on_rsp(bl_ipmi_session *sub, int rc, const uint8_t *rsp, size_t len, void *ud);

static int
rt_send_lan(bl_ipmi_session *s, struct rt_req *q)
{
    int rc = BL_E_STATE;

    if (s->lan != NULL && s->lan_state == RT_UP) {
        rc = s->r->lan.ops->send(s->lan, q->netfn, q->cmd, q->data, q->len, rt_on_rsp, q);
    }
    if (rc == BL_OK) {
        q->on_lan = true;
        s->fallbacks += s->ib != NULL ? 1u : 0u; /* the driver was wanted */
    }
    return rc;
}

static void
rt_on_rsp(bl_ipmi_session *sub, int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct rt_req *q = ud;
    bl_ipmi_session *s = q->s;

    (void) sub;
    /* No answer in-band (a completion code is an answer): once more on the LAN. */
    if (rc < 0 && rc != -ECANCELED && !q->on_lan && rt_send_lan(s, q) == BL_OK) {
        return;
    }
    s->reqs = g_list_remove(s->reqs, q);
    q->cb(s, rc, rsp, len, q->user_data);
    g_free(q);
}

static int
rt_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
        bl_ipmi_rsp_cb cb, void *user_data)
{
    struct rt_req *q;
    int rc = BL_E_STATE;

    if (cb == NULL || len > BL_IPMI_MSG_MAX || (len > 0 && data == NULL)) {
        return BL_E_INVALID;
    }
    q = g_new0(struct rt_req, 1);
    *q = (struct rt_req){
        .s = s, .netfn = netfn, .cmd = cmd, .len = len, .cb = cb, .user_data = user_data};
    if (len > 0) {
        memcpy(q->data, data, len);
    }
    if (s->ib != NULL && s->ib_state == RT_UP) {
        rc = s->r->inband.ops->send(s->ib, netfn, cmd, q->data, len, rt_on_rsp, q);
        s->inband_sent += rc == BL_OK ? 1u : 0u;
    }
    if (rc != BL_OK) {
        rc = rt_send_lan(s, q);
    }
    if (rc != BL_OK) {
        g_free(q);
        return rc;
    }
    s->reqs = g_list_prepend(s->reqs, q);
    return BL_OK;
}

/* Pending requests come back with -ECANCELED from the sub-sessions' close (rt_on_rsp). */
static void
rt_close(bl_ipmi_session *s)
{
    bl_ipmi_session *ib, *lan;

    if (s == NULL) {
        return;
    }
    ib = s->ib;
    lan = s->lan;
    s->lan_state = BL_E_STATE; /* no fallback while closing */
    if (ib != NULL) {
        s->r->inband.ops->close(ib);
    }
    if (lan != NULL) {
        s->r->lan.ops->close(lan);
    }
    g_free(s);
}

static void
rt_get_stats(bl_ipmi_session *s, struct bl_ipmi_stats *out)
{
    struct bl_ipmi_stats ib = {0};

    memset(out, 0, sizeof(*out));
    if (s->lan != NULL) {
        s->r->lan.ops->get_stats(s->lan, out);
    }
    if (s->ib != NULL) {
        s->r->inband.ops->get_stats(s->ib, &ib);
        out->tx_packets += ib.tx_packets;
        out->rx_packets += ib.rx_packets;
        out->timeouts += ib.timeouts;
    }
    out->path = s->ib_state == RT_UP    ? BL_IPMI_PATH_INBAND
                : s->lan_state == RT_UP ? BL_IPMI_PATH_LAN
                                        : BL_IPMI_PATH_NONE;
    out->inband_sent = s->inband_sent;
    out->fallbacks = s->fallbacks;
}

const struct bl_ipmi_ops bl_ipmi_route_ops = {
    .name = "route",
    .open = rt_open,
    .send = rt_send,
    .close = rt_close,
    .get_stats = rt_get_stats,
};

void
bl_ipmi_route_client(struct bl_ipmi_route *r, struct bl_ipmi_client *out)
{
    out->ops = &bl_ipmi_route_ops;
    out->backend = r;
}
