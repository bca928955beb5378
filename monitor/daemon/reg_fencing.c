/*
 * Two nodes, a cut link (docs/registry.md, "A cut link"): when the other node leaves the ring
 * while its daemon is in our group, the state machine stops writing alone until Pacemaker
 * has fenced that node. This file is the daemon's side of it: it remembers when each member
 * joined (a fencing before that was of an earlier life of the node), tells the state machine
 * which node went down, and asks Pacemaker's fencer once a second (stonith_admin --last,
 * through the pcmk seam, never blocking the loop) until the state machine stops waiting.
 */
#include "reg_service.h"

#include <errno.h>

#include "bl_log.h"
#include "bl_result.h"

#define FENCE_POLL_MS 1000
#define FENCE_ASK_MAX 4       /* nodes asked about per poll; a two-node group has one */
#define FENCE_WARN_EVERY_S 60 /* a fencer that cannot be asked is logged this often */

static guint64
member_key(uint32_t nodeid, uint32_t pid)
{
    return (guint64) nodeid << 32 | pid;
}

static uint64_t
now_s(void)
{
    return (uint64_t) (g_get_real_time() / G_USEC_PER_SEC);
}

int
bld_reg_fencing_init(struct bld_reg *reg, const struct bld_config *cfg)
{
    struct bl_pcmk_tools tools;

    reg->seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    bl_pcmk_tools_init(&tools);
    tools.stonith_admin = bld_config_str(cfg, "registry", "stonith-admin");
    tools.parallel = 1;
    return bl_pcmk_new(NULL, &tools, &reg->pcmk);
}

void
bld_reg_fencing_free(struct bld_reg *reg)
{
    g_clear_handle_id(&reg->fence_src, g_source_remove);
    g_clear_pointer(&reg->pcmk, bl_pcmk_free); /* an answer in flight is cancelled */
    g_clear_pointer(&reg->seen, g_hash_table_destroy);
}

void
bld_reg_fencing_members(struct bld_reg *reg, const struct bld_cpg_member *m, size_t n)
{
    GHashTable *now = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);

    for (size_t i = 0; i < n; i++) {
        guint64 key = member_key(m[i].nodeid, m[i].pid);
        const uint64_t *before = g_hash_table_lookup(reg->seen, &key);
        uint64_t since = before != NULL ? *before : now_s();
        g_hash_table_insert(now, g_memdup2(&key, sizeof(key)), g_memdup2(&since, sizeof(since)));
    }
    g_hash_table_destroy(reg->seen);
    reg->seen = now;
}

void
bld_reg_fencing_node_down(struct bld_reg *reg, uint32_t nodeid)
{
    GHashTableIter it;
    gpointer key;
    gpointer val;
    uint64_t since = 0;

    g_hash_table_iter_init(&it, reg->seen);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (*(guint64 *) key >> 32 == nodeid) {
            since = MAX(since, *(uint64_t *) val);
        }
    }
    if (reg->node == NULL) {
        return;
    }
    /* Not seen joining (cannot happen: CPG reports members before they leave): only a
     * fencing from now on proves anything. */
    bl_reg_node_node_down(reg->node, nodeid, since != 0 ? since : now_s());
}

static char *
utc(int64_t when)
{
    g_autoptr(GDateTime) t = when > 0 ? g_date_time_new_from_unix_utc(when) : NULL;

    return t != NULL ? g_date_time_format(t, "%F %T UTC") : g_strdup("never");
}

/* Is node id still waited for? Its entry (since) when it is. */
static bool
waiting_for(struct bld_reg *reg, uint32_t id, struct bl_reg_unfenced *out)
{
    struct bl_reg_unfenced u[FENCE_ASK_MAX];
    size_t n =
        reg->node != NULL ? bl_reg_sm_unfenced(bl_reg_node_sm(reg->node), u, FENCE_ASK_MAX) : 0;

    for (size_t i = 0; i < n && i < FENCE_ASK_MAX; i++) {
        if (u[i].nodeid == id) {
            *out = u[i];
            return true;
        }
    }
    return false;
}

/* Still waiting after an answer: say so every FENCE_WARN_EVERY_S, with Pacemaker's answer. */
static void
still_waiting(struct bld_reg *reg, uint32_t id, int64_t when, const struct bl_reg_unfenced *u)
{
    uint64_t now = now_s();

    if (now < reg->fence_wait_since + FENCE_WARN_EVERY_S ||
        (reg->fence_warned != 0 && now < reg->fence_warned + FENCE_WARN_EVERY_S)) {
        return;
    }
    reg->fence_warned = now;
    g_autofree char *last = utc(when);
    g_autofree char *joined = utc((int64_t) u->since);
    qb_log(LOG_WARNING,
           "registry: still read-only, waiting for Pacemaker to fence node %u (its last fencing: "
           "%s; it counts from %s, when its bmclinkd joined). Bring the node back, or if it is "
           "lost for good see bmclinkd --take-over (docs/registry.md, \"A cut link\")",
           id, last, joined);
}

static void
answered(int rc, int64_t when, const char *detail, void *ud)
{
    struct bld_reg *reg = ud;
    uint32_t id = reg->fence_asked;
    struct bl_reg_unfenced u;

    if (rc == -ECANCELED) {
        return; /* reg is being freed */
    }
    reg->fence_asked = 0;
    if (rc != BL_OK) {
        if (reg->fence_warned == 0 || now_s() >= reg->fence_warned + FENCE_WARN_EVERY_S) {
            reg->fence_warned = now_s();
            qb_log(LOG_WARNING,
                   "registry: cannot ask Pacemaker whether node %u was fenced: %s (%s)", id,
                   bl_strerror(rc), detail != NULL ? detail : "");
        }
        return;
    }
    if (reg->node == NULL || waiting_for(reg, id, &u) == false) {
        return;
    }
    if (when > 0) {
        bl_reg_node_fenced(reg->node, id, (uint64_t) when);
    }
    if (waiting_for(reg, id, &u)) {
        still_waiting(reg, id, when, &u);
        return;
    }
    g_autofree char *at = utc(when);
    qb_log(LOG_NOTICE, "registry: Pacemaker fenced node %u at %s: it holds no write we lack", id,
           at);
    bld_reg_kick(reg); /* end the batch: the round that makes us active asks to start */
}

/* One question at a time, about each waited-for node in turn. */
static void
ask(struct bld_reg *reg)
{
    struct bl_reg_unfenced u[FENCE_ASK_MAX];
    size_t n =
        reg->node != NULL ? bl_reg_sm_unfenced(bl_reg_node_sm(reg->node), u, FENCE_ASK_MAX) : 0;
    struct bl_pcmk_client c;

    if (n == 0 || reg->fence_asked != 0) {
        return;
    }
    reg->fence_next = (reg->fence_next + 1) % MIN(n, FENCE_ASK_MAX);
    reg->fence_asked = u[reg->fence_next].nodeid;
    bl_pcmk_client(reg->pcmk, &c);
    int rc = c.ops->last_fenced(c.be, reg->fence_asked, answered, reg);
    if (rc != 0) {
        qb_log(LOG_WARNING, "registry: cannot ask Pacemaker about node %u: %s", reg->fence_asked,
               bl_strerror(rc));
        reg->fence_asked = 0;
    }
}

static gboolean
poll_fencer(gpointer p)
{
    ask(p);
    return G_SOURCE_CONTINUE;
}

void
bld_reg_fencing_check(struct bld_reg *reg)
{
    struct bl_reg_unfenced u[1];
    size_t n = reg->node != NULL ? bl_reg_sm_unfenced(bl_reg_node_sm(reg->node), u, 1) : 0;

    if (n > 0 && reg->fence_src == 0) {
        qb_log(LOG_NOTICE,
               "registry: node %u left the ring while its bmclinkd was in the group (power, "
               "Corosync or the cluster link): no writes alone until Pacemaker has fenced it "
               "or it is back (docs/registry.md, \"A cut link\")",
               u[0].nodeid);
        reg->fence_wait_since = now_s();
        reg->fence_warned = 0;
        reg->fence_src = g_timeout_add(FENCE_POLL_MS, poll_fencer, reg);
    } else if (n == 0 && reg->fence_src != 0) {
        g_clear_handle_id(&reg->fence_src, g_source_remove);
    }
}
