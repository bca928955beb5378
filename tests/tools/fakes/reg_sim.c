#include "reg_sim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bl_result.h"
#include "reg_wire.h"

static int
sim_mcast(void *ctx, const uint8_t *msg, size_t len)
{
    struct sim_node *n = ctx;
    struct sim_msg *m = g_new0(struct sim_msg, 1);

    m->from = n->idx;
    m->pid = n->pid;
    m->bytes = g_byte_array_new();
    g_byte_array_append(m->bytes, msg, (guint) len);
    g_queue_push_tail(&n->sim->bus, m);
    return 0;
}

static bool
tracing(void)
{
    return g_getenv("REG_SIM_TRACE") != NULL;
}

static void
sim_reply_fn(void *ctx, uint64_t token, int rc, uint64_t gen)
{
    struct sim_node *n = ctx;

    if (tracing()) {
        fprintf(stderr,
                "  node%d reply token %" G_GUINT64_FORMAT " rc %d gen %" G_GUINT64_FORMAT "\n",
                n->idx, token, rc, gen);
    }

    g_hash_table_insert(n->replies, GSIZE_TO_POINTER(token), GINT_TO_POINTER(rc + 1));
}

static void
sim_leave(void *ctx, int rc)
{
    struct sim_node *n = ctx;

    n->left_rc = rc;
    n->in_group = false;
    n->sim->leaving = true;
}

static void
sim_state_fn(void *ctx, enum bl_reg_sm_state st)
{
    struct sim_node *n = ctx;

    if (tracing()) {
        struct bl_reg_sm_status s;
        bl_reg_sm_status(bl_reg_node_sm(n->node), &s);
        fprintf(stderr, "  node%d -> %s epoch %" G_GUINT64_FORMAT " gen %" G_GUINT64_FORMAT "\n",
                n->idx, bl_reg_sm_state_name(st), s.epoch, s.gen);
    }
}

static const struct bl_reg_node_ops sim_ops = {
    .mcast = sim_mcast,
    .reply = sim_reply_fn,
    .state = sim_state_fn,
    .leave = sim_leave,
};

static void
msg_free(gpointer p)
{
    struct sim_msg *m = p;

    if (m->bytes != NULL) {
        g_byte_array_unref(m->bytes);
    }
    g_free(m);
}

static void
view_apply(struct sim_node *n, const struct sim_view *v)
{
    for (size_t k = 0; k < v->ndown; k++) {
        bl_reg_node_node_down(n->node, v->down[k].nodeid, v->down[k].since);
    }
    bl_reg_node_confchg(n->node, v->members, v->count);
    if (v->ring_change) {
        bl_reg_node_ring(n->node, v->ring_node, v->ring_seq);
    }
    bl_reg_node_two_node(n->node, v->two_node);
    bl_reg_node_quorum(n->node, v->quorate, v->ring_node, v->ring_seq, v->ring_nodes);
}

void
sim_init(struct sim *s, int count)
{
    memset(s, 0, sizeof(*s));
    s->count = count;
    s->dir = g_dir_make_tmp("test_reg_XXXXXX", NULL);
    s->batch = 16;
    s->ring_seq = 4;
    g_queue_init(&s->bus);
    for (int i = 0; i < count; i++) {
        s->n[i].sim = s;
        s->n[i].idx = i;
        s->n[i].nodeid = (uint32_t) (i + 1);
        s->n[i].replies = g_hash_table_new(NULL, NULL);
        g_queue_init(&s->n[i].held);
        s->part_ring[i] = s->ring_seq;
    }
}

void
sim_fini(struct sim *s)
{
    for (int i = 0; i < s->count; i++) {
        bl_reg_node_free(s->n[i].node);
        g_hash_table_destroy(s->n[i].replies);
        g_queue_clear_full(&s->n[i].held, msg_free);
    }
    g_queue_clear_full(&s->bus, msg_free);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", s->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", s->dir);
    }
    g_free(s->dir);
}

static int
part_size(struct sim *s, int p)
{
    int k = 0;

    for (int i = 0; i < s->count; i++) {
        k += s->n[i].part == p;
    }
    return k;
}

/* Lowest nodeid of a partition: Totem names rings after their representative. */
static uint32_t
part_ring_node(struct sim *s, int p)
{
    for (int i = 0; i < s->count; i++) {
        if (s->n[i].part == p) {
            return s->n[i].nodeid;
        }
    }
    return 0;
}

static bool
part_quorate(struct sim *s, int p)
{
    return s->two_node ? part_size(s, p) > 0 : part_size(s, p) * 2 > s->count;
}

/* CPG confchg for every group member of partition p, then (on a ring change) the totem
 * confchg, then votequorum: the order Corosync uses. */
static void
announce_part(struct sim *s, int p, bool ring_change)
{
    struct sim_view v = {
        .ring_change = ring_change,
        .ring_node = part_ring_node(s, p),
        .ring_seq = s->part_ring[p],
        .two_node = s->two_node,
        .quorate = part_quorate(s, p),
        .ring_nodes = (uint32_t) part_size(s, p),
    };

    for (int i = 0; i < s->count; i++) {
        if (s->n[i].part == p && s->n[i].in_group) {
            v.members[v.count++] = (struct bl_reg_addr){s->n[i].nodeid, s->n[i].pid};
        } else if (s->n[i].part != p && ring_change) {
            v.down[v.ndown++] = (struct sim_down){s->n[i].nodeid, s->started[i]};
        }
    }
    for (int i = 0; i < s->count; i++) {
        struct sim_node *n = &s->n[i];
        if (n->part != p || n->in_group == false) {
            continue;
        }
        if (n->frozen) { /* read after what Corosync queued before it */
            struct sim_msg *m = g_new0(struct sim_msg, 1);
            m->view = v;
            g_queue_push_tail(&n->held, m);
            continue;
        }
        view_apply(n, &v);
    }
}

/* What bmclinkd's glue does each iteration while it waits for a fencing: ask Pacemaker. */
static void
ask_fencer(struct sim *s, struct sim_node *n)
{
    struct bl_reg_unfenced u[SIM_MAX];
    size_t k = bl_reg_sm_unfenced(bl_reg_node_sm(n->node), u, SIM_MAX);

    for (size_t j = 0; j < k && j < SIM_MAX; j++) {
        uint32_t id = u[j].nodeid;
        if (id >= 1 && id <= (uint32_t) s->count && s->fenced[id - 1] != 0) {
            bl_reg_node_fenced(n->node, id, s->fenced[id - 1]);
        }
    }
}

static void
end_all(struct sim *s)
{
    for (int i = 0; i < s->count; i++) {
        struct sim_node *n = &s->n[i];
        if (n->node != NULL && n->in_group && n->frozen == false) {
            ask_fencer(s, n);
            bl_reg_node_clock(n->node, s->now_ms);
            bl_reg_node_end_of_batch(n->node);
        }
    }
    /* A node left after a store failure: CPG tells the others. */
    for (int i = 0; s->leaving && i < s->count; i++) {
        if (s->n[i].node != NULL && s->n[i].in_group == false && s->n[i].left_rc != 0) {
            s->leaving = false;
            announce_part(s, s->n[i].part, false);
            end_all(s);
            return;
        }
    }
}

void
sim_start(struct sim *s, int i)
{
    struct sim_node *n = &s->n[i];
    g_autofree char *path = g_strdup_printf("%s/node%d.db", s->dir, i);
    struct bl_reg_node_config cfg = {
        .store_path = path,
        .store_flags = BL_REG_STORE_CREATE | BL_REG_STORE_NOSYNC,
        .log_keep = s->log_keep,
        .max_bytes = n->max_bytes,
        .nodeid = n->nodeid,
        .pid = ++n->pid,
        .nonce_seed = (uint64_t) i << 48,
        .chunk = 4096,
        .snapshot_max = s->snapshot_max,
        .ack_timeout_ms = s->ack_timeout_ms,
        .take_over = n->take_over,
    };

    if (tracing()) {
        fprintf(stderr, "START %d\n", i);
    }
    bl_reg_node_free(n->node);
    g_assert_cmpint(bl_reg_node_new(&cfg, &sim_ops, n, &n->node, NULL), ==, 0);
    s->started[i] = ++s->events;
    n->in_group = true;
    n->left_rc = 0;
    n->take_over = false;
    /* The joiner learns the current ring as CPG's initial totem configuration. */
    announce_part(s, n->part, false);
    bl_reg_node_ring(n->node, part_ring_node(s, n->part), s->part_ring[n->part]);
    bl_reg_node_two_node(n->node, s->two_node);
    bl_reg_node_quorum(n->node, part_quorate(s, n->part), part_ring_node(s, n->part),
                       s->part_ring[n->part], (uint32_t) part_size(s, n->part));
    end_all(s);
}

void
sim_crash(struct sim *s, int i)
{
    struct sim_node *n = &s->n[i];

    if (tracing()) {
        fprintf(stderr, "CRASH %d\n", i);
    }
    bl_reg_node_free(n->node); /* rolls back the open batch: as lost as under kill -9 */
    n->node = NULL;
    n->in_group = false;
    n->frozen = false;
    g_queue_clear_full(&n->held, msg_free);
    announce_part(s, n->part, false);
    end_all(s);
}

void
sim_stop(struct sim *s, int i)
{
    if (s->n[i].frozen == false) {
        bl_reg_node_end_of_batch(s->n[i].node); /* SIGTERM: what was delivered is committed */
    }
    sim_crash(s, i);
}

void
sim_fence(struct sim *s, int i)
{
    if (tracing()) {
        fprintf(stderr, "FENCE %d\n", i);
    }
    if (s->n[i].node != NULL) {
        sim_crash(s, i);
    }
    s->fenced[i] = ++s->events;
    end_all(s);
}

void
sim_freeze(struct sim *s, int i)
{
    s->n[i].frozen = true;
}

static struct sim_msg *
msg_copy(const struct sim_msg *m)
{
    struct sim_msg *c = g_new0(struct sim_msg, 1);

    c->from = m->from;
    c->pid = m->pid;
    c->bytes = g_byte_array_new();
    g_byte_array_append(c->bytes, m->bytes->data, m->bytes->len);
    return c;
}

void
sim_thaw(struct sim *s, int i)
{
    struct sim_node *n = &s->n[i];
    struct sim_msg *m;

    n->frozen = false;
    while ((m = g_queue_pop_head(&n->held)) != NULL) {
        if (m->bytes == NULL) {
            view_apply(n, &m->view);
        } else {
            bl_reg_node_deliver(n->node, s->n[m->from].nodeid, m->pid, m->bytes->data,
                                m->bytes->len);
        }
        msg_free(m);
    }
    end_all(s);
}

void
sim_advance(struct sim *s, uint64_t ms)
{
    s->now_ms += ms;
    end_all(s);
}

void
sim_partition(struct sim *s, const int *parts)
{
    if (tracing()) {
        fprintf(stderr, "PARTITION %d %d %d\n", parts[0], parts[1], parts[2]);
    }
    for (int i = 0; i < s->count; i++) {
        s->n[i].part = parts[i];
    }
    s->ring_seq += 4;
    for (int p = 0; p < s->count; p++) {
        s->part_ring[p] = s->ring_seq;
    }
    for (int p = 0; p < s->count; p++) {
        if (part_size(s, p) > 0) {
            announce_part(s, p, true);
        }
    }
    end_all(s);
}

/* Between two releases whose wire formats differ, the version byte is another one. */
static void
deliver_one(struct sim_node *to, const struct sim_node *from, const struct sim_msg *m)
{
    g_autoptr(GByteArray) b = g_byte_array_new();

    g_byte_array_append(b, m->bytes->data, m->bytes->len);
    if (to->wire != from->wire && b->len > 4) {
        b->data[4] = (uint8_t) (BL_REG_WIRE_VERSION + 1); /* after the u32 magic */
    }
    bl_reg_node_deliver(to->node, from->nodeid, from->pid, b->data, b->len);
}

/* A message reaches the group members on its sender's side, if the sender still runs. */
static void
deliver(struct sim *s, struct sim_msg *m, unsigned mask)
{
    struct sim_node *from = &s->n[m->from];

    if (from->in_group == false || from->pid != m->pid) {
        return; /* died before Corosync took it */
    }
    for (int i = 0; i < s->count; i++) {
        struct sim_node *n = &s->n[i];
        if (n->node == NULL || n->in_group == false || n->part != from->part ||
            (mask & (1u << i)) == 0) {
            continue;
        }
        if (n->frozen) {
            g_queue_push_tail(&n->held, msg_copy(m)); /* Corosync queues it for the daemon */
            continue;
        }
        if (tracing()) {
            struct bl_reg_msg d;
            bl_reg_msg_decode(m->bytes->data, m->bytes->len, &d);
            fprintf(stderr,
                    "  %d->%d %s gen %" G_GUINT64_FORMAT " epoch %" G_GUINT64_FORMAT
                    " req %" G_GUINT64_FORMAT "\n",
                    m->from, i, bl_reg_msg_type_name(d.type), d.gen, d.epoch, d.req_id);
        }
        deliver_one(n, from, m);
    }
}

void
sim_step(struct sim *s, size_t count)
{
    struct sim_msg *m;

    for (size_t k = 0; k < count && (m = g_queue_pop_head(&s->bus)) != NULL; k++) {
        deliver(s, m, ~0u);
        msg_free(m);
    }
    end_all(s);
}

void
sim_deliver_head_to(struct sim *s, unsigned mask)
{
    struct sim_msg *m;

    end_all(s);
    m = g_queue_pop_head(&s->bus);

    if (m != NULL) {
        deliver(s, m, mask);
        msg_free(m);
    }
    end_all(s);
}

void
sim_run(struct sim *s)
{
    end_all(s); /* what was submitted since the last iteration leaves now */
    for (int guard = 0; guard < 100000 && s->bus.length > 0; guard++) {
        sim_step(s, s->batch);
    }
    g_assert_cmpuint(s->bus.length, ==, 0);
}

uint64_t
sim_set(struct sim *s, int i, const char *path, const char *name, const char *val, int *rc)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};
    uint64_t token = ++s->next_token;

    g_assert_cmpint(bl_reg_value_set(&v, BL_REG_SZ, val, strlen(val)), ==, 0);
    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, name, &v);
    *rc = bl_reg_node_submit(s->n[i].node, token, &ops);
    if (tracing()) {
        fprintf(stderr, "SET node%d %s token %" G_GUINT64_FORMAT " rc %d\n", i, name, token, *rc);
    }
    bl_reg_ops_clear(&ops);
    bl_reg_value_clear(&v);
    return *rc == 0 ? token : 0;
}

int
sim_reply(struct sim *s, int i, uint64_t token)
{
    gpointer v = g_hash_table_lookup(s->n[i].replies, GSIZE_TO_POINTER(token));

    return v == NULL ? 1 : GPOINTER_TO_INT(v) - 1;
}

enum bl_reg_sm_state
sim_state(struct sim *s, int i)
{
    struct bl_reg_sm_status st;

    bl_reg_sm_status(bl_reg_node_sm(s->n[i].node), &st);
    return st.state;
}

char *
sim_get(struct sim *s, int i, const char *path, const char *name)
{
    struct bl_reg_value v;

    if (bl_reg_store_get(bl_reg_node_store(s->n[i].node), path, name, &v) != 0) {
        return NULL;
    }
    char *text = g_strndup((const char *) v.data, v.len);
    bl_reg_value_clear(&v);
    return text;
}

static int
dump_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    GString *out = data;

    g_string_append_printf(out, "%s|%s|", path, name != NULL ? name : "(key)");
    if (v != NULL) {
        g_autofree char *text = bl_reg_value_to_text(v);
        g_string_append_printf(out, "%d|%s", v->type, text);
    }
    g_string_append_c(out, '\n');
    return 0;
}

static char *
dump(struct sim *s, int i)
{
    GString *out = g_string_new(NULL);
    struct bl_reg_state st;
    struct bl_reg_store *store = bl_reg_node_store(s->n[i].node);

    bl_reg_store_state(store, &st);
    g_string_append_printf(out, "gen %" G_GUINT64_FORMAT "\n", st.gen);
    g_assert_cmpint(bl_reg_store_walk(store, "", NULL, NULL, dump_item, out), ==, 0);
    return g_string_free(out, FALSE);
}

bool
sim_same(struct sim *s, int a, int b)
{
    g_autofree char *da = dump(s, a);
    g_autofree char *db = dump(s, b);
    struct bl_reg_state sa;
    struct bl_reg_state sb;

    bl_reg_store_state(bl_reg_node_store(s->n[a].node), &sa);
    bl_reg_store_state(bl_reg_node_store(s->n[b].node), &sb);
    if (strcmp(da, db) != 0 || memcmp(sa.hash, sb.hash, BL_REG_HASH_LEN) != 0) {
        fprintf(stderr, "replica %d:\n%.400s\nreplica %d:\n%.400s\n", a, da, b, db);
        return false;
    }
    return true;
}
