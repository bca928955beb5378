/*
 * fence_bmclink's actions over the synchronous IPMI wrapper.
 */
#include "bl_fence.h"
#include "bl_ipmi_sync.h"
#include "bl_result.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qb/qblog.h>

extern char **environ;

#define BL_SCRIPT_OUT_MAX 4096
#define BL_POLL_FIRST_MS 50u
#define BL_RETRY_PAUSE_MS 250u

struct bl_fence_run {
    struct bl_fence_config *cfg;
    struct bl_ipmi_sync sy;
    FILE *out;
    char peer[BL_IPMI_HOST_MAX + 16];
};

/* ---------------------------------------------------------------------------------- */
/* Password script.                                                                    */

static int
bl_spawn_script(const char *script, int *out_fd, pid_t *pid)
{
    char *argv[] = {"/bin/sh", "-c", (char *) script, NULL};
    posix_spawn_file_actions_t fa;
    int fds[2];
    int rc;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -errno;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    rc = posix_spawn(pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -rc;
    }
    *out_fd = fds[0];
    return BL_OK;
}

/* Read the script's output until EOF, the cap or the deadline. */
static int
bl_read_script(int fd, char *buf, size_t cap, size_t *len, gint64 deadline)
{
    *len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int) MIN(left, G_MAXINT)) == 0) {
            return BL_E_TIMEOUT;
        }
        n = read(fd, buf + *len, cap - *len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n == 0 ? BL_OK : -errno;
        }
        *len += (size_t) n;
        if (*len == cap) {
            return BL_E_INVALID;
        }
    }
}

static int
bl_script_password(struct bl_fence_config *cfg, const char *buf, size_t len, char *err,
                   size_t errlen)
{
    size_t max = cfg->ipmi.lanplus ? BL_IPMI_PASSWORD_MAX : BL_IPMI_PASSWORD15_MAX;

    while (len > 0 && g_ascii_isspace(buf[len - 1])) {
        len--;
    }
    if (len > max || memchr(buf, '\0', len) != NULL) {
        snprintf(err, errlen, "Failed: password_script printed more than %zu bytes", max);
        return BL_E_INVALID;
    }
    memcpy(cfg->ipmi.password, buf, len);
    cfg->ipmi.password[len] = '\0';
    cfg->have_password = true;
    return BL_OK;
}

int
bl_fence_load_password(struct bl_fence_config *cfg, unsigned int timeout_ms, char *err,
                       size_t errlen)
{
    char buf[BL_SCRIPT_OUT_MAX];
    size_t len = 0;
    int status = 0;
    int fd = -1;
    pid_t pid;
    int rc;

    if (cfg->password_script == NULL) {
        return BL_OK;
    }
    rc = bl_spawn_script(cfg->password_script, &fd, &pid);
    if (rc != BL_OK) {
        snprintf(err, errlen, "Failed: cannot run password_script: %s", bl_strerror(rc));
        return rc;
    }
    rc = bl_read_script(fd, buf, sizeof(buf), &len,
                        g_get_monotonic_time() + (gint64) timeout_ms * 1000);
    close(fd);
    if (rc != BL_OK) {
        kill(pid, SIGKILL); /* our own child, by its pid */
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (rc == BL_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        rc = BL_E_INVALID;
    }
    if (rc == BL_OK) {
        rc = bl_script_password(cfg, buf, len, err, errlen);
    } else {
        snprintf(err, errlen, "Failed: password_script %s",
                 rc == BL_E_TIMEOUT ? "did not finish in time" : "failed or printed too much");
    }
    explicit_bzero(buf, sizeof(buf));
    return rc;
}

/* ---------------------------------------------------------------------------------- */
/* Session.                                                                            */

unsigned int
bl_fence_budget_ms(const struct bl_fence_config *cfg)
{
    unsigned int phase = cfg->power_wait_s + cfg->power_timeout_s + cfg->shell_timeout_s;
    unsigned int s = cfg->delay_s + cfg->login_timeout_s + 4 * cfg->shell_timeout_s +
                     (2 + cfg->retry_on) * phase + 1;

    return s > 86400u ? 86400u * 1000u : s * 1000u;
}

/* What went wrong, in words that name the cause; \p tot is the traffic of every attempt. */
static void
bl_login_reason(int rc, const struct bl_ipmi_stats *tot, unsigned int attempts,
                unsigned int waited_s, char *buf, size_t cap)
{
    switch (rc) {
        case BL_E_AUTH:
            g_strlcpy(buf,
                      "authentication failed (check username, password, Kg and privilege "
                      "level)",
                      cap);
            return;
        case BL_E_PROTO:
            snprintf(buf, cap,
                     "every reply from the BMC was rejected (%u of %u: malformed, or not for "
                     "this session)",
                     tot->rejected, tot->rx_packets);
            return;
        case BL_E_UNSUPPORTED:
            g_strlcpy(buf,
                      "the BMC refused the cipher suite or offers no RMCP+ (see cipher, "
                      "lanplus)",
                      cap);
            return;
        case BL_E_WEAK_CRYPTO:
            g_strlcpy(buf,
                      "the BMC offers only cipher suites without integrity or "
                      "confidentiality (see cipher, allow_weak_crypto)",
                      cap);
            return;
        case BL_E_TIMEOUT:
            break;
        default:
            g_strlcpy(buf, bl_strerror(rc), cap);
            return;
    }
    if (tot->rx_packets == 0) {
        snprintf(buf, cap,
                 "no valid reply from the BMC in %u s (login_timeout) to %u request(s): wrong "
                 "address or port, BMC down, or its link lost",
                 waited_s, tot->tx_packets);
    } else {
        snprintf(buf, cap,
                 "session set-up timed out after %u s (login_timeout), %u attempt(s): the BMC "
                 "answered %u of %u request(s) (%u retransmitted), then fell silent: packets "
                 "lost, or the BMC stopped answering",
                 waited_s, attempts, tot->rx_packets, tot->tx_packets, tot->retransmits);
    }
}

static void
bl_stats_add(struct bl_ipmi_stats *tot, const struct bl_ipmi_stats *st)
{
    tot->tx_packets += st->tx_packets;
    tot->rx_packets += st->rx_packets;
    tot->retransmits += st->retransmits;
    tot->timeouts += st->timeouts;
    tot->rejected += st->rejected;
}

/* OpenIPMI gives up on a session after its own retries, which may be well before
 * login_timeout: lost set-up packets are retried with a new session while time is left.
 * Refusals (authentication, cipher) are final at once: retrying them could lock the
 * account on BMCs that count failed logins. */
static int
bl_fr_open_retrying(struct bl_fence_run *r, struct bl_ipmi_stats *tot, unsigned int *attempts)
{
    const struct bl_fence_config *cfg = r->cfg;
    gint64 end = g_get_monotonic_time() + (gint64) cfg->login_timeout_s * G_USEC_PER_SEC;
    int rc = BL_E_TIMEOUT;

    for (;;) {
        gint64 t0 = g_get_monotonic_time();
        gint64 left_ms = (end - t0) / 1000;

        if (left_ms <= 0 || bl_ipmi_sync_remaining_ms(&r->sy) == 0) {
            return rc;
        }
        (*attempts)++;
        rc = bl_ipmi_sync_open(&r->sy, &cfg->ipmi, (unsigned int) MIN(left_ms, G_MAXUINT));
        if (rc != BL_OK) {
            bl_stats_add(tot, &r->sy.failed);
        }
        if (rc != BL_E_TIMEOUT) {
            return rc;
        }
        if (g_get_monotonic_time() - t0 < BL_RETRY_PAUSE_MS * 1000) {
            /* a time-out that came at once: no hot loop of new sessions */
            (void) bl_ipmi_sync_sleep(&r->sy, BL_RETRY_PAUSE_MS);
        }
        qb_log(LOG_DEBUG, "session attempt %u to %s timed out; %lld ms of login_timeout left",
               *attempts, r->peer, (long long) ((end - g_get_monotonic_time()) / 1000));
    }
}

static int
bl_fr_login(struct bl_fence_run *r)
{
    struct bl_fence_config *cfg = r->cfg;
    struct bl_ipmi_stats st;
    struct bl_ipmi_stats tot = {0};
    unsigned int attempts = 0;
    char why[256];
    gint64 t0 = g_get_monotonic_time();
    int rc = bl_ipmi_resolve(cfg->ip, cfg->ipmi.host, sizeof(cfg->ipmi.host));

    snprintf(r->peer, sizeof(r->peer), "%s:%u", cfg->ip, (unsigned int) cfg->ipmi.port);
    if (rc != BL_OK) {
        qb_log(LOG_ERR, "Failed: Unable to connect/login to fencing device %s: cannot resolve %s",
               r->peer, cfg->ip);
        return rc;
    }
    qb_log(LOG_DEBUG, "opening %s session to %s (%s, privilege %s)",
           cfg->ipmi.lanplus ? "RMCP+" : "IPMI 1.5", r->peer,
           !cfg->ipmi.lanplus                        ? "MD5-or-weaker auth"
           : cfg->ipmi.cipher == BL_IPMI_CIPHER_AUTO ? "best cipher suite the BMC offers"
                                                     : "pinned cipher suite",
           bl_ipmi_priv_name(cfg->ipmi.priv));
    rc = bl_fr_open_retrying(r, &tot, &attempts);
    if (rc != BL_OK) {
        bl_login_reason(rc, &tot, attempts,
                        (unsigned int) ((g_get_monotonic_time() - t0 + 500000) / G_USEC_PER_SEC),
                        why, sizeof(why));
        qb_log(LOG_ERR, "Failed: Unable to connect/login to fencing device %s: %s", r->peer, why);
        return rc;
    }
    bl_ipmi_sync_stats(&r->sy, &st);
    qb_log(LOG_DEBUG,
           "session up after %.1f ms, %u request(s) sent, %u reply(ies), cipher suite %u",
           (double) (g_get_monotonic_time() - t0) / 1000.0, st.tx_packets, st.rx_packets,
           (unsigned int) st.cipher);
    return BL_OK;
}

static void
bl_fr_logout(struct bl_fence_run *r)
{
    struct bl_ipmi_stats st;

    bl_ipmi_sync_stats(&r->sy, &st);
    qb_log(LOG_DEBUG,
           "closing session to %s: %u packet(s) sent, %u received (%u rejected, %u "
           "retransmitted)",
           r->peer, st.tx_packets, st.rx_packets, st.rejected, st.retransmits);
    bl_ipmi_sync_close(&r->sy);
}

/* ---------------------------------------------------------------------------------- */
/* Power.                                                                              */

/* One IPMI request of the run; \p arg is what it needs. */
typedef int (*bl_fr_req_fn)(struct bl_fence_run *r, void *arg, uint8_t *cc,
                            unsigned int timeout_ms);

static int
bl_req_status(struct bl_fence_run *r, void *arg, uint8_t *cc, unsigned int timeout_ms)
{
    return bl_ipmi_sync_chassis_status(&r->sy, arg, cc, timeout_ms);
}

static int
bl_req_control(struct bl_fence_run *r, void *arg, uint8_t *cc, unsigned int timeout_ms)
{
    return bl_ipmi_sync_chassis_control(&r->sy, *(enum bl_ipmi_chassis_ctl *) arg, cc, timeout_ms);
}

/* A request bounded by shell_timeout. OpenIPMI stops retransmitting after about 7 s and
 * may drop the session (it brings it back by itself): a request harmless to repeat
 * (a read, power on, power off) is sent again while shell_timeout lasts. */
static int
bl_fr_ask(struct bl_fence_run *r, bl_fr_req_fn fn, void *arg, uint8_t *cc, bool repeatable)
{
    gint64 end = g_get_monotonic_time() + (gint64) r->cfg->shell_timeout_s * G_USEC_PER_SEC;
    int rc;

    for (;;) {
        gint64 left_ms = (end - g_get_monotonic_time()) / 1000;

        rc = fn(r, arg, cc, (unsigned int) CLAMP(left_ms, 1, G_MAXUINT));
        if (rc != BL_E_TIMEOUT || !repeatable || g_get_monotonic_time() >= end ||
            bl_ipmi_sync_remaining_ms(&r->sy) == 0) {
            return rc;
        }
        qb_log(LOG_DEBUG, "request to %s unanswered; asking again within shell_timeout", r->peer);
    }
}

/* "no reply ... within shell_timeout (N s)" or the code's own words. */
static void
bl_fr_reason(const struct bl_fence_run *r, int rc, const char *what, char *buf, size_t cap)
{
    if (rc == BL_E_TIMEOUT) {
        snprintf(buf, cap,
                 "no reply to %s within shell_timeout (%u s): the BMC's link is down or drops "
                 "packets",
                 what, r->cfg->shell_timeout_s);
    } else {
        g_strlcpy(buf, bl_strerror(rc), cap);
    }
}

static int
bl_fr_status(struct bl_fence_run *r, bool *on)
{
    struct bl_ipmi_chassis_status st;
    uint8_t cc = 0;
    int rc = bl_fr_ask(r, bl_req_status, &st, &cc, true);

    if (rc == BL_OK) {
        *on = st.power_on;
        qb_log(LOG_DEBUG, "Get Chassis Status: power %s%s%s", st.power_on ? "on" : "off",
               st.power_fault ? ", power fault" : "",
               st.power_control_fault ? ", power control fault" : "");
    } else if (rc == BL_E_BMC) {
        qb_log(LOG_DEBUG, "Get Chassis Status: %s (0x%02x)", bl_ipmi_cc_str(cc), cc);
    } else {
        qb_log(LOG_DEBUG, "Get Chassis Status: %s", bl_strerror(rc));
    }
    return rc;
}

static int
bl_fr_control(struct bl_fence_run *r, enum bl_ipmi_chassis_ctl ctl)
{
    uint8_t cc = 0;
    char why[160];
    int rc = bl_fr_ask(r, bl_req_control, &ctl, &cc,
                       ctl == BL_IPMI_CHASSIS_ON || ctl == BL_IPMI_CHASSIS_OFF);

    if (rc == BL_E_BMC) {
        qb_log(LOG_ERR, "Failed: %s refused %s: %s (0x%02x)", r->peer,
               bl_ipmi_chassis_ctl_name(ctl), bl_ipmi_cc_str(cc), cc);
    } else if (rc != BL_OK) {
        bl_fr_reason(r, rc, bl_ipmi_chassis_ctl_name(ctl), why, sizeof(why));
        qb_log(LOG_ERR, "Failed: %s for %s: %s", bl_ipmi_chassis_ctl_name(ctl), r->peer, why);
    } else {
        qb_log(LOG_DEBUG, "Chassis Control %s: accepted", bl_ipmi_chassis_ctl_name(ctl));
    }
    return rc;
}

/* Poll until the power reads back as wanted: at once, then 50 ms doubling up to
 * stonith_status_sleep, for at most power_timeout. No fixed sleeps. */
static int
bl_fr_confirm(struct bl_fence_run *r, bool want_on)
{
    const struct bl_fence_config *cfg = r->cfg;
    gint64 end;
    unsigned int pause = BL_POLL_FIRST_MS;
    unsigned int pause_max = MAX(cfg->status_sleep_s * 1000u, BL_POLL_FIRST_MS);

    if (cfg->power_wait_s > 0) {
        (void) bl_ipmi_sync_sleep(&r->sy, cfg->power_wait_s * 1000u);
    }
    end = g_get_monotonic_time() + (gint64) cfg->power_timeout_s * G_USEC_PER_SEC;
    for (;;) {
        bool on = !want_on;
        gint64 left;

        if (bl_fr_status(r, &on) == BL_OK && on == want_on) {
            return BL_OK;
        }
        left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0 || bl_ipmi_sync_remaining_ms(&r->sy) == 0) {
            return BL_E_STATE;
        }
        (void) bl_ipmi_sync_sleep(&r->sy, (unsigned int) MIN((gint64) pause, left));
        pause = MIN(pause * 2, pause_max);
    }
}

/* Chassis control then read-back, up to \p attempts times. */
static int
bl_fr_set_power(struct bl_fence_run *r, bool on, unsigned int attempts)
{
    int rc = BL_E_STATE;

    for (unsigned int i = 0; i < MAX(attempts, 1u); i++) {
        rc = bl_fr_control(r, on ? BL_IPMI_CHASSIS_ON : BL_IPMI_CHASSIS_OFF);
        if (rc == BL_OK) {
            rc = bl_fr_confirm(r, on);
        }
        if (rc == BL_OK || rc == BL_E_BMC) {
            break;
        }
    }
    return rc;
}

static int
bl_fr_status_or_fail(struct bl_fence_run *r, bool *on)
{
    int rc = bl_fr_status(r, on);
    char why[160];

    if (rc != BL_OK) {
        bl_fr_reason(r, rc, "Get Chassis Status", why, sizeof(why));
        qb_log(LOG_ERR,
               "Failed: Unable to obtain correct plug status or plug is not available: %s: %s",
               r->peer, why);
    }
    return rc;
}

/* Off is fencing: the power-down goes first, as ipmipower sends it, and one read confirms
 * it (a read before it would cost a round trip on every fence; a power-down of a chassis
 * that is already off is harmless). Only a BMC that refuses it is asked whether the
 * chassis was off already (-EALREADY). On keeps fence-agents' read first. */
static int
bl_power_down(struct bl_fence_run *r)
{
    bool on = true;
    int rc = bl_fr_set_power(r, false, 1);

    if (rc == BL_E_BMC && bl_fr_status(r, &on) == BL_OK && !on) {
        return -EALREADY; /* it was off already */
    }
    if (rc == BL_E_STATE) {
        qb_log(LOG_ERR, "Failed: Timed out waiting to power OFF");
    }
    return rc;
}

static int
bl_act_off(struct bl_fence_run *r)
{
    int rc = bl_power_down(r);

    if (rc != BL_OK && rc != -EALREADY) {
        return BL_FENCE_EXIT_ERROR;
    }
    fprintf(r->out, "Success: %s OFF\n", rc == BL_OK ? "Powered" : "Already");
    return BL_FENCE_EXIT_OK;
}

static int
bl_act_onoff(struct bl_fence_run *r, bool want_on)
{
    bool on = false;
    int rc;

    if (!want_on) {
        return bl_act_off(r);
    }
    rc = bl_fr_status_or_fail(r, &on);
    if (rc != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    if (on == want_on) {
        fprintf(r->out, "Success: Already %s\n", want_on ? "ON" : "OFF");
        return BL_FENCE_EXIT_OK;
    }
    rc = bl_fr_set_power(r, want_on, want_on ? 1 + r->cfg->retry_on : 1);
    if (rc == BL_E_STATE) {
        qb_log(LOG_ERR, "Failed: Timed out waiting to power %s", want_on ? "ON" : "OFF");
    }
    if (rc != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    fprintf(r->out, "Success: Powered %s\n", want_on ? "ON" : "OFF");
    return BL_FENCE_EXIT_OK;
}

/* The node is fenced once it is off; failing to bring it back is logged, not fatal,
 * exactly as fence-agents do. */
static int
bl_act_reboot_on(struct bl_fence_run *r)
{
    if (bl_fr_set_power(r, true, MAX(r->cfg->retry_on, 1u)) != BL_OK) {
        qb_log(LOG_ERR, "Timed out waiting to power ON");
    }
    fprintf(r->out, "Success: Rebooted\n");
    return BL_FENCE_EXIT_OK;
}

static int
bl_act_reboot(struct bl_fence_run *r)
{
    bool on = false;
    int rc;

    if (r->cfg->method != BL_FENCE_METHOD_CYCLE) {
        rc = bl_power_down(r); /* off first, no read before it: see bl_power_down */
        return rc == BL_OK || rc == -EALREADY ? bl_act_reboot_on(r) : BL_FENCE_EXIT_ERROR;
    }
    rc = bl_fr_status_or_fail(r, &on); /* a power cycle of an off chassis is refused */
    if (rc != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    if (on) {
        if (bl_fr_control(r, BL_IPMI_CHASSIS_CYCLE) != BL_OK) {
            return BL_FENCE_EXIT_ERROR;
        }
        if (bl_fr_confirm(r, true) != BL_OK) {
            qb_log(LOG_ERR, "Timed out waiting to power ON");
        }
        fprintf(r->out, "Success: Rebooted\n");
        return BL_FENCE_EXIT_OK;
    }
    return bl_act_reboot_on(r);
}

static int
bl_act_status(struct bl_fence_run *r, bool print)
{
    bool on = false;

    if (bl_fr_status_or_fail(r, &on) != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    if (!print) {
        return BL_FENCE_EXIT_OK; /* monitor: the device answers, on or off */
    }
    fprintf(r->out, "Status: %s\n", on ? "ON" : "OFF");
    return on ? BL_FENCE_EXIT_OK : BL_FENCE_EXIT_OFF;
}

static int
bl_act_diag(struct bl_fence_run *r)
{
    if (bl_fr_control(r, BL_IPMI_CHASSIS_DIAG) != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    fprintf(r->out, "Success: Diagnostic interrupt (NMI) sent\n");
    return BL_FENCE_EXIT_OK;
}

static int
bl_fr_dispatch(struct bl_fence_run *r)
{
    switch (r->cfg->action) {
        case BL_FENCE_ON:
            return bl_act_onoff(r, true);
        case BL_FENCE_OFF:
            return bl_act_onoff(r, false);
        case BL_FENCE_REBOOT:
            return bl_act_reboot(r);
        case BL_FENCE_STATUS:
            return bl_act_status(r, true);
        case BL_FENCE_MONITOR:
            return bl_act_status(r, false);
        case BL_FENCE_DIAG:
            return bl_act_diag(r);
        default:
            return BL_FENCE_EXIT_ERROR;
    }
}

/* Is this BMC the one of the node Pacemaker names? A BMC cannot say; bmclink.conf can.
 * Pacemaker's default host check asks "status" for each candidate device: only a device
 * that answers 0 or 2 is used, so status must fail unless the node is known to be ours. */
static int
bl_fr_check_target(const struct bl_fence_config *cfg)
{
    char mine[BL_IPMI_HOST_MAX + 1];
    char theirs[BL_IPMI_HOST_MAX + 1];

    if (cfg->nodename == NULL || cfg->port_as_ip || cfg->bmclink_conf == NULL) {
        return BL_OK; /* no target named, the plug is the address, or no lookup wanted */
    }
    if (cfg->node_bmc == NULL) {
        if (cfg->action != BL_FENCE_STATUS) {
            return BL_OK; /* ordered to act: as fence_ipmilan, on the device configured */
        }
        qb_log(LOG_ERR,
               "Failed: cannot tell whether %s is the BMC of %s: %s does not list the node; "
               "give the device pcmk_host_list or pcmk_host_map",
               cfg->ip, cfg->nodename, cfg->bmclink_conf);
        return BL_E_INVALID;
    }
    if (bl_ipmi_resolve(cfg->ip, mine, sizeof(mine)) == BL_OK &&
        bl_ipmi_resolve(cfg->node_bmc, theirs, sizeof(theirs)) == BL_OK &&
        strcmp(mine, theirs) == 0 && cfg->ipmi.port == cfg->node_bmc_port) {
        return BL_OK;
    }
    qb_log(LOG_ERR, "Failed: %s:%u is not the BMC of %s: %s gives that node %s:%u", cfg->ip,
           (unsigned int) cfg->ipmi.port, cfg->nodename, cfg->bmclink_conf, cfg->node_bmc,
           (unsigned int) cfg->node_bmc_port);
    return BL_E_INVALID;
}

static bool
bl_is_fencing(enum bl_fence_action a)
{
    return a == BL_FENCE_OFF || a == BL_FENCE_REBOOT;
}

int
bl_fence_run(struct bl_fence_config *cfg, const struct bl_ipmi_client *client, GMainContext *ctx,
             FILE *out)
{
    struct bl_fence_run r = {.cfg = cfg, .out = out};
    int ec;

    if (cfg->action == BL_FENCE_LIST || cfg->action == BL_FENCE_LIST_STATUS) {
        /* A BMC cannot name the node it powers: any answer would be made up. */
        qb_log(LOG_ERR,
               "Failed: %s is not supported: a BMC cannot tell which cluster node it "
               "powers; give the device pcmk_host_list or pcmk_host_map",
               bl_fence_action_name(cfg->action));
        return BL_FENCE_EXIT_ERROR;
    }
    if (cfg->action == BL_FENCE_VALIDATE_ALL) {
        return BL_FENCE_EXIT_OK;
    }
    if (bl_fr_check_target(cfg) != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    bl_ipmi_sync_init(&r.sy, client, ctx,
                      g_get_monotonic_time() + (gint64) bl_fence_budget_ms(cfg) * 1000);
    if (bl_is_fencing(cfg->action) && cfg->delay_s > 0) {
        qb_log(LOG_INFO, "Delay %u second(s) before logging in to the fence device", cfg->delay_s);
        (void) bl_ipmi_sync_sleep(&r.sy, cfg->delay_s * 1000u);
    }
    if (bl_fr_login(&r) != BL_OK) {
        return BL_FENCE_EXIT_ERROR;
    }
    ec = bl_fr_dispatch(&r);
    bl_fr_logout(&r);
    fflush(out);
    return ec;
}
