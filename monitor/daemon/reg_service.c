/*
 * The registry module: runs a reg_node over the CPG link, commits once per main-loop
 * iteration, and recovers from a failed store by leaving the group, reopening the store and
 * rejoining (the node then catches up like any other late member).
 */
#include "reg_service.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bl_log.h"
#include "bl_result.h"
#include "bmc_status.h"

#define RESEND_MS 2
#define TICK_MS 1000
#define ACK_TIMEOUT_FALLBACK_MS 10000 /* ack-timeout 0 while Corosync's timeouts are unknown */

const struct bl_conf_key bld_registry_options[] = {
    {"registry", "enabled", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, 0, 0,
     "Run the synchronized registry."},
    {"registry", "store", BL_CONF_STRDUP, "/var/lib/bmclink/registry.db", 1, 0, NULL, NULL, 0,
     BL_CONF_ABSPATH, "This node's replica (SQLite; its -wal and -shm files live beside it)."},
    {"registry", "group", BL_CONF_STRDUP, "bmclink-reg", 0, 0, NULL, NULL, 0, 0,
     "Corosync CPG group of the replicas; every node must use the same."},
    {"registry", "log-keep", BL_CONF_INT, "100000", 1, 100000000, NULL, NULL, 0, 0,
     "Writes kept for catching up a node that missed them; beyond, it gets a snapshot."},
    {"registry", "max-store-bytes", BL_CONF_INT, "0", 0, INT64_MAX, NULL, NULL, 0, 0,
     "Cap on the replica's size (0: none); past it writes fail as on a full disk."},
    {"registry", "retry-interval", BL_CONF_SECONDS, "5", 1, 3600, NULL, NULL, 0, 0,
     "Seconds between attempts to reopen the replica after a store failure."},
    {"registry", "ack-timeout", BL_CONF_DURATION, "0", 0, 600000, NULL, NULL, 0, 0,
     "Two-node clusters: a write waits at most this long for the other daemon's "
     "confirmation (a frozen daemon), then is answered once durable here. 0: Corosync's "
     "token + consensus timeouts plus 1 s (7.6 s with token 3000), read when connecting; a "
     "set value must be longer than those (docs/registry.md, \"Two nodes\")."},
    {"registry", "stonith-admin", BL_CONF_STRDUP, "/usr/sbin/stonith_admin", 1, 0, NULL, NULL, 0,
     BL_CONF_ABSPATH,
     "Pacemaker's stonith_admin: two-node clusters ask it whether a node lost with its "
     "bmclinkd in the group was fenced before writing alone (docs/registry.md, \"A cut link\")."},
    {"registry", "durable", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, 0, 0,
     "fsync every batch (one sync of the write-ahead log, before any answer or message "
     "depends on it). false is for benchmarks only: a power loss may "
     "then lose acknowledged writes on this node."},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

static int
node_mcast(void *ctx, const uint8_t *msg, size_t len)
{
    struct bld_reg *reg = ctx;
    int rc = bld_cpg_mcast(reg->cpg, msg, len);

    if (rc == -EAGAIN) {
        return rc; /* kept in order by the node; bld_reg_kick() retries */
    }
    if (rc != 0 && rc != -ENOTCONN) {
        qb_log(LOG_ERR, "registry: multicast of %zu bytes failed: %s", len, bl_strerror(rc));
    }
    /* Out of the group, nothing we say matters: the next round starts afresh. */
    return 0;
}

static void
node_reply(void *ctx, uint64_t token, int rc, uint64_t gen)
{
    bld_reg_answer_write(ctx, token, rc, gen);
}

/* Read-only with votequorum's blessing: the two-node rule refused, so say why and the way
 * out (whichever of the state change and the quorum notification comes last). */
static void
explain_read_only(const struct bld_reg *reg, const struct bl_reg_sm_status *s)
{
    /* (While a lost peer's fencing is awaited, reg_fencing.c says so instead.) */
    if (s->state == BL_REG_SM_READONLY && reg->vq_quorate && s->two_node && s->nmembers == 1 &&
        s->unfenced == 0) {
        qb_log(LOG_WARNING,
               "registry: alone in a two-node cluster, and this replica may lack writes the "
               "other node acknowledged (it was not the last to write alone): read-only until "
               "the other node's bmclinkd joins. If that node is lost for good, see "
               "bmclinkd --take-over (docs/registry.md, \"Two nodes\")");
    }
}

static void
node_state(void *ctx, enum bl_reg_sm_state st)
{
    struct bld_reg *reg = ctx;
    struct bl_reg_sm_status s;

    bl_reg_sm_status(bl_reg_node_sm(reg->node), &s);
    if (st == BL_REG_SM_SYNCING || st == BL_REG_SM_JOINING) {
        reg->sync_started = reg->sync_started != 0 ? reg->sync_started : g_get_monotonic_time();
    } else if (reg->sync_started != 0) {
        reg->last_sync_us = (uint64_t) (g_get_monotonic_time() - reg->sync_started);
        reg->sync_started = 0;
    }
    qb_log(st == BL_REG_SM_ACTIVE || st == BL_REG_SM_SYNCING ? LOG_INFO : LOG_NOTICE,
           "registry: %s (epoch %" G_GUINT64_FORMAT ", generation %" G_GUINT64_FORMAT
           ", %zu members, round took %.1f ms)",
           bl_reg_sm_state_name(st), s.epoch, s.gen, s.nmembers,
           st == BL_REG_SM_SYNCING ? 0.0 : reg->last_sync_us / 1000.0);
    if (st == BL_REG_SM_ACTIVE) {
        bld_reg_wake_waiters(reg);
    }
    explain_read_only(reg, &s);
}

static gboolean recover(gpointer p);

static void
node_leave(void *ctx, int rc)
{
    struct bld_reg *reg = ctx;

    struct bl_reg_store *store = bl_reg_node_store(reg->node);

    qb_log(LOG_ERR, "registry: store %s failed: %s (%s); leaving the group, %s %u s",
           reg->store_path, bl_strerror(rc), bl_reg_store_errmsg(store),
           bl_reg_store_untrusted(store) ? "setting it aside (its sync failed) and starting "
                                           "empty in"
                                         : "retrying every",
           reg->recover_s);
    bld_cpg_leave(reg->cpg);
    if (reg->recover_src == 0) {
        reg->recover_src = g_timeout_add_seconds(reg->recover_s, recover, reg);
    }
}

static const struct bl_reg_node_ops node_ops = {
    .mcast = node_mcast,
    .reply = node_reply,
    .state = node_state,
    .leave = node_leave,
};

static int
open_node(struct bld_reg *reg, char **errmsg)
{
    int rc = bl_reg_node_new(&reg->ncfg, &node_ops, reg, &reg->node, errmsg);

    if (rc == 0 && reg->nodeid != 0) {
        bl_reg_sm_set_self(bl_reg_node_sm(reg->node), reg->nodeid, (uint32_t) getpid());
    }
    return rc;
}

/* Move the store and its write-ahead log to STORE.WHY-TIME, the log under the name SQLite
 * gives the moved file's log, so the pair still opens as one. \return 0 or -errno */
static int
set_aside(struct bld_reg *reg, const char *why, char **aside_out)
{
    g_autofree char *aside = g_strdup_printf("%s.%s-%" G_GINT64_FORMAT, reg->store_path, why,
                                             g_get_real_time() / G_USEC_PER_SEC);
    g_autofree char *wal = g_strconcat(reg->store_path, "-wal", NULL);
    g_autofree char *aside_wal = g_strconcat(aside, "-wal", NULL);
    g_autofree char *shm = g_strconcat(reg->store_path, "-shm", NULL);

    if (rename(reg->store_path, aside) != 0 || (rename(wal, aside_wal) != 0 && errno != ENOENT) ||
        (unlink(shm) != 0 && errno != ENOENT)) {
        return -errno;
    }
    *aside_out = g_steal_pointer(&aside);
    return 0;
}

/* A failed sync of the log leaves a file this boot cannot judge (the page cache shows the
 * batch, the disk may not hold it): the replica is set aside and this node starts empty,
 * receiving a full copy from the cluster. \return false: the registry stays off here */
static bool
set_aside_untrusted(struct bld_reg *reg)
{
    g_autofree char *aside = NULL;
    int rc = set_aside(reg, "syncfail", &aside);

    if (rc != 0) {
        qb_log(LOG_ERR,
               "registry: cannot set %s aside after its failed sync: %s; the registry stays "
               "off on this node. Check the disk, then restart bmclinkd with --reset-store "
               "after moving the file aside by hand",
               reg->store_path, bl_strerror(rc));
        return false;
    }
    qb_log(LOG_WARNING,
           "registry: %s set aside as %s after a failed sync (what it holds may not be on "
           "disk); starting empty, this node receives a full copy from the cluster. If no "
           "other node holds the registry, stop bmclinkd everywhere and move %s back",
           reg->store_path, aside, aside);
    return true;
}

/* The store failed: a fresh node on the reopened store rejoins and catches up; a store
 * whose sync failed is not reopened but set aside first. */
static gboolean
recover(gpointer p)
{
    struct bld_reg *reg = p;
    char *err = NULL;
    bool untrusted = reg->node != NULL && bl_reg_store_untrusted(bl_reg_node_store(reg->node));

    bl_reg_node_free(reg->node);
    reg->node = NULL;
    if (untrusted && set_aside_untrusted(reg) == false) {
        reg->recover_src = 0;
        return G_SOURCE_REMOVE;
    }
    int rc = open_node(reg, &err);
    if (rc != 0) {
        qb_log(LOG_ERR, "registry: cannot reopen %s: %s (%s); next try in %u s", reg->store_path,
               bl_strerror(rc), err, reg->recover_s);
        g_free(err);
        return G_SOURCE_CONTINUE;
    }
    qb_log(LOG_NOTICE, "registry: store %s reopened; rejoining", reg->store_path);
    reg->recover_src = 0;
    bld_reg_rewatch(reg);
    bld_cpg_join(reg->cpg);
    return G_SOURCE_REMOVE;
}

static gboolean resend(gpointer p);
static gboolean deadline_passed(gpointer p);

static uint64_t
now_ms(void)
{
    return (uint64_t) (g_get_monotonic_time() / 1000);
}

/* A write waits for the other daemon's confirmation at most until its ack-timeout: end a
 * batch then, and the state machine answers it (two nodes only; 0 means nothing waits). */
static void
arm_deadline(struct bld_reg *reg)
{
    uint64_t due = bl_reg_node_deadline(reg->node);

    if (due == 0 || reg->deadline_src != 0) {
        return;
    }
    uint64_t now = now_ms();
    reg->deadline_src =
        g_timeout_add((guint) (due > now ? MIN(due - now, G_MAXUINT) : 0), deadline_passed, reg);
}

/* Commit what this iteration delivered, then let queued messages go; Corosync's queue may
 * be full (CS_ERR_TRY_AGAIN: its own totem queue, or a membership change in progress; a
 * frozen daemon elsewhere does not cause it), in which case we try again shortly. */
static void
end_of_batch(struct bld_reg *reg)
{
    if (reg->node == NULL || bl_reg_node_failed(reg->node)) {
        return;
    }
    bl_reg_node_clock(reg->node, now_ms());
    bl_reg_node_end_of_batch(reg->node);
    if (bl_reg_node_queued(reg->node) > 0 && reg->resend_src == 0) {
        reg->resend_src = g_timeout_add(RESEND_MS, resend, reg);
    }
    arm_deadline(reg);
    bld_reg_fencing_check(reg);
}

/* A one-shot source that ends a batch: it forgets its id first. */
static gboolean
batch_source(struct bld_reg *reg, guint *src)
{
    *src = 0;
    end_of_batch(reg);
    return G_SOURCE_REMOVE;
}

static gboolean
deadline_passed(gpointer p)
{
    return batch_source(p, &((struct bld_reg *) p)->deadline_src);
}

static gboolean
resend(gpointer p)
{
    return batch_source(p, &((struct bld_reg *) p)->resend_src);
}

static gboolean
kicked(gpointer p)
{
    return batch_source(p, &((struct bld_reg *) p)->kick_src);
}

/* At idle priority: every request already waiting on the control socket is read first, so
 * the writes they carry leave together in one CPG message. The client's window bounds how
 * long that can take; deliveries flush on their own (on_batch_end). */
void
bld_reg_kick(struct bld_reg *reg)
{
    if (reg->kick_src == 0) {
        reg->kick_src = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, kicked, reg, NULL);
    }
}

/* ---- Corosync */

/* The shared membership view (daemon.h): n members, lowest nodeid, then tell its follower. */
static void
view_update(struct bld *d, const struct bld_cpg_member *m, size_t n)
{
    uint32_t lowest = 0;

    for (size_t i = 0; i < n; i++) {
        if (lowest == 0 || m[i].nodeid < lowest) {
            lowest = m[i].nodeid;
        }
    }
    d->view.n = n;
    d->view.lowest = lowest;
    if (d->view_changed != NULL) {
        d->view_changed(d);
    }
}

/* The two-node rule excuses a late member only once Corosync would have delivered a new
 * membership had that node gone silent: sooner, it would answer writes earlier than a ring
 * change does (docs/registry.md, "Two nodes"). ack-timeout 0 takes that time plus 1 s. */
static void
set_ack_timeout(struct bld_reg *reg)
{
    uint32_t membership = 0;
    int rc = bld_corosync_membership_ms(&membership);
    uint32_t ms = reg->ack_timeout_cfg;

    if (ms == 0) {
        ms = rc == 0 ? membership + 1000 : ACK_TIMEOUT_FALLBACK_MS;
    } else if (rc == 0 && ms <= membership) {
        qb_log(LOG_WARNING,
               "registry: ack-timeout (%u ms) is not longer than Corosync's token + consensus "
               "timeouts (%u ms): in a two-node cluster a write could then be answered before "
               "a silent node is noticed; leave ack-timeout at 0 (automatic) or raise it",
               ms, membership);
    }
    reg->ncfg.ack_timeout_ms = ms;
    if (reg->node != NULL) {
        bl_reg_sm_set_ack_timeout(bl_reg_node_sm(reg->node), ms);
    }
}

static void
on_connected(void *ctx, uint32_t nodeid)
{
    struct bld_reg *reg = ctx;

    reg->nodeid = nodeid;
    reg->d->view.self = nodeid;
    if (reg->node != NULL) {
        bl_reg_sm_set_self(bl_reg_node_sm(reg->node), nodeid, (uint32_t) getpid());
    }
    set_ack_timeout(reg);
}

static void
on_confchg(void *ctx, const struct bld_cpg_member *m, size_t n)
{
    struct bld_reg *reg = ctx;
    g_autofree struct bl_reg_addr *a = g_new0(struct bl_reg_addr, n + 1);

    for (size_t i = 0; i < n; i++) {
        a[i] = (struct bl_reg_addr){m[i].nodeid, m[i].pid};
    }
    if (reg->node != NULL) {
        bl_reg_node_confchg(reg->node, a, n);
    }
    bld_reg_fencing_members(reg, m, n);
    view_update(reg->d, m, n);
}

static void
on_ring(void *ctx, uint32_t ring_node, uint64_t ring_seq)
{
    struct bld_reg *reg = ctx;

    if (reg->node != NULL) {
        bl_reg_node_ring(reg->node, ring_node, ring_seq);
    }
}

static void
on_deliver(void *ctx, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
    struct bld_reg *reg = ctx;

    if (reg->node == NULL) {
        return;
    }
    /* A write's ack-timeout counts from its delivery, not from the last batch's end. */
    bl_reg_node_clock(reg->node, now_ms());
    int rc = bl_reg_node_deliver(reg->node, nodeid, pid, msg, len);
    if (rc != 0) {
        qb_log(LOG_WARNING, "registry: ignored a %zu-byte message from node %u pid %u: %s", len,
               nodeid, pid, bl_strerror(rc));
    }
}

static void
on_quorum(void *ctx, bool quorate, uint32_t ring_node, uint64_t ring_seq, uint32_t nodes)
{
    struct bld_reg *reg = ctx;

    bool newly = quorate && reg->vq_quorate == false;
    struct bl_reg_sm_status s;

    reg->vq_quorate = quorate;
    if (reg->node != NULL) {
        bl_reg_node_two_node(reg->node, reg->cpg != NULL && bld_cpg_two_node(reg->cpg));
        bl_reg_node_quorum(reg->node, quorate, ring_node, ring_seq, nodes);
        if (newly) {
            bl_reg_sm_status(bl_reg_node_sm(reg->node), &s);
            explain_read_only(reg, &s);
        }
    }
}

static void
on_batch_end(void *ctx)
{
    end_of_batch(ctx);
}

static void
on_lost(void *ctx)
{
    struct bld_reg *reg = ctx;

    if (reg->node != NULL) {
        bl_reg_node_confchg(reg->node, NULL, 0);
        end_of_batch(reg);
    }
    /* Out of the group we miss joins and fencings: every member is new when we are back. */
    bld_reg_fencing_members(reg, NULL, 0);
    view_update(reg->d, NULL, 0);
}

static void
on_node_down(void *ctx, uint32_t nodeid)
{
    bld_reg_fencing_node_down(ctx, nodeid);
}

static const struct bld_cpg_callbacks cpg_cb = {
    .connected = on_connected,
    .node_down = on_node_down,
    .confchg = on_confchg,
    .ring = on_ring,
    .deliver = on_deliver,
    .quorum = on_quorum,
    .end_of_batch = on_batch_end,
    .lost = on_lost,
};

static gboolean
tick(gpointer p)
{
    struct bld_reg *reg = p;

    if (reg->node != NULL) {
        bl_reg_node_tick(reg->node);
        bld_reg_kick(reg);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- start and stop */

/* A corrupt store stops the daemon unless told to set it aside: the operator decides. */
static int
open_or_reset(struct bld_reg *reg, char **errmsg)
{
    int rc = open_node(reg, errmsg);

    if (rc != BL_E_CORRUPT || reg->d->reset_store == false) {
        return rc;
    }
    g_autofree char *aside = NULL;
    int moved = set_aside(reg, "corrupt", &aside);
    if (moved != 0) {
        return moved;
    }
    qb_log(LOG_WARNING, "registry: store %s is corrupt (%s); moved to %s, starting empty",
           reg->store_path, *errmsg, aside);
    g_clear_pointer(errmsg, g_free);
    return open_node(reg, errmsg);
}

static void
configure(struct bld_reg *reg, const struct bld_config *cfg)
{
    reg->store_path = g_strdup(bld_config_str(cfg, "registry", "store"));
    reg->ncfg.store_path = reg->store_path;
    reg->ncfg.store_flags = BL_REG_STORE_CREATE;
    if (bld_config_bool(cfg, "registry", "durable") == false) {
        reg->ncfg.store_flags |= BL_REG_STORE_NOSYNC;
    }
    reg->ncfg.log_keep = (uint64_t) bld_config_int(cfg, "registry", "log-keep");
    reg->ncfg.max_bytes = (uint64_t) bld_config_int(cfg, "registry", "max-store-bytes");
    reg->ncfg.pid = (uint32_t) getpid();
    reg->ncfg.nonce_seed = (uint64_t) g_get_real_time() << 16 ^ (uint64_t) getpid();
    reg->recover_s = (unsigned) bld_config_int(cfg, "registry", "retry-interval");
    reg->ack_timeout_cfg = (uint32_t) bld_config_int(cfg, "registry", "ack-timeout");
    reg->ncfg.ack_timeout_ms =
        reg->ack_timeout_cfg != 0 ? reg->ack_timeout_cfg : ACK_TIMEOUT_FALLBACK_MS;
}

int
bld_reg_start(struct bld *d)
{
    struct bld_reg *reg;
    char *err = NULL;

    if (bld_config_bool(d->cfg, "registry", "enabled") == false) {
        return 0;
    }
    reg = g_new0(struct bld_reg, 1);
    reg->d = d;
    reg->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    configure(reg, d->cfg);
    int rc = bld_reg_fencing_init(reg, d->cfg);
    /* 0700: the replica holds every registry value, secrets included */
    if (rc == 0) {
        rc = bld_config_make_parent(reg->store_path, 0700);
    }
    reg->ncfg.take_over = d->take_over;
    if (rc == 0) {
        rc = open_or_reset(reg, &err);
    }
    if (rc == 0 && d->take_over) {
        qb_log(LOG_WARNING,
               "registry: --take-over: %s is now recorded as its history's sole writer; this "
               "node writes alone from it, and writes only the other node held are lost",
               reg->store_path);
    }
    reg->ncfg.take_over = false; /* once: a reopen after a store failure is no take-over */
    if (rc != 0) {
        fprintf(stderr, "bmclinkd: registry store %s: %s: %s\n", reg->store_path, bl_strerror(rc),
                err != NULL ? err : "");
        qb_log(LOG_ERR, "registry store %s: %s (%s)%s", reg->store_path, bl_strerror(rc),
               err != NULL ? err : "",
               rc == BL_E_CORRUPT ? ". Move the file aside (or start once with --reset-store): "
                                    "this node then receives a full copy from the cluster"
                                  : "");
        g_free(err);
        d->reg = reg;
        bld_reg_stop(d);
        return rc;
    }
    d->reg = reg;
    d->view.tracked = true;
    bld_ipc_register(d->ipc, BL_REG_IPC_GET, BL_REG_IPC_EVENT, bld_reg_on_request,
                     bld_reg_on_closed, reg);
    bld_cpg_start(bld_config_str(d->cfg, "registry", "group"), &cpg_cb, reg, &reg->cpg);
    reg->tick_src = g_timeout_add(TICK_MS, tick, reg);
    return 0;
}

void
bld_reg_stop(struct bld *d)
{
    struct bld_reg *reg = d->reg;

    if (reg == NULL) {
        return;
    }
    if (reg->node != NULL && bl_reg_node_failed(reg->node) == false) {
        bl_reg_node_end_of_batch(reg->node); /* commit what was delivered */
    }
    if (d->ipc != NULL) {
        bld_ipc_unregister(d->ipc, reg);
    }
    bld_cpg_stop(reg->cpg);
    g_clear_handle_id(&reg->tick_src, g_source_remove);
    g_clear_handle_id(&reg->kick_src, g_source_remove);
    g_clear_handle_id(&reg->resend_src, g_source_remove);
    g_clear_handle_id(&reg->recover_src, g_source_remove);
    g_clear_handle_id(&reg->deadline_src, g_source_remove);
    bld_reg_requests_free(reg);
    bld_reg_fencing_free(reg);
    bl_reg_node_free(reg->node);
    g_hash_table_destroy(reg->pending);
    g_free(reg->store_path);
    g_free(reg);
    d->reg = NULL;
    d->view = (struct bld_view){0};
}

void
bld_reg_status(struct bld_reg *reg, struct bl_status *st)
{
    struct bl_reg_sm_status s;
    g_autoptr(GString) members = g_string_new(NULL);

    if (reg == NULL) {
        bl_status_add(st, "registry.state", "off");
        return;
    }
    if (reg->node == NULL) {
        bl_status_add(st, "registry.state", "reopening the store");
        return;
    }
    bl_reg_sm_status(bl_reg_node_sm(reg->node), &s);
    for (size_t i = 0; i < s.nmembers; i++) {
        g_string_append_printf(members, "%s%u", i > 0 ? " " : "", s.members[i].nodeid);
    }
    bl_status_add(st, "registry.state", bl_reg_sm_state_name(s.state));
    bl_status_add(st, "registry.in_sync", s.state == BL_REG_SM_ACTIVE ? "yes" : "no");
    bl_status_addf(st, "registry.generation", "%" G_GUINT64_FORMAT, s.gen);
    bl_status_addf(st, "registry.epoch", "%" G_GUINT64_FORMAT, s.epoch);
    bl_status_add(st, "registry.quorate", s.quorate ? "yes" : "no");
    bl_status_add(st, "registry.two_node",
                  s.two_node ? (s.sole ? "yes, sole writer" : "yes") : "no");
    if (s.unfenced != 0) {
        bl_status_addf(st, "registry.awaiting_fencing", "node %u", s.unfenced);
    }
    bl_status_addf(st, "registry.nodeid", "%u", reg->nodeid);
    bl_status_add(st, "registry.members", members->str);
}
