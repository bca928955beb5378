/*
 * trap_listen: bmclinkd's trap receiver run on its own, for the benchmark and the
 * simulated-BMC tests. Reads the node's trap settings from bmclink.conf, listens in a GLib
 * main loop, and prints one line per decision (with --events) and a summary at the end:
 *
 *   event verdict=fatal drop=none version=1 pet=1 seq=7 ack=<24 hex> at_ns=<realtime>
 *   summary datagrams=N fatal=N recoverable=N duplicate=N dropped=N lat_p50_us=X lat_p99_us=Y
 *
 * Latency is kernel arrival (SO_TIMESTAMPNS) to our callback. Exits after --seconds, after
 * --expect decisions, after --idle-ms without datagrams (once one came), or on SIGTERM.
 * Exit 0, or 99 on a configuration or socket error.
 */
#include "bl_log.h"
#include "bl_result.h"
#include "trap.h"

#include <glib-unix.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAT_MAX (4u * 1024u * 1024u)

struct bench {
    GMainLoop *loop;
    struct bl_trap_receiver *r;
    gboolean events;
    gint64 expect;
    gint idle_ms;
    uint64_t decisions;
    uint64_t *lat_ns;
    size_t n_lat;
    gint64 last_rx_us;
    char *state; /* --state: the replay state file, as bmclinkd keeps it */
};

static uint64_t
now_real_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void
print_event(const struct bl_trap_event *ev, uint64_t at)
{
    uint8_t ack[BL_PET_ACK_LEN];
    char hex[2 * BL_PET_ACK_LEN + 1] = "";

    if (ev->is_pet) {
        bl_pet_ack_build(&ev->pet, ack);
        for (size_t i = 0; i < sizeof(ack); i++) {
            snprintf(hex + 2 * i, 3, "%02x", ack[i]);
        }
    }
    printf("event verdict=%s drop=%s version=%d pet=%d seq=%u ack=%s at_ns=%" PRIu64 "\n",
           bl_trap_verdict_name(ev->verdict), bl_trap_drop_name(ev->drop), (int) ev->version,
           ev->is_pet ? 1 : 0, ev->is_pet ? ev->pet.sequence : 0, ev->is_pet ? hex : "-", at);
    fflush(stdout);
}

static void
on_event(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct bench *b = ud;
    uint64_t at = now_real_ns();

    if (rx_ns != 0 && at > rx_ns && b->n_lat < LAT_MAX) {
        b->lat_ns[b->n_lat++] = at - rx_ns;
    }
    b->last_rx_us = g_get_monotonic_time();
    if (b->events) {
        print_event(ev, at);
    }
    if (++b->decisions == (uint64_t) b->expect) {
        g_main_loop_quit(b->loop);
    }
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

static void
print_summary(struct bench *b)
{
    struct bl_trap_stats st;
    uint64_t dropped = 0, p50 = 0, p99 = 0;

    bl_trap_receiver_get_stats(b->r, &st);
    for (int i = 0; i < BL_TRAP_DROP_COUNT; i++) {
        dropped += st.dropped[i];
    }
    if (b->n_lat > 0) {
        qsort(b->lat_ns, b->n_lat, sizeof(uint64_t), cmp_u64);
        p50 = b->lat_ns[b->n_lat / 2];
        p99 = b->lat_ns[(b->n_lat * 99) / 100];
    }
    printf("summary datagrams=%" PRIu64 " fatal=%" PRIu64 " recoverable=%" PRIu64
           " duplicate=%" PRIu64 " dropped=%" PRIu64 " forwarded=%" PRIu64
           " lat_p50_us=%.1f lat_p99_us=%.1f\n",
           st.datagrams, st.fatal, st.recoverable, st.duplicate, dropped, st.forwarded,
           (double) p50 / 1000.0, (double) p99 / 1000.0);
    fflush(stdout);
}

static gboolean
on_quit(gpointer ud)
{
    g_main_loop_quit(((struct bench *) ud)->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_idle_check(gpointer ud)
{
    struct bench *b = ud;

    if (b->last_rx_us != 0 && g_get_monotonic_time() - b->last_rx_us > b->idle_ms * 1000) {
        g_main_loop_quit(b->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static int
run(struct bench *b, const char *config, const char *node, gint seconds)
{
    struct bl_trap_node_config cfg;
    g_autofree char *err = NULL;
    int rc = bl_trap_config_load(config, node, &cfg, &err);

    if (rc != BL_OK) {
        fprintf(stderr, "trap_listen: %s\n", err != NULL ? err : bl_strerror(rc));
        return 99;
    }
    b->loop = g_main_loop_new(NULL, FALSE);
    if (bl_trap_receiver_new(NULL, &cfg, &bl_trap_udp_io, NULL, on_event, b, &b->r) != BL_OK ||
        (b->state != NULL && bl_trap_receiver_keep_state(b->r, b->state) != BL_OK) ||
        bl_trap_receiver_start(b->r) != BL_OK) {
        return 99;
    }
    printf("listening\n");
    fflush(stdout);
    g_unix_signal_add(SIGTERM, on_quit, b);
    g_unix_signal_add(SIGINT, on_quit, b);
    if (seconds > 0) {
        g_timeout_add_seconds((guint) seconds, on_quit, b);
    }
    if (b->idle_ms > 0) {
        g_timeout_add(50, on_idle_check, b);
    }
    g_main_loop_run(b->loop);
    print_summary(b);
    bl_trap_receiver_free(b->r);
    g_main_loop_unref(b->loop);
    return 0;
}

int
main(int argc, char **argv)
{
    struct bench b = {0};
    g_autofree char *config = NULL, *node = NULL;
    gint seconds = 0;
    gboolean verbose = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "bmclink.conf", "FILE"},
        {"state", 0, 0, G_OPTION_ARG_FILENAME, &b.state, "keep the replay state in FILE", "FILE"},
        {"node", 'n', 0, G_OPTION_ARG_STRING, &node, "node name ([trap-node NAME])", "NAME"},
        {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "stop after this long", "S"},
        {"expect", 'e', 0, G_OPTION_ARG_INT64, &b.expect, "stop after N decisions", "N"},
        {"idle-ms", 'i', 0, G_OPTION_ARG_INT, &b.idle_ms, "stop when idle this long", "MS"},
        {"events", 0, 0, G_OPTION_ARG_NONE, &b.events, "print every decision", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "log at debug level", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("- bmclinkd trap receiver alone");
    g_autoptr(GError) gerr = NULL;
    int rc;

    g_option_context_add_main_entries(oc, entries, NULL);
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || config == NULL || node == NULL) {
        fprintf(stderr, "trap_listen: %s\n", gerr != NULL ? gerr->message : "need -c and -n");
        return 99;
    }
    bl_log_init("trap_listen", BL_LOG_STDERR, verbose ? LOG_DEBUG : LOG_NOTICE);
    b.lat_ns = calloc(LAT_MAX, sizeof(uint64_t));
    rc = b.lat_ns != NULL ? run(&b, config, node, seconds) : 99;
    free(b.lat_ns);
    g_free(b.state);
    bl_log_fini();
    return rc;
}
