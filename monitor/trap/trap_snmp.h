/*
 * net-snmp glue for the trap receiver and the trap senders (forwarding, simulated BMC,
 * benchmark blaster).
 *
 * Received datagrams go through net-snmp's own session machinery (BER parsing, community
 * and USM processing: authentication, decryption, time window), exactly as snmptrapd does,
 * but over a transport of ours: our socket (O_CLOEXEC, non-blocking), read when the GLib
 * main loop says so, one datagram per call. The listener reads the datagram itself first,
 * so a source filter (bl_trap_snmp_set_filter) drops strangers before any parsing. The transport's I/O is a seam
 * (struct bl_trap_io_ops) so the fuzz target feeds bytes through the same path.
 *
 * net-snmp keeps process-wide state (the USM user table, engine times); bl_trap_snmp_init
 * sets it up once, without reading snmp.conf files or persistent state.
 */
#ifndef BL_TRAP_SNMP_H
#define BL_TRAP_SNMP_H

#include "bl_trap.h"
#include "bl_trap_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Datagram I/O under the net-snmp transport. Every function returns -errno on failure. */
struct bl_trap_io_ops {
    /* Open a datagram endpoint bound to listen; *fd must be O_CLOEXEC and non-blocking. */
    int (*open)(void *io, const struct bl_trap_addr *listen, int *fd);
    /* Read one datagram; -EAGAIN when none is pending. rx_ns: arrival, CLOCK_REALTIME ns
     * (0 when unknown). */
    ssize_t (*recv)(void *io, int fd, void *buf, size_t len, struct bl_trap_addr *src,
                    uint64_t *rx_ns);
    ssize_t (*send)(void *io, int fd, const void *buf, size_t len, const struct bl_trap_addr *dst);
    void (*close)(void *io, int fd);
};

/* The real thing: UDP sockets. io is unused (NULL). */
extern const struct bl_trap_io_ops bl_trap_udp_io;

/**
 * Set up net-snmp for this process (once): no config files, no persistent
 * state, no MIB warnings, library logs routed to libqb.
 * \param[in] app  application name (net-snmp's "type")
 * \return 0 or BL_E_INVALID
 */
int bl_trap_snmp_init(const char *app);

/** Pairs with bl_trap_snmp_init; net-snmp stays set up for the life of the process. */
void bl_trap_snmp_fini(void);

/**
 * Register an SNMPv3 USM user (SHA or SHA-256, AES-128) for an engine ID, so that
 * notifications from that engine authenticate and decrypt. Idempotent per (engine, user).
 * \param[in] user  name, engine ID and passphrases; not kept
 * \return 0 or BL_E_INVALID (bad key material), BL_E_UNSUPPORTED
 */
int bl_trap_snmp_add_user(const struct bl_trap_v3_user *user);

/**
 * Tell net-snmp an engine's boots and time as if learnt from an authenticated message, so
 * its time window refuses notices older than that (replays) from the first one on.
 * \return 0 or BL_E_INVALID
 */
int bl_trap_snmp_engine_time_set(const uint8_t *id, size_t len, uint32_t boots, uint32_t etime);

struct bl_trap_snmp;

/**
 * Called once per notification net-snmp parsed (and, for v3, authenticated).
 * \param[in] msg  the message; valid during the call only
 * \param[in] rx_ns arrival time (CLOCK_REALTIME ns) or 0
 * \return true to acknowledge an InformRequest (ignored for traps)
 */
typedef bool (*bl_trap_snmp_msg_fn)(const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud);

/**
 * Open a listening net-snmp session on listen through ops.
 * \param[out] out  free with bl_trap_snmp_close()
 * \return 0, -errno from ops->open, BL_E_INVALID when net-snmp refuses the session
 */
int bl_trap_snmp_listen(const struct bl_trap_addr *listen, const struct bl_trap_io_ops *ops,
                        void *io, bl_trap_snmp_msg_fn fn, void *ud, struct bl_trap_snmp **out);

/** The descriptor to poll for input. */
int bl_trap_snmp_fd(const struct bl_trap_snmp *s);

/** Whether a datagram from src may reach net-snmp at all. */
typedef bool (*bl_trap_snmp_source_fn)(const struct bl_trap_addr *src, void *ud);

/**
 * Drop datagrams whose source accept refuses as soon as they are read, before net-snmp
 * parses them (no SNMPv3 discovery REPORT, no decryption for strangers).
 * \param[in] accept  NULL lets every source through (the default)
 */
void bl_trap_snmp_set_filter(struct bl_trap_snmp *s, bl_trap_snmp_source_fn accept, void *ud);

/* What became of a datagram read by bl_trap_snmp_read_one. */
enum bl_trap_snmp_read {
    BL_TRAP_SNMP_DELIVERED, /* parsed, authenticated: it reached fn */
    BL_TRAP_SNMP_REFUSED,   /* net-snmp dropped it (BER, version, USM), or too big */
    BL_TRAP_SNMP_FOREIGN,   /* the filter refused its source: never parsed */
};

/**
 * Read and process at most one datagram.
 * \param[out] what  what became of it (when 1 is returned)
 * \param[out] src   the datagram's source (family 0 when none was read)
 * \return 1 when a datagram was consumed, 0 when none was pending, -errno on a read error
 */
int bl_trap_snmp_read_one(struct bl_trap_snmp *s, enum bl_trap_snmp_read *what,
                          struct bl_trap_addr *src);

/** Close the session and its descriptor; accepts NULL. */
void bl_trap_snmp_close(struct bl_trap_snmp *s);

/* ---- sending ---- */

struct bl_trap_sender;

/**
 * Open a notification sender towards target (v1 or v2c with the community, v3 authPriv
 * with our engine ID as the authoritative one). The socket is O_CLOEXEC; sends do not block.
 * \param[in]  target  where and how; not kept
 * \param[out] out     free with bl_trap_sender_close()
 * \return 0 or BL_E_INVALID, BL_E_UNREACHABLE
 */
int bl_trap_sender_open(const struct bl_trap_forward *target, struct bl_trap_sender **out);

/**
 * Send a PET: a v1 trap (enterprise 3183.1.1, generic 6) or, for v2c/v3, its RFC 3584
 * translation (snmpTrapOID 3183.1.1.0.<specific>).
 * \param[in] agent_addr  IPv4 agent address for the v1 header, network order; may be NULL
 * \return 0 or BL_E_PROTO (encoding), -errno (send)
 */
int bl_trap_sender_send_pet(struct bl_trap_sender *s, const struct bl_pet_event *ev,
                            const uint8_t agent_addr[4]);

/**
 * Send a v2c/v3 notification: sysUpTime.0, snmpTrapOID.0 = trap_oid, then the message's
 * varbinds (a received message's sysUpTime/snmpTrapOID are skipped), plus
 * snmpTrapAddress.0 = the original source when it is IPv4. Communities are never copied.
 * \return 0 or BL_E_INVALID (v1 sender), BL_E_PROTO, -errno
 */
int bl_trap_sender_send_msg(struct bl_trap_sender *s, const struct bl_trap_msg *msg);

/* Informs of a sender opened with inform = true (v2c): sent, acknowledged by the manager,
 * given up after the retransmissions, still waiting. */
struct bl_trap_sender_stats {
    uint64_t sent, acked, lost;
    unsigned pending;
    uint64_t foreign; /* datagrams from anyone but the manager: dropped before parsing */
};

/** The descriptor the manager's Responses arrive on; -1 for a trap sender (nothing to read). */
int bl_trap_sender_fd(const struct bl_trap_sender *s);

/** Read the Responses pending on the descriptor (when the main loop says it is readable). */
void bl_trap_sender_read(struct bl_trap_sender *s);

/** Resend informs whose time passed, give up those out of retries; call every ~100 ms. */
void bl_trap_sender_timeout(struct bl_trap_sender *s);

/** Copy the inform counters (all 0 for a trap sender or NULL). */
void bl_trap_sender_get_stats(const struct bl_trap_sender *s, struct bl_trap_sender_stats *out);

/** Close; accepts NULL. */
void bl_trap_sender_close(struct bl_trap_sender *s);

#endif
