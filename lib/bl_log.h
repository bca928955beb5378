/*
 * Logging through libqb, so our daemons and agents log the way Corosync and Pacemaker do.
 *
 * Helpers return result codes; the caller logs once, with context (node, BMC address,
 * service name). Use qb_log(LOG_ERR, "...") after bl_log_init().
 */
#ifndef BL_LOG_H
#define BL_LOG_H

#include <qb/qblog.h>
#include <stdbool.h>

enum bl_log_target {
    BL_LOG_STDERR = 1 << 0,
    BL_LOG_SYSLOG = 1 << 1,
};

/**
 * Set up libqb logging for this process.
 * \param[in] ident    program name used as syslog ident and message prefix
 * \param[in] targets  bitwise OR of enum bl_log_target
 * \param[in] priority highest priority logged (LOG_ERR ... LOG_DEBUG)
 */
void bl_log_init(const char *ident, int targets, int priority);

/** Raise or lower the priority threshold of every enabled target. */
void bl_log_set_priority(int priority);

/** Flush and close libqb logging; safe to call when never initialised. */
void bl_log_fini(void);

#endif
