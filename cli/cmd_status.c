/*
 * bmclink status [--json | --keys] [--service NAME] [--timeout DURATION]
 *
 * Asks the local bmclinkd (libqb IPC, the BMC module's id range) for its state and prints
 * it: trap counters (accepted, dropped by reason), the last notices, the recovery's
 * counters and timeline, the heartbeat table and the registry's state. The answer is
 * decoded by bl_status_decode, which checks every byte before anything is printed.
 */
#include "bl_conf.h"
#include "bl_ipcc.h"
#include "bl_result.h"
#include "bmc_status.h"
#include "cli_json.h"
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <qb/qbipcc.h>
#include <string.h>

#define IPC_MAX (BL_STATUS_WIRE_MAX + 4096)

/* One request, one answer: the encoded status. */
static int
ask(const char *service, int timeout_ms, struct bl_status **out)
{
    struct qb_ipc_request_header req = {.id = BL_BMC_IPC_STATUS, .size = sizeof(req)};
    struct qb_ipc_response_header hdr;
    qb_ipcc_connection_t *c = NULL;
    g_autofree uint8_t *buf = NULL;
    ssize_t n = bl_ipcc_connect(service, IPC_MAX, &c, NULL);

    if (n != 0) {
        return (int) n;
    }
    buf = g_malloc(IPC_MAX);
    n = qb_ipcc_send(c, &req, sizeof(req));
    if (n >= 0) {
        n = qb_ipcc_recv(c, buf, IPC_MAX, timeout_ms);
    }
    qb_ipcc_disconnect(c);
    if (n < 0) {
        return n == -EAGAIN ? -ETIMEDOUT : (int) n;
    }
    if ((size_t) n < sizeof(hdr)) {
        return BL_E_PROTO;
    }
    memcpy(&hdr, buf, sizeof(hdr));
    if (hdr.id != BL_BMC_IPC_STATUS || hdr.size != (int32_t) n) {
        return BL_E_PROTO;
    }
    if (hdr.error != 0) {
        return hdr.error;
    }
    return bl_status_decode(buf + sizeof(hdr), (size_t) n - sizeof(hdr), out);
}

static const char *
get(const struct bl_status *st, const char *key)
{
    const char *v = bl_status_get(st, key);

    return v != NULL ? v : "?";
}

static void
print_traps(const struct bl_status *st)
{
    bool any = false;

    printf("traps on %s: %s received, %s accepted (%s fatal, %s recoverable), %s duplicate, "
           "%s dropped\n",
           get(st, "trap.listen"), get(st, "trap.datagrams"), get(st, "trap.accepted"),
           get(st, "trap.fatal"), get(st, "trap.recoverable"), get(st, "trap.duplicate"),
           get(st, "trap.dropped"));
    for (size_t i = 0; i < bl_status_count(st); i++) {
        const struct bl_status_item *it = bl_status_item(st, i);
        if (g_str_has_prefix(it->key, "trap.dropped.") && strcmp(it->value, "0") != 0) {
            printf("%s %s %s", any ? "," : "  dropped:", it->key + strlen("trap.dropped."),
                   it->value);
            any = true;
        }
    }
    if (any) {
        printf("\n");
    }
    printf("  forwarded %s (%s failed), informs %s acknowledged, %s lost\n",
           get(st, "trap.forwarded"), get(st, "trap.forward_failed"), get(st, "trap.informs_acked"),
           get(st, "trap.informs_lost"));
    if (bl_status_get(st, "drop.last") != NULL) {
        printf("  last dropped: %s\n", get(st, "drop.last"));
    }
    printf("last notices (%s accepted in all):\n", get(st, "notices.total"));
    for (size_t i = 0; i < bl_status_count(st); i++) {
        const struct bl_status_item *it = bl_status_item(st, i);
        if (g_str_has_prefix(it->key, "notice.")) {
            printf("  %s\n", it->value);
        }
    }
}

static void
print_recovery(const struct bl_status *st)
{
    g_auto(GStrv) lines = g_strsplit(get(st, "recovery.timeline"), "\n", -1);

    printf("\nrecovery (action %s, target %s): %s; %s started, %s while busy, %s notice "
           "failures\n",
           get(st, "recovery.action"),
           get(st, "recovery.target")[0] != '\0' ? get(st, "recovery.target") : "-",
           get(st, "recovery.phase"), get(st, "recovery.started"), get(st, "recovery.busy"),
           get(st, "recovery.notice_failures"));
    printf("  results:");
    for (size_t i = 0; i < bl_status_count(st); i++) {
        const struct bl_status_item *it = bl_status_item(st, i);
        if (g_str_has_prefix(it->key, "recovery.result.")) {
            printf(" %s %s", it->key + strlen("recovery.result."), it->value);
        }
    }
    printf("\n  last timeline:%s\n", lines[0] == NULL || lines[0][0] == '\0' ? " none" : "");
    for (size_t i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] != '\0') {
            printf("    %s\n", lines[i]);
        }
    }
}

/* A yes/no item of the status (the daemon writes "yes" or "no"). */
static bool
is_yes(const struct bl_status *st, const char *key)
{
    bool b = false;

    return bl_conf_parse_bool(get(st, key), &b) == BL_OK && b;
}

/* The SEL reader's line of BMC i, when its SEL is read. */
static void
print_sel(const struct bl_status *st, guint64 i)
{
    const char *f[5] = {"node", "sel_rounds", "sel_records", "sel_acted", "sel_errors"};
    const char *v[5];
    g_autofree char *k = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".sel", i);

    if (!is_yes(st, k)) {
        return;
    }
    for (int j = 0; j < 5; j++) {
        g_autofree char *kj = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".%s", i, f[j]);
        v[j] = get(st, kj);
    }
    printf("  SEL of %s: %s rounds, %s new records, %s acted on, %s errors\n", v[0], v[1], v[2],
           v[3], v[4]);
}

/* How the daemon reaches its own BMC, when that is not the LAN alone (absent from an older
 * daemon). */
static void
print_path(const struct bl_status *st, guint64 i)
{
    g_autofree char *kn = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".node", i);
    g_autofree char *kp = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".path", i);
    const char *path = bl_status_get(st, kp);

    if (path != NULL && strcmp(path, "lan") != 0) {
        printf("  path to the BMC of %s: %s\n", get(st, kn), path);
    }
}

/* BMC i's link (link drops expected after power events) and its timeline. */
static void
print_link(const struct bl_status *st, guint64 i)
{
    g_autofree char *kn = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".node", i);
    g_autofree char *kl = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".link", i);
    g_autofree char *kt = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".timeline", i);
    const char *tl = bl_status_get(st, kt); /* none from an older daemon */
    g_auto(GStrv) lines = g_strsplit(tl != NULL ? tl : "", "\n", -1);

    printf("  link of %s: %s\n", get(st, kn), get(st, kl));
    for (size_t j = 0; lines[j] != NULL && lines[j][0] != '\0'; j++) {
        printf("    %s\n", lines[j]);
    }
}

static void
print_heartbeat(const struct bl_status *st)
{
    guint64 n = 0;

    g_ascii_string_to_unsigned(get(st, "hb.count"), 10, 0, BL_STATUS_ITEMS_MAX, &n, NULL);
    printf("\nBMC heartbeat (%s, every %s ms, unreachable after %s ms silent, %s ms more after a "
           "power event; this daemon publishes the attributes: %s; #health-bmc %s)\n",
           is_yes(st, "hb.enabled") ? "on" : "off", get(st, "hb.interval_ms"),
           get(st, "hb.silence_ms"), get(st, "hb.drop_window_ms"), get(st, "hb.publisher"),
           get(st, "hb.health"));
    printf("  %-16s %-22s %-7s %-9s %-7s %-34s %s\n", "node", "BMC", "session", "reachable",
           "power", "round trip ms", "polls");
    for (guint64 i = 0; i < n; i++) {
        const char *f[7] = {"node", "bmc", "session", "reachable", "power", "rtt_ms", "polls"};
        const char *v[7];
        for (int j = 0; j < 7; j++) {
            g_autofree char *k = g_strdup_printf("hb.%" G_GUINT64_FORMAT ".%s", i, f[j]);
            v[j] = get(st, k);
        }
        printf("  %-16s %-22s %-7s %-9s %-7s %-34s %s\n", v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }
    for (guint64 i = 0; i < n; i++) {
        print_link(st, i);
    }
    for (guint64 i = 0; i < n; i++) {
        print_sel(st, i);
        print_path(st, i);
    }
}

static void
print_text(const struct bl_status *st)
{
    const char *reg = get(st, "registry.state");

    if (strcmp(get(st, "bmc.state"), "running") == 0) {
        printf("BMC side of %s (%s)\n\n", get(st, "bmc.node"), get(st, "bmc.config"));
        print_traps(st);
        print_recovery(st);
        print_heartbeat(st);
    } else if (strcmp(get(st, "bmc.state"), "failed") == 0) {
        printf("BMC side of %s: FAILED, trying again every %s ms (%s)\n  %s\n", get(st, "bmc.node"),
               get(st, "bmc.retry_ms"), get(st, "bmc.config"), get(st, "bmc.error"));
    } else {
        printf("BMC side: off (see [bmc] in bmclinkd.conf)\n");
    }
    if (bl_status_get(st, "registry.generation") == NULL) {
        printf("\nregistry: %s\n", reg);
        return;
    }
    printf("\nregistry: %s (%s), generation %s, epoch %s, quorate %s, nodeid %s, members %s\n", reg,
           is_yes(st, "registry.in_sync") ? "in sync" : "NOT in sync",
           get(st, "registry.generation"), get(st, "registry.epoch"), get(st, "registry.quorate"),
           get(st, "registry.nodeid"), get(st, "registry.members"));
}

static int
show(const struct bl_status *st, bool json, bool keys)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (json) {
        return bl_cli_json_print(bl_cli_json_from_status(st));
    }
    if (keys) {
        bl_status_format_keys(st, out);
        fputs(out->str, stdout);
    } else {
        print_text(st);
    }
    return BL_CLI_EXIT_OK;
}

int
bl_cmd_status(int argc, char **argv)
{
    g_autofree char *service = NULL;
    g_autofree char *timeout = NULL;
    gboolean json = FALSE, keys = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         "One JSON object: nested by the keys' dots, numbers and yes/no typed", NULL},
        {"keys", 0, 0, G_OPTION_ARG_NONE, &keys,
         "key=value lines (newlines in values as \\n), for scripts", NULL},
        {"service", 's', 0, G_OPTION_ARG_STRING, &service,
         "The daemon's IPC service (ipc-service in bmclinkd.conf; default bmclink)", "NAME"},
        {"timeout", 't', 0, G_OPTION_ARG_STRING, &timeout, BL_CLI_TIMEOUT_HELP " (default 30)",
         "DURATION"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {
        "bmclink status",
        "The local bmclinkd's state: BMCNOTICE trap counters (accepted, dropped by reason), the "
        "last notices and the recovery timeline, the BMC heartbeat table, the registry's sync "
        "state.",
        entries,
        NULL,
        NULL,
        NULL};
    struct bl_cli_args a;
    uint32_t timeout_ms = BL_CLI_TIMEOUT_DEFAULT_S * 1000u;
    struct bl_status *st = NULL;
    int rc = bl_cli_parse(&spec, argc, argv, &a);

    if (rc == 0) {
        rc = bl_cli_conflict(&spec, &a, "json", "keys");
        bl_cli_args_clear(&a);
    }
    if (rc == 0 && timeout != NULL && bl_cli_parse_timeout(timeout, &timeout_ms) != 0) {
        rc = bl_cli_usage_error(spec.prog, "--timeout '%s' is not a duration of 1 s to 1 h",
                                timeout);
    }
    if (rc != 0) {
        return rc == BL_CLI_DONE ? BL_CLI_EXIT_OK : rc;
    }
    const char *svc = service != NULL ? service : "bmclink";
    rc = ask(svc, (int) timeout_ms, &st);
    if (rc != 0) {
        const char *hint = bl_cli_daemon_hint(rc);
        fprintf(stderr, "bmclink status: bmclinkd (IPC service %s): %s\n", svc,
                hint != NULL ? hint : bl_strerror(rc));
        return BL_CLI_EXIT_FAILED;
    }
    rc = show(st, json, keys);
    bl_status_free(st);
    return rc;
}
