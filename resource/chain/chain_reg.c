/*
 * The service chain's synchronized subtrees: wait for sync, render, capture (chain_reg.h).
 */
#include "chain_reg.h"
#include "bl_conf.h"

#include "bl_result.h"
#include "chain.h"
#include "chain_exec.h"
#include "chain_record.h"
#include "reg_client.h"
#include "reg_text.h"
#include "reg_wire.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the real seam: the local bmclinkd over libqb IPC ---- */

static int
real_connect(void *ctx, const char *service, void **conn)
{
    struct bl_reg_client *c = NULL;
    int rc = bl_reg_client_connect(service, &c);

    (void) ctx;
    *conn = c;
    return rc;
}

static void
real_close(void *conn)
{
    bl_reg_client_close(conn);
}

static int
real_wait_sync(void *conn, uint32_t timeout_ms)
{
    return bl_reg_client_wait_sync(conn, timeout_ms);
}

static int
real_status(void *conn, struct bl_reg_ipc_status *out)
{
    return bl_reg_client_status(conn, out);
}

static int
real_walk(void *conn, const char *path, bl_reg_item_fn fn, void *data)
{
    return bl_reg_client_walk(conn, path, BL_REG_WALK_SUBTREE, fn, data);
}

static int
real_write(void *conn, const struct bl_reg_ops *ops)
{
    return bl_reg_client_write(conn, ops, NULL);
}

static const struct bl_chain_reg_ops real_ops = {
    .connect = real_connect,
    .close = real_close,
    .wait_sync = real_wait_sync,
    .status = real_status,
    .walk = real_walk,
    .write = real_write,
};

const struct bl_chain_reg_ops *
bl_chain_reg_ops_real(void)
{
    return &real_ops;
}

/* ---- parameters ---- */

static int
parse_render(const char *text, struct bl_chain_reg *r, char **errmsg)
{
    g_auto(GStrv) parts = g_strsplit_set(text != NULL ? text : "", " \t\n,", -1);
    GPtrArray *files = g_ptr_array_new();

    for (size_t i = 0; parts[i] != NULL; i++) {
        if (parts[i][0] == '\0') {
            continue;
        }
        if (!g_path_is_absolute(parts[i])) {
            *errmsg = g_strdup_printf("registry_render: '%s' is not an absolute path", parts[i]);
            g_ptr_array_add(files, NULL);
            g_strfreev((char **) g_ptr_array_free(files, FALSE));
            return BL_E_INVALID;
        }
        g_ptr_array_add(files, g_strdup(parts[i]));
    }
    g_ptr_array_add(files, NULL);
    r->render = (char **) g_ptr_array_free(files, FALSE);
    return 0;
}

int
bl_chain_reg_parse(const struct bl_chain_reg_params *p, const char *state_stem,
                   struct bl_chain_reg *r, char **errmsg)
{
    int rc;

    memset(r, 0, sizeof(*r));
    r->ops = bl_chain_reg_ops_real();
    r->files = bl_chain_reg_files_real();
    if (p->profile == NULL) {
        if (p->render != NULL || p->sync_timeout != NULL || p->capture != NULL ||
            p->settle != NULL) {
            *errmsg = g_strdup("registry_render, registry_sync_timeout, registry_capture and "
                               "registry_capture_settle need registry_profile");
            return BL_E_INVALID;
        }
        return 0;
    }
    if (!g_path_is_absolute(p->profile)) {
        *errmsg = g_strdup_printf("registry_profile '%s' is not an absolute path", p->profile);
        return BL_E_INVALID;
    }
    r->capture = true;
    if (p->capture != NULL && bl_conf_parse_bool(p->capture, &r->capture) != 0) {
        *errmsg = g_strdup_printf("registry_capture '%s' is not a boolean", p->capture);
        return BL_E_INVALID;
    }
    if (p->sync_timeout != NULL &&
        bl_conf_parse_ms(p->sync_timeout, 1000, 1, BL_TIMEOUT_MAX_MS, &r->sync_timeout_ms) != 0) {
        *errmsg = g_strdup_printf("registry_sync_timeout '%s' is not a duration", p->sync_timeout);
        return BL_E_INVALID;
    }
    r->settle_ms = BL_CHAIN_REG_SETTLE_MS;
    if (p->settle != NULL && strcmp(p->settle, "0") == 0) {
        r->settle_ms = 0;
    } else if (p->settle != NULL &&
               bl_conf_parse_ms(p->settle, 1000, 1, BL_TIMEOUT_MAX_MS, &r->settle_ms) != 0) {
        *errmsg = g_strdup_printf("registry_capture_settle '%s' is not a duration", p->settle);
        return BL_E_INVALID;
    }
    rc = parse_render(p->render, r, errmsg);
    if (rc != 0) {
        return rc;
    }
    rc = bl_reg_profile_load(p->profile, &r->profile, errmsg);
    if (rc != 0) {
        return rc;
    }
    if (r->sync_timeout_ms == 0) {
        r->sync_timeout_ms = r->profile->sync_timeout * 1000u;
    }
    r->profile_path = g_strdup(p->profile);
    r->service = g_strdup(p->service);
    r->base_path = g_strconcat(state_stem, ".reg", NULL);
    r->stamp_path = g_strconcat(state_stem, ".regstamp", NULL);
    return 0;
}

void
bl_chain_reg_clear(struct bl_chain_reg *r)
{
    if (r == NULL) {
        return;
    }
    if (r->conn != NULL && r->ops != NULL) {
        r->ops->close(r->conn);
    }
    g_free(r->profile_path);
    bl_reg_profile_free(r->profile);
    g_strfreev(r->render);
    g_free(r->service);
    g_free(r->base_path);
    g_free(r->stamp_path);
    memset(r, 0, sizeof(*r));
}

bool
bl_chain_reg_enabled(const struct bl_chain_reg *r)
{
    return r->profile != NULL;
}

static int
reg_connect(struct bl_chain_reg *r, char **errmsg)
{
    int rc;

    if (r->conn != NULL) {
        return 0;
    }
    rc = r->ops->connect(r->ops_ctx, r->service, &r->conn);
    if (rc != 0) {
        r->conn = NULL;
        *errmsg =
            g_strdup_printf("cannot reach bmclinkd's registry (IPC service %s): %s; is "
                            "bmclinkd running on this node (its clone ordered before "
                            "this resource)?",
                            r->service != NULL ? r->service : BL_REG_IPC_SERVICE, bl_strerror(rc));
    }
    return rc;
}

/* ---- the files: stamps, base ---- */

static int
real_stat(void *ctx, const char *path, struct stat *st)
{
    (void) ctx;
    return stat(path, st) == 0 ? 0 : -errno;
}

/* Larger rendered files are not read back: a registry subtree this big is a mistake. */
#define CAPTURE_MAX_BYTES (16u * 1024 * 1024)

static GString *
real_read(void *ctx, const char *path, int *rc)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    struct stat st;

    (void) ctx;
    if (stat(path, &st) == 0 && st.st_size > (off_t) CAPTURE_MAX_BYTES) {
        *rc = -EFBIG;
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &err)) {
        *rc = err->domain != G_FILE_ERROR       ? -EIO
              : err->code == G_FILE_ERROR_NOENT ? -ENOENT
              : err->code == G_FILE_ERROR_ACCES ? -EACCES
              : err->code == G_FILE_ERROR_PERM  ? -EPERM
              : err->code == G_FILE_ERROR_ISDIR ? -EISDIR
                                                : -EIO;
        g_error_free(err);
        return NULL;
    }
    *rc = 0;
    return g_string_new_len(data, (gssize) len);
}

static int64_t
real_now_ns(void *ctx)
{
    (void) ctx;
    return g_get_real_time() * 1000;
}

static const struct bl_chain_reg_files real_files = {real_stat, real_read, real_now_ns};

const struct bl_chain_reg_files *
bl_chain_reg_files_real(void)
{
    return &real_files;
}

/* "mtime-ns size inode" of a file, or "-" when it cannot be stat()ed; *mtime_ns set or -1. */
static char *
file_stamp(const struct bl_chain_reg *r, const char *path, int64_t *mtime_ns)
{
    struct stat st;

    if (r->files->stat(r->files_ctx, path, &st) != 0) {
        if (mtime_ns != NULL) {
            *mtime_ns = -1;
        }
        return g_strdup("-");
    }
    if (mtime_ns != NULL) {
        *mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    }
    return g_strdup_printf("%lld.%09ld %lld %llu", (long long) st.st_mtim.tv_sec,
                           st.st_mtim.tv_nsec, (long long) st.st_size,
                           (unsigned long long) st.st_ino);
}

/* The stamps of all render files (one stat() each), NULL-terminated (g_strfreev()). */
static char **
all_stamps(const struct bl_chain_reg *r, int64_t *mtimes)
{
    guint n = g_strv_length(r->render);
    char **s = g_new0(char *, n + 1);

    for (guint i = 0; i < n; i++) {
        s[i] = file_stamp(r, r->render[i], mtimes != NULL ? &mtimes[i] : NULL);
    }
    return s;
}

static char *
stamps_text(char **stamps)
{
    g_autofree char *joined = g_strjoinv("\n", stamps);

    return g_strconcat(joined, "\n", NULL);
}

static int
save_state(const struct bl_chain_reg *r, const GString *base, char **stamps)
{
    g_autofree char *text = stamps_text(stamps);
    int rc = bl_chain_file_write_atomic(r->base_path, base->str, base->len, 0600);

    return rc != 0 ? rc : bl_chain_file_write_atomic(r->stamp_path, text, strlen(text), 0600);
}

static int
write_render_file(const char *path, const GString *text, char **errmsg)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int rc;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        rc = -errno;
        *errmsg = g_strdup_printf("cannot create %s: %s", dir, g_strerror(errno));
        return rc;
    }
    rc = bl_chain_file_write_atomic(path, text->str, text->len, 0600);
    if (rc != 0) {
        *errmsg = g_strdup_printf("cannot write %s: %s", path, bl_strerror(rc));
    }
    return rc;
}

/* ---- before start ---- */

static void
explain_not_in_sync(struct bl_chain_reg *r, unsigned waited_ms, int rc, char **errmsg)
{
    struct bl_reg_ipc_status st;
    const char *why;

    if (r->ops->status(r->conn, &st) != 0) {
        *errmsg =
            g_strdup_printf("registry not in sync after %u ms: %s", waited_ms, bl_strerror(rc));
        return;
    }
    why = st.quorate ? "still catching up with the other replicas"
          : st.ring_nodes == 2 && st.nmembers == 1
              ? "its daemon is alone in a ring of two without the newest history (the other "
                "node's daemon holds writes it missed: docs/registry.md, \"Two nodes\")"
              : "this partition has no quorum, so its replica may miss the last writes";
    *errmsg = g_strdup_printf(
        "node %u's registry replica is not in sync after %u ms (state %s, quorum %s, %u nodes in "
        "the ring): %s; see `bmclink reg status` here, or raise registry_sync_timeout",
        st.nodeid, waited_ms, bl_reg_sm_state_name(st.state), st.quorate ? "yes" : "no",
        st.ring_nodes, why);
    bl_reg_ipc_status_clear(&st);
}

int
bl_chain_reg_render_profile(const struct bl_chain_reg_ops *ops, void *conn,
                            const struct bl_reg_profile *p, struct bl_reg_text_writer *w,
                            const char **failed)
{
    char **lists[] = {p->keys, p->optional};

    bl_reg_text_begin(w);
    for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (char **k = lists[l]; k != NULL && *k != NULL; k++) {
            /* a missing subtree renders as nothing: the program sees its defaults */
            int rc = ops->walk(conn, *k, bl_reg_text_item, w);
            if (rc != 0 && rc != -ENOENT) {
                *failed = *k;
                return rc;
            }
        }
    }
    return 0;
}

static int
render_text(struct bl_chain_reg *r, GString *out, char **errmsg)
{
    struct bl_reg_text_writer w = {out, BL_REG_TEXT_HKLM};
    const char *failed = NULL;
    int rc = bl_chain_reg_render_profile(r->ops, r->conn, r->profile, &w, &failed);

    if (rc != 0) {
        *errmsg = g_strdup_printf("cannot read %s from the registry: %s", failed, bl_strerror(rc));
    }
    return rc;
}

int
bl_chain_reg_wait(struct bl_chain_reg *r, int64_t deadline, char **errmsg)
{
    unsigned wait_ms = r->sync_timeout_ms;
    int rc;

    if (deadline > 0) {
        int64_t left = deadline - bl_chain_mono_ms();
        wait_ms = (unsigned) CLAMP(left, 0, (int64_t) wait_ms);
    }
    rc = reg_connect(r, errmsg);
    if (rc != 0) {
        return rc;
    }
    rc = r->ops->wait_sync(r->conn, wait_ms);
    if (rc != 0) {
        explain_not_in_sync(r, wait_ms, rc, errmsg);
    }
    return rc;
}

int
bl_chain_reg_render(struct bl_chain_reg *r, char **errmsg)
{
    g_autoptr(GString) text = g_string_new(NULL);
    int rc = reg_connect(r, errmsg);

    rc = rc != 0 ? rc : render_text(r, text, errmsg);
    for (char **f = r->render; rc == 0 && *f != NULL; f++) {
        rc = write_render_file(*f, text, errmsg);
    }
    g_auto(GStrv) stamps = rc == 0 ? all_stamps(r, NULL) : NULL; /* after our own writes */
    if (rc == 0 && (rc = save_state(r, text, stamps)) != 0) {
        *errmsg = g_strdup_printf("cannot keep the rendered base in %s: %s", r->base_path,
                                  bl_strerror(rc));
    }
    return rc;
}

/* ---- capture ---- */

int
bl_chain_reg_write_parts(const struct bl_chain_reg_ops *seam, void *conn,
                         const struct bl_reg_ops *ops, size_t max_bytes, unsigned *parts)
{
    struct bl_reg_ops part = {0};
    size_t bytes = 0;
    unsigned n = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i <= ops->n; i++) {
        const struct bl_reg_op *op = i < ops->n ? &ops->v[i] : NULL;
        size_t sz = op == NULL
                        ? 0
                        : 16 + strlen(op->path) + (op->name ? strlen(op->name) : 0) + op->value.len;
        if (part.n > 0 && (op == NULL || bytes + sz > max_bytes || part.n == BL_REG_OPS_MAX)) {
            rc = seam->write(conn, &part);
            bl_reg_ops_clear(&part);
            bytes = 0;
            n++;
        }
        if (op != NULL) {
            bl_reg_ops_add(&part, op->kind, op->path, op->name, &op->value);
            bytes += sz;
        }
    }
    bl_reg_ops_clear(&part);
    if (parts != NULL) {
        *parts = n;
    }
    return rc;
}

/* Send a capture's changes; a failure after the first write leaves a partial checkpoint,
 * said as such (the base is not advanced, so the next capture sends all of them again:
 * every op is idempotent). */
static int
send_changes(struct bl_chain_reg *r, const char *file, const struct bl_reg_ops *ops, char **errmsg)
{
    unsigned parts = 0;
    int rc = reg_connect(r, errmsg);

    rc =
        rc != 0 ? rc : bl_chain_reg_write_parts(r->ops, r->conn, ops, BL_REG_WRITE_MAX / 2, &parts);
    if (rc != 0 && *errmsg == NULL && parts > 1) {
        *errmsg = g_strdup_printf("%s: PARTIAL checkpoint: %u writes of its %zu changes recorded "
                                  "in the registry, then one refused (%s); the rest is not "
                                  "recorded and all of them are sent again at the next capture",
                                  file, parts - 1, ops->n, bl_strerror(rc));
    } else if (rc != 0 && *errmsg == NULL) {
        *errmsg = g_strdup_printf("%s: %zu changes not recorded in the registry: %s", file, ops->n,
                                  bl_strerror(rc));
    }
    return rc;
}

/* Capture render file idx, whose content differs from the base; stamps: taken before it
 * was read. *held set (and the why appended to notes) when the file lost a profile root. */
static int
capture_file(struct bl_chain_reg *r, size_t idx, const GString *base, const GString *now,
             char **stamps, size_t *captured, GString *notes, bool *held, char **errmsg)
{
    const char *file = r->render[idx];
    struct bl_reg_ops ops = {0};
    size_t skipped = 0;
    g_autofree char *err = NULL;
    int rc = bl_chain_reg_diff(r->profile, base, now, &ops, &skipped, &err);
    g_autofree char *why = rc == 0 ? bl_chain_reg_cut_short(r->profile, base, now) : NULL;

    *held = why != NULL;
    if (rc != 0) {
        *errmsg = g_strdup_printf("%s: %s", file, err);
    } else if (why != NULL) {
        g_string_append_printf(notes,
                               "%s %s (a write cut short?): held, not captured until it "
                               "changes; to delete what it lacks use bmclink-reg delete\n",
                               file, why);
    } else if (ops.n > 0) {
        rc = send_changes(r, file, &ops, errmsg);
    }
    if (rc == 0 && why == NULL) {
        *captured = ops.n;
        if (skipped > 0) {
            g_string_append_printf(notes, "%s: %zu changes outside profile %s not recorded\n", file,
                                   skipped, r->profile->name != NULL ? r->profile->name : "");
        }
        /* the other files get the captured text too, so all agree again; their stamps are
         * taken after these writes of ours, the captured file's before it was read */
        for (size_t i = 0; r->render[i] != NULL; i++) {
            if (i != idx) {
                g_autofree char *ignored = NULL;
                write_render_file(r->render[i], now, &ignored);
                g_free(stamps[i]);
                stamps[i] = file_stamp(r, r->render[i], NULL);
            }
        }
        rc = save_state(r, now, stamps);
    }
    bl_reg_ops_clear(&ops);
    return rc;
}

/* The first render file modified less than the settle time ago, or NULL. A clock stepped
 * back further than that does not hold captures off forever. */
static const char *
unsettled(const struct bl_chain_reg *r, const int64_t *mtimes, int64_t *age_ms)
{
    int64_t now = r->files->now_ns(r->files_ctx);
    int64_t settle = (int64_t) r->settle_ms * 1000000;

    for (size_t i = 0; r->render[i] != NULL; i++) {
        int64_t age = now - mtimes[i];
        if (mtimes[i] >= 0 && age < settle && age > -settle) {
            *age_ms = age / 1000000;
            return r->render[i];
        }
    }
    return NULL;
}

/* Read every render file between two stamps; capture the first that differs from the base. */
static int
capture_files(struct bl_chain_reg *r, const GString *base, char **stamps, size_t *captured,
              bool *deferred, char **errmsg)
{
    g_autoptr(GString) notes = g_string_new(NULL);
    int rc = 0;

    for (size_t i = 0; r->render[i] != NULL; i++) {
        const char *f = r->render[i];
        g_autoptr(GString) now = r->files->read(r->files_ctx, f, &rc);
        g_autofree char *after = file_stamp(r, f, NULL);
        bool held = false;
        if (rc == -EFBIG) {
            *errmsg =
                g_strdup_printf("%s is larger than %u bytes: not read back", f, CAPTURE_MAX_BYTES);
            return rc;
        }
        if (strcmp(after, stamps[i]) != 0) {
            *deferred = true;
            *errmsg = g_strdup_printf("%s changed while it was read: captured once it is still", f);
            return 0;
        }
        if (now == NULL && rc != -ENOENT) {
            /* unreadable is not gone: the stamp stays unrecorded, the next capture retries */
            *errmsg = g_strdup_printf("cannot read %s: %s", f, bl_strerror(rc));
            return rc;
        }
        if (now != NULL && !g_string_equal(now, base)) {
            rc = capture_file(r, i, base, now, stamps, captured, notes, &held, errmsg);
            if (rc != 0 || !held) {
                break;
            }
        }
        rc = 0; /* a file gone: nothing to record from it */
    }
    if (rc == 0 && *captured == 0) {
        /* touched, not changed, or held: not read again until it changes */
        g_autofree char *text = stamps_text(stamps);
        rc = bl_chain_file_write_atomic(r->stamp_path, text, strlen(text), 0600);
    }
    if (*errmsg == NULL && notes->len > 0) {
        g_string_truncate(notes, notes->len - 1);
        *errmsg = g_strdup(notes->str);
    }
    return rc;
}

int
bl_chain_reg_capture(struct bl_chain_reg *r, bool at_stop, size_t *captured, bool *deferred,
                     char **errmsg)
{
    g_autofree char *recorded = NULL;
    g_autofree char *text = NULL;
    g_autofree int64_t *mtimes = NULL;
    g_auto(GStrv) stamps = NULL;
    g_autoptr(GString) base = NULL;
    const char *young;
    int64_t age_ms = 0;
    size_t n = 0;
    bool d = false;
    int rc = 0;

    *errmsg = NULL;
    captured = captured != NULL ? captured : &n;
    deferred = deferred != NULL ? deferred : &d;
    *captured = 0;
    *deferred = false;
    if (!r->capture || r->render[0] == NULL) {
        return 0;
    }
    mtimes = g_new(int64_t, g_strv_length(r->render));
    stamps = all_stamps(r, mtimes); /* before any read: what a capture records */
    text = stamps_text(stamps);
    if (g_file_get_contents(r->stamp_path, &recorded, NULL, NULL) && strcmp(recorded, text) == 0) {
        return 0; /* the cheap path: nothing touched any file */
    }
    if (!at_stop && (young = unsettled(r, mtimes, &age_ms)) != NULL) {
        *deferred = true;
        *errmsg = g_strdup_printf("%s was modified %lld ms ago, within registry_capture_settle "
                                  "(%u ms): captured once it is still",
                                  young, (long long) age_ms, r->settle_ms);
        return 0;
    }
    base = real_read(NULL, r->base_path, &rc);
    if (base == NULL) {
        *errmsg = g_strdup_printf("no rendered base %s (%s): nothing to compare with", r->base_path,
                                  bl_strerror(rc));
        return rc;
    }
    return capture_files(r, base, stamps, captured, deferred, errmsg);
}

void
bl_chain_reg_forget(const struct bl_chain_reg *r)
{
    if (r->base_path != NULL) {
        g_unlink(r->base_path);
        g_unlink(r->stamp_path);
    }
}
