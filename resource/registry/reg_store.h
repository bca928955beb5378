/*
 * A node's crash-safe local replica of the registry, in SQLite (WAL, synchronous=FULL).
 *
 * Besides the tree, the store keeps the replica's identity: the generation (number of writes
 * applied since the registry was created), the history hash after that write (a hash chain
 * over every write, see registry.h) and the epoch (the sync round that last made this replica
 * authoritative, see reg_sm.h), plus a bounded log of recent writes from which a peer that
 * missed them is caught up without a full snapshot.
 *
 * Writes come in batches: bl_reg_store_begin(), any number of bl_reg_store_apply(), then one
 * bl_reg_store_commit() - one fsync for the lot (group commit). Watches fire after a commit.
 * A store is used from one thread.
 */
#ifndef BL_REG_STORE_H
#define BL_REG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "reg_types.h"
#include "registry.h"

struct bl_reg_store;

/* Identity of a replica. log_min is the oldest generation in the log (gen + 1 when empty). */
struct bl_reg_state {
    uint64_t epoch;
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    uint64_t log_min;
    /* The last quorate round this replica completed had it as the only member, so no other
     * replica can hold a newer history: in a two-node cluster it may write alone after a
     * restart (docs/registry.md, "Two nodes"). */
    bool sole;
};

#define BL_REG_STORE_CREATE 0x1u /* create the file when it does not exist */
/* No sync after each batch (durable = false): SQLite still syncs at its checkpoints
 * (synchronous=NORMAL), so a power loss may lose recent batches. Tests and benchmarks only. */
#define BL_REG_STORE_NOSYNC 0x2u

typedef void (*bl_reg_watch_fn)(void *data, const struct bl_reg_change *c);

/* Called with each encoded catch-up payload; return 0 to go on. */
typedef int (*bl_reg_chunk_fn)(void *data, const uint8_t *payload, size_t len);

/**
 * Open (or create) a replica and check it.
 * \param[in]  path   database file; its -wal and -shm files live beside it
 * \param[in]  flags  BL_REG_STORE_*
 * \param[out] out     the store; close it with bl_reg_store_close()
 * \param[out] errmsg  if not NULL, on failure: what is wrong (the caller frees it with g_free())
 * \return 0; -ENOENT (missing, no CREATE flag); BL_E_CORRUPT (integrity check failed, not a
 *         bmclink registry, inconsistent identity); -EACCES, -EIO, -ENOSPC ...
 */
int bl_reg_store_open(const char *path, unsigned flags, struct bl_reg_store **out, char **errmsg);

/** Close, rolling back an open batch. Accepts NULL. */
void bl_reg_store_close(struct bl_reg_store *s);

/** SQLite's message for the last failure (static or owned by the store; do not free). */
const char *bl_reg_store_errmsg(const struct bl_reg_store *s);

/**
 * Whether a sync of the write-ahead log failed (bl_reg_store_commit() returned its error):
 * what SQLite reads back in this boot, reopened or not, may never have reached the disk.
 * \return true: close the store and set its files aside; start from an empty replica
 */
bool bl_reg_store_untrusted(const struct bl_reg_store *s);

/** Identity including applied but uncommitted writes. */
void bl_reg_store_state(const struct bl_reg_store *s, struct bl_reg_state *out);

/** Keep at most this many writes in the log (default 100000; at least 1). */
void bl_reg_store_set_log_keep(struct bl_reg_store *s, uint64_t entries);

/**
 * Cap the database file at about max_bytes (0: no cap); past it writes fail with -ENOSPC as
 * on a full disk. A quota for the registry, and how the tests fill the disk.
 * \return 0 or an I/O error
 */
int bl_reg_store_set_max_bytes(struct bl_reg_store *s, uint64_t max_bytes);

/**
 * Read one value.
 * \param[out] out  on success owns a copy of the value (clear with bl_reg_value_clear())
 * \return 0, -ENOENT or an I/O error
 */
int bl_reg_store_get(struct bl_reg_store *s, const char *path, const char *name,
                     struct bl_reg_value *out);

/** \return 0 if the key exists (the root always does), -ENOENT if not */
int bl_reg_store_key_exists(struct bl_reg_store *s, const char *path);

/**
 * List a key: its direct subkeys (in path order, name NULL), then its values (name order).
 * \return 0, -ENOENT (no such key), the first non-zero value fn returned, or an I/O error
 */
int bl_reg_store_list(struct bl_reg_store *s, const char *path, bl_reg_item_fn fn, void *data);

/**
 * Walk a subtree in path order, each key followed by its values, starting after a cursor.
 * \param[in] prefix       root of the subtree ("" for all); included itself unless the root
 * \param[in] after_path   cursor: NULL to start at the beginning, else the path of the last
 *                         item already seen ...
 * \param[in] after_name   ... and its value name (NULL when that item was the key itself)
 * \return 0 at the end, the first non-zero value fn returned, -ENOENT or an I/O error
 */
int bl_reg_store_walk(struct bl_reg_store *s, const char *prefix, const char *after_path,
                      const char *after_name, bl_reg_item_fn fn, void *data);

/** Open a batch. \return 0, -EBUSY (already open) or an I/O error */
int bl_reg_store_begin(struct bl_reg_store *s);

/** True while a batch is open. */
bool bl_reg_store_in_batch(const struct bl_reg_store *s);

/**
 * Apply one write in the open batch.
 * \param[in] gen    must be the current generation + 1
 * \param[in] hash   history hash after this write
 * \param[in] bytes  canonical encoding of ops (kept in the log)
 * \param[in] ops    the decoded, checked ops
 * \return 0, -EINVAL (no batch, wrong gen) or an I/O error (the batch must be rolled back)
 */
int bl_reg_store_apply(struct bl_reg_store *s, uint64_t gen, const uint8_t hash[BL_REG_HASH_LEN],
                       const uint8_t *bytes, size_t len, const struct bl_reg_ops *ops);

/** Record a new epoch, and whether we were the sole member, in the open batch.
 * \return 0 or -EINVAL (no batch) */
int bl_reg_store_set_epoch(struct bl_reg_store *s, uint64_t epoch, bool sole);

/**
 * Commit the batch and make it durable with one sync of the write-ahead log. The watches run
 * over its changes between the two (the batch is visible, not yet durable); everything else
 * sees it only once this returns 0, durable. A power loss before the sync loses the batch
 * whole: the replica reopens at its last durable identity, behind, never diverged.
 * \return 0; if the commit fails (-ENOSPC, -EIO ...) the batch is rolled back and the
 *         identity is the last durable one again; if the sync fails (-EIO) the batch stays
 *         committed but may not be on disk, and bl_reg_store_untrusted() turns true: the
 *         caller must stop using the store and must not reopen its file (the node fails,
 *         leaves the group, sets the file aside and starts empty)
 */
int bl_reg_store_commit(struct bl_reg_store *s);

/** Drop the open batch; the identity is the last durable one again. */
void bl_reg_store_rollback(struct bl_reg_store *s);

/**
 * Replace the whole tree with a snapshot, atomically, and adopt its identity; the log is
 * emptied. Must not be called inside a batch. Watches see one BL_REG_CHANGE_RESET.
 * \param[in] snapshot  CREATE_KEY and SET ops rebuilding the tree
 * \return 0 or an error (then nothing changed)
 */
int bl_reg_store_replace(struct bl_reg_store *s, const struct bl_reg_ops *snapshot,
                         const struct bl_reg_state *id);

/**
 * Apply ops as one local write (own batch, next generation, chained hash). For a replica
 * used without replication (tests, tools); bmclinkd replicates through reg_sm instead.
 * \return 0, the check's code for invalid ops, or an I/O error
 */
int bl_reg_store_write(struct bl_reg_store *s, const struct bl_reg_ops *ops);

/**
 * Can the log bring a replica at (gen, hash) up to this one? True when gen equals ours with
 * the same hash, or the log holds the entry gen with that hash and everything after it.
 */
bool bl_reg_store_can_catch_up(struct bl_reg_store *s, uint64_t gen,
                               const uint8_t hash[BL_REG_HASH_LEN]);

/**
 * Emit the log entries after generation from as CU_LOG payloads of about chunk bytes each.
 * \return 0, what fn returned, -ENOENT (the log no longer holds them) or an I/O error
 */
int bl_reg_store_log_chunks(struct bl_reg_store *s, uint64_t from, size_t chunk, bl_reg_chunk_fn fn,
                            void *data);

/**
 * Emit the whole tree as CU_SNAPSHOT payloads (encoded ops) of about chunk bytes each.
 * \return 0, what fn returned, or an I/O error
 */
int bl_reg_store_snapshot_chunks(struct bl_reg_store *s, size_t chunk, bl_reg_chunk_fn fn,
                                 void *data);

/**
 * Watch committed changes at or below prefix.
 * \param[in]  prefix  canonical path (copied)
 * \param[out] id      handle for bl_reg_store_watch_remove()
 */
void bl_reg_store_watch_add(struct bl_reg_store *s, const char *prefix, bl_reg_watch_fn fn,
                            void *data, unsigned *id);

/** Remove a watch; unknown ids are ignored. */
void bl_reg_store_watch_remove(struct bl_reg_store *s, unsigned id);

/** Map an SQLite result code to 0 / -errno / BL_E_CORRUPT. */
int bl_reg_store_sqlite_rc(int sqlite_rc);

#endif
