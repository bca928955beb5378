/*
 * The registry module of bmclinkd: a reg_node (resource/registry/reg_node.h) between Corosync
 * (cpg.c) and the control socket (ipc.c). reg_service.c runs the node and its links;
 * reg_requests.c answers the clients. Internal to the daemon.
 */
#ifndef BLD_REG_SERVICE_H
#define BLD_REG_SERVICE_H

#include "cpg.h"
#include "daemon.h"
#include "pcmk.h"
#include "reg_ipc.h"
#include "reg_node.h"

/* A client waiting for the answer to a write. */
struct bld_reg_pending {
    struct bld_ipc_conn *conn; /* NULL once the client left: the answer is dropped */
    uint32_t seq;
};

/* A client waiting for "in sync". */
struct bld_reg_waiter {
    struct bld_reg *reg;
    struct bld_ipc_conn *conn;
    uint32_t seq;
    guint timer;
};

/* A client watching a subtree. */
struct bld_reg_watcher {
    struct bld_reg *reg;
    struct bld_ipc_conn *conn;
    char *prefix;
    unsigned id;   /* the store's watch id */
    bool overflow; /* events were dropped: send a RESET when there is room again */
};

struct bld_reg {
    struct bld *d;
    struct bl_reg_node_config ncfg;
    char *store_path;
    struct bl_reg_node *node; /* NULL while the store is being reopened after a failure */
    struct bld_cpg *cpg;
    uint32_t nodeid;
    GHashTable *pending; /* token -> struct bld_reg_pending * */
    uint64_t next_token;
    GList *waiters;  /* struct bld_reg_waiter * */
    GList *watchers; /* struct bld_reg_watcher * */
    guint tick_src;
    guint kick_src;
    guint resend_src;
    guint recover_src;
    guint deadline_src;       /* a write's ack-timeout (two nodes) */
    uint32_t ack_timeout_cfg; /* [registry] ack-timeout; 0: from Corosync's timeouts */
    bool vq_quorate;          /* votequorum's last verdict */
    unsigned recover_s;
    gint64 sync_started;   /* monotonic time the current round began, 0 when in sync */
    uint64_t last_sync_us; /* duration of the last round that ended in sync */
    /* Waiting for a fencing (reg_fencing.c) */
    GHashTable *seen;     /* member (nodeid << 32 | pid) -> when it joined, s since the epoch */
    struct bl_pcmk *pcmk; /* asks the fencer */
    guint fence_src;      /* the poll, while the state machine waits for a fencing */
    uint32_t fence_asked; /* the node a question in flight is about; 0: none */
    size_t fence_next;    /* which waited-for node to ask about next */
    uint64_t fence_wait_since; /* when the current wait began, s since the epoch */
    uint64_t fence_warned;     /* when the wait or a failed question was last logged */
};

/* reg_service.c */
/** Run the node's end of batch soon (once per main-loop iteration). */
void bld_reg_kick(struct bld_reg *reg);

/* reg_fencing.c: two nodes, a peer lost with its node (docs/registry.md, "A cut link") */
/** Make the pcmk seam ([registry] stonith-admin). \return 0 or BL_E_INVALID */
int bld_reg_fencing_init(struct bld_reg *reg, const struct bld_config *cfg);
void bld_reg_fencing_free(struct bld_reg *reg);
/** The group's members now: remember when each new one joined. */
void bld_reg_fencing_members(struct bld_reg *reg, const struct bld_cpg_member *m, size_t n);
/** CPG: a member left with its node (NODEDOWN); before the confchg. */
void bld_reg_fencing_node_down(struct bld_reg *reg, uint32_t nodeid);
/** After a batch: ask the fencer once a second while the state machine waits for a fencing. */
void bld_reg_fencing_check(struct bld_reg *reg);

/* reg_requests.c */
void bld_reg_on_request(void *ctx, struct bld_ipc_conn *conn, uint32_t id, const uint8_t *p,
                        size_t len);
void bld_reg_on_closed(void *ctx, struct bld_ipc_conn *conn);
/** Answer every waiter: the replica is active now. */
void bld_reg_wake_waiters(struct bld_reg *reg);
/** Register every watcher on the (new) node's store. */
void bld_reg_rewatch(struct bld_reg *reg);
/** Answer the client of write `token`. */
void bld_reg_answer_write(struct bld_reg *reg, uint64_t token, int rc, uint64_t gen);
void bld_reg_requests_free(struct bld_reg *reg);

#endif
