/*
 * The registry's answers to control-socket clients (protocol in resource/registry/reg_ipc.h): reads
 * from the local replica, writes through the cluster, status, "wait until in sync" and
 * watches. Every request is decoded and checked before use.
 */
#include <errno.h>
#include <string.h>

#include "bl_log.h"
#include "bl_result.h"
#include "reg_service.h"

static void
answer(struct bld_ipc_conn *conn, uint32_t id, uint32_t seq, int rc, const GByteArray *body)
{
    GByteArray *out = g_byte_array_new();

    bl_reg_wr_u32(out, seq);
    if (body != NULL) {
        g_byte_array_append(out, body->data, body->len);
    }
    int err = bld_ipc_reply(conn, id, rc, out->data, out->len);
    if (err != 0 && err != -ENOTCONN) {
        qb_log(LOG_WARNING, "registry: could not answer client pid %d: %s",
               (int) bld_ipc_conn_pid(conn), bl_strerror(err));
    }
    g_byte_array_unref(out);
}

static struct bl_reg_store *
store_of(struct bld_reg *reg)
{
    return reg->node != NULL && bl_reg_node_failed(reg->node) == false
               ? bl_reg_node_store(reg->node)
               : NULL;
}

static void
do_get(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    struct bl_reg_store *s = store_of(reg);
    struct bl_reg_value v = {0};
    GByteArray *body = g_byte_array_new();
    int rc = s != NULL ? bl_reg_store_get(s, r->path, r->name, &v) : BL_E_NOTSYNC;

    if (rc == 0) {
        bl_reg_ipc_put_value(body, &v);
    }
    answer(conn, r->op, r->seq, rc, body);
    bl_reg_value_clear(&v);
    g_byte_array_unref(body);
}

static void
do_write(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    uint64_t token = ++reg->next_token;
    int rc = reg->node != NULL ? bl_reg_node_submit(reg->node, token, &r->ops) : BL_E_NOTSYNC;

    if (rc != 0) {
        answer(conn, r->op, r->seq, rc, NULL);
        return;
    }
    struct bld_reg_pending *p = g_new0(struct bld_reg_pending, 1);
    p->conn = bld_ipc_conn_ref(conn);
    p->seq = r->seq;
    g_hash_table_insert(reg->pending, g_memdup2(&token, sizeof(token)), p);
    bld_reg_kick(reg);
}

void
bld_reg_answer_write(struct bld_reg *reg, uint64_t token, int rc, uint64_t gen)
{
    struct bld_reg_pending *p = g_hash_table_lookup(reg->pending, &token);
    GByteArray *body = g_byte_array_new();

    if (p == NULL) {
        g_byte_array_unref(body);
        return;
    }
    if (p->conn != NULL) {
        bl_reg_wr_u64(body, gen);
        answer(p->conn, BL_REG_IPC_WRITE, p->seq, rc, rc == 0 ? body : NULL);
        bld_ipc_conn_unref(p->conn);
    }
    g_hash_table_remove(reg->pending, &token);
    g_byte_array_unref(body);
}

/* A WALK answer under construction. */
struct page {
    GByteArray *items;
    size_t max;
    uint32_t count;
    bool more;
    const char *skip_path; /* KEY mode: items up to this cursor were sent already */
    const char *skip_name;
    bool skipping;
};

static int
page_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    struct page *pg = data;
    size_t before = pg->items->len;

    if (pg->skipping) {
        pg->skipping = !(strcmp(path, pg->skip_path) == 0 && g_strcmp0(name, pg->skip_name) == 0);
        return 0;
    }
    bl_reg_ipc_put_item(pg->items, path, name, v);
    if (pg->items->len > pg->max && pg->count > 0) {
        g_byte_array_set_size(pg->items, (guint) before);
        pg->more = true;
        return 1;
    }
    pg->count++;
    return 0;
}

static void
do_walk(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    struct bl_reg_store *s = store_of(reg);
    struct page pg = {
        .items = g_byte_array_new(),
        .max = MIN(r->max_bytes > 0 ? r->max_bytes : BL_REG_IPC_PAGE, BL_REG_IPC_MAX - 4096),
        .skip_path = r->after_path,
        .skip_name = r->after_name,
        .skipping = r->after_path != NULL,
    };
    int rc = BL_E_NOTSYNC;

    if (s != NULL && r->mode == BL_REG_WALK_SUBTREE) {
        pg.skipping = false;
        rc = bl_reg_store_walk(s, r->path, r->after_path, r->after_name, page_item, &pg);
    } else if (s != NULL) {
        rc = bl_reg_store_list(s, r->path, page_item, &pg);
    }
    GByteArray *body = g_byte_array_new();
    bl_reg_wr_u8(body, pg.more);
    bl_reg_wr_u32(body, pg.count);
    g_byte_array_append(body, pg.items->data, pg.items->len);
    answer(conn, r->op, r->seq, rc == 1 ? 0 : rc, body);
    g_byte_array_unref(body);
    g_byte_array_unref(pg.items);
}

static void
do_status(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    struct bl_reg_ipc_status st = {.nodeid = reg->nodeid, .state = BL_REG_SM_FAILED};
    struct bl_reg_sm_status s;
    struct bl_reg_state id;
    GByteArray *body = g_byte_array_new();

    if (reg->node != NULL) {
        bl_reg_sm_status(bl_reg_node_sm(reg->node), &s);
        bl_reg_store_state(bl_reg_node_store(reg->node), &id);
        st = (struct bl_reg_ipc_status){
            .nodeid = reg->nodeid,
            .state = s.state,
            .quorate = s.quorate,
            .epoch = s.epoch,
            .gen = s.gen,
            .ring_node = s.ring_node,
            .ring_seq = s.ring_seq,
            .ring_nodes = s.ring_nodes,
            .pending = (uint32_t) s.pending,
            .rounds = s.rounds,
            .dropped = s.dropped,
            .log_min = id.log_min,
            .nmembers = s.nmembers,
            .members = (struct bl_reg_member_status *) s.members,
        };
        memcpy(st.hash, s.hash, BL_REG_HASH_LEN);
        st.last_sync_us = reg->last_sync_us;
    }
    bl_reg_ipc_put_status(body, &st);
    answer(conn, r->op, r->seq, 0, body);
    g_byte_array_unref(body);
}

static bool
active(const struct bld_reg *reg)
{
    struct bl_reg_sm_status s;

    if (reg->node == NULL) {
        return false;
    }
    bl_reg_sm_status(bl_reg_node_sm(reg->node), &s);
    return s.state == BL_REG_SM_ACTIVE;
}

static void
waiter_free(struct bld_reg_waiter *w)
{
    g_clear_handle_id(&w->timer, g_source_remove);
    bld_ipc_conn_unref(w->conn);
    g_free(w);
}

static gboolean
waiter_timeout(gpointer p)
{
    struct bld_reg_waiter *w = p;

    w->timer = 0;
    answer(w->conn, BL_REG_IPC_WAIT, w->seq, BL_E_TIMEOUT, NULL);
    w->reg->waiters = g_list_remove(w->reg->waiters, w);
    waiter_free(w);
    return G_SOURCE_REMOVE;
}

static void
do_wait(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    if (active(reg) || r->timeout_ms == 0) {
        answer(conn, r->op, r->seq, active(reg) ? 0 : BL_E_TIMEOUT, NULL);
        return;
    }
    struct bld_reg_waiter *w = g_new0(struct bld_reg_waiter, 1);
    w->reg = reg;
    w->conn = bld_ipc_conn_ref(conn);
    w->seq = r->seq;
    w->timer = g_timeout_add(r->timeout_ms, waiter_timeout, w);
    reg->waiters = g_list_prepend(reg->waiters, w);
}

void
bld_reg_wake_waiters(struct bld_reg *reg)
{
    for (GList *l = reg->waiters; l != NULL; l = l->next) {
        struct bld_reg_waiter *w = l->data;
        answer(w->conn, BL_REG_IPC_WAIT, w->seq, 0, NULL);
        waiter_free(w);
    }
    g_list_free(reg->waiters);
    reg->waiters = NULL;
}

static void
send_change(struct bld_reg_watcher *w, const struct bl_reg_change *c)
{
    GByteArray *body = g_byte_array_new();

    bl_reg_wr_u32(body, 0);
    bl_reg_ipc_put_event(body, c);
    int rc = bld_ipc_event(w->conn, BL_REG_IPC_EVENT, body->data, body->len);
    if (rc == -EAGAIN && w->overflow == false) {
        qb_log(LOG_WARNING, "registry: watcher pid %d is not reading; dropping its events",
               (int) bld_ipc_conn_pid(w->conn));
    }
    w->overflow = rc != 0;
    g_byte_array_unref(body);
}

static void
on_change(void *data, const struct bl_reg_change *c)
{
    struct bld_reg_watcher *w = data;

    if (w->overflow) {
        /* Events were lost: tell the watcher to re-read before it sees new ones. */
        struct bl_reg_change reset = {
            .kind = BL_REG_CHANGE_RESET, .gen = c->gen, .path = w->prefix};
        send_change(w, &reset);
        if (w->overflow) {
            return;
        }
    }
    send_change(w, c);
}

static void
do_watch(struct bld_reg *reg, struct bld_ipc_conn *conn, const struct bl_reg_ipc_req *r)
{
    struct bld_reg_watcher *w = g_new0(struct bld_reg_watcher, 1);
    struct bl_reg_store *s = store_of(reg);

    w->reg = reg;
    w->conn = bld_ipc_conn_ref(conn);
    w->prefix = g_strdup(r->path);
    if (s != NULL) {
        bl_reg_store_watch_add(s, w->prefix, on_change, w, &w->id);
    }
    reg->watchers = g_list_prepend(reg->watchers, w);
    answer(conn, r->op, r->seq, 0, NULL);
}

static void
watcher_free(struct bld_reg *reg, struct bld_reg_watcher *w)
{
    struct bl_reg_store *s = store_of(reg);

    if (s != NULL) {
        bl_reg_store_watch_remove(s, w->id);
    }
    bld_ipc_conn_unref(w->conn);
    g_free(w->prefix);
    g_free(w);
}

static void
drop_watchers(struct bld_reg *reg, struct bld_ipc_conn *conn)
{
    GList *l = reg->watchers;

    while (l != NULL) {
        GList *next = l->next;
        struct bld_reg_watcher *w = l->data;
        if (conn == NULL || w->conn == conn) {
            watcher_free(reg, w);
            reg->watchers = g_list_delete_link(reg->watchers, l);
        }
        l = next;
    }
}

void
bld_reg_rewatch(struct bld_reg *reg)
{
    struct bl_reg_store *s = store_of(reg);

    for (GList *l = reg->watchers; s != NULL && l != NULL; l = l->next) {
        struct bld_reg_watcher *w = l->data;
        bl_reg_store_watch_add(s, w->prefix, on_change, w, &w->id);
        w->overflow = true; /* they missed what happened meanwhile: RESET first */
    }
}

void
bld_reg_on_request(void *ctx, struct bld_ipc_conn *conn, uint32_t id, const uint8_t *p, size_t len)
{
    struct bld_reg *reg = ctx;
    struct bl_reg_ipc_req r;
    int rc = bl_reg_ipc_req_decode(id, p, len, &r);

    if (rc != 0) {
        qb_log(LOG_WARNING, "registry: refused a malformed request %u from pid %d: %s", id,
               (int) bld_ipc_conn_pid(conn), bl_strerror(rc));
        answer(conn, id, r.seq, rc, NULL);
    } else if (id == BL_REG_IPC_GET) {
        do_get(reg, conn, &r);
    } else if (id == BL_REG_IPC_WRITE) {
        do_write(reg, conn, &r);
    } else if (id == BL_REG_IPC_WALK) {
        do_walk(reg, conn, &r);
    } else if (id == BL_REG_IPC_STATUS) {
        do_status(reg, conn, &r);
    } else if (id == BL_REG_IPC_WAIT) {
        do_wait(reg, conn, &r);
    } else if (id == BL_REG_IPC_WATCH) {
        do_watch(reg, conn, &r);
    } else {
        drop_watchers(reg, conn); /* UNWATCH */
        answer(conn, id, r.seq, 0, NULL);
    }
    bl_reg_ipc_req_clear(&r);
}

void
bld_reg_on_closed(void *ctx, struct bld_ipc_conn *conn)
{
    struct bld_reg *reg = ctx;
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, reg->pending);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct bld_reg_pending *p = v;
        if (p->conn == conn) {
            bld_ipc_conn_unref(p->conn);
            p->conn = NULL; /* the write goes on; its answer has nowhere to go */
        }
    }
    for (GList *l = reg->waiters; l != NULL;) {
        GList *next = l->next;
        struct bld_reg_waiter *w = l->data;
        if (w->conn == conn) {
            waiter_free(w);
            reg->waiters = g_list_delete_link(reg->waiters, l);
        }
        l = next;
    }
    drop_watchers(reg, conn);
}

void
bld_reg_requests_free(struct bld_reg *reg)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, reg->pending);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        bld_ipc_conn_unref(((struct bld_reg_pending *) v)->conn);
    }
    g_hash_table_remove_all(reg->pending);
    g_list_free_full(reg->waiters, (GDestroyNotify) waiter_free);
    reg->waiters = NULL;
    drop_watchers(reg, NULL);
}
