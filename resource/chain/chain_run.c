#include "chain_run.h"

#include "bl_log.h"
#include "bl_result.h"
#include "chain_proc.h"

#include <errno.h>

#define POLL_FIRST_MS 2
#define POLL_MAX_MS 100
#define PROBE_TIMEOUT_MS 1000
#define CHECK_TIMEOUT_MS 10000
#define STOP_RESERVE_MS 500 /* kept for each later member when the deadline is close */

const char *
bl_chain_state_name(enum bl_chain_state state)
{
    static const char *const names[] = {"stopped", "running", "degraded", "failed"};

    return (state >= 0 && state <= BL_CHAIN_FAILED) ? names[state] : "unknown";
}

const char *
bl_chain_member_state_name(enum bl_member_state state)
{
    static const char *const names[] = {"stopped", "running", "failed"};

    return (state >= 0 && state <= BL_MEMBER_FAILED) ? names[state] : "unknown";
}

static const struct bl_member_ops *
ops_of(const struct bl_chain_sys *sys, const struct bl_chain_member *m)
{
    return sys->kinds[m->kind];
}

static int64_t
min_deadline(int64_t a, int64_t b)
{
    return (b != 0 && b < a) ? b : a;
}

static int
left_ms(int64_t deadline)
{
    int64_t left = deadline - bl_chain_mono_ms();

    return left > 0 ? (int) MIN(left, INT32_MAX) : 0;
}

static enum bl_member_state
member_state(const struct bl_chain_sys *sys, const struct bl_chain_member *m)
{
    enum bl_member_state state = BL_MEMBER_FAILED;

    ops_of(sys, m)->status(sys, &m, 1, &state);
    return state;
}

static int
run_check(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms)
{
    struct bl_exec_res res = {0};
    int rc = bl_chain_kind_run(sys, m->check, NULL, timeout_ms, &res);

    return bl_chain_kind_run_result(rc, &res, m->check[0], NULL);
}

/* Whether a running member also passes its readiness check. */
static bool
member_ready(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms)
{
    switch (m->ready) {
        case BL_READY_TCP:
            return bl_chain_tcp_probe(m->host, m->port, MIN(timeout_ms, PROBE_TIMEOUT_MS)) == 0;
        case BL_READY_COMMAND:
            return run_check(sys, m, MIN(timeout_ms, CHECK_TIMEOUT_MS)) == 0;
        default:
            return true;
    }
}

/* Poll until the member is running and ready, it dies after having run, or deadline. */
static int
wait_ready(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int64_t deadline)
{
    int delay = POLL_FIRST_MS;
    bool seen_alive = false;

    for (;;) {
        if (member_state(sys, m) == BL_MEMBER_RUNNING) {
            seen_alive = true;
            if (member_ready(sys, m, MAX(left_ms(deadline), 1))) {
                return 0;
            }
        } else if (seen_alive) {
            return BL_E_STATE;
        }
        if (left_ms(deadline) == 0) {
            return BL_E_TIMEOUT;
        }
        bl_chain_sleep_ms(MIN(delay, left_ms(deadline)));
        delay = MIN(delay * 2, POLL_MAX_MS);
    }
}

static int
stop_member(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms)
{
    g_autofree char *errmsg = NULL;
    int64_t t0 = bl_chain_mono_ms();
    int rc = ops_of(sys, m)->stop(sys, m, timeout_ms, &errmsg);

    if (rc != 0) {
        qb_log(LOG_ERR, "member %s (%s) did not stop: %s", m->name,
               bl_chain_member_kind_name(m->kind), errmsg != NULL ? errmsg : bl_strerror(rc));
    } else {
        qb_log(LOG_INFO, "member %s stopped (%lld ms)", m->name,
               (long long) (bl_chain_mono_ms() - t0));
    }
    return rc;
}

static int status_by_kind(const struct bl_chain_sys *sys, const struct bl_chain *chain,
                          enum bl_member_state *states);

/* Stop members [0, upto) in reverse, each within its own stop timeout. Members found cleanly
 * stopped by one status pass (one systemctl for all units) are not asked again. */
static int
stop_range(const struct bl_chain_sys *sys, const struct bl_chain *chain, size_t upto,
           int64_t deadline)
{
    g_autofree enum bl_member_state *states = g_new0(enum bl_member_state, chain->n_members);
    bool known = status_by_kind(sys, chain, states) == 0;
    int first = 0;

    for (size_t i = upto; i-- > 0;) {
        const struct bl_chain_member *m = &chain->members[i];
        if (known && states[i] == BL_MEMBER_STOPPED) {
            qb_log(LOG_DEBUG, "member %s is not running", m->name);
            continue;
        }
        int timeout = (int) m->stop_timeout_ms;
        if (deadline != 0) {
            /* keep a little time for each member still to stop after this one */
            int budget = left_ms(deadline) - (int) (i * STOP_RESERVE_MS);
            timeout = MAX(MIN(timeout, budget), 100);
        }
        int rc = stop_member(sys, m, timeout);
        first = first != 0 ? first : rc;
    }
    return first;
}

static int
start_member(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int64_t deadline)
{
    g_autofree char *errmsg = NULL;
    int64_t t0 = bl_chain_mono_ms();
    int64_t until = min_deadline(t0 + m->start_timeout_ms, deadline);
    int rc = ops_of(sys, m)->start(sys, m, left_ms(until), &errmsg);

    if (rc == 0) {
        rc = wait_ready(sys, m, until);
        if (rc != 0 && errmsg == NULL) {
            errmsg = g_strdup_printf(rc == BL_E_TIMEOUT ? "not ready (%s) within %u ms"
                                                        : "died while starting (%s, %u ms)",
                                     bl_chain_ready_kind_name(m->ready), m->start_timeout_ms);
        }
    }
    if (rc == 0) {
        qb_log(LOG_INFO, "member %s ready (%lld ms)", m->name,
               (long long) (bl_chain_mono_ms() - t0));
        return 0;
    }
    qb_log(m->optional ? LOG_WARNING : LOG_ERR, "%s member %s (%s) failed to start: %s",
           m->optional ? "optional" : "mandatory", m->name, bl_chain_member_kind_name(m->kind),
           errmsg != NULL ? errmsg : bl_strerror(rc));
    /* Whatever half-started must go before we skip it or roll back. */
    stop_member(sys, m, (int) m->stop_timeout_ms);
    return rc;
}

/* Act on the [outside] entries that have a hook at this point, in file order. They are the
 * node's own services (the guide: "may not exist"), not the chain's: a failure is logged and
 * never fails the chain. */
static void
run_hooks(const struct bl_chain_sys *sys, const struct bl_chain *chain, enum bl_hook h,
          int64_t deadline)
{
    for (size_t i = 0; i < chain->n_outside; i++) {
        const struct bl_chain_member *o = &chain->outside[i];
        g_autofree char *errmsg = NULL;
        if (o->hook[h] == NULL) {
            continue;
        }
        bool start = g_str_has_prefix(o->hook[h], "start");
        int timeout = (int) (start ? o->start_timeout_ms : o->stop_timeout_ms);
        if (deadline != 0) {
            timeout = MAX(MIN(timeout, left_ms(deadline)), 100);
        }
        int rc = start ? ops_of(sys, o)->start(sys, o, timeout, &errmsg)
                       : ops_of(sys, o)->stop(sys, o, timeout, &errmsg);
        if (rc == 0) {
            qb_log(LOG_INFO, "outside service %s: %s done", o->name, start ? "start" : "stop");
        } else {
            qb_log(LOG_WARNING, "outside service %s: %s failed (the chain goes on): %s", o->name,
                   start ? "start" : "stop", errmsg != NULL ? errmsg : bl_strerror(rc));
        }
    }
}

int
bl_chain_start(const struct bl_chain_sys *sys, const struct bl_chain *chain, int64_t deadline,
               int *failed)
{
    if (failed != NULL) {
        *failed = -1;
    }
    run_hooks(sys, chain, BL_HOOK_BEFORE_START, deadline);
    for (size_t i = 0; i < chain->n_members; i++) {
        const struct bl_chain_member *m = &chain->members[i];
        int rc = start_member(sys, m, deadline);
        if (rc == 0) {
            continue;
        }
        if (m->optional) {
            qb_log(LOG_WARNING, "optional member %s skipped; chain %s continues degraded", m->name,
                   chain->name);
            continue;
        }
        if (failed != NULL) {
            *failed = (int) i;
        }
        qb_log(LOG_ERR, "chain %s: stopping the %zu member(s) before %s", chain->name, i, m->name);
        stop_range(sys, chain, i, 0);
        return rc;
    }
    run_hooks(sys, chain, BL_HOOK_AFTER_START, deadline);
    return 0;
}

int
bl_chain_stop(const struct bl_chain_sys *sys, const struct bl_chain *chain, int64_t deadline)
{
    int rc;

    run_hooks(sys, chain, BL_HOOK_BEFORE_STOP, deadline);
    rc = stop_range(sys, chain, chain->n_members, deadline);
    run_hooks(sys, chain, BL_HOOK_AFTER_STOP, deadline);
    return rc;
}

/* The chain's members of one kind, in chain order, into batch; returns how many. */
static size_t
members_of_kind(const struct bl_chain *chain, int kind, const struct bl_chain_member **batch)
{
    size_t n = 0;

    for (size_t i = 0; i < chain->n_members; i++) {
        if (chain->members[i].kind == (enum bl_member_kind) kind) {
            batch[n++] = &chain->members[i];
        }
    }
    return n;
}

/* Batch the status calls per kind: one systemctl for every systemd member. */
static int
status_by_kind(const struct bl_chain_sys *sys, const struct bl_chain *chain,
               enum bl_member_state *states)
{
    g_autofree const struct bl_chain_member **batch =
        g_new0(const struct bl_chain_member *, chain->n_members);
    g_autofree enum bl_member_state *out = g_new0(enum bl_member_state, chain->n_members);
    int first = 0;

    for (int kind = 0; kind < BL_KIND_COUNT; kind++) {
        size_t n = members_of_kind(chain, kind, batch);
        if (n == 0) {
            continue;
        }
        int rc = sys->kinds[kind]->status(sys, batch, n, out);
        first = first != 0 ? first : rc;
        for (size_t i = 0, j = 0; i < chain->n_members; i++) {
            if (chain->members[i].kind == (enum bl_member_kind) kind) {
                states[i] = out[j++];
            }
        }
    }
    return first;
}

static enum bl_chain_state
overall_state(const struct bl_chain *chain, const enum bl_member_state *states)
{
    bool any = false;
    bool mandatory_down = false;
    bool optional_down = false;

    for (size_t i = 0; i < chain->n_members; i++) {
        bool up = states[i] == BL_MEMBER_RUNNING;
        any = any || up;
        mandatory_down = mandatory_down || (!up && !chain->members[i].optional);
        optional_down = optional_down || (!up && chain->members[i].optional);
    }
    if (!any) {
        return BL_CHAIN_STOPPED;
    }
    if (mandatory_down) {
        return BL_CHAIN_FAILED;
    }
    return optional_down ? BL_CHAIN_DEGRADED : BL_CHAIN_RUNNING;
}

int
bl_chain_status(const struct bl_chain_sys *sys, const struct bl_chain *chain, int depth,
                enum bl_member_state *states, enum bl_chain_state *overall)
{
    g_autofree enum bl_member_state *own = NULL;
    int rc;

    if (states == NULL) {
        states = own = g_new0(enum bl_member_state, chain->n_members);
    }
    rc = status_by_kind(sys, chain, states);
    for (size_t i = 0; i < chain->n_members; i++) {
        const struct bl_chain_member *m = &chain->members[i];
        bool probe = m->ready == BL_READY_TCP ||
                     (m->ready == BL_READY_COMMAND && depth >= BL_CHAIN_DEPTH_CHECKS);
        if (states[i] == BL_MEMBER_RUNNING && probe && !member_ready(sys, m, PROBE_TIMEOUT_MS)) {
            qb_log(LOG_WARNING, "member %s is running but its %s check fails", m->name,
                   bl_chain_ready_kind_name(m->ready));
            states[i] = BL_MEMBER_FAILED;
        }
    }
    *overall = overall_state(chain, states);
    return rc;
}

int
bl_chain_check(const struct bl_chain_sys *sys, const struct bl_chain *chain, GString *problems)
{
    g_autofree const struct bl_chain_member **batch =
        g_new0(const struct bl_chain_member *, chain->n_members);
    int worst = 0;

    for (int kind = 0; kind < BL_KIND_COUNT; kind++) {
        size_t n = members_of_kind(chain, kind, batch);
        int rc = n > 0 ? sys->kinds[kind]->check(sys, batch, n, problems) : 0;
        worst = (worst == -ENOENT || rc == 0) ? worst : rc;
    }
    return worst;
}
