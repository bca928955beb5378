/*
 * The attribute publisher's election (monitor/bmc/bmc_elect.h): only a member of the BMC side's
 * group with the lowest nodeid publishes; a daemon whose BMC side is off or failed is not in
 * the group, so the next lowest takes over (the case of issue 5 item 4 that lost the
 * attributes silently).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>

#include "bmc_elect.h"

static void
test_lowest_member_publishes(void **state)
{
    const uint32_t m[] = {3, 1, 2};
    uint32_t low = 99;

    assert_true(bl_bmc_elected(1, m, 3, &low));
    assert_int_equal(low, 1);
    assert_false(bl_bmc_elected(2, m, 3, &low));
    assert_false(bl_bmc_elected(3, m, 3, NULL));
}

static void
test_node1_without_bmc_side(void **state)
{
    /* node1's daemon runs (registry) but its BMC side failed: it is not in this group */
    const uint32_t m[] = {3, 2};
    uint32_t low = 0;

    assert_false(bl_bmc_elected(1, m, 2, &low));
    assert_true(bl_bmc_elected(2, m, 2, &low));
    assert_int_equal(low, 2);
}

static void
test_not_a_member_never_publishes(void **state)
{
    const uint32_t m[] = {5, 7};
    uint32_t low = 99;

    assert_false(bl_bmc_elected(4, m, 2, &low)); /* lower than all, but outside the group */
    assert_int_equal(low, 5);
    assert_false(bl_bmc_elected(1, NULL, 0, &low)); /* left the group, or lost Corosync */
    assert_int_equal(low, 0);
    assert_false(bl_bmc_elected(0, m, 2, NULL)); /* not connected yet */
}

static void
test_repeats_and_single(void **state)
{
    const uint32_t twice[] = {2, 2, 3};
    const uint32_t one[] = {9};

    assert_true(bl_bmc_elected(2, twice, 3, NULL)); /* a restarted daemon seen twice */
    assert_true(bl_bmc_elected(9, one, 1, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowest_member_publishes),
        cmocka_unit_test(test_node1_without_bmc_side),
        cmocka_unit_test(test_not_a_member_never_publishes),
        cmocka_unit_test(test_repeats_and_single),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
