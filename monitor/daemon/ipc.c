/*
 * libqb IPC server glue. libqb asks its poll handlers to add, change and remove file
 * descriptors by number only, with no context pointer, so the descriptor table is the one
 * file-static variable of the daemon.
 */
#include "ipc.h"

#include <grp.h>

#include <errno.h>
#include <glib-unix.h>
#include <qb/qbipcs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "bl_ipcc.h"
#include "bl_log.h"
#include "bl_result.h"
#include "daemon.h"
#include "reg_ipc.h"

G_STATIC_ASSERT(BLD_IPC_MAX_MSG >= BL_REG_IPC_MAX);

struct route {
    uint32_t first;
    uint32_t last;
    bld_ipc_handler fn;
    bld_ipc_closed closed;
    void *ctx;
};

struct bld_ipc {
    qb_ipcs_service_t *srv;
    gid_t allowed_gid;
    size_t max_msg; /* largest buffer a client may ask for */
    GArray *routes; /* struct route */
};

struct bld_ipc_conn {
    int refs;
    qb_ipcs_connection_t *qc; /* NULL once closed */
    struct bld_ipc *ipc;
    pid_t pid;
};

/* A file descriptor libqb asked us to watch. */
struct fd_watch {
    int fd;
    guint source;
    qb_ipcs_dispatch_fn_t fn;
    void *data;
};

static GHashTable *fd_watches; /* fd -> struct fd_watch *; see the top of the file */

static gint
to_glib_priority(enum qb_loop_priority p)
{
    return p == QB_LOOP_HIGH  ? G_PRIORITY_HIGH
           : p == QB_LOOP_LOW ? G_PRIORITY_LOW
                              : G_PRIORITY_DEFAULT;
}

struct job {
    qb_loop_job_dispatch_fn fn;
    void *data;
};

static gboolean
job_run(gpointer p)
{
    struct job *j = p;

    j->fn(j->data);
    return G_SOURCE_REMOVE;
}

static int32_t
job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
    struct job *j = g_new(struct job, 1);

    j->fn = fn;
    j->data = data;
    g_idle_add_full(to_glib_priority(p), job_run, j, g_free);
    return 0;
}

static gboolean
fd_ready(gint fd, GIOCondition cond, gpointer p)
{
    struct fd_watch *w = p;
    int32_t revents = (int32_t) cond; /* GIOCondition uses the poll(2) bits */

    /* fn may delete (and free) this watch itself: look it up again before touching it. */
    if (w->fn(fd, revents, w->data) < 0) {
        if (g_hash_table_lookup(fd_watches, GINT_TO_POINTER(fd)) == w) {
            w->source = 0; /* being removed by returning G_SOURCE_REMOVE */
            g_hash_table_remove(fd_watches, GINT_TO_POINTER(fd));
        }
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void
fd_watch_free(gpointer p)
{
    struct fd_watch *w = p;

    if (w->source != 0) {
        g_source_remove(w->source);
    }
    g_free(w);
}

static int32_t
dispatch_add(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
             qb_ipcs_dispatch_fn_t fn)
{
    struct fd_watch *w = g_new0(struct fd_watch, 1);

    w->fd = fd;
    w->fn = fn;
    w->data = data;
    w->source = g_unix_fd_add_full(to_glib_priority(p), fd, (GIOCondition) evts, fd_ready, w, NULL);
    g_hash_table_replace(fd_watches, GINT_TO_POINTER(fd), w);
    return 0;
}

static int32_t
dispatch_mod(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
             qb_ipcs_dispatch_fn_t fn)
{
    return dispatch_add(p, fd, evts, data, fn);
}

static int32_t
dispatch_del(int32_t fd)
{
    return g_hash_table_remove(fd_watches, GINT_TO_POINTER(fd)) ? 0 : -ENOENT;
}

/*
 * Whether a process is in group gid through its supplementary groups, as the kernel sees
 * them (the Groups line of /proc/PID/status: `sg`, SupplementaryGroups= and the group
 * database all end up there). The pid is the connecting peer's (SO_PEERCRED), which is
 * blocked in the connection handshake while we look.
 */
static bool
pid_in_group(pid_t pid, gid_t gid)
{
    char path[64];
    g_autofree char *text = NULL;

    snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL)) {
        return false;
    }
    return bld_ipc_groups_has(text, gid);
}

bool
bld_ipc_groups_has(const char *status, gid_t gid)
{
    const char *line = strstr(status, "\nGroups:");

    if (line == NULL) {
        return false;
    }
    for (const char *p = line + strlen("\nGroups:"); *p != '\0' && *p != '\n';) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p) {
            p++; /* the separating blanks */
            continue;
        }
        if (v == (unsigned long) gid) {
            return true;
        }
        p = end;
    }
    return false;
}

static bool
client_allowed(const struct bld_ipc *ipc, qb_ipcs_connection_t *qc, uid_t uid, gid_t gid)
{
    struct qb_ipcs_connection_stats st = {0};

    if (uid == 0) {
        return true;
    }
    if (ipc->allowed_gid == (gid_t) -1) {
        return false;
    }
    if (gid == ipc->allowed_gid) {
        return true;
    }
    return qb_ipcs_connection_stats_get(qc, &st, QB_FALSE) == 0 &&
           pid_in_group(st.client_pid, ipc->allowed_gid);
}

static int32_t
conn_accept(qb_ipcs_connection_t *qc, uid_t uid, gid_t gid)
{
    struct bld_ipc *ipc = qb_ipcs_connection_service_context_get(qc);
    int32_t size = qb_ipcs_connection_get_buffer_size(qc);

    if (!client_allowed(ipc, qc, uid, gid)) {
        qb_log(LOG_NOTICE, "IPC: refused a client with uid %u gid %u", (unsigned) uid,
               (unsigned) gid);
        return -EACCES;
    }
    /* libqb sizes the connection's shared memory by what the client asks for. */
    if (size < 0 || (size_t) size > ipc->max_msg) {
        qb_log(LOG_NOTICE, "IPC: refused a client (uid %u) asking for %d-byte buffers (at most %zu)",
               (unsigned) uid, (int) size, ipc->max_msg);
        return -EMSGSIZE;
    }
    return 0;
}

static void
conn_created(qb_ipcs_connection_t *qc)
{
    struct bld_ipc_conn *c = g_new0(struct bld_ipc_conn, 1);
    struct qb_ipcs_connection_stats st;

    c->refs = 1;
    c->qc = qc;
    c->ipc = qb_ipcs_connection_service_context_get(qc);
    if (qb_ipcs_connection_stats_get(qc, &st, QB_FALSE) == 0) {
        c->pid = st.client_pid;
    }
    qb_ipcs_context_set(qc, c);
}

static void
reply_unknown(struct bld_ipc_conn *c, uint32_t id)
{
    uint32_t zero = 0;

    (void) bld_ipc_reply(c, id, BL_E_UNSUPPORTED, &zero, sizeof(zero));
}

static int32_t
msg_process(qb_ipcs_connection_t *qc, void *data, size_t size)
{
    struct bld_ipc_conn *c = qb_ipcs_context_get(qc);
    struct qb_ipc_request_header hdr;

    if (size < sizeof(hdr)) {
        return 0;
    }
    memcpy(&hdr, data, sizeof(hdr));
    if (hdr.size != (int32_t) size || hdr.id < 0) {
        qb_log(LOG_WARNING, "IPC: malformed request from pid %d", (int) c->pid);
        return 0;
    }
    for (guint i = 0; i < c->ipc->routes->len; i++) {
        const struct route *r = &g_array_index(c->ipc->routes, struct route, i);
        if ((uint32_t) hdr.id >= r->first && (uint32_t) hdr.id <= r->last) {
            r->fn(r->ctx, c, (uint32_t) hdr.id, (const uint8_t *) data + sizeof(hdr),
                  size - sizeof(hdr));
            return 0;
        }
    }
    reply_unknown(c, (uint32_t) hdr.id);
    return 0;
}

static int32_t
conn_closed(qb_ipcs_connection_t *qc)
{
    struct bld_ipc_conn *c = qb_ipcs_context_get(qc);

    if (c == NULL) {
        return 0;
    }
    for (guint i = 0; i < c->ipc->routes->len; i++) {
        const struct route *r = &g_array_index(c->ipc->routes, struct route, i);
        if (r->closed != NULL) {
            r->closed(r->ctx, c);
        }
    }
    return 0;
}

static void
conn_destroyed(qb_ipcs_connection_t *qc)
{
    struct bld_ipc_conn *c = qb_ipcs_context_get(qc);

    if (c != NULL) {
        c->qc = NULL;
        qb_ipcs_context_set(qc, NULL);
        bld_ipc_conn_unref(c);
    }
}

int
bld_ipc_start(const char *service, gid_t allowed_gid, size_t max_msg, struct bld_ipc **out)
{
    static struct qb_ipcs_service_handlers handlers = {
        .connection_accept = conn_accept,
        .connection_created = conn_created,
        .msg_process = msg_process,
        .connection_closed = conn_closed,
        .connection_destroyed = conn_destroyed,
    };
    static struct qb_ipcs_poll_handlers poll = {
        .job_add = job_add,
        .dispatch_add = dispatch_add,
        .dispatch_mod = dispatch_mod,
        .dispatch_del = dispatch_del,
    };
    struct bld_ipc *ipc = g_new0(struct bld_ipc, 1);

    *out = NULL;
    if (fd_watches == NULL) {
        fd_watches = g_hash_table_new_full(NULL, NULL, NULL, fd_watch_free);
    }
    ipc->allowed_gid = allowed_gid;
    ipc->max_msg = max_msg;
    ipc->routes = g_array_new(FALSE, TRUE, sizeof(struct route));
    ipc->srv = qb_ipcs_create(service, 0, QB_IPC_SHM, &handlers);
    if (ipc->srv == NULL) {
        int rc = errno != 0 ? -errno : -EIO;
        bld_ipc_stop(ipc);
        return rc;
    }
    qb_ipcs_service_context_set(ipc->srv, ipc);
    qb_ipcs_poll_handlers_set(ipc->srv, &poll);
    int rc = qb_ipcs_run(ipc->srv);
    if (rc != 0) {
        ipc->srv = NULL; /* a failed qb_ipcs_run has already dropped the service's reference */
        bld_ipc_stop(ipc);
        return rc;
    }
    *out = ipc;
    return 0;
}

void
bld_ipc_stop(struct bld_ipc *ipc)
{
    if (ipc == NULL) {
        return;
    }
    if (ipc->srv != NULL) {
        qb_ipcs_destroy(ipc->srv);
    }
    g_array_free(ipc->routes, TRUE);
    g_free(ipc);
}

void
bld_ipc_register(struct bld_ipc *ipc, uint32_t first, uint32_t last, bld_ipc_handler fn,
                 bld_ipc_closed closed, void *ctx)
{
    struct route r = {first, last, fn, closed, ctx};

    g_array_append_val(ipc->routes, r);
}

void
bld_ipc_unregister(struct bld_ipc *ipc, void *ctx)
{
    for (guint i = ipc->routes->len; i > 0; i--) {
        if (g_array_index(ipc->routes, struct route, i - 1).ctx == ctx) {
            g_array_remove_index(ipc->routes, i - 1);
        }
    }
}

int
bld_ipc_reply(struct bld_ipc_conn *conn, uint32_t id, int rc, const void *payload, size_t len)
{
    struct qb_ipc_response_header hdr = {
        .id = (int32_t) id, .size = (int32_t) (sizeof(hdr) + len), .error = rc};
    struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *) payload, len}};

    if (conn->qc == NULL) {
        return -ENOTCONN;
    }
    ssize_t n = qb_ipcs_response_sendv(conn->qc, iov, 2);
    return n < 0 ? (int) n : 0;
}

int
bld_ipc_event(struct bld_ipc_conn *conn, uint32_t id, const void *payload, size_t len)
{
    struct qb_ipc_response_header hdr = {
        .id = (int32_t) id, .size = (int32_t) (sizeof(hdr) + len), .error = 0};
    struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *) payload, len}};

    if (conn->qc == NULL) {
        return -ENOTCONN;
    }
    ssize_t n = qb_ipcs_event_sendv(conn->qc, iov, 2);
    return n < 0 ? (int) n : 0;
}

struct bld_ipc_conn *
bld_ipc_conn_ref(struct bld_ipc_conn *conn)
{
    conn->refs++;
    return conn;
}

void
bld_ipc_conn_unref(struct bld_ipc_conn *conn)
{
    if (conn != NULL && --conn->refs == 0) {
        g_free(conn);
    }
}

pid_t
bld_ipc_conn_pid(const struct bld_ipc_conn *conn)
{
    return conn->pid;
}

/* The name is taken: say by whom, so that a second bmclinkd does not look like a crash. */
static void
log_holder(const char *service, int start_rc)
{
    struct bl_ipc_server who;
    qb_ipcc_connection_t *c = NULL;
    int rc = bl_ipcc_connect(service, 4096, &c, &who);

    qb_ipcc_disconnect(c);
    if (rc == 0) {
        qb_log(LOG_ERR, "bmclinkd already running (pid %d) on IPC service '%s'", (int) who.pid,
               service);
    } else if (rc == BL_E_IMPOSTOR) {
        qb_log(LOG_ERR,
               "IPC service '%s' is held by pid %d running as uid %u, which is not bmclinkd "
               "(not root): stop that process",
               service, (int) who.pid, (unsigned) who.uid);
    } else {
        qb_log(LOG_ERR, "cannot serve IPC service '%s': %s (is another bmclinkd running?)",
               service, bl_strerror(start_rc));
    }
}

int
bld_ipc_module_start(struct bld *d)
{
    const char *service = bld_config_str(d->cfg, "daemon", "ipc-service");
    const char *group = bld_config_str(d->cfg, "daemon", "ipc-group");
    gid_t gid = (gid_t) -1;

    if (group[0] != '\0') {
        struct group *g = getgrnam(group);
        if (g == NULL) {
            qb_log(LOG_ERR, "%s: ipc-group '%s' is not a group on this node", d->config_path,
                   group);
            return -ENOENT;
        }
        gid = g->gr_gid;
    }
    int rc = bld_ipc_start(service, gid, BLD_IPC_MAX_MSG, &d->ipc);
    if (rc != 0) {
        log_holder(service, rc);
        d->exit_code = BLD_EXIT_RUNNING;
    }
    return rc;
}

void
bld_ipc_module_stop(struct bld *d)
{
    bld_ipc_stop(d->ipc);
    d->ipc = NULL;
}
