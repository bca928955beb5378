/*
 * The configuration engine (lib/bl_conf.h): Pacemaker's boolean and duration spellings, the
 * address forms, a table applied onto a struct, and every problem reported as
 * FILE:LINE: [GROUP] KEY: WHY.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_conf.h"
#include "bl_result.h"
#include "bl_trap.h"

struct demo {
    bool on;
    uint32_t count;
    int64_t big;
    uint32_t wait_ms;
    uint32_t hold_s;
    char name[9];
    char *path;
    char *raw;
    char mode[8];
    struct bl_trap_addr addr;
    char host[46];
    char secret[16];
    int answer;
};

static int
parse_answer(const struct bl_conf_key *k, const char *text, void *base)
{
    struct demo *d = base;

    if (strcmp(text, "42") != 0) {
        return BL_E_INVALID;
    }
    d->answer = 42;
    return BL_OK;
}

#define D(f) offsetof(struct demo, f)

static const struct bl_conf_key demo_keys[] = {
    {"main", "on", BL_CONF_BOOL, "no", 0, 0, NULL, NULL, D(on), 0, "a switch"},
    {"main", "count", BL_CONF_UINT, "3", 1, 10, NULL, NULL, D(count), 0, "how many"},
    {"main", "big", BL_CONF_INT, "-5", -10, INT64_MAX, NULL, NULL, D(big), 0, "how much"},
    {"main", "wait_ms", BL_CONF_MS, "500", 100, 60000, NULL, NULL, D(wait_ms), 0, "a wait"},
    {"main", "hold", BL_CONF_SECONDS, "60", 1, 86400, NULL, NULL, D(hold_s), 0, "a hold"},
    {"main", "name", BL_CONF_STRING, "x", 1, 8, NULL, NULL, D(name), 0, "a name"},
    {"main", "path", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, D(path), BL_CONF_ABSPATH, "a file"},
    {"main", "raw", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, D(raw), BL_CONF_RAW, "as written"},
    {"main", "mode", BL_CONF_STRING, "auto", 0, 7, "auto|true|false", NULL, D(mode), 0, "mode"},
    {"node", "address", BL_CONF_ADDRESS, NULL, 162, 0, NULL, NULL, D(addr),
     BL_CONF_NAMED | BL_CONF_REQUIRED, "where"},
    {"node", "host", BL_CONF_HOST, "", 0, 45, NULL, NULL, D(host), BL_CONF_NAMED, "a host"},
    {"node", "secret", BL_CONF_STRING, "", 0, 15, NULL, NULL, D(secret),
     BL_CONF_NAMED | BL_CONF_SECRET, "a secret"},
    {"node", "answer", BL_CONF_CUSTOM, NULL, 0, 0, "the answer", parse_answer, 0, BL_CONF_NAMED,
     "the answer"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

static void
test_bool(void **state)
{
    static const char *const yes[] = {"yes", "YES", "true", "True", "on", "ON", "y", "Y", "1"};
    static const char *const no[] = {"no", "No", "false", "FALSE", "off", "Off", "n", "N", "0"};
    static const char *const bad[] = {"", "2", "yess", "enable", "t", "f", " yes", "0x1"};
    bool b;

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        b = false;
        assert_int_equal(bl_conf_parse_bool(yes[i], &b), BL_OK);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        b = true;
        assert_int_equal(bl_conf_parse_bool(no[i], &b), BL_OK);
        assert_false(b);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b = true;
        assert_int_equal(bl_conf_parse_bool(bad[i], &b), BL_E_INVALID);
        assert_true(b);
    }
    assert_int_equal(bl_conf_parse_bool(NULL, &b), BL_E_INVALID);
}

static uint64_t
dur(const char *text, uint64_t bare)
{
    uint64_t ms = 0;

    assert_int_equal(bl_conf_parse_duration(text, bare, &ms), BL_OK);
    return ms;
}

static void
test_duration(void **state)
{
    uint64_t ms = 7;

    assert_int_equal(dur("30", 1000), 30000);
    assert_int_equal(dur("30", 1), 30);
    assert_int_equal(dur("500ms", 1000), 500);
    assert_int_equal(dur("500 msec", 1000), 500);
    assert_int_equal(dur("2s", 1), 2000);
    assert_int_equal(dur("2 SEC", 1), 2000);
    assert_int_equal(dur("2m", 1), 120000);
    assert_int_equal(dur("2min", 1), 120000);
    assert_int_equal(dur("1h", 1), 3600000);
    assert_int_equal(dur("1HR", 1), 3600000);
    assert_int_equal(dur("0", 1000), 0);
    assert_int_equal(dur(" 5s ", 1), 5000);
    assert_int_equal(dur("PT2M", 1), 120000);
    assert_int_equal(dur("PT1H30M5S", 1), 5405000);
    assert_int_equal(dur("P1D", 1), 86400000);
    assert_int_equal(dur("P1W", 1), 7 * 86400000ull);
    assert_int_equal(dur("P1DT1S", 1), 86401000);
    assert_int_equal(dur("4294967295", 1), 4294967295ull);

    static const char *const bad[] = {"",     "s",    "-1",   "1.5s", "2 days", "1us",
                                      "P",    "PT",   "P1Y",  "P1M",  "PT1S2M", "PT1H1H",
                                      "P1DT", "pt1m", "1s2s", "0x10", "+5",     "5 s s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(bl_conf_parse_duration(bad[i], 1000, &ms), BL_E_INVALID);
    }
    assert_int_equal(bl_conf_parse_duration("4294967296", 1, &ms), -ERANGE);
    assert_int_equal(bl_conf_parse_duration("50d", 1, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_duration("50000h", 1, &ms), -ERANGE);
    assert_int_equal(bl_conf_parse_duration("P99999W", 1, &ms), -ERANGE);
    assert_int_equal(bl_conf_parse_duration("99999999999999999999999", 1, &ms), -ERANGE);
    assert_int_equal(ms, 7);
}

static struct bl_conf *
open_text(const char *text)
{
    struct bl_conf *f = NULL;
    char *err = NULL;

    assert_int_equal(bl_conf_open_data("t.conf", text, strlen(text), &f, &err), BL_OK);
    assert_null(err);
    return f;
}

/* Apply [main] and [node n1] as a reader would; the problems, NULL when none. */
static char *
apply(const char *text, struct demo *d)
{
    struct bl_conf *f = open_text(text);
    const struct bl_conf_key *const tables[] = {demo_keys};
    char *err = NULL;

    memset(d, 0, sizeof(*d));
    assert_int_equal(bl_conf_defaults(demo_keys, "main", d), BL_OK);
    assert_int_equal(bl_conf_defaults(demo_keys, "node", d), BL_OK);
    bl_conf_check_groups(f, tables, 1, true);
    bl_conf_apply(f, "main", demo_keys, (const char *const[]){"main", NULL}, d);
    if (g_key_file_has_group(bl_conf_keyfile(f), "node n1")) {
        bl_conf_apply(f, "node n1", demo_keys, (const char *const[]){"node", NULL}, d);
        bl_conf_required(f, "node n1", demo_keys, "node");
    }
    if (bl_conf_result(f, &err) == BL_OK) {
        assert_null(err);
    }
    bl_conf_close(f);
    return err;
}

static void
test_defaults_and_values(void **state)
{
    struct demo d;
    char *err = apply("", &d);

    assert_null(err);
    assert_false(d.on);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.big, -5);
    assert_int_equal(d.wait_ms, 500);
    assert_int_equal(d.hold_s, 60);
    assert_string_equal(d.name, "x");
    assert_string_equal(d.path, "");
    assert_string_equal(d.mode, "auto");
    g_free(d.path);
    g_free(d.raw);

    err = apply("# comment\n[main]\non = On\ncount = 10\nbig = 9223372036854775807\n"
                "wait_ms = 2s\nhold = PT2M\nname = eightchr\npath = /etc/x\nmode = false\n"
                "[node n1]\naddress = [fe80::1]:99\nhost = 10.0.0.1\nsecret = s3cr3t\n"
                "answer = 42\n",
                &d);
    assert_null(err);
    assert_true(d.on);
    assert_int_equal(d.count, 10);
    assert_int_equal(d.big, INT64_MAX);
    assert_int_equal(d.wait_ms, 2000);
    assert_int_equal(d.hold_s, 120);
    assert_string_equal(d.name, "eightchr");
    assert_string_equal(d.path, "/etc/x");
    assert_string_equal(d.mode, "false");
    assert_int_equal(d.addr.family, AF_INET6);
    assert_int_equal(d.addr.port, 99);
    assert_string_equal(d.host, "10.0.0.1");
    assert_string_equal(d.secret, "s3cr3t");
    assert_int_equal(d.answer, 42);
    g_free(d.path);
    g_free(d.raw);

    /* a bare number keeps the key's unit; the default port fills in */
    err = apply("[main]\nwait_ms = 1000\nhold = 30\n[node n1]\naddress = 10.0.0.2\n", &d);
    assert_null(err);
    assert_int_equal(d.wait_ms, 1000);
    assert_int_equal(d.hold_s, 30);
    assert_int_equal(d.addr.port, 162);
    g_free(d.path);
    g_free(d.raw);
}

static size_t
n_lines(const char *err)
{
    size_t n = 1;

    for (const char *p = err; *p != '\0'; p++) {
        n += *p == '\n';
    }
    return n;
}

static void
assert_has(const char *err, const char *what)
{
    if (err == NULL || strstr(err, what) == NULL) {
        fail_msg("expected '%s' in:\n%s", what, err != NULL ? err : "(nothing)");
    }
}

/* Every problem, each with its line, in one report. */
static void
test_every_error(void **state)
{
    struct demo d;
    char *err = apply("[main]\n"                        /* 1 */
                      "on = maybe\n"                    /* 2 */
                      "count = 11\n"                    /* 3 */
                      "colour = red\n"                  /* 4 */
                      "wait_ms = 99\n"                  /* 5 */
                      "hold = 1500ms\n"                 /* 6 */
                      "name = ninechars\n"              /* 7 */
                      "path = rel/x\n"                  /* 8 */
                      "mode = sometimes\n"              /* 9 */
                      "[extra]\n"                       /* 10 */
                      "k = v\n"                         /* 11 */
                      "[node n1]\n"                     /* 12 */
                      "host = 10.0.0.1:623\n"           /* 13 */
                      "secret = much-too-long-secret\n" /* 14 */
                      "answer = 41\n",                  /* 15 */
                      &d);

    assert_has(err, "t.conf:2: [main] on: invalid value 'maybe' (expected a boolean");
    assert_has(err,
               "t.conf:3: [main] count: invalid value '11' (expected an integer from 1 to 10)");
    assert_has(err, "t.conf:4: [main] colour: unknown key");
    assert_has(err, "t.conf:5: [main] wait_ms: invalid value '99'");
    assert_has(err, "t.conf:6: [main] hold: invalid value '1500ms' (expected a duration from 1 "
                    "to 86400 s in whole seconds");
    assert_has(err,
               "t.conf:7: [main] name: invalid value 'ninechars' (expected 1 to 8 characters)");
    assert_has(err, "t.conf:8: [main] path: invalid value 'rel/x' (expected an absolute path)");
    assert_has(err, "t.conf:9: [main] mode: invalid value 'sometimes' (expected one of "
                    "auto|true|false)");
    assert_has(err, "t.conf:10: [extra]: unknown group");
    assert_has(err, "t.conf:12: [node n1] address: missing (required)");
    assert_has(err, "t.conf:13: [node n1] host: invalid value '10.0.0.1:623'");
    assert_has(err, "t.conf:14: [node n1] secret: invalid value (expected 0 to 15 characters)");
    assert_has(err, "t.conf:15: [node n1] answer: invalid value '41' (expected the answer)");
    assert_null(strstr(err, "much-too-long"));
    assert_int_equal(n_lines(err), 13);
    g_free(err);
    g_free(d.path);
    g_free(d.raw);
}

static void
test_groups(void **state)
{
    struct demo d;
    char *err = apply("[node]\naddress = 10.0.0.1\n[node ]\n[main x]\n[node n1]\n"
                      "address = 10.0.0.1\n",
                      &d);

    assert_has(err, "t.conf:1: [node]: unknown group");
    assert_has(err, "t.conf:4: [main x]: unknown group");
    g_free(err);
    g_free(d.path);
    g_free(d.raw);
}

/* '\' is GKeyFile's escape, except in a BL_CONF_RAW row (registry paths). */
static void
test_raw(void **state)
{
    struct demo d;
    char *err = apply("[main]\nraw = A\\B\\s\npath = /x\\sy\n", &d);

    assert_null(err);
    assert_string_equal(d.raw, "A\\B\\s");
    assert_string_equal(d.path, "/x y");
    g_free(d.path);
    g_free(d.raw);
}

/* Groups another reader owns pass; the same problem found twice is said once. */
static void
test_foreign_groups_and_repeats(void **state)
{
    const struct bl_conf_key *const tables[] = {demo_keys};
    struct bl_conf *f = open_text("[extra]\nk = v\n[main]\ncount = 0\n");
    char *err = NULL;

    assert_int_equal(bl_conf_check_groups(f, tables, 1, false), BL_OK);
    assert_int_equal(bl_conf_result(f, &err), BL_OK);
    for (int i = 0; i < 3; i++) {
        struct demo d = {0};
        assert_int_equal(
            bl_conf_apply(f, "main", demo_keys, (const char *const[]){"main", NULL}, &d),
            BL_E_INVALID);
    }
    assert_int_equal(bl_conf_result(f, &err), BL_E_INVALID);
    assert_string_equal(err, "t.conf:4: [main] count: invalid value '0' (expected an integer "
                             "from 1 to 10)");
    g_free(err);
    bl_conf_close(f);
}

/* The line of the value GKeyFile keeps: the last one written. */
static void
test_line_of_last(void **state)
{
    struct demo d;
    char *err = apply("[main]\ncount = 2\n\n  count   =  12  \n", &d);

    assert_has(err, "t.conf:4: [main] count: invalid value '12'");
    g_free(err);
    g_free(d.path);
    g_free(d.raw);
}

static char *
write_file(const char *text, mode_t mode)
{
    char *path = g_strdup("/tmp/test_conf.XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void
test_files(void **state)
{
    const struct bl_conf_key *const tables[] = {demo_keys};
    struct bl_conf *f = NULL;
    char *err = NULL;
    char *path = write_file("[node n1]\naddress = 10.0.0.1\nsecret = pssst\n", 0644);

    assert_int_equal(bl_conf_open(path, &f, &err), BL_OK);
    assert_true(bl_conf_world_readable(f));
    assert_string_equal(bl_conf_path(f), path);
    assert_int_equal(bl_conf_check_groups(f, tables, 1, true), BL_E_INVALID);
    assert_int_equal(bl_conf_result(f, &err), BL_E_INVALID);
    assert_has(err, ":3: [node n1] secret: a secret in a world-readable file (chmod o-r)");
    assert_null(strstr(err, "pssst"));
    g_free(err);
    err = NULL;
    bl_conf_close(f);

    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(bl_conf_open(path, &f, &err), BL_OK);
    assert_int_equal(bl_conf_check_groups(f, tables, 1, true), BL_OK);
    assert_int_equal(bl_conf_result(f, &err), BL_OK);
    assert_null(err);
    bl_conf_close(f);
    unlink(path);
    g_free(path);

    assert_int_equal(bl_conf_open("/nonexistent/x.conf", &f, &err), -ENOENT);
    assert_has(err, "/nonexistent/x.conf: ");
    g_free(err);
    err = NULL;
    assert_int_equal(bl_conf_open("/tmp", &f, &err), -EINVAL);
    g_free(err);
    err = NULL;
    bl_conf_close(NULL);
}

/* A line that is no group, key or comment is reported with its number, and the rest of the
 * file still read: the keys under a refused header are skipped, not given to another group. */
static void
test_syntax_lines(void **state)
{
    static const char text[] = "no group\n"
                               "[main]\n"
                               "count = 2\n"
                               "just words\n"
                               "[main\n"
                               "count = 9\n"
                               "[other]\n"
                               "a[x] = 1\n"
                               "b = \xff\n";
    struct bl_conf *f = NULL;
    struct demo d = {0};
    char *err = NULL;

    (void) state;
    assert_int_equal(bl_conf_open_data("bad.conf", text, sizeof text - 1, &f, &err), BL_OK);
    assert_int_equal(bl_conf_apply(f, "main", demo_keys, (const char *const[]){"main", NULL}, &d),
                     BL_OK);
    assert_int_equal(d.count, 2);
    assert_int_equal(bl_conf_line(f, "main", "count"), 3);
    assert_int_equal(bl_conf_line(f, "other", NULL), 7);
    assert_int_equal(bl_conf_result(f, &err), BL_E_INVALID);
    assert_has(err, "bad.conf:1: not a [group], a 'key = value' line or a # comment");
    assert_has(err, "bad.conf:4: not a [group]");
    assert_has(err, "bad.conf:5: not a [group] header");
    assert_has(err, "bad.conf:8: not a key name");
    assert_has(err, "bad.conf:9: not UTF-8 text");
    assert_null(strstr(err, "bad.conf:6:"));
    g_free(err);
    bl_conf_close(f);
}

/* Only readers that ask have repeats refused (GKeyFile merges them). */
static void
test_repeats(void **state)
{
    static const char text[] = "[main]\ncount = 2\n[other]\n[main]\ncount = 3\nname = a\n"
                               "name = b\n";
    struct bl_conf *f = NULL;
    char *err = NULL;

    (void) state;
    assert_int_equal(bl_conf_open_data("r.conf", text, sizeof text - 1, &f, &err), BL_OK);
    assert_int_equal(bl_conf_result(f, NULL), BL_OK);
    assert_int_equal(bl_conf_check_repeats(f), BL_E_INVALID);
    assert_int_equal(bl_conf_result(f, &err), BL_E_INVALID);
    assert_has(err, "r.conf:4: [main]: declared twice in this file");
    assert_has(err, "r.conf:5: [main] count: given twice");
    assert_has(err, "r.conf:7: [main] name: given twice");
    g_free(err);
    bl_conf_close(f);
}

/* A timeout's duration: a bare number in seconds, stored in ms, within the row's range. */
static void
test_duration_range(void **state)
{
    static const struct bl_conf_key row = {
        "main", "t", BL_CONF_DURATION, NULL, 1, 3600000, NULL, NULL, 0, 0, NULL};
    uint32_t ms = 7;

    (void) state;
    assert_int_equal(bl_conf_store(NULL, "main", &row, "30", &ms), BL_OK);
    assert_int_equal(ms, 30000);
    assert_int_equal(bl_conf_store(NULL, "main", &row, "500ms", &ms), BL_OK);
    assert_int_equal(ms, 500);
    assert_int_equal(bl_conf_store(NULL, "main", &row, "0", &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_store(NULL, "main", &row, "61min", &ms), BL_E_INVALID);
    assert_int_equal(ms, 500);
    assert_int_equal(bl_conf_parse_ms("PT2M", 1000, 1, 3600000, &ms), BL_OK);
    assert_int_equal(ms, 120000);
    assert_int_equal(bl_conf_parse_ms("2", 1, 5, 10, &ms), BL_E_INVALID);
    assert_int_equal(bl_conf_parse_ms("soon", 1000, 0, 10, &ms), BL_E_INVALID);
    assert_int_equal(ms, 120000);
}

/* A file full of mistakes is reported, but not without end. */
static void
test_error_cap(void **state)
{
    GString *text = g_string_new("[main]\n");
    struct demo d;
    char *err;

    for (int i = 0; i < 200; i++) {
        g_string_append_printf(text, "k%d = 1\n", i);
    }
    err = apply(text->str, &d);
    assert_has(err, "t.conf: more problems not shown");
    assert_true(n_lines(err) <= 51);
    g_free(err);
    g_free(d.path);
    g_free(d.raw);
    g_string_free(text, TRUE);
}

static void
test_expects_every_row(void **state)
{
    for (const struct bl_conf_key *k = demo_keys; k->key != NULL; k++) {
        g_autofree char *e = bl_conf_expects(k);
        assert_true(strlen(e) > 0);
    }
    assert_non_null(bl_conf_find(demo_keys, "node", "secret"));
    assert_null(bl_conf_find(demo_keys, "main", "secret"));
    assert_non_null(bl_conf_find(demo_keys, NULL, "secret"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_every_error),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_foreign_groups_and_repeats),
        cmocka_unit_test(test_line_of_last),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_syntax_lines),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_duration_range),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_expects_every_row),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
