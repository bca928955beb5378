/*
 * Connecting to bmclinkd's libqb IPC service as a client, with the server's credentials
 * checked (the model is Pacemaker's fix for CVE-2018-16877).
 *
 * The service name is an abstract Unix socket: while bmclinkd is down any local user can
 * serve the same name, and a client that trusted whatever answers would take an impostor's
 * registry values or status for the daemon's. So after connecting, the client asks libqb for
 * the server's credentials (SO_PEERCRED, qb_ipcc_auth_get) and keeps the connection only
 * when the server runs as root, or as the client's own effective user: a process of our own
 * user could already do whatever it wants to us, so that adds no trust, and it lets a
 * daemon run unprivileged talk to clients of the same user (tests, a configured user).
 */
#ifndef BL_IPCC_H
#define BL_IPCC_H

#include <qb/qbipcc.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who serves an IPC service name. */
struct bl_ipc_server {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/**
 * Whether a server running as server_uid may be trusted by a client whose effective uid is
 * self_euid: root always, otherwise only the client's own user.
 */
bool bl_ipc_server_trusted(uid_t server_uid, uid_t self_euid);

/**
 * Connect to a libqb IPC service and check who serves it.
 * \param[in]  service  libqb service name
 * \param[in]  max_msg  largest message (qb_ipcc_connect's max_msg_size)
 * \param[out] out      on success the connection (qb_ipcc_disconnect()); NULL otherwise
 * \param[out] server   may be NULL; filled whenever the credentials were read (also on
 *                      BL_E_IMPOSTOR), zeroed otherwise
 * \return 0, -errno from the connection (-ECONNREFUSED / -ENOENT: nobody serves it,
 *         -EACCES: refused by the server), BL_E_IMPOSTOR (the server is not trusted; the
 *         connection is already closed)
 */
int bl_ipcc_connect(const char *service, size_t max_msg, qb_ipcc_connection_t **out,
                    struct bl_ipc_server *server);

#endif
