/* Unit tests of fence_bmclink's option table: argv, stdin, validation, generated docs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "bl_conf.h"
#include "bl_fence_opt.h"
#include "bl_result.h"

/* Parse a NULL-terminated list of arguments (copied: the parser wipes secrets in place). */
static int
parse_args(struct bl_fence_opts *o, char *err, const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    int rc;

    argv[argc++] = g_strdup("fence_bmclink");
    va_start(ap, first);
    for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
        argv[argc++] = g_strdup(a);
    }
    va_end(ap);
    argv[argc] = NULL;
    rc = bl_fence_opts_parse_argv(o, argc, argv, err, 256);
    for (int i = 0; i < argc; i++) {
        g_free(argv[i]);
    }
    return rc;
}

static int
parse_text(struct bl_fence_opts *o, char *err, const char *text)
{
    FILE *in = fmemopen((void *) text, strlen(text), "r");
    int rc = bl_fence_opts_parse_stream(o, in, err, 256);

    fclose(in);
    return rc;
}

static int
resolve(const char *text, struct bl_fence_config *cfg, char *err)
{
    struct bl_fence_opts o;
    int rc;

    bl_fence_opts_init(&o);
    rc = parse_text(&o, err, text);
    if (rc == BL_OK) {
        rc = bl_fence_opts_resolve(&o, cfg, err, 256);
    }
    bl_fence_opts_clear(&o);
    return rc;
}

static void
test_argv_full(void **state)
{
    struct bl_fence_opts o;
    struct bl_fence_config cfg;
    char err[256];

    bl_fence_opts_init(&o);
    assert_int_equal(parse_args(&o, err, "-a", "10.0.0.1", "-u", "6230", "-l", "admin", "-p", "pw",
                                "-o", "off", "-C", "3", "-L", "operator", "-m", "cycle",
                                "--power-timeout=7", "-v", "-v", "--lanplus=1", NULL),
                     BL_OK);
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.action, BL_FENCE_OFF);
    assert_string_equal(cfg.ip, "10.0.0.1");
    assert_int_equal(cfg.ipmi.port, 6230);
    assert_string_equal(cfg.ipmi.username, "admin");
    assert_string_equal(cfg.ipmi.password, "pw");
    assert_int_equal(cfg.ipmi.priv, BL_IPMI_PRIV_OPERATOR);
    assert_int_equal(cfg.method, BL_FENCE_METHOD_CYCLE);
    assert_int_equal(cfg.power_timeout_s, 7);
    assert_int_equal(cfg.verbose_level, 2);
    assert_true(cfg.ipmi.lanplus);
    bl_fence_config_clear(&cfg);
    bl_fence_opts_clear(&o);
}

static void
test_argv_defaults(void **state)
{
    struct bl_fence_opts o;
    struct bl_fence_config cfg;
    char err[256];

    bl_fence_opts_init(&o);
    assert_int_equal(parse_args(&o, err, "-a", "bmc-1.example", NULL), BL_OK);
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.action, BL_FENCE_REBOOT);
    assert_int_equal(cfg.ipmi.port, 623);
    assert_int_equal(cfg.ipmi.cipher, BL_IPMI_CIPHER_AUTO);
    assert_true(cfg.ipmi.lanplus);
    assert_int_equal(cfg.power_wait_s, 0);
    assert_int_equal(cfg.power_timeout_s, 20);
    assert_int_equal(cfg.login_timeout_s, 5);
    assert_int_equal(cfg.retry_on, 1);
    assert_int_equal(cfg.method, BL_FENCE_METHOD_ONOFF);
    bl_fence_config_clear(&cfg);
    bl_fence_opts_clear(&o);
}

static void
test_argv_wipes_password(void **state)
{
    struct bl_fence_opts o;
    char pw[] = "--password=hunter2";
    char kg[] = "abcd";
    char *argv[] = {"fence_bmclink", "-a", "10.0.0.1", pw, "--hexadecimal-kg", kg, NULL};
    char err[256];

    bl_fence_opts_init(&o);
    assert_int_equal(bl_fence_opts_parse_argv(&o, 6, argv, err, sizeof(err)), BL_OK);
    assert_string_equal(pw, "--password="); /* the value is gone from argv memory */
    assert_null(strstr(pw + 11 + 1, "hunter2"));
    assert_int_equal(kg[0], '\0');
    assert_string_equal(o.val[BL_FOPT_PASSWORD], "hunter2");
    bl_fence_opts_clear(&o);
    assert_null(o.val[BL_FOPT_PASSWORD]);
}

static void
test_argv_errors(void **state)
{
    struct bl_fence_opts o;
    char err[256];

    bl_fence_opts_init(&o);
    assert_int_equal(parse_args(&o, err, "--bogus", NULL), BL_E_INVALID);
    assert_non_null(strstr(err, "--bogus"));
    bl_fence_opts_clear(&o);
    assert_int_equal(parse_args(&o, err, "-Z", NULL), BL_E_INVALID);
    assert_non_null(strstr(err, "-Z"));
    bl_fence_opts_clear(&o);
    assert_int_equal(parse_args(&o, err, "-a", NULL), BL_E_INVALID);
    assert_non_null(strstr(err, "requires an argument"));
    bl_fence_opts_clear(&o);
    /* fencing.py: --plug on the command line only with --port-as-ip */
    assert_int_equal(parse_args(&o, err, "-n", "node1", NULL), BL_E_INVALID);
    bl_fence_opts_clear(&o);
}

static void
test_stdin_pacemaker_style(void **state)
{
    struct bl_fence_config cfg;
    char err[256];
    const char *text = "# written by pacemaker-fenced\n"
                       "action=off\n"
                       "ipaddr=192.0.2.7\n"
                       "login=admin\n"
                       "passwd=\"s3cret\"\n"
                       "lanplus=true\n"
                       "power-timeout=9\n"
                       "nodename=node2\n"
                       "port=node2\n"
                       "pcmk_host_list=node2\n"
                       "verbose=1\n"
                       "ipmitool_path=/usr/bin/ipmitool\n"
                       "\n";

    assert_int_equal(resolve(text, &cfg, err), BL_OK);
    assert_int_equal(cfg.action, BL_FENCE_OFF);
    assert_string_equal(cfg.ip, "192.0.2.7"); /* port=node2 is not the address */
    assert_string_equal(cfg.ipmi.username, "admin");
    assert_string_equal(cfg.ipmi.password, "s3cret");
    assert_int_equal(cfg.power_timeout_s, 9);
    assert_string_equal(cfg.nodename, "node2");
    assert_int_equal(cfg.verbose_level, 1);
    bl_fence_config_clear(&cfg);
}

/* Seconds as Pacemaker spells durations, in whole seconds (the config engine's parser). */
static void
test_seconds_spellings(void **state)
{
    struct bl_fence_config cfg;
    char err[256];

    assert_int_equal(resolve("ip=192.0.2.7\npower_timeout=2min\nshell_timeout=PT4S\n", &cfg, err),
                     BL_OK);
    assert_int_equal(cfg.power_timeout_s, 120);
    assert_int_equal(cfg.shell_timeout_s, 4);
    bl_fence_config_clear(&cfg);
    assert_int_equal(resolve("ip=192.0.2.7\npower_timeout=1500ms\n", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "valid time in seconds"));
    assert_int_equal(resolve("ip=192.0.2.7\npower_timeout=2d\n", &cfg, err), BL_E_INVALID);
}

static void
test_stdin_port_as_ip(void **state)
{
    struct bl_fence_config cfg;
    char err[256];

    assert_int_equal(resolve("action=status\nport_as_ip=1\nport=10.1.1.1\n", &cfg, err), BL_OK);
    assert_string_equal(cfg.ip, "10.1.1.1");
    bl_fence_config_clear(&cfg);
}

static void
test_validation_errors(void **state)
{
    static const struct {
        const char *text;
        const char *needle;
        int rc;
    } cases[] = {
        {"action=status\n", "fence address", BL_E_INVALID},
        {"action=dance\nip=1.2.3.4\n", "Unrecognised action", BL_E_INVALID},
        {"ip=1.2.3.999\n", "not a valid IP", BL_E_INVALID},
        {"ip=bad host\n", "not a valid IP", BL_E_INVALID},
        {"ip=::zz\n", "not a valid IP", BL_E_INVALID},
        {"ip=1.2.3.4\nipport=70000\n", "1..65535", BL_E_INVALID},
        {"ip=1.2.3.4\npower_timeout=soon\n", "valid time in seconds", BL_E_INVALID},
        {"ip=1.2.3.4\npower_timeout=-1\n", "valid time in seconds", BL_E_INVALID},
        {"ip=1.2.3.4\ncipher=0\n", "allow_weak_crypto", BL_E_WEAK_CRYPTO},
        {"ip=1.2.3.4\ncipher=4\n", "RC4", BL_E_UNSUPPORTED},
        {"ip=1.2.3.4\ncipher=2\n", "allow_weak_crypto", BL_E_WEAK_CRYPTO},
        {"ip=1.2.3.4\ncipher=x\n", "0..19", BL_E_INVALID},
        {"ip=1.2.3.4\nlanplus=0\nauth=none\n", "allow_weak_crypto", BL_E_WEAK_CRYPTO},
        {"ip=1.2.3.4\nprivlvl=root\n", "valid values", BL_E_INVALID},
        {"ip=1.2.3.4\nmethod=yank\n", "onoff, cycle", BL_E_INVALID},
        {"ip=1.2.3.4\nhexadecimal_kg=xyz\n", "hexadecimal", BL_E_INVALID},
        {"ip=1.2.3.4\nusername=aaaaaaaaaaaaaaaaa\n", "16 bytes", BL_E_INVALID},
        {"ip=1.2.3.4\npassword=aaaaaaaaaaaaaaaaaaaaa\n", "20 bytes", BL_E_INVALID},
        {"ip=1.2.3.4\ntarget=0x82\n", "IPMB bridging", BL_E_INVALID},
    };
    char err[256];

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct bl_fence_config cfg;
        int rc = resolve(cases[i].text, &cfg, err);

        if (rc != cases[i].rc || strstr(err, cases[i].needle) == NULL) {
            fail_msg("case %zu: rc %d err '%s'", i, rc, err);
        }
        assert_null(strchr(err, '\n')); /* one line */
        bl_fence_config_clear(&cfg);
    }
}

static void
test_weak_allowed_explicitly(void **state)
{
    struct bl_fence_config cfg;
    char err[256];

    assert_int_equal(resolve("ip=1.2.3.4\ncipher=0\nallow_weak_crypto=yes\n", &cfg, err), BL_OK);
    assert_int_equal(cfg.ipmi.cipher, 0);
    bl_fence_config_clear(&cfg);
    assert_int_equal(resolve("ip=1.2.3.4\nlanplus=off\n", &cfg, err), BL_OK);
    assert_false(cfg.ipmi.lanplus);
    assert_int_equal(cfg.ipmi.auth15, BL_IPMI_AUTH15_MD5);
    bl_fence_config_clear(&cfg);
}

static void
test_doc_actions_need_nothing(void **state)
{
    struct bl_fence_config cfg;
    char err[256];

    assert_int_equal(resolve("action=metadata\n", &cfg, err), BL_OK);
    assert_int_equal(cfg.action, BL_FENCE_METADATA);
    bl_fence_config_clear(&cfg);
    assert_int_equal(resolve("action=meta-data\n", &cfg, err), BL_OK);
    assert_int_equal(cfg.action, BL_FENCE_METADATA);
    bl_fence_config_clear(&cfg);
}

static void
test_stdin_limits(void **state)
{
    struct bl_fence_opts o;
    char err[256];
    size_t n = 1100 * 1024;
    char *big = g_malloc(n + 1);

    memset(big, 'x', n);
    big[n] = '\0';
    bl_fence_opts_init(&o);
    assert_int_equal(parse_text(&o, err, big), BL_E_INVALID);
    bl_fence_opts_clear(&o);
    g_free(big);
}

static void
test_parse_bool_and_actions(void **state)
{
    enum bl_fence_action a;
    bool b;

    assert_int_equal(bl_conf_parse_bool("ON", &b), BL_OK);
    assert_true(b);
    assert_int_equal(bl_conf_parse_bool("False", &b), BL_OK);
    assert_false(b);
    assert_int_equal(bl_conf_parse_bool("2", &b), BL_E_INVALID);
    assert_int_equal(bl_fence_action_parse("validate-all", &a), BL_OK);
    assert_string_equal(bl_fence_action_name(a), "validate-all");
    assert_int_equal(bl_fence_action_parse("DIAG", &a), BL_OK);
    assert_int_equal(a, BL_FENCE_DIAG);
}

/* The metadata must be well-formed XML with each visible option, and aliases marked. */
static void
test_metadata_xml(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    GMarkupParser parser = {0};
    GMarkupParseContext *pc;

    bl_fence_print_metadata(out, BL_FENCE_ALIAS_NONE);
    fclose(out);
    pc = g_markup_parse_context_new(&parser, 0, NULL, NULL);
    assert_true(g_markup_parse_context_parse(pc, buf, (gssize) len, NULL));
    assert_true(g_markup_parse_context_end_parse(pc, NULL));
    g_markup_parse_context_free(pc);
    assert_non_null(strstr(buf, "<parameter name=\"ip\" unique=\"0\" required=\"0\" "
                                "obsoletes=\"ipaddr\">"));
    assert_non_null(strstr(buf, "<parameter name=\"ipaddr\" unique=\"0\" required=\"0\" "
                                "deprecated=\"1\">"));
    assert_non_null(strstr(buf, "name=\"password_script\""));
    assert_non_null(strstr(buf, "<action name=\"diag\" />"));
    assert_non_null(strstr(buf, "<action name=\"on\" automatic=\"0\"/>"));
    /* fence_ipmilan's options pcs must find, the old names marked as fencing.py marks them */
    assert_non_null(strstr(buf, "<parameter name=\"ipmitool_path\""));
    assert_non_null(strstr(buf, "<parameter name=\"target\""));
    assert_non_null(strstr(buf, "<parameter name=\"plug_separator\""));
    assert_non_null(strstr(buf, "<parameter name=\"sudo\" unique=\"0\" required=\"0\" "
                                "deprecated=\"1\">"));
    assert_non_null(strstr(buf, "<parameter name=\"use_sudo\" unique=\"0\" required=\"0\" "
                                "obsoletes=\"sudo\">"));
    /* no list: Pacemaker's default host check would believe what it printed */
    assert_null(strstr(buf, "<action name=\"list\""));
    assert_null(strstr(buf, "<action name=\"list-status\""));
    assert_non_null(strstr(buf, "<symlink name=\"fence_bmclink_ilo3\""));
    free(buf);
}

/* Run as fence_bmclink_ilo3, the agent takes fence_ilo3's power_wait and says its name. */
static void
test_alias_defaults(void **state)
{
    struct bl_fence_config cfg;
    struct bl_fence_opts o;
    char err[256];
    char *buf = NULL;
    size_t len = 0;
    FILE *out;

    assert_int_equal(bl_fence_alias_from_argv0("/usr/sbin/fence_bmclink_ilo3"),
                     BL_FENCE_ALIAS_ILO3);
    assert_int_equal(bl_fence_alias_from_argv0("fence_bmclink_idrac"), BL_FENCE_ALIAS_IDRAC);
    assert_int_equal(bl_fence_alias_from_argv0("/usr/sbin/fence_ilo3"), BL_FENCE_ALIAS_NONE);
    assert_int_equal(bl_fence_alias_from_argv0(NULL), BL_FENCE_ALIAS_NONE);
    assert_string_equal(bl_fence_alias_counterpart(BL_FENCE_ALIAS_ILO4), "fence_ilo4");
    bl_fence_opts_init(&o);
    o.alias = BL_FENCE_ALIAS_ILO3;
    o.val[BL_FOPT_IP] = g_strdup("10.0.0.1");
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.power_wait_s, 4);
    assert_true(cfg.ipmi.lanplus);
    bl_fence_config_clear(&cfg);
    o.alias = BL_FENCE_ALIAS_IDRAC;
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.power_wait_s, 0);
    bl_fence_config_clear(&cfg);
    bl_fence_opts_clear(&o);
    out = open_memstream(&buf, &len);
    bl_fence_print_metadata(out, BL_FENCE_ALIAS_ILO3);
    fclose(out);
    assert_non_null(strstr(buf, "<resource-agent name=\"fence_bmclink_ilo3\""));
    assert_non_null(strstr(buf, "<content type=\"second\" default=\"4\" "));
    assert_null(strstr(buf, "<symlink name=\"fence_bmclink_ilo3\""));
    free(buf);
}

/* Timeouts as fencing.py reads them: 0 and disable_timeout mean no bound of the agent's
 * own; ipmitool_timeout is ipmitool's -N, the retransmit interval. */
static void
test_timeouts_as_fencing_py(void **state)
{
    struct bl_fence_config cfg;
    struct bl_fence_opts o;
    char err[256];

    bl_fence_opts_init(&o);
    o.val[BL_FOPT_IP] = g_strdup("10.0.0.1");
    o.val[BL_FOPT_LOGIN_TIMEOUT] = g_strdup("15");
    o.val[BL_FOPT_POWER_TIMEOUT] = g_strdup("0");
    o.val[BL_FOPT_IPMITOOL_TIMEOUT] = g_strdup("2");
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.login_timeout_s, 15);
    assert_int_equal(cfg.shell_timeout_s, 3);
    assert_int_equal(cfg.power_timeout_s, 86400);
    assert_int_equal(cfg.ipmi.msg_timeout_ms, 2000);
    bl_fence_config_clear(&cfg);
    o.val[BL_FOPT_DISABLE_TIMEOUT] = g_strdup("true");
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_OK);
    assert_int_equal(cfg.login_timeout_s, 86400);
    assert_int_equal(cfg.shell_timeout_s, 86400);
    bl_fence_config_clear(&cfg);
    g_free(o.val[BL_FOPT_DISABLE_TIMEOUT]);
    o.val[BL_FOPT_DISABLE_TIMEOUT] = g_strdup("false");
    o.val[BL_FOPT_IPMITOOL_TIMEOUT][0] = '0';
    assert_int_equal(bl_fence_opts_resolve(&o, &cfg, err, sizeof(err)), BL_E_INVALID);
    assert_non_null(strstr(err, "ipmitool-timeout"));
    bl_fence_config_clear(&cfg);
    bl_fence_opts_clear(&o);
}

static void
test_help_and_manpage(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    bl_fence_print_help(out, BL_FENCE_ALIAS_NONE);
    fclose(out);
    assert_non_null(strstr(buf, "-S, --password-script=[script]"));
    assert_non_null(strstr(buf, "--power-wait=[seconds]"));
    free(buf);
    out = open_memstream(&buf, &len);
    bl_fence_print_manpage(out);
    fclose(out);
    assert_non_null(strstr(buf, ".TH FENCE_BMCLINK 8"));
    assert_non_null(strstr(buf, "\\fB\\-\\-hexadecimal\\-kg\\fR"));
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_full),
        cmocka_unit_test(test_argv_defaults),
        cmocka_unit_test(test_argv_wipes_password),
        cmocka_unit_test(test_argv_errors),
        cmocka_unit_test(test_stdin_pacemaker_style),
        cmocka_unit_test(test_stdin_port_as_ip),
        cmocka_unit_test(test_seconds_spellings),
        cmocka_unit_test(test_validation_errors),
        cmocka_unit_test(test_weak_allowed_explicitly),
        cmocka_unit_test(test_doc_actions_need_nothing),
        cmocka_unit_test(test_stdin_limits),
        cmocka_unit_test(test_parse_bool_and_actions),
        cmocka_unit_test(test_metadata_xml),
        cmocka_unit_test(test_alias_defaults),
        cmocka_unit_test(test_timeouts_as_fencing_py),
        cmocka_unit_test(test_help_and_manpage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
