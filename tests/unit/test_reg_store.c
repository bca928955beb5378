/* The registry's SQLite replica (resource/registry/reg_store*.c): the C API, crash safety of
 * batches, the log, snapshots, watches, a full disk and a corrupt file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_result.h"
#include "reg_store.h"
#include "reg_wire.h"

struct fixture {
    char *dir;
    char *path;
    struct bl_reg_store *s;
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->dir = g_dir_make_tmp("test_reg_store_XXXXXX", NULL);
    f->path = g_strdup_printf("%s/reg.db", f->dir);
    assert_int_equal(bl_reg_store_open(f->path, BL_REG_STORE_CREATE, &f->s, NULL), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    bl_reg_store_close(f->s);
    assert_int_equal(system(cmd), 0);
    g_free(f->path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static int
set_sz(struct bl_reg_store *s, const char *path, const char *name, const char *text)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};
    int rc = bl_reg_value_set(&v, BL_REG_SZ, text, strlen(text));

    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, name, &v);
    rc = rc != 0 ? rc : bl_reg_store_write(s, &ops);
    bl_reg_ops_clear(&ops);
    bl_reg_value_clear(&v);
    return rc;
}

/* The replica's files are 0600 whatever the umask, and an older 0644 file is made 0600. */
static void
test_file_mode(void **state)
{
    struct fixture *f = *state;
    g_autofree char *path = g_strdup_printf("%s/mode.db", f->dir);
    g_autofree char *wal = g_strdup_printf("%s-wal", path);
    struct bl_reg_store *s = NULL;
    struct stat st;
    mode_t old = umask(022);

    assert_int_equal(bl_reg_store_open(path, BL_REG_STORE_CREATE, &s, NULL), 0);
    assert_int_equal(set_sz(s, "SOFTWARE/A", "v", "x"), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    bl_reg_store_close(s);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(bl_reg_store_open(path, 0, &s, NULL), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    bl_reg_store_close(s);
    umask(old);
}

static int
one_op(struct bl_reg_store *s, enum bl_reg_op_kind kind, const char *path, const char *name)
{
    struct bl_reg_ops ops = {0};

    bl_reg_ops_add(&ops, kind, path, name, NULL);
    int rc = bl_reg_store_write(s, &ops);
    bl_reg_ops_clear(&ops);
    return rc;
}

static int
collect(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    g_string_append_printf(data, "%s:%s;", path, name != NULL ? name : "");
    return 0;
}

static void
test_get_set_delete_list(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_value v = {0};
    struct bl_reg_state st;
    GString *out = g_string_new(NULL);

    assert_int_equal(set_sz(f->s, "SOFTWARE/NEC/NVBASE", "WorkDir", "/opt/nv"), 0);
    assert_int_equal(set_sz(f->s, "SOFTWARE/NEC/NVBASE/AlertViewer", "AlertPath", "/x"), 0);
    assert_int_equal(set_sz(f->s, "SOFTWARE/NEC/NVBASE", "", "default"), 0);
    assert_int_equal(one_op(f->s, BL_REG_OP_CREATE_KEY, "SOFTWARE/NEC/Empty", NULL), 0);
    assert_int_equal(bl_reg_store_get(f->s, "SOFTWARE/NEC/NVBASE", "WorkDir", &v), 0);
    assert_int_equal(v.type, BL_REG_SZ);
    assert_memory_equal(v.data, "/opt/nv", 7);
    bl_reg_value_clear(&v);
    assert_int_equal(bl_reg_store_key_exists(f->s, "SOFTWARE/NEC"), 0); /* parents exist */
    assert_int_equal(bl_reg_store_get(f->s, "SOFTWARE/NEC", "nope", &v), -ENOENT);

    assert_int_equal(bl_reg_store_list(f->s, "SOFTWARE/NEC", collect, out), 0);
    assert_string_equal(out->str, "SOFTWARE/NEC/Empty:;SOFTWARE/NEC/NVBASE:;");
    g_string_truncate(out, 0);
    assert_int_equal(bl_reg_store_list(f->s, "SOFTWARE/NEC/NVBASE", collect, out), 0);
    assert_string_equal(out->str, "SOFTWARE/NEC/NVBASE/AlertViewer:;SOFTWARE/NEC/NVBASE:;"
                                  "SOFTWARE/NEC/NVBASE:WorkDir;");
    assert_int_equal(bl_reg_store_list(f->s, "NOPE", collect, out), -ENOENT);

    assert_int_equal(one_op(f->s, BL_REG_OP_DELETE_VALUE, "SOFTWARE/NEC/NVBASE", "WorkDir"), 0);
    assert_int_equal(bl_reg_store_get(f->s, "SOFTWARE/NEC/NVBASE", "WorkDir", &v), -ENOENT);
    assert_int_equal(one_op(f->s, BL_REG_OP_DELETE_KEY, "SOFTWARE/NEC/NVBASE", NULL), 0);
    assert_int_equal(bl_reg_store_key_exists(f->s, "SOFTWARE/NEC/NVBASE/AlertViewer"), -ENOENT);
    assert_int_equal(bl_reg_store_key_exists(f->s, "SOFTWARE/NEC/Empty"), 0);
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.gen, 6);
    g_string_free(out, TRUE);
}

static void
test_walk_with_cursor(void **state)
{
    struct fixture *f = *state;
    GString *all = g_string_new(NULL);
    GString *paged = g_string_new(NULL);

    set_sz(f->s, "A", "a1", "x");
    set_sz(f->s, "A", "a2", "x");
    set_sz(f->s, "A/B", "b1", "x");
    set_sz(f->s, "A-x", "c", "x"); /* sorts between A and A/B but is not below A */
    set_sz(f->s, "Z", "z", "x");
    assert_int_equal(bl_reg_store_walk(f->s, "A", NULL, NULL, collect, all), 0);
    assert_string_equal(all->str, "A:;A:a1;A:a2;A/B:;A/B:b1;");
    /* Resuming after each item gives the same sequence. */
    assert_int_equal(bl_reg_store_walk(f->s, "A", "A", "a1", collect, paged), 0);
    assert_string_equal(paged->str, "A:a2;A/B:;A/B:b1;");
    g_string_truncate(paged, 0);
    assert_int_equal(bl_reg_store_walk(f->s, "A", "A/B", NULL, collect, paged), 0);
    assert_string_equal(paged->str, "A/B:b1;");
    g_string_truncate(all, 0);
    assert_int_equal(bl_reg_store_walk(f->s, "", NULL, NULL, collect, all), 0);
    assert_string_equal(all->str, "A:;A:a1;A:a2;A-x:;A-x:c;A/B:;A/B:b1;Z:;Z:z;");
    g_string_free(all, TRUE);
    g_string_free(paged, TRUE);
}

static void
test_batch_rollback_and_reopen(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_state st;
    struct bl_reg_value v = {0};
    struct bl_reg_ops ops = {0};
    GByteArray *bytes = g_byte_array_new();
    uint8_t h[BL_REG_HASH_LEN] = {9};

    set_sz(f->s, "K", "durable", "1");
    bl_reg_value_set(&v, BL_REG_SZ, "2", 1);
    bl_reg_ops_add(&ops, BL_REG_OP_SET, "K", "lost", &v);
    bl_reg_value_clear(&v); /* the ops hold their own copy; get() wants an empty value */
    bl_reg_ops_encode(&ops, bytes);
    assert_int_equal(bl_reg_store_begin(f->s), 0);
    assert_int_equal(bl_reg_store_apply(f->s, 3, h, bytes->data, bytes->len, &ops), -EINVAL);
    assert_int_equal(bl_reg_store_apply(f->s, 2, h, bytes->data, bytes->len, &ops), 0);
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.gen, 2);
    /* The process dies before the commit: closing rolls back, as a crash would. */
    bl_reg_store_close(f->s);
    assert_int_equal(bl_reg_store_open(f->path, 0, &f->s, NULL), 0);
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.gen, 1);
    assert_int_equal(bl_reg_store_get(f->s, "K", "lost", &v), -ENOENT);
    assert_int_equal(bl_reg_store_get(f->s, "K", "durable", &v), 0);
    bl_reg_value_clear(&v);
    bl_reg_ops_clear(&ops);
    g_byte_array_unref(bytes);
}

static int
count_chunk(void *data, const uint8_t *payload, size_t len)
{
    (*(int *) data)++;
    return 0;
}

static void
test_log_and_catch_up(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_state st0;
    struct bl_reg_state st;
    uint8_t wrong[BL_REG_HASH_LEN] = {1};
    int chunks = 0;

    bl_reg_store_set_log_keep(f->s, 5);
    bl_reg_store_state(f->s, &st0);
    assert_true(bl_reg_store_can_catch_up(f->s, 0, st0.hash));
    for (int i = 0; i < 8; i++) {
        g_autofree char *name = g_strdup_printf("n%d", i);
        set_sz(f->s, "L", name, "v");
    }
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.log_min, 4);
    assert_false(bl_reg_store_can_catch_up(f->s, 0, st0.hash)); /* pruned */
    assert_true(bl_reg_store_can_catch_up(f->s, st.gen, st.hash));
    assert_false(bl_reg_store_can_catch_up(f->s, st.gen, wrong));
    assert_false(bl_reg_store_can_catch_up(f->s, 5, wrong));
    assert_int_equal(bl_reg_store_log_chunks(f->s, 1, 64, count_chunk, &chunks), -ENOENT);
    assert_int_equal(bl_reg_store_log_chunks(f->s, 4, 32, count_chunk, &chunks), 0);
    assert_int_equal(chunks, 4); /* entries 5..8, each over 32 bytes */
    chunks = 0;
    assert_int_equal(bl_reg_store_snapshot_chunks(f->s, 1 << 20, count_chunk, &chunks), 0);
    assert_int_equal(chunks, 1);
}

struct seen {
    int calls;
    int resets;
    enum bl_reg_change_kind last;
};

static void
on_change(void *data, const struct bl_reg_change *c)
{
    struct seen *s = data;

    s->calls++;
    s->resets += c->kind == BL_REG_CHANGE_RESET;
    s->last = c->kind;
}

static void
test_watch_and_replace(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {0};
    struct bl_reg_ops snap = {0};
    struct bl_reg_value v = {0};
    struct bl_reg_state id = {.epoch = 8, .gen = 40};
    unsigned w;

    bl_reg_store_watch_add(f->s, "SOFTWARE/NEC", on_change, &seen, &w);
    set_sz(f->s, "SOFTWARE/NEC/X", "a", "1");
    set_sz(f->s, "OTHER", "a", "1");
    assert_int_equal(seen.calls, 1);
    one_op(f->s, BL_REG_OP_DELETE_KEY, "SOFTWARE", NULL); /* an ancestor of the watch */
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.last, BL_REG_CHANGE_DELETE_KEY);

    bl_reg_value_set(&v, BL_REG_DWORD, "\1\0\0\0", 4);
    bl_reg_ops_add(&snap, BL_REG_OP_CREATE_KEY, "EMPTY", NULL, NULL);
    bl_reg_ops_add(&snap, BL_REG_OP_SET, "SOFTWARE/NEC", "n", &v);
    assert_int_equal(bl_reg_store_replace(f->s, &snap, &id), 0);
    assert_int_equal(seen.resets, 1);
    struct bl_reg_state st;
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.gen, 40);
    assert_int_equal(st.epoch, 8);
    assert_int_equal(st.log_min, 41);
    assert_int_equal(bl_reg_store_key_exists(f->s, "OTHER"), -ENOENT);
    assert_int_equal(bl_reg_store_key_exists(f->s, "EMPTY"), 0);
    bl_reg_store_watch_remove(f->s, w);
    set_sz(f->s, "SOFTWARE/NEC", "b", "1");
    assert_int_equal(seen.calls, 3);
    bl_reg_ops_clear(&snap);
    bl_reg_value_clear(&v);
}

static void
test_full_disk(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_state before;
    struct bl_reg_state after;
    g_autofree char *big = g_strnfill(30000, 'z');
    int rc = 0;

    assert_int_equal(bl_reg_store_set_max_bytes(f->s, 128 * 1024), 0);
    for (int i = 0; i < 100 && rc == 0; i++) {
        g_autofree char *name = g_strdup_printf("n%d", i);
        bl_reg_store_state(f->s, &before);
        rc = set_sz(f->s, "FULL", name, big);
    }
    assert_int_equal(rc, -ENOSPC);
    assert_non_null(strstr(bl_reg_store_errmsg(f->s), "full"));
    /* The failed write left no trace; the store still works for reads and small writes
     * once space is back. */
    bl_reg_store_state(f->s, &after);
    assert_int_equal(after.gen, before.gen);
    assert_int_equal(bl_reg_store_set_max_bytes(f->s, 0), 0);
    assert_int_equal(set_sz(f->s, "FULL", "after", "ok"), 0);
}

static void
test_corrupt_and_foreign_files(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_store *s = NULL;
    char *msg = NULL;

    bl_reg_store_close(f->s);
    f->s = NULL;
    /* Scribble over the middle of the database file. */
    int fd = open(f->path, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    char junk[4096];
    memset(junk, 0x42, sizeof(junk));
    assert_int_equal(pwrite(fd, junk, sizeof(junk), 0), (ssize_t) sizeof(junk));
    close(fd);
    assert_int_equal(bl_reg_store_open(f->path, 0, &s, &msg), BL_E_CORRUPT);
    assert_non_null(msg);
    g_free(msg);
    msg = NULL;
    assert_null(s);
    g_autofree char *missing = g_strdup_printf("%s/none.db", f->dir);
    assert_int_equal(bl_reg_store_open(missing, 0, &s, &msg), -ENOENT);
    g_free(msg);
    msg = NULL;
    /* Another application's SQLite file is not ours. */
    g_autofree char *cmd = g_strdup_printf("sqlite3 '%s/other.db' 'CREATE TABLE t(x)'", f->dir);
    if (system(cmd) == 0) {
        g_autofree char *other = g_strdup_printf("%s/other.db", f->dir);
        assert_int_equal(bl_reg_store_open(other, 0, &s, &msg), BL_E_CORRUPT);
        assert_non_null(strstr(msg, "not a bmclink registry"));
        g_free(msg);
    }
    assert_int_equal(bl_reg_store_open(f->path, BL_REG_STORE_CREATE, &f->s, NULL), BL_E_CORRUPT);
    f->s = NULL;
}

/* The sole-writer flag (two-node rule) survives a reopen; a store made before it existed
 * gets the column, false, and stays readable by the older daemon (same schema version). */
static void
test_sole_flag_and_older_store(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_state st;
    sqlite3 *db = NULL;

    bl_reg_store_close(f->s);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "ALTER TABLE state DROP COLUMN sole", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(bl_reg_store_open(f->path, 0, &f->s, NULL), 0);
    bl_reg_store_state(f->s, &st);
    assert_false(st.sole);
    assert_int_equal(bl_reg_store_begin(f->s), 0);
    assert_int_equal(bl_reg_store_set_epoch(f->s, 12, true), 0);
    assert_int_equal(bl_reg_store_commit(f->s), 0);
    bl_reg_store_close(f->s);
    assert_int_equal(bl_reg_store_open(f->path, 0, &f->s, NULL), 0);
    bl_reg_store_state(f->s, &st);
    assert_true(st.sole);
    assert_int_equal(st.epoch, 12);
}

/* A VFS over the default one that counts (and can fail) syncs of write-ahead logs: the
 * files keep the real VFS's object, only their method table is a copy with xSync wrapped. */
static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    const sqlite3_io_methods *real_io;
    sqlite3_io_methods io;
    int wal_syncs;
    bool fail;
    GPtrArray *unsynced; /* struct undo *: what a power loss now would take back */
} shim;

/* One WAL write not yet synced: the bytes and size it replaced. */
struct undo {
    sqlite3_file *f;
    sqlite3_int64 off;
    sqlite3_int64 old_size;
    GBytes *old;
};

static void
undo_free(gpointer p)
{
    g_bytes_unref(((struct undo *) p)->old);
    g_free(p);
}

static int
shim_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    struct undo *u = g_new0(struct undo, 1);
    void *old = g_malloc0((size_t) amt);

    u->f = f;
    u->off = off;
    (void) shim.real_io->xFileSize(f, &u->old_size);
    (void) shim.real_io->xRead(f, old, amt, off); /* zero-filled past the end */
    u->old = g_bytes_new_take(old, (size_t) amt);
    g_ptr_array_add(shim.unsynced, u);
    return shim.real_io->xWrite(f, buf, amt, off);
}

static int
shim_sync(sqlite3_file *f, int flags)
{
    shim.wal_syncs++;
    if (shim.fail) {
        return SQLITE_IOERR_FSYNC;
    }
    for (guint i = shim.unsynced->len; i > 0; i--) {
        if (((struct undo *) shim.unsynced->pdata[i - 1])->f == f) {
            g_ptr_array_remove_index(shim.unsynced, i - 1);
        }
    }
    return shim.real_io->xSync(f, flags);
}

/* The disk as a power loss would leave it now: path's database and WAL copied to dir, the
 * WAL's unsynced writes taken back, newest first. The -shm index is rebuilt on open. */
static char *
power_loss_image(const char *path, const char *dir)
{
    char *copy = g_strdup_printf("%s/reg.db", dir);
    g_autofree char *cmd = g_strdup_printf("rm -f '%s'*; cp '%s' '%s' && cp '%s-wal' '%s-wal'",
                                           copy, path, copy, path, copy);
    g_autofree char *wal = g_strdup_printf("%s-wal", copy);

    assert_int_equal(system(cmd), 0);
    int fd = open(wal, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    for (guint i = shim.unsynced->len; i > 0; i--) {
        const struct undo *u = shim.unsynced->pdata[i - 1];
        gsize len = 0;
        const void *old = g_bytes_get_data(u->old, &len);
        assert_int_equal(pwrite(fd, old, len, (off_t) u->off), (ssize_t) len);
        assert_int_equal(ftruncate(fd, (off_t) u->old_size), 0);
    }
    close(fd);
    return copy;
}

static int
shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out)
{
    int rc = shim.real->xOpen(shim.real, name, f, flags, out);

    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0 && f->pMethods != NULL) {
        shim.real_io = f->pMethods;
        shim.io = *f->pMethods;
        shim.io.xSync = shim_sync;
        shim.io.xWrite = shim_write;
        f->pMethods = &shim.io;
    }
    return rc;
}

static void
shim_register(void)
{
    shim.real = sqlite3_vfs_find(NULL);
    shim.vfs = *shim.real;
    shim.vfs.zName = "test-wal-sync";
    shim.vfs.xOpen = shim_open;
    shim.unsynced = g_ptr_array_new_with_free_func(undo_free);
    assert_int_equal(sqlite3_vfs_register(&shim.vfs, 1), SQLITE_OK);
}

static void
count_syncs(void *data, const struct bl_reg_change *c)
{
    *(int *) data = shim.wal_syncs;
}

/* A durable batch is visible (its watches run) before its one WAL sync and durable (the
 * identity moves, commit returns) only after it; a failed sync fails the commit. */
static void
test_visible_then_durable(void **state)
{
    struct fixture *f = *state;
    struct bl_reg_store *fast = NULL;
    struct bl_reg_state st;
    int at_watch = -1;
    unsigned w;

    assert_int_equal(set_sz(f->s, "A", "warm", "1"), 0); /* the WAL's header sync */
    bl_reg_store_watch_add(f->s, "A", count_syncs, &at_watch, &w);
    int before = shim.wal_syncs;
    assert_int_equal(set_sz(f->s, "A", "x", "1"), 0);
    assert_int_equal(at_watch, before);
    assert_int_equal(shim.wal_syncs, before + 1);

    assert_false(bl_reg_store_untrusted(f->s));
    shim.fail = true;
    assert_int_equal(set_sz(f->s, "A", "y", "1"), -EIO);
    shim.fail = false;
    bl_reg_store_state(f->s, &st);
    assert_int_equal(st.gen, 3); /* committed in SQLite, not durable: the node fails */
    /* The file is not trusted any more, even though SQLite reads the batch back: nothing
     * more is written on top of it, and the caller must set it aside. */
    assert_true(bl_reg_store_untrusted(f->s));
    assert_int_equal(set_sz(f->s, "A", "z", "1"), -EIO);
    assert_int_equal(bl_reg_store_begin(f->s), -EIO);

    /* durable = false: no sync of our own, ever. */
    g_autofree char *path = g_strdup_printf("%s/fast.db", f->dir);
    assert_int_equal(
        bl_reg_store_open(path, BL_REG_STORE_CREATE | BL_REG_STORE_NOSYNC, &fast, NULL), 0);
    assert_int_equal(set_sz(fast, "A", "warm", "1"), 0);
    before = shim.wal_syncs;
    assert_int_equal(set_sz(fast, "A", "x", "1"), 0);
    assert_int_equal(shim.wal_syncs, before);
    bl_reg_store_close(fast);
}

struct crash_probe {
    const char *path;
    char *dir;
    char *image;
};

static void
crash_now(void *data, const struct bl_reg_change *c)
{
    struct crash_probe *p = data;

    g_free(p->image);
    p->image = power_loss_image(p->path, p->dir);
}

static void
expect_image(const char *image, uint64_t gen, const char *value)
{
    struct bl_reg_store *s = NULL;
    struct bl_reg_state st;
    struct bl_reg_value v = {0};

    assert_int_equal(bl_reg_store_open(image, 0, &s, NULL), 0); /* quick_check passes */
    bl_reg_store_state(s, &st);
    assert_int_equal(st.gen, gen);
    assert_int_equal(bl_reg_store_get(s, "A", "x", &v), 0);
    assert_memory_equal(v.data, value, strlen(value));
    bl_reg_value_clear(&v);
    bl_reg_store_close(s);
}

/* Power lost while a batch is visible but not yet durable: the disk holds the replica as it
 * was before the batch, whole and consistent (behind, so it catches up; never diverged).
 * Power lost after commit() returned: the batch is there. */
static void
test_power_loss_before_sync(void **state)
{
    struct fixture *f = *state;
    struct crash_probe p = {f->path, g_strdup_printf("%s/crash", f->dir), NULL};
    struct bl_reg_state st;
    unsigned w;

    g_ptr_array_set_size(shim.unsynced, 0);
    assert_int_equal(g_mkdir(p.dir, 0700), 0);
    assert_int_equal(set_sz(f->s, "A", "x", "old"), 0);
    bl_reg_store_state(f->s, &st);
    bl_reg_store_watch_add(f->s, "A", crash_now, &p, &w);
    assert_int_equal(set_sz(f->s, "A", "x", "new"), 0);
    assert_non_null(p.image);
    expect_image(p.image, st.gen, "old");
    bl_reg_store_watch_remove(f->s, w);
    g_free(p.image);
    p.image = power_loss_image(f->path, p.dir);
    expect_image(p.image, st.gen + 1, "new");
    g_free(p.image);
    g_free(p.dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_set_delete_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_with_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_rollback_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_and_catch_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_and_foreign_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visible_then_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_loss_before_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sole_flag_and_older_store, setup, teardown),
    };
    shim_register();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
