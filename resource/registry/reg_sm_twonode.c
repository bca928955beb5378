/*
 * The two-node rule (docs/registry.md, "Two nodes"): when a daemon alone may write, and when a
 * member that does not confirm a write stops holding answers up. Pure, like the rest of the
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
    if (sm->last_quorate == NULL) {
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

/* Two members on two nodes of a two_node cluster: a member that is late is excused. */
static bool
excusing(const struct bl_reg_sm *sm)
{
    return sm->two_node && sm->ack_timeout_ms > 0 && bl_reg_sm_distinct_nodes(sm) == 2;
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

uint64_t
bl_reg_sm_deadline(const struct bl_reg_sm *sm)
{
    const struct sm_write *w = g_queue_peek_head((GQueue *) &sm->unstable);

    if (w == NULL || excusing(sm) == false || sm->state != BL_REG_SM_ACTIVE) {
        return 0;
    }
    for (guint i = 0; i < sm->members->len; i++) {
        if (holds_up(sm, &g_array_index(sm->members, struct sm_member, i), w)) {
            return w->since_ms + sm->ack_timeout_ms;
        }
    }
    return 0;
}

/* Corosync's token + consensus timeouts are shorter than ack_timeout: a member that has not
 * confirmed by then either left with a ring change (a barrier) or its Corosync holds the
 * write and will deliver it before any membership change; so it stops holding writes up until it
 * confirms what we hold now. It cannot write alone after a restart (its last quorate round had two
 * members), so it catches up before it is active again. */
void
bl_reg_sm_excuse_late(struct bl_reg_sm *sm)
{
    const struct sm_write *w = g_queue_peek_head(&sm->unstable);

    if (w == NULL || excusing(sm) == false || sm->now_ms < w->since_ms + sm->ack_timeout_ms) {
        return;
    }
    for (guint i = 0; i < sm->members->len; i++) {
        struct sm_member *m = &g_array_index(sm->members, struct sm_member, i);
        if (holds_up(sm, m, w)) {
            m->excused_to = MAX(sm->cur.gen, 1);
        }
    }
}
