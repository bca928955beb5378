/*
 * Ask a BMC which cipher suites it offers (Get Channel Cipher Suites, session-less,
 * IPMI 1.5 framing) without blocking: one UDP socket, sources on the caller's
 * GMainContext. Pages of 16 record bytes are read until a short page, suite 17 (nothing
 * better exists) or BL_PROBE_PAGES pages. One try per page: a lost or ignored request ends
 * the probe with BL_E_TIMEOUT, and the caller falls back to trying suites blindly.
 */
#ifndef BL_IPMI_PROBE_H
#define BL_IPMI_PROBE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define BL_PROBE_PAGES 8
#define BL_PROBE_SUITES_MAX 32

struct bl_ipmi_probe;

/**
 * Result of a probe, called once from the main context, never from inside start().
 * \param[in] rc      0 (suites valid, n may still be 0), BL_E_TIMEOUT (no answer),
 *                    BL_E_BMC (the BMC refused the command), BL_E_PROTO (garbage)
 * \param[in] suites  standard suites offered, valid during the call only
 * \param[in] tx, rx  datagrams sent and valid replies received (for the session's counters)
 * The callback may free the probe.
 */
typedef void (*bl_ipmi_probe_cb)(int rc, const uint8_t *suites, size_t n, unsigned int tx,
                                 unsigned int rx, void *user_data);

/**
 * Start a probe.
 * \param[in]  ctx         context for the socket and timer sources (borrowed)
 * \param[in]  host        numeric IPv4/IPv6 address
 * \param[in]  timeout_ms  wait per page
 * \param[out] out         the probe, freed with bl_ipmi_probe_free()
 * \return 0 or a negative code (no callback then)
 */
int bl_ipmi_probe_start(GMainContext *ctx, const char *host, uint16_t port, unsigned int timeout_ms,
                        bl_ipmi_probe_cb cb, void *user_data, struct bl_ipmi_probe **out);

/** Stop and free a probe; its callback is not called afterwards. Safe on NULL. */
void bl_ipmi_probe_free(struct bl_ipmi_probe *p);

#endif
