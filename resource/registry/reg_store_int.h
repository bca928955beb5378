/*
 * Inside the registry store: shared by reg_store.c (open, reads, batches) and
 * reg_store_sync.c (listings, catch-up, snapshots, watches). Not a public interface.
 */
#ifndef BL_REG_STORE_INT_H
#define BL_REG_STORE_INT_H

#include <glib.h>
#include <sqlite3.h>

#include "reg_store.h"

enum reg_stmt {
    ST_GET,
    ST_KEY_EXISTS,
    ST_SET,
    ST_MKKEY,
    ST_DELVAL,
    ST_DELKEYS, /* ST_DELKEYS and ST_DELVALS take the same binds, in this order */
    ST_DELVALS,
    ST_DELALL_KEYS,
    ST_DELALL_VALS,
    ST_LOG_ADD,
    ST_LOG_PRUNE,
    ST_LOG_CLEAR,
    ST_LOG_AT,
    ST_LOG_FROM,
    ST_STATE_GET,
    ST_STATE_PUT,
    ST_CHILDREN,
    ST_VALUES,
    ST_KEYS_RANGE,
    ST_KEYS_ALL,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT,
};

struct reg_watch {
    unsigned id;
    char *prefix;
    bl_reg_watch_fn fn;
    void *data;
};

/* A change recorded in a batch, delivered to the watches after the commit. */
struct reg_change {
    enum bl_reg_change_kind kind;
    uint64_t gen;
    char *path;
    char *name;
    struct bl_reg_value value;
};

struct bl_reg_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    struct bl_reg_state durable; /* as committed and synced */
    struct bl_reg_state cur;     /* including the open batch */
    bool in_batch;
    bool own_sync;  /* WAL at synchronous=NORMAL: commit() syncs the WAL itself, after the
                     * watches ran (visible first, durable before commit() returns) */
    bool untrusted; /* a WAL sync failed: the file may not hold what SQLite reads back */
    uint64_t log_keep;
    char *errmsg;
    GArray *watches;    /* struct reg_watch */
    unsigned watch_id;  /* last id handed out */
    GPtrArray *changes; /* struct reg_change *, only while someone watches */
};

void bl_reg_store_set_err(struct bl_reg_store *s, const char *msg);
/* Map an SQLite code, remembering SQLite's message when it is a failure. */
int bl_reg_store_fail(struct bl_reg_store *s, int sqlite_rc);
/* Reset a prepared statement and its binds, ready for use. */
sqlite3_stmt *bl_reg_store_stmt(struct bl_reg_store *s, enum reg_stmt id);
/* Step a statement that returns no row, and reset it. */
int bl_reg_store_step_done(struct bl_reg_store *s, sqlite3_stmt *st);
/* Bind text that outlives the statement's next step. */
void bl_reg_store_bind_text(sqlite3_stmt *st, int i, const char *text);
/* Copy a (type, data) pair of columns starting at col. */
void bl_reg_store_column_value(sqlite3_stmt *st, int col, struct bl_reg_value *v);
int bl_reg_store_apply_op(struct bl_reg_store *s, const struct bl_reg_op *op);
int bl_reg_store_put_state(struct bl_reg_store *s);

void bl_reg_store_record_op(struct bl_reg_store *s, uint64_t gen, const struct bl_reg_op *op);
void bl_reg_store_fire_watches(struct bl_reg_store *s);
void bl_reg_store_change_free(gpointer p);

#endif
