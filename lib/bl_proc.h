/*
 * Process-wide protection for programs that hold secrets (BMC passwords, SNMP communities
 * and passphrases): bmclinkd and fence_bmclink.
 */
#ifndef BL_PROC_H
#define BL_PROC_H

/**
 * No core dumps and no ptrace or /proc/PID/mem by other processes of the same user: a core
 * would hold the secrets in clear. Call first thing in main, before any secret is read.
 * \return 0 or -errno (the caller may go on: it only loses this protection)
 */
int bl_proc_protect_secrets(void);

#endif
