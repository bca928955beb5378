/*
 * The BMC module of bmclinkd: this node's trap receiver (trap.h), the heartbeat to every BMC
 * (heartbeat.h) and the recovery of a fatal notice on this node (recovery_run.h), wired on
 * one OpenIPMI backend from the shared bmclink.conf: the stack of bmc_stack.h, which
 * bmc_driver runs too; this module adds the election of the attribute publisher, the log
 * lines and `bmclink status`.
 *
 * Threads (daemon.h): the stack lives on the BMC thread, its own GLib context and loop
 * (loop_thread.h), created, run, retried and freed there, so no registry commit or Corosync
 * call on the main loop ever delays a notice. The main loop keeps what talks to Corosync and
 * the control socket: the election group and `bmclink status` requests. Each side owns the
 * fields marked below and reaches the other only by bld_post(); the BMC thread never waits
 * for the main one. struct bld_bmc is reference-counted (g_atomic_rc_box): each posted call
 * holds a reference, so a call still queued when the module stops finds it, marked gone.
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
#include "bmc_service_int.h"
#include "loop_thread.h"

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
    bool want = b->st != NULL && b->st->cfg->hb.publish && b->gv.elected;

    if (want == b->publish) {
        return;
    }
    b->publish = want;
    qb_log(LOG_NOTICE,
           "bmc: %s the bmclink-bmc-* attributes (nodeid %u, lowest %u, %zu members of CPG "
           "group %s)",
           want ? "publishing" : "no longer publishing", b->gv.self, b->gv.lowest, b->gv.n_members,
           b->group_name);
    if (b->st != NULL) {
        bl_heartbeat_set_publish(b->st->hb, want);
    }
}

/* ---- calls between the loops */

static void
bmc_clear(gpointer p)
{
    struct bld_bmc *b = p;

    g_free(b->path);
    g_free(b->group_name);
}

static struct bld_bmc *
bmc_ref(struct bld_bmc *b)
{
    return g_atomic_rc_box_acquire(b);
}

static void
bmc_unref(gpointer p)
{
    g_atomic_rc_box_release_full(p, bmc_clear);
}

/* Each posted function owns its data: it ends by releasing it (or posting it on), and the
 * drop function releases what a stopped loop never ran. */
static void
to_bmc(struct bld_bmc *b, void (*fn)(gpointer), gpointer data, GDestroyNotify drop)
{
    bld_post(b->ctx, fn, data, drop);
}

static void
to_main(void (*fn)(gpointer), gpointer data, GDestroyNotify drop)
{
    bld_post(g_main_context_default(), fn, data, drop);
}

struct gv_msg {
    struct bld_bmc *b; /* a reference */
    struct group_view gv;
};

static void
gv_msg_free(gpointer p)
{
    struct gv_msg *m = p;

    bmc_unref(m->b);
    g_free(m);
}

/* BMC thread: the election changed. */
static void
gv_apply(gpointer p)
{
    struct gv_msg *m = p;

    m->b->gv = m->gv;
    apply_publish(m->b);
    gv_msg_free(m);
}

/* Main loop: hand the view over. */
static void
gv_send(struct bld_bmc *b)
{
    struct gv_msg *m = g_new(struct gv_msg, 1);

    m->b = bmc_ref(b);
    m->gv = b->main_gv;
    to_bmc(b, gv_apply, m, gv_msg_free);
}

static void
on_group_connected(void *ctx, uint32_t nodeid)
{
    struct bld_bmc *b = ctx;

    b->main_gv.self = nodeid;
    gv_send(b);
}

static void
on_group_change(void *ctx, const struct bld_cpg_member *m, size_t n)
{
    struct bld_bmc *b = ctx;
    g_autofree uint32_t *ids = g_new0(uint32_t, n + 1);

    for (size_t i = 0; i < n; i++) {
        ids[i] = m[i].nodeid;
    }
    b->main_gv.n_members = n;
    b->main_gv.elected = bl_bmc_elected(b->main_gv.self, ids, n, &b->main_gv.lowest);
    gv_send(b);
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

/* A `bmclink status` request on its way: main loop -> BMC thread -> main loop. */
struct status_job {
    struct bld_bmc *b; /* a reference; NULL when the BMC side is off */
    struct bld *d;
    struct bld_ipc_conn *conn; /* a reference */
    uint32_t id;
    struct bl_status *st;
};

static void
job_free(gpointer p)
{
    struct status_job *j = p;

    if (j->b != NULL) {
        bmc_unref(j->b);
    }
    bld_ipc_conn_unref(j->conn);
    bl_status_free(j->st);
    g_free(j);
}

/* Main loop: the registry's part, and the answer; the job ends here. */
static void
status_reply(gpointer p)
{
    struct status_job *j = p;
    g_autoptr(GByteArray) out = g_byte_array_new();

    /* stopping: the module and the registry may be gone */
    if (j->b == NULL || !j->b->gone) {
        bld_reg_status(j->d->reg, j->st);
        int rc = bl_status_encode(j->st, out);
        (void) bld_ipc_reply(j->conn, j->id, rc, out->data, out->len);
    }
    job_free(j);
}

/* BMC thread: its items, then the job goes back (and is no longer ours). */
static void
status_on_bmc(gpointer p)
{
    struct status_job *j = p;

    bld_bmc_status_build(j->b, j->st);
    to_main(status_reply, j, job_free);
}

static void
on_request(void *ctx, struct bld_ipc_conn *conn, uint32_t id, const uint8_t *p, size_t len)
{
    struct bld *d = ctx;
    struct status_job *j;

    if (id != BL_BMC_IPC_STATUS) {
        (void) bld_ipc_reply(conn, id, BL_E_UNSUPPORTED, NULL, 0);
        return;
    }
    j = g_new0(struct status_job, 1);
    j->d = d;
    j->conn = bld_ipc_conn_ref(conn);
    j->id = id;
    j->st = bl_status_new();
    if (d->bmc == NULL) {
        bl_status_add(j->st, "bmc.state", "off");
        status_reply(j);
        return;
    }
    j->b = bmc_ref(d->bmc);
    to_bmc(d->bmc, status_on_bmc, j, job_free);
}

/* ---- start, retry and stop */

/* Main loop: Corosync is the main loop's. */
static void
group_join(gpointer p)
{
    struct bld_bmc *b = p;

    if (!b->gone && b->group == NULL) {
        bld_cpg_start(b->group_name, &group_cb, b, &b->group);
    }
    bmc_unref(b);
}

static int
start_stack(struct bld_bmc *b, char **errmsg)
{
    struct bl_bmc_stack_params sp = {.ctx = b->ctx,
                                     .path = b->path,
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
    to_main(group_join, bmc_ref(b), bmc_unref);
    return BL_OK;
}

static gboolean on_retry(gpointer p);

/* Logged once per distinct error: a port held for hours must not fill the journal. */
static void
set_failed(struct bld_bmc *b, const char *err)
{
    unsigned ms = b->retry_ms;

    if (strcmp(err, b->error) != 0) {
        qb_log(LOG_ERR,
               "bmc: BMC side of %s failed: %s (the registry runs on; trying again "
               "every %u ms)",
               b->node, err, ms);
    } else {
        qb_log(LOG_DEBUG, "bmc: BMC side of %s still failed: %s", b->node, err);
    }
    g_strlcpy(b->error, err, sizeof(b->error));
    if (b->retry == NULL) {
        b->retry = g_timeout_source_new(ms);
        g_source_set_callback(b->retry, on_retry, b, NULL);
        g_source_attach(b->retry, b->ctx);
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
        g_source_unref(b->retry);
        b->retry = NULL;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* BMC thread: its first act. */
static void
bmc_thread_init(void *p)
{
    (void) try_start(p);
}

static void
drop_source(GSource **src)
{
    if (*src != NULL) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

/* BMC thread: its loop has ended. */
static void
bmc_thread_fini(void *p)
{
    struct bld_bmc *b = p;

    drop_source(&b->retry);
    drop_source(&b->drain);
    bl_bmc_stack_free(b->st);
    b->st = NULL;
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
    b = g_atomic_rc_box_new0(struct bld_bmc);
    b->d = d;
    b->path = g_strdup(path);
    b->group_name = g_strdup(bld_config_str(d->cfg, "bmc", "group"));
    b->retry_ms = (unsigned) bld_config_int(d->cfg, "bmc", "retry-ms");
    node_name(d->cfg, b->node, sizeof(b->node));
    b->th = bld_thread_new("bmclinkd-bmc");
    b->ctx = bld_thread_context(b->th);
    d->bmc = b;
    bld_thread_run(b->th, bmc_thread_init, bmc_thread_fini, b);
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

/* Main loop: the BMC side says the daemon may stop. */
static void
quit_main(gpointer p)
{
    struct bld_bmc *b = p;

    if (!b->gone) {
        bld_quit(b->d, 0);
    }
    bmc_unref(b);
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
    to_main(quit_main, bmc_ref(b), bmc_unref);
    g_source_unref(b->drain);
    b->drain = NULL;
    return G_SOURCE_REMOVE;
}

/* BMC thread: a stop was asked for. */
static void
drain_start(struct bld_bmc *b)
{
    uint64_t bound_ms;

    if (!owes_end_notice(b)) {
        to_main(quit_main, bmc_ref(b), bmc_unref);
        return;
    }
    if (b->drain != NULL) {
        return;
    }
    /* The recovery ends by its own deadline (timeout_ms) and a notice gives up after
     * notice_timeout_ms: wait that long, plus a second, and no more. */
    bound_ms = b->st->cfg->rec.set.timeout_ns / 1000000u + b->st->cfg->rec.notice_timeout_ms + 1000;
    b->drain_until_us = (uint64_t) g_get_monotonic_time() + bound_ms * 1000;
    b->drain = g_timeout_source_new(50);
    g_source_set_callback(b->drain, on_drain, b, NULL);
    g_source_attach(b->drain, b->ctx);
    qb_log(LOG_NOTICE,
           "bmc: stop requested during the recovery of %s: finishing it first so "
           "its BMC gets the end notice (at most %" PRIu64 " ms)",
           b->node, bound_ms);
}

static void
drain_on_bmc(gpointer p)
{
    drain_start(p);
    bmc_unref(p);
}

/* Whether a recovery owes its end notice is the BMC thread's to say: it answers with
 * quit_main, at once or once the recovery is over. */
bool
bld_bmc_drain(struct bld *d)
{
    struct bld_bmc *b = d->bmc;

    if (b == NULL) {
        return false;
    }
    to_bmc(b, drain_on_bmc, bmc_ref(b), bmc_unref);
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
    b->gone = true;
    bld_cpg_stop(b->group); /* leave: the next lowest publishes */
    b->group = NULL;
    /* The thread frees the stack (bmc_thread_fini) after its loop; calls still queued for
     * it are dropped, their references released. */
    bld_thread_stop(b->th);
    b->th = NULL;
    b->ctx = NULL;
    d->bmc = NULL;
    bmc_unref(b);
}
