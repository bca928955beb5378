#include "bl_log.h"

#include <syslog.h>

static int bl_log_targets;

static void
bl_log_enable(int target, int priority)
{
    qb_log_ctl(target, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
    qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", priority);
}

void
bl_log_init(const char *ident, int targets, int priority)
{
    qb_log_init(ident, LOG_DAEMON, priority);
    /* qb_log_init enables syslog by default; we decide per target. */
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
    bl_log_targets = targets;
    if (targets & BL_LOG_STDERR) {
        qb_log_format_set(QB_LOG_STDERR, "%N: %p: %b");
        bl_log_enable(QB_LOG_STDERR, priority);
    }
    if (targets & BL_LOG_SYSLOG) {
        bl_log_enable(QB_LOG_SYSLOG, priority);
    }
}

void
bl_log_set_priority(int priority)
{
    if (bl_log_targets & BL_LOG_STDERR) {
        bl_log_enable(QB_LOG_STDERR, priority);
    }
    if (bl_log_targets & BL_LOG_SYSLOG) {
        bl_log_enable(QB_LOG_SYSLOG, priority);
    }
}

void
bl_log_fini(void)
{
    if (bl_log_targets != 0) {
        qb_log_fini();
        bl_log_targets = 0;
    }
}
