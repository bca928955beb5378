#include "reg_wire.h"

#include <errno.h>
#include <string.h>

#include "bl_result.h"

void
bl_reg_rd_init(struct bl_reg_rd *rd, const void *p, size_t len)
{
    rd->p = p;
    rd->len = len;
    rd->off = 0;
    rd->err = 0;
}

const uint8_t *
bl_reg_rd_bytes(struct bl_reg_rd *rd, size_t n)
{
    if (rd->err != 0 || n > rd->len - rd->off) {
        rd->err = BL_E_PROTO;
        return NULL;
    }
    const uint8_t *p = rd->p + rd->off;
    rd->off += n;
    return p;
}

static uint64_t
rd_be(struct bl_reg_rd *rd, size_t width)
{
    const uint8_t *p = bl_reg_rd_bytes(rd, width);
    uint64_t v = 0;

    if (p == NULL) {
        return 0;
    }
    for (size_t i = 0; i < width; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

uint8_t
bl_reg_rd_u8(struct bl_reg_rd *rd)
{
    return (uint8_t) rd_be(rd, 1);
}

uint16_t
bl_reg_rd_u16(struct bl_reg_rd *rd)
{
    return (uint16_t) rd_be(rd, 2);
}

uint32_t
bl_reg_rd_u32(struct bl_reg_rd *rd)
{
    return (uint32_t) rd_be(rd, 4);
}

uint64_t
bl_reg_rd_u64(struct bl_reg_rd *rd)
{
    return rd_be(rd, 8);
}

int
bl_reg_rd_end(const struct bl_reg_rd *rd)
{
    return rd->err == 0 && rd->off == rd->len ? 0 : BL_E_PROTO;
}

static void
wr_be(GByteArray *out, uint64_t v, size_t width)
{
    uint8_t b[8];

    for (size_t i = 0; i < width; i++) {
        b[i] = (uint8_t) (v >> (8 * (width - 1 - i)));
    }
    g_byte_array_append(out, b, (guint) width);
}

void
bl_reg_wr_u8(GByteArray *out, uint8_t v)
{
    wr_be(out, v, 1);
}

void
bl_reg_wr_u16(GByteArray *out, uint16_t v)
{
    wr_be(out, v, 2);
}

void
bl_reg_wr_u32(GByteArray *out, uint32_t v)
{
    wr_be(out, v, 4);
}

void
bl_reg_wr_u64(GByteArray *out, uint64_t v)
{
    wr_be(out, v, 8);
}

void
bl_reg_wr_bytes(GByteArray *out, const void *p, size_t n)
{
    if (n > 0) {
        g_byte_array_append(out, p, (guint) n);
    }
}

void
bl_reg_wr_patch_u32(GByteArray *out, size_t off, uint32_t v)
{
    for (size_t i = 0; i < 4; i++) {
        out->data[off + i] = (uint8_t) (v >> (8 * (3 - i)));
    }
}

int
bl_reg_ops_encode(const struct bl_reg_ops *ops, GByteArray *out)
{
    if (ops->n == 0 || ops->n > BL_REG_OPS_MAX) {
        return BL_E_INVALID;
    }
    bl_reg_wr_u16(out, (uint16_t) ops->n);
    for (size_t i = 0; i < ops->n; i++) {
        const struct bl_reg_op *op = &ops->v[i];
        size_t plen = strlen(op->path);
        size_t nlen = op->name != NULL ? strlen(op->name) : 0;

        bl_reg_wr_u8(out, (uint8_t) op->kind);
        bl_reg_wr_u8(out, (uint8_t) op->value.type);
        bl_reg_wr_u16(out, (uint16_t) plen);
        bl_reg_wr_bytes(out, op->path, plen);
        bl_reg_wr_u16(out, (uint16_t) nlen);
        bl_reg_wr_bytes(out, op->name, nlen);
        bl_reg_wr_u32(out, op->value.len);
        bl_reg_wr_bytes(out, op->value.data, op->value.len);
    }
    return 0;
}

char *
bl_reg_rd_string(struct bl_reg_rd *rd)
{
    uint16_t n = bl_reg_rd_u16(rd);
    const uint8_t *p = bl_reg_rd_bytes(rd, n);

    /* An embedded NUL would make two encodings mean one string. */
    if (p == NULL || memchr(p, '\0', n) != NULL) {
        rd->err = BL_E_PROTO;
        return NULL;
    }
    return g_strndup((const char *) p, n);
}

/* Fields a kind does not use must be empty, so that one set of ops has one encoding. */
static int
op_fields_check(const struct bl_reg_op *op, uint8_t type, size_t name_len)
{
    switch (op->kind) {
        case BL_REG_OP_SET:
            return 0;
        case BL_REG_OP_DELETE_VALUE:
            return type == 0 && op->value.len == 0 ? 0 : BL_E_PROTO;
        case BL_REG_OP_CREATE_KEY:
        case BL_REG_OP_DELETE_KEY:
            return type == 0 && name_len == 0 && op->value.len == 0 ? 0 : BL_E_PROTO;
    }
    return BL_E_PROTO;
}

static int
op_decode(struct bl_reg_rd *rd, struct bl_reg_op *op)
{
    uint8_t type;
    char *name;

    op->kind = bl_reg_rd_u8(rd);
    type = bl_reg_rd_u8(rd);
    op->path = bl_reg_rd_string(rd);
    name = bl_reg_rd_string(rd);
    op->value.type = type;
    op->value.len = bl_reg_rd_u32(rd);
    if (op->value.len > BL_REG_DATA_MAX) {
        g_free(name);
        return -E2BIG;
    }
    const uint8_t *data = bl_reg_rd_bytes(rd, op->value.len);
    if (rd->err != 0 || op->path == NULL || name == NULL) {
        g_free(name);
        return BL_E_PROTO;
    }
    op->value.data = op->value.len > 0 ? g_memdup2(data, op->value.len) : NULL;
    int rc = op_fields_check(op, type, strlen(name));
    bool key_op = op->kind == BL_REG_OP_CREATE_KEY || op->kind == BL_REG_OP_DELETE_KEY;
    if (key_op) {
        g_free(name);
        name = NULL;
    }
    op->name = name;
    return rc;
}

int
bl_reg_ops_decode_rd(struct bl_reg_rd *rd, struct bl_reg_ops *ops)
{
    uint16_t n = bl_reg_rd_u16(rd);
    int rc = rd->err != 0 || n == 0 ? BL_E_PROTO : 0;

    for (uint16_t i = 0; rc == 0 && i < n; i++) {
        struct bl_reg_op op = {0};
        rc = op_decode(rd, &op);
        /* Add even a half-decoded op, so clearing the list frees what it holds. */
        bl_reg_ops_add(ops, op.kind, op.path != NULL ? op.path : "", op.name, &op.value);
        g_free(op.path);
        g_free(op.name);
        bl_reg_value_clear(&op.value);
    }
    /* Strings may hold a NUL or bad UTF-8: the model's checks catch both. */
    return rc != 0 ? rc : bl_reg_ops_check(ops);
}

int
bl_reg_ops_decode(const uint8_t *buf, size_t len, struct bl_reg_ops *ops)
{
    struct bl_reg_rd rd;

    bl_reg_rd_init(&rd, buf, len);
    int rc = bl_reg_ops_decode_rd(&rd, ops);
    return rc != 0 ? rc : bl_reg_rd_end(&rd);
}

static void
wr_tag(GByteArray *out, const struct bl_reg_tag *t)
{
    bl_reg_wr_u32(out, t->nodeid);
    bl_reg_wr_u32(out, t->pid);
    bl_reg_wr_u64(out, t->nonce);
}

static void
rd_tag(struct bl_reg_rd *rd, struct bl_reg_tag *t)
{
    t->nodeid = bl_reg_rd_u32(rd);
    t->pid = bl_reg_rd_u32(rd);
    t->nonce = bl_reg_rd_u64(rd);
}

static void
wr_state(GByteArray *out, uint64_t gen, const uint8_t *hash)
{
    bl_reg_wr_u64(out, gen);
    bl_reg_wr_bytes(out, hash, BL_REG_HASH_LEN);
}

static void
rd_state(struct bl_reg_rd *rd, uint64_t *gen, uint8_t *hash)
{
    *gen = bl_reg_rd_u64(rd);
    const uint8_t *p = bl_reg_rd_bytes(rd, BL_REG_HASH_LEN);
    if (p != NULL) {
        memcpy(hash, p, BL_REG_HASH_LEN);
    }
}

static int
encode_body(const struct bl_reg_msg *m, GByteArray *out)
{
    switch (m->type) {
        case BL_REG_MSG_SYNC_REQ:
            wr_tag(out, &m->tag);
            return 0;
        case BL_REG_MSG_ANNOUNCE:
            wr_tag(out, &m->tag);
            bl_reg_wr_u64(out, m->epoch);
            wr_state(out, m->gen, m->hash);
            bl_reg_wr_u32(out, m->ring_node);
            bl_reg_wr_u64(out, m->ring_seq);
            bl_reg_wr_u32(out, m->flags);
            bl_reg_wr_u64(out, m->log_min);
            return 0;
        case BL_REG_MSG_WRITE:
            bl_reg_wr_u16(out, (uint16_t) m->seq);
            bl_reg_wr_bytes(out, m->body, m->body_len);
            return m->seq > 0 && m->seq <= UINT16_MAX ? 0 : BL_E_INVALID;
        case BL_REG_MSG_APPLIED:
            wr_state(out, m->gen, m->hash);
            return 0;
        case BL_REG_MSG_CU_BEGIN:
            wr_tag(out, &m->tag);
            bl_reg_wr_u32(out, m->flags);
            bl_reg_wr_u64(out, m->epoch);
            wr_state(out, m->gen, m->hash);
            return 0;
        case BL_REG_MSG_CU_DATA:
            wr_tag(out, &m->tag);
            bl_reg_wr_u32(out, m->seq);
            bl_reg_wr_bytes(out, m->body, m->body_len);
            return 0;
        case BL_REG_MSG_CU_END:
            wr_tag(out, &m->tag);
            bl_reg_wr_u32(out, m->seq);
            wr_state(out, m->gen, m->hash);
            return 0;
        case BL_REG_MSG_SYNC_DONE:
            wr_tag(out, &m->tag);
            bl_reg_wr_u32(out, (uint32_t) m->status);
            wr_state(out, m->gen, m->hash);
            return 0;
    }
    return BL_E_INVALID;
}

int
bl_reg_msg_encode(const struct bl_reg_msg *m, GByteArray *out)
{
    g_byte_array_set_size(out, 0);
    bl_reg_wr_u32(out, BL_REG_WIRE_MAGIC);
    bl_reg_wr_u8(out, BL_REG_WIRE_VERSION);
    bl_reg_wr_u8(out, (uint8_t) m->type);
    bl_reg_wr_u16(out, 0);
    bl_reg_wr_u32(out, 0);
    int rc = encode_body(m, out);
    if (rc == 0 && out->len > BL_REG_WIRE_MAX) {
        rc = BL_E_INVALID;
    }
    if (rc != 0) {
        g_byte_array_set_size(out, 0);
        return rc;
    }
    bl_reg_wr_patch_u32(out, 8, out->len - BL_REG_WIRE_HEADER);
    return 0;
}

void
bl_reg_write_rec_encode(GByteArray *out, uint64_t req_id, const uint8_t *ops, size_t len)
{
    bl_reg_wr_u64(out, req_id);
    bl_reg_wr_u32(out, (uint32_t) len);
    bl_reg_wr_bytes(out, ops, len);
}

int
bl_reg_write_rec_decode(struct bl_reg_rd *rd, struct bl_reg_write_rec *r)
{
    r->req_id = bl_reg_rd_u64(rd);
    uint32_t n = bl_reg_rd_u32(rd);
    if (n > BL_REG_WRITE_MAX) {
        rd->err = BL_E_PROTO;
        return BL_E_PROTO;
    }
    r->ops_len = n;
    r->ops = bl_reg_rd_bytes(rd, n);
    return rd->err != 0 ? BL_E_PROTO : 0;
}

/* Every record of a WRITE must lie inside it, and nothing may follow the last. */
static int
write_framing(const struct bl_reg_msg *m)
{
    struct bl_reg_rd rd;
    struct bl_reg_write_rec r;

    if (m->seq == 0) {
        return BL_E_PROTO;
    }
    bl_reg_rd_init(&rd, m->body, m->body_len);
    for (uint32_t i = 0; i < m->seq; i++) {
        if (bl_reg_write_rec_decode(&rd, &r) != 0) {
            return BL_E_PROTO;
        }
    }
    return bl_reg_rd_end(&rd);
}

/* The rest of the buffer is the variable part: WRITE's records, CU_DATA's payload. */
static void
rd_rest(struct bl_reg_rd *rd, struct bl_reg_msg *m)
{
    m->body_len = rd->len - rd->off;
    m->body = bl_reg_rd_bytes(rd, m->body_len);
}

static int
decode_body(struct bl_reg_rd *rd, struct bl_reg_msg *m)
{
    switch (m->type) {
        case BL_REG_MSG_SYNC_REQ:
            rd_tag(rd, &m->tag);
            return 0;
        case BL_REG_MSG_ANNOUNCE:
            rd_tag(rd, &m->tag);
            m->epoch = bl_reg_rd_u64(rd);
            rd_state(rd, &m->gen, m->hash);
            m->ring_node = bl_reg_rd_u32(rd);
            m->ring_seq = bl_reg_rd_u64(rd);
            m->flags = bl_reg_rd_u32(rd);
            m->log_min = bl_reg_rd_u64(rd);
            return (m->flags & ~BL_REG_ANN_FLAGS) == 0 ? 0 : BL_E_PROTO;
        case BL_REG_MSG_WRITE:
            m->seq = bl_reg_rd_u16(rd);
            rd_rest(rd, m);
            return write_framing(m);
        case BL_REG_MSG_APPLIED:
            rd_state(rd, &m->gen, m->hash);
            return 0;
        case BL_REG_MSG_CU_BEGIN:
            rd_tag(rd, &m->tag);
            m->flags = bl_reg_rd_u32(rd);
            m->epoch = bl_reg_rd_u64(rd);
            rd_state(rd, &m->gen, m->hash);
            return m->flags == BL_REG_CU_LOG || m->flags == BL_REG_CU_SNAPSHOT ? 0 : BL_E_PROTO;
        case BL_REG_MSG_CU_DATA:
            rd_tag(rd, &m->tag);
            m->seq = bl_reg_rd_u32(rd);
            rd_rest(rd, m);
            return 0;
        case BL_REG_MSG_CU_END:
            rd_tag(rd, &m->tag);
            m->seq = bl_reg_rd_u32(rd);
            rd_state(rd, &m->gen, m->hash);
            return 0;
        case BL_REG_MSG_SYNC_DONE:
            rd_tag(rd, &m->tag);
            m->status = (int32_t) bl_reg_rd_u32(rd);
            rd_state(rd, &m->gen, m->hash);
            return 0;
    }
    return BL_E_PROTO;
}

static int
decode_header(struct bl_reg_rd *rd, size_t len, struct bl_reg_msg *m)
{
    if (len < BL_REG_WIRE_HEADER || len > BL_REG_WIRE_MAX) {
        return BL_E_PROTO;
    }
    if (bl_reg_rd_u32(rd) != BL_REG_WIRE_MAGIC) {
        return BL_E_PROTO;
    }
    if (bl_reg_rd_u8(rd) != BL_REG_WIRE_VERSION) {
        return BL_E_UNSUPPORTED;
    }
    m->type = bl_reg_rd_u8(rd);
    if (bl_reg_rd_u16(rd) != 0 || bl_reg_rd_u32(rd) != len - BL_REG_WIRE_HEADER) {
        return BL_E_PROTO;
    }
    return 0;
}

int
bl_reg_msg_decode(const void *buf, size_t len, struct bl_reg_msg *m)
{
    struct bl_reg_rd rd;
    int rc;

    memset(m, 0, sizeof(*m));
    bl_reg_rd_init(&rd, buf, len);
    rc = decode_header(&rd, len, m);
    if (rc == 0) {
        rc = decode_body(&rd, m);
    }
    if (rc == 0) {
        rc = bl_reg_rd_end(&rd);
    }
    return rc;
}

const char *
bl_reg_msg_type_name(enum bl_reg_msg_type type)
{
    static const char *const names[] = {
        [BL_REG_MSG_SYNC_REQ] = "SYNC_REQ", [BL_REG_MSG_ANNOUNCE] = "ANNOUNCE",
        [BL_REG_MSG_WRITE] = "WRITE",       [BL_REG_MSG_APPLIED] = "APPLIED",
        [BL_REG_MSG_CU_BEGIN] = "CU_BEGIN", [BL_REG_MSG_CU_DATA] = "CU_DATA",
        [BL_REG_MSG_CU_END] = "CU_END",     [BL_REG_MSG_SYNC_DONE] = "SYNC_DONE",
    };

    if ((size_t) type < G_N_ELEMENTS(names) && names[type] != NULL) {
        return names[type];
    }
    return "unknown";
}

void
bl_reg_log_entry_encode(GByteArray *out, uint64_t gen, const uint8_t hash[BL_REG_HASH_LEN],
                        const uint8_t *ops, size_t ops_len)
{
    wr_state(out, gen, hash);
    bl_reg_wr_u32(out, (uint32_t) ops_len);
    bl_reg_wr_bytes(out, ops, ops_len);
}

int
bl_reg_log_entry_decode(struct bl_reg_rd *rd, struct bl_reg_log_entry *e)
{
    rd_state(rd, &e->gen, e->hash);
    uint32_t n = bl_reg_rd_u32(rd);
    if (n > BL_REG_WRITE_MAX) {
        return BL_E_PROTO;
    }
    e->ops_len = n;
    e->ops = bl_reg_rd_bytes(rd, n);
    return rd->err != 0 ? BL_E_PROTO : 0;
}
