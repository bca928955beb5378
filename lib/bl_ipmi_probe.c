/*
 * Non-blocking Get Channel Cipher Suites (bl_ipmi_probe.h).
 */
#include "bl_ipmi_probe.h"
#include "bl_ipmi.h"
#include "bl_result.h"

#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BL_PROBE_PAGE 16

struct bl_ipmi_probe {
    GMainContext *ctx;
    int fd;
    GSource *readable;
    GSource *timer;
    unsigned int timeout_ms;
    bl_ipmi_probe_cb cb;
    void *user_data;
    uint8_t page;
    uint8_t seq;
    unsigned int tx, rx;
    uint8_t records[BL_PROBE_PAGES * BL_PROBE_PAGE];
    size_t rec_len;
};

static void
bl_probe_stop_sources(struct bl_ipmi_probe *p)
{
    if (p->readable != NULL) {
        g_source_destroy(p->readable);
        g_source_unref(p->readable);
        p->readable = NULL;
    }
    if (p->timer != NULL) {
        g_source_destroy(p->timer);
        g_source_unref(p->timer);
        p->timer = NULL;
    }
}

/* Report once; \p p may be freed by the callback, so nothing touches it afterwards. */
static void
bl_probe_finish(struct bl_ipmi_probe *p, int rc)
{
    uint8_t suites[BL_PROBE_SUITES_MAX];
    size_t n = 0;

    bl_probe_stop_sources(p);
    if (rc == BL_OK) {
        n = bl_ipmi_cipher_records_parse(p->records, p->rec_len, suites, sizeof(suites));
    }
    p->cb(rc, suites, n, p->tx, p->rx, p->user_data);
}

static gboolean
bl_probe_timeout(gpointer user_data)
{
    bl_probe_finish(user_data, BL_E_TIMEOUT);
    return G_SOURCE_REMOVE;
}

static int
bl_probe_send_page(struct bl_ipmi_probe *p)
{
    uint8_t body[3], pkt[64];
    int len;

    p->seq = (uint8_t) ((p->seq + 1) & 0x3f);
    (void) bl_ipmi_build_cipher_suites_req(p->page, body, sizeof(body));
    len = bl_ipmi_v15_request(BL_IPMI_NETFN_APP, BL_IPMI_CMD_GET_CHANNEL_CIPHER_SUITES, p->seq,
                              body, sizeof(body), pkt, sizeof(pkt));
    if (len < 0 || send(p->fd, pkt, (size_t) len, MSG_NOSIGNAL) != len) {
        return BL_E_UNREACHABLE;
    }
    p->tx++;
    if (p->timer != NULL) {
        g_source_destroy(p->timer);
        g_source_unref(p->timer);
    }
    p->timer = g_timeout_source_new(p->timeout_ms);
    g_source_set_callback(p->timer, bl_probe_timeout, p, NULL);
    g_source_attach(p->timer, p->ctx);
    return BL_OK;
}

static bool
bl_probe_has_17(const struct bl_ipmi_probe *p)
{
    uint8_t suites[BL_PROBE_SUITES_MAX];
    size_t n = bl_ipmi_cipher_records_parse(p->records, p->rec_len, suites, sizeof(suites));

    return memchr(suites, 17, n) != NULL;
}

/* One valid reply: keep its records, ask for the next page or finish. */
static void
bl_probe_page_done(struct bl_ipmi_probe *p, const uint8_t *body, size_t len)
{
    size_t rec = len >= 2 ? len - 2 : 0; /* after cc and channel number */

    p->rx++;
    if (body[0] != 0 || len < 2) {
        bl_probe_finish(p, body[0] != 0 ? BL_E_BMC : BL_E_PROTO);
        return;
    }
    rec = MIN(rec, (size_t) BL_PROBE_PAGE);
    memcpy(p->records + p->rec_len, body + 2, rec);
    p->rec_len += rec;
    p->page++;
    if (rec < BL_PROBE_PAGE || p->page >= BL_PROBE_PAGES || bl_probe_has_17(p)) {
        bl_probe_finish(p, BL_OK);
    } else if (bl_probe_send_page(p) != BL_OK) {
        bl_probe_finish(p, BL_OK); /* what we have is still true */
    }
}

static gboolean
bl_probe_readable(gint fd, GIOCondition cond, gpointer user_data)
{
    struct bl_ipmi_probe *p = user_data;
    uint8_t pkt[512];
    const uint8_t *body = NULL;
    size_t blen = 0;
    ssize_t n = recv(fd, pkt, sizeof(pkt), 0);

    if (n <= 0) {
        return G_SOURCE_CONTINUE; /* ICMP errors and the like: the timer decides */
    }
    if (bl_ipmi_v15_reply(pkt, (size_t) n, BL_IPMI_NETFN_APP, BL_IPMI_CMD_GET_CHANNEL_CIPHER_SUITES,
                          p->seq, &body, &blen) != BL_OK ||
        blen == 0) {
        return G_SOURCE_CONTINUE; /* not ours: keep waiting for the real reply */
    }
    bl_probe_page_done(p, body, blen);
    return G_SOURCE_CONTINUE; /* if finished, the source was destroyed already */
}

/* A connected, non-blocking UDP socket: the kernel drops datagrams from anyone else. */
static int
bl_probe_socket(const char *host, uint16_t port)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res = NULL;
    char service[8];
    int fd = -1;

    g_snprintf(service, sizeof(service), "%u", (unsigned int) port);
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        return -1;
    }
    fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int
bl_ipmi_probe_start(GMainContext *ctx, const char *host, uint16_t port, unsigned int timeout_ms,
                    bl_ipmi_probe_cb cb, void *user_data, struct bl_ipmi_probe **out)
{
    struct bl_ipmi_probe *p;

    if (host == NULL || cb == NULL || out == NULL || timeout_ms == 0) {
        return BL_E_INVALID;
    }
    p = g_new0(struct bl_ipmi_probe, 1);
    *p = (struct bl_ipmi_probe){
        .ctx = ctx, .fd = -1, .timeout_ms = timeout_ms, .cb = cb, .user_data = user_data};
    p->fd = bl_probe_socket(host, port);
    if (p->fd < 0 || bl_probe_send_page(p) != BL_OK) {
        bl_ipmi_probe_free(p);
        return BL_E_UNREACHABLE;
    }
    p->readable = g_unix_fd_source_new(p->fd, G_IO_IN);
    g_source_set_callback(p->readable, (GSourceFunc) (void (*)(void)) bl_probe_readable, p, NULL);
    g_source_attach(p->readable, ctx);
    *out = p;
    return BL_OK;
}

void
bl_ipmi_probe_free(struct bl_ipmi_probe *p)
{
    if (p == NULL) {
        return;
    }
    bl_probe_stop_sources(p);
    if (p->fd >= 0) {
        close(p->fd);
    }
    g_free(p);
}
