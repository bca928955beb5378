/*
 * A chain file's commands run as root: a file others could change is refused, with the
 * reason, before it is read (resource/chain_file.c), for the main file and its includes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>

#include "bl_result.h"
#include "chain.h"
#include "chain_file.h"

static const struct bl_chain_defaults defaults = {45000, 15000, NULL};
static const char chain_text[] = "[chain]\nname = demo\n\n[member base]\nkind = systemd\n"
                                 "unit = nvbase\n";

static void
load_with_mode(const char *dir, const char *name, const char *text, mode_t mode, int want,
               const char *why)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *err = NULL;
    struct bl_chain *c = NULL;

    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(chmod(path, mode), 0);
    assert_int_equal(bl_chain_load_file(path, &defaults, &c, &err), want);
    if (why != NULL) {
        assert_non_null(err);
        if (strstr(err, why) == NULL) {
            fail_msg("'%s' not in: %s", why, err);
        }
    }
    bl_chain_free(c);
}

static void
test_writable_refused(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_chain_file_XXXXXX", NULL);

    load_with_mode(dir, "ok.chain", chain_text, 0644, 0, NULL);
    load_with_mode(dir, "group.chain", chain_text, 0664, -EPERM, "group- or world-writable");
    load_with_mode(dir, "world.chain", chain_text, 0646, -EPERM, "group- or world-writable");
    /* An include is checked like the main file. */
    g_autofree char *inc = g_build_filename(dir, "inc.chain", NULL);
    g_autofree char *main_text = g_strdup_printf("[chain]\nname = top\ninclude = %s\n", inc);
    assert_true(g_file_set_contents(inc, chain_text + strlen("[chain]\nname = demo\n"), -1, NULL));
    assert_int_equal(chmod(inc, 0666), 0);
    load_with_mode(dir, "top.chain", main_text, 0644, BL_E_INVALID, "group- or world-writable");
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void
test_checks(void **state)
{
    assert_null(bl_chain_file_unsafe("/nonexistent/x.chain")); /* the read says it */
    assert_null(bl_chain_file_unsafe("/etc/passwd"));          /* root's, 0644 */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writable_refused),
        cmocka_unit_test(test_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
