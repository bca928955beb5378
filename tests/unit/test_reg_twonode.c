/*
 * The registry's two-node rule (docs/registry.md, "Two nodes") over the simulated group:
 * the passive daemon stopping, frozen or killed never makes the active replica read-only or
 * holds its writes past ack-timeout, and a daemon that may lack acknowledged writes never
 * becomes active alone. The same events with three nodes, or without votequorum's two_node,
 * keep the majority rule. Times are the simulator's clock, never the wall clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "bl_result.h"
#include "reg_sim.h"

#define ACK_TIMEOUT_MS 5000

static void
start_cluster(struct sim *s, int count, bool two_node)
{
    sim_init(s, count);
    s->two_node = two_node;
    s->ack_timeout_ms = ACK_TIMEOUT_MS;
    for (int i = 0; i < count; i++) {
        sim_start(s, i);
    }
    sim_run(s);
    for (int i = 0; i < count; i++) {
        assert_int_equal(sim_state(s, i), BL_REG_SM_ACTIVE);
    }
}

/* A write on node i that must be answered 0 once the group is quiet. */
static void
write_ok(struct sim *s, int i, const char *name, const char *val)
{
    int rc;
    uint64_t t = sim_set(s, i, "SOFTWARE/NEC/NVBASE", name, val, &rc);

    assert_int_equal(rc, 0);
    sim_run(s);
    assert_int_equal(sim_reply(s, i, t), 0);
}

static void
assert_value(struct sim *s, int i, const char *name, const char *want)
{
    g_autofree char *v = sim_get(s, i, "SOFTWARE/NEC/NVBASE", name);

    if (want == NULL) {
        assert_null(v);
    } else {
        assert_non_null(v);
        assert_string_equal(v, want);
    }
}

/* The power goes on node i: the ring shrinks to the others, whose daemons see its daemon
 * leave with its node (NODEDOWN), and it dies. */
static void
node_down(struct sim *s, int i)
{
    int parts[SIM_MAX] = {0};

    parts[i] = 1;
    sim_partition(s, parts);
    if (s->n[i].node != NULL) {
        sim_crash(s, i);
    }
    sim_run(s);
}

/* The cluster link between node 0 and node 1 is cut: both stay up, each in a ring of one. */
static void
cut(struct sim *s)
{
    const int parts[SIM_MAX] = {0, 1};

    sim_partition(s, parts);
    sim_run(s);
}

static void
node_up(struct sim *s, int i)
{
    const int whole[SIM_MAX] = {0};

    sim_partition(s, whole);
    sim_start(s, i);
    sim_run(s);
}

/* Standby of the passive node stops its daemon: the active one goes on writing. */
static void
test_passive_stops_active_writable(void **state)
{
    struct sim s;

    start_cluster(&s, 2, true);
    write_ok(&s, 0, "WorkDir", "/opt/nvbase");
    sim_stop(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    write_ok(&s, 0, "Port", "162");
    /* Its daemon restarts on the same node (a restart of the chain's daemon, say) and
     * still may write alone: its last quorate round had it alone. */
    sim_crash(&s, 0);
    sim_start(&s, 0);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    write_ok(&s, 0, "Port", "163");
    /* Unstandby: the passive daemon catches up. */
    sim_start(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_value(&s, 1, "Port", "163");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/* The same events under the majority rule: three nodes, or two without two_node. */
static void
test_majority_rule_unchanged(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 3, false);
    sim_stop(&s, 2);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE); /* 2 daemons of 3 */
    sim_stop(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY); /* 1 of 3 */
    sim_set(&s, 0, "K", "v", "x", &rc);
    assert_int_equal(rc, BL_E_NOQUORUM);
    sim_fini(&s);

    start_cluster(&s, 2, false);
    sim_stop(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    sim_fini(&s);
}

/* Three nodes stay strict also with the two_node flag set: the rule is for rings of two. */
static void
test_three_nodes_strict_even_with_flag(void **state)
{
    struct sim s;

    start_cluster(&s, 3, true);
    sim_stop(&s, 1);
    sim_stop(&s, 2);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    sim_fini(&s);
}

/* A frozen passive daemon: the first write is answered at ack-timeout on the simulated
 * clock, not before; later ones at once; the thawed daemon applies them all. */
static void
test_frozen_peer_bounded(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    sim_freeze(&s, 1);
    uint64_t t = sim_set(&s, 0, "K", "a", "1", &rc);
    assert_int_equal(rc, 0);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t), 1); /* waits for the frozen member */
    sim_advance(&s, ACK_TIMEOUT_MS - 1);
    assert_int_equal(sim_reply(&s, 0, t), 1);
    sim_advance(&s, 1);
    assert_int_equal(sim_reply(&s, 0, t), 0); /* at the bound, durable here */
    uint64_t t2 = sim_set(&s, 0, "K", "b", "2", &rc);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t2), 0); /* the member is excused: no wait */
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);

    sim_thaw(&s, 1);
    sim_run(&s);
    assert_true(sim_same(&s, 0, 1));
    /* Caught up, it counts again: a write waits for its confirmation, which comes. */
    uint64_t t3 = sim_set(&s, 0, "K", "c", "3", &rc);
    sim_step(&s, 0); /* the write leaves */
    sim_step(&s, 1); /* and is applied on both: not answered before the other's APPLIED */
    assert_int_equal(sim_reply(&s, 0, t3), 1);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t3), 0);
    sim_fini(&s);
}

/* Three nodes: a frozen member is excused at ack-timeout while the other two hold a
 * majority of the ring; with two of three frozen the write waits (one node is no majority);
 * a thawed member catches up, and the lagging one cannot become the source. */
static void
test_frozen_member_three_nodes(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 3, false);
    sim_freeze(&s, 2);
    uint64_t t = sim_set(&s, 0, "K", "a", "1", &rc);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t), 1);
    sim_advance(&s, ACK_TIMEOUT_MS);
    assert_int_equal(sim_reply(&s, 0, t), 0); /* on nodes 0 and 1: a majority */
    sim_freeze(&s, 1);
    uint64_t t2 = sim_set(&s, 0, "K", "b", "2", &rc);
    sim_run(&s);
    sim_advance(&s, 10 * ACK_TIMEOUT_MS);
    assert_int_equal(sim_reply(&s, 0, t2), 1); /* only here: waits */
    sim_thaw(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t2), 0);
    /* The writer's node goes; node 2 thaws: the group of 1 and 2 takes node 1's history. */
    node_down(&s, 0);
    sim_thaw(&s, 2);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 2), BL_REG_SM_ACTIVE);
    g_autofree char *v = sim_get(&s, 2, "K", "b");
    assert_non_null(v);
    assert_string_equal(v, "2");
    assert_true(sim_same(&s, 1, 2));
    sim_fini(&s);
}

/* The issue's sequence: the passive daemon stops, the active writes alone, the active node
 * dies, the passive daemon starts alone on a quorate node: it must not serve its older
 * history as in sync. The active node's return (or a take-over) unblocks it. */
static void
test_stale_history_refused(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    write_ok(&s, 0, "WorkDir", "old");
    sim_stop(&s, 1);
    sim_run(&s);
    write_ok(&s, 0, "WorkDir", "new");
    node_down(&s, 0);
    sim_start(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_READONLY);
    sim_set(&s, 1, "K", "v", "x", &rc);
    assert_int_equal(rc, BL_E_NOQUORUM);
    /* The other node comes back: its newer history wins. */
    node_up(&s, 0);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_value(&s, 1, "WorkDir", "new");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/* A frozen daemon excused from a write, then killed (a monitor time-out), and the active
 * node lost: the restarted daemon lacks the acknowledged write and must stay read-only. */
static void
test_excused_then_killed_refused(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    sim_freeze(&s, 1);
    uint64_t t = sim_set(&s, 0, "K", "a", "acked", &rc);
    sim_run(&s);
    sim_advance(&s, ACK_TIMEOUT_MS);
    assert_int_equal(sim_reply(&s, 0, t), 0);
    sim_crash(&s, 1);
    sim_run(&s);
    node_down(&s, 0);
    sim_start(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_READONLY);
    g_autofree char *v = sim_get(&s, 1, "K", "a");
    assert_null(v);
    sim_fini(&s);
}

/* The passive node loses power: the active daemon writes again once Pacemaker has fenced
 * it (until then it cannot tell a dead node from a cut link); the returning node catches up. */
static void
test_passive_node_down_and_back(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    node_down(&s, 1);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    sim_set(&s, 0, "K", "v", "x", &rc);
    assert_int_equal(rc, BL_E_NOQUORUM);
    sim_fence(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    write_ok(&s, 0, "WorkDir", "while-down");
    node_up(&s, 1);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_value(&s, 1, "WorkDir", "while-down");
    sim_fini(&s);
}

/* The other node is gone for good: bmclinkd --take-over makes the survivor writable, and if
 * the lost node comes back after all, the survivor's later history wins over its own. */
static void
test_take_over(void **state)
{
    struct sim s;

    start_cluster(&s, 2, true);
    sim_stop(&s, 1);
    sim_run(&s);
    write_ok(&s, 0, "WorkDir", "lost-with-node0");
    node_down(&s, 0);
    sim_start(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_READONLY);
    sim_crash(&s, 1);
    s.n[1].take_over = true;
    sim_start(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    write_ok(&s, 1, "Port", "after-take-over");
    node_up(&s, 0);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    assert_value(&s, 0, "Port", "after-take-over");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/* The passive daemon frozen, excused from a write, then the active node dies: once it thaws,
 * it reads the write Corosync queued for it before the membership change, and goes on alone
 * with it (continuity). */
static void
test_frozen_peer_survives_active_death(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    sim_freeze(&s, 1);
    uint64_t t = sim_set(&s, 0, "SOFTWARE/NEC/NVBASE", "WorkDir", "acked", &rc);
    sim_run(&s);
    sim_advance(&s, ACK_TIMEOUT_MS);
    assert_int_equal(sim_reply(&s, 0, t), 0);
    node_down(&s, 0);
    sim_fence(&s, 0);
    sim_thaw(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_value(&s, 1, "WorkDir", "acked");
    write_ok(&s, 1, "Port", "after");
    sim_fini(&s);
}

/* The cluster link is cut: each daemon is alone in a quorate ring (two_node) and cannot tell
 * whether the other is dead or writing too, so neither answers a write until Pacemaker has
 * fenced one; the survivor then holds every write ever answered, and the fenced node, back,
 * takes the survivor's history. */
static void
test_cut_link_waits_for_fencing(void **state)
{
    struct sim s;
    int rc;

    start_cluster(&s, 2, true);
    write_ok(&s, 0, "WorkDir", "before");
    /* A write on node 1 that only node 1 delivers, as the link goes. */
    uint64_t t = sim_set(&s, 1, "K", "caught", "in-cut", &rc);
    assert_int_equal(rc, 0);
    sim_step(&s, 0);
    sim_deliver_head_to(&s, 1u << 1);
    cut(&s);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sim_state(&s, i), BL_REG_SM_READONLY);
        sim_set(&s, i, "K", "v", "x", &rc);
        assert_int_equal(rc, BL_E_NOQUORUM);
    }
    assert_int_not_equal(sim_reply(&s, 1, t), 0); /* never answered 0 (in doubt, or not yet) */
    sim_advance(&s, 10 * ACK_TIMEOUT_MS);         /* time alone does not unblock either */
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_READONLY);
    sim_fence(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    write_ok(&s, 0, "Port", "after-fencing");
    node_up(&s, 1);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_value(&s, 1, "Port", "after-fencing");
    assert_value(&s, 1, "WorkDir", "before");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/* The link heals before either is fenced: the daemons meet again and go on together. */
static void
test_cut_heals_without_fencing(void **state)
{
    struct sim s;
    const int whole[SIM_MAX] = {0};

    start_cluster(&s, 2, true);
    cut(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    sim_partition(&s, whole);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    write_ok(&s, 1, "WorkDir", "healed");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/* A fencing from an earlier life of the node (before its daemon joined) proves nothing. */
static void
test_cut_old_fencing_not_enough(void **state)
{
    struct sim s;

    start_cluster(&s, 2, true);
    sim_fence(&s, 1);
    node_up(&s, 1);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    cut(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    sim_fence(&s, 1);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    sim_fini(&s);
}

/* Three nodes never wait for fencing: the majority rule already keeps a minority read-only. */
static void
test_three_nodes_no_fencing_wait(void **state)
{
    struct sim s;
    const int parts[SIM_MAX] = {0, 0, 1};

    start_cluster(&s, 3, false);
    sim_partition(&s, parts);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    assert_int_equal(sim_state(&s, 2), BL_REG_SM_READONLY);
    sim_fini(&s);
}

/* ---- A seeded random run of two-node faults, link cuts and fencing included. */

struct campaign {
    struct sim s;
    GRand *r;
    GPtrArray *acked; /* names of writes answered 0 */
    GHashTable *pending[2];
    uint32_t seed;
    bool down[2]; /* the node is powered off */
    bool cut;     /* the cluster link is cut (both nodes up) */
};

static bool
running(const struct campaign *c, int i)
{
    return c->s.n[i].node != NULL && c->s.n[i].in_group;
}

static void
collect(struct campaign *c)
{
    for (int k = 0; k < 2; k++) {
        GHashTableIter it;
        gpointer key;
        gpointer val;
        g_hash_table_iter_init(&it, c->pending[k]);
        while (g_hash_table_iter_next(&it, &key, &val)) {
            int ans = sim_reply(&c->s, k, (uint64_t) GPOINTER_TO_SIZE(key));
            if (ans == 0) {
                g_ptr_array_add(c->acked, g_strdup(val));
            }
            if (ans != 1) {
                g_hash_table_iter_remove(&it);
            }
        }
    }
}

/* A daemon active alone holds every write answered 0 so far, on either node. */
static void
audit_alone(struct campaign *c, int step)
{
    for (int i = 0; i < 2; i++) {
        bool with_other = running(c, 1 - i) && c->s.n[0].part == c->s.n[1].part;
        if (!running(c, i) || c->s.n[i].frozen || with_other ||
            sim_state(&c->s, i) != BL_REG_SM_ACTIVE) {
            continue;
        }
        for (guint k = 0; k < c->acked->len; k++) {
            g_autofree char *v = sim_get(&c->s, i, "R", g_ptr_array_index(c->acked, k));
            if (v == NULL) {
                fail_msg("seed %u step %d: node %d active alone without acknowledged %s", c->seed,
                         step, i, (char *) g_ptr_array_index(c->acked, k));
            }
        }
    }
}

/* The other daemon stopped, died or lost its node: a running, unfrozen daemon that was
 * active with it stays active. */
static void
audit_writable(struct campaign *c, int survivor, bool was_active, int step)
{
    if (was_active && running(c, survivor) && !c->s.n[survivor].frozen) {
        sim_run(&c->s);
        if (sim_state(&c->s, survivor) != BL_REG_SM_ACTIVE) {
            fail_msg("seed %u step %d: node %d not active after its peer left", c->seed, step,
                     survivor);
        }
    }
}

static void
fault(struct campaign *c, int i, int step)
{
    int j = 1 - i;
    int what = g_rand_int_range(c->r, 0, 100);
    bool j_active = running(c, j) && !c->s.n[j].frozen && sim_state(&c->s, j) == BL_REG_SM_ACTIVE;
    int rc;

    if (what < 50 && running(c, i) && !c->s.n[i].frozen) {
        g_autofree char *name = g_strdup_printf("s%u-%d", c->seed, step);
        uint64_t t = sim_set(&c->s, i, "R", name, name, &rc);
        if (t != 0) {
            g_hash_table_insert(c->pending[i], GSIZE_TO_POINTER(t), g_strdup(name));
        }
    } else if (what < 58 && running(c, i)) {
        sim_stop(&c->s, i);
        audit_writable(c, j, j_active, step);
    } else if (what < 64 && running(c, i)) {
        sim_crash(&c->s, i);
        audit_writable(c, j, j_active, step);
    } else if (what < 68 && !c->down[i]) {
        node_down(&c->s, i);
        c->down[i] = true;
        sim_fence(&c->s, i); /* Pacemaker fences the lost node */
        audit_writable(c, j, j_active, step);
    } else if (what < 71 && !c->cut && !c->down[0] && !c->down[1]) {
        cut(&c->s);
        c->cut = true;
    } else if (what < 74 && c->cut) {
        /* Fencing settles the cut: one side (either) loses its power; or the link heals. */
        if (g_rand_boolean(c->r)) {
            sim_fence(&c->s, i);
            c->down[i] = true;
        } else {
            sim_partition(&c->s, (const int[SIM_MAX]){0});
        }
        c->cut = false;
    } else if (what < 80 && !running(c, i)) {
        if (c->down[i]) {
            node_up(&c->s, i);
            c->down[i] = false;
            c->cut = false;
        } else {
            sim_start(&c->s, i);
        }
    } else if (what < 86 && running(c, i) && !c->s.n[j].frozen) {
        sim_freeze(&c->s, i);
    } else if (what < 93 && c->s.n[i].frozen) {
        sim_thaw(&c->s, i);
    } else {
        sim_advance(&c->s, (uint64_t) g_rand_int_range(c->r, 0, 2 * ACK_TIMEOUT_MS));
    }
}

static void
campaign_end(struct campaign *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->s.n[i].frozen) {
            sim_thaw(&c->s, i);
        }
    }
    if (c->cut) {
        sim_partition(&c->s, (const int[SIM_MAX]){0});
    }
    for (int i = 0; i < 2; i++) {
        if (c->down[i]) {
            node_up(&c->s, i);
        } else if (!running(c, i)) {
            sim_start(&c->s, i);
        }
    }
    sim_run(&c->s);
    collect(c);
    assert_int_equal(sim_state(&c->s, 0), BL_REG_SM_ACTIVE);
    assert_int_equal(sim_state(&c->s, 1), BL_REG_SM_ACTIVE);
    assert_true(sim_same(&c->s, 0, 1));
    for (guint k = 0; k < c->acked->len; k++) {
        g_autofree char *v = sim_get(&c->s, 0, "R", g_ptr_array_index(c->acked, k));
        if (v == NULL) {
            fail_msg("seed %u: acknowledged %s lost", c->seed,
                     (char *) g_ptr_array_index(c->acked, k));
        }
    }
}

static void
campaign_run(uint32_t seed)
{
    struct campaign c = {.r = g_rand_new_with_seed(seed), .seed = seed};

    c.acked = g_ptr_array_new_with_free_func(g_free);
    for (int k = 0; k < 2; k++) {
        c.pending[k] = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    start_cluster(&c.s, 2, true);
    for (int step = 0; step < 300; step++) {
        fault(&c, g_rand_int_range(c.r, 0, 2), step);
        sim_step(&c.s, (size_t) g_rand_int_range(c.r, 0, 8));
        collect(&c);
        audit_alone(&c, step);
    }
    campaign_end(&c);
    for (int k = 0; k < 2; k++) {
        g_hash_table_destroy(c.pending[k]);
    }
    g_ptr_array_free(c.acked, TRUE);
    g_rand_free(c.r);
    sim_fini(&c.s);
}

/* REG_SIM_SEED=N replays one seed, REG_SIM_SEEDS=N runs more (CTest: 100). */
static void
test_random_two_node_faults(void **state)
{
    const char *one = g_getenv("REG_SIM_SEED");
    const char *many = g_getenv("REG_SIM_SEEDS");
    uint32_t n = many != NULL ? (uint32_t) g_ascii_strtoull(many, NULL, 10) : 100;

    if (one != NULL) {
        campaign_run((uint32_t) g_ascii_strtoull(one, NULL, 10));
        return;
    }
    for (uint32_t seed = 1; seed <= n; seed++) {
        campaign_run(seed);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passive_stops_active_writable),
        cmocka_unit_test(test_majority_rule_unchanged),
        cmocka_unit_test(test_three_nodes_strict_even_with_flag),
        cmocka_unit_test(test_frozen_peer_bounded),
        cmocka_unit_test(test_frozen_member_three_nodes),
        cmocka_unit_test(test_stale_history_refused),
        cmocka_unit_test(test_excused_then_killed_refused),
        cmocka_unit_test(test_passive_node_down_and_back),
        cmocka_unit_test(test_take_over),
        cmocka_unit_test(test_frozen_peer_survives_active_death),
        cmocka_unit_test(test_cut_link_waits_for_fencing),
        cmocka_unit_test(test_cut_heals_without_fencing),
        cmocka_unit_test(test_cut_old_fencing_not_enough),
        cmocka_unit_test(test_three_nodes_no_fencing_wait),
        cmocka_unit_test(test_random_two_node_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
