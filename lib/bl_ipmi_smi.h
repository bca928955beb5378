/*
 * A bl_ipmi_ops backend for the node's own BMC through the local IPMI driver: OpenIPMI's
 * SMI connection (ipmi_smi_setup_con) on /dev/ipmiN, in the same GLib main context as the
 * LAN backend it shares OpenIPMI with. No session, no password, no network: whoever may open
 * the device talks to the BMC (root, or what udev grants), so a BMC that shares the host's
 * LAN port and cannot be reached from its own host over RMCP+ still hears its host.
 *
 * open() opens the device (the kernel's ipmi_si and ipmi_devintf must be loaded) and asks the
 * BMC for its device ID; the state callback reports the result. The kernel retries a request
 * itself and answers one the BMC never answered with completion code 0xc3, which this backend
 * reports as BL_E_TIMEOUT (rc < 0), like the LAN backend's lost requests.
 */
#ifndef BL_IPMI_SMI_H
#define BL_IPMI_SMI_H

#include "bl_ipmi.h"
#include "bl_ipmi_lan.h"

struct bl_ipmi_smi;

/**
 * Create the backend for one device. Nothing is opened yet.
 * \param[in]  lan     the process's OpenIPMI backend (borrowed; must outlive this one)
 * \param[in]  device  /dev/ipmiN, /dev/ipmi/N or /dev/ipmidev/N (copied)
 * \param[out] out     free with bl_ipmi_smi_free()
 * \return 0, or BL_E_INVALID for a device name without an interface number
 */
int bl_ipmi_smi_new(struct bl_ipmi_lan *lan, const char *device, struct bl_ipmi_smi **out);

/** Free the backend; every session must be closed. Safe on NULL. */
void bl_ipmi_smi_free(struct bl_ipmi_smi *smi);

/**
 * The interface number of a device name (/dev/ipmi0 -> 0).
 * \return the number (0..255) or BL_E_INVALID
 */
int bl_ipmi_smi_if_num(const char *device);

/** The backend's operations; open() ignores the parameters' address and credentials. */
extern const struct bl_ipmi_ops bl_ipmi_smi_ops;

/** Fill a client handle for \p smi (borrowed). */
void bl_ipmi_smi_client(struct bl_ipmi_smi *smi, struct bl_ipmi_client *out);

#endif
