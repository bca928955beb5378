/*
 * Inside the replication state machine: shared by reg_sm.c (inputs, writes, actions) and
 * reg_sm_round.c (sync rounds and catch-up). Not a public interface.
 */
#ifndef BL_REG_SM_INT_H
#define BL_REG_SM_INT_H

#include "reg_sm.h"

#define SM_STALL_TICKS 3 /* ticks without round progress before anyone asks for a new round */

struct sm_member {
    uint32_t nodeid;
    uint32_t pid;
    bool announced;
    struct bl_reg_msg ann; /* its ANNOUNCE in this round (body pointer unused) */
    bool lagging;
    bool done;
    uint64_t applied;
    uint64_t excused_to; /* two-node: excused from confirming until applied reaches it; 0: not */
};

/* A local client's write, from submission to answer. */
struct sm_write {
    uint64_t token;
    uint64_t req_id;
    uint64_t gen;      /* where it landed in the history, once delivered */
    uint64_t since_ms; /* the clock when it was applied here */
    GByteArray *bytes; /* canonical ops, kept so a dropped write can be sent again */
};

struct bl_reg_sm {
    uint32_t nodeid;
    uint32_t pid;
    uint64_t nonce;
    enum bl_reg_sm_state state;
    struct bl_reg_state cur; /* applied; durable after the next flush */
    uint64_t durable_gen;
    GArray *members; /* struct sm_member, sorted by (nodeid, pid) */
    bool in_group;

    uint32_t ring_node; /* current totem ring, as CPG delivered it */
    uint64_t ring_seq;
    bool q_quorate; /* votequorum's last word, and the ring it spoke about */
    uint32_t q_ring_node;
    uint64_t q_ring_seq;
    uint32_t q_nodes;
    bool said_quorate; /* what our last ANNOUNCE claimed */
    bool two_node;     /* votequorum's two_node flag */
    uint32_t ack_timeout_ms;
    uint64_t now_ms;
    /* The members of the last quorate round this process completed, while we have not left
     * the group since (continuity, docs/registry.md "Two nodes"); NULL: none. */
    GArray *last_quorate; /* struct bl_reg_addr */
    /* Two nodes: peers whose node left the ring while their daemon was in our group, until
     * Pacemaker confirms them fenced (docs/registry.md "A cut link"). */
    GArray *
        unfenced; /* struct bl_reg_unfenced: fenced at or after since, none holds a write we lack */

    /* The sync round in progress, if any. */
    bool round_active;
    struct bl_reg_tag tag;
    bool round_computed;
    guint source;          /* index into members */
    struct bl_reg_msg src; /* the source's announce */
    bool round_quorate;
    uint64_t round_epoch; /* every member records it before saying SYNC_DONE */
    bool replaced;        /* our history was replaced in this round */
    bool receiving;       /* we are lagging and the source's catch-up is arriving */
    uint32_t cu_kind;
    uint32_t cu_next_seq;
    struct bl_reg_ops snap;
    uint64_t snap_bytes; /* payload of the snapshot being received, all chunks so far */
    uint64_t snap_max;   /* refuse a snapshot whose chunks add up to more */
    bool cu_failed;
    bool want_snapshot; /* our last log catch-up did not verify */

    bool need_sync_req;
    bool sync_done_pending;
    int32_t sync_done_status;
    uint64_t applied_sent;
    /* Self-clocking, Nagle-like: while our APPLIED (or two of our WRITE messages) are on
     * their way round the ring, what comes up waits and then leaves together. Corosync's
     * cost is per message, so under load this is what raises the writes per second; when
     * idle nothing is in flight and nothing waits. */
    bool applied_out;
    unsigned writes_out;
    unsigned stall_ticks;

    uint64_t next_req;
    GQueue inflight; /* struct sm_write *: multicast, not delivered */
    GQueue unstable; /* delivered and applied, not yet durable everywhere */
    GQueue parked;   /* not sent yet: submitted since the last flush, or dropped at a barrier
                      * and waiting for the group to be active again; in token order */
    GQueue actions;  /* struct bl_reg_action * */

    struct bl_reg_member_status *status_buf;
    uint64_t rounds;
    uint64_t dropped;
};

/* reg_sm.c */
struct bl_reg_action *bl_reg_sm_push(struct bl_reg_sm *sm, enum bl_reg_action_kind kind);
void bl_reg_sm_mcast(struct bl_reg_sm *sm, const struct bl_reg_msg *m);
void bl_reg_sm_set_state(struct bl_reg_sm *sm, enum bl_reg_sm_state st);
bool bl_reg_sm_locally_quorate(const struct bl_reg_sm *sm);
guint bl_reg_sm_distinct_nodes(const struct bl_reg_sm *sm);
/* Ask for a new round if our quorum (before: what it was) is not what the group decided on. */
void bl_reg_sm_quorum_changed(struct bl_reg_sm *sm, bool before);

/* reg_sm_twonode.c */
bool bl_reg_sm_may_write_alone(const struct bl_reg_sm *sm);
void bl_reg_sm_keep_quorate_group(struct bl_reg_sm *sm);
/* After a confchg: a lost peer whose daemon is a member again, or any once we are out of the
 * group (continuity is gone anyway), is no longer waited for. */
void bl_reg_sm_forget_unfenced(struct bl_reg_sm *sm);
void bl_reg_sm_excuse_late(struct bl_reg_sm *sm);
int bl_reg_sm_member_index(const struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid);
void bl_reg_sm_apply(struct bl_reg_sm *sm, const uint8_t *bytes, size_t len,
                     struct bl_reg_ops *ops);
void bl_reg_sm_reply(struct bl_reg_sm *sm, struct sm_write *w, int rc);
void bl_reg_sm_answer_all(GQueue *q, struct bl_reg_sm *sm, int rc);

/* reg_sm_round.c */
void bl_reg_sm_round_reset(struct bl_reg_sm *sm);
int bl_reg_sm_round_start(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid,
                          const struct bl_reg_msg *m);
int bl_reg_sm_round_announce(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m);
int bl_reg_sm_round_catchup(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m);
int bl_reg_sm_round_sync_done(struct bl_reg_sm *sm, int member, const struct bl_reg_msg *m);

#endif
