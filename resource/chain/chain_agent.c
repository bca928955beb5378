/*
 * The OCF actions of ocf:bmclink:servicechain. Each action loads what it needs, calls the
 * chain and volume libraries, logs once with the resource and member names, and maps the
 * result to an OCF exit code:
 *
 *   malformed parameters or chain file, state_dir not a directory  OCF_ERR_CONFIGURED (6)
 *   chain file, program, unit or script missing on this node;
 *   a member enabled at boot on this node                          OCF_ERR_INSTALLED (5)
 *   volume not mounted, wrong device, read-only, full; a mandatory
 *   member failed; a member or bind survived stop; at monitor, the
 *   volume unmounted, replaced, read-only or full                  OCF_ERR_GENERIC (1)
 *   an optional member is down; the volume low on space            OCF_DEGRADED (190)
 *   registry_profile set: the registry not in sync in time, or
 *   bmclinkd unreachable, at start                                  OCF_ERR_GENERIC (1)
 *
 * A capture of the rendered files that fails (monitor, stop) is logged and retried at the
 * next monitor; it never changes the action's result. What fails or degrades an action is
 * also its OCF exit reason (a->exit_reason), which crm_mon shows beside the result.
 */
#include "chain_agent.h"

#include "bl_log.h"
#include "bl_result.h"
#include "chain_run.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>

#define RECORD_DIR ".bmclink"

/* What an action works on: the configured chain, or the snapshot of the running one. */
struct work {
    struct bl_volume volume;
    struct bl_chain_defaults defs;
    struct bl_chain *chain;
    struct bl_snapshot snap; /* snap.chain set when a snapshot exists */
    enum bl_start_mode mode;
    struct bl_chain_reg reg; /* synchronized subtrees; disabled without registry_profile */
};

static void
work_clear(struct work *w)
{
    bl_volume_clear(&w->volume);
    bl_chain_free(w->chain);
    bl_chain_snapshot_clear(&w->snap);
    bl_chain_reg_clear(&w->reg);
}

/* The exit reason crm_mon shows; the first cause an action finds is the one it reports. */
static void set_reason(struct bl_agent *a, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
set_reason(struct bl_agent *a, const char *fmt, ...)
{
    va_list ap;

    if (a->exit_reason != NULL) {
        return;
    }
    va_start(ap, fmt);
    a->exit_reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* Log a report of one problem a line, each with the resource's name, as errors; the first
 * problem is the exit reason, with a pointer to the log when there are more. \return rc */
static int
fail_lines(struct bl_agent *a, int rc, const char *what, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
    const char *first = NULL;
    size_t n = 0;

    for (size_t i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] != '\0') {
            qb_log(LOG_ERR, "%s: %s%s", a->instance, what, lines[i]);
            first = first != NULL ? first : lines[i];
            n++;
        }
    }
    if (n > 1) {
        set_reason(a, "%s%s (and %zu more: see the system log)", what, first, n - 1);
    } else {
        set_reason(a, "%s%s", what, first != NULL ? first : "failed (see the system log)");
    }
    return rc;
}

/* Load parameters and the configured chain; returns an OCF code. */
static int
load_config(struct bl_agent *a, struct work *w)
{
    g_autofree char *err = NULL;
    int rc = bl_chain_agent_parse_params(a, &w->volume, &w->defs, &err);

    if (rc != 0) {
        return fail_lines(a, BL_OCF_ERR_CONFIGURED, "invalid parameters: ", err);
    }
    rc = bl_chain_agent_load_chain(a, &w->defs, &w->chain, &err);
    if (rc != 0) {
        return fail_lines(a, rc == BL_E_INVALID ? BL_OCF_ERR_CONFIGURED : BL_OCF_ERR_INSTALLED, "",
                          err);
    }
    rc = bl_chain_agent_parse_registry(a, a->param, &w->reg, &err);
    if (rc != 0) {
        return fail_lines(a, rc == BL_E_INVALID ? BL_OCF_ERR_CONFIGURED : BL_OCF_ERR_INSTALLED,
                          "registry_profile: ", err);
    }
    return BL_OCF_SUCCESS;
}

/* For stop and monitor: what this node started if it still knows, else the configuration. */
static int
load_running(struct bl_agent *a, struct work *w)
{
    if (bl_chain_snapshot_read(a->run_dir, a->instance, &w->snap) == 0) {
        g_autofree char *err = NULL;
        w->mode = g_strcmp0(w->snap.mode, "FAILOVER") == 0 ? BL_START_FAILOVER : BL_START_NORMAL;
        if (bl_chain_agent_parse_registry(a, w->snap.param, &w->reg, &err) != 0) {
            /* the profile vanished since start: the chain itself is still fine */
            qb_log(LOG_WARNING, "%s: no capture of the rendered files: %s", a->instance, err);
            bl_chain_reg_clear(&w->reg);
        }
        return BL_OCF_SUCCESS;
    }
    return load_config(a, w);
}

static const struct bl_chain *
work_chain(const struct work *w)
{
    return w->snap.chain != NULL ? w->snap.chain : w->chain;
}

static const struct bl_volume *
work_volume(const struct work *w)
{
    return w->snap.chain != NULL ? &w->snap.volume : &w->volume;
}

static int64_t
action_deadline(const struct bl_agent *a)
{
    int margin;

    if (a->timeout_ms <= 0) {
        return 0;
    }
    /* leave time to roll back and report before Pacemaker gives up on us */
    margin = MIN(MAX(a->timeout_ms / 20, 1000), a->timeout_ms / 2);
    return bl_chain_mono_ms() + a->timeout_ms - margin;
}

static char **
member_env(const struct bl_agent *a, const struct bl_chain *chain, const struct bl_volume *v,
           enum bl_start_mode mode, const char *action)
{
    GPtrArray *env = g_ptr_array_new();

    g_ptr_array_add(env, g_strconcat("BMCLINK_START_MODE=", bl_chain_start_mode_name(mode), NULL));
    g_ptr_array_add(env, g_strconcat("BMCLINK_NODE=", a->node, NULL));
    g_ptr_array_add(env, g_strconcat("BMCLINK_RESOURCE=", a->instance, NULL));
    g_ptr_array_add(env, g_strconcat("BMCLINK_CHAIN=", chain->name, NULL));
    g_ptr_array_add(env, g_strconcat("BMCLINK_ACTION=", action, NULL));
    if (v->state_dir != NULL) {
        g_ptr_array_add(env, g_strconcat("BMCLINK_STATE_DIR=", v->state_dir, NULL));
    }
    g_ptr_array_add(env, NULL);
    return (char **) g_ptr_array_free(env, FALSE);
}

/* systemd units cannot inherit our environment; they read it with EnvironmentFile=. */
static void
write_env_file(const struct bl_agent *a, char **env)
{
    g_autofree char *path = bl_chain_snapshot_path(a->run_dir, a->instance, "env");
    g_autofree char *joined = g_strjoinv("\n", env);
    g_autofree char *text = g_strconcat(joined, "\n", NULL);
    int rc = bl_chain_file_write_atomic(path, text, strlen(text), 0644);

    if (rc != 0) {
        qb_log(LOG_WARNING, "%s: cannot write %s: %s", a->instance, path, bl_strerror(rc));
    }
}

static char *
record_path(const struct bl_agent *a, const struct bl_volume *v)
{
    g_autofree char *name = g_strconcat(a->instance, ".run", NULL);

    return g_build_filename(v->state_dir, RECORD_DIR, name, NULL);
}

/* Decide START or FAILOVER from the volume's record, then mark the chain running here. */
static int
record_start(struct bl_agent *a, const struct bl_volume *v, enum bl_start_mode *mode)
{
    g_autofree char *path = NULL;
    g_autofree char *snap = bl_chain_snapshot_path(a->run_dir, a->instance, "conf");
    struct bl_run_record rec = {0};
    int rc;

    *mode = BL_START_NORMAL;
    if (v->state_dir == NULL) {
        return 0;
    }
    path = record_path(a, v);
    rc = bl_chain_run_record_read(path, &rec);
    *mode = bl_chain_start_mode_decide(rc == 0 ? &rec : NULL, a->node,
                                       g_file_test(snap, G_FILE_TEST_EXISTS));
    if (rc == 0) {
        qb_log(LOG_INFO, "%s: last run on %s, %s: this start is %s", a->instance, rec.node,
               rec.running ? "not stopped cleanly" : "stopped cleanly",
               bl_chain_start_mode_name(*mode));
    }
    bl_chain_run_record_clear(&rec);
    rec = (struct bl_run_record){.node = a->node, .running = true, .mode = *mode};
    rc = bl_chain_run_record_write(path, &rec);
    if (rc != 0) {
        qb_log(LOG_ERR, "%s: cannot write %s: %s", a->instance, path, bl_strerror(rc));
        set_reason(a, "cannot write the run record %s on the volume: %s", path, bl_strerror(rc));
    }
    return rc;
}

/* Mark a clean stop, unless the record says another node runs the chain now. */
static void
record_stop(const struct bl_agent *a, const struct bl_volume *v, enum bl_start_mode mode)
{
    g_autofree char *path = NULL;
    struct bl_run_record rec = {0};
    int rc;

    if (v->state_dir == NULL) {
        return;
    }
    path = record_path(a, v);
    rc = bl_chain_run_record_read(path, &rec);
    if (rc == 0 && g_strcmp0(rec.node, a->node) == 0) {
        rec.running = false;
        rec.changed = 0;
        rec.mode = mode;
        rc = bl_chain_run_record_write(path, &rec);
        if (rc != 0) {
            qb_log(LOG_WARNING, "%s: cannot record the clean stop in %s: %s", a->instance, path,
                   bl_strerror(rc));
        }
    }
    bl_chain_run_record_clear(&rec);
}

static int
node_checks(struct bl_agent *a, const struct bl_chain *chain)
{
    g_autoptr(GString) problems = g_string_new(NULL);
    int rc = bl_chain_check(&a->sys, chain, problems);

    if (rc == 0) {
        return BL_OCF_SUCCESS;
    }
    return fail_lines(a, BL_OCF_ERR_INSTALLED, "", problems->str);
}

/* Below free_min or file system errors at start: said, not refused (the first monitor
 * reports them as degraded); full: refused. Then what start found is recorded for the monitors. */
static int
volume_space_and_id(struct bl_agent *a, struct bl_volume *v)
{
    g_autofree char *reason = NULL;
    enum bl_volume_health h = bl_volume_health(v, &reason);
    int rc;

    if (h != BL_VH_OK && !bl_volume_health_degraded(h)) {
        qb_log(LOG_ERR, "%s: refusing to start: %s", a->instance, reason);
        set_reason(a, "%s", reason);
        return BL_OCF_ERR_GENERIC;
    }
    if (h != BL_VH_OK) {
        qb_log(LOG_WARNING, "%s: %s", a->instance, reason);
    }
    rc = bl_volume_identify(v, &v->id);
    if (rc != 0) {
        qb_log(LOG_WARNING,
               "%s: the volume under %s not recorded (%s): monitors will not see it "
               "replaced",
               a->instance, v->state_dir, bl_strerror(rc));
    }
    return BL_OCF_SUCCESS;
}

/* Refuse a volume that is not mounted, not the configured one, read-only or full. */
static int
volume_ready(struct bl_agent *a, struct bl_volume *v)
{
    enum bl_volume_problem problem = BL_VOL_OK;
    g_autofree char *errmsg = NULL;
    int rc;

    if (v->state_dir == NULL) {
        return BL_OCF_SUCCESS;
    }
    rc = bl_volume_check(v, &problem, &errmsg);
    if (rc == 0) {
        rc = bl_volume_prepare(v, &errmsg);
        problem = rc == BL_E_STATE ? BL_VOL_NOT_DIR : BL_VOL_OK;
    }
    if (rc == 0) {
        return volume_space_and_id(a, v);
    }
    qb_log(LOG_ERR, "%s: refusing to start: %s", a->instance,
           errmsg != NULL ? errmsg : bl_strerror(rc));
    set_reason(a, "%s", errmsg != NULL ? errmsg : bl_strerror(rc));
    return problem == BL_VOL_NOT_DIR ? BL_OCF_ERR_CONFIGURED : BL_OCF_ERR_GENERIC;
}

static bool
running_here(struct bl_agent *a, const struct bl_chain *chain)
{
    g_autofree char *snap = bl_chain_snapshot_path(a->run_dir, a->instance, "conf");
    enum bl_chain_state state = BL_CHAIN_STOPPED;

    if (!g_file_test(snap, G_FILE_TEST_EXISTS)) {
        return false;
    }
    bl_chain_status(&a->sys, chain, 0, NULL, &state);
    return state == BL_CHAIN_RUNNING || state == BL_CHAIN_DEGRADED;
}

/* Undo the binds; with force_unbind, end what keeps one busy, and say whom. */
static int
unbind_folders(const struct bl_agent *a, const struct bl_volume *v, int timeout_ms, char **errmsg)
{
    g_autoptr(GString) ended = g_string_new(NULL);
    int rc = v->force_unbind ? bl_volume_unbind_force(v, timeout_ms, ended, errmsg)
                             : bl_volume_unbind(v, timeout_ms, errmsg);

    if (ended->len > 0) {
        qb_log(LOG_WARNING, "%s: bound folders still busy after the members stopped: sent %s",
               a->instance, ended->str);
    }
    return rc;
}

/* Undo a start that failed after the record was written. */
static void
abandon_start(struct bl_agent *a, const struct bl_volume *v, enum bl_start_mode mode)
{
    g_autofree char *errmsg = NULL;

    if (v->state_dir != NULL && unbind_folders(a, v, 10000, &errmsg) != 0) {
        qb_log(LOG_ERR, "%s: %s", a->instance, errmsg);
        return; /* keep the record "running": the next start here must not look clean */
    }
    record_stop(a, v, mode);
    bl_chain_snapshot_remove(a);
}

static int
start_members(struct bl_agent *a, struct work *w, int64_t deadline)
{
    g_auto(GStrv) env = member_env(a, w->chain, &w->volume, w->mode, "start");
    int failed = -1;
    int rc;

    write_env_file(a, env);
    a->sys.member_env = env;
    rc = bl_chain_start(&a->sys, w->chain, deadline, &failed);
    a->sys.member_env = NULL;
    if (rc == 0) {
        return BL_OCF_SUCCESS;
    }
    qb_log(LOG_ERR, "%s: chain %s not started: mandatory member %s failed (%s)", a->instance,
           w->chain->name, w->chain->members[failed].name, bl_strerror(rc));
    set_reason(a, "mandatory member %s failed to start (%s)", w->chain->members[failed].name,
               bl_strerror(rc));
    return (rc == -ENOENT || rc == -EACCES) ? BL_OCF_ERR_INSTALLED : BL_OCF_ERR_GENERIC;
}

/* Before anything is marked or bound: the replica must be in sync. */
static int
registry_wait(struct bl_agent *a, struct work *w, int64_t deadline)
{
    g_autofree char *errmsg = NULL;
    int64_t t0 = bl_chain_mono_ms();

    if (!bl_chain_reg_enabled(&w->reg)) {
        return BL_OCF_SUCCESS;
    }
    if (bl_chain_reg_wait(&w->reg, deadline, &errmsg) != 0) {
        qb_log(LOG_ERR, "%s: refusing to start chain %s on %s: %s", a->instance, w->chain->name,
               a->node, errmsg);
        set_reason(a, "registry: %s", errmsg);
        return BL_OCF_ERR_GENERIC;
    }
    qb_log(LOG_INFO, "%s: registry in sync on %s (%lld ms)", a->instance, a->node,
           (long long) (bl_chain_mono_ms() - t0));
    return BL_OCF_SUCCESS;
}

/* After the binds (a render file may lie in a bound folder), before the first member. */
static int
registry_render(struct bl_agent *a, struct work *w)
{
    g_autofree char *errmsg = NULL;

    if (!bl_chain_reg_enabled(&w->reg) || w->reg.render[0] == NULL) {
        return BL_OCF_SUCCESS;
    }
    if (bl_chain_reg_render(&w->reg, &errmsg) != 0) {
        qb_log(LOG_ERR, "%s: cannot render profile %s on %s: %s", a->instance, w->reg.profile_path,
               a->node, errmsg);
        set_reason(a, "cannot render registry profile %s: %s", w->reg.profile_path, errmsg);
        return BL_OCF_ERR_GENERIC;
    }
    qb_log(LOG_INFO, "%s: profile %s rendered into %s", a->instance, w->reg.profile_path,
           w->reg.render[0]);
    return BL_OCF_SUCCESS;
}

/* Record the programs' changes to the rendered files; failures are only logged. A monitor's
 * deferral or failure is retried at the next monitor; at stop a failure is not, a deferral
 * only until last. */
static int
registry_capture(const struct bl_agent *a, struct work *w, const char *when, bool at_stop,
                 bool last, bool *deferred)
{
    g_autofree char *errmsg = NULL;
    const char *lost = "not retried: lost when the chain starts again, here or elsewhere";
    size_t n = 0;

    *deferred = false;
    int rc = bl_chain_reg_capture(&w->reg, at_stop, &n, deferred, &errmsg);
    if (rc != 0) {
        qb_log(LOG_WARNING, "%s: %s: changes to the rendered files not recorded (%s): %s",
               a->instance, when, strcmp(when, "stop") == 0 ? lost : "retried at the next monitor",
               errmsg != NULL ? errmsg : bl_strerror(rc));
        return rc;
    }
    if (errmsg != NULL && *deferred && last) {
        qb_log(LOG_WARNING, "%s: %s: %s; gave up waiting, changes not recorded (%s)", a->instance,
               when, errmsg, lost);
    } else if (errmsg != NULL) {
        qb_log(*deferred ? LOG_DEBUG : LOG_WARNING, "%s: %s: %s", a->instance, when, errmsg);
    }
    if (n > 0) {
        qb_log(LOG_NOTICE, "%s: %s: %zu changes to the rendered files recorded in the registry",
               a->instance, when, n);
    }
    return 0;
}

/* The capture at stop, after the members: with all of them stopped, without the settle
 * time (nothing writes any more); with one still running, with it. No monitor follows a
 * stop, so a deferred capture is tried again here, for at most the settle time plus 1 s
 * and never past the stop's deadline. */
static void
registry_capture_at_stop(const struct bl_agent *a, struct work *w, bool all_stopped,
                         int64_t deadline)
{
    int64_t until = bl_chain_mono_ms() + (int64_t) w->reg.settle_ms + 1000;
    bool deferred = false;

    if (!bl_chain_reg_enabled(&w->reg)) {
        return;
    }
    until = deadline != 0 ? MIN(until, deadline) : until;
    for (unsigned tries = 1;; tries++) {
        bool last = bl_chain_mono_ms() + 100 >= until;
        if (registry_capture(a, w, "stop", all_stopped, last, &deferred) != 0 || !deferred ||
            last) {
            return;
        }
        qb_log(LOG_DEBUG, "%s: stop: capture deferred (try %u), trying again", a->instance, tries);
        g_usleep(100 * 1000);
    }
}

static int
action_start(struct bl_agent *a, struct work *w)
{
    int64_t t0 = bl_chain_mono_ms();
    int64_t deadline = action_deadline(a);
    g_autofree char *errmsg = NULL;
    int rc = load_config(a, w);

    rc = rc == BL_OCF_SUCCESS ? node_checks(a, w->chain) : rc;
    if (rc != BL_OCF_SUCCESS || running_here(a, w->chain)) {
        return rc;
    }
    rc = registry_wait(a, w, deadline);
    rc = rc == BL_OCF_SUCCESS ? volume_ready(a, &w->volume) : rc;
    if (rc != BL_OCF_SUCCESS) {
        return rc;
    }
    if (record_start(a, &w->volume, &w->mode) != 0) {
        return BL_OCF_ERR_GENERIC;
    }
    rc = bl_chain_snapshot_write(a, w->chain, w->mode, &w->volume.id);
    if (rc != 0) {
        qb_log(LOG_ERR, "%s: cannot save what starts under %s: %s", a->instance, a->run_dir,
               bl_strerror(rc));
        set_reason(a, "cannot write under %s (HA_RSCTMP): %s", a->run_dir, bl_strerror(rc));
        return BL_OCF_ERR_GENERIC;
    }
    if (w->volume.n_folders > 0 && bl_volume_bind(&w->volume, &errmsg) != 0) {
        qb_log(LOG_ERR, "%s: %s", a->instance, errmsg);
        set_reason(a, "%s", errmsg);
        abandon_start(a, &w->volume, w->mode);
        return BL_OCF_ERR_GENERIC;
    }
    rc = registry_render(a, w);
    rc = rc == BL_OCF_SUCCESS ? start_members(a, w, deadline) : rc;
    if (rc != BL_OCF_SUCCESS) {
        abandon_start(a, &w->volume, w->mode);
        return rc;
    }
    qb_log(LOG_NOTICE, "%s: chain %s started on %s as %s (%zu members, %lld ms)", a->instance,
           w->chain->name, a->node, bl_chain_start_mode_name(w->mode), w->chain->n_members,
           (long long) (bl_chain_mono_ms() - t0));
    return BL_OCF_SUCCESS;
}

static int
action_stop(struct bl_agent *a, struct work *w)
{
    int64_t deadline = action_deadline(a);
    g_autofree char *errmsg = NULL;
    g_auto(GStrv) env = NULL;
    int rc = load_running(a, w);

    if (rc != BL_OCF_SUCCESS) {
        /* Never started here and not loadable: nothing this node knows of runs. */
        qb_log(LOG_WARNING, "%s: configuration unusable; nothing known to stop", a->instance);
        return BL_OCF_SUCCESS;
    }
    env = member_env(a, work_chain(w), work_volume(w), w->mode, "stop");
    a->sys.member_env = env;
    rc = bl_chain_stop(&a->sys, work_chain(w), deadline);
    a->sys.member_env = NULL;
    /* after the members: what they write while stopping is part of the checkpoint; only
     * for a chain this node rendered (a snapshot), not for a stop of nothing */
    if (w->snap.chain != NULL) {
        registry_capture_at_stop(a, w, rc == 0, deadline);
    }
    if (rc != 0) {
        qb_log(LOG_ERR, "%s: chain %s: a member is still running; the folders stay bound",
               a->instance, work_chain(w)->name);
        set_reason(a,
                   "a member of chain %s survived stop (see the system log for which); "
                   "the folders stay bound",
                   work_chain(w)->name);
        return BL_OCF_ERR_GENERIC;
    }
    rc = unbind_folders(a, work_volume(w),
                        deadline != 0 ? (int) (deadline - bl_chain_mono_ms()) : 10000, &errmsg);
    if (rc != 0) {
        qb_log(LOG_ERR, "%s: %s", a->instance, errmsg);
        set_reason(a, "%s", errmsg);
        return BL_OCF_ERR_GENERIC;
    }
    record_stop(a, work_volume(w), w->mode);
    bl_chain_snapshot_remove(a);
    return BL_OCF_SUCCESS;
}

static void
log_down(struct bl_agent *a, const struct bl_chain *chain, const enum bl_member_state *states,
         bool optional)
{
    for (size_t i = 0; i < chain->n_members; i++) {
        if (states[i] != BL_MEMBER_RUNNING && chain->members[i].optional == optional) {
            const char *kind = optional ? "optional" : "mandatory";
            const char *state = bl_chain_member_state_name(states[i]);
            qb_log(optional ? LOG_WARNING : LOG_ERR, "%s: %s member %s is %s", a->instance, kind,
                   chain->members[i].name, state);
            set_reason(a, "%s member %s is %s", kind, chain->members[i].name, state);
        }
    }
}

static bool
binds_in_place(struct bl_agent *a, const struct bl_volume *v)
{
    for (size_t i = 0; i < v->n_folders; i++) {
        if (bl_volume_bind_state(v, i) != BL_BIND_BOUND) {
            qb_log(LOG_ERR, "%s: folder %s is not bound from %s/%s", a->instance,
                   v->folders[i].path, v->state_dir, v->folders[i].name);
            set_reason(a, "folder %s is not bound from the volume", v->folders[i].path);
            return false;
        }
    }
    return true;
}

/* The volume under a running chain: 0, degraded (low on space) or failed. */
static int
volume_monitor(struct bl_agent *a, const struct bl_volume *v)
{
    g_autofree char *reason = NULL;
    enum bl_volume_health h;

    if (v->state_dir == NULL) {
        return BL_OCF_SUCCESS;
    }
    h = bl_volume_health(v, &reason);
    if (h == BL_VH_OK) {
        return BL_OCF_SUCCESS;
    }
    qb_log(bl_volume_health_degraded(h) ? LOG_WARNING : LOG_ERR, "%s: %s", a->instance, reason);
    set_reason(a, "%s", reason);
    return bl_volume_health_degraded(h) ? BL_OCF_DEGRADED : BL_OCF_ERR_GENERIC;
}

static int
action_monitor(struct bl_agent *a, struct work *w)
{
    const struct bl_chain *chain;
    g_autofree enum bl_member_state *states = NULL;
    enum bl_chain_state state = BL_CHAIN_STOPPED;
    int vol = BL_OCF_SUCCESS;
    int rc = load_running(a, w);

    if (rc != BL_OCF_SUCCESS && a->interval_ms == 0 && rc == BL_OCF_ERR_INSTALLED) {
        /* A probe on a node without the chain file: it cannot be running here. */
        g_clear_pointer(&a->exit_reason, g_free);
        return BL_OCF_NOT_RUNNING;
    }
    if (rc != BL_OCF_SUCCESS) {
        return rc;
    }
    chain = work_chain(w);
    states = g_new0(enum bl_member_state, chain->n_members);
    bl_chain_status(&a->sys, chain, a->depth, states, &state);
    /* the volume first: unmounted, it also unbinds nothing but shows every folder unbound */
    if (state != BL_CHAIN_STOPPED && w->snap.chain != NULL) {
        vol = volume_monitor(a, &w->snap.volume);
    }
    if (vol == BL_OCF_ERR_GENERIC) {
        return vol;
    }
    if (state != BL_CHAIN_STOPPED && w->snap.chain != NULL && !binds_in_place(a, &w->snap.volume)) {
        return BL_OCF_ERR_GENERIC;
    }
    if (state != BL_CHAIN_STOPPED && w->snap.chain != NULL && bl_chain_reg_enabled(&w->reg)) {
        bool deferred = false;
        registry_capture(a, w, "monitor", false, false, &deferred);
    }
    switch (state) {
        case BL_CHAIN_RUNNING:
            return vol;
        case BL_CHAIN_DEGRADED:
            log_down(a, chain, states, true);
            return BL_OCF_DEGRADED;
        case BL_CHAIN_FAILED:
            log_down(a, chain, states, false);
            return BL_OCF_ERR_GENERIC;
        default:
            if (a->interval_ms > 0) {
                set_reason(a, "no member of chain %s runs on this node", chain->name);
            }
            return BL_OCF_NOT_RUNNING;
    }
}

/* The chain's profile lists the folders the vendor's guide keeps on the shared disk
 * ([folder] sections): one the folders parameter does not bind would stay per node, and a
 * failover would lose what it holds. Said, not refused: the site decides. */
static void
warn_unbound_folders(const struct bl_agent *a, const struct work *w)
{
    for (size_t i = 0; i < w->chain->n_folders; i++) {
        const struct bl_chain_folder *f = &w->chain->folders[i];
        bool bound = f->optional;
        for (size_t j = 0; j < w->volume.n_folders && !bound; j++) {
            bound = strcmp(w->volume.folders[j].name, f->name) == 0;
        }
        if (!bound) {
            qb_log(LOG_WARNING,
                   "%s: chain %s keeps folder '%s' (%s) on the shared volume, but the folders "
                   "parameter does not bind it",
                   a->instance, w->chain->name, f->name, f->path != NULL ? f->path : "no path");
        }
    }
}

static int
action_validate(struct bl_agent *a, struct work *w)
{
    enum bl_volume_problem problem = BL_VOL_OK;
    g_autofree char *errmsg = NULL;
    int rc = load_config(a, w);

    if (rc == BL_OCF_SUCCESS) {
        warn_unbound_folders(a, w);
    }
    rc = rc == BL_OCF_SUCCESS ? node_checks(a, w->chain) : rc;
    if (rc != BL_OCF_SUCCESS || w->volume.state_dir == NULL) {
        return rc;
    }
    /* The volume may well be mounted on another node now: only what is wrong everywhere
     * (state_dir not a directory) fails validation. */
    if (bl_volume_check(&w->volume, &problem, &errmsg) != 0) {
        qb_log(problem == BL_VOL_NOT_DIR ? LOG_ERR : LOG_INFO, "%s: %s", a->instance,
               errmsg != NULL ? errmsg : "state_dir not checked");
    }
    if (problem == BL_VOL_NOT_DIR) {
        set_reason(a, "%s", errmsg != NULL ? errmsg : "state_dir is not a directory");
    }
    return problem == BL_VOL_NOT_DIR ? BL_OCF_ERR_CONFIGURED : BL_OCF_SUCCESS;
}

/* Only reloadable parameters changed (member timeouts): new timeouts for the running chain. */
static int
action_reload(struct bl_agent *a, struct work *w)
{
    int rc = load_config(a, w);

    if (rc != BL_OCF_SUCCESS) {
        return rc;
    }
    if (bl_chain_snapshot_read(a->run_dir, a->instance, &w->snap) != 0) {
        return BL_OCF_SUCCESS; /* not running here: the next start reads the new values */
    }
    if (!bl_chain_same_members(w->snap.chain, w->chain)) {
        qb_log(LOG_WARNING,
               "%s: chain %s's members changed since it started; restart the "
               "resource to apply that (timeouts not reloaded)",
               a->instance, w->chain->name);
        return BL_OCF_SUCCESS;
    }
    rc = bl_chain_snapshot_write(
        a, w->chain, g_strcmp0(w->snap.mode, "FAILOVER") == 0 ? BL_START_FAILOVER : BL_START_NORMAL,
        &w->snap.volume.id);
    qb_log(rc == 0 ? LOG_INFO : LOG_ERR, "%s: member timeouts reloaded%s", a->instance,
           rc == 0 ? "" : " but not saved");
    if (rc != 0) {
        set_reason(a, "new member timeouts not saved under %s (HA_RSCTMP): %s", a->run_dir,
                   bl_strerror(rc));
    }
    return rc == 0 ? BL_OCF_SUCCESS : BL_OCF_ERR_GENERIC;
}

static const struct {
    const char *name;
    int (*run)(struct bl_agent *a, struct work *w);
} actions[] = {
    {"start", action_start},           {"stop", action_stop},           {"monitor", action_monitor},
    {"validate-all", action_validate}, {"reload-agent", action_reload},
};

int
bl_chain_agent_run(struct bl_agent *a, const char *action)
{
    struct work w = {0};
    int rc = BL_OCF_ERR_UNIMPLEMENTED;

    if (strcmp(action, "meta-data") == 0) {
        bl_chain_agent_meta_data(stdout);
        return BL_OCF_SUCCESS;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        if (strcmp(action, actions[i].name) == 0) {
            rc = actions[i].run(a, &w);
            break;
        }
    }
    work_clear(&w);
    if (rc == BL_OCF_ERR_UNIMPLEMENTED) {
        set_reason(a, "action '%s' is not implemented (see the agent's meta-data)", action);
    }
    /* Every path above sets its own cause; this is the net for one a change forgets. */
    if (rc != BL_OCF_SUCCESS && rc != BL_OCF_NOT_RUNNING) {
        set_reason(a, "%s failed (OCF code %d): see the system log for %s", action, rc,
                   a->instance);
    }
    if (rc == BL_OCF_SUCCESS) {
        g_clear_pointer(&a->exit_reason, g_free); /* e.g. a stop of a chain it cannot load */
    }
    return rc;
}
