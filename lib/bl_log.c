/*
 * Logging through libqb, set up as Pacemaker's daemons do: syslog with the program's ident and
 * facility daemon (or the configured one), stderr, an optional file reopened for logrotate,
 * and a threshold raised to debug and lowered again at run time.
 *
 * libqb's logging state is the process's (one qb_log_init per process), so this file keeps
 * the little state that goes with it: which targets, the configured threshold, the file.
 *
 * Threads: libqb 2.0's qb_log_real_va_() guards against re-entry with one unsynchronised
 * process-wide flag, so a message logged while another thread is inside the logger is
 * dropped without a trace (measured: two threads logging 200000 messages each keep 40-65% of
 * them), and qb_log_thread_start() does not help (the flag is tested before a threaded
 * target's queue, which drops too when full). Programs that link libbmclink are linked with
 * -Wl,--wrap=qb_log_real_ (lib/CMakeLists.txt): every qb_log() of our code comes through
 * __wrap_qb_log_real_() below and is serialised by one recursive lock, which the functions
 * that change a target (reopen, thresholds, facility) take too. libqb's own messages from
 * inside libqb.so are not wrapped.
 */
#include "bl_log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static struct {
    bool inited;  /* qb_log_init done */
    int targets;  /* enum bl_log_target bits enabled */
    int priority; /* the configured threshold (bl_log_init, bl_log_set_priority) */
    int32_t file; /* libqb target of the log file; -1 without one */
    char *path;   /* its path; NULL without one */
} bl_log = {.file = -1};

static GRecMutex bl_log_lock; /* statically allocated: needs no init (GLib) */

void __wrap_qb_log_real_(struct qb_log_callsite *cs, ...);

void
__wrap_qb_log_real_(struct qb_log_callsite *cs, ...)
{
    va_list ap;

    va_start(ap, cs);
    g_rec_mutex_lock(&bl_log_lock);
    qb_log_real_va_(cs, ap);
    g_rec_mutex_unlock(&bl_log_lock);
    va_end(ap);
}

static void
bl_log_filter(int32_t target, int priority)
{
    qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
    qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", (uint8_t) priority);
}

static void
bl_log_enable(int32_t target, int priority)
{
    qb_log_ctl(target, QB_LOG_CONF_ENABLED, QB_TRUE);
    bl_log_filter(target, priority);
}

/* libqb opens the file with fopen(), which leaves it to every program we run: not so. */
static int
bl_log_cloexec(int32_t target)
{
    FILE *f = qb_log_target_user_data_get(target);

    if (f == NULL) {
        return -EIO;
    }
    return fcntl(fileno(f), F_SETFD, FD_CLOEXEC) == 0 ? 0 : -errno;
}

/* Create the file 0640 (root:adm's group reads it, as logrotate's "create 0640 root adm"),
 * before libqb's fopen() would create it world-readable. */
static int
bl_log_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

    if (fd < 0) {
        return -errno;
    }
    close(fd);
    return 0;
}

/* Every enabled target at this threshold; with the lock held. */
static void
bl_log_apply(int priority)
{
    if (bl_log.targets & BL_LOG_STDERR) {
        bl_log_filter(QB_LOG_STDERR, priority);
    }
    if (bl_log.targets & BL_LOG_SYSLOG) {
        bl_log_filter(QB_LOG_SYSLOG, priority);
    }
    if (bl_log.file >= 0) {
        bl_log_filter(bl_log.file, priority);
    }
}

void
bl_log_init(const char *ident, int targets, int priority)
{
    g_rec_mutex_lock(&bl_log_lock);
    qb_log_init(ident, LOG_DAEMON, (uint8_t) priority);
    /* qb_log_init enables syslog by default; we decide per target. */
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
    bl_log.inited = true;
    bl_log.targets = targets;
    bl_log.priority = priority;
    if (targets & BL_LOG_STDERR) {
        qb_log_format_set(QB_LOG_STDERR, "%N: %p: %b");
        bl_log_enable(QB_LOG_STDERR, priority);
    }
    if (targets & BL_LOG_SYSLOG) {
        bl_log_enable(QB_LOG_SYSLOG, priority);
    }
    g_rec_mutex_unlock(&bl_log_lock);
}

int
bl_log_set_facility(const char *name)
{
    int32_t facility;

    if (name == NULL || name[0] == '\0') {
        return 0;
    }
    g_rec_mutex_lock(&bl_log_lock);
    if (strcmp(name, "none") == 0) {
        qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
        bl_log.targets &= ~BL_LOG_SYSLOG;
        facility = 0;
    } else {
        facility = qb_log_facility2int(name);
        if (facility >= 0) {
            qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_FACILITY, facility);
        }
    }
    g_rec_mutex_unlock(&bl_log_lock);
    return facility < 0 ? -EINVAL : 0;
}

int
bl_log_open_file(const char *path)
{
    int32_t t;

    g_rec_mutex_lock(&bl_log_lock);
    t = bl_log.file >= 0 ? -EEXIST : bl_log_create(path);
    t = t < 0 ? t : qb_log_file_open(path);
    if (t >= 0) {
        bl_log_cloexec(t);
        qb_log_format_set(t, "%T %N[%P]: %p: %b");
        bl_log_enable(t, bl_log.priority);
        bl_log.file = t;
        bl_log.path = g_strdup(path);
    }
    g_rec_mutex_unlock(&bl_log_lock);
    return t < 0 ? t : 0;
}

const char *
bl_log_file(void)
{
    return bl_log.path;
}

int
bl_log_reopen_file(void)
{
    int32_t rc = 0;

    g_rec_mutex_lock(&bl_log_lock);
    if (bl_log.file >= 0) {
        rc = bl_log_create(bl_log.path);
        rc = rc < 0 ? rc : qb_log_file_reopen(bl_log.file, NULL);
        rc = rc < 0 ? rc : bl_log_cloexec(bl_log.file);
    }
    g_rec_mutex_unlock(&bl_log_lock);
    return rc < 0 ? rc : 0;
}

void
bl_log_set_priority(int priority)
{
    g_rec_mutex_lock(&bl_log_lock);
    bl_log.priority = priority;
    bl_log_apply(priority);
    g_rec_mutex_unlock(&bl_log_lock);
}

void
bl_log_set_debug(bool on)
{
    g_rec_mutex_lock(&bl_log_lock);
    bl_log_apply(on ? LOG_DEBUG : bl_log.priority);
    g_rec_mutex_unlock(&bl_log_lock);
}

void
bl_log_fini(void)
{
    g_rec_mutex_lock(&bl_log_lock);
    if (bl_log.inited) {
        qb_log_fini(); /* closes the file target too */
    }
    g_clear_pointer(&bl_log.path, g_free);
    bl_log.inited = false;
    bl_log.file = -1;
    bl_log.targets = 0;
    g_rec_mutex_unlock(&bl_log_lock);
}
