#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_result.h"
#include "bl_trap_config.h"

static const char good[] = "[trap]\n"
                           "fatal_severity = critical\n"
                           "fatal_oids = 1.3.6.1.4.1.99999.0.1; 1.3.6.1.4.1.99999.0.9\n"
                           "\n"
                           "[trap-node n1]\n"
                           "address = 10.231.2.11:1162\n"
                           "bmc = 10.231.2.21\n"
                           "community = hush-hush\n"
                           "v3_user = bmcuser\n"
                           "v3_engine_id = 0x8000000001020304\n"
                           "v3_auth_pass = authpass1\n"
                           "v3_priv_pass = privpass1\n"
                           "\n"
                           "[trap-node n2]\n"
                           "address = 10.231.2.12\n"
                           "bmc = 10.231.2.22\n"
                           "community = other-secret\n"
                           "\n"
                           "[trap-forward 1]\n"
                           "target = 127.0.0.1:10162\n"
                           "community = fwd-secret\n";

static char *
write_conf(const char *text, mode_t mode)
{
    char *path = strdup("/tmp/test_trap_config.XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    chmod(path, mode);
    return path;
}

static int
load(const char *text, const char *node, struct bl_trap_node_config *cfg, char *err)
{
    char *path = write_conf(text, 0600);
    char *msg = NULL;
    int rc = bl_trap_config_load(path, node, cfg, &msg);

    g_strlcpy(err, msg != NULL ? msg : "", 256);
    g_free(msg);
    assert_true(rc == 0 || err[0] != '\0');
    unlink(path);
    free(path);
    return rc;
}

static void
test_good(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];

    assert_int_equal(load(good, "n1", &cfg, err), 0);
    assert_int_equal(cfg.listen.port, 1162);
    assert_int_equal(cfg.policy.fatal_severity, 0x10);
    assert_int_equal(cfg.policy.n_fatal_oids, 2);
    assert_int_equal(cfg.policy.community_len, 9);
    assert_string_equal(cfg.policy.v3_user, "bmcuser");
    assert_int_equal(cfg.v3.engine_id_len, 8);
    assert_int_equal(cfg.v3.auth, BL_TRAP_AUTH_SHA1);
    assert_int_equal(cfg.policy.dedup_window_s, 60);
    assert_true(cfg.policy.accept_v1);
    assert_int_equal(cfg.n_forward, 1);
    assert_int_equal(cfg.forward[0].version, BL_TRAP_V2C);
    assert_int_equal(load(good, "n2", &cfg, err), 0);
    assert_int_equal(cfg.listen.port, 162);
}

static void
test_defaults_without_trap_group(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];

    assert_int_equal(load("[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\ncommunity = c\n",
                          "n1", &cfg, err),
                     0);
    assert_true(cfg.policy.accept_v1);
    assert_true(cfg.policy.accept_v2c);
    assert_int_equal(cfg.policy.fatal_severity, BL_PET_SEV_NON_RECOVERABLE);
    assert_int_equal(cfg.policy.replay_window_s, 300);
}

static void
test_missing_node(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];

    assert_int_equal(load(good, "n9", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "[trap-node n9]"));
}

static void
test_error_names_line(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];
    const char *text = "[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\n"
                       "community = x\nadress = 10.0.0.3\n";

    assert_int_equal(load(text, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, ":5: [trap-node n1] adress: unknown key"));
    text = "[trap]\ndedup_window = 2d\n[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\n";
    assert_int_equal(load(text, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, ":2: [trap] dedup_window: invalid value '2d'"));
}

/* Every problem at once, and the spellings of bl_conf.h (on/off, durations with units). */
static void
test_every_error_and_spellings(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];
    const char *text = "[trap]\ndedup_window = 10s\nreplay_window = PT2M\naccept_v1 = off\n"
                       "[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\ncommunity = c\n"
                       "[trap-forward 1]\ntarget = 127.0.0.1\ncommunity = f\ninform = on\n";

    assert_int_equal(load(text, "n1", &cfg, err), 0);
    assert_int_equal(cfg.policy.dedup_window_s, 10);
    assert_int_equal(cfg.policy.replay_window_s, 120);
    assert_false(cfg.policy.accept_v1);
    assert_true(cfg.forward[0].inform);
    text = "[trap]\naccept_v1 = maybe\n[trap-node n1]\naddress = 10.0.0.1\nbmc = nowhere\n"
           "community = c\n";
    assert_int_equal(load(text, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, ":2: [trap] accept_v1: invalid value 'maybe'"));
    assert_non_null(strstr(err, ":5: [trap-node n1] bmc: invalid value 'nowhere'"));
}

static void
test_secret_not_echoed(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];
    const char *text = "[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\n"
                       "v3_user = u\nv3_engine_id = 0102030405\nv3_auth_pass = short\n";

    assert_int_equal(load(text, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "v3_auth_pass"));
    assert_null(strstr(err, "short"));
}

static void
test_required_and_coherent(void **state)
{
    struct bl_trap_node_config cfg;
    char err[256];

    assert_int_equal(load("[trap-node n1]\naddress = 10.0.0.1\ncommunity = c\n", "n1", &cfg, err),
                     BL_E_INVALID);
    assert_non_null(strstr(err, "[trap-node n1] bmc: missing (required)"));
    assert_int_equal(load("[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\n", "n1", &cfg, err),
                     BL_E_INVALID);
    assert_non_null(strstr(err, "nothing could be accepted"));
    assert_int_equal(load("[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\nv3_user = u\n"
                          "v3_engine_id = 0102030405\nv3_auth_pass = 12345678\n",
                          "n1", &cfg, err),
                     BL_E_INVALID);
    assert_non_null(strstr(err, "authPriv"));
}

static void
test_forward_limit(void **state)
{
    GString *s =
        g_string_new("[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\ncommunity = c\n");
    struct bl_trap_node_config cfg;
    char err[256];

    for (int i = 1; i <= BL_TRAP_FORWARD_MAX + 1; i++) {
        g_string_append_printf(s, "[trap-forward %d]\ntarget = 127.0.0.1:%d\ncommunity = c\n", i,
                               10000 + i);
    }
    assert_int_equal(load(s->str, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "at most 5"));
    g_string_free(s, TRUE);
}

static void
add_v3_forward(GString *s, int n, const char *engine_tail, const char *auth_pass)
{
    g_string_append_printf(s,
                           "[trap-forward %d]\ntarget = 127.0.0.1:%d\nversion = v3\n"
                           "v3_user = fwd\nv3_engine_id = 0x80001f8804%s\nv3_auth_pass = %s\n"
                           "v3_priv_pass = priv-pass-1\n",
                           n, 10000 + n, engine_tail, auth_pass);
}

/* Two v3 forwards with the same user and engine but other keys: net-snmp would keep one. */
static void
test_forward_v3_clash(void **state)
{
    GString *s =
        g_string_new("[trap-node n1]\naddress = 10.0.0.1\nbmc = 10.0.0.2\ncommunity = c\n");
    struct bl_trap_node_config cfg;
    char err[256];

    add_v3_forward(s, 1, "0102", "auth-pass-1");
    add_v3_forward(s, 2, "0102", "auth-pass-1"); /* same keys: one user, fine */
    add_v3_forward(s, 3, "0103", "auth-pass-2"); /* another engine: fine */
    assert_int_equal(load(s->str, "n1", &cfg, err), 0);
    assert_int_equal(cfg.n_forward, 3);
    assert_int_equal(cfg.forward[0].version, BL_TRAP_V3);
    assert_int_equal(cfg.forward[0].v3.auth, BL_TRAP_AUTH_SHA1);
    g_string_append(s, "[trap-forward 5]\ntarget = 127.0.0.1\ncommunity = c\ninform = true\n");
    assert_int_equal(load(s->str, "n1", &cfg, err), 0);
    assert_true(cfg.forward[3].inform);
    assert_false(cfg.forward[0].inform);
    g_string_append(s, "[trap-forward 6]\ntarget = 127.0.0.1\nversion = v3\nv3_user = x\n"
                       "v3_engine_id = 0x80001f880409\nv3_auth_pass = auth-pass-9\n"
                       "v3_priv_pass = priv-pass-9\ninform = true\n");
    assert_int_equal(load(s->str, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "[trap-forward 6] inform"));
    g_string_truncate(s, strstr(s->str, "[trap-forward 5]") - s->str);
    add_v3_forward(s, 4, "0102", "auth-pass-2");
    assert_int_equal(load(s->str, "n1", &cfg, err), BL_E_INVALID);
    assert_non_null(strstr(err, "[trap-forward 4] v3_engine_id"));
    assert_null(strstr(err, "auth-pass"));
    g_string_free(s, TRUE);
}

static void
test_world_readable_refused(void **state)
{
    char *path = write_conf(good, 0644);
    char *err = NULL;

    assert_int_equal(bl_trap_config_check(path, &err), BL_E_INVALID);
    assert_non_null(strstr(err, ":8: [trap-node n1] community: a secret in a world-readable file"));
    assert_null(strstr(err, "hush-hush"));
    g_free(err);
    err = NULL;
    chmod(path, 0640);
    assert_int_equal(bl_trap_config_check(path, &err), 0);
    assert_null(err);
    unlink(path);
    free(path);
    assert_int_equal(bl_trap_config_check("/nonexistent/x.conf", &err), -ENOENT);
    g_free(err);
}

static void
test_engine_id(void **state)
{
    uint8_t id[BL_TRAP_ENGINE_ID_MAX];
    size_t len;

    assert_int_equal(bl_trap_engine_id_parse("0x0102030405", id, &len), 0);
    assert_int_equal(len, 5);
    assert_int_equal(bl_trap_engine_id_parse("01020304", id, &len), BL_E_INVALID);
    assert_int_equal(bl_trap_engine_id_parse("010203040g", id, &len), BL_E_INVALID);
    assert_int_equal(bl_trap_engine_id_parse("0102030405060", id, &len), BL_E_INVALID);
}

static void
test_key_table(void **state)
{
    size_t n = 0;
    struct bl_trap_node_config cfg;
    struct bl_trap_forward fwd;

    for (const struct bl_conf_key *k = bl_trap_conf_keys; k->key != NULL; k++, n++) {
        assert_non_null(k->description);
    }
    assert_true(n > 10);
    /* every default parses */
    assert_int_equal(bl_conf_defaults(bl_trap_conf_keys, "trap", &cfg.policy), 0);
    assert_int_equal(bl_conf_defaults(bl_trap_conf_keys, "trap-node", &cfg), 0);
    assert_int_equal(bl_conf_defaults(bl_trap_conf_keys, "trap-forward", &fwd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_every_error_and_spellings),
        cmocka_unit_test(test_defaults_without_trap_group),
        cmocka_unit_test(test_missing_node),
        cmocka_unit_test(test_error_names_line),
        cmocka_unit_test(test_secret_not_echoed),
        cmocka_unit_test(test_required_and_coherent),
        cmocka_unit_test(test_forward_limit),
        cmocka_unit_test(test_forward_v3_clash),
        cmocka_unit_test(test_world_readable_refused),
        cmocka_unit_test(test_engine_id),
        cmocka_unit_test(test_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
