/*
 * The real Pacemaker backend of pcmk.h: public tools as GSubprocesses in the main loop.
 *
 * Each call becomes an argv (never a shell, nothing secret in it), runs with stdin from
 * /dev/null, LC_ALL=C and only fds 0-2 (GSubprocess closes the rest), and is read with
 * g_subprocess_communicate_async on the backend's context. A timer kills the tool at its
 * timeout and also cancels the read, so a grandchild that keeps the pipes open cannot hold
 * the call forever. At most tools.parallel run at once; the rest wait in order.
 */
#include "bl_result.h"
#include "pcmk.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define BL_PCMK_DETAIL_MAX 160

enum bl_pcmk_call_kind {
    BL_PCMK_CALL_DONE = 0,
    BL_PCMK_CALL_STATUS,
    BL_PCMK_CALL_FENCED,
};

struct bl_pcmk_call {
    struct bl_pcmk *p; /* NULL once the backend is gone or the call cancelled */
    enum bl_pcmk_call_kind kind;
    char **argv;
    char **env;
    unsigned timeout_ms;
    bl_pcmk_done_fn done;
    bl_pcmk_status_fn status_cb;
    bl_pcmk_fenced_fn fenced_cb;
    int64_t when;    /* BL_PCMK_CALL_FENCED: the parsed answer */
    char target[16]; /* BL_PCMK_CALL_FENCED: the node asked about */
    void *ud;
    GSubprocess *proc;
    GCancellable *cancellable;
    GSource *timer;
    GSource *idle; /* a spawn failure, reported from the loop */
    int idle_rc;
    bool timed_out;
    char detail[BL_PCMK_DETAIL_MAX];
};

struct bl_pcmk {
    GMainContext *ctx;
    char *tool[5]; /* attrd_updater, crm_attribute, crm_resource, crm_mon, stonith_admin */
    unsigned timeout_ms;
    unsigned parallel;
    GQueue queue;  /* struct bl_pcmk_call *, not started yet */
    GList *active; /* started (running, or a spawn failure being reported) */
    struct bl_pcmk_stats stats;
};

enum { BL_T_ATTRD = 0, BL_T_ATTRIBUTE, BL_T_RESOURCE, BL_T_MON, BL_T_STONITH, BL_T_COUNT };

void
bl_pcmk_tools_init(struct bl_pcmk_tools *t)
{
    *t = (struct bl_pcmk_tools){
        .attrd_updater = "/usr/sbin/attrd_updater",
        .crm_attribute = "/usr/sbin/crm_attribute",
        .crm_resource = "/usr/sbin/crm_resource",
        .crm_mon = "/usr/sbin/crm_mon",
        .stonith_admin = "/usr/sbin/stonith_admin",
        .timeout_ms = BL_PCMK_DEFAULT_TIMEOUT_MS,
        .parallel = BL_PCMK_DEFAULT_PARALLEL,
    };
}

int
bl_pcmk_new(GMainContext *ctx, const struct bl_pcmk_tools *tools, struct bl_pcmk **out)
{
    const char *names[BL_T_COUNT] = {tools->attrd_updater, tools->crm_attribute,
                                     tools->crm_resource, tools->crm_mon, tools->stonith_admin};
    struct bl_pcmk *p;

    for (size_t i = 0; i < BL_T_COUNT; i++) {
        if (names[i] == NULL || names[i][0] == '\0') {
            return BL_E_INVALID;
        }
    }
    if (tools->timeout_ms == 0 || tools->parallel == 0) {
        return BL_E_INVALID;
    }
    p = g_new0(struct bl_pcmk, 1);
    p->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    for (size_t i = 0; i < BL_T_COUNT; i++) {
        p->tool[i] = g_strdup(names[i]);
    }
    p->timeout_ms = tools->timeout_ms;
    p->parallel = tools->parallel;
    g_queue_init(&p->queue);
    *out = p;
    return BL_OK;
}

static void
bl_pcmk_call_free(struct bl_pcmk_call *c)
{
    if (c->timer != NULL) {
        g_source_destroy(c->timer);
        g_source_unref(c->timer);
    }
    if (c->idle != NULL) {
        g_source_destroy(c->idle);
        g_source_unref(c->idle);
    }
    g_clear_object(&c->proc);
    g_clear_object(&c->cancellable);
    g_strfreev(c->argv);
    g_strfreev(c->env);
    g_free(c);
}

/* Deliver the result to the caller (once) and stop the tool if it still runs. */
static void
bl_pcmk_call_report(struct bl_pcmk_call *c, int rc, const char *detail,
                    const struct bl_pcmk_status *st)
{
    if (c->kind == BL_PCMK_CALL_STATUS) {
        c->status_cb(rc, rc == BL_OK ? st : NULL, c->ud);
    } else if (c->kind == BL_PCMK_CALL_FENCED) {
        c->fenced_cb(rc, rc == BL_OK ? c->when : 0, detail, c->ud);
    } else {
        c->done(rc, detail, c->ud);
    }
}

static void bl_pcmk_pump(struct bl_pcmk *p);

/* The call is over for the backend: free its slot and start the next ones. */
static void
bl_pcmk_call_retire(struct bl_pcmk_call *c)
{
    struct bl_pcmk *p = c->p;

    if (p != NULL) {
        p->active = g_list_remove(p->active, c);
        p->stats.running = g_list_length(p->active);
        c->p = NULL;
        bl_pcmk_pump(p);
    }
}

/* The first line of the tool's error output, for the logs. */
static void
bl_pcmk_first_line(GBytes *err, char *buf, size_t cap, size_t used)
{
    gsize len = 0;
    const char *data = err != NULL ? g_bytes_get_data(err, &len) : NULL;
    size_t n = 0;

    while (data != NULL && n < len && data[n] != '\n' && used + n + 1 < cap) {
        buf[used + n] = g_ascii_isprint(data[n]) ? data[n] : '?';
        n++;
    }
    buf[used + n] = '\0';
}

static int
bl_pcmk_exit_rc(struct bl_pcmk_call *c, GBytes *err)
{
    int used;

    if (!g_subprocess_get_if_exited(c->proc)) {
        used = snprintf(c->detail, sizeof(c->detail),
                        "killed by signal %d: ", g_subprocess_get_term_sig(c->proc));
    } else if (g_subprocess_get_exit_status(c->proc) != 0) {
        used = snprintf(c->detail, sizeof(c->detail),
                        "exit %d: ", g_subprocess_get_exit_status(c->proc));
    } else {
        snprintf(c->detail, sizeof(c->detail), "exit 0");
        return BL_OK;
    }
    bl_pcmk_first_line(err, c->detail, sizeof(c->detail), (size_t) used);
    return -EIO;
}

static int
bl_pcmk_result(struct bl_pcmk_call *c, bool read_ok, GBytes *out, GBytes *err,
               struct bl_pcmk_status *st)
{
    gsize len = 0;
    const char *xml;
    int rc;

    if (c->timed_out) {
        snprintf(c->detail, sizeof(c->detail), "killed after %u ms", c->timeout_ms);
        return BL_E_TIMEOUT;
    }
    if (!read_ok) {
        snprintf(c->detail, sizeof(c->detail), "reading the tool's output failed");
        return -EIO;
    }
    rc = bl_pcmk_exit_rc(c, err);
    if (rc != BL_OK || c->kind == BL_PCMK_CALL_DONE) {
        return rc;
    }
    xml = g_bytes_get_data(out, &len);
    if (c->kind == BL_PCMK_CALL_FENCED) {
        rc = bl_pcmk_last_fenced_parse(xml != NULL ? xml : "", len, c->target, &c->when);
        if (rc != BL_OK) {
            snprintf(c->detail, sizeof(c->detail), "stonith_admin output refused");
        }
        return rc;
    }
    rc = bl_pcmk_status_parse(xml != NULL ? xml : "", len, st);
    if (rc != BL_OK) {
        snprintf(c->detail, sizeof(c->detail), "crm_mon output refused: %s", bl_strerror(rc));
    }
    return rc;
}

static void
bl_pcmk_on_exit(GObject *src, GAsyncResult *res, gpointer data)
{
    struct bl_pcmk_call *c = data;
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) err = NULL;
    struct bl_pcmk_status st = {0};
    bool read_ok = g_subprocess_communicate_finish(G_SUBPROCESS(src), res, &out, &err, NULL);
    struct bl_pcmk *p = c->p;
    int rc;

    if (p == NULL) {
        bl_pcmk_call_free(c); /* cancelled: the caller was told already */
        return;
    }
    rc = bl_pcmk_result(c, read_ok, out, err, &st);
    p->stats.failed += rc != BL_OK ? 1 : 0;
    p->stats.timeouts += rc == BL_E_TIMEOUT ? 1 : 0;
    bl_pcmk_call_retire(c);
    bl_pcmk_call_report(c, rc, c->detail, &st);
    bl_pcmk_status_clear(&st);
    bl_pcmk_call_free(c);
}

static gboolean
bl_pcmk_on_timeout(gpointer data)
{
    struct bl_pcmk_call *c = data;

    c->timed_out = true;
    g_subprocess_force_exit(c->proc);
    g_cancellable_cancel(c->cancellable);
    g_source_unref(c->timer);
    c->timer = NULL;
    return G_SOURCE_REMOVE;
}

static gboolean
bl_pcmk_on_spawn_failed(gpointer data)
{
    struct bl_pcmk_call *c = data;

    g_source_unref(c->idle);
    c->idle = NULL;
    if (c->p != NULL) {
        c->p->stats.failed++;
        bl_pcmk_call_retire(c);
        bl_pcmk_call_report(c, c->idle_rc, c->detail, NULL);
    }
    bl_pcmk_call_free(c);
    return G_SOURCE_REMOVE;
}

static GSource *
bl_pcmk_attach(struct bl_pcmk *p, GSource *src, GSourceFunc fn, gpointer data)
{
    g_source_set_callback(src, fn, data, NULL);
    g_source_attach(src, p->ctx);
    return src;
}

static GSubprocess *
bl_pcmk_spawn(struct bl_pcmk_call *c, GError **error)
{
    g_autoptr(GSubprocessLauncher) l =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

    g_subprocess_launcher_set_stdin_file_path(l, "/dev/null");
    g_subprocess_launcher_setenv(l, "LC_ALL", "C", TRUE);
    for (size_t i = 0; c->env != NULL && c->env[i] != NULL; i++) {
        const char *eq = strchr(c->env[i], '=');
        g_autofree char *key = g_strndup(c->env[i], (gsize) (eq - c->env[i]));

        g_subprocess_launcher_setenv(l, key, eq + 1, TRUE);
    }
    return g_subprocess_launcher_spawnv(l, (const char *const *) c->argv, error);
}

static void
bl_pcmk_launch(struct bl_pcmk *p, struct bl_pcmk_call *c)
{
    g_autoptr(GError) error = NULL;

    p->active = g_list_prepend(p->active, c);
    p->stats.running = g_list_length(p->active);
    p->stats.started++;
    c->proc = bl_pcmk_spawn(c, &error);
    if (c->proc == NULL) {
        c->idle_rc = g_error_matches(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
        snprintf(c->detail, sizeof(c->detail), "%s", error != NULL ? error->message : "spawn");
        c->idle = bl_pcmk_attach(p, g_idle_source_new(), bl_pcmk_on_spawn_failed, c);
        return;
    }
    c->cancellable = g_cancellable_new();
    c->timer = bl_pcmk_attach(p, g_timeout_source_new(c->timeout_ms), bl_pcmk_on_timeout, c);
    g_main_context_push_thread_default(p->ctx);
    g_subprocess_communicate_async(c->proc, NULL, c->cancellable, bl_pcmk_on_exit, c);
    g_main_context_pop_thread_default(p->ctx);
}

static void
bl_pcmk_pump(struct bl_pcmk *p)
{
    while (g_list_length(p->active) < p->parallel && !g_queue_is_empty(&p->queue)) {
        bl_pcmk_launch(p, g_queue_pop_head(&p->queue));
    }
    p->stats.queued = g_queue_get_length(&p->queue);
}

static int
bl_pcmk_submit(struct bl_pcmk *p, struct bl_pcmk_call *c)
{
    c->p = p;
    if (c->timeout_ms == 0) {
        c->timeout_ms = p->timeout_ms;
    }
    g_queue_push_tail(&p->queue, c);
    bl_pcmk_pump(p);
    return BL_OK;
}

static struct bl_pcmk_call *
bl_pcmk_call_new(const char *const *argv, bl_pcmk_done_fn cb, void *ud)
{
    struct bl_pcmk_call *c = g_new0(struct bl_pcmk_call, 1);

    c->kind = BL_PCMK_CALL_DONE;
    c->argv = g_strdupv((char **) argv);
    c->done = cb;
    c->ud = ud;
    return c;
}

static int
bl_pcmk_attr_set(void *be, const char *node, const char *attr, const char *value,
                 bl_pcmk_done_fn cb, void *ud)
{
    struct bl_pcmk *p = be;
    const char *argv[] = {p->tool[BL_T_ATTRD],
                          "--name",
                          attr,
                          "--node",
                          node,
                          value != NULL ? "--update" : "--delete",
                          value,
                          NULL};

    if (cb == NULL || node == NULL || attr == NULL || node[0] == '\0' || attr[0] == '\0') {
        return BL_E_INVALID;
    }
    return bl_pcmk_submit(p, bl_pcmk_call_new(argv, cb, ud));
}

/* Standby until the node reboots: --lifetime reboot keeps it out of the configuration. */
static int
bl_pcmk_standby(void *be, const char *node, bool on, bl_pcmk_done_fn cb, void *ud)
{
    struct bl_pcmk *p = be;
    const char *argv[] = {p->tool[BL_T_ATTRIBUTE],
                          "--node",
                          node,
                          "--name",
                          "standby",
                          "--lifetime",
                          "reboot",
                          on ? "--update" : "--delete",
                          on ? "on" : NULL,
                          NULL};

    if (cb == NULL || node == NULL || node[0] == '\0') {
        return BL_E_INVALID;
    }
    return bl_pcmk_submit(p, bl_pcmk_call_new(argv, cb, ud));
}

static int
bl_pcmk_status(void *be, bl_pcmk_status_fn cb, void *ud)
{
    struct bl_pcmk *p = be;
    const char *argv[] = {p->tool[BL_T_MON], "--one-shot", "--output-as=xml",
                          "--include=none,nodes,resources", NULL};
    struct bl_pcmk_call *c;

    if (cb == NULL) {
        return BL_E_INVALID;
    }
    c = bl_pcmk_call_new(argv, NULL, ud);
    c->kind = BL_PCMK_CALL_STATUS;
    c->status_cb = cb;
    return bl_pcmk_submit(p, c);
}

/* TZ=UTC: the tool prints the time with ctime(), in its local time zone. */
static int
bl_pcmk_last_fenced(void *be, uint32_t nodeid, bl_pcmk_fenced_fn cb, void *ud)
{
    struct bl_pcmk *p = be;
    char id[16];
    const char *argv[] = {p->tool[BL_T_STONITH], "--last", id, "--as-node-id", NULL};
    struct bl_pcmk_call *c;

    if (cb == NULL || nodeid == 0) {
        return BL_E_INVALID;
    }
    snprintf(id, sizeof(id), "%u", nodeid);
    c = bl_pcmk_call_new(argv, NULL, ud);
    c->kind = BL_PCMK_CALL_FENCED;
    snprintf(c->target, sizeof(c->target), "%s", id);
    c->fenced_cb = cb;
    c->env = g_strdupv((char *[]){"TZ=UTC", NULL});
    return bl_pcmk_submit(p, c);
}

static int
bl_pcmk_restart(void *be, const char *rsc, unsigned timeout_ms, bl_pcmk_done_fn cb, void *ud)
{
    struct bl_pcmk *p = be;
    g_autofree char *timeout = g_strdup_printf("--timeout=%ums", timeout_ms);
    const char *argv[] = {p->tool[BL_T_RESOURCE], "--restart", "--resource", rsc, timeout, NULL};
    struct bl_pcmk_call *c;

    if (cb == NULL || rsc == NULL || rsc[0] == '\0' || timeout_ms == 0) {
        return BL_E_INVALID;
    }
    c = bl_pcmk_call_new(argv, cb, ud);
    c->timeout_ms = timeout_ms + 2000; /* crm_resource gives up first and says why */
    return bl_pcmk_submit(p, c);
}

static int
bl_pcmk_run(void *be, const char *const *argv, const char *const *env, unsigned timeout_ms,
            bl_pcmk_done_fn cb, void *ud)
{
    struct bl_pcmk_call *c;

    if (cb == NULL || argv == NULL || argv[0] == NULL || timeout_ms == 0) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        if (strchr(env[i], '=') == NULL || env[i][0] == '=') {
            return BL_E_INVALID;
        }
    }
    c = bl_pcmk_call_new(argv, cb, ud);
    c->env = env != NULL ? g_strdupv((char **) env) : NULL;
    c->timeout_ms = timeout_ms;
    return bl_pcmk_submit(be, c);
}

/* Stop one started call for good: the tool is killed, its completion frees the call. */
static void
bl_pcmk_abandon(struct bl_pcmk_call *c)
{
    if (c->timer != NULL) {
        g_source_destroy(c->timer);
        g_source_unref(c->timer);
        c->timer = NULL;
    }
    if (c->proc == NULL) {
        bl_pcmk_call_free(c); /* a spawn failure not yet reported: nothing runs */
        return;
    }
    g_subprocess_force_exit(c->proc);
    g_cancellable_cancel(c->cancellable);
}

/* Cancel the calls made with ud (all of them when all is set). */
static void
bl_pcmk_cancel_where(struct bl_pcmk *p, bool all, void *ud)
{
    GList *victims = NULL;

    for (GList *l = p->queue.head; l != NULL; l = l->next) {
        struct bl_pcmk_call *c = l->data;
        if (all || c->ud == ud) {
            victims = g_list_prepend(victims, c);
        }
    }
    for (GList *l = victims; l != NULL; l = l->next) {
        g_queue_remove(&p->queue, l->data);
    }
    for (GList *l = p->active; l != NULL; l = l->next) {
        struct bl_pcmk_call *c = l->data;
        if (all || c->ud == ud) {
            victims = g_list_prepend(victims, c);
        }
    }
    for (GList *l = victims; l != NULL; l = l->next) {
        struct bl_pcmk_call *c = l->data;
        bool started = g_list_find(p->active, c) != NULL;

        p->active = g_list_remove(p->active, c);
        c->p = NULL;
        bl_pcmk_call_report(c, -ECANCELED, "cancelled", NULL);
        if (started) {
            bl_pcmk_abandon(c);
        } else {
            bl_pcmk_call_free(c);
        }
    }
    g_list_free(victims);
    p->stats.running = g_list_length(p->active);
    p->stats.queued = g_queue_get_length(&p->queue);
}

static void
bl_pcmk_cancel(void *be, void *ud)
{
    bl_pcmk_cancel_where(be, false, ud);
    bl_pcmk_pump(be); /* the freed slots go to the calls still waiting */
}

void
bl_pcmk_free(struct bl_pcmk *p)
{
    if (p == NULL) {
        return;
    }
    bl_pcmk_cancel_where(p, true, NULL);
    for (size_t i = 0; i < BL_T_COUNT; i++) {
        g_free(p->tool[i]);
    }
    g_main_context_unref(p->ctx);
    g_free(p);
}

void
bl_pcmk_get_stats(const struct bl_pcmk *p, struct bl_pcmk_stats *out)
{
    *out = p->stats;
}

const struct bl_pcmk_ops bl_pcmk_proc_ops = {
    .name = "pacemaker-tools",
    .attr_set = bl_pcmk_attr_set,
    .standby = bl_pcmk_standby,
    .status = bl_pcmk_status,
    .last_fenced = bl_pcmk_last_fenced,
    .restart = bl_pcmk_restart,
    .run = bl_pcmk_run,
    .cancel = bl_pcmk_cancel,
};

void
bl_pcmk_client(struct bl_pcmk *p, struct bl_pcmk_client *out)
{
    out->ops = &bl_pcmk_proc_ops;
    out->be = p;
}
