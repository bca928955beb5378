/*
 * What trap_snmp.c (receiving) and trap_send.c (sending) share, internal to the trap
 * module: the well-known OIDs, our net-snmp transport over struct bl_trap_io_ops, and the
 * USM fields of a session.
 */
#ifndef BL_TRAP_SNMP_INT_H
#define BL_TRAP_SNMP_INT_H

#include "trap_snmp.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

/* Largest datagram we read: a notice is a few hundred bytes; UDP cannot exceed this. */
#define BL_TRAP_DGRAM_MAX 65535

#define BL_OID_SYSUPTIME0_LEN 9
#define BL_OID_SNMPTRAPOID0_LEN 11
#define BL_OID_SNMPTRAPADDRESS0_LEN 10
#define BL_OID_PET_ENTERPRISE_LEN 9

extern const oid bl_sysuptime0[BL_OID_SYSUPTIME0_LEN];             /* sysUpTime.0 */
extern const oid bl_snmptrapoid0[BL_OID_SNMPTRAPOID0_LEN];         /* snmpTrapOID.0 */
extern const oid bl_snmptrapaddress0[BL_OID_SNMPTRAPADDRESS0_LEN]; /* snmpTrapAddress.0 */
extern const oid bl_pet_enterprise[BL_OID_PET_ENTERPRISE_LEN];     /* 3183.1.1 (PET) */

/* What our netsnmp_transport's data points at (net-snmp frees it with free()). */
struct bl_transport_data {
    const struct bl_trap_io_ops *ops;
    void *io;
    struct bl_trap_addr peer; /* senders: the destination */
    uint64_t rx_ns;           /* arrival time of the datagram being processed */
    struct bl_trap_addr src;  /* its source, kept for datagrams net-snmp refuses */
    const uint8_t *pending;   /* listeners: the datagram already read, for f_recv to return */
    size_t pending_len;
    bool got_datagram;
    int last_errno;
    uint64_t foreign; /* senders: datagrams from anyone but the peer, dropped unparsed */
};

/**
 * A net-snmp transport over \p fd and \p ops (owned by the session it is added to).
 * \param[out] tdp  its data, owned by the transport
 * \return the transport, or NULL (out of memory)
 */
netsnmp_transport *bl_transport_new(const struct bl_trap_io_ops *ops, void *io, int fd,
                                    struct bl_transport_data **tdp);

/**
 * Fill a session's USM fields (authPriv, AES-128) with master keys from the passphrases.
 * \return 0, BL_E_UNSUPPORTED (auth protocol), BL_E_INVALID (key derivation)
 */
int bl_session_usm(netsnmp_session *sess, const struct bl_trap_v3_user *u);

#endif
