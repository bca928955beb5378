/*
 * SEL replies and the health classification (lib/bl_sel.c): real layouts as ipmi_sim sends
 * them, and hostile ones (short, wrong version, wrong record type, OEM types).
 */
#include "bl_result.h"
#include "bl_sel.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* Get SEL Info as ipmi_sim answered it with two records. */
static const uint8_t info_rsp[] = {0x00, 0x51, 0x02, 0x00, 0xe0, 0x0f, 0xe9, 0x27,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a};

/* Get SEL Entry: next 0xffff, record 2: processor #0x10 IERR deasserted. */
static const uint8_t entry_rsp[] = {0x00, 0xff, 0xff, 0x02, 0x00, 0x02, 0xe9, 0x27, 0x00, 0x00,
                                    0x20, 0x00, 0x04, 0x07, 0x10, 0xef, 0x00, 0xff, 0xff};

static void
record(uint8_t *rec, uint8_t type, uint8_t sensor_type, uint8_t dir_type, uint8_t data1)
{
    const uint8_t r[BL_SEL_RECORD_LEN] = {0x05,     0x00,  type, 0x10, 0x20,        0x30,
                                          0x40,     0x20,  0x00, 0x04, sensor_type, 0x33,
                                          dir_type, data1, 0xff, 0xff};

    memcpy(rec, r, sizeof(r));
}

static void
classify(uint8_t type, uint8_t sensor_type, uint8_t dir_type, uint8_t data1,
         struct bl_sel_verdict *v)
{
    uint8_t rec[BL_SEL_RECORD_LEN];
    struct bl_sel_record r;

    record(rec, type, sensor_type, dir_type, data1);
    assert_int_equal(bl_sel_decode_record(rec, sizeof(rec), &r), 0);
    bl_sel_classify(&r, v);
    assert_non_null(v->what);
}

static void
test_info(void **state)
{
    struct bl_sel_info i;
    uint8_t bad[sizeof(info_rsp)];

    assert_int_equal(bl_sel_decode_info(info_rsp, sizeof(info_rsp), &i), 0);
    assert_int_equal(i.version, 0x51);
    assert_int_equal(i.entries, 2);
    assert_int_equal(i.free, 0x0fe0);
    assert_int_equal(i.add_ts, 0x27e9);
    assert_int_equal(i.erase_ts, 0);
    for (size_t n = 0; n < sizeof(info_rsp); n++) {
        assert_int_equal(bl_sel_decode_info(info_rsp, n, &i), n == 0 ? BL_E_PROTO : BL_E_PROTO);
    }
    memcpy(bad, info_rsp, sizeof(bad));
    bad[1] = 0x02; /* not IPMI 1.5/2.0 */
    assert_int_equal(bl_sel_decode_info(bad, sizeof(bad), &i), BL_E_PROTO);
    bad[0] = 0xc1; /* invalid command: a BMC without a SEL */
    assert_int_equal(bl_sel_decode_info(bad, 1, &i), BL_E_BMC);
    assert_int_equal(bl_sel_decode_info(NULL, 3, &i), BL_E_INVALID);
}

static void
test_entry(void **state)
{
    struct bl_sel_record r;
    uint16_t next = 0;
    uint8_t cc = 0, notfound[] = {BL_SEL_CC_NOT_PRESENT};
    uint8_t req[BL_SEL_GET_ENTRY_REQ_LEN];

    assert_int_equal(bl_sel_decode_entry(entry_rsp, sizeof(entry_rsp), &next, &r, &cc), 0);
    assert_int_equal(next, BL_SEL_ID_LAST);
    assert_int_equal(r.id, 2);
    assert_int_equal(r.type, BL_SEL_TYPE_SYSTEM);
    assert_int_equal(r.timestamp, 0x27e9);
    assert_int_equal(r.generator, 0x0020);
    assert_int_equal(r.sensor_type, 0x07);
    assert_int_equal(r.sensor_number, 0x10);
    assert_int_equal(r.event_type, 0x6f);
    assert_true(r.deassertion);
    assert_int_equal(r.offset, 0);
    for (size_t n = 1; n < sizeof(entry_rsp); n++) {
        assert_int_equal(bl_sel_decode_entry(entry_rsp, n, &next, &r, NULL), BL_E_PROTO);
    }
    assert_int_equal(bl_sel_decode_entry(entry_rsp, 0, &next, &r, NULL), BL_E_PROTO);
    assert_int_equal(bl_sel_decode_entry(notfound, 1, &next, &r, &cc), BL_E_BMC);
    assert_int_equal(cc, BL_SEL_CC_NOT_PRESENT);
    assert_int_equal(bl_sel_decode_record(entry_rsp + 3, 15, &r), BL_E_PROTO);

    bl_sel_build_get_entry(0x1234, req);
    assert_memory_equal(req, ((uint8_t[]){0, 0, 0x34, 0x12, 0, 0xff}), sizeof(req));
}

static void
test_red(void **state)
{
    struct bl_sel_verdict v;

    classify(0x02, 0x07, 0x6f, 0x00, &v); /* processor IERR */
    assert_int_equal(v.action, BL_SEL_ASSERT);
    assert_int_equal(v.color, BL_SEL_RED);
    assert_int_equal(v.key, 0x073300u);
    classify(0x02, 0x07, 0x6f, 0x01, &v); /* thermal trip */
    assert_int_equal(v.color, BL_SEL_RED);
    classify(0x02, 0x0c, 0x6f, 0xa1, &v); /* uncorrectable ECC, data 2/3 flags set */
    assert_int_equal(v.action, BL_SEL_ASSERT);
    assert_int_equal(v.color, BL_SEL_RED);
    assert_int_equal(v.key, 0x0c3301u);
    classify(0x02, 0x09, 0x6f, 0x06, &v); /* power unit failure */
    assert_int_equal(v.color, BL_SEL_RED);
    classify(0x02, 0x01, 0x01, 0x09, &v); /* temperature upper critical going high */
    assert_int_equal(v.action, BL_SEL_ASSERT);
    assert_int_equal(v.color, BL_SEL_RED);
    classify(0x02, 0x02, 0x01, 0x04, &v); /* voltage lower non-recoverable going low */
    assert_int_equal(v.color, BL_SEL_RED);
}

static void
test_yellow(void **state)
{
    struct bl_sel_verdict v;

    classify(0x02, 0x01, 0x01, 0x07, &v); /* upper non-critical going high */
    assert_int_equal(v.action, BL_SEL_ASSERT);
    assert_int_equal(v.color, BL_SEL_YELLOW);
    classify(0x02, 0x04, 0x01, 0x00, &v); /* fan lower non-critical going low */
    assert_int_equal(v.color, BL_SEL_YELLOW);
    classify(0x02, 0x0c, 0x6f, 0x00, &v); /* correctable ECC */
    assert_int_equal(v.color, BL_SEL_YELLOW);
    classify(0x02, 0x04, 0x0b, 0x02, &v); /* fan redundancy degraded */
    assert_int_equal(v.action, BL_SEL_ASSERT);
    assert_int_equal(v.color, BL_SEL_YELLOW);
    classify(0x02, 0x08, 0x0b, 0x05, &v); /* PS: insufficient resources */
    assert_int_equal(v.color, BL_SEL_RED);
}

static void
test_clear(void **state)
{
    struct bl_sel_verdict v;

    classify(0x02, 0x07, 0xef, 0x00, &v); /* IERR deasserted */
    assert_int_equal(v.action, BL_SEL_CLEAR);
    assert_int_equal(v.key, 0x073300u);
    classify(0x02, 0x01, 0x81, 0x09, &v); /* upper critical deasserted */
    assert_int_equal(v.action, BL_SEL_CLEAR);
    classify(0x02, 0x04, 0x0b, 0x00, &v); /* fully redundant again */
    assert_int_equal(v.action, BL_SEL_CLEAR_SENSOR);
    assert_int_equal(v.key >> 8, 0x0433u);
    classify(0x02, 0x04, 0x8b, 0x00, &v); /* leaving fully redundant: the next state says */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x10, 0x07, 0x00, &v); /* generic severity: back to OK */
    assert_int_equal(v.action, BL_SEL_CLEAR_SENSOR);
}

static void
test_ignored(void **state)
{
    struct bl_sel_verdict v;
    struct bl_sel_record r;
    uint8_t rec[BL_SEL_RECORD_LEN];

    classify(0xc0, 0x07, 0x6f, 0x00, &v); /* OEM timestamped record */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0xe0, 0x07, 0x6f, 0x00, &v); /* OEM non-timestamped */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x03, 0x07, 0x6f, 0x00, &v); /* unknown record type */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x07, 0x70, 0x00, &v); /* OEM event/reading type */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x07, 0x7f, 0x0f, &v);
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0xc0, 0x6f, 0x00, &v); /* OEM sensor type */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x01, 0x01, 0x0c, &v); /* threshold offsets stop at 11 */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x09, 0x6f, 0x00, &v); /* power off: an operator's doing */
    assert_int_equal(v.action, BL_SEL_IGNORE);
    classify(0x02, 0x10, 0x6f, 0x02, &v); /* event logging: log cleared */
    assert_int_equal(v.action, BL_SEL_IGNORE);

    /* an OEM record keeps only its id, type and timestamp */
    record(rec, 0xd0, 0x07, 0x6f, 0x00);
    assert_int_equal(bl_sel_decode_record(rec, sizeof(rec), &r), 0);
    assert_int_equal(r.type, 0xd0);
    assert_int_equal(r.sensor_type, 0);
    bl_sel_classify(NULL, &v);
    assert_int_equal(v.action, BL_SEL_IGNORE);
    assert_string_equal(bl_sel_color_name(BL_SEL_RED), "red");
}

/* Power and boot records (a link drop may follow them); nothing else, no deassertion. */
static bool
is_power(uint8_t type, uint8_t sensor_type, uint8_t dir_type, uint8_t data1)
{
    uint8_t rec[BL_SEL_RECORD_LEN];
    struct bl_sel_record r;

    record(rec, type, sensor_type, dir_type, data1);
    assert_int_equal(bl_sel_decode_record(rec, sizeof(rec), &r), 0);
    return bl_sel_is_power(&r);
}

static void
test_power(void **state)
{
    assert_true(is_power(0x02, 0x09, 0x6f, 0x00));  /* power unit: power off */
    assert_true(is_power(0x02, 0x09, 0x6f, 0x01));  /* power cycle */
    assert_true(is_power(0x02, 0x09, 0x6f, 0x04));  /* AC lost */
    assert_false(is_power(0x02, 0x09, 0x6f, 0x06)); /* power unit failure: health, not power */
    assert_false(is_power(0x02, 0x09, 0xef, 0x00)); /* deasserted */
    assert_true(is_power(0x02, 0x1d, 0x6f, 0x01));  /* system restart: hard reset */
    assert_true(is_power(0x02, 0x22, 0x6f, 0x06));  /* ACPI S4/S5 soft off */
    assert_false(is_power(0x02, 0x07, 0x6f, 0x00)); /* processor IERR */
    assert_false(is_power(0x02, 0x09, 0x01, 0x00)); /* a threshold event of the sensor */
    assert_false(is_power(0xc0, 0x1d, 0x6f, 0x00)); /* OEM record */
    assert_false(bl_sel_is_power(NULL));
}

/* Every byte value in the direction/type and data 1 fields: never an out-of-table read. */
static void
test_all_bytes(void **state)
{
    struct bl_sel_verdict v;
    unsigned asserted = 0;

    for (unsigned st = 0; st < 256; st += 3) {
        for (unsigned dt = 0; dt < 256; dt++) {
            classify(0x02, (uint8_t) st, (uint8_t) dt, (uint8_t) (dt * 7), &v);
            asserted += v.action == BL_SEL_ASSERT;
            assert_true(v.action != BL_SEL_ASSERT || v.color != BL_SEL_GREEN);
        }
    }
    assert_true(asserted > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info),      cmocka_unit_test(test_entry),
        cmocka_unit_test(test_red),       cmocka_unit_test(test_yellow),
        cmocka_unit_test(test_clear),     cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_all_bytes), cmocka_unit_test(test_power),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
