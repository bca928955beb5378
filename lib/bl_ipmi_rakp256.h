/*
 * Teach OpenIPMI's RMCP+ client cipher suite 17: RAKP-HMAC-SHA256 (authentication
 * algorithm 3) and HMAC-SHA256-128 (integrity algorithm 4), through its public
 * ipmi_rmcpp_register_authentication / ipmi_rmcpp_register_integrity. AES-CBC-128 is
 * OpenIPMI's own. Debian 12's OpenIPMI 2.0.33 registers neither SHA-256 algorithm.
 *
 * OpenIPMI keeps the SIK, K1 and K2 of a session in 20-byte fields (ipmi_lan.c
 * struct ipmi_rmcpp_auth_s), too short for SHA-256. The authentication algorithm stores
 * what fits there (AES needs only the first 16 bytes of K2); the integrity algorithm
 * recomputes the full 32-byte K1 from the RAKP values OpenIPMI does keep whole (the two
 * randoms, role, user name and key), so no state passes between the two outside OpenIPMI.
 */
#ifndef BL_IPMI_RAKP256_H
#define BL_IPMI_RAKP256_H

/**
 * Register both algorithms with OpenIPMI; call after ipmi_init(). Process-wide, as
 * OpenIPMI's own algorithm tables are.
 * \return 0 or a negative errno (-EBUSY: something else registered them already)
 */
int bl_ipmi_rakp256_register(void);

/** Remove both algorithms again; call before ipmi_shutdown(). */
void bl_ipmi_rakp256_unregister(void);

#endif
