/*
 * Fuzz target: a hostile BMC's SEL replies. The input is a sequence of replies, each one
 * length byte then that many bytes, handed in turn to the heartbeat's SEL reader
 * (monitor/bmc/heartbeat_sel.c) as the answers to what it asks (Get SEL Info, Get SEL Entry),
 * over several rounds; every reply is also fed to the decoders and the classifier alone.
 * Nothing may crash, read out of bounds or loop without end.
 */
#include "bl_sel.h"
#include "heartbeat_sel.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_bmc {
    const uint8_t *data;
    size_t len, pos;
    bl_ipmi_rsp_cb cb;
    void *ud;
};

static struct fuzz_bmc fb;

static int
fuzz_send(bl_ipmi_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
          bl_ipmi_rsp_cb cb, void *ud)
{
    if (fb.pos >= fb.len) {
        return -5; /* -EIO: the BMC went away */
    }
    fb.cb = cb;
    fb.ud = ud;
    return 0;
}

static const struct bl_ipmi_ops fuzz_ops = {.name = "fuzz", .send = fuzz_send};

static void
on_event(const struct bl_sel_record *r, const struct bl_sel_verdict *v, void *ud)
{
    (*(unsigned *) ud)++;
}

static void
on_kick(void *ud)
{
}

/* The next reply from the input: its length byte, then at most that many bytes. */
static size_t
next_reply(const uint8_t **rsp)
{
    size_t n = fb.data[fb.pos++];

    if (n > fb.len - fb.pos) {
        n = fb.len - fb.pos;
    }
    *rsp = fb.data + fb.pos;
    fb.pos += n;
    return n;
}

static void
decoders(const uint8_t *rsp, size_t n)
{
    struct bl_sel_info info;
    struct bl_sel_record r;
    struct bl_sel_verdict v;
    uint16_t next;
    uint8_t cc;

    (void) bl_sel_decode_info(rsp, n, &info);
    if (bl_sel_decode_entry(rsp, n, &next, &r, &cc) == 0) {
        bl_sel_classify(&r, &v);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_hb_sel s;
    unsigned events = 0, steps = 0;
    bl_ipmi_session *sess = (bl_ipmi_session *) &fb;

    memset(&fb, 0, sizeof(fb));
    fb.data = data;
    fb.len = size;
    if (bl_hb_sel_init(&s, "fuzz", "", 1, on_event, on_kick, &events) != 0) {
        __builtin_trap();
    }
    /* every round is due (interval 1 ns, time moves on): the input decides how far it goes */
    for (uint64_t now = 0; fb.pos < fb.len && steps < 4096; now += 2, steps++) {
        const uint8_t *rsp;
        size_t n;
        bl_ipmi_rsp_cb cb;

        bl_hb_sel_step(&s, &fuzz_ops, sess, true, now);
        if (fb.cb == NULL) {
            continue;
        }
        n = next_reply(&rsp);
        decoders(rsp, n);
        cb = fb.cb;
        fb.cb = NULL;
        /* a zero-length reply stands for a lost one (the session went away) */
        cb(sess, n == 0 ? -125 : 0, n == 0 ? NULL : rsp, n, fb.ud);
    }
    return 0;
}
