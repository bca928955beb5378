#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bmcsim_core.h"

static const struct bmcsim_timing timing = {
    .grace_ms = 2000, .window_ms = 30000, .resend_ms = 500, .resend_max = 2, .off_ms = 1000};

static void
test_no_start_notice_resets_after_grace(void **state)
{
    struct bmcsim_core c;

    bmcsim_core_init(&c, &timing);
    assert_int_equal(bmcsim_core_inject(&c, 1000), BMCSIM_ACT_SEND_TRAP);
    assert_int_equal(bmcsim_core_inject(&c, 1001), BMCSIM_ACT_NONE); /* busy */
    assert_int_equal(bmcsim_core_next(&c), 1500);
    assert_int_equal(bmcsim_core_tick(&c, 1500), BMCSIM_ACT_SEND_TRAP);
    assert_int_equal(bmcsim_core_tick(&c, 2000), BMCSIM_ACT_SEND_TRAP);
    assert_int_equal(bmcsim_core_tick(&c, 2500), BMCSIM_ACT_NONE); /* resend_max reached */
    assert_int_equal(bmcsim_core_tick(&c, 2999), BMCSIM_ACT_NONE);
    assert_int_equal(bmcsim_core_tick(&c, 3000), BMCSIM_ACT_POWER_OFF);
    assert_string_equal(c.reason, "no-start-notice");
    assert_int_equal(bmcsim_core_tick(&c, 4000), BMCSIM_ACT_POWER_ON);
    assert_int_equal(c.phase, BMCSIM_IDLE);
    assert_int_equal(bmcsim_core_next(&c), 0);
}

static void
test_start_then_end(void **state)
{
    struct bmcsim_core c;
    bool ok = false;

    bmcsim_core_init(&c, &timing);
    bmcsim_core_inject(&c, 0);
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_PET_ACK, 100, &ok), BMCSIM_ACT_NONE);
    assert_true(ok);
    assert_true(c.acked);
    assert_int_equal(bmcsim_core_tick(&c, 600), BMCSIM_ACT_NONE); /* acked: no resend */
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_END, 700, &ok), BMCSIM_ACT_NONE);
    assert_false(ok); /* end before start does not count */
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_START, 800, &ok), BMCSIM_ACT_NONE);
    assert_true(ok);
    assert_int_equal(bmcsim_core_tick(&c, 2800), BMCSIM_ACT_NONE); /* grace no longer applies */
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_END, 5000, &ok), BMCSIM_ACT_POWER_OFF);
    assert_string_equal(c.reason, "end-notice");
    assert_int_equal(bmcsim_core_tick(&c, 6000), BMCSIM_ACT_POWER_ON);
}

static void
test_window_expires(void **state)
{
    struct bmcsim_core c;
    bool ok = false;

    bmcsim_core_init(&c, &timing);
    bmcsim_core_inject(&c, 0);
    bmcsim_core_notice(&c, BMCSIM_START, 100, &ok);
    assert_int_equal(bmcsim_core_tick(&c, 30099), BMCSIM_ACT_NONE);
    assert_int_equal(bmcsim_core_tick(&c, 30100), BMCSIM_ACT_POWER_OFF);
    assert_string_equal(c.reason, "window-expired");
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_END, 30200, &ok), BMCSIM_ACT_NONE);
    assert_false(ok);
}

static void
test_idle_notices_ignored(void **state)
{
    struct bmcsim_core c;
    bool ok = true;

    bmcsim_core_init(&c, &timing);
    assert_int_equal(bmcsim_core_notice(&c, BMCSIM_START, 1, &ok), BMCSIM_ACT_NONE);
    assert_false(ok);
    assert_int_equal(bmcsim_core_tick(&c, 99999), BMCSIM_ACT_NONE);
    assert_string_equal(bmcsim_phase_name(BMCSIM_RECOVERING), "recovering");
    assert_string_equal(bmcsim_phase_name((enum bmcsim_phase) 9), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_start_notice_resets_after_grace),
        cmocka_unit_test(test_start_then_end),
        cmocka_unit_test(test_window_expires),
        cmocka_unit_test(test_idle_notices_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
