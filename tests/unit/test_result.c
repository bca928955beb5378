#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "bl_result.h"

static void
test_strerror_covers_every_code(void **state)
{
    for (int rc = BL_E_BASE - 1; rc > BL_E_LAST; rc--) {
        const char *msg = bl_strerror(rc);
        assert_non_null(msg);
        assert_string_not_equal(msg, "unknown error");
    }
}

static void
test_strerror_errno_and_unknown(void **state)
{
    assert_string_equal(bl_strerror(0), "success");
    assert_string_equal(bl_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(bl_strerror(BL_E_LAST), "unknown error");
    assert_string_equal(bl_strerror(5), "unknown error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_covers_every_code),
        cmocka_unit_test(test_strerror_errno_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
