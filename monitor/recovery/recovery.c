/* The recovery state machine of recovery.h: pure, every input carries the time. */
#include "recovery.h"
#include "bl_result.h"

#include <string.h>
#include <strings.h>

static const char *const bl_rec_kind_names[BL_REC_KIND_COUNT] = {
    "failover", "restart", "standby", "stop-cluster", "script", "none",
};

static const char *const bl_rec_result_names[BL_REC_RESULT_COUNT] = {
    "success",
    "timeout",
    "failed",
    "no-node",
};

static const char *const bl_rec_step_names[BL_REC_STEP_COUNT] = {
    "trap",     "ack-sent", "ack-done", "start-sent", "start-done", "apply",
    "applied",  "stopped",  "started",  "no-node",    "timeout",    "end-sent",
    "end-done", "clear",    "cleared",  "busy",       "note",
};

const char *
bl_rec_kind_name(enum bl_rec_kind kind)
{
    return (unsigned) kind < BL_REC_KIND_COUNT ? bl_rec_kind_names[kind] : "?";
}

const char *
bl_rec_result_name(enum bl_rec_result result)
{
    return (unsigned) result < BL_REC_RESULT_COUNT ? bl_rec_result_names[result] : "?";
}

const char *
bl_rec_step_name(enum bl_rec_step step)
{
    return (unsigned) step < BL_REC_STEP_COUNT ? bl_rec_step_names[step] : "?";
}

const char *
bl_rec_phase_name(enum bl_rec_phase phase)
{
    switch (phase) {
        case BL_REC_IDLE:
            return "idle";
        case BL_REC_ACTING:
            return "acting";
        case BL_REC_ENDING:
            return "ending";
        case BL_REC_WAIT_RESET:
            return "wait-reset";
        case BL_REC_CLEARING:
            return "clearing";
    }
    return "?";
}

const char *
bl_rec_msg_name(enum bl_rec_msg m)
{
    switch (m) {
        case BL_REC_MSG_ACK:
            return "pet-ack";
        case BL_REC_MSG_START:
            return "start-notice";
        case BL_REC_MSG_END:
            return "end-notice";
    }
    return "?";
}

int
bl_rec_kind_parse(const char *name, enum bl_rec_kind *out)
{
    for (size_t i = 0; name != NULL && i < BL_REC_KIND_COUNT; i++) {
        if (strcasecmp(name, bl_rec_kind_names[i]) == 0) {
            *out = (enum bl_rec_kind) i;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

bool
bl_rec_kind_clears(enum bl_rec_kind kind)
{
    return kind == BL_REC_FAILOVER || kind == BL_REC_STANDBY;
}

/* Failover and standby are done when Pacemaker shows the target gone, not when the
 * command returns. Stop-cluster is done at whichever comes first: the target seen started
 * elsewhere, or the command's end (the stack is down). Pacemaker stops bmclinkd itself with
 * the stack, and the command waits for that: the observation is what lets the end notice
 * go out first (bld_bmc_drain keeps the daemon until it has). */
static bool
bl_rec_kind_observes(enum bl_rec_kind kind)
{
    return bl_rec_kind_clears(kind) || kind == BL_REC_STOP_CLUSTER;
}

void
bl_rec_init(struct bl_rec *r, const struct bl_rec_settings *set)
{
    memset(r, 0, sizeof(*r));
    r->set = *set;
    r->phase = BL_REC_IDLE;
}

void
bl_rec_note(struct bl_rec *r, enum bl_rec_step step, int rc, const char *detail, uint64_t now)
{
    struct bl_rec_entry *e;

    if (r->n_timeline >= BL_REC_TIMELINE_MAX) {
        r->timeline_full = true; /* the first entries matter most: keep them */
        return;
    }
    e = &r->timeline[r->n_timeline++];
    e->step = step;
    e->t_ns = now;
    e->rc = rc;
    size_t i = 0;
    for (; detail != NULL && detail[i] != '\0' && i < sizeof(e->detail) - 1; i++) {
        e->detail[i] = detail[i]; /* truncates a long detail */
    }
    e->detail[i] = '\0';
}

uint64_t
bl_rec_wake(const struct bl_rec *r)
{
    uint64_t t[4] = {0, 0, 0, 0}, best = 0;

    if (r->phase == BL_REC_ACTING) {
        t[0] = r->deadline_ns;
        t[1] = r->applying ? 0 : r->next_apply_ns;
        t[2] = r->observing ? 0 : r->next_observe_ns;
    } else if (r->phase == BL_REC_WAIT_RESET) {
        t[3] = r->clear_at_ns;
    }
    for (size_t i = 0; i < 4; i++) {
        if (t[i] != 0 && (best == 0 || t[i] < best)) {
            best = t[i];
        }
    }
    return best;
}

static void
bl_rec_out_begin(struct bl_rec_out *out)
{
    memset(out, 0, sizeof(*out));
}

static void
bl_rec_out_finish(const struct bl_rec *r, struct bl_rec_out *out)
{
    out->wake_ns = bl_rec_wake(r);
}

/* Step ⑥: the end notice with the result; late answers of step ⑤ are ignored from now. */
static void
bl_rec_end(struct bl_rec *r, enum bl_rec_result result, uint64_t now, struct bl_rec_out *out)
{
    r->phase = BL_REC_ENDING;
    r->result = result;
    r->stats.results[result]++;
    r->next_apply_ns = 0;
    r->next_observe_ns = 0;
    out->todo |= BL_REC_DO_END; /* END_SENT is recorded when the glue sends it */
    out->result = result;
}

static void
bl_rec_apply(struct bl_rec *r, uint64_t now, struct bl_rec_out *out)
{
    r->applying = true;
    r->next_apply_ns = 0;
    bl_rec_note(r, BL_REC_STEP_APPLY, 0, bl_rec_kind_name(r->set.kind), now);
    out->todo |= BL_REC_DO_APPLY;
    if (r->set.kind == BL_REC_STOP_CLUSTER) {
        r->next_observe_ns = now + r->set.poll_ns; /* while the command runs */
    }
}

static void
bl_rec_observe(struct bl_rec *r, struct bl_rec_out *out)
{
    r->observing = true;
    r->next_observe_ns = 0;
    out->todo |= BL_REC_DO_OBSERVE;
}

/* Attrd must see our set after a delete still in flight: then the set waits for it. */
static void
bl_rec_apply_or_defer(struct bl_rec *r, uint64_t now, struct bl_rec_out *out)
{
    if (r->clearing) {
        r->apply_after_clear = true;
    } else {
        bl_rec_apply(r, now, out);
    }
}

/* A new run: the timeline starts over, the counters stay. */
static void
bl_rec_begin(struct bl_rec *r, const struct bl_rec_notice *n, uint64_t now)
{
    r->notice = *n;
    r->n_timeline = 0;
    r->timeline_full = false;
    r->applying = r->observing = r->seen = r->was_here = r->stopped_seen = false;
    r->next_apply_ns = r->next_observe_ns = r->clear_at_ns = 0;
    r->apply_after_clear = false;
    r->deadline_ns = now + r->set.timeout_ns;
    r->stats.started++;
    bl_rec_note(r, BL_REC_STEP_TRAP, 0, n->is_pet ? "pet" : "notice",
                n->rx_ns != 0 ? n->rx_ns : now);
}

void
bl_rec_fatal(struct bl_rec *r, const struct bl_rec_notice *n, uint64_t now, struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    if (r->phase == BL_REC_ACTING || r->phase == BL_REC_ENDING) {
        r->stats.busy++;
        bl_rec_note(r, BL_REC_STEP_BUSY, 0, "a recovery is running: acknowledged only", now);
        out->todo = n->is_pet ? BL_REC_DO_ACK : 0;
        bl_rec_out_finish(r, out);
        return;
    }
    bl_rec_begin(r, n, now);
    out->todo = (n->is_pet ? BL_REC_DO_ACK : 0) | BL_REC_DO_START;
    if (r->set.kind == BL_REC_NONE) {
        bl_rec_end(r, BL_REC_SUCCESS, now, out);
    } else if (bl_rec_kind_observes(r->set.kind)) {
        r->phase = BL_REC_ACTING;
        bl_rec_observe(r, out); /* where the target runs before anything moves it */
    } else {
        r->phase = BL_REC_ACTING;
        bl_rec_apply_or_defer(r, now, out);
    }
    bl_rec_out_finish(r, out);
}

void
bl_rec_duplicate(struct bl_rec *r, bool is_pet, uint64_t now, struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    out->todo = is_pet ? BL_REC_DO_ACK : 0;
    bl_rec_out_finish(r, out);
}

void
bl_rec_ipmi_sent(struct bl_rec *r, enum bl_rec_msg m, int rc, uint64_t now)
{
    static const enum bl_rec_step steps[] = {BL_REC_STEP_ACK_SENT, BL_REC_STEP_START_SENT,
                                             BL_REC_STEP_END_SENT};

    bl_rec_note(r, steps[m], rc, m == BL_REC_MSG_END ? bl_rec_result_name(r->result) : NULL, now);
}

void
bl_rec_ipmi_done(struct bl_rec *r, enum bl_rec_msg m, int rc, uint64_t now, struct bl_rec_out *out)
{
    static const enum bl_rec_step steps[] = {BL_REC_STEP_ACK_DONE, BL_REC_STEP_START_DONE,
                                             BL_REC_STEP_END_DONE};

    bl_rec_out_begin(out);
    if (rc != 0) {
        r->stats.notice_failures++;
    }
    bl_rec_note(r, steps[m], rc, rc == 0 ? NULL : bl_strerror(rc), now);
    if (m == BL_REC_MSG_END && r->phase == BL_REC_ENDING) {
        r->phase = BL_REC_WAIT_RESET;
        r->clear_at_ns = now + r->set.clear_after_ns;
    }
    bl_rec_out_finish(r, out);
}

static void
bl_rec_apply_failed(struct bl_rec *r, int rc, uint64_t now, struct bl_rec_out *out)
{
    if (bl_rec_kind_observes(r->set.kind) && r->set.kind != BL_REC_STOP_CLUSTER) {
        r->next_apply_ns = now + r->set.poll_ns; /* retried until the deadline */
        return;
    }
    bl_rec_end(r, rc == BL_E_TIMEOUT ? BL_REC_TIMEOUT : BL_REC_FAILED, now, out);
}

void
bl_rec_apply_done(struct bl_rec *r, int rc, const char *detail, uint64_t now,
                  struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    r->applying = false;
    if (r->phase == BL_REC_ACTING) {
        bl_rec_note(r, BL_REC_STEP_APPLIED, rc, detail, now);
        if (rc != 0) {
            bl_rec_apply_failed(r, rc, now, out);
        } else if (r->set.kind == BL_REC_STOP_CLUSTER) {
            bl_rec_end(r, BL_REC_SUCCESS, now, out); /* the stack is down: nothing runs here */
        } else if (bl_rec_kind_observes(r->set.kind)) {
            bl_rec_observe(r, out);
        } else {
            bl_rec_end(r, BL_REC_SUCCESS, now, out);
        }
    }
    bl_rec_out_finish(r, out);
}

/* The target left the node after the action: decide whether the run is over. Pacemaker may
 * be between the stop here and the start elsewhere: that is waited for. */
static void
bl_rec_gone(struct bl_rec *r, const struct bl_rec_observation *obs, uint64_t now,
            struct bl_rec_out *out)
{
    if (!r->stopped_seen) {
        r->stopped_seen = true;
        bl_rec_note(r, BL_REC_STEP_STOPPED, 0, NULL, now);
    }
    if (obs->started_elsewhere) {
        bl_rec_note(r, BL_REC_STEP_STARTED, 0, obs->where, now);
        bl_rec_end(r, BL_REC_SUCCESS, now, out);
    } else if (obs->eligible == 0) {
        bl_rec_note(r, BL_REC_STEP_NO_NODE, 0, "no other node online, out of standby", now);
        bl_rec_end(r, BL_REC_NO_NODE, now, out);
    } else {
        r->next_observe_ns = now + r->set.poll_ns;
    }
}

/* The look before the action: only a target running here is moved. A look that failed
 * cannot tell: act anyway. */
static void
bl_rec_first_look(struct bl_rec *r, int rc, const struct bl_rec_observation *obs, uint64_t now,
                  struct bl_rec_out *out)
{
    r->seen = true;
    r->was_here = rc != 0 || obs == NULL || obs->active_here;
    if (rc == 0 && obs != NULL && !obs->known) {
        bl_rec_note(r, BL_REC_STEP_NOTE, 0, "target unknown to Pacemaker", now);
        bl_rec_end(r, BL_REC_FAILED, now, out);
    } else if (!r->was_here) {
        r->stopped_seen = true;
        bl_rec_note(r, BL_REC_STEP_STOPPED, 0, "was not running here", now);
        bl_rec_end(r, BL_REC_SUCCESS, now, out); /* nothing to move */
    } else {
        bl_rec_apply_or_defer(r, now, out);
    }
}

void
bl_rec_observed(struct bl_rec *r, int rc, const struct bl_rec_observation *obs, uint64_t now,
                struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    r->observing = false;
    if (r->phase != BL_REC_ACTING) {
        bl_rec_out_finish(r, out);
        return;
    }
    if (!r->seen) {
        bl_rec_first_look(r, rc, obs, now, out);
    } else if (rc != 0 || obs == NULL) {
        r->next_observe_ns = now + r->set.poll_ns;
    } else if (!obs->known) {
        bl_rec_note(r, BL_REC_STEP_NOTE, 0, "target unknown to Pacemaker", now);
        bl_rec_end(r, BL_REC_FAILED, now, out);
    } else if (obs->active_here) {
        r->next_observe_ns = now + r->set.poll_ns;
    } else {
        bl_rec_gone(r, obs, now, out);
    }
    bl_rec_out_finish(r, out);
}

void
bl_rec_clear_done(struct bl_rec *r, int rc, uint64_t now, struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    r->clearing = false;
    if (r->phase == BL_REC_CLEARING) {
        bl_rec_note(r, BL_REC_STEP_CLEARED, rc, rc == 0 ? NULL : bl_strerror(rc), now);
        r->phase = BL_REC_IDLE;
    } else if (r->phase == BL_REC_ACTING && r->apply_after_clear) {
        r->apply_after_clear = false; /* a new fatal notice came while clearing */
        bl_rec_apply(r, now, out);
    }
    bl_rec_out_finish(r, out);
}

static void
bl_rec_tick_acting(struct bl_rec *r, uint64_t now, struct bl_rec_out *out)
{
    if (now >= r->deadline_ns) {
        bl_rec_note(r, BL_REC_STEP_TIMEOUT, BL_E_TIMEOUT,
                    r->stopped_seen ? "stopped here, not started elsewhere" : "still active here",
                    now);
        bl_rec_end(r, BL_REC_TIMEOUT, now, out);
        return;
    }
    if (!r->applying && r->next_apply_ns != 0 && now >= r->next_apply_ns) {
        bl_rec_apply(r, now, out);
    }
    if (!r->observing && r->next_observe_ns != 0 && now >= r->next_observe_ns) {
        bl_rec_observe(r, out);
    }
}

static void
bl_rec_tick_wait(struct bl_rec *r, uint64_t now, struct bl_rec_out *out)
{
    if (now < r->clear_at_ns) {
        return;
    }
    if (!bl_rec_kind_clears(r->set.kind)) {
        r->phase = BL_REC_IDLE;
        return;
    }
    r->phase = BL_REC_CLEARING;
    r->clearing = true;
    bl_rec_note(r, BL_REC_STEP_CLEAR, 0, "the node was not reset: undoing the action", now);
    out->todo |= BL_REC_DO_CLEAR;
}

void
bl_rec_tick(struct bl_rec *r, uint64_t now, struct bl_rec_out *out)
{
    bl_rec_out_begin(out);
    if (r->phase == BL_REC_ACTING) {
        bl_rec_tick_acting(r, now, out);
    } else if (r->phase == BL_REC_WAIT_RESET) {
        bl_rec_tick_wait(r, now, out);
    }
    bl_rec_out_finish(r, out);
}
