/*
 * What the chain remembers between actions.
 *
 * - The run record, on the shared volume (state_dir/.bmclink/<resource>.run): the node that
 *   last ran the chain and whether it stopped cleanly. It decides the start mode passed to
 *   members as BMCLINK_START_MODE:
 *     no record                                         -> START (first start ever)
 *     last run on another node                          -> FAILOVER
 *     last run here, never stopped, and this node has
 *     no local snapshot (it crashed or rebooted since)  -> FAILOVER
 *     otherwise                                         -> START
 * - The local snapshot, in the node's runtime directory (tmpfs, gone after a reboot): the
 *   chain as started and the agent's settings, so stop and monitor act on what is running
 *   even if the chain file was edited meanwhile, and `bmclink chain status` can show it.
 */
#ifndef BL_CHAIN_RECORD_H
#define BL_CHAIN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bl_start_mode {
    BL_START_NORMAL = 0,   /* "START" */
    BL_START_FAILOVER = 1, /* "FAILOVER" */
};

struct bl_run_record {
    char *node;      /* node that last started the chain */
    bool running;    /* true from start until a clean stop */
    int64_t changed; /* wall-clock seconds of the last change */
    enum bl_start_mode mode;
};

/**
 * Write a file atomically: a temporary file beside it, fsync, rename, fsync of the directory.
 * \return 0 or -errno
 */
int bl_chain_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode);

/**
 * Read a run record.
 * \param[out] rec  filled on success; free its contents with bl_chain_run_record_clear()
 * \return 0, -ENOENT when there is none, BL_E_INVALID when it is malformed, -errno
 */
int bl_chain_run_record_read(const char *path, struct bl_run_record *rec);

/** Write a run record atomically, creating its directory. \return 0 or -errno */
int bl_chain_run_record_write(const char *path, const struct bl_run_record *rec);

/** Free a record's contents; accepts a zeroed record. */
void bl_chain_run_record_clear(struct bl_run_record *rec);

/**
 * Decide the start mode (see the table above).
 * \param[in] rec             the record, or NULL when there is none
 * \param[in] node            this node's name
 * \param[in] local_snapshot  whether this node still holds a snapshot of a run
 */
enum bl_start_mode bl_chain_start_mode_decide(const struct bl_run_record *rec, const char *node,
                                              bool local_snapshot);

/** "START" or "FAILOVER"; static. */
const char *bl_chain_start_mode_name(enum bl_start_mode mode);

#endif
