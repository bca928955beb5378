/*
 * Logging through libqb, so our daemons and agents log the way Corosync and Pacemaker do.
 *
 * Helpers return result codes; the caller logs once, with context (node, BMC address,
 * service name). Use qb_log(LOG_ERR, "...") after bl_log_init(). Safe from several threads
 * in programs linked with -Wl,--wrap=qb_log_real_ (every program linking libbmclink is:
 * bl_log.c says why libqb alone is not).
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
 * Set up libqb logging for this process: syslog with facility daemon, as Pacemaker's daemons.
 * \param[in] ident    program name used as syslog ident and message prefix
 * \param[in] targets  bitwise OR of enum bl_log_target
 * \param[in] priority highest priority logged (LOG_ERR ... LOG_DEBUG): the configured level
 */
void bl_log_init(const char *ident, int targets, int priority);

/**
 * Log to syslog under another facility, spelled as Pacemaker's PCMK_logfacility and
 * resource-agents' HA_LOGFACILITY: daemon, user, local0 ... local7 (any name syslog(3)
 * knows); "none" turns syslog off. After bl_log_init().
 * \param[in] name  NULL or "": no change
 * \return 0 or -EINVAL (an unknown name: nothing changed)
 */
int bl_log_set_facility(const char *name);

/**
 * Also log to a file (appended to, with millisecond time stamps), at the current threshold.
 * One file per process. After bl_log_init().
 * \param[in] path  copied
 * \return 0, -EEXIST (a file is already open) or libqb's -errno (the file not opened)
 */
int bl_log_open_file(const char *path);

/** The log file's path, NULL without one; owned by this module until bl_log_fini(). */
const char *bl_log_file(void);

/**
 * Close and open the log file again by its path, for logrotate (which renamed it): later
 * messages go to a new file of that name.
 * \return 0 (also without a log file) or -errno (the file is then closed: messages go to the
 *         other targets only until a reopen succeeds)
 */
int bl_log_reopen_file(void);

/** Set the configured threshold (LOG_ERR ... LOG_DEBUG) and apply it to every target. */
void bl_log_set_priority(int priority);

/** Raise every target to debug (true), or back to the configured threshold (false). */
void bl_log_set_debug(bool on);

/** Flush and close libqb logging, the file included; safe when never initialised. */
void bl_log_fini(void);

#endif
