#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "bl_pet.h"
#include "bl_result.h"

static struct bl_pet_event
sample_event(void)
{
    struct bl_pet_event ev;

    memset(&ev, 0, sizeof(ev));
    for (int i = 0; i < 16; i++) {
        ev.guid[i] = (uint8_t) (0xa0 + i);
    }
    ev.sequence = 0x1234;
    ev.timestamp = 0x0a0b0c0d;
    ev.utc_offset = 0xffff;
    ev.event_source_type = 0x20;
    ev.severity = BL_PET_SEV_NON_RECOVERABLE;
    ev.sensor_device = 0x20;
    ev.sensor_number = 0x42;
    ev.entity = 0x03;
    ev.event_data[0] = 0xa1;
    ev.event_data[1] = 0xb2;
    ev.event_data[2] = 0xc3;
    ev.manufacturer_id = 0x0000a2b3;
    ev.system_id = 0x0102;
    ev.sensor_type = 0x07; /* processor */
    ev.event_type = 0x6f;  /* sensor-specific */
    ev.event_offset = 0x0b;
    return ev;
}

static void
test_roundtrip(void **state)
{
    struct bl_pet_event in = sample_event(), out;
    uint8_t buf[64];
    size_t len = 0;
    uint32_t specific = 0;

    assert_int_equal(bl_pet_encode(&in, buf, sizeof(buf), &len, &specific), 0);
    assert_int_equal(len, BL_PET_FIXED_LEN + 1);
    assert_int_equal(buf[46], 0xC1);
    assert_int_equal(specific, 0x00076f0b);
    /* The wire layout is big-endian at the offsets of PET 1.0. */
    assert_int_equal(buf[16], 0x12);
    assert_int_equal(buf[17], 0x34);
    assert_int_equal(buf[18], 0x0a);
    assert_int_equal(buf[26], BL_PET_SEV_NON_RECOVERABLE);
    assert_int_equal(buf[28], 0x42);
    assert_int_equal(buf[31], 0xa1);
    assert_int_equal(bl_pet_decode(buf, len, specific, &out), 0);
    assert_memory_equal(&in, &out, sizeof(in));
}

static void
test_decode_bounds(void **state)
{
    uint8_t buf[BL_PET_MAX_LEN + 1];
    struct bl_pet_event out;

    memset(buf, 0, sizeof(buf));
    assert_int_equal(bl_pet_decode(buf, BL_PET_FIXED_LEN - 1, 0, &out), BL_E_PROTO);
    assert_int_equal(bl_pet_decode(buf, BL_PET_MAX_LEN + 1, 0, &out), BL_E_PROTO);
    assert_int_equal(bl_pet_decode(buf, BL_PET_FIXED_LEN, 0, &out), 0);
    assert_int_equal(bl_pet_decode(NULL, 0, 0, &out), BL_E_PROTO);
    assert_int_equal(bl_pet_decode(NULL, 5, 0, &out), BL_E_INVALID);
    assert_int_equal(bl_pet_decode(buf, 50, 0, NULL), BL_E_INVALID);
}

static void
test_deassertion_bit(void **state)
{
    uint8_t buf[64] = {0};
    struct bl_pet_event out;

    assert_int_equal(bl_pet_decode(buf, 47, 0x00010183, &out), 0);
    assert_true(out.deassertion);
    assert_int_equal(out.event_offset, 3);
    assert_int_equal(out.sensor_type, 1);
    assert_int_equal(out.event_type, 1);
}

static void
test_encode_small_buffer(void **state)
{
    struct bl_pet_event in = sample_event();
    uint8_t buf[BL_PET_FIXED_LEN];
    size_t len;

    assert_int_equal(bl_pet_encode(&in, buf, sizeof(buf), &len, NULL), -ENOSPC);
}

static void
test_ack_layout(void **state)
{
    struct bl_pet_event ev = sample_event();
    uint8_t ack[BL_PET_ACK_LEN];
    const uint8_t want[BL_PET_ACK_LEN] = {0x34, 0x12, 0x0d, 0x0c, 0x0b, 0x0a,
                                          0x20, 0x20, 0x42, 0xa1, 0xb2, 0xc3};

    bl_pet_ack_build(&ev, ack);
    assert_memory_equal(ack, want, sizeof(want));
    assert_true(bl_pet_ack_matches(&ev, ack, sizeof(ack)));
    ack[0] ^= 1;
    assert_false(bl_pet_ack_matches(&ev, ack, sizeof(ack)));
    assert_false(bl_pet_ack_matches(&ev, want, 11));
}

static void
test_severity(void **state)
{
    uint8_t sev = 0;

    assert_string_equal(bl_pet_severity_name(0x30), "non-recoverable");
    assert_string_equal(bl_pet_severity_name(0x10), "critical");
    assert_string_equal(bl_pet_severity_name(0), "unspecified");
    assert_int_equal(bl_pet_severity_top(0x0c), BL_PET_SEV_NON_CRITICAL);
    assert_int_equal(bl_pet_severity_parse("Critical", &sev), 0);
    assert_int_equal(sev, BL_PET_SEV_CRITICAL);
    assert_int_equal(bl_pet_severity_parse("fatal", &sev), BL_E_INVALID);
}

static void
test_guid_format(void **state)
{
    struct bl_pet_event ev = sample_event();
    char buf[33];

    bl_pet_guid_format(ev.guid, buf);
    assert_string_equal(buf, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_decode_bounds),
        cmocka_unit_test(test_deassertion_bit), cmocka_unit_test(test_encode_small_buffer),
        cmocka_unit_test(test_ack_layout),      cmocka_unit_test(test_severity),
        cmocka_unit_test(test_guid_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
