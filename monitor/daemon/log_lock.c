/*
 * qb_log from two threads. libqb's logger is thread-safe only with threaded targets, and
 * even then its re-entry guard (a plain static flag in qb_log_real_va_) is shared: a message
 * logged by one thread while the other is inside the logger is silently dropped. bmclinkd
 * logs from its main loop and its BMC thread, so every qb_log() of the program goes through
 * one mutex (the link wraps qb_log_real_, which the qb_log macro calls; CMakeLists.txt).
 *
 * The lock is held for one message's formatting and writing only; syslog, stderr and the
 * log file are written without fsync. libqb's own messages (libqb logs internally without
 * going through qb_log_real_) are not covered: they are rare and come from the main loop.
 */
#include <glib.h>
#include <stdarg.h>

#include <qb/qblog.h>

void __wrap_qb_log_real_(struct qb_log_callsite *cs, ...);

static GMutex log_lock; /* a static GMutex needs no init */

void
__wrap_qb_log_real_(struct qb_log_callsite *cs, ...)
{
    va_list ap;

    /* A message no target wants (a filtered-out debug line) costs no lock. targets changes
     * only with the log level (SIGUSR1/2): a message logged just then may go either way. */
    if (cs == NULL || g_atomic_int_get((const gint *) &cs->targets) == 0) {
        return;
    }
    va_start(ap, cs);
    g_mutex_lock(&log_lock);
    qb_log_real_va_(cs, ap);
    g_mutex_unlock(&log_lock);
    va_end(ap);
}
