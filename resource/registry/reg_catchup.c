#include "reg_catchup.h"

#include <string.h>

#include "bl_result.h"

struct cu_ctx {
    struct bl_reg_tag tag;
    uint32_t seq;
    GByteArray *buf;
    bl_reg_chunk_fn emit;
    void *data;
};

static int
emit_msg(struct cu_ctx *c, const struct bl_reg_msg *m)
{
    int rc = bl_reg_msg_encode(m, c->buf);

    return rc != 0 ? rc : c->emit(c->data, c->buf->data, c->buf->len);
}

static int
emit_data(void *data, const uint8_t *payload, size_t len)
{
    struct cu_ctx *c = data;
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_CU_DATA,
        .tag = c->tag,
        .seq = c->seq++,
        .body = payload,
        .body_len = len,
    };

    return emit_msg(c, &m);
}

/* The log serves only if it reaches back to every target's state. */
static uint32_t
choose_kind(struct bl_reg_store *s, const struct bl_reg_action *a, uint64_t *from)
{
    *from = UINT64_MAX;
    for (size_t i = 0; i < a->ntargets; i++) {
        const struct bl_reg_target *t = &a->targets[i];
        if (t->snapshot || bl_reg_store_can_catch_up(s, t->gen, t->hash) == false) {
            return BL_REG_CU_SNAPSHOT;
        }
        *from = MIN(*from, t->gen);
    }
    return BL_REG_CU_LOG;
}

int
bl_reg_catchup_build(struct bl_reg_store *s, const struct bl_reg_action *a, size_t chunk,
                     bl_reg_chunk_fn emit, void *data, uint32_t *kind)
{
    struct cu_ctx c = {a->tag, 0, g_byte_array_new(), emit, data};
    struct bl_reg_state st;
    uint64_t from;
    uint32_t k = choose_kind(s, a, &from);
    int rc;

    bl_reg_store_state(s, &st);
    struct bl_reg_msg m = {
        .type = BL_REG_MSG_CU_BEGIN, .tag = a->tag, .flags = k, .epoch = st.epoch, .gen = st.gen};
    memcpy(m.hash, st.hash, BL_REG_HASH_LEN);
    rc = emit_msg(&c, &m);
    if (rc == 0) {
        rc = k == BL_REG_CU_LOG ? bl_reg_store_log_chunks(s, from, chunk, emit_data, &c)
                                : bl_reg_store_snapshot_chunks(s, chunk, emit_data, &c);
    }
    if (rc == 0) {
        m.type = BL_REG_MSG_CU_END;
        m.seq = c.seq;
        m.flags = 0;
        rc = emit_msg(&c, &m);
    }
    if (kind != NULL) {
        *kind = k;
    }
    g_byte_array_unref(c.buf);
    return rc;
}
