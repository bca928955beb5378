/*
 * The trap section of bmclink.conf (GLib key file shared by all nodes).
 *
 *   [trap]                       settings common to every node
 *   [trap-node NAME]             one per node: its keyword address, its BMC, credentials
 *   [trap-forward N]             up to BL_TRAP_FORWARD_MAX third-party managers
 *
 * Read through the config engine (bl_conf.h) from one table (bl_trap_conf_keys): errors name
 * file, line, group and key, all of them in one report. Secrets (communities, v3
 * passphrases) are never put in error messages, nor accepted in a world-readable file.
 */
#ifndef BL_TRAP_CONFIG_H
#define BL_TRAP_CONFIG_H

#include "bl_conf.h"
#include "bl_trap.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_TRAP_DEFAULT_PORT 162
#define BL_TRAP_FORWARD_MAX 5
#define BL_TRAP_ENGINE_ID_MAX 32
#define BL_TRAP_TARGET_MAX 128

enum bl_trap_auth {
    BL_TRAP_AUTH_SHA1 = 1, /* usmHMACSHA1AuthProtocol, "SHA" */
    BL_TRAP_AUTH_SHA256,   /* usmHMAC192SHA256AuthProtocol, "SHA-256" */
};

/* An SNMPv3 USM user: name, the authoritative engine, SHA + AES-128 passphrases. */
struct bl_trap_v3_user {
    char name[BL_TRAP_USER_MAX + 1]; /* empty = no v3 */
    uint8_t engine_id[BL_TRAP_ENGINE_ID_MAX];
    size_t engine_id_len;
    enum bl_trap_auth auth;
    char auth_pass[BL_TRAP_SECRET_MAX + 1]; /* >= 8 characters (RFC 3414) */
    char priv_pass[BL_TRAP_SECRET_MAX + 1];
};

struct bl_trap_forward {
    struct bl_trap_addr target;
    enum bl_trap_version version; /* BL_TRAP_V2C or BL_TRAP_V3 */
    char community[BL_TRAP_SECRET_MAX + 1];
    struct bl_trap_v3_user v3; /* engine_id: ours, as the sender is authoritative for traps */
    bool inform;               /* v2c: InformRequests, resent until the manager acknowledges them */
};

/* Everything one node's receiver needs. */
struct bl_trap_node_config {
    char node[64];
    struct bl_trap_addr listen; /* the node's keyword address <IP>[:port] */
    struct bl_trap_policy policy;
    struct bl_trap_v3_user v3; /* the BMC's user and engine ID */
    size_t n_forward;
    struct bl_trap_forward forward[BL_TRAP_FORWARD_MAX];
};

/**
 * Load and validate the trap configuration of one node.
 * \param[in]  path    the configuration file
 * \param[in]  node    node name, as in [trap-node NAME]
 * \param[out] out     filled on success
 * \param[out] errmsg  on failure every problem, "file:line: [group] key: why" one per line
 *                     (g_free()); may be NULL
 * \return 0, -errno reading the file, BL_E_INVALID on a bad value or missing node
 */
int bl_trap_config_load(const char *path, const char *node, struct bl_trap_node_config *out,
                        char **errmsg);

/**
 * Validate every [trap-node *] group of a file (for `bmclink config check`).
 * \param[in]  path    the configuration file
 * \param[out] errmsg  as bl_trap_config_load
 * \return 0 when every node's trap settings are valid, else as bl_trap_config_load
 */
int bl_trap_config_check(const char *path, char **errmsg);

/**
 * Parse an engine ID given as hex ("0x8000..." or "8000..."), 5..32 bytes (RFC 3411).
 * \return 0 or BL_E_INVALID
 */
int bl_trap_engine_id_parse(const char *text, uint8_t *out, size_t *outlen);

/** The keys of [trap], [trap-node NAME] and [trap-forward N], ending with an all-zero row
 * (for documentation, and for the BMC side's check of the file's groups). */
extern const struct bl_conf_key bl_trap_conf_keys[];

#endif
