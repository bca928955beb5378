/*
 * The node's own BMC on two paths behind one bl_ipmi_ops session: the local IPMI driver
 * (in-band, bl_ipmi_smi.h) and RMCP+ over the LAN (bl_ipmi_lan.h). Other nodes' BMCs are not
 * routed: a host reaches only its own BMC through its driver.
 *
 *   BL_IPMI_PATH_INBAND  the driver must open; each request goes in-band, and one the driver
 *                        fails without an answer (time-out, driver error) is sent again on
 *                        the LAN session, counted as a fallback
 *   BL_IPMI_PATH_AUTO    as INBAND when the device opens, otherwise the LAN alone
 *   BL_IPMI_PATH_LAN     the LAN alone (the caller may as well use the LAN client directly)
 *
 * A completion code is the BMC's answer, never a reason to fall back. A request that timed out
 * in-band may still have reached the BMC: a fallback can deliver it twice (notices are
 * idempotent for the BMC: a second start or end notice in the same phase is ignored).
 * The session is up while either path is; the LAN session keeps trying on its own (OpenIPMI
 * reopens it every 10 s), so the LAN that was unreachable at open serves later fallbacks.
 */
#ifndef BL_IPMI_ROUTE_H
#define BL_IPMI_ROUTE_H

#include "bl_ipmi.h"
#include "bl_ipmi_lan.h"

struct bl_ipmi_route;

/**
 * A route over two clients (borrowed: their backends must outlive the route).
 * \param[in]  path    INBAND, AUTO or LAN
 * \param[out] out     free with bl_ipmi_route_free()
 * \return 0 or BL_E_INVALID
 */
int bl_ipmi_route_new(enum bl_ipmi_path path, const struct bl_ipmi_client *inband,
                      const struct bl_ipmi_client *lan, struct bl_ipmi_route **out);

/**
 * A route whose in-band side is OpenIPMI's driver connection on \p device, owned by the
 * route; the LAN side is \p lan's client.
 * \param[in] lan     the process's OpenIPMI backend (borrowed; must outlive the route)
 * \param[in] device  /dev/ipmiN (copied)
 * \return 0 or BL_E_INVALID (no interface number in \p device)
 */
int bl_ipmi_route_new_local(struct bl_ipmi_lan *lan, enum bl_ipmi_path path, const char *device,
                            struct bl_ipmi_route **out);

/** Free the route (every session closed first). Safe on NULL. */
void bl_ipmi_route_free(struct bl_ipmi_route *r);

extern const struct bl_ipmi_ops bl_ipmi_route_ops;

/** Fill a client handle for \p r (borrowed). */
void bl_ipmi_route_client(struct bl_ipmi_route *r, struct bl_ipmi_client *out);

/** Static name of a path: "lan", "inband", "auto", "none"; never NULL. */
const char *bl_ipmi_path_name(enum bl_ipmi_path path);

/**
 * Parse "lan", "inband" or "auto" (any case).
 * \return 0 or BL_E_INVALID (\p out untouched)
 */
int bl_ipmi_path_parse(const char *text, enum bl_ipmi_path *out);

#endif
