/* Site conditions in chain files: when =, [chain] version/features/series, [outside] entries
 * and their hooks, [folder] sections; errors with file and line; the resolved text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain.h"

#include <glib.h>
#include <string.h>

static const char profile[] = "[chain]\n"
                              "name = prof\n"
                              "series = 6\n"
                              "[member base]\n"
                              "kind = systemd\n"
                              "unit = base\n"
                              "[member dmi]\n"
                              "kind = systemd\n"
                              "unit = dmi\n"
                              "when = dmi_events\n"
                              "[member bridge]\n"
                              "kind = systemd\n"
                              "unit = bridge\n"
                              "when = version >= 6.40\n"
                              "[member web]\n"
                              "kind = systemd\n"
                              "unit = web\n"
                              "[outside main]\n"
                              "kind = systemd\n"
                              "unit = main\n"
                              "when = main_service\n"
                              "before_stop = stop\n"
                              "after_stop = start\n"
                              "before_start = stop if old_mg\n"
                              "[folder work]\n"
                              "path = NVWORK\n"
                              "mode = 0775\n"
                              "[folder db]\n"
                              "path = ESMWEB/db\n"
                              "optional = yes\n"
                              "when = version >= 6.40\n";

static struct bl_chain *
load_site(const char *site_keys, char **err)
{
    g_autofree char *prof = tmp_path("prof.chain");
    g_autofree char *site = tmp_path("site.chain");
    g_autofree char *text = g_strdup_printf("[chain]\nname = site\ninclude = prof\n%s", site_keys);
    struct bl_chain *c = NULL;

    assert_true(g_file_set_contents(prof, profile, -1, NULL));
    assert_true(g_file_set_contents(site, text, -1, NULL));
    *err = NULL;
    bl_chain_load_file(site, NULL, &c, err);
    return c;
}

static void
assert_contains(const char *haystack, const char *needle)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL) {
        fail_msg("'%s' not found in:\n%s", needle, haystack != NULL ? haystack : "(null)");
    }
}

static void
test_version_compare(void **state)
{
    int cmp = 9;

    (void) state;
    assert_int_equal(bl_chain_version_compare("5.5", "5.49", &cmp), 0);
    assert_true(cmp > 0); /* 5.5 is 5.50 */
    assert_int_equal(bl_chain_version_compare("5.5", "5.66", &cmp), 0);
    assert_true(cmp < 0);
    assert_int_equal(bl_chain_version_compare("6.4", "6.40", &cmp), 0);
    assert_int_equal(cmp, 0);
    assert_int_equal(bl_chain_version_compare("6", "6.0", &cmp), 0);
    assert_int_equal(cmp, 0);
    assert_int_equal(bl_chain_version_compare("6.22", "6.40", &cmp), 0);
    assert_true(cmp < 0);
    assert_int_equal(bl_chain_version_compare("6.400", "6.4", &cmp), BL_E_INVALID);
    assert_int_equal(bl_chain_version_compare("v6", "6", &cmp), BL_E_INVALID);
    assert_int_equal(bl_chain_version_compare("6.", "6", &cmp), BL_E_INVALID);
    assert_int_equal(bl_chain_version_compare(NULL, "6", &cmp), BL_E_INVALID);
}

/* An old site without features: conditional members, hooks and folders left out, listed. */
static void
test_left_out_and_listed(void **state)
{
    g_autofree char *err = NULL;
    struct bl_chain *c = load_site("version = 6.22\nfeatures = none\n", &err);

    (void) state;
    assert_non_null(c);
    assert_int_equal(c->n_members, 2);
    assert_string_equal(c->members[0].name, "base");
    assert_string_equal(c->members[1].name, "web");
    assert_int_equal(c->n_outside, 0);
    assert_int_equal(c->n_folders, 1);
    assert_string_equal(c->left_out[0], "member dmi: left out, when = dmi_events, not among the "
                                        "site's features");
    assert_string_equal(c->left_out[1],
                        "member bridge: left out, when = version >= 6.40, the site runs 6.22");
    assert_contains(c->left_out[2], "outside main: left out");
    assert_contains(c->left_out[3], "folder db: left out");
    assert_null(c->left_out[4]);
    bl_chain_free(c);
}

/* A newer site using the features: everything kept; a hook's own condition still applies. */
static void
test_kept_and_hooks(void **state)
{
    g_autofree char *err = NULL;
    struct bl_chain *c = load_site("version = 6.40\nfeatures = dmi_events, main_service\n", &err);

    (void) state;
    assert_non_null(c);
    assert_int_equal(c->n_members, 4);
    assert_string_equal(c->members[2].when, "version >= 6.40");
    assert_int_equal(c->n_outside, 1);
    assert_true(c->outside[0].outside);
    assert_string_equal(c->outside[0].hook[BL_HOOK_BEFORE_STOP], "stop");
    assert_string_equal(c->outside[0].hook[BL_HOOK_AFTER_STOP], "start");
    assert_null(c->outside[0].hook[BL_HOOK_BEFORE_START]); /* old_mg not used */
    assert_contains(c->left_out[0], "outside main: before_start = stop if old_mg left out");
    assert_int_equal(c->n_folders, 2);
    assert_int_equal(c->folders[0].mode, 0775);
    assert_true(c->folders[1].optional);
    bl_chain_free(c);

    c = load_site("version = 6.40\nfeatures = all\n", &err);
    assert_non_null(c);
    assert_string_equal(c->outside[0].hook[BL_HOOK_BEFORE_START], "stop if old_mg");
    assert_null(c->left_out[0]);
    bl_chain_free(c);
}

/* The resolved chain written as text reads back to the same chain (the run snapshot). */
static void
test_resolved_round_trip(void **state)
{
    g_autofree char *err = NULL;
    struct bl_chain *a = load_site("version = 6.22\nfeatures = main_service\n", &err);
    struct bl_chain *b = NULL;
    g_autofree char *text = NULL;
    g_autofree char *err2 = NULL;

    (void) state;
    assert_non_null(a);
    text = bl_chain_to_text(a);
    assert_contains(text, "# member dmi: left out");
    assert_contains(text, "features = main_service\n");
    assert_contains(text, "[outside main]\n");
    assert_contains(text, "[folder work]\npath = NVWORK\nmode = 0775\n");
    if (bl_chain_load_text(text, "<snapshot>", NULL, &b, &err2) != 0) {
        fail_msg("%s", err2);
    }
    assert_true(bl_chain_same_members(a, b));
    assert_int_equal(b->n_outside, 1);
    assert_string_equal(b->outside[0].hook[BL_HOOK_AFTER_STOP], "start");
    assert_int_equal(b->n_folders, 1);
    assert_string_equal(b->version, "6.22");
    bl_chain_free(a);
    bl_chain_free(b);
}

/* What the site must say, and mistakes in it, each reported once and clearly. */
static void
test_site_errors(void **state)
{
    char *err = NULL;

    (void) state;
    assert_null(load_site("version = 6.40\n", &err));
    assert_contains(
        err, "[chain] features: members depend on the site's features (dmi_events main_service "
             "old_mg): say which the site uses with 'features = ...'");
    g_free(err);
    assert_null(load_site("features = none\n", &err));
    assert_contains(
        err,
        "[chain] version: 'bridge' depends on the manager's version: give it with 'version = ...'");
    g_free(err);
    assert_null(load_site("version = 6.40\nfeatures = dmi_event\n", &err));
    assert_contains(err, "feature 'dmi_event' is not one this chain knows (dmi_events "
                         "main_service old_mg)");
    g_free(err);
    assert_null(load_site("version = 5.66\nfeatures = none\n", &err));
    assert_contains(err, "version 5.66 is not a Ver.6 release (series = 6)");
    g_free(err);
    assert_null(load_site("version = six\nfeatures = none\n", &err));
    assert_contains(
        err, "site.chain:4: [chain] version: invalid value 'six' (expected a version such as "
             "6.40");
    g_free(err);
    assert_null(load_site("version = 6.40\nfeatures = DMI\n", &err));
    assert_contains(err, "[chain] features: invalid value 'DMI' (expected feature names");
    g_free(err);
}

static char *
expect_error(const char *text)
{
    struct bl_chain *c = NULL;
    char *err = NULL;

    assert_int_equal(bl_chain_load_text(text, "<inline>", NULL, &c, &err), BL_E_INVALID);
    assert_null(c);
    return err;
}

static void
test_syntax_errors(void **state)
{
    static const char base[] = "[member a]\nkind = systemd\nunit = a\n";
    g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL, *e6 = NULL;

    (void) state;
    e1 = expect_error("[member a]\nkind = systemd\nunit = a\nwhen = version > 6\n");
    assert_contains(
        e1, "<inline>:4: [member a] when: invalid value 'version > 6' (expected a condition");
    e2 = expect_error("[member a]\nkind = systemd\nunit = a\nafter_stop = start\n");
    assert_contains(e2, "<inline>:4: [member a] after_stop: only for [outside] entries");
    g_autofree char *t3 = g_strconcat(base, "[outside o]\nkind = systemd\nunit = o\n", NULL);
    e3 = expect_error(t3);
    assert_contains(e3, "<inline>:4: [outside o]: an [outside] entry needs before_start");
    g_autofree char *t4 =
        g_strconcat(base, "[outside o]\nkind = systemd\nunit = o\nbefore_stop = kill\n", NULL);
    e4 = expect_error(t4);
    assert_contains(e4, "[outside o] before_stop: invalid value 'kill' (expected start or stop");
    g_autofree char *t5 = g_strconcat(base, "[folder w]\npath = /abs\nmode = 999\n", NULL);
    e5 = expect_error(t5);
    assert_contains(e5, "<inline>:5: [folder w] path: invalid value '/abs' (expected a path below");
    assert_contains(e5,
                    "<inline>:6: [folder w] mode: invalid value '999' (expected octal permissions");
    /* a site file cannot turn a profile's member into an [outside] entry */
    assert_null(
        load_site("version = 6.40\nfeatures = none\n[outside base]\nafter_stop = start\n", &e6));
    assert_contains(e6, "site.chain:6: [outside base]: 'base' is already declared as a [member]");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_compare), cmocka_unit_test(test_left_out_and_listed),
        cmocka_unit_test(test_kept_and_hooks),  cmocka_unit_test(test_resolved_round_trip),
        cmocka_unit_test(test_site_errors),     cmocka_unit_test(test_syntax_errors),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
