/*
 * Sync rounds: announce, choose the source, catch up the lagging members, complete.
 * Every decision here is made from delivered messages only, so every member makes it alike.
 */
#include <string.h>

#include "bl_result.h"
#include "reg_sm_int.h"

static struct sm_member *
member_at(struct bl_reg_sm *sm, guint i)
{
    return &g_array_index(sm->members, struct sm_member, i);
}

static bool
is_self(const struct bl_reg_sm *sm, const struct sm_member *m)
{
    return m->nodeid == sm->nodeid && m->pid == sm->pid;
}

static bool
same_tag(const struct bl_reg_tag *a, const struct bl_reg_tag *b)
{
    return a->nodeid == b->nodeid && a->pid == b->pid && a->nonce == b->nonce;
}

void
bl_reg_sm_round_reset(struct bl_reg_sm *sm)
{
    sm->round_active = false;
    sm->round_computed = false;
    sm->receiving = false;
    sm->cu_failed = false;
    sm->sync_done_pending = false;
    bl_reg_ops_clear(&sm->snap);
    sm->snap_bytes = 0;
    for (guint i = 0; i < sm->members->len; i++) {
        struct sm_member *m = member_at(sm, i);
        m->announced = false;
        m->lagging = false;
        m->done = false;
    }
}

static void
announce(struct bl_reg_sm *sm)
{
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_ANNOUNCE,
        .tag = sm->tag,
        .epoch = sm->cur.epoch,
        .gen = sm->cur.gen,
        .ring_node = sm->ring_node,
        .ring_seq = sm->ring_seq,
        .log_min = sm->cur.log_min,
    };

    memcpy(m.hash, sm->cur.hash, BL_REG_HASH_LEN);
    sm->said_quorate = bl_reg_sm_locally_quorate(sm);
    m.flags =
        (sm->said_quorate ? BL_REG_ANN_QUORATE : 0) | (sm->want_snapshot ? BL_REG_ANN_SNAPSHOT : 0);
    bl_reg_sm_mcast(sm, &m);
}

int
bl_reg_sm_round_start(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid,
                      const struct bl_reg_msg *m)
{
    if (m->tag.nodeid != nodeid || m->tag.pid != pid) {
        return BL_E_PROTO;
    }
    bl_reg_sm_round_reset(sm);
    bl_reg_sm_set_state(sm, BL_REG_SM_SYNCING);
    sm->round_active = true;
    sm->tag = m->tag;
    sm->stall_ticks = 0;
    /* Our announce carries our quorum as it is now: no need to ask for another round. */
    sm->need_sync_req = false;
    announce(sm);
    return 0;
}

/* Highest (epoch, gen) wins; ties go to the lowest member, which comes first. */
static guint
choose_source(struct bl_reg_sm *sm)
{
    guint best = 0;

    for (guint i = 1; i < sm->members->len; i++) {
        const struct bl_reg_msg *a = &member_at(sm, i)->ann;
        const struct bl_reg_msg *b = &member_at(sm, best)->ann;
        if (a->epoch > b->epoch || (a->epoch == b->epoch && a->gen > b->gen)) {
            best = i;
        }
    }
    return best;
}

static bool
all_quorate_in_one_ring(struct bl_reg_sm *sm)
{
    const struct bl_reg_msg *first = &member_at(sm, 0)->ann;

    for (guint i = 0; i < sm->members->len; i++) {
        const struct bl_reg_msg *a = &member_at(sm, i)->ann;
        if ((a->flags & BL_REG_ANN_QUORATE) == 0 || a->ring_node != first->ring_node ||
            a->ring_seq != first->ring_seq) {
            return false;
        }
    }
    return true;
}

static bool
lagging(const struct sm_member *m, const struct bl_reg_msg *src)
{
    return m->ann.gen != src->gen || memcmp(m->ann.hash, src->hash, BL_REG_HASH_LEN) != 0 ||
           (m->ann.flags & BL_REG_ANN_SNAPSHOT) != 0;
}

static void
ask_catchup(struct bl_reg_sm *sm, guint nlag)
{
    struct bl_reg_action *a = bl_reg_sm_push(sm, BL_REG_ACT_CATCHUP);

    a->tag = sm->tag;
    a->state = sm->cur;
    a->targets = g_new0(struct bl_reg_target, nlag);
    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = member_at(sm, i);
        if (m->lagging) {
            struct bl_reg_target *t = &a->targets[a->ntargets++];
            t->nodeid = m->nodeid;
            t->pid = m->pid;
            t->gen = m->ann.gen;
            memcpy(t->hash, m->ann.hash, BL_REG_HASH_LEN);
            t->snapshot = (m->ann.flags & BL_REG_ANN_SNAPSHOT) != 0;
        }
    }
}

static void
complete(struct bl_reg_sm *sm)
{
    sm->round_active = false;
    sm->rounds++;
    for (guint i = 0; i < sm->members->len; i++) {
        member_at(sm, i)->applied = sm->cur.gen;
        member_at(sm, i)->lagging = false;
        member_at(sm, i)->excused_to = 0;
    }
    sm->applied_sent = sm->cur.gen;
    if (sm->round_quorate) {
        bl_reg_sm_keep_quorate_group(sm);
    }
    /* Writes confirmed by nobody yet: in the final history on every member of a quorate
     * group, or their fate is unknown. */
    bl_reg_sm_answer_all(&sm->unstable, sm, sm->round_quorate && !sm->replaced ? 0 : BL_E_INDOUBT);
    sm->replaced = false;
    bl_reg_sm_set_state(sm, sm->round_quorate ? BL_REG_SM_ACTIVE : BL_REG_SM_READONLY);
    if (sm->round_quorate == false) {
        bl_reg_sm_answer_all(&sm->parked, sm, BL_E_NOQUORUM);
    }
    /* Otherwise the parked writes leave at the next flush. */
}

/*
 * We hold the source's history: record the round's epoch, then (once that is durable, at the
 * next flush) say so. The round completes only when every member has: had one member
 * completed while another never learnt the epoch, a later group holding only the latter
 * could prefer an older history to the one the first member confirmed writes in.
 */
static void
adopt_epoch(struct bl_reg_sm *sm)
{
    /* Recorded before SYNC_DONE, so a round of two clears it on both before either can
     * answer a write in it (a member excused later may lack that write). */
    bool sole = sm->round_quorate ? bl_reg_sm_distinct_nodes(sm) == 1 : sm->cur.sole;

    if (sm->round_epoch != sm->cur.epoch || sole != sm->cur.sole) {
        sm->cur.epoch = sm->round_epoch;
        sm->cur.sole = sole;
        bl_reg_sm_push(sm, BL_REG_ACT_EPOCH)->state = sm->cur;
    }
    sm->sync_done_pending = true;
    sm->sync_done_status = 0;
}

static void
compute(struct bl_reg_sm *sm)
{
    guint nlag = 0;

    sm->round_computed = true;
    sm->source = choose_source(sm);
    sm->src = member_at(sm, sm->source)->ann;
    sm->round_quorate = all_quorate_in_one_ring(sm);
    /* Ring sequences grow across the cluster and any two quorate rings share a node, so a
     * later quorate history gets a higher epoch; never go backwards if they were reset. */
    sm->round_epoch =
        sm->round_quorate ? MAX(member_at(sm, 0)->ann.ring_seq, sm->src.epoch) : sm->src.epoch;
    for (guint i = 0; i < sm->members->len; i++) {
        struct sm_member *m = member_at(sm, i);
        m->lagging = i != sm->source && lagging(m, &sm->src);
        nlag += m->lagging;
        if (m->lagging && is_self(sm, m)) {
            sm->receiving = true;
            sm->cu_next_seq = 0;
            sm->cu_kind = 0;
        }
    }
    if (sm->receiving == false) {
        adopt_epoch(sm);
    }
    if (nlag > 0 && is_self(sm, member_at(sm, sm->source))) {
        ask_catchup(sm, nlag);
    }
}

int
bl_reg_sm_round_announce(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m)
{
    struct sm_member *mb = member_at(sm, (guint) member);

    if (sm->round_active == false || same_tag(&m->tag, &sm->tag) == false) {
        return 0; /* from a round a later barrier or request superseded */
    }
    if (mb->announced) {
        return BL_E_PROTO;
    }
    mb->announced = true;
    mb->ann = *m;
    mb->ann.body = NULL;
    sm->stall_ticks = 0;
    for (guint i = 0; i < sm->members->len; i++) {
        if (member_at(sm, i)->announced == false) {
            return 0;
        }
    }
    compute(sm);
    return 0;
}

static bool
state_is(const struct bl_reg_sm *sm, uint64_t gen, const uint8_t *hash)
{
    return sm->cur.gen == gen && memcmp(sm->cur.hash, hash, BL_REG_HASH_LEN) == 0;
}

/* One log entry: it must extend our history exactly, or be one we already have. */
static int
log_entry(struct bl_reg_sm *sm, const struct bl_reg_log_entry *e)
{
    struct bl_reg_ops ops = {0};
    uint8_t hash[BL_REG_HASH_LEN];
    int rc;

    if (e->gen <= sm->cur.gen) {
        return 0;
    }
    bl_reg_hash_next(sm->cur.hash, e->ops, e->ops_len, hash);
    if (e->gen != sm->cur.gen + 1 || memcmp(hash, e->hash, BL_REG_HASH_LEN) != 0) {
        return BL_E_PROTO;
    }
    rc = bl_reg_ops_decode(e->ops, e->ops_len, &ops);
    if (rc == 0) {
        bl_reg_sm_apply(sm, e->ops, e->ops_len, &ops);
    }
    bl_reg_ops_clear(&ops);
    return rc;
}

static int
log_payload(struct bl_reg_sm *sm, const uint8_t *p, size_t len)
{
    struct bl_reg_rd rd;
    int rc = 0;

    bl_reg_rd_init(&rd, p, len);
    uint32_t n = bl_reg_rd_u32(&rd);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        struct bl_reg_log_entry e;
        rc = bl_reg_log_entry_decode(&rd, &e);
        rc = rc != 0 ? rc : log_entry(sm, &e);
    }
    return rc != 0 ? rc : bl_reg_rd_end(&rd);
}

static int
snapshot_payload(struct bl_reg_sm *sm, const uint8_t *p, size_t len)
{
    size_t before = sm->snap.n;
    int rc;

    /* In total: a source sending many chunks each under the cap must not fill our memory. */
    if (len > sm->snap_max - MIN(sm->snap_bytes, sm->snap_max)) {
        return -E2BIG;
    }
    sm->snap_bytes += len;
    rc = bl_reg_ops_decode(p, len, &sm->snap);
    for (size_t i = before; rc == 0 && i < sm->snap.n; i++) {
        enum bl_reg_op_kind k = sm->snap.v[i].kind;
        if (k != BL_REG_OP_SET && k != BL_REG_OP_CREATE_KEY) {
            rc = BL_E_PROTO;
        }
    }
    return rc;
}

static void
catchup_end(struct bl_reg_sm *sm, const struct bl_reg_msg *m)
{
    if (sm->cu_failed == false && m->seq != sm->cu_next_seq) {
        sm->cu_failed = true;
    }
    if (sm->cu_failed == false && sm->cu_kind == BL_REG_CU_SNAPSHOT) {
        struct bl_reg_action *a = bl_reg_sm_push(sm, BL_REG_ACT_REPLACE);
        sm->cur.gen = m->gen;
        sm->cur.log_min = m->gen + 1;
        memcpy(sm->cur.hash, m->hash, BL_REG_HASH_LEN);
        a->state = sm->cur;
        a->ops = sm->snap;
        memset(&sm->snap, 0, sizeof(sm->snap));
        sm->replaced = true;
    }
    if (sm->cu_failed == false && state_is(sm, m->gen, m->hash) == false) {
        sm->cu_failed = true;
    }
    sm->want_snapshot = sm->cu_failed;
    sm->receiving = false;
    if (sm->cu_failed) {
        sm->sync_done_pending = true;
        sm->sync_done_status = BL_E_PROTO;
    } else {
        adopt_epoch(sm);
    }
}

static int
catchup_data(struct bl_reg_sm *sm, const struct bl_reg_msg *m)
{
    int rc;

    if (sm->cu_failed) {
        return 0;
    }
    if (m->seq != sm->cu_next_seq++) {
        sm->cu_failed = true;
        return BL_E_PROTO;
    }
    rc = sm->cu_kind == BL_REG_CU_LOG ? log_payload(sm, m->body, m->body_len)
                                      : snapshot_payload(sm, m->body, m->body_len);
    if (rc != 0) {
        sm->cu_failed = true;
    }
    return rc;
}

int
bl_reg_sm_round_catchup(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m)
{
    if (sm->round_computed == false || same_tag(&m->tag, &sm->tag) == false) {
        return 0;
    }
    if ((guint) member != sm->source) {
        return BL_E_PROTO;
    }
    sm->stall_ticks = 0;
    if (sm->receiving == false) {
        return 0; /* not for us */
    }
    switch (m->type) {
        case BL_REG_MSG_CU_BEGIN:
            if (sm->cu_kind != 0) {
                return BL_E_PROTO;
            }
            sm->cu_kind = m->flags;
            sm->snap_bytes = 0;
            sm->cu_failed =
                m->gen != sm->src.gen || memcmp(m->hash, sm->src.hash, BL_REG_HASH_LEN) != 0;
            return 0;
        case BL_REG_MSG_CU_DATA:
            return sm->cu_kind != 0 ? catchup_data(sm, m) : BL_E_PROTO;
        case BL_REG_MSG_CU_END:
            if (sm->cu_kind == 0) {
                return BL_E_PROTO;
            }
            catchup_end(sm, m);
            return 0;
        default:
            return BL_E_PROTO;
    }
}

int
bl_reg_sm_round_sync_done(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m)
{
    struct sm_member *mb = member_at(sm, (guint) member);

    if (sm->round_computed == false || same_tag(&m->tag, &sm->tag) == false) {
        return 0;
    }
    if (mb->done) {
        return BL_E_PROTO;
    }
    sm->stall_ticks = 0;
    if (m->status != 0 || m->gen != sm->src.gen ||
        memcmp(m->hash, sm->src.hash, BL_REG_HASH_LEN) != 0) {
        /* It asks for a new round with a snapshot; until then this one cannot complete. */
        if (is_self(sm, mb)) {
            sm->need_sync_req = true;
        }
        return 0;
    }
    mb->done = true;
    for (guint i = 0; i < sm->members->len; i++) {
        if (member_at(sm, i)->done == false) {
            return 0;
        }
    }
    complete(sm);
    return 0;
}
