/*
 * OpenIPMI os_handler_t on a GLib main context: fds and timers are GSources.
 */
#include "bl_ipmi_glib.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include <qb/qblog.h>

/* The handler OpenIPMI sees is the first member, so the pointers convert both ways. */
struct bl_glib_hnd {
    os_handler_t h;
    GMainContext *ctx;
};

struct os_hnd_fd_id_s {
    int fd;
    GSource *src;
    os_data_ready_t ready;
    void *cb_data;
    os_fd_data_freed_t freed;
    os_handler_t *handler;
};

struct os_hnd_timer_id_s {
    GSource *src; /* non-NULL while running */
    os_timed_out_t timed_out;
    void *cb_data;
    os_handler_t *handler;
};

static GMainContext *
bl_ctx(os_handler_t *handler)
{
    return ((struct bl_glib_hnd *) handler)->ctx;
}

GMainContext *
bl_ipmi_glib_os_handler_context(os_handler_t *handler)
{
    return bl_ctx(handler);
}

static void *
bl_mem_alloc(int size)
{
    return size > 0 ? malloc((size_t) size) : malloc(1);
}

static void
bl_mem_free(void *data)
{
    free(data);
}

static gboolean
bl_fd_dispatch(gint fd, GIOCondition cond, gpointer user_data)
{
    struct os_hnd_fd_id_s *id = user_data;

    id->ready(fd, id->cb_data, id);
    return G_SOURCE_CONTINUE;
}

/* Runs once GLib no longer dispatches the source: OpenIPMI may free its data now. */
static void
bl_fd_release(gpointer user_data)
{
    struct os_hnd_fd_id_s *id = user_data;

    if (id->freed != NULL) {
        id->freed(id->fd, id->cb_data);
    }
    g_free(id);
}

static int
bl_add_fd(os_handler_t *handler, int fd, os_data_ready_t ready, void *cb_data,
          os_fd_data_freed_t freed, os_hnd_fd_id_t **out)
{
    struct os_hnd_fd_id_s *id;
    int flags = fcntl(fd, F_GETFD);

    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
        return errno;
    }
    id = g_new0(struct os_hnd_fd_id_s, 1);
    id->fd = fd;
    id->ready = ready;
    id->cb_data = cb_data;
    id->freed = freed;
    id->handler = handler;
    id->src = g_unix_fd_source_new(fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
    g_source_set_callback(id->src, G_SOURCE_FUNC(bl_fd_dispatch), id, bl_fd_release);
    g_source_attach(id->src, bl_ctx(handler));
    *out = id;
    return 0;
}

static int
bl_remove_fd(os_handler_t *handler, os_hnd_fd_id_t *id)
{
    GSource *src = id->src;

    /* Destroying releases the callback data (bl_fd_release) once any dispatch is over. */
    g_source_destroy(src);
    g_source_unref(src);
    return 0;
}

static int
bl_alloc_timer(os_handler_t *handler, os_hnd_timer_id_t **out)
{
    struct os_hnd_timer_id_s *id = g_new0(struct os_hnd_timer_id_s, 1);

    id->handler = handler;
    *out = id;
    return 0;
}

static void
bl_timer_cancel(struct os_hnd_timer_id_s *id)
{
    g_source_destroy(id->src);
    g_source_unref(id->src);
    id->src = NULL;
}

static int
bl_free_timer(os_handler_t *handler, os_hnd_timer_id_t *id)
{
    if (id->src != NULL) {
        bl_timer_cancel(id);
    }
    g_free(id);
    return 0;
}

static gboolean
bl_timer_dispatch(gpointer user_data)
{
    struct os_hnd_timer_id_s *id = user_data;

    /* GLib keeps its own reference while dispatching; ours goes now, because the
     * callback may restart or free the timer. */
    g_source_unref(id->src);
    id->src = NULL;
    id->timed_out(id->cb_data, id);
    return G_SOURCE_REMOVE;
}

static int
bl_start_timer(os_handler_t *handler, os_hnd_timer_id_t *id, struct timeval *timeout,
               os_timed_out_t timed_out, void *cb_data)
{
    guint64 ms;

    if (id->src != NULL) {
        return EBUSY;
    }
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
        ms = 0;
    } else {
        ms = (guint64) timeout->tv_sec * 1000u + ((guint64) timeout->tv_usec + 999u) / 1000u;
    }
    if (ms > G_MAXUINT) {
        ms = G_MAXUINT;
    }
    id->timed_out = timed_out;
    id->cb_data = cb_data;
    id->src = g_timeout_source_new((guint) ms);
    g_source_set_callback(id->src, bl_timer_dispatch, id, NULL);
    g_source_attach(id->src, bl_ctx(handler));
    return 0;
}

static int
bl_stop_timer(os_handler_t *handler, os_hnd_timer_id_t *id)
{
    if (id->src == NULL) {
        return ESRCH;
    }
    bl_timer_cancel(id);
    return 0;
}

static int
bl_get_random(os_handler_t *handler, void *data, unsigned int len)
{
    unsigned char *p = data;

    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        p += n;
        len -= (unsigned int) n;
    }
    return 0;
}

/* OpenIPMI's own diagnostics are detail for -v; the caller reports failures once. */
static void
bl_vlog(os_handler_t *handler, enum ipmi_log_type_e log_type, const char *format, va_list ap)
{
    char buf[512];

    vsnprintf(buf, sizeof(buf), format, ap);
    qb_log(LOG_DEBUG, "openipmi: %s", buf);
}

static void
bl_log(os_handler_t *handler, enum ipmi_log_type_e log_type, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    bl_vlog(handler, log_type, format, ap);
    va_end(ap);
}

static gboolean
bl_wakeup(gpointer user_data)
{
    return G_SOURCE_REMOVE;
}

static int
bl_perform_one_op(os_handler_t *handler, struct timeval *timeout)
{
    GSource *src = NULL;

    if (timeout != NULL) {
        src = g_timeout_source_new((guint) (timeout->tv_sec * 1000 + timeout->tv_usec / 1000));
        g_source_set_callback(src, bl_wakeup, NULL, NULL);
        g_source_attach(src, bl_ctx(handler));
    }
    g_main_context_iteration(bl_ctx(handler), TRUE);
    if (src != NULL) {
        g_source_destroy(src);
        g_source_unref(src);
    }
    return 0;
}

static void
bl_operation_loop(os_handler_t *handler)
{
    for (;;) {
        g_main_context_iteration(bl_ctx(handler), TRUE);
    }
}

static int
bl_get_monotonic_time(os_handler_t *handler, struct timeval *tv)
{
    gint64 now = g_get_monotonic_time();

    tv->tv_sec = (time_t) (now / G_USEC_PER_SEC);
    tv->tv_usec = (suseconds_t) (now % G_USEC_PER_SEC);
    return 0;
}

static int
bl_get_real_time(os_handler_t *handler, struct timeval *tv)
{
    gint64 now = g_get_real_time();

    tv->tv_sec = (time_t) (now / G_USEC_PER_SEC);
    tv->tv_usec = (suseconds_t) (now % G_USEC_PER_SEC);
    return 0;
}

os_handler_t *
bl_ipmi_glib_os_handler_new(GMainContext *ctx)
{
    struct bl_glib_hnd *g = g_new0(struct bl_glib_hnd, 1);
    os_handler_t *h = &g->h;

    g->ctx = ctx != NULL ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
    h->mem_alloc = bl_mem_alloc;
    h->mem_free = bl_mem_free;
    h->add_fd_to_wait_for = bl_add_fd;
    h->remove_fd_to_wait_for = bl_remove_fd;
    h->alloc_timer = bl_alloc_timer;
    h->free_timer = bl_free_timer;
    h->start_timer = bl_start_timer;
    h->stop_timer = bl_stop_timer;
    h->get_random = bl_get_random;
    h->log = bl_log;
    h->vlog = bl_vlog;
    h->perform_one_op = bl_perform_one_op;
    h->operation_loop = bl_operation_loop;
    h->get_monotonic_time = bl_get_monotonic_time;
    h->get_real_time = bl_get_real_time;
    return h;
}

void
bl_ipmi_glib_os_handler_free(os_handler_t *handler)
{
    struct bl_glib_hnd *g = (struct bl_glib_hnd *) handler;

    if (g == NULL) {
        return;
    }
    g_main_context_unref(g->ctx);
    g_free(g);
}
