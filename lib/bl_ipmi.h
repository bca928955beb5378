/*
 * IPMI-over-LAN client: session parameters, message helpers and the session seam.
 *
 * Three layers, each usable alone:
 *  - pure helpers (this header, bl_ipmi_msg.c): cipher suite table, parameter checks,
 *    request building and bounds-checked reply decoding. No I/O.
 *  - the seam: struct bl_ipmi_ops, an asynchronous open/send/close interface. The real
 *    backend is OpenIPMI's LAN layer on a GLib main loop (bl_ipmi_lan.h); unit tests and
 *    the daemon's tests plug in a fake with the same shape.
 *  - a small synchronous wrapper for short-lived processes (bl_ipmi_sync.h).
 *
 * Every byte a BMC sends is treated as hostile: decoders check the completion code and the
 * length before reading a field, and never read past the buffer they are given.
 */
#ifndef BL_IPMI_H
#define BL_IPMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wire limits from the IPMI 2.0 specification. */
#define BL_IPMI_USER_MAX 16       /* user name, bytes */
#define BL_IPMI_PASSWORD_MAX 20   /* IPMI 2.0 password, bytes */
#define BL_IPMI_PASSWORD15_MAX 16 /* IPMI 1.5 password, bytes */
#define BL_IPMI_KG_MAX 20         /* BMC key Kg, bytes */
#define BL_IPMI_HOST_MAX 255      /* host name or address, characters */

/*
 * Cipher suite choice. BL_IPMI_CIPHER_AUTO (the default) asks the BMC (Get Channel Cipher
 * Suites) and takes the best suite it offers, 17 (RAKP-HMAC-SHA256 / HMAC-SHA256-128 /
 * AES-CBC-128) before 3 (the SHA-1 equivalent); a BMC that does not answer is tried with
 * 17, then 3. A number pins that suite.
 */
#define BL_IPMI_CIPHER_AUTO 0xff
#define BL_IPMI_DEFAULT_CIPHER BL_IPMI_CIPHER_AUTO
#define BL_IPMI_CIPHER_MAX 19 /* highest suite number of the standard table */
#define BL_IPMI_CMD_GET_CHANNEL_CIPHER_SUITES 0x54
#define BL_IPMI_DEFAULT_PORT 623
#define BL_IPMI_DEFAULT_MSG_TIMEOUT_MS 1000

/* Network functions and commands used by bmclink. */
#define BL_IPMI_NETFN_CHASSIS 0x00
#define BL_IPMI_NETFN_SENSOR_EVENT 0x04
#define BL_IPMI_NETFN_APP 0x06
#define BL_IPMI_CMD_GET_CHASSIS_STATUS 0x01
#define BL_IPMI_CMD_CHASSIS_CONTROL 0x02
#define BL_IPMI_CMD_PET_ACK 0x17
#define BL_IPMI_CMD_GET_DEVICE_ID 0x01

/* Largest IPMI message body we accept in either direction. */
#define BL_IPMI_MSG_MAX 256

enum bl_ipmi_priv {
    BL_IPMI_PRIV_CALLBACK = 1,
    BL_IPMI_PRIV_USER = 2,
    BL_IPMI_PRIV_OPERATOR = 3,
    BL_IPMI_PRIV_ADMIN = 4,
};

/* IPMI 1.5 authentication types (the values are the wire codes). */
enum bl_ipmi_auth15 {
    BL_IPMI_AUTH15_NONE = 0,
    BL_IPMI_AUTH15_MD5 = 2,
    BL_IPMI_AUTH15_STRAIGHT = 4, /* password in clear text */
};

/* RMCP+ algorithm numbers (IPMI 2.0 table 13-17 .. 13-19). */
enum bl_ipmi_rakp {
    BL_IPMI_RAKP_NONE = 0,
    BL_IPMI_RAKP_HMAC_SHA1 = 1,
    BL_IPMI_RAKP_HMAC_MD5 = 2,
    BL_IPMI_RAKP_HMAC_SHA256 = 3,
};
enum bl_ipmi_integ {
    BL_IPMI_INTEG_NONE = 0,
    BL_IPMI_INTEG_HMAC_SHA1_96 = 1,
    BL_IPMI_INTEG_HMAC_MD5_128 = 2,
    BL_IPMI_INTEG_MD5_128 = 3,
    BL_IPMI_INTEG_HMAC_SHA256_128 = 4,
};
enum bl_ipmi_conf {
    BL_IPMI_CONF_NONE = 0,
    BL_IPMI_CONF_AES_CBC_128 = 1,
    BL_IPMI_CONF_XRC4_128 = 2,
    BL_IPMI_CONF_XRC4_40 = 3,
};

/* One row of the cipher suite table (IPMI 2.0 table 22-20). */
struct bl_ipmi_cipher {
    uint8_t suite;
    enum bl_ipmi_rakp auth;
    enum bl_ipmi_integ integ;
    enum bl_ipmi_conf conf;
};

/* Chassis Control sub-commands (IPMI 2.0 table 28-4). */
enum bl_ipmi_chassis_ctl {
    BL_IPMI_CHASSIS_OFF = 0,
    BL_IPMI_CHASSIS_ON = 1,
    BL_IPMI_CHASSIS_CYCLE = 2,
    BL_IPMI_CHASSIS_HARD_RESET = 3,
    BL_IPMI_CHASSIS_DIAG = 4, /* pulse diagnostic interrupt (NMI) */
    BL_IPMI_CHASSIS_SOFT_OFF = 5,
};

/* Decoded Get Chassis Status reply (IPMI 2.0 table 28-3). */
struct bl_ipmi_chassis_status {
    bool power_on;
    bool power_overload;
    bool interlock;
    bool power_fault;
    bool power_control_fault;
    uint8_t restore_policy; /* 0 stay off, 1 restore, 2 power up, 3 unknown */
    uint8_t last_event;     /* raw "last power event" byte */
    bool intrusion;
    bool front_panel_lockout;
    bool drive_fault;
    bool fan_fault;
    bool has_front_panel; /* the optional 4th data byte was present */
    uint8_t front_panel;
};

/*
 * Everything needed to open a session. Plain fixed-size fields: the struct can be copied,
 * owns no heap memory, and bl_ipmi_params_wipe() clears the secrets in place.
 */
struct bl_ipmi_params {
    char host[BL_IPMI_HOST_MAX + 1]; /* numeric address for the async API */
    uint16_t port;
    char username[BL_IPMI_USER_MAX + 1];
    char password[BL_IPMI_PASSWORD_MAX + 1];
    uint8_t kg[BL_IPMI_KG_MAX];
    size_t kg_len; /* 0: no Kg, the password key is used */
    enum bl_ipmi_priv priv;
    bool lanplus;                /* true: IPMI 2.0 RMCP+; false: IPMI 1.5 */
    uint8_t cipher;              /* RMCP+ suite 0..19, or BL_IPMI_CIPHER_AUTO */
    enum bl_ipmi_auth15 auth15;  /* IPMI 1.5 only */
    bool allow_weak;             /* permit suites/auth types refused by default */
    unsigned int msg_timeout_ms; /* retransmit interval per request */
};

/**
 * Fill \p p with the secure defaults: RMCP+, cipher suite chosen automatically, administrator, port
 * 623, MD5 for IPMI 1.5, weak crypto refused. \param[out] p  parameters to initialise
 */
void bl_ipmi_params_init(struct bl_ipmi_params *p);

/**
 * Clear the password and Kg held in \p p (explicit_bzero). Safe on NULL.
 * \param[in,out] p  parameters to wipe
 */
void bl_ipmi_params_wipe(struct bl_ipmi_params *p);

/**
 * Check \p p before use.
 * \param[in]  p    parameters
 * \param[out] why  a static explanation on failure (may be NULL); never to be freed
 * \return 0; BL_E_INVALID (empty host, bad port, bad privilege, password too long for
 *         IPMI 1.5, Kg with IPMI 1.5); BL_E_WEAK_CRYPTO (a suite without integrity or
 *         confidentiality, or IPMI 1.5 auth none/straight, without allow_weak);
 *         BL_E_UNSUPPORTED (an RC4 suite, which OpenIPMI does not implement)
 */
int bl_ipmi_params_check(const struct bl_ipmi_params *p, const char **why);

/**
 * Look up a cipher suite.
 * \param[in]  suite  suite number as used by ipmitool -C
 * \param[out] out    the algorithms (may be NULL)
 * \return 0, BL_E_INVALID for a number outside 0..19
 */
int bl_ipmi_cipher_lookup(unsigned int suite, struct bl_ipmi_cipher *out);

/**
 * Whether a suite lacks authentication, integrity or confidentiality (0, 1, 2, 6, 7, 11,
 * 15, 16): without integrity anyone on the path could forge a power command inside the
 * session, without confidentiality read the session's traffic.
 */
bool bl_ipmi_cipher_is_weak(const struct bl_ipmi_cipher *c);

/** Whether our client implements every algorithm of the suite (everything but RC4). */
bool bl_ipmi_cipher_is_supported(const struct bl_ipmi_cipher *c);

/**
 * Decode the records of Get Channel Cipher Suites replies (IPMI 2.0 table 22-18):
 * standard records (0xc0, suite, algorithms...) and OEM records (0xc1, suite, IANA[3],
 * algorithms...). A record counts once its suite number is there (pages are concatenated
 * before parsing, so only the last one can be cut); bytes that start no record are skipped,
 * and suite numbers outside 0..19 and OEM records are ignored.
 * \param[in]  rec    record bytes, the pages concatenated (after cc and channel)
 * \param[in]  len    bytes in \p rec
 * \param[out] suites standard suite numbers found, in offer order
 * \param[in]  cap    room in \p suites
 * \return the number of suites stored (0..cap)
 */
size_t bl_ipmi_cipher_records_parse(const uint8_t *rec, size_t len, uint8_t *suites, size_t cap);

/**
 * Our policy: the suites we would open, best first. With \p offered (n > 0) only suites
 * the BMC listed; with n == 0 (the BMC did not say) the blind fallback, 17 then 3.
 * Suites without integrity or confidentiality enter only with \p allow_weak, and even
 * then never one without authentication or integrity (0, 1, 6, 15: pin those explicitly).
 * \param[in]  offered  suites the BMC offers (may be NULL when n is 0)
 * \param[out] out      candidates, best first
 * \param[in]  cap      room in \p out
 * \return number of candidates (0: nothing acceptable)
 */
size_t bl_ipmi_cipher_candidates(const uint8_t *offered, size_t n, bool allow_weak, uint8_t *out,
                                 size_t cap);

/**
 * Build the body of Get Channel Cipher Suites for the current channel, IPMI payload,
 * listed by suite, page \p index (16 record bytes per page).
 * \param[out] buf  3 bytes
 * \return 3 or BL_E_INVALID
 */
int bl_ipmi_build_cipher_suites_req(uint8_t index, uint8_t *buf, size_t cap);

/**
 * Decode a hexadecimal Kg ("0x" prefix allowed, at most 40 digits, even count).
 * \param[in]  hex  text
 * \param[out] kg   BL_IPMI_KG_MAX bytes
 * \param[out] len  bytes written
 * \return 0 or BL_E_INVALID
 */
int bl_ipmi_parse_kg_hex(const char *hex, uint8_t *kg, size_t *len);

/**
 * Validate a reply: non-empty, completion code zero, at least \p min_len bytes (the
 * completion code included).
 * \param[in]  rsp      reply bytes, rsp[0] is the completion code (may be NULL if len 0)
 * \param[in]  len      reply length
 * \param[in]  min_len  minimum length including the completion code
 * \param[out] cc       the completion code (0xff if the reply was empty); may be NULL
 * \return 0, BL_E_BMC (cc != 0) or BL_E_PROTO (empty or short reply)
 */
int bl_ipmi_reply_check(const uint8_t *rsp, size_t len, size_t min_len, uint8_t *cc);

/**
 * Decode a Get Chassis Status reply.
 * \param[in]  rsp  reply bytes, completion code first
 * \param[in]  len  reply length
 * \param[out] out  decoded status
 * \return 0, BL_E_BMC or BL_E_PROTO (see bl_ipmi_reply_check)
 */
int bl_ipmi_decode_chassis_status(const uint8_t *rsp, size_t len,
                                  struct bl_ipmi_chassis_status *out);

/**
 * Build the request body of Chassis Control.
 * \param[in]  ctl  sub-command
 * \param[out] buf  at least one byte
 * \param[in]  cap  size of \p buf
 * \return body length (1) or BL_E_INVALID
 */
int bl_ipmi_build_chassis_control(enum bl_ipmi_chassis_ctl ctl, uint8_t *buf, size_t cap);

/** Static name of a chassis control sub-command ("power off", "NMI" ...). */
const char *bl_ipmi_chassis_ctl_name(enum bl_ipmi_chassis_ctl ctl);

/** IPMI checksum of \p n bytes: the byte that makes their sum zero (mod 256). */
uint8_t bl_ipmi_checksum(const uint8_t *p, size_t n);

/**
 * Build a session-less IPMI 1.5 LAN request (RMCP, auth type none, session 0), as used
 * for Get Channel Cipher Suites before any session exists. Requester 0x81, BMC 0x20.
 * \param[in]  seq   requester sequence number (0..63)
 * \param[in]  data  request body (may be NULL when len is 0), at most 32 bytes
 * \param[out] out   packet
 * \param[in]  cap   room in \p out (14 + len + 1 needed)
 * \return the packet length or BL_E_INVALID
 */
int bl_ipmi_v15_request(uint8_t netfn, uint8_t cmd, uint8_t seq, const uint8_t *data, size_t len,
                        uint8_t *out, size_t cap);

/**
 * Check a session-less IPMI 1.5 LAN reply to the request above: RMCP class, auth type
 * none, lengths, both checksums, addresses, net function, command and sequence.
 * \param[in]  pkt       datagram as received
 * \param[out] body      points into \p pkt at the completion code
 * \param[out] body_len  completion code and data bytes
 * \return 0 or BL_E_PROTO (anything else: not the reply we wait for)
 */
int bl_ipmi_v15_reply(const uint8_t *pkt, size_t len, uint8_t netfn, uint8_t cmd, uint8_t seq,
                      const uint8_t **body, size_t *body_len);

/** Static description of an IPMI completion code; never NULL. */
const char *bl_ipmi_cc_str(uint8_t cc);

/** Static name of a privilege level ("administrator" ...); never NULL. */
const char *bl_ipmi_priv_name(enum bl_ipmi_priv priv);

/* ---------------------------------------------------------------------------------- */
/* The seam: asynchronous sessions.                                                    */

typedef struct bl_ipmi_session bl_ipmi_session; /* defined by each backend */

/**
 * Session state change. The first call reports the result of the open: rc 0 (up) or a
 * negative code (BL_E_AUTH, BL_E_TIMEOUT, BL_E_UNREACHABLE, BL_E_PROTO ...). A later call
 * with rc < 0 reports a session lost; rc 0 again means it came back.
 */
typedef void (*bl_ipmi_state_cb)(bl_ipmi_session *s, int rc, void *user_data);

/**
 * Reply to one request. rc 0: \p rsp holds \p len >= 1 bytes, rsp[0] the completion code,
 * valid only during the call. rc < 0: no reply (BL_E_TIMEOUT, -ECANCELED when the session
 * closed first); \p rsp is NULL.
 */
typedef void (*bl_ipmi_rsp_cb)(bl_ipmi_session *s, int rc, const uint8_t *rsp, size_t len,
                               void *user_data);

/*
 * How a node reaches its own BMC ([bmc] path in bmclink.conf, bl_ipmi_route.h): RMCP+ over
 * the LAN, the local IPMI driver (/dev/ipmi0) with the LAN as the fallback of a request the
 * driver fails, or the driver when its device opens and the LAN otherwise.
 */
enum bl_ipmi_path {
    BL_IPMI_PATH_NONE = 0, /* in the counters: no path up */
    BL_IPMI_PATH_LAN,
    BL_IPMI_PATH_INBAND,
    BL_IPMI_PATH_AUTO,
};

/* Packet counters of one session, as the backend saw them. */
struct bl_ipmi_stats {
    unsigned int tx_packets;
    unsigned int rx_packets;
    unsigned int retransmits;
    unsigned int timeouts;
    unsigned int rejected; /* received but dropped: malformed, bad session, bad auth code */
    uint8_t cipher;        /* RMCP+ suite of the current attempt (0 for IPMI 1.5) */
    /* Where requests go now (enum bl_ipmi_path: LAN, INBAND or NONE; 0 from backends that
     * do not say, read as LAN), and, for a route with both, how many went in-band, how many
     * went to the LAN after the driver failed them or while it was down. */
    uint8_t path;
    unsigned int inband_sent;
    unsigned int fallbacks;
};

struct bl_ipmi_ops {
    const char *name;
    /**
     * Start opening a session. The state callback runs later from the main loop, never
     * from inside open().
     * \param[in]  backend    the backend's own state (e.g. struct bl_ipmi_lan *)
     * \param[in]  params     copied; the caller may wipe it once open() returns
     * \param[in]  cb         state callback (required)
     * \param[out] out        the session, to be released with close()
     * \return 0 or a negative code (nothing to close then)
     */
    int (*open)(void *backend, const struct bl_ipmi_params *params, bl_ipmi_state_cb cb,
                void *user_data, bl_ipmi_session **out);
    /**
     * Send one request on an open session.
     * \param[in] data  request body, copied (may be NULL when len is 0)
     * \param[in] cb    reply callback, called exactly once, never from inside send()
     * \return 0 or a negative code (the callback will not be called then)
     */
    int (*send)(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
                bl_ipmi_rsp_cb cb, void *user_data);
    /**
     * Close and free a session; NULL is a no-op. Requests still pending get their
     * callback with -ECANCELED before close() returns; the state callback is not called.
     */
    void (*close)(bl_ipmi_session *s);
    /** Copy the session's packet counters into \p out. */
    void (*get_stats)(bl_ipmi_session *s, struct bl_ipmi_stats *out);
};

/* A backend and its operations, as passed around by callers. */
struct bl_ipmi_client {
    const struct bl_ipmi_ops *ops;
    void *backend;
};

#endif
