/*
 * The heartbeat's SEL reader (heartbeat_sel.h): a round is Get SEL Info, then, only when
 * the log changed, Get SEL Entry from the last record handled up to the newest one.
 */
#include "heartbeat_sel.h"
#include "bl_log.h"
#include "bl_result.h"
#include "recovery_config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whatever the configuration accepts ([heartbeat] sel_state_dir, node names) fits path. */
G_STATIC_ASSERT(BL_HB_SEL_NODE_MAX >= BL_REC_NAME_MAX);
G_STATIC_ASSERT(BL_HB_SEL_DIR_MAX >= BL_BMC_PATH_MAX);

#define BL_HB_SEL_MAGIC "bmclink-sel 1"

static void bl_hb_sel_on_reply(bl_ipmi_session *sess, int rc, const uint8_t *rsp, size_t len,
                               void *ud);

int
bl_hb_sel_pos_parse(const char *text, struct bl_hb_sel_pos *out)
{
    g_auto(GStrv) w = g_strsplit_set(text, " \t\r\n", -1);
    guint64 v[5];
    size_t n = 0, i = 0;

    if (!g_str_has_prefix(text, BL_HB_SEL_MAGIC " ")) {
        return BL_E_PROTO;
    }
    for (i = 2; w[i] != NULL && n < 5; i++) {
        if (w[i][0] == '\0') {
            continue;
        }
        if (!g_ascii_string_to_unsigned(w[i], 10, 0, n < 2 ? UINT32_MAX : UINT16_MAX, &v[n],
                                        NULL)) {
            return BL_E_PROTO;
        }
        n++;
    }
    if (n != 5 || v[4] > 1) {
        return BL_E_PROTO;
    }
    *out = (struct bl_hb_sel_pos){.valid = true,
                                  .erase_ts = (uint32_t) v[0],
                                  .add_ts = (uint32_t) v[1],
                                  .entries = (uint16_t) v[2],
                                  .last_id = (uint16_t) v[3],
                                  .have_last = v[4] == 1};
    return BL_OK;
}

void
bl_hb_sel_pos_format(const struct bl_hb_sel_pos *p, char *buf, size_t len)
{
    snprintf(buf, len, BL_HB_SEL_MAGIC " %u %u %u %u %u\n", p->erase_ts, p->add_ts, p->entries,
             p->last_id, p->have_last ? 1u : 0u);
}

static void
bl_hb_sel_load(struct bl_hb_sel *s)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    if (s->path[0] == '\0' || !g_file_get_contents(s->path, &text, &len, NULL)) {
        return; /* no position yet: the first look takes one */
    }
    if (len > 256 || bl_hb_sel_pos_parse(text, &s->pos) != BL_OK) {
        qb_log(LOG_WARNING, "%s: SEL position %s unreadable: starting after the present records",
               s->node, s->path);
        s->pos.valid = false;
    }
}

static bool
bl_hb_sel_pos_equal(const struct bl_hb_sel_pos *a, const struct bl_hb_sel_pos *b)
{
    return a->valid == b->valid && a->have_last == b->have_last && a->add_ts == b->add_ts &&
           a->erase_ts == b->erase_ts && a->entries == b->entries && a->last_id == b->last_id;
}

/*
 * Replace the file whole: a temporary file, then rename. No fsync: this runs in the main
 * loop (an IPMI reply), where a loaded disk must not stall trap intake. The rename is atomic
 * for readers, and the data reaches the page cache before it, so a killed daemon loses
 * nothing; only an OS crash can bring back an older position (or an empty file: then
 * unreadable, and the records present are history). An older position means the records
 * since are read and acted on again, in the SEL's order, by a daemon whose #health-bmc
 * started green: an assertion sets its condition, its deassertion clears it, the last record
 * of a sensor wins (bl_health_sel), so twice ends where once does
 * (test_heartbeat_sel.c: test_reread_same_health).
 */
static int
bl_hb_sel_write(const char *path, const char *text)
{
    g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
    size_t len = strlen(text);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    ssize_t n;
    int rc = 0;

    if (fd < 0) {
        return -errno;
    }
    n = write(fd, text, len);
    if (n != (ssize_t) len) {
        rc = n < 0 ? -errno : -EIO;
    }
    if (close(fd) != 0 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        (void) unlink(tmp);
    }
    return rc;
}

/* A small local file, written only when the position moved. */
static void
bl_hb_sel_save(struct bl_hb_sel *s)
{
    char text[96];
    int rc;

    if (s->path[0] == '\0' || (s->saved.valid && bl_hb_sel_pos_equal(&s->saved, &s->pos))) {
        return;
    }
    bl_hb_sel_pos_format(&s->pos, text, sizeof(text));
    if (!s->said_save) {
        g_autofree char *dir = g_path_get_dirname(s->path);
        (void) g_mkdir_with_parents(dir, 0755); /* a fresh node: the write says what failed */
    }
    rc = bl_hb_sel_write(s->path, text);
    if (rc != 0) {
        if (!s->said_save) {
            qb_log(LOG_WARNING, "%s: cannot keep the SEL position in %s: %s (kept in memory)",
                   s->node, s->path, g_strerror(-rc));
        }
        s->said_save = true;
        return;
    }
    s->saved = s->pos;
    s->said_save = false;
}

/* "DIR/sel-NODE.pos", or 0 with an empty path and the reason logged. */
static int
bl_hb_sel_path(struct bl_hb_sel *s, const char *node, const char *state_dir)
{
    int n;

    if (state_dir == NULL || state_dir[0] == '\0') {
        return BL_OK;
    }
    n = snprintf(s->path, sizeof(s->path), "%s/sel-%s.pos", state_dir, node);
    if (n > 0 && (size_t) n < sizeof(s->path) && strchr(node, '/') == NULL) {
        return BL_OK;
    }
    s->path[0] = '\0';
    qb_log(LOG_WARNING,
           "%s: no SEL position file under %s (the name is too long or the node name has a "
           "'/'): the position is kept in memory only",
           s->node, state_dir);
    return BL_E_INVALID;
}

int
bl_hb_sel_init(struct bl_hb_sel *s, const char *node, const char *state_dir, uint32_t interval_ms,
               bl_hb_sel_event_fn on_event, bl_hb_sel_kick_fn kick, void *ud)
{
    int rc;

    if (s == NULL || node == NULL || on_event == NULL || kick == NULL || interval_ms == 0) {
        return BL_E_INVALID;
    }
    memset(s, 0, sizeof(*s));
    g_strlcpy(s->node, node, sizeof(s->node));
    s->interval_ns = (uint64_t) interval_ms * 1000000ull;
    s->on_event = on_event;
    s->kick = kick;
    s->ud = ud;
    rc = bl_hb_sel_path(s, node, state_dir);
    bl_hb_sel_load(s);
    s->saved = s->pos; /* what the file holds: no rewrite until the position moves */
    return rc;
}

void
bl_hb_sel_reset(struct bl_hb_sel *s)
{
    s->phase = BL_HB_SEL_IDLE;
    s->step = false;
    s->in_flight = false;
}

uint64_t
bl_hb_sel_next_due(const struct bl_hb_sel *s, bool up)
{
    if (s->in_flight || !up) {
        return UINT64_MAX; /* the reply, or the session coming up, kicks the timer */
    }
    return s->step ? 0 : s->next_ns;
}

/* The round is over; \p complete: the position now reaches the newest record. */
static void
bl_hb_sel_done(struct bl_hb_sel *s, bool complete)
{
    if (complete) {
        s->pos.valid = true;
        s->pos.add_ts = s->info.add_ts;
        s->pos.erase_ts = s->info.erase_ts;
        s->pos.entries = s->info.entries;
        s->by_time = false;
    }
    bl_hb_sel_save(s);
    s->phase = BL_HB_SEL_IDLE;
    s->step = false;
}

/* What Get SEL Info says: nothing new, history to skip, or records to read from where. */
static void
bl_hb_sel_on_info(struct bl_hb_sel *s)
{
    const struct bl_sel_info *i = &s->info;
    struct bl_hb_sel_pos *p = &s->pos;

    s->round_reads = 0;
    s->resume = false;
    if (!p->valid) {
        p->have_last = false;
        if (i->entries == 0) {
            bl_hb_sel_done(s, true);
            return;
        }
        s->phase = BL_HB_SEL_BASELINE;
        s->want_id = BL_SEL_ID_LAST;
    } else if (i->erase_ts != p->erase_ts || i->entries < p->entries) {
        qb_log(LOG_INFO, "%s: SEL cleared: its %u records are new", s->node, i->entries);
        p->have_last = false;
        s->by_time = false;
        if (i->entries == 0) {
            bl_hb_sel_done(s, true);
            return;
        }
        s->phase = BL_HB_SEL_READ;
        s->want_id = BL_SEL_ID_FIRST;
    } else if (i->add_ts == p->add_ts && i->entries == p->entries) {
        s->phase = BL_HB_SEL_IDLE; /* the cheap, common case */
        return;
    } else {
        s->phase = BL_HB_SEL_READ;
        s->resume = p->have_last;
        s->want_id = p->have_last ? p->last_id : BL_SEL_ID_FIRST;
    }
    s->step = true;
}

static void
bl_hb_sel_on_record(struct bl_hb_sel *s, const struct bl_sel_record *r, uint16_t next)
{
    struct bl_sel_verdict v;
    bool seen = s->resume && s->round_reads == 0 && r->id == s->pos.last_id;

    s->round_reads++;
    if (s->phase == BL_HB_SEL_BASELINE) {
        qb_log(LOG_INFO, "%s: SEL holds %u records from before: not acted on", s->node,
               s->info.entries);
        s->pos.last_id = r->id;
        s->pos.have_last = true;
        bl_hb_sel_done(s, true);
        return;
    }
    if (!seen && !(s->by_time && r->timestamp <= s->pos.add_ts)) {
        s->records++;
        bl_sel_classify(r, &v);
        s->acted += v.action != BL_SEL_IGNORE ? 1 : 0;
        if (v.action != BL_SEL_IGNORE || bl_sel_is_power(r)) {
            s->on_event(r, &v, s->ud);
        }
    }
    s->pos.last_id = r->id;
    s->pos.have_last = true;
    if (next == BL_SEL_ID_LAST || next == r->id) {
        bl_hb_sel_done(s, true);
    } else if (s->round_reads >= BL_HB_SEL_ROUND_MAX) {
        bl_hb_sel_done(s, false); /* the rest next interval, from here */
    } else {
        s->want_id = next;
        s->step = true;
    }
}

static void
bl_hb_sel_error(struct bl_hb_sel *s, int rc, uint8_t cc)
{
    s->errors++;
    if (!s->said_error) {
        qb_log(LOG_INFO, "%s: SEL not readable (%s, completion code 0x%02x): retried every %u ms",
               s->node, bl_strerror(rc), cc, (unsigned) (s->interval_ns / 1000000ull));
    }
    s->said_error = true;
    s->phase = BL_HB_SEL_IDLE;
    s->step = false;
}

static void
bl_hb_sel_on_entry(struct bl_hb_sel *s, const uint8_t *rsp, size_t len)
{
    struct bl_sel_record r;
    uint16_t next = BL_SEL_ID_LAST;
    uint8_t cc = 0;
    int rc = bl_sel_decode_entry(rsp, len, &next, &r, &cc);

    if (rc == BL_E_BMC && cc == BL_SEL_CC_NOT_PRESENT && s->resume && s->round_reads == 0) {
        /* the record we stopped at is gone (deleted, or overwritten): new is newer */
        s->resume = false;
        s->by_time = true;
        s->want_id = BL_SEL_ID_FIRST;
        s->step = true;
        return;
    }
    if (rc != BL_OK) {
        bl_hb_sel_error(s, rc, cc);
        return;
    }
    s->said_error = false;
    bl_hb_sel_on_record(s, &r, next);
}

static void
bl_hb_sel_on_reply(bl_ipmi_session *sess, int rc, const uint8_t *rsp, size_t len, void *ud)
{
    struct bl_hb_sel *s = ud;

    s->in_flight = false;
    if (s->dead) {
        return;
    }
    if (rc != BL_OK) {
        bl_hb_sel_reset(s); /* no answer, or the session went away: next interval */
        s->kick(s->ud);
        return;
    }
    if (s->phase == BL_HB_SEL_INFO) {
        rc = bl_sel_decode_info(rsp, len, &s->info);
        if (rc != BL_OK) {
            bl_hb_sel_error(s, rc, len > 0 ? rsp[0] : 0);
        } else {
            s->said_error = false;
            bl_hb_sel_on_info(s);
        }
    } else {
        bl_hb_sel_on_entry(s, rsp, len);
    }
    s->kick(s->ud); /* the next request, or the next round's time, for the caller's timer */
}

void
bl_hb_sel_step(struct bl_hb_sel *s, const struct bl_ipmi_ops *ops, bl_ipmi_session *sess, bool up,
               uint64_t now)
{
    uint8_t req[BL_SEL_GET_ENTRY_REQ_LEN];
    int rc;

    if (s->in_flight || s->dead || sess == NULL || !up) {
        return;
    }
    if (s->step) {
        s->step = false;
        bl_sel_build_get_entry(s->want_id, req);
        rc = ops->send(sess, BL_IPMI_NETFN_STORAGE, BL_IPMI_CMD_GET_SEL_ENTRY, req, sizeof(req),
                       bl_hb_sel_on_reply, s);
    } else if (now >= s->next_ns) {
        s->next_ns = now + s->interval_ns;
        s->phase = BL_HB_SEL_INFO;
        s->rounds++;
        rc = ops->send(sess, BL_IPMI_NETFN_STORAGE, BL_IPMI_CMD_GET_SEL_INFO, NULL, 0,
                       bl_hb_sel_on_reply, s);
    } else {
        return;
    }
    if (rc == BL_OK) {
        s->in_flight = true;
    } else {
        bl_hb_sel_reset(s);
    }
}
