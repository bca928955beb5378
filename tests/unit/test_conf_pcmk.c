/*
 * The configuration engine's booleans and durations (lib/bl_conf_value.c) against Pacemaker's
 * own public parsers in libcrmcommon, on the same strings: what an administrator writes in a
 * CIB means the same in bmclink's files and OCF parameters.
 *
 * bmclink does not call libcrmcommon at run time (lib/bl_conf_value.c says why); where
 * Pacemaker 2.1's parsers are loose or wrong, ours refuse, and the cases below name them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crm/crm.h>
#include <crm/common/util.h>

#include "bl_conf.h"
#include "bl_result.h"

/* Booleans: the same strings accepted, with the same value; the same refused. */
static void
test_bool_as_pacemaker(void **state)
{
    static const char *const cases[] = {"yes", "YES", "y",    "Y", "true",  "True",   "on",
                                        "ON",  "1",   "no",   "N", "false", "off",    "0",
                                        "",    " y",  "yes ", "2", "t",     "enable", "nope"};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int pcmk = -1;
        bool ours = false;
        bool pcmk_accepts = crm_str_to_boolean(cases[i], &pcmk) == 1;
        bool ours_accepts = bl_conf_parse_bool(cases[i], &ours) == BL_OK;

        print_message("bool '%s': pacemaker %s, bmclink %s\n", cases[i],
                      pcmk_accepts ? (pcmk ? "true" : "false") : "refused",
                      ours_accepts ? (ours ? "true" : "false") : "refused");
        assert_int_equal(ours_accepts, pcmk_accepts);
        if (ours_accepts) {
            assert_int_equal(ours, pcmk != 0);
        }
    }
}

/* A number with a unit: crm_get_msec(), which reads a bare number as seconds. */
static void
test_duration_as_crm_get_msec(void **state)
{
    static const char *const same[] = {
        "0",     "30",    "007",    "30s", "30S",  "30 s", " 30s", "30s ", "500ms",  "500MS",
        "10 ms", "30sec", "30msec", "2m",  "2min", "1h",   "1hr",  "1HR",  "4294967"};
    static const char *const both_refuse[] = {"",     "abc",   "-5",       "+5", "1e3",
                                              "0x10", "30xyz", "30 years", "30d"};

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        uint64_t ms = 0;

        assert_int_equal(bl_conf_parse_duration(same[i], 1000, &ms), BL_OK);
        assert_int_equal((long long) ms, crm_get_msec(same[i]));
    }
    for (size_t i = 0; i < sizeof(both_refuse) / sizeof(both_refuse[0]); i++) {
        uint64_t ms = 0;

        assert_int_equal(bl_conf_parse_duration(both_refuse[i], 1000, &ms), BL_E_INVALID);
        assert_true(crm_get_msec(both_refuse[i]) < 0);
    }
}

/* ISO 8601: crm_parse_interval_spec() (Pacemaker's operation intervals), 0 for refused. */
static void
test_duration_as_interval_spec(void **state)
{
    static const char *const same[] = {"PT2M", "PT2M30S", "PT90S", "PT1H", "PT1H30M5S"};
    static const char *const both_refuse[] = {"PT2m", "pt2m", "PT1.5S", "PT", "P"};

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        uint64_t ms = 0;

        assert_int_equal(bl_conf_parse_duration(same[i], 1000, &ms), BL_OK);
        assert_int_equal(ms, crm_parse_interval_spec(same[i]));
    }
    for (size_t i = 0; i < sizeof(both_refuse) / sizeof(both_refuse[0]); i++) {
        uint64_t ms = 0;

        assert_int_equal(bl_conf_parse_duration(both_refuse[i], 1000, &ms), BL_E_INVALID);
        assert_int_equal(crm_parse_interval_spec(both_refuse[i]), 0);
    }
}

/*
 * Where Pacemaker 2.1 is loose, ours refuse: units matched by their first letters ("30s5",
 * "5mn", "2hours"), fractions cut ("1.5s" is 1 s), microseconds (rounded down, "10us" is 0).
 * Where it is wrong, ours give the calendar's value: 2.1.5 reads P1D as 0 and P1W as 6 days.
 * Months and years have no fixed length: refused. Printed for the record, Pacemaker's result
 * not asserted (a later Pacemaker may fix it).
 */
static void
test_duration_where_pacemaker_is_loose(void **state)
{
    static const char *const refused[] = {"30s5", "5mn",    "2hours", "30mins", "1.5s",
                                          "10us", "1500us", "P1M",    "P1Y"};
    uint64_t ms = 0;

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        print_message("'%s': pacemaker %lld ms (crm_get_msec), %u ms (interval), bmclink refuses\n",
                      refused[i], crm_get_msec(refused[i]), crm_parse_interval_spec(refused[i]));
        assert_int_equal(bl_conf_parse_duration(refused[i], 1000, &ms), BL_E_INVALID);
    }
    assert_int_equal(bl_conf_parse_duration("P1D", 1000, &ms), BL_OK);
    assert_int_equal(ms, 86400000);
    assert_int_equal(bl_conf_parse_duration("P1W", 1000, &ms), BL_OK);
    assert_int_equal(ms, 7 * 86400000ull);
    print_message("P1D: pacemaker %u ms, P1W: pacemaker %u ms\n", crm_parse_interval_spec("P1D"),
                  crm_parse_interval_spec("P1W"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_as_pacemaker),
        cmocka_unit_test(test_duration_as_crm_get_msec),
        cmocka_unit_test(test_duration_as_interval_spec),
        cmocka_unit_test(test_duration_where_pacemaker_is_loose),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
