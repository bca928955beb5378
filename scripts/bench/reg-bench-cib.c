/*
 * reg-bench-cib: the same measurements as reg-bench, for the same kind of data stored through
 * Pacemaker's CIB (as cluster properties: <nvpair> in crm_config), so scripts/bench/reg-bench
 * can print the two side by side. Uses libcib the way crm_attribute does.
 *
 *   reg-bench-cib [--nodes P1,P2,...] visible -n N [-s SIZE] [--names K]
 *       N modifications one after the other on the first node (synchronous calls); for each,
 *       the time until every node's CIB manager has notified the change (cib_diff_notify)
 *       and until the call returned.
 *   reg-bench-cib [--nodes ...] write -n N [-w WINDOW] [-s SIZE] [--names K]
 *       N asynchronous modifications with WINDOW in flight; writes/s and answer latencies.
 *
 * Values cycle over K names (default 1000), as reg-bench's do, so both stores hold the same
 * amount of data.
 */
#include <crm/cib.h>
#include <crm/common/mainloop.h>
#include <crm/common/xml.h>
#include <crm/crm.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reg-bench-util.h"

#define MAX_NODES 8

static int names = 1000;
static int value_size = 64;

static cib_t *
connect_cib(enum cib_conn_type type)
{
    cib_t *cib = cib_new();
    int rc = cib->cmds->signon(cib, "reg-bench-cib", type);

    if (rc != pcmk_ok) {
        fprintf(stderr, "reg-bench-cib: cannot connect to the CIB: %s\n", pcmk_strerror(rc));
        exit(1);
    }
    return cib;
}

/* <cluster_property_set id="reg-bench"><nvpair id=... name="rb-N" value="k<k>:aaa"/></...> */
static xmlNode *
property(int k)
{
    xmlNode *set = create_xml_node(NULL, "cluster_property_set");
    xmlNode *nv = create_xml_node(set, "nvpair");
    g_autofree char *name = g_strdup_printf("rb-%d", k % names);
    g_autofree char *pad = g_strnfill((gsize) MAX(value_size - 12, 1), 'a');
    g_autofree char *value = g_strdup_printf("k%d:%s", k, pad);

    crm_xml_add(set, "id", "reg-bench");
    crm_xml_add(nv, "id", name);
    crm_xml_add(nv, "name", name);
    crm_xml_add(nv, "value", value);
    return set;
}

static int watch_fd = -1;

/* A diff mentions the values it set: report the highest k it carries. */
static void
on_diff(const char *event, xmlNode *msg)
{
    char *text = dump_xml_unformatted(msg);
    gint64 best = -1;

    for (char *p = strstr(text, "value=\"k"); p != NULL; p = strstr(p + 1, "value=\"k")) {
        best = MAX(best, g_ascii_strtoll(p + 8, NULL, 10));
    }
    free(text);
    if (best >= 0) {
        gint64 rec[2] = {best, now_ns()};
        if (write(watch_fd, rec, sizeof(rec)) != sizeof(rec)) {
            exit(0);
        }
    }
}

static void
watcher(pid_t node, int fd)
{
    if (enter_node(node) != 0) {
        _exit(1);
    }
    cib_t *cib = connect_cib(cib_query);
    watch_fd = fd;
    cib->cmds->add_notify_callback(cib, T_CIB_DIFF_NOTIFY, on_diff);
    gint64 ready = -1;
    if (write(fd, &ready, sizeof(ready)) != sizeof(ready)) {
        _exit(1);
    }
    g_main_loop_run(g_main_loop_new(NULL, FALSE));
    _exit(0);
}

static gint64
await_all(int *fds, int n, int k)
{
    gint64 latest = 0;

    for (int i = 0; i < n; i++) {
        gint64 rec[2] = {-1, 0};
        while (rec[0] < k) {
            if (read(fds[i], rec, sizeof(rec)) != sizeof(rec)) {
                fprintf(stderr, "reg-bench-cib: watcher %d went away\n", i);
                exit(1);
            }
        }
        latest = MAX(latest, rec[1]);
    }
    return latest;
}

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *) a;
    gint64 y = *(const gint64 *) b;

    return x < y ? -1 : x > y;
}

static void
print_latency(const char *what, gint64 *ns, int n)
{
    qsort(ns, (size_t) n, sizeof(*ns), cmp_i64);
    printf("%s_median %.3f ms\n", what, ns[n / 2] / 1e6);
    printf("%s_p99 %.3f ms\n", what, ns[MIN(n - 1, (n * 99) / 100)] / 1e6);
}

static int
run_visible(pid_t *nodes, int nnodes, int n)
{
    int fds[MAX_NODES];
    pid_t kids[MAX_NODES];

    for (int i = 0; i < nnodes; i++) {
        int p[2];
        if (pipe(p) != 0) {
            return 1;
        }
        kids[i] = fork();
        if (kids[i] == 0) {
            close(p[0]);
            watcher(nodes[i], p[1]);
        }
        close(p[1]);
        fds[i] = p[0];
        gint64 ready;
        if (read(fds[i], &ready, sizeof(ready)) != sizeof(ready)) {
            return 1;
        }
    }
    if (enter_node(nodes[0]) != 0) {
        return 1;
    }
    cib_t *cib = connect_cib(cib_command);
    g_autofree gint64 *vis = g_new(gint64, n);
    g_autofree gint64 *ack = g_new(gint64, n);
    for (int k = 0; k < n; k++) {
        xmlNode *x = property(k);
        gint64 t0 = now_ns();
        int rc = cib->cmds->modify(cib, "crm_config", x, cib_sync_call | cib_can_create);
        ack[k] = now_ns() - t0;
        free_xml(x);
        if (rc != pcmk_ok) {
            fprintf(stderr, "reg-bench-cib: modify %d: %s\n", k, pcmk_strerror(rc));
            return 1;
        }
        vis[k] = await_all(fds, nnodes, k) - t0;
    }
    printf("nodes %d\nwrites %d\n", nnodes, n);
    print_latency("visible_everywhere", vis, n);
    print_latency("ack", ack, n);
    for (int i = 0; i < nnodes; i++) {
        kill(kids[i], SIGTERM);
        waitpid(kids[i], NULL, 0);
    }
    return 0;
}

struct pipeline {
    cib_t *cib;
    GMainLoop *loop;
    int n;
    int window;
    int next;
    int done;
    int failed;
    gint64 *sent;
    gint64 *lat;
};

static void send_more(struct pipeline *pl);

static void
on_done(xmlNode *msg, int call_id, int rc, xmlNode *output, void *data)
{
    struct pipeline *pl = data;

    pl->lat[pl->done++] = now_ns() - pl->sent[call_id % (pl->window * 4)];
    pl->failed += rc != pcmk_ok;
    if (pl->done == pl->n) {
        g_main_loop_quit(pl->loop);
    } else {
        send_more(pl);
    }
}

static void
send_more(struct pipeline *pl)
{
    while (pl->next < pl->n && pl->next - pl->done < pl->window) {
        xmlNode *x = property(pl->next);
        int id = pl->cib->cmds->modify(pl->cib, "crm_config", x, cib_can_create);
        free_xml(x);
        if (id <= 0) {
            fprintf(stderr, "reg-bench-cib: modify: %s\n", pcmk_strerror(id));
            exit(1);
        }
        pl->sent[id % (pl->window * 4)] = now_ns();
        pl->cib->cmds->register_callback(pl->cib, id, 120, FALSE, pl, "reg-bench", on_done);
        pl->next++;
    }
}

static int
run_write(pid_t node, int n, int window)
{
    struct pipeline pl = {.n = n, .window = window};

    if (enter_node(node) != 0) {
        return 1;
    }
    pl.cib = connect_cib(cib_command);
    pl.loop = g_main_loop_new(NULL, FALSE);
    pl.sent = g_new0(gint64, (size_t) window * 4);
    pl.lat = g_new0(gint64, (size_t) n);
    gint64 t0 = now_ns();
    send_more(&pl);
    g_main_loop_run(pl.loop);
    double secs = (now_ns() - t0) / 1e9;
    printf("writers 1\nwindow %d\nwrites %d\nfailed %d\n", window, n, pl.failed);
    printf("seconds %.3f s\nwrites_per_second %.1f /s\n", secs, n / secs);
    print_latency("ack", pl.lat, n);
    return pl.failed == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    g_autofree char *nodes_arg = NULL;
    int n = 100;
    int window = 8;
    GOptionEntry entries[] = {
        {"nodes", 0, 0, G_OPTION_ARG_STRING, &nodes_arg, "PIDs in each node's namespaces", "P1,P2"},
        {"count", 'n', 0, G_OPTION_ARG_INT, &n, "writes", "N"},
        {"window", 'w', 0, G_OPTION_ARG_INT, &window, "writes in flight", "W"},
        {"size", 's', 0, G_OPTION_ARG_INT, &value_size, "bytes per value", "S"},
        {"names", 0, 0, G_OPTION_ARG_INT, &names, "distinct names", "K"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("visible|write");
    pid_t nodes[MAX_NODES] = {0};
    int nnodes = 1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (g_option_context_parse(ctx, &argc, &argv, NULL) == FALSE || argc != 2 || n <= 0 ||
        window <= 0 || names <= 0) {
        fprintf(stderr, "usage: reg-bench-cib [--nodes P1,P2,...] visible|write [options]\n");
        return 2;
    }
    g_option_context_free(ctx);
    if (nodes_arg != NULL) {
        g_auto(GStrv) parts = g_strsplit(nodes_arg, ",", MAX_NODES);
        for (nnodes = 0; parts[nnodes] != NULL; nnodes++) {
            nodes[nnodes] = (pid_t) atoi(parts[nnodes]);
        }
    }
    if (strcmp(argv[1], "visible") == 0) {
        return run_visible(nodes, nnodes, n);
    }
    return run_write(nodes[0], n, window);
}
