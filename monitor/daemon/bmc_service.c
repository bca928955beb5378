/*
 * The BMC module of bmclinkd: this node's trap receiver (trap.h), the heartbeat to every BMC
 * (heartbeat.h) and the recovery of a fatal notice on this node (recovery_run.h), wired in
 * the daemon's one GLib main loop on one OpenIPMI backend, from the shared bmclink.conf: the
 * stack of bmc_stack.h, which bmc_driver runs too; this module adds the election of the
 * attribute publisher, the log lines and `bmclink status`.
 *
 * One daemon per cluster writes the bmclink-bmc-* attributes: the lowest nodeid among the
 * daemons whose BMC side runs. Each joins the BMC side's own CPG group ([bmc] group, only
 * configuration changes travel there) once its BMC side started and leaves it when it stops,
 * so a daemon whose BMC side is off or failed never holds the attributes (bmc_elect.h).
 * Without Corosync nobody is elected and nothing is published.
 *
 * `bmclink status` asks on the control socket (ids 101-200, bmc_status.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bl_log.h"
#include "bl_result.h"
#include "bmc_elect.h"
#include "bmc_stack.h"
#include "bmc_status.h"
#include "cpg.h"
#include "daemon.h"

#define NOTICES_KEPT 8
#define ERR_LEN 512

const struct bl_conf_key bld_bmc_options[] = {
    {"bmc", "enabled", BL_CONF_STRDUP, "auto", 0, 0, "auto|true|false", NULL, 0, 0,
     "Run the BMC side (trap receiver, heartbeat, recovery). auto: only when the file named "
     "by config exists."},
    {"bmc", "config", BL_CONF_STRDUP, "/etc/bmclink/bmclink.conf", 1, 0, NULL, NULL, 0,
     BL_CONF_ABSPATH,
     "The BMC side's file, shared by all nodes (trap intake, BMC access, heartbeat, "
     "recovery); `bmclink config check` checks it."},
    {"bmc", "node-name", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, 0, 0,
     "This node's name in that file and in Pacemaker (empty: the uname node name)."},
    {"bmc", "group", BL_CONF_STRDUP, "bmclink-bmc", 0, 0, NULL, NULL, 0, 0,
     "The CPG group of the daemons whose BMC side runs, the same on every node; its lowest "
     "nodeid publishes the bmclink-bmc-* attributes. Not empty, and not [registry] group."},
    {"bmc", "retry-ms", BL_CONF_MS, "10000", 100, 3600000, NULL, NULL, 0, 0,
     "A BMC side that failed to start (trap port in use, bmclink.conf or the password file "
     "missing or wrong) is tried again this often; the registry runs meanwhile."},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

/* A notice as `bmclink status` lists it. */
struct notice_rec {
    gint64 real_us;
    char line[160];
};

struct bld_bmc {
    struct bld *d;
    char *path;
    char node[BL_REC_NAME_MAX];
    struct bl_bmc_stack *st; /* NULL until it started, and while it is failed */
    bool publish;            /* this daemon writes bmclink-bmc-* now */
    guint retry;             /* the retry timer while it is failed, else 0 */
    guint drain;             /* while stopping: the check that the recovery is over, else 0 */
    uint64_t drain_until_us; /* monotonic bound of that wait */
    struct bld_cpg *group;   /* the publisher's election, joined while the BMC side runs */
    uint32_t self;           /* our nodeid there, 0 until connected */
    uint32_t lowest;         /* the group's lowest nodeid, 0 when out of it */
    size_t n_members;
    bool elected;
    char error[ERR_LEN]; /* why it failed last ("" while it runs) */
    uint64_t n_notices;
    struct notice_rec notices[NOTICES_KEPT]; /* ring: the last NOTICES_KEPT accepted */
    struct notice_rec last_drop;             /* real_us 0 until a trap was dropped */
    struct notice_rec last_dup;              /* real_us 0 until a resend was seen */
};

/* ---- configuration */

/* \return "auto", "true" or "false"; *path the BMC side's file. */
static const char *
bmc_mode(const struct bld_config *cfg, const char **path)
{
    *path = bld_config_str(cfg, "bmc", "config");
    return bld_config_str(cfg, "bmc", "enabled");
}

static void
node_name(const struct bld_config *cfg, char *out, size_t len)
{
    const char *n = bld_config_str(cfg, "bmc", "node-name");
    struct utsname u;

    if (n[0] == '\0' && uname(&u) == 0) {
        n = u.nodename;
    }
    g_strlcpy(out, n, len);
}

/* Whether the BMC side runs: 1 yes, 0 off (logged when logging), or a refusal. */
static int
wanted(const struct bld_config *cfg, bool log, char **errmsg)
{
    const char *path;
    const char *mode = bmc_mode(cfg, &path);

    if (strcmp(mode, "false") == 0) {
        return 0;
    }
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        if (strcmp(mode, "auto") == 0) {
            if (log) {
                qb_log(LOG_NOTICE, "BMC side off: %s does not exist ([bmc] enabled = auto)", path);
            }
            return 0;
        }
        *errmsg = g_strdup_printf("%s: no such file ([bmc] enabled = true)", path);
        return -ENOENT;
    }
    return 1;
}

/* A password file that is missing, unreadable, world-readable, empty or too long is this
 * node's problem, not the shared file's: bl_bmc_config_load() reports it as BL_E_INVALID
 * naming the key ("FILE:LINE: [GROUP] password_file: ..."). Only when that is all it says. */
static bool
secret_error(const char *msg)
{
    g_auto(GStrv) lines = g_strsplit(msg, "\n", -1);

    for (size_t i = 0; lines[i] != NULL; i++) {
        if (strstr(lines[i], "] password_file: ") == NULL) {
            return false;
        }
    }
    return lines[0] != NULL;
}

/* As daemon.h says, and the code tells whose problem it is: a negative errno (the file or a
 * password file missing or unreadable on this node), or BL_E_INVALID (its content). */
int
bld_bmc_check(const struct bld_config *cfg, char **errmsg)
{
    char node[BL_REC_NAME_MAX];
    g_autofree char *msg = NULL;
    struct bl_bmc_config *bc = NULL;
    const char *path;
    int rc = wanted(cfg, false, errmsg);

    if (rc <= 0) {
        return rc;
    }
    bmc_mode(cfg, &path);
    node_name(cfg, node, sizeof(node));
    rc = bl_bmclink_conf_check(path, node, &bc, &msg);
    bl_bmc_config_free(bc);
    if (rc != 0) {
        *errmsg = g_strdup_printf("%s (this node: %s)", msg != NULL ? msg : bl_strerror(rc), node);
    }
    if (rc == BL_E_INVALID && msg != NULL && secret_error(msg)) {
        rc = -EACCES;
    }
    return rc;
}

/* ---- events */

/* recovery_run.c logs each step for people; this line is for scripts (the lab tests). */
static void
on_step(const struct bl_rec_entry *e, uint64_t t0, void *ud)
{
    qb_log(LOG_INFO, "bmc: step name=%s t_ms=%.3f rc=%d detail=%s real_ms=%.3f",
           bl_rec_step_name(e->step), (double) (e->t_ns - t0) / 1e6, e->rc,
           e->detail[0] != '\0' ? e->detail : "-", bl_bmc_real_ms(e->t_ns));
}

static void
on_hb_change(const char *node, enum bl_hb_reach reach, enum bl_hb_power power, void *ud)
{
    const char *r = bl_hb_reach_value(reach);

    qb_log(LOG_INFO, "bmc: hb node=%s reach=%s power=%s", node, r[0] != '\0' ? r : "?",
           bl_hb_power_value(power));
}

static void
describe(struct notice_rec *n, const struct bl_trap_event *ev)
{
    char src[64];

    bl_trap_addr_format(&ev->source, src, sizeof(src));
    n->real_us = g_get_real_time();
    if (ev->is_pet) {
        snprintf(n->line, sizeof(n->line), "%s%s%s v%d PET seq %u severity %s from %s",
                 bl_trap_verdict_name(ev->verdict), ev->drop != BL_TRAP_DROP_NONE ? " " : "",
                 ev->drop != BL_TRAP_DROP_NONE ? bl_trap_drop_name(ev->drop) : "",
                 (int) ev->version, ev->pet.sequence, bl_pet_severity_name(ev->pet.severity), src);
    } else {
        snprintf(n->line, sizeof(n->line), "%s%s%s v%d from %s", bl_trap_verdict_name(ev->verdict),
                 ev->drop != BL_TRAP_DROP_NONE ? " " : "",
                 ev->drop != BL_TRAP_DROP_NONE ? bl_trap_drop_name(ev->drop) : "",
                 (int) ev->version, src);
    }
}

/*
 * New notices (fatal, recoverable) go to the ring; every accepted trap, duplicates included,
 * is logged at INFO. A duplicate (a BMC retransmitting its alert until acknowledged) only
 * replaces the one "last duplicate" record: its first occurrence is already in the ring, and
 * resends must not push older genuine notices out. A drop only replaces the one "last
 * dropped" record and is logged at DEBUG: trap.c's rate-limited WARNING speaks for floods.
 * trap.c's stats count both, drops by reason.
 */
static void
on_trap(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct bld_bmc *b = ud;
    bool dropped = ev->verdict == BL_TRAP_DROPPED;

    qb_log(dropped ? LOG_DEBUG : LOG_INFO, "bmc: event verdict=%s drop=%s version=%d seq=%u",
           bl_trap_verdict_name(ev->verdict), bl_trap_drop_name(ev->drop), (int) ev->version,
           ev->is_pet ? ev->pet.sequence : 0);
    if (dropped) {
        describe(&b->last_drop, ev);
    } else if (ev->verdict == BL_TRAP_DUPLICATE) {
        describe(&b->last_dup, ev);
    } else {
        describe(&b->notices[b->n_notices++ % NOTICES_KEPT], ev);
    }
    /* the stack hands the trap to the recovery next */
}

/* ---- the attribute publisher */

static void
apply_publish(struct bld_bmc *b)
{
    bool want = b->st != NULL && b->st->cfg->hb.publish && b->elected;

    if (want == b->publish) {
        return;
    }
    b->publish = want;
    qb_log(LOG_NOTICE,
           "bmc: %s the bmclink-bmc-* attributes (nodeid %u, lowest %u, %zu members of CPG "
           "group %s)",
           want ? "publishing" : "no longer publishing", b->self, b->lowest, b->n_members,
           bld_config_str(b->d->cfg, "bmc", "group"));
    if (b->st != NULL) {
        bl_heartbeat_set_publish(b->st->hb, want);
    }
}

static void
on_group_connected(void *ctx, uint32_t nodeid)
{
    struct bld_bmc *b = ctx;

    b->self = nodeid;
}

static void
on_group_change(void *ctx, const struct bld_cpg_member *m, size_t n)
{
    struct bld_bmc *b = ctx;
    g_autofree uint32_t *ids = g_new0(uint32_t, n + 1);

    for (size_t i = 0; i < n; i++) {
        ids[i] = m[i].nodeid;
    }
    b->n_members = n;
    b->elected = bl_bmc_elected(b->self, ids, n, &b->lowest);
    apply_publish(b);
}

static void
on_group_lost(void *ctx)
{
    on_group_change(ctx, NULL, 0);
}

/* Membership only: nothing is sent in this group, and the election needs no quorum (no
 * votequorum connection of its own). */
static const struct bld_cpg_callbacks group_cb = {
    .connected = on_group_connected,
    .confchg = on_group_change,
    .lost = on_group_lost,
};

/* ---- status */

static void
status_traps(struct bld_bmc *b, struct bl_status *st)
{
    struct bl_trap_stats ts = {0};
    uint64_t dropped = 0;

    bl_trap_receiver_get_stats(b->st->rx, &ts);
    for (int i = 0; i < BL_TRAP_DROP_COUNT; i++) {
        dropped += ts.dropped[i];
    }
    bl_status_add(st, "trap.listen", b->st->listen);
    bl_status_addf(st, "trap.datagrams", "%" PRIu64, ts.datagrams);
    bl_status_addf(st, "trap.accepted", "%" PRIu64, ts.fatal + ts.recoverable);
    bl_status_addf(st, "trap.fatal", "%" PRIu64, ts.fatal);
    bl_status_addf(st, "trap.recoverable", "%" PRIu64, ts.recoverable);
    bl_status_addf(st, "trap.duplicate", "%" PRIu64, ts.duplicate);
    bl_status_addf(st, "trap.dropped", "%" PRIu64, dropped);
    for (int i = 1; i < BL_TRAP_DROP_COUNT; i++) {
        g_autofree char *k = g_strdup_printf("trap.dropped.%s", bl_trap_drop_name(i));
        bl_status_addf(st, k, "%" PRIu64, ts.dropped[i]);
    }
    bl_status_addf(st, "trap.read_errors", "%" PRIu64, ts.read_errors);
    bl_status_addf(st, "trap.forwarded", "%" PRIu64, ts.forwarded);
    bl_status_addf(st, "trap.forward_failed", "%" PRIu64, ts.forward_failed);
    bl_status_addf(st, "trap.informs_acked", "%" PRIu64, ts.informs_acked);
    bl_status_addf(st, "trap.informs_lost", "%" PRIu64, ts.informs_lost);
}

static void
status_notice(struct bl_status *st, const char *key, const struct notice_rec *n)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(n->real_us / G_USEC_PER_SEC);
    g_autofree char *when = t != NULL ? g_date_time_format(t, "%F %T") : g_strdup("?");

    bl_status_addf(st, key, "%s.%03d UTC %s", when, (int) (n->real_us % G_USEC_PER_SEC / 1000),
                   n->line);
}

static void
status_notices(struct bld_bmc *b, struct bl_status *st)
{
    uint64_t first = b->n_notices > NOTICES_KEPT ? b->n_notices - NOTICES_KEPT : 0;

    bl_status_addf(st, "notices.total", "%" PRIu64, b->n_notices);
    for (uint64_t i = first; i < b->n_notices; i++) {
        g_autofree char *k = g_strdup_printf("notice.%" PRIu64, i + 1);

        status_notice(st, k, &b->notices[i % NOTICES_KEPT]);
    }
    if (b->last_dup.real_us != 0) {
        status_notice(st, "duplicate.last", &b->last_dup);
    }
    if (b->last_drop.real_us != 0) {
        status_notice(st, "drop.last", &b->last_drop);
    }
}

static void
status_recovery(struct bld_bmc *b, struct bl_status *st)
{
    const struct bl_rec *r = bl_recovery_machine(b->st->rr);
    g_autoptr(GString) tl = g_string_new(NULL);

    bl_status_add(st, "recovery.action", bl_rec_kind_name(b->st->cfg->rec.set.kind));
    bl_status_add(st, "recovery.target", b->st->cfg->rec.target);
    bl_status_add(st, "recovery.phase", bl_rec_phase_name(r->phase));
    bl_status_addf(st, "recovery.started", "%" PRIu64, r->stats.started);
    bl_status_addf(st, "recovery.busy", "%" PRIu64, r->stats.busy);
    bl_status_addf(st, "recovery.notice_failures", "%" PRIu64, r->stats.notice_failures);
    for (int i = 0; i < BL_REC_RESULT_COUNT; i++) {
        g_autofree char *k = g_strdup_printf("recovery.result.%s", bl_rec_result_name(i));
        bl_status_addf(st, k, "%" PRIu64, r->stats.results[i]);
    }
    bl_recovery_format(b->st->rr, tl);
    bl_status_add(st, "recovery.timeline", tl->str);
}

/* The SEL reader's counters (docs/bmc-health.md), on the local node's BMC only. */
static void
status_sel(struct bl_status *st, size_t i, const struct bl_hb_status *h)
{
    const struct {
        const char *name;
        uint64_t v;
    } c[] = {{"sel_rounds", h->sel_rounds},
             {"sel_records", h->sel_records},
             {"sel_acted", h->sel_acted},
             {"sel_errors", h->sel_errors}};
    g_autofree char *k = g_strdup_printf("hb.%zu.sel", i);

    bl_status_add(st, k, h->sel ? "yes" : "no");
    for (size_t j = 0; h->sel && j < G_N_ELEMENTS(c); j++) {
        g_autofree char *kj = g_strdup_printf("hb.%zu.%s", i, c[j].name);

        bl_status_addf(st, kj, "%" PRIu64, c[j].v);
    }
}

/* How the daemon reaches a BMC: the LAN, or for its own BMC the path configured, the one in
 * use and the fallbacks to the LAN (bl_ipmi_route.h). */
static void
status_path(struct bl_status *st, size_t i, const struct bl_hb_status *h,
            const struct bl_bmc_node *n)
{
    g_autofree char *k = g_strdup_printf("hb.%zu.path", i);
    enum bl_ipmi_path want = h->routed && n != NULL ? n->path : BL_IPMI_PATH_LAN;
    enum bl_ipmi_path now = h->session_up && h->ipmi.path == BL_IPMI_PATH_NONE
                                ? BL_IPMI_PATH_LAN
                                : (enum bl_ipmi_path) h->ipmi.path;

    if (want == BL_IPMI_PATH_LAN) {
        bl_status_add(st, k, "lan");
        return;
    }
    bl_status_addf(st, k, "%s (%s), now %s: %u in-band, %u fallbacks to the LAN",
                   bl_ipmi_path_name(want), n->device, bl_ipmi_path_name(now), h->ipmi.inband_sent,
                   h->ipmi.fallbacks);
}

/* A monotonic time of the heartbeat as clock time ("2026-12-06 12:03:04.123 UTC"). */
static char *
hb_clock(const struct bl_hb_status *h, gint64 real_us, uint64_t t_ns)
{
    gint64 us = real_us - (gint64) ((h->now_ns - MIN(t_ns, h->now_ns)) / 1000u);
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    g_autofree char *when = t != NULL ? g_date_time_format(t, "%F %T") : g_strdup("?");

    return g_strdup_printf("%s.%03d UTC", when, (int) (us % G_USEC_PER_SEC / 1000));
}

/* One line of a BMC's link timeline (docs/bmc-health.md). */
static void
hb_event_line(GString *out, const struct bl_hb_status *h, gint64 real_us,
              const struct bl_hb_event_rec *e)
{
    g_autofree char *at = hb_clock(h, real_us, e->at_ns);
    g_autofree char *ref = hb_clock(h, real_us, e->ref_ns);
    double secs = (double) e->ref_ns / 1e9;

    g_string_append_printf(out, "%s%s %s", out->len > 0 ? "\n" : "", at, bl_hb_event_name(e->kind));
    if (e->kind == BL_HB_EV_DROP && e->expected) {
        g_string_append_printf(out, " expected (power event at %s)", ref);
    } else if (e->kind == BL_HB_EV_BACK || e->kind == BL_HB_EV_UNREACHABLE) {
        g_string_append_printf(out, " after %.1f s silent%s", secs,
                               e->expected ? " (after a power event)" : "");
    }
}

/* How the link is now, and its timeline. */
static void
status_link(struct bl_status *st, size_t i, const struct bl_hb_status *h)
{
    gint64 real_us = g_get_real_time();
    g_autofree char *k = g_strdup_printf("hb.%zu.link", i);
    g_autofree char *kt = g_strdup_printf("hb.%zu.timeline", i);
    g_autofree char *ev = hb_clock(h, real_us, h->link.event_ns);
    double silent = (double) h->link.silent_ns / 1e9;
    double left = (double) (h->link.bound_ns - MIN(h->link.bound_ns, h->now_ns)) / 1e9;
    g_autoptr(GString) tl = g_string_new(NULL);

    switch (h->link.state) {
        case BL_HB_LINK_DROP:
            bl_status_addf(st, k,
                           "link drop expected (power event at %s), silent %.1f s, "
                           "unreachable in %.1f s",
                           ev, silent, left);
            break;
        case BL_HB_LINK_SILENT:
            bl_status_addf(st, k, "silent %.1f s, unreachable in %.1f s", silent, left);
            break;
        case BL_HB_LINK_UNREACHABLE:
            bl_status_addf(st, k, "unreachable, silent %.1f s", silent);
            break;
        default:
            bl_status_add(st, k, "ok");
    }
    for (size_t j = 0; j < h->n_events; j++) {
        hb_event_line(tl, h, real_us, &h->timeline[j]);
    }
    bl_status_add(st, kt, tl->str);
}

static void
status_heartbeat(struct bld_bmc *b, struct bl_status *st)
{
    size_t n = bl_heartbeat_count(b->st->hb);

    bl_status_add(st, "hb.enabled", b->st->cfg->hb.enabled ? "yes" : "no");
    bl_status_addf(st, "hb.interval_ms", "%u", b->st->cfg->hb.interval_ms);
    bl_status_addf(st, "hb.silence_ms", "%u", b->st->cfg->hb.silence_ms);
    bl_status_addf(st, "hb.drop_window_ms", "%u", b->st->cfg->hb.drop_window_ms);
    bl_status_add(st, "hb.publisher", b->publish ? "yes" : "no");
    bl_status_addf(st, "hb.group", "%s: %zu members, lowest nodeid %u, this nodeid %u",
                   bld_config_str(b->d->cfg, "bmc", "group"), b->n_members, b->lowest, b->self);
    bl_status_add(st, "hb.health", bl_health_color_name(bl_heartbeat_health(b->st->hb)));
    bl_status_addf(st, "hb.count", "%zu", n);
    for (size_t i = 0; i < n; i++) {
        struct bl_hb_status h;
        const char *r;

        if (bl_heartbeat_get(b->st->hb, i, &h) != 0) {
            continue;
        }
        r = h.reach == BL_HB_REACH_YES ? "yes" : h.reach == BL_HB_REACH_NO ? "no" : "unknown";
#define HB_KEY(name) g_autofree char *k_##name = g_strdup_printf("hb.%zu." #name, i)
        HB_KEY(node);
        HB_KEY(bmc);
        HB_KEY(session);
        HB_KEY(reachable);
        HB_KEY(power);
        HB_KEY(rtt_ms);
        HB_KEY(polls);
#undef HB_KEY
        bl_status_add(st, k_node, h.node);
        bl_status_addf(st, k_bmc, "%s:%u", h.host, h.port);
        bl_status_add(st, k_session, h.session_up ? "up" : "down");
        bl_status_add(st, k_reachable, r);
        bl_status_add(st, k_power, bl_hb_power_value(h.power));
        bl_status_addf(st, k_rtt_ms, "%.2f last, %.2f p50, %.2f p99", (double) h.rtt.last_ns / 1e6,
                       (double) bl_hb_rtt_percentile(&h.rtt, 50) / 1e6,
                       (double) bl_hb_rtt_percentile(&h.rtt, 99) / 1e6);
        bl_status_addf(st, k_polls, "%" PRIu64 " polls, %" PRIu64 " answers, %" PRIu64 " errors",
                       h.polls, h.answers, h.errors);
        status_link(st, i, &h);
        status_sel(st, i, &h);
        status_path(st, i, &h, bl_bmc_config_find(b->st->cfg, h.node));
    }
}

static void
status_build(struct bld *d, struct bl_status *st)
{
    struct bld_bmc *b = d->bmc;

    bl_status_add(st, "bmc.state", b == NULL ? "off" : b->st != NULL ? "running" : "failed");
    if (b != NULL) {
        bl_status_add(st, "bmc.node", b->node);
        bl_status_add(st, "bmc.config", b->path);
    }
    if (b != NULL && b->st == NULL) {
        bl_status_add(st, "bmc.error", b->error);
        bl_status_addf(st, "bmc.retry_ms", "%" PRId64, bld_config_int(d->cfg, "bmc", "retry-ms"));
    }
    if (b != NULL && b->st != NULL) {
        status_traps(b, st);
        status_notices(b, st);
        status_recovery(b, st);
        status_heartbeat(b, st);
    }
    bld_reg_status(d->reg, st);
}

static void
on_request(void *ctx, struct bld_ipc_conn *conn, uint32_t id, const uint8_t *p, size_t len)
{
    struct bld *d = ctx;
    g_autoptr(GByteArray) out = g_byte_array_new();
    struct bl_status *st;
    int rc;

    if (id != BL_BMC_IPC_STATUS) {
        (void) bld_ipc_reply(conn, id, BL_E_UNSUPPORTED, NULL, 0);
        return;
    }
    st = bl_status_new();
    status_build(d, st);
    rc = bl_status_encode(st, out);
    bl_status_free(st);
    (void) bld_ipc_reply(conn, id, rc, out->data, out->len);
}

/* ---- start, retry and stop */

static int
start_stack(struct bld_bmc *b, char **errmsg)
{
    struct bl_bmc_stack_params sp = {.path = b->path,
                                     .node = b->node,
                                     .on_hb_change = on_hb_change,
                                     .on_step = on_step,
                                     .on_trap = on_trap,
                                     .ud = b};
    struct bl_bmc_stack *s = NULL;
    int rc = bl_bmc_stack_new(&sp, &s, errmsg);

    if (rc == BL_OK) {
        bl_heartbeat_set_publish(s->hb, false); /* until elected */
        rc = bl_bmc_stack_start(s, errmsg);
    }
    if (rc != BL_OK) {
        bl_bmc_stack_free(s);
        return rc;
    }
    b->st = s;
    b->publish = false;
    /* only now a candidate for publishing: the group has the daemons whose BMC side runs */
    bld_cpg_start(bld_config_str(b->d->cfg, "bmc", "group"), &group_cb, b, &b->group);
    return BL_OK;
}

static gboolean on_retry(gpointer p);

/* Logged once per distinct error: a port held for hours must not fill the journal. */
static void
set_failed(struct bld_bmc *b, const char *err)
{
    unsigned ms = (unsigned) bld_config_int(b->d->cfg, "bmc", "retry-ms");

    if (strcmp(err, b->error) != 0) {
        qb_log(LOG_ERR,
               "bmc: BMC side of %s failed: %s (the registry runs on; trying again "
               "every %u ms)",
               b->node, err, ms);
    } else {
        qb_log(LOG_DEBUG, "bmc: BMC side of %s still failed: %s", b->node, err);
    }
    g_strlcpy(b->error, err, sizeof(b->error));
    if (b->retry == 0) {
        b->retry = g_timeout_add(ms, on_retry, b);
    }
}

/* \return whether the BMC side runs now */
static bool
try_start(struct bld_bmc *b)
{
    g_autofree char *err = NULL;
    int rc = start_stack(b, &err);

    if (rc != BL_OK) {
        /* one log line and one status item: a file's problems joined */
        g_auto(GStrv) lines = g_strsplit(err != NULL ? err : bl_strerror(rc), "\n", -1);
        g_autofree char *one = g_strjoinv("; ", lines);

        set_failed(b, one);
        return false;
    }
    qb_log(LOG_NOTICE, "bmc: node %s, %zu BMCs, traps on %s, recovery action %s (%s)%s", b->node,
           b->st->cfg->n_nodes, b->st->listen, bl_rec_kind_name(b->st->cfg->rec.set.kind), b->path,
           b->error[0] != '\0' ? ", started after a failure" : "");
    b->error[0] = '\0';
    return true;
}

static gboolean
on_retry(gpointer p)
{
    struct bld_bmc *b = p;

    if (try_start(b)) {
        b->retry = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/*
 * A BMC side that cannot start is no reason to stop the daemon: the registry (and the chains
 * ordered after it) run on, `bmclink status` says bmc.state=failed and why, and a timer
 * tries again. Only [bmc] enabled = auto without the file means off.
 */
int
bld_bmc_start(struct bld *d)
{
    struct bld_bmc *b;
    char *err = NULL;
    const char *path;
    int rc = wanted(d->cfg, true, &err);

    /* The IPC route answers "off" too, so `bmclink status` works without the BMC side. */
    bld_ipc_register(d->ipc, BL_BMC_IPC_FIRST, BL_BMC_IPC_LAST, on_request, NULL, d);
    g_free(err); /* try_start says it again, with the retry */
    if (rc == 0) {
        return 0;
    }
    bmc_mode(d->cfg, &path);
    b = g_new0(struct bld_bmc, 1);
    b->d = d;
    b->path = g_strdup(path);
    node_name(d->cfg, b->node, sizeof(b->node));
    d->bmc = b;
    (void) try_start(b);
    return 0;
}

/* ---- stopping during a recovery */

/* A recovery that still owes the BMC its end notice (⑥). */
static bool
owes_end_notice(const struct bld_bmc *b)
{
    const struct bl_rec *r;

    if (b->st == NULL || b->st->rr == NULL) {
        return false;
    }
    r = bl_recovery_machine(b->st->rr);
    return r->phase == BL_REC_ACTING || r->phase == BL_REC_ENDING;
}

static gboolean
on_drain(gpointer p)
{
    struct bld_bmc *b = p;
    bool over = (uint64_t) g_get_monotonic_time() >= b->drain_until_us;

    if (owes_end_notice(b) && !over) {
        return G_SOURCE_CONTINUE;
    }
    if (over && owes_end_notice(b)) {
        qb_log(LOG_WARNING,
               "bmc: stopping before the recovery of %s ended: its BMC gets no "
               "end notice and resets the node when its window expires",
               b->node);
    } else {
        qb_log(LOG_NOTICE, "bmc: the recovery of %s is over (end notice sent); stopping", b->node);
    }
    b->drain = 0;
    bld_quit(b->d, 0);
    return G_SOURCE_REMOVE;
}

bool
bld_bmc_drain(struct bld *d)
{
    struct bld_bmc *b = d->bmc;
    uint64_t bound_ms;

    if (b == NULL || !owes_end_notice(b)) {
        return false;
    }
    /* The recovery ends by its own deadline (timeout_ms) and a notice gives up after
     * notice_timeout_ms: wait that long, plus a second, and no more. */
    bound_ms = b->st->cfg->rec.set.timeout_ns / 1000000u + b->st->cfg->rec.notice_timeout_ms + 1000;
    b->drain_until_us = (uint64_t) g_get_monotonic_time() + bound_ms * 1000;
    b->drain = g_timeout_add(50, on_drain, b);
    qb_log(LOG_NOTICE,
           "bmc: stop requested during the recovery of %s: finishing it first so "
           "its BMC gets the end notice (at most %" PRIu64 " ms)",
           b->node, bound_ms);
    return true;
}

void
bld_bmc_stop(struct bld *d)
{
    struct bld_bmc *b = d->bmc;

    if (d->ipc != NULL) {
        bld_ipc_unregister(d->ipc, d);
    }
    if (b == NULL) {
        return;
    }
    bld_cpg_stop(b->group); /* leave: the next lowest publishes */
    if (b->retry != 0) {
        g_source_remove(b->retry);
    }
    if (b->drain != 0) {
        g_source_remove(b->drain);
    }
    bl_bmc_stack_free(b->st); /* the main loop has ended */
    g_free(b->path);
    g_free(b);
    d->bmc = NULL;
}
