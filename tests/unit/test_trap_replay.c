/* The replay state's file format (lib/bl_trap_replay.c): round trip, hostile bytes, clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "bl_result.h"
#include "bl_trap_replay.h"

static void
sample(struct bl_trap_replay *st)
{
    memset(st, 0, sizeof(*st));
    st->dedup.slot[0] = (struct bl_trap_dedup_slot){.key = 0x1122334455667788ull, .seen_s = 1000,
                                                   .used = true};
    st->dedup.slot[5] = (struct bl_trap_dedup_slot){.key = 7, .seen_s = 990, .used = true};
    st->dedup.next = 6;
    st->dedup.have_pet_ts = true;
    st->dedup.newest_pet_ts = 123456;
    st->dedup.have_v3_time = true;
    st->engine_id_len = 5;
    memcpy(st->engine_id, "\x80\x00\x1f\x88\x80", 5);
    st->dedup.v3_boots = 3;
    st->dedup.v3_time = 4000;
    st->dedup.v3_seen_s = 995;
}

static void
test_round_trip(void **state)
{
    struct bl_trap_replay a, b;
    GByteArray *bytes = g_byte_array_new();

    sample(&a);
    bl_trap_replay_encode(&a, bytes);
    assert_int_equal(bl_trap_replay_decode(bytes->data, bytes->len, &b), 0);
    assert_memory_equal(&a.dedup.slot, &b.dedup.slot, sizeof(a.dedup.slot));
    assert_int_equal(b.dedup.next, 6);
    assert_int_equal(b.dedup.newest_pet_ts, 123456);
    assert_true(b.dedup.have_v3_time);
    assert_memory_equal(b.engine_id, a.engine_id, 5);
    assert_int_equal(b.dedup.v3_boots, 3);
    assert_int_equal(b.dedup.v3_time, 4000);
    assert_int_equal(b.dedup.v3_seen_s, 995);
    /* Every truncation, a trailing byte, another version, a bad flag: refused, state zeroed. */
    for (guint n = 0; n < bytes->len; n++) {
        assert_int_not_equal(bl_trap_replay_decode(bytes->data, n, &b), 0);
        assert_false(b.dedup.have_v3_time);
    }
    g_byte_array_append(bytes, (const guint8 *) "x", 1);
    assert_int_equal(bl_trap_replay_decode(bytes->data, bytes->len, &b), BL_E_PROTO);
    g_byte_array_set_size(bytes, bytes->len - 1);
    bytes->data[4] = 2;
    assert_int_equal(bl_trap_replay_decode(bytes->data, bytes->len, &b), BL_E_UNSUPPORTED);
    bytes->data[4] = 1;
    bytes->data[15] = 7; /* slot 0's used flag, after the 6-byte head, next, have and newest */
    assert_int_equal(bl_trap_replay_decode(bytes->data, bytes->len, &b), BL_E_PROTO);
    g_byte_array_unref(bytes);
}

/* Saved on the monotonic clock of one boot, loaded on another: ages are kept. */
static void
test_shift(void **state)
{
    struct bl_trap_replay st;
    const uint64_t base = UINT64_C(1) << 40;

    sample(&st);
    bl_trap_dedup_shift(&st.dedup, 1000, 1700000000); /* monotonic -> wall at save */
    assert_int_equal(st.dedup.slot[0].seen_s, 1700000000);
    assert_int_equal(st.dedup.slot[5].seen_s, 1700000000 - 10);
    assert_int_equal(st.dedup.v3_seen_s, 1700000000 - 5);
    bl_trap_dedup_shift(&st.dedup, 1700000300, base + 30); /* wall -> a new boot's clock */
    assert_int_equal(st.dedup.slot[0].seen_s, base + 30 - 300);
    assert_int_equal(st.dedup.slot[5].seen_s, base + 30 - 310);
    assert_int_equal(st.dedup.v3_seen_s, base + 30 - 305);
    assert_false(st.dedup.slot[1].used);
    /* Older than the new clock can say: the slot goes, the engine time stays. */
    bl_trap_dedup_shift(&st.dedup, base + 30, 100);
    assert_false(st.dedup.slot[0].used);
    assert_int_equal(st.dedup.v3_seen_s, 0);
    assert_int_equal(st.dedup.v3_time, 4000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shift),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
