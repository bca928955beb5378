/*
 * The heartbeat's SEL reader (monitor/bmc/heartbeat_sel.c) against an in-memory SEL behind the
 * bl_ipmi_ops seam: history is not acted on, only new records are read, the position
 * survives a restart (its file), a cleared SEL makes everything new, a vanished record and a
 * looping BMC are survived; and bl_health_sel turns the verdicts into the colour.
 */
#include "bl_result.h"
#include "bmc_fakes.h"
#include "heartbeat.h"
#include "heartbeat_core.h"
#include "heartbeat_sel.h"

#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MAXREC 128

struct fake_sel {
    uint8_t rec[MAXREC][BL_SEL_RECORD_LEN];
    size_t n;
    uint16_t next_id;
    uint32_t clock, add_ts, erase_ts;
    bool loop; /* every record's next id is the first one: a hostile BMC */
    uint8_t rsp[BL_IPMI_MSG_MAX];
    size_t rsp_len;
    bl_ipmi_rsp_cb cb;
    void *ud;
    unsigned infos, entries;
};

static struct fake_sel fs;

struct events {
    GPtrArray *log; /* "ID:A|C|S" */
};

static void
sel_add(uint8_t sensor_type, uint8_t dir_type, uint8_t offset)
{
    uint8_t *r = fs.rec[fs.n++];
    uint16_t id = fs.next_id++;

    fs.add_ts = ++fs.clock;
    memset(r, 0, BL_SEL_RECORD_LEN);
    r[0] = (uint8_t) id;
    r[1] = (uint8_t) (id >> 8);
    r[2] = BL_SEL_TYPE_SYSTEM;
    memcpy(r + 3, &fs.add_ts, 4);
    r[7] = 0x20;
    r[9] = 0x04;
    r[10] = sensor_type;
    r[11] = 0x10;
    r[12] = dir_type;
    r[13] = offset;
}

static void
sel_clear(void)
{
    fs.n = 0;
    fs.erase_ts = ++fs.clock;
}

static uint16_t
rec_id(size_t i)
{
    return (uint16_t) (fs.rec[i][0] | fs.rec[i][1] << 8);
}

static void
answer_entry(uint16_t id)
{
    size_t i = 0;

    if (fs.n == 0) {
        fs.rsp[0] = BL_SEL_CC_NOT_PRESENT;
        fs.rsp_len = 1;
        return;
    }
    if (id == BL_SEL_ID_LAST) {
        i = fs.n - 1;
    } else if (id != BL_SEL_ID_FIRST) {
        for (i = 0; i < fs.n && rec_id(i) != id; i++) {
        }
    }
    if (i == fs.n) {
        fs.rsp[0] = BL_SEL_CC_NOT_PRESENT;
        fs.rsp_len = 1;
        return;
    }
    uint16_t next = fs.loop ? rec_id(0) : i + 1 < fs.n ? rec_id(i + 1) : BL_SEL_ID_LAST;
    fs.rsp[0] = 0;
    fs.rsp[1] = (uint8_t) next;
    fs.rsp[2] = (uint8_t) (next >> 8);
    memcpy(fs.rsp + 3, fs.rec[i], BL_SEL_RECORD_LEN);
    fs.rsp_len = 3 + BL_SEL_RECORD_LEN;
}

static int
fake_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
          bl_ipmi_rsp_cb cb, void *ud)
{
    assert_int_equal(netfn, BL_IPMI_NETFN_STORAGE);
    assert_null(fs.cb); /* one request at a time */
    if (cmd == BL_IPMI_CMD_GET_SEL_INFO) {
        const uint8_t r[] = {0,
                             0x51,
                             (uint8_t) fs.n,
                             0,
                             0,
                             0x10,
                             (uint8_t) fs.add_ts,
                             (uint8_t) (fs.add_ts >> 8),
                             0,
                             0,
                             (uint8_t) fs.erase_ts,
                             (uint8_t) (fs.erase_ts >> 8),
                             0,
                             0,
                             0x0a};
        memcpy(fs.rsp, r, sizeof(r));
        fs.rsp_len = sizeof(r);
        fs.infos++;
    } else {
        assert_int_equal(cmd, BL_IPMI_CMD_GET_SEL_ENTRY);
        assert_int_equal(len, BL_SEL_GET_ENTRY_REQ_LEN);
        answer_entry((uint16_t) (data[2] | data[3] << 8));
        fs.entries++;
    }
    fs.cb = cb;
    fs.ud = ud;
    return 0;
}

static const struct bl_ipmi_ops fake_ops = {.name = "fake-sel", .send = fake_send};
static bl_ipmi_session *const SESS = (bl_ipmi_session *) &fs;

static void
on_event(const struct bl_sel_record *r, const struct bl_sel_verdict *v, void *ud)
{
    struct events *e = ud;
    const char *a = v->action == BL_SEL_ASSERT ? "A" : v->action == BL_SEL_CLEAR ? "C" : "S";

    g_ptr_array_add(e->log, g_strdup_printf("%u:%s", r->id, a));
}

static void
on_kick(void *ud)
{
}

/* One round at \p ms: the step, then every reply and the steps it asks for. */
static void
round_at(struct bl_hb_sel *s, uint64_t ms)
{
    uint64_t now = ms * 1000000ull;

    bl_hb_sel_step(s, &fake_ops, SESS, true, now);
    while (fs.cb != NULL) {
        bl_ipmi_rsp_cb cb = fs.cb;

        fs.cb = NULL;
        cb(SESS, 0, fs.rsp, fs.rsp_len, fs.ud);
        assert_true(bl_hb_sel_next_due(s, true) == 0 || !s->step);
        bl_hb_sel_step(s, &fake_ops, SESS, true, now);
    }
}

static char *
joined(struct events *e)
{
    g_ptr_array_add(e->log, NULL);
    char *j = g_strjoinv(",", (char **) e->log->pdata);
    g_ptr_array_remove_index(e->log, e->log->len - 1);
    g_ptr_array_set_size(e->log, 0);
    return j;
}

static int
setup(void **state)
{
    memset(&fs, 0, sizeof(fs));
    fs.next_id = 1;
    fs.clock = 1000;
    *state = g_dir_make_tmp("bl-sel-XXXXXX", NULL);
    return *state == NULL;
}

static int
teardown(void **state)
{
    g_autofree char *dir = *state;
    g_autofree char *f = g_build_filename(dir, "sel-n1.pos", NULL);

    (void) remove(f);
    return g_rmdir(dir);
}

static void
test_history_then_new(void **state)
{
    struct events e = {g_ptr_array_new_with_free_func(g_free)};
    struct bl_hb_sel s;
    g_autofree char *j1 = NULL, *j2 = NULL, *j3 = NULL, *j4 = NULL;

    sel_add(0x07, 0x6f, 0x00); /* IERR before we looked: history */
    sel_add(0x0c, 0x6f, 0x01);
    assert_int_equal(bl_hb_sel_init(&s, "n1", *state, 100, on_event, on_kick, &e), 0);
    round_at(&s, 0);
    j1 = joined(&e);
    assert_string_equal(j1, "");
    assert_true(s.pos.valid && s.pos.have_last);
    assert_int_equal(s.pos.last_id, 2);

    fs.entries = 0;
    round_at(&s, 50);  /* not due yet */
    round_at(&s, 100); /* due, nothing new: one Get SEL Info, no entry read */
    assert_int_equal(fs.entries, 0);

    sel_add(0x07, 0x6f, 0x01);        /* thermal trip */
    sel_add(0x01, 0x01, 0x07);        /* upper non-critical */
    sel_add(0x07, 0x6f | 0x80, 0x01); /* thermal trip over */
    round_at(&s, 200);
    j2 = joined(&e);
    assert_string_equal(j2, "3:A,4:A,5:C");
    assert_int_equal(fs.entries, 4); /* the known last record, then the 3 new */

    /* a restart: the position comes back from its file, nothing is acted on again */
    struct bl_hb_sel s2;
    assert_int_equal(bl_hb_sel_init(&s2, "n1", *state, 100, on_event, on_kick, &e), 0);
    assert_int_equal(s2.pos.last_id, 5);
    round_at(&s2, 0);
    j3 = joined(&e);
    assert_string_equal(j3, "");

    /* cleared, then one record: it is new */
    sel_clear();
    sel_add(0x0c, 0x6f, 0x00);
    round_at(&s2, 100);
    j4 = joined(&e);
    assert_string_equal(j4, "6:A");
    g_ptr_array_free(e.log, TRUE);
}

static void
test_vanished_and_loop(void **state)
{
    struct events e = {g_ptr_array_new_with_free_func(g_free)};
    struct bl_hb_sel s;
    g_autofree char *j1 = NULL, *j2 = NULL;

    assert_int_equal(bl_hb_sel_init(&s, "n1", "", 100, on_event, on_kick, &e), 0);
    assert_string_equal(s.path, "");
    round_at(&s, 0); /* empty SEL: position at its start */
    sel_add(0x07, 0x6f, 0x00);
    sel_add(0x07, 0x6f, 0x01);
    round_at(&s, 100);
    j1 = joined(&e);
    assert_string_equal(j1, "1:A,2:A");

    /* record 2 is gone (overwritten) but the erase time did not move: newer is new */
    memmove(fs.rec[0], fs.rec[1], BL_SEL_RECORD_LEN);
    fs.rec[0][0] = 7;
    fs.n = 1;
    fs.next_id = 8;
    sel_add(0x0c, 0x6f, 0x01);
    round_at(&s, 200);
    j2 = joined(&e);
    assert_string_equal(j2, "8:A"); /* 7 carries record 2's time: not new */

    /* a BMC whose next ids loop: a bounded round, no hang */
    fs.loop = true;
    sel_add(0x0c, 0x6f, 0x00);
    fs.entries = 0;
    round_at(&s, 300);
    assert_true(fs.entries <= BL_HB_SEL_ROUND_MAX + 1);
    g_ptr_array_free(e.log, TRUE);
}

static void
test_errors(void **state)
{
    struct events e = {g_ptr_array_new_with_free_func(g_free)};
    struct bl_hb_sel s;
    struct bl_hb_sel_pos p;
    char buf[96];

    assert_int_equal(bl_hb_sel_init(&s, "n1", NULL, 100, on_event, on_kick, &e), 0);
    assert_int_equal(bl_hb_sel_init(&s, "n1", NULL, 0, on_event, on_kick, &e), BL_E_INVALID);
    assert_int_equal(bl_hb_sel_init(&s, "n1", NULL, 100, on_event, on_kick, &e), 0);
    /* a reply lost (session gone): the round waits for the next interval */
    bl_hb_sel_step(&s, &fake_ops, SESS, true, 0);
    assert_true(s.in_flight);
    bl_ipmi_rsp_cb cb = fs.cb;
    fs.cb = NULL;
    cb(SESS, -ECANCELED, NULL, 0, fs.ud);
    assert_false(s.in_flight);
    assert_int_equal(bl_hb_sel_next_due(&s, true), 100 * 1000000ull);
    assert_int_equal(bl_hb_sel_next_due(&s, false), UINT64_MAX); /* no wake-ups while down */
    /* nothing sent on a session that is down */
    bl_hb_sel_step(&s, &fake_ops, SESS, false, 1000 * 1000000ull);
    assert_false(s.in_flight);

    assert_int_equal(bl_hb_sel_pos_parse("bmclink-sel 1 5 6 7 8 1\n", &p), 0);
    assert_true(p.valid && p.have_last);
    assert_int_equal(p.erase_ts, 5);
    assert_int_equal(p.last_id, 8);
    bl_hb_sel_pos_format(&p, buf, sizeof(buf));
    assert_string_equal(buf, "bmclink-sel 1 5 6 7 8 1\n");
    assert_int_equal(bl_hb_sel_pos_parse("bmclink-sel 1 5 6 7 70000 1", &p), BL_E_PROTO);
    assert_int_equal(bl_hb_sel_pos_parse("bmclink-sel 1 5 6 7", &p), BL_E_PROTO);
    assert_int_equal(bl_hb_sel_pos_parse("bmclink-sel 1 5 6 7 8 2", &p), BL_E_PROTO);
    assert_int_equal(bl_hb_sel_pos_parse("bmclink-sel 1 -5 6 7 8 1", &p), BL_E_PROTO);
    assert_int_equal(bl_hb_sel_pos_parse("garbage", &p), BL_E_PROTO);
    g_ptr_array_free(e.log, TRUE);
}

static void
test_health(void **state)
{
    struct bl_health h;
    struct bl_sel_verdict red = {BL_SEL_ASSERT, BL_SEL_RED, 0x073300, "x"};
    struct bl_sel_verdict yel = {BL_SEL_ASSERT, BL_SEL_YELLOW, 0x043301, "x"};
    struct bl_sel_verdict clr = {BL_SEL_CLEAR, BL_SEL_GREEN, 0x073300, "x"};
    struct bl_sel_verdict ok = {BL_SEL_CLEAR_SENSOR, BL_SEL_GREEN, 0x043300, "x"};
    struct bl_sel_verdict ign = {BL_SEL_IGNORE, BL_SEL_GREEN, 0, "x"};

    bl_health_init(&h, BL_PET_SEV_CRITICAL, 1000);
    assert_true(bl_health_sel(&h, &red, 0));
    assert_int_equal(h.color, BL_HEALTH_RED);
    assert_false(bl_health_sel(&h, &yel, 0));
    assert_true(bl_health_sel(&h, &clr, 0));
    assert_int_equal(h.color, BL_HEALTH_YELLOW);
    assert_false(bl_health_sel(&h, &ign, 0));
    assert_true(bl_health_sel(&h, &ok, 0)); /* the fan sensor back to normal */
    assert_int_equal(h.color, BL_HEALTH_GREEN);
    assert_true(bl_health_sel(&h, &yel, 0));
    assert_true(bl_health_tick(&h, 2000)); /* hold without a deassertion */
    assert_int_equal(h.color, BL_HEALTH_GREEN);
}

static void
on_health(const struct bl_sel_record *r, const struct bl_sel_verdict *v, void *ud)
{
    (void) bl_health_sel(ud, v, 0);
}

/* An OS crash may bring back an older position file (it is written without fsync): the
 * records since are read again, by a daemon whose health started green, and end where
 * reading them once did. An unchanged position is not written again. */
static void
test_reread_same_health(void **state)
{
    struct bl_health once, twice;
    struct bl_hb_sel s;
    g_autofree char *f = g_build_filename(*state, "sel-n1.pos", NULL);
    g_autofree char *old = NULL;

    bl_health_init(&once, BL_PET_SEV_CRITICAL, 1000000);
    bl_health_init(&twice, BL_PET_SEV_CRITICAL, 1000000);
    assert_int_equal(bl_hb_sel_init(&s, "n1", *state, 100, on_health, on_kick, &once), 0);
    round_at(&s, 0); /* empty SEL: the position is its start */
    assert_true(g_file_get_contents(f, &old, NULL, NULL));
    sel_add(0x07, 0x6f, 0x01);        /* thermal trip: red */
    sel_add(0x01, 0x01, 0x07);        /* upper non-critical: yellow */
    sel_add(0x07, 0x6f | 0x80, 0x01); /* thermal trip over */
    round_at(&s, 100);
    assert_int_equal(once.color, BL_HEALTH_YELLOW);

    assert_true(g_file_set_contents(f, old, -1, NULL)); /* the crash */
    assert_int_equal(bl_hb_sel_init(&s, "n1", *state, 100, on_health, on_kick, &twice), 0);
    round_at(&s, 0);
    assert_int_equal(twice.color, once.color);
    round_at(&s, 100); /* and the same records again in the one process */
    assert_int_equal(twice.color, once.color);

    assert_int_equal(remove(f), 0);
    round_at(&s, 200); /* nothing new: nothing written */
    assert_false(g_file_test(f, G_FILE_TEST_EXISTS));
    sel_add(0x0c, 0x6f, 0x01);
    round_at(&s, 300);
    assert_true(g_file_test(f, G_FILE_TEST_EXISTS));
}

/* The longest directory and node name the configuration accepts fit; a longer one is kept
 * in memory (said, not silently cut), as is a node name that is not a file name. */
static void
test_path_limits(void **state)
{
    struct events e = {g_ptr_array_new_with_free_func(g_free)};
    struct bl_hb_sel s;
    char dir[BL_HB_SEL_DIR_MAX], node[BL_HB_SEL_NODE_MAX], big[BL_HB_SEL_PATH_MAX + 8];

    memset(dir, 0, sizeof(dir));
    memset(dir, 'd', sizeof(dir) - 1);
    dir[0] = '/';
    memset(node, 0, sizeof(node));
    memset(node, 'n', sizeof(node) - 1);
    assert_int_equal(bl_hb_sel_init(&s, node, dir, 100, on_event, on_kick, &e), 0);
    assert_int_equal(strlen(s.path), strlen(dir) + strlen(node) + strlen("/sel-.pos"));
    assert_string_equal(s.node, node);

    memset(big, 0, sizeof(big));
    memset(big, 'd', sizeof(big) - 1);
    assert_int_equal(bl_hb_sel_init(&s, "n1", big, 100, on_event, on_kick, &e), BL_E_INVALID);
    assert_string_equal(s.path, "");
    assert_non_null(s.on_event); /* still a working reader, in memory */
    assert_int_equal(bl_hb_sel_init(&s, "../n1", *state, 100, on_event, on_kick, &e), BL_E_INVALID);
    assert_string_equal(s.path, "");
    g_ptr_array_free(e.log, TRUE);
}

/* The heartbeat's glue: with [heartbeat] enabled = false the local BMC's session is still
 * opened for its SEL, Get SEL Info goes out each sel interval (only to the local BMC), and
 * replies that do not decode leave #health-bmc green. */
static void
test_heartbeat_glue(void **state)
{
    struct fake_bmcs bmcs;
    struct fake_pcmk pcmk;
    struct bl_bmc_node nodes[2];
    struct bl_bmc_config cfg = {.n_nodes = 2, .nodes = nodes};
    struct bl_heartbeat_params p = {.cfg = &cfg, .local_node = "node1"};
    struct bl_heartbeat *hb = NULL;
    struct bl_hb_status st;

    fake_bmcs_init(&bmcs);
    fake_bmcs_add(&bmcs, "10.0.0.21");
    fake_bmcs_add(&bmcs, "10.0.0.22");
    fake_pcmk_init(&pcmk);
    fake_node_init(&nodes[0], "node1", "10.0.0.21");
    fake_node_init(&nodes[1], "node2", "10.0.0.22");
    cfg.hb = (struct bl_hb_config){.enabled = false,
                                   .interval_ms = 1000,
                                   .misses = 3,
                                   .reopen_ms = 200,
                                   .sel = true,
                                   .sel_interval_ms = 30};
    cfg.health = (struct bl_health_config){
        .enabled = true, .hold_s = 600, .red_severity = BL_PET_SEV_CRITICAL};
    fake_bmcs_client(&bmcs, &p.ipmi);
    fake_pcmk_client(&pcmk, &p.pcmk);
    assert_int_equal(bl_heartbeat_new(&p, &hb), 0);
    bl_heartbeat_start(hb);
    fake_run_for(200);
    assert_true(fake_host_count(fake_bmcs_find(&bmcs, "10.0.0.21"), "0a:40") >= 2);
    assert_int_equal(fake_host_count(fake_bmcs_find(&bmcs, "10.0.0.22"), "0a:40"), 0);
    assert_int_equal(fake_host_count(fake_bmcs_find(&bmcs, "10.0.0.21"), "00:01"), 0);
    assert_string_equal(fake_pcmk_attr(&pcmk, "node1", "#health-bmc"), "green");
    assert_int_equal(bl_heartbeat_get(hb, 0, &st), 0);
    assert_true(st.sel);
    assert_true(st.sel_rounds >= 2);
    assert_true(st.sel_errors >= 1); /* the fake's one-byte replies are not SEL Info */
    assert_int_equal(bl_heartbeat_get(hb, 1, &st), 0);
    assert_false(st.sel);
    bl_heartbeat_free(hb);
    fake_run_for(5);
    fake_pcmk_clear(&pcmk);
    fake_bmcs_clear(&bmcs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_history_then_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vanished_and_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_health),
        cmocka_unit_test_setup_teardown(test_reread_same_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_limits, setup, teardown),
        cmocka_unit_test(test_heartbeat_glue),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
