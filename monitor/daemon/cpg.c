#include "cpg.h"

#include <corosync/cmap.h>
#include <corosync/cpg.h>
#include <corosync/votequorum.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <string.h>

#include "bl_log.h"

#define RETRY_MS 1000
#define JOIN_RETRY_MS 100

struct bld_cpg {
    char *group;
    const struct bld_cpg_callbacks *cb;
    void *ctx;
    cpg_handle_t cpg;
    votequorum_handle_t vq;
    guint cpg_src;
    guint vq_src;
    guint retry_src;
    bool joined;
    bool want_join;
    uint32_t nodeid;
    /* votequorum's last word: the ring and node count come with the node list callback,
     * the verdict with the quorum callback. */
    bool quorate;
    uint32_t ring_node;
    uint64_t ring_seq;
    uint32_t nodes;
    bool two_node; /* votequorum_getinfo()'s VOTEQUORUM_INFO_TWONODE for us */
};

static int
cs_to_rc(cs_error_t e)
{
    switch (e) {
        case CS_OK:
            return 0;
        case CS_ERR_TRY_AGAIN:
            return -EAGAIN;
        case CS_ERR_BAD_HANDLE:
        case CS_ERR_LIBRARY:
            return -ENOTCONN;
        case CS_ERR_NO_MEMORY:
            return -ENOMEM;
        case CS_ERR_TOO_BIG:
            return -E2BIG;
        case CS_ERR_ACCESS:
            return -EACCES;
        default:
            return -EIO;
    }
}

static struct bld_cpg *
ctx_of_cpg(cpg_handle_t h)
{
    void *p = NULL;

    cpg_context_get(h, &p);
    return p;
}

static void
on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg,
           size_t len)
{
    struct bld_cpg *c = ctx_of_cpg(h);

    if (c->cb->deliver != NULL) {
        c->cb->deliver(c->ctx, nodeid, pid, msg, len);
    }
}

static void
on_confchg(cpg_handle_t h, const struct cpg_name *group, const struct cpg_address *members,
           size_t n, const struct cpg_address *left, size_t nleft, const struct cpg_address *joined,
           size_t njoined)
{
    struct bld_cpg *c = ctx_of_cpg(h);
    g_autofree struct bld_cpg_member *m = g_new0(struct bld_cpg_member, n + 1);

    for (size_t i = 0; i < n; i++) {
        m[i].nodeid = members[i].nodeid;
        m[i].pid = members[i].pid;
    }
    for (size_t i = 0; i < nleft; i++) {
        qb_log(LOG_INFO, "CPG %s: node %u pid %u left (reason %u)", c->group, left[i].nodeid,
               left[i].pid, left[i].reason);
        if (left[i].reason == CPG_REASON_NODEDOWN && c->cb->node_down != NULL) {
            c->cb->node_down(c->ctx, left[i].nodeid);
        }
    }
    for (size_t i = 0; i < njoined; i++) {
        qb_log(LOG_INFO, "CPG %s: node %u pid %u joined", c->group, joined[i].nodeid,
               joined[i].pid);
    }
    c->cb->confchg(c->ctx, m, n);
}

static void
on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *members)
{
    struct bld_cpg *c = ctx_of_cpg(h);

    qb_log(LOG_DEBUG, "totem ring %u/%" G_GUINT64_FORMAT " with %u nodes", ring.nodeid,
           (guint64) ring.seq, n);
    if (c->cb->ring != NULL) {
        c->cb->ring(c->ctx, ring.nodeid, ring.seq);
    }
}

static struct bld_cpg *
ctx_of_vq(votequorum_handle_t h)
{
    void *p = NULL;

    votequorum_context_get(h, &p);
    return p;
}

/* Asked at each notification: corosync.conf can be reloaded with a changed two_node. */
static void
read_two_node(struct bld_cpg *c)
{
    struct votequorum_info info;

    if (votequorum_getinfo(c->vq, c->nodeid, &info) == CS_OK) {
        c->two_node = (info.flags & VOTEQUORUM_INFO_TWONODE) != 0;
    }
}

static void
on_quorum(votequorum_handle_t h, uint64_t context, uint32_t quorate, uint32_t n,
          votequorum_node_t nodes[])
{
    struct bld_cpg *c = ctx_of_vq(h);

    read_two_node(c);
    c->quorate = quorate != 0;
    qb_log(LOG_INFO, "votequorum: %s", c->quorate ? "quorate" : "NOT quorate");
    c->cb->quorum(c->ctx, c->quorate, c->ring_node, c->ring_seq, c->nodes);
}

static void
on_nodelist(votequorum_handle_t h, uint64_t context, votequorum_ring_id_t ring, uint32_t n,
            uint32_t nodes[])
{
    struct bld_cpg *c = ctx_of_vq(h);

    read_two_node(c);
    c->ring_node = ring.nodeid;
    c->ring_seq = ring.seq;
    c->nodes = n;
    c->cb->quorum(c->ctx, c->quorate, c->ring_node, c->ring_seq, c->nodes);
}

static void schedule_retry(struct bld_cpg *c, guint ms);

/* Drop both connections and their loop sources; no callback. */
static void
release(struct bld_cpg *c)
{
    g_clear_handle_id(&c->cpg_src, g_source_remove);
    g_clear_handle_id(&c->vq_src, g_source_remove);
    if (c->vq != 0) {
        votequorum_finalize(c->vq);
        c->vq = 0;
    }
    if (c->cpg != 0) {
        cpg_finalize(c->cpg);
        c->cpg = 0;
    }
    c->joined = false;
    c->quorate = false;
}

static void
disconnect(struct bld_cpg *c)
{
    bool was = c->cpg != 0;

    release(c);
    if (was) {
        c->cb->lost(c->ctx);
    }
}

static gboolean
cpg_ready(gint fd, GIOCondition cond, gpointer p)
{
    struct bld_cpg *c = p;
    int rc = cs_to_rc(cpg_dispatch(c->cpg, CS_DISPATCH_ALL));

    if (rc != 0 && rc != -EAGAIN) {
        qb_log(LOG_ERR, "lost the connection to Corosync (CPG): %s; retrying every %d ms",
               g_strerror(-rc), RETRY_MS);
        c->cpg_src = 0;
        disconnect(c);
        schedule_retry(c, RETRY_MS);
        return G_SOURCE_REMOVE;
    }
    if (c->cb->end_of_batch != NULL) {
        c->cb->end_of_batch(c->ctx);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
vq_ready(gint fd, GIOCondition cond, gpointer p)
{
    struct bld_cpg *c = p;
    int rc = cs_to_rc(votequorum_dispatch(c->vq, CS_DISPATCH_ALL));

    if (rc != 0 && rc != -EAGAIN) {
        qb_log(LOG_ERR, "lost the connection to votequorum: %s", g_strerror(-rc));
        c->vq_src = 0;
        disconnect(c);
        schedule_retry(c, RETRY_MS);
        return G_SOURCE_REMOVE;
    }
    if (c->cb->end_of_batch != NULL) {
        c->cb->end_of_batch(c->ctx);
    }
    return G_SOURCE_CONTINUE;
}

static int
watch_fd(int fd, GUnixFDSourceFunc fn, struct bld_cpg *c, guint *src)
{
    /* Corosync's libraries open their sockets themselves; make sure no child inherits one. */
    int flags = fcntl(fd, F_GETFD);

    if (flags >= 0) {
        (void) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    *src = g_unix_fd_add(fd, G_IO_IN | G_IO_ERR | G_IO_HUP, fn, c);
    return 0;
}

static int
connect_cpg(struct bld_cpg *c)
{
    cpg_model_v1_data_t model = {
        .model = CPG_MODEL_V1,
        .cpg_deliver_fn = on_deliver,
        .cpg_confchg_fn = on_confchg,
        .cpg_totem_confchg_fn = on_totem,
        .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
    };
    int fd = -1;
    int rc = cs_to_rc(cpg_model_initialize(&c->cpg, CPG_MODEL_V1, (cpg_model_data_t *) &model, c));

    if (rc == 0) {
        rc = cs_to_rc(cpg_fd_get(c->cpg, &fd)) ?: cs_to_rc(cpg_local_get(c->cpg, &c->nodeid));
    }
    return rc != 0 ? rc : watch_fd(fd, cpg_ready, c, &c->cpg_src);
}

static int
connect_vq(struct bld_cpg *c)
{
    votequorum_callbacks_t cbs = {
        .votequorum_quorum_notify_fn = on_quorum,
        .votequorum_nodelist_notify_fn = on_nodelist,
    };
    int fd = -1;
    if (c->cb->quorum == NULL) {
        return 0; /* membership only: no votequorum connection, no verdict to wait for */
    }
    int rc = cs_to_rc(votequorum_initialize(&c->vq, &cbs));

    if (rc == 0) {
        votequorum_context_set(c->vq, c);
        rc = cs_to_rc(votequorum_trackstart(c->vq, 0, CS_TRACK_CHANGES | CS_TRACK_CURRENT))
                 ?: cs_to_rc(votequorum_fd_get(c->vq, &fd));
    }
    if (rc != 0) {
        qb_log(LOG_ERR,
               "votequorum unavailable (%s): is the quorum provider "
               "corosync_votequorum configured? Writes stay refused until it is",
               g_strerror(-rc));
        return rc;
    }
    return watch_fd(fd, vq_ready, c, &c->vq_src);
}

static int
join(struct bld_cpg *c)
{
    struct cpg_name name;

    name.length = (uint32_t) strlen(c->group);
    memcpy(name.value, c->group, name.length);
    int rc = cs_to_rc(cpg_join(c->cpg, &name));
    if (rc == 0) {
        c->joined = true;
        qb_log(LOG_INFO, "joined CPG group %s as node %u", c->group, c->nodeid);
    } else if (rc != -EAGAIN) {
        qb_log(LOG_WARNING, "cannot join CPG group %s: %s; retrying", c->group, g_strerror(-rc));
    }
    return rc;
}

static gboolean
retry(gpointer p)
{
    struct bld_cpg *c = p;
    int rc = 0;

    c->retry_src = 0;
    if (c->cpg == 0 && c->want_join) {
        rc = connect_cpg(c);
        if (rc == 0) {
            c->cb->connected(c->ctx, c->nodeid);
            (void) connect_vq(c);
        } else {
            disconnect(c);
        }
    }
    if (rc == 0 && c->want_join && c->joined == false) {
        rc = join(c);
    }
    if (rc != 0) {
        schedule_retry(c, rc == -EAGAIN ? JOIN_RETRY_MS : RETRY_MS);
    }
    return G_SOURCE_REMOVE;
}

static void
schedule_retry(struct bld_cpg *c, guint ms)
{
    if (c->retry_src == 0) {
        c->retry_src = g_timeout_add(ms, retry, c);
    }
}

void
bld_cpg_start(const char *group, const struct bld_cpg_callbacks *cb, void *ctx,
              struct bld_cpg **out)
{
    struct bld_cpg *c = g_new0(struct bld_cpg, 1);

    c->group = g_strndup(group, CPG_MAX_NAME_LENGTH - 1);
    c->cb = cb;
    c->ctx = ctx;
    c->want_join = true;
    retry(c);
    if (c->cpg == 0) {
        qb_log(LOG_WARNING, "Corosync is not answering; retrying every %d ms", RETRY_MS);
    }
    *out = c;
}

void
bld_cpg_stop(struct bld_cpg *c)
{
    if (c == NULL) {
        return;
    }
    g_clear_handle_id(&c->retry_src, g_source_remove);
    bld_cpg_leave(c);
    g_free(c->group);
    g_free(c);
}

int
bld_cpg_mcast(struct bld_cpg *c, const void *msg, size_t len)
{
    struct iovec iov = {(void *) msg, len};

    if (c->cpg == 0 || c->joined == false) {
        return -ENOTCONN;
    }
    return cs_to_rc(cpg_mcast_joined(c->cpg, CPG_TYPE_AGREED, &iov, 1));
}

/* Leaving closes the connection: a later join starts from a fresh handle, which Corosync
 * accepts at once (a handle that left cannot always join again right away). */
void
bld_cpg_leave(struct bld_cpg *c)
{
    struct cpg_name name;

    c->want_join = false;
    if (c->cpg != 0 && c->joined) {
        name.length = (uint32_t) strlen(c->group);
        memcpy(name.value, c->group, name.length);
        (void) cpg_leave(c->cpg, &name);
    }
    release(c);
}

void
bld_cpg_join(struct bld_cpg *c)
{
    c->want_join = true;
    schedule_retry(c, 0);
}

int
bld_corosync_membership_ms(uint32_t *out)
{
    cmap_handle_t h = 0;
    uint32_t token = 0;
    uint32_t consensus = 0;
    int rc = cs_to_rc(cmap_initialize(&h));

    if (rc == 0) {
        rc = cs_to_rc(cmap_get_uint32(h, "runtime.config.totem.token", &token))
                 ?: cs_to_rc(cmap_get_uint32(h, "runtime.config.totem.consensus", &consensus));
        cmap_finalize(h);
    }
    *out = token + consensus;
    return rc;
}

bool
bld_cpg_two_node(const struct bld_cpg *c)
{
    return c->two_node;
}

uint32_t
bld_cpg_nodeid(const struct bld_cpg *c)
{
    return c->nodeid;
}
