/*
 * `bmclink status` on the wire (monitor/status/bmc_status.h): what the daemon encodes the command
 * decodes; every malformed answer (truncated, bad lengths, bad bytes, other versions,
 * trailing bytes) is refused without reading outside the buffer (run under ASan too).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bl_result.h"
#include "bmc_status.h"

static GByteArray *
sample(void)
{
    struct bl_status *st = bl_status_new();
    GByteArray *out = g_byte_array_new();

    assert_int_equal(bl_status_add(st, "trap.accepted", "3"), 0);
    assert_int_equal(bl_status_addf(st, "trap.dropped.foreign-source", "%d", 5), 0);
    assert_int_equal(bl_status_add(st, "recovery.timeline", "+0.000 ms trap\n+0.4 ms start"), 0);
    assert_int_equal(bl_status_add(st, "hb.0.node", ""), 0);
    assert_int_equal(bl_status_encode(st, out), 0);
    bl_status_free(st);
    return out;
}

static void
test_round_trip(void **state)
{
    g_autoptr(GByteArray) w = sample();
    struct bl_status *st = NULL;

    assert_int_equal(bl_status_decode(w->data, w->len, &st), 0);
    assert_int_equal(bl_status_count(st), 4);
    assert_string_equal(bl_status_get(st, "trap.accepted"), "3");
    assert_string_equal(bl_status_get(st, "trap.dropped.foreign-source"), "5");
    assert_string_equal(bl_status_get(st, "recovery.timeline"), "+0.000 ms trap\n+0.4 ms start");
    assert_string_equal(bl_status_get(st, "hb.0.node"), "");
    assert_null(bl_status_get(st, "nope"));
    assert_string_equal(bl_status_item(st, 0)->key, "trap.accepted");
    assert_null(bl_status_item(st, 4));
    bl_status_free(st);
}

static void
test_every_truncation_refused(void **state)
{
    g_autoptr(GByteArray) w = sample();

    for (size_t len = 0; len < w->len; len++) {
        struct bl_status *st = NULL;
        /* a copy of exactly len bytes, so ASan sees any read past the end */
        g_autofree uint8_t *cut = g_memdup2(w->data, len > 0 ? len : 1);

        assert_int_equal(bl_status_decode(cut, len, &st), BL_E_PROTO);
        assert_null(st);
    }
}

static void
test_header_checks(void **state)
{
    g_autoptr(GByteArray) w = sample();
    struct bl_status *st = NULL;
    g_autofree uint8_t *b = g_memdup2(w->data, w->len);

    b[0] = 'X';
    assert_int_equal(bl_status_decode(b, w->len, &st), BL_E_PROTO);
    b[0] = 'B';
    b[5] = 2; /* version 2 */
    assert_int_equal(bl_status_decode(b, w->len, &st), BL_E_UNSUPPORTED);
    b[5] = 1;
    b[7] = 5; /* one item more than there is */
    assert_int_equal(bl_status_decode(b, w->len, &st), BL_E_PROTO);
    b[7] = 3; /* one item less: trailing bytes */
    assert_int_equal(bl_status_decode(b, w->len, &st), BL_E_PROTO);
    b[6] = 0xff; /* count over the limit */
    assert_int_equal(bl_status_decode(b, w->len, &st), BL_E_PROTO);
    assert_int_equal(bl_status_decode(NULL, 0, &st), BL_E_PROTO);
    assert_null(st);
}

/* A one-item message built by hand. */
static size_t
one_item(uint8_t *b, uint8_t klen, const char *key, uint16_t vlen, const char *value)
{
    size_t n = 0;

    memcpy(b, "BLST\x00\x01\x00\x01", 8);
    n = 8;
    b[n++] = klen;
    memcpy(b + n, key, strlen(key));
    n += strlen(key);
    b[n++] = (uint8_t) (vlen >> 8);
    b[n++] = (uint8_t) vlen;
    memcpy(b + n, value, strlen(value));
    return n + strlen(value);
}

static void
test_item_checks(void **state)
{
    uint8_t b[256];
    struct bl_status *st = NULL;
    size_t n;

    n = one_item(b, 1, "k", 1, "v");
    assert_int_equal(bl_status_decode(b, n, &st), 0);
    bl_status_free(st);
    n = one_item(b, 0, "", 1, "v"); /* empty key */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 2, "k=", 1, "v"); /* '=' not in the key alphabet */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 1, "k", 2, "\x1b["); /* an escape sequence for the terminal */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 1, "k", 2, "a\xc3"); /* not ASCII */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 1, "k", 0xffff, "v"); /* value longer than the message */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 200, "k", 1, "v"); /* key longer than the limit and the message */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    n = one_item(b, 1, "k", 1, "v");
    b[n - 1] = '\0'; /* a NUL inside the value */
    assert_int_equal(bl_status_decode(b, n, &st), BL_E_PROTO);
    assert_null(st);
}

/* Random damage to a valid message: refused or decoded, never a read out of bounds. */
static void
test_mutations(void **state)
{
    g_autoptr(GByteArray) w = sample();
    GRand *r = g_rand_new_with_seed(42);

    for (int i = 0; i < 20000; i++) {
        g_autofree uint8_t *b = g_memdup2(w->data, w->len);
        size_t len = w->len - (size_t) g_rand_int_range(r, 0, 3);
        struct bl_status *st = NULL;

        for (int j = g_rand_int_range(r, 1, 4); j > 0; j--) {
            b[g_rand_int_range(r, 0, (gint32) w->len)] = (uint8_t) g_rand_int(r);
        }
        if (bl_status_decode(b, len, &st) == 0) {
            for (size_t k = 0; k < bl_status_count(st); k++) {
                assert_true(strlen(bl_status_item(st, k)->key) <= BL_STATUS_KEY_MAX);
            }
        }
        bl_status_free(st);
    }
    g_rand_free(r);
}

static void
test_encoder_limits(void **state)
{
    struct bl_status *st = bl_status_new();
    g_autofree char *big = g_strnfill(BL_STATUS_VALUE_MAX + 10, 'x');
    g_autoptr(GByteArray) out = g_byte_array_new();
    struct bl_status *back = NULL;
    int rc = 0;

    assert_int_equal(bl_status_add(st, "bad key", "v"), BL_E_INVALID);
    assert_int_equal(bl_status_add(st, "", "v"), BL_E_INVALID);
    assert_int_equal(bl_status_add(st, "k", big), 0); /* truncated */
    assert_int_equal(strlen(bl_status_get(st, "k")), BL_STATUS_VALUE_MAX);
    assert_int_equal(bl_status_add(st, "ctl",
                                   "a\x1b"
                                   "b\xc3"),
                     0); /* made printable */
    assert_string_equal(bl_status_get(st, "ctl"), "a?b?");
    for (int i = 2; i < BL_STATUS_ITEMS_MAX && rc == 0; i++) {
        rc = bl_status_add(st, "n", "1");
    }
    assert_int_equal(rc, 0);
    assert_int_equal(bl_status_add(st, "n", "1"), -E2BIG);
    assert_int_equal(bl_status_encode(st, out), 0);
    assert_int_equal(bl_status_decode(out->data, out->len, &back), 0);
    assert_int_equal(bl_status_count(back), BL_STATUS_ITEMS_MAX);
    bl_status_free(back);
    bl_status_free(st);
    bl_status_free(NULL);
}

static void
test_formats(void **state)
{
    struct bl_status *st = bl_status_new();
    g_autoptr(GString) keys = g_string_new(NULL);

    bl_status_add(st, "a", "x\\y\nz");
    bl_status_add(st, "b", "say \"hi\"\t");
    bl_status_format_keys(st, keys);
    assert_string_equal(keys->str, "a=x\\\\y\\nz\nb=say \"hi\"\t\n");
    bl_status_free(st);
}

/*
 * New items travel in version 1 as they are: keys the command does not know are carried and
 * printed by --keys/--json, so an older command still decodes a newer daemon's answer (the
 * failed BMC side, drop.last, informs and SEL counters were added this way).
 */
static void
test_added_items_stay_version_1(void **state)
{
    static const char *const items[][2] = {
        {"bmc.state", "failed"},
        {"bmc.error", "cannot listen for traps on 10.231.2.11:1162 (node node1): Address "
                      "already in use"},
        {"bmc.retry_ms", "10000"},
        {"drop.last", "2026-11-21 09:40:19.502 UTC dropped replay v1 from 10.231.2.21:40713"},
        {"trap.informs_acked", "3"},
        {"trap.informs_lost", "1"},
        {"hb.0.sel", "yes"},
        {"hb.0.sel_rounds", "12"},
        {"hb.0.sel_records", "4"},
        {"hb.0.sel_acted", "1"},
        {"hb.0.sel_errors", "0"},
    };
    struct bl_status *st = bl_status_new();
    struct bl_status *back = NULL;
    g_autoptr(GByteArray) w = g_byte_array_new();
    g_autoptr(GString) keys = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
        assert_int_equal(bl_status_add(st, items[i][0], items[i][1]), 0);
    }
    assert_int_equal(bl_status_encode(st, w), 0);
    assert_int_equal(w->data[4], 0);
    assert_int_equal(w->data[5], BL_STATUS_VERSION);
    assert_int_equal(BL_STATUS_VERSION, 1);
    assert_int_equal(bl_status_decode(w->data, w->len, &back), 0);
    assert_int_equal(bl_status_count(back), G_N_ELEMENTS(items));
    for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
        assert_string_equal(bl_status_item(back, i)->key, items[i][0]);
        assert_string_equal(bl_status_item(back, i)->value, items[i][1]);
    }
    bl_status_format_keys(back, keys);
    assert_non_null(strstr(keys->str, "\nhb.0.sel_acted=1\n"));
    bl_status_free(back);
    bl_status_free(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_header_checks), cmocka_unit_test(test_item_checks),
        cmocka_unit_test(test_mutations),     cmocka_unit_test(test_encoder_limits),
        cmocka_unit_test(test_formats),       cmocka_unit_test(test_added_items_stay_version_1),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
