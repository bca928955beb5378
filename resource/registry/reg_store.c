#include "reg_store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_result.h"
#include "reg_store_int.h"
#include "reg_wire.h"

#define APP_ID 0x424c5247 /* "BLRG" */
#define SCHEMA_VERSION 1

static const char *const schema_sql =
    "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL,"
    " gen INTEGER NOT NULL, hash BLOB NOT NULL, log_min INTEGER NOT NULL,"
    " sole INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO state VALUES (1, 0, 0, zeroblob(16), 1, 0);"
    "CREATE TABLE keys(path TEXT PRIMARY KEY, parent TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX keys_parent ON keys(parent, path);"
    "CREATE TABLE vals(path TEXT NOT NULL, name TEXT NOT NULL, type INTEGER NOT NULL,"
    " data BLOB, PRIMARY KEY (path, name)) WITHOUT ROWID;"
    "CREATE TABLE log(gen INTEGER PRIMARY KEY, hash BLOB NOT NULL, ops BLOB NOT NULL);"
    "PRAGMA application_id = 1112298055;" /* APP_ID */
    "PRAGMA user_version = 1;";

/* Key ranges: the descendants of P are the paths in (P + "/", P + "0"), '0' following '/'. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_GET] = "SELECT type, data FROM vals WHERE path = ?1 AND name = ?2",
    [ST_KEY_EXISTS] = "SELECT 1 FROM keys WHERE path = ?1",
    [ST_SET] = "INSERT OR REPLACE INTO vals(path, name, type, data) VALUES (?1, ?2, ?3, ?4)",
    [ST_MKKEY] = "INSERT OR IGNORE INTO keys(path, parent) VALUES (?1, ?2)",
    [ST_DELVAL] = "DELETE FROM vals WHERE path = ?1 AND name = ?2",
    [ST_DELKEYS] = "DELETE FROM keys WHERE path = ?1 OR (path > ?2 AND path < ?3)",
    [ST_DELVALS] = "DELETE FROM vals WHERE path = ?1 OR (path > ?2 AND path < ?3)",
    [ST_DELALL_KEYS] = "DELETE FROM keys",
    [ST_DELALL_VALS] = "DELETE FROM vals",
    [ST_LOG_ADD] = "INSERT INTO log(gen, hash, ops) VALUES (?1, ?2, ?3)",
    [ST_LOG_PRUNE] = "DELETE FROM log WHERE gen < ?1",
    [ST_LOG_CLEAR] = "DELETE FROM log",
    [ST_LOG_AT] = "SELECT hash FROM log WHERE gen = ?1",
    [ST_LOG_FROM] = "SELECT gen, hash, ops FROM log WHERE gen > ?1 ORDER BY gen",
    [ST_STATE_GET] = "SELECT epoch, gen, hash, log_min, sole FROM state WHERE id = 1",
    [ST_STATE_PUT] = "UPDATE state SET epoch = ?1, gen = ?2, hash = ?3, log_min = ?4, sole = ?5"
                     " WHERE id = 1",
    [ST_CHILDREN] = "SELECT path FROM keys WHERE parent = ?1 ORDER BY path",
    [ST_VALUES] = "SELECT name, type, data FROM vals WHERE path = ?1 AND (?2 IS NULL OR name > ?2)"
                  " ORDER BY name",
    [ST_KEYS_RANGE] = "SELECT path FROM keys WHERE path > ?1 AND path < ?2 ORDER BY path",
    [ST_KEYS_ALL] = "SELECT path FROM keys WHERE path > ?1 ORDER BY path",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

int
bl_reg_store_sqlite_rc(int rc)
{
    switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
            return 0;
        case SQLITE_FULL:
            return -ENOSPC;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_FORMAT:
            return BL_E_CORRUPT;
        case SQLITE_CANTOPEN:
            return -ENOENT;
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return -EACCES;
        case SQLITE_READONLY:
            return -EROFS;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return -EBUSY;
        case SQLITE_NOMEM:
            return -ENOMEM;
        case SQLITE_TOOBIG:
            return -E2BIG;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
            return -EINVAL;
        default:
            return -EIO;
    }
}

void
bl_reg_store_set_err(struct bl_reg_store *s, const char *msg)
{
    g_free(s->errmsg);
    s->errmsg = g_strdup(msg);
}

int
bl_reg_store_fail(struct bl_reg_store *s, int sqlite_rc)
{
    int rc = bl_reg_store_sqlite_rc(sqlite_rc);

    if (rc != 0 && s->db != NULL) {
        bl_reg_store_set_err(s, sqlite3_errmsg(s->db));
    }
    return rc;
}

sqlite3_stmt *
bl_reg_store_stmt(struct bl_reg_store *s, enum reg_stmt id)
{
    sqlite3_stmt *st = s->st[id];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

int
bl_reg_store_step_done(struct bl_reg_store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : bl_reg_store_fail(s, rc);
}

void
bl_reg_store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

static int
exec_sql(struct bl_reg_store *s, const char *sql)
{
    return bl_reg_store_fail(s, sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int
pragma_int(struct bl_reg_store *s, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return bl_reg_store_fail(s, rc);
}

/* quick_check reads every page: a torn or corrupt file is found at start, not mid-sync. */
static int
integrity_check(struct bl_reg_store *s)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && g_strcmp0((const char *) sqlite3_column_text(st, 0), "ok") != 0) {
            bl_reg_store_set_err(s, (const char *) sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
            return BL_E_CORRUPT;
        }
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return bl_reg_store_fail(s, rc);
}

/* Stores made before the two-node rule lack state.sole; they get it, false (the node then
 * writes alone only after a round proves it may). The schema version stays, so an older
 * daemon still opens the file (it names the columns it reads). */
static int
add_sole_column(struct bl_reg_store *s)
{
    int has = 0;
    int rc =
        pragma_int(s, "SELECT count(*) FROM pragma_table_info('state') WHERE name = 'sole'", &has);

    if (rc != 0 || has > 0) {
        return rc;
    }
    return exec_sql(s, "ALTER TABLE state ADD COLUMN sole INTEGER NOT NULL DEFAULT 0");
}

/* An empty file gets the schema; anything else must be ours, at our version. */
static int
schema_check(struct bl_reg_store *s)
{
    int app = 0;
    int version = 0;
    int tables = 0;
    int rc = pragma_int(s, "PRAGMA application_id", &app);

    if (rc == 0) {
        rc = pragma_int(s, "PRAGMA user_version", &version);
    }
    if (rc == 0) {
        rc = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &tables);
    }
    if (rc != 0) {
        return rc;
    }
    if (tables == 0 && app == 0) {
        return exec_sql(s, "BEGIN IMMEDIATE") ?: exec_sql(s, schema_sql) ?: exec_sql(s, "COMMIT");
    }
    if (app == APP_ID && version == SCHEMA_VERSION) {
        return add_sole_column(s);
    }
    if (app != APP_ID || version != SCHEMA_VERSION) {
        g_free(s->errmsg);
        s->errmsg = g_strdup_printf("not a bmclink registry of schema %d (application_id %#x, "
                                    "user_version %d)",
                                    SCHEMA_VERSION, (unsigned) app, version);
        return BL_E_CORRUPT;
    }
    return 0;
}

static int
load_state(struct bl_reg_store *s)
{
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_STATE_GET);
    int rc = sqlite3_step(st);

    if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 2) != BL_REG_HASH_LEN) {
        sqlite3_reset(st);
        bl_reg_store_set_err(s, "registry identity row missing or malformed");
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? BL_E_CORRUPT : bl_reg_store_fail(s, rc);
    }
    s->durable.epoch = (uint64_t) sqlite3_column_int64(st, 0);
    s->durable.gen = (uint64_t) sqlite3_column_int64(st, 1);
    memcpy(s->durable.hash, sqlite3_column_blob(st, 2), BL_REG_HASH_LEN);
    s->durable.log_min = (uint64_t) sqlite3_column_int64(st, 3);
    s->durable.sole = sqlite3_column_int(st, 4) != 0;
    sqlite3_reset(st);
    if (s->durable.log_min > s->durable.gen + 1 || s->durable.log_min == 0) {
        bl_reg_store_set_err(s, "registry identity inconsistent with its log");
        return BL_E_CORRUPT;
    }
    s->cur = s->durable;
    return 0;
}

static int
prepare_all(struct bl_reg_store *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc =
            sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK) {
            return bl_reg_store_fail(s, rc);
        }
    }
    return 0;
}

/* Durable stores: in WAL mode the commit itself runs at synchronous=NORMAL (no fsync) and
 * bl_reg_store_commit() syncs the WAL once the watches have seen the batch, so a watcher is
 * told while the disk works; nothing else (state, replies, messages) sees the batch before
 * the sync. Any other journal mode keeps synchronous=FULL. */
static int
configure(struct bl_reg_store *s, unsigned flags)
{
    bool nosync = (flags & BL_REG_STORE_NOSYNC) != 0;
    sqlite3_stmt *st = NULL;
    int rc;

    sqlite3_extended_result_codes(s->db, 1);
    rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        s->own_sync = nosync == false && rc == SQLITE_ROW &&
                      g_ascii_strcasecmp((const char *) sqlite3_column_text(st, 0), "wal") == 0;
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return bl_reg_store_fail(s, rc)
               ?: exec_sql(s, nosync || s->own_sync ? "PRAGMA synchronous = NORMAL"
                                                    : "PRAGMA synchronous = FULL")
               ?: exec_sql(s, "PRAGMA foreign_keys = OFF");
}

/* Sync the write-ahead log through SQLite's own handle on it: the handle always names the
 * current -wal file (SQLite may recreate it), and the VFS also syncs the folder once after
 * creating the file. One fdatasync-class call per batch, as synchronous=FULL made. */
static int
sync_wal(struct bl_reg_store *s)
{
    sqlite3_file *wal = NULL;
    int rc = sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);

    if (rc == SQLITE_OK && (wal == NULL || wal->pMethods == NULL)) {
        bl_reg_store_set_err(s, "the write-ahead log is not open after a commit");
        return -EIO;
    }
    if (rc == SQLITE_OK) {
        rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    }
    return bl_reg_store_fail(s, rc);
}

/*
 * The replica is only for the daemon: mode 0600 whatever the caller's umask, also for a file
 * an older version left 0644. SQLite gives its -wal and -shm files the main file's mode.
 */
static int
private_file(const char *path, bool create)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
    struct stat st;
    int rc = 0;

    if (fd < 0) {
        return errno == ENOENT && !create ? 0 : -errno; /* SQLite says it with the file's name */
    }
    if (fstat(fd, &st) != 0 || ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0)) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

int
bl_reg_store_open(const char *path, unsigned flags, struct bl_reg_store **out, char **errmsg)
{
    struct bl_reg_store *s = g_new0(struct bl_reg_store, 1);
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc;

    *out = NULL;
    s->log_keep = 100000;
    s->watches = g_array_new(FALSE, TRUE, sizeof(struct reg_watch));
    s->changes = g_ptr_array_new_with_free_func(bl_reg_store_change_free);
    if ((flags & BL_REG_STORE_CREATE) != 0) {
        oflags |= SQLITE_OPEN_CREATE;
    }
    rc = private_file(path, (flags & BL_REG_STORE_CREATE) != 0);
    if (rc != 0) {
        bl_reg_store_set_err(s, "cannot make the store private (mode 0600)");
    }
    rc = rc != 0 ? rc : bl_reg_store_fail(s, sqlite3_open_v2(path, &s->db, oflags, NULL));
    if (rc == 0) {
        rc = configure(s, flags) ?: integrity_check(s) ?: schema_check(s) ?: prepare_all(s)
                                                                     ?: load_state(s);
    }
    if (rc != 0) {
        /* Hand the message to the caller: it names what is wrong with the file. */
        if (errmsg != NULL) {
            *errmsg = g_strdup(s->errmsg != NULL ? s->errmsg : bl_strerror(rc));
        }
        bl_reg_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void
bl_reg_store_close(struct bl_reg_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->in_batch) {
        bl_reg_store_rollback(s);
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
    }
    sqlite3_close(s->db);
    for (guint i = 0; i < s->watches->len; i++) {
        g_free(g_array_index(s->watches, struct reg_watch, i).prefix);
    }
    g_array_free(s->watches, TRUE);
    g_ptr_array_free(s->changes, TRUE);
    g_free(s->errmsg);
    g_free(s);
}

const char *
bl_reg_store_errmsg(const struct bl_reg_store *s)
{
    return s->errmsg != NULL ? s->errmsg : "no error";
}

bool
bl_reg_store_untrusted(const struct bl_reg_store *s)
{
    return s->untrusted;
}

void
bl_reg_store_state(const struct bl_reg_store *s, struct bl_reg_state *out)
{
    *out = s->cur;
}

void
bl_reg_store_set_log_keep(struct bl_reg_store *s, uint64_t entries)
{
    s->log_keep = entries > 0 ? entries : 1;
}

int
bl_reg_store_set_max_bytes(struct bl_reg_store *s, uint64_t max_bytes)
{
    int page = 0;
    int rc = pragma_int(s, "PRAGMA page_size", &page);

    if (rc != 0 || page <= 0) {
        return rc != 0 ? rc : -EIO;
    }
    /* SQLite's largest page count stands for "no cap". */
    uint64_t pages = max_bytes > 0 ? MAX(max_bytes / (uint64_t) page, 1) : 4294967294u;
    g_autofree char *sql = g_strdup_printf("PRAGMA max_page_count = %" G_GUINT64_FORMAT, pages);
    return exec_sql(s, sql);
}

/* Copy a value out of a result row's (type, data) columns. */
void
bl_reg_store_column_value(sqlite3_stmt *st, int col, struct bl_reg_value *v)
{
    const void *blob = sqlite3_column_blob(st, col + 1);
    int len = sqlite3_column_bytes(st, col + 1);

    v->type = sqlite3_column_int(st, col);
    v->len = (uint32_t) len;
    v->data = len > 0 ? g_memdup2(blob, (gsize) len) : NULL;
}

int
bl_reg_store_get(struct bl_reg_store *s, const char *path, const char *name,
                 struct bl_reg_value *out)
{
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_GET);
    int rc;

    bl_reg_store_bind_text(st, 1, path);
    bl_reg_store_bind_text(st, 2, name);
    rc = sqlite3_step(st);
    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
        bl_reg_store_column_value(st, 0, out);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    return rc == SQLITE_DONE ? -ENOENT : bl_reg_store_fail(s, rc);
}

int
bl_reg_store_key_exists(struct bl_reg_store *s, const char *path)
{
    if (path[0] == '\0') {
        return 0;
    }
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_KEY_EXISTS);
    bl_reg_store_bind_text(st, 1, path);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    return rc == SQLITE_DONE ? -ENOENT : bl_reg_store_fail(s, rc);
}

int
bl_reg_store_begin(struct bl_reg_store *s)
{
    if (s->in_batch) {
        return -EBUSY;
    }
    if (s->untrusted) {
        return -EIO; /* nothing more goes on top of frames that may not be on disk */
    }
    int rc = bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_BEGIN));
    if (rc == 0) {
        s->in_batch = true;
    }
    return rc;
}

bool
bl_reg_store_in_batch(const struct bl_reg_store *s)
{
    return s->in_batch;
}

/* Create path and, deepest first, its missing parents: a key's parents always exist, so the
 * first one already there ends the climb (one insert in the common case). */
static int
make_key(struct bl_reg_store *s, const char *path)
{
    g_autofree char *p = g_strdup(path);

    while (p[0] != '\0') {
        char *slash = strrchr(p, '/');
        sqlite3_stmt *st = bl_reg_store_stmt(s, ST_MKKEY);
        bl_reg_store_bind_text(st, 1, p);
        sqlite3_bind_text(st, 2, slash != NULL ? p : "", slash != NULL ? (int) (slash - p) : 0,
                          SQLITE_TRANSIENT);
        int rc = bl_reg_store_step_done(s, st);
        if (rc != 0 || sqlite3_changes(s->db) == 0) {
            return rc;
        }
        if (slash == NULL) {
            break;
        }
        *slash = '\0';
    }
    return 0;
}

static int
delete_subtree(struct bl_reg_store *s, const char *path)
{
    if (path[0] == '\0') {
        return bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_DELALL_KEYS))
                   ?: bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_DELALL_VALS));
    }
    g_autofree char *lo = g_strconcat(path, "/", NULL);
    g_autofree char *hi = g_strconcat(path, "0", NULL);
    int rc = 0;
    for (enum reg_stmt id = ST_DELKEYS; rc == 0 && id <= ST_DELVALS; id++) {
        sqlite3_stmt *st = bl_reg_store_stmt(s, id);
        bl_reg_store_bind_text(st, 1, path);
        bl_reg_store_bind_text(st, 2, lo);
        bl_reg_store_bind_text(st, 3, hi);
        rc = bl_reg_store_step_done(s, st);
    }
    return rc;
}

static int
set_value(struct bl_reg_store *s, const struct bl_reg_op *op)
{
    int rc = make_key(s, op->path);

    if (rc != 0) {
        return rc;
    }
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_SET);
    bl_reg_store_bind_text(st, 1, op->path);
    bl_reg_store_bind_text(st, 2, op->name);
    sqlite3_bind_int(st, 3, (int) op->value.type);
    sqlite3_bind_blob(st, 4, op->value.len > 0 ? op->value.data : (const void *) "",
                      (int) op->value.len, SQLITE_STATIC);
    return bl_reg_store_step_done(s, st);
}

static int
delete_value(struct bl_reg_store *s, const struct bl_reg_op *op)
{
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_DELVAL);

    bl_reg_store_bind_text(st, 1, op->path);
    bl_reg_store_bind_text(st, 2, op->name);
    return bl_reg_store_step_done(s, st);
}

int
bl_reg_store_apply_op(struct bl_reg_store *s, const struct bl_reg_op *op)
{
    switch (op->kind) {
        case BL_REG_OP_SET:
            return set_value(s, op);
        case BL_REG_OP_DELETE_VALUE:
            return delete_value(s, op);
        case BL_REG_OP_CREATE_KEY:
            return make_key(s, op->path);
        case BL_REG_OP_DELETE_KEY:
            return delete_subtree(s, op->path);
    }
    return -EINVAL;
}

static int
log_add(struct bl_reg_store *s, uint64_t gen, const uint8_t *hash, const uint8_t *bytes, size_t len)
{
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_LOG_ADD);

    sqlite3_bind_int64(st, 1, (sqlite3_int64) gen);
    sqlite3_bind_blob(st, 2, hash, BL_REG_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, bytes, (int) len, SQLITE_STATIC);
    return bl_reg_store_step_done(s, st);
}

int
bl_reg_store_apply(struct bl_reg_store *s, uint64_t gen, const uint8_t hash[BL_REG_HASH_LEN],
                   const uint8_t *bytes, size_t len, const struct bl_reg_ops *ops)
{
    int rc = 0;

    if (s->in_batch == false || gen != s->cur.gen + 1) {
        return -EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < ops->n; i++) {
        rc = bl_reg_store_apply_op(s, &ops->v[i]);
        bl_reg_store_record_op(s, gen, &ops->v[i]);
    }
    if (rc == 0) {
        rc = log_add(s, gen, hash, bytes, len);
    }
    if (rc == 0) {
        s->cur.gen = gen;
        memcpy(s->cur.hash, hash, BL_REG_HASH_LEN);
    }
    return rc;
}

int
bl_reg_store_set_epoch(struct bl_reg_store *s, uint64_t epoch, bool sole)
{
    if (s->in_batch == false) {
        return -EINVAL;
    }
    s->cur.epoch = epoch;
    s->cur.sole = sole;
    return 0;
}

static int
log_prune(struct bl_reg_store *s)
{
    if (s->cur.gen < s->log_keep || s->cur.gen - s->log_keep + 1 <= s->cur.log_min) {
        return 0;
    }
    uint64_t min = s->cur.gen - s->log_keep + 1;
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_LOG_PRUNE);
    sqlite3_bind_int64(st, 1, (sqlite3_int64) min);
    int rc = bl_reg_store_step_done(s, st);
    if (rc == 0) {
        s->cur.log_min = min;
    }
    return rc;
}

int
bl_reg_store_put_state(struct bl_reg_store *s)
{
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_STATE_PUT);

    sqlite3_bind_int64(st, 1, (sqlite3_int64) s->cur.epoch);
    sqlite3_bind_int64(st, 2, (sqlite3_int64) s->cur.gen);
    sqlite3_bind_blob(st, 3, s->cur.hash, BL_REG_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64) s->cur.log_min);
    sqlite3_bind_int(st, 5, s->cur.sole ? 1 : 0);
    return bl_reg_store_step_done(s, st);
}

int
bl_reg_store_commit(struct bl_reg_store *s)
{
    if (s->in_batch == false) {
        return -EINVAL;
    }
    int rc = log_prune(s) ?: bl_reg_store_put_state(s)
                           ?: bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_COMMIT));
    if (rc != 0) {
        bl_reg_store_rollback(s);
        return rc;
    }
    s->in_batch = false;
    if (s->own_sync == false) {
        s->durable = s->cur;
        bl_reg_store_fire_watches(s);
        return 0;
    }
    /* Committed, not yet durable: the watchers hear of it now, the rest after the sync. A
     * power loss before the sync loses the batch whole (WAL frames are checksummed in
     * order), leaving this replica behind at its last durable state, never diverged. */
    bl_reg_store_fire_watches(s);
    rc = sync_wal(s);
    if (rc != 0) {
        /* Committed but maybe not on disk, and a reopen would not tell: after a failed
         * fsync Linux keeps the pages cached and marks them clean, so this boot reads back
         * the batch as if it were durable. The file is not to be trusted again: the caller
         * sets it aside and starts empty (bl_reg_store_untrusted()). */
        s->untrusted = true;
        return rc;
    }
    s->durable = s->cur;
    return 0;
}

void
bl_reg_store_rollback(struct bl_reg_store *s)
{
    if (s->in_batch == false) {
        return;
    }
    /* After SQLITE_FULL SQLite may have rolled back already: then there is nothing to do,
     * and the error message of the failure stays for the caller. */
    if (sqlite3_get_autocommit(s->db) == 0) {
        sqlite3_stmt *st = bl_reg_store_stmt(s, ST_ROLLBACK);
        (void) sqlite3_step(st);
        sqlite3_reset(st);
    }
    s->in_batch = false;
    s->cur = s->durable;
    g_ptr_array_set_size(s->changes, 0);
}

int
bl_reg_store_write(struct bl_reg_store *s, const struct bl_reg_ops *ops)
{
    GByteArray *bytes = g_byte_array_new();
    uint8_t hash[BL_REG_HASH_LEN];
    int rc = bl_reg_ops_check(ops) ?: bl_reg_ops_encode(ops, bytes);

    if (rc == 0) {
        bl_reg_hash_next(s->cur.hash, bytes->data, bytes->len, hash);
        rc = bl_reg_store_begin(s);
    }
    if (rc == 0) {
        rc = bl_reg_store_apply(s, s->cur.gen + 1, hash, bytes->data, bytes->len, ops);
        rc = rc == 0 ? bl_reg_store_commit(s) : (bl_reg_store_rollback(s), rc);
    }
    g_byte_array_unref(bytes);
    return rc;
}
