/* Run record (START or FAILOVER) and atomic writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain_record.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static void
test_decide_mode(void **state)
{
    struct bl_run_record clean_here = {.node = "n1", .running = false};
    struct bl_run_record running_here = {.node = "n1", .running = true};
    struct bl_run_record clean_there = {.node = "n2", .running = false};
    struct bl_run_record running_there = {.node = "n2", .running = true};

    /* first start ever */
    assert_int_equal(bl_chain_start_mode_decide(NULL, "n1", false), BL_START_NORMAL);
    /* restart where it stopped cleanly */
    assert_int_equal(bl_chain_start_mode_decide(&clean_here, "n1", false), BL_START_NORMAL);
    /* it ran elsewhere last: the state moved here */
    assert_int_equal(bl_chain_start_mode_decide(&clean_there, "n1", false), BL_START_FAILOVER);
    assert_int_equal(bl_chain_start_mode_decide(&running_there, "n1", true), BL_START_FAILOVER);
    /* never stopped here, and this node rebooted since (no snapshot): crash recovery */
    assert_int_equal(bl_chain_start_mode_decide(&running_here, "n1", false), BL_START_FAILOVER);
    /* never stopped here, but this node still knows its run (recovery in place) */
    assert_int_equal(bl_chain_start_mode_decide(&running_here, "n1", true), BL_START_NORMAL);
    assert_string_equal(bl_chain_start_mode_name(BL_START_FAILOVER), "FAILOVER");
    assert_string_equal(bl_chain_start_mode_name(BL_START_NORMAL), "START");
}

static void
test_record_round_trip(void **state)
{
    g_autofree char *path = g_build_filename(tmpdir, ".bmclink", "esm.run", NULL);
    struct bl_run_record in = {.node = "node-a", .running = true, .mode = BL_START_FAILOVER};
    struct bl_run_record out = {0};

    assert_int_equal(bl_chain_run_record_read(path, &out), -ENOENT);
    assert_int_equal(bl_chain_run_record_write(path, &in), 0); /* creates .bmclink/ */
    assert_int_equal(bl_chain_run_record_read(path, &out), 0);
    assert_string_equal(out.node, "node-a");
    assert_true(out.running);
    assert_int_equal(out.mode, BL_START_FAILOVER);
    assert_true(out.changed > 0);
    bl_chain_run_record_clear(&out);
    assert_true(g_file_set_contents(path, "[run]\nnode=x\nstate=exploded\n", -1, NULL));
    assert_int_equal(bl_chain_run_record_read(path, &out), BL_E_INVALID);
    assert_true(g_file_set_contents(path, "garbage without groups\n", -1, NULL));
    assert_int_equal(bl_chain_run_record_read(path, &out), BL_E_INVALID);
    g_unlink(path);
}

/* An atomic write leaves only the file: no temporary beside it. */
static void
test_atomic_write(void **state)
{
    g_autofree char *path = g_build_filename(tmpdir, "f.txt", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;
    int n = 0;

    assert_int_equal(bl_chain_file_write_atomic(path, "one", 3, 0600), 0);
    assert_int_equal(bl_chain_file_write_atomic(path, "two", 3, 0600), 0);
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_string_equal(text, "two");
    dir = g_dir_open(tmpdir, 0, NULL);
    while ((name = g_dir_read_name(dir)) != NULL) {
        n += g_str_has_prefix(name, "f.txt") ? 1 : 0;
    }
    assert_int_equal(n, 1);
    assert_int_equal(bl_chain_file_write_atomic("/nonexistent/dir/f", "x", 1, 0600), -ENOENT);
    g_unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_mode),
        cmocka_unit_test(test_record_round_trip),
        cmocka_unit_test(test_atomic_write),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
