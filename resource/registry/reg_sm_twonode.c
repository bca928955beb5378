/*
 * The two-node rule (docs/registry.md, "Two nodes"): when a daemon alone may write, and when a
 * member that does not confirm a write stops holding answers up (also with three nodes, while
 * the others hold a majority). Pure, like the rest of the
 * state machine: the clock comes from the glue.
 */
#include "reg_sm_int.h"

static bool
in_last_quorate(const struct bl_reg_sm *sm, const struct sm_member *m)
{
    for (guint i = 0; i < sm->last_quorate->len; i++) {
        const struct bl_reg_addr *a = &g_array_index(sm->last_quorate, struct bl_reg_addr, i);
        if (a->nodeid == m->nodeid && a->pid == m->pid) {
            return true;
        }
    }
    return false;
}

/* Two nodes, one daemon: it holds every acknowledged write if it was the only member of its
 * last quorate round (durable), or if every member now was in the quorate group this process
 * last completed a round with and it never left the group since: Corosync delivered it
 * whatever that group delivered before the others left. */
bool
bl_reg_sm_may_write_alone(const struct bl_reg_sm *sm)
{
    if (sm->cur.sole) {
        return true;
    }
    /* A peer lost with its node may be writing on the far side of a cut link until fenced. */
    if (sm->last_quorate == NULL || sm->unfenced->len > 0) {
        return false;
    }
    for (guint i = 0; i < sm->members->len; i++) {
        if (in_last_quorate(sm, &g_array_index(sm->members, struct sm_member, i)) == false) {
            return false;
        }
    }
    return true;
}

void
bl_reg_sm_node_down(struct bl_reg_sm *sm, uint32_t nodeid, uint64_t since)
{
    bool before = bl_reg_sm_locally_quorate(sm);
    bool member = false;

    for (guint i = 0; i < sm->members->len; i++) {
        member = member || g_array_index(sm->members, struct sm_member, i).nodeid == nodeid;
    }
    /* Only a peer that shared our group could have answered writes we lack. */
    if (sm->two_node == false || nodeid == sm->nodeid || member == false) {
        return;
    }
    for (guint i = 0; i < sm->unfenced->len; i++) {
        struct bl_reg_unfenced *u = &g_array_index(sm->unfenced, struct bl_reg_unfenced, i);
        if (u->nodeid == nodeid) {
            u->since = MAX(u->since, since);
            return;
        }
    }
    struct bl_reg_unfenced u = {nodeid, since};
    g_array_append_val(sm->unfenced, u);
    bl_reg_sm_quorum_changed(sm, before);
}

void
bl_reg_sm_fenced(struct bl_reg_sm *sm, uint32_t nodeid, uint64_t when)
{
    bool before = bl_reg_sm_locally_quorate(sm);

    for (guint i = 0; i < sm->unfenced->len; i++) {
        const struct bl_reg_unfenced *u = &g_array_index(sm->unfenced, struct bl_reg_unfenced, i);
        if (u->nodeid == nodeid && when != 0 && when >= u->since) {
            g_array_remove_index(sm->unfenced, i);
            bl_reg_sm_quorum_changed(sm, before);
            return;
        }
    }
}

size_t
bl_reg_sm_unfenced(const struct bl_reg_sm *sm, struct bl_reg_unfenced *out, size_t max)
{
    for (guint i = 0; i < sm->unfenced->len && i < max; i++) {
        out[i] = g_array_index(sm->unfenced, struct bl_reg_unfenced, i);
    }
    return sm->unfenced->len;
}

void
bl_reg_sm_forget_unfenced(struct bl_reg_sm *sm)
{
    for (guint i = sm->unfenced->len; i > 0; i--) {
        uint32_t id = g_array_index(sm->unfenced, struct bl_reg_unfenced, i - 1).nodeid;
        bool back = false;
        for (guint k = 0; k < sm->members->len; k++) {
            back = back || g_array_index(sm->members, struct sm_member, k).nodeid == id;
        }
        if (back || sm->in_group == false) {
            g_array_remove_index(sm->unfenced, i - 1);
        }
    }
}

void
bl_reg_sm_keep_quorate_group(struct bl_reg_sm *sm)
{
    if (sm->last_quorate == NULL) {
        sm->last_quorate = g_array_new(FALSE, TRUE, sizeof(struct bl_reg_addr));
    }
    g_array_set_size(sm->last_quorate, 0);
    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        struct bl_reg_addr a = {m->nodeid, m->pid};
        g_array_append_val(sm->last_quorate, a);
    }
}

void
bl_reg_sm_set_ack_timeout(struct bl_reg_sm *sm, uint32_t ms)
{
    sm->ack_timeout_ms = ms;
}

void
bl_reg_sm_clock(struct bl_reg_sm *sm, uint64_t now_ms)
{
    sm->now_ms = now_ms;
}

/* Two members on two nodes of a two_node cluster, or a group of three nodes or more: a member
 * that is late may be excused (docs/registry.md, "A frozen member"). */
static bool
excusing(const struct bl_reg_sm *sm)
{
    guint nodes = bl_reg_sm_distinct_nodes(sm);

    return sm->ack_timeout_ms > 0 && ((sm->two_node && nodes == 2) || nodes >= 3);
}

static bool
is_self_member(const struct bl_reg_sm *sm, const struct sm_member *m)
{
    return m->nodeid == sm->nodeid && m->pid == sm->pid;
}

/* A member the oldest waiting write still waits for (not excused, not confirmed). */
static bool
holds_up(const struct bl_reg_sm *sm, const struct sm_member *m, const struct sm_write *w)
{
    return is_self_member(sm, m) == false && m->excused_to == 0 && m->applied < w->gen;
}

/* Three nodes or more: excusing m still leaves the writes on a majority of the ring's nodes
 * (nodes with a member not excused, ourselves included; two daemons of one node are one
 * holder), so any later quorate group of the same ring holds them. Members are sorted by
 * nodeid. */
static bool
majority_without(const struct bl_reg_sm *sm, const struct sm_member *m)
{
    guint held = 0;
    uint32_t last = 0;

    for (guint i = 0; i < sm->members->len; i++) {
        const struct sm_member *k = &g_array_index(sm->members, struct sm_member, i);
        if (k != m && k->excused_to == 0 && (held == 0 || k->nodeid != last)) {
            held++;
            last = k->nodeid;
        }
    }
    return held * 2 > sm->q_nodes;
}

static bool
excusable(const struct bl_reg_sm *sm, const struct sm_member *m, const struct sm_write *w)
{
    return holds_up(sm, m, w) && (bl_reg_sm_distinct_nodes(sm) == 2 || majority_without(sm, m));
}

uint64_t
bl_reg_sm_deadline(const struct bl_reg_sm *sm)
{
    const struct sm_write *w = g_queue_peek_head((GQueue *) &sm->unstable);

    if (w == NULL || excusing(sm) == false || sm->state != BL_REG_SM_ACTIVE) {
        return 0;
    }
    for (guint i = 0; i < sm->members->len; i++) {
        if (excusable(sm, &g_array_index(sm->members, struct sm_member, i), w)) {
            return w->since_ms + sm->ack_timeout_ms;
        }
    }
    return 0;
}

/* Corosync's token + consensus timeouts are shorter than ack_timeout: a member that has not
 * confirmed by then either left with a ring change (a barrier) or its Corosync holds the
 * write and will deliver it before any membership change; so it stops holding writes up
 * until it confirms what we hold now. With two nodes it cannot write alone after a restart
 * (its last quorate round had two members); with three or more the write is on a majority
 * without it. Either way it catches up before it is active again. */
void
bl_reg_sm_excuse_late(struct bl_reg_sm *sm)
{
    const struct sm_write *w = g_queue_peek_head(&sm->unstable);

    if (w == NULL || excusing(sm) == false || sm->now_ms < w->since_ms + sm->ack_timeout_ms) {
        return;
    }
    for (guint i = 0; i < sm->members->len; i++) {
        struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        if (excusable(sm, m, w)) {
            m->excused_to = MAX(sm->cur.gen, 1);
        }
    }
}
