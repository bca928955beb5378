/*
 * The real bl_ipmi_ops backend: OpenIPMI's LAN connection layer (ipmi_lanp_setup_con and
 * ipmi_con_t send_command), not its domain machinery, running on a GLib main context
 * through bl_ipmi_glib.h.
 *
 * Session set-up costs six round trips on the wire: Get Channel Authentication
 * Capabilities, RMCP+ Open Session, RAKP 1/2, RAKP 3/4, Set Session Privilege Level and
 * Get Device ID (IPMI 1.5: capabilities, challenge, activate, privilege, device ID). With
 * a pinned cipher suite nothing more; with BL_IPMI_CIPHER_AUTO, Get Channel Cipher Suites
 * first (one round trip per 16 bytes of suite records, bl_ipmi_probe.h), and, when the BMC
 * refuses a suite or does not list its suites, one more Open Session per suite tried.
 * Cipher suite 17 works because bl_ipmi_lan_new() registers the SHA-256 algorithms with
 * OpenIPMI (bl_ipmi_rakp256.h). OpenIPMI's ATCA probe (PICMG Get Address Info, one more
 * round trip per session) is switched off.
 * Closing sends Close Session without waiting for the answer. While a session is open,
 * OpenIPMI sends Get Device ID every 10 s as a keepalive.
 *
 * OpenIPMI keeps process-wide state (its sockets are shared between sessions), so a
 * process has at most one backend at a time, bound to one GMainContext.
 */
#ifndef BL_IPMI_LAN_H
#define BL_IPMI_LAN_H

#include "bl_ipmi.h"

#include <glib.h>

struct bl_ipmi_lan;

/**
 * Initialise OpenIPMI on \p ctx and create the backend.
 * \param[in]  ctx  main context the sessions run on (NULL: the default context)
 * \param[out] out  the backend, freed with bl_ipmi_lan_free()
 * \return 0, -EBUSY if this process already has a backend, or another negative errno
 */
int bl_ipmi_lan_new(GMainContext *ctx, struct bl_ipmi_lan **out);

/**
 * Shut OpenIPMI down and free the backend. Every session must be closed. Safe on NULL.
 */
void bl_ipmi_lan_free(struct bl_ipmi_lan *lan);

/**
 * The backend's operations; pass the struct bl_ipmi_lan * as \c backend. open() wants a
 * numeric address in params->host (resolve names first: getaddrinfo blocks).
 */
extern const struct bl_ipmi_ops bl_ipmi_lan_ops;

/**
 * Fill a client handle for \p lan.
 * \param[in]  lan  backend (borrowed)
 * \param[out] out  client handle
 */
void bl_ipmi_lan_client(struct bl_ipmi_lan *lan, struct bl_ipmi_client *out);

/**
 * The OpenIPMI os handler of \p lan (borrowed), for the other OpenIPMI connections of the
 * process (the local driver's, bl_ipmi_smi.h), which must share it.
 */
struct os_handler_s *bl_ipmi_lan_os_handler(struct bl_ipmi_lan *lan);

#endif
