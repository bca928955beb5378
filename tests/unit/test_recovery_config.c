/* bmclink.conf's BMC side (monitor/recovery/recovery_config.c): values, defaults, errors, secrets.
 */
#include "bl_result.h"
#include "recovery_config.h"

#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

struct fixture {
    char *dir;
    char *conf;
    char *pwfile;
    char err[2048];
};

static int
setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->dir = g_dir_make_tmp("bl-bmccfg-XXXXXX", NULL);
    f->conf = g_build_filename(f->dir, "bmclink.conf", NULL);
    f->pwfile = g_build_filename(f->dir, "bmc-password", NULL);
    assert_true(g_file_set_contents(f->pwfile, "s3cret-pw\n", -1, NULL));
    assert_int_equal(g_chmod(f->pwfile, 0600), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    g_unlink(f->conf);
    g_unlink(f->pwfile);
    g_rmdir(f->dir);
    g_free(f->conf);
    g_free(f->pwfile);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* Load path; the report, cut to fit, in f->err ("" when none). */
static int
load_path(struct fixture *f, const char *path, struct bl_bmc_config **cfg)
{
    g_autofree char *err = NULL;
    int rc = bl_bmc_config_load(path, cfg, &err);

    g_strlcpy(f->err, err != NULL ? err : "", sizeof(f->err));
    assert_true(rc == 0 ? err == NULL : err != NULL || path == NULL);
    return rc;
}

/* Write the file (mode 0600) with @PW@ replaced by the password file's path, then load. */
static int
load(struct fixture *f, const char *text, struct bl_bmc_config **cfg)
{
    GString *s = g_string_new(text);

    g_string_replace(s, "@PW@", f->pwfile, 0);
    assert_true(g_file_set_contents(f->conf, s->str, -1, NULL));
    assert_int_equal(g_chmod(f->conf, 0600), 0);
    g_string_free(s, TRUE);
    *cfg = NULL;
    return load_path(f, f->conf, cfg);
}

static const char full[] = "[trap-node node1]\n"
                           "address = 10.231.2.11:1162\n"
                           "bmc = 10.231.2.21\n"
                           "community = c1\n"
                           "[trap-node node2]\n"
                           "bmc = 10.231.2.22\n"
                           "[bmc]\n"
                           "username = ops\n"
                           "password_file = @PW@\n"
                           "[bmc-node node2]\n"
                           "port = 9623\n"
                           "[bmc-node node3]\n"
                           "address = 10.231.2.23\n"
                           "password = other-pw\n"
                           "privilege = operator\n"
                           "[heartbeat]\n"
                           "interval_ms = 250\n"
                           "misses = 4\n"
                           "silence_ms = 12s\n"
                           "[health]\n"
                           "red_severity = non-recoverable\n"
                           "[recovery]\n"
                           "action = failover\n"
                           "target = grp\n"
                           "timeout_ms = 15000\n"
                           "reset_window_ms = 20000\n"
                           "notice_start = 2e:10:57:01:00\n"
                           "end_codes = 0x10;0x11;0x12;0x13\n"
                           "stop_command = /usr/sbin/pcs cluster stop 'with space'\n";

static void
test_full(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg;
    const struct bl_bmc_node *n;

    assert_int_equal(load(f, full, &cfg), 0);
    assert_int_equal(cfg->n_nodes, 3);
    n = bl_bmc_config_find(cfg, "node1");
    assert_non_null(n);
    assert_string_equal(n->ipmi.host, "10.231.2.21"); /* from [trap-node node1] bmc */
    assert_int_equal(n->ipmi.port, 623);
    assert_string_equal(n->ipmi.username, "ops");
    assert_string_equal(n->ipmi.password, "s3cret-pw"); /* newline stripped */
    assert_int_equal(n->ipmi.cipher, BL_IPMI_CIPHER_AUTO);
    assert_true(n->ipmi.lanplus);
    assert_int_equal(n->ipmi.priv, BL_IPMI_PRIV_ADMIN);
    assert_int_equal(n->ipmi.msg_timeout_ms, 500);
    n = bl_bmc_config_find(cfg, "node2");
    assert_int_equal(n->ipmi.port, 9623);
    n = bl_bmc_config_find(cfg, "node3");
    assert_string_equal(n->ipmi.host, "10.231.2.23");
    assert_string_equal(n->ipmi.password, "other-pw");
    assert_int_equal(n->ipmi.priv, BL_IPMI_PRIV_OPERATOR);
    assert_null(bl_bmc_config_find(cfg, "node4"));

    assert_true(cfg->hb.enabled);
    assert_int_equal(cfg->hb.interval_ms, 250);
    assert_int_equal(cfg->hb.misses, 4);
    assert_int_equal(cfg->hb.silence_ms, 12000);
    assert_int_equal(cfg->hb.drop_window_ms, 10000); /* the default */
    assert_int_equal(cfg->hb.reopen_ms, 5000);
    assert_int_equal(cfg->health.red_severity, 0x20);
    assert_int_equal(cfg->health.hold_s, 600);

    assert_int_equal(cfg->rec.set.kind, BL_REC_FAILOVER);
    assert_string_equal(cfg->rec.target, "grp");
    assert_string_equal(cfg->rec.attribute, "bmclink-evacuate");
    assert_int_equal(cfg->rec.set.timeout_ns, 15000ull * 1000000ull);
    assert_int_equal(cfg->rec.set.poll_ns, 500ull * 1000000ull);
    assert_int_equal(cfg->rec.start.netfn, 0x2e);
    assert_int_equal(cfg->rec.start.cmd, 0x10);
    assert_int_equal(cfg->rec.start.len, 3);
    assert_int_equal(cfg->rec.start.data[0], 0x57);
    assert_int_equal(cfg->rec.end.netfn, 0x30);
    assert_int_equal(cfg->rec.end.cmd, 0x82);
    assert_int_equal(cfg->rec.end.len, 0);
    assert_true(cfg->rec.pet_ack);
    assert_true(cfg->rec.end_result_byte);
    assert_int_equal(cfg->rec.end_codes[BL_REC_NO_NODE], 0x13);
    assert_int_equal(g_strv_length(cfg->rec.stop_argv), 4);
    assert_string_equal(cfg->rec.stop_argv[3], "with space");
    bl_bmc_config_free(cfg);
    bl_bmc_config_free(NULL);
}

static void
test_no_recovery_group_is_none(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg;

    assert_int_equal(
        load(f, "[bmc]\npassword_file = @PW@\n[bmc-node a]\naddress = 127.0.0.1\n", &cfg), 0);
    assert_int_equal(cfg->rec.set.kind, BL_REC_NONE);
    assert_int_equal(cfg->rec.set.timeout_ns, 20000ull * 1000000ull);
    assert_int_equal(cfg->n_nodes, 1);
    bl_bmc_config_free(cfg);
}

/* The path to a node's own BMC: lan by default, inband/auto per node with the device. */
static void
test_path_and_device(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg;
    const struct bl_bmc_node *a, *b;

    assert_int_equal(load(f,
                          "[bmc]\npassword_file = @PW@\n[bmc-node a]\naddress = 127.0.0.1\n"
                          "path = InBand\ndevice = /dev/ipmi/1\n"
                          "[bmc-node b]\naddress = 127.0.0.2\n",
                          &cfg),
                     0);
    a = bl_bmc_config_find(cfg, "a");
    b = bl_bmc_config_find(cfg, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->path, BL_IPMI_PATH_INBAND);
    assert_string_equal(a->device, "/dev/ipmi/1");
    assert_int_equal(b->path, BL_IPMI_PATH_LAN);
    assert_string_equal(b->device, "/dev/ipmi0");
    bl_bmc_config_free(cfg);
    assert_int_equal(load(f,
                          "[bmc]\npassword_file = @PW@\npath = auto\n"
                          "[bmc-node a]\naddress = 127.0.0.1\n",
                          &cfg),
                     0);
    assert_int_equal(cfg->nodes[0].path, BL_IPMI_PATH_AUTO);
    bl_bmc_config_free(cfg);
}

/* (text, expected start of a line of the report after "path:") */
static void
expect_error(struct fixture *f, const char *text, const char *where)
{
    struct bl_bmc_config *cfg;
    g_autofree char *expect = g_strdup_printf("%s:%s", f->conf, where);
    g_autofree char *later = g_strdup_printf("\n%s", expect);

    assert_int_equal(load(f, text, &cfg), BL_E_INVALID);
    assert_null(cfg);
    if (!g_str_has_prefix(f->err, expect) && strstr(f->err, later) == NULL) {
        fail_msg("no line of '%s' starts with '%s'", f->err, expect);
    }
}

static void
test_errors_name_line_and_key(void **state)
{
    struct fixture *f = *state;

    expect_error(f, "[bmc]\npassword_file = @PW@\n[recovery]\ntarget = g\ntmeout_ms = 1\n",
                 "5: [recovery] tmeout_ms: unknown key");
    expect_error(f, "[heartbeat]\ninterval_ms = 5\n",
                 "2: [heartbeat] interval_ms: invalid value '5'");
    expect_error(f, "[recovery]\naction = reboot\n", "2: [recovery] action: invalid value");
    expect_error(f, "[recovery]\naction = failover\n",
                 "1: [recovery] target: required with action = failover");
    expect_error(f, "[recovery]\ntarget = g\ntimeout_ms = 30000\n",
                 "3: [recovery] timeout_ms: must be below reset_window_ms (30000)");
    expect_error(f, "[recovery]\naction = script\nscript = relative.sh\n",
                 "3: [recovery] script: an absolute path is required");
    expect_error(f, "[recovery]\naction = none\nnotice_end = 0x40:0x01\n",
                 "3: [recovery] notice_end: invalid value");
    expect_error(f, "[recovery]\naction = none\nstop_command = 'unterminated\n",
                 "3: [recovery] stop_command: cannot be split");
    expect_error(f, "[bmc]\naddress = 10.0.0.1\n", "2: [bmc] address: unknown key");
    expect_error(f, "[bmc]\npassword_file = @PW@\n[bmc-node n1]\nport = 1\n",
                 "3: [bmc-node n1] address: a numeric BMC address is required");
    expect_error(f, "[bmc]\npassword_file = @PW@\n[bmc-node n1]\naddress = bmc1.example\n",
                 "4: [bmc-node n1] address: invalid value 'bmc1.example' (expected a numeric");
    expect_error(f, "[bmc]\npassword_file = @PW@\ncipher = 0\n[bmc-node n1]\naddress = ::1\n",
                 "4: [bmc-node n1]: cipher suite without integrity");
    expect_error(f, "[bmc]\npassword_file = @PW@\ncipher = 3x\n[bmc-node n1]\naddress = ::1\n",
                 "3: [bmc] cipher: invalid value '3x' (expected auto or a cipher suite number");
    expect_error(f, "[bmc]\npassword_file = @PW@\npath = pci\n[bmc-node n1]\naddress = ::1\n",
                 "3: [bmc] path: invalid value 'pci' (expected lan, inband or auto");
    expect_error(f,
                 "[bmc]\npassword_file = @PW@\n[bmc-node n1]\naddress = ::1\ndevice = /dev/sda\n",
                 "5: [bmc-node n1] device: invalid value '/dev/sda'");
    expect_error(f, "[bmc]\npassword_file = /nonexistent/pw\n[bmc-node n1]\naddress = ::1\n",
                 "3: [bmc-node n1] password_file: /nonexistent/pw: No such file");
}

/* Every problem in one report; the spellings of bl_conf.h; groups nobody reads refused. */
static void
test_every_error_and_spellings(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg;

    assert_int_equal(load(f,
                          "[heartbeat]\nenabled = off\ninterval_ms = 2s\nsel = Y\n"
                          "[health]\nhold = 10min\n[recovery]\naction = none\n"
                          "timeout_ms = PT10S\n[bmc]\npassword_file = @PW@\n"
                          "[bmc-node a]\naddress = 127.0.0.1\n",
                          &cfg),
                     0);
    assert_false(cfg->hb.enabled);
    assert_int_equal(cfg->hb.interval_ms, 2000);
    assert_true(cfg->hb.sel);
    assert_int_equal(cfg->health.hold_s, 600);
    assert_int_equal(cfg->rec.set.timeout_ns, 10000ull * 1000000ull);
    bl_bmc_config_free(cfg);

    assert_int_equal(load(f,
                          "[heartbeat]\nenabled = maybe\nmisses = 0\n[healt]\nhold = 1\n"
                          "[trap-node a]\nbmc = 10.0.0.1\n[recovery]\naction = none\n"
                          "poll_ms = 1.5s\n",
                          &cfg),
                     BL_E_INVALID);
    assert_non_null(strstr(f->err, ":2: [heartbeat] enabled: invalid value 'maybe'"));
    assert_non_null(strstr(f->err, ":3: [heartbeat] misses: invalid value '0'"));
    assert_non_null(strstr(f->err, ":4: [healt]: unknown group"));
    assert_non_null(strstr(f->err, ":10: [recovery] poll_ms: invalid value '1.5s'"));
    assert_non_null(strstr(f->err, "[trap-node a] password_file: "));
}

/* A bad secret is reported without its value; a world-readable password file is refused. */
static void
test_secrets(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg;

    expect_error(f, "[bmc]\npassword = this-password-is-far-too-long-for-ipmi\n",
                 "2: [bmc] password: invalid value");
    assert_null(strstr(f->err, "far-too-long"));
    expect_error(f,
                 "[bmc]\nkg = zz-not-hex-secret\n[bmc-node n]\naddress = 10.0.0.1\n"
                 "password = x\n",
                 "2: [bmc] kg: invalid value");
    assert_null(strstr(f->err, "not-hex"));

    assert_int_equal(g_chmod(f->pwfile, 0604), 0);
    expect_error(f, "[bmc]\npassword_file = @PW@\n[bmc-node n]\naddress = 10.0.0.1\n",
                 "3: [bmc-node n] password_file: ");
    assert_non_null(strstr(f->err, "world-readable"));
    assert_int_equal(g_chmod(f->pwfile, 0640), 0); /* group-readable is allowed */
    assert_int_equal(
        load(f, "[bmc]\npassword_file = @PW@\n[bmc-node n]\naddress = 10.0.0.1\n", &cfg), 0);
    bl_bmc_config_free(cfg);

    assert_true(g_file_set_contents(f->pwfile, "0123456789abcdefghijKLMN", -1, NULL));
    expect_error(f, "[bmc]\npassword_file = @PW@\n[bmc-node n]\naddress = 10.0.0.1\n",
                 "3: [bmc-node n] password_file: ");
    assert_null(strstr(f->err, "0123"));

    assert_true(g_file_set_contents(f->conf, "[bmc]\npassword = pw\n", -1, NULL));
    assert_int_equal(g_chmod(f->conf, 0644), 0);
    assert_int_equal(load_path(f, f->conf, &cfg), BL_E_INVALID);
    assert_non_null(strstr(f->err, "world-readable"));
}

static void
test_missing_file(void **state)
{
    struct fixture *f = *state;
    struct bl_bmc_config *cfg = NULL;

    assert_int_equal(load_path(f, "/nonexistent.conf", &cfg), -ENOENT);
    assert_int_equal(load_path(f, NULL, &cfg), BL_E_INVALID);
}

static void
test_notice_cmd_parse(void **state)
{
    struct bl_notice_cmd c;

    assert_int_equal(bl_notice_cmd_parse("0x30:0x81", &c), 0);
    assert_int_equal(c.netfn, 0x30);
    assert_int_equal(c.cmd, 0x81);
    assert_int_equal(c.len, 0);
    assert_int_equal(bl_notice_cmd_parse("30 82 01", &c), 0);
    assert_int_equal(c.len, 1);
    assert_int_equal(c.data[0], 1);
    assert_int_equal(bl_notice_cmd_parse("0x30", &c), BL_E_INVALID);
    assert_int_equal(bl_notice_cmd_parse("0x40:0x01", &c), BL_E_INVALID); /* NetFn is 6 bits */
    assert_int_equal(bl_notice_cmd_parse("zz:01", &c), BL_E_INVALID);
    assert_int_equal(bl_notice_cmd_parse("30:100", &c), BL_E_INVALID);
    assert_int_equal(bl_notice_cmd_parse("30::81", &c), BL_E_INVALID);
    assert_int_equal(bl_notice_cmd_parse("-1:81", &c), BL_E_INVALID);
    assert_int_equal(bl_notice_cmd_parse(NULL, &c), BL_E_INVALID);
    GString *many = g_string_new("30:81");
    for (int i = 0; i <= BL_NOTICE_DATA_MAX; i++) {
        g_string_append(many, ":00");
    }
    assert_int_equal(bl_notice_cmd_parse(many->str, &c), BL_E_INVALID);
    g_string_free(many, TRUE);
}

static void
test_doc_table(void **state)
{
    size_t n = 0;

    for (const struct bl_conf_key *k = bl_bmc_conf_keys; k->key != NULL; k++, n++) {
        assert_non_null(k->description);
    }
    assert_true(n > 20);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_recovery_group_is_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_and_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_line_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_error_and_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test(test_notice_cmd_parse),
        cmocka_unit_test(test_doc_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
