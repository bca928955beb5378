/*
 * An OpenIPMI os_handler_t backed by a GLib main context.
 *
 * Debian ships OpenIPMI's ipmi_glib.h but not libOpenIPMIglib, so bmclink carries its own:
 * file descriptors become GUnixFdSources and timers GTimeoutSources attached to the given
 * GMainContext, so OpenIPMI's LAN sessions run inside the caller's one main loop and
 * never block it. Single-threaded by design: no locks are provided (OpenIPMI then skips
 * locking), and every callback runs from the context's dispatch.
 *
 * Every fd OpenIPMI asks us to watch is also marked FD_CLOEXEC: OpenIPMI creates its UDP
 * sockets without SOCK_CLOEXEC and registers them here right away, before any fork.
 */
#ifndef BL_IPMI_GLIB_H
#define BL_IPMI_GLIB_H

#include <OpenIPMI/os_handler.h>
#include <glib.h>

/**
 * Create an os handler whose sources live on \p ctx.
 * \param[in] ctx  main context (NULL: the global default context); a reference is taken
 * \return the handler, to be freed with bl_ipmi_glib_os_handler_free(); NULL on ENOMEM
 */
os_handler_t *bl_ipmi_glib_os_handler_new(GMainContext *ctx);

/**
 * Free a handler made by bl_ipmi_glib_os_handler_new(). Every fd and timer registered
 * through it must have been removed first. Safe on NULL.
 */
void bl_ipmi_glib_os_handler_free(os_handler_t *handler);

/** The context a handler was created for (borrowed reference). */
GMainContext *bl_ipmi_glib_os_handler_context(os_handler_t *handler);

#endif
