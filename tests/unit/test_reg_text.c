/* The .reg text format (resource/registry/reg_text.c): export, import in UTF-8 and UTF-16LE, every
 * value form regedit writes, deletions, and errors that name their line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "bl_result.h"
#include "reg_text.h"

static const char sample[] = "Windows Registry Editor Version 5.00\r\n"
                             "\r\n"
                             "; a comment\r\n"
                             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]\r\n"
                             "@=\"default\"\r\n"
                             "\"WorkDir\"=\"C:\\\\Program Files\\\\NVBASE \\\"x\\\"\"\r\n"
                             "\"Port\"=dword:000000a2\r\n"
                             "\"Big\"=hex(b):a2,00,00,00,00,00,00,00\r\n"
                             "\"Path\"=hex(2):25,00,53,00,25,00,00,00\r\n"
                             "\"Hosts\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
                             "\"Blob\"=hex:01,02,\\\r\n"
                             "  03\r\n"
                             "\"Gone\"=-\r\n"
                             "\r\n"
                             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\NEC\\ESMSM]\r\n"
                             "\"Empty\"=hex:\r\n"
                             "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\Old]\r\n";

static const struct bl_reg_op *
find(const struct bl_reg_ops *ops, const char *name)
{
    for (size_t i = 0; i < ops->n; i++) {
        if (ops->v[i].name != NULL && strcmp(ops->v[i].name, name) == 0) {
            return &ops->v[i];
        }
    }
    fail_msg("no op for %s", name);
    return NULL;
}

static void
check_sample(const struct bl_reg_ops *ops)
{
    assert_int_equal(ops->n, 12);
    assert_int_equal(ops->v[0].kind, BL_REG_OP_CREATE_KEY);
    assert_string_equal(ops->v[0].path, "SOFTWARE/NEC/NVBASE");
    assert_memory_equal(find(ops, "")->value.data, "default", 7);
    const struct bl_reg_op *w = find(ops, "WorkDir");
    assert_int_equal(w->value.type, BL_REG_SZ);
    assert_memory_equal(w->value.data, "C:\\Program Files\\NVBASE \"x\"", w->value.len);
    assert_memory_equal(find(ops, "Port")->value.data, "\xa2\0\0\0", 4);
    assert_int_equal(find(ops, "Big")->value.type, BL_REG_QWORD);
    const struct bl_reg_op *p = find(ops, "Path");
    assert_int_equal(p->value.type, BL_REG_EXPAND_SZ);
    assert_int_equal(p->value.len, 3);
    assert_memory_equal(p->value.data, "%S%", 3);
    const struct bl_reg_op *h = find(ops, "Hosts");
    assert_int_equal(h->value.len, 5);
    assert_memory_equal(h->value.data, "a\0bc\0", 5);
    assert_memory_equal(find(ops, "Blob")->value.data, "\1\2\3", 3);
    assert_int_equal(find(ops, "Gone")->kind, BL_REG_OP_DELETE_VALUE);
    assert_string_equal(ops->v[9].path, "SOFTWARE/NEC/ESMSM"); /* folded out of Wow6432Node */
    assert_int_equal(find(ops, "Empty")->value.len, 0);
    assert_int_equal(ops->v[11].kind, BL_REG_OP_DELETE_KEY);
    assert_string_equal(ops->v[11].path, "SOFTWARE/NEC/Old");
}

static void
test_parse_utf8(void **state)
{
    struct bl_reg_ops ops = {0};
    char *err = NULL;

    assert_int_equal(
        bl_reg_text_parse((const uint8_t *) sample, strlen(sample), BL_REG_TEXT_WOW64, &ops, &err),
        0);
    assert_null(err);
    check_sample(&ops);
    bl_reg_ops_clear(&ops);
}

static void
test_parse_utf16le(void **state)
{
    struct bl_reg_ops ops = {0};
    GByteArray *b = g_byte_array_new();
    glong n = 0;
    gunichar2 *u = g_utf8_to_utf16(sample, -1, NULL, &n, NULL);

    g_byte_array_append(b, (const guint8 *) "\xff\xfe", 2);
    for (glong i = 0; i < n; i++) {
        guint8 le[2] = {(guint8) u[i], (guint8) (u[i] >> 8)};
        g_byte_array_append(b, le, 2);
    }
    assert_int_equal(bl_reg_text_parse(b->data, b->len, BL_REG_TEXT_WOW64, &ops, NULL), 0);
    check_sample(&ops);
    bl_reg_ops_clear(&ops);
    g_free(u);
    g_byte_array_unref(b);
}

static void
test_round_trip(void **state)
{
    struct bl_reg_ops in = {0};
    struct bl_reg_ops back = {0};
    struct bl_reg_text_writer w = {g_string_new(NULL), BL_REG_TEXT_HKLM};
    g_autofree uint8_t *bin = g_malloc(100);

    for (int i = 0; i < 100; i++) {
        bin[i] = (uint8_t) i;
    }
    assert_int_equal(bl_reg_text_parse((const uint8_t *) sample, strlen(sample), 0, &in, NULL), 0);
    bl_reg_text_begin(&w);
    bl_reg_text_item(&w, "SOFTWARE/NEC/NVBASE", NULL, NULL);
    for (size_t i = 0; i < in.n; i++) {
        if (in.v[i].kind == BL_REG_OP_SET && strcmp(in.v[i].path, "SOFTWARE/NEC/NVBASE") == 0) {
            bl_reg_text_item(&w, in.v[i].path, in.v[i].name, &in.v[i].value);
        }
    }
    struct bl_reg_value ctl = {BL_REG_SZ, 3, (uint8_t *) "a\nb"};
    struct bl_reg_value big = {BL_REG_BINARY, 100, bin};
    struct bl_reg_value none = {BL_REG_NONE, 0, NULL};
    struct bl_reg_value emptylist = {BL_REG_MULTI_SZ, 0, NULL};
    bl_reg_text_item(&w, "SOFTWARE/NEC/NVBASE", "Ctl", &ctl);
    bl_reg_text_item(&w, "SOFTWARE/NEC/NVBASE", "Wrapped", &big);
    bl_reg_text_item(&w, "SOFTWARE/NEC/NVBASE", "None", &none);
    bl_reg_text_item(&w, "SOFTWARE/NEC/NVBASE", "NoStrings", &emptylist);
    assert_non_null(strstr(w.out->str, "\"Port\"=dword:000000a2\r\n"));
    assert_non_null(strstr(w.out->str, ",\\\r\n  ")); /* long hex wraps */
    assert_int_equal(bl_reg_text_parse((const uint8_t *) w.out->str, w.out->len, 0, &back, NULL),
                     0);
    /* Everything but the deletions and the other key comes back byte for byte. */
    size_t k = 1;
    for (size_t i = 0; i < in.n; i++) {
        if (in.v[i].kind != BL_REG_OP_SET || strcmp(in.v[i].path, "SOFTWARE/NEC/NVBASE") != 0) {
            continue;
        }
        const struct bl_reg_op *o = &back.v[k++];
        assert_string_equal(o->name, in.v[i].name);
        assert_int_equal(o->value.type, in.v[i].value.type);
        assert_int_equal(o->value.len, in.v[i].value.len);
        assert_memory_equal(o->value.data, in.v[i].value.data, o->value.len);
    }
    assert_memory_equal(find(&back, "Ctl")->value.data, "a\nb", 3);
    assert_memory_equal(find(&back, "Wrapped")->value.data, bin, 100);
    assert_int_equal(find(&back, "None")->value.type, BL_REG_NONE);
    assert_int_equal(find(&back, "NoStrings")->value.len, 0);
    bl_reg_ops_clear(&in);
    bl_reg_ops_clear(&back);
    g_string_free(w.out, TRUE);
}

static void
expect_error(const char *text, int rc, const char *msg)
{
    struct bl_reg_ops ops = {0};
    char *err = NULL;

    assert_int_equal(bl_reg_text_parse((const uint8_t *) text, strlen(text), 0, &ops, &err), rc);
    assert_non_null(err);
    if (strstr(err, msg) == NULL) {
        fail_msg("'%s' does not contain '%s'", err, msg);
    }
    g_free(err);
    bl_reg_ops_clear(&ops);
}

static void
test_errors_name_the_line(void **state)
{
    const char *h = "Windows Registry Editor Version 5.00\n";

    expect_error("REGEDIT4\n", BL_E_UNSUPPORTED, "line 1: REGEDIT4");
    expect_error("hello\n", BL_E_UNSUPPORTED, "not a registry file");
    expect_error("", BL_E_UNSUPPORTED, "empty");
    g_autofree char *t1 = g_strconcat(h, "\"x\"=\"y\"\n", NULL);
    expect_error(t1, BL_E_INVALID, "line 2: value outside");
    g_autofree char *t2 = g_strconcat(h, "[A]\n\n\"x\"=dword:123456789\n", NULL);
    expect_error(t2, BL_E_TYPE, "line 4: dword");
    g_autofree char *t3 = g_strconcat(h, "[A]\n\"x\"=hex(4):01,02\n", NULL);
    expect_error(t3, BL_E_TYPE, "line 3: hex(4) data");
    g_autofree char *t4 = g_strconcat(h, "[A]\n\"x\"=hex(5):01,02,03,04\n", NULL);
    expect_error(t4, BL_E_TYPE, "hex(5)");
    g_autofree char *t5 = g_strconcat(h, "[A\\\\B]\n", NULL);
    expect_error(t5, BL_E_INVALID, "invalid key path");
    g_autofree char *t6 = g_strconcat(h, "[A]\n\"x\"=hex:1g\n", NULL);
    expect_error(t6, BL_E_TYPE, "'1g' is not a hex byte");
    g_autofree char *t7 = g_strconcat(h, "[A]\n\"x=\"y\"\n", NULL);
    expect_error(t7, BL_E_INVALID, "line 3");
    expect_error("Windows Registry Editor Version 5.00\n[\xff]\n", BL_E_INVALID, "neither UTF-8");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_utf8),
        cmocka_unit_test(test_parse_utf16le),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
