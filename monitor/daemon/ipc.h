/*
 * bmclinkd's control socket: a libqb IPC server in the GLib main loop. Modules register a
 * range of message ids; each request reaches its module's handler, which answers now or
 * later (bld_ipc_reply) and may push events (bld_ipc_event) to the connection.
 *
 * Only root, or members of the group given at start (primary or supplementary), may
 * connect, with buffers no larger than the size given at start.
 */
#ifndef BLD_IPC_H
#define BLD_IPC_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bld_ipc;
struct bld_ipc_conn;

/* A request for id, with the payload after libqb's header (valid during the call only). */
typedef void (*bld_ipc_handler)(void *ctx, struct bld_ipc_conn *conn, uint32_t id,
                                const uint8_t *payload, size_t len);
/* The connection is going away: drop what refers to it (refs may still be held). */
typedef void (*bld_ipc_closed)(void *ctx, struct bld_ipc_conn *conn);

/* The largest buffer a client may ask for: a registry message (reg_ipc.h) is the biggest. */
#define BLD_IPC_MAX_MSG (1024 * 1024 + 4096)

/**
 * Create the server and hook it into the default GLib main context.
 * \param[in]  service      libqb service name ("bmclink")
 * \param[in]  allowed_gid  group allowed besides root, or (gid_t) -1 for root only
 * \param[in]  max_msg      connections asking for larger buffers are refused
 * \param[out] out          stop with bld_ipc_stop()
 * \return 0 or -errno (e.g. -EADDRINUSE: another process serves that name)
 */
int bld_ipc_start(const char *service, gid_t allowed_gid, size_t max_msg, struct bld_ipc **out);

/**
 * Whether a /proc/PID/status text lists gid on its Groups line (supplementary groups).
 * \param[in] status  the file's text, NUL-terminated
 */
bool bld_ipc_groups_has(const char *status, gid_t gid);

/** Close every connection and the server. Accepts NULL. */
void bld_ipc_stop(struct bld_ipc *ipc);

/** Route ids first..last to fn; closed (may be NULL) hears about every closing connection. */
void bld_ipc_register(struct bld_ipc *ipc, uint32_t first, uint32_t last, bld_ipc_handler fn,
                      bld_ipc_closed closed, void *ctx);

/** Remove every route registered with ctx (before ctx goes away). */
void bld_ipc_unregister(struct bld_ipc *ipc, void *ctx);

/**
 * Answer a request.
 * \param[in] rc  0, -errno or BL_E_*, carried in the response header's error field
 * \return 0, -ENOTCONN (the client left) or libqb's error
 */
int bld_ipc_reply(struct bld_ipc_conn *conn, uint32_t id, int rc, const void *payload, size_t len);

/** Push an event; \return 0, -EAGAIN (client's queue full), -ENOTCONN */
int bld_ipc_event(struct bld_ipc_conn *conn, uint32_t id, const void *payload, size_t len);

/** Keep a connection object for a later answer; every ref needs an unref. */
struct bld_ipc_conn *bld_ipc_conn_ref(struct bld_ipc_conn *conn);
void bld_ipc_conn_unref(struct bld_ipc_conn *conn);

/** The client's pid, for logs. */
pid_t bld_ipc_conn_pid(const struct bld_ipc_conn *conn);

#endif
