/*
 * Client of the local bmclinkd's registry over libqb IPC (protocol in reg_ipc.h). Used by
 * bmclink-reg and, later, by the service chain agent ("wait until in sync, render, capture").
 * Calls block (with a timeout); a client is used from one thread.
 *
 * Module resource/registry (library bmclink_registry) has two contracts: this header for
 * clients (with reg_ipc.h, reg_types.h, registry.h, and the formats reg_text.h and
 * reg_profile.h), reg_node.h for the replica bmclinkd runs. Client headers include nothing
 * of the replica's state machine or store; reg_sm_int.h and reg_store_int.h are private.
 */
#ifndef BL_REG_CLIENT_H
#define BL_REG_CLIENT_H

#include "reg_ipc.h"
#include "reg_types.h"

struct bl_reg_client;

/**
 * Connect to bmclinkd, refusing a server that does not run as root (bl_ipcc.h).
 * \param[in]  service  libqb IPC service name; NULL for BL_REG_IPC_SERVICE
 * \param[out] out      close with bl_reg_client_close()
 * \return 0, -ECONNREFUSED / -ENOENT (no daemon), -EACCES (not allowed), BL_E_IMPOSTOR
 *         (another user's process serves the name), or -errno
 */
int bl_reg_client_connect(const char *service, struct bl_reg_client **out);

/** Disconnect and free. Accepts NULL. */
void bl_reg_client_close(struct bl_reg_client *c);

/** Time to wait for an answer (default 30000 ms). */
void bl_reg_client_set_timeout(struct bl_reg_client *c, int timeout_ms);

/**
 * Read one value from the local replica.
 * \param[out] out  owns the value on success (clear with bl_reg_value_clear())
 * \return 0, -ENOENT, or a transport error (-ETIMEDOUT, -ENOTCONN ...)
 */
int bl_reg_client_get(struct bl_reg_client *c, const char *path, const char *name,
                      struct bl_reg_value *out);

/**
 * Apply ops atomically through the cluster; returns once durable on every member.
 * \param[out] gen  if not NULL: the generation the write got
 * \return 0, BL_E_NOQUORUM, BL_E_INDOUBT, -E2BIG, the data model's codes, transport errors
 */
int bl_reg_client_write(struct bl_reg_client *c, const struct bl_reg_ops *ops, uint64_t *gen);

/**
 * List one key (BL_REG_WALK_KEY) or a subtree (BL_REG_WALK_SUBTREE), page by page; fn sees
 * each item once, with pointers valid during the call.
 * \return 0, -ENOENT (no such key), fn's non-zero value, or a transport error
 */
int bl_reg_client_walk(struct bl_reg_client *c, const char *path, enum bl_reg_walk_mode mode,
                       bl_reg_item_fn fn, void *data);

/** \param[out] out  owns its member list (bl_reg_ipc_status_clear()) */
int bl_reg_client_status(struct bl_reg_client *c, struct bl_reg_ipc_status *out);

/**
 * Wait until the local replica is in sync with a quorate group (state active).
 * \return 0, BL_E_TIMEOUT (still syncing, or read-only for lack of quorum, after timeout_ms)
 */
int bl_reg_client_wait_sync(struct bl_reg_client *c, uint32_t timeout_ms);

/** Receive the changes at or below prefix as events (bl_reg_client_event()). */
int bl_reg_client_watch(struct bl_reg_client *c, const char *prefix);

/**
 * Next change for a watcher.
 * \param[out] ev  owns its contents (bl_reg_ipc_event_clear())
 * \return 0, -ETIMEDOUT (none within timeout_ms; -1 waits for ever), or a transport error
 */
int bl_reg_client_event(struct bl_reg_client *c, int timeout_ms, struct bl_reg_ipc_event *ev);

/**
 * Pipelining for benchmarks and bulk imports: send a write without waiting ...
 * \param[out] seq  identifies its answer
 */
int bl_reg_client_write_send(struct bl_reg_client *c, const struct bl_reg_ops *ops, uint32_t *seq);

/** ... and collect answers in any order. \return 0 (then *rc is the write's result) or a
 * transport error */
int bl_reg_client_write_recv(struct bl_reg_client *c, int timeout_ms, uint32_t *seq, int *rc,
                             uint64_t *gen);

#endif
