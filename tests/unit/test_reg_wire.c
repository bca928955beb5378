/* The registry's wire codec (resource/registry/reg_wire.c): round trips, byte order, and refusal of
 * every malformed input the decoder must catch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "bl_result.h"
#include "reg_wire.h"

static GByteArray *
encode(const struct bl_reg_msg *m)
{
    GByteArray *b = g_byte_array_new();

    assert_int_equal(bl_reg_msg_encode(m, b), 0);
    return b;
}

static void
test_header_is_big_endian(void **state)
{
    struct bl_reg_msg m = {.type = BL_REG_MSG_APPLIED, .gen = 0x0102030405060708ull};
    GByteArray *b = encode(&m);

    assert_memory_equal(b->data, "BLRG\x01\x04\x00\x00\x00\x00\x00\x18", 12);
    assert_memory_equal(b->data + 12, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    g_byte_array_unref(b);
}

static void
test_announce_round_trip(void **state)
{
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_ANNOUNCE,
        .tag = {7, 1234, 0xdeadbeefcafef00dull},
        .epoch = 44,
        .gen = 99,
        .ring_node = 3,
        .ring_seq = 1ull << 40,
        .flags = BL_REG_ANN_QUORATE,
        .log_min = 17,
    };
    struct bl_reg_msg d;

    memset(m.hash, 0x5a, sizeof(m.hash));
    GByteArray *b = encode(&m);
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), 0);
    assert_int_equal(d.type, m.type);
    assert_int_equal(d.tag.nonce, m.tag.nonce);
    assert_int_equal(d.tag.pid, 1234);
    assert_int_equal(d.epoch, 44);
    assert_int_equal(d.gen, 99);
    assert_int_equal(d.ring_seq, m.ring_seq);
    assert_int_equal(d.flags, BL_REG_ANN_QUORATE);
    assert_memory_equal(d.hash, m.hash, BL_REG_HASH_LEN);
    /* Unknown flags are refused. */
    b->data[b->len - 9] = 0x80;
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    g_byte_array_unref(b);
}

/* A WRITE message with one record setting path/name. */
static GByteArray *
write_msg(const char *path, const char *name, enum bl_reg_type type, const void *data, uint32_t len)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {.type = type, .len = len, .data = (uint8_t *) data};
    GByteArray *opsb = g_byte_array_new();
    GByteArray *body = g_byte_array_new();
    struct bl_reg_msg m = {.type = BL_REG_MSG_WRITE, .seq = 1};

    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, name, &v);
    assert_int_equal(bl_reg_ops_encode(&ops, opsb), 0);
    bl_reg_write_rec_encode(body, 5, opsb->data, opsb->len);
    m.body = body->data;
    m.body_len = body->len;
    GByteArray *b = encode(&m);
    g_byte_array_unref(opsb);
    g_byte_array_unref(body);
    bl_reg_ops_clear(&ops);
    return b;
}

/* Decode a WRITE and its single record's ops. */
static int
decode_write(GByteArray *b, struct bl_reg_write_rec *r, struct bl_reg_ops *ops)
{
    struct bl_reg_msg d;
    struct bl_reg_rd rd;
    int rc = bl_reg_msg_decode(b->data, b->len, &d);

    if (rc != 0) {
        return rc;
    }
    assert_int_equal(d.type, BL_REG_MSG_WRITE);
    assert_int_equal(d.seq, 1);
    bl_reg_rd_init(&rd, d.body, d.body_len);
    assert_int_equal(bl_reg_write_rec_decode(&rd, r), 0);
    return bl_reg_ops_decode(r->ops, r->ops_len, ops);
}

static void
test_write_round_trip(void **state)
{
    GByteArray *b = write_msg("SOFTWARE/NEC", "Port", BL_REG_DWORD, "\x01\x00\x00\x00", 4);
    struct bl_reg_write_rec r;
    struct bl_reg_ops ops = {0};

    assert_int_equal(decode_write(b, &r, &ops), 0);
    assert_int_equal(r.req_id, 5);
    assert_int_equal(ops.n, 1);
    assert_string_equal(ops.v[0].path, "SOFTWARE/NEC");
    assert_string_equal(ops.v[0].name, "Port");
    assert_int_equal(ops.v[0].value.type, BL_REG_DWORD);
    assert_memory_equal(ops.v[0].value.data, "\x01\x00\x00\x00", 4);
    bl_reg_ops_clear(&ops);
    g_byte_array_unref(b);
}

static void
expect_refused(GByteArray *b, int rc)
{
    struct bl_reg_write_rec r;
    struct bl_reg_ops ops = {0};

    assert_int_equal(decode_write(b, &r, &ops), rc);
    bl_reg_ops_clear(&ops);
}

static void
test_hostile_writes(void **state)
{
    GByteArray *b;

    /* Invalid UTF-8 in a key name, a wrong-size DWORD, a NUL inside a name. */
    b = write_msg("A/\xff", "n", BL_REG_SZ, "x", 1);
    expect_refused(b, BL_E_INVALID);
    g_byte_array_unref(b);
    b = write_msg("A", "n", BL_REG_DWORD, "xyz", 3);
    expect_refused(b, BL_E_TYPE);
    g_byte_array_unref(b);
    b = write_msg("A", "n", BL_REG_SZ, "xy", 2);
    /* header, count, req_id, ops len, ops count, kind, type, path len, path, name len */
    size_t name_at = 12 + 2 + 8 + 4 + 2 + 1 + 1 + 2 + 1 + 2;
    assert_int_equal(b->data[name_at], 'n');
    b->data[name_at] = '\0';
    expect_refused(b, BL_E_PROTO);
    g_byte_array_unref(b);
    /* A record length that points past the end, a count larger than the records, and a
     * truncation at every byte. */
    b = write_msg("A", "n", BL_REG_SZ, "xy", 2);
    struct bl_reg_msg d;
    b->data[12 + 2 + 8 + 3] += 1;
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    b->data[12 + 2 + 8 + 3] -= 1;
    b->data[13] = 2;
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    b->data[13] = 1;
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), 0);
    for (guint cut = 0; cut < b->len; cut++) {
        assert_int_not_equal(bl_reg_msg_decode(b->data, cut, &d), 0);
    }
    g_byte_array_unref(b);
}

static void
test_header_checks(void **state)
{
    struct bl_reg_msg m = {.type = BL_REG_MSG_SYNC_REQ};
    struct bl_reg_msg d;
    GByteArray *b = encode(&m);

    b->data[4] = 2; /* a newer protocol */
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_UNSUPPORTED);
    b->data[4] = 1;
    b->data[0] = 'X';
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    b->data[0] = 'B';
    b->data[5] = 42; /* unknown type */
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    b->data[5] = BL_REG_MSG_SYNC_REQ;
    b->data[7] = 1; /* reserved bits */
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    b->data[7] = 0;
    guint8 extra = 0;
    g_byte_array_append(b, &extra, 1); /* trailing byte, length not updated */
    assert_int_equal(bl_reg_msg_decode(b->data, b->len, &d), BL_E_PROTO);
    g_byte_array_unref(b);
}

static void
test_log_entries(void **state)
{
    GByteArray *p = g_byte_array_new();
    uint8_t h[BL_REG_HASH_LEN];
    struct bl_reg_rd rd;
    struct bl_reg_log_entry e;

    memset(h, 1, sizeof(h));
    bl_reg_wr_u32(p, 0);
    bl_reg_log_entry_encode(p, 7, h, (const uint8_t *) "abc", 3);
    bl_reg_wr_patch_u32(p, 0, 1);
    bl_reg_rd_init(&rd, p->data, p->len);
    assert_int_equal(bl_reg_rd_u32(&rd), 1);
    assert_int_equal(bl_reg_log_entry_decode(&rd, &e), 0);
    assert_int_equal(e.gen, 7);
    assert_int_equal(e.ops_len, 3);
    assert_int_equal(bl_reg_rd_end(&rd), 0);
    bl_reg_rd_init(&rd, p->data, p->len - 1);
    bl_reg_rd_u32(&rd);
    assert_int_equal(bl_reg_log_entry_decode(&rd, &e), BL_E_PROTO);
    g_byte_array_unref(p);
    assert_string_equal(bl_reg_msg_type_name(BL_REG_MSG_CU_END), "CU_END");
    assert_string_equal(bl_reg_msg_type_name(99), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_is_big_endian), cmocka_unit_test(test_announce_round_trip),
        cmocka_unit_test(test_write_round_trip),     cmocka_unit_test(test_hostile_writes),
        cmocka_unit_test(test_header_checks),        cmocka_unit_test(test_log_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
