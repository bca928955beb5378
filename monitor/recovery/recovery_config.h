/*
 * The BMC side of bmclink.conf (the GLib key file shared by all nodes, next to the trap
 * groups of bl_trap_config.h):
 *
 *   [bmc]              IPMI access common to every node's BMC (user, password file, cipher)
 *   [bmc-node NAME]    one node's BMC: address (default: `bmc` of [trap-node NAME]) and any
 *                      [bmc] key to override
 *   [heartbeat]        polling of every BMC, node attributes
 *   [health]           #health-bmc from recoverable notices
 *   [recovery]         the recovery of a fatal notice: notices, action, target, timeouts
 *
 * One table of the config engine (bl_conf.h, bl_bmc_conf_keys) drives parsing, defaults and
 * the documentation. Errors name file, line, group and key, all of them in one report, and
 * never echo a secret; groups neither this reader nor the trap side's reads are refused. The BMC
 * password is read from password_file (0600, or 0640 at most: a world-readable file is refused) or,
 * in the 0600 configuration file, `password`.
 */
#ifndef BL_RECOVERY_CONFIG_H
#define BL_RECOVERY_CONFIG_H

#include "bl_conf.h"
#include "bl_ipmi.h"
#include "recovery.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_BMC_NODES_MAX 256  /* BMCs one daemon talks to */
#define BL_NOTICE_DATA_MAX 32 /* data bytes of a configured notice command */
#define BL_BMC_PATH_MAX 256

/* A raw IPMI request: NETFN:CMD[:DATA...] in the file, e.g. 0x30:0x81 or 2e:10:57:01:00. */
struct bl_notice_cmd {
    uint8_t netfn;
    uint8_t cmd;
    size_t len;
    uint8_t data[BL_NOTICE_DATA_MAX];
};

struct bl_bmc_node {
    char node[BL_REC_NAME_MAX];
    struct bl_ipmi_params ipmi; /* holds the password: wiped by bl_bmc_config_free */
    enum bl_ipmi_path path;     /* [bmc] path: used for the daemon's own node only */
    char device[BL_BMC_PATH_MAX];
};

struct bl_hb_config {
    bool enabled;
    uint32_t interval_ms; /* one Get Chassis Status per BMC per interval */
    uint32_t misses;      /* silent polls needed too before the BMC is unreachable */
    uint32_t reopen_ms;   /* a lost session is opened again at most this often */
    bool publish;         /* write bmclink-bmc-reachable / bmclink-bmc-power */
    bool sel;             /* read the local BMC's SEL into #health-bmc */
    /* one Get SEL Info per sel_interval_ms; the SEL position kept in sel_state_dir ("": in
     * memory only) */
    uint32_t sel_interval_ms;
    char sel_state_dir[BL_BMC_PATH_MAX];
    /* silence (no answer) that makes a BMC unreachable; after a power event a link drop is
     * expected for drop_window_ms (0: never), docs/bmc-health.md */
    uint32_t silence_ms;
    uint32_t drop_window_ms;
};

struct bl_health_config {
    bool enabled;
    uint32_t hold_s;      /* a condition without its deassertion clears after this */
    uint8_t red_severity; /* PET severity at or above which #health-bmc turns red */
};

struct bl_recovery_config {
    struct bl_rec_settings set; /* kind, timeout, poll, clear_after (ns) */
    char target[BL_REC_NAME_MAX];
    char attribute[BL_REC_NAME_MAX];        /* failover: the transient node attribute */
    uint32_t reset_window_ms;               /* the BMC's W: the timeout must stay below it */
    uint32_t notice_timeout_ms;             /* give up a notice after this (BMC unreachable) */
    bool pet_ack;                           /* send the PET Acknowledge */
    struct bl_notice_cmd start, end;        /* start and end notices */
    bool end_result_byte;                   /* append the result code to the end notice */
    uint8_t end_codes[BL_REC_RESULT_COUNT]; /* success, timeout, failed, no-node */
    char script[BL_BMC_PATH_MAX];           /* action = script */
    char **stop_argv;                       /* action = stop-cluster (no shell), NULL-terminated */
};

struct bl_bmc_config {
    size_t n_nodes;
    struct bl_bmc_node *nodes;
    struct bl_hb_config hb;
    struct bl_health_config health;
    struct bl_recovery_config rec;
};

/**
 * Load and check the BMC side of a configuration file.
 * \param[in]  path    the file
 * \param[out] out     on success; free with bl_bmc_config_free()
 * \param[out] errmsg  on failure every problem, "file:line: [group] key: why" one per line
 *                     (g_free()); may be NULL
 * \return 0, -errno reading the file, BL_E_INVALID on a bad value, a missing key, a node
 *         without an address, or the recovery timeout not below the reset window
 */
int bl_bmc_config_load(const char *path, struct bl_bmc_config **out, char **errmsg);

/**
 * Where NODE's BMC is, per bmclink.conf ([bmc-node NODE] address/port over [bmc], else
 * [trap-node NODE] bmc), without reading any password file: for the fence agent's check of
 * which node a device fences, which needs no secret.
 * \param[out] host    the numeric address, NUL-terminated, at most cap bytes
 * \param[out] port    its RMCP+ port
 * \param[out] errmsg  on a bad value, as bl_bmc_config_load (g_free()); may be NULL
 * \return 0, -ENOENT (no file, or no group for NODE), -errno reading it, BL_E_INVALID
 *         (a bad value in the groups used, or no address)
 */
int bl_bmc_config_node_address(const char *path, const char *node, char *host, size_t cap,
                               uint16_t *port, char **errmsg);

/**
 * Check all of bmclink.conf as bmclinkd loads it: the BMC side, every node's trap settings
 * and, when node is not NULL, that node's own; every problem of both readers in one report.
 * \param[out] out     the BMC side on success (bl_bmc_config_free()); NULL on failure
 * \param[out] errmsg  on failure, as bl_bmc_config_load (g_free())
 * \return as bl_bmc_config_load
 */
int bl_bmclink_conf_check(const char *path, const char *node, struct bl_bmc_config **out,
                          char **errmsg);

/** Wipe the passwords and free. Accepts NULL. */
void bl_bmc_config_free(struct bl_bmc_config *cfg);

/** The node's BMC, or NULL (borrowed from cfg). */
const struct bl_bmc_node *bl_bmc_config_find(const struct bl_bmc_config *cfg, const char *node);

/**
 * Parse NETFN:CMD[:DATA...] (hex bytes, "0x" optional, ':' or ' ' separated).
 * \return 0 or BL_E_INVALID
 */
int bl_notice_cmd_parse(const char *text, struct bl_notice_cmd *out);

/** The keys of [bmc], [bmc-node NAME], [heartbeat], [health] and [recovery], ending with an
 * all-zero row (for documentation). */
extern const struct bl_conf_key bl_bmc_conf_keys[];

#endif
