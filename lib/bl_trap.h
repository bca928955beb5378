/*
 * Trap intake policy: what bmclinkd does with one received SNMP notification.
 *
 * The network glue (monitor/trap/trap.c) turns a datagram into a struct bl_trap_msg with net-snmp
 * and hands it here. Everything in this file is pure: the allow-list decision (only the
 * node's own BMC, only with the configured community or v3 user at authPriv), PET and
 * OID-matched notice decoding, severity mapping, and the de-duplication / replay window.
 * No globals, no I/O; the caller passes the time.
 */
#ifndef BL_TRAP_H
#define BL_TRAP_H

#include "bl_pet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_TRAP_OID_MAX 64      /* sub-identifiers kept per OID; longer ones never match */
#define BL_TRAP_VALUE_MAX 256   /* value bytes kept per varbind (a PET record fits) */
#define BL_TRAP_VARBINDS_MAX 16 /* varbinds kept per message; more are dropped */
#define BL_TRAP_SECRET_MAX 64   /* community string or passphrase bytes */
#define BL_TRAP_USER_MAX 32     /* SNMPv3 user name (RFC 3414: 1..32) */
#define BL_TRAP_NOTICE_OIDS_MAX 4
#define BL_TRAP_DEDUP_SLOTS 64

/* PET enterprise, as BMCs send it. */
#define BL_TRAP_PET_ENTERPRISE "1.3.6.1.4.1.3183.1.1"

struct bl_oid {
    uint32_t len;
    uint32_t sub[BL_TRAP_OID_MAX];
};

struct bl_trap_addr {
    int family;       /* AF_INET or AF_INET6; 0 = unset */
    uint8_t addr[16]; /* network byte order, 4 bytes used for AF_INET */
    uint16_t port;    /* host byte order */
};

enum bl_trap_version {
    BL_TRAP_V1 = 1,
    BL_TRAP_V2C = 2,
    BL_TRAP_V3 = 3,
};

enum bl_trap_seclevel {
    BL_TRAP_SEC_NONE = 1,     /* noAuthNoPriv */
    BL_TRAP_SEC_AUTH = 2,     /* authNoPriv */
    BL_TRAP_SEC_AUTHPRIV = 3, /* authPriv */
};

enum bl_trap_vbtype {
    BL_TRAP_VB_OTHER = 0,
    BL_TRAP_VB_INTEGER, /* INTEGER, Counter, Gauge, TimeTicks, Counter64 (in .integer) */
    BL_TRAP_VB_OCTETS,  /* OCTET STRING, Opaque, IpAddress */
    BL_TRAP_VB_OID,     /* OBJECT IDENTIFIER (in .oid) */
};

struct bl_trap_varbind {
    struct bl_oid name;
    enum bl_trap_vbtype type;
    int64_t integer;
    struct bl_oid oid;
    uint16_t len; /* bytes in value */
    bool value_truncated;
    uint8_t value[BL_TRAP_VALUE_MAX];
};

/* One received notification, decoupled from net-snmp's structures. */
struct bl_trap_msg {
    enum bl_trap_version version;
    struct bl_trap_addr source; /* UDP source of the datagram */
    bool is_inform;
    /* v1/v2c */
    uint8_t community[BL_TRAP_SECRET_MAX];
    size_t community_len;
    bool community_too_long;
    /* v3 (already authenticated/decrypted by net-snmp's USM when seclevel says so) */
    char security_name[BL_TRAP_USER_MAX + 1];
    enum bl_trap_seclevel seclevel;
    /* v3: msgAuthoritativeEngineBoots/Time of this message (covered by its authentication);
     * a v3 message without them is dropped */
    bool have_engine_time;
    uint32_t engine_boots;
    uint32_t engine_time;
    /* v1 header */
    struct bl_oid enterprise;
    int generic_trap;
    uint32_t specific_trap;
    /* snmpTrapOID.0 (v2c/v3) or its RFC 3584 translation (v1) */
    struct bl_oid trap_oid;
    size_t n_varbinds;
    bool varbinds_dropped; /* more than BL_TRAP_VARBINDS_MAX */
    struct bl_trap_varbind vb[BL_TRAP_VARBINDS_MAX];
};

/* What the node accepts. Filled from the configuration (bl_trap_config.h). */
struct bl_trap_policy {
    struct bl_trap_addr bmc;               /* the only accepted source (port ignored) */
    uint8_t community[BL_TRAP_SECRET_MAX]; /* v1/v2c refused when community_len is 0 */
    size_t community_len;
    char v3_user[BL_TRAP_USER_MAX + 1]; /* v3 refused when empty; always authPriv */
    bool accept_v1;
    bool accept_v2c;
    uint8_t fatal_severity; /* PET severity at or above which the notice is fatal */
    struct bl_oid fatal_oids[BL_TRAP_NOTICE_OIDS_MAX];
    size_t n_fatal_oids;
    struct bl_oid recoverable_oids[BL_TRAP_NOTICE_OIDS_MAX];
    size_t n_recoverable_oids;
    uint32_t dedup_window_s;  /* a repeat inside this window is a duplicate (BMC resend) */
    uint32_t replay_window_s; /* a PET older than the newest seen by more than this is refused */
};

enum bl_trap_verdict {
    BL_TRAP_FATAL = 1,   /* run the recovery */
    BL_TRAP_RECOVERABLE, /* record, health yellow, forward */
    BL_TRAP_DUPLICATE,   /* a resend of something already accepted: re-acknowledge only */
    BL_TRAP_DROPPED,     /* never acted on; see the reason */
};

enum bl_trap_drop {
    BL_TRAP_DROP_NONE = 0,
    BL_TRAP_DROP_PARSE,     /* net-snmp could not parse / authenticate the datagram */
    BL_TRAP_DROP_SOURCE,    /* not from this node's BMC */
    BL_TRAP_DROP_VERSION,   /* SNMP version not enabled */
    BL_TRAP_DROP_AUTH,      /* wrong community or v3 user */
    BL_TRAP_DROP_SECLEVEL,  /* v3 below authPriv */
    BL_TRAP_DROP_UNMATCHED, /* not a PET and no configured notice OID */
    BL_TRAP_DROP_MALFORMED, /* PET record missing or of the wrong size */
    BL_TRAP_DROP_REPLAY,    /* an old notice sent again */
    BL_TRAP_DROP_COUNT,
};

/* The decision about one message; what the daemon's callback receives. */
struct bl_trap_event {
    enum bl_trap_verdict verdict;
    enum bl_trap_drop drop;
    enum bl_trap_version version;
    struct bl_trap_addr source;
    bool is_pet;
    struct bl_pet_event pet; /* valid when is_pet */
    struct bl_oid trap_oid;
    uint64_t key; /* de-duplication key */
};

struct bl_trap_dedup_slot {
    uint64_t key;
    uint64_t seen_s;
    bool used;
};

/* De-duplication and replay state for one BMC. Zero-initialise before use. */
struct bl_trap_dedup {
    struct bl_trap_dedup_slot slot[BL_TRAP_DEDUP_SLOTS];
    size_t next;
    bool have_pet_ts;
    uint32_t newest_pet_ts;
    /* The newest SNMPv3 engine boots and time accepted from the BMC, and when (the clock of
     * the slots) the first message of that engine second was: a v3 message older than it is
     * a replay, one of the same second only while no key of it was seen and inside the
     * de-duplication window (two notices the BMC sent within one second). */
    bool have_v3_time;
    uint32_t v3_boots;
    uint32_t v3_time;
    uint64_t v3_seen_s;
};

/**
 * Decide what to do with one message and update the de-duplication state when accepted.
 * \param[in]     policy  the node's policy
 * \param[in,out] dedup   the BMC's de-duplication state
 * \param[in]     msg     the message
 * \param[in]     now_s   monotonic seconds
 * \param[out]    ev      the decision, always filled
 * \return ev->verdict
 */
enum bl_trap_verdict bl_trap_decide(const struct bl_trap_policy *policy,
                                    struct bl_trap_dedup *dedup, const struct bl_trap_msg *msg,
                                    uint64_t now_s, struct bl_trap_event *ev);

/**
 * The allow-list part of bl_trap_decide alone: source, version, credentials.
 * \return BL_TRAP_DROP_NONE when allowed
 */
enum bl_trap_drop bl_trap_allowed(const struct bl_trap_policy *policy,
                                  const struct bl_trap_msg *msg);

/**
 * Fill msg->trap_oid from a v1 header as RFC 3584 section 3.1 does (generic traps map to
 * snmpTraps.N, enterprise-specific to enterprise.0.specific).
 */
void bl_trap_v1_trap_oid(struct bl_trap_msg *msg);

/** Policy defaults: fatal at non-recoverable, 60 s de-duplication, 300 s replay window. */
void bl_trap_policy_init(struct bl_trap_policy *policy);

/**
 * Parse a dotted OID ("1.3.6.1..." with an optional leading dot).
 * \return 0 or BL_E_INVALID (empty, junk, a sub-identifier over 2^32-1, too long)
 */
int bl_trap_oid_parse(const char *text, struct bl_oid *out);

/**
 * Format an OID in dotted form, truncated to fit.
 * \param[out] buf  caller's buffer
 */
void bl_trap_oid_format(const struct bl_oid *oid, char *buf, size_t buflen);

/** True when prefix is a prefix of (or equal to) oid. */
bool bl_trap_oid_has_prefix(const struct bl_oid *oid, const struct bl_oid *prefix);

/** True when both OIDs are equal. */
bool bl_trap_oid_equal(const struct bl_oid *a, const struct bl_oid *b);

/**
 * Parse an IPv4 or IPv6 address with an optional port: "10.0.0.1", "10.0.0.1:1162",
 * "[fe80::1]:162", "::1". A missing port gives default_port.
 * \return 0 or BL_E_INVALID
 */
int bl_trap_addr_parse(const char *text, uint16_t default_port, struct bl_trap_addr *out);

/** Same host (family and address; port ignored). */
bool bl_trap_addr_same_host(const struct bl_trap_addr *a, const struct bl_trap_addr *b);

/** Format "ip:port" ("[ip]:port" for IPv6) into buf. */
void bl_trap_addr_format(const struct bl_trap_addr *addr, char *buf, size_t buflen);

/** Static names for logs and counters. */
const char *bl_trap_verdict_name(enum bl_trap_verdict verdict);
const char *bl_trap_drop_name(enum bl_trap_drop drop);

#endif
