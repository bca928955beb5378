#include "reg_node.h"

#include <errno.h>
#include <string.h>

#include "bl_result.h"
#include "reg_catchup.h"

struct bl_reg_node {
    struct bl_reg_store *store;
    struct bl_reg_sm *sm;
    const struct bl_reg_node_ops *ops;
    void *ctx;
    size_t chunk;
    GQueue outbox;  /* GByteArray *: leave after the batch is durable */
    GQueue replies; /* struct bl_reg_action *: answered after the batch is durable */
    int failed;     /* the store error that stopped us, or 0 */
    struct bl_reg_node_stats stats;
};

/* The operator says the other node is gone for good: this replica becomes the sole writer of
 * its history, durably, before it joins (docs/registry.md, "Two nodes"). */
static int
take_over(struct bl_reg_store *store)
{
    struct bl_reg_state st;

    bl_reg_store_state(store, &st);
    return bl_reg_store_begin(store) ?: bl_reg_store_set_epoch(store, st.epoch, true)
                                     ?: bl_reg_store_commit(store);
}

int
bl_reg_node_new(const struct bl_reg_node_config *cfg, const struct bl_reg_node_ops *ops, void *ctx,
                struct bl_reg_node **out, char **errmsg)
{
    struct bl_reg_node *n = g_new0(struct bl_reg_node, 1);
    struct bl_reg_sm_init init = {
        .nodeid = cfg->nodeid,
        .pid = cfg->pid,
        .nonce_seed = cfg->nonce_seed,
        .snapshot_max = cfg->snapshot_max,
        .ack_timeout_ms = cfg->ack_timeout_ms,
    };
    int rc = bl_reg_store_open(cfg->store_path, cfg->store_flags, &n->store, errmsg);

    *out = NULL;
    if (rc != 0) {
        g_free(n);
        return rc;
    }
    if (cfg->log_keep > 0) {
        bl_reg_store_set_log_keep(n->store, cfg->log_keep);
    }
    rc = bl_reg_store_set_max_bytes(n->store, cfg->max_bytes);
    if (rc == 0 && cfg->take_over) {
        rc = take_over(n->store);
    }
    if (rc != 0) {
        bl_reg_store_close(n->store);
        g_free(n);
        return rc;
    }
    bl_reg_store_state(n->store, &init.state);
    bl_reg_sm_new(&init, &n->sm);
    n->ops = ops;
    n->ctx = ctx;
    n->chunk = cfg->chunk > 0 ? cfg->chunk : BL_REG_CHUNK_TARGET;
    g_queue_init(&n->outbox);
    g_queue_init(&n->replies);
    *out = n;
    return 0;
}

static void
free_action(gpointer p)
{
    bl_reg_action_clear(p);
    g_free(p);
}

void
bl_reg_node_free(struct bl_reg_node *n)
{
    if (n == NULL) {
        return;
    }
    g_queue_clear_full(&n->outbox, (GDestroyNotify) g_byte_array_unref);
    g_queue_clear_full(&n->replies, free_action);
    bl_reg_sm_free(n->sm);
    bl_reg_store_close(n->store);
    g_free(n);
}

struct bl_reg_store *
bl_reg_node_store(struct bl_reg_node *n)
{
    return n->store;
}

struct bl_reg_sm *
bl_reg_node_sm(struct bl_reg_node *n)
{
    return n->sm;
}

static void
fail(struct bl_reg_node *n, int rc)
{
    if (n->failed != 0) {
        return;
    }
    n->failed = rc;
    bl_reg_store_rollback(n->store);
    /* Nothing we queued may leave: it could describe state that never became durable. */
    g_queue_clear_full(&n->outbox, (GDestroyNotify) g_byte_array_unref);
    bl_reg_sm_store_failed(n->sm, rc);
}

static int
ensure_batch(struct bl_reg_node *n)
{
    return bl_reg_store_in_batch(n->store) ? 0 : bl_reg_store_begin(n->store);
}

static int
commit(struct bl_reg_node *n)
{
    int rc = bl_reg_store_in_batch(n->store) ? bl_reg_store_commit(n->store) : 0;

    if (rc == 0) {
        n->stats.batches++;
    }
    return rc;
}

static int
queue_msg(void *data, const uint8_t *msg, size_t len)
{
    struct bl_reg_node *n = data;
    GByteArray *b = g_byte_array_sized_new((guint) len);

    g_byte_array_append(b, msg, (guint) len);
    g_queue_push_tail(&n->outbox, b);
    n->stats.catchup_bytes += len;
    return 0;
}

static int
run_catchup(struct bl_reg_node *n, const struct bl_reg_action *a)
{
    uint32_t kind = 0;
    int rc = commit(n);

    if (rc == 0) {
        rc = bl_reg_catchup_build(n->store, a, n->chunk, queue_msg, n, &kind);
    }
    n->stats.catchups++;
    n->stats.snapshots += kind == BL_REG_CU_SNAPSHOT;
    return rc;
}

static int
run_one(struct bl_reg_node *n, struct bl_reg_action *a)
{
    switch (a->kind) {
        case BL_REG_ACT_MCAST:
            g_queue_push_tail(&n->outbox, g_byte_array_ref(a->bytes));
            return 0;
        case BL_REG_ACT_APPLY:
            n->stats.applied++;
            return ensure_batch(n)
                       ?: bl_reg_store_apply(n->store, a->state.gen, a->state.hash, a->bytes->data,
                                             a->bytes->len, &a->ops);
        case BL_REG_ACT_EPOCH:
            return ensure_batch(n)
                       ?: bl_reg_store_set_epoch(n->store, a->state.epoch, a->state.sole);
        case BL_REG_ACT_REPLACE:
            return commit(n) ?: bl_reg_store_replace(n->store, &a->ops, &a->state);
        case BL_REG_ACT_CATCHUP:
            return run_catchup(n, a);
        case BL_REG_ACT_STATE:
        case BL_REG_ACT_LEAVE:
        case BL_REG_ACT_REPLY:
            break; /* handled by run_actions, also after a failure */
    }
    return 0;
}

static void
run_actions(struct bl_reg_node *n)
{
    struct bl_reg_action a;

    while (bl_reg_sm_next(n->sm, &a)) {
        int rc = 0;
        if (a.kind == BL_REG_ACT_REPLY) {
            g_queue_push_tail(&n->replies, g_memdup2(&a, sizeof(a)));
            continue;
        }
        if (a.kind == BL_REG_ACT_STATE && n->ops->state != NULL) {
            n->ops->state(n->ctx, a.sm_state);
        } else if (a.kind == BL_REG_ACT_LEAVE) {
            n->ops->leave(n->ctx, n->failed);
        } else if (n->failed == 0) {
            rc = run_one(n, &a);
        }
        bl_reg_action_clear(&a);
        if (rc != 0) {
            fail(n, rc);
        }
    }
}

void
bl_reg_node_confchg(struct bl_reg_node *n, const struct bl_reg_addr *members, size_t count)
{
    bl_reg_sm_confchg(n->sm, members, count);
    run_actions(n);
}

void
bl_reg_node_ring(struct bl_reg_node *n, uint32_t ring_node, uint64_t ring_seq)
{
    bl_reg_sm_ring(n->sm, ring_node, ring_seq);
    run_actions(n);
}

void
bl_reg_node_quorum(struct bl_reg_node *n, bool quorate, uint32_t ring_node, uint64_t ring_seq,
                   uint32_t ring_nodes)
{
    bl_reg_sm_quorum(n->sm, quorate, ring_node, ring_seq, ring_nodes);
    run_actions(n);
}

int
bl_reg_node_deliver(struct bl_reg_node *n, uint32_t nodeid, uint32_t pid, const void *msg,
                    size_t len)
{
    int rc = bl_reg_sm_deliver(n->sm, nodeid, pid, msg, len);

    run_actions(n);
    return rc;
}

int
bl_reg_node_submit(struct bl_reg_node *n, uint64_t token, const struct bl_reg_ops *ops)
{
    int rc = bl_reg_sm_submit(n->sm, token, ops);

    run_actions(n);
    return rc;
}

void
bl_reg_node_two_node(struct bl_reg_node *n, bool two_node)
{
    bl_reg_sm_two_node(n->sm, two_node);
    run_actions(n);
}

void
bl_reg_node_node_down(struct bl_reg_node *n, uint32_t nodeid, uint64_t since)
{
    bl_reg_sm_node_down(n->sm, nodeid, since);
    run_actions(n);
}

void
bl_reg_node_fenced(struct bl_reg_node *n, uint32_t nodeid, uint64_t when)
{
    bl_reg_sm_fenced(n->sm, nodeid, when);
    run_actions(n);
}

void
bl_reg_node_clock(struct bl_reg_node *n, uint64_t now_ms)
{
    bl_reg_sm_clock(n->sm, now_ms);
}

uint64_t
bl_reg_node_deadline(const struct bl_reg_node *n)
{
    return n->failed != 0 ? 0 : bl_reg_sm_deadline(n->sm);
}

void
bl_reg_node_tick(struct bl_reg_node *n)
{
    bl_reg_sm_tick(n->sm);
    run_actions(n);
}

static void
send_outbox(struct bl_reg_node *n)
{
    GByteArray *b;

    while ((b = g_queue_peek_head(&n->outbox)) != NULL) {
        if (n->ops->mcast(n->ctx, b->data, b->len) != 0) {
            return; /* -EAGAIN: keep it, in order, for the next call */
        }
        g_byte_array_unref(g_queue_pop_head(&n->outbox));
    }
}

static void
answer_clients(struct bl_reg_node *n)
{
    struct bl_reg_action *a;

    while ((a = g_queue_pop_head(&n->replies)) != NULL) {
        n->ops->reply(n->ctx, a->token, a->rc, a->state.gen);
        free_action(a);
    }
}

int
bl_reg_node_end_of_batch(struct bl_reg_node *n)
{
    if (n->failed == 0) {
        int rc = commit(n);
        if (rc != 0) {
            fail(n, rc);
        }
    }
    if (n->failed == 0) {
        bl_reg_sm_flush(n->sm);
        run_actions(n);
        /* A catch-up built during the flush may have opened nothing, but make sure. */
        int rc = commit(n);
        if (rc != 0) {
            fail(n, rc);
        }
        run_actions(n);
    }
    answer_clients(n);
    if (n->failed == 0) {
        send_outbox(n);
    }
    return n->failed;
}

size_t
bl_reg_node_queued(const struct bl_reg_node *n)
{
    return n->outbox.length;
}

bool
bl_reg_node_failed(const struct bl_reg_node *n)
{
    return n->failed != 0;
}

void
bl_reg_node_stats(const struct bl_reg_node *n, struct bl_reg_node_stats *out)
{
    *out = n->stats;
}
