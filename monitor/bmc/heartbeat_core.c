/* BMC poll bookkeeping and the #health-bmc colour (heartbeat_core.h). Pure. */
#include "heartbeat_core.h"
#include "bl_result.h"

#include <string.h>

#define HB_N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

void
bl_hb_state_init(struct bl_hb_state *s, unsigned misses)
{
    memset(s, 0, sizeof(*s));
    s->misses = misses > 0 ? misses : 1;
}

static unsigned
bl_hb_set_reach(struct bl_hb_state *s, enum bl_hb_reach reach)
{
    if (s->reach == reach) {
        return 0;
    }
    s->reach = reach;
    return BL_HB_CH_REACH;
}

static unsigned
bl_hb_set_power(struct bl_hb_state *s, enum bl_hb_power power)
{
    if (s->power == power) {
        return 0;
    }
    s->power = power;
    return BL_HB_CH_POWER;
}

void
bl_hb_state_limits(struct bl_hb_state *s, uint64_t silence_ns, uint64_t window_ns)
{
    s->silence_ns = silence_ns;
    s->window_ns = window_ns;
}

static void
bl_hb_record(struct bl_hb_state *s, enum bl_hb_event kind, uint64_t at, uint64_t ref, bool expected)
{
    s->tl[s->tl_count % BL_HB_TIMELINE] =
        (struct bl_hb_event_rec){.at_ns = at, .ref_ns = ref, .kind = kind, .expected = expected};
    s->tl_count++;
}

void
bl_hb_power_event(struct bl_hb_state *s, enum bl_hb_event kind, uint64_t now)
{
    bl_hb_record(s, kind, now, 0, false);
    s->have_event = true;
    s->event_ns = now;
}

/* The silence began within the window after the last power event. Power events are seen
 * while the BMC answers, so a silence from well before one is not its drop. */
static bool
bl_hb_expected(const struct bl_hb_state *s)
{
    return s->waiting && s->have_event && s->window_ns > 0 &&
           s->wait_ns <= s->event_ns + s->window_ns && s->wait_ns + s->window_ns >= s->event_ns;
}

/* When a silence that goes on makes the BMC unreachable. */
static uint64_t
bl_hb_bound(const struct bl_hb_state *s)
{
    return (bl_hb_expected(s) ? s->event_ns + s->window_ns : s->wait_ns) + s->silence_ns;
}

uint64_t
bl_hb_silence(const struct bl_hb_state *s, uint64_t now)
{
    return s->waiting && now > s->wait_ns ? now - s->wait_ns : 0;
}

unsigned
bl_hb_tick(struct bl_hb_state *s, uint64_t now, bool *send)
{
    unsigned changes = 0;

    if (s->ticked) {
        s->silent = s->answered ? 0 : s->silent + 1;
    }
    s->ticked = true;
    s->answered = false;
    if (s->silent > 0 && !s->dropping && s->reach == BL_HB_REACH_YES) {
        s->dropping = true; /* it was answering: a drop begins (or the end of the BMC) */
        bl_hb_record(s, BL_HB_EV_DROP, s->wait_ns, bl_hb_expected(s) ? s->event_ns : 0,
                     bl_hb_expected(s));
    }
    if (s->silent >= s->misses && s->waiting && now >= bl_hb_bound(s)) {
        changes |= bl_hb_set_reach(s, BL_HB_REACH_NO);
        changes |= bl_hb_set_power(s, BL_HB_POWER_UNKNOWN);
        if ((changes & BL_HB_CH_REACH) != 0) {
            bl_hb_record(s, BL_HB_EV_UNREACHABLE, now, bl_hb_silence(s, now), bl_hb_expected(s));
        }
    }
    *send = !s->in_flight;
    return changes;
}

void
bl_hb_sent(struct bl_hb_state *s, int rc, uint64_t now)
{
    s->polls++;
    if (!s->waiting) {
        s->waiting = true; /* silence, if it comes, counts from here */
        s->wait_ns = now;
    }
    s->in_flight = rc == BL_OK;
    s->sent_ns = now;
    if (rc != BL_OK) {
        s->errors++;
    }
}

/* Bucket of a round trip: the power of two, then which eighth of it. */
static unsigned
bl_hb_rtt_bucket(uint64_t ns)
{
    unsigned octave = 0, b;

    if (ns < BL_HB_RTT_SUB) {
        return (unsigned) ns; /* below 8 ns: one bucket per value */
    }
    while (octave < 63 && (ns >> (octave + 1)) != 0) {
        octave++;
    }
    b = octave * BL_HB_RTT_SUB + (unsigned) ((ns >> (octave - 3)) & (BL_HB_RTT_SUB - 1));
    return b < BL_HB_RTT_BUCKETS ? b : BL_HB_RTT_BUCKETS - 1;
}

/* The largest round trip that falls into bucket b. */
static uint64_t
bl_hb_rtt_upper(unsigned b)
{
    unsigned octave = b / BL_HB_RTT_SUB, sub = b % BL_HB_RTT_SUB;

    if (octave < 3) {
        return b; /* the exact buckets below 8 ns */
    }
    return (1ull << octave) + ((uint64_t) (sub + 1) << (octave - 3)) - 1;
}

static void
bl_hb_rtt_add(struct bl_hb_rtt *r, uint64_t ns)
{
    r->bucket[bl_hb_rtt_bucket(ns)]++;
    r->count++;
    r->sum_ns += ns;
    r->last_ns = ns;
    r->min_ns = r->count == 1 || ns < r->min_ns ? ns : r->min_ns;
    r->max_ns = ns > r->max_ns ? ns : r->max_ns;
}

/* A power change read (on after off, off after on; not the first reading) is a power event. */
static void
bl_hb_power_read(struct bl_hb_state *s, enum bl_hb_power p, uint64_t now)
{
    if (s->power != BL_HB_POWER_UNKNOWN && s->power != p) {
        bl_hb_power_event(s, p == BL_HB_POWER_ON ? BL_HB_EV_POWER_ON : BL_HB_EV_POWER_OFF, now);
    }
}

unsigned
bl_hb_answer(struct bl_hb_state *s, int rc, bool power_on, uint64_t now)
{
    unsigned changes = 0;

    s->in_flight = false;
    if (rc != BL_OK && rc != BL_E_BMC) {
        s->errors++;
        return 0; /* silence: the next ticks count it */
    }
    s->answers++;
    s->answered = true;
    s->silent = 0;
    bl_hb_rtt_add(&s->rtt, now >= s->sent_ns ? now - s->sent_ns : 0);
    if (s->dropping || s->reach == BL_HB_REACH_NO) {
        bl_hb_record(s, BL_HB_EV_BACK, now, bl_hb_silence(s, now), bl_hb_expected(s));
    }
    s->dropping = false;
    s->waiting = false;
    changes |= bl_hb_set_reach(s, BL_HB_REACH_YES);
    if (rc == BL_OK) {
        bl_hb_power_read(s, power_on ? BL_HB_POWER_ON : BL_HB_POWER_OFF, now);
        changes |= bl_hb_set_power(s, power_on ? BL_HB_POWER_ON : BL_HB_POWER_OFF);
    } else {
        changes |= bl_hb_set_power(s, BL_HB_POWER_UNKNOWN);
    }
    return changes;
}

void
bl_hb_link(const struct bl_hb_state *s, uint64_t now, struct bl_hb_link *out)
{
    *out = (struct bl_hb_link){.state = BL_HB_LINK_OK};
    if (s->reach == BL_HB_REACH_NO) {
        out->state = BL_HB_LINK_UNREACHABLE;
    } else if (s->silent > 0) {
        out->state = bl_hb_expected(s) ? BL_HB_LINK_DROP : BL_HB_LINK_SILENT;
        out->bound_ns = bl_hb_bound(s);
        out->event_ns = bl_hb_expected(s) ? s->event_ns : 0;
    }
    if (out->state != BL_HB_LINK_OK) {
        out->silent_ns = bl_hb_silence(s, now);
    }
}

size_t
bl_hb_timeline(const struct bl_hb_state *s, struct bl_hb_event_rec *out)
{
    uint64_t first = s->tl_count > BL_HB_TIMELINE ? s->tl_count - BL_HB_TIMELINE : 0;
    size_t n = 0;

    for (uint64_t i = first; i < s->tl_count; i++) {
        out[n++] = s->tl[i % BL_HB_TIMELINE];
    }
    return n;
}

const char *
bl_hb_event_name(enum bl_hb_event kind)
{
    static const char *const names[] = {
        [BL_HB_EV_NONE] = "none",
        [BL_HB_EV_POWER_ON] = "power on",
        [BL_HB_EV_POWER_OFF] = "power off",
        [BL_HB_EV_SEL_POWER] = "SEL power record",
        [BL_HB_EV_COMMAND] = "power command",
        [BL_HB_EV_DROP] = "link drop",
        [BL_HB_EV_BACK] = "answers again",
        [BL_HB_EV_UNREACHABLE] = "unreachable",
    };

    return (unsigned) kind < HB_N_ELEMENTS(names) ? names[kind] : "?";
}

uint64_t
bl_hb_rtt_percentile(const struct bl_hb_rtt *r, unsigned pct)
{
    uint64_t want, seen = 0;

    if (r->count == 0) {
        return 0;
    }
    want = (r->count * (pct > 100 ? 100 : pct) + 99) / 100;
    want = want == 0 ? 1 : want;
    for (unsigned b = 0; b < BL_HB_RTT_BUCKETS; b++) {
        seen += r->bucket[b];
        if (seen >= want) {
            uint64_t upper = bl_hb_rtt_upper(b);
            return upper < r->max_ns ? upper : r->max_ns;
        }
    }
    return r->max_ns;
}

void
bl_hb_rtt_merge(struct bl_hb_rtt *a, const struct bl_hb_rtt *b)
{
    if (b->count == 0) {
        return;
    }
    a->min_ns = a->count == 0 || b->min_ns < a->min_ns ? b->min_ns : a->min_ns;
    a->max_ns = b->max_ns > a->max_ns ? b->max_ns : a->max_ns;
    a->count += b->count;
    a->sum_ns += b->sum_ns;
    a->last_ns = b->last_ns;
    for (unsigned i = 0; i < BL_HB_RTT_BUCKETS; i++) {
        a->bucket[i] += b->bucket[i];
    }
}

const char *
bl_hb_reach_value(enum bl_hb_reach r)
{
    return r == BL_HB_REACH_YES ? "1" : r == BL_HB_REACH_NO ? "0" : NULL;
}

const char *
bl_hb_power_value(enum bl_hb_power p)
{
    return p == BL_HB_POWER_ON ? "on" : p == BL_HB_POWER_OFF ? "off" : "unknown";
}

/* ---- #health-bmc ---- */

void
bl_health_init(struct bl_health *h, uint8_t red_severity, uint64_t hold_ns)
{
    memset(h, 0, sizeof(*h));
    h->red_severity = red_severity;
    h->hold_ns = hold_ns;
    h->color = BL_HEALTH_GREEN;
}

const char *
bl_health_color_name(enum bl_health_color c)
{
    return c == BL_HEALTH_RED ? "red" : c == BL_HEALTH_YELLOW ? "yellow" : "green";
}

/* Recompute the colour; true when it changed. */
static bool
bl_health_update(struct bl_health *h)
{
    enum bl_health_color worst = BL_HEALTH_GREEN, before = h->color;

    for (size_t i = 0; i < BL_HEALTH_CONDS; i++) {
        if (h->cond[i].used && h->cond[i].color > worst) {
            worst = h->cond[i].color;
        }
    }
    h->color = worst;
    return worst != before;
}

static struct bl_health_cond *
bl_health_find(struct bl_health *h, uint64_t key)
{
    for (size_t i = 0; i < BL_HEALTH_CONDS; i++) {
        if (h->cond[i].used && h->cond[i].key == key) {
            return &h->cond[i];
        }
    }
    return NULL;
}

/* A slot for key: its own, a free one, or the one expiring first (a flood cannot grow us). */
static struct bl_health_cond *
bl_health_slot(struct bl_health *h, uint64_t key)
{
    struct bl_health_cond *c = bl_health_find(h, key), *oldest = &h->cond[0];

    for (size_t i = 0; c == NULL && i < BL_HEALTH_CONDS; i++) {
        if (!h->cond[i].used) {
            c = &h->cond[i];
        } else if (h->cond[i].expires_ns < oldest->expires_ns) {
            oldest = &h->cond[i];
        }
    }
    return c != NULL ? c : oldest;
}

static bool
bl_health_assert(struct bl_health *h, uint64_t key, enum bl_health_color color, uint64_t now)
{
    struct bl_health_cond *c = bl_health_slot(h, key);

    if (c->used && c->key == key && c->color > color) {
        color = c->color; /* a repeat at a lower level does not downgrade it */
    }
    *c = (struct bl_health_cond){
        .key = key, .color = color, .expires_ns = now + h->hold_ns, .used = true};
    return bl_health_update(h);
}

bool
bl_health_pet(struct bl_health *h, const struct bl_pet_event *pet, uint64_t now)
{
    uint64_t key =
        (uint64_t) pet->sensor_type << 16 | (uint64_t) pet->sensor_number << 8 | pet->event_offset;
    uint8_t sev = bl_pet_severity_top(pet->severity);
    struct bl_health_cond *c;

    if (pet->deassertion) {
        c = bl_health_find(h, key);
        if (c != NULL) {
            c->used = false;
        }
        return bl_health_update(h);
    }
    if (sev >= h->red_severity && h->red_severity != 0) {
        return bl_health_assert(h, key, BL_HEALTH_RED, now);
    }
    if (sev >= BL_PET_SEV_NON_CRITICAL) {
        return bl_health_assert(h, key, BL_HEALTH_YELLOW, now);
    }
    return false; /* information, OK, monitor: nothing to worry about */
}

bool
bl_health_notice(struct bl_health *h, uint64_t key, uint64_t now)
{
    return bl_health_assert(h, key | (1ull << 63), BL_HEALTH_YELLOW, now);
}

bool
bl_health_sel(struct bl_health *h, const struct bl_sel_verdict *v, uint64_t now)
{
    struct bl_health_cond *c;

    switch (v->action) {
        case BL_SEL_ASSERT:
            return bl_health_assert(h, v->key,
                                    v->color == BL_SEL_RED ? BL_HEALTH_RED : BL_HEALTH_YELLOW, now);
        case BL_SEL_CLEAR:
            c = bl_health_find(h, v->key);
            if (c != NULL) {
                c->used = false;
            }
            return bl_health_update(h);
        case BL_SEL_CLEAR_SENSOR:
            for (size_t i = 0; i < BL_HEALTH_CONDS; i++) {
                /* same sensor type and number; vendor notices (bit 63) are never a sensor's */
                if (h->cond[i].used && (h->cond[i].key >> 8) == (v->key >> 8)) {
                    h->cond[i].used = false;
                }
            }
            return bl_health_update(h);
        default:
            return false;
    }
}

bool
bl_health_tick(struct bl_health *h, uint64_t now)
{
    for (size_t i = 0; i < BL_HEALTH_CONDS; i++) {
        if (h->cond[i].used && now >= h->cond[i].expires_ns) {
            h->cond[i].used = false;
        }
    }
    return bl_health_update(h);
}
