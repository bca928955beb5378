/*
 * reg-bench: load generator and stopwatch for the synchronized registry, driven by
 * scripts/bench/reg-bench. Talks to bmclinkd like any client (reg_client.h); to reach the
 * daemons of a namespaced cluster it enters each node's network and mount namespaces through
 * a process running there (--nodes PID,PID,...; without it: the local daemon only).
 *
 *   reg-bench [--nodes P1,P2,...] visible -n N [-s SIZE]
 *       N writes one after the other on the first node; for each, the time until a watcher
 *       on every node has seen it ("visible everywhere") and until the writer's answer.
 *   reg-bench [--nodes ...] write -n N [-w WINDOW] [-s SIZE] [--all] [-k KEY]
 *       N pipelined writes (WINDOW in flight) on the first node, or split over every node
 *       with --all; prints sustained writes/s and answer latencies.
 *
 * Output: "name value unit" lines, easy to grep from the script.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bl_result.h"
#include "reg_client.h"

#include "reg-bench-util.h"

#define MAX_NODES 8

static struct bl_reg_client *
connect_or_die(void)
{
    struct bl_reg_client *c = NULL;
    int rc = bl_reg_client_connect(NULL, &c);

    if (rc != 0) {
        fprintf(stderr, "reg-bench: cannot reach bmclinkd: %s\n", bl_strerror(rc));
        exit(1);
    }
    return c;
}

static int names = 1000; /* values cycle over this many names, as reg-bench-cib's do */

/* SET of v<k mod names> = "k<k>:aaaa..." (size bytes): the value says which write it was. */
static void
one_set(struct bl_reg_ops *ops, const char *key, int k, size_t size)
{
    g_autofree char *name = g_strdup_printf("v%d", k % names);
    g_autofree char *pad = g_strnfill(size > 12 ? size - 12 : 1, 'a');
    g_autofree char *data = g_strdup_printf("k%d:%s", k, pad);
    struct bl_reg_value v = {0};

    bl_reg_value_set(&v, BL_REG_SZ, data, strlen(data));
    bl_reg_ops_add(ops, BL_REG_OP_SET, key, name, &v);
    bl_reg_value_clear(&v);
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
    if (n == 0) {
        return;
    }
    qsort(ns, (size_t) n, sizeof(*ns), cmp_i64);
    printf("%s_median %.3f ms\n", what, ns[n / 2] / 1e6);
    printf("%s_p99 %.3f ms\n", what, ns[MIN(n - 1, (n * 99) / 100)] / 1e6);
    printf("%s_max %.3f ms\n", what, ns[n - 1] / 1e6);
}

/* A watcher on one node: reports "k t_ns" for every SET of v<k> under key. */
static void
watcher(pid_t node, const char *key, int fd)
{
    if (enter_node(node) != 0) {
        _exit(1);
    }
    struct bl_reg_client *c = connect_or_die();
    if (bl_reg_client_watch(c, key) != 0) {
        _exit(1);
    }
    gint64 ready = -1;
    if (write(fd, &ready, sizeof(ready)) != sizeof(ready)) {
        _exit(1);
    }
    for (;;) {
        struct bl_reg_ipc_event ev;
        if (bl_reg_client_event(c, -1, &ev) != 0) {
            _exit(0);
        }
        bool ours = ev.has_value && ev.value.len > 1 && ev.value.data[0] == 'k';
        gint64 rec[2] = {ours ? g_ascii_strtoll((const char *) ev.value.data + 1, NULL, 10) : -2,
                         now_ns()};
        bl_reg_ipc_event_clear(&ev);
        if (write(fd, rec, sizeof(rec)) != sizeof(rec)) {
            _exit(0);
        }
    }
}

/* Wait until every watcher reported write k; returns the latest report time, and each
 * node's in at[i]. */
static gint64
await_all(int *fds, int n, int k, gint64 *at)
{
    gint64 latest = 0;

    for (int i = 0; i < n; i++) {
        gint64 rec[2] = {-1, 0};
        while (rec[0] != k) {
            if (read(fds[i], rec, sizeof(rec)) != sizeof(rec)) {
                fprintf(stderr, "reg-bench: watcher %d went away\n", i);
                exit(1);
            }
        }
        latest = MAX(latest, rec[1]);
        at[i] = rec[1];
    }
    return latest;
}

static int
run_visible(pid_t *nodes, int nnodes, int n, size_t size)
{
    int fds[MAX_NODES];
    pid_t kids[MAX_NODES];
    const char *key = "BENCH/visible";

    for (int i = 0; i < nnodes; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            return 1;
        }
        kids[i] = fork();
        if (kids[i] == 0) {
            close(p[0]);
            watcher(nodes[i], key, p[1]);
        }
        close(p[1]);
        fds[i] = p[0];
        gint64 ready;
        if (read(fds[i], &ready, sizeof(ready)) != sizeof(ready)) {
            fprintf(stderr, "reg-bench: watcher on node %d failed\n", i + 1);
            return 1;
        }
    }
    if (enter_node(nodes[0]) != 0) {
        return 1;
    }
    struct bl_reg_client *c = connect_or_die();
    g_autofree gint64 *vis = g_new(gint64, n);
    g_autofree gint64 *ack = g_new(gint64, n);
    g_autofree gint64 *per_node = g_new(gint64, (size_t) n * (size_t) nnodes);
    for (int k = 0; k < n; k++) {
        struct bl_reg_ops ops = {0};
        one_set(&ops, key, k, size);
        gint64 t0 = now_ns();
        int rc = bl_reg_client_write(c, &ops, NULL);
        ack[k] = now_ns() - t0;
        bl_reg_ops_clear(&ops);
        if (rc != 0) {
            fprintf(stderr, "reg-bench: write %d: %s\n", k, bl_strerror(rc));
            return 1;
        }
        gint64 at[MAX_NODES];
        vis[k] = await_all(fds, nnodes, k, at) - t0;
        for (int i = 0; i < nnodes; i++) {
            per_node[(size_t) i * (size_t) n + (size_t) k] = at[i] - t0;
        }
    }
    printf("nodes %d\nwrites %d\n", nnodes, n);
    print_latency("visible_everywhere", vis, n);
    print_latency("ack", ack, n);
    /* Where the time goes: each node's own watcher (node 1 is the writer's). */
    for (int i = 0; i < nnodes; i++) {
        g_autofree char *what = g_strdup_printf("visible_node%d", i + 1);
        print_latency(what, per_node + (size_t) i * (size_t) n, n);
    }
    for (int i = 0; i < nnodes; i++) {
        kill(kids[i], SIGTERM);
        waitpid(kids[i], NULL, 0);
    }
    bl_reg_client_close(c);
    return 0;
}

/* Pipelined writes on one node; prints nothing, returns latencies through *lat. */
static int
pipeline(struct bl_reg_client *c, const char *key, int first, int n, int window, size_t size,
         gint64 *lat)
{
    g_autofree gint64 *sent = g_new0(gint64, (size_t) n + 1);
    GHashTable *seq_to_k = g_hash_table_new(NULL, NULL);
    int next = 0;
    int done = 0;
    int failed = 0;

    while (done < n) {
        while (next < n && next - done < window) {
            struct bl_reg_ops ops = {0};
            uint32_t seq;
            one_set(&ops, key, first + next, size);
            sent[next] = now_ns();
            if (bl_reg_client_write_send(c, &ops, &seq) != 0) {
                return -1;
            }
            g_hash_table_insert(seq_to_k, GUINT_TO_POINTER(seq), GINT_TO_POINTER(next + 1));
            bl_reg_ops_clear(&ops);
            next++;
        }
        uint32_t seq;
        int rc;
        uint64_t gen;
        if (bl_reg_client_write_recv(c, 30000, &seq, &rc, &gen) != 0) {
            return -1;
        }
        int k = GPOINTER_TO_INT(g_hash_table_lookup(seq_to_k, GUINT_TO_POINTER(seq))) - 1;
        lat[done++] = k >= 0 ? now_ns() - sent[k] : 0;
        failed += rc != 0;
    }
    g_hash_table_destroy(seq_to_k);
    return failed;
}

static int
writer(pid_t node, int idx, int n, int window, size_t size, const char *key, int fd)
{
    if (enter_node(node) != 0) {
        return 1;
    }
    struct bl_reg_client *c = connect_or_die();
    g_autofree gint64 *lat = g_new0(gint64, (size_t) n + 1);
    int failed = pipeline(c, key, idx * n, n, window, size, lat);
    gint64 hdr[2] = {n, failed};

    if (write(fd, hdr, sizeof(hdr)) != sizeof(hdr) ||
        write(fd, lat, sizeof(gint64) * (size_t) n) != (ssize_t) (sizeof(gint64) * (size_t) n)) {
        return 1;
    }
    bl_reg_client_close(c);
    return failed < 0 ? 1 : 0;
}

static int
collect(int fd, gint64 *lat, int *total, int *failed)
{
    gint64 hdr[2];

    if (read(fd, hdr, sizeof(hdr)) != sizeof(hdr)) {
        return -1;
    }
    for (gint64 got = 0; got < hdr[0];) {
        ssize_t r = read(fd, lat + *total + got, sizeof(gint64) * (size_t) (hdr[0] - got));
        if (r <= 0) {
            return -1;
        }
        got += r / (ssize_t) sizeof(gint64);
    }
    *total += (int) hdr[0];
    *failed += (int) hdr[1];
    return 0;
}

static int
run_write(pid_t *nodes, int nnodes, int n, int window, size_t size, bool all, const char *key)
{
    int writers = all ? nnodes : 1;
    int per = n / writers;
    int fds[MAX_NODES];
    g_autofree gint64 *lat = g_new0(gint64, (size_t) n + 1);
    int total = 0;
    int failed = 0;
    gint64 t0 = now_ns();

    for (int i = 0; i < writers; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            return 1;
        }
        if (fork() == 0) {
            close(p[0]);
            _exit(writer(nodes[i], i, per, window, size, key, p[1]));
        }
        close(p[1]);
        fds[i] = p[0];
    }
    for (int i = 0; i < writers; i++) {
        if (collect(fds[i], lat, &total, &failed) != 0) {
            fprintf(stderr, "reg-bench: writer %d failed\n", i + 1);
            return 1;
        }
        wait(NULL);
    }
    double secs = (now_ns() - t0) / 1e9;
    printf("writers %d\nwindow %d\nwrites %d\nfailed %d\n", writers, window, total, failed);
    printf("seconds %.3f s\nwrites_per_second %.0f /s\n", secs, total / secs);
    print_latency("ack", lat, total);
    return failed == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    g_autofree char *nodes_arg = NULL;
    g_autofree char *key = NULL;
    int n = 1000;
    int window = 64;
    int size = 64;
    gboolean all = FALSE;
    GOptionEntry entries[] = {
        {"nodes", 0, 0, G_OPTION_ARG_STRING, &nodes_arg, "PIDs in each node's namespaces", "P1,P2"},
        {"count", 'n', 0, G_OPTION_ARG_INT, &n, "writes", "N"},
        {"window", 'w', 0, G_OPTION_ARG_INT, &window, "writes in flight", "W"},
        {"size", 's', 0, G_OPTION_ARG_INT, &size, "bytes per value", "S"},
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, "write from every node at once", NULL},
        {"key", 'k', 0, G_OPTION_ARG_STRING, &key, "key to write under", "PATH"},
        {"names", 0, 0, G_OPTION_ARG_INT, &names, "distinct value names (default 1000)", "K"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("visible|write");
    pid_t nodes[MAX_NODES] = {0};
    int nnodes = 1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (g_option_context_parse(ctx, &argc, &argv, NULL) == FALSE || argc != 2 || n <= 0 ||
        window <= 0 || size < 0 || size > BL_REG_DATA_MAX || names <= 0) {
        fprintf(stderr, "usage: reg-bench [--nodes P1,P2,...] visible|write [options]\n");
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
        return run_visible(nodes, nnodes, n, (size_t) size);
    }
    return run_write(nodes, nnodes, n, window, (size_t) size, all,
                     key != NULL ? key : "BENCH/write");
}
