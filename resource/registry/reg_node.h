/*
 * One replica at work: the state machine (reg_sm.h) wired to its store (reg_store.h) and to
 * the group through a transport seam. bmclinkd plugs Corosync CPG in; the unit tests plug in
 * a simulated group with partitions and crashes. The node runs the state machine's actions:
 * writes go into one batch per main-loop iteration (group commit), messages leave only after
 * that batch is durable, and clients are answered after it too.
 *
 * Use: feed the inputs as Corosync delivers them, then call bl_reg_node_end_of_batch() once
 * the iteration's deliveries are done.
 *
 * The replica's contract (module resource/registry; clients use reg_client.h). Ownership: the
 * node owns its store and state machine; the seam (ops) is borrowed and must outlive it.
 * Loop: one thread, the daemon's main loop; nothing here blocks but the store's fsync at the
 * end of a batch.
 */
#ifndef BL_REG_NODE_H
#define BL_REG_NODE_H

#include "reg_sm.h"
#include "reg_store.h"

/* The node's outside world. ctx is passed back unchanged. */
struct bl_reg_node_ops {
    /* Multicast one message in agreed order. Return 0, or -EAGAIN to be called again with
     * the same message later (the node keeps it queued, in order). */
    int (*mcast)(void *ctx, const uint8_t *msg, size_t len);
    /* Answer the client of write `token`: rc 0 with the generation it got, or an error. */
    void (*reply)(void *ctx, uint64_t token, int rc, uint64_t gen);
    /* The replica's state changed (wake waiters, log). May be NULL. */
    void (*state)(void *ctx, enum bl_reg_sm_state st);
    /* The store failed with rc: leave the group; re-create the node later to rejoin. */
    void (*leave)(void *ctx, int rc);
};

struct bl_reg_node_config {
    const char *store_path;
    unsigned store_flags; /* BL_REG_STORE_* */
    uint64_t log_keep;    /* 0: the store's default */
    uint64_t max_bytes;   /* cap on the store file (0: none), see bl_reg_store_set_max_bytes */
    uint32_t nodeid;
    uint32_t pid;
    uint64_t nonce_seed;
    size_t chunk;            /* catch-up payload per message; 0: BL_REG_CHUNK_TARGET */
    uint64_t snapshot_max;   /* largest snapshot received, in total; 0: BL_REG_SNAPSHOT_MAX */
    uint32_t ack_timeout_ms; /* two-node: excuse a late member after this (0: never) */
    bool take_over;          /* record this replica as its history's sole writer at open */
};

struct bl_reg_node;

/**
 * Open the store and start a state machine from its durable identity.
 * \param[in]  ops, ctx  the seam; ops must outlive the node
 * \param[out] out       free with bl_reg_node_free()
 * \param[out] errmsg    if not NULL, on failure what is wrong (caller g_free()s it)
 * \return 0 or the store's open error
 */
int bl_reg_node_new(const struct bl_reg_node_config *cfg, const struct bl_reg_node_ops *ops,
                    void *ctx, struct bl_reg_node **out, char **errmsg);

/** Close the store (rolling back an open batch) and free. Accepts NULL. */
void bl_reg_node_free(struct bl_reg_node *n);

/** The node's store and state machine, for reads and status; owned by the node. */
struct bl_reg_store *bl_reg_node_store(struct bl_reg_node *n);
struct bl_reg_sm *bl_reg_node_sm(struct bl_reg_node *n);

/* Inputs; see reg_sm.h. */
void bl_reg_node_confchg(struct bl_reg_node *n, const struct bl_reg_addr *members, size_t count);
void bl_reg_node_ring(struct bl_reg_node *n, uint32_t ring_node, uint64_t ring_seq);
void bl_reg_node_quorum(struct bl_reg_node *n, bool quorate, uint32_t ring_node, uint64_t ring_seq,
                        uint32_t ring_nodes);
int bl_reg_node_deliver(struct bl_reg_node *n, uint32_t nodeid, uint32_t pid, const void *msg,
                        size_t len);
int bl_reg_node_submit(struct bl_reg_node *n, uint64_t token, const struct bl_reg_ops *ops);
void bl_reg_node_tick(struct bl_reg_node *n);
void bl_reg_node_two_node(struct bl_reg_node *n, bool two_node);
void bl_reg_node_node_down(struct bl_reg_node *n, uint32_t nodeid, uint64_t since);
void bl_reg_node_fenced(struct bl_reg_node *n, uint32_t nodeid, uint64_t when);
/** The monotonic clock in ms; call before bl_reg_node_end_of_batch(). */
void bl_reg_node_clock(struct bl_reg_node *n, uint64_t now_ms);
/** When to end a batch again for a write's ack-timeout (bl_reg_sm_deadline()); 0: never. */
uint64_t bl_reg_node_deadline(const struct bl_reg_node *n);

/**
 * End of an iteration: commit the batch, let the state machine send what waited for it,
 * answer clients, and hand queued messages to the transport.
 * \return 0, or the store error that made the node fail (already reported through leave)
 */
int bl_reg_node_end_of_batch(struct bl_reg_node *n);

/** Messages still queued because the transport said -EAGAIN. */
size_t bl_reg_node_queued(const struct bl_reg_node *n);

/** True once the store failed; the node then ignores every input. */
bool bl_reg_node_failed(const struct bl_reg_node *n);

/** Statistics for status and benchmarks. */
struct bl_reg_node_stats {
    uint64_t batches;       /* commits */
    uint64_t applied;       /* writes applied */
    uint64_t catchups;      /* catch-ups sent as source */
    uint64_t snapshots;     /* of which snapshots */
    uint64_t catchup_bytes; /* bytes of catch-up messages sent */
};
void bl_reg_node_stats(const struct bl_reg_node *n, struct bl_reg_node_stats *out);

#endif
