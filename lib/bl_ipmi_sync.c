/*
 * Synchronous wrapper over bl_ipmi_ops: iterate a private GMainContext until the reply,
 * the per-call timeout or the overall deadline, whichever comes first.
 */
#include "bl_ipmi_sync.h"
#include "bl_result.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

/* One request. Heap-allocated: if we stop waiting, the backend still answers it later. */
struct bl_sync_call {
    bool done;
    bool abandoned;
    int rc;
    size_t len;
    uint8_t buf[BL_IPMI_MSG_MAX];
    bool overlong;
};

void
bl_ipmi_sync_init(struct bl_ipmi_sync *sy, const struct bl_ipmi_client *client, GMainContext *ctx,
                  gint64 deadline_us)
{
    memset(sy, 0, sizeof(*sy));
    sy->client = *client;
    sy->ctx = ctx;
    sy->deadline_us = deadline_us;
}

int
bl_ipmi_resolve(const char *name, char *out, size_t cap)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    int rc;

    if (name == NULL || name[0] == '\0' || strlen(name) > BL_IPMI_HOST_MAX) {
        return BL_E_INVALID;
    }
    rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME || rc == EAI_NODATA) {
        /* AI_ADDRCONFIG hides loopback-only hosts (a test netns); ask again without it. */
        hints.ai_flags = 0;
        rc = getaddrinfo(name, NULL, &hints, &res);
    }
    if (rc != 0) {
        return BL_E_UNREACHABLE;
    }
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t) cap, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    return rc == 0 ? BL_OK : BL_E_UNREACHABLE;
}

unsigned int
bl_ipmi_sync_remaining_ms(const struct bl_ipmi_sync *sy)
{
    gint64 left;

    if (sy->deadline_us == 0) {
        return UINT_MAX;
    }
    left = (sy->deadline_us - g_get_monotonic_time()) / 1000;
    if (left <= 0) {
        return 0;
    }
    return left > (gint64) UINT_MAX ? UINT_MAX : (unsigned int) left;
}

static gboolean
bl_sync_wakeup(gpointer user_data)
{
    bool *fired = user_data;

    *fired = true;
    return G_SOURCE_REMOVE;
}

/* Iterate until *done, or until timeout_ms / the overall deadline. */
static int
bl_sync_wait(struct bl_ipmi_sync *sy, const bool *done, unsigned int timeout_ms)
{
    unsigned int left = bl_ipmi_sync_remaining_ms(sy);
    bool fired = false;
    GSource *timer;

    if (timeout_ms > left) {
        timeout_ms = left;
    }
    timer = g_timeout_source_new(timeout_ms);
    g_source_set_callback(timer, bl_sync_wakeup, &fired, NULL);
    g_source_attach(timer, sy->ctx);
    while (!*done && !fired) {
        g_main_context_iteration(sy->ctx, TRUE);
    }
    g_source_destroy(timer);
    g_source_unref(timer);
    return *done ? BL_OK : BL_E_TIMEOUT;
}

static void
bl_sync_state(bl_ipmi_session *s, int rc, void *user_data)
{
    struct bl_ipmi_sync *sy = user_data;

    sy->state_rc = rc;
    sy->state_seen = true;
}

/* Out of time during set-up: was the BMC silent, or did it send only junk? */
static int
bl_sync_timeout_reason(const struct bl_ipmi_sync *sy)
{
    struct bl_ipmi_stats st;

    bl_ipmi_sync_stats(sy, &st);
    if (st.rejected > 0 && st.rx_packets <= st.rejected) {
        return BL_E_PROTO;
    }
    return BL_E_TIMEOUT;
}

int
bl_ipmi_sync_open(struct bl_ipmi_sync *sy, const struct bl_ipmi_params *p, unsigned int timeout_ms)
{
    int rc;

    if (sy->s != NULL) {
        return BL_E_STATE;
    }
    sy->state_seen = false;
    rc = sy->client.ops->open(sy->client.backend, p, bl_sync_state, sy, &sy->s);
    if (rc != BL_OK) {
        sy->s = NULL;
        return rc;
    }
    rc = bl_sync_wait(sy, &sy->state_seen, timeout_ms);
    if (rc == BL_OK) {
        rc = sy->state_rc;
    } else {
        rc = bl_sync_timeout_reason(sy);
    }
    if (rc != BL_OK) {
        bl_ipmi_sync_stats(sy, &sy->failed); /* for the caller's message: loss or silence */
        bl_ipmi_sync_close(sy);
    }
    return rc;
}

static void
bl_sync_reply(bl_ipmi_session *s, int rc, const uint8_t *rsp, size_t len, void *user_data)
{
    struct bl_sync_call *call = user_data;

    if (call->abandoned) {
        g_free(call);
        return;
    }
    call->rc = rc;
    if (rc == BL_OK && len > sizeof(call->buf)) {
        call->overlong = true;
    } else if (rc == BL_OK) {
        memcpy(call->buf, rsp, len);
        call->len = len;
    }
    call->done = true;
}

int
bl_ipmi_sync_cmd(struct bl_ipmi_sync *sy, uint8_t netfn, uint8_t cmd, const uint8_t *data,
                 size_t len, uint8_t *rsp, size_t cap, size_t *rsp_len, unsigned int timeout_ms)
{
    struct bl_sync_call *call;
    int rc;

    if (sy->s == NULL) {
        return BL_E_STATE;
    }
    call = g_new0(struct bl_sync_call, 1);
    rc = sy->client.ops->send(sy->s, netfn, cmd, data, len, bl_sync_reply, call);
    if (rc != BL_OK) {
        g_free(call);
        return rc;
    }
    rc = bl_sync_wait(sy, &call->done, timeout_ms);
    if (rc != BL_OK) {
        call->abandoned = true; /* the backend frees it when it finally answers */
        return rc;
    }
    rc = call->rc;
    if (rc == BL_OK && (call->overlong || call->len > cap)) {
        rc = BL_E_PROTO;
    } else if (rc == BL_OK) {
        memcpy(rsp, call->buf, call->len);
        *rsp_len = call->len;
    }
    g_free(call);
    return rc;
}

int
bl_ipmi_sync_chassis_status(struct bl_ipmi_sync *sy, struct bl_ipmi_chassis_status *st, uint8_t *cc,
                            unsigned int timeout_ms)
{
    uint8_t rsp[BL_IPMI_MSG_MAX];
    size_t len = 0;
    int rc = bl_ipmi_sync_cmd(sy, BL_IPMI_NETFN_CHASSIS, BL_IPMI_CMD_GET_CHASSIS_STATUS, NULL, 0,
                              rsp, sizeof(rsp), &len, timeout_ms);

    if (rc != BL_OK) {
        return rc;
    }
    if (cc != NULL) {
        *cc = rsp[0];
    }
    return bl_ipmi_decode_chassis_status(rsp, len, st);
}

int
bl_ipmi_sync_chassis_control(struct bl_ipmi_sync *sy, enum bl_ipmi_chassis_ctl ctl, uint8_t *cc,
                             unsigned int timeout_ms)
{
    uint8_t req[1];
    uint8_t rsp[BL_IPMI_MSG_MAX];
    size_t len = 0;
    int rc = bl_ipmi_build_chassis_control(ctl, req, sizeof(req));

    if (rc < 0) {
        return rc;
    }
    rc = bl_ipmi_sync_cmd(sy, BL_IPMI_NETFN_CHASSIS, BL_IPMI_CMD_CHASSIS_CONTROL, req, (size_t) rc,
                          rsp, sizeof(rsp), &len, timeout_ms);
    if (rc != BL_OK) {
        return rc;
    }
    return bl_ipmi_reply_check(rsp, len, 1, cc);
}

int
bl_ipmi_sync_sleep(struct bl_ipmi_sync *sy, unsigned int ms)
{
    bool never = false;
    unsigned int left = bl_ipmi_sync_remaining_ms(sy);

    (void) bl_sync_wait(sy, &never, ms);
    return ms > left ? BL_E_TIMEOUT : BL_OK;
}

void
bl_ipmi_sync_stats(const struct bl_ipmi_sync *sy, struct bl_ipmi_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (sy->s != NULL && sy->client.ops->get_stats != NULL) {
        sy->client.ops->get_stats(sy->s, out);
    }
}

void
bl_ipmi_sync_close(struct bl_ipmi_sync *sy)
{
    if (sy->s != NULL) {
        sy->client.ops->close(sy->s);
        sy->s = NULL;
    }
}
