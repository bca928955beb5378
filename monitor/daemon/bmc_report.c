/*
 * `bmclink status` for the BMC side (bmc_service_int.h): the items of bmc_status.h built from
 * the BMC thread's state, on the BMC thread; bmc_service.c carries the request there and the
 * answer back.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bmc_service_int.h"

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
                   b->group_name, b->gv.n_members, b->gv.lowest, b->gv.self);
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

/* BMC thread: the BMC side's part of the status. */
void
bld_bmc_status_build(struct bld_bmc *b, struct bl_status *st)
{
    bl_status_add(st, "bmc.state", b->st != NULL ? "running" : "failed");
    bl_status_add(st, "bmc.node", b->node);
    bl_status_add(st, "bmc.config", b->path);
    if (b->st == NULL) {
        bl_status_add(st, "bmc.error", b->error);
        bl_status_addf(st, "bmc.retry_ms", "%u", b->retry_ms);
        return;
    }
    status_traps(b, st);
    status_notices(b, st);
    status_recovery(b, st);
    status_heartbeat(b, st);
}
