/*
 * Secrets are wiped before their memory is freed (issue 13, item 7): loading bmclink.conf
 * (a community and SNMPv3 passphrases) frees no buffer of ours that still holds one. g_free
 * is wrapped at link time (-Wl,--wrap=g_free), so every buffer our code frees is looked at;
 * GLib's own internal copies (GKeyFile's) are out of our reach and out of this test's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <string.h>
#include <sys/stat.h>

#include "bl_result.h"
#include "bl_trap_config.h"

#define COMMUNITY "Zq7-community-secret"
#define AUTHPASS "Zq7-auth-passphrase"
#define PRIVPASS "Zq7-priv-passphrase"

static unsigned freed_with_secret;

void __real_g_free(gpointer p);
void __wrap_g_free(gpointer p);

void
__wrap_g_free(gpointer p)
{
    static const char *const secrets[] = {COMMUNITY, AUTHPASS, PRIVPASS};

    for (size_t i = 0; p != NULL && i < G_N_ELEMENTS(secrets); i++) {
        if (memmem(p, malloc_usable_size(p), secrets[i], strlen(secrets[i])) != NULL) {
            freed_with_secret++;
        }
    }
    __real_g_free(p);
}

static void
test_config_load_wipes(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_secret_wipe_XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "bmclink.conf", NULL);
    const char *text = "[trap-node n1]\n"
                       "address = 127.0.0.1:1162\n"
                       "bmc = 127.0.0.2\n"
                       "community = " COMMUNITY "\n"
                       "v3_user = bmcnotice\n"
                       "v3_engine_id = 0x80001f8880aabbccddeeff0011\n"
                       "v3_auth_pass = " AUTHPASS "\n"
                       "v3_priv_pass = " PRIVPASS "\n";
    struct bl_trap_node_config cfg;
    g_autofree char *err = NULL;

    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(chmod(path, 0600), 0);
    freed_with_secret = 0;
    assert_int_equal(bl_trap_config_load(path, "n1", &cfg, &err), BL_OK);
    assert_int_equal(freed_with_secret, 0);
    explicit_bzero(&cfg, sizeof(cfg));
    g_remove(path);
    g_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_load_wipes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
