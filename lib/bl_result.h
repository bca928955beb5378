/*
 * bmclink result codes.
 *
 * One convention everywhere: 0 is success, a negative errno is a system error, and the
 * project's own conditions are below BL_E_BASE. Codes from other libraries (corosync's
 * CS_OK == 1, net-snmp, OpenIPMI) are converted where they are received, never passed on.
 */
#ifndef BL_RESULT_H
#define BL_RESULT_H

#define BL_OK 0
#define BL_E_BASE (-1000)

enum bl_error {
    BL_E_INVALID = BL_E_BASE - 1,     /* bad argument or configuration value */
    BL_E_PROTO = BL_E_BASE - 2,       /* a peer sent something malformed */
    BL_E_TIMEOUT = BL_E_BASE - 3,     /* a peer did not answer in time */
    BL_E_AUTH = BL_E_BASE - 4,        /* authentication refused (wrong user/password/key) */
    BL_E_WEAK_CRYPTO = BL_E_BASE - 5, /* refused: insecure cipher or auth type not allowed */
    BL_E_BMC = BL_E_BASE - 6,         /* the BMC answered with an IPMI completion code error */
    BL_E_UNREACHABLE = BL_E_BASE - 7, /* address unresolvable or peer unreachable */
    BL_E_STATE = BL_E_BASE - 8,       /* the device did not reach the expected state */
    BL_E_UNSUPPORTED = BL_E_BASE - 9, /* operation not supported */
    BL_E_TYPE = BL_E_BASE - 10,       /* registry value of the wrong type or malformed data */
    BL_E_NOQUORUM = BL_E_BASE - 11,   /* refused: this node's partition has no quorum */
    BL_E_NOTSYNC = BL_E_BASE - 12,    /* this node's replica is not (yet) in sync */
    BL_E_INDOUBT = BL_E_BASE - 13,    /* membership changed before a write was confirmed */
    BL_E_CORRUPT = BL_E_BASE - 14,    /* a local store failed its integrity check */
    BL_E_IMPOSTOR = BL_E_BASE - 15,   /* the IPC server does not run as root: not bmclinkd */
    BL_E_LAST = BL_E_BASE - 16,
};

/**
 * Describe a result code.
 * \param[in] rc  0, a negative errno or a BL_E_* code
 * \return a static string; never NULL, never to be freed
 */
const char *bl_strerror(int rc);

#endif
