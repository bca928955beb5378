/*
 * Notification senders (trap_snmp.h, "sending"): forwarding to third-party managers, the
 * simulated BMC and the benchmark blaster. net-snmp sessions over our transport
 * (trap_snmp_int.h), one UDP socket each; sends never block.
 */
#include "trap_snmp.h"
#include "trap_snmp_int.h"
#include "bl_result.h"

#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/library/snmpusm.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct bl_trap_sender {
    void *sessp;
    netsnmp_transport *transport;
    struct bl_transport_data *td;
    enum bl_trap_version version;
    bool inform;
    struct bl_trap_sender_stats st;
};

/* An inform's retransmissions: net-snmp resends from bl_trap_sender_timeout. */
#define BL_INFORM_RETRIES 3
#define BL_INFORM_TIMEOUT_US 1000000L
/* Responses read per bl_trap_sender_read call. */
#define BL_INFORM_READ_BATCH 64

/* sysUpTime for our notifications: hundredths of a second of CLOCK_MONOTONIC. */
static u_long
bl_uptime_ticks(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u_long) ((uint64_t) ts.tv_sec * 100u + (uint64_t) ts.tv_nsec / 10000000u);
}

/*
 * For traps the sender is the authoritative engine (RFC 3414). The receiver latches
 * (boots, time) per engine and refuses anything older, so a restarted sender must come
 * back with a higher boots value: wall-clock seconds serve as an ever-increasing boots.
 */
static void
bl_sender_engine_time(const struct bl_trap_v3_user *u)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    set_enginetime((u_char *) u->engine_id, u->engine_id_len, (u_int) (ts.tv_sec & 0x7fffffff), 1,
                   TRUE);
}

static int
bl_sender_session(const struct bl_trap_forward *target, netsnmp_session *sess)
{
    snmp_sess_init(sess);
    sess->flags |= SNMP_FLAGS_DONT_PROBE;
    sess->callback = NULL;
    switch (target->version) {
        case BL_TRAP_V1:
        case BL_TRAP_V2C:
            sess->version = target->version == BL_TRAP_V1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
            sess->community = (u_char *) target->community;
            sess->community_len = strlen(target->community);
            sess->retries = BL_INFORM_RETRIES;
            sess->timeout = BL_INFORM_TIMEOUT_US;
            return sess->community_len > 0 ? BL_OK : BL_E_INVALID;
        case BL_TRAP_V3:
            if (bl_trap_snmp_add_user(&target->v3) != BL_OK) {
                return BL_E_INVALID;
            }
            bl_sender_engine_time(&target->v3);
            return bl_session_usm(sess, &target->v3);
        default:
            return BL_E_INVALID;
    }
}

int
bl_trap_sender_open(const struct bl_trap_forward *target, struct bl_trap_sender **out)
{
    struct bl_trap_addr local = {.family = target->target.family};
    struct bl_trap_sender *s = calloc(1, sizeof(*s));
    struct bl_transport_data *td = NULL;
    netsnmp_session sess;
    int fd = -1, rc;

    if (s == NULL) {
        return -ENOMEM;
    }
    rc = bl_sender_session(target, &sess);
    if (rc == BL_OK) {
        rc = bl_trap_udp_io.open(NULL, &local, &fd);
    }
    if (rc != BL_OK) {
        explicit_bzero(&sess, sizeof(sess));
        free(s);
        return rc < 0 && rc > BL_E_BASE ? BL_E_UNREACHABLE : rc;
    }
    s->transport = bl_transport_new(&bl_trap_udp_io, NULL, fd, &td);
    s->td = td;
    if (s->transport != NULL) {
        td->peer = target->target;
        s->sessp = snmp_sess_add(&sess, s->transport, NULL, NULL);
    } else {
        close(fd);
    }
    explicit_bzero(&sess, sizeof(sess));
    if (s->sessp == NULL) {
        free(s);
        return BL_E_INVALID;
    }
    s->version = target->version;
    s->inform = target->inform && target->version == BL_TRAP_V2C;
    *out = s;
    return BL_OK;
}

/* The manager's Response to an inform, or net-snmp giving the inform up. */
static int
bl_inform_done(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    struct bl_trap_sender *s = magic;

    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
        s->st.acked++;
    } else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
        s->st.lost++;
    } else {
        return 1; /* e.g. a send error on a retransmission: the request stays pending */
    }
    s->st.pending = s->st.pending > 0 ? s->st.pending - 1 : 0;
    return 1;
}

static int
bl_sender_send(struct bl_trap_sender *s, netsnmp_pdu *pdu)
{
    if (s->inform) {
        pdu->command = SNMP_MSG_INFORM;
        if (snmp_sess_async_send(s->sessp, pdu, bl_inform_done, s) == 0) {
            int err = snmp_sess_session(s->sessp)->s_errno;
            snmp_free_pdu(pdu);
            return err != 0 ? -err : BL_E_PROTO;
        }
        s->st.sent++;
        s->st.pending++;
        return BL_OK;
    }
    if (snmp_sess_send(s->sessp, pdu) == 0) {
        int err = snmp_sess_session(s->sessp)->s_errno;
        snmp_free_pdu(pdu);
        return err != 0 ? -err : BL_E_PROTO;
    }
    return BL_OK;
}

static netsnmp_pdu *
bl_v2_pdu(const oid *trap_oid, size_t trap_oid_len)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
    u_long ticks = bl_uptime_ticks();

    if (pdu == NULL) {
        return NULL;
    }
    snmp_pdu_add_variable(pdu, bl_sysuptime0, OID_LENGTH(bl_sysuptime0), ASN_TIMETICKS, &ticks,
                          sizeof(ticks));
    snmp_pdu_add_variable(pdu, bl_snmptrapoid0, OID_LENGTH(bl_snmptrapoid0), ASN_OBJECT_ID,
                          trap_oid, trap_oid_len * sizeof(oid));
    return pdu;
}

int
bl_trap_sender_send_pet(struct bl_trap_sender *s, const struct bl_pet_event *ev,
                        const uint8_t agent_addr[4])
{
    oid name[OID_LENGTH(bl_pet_enterprise) + 2];
    uint8_t rec[BL_PET_FIXED_LEN + 1];
    size_t len = 0;
    uint32_t specific = 0;
    netsnmp_pdu *pdu;

    if (s == NULL || ev == NULL || bl_pet_encode(ev, rec, sizeof(rec), &len, &specific) != 0) {
        return BL_E_INVALID;
    }
    memcpy(name, bl_pet_enterprise, sizeof(bl_pet_enterprise));
    if (s->version == BL_TRAP_V1) {
        pdu = snmp_pdu_create(SNMP_MSG_TRAP);
        if (pdu == NULL) {
            return -ENOMEM;
        }
        pdu->enterprise = snmp_duplicate_objid(bl_pet_enterprise, OID_LENGTH(bl_pet_enterprise));
        pdu->enterprise_length = OID_LENGTH(bl_pet_enterprise);
        pdu->trap_type = SNMP_TRAP_ENTERPRISESPECIFIC;
        pdu->specific_type = (long) specific;
        pdu->time = bl_uptime_ticks();
        if (agent_addr != NULL) {
            memcpy(pdu->agent_addr, agent_addr, 4);
        }
    } else {
        name[OID_LENGTH(bl_pet_enterprise)] = 0;
        name[OID_LENGTH(bl_pet_enterprise) + 1] = specific;
        pdu = bl_v2_pdu(name, OID_LENGTH(name));
        if (pdu == NULL) {
            return -ENOMEM;
        }
    }
    name[OID_LENGTH(bl_pet_enterprise)] = 1; /* the PET record: 3183.1.1.1 (PET 1.0) */
    snmp_pdu_add_variable(pdu, name, OID_LENGTH(bl_pet_enterprise) + 1, ASN_OCTET_STR, rec, len);
    return bl_sender_send(s, pdu);
}

static bool
bl_name_is(const struct bl_oid *name, const oid *o, size_t len)
{
    if (name->len != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (name->sub[i] != o[i]) {
            return false;
        }
    }
    return true;
}

static void
bl_add_varbind(netsnmp_pdu *pdu, const struct bl_trap_varbind *vb)
{
    oid name[BL_TRAP_OID_MAX], val[BL_TRAP_OID_MAX];
    long integer = (long) vb->integer;

    for (uint32_t i = 0; i < vb->name.len; i++) {
        name[i] = vb->name.sub[i];
    }
    switch (vb->type) {
        case BL_TRAP_VB_INTEGER:
            snmp_pdu_add_variable(pdu, name, vb->name.len, ASN_INTEGER, &integer, sizeof(integer));
            break;
        case BL_TRAP_VB_OCTETS:
            snmp_pdu_add_variable(pdu, name, vb->name.len, ASN_OCTET_STR, vb->value, vb->len);
            break;
        case BL_TRAP_VB_OID:
            for (uint32_t i = 0; i < vb->oid.len; i++) {
                val[i] = vb->oid.sub[i];
            }
            snmp_pdu_add_variable(pdu, name, vb->name.len, ASN_OBJECT_ID, val,
                                  vb->oid.len * sizeof(oid));
            break;
        default:
            break; /* nothing faithful to forward */
    }
}

int
bl_trap_sender_send_msg(struct bl_trap_sender *s, const struct bl_trap_msg *msg)
{
    oid trap_oid[BL_TRAP_OID_MAX];
    netsnmp_pdu *pdu;

    if (s == NULL || msg == NULL || s->version == BL_TRAP_V1 || msg->trap_oid.len == 0) {
        return BL_E_INVALID;
    }
    for (uint32_t i = 0; i < msg->trap_oid.len; i++) {
        trap_oid[i] = msg->trap_oid.sub[i];
    }
    pdu = bl_v2_pdu(trap_oid, msg->trap_oid.len);
    if (pdu == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < msg->n_varbinds; i++) {
        const struct bl_trap_varbind *vb = &msg->vb[i];
        if (vb->name.len == 0 || bl_name_is(&vb->name, bl_sysuptime0, OID_LENGTH(bl_sysuptime0)) ||
            bl_name_is(&vb->name, bl_snmptrapoid0, OID_LENGTH(bl_snmptrapoid0))) {
            continue;
        }
        bl_add_varbind(pdu, vb);
    }
    if (msg->source.family == AF_INET) {
        snmp_pdu_add_variable(pdu, bl_snmptrapaddress0, OID_LENGTH(bl_snmptrapaddress0),
                              ASN_IPADDRESS, msg->source.addr, 4);
    }
    return bl_sender_send(s, pdu);
}

int
bl_trap_sender_fd(const struct bl_trap_sender *s)
{
    return s != NULL && s->inform ? s->transport->sock : -1;
}

void
bl_trap_sender_read(struct bl_trap_sender *s)
{
    netsnmp_large_fd_set fds;

    for (unsigned i = 0; s != NULL && s->inform && i < BL_INFORM_READ_BATCH; i++) {
        s->td->got_datagram = false;
        s->td->last_errno = 0;
        netsnmp_large_fd_set_init(&fds, s->transport->sock + 1);
        NETSNMP_LARGE_FD_SET(s->transport->sock, &fds);
        (void) snmp_sess_read2(s->sessp, &fds); /* responses match requests or are dropped */
        netsnmp_large_fd_set_cleanup(&fds);
        if (!s->td->got_datagram) {
            break;
        }
    }
}

void
bl_trap_sender_timeout(struct bl_trap_sender *s)
{
    if (s != NULL && s->inform && s->st.pending > 0) {
        snmp_sess_timeout(s->sessp);
    }
}

void
bl_trap_sender_get_stats(const struct bl_trap_sender *s, struct bl_trap_sender_stats *out)
{
    *out = s != NULL ? s->st : (struct bl_trap_sender_stats){0};
    out->foreign = s != NULL ? s->td->foreign : 0;
}

void
bl_trap_sender_close(struct bl_trap_sender *s)
{
    if (s == NULL) {
        return;
    }
    snmp_sess_close(s->sessp);
    free(s);
}
