/*
 * The replication state machine and its executor (reg_sm, reg_node) over a simulated group
 * (reg_sim.c): ordering, quorum, catch-up by log and by snapshot, partitions that heal,
 * crashes, a full disk, hostile messages, and a seeded random run that checks the two
 * promises: replicas converge, and no acknowledged write is lost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bl_result.h"
#include "reg_sim.h"
#include "reg_wire.h"

static void
start_all(struct sim *s)
{
    for (int i = 0; i < s->count; i++) {
        sim_start(s, i);
    }
    sim_run(s);
}

static void
test_single_node_write(void **state)
{
    struct sim s;
    int rc;

    sim_init(&s, 1);
    start_all(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    uint64_t t = sim_set(&s, 0, "SOFTWARE/NEC/NVBASE", "WorkDir", "/opt/nvbase", &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sim_reply(&s, 0, t), 1); /* not answered before delivery */
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t), 0);
    g_autofree char *v = sim_get(&s, 0, "SOFTWARE/NEC/NVBASE", "WorkDir");
    assert_string_equal(v, "/opt/nvbase");
    sim_fini(&s);
}

static void
test_three_writers_converge(void **state)
{
    struct sim s;
    uint64_t tokens[3][50];
    int rc;

    sim_init(&s, 3);
    start_all(&s);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sim_state(&s, i), BL_REG_SM_ACTIVE);
    }
    for (int k = 0; k < 50; k++) {
        for (int i = 0; i < 3; i++) {
            g_autofree char *val = g_strdup_printf("%d-%d", i, k);
            /* Everyone writes the same value name: the total order decides who wins. */
            tokens[i][k] = sim_set(&s, i, "A/B", "same", val, &rc);
            assert_int_equal(rc, 0);
        }
        sim_step(&s, 2);
    }
    sim_run(&s);
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 50; k++) {
            assert_int_equal(sim_reply(&s, i, tokens[i][k]), 0);
        }
    }
    assert_true(sim_same(&s, 0, 1));
    assert_true(sim_same(&s, 0, 2));
    sim_fini(&s);
}

static void
test_minority_refuses_majority_writes_heal(void **state)
{
    struct sim s;
    int rc;
    const int split[3] = {1, 0, 0};
    const int whole[3] = {0, 0, 0};

    sim_init(&s, 3);
    start_all(&s);
    sim_partition(&s, split);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_READONLY);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    sim_set(&s, 0, "K", "v", "minority", &rc);
    assert_int_equal(rc, BL_E_NOQUORUM);
    uint64_t t = sim_set(&s, 1, "K", "v", "majority", &rc);
    assert_int_equal(rc, 0);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 1, t), 0);

    sim_partition(&s, whole);
    sim_run(&s);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sim_state(&s, i), BL_REG_SM_ACTIVE);
    }
    g_autofree char *v = sim_get(&s, 0, "K", "v");
    assert_string_equal(v, "majority");
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

static void
write_many(struct sim *s, int node, int count, size_t size)
{
    g_autofree char *big = g_strnfill(size, 'x');
    int rc;

    for (int k = 0; k < count; k++) {
        g_autofree char *name = g_strdup_printf("v%05d", k);
        uint64_t t = sim_set(s, node, "BULK", name, big, &rc);
        assert_int_equal(rc, 0);
        if (k % 32 == 31) {
            sim_run(s);
            assert_int_equal(sim_reply(s, node, t), 0);
        }
    }
    sim_run(s);
}

static void
crash_restart(bool small_log, uint64_t expect_snapshots)
{
    struct sim s;
    struct bl_reg_node_stats st;

    sim_init(&s, 3);
    s.log_keep = small_log ? 10 : 0;
    start_all(&s);
    sim_crash(&s, 2);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE); /* 2 of 3 votes remain */
    write_many(&s, 0, 256, 4096);                         /* 1 MiB the crashed node misses */
    sim_start(&s, 2);
    assert_int_equal(sim_state(&s, 2), BL_REG_SM_SYNCING);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 2), BL_REG_SM_ACTIVE);
    assert_true(sim_same(&s, 0, 2));
    /* The source is node 0 (lowest of equal histories). */
    bl_reg_node_stats(s.n[0].node, &st);
    assert_int_equal(st.catchups, 1);
    assert_int_equal(st.snapshots, expect_snapshots);
    sim_fini(&s);
}

static void
test_restart_catches_up_from_log(void **state)
{
    crash_restart(false, 0);
}

static void
test_restart_catches_up_by_snapshot(void **state)
{
    crash_restart(true, 1);
}

/* A snapshot over the cap is refused in total, though each 4 KiB chunk is far below it. */
static void
test_snapshot_cap_in_total(void **state)
{
    struct sim s;

    sim_init(&s, 3);
    s.log_keep = 10;
    s.snapshot_max = 64 * 1024;
    start_all(&s);
    sim_crash(&s, 2);
    sim_run(&s);
    write_many(&s, 0, 256, 4096); /* a 1 MiB snapshot for the restarted node */
    sim_start(&s, 2);
    /* The source offers the snapshot again after each refusal: a bounded number of steps,
     * ample for a catch-up that is accepted (test_restart_catches_up_by_snapshot). */
    for (int i = 0; i < 2000 && s.bus.length > 0; i++) {
        sim_step(&s, s.batch);
    }
    assert_int_not_equal(sim_state(&s, 2), BL_REG_SM_ACTIVE);
    assert_false(sim_same(&s, 0, 2));
    sim_fini(&s);
}

static void
test_unconfirmed_write_of_lost_side_in_doubt(void **state)
{
    struct sim s;
    int rc;
    const int split[3] = {1, 0, 0};
    const int whole[3] = {0, 0, 0};

    sim_init(&s, 3);
    start_all(&s);
    /* Node 0's write reaches only node 0 before the network splits (a transitional
     * delivery); the majority writes something else at the same generation. */
    uint64_t lost = sim_set(&s, 0, "K", "v", "lost", &rc);
    assert_int_equal(rc, 0);
    sim_deliver_head_to(&s, 1u << 0);
    sim_partition(&s, split);
    sim_run(&s);
    uint64_t kept = sim_set(&s, 1, "K", "v", "kept", &rc);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 1, kept), 0);
    assert_int_equal(sim_reply(&s, 0, lost), BL_E_INDOUBT); /* never confirmed as done */
    sim_partition(&s, whole);
    sim_run(&s);
    g_autofree char *v = sim_get(&s, 0, "K", "v");
    assert_string_equal(v, "kept");
    assert_true(sim_same(&s, 0, 1));
    assert_true(sim_same(&s, 0, 2));
    sim_fini(&s);
}

static void
test_full_disk_leaves_then_rejoins(void **state)
{
    struct sim s;
    int rc;

    sim_init(&s, 3);
    s.n[2].max_bytes = 64 * 1024;
    start_all(&s);
    g_autofree char *big = g_strnfill(8000, 'y');
    uint64_t last = 0;
    for (int k = 0; k < 40; k++) {
        g_autofree char *name = g_strdup_printf("n%d", k);
        last = sim_set(&s, 0, "FILL", name, big, &rc);
        assert_int_equal(rc, 0);
        sim_run(&s);
    }
    /* Node 2's disk filled up: it left; the others went on and confirmed every write. */
    assert_int_equal(s.n[2].left_rc, -ENOSPC);
    assert_int_equal(sim_reply(&s, 0, last), 0);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    /* Space is back: the daemon starts again and catches up. */
    sim_crash(&s, 2);
    s.n[2].max_bytes = 0;
    sim_start(&s, 2);
    sim_run(&s);
    assert_true(sim_same(&s, 0, 2));
    sim_fini(&s);
}

static void
test_hostile_messages_change_nothing(void **state)
{
    struct sim s;
    int rc;
    uint8_t junk[64];

    sim_init(&s, 2);
    start_all(&s);
    memset(junk, 0xa5, sizeof(junk));
    struct bl_reg_node *n = s.n[1].node;
    assert_int_not_equal(bl_reg_node_deliver(n, 1, s.n[0].pid, junk, sizeof(junk)), 0);
    /* A well-formed APPLIED from a stranger and a SYNC_DONE out of any round. */
    GByteArray *b = g_byte_array_new();
    struct bl_reg_msg m = {.type = BL_REG_MSG_APPLIED, .gen = 99};
    bl_reg_msg_encode(&m, b);
    assert_int_equal(bl_reg_node_deliver(n, 77, 77, b->data, b->len), BL_E_PROTO);
    m = (struct bl_reg_msg){.type = BL_REG_MSG_SYNC_DONE, .gen = 5};
    bl_reg_msg_encode(&m, b);
    assert_int_equal(bl_reg_node_deliver(n, 1, s.n[0].pid, b->data, b->len), 0);
    g_byte_array_unref(b);
    bl_reg_node_end_of_batch(n);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    uint64_t t = sim_set(&s, 1, "X", "y", "z", &rc);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 1, t), 0);
    assert_true(sim_same(&s, 0, 1));
    sim_fini(&s);
}

/*
 * An upgrade that changes the wire format (docs/quickstart-hardware.md, "Upgrading bmclink"):
 * while daemons of two releases are in the group each ignores the other's messages, so no
 * sync round completes on either node, and a write is not answered however often the rounds
 * are asked for again; once both run one release they agree, and nothing written before is
 * lost.
 */
static void
test_other_wire_version_stalls_both(void **state)
{
    struct sim s;
    int rc;

    sim_init(&s, 2);
    start_all(&s);
    uint64_t t = sim_set(&s, 0, "K", "before", "1", &rc);
    sim_run(&s);
    assert_int_equal(sim_reply(&s, 0, t), 0);

    sim_crash(&s, 1); /* node 1 upgraded: a new release, another wire format */
    s.n[1].wire = 1;
    sim_start(&s, 1);
    sim_run(&s);
    t = sim_set(&s, 0, "K", "during", "2", &rc);
    for (int k = 0; k < 10; k++) { /* 10 ticks: the stall is noticed, rounds asked again */
        bl_reg_node_tick(s.n[0].node);
        bl_reg_node_tick(s.n[1].node);
        sim_run(&s);
    }
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_SYNCING);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_SYNCING);
    assert_int_equal(sim_reply(&s, 0, t), 1); /* no answer: neither applied nor refused */

    sim_crash(&s, 0); /* node 0 upgraded too */
    s.n[0].wire = 1;
    sim_start(&s, 0);
    sim_run(&s);
    assert_int_equal(sim_state(&s, 0), BL_REG_SM_ACTIVE);
    assert_int_equal(sim_state(&s, 1), BL_REG_SM_ACTIVE);
    assert_true(sim_same(&s, 0, 1));
    g_autofree char *v = sim_get(&s, 1, "K", "before");
    assert_string_equal(v, "1");
    sim_fini(&s);
}

/* Before a split, Totem may deliver the last messages only on their sender's new side. */
static void
transitional(struct sim *s, GRand *r, const int *parts)
{
    int k = g_rand_int_range(r, 0, 4);

    for (int j = 0; j < k && s->bus.length > 0; j++) {
        const struct sim_msg *m = g_queue_peek_head(&s->bus);
        unsigned mask = 0;
        for (int i = 0; i < s->count; i++) {
            mask |= parts[i] == parts[m->from] ? 1u << i : 0;
        }
        sim_deliver_head_to(s, mask);
    }
}

/*
 * Seeded random run: writes from every node, partitions, heals and crashes. At the end the
 * network heals and every daemon runs: all replicas must be identical, and every write that
 * was answered 0 must be in them.
 */
static void
random_run(uint32_t seed)
{
    struct sim s;
    GRand *r = g_rand_new_with_seed(seed);
    GPtrArray *acked = g_ptr_array_new_with_free_func(g_free);
    GHashTable *pending[3];
    int rc;

    sim_init(&s, 3);
    start_all(&s);
    for (int i = 0; i < 3; i++) {
        pending[i] = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    for (int step = 0; step < 400; step++) {
        int what = g_rand_int_range(r, 0, 100);
        int i = g_rand_int_range(r, 0, 3);
        if (what < 70 && s.n[i].node != NULL && s.n[i].in_group) {
            g_autofree char *name = g_strdup_printf("s%u-%d", seed, step);
            uint64_t t = sim_set(&s, i, "R", name, name, &rc);
            if (t != 0) {
                g_hash_table_insert(pending[i], GSIZE_TO_POINTER(t), g_strdup(name));
            }
        } else if (what < 80) {
            int parts[3] = {g_rand_int_range(r, 0, 2), g_rand_int_range(r, 0, 2),
                            g_rand_int_range(r, 0, 2)};
            transitional(&s, r, parts);
            sim_partition(&s, parts);
        } else if (what < 88 && s.n[i].node != NULL) {
            sim_crash(&s, i);
        } else if (s.n[i].node == NULL) {
            sim_start(&s, i);
        }
        sim_step(&s, (size_t) g_rand_int_range(r, 0, 8));
        s.batch = (size_t) g_rand_int_range(r, 1, 32);
        /* Collect answers: only the 0s are promises. */
        for (int k = 0; k < 3; k++) {
            GHashTableIter it;
            gpointer key;
            gpointer val;
            g_hash_table_iter_init(&it, pending[k]);
            while (g_hash_table_iter_next(&it, &key, &val)) {
                int ans = sim_reply(&s, k, (uint64_t) GPOINTER_TO_SIZE(key));
                if (ans == 0) {
                    g_ptr_array_add(acked, g_strdup(val));
                }
                if (ans != 1) {
                    g_hash_table_iter_remove(&it);
                }
            }
        }
    }
    const int whole[3] = {0, 0, 0};
    sim_partition(&s, whole);
    for (int i = 0; i < 3; i++) {
        if (s.n[i].node == NULL || s.n[i].in_group == false) {
            sim_start(&s, i);
        }
    }
    sim_run(&s);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sim_state(&s, i), BL_REG_SM_ACTIVE);
    }
    assert_true(sim_same(&s, 0, 1));
    assert_true(sim_same(&s, 0, 2));
    if (g_getenv("REG_SIM_VERBOSE") != NULL) {
        struct bl_reg_sm_status st;
        bl_reg_sm_status(bl_reg_node_sm(s.n[0].node), &st);
        fprintf(stderr,
                "seed %u: %u acknowledged, final gen %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                " rounds\n",
                seed, acked->len, st.gen, st.rounds);
    }
    for (guint k = 0; k < acked->len; k++) {
        const char *name = g_ptr_array_index(acked, k);
        g_autofree char *v = sim_get(&s, 0, "R", name);
        if (v == NULL) {
            fail_msg("seed %u: acknowledged write %s lost", seed, name);
        }
    }
    for (int i = 0; i < 3; i++) {
        g_hash_table_destroy(pending[i]);
    }
    g_ptr_array_free(acked, TRUE);
    g_rand_free(r);
    sim_fini(&s);
}

static void
test_random_partitions_and_crashes(void **state)
{
    const char *one = g_getenv("REG_SIM_SEED");

    if (one != NULL) {
        random_run((uint32_t) g_ascii_strtoull(one, NULL, 10));
        return;
    }
    /* REG_SIM_SEEDS=N runs more of them (a long soak); CTest runs 100. */
    const char *many = g_getenv("REG_SIM_SEEDS");
    uint32_t n = many != NULL ? (uint32_t) g_ascii_strtoull(many, NULL, 10) : 100;
    for (uint32_t seed = 1; seed <= n; seed++) {
        random_run(seed);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_node_write),
        cmocka_unit_test(test_three_writers_converge),
        cmocka_unit_test(test_minority_refuses_majority_writes_heal),
        cmocka_unit_test(test_restart_catches_up_from_log),
        cmocka_unit_test(test_restart_catches_up_by_snapshot),
        cmocka_unit_test(test_snapshot_cap_in_total),
        cmocka_unit_test(test_unconfirmed_write_of_lost_side_in_doubt),
        cmocka_unit_test(test_full_disk_leaves_then_rejoins),
        cmocka_unit_test(test_hostile_messages_change_nothing),
        cmocka_unit_test(test_other_wire_version_stalls_both),
        cmocka_unit_test(test_random_partitions_and_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
