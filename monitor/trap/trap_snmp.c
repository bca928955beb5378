#include "trap_snmp.h"
#include "trap_snmp_int.h"
#include "bl_log.h"
#include "bl_result.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/snmpusm.h>
#include <net-snmp/library/large_fd_set.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const oid bl_sysuptime0[BL_OID_SYSUPTIME0_LEN] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
const oid bl_snmptrapoid0[BL_OID_SNMPTRAPOID0_LEN] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
const oid bl_snmptrapaddress0[BL_OID_SNMPTRAPADDRESS0_LEN] = {1, 3, 6, 1, 6, 3, 18, 1, 3, 0};
const oid bl_pet_enterprise[BL_OID_PET_ENTERPRISE_LEN] = {1, 3, 6, 1, 4, 1, 3183, 1, 1};

struct bl_trap_snmp {
    void *sessp;
    netsnmp_transport *transport; /* owned by the session */
    struct bl_transport_data *td;
    bl_trap_snmp_msg_fn fn;
    void *ud;
    bl_trap_snmp_source_fn accept; /* NULL: every source */
    void *accept_ud;
    bool delivered;
    uint8_t rxbuf[BL_TRAP_DGRAM_MAX]; /* the datagram read before net-snmp sees it */
    size_t rxlen;
};

/* ---- UDP I/O (the real seam implementation) ---- */

static socklen_t
bl_sockaddr(const struct bl_trap_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a->port);
        memcpy(&s6->sin6_addr, a->addr, 16);
        return sizeof(*s6);
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *) ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a->port);
    memcpy(&s4->sin_addr, a->addr, 4);
    return sizeof(*s4);
}

static void
bl_from_sockaddr(const struct sockaddr_storage *ss, struct bl_trap_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) ss;
        a->family = AF_INET6;
        a->port = ntohs(s6->sin6_port);
        memcpy(a->addr, &s6->sin6_addr, 16);
    } else if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *) ss;
        a->family = AF_INET;
        a->port = ntohs(s4->sin_port);
        memcpy(a->addr, &s4->sin_addr, 4);
    }
}

static int
bl_udp_open(void *io, const struct bl_trap_addr *listen, int *fd)
{
    struct sockaddr_storage ss;
    socklen_t len = bl_sockaddr(listen, &ss);
    int one = 1, rcvbuf = 4 * 1024 * 1024;
    int s = socket(listen->family == AF_INET6 ? AF_INET6 : AF_INET,
                   SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (s < 0) {
        return -errno;
    }
    /* Kernel arrival stamps for the latency figures; a big queue rides out trap storms. */
    (void) setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    (void) setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (listen->port != 0 && bind(s, (struct sockaddr *) &ss, len) != 0) {
        int rc = -errno;
        close(s);
        return rc;
    }
    *fd = s;
    return 0;
}

static uint64_t
bl_cmsg_rx_ns(struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
        }
    }
    return 0;
}

static ssize_t
bl_udp_recv(void *io, int fd, void *buf, size_t len, struct bl_trap_addr *src, uint64_t *rx_ns)
{
    struct sockaddr_storage ss;
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {buf, len};
    struct msghdr mh = {&ss, sizeof(ss), &iov, 1, ctl.buf, sizeof(ctl.buf), 0};
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

    if (n < 0) {
        return -errno;
    }
    bl_from_sockaddr(&ss, src);
    *rx_ns = bl_cmsg_rx_ns(&mh);
    return (mh.msg_flags & MSG_TRUNC) != 0 ? -EMSGSIZE : n;
}

static ssize_t
bl_udp_send(void *io, int fd, const void *buf, size_t len, const struct bl_trap_addr *dst)
{
    struct sockaddr_storage ss;
    socklen_t sl = bl_sockaddr(dst, &ss);
    ssize_t n = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &ss, sl);

    return n < 0 ? -errno : n;
}

static void
bl_udp_close(void *io, int fd)
{
    close(fd);
}

const struct bl_trap_io_ops bl_trap_udp_io = {
    .open = bl_udp_open,
    .recv = bl_udp_recv,
    .send = bl_udp_send,
    .close = bl_udp_close,
};

/* ---- net-snmp process set-up ---- */

static int
bl_snmp_log_cb(int major, int minor, void *serverarg, void *clientarg)
{
    const struct snmp_log_message *m = serverarg;
    char line[256];
    size_t n;

    if (m == NULL || m->msg == NULL) {
        return 0;
    }
    g_strlcpy(line, m->msg, sizeof(line));
    n = strlen(line);
    if (n > 0 && line[n - 1] == '\n') {
        line[n - 1] = '\0';
    }
    /* Per-packet complaints (authentication failures...) would let a flood flood the log;
     * our own drop counters and rate-limited warnings report those. */
    qb_log(LOG_DEBUG, "net-snmp: %s", line);
    return 0;
}

int
bl_trap_snmp_init(const char *app)
{
    static bool done; /* process-wide by nature: net-snmp itself is */

    if (done) {
        return BL_OK;
    }
    done = true;
    /* Our configuration is bmclink.conf; never pick up /etc/snmp or ~/.snmp, never write. */
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
    /* We print no symbolic names: loading MIB modules only costs time and warnings. */
    setenv("MIBS", "", 1);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, "/nonexistent");
    snmp_disable_log();
    snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, bl_snmp_log_cb, NULL);
    snmp_enable_calllog();
    init_snmp(app);
    return BL_OK;
}

void
bl_trap_snmp_fini(void)
{
    /*
     * net-snmp is set up once per process and never shut down: snmp_shutdown followed by a
     * new init_snmp leaks the library's MIB tables, and the state is process-wide anyway.
     */
}

static int
bl_auth_oid(enum bl_trap_auth auth, const oid **proto, size_t *len)
{
    switch (auth) {
        case BL_TRAP_AUTH_SHA1:
            *proto = usmHMACSHA1AuthProtocol;
            *len = OID_LENGTH(usmHMACSHA1AuthProtocol);
            return BL_OK;
        case BL_TRAP_AUTH_SHA256:
            *proto = usmHMAC192SHA256AuthProtocol;
            *len = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
            return BL_OK;
        default:
            return BL_E_UNSUPPORTED;
    }
}

int
bl_session_usm(netsnmp_session *sess, const struct bl_trap_v3_user *u)
{
    const oid *auth;
    size_t auth_len;

    if (bl_auth_oid(u->auth, &auth, &auth_len) != BL_OK) {
        return BL_E_UNSUPPORTED;
    }
    sess->version = SNMP_VERSION_3;
    sess->securityModel = SNMP_SEC_MODEL_USM;
    sess->securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    sess->securityName = (char *) u->name;
    sess->securityNameLen = strlen(u->name);
    sess->securityEngineID = (u_char *) u->engine_id;
    sess->securityEngineIDLen = u->engine_id_len;
    sess->securityAuthProto = (oid *) auth;
    sess->securityAuthProtoLen = auth_len;
    sess->securityPrivProto = usmAESPrivProtocol;
    sess->securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
    sess->securityAuthKeyLen = USM_AUTH_KU_LEN;
    sess->securityPrivKeyLen = USM_PRIV_KU_LEN;
    if (generate_Ku(auth, (u_int) auth_len, (const u_char *) u->auth_pass, strlen(u->auth_pass),
                    sess->securityAuthKey, &sess->securityAuthKeyLen) != SNMPERR_SUCCESS ||
        generate_Ku(auth, (u_int) auth_len, (const u_char *) u->priv_pass, strlen(u->priv_pass),
                    sess->securityPrivKey, &sess->securityPrivKeyLen) != SNMPERR_SUCCESS) {
        return BL_E_INVALID;
    }
    return BL_OK;
}

int
bl_trap_snmp_add_user(const struct bl_trap_v3_user *user)
{
    netsnmp_session sess;
    int rc;

    if (user == NULL || user->name[0] == '\0' || user->engine_id_len == 0) {
        return BL_E_INVALID;
    }
    snmp_sess_init(&sess);
    rc = bl_session_usm(&sess, user);
    if (rc == BL_OK && usm_create_user_from_session(&sess) != SNMPERR_SUCCESS) {
        rc = BL_E_INVALID;
    }
    explicit_bzero(sess.securityAuthKey, sizeof(sess.securityAuthKey));
    explicit_bzero(sess.securityPrivKey, sizeof(sess.securityPrivKey));
    return rc;
}

int
bl_trap_snmp_engine_time_set(const uint8_t *id, size_t len, uint32_t boots, uint32_t etime)
{
    return len > 0 && set_enginetime(id, (u_int) len, boots, etime, TRUE) == SNMPERR_SUCCESS
               ? 0
               : BL_E_INVALID;
}

/* ---- our netsnmp_transport ---- */

static int
bl_tr_recv(netsnmp_transport *t, void *buf, int size, void **opaque, int *olength)
{
    struct bl_transport_data *td = t->data;
    struct bl_trap_addr *src = calloc(1, sizeof(*src));
    ssize_t n;

    *opaque = NULL;
    *olength = 0;
    if (src == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if (td->pending != NULL) {
        /* The listener read it already (bl_trap_snmp_read_one) and let its source through. */
        n = td->pending_len <= (size_t) size ? (ssize_t) td->pending_len : -EMSGSIZE;
        if (n > 0) {
            memcpy(buf, td->pending, (size_t) n);
        }
        *src = td->src;
        td->pending = NULL;
        *opaque = src;
        *olength = sizeof(*src);
        return n < 0 ? 0 : (int) n;
    }
    n = td->ops->recv(td->io, t->sock, buf, (size_t) size, src, &td->rx_ns);
    if (n >= 0 && td->peer.family != 0 &&
        (!bl_trap_addr_same_host(&td->peer, src) || td->peer.port != src->port)) {
        /* A sender's socket hears only its manager: anything else is dropped unparsed. */
        free(src);
        td->foreign++;
        td->got_datagram = true;
        t->flags |= NETSNMP_TRANSPORT_FLAG_EMPTY_PKT; /* net-snmp: nothing to process */
        return 0;
    }
    if (n < 0) {
        free(src);
        td->last_errno = (int) -n;
        /* A datagram too big for the buffer was still consumed: report it as empty. */
        td->got_datagram = (n == -EMSGSIZE);
        errno = (int) -n;
        return n == -EMSGSIZE ? 0 : -1;
    }
    td->got_datagram = true;
    td->src = *src;
    *opaque = src; /* becomes pdu->transport_data; net-snmp frees it */
    *olength = sizeof(*src);
    return (int) n;
}

static int
bl_tr_send(netsnmp_transport *t, const void *buf, int size, void **opaque, int *olength)
{
    struct bl_transport_data *td = t->data;
    const struct bl_trap_addr *dst = &td->peer;
    ssize_t n;

    /* Responses (to informs) go back where the request came from. */
    if (opaque != NULL && *opaque != NULL && olength != NULL &&
        *olength == (int) sizeof(struct bl_trap_addr)) {
        dst = *opaque;
    }
    n = td->ops->send(td->io, t->sock, buf, (size_t) size, dst);
    if (n < 0) {
        errno = (int) -n;
        return -1;
    }
    return (int) n;
}

static int
bl_tr_close(netsnmp_transport *t)
{
    struct bl_transport_data *td = t->data;

    if (t->sock >= 0 && td != NULL) {
        td->ops->close(td->io, t->sock);
    }
    t->sock = -1;
    return 0;
}

static char *
bl_tr_fmtaddr(netsnmp_transport *t, const void *data, int len)
{
    char buf[64];

    if (data == NULL || len != (int) sizeof(struct bl_trap_addr)) {
        return strdup("UDP: unknown");
    }
    bl_trap_addr_format(data, buf, sizeof(buf));
    return strdup(buf);
}

netsnmp_transport *
bl_transport_new(const struct bl_trap_io_ops *ops, void *io, int fd, struct bl_transport_data **tdp)
{
    netsnmp_transport *t = calloc(1, sizeof(*t));
    struct bl_transport_data *td = calloc(1, sizeof(*td));

    if (t == NULL || td == NULL) {
        free(t);
        free(td);
        return NULL;
    }
    td->ops = ops;
    td->io = io;
    t->domain = netsnmpUDPDomain;
    t->domain_length = netsnmpUDPDomain_len;
    t->sock = fd;
    t->data = td;
    t->data_length = sizeof(*td);
    t->msgMaxSize = BL_TRAP_DGRAM_MAX;
    t->flags = NETSNMP_TRANSPORT_FLAG_OPENED;
    t->f_recv = bl_tr_recv;
    t->f_send = bl_tr_send;
    t->f_close = bl_tr_close;
    t->f_fmtaddr = bl_tr_fmtaddr;
    *tdp = td;
    return t;
}

/* ---- PDU to bl_trap_msg ---- */

static void
bl_copy_oid(struct bl_oid *dst, const oid *src, size_t len)
{
    if (src == NULL || len > BL_TRAP_OID_MAX) {
        dst->len = 0; /* too long to be ours: it will match nothing */
        return;
    }
    for (size_t i = 0; i < len; i++) {
        dst->sub[i] = (uint32_t) src[i];
    }
    dst->len = (uint32_t) len;
}

static void
bl_copy_bytes(struct bl_trap_varbind *vb, const u_char *p, size_t len)
{
    size_t n = len < BL_TRAP_VALUE_MAX ? len : BL_TRAP_VALUE_MAX;

    vb->value_truncated = len > BL_TRAP_VALUE_MAX;
    if (p != NULL && n > 0) {
        memcpy(vb->value, p, n);
    }
    vb->len = (uint16_t) (p != NULL ? n : 0);
}

static void
bl_copy_varbind(struct bl_trap_varbind *vb, const netsnmp_variable_list *v)
{
    memset(vb, 0, sizeof(*vb));
    bl_copy_oid(&vb->name, v->name, v->name_length);
    switch (v->type) {
        case ASN_INTEGER:
        case ASN_COUNTER:
        case ASN_GAUGE:
        case ASN_TIMETICKS:
        case ASN_UINTEGER:
            vb->type = BL_TRAP_VB_INTEGER;
            vb->integer = v->val.integer != NULL ? *v->val.integer : 0;
            break;
        case ASN_COUNTER64:
            vb->type = BL_TRAP_VB_INTEGER;
            if (v->val.counter64 != NULL) {
                vb->integer = (int64_t) (((uint64_t) v->val.counter64->high << 32) |
                                         (uint32_t) v->val.counter64->low);
            }
            break;
        case ASN_OCTET_STR:
        case ASN_OPAQUE:
        case ASN_IPADDRESS:
            vb->type = BL_TRAP_VB_OCTETS;
            bl_copy_bytes(vb, v->val.string, v->val_len);
            break;
        case ASN_OBJECT_ID:
            vb->type = BL_TRAP_VB_OID;
            bl_copy_oid(&vb->oid, v->val.objid, v->val_len / sizeof(oid));
            break;
        default:
            vb->type = BL_TRAP_VB_OTHER;
            break;
    }
}

static void
bl_copy_security(struct bl_trap_msg *msg, const netsnmp_pdu *pdu)
{
    if (pdu->version == SNMP_VERSION_3) {
        size_t n = pdu->securityNameLen;
        msg->version = BL_TRAP_V3;
        if (pdu->securityModel == SNMP_SEC_MODEL_USM && pdu->securityName != NULL &&
            n <= BL_TRAP_USER_MAX) {
            memcpy(msg->security_name, pdu->securityName, n);
            msg->security_name[n] = '\0';
        }
        msg->seclevel = (enum bl_trap_seclevel) pdu->securityLevel;
        return;
    }
    msg->version = pdu->version == SNMP_VERSION_1 ? BL_TRAP_V1 : BL_TRAP_V2C;
    msg->community_too_long = pdu->community_len > BL_TRAP_SECRET_MAX;
    if (!msg->community_too_long && pdu->community != NULL) {
        memcpy(msg->community, pdu->community, pdu->community_len);
        msg->community_len = pdu->community_len;
    }
}

/* Fill msg from a parsed notification; false for anything that is not one. */
static bool
bl_pdu_to_msg(const netsnmp_pdu *pdu, struct bl_trap_msg *msg)
{
    memset(msg, 0, sizeof(*msg));
    if (pdu->transport_data != NULL &&
        pdu->transport_data_length == (int) sizeof(struct bl_trap_addr)) {
        memcpy(&msg->source, pdu->transport_data, sizeof(msg->source));
    }
    if (pdu->command != SNMP_MSG_TRAP && pdu->command != SNMP_MSG_TRAP2 &&
        pdu->command != SNMP_MSG_INFORM) {
        return false;
    }
    if ((pdu->command == SNMP_MSG_TRAP) != (pdu->version == SNMP_VERSION_1)) {
        return false;
    }
    msg->is_inform = pdu->command == SNMP_MSG_INFORM;
    bl_copy_security(msg, pdu);
    for (const netsnmp_variable_list *v = pdu->variables; v != NULL; v = v->next_variable) {
        if (msg->n_varbinds >= BL_TRAP_VARBINDS_MAX) {
            msg->varbinds_dropped = true;
            break;
        }
        bl_copy_varbind(&msg->vb[msg->n_varbinds], v);
        if (v->type == ASN_OBJECT_ID && snmp_oid_compare(v->name, v->name_length, bl_snmptrapoid0,
                                                         OID_LENGTH(bl_snmptrapoid0)) == 0) {
            msg->trap_oid = msg->vb[msg->n_varbinds].oid;
        }
        msg->n_varbinds++;
    }
    if (pdu->command == SNMP_MSG_TRAP) {
        bl_copy_oid(&msg->enterprise, pdu->enterprise, pdu->enterprise_length);
        msg->generic_trap = (int) pdu->trap_type;
        msg->specific_trap = (uint32_t) pdu->specific_type;
        bl_trap_v1_trap_oid(msg);
    }
    return true;
}

/* ---- the engine time of a v3 message ---- */

/* Step over one BER element (a SEQUENCE whose content we do not need); NULL when it does not
 * fit in *left. */
static u_char *
bl_ber_skip(u_char *p, size_t *left)
{
    size_t len = *left;
    u_char type;
    u_char *content = asn_parse_header(p, &len, &type); /* checks len against *left */

    if (content == NULL) {
        return NULL;
    }
    *left -= (size_t) (content - p) + len;
    return content + len;
}

/*
 * msgAuthoritativeEngineBoots and msgAuthoritativeEngineTime of an SNMPv3 message (RFC 3412
 * section 6: version, msgGlobalData, then msgSecurityParameters, an OCTET STRING holding
 * USM's SEQUENCE {engine ID, boots, time, ...}, RFC 3414 section 2.4), read with net-snmp's
 * bounds-checked BER parsers. net-snmp keeps them to itself; it has authenticated these very
 * bytes when this is called, and the authentication covers both fields.
 */
static bool
bl_v3_engine_time(const uint8_t *pkt, size_t len, uint32_t *boots, uint32_t *etime)
{
    u_char sec[512], id[64], type;
    size_t left = len, sec_len = sizeof(sec), id_len = sizeof(id);
    long version = 0, b = -1, t = -1;
    u_char *p = asn_parse_sequence((u_char *) pkt, &left, &type, ASN_SEQUENCE | ASN_CONSTRUCTOR,
                                   "v3 message");

    p = p != NULL ? asn_parse_int(p, &left, &type, &version, sizeof(version)) : NULL;
    p = p != NULL && version == SNMP_VERSION_3 ? bl_ber_skip(p, &left) : NULL;
    p = p != NULL ? asn_parse_string(p, &left, &type, sec, &sec_len) : NULL;
    if (p == NULL || type != ASN_OCTET_STR) {
        return false;
    }
    left = sec_len;
    p = asn_parse_sequence(sec, &left, &type, ASN_SEQUENCE | ASN_CONSTRUCTOR, "usm parameters");
    p = p != NULL ? asn_parse_string(p, &left, &type, id, &id_len) : NULL;
    p = p != NULL ? asn_parse_int(p, &left, &type, &b, sizeof(b)) : NULL;
    p = p != NULL ? asn_parse_int(p, &left, &type, &t, sizeof(t)) : NULL;
    if (p == NULL || b < 0 || b > INT32_MAX || t < 0 || t > INT32_MAX) {
        return false;
    }
    *boots = (uint32_t) b;
    *etime = (uint32_t) t;
    return true;
}

/* ---- listening session ---- */

static void
bl_reply_inform(struct bl_trap_snmp *s, netsnmp_pdu *pdu)
{
    netsnmp_pdu *reply = snmp_clone_pdu(pdu);

    if (reply == NULL) {
        return;
    }
    reply->command = SNMP_MSG_RESPONSE;
    reply->errstat = 0;
    reply->errindex = 0;
    if (snmp_sess_send(s->sessp, reply) == 0) {
        snmp_free_pdu(reply);
    }
}

static int
bl_snmp_input(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    struct bl_trap_snmp *s = magic;
    struct bl_trap_msg *msg;

    if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL) {
        return 1;
    }
    msg = malloc(sizeof(*msg)); /* ~20 KiB: not on the stack of a library callback */
    if (msg == NULL) {
        return 1;
    }
    if (bl_pdu_to_msg(pdu, msg)) {
        if (msg->version == BL_TRAP_V3) {
            msg->have_engine_time =
                bl_v3_engine_time(s->rxbuf, s->rxlen, &msg->engine_boots, &msg->engine_time);
        }
        s->delivered = true;
        if (s->fn(msg, s->td->rx_ns, s->ud) && msg->is_inform) {
            bl_reply_inform(s, pdu);
        }
    }
    free(msg);
    return 1;
}

int
bl_trap_snmp_listen(const struct bl_trap_addr *listen, const struct bl_trap_io_ops *ops, void *io,
                    bl_trap_snmp_msg_fn fn, void *ud, struct bl_trap_snmp **out)
{
    struct bl_trap_snmp *s = calloc(1, sizeof(*s));
    netsnmp_session sess;
    int fd = -1, rc;

    if (s == NULL) {
        return -ENOMEM;
    }
    rc = ops->open(io, listen, &fd);
    if (rc != 0) {
        free(s);
        return rc;
    }
    s->transport = bl_transport_new(ops, io, fd, &s->td);
    if (s->transport == NULL) {
        ops->close(io, fd);
        free(s);
        return -ENOMEM;
    }
    s->fn = fn;
    s->ud = ud;
    snmp_sess_init(&sess);
    sess.version = SNMP_DEFAULT_VERSION; /* accept whatever version arrives; policy decides */
    sess.callback = bl_snmp_input;
    sess.callback_magic = s;
    sess.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
    sess.flags |= SNMP_FLAGS_DONT_PROBE;
    s->sessp = snmp_sess_add(&sess, s->transport, NULL, NULL);
    if (s->sessp == NULL) {
        free(s); /* snmp_sess_add closed and freed the transport */
        return BL_E_INVALID;
    }
    *out = s;
    return 0;
}

int
bl_trap_snmp_fd(const struct bl_trap_snmp *s)
{
    return s->transport->sock;
}

void
bl_trap_snmp_set_filter(struct bl_trap_snmp *s, bl_trap_snmp_source_fn accept, void *ud)
{
    s->accept = accept;
    s->accept_ud = ud;
}

/* Hand the datagram read into s->rxbuf to net-snmp, through our transport's f_recv. */
static void
bl_snmp_process(struct bl_trap_snmp *s, size_t len)
{
    netsnmp_large_fd_set fds;

    s->rxlen = len;
    s->td->pending = s->rxbuf;
    s->td->pending_len = len;
    netsnmp_large_fd_set_init(&fds, s->transport->sock + 1);
    NETSNMP_LARGE_FD_SET(s->transport->sock, &fds);
    (void) snmp_sess_read2(s->sessp, &fds);
    netsnmp_large_fd_set_cleanup(&fds);
    s->td->pending = NULL;
}

int
bl_trap_snmp_read_one(struct bl_trap_snmp *s, enum bl_trap_snmp_read *what,
                      struct bl_trap_addr *src)
{
    struct bl_transport_data *td = s->td;
    ssize_t n;

    s->delivered = false;
    td->rx_ns = 0;
    memset(&td->src, 0, sizeof(td->src));
    *what = BL_TRAP_SNMP_REFUSED;
    /* Read it ourselves: a source that is not a configured BMC costs one recvmsg and no
     * parsing, no SNMPv3 discovery answer, no decryption. */
    n = td->ops->recv(td->io, s->transport->sock, s->rxbuf, sizeof(s->rxbuf), &td->src,
                      &td->rx_ns);
    *src = td->src;
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        return 0;
    }
    if (n == -EMSGSIZE) {
        return 1; /* consumed, too big to be ours */
    }
    if (n < 0) {
        return (int) n;
    }
    if (s->accept != NULL && !s->accept(&td->src, s->accept_ud)) {
        *what = BL_TRAP_SNMP_FOREIGN;
        return 1;
    }
    bl_snmp_process(s, (size_t) n);
    *what = s->delivered ? BL_TRAP_SNMP_DELIVERED : BL_TRAP_SNMP_REFUSED;
    return 1;
}

void
bl_trap_snmp_close(struct bl_trap_snmp *s)
{
    if (s == NULL) {
        return;
    }
    snmp_sess_close(s->sessp); /* closes and frees the transport and its data */
    free(s);
}
