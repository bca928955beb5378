/*
 * bmc_driver: bmclinkd's BMC side run alone, without the daemon: the stack of
 * monitor/bmc/bmc_stack.h that bmclinkd runs too (the trap receiver of one node, the heartbeat to
 * every BMC and the recovery of this node, on the real IPMI client (OpenIPMI) and the real
 * Pacemaker tools), in one GLib main loop. scripts/bench/notice-bench and heartbeat-bench run it
 * against simulated BMCs without a cluster, tests/integration/test_bmc_driver_sim.sh against
 * ipmi_sim; the lab tests (tests/lab/5x-*.sh) run bmclinkd itself.
 *
 *   bmc_driver -c bmclink.conf -n node1 [--seconds S] [--heartbeat-only] [--summary-every S]
 *
 * One line per event on stdout (flushed), with the monotonic time in ms (the clock bmcsim
 * logs in) so a test can order them against the BMC's own log:
 *   ready node=node1 bmcs=2 mono_ms=...
 *   event verdict=fatal drop=none version=1 seq=7 mono_ms=...
 *   step name=start-sent t_ms=0.412 rc=0 detail=... mono_ms=... real_ms=<epoch ms>
 *   hb node=node2 reach=0 power=unknown mono_ms=...
 *   summary traps=... fatal=... dropped=... recoveries=... polls=... rtt_p50_us=...
 *           rtt_p99_us=... cpu_user_s=... cpu_sys_s=... wall_s=...
 * Exit 0, 99 on a configuration or start-up error.
 */
#include "bl_log.h"
#include "bl_result.h"
#include "bmc_stack.h"

#include <glib-unix.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

struct driver {
    GMainLoop *loop;
    const char *node;
    struct bl_bmc_stack *st;
    gint64 t_start_us;
};

static double
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static void
on_step(const struct bl_rec_entry *e, uint64_t t0, void *ud)
{
    printf("step name=%s t_ms=%.3f rc=%d detail=%s mono_ms=%.3f real_ms=%.3f\n",
           bl_rec_step_name(e->step), (double) (e->t_ns - t0) / 1e6, e->rc,
           e->detail[0] != '\0' ? e->detail : "-", (double) e->t_ns / 1e6, bl_bmc_real_ms(e->t_ns));
    fflush(stdout);
}

static void
on_hb_change(const char *node, enum bl_hb_reach reach, enum bl_hb_power power, void *ud)
{
    const char *r = bl_hb_reach_value(reach);

    printf("hb node=%s reach=%s power=%s mono_ms=%.3f\n", node, r != NULL ? r : "?",
           bl_hb_power_value(power), mono_ms());
    fflush(stdout);
}

static void
on_trap(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    printf("event verdict=%s drop=%s version=%d seq=%u mono_ms=%.3f\n",
           bl_trap_verdict_name(ev->verdict), bl_trap_drop_name(ev->drop), (int) ev->version,
           ev->is_pet ? ev->pet.sequence : 0, mono_ms());
    fflush(stdout); /* the stack hands the trap to the recovery next */
}

static void
print_summary(struct driver *d)
{
    struct bl_trap_stats ts = {0};
    struct bl_hb_rtt rtt = {0};
    uint64_t dropped = 0, polls = 0, answers = 0, errors = 0;
    struct bl_heartbeat *hb = d->st->hb;
    const struct bl_rec *r = d->st->rr != NULL ? bl_recovery_machine(d->st->rr) : NULL;
    struct rusage ru;

    if (d->st->rx != NULL) {
        bl_trap_receiver_get_stats(d->st->rx, &ts);
    }
    for (int i = 0; i < BL_TRAP_DROP_COUNT; i++) {
        dropped += ts.dropped[i];
    }
    for (size_t i = 0; hb != NULL && i < bl_heartbeat_count(hb); i++) {
        struct bl_hb_status st;
        bl_heartbeat_get(hb, i, &st);
        polls += st.polls;
        answers += st.answers;
        errors += st.errors;
        bl_hb_rtt_merge(&rtt, &st.rtt);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("summary traps=%" PRIu64 " fatal=%" PRIu64 " duplicate=%" PRIu64 " dropped=%" PRIu64
           " recoveries=%" PRIu64 " busy=%" PRIu64 " notice_failures=%" PRIu64 " bmcs=%zu"
           " polls=%" PRIu64 " answers=%" PRIu64 " poll_errors=%" PRIu64
           " rtt_p50_us=%.1f rtt_p99_us=%.1f rtt_max_us=%.1f cpu_user_s=%.3f cpu_sys_s=%.3f"
           " wall_s=%.3f\n",
           ts.datagrams, ts.fatal, ts.duplicate, dropped, r != NULL ? r->stats.started : 0,
           r != NULL ? r->stats.busy : 0, r != NULL ? r->stats.notice_failures : 0,
           hb != NULL ? bl_heartbeat_count(hb) : 0, polls, answers, errors,
           (double) bl_hb_rtt_percentile(&rtt, 50) / 1e3,
           (double) bl_hb_rtt_percentile(&rtt, 99) / 1e3, (double) rtt.max_ns / 1e3,
           (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6,
           (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6,
           (double) (g_get_monotonic_time() - d->t_start_us) / 1e6);
    for (size_t i = 0; ts.datagrams > 0 && i < BL_TRAP_DROP_COUNT; i++) {
        if (ts.dropped[i] > 0) {
            printf("dropped reason=%s count=%" PRIu64 "\n", bl_trap_drop_name(i), ts.dropped[i]);
        }
    }
    fflush(stdout);
}

static gboolean
on_quit(gpointer ud)
{
    g_main_loop_quit(((struct driver *) ud)->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_summary(gpointer ud)
{
    print_summary(ud);
    return G_SOURCE_CONTINUE;
}

static int
run(struct driver *d, const char *config, gint seconds, gint summary_s, gboolean hb_only)
{
    struct bl_bmc_stack_params sp = {.path = config,
                                     .node = d->node,
                                     .heartbeat_only = hb_only,
                                     .on_hb_change = on_hb_change,
                                     .on_step = on_step,
                                     .on_trap = on_trap,
                                     .ud = d};
    g_autofree char *err = NULL;
    int rc = bl_bmc_stack_new(&sp, &d->st, &err);

    if (rc != BL_OK) {
        fprintf(stderr, "bmc_driver: %s\n", err != NULL ? err : bl_strerror(rc));
        return 99;
    }
    d->loop = g_main_loop_new(NULL, FALSE);
    d->t_start_us = g_get_monotonic_time();
    rc = bl_bmc_stack_start(d->st, &err);
    if (rc != BL_OK) {
        fprintf(stderr, "bmc_driver: %s\n", err != NULL ? err : bl_strerror(rc));
    } else {
        printf("ready node=%s bmcs=%zu action=%s mono_ms=%.3f\n", d->node, d->st->cfg->n_nodes,
               hb_only ? "-" : bl_rec_kind_name(d->st->cfg->rec.set.kind), mono_ms());
        fflush(stdout);
        g_unix_signal_add(SIGTERM, on_quit, d);
        g_unix_signal_add(SIGINT, on_quit, d);
        if (seconds > 0) {
            g_timeout_add_seconds((guint) seconds, on_quit, d);
        }
        if (summary_s > 0) {
            g_timeout_add_seconds((guint) summary_s, on_summary, d);
        }
        g_main_loop_run(d->loop);
        print_summary(d);
    }
    bl_bmc_stack_free(d->st);
    g_main_loop_unref(d->loop);
    return rc == BL_OK ? 0 : 99;
}

int
main(int argc, char **argv)
{
    struct driver d = {0};
    g_autofree char *config = NULL, *node = NULL;
    gint seconds = 0, summary_s = 0;
    gboolean verbose = FALSE, hb_only = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "bmclink.conf", "FILE"},
        {"node", 'n', 0, G_OPTION_ARG_STRING, &node, "this node's name", "NAME"},
        {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "stop after this long", "S"},
        {"summary-every", 0, 0, G_OPTION_ARG_INT, &summary_s, "print the summary every S s", "S"},
        {"heartbeat-only", 0, 0, G_OPTION_ARG_NONE, &hb_only, "no traps, no recovery", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "log at debug level", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("- bmclinkd's BMC side alone");
    g_autoptr(GError) gerr = NULL;
    int rc;

    g_option_context_add_main_entries(oc, entries, NULL);
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || config == NULL || node == NULL) {
        fprintf(stderr, "bmc_driver: %s\n", gerr != NULL ? gerr->message : "need -c and -n");
        return 99;
    }
    d.node = node;
    bl_log_init("bmc_driver", BL_LOG_STDERR, verbose ? LOG_DEBUG : LOG_INFO);
    rc = run(&d, config, seconds, summary_s, hb_only);
    bl_log_fini();
    return rc;
}
