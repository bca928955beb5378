/* The recovery's glue (recovery_run.h): state machine outputs into IPMI and Pacemaker calls. */
#include "recovery_run.h"
#include "bl_log.h"
#include "bl_result.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Each outside call carries one of these as its user data, so a reply names its step and a
 * cancellation finds every call of this recovery. */
enum rr_what {
    RR_ACK = 0,
    RR_START,
    RR_END,
    RR_APPLY,
    RR_OBSERVE,
    RR_CLEAR,
    RR_ACK_ONLY, /* a recoverable PET: acknowledged outside any recovery */
    RR_WHAT_COUNT,
};

struct rr_tag {
    struct bl_recovery *rr;
    enum rr_what what;
};

struct bl_recovery {
    GMainContext *ctx;
    char node[BL_REC_NAME_MAX];
    struct bl_recovery_config cfg;
    struct bl_heartbeat *hb;
    struct bl_pcmk_client pcmk;
    bl_recovery_step_fn on_step;
    void *ud;
    struct bl_rec rec;
    size_t reported;       /* timeline entries passed to on_step / the log */
    uint64_t reported_run; /* ... of this run (rec.stats.started) */
    uint8_t ack[BL_PET_ACK_LEN];
    uint16_t sequence;
    uint8_t severity;
    struct rr_tag tag[RR_WHAT_COUNT];
    GSource *timer;
    bool closing;
};

static uint64_t
rr_now(void)
{
    return (uint64_t) g_get_monotonic_time() * 1000ull;
}

/* The receiver stamps datagrams with CLOCK_REALTIME; the machine counts in monotonic time. */
static uint64_t
rr_rx_mono(uint64_t rx_ns, uint64_t now)
{
    struct timespec ts;
    uint64_t real;

    if (rx_ns == 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return now;
    }
    real = (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
    return real >= rx_ns && real - rx_ns < now ? now - (real - rx_ns) : now;
}

/* New timeline entries: to the log and the observer. */
static void
rr_report(struct bl_recovery *rr)
{
    const struct bl_rec *r = &rr->rec;
    uint64_t t0 = r->n_timeline > 0 ? r->timeline[0].t_ns : 0;

    if (rr->reported_run != r->stats.started) {
        rr->reported_run = r->stats.started; /* a new run: its timeline starts over */
        rr->reported = 0;
    }
    for (; rr->reported < r->n_timeline; rr->reported++) {
        const struct bl_rec_entry *e = &r->timeline[rr->reported];
        int prio = e->rc != 0 || e->step == BL_REC_STEP_TIMEOUT || e->step == BL_REC_STEP_NO_NODE
                       ? LOG_WARNING
                       : LOG_NOTICE;

        qb_log(prio, "recovery of %s: +%.3f ms %s%s%s%s%s", rr->node, (double) (e->t_ns - t0) / 1e6,
               bl_rec_step_name(e->step), e->detail[0] != '\0' ? " " : "", e->detail,
               e->rc != 0 ? ": " : "", e->rc != 0 ? bl_strerror(e->rc) : "");
        if (rr->on_step != NULL) {
            rr->on_step(e, t0, rr->ud);
        }
    }
}

static void rr_do(struct bl_recovery *rr, const struct bl_rec_out *out);

/* ---- IPMI: the notices ---- */

static enum bl_rec_msg
rr_msg(enum rr_what what)
{
    return what == RR_ACK ? BL_REC_MSG_ACK : what == RR_START ? BL_REC_MSG_START : BL_REC_MSG_END;
}

static void
rr_on_notice(int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct rr_tag *tag = ud;
    struct bl_recovery *rr = tag->rr;
    struct bl_rec_out out;

    if (rr->closing) {
        return;
    }
    if (rc == BL_OK) {
        rc = bl_ipmi_reply_check(rsp, len, 1, NULL); /* a refusing BMC is a failed notice */
    }
    if (rc == BL_OK && tag->what == RR_END) {
        (void) bl_heartbeat_power_event(rr->hb, rr->node); /* the BMC resets the node now */
    }
    bl_rec_ipmi_done(&rr->rec, rr_msg(tag->what), rc, rr_now(), &out);
    rr_do(rr, &out);
}

static void
rr_notice(struct bl_recovery *rr, enum rr_what what, const struct bl_notice_cmd *cmd,
          const uint8_t *extra, size_t extra_len)
{
    uint8_t data[BL_NOTICE_DATA_MAX + BL_PET_ACK_LEN];
    size_t len = cmd->len;
    int rc;

    memcpy(data, cmd->data, cmd->len);
    if (extra_len > 0) {
        memcpy(data + len, extra, extra_len);
        len += extra_len;
    }
    rc = bl_heartbeat_send(rr->hb, rr->node, cmd->netfn, cmd->cmd, data, len,
                           rr->cfg.notice_timeout_ms, rr_on_notice, &rr->tag[what]);
    bl_rec_ipmi_sent(&rr->rec, rr_msg(what), rc, rr_now());
    if (rc != BL_OK) {
        struct bl_rec_out out;
        bl_rec_ipmi_done(&rr->rec, rr_msg(what), rc, rr_now(), &out);
        rr_do(rr, &out);
    }
}

static void
rr_send_ack(struct bl_recovery *rr)
{
    static const struct bl_notice_cmd ack = {
        BL_IPMI_NETFN_SENSOR_EVENT, BL_IPMI_CMD_PET_ACK, 0, {0}};

    if (rr->cfg.pet_ack) {
        rr_notice(rr, RR_ACK, &ack, rr->ack, sizeof(rr->ack));
    }
}

static void
rr_on_ack_only(int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct rr_tag *tag = ud;

    if (rc == BL_OK) {
        rc = bl_ipmi_reply_check(rsp, len, 1, NULL);
    }
    if (!tag->rr->closing && rc != BL_OK) {
        qb_log(LOG_WARNING, "recovery of %s: PET Acknowledge of a recoverable notice: %s",
               tag->rr->node, bl_strerror(rc));
    }
}

/* Recoverable PETs are acknowledged too, so the BMC stops resending them. */
static void
rr_ack_recoverable(struct bl_recovery *rr, const struct bl_pet_event *pet)
{
    uint8_t ack[BL_PET_ACK_LEN];
    int rc;

    if (!rr->cfg.pet_ack) {
        return;
    }
    bl_pet_ack_build(pet, ack);
    rc = bl_heartbeat_send(rr->hb, rr->node, BL_IPMI_NETFN_SENSOR_EVENT, BL_IPMI_CMD_PET_ACK, ack,
                           sizeof(ack), rr->cfg.notice_timeout_ms, rr_on_ack_only,
                           &rr->tag[RR_ACK_ONLY]);
    if (rc != BL_OK) {
        qb_log(LOG_WARNING, "recovery of %s: cannot acknowledge a recoverable notice: %s", rr->node,
               bl_strerror(rc));
    }
}

static void
rr_send_end(struct bl_recovery *rr, enum bl_rec_result result)
{
    uint8_t code = rr->cfg.end_codes[result];

    rr_notice(rr, RR_END, &rr->cfg.end, &code, rr->cfg.end_result_byte ? 1 : 0);
}

/* ---- Pacemaker: the action, the observations, the clean-up ---- */

static void
rr_on_apply(int rc, const char *detail, void *ud)
{
    struct rr_tag *tag = ud;
    struct bl_rec_out out;

    if (tag->rr->closing || rc == -ECANCELED) {
        return;
    }
    bl_rec_apply_done(&tag->rr->rec, rc, detail, rr_now(), &out);
    rr_do(tag->rr, &out);
}

static void
rr_on_clear(int rc, const char *detail, void *ud)
{
    struct rr_tag *tag = ud;
    struct bl_rec_out out;

    if (tag->rr->closing || rc == -ECANCELED) {
        return;
    }
    bl_rec_clear_done(&tag->rr->rec, rc, rr_now(), &out);
    rr_do(tag->rr, &out);
}

static void
rr_on_status(int rc, const struct bl_pcmk_status *st, void *ud)
{
    struct rr_tag *tag = ud;
    struct bl_recovery *rr = tag->rr;
    struct bl_rec_observation obs;
    struct bl_rec_out out;

    if (rr->closing || rc == -ECANCELED) {
        return;
    }
    if (rc == BL_OK) {
        bl_pcmk_locate(st, rr->cfg.target, rr->node, &obs);
    }
    bl_rec_observed(&rr->rec, rc, rc == BL_OK ? &obs : NULL, rr_now(), &out);
    rr_do(rr, &out);
}

/* BMCLINK_* for the script and the stop command. */
static char **
rr_env(const struct bl_recovery *rr)
{
    GPtrArray *env = g_ptr_array_new();

    g_ptr_array_add(env, g_strdup_printf("BMCLINK_NODE=%s", rr->node));
    g_ptr_array_add(env, g_strdup_printf("BMCLINK_TARGET=%s", rr->cfg.target));
    g_ptr_array_add(env, g_strdup_printf("BMCLINK_PET_SEQUENCE=%u", rr->sequence));
    g_ptr_array_add(env,
                    g_strdup_printf("BMCLINK_SEVERITY=%s", bl_pet_severity_name(rr->severity)));
    g_ptr_array_add(env, g_strdup_printf("BMCLINK_TIMEOUT_MS=%llu",
                                         (unsigned long long) (rr->cfg.set.timeout_ns / 1000000)));
    g_ptr_array_add(env, NULL);
    return (char **) g_ptr_array_free(env, FALSE);
}

static int
rr_apply_call(struct bl_recovery *rr)
{
    const struct bl_pcmk_ops *ops = rr->pcmk.ops;
    unsigned timeout_ms = (unsigned) (rr->cfg.set.timeout_ns / 1000000);
    struct rr_tag *tag = &rr->tag[RR_APPLY];
    g_auto(GStrv) env = rr_env(rr);
    const char *script[] = {rr->cfg.script, NULL};

    switch (rr->cfg.set.kind) {
        case BL_REC_FAILOVER:
            return ops->attr_set(rr->pcmk.be, rr->node, rr->cfg.attribute, "1", rr_on_apply, tag);
        case BL_REC_STANDBY:
            return ops->standby(rr->pcmk.be, rr->node, true, rr_on_apply, tag);
        case BL_REC_RESTART:
            return ops->restart(rr->pcmk.be, rr->cfg.target, timeout_ms, rr_on_apply, tag);
        case BL_REC_STOP_CLUSTER:
            return ops->run(rr->pcmk.be, (const char *const *) rr->cfg.stop_argv,
                            (const char *const *) env, timeout_ms, rr_on_apply, tag);
        case BL_REC_SCRIPT:
            return ops->run(rr->pcmk.be, script, (const char *const *) env, timeout_ms, rr_on_apply,
                            tag);
        default:
            return BL_E_INVALID;
    }
}

static void
rr_apply(struct bl_recovery *rr)
{
    int rc = rr_apply_call(rr);
    struct bl_rec_out out;

    if (rc != BL_OK) {
        bl_rec_apply_done(&rr->rec, rc, "could not start", rr_now(), &out);
        rr_do(rr, &out);
    }
}

static void
rr_observe(struct bl_recovery *rr)
{
    int rc = rr->pcmk.ops->status(rr->pcmk.be, rr_on_status, &rr->tag[RR_OBSERVE]);
    struct bl_rec_out out;

    if (rc != BL_OK) {
        bl_rec_observed(&rr->rec, rc, NULL, rr_now(), &out);
        rr_do(rr, &out);
    }
}

static void
rr_clear(struct bl_recovery *rr)
{
    const struct bl_pcmk_ops *ops = rr->pcmk.ops;
    struct rr_tag *tag = &rr->tag[RR_CLEAR];
    struct bl_rec_out out;
    int rc = rr->cfg.set.kind == BL_REC_STANDBY
                 ? ops->standby(rr->pcmk.be, rr->node, false, rr_on_clear, tag)
                 : ops->attr_set(rr->pcmk.be, rr->node, rr->cfg.attribute, NULL, rr_on_clear, tag);

    if (rc != BL_OK) {
        bl_rec_clear_done(&rr->rec, rc, rr_now(), &out);
        rr_do(rr, &out);
    }
}

/* ---- carrying out the machine's requests ---- */

static void
rr_arm(struct bl_recovery *rr, uint64_t wake_ns)
{
    g_source_set_ready_time(rr->timer, wake_ns == 0 ? -1 : (gint64) (wake_ns / 1000ull));
}

static void
rr_do(struct bl_recovery *rr, const struct bl_rec_out *out)
{
    rr_report(rr);
    if ((out->todo & BL_REC_DO_ACK) != 0) {
        rr_send_ack(rr);
    }
    if ((out->todo & BL_REC_DO_START) != 0) {
        rr_notice(rr, RR_START, &rr->cfg.start, NULL, 0);
    }
    if ((out->todo & BL_REC_DO_APPLY) != 0) {
        rr_apply(rr);
    }
    if ((out->todo & BL_REC_DO_OBSERVE) != 0) {
        rr_observe(rr);
    }
    if ((out->todo & BL_REC_DO_END) != 0) {
        rr_send_end(rr, out->result);
    }
    if ((out->todo & BL_REC_DO_CLEAR) != 0) {
        rr_clear(rr);
    }
    rr_report(rr);
    rr_arm(rr, bl_rec_wake(&rr->rec)); /* not out->wake_ns: a nested call may be newer */
}

static gboolean
rr_on_timer(gpointer data)
{
    struct bl_recovery *rr = data;
    struct bl_rec_out out;

    g_source_set_ready_time(rr->timer, -1);
    bl_rec_tick(&rr->rec, rr_now(), &out);
    rr_do(rr, &out);
    return G_SOURCE_CONTINUE;
}

static gboolean
rr_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    return cb(data);
}

static GSourceFuncs rr_source_funcs = {.dispatch = rr_dispatch};

void
bl_recovery_trap(struct bl_recovery *rr, const struct bl_trap_event *ev, uint64_t rx_ns)
{
    uint64_t now = rr_now();
    struct bl_rec_notice n = {.is_pet = ev->is_pet, .rx_ns = rr_rx_mono(rx_ns, now)};
    struct bl_rec_out out;

    if (ev->verdict == BL_TRAP_RECOVERABLE) {
        if (ev->is_pet) {
            rr_ack_recoverable(rr, &ev->pet);
            bl_heartbeat_health_pet(rr->hb, &ev->pet);
        } else {
            bl_heartbeat_health_notice(rr->hb, ev->key);
        }
        return;
    }
    if (ev->verdict != BL_TRAP_FATAL && ev->verdict != BL_TRAP_DUPLICATE) {
        return;
    }
    if (ev->is_pet) {
        bl_pet_ack_build(&ev->pet, rr->ack); /* the latest notice is the one acknowledged */
        n.sequence = ev->pet.sequence;
    }
    if (ev->verdict == BL_TRAP_DUPLICATE) {
        bl_rec_duplicate(&rr->rec, ev->is_pet, now, &out);
    } else {
        rr->sequence = n.sequence;
        rr->severity = ev->is_pet ? ev->pet.severity : 0;
        bl_rec_fatal(&rr->rec, &n, now, &out);
    }
    rr_do(rr, &out);
}

/* ---- life cycle ---- */

int
bl_recovery_new(const struct bl_recovery_params *p, struct bl_recovery **out)
{
    struct bl_recovery *rr;

    if (p == NULL || p->node == NULL || p->node[0] == '\0' || p->cfg == NULL || p->hb == NULL ||
        p->pcmk.ops == NULL || out == NULL || strlen(p->node) >= BL_REC_NAME_MAX) {
        return BL_E_INVALID;
    }
    rr = g_new0(struct bl_recovery, 1);
    rr->ctx = g_main_context_ref(p->ctx != NULL ? p->ctx : g_main_context_default());
    g_strlcpy(rr->node, p->node, sizeof(rr->node));
    rr->cfg = *p->cfg;
    rr->cfg.stop_argv = g_strdupv(p->cfg->stop_argv);
    rr->hb = p->hb;
    rr->pcmk = p->pcmk;
    rr->on_step = p->on_step;
    rr->ud = p->ud;
    bl_rec_init(&rr->rec, &rr->cfg.set);
    for (size_t i = 0; i < RR_WHAT_COUNT; i++) {
        rr->tag[i] = (struct rr_tag){rr, (enum rr_what) i};
    }
    rr->timer = g_source_new(&rr_source_funcs, sizeof(GSource));
    g_source_set_callback(rr->timer, rr_on_timer, rr, NULL);
    g_source_set_ready_time(rr->timer, -1);
    g_source_attach(rr->timer, rr->ctx);
    (void) bl_heartbeat_prepare(rr->hb, rr->node); /* the start notice must not wait */
    *out = rr;
    return BL_OK;
}

void
bl_recovery_free(struct bl_recovery *rr)
{
    if (rr == NULL) {
        return;
    }
    rr->closing = true;
    for (size_t i = 0; i < RR_WHAT_COUNT; i++) {
        bl_heartbeat_cancel(rr->hb, &rr->tag[i]);
        rr->pcmk.ops->cancel(rr->pcmk.be, &rr->tag[i]);
    }
    g_source_destroy(rr->timer);
    g_source_unref(rr->timer);
    g_strfreev(rr->cfg.stop_argv);
    g_main_context_unref(rr->ctx);
    g_free(rr);
}

const struct bl_rec *
bl_recovery_machine(const struct bl_recovery *rr)
{
    return &rr->rec;
}

void
bl_recovery_format(const struct bl_recovery *rr, GString *out)
{
    const struct bl_rec *r = &rr->rec;
    uint64_t t0 = r->n_timeline > 0 ? r->timeline[0].t_ns : 0;

    g_string_append_printf(out, "recovery of %s: %s, action %s, target %s\n", rr->node,
                           bl_rec_phase_name(r->phase), bl_rec_kind_name(r->set.kind),
                           rr->cfg.target[0] != '\0' ? rr->cfg.target : "-");
    for (size_t i = 0; i < r->n_timeline; i++) {
        const struct bl_rec_entry *e = &r->timeline[i];

        g_string_append_printf(out, "  +%10.3f ms %-11s rc=%d %s\n", (double) (e->t_ns - t0) / 1e6,
                               bl_rec_step_name(e->step), e->rc, e->detail);
    }
}
