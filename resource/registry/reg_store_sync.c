/*
 * The registry store's listings, catch-up payloads, snapshot replacement and watches.
 */
#include <errno.h>
#include <string.h>

#include "bl_result.h"
#include "reg_store_int.h"
#include "reg_wire.h"

/* Values of one key with names after `after` (NULL: all), in name order. */
static int
emit_values(struct bl_reg_store *s, const char *path, const char *after, bl_reg_item_fn fn,
            void *data)
{
    sqlite3_stmt *st = s->st[ST_VALUES];
    int rc = 0;
    int step;

    /* ST_VALUES may be in use by an outer walk's caller only through fn; reset is safe. */
    sqlite3_reset(st);
    bl_reg_store_bind_text(st, 1, path);
    if (after != NULL) {
        bl_reg_store_bind_text(st, 2, after);
    } else {
        sqlite3_bind_null(st, 2);
    }
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct bl_reg_value v;
        g_autofree char *name = g_strdup((const char *) sqlite3_column_text(st, 0));
        bl_reg_store_column_value(st, 1, &v);
        rc = fn(data, path, name, &v);
        bl_reg_value_clear(&v);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = bl_reg_store_fail(s, step);
    }
    sqlite3_reset(st);
    return rc;
}

int
bl_reg_store_list(struct bl_reg_store *s, const char *path, bl_reg_item_fn fn, void *data)
{
    int rc = bl_reg_store_key_exists(s, path);
    sqlite3_stmt *st;
    int step = SQLITE_DONE;

    if (rc != 0) {
        return rc;
    }
    st = bl_reg_store_stmt(s, ST_CHILDREN);
    bl_reg_store_bind_text(st, 1, path);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        g_autofree char *child = g_strdup((const char *) sqlite3_column_text(st, 0));
        rc = fn(data, child, NULL, NULL);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = bl_reg_store_fail(s, step);
    }
    sqlite3_reset(st);
    return rc != 0 ? rc : emit_values(s, path, NULL, fn, data);
}

static int
emit_key(struct bl_reg_store *s, const char *path, bl_reg_item_fn fn, void *data)
{
    int rc = path[0] != '\0' ? fn(data, path, NULL, NULL) : 0;

    return rc != 0 ? rc : emit_values(s, path, NULL, fn, data);
}

/* Keys strictly after `after` below prefix, each with its values. */
static int
emit_keys_after(struct bl_reg_store *s, const char *prefix, const char *after, bl_reg_item_fn fn,
                void *data)
{
    g_autofree char *lo = prefix[0] != '\0' ? g_strconcat(prefix, "/", NULL) : g_strdup("");
    g_autofree char *hi = g_strconcat(prefix, "0", NULL);
    sqlite3_stmt *st = bl_reg_store_stmt(s, prefix[0] != '\0' ? ST_KEYS_RANGE : ST_KEYS_ALL);
    int rc = 0;
    int step = SQLITE_DONE;

    /* ">" on lo skips the prefix + "/" string itself, which is never a key. */
    bl_reg_store_bind_text(st, 1, after != NULL && strcmp(after, lo) > 0 ? after : lo);
    if (prefix[0] != '\0') {
        bl_reg_store_bind_text(st, 2, hi);
    }
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        g_autofree char *path = g_strdup((const char *) sqlite3_column_text(st, 0));
        rc = emit_key(s, path, fn, data);
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = bl_reg_store_fail(s, step);
    }
    sqlite3_reset(st);
    return rc;
}

int
bl_reg_store_walk(struct bl_reg_store *s, const char *prefix, const char *after_path,
                  const char *after_name, bl_reg_item_fn fn, void *data)
{
    int rc = bl_reg_store_key_exists(s, prefix);

    if (rc != 0) {
        return rc;
    }
    if (after_path == NULL) {
        rc = emit_key(s, prefix, fn, data);
        return rc != 0 ? rc : emit_keys_after(s, prefix, NULL, fn, data);
    }
    if (bl_reg_path_under(after_path, prefix) == false) {
        return -EINVAL;
    }
    rc = emit_values(s, after_path, after_name, fn, data);
    return rc != 0 ? rc : emit_keys_after(s, prefix, after_path, fn, data);
}

bool
bl_reg_store_can_catch_up(struct bl_reg_store *s, uint64_t gen, const uint8_t hash[BL_REG_HASH_LEN])
{
    static const uint8_t zero[BL_REG_HASH_LEN];

    if (gen >= s->cur.gen) {
        return gen == s->cur.gen && memcmp(hash, s->cur.hash, BL_REG_HASH_LEN) == 0;
    }
    if (gen == 0) {
        return s->cur.log_min == 1 && memcmp(hash, zero, BL_REG_HASH_LEN) == 0;
    }
    if (gen < s->cur.log_min) {
        return false;
    }
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_LOG_AT);
    sqlite3_bind_int64(st, 1, (sqlite3_int64) gen);
    bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == BL_REG_HASH_LEN &&
              memcmp(sqlite3_column_blob(st, 0), hash, BL_REG_HASH_LEN) == 0;
    sqlite3_reset(st);
    return ok;
}

/* A CU_LOG payload under construction: u32 count, then entries. */
struct log_chunk {
    GByteArray *buf;
    uint32_t count;
};

static int
log_chunk_flush(struct log_chunk *c, bl_reg_chunk_fn fn, void *data)
{
    int rc = 0;

    if (c->count > 0) {
        bl_reg_wr_patch_u32(c->buf, 0, c->count);
        rc = fn(data, c->buf->data, c->buf->len);
    }
    g_byte_array_set_size(c->buf, 0);
    bl_reg_wr_u32(c->buf, 0);
    c->count = 0;
    return rc;
}

int
bl_reg_store_log_chunks(struct bl_reg_store *s, uint64_t from, size_t chunk, bl_reg_chunk_fn fn,
                        void *data)
{
    struct log_chunk c = {g_byte_array_new(), 0};
    int rc = 0;
    int step = SQLITE_DONE;

    if (from + 1 < s->cur.log_min) {
        g_byte_array_unref(c.buf);
        return -ENOENT;
    }
    bl_reg_wr_u32(c.buf, 0);
    sqlite3_stmt *st = bl_reg_store_stmt(s, ST_LOG_FROM);
    sqlite3_bind_int64(st, 1, (sqlite3_int64) from);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        bl_reg_log_entry_encode(c.buf, (uint64_t) sqlite3_column_int64(st, 0),
                                sqlite3_column_blob(st, 1), sqlite3_column_blob(st, 2),
                                (size_t) sqlite3_column_bytes(st, 2));
        c.count++;
        if (c.buf->len >= chunk) {
            rc = log_chunk_flush(&c, fn, data);
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = bl_reg_store_fail(s, step);
    }
    sqlite3_reset(st);
    if (rc == 0) {
        rc = log_chunk_flush(&c, fn, data);
    }
    g_byte_array_unref(c.buf);
    return rc;
}

/* A CU_SNAPSHOT payload under construction: ops, flushed at about `target` bytes. */
struct snap_chunk {
    struct bl_reg_ops ops;
    size_t bytes;
    size_t target;
    bl_reg_chunk_fn fn;
    void *data;
};

static int
snap_flush(struct snap_chunk *c)
{
    GByteArray *buf = g_byte_array_new();
    int rc = 0;

    if (c->ops.n > 0) {
        rc = bl_reg_ops_encode(&c->ops, buf);
        rc = rc != 0 ? rc : c->fn(c->data, buf->data, buf->len);
    }
    bl_reg_ops_clear(&c->ops);
    c->bytes = 0;
    g_byte_array_unref(buf);
    return rc;
}

static int
snap_item(void *data, const char *path, const char *name, const struct bl_reg_value *v)
{
    struct snap_chunk *c = data;

    bl_reg_ops_add(&c->ops, v != NULL ? BL_REG_OP_SET : BL_REG_OP_CREATE_KEY, path, name, v);
    c->bytes += 10 + strlen(path) + (name != NULL ? strlen(name) : 0) + (v != NULL ? v->len : 0);
    if (c->bytes >= c->target || c->ops.n == BL_REG_OPS_MAX) {
        return snap_flush(c);
    }
    return 0;
}

int
bl_reg_store_snapshot_chunks(struct bl_reg_store *s, size_t chunk, bl_reg_chunk_fn fn, void *data)
{
    struct snap_chunk c = {.target = chunk, .fn = fn, .data = data};
    int rc = bl_reg_store_walk(s, "", NULL, NULL, snap_item, &c);

    if (rc == 0) {
        rc = snap_flush(&c);
    }
    bl_reg_ops_clear(&c.ops);
    return rc;
}

static int
replace_tree(struct bl_reg_store *s, const struct bl_reg_ops *snapshot)
{
    int rc = bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_DELALL_KEYS))
                 ?: bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_DELALL_VALS))
                 ?: bl_reg_store_step_done(s, bl_reg_store_stmt(s, ST_LOG_CLEAR));

    for (size_t i = 0; rc == 0 && i < snapshot->n; i++) {
        const struct bl_reg_op *op = &snapshot->v[i];
        if (op->kind != BL_REG_OP_SET && op->kind != BL_REG_OP_CREATE_KEY) {
            return -EINVAL;
        }
        rc = bl_reg_store_apply_op(s, op);
    }
    return rc;
}

int
bl_reg_store_replace(struct bl_reg_store *s, const struct bl_reg_ops *snapshot,
                     const struct bl_reg_state *id)
{
    int rc = bl_reg_store_begin(s);

    if (rc != 0) {
        return rc;
    }
    rc = replace_tree(s, snapshot);
    if (rc == 0) {
        s->cur = *id;
        s->cur.log_min = id->gen + 1;
        rc = bl_reg_store_put_state(s);
    }
    if (rc != 0) {
        bl_reg_store_rollback(s);
        return rc;
    }
    g_ptr_array_set_size(s->changes, 0);
    struct bl_reg_op reset = {.kind = (enum bl_reg_op_kind) BL_REG_CHANGE_RESET, .path = ""};
    bl_reg_store_record_op(s, id->gen, &reset);
    return bl_reg_store_commit(s);
}

void
bl_reg_store_change_free(gpointer p)
{
    struct reg_change *c = p;

    g_free(c->path);
    g_free(c->name);
    bl_reg_value_clear(&c->value);
    g_free(c);
}

void
bl_reg_store_record_op(struct bl_reg_store *s, uint64_t gen, const struct bl_reg_op *op)
{
    if (s->watches->len == 0) {
        return;
    }
    struct reg_change *c = g_new0(struct reg_change, 1);
    c->kind = (enum bl_reg_change_kind) op->kind;
    c->gen = gen;
    c->path = g_strdup(op->path);
    c->name = g_strdup(op->name);
    if (op->kind == BL_REG_OP_SET) {
        (void) bl_reg_value_set(&c->value, op->value.type, op->value.data, op->value.len);
    }
    g_ptr_array_add(s->changes, c);
}

/* Deleting or resetting an ancestor of a watched prefix changes what the watch sees too. */
static bool
watch_matches(const struct reg_watch *w, const struct reg_change *c)
{
    if (bl_reg_path_under(c->path, w->prefix)) {
        return true;
    }
    return (c->kind == BL_REG_CHANGE_DELETE_KEY || c->kind == BL_REG_CHANGE_RESET) &&
           bl_reg_path_under(w->prefix, c->path);
}

void
bl_reg_store_fire_watches(struct bl_reg_store *s)
{
    for (guint i = 0; i < s->changes->len; i++) {
        const struct reg_change *rc = g_ptr_array_index(s->changes, i);
        struct bl_reg_change c = {
            .kind = rc->kind,
            .gen = rc->gen,
            .path = rc->path,
            .name = rc->name,
            .value = rc->kind == BL_REG_CHANGE_SET ? &rc->value : NULL,
        };
        /* Index loop: a callback may remove its own watch. */
        for (guint j = 0; j < s->watches->len; j++) {
            struct reg_watch *w = &g_array_index(s->watches, struct reg_watch, j);
            if (watch_matches(w, rc)) {
                w->fn(w->data, &c);
            }
        }
    }
    g_ptr_array_set_size(s->changes, 0);
}

void
bl_reg_store_watch_add(struct bl_reg_store *s, const char *prefix, bl_reg_watch_fn fn, void *data,
                       unsigned *id)
{
    struct reg_watch w = {++s->watch_id, g_strdup(prefix), fn, data};

    g_array_append_val(s->watches, w);
    *id = w.id;
}

void
bl_reg_store_watch_remove(struct bl_reg_store *s, unsigned id)
{
    for (guint i = 0; i < s->watches->len; i++) {
        struct reg_watch *w = &g_array_index(s->watches, struct reg_watch, i);
        if (w->id == id) {
            g_free(w->prefix);
            g_array_remove_index(s->watches, i);
            return;
        }
    }
}
