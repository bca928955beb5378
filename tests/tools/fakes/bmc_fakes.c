/* The fakes of bmc_fakes.h. */
#include "bmc_fakes.h"
#include "bl_result.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- BMCs ---- */

struct bl_ipmi_session {
    struct fake_bmcs *f;
    struct fake_host *h;
    bl_ipmi_state_cb cb;
    void *ud;
    GSource *open_src;
    GList *reqs; /* struct fake_msg * */
};

struct fake_msg {
    bl_ipmi_session *s;
    bl_ipmi_rsp_cb cb;
    void *ud;
    uint8_t rsp[8];
    size_t len;
    GSource *src;
};

void
fake_bmcs_init(struct fake_bmcs *f)
{
    memset(f, 0, sizeof(*f));
}

void
fake_bmcs_clear(struct fake_bmcs *f)
{
    g_assert(f->sessions == NULL);
    for (size_t i = 0; i < f->n; i++) {
        g_ptr_array_free(f->host[i].reqs, TRUE);
    }
    f->n = 0;
}

struct fake_host *
fake_bmcs_add(struct fake_bmcs *f, const char *host)
{
    struct fake_host *h = &f->host[f->n++];

    g_assert(f->n <= FAKE_HOSTS_MAX);
    memset(h, 0, sizeof(*h));
    g_strlcpy(h->host, host, sizeof(h->host));
    h->power_on = true;
    h->reqs = g_ptr_array_new_with_free_func(g_free);
    return h;
}

struct fake_host *
fake_bmcs_find(struct fake_bmcs *f, const char *host)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->host[i].host, host) == 0) {
            return &f->host[i];
        }
    }
    return NULL;
}

unsigned
fake_host_count(const struct fake_host *h, const char *prefix)
{
    unsigned n = 0;

    for (size_t i = 0; i < h->reqs->len; i++) {
        n += g_str_has_prefix(h->reqs->pdata[i], prefix) ? 1 : 0;
    }
    return n;
}

static GSource *
fake_idle(GSourceFunc fn, gpointer data)
{
    GSource *src = g_idle_source_new();

    g_source_set_callback(src, fn, data, NULL);
    g_source_attach(src, NULL);
    return src;
}

static gboolean
fake_open_done(gpointer data)
{
    bl_ipmi_session *s = data;

    g_source_unref(s->open_src);
    s->open_src = NULL;
    s->cb(s, s->h->open_rc, s->ud);
    return G_SOURCE_REMOVE;
}

static int
fake_open(void *backend, const struct bl_ipmi_params *p, bl_ipmi_state_cb cb, void *ud,
          bl_ipmi_session **out)
{
    struct fake_bmcs *f = backend;
    struct fake_host *h = fake_bmcs_find(f, p->host);
    bl_ipmi_session *s;

    if (h == NULL) {
        return BL_E_UNREACHABLE;
    }
    h->opens++;
    s = g_new0(bl_ipmi_session, 1);
    *s = (bl_ipmi_session){.f = f, .h = h, .cb = cb, .ud = ud};
    s->open_src = fake_idle(fake_open_done, s);
    f->sessions = g_list_prepend(f->sessions, s);
    *out = s;
    return BL_OK;
}

static gboolean
fake_msg_done(gpointer data)
{
    struct fake_msg *m = data;

    m->s->reqs = g_list_remove(m->s->reqs, m);
    g_source_unref(m->src);
    m->cb(m->s, BL_OK, m->rsp, m->len, m->ud);
    g_free(m);
    return G_SOURCE_REMOVE;
}

static void
fake_record(struct fake_host *h, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "%02x:%02x", netfn, cmd);
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(s, ":%02x", data[i]);
    }
    g_ptr_array_add(h->reqs, g_string_free(s, FALSE));
    h->last_req_us = g_get_monotonic_time();
}

static int
fake_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
          bl_ipmi_rsp_cb cb, void *ud)
{
    struct fake_msg *m;

    if (cb == NULL) {
        return BL_E_INVALID;
    }
    fake_record(s->h, netfn, cmd, data, len);
    m = g_new0(struct fake_msg, 1);
    *m = (struct fake_msg){.s = s, .cb = cb, .ud = ud, .len = 1};
    if (netfn == BL_IPMI_NETFN_CHASSIS && cmd == BL_IPMI_CMD_GET_CHASSIS_STATUS) {
        m->rsp[1] = s->h->power_on ? 0x01 : 0x00;
        m->len = 4;
    } else {
        m->rsp[0] = s->h->notice_cc;
    }
    s->reqs = g_list_prepend(s->reqs, m);
    if (!s->h->silent) {
        m->src = fake_idle(fake_msg_done, m);
    }
    return BL_OK;
}

static void
fake_close(bl_ipmi_session *s)
{
    if (s == NULL) {
        return;
    }
    s->h->closes++;
    s->f->sessions = g_list_remove(s->f->sessions, s);
    if (s->open_src != NULL) {
        g_source_destroy(s->open_src);
        g_source_unref(s->open_src);
    }
    while (s->reqs != NULL) {
        struct fake_msg *m = s->reqs->data;

        s->reqs = g_list_delete_link(s->reqs, s->reqs);
        if (m->src != NULL) {
            g_source_destroy(m->src);
            g_source_unref(m->src);
        }
        m->cb(s, -ECANCELED, NULL, 0, m->ud);
        g_free(m);
    }
    g_free(s);
}

void
fake_bmcs_lose(struct fake_bmcs *f, const char *host)
{
    for (GList *l = f->sessions; l != NULL; l = l->next) {
        bl_ipmi_session *s = l->data;
        if (strcmp(s->h->host, host) == 0) {
            s->cb(s, BL_E_TIMEOUT, s->ud);
        }
    }
}

static void
fake_stats(bl_ipmi_session *s, struct bl_ipmi_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->tx_packets = s->h->reqs->len;
}

static const struct bl_ipmi_ops fake_bmcs_ops = {
    .name = "fake-bmcs",
    .open = fake_open,
    .send = fake_send,
    .close = fake_close,
    .get_stats = fake_stats,
};

void
fake_bmcs_client(struct fake_bmcs *f, struct bl_ipmi_client *out)
{
    out->ops = &fake_bmcs_ops;
    out->backend = f;
}

void
fake_node_init(struct bl_bmc_node *n, const char *name, const char *host)
{
    g_strlcpy(n->node, name, sizeof(n->node));
    bl_ipmi_params_init(&n->ipmi);
    g_strlcpy(n->ipmi.host, host, sizeof(n->ipmi.host));
    g_strlcpy(n->ipmi.username, "admin", sizeof(n->ipmi.username));
    g_strlcpy(n->ipmi.password, "pw", sizeof(n->ipmi.password));
}

/* ---- Pacemaker ---- */

struct fake_call {
    struct fake_pcmk *p;
    int rc;
    bl_pcmk_done_fn done;
    bl_pcmk_status_fn status;
    void *ud;
    GSource *src; /* NULL while held */
};

void
fake_pcmk_init(struct fake_pcmk *p)
{
    memset(p, 0, sizeof(*p));
    p->log = g_ptr_array_new_with_free_func(g_free);
    p->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
fake_pcmk_clear(struct fake_pcmk *p)
{
    g_assert(p->pending == NULL);
    g_ptr_array_free(p->log, TRUE);
    g_hash_table_destroy(p->attrs);
    g_free(p->status_xml);
    if (p->status_seq != NULL) {
        g_ptr_array_free(p->status_seq, TRUE);
    }
}

void
fake_pcmk_status_seq(struct fake_pcmk *p, const char *const *docs)
{
    if (p->status_seq != NULL) {
        g_ptr_array_free(p->status_seq, TRUE);
    }
    p->status_seq = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; docs[i] != NULL; i++) {
        g_ptr_array_add(p->status_seq, g_strdup(docs[i]));
    }
    p->status_calls = 0;
}

static const char *
fake_status_doc(struct fake_pcmk *p)
{
    size_t i;

    if (p->status_seq == NULL || p->status_seq->len == 0) {
        return p->status_xml;
    }
    i = MIN(p->status_calls, p->status_seq->len - 1);
    p->status_calls++;
    return p->status_seq->pdata[i];
}

unsigned
fake_pcmk_count(const struct fake_pcmk *p, const char *prefix)
{
    unsigned n = 0;

    for (size_t i = 0; i < p->log->len; i++) {
        n += g_str_has_prefix(p->log->pdata[i], prefix) ? 1 : 0;
    }
    return n;
}

const char *
fake_pcmk_attr(const struct fake_pcmk *p, const char *node, const char *name)
{
    g_autofree char *key = g_strdup_printf("%s %s", node, name);

    return g_hash_table_lookup(p->attrs, key);
}

static void
fake_call_finish(struct fake_call *c)
{
    struct bl_pcmk_status st = {0};
    const char *xml = c->status != NULL ? fake_status_doc(c->p) : NULL;
    int rc = c->rc;

    c->p->pending = g_list_remove(c->p->pending, c);
    if (c->status != NULL) {
        rc = xml != NULL ? bl_pcmk_status_parse(xml, strlen(xml), &st) : -EIO;
        c->status(rc, rc == BL_OK ? &st : NULL, c->ud);
        bl_pcmk_status_clear(&st);
    } else {
        c->done(rc, rc == BL_OK ? "exit 0" : "exit 1: fake failure", c->ud);
    }
    g_free(c);
}

static gboolean
fake_call_idle(gpointer data)
{
    struct fake_call *c = data;

    g_source_unref(c->src);
    fake_call_finish(c);
    return G_SOURCE_REMOVE;
}

static int
fake_call(struct fake_pcmk *p, char *line, int rc, bool hold, bl_pcmk_done_fn done,
          bl_pcmk_status_fn status, void *ud)
{
    struct fake_call *c = g_new0(struct fake_call, 1);

    g_ptr_array_add(p->log, line);
    *c = (struct fake_call){.p = p, .rc = rc, .done = done, .status = status, .ud = ud};
    p->pending = g_list_append(p->pending, c);
    if (!hold) {
        c->src = fake_idle(fake_call_idle, c);
    }
    return BL_OK;
}

static int
fake_attr_set(void *be, const char *node, const char *attr, const char *value, bl_pcmk_done_fn cb,
              void *ud)
{
    struct fake_pcmk *p = be;
    int rc = p->attr_rc;

    if (p->attr_fail > 0) {
        p->attr_fail--;
        rc = -EIO;
    }
    if (rc == BL_OK && value != NULL) {
        g_hash_table_replace(p->attrs, g_strdup_printf("%s %s", node, attr), g_strdup(value));
    } else if (rc == BL_OK) {
        g_autofree char *key = g_strdup_printf("%s %s", node, attr);
        g_hash_table_remove(p->attrs, key);
    }
    return fake_call(p, g_strdup_printf("attr %s %s %s", node, attr, value ? value : "-"), rc,
                     false, cb, NULL, ud);
}

static int
fake_standby(void *be, const char *node, bool on, bl_pcmk_done_fn cb, void *ud)
{
    struct fake_pcmk *p = be;

    return fake_call(p, g_strdup_printf("standby %s %s", node, on ? "on" : "off"), p->standby_rc,
                     false, cb, NULL, ud);
}

static int
fake_status(void *be, bl_pcmk_status_fn cb, void *ud)
{
    return fake_call(be, g_strdup("status"), 0, false, NULL, cb, ud);
}

static int
fake_restart(void *be, const char *rsc, unsigned timeout_ms, bl_pcmk_done_fn cb, void *ud)
{
    struct fake_pcmk *p = be;

    return fake_call(p, g_strdup_printf("restart %s", rsc), p->restart_rc, p->hold_run, cb, NULL,
                     ud);
}

static int
fake_run(void *be, const char *const *argv, const char *const *env, unsigned timeout_ms,
         bl_pcmk_done_fn cb, void *ud)
{
    struct fake_pcmk *p = be;
    g_autofree char *args = g_strjoinv(" ", (char **) argv);
    g_autofree char *envs = env != NULL ? g_strjoinv(" ", (char **) env) : g_strdup("");

    return fake_call(p, g_strdup_printf("run %s [%s]", args, envs), p->run_rc, p->hold_run, cb,
                     NULL, ud);
}

static void
fake_cancel(void *be, void *ud)
{
    struct fake_pcmk *p = be;
    GList *l = p->pending;

    while (l != NULL) {
        GList *next = l->next;
        struct fake_call *c = l->data;

        if (c->ud == ud) {
            if (c->src != NULL) {
                g_source_destroy(c->src);
                g_source_unref(c->src);
            }
            c->rc = -ECANCELED;
            fake_call_finish(c);
        }
        l = next;
    }
}

static const struct bl_pcmk_ops fake_pcmk_ops = {
    .name = "fake-pcmk",
    .attr_set = fake_attr_set,
    .standby = fake_standby,
    .status = fake_status,
    .restart = fake_restart,
    .run = fake_run,
    .cancel = fake_cancel,
};

void
fake_pcmk_client(struct fake_pcmk *p, struct bl_pcmk_client *out)
{
    out->ops = &fake_pcmk_ops;
    out->be = p;
}

/* ---- the loop ---- */

static gboolean
fake_wake(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

bool
fake_run_until(bool (*done)(void *ud), void *ud, unsigned ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) ms * 1000;
    GSource *tick = g_timeout_source_new(5);
    bool ok;

    g_source_set_callback(tick, fake_wake, NULL, NULL);
    g_source_attach(tick, NULL);
    while (!(ok = done != NULL && done(ud)) && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, TRUE);
    }
    g_source_destroy(tick);
    g_source_unref(tick);
    return ok;
}

void
fake_run_for(unsigned ms)
{
    (void) fake_run_until(NULL, NULL, ms);
}
