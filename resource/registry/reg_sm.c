/*
 * The replication state machine's inputs, writes and actions; sync rounds are in
 * reg_sm_round.c. See reg_sm.h for the protocol.
 */
#include <errno.h>
#include <string.h>

#include "bl_result.h"
#include "reg_sm_int.h"

#define WRITES_OUT_MAX 2 /* WRITE messages of ours on their way before we hold the next */

static void
write_free(struct sm_write *w)
{
    if (w != NULL) {
        g_byte_array_unref(w->bytes);
        g_free(w);
    }
}

void
bl_reg_sm_new(const struct bl_reg_sm_init *init, struct bl_reg_sm **out)
{
    struct bl_reg_sm *sm = g_new0(struct bl_reg_sm, 1);

    sm->nodeid = init->nodeid;
    sm->pid = init->pid;
    sm->nonce = init->nonce_seed;
    sm->snap_max = init->snapshot_max > 0 ? init->snapshot_max : BL_REG_SNAPSHOT_MAX;
    sm->ack_timeout_ms = init->ack_timeout_ms;
    sm->cur = init->state;
    sm->durable_gen = init->state.gen;
    sm->applied_sent = init->state.gen;
    sm->state = BL_REG_SM_JOINING;
    sm->members = g_array_new(FALSE, TRUE, sizeof(struct sm_member));
    sm->unfenced = g_array_new(FALSE, TRUE, sizeof(struct bl_reg_unfenced));
    g_queue_init(&sm->inflight);
    g_queue_init(&sm->unstable);
    g_queue_init(&sm->parked);
    g_queue_init(&sm->actions);
    *out = sm;
}

void
bl_reg_sm_set_self(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid)
{
    sm->nodeid = nodeid;
    sm->pid = pid;
}

static void
action_free(gpointer p)
{
    bl_reg_action_clear(p);
    g_free(p);
}

void
bl_reg_sm_free(struct bl_reg_sm *sm)
{
    if (sm == NULL) {
        return;
    }
    g_queue_clear_full(&sm->inflight, (GDestroyNotify) write_free);
    g_queue_clear_full(&sm->unstable, (GDestroyNotify) write_free);
    g_queue_clear_full(&sm->parked, (GDestroyNotify) write_free);
    g_queue_clear_full(&sm->actions, action_free);
    bl_reg_ops_clear(&sm->snap);
    g_array_free(sm->members, TRUE);
    if (sm->last_quorate != NULL) {
        g_array_free(sm->last_quorate, TRUE);
    }
    g_array_free(sm->unfenced, TRUE);
    g_free(sm->status_buf);
    g_free(sm);
}

void
bl_reg_action_clear(struct bl_reg_action *a)
{
    if (a == NULL) {
        return;
    }
    if (a->bytes != NULL) {
        g_byte_array_unref(a->bytes);
    }
    bl_reg_ops_clear(&a->ops);
    g_free(a->targets);
    memset(a, 0, sizeof(*a));
}

struct bl_reg_action *
bl_reg_sm_push(struct bl_reg_sm *sm, enum bl_reg_action_kind kind)
{
    struct bl_reg_action *a = g_new0(struct bl_reg_action, 1);

    a->kind = kind;
    g_queue_push_tail(&sm->actions, a);
    return a;
}

bool
bl_reg_sm_next(struct bl_reg_sm *sm, struct bl_reg_action *out)
{
    struct bl_reg_action *a = g_queue_pop_head(&sm->actions);

    if (a == NULL) {
        return false;
    }
    *out = *a;
    g_free(a);
    return true;
}

void
bl_reg_sm_mcast(struct bl_reg_sm *sm, const struct bl_reg_msg *m)
{
    struct bl_reg_action *a = bl_reg_sm_push(sm, BL_REG_ACT_MCAST);

    a->bytes = g_byte_array_new();
    (void) bl_reg_msg_encode(m, a->bytes);
}

void
bl_reg_sm_set_state(struct bl_reg_sm *sm, enum bl_reg_sm_state st)
{
    if (sm->state != st) {
        sm->state = st;
        bl_reg_sm_push(sm, BL_REG_ACT_STATE)->sm_state = st;
    }
}

guint
bl_reg_sm_distinct_nodes(const struct bl_reg_sm *sm)
{
    guint k = 0;

    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        k += i == 0 || m->nodeid != (m - 1)->nodeid; /* sorted by nodeid */
    }
    return k;
}

bool
bl_reg_sm_locally_quorate(const struct bl_reg_sm *sm)
{
    guint nodes = bl_reg_sm_distinct_nodes(sm);

    if (sm->q_quorate == false || sm->q_ring_node != sm->ring_node ||
        sm->q_ring_seq != sm->ring_seq) {
        return false;
    }
    if (sm->two_node && nodes == 1 && sm->q_nodes <= 2) {
        return bl_reg_sm_may_write_alone(sm);
    }
    return nodes * 2 > sm->q_nodes;
}

int
bl_reg_sm_member_index(const struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid)
{
    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        if (m->nodeid == nodeid && m->pid == pid) {
            return (int) i;
        }
    }
    return -1;
}

void
bl_reg_sm_reply(struct bl_reg_sm *sm, struct sm_write *w, int rc)
{
    struct bl_reg_action *a = bl_reg_sm_push(sm, BL_REG_ACT_REPLY);

    a->token = w->token;
    a->rc = rc;
    a->state.gen = w->gen;
    write_free(w);
}

void
bl_reg_sm_answer_all(GQueue *q, struct bl_reg_sm *sm, int rc)
{
    struct sm_write *w;

    while ((w = g_queue_pop_head(q)) != NULL) {
        bl_reg_sm_reply(sm, w, rc);
    }
}

static gint
by_token(gconstpointer a, gconstpointer b, gpointer unused)
{
    const struct sm_write *x = a;
    const struct sm_write *y = b;

    return x->token < y->token ? -1 : x->token > y->token;
}

/* A write dropped at a barrier goes back among the unsent ones in submission order. */
static void
park(struct bl_reg_sm *sm, struct sm_write *w)
{
    g_queue_insert_sorted(&sm->parked, w, by_token, NULL);
}

static void
send_batch(struct bl_reg_sm *sm, GByteArray *body, uint32_t count)
{
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_WRITE,
        .seq = count,
        .body = body->data,
        .body_len = body->len,
    };

    bl_reg_sm_mcast(sm, &m);
    sm->writes_out++;
    g_byte_array_set_size(body, 0);
}

/* Everything submitted since the last flush leaves in as few messages as fit: Corosync's
 * cost is per message, so this is what makes thousands of writes a second possible. */
static void
send_parked(struct bl_reg_sm *sm)
{
    GByteArray *body = g_byte_array_new();
    uint32_t count = 0;
    struct sm_write *w;

    while ((w = g_queue_pop_head(&sm->parked)) != NULL) {
        if (count > 0 &&
            (body->len + w->bytes->len + 12 > BL_REG_BATCH_MAX || count == UINT16_MAX)) {
            send_batch(sm, body, count);
            count = 0;
        }
        w->req_id = ++sm->next_req;
        bl_reg_write_rec_encode(body, w->req_id, w->bytes->data, w->bytes->len);
        g_queue_push_tail(&sm->inflight, w);
        count++;
    }
    if (count > 0) {
        send_batch(sm, body, count);
    }
    g_byte_array_unref(body);
}

/* Every member orders members the same way, so "the lowest" is the same member for all. */
static gint
member_cmp(gconstpointer a, gconstpointer b)
{
    const struct sm_member *x = a;
    const struct sm_member *y = b;

    if (x->nodeid != y->nodeid) {
        return x->nodeid < y->nodeid ? -1 : 1;
    }
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool
we_are_lowest(const struct bl_reg_sm *sm)
{
    const struct sm_member *m = &g_array_index(sm->members, struct sm_member, 0);

    return sm->members->len > 0 && m->nodeid == sm->nodeid && m->pid == sm->pid;
}

/* Membership changed: stop applying writes until a round completes. */
static void
barrier(struct bl_reg_sm *sm)
{
    if (sm->state == BL_REG_SM_FAILED) {
        return;
    }
    bl_reg_sm_round_reset(sm);
    sm->stall_ticks = 0;
    /* What we had in flight may never come back to us: stop waiting for it. */
    sm->applied_out = false;
    sm->writes_out = 0;
    if (sm->in_group == false) {
        bl_reg_sm_set_state(sm, BL_REG_SM_JOINING);
        return;
    }
    bl_reg_sm_set_state(sm, BL_REG_SM_SYNCING);
    if (we_are_lowest(sm)) {
        sm->need_sync_req = true;
    }
}

void
bl_reg_sm_confchg(struct bl_reg_sm *sm, const struct bl_reg_addr *members, size_t n)
{
    GArray *old = sm->members;

    sm->members = g_array_new(FALSE, TRUE, sizeof(struct sm_member));
    for (size_t i = 0; i < n; i++) {
        struct sm_member m = {.nodeid = members[i].nodeid, .pid = members[i].pid};
        /* A member that stays keeps what it reported durable. */
        for (guint j = 0; j < old->len; j++) {
            const struct sm_member *o = &g_array_index(old, struct sm_member, j);
            if (o->nodeid == m.nodeid && o->pid == m.pid) {
                m.applied = o->applied;
                m.excused_to = o->excused_to;
            }
        }
        g_array_append_val(sm->members, m);
    }
    g_array_free(old, TRUE);
    g_array_sort(sm->members, member_cmp);
    sm->in_group = bl_reg_sm_member_index(sm, sm->nodeid, sm->pid) >= 0;
    if (sm->in_group == false && sm->last_quorate != NULL) {
        /* Out of the group we may miss writes: only a new quorate round vouches for us. */
        g_array_free(sm->last_quorate, TRUE);
        sm->last_quorate = NULL;
    }
    bl_reg_sm_forget_unfenced(sm);
    barrier(sm);
}

void
bl_reg_sm_ring(struct bl_reg_sm *sm, uint32_t ring_node, uint64_t ring_seq)
{
    sm->ring_node = ring_node;
    sm->ring_seq = ring_seq;
    barrier(sm);
}

/* Our quorum may have changed; the group's state was decided on what we announced. */
void
bl_reg_sm_quorum_changed(struct bl_reg_sm *sm, bool before)
{
    if (sm->state == BL_REG_SM_JOINING || sm->state == BL_REG_SM_FAILED) {
        return;
    }
    /* The group's state was decided on what we announced; if that is stale, decide again. */
    if (bl_reg_sm_locally_quorate(sm) != before ||
        bl_reg_sm_locally_quorate(sm) != sm->said_quorate) {
        sm->need_sync_req = true;
    }
}

void
bl_reg_sm_quorum(struct bl_reg_sm *sm, bool quorate, uint32_t ring_node, uint64_t ring_seq,
                 uint32_t ring_nodes)
{
    bool before = bl_reg_sm_locally_quorate(sm);

    sm->q_quorate = quorate;
    sm->q_ring_node = ring_node;
    sm->q_ring_seq = ring_seq;
    sm->q_nodes = ring_nodes;
    bl_reg_sm_quorum_changed(sm, before);
}

void
bl_reg_sm_two_node(struct bl_reg_sm *sm, bool two_node)
{
    bool before = bl_reg_sm_locally_quorate(sm);

    sm->two_node = two_node;
    bl_reg_sm_quorum_changed(sm, before);
}

void
bl_reg_sm_apply(struct bl_reg_sm *sm, const uint8_t *bytes, size_t len, struct bl_reg_ops *ops)
{
    struct bl_reg_action *a = bl_reg_sm_push(sm, BL_REG_ACT_APPLY);

    bl_reg_hash_next(sm->cur.hash, bytes, len, sm->cur.hash);
    sm->cur.gen++;
    a->state = sm->cur;
    a->bytes = g_byte_array_new();
    g_byte_array_append(a->bytes, bytes, (guint) len);
    a->ops = *ops;
    memset(ops, 0, sizeof(*ops));
}

/* Our own writes come back in the order we sent them; find the one this delivery is. */
static struct sm_write *
take_inflight(struct bl_reg_sm *sm, uint64_t req_id)
{
    for (GList *l = sm->inflight.head; l != NULL; l = l->next) {
        struct sm_write *w = l->data;
        if (w->req_id == req_id) {
            g_queue_delete_link(&sm->inflight, l);
            return w;
        }
    }
    return NULL;
}

/* Only the group that applied a write may confirm it: after a barrier, the members left
 * could be a minority, so the round's outcome decides instead (reg_sm_round.c). */
static void
check_stable(struct bl_reg_sm *sm)
{
    uint64_t min = sm->durable_gen;
    struct sm_write *w;

    if (sm->state != BL_REG_SM_ACTIVE) {
        return;
    }
    bl_reg_sm_excuse_late(sm);
    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        if ((m->nodeid != sm->nodeid || m->pid != sm->pid) && m->excused_to == 0) {
            min = MIN(min, m->applied);
        }
    }
    while ((w = g_queue_peek_head(&sm->unstable)) != NULL && w->gen <= min) {
        bl_reg_sm_reply(sm, g_queue_pop_head(&sm->unstable), 0);
    }
}

/* One write of a WRITE message. Every member decides alike: apply it, refuse a malformed
 * one, or drop it after a barrier (its sender sends it again once the round is over). */
static int
on_record(struct bl_reg_sm *sm, bool ours, const struct bl_reg_write_rec *r)
{
    struct sm_write *w = ours ? take_inflight(sm, r->req_id) : NULL;
    struct bl_reg_ops ops = {0};
    int rc;

    if (sm->state != BL_REG_SM_ACTIVE) {
        if (w != NULL) {
            park(sm, w);
        }
        return 0;
    }
    rc = bl_reg_ops_decode(r->ops, r->ops_len, &ops);
    if (rc == 0) {
        bl_reg_sm_apply(sm, r->ops, r->ops_len, &ops);
    }
    bl_reg_ops_clear(&ops);
    if (w != NULL && rc != 0) {
        bl_reg_sm_reply(sm, w, rc);
    } else if (w != NULL) {
        w->gen = sm->cur.gen;
        w->since_ms = sm->now_ms;
        g_queue_push_tail(&sm->unstable, w);
    }
    return rc;
}

static int
on_write(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid, const struct bl_reg_msg *m)
{
    bool ours = nodeid == sm->nodeid && pid == sm->pid;
    struct bl_reg_rd rd;
    struct bl_reg_write_rec r;
    int first_rc = 0;

    if (bl_reg_sm_member_index(sm, nodeid, pid) < 0) {
        return BL_E_PROTO;
    }
    if (ours && sm->writes_out > 0) {
        sm->writes_out--;
    }
    bl_reg_rd_init(&rd, m->body, m->body_len);
    for (uint32_t i = 0; i < m->seq && bl_reg_write_rec_decode(&rd, &r) == 0; i++) {
        int rc = on_record(sm, ours, &r);
        first_rc = first_rc != 0 ? first_rc : rc;
    }
    return first_rc;
}

static int
on_applied(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m)
{
    struct sm_member *mb = &g_array_index(sm->members, struct sm_member, member);

    mb->applied = MAX(mb->applied, m->gen);
    if (mb->excused_to != 0 && mb->applied >= mb->excused_to) {
        mb->excused_to = 0; /* caught up: it holds writes up again, as any member */
    }
    if (mb->nodeid == sm->nodeid && mb->pid == sm->pid) {
        sm->applied_out = false;
    }
    check_stable(sm);
    return 0;
}

static int
dispatch(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid, const struct bl_reg_msg *m)
{
    int member = bl_reg_sm_member_index(sm, nodeid, pid);

    if (member < 0) {
        return BL_E_PROTO; /* CPG delivers only members' messages: someone is confused */
    }
    switch (m->type) {
        case BL_REG_MSG_SYNC_REQ:
            return bl_reg_sm_round_start(sm, nodeid, pid, m);
        case BL_REG_MSG_ANNOUNCE:
            return bl_reg_sm_round_announce(sm, member, m);
        case BL_REG_MSG_APPLIED:
            return on_applied(sm, member, m);
        case BL_REG_MSG_CU_BEGIN:
        case BL_REG_MSG_CU_DATA:
        case BL_REG_MSG_CU_END:
            return bl_reg_sm_round_catchup(sm, member, m);
        case BL_REG_MSG_SYNC_DONE:
            return bl_reg_sm_round_sync_done(sm, member, m);
        case BL_REG_MSG_WRITE:
            break;
    }
    return BL_E_PROTO;
}

int
bl_reg_sm_deliver(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
    struct bl_reg_msg m;
    int rc;

    if (sm->state == BL_REG_SM_FAILED || sm->in_group == false) {
        return 0;
    }
    rc = bl_reg_msg_decode(msg, len, &m);
    if (rc == 0 && m.type == BL_REG_MSG_WRITE) {
        rc = on_write(sm, nodeid, pid, &m);
    } else if (rc == 0) {
        rc = dispatch(sm, nodeid, pid, &m);
    }
    if (rc != 0) {
        sm->dropped++;
    }
    return rc;
}

int
bl_reg_sm_submit(struct bl_reg_sm *sm, uint64_t token, const struct bl_reg_ops *ops)
{
    struct sm_write *w;
    int rc = bl_reg_ops_check(ops);

    if (rc != 0) {
        return rc;
    }
    /* Out of the group (Corosync down, store failed) there is no telling for how long. */
    if (sm->state == BL_REG_SM_FAILED || sm->state == BL_REG_SM_JOINING) {
        return BL_E_NOTSYNC;
    }
    if (sm->state == BL_REG_SM_READONLY ||
        (sm->state == BL_REG_SM_ACTIVE && bl_reg_sm_locally_quorate(sm) == false)) {
        return BL_E_NOQUORUM;
    }
    w = g_new0(struct sm_write, 1);
    w->token = token;
    w->bytes = g_byte_array_new();
    rc = bl_reg_ops_encode(ops, w->bytes);
    if (rc == 0 && w->bytes->len > BL_REG_WRITE_MAX) {
        rc = -E2BIG;
    }
    if (rc != 0) {
        write_free(w);
        return rc;
    }
    /* Sent at the next flush, with whatever else was submitted by then. */
    g_queue_push_tail(&sm->parked, w);
    return 0;
}

bool
bl_reg_sm_cancel(struct bl_reg_sm *sm, uint64_t token)
{
    for (GList *l = sm->parked.head; l != NULL; l = l->next) {
        struct sm_write *w = l->data;
        if (w->token == token) {
            g_queue_delete_link(&sm->parked, l);
            write_free(w);
            return true;
        }
    }
    return false;
}

static void
send_sync_req(struct bl_reg_sm *sm)
{
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_SYNC_REQ,
        .tag = {.nodeid = sm->nodeid, .pid = sm->pid, .nonce = ++sm->nonce},
    };

    sm->need_sync_req = false;
    bl_reg_sm_mcast(sm, &m);
}

void
bl_reg_sm_flush(struct bl_reg_sm *sm)
{
    if (sm->state == BL_REG_SM_FAILED) {
        return;
    }
    sm->durable_gen = sm->cur.gen;
    if (sm->sync_done_pending) {
        struct bl_reg_msg m = {.type = BL_REG_MSG_SYNC_DONE, .tag = sm->tag};
        m.status = sm->sync_done_status;
        m.gen = sm->cur.gen;
        memcpy(m.hash, sm->cur.hash, BL_REG_HASH_LEN);
        sm->sync_done_pending = false;
        bl_reg_sm_mcast(sm, &m);
    }
    if (sm->state == BL_REG_SM_ACTIVE && sm->durable_gen > sm->applied_sent &&
        sm->applied_out == false && sm->members->len > 1) {
        struct bl_reg_msg m = {.type = BL_REG_MSG_APPLIED, .gen = sm->cur.gen};
        memcpy(m.hash, sm->cur.hash, BL_REG_HASH_LEN);
        sm->applied_sent = sm->durable_gen;
        sm->applied_out = true;
        bl_reg_sm_mcast(sm, &m);
    }
    check_stable(sm);
    if (sm->state == BL_REG_SM_ACTIVE && bl_reg_sm_locally_quorate(sm) &&
        sm->writes_out < WRITES_OUT_MAX) {
        send_parked(sm);
    }
    if (sm->need_sync_req && sm->in_group) {
        send_sync_req(sm);
    }
}

void
bl_reg_sm_store_failed(struct bl_reg_sm *sm, int rc)
{
    if (sm->state == BL_REG_SM_FAILED) {
        return;
    }
    /* Others may have applied the delivered ones: their outcome is unknown to us. */
    bl_reg_sm_answer_all(&sm->unstable, sm, BL_E_INDOUBT);
    bl_reg_sm_answer_all(&sm->inflight, sm, BL_E_INDOUBT);
    bl_reg_sm_answer_all(&sm->parked, sm, rc);
    bl_reg_sm_round_reset(sm);
    bl_reg_sm_set_state(sm, BL_REG_SM_FAILED);
    bl_reg_sm_push(sm, BL_REG_ACT_LEAVE);
}

void
bl_reg_sm_tick(struct bl_reg_sm *sm)
{
    if (sm->state != BL_REG_SM_SYNCING) {
        sm->stall_ticks = 0;
        return;
    }
    if (++sm->stall_ticks >= SM_STALL_TICKS) {
        sm->stall_ticks = 0;
        sm->need_sync_req = true;
        bl_reg_sm_flush(sm);
    }
}

void
bl_reg_sm_status(struct bl_reg_sm *sm, struct bl_reg_sm_status *out)
{
    memset(out, 0, sizeof(*out));
    out->state = sm->state;
    out->epoch = sm->cur.epoch;
    out->gen = sm->cur.gen;
    memcpy(out->hash, sm->cur.hash, BL_REG_HASH_LEN);
    out->quorate = bl_reg_sm_locally_quorate(sm);
    out->two_node = sm->two_node;
    out->sole = sm->cur.sole;
    out->unfenced =
        sm->unfenced->len > 0 ? g_array_index(sm->unfenced, struct bl_reg_unfenced, 0).nodeid : 0;
    out->ring_node = sm->ring_node;
    out->ring_seq = sm->ring_seq;
    out->ring_nodes = sm->q_nodes;
    out->pending = sm->inflight.length + sm->unstable.length + sm->parked.length;
    out->rounds = sm->rounds;
    out->dropped = sm->dropped;
    sm->status_buf = g_renew(struct bl_reg_member_status, sm->status_buf, sm->members->len + 1);
    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        bool self = m->nodeid == sm->nodeid && m->pid == sm->pid;
        sm->status_buf[i] =
            (struct bl_reg_member_status){m->nodeid, m->pid, self ? sm->durable_gen : m->applied,
                                          m->lagging || m->excused_to != 0};
    }
    out->members = sm->status_buf;
    out->nmembers = sm->members->len;
}

const char *
bl_reg_sm_state_name(enum bl_reg_sm_state st)
{
    switch (st) {
        case BL_REG_SM_JOINING:
            return "joining";
        case BL_REG_SM_SYNCING:
            return "syncing";
        case BL_REG_SM_ACTIVE:
            return "active";
        case BL_REG_SM_READONLY:
            return "read-only";
        case BL_REG_SM_FAILED:
            return "failed";
    }
    return "unknown";
}
