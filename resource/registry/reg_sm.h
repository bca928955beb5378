/*
 * The registry's replication state machine. Pure: no I/O, no clock, no globals.
 *
 * Inputs are what Corosync delivers, in the order it delivers them (CPG messages, CPG and
 * totem configuration changes), plus votequorum notifications, local write requests, and
 * "everything applied so far is durable" (bl_reg_sm_flush) or "the store failed". Outputs are
 * actions, popped with bl_reg_sm_next(): multicast these bytes, apply this write, replace the
 * tree, record an epoch, build a catch-up, answer a client, state changed, leave the group.
 *
 * The protocol (docs/registry.md has the full story):
 *  - A write is multicast in agreed order; every member applies it on delivery, so replicas
 *    stay identical. Its history hash chains every write, so two replicas with the same
 *    (gen, hash) have the same contents.
 *  - Every membership change (CPG confchg, totem ring change) is a barrier: writes delivered
 *    after it are dropped by every member (their sender re-sends them later) until a sync
 *    round completes. The lowest member asks for a round (SYNC_REQ); each member announces
 *    (epoch, gen, hash, quorate in ring R); the source is the highest (epoch, gen), ties to the
 *    lowest (nodeid, pid). It sends the others the log entries they miss or a snapshot. If every
 *    member announced quorum in the same ring, the round's epoch is max(ring sequence, highest
 *    epoch), else the source's. Each member, once it holds the source's history and has made
 *    the epoch durable, says SYNC_DONE; when all have, the group becomes ACTIVE (quorate) or
 *    READONLY. A healing minority therefore adopts the majority's history.
 *  - A client's write is answered once it is durable on every member of the group (each
 *    member multicasts APPLIED after its commits), or when a quorate round completes with it
 *    in the history. If a round replaces the history or ends without quorum first, the answer
 *    is BL_E_INDOUBT.
 *  - The glue never multicasts before it has committed what was applied before (so every
 *    announced state is durable): it executes APPLY/EPOCH into one open batch, commits, calls
 *    bl_reg_sm_flush(), and only then sends the MCAST actions it has popped.
 */
#ifndef BL_REG_SM_H
#define BL_REG_SM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "reg_store.h"
#include "reg_types.h"
#include "reg_wire.h"

struct bl_reg_sm;

/* A CPG group member. */
struct bl_reg_addr {
    uint32_t nodeid;
    uint32_t pid;
};

/* A member the source must catch up, as its ANNOUNCE described it. */
struct bl_reg_target {
    uint32_t nodeid;
    uint32_t pid;
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    bool snapshot; /* it asked for a snapshot (a log catch-up failed before) */
};

enum bl_reg_action_kind {
    BL_REG_ACT_MCAST = 1, /* bytes: a message to multicast, after the batch is committed */
    BL_REG_ACT_APPLY,     /* state.gen, state.hash, bytes (canonical ops), ops: apply in batch */
    BL_REG_ACT_REPLACE,   /* ops (snapshot), state: replace the tree (commit the batch first) */
    BL_REG_ACT_EPOCH,     /* state.epoch: record in the batch */
    BL_REG_ACT_CATCHUP,   /* tag, state (ours), targets: commit, then multicast a catch-up */
    BL_REG_ACT_REPLY,     /* token, rc, state.gen: answer the client of a write */
    BL_REG_ACT_STATE,     /* sm_state: the state changed (wake waiters, log) */
    BL_REG_ACT_LEAVE,     /* leave the CPG group: this replica cannot follow any more */
};

/* An output. Owns its buffers; clear with bl_reg_action_clear(). */
struct bl_reg_action {
    enum bl_reg_action_kind kind;
    GByteArray *bytes;
    struct bl_reg_ops ops;
    struct bl_reg_state state;
    struct bl_reg_tag tag;
    struct bl_reg_target *targets;
    size_t ntargets;
    uint64_t token;
    int rc;
    enum bl_reg_sm_state sm_state;
};

/* The largest snapshot a lagging replica accepts by default, all chunks together. */
#define BL_REG_SNAPSHOT_MAX (1024ull * 1024ull * 1024ull)

struct bl_reg_sm_init {
    uint32_t nodeid;           /* our CPG nodeid */
    uint32_t pid;              /* our pid as CPG reports it */
    uint64_t nonce_seed;       /* makes our round tags unique across restarts */
    struct bl_reg_state state; /* the store's durable identity */
    uint64_t snapshot_max;     /* largest snapshot accepted, all chunks together; 0: 1 GiB */
    uint32_t ack_timeout_ms;   /* two-node groups: excuse a member that has not confirmed a
                                * write this long after it was applied here (0: never) */
};

struct bl_reg_sm_status {
    enum bl_reg_sm_state state;
    uint64_t epoch;
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    bool quorate;        /* votequorum says quorate for the current ring, and we hold a majority
                          * (two-node: or we may write alone) */
    bool two_node;       /* votequorum's two_node flag */
    bool sole;           /* our last quorate round had us alone (durable) */
    uint32_t unfenced;   /* a lost peer whose fencing we wait for (0: none) */
    uint32_t ring_nodes; /* nodes in the ring as votequorum counted them */
    uint32_t ring_node;
    uint64_t ring_seq;
    size_t nmembers;
    const struct bl_reg_member_status *members; /* valid until the next input */
    size_t pending;                             /* client writes not answered yet */
    uint64_t rounds;                            /* sync rounds completed since start */
    uint64_t dropped;                           /* messages refused as malformed or out of place */
};

/**
 * Create a state machine.
 * \param[out] out  free with bl_reg_sm_free()
 */
void bl_reg_sm_new(const struct bl_reg_sm_init *init, struct bl_reg_sm **out);

/** Set our identity once Corosync tells it (before the first configuration change). */
void bl_reg_sm_set_self(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid);

/** Free a state machine and its queued actions. Accepts NULL. */
void bl_reg_sm_free(struct bl_reg_sm *sm);

/** CPG configuration change: the group's members now (any order; copied). A barrier. */
void bl_reg_sm_confchg(struct bl_reg_sm *sm, const struct bl_reg_addr *members, size_t n);

/** Totem ring change (CPG totem confchg), in delivery order. A barrier. */
void bl_reg_sm_ring(struct bl_reg_sm *sm, uint32_t ring_node, uint64_t ring_seq);

/**
 * votequorum's view: quorate or not, for the ring it last told us about, and how many nodes
 * that ring has. We count as quorate only when, besides, our group holds more than half of
 * those nodes: a group whose daemons are mostly down must not write on other nodes' votes,
 * or a later group of those daemons could not know what it missed (docs/registry.md).
 */
void bl_reg_sm_quorum(struct bl_reg_sm *sm, bool quorate, uint32_t ring_node, uint64_t ring_seq,
                      uint32_t ring_nodes);

/**
 * votequorum's two_node flag. With it, a group of one node in a ring of at most two counts as
 * quorate (votequorum agreeing) only if this replica may write alone: it completed a quorate
 * round with every current member in it and never left the group since, or its last
 * quorate round had it as the only member (recorded in the store). And a member that does
 * not confirm a write within ack_timeout_ms is excused (docs/registry.md, "Two nodes").
 */
void bl_reg_sm_two_node(struct bl_reg_sm *sm, bool two_node);

/**
 * Two nodes: node \p nodeid left the ring while its daemon was a member of our group (CPG
 * reason NODEDOWN: its power, its Corosync, or the cluster link). On the far side of a cut
 * link its daemon may still be writing, so continuity no longer lets us write alone until
 * bl_reg_sm_fenced() says it was fenced at or after \p since, or its daemon is a member again
 * (docs/registry.md, "A cut link"). Call it before the confchg that removes the member.
 * \param since  when its daemon was first seen in the group, on the fencer's clock (seconds
 *               since the epoch): a fencing before that was of an earlier life of the node
 */
void bl_reg_sm_node_down(struct bl_reg_sm *sm, uint32_t nodeid, uint64_t since);

/** Pacemaker's answer: \p nodeid was last fenced at \p when (0: never). */
void bl_reg_sm_fenced(struct bl_reg_sm *sm, uint32_t nodeid, uint64_t when);

/* A node whose fencing we wait for, and since when a fencing counts. */
struct bl_reg_unfenced {
    uint32_t nodeid;
    uint64_t since;
};

/**
 * The nodes whose fencing we wait for (ask Pacemaker about them until bl_reg_sm_fenced()).
 * \param[out] out  the first max of them
 * \return how many there are
 */
size_t bl_reg_sm_unfenced(const struct bl_reg_sm *sm, struct bl_reg_unfenced *out, size_t max);

/** Change the ack-timeout (as in bl_reg_sm_init) for writes applied from now on. */
void bl_reg_sm_set_ack_timeout(struct bl_reg_sm *sm, uint32_t ms);

/** The monotonic clock, in ms, as the glue reads it; call before bl_reg_sm_flush(). */
void bl_reg_sm_clock(struct bl_reg_sm *sm, uint64_t now_ms);

/**
 * When (on the clock above) a waiting write's ack-timeout expires, so the glue can flush
 * then; 0 when nothing waits on a timeout.
 */
uint64_t bl_reg_sm_deadline(const struct bl_reg_sm *sm);

/**
 * A delivered CPG message, hostile until decoded.
 * \param[in] msg  valid during the call only
 * \return 0 (used or deliberately ignored) or the decoder's code (the caller logs it; the
 *         message had no effect)
 */
int bl_reg_sm_deliver(struct bl_reg_sm *sm, uint32_t nodeid, uint32_t pid, const void *msg,
                      size_t len);

/**
 * A local client's write. Answered later by a REPLY action carrying token, unless refused now.
 * \param[in] ops  checked and encoded here (not kept)
 * \return 0 (accepted: multicast at the next flush, or parked until the round completes),
 *         BL_E_NOQUORUM, BL_E_NOTSYNC (not in the group, or the store failed), -E2BIG, or the
 *         data model's code for invalid ops
 */
int bl_reg_sm_submit(struct bl_reg_sm *sm, uint64_t token, const struct bl_reg_ops *ops);

/** Forget a parked write (its client went away). \return true if it was parked */
bool bl_reg_sm_cancel(struct bl_reg_sm *sm, uint64_t token);

/** Everything applied so far is durable: send what waited for that. */
void bl_reg_sm_flush(struct bl_reg_sm *sm);

/** The store failed (rc): answer every pending write, leave the group, stop following. */
void bl_reg_sm_store_failed(struct bl_reg_sm *sm, int rc);

/** Called about once a second: asks for a new round when one has stalled. */
void bl_reg_sm_tick(struct bl_reg_sm *sm);

/**
 * Pop the next action.
 * \param[out] out  owned by the caller, clear with bl_reg_action_clear()
 * \return false when there is none
 */
bool bl_reg_sm_next(struct bl_reg_sm *sm, struct bl_reg_action *out);

/** Free what an action holds and zero it. Accepts NULL. */
void bl_reg_action_clear(struct bl_reg_action *a);

/** Current status; pointers inside stay valid until the next input. */
void bl_reg_sm_status(struct bl_reg_sm *sm, struct bl_reg_sm_status *out);

#endif
