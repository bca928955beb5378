/*
 * libFuzzer target: the registry's CPG message decoder (resource/registry/reg_wire.c), plus the
 * payload decoders a catch-up message carries. Whatever the bytes, decoding must not read
 * out of bounds, leak, or accept something that does not encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reg_wire.h"

/* Every accepted write record must re-encode to exactly its bytes: the hash chain relies
 * on one encoding per set of ops. */
static void
check_write_canonical(const struct bl_reg_msg *m)
{
    struct bl_reg_rd rd;
    struct bl_reg_write_rec r;

    bl_reg_rd_init(&rd, m->body, m->body_len);
    for (uint32_t i = 0; i < m->seq; i++) {
        struct bl_reg_ops ops = {0};
        if (bl_reg_write_rec_decode(&rd, &r) != 0) {
            abort(); /* the decoder checked the framing */
        }
        if (bl_reg_ops_decode(r.ops, r.ops_len, &ops) == 0) {
            GByteArray *again = g_byte_array_new();
            if (bl_reg_ops_encode(&ops, again) != 0 || again->len != r.ops_len ||
                memcmp(again->data, r.ops, r.ops_len) != 0) {
                abort();
            }
            g_byte_array_unref(again);
        }
        bl_reg_ops_clear(&ops);
    }
}

static void
decode_payloads(const uint8_t *data, size_t size)
{
    struct bl_reg_rd rd;
    struct bl_reg_ops ops = {0};

    bl_reg_rd_init(&rd, data, size);
    uint32_t n = bl_reg_rd_u32(&rd);
    for (uint32_t i = 0; i < n && rd.err == 0; i++) {
        struct bl_reg_log_entry e;
        if (bl_reg_log_entry_decode(&rd, &e) == 0) {
            (void) bl_reg_ops_decode(e.ops, e.ops_len, &ops);
            bl_reg_ops_clear(&ops);
        }
    }
    (void) bl_reg_ops_decode(data, size, &ops);
    bl_reg_ops_clear(&ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_reg_msg m;

    if (bl_reg_msg_decode(data, size, &m) == 0 && m.type == BL_REG_MSG_WRITE) {
        check_write_canonical(&m);
    }
    decode_payloads(data, size);
    return 0;
}
