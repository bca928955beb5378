#include "bmcsim_core.h"

#include <string.h>

void
bmcsim_core_init(struct bmcsim_core *c, const struct bmcsim_timing *t)
{
    memset(c, 0, sizeof(*c));
    c->t = *t;
    c->reason = "";
}

unsigned
bmcsim_core_inject(struct bmcsim_core *c, uint64_t now_ms)
{
    if (c->phase != BMCSIM_IDLE) {
        return BMCSIM_ACT_NONE;
    }
    c->phase = BMCSIM_NOTIFIED;
    c->sequence++;
    c->acked = false;
    c->resends = 0;
    c->deadline_ms = now_ms + c->t.grace_ms;
    c->next_resend_ms = c->t.resend_ms != 0 ? now_ms + c->t.resend_ms : 0;
    return BMCSIM_ACT_SEND_TRAP;
}

static unsigned
bmcsim_power_off(struct bmcsim_core *c, uint64_t now_ms, const char *reason)
{
    c->phase = BMCSIM_POWER_OFF;
    c->reason = reason;
    c->next_resend_ms = 0;
    c->deadline_ms = now_ms + c->t.off_ms;
    return BMCSIM_ACT_POWER_OFF;
}

unsigned
bmcsim_core_notice(struct bmcsim_core *c, enum bmcsim_notice n, uint64_t now_ms, bool *accepted)
{
    bool live = c->phase == BMCSIM_NOTIFIED || c->phase == BMCSIM_RECOVERING;

    *accepted = false;
    if (n == BMCSIM_PET_ACK && live) {
        *accepted = true;
        c->acked = true;
        c->next_resend_ms = 0;
        return BMCSIM_ACT_NONE;
    }
    if (n == BMCSIM_START && c->phase == BMCSIM_NOTIFIED) {
        *accepted = true;
        c->phase = BMCSIM_RECOVERING;
        c->next_resend_ms = 0; /* a start notice implies the trap arrived */
        c->deadline_ms = now_ms + c->t.window_ms;
        return BMCSIM_ACT_NONE;
    }
    if (n == BMCSIM_END && c->phase == BMCSIM_RECOVERING) {
        *accepted = true;
        return bmcsim_power_off(c, now_ms, "end-notice");
    }
    return BMCSIM_ACT_NONE;
}

unsigned
bmcsim_core_tick(struct bmcsim_core *c, uint64_t now_ms)
{
    unsigned act = BMCSIM_ACT_NONE;

    if (c->phase == BMCSIM_IDLE || now_ms < bmcsim_core_next(c)) {
        return act;
    }
    if (c->next_resend_ms != 0 && now_ms >= c->next_resend_ms) {
        c->resends++;
        act |= BMCSIM_ACT_SEND_TRAP;
        c->next_resend_ms = c->resends < c->t.resend_max ? now_ms + c->t.resend_ms : 0;
    }
    if (now_ms < c->deadline_ms) {
        return act;
    }
    switch (c->phase) {
        case BMCSIM_NOTIFIED:
            return (act & ~BMCSIM_ACT_SEND_TRAP) | bmcsim_power_off(c, now_ms, "no-start-notice");
        case BMCSIM_RECOVERING:
            return (act & ~BMCSIM_ACT_SEND_TRAP) | bmcsim_power_off(c, now_ms, "window-expired");
        case BMCSIM_POWER_OFF:
            c->phase = BMCSIM_IDLE;
            c->deadline_ms = 0;
            return act | BMCSIM_ACT_POWER_ON;
        default:
            return act;
    }
}

uint64_t
bmcsim_core_next(const struct bmcsim_core *c)
{
    if (c->phase == BMCSIM_IDLE) {
        return 0;
    }
    if (c->next_resend_ms != 0 && c->next_resend_ms < c->deadline_ms) {
        return c->next_resend_ms;
    }
    return c->deadline_ms;
}

const char *
bmcsim_phase_name(enum bmcsim_phase p)
{
    static const char *const names[] = {"idle", "notified", "recovering", "power-off"};

    return (unsigned) p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}
