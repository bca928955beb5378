#include "reg_ipc.h"

#include <errno.h>
#include <string.h>

#include "bl_result.h"

void
bl_reg_ipc_put_str(GByteArray *out, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    bl_reg_wr_u16(out, (uint16_t) MIN(n, UINT16_MAX));
    bl_reg_wr_bytes(out, s, MIN(n, UINT16_MAX));
}

void
bl_reg_ipc_put_opt(GByteArray *out, const char *s)
{
    bl_reg_wr_u8(out, s != NULL);
    bl_reg_ipc_put_str(out, s);
}

static char *
get_opt(struct bl_reg_rd *rd)
{
    bool present = bl_reg_rd_u8(rd) != 0;
    char *s = bl_reg_rd_string(rd);

    if (present == false) {
        g_free(s);
        return NULL;
    }
    return s;
}

int
bl_reg_ipc_req_encode(const struct bl_reg_ipc_req *r, GByteArray *out)
{
    g_byte_array_set_size(out, 0);
    bl_reg_wr_u32(out, r->seq);
    switch (r->op) {
        case BL_REG_IPC_GET:
            bl_reg_ipc_put_str(out, r->path);
            bl_reg_ipc_put_str(out, r->name);
            return 0;
        case BL_REG_IPC_WRITE:
            bl_reg_wr_u32(out, r->flags);
            return bl_reg_ops_encode(&r->ops, out);
        case BL_REG_IPC_WALK:
            bl_reg_ipc_put_str(out, r->path);
            bl_reg_wr_u8(out, r->mode);
            bl_reg_ipc_put_opt(out, r->after_path);
            bl_reg_ipc_put_opt(out, r->after_name);
            bl_reg_wr_u32(out, r->max_bytes);
            return 0;
        case BL_REG_IPC_WAIT:
            bl_reg_wr_u32(out, r->timeout_ms);
            return 0;
        case BL_REG_IPC_WATCH:
            bl_reg_ipc_put_str(out, r->path);
            return 0;
        case BL_REG_IPC_STATUS:
        case BL_REG_IPC_UNWATCH:
            return 0;
        case BL_REG_IPC_EVENT:
            break;
    }
    return BL_E_INVALID;
}

static int
check_path(const char *p)
{
    return p != NULL ? bl_reg_path_check(p, strlen(p)) : BL_E_PROTO;
}

static int
decode_fields(struct bl_reg_rd *rd, struct bl_reg_ipc_req *r)
{
    switch (r->op) {
        case BL_REG_IPC_GET:
            r->path = bl_reg_rd_string(rd);
            r->name = bl_reg_rd_string(rd);
            return rd->err != 0 ? BL_E_PROTO
                                : check_path(r->path) ?: bl_reg_name_check(r->name,
                                                                           strlen(r->name));
        case BL_REG_IPC_WRITE:
            r->flags = bl_reg_rd_u32(rd);
            return r->flags == 0 ? bl_reg_ops_decode_rd(rd, &r->ops) : BL_E_PROTO;
        case BL_REG_IPC_WALK:
            r->path = bl_reg_rd_string(rd);
            r->mode = bl_reg_rd_u8(rd);
            r->after_path = get_opt(rd);
            r->after_name = get_opt(rd);
            r->max_bytes = bl_reg_rd_u32(rd);
            if (rd->err != 0 || r->mode > BL_REG_WALK_SUBTREE) {
                return BL_E_PROTO;
            }
            return check_path(r->path) ?: (r->after_path != NULL ? check_path(r->after_path) : 0);
        case BL_REG_IPC_WAIT:
            r->timeout_ms = bl_reg_rd_u32(rd);
            return 0;
        case BL_REG_IPC_WATCH:
            r->path = bl_reg_rd_string(rd);
            return rd->err != 0 ? BL_E_PROTO : check_path(r->path);
        case BL_REG_IPC_STATUS:
        case BL_REG_IPC_UNWATCH:
            return 0;
        case BL_REG_IPC_EVENT:
            break;
    }
    return BL_E_PROTO;
}

int
bl_reg_ipc_req_decode(uint32_t op, const uint8_t *p, size_t len, struct bl_reg_ipc_req *r)
{
    struct bl_reg_rd rd;

    memset(r, 0, sizeof(*r));
    bl_reg_rd_init(&rd, p, len);
    r->op = op;
    r->seq = bl_reg_rd_u32(&rd);
    int rc = decode_fields(&rd, r);
    return rc != 0 ? rc : bl_reg_rd_end(&rd);
}

void
bl_reg_ipc_req_clear(struct bl_reg_ipc_req *r)
{
    if (r == NULL) {
        return;
    }
    g_free(r->path);
    g_free(r->name);
    g_free(r->after_path);
    g_free(r->after_name);
    bl_reg_ops_clear(&r->ops);
    memset(r, 0, sizeof(*r));
}

void
bl_reg_ipc_put_value(GByteArray *out, const struct bl_reg_value *v)
{
    bl_reg_wr_u8(out, (uint8_t) v->type);
    bl_reg_wr_u32(out, v->len);
    bl_reg_wr_bytes(out, v->data, v->len);
}

int
bl_reg_ipc_get_value(struct bl_reg_rd *rd, struct bl_reg_value *v)
{
    enum bl_reg_type type = bl_reg_rd_u8(rd);
    uint32_t len = bl_reg_rd_u32(rd);
    const uint8_t *data = len <= BL_REG_DATA_MAX ? bl_reg_rd_bytes(rd, len) : NULL;

    if (rd->err != 0 || data == NULL) {
        rd->err = BL_E_PROTO;
        return BL_E_PROTO;
    }
    return bl_reg_value_set(v, type, data, len) == 0 ? 0 : BL_E_PROTO;
}

void
bl_reg_ipc_put_item(GByteArray *out, const char *path, const char *name,
                    const struct bl_reg_value *v)
{
    bl_reg_wr_u8(out, v != NULL);
    bl_reg_ipc_put_str(out, path);
    bl_reg_ipc_put_str(out, name);
    if (v != NULL) {
        bl_reg_ipc_put_value(out, v);
    }
}

int
bl_reg_ipc_get_item(struct bl_reg_rd *rd, char **path, char **name, struct bl_reg_value *v)
{
    bool is_value = bl_reg_rd_u8(rd) != 0;

    *path = bl_reg_rd_string(rd);
    *name = bl_reg_rd_string(rd);
    bl_reg_value_clear(v);
    if (is_value == false) {
        g_free(*name);
        *name = NULL;
    }
    if (rd->err == 0 && is_value) {
        (void) bl_reg_ipc_get_value(rd, v);
    }
    return rd->err != 0 ? BL_E_PROTO : 0;
}

void
bl_reg_ipc_put_status(GByteArray *out, const struct bl_reg_ipc_status *st)
{
    bl_reg_wr_u32(out, st->nodeid);
    bl_reg_wr_u8(out, (uint8_t) st->state);
    bl_reg_wr_u8(out, st->quorate);
    bl_reg_wr_u64(out, st->epoch);
    bl_reg_wr_u64(out, st->gen);
    bl_reg_wr_bytes(out, st->hash, BL_REG_HASH_LEN);
    bl_reg_wr_u32(out, st->ring_node);
    bl_reg_wr_u64(out, st->ring_seq);
    bl_reg_wr_u32(out, st->ring_nodes);
    bl_reg_wr_u32(out, st->pending);
    bl_reg_wr_u64(out, st->rounds);
    bl_reg_wr_u64(out, st->dropped);
    bl_reg_wr_u64(out, st->log_min);
    bl_reg_wr_u64(out, st->last_sync_us);
    bl_reg_wr_u16(out, (uint16_t) st->nmembers);
    for (size_t i = 0; i < st->nmembers; i++) {
        bl_reg_wr_u32(out, st->members[i].nodeid);
        bl_reg_wr_u32(out, st->members[i].pid);
        bl_reg_wr_u64(out, st->members[i].applied);
        bl_reg_wr_u8(out, st->members[i].lagging);
    }
}

int
bl_reg_ipc_get_status(struct bl_reg_rd *rd, struct bl_reg_ipc_status *st)
{
    memset(st, 0, sizeof(*st));
    st->nodeid = bl_reg_rd_u32(rd);
    st->state = bl_reg_rd_u8(rd);
    st->quorate = bl_reg_rd_u8(rd) != 0;
    st->epoch = bl_reg_rd_u64(rd);
    st->gen = bl_reg_rd_u64(rd);
    const uint8_t *h = bl_reg_rd_bytes(rd, BL_REG_HASH_LEN);
    if (h != NULL) {
        memcpy(st->hash, h, BL_REG_HASH_LEN);
    }
    st->ring_node = bl_reg_rd_u32(rd);
    st->ring_seq = bl_reg_rd_u64(rd);
    st->ring_nodes = bl_reg_rd_u32(rd);
    st->pending = bl_reg_rd_u32(rd);
    st->rounds = bl_reg_rd_u64(rd);
    st->dropped = bl_reg_rd_u64(rd);
    st->log_min = bl_reg_rd_u64(rd);
    st->last_sync_us = bl_reg_rd_u64(rd);
    st->nmembers = bl_reg_rd_u16(rd);
    st->members = g_new0(struct bl_reg_member_status, st->nmembers + 1);
    for (size_t i = 0; rd->err == 0 && i < st->nmembers; i++) {
        st->members[i].nodeid = bl_reg_rd_u32(rd);
        st->members[i].pid = bl_reg_rd_u32(rd);
        st->members[i].applied = bl_reg_rd_u64(rd);
        st->members[i].lagging = bl_reg_rd_u8(rd) != 0;
    }
    return rd->err != 0 ? BL_E_PROTO : 0;
}

void
bl_reg_ipc_status_clear(struct bl_reg_ipc_status *st)
{
    if (st != NULL) {
        g_free(st->members);
        memset(st, 0, sizeof(*st));
    }
}

void
bl_reg_ipc_put_event(GByteArray *out, const struct bl_reg_change *c)
{
    bl_reg_wr_u8(out, (uint8_t) c->kind);
    bl_reg_wr_u64(out, c->gen);
    bl_reg_ipc_put_str(out, c->path);
    bl_reg_ipc_put_opt(out, c->name);
    bl_reg_wr_u8(out, c->value != NULL);
    if (c->value != NULL) {
        bl_reg_ipc_put_value(out, c->value);
    }
}

int
bl_reg_ipc_get_event(struct bl_reg_rd *rd, struct bl_reg_ipc_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = bl_reg_rd_u8(rd);
    ev->gen = bl_reg_rd_u64(rd);
    ev->path = bl_reg_rd_string(rd);
    ev->name = get_opt(rd);
    ev->has_value = bl_reg_rd_u8(rd) != 0;
    if (rd->err == 0 && ev->has_value) {
        (void) bl_reg_ipc_get_value(rd, &ev->value);
    }
    return rd->err != 0 ? BL_E_PROTO : 0;
}

void
bl_reg_ipc_event_clear(struct bl_reg_ipc_event *ev)
{
    if (ev != NULL) {
        g_free(ev->path);
        g_free(ev->name);
        bl_reg_value_clear(&ev->value);
        memset(ev, 0, sizeof(*ev));
    }
}
