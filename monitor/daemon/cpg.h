/*
 * bmclinkd's link to Corosync: one CPG group (agreed-order multicast, configuration changes
 * with the totem ring id) and votequorum's verdict, as GLib main-loop sources. Callbacks
 * arrive in Corosync's delivery order; end_of_batch follows each dispatch of the CPG or
 * votequorum connection, so the caller can commit once per batch. When Corosync goes away
 * the link reports it and reconnects by itself every second.
 */
#ifndef BLD_CPG_H
#define BLD_CPG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bld_cpg;

struct bld_cpg_member {
    uint32_t nodeid;
    uint32_t pid;
};

/* connected, confchg and lost are required. ring, deliver and end_of_batch may be NULL; a
 * NULL quorum makes the link membership only: it opens no votequorum connection (a group
 * that only needs to know who is in it, such as the BMC side's election). */
struct bld_cpg_callbacks {
    /* Connected to Corosync as nodeid; the group is joined next. */
    void (*connected)(void *ctx, uint32_t nodeid);
    /* A member left because its node left the ring (CPG_REASON_NODEDOWN: its power, its
     * Corosync, or the link to it), told before the confchg that removes it. May be NULL. */
    void (*node_down)(void *ctx, uint32_t nodeid);
    /* The group's members now (after a join, leave or failure). */
    void (*confchg)(void *ctx, const struct bld_cpg_member *members, size_t n);
    /* A new totem ring (also once right after joining). */
    void (*ring)(void *ctx, uint32_t ring_node, uint64_t ring_seq);
    /* A message, hostile until checked; valid during the call. */
    void (*deliver)(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
    /* votequorum: quorate or not, for which ring, with how many nodes in it. */
    void (*quorum)(void *ctx, bool quorate, uint32_t ring_node, uint64_t ring_seq, uint32_t nodes);
    /* A dispatch is over. */
    void (*end_of_batch)(void *ctx);
    /* The connection to Corosync is gone (we are out of the group until it is back). */
    void (*lost)(void *ctx);
};

/**
 * Connect to Corosync (retrying every second until it answers) and join `group`.
 * \param[in] cb, ctx  must outlive the link
 * \param[out] out     stop with bld_cpg_stop()
 */
void bld_cpg_start(const char *group, const struct bld_cpg_callbacks *cb, void *ctx,
                   struct bld_cpg **out);

/** Leave, disconnect, free. Accepts NULL. */
void bld_cpg_stop(struct bld_cpg *c);

/** Multicast in agreed order. \return 0, -EAGAIN (Corosync's queue is full: try later),
 *  -ENOTCONN, -E2BIG or -EIO */
int bld_cpg_mcast(struct bld_cpg *c, const void *msg, size_t len);

/**
 * How long Corosync takes at most to notice a silent node and deliver the new membership:
 * its effective token plus consensus timeouts (cmap runtime.config.totem.token and
 * .consensus), asked now.
 * \return 0 or -ENOTCONN / -ENOENT / -EIO
 */
int bld_corosync_membership_ms(uint32_t *out);

/** votequorum's two_node flag, as of its last notification (false without votequorum). */
bool bld_cpg_two_node(const struct bld_cpg *c);

/** Leave the group and disconnect from Corosync until bld_cpg_join(). */
void bld_cpg_leave(struct bld_cpg *c);
void bld_cpg_join(struct bld_cpg *c);

/** Our nodeid (0 until connected). */
uint32_t bld_cpg_nodeid(const struct bld_cpg *c);

#endif
