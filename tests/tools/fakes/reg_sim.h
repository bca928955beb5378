/*
 * A simulated Corosync group for the registry's replication tests: N replicas (real
 * reg_node + SQLite stores in a temporary directory) joined by a bus that delivers in one
 * total order inside each network partition, with CPG and totem configuration changes,
 * votequorum's verdict (majority of all nodes), daemon crashes (kill -9: the open batch is
 * lost) and restarts, and messages that only the sender's side receives at a partition
 * (what Totem delivers in a transitional configuration). With two_node, votequorum's two_node
 * flag: any partition with a node is quorate. A simulated clock (ms) drives the two-node
 * ack-timeout; a frozen daemon (SIGSTOP) receives nothing until thawed, then everything
 * Corosync queued for it, in order. A ring change reports the members on the other side as
 * lost with their node (CPG's NODEDOWN); sim_fence() is Pacemaker fencing a node, which every
 * daemon learns at its next iteration (as bmclinkd polls the fencer), on a logical clock.
 */
#ifndef REG_SIM_H
#define REG_SIM_H

#include <glib.h>
#include <stdbool.h>

#include "reg_node.h"

#define SIM_MAX 5

struct sim;

struct sim_node {
    struct sim *sim;
    int idx;
    struct bl_reg_node *node; /* NULL while the daemon is down */
    uint32_t nodeid;
    uint32_t pid;
    int part;            /* network partition; nodes in one partition form one ring */
    bool in_group;       /* daemon joined the CPG group */
    uint64_t max_bytes;  /* store cap for the next start */
    GHashTable *replies; /* token -> rc + 1 (so 0 means "no answer yet") */
    int left_rc;         /* set when the node left the group after a store failure */
    int wire;            /* the program's wire-format release (0 for all, as built); a
                          * member of another release receives the version byte it cannot
                          * decode, as between two bmclink versions during an upgrade */
    bool frozen;         /* SIGSTOPped: deliveries wait in held */
    bool take_over;      /* the next start is bmclinkd --take-over */
    GQueue held;         /* struct sim_msg *: delivered by Corosync, not yet read */
};

/* A configuration change as Corosync hands it to one daemon: held for a frozen one. */
struct sim_view {
    struct bl_reg_addr members[SIM_MAX];
    size_t count;
    bool ring_change;
    uint32_t ring_node;
    uint64_t ring_seq;
    bool two_node;
    bool quorate;
    uint32_t ring_nodes;
    struct sim_down {
        uint32_t nodeid;
        uint64_t since; /* when its daemon started, on the fencer's clock */
    } down[SIM_MAX];    /* the nodes outside the ring */
    size_t ndown;
};

struct sim_msg {
    int from;
    uint32_t pid;      /* the sender's process: a restarted daemon is another member */
    GByteArray *bytes; /* NULL: a configuration change (view) instead of a message */
    struct sim_view view;
};

struct sim {
    struct sim_node n[SIM_MAX];
    int count;
    char *dir;
    uint64_t ring_seq;
    uint64_t part_ring[SIM_MAX]; /* ring seq of each partition */
    GQueue bus;                  /* struct sim_msg * */
    size_t batch;                /* deliveries per main-loop iteration */
    uint64_t log_keep;
    uint64_t snapshot_max; /* each node's cap on a received snapshot (0: the default) */
    uint64_t next_token;
    bool leaving;            /* a node left the group since the last iteration */
    bool two_node;           /* votequorum's two_node: every non-empty partition is quorate */
    uint32_t ack_timeout_ms; /* each node's ack-timeout at its next start */
    uint64_t now_ms;         /* the simulated monotonic clock */
    uint64_t events;         /* the fencer's clock: a tick per daemon start and fencing */
    uint64_t started[SIM_MAX];
    uint64_t fenced[SIM_MAX]; /* when Pacemaker last fenced node i (0: never) */
};

void sim_init(struct sim *s, int count);
void sim_fini(struct sim *s);
/* Start node i's daemon (again) on its store and join the group. */
void sim_start(struct sim *s, int i);
/* kill -9 node i's daemon: no commit, no goodbye. */
void sim_crash(struct sim *s, int i);
/* Stop node i's daemon cleanly (SIGTERM: commit, leave the group). */
void sim_stop(struct sim *s, int i);
/* SIGSTOP / SIGCONT node i's daemon; a thawed daemon reads what Corosync queued for it. */
void sim_freeze(struct sim *s, int i);
void sim_thaw(struct sim *s, int i);
/* Let ms pass on the simulated clock, then end an iteration on every running node. */
void sim_advance(struct sim *s, uint64_t ms);
/* Move node i to partition p (a ring change for both sides). */
void sim_partition(struct sim *s, const int *parts);
/* Pacemaker fences node i: its daemon dies with its power (if it ran); from now on every
 * daemon that asks learns when. The node stays off (in its partition) until restarted. */
void sim_fence(struct sim *s, int i);
/* Deliver everything, batch by batch, until the group is quiet. */
void sim_run(struct sim *s);
/* Deliver at most n messages (one batch), then end the iteration on every node. */
void sim_step(struct sim *s, size_t n);
/* Deliver the next message only to the nodes in mask (bit i: node i), as Totem may in a
 * transitional configuration, then end the iteration. */
void sim_deliver_head_to(struct sim *s, unsigned mask);
/* Submit a one-op SET on node i; returns the token (or 0 and *rc when refused). */
uint64_t sim_set(struct sim *s, int i, const char *path, const char *name, const char *val,
                 int *rc);
/* Answer for token on node i: rc, or 1 when none yet. */
int sim_reply(struct sim *s, int i, uint64_t token);
enum bl_reg_sm_state sim_state(struct sim *s, int i);
/* Read a string value from node i's store; NULL if absent (caller g_free()s). */
char *sim_get(struct sim *s, int i, const char *path, const char *name);
/* Compare the identity and every item of two running nodes' replicas. */
bool sim_same(struct sim *s, int a, int b);

#endif
