#include "reg_client.h"

#include <errno.h>
#include <qb/qbipcc.h>
#include <string.h>
#include <sys/uio.h>

#include "bl_ipcc.h"
#include "bl_result.h"

struct bl_reg_client {
    qb_ipcc_connection_t *conn;
    uint32_t seq;
    int timeout_ms;
    GByteArray *payload;
    uint8_t *rbuf; /* BL_REG_IPC_MAX bytes */
};

/* An answer: the result code and the payload after the sequence number. */
struct answer {
    int rc;
    uint32_t seq;
    struct bl_reg_rd rd;
};

int
bl_reg_client_connect(const char *service, struct bl_reg_client **out)
{
    qb_ipcc_connection_t *conn = NULL;
    int rc = bl_ipcc_connect(service != NULL ? service : BL_REG_IPC_SERVICE, BL_REG_IPC_MAX,
                             &conn, NULL);

    *out = NULL;
    if (rc != 0) {
        return rc;
    }
    struct bl_reg_client *c = g_new0(struct bl_reg_client, 1);
    c->conn = conn;
    c->timeout_ms = 30000;
    c->payload = g_byte_array_new();
    c->rbuf = g_malloc(BL_REG_IPC_MAX);
    *out = c;
    return 0;
}

void
bl_reg_client_close(struct bl_reg_client *c)
{
    if (c == NULL) {
        return;
    }
    qb_ipcc_disconnect(c->conn);
    g_byte_array_unref(c->payload);
    g_free(c->rbuf);
    g_free(c);
}

void
bl_reg_client_set_timeout(struct bl_reg_client *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms;
}

static int
send_req(struct bl_reg_client *c, struct bl_reg_ipc_req *r)
{
    struct qb_ipc_request_header hdr;
    struct iovec iov[2];

    r->seq = ++c->seq;
    int rc = bl_reg_ipc_req_encode(r, c->payload);
    if (rc != 0) {
        return rc;
    }
    if (c->payload->len + sizeof(hdr) > BL_REG_IPC_MAX) {
        return -E2BIG;
    }
    hdr.id = (int32_t) r->op;
    hdr.size = (int32_t) (sizeof(hdr) + c->payload->len);
    iov[0] = (struct iovec){&hdr, sizeof(hdr)};
    iov[1] = (struct iovec){c->payload->data, c->payload->len};
    ssize_t n = qb_ipcc_sendv(c->conn, iov, 2);
    return n < 0 ? (int) n : 0;
}

static int
parse_answer(const uint8_t *buf, ssize_t n, struct answer *a)
{
    struct qb_ipc_response_header hdr;

    if (n < (ssize_t) (sizeof(hdr) + 4)) {
        return BL_E_PROTO;
    }
    memcpy(&hdr, buf, sizeof(hdr));
    if (hdr.size != n) {
        return BL_E_PROTO;
    }
    bl_reg_rd_init(&a->rd, buf + sizeof(hdr), (size_t) n - sizeof(hdr));
    a->seq = bl_reg_rd_u32(&a->rd);
    a->rc = hdr.error;
    return 0;
}

static int
recv_answer(struct bl_reg_client *c, int timeout_ms, struct answer *a)
{
    ssize_t n = qb_ipcc_recv(c->conn, c->rbuf, BL_REG_IPC_MAX, timeout_ms);

    if (n < 0) {
        return n == -EAGAIN ? -ETIMEDOUT : (int) n;
    }
    return parse_answer(c->rbuf, n, a);
}

/* One request, one answer; no write may be in flight (use the pipelining calls for that). */
static int
call(struct bl_reg_client *c, struct bl_reg_ipc_req *r, int timeout_ms, struct answer *a)
{
    int rc = send_req(c, r);

    if (rc == 0) {
        rc = recv_answer(c, timeout_ms, a);
    }
    if (rc == 0 && a->seq != r->seq) {
        /* bmclinkd answers a request no module serves with BL_E_UNSUPPORTED and no seq (the
         * registry disabled): that, not a malformed answer */
        rc = a->rc == BL_E_UNSUPPORTED ? BL_E_UNSUPPORTED : BL_E_PROTO;
    }
    return rc != 0 ? rc : a->rc;
}

int
bl_reg_client_get(struct bl_reg_client *c, const char *path, const char *name,
                  struct bl_reg_value *out)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_GET, .path = (char *) path, .name = (char *) name};
    struct answer a;
    int rc = call(c, &r, c->timeout_ms, &a);

    memset(out, 0, sizeof(*out));
    if (rc == 0) {
        rc = bl_reg_ipc_get_value(&a.rd, out) ?: bl_reg_rd_end(&a.rd);
    }
    return rc;
}

int
bl_reg_client_write(struct bl_reg_client *c, const struct bl_reg_ops *ops, uint64_t *gen)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_WRITE, .ops = *ops};
    struct answer a;
    int rc = call(c, &r, c->timeout_ms, &a);

    if (rc == 0 && gen != NULL) {
        *gen = bl_reg_rd_u64(&a.rd);
    }
    return rc;
}

struct page {
    char *last_path;
    char *last_name;
    bool more;
};

static int
walk_page(struct bl_reg_client *c, struct bl_reg_ipc_req *r, bl_reg_item_fn fn, void *data,
          struct page *pg)
{
    struct answer a;
    int rc = call(c, r, c->timeout_ms, &a);

    if (rc != 0) {
        return rc;
    }
    pg->more = bl_reg_rd_u8(&a.rd) != 0;
    uint32_t count = bl_reg_rd_u32(&a.rd);
    for (uint32_t i = 0; rc == 0 && i < count; i++) {
        struct bl_reg_value v = {0};
        char *path = NULL;
        char *name = NULL;
        rc = bl_reg_ipc_get_item(&a.rd, &path, &name, &v);
        if (rc == 0) {
            rc = fn(data, path, name, name != NULL ? &v : NULL);
        }
        g_free(pg->last_path);
        g_free(pg->last_name);
        pg->last_path = path;
        pg->last_name = name;
        bl_reg_value_clear(&v);
    }
    return rc;
}

int
bl_reg_client_walk(struct bl_reg_client *c, const char *path, enum bl_reg_walk_mode mode,
                   bl_reg_item_fn fn, void *data)
{
    struct page pg = {0};
    int rc;

    do {
        struct bl_reg_ipc_req r = {
            .op = BL_REG_IPC_WALK,
            .path = (char *) path,
            .mode = (uint8_t) mode,
            .after_path = pg.last_path,
            .after_name = pg.last_name,
            .max_bytes = BL_REG_IPC_PAGE,
        };
        rc = walk_page(c, &r, fn, data, &pg);
    } while (rc == 0 && pg.more);
    g_free(pg.last_path);
    g_free(pg.last_name);
    return rc;
}

int
bl_reg_client_status(struct bl_reg_client *c, struct bl_reg_ipc_status *out)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_STATUS};
    struct answer a;
    int rc = call(c, &r, c->timeout_ms, &a);

    memset(out, 0, sizeof(*out));
    return rc != 0 ? rc : bl_reg_ipc_get_status(&a.rd, out);
}

int
bl_reg_client_wait_sync(struct bl_reg_client *c, uint32_t timeout_ms)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_WAIT, .timeout_ms = timeout_ms};
    struct answer a;

    /* The daemon answers by then; allow for a busy daemon on top. */
    return call(c, &r, (int) MIN(timeout_ms + 5000u, (uint32_t) G_MAXINT), &a);
}

int
bl_reg_client_watch(struct bl_reg_client *c, const char *prefix)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_WATCH, .path = (char *) prefix};
    struct answer a;

    return call(c, &r, c->timeout_ms, &a);
}

int
bl_reg_client_event(struct bl_reg_client *c, int timeout_ms, struct bl_reg_ipc_event *ev)
{
    struct answer a;
    ssize_t n = qb_ipcc_event_recv(c->conn, c->rbuf, BL_REG_IPC_MAX, timeout_ms);

    memset(ev, 0, sizeof(*ev));
    if (n < 0) {
        return n == -EAGAIN ? -ETIMEDOUT : (int) n;
    }
    int rc = parse_answer(c->rbuf, n, &a);
    return rc != 0 ? rc : bl_reg_ipc_get_event(&a.rd, ev);
}

int
bl_reg_client_write_send(struct bl_reg_client *c, const struct bl_reg_ops *ops, uint32_t *seq)
{
    struct bl_reg_ipc_req r = {.op = BL_REG_IPC_WRITE, .ops = *ops};
    int rc = send_req(c, &r);

    *seq = r.seq;
    return rc;
}

int
bl_reg_client_write_recv(struct bl_reg_client *c, int timeout_ms, uint32_t *seq, int *rc,
                         uint64_t *gen)
{
    struct answer a;
    int err = recv_answer(c, timeout_ms, &a);

    if (err != 0) {
        return err;
    }
    *seq = a.seq;
    *rc = a.rc;
    *gen = a.rc == 0 ? bl_reg_rd_u64(&a.rd) : 0;
    return 0;
}
