/*
 * bl_ipmi_ops on OpenIPMI's LAN connection layer, driven by a GLib main context.
 */
#include "bl_ipmi_lan.h"
#include "bl_ipmi_con.h"
#include "bl_ipmi_glib.h"
#include "bl_ipmi_probe.h"
#include "bl_ipmi_rakp256.h"
#include "bl_result.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <OpenIPMI/ipmi_auth.h>
#include <OpenIPMI/ipmi_conn.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_lan.h>
#include <OpenIPMI/ipmiif.h>
#include <qb/qblog.h>

/* Exported by libOpenIPMI but declared in no installed header. It drops the ATCA
 * connection probe (PICMG Get Address Info) that ipmi_init() registers for every new
 * connection: one wasted round trip per session on anything that is not an ATCA shelf. */
void ipmi_oem_atca_conn_shutdown(void);

struct bl_ipmi_lan {
    os_handler_t *os_hnd;
    unsigned int sessions;
};

/* OpenIPMI's state is per process; this only guards against a second initialisation. */
static bool bl_lan_initialised;

#define BL_LAN_CANDIDATES 8

struct bl_ipmi_session {
    struct bl_ipmi_lan *lan;
    struct bl_ipmi_params params;    /* our copy; secrets wiped at close */
    uint8_t cand[BL_LAN_CANDIDATES]; /* cipher suites to try, best first */
    size_t ncand;
    size_t icand;                /* the one in use */
    bool blind;                  /* the BMC did not list its suites: try each in turn */
    bool timed_out_last;         /* OpenIPMI's last event was a request timing out */
    struct bl_ipmi_probe *probe; /* Get Channel Cipher Suites in flight */
    GSource *next_suite;         /* idle: move on to the next candidate */
    ipmi_con_t *con;
    ipmi_ll_stat_info_t *stat_info;
    bl_ipmi_state_cb state_cb;
    void *user_data;
    bool up;
    bool reported; /* the open result went out */
    bool in_open;  /* inside bl_lan_open(): callbacks must wait for the loop */
    int deferred_rc;
    GSource *deferred;
    struct bl_ipmi_con_reqs reqs; /* requests in flight */
    struct bl_ipmi_stats stats;
};

enum bl_lan_stat {
    BL_STAT_TX = 1,
    BL_STAT_RX,
    BL_STAT_REXMIT,
    BL_STAT_TIMEOUT,
    BL_STAT_REJECTED,
};

int
bl_ipmi_lan_new(GMainContext *ctx, struct bl_ipmi_lan **out)
{
    struct bl_ipmi_lan *lan;
    int rv;

    if (bl_lan_initialised) {
        return -EBUSY;
    }
    lan = g_new0(struct bl_ipmi_lan, 1);
    lan->os_hnd = bl_ipmi_glib_os_handler_new(ctx);
    rv = ipmi_init(lan->os_hnd);
    if (rv != 0) {
        bl_ipmi_glib_os_handler_free(lan->os_hnd);
        g_free(lan);
        return rv > 0 ? -rv : -EIO;
    }
    ipmi_oem_atca_conn_shutdown();
    rv = bl_ipmi_rakp256_register();
    if (rv != 0) {
        ipmi_shutdown();
        bl_ipmi_glib_os_handler_free(lan->os_hnd);
        g_free(lan);
        return rv;
    }
    bl_lan_initialised = true;
    *out = lan;
    return BL_OK;
}

void
bl_ipmi_lan_free(struct bl_ipmi_lan *lan)
{
    if (lan == NULL) {
        return;
    }
    if (lan->sessions != 0) {
        qb_log(LOG_ERR, "IPMI backend freed with %u session(s) open", lan->sessions);
    }
    bl_ipmi_rakp256_unregister();
    ipmi_shutdown();
    bl_ipmi_glib_os_handler_free(lan->os_hnd);
    g_free(lan);
    bl_lan_initialised = false;
}

/* RMCP+ status codes (IPMI 2.0 table 13-15) seen while opening a session. */
static int
bl_lan_map_rmcpp(unsigned int status)
{
    switch (status) {
        case 0x04: /* invalid authentication algorithm */
        case 0x05: /* invalid integrity algorithm */
        case 0x06: /* no matching authentication payload */
        case 0x07: /* no matching integrity payload */
        case 0x10: /* invalid confidentiality algorithm */
        case 0x11: /* no cipher suite match */
            return BL_E_UNSUPPORTED;
        case 0x09: /* invalid role */
        case 0x0a: /* unauthorized role or privilege level */
        case 0x0c: /* invalid name length */
        case 0x0d: /* unauthorized name */
        case 0x0e: /* unauthorized GUID */
        case 0x0f: /* invalid integrity check value */
            return BL_E_AUTH;
        case 0x01: /* insufficient resources */
        case 0x0b: /* insufficient resources for role */
            return BL_E_BMC;
        default:
            return BL_E_PROTO;
    }
}

/* Convert an OpenIPMI error at the boundary into our codes. */
static int
bl_lan_map_err(const bl_ipmi_session *s, int err)
{
    if (s->stats.rx_packets <= s->stats.rejected) {
        /* Nothing valid came back, whatever OpenIPMI concluded from its timeouts. */
        return s->stats.rejected > 0 ? BL_E_PROTO : BL_E_TIMEOUT;
    }
    if (IPMI_IS_RMCPP_ERR(err)) {
        return bl_lan_map_rmcpp(IPMI_GET_RMCPP_ERR(err));
    }
    if (IPMI_IS_IPMI_ERR(err)) {
        unsigned int cc = IPMI_GET_IPMI_ERR(err);

        if (cc == IPMI_TIMEOUT_CC) {
            return BL_E_TIMEOUT;
        }
        /* 0x81..0x86: Get Session Challenge / Activate Session refusals; 0xd4 privilege */
        return (cc >= 0x81 && cc <= 0x86) || cc == 0xd4 ? BL_E_AUTH : BL_E_BMC;
    }
    switch (err) {
        case EINVAL:
            /* OpenIPMI says EINVAL both for a RAKP 2/4 check value that does not match and
             * for an Open Session or RAKP request that was never answered. */
            return s->timed_out_last ? BL_E_TIMEOUT : BL_E_AUTH;
        case EPERM:
            return BL_E_AUTH;
        case ENOENT: /* RMCP+ asked for, the BMC does not offer it */
            return BL_E_UNSUPPORTED;
        case ETIMEDOUT:
            return BL_E_TIMEOUT;
        default:
            return err > 0 ? -err : BL_E_PROTO;
    }
}

static gboolean
bl_lan_deliver_deferred(gpointer user_data)
{
    bl_ipmi_session *s = user_data;

    g_source_unref(s->deferred);
    s->deferred = NULL;
    s->state_cb(s, s->deferred_rc, s->user_data);
    return G_SOURCE_REMOVE;
}

static void
bl_lan_report(bl_ipmi_session *s, int rc)
{
    s->reported = true;
    if (s->deferred != NULL) {
        s->deferred_rc = rc; /* still queued: deliver the latest state */
        return;
    }
    if (!s->in_open) {
        s->state_cb(s, rc, s->user_data);
        return;
    }
    s->deferred_rc = rc;
    s->deferred = g_idle_source_new();
    g_source_set_callback(s->deferred, bl_lan_deliver_deferred, s, NULL);
    g_source_attach(s->deferred, bl_ipmi_glib_os_handler_context(s->lan->os_hnd));
}

static void bl_lan_schedule_next_suite(bl_ipmi_session *s);

static void
bl_lan_con_changed(ipmi_con_t *con, int err, unsigned int port, int any_port_up, void *cb_data)
{
    bl_ipmi_session *s = cb_data;

    if (err == 0) {
        if (!s->up) {
            s->up = true;
            bl_lan_report(s, BL_OK);
        }
        return;
    }
    if (s->up) {
        s->up = false;
        bl_lan_report(s, bl_lan_map_err(s, err));
    } else if (!s->reported) {
        int rc = bl_lan_map_err(s, err);

        qb_log(LOG_DEBUG, "BMC %s, cipher suite %u: open failed, OpenIPMI error 0x%x (%s)",
               s->params.host, (unsigned int) s->cand[s->icand], (unsigned int) err,
               bl_strerror(rc));

        /* Some BMCs refuse a suite with a reply OpenIPMI cannot match (ipmi_sim omits the
         * session ID), which looks like silence: without a list, silence moves on too. */
        if ((rc == BL_E_UNSUPPORTED || (s->blind && (rc == BL_E_TIMEOUT || rc == BL_E_PROTO))) &&
            s->icand + 1 < s->ncand) {
            bl_lan_schedule_next_suite(s); /* refused this suite: try the next best */
            return;
        }
        /* OpenIPMI retries a failed open every 10 s; the caller hears about it once. */
        bl_lan_report(s, rc);
    }
}

static int
bl_lan_stat_register(ipmi_ll_stat_info_t *info, const char *name, const char *instance, void **stat)
{
    static const struct {
        const char *name;
        enum bl_lan_stat id;
    } wanted[] = {
        {"lan_xmit_packets", BL_STAT_TX},          {"lan_recv_packets", BL_STAT_RX},
        {"lan_rexmits", BL_STAT_REXMIT},           {"lan_timed_out", BL_STAT_TIMEOUT},
        {"lan_invalid_rmcp", BL_STAT_REJECTED},    {"lan_too_short", BL_STAT_REJECTED},
        {"lan_invalid_auth", BL_STAT_REJECTED},    {"lan_bad_session_id", BL_STAT_REJECTED},
        {"lan_auth_fail", BL_STAT_REJECTED},       {"lan_seq_out_of_range", BL_STAT_REJECTED},
        {"lan_bad_size", BL_STAT_REJECTED},        {"lan_decrypt_fail", BL_STAT_REJECTED},
        {"lan_invalid_payload", BL_STAT_REJECTED}, {"lan_seq_err", BL_STAT_REJECTED},
        {"lan_rsp_no_cmd", BL_STAT_REJECTED},
    };

    *stat = NULL;
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        if (strcmp(name, wanted[i].name) == 0) {
            *stat = GINT_TO_POINTER(wanted[i].id);
        }
    }
    return 0;
}

static void
bl_lan_stat_add(ipmi_ll_stat_info_t *info, void *stat, int count)
{
    bl_ipmi_session *s = ipmi_ll_con_stat_get_user_data(info);

    switch (GPOINTER_TO_INT(stat)) {
        case BL_STAT_TX:
            s->stats.tx_packets += (unsigned int) count;
            break;
        case BL_STAT_RX:
            s->stats.rx_packets += (unsigned int) count;
            s->timed_out_last = false;
            break;
        case BL_STAT_REXMIT:
            s->stats.retransmits += (unsigned int) count;
            break;
        case BL_STAT_TIMEOUT:
            s->stats.timeouts += (unsigned int) count;
            s->timed_out_last = true;
            break;
        case BL_STAT_REJECTED:
            s->stats.rejected += (unsigned int) count;
            break;
        default:
            break;
    }
}

static void
bl_lan_stat_unregister(ipmi_ll_stat_info_t *info, void *stat)
{
}

static int
bl_lan_check_numeric(const struct bl_ipmi_params *p)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res = NULL;

    if (getaddrinfo(p->host, NULL, &hints, &res) != 0) {
        return BL_E_INVALID;
    }
    freeaddrinfo(res);
    return BL_OK;
}

/* Translate our parameters into OpenIPMI's list; returns the number of entries used. */
static unsigned int
bl_lan_fill_parms(const struct bl_ipmi_params *p, uint8_t suite, char **addr, char **port,
                  ipmi_lanp_parm_t *parms)
{
    struct bl_ipmi_cipher c;
    unsigned int n = 0;

    parms[n++] = (ipmi_lanp_parm_t){
        .parm_id = IPMI_LANP_PARMID_ADDRS, .parm_data = addr, .parm_data_len = 1};
    parms[n++] = (ipmi_lanp_parm_t){
        .parm_id = IPMI_LANP_PARMID_PORTS, .parm_data = port, .parm_data_len = 1};
    parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_PARMID_USERNAME,
                                    .parm_data = (void *) p->username,
                                    .parm_data_len = (unsigned int) strlen(p->username)};
    parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_PARMID_PASSWORD,
                                    .parm_data = (void *) p->password,
                                    .parm_data_len = (unsigned int) strlen(p->password)};
    parms[n++] =
        (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_PARMID_PRIVILEGE, .parm_val = (int) p->priv};
    parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_DEFAULT_TIMEOUT,
                                    .parm_val = (int) (p->msg_timeout_ms * 1000u)};
    if (!p->lanplus) {
        /* Pinned: OpenIPMI's default would pick the "best" the BMC offers, even none. */
        parms[n++] =
            (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_PARMID_AUTHTYPE, .parm_val = (int) p->auth15};
        return n;
    }
    (void) bl_ipmi_cipher_lookup(suite, &c); /* checked by the caller's policy */
    parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_PARMID_AUTHTYPE,
                                    .parm_val = IPMI_AUTHTYPE_RMCP_PLUS};
    parms[n++] =
        (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_AUTHENTICATION_ALGORITHM, .parm_val = (int) c.auth};
    parms[n++] =
        (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_INTEGRITY_ALGORITHM, .parm_val = (int) c.integ};
    parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_CONFIDENTIALITY_ALGORITHM,
                                    .parm_val = (int) c.conf};
    if (p->kg_len > 0) {
        parms[n++] = (ipmi_lanp_parm_t){.parm_id = IPMI_LANP_BMC_KEY,
                                        .parm_data = (void *) p->kg,
                                        .parm_data_len = (unsigned int) p->kg_len};
    }
    return n;
}

static int
bl_lan_register_stats(bl_ipmi_session *s)
{
    s->stat_info = ipmi_ll_con_alloc_stat_info();
    if (s->stat_info == NULL) {
        return -ENOMEM;
    }
    ipmi_ll_con_stat_info_set_register(s->stat_info, bl_lan_stat_register);
    ipmi_ll_con_stat_info_set_adder(s->stat_info, bl_lan_stat_add);
    ipmi_ll_con_stat_info_set_unregister(s->stat_info, bl_lan_stat_unregister);
    ipmi_ll_con_stat_set_user_data(s->stat_info, s);
    return -s->con->register_stat_handler(s->con, s->stat_info);
}

static void bl_lan_close(bl_ipmi_session *s);

/* Drop the current OpenIPMI connection, if any, keeping the session and its counters. */
static void
bl_lan_drop_con(bl_ipmi_session *s)
{
    if (s->con == NULL) {
        return;
    }
    s->con->remove_con_change_handler(s->con, bl_lan_con_changed, s);
    if (s->stat_info != NULL) {
        s->con->unregister_stat_handler(s->con, s->stat_info);
        ipmi_ll_con_free_stat_info(s->stat_info);
        s->stat_info = NULL;
    }
    s->con->close_connection(s->con);
    s->con = NULL;
}

static int
bl_lan_start(bl_ipmi_session *s)
{
    int rv = bl_lan_register_stats(s);

    if (rv == 0) {
        rv = -s->con->add_con_change_handler(s->con, bl_lan_con_changed, s);
    }
    if (rv == 0) {
        rv = -s->con->start_con(s->con);
    }
    return rv;
}

/* Set up and start an OpenIPMI connection with the current candidate suite. */
static int
bl_lan_connect(bl_ipmi_session *s)
{
    char port[8];
    char *addrs[1] = {s->params.host};
    char *ports[1] = {port};
    ipmi_lanp_parm_t parms[16];
    unsigned int n;
    int rv;

    snprintf(port, sizeof(port), "%u", (unsigned int) s->params.port);
    n = bl_lan_fill_parms(&s->params, s->cand[s->icand], addrs, ports, parms);
    rv = ipmi_lanp_setup_con(parms, n, s->lan->os_hnd, s, &s->con);
    explicit_bzero(parms, sizeof(parms));
    if (rv != 0) {
        s->con = NULL;
        return rv > 0 ? -rv : BL_E_INVALID;
    }
    return bl_lan_start(s);
}

/* Connect from the main loop (after the probe, or to the next suite); errors are reported. */
static void
bl_lan_connect_or_report(bl_ipmi_session *s)
{
    int rv = bl_lan_connect(s);

    if (rv != BL_OK) {
        bl_lan_drop_con(s);
        bl_lan_report(s, rv);
    }
}

static gboolean
bl_lan_next_suite(gpointer user_data)
{
    bl_ipmi_session *s = user_data;

    g_source_unref(s->next_suite);
    s->next_suite = NULL;
    bl_lan_drop_con(s);
    s->icand++;
    qb_log(LOG_DEBUG, "BMC %s: no session with cipher suite %u, trying %u", s->params.host,
           (unsigned int) s->cand[s->icand - 1], (unsigned int) s->cand[s->icand]);
    bl_lan_connect_or_report(s);
    return G_SOURCE_REMOVE;
}

/* Not from inside OpenIPMI's callback: the connection reporting it is the one we close. */
static void
bl_lan_schedule_next_suite(bl_ipmi_session *s)
{
    if (s->next_suite != NULL) {
        return;
    }
    s->next_suite = g_idle_source_new();
    g_source_set_callback(s->next_suite, bl_lan_next_suite, s, NULL);
    g_source_attach(s->next_suite, bl_ipmi_glib_os_handler_context(s->lan->os_hnd));
}

/* Debug trace of the choice: what the BMC listed and what we will try, in order. */
static void
bl_lan_log_suites(const bl_ipmi_session *s, int rc, const uint8_t *suites, size_t n)
{
    GString *offered = g_string_new(NULL);
    GString *tried = g_string_new(NULL);

    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(offered, " %u", (unsigned int) suites[i]);
    }
    for (size_t i = 0; i < s->ncand; i++) {
        g_string_append_printf(tried, " %u", (unsigned int) s->cand[i]);
    }
    if (rc != BL_OK) {
        g_string_printf(offered, " not listed (%s)", bl_strerror(rc));
    } else if (n == 0) {
        g_string_assign(offered, " none listed");
    }
    qb_log(LOG_DEBUG, "BMC %s cipher suites:%s; trying:%s", s->params.host, offered->str,
           s->ncand > 0 ? tried->str : " none acceptable");
    g_string_free(offered, TRUE);
    g_string_free(tried, TRUE);
}

static void
bl_lan_probe_done(int rc, const uint8_t *suites, size_t n, unsigned int tx, unsigned int rx,
                  void *user_data)
{
    bl_ipmi_session *s = user_data;

    bl_ipmi_probe_free(s->probe);
    s->probe = NULL;
    s->stats.tx_packets += tx;
    s->stats.rx_packets += rx;
    if (rc != BL_OK || n == 0) {
        /* The BMC did not say (or listed only OEM suites): try blindly, best first. */
        n = 0;
        s->blind = true;
    }
    s->ncand = bl_ipmi_cipher_candidates(suites, n, s->params.allow_weak, s->cand, sizeof(s->cand));
    bl_lan_log_suites(s, rc, suites, n);
    if (s->ncand == 0) {
        bl_lan_report(s, BL_E_WEAK_CRYPTO);
        return;
    }
    bl_lan_connect_or_report(s);
}

/* Fill the candidate list; with automatic choice, start asking the BMC. */
static int
bl_lan_begin(bl_ipmi_session *s)
{
    if (!s->params.lanplus || s->params.cipher != BL_IPMI_CIPHER_AUTO) {
        s->cand[0] = s->params.cipher;
        s->ncand = 1;
        return bl_lan_connect(s);
    }
    if (bl_ipmi_probe_start(bl_ipmi_glib_os_handler_context(s->lan->os_hnd), s->params.host,
                            s->params.port, s->params.msg_timeout_ms, bl_lan_probe_done, s,
                            &s->probe) == BL_OK) {
        return BL_OK;
    }
    s->ncand = bl_ipmi_cipher_candidates(NULL, 0, s->params.allow_weak, s->cand, sizeof(s->cand));
    s->blind = true;
    return bl_lan_connect(s);
}

static int
bl_lan_open(void *backend, const struct bl_ipmi_params *params, bl_ipmi_state_cb cb,
            void *user_data, bl_ipmi_session **out)
{
    struct bl_ipmi_lan *lan = backend;
    bl_ipmi_session *s;
    int rv = bl_ipmi_params_check(params, NULL);

    if (rv == BL_OK) {
        rv = bl_lan_check_numeric(params);
    }
    if (rv != BL_OK || cb == NULL) {
        return rv != BL_OK ? rv : BL_E_INVALID;
    }
    s = g_new0(bl_ipmi_session, 1);
    s->lan = lan;
    s->params = *params;
    s->state_cb = cb;
    s->user_data = user_data;
    s->reqs.s = s;
    lan->sessions++;
    s->in_open = true;
    rv = bl_lan_begin(s);
    s->in_open = false;
    if (rv != 0) {
        bl_lan_close(s);
        return rv;
    }
    *out = s;
    return BL_OK;
}

static int
bl_lan_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
            bl_ipmi_rsp_cb cb, void *user_data)
{
    if (cb == NULL || len > BL_IPMI_MSG_MAX || (len > 0 && data == NULL)) {
        return BL_E_INVALID;
    }
    if (!s->up) {
        return BL_E_STATE;
    }
    return bl_ipmi_con_send(&s->reqs, s->con, netfn, cmd, data, len, cb, user_data);
}

static void
bl_lan_close(bl_ipmi_session *s)
{
    if (s == NULL) {
        return;
    }
    if (s->deferred != NULL) {
        g_source_destroy(s->deferred);
        g_source_unref(s->deferred);
    }
    if (s->next_suite != NULL) {
        g_source_destroy(s->next_suite);
        g_source_unref(s->next_suite);
    }
    bl_ipmi_probe_free(s->probe);
    bl_ipmi_con_cancel(&s->reqs);
    bl_lan_drop_con(s);
    s->lan->sessions--;
    bl_ipmi_params_wipe(&s->params);
    g_free(s);
}

static void
bl_lan_get_stats(bl_ipmi_session *s, struct bl_ipmi_stats *out)
{
    *out = s->stats;
    out->cipher = s->params.lanplus && s->ncand > 0 ? s->cand[s->icand] : 0;
}

const struct bl_ipmi_ops bl_ipmi_lan_ops = {
    .name = "openipmi-lan",
    .open = bl_lan_open,
    .send = bl_lan_send,
    .close = bl_lan_close,
    .get_stats = bl_lan_get_stats,
};

void
bl_ipmi_lan_client(struct bl_ipmi_lan *lan, struct bl_ipmi_client *out)
{
    out->ops = &bl_ipmi_lan_ops;
    out->backend = lan;
}

struct os_handler_s *
bl_ipmi_lan_os_handler(struct bl_ipmi_lan *lan)
{
    return lan->os_hnd;
}
