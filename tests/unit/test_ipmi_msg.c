/* Unit tests of the pure IPMI helpers: cipher table, parameter policy, reply decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "bl_ipmi.h"
#include "bl_result.h"

static void
params_for(struct bl_ipmi_params *p)
{
    bl_ipmi_params_init(p);
    strcpy(p->host, "192.0.2.1");
    strcpy(p->password, "secret");
}

static void
test_defaults_are_secure(void **state)
{
    struct bl_ipmi_params p;

    params_for(&p);
    assert_true(p.lanplus);
    assert_int_equal(p.cipher, BL_IPMI_CIPHER_AUTO); /* the best the BMC offers */
    assert_int_equal(p.priv, BL_IPMI_PRIV_ADMIN);
    assert_int_equal(p.port, 623);
    assert_false(p.allow_weak);
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK);
}

static void
test_weak_ciphers_refused_unless_allowed(void **state)
{
    /* no authentication, integrity or confidentiality: every suite but 3, 8, 12, 17 (and RC4) */
    static const unsigned int weak[] = {0, 1, 2, 6, 7, 11, 15, 16};
    struct bl_ipmi_params p;
    const char *why = NULL;

    params_for(&p);
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        p.cipher = (uint8_t) weak[i];
        p.allow_weak = false;
        assert_int_equal(bl_ipmi_params_check(&p, &why), BL_E_WEAK_CRYPTO);
        assert_non_null(strstr(why, "allow_weak_crypto"));
    }
    p.cipher = 0;
    p.allow_weak = true;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK);
}

static void
test_unimplemented_suites_unsupported(void **state)
{
    struct bl_ipmi_params p;

    params_for(&p);
    for (unsigned int s = 3; s <= 17; s += 14) { /* 3 and 17 pinned */
        p.cipher = (uint8_t) s;
        assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK);
    }
    p.cipher = 4; /* RC4 */
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_UNSUPPORTED);
    p.cipher = 18; /* SHA-256 with RC4 */
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_UNSUPPORTED);
    p.cipher = 20;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_INVALID);
    for (unsigned int s = 2; s <= 12; s++) {
        struct bl_ipmi_cipher c;

        assert_int_equal(bl_ipmi_cipher_lookup(s, &c), BL_OK);
        assert_int_equal(c.suite, s);
    }
}

static void
test_lan15_policy(void **state)
{
    struct bl_ipmi_params p;

    params_for(&p);
    p.lanplus = false;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK); /* MD5 */
    p.auth15 = BL_IPMI_AUTH15_NONE;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_WEAK_CRYPTO);
    p.auth15 = BL_IPMI_AUTH15_STRAIGHT;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_WEAK_CRYPTO);
    p.allow_weak = true;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK);
    p.auth15 = BL_IPMI_AUTH15_MD5;
    strcpy(p.password, "0123456789abcdefg"); /* 17 bytes: fine for 2.0, not 1.5 */
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_INVALID);
    p.lanplus = true;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_OK);
}

static void
test_params_check_basic(void **state)
{
    struct bl_ipmi_params p;

    params_for(&p);
    p.host[0] = '\0';
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_INVALID);
    params_for(&p);
    p.port = 0;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_INVALID);
    params_for(&p);
    p.priv = 7;
    assert_int_equal(bl_ipmi_params_check(&p, NULL), BL_E_INVALID);
}

static void
test_kg_hex(void **state)
{
    uint8_t kg[BL_IPMI_KG_MAX];
    size_t len = 0;

    assert_int_equal(bl_ipmi_parse_kg_hex("0x0aFf", kg, &len), BL_OK);
    assert_int_equal(len, 2);
    assert_int_equal(kg[0], 0x0a);
    assert_int_equal(kg[1], 0xff);
    assert_int_equal(bl_ipmi_parse_kg_hex("abc", kg, &len), BL_E_INVALID);
    assert_int_equal(bl_ipmi_parse_kg_hex("zz", kg, &len), BL_E_INVALID);
    assert_int_equal(bl_ipmi_parse_kg_hex("", kg, &len), BL_E_INVALID);
    assert_int_equal(bl_ipmi_parse_kg_hex("00112233445566778899aabbccddeeff0011223344", kg, &len),
                     BL_E_INVALID); /* 21 bytes */
    assert_int_equal(bl_ipmi_parse_kg_hex("00112233445566778899aabbccddeeff00112233", kg, &len),
                     BL_OK);
    assert_int_equal(len, 20);
}

static void
test_wipe_clears_secrets(void **state)
{
    struct bl_ipmi_params p;

    params_for(&p);
    p.kg[0] = 0x55;
    p.kg_len = 1;
    bl_ipmi_params_wipe(&p);
    assert_int_equal(p.password[0], 0);
    assert_int_equal(p.kg[0], 0);
    assert_int_equal(p.kg_len, 0);
    bl_ipmi_params_wipe(NULL);
}

static void
test_reply_check(void **state)
{
    const uint8_t ok[] = {0x00, 0x01};
    const uint8_t bad[] = {0xd4};
    uint8_t cc = 0;

    assert_int_equal(bl_ipmi_reply_check(ok, 2, 2, &cc), BL_OK);
    assert_int_equal(bl_ipmi_reply_check(ok, 2, 3, &cc), BL_E_PROTO);
    assert_int_equal(bl_ipmi_reply_check(bad, 1, 1, &cc), BL_E_BMC);
    assert_int_equal(cc, 0xd4);
    assert_int_equal(bl_ipmi_reply_check(NULL, 0, 1, &cc), BL_E_PROTO);
    assert_int_equal(cc, 0xff);
    assert_int_equal(bl_ipmi_reply_check(ok, 0, 1, NULL), BL_E_PROTO);
}

static void
test_chassis_status_decode(void **state)
{
    const uint8_t rsp[] = {0x00, 0x01 | 0x08 | 0x40, 0x10, 0x08, 0x77};
    struct bl_ipmi_chassis_status st;

    assert_int_equal(bl_ipmi_decode_chassis_status(rsp, sizeof(rsp), &st), BL_OK);
    assert_true(st.power_on);
    assert_true(st.power_fault);
    assert_false(st.power_overload);
    assert_int_equal(st.restore_policy, 2);
    assert_int_equal(st.last_event, 0x10);
    assert_true(st.fan_fault);
    assert_false(st.intrusion);
    assert_true(st.has_front_panel);
    assert_int_equal(st.front_panel, 0x77);
    assert_int_equal(bl_ipmi_decode_chassis_status(rsp, 4, &st), BL_OK);
    assert_false(st.has_front_panel);
}

static void
test_chassis_status_hostile(void **state)
{
    const uint8_t shorty[] = {0x00, 0x01, 0x00};
    const uint8_t err[] = {0xc3, 0x01, 0x00, 0x00};
    struct bl_ipmi_chassis_status st;

    /* Every truncation of a valid reply is refused, never read past. */
    for (size_t n = 0; n < 4; n++) {
        uint8_t *copy = n > 0 ? test_malloc(n) : NULL;

        if (n > 0) {
            memcpy(copy, shorty, n < sizeof(shorty) ? n : sizeof(shorty));
        }
        assert_int_equal(bl_ipmi_decode_chassis_status(copy, n, &st), BL_E_PROTO);
        test_free(copy);
    }
    assert_int_equal(bl_ipmi_decode_chassis_status(err, sizeof(err), &st), BL_E_BMC);
}

static void
test_chassis_control_build(void **state)
{
    uint8_t b[1];

    assert_int_equal(bl_ipmi_build_chassis_control(BL_IPMI_CHASSIS_DIAG, b, 1), 1);
    assert_int_equal(b[0], 4);
    assert_int_equal(bl_ipmi_build_chassis_control(BL_IPMI_CHASSIS_CYCLE, b, 1), 1);
    assert_int_equal(b[0], 2);
    assert_int_equal(bl_ipmi_build_chassis_control(9, b, 1), BL_E_INVALID);
    assert_int_equal(bl_ipmi_build_chassis_control(BL_IPMI_CHASSIS_OFF, b, 0), BL_E_INVALID);
    assert_string_equal(bl_ipmi_chassis_ctl_name(BL_IPMI_CHASSIS_DIAG),
                        "diagnostic interrupt (NMI)");
}

static void
test_cc_strings(void **state)
{
    assert_string_equal(bl_ipmi_cc_str(0xcc), "invalid data field in request");
    assert_string_equal(bl_ipmi_cc_str(0xd4), "insufficient privilege level");
    assert_string_equal(bl_ipmi_cc_str(0x81), "command-specific completion code");
    assert_string_equal(bl_ipmi_cc_str(0x10), "device-specific (OEM) completion code");
    assert_string_equal(bl_ipmi_cc_str(0xe0), "reserved completion code");
    assert_string_equal(bl_ipmi_priv_name(BL_IPMI_PRIV_OPERATOR), "operator");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_secure),
        cmocka_unit_test(test_weak_ciphers_refused_unless_allowed),
        cmocka_unit_test(test_unimplemented_suites_unsupported),
        cmocka_unit_test(test_lan15_policy),
        cmocka_unit_test(test_params_check_basic),
        cmocka_unit_test(test_kg_hex),
        cmocka_unit_test(test_wipe_clears_secrets),
        cmocka_unit_test(test_reply_check),
        cmocka_unit_test(test_chassis_status_decode),
        cmocka_unit_test(test_chassis_status_hostile),
        cmocka_unit_test(test_chassis_control_build),
        cmocka_unit_test(test_cc_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
