#include "trap.h"
#include "bl_log.h"
#include "bl_result.h"
#include "bl_trap_replay.h"
#include "trap_state.h"

#include <errno.h>
#include <inttypes.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>

/* Drops are logged at most this often per reason: a junk flood must not flood the log. */
#define BL_TRAP_DROP_LOG_INTERVAL_S 10

struct bl_trap_receiver {
    GMainContext *ctx;
    struct bl_trap_node_config cfg;
    const struct bl_trap_io_ops *ops;
    void *io;
    bl_trap_receiver_fn fn;
    void *ud;
    struct bl_trap_snmp *snmp;
    GSource *source;
    struct bl_trap_dedup dedup;
    struct bl_trap_stats stats;
    struct bl_trap_sender *fwd[BL_TRAP_FORWARD_MAX];
    GSource *inform_src[BL_TRAP_FORWARD_MAX]; /* Responses of v2c managers to our informs */
    GSource *inform_timer;                    /* their retransmissions */
    uint64_t drop_logged_s[BL_TRAP_DROP_COUNT];
    uint64_t drop_logged_count[BL_TRAP_DROP_COUNT];
    struct bl_trap_state *state; /* replay state kept across restarts; NULL: none */
};

/* Monotonic seconds from a base far above 0, so that a state saved before a reboot (whose
 * times then lie before this boot) still fits (bl_trap_dedup_shift). */
#define BL_CLOCK_BASE_S (UINT64_C(1) << 40)

static uint64_t
bl_now_s(void)
{
    return BL_CLOCK_BASE_S + (uint64_t) (g_get_monotonic_time() / G_USEC_PER_SEC);
}

static uint64_t
bl_wall_s(void)
{
    return (uint64_t) (g_get_real_time() / G_USEC_PER_SEC);
}

/* Hand the de-duplication state (with the BMC's newest engine time) to the writer thread. */
static void
bl_save_state(struct bl_trap_receiver *r)
{
    const struct bl_trap_v3_user *u = &r->cfg.v3;
    struct bl_trap_replay st = {.dedup = r->dedup};
    GByteArray *bytes = g_byte_array_new();

    bl_trap_dedup_shift(&st.dedup, bl_now_s(), bl_wall_s());
    if (u->engine_id_len > 0 && u->engine_id_len <= sizeof(st.engine_id)) {
        st.engine_id_len = (uint8_t) u->engine_id_len;
        memcpy(st.engine_id, u->engine_id, u->engine_id_len);
    } else {
        st.dedup.have_v3_time = false;
    }
    bl_trap_replay_encode(&st, bytes);
    bl_trap_state_put(r->state, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
}

/* What a previous run saved: its de-duplication slots, and the engine time of the BMC. */
static void
bl_load_state(struct bl_trap_receiver *r, const char *path)
{
    const struct bl_trap_v3_user *u = &r->cfg.v3;
    struct bl_trap_replay st;
    GByteArray *bytes = NULL;
    int rc = bl_trap_state_read(path, &bytes);

    rc = rc != 0 ? rc : bl_trap_replay_decode(bytes->data, bytes->len, &st);
    if (bytes != NULL) {
        g_byte_array_unref(bytes);
    }
    if (rc != 0) {
        if (rc != -ENOENT) {
            qb_log(LOG_WARNING, "node %s: trap replay state %s unusable (%s): starting without",
                   r->cfg.node, path, bl_strerror(rc));
        }
        return;
    }
    if (st.engine_id_len != u->engine_id_len ||
        memcmp(st.engine_id, u->engine_id, u->engine_id_len) != 0) {
        st.dedup.have_v3_time = false; /* another BMC (engine) since: its times are not ours */
    }
    if (st.dedup.have_v3_time) {
        /* net-snmp's window too, from the first datagram on: the engine's clock went on */
        uint64_t since = bl_wall_s() > st.dedup.v3_seen_s ? bl_wall_s() - st.dedup.v3_seen_s : 0;
        (void) bl_trap_snmp_engine_time_set(u->engine_id, u->engine_id_len, st.dedup.v3_boots,
                                            (uint32_t) MIN(st.dedup.v3_time + since, INT32_MAX));
    }
    bl_trap_dedup_shift(&st.dedup, bl_wall_s(), bl_now_s());
    r->dedup = st.dedup;
}

int
bl_trap_receiver_keep_state(struct bl_trap_receiver *r, const char *path)
{
    g_autofree char *dir = NULL;

    if (r->state != NULL || path == NULL || path[0] != '/') {
        return BL_E_INVALID;
    }
    dir = g_path_get_dirname(path);
    (void) g_mkdir_with_parents(dir, 0700); /* at start: the loop serves nothing yet */
    bl_load_state(r, path);
    bl_trap_state_new(path, &r->state);
    return BL_OK;
}

static void
bl_log_drop(struct bl_trap_receiver *r, const struct bl_trap_event *ev)
{
    uint64_t now = bl_now_s();
    char src[64];

    bl_trap_addr_format(&ev->source, src, sizeof(src));
    qb_log(LOG_DEBUG, "node %s: trap from %s dropped: %s", r->cfg.node, src,
           bl_trap_drop_name(ev->drop));
    if (r->drop_logged_s[ev->drop] != 0 &&
        now - r->drop_logged_s[ev->drop] < BL_TRAP_DROP_LOG_INTERVAL_S) {
        return;
    }
    qb_log(LOG_WARNING, "node %s: dropped trap from %s (%s); %" PRIu64 " dropped for this reason",
           r->cfg.node, src, bl_trap_drop_name(ev->drop), r->stats.dropped[ev->drop]);
    r->drop_logged_s[ev->drop] = now;
}

static void
bl_log_accept(const struct bl_trap_receiver *r, const struct bl_trap_event *ev)
{
    char src[64], oid[256], guid[33];
    int prio = ev->verdict == BL_TRAP_DUPLICATE ? LOG_INFO : LOG_NOTICE;

    bl_trap_addr_format(&ev->source, src, sizeof(src));
    if (ev->is_pet) {
        bl_pet_guid_format(ev->pet.guid, guid);
        qb_log(prio,
               "node %s: BMCNOTICE %s from %s: PET v%d guid %s seq %u ts %u severity %s "
               "sensor type 0x%02x event type 0x%02x offset %u sensor %u",
               r->cfg.node, bl_trap_verdict_name(ev->verdict), src, (int) ev->version, guid,
               ev->pet.sequence, ev->pet.timestamp, bl_pet_severity_name(ev->pet.severity),
               ev->pet.sensor_type, ev->pet.event_type, ev->pet.event_offset,
               ev->pet.sensor_number);
        return;
    }
    bl_trap_oid_format(&ev->trap_oid, oid, sizeof(oid));
    qb_log(prio, "node %s: BMCNOTICE %s from %s: %s notification %s", r->cfg.node,
           bl_trap_verdict_name(ev->verdict), src, ev->version == BL_TRAP_V3 ? "v3" : "v2c", oid);
}

static void
bl_forward(struct bl_trap_receiver *r, const struct bl_trap_msg *msg)
{
    for (size_t i = 0; i < r->cfg.n_forward; i++) {
        char dst[64];
        int rc;

        if (r->fwd[i] == NULL) {
            continue;
        }
        rc = bl_trap_sender_send_msg(r->fwd[i], msg);
        if (rc == BL_OK) {
            r->stats.forwarded++;
            continue;
        }
        r->stats.forward_failed++;
        bl_trap_addr_format(&r->cfg.forward[i].target, dst, sizeof(dst));
        qb_log(LOG_DEBUG, "node %s: forwarding to %s failed: %s", r->cfg.node, dst,
               bl_strerror(rc));
    }
}

static void
bl_count(struct bl_trap_receiver *r, const struct bl_trap_event *ev)
{
    switch (ev->verdict) {
        case BL_TRAP_FATAL:
            r->stats.fatal++;
            break;
        case BL_TRAP_RECOVERABLE:
            r->stats.recoverable++;
            break;
        case BL_TRAP_DUPLICATE:
            r->stats.duplicate++;
            break;
        default:
            r->stats.dropped[ev->drop]++;
            break;
    }
}

/* One parsed notification: decide, count, log, forward, report. */
static bool
bl_on_msg(const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct bl_trap_receiver *r = ud;
    struct bl_trap_event ev;

    bl_trap_decide(&r->cfg.policy, &r->dedup, msg, bl_now_s(), &ev);
    bl_count(r, &ev);
    if (ev.verdict == BL_TRAP_DROPPED) {
        bl_log_drop(r, &ev);
    } else {
        bl_log_accept(r, &ev);
    }
    if (ev.verdict == BL_TRAP_FATAL || ev.verdict == BL_TRAP_RECOVERABLE) {
        bl_forward(r, msg);
    }
    if (r->state != NULL && ev.verdict != BL_TRAP_DROPPED) {
        bl_save_state(r);
    }
    if (r->fn != NULL) {
        r->fn(&ev, msg, rx_ns, r->ud);
    }
    /* Acknowledge informs only from the allow-listed BMC. */
    return ev.verdict != BL_TRAP_DROPPED;
}

/* A datagram dropped before it became a message: its source is not the BMC (never parsed),
 * or net-snmp refused it (BER, version, USM authentication/decryption/time window). */
static void
bl_on_unparsable(struct bl_trap_receiver *r, const struct bl_trap_addr *src,
                 enum bl_trap_drop why)
{
    struct bl_trap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.source = *src;
    ev.verdict = BL_TRAP_DROPPED;
    ev.drop = why;
    bl_count(r, &ev);
    bl_log_drop(r, &ev);
    if (r->fn != NULL) {
        r->fn(&ev, NULL, 0, r->ud);
    }
}

unsigned
bl_trap_receiver_poll(struct bl_trap_receiver *r, unsigned max)
{
    unsigned n = 0;

    while (r->snmp != NULL && n < max) {
        enum bl_trap_snmp_read what = BL_TRAP_SNMP_REFUSED;
        struct bl_trap_addr src;
        int rc = bl_trap_snmp_read_one(r->snmp, &what, &src);

        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            r->stats.read_errors++;
            qb_log(LOG_DEBUG, "node %s: trap socket read: %s", r->cfg.node, bl_strerror(rc));
            break;
        }
        n++;
        r->stats.datagrams++;
        if (what != BL_TRAP_SNMP_DELIVERED) {
            bl_on_unparsable(r, &src,
                             what == BL_TRAP_SNMP_FOREIGN ? BL_TRAP_DROP_SOURCE : BL_TRAP_DROP_PARSE);
        }
    }
    return n;
}

/* Only the node's BMC gets as far as net-snmp (bl_trap_allowed checks the same again). */
static bool
bl_from_bmc(const struct bl_trap_addr *src, void *ud)
{
    const struct bl_trap_receiver *r = ud;

    return bl_trap_addr_same_host(&r->cfg.policy.bmc, src);
}

static gboolean
bl_on_readable(gint fd, GIOCondition cond, gpointer ud)
{
    bl_trap_receiver_poll(ud, BL_TRAP_BATCH);
    return G_SOURCE_CONTINUE;
}

static gboolean
bl_on_inform_readable(gint fd, GIOCondition cond, gpointer ud)
{
    bl_trap_sender_read(ud);
    return G_SOURCE_CONTINUE;
}

static gboolean
bl_on_inform_timer(gpointer ud)
{
    struct bl_trap_receiver *r = ud;

    for (size_t i = 0; i < BL_TRAP_FORWARD_MAX; i++) {
        bl_trap_sender_timeout(r->fwd[i]);
    }
    return G_SOURCE_CONTINUE;
}

/* Forward targets with informs need their Responses read and their resends timed. */
static void
bl_informs_attach(struct bl_trap_receiver *r)
{
    for (size_t i = 0; i < BL_TRAP_FORWARD_MAX; i++) {
        int fd = bl_trap_sender_fd(r->fwd[i]);

        if (fd < 0) {
            continue;
        }
        r->inform_src[i] = g_unix_fd_source_new(fd, G_IO_IN);
        g_source_set_callback(r->inform_src[i], G_SOURCE_FUNC(bl_on_inform_readable), r->fwd[i],
                              NULL);
        g_source_attach(r->inform_src[i], r->ctx);
        if (r->inform_timer == NULL) {
            r->inform_timer = g_timeout_source_new(100);
            g_source_set_callback(r->inform_timer, bl_on_inform_timer, r, NULL);
            g_source_attach(r->inform_timer, r->ctx);
        }
    }
}

static void
bl_source_drop(GSource **src)
{
    if (*src != NULL) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static int
bl_open_forwards(struct bl_trap_receiver *r)
{
    for (size_t i = 0; i < r->cfg.n_forward; i++) {
        int rc = bl_trap_sender_open(&r->cfg.forward[i], &r->fwd[i]);
        if (rc != BL_OK) {
            char dst[64];
            bl_trap_addr_format(&r->cfg.forward[i].target, dst, sizeof(dst));
            qb_log(LOG_ERR, "node %s: trap forward target %s: %s", r->cfg.node, dst,
                   bl_strerror(rc));
            return rc;
        }
    }
    return BL_OK;
}

int
bl_trap_receiver_new(GMainContext *ctx, const struct bl_trap_node_config *cfg,
                     const struct bl_trap_io_ops *ops, void *io, bl_trap_receiver_fn fn, void *ud,
                     struct bl_trap_receiver **out)
{
    struct bl_trap_receiver *r;
    int rc = BL_OK;

    if (cfg == NULL || ops == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    r = g_new0(struct bl_trap_receiver, 1);
    r->ctx = ctx != NULL ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
    r->cfg = *cfg;
    r->ops = ops;
    r->io = io;
    r->fn = fn;
    r->ud = ud;
    bl_trap_snmp_init("bmclinkd");
    if (cfg->v3.name[0] != '\0' && (rc = bl_trap_snmp_add_user(&cfg->v3)) != BL_OK) {
        qb_log(LOG_ERR, "node %s: SNMPv3 user %s of the BMC refused: %s", cfg->node, cfg->v3.name,
               bl_strerror(rc));
    }
    if (rc == BL_OK) {
        rc = bl_open_forwards(r);
    }
    if (rc != BL_OK) {
        bl_trap_receiver_free(r);
        return rc;
    }
    *out = r;
    return BL_OK;
}

int
bl_trap_receiver_start(struct bl_trap_receiver *r)
{
    char addr[64];
    int rc;

    if (r->snmp != NULL) {
        return BL_OK;
    }
    bl_trap_addr_format(&r->cfg.listen, addr, sizeof(addr));
    rc = bl_trap_snmp_listen(&r->cfg.listen, r->ops, r->io, bl_on_msg, r, &r->snmp);
    if (rc != BL_OK) {
        qb_log(LOG_ERR, "node %s: cannot listen for traps on %s: %s", r->cfg.node, addr,
               bl_strerror(rc));
        return rc;
    }
    bl_trap_snmp_set_filter(r->snmp, bl_from_bmc, r);
    r->source = g_unix_fd_source_new(bl_trap_snmp_fd(r->snmp), G_IO_IN);
    g_source_set_callback(r->source, G_SOURCE_FUNC(bl_on_readable), r, NULL);
    g_source_attach(r->source, r->ctx);
    bl_informs_attach(r);
    qb_log(LOG_INFO, "node %s: listening for BMC traps on %s", r->cfg.node, addr);
    return BL_OK;
}

void
bl_trap_receiver_stop(struct bl_trap_receiver *r)
{
    bl_source_drop(&r->source);
    for (size_t i = 0; i < BL_TRAP_FORWARD_MAX; i++) {
        bl_source_drop(&r->inform_src[i]);
    }
    bl_source_drop(&r->inform_timer);
    bl_trap_snmp_close(r->snmp);
    r->snmp = NULL;
}

void
bl_trap_receiver_free(struct bl_trap_receiver *r)
{
    if (r == NULL) {
        return;
    }
    bl_trap_receiver_stop(r);
    bl_trap_state_free(r->state); /* writes what is pending */
    for (size_t i = 0; i < BL_TRAP_FORWARD_MAX; i++) {
        bl_trap_sender_close(r->fwd[i]);
    }
    bl_trap_snmp_fini();
    g_main_context_unref(r->ctx);
    explicit_bzero(&r->cfg, sizeof(r->cfg));
    g_free(r);
}

void
bl_trap_receiver_get_stats(const struct bl_trap_receiver *r, struct bl_trap_stats *out)
{
    *out = r->stats;
    for (size_t i = 0; i < BL_TRAP_FORWARD_MAX; i++) {
        struct bl_trap_sender_stats st;

        bl_trap_sender_get_stats(r->fwd[i], &st);
        out->informs_acked += st.acked;
        out->informs_lost += st.lost;
        out->dropped[BL_TRAP_DROP_SOURCE] += st.foreign; /* at a sender: not its manager */
    }
}
