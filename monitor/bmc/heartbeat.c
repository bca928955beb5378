/*
 * The BMC heartbeat's glue (heartbeat.h): sessions, the poll schedule, node attributes,
 * requests on behalf of the recovery. Decisions are heartbeat_core.c's.
 *
 * One GSource with a ready time drives everything: each BMC has its own next tick (the BMCs
 * are spread over the interval, so 50 polls do not leave in one burst), requests have
 * deadlines. Work triggered from inside an IPMI callback (a session came up: send what
 * waits; a request finished: free it) is deferred to that source, never done inside
 * OpenIPMI's own call chain. Requests are freed in one place (hb_sweep).
 */
#include "heartbeat_priv.h"
#include "bl_log.h"
#include "bl_result.h"

#include <errno.h>
#include <string.h>

#define HB_URGENT_REOPEN_NS (1000ull * 1000000ull)
/* A failed attribute write (Pacemaker not up yet, attrd restarting) is tried again after
 * this, not at every poll: 50 BMCs must not mean 100 tool runs a second. */
#define HB_ATTR_RETRY_NS (5000ull * 1000000ull)

static uint64_t
hb_now(void)
{
    return (uint64_t) g_get_monotonic_time() * 1000ull;
}

static uint64_t
hb_ms(uint32_t ms)
{
    return (uint64_t) ms * 1000000ull;
}

/* Run the timer as soon as the loop gets to it. */
static void
hb_kick(struct bl_heartbeat *hb)
{
    if (hb->timer != NULL && !hb->closing) {
        g_source_set_ready_time(hb->timer, 0);
    }
}

/* ---- attributes ---- */

static void hb_attr_push(struct hb_attr *a);

static void
hb_attr_failed(struct hb_attr *a)
{
    a->failed = true;
    a->retry_ns = hb_now() + HB_ATTR_RETRY_NS;
}

/* A failed write whose retry time has come. */
static void
hb_attr_retry(struct hb_attr *a, uint64_t now)
{
    if (a->failed && now >= a->retry_ns) {
        hb_attr_push(a);
    }
}

static void
hb_attr_done(int rc, const char *detail, void *ud)
{
    struct hb_attr *a = ud;

    a->writing = false;
    if (a->hb->closing || rc == -ECANCELED) {
        return;
    }
    if (rc != BL_OK) {
        if (!a->failed) {
            qb_log(LOG_WARNING, "could not write %s=%s on %s: %s (%s)", a->name, a->writing_val,
                   a->node, bl_strerror(rc), detail != NULL ? detail : "");
        }
        hb_attr_failed(a);
        return;
    }
    a->failed = false;
    memcpy(a->have, a->writing_val, sizeof(a->have));
    a->have_known = true;
    hb_attr_push(a); /* the value may have changed meanwhile */
}

static void
hb_attr_push(struct hb_attr *a)
{
    struct bl_heartbeat *hb = a->hb;
    int rc;

    if (hb->pcmk.ops == NULL || a->writing || a->want[0] == '\0' || (!hb->publish && !a->own) ||
        (a->have_known && strcmp(a->have, a->want) == 0)) {
        return;
    }
    memcpy(a->writing_val, a->want, sizeof(a->writing_val));
    a->writing = true;
    rc = hb->pcmk.ops->attr_set(hb->pcmk.be, a->node, a->name, a->writing_val, hb_attr_done, a);
    if (rc != BL_OK) {
        a->writing = false;
        hb_attr_failed(a);
    }
}

static void
hb_attr_want(struct hb_attr *a, const char *value)
{
    g_strlcpy(a->want, value != NULL ? value : "", sizeof(a->want));
    hb_attr_push(a);
}

static void
hb_attr_init(struct hb_attr *a, struct bl_heartbeat *hb, const char *node, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->hb = hb;
    a->node = node;
    a->name = name;
}

/* ---- what a poll found ---- */

static void
hb_log_change(const struct hb_bmc *b, unsigned changes)
{
    const struct bl_hb_state *st = &b->st;

    if ((changes & BL_HB_CH_REACH) != 0 && st->reach == BL_HB_REACH_NO) {
        qb_log(LOG_WARNING,
               "BMC of %s (%s:%u) silent for %.1f s (%u polls): %s can no longer be fenced "
               "through it",
               b->node, b->params.host, b->params.port, (double) bl_hb_silence(st, hb_now()) / 1e9,
               st->silent, b->node);
    } else if ((changes & BL_HB_CH_REACH) != 0) {
        qb_log(LOG_NOTICE, "BMC of %s (%s:%u) answers (round trip %.2f ms)", b->node,
               b->params.host, b->params.port, (double) st->rtt.last_ns / 1e6);
    }
    if ((changes & BL_HB_CH_POWER) != 0) {
        qb_log(LOG_NOTICE, "%s: power %s (BMC %s:%u)", b->node, bl_hb_power_value(st->power),
               b->params.host, b->params.port);
    }
}

/* A drop began or ended (the timeline's last event): said once each; the loss itself and
 * the return from it are hb_log_change's. */
static void
hb_log_link(struct hb_bmc *b, uint64_t tl_before)
{
    const struct bl_hb_state *st = &b->st;
    const struct bl_hb_event_rec *e = &st->tl[(st->tl_count - 1) % BL_HB_TIMELINE];
    const struct bl_hb_event_rec *prev =
        &st->tl[(st->tl_count + BL_HB_TIMELINE - 2) % BL_HB_TIMELINE];

    if (st->tl_count == tl_before) {
        return;
    }
    if (e->kind == BL_HB_EV_BACK && (st->tl_count < 2 || prev->kind != BL_HB_EV_UNREACHABLE)) {
        qb_log(e->expected ? LOG_NOTICE : LOG_INFO,
               "BMC of %s (%s:%u): answers again after %.1f s silent%s", b->node, b->params.host,
               b->params.port, (double) e->ref_ns / 1e9, e->expected ? " (link drop)" : "");
        return;
    }
    if (e->kind != BL_HB_EV_DROP) {
        return;
    }
    if (e->expected) {
        qb_log(LOG_NOTICE, "BMC of %s (%s:%u): link drop expected (power event %.1f s before)",
               b->node, b->params.host, b->params.port, (double) (hb_now() - e->ref_ns) / 1e9);
    } else {
        qb_log(LOG_INFO, "BMC of %s (%s:%u): silent (unreachable after %.1f s)", b->node,
               b->params.host, b->params.port, (double) st->silence_ns / 1e9);
    }
}

static void
hb_changed(struct hb_bmc *b, unsigned changes)
{
    struct bl_heartbeat *hb = b->hb;

    if (changes == 0 || hb->closing) {
        return;
    }
    hb_log_change(b, changes);
    hb_attr_want(&b->reach, bl_hb_reach_value(b->st.reach));
    if (b->st.reach != BL_HB_REACH_UNKNOWN) {
        hb_attr_want(&b->power, bl_hb_power_value(b->st.power));
    }
    if (hb->on_change != NULL) {
        hb->on_change(b->node, b->st.reach, b->st.power, hb->ud);
    }
}

static void
hb_on_poll(bl_ipmi_session *s, int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct hb_bmc *b = ud;
    struct bl_ipmi_chassis_status cs = {0};
    int answer = rc;
    uint64_t tl_before = b->st.tl_count;

    if (b->hb->closing) {
        return;
    }
    if (rc == BL_OK) {
        /* a reply that does not decode still proves the BMC alive: power unknown */
        answer = bl_ipmi_decode_chassis_status(rsp, len, &cs) == BL_OK ? BL_OK : BL_E_BMC;
    }
    hb_changed(b, bl_hb_answer(&b->st, answer, cs.power_on, hb_now()));
    hb_log_link(b, tl_before);
}

static void
hb_poll(struct hb_bmc *b, uint64_t now)
{
    const struct bl_ipmi_ops *ops = b->ipmi.ops;
    int rc = BL_E_STATE;

    if (b->s != NULL && b->up) {
        rc = ops->send(b->s, BL_IPMI_NETFN_CHASSIS, BL_IPMI_CMD_GET_CHASSIS_STATUS, NULL, 0,
                       hb_on_poll, b);
    }
    bl_hb_sent(&b->st, rc, now);
}

/* ---- sessions ---- */

static void
hb_on_state(bl_ipmi_session *s, int rc, void *ud)
{
    struct hb_bmc *b = ud;

    if (b->hb->closing || s != b->s) {
        return;
    }
    b->up = rc == BL_OK;
    if (rc == BL_OK) {
        if (b->said_down) {
            qb_log(LOG_NOTICE, "BMC of %s (%s:%u): session open again", b->node, b->params.host,
                   b->params.port);
        }
        b->said_down = false;
        hb_kick(b->hb); /* requests waiting for the session go out from the timer */
        return;
    }
    if (!b->said_down) {
        qb_log(LOG_WARNING, "BMC of %s (%s:%u): no session: %s", b->node, b->params.host,
               b->params.port, bl_strerror(rc));
    }
    b->said_down = true;
    b->close_pending = true;
    hb_kick(b->hb);
}

static void
hb_close(struct hb_bmc *b)
{
    bl_ipmi_session *s = b->s;

    b->s = NULL;
    b->up = false;
    b->close_pending = false;
    if (s != NULL) {
        b->ipmi.ops->close(s); /* pending replies come back with -ECANCELED */
    }
}

static void
hb_open(struct hb_bmc *b, uint64_t now)
{
    int rc;

    b->open_ns = now;
    b->opens++;
    rc = b->ipmi.ops->open(b->ipmi.backend, &b->params, hb_on_state, b, &b->s);
    if (rc != BL_OK) {
        b->s = NULL;
        if (!b->said_down) {
            qb_log(LOG_WARNING, "BMC of %s (%s:%u): cannot open a session: %s", b->node,
                   b->params.host, b->params.port, bl_strerror(rc));
        }
        b->said_down = true;
    }
}

static bool
hb_has_waiting(const struct bl_heartbeat *hb, const struct hb_bmc *b)
{
    for (GList *l = hb->reqs; l != NULL; l = l->next) {
        const struct hb_req *r = l->data;
        if (r->b == b && !r->delivered && !r->sent) {
            return true;
        }
    }
    return false;
}

static bool
hb_should_open(const struct bl_heartbeat *hb, const struct hb_bmc *b, uint64_t now)
{
    bool waiting = hb_has_waiting(hb, b);
    uint64_t since = now - b->open_ns;

    if (!hb->conf.enabled && !b->wanted && !waiting) {
        return false;
    }
    return b->opens == 0 || since >= hb_ms(hb->conf.reopen_ms) ||
           (waiting && since >= HB_URGENT_REOPEN_NS);
}

/* A session the BMC stopped answering (restarted BMC, lost session): start over. */
static bool
hb_zombie(const struct bl_heartbeat *hb, const struct hb_bmc *b, uint64_t now)
{
    uint64_t limit = hb_ms(hb->conf.silence_ms);

    /* A link drop keeps the BMC's session: only a silence past the limit starts over. */
    return hb->conf.enabled && b->s != NULL && b->up && b->st.silent >= hb->conf.misses &&
           bl_hb_silence(&b->st, now) >= limit && now - b->open_ns >= hb_ms(hb->conf.reopen_ms);
}

/* ---- requests of the recovery ---- */

static void
hb_req_deliver(struct hb_req *r, int rc, const uint8_t *rsp, size_t len)
{
    r->delivered = true;
    r->cb(rc, rsp, len, r->ud);
}

static void
hb_on_req_rsp(bl_ipmi_session *s, int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct hb_req *r = ud;
    struct bl_heartbeat *hb = r->b->hb;

    r->sent = false;
    if (hb->closing) {
        return;
    }
    if (!r->delivered && rc == -ECANCELED) {
        hb_kick(hb); /* the session was closed under it: it waits for the next one */
        return;
    }
    if (rc == BL_OK && len >= 1 && rsp[0] == 0 && r->netfn == BL_IPMI_NETFN_CHASSIS &&
        r->cmd == BL_IPMI_CMD_CHASSIS_CONTROL) {
        bl_hb_power_event(&r->b->st, BL_HB_EV_COMMAND, hb_now()); /* a link drop may follow */
    }
    if (!r->delivered) {
        hb_req_deliver(r, rc, rsp, len);
    }
    hb_kick(hb); /* freed by the sweep */
}

static void
hb_req_send(struct hb_req *r)
{
    struct hb_bmc *b = r->b;
    int rc = b->ipmi.ops->send(b->s, r->netfn, r->cmd, r->data, r->len, hb_on_req_rsp, r);

    if (rc == BL_OK) {
        r->sent = true;
    } else {
        r->fail_rc = rc;
        hb_kick(b->hb);
    }
}

/* Requests waiting for their session, when it is up now. */
static void
hb_flush(struct bl_heartbeat *hb)
{
    for (GList *l = hb->reqs; l != NULL; l = l->next) {
        struct hb_req *r = l->data;

        if (!r->delivered && !r->sent && r->fail_rc == 0 && r->b->s != NULL && r->b->up) {
            hb_req_send(r);
        }
    }
}

/* Failed sends and passed deadlines. Callbacks may add or cancel requests: the list is
 * walked again after each delivery. */
static void
hb_expire(struct bl_heartbeat *hb, uint64_t now)
{
    bool again = true;

    while (again) {
        again = false;
        for (GList *l = hb->reqs; l != NULL; l = l->next) {
            struct hb_req *r = l->data;
            int rc = r->fail_rc != 0 ? r->fail_rc : r->b->up ? BL_E_TIMEOUT : BL_E_UNREACHABLE;

            if (!r->delivered && (r->fail_rc != 0 || now >= r->deadline_ns)) {
                hb_req_deliver(r, rc, NULL, 0);
                again = true;
                break;
            }
        }
    }
}

static void
hb_sweep(struct bl_heartbeat *hb)
{
    GList *l = hb->reqs;

    while (l != NULL) {
        GList *next = l->next;
        struct hb_req *r = l->data;

        if (r->delivered && !r->sent) {
            hb->reqs = g_list_delete_link(hb->reqs, l);
            g_free(r);
        }
        l = next;
    }
}

int
bl_heartbeat_send(struct bl_heartbeat *hb, const char *node, uint8_t netfn, uint8_t cmd,
                  const uint8_t *data, size_t len, unsigned timeout_ms, bl_hb_rsp_fn cb, void *ud)
{
    struct hb_bmc *b = NULL;
    struct hb_req *r;

    if (hb == NULL || node == NULL || cb == NULL || len > BL_IPMI_MSG_MAX ||
        (len > 0 && data == NULL) || timeout_ms == 0) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < hb->n && b == NULL; i++) {
        b = strcmp(hb->bmc[i].node, node) == 0 ? &hb->bmc[i] : NULL;
    }
    if (b == NULL) {
        return -ENOENT;
    }
    r = g_new0(struct hb_req, 1);
    *r = (struct hb_req){.b = b,
                         .netfn = netfn,
                         .cmd = cmd,
                         .len = len,
                         .cb = cb,
                         .ud = ud,
                         .deadline_ns = hb_now() + hb_ms(timeout_ms)};
    if (len > 0) {
        memcpy(r->data, data, len);
    }
    hb->reqs = g_list_append(hb->reqs, r);
    if (b->s != NULL && b->up) {
        hb_req_send(r); /* the fast path: the notice leaves now */
    }
    hb_kick(hb);
    return BL_OK;
}

void
bl_heartbeat_cancel(struct bl_heartbeat *hb, void *ud)
{
    for (GList *l = hb != NULL ? hb->reqs : NULL; l != NULL; l = l->next) {
        struct hb_req *r = l->data;
        if (r->ud == ud) {
            r->delivered = true;
        }
    }
    if (hb != NULL) {
        hb_kick(hb);
    }
}

/* ---- the schedule ---- */

static void
hb_tick_bmc(struct bl_heartbeat *hb, struct hb_bmc *b, uint64_t now)
{
    bool send = false;
    uint64_t tl_before;

    if (b->close_pending || hb_zombie(hb, b, now)) {
        hb_close(b);
    }
    if (b->s == NULL && hb_should_open(hb, b, now)) {
        hb_open(b, now);
    }
    hb_attr_retry(&b->reach, now);
    hb_attr_retry(&b->power, now);
    if (!hb->conf.enabled) {
        return;
    }
    tl_before = b->st.tl_count;
    hb_changed(b, bl_hb_tick(&b->st, now, &send));
    hb_log_link(b, tl_before);
    if (send) {
        hb_poll(b, now);
    }
}

static void
hb_ticks(struct bl_heartbeat *hb, uint64_t now)
{
    uint64_t interval = hb_ms(hb->conf.interval_ms);
    uint64_t slack = interval / 50; /* BMCs due within 2% of the interval go together */

    for (size_t i = 0; i < hb->n; i++) {
        struct hb_bmc *b = &hb->bmc[i];

        if (now + slack >= b->next_tick_ns) {
            hb_tick_bmc(hb, b, now);
            b->next_tick_ns += interval;
            if (b->next_tick_ns <= now) {
                b->next_tick_ns = now + interval; /* we were held up: no burst to catch up */
            }
        }
    }
    hb_attr_retry(&hb->health_attr, now);
    if (hb->health_conf.enabled && hb->local[0] != '\0' && bl_health_tick(&hb->health, now)) {
        qb_log(LOG_NOTICE, "%s: BMC health %s (conditions cleared)", hb->local,
               bl_health_color_name(hb->health.color));
        hb_attr_want(&hb->health_attr, bl_health_color_name(hb->health.color));
    }
}

static uint64_t
hb_next_due(const struct bl_heartbeat *hb)
{
    uint64_t next = UINT64_MAX;

    for (size_t i = 0; i < hb->n; i++) {
        next = MIN(next, hb->bmc[i].next_tick_ns);
    }
    for (GList *l = hb->reqs; l != NULL; l = l->next) {
        const struct hb_req *r = l->data;
        if (!r->delivered) {
            next = MIN(next, r->deadline_ns);
        }
    }
    if (hb->sel != NULL) {
        next = MIN(next, bl_hb_sel_next_due(hb->sel, hb->sel_bmc->s != NULL && hb->sel_bmc->up));
    }
    return next;
}

static gboolean
hb_on_timer(gpointer data)
{
    struct bl_heartbeat *hb = data;
    uint64_t now = hb_now(), next;

    g_source_set_ready_time(hb->timer, -1);
    hb_flush(hb);
    hb_expire(hb, now);
    hb_ticks(hb, now);
    if (hb->sel != NULL) {
        bl_hb_sel_step(hb->sel, hb->sel_bmc->ipmi.ops, hb->sel_bmc->s, hb->sel_bmc->up, now);
    }
    hb_flush(hb); /* sessions opened by the ticks may already be up (fakes) */
    hb_sweep(hb);
    next = hb_next_due(hb);
    if (next != UINT64_MAX && g_source_get_ready_time(hb->timer) != 0) {
        g_source_set_ready_time(hb->timer, (gint64) (next / 1000ull));
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
hb_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    return cb(data);
}

static GSourceFuncs hb_source_funcs = {.dispatch = hb_dispatch};

/* ---- life cycle ---- */

static void
hb_bmc_init(struct bl_heartbeat *hb, struct hb_bmc *b, const struct bl_bmc_node *n,
            const struct bl_ipmi_client *local_ipmi)
{
    b->hb = hb;
    g_strlcpy(b->node, n->node, sizeof(b->node));
    b->params = n->ipmi;
    /* Only the node's own BMC may go in-band; every other BMC is reached over the LAN. */
    b->ipmi = local_ipmi->ops != NULL && strcmp(b->node, hb->local) == 0 ? *local_ipmi : hb->ipmi;
    bl_hb_state_init(&b->st, hb->conf.misses);
    bl_hb_state_limits(&b->st, hb_ms(hb->conf.silence_ms), hb_ms(hb->conf.drop_window_ms));
    hb_attr_init(&b->reach, hb, b->node, BL_HB_ATTR_REACHABLE);
    hb_attr_init(&b->power, hb, b->node, BL_HB_ATTR_POWER);
}

static void hb_on_sel(const struct bl_sel_record *r, const struct bl_sel_verdict *v, void *ud);

static void
bl_hb_sel_kick(void *ud)
{
    hb_kick(ud);
}

/* The SEL of the local node's BMC feeds its #health-bmc, on that BMC's session. */
static void
bl_hb_sel_new(struct bl_heartbeat *hb, const struct bl_hb_config *c)
{
    for (size_t i = 0; i < hb->n && c->sel && hb->health_conf.enabled; i++) {
        if (strcmp(hb->bmc[i].node, hb->local) == 0) {
            hb->sel = g_new0(struct bl_hb_sel, 1);
            hb->sel_bmc = &hb->bmc[i];
            hb->sel_bmc->wanted = true;
            bl_hb_sel_init(hb->sel, hb->local, c->sel_state_dir,
                           c->sel_interval_ms > 0 ? c->sel_interval_ms : c->interval_ms, hb_on_sel,
                           bl_hb_sel_kick, hb);
        }
    }
}

int
bl_heartbeat_new(const struct bl_heartbeat_params *p, struct bl_heartbeat **out)
{
    struct bl_heartbeat *hb;

    if (p == NULL || p->cfg == NULL || p->ipmi.ops == NULL || out == NULL ||
        p->cfg->hb.interval_ms == 0) {
        return BL_E_INVALID;
    }
    hb = g_new0(struct bl_heartbeat, 1);
    hb->ctx = g_main_context_ref(p->ctx != NULL ? p->ctx : g_main_context_default());
    hb->ipmi = p->ipmi;
    hb->pcmk = p->pcmk;
    hb->conf = p->cfg->hb;
    hb->health_conf = p->cfg->health;
    hb->publish = p->cfg->hb.publish;
    hb->on_change = p->on_change;
    hb->ud = p->ud;
    hb->n = p->cfg->n_nodes;
    hb->bmc = g_new0(struct hb_bmc, hb->n > 0 ? hb->n : 1);
    g_strlcpy(hb->local, p->local_node != NULL ? p->local_node : "", sizeof(hb->local));
    for (size_t i = 0; i < hb->n; i++) {
        hb_bmc_init(hb, &hb->bmc[i], &p->cfg->nodes[i], &p->local_ipmi);
    }
    bl_health_init(&hb->health, p->cfg->health.red_severity, hb_ms(p->cfg->health.hold_s * 1000));
    hb_attr_init(&hb->health_attr, hb, hb->local, BL_HB_ATTR_HEALTH);
    hb->health_attr.own = true;
    bl_hb_sel_new(hb, &p->cfg->hb);
    *out = hb;
    return BL_OK;
}

void
bl_heartbeat_start(struct bl_heartbeat *hb)
{
    uint64_t now = hb_now(), interval = hb_ms(hb->conf.interval_ms);

    if (hb->started) {
        return;
    }
    hb->started = true;
    for (size_t i = 0; i < hb->n; i++) {
        hb->bmc[i].next_tick_ns = now + interval * i / hb->n; /* spread over the interval */
    }
    hb->timer = g_source_new(&hb_source_funcs, sizeof(GSource));
    g_source_set_callback(hb->timer, hb_on_timer, hb, NULL);
    g_source_set_ready_time(hb->timer, 0);
    g_source_attach(hb->timer, hb->ctx);
    if (hb->health_conf.enabled && hb->local[0] != '\0') {
        hb_attr_want(&hb->health_attr, bl_health_color_name(hb->health.color));
    }
}

int
bl_heartbeat_prepare(struct bl_heartbeat *hb, const char *node)
{
    for (size_t i = 0; hb != NULL && node != NULL && i < hb->n; i++) {
        if (strcmp(hb->bmc[i].node, node) == 0) {
            hb->bmc[i].wanted = true;
            hb_kick(hb);
            return BL_OK;
        }
    }
    return -ENOENT;
}

void
bl_heartbeat_free(struct bl_heartbeat *hb)
{
    if (hb == NULL) {
        return;
    }
    hb->closing = true;
    if (hb->sel != NULL) {
        hb->sel->dead = true;
    }
    if (hb->timer != NULL) {
        g_source_destroy(hb->timer);
        g_source_unref(hb->timer);
    }
    for (size_t i = 0; i < hb->n; i++) {
        hb_close(&hb->bmc[i]);
        if (hb->pcmk.ops != NULL) {
            hb->pcmk.ops->cancel(hb->pcmk.be, &hb->bmc[i].reach);
            hb->pcmk.ops->cancel(hb->pcmk.be, &hb->bmc[i].power);
        }
        bl_ipmi_params_wipe(&hb->bmc[i].params);
    }
    if (hb->pcmk.ops != NULL) {
        hb->pcmk.ops->cancel(hb->pcmk.be, &hb->health_attr);
    }
    g_list_free_full(hb->reqs, g_free);
    g_free(hb->sel);
    g_free(hb->bmc);
    g_main_context_unref(hb->ctx);
    g_free(hb);
}

void
bl_heartbeat_set_publish(struct bl_heartbeat *hb, bool publish)
{
    hb->publish = publish;
    for (size_t i = 0; publish && i < hb->n; i++) {
        hb->bmc[i].reach.have_known = false; /* another writer may have changed them */
        hb->bmc[i].power.have_known = false;
        hb_attr_push(&hb->bmc[i].reach);
        hb_attr_push(&hb->bmc[i].power);
    }
}

static void
hb_health_changed(struct bl_heartbeat *hb, bool changed, const char *why)
{
    if (!changed) {
        return;
    }
    qb_log(LOG_NOTICE, "%s: BMC health %s (%s)", hb->local, bl_health_color_name(hb->health.color),
           why);
    hb_attr_want(&hb->health_attr, bl_health_color_name(hb->health.color));
}

void
bl_heartbeat_health_pet(struct bl_heartbeat *hb, const struct bl_pet_event *pet)
{
    char why[96];

    if (!hb->health_conf.enabled || hb->local[0] == '\0') {
        return;
    }
    snprintf(why, sizeof(why), "%s PET, sensor type 0x%02x #%u offset %u%s",
             bl_pet_severity_name(pet->severity), pet->sensor_type, pet->sensor_number,
             pet->event_offset, pet->deassertion ? " deasserted" : "");
    hb_health_changed(hb, bl_health_pet(&hb->health, pet, hb_now()), why);
}

static void
hb_on_sel(const struct bl_sel_record *r, const struct bl_sel_verdict *v, void *ud)
{
    struct bl_heartbeat *hb = ud;
    char why[128];

    if (bl_sel_is_power(r)) {
        qb_log(LOG_INFO, "%s: SEL record 0x%04x: power event (sensor type 0x%02x offset %u)",
               hb->local, r->id, r->sensor_type, r->offset);
        bl_hb_power_event(&hb->sel_bmc->st, BL_HB_EV_SEL_POWER, hb_now());
    }
    if (v->action == BL_SEL_IGNORE) {
        return;
    }
    snprintf(why, sizeof(why), "SEL record 0x%04x: %s%s, sensor type 0x%02x #%u", r->id, v->what,
             r->deassertion ? " deasserted" : "", r->sensor_type, r->sensor_number);
    qb_log(LOG_INFO, "%s: %s", hb->local, why);
    hb_health_changed(hb, bl_health_sel(&hb->health, v, hb_now()), why);
}

void
bl_heartbeat_health_notice(struct bl_heartbeat *hb, uint64_t key)
{
    if (!hb->health_conf.enabled || hb->local[0] == '\0') {
        return;
    }
    hb_health_changed(hb, bl_health_notice(&hb->health, key, hb_now()), "vendor notice");
}

int
bl_heartbeat_power_event(struct bl_heartbeat *hb, const char *node)
{
    for (size_t i = 0; hb != NULL && node != NULL && i < hb->n; i++) {
        if (strcmp(hb->bmc[i].node, node) == 0) {
            bl_hb_power_event(&hb->bmc[i].st, BL_HB_EV_COMMAND, hb_now());
            return BL_OK;
        }
    }
    return -ENOENT;
}

enum bl_health_color
bl_heartbeat_health(const struct bl_heartbeat *hb)
{
    return hb->health.color;
}

size_t
bl_heartbeat_count(const struct bl_heartbeat *hb)
{
    return hb->n;
}

int
bl_heartbeat_get(const struct bl_heartbeat *hb, size_t i, struct bl_hb_status *out)
{
    const struct hb_bmc *b;

    if (i >= hb->n) {
        return -ENOENT;
    }
    b = &hb->bmc[i];
    *out = (struct bl_hb_status){
        .node = b->node,
        .host = b->params.host,
        .port = b->params.port,
        .session_up = b->s != NULL && b->up,
        .reach = b->st.reach,
        .power = b->st.power,
        .silent = b->st.silent,
        .polls = b->st.polls,
        .answers = b->st.answers,
        .errors = b->st.errors,
        .opens = b->opens,
        .rtt = b->st.rtt,
        .now_ns = hb_now(),
    };
    bl_hb_link(&b->st, out->now_ns, &out->link);
    out->n_events = bl_hb_timeline(&b->st, out->timeline);
    if (b->s != NULL) {
        b->ipmi.ops->get_stats(b->s, &out->ipmi);
    }
    out->routed = b->ipmi.ops != hb->ipmi.ops;
    if (hb->sel != NULL && hb->sel_bmc == b) {
        out->sel = true;
        out->sel_rounds = hb->sel->rounds;
        out->sel_records = hb->sel->records;
        out->sel_acted = hb->sel->acted;
        out->sel_errors = hb->sel->errors;
    }
    return BL_OK;
}
