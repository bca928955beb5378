/* The registry's data model (resource/registry/registry.c): paths, names, typed values, ops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bl_result.h"
#include "registry.h"

static int
path_check(const char *p)
{
    return bl_reg_path_check(p, strlen(p));
}

static void
test_paths(void **state)
{
    assert_int_equal(path_check(""), 0);
    assert_int_equal(path_check("SOFTWARE/NEC/NVBASE"), 0);
    assert_int_equal(path_check("SOFTWARE/NEC/NVBASE/AlertViewer"), 0);
    assert_int_equal(path_check("日本/キー"), 0);
    assert_int_equal(path_check("/SOFTWARE"), BL_E_INVALID);
    assert_int_equal(path_check("SOFTWARE/"), BL_E_INVALID);
    assert_int_equal(path_check("A//B"), BL_E_INVALID);
    assert_int_equal(path_check("A\\B"), BL_E_INVALID);
    assert_int_equal(path_check("A/\tB"), BL_E_INVALID);
    assert_int_equal(path_check("A/\xc3\x28"), BL_E_INVALID); /* invalid UTF-8 */
    assert_int_equal(bl_reg_path_check("A\0B", 3), BL_E_INVALID);

    g_autofree char *seg = g_strnfill(BL_REG_SEGMENT_MAX + 1, 'a');
    assert_int_equal(path_check(seg), -ENAMETOOLONG);
    GString *deep = g_string_new("a");
    for (int i = 0; i < BL_REG_DEPTH_MAX; i++) {
        g_string_append(deep, "/a");
    }
    assert_int_equal(path_check(deep->str), -ENAMETOOLONG);
    g_string_free(deep, TRUE);
    g_autofree char *lng = g_strnfill(BL_REG_PATH_MAX + 1, 'a');
    assert_int_equal(path_check(lng), -ENAMETOOLONG);
}

static void
test_normalize(void **state)
{
    char *out = NULL;

    assert_int_equal(bl_reg_path_normalize("HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\", &out), 0);
    assert_string_equal(out, "SOFTWARE/NEC");
    g_free(out);
    assert_int_equal(bl_reg_path_normalize("/hklm/SOFTWARE", &out), 0);
    assert_string_equal(out, "SOFTWARE");
    g_free(out);
    assert_int_equal(bl_reg_path_normalize("HKLM", &out), 0);
    assert_string_equal(out, "");
    g_free(out);
    assert_int_equal(bl_reg_path_normalize("A//B", &out), BL_E_INVALID);
    assert_null(out);
    assert_true(bl_reg_path_under("A/B/C", "A/B"));
    assert_true(bl_reg_path_under("A/B", "A/B"));
    assert_true(bl_reg_path_under("A", ""));
    assert_false(bl_reg_path_under("A/BC", "A/B"));
}

static void
test_names(void **state)
{
    assert_int_equal(bl_reg_name_check("", 0), 0);
    assert_int_equal(bl_reg_name_check("Work Dir\\x", 10), 0);
    assert_int_equal(bl_reg_name_check("a\nb", 3), BL_E_INVALID);
    assert_int_equal(bl_reg_name_check("\xff", 1), BL_E_INVALID);
    g_autofree char *n = g_strnfill(BL_REG_NAME_MAX + 1, 'n');
    assert_int_equal(bl_reg_name_check(n, strlen(n)), -ENAMETOOLONG);
}

static void
test_value_checks(void **state)
{
    const uint8_t multi[] = "one\0two\0";
    const uint8_t empty_inside[] = "one\0\0two\0";

    assert_int_equal(bl_reg_value_check(BL_REG_SZ, (const uint8_t *) "abc", 3), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_SZ, (const uint8_t *) "a\0c", 3), BL_E_TYPE);
    /* An empty REG_SZ as it comes off the wire or from a store: no data at all (UBSan). */
    assert_int_equal(bl_reg_value_check(BL_REG_SZ, NULL, 0), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_EXPAND_SZ, NULL, 0), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_EXPAND_SZ, (const uint8_t *) "\xc0", 1), BL_E_TYPE);
    assert_int_equal(bl_reg_value_check(BL_REG_DWORD, (const uint8_t *) "abcd", 4), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_DWORD, (const uint8_t *) "abc", 3), BL_E_TYPE);
    assert_int_equal(bl_reg_value_check(BL_REG_QWORD, (const uint8_t *) "abcd", 4), BL_E_TYPE);
    assert_int_equal(bl_reg_value_check(BL_REG_MULTI_SZ, multi, sizeof(multi) - 1), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_MULTI_SZ, multi, 0), 0);
    assert_int_equal(bl_reg_value_check(BL_REG_MULTI_SZ, multi, 3), BL_E_TYPE);
    assert_int_equal(bl_reg_value_check(BL_REG_MULTI_SZ, empty_inside, sizeof(empty_inside) - 1),
                     BL_E_TYPE);
    assert_int_equal(bl_reg_value_check(9, (const uint8_t *) "", 0), BL_E_TYPE);
    g_autofree uint8_t *big = g_malloc0(BL_REG_DATA_MAX + 1);
    assert_int_equal(bl_reg_value_check(BL_REG_BINARY, big, BL_REG_DATA_MAX + 1), -E2BIG);
    assert_int_equal(bl_reg_value_check(BL_REG_BINARY, big, BL_REG_DATA_MAX), 0);
}

static void
test_value_text(void **state)
{
    struct bl_reg_value v = {0};
    char *dec[] = {"4294967295"};
    char *hex[] = {"0x10"};
    char *over[] = {"4294967296"};
    char *bin[] = {"01,ab,FF"};
    char *multi[] = {"a", "b"};
    enum bl_reg_type t;

    assert_int_equal(bl_reg_value_from_text(BL_REG_DWORD, dec, 1, &v), 0);
    assert_memory_equal(v.data, "\xff\xff\xff\xff", 4);
    assert_int_equal(bl_reg_value_from_text(BL_REG_QWORD, hex, 1, &v), 0);
    assert_memory_equal(v.data, "\x10\0\0\0\0\0\0\0", 8);
    g_autofree char *q = bl_reg_value_to_text(&v);
    assert_string_equal(q, "16 (0x10)");
    assert_int_equal(bl_reg_value_from_text(BL_REG_DWORD, over, 1, &v), -ERANGE);
    assert_int_equal(bl_reg_value_from_text(BL_REG_DWORD, bin, 1, &v), BL_E_TYPE);
    assert_int_equal(bl_reg_value_from_text(BL_REG_BINARY, bin, 1, &v), 0);
    g_autofree char *b = bl_reg_value_to_text(&v);
    assert_string_equal(b, "01,ab,ff");
    assert_int_equal(bl_reg_value_from_text(BL_REG_MULTI_SZ, multi, 2, &v), 0);
    assert_int_equal(v.len, 4);
    assert_int_equal(bl_reg_multi_count(v.data, v.len), 2);
    g_autofree char *m = bl_reg_value_to_text(&v);
    assert_string_equal(m, "a\nb");
    /* Control characters never reach the reader's terminal raw: ESC, newline, C1 CSI. */
    char *ctl[] = {"red\x1b[31m\nnext\tx\x7f\xc2\x9b" "2J\xc3\xa9"};
    assert_int_equal(bl_reg_value_from_text(BL_REG_SZ, ctl, 1, &v), 0);
    g_autofree char *e = bl_reg_value_to_text(&v);
    assert_string_equal(e, "red\\x1b[31m\\nnext\\tx\\x7f\\u009b2J\xc3\xa9");
    char *ctl_multi[] = {"a\nb", "c"};
    assert_int_equal(bl_reg_value_from_text(BL_REG_MULTI_SZ, ctl_multi, 2, &v), 0);
    g_autofree char *em = bl_reg_value_to_text(&v);
    assert_string_equal(em, "a\\nb\nc");
    bl_reg_value_clear(&v);
    assert_int_equal(bl_reg_type_parse("REG_EXPAND_SZ", &t), 0);
    assert_int_equal(t, BL_REG_EXPAND_SZ);
    assert_int_equal(bl_reg_type_parse("multi_sz", &t), 0);
    assert_int_equal(bl_reg_type_parse("string", &t), BL_E_TYPE);
    assert_string_equal(bl_reg_type_name(BL_REG_QWORD), "qword");
}

static int
from_stream(enum bl_reg_type type, const char *text, size_t len, struct bl_reg_value *v)
{
    FILE *f = fmemopen((void *) text, len, "r");
    int rc;

    assert_non_null(f);
    rc = bl_reg_value_from_stream(type, f, v);
    fclose(f);
    return rc;
}

/* bmclink-reg set --value-file: the secret never on a command line. */
static void
test_value_from_stream(void **state)
{
    struct bl_reg_value v = {0};

    assert_int_equal(from_stream(BL_REG_SZ, "s3cret pass\n", 12, &v), 0);
    assert_int_equal(v.len, 11);
    assert_memory_equal(v.data, "s3cret pass", 11);
    assert_int_equal(from_stream(BL_REG_SZ, "two\r\n", 5, &v), 0);
    assert_int_equal(v.len, 3);
    assert_int_equal(from_stream(BL_REG_SZ, "", 0, &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(from_stream(BL_REG_MULTI_SZ, "a\nb\n", 4, &v), 0);
    assert_int_equal(bl_reg_multi_count(v.data, v.len), 2);
    assert_int_equal(from_stream(BL_REG_DWORD, "0x10\n", 5, &v), 0);
    assert_memory_equal(v.data, "\x10\0\0\0", 4);
    assert_int_equal(from_stream(BL_REG_SZ, "a\0b", 3, &v), BL_E_TYPE);
    assert_int_equal(from_stream(BL_REG_DWORD, "ten", 3, &v), BL_E_TYPE);
    bl_reg_value_clear(&v);
}

static void
test_ops_check(void **state)
{
    struct bl_reg_ops ops = {0};
    struct bl_reg_value v = {0};

    assert_int_equal(bl_reg_value_set(&v, BL_REG_SZ, "x", 1), 0);
    bl_reg_ops_add(&ops, BL_REG_OP_SET, "A/B", "n", &v);
    bl_reg_ops_add(&ops, BL_REG_OP_DELETE_KEY, "A/C", NULL, NULL);
    assert_int_equal(bl_reg_ops_check(&ops), 0);
    bl_reg_ops_add(&ops, BL_REG_OP_SET, "A/B", NULL, &v); /* a SET needs a name */
    assert_int_equal(bl_reg_ops_check(&ops), BL_E_INVALID);
    bl_reg_ops_clear(&ops);
    bl_reg_ops_add(&ops, BL_REG_OP_CREATE_KEY, "A/B", "n", NULL); /* keys have none */
    assert_int_equal(bl_reg_ops_check(&ops), BL_E_INVALID);
    bl_reg_ops_clear(&ops);
    bl_reg_ops_clear(NULL);
    bl_reg_value_clear(&v);
}

static void
test_hash_chain(void **state)
{
    uint8_t zero[BL_REG_HASH_LEN] = {0};
    uint8_t a[BL_REG_HASH_LEN];
    uint8_t b[BL_REG_HASH_LEN];
    char hex[2 * BL_REG_HASH_LEN + 1];

    bl_reg_hash_next(zero, (const uint8_t *) "x", 1, a);
    bl_reg_hash_next(zero, (const uint8_t *) "y", 1, b);
    assert_memory_not_equal(a, b, BL_REG_HASH_LEN);
    bl_reg_hash_next(zero, (const uint8_t *) "x", 1, b);
    assert_memory_equal(a, b, BL_REG_HASH_LEN);
    bl_reg_hash_next(a, (const uint8_t *) "x", 1, a); /* out may alias prev */
    assert_memory_not_equal(a, b, BL_REG_HASH_LEN);
    bl_reg_hash_hex(zero, hex);
    assert_int_equal(strlen(hex), 32);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),      cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_value_checks),
        cmocka_unit_test(test_value_text), cmocka_unit_test(test_ops_check),
        cmocka_unit_test(test_value_from_stream),
        cmocka_unit_test(test_hash_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
