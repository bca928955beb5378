/*
 * The chain's synchronized subtrees (resource/chain/chain_reg.c) and the agent around them: the
 * registry seam is a fake over a real SQLite replica (bl_reg_store) in a scratch folder, so
 * render and capture meet the real tree, walk order and .reg text; the agent test runs real
 * bl-test-member daemons that read the rendered file and change it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain_agent.h"
#include "chain_reg.h"
#include "reg_store.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fake {
    struct bl_reg_store *store;
    int connect_rc;
    int wait_rc;
    int write_rc;
    int fail_write; /* the write (1-based) that fails with write_rc; 0: every one */
    int connects;
    int writes;
    int64_t skew_ns;       /* added to the real clock: files look this much older */
    const char *seen;      /* the next read returns this text ... */
    const char *rewritten; /* ... and the file is then rewritten with this one */
    int read_rc;           /* reads fail with this (-EACCES ...) when set */
};

static struct fake fake;

static int
fake_connect(void *ctx, const char *service, void **conn)
{
    struct fake *f = ctx;

    f->connects++;
    *conn = f->connect_rc == 0 ? f : NULL;
    return f->connect_rc;
}

static void
fake_close(void *conn)
{
    (void) conn;
}

static int
fake_wait(void *conn, uint32_t timeout_ms)
{
    return ((struct fake *) conn)->wait_rc;
}

static int
fake_status(void *conn, struct bl_reg_ipc_status *out)
{
    memset(out, 0, sizeof(*out));
    out->nodeid = 2;
    out->state = BL_REG_SM_READONLY;
    out->quorate = false;
    out->ring_nodes = 1;
    return 0;
}

static int
fake_walk(void *conn, const char *path, bl_reg_item_fn fn, void *data)
{
    return bl_reg_store_walk(((struct fake *) conn)->store, path, NULL, NULL, fn, data);
}

static int
fake_write(void *conn, const struct bl_reg_ops *ops)
{
    struct fake *f = conn;

    f->writes++;
    if (f->write_rc != 0 && (f->fail_write == 0 || f->fail_write == f->writes)) {
        return f->write_rc;
    }
    return bl_reg_store_write(f->store, ops);
}

static const struct bl_chain_reg_ops fake_ops = {fake_connect, fake_close, fake_wait,
                                                 fake_status,  fake_walk,  fake_write};

/* The files seam: real files, a clock moved by skew_ns, and a program writing the file while
 * the capture reads it (seen, rewritten). */
static int
files_stat(void *ctx, const char *path, struct stat *st)
{
    return bl_chain_reg_files_real()->stat(ctx, path, st);
}

static GString *
files_read(void *ctx, const char *path, int *rc)
{
    struct fake *f = ctx;

    if (f->read_rc != 0) {
        *rc = f->read_rc;
        return NULL;
    }
    GString *text = bl_chain_reg_files_real()->read(NULL, path, rc);

    if (f->seen != NULL) {
        g_string_assign(text, f->seen);
        f->seen = NULL;
        g_usleep(20000); /* past the file clock's tick: the rewrite gets another mtime */
        assert_true(g_file_set_contents(path, f->rewritten, -1, NULL));
    }
    return text;
}

static int64_t
files_now(void *ctx)
{
    return bl_chain_reg_files_real()->now_ns(NULL) + ((struct fake *) ctx)->skew_ns;
}

static const struct bl_chain_reg_files fake_files = {files_stat, files_read, files_now};

static const char profile_text[] = "[profile]\nname = test\n"
                                   "keys = SOFTWARE\\NEC\\NVBASE;SOFTWARE\\NEC\\ESMSM\n"
                                   "optional-keys = SOFTWARE\\NEC\\Missing\nsync-timeout = 7\n";

static void
set_sz(const char *path, const char *name, const char *text)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};

    assert_int_equal(bl_reg_value_set(&v, BL_REG_SZ, text, strlen(text)), 0);
    bl_reg_ops_add(&ops, BL_REG_OP_SET, path, name, &v);
    assert_int_equal(bl_reg_store_write(fake.store, &ops), 0);
    bl_reg_ops_clear(&ops);
    bl_reg_value_clear(&v);
}

/* The value as text, or NULL when absent; g_free(). */
static char *
get_text(const char *path, const char *name)
{
    struct bl_reg_value v = {0};

    if (bl_reg_store_get(fake.store, path, name, &v) != 0) {
        return NULL;
    }
    char *text = bl_reg_value_to_text(&v);
    bl_reg_value_clear(&v);
    return text;
}

static int
reset(void **state)
{
    g_autofree char *db = tmp_path("reg.db");
    g_autofree char *profile = tmp_path("test.profile");
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'/*", tmpdir);

    (void) state;
    bl_reg_store_close(fake.store);
    assert_int_equal(system(cmd), 0);
    memset(&fake, 0, sizeof(fake));
    fake.skew_ns = 60 * G_TIME_SPAN_SECOND * 1000; /* every file settled unless a test says */
    assert_int_equal(
        bl_reg_store_open(db, BL_REG_STORE_CREATE | BL_REG_STORE_NOSYNC, &fake.store, NULL), 0);
    assert_true(g_file_set_contents(profile, profile_text, -1, NULL));
    set_sz("SOFTWARE/NEC/NVBASE", "WorkDir", "C:\\NVBASE");
    set_sz("SOFTWARE/NEC/NVBASE/AlertViewer", "AlertPath", "alerts");
    set_sz("SOFTWARE/NEC/ESMSM", "Community", "public");
    set_sz("SOFTWARE/Other", "NotOurs", "x");
    return 0;
}

static int
parse(const char *profile, const char *render, const char *timeout, struct bl_chain_reg *r,
      char **err)
{
    struct bl_chain_reg_params p = {profile, render, timeout, NULL, NULL, NULL};
    g_autofree char *stem = tmp_path("state");
    int rc = bl_chain_reg_parse(&p, stem, r, err);

    r->ops = &fake_ops;
    r->ops_ctx = &fake;
    r->files = &fake_files;
    r->files_ctx = &fake;
    return rc;
}

static void
test_parse(void **state)
{
    g_autofree char *profile = tmp_path("test.profile");
    g_autofree char *absent = tmp_path("absent.profile");
    struct bl_chain_reg r;
    char *err = NULL;

    assert_int_equal(parse(NULL, NULL, NULL, &r, &err), 0);
    assert_false(bl_chain_reg_enabled(&r));
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(NULL, "/tmp/x.reg", NULL, &r, &err), BL_E_INVALID);
    assert_non_null(strstr(err, "need registry_profile"));
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(profile, "/a.reg relative.reg", NULL, &r, &err), BL_E_INVALID);
    assert_non_null(strstr(err, "'relative.reg' is not an absolute path"));
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(profile, NULL, "soon", &r, &err), BL_E_INVALID);
    assert_non_null(strstr(err, "registry_sync_timeout 'soon'"));
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(absent, NULL, NULL, &r, &err), -ENOENT);
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(profile, "/a.reg, /b.reg", NULL, &r, &err), 0);
    assert_true(bl_chain_reg_enabled(&r));
    assert_int_equal(r.sync_timeout_ms, 7000); /* the profile's */
    assert_string_equal(r.render[1], "/b.reg");
    assert_true(r.capture);
    bl_chain_reg_clear(&r);
    assert_int_equal(parse(profile, NULL, "2s", &r, &err), 0);
    assert_int_equal(r.sync_timeout_ms, 2000);
    assert_int_equal(r.settle_ms, BL_CHAIN_REG_SETTLE_MS);
    bl_chain_reg_clear(&r);
}

static void
test_parse_settle(void **state)
{
    g_autofree char *profile = tmp_path("test.profile");
    g_autofree char *stem = tmp_path("state");
    struct bl_chain_reg_params p = {.profile = profile, .settle = "0"};
    struct bl_chain_reg r;
    char *err = NULL;

    assert_int_equal(bl_chain_reg_parse(&p, stem, &r, &err), 0);
    assert_int_equal(r.settle_ms, 0);
    bl_chain_reg_clear(&r);
    p.settle = "500ms";
    assert_int_equal(bl_chain_reg_parse(&p, stem, &r, &err), 0);
    assert_int_equal(r.settle_ms, 500);
    bl_chain_reg_clear(&r);
    p.settle = "soon";
    assert_int_equal(bl_chain_reg_parse(&p, stem, &r, &err), BL_E_INVALID);
    assert_non_null(strstr(err, "registry_capture_settle 'soon'"));
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    p.profile = NULL;
    p.settle = "1s";
    assert_int_equal(bl_chain_reg_parse(&p, stem, &r, &err), BL_E_INVALID);
    g_free(err);
    bl_chain_reg_clear(&r);
}

/* The shipped profile loads: GKeyFile must not read its backslashes as escapes. */
static void
test_shipped_profile(void **state)
{
    g_autofree char *path = g_build_filename(BL_SOURCE_DIR, "conf/registry/esmpro.profile", NULL);
    struct bl_reg_profile *p = NULL;
    char *err = NULL;

    assert_int_equal(bl_reg_profile_load(path, &p, &err), 0);
    assert_string_equal(p->name, "esmpro");
    assert_int_equal(g_strv_length(p->keys), 5);
    assert_string_equal(p->keys[0], "SOFTWARE/NEC/ESMSM");
    assert_string_equal(p->keys[2], "SOFTWARE/NEC/ESMAlertMan/BaseSetting/Receive");
    assert_string_equal(p->keys[4], "SYSTEM/CurrentControlSet/Services/Nvbase");
    /* the two ExpressReport (MG) keys; test_chain_esm checks them against the guide */
    assert_int_equal(g_strv_length(p->optional), 2);
    assert_int_equal(p->sync_timeout, 60);
    assert_true(bl_reg_profile_covers(p, "SOFTWARE/NEC/NVBASE/AlertViewer"));
    assert_false(bl_reg_profile_covers(p, "SOFTWARE/NEC/NVBASEX"));
    bl_reg_profile_free(p);
}

/* A profile is read like every key file (lib/bl_conf.h): durations, every problem, no typo. */
static void
test_profile_errors(void **state)
{
    g_autofree char *path = tmp_path("bad.profile");
    struct bl_reg_profile *p = NULL;
    char *err = NULL;

    assert_true(
        g_file_set_contents(path, "[profile]\nkeys = A\\B\nsync-timeout = 2min\n", -1, NULL));
    assert_int_equal(bl_reg_profile_load(path, &p, &err), 0);
    assert_int_equal(p->sync_timeout, 120);
    assert_string_equal(p->keys[0], "A/B");
    bl_reg_profile_free(p);
    assert_true(g_file_set_contents(path,
                                    "[profile]\nsync-timout = 5\nsync-timeout = 0\n"
                                    "optional-keys = ;;\n[profil]\n",
                                    -1, NULL));
    assert_int_equal(bl_reg_profile_load(path, &p, &err), BL_E_INVALID);
    assert_null(p);
    assert_non_null(strstr(err, ":2: [profile] sync-timout: unknown key"));
    assert_non_null(strstr(err, ":3: [profile] sync-timeout: invalid value '0'"));
    assert_non_null(strstr(err, ":1: [profile] keys: missing (required)"));
    assert_non_null(strstr(err, ":5: [profil]: unknown group"));
    g_free(err);
    g_unlink(path);
}

static const char base_text[] =
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]\r\n\"WorkDir\"=\"old\"\r\n\"Gone\"=\"x\"\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE\\Old]\r\n\"A\"=\"1\"\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE\\Old\\Deeper]\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n\"Same\"=dword:00000001\r\n";

static const char now_text[] =
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]\r\n\"WorkDir\"=\"new\"\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n\"Same\"=dword:00000001\r\n"
    "\"Port\"=dword:000000a2\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM\\New]\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Elsewhere]\r\n\"Sneaky\"=\"y\"\r\n";

static void
test_diff(void **state)
{
    g_autofree char *profile_path = tmp_path("test.profile");
    struct bl_reg_profile *p = NULL;
    struct bl_reg_ops ops = {0};
    g_autoptr(GString) base = g_string_new(base_text);
    g_autoptr(GString) now = g_string_new(now_text);
    g_autoptr(GString) junk = g_string_new("not a reg file");
    size_t skipped = 0;
    char *err = NULL;

    assert_int_equal(bl_reg_profile_load(profile_path, &p, &err), 0);
    assert_int_equal(bl_chain_reg_diff(p, base, now, &ops, &skipped, &err), 0);
    assert_int_equal(skipped, 2); /* the Elsewhere key and its value */
    assert_int_equal(ops.n, 5);
    /* the topmost gone key only: Old, not Old/Deeper */
    assert_int_equal(ops.v[0].kind, BL_REG_OP_DELETE_KEY);
    assert_string_equal(ops.v[0].path, "SOFTWARE/NEC/NVBASE/Old");
    assert_int_equal(ops.v[1].kind, BL_REG_OP_CREATE_KEY);
    assert_string_equal(ops.v[1].path, "SOFTWARE/NEC/ESMSM/New");
    assert_int_equal(ops.v[2].kind, BL_REG_OP_SET);
    assert_string_equal(ops.v[2].name, "Port");
    assert_int_equal(ops.v[3].kind, BL_REG_OP_SET);
    assert_string_equal(ops.v[3].name, "WorkDir");
    assert_int_equal(ops.v[4].kind, BL_REG_OP_DELETE_VALUE);
    assert_string_equal(ops.v[4].name, "Gone");
    bl_reg_ops_clear(&ops);
    /* no change, no ops */
    assert_int_equal(bl_chain_reg_diff(p, now, now, &ops, &skipped, &err), 0);
    assert_int_equal(ops.n, 0);
    assert_int_not_equal(bl_chain_reg_diff(p, base, junk, &ops, NULL, &err), 0);
    assert_non_null(strstr(err, "the changed file"));
    g_free(err);
    bl_reg_ops_clear(&ops);
    bl_reg_profile_free(p);
}

static char *
read_file(const char *path)
{
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

static void
append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_render_capture(void **state)
{
    g_autofree char *profile = tmp_path("test.profile");
    g_autofree char *f1 = tmp_path("etc/nvbase.reg");
    g_autofree char *f2 = tmp_path("other/copy.reg");
    g_autofree char *render = g_strdup_printf("%s %s", f1, f2);
    struct bl_chain_reg r;
    char *err = NULL;
    size_t n = 99;

    assert_int_equal(parse(profile, render, NULL, &r, &err), 0);
    assert_int_equal(bl_chain_reg_wait(&r, 0, &err), 0);
    assert_int_equal(bl_chain_reg_render(&r, &err), 0);
    g_autofree char *text = read_file(f1);
    g_autofree char *copy = read_file(f2);
    assert_non_null(strstr(text, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE\\AlertViewer]"));
    assert_non_null(strstr(text, "\"Community\"=\"public\""));
    assert_null(strstr(text, "NotOurs"));
    assert_string_equal(text, copy);
    bl_chain_reg_clear(&r);

    /* a monitor with nothing changed: no connection at all */
    fake.connects = 0;
    assert_int_equal(parse(profile, render, NULL, &r, &err), 0);
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fake.connects, 0);
    /* touched, not changed: still nothing written */
    g_usleep(10000);
    g_autofree char *touch = g_strdup_printf("touch '%s'", f1);
    assert_int_equal(system(touch), 0);
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fake.writes, 0);

    /* someone writes the registry meanwhile; the program changes its file */
    set_sz("SOFTWARE/NEC/ESMSM", "SetElsewhere", "kept");
    append(f1, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]\r\n\"Captured\"=\"yes\"\r\n"
               "\"WorkDir\"=\"D:\\\\NVBASE\"\r\n");
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_null(err);
    assert_int_equal(n, 2);
    g_autofree char *captured = get_text("SOFTWARE/NEC/NVBASE", "Captured");
    g_autofree char *workdir = get_text("SOFTWARE/NEC/NVBASE", "WorkDir");
    g_autofree char *kept = get_text("SOFTWARE/NEC/ESMSM", "SetElsewhere");
    assert_string_equal(captured, "yes");
    assert_string_equal(workdir, "D:\\NVBASE");
    assert_string_equal(kept, "kept"); /* not overwritten by the capture */
    g_autofree char *f2_now = read_file(f2);
    g_autofree char *f1_now = read_file(f1);
    assert_string_equal(f1_now, f2_now); /* the other file follows */

    /* the registry unavailable: an error, the change is kept for the next try */
    append(f1, "\"Later\"=\"1\"\r\n");
    fake.write_rc = BL_E_NOQUORUM;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), BL_E_NOQUORUM);
    assert_non_null(strstr(err, "not recorded"));
    g_clear_pointer(&err, g_free);
    fake.write_rc = 0;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    g_autofree char *later = get_text("SOFTWARE/NEC/NVBASE", "Later");
    assert_string_equal(later, "1");

    /* outside the profile: skipped and said */
    append(f1, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\r\n\"Sneaky\"=\"1\"\r\n");
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_non_null(strstr(err, "outside profile test"));
    g_clear_pointer(&err, g_free);
    g_autofree char *sneaky = get_text("SOFTWARE/Other", "Sneaky");
    assert_null(sneaky);
    bl_chain_reg_forget(&r);
    assert_false(g_file_test(r.base_path, G_FILE_TEST_EXISTS));
    bl_chain_reg_clear(&r);
}

/* Render the test profile into one file; r parsed with the fake seams. */
static char *
render_one(struct bl_chain_reg *r)
{
    g_autofree char *profile = tmp_path("test.profile");
    char *f = tmp_path("etc/nvbase.reg");
    char *err = NULL;

    assert_int_equal(parse(profile, f, NULL, r, &err), 0);
    assert_int_equal(bl_chain_reg_render(r, &err), 0);
    return f;
}

/* The rendered text with one more value under NVBASE (as a program writes it whole). */
static char *
rendered_plus(const char *file, const char *line)
{
    g_autofree char *text = read_file(file);
    const char *at = strstr(text, "\"WorkDir\"");

    assert_non_null(at);
    return g_strdup_printf("%.*s%s\r\n%s", (int) (at - text), text, line, at);
}

static void
assert_registry_whole(void)
{
    g_autofree char *workdir = get_text("SOFTWARE/NEC/NVBASE", "WorkDir");
    g_autofree char *alerts = get_text("SOFTWARE/NEC/NVBASE/AlertViewer", "AlertPath");
    g_autofree char *community = get_text("SOFTWARE/NEC/ESMSM", "Community");

    assert_string_equal(workdir, "C:\\NVBASE");
    assert_string_equal(alerts, "alerts");
    assert_string_equal(community, "public");
}

/* A program rewriting its file (truncate, write) seen half way: nothing of it is deleted. */
static void
test_capture_cut_short(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autofree char *whole = read_file(f);
    const char *esmsm = strstr(whole, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]");
    g_autofree char *half = g_strndup(whole, esmsm - whole);
    const char *cut_in_line = strstr(whole, "\"AlertPath\"") + 8;
    g_autofree char *mid = g_strndup(whole, cut_in_line - whole);
    g_autofree char *changed = rendered_plus(f, "\"Added\"=\"1\"");
    char *err = NULL;
    size_t n = 99;
    bool deferred = true;

    /* the header only: every root would go */
    assert_true(g_file_set_contents(f, "Windows Registry Editor Version 5.00\r\n", -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_int_equal(n, 0);
    assert_false(deferred);
    assert_non_null(strstr(err, "lost the profile's subtree SOFTWARE/NEC/"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    /* held: not read again (and not warned again) until it changes */
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_null(err);
    /* the first root whole, the second not there yet */
    assert_true(g_file_set_contents(f, half, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_non_null(strstr(err, "lost the profile's subtree SOFTWARE/NEC/ESMSM"));
    g_clear_pointer(&err, g_free);
    /* empty, and cut inside a line: no .reg file, an error, nothing written */
    assert_true(g_file_set_contents(f, "", -1, NULL));
    assert_int_not_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    g_clear_pointer(&err, g_free);
    assert_true(g_file_set_contents(f, mid, -1, NULL));
    assert_int_not_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    assert_registry_whole();
    /* written whole at last, with a change: that change is captured against the old base */
    assert_true(g_file_set_contents(f, changed, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_null(err);
    assert_int_equal(n, 1);
    g_autofree char *added = get_text("SOFTWARE/NEC/NVBASE", "Added");
    assert_string_equal(added, "1");
    assert_registry_whole();
    bl_chain_reg_clear(&r);
}

/* Capture the file as text, expecting it held: nothing written, why in the warning. */
static void
assert_held(struct bl_chain_reg *r, const char *f, const char *text, bool at_stop, const char *why)
{
    char *err = NULL;
    size_t n = 99;
    bool deferred = true;

    assert_true(g_file_set_contents(f, text, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(r, at_stop, &n, &deferred, &err), 0);
    assert_int_equal(n, 0);
    assert_false(deferred);
    assert_non_null(err);
    assert_non_null(strstr(err, why));
    g_free(err);
    /* said once: not read again until the file changes */
    assert_int_equal(bl_chain_reg_capture(r, at_stop, &n, &deferred, &err), 0);
    assert_null(err);
    assert_int_equal(fake.writes, 0);
}

/* Cut at a line's end inside the last root (review2 finding 1): every root header is there,
 * yet the file is held, running and at stop; a real deletion inside the file is captured. */
static void
test_capture_cut_at_line_end(void **state)
{
    struct bl_chain_reg r;
    set_sz("SOFTWARE/NEC/ESMSM", "Port", "161");
    g_autofree char *f = render_one(&r);
    g_autofree char *whole = read_file(f);
    const char *hdr = "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n";
    const char *esmsm = strstr(whole, hdr);
    const char *value2 = strstr(whole, "\"Port\"");
    assert_non_null(esmsm);
    assert_non_null(value2);
    g_autofree char *after_hdr = g_strndup(whole, esmsm + strlen(hdr) - whole);
    g_autofree char *one_value = g_strndup(whole, value2 - whole);
    g_autofree char *one_value_lf = g_strndup(whole, value2 - whole - 2);
    g_autofree char *lf = g_strconcat(one_value_lf, "\n", NULL);
    g_autofree char *no_eol = g_strndup(whole, strlen(whole) - 2);
    const char *community = strstr(whole, "\"Community\"");
    g_autofree char *deleted =
        g_strdup_printf("%.*s%s", (int) (community - whole), whole, strchr(community, '\n') + 1);
    char *err = NULL;
    size_t n = 99;

    assert_held(&r, f, after_hdr, false, "has the profile's subtree SOFTWARE/NEC/ESMSM empty");
    assert_held(&r, f, one_value, false, "is the beginning of the text last rendered");
    assert_held(&r, f, lf, false, "is the beginning of the text last rendered");
    fake.skew_ns = 0; /* at stop: no settle time, held all the same */
    assert_held(&r, f, after_hdr, true, "has the profile's subtree SOFTWARE/NEC/ESMSM empty");
    assert_held(&r, f, one_value, true, "is the beginning of the text last rendered");
    fake.skew_ns = 60 * G_TIME_SPAN_SECOND * 1000;
    assert_registry_whole();
    g_autofree char *port = get_text("SOFTWARE/NEC/ESMSM", "Port");
    assert_string_equal(port, "161");
    /* the whole text without its last line end: no change, nothing held */
    assert_true(g_file_set_contents(f, no_eol, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_null(err);
    assert_int_equal(n, 0);
    /* a value really deleted (not at the end): captured */
    assert_true(g_file_set_contents(f, deleted, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_null(err);
    assert_int_equal(n, 1);
    g_autofree char *gone = get_text("SOFTWARE/NEC/ESMSM", "Community");
    assert_null(gone);
    bl_chain_reg_clear(&r);
}

/* A file that cannot be read (EACCES, EIO) is not taken for a file gone: an error naming
 * it, and its stamp not recorded, so the change is read once it can be (finding 3). */
static void
test_capture_unreadable(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autofree char *changed = rendered_plus(f, "\"Unread\"=\"1\"");
    char *err = NULL;
    size_t n = 99;

    assert_true(g_file_set_contents(f, changed, -1, NULL));
    fake.read_rc = -EACCES;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), -EACCES);
    assert_non_null(strstr(err, f));
    g_clear_pointer(&err, g_free);
    fake.read_rc = -EIO;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), -EIO);
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    fake.read_rc = 0;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    g_autofree char *unread = get_text("SOFTWARE/NEC/NVBASE", "Unread");
    assert_string_equal(unread, "1");
    bl_chain_reg_clear(&r);
}

/* A file modified within the settle time is not read; once older it is. */
static void
test_capture_settle(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autofree char *changed = rendered_plus(f, "\"Young\"=\"1\"");
    char *err = NULL;
    size_t n = 99;
    bool deferred = false;

    fake.skew_ns = 0;
    assert_true(g_file_set_contents(f, changed, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_true(deferred);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "within registry_capture_settle (1000 ms)"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    fake.skew_ns = 2 * G_TIME_SPAN_SECOND * 1000; /* two seconds later */
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_false(deferred);
    assert_int_equal(n, 1);
    g_autofree char *young = get_text("SOFTWARE/NEC/NVBASE", "Young");
    assert_string_equal(young, "1");
    bl_chain_reg_clear(&r);
}

/* The file changes while it is read: nothing from that read is recorded, and the stamp kept
 * is not the finished file's, so the next capture reads the finished file. */
static void
test_capture_changed_during_read(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autofree char *finished = rendered_plus(f, "\"Restored\"=\"1\"");
    char *err = NULL;
    size_t n = 99;
    bool deferred = false;

    assert_true(g_file_set_contents(f, "Windows Registry Editor Version 5.00\r\n", -1, NULL));
    fake.seen = "Windows Registry Editor Version 5.00\r\n";
    fake.rewritten = finished;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_true(deferred);
    assert_non_null(strstr(err, "changed while it was read"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, &deferred, &err), 0);
    assert_false(deferred);
    assert_int_equal(n, 1);
    g_autofree char *restored = get_text("SOFTWARE/NEC/NVBASE", "Restored");
    assert_string_equal(restored, "1");
    assert_registry_whole();
    bl_chain_reg_clear(&r);
}

/* At stop the members are stopped: no settle time, but a file cut short is still held. */
static void
test_capture_at_stop(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autofree char *whole = read_file(f);
    g_autofree char *changed = rendered_plus(f, "\"AtStop\"=\"1\"");
    char *err = NULL;
    size_t n = 99;
    bool deferred = false;

    fake.skew_ns = 0;
    assert_true(g_file_set_contents(f, "Windows Registry Editor Version 5.00\r\n", -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, true, &n, &deferred, &err), 0);
    assert_false(deferred);
    assert_non_null(strstr(err, "lost the profile's subtree"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(fake.writes, 0);
    assert_registry_whole();
    assert_true(g_file_set_contents(f, changed, -1, NULL));
    assert_int_equal(bl_chain_reg_capture(&r, true, &n, &deferred, &err), 0);
    assert_false(deferred);
    assert_int_equal(n, 1);
    g_autofree char *at_stop = get_text("SOFTWARE/NEC/NVBASE", "AtStop");
    assert_string_equal(at_stop, "1");
    bl_chain_reg_clear(&r);
}

/* A difference larger than one write goes in parts; one refused part way is said to be a
 * partial checkpoint, and the next capture sends it all again. */
static void
test_capture_partial(void **state)
{
    struct bl_chain_reg r;
    g_autofree char *f = render_one(&r);
    g_autoptr(GString) many = g_string_new(NULL);
    g_autofree char *pad = g_strnfill(200, 'p');
    char *err = NULL;
    size_t n = 99;

    for (int i = 0; i < 2000; i++) { /* ~440 KiB of changes: two writes */
        g_string_append_printf(many, "\"V%04d\"=\"%s\"\r\n", i, pad);
    }
    g_string_truncate(many, many->len - 2);
    g_autofree char *changed = rendered_plus(f, many->str);
    assert_true(g_file_set_contents(f, changed, -1, NULL));
    fake.write_rc = BL_E_NOQUORUM;
    fake.fail_write = 2;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), BL_E_NOQUORUM);
    assert_non_null(strstr(err, "PARTIAL checkpoint: 1 writes of its 2000 changes recorded"));
    g_clear_pointer(&err, g_free);
    g_autofree char *first = get_text("SOFTWARE/NEC/NVBASE", "V0000");
    g_autofree char *last = get_text("SOFTWARE/NEC/NVBASE", "V1999");
    assert_non_null(first);
    assert_null(last);
    fake.write_rc = 0;
    assert_int_equal(bl_chain_reg_capture(&r, false, &n, NULL, &err), 0);
    assert_int_equal(n, 2000);
    g_autofree char *again = get_text("SOFTWARE/NEC/NVBASE", "V1999");
    assert_non_null(again);
    assert_registry_whole();
    bl_chain_reg_clear(&r);
}

static void
test_wait_fails(void **state)
{
    g_autofree char *profile = tmp_path("test.profile");
    struct bl_chain_reg r;
    char *err = NULL;

    assert_int_equal(parse(profile, NULL, NULL, &r, &err), 0);
    fake.wait_rc = BL_E_TIMEOUT;
    assert_int_equal(bl_chain_reg_wait(&r, 0, &err), BL_E_TIMEOUT);
    assert_non_null(strstr(err, "node 2's registry replica is not in sync"));
    assert_non_null(strstr(err, "no quorum"));
    g_clear_pointer(&err, g_free);
    bl_chain_reg_clear(&r);
    fake.connect_rc = -ECONNREFUSED;
    assert_int_equal(parse(profile, NULL, NULL, &r, &err), 0);
    assert_int_equal(bl_chain_reg_wait(&r, 0, &err), -ECONNREFUSED);
    assert_non_null(strstr(err, "is bmclinkd running on this node"));
    g_free(err);
    bl_chain_reg_clear(&r);
}

/* ---- the agent ---- */

static int
run(const char *action)
{
    struct bl_agent a;
    int rc;

    bl_chain_agent_from_env(&a);
    a.reg_ops = &fake_ops;
    a.reg_ops_ctx = &fake;
    rc = bl_chain_agent_run(&a, action);
    bl_chain_agent_clear(&a);
    return rc;
}

static void
agent_env(void)
{
    g_autofree char *profile = tmp_path("test.profile");
    g_autofree char *conf = tmp_path("conf/esm.reg");
    g_autofree char *chain = g_strdup_printf(
        "[member a]\nkind=daemon\ncommand=%s --name a --dir %s --pidfile %s/a.pid --tick 20 "
        "--config %s\npidfile=%s/a.pid\n",
        BL_TEST_MEMBER, tmpdir, tmpdir, conf, tmpdir);

    g_setenv("HA_RSCTMP", tmpdir, TRUE);
    g_setenv("OCF_RESOURCE_INSTANCE", "esm", TRUE);
    g_setenv("OCF_RESKEY_CRM_meta_on_node", "node-a", TRUE);
    g_setenv("OCF_RESKEY_CRM_meta_timeout", "20000", TRUE);
    g_setenv("OCF_RESKEY_chain", chain, TRUE);
    g_setenv("OCF_RESKEY_registry_profile", profile, TRUE);
    g_setenv("OCF_RESKEY_registry_render", conf, TRUE);
}

/* Monitors until the value is in the registry: the file must first be still for
 * registry_capture_settle (its default, 1 s, here). */
static char *
monitor_until_recorded(const char *path, const char *name)
{
    char *text = NULL;

    for (int i = 0; i < 500 && text == NULL; i++) {
        assert_int_equal(run("monitor"), BL_OCF_SUCCESS);
        text = get_text(path, name);
        if (text == NULL) {
            g_usleep(10000);
        }
    }
    return text;
}

static void
test_agent(void **state)
{
    g_autofree char *seen_path = tmp_path("a.config-seen");
    g_autofree char *add = tmp_path("a.config-add");
    g_autofree char *added = tmp_path("a.config-added");

    agent_env();
    assert_int_equal(run("validate-all"), BL_OCF_SUCCESS);
    /* not in sync: start refused before any member runs */
    fake.wait_rc = BL_E_TIMEOUT;
    assert_int_equal(run("start"), BL_OCF_ERR_GENERIC);
    assert_false(g_file_test(seen_path, G_FILE_TEST_EXISTS));
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
    fake.wait_rc = 0;

    assert_int_equal(run("start"), BL_OCF_SUCCESS);
    g_autofree char *seen = read_file(seen_path);
    assert_non_null(seen);
    assert_non_null(strstr(seen, "\"WorkDir\"=\"C:\\\\NVBASE\""));
    assert_int_equal(run("monitor"), BL_OCF_SUCCESS);
    assert_int_equal(fake.writes, 0);

    /* the program changes its settings; the next monitor records them */
    assert_true(g_file_set_contents(
        add, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n\"ByProgram\"=\"1\"\r\n", -1,
        NULL));
    for (int i = 0; i < 200 && !g_file_test(added, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10000);
    }
    assert_true(g_file_test(added, G_FILE_TEST_EXISTS));
    g_autofree char *by = monitor_until_recorded("SOFTWARE/NEC/ESMSM", "ByProgram");
    assert_string_equal(by, "1");

    /* a change seen only at stop, with the registry gone: stop still succeeds */
    assert_true(g_file_set_contents(
        add, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n\"AtStop\"=\"1\"\r\n", -1, NULL));
    for (int i = 0; i < 200 && g_file_test(add, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10000);
    }
    fake.connect_rc = -ECONNREFUSED;
    assert_int_equal(run("stop"), BL_OCF_SUCCESS);
    assert_int_equal(run("monitor"), BL_OCF_NOT_RUNNING);
    fake.connect_rc = 0;
    g_autofree char *at_stop = get_text("SOFTWARE/NEC/ESMSM", "AtStop");
    assert_null(at_stop);

    /* the profile missing on this node: not installed here */
    g_setenv("OCF_RESKEY_registry_profile", "/nonexistent/x.profile", TRUE);
    assert_int_equal(run("validate-all"), BL_OCF_ERR_INSTALLED);
    g_setenv("OCF_RESKEY_registry_profile", "relative.profile", TRUE);
    assert_int_equal(run("validate-all"), BL_OCF_ERR_CONFIGURED);
}

static void
test_agent_capture_at_stop(void **state)
{
    g_autofree char *add = tmp_path("a.config-add");

    agent_env();
    assert_int_equal(run("start"), BL_OCF_SUCCESS);
    assert_true(g_file_set_contents(
        add, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n\"AtStop\"=\"2\"\r\n", -1, NULL));
    for (int i = 0; i < 200 && g_file_test(add, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10000);
    }
    assert_int_equal(run("stop"), BL_OCF_SUCCESS);
    g_autofree char *at_stop = get_text("SOFTWARE/NEC/ESMSM", "AtStop");
    assert_string_equal(at_stop, "2");
}

static int
teardown_all(void **state)
{
    bl_reg_store_close(fake.store);
    fake.store = NULL;
    return tmpdir_teardown(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_parse, reset),
        cmocka_unit_test_setup(test_parse_settle, reset),
        cmocka_unit_test(test_shipped_profile),
        cmocka_unit_test(test_profile_errors),
        cmocka_unit_test_setup(test_diff, reset),
        cmocka_unit_test_setup(test_render_capture, reset),
        cmocka_unit_test_setup(test_capture_cut_short, reset),
        cmocka_unit_test_setup(test_capture_cut_at_line_end, reset),
        cmocka_unit_test_setup(test_capture_unreadable, reset),
        cmocka_unit_test_setup(test_capture_settle, reset),
        cmocka_unit_test_setup(test_capture_changed_during_read, reset),
        cmocka_unit_test_setup(test_capture_at_stop, reset),
        cmocka_unit_test_setup(test_capture_partial, reset),
        cmocka_unit_test_setup(test_wait_fails, reset),
        cmocka_unit_test_setup(test_agent, reset),
        cmocka_unit_test_setup(test_agent_capture_at_stop, reset),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, tmpdir_setup, teardown_all);
}
